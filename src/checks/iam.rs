//! Identity and access checks: least privilege and one role per compute resource, no
//! administrative service roles, no privilege escalation, scoped trust, back-office functions
//! kept away from tenant data, secrets read by ARN, and tenant isolation enforced by IAM.
//!
//! Compute rules speak of the compute (functions, task definitions, instances), not of their
//! roles; a compute resource whose role the code cannot settle is an unknown with the reason.

use super::ranked::{self, Candidate};
use super::{no_params, Cause, Check, Facts, Finding, Outcome, Params};
use crate::iam::access::{index, Access, Grant, Target};
use crate::iam::catalog;
use crate::iam::policy::Effect;
use crate::iam::principals::{compute_role_refs, ComputeRole, PolicyKind, RoleOf};
use crate::iam::queries::{self, TenantBinding};
use crate::iam::trust::{self, Trustee};
use crate::model::Kind;
use crate::model::{Model, Prop, Value};
use crate::network::util;
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(super) fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "iam.compute-least-privilege",
            about: "the role of each function, task or instance names its actions (no `*` or `service:*`, no NotAction) and scopes its actions on data stores, secrets and keys to resources (no `*`)",
            run: least_privilege,
            validate: validate_data_services,
        },
        Check {
            name: "iam.compute-own-role",
            about: "no two functions, task definitions or instances run as the same role",
            run: own_role,
            validate: no_params,
        },
        Check {
            name: "iam.service-role-not-admin",
            about: "no role assumed by an AWS service (or run as by compute) holds AdministratorAccess, PowerUserAccess, IAMFullAccess, `*` or `iam:*` on every resource",
            run: service_role_not_admin,
            validate: no_params,
        },
        Check {
            name: "iam.no-escalation",
            about: "no role or user can raise its own privileges by a method of rules/privilege-escalation.json",
            run: no_escalation,
            validate: no_params,
        },
        Check {
            name: "iam.trust-scoped",
            about: "role trust policies admit no `*`, no other account without sts:ExternalId or an organization condition, no OIDC or Cognito tokens without sub/aud conditions; service principals in resource policies and Lambda permissions carry aws:SourceArn or aws:SourceAccount",
            run: trust_scoped,
            validate: no_params,
        },
        Check {
            name: "iam.admin-compute-data-access",
            about: "compute whose name marks it administrative or back office cannot read the contents of tables, buckets, databases or secrets",
            run: admin_data_access,
            validate: validate_markers,
        },
        Check {
            name: "iam.secret-readers",
            about: "each secret is readable only through grants that name it; no principal reads secrets through `*`",
            run: secret_readers,
            validate: no_params,
        },
        Check {
            name: "iam.tenant-binding",
            about: "every principal's access to a pooled table or bucket is bound to the caller's tenant by dynamodb:LeadingKeys or tenant-keyed object ARNs; unbound access rests on application code",
            run: tenant_binding,
            validate: no_params,
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Shared readers
// ---------------------------------------------------------------------------------------------

/// The compute resources in scope (deployed), with their roles.
fn compute(facts: &Facts) -> Vec<ComputeRole> {
    compute_role_refs(facts.model)
        .into_iter()
        .filter(|c| util::deployed(&facts.model.resources[c.compute]))
        .collect()
}

/// The span of the setting that names a compute resource's role.
fn role_setting(model: &Model, c: &ComputeRole) -> Span {
    let r = &model.resources[c.compute];
    match &c.attribute {
        Some(a) => r.span_of(a),
        None => r.span,
    }
}

fn address(model: &Model, i: usize) -> &str {
    model.resources[i].address.as_str()
}

/// Who a principal is to people: the compute that runs as it, or its own address.
fn who(model: &Model, access: &Access, principal: usize) -> String {
    let users: Vec<&str> = access
        .compute
        .iter()
        .filter(|(_, r)| *r == principal)
        .map(|(c, _)| address(model, *c))
        .collect();
    if users.is_empty() {
        address(model, principal).to_string()
    } else {
        users.join(", ")
    }
}

/// The outcome for a value naming a policy or principal the tree cannot settle.
fn unsettled_value(v: &Value) -> Outcome {
    match v.first_unknown() {
        Some(u) => Outcome::from_unknown(u),
        None => match v {
            Value::String(s) => Outcome::unknown(
                Cause::OutsideTree,
                format!("{s} is not declared in the scanned tree"),
            ),
            other => Outcome::of_value(other),
        },
    }
}

/// Policies of a principal the code cannot read: an attached policy ARN that names nothing
/// known, a document from a variable, an action from a variable. Each with where it is written.
fn unsettled_policies(model: &Model, access: &Access, principal: usize) -> Vec<(Outcome, Span)> {
    let Some(p) = access.principals.get(&principal) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for u in &p.unresolved {
        let outcome = match &u.not_in_catalog {
            Some(missing) => Outcome::unknown(Cause::NoSuchManagedPolicy, missing.describe()),
            None => unsettled_value(&u.value),
        };
        out.push((outcome, u.span));
    }
    let groups = p
        .groups
        .iter()
        .filter_map(|g| access.principals.get(g))
        .flat_map(|g| g.identity.iter());
    for h in p.identity.iter().chain(p.boundaries.iter()).chain(groups) {
        let span = h.span.unwrap_or(model.resources[principal].span);
        if let Some(v) = &h.document.unknown {
            out.push((unsettled_value(v), span));
        }
        for st in &h.document.statements {
            if let Some(v) = st.action.as_ref().and_then(|a| a.unresolved.first()) {
                out.push((unsettled_value(v), span));
            }
        }
    }
    out
}

fn grant_span(model: &Model, g: &Grant) -> Span {
    g.source.span.unwrap_or(model.resources[g.principal].span)
}

/// Names of a set of action ids, the first few, for a one-line detail.
fn action_list(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().take(4).map(|n| format!("`{n}`")).collect();
    match names.len() {
        n if n > 4 => format!("{} and {} more", shown.join(", "), n - 4),
        _ => shown.join(", "),
    }
}

/// The unknown entries of a grant's `Resource`, as outcomes.
fn unknown_targets(g: &Grant) -> Vec<Outcome> {
    g.targets
        .iter()
        .filter_map(|t| match t {
            Target::Unknown { value } => Some(unsettled_value(value)),
            _ => None,
        })
        .collect()
}

/// Does an ARN pattern name every resource of its type (see [`crate::iam::arn::names_every_resource_of_type`]).
fn broad_pattern(arn: &str) -> bool {
    crate::iam::arn::names_every_resource_of_type(arn)
}

/// The broad entry of a grant (`*`, `NotResource`, a pattern naming every resource of a type).
fn broad_target(g: &Grant) -> Option<String> {
    if g.not_resource {
        return Some("NotResource".into());
    }
    g.targets.iter().find_map(|t| match t {
        Target::Any => Some("*".to_string()),
        Target::Pattern { arn } if broad_pattern(arn) => Some(arn.clone()),
        _ => None,
    })
}

/// Conditions that scope a `*` resource to some resources (attribute-based access control).
fn scoped_by_tags(g: &Grant) -> bool {
    g.conditions.iter().any(|c| {
        let k = c.key_lower();
        k.contains(":resourcetag/") || k == "kms:resourcealiases"
    })
}

fn identity_allows(access: &Access, principal: usize) -> impl Iterator<Item = &Grant> {
    access
        .grants_of(principal)
        .filter(|g| !g.boundary && g.effect == Effect::Allow)
}

/// Reads a list of lower-case names from a check's parameters, strictly.
fn name_list(p: &Params, key: &str) -> Result<Vec<String>, String> {
    let m = p
        .as_object()
        .ok_or_else(|| format!("expected an object with `{key}`"))?;
    if let Some(other) = m.keys().find(|k| k.as_str() != key) {
        return Err(format!("unknown parameter `{other}` (only `{key}`)"));
    }
    let list = m
        .get(key)
        .ok_or_else(|| format!("`{key}` is required"))?
        .as_array()
        .ok_or_else(|| format!("`{key}` must be a list"))?;
    if list.is_empty() {
        return Err(format!("`{key}` is empty"));
    }
    let mut out = Vec::new();
    for v in list {
        let s = v
            .as_str()
            .ok_or_else(|| format!("`{key}` holds a value that is not text: {v}"))?;
        if s.is_empty()
            || !s
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!(
                "`{s}` in `{key}`: use lower-case letters, digits and `-`"
            ));
        }
        if out.iter().any(|o| o == s) {
            return Err(format!("`{s}` is listed twice in `{key}`"));
        }
        out.push(s.to_string());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// iam.compute.least-privilege
// ---------------------------------------------------------------------------------------------

fn validate_data_services(p: &Params) -> Result<(), String> {
    for s in name_list(p, "data_services")? {
        if !catalog::is_known_service(&s) {
            return Err(format!("`{s}` is not a service prefix of AWS's catalog"));
        }
    }
    Ok(())
}

/// `*`, `service:*` or `NotAction` in the statement a grant comes from.
fn wildcard_action(access: &Access, g: &Grant) -> Option<String> {
    let Some(spec) = access.statement_of(g).and_then(|st| st.action.as_ref()) else {
        return (g.actions.len() == index().len()).then(|| "`*`".to_string());
    };
    if spec.negated {
        return Some(format!("every action but {}", spec.patterns.join(", ")));
    }
    spec.patterns
        .iter()
        .find(|p| {
            p.as_str() == "*"
                || p.split_once(':').is_some_and(|(svc, rest)| {
                    rest.chars().all(|c| c == '*') && !rest.is_empty()
                        || svc == "*" && rest.chars().all(|c| c == '*')
                })
        })
        .map(|p| format!("`{p}`"))
}

fn least_privilege(facts: &Facts, params: &Params) -> Vec<Finding> {
    let model = facts.model;
    let services = name_list(params, "data_services").unwrap_or_default();
    let subjects = compute(facts);
    if subjects.is_empty() {
        return Vec::new();
    }
    let access = facts.access();
    let idx = index();
    let ranges: Vec<(u32, u32)> = services.iter().filter_map(|s| idx.service(s)).collect();
    let scopable = |a: u32| {
        catalog::action(idx.names[a as usize]).is_some_and(|i| !i.resource_is_wildcard_only())
    };
    let mut out = Vec::new();
    for c in subjects {
        let at = role_setting(model, &c);
        let role = match &c.role {
            RoleOf::NoRole => {
                out.push(
                    Finding::pass(
                        c.compute,
                        "runs without a role: it holds no AWS permissions",
                    )
                    .at(at),
                );
                continue;
            }
            RoleOf::Unsettled { unknown } => {
                out.push(
                    Finding::new(
                        c.compute,
                        Outcome::from_unknown(unknown),
                        "the role it runs as is not settled by the code",
                    )
                    .at(at),
                );
                continue;
            }
            RoleOf::Role { index } => *index,
        };
        let mut fails: Vec<(String, Span)> = Vec::new();
        let mut unknowns: Vec<(Outcome, Span)> = Vec::new();
        for g in identity_allows(access, role) {
            let span = grant_span(model, g);
            if let Some(what) = wildcard_action(access, g) {
                fails.push((format!("{} allows {what}", g.source.policy), span));
                continue;
            }
            let data: Vec<&str> = ranges
                .iter()
                .flat_map(|r| g.actions.restrict(*r).iter().collect::<Vec<_>>())
                .filter(|a| scopable(*a))
                .map(|a| idx.names[a as usize])
                .collect();
            if data.is_empty() {
                continue;
            }
            match broad_target(g) {
                Some(target) if !scoped_by_tags(g) => fails.push((
                    format!(
                        "{} allows {} on `{target}`",
                        g.source.policy,
                        action_list(&data)
                    ),
                    span,
                )),
                _ => unknowns.extend(unknown_targets(g).into_iter().map(|o| (o, span))),
            }
        }
        unknowns.extend(unsettled_policies(model, access, role));
        let role_name = address(model, role);
        let finding = if !fails.is_empty() {
            let detail = fails
                .iter()
                .take(3)
                .map(|(d, _)| d.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            Finding::fail(c.compute, format!("its role {role_name}: {detail}"))
                .at_all(fails.iter().map(|(_, s)| *s))
        } else if let Some((outcome, span)) = unknowns.first().cloned() {
            Finding::new(
                c.compute,
                outcome,
                format!("a policy or resource of its role {role_name} is not settled by the code"),
            )
            .at(span)
            .at_all(unknowns.iter().map(|(_, s)| *s))
        } else {
            Finding::pass(
                c.compute,
                format!(
                    "its role {role_name} names every action, and its actions on data stores, secrets and keys name their resources"
                ),
            )
            .at(at)
        };
        out.push(finding);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// iam.compute.role-per-function
// ---------------------------------------------------------------------------------------------

/// Does an unknown of this reason stand for one value outside the code (a variable, a
/// parameter, something declared elsewhere), so that two resources with the same one share it?
fn names_a_value(reason: crate::model::Reason) -> bool {
    use crate::model::Reason::*;
    matches!(
        reason,
        VariableWithoutDefault
            | ParameterWithoutDefault
            | DataSource
            | ExternalModule
            | OutsideTree
    )
}

fn own_role(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let subjects = compute(facts);
    let mut by_role: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut by_value: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for c in &subjects {
        match &c.role {
            RoleOf::Role { index } => by_role.entry(*index).or_default().push(c.compute),
            // The same variable, parameter, data source or literal ARN names the same role; the
            // same evaluation failure (one module's expression in two instances) names nothing.
            RoleOf::Unsettled { unknown } if names_a_value(unknown.reason) => by_value
                .entry(unknown.detail.clone())
                .or_default()
                .push(c.compute),
            RoleOf::Unsettled { .. } => {}
            RoleOf::NoRole => {}
        }
    }
    let others = |all: &[usize], me: usize| -> Vec<usize> {
        all.iter().copied().filter(|&o| o != me).collect::<Vec<_>>()
    };
    let names = |list: &[usize]| -> String {
        list.iter()
            .map(|&i| address(model, i))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // The role the service's agent uses for a compute resource (an ECS task's execution role:
    // it pulls images, writes logs and reads the secrets injected into the containers), by edge.
    let mut agent_role: HashMap<usize, (usize, Span)> = HashMap::new();
    for c in &subjects {
        for e in model.edges_from(c.compute) {
            if e.label == crate::model::Label::ExecutionRole {
                agent_role.entry(c.compute).or_insert((e.to, e.span));
            }
        }
    }
    let mut out = Vec::new();
    for c in &subjects {
        let at = role_setting(model, c);
        let mut finding = match &c.role {
            RoleOf::NoRole => Finding::pass(c.compute, "runs without a role"),
            RoleOf::Role { index } if agent_role.get(&c.compute).is_some_and(|(r, _)| r == index) => {
                Finding::fail(
                    c.compute,
                    format!(
                        "its code runs as {}, which is also its execution role: the code holds what the service's agent needs (pulling images, writing logs, reading every secret injected into its containers)",
                        address(model, *index)
                    ),
                )
                .at_all(agent_role.get(&c.compute).map(|(_, s)| *s))
            }
            RoleOf::Role { index } => {
                let shared = others(&by_role[index], c.compute);
                if shared.is_empty() {
                    Finding::pass(
                        c.compute,
                        format!(
                            "runs as {}, which no other compute runs as",
                            address(model, *index)
                        ),
                    )
                } else {
                    Finding::fail(
                        c.compute,
                        format!(
                            "shares its role {} with {}",
                            address(model, *index),
                            names(&shared)
                        ),
                    )
                    .at_all(shared.iter().map(|&o| {
                        subjects
                            .iter()
                            .find(|s| s.compute == o)
                            .map(|s| role_setting(model, s))
                            .unwrap_or(model.resources[o].span)
                    }))
                }
            }
            RoleOf::Unsettled { unknown } => {
                let shared = by_value
                    .get(&unknown.detail)
                    .map(|all| others(all, c.compute))
                    .unwrap_or_default();
                if shared.is_empty() {
                    Finding::new(
                        c.compute,
                        Outcome::from_unknown(unknown),
                        "its role is not settled by the code, so whether other compute runs as it is not known",
                    )
                } else {
                    Finding::fail(
                        c.compute,
                        format!(
                            "takes its role from {}, as {} does: they run as the same role",
                            unknown.detail,
                            names(&shared)
                        ),
                    )
                }
            }
        };
        // The decisive setting first.
        let rest = std::mem::take(&mut finding.evidence);
        out.push(finding.at(at).at_all(rest));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// iam.no-admin-service-roles
// ---------------------------------------------------------------------------------------------

fn service_role_not_admin(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let access = facts.access();
    let entries = trust::trust(model, &access.principals);
    let mut roles: BTreeSet<usize> = entries
        .iter()
        .filter(|e| e.trustee == Trustee::Service)
        .map(|e| e.role)
        .collect();
    for c in compute_role_refs(model) {
        if let RoleOf::Role { index } = c.role {
            roles.insert(index);
        }
    }
    roles.retain(|&r| util::deployed(&model.resources[r]));
    if roles.is_empty() {
        return Vec::new();
    }
    let admins = queries::admin_equivalent(access);
    let mut out = Vec::new();
    for role in roles {
        let mine: Vec<_> = admins.iter().filter(|a| a.principal == role).collect();
        let who = who(model, access, role);
        let used_by = if who == address(model, role) {
            String::new()
        } else {
            format!(" (the role of {who})")
        };
        if !mine.is_empty() {
            let spans: Vec<Span> = mine
                .iter()
                .flat_map(|a| {
                    access
                        .grants_of(role)
                        .filter(|g| g.source.policy == a.policy)
                        .map(|g| grant_span(model, g))
                        .collect::<Vec<_>>()
                })
                .collect();
            let why: Vec<String> = mine
                .iter()
                .map(|a| {
                    if a.why == a.policy {
                        a.why.clone()
                    } else {
                        format!("{} in {}", a.why, a.policy)
                    }
                })
                .collect();
            out.push(
                Finding::fail(
                    role,
                    format!("holds administrative access{used_by}: {}", why.join("; ")),
                )
                .at_all(spans),
            );
            continue;
        }
        let unsettled = unsettled_policies(model, access, role);
        match unsettled.first() {
            Some((o, s)) => out.push(
                Finding::new(
                    role,
                    o.clone(),
                    format!("a policy of this service role{used_by} is not settled by the code"),
                )
                .at(*s),
            ),
            None => out.push(
                Finding::pass(
                    role,
                    format!(
                        "holds no administrative policy, `*` or `iam:*` on every resource{used_by}"
                    ),
                )
                .at(model.resources[role].span),
            ),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// iam.no-privilege-escalation
// ---------------------------------------------------------------------------------------------

/// Whether each need of an escalation is met by a grant that surely covers a resource of the
/// tree; otherwise the outcome that says which value the code cannot settle.
fn escalation_unsure(
    model: &Model,
    access: &Access,
    e: &crate::iam::escalation::Escalation,
) -> Option<Outcome> {
    for (need, found) in e.method.needs_existing.iter().zip(&e.existing) {
        for via in &need.via {
            let grants = access.allows_action(e.principal, via);
            let sure = grants
                .iter()
                .any(|g| found.iter().any(|&r| g.covers(model, r)));
            if !sure {
                let unknown = grants.iter().flat_map(|g| unknown_targets(g)).next();
                return Some(unknown.unwrap_or_else(|| {
                    Outcome::unknown(
                        Cause::NotExpressible,
                        format!(
                            "the resources {via} is allowed on cannot be matched against the tree"
                        ),
                    )
                }));
            }
        }
    }
    None
}

fn no_escalation(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let access = facts.access();
    let found = crate::iam::escalation::find(model, access);
    let mut out = Vec::new();
    for &p in access.principals.keys() {
        let r = &model.resources[p];
        if !matches!(r.kind, Kind::IamRole | Kind::IamUser) || !util::deployed(r) {
            continue;
        }
        let who = who(model, access, p);
        let used_by = if who == r.address {
            String::new()
        } else {
            format!(" (the role of {who})")
        };
        let mine: Vec<_> = found.iter().filter(|e| e.principal == p).collect();
        let mut any = false;
        for e in &mine {
            let actions: Vec<&str> = e.steps.iter().map(|s| s.action).collect();
            let spans: Vec<Span> = e
                .steps
                .iter()
                .map(|s| s.source.span.unwrap_or(r.span))
                .collect();
            let conditional = if e.conditional {
                ", under conditions"
            } else {
                ""
            };
            let finding = match escalation_unsure(model, access, e) {
                None => Finding::fail(
                    p,
                    format!(
                        "can raise its own privileges{used_by}: {} ({}{conditional})",
                        e.method.name,
                        action_list(&actions)
                    ),
                ),
                Some(outcome) => Finding::new(
                    p,
                    outcome,
                    format!(
                        "may raise its own privileges{used_by}: {} ({}), on a resource the code does not settle",
                        e.method.name,
                        action_list(&actions)
                    ),
                ),
            };
            out.push(finding.at_all(spans));
            any = true;
        }
        if any {
            continue;
        }
        let unsettled = unsettled_policies(model, access, p);
        out.push(match unsettled.first() {
            Some((o, s)) => Finding::new(
                p,
                o.clone(),
                format!("a policy of this principal{used_by} is not settled by the code"),
            )
            .at(*s),
            None => Finding::pass(
                p,
                format!("no known privilege-escalation method is open to it{used_by}"),
            )
            .at(r.span),
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// iam.trust.scoped
// ---------------------------------------------------------------------------------------------

/// The value of a trust statement's principal the code cannot settle.
fn trust_unknown(access: &Access, role: usize, statement: usize) -> Outcome {
    access
        .principals
        .get(&role)
        .into_iter()
        .flat_map(|p| p.trust.iter())
        .flat_map(|h| h.document.statements.iter())
        .filter(|s| s.index == statement)
        .flat_map(|s| s.principal.iter().flat_map(|p| p.principals.iter()))
        .find_map(|p| p.id.first_unknown().map(Outcome::from_unknown))
        .unwrap_or_else(|| {
            Outcome::unknown(
                Cause::NotExpressible,
                "the trusted principal cannot be read",
            )
        })
}

/// Condition keys that tie a service principal's access to the resource or account that causes it.
const SOURCE_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
];

fn trust_scoped(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let access = facts.access();
    let entries = trust::trust(model, &access.principals);
    let mut out = Vec::new();
    for (&role, p) in &access.principals {
        let r = &model.resources[role];
        if r.kind != Kind::IamRole || !util::deployed(r) || p.trust.is_empty() {
            continue;
        }
        let mut fails = Vec::new();
        let mut unknowns = Vec::new();
        let mut trusted = Vec::new();
        for h in &p.trust {
            if let Some(v) = &h.document.unknown {
                unknowns.push((
                    unsettled_value(v),
                    h.span.unwrap_or(r.span),
                    "its trust policy is not settled by the code".to_string(),
                ));
            }
        }
        for e in entries.iter().filter(|e| e.role == role) {
            let span = e.span.unwrap_or(r.span);
            match (e.problem(), e.trustee) {
                (None, _) => trusted.push(e.principal.clone()),
                (Some(why), Trustee::Unknown) => unknowns.push((
                    trust_unknown(access, role, e.statement),
                    span,
                    format!("{why}: {}", e.principal),
                )),
                (Some(why), _) => fails.push((format!("{why}: {}", e.principal), span)),
            }
        }
        let finding = if !fails.is_empty() {
            Finding::fail(
                role,
                fails
                    .iter()
                    .map(|(d, _)| d.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .at_all(fails.iter().map(|(_, s)| *s))
        } else if let Some((o, s, d)) = unknowns.first().cloned() {
            Finding::new(role, o, d).at(s)
        } else {
            trusted.sort();
            trusted.dedup();
            Finding::pass(role, format!("trusts only {}", trusted.join(", "))).at(p
                .trust
                .first()
                .and_then(|h| h.span)
                .unwrap_or(r.span))
        };
        out.push(finding);
    }
    // Service principals in resource policies and Lambda permissions. Key policies are left to
    // kms.key-policy.scoped.
    for rp in &access.resource_policies {
        let holder = &model.resources[rp.holder];
        if !util::deployed(holder) {
            continue;
        }
        let governs: Vec<usize> = rp
            .governs
            .iter()
            .copied()
            .filter(|&g| model.resources[g].kind != Kind::KmsKey)
            .collect();
        if governs.is_empty() || holder.kind == Kind::KmsKey {
            continue;
        }
        for st in &rp.statements {
            if st.grant.effect != Effect::Allow || st.not_principal {
                continue;
            }
            let scoped = st
                .grant
                .conditions
                .iter()
                .any(|c| SOURCE_KEYS.contains(&c.key_lower().as_str()));
            let span = st.grant.source.span.unwrap_or(holder.span);
            for g in &st.grantees {
                let crate::iam::access::Grantee::Service { name } = g else {
                    continue;
                };
                for &res in &governs {
                    let f = if scoped {
                        Finding::pass(
                            res,
                            format!(
                                "{} admits the service {name} only for a source resource or account",
                                holder.address
                            ),
                        )
                    } else {
                        Finding::fail(
                            res,
                            format!(
                                "{} admits the service {name} without aws:SourceArn or aws:SourceAccount: any account's use of that service may act on it",
                                holder.address
                            ),
                        )
                    };
                    out.push(f.at(span));
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// iam.admin-no-data-access
// ---------------------------------------------------------------------------------------------

fn validate_markers(p: &Params) -> Result<(), String> {
    name_list(p, "markers").map(|_| ())
}

/// Lower-case words of a name: split at anything not a letter or digit, and at camel case
/// (`BackOfficeRole` → back, office, role).
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = name.chars().collect();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = c.is_ascii_uppercase()
            && i > 0
            && (chars[i - 1].is_ascii_lowercase()
                || chars[i - 1].is_ascii_digit()
                || (chars[i - 1].is_ascii_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The marker a name carries, as whole words (`back-office` matches `BackOffice`).
fn marker_in(name: &str, markers: &[String]) -> Option<String> {
    let w = words(name);
    markers
        .iter()
        .find(|m| {
            let mw: Vec<&str> = m.split('-').filter(|x| !x.is_empty()).collect();
            !mw.is_empty()
                && w.windows(mw.len())
                    .any(|win| win.iter().zip(&mw).all(|(a, b)| a == b))
        })
        .cloned()
}

/// The data-plane actions that read a store's content, by kind (`rules/content-reads.tsv`):
/// what an administrative role must not hold on tenant data.
pub(crate) fn content_reads(kind: Kind) -> &'static [&'static str] {
    static TABLE: std::sync::OnceLock<std::collections::HashMap<Kind, Vec<&'static str>>> =
        std::sync::OnceLock::new();
    TABLE
        .get_or_init(|| {
            include_str!("../../rules/content-reads.tsv")
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .filter_map(|l| {
                    let (kind, actions) = l.split_once('\t')?;
                    Some((
                        Kind::parse(kind.trim())?,
                        actions.split(',').map(str::trim).collect(),
                    ))
                })
                .collect()
        })
        .get(&kind)
        .map_or(&[], Vec::as_slice)
}

/// The names a compute resource or its role goes by, beside its address.
const NAME_PROPS: &[Prop] = &[
    Prop::LambdaFunctionFunctionName,
    Prop::EcsTaskDefinitionFamily,
    Prop::IamRoleRoleName,
];

fn admin_data_access(facts: &Facts, params: &Params) -> Vec<Finding> {
    let model = facts.model;
    let markers = name_list(params, "markers").unwrap_or_default();
    let names_of = |i: usize| -> Vec<String> {
        let r = &model.resources[i];
        let mut n = vec![r.address.clone()];
        n.extend(NAME_PROPS.iter().filter_map(|&p| {
            model
                .prop_set(i, p)
                .and_then(|f| f.as_str().map(str::to_string))
        }));
        n
    };
    let admin: Vec<(ComputeRole, String)> = compute(facts)
        .into_iter()
        .filter_map(|c| {
            let mut names = names_of(c.compute);
            if let RoleOf::Role { index } = c.role {
                names.extend(names_of(index));
            }
            let marker = names.iter().find_map(|n| marker_in(n, &markers))?;
            Some((c, marker))
        })
        .collect();
    if admin.is_empty() {
        return Vec::new();
    }
    let access = facts.access();
    let idx = index();
    let stores: Vec<usize> = model
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.facet.is_none() && !content_reads(r.kind).is_empty() && util::deployed(r)
        })
        .map(|(i, _)| i)
        .collect();
    let store_set: BTreeSet<usize> = stores.iter().copied().collect();
    let among = facts.reach().prepare(&store_set);
    let mut out = Vec::new();
    for (c, marker) in admin {
        let at = role_setting(model, &c);
        let marked = format!("marked `{marker}`");
        let role = match &c.role {
            RoleOf::NoRole => {
                out.push(Finding::pass(c.compute, format!("{marked}; runs without a role")).at(at));
                continue;
            }
            RoleOf::Unsettled { unknown } => {
                out.push(
                    Finding::new(
                        c.compute,
                        Outcome::from_unknown(unknown),
                        format!("{marked}; the role it runs as is not settled by the code"),
                    )
                    .at(at),
                );
                continue;
            }
            RoleOf::Role { index } => *index,
        };
        let mut reads_any = false;
        for s in facts.reach().reachable_in(model, access, role, &among) {
            let kind = model.resources[s].kind;
            let wanted: Vec<u32> = content_reads(kind)
                .iter()
                .filter_map(|a| idx.id(a))
                .collect();
            let allowed = access.effective(model, role, s, None);
            let reads: Vec<&str> = wanted
                .iter()
                .filter(|a| allowed.actions.contains(**a))
                .map(|a| idx.names[*a as usize])
                .collect();
            if reads.is_empty() {
                continue;
            }
            reads_any = true;
            let spans: Vec<Span> = allowed
                .via
                .iter()
                .filter(|g| wanted.iter().any(|a| g.actions.contains(*a)))
                .map(|g| grant_span(model, g))
                .collect();
            out.push(
                Finding::fail(
                    c.compute,
                    format!(
                        "{marked}; it can read {} ({})",
                        address(model, s),
                        action_list(&reads)
                    ),
                )
                .at_all(spans),
            );
        }
        if reads_any {
            continue;
        }
        let all_reads: Vec<u32> = [
            Kind::DynamodbTable,
            Kind::S3Bucket,
            Kind::RdsCluster,
            Kind::SecretsmanagerSecret,
        ]
        .iter()
        .flat_map(|k| content_reads(*k))
        .filter_map(|a| idx.id(a))
        .collect();
        let mut unknowns: Vec<(Outcome, Span)> = identity_allows(access, role)
            .filter(|g| all_reads.iter().any(|a| g.actions.contains(*a)))
            .flat_map(|g| {
                let span = grant_span(model, g);
                unknown_targets(g).into_iter().map(move |o| (o, span))
            })
            .collect();
        unknowns.extend(unsettled_policies(model, access, role));
        out.push(match unknowns.first() {
            Some((o, s)) => Finding::new(
                c.compute,
                o.clone(),
                format!("{marked}; a policy or resource of its role is not settled by the code"),
            )
            .at(*s),
            None => Finding::pass(
                c.compute,
                format!("{marked}; its role reads no table, bucket, database or secret"),
            )
            .at(at),
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// iam.secrets.scoped
// ---------------------------------------------------------------------------------------------

const SECRET_READS: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
];

/// Secrets Manager secrets, and SSM parameters of type `SecureString`.
fn is_secret(model: &Model, i: usize) -> bool {
    match model.resources[i].kind {
        Kind::SecretsmanagerSecret => true,
        Kind::SsmParameter => model
            .prop_set(i, Prop::SsmParameterType)
            .is_some_and(|f| f.as_str() == Some("SecureString")),
        _ => false,
    }
}

fn secret_readers(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let access = facts.access();
    let principals: Vec<usize> = access
        .principals
        .keys()
        .copied()
        .filter(|&p| matches!(model.resources[p].kind, Kind::IamRole | Kind::IamUser))
        .collect();
    // Only a principal's grants are read for these actions: without one, the action index (and
    // the IAM catalog under it) is not loaded.
    let reads: Vec<u32> = if principals.is_empty() {
        Vec::new()
    } else {
        SECRET_READS.iter().filter_map(|a| index().id(a)).collect()
    };
    let reads_of = |g: &Grant| -> Vec<&str> {
        reads
            .iter()
            .filter(|a| g.actions.contains(**a))
            .map(|a| index().names[*a as usize])
            .collect()
    };
    let mut out = Vec::new();
    // Principals that read every secret.
    for &p in &principals {
        for g in identity_allows(access, p) {
            let names = reads_of(g);
            if names.is_empty() || scoped_by_tags(g) {
                continue;
            }
            if let Some(target) = broad_target(g) {
                let subjects: Vec<usize> = {
                    let c: Vec<usize> = access
                        .compute
                        .iter()
                        .filter(|(_, r)| *r == p)
                        .map(|(c, _)| *c)
                        .collect();
                    if c.is_empty() {
                        vec![p]
                    } else {
                        c
                    }
                };
                for s in subjects {
                    out.push(
                        Finding::fail(
                            s,
                            format!(
                                "{} allows {} on `{target}`: every secret of the account is readable",
                                g.source.policy,
                                action_list(&names)
                            ),
                        )
                        .at(grant_span(model, g)),
                    );
                }
            }
        }
    }
    // Each secret of the tree: who reads it, and through what. A principal is evaluated only
    // against the secrets it can reach; what it may reach through policies or resources the
    // code cannot settle is worked out once per principal.
    let secrets: BTreeSet<usize> = model
        .resources
        .iter()
        .enumerate()
        .filter(|(i, r)| r.facet.is_none() && is_secret(model, *i) && util::deployed(r))
        .map(|(i, _)| i)
        .collect();
    let mut reachers: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    let among = facts.reach().prepare(&secrets);
    for &p in &principals {
        for sec in facts.reach().reachable_in(model, access, p, &among) {
            reachers.entry(sec).or_default().insert(p);
        }
    }
    // (principal, unknowns for every secret, unknowns for secrets whose name is not settled)
    type Unsure = (usize, Vec<(Outcome, Span)>, Vec<(Outcome, Span)>);
    let unsure: Vec<Unsure> = principals
        .iter()
        .filter_map(|&p| {
            let mut always = unsettled_policies(model, access, p);
            let mut unnamed = Vec::new();
            for g in identity_allows(access, p) {
                if reads_of(g).is_empty() {
                    continue;
                }
                let span = grant_span(model, g);
                always.extend(unknown_targets(g).into_iter().map(|o| (o, span)));
                if let Some(Target::Pattern { arn }) = g.targets.iter().find(|t| {
                    matches!(t, Target::Pattern { arn } if arn.contains("secret") || arn.contains(":parameter"))
                }) {
                    unnamed.push((
                        Outcome::unknown(
                            Cause::NotExpressible,
                            format!(
                                "the secret's name is not settled, so whether `{arn}` names it is not known"
                            ),
                        ),
                        span,
                    ));
                }
            }
            (!always.is_empty() || !unnamed.is_empty()).then_some((p, always, unnamed))
        })
        .collect();
    let no_readers = BTreeSet::new();
    for &s in &secrets {
        let r = &model.resources[s];
        let has_arn = crate::iam::arn::arn_of(model, s).is_some();
        let mut fails: Vec<(String, Span)> = Vec::new();
        let mut unknowns: Vec<(Outcome, Span)> = Vec::new();
        let mut readers = Vec::new();
        let reaching = reachers.get(&s).unwrap_or(&no_readers);
        let mut not_reading: BTreeSet<usize> = BTreeSet::new();
        for &p in reaching {
            let allowed = access.effective(model, p, s, None);
            let granted: Vec<&str> = reads
                .iter()
                .filter(|a| allowed.actions.contains(**a))
                .map(|a| index().names[*a as usize])
                .collect();
            if granted.is_empty() {
                not_reading.insert(p);
                continue;
            }
            let who = who(model, access, p);
            readers.push(who.clone());
            for g in &allowed.via {
                if g.source.kind == PolicyKind::Resource || reads_of(g).is_empty() {
                    continue;
                }
                if let Some(target) = broad_target(g).filter(|_| !scoped_by_tags(g)) {
                    fails.push((
                        format!("{who} reads it through `{target}` in {}", g.source.policy),
                        grant_span(model, g),
                    ));
                }
            }
        }
        // A principal that does not read it may still, through what the tree cannot settle.
        for (p, always, unnamed) in &unsure {
            if reaching.contains(p) && !not_reading.contains(p) {
                continue;
            }
            unknowns.extend(always.iter().cloned());
            if !has_arn {
                unknowns.extend(unnamed.iter().cloned());
            }
        }
        let anyone = access.anyone(model, s, None);
        if anyone.public && reads.iter().any(|a| anyone.actions.contains(*a)) {
            fails.push((
                "its resource policy lets any principal read it".to_string(),
                anyone
                    .via
                    .first()
                    .map(|g| grant_span(model, g))
                    .unwrap_or(r.span),
            ));
        }
        readers.sort();
        readers.dedup();
        let finding = if !fails.is_empty() {
            Finding::fail(
                s,
                fails
                    .iter()
                    .take(3)
                    .map(|(d, _)| d.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .at_all(fails.iter().map(|(_, s)| *s))
        } else if let Some((o, sp)) = unknowns.first().cloned() {
            Finding::new(
                s,
                o,
                "a grant of secret reads names a resource the code does not settle",
            )
            .at(sp)
        } else if readers.is_empty() {
            Finding::pass(s, "no principal of the tree can read it").at(r.span)
        } else {
            Finding::pass(
                s,
                format!(
                    "read only through grants that name it, by {}",
                    readers.join(", ")
                ),
            )
            .at(r.span)
        };
        out.push(finding);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// tenant.data-isolation
// ---------------------------------------------------------------------------------------------

/// Roles that end users assume directly, with tokens of a Cognito identity pool.
fn end_user_roles(model: &Model, access: &Access) -> BTreeSet<usize> {
    trust::trust(model, &access.principals)
        .into_iter()
        .filter(|e| e.trustee == Trustee::Federated && e.principal.contains("cognito-identity"))
        .map(|e| e.role)
        .collect()
}

fn tenant_binding(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let stores: Vec<usize> = model
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.facet.is_none()
                && matches!(r.kind, Kind::DynamodbTable | Kind::S3Bucket)
                && util::deployed(r)
        })
        .map(|(i, _)| i)
        .collect();
    if stores.is_empty() {
        return Vec::new();
    }
    let access = facts.access();
    let end_users = end_user_roles(model, access);
    let principals: Vec<usize> = access
        .principals
        .keys()
        .copied()
        .filter(|&p| {
            matches!(model.resources[p].kind, Kind::IamRole | Kind::IamUser)
                && util::deployed(&model.resources[p])
        })
        .collect();
    // Instances of one block (a table per tenant, say): of the store itself, or of a module or
    // nested stack around it (one per tenant).
    let bases: HashMap<usize, String> = model.instance_names(&stores);
    let base_of = |i: usize| bases.get(&i).map(String::as_str);
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for &s in &stores {
        let r = &model.resources[s];
        if let Some(base) = base_of(s) {
            groups.entry((r.unit.as_str(), base)).or_default().push(s);
        }
    }
    // The group of each store that has siblings.
    let group_of: HashMap<usize, (&str, &str)> = groups
        .iter()
        .filter(|(_, g)| g.len() > 1)
        .flat_map(|(&k, g)| g.iter().map(move |&s| (s, k)))
        .collect();
    // Each binding with the spans of the grants behind it and the list of its unbound actions,
    // worked out once per principal and set of statements covering the store (see
    // `queries::tenant_cover_key`): a principal reaching hundreds of stores through one ARN
    // pattern gets one binding for all of them, not one per store.
    let mut worked: Vec<(TenantBinding, Vec<Span>, String)> = Vec::new();
    let mut bindings: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    // How many instances of a group each principal is bound or not to.
    let mut reached: HashMap<((&str, &str), usize), usize> = HashMap::new();
    let store_set: BTreeSet<usize> = stores.iter().copied().collect();
    let arns: HashMap<usize, Option<String>> = stores
        .iter()
        .map(|&s| (s, crate::iam::arn::arn_of(model, s)))
        .collect();
    let among = facts.reach().prepare(&store_set);
    let mut memo: HashMap<queries::TenantCoverKey, Option<usize>> = HashMap::new();
    for &p in &principals {
        let mut grants: HashMap<&str, queries::TenantGrants> = HashMap::new();
        for s in facts.reach().reachable_in(model, access, p, &among) {
            let Some(service) = queries::tenant_service(model, s) else {
                continue;
            };
            let grants = grants
                .entry(service)
                .or_insert_with(|| queries::tenant_grants(access, p, service));
            let arn = arns.get(&s).and_then(|a| a.as_deref());
            let key = queries::tenant_cover_key(model, grants, s, arn);
            let slot = *memo.entry(key).or_insert_with(|| {
                let allowed = access.allowed(model, p, s, Some(service));
                let b = queries::tenant_binding_of(model, access, &allowed, s);
                if b == TenantBinding::NoAccess {
                    return None;
                }
                let spans = allowed.via.iter().map(|g| grant_span(model, g)).collect();
                let listed = match &b {
                    TenantBinding::Unbound { actions, .. } => {
                        action_list(&actions.iter().map(String::as_str).collect::<Vec<_>>())
                    }
                    _ => String::new(),
                };
                worked.push((b, spans, listed));
                Some(worked.len() - 1)
            });
            if let Some(i) = slot {
                bindings.insert((s, p), i);
                if let Some(&g) = group_of.get(&s) {
                    *reached.entry((g, p)).or_default() += 1;
                }
            }
        }
    }
    // `who` of each principal, from one pass over the compute resources.
    let mut runs_as: HashMap<usize, Vec<&str>> = HashMap::new();
    for &(c, r) in &access.compute {
        runs_as.entry(r).or_default().push(address(model, c));
    }
    let whos: HashMap<usize, String> = principals
        .iter()
        .map(|&p| {
            let who = match runs_as.get(&p) {
                Some(users) => users.join(", "),
                None => address(model, p).to_string(),
            };
            (p, who)
        })
        .collect();
    // Principals with a policy the code cannot read, once each (not once per store).
    let unsettled: BTreeMap<usize, (Outcome, Span)> = principals
        .iter()
        .filter_map(|&p| {
            unsettled_policies(model, access, p)
                .into_iter()
                .next()
                .map(|u| (p, u))
        })
        .collect();
    // A store reached by every principal has one candidate finding per principal: they are
    // ranked from their details' parts and only those the report keeps are written
    // (`ranked::write_ranked`).
    let mut out = Vec::new();
    for &s in &stores {
        let r = &model.resources[s];
        let instances = base_of(s)
            .and_then(|b| groups.get(&(r.unit.as_str(), b)))
            .filter(|g| g.len() > 1)
            .map_or(0, Vec::len)
            .to_string();
        let base = base_of(s).unwrap_or_default();
        // The detail of a candidate, as the parts it is the concatenation of.
        let parts = |c: &TenantCandidate| -> Vec<&str> {
            let who = whos[&c.principal].as_str();
            let Some(i) = c.binding else {
                return vec![
                    "a policy of ",
                    who,
                    " is not settled by the code: it may reach this data",
                ];
            };
            let (b, _, listed) = &worked[i];
            match (c.shape, b) {
                (TenantFinding::Bound, TenantBinding::Bound { variable }) => vec![
                    who,
                    " reaches only the caller's tenant's data, keyed by ",
                    variable,
                ],
                (TenantFinding::OwnInstance, _) => vec![
                    who,
                    " reaches only this one of the ",
                    &instances,
                    " instances of ",
                    base,
                ],
                (
                    TenantFinding::InPart,
                    TenantBinding::Unbound {
                        actions, reason, ..
                    },
                ) => vec![
                    who,
                    " is bound to a tenant only in part: ",
                    listed,
                    if actions.len() == 1 {
                        " reaches"
                    } else {
                        " reach"
                    },
                    " every tenant's data (",
                    reason,
                    ")",
                ],
                (TenantFinding::EndUsers, _) => vec![
                    who,
                    " is assumed by end users through a Cognito identity pool and reaches every tenant's data (",
                    listed,
                    ")",
                ],
                _ => vec![who, " reaches every tenant's data (", listed, ")"],
            }
        };
        let mut candidates = Vec::new();
        // The principals bound or not to this store: a range of the map, in principal order.
        for (&(_, p), &i) in bindings.range((s, 0)..=(s, usize::MAX)) {
            let own_instance = group_of
                .get(&s)
                .is_some_and(|&g| reached.get(&(g, p)) == Some(&1));
            let (shape, outcome) = match &worked[i].0 {
                TenantBinding::Bound { .. } => (TenantFinding::Bound, "pass"),
                _ if own_instance => (TenantFinding::OwnInstance, "pass"),
                TenantBinding::Unbound {
                    attempted: true, ..
                } => (TenantFinding::InPart, "fail"),
                TenantBinding::Unbound { .. } if end_users.contains(&p) => {
                    (TenantFinding::EndUsers, "fail")
                }
                TenantBinding::Unbound { .. } => (TenantFinding::ApplicationCode, "unknown"),
                TenantBinding::NoAccess => continue,
            };
            let item = TenantCandidate {
                principal: p,
                binding: Some(i),
                shape,
            };
            candidates.push(Candidate {
                outcome,
                parts: parts(&item),
                item,
            });
        }
        if candidates.is_empty() {
            continue;
        }
        // A principal whose policies cannot be read may reach this store too.
        for (&p, (o, _)) in &unsettled {
            if bindings.contains_key(&(s, p)) {
                continue;
            }
            let item = TenantCandidate {
                principal: p,
                binding: None,
                shape: TenantFinding::Unsettled,
            };
            candidates.push(Candidate {
                outcome: o.name(),
                parts: parts(&item),
                item,
            });
        }
        out.extend(ranked::write_ranked(candidates, |c| {
            let detail = parts(c).concat();
            let who = &whos[&c.principal];
            match (c.shape, c.binding) {
                (TenantFinding::Unsettled, _) | (_, None) => {
                    let (o, span) = &unsettled[&c.principal];
                    Finding::new(s, o.clone(), detail).at(*span)
                }
                (shape, Some(i)) => {
                    let outcome = match shape {
                        TenantFinding::Bound | TenantFinding::OwnInstance => Outcome::Pass,
                        TenantFinding::InPart | TenantFinding::EndUsers => Outcome::Fail,
                        _ => Outcome::unknown(
                            Cause::ApplicationCode,
                            format!(
                                "no IAM condition binds {who} to a tenant: whether it touches only the caller's tenant's data is decided by its code"
                            ),
                        ),
                    };
                    Finding::new(s, outcome, detail).at_all(worked[i].1.iter().copied())
                }
            }
        }));
    }
    out
}

/// A finding of `tenant.data-isolation` before it is written: whose, from which binding
/// (an index into the bindings worked out; none for an unsettled policy), and which sentence.
struct TenantCandidate {
    principal: usize,
    binding: Option<usize>,
    shape: TenantFinding,
}

/// Which of the findings of `tenant.data-isolation` a candidate is.
#[derive(Debug, Clone, Copy)]
enum TenantFinding {
    Bound,
    OwnInstance,
    InPart,
    EndUsers,
    ApplicationCode,
    Unsettled,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_content_read_is_a_known_kind_and_an_exact_action() {
        let rows: Vec<&str> = include_str!("../../rules/content-reads.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .collect();
        assert!(rows.len() >= 5);
        for row in rows {
            let (kind, _) = row.split_once('\t').expect("kind, then actions");
            let kind = Kind::parse(kind).unwrap_or_else(|| panic!("{kind} is not a kind"));
            let actions = content_reads(kind);
            assert!(!actions.is_empty(), "{row}");
            for a in actions {
                let (prefix, name) = a.split_once(':').unwrap();
                let found = crate::iam::catalog::action(a)
                    .unwrap_or_else(|| panic!("{a} is not in the IAM catalog"));
                assert_eq!(found.action_name(), name, "{a}: names are exact");
                assert_eq!(prefix, prefix.to_ascii_lowercase());
            }
        }
    }

    #[test]
    fn names_split_into_words() {
        assert_eq!(words("BackOfficeRole"), vec!["back", "office", "role"]);
        assert_eq!(
            words("aws_lambda_function.function[\"admin\"]"),
            vec!["aws", "lambda", "function", "function", "admin"]
        );
        assert_eq!(words("APIHandler"), vec!["api", "handler"]);
        let markers: Vec<String> = ["admin", "back-office", "ops"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            marker_in("BackOffice", &markers).as_deref(),
            Some("back-office")
        );
        assert_eq!(
            marker_in("ledgerly-ops-console", &markers).as_deref(),
            Some("ops")
        );
        assert_eq!(marker_in("workshops", &markers), None);
        assert_eq!(marker_in("administrator", &markers), None);
    }

    #[test]
    fn broad_patterns() {
        assert!(broad_pattern("*"));
        assert!(broad_pattern("arn:aws:s3:::*"));
        assert!(broad_pattern("arn:aws:dynamodb:*:*:table/*"));
        assert!(broad_pattern("arn:aws:secretsmanager:*:*:secret:*"));
        assert!(!broad_pattern("arn:aws:secretsmanager:*:*:secret:app-*"));
        assert!(!broad_pattern("arn:aws:s3:::reports/*"));
        assert!(broad_pattern("arn:aws:s3:::*/*"));
        assert!(broad_pattern("arn:aws:lambda:*:*:function:*"));
        assert!(!broad_pattern("arn:aws:sqs:*:*:jobs-*"));
        assert!(broad_pattern("arn:aws:rds-db:*:*:dbuser:*/*"));
    }

    #[test]
    fn parameters_are_checked_strictly() {
        let ok = serde_json::json!({"markers": ["admin", "back-office"]});
        assert!(validate_markers(&ok).is_ok());
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"markers": []}),
            serde_json::json!({"markers": ["Admin"]}),
            serde_json::json!({"markers": ["admin", "admin"]}),
            serde_json::json!({"markers": ["admin"], "other": 1}),
            serde_json::json!({"markers": "admin"}),
        ] {
            assert!(validate_markers(&bad).is_err(), "{bad}");
        }
        assert!(
            validate_data_services(&serde_json::json!({"data_services": ["s3", "dynamodb"]}))
                .is_ok()
        );
        assert!(validate_data_services(&serde_json::json!({"data_services": ["s4"]})).is_err());
    }
}
