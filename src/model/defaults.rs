//! Provider defaults keyed by each language's spelling (`rules/defaults.tsv`): what AWS and the
//! Terraform provider do when the code leaves a setting out, where a default depends on more
//! than the property (an engine, a parameter group family) or is worded per language. Like the
//! property table, this is the vocabulary layer: rows are matched by source type and attribute
//! path here, so that the reasoning layers never name either. `kms::defaults` gives the rows
//! their meaning for encryption.

use crate::model::{Resource, Value};
use serde::Serialize;
use std::sync::OnceLock;

static TABLE: &str = include_str!("../../rules/defaults.tsv");

/// What a default means for encryption at rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outcome {
    /// Encrypted with a key AWS owns.
    AwsOwned,
    /// Encrypted with the AWS-managed key of this alias (`alias/aws/rds`).
    AwsManaged {
        alias: String,
    },
    /// Encrypted by the service with its own keys (SSE-S3, SSE-SQS, CloudWatch Logs).
    ServiceManaged,
    Unencrypted,
    /// Encrypted; the key is decided by another row.
    Encrypted,
    /// Not decided by the code: something outside it decides (an image's snapshot, an
    /// account setting), which the row's meaning names. A question, never a pass or a fail.
    Open,
    /// Open as `Open` is, between unencrypted and encrypted by default with a key AWS owns:
    /// whichever it is, a store that names no key has no customer-managed key (Aurora and
    /// Redshift clusters, which AWS began encrypting by default on a date the code does not
    /// record).
    OpenOrAwsOwned,
    /// Not an encryption outcome: a plain value (`false`, `1`, `SYMMETRIC_DEFAULT`).
    Value {
        value: String,
    },
}

/// One row of `rules/defaults.tsv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefaultRow {
    /// A source type, or `*`.
    pub subject: &'static str,
    /// `(attribute, value)`: the row applies only when the resource's attribute has this value.
    pub qualifier: Option<(&'static str, &'static str)>,
    /// Attribute path without list indices.
    pub attribute: &'static str,
    /// The default as written.
    pub default: &'static str,
    pub outcome: Outcome,
    pub meaning: &'static str,
    /// One-based line in `rules/defaults.tsv`.
    pub line: usize,
}

impl DefaultRow {
    /// The note the evidence carries when this default applies.
    pub fn note(&self) -> String {
        format!("provider default: {}", self.meaning)
    }
}

fn parse_outcome(default: &str) -> Outcome {
    match default {
        "aws-owned" => Outcome::AwsOwned,
        "service-managed" => Outcome::ServiceManaged,
        "unencrypted" => Outcome::Unencrypted,
        "encrypted" => Outcome::Encrypted,
        "open" => Outcome::Open,
        "open-or-aws-owned" => Outcome::OpenOrAwsOwned,
        "aws-managed" => Outcome::AwsManaged {
            alias: String::new(),
        },
        other => match other.strip_prefix("aws-managed:") {
            Some(alias) => Outcome::AwsManaged {
                alias: alias.to_string(),
            },
            None => Outcome::Value {
                value: other.to_string(),
            },
        },
    }
}

/// Every row, in file order. Malformed lines are skipped (a test checks there are none).
pub fn rows() -> &'static [DefaultRow] {
    static ROWS: OnceLock<Vec<DefaultRow>> = OnceLock::new();
    ROWS.get_or_init(|| {
        TABLE
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|(n, l)| {
                let cols: Vec<&'static str> = l.split('\t').collect();
                let [subject, attribute, default, meaning] = cols[..] else {
                    return None;
                };
                let (subject, qualifier) = match subject.split_once('?') {
                    Some((s, q)) => (s, Some(q.split_once('=')?)),
                    None => (subject, None),
                };
                Some(DefaultRow {
                    subject,
                    qualifier,
                    attribute,
                    default,
                    outcome: parse_outcome(default),
                    meaning,
                    line: n + 1,
                })
            })
            .collect()
    })
}

/// Number of data lines in the file (rows that parse or not), for the table's own test.
pub fn data_lines() -> usize {
    TABLE
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count()
}

fn qualifier_holds(resource: &Resource, q: Option<(&str, &str)>) -> bool {
    match q {
        None => true,
        Some((attr, value)) => resource
            .attr(attr)
            .and_then(Value::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case(value)),
    }
}

/// The default of `path` (indices allowed, they are dropped) for a resource of this type: the
/// row for the path, else for each enclosing block. A qualified row wins over a plain one.
pub fn lookup(resource: &Resource, path: &str) -> Option<&'static DefaultRow> {
    let path = crate::model::kinds::path_without_indices(path);
    let mut candidate: &str = &path;
    loop {
        let mut found: Option<&'static DefaultRow> = None;
        for row in rows() {
            if row.subject == resource.source_type
                && row.attribute == candidate
                && qualifier_holds(resource, row.qualifier)
                && (found.is_none() || row.qualifier.is_some())
            {
                found = Some(row);
            }
        }
        if found.is_some() {
            return found;
        }
        match candidate.rfind('.') {
            Some(i) => candidate = &candidate[..i],
            None => return None,
        }
    }
}
