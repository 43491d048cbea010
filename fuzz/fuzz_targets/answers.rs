//! The answers file (`.vouch/answers.yaml`) through the whole pipeline beside a small fixed
//! Terraform root: whatever a person typed there, the scan ends with a report.
#![no_main]
use libfuzzer_sys::fuzz_target;

const ROOT: &str = include_str!("../seeds/claims_root.tf");

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), ROOT).unwrap();
    std::fs::create_dir(dir.path().join(".vouch")).unwrap();
    std::fs::write(dir.path().join(".vouch/answers.yaml"), data).unwrap();
    let scan = vouch::scan(dir.path(), &Default::default());
    let (report, _) = vouch::assess(&scan, dir.path(), &Default::default());
    let _ = vouch::report::scan::to_text(&report, ".");
    let _ = vouch::report::scan::to_json(&report);
});
