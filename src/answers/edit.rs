//! Edits of the answers file as text: nothing the user wrote is rewritten, and every result is read
//! back and compared with what the edit meant before it is renamed into place.

use super::{entry_start, line_col, load, locate, parse, valid_date, Analysis, Answer, Located};
use super::{Pending, Problem, Target, MAX_SIZE};
use crate::syntax::yaml::{Node, NodeValue};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The first lines of an answers file that vouch creates.
const HEADER: &str = "\
# Answers to vouch's questions: what the Terraform and CloudFormation cannot settle.
# For each entry, set `holds: true` or `holds: false` and say why in `detail`;
# leave `holds` empty to keep the question open. An entry may name an `assumption`
# instead of a `question`: it then answers for every resource of that assumption.
answers:
";

/// Appends an unanswered entry for every pending question whose id is not already in the file (as
/// `question:`), as text, keeping every byte the user wrote. Creates the file (and its directory)
/// with a short header comment when missing and there is something to add. A file whose shape is
/// not an `answers:` list (or absent, null or flow list) is an error and stays untouched. The write
/// is atomic and keeps the file's permissions. Returns how many entries were added.
pub fn append_pending(path: &Path, pending: &[Pending]) -> io::Result<usize> {
    for p in pending {
        check_pending(p)?;
    }
    let path = real_path(path)?;
    let original = read_for_edit(&path)?;
    let text = original.as_deref().unwrap_or(HEADER);
    let (root, before) = parse_for_edit(text, &path)?;
    let mut seen = before.questions.clone();
    let new: Vec<&Pending> = pending
        .iter()
        .filter(|p| seen.insert(p.question.clone()))
        .collect();
    if new.is_empty() {
        return Ok(0);
    }
    let entries: Vec<(Vec<String>, NewEntry)> = new
        .iter()
        .map(|p| (comment_lines(p), NewEntry::open(p)))
        .collect();
    let mut expected: Vec<Answer> = before.entries.clone();
    expected.extend(entries.iter().map(|(_, e)| e.answer()));
    let result = plans(text, &root)
        .map_err(|m| shape_error(&path, &m))?
        .into_iter()
        .map(|plan| apply(text, &plan, &entries))
        .find(|candidate| {
            parse(candidate, "").is_ok_and(|(_, after)| {
                same_entries(&after.entries, &expected) && same_problems(&before, &after)
            })
        });
    let Some(result) = result else {
        return Err(io::Error::other(format!(
            "{}: vouch could not add its questions to this file without changing what it says; the file is unchanged",
            path.display()
        )));
    };
    write_atomic(&path, &result, original.as_deref())?;
    Ok(new.len())
}

/// Records an answer for one question (used by `vouch clarify`): replaces the entry for that
/// question in place (its byte range, leaving everything else as written; an unanswered entry is
/// preferred when there are several), or appends a new entry. Atomic like [`append_pending`].
pub fn record(
    path: &Path,
    pending: &Pending,
    holds: bool,
    detail: &str,
    by: Option<&str>,
    date: &str,
) -> io::Result<()> {
    check_pending(pending)?;
    if !valid_date(date) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the date `{date}` is not written YYYY-MM-DD"),
        ));
    }
    let path = real_path(path)?;
    let original = read_for_edit(&path)?;
    let text = original.as_deref().unwrap_or(HEADER);
    let (root, before) = parse_for_edit(text, &path)?;
    let existing = find_entry(&root, &pending.question);
    let entry = NewEntry {
        question: pending.question.clone(),
        assumption: pending.assumption.clone(),
        holds: Some(holds),
        detail: detail.to_string(),
        by: by
            .map(str::to_string)
            .or_else(|| existing.and_then(|e| e.get("by")?.as_str().map(str::to_string)))
            .filter(|s| !s.is_empty()),
        date: Some(date.to_string()),
    };
    let candidates: Vec<String> = match existing {
        Some(item) => vec![replace(text, item, &entry).map_err(|m| shape_error(&path, &m))?],
        None => {
            let entries = [(comment_lines(pending), entry.clone())];
            plans(text, &root)
                .map_err(|m| shape_error(&path, &m))?
                .iter()
                .map(|plan| apply(text, plan, &entries))
                .collect()
        }
    };
    let target = Target::Question(pending.question.clone());
    let mut wanted = entry.answer();
    wanted.by = entry.by.clone();
    let result = candidates.into_iter().find(|candidate| {
        parse(candidate, "").is_ok_and(|(_, after)| {
            let others = |a: &[Answer]| -> Vec<Answer> {
                a.iter().filter(|x| x.target != target).cloned().collect()
            };
            let mine: Vec<&Answer> = after
                .entries
                .iter()
                .filter(|x| x.target == target)
                .collect();
            after.errors() <= before.errors()
                && mine.len() == 1
                && same_entries(&[mine[0].clone()], &[wanted.clone()])
                && same_entries(&others(&after.entries), &others(&before.entries))
        })
    });
    let Some(result) = result else {
        return Err(io::Error::other(format!(
            "{}: vouch could not record the answer to {} without changing the rest of the file \
             (another entry for this question?); the file is unchanged",
            path.display(),
            pending.question
        )));
    };
    write_atomic(&path, &result, original.as_deref())
}

