//! `vouch access`: who can do what to which resource, and which policy line says so.
//!
//! Rows come from [`Access::effective`]: identity-based and resource-based policies combined
//! as AWS combines them in one account. Besides the roles and users of the tree, a row's
//! principal may be `*` (what a resource policy gives everyone: shown once, not under every
//! principal), or a principal outside the tree that a resource policy names (`service
//! apigateway.amazonaws.com`, another account, a principal the code does not settle).

use crate::iam::access::{self, Access, ActionSet, Allowed, Grant, Grantee};
use crate::iam::catalog::AccessLevel;
use crate::model::Kind;
use crate::Scan;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
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

/// One statement behind a row.
#[derive(Debug, Clone, Serialize)]
pub struct Via {
    pub policy: String,
    /// `inline`, `managed`, `aws_managed` (identity based), `boundary`, or `resource`.
    pub kind: crate::iam::principals::PolicyKind,
    pub attribute: String,
    pub statement: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub conditional: bool,
    /// The condition keys of the statement (`aws:SourceArn`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
}

/// What a row's principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalType {
    /// A role or user of the tree.
    Tree,
    /// `*`: every principal, through a resource policy.
    Anyone,
    /// An AWS service named by a resource policy or Lambda permission.
    Service,
    /// Another account, a federated provider, an ARN naming nothing in the tree.
    External,
    /// A principal the code does not settle.
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub unit: String,
    pub principal: String,
    pub principal_type: PrincipalType,
    /// Compute resources that run as the principal.
    pub used_by: Vec<String>,
    pub resource: String,
    pub kind: Kind,
    /// How many resources the row stands for: more than one when a grant on `*` gives the
    /// same access to every resource of the kind that no statement names (`every logs.log-group`).
    #[serde(skip_serializing_if = "is_one")]
    pub resources: usize,
    pub levels: Vec<AccessLevel>,
    /// Some allowed action deletes (`Delete*`).
    pub delete: bool,
    pub actions: usize,
    /// Every granting statement has conditions.
    pub conditional: bool,
    /// Some action is granted to everyone with no restricting condition.
    pub public: bool,
    pub via: Vec<Via>,
    /// Deny statements that may remove some of the actions (their conditions are not assumed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditional_denies: Vec<Via>,
    /// Resource policies that cannot be read (`policy = var.policy`): they may deny more.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread_policies: Vec<String>,
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

