//! Questions the assumption catalog asks of the IAM model: which principals are
//! administrators in all but name, which roles several compute resources share, and whether a
//! principal's access to a table or bucket is bound to a tenant.

use super::access::{index, Access, Allowed, Grant, Target};
use super::catalog;
use super::policy::{Condition, Effect, SetQualifier};
use super::principals::PolicyKind;
use crate::model::Kind;
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
        let everywhere = g.targets.iter().any(|t| matches!(t, Target::Any));
        // Every IAM resource of the account (`arn:aws:iam::*:*`) is as good as `*` for `iam:*`.
        let every_iam = everywhere
            || g.targets.iter().any(|t| {
                matches!(t, Target::Pattern { arn } if super::arn::covers_whole_service(arn, "iam"))
            });
        if !every_iam {
            continue;
        }
        let why = if g.source.kind == PolicyKind::AwsManaged
            && ADMIN_POLICIES.contains(&g.source.policy.as_str())
        {
            Some(g.source.policy.clone())
        } else if !everywhere {
            iam.filter(|r| g.actions.restrict(*r).len() == (r.1 - r.0) as usize)
                .map(|_| "every IAM action (iam:*) on every IAM resource".to_string())
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

/// How a principal's access to a pooled data store (a DynamoDB table, an S3 bucket) is bound
/// to a tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "binding", rename_all = "snake_case")]
pub enum TenantBinding {
    /// Every allowed data action is confined to the items (or objects) of one tenant, named by
    /// a per-principal variable.
    Bound { variable: String },
    /// Some allowed data actions reach every tenant's items.
    Unbound {
        actions: Vec<String>,
        reason: String,
        /// Some statement granting data actions on the store names a tenant variable (a
        /// `dynamodb:LeadingKeys` or `s3:prefix` condition, an object ARN): the policy means to
        /// bind the principal to a tenant and does not manage to.
        attempted: bool,
    },
    /// The principal has no data access to the store.
    NoAccess,
}

/// Variables that name the calling principal (or its session), hence its tenant.
const TENANT_VARIABLES: &[&str] = &[
    "${aws:PrincipalTag/",
    "${aws:userid}",
    "${aws:username}",
    "${cognito-identity.amazonaws.com:sub}",
    "${aws:PrincipalAccount}",
];

/// The first tenant variable in a text: its position and the variable.
fn tenant_variable_in(text: &str) -> Option<(usize, String)> {
    let lower = text.to_ascii_lowercase();
    TENANT_VARIABLES
        .iter()
        .filter_map(|v| lower.find(&v.to_ascii_lowercase()))
        .min()
        .map(|at| {
            let end = text[at..]
                .find('}')
                .map(|e| at + e + 1)
                .unwrap_or(text.len());
            (at, text[at..end].to_string())
        })
}

/// The literal text of a value (refs and symbols left out), for finding variables in it.
fn literal_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Template(parts) => Some(
            parts
                .iter()
                .filter_map(|p| match p {
                    Part::Text(t) => Some(t.as_str()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

fn tenant_variable(v: &Value) -> Option<String> {
    tenant_variable_in(&literal_text(v)?).map(|(_, var)| var)
}

/// A value that confines a key to one tenant: it holds a tenant variable and no wildcard
/// before it (`${aws:PrincipalTag/tenant_id}/*`, not `*/${aws:PrincipalTag/tenant_id}`).
fn tenant_prefix(text: &str) -> Option<String> {
    let (at, var) = tenant_variable_in(text)?;
    (!text[..at].contains(['*', '?'])).then_some(var)
}

/// `StringEquals`, `StringLike`, `StringEqualsIgnoreCase`: operators that allow only the values
/// listed.
fn positive(c: &Condition) -> bool {
    ["StringEquals", "StringLike", "StringEqualsIgnoreCase"]
        .iter()
        .any(|o| c.operator.eq_ignore_ascii_case(o))
}

/// DynamoDB actions that read or write items without a partition key in the request.
const DYNAMODB_KEYLESS_DATA: &[&str] = &[
    "dynamodb:Scan",
    "dynamodb:ExportTableToPointInTime",
    "dynamodb:GetRecords",
];

fn carries_leading_keys(name: &str) -> bool {
    catalog::action(name).is_some_and(|info| {
        info.condition_keys
            .iter()
            .any(|k| k.eq_ignore_ascii_case("dynamodb:LeadingKeys"))
            || info.resource_types.iter().any(|r| {
                r.condition_keys
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case("dynamodb:LeadingKeys"))
            })
    })
}

/// S3 actions on the objects of a bucket, or that list them.
fn s3_object_action(name: &str) -> bool {
    catalog::action(name).is_some_and(|info| info.resource_type("object").is_some())
}

const S3_LIST_OBJECTS: &[&str] = &[
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:ListBucketMultipartUploads",
];

/// [`data_actions`] by action id, computed once over the catalog.
fn is_data_action(id: u32) -> bool {
    static DATA: std::sync::OnceLock<Vec<bool>> = std::sync::OnceLock::new();
    DATA.get_or_init(|| index().names.iter().map(|n| data_actions(n)).collect())
        .get(id as usize)
        .copied()
        .unwrap_or(false)
}

/// The data actions a principal may perform on a store (items of a table, objects of a bucket).
/// Configuration actions (`DescribeTable`, `GetBucketPolicy`) are left out.
pub fn data_actions(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("dynamodb:") {
        carries_leading_keys(name)
            || DYNAMODB_KEYLESS_DATA
                .iter()
                .any(|a| a.eq_ignore_ascii_case(name))
    } else if lower.starts_with("s3:") {
        s3_object_action(name) || S3_LIST_OBJECTS.iter().any(|a| a.eq_ignore_ascii_case(name))
    } else {
        false
    }
}

/// Whether `principal`'s access to `store` (a DynamoDB table or an S3 bucket) is bound to a
/// tenant, from its identity-based policies.
///
/// - DynamoDB: `dynamodb:LeadingKeys` binds only the actions that carry that key (not `Scan`).
///   A `ForAllValues:` condition is true when the key is absent, so an action without the key
///   stays unbound unless a `Null` condition requires the key (or the condition has no set
///   qualifier, which fails when the key is absent). `ForAnyValue:` binds nothing: one matching
///   key lets the others through.
/// - S3: `s3:prefix` constrains only the list actions. Object access is bound only when every
///   `Resource` entry of every statement granting an object action carries the tenant variable
///   in the object key, before any wildcard.
pub fn tenant_binding(
    model: &Model,
    access: &Access,
    principal: usize,
    store: usize,
) -> TenantBinding {
    match tenant_service(model, store) {
        Some(service) => {
            let allowed = access.allowed(model, principal, store, Some(service));
            tenant_binding_of(model, access, &allowed, store)
        }
        None => TenantBinding::NoAccess,
    }
}

/// The service whose data actions [`tenant_binding`] reads on a store: `dynamodb` for a table,
/// `s3` for a bucket, `None` for any other kind.
pub fn tenant_service(model: &Model, store: usize) -> Option<&'static str> {
    match model.resources[store].kind {
        Kind::DynamodbTable => Some("dynamodb"),
        Kind::S3Bucket => Some("s3"),
        _ => None,
    }
}

/// The identity statements of a principal that [`tenant_binding`] can read for a store of one
/// service: those naming some action of the service (the others never reach the store).
#[derive(Debug, Clone)]
pub struct TenantGrants<'a> {
    pub principal: usize,
    pub service: &'static str,
    pub grants: Vec<&'a Grant>,
}

pub fn tenant_grants<'a>(
    access: &'a Access,
    principal: usize,
    service: &'static str,
) -> TenantGrants<'a> {
    let range = index().service(service);
    let grants = access
        .grants_of(principal)
        .filter(|g| match range {
            Some(r) => !g.actions.restrict(r).is_empty(),
            None => !g.actions.is_empty(),
        })
        .collect();
    TenantGrants {
        principal,
        service,
        grants,
    }
}

