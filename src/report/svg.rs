//! The data-flow view drawn as SVG by vouch itself (no renderer, no script): one column per
//! trust boundary in the order of [`crate::diagram::Boundary`], the boundary as a box around its
//! column, components as rows inside it, flows as curves from the right side of one component
//! to the left side of the other. The layout is a function of the diagram alone, so the same
//! diagram gives the same bytes.

use crate::diagram::{Diagram, FlowKind, Role};
use std::collections::HashMap;
use std::fmt::Write;

const COLUMN_WIDTH: usize = 240;
const COLUMN_GAP: usize = 90;
const NODE_WIDTH: usize = 200;
const NODE_HEIGHT: usize = 54;
const ROW_GAP: usize = 16;
const HEADER: usize = 34;
const MARGIN: usize = 20;

/// Text for XML character data and attribute values.
pub fn escape(text: &str) -> String {
    let mut o = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// At most `max` characters, the end kept (addresses differ at their end).
fn fit(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    let tail: String = text.chars().skip(n - (max - 1)).collect();
    format!("…{tail}")
}

/// The diagram as one `<svg>` element (without a namespace declaration: HTML does not need
/// it, and the report holds no URL). Every element id starts with `scope` (empty for a lone
/// diagram), so several diagrams in one page keep their ids unique.
pub fn render(d: &Diagram, scope: &str) -> String {
    let boundaries = d.boundaries();
    let column: HashMap<String, usize> = boundaries
        .iter()
        .enumerate()
        .map(|(i, b)| (b.id(), i))
        .collect();
    // Position of each node: (column, row).
    let mut rows = vec![0usize; boundaries.len()];
    let mut at = Vec::with_capacity(d.nodes.len());
    for n in &d.nodes {
        let c = column[&n.boundary.id()];
        at.push((c, rows[c]));
        rows[c] += 1;
    }
    let tallest = rows.iter().copied().max().unwrap_or(0);
    let width = MARGIN * 2
        + boundaries.len() * COLUMN_WIDTH
        + boundaries.len().saturating_sub(1) * COLUMN_GAP;
    let height = MARGIN * 2 + HEADER + tallest * (NODE_HEIGHT + ROW_GAP) + 40;
    let x_of = |c: usize| MARGIN + c * (COLUMN_WIDTH + COLUMN_GAP);
    let y_of = |r: usize| MARGIN + HEADER + r * (NODE_HEIGHT + ROW_GAP);

    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg class=\"dfd\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"data-flow diagram\">"
    );
    let _ = writeln!(o, "<defs><marker id=\"{scope}arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/></marker></defs>");
    for (c, b) in boundaries.iter().enumerate() {
        let h = HEADER + rows[c] * (NODE_HEIGHT + ROW_GAP) + 6;
        let _ = writeln!(
            o,
            "<g class=\"boundary\" id=\"{scope}{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\"/><text x=\"{}\" y=\"{}\" class=\"boundary-title\">{}</text></g>",
            b.id(),
            x_of(c),
            MARGIN,
            COLUMN_WIDTH,
            h,
            x_of(c) + 10,
            MARGIN + 22,
            escape(&fit(&b.title(), 30))
        );
    }
    for f in &d.flows {
        let (fc, fr) = at[f.from];
        let (tc, tr) = at[f.to];
        let pad = (COLUMN_WIDTH - NODE_WIDTH) / 2;
        let (x1, y1) = (x_of(fc) + pad + NODE_WIDTH, y_of(fr) + NODE_HEIGHT / 2);
        let (x2, y2) = if tc > fc {
            (x_of(tc) + pad, y_of(tr) + NODE_HEIGHT / 2)
        } else {
            // Backwards or within a column: into the right side, looping out past the column.
            (x_of(tc) + pad + NODE_WIDTH, y_of(tr) + NODE_HEIGHT / 2)
        };
        let bend = if tc > fc {
            60
        } else {
            70 + 10 * fr.abs_diff(tr).min(6)
        };
        let c2x = if tc > fc { x2 - 60 } else { x2 + bend };
        let class = match f.kind {
            FlowKind::Invokes => "flow invokes",
            FlowKind::Access => "flow access",
            FlowKind::Network => "flow network",
        };
        let _ = writeln!(
            o,
            "<g class=\"{class}\" data-from=\"{scope}{}\" data-to=\"{scope}{}\"><title>{}</title><path d=\"M{x1},{y1} C{},{y1} {c2x},{y2} {x2},{y2}\" marker-end=\"url(#{scope}arrow)\"/><text x=\"{}\" y=\"{}\">{}</text></g>",
            d.nodes[f.from].id,
            d.nodes[f.to].id,
            escape(&format!("{} → {}: {}", d.nodes[f.from].name, d.nodes[f.to].name, f.label)),
            x1 + bend,
            (x1 + x2) / 2,
            (y1 + y2) / 2 - 4,
            escape(&fit(&f.label, 28))
        );
    }
    for (n, node) in d.nodes.iter().enumerate() {
        let (c, r) = at[n];
        let (x, y) = (x_of(c) + (COLUMN_WIDTH - NODE_WIDTH) / 2, y_of(r));
        let state = if node.failing() {
            " failing"
        } else if node.open() {
            " open"
        } else {
            ""
        };
        let role = match node.role {
            Role::Internet => "internet",
            Role::IdentityProvider => "idp",
            Role::PublicEdge => "edge",
            Role::Compute => "compute",
            Role::DataStore => "store",
        };
        let radius = match node.role {
            Role::Internet | Role::IdentityProvider => 26,
            Role::DataStore => 14,
            _ => 4,
        };
        let mut tip = format!("{} ({})", node.name, node.role.name());
        if !node.unit.is_empty() {
            tip.push_str(&format!("\nunit {}", node.unit));
        }
        for dt in &node.details {
            tip.push_str(&format!("\n{dt}"));
        }
        for f in &node.findings {
            tip.push_str(&format!("\nfails {f}"));
        }
        for q in &node.questions {
            tip.push_str(&format!("\nopen question {q}"));
        }
        let name = if node.count > 1 && !node.name.contains('×') {
            format!("{} ×{}", node.name, node.count)
        } else {
            node.name.clone()
        };
        let mut second = node.kind.clone();
        if node.failing() {
            second = format!("✗ {} finding(s)", node.findings.len());
        } else if node.open() {
            second = format!("? {} open question(s)", node.questions.len());
        }
        let _ = writeln!(
            o,
            "<g class=\"node {role}{state}\" id=\"{scope}{}\"><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_WIDTH}\" height=\"{NODE_HEIGHT}\" rx=\"{radius}\"/><text x=\"{}\" y=\"{}\" class=\"name\">{}</text><text x=\"{}\" y=\"{}\" class=\"kind\">{}</text></g>",
            node.id,
            escape(&tip),
            x + 8,
            y + 22,
            escape(&fit(&name, 30)),
            x + 8,
            y + 40,
            escape(&fit(&second, 34))
        );
    }
    o.push_str("</svg>\n");
    o
}
