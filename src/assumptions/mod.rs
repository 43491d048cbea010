//! The assumption catalog: every assumption a threat model rests on, one data file each under
//! `rules/assumptions/`, embedded in the binary at build time.
//!
//! A rule file says what the assumption is, which checks decide it (names of evaluators in
//! [`crate::checks`], with parameters), how the architecture document states it (claim
//! patterns), what to ask when the code cannot settle it, the threat it feeds, and its
//! documentation (`vouch explain ID` prints it). Files are validated when loaded: unknown
//! fields, unknown checks, unknown statuses and duplicate ids are errors, and a test loads the
//! whole catalog, so a broken rule never ships.

use crate::claims::ClaimPatterns;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::OnceLock;

mod files {
    include!(concat!(env!("OUT_DIR"), "/assumption_files.rs"));
}

/// STRIDE threat categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stride {
    Spoofing,
    Tampering,
    Repudiation,
    InformationDisclosure,
    DenialOfService,
    ElevationOfPrivilege,
}

impl Stride {
    pub fn name(self) -> &'static str {
        match self {
            Stride::Spoofing => "spoofing",
            Stride::Tampering => "tampering",
            Stride::Repudiation => "repudiation",
            Stride::InformationDisclosure => "information_disclosure",
            Stride::DenialOfService => "denial_of_service",
            Stride::ElevationOfPrivilege => "elevation_of_privilege",
        }
    }
}

/// Threat severity, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The weight of an assumption in the confidence score: critical 4, high 3, medium 2, low 1.
    pub fn weight(self) -> u32 {
        match self {
            Severity::Low => 1,
            Severity::Medium => 2,
            Severity::High => 3,
            Severity::Critical => 4,
        }
    }
}

/// The status of an assumption (see `docs/catalog.md`, "Statuses").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Verified,
    Invalid,
    Contradicted,
    DocOnly,
    Answered,
    NeedsClarification,
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Verified,
        Status::Invalid,
        Status::Contradicted,
        Status::DocOnly,
        Status::Answered,
        Status::NeedsClarification,
        Status::NotApplicable,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::Invalid => "invalid",
            Status::Contradicted => "contradicted",
            Status::DocOnly => "doc_only",
            Status::Answered => "answered",
            Status::NeedsClarification => "needs_clarification",
            Status::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.name() == s)
    }
}

/// Whether the assumption is about resources in the tree, or about the account or organization
/// (where a repository that does not declare the control does not prove it absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Resource,
    Account,
}

/// One evaluator call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckCall {
    pub check: String,
    #[serde(default = "empty_params")]
    pub params: serde_json::Value,
}

fn empty_params() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

/// Threat severities by what the assumption's status is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Severities {
    /// When the assumption is invalid or contradicted: the confirmed threat.
    pub invalid: Severity,
    /// When it stays open: the worst case.
    pub open: Severity,
}

/// The threat an assumption feeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threat {
    pub title: String,
    pub description: String,
    pub severity: Severities,
    /// What remains when the assumption holds (the residual-risk variant), if anything.
    #[serde(default)]
    pub residual: Option<Residual>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Residual {
    pub title: String,
    pub severity: Severity,
}

/// Paste-ready sentences for the architecture document, for when the code settles the
/// assumption and the document does not say so. The engine appends the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suggestion {
    pub holds: String,
    pub fails: String,
}

/// Documentation sections, printed by `vouch explain`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Docs {
    pub what_it_checks: String,
    pub why_it_matters: String,
    pub example: String,
}

/// One assumption of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    /// The assumption as a statement that should hold.
    pub title: String,
    pub stride: Stride,
    pub scope: Scope,
    /// The statuses this rule can reach; the table-driven test drives it to each of them.
    pub reaches: Vec<Status>,
    pub checks: Vec<CheckCall>,
    /// The question asked about one open subject. `{subject}` is the resource (or deployment
    /// unit) it is about.
    pub question: String,
    pub claims: ClaimPatterns,
    pub suggestion: Suggestion,
    pub threat: Threat,
    pub docs: Docs,
    /// CWE and MITRE ATT&CK identifiers.
    pub references: Vec<String>,
    /// Former ids that still name this rule in answers files.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The assumption is about multi-tenant systems: `not_applicable` when neither the code nor
    /// the document shows any sign of tenancy (`model/tenancy.rs`).
    #[serde(default)]
    pub tenancy: bool,
}

/// A rule file that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    pub message: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