/// Everything [`tenant_binding`] reads of a principal and a store besides the store's kind
/// (which `service` gives): the principal, and which of its [`tenant_grants`] cover the store,
/// through which `Resource` entries (pairs of the statement's position and the entry's).
/// `Access::allowed` reads the store only through whether each statement covers it, and the S3
/// verdict only through which entries do, so a principal and two stores with the same key have
/// the same binding and the same statements behind it: a check crossing many principals with
/// many stores works each binding out once per key, not once per pair. Positions are the
/// principal's own, hence the principal in the key: two principals whose first statements
/// cover a store have equal positions and, in general, different bindings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantCoverKey {
    pub principal: usize,
    pub service: &'static str,
    pub covers: Vec<(u32, u32)>,
}

/// The [`TenantCoverKey`] of a store. `store_arn` is `arn::arn_of(model, store)`, built once by
/// the caller.
pub fn tenant_cover_key(
    model: &Model,
    grants: &TenantGrants,
    store: usize,
    store_arn: Option<&str>,
) -> TenantCoverKey {
    let mut covers = Vec::new();
    for (gi, g) in grants.grants.iter().enumerate() {
        for (ti, t) in g.targets.iter().enumerate() {
            if t.covers_arn(model, store, store_arn) {
                covers.push((gi as u32, ti as u32));
            }
        }
    }
    TenantCoverKey {
        principal: grants.principal,
        service: grants.service,
        covers,
    }
}

