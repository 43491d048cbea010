//! SARIF 2.1.0, the format GitHub code scanning (and other review tools) reads: one rule per
//! assumption, one result per alert (see [`super::alerts`]) at its exact region, artifact paths
//! relative to the repository root, and fingerprints vouch computes from the subject, never its
//! line, so an alert survives unrelated edits.
//!
//! GitHub refuses a run of more than 25,000 results or an upload of more than 10 MB gzipped: the
//! renderer keeps the most severe results that fit and says what it left out.

use super::alerts::{self, Alert, AlertKind, RepoContext};
use crate::assumptions::{Rule, Severity};
use crate::reconcile::{AssumptionReport, Report};
use crate::source::Origin;
use serde::Serialize;
use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, BTreeSet};

/// GitHub's limit on results per run.
pub const MAX_RESULTS: usize = 25_000;
/// GitHub's limit on the gzipped upload, in bytes.
pub const MAX_GZIPPED_BYTES: usize = 10 * 1024 * 1024;
/// GitHub shows at most this many tags per rule.
const MAX_TAGS: usize = 20;
/// GitHub keeps at most this many related locations per result.
const MAX_RELATED: usize = 1000;
/// The base every artifact URI is relative to.
pub const SRCROOT: &str = "%SRCROOT%";
/// The key of vouch's fingerprint in `partialFingerprints` (versioned: a change of what enters
/// the identity is a new key, not a silent re-identification of every alert).
pub const FINGERPRINT_KEY: &str = "vouch/v1";

/// What the SARIF rendering needs besides the report.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    pub repo: RepoContext,
    /// Include open questions as `note` results.
    pub questions: bool,
    /// The baseline's fingerprints: results then carry `baselineState`.
    pub baseline: Option<&'a BTreeSet<String>>,
    /// Where vouch's documentation lives (the tool's `informationUri`); rules link to its
    /// catalog. None: no links.
    pub information_uri: Option<&'a str>,
}

/// Results GitHub's limits made the renderer leave out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    pub total: usize,
    pub kept: usize,
    /// Which limit: the number of results or the gzipped size.
    pub limit: &'static str,
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SARIF: {} of {} results kept ({}; GitHub accepts at most 25,000 results per run \
             and 10 MB gzipped); the {} least severe were left out. The JSON report has every one.",
            self.kept,
            self.total,
            self.limit,
            self.total - self.kept
        )
    }
}

pub struct Rendered {
    pub text: String,
    pub cut: Option<Cut>,
}

/// GitHub's reading of `security-severity`: ≥ 9 critical, ≥ 7 high, ≥ 4 medium, else low.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// The SARIF level of a finding of this severity (a question is always a `note`).
fn level(kind: AlertKind, s: Severity) -> &'static str {
    match (kind, s) {
        (AlertKind::Question, _) => "note",
        (_, Severity::Critical | Severity::High) => "error",
        (_, Severity::Medium) => "warning",
        (_, Severity::Low) => "note",
    }
}

/// The SARIF log of a report, within GitHub's limits.
pub fn render(report: &Report, options: &Options) -> Rendered {
    render_within(report, options, MAX_RESULTS, MAX_GZIPPED_BYTES)
}

/// The SARIF log of a tree of systems: one run, the rules of the catalog, every system's alerts
/// (each result names its system in its properties), within GitHub's limits.
pub fn render_systems(systems: &[crate::systems::SystemReport], options: &Options) -> Rendered {
    let all = alerts::of_systems(systems, &options.repo);
    match systems.first() {
        Some(first) => render_alerts(&first.report, all, options, MAX_RESULTS, MAX_GZIPPED_BYTES),
        None => Rendered {
            text: log(&[], &[], options),
            cut: None,
        },
    }
}

/// The SARIF log of a report with at most `max_results` results and `max_gzipped` bytes once
/// gzipped: the most severe results are kept.
pub fn render_within(
    report: &Report,
    options: &Options,
    max_results: usize,
    max_gzipped: usize,
) -> Rendered {
    let all = alerts::alerts(report, &options.repo);
    render_alerts(report, all, options, max_results, max_gzipped)
}

