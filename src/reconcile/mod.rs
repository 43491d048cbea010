//! Reconciliation: code × answers × document → a status for every assumption, with evidence,
//! questions for what nothing settles, threats, risk, confidence and sentences the document is
//! missing.
//!
//! The engine takes the document's claims and the answers as plain inputs, so that it can be
//! driven the same way by the scan, by `vouch questions` and by tests.

mod decide;
pub mod report;

pub use decide::{decide, Decision, ScopedAnswer, ScopedClaim, Subject, SubjectOutcome};
pub use report::*;

use crate::assumptions::{Rule, Severity, Status};
use crate::checks::{Facts, Finding, Outcome};
use crate::claims::{Claim, Polarity};
use crate::model::Model;
use crate::source::Sources;
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
    pub line: u32,
}

/// Everything the engine reads besides the model.
pub struct Inputs<'a> {
    pub model: &'a Model,
    pub sources: &'a Sources,
    /// The rules to decide.
    pub rules: Vec<&'static Rule>,
    /// The document's claims about one rule.
    pub claims: &'a dyn Fn(&Rule) -> Vec<Claim>,
    /// The resources a named component refers to.
    pub resolve: &'a dyn Fn(&str) -> Vec<usize>,
    pub answers: &'a [AnswerEntry],
    /// The answers file, as reports show it.
    pub answers_path: Option<String>,
    /// The documents read, as reports show them.
    pub documents: Vec<String>,
    /// Files that could not be read (path, line, message).
    pub unreadable: Vec<Unreadable>,
}

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
    format!("q-{:012x}", fnv1a(key.as_bytes()) >> 16)
}

/// FNV-1a, 64 bits: stable across platforms and releases, unlike std's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
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

