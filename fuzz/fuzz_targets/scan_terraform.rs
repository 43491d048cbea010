//! The whole pipeline on one Terraform file: load, evaluate, link, every check, reconcile and
//! both renderers. Whatever the file holds, the scan ends with a report.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), data).unwrap();
    let scan = vouch::scan(dir.path(), &Default::default());
    let (report, _) = vouch::assess(&scan, dir.path(), &Default::default());
    let _ = vouch::report::scan::to_text(&report, ".");
    let _ = vouch::report::scan::to_json(&report);
});