/// [`tenant_binding`] from what the principal is allowed on the store (restricted to
/// [`tenant_service`]), for a caller that needs that answer too.
pub fn tenant_binding_of(
    model: &Model,
    access: &Access,
    allowed: &Allowed,
    store: usize,
) -> TenantBinding {
    match model.resources[store].kind {
        Kind::DynamodbTable => dynamodb_binding(allowed),
        Kind::S3Bucket => s3_binding(model, access, allowed, store),
        _ => TenantBinding::NoAccess,
    }
}

fn finish(
    unbound: Vec<String>,
    reasons: Vec<String>,
    variable: Option<String>,
    attempted: bool,
) -> TenantBinding {
    match (unbound.is_empty(), variable) {
        (true, Some(variable)) => TenantBinding::Bound { variable },
        _ => {
            let mut reasons = reasons;
            reasons.sort();
            reasons.dedup();
            TenantBinding::Unbound {
                actions: unbound,
                reason: reasons.join("; "),
                attempted,
            }
        }
    }
}

fn dynamodb_binding(allowed: &Allowed) -> TenantBinding {
    let idx = index();
    let data: Vec<u32> = allowed
        .actions
        .iter()
        .filter(|a| is_data_action(*a))
        .collect();
    if data.is_empty() {
        return TenantBinding::NoAccess;
    }
    let mut unbound = Vec::new();
    let mut reasons = Vec::new();
    let mut variable = None;
    let mut attempted = false;
    for a in data {
        let name = idx.names[a as usize];
        let carries = carries_leading_keys(name);
        let granting: Vec<_> = allowed
            .via
            .iter()
            .filter(|g| g.actions.contains(a))
            .collect();
        let mut bound = !granting.is_empty();
        for g in granting {
            // Tables tagged with their tenant, reached only by principals that carry the same
            // tag (`aws:ResourceTag/tenant` = `${aws:PrincipalTag/tenant}`): each tenant's
            // principals reach only their tenant's tables.
            let by_tag = g
                .conditions
                .iter()
                .find(|c| {
                    c.key.to_ascii_lowercase().starts_with("aws:resourcetag/")
                        && positive(c)
                        && c.set.is_none()
                        && !c.if_exists
                        && !c.values.is_empty()
                        && c.values.iter().all(|v| tenant_variable(v).is_some())
                })
                .and_then(|c| c.values.iter().find_map(tenant_variable));
            if let Some(v) = by_tag {
                attempted = true;
                variable.get_or_insert(v);
                continue;
            }
            let keys: Vec<&Condition> = g
                .conditions
                .iter()
                .filter(|c| c.key.eq_ignore_ascii_case("dynamodb:LeadingKeys"))
                .collect();
            if keys
                .iter()
                .any(|c| c.values.iter().any(|v| tenant_variable(v).is_some()))
            {
                attempted = true;
            }
            let null_required = keys.iter().any(|c| {
                c.operator.eq_ignore_ascii_case("Null")
                    && !c.values.is_empty()
                    && c.values.iter().all(|v| v.as_bool() == Some(false))
            });
            let binding = keys.iter().find(|c| {
                positive(c)
                    && c.set != Some(SetQualifier::ForAnyValue)
                    && !c.values.is_empty()
                    && c.values.iter().all(|v| tenant_variable(v).is_some())
            });
            let this = match binding {
                None => {
                    reasons.push(if keys.iter().any(|c| c.set == Some(SetQualifier::ForAnyValue)) {
                        "ForAnyValue on dynamodb:LeadingKeys lets a request through when any one of its keys matches".to_string()
                    } else {
                        "these actions are allowed without a dynamodb:LeadingKeys condition bound to the caller".to_string()
                    });
                    false
                }
                Some(c) => {
                    if variable.is_none() {
                        variable = c.values.iter().find_map(tenant_variable);
                    }
                    let holds = carries || null_required || (c.set.is_none() && !c.if_exists);
                    if !holds {
                        reasons.push(format!(
                            "{name} carries no partition key, and a ForAllValues (or IfExists) condition on dynamodb:LeadingKeys holds when the key is absent unless a Null condition requires it"
                        ));
                    }
                    holds
                }
            };
            bound &= this;
        }
        if !bound {
            unbound.push(name.to_string());
        }
    }
    finish(unbound, reasons, variable, attempted)
}

