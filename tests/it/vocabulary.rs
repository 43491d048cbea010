//! Only the frontends know the languages: outside `terraform/`, `cloudformation/`, `plan.rs`,
//! `syntax/`, `load/` and `model/`, no code names a Terraform attribute or a CloudFormation
//! property, compares source types, or tests which language a resource came from. Checks and
//! the IAM, KMS and network layers read canonical properties (`Model::prop`) instead, so a check is
//! written once and a new resource type is table rows.
//!
//! The test reads the sources as text: code (comments and `#[cfg(test)]` modules left out) and
//! string literals, against the raw accessors, language tests, and every Terraform and
//! CloudFormation name the property table maps.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Directories and files that may know the languages.
const FRONTENDS: &[&str] = &[
    "src/terraform/",
    "src/cloudformation/",
    "src/plan.rs",
    "src/syntax/",
    "src/load/",
    "src/model/",
    // Writes the live account's roles as a CloudFormation template for that frontend to read.
    "src/live/template.rs",
];

/// Code that reads a resource's attributes by name, or tells the languages apart.
const RAW: &[(&str, &str)] = &[
    (".attributes", "reads raw attributes"),
    (".attr(", "reads a raw attribute"),
    ("attribute_spans", "reads raw attribute spans"),
    ("util::at(", "reads an attribute path"),
    ("first_at(", "reads attribute paths"),
    ("flag_at(", "reads attribute paths"),
    ("values_at(", "reads attribute paths"),
    ("Language::", "tests the language"),
    ("language ==", "tests the language"),
    ("language !=", "tests the language"),
    ("source_type ==", "compares source types"),
    ("source_type !=", "compares source types"),
    ("source_type.as_str() ==", "compares source types"),
    ("source_type.as_str() !=", "compares source types"),
    ("source_type.starts_with", "compares source types"),
    ("match r.source_type", "compares source types"),
    ("get(r.source_type", "looks up by source type"),
    ("get(&r.source_type", "looks up by source type"),
];

/// Words that start like a source type but name something else: serialized tags, and
/// CloudTrail's data-resource type, a value both languages write the same way.
const NOT_TYPES: &[&str] = &["aws_managed", "aws_owned", "aws_region", "AWS::S3::Object"];

/// What some files outside the frontends may do, and why.
const ALLOWED: &[(&str, &str, &str)] = &[(
    "src/report/inventory.rs",
    ".attributes",
    "the inventory renders the model as read: `--values` prints every attribute",
)];

/// Words of the IAM policy language: they name keys of policy documents, not properties.
const POLICY_GRAMMAR: &[&str] = &[
    "Version",
    "Statement",
    "Sid",
    "Effect",
    "Allow",
    "Deny",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "AWS",
    "Service",
    "Federated",
    "CanonicalUser",
    // Condition operators (AWS Backup's selection conditions borrow them too).
    "StringEquals",
    "StringLike",
    "StringNotEquals",
    "StringNotLike",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every Terraform and CloudFormation name of the property table: path segments of both
/// language columns, and the source types named in them.
fn table_names(root: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let dir = root.join("rules/properties");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let cells: Vec<&str> = line.split('\t').collect();
            for cell in [cells[2], cells[3], cells[4]] {
                for alt in cell.split(" | ") {
                    let (ty, path) = alt.split_once(" > ").unwrap_or(("", alt));
                    if !ty.is_empty() {
                        names.insert(ty.trim().to_string());
                    }
                    let path = path.split('{').next().unwrap_or("");
                    for seg in path.split('.') {
                        let seg = seg.trim();
                        if seg.len() > 2 && seg != "-" && seg != "=" {
                            names.insert(seg.to_string());
                        }
                    }
                }
            }
        }
    }
    for w in POLICY_GRAMMAR {
        names.remove(*w);
    }
    names
}

/// A string literal: its line, its text, and whether the code reads a key with it
/// (`.get("…")`, `.contains_key("…")`).
type Literal = (usize, String, bool);

