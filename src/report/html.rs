//! `--format html`: one self-contained page for a security reviewer. Per system: risk and
//! confidence, the data-flow diagram (SVG drawn by [`super::svg`]), the assumptions with their
//! evidence (`file:line`, linked to the file), the open questions, the threats and the document
//! suggestions, with filters by status and severity and a print style.
//!
//! Self-contained means no network: no CDN, no font, no image, no URL in any attribute; the
//! style and the filter script are inline. The page is also well-formed XML (every element
//! closed, every attribute quoted, the script free of `<` and `&`), so tests and tools can parse
//! it.

use super::svg::escape;
use crate::assumptions::{Severity, Status};
use crate::diagram::{collapse, Diagram};
use crate::reconcile::{Report, Verdict};
use crate::source::Origin;
use crate::systems::SystemReport;
use std::collections::HashMap;
use std::fmt::Write;

/// Above this many components the page draws one node per kind and boundary and says so.
pub const MAX_NODES: usize = 150;

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em; color: #1a1a1a; }
h1 { font-size: 1.5em; } h2 { border-bottom: 2px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ddd; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.filters { position: sticky; top: 0; background: #fff; padding: .5em 0; border-bottom: 1px solid #ddd; z-index: 1; }
.summary span { display: inline-block; margin-right: 1.5em; }
.status-invalid, .status-contradicted { color: #b71c1c; font-weight: 600; }
.status-needs_clarification { color: #8a5a00; font-weight: 600; }
.status-verified, .status-answered { color: #1b5e20; }
.diagram { overflow-x: auto; border: 1px solid #ddd; padding: .5em; }
.note { color: #555; font-style: italic; }
svg.dfd { font: 12px system-ui, sans-serif; }
svg .boundary rect { fill: #f7f9fc; stroke: #8aa1c1; stroke-dasharray: 6 4; }
svg .boundary-title { font-weight: 600; fill: #34507a; }
svg .node rect { fill: #fff; stroke: #555; stroke-width: 1.2; }
svg .node.internet rect { fill: #eef3ff; }
svg .node.store rect { fill: #eef8ee; }
svg .node.failing rect { fill: #fde2e1; stroke: #c62828; stroke-width: 2.5; }
svg .node.open rect { fill: #fff4d6; stroke: #b7791f; stroke-width: 2.5; }
svg .node.waived rect { fill: #eceff1; stroke: #546e7a; stroke-width: 2.5; stroke-dasharray: 5 3; }
svg .boundary.subnets rect { fill: #eef3fa; stroke: #9fb3cc; stroke-dasharray: 3 3; }
svg .node .name { font-weight: 600; }
svg .node .kind { fill: #555; }
svg .flow path { fill: none; stroke: #444; stroke-width: 1.3; }
svg .flow.access path { stroke-dasharray: 5 4; stroke: #6a4c93; }
svg .flow.network path { stroke-width: 2.2; stroke: #1565c0; }
svg .flow.network.internet path { stroke-width: 2.6; stroke: #c62828; }
svg .flow text { font-size: 10px; fill: #333; }
tr.hidden { display: none; }
@media print {
  .filters { display: none; }
  body { margin: 0; font-size: 11px; }
  .diagram { overflow: visible; border: none; }
  svg.dfd { max-width: 100%; height: auto; }
  tr { page-break-inside: avoid; }
  h2 { page-break-before: always; }
  h2.first { page-break-before: avoid; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// Hides the rows whose status or severity the filters exclude. No `<` or `&` (see module doc).
const SCRIPT: &str = r#"
function vouchFilter() {
  var status = document.getElementById('filter-status').value;
  var severity = document.getElementById('filter-severity').value;
  document.querySelectorAll('tr[data-status]').forEach(function (row) {
    var show = true;
    if (status !== 'all') { show = row.getAttribute('data-status') === status; }
    if (show) { if (severity !== 'all') { show = row.getAttribute('data-severity') === severity; } }
    row.classList.toggle('hidden', !show);
  });
}
document.getElementById('filter-status').addEventListener('change', vouchFilter);
document.getElementById('filter-severity').addEventListener('change', vouchFilter);
document.body.setAttribute('data-ready', '1');
"#;

/// An origin as `file:line`, linked to the file (relative to the scanned directory).
fn origin_link(o: &Origin, root: &str) -> String {
    match o.region() {
        Some(r) if !r.file.is_empty() => format!(
            "<a href=\"{}\">{}</a>",
            escape(&relative_file(root, &r.file)),
            escape(&o.short())
        ),
        _ => escape(&o.short()),
    }
}

/// A link to a file of the report: relative to the directory the scanned root is in, so the
/// page written beside the tree opens it. Nothing that could name a host: a path with a scheme
/// (`x:`) is left as text by the caller's escaping and prefixed with `./`.
fn relative_file(root: &str, file: &str) -> String {
    let joined = if root.is_empty() || root == "." {
        file.to_string()
    } else {
        format!("{}/{file}", root.trim_end_matches('/'))
    };
    if joined.contains(':') && !joined.starts_with('/') {
        format!("./{joined}")
    } else {
        joined
    }
}

/// The worst severity among the threats that rest on each assumption.
fn severity_of(report: &Report) -> HashMap<&str, Severity> {
    let mut out: HashMap<&str, Severity> = HashMap::new();
    for t in &report.threats {
        for a in &t.assumptions {
            let e = out.entry(a.as_str()).or_insert(t.severity);
            *e = (*e).max(t.severity);
        }
    }
    out
}

fn system_section(
    o: &mut String,
    n: usize,
    s: &SystemReport,
    diagram: &Diagram,
    root: &str,
    scope: &str,
) {
    let r = &s.report;
    let _ = writeln!(
        o,
        "<section class=\"system\" id=\"system-{n}\"><h2{}>{}</h2>",
        if n == 0 { " class=\"first\"" } else { "" },
        escape(&s.system.name)
    );
    let _ = writeln!(
        o,
        "<p class=\"summary\"><span>path <code>{}</code></span><span><b>Risk:</b> {}</span><span>if every open assumption turned out bad: {}</span><span><b>Confidence:</b> {:.2} ({} of {} severity-weighted points rest on code or answers)</span></p>",
        escape(&s.system.path),
        r.risk.map_or("none", |x| x.name()),
        r.risk_if_open.map_or("none", |x| x.name()),
        r.confidence,
        r.confidence_weights.settled,
        r.confidence_weights.applicable
    );
    let counts = r.status_counts();
    if !counts.is_empty() {
        let _ = writeln!(o, "<p>Assumptions: {}.</p>", escape(&counts.join(", ")));
    }

    let shown = collapse(diagram, MAX_NODES);
    o.push_str("<h3>Data flows</h3>\n");
    if let Some(c) = &shown.collapsed {
        let _ = writeln!(o, "<p class=\"note\">{}.</p>", escape(c));
    }
    let _ = writeln!(
        o,
        "<p class=\"note\">Columns are trust boundaries; subnets are boxes inside their VPC. Solid arrows: invocations and load balancers forwarding; dashed: what a role may do (read, write, manage), or what a resource or key policy grants a role, another account or anyone; thick red: reachable from the internet; thick blue: reachable through a security group (its ports). Red: a finding the code proves; grey, dashed: findings all waived (suppressed or accepted); amber: an open question. Hover a component for its role, key and placement.</p>"
    );
    let _ = writeln!(
        o,
        "<div class=\"diagram\">{}</div>",
        super::svg::render(&shown, scope)
    );
    // The third parties the documents name, with the sentences that name them: the evidence
    // the diagram's tooltips hold, readable printed.
    let named: Vec<_> = diagram
        .nodes
        .iter()
        .filter(|n| !n.sources.is_empty())
        .collect();
    if !named.is_empty() {
        o.push_str("<h4>Third parties the documents name</h4>\n<ul class=\"parties\">\n");
        for n in named {
            let _ = write!(
                o,
                "<li><b>{}</b> ({})<ul>",
                escape(&n.name),
                escape(&n.kind)
            );
            for source in &n.sources {
                let _ = write!(o, "<li>{}</li>", escape(source));
            }
            o.push_str("</ul></li>\n");
        }
        o.push_str("</ul>\n");
    }

    let severity = severity_of(r);
    o.push_str("<h3>Assumptions</h3>\n<table class=\"assumptions\"><thead><tr><th>assumption</th><th>status</th><th>severity</th><th>basis</th><th>evidence</th></tr></thead><tbody>\n");
    for a in &r.assumptions {
        let sev = severity.get(a.id.as_str()).map_or("none", |x| x.name());
        let mut ev = String::new();
        for e in &a.evidence {
            let place = match &e.place.0 {
                Some(origin) => origin_link(origin, root),
                None => format!("unit {}", escape(&e.unit)),
            };
            let verdict = match e.outcome {
                Verdict::Fail => "fails",
                Verdict::Pass => "holds",
                Verdict::Unknown => "unknown",
            };
            let _ = write!(
                ev,
                "<li>{place} <code>{}</code> {verdict}: {}</li>",
                escape(&e.resource),
                escape(&e.detail)
            );
        }
        for d in &a.doc {
            let _ = write!(
                ev,
                "<li>document {}: “{}”</li>",
                origin_link(&d.origin, root),
                escape(&d.text)
            );
        }
        let _ = writeln!(
            o,
            "<tr data-status=\"{st}\" data-severity=\"{sev}\"><td><b>{}</b><br/>{}</td><td class=\"status-{st}\">{st}</td><td>{sev}</td><td>{}</td><td>{}</td></tr>",
            escape(&a.id),
            escape(&a.title),
            escape(a.basis.name()),
            if ev.is_empty() { String::new() } else { format!("<ul>{ev}</ul>") },
            st = a.status.name(),
        );
    }
    o.push_str("</tbody></table>\n");

    if !r.questions.is_empty() {
        o.push_str("<h3>Open questions</h3>\n<table class=\"questions\"><thead><tr><th>question</th><th>assumption</th><th>about</th></tr></thead><tbody>\n");
        for q in &r.questions {
            let sev = severity
                .get(q.assumption.as_str())
                .map_or("none", |x| x.name());
            let about: Vec<String> = q
                .resources
                .iter()
                .map(|x| {
                    format!(
                        "<code>{}</code> {}",
                        escape(&x.resource),
                        origin_link(&x.origin, root)
                    )
                })
                .collect();
            let _ = writeln!(
                o,
                "<tr data-status=\"needs_clarification\" data-severity=\"{sev}\"><td><b>{}</b><br/>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&q.id),
                escape(&q.text),
                escape(&q.assumption),
                about.join("<br/>")
            );
        }
        o.push_str("</tbody></table>\n");
    }

    if !r.threats.is_empty() {
        o.push_str("<h3>Threats</h3>\n<table class=\"threats\"><thead><tr><th>threat</th><th>severity</th><th>STRIDE</th><th>basis</th><th>rests on</th></tr></thead><tbody>\n");
        for t in &r.threats {
            let _ = writeln!(
                o,
                "<tr data-status=\"threat-{}\" data-severity=\"{}\"><td><b>{}</b><br/>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                t.basis.name(),
                t.severity.name(),
                escape(&t.title),
                escape(&t.description),
                t.severity.name(),
                t.stride.name(),
                t.basis.name(),
                escape(&t.assumptions.join(", "))
            );
        }
        o.push_str("</tbody></table>\n");
    }

    if !r.doc_suggestions.is_empty() {
        o.push_str("<h3>Document suggestions</h3>\n<table class=\"suggestions\"><thead><tr><th>assumption</th><th>sentence</th><th>evidence</th></tr></thead><tbody>\n");
        for d in &r.doc_suggestions {
            let kind = match d.kind {
                crate::reconcile::SuggestionKind::Add => "add",
                crate::reconcile::SuggestionKind::Correct => "correct",
            };
            let ev: Vec<String> = d.evidence.iter().map(|e| origin_link(e, root)).collect();
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{kind}: {}</td><td>{}</td></tr>",
                escape(&d.assumption),
                escape(&d.text),
                ev.join("<br/>")
            );
        }
        o.push_str("</tbody></table>\n");
    }
    o.push_str("</section>\n");
}

/// The page for every system (`diagrams` in the order of `systems`). `root` is the scanned
/// directory as given, which evidence paths are relative to.
pub fn render_systems(systems: &[SystemReport], diagrams: &[Diagram], root: &str) -> String {
    let mut o = String::new();
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>");
    let _ = write!(o, "<title>vouch: threat model of {}</title>", escape(root));
    let _ = writeln!(o, "<style>{STYLE}</style></head><body>");
    let _ = writeln!(
        o,
        "<h1>vouch: threat model of <code>{}</code></h1>",
        escape(root)
    );
    if systems.len() > 1 {
        o.push_str("<table class=\"systems\"><thead><tr><th>system</th><th>path</th><th>risk</th><th>confidence</th><th>open questions</th></tr></thead><tbody>\n");
        for (n, s) in systems.iter().enumerate() {
            let _ = writeln!(
                o,
                "<tr><td><a href=\"#system-{n}\">{}</a></td><td><code>{}</code></td><td>{}</td><td>{:.2}</td><td>{}</td></tr>",
                escape(&s.system.name),
                escape(&s.system.path),
                s.report.risk.map_or("none", |x| x.name()),
                s.report.confidence,
                s.report.questions.len()
            );
        }
        o.push_str("</tbody></table>\n");
    }
    o.push_str("<form class=\"filters\"><label>Status <select id=\"filter-status\"><option value=\"all\">all</option>");
    for st in Status::ALL {
        let _ = write!(o, "<option value=\"{0}\">{0}</option>", st.name());
    }
    o.push_str("</select></label> <label>Severity <select id=\"filter-severity\"><option value=\"all\">all</option>");
    for sev in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ] {
        let _ = write!(o, "<option value=\"{0}\">{0}</option>", sev.name());
    }
    o.push_str("<option value=\"none\">none</option></select></label></form>\n");
    let many = systems.len() > 1;
    for (n, (s, d)) in systems.iter().zip(diagrams).enumerate() {
        let scope = if many {
            format!("s{n}-")
        } else {
            String::new()
        };
        system_section(&mut o, n, s, d, root, &scope);
    }
    let _ = writeln!(o, "<script>{SCRIPT}</script>\n</body></html>");
    o
}
