//! One assumption's status, from its checks' findings, the document's claims and the answers,
//! in the order `docs/catalog.md` gives ("Deciding a status").

use crate::assumptions::{Rule, Scope, Status};
use crate::checks::{Finding, Outcome};
use crate::claims::Polarity;
use std::collections::{BTreeMap, BTreeSet};

/// What an assumption is about: a resource, or (for an account-scoped rule with nothing
/// declared) a whole deployment unit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    Resource(usize),
    Unit(String),
}

/// A claim of the document, with the subjects it covers resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedClaim {
    /// Index into the report's claims for this rule.
    pub index: usize,
    pub polarity: Polarity,
    /// `None`: about the system as a whole; otherwise the resources its named components match.
    pub covers: Option<BTreeSet<usize>>,
    /// The resources a claim about the whole system carves out ("every function but the admin
    /// function"): it says nothing about them.
    pub excludes: BTreeSet<usize>,
}

/// An answer that applies to this rule: to every subject, or to the subject with one
/// question id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedAnswer {
    /// Index into the answers file's entries.
    pub index: usize,
    pub holds: bool,
    /// `None`: answers the assumption as a whole.
    pub question: Option<String>,
}

/// The combined outcome for one subject.
#[derive(Debug, Clone)]
pub struct SubjectOutcome {
    pub subject: Subject,
    pub question_id: String,
    pub outcome: Outcome,
    pub findings: Vec<Finding>,
    /// The claim polarity that covers it (named components beat the system as a whole), if
    /// the document is consistent about it.
    pub claim: Option<Polarity>,
    /// The claims that give it that polarity.
    pub claims: Vec<usize>,
    /// The answer that covers it, if any.
    pub answer: Option<usize>,
}

/// How the answers file met this rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerUse {
    /// Answers that settled an open subject.
    pub applied: BTreeSet<usize>,
    /// Answers the code disagrees with: the code wins.
    pub conflicting: BTreeSet<usize>,
    /// Answers for subjects the code now settles the same way.
    pub stale: BTreeSet<usize>,
    /// Question answers that name one of this rule's subjects (the others belong to other
    /// rules, or to no current question).
    pub matched: BTreeSet<usize>,
}

/// The decision for one rule.
#[derive(Debug, Clone)]
pub struct Decision {
    pub status: Status,
    /// For `doc_only` and `answered`: whether what settled it says the assumption holds.
    pub holds: Option<bool>,
    pub subjects: Vec<SubjectOutcome>,
    /// Subjects that become questions (indices into `subjects`).
    pub open: Vec<usize>,
    pub answers: AnswerUse,
    /// Pairs of claim indices that disagree about the same subjects.
    pub inconsistent: Vec<(usize, usize)>,
    /// When the subjects are several deployments of one system with nothing declared for an
    /// account-level control: the id of the one question about the account behind them all.
    pub account_question: Option<String>,
}

