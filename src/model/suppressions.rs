//! Inline suppressions: `# vouch:ignore <assumption-id> <reason>` (also `//` in HCL) written on
//! the line before, or on the line of, a resource, an attribute or a `module` block, and the
//! `Metadata: {vouch: {ignore: [{id, reason}]}}` form CloudFormation JSON needs (it has no
//! comments; YAML templates may use it too).
//!
//! The frontends know where resources, attributes and module calls are; this module ties each
//! comment to the thing on its line (or the next line of code) while the texts are still held,
//! and the model carries the result as data ([`Suppression`]). Applying them to a report is
//! `crate::waivers`' work. A comment without a reason, or one that names nothing it could cover,
//! is a diagnostic and suppresses nothing.

use super::Model;
use crate::diagnostics::Diagnostic;
use crate::load::{FileKind, Loaded};
use crate::source::{FileId, Span};
use std::collections::{BTreeMap, HashMap};

/// The word that opens a suppression comment.
pub const MARKER: &str = "vouch:ignore";
/// The code of every diagnostic about a suppression.
pub const CODE: &str = "suppression";

/// What a suppression covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Whole resources (every instance a `count` or `for_each`, or every call of the module
    /// that holds the resource, makes from one block), by address.
    Resources(Vec<String>),
    /// One attribute or nested block of these resources: evidence located on its lines.
    Attribute {
        resources: Vec<String>,
        file: String,
        first_line: u32,
        last_line: u32,
    },
    /// Everything a `module` call creates: addresses under this prefix (`module.api`).
    Module(String),
}

/// One suppression the code declares.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Suppression {
    /// The deployment unit of what it covers.
    pub unit: String,
    /// The assumption id it names.
    pub assumption: String,
    pub reason: String,
    pub scope: Scope,
    /// Where it is written (the comment, or the `Metadata` entry).
    pub span: Span,
}

impl Suppression {
    /// Whether it covers a piece of evidence about `resource` of `unit`, located at `file:line`.
    pub fn covers(
        &self,
        assumption: &str,
        unit: &str,
        resource: &str,
        at: Option<(&str, u32)>,
    ) -> bool {
        if self.assumption != assumption || self.unit != unit {
            return false;
        }
        match &self.scope {
            Scope::Resources(addresses) => addresses.iter().any(|a| a == resource),
            Scope::Attribute {
                resources,
                file,
                first_line,
                last_line,
            } => {
                resources.iter().any(|a| a == resource)
                    && at.is_some_and(|(f, l)| f == file && (*first_line..=*last_line).contains(&l))
            }
            Scope::Module(prefix) => resource
                .strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('[')),
        }
    }
}

/// A suppression comment found in a file's text, before it is tied to anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// 1-based line of the comment.
    pub line: u32,
    /// Byte offset of the marker in the file.
    pub offset: usize,
    /// The line the comment is about: its own when code precedes it on the line, else the next
    /// line that is neither blank nor a comment.
    pub target_line: u32,
    pub assumption: String,
    /// Empty when none was written.
    pub reason: String,
}

/// The suppression comments of a text. `hcl` also accepts `//` comments.
pub fn comments(text: &str, hcl: bool) -> Vec<Comment> {
    let lines: Vec<(usize, &str)> = {
        let mut start = 0;
        text.split('\n')
            .map(|l| {
                let at = start;
                start += l.len() + 1;
                (at, l)
            })
            .collect()
    };
    let is_code = |l: &str| {
        let t = l.trim();
        !(t.is_empty() || t.starts_with('#') || (hcl && t.starts_with("//")))
    };
    let mut out = Vec::new();
    for (i, (start, line)) in lines.iter().enumerate() {
        if !line.contains(MARKER) {
            continue;
        }
        let Some((before, after)) = comment_of(line, hcl) else {
            continue;
        };
        let Some(rest) = after.trim_start().strip_prefix(MARKER) else {
            continue;
        };
        if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let mut words = rest.trim().splitn(2, char::is_whitespace);
        let assumption = words.next().unwrap_or("").to_string();
        let reason = words.next().unwrap_or("").trim().to_string();
        let target = if before.trim().is_empty() {
            lines[i + 1..]
                .iter()
                .position(|(_, l)| is_code(l))
                .map_or(i, |k| i + 1 + k)
        } else {
            i
        };
        out.push(Comment {
            line: i as u32 + 1,
            offset: start + line.find(MARKER).unwrap_or(0),
            target_line: target as u32 + 1,
            assumption,
            reason,
        });
    }
    out
}

