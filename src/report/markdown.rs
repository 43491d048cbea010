//! The Markdown report, written to be posted as a pull-request comment: two sentences a manager
//! can read, risk and confidence, what the change introduced (against a baseline), the gaps,
//! the contradictions, the open questions as a checklist, and the document suggestions folded
//! away.

use super::alerts::{Alert, AlertKind};
use crate::assumptions::Status;
use crate::baseline::Comparison;
use crate::reconcile::{Report, SuggestionKind, Verdict};
use std::fmt::Write as _;

/// Rows of a table before the rest is left to the full report.
const MAX_ROWS: usize = 50;

/// The Markdown report.
pub fn render(
    report: &Report,
    alerts: &[Alert],
    comparison: Option<&Comparison>,
    root: &str,
) -> String {
    render_with_diagram(report, alerts, comparison, root, None)
}

/// The Markdown report with the system's data-flow diagram (a ```` ```mermaid ```` block GitHub
/// draws) after the summary: reviewers read the picture first.
pub fn render_with_diagram(
    report: &Report,
    alerts: &[Alert],
    comparison: Option<&Comparison>,
    root: &str,
    diagram: Option<&crate::diagram::Diagram>,
) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "## vouch: threat model of `{}`\n", code(root));
    let _ = writeln!(o, "{}\n", summary(report));
    let _ = writeln!(
        o,
        "**Risk:** {} (if every open assumption turned out bad: {}) · **Confidence:** {:.2} ({} of {} severity-weighted points rest on code or answers)\n",
        report.risk.map_or("none", |s| s.name()),
        report.risk_if_open.map_or("none", |s| s.name()),
        report.confidence,
        report.confidence_weights.settled,
        report.confidence_weights.applicable
    );
    let counts = report.status_counts();
    if !counts.is_empty() {
        let _ = writeln!(o, "Assumptions: {}.\n", counts.join(", "));
    }
    if let Some(d) = diagram {
        o.push_str(&super::mermaid::markdown_section(d, root));
    }

    if let Some(c) = comparison {
        let _ = writeln!(o, "### New in this change\n");
        let _ = writeln!(
            o,
            "Against the baseline {}: **{} new**, {} unchanged, {} no longer found (fixed or moved).\n",
            text(&c.source),
            c.new.len(),
            c.unchanged,
            c.no_longer_match.len()
        );
        let mut new: Vec<&Alert> = alerts.iter().filter(|a| c.is_new(a)).collect();
        new.sort_by_key(|a| std::cmp::Reverse(a.severity));
        if !new.is_empty() {
            table(&mut o, &new);
        }
    }

    let mut findings: Vec<&Alert> = alerts
        .iter()
        .filter(|a| a.kind == AlertKind::Finding)
        .collect();
    // Most severe first (the report's order within a severity).
    findings.sort_by_key(|a| std::cmp::Reverse(a.severity));
    if !findings.is_empty() {
        let _ = writeln!(o, "### Gaps the code proves\n");
        table(&mut o, &findings);
    }

    let contradicted: Vec<_> = report
        .assumptions
        .iter()
        .filter(|a| a.status == Status::Contradicted)
        .collect();
    if !contradicted.is_empty() {
        let _ = writeln!(o, "### Contradictions\n");
        let _ = writeln!(
            o,
            "The architecture document says one thing, the code another.\n"
        );
        for a in contradicted {
            let _ = writeln!(o, "- **{}** (`{}`)", text(&a.title), code(&a.id));
            for d in a.doc.iter().filter(|d| d.contradicted) {
                let _ = writeln!(
                    o,
                    "  - document `{}`: \"{}\"",
                    code(&d.origin.short()),
                    text(&d.text)
                );
            }
            let fails = a.evidence.iter().any(|e| e.outcome == Verdict::Fail);
            let shown = if fails { Verdict::Fail } else { Verdict::Pass };
            for e in a
                .evidence
                .iter()
                .filter(|e| e.outcome == shown)
                .take(MAX_ROWS)
            {
                let at = e
                    .place
                    .0
                    .as_ref()
                    .map_or_else(|| e.unit.clone(), |p| p.short());
                let _ = writeln!(
                    o,
                    "  - code `{}`: {}: {}",
                    code(&at),
                    text(&e.resource),
                    text(&e.detail)
                );
            }
        }
        o.push('\n');
    }

    if !report.questions.is_empty() {
        let _ = writeln!(o, "### Open questions ({})\n", report.questions.len());
        for q in &report.questions {
            let at = q
                .resources
                .first()
                .map(|r| format!(" (`{}` {})", code(&r.origin.short()), text(&r.resource)))
                .unwrap_or_default();
            let _ = writeln!(o, "- [ ] `{}` {}{at}", code(&q.id), text(&q.text));
        }
        let _ = writeln!(
            o,
            "\nAnswer them in `.vouch/answers.yaml` (`vouch questions --write` adds them) or with `vouch clarify`.\n"
        );
    }

    if !report.doc_suggestions.is_empty() {
        let _ = writeln!(
            o,
            "<details><summary>Suggestions for the architecture document ({})</summary>\n",
            report.doc_suggestions.len()
        );
        for s in &report.doc_suggestions {
            match s.kind {
                SuggestionKind::Correct => {
                    for r in &s.replaces {
                        let _ = writeln!(
                            o,
                            "- Replace \"{}\" (`{}`) with: {}",
                            text(&r.text),
                            code(&r.origin.short()),
                            text(&s.text)
                        );
                    }
                }
                SuggestionKind::Add => {
                    let _ = writeln!(o, "- Add: {}", text(&s.text));
                }
            }
        }
        let _ = writeln!(o, "\n</details>\n");
    }
    if !report.unreadable.is_empty() {
        let _ = writeln!(
            o,
            "**{} input(s) could not be read** and were not taken into account; the full report lists them.\n",
            report.unreadable.len()
        );
    }
    o
}

