//! Assembling the evidence of one assumption and the questions it asks: every finding becomes
//! an [`Evidence`] entry located at its first span, with all its other spans as related
//! locations; every open subject becomes a [`Question`] naming where the code leaves it open.

use super::decide::{Decision, Subject, SubjectOutcome};
use super::report::{Evidence, Place, Question, QuestionResource, Verdict};
use crate::assumptions::Rule;
use crate::checks::{Cause, Outcome};
use crate::model::Model;
use crate::source::{Origin, Sources, Span};
use std::collections::HashMap;

/// Turns spans into origins for one scan.
pub struct Locator<'a> {
    model: &'a Model,
    sources: &'a Sources,
    /// The span of every resource read from plan JSON, to its address.
    plan: HashMap<Span, &'a str>,
}

impl<'a> Locator<'a> {
    pub fn new(model: &'a Model, sources: &'a Sources) -> Locator<'a> {
        let plan = model
            .resources
            .iter()
            .filter(|r| r.from_plan())
            .map(|r| (r.span, r.address.as_str()))
            .collect();
        Locator {
            model,
            sources,
            plan,
        }
    }

    /// Where a span is, for a finding about `resource`: a plan address when it is the span of a
    /// resource read from plan JSON (that resource's address), or when the finding's resource
    /// was read from plan JSON and the span lies in the plan file; a source region otherwise.
    pub fn origin(&self, resource: Option<usize>, span: Span) -> Origin {
        if let Some(record) = self.model.record_at(span) {
            return Origin::Record(record.clone());
        }
        let region = self.sources.region(span);
        if let Some(address) = self.plan.get(&span) {
            if !is_terraform_source(&region.file) {
                return Origin::Plan {
                    address: address.to_string(),
                    region,
                };
            }
        }
        match resource.map(|i| &self.model.resources[i]) {
            Some(r) if r.from_plan() && !is_terraform_source(&region.file) => Origin::Plan {
                address: r.address.clone(),
                region,
            },
            _ => Origin::Source(region),
        }
    }
}

/// A Terraform configuration file (where a plan's resources take their spans when the tree
/// has the HCL), as opposed to the plan JSON.
fn is_terraform_source(file: &str) -> bool {
    file.ends_with(".tf") || file.ends_with(".tf.json")
}

/// (resource address, unit, resource index) of a subject.
pub fn subject_names(model: &Model, s: &Subject) -> (String, String, Option<usize>) {
    match s {
        Subject::Resource(i) => {
            let r = &model.resources[*i];
            (r.address.clone(), r.unit.clone(), Some(*i))
        }
        Subject::Unit(u) => (String::new(), u.clone(), None),
    }
}

/// The cause and reason of an unknown outcome.
pub fn unknown_parts(o: &Outcome) -> (Option<Cause>, Option<String>) {
    match o {
        Outcome::Unknown { cause, reason } => (
            Some(*cause),
            Some(format!("{reason}; {}", cause.describe())),
        ),
        _ => (None, None),
    }
}

/// The evidence of every subject, sorted and without duplicates.
pub fn assemble(locator: &Locator, subjects: &[SubjectOutcome]) -> Vec<Evidence> {
    let model = locator.model;
    let mut evidence = Vec::new();
    for s in subjects {
        let (resource, unit, index) = subject_names(model, &s.subject);
        let at = |span: Span| locator.origin(index, span);
        if s.findings.is_empty() {
            let (cause, reason) = unknown_parts(&s.outcome);
            evidence.push(Evidence {
                resource: resource.clone(),
                unit: unit.clone(),
                place: Place(None),
                outcome: Verdict::from(&s.outcome),
                detail: "nothing in this deployment declares it".into(),
                cause,
                reason,
                related: Vec::new(),
                waiver: None,
            });
        }
        for f in &s.findings {
            let first = f
                .evidence
                .first()
                .copied()
                .or(index.map(|i| model.resources[i].span));
            let (cause, reason) = unknown_parts(&f.outcome);
            let mut related: Vec<Origin> = f.evidence.iter().skip(1).map(|s| at(*s)).collect();
            related.dedup();
            evidence.push(Evidence {
                resource: resource.clone(),
                unit: unit.clone(),
                place: Place(first.map(at)),
                outcome: Verdict::from(&f.outcome),
                detail: f.detail.clone(),
                cause,
                reason,
                related,
                waiver: None,
            });
        }
    }
    // By file and line before column, as the report always listed them.
    evidence.sort_by(|a, b| order_key(a).cmp(&order_key(b)).then_with(|| a.cmp(b)));
    evidence.dedup();
    evidence
}