/// Decides every rule and assembles the report.
pub fn reconcile(inputs: &Inputs) -> Report {
    let facts = Facts::new(inputs.model);
    let model = inputs.model;
    let units: Vec<String> = model.units.iter().map(|u| u.id.clone()).collect();

    let mut assumptions = Vec::new();
    let mut questions = Vec::new();
    let mut threats = Vec::new();
    let mut suggestions = Vec::new();
    let mut inconsistencies = Vec::new();
    let mut applied = BTreeSet::new();
    let mut conflicting = BTreeSet::new();
    let mut stale = BTreeSet::new();
    let mut matched: BTreeSet<usize> = BTreeSet::new();
    let mut settled_weight = 0u32;
    let mut total_weight = 0u32;

    let loc = |span: crate::source::Span| {
        let l = inputs.sources.locate(span);
        (l.file, l.line)
    };

    let mut timings = Vec::new();
    for rule in &inputs.rules {
        let t0 = std::time::Instant::now();
        let found = findings(&facts, rule);
        timings.push((rule.id.clone(), t0.elapsed()));
        let claims = (inputs.claims)(rule);
        let scoped: Vec<ScopedClaim> = claims
            .iter()
            .enumerate()
            .map(|(index, c)| ScopedClaim {
                index,
                polarity: c.polarity,
                covers: if c.components.is_empty() {
                    None
                } else {
                    Some(
                        c.components
                            .iter()
                            .flat_map(|name| (inputs.resolve)(name))
                            .collect(),
                    )
                },
            })
            .collect();
        let names: BTreeSet<&str> = std::iter::once(rule.id.as_str())
            .chain(rule.aliases.iter().map(String::as_str))
            .collect();
        let answers: Vec<ScopedAnswer> = inputs
            .answers
            .iter()
            .enumerate()
            .filter_map(|(index, a)| {
                let holds = a.holds?;
                match (&a.question, &a.assumption) {
                    (Some(q), _) => Some(ScopedAnswer {
                        index,
                        holds,
                        question: Some(q.clone()),
                    }),
                    (None, Some(id)) if names.contains(id.as_str()) => Some(ScopedAnswer {
                        index,
                        holds,
                        question: None,
                    }),
                    _ => None,
                }
            })
            .collect();
        let qid = |s: &Subject| question_id(&rule.id, model, s);
        let d = decide(rule, found, &units, &scoped, &answers, &qid);
        applied.extend(&d.answers.applied);
        conflicting.extend(&d.answers.conflicting);
        stale.extend(&d.answers.stale);
        matched.extend(&d.answers.matched);

        // The claims that the code contradicts: those covering a failing subject while saying
        // the assumption holds, or (when every subject passes) saying it fails.
        let mut contradicting = BTreeSet::new();
        if d.status == Status::Contradicted {
            let any_fail = d.subjects.iter().any(|s| s.outcome == Outcome::Fail);
            for s in &d.subjects {
                let applies = if any_fail {
                    s.outcome == Outcome::Fail && s.claim == Some(Polarity::Holds)
                } else {
                    s.claim == Some(Polarity::Fails)
                };
                if applies {
                    contradicting.extend(s.claims.iter().copied());
                }
            }
        }
        let doc: Vec<DocRef> = claims
            .iter()
            .enumerate()
            .map(|(i, c)| DocRef {
                contradicted: contradicting.contains(&i),
                file: c.path.clone(),
                line: c.line,
                text: c.text.clone(),
                polarity: c.polarity,
                components: c.components.clone(),
                matched: c.matched.clone(),
            })
            .collect();
        for &(a, b) in &d.inconsistent {
            inconsistencies.push(Inconsistency {
                assumption: rule.id.clone(),
                claims: vec![doc[a].clone(), doc[b].clone()],
            });
        }

        let mut evidence = Vec::new();
        for s in &d.subjects {
            let (resource, unit, span) = subject_names(model, &s.subject);
            if s.findings.is_empty() {
                let (cause, reason) = unknown_parts(&s.outcome);
                evidence.push(Evidence {
                    resource: resource.clone(),
                    unit: unit.clone(),
                    file: String::new(),
                    line: 0,
                    outcome: s.outcome.name(),
                    detail: "nothing in this deployment declares it".into(),
                    cause,
                    reason,
                    also: Vec::new(),
                });
            }
            for f in &s.findings {
                let (file, line) = f
                    .evidence
                    .first()
                    .copied()
                    .or(span)
                    .map(loc)
                    .unwrap_or_default();
                let (cause, reason) = unknown_parts(&f.outcome);
                let mut also: Vec<String> = f
                    .evidence
                    .iter()
                    .skip(1)
                    .map(|s| {
                        let (f, l) = loc(*s);
                        format!("{f}:{l}")
                    })
                    .collect();
                also.dedup();
                evidence.push(Evidence {
                    resource: resource.clone(),
                    unit: unit.clone(),
                    file,
                    line,
                    outcome: f.outcome.name(),
                    detail: f.detail.clone(),
                    cause,
                    reason,
                    also,
                });
            }
        }
        evidence.sort();
        evidence.dedup();

        let threat_id = format!("T-{}", rule.id);
        let mut question_ids = Vec::new();
        for &i in &d.open {
            let s = &d.subjects[i];
            let (resource, unit, span) = subject_names(model, &s.subject);
            let subject_text = match &s.subject {
                Subject::Resource(_) => format!("`{resource}`"),
                Subject::Unit(u) => format!("the deployment `{u}`"),
            };
            let (cause, reason) = unknown_parts(&s.outcome);
            let mut resources = Vec::new();
            for f in &s.findings {
                if let Outcome::Unknown { .. } = f.outcome {
                    for sp in &f.evidence {
                        let (file, line) = loc(*sp);
                        let r = QuestionResource {
                            resource: resource.clone(),
                            unit: unit.clone(),
                            file,
                            line,
                        };
                        if !resources.contains(&r) {
                            resources.push(r);
                        }
                    }
                }
            }
            if resources.is_empty() {
                if let Some(span) = span {
                    let (file, line) = loc(span);
                    resources.push(QuestionResource {
                        resource: resource.clone(),
                        unit: unit.clone(),
                        file,
                        line,
                    });
                }
            }
            question_ids.push(s.question_id.clone());
            questions.push(Question {
                id: s.question_id.clone(),
                assumption: rule.id.clone(),
                text: rule.question.replace("{subject}", &subject_text),
                cause: cause.unwrap_or("not_expressible"),
                reason: reason.unwrap_or_default(),
                threats: vec![threat_id.clone()],
                resources,
            });
        }

        // What the status rests on.
        let basis = match d.status {
            Status::Verified | Status::Invalid | Status::Contradicted => "code",
            Status::Answered => "answers",
            Status::DocOnly => "doc",
            Status::NeedsClarification => "assumption",
            Status::NotApplicable => "none",
        };
        let open_sev = rule.threat.severity.open;
        if d.status != Status::NotApplicable {
            total_weight += open_sev.weight();
            if matches!(basis, "code" | "answers") {
                settled_weight += open_sev.weight();
            }
        }

        // The threat it feeds.
        let confirmed = matches!(d.status, Status::Invalid | Status::Contradicted)
            || (matches!(d.status, Status::Answered | Status::DocOnly) && d.holds == Some(false));
        let open = d.status == Status::NeedsClarification
            || (d.status == Status::DocOnly && d.holds == Some(true));
        let holds = matches!(d.status, Status::Verified)
            || (d.status == Status::Answered && d.holds == Some(true));
        if confirmed {
            threats.push(ThreatReport {
                id: threat_id.clone(),
                title: rule.threat.title.clone(),
                description: rule.threat.description.clone(),
                stride: rule.stride.name(),
                severity: rule.threat.severity.invalid,
                basis: "confirmed",
                rests_on: basis,
                assumptions: vec![rule.id.clone()],
            });
        } else if open {
            threats.push(ThreatReport {
                id: threat_id.clone(),
                title: rule.threat.title.clone(),
                description: rule.threat.description.clone(),
                stride: rule.stride.name(),
                severity: open_sev,
                basis: "open",
                rests_on: basis,
                assumptions: vec![rule.id.clone()],
            });
        } else if holds {
            if let Some(res) = &rule.threat.residual {
                threats.push(ThreatReport {
                    id: format!("{threat_id}.residual"),
                    title: res.title.clone(),
                    description: rule.threat.description.clone(),
                    stride: rule.stride.name(),
                    severity: res.severity,
                    basis: "residual",
                    rests_on: basis,
                    assumptions: vec![rule.id.clone()],
                });
            }
        }

        // Sentences the document is missing, or gets wrong.
        let settled_holds = match d.status {
            Status::Verified => Some(true),
            Status::Invalid => Some(false),
            Status::Answered => d.holds,
            _ => None,
        };
        let cite = |outcome: &str| -> Vec<String> {
            let mut v: Vec<String> = evidence
                .iter()
                .filter(|e| e.outcome == outcome && e.line > 0)
                .map(|e| format!("{}:{}", e.file, e.line))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        if let Some(h) = settled_holds {
            if claims.is_empty() {
                let (text, cites) = if h {
                    (rule.suggestion.holds.clone(), cite("pass"))
                } else {
                    (rule.suggestion.fails.clone(), cite("fail"))
                };
                let cites = if d.status == Status::Answered {
                    inputs
                        .answers_path
                        .iter()
                        .flat_map(|p| {
                            d.answers
                                .applied
                                .iter()
                                .map(move |&i| format!("{p}:{}", inputs.answers[i].line))
                        })
                        .collect()
                } else {
                    cites
                };
                suggestions.push(DocSuggestion {
                    assumption: rule.id.clone(),
                    kind: "add",
                    text: with_evidence(&text, &cites),
                    evidence: cites,
                    replaces: Vec::new(),
                });
            }
        }
        if d.status == Status::Contradicted {
            let code_holds = !d.subjects.iter().any(|s| s.outcome == Outcome::Fail);
            let wrong: Vec<DocRef> = doc.iter().filter(|c| c.contradicted).cloned().collect();
            let (text, cites) = if code_holds {
                (rule.suggestion.holds.clone(), cite("pass"))
            } else {
                (rule.suggestion.fails.clone(), cite("fail"))
            };
            suggestions.push(DocSuggestion {
                assumption: rule.id.clone(),
                kind: "correct",
                text: with_evidence(&text, &cites),
                evidence: cites,
                replaces: wrong,
            });
        }

        let used: Vec<AnswerRef> = d
            .answers
            .applied
            .iter()
            .chain(&d.answers.conflicting)
            .map(|&i| answer_ref(&inputs.answers[i]))
            .collect();
        assumptions.push(AssumptionReport {
            answers: used,
            id: rule.id.clone(),
            title: rule.title.clone(),
            stride: rule.stride.name(),
            status: d.status,
            holds: d.holds,
            basis,
            evidence,
            doc,
            questions: question_ids,
        });
    }

    // Answers no rule recognised: a question id that no longer exists, an unknown assumption.
    for (i, a) in inputs.answers.iter().enumerate() {
        if a.holds.is_none() {
            continue;
        }
        let known = match (&a.question, &a.assumption) {
            (Some(_), _) => matched.contains(&i),
            (None, Some(id)) => inputs
                .rules
                .iter()
                .any(|r| &r.id == id || r.aliases.contains(id)),
            _ => false,
        };
        if !known {
            stale.insert(i);
        }
    }
    for i in applied.iter().chain(&conflicting) {
        stale.remove(i);
    }
    let answer_ref = |i: &usize| answer_ref(&inputs.answers[*i]);

    threats.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
    questions.sort_by(|a, b| (&a.assumption, &a.id).cmp(&(&b.assumption, &b.id)));
    suggestions.sort_by(|a, b| (&a.assumption, a.kind).cmp(&(&b.assumption, b.kind)));

    let risk = threats
        .iter()
        .filter(|t| t.basis == "confirmed")
        .map(|t| t.severity)
        .max();
    let risk_if_open = threats
        .iter()
        .filter(|t| t.basis != "residual")
        .map(|t| t.severity)
        .max();
    let confidence = if total_weight == 0 {
        0.0
    } else {
        (f64::from(settled_weight) / f64::from(total_weight) * 100.0).round() / 100.0
    };
    let mut statuses: BTreeMap<&'static str, usize> = BTreeMap::new();
    for a in &assumptions {
        *statuses.entry(a.status.name()).or_default() += 1;
    }

    Report {
        risk: severity_name(risk),
        risk_if_open: severity_name(risk_if_open),
        confidence,
        confidence_weights: Weights {
            settled: settled_weight,
            applicable: total_weight,
        },
        statuses,
        units: units.clone(),
        documents: inputs.documents.clone(),
        assumptions,
        questions,
        threats,
        doc_suggestions: suggestions,
        doc_inconsistencies: inconsistencies,
        answers: AnswersReport {
            file: inputs.answers_path.clone(),
            applied: applied.iter().map(answer_ref).collect(),
            stale: stale.iter().map(answer_ref).collect(),
            conflicting: conflicting.iter().map(answer_ref).collect(),
        },
        unreadable: inputs.unreadable.clone(),
        timings,
    }
}

fn answer_ref(a: &AnswerEntry) -> AnswerRef {
    AnswerRef {
        line: a.line,
        assumption: a.assumption.clone(),
        question: a.question.clone(),
        holds: a.holds,
        detail: a.detail.clone(),
    }
}

fn severity_name(s: Option<Severity>) -> &'static str {
    s.map(Severity::name).unwrap_or("none")
}