/// The object key an S3 `Resource` entry names (`tenant/*` in `arn:aws:s3:::bucket/tenant/*`, or
/// the text after the bucket reference), or `None` for a bucket-level entry. The second value
/// is true when a bucket-level entry's bucket name holds a wildcard (`arn:aws:s3:::*`), which
/// matches objects too.
fn object_key(v: &Value) -> (Option<String>, bool) {
    match v {
        Value::String(s) if s.as_str() == "*" => (Some("*".into()), false),
        Value::Template(parts) if parts.iter().any(|p| matches!(p, Part::Ref(_))) => {
            let mut after = String::new();
            let mut seen = false;
            for p in parts {
                match p {
                    Part::Ref(_) if !seen => seen = true,
                    Part::Text(t) if seen => after.push_str(t),
                    _ if seen => after.push('*'),
                    _ => {}
                }
            }
            match after.strip_prefix('/') {
                Some(key) => (Some(key.to_string()), false),
                None => (None, false),
            }
        }
        _ => {
            let text = match v {
                Value::String(s) => s.to_string(),
                Value::Template(parts) => parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => t.as_str(),
                        _ => "*",
                    })
                    .collect(),
                _ => return (None, false),
            };
            let resource = text.splitn(6, ':').nth(5).unwrap_or("");
            match resource.split_once('/') {
                Some((_, key)) => (Some(key.to_string()), false),
                None => (None, resource.contains(['*', '?'])),
            }
        }
    }
}

/// What one granting statement says about tenant binding, worked out once per statement rather
/// than once per action it allows.
#[derive(Default)]
struct S3GrantVerdict {
    /// A `Resource` entry or an `s3:prefix` value names a tenant variable.
    attempted: bool,
    prefix_used: bool,
    /// For the list actions: the tenant variable an `s3:prefix` condition binds, or `None`.
    list_variable: Option<String>,
    /// For object actions: whether an entry covering the bucket's objects grants them, the
    /// tenant variable that keys them, and why an entry does not.
    object_granted: bool,
    object_variable: Option<String>,
    object_reasons: Vec<&'static str>,
}

const EVERY_OBJECT: &str = "is allowed on every object of the bucket";
const UNKEYED_OBJECTS: &str =
    "is allowed on object keys that do not start with the caller's tenant";