/// The SARIF log of `all`, with the rules of `rules_from`'s assumptions.
fn render_alerts(
    report: &Report,
    mut all: Vec<Alert>,
    options: &Options,
    max_results: usize,
    max_gzipped: usize,
) -> Rendered {
    if !options.questions {
        all.retain(|a| a.kind == AlertKind::Finding);
    }
    // Most severe first, findings before questions; the report's order within each.
    all.sort_by_key(|a| (a.kind, std::cmp::Reverse(a.severity)));
    let total = all.len();
    let mut keep = total.min(max_results);
    let mut limit = (keep < total).then_some("the limit on results per run");
    let mut text = log(&report.assumptions, &all[..keep], options);
    // Gzip adds at most a header and a few bytes per block to incompressible text: a text well
    // within the limit needs no compressing to know it fits.
    if text.len() + text.len() / 1000 + 64 > max_gzipped && gzipped_len(&text) > max_gzipped {
        // The largest prefix that fits, by bisection.
        let (mut lo, mut hi) = (0, keep);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if gzipped_len(&log(&report.assumptions, &all[..mid], options)) <= max_gzipped {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        keep = lo;
        text = log(&report.assumptions, &all[..keep], options);
        limit = Some("the limit on the gzipped size");
    }
    Rendered {
        text,
        cut: limit.map(|limit| Cut {
            total,
            kept: keep,
            limit,
        }),
    }
}

/// The size of a text once gzipped, as GitHub measures an upload.
pub fn gzipped_len(text: &str) -> usize {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = e.write_all(text.as_bytes());
    e.finish().map_or(usize::MAX, |v| v.len())
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Json,
    automation_details: Json,
    original_uri_base_ids: Json,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

fn log(assumptions: &[AssumptionReport], results: &[Alert], options: &Options) -> String {
    let rules: Vec<&Rule> = assumptions
        .iter()
        .filter_map(|a| crate::assumptions::rule(&a.id))
        .collect();
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut driver = json!({
        "name": "vouch",
        "fullName": "vouch: threat-model assumptions decided from infrastructure code",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules.iter().map(|r| rule(r, options)).collect::<Vec<_>>(),
    });
    if let Some(uri) = options.information_uri {
        driver["informationUri"] = json!(uri);
    }
    let category = if options.repo.prefix.is_empty() {
        "vouch/".to_string()
    } else {
        format!("vouch/{}/", options.repo.prefix)
    };
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: json!({ "driver": driver }),
            automation_details: json!({ "id": category }),
            original_uri_base_ids: json!({
                SRCROOT: { "description": { "text": "The root of the repository that holds the scanned tree." } }
            }),
            column_kind: "unicodeCodePoints",
            results: results.iter().map(|a| result(a, &index, options)).collect(),
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn rule(r: &Rule, options: &Options) -> Json {
    let mut tags = vec!["security".to_string(), r.stride.name().replace('_', "-")];
    for reference in &r.references {
        if let Some(n) = reference.strip_prefix("CWE-") {
            tags.push(format!("external/cwe/cwe-{n}"));
        }
    }
    tags.truncate(MAX_TAGS);
    let references = r.references.join(", ");
    let fix = format!(
        "Change the code so that the assumption holds: {}",
        r.suggestion.holds
    );
    let text = format!(
        "{}\n\nWhat it checks: {}\n\nWhy it matters: {}\n\nHow to fix: {}\n\nExample:\n{}\n\nThreat when it fails: {}. {}\n\nReferences: {}\n",
        r.title,
        r.docs.what_it_checks.trim(),
        r.docs.why_it_matters.trim(),
        fix,
        r.docs.example.trim_end(),
        r.threat.title,
        r.threat.description.trim(),
        references,
    );
    let markdown = format!(
        "## {}\n\n**What it checks.** {}\n\n**Why it matters.** {}\n\n**How to fix.** {}\n\n**Example**\n\n```\n{}\n```\n\n**Threat when it fails.** {}: {}\n\n**References.** {}\n\n`vouch explain {}` prints this page.\n",
        r.title,
        r.docs.what_it_checks.trim(),
        r.docs.why_it_matters.trim(),
        fix,
        r.docs.example.trim_end(),
        r.threat.title,
        r.threat.description.trim(),
        references,
        r.id,
    );
    let mut out = json!({
        "id": r.id,
        "name": r.id.replace(['.', '-'], "_"),
        "shortDescription": { "text": r.title },
        "fullDescription": { "text": r.docs.what_it_checks.trim() },
        "help": { "text": text, "markdown": markdown },
        "defaultConfiguration": { "level": level(AlertKind::Finding, r.threat.severity.invalid) },
        "properties": {
            "security-severity": security_severity(r.threat.severity.invalid),
            "precision": "high",
            "problem.severity": level_to_problem(level(AlertKind::Finding, r.threat.severity.invalid)),
            "tags": tags,
        },
    });
    if let Some(uri) = options.information_uri {
        out["helpUri"] = json!(format!(
            "{}/blob/main/docs/catalog.md",
            uri.trim_end_matches('/')
        ));
    }
    out
}

/// `problem.severity` (CodeQL's word for the level, which GitHub shows for non-security tools).
fn level_to_problem(level: &str) -> &'static str {
    match level {
        "error" => "error",
        "warning" => "warning",
        _ => "recommendation",
    }
}

/// The typed shape of a result: serialised straight to text, so a run of 25,000 results never
/// exists as a tree of JSON values. Fields serialise in declaration order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<'a>,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Related<'a>>,
    partial_fingerprints: Fingerprints<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    /// A suppressed or accepted finding: code scanning shows it as dismissed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties<'a>,
}

/// SARIF's `suppression`: `inSource` for a `vouch:ignore` in the code, `external` (status
/// `accepted`) for a risk accepted in the answers file.
#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    justification: String,
}

