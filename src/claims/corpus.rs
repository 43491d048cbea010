//! Scores the claim reader against a labeled corpus (`corpus/claims/<split>/`).
//!
//! A split is a directory of Markdown documents, each with a `.labels.yaml` file beside it that
//! lists, per sentence (list item, table row, heading), the claims a person reads in it —
//! assumption, polarity and scope — or why it is no claim (`none: question`, plan, hedge…). The
//! format is described in `docs/claims-corpus.md`.
//!
//! The reader is run on each document exactly as a scan runs it, and each labeled claim is looked
//! for among the claims read from its sentence. Recall counts the labeled claims read with the
//! right assumption, polarity and scope; precision counts the read claims that a label confirms
//! (a claim read from a sentence the labels do not list is a wrong one); and the claims read from
//! `none:` entries are counted apart, since a question or a plan must never become a claim.

use super::{read_document, Claim, ClaimPatterns, Document, Polarity};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The part of the system a claim is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The system as a whole, or every thing of a kind.
    All,
    /// The named components only: their distinctive words.
    Only(BTreeSet<String>),
    /// Everything but the named components.
    Except(BTreeSet<String>),
}

impl Scope {
    /// The scope a read claim gives: its named components and mentions ("every key" names none).
    pub fn of_claim(claim: &Claim) -> Scope {
        let words = |names: &[String]| -> BTreeSet<String> {
            names
                .iter()
                .filter(|n| !n.starts_with("every "))
                .flat_map(|n| scope_words(n))
                .collect()
        };
        if !claim.excluded.is_empty() {
            let w = words(&claim.excluded);
            if !w.is_empty() {
                return Scope::Except(w);
            }
        }
        let named: Vec<String> = claim
            .components
            .iter()
            .chain(&claim.mentions)
            .cloned()
            .collect();
        let w = words(&named);
        if w.is_empty() {
            Scope::All
        } else {
            Scope::Only(w)
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
        match self {
            Scope::All => write!(f, "all"),
            Scope::Only(s) => write!(f, "only [{}]", list(s)),
            Scope::Except(s) => write!(f, "except [{}]", list(s)),
        }
    }
}

/// Words that say what kind of thing a name is, not which one (with the reader's kind nouns):
/// left out when scopes are compared, so "billing key" and `billing` are the same scope.
const KIND_WORDS: &[&str] = &[
    "the", "a", "an", "our", "aws", "amazon", "function", "lambda", "role", "table", "bucket",
    "queue", "topic", "key", "api", "pool", "trigger", "service", "stack", "cluster", "database",
    "db", "instance", "endpoint", "store", "alias", "alia",
];

/// The distinctive words of a component's name, folded as everywhere else.
fn scope_words(name: &str) -> Vec<String> {
    super::text::name_words(name)
        .into_iter()
        .filter(|w| {
            !KIND_WORDS.contains(&w.as_str()) && !super::scope::KIND_NOUNS.contains(&w.as_str())
        })
        .collect()
}

/// One claim, as labeled or as read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expected {
    pub assumption: String,
    pub polarity: Polarity,
    pub scope: Scope,
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = match self.polarity {
            Polarity::Holds => "holds",
            Polarity::Fails => "fails",
        };
        write!(f, "{} {p} {}", self.assumption, self.scope)
    }
}

/// One entry of a labels file.
#[derive(Debug, Clone)]
pub struct Entry {
    pub text: String,
    /// The claims of the sentence; empty for a `none:` entry.
    pub claims: Vec<Expected>,
    /// Why the sentence is no claim (`question`, `plan`, …).
    pub none: Option<String>,
}