fn s3_grant_verdict(model: &Model, access: &Access, g: &Grant, bucket: usize) -> S3GrantVerdict {
    let mut v = S3GrantVerdict::default();
    let prefixes: Vec<&Condition> = g
        .conditions
        .iter()
        .filter(|c| c.key.eq_ignore_ascii_case("s3:prefix"))
        .collect();
    let items = access
        .statement_of(g)
        .and_then(|st| st.resource.as_ref())
        .map(|r| r.items.as_slice())
        .unwrap_or(&[]);
    v.attempted = items.iter().any(|i| {
        literal_text(i)
            .and_then(|t| tenant_variable_in(&t))
            .is_some()
    });
    if prefixes
        .iter()
        .any(|c| c.values.iter().any(|x| tenant_variable(x).is_some()))
    {
        v.attempted = true;
        v.prefix_used = true;
    }
    v.list_variable = prefixes
        .iter()
        .find(|c| {
            positive(c)
                && !c.if_exists
                && c.set != Some(SetQualifier::ForAnyValue)
                && !c.values.is_empty()
                && c.values
                    .iter()
                    .all(|x| literal_text(x).and_then(|t| tenant_prefix(&t)).is_some())
        })
        .and_then(|c| c.values.iter().find_map(tenant_variable));
    // Object actions: each entry that covers the bucket's objects must name the tenant.
    if g.not_resource || items.len() != g.targets.len() {
        v.object_granted = true;
        v.object_reasons.push(EVERY_OBJECT);
        return v;
    }
    for (t, item) in g.targets.iter().zip(items) {
        if !t.covers(model, bucket) {
            continue;
        }
        match object_key(item) {
            (Some(key), _) => {
                v.object_granted = true;
                match tenant_prefix(&key) {
                    Some(var) => {
                        if v.object_variable.is_none() {
                            v.object_variable = Some(var);
                        }
                    }
                    None => v.object_reasons.push(UNKEYED_OBJECTS),
                }
            }
            (None, true) => {
                v.object_granted = true;
                v.object_reasons.push(EVERY_OBJECT);
            }
            // A bucket-level entry grants no object action.
            (None, false) => {}
        }
    }
    v
}

fn s3_binding(model: &Model, access: &Access, allowed: &Allowed, bucket: usize) -> TenantBinding {
    let idx = index();
    let data: Vec<u32> = allowed
        .actions
        .iter()
        .filter(|a| is_data_action(*a))
        .collect();
    if data.is_empty() {
        return TenantBinding::NoAccess;
    }
    let verdicts: Vec<S3GrantVerdict> = allowed
        .via
        .iter()
        .map(|g| s3_grant_verdict(model, access, g, bucket))
        .collect();
    // Only statements that allow some data action count as attempts at binding.
    let relevant = |g: &Grant| data.iter().any(|a| g.actions.contains(*a));
    let attempted = allowed
        .via
        .iter()
        .zip(&verdicts)
        .any(|(g, v)| v.attempted && relevant(g));
    let prefix_used = allowed
        .via
        .iter()
        .zip(&verdicts)
        .any(|(g, v)| v.prefix_used && relevant(g));
    let mut unbound = Vec::new();
    let mut reasons = Vec::new();
    let mut variable = None;
    for &a in &data {
        let name = idx.names[a as usize];
        let listing = S3_LIST_OBJECTS.iter().any(|l| l.eq_ignore_ascii_case(name));
        let mut bound = true;
        let mut granted = false;
        for (g, v) in allowed.via.iter().zip(&verdicts) {
            if !g.actions.contains(a) {
                continue;
            }
            if listing {
                granted = true;
                match &v.list_variable {
                    Some(var) => {
                        if variable.is_none() {
                            variable = Some(var.clone());
                        }
                    }
                    None => {
                        bound = false;
                        reasons.push(format!(
                            "{name} is allowed without an s3:prefix condition that starts with the caller's tenant"
                        ));
                    }
                }
                continue;
            }
            if v.object_granted {
                granted = true;
            }
            if let Some(var) = &v.object_variable {
                if variable.is_none() {
                    variable = Some(var.clone());
                }
            }
            for r in &v.object_reasons {
                bound = false;
                reasons.push(format!("{name} {r}"));
            }
        }
        if granted && !bound {
            unbound.push(name.to_string());
        }
    }
    if unbound.is_empty() && variable.is_none() {
        return TenantBinding::NoAccess;
    }
    if prefix_used
        && unbound
            .iter()
            .any(|a| !S3_LIST_OBJECTS.iter().any(|l| l.eq_ignore_ascii_case(a)))
    {
        reasons
            .push("s3:prefix constrains only the list actions, not object reads and writes".into());
    }
    finish(unbound, reasons, variable, attempted)
}
