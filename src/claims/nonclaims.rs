//! The forms of English that make a sentence no claim: plans, hedges, conditionals, questions,
//! wishes and references, read from `rules/claims/nonclaims.yaml`.
//!
//! The reader's own lists ([`super::detect`]: hedge words, conditional openings, question
//! starts) were grown sentence by sentence; this file completes them class by class from the
//! language, so that a plan written "by Q3" or "once the PR is merged", a hedge written "to our
//! knowledge" or a wish written "it is recommended" is no claim in a document never seen.

use super::detect::Phrase;
use super::text::Token;

/// The forms file, embedded.
pub(crate) const NONCLAIM_FORMS: &str = include_str!("../../rules/claims/nonclaims.yaml");

/// The forms file as written: one list of phrases per class.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Forms {
    pub plans: Vec<String>,
    pub hedges: Vec<String>,
    pub conditionals: Vec<String>,
    pub questions: Vec<String>,
    pub wishes: Vec<String>,
    pub references: Vec<String>,
    pub reference_openings: Vec<String>,
    pub headings: Headings,
    pub record_statuses: RecordStatuses,
}

/// Headings whose sections are no statement of the design (see the forms file): each a list
/// of lowercase headings or openings, words separated by spaces.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Headings {
    pub plans: Vec<String>,
    pub plans_whole: Vec<String>,
    pub absent: Vec<String>,
    pub references: Vec<String>,
    pub background: Vec<String>,
    pub decision_record_background: Vec<String>,
}

/// The status words of a decision record (see the forms file).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordStatuses {
    pub not_in_force: Vec<String>,
    pub in_force: Vec<String>,
}

/// Reads a forms file; the error says where it is broken.
pub(crate) fn parse(text: &str) -> Result<Forms, String> {
    let node = crate::syntax::yaml::parse(text)
        .map_err(|e| format!("line {}, column {}: {}", e.line, e.column, e.message))?;
    serde_json::from_value(node.to_json()?).map_err(|e| e.to_string())
}

/// The class of the references.
const REFERENCE: &str = "reference";

/// The forms file, parsed once (a broken embedded file, which the unit tests rule out, reads
/// as none).
pub(crate) fn file() -> &'static Forms {
    static FORMS: std::sync::OnceLock<Forms> = std::sync::OnceLock::new();
    FORMS.get_or_init(|| parse(NONCLAIM_FORMS).unwrap_or_default())
}

/// Every form, with the name of its class as a reason says it ("plan", "hedge") and whether
/// it counts only where it opens a clause, parsed once (a broken embedded file, which the
/// unit tests rule out, reads as none).
fn forms() -> &'static [(&'static str, Phrase<'static>, bool)] {
    static PHRASES: std::sync::OnceLock<Vec<(&'static str, Phrase<'static>, bool)>> =
        std::sync::OnceLock::new();
    PHRASES.get_or_init(|| {
        let f = file();
        let classes: [(&str, &Vec<String>, bool); 7] = [
            ("plan", &f.plans, false),
            ("hedge", &f.hedges, false),
            ("conditional", &f.conditionals, false),
            ("question", &f.questions, false),
            ("wish", &f.wishes, false),
            (REFERENCE, &f.references, false),
            (REFERENCE, &f.reference_openings, true),
        ];
        classes
            .into_iter()
            .flat_map(|(class, list, opening)| {
                list.iter().map(move |p| (class, Phrase::parse(p), opening))
            })
            .collect()
    })
}

/// Subjects whose contracted `'ll` (will) or `'d` (would, had) makes a plan or a wish:
/// "we'll enable", "we'd add".
const CONTRACTED_SUBJECTS: &[&str] = &[
    "i", "we", "you", "they", "it", "he", "she", "that", "there", "this", "who",
];

