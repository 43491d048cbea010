//! Reconciliation: code × answers × document → a status for every assumption, with evidence,
//! questions for what nothing settles, threats, risk, confidence and sentences the document is
//! missing.
//!
//! The engine takes the document's claims and the answers as plain inputs, so that it can be
//! driven the same way by the scan, by `vouch questions` and by tests.

mod answers;
mod confidence;
mod decide;
mod details;
mod evidence;
pub mod report;
mod suggestions;
mod threats;

pub use decide::{decide, Decision, ScopedAnswer, ScopedClaim, Subject, SubjectOutcome};
pub use report::*;

use crate::assumptions::Rule;
use crate::checks::{Facts, Finding};
use crate::claims::Claim;
use crate::model::Model;
use crate::source::{Origin, Sources};
use std::collections::{BTreeMap, BTreeSet};

/// One entry of the answers file, as the engine needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerEntry {
    /// The assumption named (`assumption:`), or the one a question entry was written for.
    pub assumption: Option<String>,
    /// The question id named (`question:`).
    pub question: Option<String>,
    /// `None`: not answered yet.
    pub holds: Option<bool>,
    pub detail: Option<String>,
    /// The entry in the answers file.
    pub origin: Origin,
}

/// Everything the engine reads besides the model.
pub struct Inputs<'a> {
    pub model: &'a Model,
    /// The system's directory, relative to the scanned root (`.` for the root).
    pub system: String,
    pub sources: &'a Sources,
    /// The rules to decide.
    pub rules: Vec<&'static Rule>,
    /// The document's claims about one rule.
    pub claims: &'a dyn Fn(&Rule) -> Vec<Claim>,
    /// Where a claim is in its document.
    pub claim_origin: &'a dyn Fn(&Claim) -> Origin,
    /// The resources a named component refers to.
    pub resolve: &'a dyn Fn(&str) -> Vec<usize>,
    pub answers: &'a [AnswerEntry],
    /// The answers file, as reports show it.
    pub answers_path: Option<String>,
    /// The documents read, as reports show them.
    pub documents: Vec<String>,
    /// Inputs that could not be read.
    pub unreadable: Vec<Unreadable>,
    /// What the live account settled (`--aws`).
    pub account: Option<&'a crate::live::account::AccountFacts>,
    /// Some architecture document speaks of tenants.
    pub document_speaks_of_tenants: bool,
}

/// Why a tenancy assumption is `not_applicable` to a system that shows no sign of tenancy.
pub const NO_TENANCY: &str = "no sign of tenancy: no tenant-named unit, resource, module instance or attribute, no dynamodb:LeadingKeys binding, and no document speaks of tenants";

/// The stable id of a question: a hash of the assumption id and the subject's address (unit
/// and resource address, or the unit alone), never of a file or line, so it survives edits
/// that do not change its subject.
pub fn question_id(rule: &str, model: &Model, subject: &Subject) -> String {
    let key = match subject {
        Subject::Resource(i) => {
            let r = &model.resources[*i];
            format!("{rule}\n{}\n{}", r.unit, r.address)
        }
        Subject::Unit(u) => format!("{rule}\n{u}"),
    };
    format!("q-{:012x}", crate::fnv1a(key.bytes()) >> 16)
}

/// The stable id of the one question an account-level rule asks about a system of several
/// deployments: a hash of the assumption id and the system's directory.
pub fn account_question_id(rule: &str, system: &str) -> String {
    let key = format!("{rule}\nsystem\n{system}");
    format!("q-{:012x}", crate::fnv1a(key.bytes()) >> 16)
}

/// Runs every check of a rule.
pub fn findings(facts: &Facts, rule: &Rule) -> Vec<Finding> {
    let mut out = Vec::new();
    for call in &rule.checks {
        if let Some(check) = crate::checks::lookup(&call.check) {
            out.extend((check.run)(facts, &call.params));
        }
    }
    out
}

