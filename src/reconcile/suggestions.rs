//! The document side of a decision: the claims as the report cites them (marking those the
//! code contradicts), the pairs of claims that disagree, and the sentences the document is
//! missing or gets wrong.

use super::decide::Decision;
use super::report::{DocRef, DocSuggestion, Evidence, Inconsistency, SuggestionKind, Verdict};
use crate::assumptions::{Rule, Status};
use crate::checks::Outcome;
use crate::claims::{Claim, Polarity};
use crate::source::Origin;
use std::collections::BTreeSet;

/// The claims (by index) that the code contradicts: those covering a failing subject while
/// saying the assumption holds, or (when every subject passes) saying it fails.
pub fn contradicting(d: &Decision) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    if d.status != Status::Contradicted {
        return out;
    }
    let any_fail = d.subjects.iter().any(|s| s.outcome == Outcome::Fail);
    for s in &d.subjects {
        let applies = if any_fail {
            s.outcome == Outcome::Fail && s.claim == Some(Polarity::Holds)
        } else {
            s.claim == Some(Polarity::Fails)
        };
        if applies {
            out.extend(s.claims.iter().copied());
        }
    }
    out
}

/// The claims as the report cites them, each at the origin `locate` gives.
pub fn doc_refs(claims: &[Claim], d: &Decision, locate: &dyn Fn(&Claim) -> Origin) -> Vec<DocRef> {
    let wrong = contradicting(d);
    claims
        .iter()
        .enumerate()
        .map(|(i, c)| DocRef {
            contradicted: wrong.contains(&i),
            origin: locate(c),
            text: c.text.clone(),
            polarity: c.polarity,
            components: c.components.clone(),
            matched: c.matched.clone(),
        })
        .collect()
}

/// The pairs of claims that disagree about the same subjects.
pub fn inconsistencies(rule: &Rule, d: &Decision, doc: &[DocRef]) -> Vec<Inconsistency> {
    d.inconsistent
        .iter()
        .map(|&(a, b)| Inconsistency {
            assumption: rule.id.clone(),
            claims: vec![doc[a].clone(), doc[b].clone()],
        })
        .collect()
}

/// The locations of the evidence with one outcome, one per `file:line`, sorted as the text
/// shows them.
fn cite(evidence: &[Evidence], outcome: Verdict) -> Vec<Origin> {
    let mut v: Vec<Origin> = evidence
        .iter()
        .filter(|e| e.outcome == outcome)
        .filter_map(|e| e.place.0.clone())
        .collect();
    v.sort_by(|a, b| a.short().cmp(&b.short()).then(a.cmp(b)));
    v.dedup_by(|a, b| a.short() == b.short());
    v
}

/// Sentences for the document: `add` when code or answers settle an assumption the document
/// does not mention (citing the answers when they settled it), `correct` when the code
/// contradicts it.
pub fn suggest(
    rule: &Rule,
    d: &Decision,
    doc: &[DocRef],
    evidence: &[Evidence],
    answer_cites: Vec<Origin>,
) -> Vec<DocSuggestion> {
    let mut out = Vec::new();
    let text_for = |holds: bool| {
        if holds {
            (rule.suggestion.holds.clone(), cite(evidence, Verdict::Pass))
        } else {
            (rule.suggestion.fails.clone(), cite(evidence, Verdict::Fail))
        }
    };
    let settled_holds = match d.status {
        Status::Verified => Some(true),
        Status::Invalid => Some(false),
        Status::Answered => d.holds,
        _ => None,
    };
    if let (Some(h), true) = (settled_holds, doc.is_empty()) {
        let (text, cites) = text_for(h);
        let cites = if d.status == Status::Answered {
            answer_cites
        } else {
            cites
        };
        out.push(DocSuggestion {
            assumption: rule.id.clone(),
            kind: SuggestionKind::Add,
            text: with_evidence(&text, &cites),
            evidence: cites,
            replaces: Vec::new(),
        });
    }
    if d.status == Status::Contradicted {
        let code_holds = !d.subjects.iter().any(|s| s.outcome == Outcome::Fail);
        let (text, cites) = text_for(code_holds);
        out.push(DocSuggestion {
            assumption: rule.id.clone(),
            kind: SuggestionKind::Correct,
            text: with_evidence(&text, &cites),
            evidence: cites,
            replaces: doc.iter().filter(|c| c.contradicted).cloned().collect(),
        });
    }
    out
}

