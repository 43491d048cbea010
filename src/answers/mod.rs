//! The team's answers file (`.vouch/answers.yaml` by default, or `--answers FILE`).
//!
//! ```yaml
//! answers:
//!   - assumption: log.audit-trail        # or  question: <question id>
//!     holds: true                        # true | false ; absent or empty = unanswered
//!     detail: "Organization-wide CloudTrail in the security account."
//!     by: "platform team"                # optional
//!     date: 2026-11-20                   # optional
//! ```
//!
//! A team may also accept a risk the code proves, until a date (`crate::waivers`):
//!
//! ```yaml
//!   - assumption: data.encryption-at-rest
//!     resource: aws_s3_bucket.legacy          # optional: one failing resource
//!     accepted: "Public dataset; nothing secret is stored. Migrating in Q1."
//!     by: "security team"
//!     expires: 2027-03-31
//! ```
//!
//! An entry names a `question` (one subject of an assumption; `assumption` may then be given too, for
//! the reader) or only an `assumption` (all its subjects). Reading never fails as a whole: every
//! problem is a diagnostic with its line and column (code `answers-error`), and an entry with an
//! error is left out, so its question stays open. Two entries for the same target that disagree are
//! both left out.
//!
//! vouch also writes this file, as text edits that keep every byte the user wrote: `questions
//! --write` appends the open questions ([`append_pending`]), `clarify` records answers ([`record`]).
//! Each edit is checked by reading the result back before it is renamed into place.

mod clarify;
mod edit;

pub use clarify::{clarify, clarify_with, today, Given};
pub use edit::{append_pending, record};

use crate::diagnostics::{Diagnostic, Severity};
use crate::syntax::yaml::{self, Node, NodeValue};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;

/// Where the answers file is looked for, under the scanned root.
pub const DEFAULT_PATH: &str = ".vouch/answers.yaml";
/// A larger answers file is refused.
pub const MAX_SIZE: u64 = 8 * 1024 * 1024;
/// The code of every diagnostic about the answers file.
pub const CODE: &str = "answers-error";

/// What an entry answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Every subject of an assumption.
    Assumption(String),
    /// One question, by its id.
    Question(String),
}

/// One readable entry of the answers file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub target: Target,
    /// Also present when the entry names a question: the assumption it was written for (informational).
    pub assumption: Option<String>,
    /// `None`: unanswered.
    pub holds: Option<bool>,
    pub detail: Option<String>,
    pub by: Option<String>,
    /// Kept as written (YYYY-MM-DD).
    pub date: Option<String>,
    /// 1-based line of the entry.
    pub line: u32,
}

/// A risk the team accepts (`accepted:`): not an answer, it settles nothing; it waives the
/// assumption's failing findings until `expires`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accepted {
    pub assumption: String,
    /// One resource's address; `None`: every failing subject.
    pub resource: Option<String>,
    pub reason: String,
    pub by: String,
    /// YYYY-MM-DD, the last day it holds.
    pub expires: String,
    /// 1-based line of the entry.
    pub line: u32,
}

/// The readable entries of an answers file, in file order.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// The path reports print.
    pub path: String,
    pub entries: Vec<Answer>,
    /// The accepted risks, in file order.
    pub accepted: Vec<Accepted>,
}

/// A question that `questions --write` adds to the file, unanswered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Stable id, e.g. "q-3f9a1c0b7d2e".
    pub question: String,
    pub assumption: String,
    /// The question, one or more lines.
    pub text: String,
    /// "terraform/iam.tf:12 aws_iam_role.admin" lines, for the comment.
    pub resources: Vec<String>,
    /// Why the code could not settle it.
    pub reason: String,
}

