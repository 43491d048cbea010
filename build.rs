//! Embeds the assumption catalog (`rules/assumptions/*.yaml`) in the binary, so that vouch needs
//! no files at run time and a rule is still one data file in the repository.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("rules/assumptions");
    println!("cargo:rerun-if-changed=rules/assumptions");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".yaml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from(
        "/// Every rule file: (file name, text).\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for name in &names {
        println!("cargo:rerun-if-changed=rules/assumptions/{name}");
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rules/assumptions/{name}\"))),"
        );
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("assumption_files.rs");
    std::fs::write(dest, out).expect("write assumption_files.rs");
}
