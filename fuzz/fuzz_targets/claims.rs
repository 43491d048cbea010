//! The architecture document through the whole pipeline: the Markdown reader, the claim reader,
//! reconciliation against a small fixed Terraform root, suggestions and both renderers.
#![no_main]
use libfuzzer_sys::fuzz_target;

/// A root with a function, its role and a table, so claims have components to resolve against.
const ROOT: &str = include_str!("../seeds/claims_root.tf");

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), ROOT).unwrap();
    std::fs::write(dir.path().join("ARCHITECTURE.md"), data).unwrap();
    let scan = vouch::scan(dir.path(), &Default::default());
    let (report, _) = vouch::assess(&scan, dir.path(), &Default::default());
    let _ = vouch::report::scan::to_text(&report, ".");
    let _ = vouch::report::scan::to_json(&report);
});