/// The code before a line's comment and the comment's text, when the line has one (a `#` or
/// `//` outside a double-quoted string).
fn comment_of(line: &str, hcl: bool) -> Option<(&str, &str)> {
    let (mut quoted, mut escaped, mut single) = (false, false, false);
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' if !single => quoted = !quoted,
            b'\'' if !hcl && !quoted => single = !single,
            // In YAML a `#` starts a comment only at the start or after a space.
            b'#' if !quoted && !single && (hcl || i == 0 || bytes[i - 1].is_ascii_whitespace()) => {
                return Some((&line[..i], &line[i + 1..]));
            }
            b'/' if hcl && !quoted && bytes.get(i + 1) == Some(&b'/') => {
                return Some((&line[..i], &line[i + 2..]));
            }
            _ => {}
        }
    }
    None
}

/// Reads the suppression comments of every Terraform and YAML template file and ties each to
/// the resources, attribute or module call on its target line. Runs after the frontends lowered
/// the files and before their texts are released. Linear in the resources, attributes and
/// module calls of the files that hold a comment.
pub fn record(loaded: &Loaded, model: &mut Model, diagnostics: &mut Vec<Diagnostic>) {
    tie_comments(loaded, model, diagnostics);
    cover_generated(model);
    model.suppressions.sort();
    model.suppressions.dedup();
}

/// A suppression of a resource also covers what an expansion (the SAM transform) generated
/// from it: the function's role is written as the function.
fn cover_generated(model: &mut Model) {
    if model.suppressions.is_empty() {
        return;
    }
    let mut made: HashMap<(&str, &str), Vec<String>> = HashMap::new();
    for r in &model.resources {
        if let Some(by) = &r.generated_by {
            made.entry((r.unit.as_str(), by.as_str()))
                .or_default()
                .push(r.address.clone());
        }
    }
    if made.is_empty() {
        return;
    }
    for s in &mut model.suppressions {
        if let Scope::Resources(addresses) = &mut s.scope {
            let extra: Vec<String> = addresses
                .iter()
                .filter_map(|a| made.get(&(s.unit.as_str(), a.as_str())))
                .flatten()
                .filter(|g| !addresses.contains(g))
                .cloned()
                .collect();
            addresses.extend(extra);
        }
    }
}