/// Decides one rule. `question_id` gives each subject's stable question id;
/// `account_question` the id of the one question an account-level rule asks about a system of
/// several deployments.
pub fn decide(
    rule: &Rule,
    findings: Vec<Finding>,
    units: &[String],
    claims: &[ScopedClaim],
    answers: &[ScopedAnswer],
    question_id: &dyn Fn(&Subject) -> String,
    account_question: &str,
) -> Decision {
    let mut by_subject: BTreeMap<Subject, Vec<Finding>> = BTreeMap::new();
    for f in findings {
        by_subject
            .entry(Subject::Resource(f.subject))
            .or_default()
            .push(f);
    }
    if by_subject.is_empty() && rule.scope == Scope::Account {
        for u in units {
            by_subject.insert(Subject::Unit(u.clone()), Vec::new());
        }
    }

    let (claim_of, inconsistent) = claim_polarities(claims, by_subject.keys());

    let mut subjects: Vec<SubjectOutcome> = by_subject
        .into_iter()
        .map(|(subject, mut findings)| {
            findings.sort_by(crate::checks::ranked::rank);
            findings.dedup();
            let outcome = if findings.is_empty() {
                Outcome::unknown(
                    crate::checks::Cause::AccountLevel,
                    "nothing in this deployment declares it",
                )
            } else {
                findings
                    .iter()
                    .map(|f| f.outcome.clone())
                    .reduce(Outcome::worst)
                    .unwrap_or(Outcome::Pass)
            };
            let findings = bounded(findings);
            let (claim, claims) = match claim_of.get(&subject) {
                Some((p, c)) => (Some(*p), c.clone()),
                None => (None, Vec::new()),
            };
            SubjectOutcome {
                question_id: question_id(&subject),
                claim,
                claims,
                subject,
                outcome,
                findings,
                answer: None,
            }
        })
        .collect();

    // The account-level subjects of a system of several deployments share one question: the
    // account behind them is asked about once, and an answer to it covers each deployment. An
    // answer to one deployment's own question (as vouch asked before) still covers that one.
    let grouped = subjects
        .iter()
        .filter(|s| matches!(s.subject, Subject::Unit(_)))
        .count()
        > 1;
    let account_question = grouped.then(|| account_question.to_string());

    // Answers: a question answer beats an assumption-wide one; the later entry in the file wins.
    let mut use_ = AnswerUse::default();
    let question_ids: BTreeMap<&str, usize> = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| (s.question_id.as_str(), i))
        .collect();
    let mut per_subject: BTreeMap<usize, &ScopedAnswer> = BTreeMap::new();
    let mut whole: Option<&ScopedAnswer> = None;
    let mut group: Option<&ScopedAnswer> = None;
    for a in answers {
        match &a.question {
            Some(q) if account_question.as_ref() == Some(q) => {
                use_.matched.insert(a.index);
                if let Some(prev) = group.replace(a) {
                    use_.stale.insert(prev.index);
                }
            }
            Some(q) => {
                if let Some(&i) = question_ids.get(q.as_str()) {
                    use_.matched.insert(a.index);
                    if let Some(prev) = per_subject.insert(i, a) {
                        use_.stale.insert(prev.index);
                    }
                }
            }
            None => {
                if let Some(prev) = whole.replace(a) {
                    use_.stale.insert(prev.index);
                }
            }
        }
    }
    let mut whole_used = None::<bool>;
    for (i, s) in subjects.iter_mut().enumerate() {
        let of_group = group.filter(|_| matches!(s.subject, Subject::Unit(_)));
        let Some(a) = per_subject.get(&i).copied().or(of_group).or(whole) else {
            continue;
        };
        let per_question = per_subject.contains_key(&i) || of_group.is_some();
        match &s.outcome {
            Outcome::Unknown { .. } => {
                s.answer = Some(a.index);
                use_.applied.insert(a.index);
                if !per_question {
                    whole_used = Some(true);
                }
            }
            settled => {
                let code_holds = matches!(settled, Outcome::Pass);
                if code_holds != a.holds {
                    use_.conflicting.insert(a.index);
                    if !per_question {
                        whole_used = Some(true);
                    }
                } else if per_question {
                    use_.stale.insert(a.index);
                } else if whole_used.is_none() {
                    whole_used = Some(false);
                }
            }
        }
    }
    if let (Some(a), Some(false) | None) = (whole, whole_used) {
        // An assumption-wide answer that neither settled nor conflicted with anything: the
        // code settles every subject the same way, or there is nothing to answer.
        if !use_.applied.contains(&a.index) && !use_.conflicting.contains(&a.index) {
            use_.stale.insert(a.index);
        }
    }
    if let Some(a) = group {
        // Every deployment answered on its own: the one question was not needed.
        if !use_.applied.contains(&a.index) && !use_.conflicting.contains(&a.index) {
            use_.stale.insert(a.index);
        }
    }
    for idx in use_.applied.clone() {
        use_.stale.remove(&idx);
    }

    let answer_holds = |idx: usize| answers.iter().find(|a| a.index == idx).map(|a| a.holds);

    let any_fail = subjects.iter().any(|s| s.outcome == Outcome::Fail);
    let unknown: Vec<usize> = subjects
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.outcome, Outcome::Unknown { .. }))
        .map(|(i, _)| i)
        .collect();

    let mut open = Vec::new();
    let mut holds = None;
    let status = if subjects.is_empty() {
        Status::NotApplicable
    } else if any_fail {
        let doc_says_holds = subjects
            .iter()
            .any(|s| s.outcome == Outcome::Fail && s.claim == Some(Polarity::Holds));
        if doc_says_holds {
            Status::Contradicted
        } else {
            Status::Invalid
        }
    } else if unknown.is_empty() {
        if subjects.iter().any(|s| s.claim == Some(Polarity::Fails)) {
            Status::Contradicted
        } else {
            Status::Verified
        }
    } else if unknown.iter().all(|&i| subjects[i].answer.is_some()) {
        holds = Some(
            unknown
                .iter()
                .all(|&i| subjects[i].answer.and_then(answer_holds) == Some(true)),
        );
        Status::Answered
    } else if unknown
        .iter()
        .all(|&i| subjects[i].answer.is_some() || subjects[i].claim.is_some())
    {
        let answered_false = unknown
            .iter()
            .any(|&i| subjects[i].answer.and_then(answer_holds) == Some(false));
        let claims_fail = unknown
            .iter()
            .any(|&i| subjects[i].answer.is_none() && subjects[i].claim == Some(Polarity::Fails));
        holds = Some(!(answered_false || claims_fail));
        Status::DocOnly
    } else {
        open = unknown
            .iter()
            .copied()
            .filter(|&i| subjects[i].answer.is_none() && subjects[i].claim.is_none())
            .collect();
        Status::NeedsClarification
    };

    Decision {
        status,
        holds,
        subjects,
        open,
        answers: use_,
        inconsistent,
        account_question,
    }
}