/// An entry vouch writes.
#[derive(Debug, Clone)]
struct NewEntry {
    question: String,
    assumption: String,
    holds: Option<bool>,
    detail: String,
    by: Option<String>,
    date: Option<String>,
}

impl NewEntry {
    fn open(p: &Pending) -> NewEntry {
        NewEntry {
            question: p.question.clone(),
            assumption: p.assumption.clone(),
            holds: None,
            detail: String::new(),
            by: None,
            date: None,
        }
    }

    /// What reading the entry back must give (but its line).
    fn answer(&self) -> Answer {
        Answer {
            target: Target::Question(self.question.clone()),
            assumption: Some(self.assumption.clone()),
            holds: self.holds,
            detail: (!self.detail.is_empty()).then(|| self.detail.clone()),
            by: self.by.clone(),
            date: self.date.clone(),
            line: 0,
        }
    }

    /// `key: value` for each field, in the order written.
    fn fields(&self) -> Vec<String> {
        let mut out = vec![
            format!("question: {}", scalar(&self.question)),
            format!("assumption: {}", scalar(&self.assumption)),
            match self.holds {
                Some(h) => format!("holds: {h}"),
                None => "holds:            # true or false".to_string(),
            },
            format!("detail: {}", quoted(&self.detail)),
        ];
        if let Some(by) = &self.by {
            out.push(format!("by: {}", quoted(by)));
        }
        if let Some(date) = &self.date {
            out.push(format!("date: {date}"));
        }
        out
    }

    fn flow(&self) -> String {
        let fields: Vec<String> = self
            .fields()
            .into_iter()
            .map(|f| {
                if f.starts_with("holds:") && self.holds.is_none() {
                    "holds: null".to_string()
                } else {
                    f
                }
            })
            .collect();
        format!("{{{}}}", fields.join(", "))
    }

    /// The entry as block lines: comments at the dash's column, keys at `key`.
    fn block(&self, comments: &[String], dash: usize, key: usize) -> String {
        let mut out = String::new();
        for c in comments {
            out.push_str(&" ".repeat(dash));
            out.push_str(c);
            out.push('\n');
        }
        for (i, f) in self.fields().iter().enumerate() {
            if i == 0 {
                out.push_str(&" ".repeat(dash));
                out.push('-');
                out.push_str(&" ".repeat(key.saturating_sub(dash + 1).max(1)));
            } else {
                out.push_str(&" ".repeat(key));
            }
            out.push_str(f);
            out.push('\n');
        }
        out
    }
}

/// The comment above an entry: the question, why it is open and where.
fn comment_lines(p: &Pending) -> Vec<String> {
    let mut out = Vec::new();
    let mut text = p.text.lines().map(comment_text);
    match text.next() {
        Some(first) => out.push(format!("# {}: {first}", comment_text(&p.assumption))),
        None => out.push(format!("# {}", comment_text(&p.assumption))),
    }
    out.extend(text.map(|l| format!("#   {l}")));
    let mut reason = p.reason.lines().map(comment_text);
    if let Some(first) = reason.next() {
        out.push(format!("# why open: {first}"));
        out.extend(reason.map(|l| format!("#   {l}")));
    }
    for (i, r) in p.resources.iter().flat_map(|r| r.lines()).enumerate() {
        let label = if i == 0 { "resources:" } else { "          " };
        out.push(format!("# {label} {}", comment_text(r)));
    }
    out.iter().map(|l| l.trim_end().to_string()).collect()
}

