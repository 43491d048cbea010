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
///
/// A sentence says only what the code proves: the rule gives a lead that names no particular
/// kind of resource, and the facts that follow are the checks' own findings for the subjects
/// that exist (`automated backups are kept 1 day, less than the 7 days required`), so a
/// suggestion never speaks of endpoints a tree does not have, nor says "cannot be restored"
/// where backups exist with a short retention. A sentence settled by answers cites only the
/// answers that say what it says.
pub fn suggest(
    rule: &Rule,
    d: &Decision,
    doc: &[DocRef],
    evidence: &[Evidence],
    answer_cites: Vec<(Origin, Option<bool>)>,
) -> Vec<DocSuggestion> {
    let mut out = Vec::new();
    let text_for = |holds: bool| {
        let (lead, outcome) = if holds {
            (&rule.suggestion.holds, Verdict::Pass)
        } else {
            (&rule.suggestion.fails, Verdict::Fail)
        };
        (with_facts(lead, evidence, outcome), cite(evidence, outcome))
    };
    let settled_holds = match d.status {
        Status::Verified => Some(true),
        Status::Invalid => Some(false),
        Status::Answered => d.holds,
        _ => None,
    };
    if let (Some(h), true) = (settled_holds, doc.is_empty()) {
        let (text, cites) = if d.status == Status::Answered {
            // The code did not settle it: the sentence is the rule's lead, backed by the
            // answers that say the same (never one that says the opposite).
            let cites: Vec<Origin> = answer_cites
                .into_iter()
                .filter(|(_, holds)| *holds == Some(h))
                .map(|(origin, _)| origin)
                .collect();
            let lead = if h {
                &rule.suggestion.holds
            } else {
                &rule.suggestion.fails
            };
            (lead.clone(), cites)
        } else {
            let outcome = if h { Verdict::Pass } else { Verdict::Fail };
            if !evidence.iter().any(|e| e.outcome == outcome) {
                // Nothing in the code to say it of (no endpoint, no store): no sentence.
                return out;
            }
            text_for(h)
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

/// How many distinct facts, and subjects per fact, a sentence names before it says "and N more".
const FACTS_SHOWN: usize = 4;
const SUBJECTS_SHOWN: usize = 3;
const FACTS_PER_SUBJECT: usize = 2;
/// A fact longer than this is cut at its first colon: what follows repeats the consequence
/// the rule's lead already says.
const FACT_CHARS: usize = 100;

/// The lead, and for a failing control what the code shows: each distinct finding once, with
/// the subjects it is about (`` `jobs` and `audit` (point-in-time recovery is not enabled)``).
/// A control that holds needs no list: its lead says it and the citations show where. A
/// finding's trailing parenthesis (the default it came from, the resource that set it) stays in
/// the evidence and is left out of the sentence.
fn with_facts(lead: &str, evidence: &[Evidence], outcome: Verdict) -> String {
    let lead = lead.trim_end_matches('.');
    if outcome != Verdict::Fail {
        return format!("{lead}.");
    }
    let mut facts: std::collections::BTreeMap<String, BTreeSet<&str>> = Default::default();
    for e in evidence.iter().filter(|e| e.outcome == outcome) {
        let fact = fact_of(&e.detail);
        if !fact.is_empty() {
            facts.entry(fact).or_default().insert(e.resource.as_str());
        }
    }
    if facts.is_empty() {
        return format!("{lead}.");
    }
    // Subjects that share the same findings are named once, with those findings.
    let mut groups: std::collections::BTreeMap<Vec<&str>, Vec<&str>> = Default::default();
    for (fact, subjects) in &facts {
        groups
            .entry(subjects.iter().copied().collect())
            .or_default()
            .push(fact.as_str());
    }
    let mut parts: Vec<String> = groups
        .iter()
        .take(FACTS_SHOWN)
        .map(|(subjects, facts)| {
            let named: Vec<String> = subjects
                .iter()
                .take(SUBJECTS_SHOWN)
                .map(|s| format!("`{s}`"))
                .collect();
            let more = subjects.len().saturating_sub(SUBJECTS_SHOWN);
            let names = match named.len() {
                1 if more == 0 => named[0].clone(),
                _ if more == 0 => format!(
                    "{} and {}",
                    named[..named.len() - 1].join(", "),
                    named[named.len() - 1]
                ),
                _ => format!("{} and {more} more", named.join(", ")),
            };
            let mut said = facts[..facts.len().min(FACTS_PER_SUBJECT)].join("; ");
            if facts.len() > FACTS_PER_SUBJECT {
                said += &format!("; {} more", facts.len() - FACTS_PER_SUBJECT);
            }
            format!("{names} ({said})")
        })
        .collect();
    if groups.len() > FACTS_SHOWN {
        parts.push(format!("{} more", groups.len() - FACTS_SHOWN));
    }
    format!("{lead}. In the code: {}.", parts.join("; "))
}

/// A finding's text as a fact for a sentence: without a trailing parenthesis and full stop.
fn fact_of(detail: &str) -> String {
    let mut t = detail.trim().trim_end_matches('.').trim_end();
    if t.ends_with(')') {
        // The parenthesis that closes at the end: find its opening bracket, counting nesting.
        let mut depth = 0usize;
        for (i, c) in t.char_indices().rev() {
            match c {
                ')' => depth += 1,
                '(' => {
                    depth -= 1;
                    if depth == 0 {
                        if i > 0 {
                            t = t[..i].trim_end();
                        }
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    if t.chars().count() <= FACT_CHARS {
        return t.to_string();
    }
    // A long finding: up to its first colon when that comes early, else its first words.
    if let Some(cut) = t.find(": ").filter(|&c| c <= FACT_CHARS) {
        return t[..cut].to_string();
    }
    let mut end = 0;
    for (i, c) in t.char_indices() {
        if i > FACT_CHARS {
            break;
        }
        if c == ' ' {
            end = i;
        }
    }
    format!("{}…", t[..end].trim_end_matches([',', ';']))
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
            account_question: None,
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
        let s = suggest(
            rule,
            &d,
            &[],
            &ev,
            vec![
                (at("answers.yaml", 7, 3), Some(true)),
                (at("answers.yaml", 12, 3), Some(false)),
            ],
        );
        assert!(s[0].text.ends_with("(answers.yaml:7)."), "{}", s[0].text);
        assert!(s[0]
            .text
            .starts_with(rule.suggestion.holds.trim_end_matches('.')));
    }

    fn detailed(outcome: Verdict, resource: &str, detail: &str, line: u32) -> Evidence {
        Evidence {
            resource: resource.into(),
            detail: detail.into(),
            ..evidence(outcome, at("data.tf", line, 1))
        }
    }

    #[test]
    fn a_sentence_names_what_the_code_shows_and_nothing_it_does_not_have() {
        let rule = crate::assumptions::rule("data.backups").unwrap();
        let d = decision(
            Status::Invalid,
            vec![
                subject(0, Outcome::Fail, None),
                subject(1, Outcome::Pass, None),
            ],
        );
        let ev = vec![
            detailed(
                Verdict::Fail,
                "aws_db_instance.ledger",
                "automated backups are kept 1 day, less than the 7 days required (provider default: 1)",
                4,
            ),
            detailed(Verdict::Pass, "aws_s3_bucket.reports", "versioning is enabled", 9),
        ];
        let s = suggest(rule, &d, &[], &ev, Vec::new());
        let text = &s[0].text;
        // The retention, not "cannot be restored"; no word of tables or buckets that pass.
        assert!(
            text.contains("In the code: `aws_db_instance.ledger` (automated backups are kept 1 day, less than the 7 days required)"),
            "{text}"
        );
        assert!(!text.contains("cannot be restored"), "{text}");
        assert!(
            !text.contains("DynamoDB") && !text.contains("versioning"),
            "{text}"
        );
        assert!(!text.contains("provider default"), "{text}");
        assert!(text.ends_with("(data.tf:4)."), "{text}");
        // Verified with nothing that passes (no store at all): no sentence about stores.
        let d = decision(Status::Verified, Vec::new());
        assert!(suggest(rule, &d, &[], &[], Vec::new()).is_empty());
    }

    #[test]
    fn facts_shared_by_many_subjects_are_said_once_and_counted() {
        let ev: Vec<Evidence> = (0..5)
            .map(|i| {
                detailed(
                    Verdict::Fail,
                    &format!("t{i}"),
                    "point-in-time recovery is not enabled",
                    i,
                )
            })
            .chain([detailed(Verdict::Fail, "u", "x (a (b) c)", 9)])
            .collect();
        let text = with_facts("Lead.", &ev, Verdict::Fail);
        assert_eq!(
            text,
            "Lead. In the code: `t0`, `t1`, `t2` and 2 more (point-in-time recovery is not enabled); `u` (x)."
        );
        // One subject with several findings is named once.
        let ev = vec![
            detailed(Verdict::Fail, "admin", "it can read jobs", 1),
            detailed(Verdict::Fail, "admin", "it can read tenants", 2),
            detailed(Verdict::Fail, "admin", "it can read users", 3),
        ];
        assert_eq!(
            with_facts("Lead", &ev, Verdict::Fail),
            "Lead. In the code: `admin` (it can read jobs; it can read tenants; 1 more)."
        );
        assert_eq!(with_facts("Lead.", &ev, Verdict::Pass), "Lead.");
        assert_eq!(fact_of("(only a parenthesis)"), "(only a parenthesis)");
        let long = "one key serves every tenant's items and neither its key policy nor the IAM policies of many roles require a context";
        let cut = fact_of(long);
        assert!(
            cut.ends_with('…') && cut.chars().count() <= FACT_CHARS + 1,
            "{cut}"
        );
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
