//! The order in which a subject's findings are reported, and writing only the findings a report
//! keeps.
//!
//! The report keeps [`MAX_FINDINGS_PER_OUTCOME`] findings of each outcome per subject, ranked
//! failures first, then by detail; the rest are one "and N more" summary built from the first
//! left out (`reconcile::decide`). A check that crosses every principal with every store can
//! have hundreds of thousands of candidates whose details are long sentences: [`write_ranked`]
//! ranks them from their details' parts without writing a detail, then writes the ones kept and
//! the first left out, which carries the count of the others in [`Finding::more`].

use super::{Finding, Outcome};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Findings of one outcome kept per subject; the rest are counted in one summary finding, so
/// that a store reached by thousands of principals gives a readable report (the access table,
/// `vouch access`, lists every pair).
pub const MAX_FINDINGS_PER_OUTCOME: usize = 12;

/// The report's order of a subject's findings: failures first, then by detail.
pub fn rank(a: &Finding, b: &Finding) -> Ordering {
    (b.outcome == Outcome::Fail, &a.detail).cmp(&(a.outcome == Outcome::Fail, &b.detail))
}

/// A finding not written yet: its outcome's name (`Outcome::name`) and its detail as the parts
/// it is the concatenation of.
pub struct Candidate<'a, T> {
    pub outcome: &'static str,
    pub parts: Vec<&'a str>,
    /// What the check needs to write the finding.
    pub item: T,
}

/// The findings about one subject that the report keeps, written by `write`, in the report's
/// order: the first [`MAX_FINDINGS_PER_OUTCOME`] of each outcome, then the first one left out
/// with the number of the others in [`Finding::more`]. `write(c)` must give a finding whose
/// outcome is named `c.outcome` and whose detail is `c.parts` concatenated. Candidates are
/// ranked as [`rank`] ranks their findings (stably, in the order given), and a candidate equal
/// to the one before it is dropped, as the report drops it.
pub fn write_ranked<T>(
    candidates: Vec<Candidate<'_, T>>,
    write: impl Fn(&T) -> Finding,
) -> Vec<Finding> {
    let fails = |c: &Candidate<'_, T>| c.outcome == "fail";
    let mut order: Vec<&Candidate<'_, T>> = candidates.iter().collect();
    order.sort_by(|a, b| {
        fails(b)
            .cmp(&fails(a))
            .then_with(|| cmp_parts(&a.parts, &b.parts))
    });
    let mut out: Vec<Finding> = Vec::new();
    let mut seen: HashMap<&'static str, usize> = HashMap::new();
    // Where the first finding left out of each outcome is in `out`.
    let mut first_left_out: HashMap<&'static str, usize> = HashMap::new();
    let mut previous: Option<(&Candidate<'_, T>, Option<Finding>)> = None;
    for c in order {
        if let Some((p, written)) = &mut previous {
            // Equal findings have equal details: only then is the finding written to compare.
            if fails(p) == fails(c) && cmp_parts(&p.parts, &c.parts) == Ordering::Equal {
                let before = written.get_or_insert_with(|| write(&p.item));
                if *before == write(&c.item) {
                    continue;
                }
            }
        }
        let n = seen.entry(c.outcome).or_default();
        *n += 1;
        let written = if *n <= MAX_FINDINGS_PER_OUTCOME + 1 {
            let f = write(&c.item);
            if *n > MAX_FINDINGS_PER_OUTCOME {
                first_left_out.insert(c.outcome, out.len());
            }
            out.push(f.clone());
            Some(f)
        } else {
            out[first_left_out[c.outcome]].more += 1;
            None
        };
        previous = Some((c, written));
    }
    out
}

/// Compares the concatenations of two lists of parts, without concatenating them.
fn cmp_parts(a: &[&str], b: &[&str]) -> Ordering {
    // The common case: the first parts differ before either ends.
    if let (Some(x), Some(y)) = (a.first(), b.first()) {
        let n = x.len().min(y.len());
        match x.as_bytes()[..n].cmp(&y.as_bytes()[..n]) {
            Ordering::Equal => {}
            decided => return decided,
        }
    }
    a.iter()
        .flat_map(|p| p.bytes())
        .cmp(b.iter().flat_map(|p| p.bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Cause;

    fn finding(outcome: &'static str, detail: &str) -> Finding {
        let outcome = match outcome {
            "fail" => Outcome::Fail,
            "pass" => Outcome::Pass,
            _ => Outcome::unknown(Cause::ApplicationCode, "its code decides"),
        };
        Finding::new(7, outcome, detail)
    }

    /// What the report keeps of every finding written: the reference `write_ranked` must match.
    fn kept_of_all(mut all: Vec<Finding>) -> Vec<(String, String, usize)> {
        all.sort_by(rank);
        all.dedup();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut out: Vec<(String, String, usize)> = Vec::new();
        for f in &all {
            let n = seen.entry(f.outcome.name()).or_default();
            *n += 1;
            if *n <= MAX_FINDINGS_PER_OUTCOME + 1 {
                out.push((f.outcome.name().into(), f.detail.clone(), 0));
            } else {
                let first = out
                    .iter_mut()
                    .filter(|o| o.0 == f.outcome.name())
                    .nth(MAX_FINDINGS_PER_OUTCOME)
                    .unwrap();
                first.2 += 1;
            }
        }
        out
    }

    #[test]
    fn writes_what_the_report_keeps_and_counts_the_rest() {
        // Parts whose concatenations rank otherwise than their first parts do: "a" + "b…" and
        // "a b" + "…", a name that is a prefix of another, and duplicates.
        let mut specs: Vec<(&'static str, Vec<String>)> = Vec::new();
        for i in 0..40 {
            let who = format!("fn{}", i % 17);
            let outcome = ["fail", "pass", "unknown"][i % 3];
            specs.push((outcome, vec![who, " reaches ".into(), format!("{}", i % 5)]));
        }
        specs.push(("pass", vec!["fn1".into(), "2 reaches ".into(), "0".into()]));
        specs.push(("pass", vec!["fn1 ".into(), "reaches 1".into()]));
        specs.push((
            "fail",
            vec!["fn".into(), String::new(), "1 reaches 1".into()],
        ));
        // The same findings as the first two, in other parts.
        specs.push(("fail", vec!["fn0 re".into(), "aches 0".into()]));
        specs.push(("pass", vec!["fn1 reaches 1".into()]));
        let candidates: Vec<Candidate<'_, usize>> = specs
            .iter()
            .enumerate()
            .map(|(i, (o, parts))| Candidate {
                outcome: o,
                parts: parts.iter().map(String::as_str).collect(),
                item: i,
            })
            .collect();
        let write = |&i: &usize| finding(specs[i].0, &specs[i].1.concat());
        let all: Vec<Finding> = (0..specs.len()).map(|i| write(&i)).collect();
        let written = write_ranked(candidates, write);
        let got: Vec<(String, String, usize)> = written
            .iter()
            .map(|f| (f.outcome.name().into(), f.detail.clone(), f.more))
            .collect();
        assert_eq!(got, kept_of_all(all));
        // 40 + 3 candidates, duplicates dropped: more than 13 of some outcome, so a count.
        assert!(got.iter().any(|g| g.2 > 0), "{got:?}");
        assert!(got.len() < specs.len());
    }
}
