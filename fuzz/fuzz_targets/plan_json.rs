//! The whole pipeline on one `terraform show -json` plan given with `--plan`: whatever the file
//! holds, the scan ends with a report.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, data).unwrap();
    let mut options = vouch::ScanOptions::default();
    options.load.plans = vec![plan];
    let scan = vouch::scan(dir.path(), &options);
    let (report, _) = vouch::assess(&scan, dir.path(), &Default::default());
    let _ = vouch::report::scan::to_text(&report, ".");
    let _ = vouch::report::scan::to_json(&report);
});
