//! The data-flow view drawn as SVG by vouch itself (no renderer, no script): one column per
//! outer trust boundary in the order of [`crate::diagram::Boundary`], the boundary as a box
//! around its column sized to what it holds, subnets as boxes inside their VPC's, components as
//! rows (wrapping into sub-columns when there are many), flows as curves from the right side of
//! one component to the left side of the other. The layout is a function of the diagram alone, so the same
//! diagram gives the same bytes.

use crate::diagram::{Boundary, Diagram, FlowKind, Role};
use std::collections::HashMap;
use std::fmt::Write;

const NODE_WIDTH: usize = 200;
const NODE_HEIGHT: usize = 54;
const ROW_GAP: usize = 16;
/// Between the sub-columns of a boundary that holds many components.
const SUB_GAP: usize = 20;
/// Above this many rows, a boundary's components wrap into another sub-column.
const MAX_ROWS: usize = 12;
/// Between a boundary's edge and what it holds.
const PAD: usize = 20;
/// Between a subnets box's edge and its components.
const INNER_PAD: usize = 12;
const HEADER: usize = 34;
const INNER_HEADER: usize = 28;
const INNER_GAP: usize = 14;
/// Wide enough for a flow's label beside the component it enters.
const COLUMN_GAP: usize = 150;
/// The longest flow label drawn (10px text: it fits in the gap between columns).
const LABEL_CHARS: usize = 24;
/// Line height of flow labels stacked at one component.
const LABEL_STEP: usize = 11;
/// The narrowest a column is: room for its title.
const MIN_COLUMN: usize = 240;
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

/// At most `max` characters, the start kept (a title says what it is first).
fn fit_start(text: &str, max: usize) -> String {
    let max = max.max(4);
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max - 1).collect();
    format!("{head}…")
}

/// Where one boundary box is drawn.
struct BoxAt {
    boundary: Boundary,
    inner: bool,
    x: usize,
    y: usize,
    width: usize,
    height: usize,
}

/// The layout: each node's top-left corner and each boundary's box. Columns are the outer
/// boundaries; a column's components fill sub-columns of at most [`MAX_ROWS`] rows, and the
/// subnets inside a VPC are boxes stacked below the components directly in it, each sized to
/// what it holds, so no two boxes overlap.
struct Layout {
    nodes: Vec<(usize, usize)>,
    boxes: Vec<BoxAt>,
    width: usize,
    height: usize,
}

fn layout(d: &Diagram) -> Layout {
    let mut nodes = vec![(0, 0); d.nodes.len()];
    let mut boxes = Vec::new();
    let mut x = MARGIN;
    let mut bottom = MARGIN;
    for nest in d.nesting() {
        let groups = std::iter::once(&nest.nodes).chain(nest.inner.iter().map(|(_, n)| n));
        let subs = groups
            .map(|g| g.len().div_ceil(MAX_ROWS))
            .max()
            .unwrap_or(1)
            .max(1);
        let grid = subs * NODE_WIDTH + (subs - 1) * SUB_GAP;
        let indent = if nest.inner.is_empty() { 0 } else { INNER_PAD };
        let width = (grid + 2 * indent + 2 * PAD).max(MIN_COLUMN);
        // Centred in the column when the title makes it wider than the grid.
        let left = x + (width - grid) / 2;
        let mut y = MARGIN + HEADER;
        let mut place = |list: &[usize], y: usize| -> usize {
            let rows = list.len().div_ceil(subs);
            for (j, &n) in list.iter().enumerate() {
                let (sub, row) = (j / rows.max(1), j % rows.max(1));
                nodes[n] = (
                    left + sub * (NODE_WIDTH + SUB_GAP),
                    y + row * (NODE_HEIGHT + ROW_GAP),
                );
            }
            rows * (NODE_HEIGHT + ROW_GAP)
        };
        y += place(&nest.nodes, y);
        let mut inner_boxes = Vec::new();
        for (b, list) in &nest.inner {
            let h = INNER_HEADER + place(list, y + INNER_HEADER) + 4;
            inner_boxes.push(BoxAt {
                boundary: b.clone(),
                inner: true,
                x: x + PAD,
                y,
                width: width - 2 * PAD,
                height: h,
            });
            y += h + INNER_GAP;
        }
        boxes.push(BoxAt {
            boundary: nest.boundary.clone(),
            inner: false,
            x,
            y: MARGIN,
            width,
            height: y - MARGIN + 6,
        });
        boxes.extend(inner_boxes);
        bottom = bottom.max(y + 6);
        x += width + COLUMN_GAP;
    }
    Layout {
        nodes,
        boxes,
        // Room right of the last column for the flows that loop back into it and their labels.
        width: x + MARGIN,
        height: bottom + MARGIN + 40,
    }
}