fn via_of(scan: &Scan, grants: &[&Grant]) -> Vec<Via> {
    let mut via: Vec<Via> = grants
        .iter()
        .map(|g| {
            let loc = g.source.span.map(|s| scan.loaded.sources.region(s));
            let mut conditions: Vec<String> = g.conditions.iter().map(|c| c.key.clone()).collect();
            conditions.sort();
            conditions.dedup();
            Via {
                policy: g.source.policy.clone(),
                kind: g.source.kind,
                attribute: g.source.attribute.clone(),
                statement: g.source.statement,
                sid: g.source.sid.clone(),
                conditional: !g.conditions.is_empty(),
                conditions,
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
    via
}

/// A row, or `None` when nothing is allowed or the action filter leaves nothing.
fn row(
    scan: &Scan,
    allowed: &Allowed,
    resource: usize,
    action_filter: Option<&ActionSet>,
) -> Option<Row> {
    let idx = access::index();
    if allowed.actions.is_empty() {
        return None;
    }
    if let Some(af) = action_filter {
        let mut x = allowed.actions.clone();
        x.intersect_with(af);
        if x.is_empty() {
            return None;
        }
    }
    let r = &scan.model.resources[resource];
    let delete = allowed.actions.iter().any(|i| {
        idx.names[i as usize]
            .split(':')
            .nth(1)
            .is_some_and(|n| n.starts_with("Delete"))
    });
    Some(Row {
        unit: r.unit.clone(),
        principal: String::new(),
        principal_type: PrincipalType::Tree,
        used_by: Vec::new(),
        resource: r.address.clone(),
        kind: r.kind,
        resources: 1,
        levels: access::levels(&allowed.actions),
        delete,
        actions: allowed.actions.len(),
        conditional: allowed.conditional,
        public: allowed.public,
        via: via_of(scan, &allowed.via),
        conditional_denies: via_of(scan, &allowed.conditional_denies),
        unread_policies: allowed
            .unread_policies
            .iter()
            .map(|p| scan.model.resources[p.holder].address.clone())
            .collect(),
    })
}

/// The access table of a scan.
pub fn rows(scan: &Scan, access: &Access, filter: &Filter) -> Vec<Row> {
    let m = &scan.model;
    let idx = access::index();
    let action_filter: Option<ActionSet> = filter.action.as_deref().map(|p| idx.expand(p));
    let af = action_filter.as_ref();
    // A principal is evaluated only against the resources one of its statements (or a
    // resource policy) can reach, not against every resource of the tree.
    let reach = crate::iam::reach::Reach::new(m, access, |r| {
        filter
            .resource
            .as_deref()
            .is_none_or(|f| r.address.contains(f))
    });
    let candidates = |p: usize| reach.candidates(m, access, p);
    // Principals are independent: evaluate them on rayon's pool.
    let principals: Vec<usize> = access.principals.keys().copied().collect();
    let per_principal: Vec<Vec<Row>> = principals
        .par_iter()
        .map(|&p| {
            let mut out = Vec::new();
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
                    return out;
                }
            }
            let (named, unnamed) = candidates(p);
            let same_unit = |ri: &usize| m.resources[*ri].unit == principal.unit;
            for (ri, service) in named.into_iter().filter(|(ri, _)| same_unit(ri)) {
                let allowed = access.effective_named(m, p, ri, Some(service));
                if let Some(mut row) = row(scan, &allowed, ri, af) {
                    row.principal = principal.address.clone();
                    row.used_by = used_by.clone();
                    out.push(row);
                }
            }
            // Resources reached only through grants on `*` all get the same access: one row per
            // kind (unless a boundary, which may name resources, is involved).
            let bounded = access
                .principals
                .get(&p)
                .is_some_and(|x| !x.boundaries.is_empty());
            let mut by_kind: BTreeMap<Kind, Vec<(usize, &'static str)>> = BTreeMap::new();
            for (ri, service) in unnamed.into_iter().filter(|(ri, _)| same_unit(ri)) {
                by_kind
                    .entry(m.resources[ri].kind)
                    .or_default()
                    .push((ri, service));
            }
            for (kind, members) in by_kind {
                let group = !bounded && members.len() > 1;
                let each: Vec<(usize, &'static str)> = if group {
                    members[..1].to_vec()
                } else {
                    members.clone()
                };
                for (ri, service) in each {
                    let allowed = access.effective_named(m, p, ri, Some(service));
                    if let Some(mut row) = row(scan, &allowed, ri, af) {
                        row.principal = principal.address.clone();
                        row.used_by = used_by.clone();
                        if group {
                            row.resource = format!("every {kind}");
                            row.resources = members.len();
                        }
                        out.push(row);
                    }
                }
            }
            out
        })
        .collect();
    let mut out: Vec<Row> = per_principal.into_iter().flatten().collect();
    // What resource policies give everyone, and principals outside the tree.
    let keep = |name: &str| filter.principal.as_deref().is_none_or(|f| name.contains(f));
    for &(ri, service) in reach.resources() {
        if access.policies_of(ri).next().is_none() {
            continue;
        }
        if keep("*") {
            if let Some(mut row) = row(scan, &access.anyone(m, ri, Some(service)), ri, af) {
                row.principal = "*".into();
                row.principal_type = PrincipalType::Anyone;
                out.push(row);
            }
        }
        for (g, allowed) in access.outside(m, ri, Some(service)) {
            let name = g.describe(m);
            if !keep(&name) {
                continue;
            }
            if let Some(mut row) = row(scan, &allowed, ri, af) {
                row.principal = name;
                row.principal_type = match g {
                    Grantee::Service { .. } => PrincipalType::Service,
                    Grantee::Unknown { .. } => PrincipalType::Unknown,
                    _ => PrincipalType::External,
                };
                out.push(row);
            }
        }
    }
    out.sort_by(|a, b| {
        (&a.unit, &a.principal, &a.resource).cmp(&(&b.unit, &b.principal, &b.resource))
    });
    out
}

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    access: &'a [Row],
}

pub fn to_json(rows: &[Row]) -> String {
    let mut out = Vec::new();
    let _ = write_json(rows, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Streams the table as compact JSON (one line; pipe it to `jq` to read it): a large table is
/// never held as text, and a table of 100,000 rows is a third smaller than pretty-printed.
pub fn write_json(rows: &[Row], w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let doc = Document {
        format_version: 1,
        access: rows,
    };
    serde_json::to_writer(&mut *w, &doc).map_err(std::io::Error::from)?;
    w.write_all(b"\n")
}

/// Where a statement is, with `(resource policy)` for resource-based statements.
fn via_text(v: &Via) -> String {
    let at = match (&v.file, v.line) {
        (Some(f), Some(l)) => format!("{f}:{l}"),
        _ => v.policy.clone(),
    };
    if v.kind == crate::iam::principals::PolicyKind::Resource {
        format!("{at} (resource policy)")
    } else {
        at
    }
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
    // Columns as wide as their widest entry, so the table lines up.
    let shown = |r: &Row| {
        if r.resources > 1 {
            format!("{} ({})", r.resource, r.resources)
        } else {
            r.resource.clone()
        }
    };
    let w_resource = rows.iter().map(|r| shown(r).len()).max().unwrap_or(0);
    let w_kind = rows
        .iter()
        .map(|r| r.kind.as_str().len())
        .max()
        .unwrap_or(0);
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
        let mut cond = String::new();
        if r.public {
            cond.push_str(", public");
        }
        if r.conditional {
            let mut keys: Vec<&str> = r
                .via
                .iter()
                .flat_map(|v| v.conditions.iter().map(String::as_str))
                .collect();
            keys.sort();
            keys.dedup();
            cond.push_str(", conditional");
            if r.principal_type != PrincipalType::Tree && !keys.is_empty() {
                let _ = write!(cond, " on {}", keys.join(", "));
            }
        }
        let mut via: Vec<String> = Vec::new();
        for v in r.via.iter().map(via_text) {
            if !via.contains(&v) {
                via.push(v);
            }
        }
        let mut tail = String::new();
        if !r.conditional_denies.is_empty() {
            let denies: Vec<String> = r
                .conditional_denies
                .iter()
                .map(|v| {
                    let keys = if v.conditions.is_empty() {
                        String::new()
                    } else {
                        format!(" if {}", v.conditions.join(", "))
                    };
                    format!("{}{keys}", via_text(v))
                })
                .collect();
            let _ = write!(tail, "; conditional deny at {}", denies.join(", "));
        }
        if !r.unread_policies.is_empty() {
            let _ = write!(tail, "; unread policy {}", r.unread_policies.join(", "));
        }
        let _ = writeln!(
            out,
            "  {:w_resource$}  {:w_kind$}  {}{} ({} actions) via {}{}",
            shown(r),
            r.kind,
            levels.join("+"),
            cond,
            r.actions,
            via.join(", "),
            tail
        );
    }
    out
}