/// A labels file or document that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for CorpusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Reads a labels file. Entries that are malformed are errors (with their position in the list);
/// the well-formed ones are still returned.
pub fn parse_labels(path: &str, text: &str) -> (Vec<Entry>, Vec<CorpusError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let err = |message: String| CorpusError {
        path: path.to_string(),
        message,
    };
    let node = match crate::syntax::yaml::parse(text) {
        Ok(n) => n,
        Err(e) => {
            errors.push(err(format!(
                "line {}, column {}: {}",
                e.line, e.column, e.message
            )));
            return (entries, errors);
        }
    };
    let json = match node.to_json() {
        Ok(j) => j,
        Err(e) => {
            errors.push(err(e));
            return (entries, errors);
        }
    };
    let Some(list) = json.as_array() else {
        if !json.is_null() {
            errors.push(err("expected a list of entries".to_string()));
        }
        return (entries, errors);
    };
    for (k, item) in list.iter().enumerate() {
        match parse_entry(item) {
            Ok(e) => entries.push(e),
            Err(m) => errors.push(err(format!("entry {}: {m}", k + 1))),
        }
    }
    (entries, errors)
}

fn parse_entry(item: &serde_json::Value) -> Result<Entry, String> {
    let text = item
        .get("text")
        .and_then(|t| t.as_str())
        .ok_or("no `text`")?
        .to_string();
    let none = item.get("none").map(|n| match n.as_str() {
        Some(s) => s.to_string(),
        None => n.to_string(),
    });
    let mut claims = Vec::new();
    if let Some(list) = item.get("claims") {
        let list = list.as_array().ok_or("`claims` is not a list")?;
        for c in list {
            let assumption = c
                .get("assumption")
                .and_then(|a| a.as_str())
                .ok_or("a claim without `assumption`")?
                .to_string();
            let polarity = match c.get("polarity").and_then(|p| p.as_str()) {
                Some("holds") => Polarity::Holds,
                Some("fails") => Polarity::Fails,
                other => return Err(format!("polarity {other:?} is not holds or fails")),
            };
            let scope = parse_scope(c.get("scope")).map_err(|m| format!("{text:?}: {m}"))?;
            claims.push(Expected {
                assumption,
                polarity,
                scope,
            });
        }
    }
    if claims.is_empty() && none.is_none() {
        return Err(format!("{text:?} has neither `claims` nor `none`"));
    }
    Ok(Entry { text, claims, none })
}

fn parse_scope(v: Option<&serde_json::Value>) -> Result<Scope, String> {
    let names = |v: &serde_json::Value| -> Result<BTreeSet<String>, String> {
        let list = v.as_array().ok_or("scope names are not a list")?;
        Ok(list
            .iter()
            .filter_map(|n| n.as_str())
            .flat_map(scope_words)
            .collect())
    };
    match v {
        None => Ok(Scope::All),
        Some(serde_json::Value::String(s)) if s == "all" => Ok(Scope::All),
        Some(v) => {
            if let Some(only) = v.get("only") {
                Ok(Scope::Only(names(only)?))
            } else if let Some(except) = v.get("except") {
                Ok(Scope::Except(names(except)?))
            } else {
                Err(format!("scope {v} is not all, only or except"))
            }
        }
    }
}

/// Text reduced to its lowercase words, so that a label matches its sentence whatever inline
/// Markdown the label kept or dropped.
fn normalized(text: &str) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// What the reader read from one sentence, and what the labels say of it.
#[derive(Debug, Clone)]
pub struct SentenceResult {
    pub path: String,
    pub line: u32,
    pub text: String,
    /// The labeled claims (empty for a `none:` entry or an unlisted sentence).
    pub expected: Vec<Expected>,
    pub none: Option<String>,
    /// Listed in the labels.
    pub listed: bool,
    /// The claims read, with why each matched.
    pub read: Vec<(Expected, String)>,
}

impl SentenceResult {
    fn right(&self) -> bool {
        let read: BTreeSet<&Expected> = self.read.iter().map(|(e, _)| e).collect();
        let expected: BTreeSet<&Expected> = self.expected.iter().collect();
        read == expected
    }
}