/// Reads the answers file. A missing file is an empty set, not an error. A malformed file (bad
/// YAML, wrong shape, an entry with no `assumption`/`question`, `holds: maybe`, unknown keys, …)
/// yields diagnostics with path, line and column (code `answers-error`, with a hint); the readable
/// entries are still returned. `shown_as` is the path reports print. Files over [`MAX_SIZE`] are
/// refused with a diagnostic.
pub fn read(path: &Path, shown_as: &str) -> (Answers, Vec<Diagnostic>) {
    let mut answers = Answers {
        path: shown_as.to_string(),
        ..Default::default()
    };
    let text = match load(path) {
        Ok(Some(text)) => text,
        Ok(None) => return (answers, Vec::new()),
        Err(Problem::Io(e)) => {
            let d = Diagnostic::error(shown_as, CODE, format!("cannot read the answers file: {e}"))
                .hint("check the path given with --answers and its permissions");
            return (answers, vec![d]);
        }
        Err(Problem::TooLarge) => {
            let d = Diagnostic::error(
                shown_as,
                CODE,
                format!("the answers file is over the size limit of {MAX_SIZE} bytes"),
            )
            .hint("an answers file holds one short entry per question; check that this is the right file");
            return (answers, vec![d]);
        }
        Err(Problem::Utf8(offset, text)) => {
            let (line, column) = line_col(&text, offset);
            let d = Diagnostic::error(shown_as, CODE, "the answers file is not valid UTF-8")
                .at(line, column, offset)
                .hint("save the file as UTF-8");
            return (answers, vec![d]);
        }
    };
    let analysis = match parse(&text, shown_as) {
        Ok((_, analysis)) => analysis,
        Err(d) => return (answers, vec![*d]),
    };
    answers.entries = analysis.entries;
    answers.accepted = analysis.accepted;
    (answers, analysis.diagnostics)
}

/// The region of every entry of an answers file, from its `-` to the end of its last value,
/// by the entry's first line (the line an [`Answer`] carries). Empty when the file is not an
/// answers list.
pub fn entry_regions(text: &str, shown_as: &str) -> BTreeMap<u32, crate::source::Region> {
    let Ok(root) = yaml::parse(text) else {
        return BTreeMap::new();
    };
    let Ok(Located::Seq(_, seq)) = locate(&root) else {
        return BTreeMap::new();
    };
    let lines = Lines::new(text);
    seq.items()
        .iter()
        .map(|item| {
            let start = entry_start(text, item);
            let end = (item.span.1 as usize).min(text.len());
            let end = text[..end].trim_end().len().max(start);
            let (line, column) = lines.line_col(start);
            let (end_line, end_column) = lines.line_col(end);
            let region = crate::source::Region {
                file: shown_as.to_string(),
                line: line as u32,
                column: column as u32,
                end_line: end_line as u32,
                end_column: end_column as u32,
            };
            (line as u32, region)
        })
        .collect()
}

/// Why a file could not be loaded.
pub(crate) enum Problem {
    Io(std::io::Error),
    TooLarge,
    /// Offset of the first invalid byte, and the text up to it (for the line and column).
    Utf8(usize, String),
}

/// The file's text; `None` when it does not exist. Reads at most [`MAX_SIZE`] bytes, whatever the
/// file claims to be (a device or a growing file cannot make it read more).
pub(crate) fn load(path: &Path) -> Result<Option<String>, Problem> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Problem::Io(e)),
    };
    let meta = file.metadata().map_err(Problem::Io)?;
    if meta.is_dir() {
        return Err(Problem::Io(std::io::Error::other("it is a directory")));
    }
    if meta.len() > MAX_SIZE {
        return Err(Problem::TooLarge);
    }
    let mut bytes = Vec::new();
    file.take(MAX_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(Problem::Io)?;
    if bytes.len() as u64 > MAX_SIZE {
        return Err(Problem::TooLarge);
    }
    String::from_utf8(bytes).map(Some).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
        Problem::Utf8(at, prefix)
    })
}

/// What reading a parsed file found.
#[derive(Debug, Default)]
pub(crate) struct Analysis {
    /// The usable entries, in file order.
    pub entries: Vec<Answer>,
    pub diagnostics: Vec<Diagnostic>,
    /// Every question id an entry names, usable or not: `questions --write` must not add it again.
    pub questions: HashSet<String>,
    /// The accepted risks without errors, in file order.
    pub accepted: Vec<Accepted>,
}

impl Analysis {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
}

/// Parses and checks a text. A YAML error is returned as the one diagnostic.
pub(crate) fn parse(text: &str, shown_as: &str) -> Result<(Node, Analysis), Box<Diagnostic>> {
    let root = yaml::parse(text).map_err(|e| {
        Box::new(
            Diagnostic::error(shown_as, CODE, format!("the answers file is not valid YAML: {}", e.message))
                .at(e.line, e.column, e.offset)
                .hint("fix the YAML here; each entry is `- question: ID` or `- assumption: ID` with `holds:` and `detail:` under it"),
        )
    })?;
    let analysis = Checker {
        text,
        shown_as,
        lines: Lines::new(text),
        diagnostics: Vec::new(),
        errors: 0,
    }
    .check(&root);
    Ok((root, analysis))
}

