//! The reconciliation report: the one typed structure every rendering reads (text and JSON in
//! `crate::report::scan`; SARIF, Markdown and HTML next). Serialised, it is the JSON contract
//! other tools rely on (`vouch scan --format json`, docs/report-json.md). Every location is an
//! [`Origin`]; every tag is an enum serialised to the string the contract names.

use crate::assumptions::{Severity, Status, Stride};
use crate::checks::Cause;
use crate::claims::Polarity;
use crate::source::Origin;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// The version of the JSON report's shape (docs/report-json.md).
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub format_version: u32,
    /// The highest severity among confirmed threats (`none` when there is none).
    #[serde(serialize_with = "severity_or_none")]
    pub risk: Option<Severity>,
    /// The highest severity if every open assumption turned out bad.
    #[serde(serialize_with = "severity_or_none")]
    pub risk_if_open: Option<Severity>,
    /// Share of the applicable assumptions, weighted by their "when open" severity, whose status
    /// rests on code or answers.
    pub confidence: f64,
    pub confidence_weights: Weights,
    /// How many assumptions have each status.
    pub statuses: BTreeMap<&'static str, usize>,
    /// The deployment units read: Terraform roots and CloudFormation templates.
    pub units: Vec<String>,
    pub documents: Vec<String>,
    pub assumptions: Vec<AssumptionReport>,
    pub questions: Vec<Question>,
    pub threats: Vec<ThreatReport>,
    pub doc_suggestions: Vec<DocSuggestion>,
    pub doc_inconsistencies: Vec<Inconsistency>,
    /// Every sentence of the documents read as a claim, for every assumption (what `vouch
    /// claims` lists).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub document_claims: Vec<crate::claims::listing::ReadClaim>,
    /// The sentences with security vocabulary that were not read as claims, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_understood: Vec<crate::claims::listing::Skipped>,
    pub answers: AnswersReport,
    /// Inputs that could not be read: what the report could not take into account.
    pub unreadable: Vec<Unreadable>,
    /// Resources of types outside vouch's vocabulary, by type: no assumption reasons about them,
    /// so a clean report says nothing about them (said, so a silent pass is not taken for a
    /// clean one).
    pub not_covered: Vec<NotCovered>,
    /// What was read from the live account (`--aws`), what it settled, and what could not be
    /// read. Absent without `--aws`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<crate::live::account::AccountFacts>,
    /// How long each rule's checks took (for `--timings`; not part of the JSON).
    #[serde(skip)]
    pub timings: Vec<(String, std::time::Duration)>,
}

impl Report {
    /// "3 verified", "2 invalid", … for each status some assumption has, in the catalog's order
    /// of statuses: the one count line every human-readable format prints.
    pub fn status_counts(&self) -> Vec<String> {
        Status::ALL
            .iter()
            .filter_map(|s| {
                self.statuses
                    .get(s.name())
                    .map(|n| format!("{n} {}", s.name()))
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Weights {
    pub settled: u32,
    pub applicable: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssumptionReport {
    pub id: String,
    pub title: String,
    pub stride: Stride,
    pub status: Status,
    /// For `doc_only` and `answered`: whether what settled it says it holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holds: Option<bool>,
    /// What the status rests on.
    pub basis: Basis,
    pub evidence: Vec<Evidence>,
    pub doc: Vec<DocRef>,
    /// The answers that settled it or that the code overrules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<AnswerRef>,
    /// Ids of the questions it asks.
    pub questions: Vec<String>,
    /// Why it is `not_applicable`, when that is a decision rather than an empty scope (a
    /// tenancy assumption about a system with no sign of tenancy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A risk the answers file accepts for the whole assumption (`crate::waivers`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<crate::waivers::Waiver>,
}

/// What an assumption's status rests on (and what a threat rests on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Code,
    Answers,
    Doc,
    /// Nothing settles it: it is an open assumption.
    Assumption,
    /// Not applicable.
    None,
}

impl Basis {
    pub fn name(self) -> &'static str {
        match self {
            Basis::Code => "code",
            Basis::Answers => "answers",
            Basis::Doc => "doc",
            Basis::Assumption => "assumption",
            Basis::None => "none",
        }
    }

    /// Whether it counts as settled for the confidence: code or answers.
    pub fn settles(self) -> bool {
        matches!(self, Basis::Code | Basis::Answers)
    }
}

/// What a check made of one subject, as the report shows it. (Ordered as their names are,
/// which is how evidence at one place is listed.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Fail,
    Pass,
    Unknown,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Unknown => "unknown",
        }
    }
}