/// The forms a sentence uses, as a reason ("plan `by q3`") and the word each starts at.
///
/// A reference opening counts only where it opens a clause that is not in brackets
/// ("Incident response: see the IR playbook"): "the bucket uses a CMK (see the key policy)"
/// still states the CMK.
pub(crate) fn found(text: &str, tokens: &[Token]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (class, phrase, opening) in forms() {
        for at in phrase.find(tokens) {
            if *opening && !opens_free_clause(text, tokens, at) {
                continue;
            }
            out.push((format!("{class} `{}`", phrase.source), at));
        }
    }
    for (i, t) in tokens.iter().enumerate() {
        // A clause that is a link: "https://wiki/…", not the word "HTTP" ("HTTP APIs …").
        let link = matches!(t.word.as_str(), "http" | "https")
            && text.get(t.span.end..).is_some_and(|r| r.starts_with("://"));
        if link && opens_free_clause(text, tokens, i) {
            out.push(("reference `a link`".to_string(), i));
        }
        let contracted = t
            .word
            .strip_suffix("'ll")
            .map(|s| ("plan", s))
            .or_else(|| t.word.strip_suffix("'d").map(|s| ("wish", s)));
        if let Some((class, subject)) = contracted {
            if CONTRACTED_SUBJECTS.contains(&subject) {
                out.push((format!("{class} `{}`", t.word), i));
            }
        }
    }
    out.sort_by_key(|(_, at)| *at);
    out
}

/// Whether the word at `at` opens a clause (the sentence's, or one after `:` `;` `,` or a
/// dash) that no open bracket holds.
fn opens_free_clause(text: &str, tokens: &[Token], at: usize) -> bool {
    let opens = at == 0 || tokens[at - 1].clause != tokens[at].clause;
    let before = text.get(..tokens[at].span.start).unwrap_or("");
    let depth = before.chars().fold(0i32, |d, c| match c {
        '(' | '[' => d + 1,
        ')' | ']' => d - 1,
        _ => d,
    });
    opens && depth <= 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::text::tokenize;

    fn reasons(text: &str) -> Vec<String> {
        found(text, &tokenize(text))
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    }

    #[test]
    fn claims_the_forms_file_parses_and_every_class_has_forms() {
        let f = parse(NONCLAIM_FORMS).expect("rules/claims/nonclaims.yaml");
        for list in [
            &f.plans,
            &f.hedges,
            &f.conditionals,
            &f.questions,
            &f.wishes,
            &f.references,
            &f.reference_openings,
        ] {
            assert!(list.len() >= 10, "{list:?}");
        }
        assert!(parse("plans: [a]\nextra: []\n").is_err());
    }

    #[test]
    fn claims_forms_are_found_with_their_class() {
        assert_eq!(reasons("Encryption is switched on by Q3."), ["plan `q3`"]);
        assert_eq!(reasons("We'll attach the boundary."), ["plan `we'll`"]);
        assert_eq!(
            reasons("To our knowledge the keys rotate."),
            ["hedge `to our knowledge`"]
        );
        assert_eq!(
            reasons("Refer to the key standard."),
            ["reference `refer to`"]
        );
    }

    #[test]
    fn claims_a_reference_in_brackets_or_inside_a_clause_is_none() {
        assert!(reasons("The bucket uses a CMK (see the key policy).").is_empty());
        assert!(reasons("Admins see the audit log.").is_empty());
        assert_eq!(
            reasons("Recovery: see the restore runbook."),
            ["reference `see`"]
        );
        assert_eq!(
            reasons("https://wiki.example.com/kms the key standard"),
            ["reference `a link`"]
        );
        assert!(reasons("However, HTTP APIs cannot validate bodies.").is_empty());
    }

    #[test]
    fn claims_no_form_is_a_rule_of_the_convention() {
        for rule in [
            "Every bucket must block public access.",
            "Only the admin role may decrypt the export key.",
            "MFA is required for all users and may not be disabled.",
            "MFA is not yet enforced for clinicians.",
            "MFA is optional for standard tenants.",
        ] {
            assert!(reasons(rule).is_empty(), "{rule}: {:?}", reasons(rule));
        }
    }
}
