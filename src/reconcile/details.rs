//! Details a document gets wrong while the control itself holds: "backups are kept for 35
//! days" where the code keeps them 7 days, "TLS 1.3 only" where the policy's floor is 1.2. The
//! assumption is still decided by the checks (7 days meets a 7-day minimum); the sentence is
//! corrected on the detail, because a reader of the document would believe the wrong number.
//!
//! Only quantities both sides state are compared — a duration (normalized to hours) or a TLS
//! version — and only between a claim and the findings of the subjects that claim covers, so a
//! number about something else in the sentence is never held against the code.

use super::decide::Decision;
use super::evidence::subject_names;
use super::report::{DocRef, DocSuggestion, Evidence, SuggestionKind};
use crate::assumptions::Rule;
use crate::checks::Outcome;
use crate::claims::Polarity;
use crate::model::Model;
use crate::source::Origin;
use std::collections::{BTreeMap, BTreeSet};

/// What a quantity measures: only quantities of the same kind are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A duration, in hours.
    Duration,
    /// A TLS version, as 10, 11, 12, 13.
    TlsVersion,
}

/// A number a sentence states, with what it measures and the words that said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    pub kind: Kind,
    pub value: u64,
    pub text: String,
    /// Byte range of the number in the text, and of the unit word (durations only): what a
    /// correction rewrites.
    number: (usize, usize),
    unit: Option<(usize, usize)>,
    /// Hours per unit of the unit word (durations only).
    per: u64,
}

/// Hours per unit of the duration words a sentence may use.
fn hours_per(unit: &str) -> Option<u64> {
    let unit = unit.trim_end_matches('s');
    Some(match unit {
        "hour" | "hr" | "h" => 1,
        "day" | "d" => 24,
        "week" | "wk" => 24 * 7,
        "month" | "mo" => 24 * 30,
        "year" | "yr" => 24 * 365,
        _ => return None,
    })
}

/// The number words people write for small counts.
fn number_word(w: &str) -> Option<u64> {
    Some(match w {
        "one" | "a" | "an" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "ten" => 10,
        "fourteen" => 14,
        "thirty" => 30,
        "ninety" => 90,
        _ => return None,
    })
}

/// The durations and TLS versions a text states. Words are split on anything but letters,
/// digits, `.` and `_`, so "35-day", "35 days", "TLSv1.2", "TLS 1.2" and "TLS_1_2" all read.
pub fn quantities(text: &str) -> Vec<Quantity> {
    // (start, word) with the word lowercased; ASCII lowercasing keeps byte offsets.
    let lower = text.to_ascii_lowercase();
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut start = None;
    for (i, c) in lower.char_indices().chain([(lower.len(), ' ')]) {
        let part = c.is_ascii_alphanumeric() || c == '.' || c == '_';
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s0)) => {
                let w = lower[s0..i].trim_end_matches('.');
                if !w.is_empty() {
                    words.push((s0, w));
                }
                start = None;
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (i, &(at, w)) in words.iter().enumerate() {
        // A TLS version: "tls 1.2", "tlsv1.2", "tls_1_2", "tlsv1.2_2021".
        if let Some(rest) = w.strip_prefix("tls") {
            let rest_trimmed = rest.trim_start_matches('v').trim_start_matches('_');
            let (candidate, cat) = if rest_trimmed.is_empty() {
                words.get(i + 1).map(|&(a, w)| (w, a)).unwrap_or(("", 0))
            } else {
                (rest_trimmed, at + w.len() - rest_trimmed.len())
            };
            if let Some(v) = tls_version(candidate) {
                out.push(Quantity {
                    kind: Kind::TlsVersion,
                    value: v,
                    text: format!("TLS {}.{}", v / 10, v % 10),
                    number: (cat, cat + 3),
                    unit: None,
                    per: 1,
                });
            }
            continue;
        }
        // A duration: a number (digits or a word) followed by a unit.
        let n = w.parse::<u64>().ok().or_else(|| number_word(w));
        if let (Some(n), Some(&(uat, unit))) = (n, words.get(i + 1)) {
            if let Some(per) = hours_per(unit) {
                if n > 0 && n < 100_000 {
                    out.push(Quantity {
                        kind: Kind::Duration,
                        value: n * per,
                        text: format!("{w} {unit}"),
                        number: (at, at + w.len()),
                        unit: Some((uat, uat + unit.len())),
                        per,
                    });
                }
            }
        }
    }
    out
}

