//! `vouch paths`: privilege-escalation paths and exposure paths, each step with file and line.

use crate::iam::access::Access;
use crate::iam::{escalation, trust};
use crate::model::Label;
use crate::network;
use crate::source::Span;
use crate::Scan;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Path {
    /// Stable across runs while its subject is unchanged: a hash of kind, subject and method.
    pub id: String,
    /// `privilege-escalation`, `unauthenticated-route`, `open-ingress`, `public-datastore`,
    /// `assumable-role`.
    pub kind: &'static str,
    pub unit: String,
    /// The address the path is about: who can escalate (`privilege-escalation`), what is exposed
    /// (the API of an `unauthenticated-route`, the security group of `open-ingress`, the store of
    /// `public-datastore`), or the role that can be assumed (`assumable-role`).
    pub subject: String,
    pub title: String,
    pub steps: Vec<Step>,
}

/// A stable id: FNV-1a over the parts, each followed by a zero byte.
fn stable_id(parts: &[&str]) -> String {
    let h = crate::fnv1a(
        parts
            .iter()
            .flat_map(|p| p.bytes().chain(std::iter::once(0))),
    );
    format!("{h:016x}")
}

fn step(scan: &Scan, text: String, resource: Option<usize>, span: Option<Span>) -> Step {
    let m = &scan.model;
    let span = span.or_else(|| resource.map(|r| m.resources[r].span));
    let loc = span.map(|s| scan.loaded.sources.region(s));
    Step {
        text,
        resource: resource.map(|r| m.resources[r].address.clone()),
        file: loc.as_ref().map(|l| l.file.clone()),
        line: loc.map(|l| l.line),
    }
}