/// The diagram as one `<svg>` element (without a namespace declaration: HTML does not need
/// it, and the report holds no URL). Every element id starts with `scope` (empty for a lone
/// diagram), so several diagrams in one page keep their ids unique.
pub fn render(d: &Diagram, scope: &str) -> String {
    let Layout {
        nodes: at,
        boxes,
        width,
        height,
    } = layout(d);

    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg class=\"dfd\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"data-flow diagram\">"
    );
    let _ = writeln!(o, "<defs><marker id=\"{scope}arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/></marker></defs>");
    for b in &boxes {
        let (class, title_y) = if b.inner {
            ("boundary subnets", b.y + 19)
        } else {
            ("boundary", b.y + 22)
        };
        let _ = writeln!(
            o,
            "<g class=\"{class}\" id=\"{scope}{}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\"/><text x=\"{}\" y=\"{title_y}\" class=\"boundary-title\">{}</text></g>",
            b.boundary.id(),
            escape(&b.boundary.title()),
            b.x,
            b.y,
            b.width,
            b.height,
            b.x + 10,
            escape(&fit_start(&b.boundary.title(), (b.width - 16) / 7))
        );
    }
    // Labels sit beside the component a flow enters, stacked per side of it, so the labels of
    // flows that share an end do not write over each other.
    let mut stacked: HashMap<(usize, bool), usize> = HashMap::new();
    for f in &d.flows {
        let (fx, fy) = at[f.from];
        let (tx, ty) = at[f.to];
        let (x1, y1) = (fx + NODE_WIDTH, fy + NODE_HEIGHT / 2);
        let forward = tx > fx + NODE_WIDTH;
        let (x2, y2) = if forward {
            (tx, ty + NODE_HEIGHT / 2)
        } else {
            // Backwards or within a column: into the right side, looping out past the column.
            (tx + NODE_WIDTH, ty + NODE_HEIGHT / 2)
        };
        let bend = if forward {
            60
        } else {
            70 + 10 * (fy.abs_diff(ty) / (NODE_HEIGHT + ROW_GAP)).min(6)
        };
        let c1x = if forward { x1 + 60 } else { x1.max(x2) + bend };
        let c2x = if forward { x2 - 60 } else { x1.max(x2) + bend };
        let mut class = match f.kind {
            FlowKind::Invokes => "flow invokes",
            FlowKind::Access => "flow access",
            FlowKind::Network => "flow network",
        }
        .to_string();
        if f.kind == FlowKind::Network && d.nodes[f.from].role == Role::Internet {
            class.push_str(" internet");
        }
        let k = stacked.entry((f.to, forward)).or_insert(0);
        let label_y = y2.saturating_sub(4 + LABEL_STEP * *k);
        *k += 1;
        let (label_x, anchor) = if forward {
            (x2 - 8, "end")
        } else {
            (x2 + 10, "start")
        };
        let _ = writeln!(
            o,
            "<g class=\"{class}\" data-from=\"{scope}{}\" data-to=\"{scope}{}\"><title>{}</title><path d=\"M{x1},{y1} C{c1x},{y1} {c2x},{y2} {x2},{y2}\" marker-end=\"url(#{scope}arrow)\"/><text x=\"{label_x}\" y=\"{label_y}\" text-anchor=\"{anchor}\">{}</text></g>",
            d.nodes[f.from].id,
            d.nodes[f.to].id,
            escape(&format!("{} → {}: {}", d.nodes[f.from].name, d.nodes[f.to].name, f.label)),
            escape(&fit(&f.label, LABEL_CHARS))
        );
    }
    for (n, node) in d.nodes.iter().enumerate() {
        let (x, y) = at[n];
        let state = if node.failing() {
            " failing"
        } else if node.waived_only() {
            " waived"
        } else if node.open() {
            " open"
        } else {
            ""
        };
        let role = match node.role {
            Role::Internet => "internet",
            Role::IdentityProvider => "idp",
            Role::ThirdParty => "third-party",
            Role::PublicEdge => "edge",
            Role::Compute => "compute",
            Role::DataStore => "store",
        };
        let radius = match node.role {
            Role::Internet | Role::IdentityProvider | Role::ThirdParty => 26,
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
        for source in &node.sources {
            tip.push_str(&format!("\n{source}"));
        }
        for f in &node.findings {
            tip.push_str(&format!("\nfails {f}"));
        }
        for w in &node.waived {
            tip.push_str(&format!("\nfails {w} (waived)"));
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
        } else if node.waived_only() {
            second = format!("⊘ {} waived finding(s)", node.waived.len());
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
            escape(&fit(&name, 26)),
            x + 8,
            y + 40,
            escape(&fit(&second, 32))
        );
    }
    o.push_str("</svg>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::Node;
    use std::collections::BTreeSet;

    fn node(name: String, boundary: Boundary, role: Role) -> Node {
        Node {
            id: crate::diagram::stable_id("n", &name, &boundary.id()),
            role,
            kind: "k".into(),
            name,
            unit: ".".into(),
            count: 1,
            boundary,
            details: vec![],
            findings: BTreeSet::new(),
            questions: BTreeSet::new(),
            waived: BTreeSet::new(),
            sources: vec![],
        }
    }

    /// (x, y, width, height)
    type Rect = (usize, usize, usize, usize);

    fn inside(a: Rect, b: Rect) -> bool {
        a.0 >= b.0 && a.1 >= b.1 && a.0 + a.2 <= b.0 + b.2 && a.1 + a.3 <= b.1 + b.3
    }

    fn overlap(a: Rect, b: Rect) -> bool {
        a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3
    }

    #[test]
    fn boxes_hold_what_they_contain_and_nothing_overlaps() {
        let vpc = Some("aws_vpc.main".to_string());
        let private = Boundary::Subnets {
            vpc: vpc.clone(),
            blocks: vec!["aws_subnet.private".into()],
            public: Some(false),
        };
        let public = Boundary::Subnets {
            vpc: vpc.clone(),
            blocks: vec!["aws_subnet.public_with_a_rather_long_name".into()],
            public: Some(true),
        };
        let mut nodes = vec![node("Internet".into(), Boundary::Internet, Role::Internet)];
        let groups = [
            (Boundary::Edge, Role::PublicEdge, 30),
            (Boundary::Vpc { name: vpc.clone() }, Role::Compute, 3),
            (private.clone(), Role::Compute, 25),
            (public.clone(), Role::Compute, 4),
            (Boundary::Account, Role::DataStore, 50),
        ];
        for (b, role, n) in groups {
            for i in 0..n {
                nodes.push(node(format!("{}-{i}", b.id()), b.clone(), role));
            }
        }
        let d = Diagram {
            flows: vec![crate::diagram::Flow {
                from: 1,
                to: nodes.len() - 1,
                kind: FlowKind::Invokes,
                label: "invokes".into(),
            }],
            nodes,
            collapsed: None,
        };
        let l = layout(&d);
        let rect_of = |b: &Boundary| -> Rect {
            let x = l.boxes.iter().find(|x| &x.boundary == b).unwrap();
            (x.x, x.y, x.width, x.height)
        };
        let rects: Vec<Rect> = l
            .nodes
            .iter()
            .map(|&(x, y)| (x, y, NODE_WIDTH, NODE_HEIGHT))
            .collect();
        for (i, n) in d.nodes.iter().enumerate() {
            assert!(
                inside(rects[i], rect_of(&n.boundary)),
                "{} outside its box",
                n.name
            );
            if let Some(p) = n.boundary.parent() {
                assert!(inside(rects[i], rect_of(&p)), "{} outside its VPC", n.name);
            }
            for j in 0..i {
                assert!(
                    !overlap(rects[i], rects[j]),
                    "{} overlaps {}",
                    n.name,
                    d.nodes[j].name
                );
            }
            // Inside the whole drawing.
            assert!(inside(rects[i], (0, 0, l.width, l.height)));
        }
        // Boxes: inner ones inside their VPC's and apart from each other; columns apart.
        for (i, a) in l.boxes.iter().enumerate() {
            let ra = (a.x, a.y, a.width, a.height);
            if a.inner {
                assert!(inside(ra, rect_of(&a.boundary.parent().unwrap())));
            }
            for b in &l.boxes[..i] {
                if a.inner == b.inner {
                    assert!(
                        !overlap(ra, (b.x, b.y, b.width, b.height)),
                        "{} overlaps {}",
                        a.boundary.title(),
                        b.boundary.title()
                    );
                }
            }
        }
        // Many components wrap into sub-columns rather than one tall column: 50 stores are at
        // most MAX_ROWS high.
        let stores: BTreeSet<usize> = d
            .nodes
            .iter()
            .zip(&l.nodes)
            .filter(|(n, _)| n.boundary == Boundary::Account)
            .map(|(_, &(_, y))| y)
            .collect();
        assert!(stores.len() <= MAX_ROWS, "{} rows", stores.len());
        // The drawing is deterministic and names every node and boundary once.
        let svg = render(&d, "s1_");
        assert_eq!(svg, render(&d, "s1_"));
        assert_eq!(svg.matches("<g class=\"node ").count(), d.nodes.len());
        assert_eq!(svg.matches("<g class=\"boundary subnets\"").count(), 2);
    }
}