/// A line of text that is safe in a comment: no line breaks or other control characters.
fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if printable(c) && c != '\t' { c } else { ' ' })
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// Characters YAML allows as they are, but for line breaks YAML 1.1 readers see (NEL, LS, PS) and
/// the byte-order mark.
fn printable(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{a0}'..='\u{2027}' | '\u{202a}'..='\u{d7ff}' | '\u{e000}'..='\u{fefe}' | '\u{ff00}'..='\u{fffd}' | '\u{10000}'..)
}

/// A scalar written plain when that reads back as the same string in any YAML reader, else quoted.
fn scalar(s: &str) -> String {
    let safe = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if safe {
        s.to_string()
    } else {
        quoted(s)
    }
}

/// A double-quoted YAML scalar.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if !printable(c) => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else {
                    out.push_str(&format!("\\u{n:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Where and how to insert new entries.
#[derive(Debug)]
struct Plan {
    /// A range to replace first, before `at`: `[]` or `~` by nothing, or nothing by a comma.
    replace: Option<(usize, usize, &'static str)>,
    at: usize,
    /// Written before the entries (`answers:` when the key is absent).
    lead: String,
    style: Style,
}

#[derive(Debug, Clone, Copy)]
enum Style {
    /// Block entries: `-` at `dash`, keys at `key`.
    Block { dash: usize, key: usize },
    /// Flow mappings inside a flow sequence, on lines indented by `indent`; `own_lines`: inserted
    /// at a line start (else right after the last item, on its line).
    Flow { indent: usize, own_lines: bool },
}

/// The ways to insert into this file, best first (the next is tried when one does not read back
/// as meant, e.g. because of aliases).
fn plans(text: &str, root: &Node) -> Result<Vec<Plan>, String> {
    let located = locate(root).map_err(|(node, message)| {
        let (line, column) = line_col(text, node.span.0 as usize);
        format!("line {line}, column {column}: {message}")
    })?;
    if matches!(root.value, NodeValue::Map(_)) && is_flow(text, root) {
        return Err("the file is a flow mapping (`{...}`); write `answers:` as a block".into());
    }
    let block = |key_col: usize| Style::Block {
        dash: key_col + 2,
        key: key_col + 4,
    };
    let plans = match located {
        Located::Absent => match root.entries().first() {
            None => vec![Plan {
                replace: None,
                at: text.len(),
                lead: "answers:\n".into(),
                style: block(0),
            }],
            Some((first, _)) => {
                let col = indent(text, first.span.0 as usize, false)?;
                let lead = format!("{}answers:\n", " ".repeat(col));
                vec![
                    Plan {
                        replace: None,
                        at: after_line(text, content_end(text, root)),
                        lead: lead.clone(),
                        style: block(col),
                    },
                    Plan {
                        replace: None,
                        at: text.len(),
                        lead,
                        style: block(col),
                    },
                ]
            }
        },
        Located::Null(key, value) => {
            let col = indent(text, key.span.0 as usize, false)?;
            let replace = (value.span.0 < value.span.1).then(|| {
                let (a, b) = widen(text, value.span.0 as usize, value.span.1 as usize);
                (a, b, "")
            });
            vec![Plan {
                replace,
                // An empty value's span may sit at the next token: go by the key's line.
                at: after_line(
                    text,
                    if value.span.0 < value.span.1 {
                        value.span.1 as usize
                    } else {
                        key.span.1 as usize
                    },
                ),
                lead: String::new(),
                style: block(col),
            }]
        }
        Located::Seq(key, seq) => {
            let col = indent(text, key.span.0 as usize, false)?;
            let items = seq.items();
            if is_flow(text, seq) {
                match items.last() {
                    None => vec![Plan {
                        replace: {
                            let (a, b) = widen(text, seq.span.0 as usize, flow_end(text, seq));
                            Some((a, b, ""))
                        },
                        at: after_line(text, flow_end(text, seq)),
                        lead: String::new(),
                        style: block(col),
                    }],
                    Some(last) => {
                        let end = flow_end(text, last);
                        let line = text[end..].split('\n').next().unwrap_or("");
                        let rest = line.trim_start();
                        let comma = rest.starts_with(',');
                        let rest = rest.trim_start_matches(',').trim();
                        let own_line = (rest.is_empty() || rest.starts_with('#'))
                            && end + line.len() < text.len();
                        let same_line = Plan {
                            replace: None,
                            at: end,
                            lead: String::new(),
                            style: Style::Flow {
                                indent: col + 2,
                                own_lines: false,
                            },
                        };
                        if own_line {
                            // After the last item's line, which may end with a comment.
                            vec![
                                Plan {
                                    replace: (!comma).then_some((end, end, ",")),
                                    at: end + line.len() + 1,
                                    lead: String::new(),
                                    style: Style::Flow {
                                        indent: col + 2,
                                        own_lines: true,
                                    },
                                },
                                same_line,
                            ]
                        } else {
                            vec![same_line]
                        }
                    }
                }
            } else {
                // The sequence's span starts at its first item's content in the compact
                // layout (`answers:` then `- ...` at the same column): find the dash.
                let first_dash = items
                    .first()
                    .map(|i| entry_start(text, i))
                    .filter(|&d| text.as_bytes().get(d) == Some(&b'-'))
                    .unwrap_or(seq.span.0 as usize);
                let dash = indent(text, first_dash, false)?;
                let key_col = match items.first() {
                    Some(first)
                        if matches!(first.value, NodeValue::Map(_)) && !is_flow(text, first) =>
                    {
                        indent(text, first.span.0 as usize, true).unwrap_or(dash + 2)
                    }
                    _ => dash + 2,
                };
                let style = Style::Block { dash, key: key_col };
                let end = seq.span.1 as usize;
                let robust = if end >= text.len() {
                    text.len()
                } else {
                    line_start(text, end)
                };
                vec![
                    Plan {
                        replace: None,
                        at: after_line(text, content_end(text, seq)),
                        lead: String::new(),
                        style,
                    },
                    Plan {
                        replace: None,
                        at: robust,
                        lead: String::new(),
                        style,
                    },
                ]
            }
        }
    };
    Ok(plans)
}

/// The text with the entries inserted as planned.
fn apply(text: &str, plan: &Plan, entries: &[(Vec<String>, NewEntry)]) -> String {
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut body = String::new();
    match plan.style {
        Style::Block { dash, key } => {
            if plan.at == text.len() && !text.is_empty() && !text.ends_with('\n') {
                body.push('\n');
            }
            body.push_str(&plan.lead);
            for (comments, entry) in entries {
                body.push_str(&entry.block(comments, dash, key));
            }
        }
        Style::Flow { indent, own_lines } => {
            let pad = " ".repeat(indent);
            for (comments, entry) in entries {
                if !own_lines {
                    body.push_str(",\n");
                }
                for c in comments {
                    body.push_str(&format!("{pad}{c}\n"));
                }
                body.push_str(&pad);
                body.push_str(&entry.flow());
                if own_lines {
                    body.push_str(",\n");
                }
            }
        }
    }
    if nl != "\n" {
        body = body.replace('\n', nl);
    }
    let (r0, r1, with) = plan.replace.unwrap_or((plan.at, plan.at, ""));
    let mut out = String::with_capacity(text.len() + body.len() + 1);
    out.push_str(&text[..r0]);
    out.push_str(with);
    out.push_str(&text[r1..plan.at]);
    out.push_str(&body);
    out.push_str(&text[plan.at..]);
    out
}

/// The text with an existing entry replaced by `entry`.
fn replace(text: &str, item: &Node, entry: &NewEntry) -> Result<String, String> {
    let start = item.span.0 as usize;
    let (end, replacement) = if is_flow(text, item) {
        (flow_end(text, item), entry.flow())
    } else {
        let key = indent(text, start, true)?;
        let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let mut end = content_end(text, item);
        let ends_line = text[line_start(text, end)..end].trim().is_empty();
        if ends_line {
            end = line_start(text, end);
        }
        let pad = format!("{nl}{}", " ".repeat(key));
        let mut r = entry.fields().join(&pad);
        if ends_line {
            r.push_str(nl);
        }
        (end, r)
    };
    Ok(format!("{}{replacement}{}", &text[..start], &text[end..]))
}

/// The entry naming a question: an unanswered one first.
fn find_entry<'n>(root: &'n Node, question: &str) -> Option<&'n Node> {
    let Ok(Located::Seq(_, seq)) = locate(root) else {
        return None;
    };
    let named: Vec<&Node> = seq
        .items()
        .iter()
        .filter(|item| item.get("question").and_then(Node::as_str) == Some(question))
        .collect();
    let unanswered = |item: &&&Node| match item.get("holds").map(|h| &h.value) {
        None | Some(NodeValue::Null) => true,
        Some(NodeValue::String(s)) => s.is_empty(),
        _ => false,
    };
    named
        .iter()
        .find(unanswered)
        .or_else(|| named.first())
        .copied()
}

fn is_flow(text: &str, node: &Node) -> bool {
    matches!(node.value, NodeValue::Seq(_) | NodeValue::Map(_))
        && matches!(text.as_bytes().get(node.span.0 as usize), Some(b'[' | b'{'))
}

/// The end of a flow collection's closing bracket (its span may run on over a comment after it);
/// the span's end for other nodes, or when the bracket is not where it should be.
fn flow_end(text: &str, node: &Node) -> usize {
    if !is_flow(text, node) {
        return node.span.1 as usize;
    }
    let from = match &node.value {
        NodeValue::Seq(items) => items.last().map(|i| flow_end(text, i)),
        NodeValue::Map(entries) => entries
            .last()
            .map(|(k, v)| flow_end(text, k).max(flow_end(text, v))),
        _ => None,
    }
    .unwrap_or(node.span.0 as usize + 1);
    let close = if text.as_bytes()[node.span.0 as usize] == b'[' {
        b']'
    } else {
        b'}'
    };
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' | b',' | b':' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            c if c == close => return i + 1,
            _ => break,
        }
    }
    node.span.1 as usize
}

