//! Build-time code from the data under `rules/`:
//!
//! - the assumption catalog (`rules/assumptions/*.yaml`), embedded so that vouch needs no files at
//!   run time while a rule stays one data file in the repository;
//! - the [`Kind`] enum, one variant per normalized kind of `rules/resource-types.tsv`;
//! - the edge [`Label`] enum, one variant per label of `rules/edges.tsv`;
//! - the [`Prop`] enum and its table, one variant per row of `rules/properties/*.tsv`;
//! - the training documents of the claim reader's learned topic vocabulary: the labeled
//!   documents of the dev split's tuning half (`corpus/claims/dev/01`–`14`), embedded.
//!
//! The tables are checked here, so a typo in a data file is a build error with the file and line
//! instead of a property that silently reads nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    let out_dir = Path::new(&out_dir);
    std::fs::write(out_dir.join("assumption_files.rs"), assumption_files())
        .expect("write assumption_files.rs");
    let kinds = kinds();
    std::fs::write(out_dir.join("kinds.rs"), kind_enum(&kinds)).expect("write kinds.rs");
    std::fs::write(out_dir.join("labels.rs"), label_enum()).expect("write labels.rs");
    std::fs::write(out_dir.join("props.rs"), prop_table(&kinds)).expect("write props.rs");
    std::fs::write(out_dir.join("service_prefixes.rs"), service_prefixes())
        .expect("write service_prefixes.rs");
    iam_catalog(out_dir);
    managed_policies(out_dir);
    std::fs::write(out_dir.join("claim_training.rs"), claim_training())
        .expect("write claim_training.rs");
}

/// The documents the claim reader's topic vocabulary learns from: the dev split's documents
/// numbered up to [`LAST_TRAINING_DOCUMENT`], each with its labels. Documents after it are the
/// half the reader is checked on, and the held-out split is never read here.
const LAST_TRAINING_DOCUMENT: u32 = 14;