/// Two sentences: how many gaps need attention, and which controls the code proves; and, when
/// the team waived findings, a third saying how many left the gate and how (so a reviewer sees
/// what the gate no longer counts, and an acceptance that has expired).
fn summary(report: &Report) -> String {
    let n = |s: Status| report.statuses.get(s.name()).copied().unwrap_or(0);
    let (invalid, contradicted) = (n(Status::Invalid), n(Status::Contradicted));
    let gaps = invalid + contradicted;
    let w = Waived::of(report);
    let open = report.questions.len();
    let questions = match open {
        0 => String::new(),
        n => format!(
            "; {} stay{} open",
            count(n, "question"),
            if n == 1 { "s" } else { "" }
        ),
    };
    let first = if gaps == 0 {
        format!("No gap needs attention: the code proves no assumption of the threat model false{questions}.")
    } else {
        let attention = gaps - w.assumptions;
        let waived = match w.assumptions {
            0 => String::new(),
            k => format!(", {k} of which the team waived"),
        };
        format!(
            "{} need{} attention: the code proves {} of the threat model false, and contradicts the architecture document on {} more{waived}{questions}.",
            count(attention, "gap"),
            if attention == 1 { "s" } else { "" },
            count(invalid, "assumption"),
            contradicted
        )
    };
    let proven: Vec<&str> = report
        .assumptions
        .iter()
        .filter(|a| a.status == Status::Verified)
        .map(|a| a.title.as_str())
        .collect();
    let second = match proven.len() {
        0 => "The code does not yet prove any control adequate.".to_string(),
        k => {
            let controls = count(k, "control");
            let shown: Vec<String> = proven.iter().take(5).map(|t| lower_first(t)).collect();
            let more = k.saturating_sub(5);
            format!(
                "The code proves {controls} adequate: {}{}.",
                text(&shown.join("; ")),
                if more > 0 {
                    format!("; and {more} more")
                } else {
                    String::new()
                }
            )
        }
    };
    let mut out = format!("{first} {second}");
    let mut how = Vec::new();
    if w.in_source > 0 {
        how.push(format!("{} suppressed in the code", w.in_source));
    }
    if w.accepted > 0 {
        how.push(format!("{} accepted in the answers file", w.accepted));
    }
    if !how.is_empty() {
        let findings = count(w.in_source + w.accepted, "finding");
        let _ = write!(
            out,
            " {findings} left the gate, waived: {} (still listed below, marked).",
            how.join(", ")
        );
    }
    if w.expired > 0 {
        let _ = write!(
            out,
            " {} expired, so {} in the gate again.",
            count(w.expired, "accepted risk"),
            if w.expired == 1 {
                "its finding is"
            } else {
                "their findings are"
            }
        );
    }
    out
}

/// The failing findings the team waived, by how, and the acceptances past their date.
#[derive(Default)]
struct Waived {
    /// Findings a suppression in the code covers.
    in_source: usize,
    /// Findings a risk accepted in the answers file covers.
    accepted: usize,
    /// Findings whose acceptance has expired (they count again).
    expired: usize,
    /// `invalid` or `contradicted` assumptions that leave the gate altogether.
    assumptions: usize,
}