/// The suppressions of an alert: none without an active waiver.
fn suppressions(a: &Alert) -> Vec<Suppression> {
    use crate::waivers::WaiverKind;
    a.waiver
        .iter()
        .filter(|w| w.active())
        .map(|w| match w.kind {
            WaiverKind::InSource => Suppression {
                kind: "inSource",
                status: None,
                justification: w.reason.clone(),
            },
            WaiverKind::Accepted => Suppression {
                kind: "external",
                status: Some("accepted"),
                justification: format!(
                    "{} (accepted by {} until {})",
                    w.reason,
                    w.by.as_deref().unwrap_or("?"),
                    w.expires.as_deref().unwrap_or("?")
                ),
            },
        })
        .collect()
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<Physical>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<Logical<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Logical<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<SarifRegion>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Related<'a> {
    id: usize,
    physical_location: Physical,
    message: Text<'a>,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "vouch/v1")]
    vouch: &'a str,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    kind: &'static str,
    severity: &'static str,
    subject: &'a str,
    unit: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    question: Option<&'a str>,
    /// The system of the result, in a tree of several.
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<&'a str>,
}

fn physical(origin: &Origin, repo: &RepoContext) -> Option<Physical> {
    let r = origin.region()?;
    if r.file.is_empty() {
        return None;
    }
    let region = (r.line > 0).then(|| {
        // SARIF's end is exclusive, as the report's is; an end before the start is dropped.
        let has_end = r.end_line > 0 && (r.end_line, r.end_column) >= (r.line, r.column);
        SarifRegion {
            start_line: r.line,
            start_column: (r.column > 0).then_some(r.column),
            end_line: has_end.then_some(r.end_line),
            end_column: (has_end && r.end_column > 0).then_some(r.end_column),
        }
    });
    Some(Physical {
        artifact_location: Artifact {
            uri: uri(&repo.repo_path(&r.file)),
            uri_base_id: SRCROOT,
        },
        region,
    })
}

fn result<'a>(a: &'a Alert, index: &BTreeMap<&str, usize>, options: &Options) -> SarifResult<'a> {
    let repo = &options.repo;
    let physical_location = a
        .location
        .as_ref()
        .and_then(|o| physical(o, repo))
        .or_else(|| {
            // About a whole deployment (one that declares nothing, or an account-level control):
            // shown at a file of the unit, since code scanning refuses a result without one.
            a.anchor.as_ref().map(|f| Physical {
                artifact_location: Artifact {
                    uri: uri(&repo.repo_path(f)),
                    uri_base_id: SRCROOT,
                },
                region: Some(SarifRegion {
                    start_line: 1,
                    start_column: None,
                    end_line: None,
                    end_column: None,
                }),
            })
        });
    let logical_locations = if a.subject.is_empty() {
        Vec::new()
    } else {
        vec![Logical {
            fully_qualified_name: &a.subject,
            kind: if a.location.is_some() {
                "resource"
            } else {
                "deployment"
            },
        }]
    };
    let related_locations = a
        .related
        .iter()
        .filter_map(|s| physical(&s.origin, repo).map(|p| (p, s.message.as_str())))
        .take(MAX_RELATED)
        .enumerate()
        .map(|(i, (p, m))| Related {
            id: i + 1,
            physical_location: p,
            message: Text { text: m },
        })
        .collect();
    SarifResult {
        rule_id: &a.rule,
        rule_index: index.get(a.rule.as_str()).copied(),
        level: level(a.kind, a.severity),
        message: Text { text: &a.message },
        locations: [Location {
            physical_location,
            logical_locations,
        }],
        related_locations,
        partial_fingerprints: Fingerprints {
            vouch: &a.fingerprint,
        },
        baseline_state: options.baseline.map(|b| {
            if b.contains(&a.fingerprint) {
                "unchanged"
            } else {
                "new"
            }
        }),
        suppressions: suppressions(a),
        properties: ResultProperties {
            kind: a.kind.name(),
            severity: a.severity.name(),
            subject: &a.subject,
            unit: &a.unit,
            question: a.question.as_deref(),
            system: a.system.as_deref(),
        },
    }
}

/// A relative path as a URI reference: `/` kept, everything outside RFC 3986's unreserved
/// characters percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("infra/my stack/a+b.tf"), "infra/my%20stack/a%2Bb.tf");
        assert_eq!(uri("é.yaml"), "%C3%A9.yaml");
    }

    #[test]
    fn severities_map_to_githubs_bands() {
        let n = |s| security_severity(s).parse::<f64>().unwrap();
        assert!(n(Severity::Critical) >= 9.0);
        assert!((7.0..9.0).contains(&n(Severity::High)));
        assert!((4.0..7.0).contains(&n(Severity::Medium)));
        assert!(n(Severity::Low) < 4.0);
    }
}