/// The score of one split.
#[derive(Debug, Clone, Default)]
pub struct Score {
    pub documents: usize,
    pub entries: usize,
    /// Labeled claims, and those read with the right assumption, polarity and scope.
    pub labeled: usize,
    pub recalled: usize,
    /// Of the labeled claims not recalled: read with the right assumption but the wrong
    /// polarity, or the right assumption and polarity but the wrong scope.
    pub wrong_polarity: usize,
    pub wrong_scope: usize,
    /// Of the labeled claims not recalled: their sentence was read as no claim at all (or the
    /// label matches no sentence), or it was read as claims about other assumptions only.
    pub not_read: usize,
    pub wrong_assumption: usize,
    /// Claims read, and those a label confirms.
    pub read: usize,
    pub confirmed: usize,
    /// Claims read from `none:` entries (questions, plans, hedges…).
    pub read_from_none: usize,
    /// Of those, the claims read from entries that are no claim by their form: a question, a
    /// plan, a hedge, a conditional, a reference to another document or a wish (`none:` other
    /// than `other`). These must never be read; a sentence labeled `other` (security words
    /// that claim nothing of the catalog) read as a claim is a wrong claim like one read from
    /// an unlisted sentence, which precision counts.
    pub read_from_nonclaims: usize,
    /// Labels whose text matches no sentence of the document.
    pub unmatched_labels: Vec<(String, String)>,
    pub errors: Vec<CorpusError>,
    /// Every sentence the labels list or the reader read a claim from, in document order.
    pub sentences: Vec<SentenceResult>,
}

impl Score {
    pub fn recall(&self) -> f64 {
        ratio(self.recalled, self.labeled)
    }
    pub fn precision(&self) -> f64 {
        ratio(self.confirmed, self.read)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// The rules whose claims are scored: every assumption of the catalog.
pub fn catalog_patterns() -> Vec<(&'static str, &'static ClaimPatterns)> {
    crate::assumptions::catalog()
        .iter()
        .map(|r| (r.id.as_str(), &r.claims))
        .collect()
}

/// The claims read from a document, per rule: every rule in one reading, as a scan reads it
/// ([`super::detect_all`]).
pub fn read_claims(doc: &Document, rules: &[(&str, &ClaimPatterns)]) -> Vec<(String, Claim)> {
    let mut out: Vec<(String, Claim)> = super::detect_all(doc, rules)
        .into_iter()
        .map(|(k, c)| (rules[k].0.to_string(), c))
        .collect();
    // By rule, then in document order, as a reading rule by rule gives them.
    out.sort_by_key(|(id, c)| {
        (
            rules
                .iter()
                .position(|(r, _)| r == id)
                .unwrap_or(usize::MAX),
            c.line,
        )
    });
    out
}

/// Scores every `*.md` document of `dir` (but its README) with the `.labels.yaml` beside it
/// (documents without labels are errors; so are labels without a document).
pub fn score_split(dir: &Path, rules: &[(&str, &ClaimPatterns)]) -> Score {
    let mut score = Score::default();
    let mut docs: Vec<PathBuf> = Vec::new();
    let mut labels: BTreeSet<PathBuf> = BTreeSet::new();
    match std::fs::read_dir(dir) {
        Ok(rd) => {
            for e in rd.flatten() {
                let p = e.path();
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".labels.yaml") {
                    labels.insert(p);
                } else if name.ends_with(".md") && !name.eq_ignore_ascii_case("readme.md") {
                    docs.push(p);
                }
            }
        }
        Err(e) => {
            score.errors.push(CorpusError {
                path: dir.display().to_string(),
                message: e.to_string(),
            });
            return score;
        }
    }
    docs.sort();
    for doc_path in docs {
        let stem = doc_path
            .file_name()
            .map(|n| n.to_string_lossy().trim_end_matches(".md").to_string())
            .unwrap_or_default();
        let label_path = doc_path.with_file_name(format!("{stem}.labels.yaml"));
        labels.remove(&label_path);
        let shown = doc_path.display().to_string();
        let (text, label_text) = match (
            std::fs::read_to_string(&doc_path),
            std::fs::read_to_string(&label_path),
        ) {
            (Ok(t), Ok(l)) => (t, l),
            (Err(e), _) => {
                score.errors.push(CorpusError {
                    path: shown,
                    message: e.to_string(),
                });
                continue;
            }
            (_, Err(e)) => {
                score.errors.push(CorpusError {
                    path: label_path.display().to_string(),
                    message: format!("no labels: {e}"),
                });
                continue;
            }
        };
        let (entries, errors) = parse_labels(&label_path.display().to_string(), &label_text);
        score.errors.extend(errors);
        score_document(&mut score, &shown, &text, &entries, rules);
    }
    for orphan in labels {
        score.errors.push(CorpusError {
            path: orphan.display().to_string(),
            message: "labels without a document".to_string(),
        });
    }
    score
}

/// The sentence(s) of `doc` each entry labels (by index), and the entries that match none.
/// A label matches the sentence with the same words, else the sentences that hold the label's
/// words or that the label's words hold (a label that spans what the reader split).
pub(crate) fn label_sentences<'e>(
    doc: &Document,
    entries: &'e [Entry],
) -> (Vec<(usize, &'e Entry)>, Vec<&'e Entry>) {
    let norms: Vec<String> = doc.sentences.iter().map(|s| normalized(&s.text)).collect();
    let mut by_norm: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, n) in norms.iter().enumerate() {
        by_norm.entry(n.as_str()).or_default().push(i);
    }
    let mut labeled_at: Vec<(usize, &Entry)> = Vec::new();
    let mut unmatched = Vec::new();
    for entry in entries {
        let norm = normalized(&entry.text);
        let mut found: Vec<usize> = by_norm.get(norm.as_str()).cloned().unwrap_or_default();
        if found.is_empty() && !norm.is_empty() {
            found = norms
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    !s.is_empty()
                        && (s.contains(norm.as_str())
                            || (s.split(' ').count() >= 3 && norm.contains(s.as_str())))
                })
                .map(|(i, _)| i)
                .collect();
        }
        if found.is_empty() {
            unmatched.push(entry);
        }
        for i in found {
            labeled_at.push((i, entry));
        }
    }
    (labeled_at, unmatched)
}