fn tie_comments(loaded: &Loaded, model: &mut Model, diagnostics: &mut Vec<Diagnostic>) {
    let mut by_file: HashMap<FileId, Vec<Comment>> = HashMap::new();
    for f in &loaded.files {
        let hcl = match f.kind {
            FileKind::Terraform => true,
            FileKind::CloudFormation => false,
            _ => continue,
        };
        let src = loaded.file(f.id);
        if !src.has_text() || !src.text.contains(MARKER) {
            continue;
        }
        let found = comments(&src.text, hcl);
        if !found.is_empty() {
            by_file.insert(f.id, found);
        }
    }
    if by_file.is_empty() {
        return;
    }
    // What starts on each line of those files: resources, attributes, module calls.
    type Key = (FileId, u32);
    let mut resources: HashMap<Key, Vec<usize>> = HashMap::new();
    let mut attributes: HashMap<Key, Vec<(usize, u32)>> = HashMap::new();
    let line_of = |offset: u32, file: FileId| loaded.file(file).line_col(offset).0;
    for (i, r) in model.resources.iter().enumerate() {
        if r.generated_by.is_some() || !by_file.contains_key(&r.span.file) {
            continue;
        }
        resources
            .entry((r.span.file, line_of(r.span.start, r.span.file)))
            .or_default()
            .push(i);
        for (_, s) in r.attribute_spans.iter() {
            if by_file.contains_key(&s.file) {
                attributes
                    .entry((s.file, line_of(s.start, s.file)))
                    .or_default()
                    .push((i, line_of(s.end.saturating_sub(1).max(s.start), s.file)));
            }
        }
    }
    let mut calls: HashMap<Key, Vec<usize>> = HashMap::new();
    for (i, c) in model.module_calls.iter().enumerate() {
        if by_file.contains_key(&c.span.file) {
            calls
                .entry((c.span.file, line_of(c.span.start, c.span.file)))
                .or_default()
                .push(i);
        }
    }
    let mut files: Vec<_> = by_file.into_iter().collect();
    files.sort_by_key(|(id, _)| *id);
    for (file, found) in files {
        let src = loaded.file(file);
        for c in found {
            let (line, column) = src.line_col(c.offset as u32);
            let at = |d: Diagnostic| d.at(line as usize, column as usize, c.offset);
            if c.assumption.is_empty() || c.reason.is_empty() {
                diagnostics.push(
                    at(Diagnostic::warning(
                        &src.path,
                        CODE,
                        format!(
                            "`{MARKER}` needs an assumption id and a reason; this one suppresses nothing"
                        ),
                    ))
                    .hint("write `# vouch:ignore <assumption-id> <why the risk is acceptable>`"),
                );
                continue;
            }
            if crate::assumptions::rule(&c.assumption).is_none() {
                diagnostics.push(
                    at(Diagnostic::warning(
                        &src.path,
                        CODE,
                        format!("`{MARKER}` names no assumption `{}`", c.assumption),
                    ))
                    .hint("`vouch explain` lists the assumptions"),
                );
                continue;
            }
            let key = (file, c.target_line);
            let span = Span::new(file, c.offset..c.offset + MARKER.len());
            let by_address =
                |idx: &mut dyn Iterator<Item = usize>| -> BTreeMap<String, Vec<String>> {
                    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
                    for i in idx {
                        let r = &model.resources[i];
                        m.entry(r.unit.clone()).or_default().push(r.address.clone());
                    }
                    m
                };
            let mut made = Vec::new();
            if let Some(rs) = resources.get(&key) {
                for (unit, addresses) in by_address(&mut rs.iter().copied()) {
                    made.push((unit, Scope::Resources(addresses)));
                }
            } else if let Some(attrs) = attributes.get(&key) {
                let last_line = attrs.iter().map(|(_, l)| *l).max().unwrap_or(c.target_line);
                for (unit, addresses) in by_address(&mut attrs.iter().map(|(i, _)| *i)) {
                    made.push((
                        unit,
                        Scope::Attribute {
                            resources: addresses,
                            file: src.path.clone(),
                            first_line: c.target_line,
                            last_line,
                        },
                    ));
                }
            } else if let Some(cs) = calls.get(&key) {
                for &i in cs {
                    let call = &model.module_calls[i];
                    made.push((call.unit.clone(), Scope::Module(call.address.clone())));
                }
            }
            if made.is_empty() {
                diagnostics.push(
                    at(Diagnostic::warning(
                        &src.path,
                        CODE,
                        format!(
                            "this suppression of `{}` is on no resource, attribute or module block; it suppresses nothing",
                            c.assumption
                        ),
                    ))
                    .hint("put the comment on the line before the resource, attribute or `module` block, or at the end of its first line"),
                );
                continue;
            }
            for (unit, scope) in made {
                model.suppressions.push(Suppression {
                    unit,
                    assumption: c.assumption.clone(),
                    reason: c.reason.clone(),
                    scope,
                    span,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_is_about_its_own_line_after_code_else_the_next_line_of_code() {
        let text = "# vouch:ignore data.encryption-at-rest legacy bucket, see TICKET-1\n\n# other\nresource \"a\" \"b\" { // vouch:ignore x.y reason here\n  acl = \"#vouch:ignore not a comment\"\n}\n";
        let found = comments(text, true);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].line, 1);
        assert_eq!(found[0].target_line, 4);
        assert_eq!(found[0].assumption, "data.encryption-at-rest");
        assert_eq!(found[0].reason, "legacy bucket, see TICKET-1");
        assert_eq!((found[1].line, found[1].target_line), (4, 4));
        assert_eq!(found[1].reason, "reason here");
    }

    #[test]
    fn yaml_needs_a_space_before_the_hash_and_knows_no_slashes() {
        let found = comments(
            "a: b#vouch:ignore x y\nc: d // vouch:ignore x y\ne: f # vouch:ignore x\n",
            false,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].reason, "");
    }
}
