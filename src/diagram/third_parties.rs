//! Third parties the architecture documents name (`rules/third-parties.tsv`): identity providers,
//! payment and messaging APIs, webhook senders. The code rarely names them (a URL in a variable,
//! a secret holding an API key), but a reviewer draws them first; the view draws each one a
//! document writes, with the sentences that name it as evidence, and nothing the documents do
//! not name.

use crate::claims::Document;
use std::collections::BTreeMap;
use std::sync::OnceLock;

static TABLE: &str = include_str!("../../rules/third-parties.tsv");

/// One row of the table.
struct Party {
    name: &'static str,
    identity: bool,
    spellings: Vec<&'static str>,
}

fn parties() -> &'static [Party] {
    static PARTIES: OnceLock<Vec<Party>> = OnceLock::new();
    PARTIES.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut cells = l.split('\t');
                let (name, role, spellings) = (cells.next()?, cells.next()?, cells.next()?);
                Some(Party {
                    name,
                    identity: role == "identity-provider",
                    spellings: spellings.split(',').map(str::trim).collect(),
                })
            })
            .collect()
    })
}

/// A sentence that names a party, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// The document as the report shows it.
    pub path: String,
    pub line: u32,
    pub sentence: String,
}

impl Mention {
    /// `path:line`
    pub fn at(&self) -> String {
        format!("{}:{}", self.path, self.line)
    }
}

impl std::fmt::Display for Mention {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.sentence)
    }
}

/// A third party the documents name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: &'static str,
    /// It signs users in (drawn as an identity provider).
    pub identity: bool,
    /// Each sentence that names it, in document order.
    pub evidence: Vec<Mention>,
}

/// Words that say a sentence is about a party the system does not (or no longer) use.
const NOT_USED: [&str; 8] = [
    "not use",
    "n't use",
    "no longer",
    "never",
    "instead of",
    "rather than",
    "replaced",
    "migrated away",
];

/// Whether `word` occurs in `text` as whole words (no letter or digit on either side).
fn names(text: &str, word: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
    text.match_indices(word).any(|(at, _)| {
        !alnum(text[..at].chars().next_back()) && !alnum(text[at + word.len()..].chars().next())
    })
}

/// Every party of the table the documents name, sorted by name. Each sentence is read once per
/// spelling: the table is small and fixed, so this is linear in the documents.
pub fn named(documents: &[Document]) -> Vec<Named> {
    let mut found: BTreeMap<&'static str, Named> = BTreeMap::new();
    for doc in documents {
        for s in &doc.sentences {
            let lower = s.text.to_lowercase();
            if NOT_USED.iter().any(|w| lower.contains(w)) {
                continue;
            }
            for p in parties() {
                if p.spellings.iter().any(|w| names(&s.text, w)) {
                    found
                        .entry(p.name)
                        .or_insert_with(|| Named {
                            name: p.name,
                            identity: p.identity,
                            evidence: vec![],
                        })
                        .evidence
                        .push(Mention {
                            path: doc.path.clone(),
                            line: s.line,
                            sentence: s.text.clone(),
                        });
                }
            }
        }
    }
    found.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_written_as_words_and_in_use_are_drawn() {
        let doc = crate::claims::read_document(
            "docs/ARCHITECTURE.md",
            "# Shop\n\nCustomers sign in with Auth0.\n\nStripe calls the hooks function with payment webhooks.\n\nWe no longer use PayPal.\n\nThe okta team and a stripey cat are not parties.\n\nThe `SendGridMailer` class is code, not a party.\n\nClone the GitHub repository.\n",
            false,
        );
        let n = named(&[doc]);
        let names: Vec<&str> = n.iter().map(|p| p.name).collect();
        assert_eq!(names, ["Auth0", "Stripe"]);
        assert!(n[0].identity && !n[1].identity);
        let evidence: Vec<String> = n[1].evidence.iter().map(|m| m.to_string()).collect();
        assert_eq!(
            evidence,
            ["docs/ARCHITECTURE.md:5: Stripe calls the hooks function with payment webhooks."]
        );
        assert_eq!(n[1].evidence[0].at(), "docs/ARCHITECTURE.md:5");
    }
}