fn with_evidence(text: &str, cites: &[String]) -> String {
    if cites.is_empty() {
        return text.to_string();
    }
    let shown: Vec<&str> = cites.iter().take(6).map(String::as_str).collect();
    let more = if cites.len() > 6 {
        format!(" and {} more", cites.len() - 6)
    } else {
        String::new()
    };
    format!(
        "{} ({}{more})",
        text.trim_end_matches('.'),
        shown.join(", ")
    ) + "."
}

fn unknown_parts(o: &Outcome) -> (Option<&'static str>, Option<String>) {
    match o {
        Outcome::Unknown { cause, reason } => (
            Some(cause_name(*cause)),
            Some(format!("{reason}; {}", cause.describe())),
        ),
        _ => (None, None),
    }
}

fn cause_name(c: crate::checks::Cause) -> &'static str {
    use crate::checks::Cause::*;
    match c {
        Variable => "variable",
        OutsideTree => "outside_tree",
        ApplicationCode => "application_code",
        IdentityProvider => "identity_provider",
        NotExpressible => "not_expressible",
        AccountLevel => "account_level",
    }
}

/// (resource address, unit, span) of a subject.
fn subject_names(model: &Model, s: &Subject) -> (String, String, Option<crate::source::Span>) {
    match s {
        Subject::Resource(i) => {
            let r = &model.resources[*i];
            (r.address.clone(), r.unit.clone(), Some(r.span))
        }
        Subject::Unit(u) => (String::new(), u.clone(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
