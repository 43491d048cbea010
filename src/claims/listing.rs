//! `vouch claims`: what the reader made of the documents — every claim, then the sentences that
//! use security vocabulary but were not read as claims, so a team sees what vouch skipped.

use super::corpus::{catalog_patterns, Scope};
use super::{find_documents, read_document, ClaimPatterns, Document, Polarity};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One claim read, with the assumption it is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReadClaim {
    pub path: String,
    pub line: u32,
    pub text: String,
    pub assumption: String,
    pub polarity: Polarity,
    /// `all`, `only [names]` or `except [names]`.
    pub scope: String,
    pub components: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<String>,
    /// The words that decided topic, polarity and scope.
    pub why: String,
}

/// A sentence with security vocabulary that no assumption read as a claim.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub path: String,
    pub line: u32,
    pub text: String,
    /// The topics it mentions, as `assumption: topic`.
    pub vocabulary: Vec<String>,
    /// Why it is not a claim: the hedge, question or plan cue, or that no words of holding or
    /// failing were found.
    pub reason: String,
}

/// What the reader made of a set of documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reading {
    pub documents: Vec<String>,
    pub claims: Vec<ReadClaim>,
    pub skipped: Vec<Skipped>,
}

/// Reads documents with every assumption's vocabulary.
pub fn read(docs: &[Document], rules: &[(&str, &ClaimPatterns)]) -> Reading {
    let mut out = Reading::default();
    for doc in docs {
        out.documents.push(doc.path.clone());
        let (claims, skipped) = super::detect::read(doc, rules);
        for (rule, c) in claims {
            out.claims.push(ReadClaim {
                scope: Scope::of_claim(&c).to_string(),
                path: c.path,
                line: c.line,
                text: c.text,
                assumption: rules[rule].0.to_string(),
                polarity: c.polarity,
                components: c.components,
                mentions: c.mentions,
                excluded: c.excluded,
                why: c.matched,
            });
        }
        out.skipped.extend(skipped);
    }
    out.claims.sort_by(|a, b| {
        (&a.path, a.line, &a.text, &a.assumption).cmp(&(&b.path, b.line, &b.text, &b.assumption))
    });
    out.claims.dedup();
    out
}

/// Finds the documents under `root` as a scan does (`explicit` wins), reads them and reads their
/// claims. A document that cannot be read is an error; the others are still read.
pub fn read_path(root: &Path, explicit: &[PathBuf]) -> (Reading, Vec<String>) {
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    for found in find_documents(root, explicit) {
        let shown = found
            .path
            .strip_prefix(root)
            .unwrap_or(&found.path)
            .display()
            .to_string();
        match std::fs::read(&found.path) {
            Ok(mut bytes) => {
                bytes.truncate(super::MAX_DOCUMENT_BYTES);
                let text = String::from_utf8_lossy(&bytes);
                docs.push(read_document(&shown, &text, found.readme));
            }
            Err(e) => errors.push(format!("{}: {e}", found.path.display())),
        }
    }
    (read(&docs, &catalog_patterns()), errors)
}

pub fn to_text(r: &Reading) -> String {
    let mut out = String::new();
    if r.documents.is_empty() {
        out.push_str("No architecture document found (pass one with --doc).\n");
        return out;
    }
    let _ = writeln!(
        out,
        "Documents: {}",
        crate::report::list_documents(&r.documents)
    );
    let _ = writeln!(out, "\nClaims read ({}):", r.claims.len());
    for c in &r.claims {
        let p = match c.polarity {
            Polarity::Holds => "holds",
            Polarity::Fails => "fails",
        };
        let _ = writeln!(
            out,
            "  {}:{}  {} {p} ({})",
            c.path, c.line, c.assumption, c.scope
        );
        let _ = writeln!(out, "      {}", c.text);
        let _ = writeln!(out, "      why: {}", c.why);
    }
    let _ = writeln!(
        out,
        "\nSentences with security vocabulary not read as claims ({}):",
        r.skipped.len()
    );
    for s in &r.skipped {
        let _ = writeln!(out, "  {}:{}  {}", s.path, s.line, s.reason);
        let _ = writeln!(out, "      {}", s.text);
        let _ = writeln!(out, "      vocabulary: {}", s.vocabulary.join(", "));
    }
    out
}

pub fn to_json(r: &Reading) -> serde_json::Value {
    serde_json::to_value(r).unwrap_or_default()
}