fn claim_training() -> String {
    let dir = "corpus/claims/dev";
    println!("cargo:rerun-if-changed={dir}");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".labels.yaml"))
                .filter(|n| {
                    n.split('-')
                        .next()
                        .and_then(|k| k.parse::<u32>().ok())
                        .is_some_and(|k| k <= LAST_TRAINING_DOCUMENT)
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from(
        "/// The labeled documents the topic vocabulary is trained on: (name, document, labels).\n\
         pub static CLAIM_TRAINING: &[(&str, &str, &str)] = &[\n",
    );
    for labels in &names {
        let doc = format!("{}.md", labels.trim_end_matches(".labels.yaml"));
        if !Path::new(dir).join(&doc).is_file() {
            continue;
        }
        println!("cargo:rerun-if-changed={dir}/{doc}");
        println!("cargo:rerun-if-changed={dir}/{labels}");
        let _ = writeln!(
            out,
            "    ({doc:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{dir}/{doc}\")), \
             include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{dir}/{labels}\"))),"
        );
    }
    out.push_str("];\n");
    out
}

fn gunzip_json(path: &str) -> serde_json::Value {
    use std::io::Read as _;
    println!("cargo:rerun-if-changed={path}");
    let gz = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut json)
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_slice(&json).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The IAM action catalog in a form that needs no decompression or parsing at start:
/// - `CATALOG_ACTIONS`: every action (`service:Action`, the catalog's case) with its access level,
///   sorted by lower-cased name, one spelling per name (the first, as IAM cannot tell them apart);
///   `CATALOG_ACTION_RANGES`: each lower-cased service prefix's range in it. Enough to number the
///   actions and expand wildcards without reading a service's details.
/// - `CATALOG_SERVICES` and `iam-services.json`: each service's own JSON, uncompressed, by byte
///   range, so that a service's resource types and condition keys are parsed on first use and only
///   for the services a tree's policies name.
fn iam_catalog(out_dir: &Path) {
    let path = "rules/data/iam-actions.json.gz";
    let value = gunzip_json(path);
    let services = value["services"]
        .as_object()
        .unwrap_or_else(|| panic!("{path}: no `services` object"));
    let level = |s: &str| match s {
        "List" => 0u8,
        "Read" => 1,
        "Write" => 2,
        "Permissions management" => 3,
        "Tagging" => 4,
        other => panic!("{path}: unknown access level {other:?}"),
    };
    let mut blob = String::new();
    let mut spans: Vec<(String, String, usize, usize)> = Vec::new();
    let mut actions: Vec<(String, u8)> = Vec::new();
    for (prefix, service) in services {
        let start = blob.len();
        blob.push_str(&serde_json::to_string(service).expect("serialize a service"));
        spans.push((
            prefix.to_ascii_lowercase(),
            prefix.clone(),
            start,
            blob.len(),
        ));
        let mut seen = BTreeSet::new();
        if let Some(map) = service["actions"].as_object() {
            for (name, a) in map {
                if !seen.insert(name.to_ascii_lowercase()) {
                    continue;
                }
                let access = a["access"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{path}: {prefix}:{name} has no access level"));
                actions.push((format!("{prefix}:{name}"), level(access)));
            }
        }
    }
    spans.sort();
    for w in spans.windows(2) {
        assert!(w[0].0 != w[1].0, "{path}: two services named {}", w[0].0);
    }
    actions.sort_by_key(|(n, _)| n.to_ascii_lowercase());
    actions.dedup_by_key(|(n, _)| n.to_ascii_lowercase());
    let mut ranges: Vec<(String, usize, usize)> = Vec::new();
    for (i, (name, _)) in actions.iter().enumerate() {
        let service = name.split(':').next().unwrap_or("").to_ascii_lowercase();
        match ranges.last_mut() {
            Some(r) if r.0 == service => r.2 = i + 1,
            _ => ranges.push((service, i, i + 1)),
        }
    }
    // Sorted by prefix (the actions are sorted by full name, where `s3-outposts:` comes before
    // `s3:`).
    ranges.sort();
    std::fs::write(out_dir.join("iam-services.json"), &blob).expect("write iam-services.json");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "/// Where the catalog comes from.\npub static CATALOG_SOURCE: &str = {:?};",
        value["source"].as_str().unwrap_or_default()
    );
    out.push_str(
        "/// Each service's JSON, concatenated.\n\
         pub static CATALOG_SERVICES_JSON: &str = include_str!(concat!(env!(\"OUT_DIR\"), \"/iam-services.json\"));\n\
         /// (lower-cased prefix, prefix, start, end in CATALOG_SERVICES_JSON), sorted.\n\
         pub static CATALOG_SERVICES: &[(&str, &str, u32, u32)] = &[\n",
    );
    for (lower, prefix, s, e) in &spans {
        let _ = writeln!(out, "    ({lower:?}, {prefix:?}, {s}, {e}),");
    }
    out.push_str("];\n/// (name, access level: 0 List, 1 Read, 2 Write, 3 Permissions management, 4 Tagging).\npub static CATALOG_ACTIONS: &[(&str, u8)] = &[\n");
    for (name, l) in &actions {
        let _ = writeln!(out, "    ({name:?}, {l}),");
    }
    out.push_str("];\n/// (lower-cased prefix, start, end in CATALOG_ACTIONS), sorted.\npub static CATALOG_ACTION_RANGES: &[(&str, u32, u32)] = &[\n");
    for (p, s, e) in &ranges {
        let _ = writeln!(out, "    ({p:?}, {s}, {e}),");
    }
    out.push_str("];\n");
    std::fs::write(out_dir.join("iam_catalog.rs"), out).expect("write iam_catalog.rs");
}

/// AWS managed policies by name, each policy's JSON uncompressed and addressed by byte range,
/// parsed on first use: a tree that attaches three policies parses three, not all of them.
fn managed_policies(out_dir: &Path) {
    let path = "rules/data/aws-managed-policies.json.gz";
    let value = gunzip_json(path);
    let policies = value["policies"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: no `policies` list"));
    let mut rows: Vec<(String, String, usize, usize)> = Vec::new();
    let mut blob = String::new();
    for p in policies {
        let name = p["name"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: a policy without a name"));
        let policy_path = p["path"].as_str().unwrap_or("/");
        let start = blob.len();
        blob.push_str(&serde_json::to_string(p).expect("serialize a policy"));
        rows.push((name.to_string(), policy_path.to_string(), start, blob.len()));
    }
    rows.sort();
    for w in rows.windows(2) {
        assert!(w[0].0 != w[1].0, "{path}: two policies named {}", w[0].0);
    }
    std::fs::write(out_dir.join("managed-policies.json"), &blob)
        .expect("write managed-policies.json");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "/// Where the policies come from.\npub static MANAGED_SOURCE: &str = {:?};",
        value["source"].as_str().unwrap_or_default()
    );
    out.push_str(
        "/// Each policy's JSON, concatenated.\n\
         pub static MANAGED_JSON: &str = include_str!(concat!(env!(\"OUT_DIR\"), \"/managed-policies.json\"));\n\
         /// (name, path, start, end in MANAGED_JSON), sorted by name.\n\
         pub static MANAGED_POLICIES: &[(&str, &str, u32, u32)] = &[\n",
    );
    for (n, p, s, e) in &rows {
        let _ = writeln!(out, "    ({n:?}, {p:?}, {s}, {e}),");
    }
    out.push_str("];\n");
    std::fs::write(out_dir.join("managed_policies.rs"), out).expect("write managed_policies.rs");
}

/// The service prefixes of the IAM action catalog, lower-cased and sorted: checking a rule
/// file's service names then needs no decompression or parsing of the catalog at start.
fn service_prefixes() -> String {
    use std::io::Read as _;
    let path = "rules/data/iam-actions.json.gz";
    println!("cargo:rerun-if-changed={path}");
    let gz = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut json)
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let value: serde_json::Value =
        serde_json::from_slice(&json).unwrap_or_else(|e| panic!("{path}: {e}"));
    let services = value["services"]
        .as_object()
        .unwrap_or_else(|| panic!("{path}: no `services` object"));
    let mut prefixes: Vec<String> = services.keys().map(|k| k.to_ascii_lowercase()).collect();
    prefixes.sort();
    prefixes.dedup();
    let mut out = String::from(
        "/// Every service prefix of the IAM action catalog, lower-cased and sorted.\n\
         pub static SERVICE_PREFIXES: &[&str] = &[\n",
    );
    for p in &prefixes {
        let _ = writeln!(out, "    {p:?},");
    }
    out.push_str("];\n");
    out
}

fn assumption_files() -> String {
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
    out
}

/// Data rows of a tab-separated table: (line number, cells). `#` starts a comment line.
fn rows(path: &str) -> Vec<(usize, Vec<String>)> {
    println!("cargo:rerun-if-changed={path}");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.split('\t').map(|c| c.trim().to_string()).collect()))
        .collect()
}