/// Scores one document against its labels, adding to `score`.
pub fn score_document(
    score: &mut Score,
    path: &str,
    text: &str,
    entries: &[Entry],
    rules: &[(&str, &ClaimPatterns)],
) {
    let doc = read_document(path, text, false);
    score.documents += 1;
    score.entries += entries.len();
    let (labeled_at, unmatched) = label_sentences(&doc, entries);
    for entry in unmatched {
        score
            .unmatched_labels
            .push((path.to_string(), entry.text.clone()));
        score.labeled += entry.claims.len();
        score.not_read += entry.claims.len();
    }
    let mut results: BTreeMap<usize, SentenceResult> = BTreeMap::new();
    for (i, entry) in &labeled_at {
        let s = &doc.sentences[*i];
        let r = results.entry(*i).or_insert_with(|| SentenceResult {
            path: path.to_string(),
            line: s.line,
            text: s.text.clone(),
            expected: Vec::new(),
            none: None,
            listed: true,
            read: Vec::new(),
        });
        for c in &entry.claims {
            if !r.expected.contains(c) {
                r.expected.push(c.clone());
            }
        }
        if entry.none.is_some() {
            r.none = entry.none.clone();
        }
    }
    let mut sentence_of: HashMap<(u32, &str), usize> = HashMap::new();
    for (i, s) in doc.sentences.iter().enumerate() {
        sentence_of.entry((s.line, s.text.as_str())).or_insert(i);
    }
    for (id, claim) in read_claims(&doc, rules) {
        let Some(&i) = sentence_of.get(&(claim.line, claim.text.as_str())) else {
            continue;
        };
        let s = &doc.sentences[i];
        let r = results.entry(i).or_insert_with(|| SentenceResult {
            path: path.to_string(),
            line: s.line,
            text: s.text.clone(),
            expected: Vec::new(),
            none: None,
            listed: false,
            read: Vec::new(),
        });
        let e = Expected {
            assumption: id,
            polarity: claim.polarity,
            scope: Scope::of_claim(&claim),
        };
        if !r.read.iter().any(|(x, _)| *x == e) {
            r.read.push((e, claim.matched.clone()));
        }
    }
    for r in results.into_values() {
        score.labeled += r.expected.len();
        for e in &r.expected {
            if r.read.iter().any(|(x, _)| x == e) {
                score.recalled += 1;
            } else if let Some((x, _)) = r
                .read
                .iter()
                .find(|(x, _)| x.assumption == e.assumption && x.polarity == e.polarity)
            {
                let _ = x;
                score.wrong_scope += 1;
            } else if r.read.iter().any(|(x, _)| x.assumption == e.assumption) {
                score.wrong_polarity += 1;
            } else if r.read.is_empty() {
                score.not_read += 1;
            } else {
                score.wrong_assumption += 1;
            }
        }
        score.read += r.read.len();
        score.confirmed += r
            .read
            .iter()
            .filter(|(x, _)| r.expected.contains(x))
            .count();
        if let Some(kind) = &r.none {
            score.read_from_none += r.read.len();
            if kind != "other" {
                score.read_from_nonclaims += r.read.len();
            }
        }
        score.sentences.push(r);
    }
}

