//! Diagnostics rendered with miette: path, line, column, a snippet with a caret, and a hint.

use crate::diagnostics::{Diagnostic, Severity};
use crate::source::Sources;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};

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
        format!("{}:{}:{}", d.path, d.line, d.column)
    } else {
        d.path.clone()
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
            let offset = (d.offset as usize).min(text.len());
            diag = diag.with_label(LabeledSpan::at_offset(offset, "here"));
            let report = miette::Report::new(diag)
                .with_source_code(NamedSource::new(&d.path, text.to_string()));
            let _ = handler.render_report(&mut out, report.as_ref());
        }
        _ => {
            let _ = handler.render_report(&mut out, &diag);
        }
    }
    out
}
