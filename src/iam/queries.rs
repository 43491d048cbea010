//! Questions the assumption catalog asks of the IAM model: which principals are
//! administrators in all but name, which roles several compute resources share, and whether a
//! principal's access to a table is bound to a tenant.

use super::access::{index, Access, Target};
use super::catalog;
use super::policy::Effect;
use super::principals::PolicyKind;
use crate::model::{Model, Part, Value};
use serde::Serialize;
use std::collections::BTreeMap;

/// AWS managed policies that make a principal an administrator, or able to become one.
const ADMIN_POLICIES: &[&str] = &["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"];

/// Why a principal is administrator-equivalent.
#[derive(Debug, Clone, Serialize)]
pub struct AdminGrant {
    pub principal: usize,
    /// `AdministratorAccess`, `action *`, `iam:*`, …
    pub why: String,
    pub policy: String,
    pub statement: Option<usize>,
}

/// Principals holding administrative power: the managed policies above, or an unconditional
/// Allow of every action, or of every IAM action, on every resource.
pub fn admin_equivalent(access: &Access) -> Vec<AdminGrant> {
    let idx = index();
    let all = idx.len();
    let iam = idx.service("iam");
    let mut out = Vec::new();
    for g in &access.grants {
        if g.boundary || g.effect != Effect::Allow || !g.conditions.is_empty() || g.not_resource {
            continue;
        }
        if !g.targets.iter().any(|t| matches!(t, Target::Any)) {
            continue;
        }
        let why = if g.source.kind == PolicyKind::AwsManaged
            && ADMIN_POLICIES.contains(&g.source.policy.as_str())
        {
            Some(g.source.policy.clone())
        } else if g.actions.len() == all {
            Some("every action (*)".to_string())
        } else if let Some(r) = iam {
            let iam_actions = (r.1 - r.0) as usize;
            (g.actions.restrict(r).len() == iam_actions)
                .then(|| "every IAM action (iam:*)".to_string())
        } else {
            None
        };
        if let Some(why) = why {
            out.push(AdminGrant {
                principal: g.principal,
                why,
                policy: g.source.policy.clone(),
                statement: (g.source.kind != PolicyKind::AwsManaged).then_some(g.source.statement),
            });
        }
    }
    out.sort_by(|a, b| (a.principal, &a.why, &a.policy).cmp(&(b.principal, &b.why, &b.policy)));
    out.dedup_by(|a, b| a.principal == b.principal && a.why == b.why && a.policy == b.policy);
    out
}

/// Roles that more than one function, task or instance runs as: role → the compute.
pub fn shared_roles(access: &Access) -> BTreeMap<usize, Vec<usize>> {
    let mut by_role: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (compute, role) in &access.compute {
        by_role.entry(*role).or_default().push(*compute);
    }
    by_role.retain(|_, c| c.len() > 1);
    by_role
}

/// How a principal's access to a DynamoDB table is bound to a tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "binding", rename_all = "snake_case")]
pub enum TenantBinding {
    /// Every allowed action carries `dynamodb:LeadingKeys` and every granting statement
    /// requires it to equal a per-principal variable.
    Bound { variable: String },
    /// Some allowed actions reach every tenant's items.
    Unbound {
        actions: Vec<String>,
        reason: String,
    },
    /// The principal has no access to the table.
    NoAccess,
}

fn tenant_variable(v: &Value) -> Option<String> {
    let text = match v {
        Value::String(s) => s.to_string(),
        Value::Template(parts) => parts
            .iter()
            .filter_map(|p| match p {
                Part::Text(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
        _ => return None,
    };
    [
        "${aws:PrincipalTag/",
        "${aws:userid}",
        "${aws:username}",
        "${cognito-identity.amazonaws.com:sub}",
        "${aws:PrincipalAccount}",
    ]
    .iter()
    .any(|p| text.contains(p))
    .then_some(text)
}

/// Whether `principal`'s access to `table` is bound to a tenant. `dynamodb:LeadingKeys` binds
/// only the actions that carry that key (not `Scan`), so isolation holds only when every allowed
/// action carries it and every statement that grants one requires it.
pub fn tenant_binding(
    model: &Model,
    access: &Access,
    principal: usize,
    table: usize,
) -> TenantBinding {
    let allowed = access.allowed(model, principal, table, Some("dynamodb"));
    if allowed.actions.is_empty() {
        return TenantBinding::NoAccess;
    }
    let idx = index();
    let mut unbound = Vec::new();
    let mut variable = None;
    for a in allowed.actions.iter() {
        let name = idx.names[a as usize];
        let carries_key = catalog::action(name).is_some_and(|info| {
            info.condition_keys
                .iter()
                .any(|k| k.eq_ignore_ascii_case("dynamodb:LeadingKeys"))
                || info.resource_types.iter().any(|r| {
                    r.condition_keys
                        .iter()
                        .any(|k| k.eq_ignore_ascii_case("dynamodb:LeadingKeys"))
                })
        });
        let granting: Vec<_> = allowed
            .via
            .iter()
            .filter(|g| g.actions.contains(a))
            .collect();
        let all_bound = !granting.is_empty()
            && granting.iter().all(|g| {
                g.conditions.iter().any(|c| {
                    c.key.eq_ignore_ascii_case("dynamodb:LeadingKeys")
                        && c.values.iter().any(|v| {
                            let t = tenant_variable(v);
                            if t.is_some() && variable.is_none() {
                                variable = t.clone();
                            }
                            t.is_some()
                        })
                })
            });
        if !(carries_key && all_bound) {
            unbound.push(name.to_string());
        }
    }
    match (unbound.is_empty(), variable) {
        (true, Some(variable)) => TenantBinding::Bound { variable },
        _ => TenantBinding::Unbound {
            reason: "these actions are allowed without a dynamodb:LeadingKeys condition they carry"
                .into(),
            actions: unbound,
        },
    }
}
