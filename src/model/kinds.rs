//! The resource vocabulary, read from `rules/resource-types.tsv` and `rules/edges.tsv`.
//!
//! Both tables are data compiled into the binary: adding a type or an edge name is a line in a
//! file, not code.

use serde::{Serialize, Serializer};
use std::collections::HashMap;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/kinds.rs"));
include!(concat!(env!("OUT_DIR"), "/labels.rs"));

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for Label {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// Where a source type sits in the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeInfo {
    /// Normalized kind (`s3.bucket`); [`Kind::Other`] for types not in the table.
    pub kind: Kind,
    /// For configuration resources: the facet of the parent they configure.
    pub facet: Option<&'static str>,
    /// For configuration resources: the attribute that references the parent.
    pub link: Option<&'static str>,
}

const OTHER: TypeInfo = TypeInfo {
    kind: Kind::Other,
    facet: None,
    link: None,
};

static RESOURCE_TYPES: &str = include_str!("../../rules/resource-types.tsv");
static EDGES: &str = include_str!("../../rules/edges.tsv");

fn data_rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

fn types() -> &'static HashMap<&'static str, TypeInfo> {
    static TABLE: OnceLock<HashMap<&'static str, TypeInfo>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map = HashMap::new();
        for row in data_rows(RESOURCE_TYPES) {
            let [kind, facet, link, types] = row[..] else {
                continue;
            };
            let opt = |s: &'static str| (s != "-").then_some(s);
            for ty in types.split(',') {
                map.insert(
                    ty.trim(),
                    TypeInfo {
                        kind: Kind::parse(kind).unwrap_or(Kind::Other),
                        facet: opt(facet),
                        link: opt(link),
                    },
                );
            }
        }
        map
    })
}

/// The vocabulary entry of a Terraform or CloudFormation type.
pub fn type_info(source_type: &str) -> TypeInfo {
    types().get(source_type).copied().unwrap_or(OTHER)
}

fn edge_labels() -> &'static HashMap<(&'static str, &'static str), Label> {
    static TABLE: OnceLock<HashMap<(&'static str, &'static str), Label>> = OnceLock::new();
    TABLE.get_or_init(|| {
        data_rows(EDGES)
            .filter_map(|row| match row[..] {
                [ty, attr, label] => Some(((ty, attr), Label::parse(label)?)),
                _ => None,
            })
            .collect()
    })
}

/// Drops list indices from an attribute path: `vpc_config[0].subnet_ids[1]` → `vpc_config.subnet_ids`.
pub fn path_without_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The label of a reference from `attribute` of a resource of `source_type`.
///
/// Looks the path up, then each shorter prefix (so `vpc_config.subnet_ids` matches and a ref deep
/// inside a policy document matches its `policy` attribute); otherwise names it after the first
/// segment of the attribute.
pub fn edge_label(source_type: &str, attribute: &str) -> Label {
    let path = path_without_indices(attribute);
    let table = edge_labels();
    let mut candidate: &str = &path;
    loop {
        if let Some(label) = table.get(&(source_type, candidate)) {
            return *label;
        }
        match candidate.rfind('.') {
            Some(i) => candidate = &candidate[..i],
            None => break,
        }
    }
    let first = path.split('.').next().unwrap_or("");
    let norm: String = first
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Label::Ref(intern(format!("ref:{norm}")))
}

/// Interns a label: there are few distinct labels and hundreds of thousands of edges.
fn intern(s: String) -> &'static str {
    static SEEN: OnceLock<std::sync::Mutex<std::collections::HashSet<&'static str>>> =
        OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(s) = seen.get(s.as_str()) {
        return s;
    }
    let leaked: &'static str = Box::leak(s.into_boxed_str());
    seen.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_unify_languages() {
        assert_eq!(type_info("aws_s3_bucket").kind, Kind::S3Bucket);
        assert_eq!(type_info("AWS::S3::Bucket").kind, Kind::S3Bucket);
        let v = type_info("aws_s3_bucket_versioning");
        assert_eq!(
            (v.kind, v.facet, v.link),
            (Kind::S3Bucket, Some("versioning"), Some("bucket"))
        );
        assert_eq!(
            type_info("AWS::Serverless::Function").kind,
            Kind::LambdaFunction
        );
        assert_eq!(type_info("aws_made_up").kind, Kind::Other);
    }

    #[test]
    fn edge_labels_match_prefixes() {
        assert_eq!(edge_label("aws_lambda_function", "role"), Label::RunsAs);
        assert_eq!(
            edge_label("aws_lambda_function", "vpc_config[0].subnet_ids[1]"),
            Label::InSubnet
        );
        assert_eq!(
            edge_label(
                "AWS::IAM::Role",
                "Policies[0].PolicyDocument.Statement[0].Resource"
            ),
            Label::PolicyGrants
        );
        assert_eq!(
            edge_label("aws_made_up", "some_thing_id"),
            Label::Ref("ref:somethingid")
        );
    }
}