const ENTRY_KEYS: [&str; 9] = [
    "assumption",
    "question",
    "holds",
    "detail",
    "by",
    "date",
    "accepted",
    "expires",
    "resource",
];
const ENTRY_HINT: &str =
    "an entry is `- question: ID` or `- assumption: ID`, with `holds: true|false` and `detail: \"...\"` under it";

struct Checker<'a> {
    text: &'a str,
    shown_as: &'a str,
    lines: Lines<'a>,
    diagnostics: Vec<Diagnostic>,
    errors: usize,
}

/// The answers file's sequence of entries, found in a parsed root.
pub(crate) enum Located<'n> {
    /// No `answers` key (or an empty document).
    Absent,
    /// `answers:` with a null value.
    Null(&'n Node, &'n Node),
    /// `answers:` and its sequence.
    Seq(&'n Node, &'n Node),
}

/// Finds `answers` in a root node; `Err` when the shape is not one vouch reads.
pub(crate) fn locate(root: &Node) -> Result<Located<'_>, (&Node, String)> {
    match &root.value {
        NodeValue::Null => Ok(Located::Absent),
        NodeValue::Map(entries) => {
            let Some((key, value)) = entries.iter().find(|(k, _)| k.as_str() == Some("answers"))
            else {
                return Ok(Located::Absent);
            };
            match &value.value {
                NodeValue::Null => Ok(Located::Null(key, value)),
                NodeValue::Seq(_) => Ok(Located::Seq(key, value)),
                _ => Err((value, "`answers` must be a list of entries".to_string())),
            }
        }
        _ => Err((
            root,
            "the answers file must be a mapping with an `answers:` list".to_string(),
        )),
    }
}

