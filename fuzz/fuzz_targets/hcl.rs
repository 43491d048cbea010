//! The HCL reader: any text gives a body or a positioned error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = vouch::syntax::hcl::parse_body(text);
        let _ = vouch::syntax::hcl::parse_template(text);
    }
});