/// `rds.db-instance` → `RdsDbInstance`, `ServerSideEncryption` stays.
fn camel(s: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if up {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            up = false;
        } else {
            up = true;
        }
    }
    out
}

fn kinds() -> BTreeSet<String> {
    rows("rules/resource-types.tsv")
        .into_iter()
        .map(|(_, r)| r[0].clone())
        .collect()
}

fn kind_enum(kinds: &BTreeSet<String>) -> String {
    let mut out = String::from(
        "/// A normalized resource kind: one AWS thing, whatever language declared it\n\
         /// (generated from `rules/resource-types.tsv`).\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]\n\
         pub enum Kind {\n",
    );
    let mut seen = BTreeMap::new();
    for k in kinds {
        let v = camel(k);
        if let Some(other) = seen.insert(v.clone(), k.clone()) {
            panic!("rules/resource-types.tsv: kinds `{other}` and `{k}` both make `{v}`");
        }
        let _ = writeln!(out, "    /// `{k}`\n    {v},");
    }
    out.push_str("    /// A type outside the vocabulary.\n    Other,\n}\n\n");
    out.push_str(
        "impl Kind {\n    /// Every kind, `Other` last.\n    pub const ALL: &'static [Kind] = &[\n",
    );
    for k in kinds {
        let _ = writeln!(out, "        Kind::{},", camel(k));
    }
    out.push_str("        Kind::Other,\n    ];\n\n");
    out.push_str("    /// The kind's name in the vocabulary (`s3.bucket`).\n    pub const fn as_str(self) -> &'static str {\n        match self {\n");
    for k in kinds {
        let _ = writeln!(out, "            Kind::{} => {k:?},", camel(k));
    }
    out.push_str("            Kind::Other => \"other\",\n        }\n    }\n\n");
    out.push_str("    /// The kind of a vocabulary name (`None` for a name not in the table).\n    pub fn parse(s: &str) -> Option<Kind> {\n        Some(match s {\n");
    for k in kinds {
        let _ = writeln!(out, "            {k:?} => Kind::{},", camel(k));
    }
    out.push_str("            \"other\" => Kind::Other,\n            _ => return None,\n        })\n    }\n}\n");
    out
}