/// The sentence with up to six `file:line` citations in brackets.
fn with_evidence(text: &str, cites: &[Origin]) -> String {
    if cites.is_empty() {
        return text.to_string();
    }
    let shown: Vec<String> = cites.iter().take(6).map(Origin::short).collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::decide::{Subject, SubjectOutcome};
    use crate::reconcile::report::Place;
    use crate::source::Region;

    fn at(file: &str, line: u32, column: u32) -> Origin {
        Origin::Source(Region {
            file: file.into(),
            line,
            column,
            end_line: line,
            end_column: column + 1,
        })
    }

    fn subject(i: usize, outcome: Outcome, claim: Option<Polarity>) -> SubjectOutcome {
        SubjectOutcome {
            subject: Subject::Resource(i),
            question_id: String::new(),
            outcome,
            findings: Vec::new(),
            claim,
            claims: vec![i],
            answer: None,
        }
    }

    fn decision(status: Status, subjects: Vec<SubjectOutcome>) -> Decision {
        Decision {
            status,
            holds: None,
            subjects,
            open: Vec::new(),
            answers: Default::default(),
            inconsistent: Vec::new(),
        }
    }

    fn evidence(outcome: Verdict, place: Origin) -> Evidence {
        Evidence {
            resource: "r".into(),
            unit: ".".into(),
            place: Place(Some(place)),
            outcome,
            detail: String::new(),
            cause: None,
            reason: None,
            related: Vec::new(),
            waiver: None,
        }
    }

    #[test]
    fn only_claims_saying_a_failing_subject_holds_are_contradicted() {
        let d = decision(
            Status::Contradicted,
            vec![
                subject(0, Outcome::Fail, Some(Polarity::Holds)),
                subject(1, Outcome::Pass, Some(Polarity::Holds)),
                subject(2, Outcome::Fail, Some(Polarity::Fails)),
            ],
        );
        assert_eq!(contradicting(&d), BTreeSet::from([0]));
        let d = decision(
            Status::Contradicted,
            vec![
                subject(0, Outcome::Pass, Some(Polarity::Fails)),
                subject(1, Outcome::Pass, Some(Polarity::Holds)),
            ],
        );
        assert_eq!(contradicting(&d), BTreeSet::from([0]));
        let d = decision(
            Status::Invalid,
            vec![subject(0, Outcome::Fail, Some(Polarity::Holds))],
        );
        assert!(contradicting(&d).is_empty());
    }

    #[test]
    fn an_undocumented_settled_rule_gets_a_sentence_citing_one_place_per_line() {
        let rule = crate::assumptions::rule("auth.mfa-required").unwrap();
        let d = decision(Status::Invalid, vec![subject(0, Outcome::Fail, None)]);
        let ev = vec![
            evidence(Verdict::Fail, at("b.tf", 4, 3)),
            evidence(Verdict::Fail, at("a.tf", 2, 1)),
            evidence(Verdict::Fail, at("a.tf", 2, 9)),
            evidence(Verdict::Pass, at("c.tf", 1, 1)),
        ];
        let s = suggest(rule, &d, &[], &ev, Vec::new());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].kind, SuggestionKind::Add);
        let cited: Vec<String> = s[0].evidence.iter().map(Origin::short).collect();
        assert_eq!(cited, ["a.tf:2", "b.tf:4"]);
        assert!(s[0].text.ends_with("(a.tf:2, b.tf:4)."), "{}", s[0].text);
        // An answered rule cites the answers instead.
        let mut d = decision(Status::Answered, Vec::new());
        d.holds = Some(true);
        let s = suggest(rule, &d, &[], &ev, vec![at("answers.yaml", 7, 3)]);
        assert!(s[0].text.ends_with("(answers.yaml:7)."), "{}", s[0].text);
    }

    #[test]
    fn a_contradicted_rule_gets_a_correction_replacing_the_wrong_sentences() {
        let rule = crate::assumptions::rule("auth.mfa-required").unwrap();
        let d = decision(
            Status::Contradicted,
            vec![subject(0, Outcome::Fail, Some(Polarity::Holds))],
        );
        let claims = vec![Claim {
            polarity: Polarity::Holds,
            path: "doc.md".into(),
            line: 3,
            text: "MFA is required.".into(),
            components: Vec::new(),
            mentions: Vec::new(),
            excluded: Vec::new(),
            matched: String::new(),
        }];
        let doc = doc_refs(&claims, &d, &|c| at(&c.path, c.line, 1));
        assert!(doc[0].contradicted);
        let ev = vec![evidence(Verdict::Fail, at("a.tf", 2, 1))];
        let s = suggest(rule, &d, &doc, &ev, Vec::new());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].kind, SuggestionKind::Correct);
        assert_eq!(s[0].replaces, doc);
        assert!(s[0]
            .text
            .starts_with(rule.suggestion.fails.trim_end_matches('.')));
    }
}
