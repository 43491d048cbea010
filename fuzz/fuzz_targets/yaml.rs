//! The YAML/JSON reader (CloudFormation templates, answers files): any text gives a tree or a
//! positioned error, never a panic, a hang or unbounded memory.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = vouch::syntax::yaml::parse(text);
    }
});
