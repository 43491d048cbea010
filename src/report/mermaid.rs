//! The data-flow view as Mermaid: one `flowchart LR` per system, one subgraph per trust
//! boundary (subnets nested in their VPC), a legend, and classes for components with findings
//! (`failing`), with waived findings only (`waived`) and with open questions only (`open`). GitHub renders a ```` ```mermaid ```` block in a pull-request
//! comment, so the Markdown report embeds the same text.

use crate::diagram::{Diagram, FlowKind, Node, Role};
use std::fmt::Write;

/// Above this many components, the Markdown report draws one node per kind and boundary:
/// GitHub's renderer refuses very large graphs, and a reviewer cannot read them anyway.
pub const MARKDOWN_MAX_NODES: usize = 40;

/// Text inside a quoted Mermaid label: quotes and angle brackets as entities, no line breaks.
fn label(text: &str) -> String {
    text.replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace(['\n', '\r'], " ")
        .replace('|', "#124;")
}

fn node_text(n: &Node) -> String {
    let mut t = label(&n.name);
    if n.count > 1 && !n.name.contains('×') {
        t.push_str(&format!(" ×{}", n.count));
    }
    if !n.kind.is_empty() && n.name != n.kind && !n.name.ends_with(&n.kind) {
        t.push_str(&format!("<br/><i>{}</i>", label(&n.kind)));
    }
    for d in &n.details {
        t.push_str(&format!("<br/>{}", label(d)));
    }
    if !n.findings.is_empty() {
        t.push_str(&format!("<br/>✗ {}", label(&join(&n.findings))));
    }
    if !n.waived.is_empty() {
        t.push_str(&format!("<br/>⊘ waived {}", label(&join(&n.waived))));
    }
    if !n.questions.is_empty() {
        t.push_str(&format!("<br/>? {} open", n.questions.len()));
    }
    t
}

fn join(set: &std::collections::BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// The node's shape by role: a circle for the internet, a stadium for identity providers, a
/// hexagon for the third-party services the documents name, a
/// parallelogram for public edges, a box for compute, a cylinder for data stores.
fn shaped(n: &Node) -> String {
    let t = node_text(n);
    match n.role {
        Role::Internet => format!("{}((\"{t}\"))", n.id),
        Role::IdentityProvider => format!("{}([\"{t}\"])", n.id),
        Role::ThirdParty => format!("{}{{{{\"{t}\"}}}}", n.id),
        Role::PublicEdge => format!("{}[/\"{t}\"/]", n.id),
        Role::Compute => format!("{}[\"{t}\"]", n.id),
        Role::DataStore => format!("{}[(\"{t}\")]", n.id),
    }
}

/// One system's flowchart (without the code fence).
pub fn render(d: &Diagram, title: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "---\ntitle: \"{}\"\n---", label(title));
    o.push_str("flowchart LR\n");
    if let Some(c) = &d.collapsed {
        let _ = writeln!(o, "  %% {}", c.replace('\n', " "));
    }
    for nest in d.nesting() {
        let b = &nest.boundary;
        let _ = writeln!(o, "  subgraph {}[\"{}\"]", b.id(), label(&b.title()));
        for &n in &nest.nodes {
            let _ = writeln!(o, "    {}", shaped(&d.nodes[n]));
        }
        for (inner, nodes) in &nest.inner {
            let _ = writeln!(
                o,
                "    subgraph {}[\"{}\"]",
                inner.id(),
                label(&inner.title())
            );
            for &n in nodes {
                let _ = writeln!(o, "      {}", shaped(&d.nodes[n]));
            }
            o.push_str("    end\n");
        }
        o.push_str("  end\n");
    }
    for f in &d.flows {
        let arrow = match f.kind {
            FlowKind::Invokes => "-->",
            FlowKind::Access => "-.->",
            FlowKind::Network => "==>",
        };
        let _ = writeln!(
            o,
            "  {} {arrow}|\"{}\"| {}",
            d.nodes[f.from].id,
            label(&f.label),
            d.nodes[f.to].id
        );
    }
    o.push_str("  subgraph legend[\"Legend\"]\n");
    o.push_str("    legend_flows[\"──▶ invokes, forwards · ┄┄▶ IAM access (read/write/manage), from a role's policies or granted by a resource or key policy · ══▶ network: reachable from the internet (public) or through a security group (its ports)\"]\n");
    o.push_str(
        "    legend_failing[\"✗ a finding: the code proves an assumption fails\"]:::failing\n",
    );
    o.push_str(
        "    legend_waived[\"⊘ a finding waived: suppressed or an accepted risk\"]:::waived\n",
    );
    o.push_str("    legend_open[\"? an open question\"]:::open\n");
    o.push_str("  end\n");
    o.push_str("  classDef failing fill:#fde2e1,stroke:#c62828,stroke-width:2px,color:#000\n");
    o.push_str("  classDef waived fill:#eceff1,stroke:#546e7a,stroke-width:2px,stroke-dasharray:5 3,color:#000\n");
    o.push_str("  classDef open fill:#fff4d6,stroke:#b7791f,stroke-width:2px,color:#000\n");
    let failing: Vec<&str> = d
        .nodes
        .iter()
        .filter(|n| n.failing())
        .map(|n| n.id.as_str())
        .collect();
    let open: Vec<&str> = d
        .nodes
        .iter()
        .filter(|n| n.open())
        .map(|n| n.id.as_str())
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(o, "  class {} failing", failing.join(","));
    }
    let waived: Vec<&str> = d
        .nodes
        .iter()
        .filter(|n| n.waived_only())
        .map(|n| n.id.as_str())
        .collect();
    if !waived.is_empty() {
        let _ = writeln!(o, "  class {} waived", waived.join(","));
    }
    if !open.is_empty() {
        let _ = writeln!(o, "  class {} open", open.join(","));
    }
    o
}

/// `--format mermaid`: every system's flowchart, each in a Markdown-free block separated by a
/// comment line naming the system, so the output pastes into any Mermaid renderer one at a time
/// or as a whole file of ```` ```mermaid ```` blocks.
pub fn render_systems(systems: &[crate::systems::SystemReport], diagrams: &[Diagram]) -> String {
    let mut o = String::new();
    for (s, d) in systems.iter().zip(diagrams) {
        let _ = writeln!(o, "%% system: {} ({})", s.system.name, s.system.path);
        o.push_str(&render(d, &s.system.name));
        o.push('\n');
    }
    o
}

/// The Markdown section of one system's diagram: a fenced block GitHub renders, collapsed by
/// kind above [`MARKDOWN_MAX_NODES`] with a sentence that says so.
pub fn markdown_section(d: &Diagram, title: &str) -> String {
    let shown = crate::diagram::collapse(d, MARKDOWN_MAX_NODES);
    let mut o = String::from("<details open><summary>Data-flow diagram</summary>\n\n");
    if let Some(c) = &shown.collapsed {
        let _ = writeln!(o, "_{c}; `--format mermaid` draws each component._\n");
    }
    o.push_str("```mermaid\n");
    o.push_str(&render(&shown, title));
    o.push_str("```\n\n</details>\n\n");
    o
}
