//! The reconciliation report: the JSON contract other tools rely on (`vouch scan --format
//! json`). Rendering lives in `crate::report::scan`; these types only hold the data, in a
//! stable order.

use crate::assumptions::{Severity, Status};
use crate::claims::Polarity;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The highest severity among confirmed threats (`none` when there is none).
    pub risk: &'static str,
    /// The highest severity if every open assumption turned out bad.
    pub risk_if_open: &'static str,
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
    pub answers: AnswersReport,
    /// Inputs that could not be read: what the report could not take into account.
    pub unreadable: Vec<Unreadable>,
    /// How long each rule's checks took (for `--timings`; not part of the JSON).
    #[serde(skip)]
    pub timings: Vec<(String, std::time::Duration)>,
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
    pub stride: &'static str,
    pub status: Status,
    /// For `doc_only` and `answered`: whether what settled it says it holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holds: Option<bool>,
    /// What the status rests on: `code`, `answers`, `doc`, `assumption` or `none`.
    pub basis: &'static str,
    pub evidence: Vec<Evidence>,
    pub doc: Vec<DocRef>,
    /// The answers that settled it or that the code overrules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<AnswerRef>,
    /// Ids of the questions it asks.
    pub questions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    pub resource: String,
    pub unit: String,
    pub file: String,
    pub line: u32,
    pub outcome: &'static str,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Further locations that support it (`file:line`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocRef {
    pub file: String,
    pub line: u32,
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
    /// `variable`, `outside_tree`, `application_code`, `identity_provider`, `not_expressible`,
    /// `account_level`.
    pub cause: &'static str,
    pub reason: String,
    pub threats: Vec<String>,
    pub resources: Vec<QuestionResource>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionResource {
    pub resource: String,
    pub unit: String,
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThreatReport {
    pub id: String,
    pub title: String,
    pub description: String,
    pub stride: &'static str,
    pub severity: Severity,
    /// `confirmed` (the assumption fails), `open` (the worst case while it is open) or
    /// `residual` (what remains when it holds).
    pub basis: &'static str,
    /// `code`, `answers`, `doc` or `assumption`.
    pub rests_on: &'static str,
    pub assumptions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocSuggestion {
    pub assumption: String,
    /// `add`: a sentence the document is missing; `correct`: a sentence the code contradicts.
    pub kind: &'static str,
    /// Paste-ready, with its evidence.
    pub text: String,
    pub evidence: Vec<String>,
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
    pub line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holds: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    pub path: String,
    pub line: u32,
    pub message: String,
}
