//! `vouch access`: who can do what to which resource, and which policy line says so.

use crate::iam::access::{self, Access, ActionSet};
use crate::iam::catalog::AccessLevel;
use crate::Scan;
use serde::Serialize;
use std::fmt::Write as _;

/// Filters from the command line; empty means everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Substring of the principal's address, or of a compute resource that runs as it.
    pub principal: Option<String>,
    /// Substring of the resource's address.
    pub resource: Option<String>,
    /// An action pattern (`s3:Get*`): only rows where some matching action is allowed.
    pub action: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Via {
    pub policy: String,
    pub kind: crate::iam::principals::PolicyKind,
    pub attribute: String,
    pub statement: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub conditional: bool,
    pub file: Option<String>,
    pub line: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub unit: String,
    pub principal: String,
    /// Compute resources that run as the principal.
    pub used_by: Vec<String>,
    pub resource: String,
    pub kind: &'static str,
    pub levels: Vec<AccessLevel>,
    /// Some allowed action deletes (`Delete*`).
    pub delete: bool,
    pub actions: usize,
    /// Every granting statement has conditions.
    pub conditional: bool,
    pub via: Vec<Via>,
}

/// The access table of a scan.
pub fn rows(scan: &Scan, access: &Access, filter: &Filter) -> Vec<Row> {
    let m = &scan.model;
    let idx = access::index();
    let action_filter: Option<ActionSet> = filter.action.as_deref().map(|p| idx.expand(p));
    let mut out = Vec::new();
    for &p in access.principals.keys() {
        let principal = &m.resources[p];
        let used_by: Vec<String> = access
            .compute
            .iter()
            .filter(|(_, role)| *role == p)
            .map(|(c, _)| m.resources[*c].address.clone())
            .collect();
        if let Some(f) = &filter.principal {
            if !principal.address.contains(f.as_str())
                && !used_by.iter().any(|u| u.contains(f.as_str()))
            {
                continue;
            }
        }
        for (ri, r) in m.resources.iter().enumerate() {
            if r.facet.is_some() || r.unit != principal.unit {
                continue;
            }
            let Some(service) = access::service_of(r.kind) else {
                continue;
            };
            if r.kind.starts_with("iam.") {
                continue;
            }
            if let Some(f) = &filter.resource {
                if !r.address.contains(f.as_str()) {
                    continue;
                }
            }
            let allowed = access.allowed(m, p, ri, Some(service));
            if allowed.actions.is_empty() {
                continue;
            }
            if let Some(af) = &action_filter {
                let mut x = allowed.actions.clone();
                x.intersect_with(af);
                if x.is_empty() {
                    continue;
                }
            }
            let delete = allowed.actions.iter().any(|i| {
                idx.names[i as usize]
                    .split(':')
                    .nth(1)
                    .is_some_and(|n| n.starts_with("Delete"))
            });
            let mut via: Vec<Via> = allowed
                .via
                .iter()
                .map(|g| {
                    let loc = g.source.span.map(|s| scan.loaded.sources.locate(s));
                    Via {
                        policy: g.source.policy.clone(),
                        kind: g.source.kind,
                        attribute: g.source.attribute.clone(),
                        statement: g.source.statement,
                        sid: g.source.sid.clone(),
                        conditional: !g.conditions.is_empty(),
                        file: loc.as_ref().map(|l| l.file.clone()),
                        line: loc.map(|l| l.line),
                    }
                })
                .collect();
            via.sort_by(|a, b| {
                (&a.policy, &a.attribute, a.statement).cmp(&(&b.policy, &b.attribute, b.statement))
            });
            via.dedup_by(|a, b| {
                a.policy == b.policy && a.attribute == b.attribute && a.statement == b.statement
            });
            out.push(Row {
                unit: principal.unit.clone(),
                principal: principal.address.clone(),
                used_by: used_by.clone(),
                resource: r.address.clone(),
                kind: r.kind,
                levels: access::levels(&allowed.actions),
                delete,
                actions: allowed.actions.len(),
                conditional: allowed.conditional,
                via,
            });
        }
    }
    out.sort_by(|a, b| {
        (&a.unit, &a.principal, &a.resource).cmp(&(&b.unit, &b.principal, &b.resource))
    });
    out
}

pub fn to_json(rows: &[Row]) -> String {
    let mut s =
        serde_json::to_string_pretty(&serde_json::json!({ "format_version": 1, "access": rows }))
            .unwrap_or_default();
    s.push('\n');
    s
}

fn level_word(l: AccessLevel) -> &'static str {
    match l {
        AccessLevel::List => "list",
        AccessLevel::Read => "read",
        AccessLevel::Write => "write",
        AccessLevel::PermissionsManagement => "permissions",
        AccessLevel::Tagging => "tagging",
    }
}

pub fn to_text(rows: &[Row]) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("No principal in the tree is granted access to a resource in the tree.\n");
        return out;
    }
    let mut current = String::new();
    for r in rows {
        let who = format!(
            "{}{}",
            r.principal,
            if r.used_by.is_empty() {
                String::new()
            } else {
                format!(" (used by {})", r.used_by.join(", "))
            }
        );
        if who != current {
            let _ = writeln!(out, "\n{who}");
            current = who;
        }
        let mut levels: Vec<&str> = r.levels.iter().map(|l| level_word(*l)).collect();
        if r.delete {
            levels.push("delete");
        }
        let cond = if r.conditional { ", conditional" } else { "" };
        let via: Vec<String> = r
            .via
            .iter()
            .map(|v| match (&v.file, v.line) {
                (Some(f), Some(l)) => format!("{f}:{l}"),
                _ => v.policy.clone(),
            })
            .collect();
        let _ = writeln!(
            out,
            "  {:40} {:24} {}{} ({} actions) via {}",
            r.resource,
            r.kind,
            levels.join("+"),
            cond,
            r.actions,
            via.join(", ")
        );
    }
    out
}