use crate::checks::ranked::MAX_FINDINGS_PER_OUTCOME;

/// The first [`MAX_FINDINGS_PER_OUTCOME`] findings of each outcome, in rank order, then one
/// summary per outcome of those left out: the ones given here and the ones a check counted
/// without writing them (`Finding::more` of the first it left out, which ranks after its own
/// kept findings, hence is never kept here either).
fn bounded(findings: Vec<Finding>) -> Vec<Finding> {
    let mut kept = Vec::new();
    let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut omitted: BTreeMap<&'static str, (usize, Finding)> = BTreeMap::new();
    for f in findings {
        let n = seen.entry(f.outcome.name()).or_default();
        *n += 1;
        let more = f.more;
        if *n <= MAX_FINDINGS_PER_OUTCOME {
            debug_assert_eq!(more, 0, "a check counted findings that rank among the kept");
            kept.push(f);
        } else {
            omitted.entry(f.outcome.name()).or_insert((0, f)).0 += 1 + more;
        }
    }
    for (name, (n, first)) in omitted {
        let mut summary = Finding::new(
            first.subject,
            first.outcome.clone(),
            format!("and {n} more {name} findings about this resource like those above (`vouch access` lists every principal)"),
        );
        summary.evidence = first.evidence.into_iter().take(1).collect();
        kept.push(summary);
    }
    kept
}

/// Each subject's claim polarity and the claims that give it.
type ClaimsBySubject = BTreeMap<Subject, (Polarity, Vec<usize>)>;