impl From<&crate::checks::Outcome> for Verdict {
    fn from(o: &crate::checks::Outcome) -> Verdict {
        match o {
            crate::checks::Outcome::Pass => Verdict::Pass,
            crate::checks::Outcome::Fail => Verdict::Fail,
            crate::checks::Outcome::Unknown { .. } => Verdict::Unknown,
        }
    }
}

/// Where a piece of evidence is: an origin, or nowhere (a deployment that declares nothing),
/// which the JSON keeps as `file: ""` and zeros so every evidence entry has the same fields.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place(pub Option<Origin>);

impl Serialize for Place {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Some(o) => o.serialize(s),
            None => crate::source::Origin::Source(crate::source::Region {
                file: String::new(),
                line: 0,
                column: 0,
                end_line: 0,
                end_column: 0,
            })
            .serialize(s),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    pub resource: String,
    pub unit: String,
    /// The first location the check gave (the resource's, when it gave none).
    #[serde(flatten)]
    pub place: Place,
    pub outcome: Verdict,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Every further location the check gave, with its full region.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Origin>,
    /// For a failing subject: the suppression or accepted risk that takes it out of the gate
    /// (`crate::waivers`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<crate::waivers::Waiver>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocRef {
    /// The claim's line in the document (the reader keeps the line where a sentence starts).
    #[serde(flatten)]
    pub origin: Origin,
    pub text: String,
    pub polarity: Polarity,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// The patterns that made it a claim.
    pub matched: String,
    /// The code proves this sentence wrong.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub contradicted: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub id: String,
    pub assumption: String,
    pub text: String,
    pub cause: Cause,
    pub reason: String,
    pub threats: Vec<String>,
    /// For a question about a whole deployment (an account-level control it does not declare):
    /// the deployment unit. Its `resources` are then empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// For the one question about the account behind several deployments of a system: those
    /// deployments (`unit` is then absent).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<String>,
    pub resources: Vec<QuestionResource>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionResource {
    pub resource: String,
    pub unit: String,
    #[serde(flatten)]
    pub origin: Origin,
}

/// How a threat enters the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreatBasis {
    /// The assumption fails.
    Confirmed,
    /// The worst case while the assumption is open.
    Open,
    /// What remains when it holds.
    Residual,
}

impl ThreatBasis {
    pub fn name(self) -> &'static str {
        match self {
            ThreatBasis::Confirmed => "confirmed",
            ThreatBasis::Open => "open",
            ThreatBasis::Residual => "residual",
        }
    }
}

/// What a document suggestion does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    /// A sentence the document is missing.
    Add,
    /// A sentence the code contradicts.
    Correct,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThreatReport {
    pub id: String,
    pub title: String,
    pub description: String,
    pub stride: Stride,
    pub severity: Severity,
    pub basis: ThreatBasis,
    pub rests_on: Basis,
    pub assumptions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocSuggestion {
    pub assumption: String,
    pub kind: SuggestionKind,
    /// Paste-ready, with its evidence (`file:line`).
    pub text: String,
    /// The locations cited.
    pub evidence: Vec<Origin>,
    /// For `correct`: the document's sentences that are wrong.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<DocRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Inconsistency {
    pub assumption: String,
    pub claims: Vec<DocRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AnswersReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub applied: Vec<AnswerRef>,
    pub stale: Vec<AnswerRef>,
    pub conflicting: Vec<AnswerRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerRef {
    /// The entry in the answers file.
    #[serde(flatten)]
    pub origin: Origin,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holds: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// An input that could not be read: where, and why. Its JSON keeps the name `path` for the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub origin: Origin,
    pub message: String,
}

impl Serialize for Unreadable {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let r = self.origin.region();
        let n = |f: fn(&crate::source::Region) -> u32| r.map_or(0, f);
        let mut st = s.serialize_struct("Unreadable", 6)?;
        st.serialize_field("path", &r.map_or("", |r| r.file.as_str()))?;
        st.serialize_field("line", &n(|r| r.line))?;
        st.serialize_field("column", &n(|r| r.column))?;
        st.serialize_field("end_line", &n(|r| r.end_line))?;
        st.serialize_field("end_column", &n(|r| r.end_column))?;
        st.serialize_field("message", &self.message)?;
        st.end()
    }
}

fn severity_or_none<S: Serializer>(s: &Option<Severity>, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.map_or("none", Severity::name))
}

/// Resources of one type that no assumption reasons about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotCovered {
    /// The Terraform or CloudFormation type, as written.
    #[serde(rename = "type")]
    pub source_type: String,
    pub resources: usize,
    /// The deployment units that declare them.
    pub units: Vec<String>,
}