/// The score as a few lines of text; with `verbose`, every sentence read or labeled differently,
/// with what was expected and what was read (and why).
pub fn to_text(name: &str, score: &Score, verbose: bool) -> String {
    let mut out = String::new();
    if verbose {
        for r in score.sentences.iter().filter(|r| !r.right()) {
            let _ = writeln!(out, "{}:{}: {}", r.path, r.line, r.text);
            if let Some(n) = &r.none {
                let _ = writeln!(out, "    labeled: none ({n})");
            } else if !r.listed {
                let _ = writeln!(out, "    labeled: (not listed: no claim)");
            }
            for e in &r.expected {
                let mark = if r.read.iter().any(|(x, _)| x == e) {
                    "  "
                } else {
                    "- "
                };
                let _ = writeln!(out, "  {mark}expected {e}");
            }
            for (x, why) in &r.read {
                let mark = if r.expected.contains(x) { "  " } else { "+ " };
                let _ = writeln!(out, "  {mark}read     {x}    ({why})");
            }
        }
        for (path, text) in &score.unmatched_labels {
            let _ = writeln!(out, "{path}: label matches no sentence: {text}");
        }
    }
    for e in &score.errors {
        let _ = writeln!(out, "error: {e}");
    }
    // A label whose text matches no sentence counts as not read; whoever writes labels must see
    // it without `--verbose`, or a typo passes for a reader's miss.
    if !verbose && !score.unmatched_labels.is_empty() {
        let _ = writeln!(
            out,
            "{} labels match no sentence (listed with --verbose)",
            score.unmatched_labels.len()
        );
    }
    let _ = writeln!(
        out,
        "{name}: {} documents, {} entries, {} labeled claims",
        score.documents, score.entries, score.labeled
    );
    let _ = writeln!(
        out,
        "  recall    {:5.1}%  ({} of {} labeled claims read with the right assumption, polarity and scope; {} wrong polarity, {} wrong scope)",
        100.0 * score.recall(),
        score.recalled,
        score.labeled,
        score.wrong_polarity,
        score.wrong_scope
    );
    let _ = writeln!(
        out,
        "  lost by stage: {} not read as a claim, {} wrong assumption, {} wrong polarity, {} wrong scope",
        score.not_read, score.wrong_assumption, score.wrong_polarity, score.wrong_scope
    );
    let _ = writeln!(
        out,
        "  precision {:5.1}%  ({} of {} claims read are labeled so)",
        100.0 * score.precision(),
        score.confirmed,
        score.read
    );
    let _ = writeln!(
        out,
        "  claims read from none: entries: {} ({} from questions, plans, hedges, conditionals, references and wishes; the rest from sentences labeled other)",
        score.read_from_none, score.read_from_nonclaims
    );
    out
}

