//! The report of a tree of several systems: a table of systems, worst first, then each system's
//! report (what fails or is open, or everything with `--details`), and the JSON that groups by
//! system. A tree that is one system prints exactly the one-system report.

use super::scan::{self, Detail};
use crate::assumptions::{Severity, Status};
use crate::reconcile::{Report, Unreadable};
use crate::systems::SystemReport;
use serde::Serialize;
use std::cmp::Reverse;
use std::fmt::Write as _;

/// The version of the JSON shape that groups by system (docs/report-json.md). Each system's
/// `report` is the one-system report, with its own `format_version`.
pub const FORMAT_VERSION: u32 = 2;

/// The counts the table shows for a system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub invalid: usize,
    pub contradicted: usize,
    /// Assumptions that need clarification.
    pub open: usize,
    pub questions: usize,
}

pub fn counts(r: &Report) -> Counts {
    let n = |s: Status| r.statuses.get(s.name()).copied().unwrap_or(0);
    Counts {
        invalid: n(Status::Invalid),
        contradicted: n(Status::Contradicted),
        open: n(Status::NeedsClarification),
        questions: r.questions.len(),
    }
}

/// Orders systems worst first: confirmed risk, then failing assumptions (invalid and
/// contradicted), then open ones, then the risk if every open one turned out bad; then by path.
pub fn sort_worst_first(reports: &mut [SystemReport]) {
    reports.sort_by_cached_key(|s| {
        let c = counts(&s.report);
        (
            Reverse(s.report.risk),
            Reverse(c.invalid + c.contradicted),
            Reverse(c.open),
            Reverse(s.report.risk_if_open),
            s.system.path.clone(),
            s.system.name.clone(),
        )
    });
}

/// The worst of the systems' risks.
fn worst(reports: &[SystemReport], risk: impl Fn(&Report) -> Option<Severity>) -> Option<Severity> {
    reports.iter().filter_map(|s| risk(&s.report)).max()
}

fn severity_name(s: Option<Severity>) -> &'static str {
    s.map_or("none", Severity::name)
}

#[derive(Serialize)]
struct Json<'a> {
    format_version: u32,
    risk: &'static str,
    risk_if_open: &'static str,
    systems: &'a [SystemReport],
    /// Inputs that could not be read and lie in no system's directory.
    unreadable: &'a [Unreadable],
}

/// The JSON report grouped by system, pretty-printed, with a final newline.
pub fn to_json(reports: &[SystemReport], unreadable: &[Unreadable]) -> String {
    let mut out = Vec::new();
    match write_json(reports, unreadable, &mut out) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|_| "{}\n".into()),
        Err(_) => "{}\n".into(),
    }
}

/// [`to_json`] written as it is serialized: the report of a tree with thousands of systems is
/// tens of megabytes of text that need not be held in memory beside the reports it is made of.
pub fn write_json(
    reports: &[SystemReport],
    unreadable: &[Unreadable],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let json = Json {
        format_version: FORMAT_VERSION,
        risk: severity_name(worst(reports, |r| r.risk)),
        risk_if_open: severity_name(worst(reports, |r| r.risk_if_open)),
        systems: reports,
        unreadable,
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    out.write_all(b"\n")
}

/// The terminal report. One system: the one-system report as it always was. Several: the
/// table, then per system what fails or is open (everything with `detail` = Full); a system
/// with nothing failing or open has its table row only, unless `detail` is Full.
pub fn to_text(
    reports: &[SystemReport],
    unreadable: &[Unreadable],
    root: &str,
    detail: Detail,
) -> String {
    if let [one] = reports {
        let mut o = scan::to_text(&one.report, root);
        outside(&mut o, unreadable);
        return o;
    }
    let mut o = String::new();
    let _ = writeln!(o, "vouch scan {root}");
    let units: usize = reports.iter().map(|s| s.system.units.len()).sum();
    let _ = writeln!(
        o,
        "{} systems, {units} deployment units   risk: {}   (if every open assumption turned out bad: {})",
        reports.len(),
        severity_name(worst(reports, |r| r.risk)),
        severity_name(worst(reports, |r| r.risk_if_open)),
    );
    let _ = writeln!(o);
    let name_w = reports
        .iter()
        .map(|s| s.system.name.chars().count())
        .chain([6])
        .max()
        .unwrap_or(6);
    let path_w = reports
        .iter()
        .map(|s| s.system.path.chars().count())
        .chain([4])
        .max()
        .unwrap_or(4);
    let _ = writeln!(
        o,
        "  {:<name_w$}  {:<path_w$}  {:<8}  {:>10}  {:>7}  {:>12}  {:>4}  {:>9}",
        "system", "path", "risk", "confidence", "invalid", "contradicted", "open", "questions"
    );
    for s in reports {
        let c = counts(&s.report);
        // A system where no assumption applies has no confidence to speak of.
        let confidence = if s.report.confidence_weights.applicable == 0 {
            "-".to_string()
        } else {
            format!("{:.2}", s.report.confidence)
        };
        let _ = writeln!(
            o,
            "  {:<name_w$}  {:<path_w$}  {:<8}  {:>10}  {:>7}  {:>12}  {:>4}  {:>9}",
            s.system.name,
            s.system.path,
            severity_name(s.report.risk),
            confidence,
            c.invalid,
            c.contradicted,
            c.open,
            c.questions,
        );
    }
    if let Some(f) = reports
        .iter()
        .find_map(|s| s.report.answers.file.as_deref())
    {
        let _ = writeln!(o, "\nanswers: {f}");
    }
    for s in reports {
        let c = counts(&s.report);
        let problems = c.invalid + c.contradicted + c.open + c.questions > 0
            || !s.report.unreadable.is_empty()
            || !s.report.doc_inconsistencies.is_empty();
        if detail == Detail::Problems && !problems {
            continue;
        }
        let _ = writeln!(o, "\n== {} ({}) ==", s.system.name, s.system.path);
        let _ = writeln!(o, "units: {}", s.system.units.join(", "));
        o.push_str(&scan::to_text_detail(&s.report, &s.system.path, detail));
    }
    if detail == Detail::Problems {
        let _ = writeln!(
            o,
            "\nSystems with nothing failing or open are in the table only; --details shows every assumption of every system."
        );
    }
    outside(&mut o, unreadable);
    o
}

/// Inputs that could not be read and that no system holds.
fn outside(o: &mut String, unreadable: &[Unreadable]) {
    if unreadable.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\nNot taken into account, in no system (could not be read)"
    );
    for u in unreadable {
        let (path, line) = u
            .origin
            .region()
            .map_or(("", 0), |r| (r.file.as_str(), r.line));
        let _ = writeln!(o, "  {path}:{line}  {}", u.message);
    }
}