/// The document's claims about a rule, with the resources each names resolved.
fn scope_claims(claims: &[Claim], resolve: &dyn Fn(&str) -> Vec<usize>) -> Vec<ScopedClaim> {
    claims
        .iter()
        .enumerate()
        .map(|(index, c)| ScopedClaim {
            index,
            polarity: c.polarity,
            covers: if c.components.is_empty() {
                // Names from the sentence's words narrow the claim only to what they resolve to.
                let found: BTreeSet<usize> =
                    c.mentions.iter().flat_map(|name| resolve(name)).collect();
                (!found.is_empty()).then_some(found)
            } else {
                Some(c.components.iter().flat_map(|name| resolve(name)).collect())
            },
            excludes: c.excluded.iter().flat_map(|name| resolve(name)).collect(),
        })
        .collect()
}

/// Decides every rule and assembles the report: for each rule, decide (checks × claims ×
/// answers), then its evidence and questions, the threat it feeds, its weight in the
/// confidence and the sentences for the document; then the answers file's ledger and the risk.
pub fn reconcile(inputs: &Inputs) -> Report {
    let facts = Facts::new(inputs.model);
    let model = inputs.model;
    let units: Vec<String> = model.units.iter().map(|u| u.id.clone()).collect();
    // Account-level questions are about AWS accounts: only units that deploy to AWS.
    let aws_units = model.aws_units();

    let mut assumptions = Vec::new();
    let mut questions = Vec::new();
    let mut threats = Vec::new();
    let mut suggestions = Vec::new();
    let mut inconsistencies = Vec::new();
    let mut ledger = answers::Ledger::default();
    let mut confidence = confidence::Confidence::default();
    let mut timings = Vec::new();
    let locator = evidence::Locator::new(model, inputs.sources);

    // Whether the system shows tenancy, computed once for the tenancy rules.
    let tenancy = std::cell::OnceCell::new();
    for rule in &inputs.rules {
        let t0 = std::time::Instant::now();
        let single_tenant = rule.tenancy
            && !inputs.document_speaks_of_tenants
            && tenancy.get_or_init(|| model.tenancy_sign()).is_none();
        let found = if single_tenant {
            Vec::new()
        } else {
            findings(&facts, rule)
        };
        timings.push((rule.id.clone(), t0.elapsed()));
        let claims = (inputs.claims)(rule);
        let scoped = scope_claims(&claims, inputs.resolve);
        let scoped_answers = answers::scoped(rule, inputs.answers);
        let qid = |s: &Subject| question_id(&rule.id, model, s);
        let account_question = account_question_id(&rule.id, &inputs.system);
        let d = decide(
            rule,
            found,
            &aws_units,
            &scoped,
            &scoped_answers,
            &qid,
            &account_question,
        );
        ledger.record(&d.answers);

        let mut doc = suggestions::doc_refs(&claims, &d, inputs.claim_origin);
        inconsistencies.extend(suggestions::inconsistencies(rule, &d, &doc));
        let evidence = evidence::assemble(&locator, &d.subjects);
        suggestions.extend(details::corrections(rule, model, &d, &mut doc, &evidence));
        let asked = evidence::questions(rule, &locator, &d);
        let basis = threats::basis(d.status);
        confidence.add(basis, rule.threat.severity.open);
        threats.extend(threats::threat(rule, &d));
        suggestions.extend(suggestions::suggest(
            rule,
            &d,
            &doc,
            &evidence,
            answers::cites(&d.answers, inputs.answers),
        ));
        assumptions.push(AssumptionReport {
            answers: answers::used(&d.answers, inputs.answers),
            id: rule.id.clone(),
            title: rule.title.clone(),
            stride: rule.stride,
            status: d.status,
            holds: d.holds,
            basis,
            evidence,
            doc,
            questions: asked.iter().map(|q| q.id.clone()).collect(),
            reason: (single_tenant && d.status == crate::assumptions::Status::NotApplicable)
                .then(|| NO_TENANCY.to_string()),
            accepted: None,
        });
        questions.extend(asked);
    }

    threats::sort(&mut threats);
    questions.sort_by(|a, b| (&a.assumption, &a.id).cmp(&(&b.assumption, &b.id)));
    suggestions.sort_by(|a, b| (&a.assumption, a.kind).cmp(&(&b.assumption, b.kind)));
    let (risk, risk_if_open) = threats::risk(&threats);
    let mut statuses: BTreeMap<&'static str, usize> = BTreeMap::new();
    for a in &assumptions {
        *statuses.entry(a.status.name()).or_default() += 1;
    }

    Report {
        format_version: FORMAT_VERSION,
        risk,
        risk_if_open,
        confidence: confidence.value(),
        confidence_weights: confidence.weights(),
        statuses,
        units,
        documents: inputs.documents.clone(),
        assumptions,
        questions,
        threats,
        doc_suggestions: suggestions,
        doc_inconsistencies: inconsistencies,
        document_claims: Vec::new(),
        not_understood: Vec::new(),
        answers: ledger.finish(inputs.answers, &inputs.rules, inputs.answers_path.clone()),
        unreadable: inputs.unreadable.clone(),
        not_covered: not_covered(model),
        account: inputs.account.cloned(),
        timings,
    }
}