/// The code of a file without comments and `#[cfg(test)]` modules, and its string literals
/// with their line numbers.
fn code_and_literals(text: &str) -> (Vec<(usize, String)>, Vec<Literal>) {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut code = Vec::new();
    let mut literals = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut line = 1;
    let mut current = String::new();
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\n' {
            code.push((line, std::mem::take(&mut current)));
            line += 1;
            i += 1;
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'\'' {
            // A char literal ('"', '\'') or a lifetime: skip the char literal whole.
            if bytes.get(i + 2) == Some(&b'\'') {
                i += 3;
            } else if bytes.get(i + 1) == Some(&b'\\') {
                let end = text[i + 2..].find('\'').map_or(bytes.len(), |k| i + 3 + k);
                i = end;
            } else {
                current.push('\'');
                i += 1;
            }
        } else if c == b'r'
            && matches!(bytes.get(i + 1), Some(b'#') | Some(b'"'))
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
        {
            let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
            let start = i + 1 + hashes + 1;
            let close = format!("\"{}", "#".repeat(hashes));
            let end = text[start..]
                .find(&close)
                .map_or(bytes.len(), |k| start + k);
            let lit = &text[start..end];
            literals.push((line, lit.to_string(), reads_key(&current)));
            line += lit.matches('\n').count();
            current.push_str("\"\"");
            i = end + close.len();
        } else if c == b'"' {
            let mut j = i + 1;
            let mut lit = String::new();
            while j < bytes.len() && bytes[j] != b'"' {
                if bytes[j] == b'\\' {
                    lit.push(bytes[j + 1] as char);
                    j += 2;
                    continue;
                }
                lit.push(bytes[j] as char);
                j += 1;
            }
            literals.push((line, lit.clone(), reads_key(&current)));
            line += lit.matches('\n').count();
            current.push_str("\"\"");
            i = j + 1;
        } else {
            current.push(c as char);
            i += 1;
        }
    }
    code.push((line, current));
    (code, literals)
}

/// Whether the code just before a literal reads a map key with it.
fn reads_key(code_before: &str) -> bool {
    let c = code_before.trim_end();
    c.ends_with(".get(")
        || c.ends_with(".contains_key(")
        || c.ends_with(".get_mut(")
        || c.ends_with(".span_of(")
}

/// Whether a literal looks like an attribute name rather than a word: Terraform's names with
/// `_`, CloudFormation's capitalized ones. A plain lowercase word ("type", "route") counts only
/// where code reads a key with it.
fn looks_like_a_name(lit: &str, reads_key: bool) -> bool {
    reads_key || lit.contains('_') || lit.starts_with(|c: char| c.is_ascii_uppercase())
}

#[test]
fn only_the_frontends_know_the_languages() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let names = table_names(root);
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut found = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if FRONTENDS.iter().any(|p| rel.starts_with(p)) {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        let (code, literals) = code_and_literals(&text);
        for (line, l) in &code {
            for (pattern, what) in RAW {
                if l.contains(pattern) && !ALLOWED.iter().any(|(f, p, _)| *f == rel && p == pattern)
                {
                    found.push(format!("{rel}:{line}: {what} (`{pattern}`)"));
                }
            }
        }
        for (line, lit, key) in &literals {
            if (lit.starts_with("aws_") || lit.starts_with("AWS::"))
                && !NOT_TYPES.contains(&lit.as_str())
            {
                found.push(format!("{rel}:{line}: names a source type \"{lit}\""));
            } else if names.contains(lit.as_str()) && looks_like_a_name(lit, *key) {
                found.push(format!("{rel}:{line}: names an attribute \"{lit}\""));
            }
        }
    }
    assert!(
        found.is_empty(),
        "{} places outside the frontends know a language; read through Model::prop and \
         rules/properties instead:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_check_sees_what_it_looks_for() {
    // The scanner itself: a raw read and a language name in code are found, comments are not.
    let (code, literals) = code_and_literals(
        "let a = r.attr(\"kms_key_id\"); // r.attributes\nlet b = '\"'; let c = r#\"AWS::S3::Bucket\"#;\nv.get(\"type\")",
    );
    assert!(code[0].1.contains(".attr("));
    assert!(!code[0].1.contains(".attributes"));
    assert_eq!(
        literals,
        vec![
            (1, "kms_key_id".to_string(), false),
            (2, "AWS::S3::Bucket".to_string(), false),
            (3, "type".to_string(), true)
        ]
    );
    assert!(looks_like_a_name("kms_key_id", false) && looks_like_a_name("KmsKeyId", false));
    assert!(!looks_like_a_name("type", false) && looks_like_a_name("type", true));
}
