//! Who holds which policies: for every role, user and group in the model, its identity
//! policies (inline, customer managed, AWS managed), its permissions boundary and its trust
//! policy, each with where it is written. And which compute runs as which role.
//!
//! Works the same for both languages because it reads the model, not the source: configuration
//! resources are facets of their principal, attachments are edges, and where each type keeps
//! its documents is the data file `rules/policy-documents.tsv`.

use super::managed;
use super::policy::{self, Document};
use crate::model::Kind;
use crate::model::Label;
use crate::model::{Model, Part, Prop, Symbol, Value};
use crate::source::Span;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// What a policy document is to the principal that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    Inline,
    /// A customer managed policy in the tree.
    Managed,
    /// An AWS managed policy, from vouch's copy of AWS's list.
    AwsManaged,
    Boundary,
    Trust,
    Resource,
}

/// A document and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct HeldPolicy {
    pub kind: PolicyKind,
    /// The resource whose attribute holds the document (`None` for AWS managed policies).
    pub resource: Option<usize>,
    /// Attribute path of the document, or the AWS managed policy's ARN.
    pub attribute: String,
    /// A name for people: the resource address, or the managed policy name.
    pub name: String,
    #[serde(skip)]
    pub span: Option<Span>,
    #[serde(skip)]
    pub document: Document,
}

/// An attached policy whose document cannot be had.
#[derive(Debug, Clone, Serialize)]
pub struct UnresolvedPolicy {
    pub kind: PolicyKind,
    pub resource: usize,
    pub attribute: String,
    pub value: Value,
    /// Set when the value is an AWS managed policy ARN the catalog does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_in_catalog: Option<managed::NotInCatalog>,
    #[serde(skip)]
    pub span: Span,
}

/// An attachment of an AWS managed policy that does not exist, where it is written.
#[derive(Debug, Clone)]
pub struct MissingManagedPolicy {
    pub resource: usize,
    pub span: Span,
    pub finding: managed::NotInCatalog,
}

/// Every attachment in the model of an AWS managed policy ARN the catalog does not hold (for
/// the scan's diagnostics): one pass over the resources that hold policy ARNs.
pub fn missing_managed_policies(model: &Model) -> Vec<MissingManagedPolicy> {
    let mut out = Vec::new();
    for i in 0..model.resources.len() {
        for v in policy_values(model, i) {
            if !matches!(v.role, Role::ManagedArn | Role::BoundaryArn) {
                continue;
            }
            let items: Vec<&Value> = match v.value.as_ref() {
                Value::List(l) => l.iter().collect(),
                other => vec![other],
            };
            for item in items {
                if let Some(finding) = arn_text(item).and_then(|a| managed::not_in_catalog(&a)) {
                    out.push(MissingManagedPolicy {
                        resource: i,
                        span: v.span,
                        finding,
                    });
                }
            }
        }
    }
    out
}

/// The policies of one principal.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Principal {
    pub resource: usize,
    pub identity: Vec<HeldPolicy>,
    pub boundaries: Vec<HeldPolicy>,
    pub trust: Vec<HeldPolicy>,
    pub unresolved: Vec<UnresolvedPolicy>,
    /// Groups a user belongs to (their policies apply to the user).
    pub groups: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Trust,
    Inline,
    Managed,
    ManagedArn,
    BoundaryArn,
    Resource,
}

/// The properties of each kind that hold policy documents or policy ARNs
/// (`rules/policy-documents.tsv`), in file order.
fn table() -> &'static HashMap<Kind, Vec<(Prop, Role)>> {
    static TABLE: OnceLock<HashMap<Kind, Vec<(Prop, Role)>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map: HashMap<Kind, Vec<(Prop, Role)>> = HashMap::new();
        for (n, line) in include_str!("../../rules/policy-documents.tsv")
            .lines()
            .enumerate()
        {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let [kind, name, role] = cols[..] else {
                panic!("rules/policy-documents.tsv:{}: expected 3 cells", n + 1)
            };
            let role = match role {
                "trust" => Role::Trust,
                "inline" => Role::Inline,
                "managed" => Role::Managed,
                "managed-arn" => Role::ManagedArn,
                "boundary-arn" => Role::BoundaryArn,
                "resource" => Role::Resource,
                _ => panic!("rules/policy-documents.tsv:{}: unknown role {role}", n + 1),
            };
            let prop = Kind::parse(kind)
                .and_then(|k| Prop::named(k, name))
                .unwrap_or_else(|| {
                    panic!(
                        "rules/policy-documents.tsv:{}: {kind} has no property {name} in rules/properties/",
                        n + 1
                    )
                });
            map.entry(prop.kind()).or_default().push((prop, role));
        }
        map
    })
}