/// Parses and validates one rule file.
pub fn parse(file: &str, text: &str) -> Result<Rule, RuleError> {
    let err = |message: String| RuleError {
        file: file.to_string(),
        message,
    };
    let node = crate::syntax::yaml::parse(text).map_err(|e| {
        err(format!(
            "line {}, column {}: {}",
            e.line, e.column, e.message
        ))
    })?;
    let json = node.to_json().map_err(err)?;
    let rule: Rule = serde_json::from_value(json).map_err(|e| err(e.to_string()))?;
    validate(&rule).map_err(err)?;
    let stem = file.strip_suffix(".yaml").unwrap_or(file);
    if stem != rule.id {
        return Err(err(format!(
            "the file is named `{file}` but the rule's id is `{}`",
            rule.id
        )));
    }
    Ok(rule)
}

fn validate(rule: &Rule) -> Result<(), String> {
    if rule.checks.is_empty() {
        return Err("a rule needs at least one check".into());
    }
    for call in &rule.checks {
        let Some(check) = crate::checks::lookup(&call.check) else {
            return Err(format!("unknown check `{}`", call.check));
        };
        (check.validate)(&call.params)
            .map_err(|e| format!("check `{}`: bad params: {e}", call.check))?;
    }
    let reaches: BTreeSet<Status> = rule.reaches.iter().copied().collect();
    if reaches.len() != rule.reaches.len() {
        return Err("`reaches` lists a status twice".into());
    }
    if rule.scope == Scope::Account && reaches.contains(&Status::NotApplicable) {
        return Err("an account-scoped rule cannot be not_applicable".into());
    }
    if !rule.question.contains("{subject}") {
        return Err("the question must name its `{subject}`".into());
    }
    if rule.claims.topics.is_empty() {
        return Err("`claims.topics` is empty: the document could never state this".into());
    }
    for (name, text) in [
        ("title", &rule.title),
        ("question", &rule.question),
        ("threat.title", &rule.threat.title),
        ("threat.description", &rule.threat.description),
        ("docs.what_it_checks", &rule.docs.what_it_checks),
        ("docs.why_it_matters", &rule.docs.why_it_matters),
        ("docs.example", &rule.docs.example),
    ] {
        if text.trim().is_empty() {
            return Err(format!("`{name}` is empty"));
        }
    }
    Ok(())
}

/// The whole catalog, sorted by id. Panics only if a shipped rule file is broken, which the
/// catalog test rules out before release.
pub fn catalog() -> &'static [Rule] {
    static CATALOG: OnceLock<Vec<Rule>> = OnceLock::new();
    CATALOG.get_or_init(|| match load() {
        Ok(rules) => rules,
        Err(errors) => panic!(
            "the embedded assumption catalog is broken: {}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    })
}

/// Loads every embedded rule file, reporting every broken one.
pub fn load() -> Result<Vec<Rule>, Vec<RuleError>> {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for (file, text) in files::FILES {
        match parse(file, text) {
            Ok(rule) => rules.push(rule),
            Err(e) => errors.push(e),
        }
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let mut seen = BTreeSet::new();
    for r in &rules {
        for id in std::iter::once(&r.id).chain(&r.aliases) {
            if !seen.insert(id.clone()) {
                errors.push(RuleError {
                    file: format!("{}.yaml", r.id),
                    message: format!("the id `{id}` is used twice"),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// Looks a rule up by id or alias.
pub fn rule(id: &str) -> Option<&'static Rule> {
    catalog()
        .iter()
        .find(|r| r.id == id || r.aliases.iter().any(|a| a == id))
}

/// A rule re-rated by the team (`severity` in `vouch.toml`): the same rule whose threat has this
/// severity both when it fails and while it is open. Rules live as long as the catalog does, so
/// each re-rated rule is made once per process and kept (a handful of small values at most).
pub fn rerated(rule: &'static Rule, severity: Severity) -> &'static Rule {
    use std::collections::HashMap;
    use std::sync::Mutex;
    type Made = HashMap<(String, Severity), &'static Rule>;
    static MADE: OnceLock<Mutex<Made>> = OnceLock::new();
    if rule.threat.severity.invalid == severity && rule.threat.severity.open == severity {
        return rule;
    }
    let mut made = MADE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    made.entry((rule.id.clone(), severity)).or_insert_with(|| {
        let mut r = rule.clone();
        r.threat.severity = Severities {
            invalid: severity,
            open: severity,
        };
        Box::leak(Box::new(r))
    })
}