impl Checker<'_> {
    fn at(&self, node: &Node, severity: Severity, message: String, hint: &str) -> Diagnostic {
        self.at_offset(node.span.0 as usize, severity, message, hint)
    }

    fn at_offset(
        &self,
        offset: usize,
        severity: Severity,
        message: String,
        hint: &str,
    ) -> Diagnostic {
        let (line, column) = self.lines.line_col(offset);
        Diagnostic {
            severity,
            ..Diagnostic::error(self.shown_as, CODE, message)
        }
        .at(line, column, offset)
        .hint(hint)
    }

    fn error(&mut self, node: &Node, message: impl Into<String>, hint: &str) {
        let d = self.at(node, Severity::Error, message.into(), hint);
        self.diagnostics.push(d);
        self.errors += 1;
    }

    fn warning(&mut self, node: &Node, message: impl Into<String>, hint: &str) {
        let d = self.at(node, Severity::Warning, message.into(), hint);
        self.diagnostics.push(d);
    }

    fn check(mut self, root: &Node) -> Analysis {
        let mut analysis = Analysis::default();
        let seq = match locate(root) {
            Ok(Located::Seq(_, seq)) => Some(seq),
            Ok(_) => None,
            Err((node, message)) => {
                self.error(node, message, ENTRY_HINT);
                analysis.diagnostics = self.diagnostics;
                return analysis;
            }
        };
        let mut seen_answers = false;
        for (key, _) in root.entries() {
            match key.as_str() {
                Some("answers") if !seen_answers => seen_answers = true,
                Some("answers") => self.error(
                    key,
                    "`answers` is given twice; only the first list is read",
                    "merge the two lists into one",
                ),
                Some(other) => self.warning(
                    key,
                    format!("unknown top-level key `{other}`: vouch reads only `answers`"),
                    "remove the key, or move its entries under `answers:`",
                ),
                None => self.warning(
                    key,
                    "unknown top-level key: vouch reads only `answers`",
                    "remove the key",
                ),
            }
        }
        let mut found = Vec::new();
        for item in seq.map_or(&[][..], Node::items) {
            if item.get("accepted").is_some() {
                analysis.accepted.extend(self.accepted(item));
                continue;
            }
            let (answer, question) = self.entry(item);
            if let Some(q) = question {
                analysis.questions.insert(q);
            }
            found.extend(answer.map(|a| (a, entry_start(self.text, item))));
        }
        analysis.entries = self.settle_duplicates(found);
        analysis.diagnostics = self.diagnostics;
        analysis
    }

    /// An entry that accepts a risk: `assumption`, `accepted` (why), `by`, `expires`
    /// (YYYY-MM-DD) and optionally `resource`. Every one of the required keys missing, and any
    /// other key, is an error: the entry is then left out and the finding counts.
    fn accepted(&mut self, item: &Node) -> Option<Accepted> {
        const HINT: &str = "an accepted risk is `- assumption: ID` with `accepted: \"why\"`, `by: \"who\"`, `expires: YYYY-MM-DD` and optionally `resource: ADDRESS`";
        let errors_before = self.errors;
        let mut fields: BTreeMap<&str, String> = BTreeMap::new();
        for (key, value) in item.entries() {
            let Some(name) = key.as_str() else {
                self.error(key, "an entry's keys are words", HINT);
                continue;
            };
            if !matches!(
                name,
                "assumption" | "accepted" | "by" | "expires" | "resource"
            ) {
                self.error(
                    key,
                    format!("`{name}` does not belong in an accepted risk"),
                    "an acceptance settles nothing: give `holds`, `question`, `detail` and `date` in an entry of their own",
                );
                continue;
            }
            match &value.value {
                NodeValue::String(s) | NodeValue::Number(_, s) if !s.trim().is_empty() => {
                    if fields.insert(name, s.trim().to_string()).is_some() {
                        self.error(
                            key,
                            format!("`{name}` is given twice in this entry"),
                            "keep one of the two",
                        );
                    }
                }
                _ => self.error(
                    at_value(key, value),
                    format!("`{name}` needs a value"),
                    HINT,
                ),
            }
        }
        for required in ["assumption", "accepted", "by", "expires"] {
            if !fields.contains_key(required) {
                self.error(
                    item,
                    format!("this accepted risk has no `{required}`"),
                    HINT,
                );
            }
        }
        if let Some(e) = fields.get("expires").filter(|e| !valid_date(e)) {
            let e = e.clone();
            self.error(
                item.get("expires").unwrap_or(item),
                format!("`expires` must be a date written YYYY-MM-DD, not `{e}`"),
                "write e.g. `expires: 2027-03-31`: an acceptance without an end is not one",
            );
        }
        if let Some(id) = fields.get("assumption") {
            if crate::assumptions::rule(id).is_none() {
                let id = id.clone();
                self.error(
                    item.get("assumption").unwrap_or(item),
                    format!("no assumption `{id}`"),
                    "`vouch explain` lists the assumptions",
                );
            }
        }
        if self.errors > errors_before {
            return None;
        }
        let resource = fields.remove("resource");
        let mut take = |k: &str| fields.remove(k).unwrap_or_default();
        Some(Accepted {
            assumption: take("assumption"),
            resource,
            reason: take("accepted"),
            by: take("by"),
            expires: take("expires"),
            line: self.lines.line_col(entry_start(self.text, item)).0 as u32,
        })
    }

    /// One entry: the answer when it has no error, and the question id it names (even with errors).
    fn entry(&mut self, item: &Node) -> (Option<Answer>, Option<String>) {
        let NodeValue::Map(fields) = &item.value else {
            self.error(
                item,
                "an entry must be a mapping with `question:` or `assumption:`",
                ENTRY_HINT,
            );
            return (None, None);
        };
        let errors_before = self.errors;
        let mut seen: HashSet<&str> = HashSet::new();
        let mut assumption = None;
        let mut question = None;
        let mut holds = None;
        let mut detail = None;
        let mut by = None;
        let mut date = None;
        for (key, value) in fields {
            let Some(name) = key.as_str().filter(|_| key.tag.is_none()) else {
                self.error(key, "an entry's keys are words", ENTRY_HINT);
                continue;
            };
            if !seen.insert(name) && ENTRY_KEYS.contains(&name) {
                self.error(
                    key,
                    format!("`{name}` is given twice in this entry"),
                    "keep one of the two",
                );
                continue;
            }
            match name {
                "assumption" | "question" => match text_value(value) {
                    Some(s) if !s.trim().is_empty() => {
                        if name == "assumption" {
                            assumption = Some(s.to_string());
                        } else {
                            question = Some(s.to_string());
                        }
                    }
                    _ => self.error(
                        at_value(key, value),
                        format!("`{name}` needs an id"),
                        if name == "question" {
                            "give the question id that `vouch questions` printed, e.g. `question: q-3f9a1c0b7d2e`"
                        } else {
                            "give an assumption id, e.g. `assumption: log.audit-trail`"
                        },
                    ),
                },
                "holds" => match &value.value {
                    NodeValue::Bool(b) => holds = Some(*b),
                    NodeValue::Null => {}
                    NodeValue::String(s) if s.is_empty() => {}
                    _ => {
                        let written = self.source(value);
                        self.error(
                            at_value(key, value),
                            format!("`holds` must be true or false, not `{written}`"),
                            "write `holds: true` or `holds: false` without quotes, or leave it empty while the question is open",
                        )
                    }
                },
                "detail" | "by" => match &value.value {
                    NodeValue::Null => {}
                    NodeValue::String(s) | NodeValue::Number(_, s) => {
                        let v = (!s.is_empty()).then(|| s.clone());
                        if name == "detail" {
                            detail = v;
                        } else {
                            by = v;
                        }
                    }
                    _ => self.error(
                        at_value(key, value),
                        format!("`{name}` must be text"),
                        "quote the text: `detail: \"...\"`",
                    ),
                },
                "date" => match &value.value {
                    NodeValue::Null => {}
                    NodeValue::String(s) if valid_date(s) => date = Some(s.clone()),
                    _ => {
                        let written = self.source(value);
                        self.error(
                            at_value(key, value),
                            format!("`date` must be a date written YYYY-MM-DD, not `{written}`"),
                            "write the date as e.g. `date: 2026-11-20`",
                        )
                    }
                },
                other => {
                    let hint = match closest(other) {
                        Some(k) => format!("did you mean `{k}`? An entry may have assumption, question, holds, detail, by and date"),
                        None => "an entry may have assumption, question, holds, detail, by and date".to_string(),
                    };
                    self.error(key, format!("unknown key `{other}` in an entry"), &hint)
                }
            }
        }
        let target = match (question.clone(), assumption.clone()) {
            (Some(q), _) => Some(Target::Question(q)),
            (None, Some(a)) => Some(Target::Assumption(a)),
            (None, None) => {
                if !seen.contains("question") && !seen.contains("assumption") {
                    self.error(
                        item,
                        "this entry names neither a `question` nor an `assumption`",
                        ENTRY_HINT,
                    );
                }
                None
            }
        };
        if self.errors > errors_before {
            return (None, question);
        }
        let answer = target.map(|target| Answer {
            target,
            assumption,
            holds,
            detail,
            by,
            date,
            line: self.lines.line_col(entry_start(self.text, item)).0 as u32,
        });
        (answer, question)
    }

    /// Two entries for one target: if they disagree, neither is used; if not, the first answered
    /// one is kept and the others are warned about. Each entry comes with its offset.
    fn settle_duplicates(&mut self, found: Vec<(Answer, usize)>) -> Vec<Answer> {
        let mut groups: BTreeMap<(bool, &str), Vec<usize>> = BTreeMap::new();
        for (i, (a, _)) in found.iter().enumerate() {
            let key = match &a.target {
                Target::Assumption(s) => (false, s.as_str()),
                Target::Question(s) => (true, s.as_str()),
            };
            groups.entry(key).or_default().push(i);
        }
        let mut drop = vec![false; found.len()];
        let mut notes = Vec::new();
        for group in groups.values().filter(|g| g.len() > 1) {
            let answered: Vec<usize> = group
                .iter()
                .copied()
                .filter(|&i| found[i].0.holds.is_some())
                .collect();
            let conflict = answered
                .iter()
                .find(|&&i| found[i].0.holds != found[answered[0]].0.holds);
            if let Some(&i) = conflict {
                let first = &found[answered[0]].0;
                notes.push((
                    Severity::Error,
                    found[i].1,
                    format!(
                        "this answer to {} contradicts the one at line {}; neither is used",
                        describe(&first.target),
                        first.line
                    ),
                    "keep one of the two entries",
                ));
                for &j in group {
                    drop[j] = true;
                }
                continue;
            }
            let keep = answered.first().copied().unwrap_or(group[0]);
            for &j in group.iter().filter(|&&j| j != keep) {
                drop[j] = true;
                notes.push((
                    Severity::Warning,
                    found[j].1,
                    format!(
                        "{} is answered again at line {} (this entry is not used)",
                        describe(&found[j].0.target),
                        found[keep].0.line
                    ),
                    "remove one of the two entries",
                ));
            }
        }
        for (severity, offset, message, hint) in notes {
            let d = self.at_offset(offset, severity, message, hint);
            self.diagnostics.push(d);
        }
        self.diagnostics.sort();
        found
            .into_iter()
            .zip(drop)
            .filter(|(_, d)| !d)
            .map(|((a, _), _)| a)
            .collect()
    }

    /// The text of a node as written, shortened for a message.
    fn source(&self, node: &Node) -> String {
        let s = self
            .text
            .get(node.span.0 as usize..node.span.1 as usize)
            .unwrap_or("")
            .trim();
        let one_line: String = s.chars().take_while(|c| *c != '\n').take(40).collect();
        if one_line.len() < s.len() {
            format!("{one_line}…")
        } else {
            one_line
        }
    }
}