/// One policy document (or policy ARN value) a resource holds itself.
pub(crate) struct PolicyValue<'m> {
    pub(crate) role: Role,
    /// The concrete path (`Policies[0].PolicyDocument`).
    pub(crate) attribute: String,
    pub(crate) span: Span,
    pub(crate) value: Cow<'m, Value>,
}

/// The policy documents and ARNs resource `index` holds itself, in table order. What its
/// facets hold is theirs: each is read as a source of its own.
pub(crate) fn policy_values(model: &Model, index: usize) -> Vec<PolicyValue<'_>> {
    let Some(rows) = table().get(&model.resources[index].kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for &(prop, role) in rows {
        for found in model.props(index, prop) {
            let Some((holder, path)) = found.attribute() else {
                continue;
            };
            // Two rows reaching the same attribute read it once.
            if holder != index || out.iter().any(|v: &PolicyValue| v.attribute == path) {
                continue;
            }
            let attribute = path.to_string();
            let span = found.span(model, index);
            out.push(PolicyValue {
                role,
                attribute,
                span,
                value: found.value,
            });
        }
    }
    out
}

/// A policy ARN written as text or a template over the partition: the text with `aws` as partition.
fn arn_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Template(parts) => {
            let mut out = String::new();
            for p in parts {
                match p {
                    Part::Text(t) => out.push_str(t),
                    Part::Symbol(Symbol::Partition) => out.push_str("aws"),
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// The principals of the model with their policies, keyed by resource index.
pub fn principals(model: &Model) -> BTreeMap<usize, Principal> {
    let mut facets: HashMap<usize, Vec<usize>> = HashMap::new();
    for (facet, parent) in &model.parents {
        facets.entry(*parent).or_default().push(*facet);
    }
    let mut attached_to: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut member_of: HashMap<usize, Vec<usize>> = HashMap::new();
    for e in &model.edges {
        match e.label {
            Label::AttachedTo => attached_to.entry(e.to).or_default().push(e.from),
            Label::MemberOf => member_of.entry(model.owner(e.from)).or_default().push(e.to),
            Label::Member => member_of.entry(e.to).or_default().push(model.owner(e.from)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.facet.is_some() || !matches!(r.kind, Kind::IamRole | Kind::IamUser | Kind::IamGroup) {
            continue;
        }
        let mut p = Principal {
            resource: i,
            ..Default::default()
        };
        let mut sources = vec![i];
        sources.extend(facets.get(&i).into_iter().flatten().copied());
        sources.extend(attached_to.get(&i).into_iter().flatten().copied());
        sources.sort_unstable();
        sources.dedup();
        for s in sources {
            collect(model, s, s == i, &mut p);
        }
        let mut groups = member_of.get(&i).cloned().unwrap_or_default();
        groups.sort_unstable();
        groups.dedup();
        p.groups = groups;
        out.insert(i, p);
    }
    out
}

fn collect(model: &Model, source: usize, own: bool, p: &mut Principal) {
    let r = &model.resources[source];
    for PolicyValue {
        role,
        attribute: concrete,
        span,
        value,
    } in policy_values(model, source)
    {
        let role = &role;
        let value = value.as_ref();
        {
            let held = |kind| HeldPolicy {
                kind,
                resource: Some(source),
                attribute: concrete.clone(),
                name: r.address.clone(),
                span: Some(span),
                document: policy::parse(value),
            };
            match role {
                Role::Trust if own => p.trust.push(held(PolicyKind::Trust)),
                Role::Inline => p.identity.push(held(PolicyKind::Inline)),
                // A managed policy resource attached to the principal by its own Roles list.
                Role::Managed if !own => p.identity.push(held(PolicyKind::Managed)),
                Role::ManagedArn | Role::BoundaryArn => {
                    let kind = if *role == Role::ManagedArn {
                        PolicyKind::Managed
                    } else {
                        PolicyKind::Boundary
                    };
                    let items: Vec<&Value> = match value {
                        Value::List(l) => l.iter().collect(),
                        other => vec![other],
                    };
                    for (n, item) in items.into_iter().enumerate() {
                        let attribute = if matches!(value, Value::List(_)) {
                            format!("{concrete}[{n}]")
                        } else {
                            concrete.clone()
                        };
                        match resolve_policy_arn(model, source, item) {
                            Some(mut held) => {
                                if kind == PolicyKind::Boundary {
                                    held.kind = PolicyKind::Boundary;
                                }
                                held.span = held.span.or(Some(span));
                                if kind == PolicyKind::Boundary {
                                    p.boundaries.push(held);
                                } else {
                                    p.identity.push(held);
                                }
                            }
                            None => p.unresolved.push(UnresolvedPolicy {
                                kind,
                                resource: source,
                                attribute,
                                value: item.clone(),
                                not_in_catalog: arn_text(item)
                                    .and_then(|a| managed::not_in_catalog(&a)),
                                span,
                            }),
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// A managed policy ARN: a customer managed policy in the tree (by ref) or an AWS managed one.
fn resolve_policy_arn(model: &Model, from: usize, v: &Value) -> Option<HeldPolicy> {
    if let Value::Ref(r) = v {
        let unit = &model.resources[from].unit;
        let idx = model.index_of(unit, &r.resource)?;
        let target = &model.resources[idx];
        let held = policy_values(model, idx)
            .into_iter()
            .find(|v| v.role == Role::Managed)?;
        return Some(HeldPolicy {
            kind: PolicyKind::Managed,
            resource: Some(idx),
            attribute: held.attribute,
            name: target.address.clone(),
            span: Some(held.span),
            document: policy::parse(&held.value),
        });
    }
    let arn = arn_text(v)?;
    let m = managed::by_arn(&arn)?;
    Some(HeldPolicy {
        kind: PolicyKind::AwsManaged,
        resource: None,
        attribute: m.arn.clone(),
        name: m.name.clone(),
        span: None,
        document: policy::parse(&Value::from_json(&m.document)),
    })
}

/// Which compute runs as which role: function, task or instance → role index.
pub fn compute_roles(model: &Model) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut profile_role: HashMap<usize, usize> = HashMap::new();
    for e in &model.edges {
        if model.resources[e.from].kind == Kind::IamInstanceProfile
            && model.resources[e.to].kind == Kind::IamRole
        {
            profile_role.insert(e.from, e.to);
        }
    }
    for e in &model.edges {
        let to_kind = model.resources[e.to].kind;
        match e.label {
            Label::RunsAs if to_kind == Kind::IamRole => out.push((e.from, e.to)),
            Label::InstanceProfile => {
                if let Some(role) = profile_role.get(&e.to) {
                    out.push((e.from, *role));
                }
            }
            _ => {}
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// What it means when the code names no role (`rules/compute-roles.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unset {
    /// The code runs without AWS credentials (a task without a task role).
    NoRole,
    /// The deploying tool creates a role the tree does not show (a SAM state machine's role,
    /// generated from its Policies).
    Generated,
}

/// What the property of a compute kind names (`rules/compute-roles.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    Role,
    InstanceProfile,
}

/// The kinds of compute that run code as a role, each with the property that names the role
/// or instance profile (`rules/compute-roles.tsv`), in file order.
fn compute_table() -> &'static [(Kind, Prop, Names, Unset)] {
    static TABLE: OnceLock<Vec<(Kind, Prop, Names, Unset)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let file = "rules/compute-roles.tsv";
        let mut out = Vec::new();
        for (n, line) in include_str!("../../rules/compute-roles.tsv")
            .lines()
            .enumerate()
        {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let [kind, name, names, unset] = cols[..] else {
                panic!("{file}:{}: expected 4 cells", n + 1)
            };
            let unset = match unset {
                "no-role" => Unset::NoRole,
                "generated" => Unset::Generated,
                _ => panic!("{file}:{}: unknown meaning of unset {unset}", n + 1),
            };
            let names = match names {
                "role" => Names::Role,
                "instance-profile" => Names::InstanceProfile,
                _ => panic!("{file}:{}: unknown target {names}", n + 1),
            };
            let prop = Kind::parse(kind)
                .and_then(|k| Prop::named(k, name))
                .unwrap_or_else(|| {
                    panic!(
                        "{file}:{}: {kind} has no property {name} in rules/properties/",
                        n + 1
                    )
                });
            out.push((prop.kind(), prop, names, unset));
        }
        out
    })
}

/// Is `kind` compute that runs code as a role (a function, task definition, instance, launch
/// template, node group, …)?
pub fn is_compute(kind: Kind) -> bool {
    compute_table().iter().any(|(k, ..)| *k == kind)
}

/// How a compute resource's role is settled.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RoleOf {
    /// A role of the tree.
    Role { index: usize },
    /// No role is set (a task definition without a task role, an instance without a profile).
    NoRole,
    /// The role (or instance profile) is named by a value the tree cannot settle: a variable
    /// without default, a data source, a literal ARN or name of something not declared here.
    Unsettled { unknown: crate::model::Unknown },
}

/// One compute resource and the role it runs as.
#[derive(Debug, Clone, Serialize)]
pub struct ComputeRole {
    pub compute: usize,
    pub role: RoleOf,
    /// The attribute naming the role or instance profile, when set.
    pub attribute: Option<String>,
}

/// Text of a value with the deployment's symbols as `*`; `None` when it holds a ref or unknown.
fn symbol_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Template(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => Some(t.clone()),
                Part::Symbol(_) => Some("*".into()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// The role of the unit whose ARN a text names (a literal ARN, or one built from the account).
fn role_by_arn(model: &Model, unit: &str, text: &str) -> Option<usize> {
    model.resources.iter().enumerate().find_map(|(i, r)| {
        (r.unit == unit && r.kind == Kind::IamRole && r.facet.is_none())
            .then(|| super::arn::arn_of(model, i))
            .flatten()
            .filter(|arn| super::arn::pattern_covers(text, arn))
            .map(|_| i)
    })
}

fn unsettled(v: &Value, what: &str) -> RoleOf {
    let unknown = match v.first_unknown() {
        Some(u) => u.clone(),
        None => crate::model::Unknown {
            reason: crate::model::Reason::OutsideTree,
            detail: match symbol_text(v) {
                Some(t) => format!("{what} {t} is not declared in the scanned tree"),
                None => format!("{what} {v} is not declared in the scanned tree"),
            },
        },
    };
    RoleOf::Unsettled { unknown }
}

/// Every compute resource of `rules/compute-roles.tsv` with the role it runs as: a role of the tree,
/// none, or a value the tree cannot settle (with why). Roles are found through the `runs-as`
/// and instance-profile edges, then through literal ARNs that name a role of the tree.
pub fn compute_role_refs(model: &Model) -> Vec<ComputeRole> {
    let by_edge: HashMap<usize, usize> = compute_roles(model).into_iter().collect();
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.facet.is_some() {
            continue;
        }
        let Some(&(_, prop, names, unset)) = compute_table().iter().find(|(k, ..)| *k == r.kind)
        else {
            continue;
        };
        let set = model.prop_set(i, prop).and_then(|f| {
            let path = f.attribute()?.1.to_string();
            match f.value {
                Cow::Borrowed(v) => Some((path, v)),
                Cow::Owned(_) => None,
            }
        });
        let attribute = set.as_ref().map(|(p, _)| p.clone());
        let role = match (by_edge.get(&i), set) {
            (Some(&index), _) => RoleOf::Role { index },
            (None, None) if unset == Unset::NoRole => RoleOf::NoRole,
            (None, None) => RoleOf::Unsettled {
                unknown: crate::model::Unknown {
                    reason: crate::model::Reason::OutsideTree,
                    detail: "no role is named: the deploying tool generates one (the SAM transform, from its Policies), which the tree does not show".into(),
                },
            },
            (None, Some((_, v))) if names == Names::InstanceProfile => {
                // A profile of the tree whose role is not settled, or a profile from elsewhere.
                let profile = model
                    .edges_from(i)
                    .find_map(|e| (e.label == Label::InstanceProfile).then_some(e.to));
                match profile {
                    Some(p) => match model.prop_set(p, Prop::IamInstanceProfileRoles) {
                        Some(rv) => unsettled(&rv.value, "the instance profile's role"),
                        None => RoleOf::NoRole,
                    },
                    None => unsettled(v, "the instance profile"),
                }
            }
            (None, Some((_, v))) => {
                match symbol_text(v).and_then(|t| role_by_arn(model, &r.unit, &t)) {
                    Some(index) => RoleOf::Role { index },
                    None => unsettled(v, "the role"),
                }
            }
        };
        out.push(ComputeRole {
            compute: i,
            role,
            attribute,
        });
    }
    out
}

#[cfg(test)]
mod table_tests {
    #[test]
    fn every_policy_document_row_names_a_property() {
        let rows: usize = super::table().values().map(Vec::len).sum();
        assert!(rows >= 20);
    }
}
