//! JUnit XML, for CI systems that show test results: one test case per assumption. An invalid or
//! contradicted assumption is a failure (its failing evidence in the body), an open one is
//! skipped with its questions, `not_applicable` is skipped, the others pass, and every case
//! carries its status and what it rests on as properties.

use crate::assumptions::Status;
use crate::reconcile::{AssumptionReport, Report, Verdict};
use std::fmt::Write as _;

/// The JUnit XML report.
pub fn render(report: &Report) -> String {
    render_suites(&[("threat model", report)])
}

/// The JUnit XML report of a tree of systems: one test suite per system.
pub fn render_systems(systems: &[crate::systems::SystemReport]) -> String {
    let suites: Vec<(&str, &Report)> = systems
        .iter()
        .map(|s| (s.system.name.as_str(), &s.report))
        .collect();
    render_suites(&suites)
}

fn counts(report: &Report) -> (usize, usize, usize) {
    let n = report.assumptions.len();
    let failing = |a: &&crate::reconcile::AssumptionReport| {
        matches!(a.status, Status::Invalid | Status::Contradicted)
    };
    let failures = report
        .assumptions
        .iter()
        .filter(failing)
        .filter(|a| !crate::waivers::waived(a))
        .count();
    let skipped = report
        .assumptions
        .iter()
        .filter(|a| {
            matches!(a.status, Status::NeedsClarification | Status::NotApplicable)
                || (failing(a) && crate::waivers::waived(a))
        })
        .count();
    (n, failures, skipped)
}

fn render_suites(suites: &[(&str, &Report)]) -> String {
    let (mut n, mut failures, mut skipped) = (0, 0, 0);
    for (_, r) in suites {
        let (a, b, c) = counts(r);
        n += a;
        failures += b;
        skipped += c;
    }
    let mut o = String::new();
    o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites name=\"vouch\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    );
    for (name, report) in suites {
        suite(&mut o, name, report);
    }
    o.push_str("</testsuites>\n");
    o
}

fn suite(o: &mut String, name: &str, report: &Report) {
    let (n, failures, skipped) = counts(report);
    let _ = writeln!(
        o,
        "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
        xml(name)
    );
    o.push_str("    <properties>\n");
    property(o, 6, "risk", report.risk.map_or("none", |s| s.name()));
    property(
        o,
        6,
        "risk_if_open",
        report.risk_if_open.map_or("none", |s| s.name()),
    );
    property(o, 6, "confidence", &format!("{:.2}", report.confidence));
    property(o, 6, "open_questions", &report.questions.len().to_string());
    property(
        o,
        6,
        "unreadable_inputs",
        &report.unreadable.len().to_string(),
    );
    o.push_str("    </properties>\n");
    for a in &report.assumptions {
        case(o, report, a);
    }
    o.push_str("  </testsuite>\n");
}

fn case(o: &mut String, report: &Report, a: &AssumptionReport) {
    let class = a.id.split('.').next().unwrap_or("vouch");
    let _ = writeln!(
        o,
        "    <testcase classname=\"vouch.{}\" name=\"{}: {}\">",
        xml(class),
        xml(&a.id),
        xml(&a.title)
    );
    o.push_str("      <properties>\n");
    property(o, 8, "status", a.status.name());
    property(o, 8, "basis", a.basis.name());
    if let Some(h) = a.holds {
        property(o, 8, "holds", if h { "true" } else { "false" });
    }
    o.push_str("      </properties>\n");
    match a.status {
        // Every failing subject suppressed or accepted: skipped, with the decisions, as the
        // gate leaves it out.
        Status::Invalid | Status::Contradicted if crate::waivers::waived(a) => {
            let why: Vec<String> = a
                .accepted
                .iter()
                .chain(a.evidence.iter().filter_map(|e| e.waiver.as_ref()))
                .map(crate::waivers::Waiver::describe)
                .collect();
            let _ = writeln!(
                o,
                "      <skipped message=\"{}\"/>",
                xml(&format!(
                    "{} but waived: {}",
                    a.status.name(),
                    why.join("; ")
                ))
            );
        }
        Status::Invalid | Status::Contradicted => {
            let failing: Vec<String> =
                a.evidence
                    .iter()
                    .filter(|e| e.outcome == Verdict::Fail)
                    .map(|e| {
                        let at = e
                            .place
                            .0
                            .as_ref()
                            .map_or_else(|| e.unit.clone(), |p| p.short());
                        format!("{at}  {}: {}", e.resource, e.detail)
                    })
                    .chain(a.doc.iter().filter(|d| d.contradicted).map(|d| {
                        format!("{}  the document says: \"{}\"", d.origin.short(), d.text)
                    }))
                    .collect();
            let message = format!(
                "{}: {}",
                a.status.name(),
                failing.first().map_or("", String::as_str)
            );
            let _ = writeln!(
                o,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                a.status.name(),
                xml(&message),
                xml(&failing.join("\n"))
            );
        }
        Status::NeedsClarification => {
            let asked: Vec<String> = report
                .questions
                .iter()
                .filter(|q| q.assumption == a.id)
                .map(|q| format!("{}: {}", q.id, q.text))
                .collect();
            let _ = writeln!(
                o,
                "      <skipped message=\"{}\"/>",
                xml(&format!(
                    "open: {} question(s) to answer. {}",
                    asked.len(),
                    asked.join(" ")
                ))
            );
        }
        Status::NotApplicable => {
            o.push_str(
                "      <skipped message=\"not applicable: nothing in the code it is about\"/>\n",
            );
        }
        Status::Verified | Status::DocOnly | Status::Answered => {}
    }
    o.push_str("    </testcase>\n");
}

fn property(o: &mut String, indent: usize, name: &str, value: &str) {
    let _ = writeln!(
        o,
        "{:indent$}<property name=\"{}\" value=\"{}\"/>",
        "",
        xml(name),
        xml(value)
    );
}

/// Text escaped for an XML attribute or element; characters XML 1.0 cannot hold become U+FFFD.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_quotes_and_control_characters() {
        assert_eq!(
            xml("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(xml("x\u{1}y"), "x\u{FFFD}y");
        assert_eq!(xml("l1\nl2"), "l1&#10;l2");
    }
}