fn describe(target: &Target) -> String {
    match target {
        Target::Assumption(a) => format!("assumption `{a}`"),
        Target::Question(q) => format!("question `{q}`"),
    }
}

/// A scalar's text (strings and numbers), not booleans, nulls or collections.
fn text_value(node: &Node) -> Option<&str> {
    match &node.value {
        NodeValue::String(s) | NodeValue::Number(_, s) => Some(s),
        _ => None,
    }
}

/// Where to point at a value: an empty value has no position of its own, its key has.
fn at_value<'n>(key: &'n Node, value: &'n Node) -> &'n Node {
    if value.span.0 == value.span.1 {
        key
    } else {
        value
    }
}

/// The known key nearest to a misspelt one (edit distance at most 2).
fn closest(word: &str) -> Option<&'static str> {
    let word = word.to_ascii_lowercase();
    ENTRY_KEYS
        .iter()
        .map(|k| (distance(&word, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().take(64).enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != b[j]))
                .min(row[j] + 1)
                .min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Whether a text is a date written YYYY-MM-DD that exists.
pub(crate) fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

pub(crate) fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The byte offset where an entry starts: its `-` when the entry follows one on the same line.
pub(crate) fn entry_start(text: &str, item: &Node) -> usize {
    let start = item.span.0 as usize;
    let before = text[..start].trim_end_matches([' ', '\t']);
    if before.ends_with('-') {
        before.len() - 1
    } else {
        start
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// Line starts of a text, for many positions.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, self.text[start..offset].chars().count() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_regions_run_from_the_dash_to_the_last_value() {
        let text = "answers:\n  - question: q-1\n    holds: true\n\n  - assumption: a.b\n    holds: false  \n";
        let r = entry_regions(text, "answers.yaml");
        let first = &r[&2];
        assert_eq!(
            (first.line, first.column, first.end_line, first.end_column),
            (2, 3, 3, 16)
        );
        let second = &r[&5];
        assert_eq!(
            (
                second.line,
                second.column,
                second.end_line,
                second.end_column
            ),
            (5, 3, 6, 17)
        );
        assert!(entry_regions("not: [answers", "a").is_empty());
    }

    #[test]
    fn dates() {
        assert!(valid_date("2024-02-29"));
        assert!(!valid_date("2023-02-29"));
        assert!(!valid_date("2023-13-01"));
        assert!(!valid_date("2023-1-01"));
        assert!(!valid_date("２０２３-01-01"));
        assert!(valid_date("2000-02-29"));
        assert!(!valid_date("1900-02-29"));
    }

    #[test]
    fn misspelt_keys() {
        assert_eq!(closest("hold"), Some("holds"));
        assert_eq!(closest("Details"), Some("detail"));
        assert_eq!(closest("reviewer"), None);
    }

    #[test]
    fn positions() {
        let t = "a\nbé c\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 2), (2, 1));
        assert_eq!(line_col(t, 5), (2, 3));
        let lines = Lines::new(t);
        for o in 0..=t.len() + 2 {
            assert_eq!(lines.line_col(o), line_col(t, o), "{o}");
        }
    }
}