/// Every path of a scan, sorted by kind, unit and title.
pub fn paths(scan: &Scan, access: &Access) -> Vec<Path> {
    let m = &scan.model;
    let mut out = Vec::new();
    let used_by = |role: usize| -> Vec<usize> {
        access
            .compute
            .iter()
            .filter(|(_, r)| *r == role)
            .map(|(c, _)| *c)
            .collect()
    };

    for e in escalation::find(m, access) {
        let p = &m.resources[e.principal];
        let mut steps = Vec::new();
        for c in used_by(e.principal) {
            steps.push(step(
                scan,
                format!("{} runs as {}", m.resources[c].address, p.address),
                Some(c),
                None,
            ));
        }
        for s in &e.steps {
            let cond = if s.conditional { " (conditional)" } else { "" };
            steps.push(step(
                scan,
                format!(
                    "{} allowed by {} statement {}{cond}",
                    s.action, s.source.policy, s.source.statement
                ),
                None,
                s.source.span,
            ));
        }
        steps.push(step(
            scan,
            format!("then: {}", e.method.description),
            None,
            None,
        ));
        out.push(Path {
            id: stable_id(&["privilege-escalation", &p.unit, &p.address, &e.method.id]),
            kind: "privilege-escalation",
            unit: p.unit.clone(),
            subject: p.address.clone(),
            title: format!(
                "{} can escalate its privileges: {}",
                p.address, e.method.name
            ),
            steps,
        });
    }

    for edge in network::public_edges(m) {
        let r = &m.resources[edge.resource];
        for route in edge
            .routes
            .iter()
            .filter(|rt| rt.authenticated == Some(false))
        {
            let mut steps = vec![
                step(
                    scan,
                    format!("the internet reaches {} ({:?})", r.address, edge.kind),
                    Some(edge.resource),
                    None,
                ),
                step(
                    scan,
                    format!(
                        "{} requires no authentication ({})",
                        route.name,
                        route.authorization.as_deref().unwrap_or("NONE")
                    ),
                    Some(route.resource),
                    Some(route.evidence.span),
                ),
            ];
            // Where the route leads: integrations of the route (or of its facets).
            let mut targets: Vec<usize> = m
                .edges
                .iter()
                .filter(|e| e.label == Label::Integrates && m.owner(e.from) == route.resource)
                .map(|e| m.owner(e.to))
                .collect();
            targets.sort_unstable();
            targets.dedup();
            for t in targets {
                steps.push(step(
                    scan,
                    format!("which invokes {}", m.resources[t].address),
                    Some(t),
                    None,
                ));
                for (c, role) in &access.compute {
                    if *c == t {
                        steps.push(step(
                            scan,
                            format!("running as {}", m.resources[*role].address),
                            Some(*role),
                            None,
                        ));
                    }
                }
            }
            out.push(Path {
                id: stable_id(&["unauthenticated-route", &r.unit, &r.address, &route.name]),
                kind: "unauthenticated-route",
                unit: r.unit.clone(),
                subject: r.address.clone(),
                title: format!(
                    "{} on {} accepts unauthenticated callers",
                    route.name, r.address
                ),
                steps,
            });
        }
    }

    for rule in network::open_ingress(m) {
        if rule.edge_web {
            continue;
        }
        let target = &m.resources[rule.target];
        let ports = match &rule.ports {
            network::Ports::All => "all ports".to_string(),
            network::Ports::Range { from, to } if from == to => format!("port {from}"),
            network::Ports::Range { from, to } => format!("ports {from}-{to}"),
            network::Ports::NotApplicable => "no ports".to_string(),
            network::Ports::Unknown { .. } => "unknown ports".to_string(),
        };
        let mut steps = vec![step(
            scan,
            format!(
                "{} may connect on {} ({})",
                rule.cidr.as_deref().unwrap_or("an unknown source"),
                ports,
                rule.protocol.as_deref().unwrap_or("unknown protocol")
            ),
            Some(rule.rule),
            Some(rule.evidence.span),
        )];
        if rule.attached_to.is_empty() {
            steps.push(step(
                scan,
                format!("{} is attached to nothing in the tree", target.address),
                Some(rule.target),
                None,
            ));
        }
        for a in &rule.attached_to {
            steps.push(step(
                scan,
                format!("through {} to {}", target.address, m.resources[*a].address),
                Some(*a),
                None,
            ));
        }
        out.push(Path {
            id: stable_id(&[
                "open-ingress",
                &target.unit,
                &target.address,
                &rule.attribute,
                &ports,
            ]),
            kind: "open-ingress",
            unit: target.unit.clone(),
            subject: target.address.clone(),
            title: format!("{} is open to the internet on {ports}", target.address),
            steps,
        });
    }

    for x in network::public_datastores(m) {
        if x.public != Some(true) {
            continue;
        }
        let r = &m.resources[x.store];
        let steps = x
            .findings
            .iter()
            .filter(|f| f.public == Some(true))
            .map(|f| {
                step(
                    scan,
                    f.detail.clone(),
                    Some(f.evidence.resource),
                    Some(f.evidence.span),
                )
            })
            .collect();
        out.push(Path {
            id: stable_id(&["public-datastore", &r.unit, &r.address]),
            kind: "public-datastore",
            unit: r.unit.clone(),
            subject: r.address.clone(),
            title: format!("{} is reachable from the internet", r.address),
            steps,
        });
    }

    for t in trust::trust(m, &access.principals) {
        let Some(problem) = t.problem() else { continue };
        let role = &m.resources[t.role];
        let mut steps = vec![step(
            scan,
            format!("{} may assume {}: {problem}", t.principal, role.address),
            Some(t.role),
            t.span,
        )];
        for c in used_by(t.role) {
            steps.push(step(
                scan,
                format!("the role is what {} runs as", m.resources[c].address),
                Some(c),
                None,
            ));
        }
        out.push(Path {
            id: stable_id(&["assumable-role", &role.unit, &role.address, &t.principal]),
            kind: "assumable-role",
            unit: role.unit.clone(),
            subject: role.address.clone(),
            title: format!("{} can be assumed from outside its scope", role.address),
            steps,
        });
    }

    out.sort_by(|a, b| (a.kind, &a.unit, &a.title, &a.id).cmp(&(b.kind, &b.unit, &b.title, &b.id)));
    out.dedup_by(|a, b| a.id == b.id);
    out
}

pub fn to_json(paths: &[Path]) -> String {
    let mut s =
        serde_json::to_string_pretty(&serde_json::json!({ "format_version": 1, "paths": paths }))
            .unwrap_or_default();
    s.push('\n');
    s
}

pub fn to_text(paths: &[Path]) -> String {
    let mut out = String::new();
    if paths.is_empty() {
        out.push_str("No privilege-escalation or exposure path found.\n");
        return out;
    }
    let mut kind = "";
    for p in paths {
        if p.kind != kind {
            let _ = writeln!(out, "\n== {}", p.kind);
            kind = p.kind;
        }
        let _ = writeln!(out, "\n{}  [{}]", p.title, p.id);
        for s in &p.steps {
            match (&s.file, s.line) {
                (Some(f), Some(l)) => {
                    let _ = writeln!(out, "  - {}  ({f}:{l})", s.text);
                }
                _ => {
                    let _ = writeln!(out, "  - {}", s.text);
                }
            }
        }
    }
    out
}