/// The sentence with `q` rewritten to `value` (what the code has), in the sentence's own unit
/// when the value is a whole number of it, else in days or hours.
fn rewrite(text: &str, q: &Quantity, value: u64) -> String {
    let mut out = text.to_string();
    match q.kind {
        Kind::TlsVersion => {
            out.replace_range(q.number.0..q.number.1, &format!("1.{}", value % 10));
        }
        Kind::Duration => {
            let Some((u0, u1)) = q.unit else {
                return out;
            };
            let unit_word = &text[u0..u1];
            let singular = unit_word.trim_end_matches('s');
            let (n, singular) = if value % q.per == 0 {
                (value / q.per, singular.to_string())
            } else if value % 24 == 0 {
                (value / 24, "day".to_string())
            } else {
                (value, "hour".to_string())
            };
            // "35 days" → "7 days"; "35-day" stays singular ("7-day").
            let joined = text[q.number.1..u0].contains('-');
            let unit = if n == 1 || joined {
                singular
            } else {
                format!("{singular}s")
            };
            out.replace_range(
                q.number.0..u1,
                &format!("{n}{}{unit}", &text[q.number.1..u0]),
            );
        }
    }
    out
}

/// "1.2", "1_2", "1_2_2021" → 12.
fn tls_version(s: &str) -> Option<u64> {
    let mut parts = s.split(['.', '_']);
    let major = parts.next()?;
    let minor = parts.next()?;
    if major != "1" || minor.len() != 1 {
        return None;
    }
    let minor: u64 = minor.parse().ok()?;
    (minor <= 3).then_some(10 + minor)
}

/// A quantity in the code: (subject, the finding that states it, its value).
type CodeValue = (String, String, u64);