type OrderKey<'a> = (&'a str, &'a str, &'a str, u32, Verdict, &'a str);

fn order_key(e: &Evidence) -> OrderKey<'_> {
    let (file, line) = e
        .place
        .0
        .as_ref()
        .and_then(Origin::region)
        .map_or(("", 0), |r| (r.file.as_str(), r.line));
    (&e.resource, &e.unit, file, line, e.outcome, &e.detail)
}

/// The questions of a decision's open subjects, in subject order. The open deployments of an
/// account-level rule in a system of several are one question about the account behind them.
pub fn questions(rule: &Rule, locator: &Locator, d: &Decision) -> Vec<Question> {
    let model = locator.model;
    let mut out = Vec::new();
    let mut account: Vec<(usize, String)> = Vec::new();
    for &i in &d.open {
        let s = &d.subjects[i];
        if let (Some(_), Subject::Unit(u)) = (&d.account_question, &s.subject) {
            account.push((i, u.clone()));
            continue;
        }
        let (resource, unit, index) = subject_names(model, &s.subject);
        let subject_text = match &s.subject {
            Subject::Resource(_) => format!("`{resource}`"),
            Subject::Unit(u) => format!("the deployment `{u}`"),
        };
        let (cause, reason) = unknown_parts(&s.outcome);
        let at = |span: Span| QuestionResource {
            resource: resource.clone(),
            unit: unit.clone(),
            origin: locator.origin(index, span),
        };
        let mut resources: Vec<QuestionResource> = Vec::new();
        for f in &s.findings {
            if let Outcome::Unknown { .. } = f.outcome {
                for sp in &f.evidence {
                    let r = at(*sp);
                    if !resources.contains(&r) {
                        resources.push(r);
                    }
                }
            }
        }
        if resources.is_empty() {
            if let Some(i) = index {
                resources.push(at(model.resources[i].span));
            }
        }
        out.push(Question {
            id: s.question_id.clone(),
            assumption: rule.id.clone(),
            text: rule.question.replace("{subject}", &subject_text),
            cause: cause.unwrap_or(Cause::NotExpressible),
            reason: reason.unwrap_or_default(),
            threats: vec![super::threats::threat_id(rule)],
            unit: match &s.subject {
                Subject::Unit(u) => Some(u.clone()),
                Subject::Resource(_) => None,
            },
            units: Vec::new(),
            resources,
        });
    }
    if let (Some(id), Some((first, _))) = (&d.account_question, account.first()) {
        let (cause, reason) = unknown_parts(&d.subjects[*first].outcome);
        let units: Vec<String> = account.into_iter().map(|(_, u)| u).collect();
        out.push(Question {
            id: id.clone(),
            assumption: rule.id.clone(),
            text: rule.question.replace("{subject}", &deployments(&units)),
            cause: cause.unwrap_or(Cause::NotExpressible),
            reason: reason.unwrap_or_default(),
            threats: vec![super::threats::threat_id(rule)],
            unit: None,
            units,
            resources: Vec::new(),
        });
    }
    out
}