/// The score as JSON: the figures `corpus/claims/scores.json` records.
pub fn to_json(score: &Score) -> serde_json::Value {
    serde_json::json!({
        "documents": score.documents,
        "entries": score.entries,
        "labeled": score.labeled,
        "recall": round3(score.recall()),
        "precision": round3(score.precision()),
        "read_from_none": score.read_from_none,
        "read_from_nonclaims": score.read_from_nonclaims,
        "lost": {
            "not_read": score.not_read,
            "wrong_assumption": score.wrong_assumption,
            "wrong_polarity": score.wrong_polarity,
            "wrong_scope": score.wrong_scope,
        },
        "errors": score.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).floor() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_corpus_a_label_that_matches_no_sentence_is_said_without_verbose() {
        let labels = r#"
- text: "The ledger key rotates every year."
  none: other
- text: "A sentence the document never wrote."
  none: other
"#;
        let (entries, errors) = parse_labels("x.labels.yaml", labels);
        assert!(errors.is_empty(), "{errors:?}");
        let mut score = Score::default();
        let doc = "# Keys\n\nThe ledger key rotates every year.\n";
        score_document(&mut score, "x.md", doc, &entries, &[]);
        assert_eq!(score.unmatched_labels.len(), 1);
        let text = to_text("x", &score, false);
        assert!(text.contains("1 labels match no sentence"), "{text}");
    }

    #[test]
    fn claims_corpus_labels_and_scopes() {
        let text = r#"
- text: "The billing and ledger keys rotate every year."
  claims:
    - assumption: kms.key-rotation
      polarity: holds
      scope: {only: [billing, ledger]}
- text: "All data is encrypted, except the audit bucket."
  claims:
    - assumption: kms.encryption-at-rest
      polarity: holds
      scope: {except: [audit bucket]}
- text: "Do we need MFA?"
  none: question
- text: "Broken"
"#;
        let (entries, errors) = parse_labels("x.labels.yaml", text);
        assert_eq!(entries.len(), 3);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            entries[0].claims[0].scope,
            Scope::Only(["billing".to_string(), "ledger".to_string()].into())
        );
        assert_eq!(
            entries[1].claims[0].scope,
            Scope::Except(["audit".to_string()].into())
        );
        assert_eq!(entries[2].none.as_deref(), Some("question"));
        assert_eq!(normalized("**MFA** is `on`."), "mfa is on");
    }

    #[test]
    fn claims_corpus_scores_a_document() {
        let labels = r#"
- text: "MFA is mandatory."
  claims:
    - {assumption: t.mfa, polarity: holds, scope: all}
- text: "MFA is optional for the admin console."
  claims:
    - {assumption: t.mfa, polarity: fails, scope: {only: [support]}}
- text: "Is MFA required?"
  none: question
"#;
        let doc = "# D\n\nMFA is mandatory. MFA is optional for the admin console. Is MFA required?\nMFA is enforced.\n";
        let patterns = ClaimPatterns {
            topics: vec!["mfa".into()],
            holds: vec!["mandatory".into(), "enforced".into()],
            fails: vec!["optional".into()],
            ..Default::default()
        };
        let (entries, errors) = parse_labels("d.labels.yaml", labels);
        assert!(errors.is_empty());
        let mut score = Score::default();
        score_document(&mut score, "d.md", doc, &entries, &[("t.mfa", &patterns)]);
        assert_eq!(score.labeled, 2);
        // The second is read about the admin console, labeled about support: wrong scope.
        assert_eq!(score.recalled, 1);
        assert_eq!(score.wrong_scope, 1);
        assert_eq!(
            score.not_read + score.wrong_assumption + score.wrong_polarity,
            0
        );
        // "MFA is enforced." is not listed: a claim read there is a wrong one.
        assert_eq!(score.read, 3);
        assert_eq!(score.confirmed, 1);
        assert_eq!(score.read_from_none, 0);
    }

    #[test]
    fn claims_read_from_nonclaims_leave_out_sentences_labeled_other() {
        let labels = r#"
- text: "MFA is enforced for the break-glass user."
  none: other
- text: "MFA is enforced for the support console."
  none: wish
"#;
        let doc = "# D\n\nMFA is enforced for the break-glass user. MFA is enforced for the support console.\n";
        let patterns = ClaimPatterns {
            topics: vec!["mfa".into()],
            holds: vec!["enforced".into()],
            ..Default::default()
        };
        let (entries, errors) = parse_labels("d.labels.yaml", labels);
        assert!(errors.is_empty());
        let mut score = Score::default();
        score_document(&mut score, "d.md", doc, &entries, &[("t.mfa", &patterns)]);
        // This bare pattern reads both (a labeler heard a wish in the second); only the wish is
        // a non-claim by its form.
        assert_eq!(score.read_from_none, 2);
        assert_eq!(score.read_from_nonclaims, 1);
    }
}