/// Corrections for the claims that say the control holds and state a quantity the code
/// settles differently for every subject they cover. `doc` is marked: a corrected claim is
/// contradicted on its detail.
pub fn corrections(
    rule: &Rule,
    model: &Model,
    d: &Decision,
    doc: &mut [DocRef],
    evidence: &[Evidence],
) -> Vec<DocSuggestion> {
    // The passing subjects each claim covers.
    let mut covered: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (si, s) in d.subjects.iter().enumerate() {
        if s.outcome != Outcome::Pass {
            continue;
        }
        for &c in &s.claims {
            covered.entry(c).or_default().push(si);
        }
    }
    let mut out = Vec::new();
    for (c, subjects) in covered {
        let Some(claim) = doc.get(c) else { continue };
        if claim.polarity != Polarity::Holds || claim.contradicted {
            continue;
        }
        let claimed = quantities(&claim.text);
        if claimed.is_empty() {
            continue;
        }
        // What the code says, per kind: each subject's stated quantities, with where.
        let mut found: BTreeMap<Kind, Vec<CodeValue>> = BTreeMap::new();
        for &si in &subjects {
            let s = &d.subjects[si];
            let (name, _, _) = subject_names(model, &s.subject);
            for f in &s.findings {
                for q in quantities(&f.detail) {
                    found.entry(q.kind).or_default().push((
                        name.clone(),
                        f.detail.clone(),
                        q.value,
                    ));
                }
            }
        }
        // Wrong on a kind when the claim states values of that kind and none of them is
        // what the code has for any subject the claim covers.
        let mut wrong: Vec<(&Quantity, &Vec<CodeValue>)> = Vec::new();
        let kinds: BTreeSet<Kind> = claimed.iter().map(|q| q.kind).collect();
        for kind in kinds {
            let Some(code) = found.get(&kind) else {
                continue;
            };
            let said: Vec<&Quantity> = claimed.iter().filter(|q| q.kind == kind).collect();
            let matches = said
                .iter()
                .any(|q| code.iter().any(|(_, _, v)| *v == q.value));
            if !matches {
                wrong.push((said[0], code));
            }
        }
        if wrong.is_empty() {
            continue;
        }
        let mut facts: Vec<String> = Vec::new();
        let mut cites: Vec<Origin> = Vec::new();
        for (_, code) in &wrong {
            for (name, detail, _) in code.iter() {
                let fact = format!("`{name}` ({})", detail.trim_end_matches('.'));
                if !facts.contains(&fact) {
                    facts.push(fact);
                }
                cites.extend(
                    evidence
                        .iter()
                        .filter(|e| &e.resource == name && &e.detail == detail)
                        .filter_map(|e| e.place.0.clone()),
                );
            }
        }
        cites.sort();
        cites.dedup();
        let said: Vec<&str> = wrong.iter().map(|(q, _)| q.text.as_str()).collect();
        const SHOWN: usize = 3;
        let more = facts.len().saturating_sub(SHOWN);
        let mut listed = facts[..facts.len().min(SHOWN)].join("; ");
        if more > 0 {
            listed += &format!("; {more} more");
        }
        // One value in the code for each wrong detail: the document's own sentence with the
        // code's value. Else say what differs.
        let single: Option<String> = match wrong.as_slice() {
            [(q, code)] => {
                let values: BTreeSet<u64> = code.iter().map(|(_, _, v)| *v).collect();
                (values.len() == 1).then(|| rewrite(&claim.text, q, *values.first().unwrap()))
            }
            _ => None,
        };
        let text = match single {
            Some(fixed) => fixed,
            None => format!(
                "The document says {}, but the code differs on that detail. In the code: {listed}.",
                said.join(" and ")
            ),
        };
        doc[c].contradicted = true;
        let shown: Vec<String> = cites.iter().take(6).map(Origin::short).collect();
        let text = if shown.is_empty() {
            text
        } else {
            format!("{} ({}).", text.trim_end_matches('.'), shown.join(", "))
        };
        out.push(DocSuggestion {
            assumption: rule.id.clone(),
            kind: SuggestionKind::Correct,
            text,
            evidence: cites,
            replaces: vec![doc[c].clone()],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(Kind, u64)> {
        quantities(text).iter().map(|q| (q.kind, q.value)).collect()
    }

    fn fixed(text: &str, value: u64) -> String {
        rewrite(text, &quantities(text)[0], value)
    }

    #[test]
    fn a_correction_is_the_document_sentence_with_the_code_value() {
        assert_eq!(
            fixed("Backups are kept for 35 days.", 7 * 24),
            "Backups are kept for 7 days."
        );
        assert_eq!(fixed("A 35-day retention.", 24), "A 1-day retention.");
        assert_eq!(fixed("Kept for 5 Weeks.", 14 * 24), "Kept for 2 Weeks.");
        assert_eq!(fixed("Kept for 1 week.", 24), "Kept for 1 day.");
        assert_eq!(fixed("Kept for 2 days.", 30), "Kept for 30 hours.");
        assert_eq!(
            fixed("Only TLSv1.3 is accepted.", 12),
            "Only TLSv1.2 is accepted."
        );
        assert_eq!(
            fixed("Only TLS 1.3 is accepted.", 12),
            "Only TLS 1.2 is accepted."
        );
    }

    #[test]
    fn durations_and_tls_versions_read_as_people_write_them() {
        assert_eq!(
            values("Backups are kept for 35 days."),
            [(Kind::Duration, 35 * 24)]
        );
        assert_eq!(values("a 7-day retention"), [(Kind::Duration, 7 * 24)]);
        assert_eq!(values("kept two weeks"), [(Kind::Duration, 14 * 24)]);
        assert_eq!(
            values("automated backups are kept 1 day"),
            [(Kind::Duration, 24)]
        );
        assert_eq!(values("only TLS 1.3 is accepted"), [(Kind::TlsVersion, 13)]);
        assert_eq!(values("policy TLSv1.2_2021"), [(Kind::TlsVersion, 12)]);
        assert_eq!(values("security policy TLS_1_2"), [(Kind::TlsVersion, 12)]);
        assert_eq!(values("TLS is required"), []);
        assert_eq!(values("rotates every year"), []);
        assert_eq!(values("version 2 of the API"), []);
    }
}