/// "the deployments `a`, `b` and `c`", or the first five and how many more.
fn deployments(units: &[String]) -> String {
    const SHOWN: usize = 5;
    let quoted: Vec<String> = units.iter().map(|u| format!("`{u}`")).collect();
    let list = if quoted.len() > SHOWN {
        format!(
            "{} and {} more",
            quoted[..SHOWN].join(", "),
            quoted.len() - SHOWN
        )
    } else if let Some((last, rest)) = quoted.split_last().filter(|(_, r)| !r.is_empty()) {
        format!("{} and {last}", rest.join(", "))
    } else {
        quoted.join(", ")
    };
    format!("the deployments {list}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Finding;
    use crate::model::{Language, Resource};
    use crate::source::{FileId, SourceFile};

    fn setup() -> (Model, Sources) {
        let mut sources = Sources::default();
        let tf = sources.add(SourceFile::new(
            "main.tf".into(),
            "main.tf".into(),
            "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"x\"\n}\n".into(),
        ));
        let plan = sources.add(SourceFile::new(
            "plan.json".into(),
            "plan.json".into(),
            "{\"address\": \"aws_s3_bucket.b\"}\n".into(),
        ));
        let mut model = Model::default();
        model.resources.push(Resource::new(
            ".",
            "aws_s3_bucket.a",
            "aws_s3_bucket",
            Language::Terraform,
            Span::new(tf, 0..47),
        ));
        model.resources.push(Resource::new(
            ".",
            "aws_s3_bucket.b",
            "aws_s3_bucket",
            Language::Plan,
            Span::new(plan, 13..30),
        ));
        (model, sources)
    }

    fn subject(i: usize, outcome: Outcome, findings: Vec<Finding>) -> SubjectOutcome {
        SubjectOutcome {
            subject: Subject::Resource(i),
            question_id: format!("q-{i}"),
            outcome,
            findings,
            claim: None,
            claims: Vec::new(),
            answer: None,
        }
    }

    #[test]
    fn evidence_keeps_every_span_with_its_region() {
        let (model, sources) = setup();
        let f = Finding::fail(0, "no encryption")
            .at(Span::new(FileId(0), 33..45))
            .at(Span::new(FileId(0), 0..47));
        let ev = assemble(
            &Locator::new(&model, &sources),
            &[subject(0, Outcome::Fail, vec![f])],
        );
        assert_eq!(ev.len(), 1);
        let e = &ev[0];
        assert_eq!(e.outcome, Verdict::Fail);
        let r = e.place.0.as_ref().unwrap().region().unwrap();
        assert_eq!((r.line, r.column, r.end_line, r.end_column), (2, 3, 2, 15));
        assert_eq!(e.related.len(), 1);
        let r = e.related[0].region().unwrap();
        assert_eq!((r.line, r.column, r.end_line, r.end_column), (1, 1, 3, 2));
    }

    #[test]
    fn plan_resources_are_located_by_address_and_unit_subjects_nowhere() {
        let (model, sources) = setup();
        let f = Finding::pass(1, "encrypted");
        let mut subjects = vec![subject(1, Outcome::Pass, vec![f])];
        subjects.push(SubjectOutcome {
            subject: Subject::Unit(".".into()),
            ..subject(
                0,
                Outcome::unknown(Cause::AccountLevel, "trail"),
                Vec::new(),
            )
        });
        let ev = assemble(&Locator::new(&model, &sources), &subjects);
        assert_eq!(ev.len(), 2);
        // The unit subject sorts first: no resource, no place.
        assert_eq!(ev[0].place, Place(None));
        assert_eq!(ev[0].cause, Some(Cause::AccountLevel));
        match ev[1].place.0.as_ref().unwrap() {
            Origin::Plan { address, region } => {
                assert_eq!(address, "aws_s3_bucket.b");
                assert_eq!((region.file.as_str(), region.column), ("plan.json", 14));
            }
            other => panic!("{other:?}"),
        }
        // A finding located at another plan resource (a facet) names that resource.
        let locator = Locator::new(&model, &sources);
        match locator.origin(Some(0), model.resources[1].span) {
            Origin::Plan { address, .. } => assert_eq!(address, "aws_s3_bucket.b"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            locator.origin(Some(1), model.resources[0].span),
            Origin::Source(_)
        ));
    }

    #[test]
    fn questions_point_at_the_unknown_spans_or_the_resource() {
        let (model, sources) = setup();
        let rule = crate::assumptions::rule("auth.mfa-required").unwrap();
        let unknown = Outcome::unknown(Cause::Variable, "var.x");
        let f = Finding::new(0, unknown.clone(), "?").at(Span::new(FileId(0), 33..45));
        let d = Decision {
            status: crate::assumptions::Status::NeedsClarification,
            holds: None,
            subjects: vec![
                subject(0, unknown.clone(), vec![f]),
                subject(1, unknown, Vec::new()),
            ],
            open: vec![0, 1],
            answers: Default::default(),
            inconsistent: Vec::new(),
            account_question: None,
        };
        let qs = questions(rule, &Locator::new(&model, &sources), &d);
        assert_eq!(qs.len(), 2);
        assert_eq!(qs[0].cause, Cause::Variable);
        assert_eq!(qs[0].resources[0].origin.short(), "main.tf:2");
        assert!(qs[0].text.contains("`aws_s3_bucket.a`"), "{}", qs[0].text);
        assert_eq!(qs[1].resources[0].resource, "aws_s3_bucket.b");
        assert!(matches!(qs[1].resources[0].origin, Origin::Plan { .. }));
    }
}
