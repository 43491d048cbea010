//! The whole pipeline on one CloudFormation template: load, evaluate, link, every check, reconcile and
//! both renderers. Whatever the file holds, the scan ends with a report. An input that opens with
//! `{` is written as `template.json` so the JSON reader and its intrinsics are fuzzed too.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let json = data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let name = if json { "template.json" } else { "template.yaml" };
    std::fs::write(dir.path().join(name), data).unwrap();
    let scan = vouch::scan(dir.path(), &Default::default());
    let (report, _) = vouch::assess(&scan, dir.path(), &Default::default());
    let _ = vouch::report::scan::to_text(&report, ".");
    let _ = vouch::report::scan::to_json(&report);
});
