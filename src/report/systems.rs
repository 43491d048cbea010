//! The report of a tree of several systems: a table of systems, worst first, then each system's
//! report (what fails or is open, or everything with `--details`), and the JSON that groups by
//! system. A tree that is one system prints exactly the one-system report.

use super::scan::{self, Detail};
use crate::assumptions::{Severity, Status};
use crate::reconcile::{Report, Unreadable};
use crate::systems::SystemReport;
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

/// The document's shape, which [`write_json`] writes piece by piece (the tests compare).
#[cfg(test)]
#[derive(serde::Serialize)]
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
///
/// The systems are pretty-printed in parallel, a bounded batch at a time, each indented to its
/// place in the array, and written in order: serializing one document is otherwise the longest
/// serial stretch of a large scan. The bytes are those of `serde_json::to_writer_pretty` over
/// the whole document (a test pins this).
pub fn write_json(
    reports: &[SystemReport],
    unreadable: &[Unreadable],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    /// Systems rendered before their text is written: enough to keep both cores busy, few
    /// enough that the text held at once stays a small multiple of one system's.
    const BATCH: usize = 64;
    let quoted = |s: &str| serde_json::to_string(s).map_err(std::io::Error::from);
    write!(
        out,
        "{{\n  \"format_version\": {FORMAT_VERSION},\n  \"risk\": {},\n  \"risk_if_open\": {},\n  \"systems\": [",
        quoted(severity_name(worst(reports, |r| r.risk)))?,
        quoted(severity_name(worst(reports, |r| r.risk_if_open)))?,
    )?;
    let mut first = true;
    for batch in reports.chunks(BATCH) {
        let texts: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|r| serde_json::to_vec_pretty(r).map(|t| indented(&t, b"    ")))
            .collect::<Result<_, _>>()?;
        for text in texts {
            out.write_all(if first { b"\n" } else { b",\n" })?;
            out.write_all(&text)?;
            first = false;
        }
    }
    if !reports.is_empty() {
        out.write_all(b"\n  ")?;
    }
    out.write_all(b"],\n  \"unreadable\": ")?;
    let rest = indented(&serde_json::to_vec_pretty(unreadable)?, b"  ");
    out.write_all(&rest[2..])?;
    out.write_all(b"\n}\n")
}

/// `text` with `prefix` before each of its lines. Pretty JSON puts a line break only between
/// tokens (a string's own line breaks are escaped), so this moves a value one level deeper.
fn indented(text: &[u8], prefix: &[u8]) -> Vec<u8> {
    let lines = text.iter().filter(|&&b| b == b'\n').count() + 1;
    let mut out = Vec::with_capacity(text.len() + lines * prefix.len());
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(prefix);
        out.extend_from_slice(line);
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The document as one `serde_json::to_writer_pretty` call writes it.
    fn whole(reports: &[SystemReport], unreadable: &[Unreadable]) -> String {
        let json = Json {
            format_version: FORMAT_VERSION,
            risk: severity_name(worst(reports, |r| r.risk)),
            risk_if_open: severity_name(worst(reports, |r| r.risk_if_open)),
            systems: reports,
            unreadable,
        };
        serde_json::to_string_pretty(&json).unwrap() + "\n"
    }

    /// The parallel writer gives the bytes of the serial one, for several systems (more than a
    /// batch), one, and none, with and without unreadable inputs.
    #[test]
    fn the_parallel_writer_writes_what_one_pretty_printer_writes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects");
        let scan = crate::scan(&root, &crate::ScanOptions::default());
        let units: Vec<String> = scan.model.units.iter().map(|u| u.id.clone()).collect();
        let found = crate::systems::discover(&root, &units, &Default::default());
        assert!(
            found.len() > 1,
            "fixtures/projects should be several systems"
        );
        let assessed = crate::assess_systems(&scan, &root, &Default::default(), found);
        let mut many = Vec::new();
        while many.len() <= 2 * 64 {
            many.extend(assessed.systems.iter().cloned());
        }
        let lost = crate::unreadable(
            &crate::diagnostics::Diagnostic::error(
                "broken \"one\".tf",
                "parse-error",
                "a line\nwith a break",
            )
            .at(3, 7, 0),
        );
        for reports in [&many[..], &assessed.systems[..1], &[]] {
            for unreadable in [&[][..], std::slice::from_ref(&lost)] {
                let mut out = Vec::new();
                write_json(reports, unreadable, &mut out).unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), whole(reports, unreadable));
            }
        }
    }
}