/// The end of the last character that belongs to a node: block collections' spans run on to the
/// next token, past comments, so their end is that of their last child.
fn content_end(text: &str, node: &Node) -> usize {
    let children: Vec<&Node> = match &node.value {
        NodeValue::Seq(items) if !is_flow(text, node) => items.iter().collect(),
        NodeValue::Map(entries) if !is_flow(text, node) => {
            // An empty value has an empty span at the end of its key: the `:` comes after.
            return entries
                .iter()
                .map(|(k, v)| {
                    let key_end = content_end(text, k);
                    let value_end = if v.span.0 == v.span.1 {
                        let rest = &text[key_end..];
                        let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
                        key_end + spaces + usize::from(rest[spaces..].starts_with(':'))
                    } else {
                        content_end(text, v)
                    };
                    key_end.max(value_end)
                })
                .max()
                .unwrap_or(node.span.1 as usize);
        }
        _ => return flow_end(text, node),
    };
    children
        .into_iter()
        .map(|c| content_end(text, c))
        .max()
        .unwrap_or(node.span.1 as usize)
}

/// The column of a node that starts a line (after spaces, and after `- ` when `after_dash`).
fn indent(text: &str, at: usize, after_dash: bool) -> Result<usize, String> {
    let start = line_start(text, at);
    let prefix = &text[start..at];
    let ok = prefix.chars().all(|c| c == ' ' || (after_dash && c == '-'));
    if ok {
        Ok(prefix.len())
    } else {
        let (line, column) = line_col(text, at);
        Err(format!(
            "line {line}, column {column}: unexpected layout (indent with spaces, one entry per `-`)"
        ))
    }
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// Where the line after `at` starts; `at` itself when only spaces precede it on its line (a block
/// scalar's span ends at the next line's indentation).
fn after_line(text: &str, at: usize) -> usize {
    let start = line_start(text, at);
    if text[start..at].trim().is_empty() {
        return start;
    }
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// A value to delete, with the spaces before it when nothing but spaces follows it on its line.
fn widen(text: &str, start: usize, end: usize) -> (usize, usize) {
    let rest = text[end..].split('\n').next().unwrap_or("");
    if rest.trim().is_empty() {
        let before = text[..start].trim_end_matches(' ').len();
        (before, end)
    } else {
        (start, end)
    }
}

fn same_entries(a: &[Answer], b: &[Answer]) -> bool {
    let strip = |x: &[Answer]| -> Vec<Answer> {
        x.iter()
            .map(|e| Answer {
                line: 0,
                ..e.clone()
            })
            .collect()
    };
    strip(a) == strip(b)
}

/// The same number of errors and of warnings: line numbers in messages move, so messages are not
/// compared.
fn same_problems(before: &Analysis, after: &Analysis) -> bool {
    use crate::diagnostics::Severity::{Error, Warning};
    let count = |a: &Analysis, s| a.diagnostics.iter().filter(|d| d.severity == s).count();
    count(before, Error) == count(after, Error) && count(before, Warning) == count(after, Warning)
}

fn check_pending(p: &Pending) -> io::Result<()> {
    let bad = |s: &str| {
        s.trim().is_empty() || s.trim() != s || s.chars().any(|c| !printable(c) || c == '\t')
    };
    for (what, s) in [
        ("question id", &p.question),
        ("assumption id", &p.assumption),
    ] {
        if bad(s) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "the {what} `{}` is empty or has spaces around it or control characters",
                    s.escape_debug()
                ),
            ));
        }
    }
    Ok(())
}