/// For each subject, the polarity of the claims covering it: claims naming its component beat
/// claims about the whole system; two claims of opposite polarity at the same level cancel out
/// and are reported as an inconsistency of the document.
fn claim_polarities<'s>(
    claims: &[ScopedClaim],
    subjects: impl Iterator<Item = &'s Subject>,
) -> (ClaimsBySubject, Vec<(usize, usize)>) {
    let mut out = BTreeMap::new();
    let mut inconsistent = BTreeSet::new();
    for subject in subjects {
        let named: Vec<&ScopedClaim> = claims
            .iter()
            .filter(|c| match (&c.covers, subject) {
                (Some(set), Subject::Resource(r)) => set.contains(r),
                _ => false,
            })
            .collect();
        let level: Vec<&ScopedClaim> = if named.is_empty() {
            claims
                .iter()
                .filter(|c| c.covers.is_none())
                .filter(|c| !matches!(subject, Subject::Resource(r) if c.excludes.contains(r)))
                .collect()
        } else {
            named
        };
        let first_holds = level.iter().find(|c| c.polarity == Polarity::Holds);
        let first_fails = level.iter().find(|c| c.polarity == Polarity::Fails);
        match (first_holds, first_fails) {
            (Some(h), Some(f)) => {
                inconsistent.insert((h.index.min(f.index), h.index.max(f.index)));
            }
            (Some(_), None) | (None, Some(_)) => {
                let p = level[0].polarity;
                out.insert(
                    subject.clone(),
                    (p, level.iter().map(|c| c.index).collect()),
                );
            }
            (None, None) => {}
        }
    }
    (out, inconsistent.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Cause;

    fn rule(id: &str) -> &'static Rule {
        crate::assumptions::rule(id).unwrap()
    }

    fn pass(s: usize) -> Finding {
        Finding::pass(s, "ok")
    }
    fn fail(s: usize) -> Finding {
        Finding::fail(s, "bad")
    }
    fn open(s: usize) -> Finding {
        Finding::new(s, Outcome::unknown(Cause::Variable, "var.x"), "?")
    }

    fn claim(index: usize, polarity: Polarity, covers: Option<&[usize]>) -> ScopedClaim {
        ScopedClaim {
            index,
            polarity,
            covers: covers.map(|c| c.iter().copied().collect()),
            excludes: BTreeSet::new(),
        }
    }

    #[test]
    fn a_claim_about_all_but_some_says_nothing_of_those() {
        let mut all_but_1 = claim(0, Polarity::Holds, None);
        all_but_1.excludes.insert(1);
        let subjects = [Subject::Resource(0), Subject::Resource(1)];
        let (by_subject, inconsistent) = claim_polarities(&[all_but_1], subjects.iter());
        assert!(inconsistent.is_empty());
        assert_eq!(
            by_subject.get(&subjects[0]).map(|x| x.0),
            Some(Polarity::Holds)
        );
        assert_eq!(by_subject.get(&subjects[1]), None);
    }

    fn qid(s: &Subject) -> String {
        format!("q-{s:?}")
    }

    fn run(findings: Vec<Finding>, claims: &[ScopedClaim], answers: &[ScopedAnswer]) -> Decision {
        decide(
            rule("auth.mfa-required"),
            findings,
            &[],
            claims,
            answers,
            &qid,
            "q-account",
        )
    }

    use Polarity::{Fails, Holds};

    #[test]
    fn a_failure_is_invalid_or_contradicted_when_the_doc_claims_it_holds() {
        assert_eq!(
            run(vec![pass(0), fail(1)], &[], &[]).status,
            Status::Invalid
        );
        let d = run(
            vec![pass(0), fail(1), open(2)],
            &[claim(0, Holds, None)],
            &[],
        );
        assert_eq!(d.status, Status::Contradicted);
        // A claim about another component does not contradict the failing one.
        let d = run(vec![pass(0), fail(1)], &[claim(0, Holds, Some(&[0]))], &[]);
        assert_eq!(d.status, Status::Invalid);
    }

    #[test]
    fn all_passing_is_verified_or_contradicted_by_a_negative_claim() {
        assert_eq!(
            run(vec![pass(0), pass(1)], &[], &[]).status,
            Status::Verified
        );
        let d = run(vec![pass(0)], &[claim(0, Fails, None)], &[]);
        assert_eq!(d.status, Status::Contradicted);
    }

    #[test]
    fn open_subjects_are_answered_then_doc_only_then_questions() {
        let yes = ScopedAnswer {
            index: 0,
            holds: true,
            question: None,
        };
        let d = run(vec![pass(0), open(1)], &[], std::slice::from_ref(&yes));
        assert_eq!((d.status, d.holds), (Status::Answered, Some(true)));
        assert!(d.answers.applied.contains(&0));

        let d = run(vec![open(1)], &[claim(0, Fails, None)], &[]);
        assert_eq!((d.status, d.holds), (Status::DocOnly, Some(false)));

        // One open subject answered by its question, the other covered by a named claim.
        let by_question = ScopedAnswer {
            index: 3,
            holds: true,
            question: Some("q-Resource(1)".into()),
        };
        let d = run(
            vec![open(1), open(2)],
            &[claim(0, Holds, Some(&[2]))],
            &[by_question],
        );
        assert_eq!((d.status, d.holds), (Status::DocOnly, Some(true)));

        // Nothing covers subject 2: one question, for it alone.
        let d = run(vec![open(1), open(2)], &[claim(0, Holds, Some(&[1]))], &[]);
        assert_eq!(d.status, Status::NeedsClarification);
        assert_eq!(d.open.len(), 1);
        assert_eq!(d.subjects[d.open[0]].subject, Subject::Resource(2));
    }

    #[test]
    fn named_claims_beat_system_wide_ones_and_disagreement_cancels() {
        let d = run(
            vec![open(1), open(2)],
            &[claim(0, Holds, None), claim(1, Fails, Some(&[2]))],
            &[],
        );
        assert_eq!(d.subjects[0].claim, Some(Holds));
        assert_eq!(d.subjects[1].claim, Some(Fails));
        assert!(d.inconsistent.is_empty());

        let d = run(
            vec![open(1)],
            &[claim(0, Holds, None), claim(1, Fails, None)],
            &[],
        );
        assert_eq!(d.subjects[0].claim, None);
        assert_eq!(d.inconsistent, vec![(0, 1)]);
        assert_eq!(d.status, Status::NeedsClarification);
    }

    #[test]
    fn the_code_wins_over_an_answer_and_says_so() {
        let yes = ScopedAnswer {
            index: 0,
            holds: true,
            question: None,
        };
        let d = run(vec![fail(1)], &[], &[yes]);
        assert_eq!(d.status, Status::Invalid);
        assert!(d.answers.conflicting.contains(&0));
        // An answer for a question of another rule is not this rule's business.
        let other = ScopedAnswer {
            index: 1,
            holds: false,
            question: Some("q-elsewhere".into()),
        };
        let d = run(vec![open(1)], &[], &[other]);
        assert_eq!(d.status, Status::NeedsClarification);
        assert!(d.answers.matched.is_empty() && d.answers.stale.is_empty());
    }

    #[test]
    fn a_subject_keeps_a_bounded_number_of_findings_per_outcome() {
        let many: Vec<Finding> = (0..40)
            .map(|i| Finding::fail(1, format!("principal {i:02} reads it")))
            .chain((0..3).map(|i| Finding::pass(1, format!("ok {i}"))))
            .collect();
        let d = run(many, &[], &[]);
        let f = &d.subjects[0].findings;
        assert_eq!(d.status, Status::Invalid);
        assert_eq!(f.iter().filter(|f| f.outcome == Outcome::Fail).count(), 13);
        assert_eq!(f.iter().filter(|f| f.outcome == Outcome::Pass).count(), 3);
        assert!(f
            .iter()
            .any(|f| f.detail.starts_with("and 28 more fail findings")));
    }

    #[test]
    fn findings_a_check_counted_without_writing_them_join_the_summary() {
        // What the previous test's 40 failures become when a check writes only the first 13.
        let mut written: Vec<Finding> = (0..13)
            .map(|i| Finding::fail(1, format!("principal {i:02} reads it")))
            .chain((0..3).map(|i| Finding::pass(1, format!("ok {i}"))))
            .collect();
        written[12].more = 27;
        let d = run(written, &[], &[]);
        let f = &d.subjects[0].findings;
        assert_eq!(f.iter().filter(|f| f.outcome == Outcome::Fail).count(), 13);
        let summary = f
            .iter()
            .find(|f| f.detail.starts_with("and "))
            .expect("a summary");
        assert!(
            summary
                .detail
                .starts_with("and 28 more fail findings about this resource"),
            "{}",
            summary.detail
        );
        assert_eq!(summary.more, 0);
    }

    #[test]
    fn nothing_in_scope_depends_on_the_rule_scope() {
        assert_eq!(run(vec![], &[], &[]).status, Status::NotApplicable);
        let units = vec!["prod".to_string(), "staging".to_string()];
        let d = decide(
            rule("log.audit-trail"),
            vec![],
            &units,
            &[],
            &[],
            &qid,
            "q-account",
        );
        assert_eq!(d.status, Status::NeedsClarification);
        assert_eq!(d.account_question.as_deref(), Some("q-account"));
        assert_eq!(
            d.open
                .iter()
                .map(|&i| d.subjects[i].subject.clone())
                .collect::<Vec<_>>(),
            vec![
                Subject::Unit("prod".into()),
                Subject::Unit("staging".into())
            ]
        );
    }

    #[test]
    fn one_answer_covers_every_deployment_and_an_old_per_deployment_answer_still_counts() {
        let units = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let answer = |index, holds, q: &str| ScopedAnswer {
            index,
            holds,
            question: Some(q.to_string()),
        };
        let run = |answers: &[ScopedAnswer]| {
            decide(
                rule("log.audit-trail"),
                vec![],
                &units,
                &[],
                answers,
                &qid,
                "q-account",
            )
        };
        // The one question answered: every deployment is settled by it.
        let d = run(&[answer(0, true, "q-account")]);
        assert_eq!((d.status, d.holds), (Status::Answered, Some(true)));
        assert!(d.subjects.iter().all(|s| s.answer == Some(0)));
        // A per-deployment answer from before beats it for its deployment.
        let old = qid(&Subject::Unit("b".into()));
        let d = run(&[answer(0, true, "q-account"), answer(1, false, &old)]);
        assert_eq!((d.status, d.holds), (Status::Answered, Some(false)));
        assert_eq!(d.subjects[1].answer, Some(1));
        // Old answers alone leave the rest open, still as one question.
        let d = run(&[answer(1, true, &old)]);
        assert_eq!(d.status, Status::NeedsClarification);
        assert_eq!(d.open, [0, 2]);
        // Every deployment answered on its own: the one answer was not needed.
        let all: Vec<ScopedAnswer> = units
            .iter()
            .enumerate()
            .map(|(i, u)| answer(i + 1, true, &qid(&Subject::Unit(u.clone()))))
            .chain([answer(0, true, "q-account")])
            .collect();
        let d = run(&all);
        assert_eq!(d.status, Status::Answered);
        assert!(d.answers.stale.contains(&0));
        // One deployment alone keeps its own question.
        let one = decide(
            rule("log.audit-trail"),
            vec![],
            &units[..1],
            &[],
            &[],
            &qid,
            "q-account",
        );
        assert_eq!(one.account_question, None);
    }
}
