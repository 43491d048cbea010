//! The answers file as the engine meets it: which entries apply to a rule, and, once every rule
//! is decided, which were applied, overruled by the code, or are stale.

use super::decide::{AnswerUse, ScopedAnswer};
use super::report::{AnswerRef, AnswersReport};
use super::AnswerEntry;
use crate::assumptions::Rule;
use crate::source::Origin;
use std::collections::BTreeSet;

/// The answered entries that apply to `rule`: every question answer (decide matches the id),
/// and the assumption answers naming the rule or one of its aliases.
pub fn scoped(rule: &Rule, answers: &[AnswerEntry]) -> Vec<ScopedAnswer> {
    let names: BTreeSet<&str> = std::iter::once(rule.id.as_str())
        .chain(rule.aliases.iter().map(String::as_str))
        .collect();
    answers
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
        .collect()
}

/// How the answers met every rule, gathered rule by rule.
#[derive(Debug, Default)]
pub struct Ledger {
    applied: BTreeSet<usize>,
    conflicting: BTreeSet<usize>,
    stale: BTreeSet<usize>,
    matched: BTreeSet<usize>,
}

impl Ledger {
    pub fn record(&mut self, used: &AnswerUse) {
        self.applied.extend(&used.applied);
        self.conflicting.extend(&used.conflicting);
        self.stale.extend(&used.stale);
        self.matched.extend(&used.matched);
    }

    /// The answers section. Stale also takes the answers no rule recognised (a question id that
    /// no longer exists, an unknown assumption); an answer applied or overruled anywhere is not
    /// stale.
    pub fn finish(
        mut self,
        answers: &[AnswerEntry],
        rules: &[&Rule],
        file: Option<String>,
    ) -> AnswersReport {
        for (i, a) in answers.iter().enumerate() {
            if a.holds.is_none() {
                continue;
            }
            let known = match (&a.question, &a.assumption) {
                (Some(_), _) => self.matched.contains(&i),
                (None, Some(id)) => rules.iter().any(|r| &r.id == id || r.aliases.contains(id)),
                _ => false,
            };
            if !known {
                self.stale.insert(i);
            }
        }
        for i in self.applied.iter().chain(&self.conflicting) {
            self.stale.remove(i);
        }
        let refs = |set: &BTreeSet<usize>| set.iter().map(|&i| answer_ref(&answers[i])).collect();
        AnswersReport {
            file,
            applied: refs(&self.applied),
            stale: refs(&self.stale),
            conflicting: refs(&self.conflicting),
        }
    }
}

/// The answers a rule used (applied, then overruled), as the report cites them.
pub fn used(used: &AnswerUse, answers: &[AnswerEntry]) -> Vec<AnswerRef> {
    used.applied
        .iter()
        .chain(&used.conflicting)
        .map(|&i| answer_ref(&answers[i]))
        .collect()
}

/// Where the answers that settled a rule are, with what each says, for the document
/// suggestion (which cites only those that say what it says).
pub fn cites(used: &AnswerUse, answers: &[AnswerEntry]) -> Vec<(Origin, Option<bool>)> {
    used.applied
        .iter()
        .map(|&i| (answers[i].origin.clone(), answers[i].holds))
        .collect()
}

pub fn answer_ref(a: &AnswerEntry) -> AnswerRef {
    AnswerRef {
        origin: a.origin.clone(),
        assumption: a.assumption.clone(),
        question: a.question.clone(),
        holds: a.holds,
        detail: a.detail.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Region;

    fn entry(assumption: Option<&str>, question: Option<&str>, holds: Option<bool>) -> AnswerEntry {
        AnswerEntry {
            assumption: assumption.map(Into::into),
            question: question.map(Into::into),
            holds,
            detail: None,
            origin: Origin::Source(Region {
                file: "answers.yaml".into(),
                line: 1,
                column: 1,
                end_line: 2,
                end_column: 1,
            }),
        }
    }

    #[test]
    fn a_rule_sees_question_answers_and_answers_naming_it() {
        let rule = crate::assumptions::rule("auth.mfa-required").unwrap();
        let answers = vec![
            entry(Some("auth.mfa-required"), None, Some(true)),
            entry(Some("kms.key-rotation"), None, Some(true)),
            entry(None, Some("q-1"), Some(false)),
            entry(Some("auth.mfa-required"), None, None),
        ];
        let got: Vec<(usize, Option<String>)> = scoped(rule, &answers)
            .into_iter()
            .map(|a| (a.index, a.question))
            .collect();
        assert_eq!(got, [(0, None), (2, Some("q-1".into()))]);
    }

    #[test]
    fn unmatched_and_unknown_answers_are_stale_unless_used_elsewhere() {
        let rule = crate::assumptions::rule("auth.mfa-required").unwrap();
        let answers = vec![
            entry(None, Some("q-gone"), Some(true)),
            entry(Some("no.such-rule"), None, Some(true)),
            entry(Some("auth.mfa-required"), None, Some(true)),
            entry(None, Some("q-here"), Some(false)),
            entry(None, Some("q-unanswered"), None),
        ];
        let mut ledger = Ledger::default();
        ledger.record(&AnswerUse {
            applied: BTreeSet::from([2]),
            conflicting: BTreeSet::from([3]),
            stale: BTreeSet::from([2]),
            matched: BTreeSet::from([3]),
        });
        let r = ledger.finish(&answers, &[rule], Some("answers.yaml".into()));
        let q = |v: &[AnswerRef]| -> Vec<Option<String>> {
            v.iter()
                .map(|a| a.question.clone().or(a.assumption.clone()))
                .collect()
        };
        assert_eq!(q(&r.applied), [Some("auth.mfa-required".into())]);
        assert_eq!(q(&r.conflicting), [Some("q-here".into())]);
        assert_eq!(
            q(&r.stale),
            [Some("q-gone".into()), Some("no.such-rule".into())]
        );
    }
}