fn label_enum() -> String {
    let mut labels: BTreeSet<String> = rows("rules/edges.tsv")
        .into_iter()
        .filter_map(|(_, r)| r.get(2).cloned())
        .collect();
    labels.insert("facet-of".into());
    let mut out = String::from(
        "/// What a reference between two resources means (generated from `rules/edges.tsv`;\n\
         /// `FacetOf` links a configuration resource to the resource it configures).\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]\n\
         pub enum Label {\n",
    );
    for l in &labels {
        let _ = writeln!(out, "    /// `{l}`\n    {},", camel(l));
    }
    out.push_str("    /// A reference the table does not name: `ref:` and the attribute, lower-cased without\n    /// separators (`ref:kmskeyid`).\n    Ref(&'static str),\n}\n\n");
    out.push_str("impl Label {\n    /// The label's name (`runs-as`).\n    pub fn as_str(self) -> &'static str {\n        match self {\n");
    for l in &labels {
        let _ = writeln!(out, "            Label::{} => {l:?},", camel(l));
    }
    out.push_str("            Label::Ref(s) => s,\n        }\n    }\n\n");
    out.push_str("    /// The label of a name in the table (`None` for any other name).\n    pub fn parse(s: &str) -> Option<Label> {\n        Some(match s {\n");
    for l in &labels {
        let _ = writeln!(out, "            {l:?} => Label::{},", camel(l));
    }
    out.push_str("            _ => return None,\n        })\n    }\n}\n");
    out
}

/// One row of the property table, as the generated code holds it.
struct PropRow {
    file: String,
    line: usize,
    kind: String,
    name: String,
    canonical: String,
    terraform: String,
    cloudformation: String,
    default: String,
    source: String,
}

fn prop_table(kinds: &BTreeSet<String>) -> String {
    let dir = Path::new("rules/properties");
    println!("cargo:rerun-if-changed=rules/properties");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tsv"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut props: Vec<PropRow> = Vec::new();
    for f in &files {
        let path = format!("rules/properties/{f}");
        for (line, r) in rows(&path) {
            let [kind, name, canonical, terraform, cloudformation, default, source] = &r[..] else {
                panic!(
                    "{path}:{line}: expected 7 tab-separated cells (kind, name, property, terraform, cloudformation, default, source), found {}",
                    r.len()
                );
            };
            if !kinds.contains(kind) {
                panic!("{path}:{line}: `{kind}` is not a kind of rules/resource-types.tsv");
            }
            if name.is_empty()
                || !name.chars().all(|c| c.is_ascii_alphanumeric())
                || !name.starts_with(|c: char| c.is_ascii_uppercase())
            {
                panic!("{path}:{line}: the name `{name}` must be CamelCase letters and digits");
            }
            if default != "-" && source == "-" {
                panic!(
                    "{path}:{line}: a default needs its source (the documentation that states it)"
                );
            }
            props.push(PropRow {
                file: path.clone(),
                line,
                kind: kind.clone(),
                name: name.clone(),
                canonical: canonical.clone(),
                terraform: terraform.clone(),
                cloudformation: if cloudformation == "=" {
                    canonical.clone()
                } else {
                    cloudformation.clone()
                },
                default: default.clone(),
                source: source.clone(),
            });
        }
    }
    let mut seen: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for p in &props {
        let v = format!("{}{}", camel(&p.kind), p.name);
        if let Some((f, l)) = seen.insert(v.clone(), (p.file.clone(), p.line)) {
            panic!("{}:{}: `{v}` is also defined at {f}:{l}", p.file, p.line);
        }
    }
    let mut out = String::from(
        "/// A canonical property of a kind (generated from `rules/properties/*.tsv`): the\n\
         /// variant is the kind and the row's name (`Prop::RdsInstanceStorageEncrypted`).\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]\n\
         pub enum Prop {\n",
    );
    for p in &props {
        let _ = writeln!(
            out,
            "    /// `{}` of `{}` ({}:{})\n    {}{},",
            p.canonical,
            p.kind,
            p.file,
            p.line,
            camel(&p.kind),
            p.name
        );
    }
    out.push_str("}\n\n/// Every row, in the order of [`Prop`]'s variants.\npub static ROWS: &[PropRow] = &[\n");
    for p in &props {
        let _ = writeln!(
            out,
            "    PropRow {{ prop: Prop::{}{}, kind: Kind::{}, name: {:?}, canonical: {:?}, terraform: {:?}, cloudformation: {:?}, default: {}, source: {:?}, origin: {:?} }},",
            camel(&p.kind),
            p.name,
            camel(&p.kind),
            p.name,
            p.canonical,
            p.terraform,
            p.cloudformation,
            if p.default == "-" {
                "None".to_string()
            } else {
                format!("Some({:?})", p.default)
            },
            p.source,
            format!("{}:{}", p.file, p.line),
        );
    }
    out.push_str("];\n");
    out
}
