//! Diagnostics for a terminal: each rendered with miette (path, line, column, a snippet with a
//! caret, and a hint), or, what a scan prints by default, one line per file.

use crate::diagnostics::{Diagnostic, Severity};
use crate::source::Sources;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents,
};

/// Renders one diagnostic for a terminal (`color` decides the theme).
pub fn render(d: &Diagnostic, sources: &Sources, color: bool) -> String {
    let source = sources
        .iter()
        .find(|(_, f)| f.path == d.path)
        .map(|(_, f)| f.text.clone());
    render_with(d, source.as_deref(), color)
}

/// Renders a diagnostic about a file that is not among the scanned sources (the answers file, an
/// architecture document given with `--doc`), with that file's text for the snippet.
pub fn render_with(d: &Diagnostic, source: Option<&str>, color: bool) -> String {
    let severity = match d.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    };
    let location = if d.line > 0 {
        format!("{}:{}:{}", printable(&d.path), d.line, d.column)
    } else {
        printable(&d.path)
    };
    let mut diag = MietteDiagnostic::new(format!("{location}: {}", d.message))
        .with_code(format!("vouch::{}", d.code))
        .with_severity(severity);
    if !d.hint.is_empty() {
        diag = diag.with_help(d.hint.clone());
    }
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(2);
    let mut out = String::new();
    match source {
        Some(text) if d.line > 0 => {
            let offset = floor_char_boundary(text, (d.offset as usize).min(text.len()));
            let report = match Window::around(
                &printable(&d.path),
                text,
                offset,
                d.column.saturating_sub(1) as usize,
            ) {
                // A long line is shown as a window around the offset: the renderer pads to the
                // column, and a padding past 65,535 is out of `format!`'s range.
                Some(window) => {
                    let at = window.label;
                    miette::Report::new(diag.with_label(LabeledSpan::at_offset(at, "here")))
                        .with_source_code(window)
                }
                None => {
                    miette::Report::new(diag.with_label(LabeledSpan::at_offset(offset, "here")))
                        .with_source_code(NamedSource::new(printable(&d.path), text.to_string()))
                }
            };
            let _ = handler.render_report(&mut out, report.as_ref());
        }
        _ => {
            let _ = handler.render_report(&mut out, &diag);
        }
    }
    out
}

/// One line per file with problems: its first problem as `path:line:col: error[code]: message`
/// and how many more the file has, so that a tree with hundreds of broken files gives a list a
/// person can read (each in full with `--verbose`). `diagnostics` are in report order; a file
/// keeps the place of its first problem.
pub fn summary<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>, color: bool) -> String {
    let mut files: Vec<(&Diagnostic, usize)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for d in diagnostics {
        match index.get(d.path.as_str()) {
            Some(&i) => files[i].1 += 1,
            None => {
                index.insert(&d.path, files.len());
                files.push((d, 0));
            }
        }
    }
    let mut out = String::new();
    for (d, more) in files {
        let (word, paint) = match d.severity {
            Severity::Error => ("error", "\x1b[1;31m"),
            Severity::Warning => ("warning", "\x1b[1;33m"),
        };
        out.push_str(&printable(&d.path));
        if d.line > 0 {
            out.push_str(&format!(":{}:{}", d.line, d.column));
        }
        out.push_str(": ");
        if color {
            out.push_str(&format!("{paint}{word}[{}]\x1b[0m", d.code));
        } else {
            out.push_str(&format!("{word}[{}]", d.code));
        }
        let message = printable(d.message.lines().next().unwrap_or(""));
        out.push_str(&format!(": {}", cut(&message, LONG_LINE)));
        match more {
            0 => {}
            1 => out.push_str(" (and 1 more in this file)"),
            n => out.push_str(&format!(" (and {n} more in this file)")),
        }
        out.push('\n');
    }
    out
}

/// Text with control characters (a newline in a file name, an escape sequence) written as
/// escapes, so that one problem stays one line and cannot drive the terminal.
fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// At most `max` characters, with `…` where the rest was cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}{ELLIPSIS}", &text[..at]),
        None => text.to_string(),
    }
}

/// Lines longer than this are shown as a window around the diagnostic's column.
const LONG_LINE: usize = 240;
/// Bytes of a long line kept on each side of the diagnostic's offset.
const WINDOW_SIDE: usize = 60;
/// Lines of context around the diagnostic's line (the handler's `with_context_lines`).
const CONTEXT: usize = 2;
const ELLIPSIS: &str = "…";

/// The snippet of a diagnostic on a long line: the context lines, each cut to the same columns
/// around the offset (with `…` where something was cut), numbered as in the file.
#[derive(Debug)]
struct Window {
    name: String,
    text: String,
    /// The file's line number (0-based) of the window's first line.
    first_line: usize,
    /// Index of the diagnostic's line among the window's lines.
    error_line: usize,
    /// The diagnostic's column (0-based, as the message counts it), for the snippet's header.
    column: usize,
    /// The diagnostic's offset in `text`.
    label: usize,
}

impl Window {
    /// A window when any line of the snippet is long; `None` when the whole lines fit.
    fn around(name: &str, text: &str, offset: usize, column: usize) -> Option<Window> {
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        // Up to CONTEXT lines before and after, as (start, end) without the newline.
        let mut starts = vec![line_start];
        while starts.len() <= CONTEXT && starts[0] > 0 {
            let prev_end = starts[0] - 1;
            starts.insert(0, text[..prev_end].rfind('\n').map_or(0, |i| i + 1));
        }
        let error_line = starts.len() - 1;
        let mut lines: Vec<(usize, usize)> = Vec::new();
        for &s in &starts {
            lines.push((s, line_end(text, s)));
        }
        while lines.len() < error_line + 1 + CONTEXT {
            let last_end = lines[lines.len() - 1].1;
            if last_end >= text.len() {
                break;
            }
            let s = last_end + 1;
            lines.push((s, line_end(text, s)));
        }
        if lines.iter().all(|&(s, e)| e - s <= LONG_LINE) {
            return None;
        }
        let at = offset - line_start;
        let lo = at.saturating_sub(WINDOW_SIDE);
        let hi = at + WINDOW_SIDE;
        let first_line = text[..line_start].bytes().filter(|&b| b == b'\n').count() - error_line;
        let mut out = String::new();
        let mut label = 0;
        for (i, &(s, e)) in lines.iter().enumerate() {
            // A short line is shown whole; a long one is cut to the columns around the offset.
            let (from, to) = if e - s <= LONG_LINE {
                (s, e)
            } else {
                (
                    floor_char_boundary(text, (s + lo).min(e)),
                    floor_char_boundary(text, (s + hi).min(e)),
                )
            };
            let mut line = String::new();
            if from > s {
                line.push_str(ELLIPSIS);
            }
            if i == error_line {
                label = out.len() + line.len() + (offset - from);
            }
            line.push_str(text[from..to].trim_end_matches('\r'));
            if to < e {
                line.push_str(ELLIPSIS);
            }
            out.push_str(&line);
            if i + 1 < lines.len() {
                out.push('\n');
            }
        }
        Some(Window {
            name: name.to_string(),
            text: out,
            first_line,
            error_line,
            column,
            label,
        })
    }
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        let column = if inner.line() == self.error_line && before == 0 {
            self.column
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            inner.line_count(),
        )))
    }
}

fn line_end(text: &str, start: usize) -> usize {
    text[start..].find('\n').map_or(text.len(), |i| start + i)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