fn shape_error(path: &Path, message: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{}: {message}; vouch edits only an `answers:` list, and left the file unchanged",
            path.display()
        ),
    )
}

fn parse_for_edit(text: &str, path: &Path) -> io::Result<(Node, Analysis)> {
    parse(text, &path.display().to_string()).map_err(|d| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}:{}:{}: {}; fix it before vouch writes to it (the file is unchanged)",
                d.path, d.line, d.column, d.message
            ),
        )
    })
}

/// The file an edit writes: a symbolic link's target, so that renaming keeps the link.
fn real_path(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

fn read_for_edit(path: &Path) -> io::Result<Option<String>> {
    load(path).map_err(|p| match p {
        Problem::Io(e) => e,
        Problem::TooLarge => io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: over the size limit of {MAX_SIZE} bytes",
                path.display()
            ),
        ),
        Problem::Utf8(at, _) => io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: not valid UTF-8 (byte {at})", path.display()),
        ),
    })
}

/// Removes a temporary file unless it was renamed into place.
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

/// Writes `text` to a temporary file next to `path`, fsyncs it and renames it into place, with the
/// permissions of the file it replaces. Refuses when the file changed since it was read (`before`;
/// `None`: it did not exist).
fn write_atomic(path: &Path, text: &str, before: Option<&str>) -> io::Result<()> {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the answers path names no file",
        )
    })?;
    fs::create_dir_all(&dir)?;
    let permissions = match before {
        Some(_) => Some(fs::metadata(path)?.permissions()),
        None => None,
    };
    let (mut tmp, file) = loop {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let candidate = dir.join(format!(
            ".{}.{}-{n}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => break (TempFile(Some(candidate)), f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => continue,
            Err(e) => return Err(e),
        }
    };
    let mut file = file;
    file.write_all(text.as_bytes())?;
    if let Some(p) = permissions {
        file.set_permissions(p)?;
    }
    file.sync_all()?;
    drop(file);
    let now = read_for_edit(path)?;
    if now.as_deref() != before {
        return Err(io::Error::other(format!(
            "{} changed while vouch was editing it; run the command again",
            path.display()
        )));
    }
    let tmp_path = tmp.0.clone().unwrap_or_default();
    fs::rename(&tmp_path, path)?;
    tmp.0 = None;
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_read_back() {
        for s in [
            "q-3f9a1c0b7d2e",
            "log.audit-trail",
            "yes",
            "1e5",
            "a: b",
            "#x",
            "say \"hi\"\nback\\slash\ttab\u{85}\u{2028}\u{1b}[31m",
            "",
            "- x",
            "é",
        ] {
            let text = format!("k: {}\nq: {}\n", scalar(s), quoted(s));
            let doc = crate::syntax::yaml::parse(&text).unwrap();
            assert_eq!(doc.get("k").unwrap().as_str(), Some(s), "{text}");
            assert_eq!(doc.get("q").unwrap().as_str(), Some(s), "{text}");
        }
    }

    #[test]
    fn a_file_changed_meanwhile_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answers.yaml");
        fs::write(&path, "answers:\n").unwrap();
        // Read as "answers: []", but it now says something else: someone else wrote it.
        let e = write_atomic(&path, "new", Some("answers: []\n")).unwrap_err();
        assert!(e.to_string().contains("changed while vouch was editing it"));
        let e = write_atomic(&path, "new", None).unwrap_err();
        assert!(e.to_string().contains("changed"));
        assert_eq!(fs::read_to_string(&path).unwrap(), "answers:\n");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("answers.yaml")],
            "no temporary file is left"
        );
        write_atomic(&path, "new", Some("answers:\n")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn comments_stay_comments() {
        let p = Pending {
            question: "q-1".into(),
            assumption: "a.b".into(),
            text: "line one\nline two\r\nthree\u{2028}four\u{85}five".into(),
            resources: vec!["x.tf:1 a.b".into(), "y.tf:2 c.d".into()],
            reason: "because\nof this".into(),
        };
        let lines = comment_lines(&p);
        assert!(lines.iter().all(|l| l.starts_with('#')));
        assert!(lines
            .iter()
            .all(|l| !l.contains(['\r', '\n', '\u{2028}', '\u{85}'])));
        assert_eq!(lines[0], "# a.b: line one");
        assert_eq!(lines.last().unwrap(), "#            y.tf:2 c.d");
    }
}