/// Deployed resources whose type is outside the vocabulary (`Kind::Other`), grouped by type:
/// most resources first, then by type name.
fn not_covered(model: &crate::model::Model) -> Vec<report::NotCovered> {
    let mut by_type: BTreeMap<&str, (usize, std::collections::BTreeSet<&str>)> = BTreeMap::new();
    for r in &model.resources {
        if r.kind == crate::model::Kind::Other && crate::network::util::deployed(r) {
            let e = by_type.entry(r.source_type.as_str()).or_default();
            e.0 += 1;
            e.1.insert(r.unit.as_str());
        }
    }
    let mut out: Vec<report::NotCovered> = by_type
        .into_iter()
        .map(|(t, (n, units))| report::NotCovered {
            source_type: t.to_string(),
            resources: n,
            units: units.into_iter().map(str::to_string).collect(),
        })
        .collect();
    out.sort_by(|a, b| {
        b.resources
            .cmp(&a.resources)
            .then(a.source_type.cmp(&b.source_type))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_about_the_system_cover_everything_and_named_ones_what_they_name() {
        let claim = |components: &[&str]| Claim {
            polarity: crate::claims::Polarity::Holds,
            path: "d.md".into(),
            line: 1,
            text: String::new(),
            components: components.iter().map(|c| c.to_string()).collect(),
            mentions: Vec::new(),
            excluded: Vec::new(),
            matched: String::new(),
        };
        let resolve = |name: &str| match name {
            "api" => vec![3, 1],
            "jobs" => vec![1, 7],
            _ => Vec::new(),
        };
        let scoped = scope_claims(
            &[claim(&[]), claim(&["api", "jobs"]), claim(&["x"])],
            &resolve,
        );
        assert_eq!(scoped[0].covers, None);
        assert_eq!(scoped[1].covers, Some([1, 3, 7].into_iter().collect()));
        // A named component that matches nothing covers nothing (not everything).
        assert_eq!(scoped[2].covers, Some(Default::default()));
        assert_eq!(scoped[2].index, 2);
    }

    #[test]
    fn question_ids_depend_on_the_assumption_and_the_address_only() {
        let mut model = Model::default();
        let span = crate::source::Span::file_start(crate::source::FileId(0));
        model.resources.push(crate::model::Resource::new(
            ".",
            "aws_kms_key.data",
            "aws_kms_key",
            crate::model::Language::Terraform,
            span,
        ));
        let id = question_id("kms.key-policy.scoped", &model, &Subject::Resource(0));
        // Pinned: answers files name questions by these ids, so the hash must never change.
        assert_eq!(id, "q-351344913759");
        assert_ne!(
            id,
            question_id("kms.key-rotation", &model, &Subject::Resource(0))
        );
        model.resources[0].span.start = 4000;
        assert_eq!(
            id,
            question_id("kms.key-policy.scoped", &model, &Subject::Resource(0))
        );
        assert_ne!(
            question_id("log.audit-trail", &model, &Subject::Unit(".".into())),
            question_id("log.audit-trail", &model, &Subject::Unit("prod".into()))
        );
    }
}