impl Waived {
    fn of(report: &Report) -> Waived {
        use crate::waivers::WaiverKind;
        let mut w = Waived::default();
        for a in report
            .assumptions
            .iter()
            .filter(|a| matches!(a.status, Status::Invalid | Status::Contradicted))
        {
            if crate::waivers::waived(a) {
                w.assumptions += 1;
            }
            let mut any = false;
            for x in a
                .evidence
                .iter()
                .filter(|e| e.outcome == Verdict::Fail)
                .filter_map(|e| e.waiver.as_ref())
            {
                any = true;
                match (x.kind, x.active()) {
                    (_, false) => w.expired += 1,
                    (WaiverKind::InSource, true) => w.in_source += 1,
                    (WaiverKind::Accepted, true) => w.accepted += 1,
                }
            }
            // An acceptance of a whole assumption the code contradicts with no failing subject
            // (only the document's sentence): one accepted finding.
            if !any {
                match &a.accepted {
                    Some(x) if x.active() => w.accepted += 1,
                    Some(_) => w.expired += 1,
                    None => {}
                }
            }
        }
        w
    }
}

/// `1 gap`, `3 gaps`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) if c.clone().next().is_some_and(char::is_lowercase) => {
            f.to_lowercase().chain(c).collect()
        }
        Some(f) => std::iter::once(f).chain(c).collect(),
        None => String::new(),
    }
}

fn table(o: &mut String, alerts: &[&Alert]) {
    let _ = writeln!(o, "| Severity | Assumption | Where | What |");
    let _ = writeln!(o, "|---|---|---|---|");
    for a in alerts.iter().take(MAX_ROWS) {
        let at = a
            .location
            .as_ref()
            .map_or_else(|| a.unit.clone(), |p| p.short());
        let mut what = match a.kind {
            AlertKind::Finding => text(&a.message),
            AlertKind::Question => format!("question: {}", text(&a.message)),
        };
        if let Some(w) = a.waiver.as_ref().filter(|w| w.active()) {
            what.push_str(&format!(" *({})*", text(&w.describe())));
        }
        let _ = writeln!(
            o,
            "| {} | `{}` | `{}` | {} |",
            a.severity.name(),
            code(&a.rule),
            code(&at),
            what
        );
    }
    if alerts.len() > MAX_ROWS {
        let _ = writeln!(
            o,
            "\n… and {} more in the JSON or SARIF report.",
            alerts.len() - MAX_ROWS
        );
    }
    o.push('\n');
}

/// Text from the code or a document, made inert in Markdown: no HTML, no table breaks, one line.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text shown inside a code span: backticks and table bars cannot end it early.
fn code(s: &str) -> String {
    s.replace('`', "'")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The Markdown report of a tree of systems: for one system, [`render`]; for several, a table of
/// the systems (worst first, as given) and then each system's report, its alerts alone.
pub fn render_systems(
    systems: &[crate::systems::SystemReport],
    alerts: &[Alert],
    comparison: Option<&Comparison>,
    root: &str,
) -> String {
    render_systems_with_diagrams(systems, alerts, comparison, root, &[])
}

/// [`render_systems`] with each system's data-flow diagram (`diagrams` in the order of
/// `systems`; empty: no diagrams).
pub fn render_systems_with_diagrams(
    systems: &[crate::systems::SystemReport],
    alerts: &[Alert],
    comparison: Option<&Comparison>,
    root: &str,
    diagrams: &[crate::diagram::Diagram],
) -> String {
    if let [one] = systems {
        return render_with_diagram(&one.report, alerts, comparison, root, diagrams.first());
    }
    let mut o = String::new();
    let _ = writeln!(
        o,
        "## vouch: {} systems in `{}`\n",
        systems.len(),
        code(root)
    );
    o.push_str("| system | path | risk | confidence | invalid | contradicted | waived findings | open questions |\n");
    o.push_str("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
    for s in systems {
        let r = &s.report;
        let count = |k: &str| r.statuses.get(k).copied().unwrap_or(0);
        let w = Waived::of(r);
        let _ = writeln!(
            o,
            "| {} | `{}` | {} | {:.2} | {} | {} | {} | {} |",
            cell(&s.system.name),
            code(&s.system.path),
            r.risk.map_or("none", |x| x.name()),
            r.confidence,
            count("invalid"),
            count("contradicted"),
            w.in_source + w.accepted,
            r.questions.len()
        );
    }
    o.push('\n');
    for (n, s) in systems.iter().enumerate() {
        let own: Vec<Alert> = alerts
            .iter()
            .filter(|a| a.system.as_deref() == Some(s.system.name.as_str()))
            .cloned()
            .collect();
        o.push_str(&render_with_diagram(
            &s.report,
            &own,
            comparison,
            &s.system.path,
            diagrams.get(n),
        ));
        o.push('\n');
    }
    o
}

/// Text for a table cell: pipes escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_inject_markup() {
        assert_eq!(text("a <b>|c\nd"), "a &lt;b&gt;\\|c d");
        assert_eq!(code("x`y|z"), "x'y\\|z");
    }
}
