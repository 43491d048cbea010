//! Effective access: for every principal, which actions it is allowed on which resources, by
//! which statements, under which conditions.
//!
//! AWS's evaluation logic, for a principal and a resource in the same account: an explicit Deny
//! in any policy wins; otherwise an Allow is needed, from an identity-based policy or from the
//! resource's own policy; a permissions boundary, when set, must allow what identity policies
//! grant. Actions are expanded against AWS's catalog into bit sets, so `s3:Get*` is exactly the
//! actions it matches and set operations are cheap. Statements keep their conditions: a
//! conditional Allow is still a grant (marked conditional), a conditional Deny is not assumed to
//! apply.
//!
//! - [`Access::allowed`] answers from identity-based policies and boundaries alone;
//! - [`Access::effective`] adds resource-based policies (bucket, queue, topic, secret, key and
//!   REST API policies, Lambda permissions), with KMS's rule that the key policy must allow;
//! - [`Access::anyone`] is what a resource policy gives to every principal (`*`);
//! - [`Access::outside_grants`] lists what resource policies give to principals that are not
//!   in the tree: services, other accounts, principals the code does not settle.

use super::arn;
use super::catalog::{self, AccessLevel};
use super::policy::{self, Condition, Document, Effect, Statement};
use super::principals::{self, HeldPolicy, PolicyKind, Principal};
use crate::model::Kind;
use crate::model::Label;
use crate::model::{Map, Model, Part, Prop, Symbol, Value};
use crate::source::Span;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// Every action in the catalog, numbered, with per-service ranges: the catalog's static tables
/// (sorted by lower-cased name), so building it parses nothing.
pub struct ActionIndex {
    pub names: Vec<&'static str>,
    pub levels: Vec<AccessLevel>,
    /// (lower-cased prefix, first action, end), sorted by prefix.
    services: &'static [(&'static str, u32, u32)],
}

/// The action index, built once.
pub fn index() -> &'static ActionIndex {
    static INDEX: OnceLock<ActionIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let table = catalog::action_table();
        ActionIndex {
            names: table.iter().map(|(n, _)| *n).collect(),
            levels: table.iter().map(|(_, l)| catalog::level_of(*l)).collect(),
            services: catalog::action_ranges(),
        }
    })
}

/// Compares two names as IAM does, without regard to ASCII case: the order of the tables.
fn cmp_lower(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

impl ActionIndex {
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn id(&self, action: &str) -> Option<u32> {
        self.names
            .binary_search_by(|n| cmp_lower(n, action))
            .ok()
            .map(|i| i as u32)
    }

    /// The actions a pattern matches (IAM wildcards, case-insensitive).
    pub fn expand(&self, pattern: &str) -> ActionSet {
        let mut set = ActionSet::empty(self.len());
        let p = pattern.to_ascii_lowercase();
        if p == "*" {
            return ActionSet::full(self.len());
        }
        let (service, _) = p.split_once(':').unwrap_or((p.as_str(), ""));
        let ranges: Vec<(u32, u32)> = if service.contains(['*', '?']) {
            vec![(0, self.len() as u32)]
        } else {
            self.service(service).into_iter().collect()
        };
        if !p.contains(['*', '?']) {
            if let Some(i) = self.id(&p) {
                set.insert(i);
            }
            return set;
        }
        for (lo, hi) in ranges {
            for i in lo..hi {
                if super::policy::wildcard_match(&p, self.names[i as usize], true) {
                    set.insert(i);
                }
            }
        }
        set
    }

    /// The range of a service's actions (`s3`).
    pub fn service(&self, prefix: &str) -> Option<(u32, u32)> {
        let lower = prefix.to_ascii_lowercase();
        self.services
            .binary_search_by(|(p, _, _)| (*p).cmp(lower.as_str()))
            .ok()
            .map(|i| (self.services[i].1, self.services[i].2))
    }

    /// The services (lowercase prefixes) that have an action in `actions`, sorted; `None` once
    /// there are more than `at_most` (a grant spanning many services). Walks the services'
    /// ranges, never the actions one by one.
    pub fn services_in(&self, actions: &ActionSet, at_most: usize) -> Option<Vec<&str>> {
        let mut out = Vec::new();
        for &(name, lo, hi) in self.services {
            if !actions.restrict((lo, hi)).is_empty() {
                out.push(name);
                if out.len() > at_most {
                    return None;
                }
            }
        }
        out.sort_unstable();
        Some(out)
    }
}

/// A set of actions, as a bit set over [`ActionIndex`].
///
/// The words held are only those from `offset` on that the set needs: a set restricted to one
/// service is a few words, not the whole catalog's 320, and an empty set holds none. Operations
/// between sets of different extents line the words up by their place in the catalog.
#[derive(Debug, Clone, Default)]
pub struct ActionSet {
    /// Index in the catalog's words of `bits[0]`.
    offset: usize,
    bits: Vec<u64>,
}

impl PartialEq for ActionSet {
    fn eq(&self, other: &Self) -> bool {
        let hi = (self.offset + self.bits.len()).max(other.offset + other.bits.len());
        let lo = self.offset.min(other.offset);
        (lo..hi).all(|w| self.word(w) == other.word(w))
    }
}

impl Eq for ActionSet {}

impl ActionSet {
    /// The empty set (`n`, the catalog's size, is not needed: an empty set holds no words).
    pub fn empty(_n: usize) -> Self {
        ActionSet::default()
    }

    pub fn full(n: usize) -> Self {
        let mut s = ActionSet {
            offset: 0,
            bits: vec![u64::MAX; n.div_ceil(64)],
        };
        if n % 64 != 0 {
            if let Some(last) = s.bits.last_mut() {
                *last = (1u64 << (n % 64)) - 1;
            }
        }
        s
    }

    /// The word at a place in the catalog's words (zero outside the set's extent).
    fn word(&self, w: usize) -> u64 {
        if w >= self.offset {
            self.bits.get(w - self.offset).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// Grows the extent so that word `w` is held.
    fn cover(&mut self, w: usize) {
        if self.bits.is_empty() {
            self.offset = w;
            self.bits.push(0);
        } else if w < self.offset {
            let mut grown = vec![0; self.offset - w];
            grown.extend_from_slice(&self.bits);
            self.bits = grown;
            self.offset = w;
        } else if w >= self.offset + self.bits.len() {
            self.bits.resize(w - self.offset + 1, 0);
        }
    }

    pub fn insert(&mut self, i: u32) {
        let w = i as usize / 64;
        self.cover(w);
        self.bits[w - self.offset] |= 1 << (i % 64);
    }

    pub fn contains(&self, i: u32) -> bool {
        self.word(i as usize / 64) & (1 << (i % 64)) != 0
    }

    pub fn union_with(&mut self, other: &ActionSet) {
        let Some(first) = other.bits.iter().position(|w| *w != 0) else {
            return;
        };
        let last = other.bits.iter().rposition(|w| *w != 0).unwrap_or(first);
        self.cover(other.offset + first);
        self.cover(other.offset + last);
        for k in first..=last {
            self.bits[other.offset + k - self.offset] |= other.bits[k];
        }
    }

    pub fn subtract(&mut self, other: &ActionSet) {
        for (k, w) in self.bits.iter_mut().enumerate() {
            *w &= !other.word(self.offset + k);
        }
    }

    pub fn intersect_with(&mut self, other: &ActionSet) {
        for (k, w) in self.bits.iter_mut().enumerate() {
            *w &= other.word(self.offset + k);
        }
    }

    pub fn complement(&self, n: usize) -> ActionSet {
        let mut full = ActionSet::full(n);
        full.subtract(self);
        full
    }

    /// Keeps only the actions in `lo..hi`: a set of just the words of that range.
    pub fn restrict(&self, (lo, hi): (u32, u32)) -> ActionSet {
        if lo >= hi {
            return ActionSet::default();
        }
        let (first, last) = (lo as usize / 64, (hi as usize - 1) / 64);
        let mut bits = Vec::with_capacity(last - first + 1);
        for w in first..=last {
            let mut mask = u64::MAX;
            if w == first {
                mask &= u64::MAX << (lo % 64);
            }
            if w == last && hi % 64 != 0 {
                mask &= (1u64 << (hi % 64)) - 1;
            }
            bits.push(self.word(w) & mask);
        }
        ActionSet {
            offset: first,
            bits,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|w| *w == 0)
    }

    pub fn len(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The members in order; empty words are skipped whole and set bits found with
    /// `trailing_zeros`, so a sparse set costs little to walk.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let offset = self.offset;
        self.bits
            .iter()
            .enumerate()
            .filter(|(_, w)| **w != 0)
            .flat_map(move |(k, &w)| {
                let base = ((offset + k) * 64) as u32;
                let mut rest = w;
                std::iter::from_fn(move || {
                    if rest == 0 {
                        return None;
                    }
                    let b = rest.trailing_zeros();
                    rest &= rest - 1;
                    Some(base + b)
                })
            })
    }
}

/// What a statement's `Resource` entry points at.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Target {
    /// `*`.
    Any,
    /// A resource in the tree, by reference; `below` when the entry names what is under it
    /// (`${bucket.arn}/*`).
    Resource { index: usize, below: bool },
    /// An ARN pattern written as text.
    Pattern { arn: String },
    /// An entry that cannot be read (a variable without default, …).
    Unknown { value: Value },
}

/// Where a grant comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub kind: PolicyKind,
    pub policy: String,
    pub attribute: String,
    pub statement: usize,
    pub sid: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

/// One statement of one policy held by one principal, or of one resource policy.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The principal holding the policy; for a resource-policy statement ([`PolicyKind::Resource`]),
    /// the resource whose attribute holds the document.
    pub principal: usize,
    pub effect: Effect,
    pub actions: ActionSet,
    /// Action patterns that match no action AWS has (typos, retired actions).
    pub unknown_actions: Vec<String>,
    pub targets: Vec<Target>,
    /// `NotResource`: the grant covers everything its targets do not.
    pub not_resource: bool,
    pub conditions: Vec<Condition>,
    pub source: Source,
    /// A boundary statement limits; it grants nothing.
    pub boundary: bool,
}

/// Effective access of every principal in the model.
pub struct Access {
    pub principals: BTreeMap<usize, Principal>,
    /// Statements of identity policies and boundaries, by principal.
    pub grants: Vec<Grant>,
    by_principal: HashMap<usize, Vec<usize>>,
    /// Compute resources and the role they run as.
    pub compute: Vec<(usize, usize)>,
    /// Every resource policy of the tree (and every Lambda permission, read as the one-statement
    /// policy AWS adds to the function), in model order.
    pub resource_policies: Vec<ResourcePolicy>,
    /// Resource → the resource policies that govern it.
    by_resource: HashMap<usize, Vec<usize>>,
}

/// The service whose actions act on a kind of resource.
pub fn service_of(kind: Kind) -> Option<&'static str> {
    arn::service_of(kind)
}

fn target_of(model: &Model, unit: &str, v: &Value) -> Target {
    match v {
        Value::String(s) if s == "*" => Target::Any,
        Value::String(s) => Target::Pattern { arn: s.to_string() },
        Value::Ref(r) => match model.index_of(unit, &r.resource) {
            Some(index) => Target::Resource {
                index,
                below: false,
            },
            None => Target::Unknown { value: v.clone() },
        },
        Value::Template(parts) => {
            let mut seen_ref = None;
            let mut after = String::new();
            let mut text = String::new();
            for p in parts {
                match p {
                    Part::Ref(r) if seen_ref.is_none() => seen_ref = Some(r),
                    Part::Text(t) => {
                        if seen_ref.is_some() {
                            after.push_str(t)
                        }
                        text.push_str(t)
                    }
                    Part::Symbol(_) => text.push('*'),
                    Part::Ref(_) => text.push('*'),
                    Part::Unknown(_) => return Target::Unknown { value: v.clone() },
                }
            }
            match seen_ref.and_then(|r| model.index_of(unit, &r.resource)) {
                Some(index) => Target::Resource {
                    index,
                    below: !after.is_empty(),
                },
                None => Target::Pattern { arn: text },
            }
        }
        other => Target::Unknown {
            value: other.clone(),
        },
    }
}

impl Target {
    /// Does this entry name the resource (or something below it)?
    pub fn covers(&self, model: &Model, resource: usize) -> bool {
        match self {
            Target::Any => true,
            Target::Resource { index, .. } => *index == resource || model.owner(*index) == resource,
            Target::Pattern { arn } => {
                arn::arn_of(model, resource).is_some_and(|a| arn::pattern_covers(arn, &a))
            }
            Target::Unknown { .. } => false,
        }
    }

    /// [`Target::covers`] with the resource's ARN (`arn::arn_of`) worked out by the caller, so
    /// that a caller matching many entries against one resource builds its ARN once.
    pub fn covers_arn(&self, model: &Model, resource: usize, resource_arn: Option<&str>) -> bool {
        match self {
            Target::Pattern { arn: pattern } => {
                resource_arn.is_some_and(|a| arn::pattern_covers(pattern, a))
            }
            _ => self.covers(model, resource),
        }
    }
}

impl Grant {
    /// Does the grant apply to the resource?
    pub fn covers(&self, model: &Model, resource: usize) -> bool {
        let any = self.targets.iter().any(|t| t.covers(model, resource));
        if self.not_resource {
            !any
        } else {
            any
        }
    }
}

fn grants_of(
    model: &Model,
    principal: usize,
    held: &HeldPolicy,
    boundary: bool,
    cache: &mut HashMap<String, ActionSet>,
) -> Vec<Grant> {
    let idx = index();
    let unit = held
        .resource
        .map(|r| model.resources[r].unit.as_str())
        .unwrap_or(model.resources[principal].unit.as_str());
    held.document
        .statements
        .iter()
        .filter_map(|st: &Statement| {
            let spec = st.action.as_ref()?;
            let mut actions = ActionSet::empty(idx.len());
            let mut unknown_actions = Vec::new();
            for p in &spec.patterns {
                let set = cache
                    .entry(p.to_ascii_lowercase())
                    .or_insert_with(|| idx.expand(p));
                if set.is_empty() {
                    unknown_actions.push(p.clone());
                }
                actions.union_with(set);
            }
            if spec.negated {
                actions = actions.complement(idx.len());
            }
            let (targets, not_resource) = match &st.resource {
                Some(r) => (
                    r.items.iter().map(|v| target_of(model, unit, v)).collect(),
                    r.negated,
                ),
                None => (vec![Target::Any], false),
            };
            Some(Grant {
                principal,
                effect: st.effect,
                actions,
                unknown_actions,
                targets,
                not_resource,
                conditions: st.conditions.clone(),
                source: Source {
                    kind: held.kind,
                    policy: held.name.clone(),
                    attribute: held.attribute.clone(),
                    statement: st.index,
                    sid: st.sid.clone(),
                    span: held.span,
                },
                boundary,
            })
        })
        .collect()
}

/// Whom a resource-policy statement names in `Principal` (or `NotPrincipal`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Grantee {
    /// A role or user of the tree: by reference, or by an ARN that matches its ARN.
    Principal { index: usize },
    /// `*` or `{"AWS": "*"}`: every principal of every account.
    Anyone,
    /// The root of this deployment's account (an ARN or id built from the account symbol). In
    /// an Allow it grants nothing by itself: it hands the decision to IAM (identity policies).
    /// In a Deny it denies every principal of the account.
    AccountRoot,
    /// An AWS service (`cloudtrail.amazonaws.com`).
    Service { name: String },
    /// A principal outside the tree: another account, a federated provider, an ARN in this
    /// account that names nothing in the tree.
    External { principal: String },
    /// A principal the code does not settle (a variable without default, …).
    Unknown { value: Value },
}

impl Grantee {
    /// The principal as people read it.
    pub fn describe(&self, model: &Model) -> String {
        match self {
            Grantee::Principal { index } => model.resources[*index].address.clone(),
            Grantee::Anyone => "*".into(),
            Grantee::AccountRoot => "account root".into(),
            Grantee::Service { name } => format!("service {name}"),
            Grantee::External { principal } => format!("external {principal}"),
            Grantee::Unknown { value } => format!("unknown {}", value.written()),
        }
    }
}

/// One statement of a resource policy.
#[derive(Debug, Clone)]
pub struct ResourceStatement {
    /// Effect, actions, resources and conditions, with `source.kind` [`PolicyKind::Resource`].
    pub grant: Grant,
    pub grantees: Vec<Grantee>,
    /// `NotPrincipal`: the statement applies to everyone but its grantees.
    pub not_principal: bool,
    /// An Allow to everyone (`*`, or `NotPrincipal`) with no condition restricting who may use
    /// it (the same test `vouch paths` uses for public data stores).
    pub public: bool,
}

/// A resource policy: the document and the resources it governs.
#[derive(Debug, Clone)]
pub struct ResourcePolicy {
    /// The resource whose attribute holds the document (the bucket, or its policy resource).
    pub holder: usize,
    pub attribute: String,
    /// The resources the policy is attached to: the holder itself, the parent of a policy facet
    /// (`aws_s3_bucket_policy`), the queues or topics an `AWS::SQS::QueuePolicy` lists, the
    /// function of a Lambda permission.
    pub governs: Vec<usize>,
    /// The document as a whole cannot be read.
    pub unknown: Option<Value>,
    pub statements: Vec<ResourceStatement>,
}

/// An Allow in a resource policy to a principal outside the tree (see [`Access::outside_grants`]).
#[derive(Debug, Clone)]
pub struct OutsideGrant<'a> {
    pub resource: usize,
    pub grantee: &'a Grantee,
    pub statement: &'a ResourceStatement,
}

/// Roles and users of each unit with the ARN built from their name.
struct PrincipalArns {
    by_unit: HashMap<String, Vec<(usize, String)>>,
}

impl PrincipalArns {
    fn new(model: &Model) -> PrincipalArns {
        let mut by_unit: HashMap<String, Vec<(usize, String)>> = HashMap::new();
        for (i, r) in model.resources.iter().enumerate() {
            if r.facet.is_none() && matches!(r.kind, Kind::IamRole | Kind::IamUser) {
                if let Some(a) = arn::arn_of(model, i) {
                    by_unit.entry(r.unit.clone()).or_default().push((i, a));
                }
            }
        }
        PrincipalArns { by_unit }
    }

    /// The role or user whose ARN the text is (symbols written as `*`).
    fn find(&self, unit: &str, text: &str) -> Option<usize> {
        self.by_unit
            .get(unit)?
            .iter()
            .find(|(_, a)| arn::pattern_covers(text, a))
            .map(|(i, _)| *i)
    }
}

fn tree_principal(model: &Model, unit: &str, address: &str) -> Option<usize> {
    let i = model.owner(model.index_of(unit, address)?);
    matches!(model.resources[i].kind, Kind::IamRole | Kind::IamUser).then_some(i)
}

/// Classifies one `Principal` entry of a statement written in `unit`.
fn grantee(model: &Model, arns: &PrincipalArns, unit: &str, kind: &str, id: &Value) -> Grantee {
    let external = || Grantee::External {
        principal: match kind {
            "AWS" => id.written(),
            k => format!("{k}:{}", id.written()),
        },
    };
    match kind {
        "*" => return Grantee::Anyone,
        "Service" => {
            return match id {
                Value::Unknown(_) => Grantee::Unknown { value: id.clone() },
                _ => Grantee::Service { name: id.written() },
            }
        }
        "AWS" => {}
        _ => return external(),
    }
    match id {
        Value::String(s) if s == "*" => Grantee::Anyone,
        Value::String(s) => match arns.find(unit, s) {
            // A literal account in a role's ARN is taken to be this deployment's (see `arn`);
            // a literal account root or id cannot be told from another account's.
            Some(index) if !s.ends_with(":root") => Grantee::Principal { index },
            _ => external(),
        },
        Value::Ref(r) => match tree_principal(model, unit, &r.resource) {
            Some(index) => Grantee::Principal { index },
            None => external(),
        },
        Value::Symbol(Symbol::AccountId) => Grantee::AccountRoot,
        Value::Template(parts) => {
            if let Some(index) = parts.iter().find_map(|p| match p {
                Part::Ref(r) => tree_principal(model, unit, &r.resource),
                _ => None,
            }) {
                return Grantee::Principal { index };
            }
            if parts.iter().any(|p| matches!(p, Part::Unknown(_))) {
                return Grantee::Unknown { value: id.clone() };
            }
            let own_account = parts
                .iter()
                .any(|p| matches!(p, Part::Symbol(Symbol::AccountId)));
            let text: String = parts
                .iter()
                .map(|p| match p {
                    Part::Text(t) => t.as_str(),
                    _ => "*",
                })
                .collect();
            if own_account && (text == "*" || text.ends_with(":root")) {
                return Grantee::AccountRoot;
            }
            match arns.find(unit, &text) {
                Some(index) if !parts.iter().any(|p| matches!(p, Part::Ref(_))) => {
                    Grantee::Principal { index }
                }
                _ => external(),
            }
        }
        Value::Unknown(_) | Value::Encoded(_) => Grantee::Unknown { value: id.clone() },
        _ => external(),
    }
}

/// A Lambda permission read as the statement AWS adds to the function's policy: its principal,
/// action, and `source_arn` / `source_account` / `principal_org_id` as the conditions AWS writes
/// for them.
fn lambda_permission_document(model: &Model, index: usize) -> Option<(String, Value)> {
    let get = |prop: Prop| model.prop_set(index, prop).map(|f| f.value.into_owned());
    let found = model.prop_set(index, Prop::LambdaPermissionPrincipal)?;
    let attribute = found.attribute()?.1.to_string();
    let principal = found.value.into_owned();
    let action =
        get(Prop::LambdaPermissionAction).unwrap_or_else(|| Value::str("lambda:InvokeFunction"));
    let mut p = Map::new();
    let principal = match &principal {
        Value::String(s) if s == "*" => Value::str("*"),
        Value::String(s) if s.ends_with(".amazonaws.com") || s.ends_with(".amazonaws.com.cn") => {
            p.insert("Service", principal.clone());
            Value::Map(p)
        }
        other => {
            p.insert("AWS", other.clone());
            Value::Map(p)
        }
    };
    let mut conditions = Map::new();
    for (prop, op, key) in [
        (Prop::LambdaPermissionSourceArn, "ArnLike", "aws:SourceArn"),
        (
            Prop::LambdaPermissionSourceAccount,
            "StringEquals",
            "aws:SourceAccount",
        ),
        (
            Prop::LambdaPermissionPrincipalOrgID,
            "StringEquals",
            "aws:PrincipalOrgID",
        ),
    ] {
        if let Some(v) = get(prop) {
            let mut m = match conditions.remove(op) {
                Some(Value::Map(m)) => m,
                _ => Map::new(),
            };
            m.insert(key, v);
            conditions.insert(op, Value::Map(m));
        }
    }
    let mut st = Map::new();
    st.insert("Effect", Value::str("Allow"));
    st.insert("Principal", principal);
    st.insert("Action", action);
    st.insert("Resource", Value::str("*"));
    if !conditions.is_empty() {
        st.insert("Condition", Value::Map(conditions));
    }
    if let Some(sid) = get(Prop::LambdaPermissionStatementId) {
        st.insert("Sid", sid);
    }
    let mut doc = Map::new();
    doc.insert("Statement", Value::List(vec![Value::Map(st)]));
    Some((attribute, Value::Map(doc)))
}

/// Every resource policy of the model, with the resources each governs.
fn resource_policies(model: &Model, cache: &mut HashMap<String, ActionSet>) -> Vec<ResourcePolicy> {
    let arns = PrincipalArns::new(model);
    let mut edges_from: HashMap<usize, Vec<(usize, Label, &str)>> = HashMap::new();
    for e in &model.edges {
        edges_from
            .entry(e.from)
            .or_default()
            .push((e.to, e.label, e.attribute.as_str()));
    }
    let mut out = Vec::new();
    for (holder, r) in model.resources.iter().enumerate() {
        let documents: Vec<(String, Value)> = if r.kind == Kind::LambdaPermission {
            lambda_permission_document(model, holder)
                .into_iter()
                .collect()
        } else {
            principals::policy_values(model, holder)
                .into_iter()
                .filter(|v| v.role == principals::Role::Resource)
                .map(|v| (v.attribute, v.value.into_owned()))
                .collect()
        };
        for (attribute, value) in documents {
            let mut governs: Vec<usize> = if r.kind == Kind::LambdaPermission {
                edges_from
                    .get(&holder)
                    .into_iter()
                    .flatten()
                    .filter(|(_, label, _)| *label == Label::PermitsInvoke)
                    .map(|(to, _, _)| model.owner(*to))
                    .collect()
            } else if model.parents.contains_key(&holder) {
                vec![model.owner(holder)]
            } else if service_of(r.kind).is_some() {
                vec![holder]
            } else {
                // A policy resource of its own (`AWS::SQS::QueuePolicy`): what it references
                // outside the document.
                edges_from
                    .get(&holder)
                    .into_iter()
                    .flatten()
                    .filter(|(_, _, a)| !a.starts_with(attribute.as_str()))
                    .map(|(to, _, _)| model.owner(*to))
                    .filter(|to| service_of(model.resources[*to].kind).is_some())
                    .collect()
            };
            governs.sort_unstable();
            governs.dedup();
            let held = HeldPolicy {
                kind: PolicyKind::Resource,
                resource: Some(holder),
                attribute: attribute.clone(),
                name: r.address.clone(),
                span: Some(r.span_of(&attribute)),
                document: policy::parse(&value),
            };
            let public: Vec<usize> = crate::network::open_statements(&value).unwrap_or_default();
            let grants = grants_of(model, holder, &held, false, cache);
            let statements = held
                .document
                .statements
                .iter()
                .filter(|st| st.action.is_some())
                .zip(grants)
                .map(|(st, grant)| {
                    let (grantees, not_principal) = match &st.principal {
                        Some(spec) => (
                            spec.principals
                                .iter()
                                .map(|p| grantee(model, &arns, &r.unit, &p.kind, &p.id))
                                .collect(),
                            spec.negated,
                        ),
                        None => (Vec::new(), false),
                    };
                    ResourceStatement {
                        public: public.contains(&st.index)
                            || (not_principal && st.effect == Effect::Allow),
                        grant,
                        grantees,
                        not_principal,
                    }
                })
                .collect();
            let Document { unknown, .. } = held.document;
            out.push(ResourcePolicy {
                holder,
                attribute,
                governs,
                unknown,
                statements,
            });
        }
    }
    out
}

/// How a resource-policy statement applies to one principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Applies {
    No,
    /// It names a principal the code does not settle: it may.
    Maybe,
    /// Through the account root: delegated to IAM (Allow), or to every principal (Deny).
    Root,
    /// Through `*` or `NotPrincipal`.
    Anyone,
    /// It names the principal.
    Named,
}

/// Who a question is about: a principal of the tree, or "anyone" (`*`).
#[derive(Debug, Clone, Copy)]
enum Who {
    Principal { index: usize, bounded: bool },
    Anyone,
}

impl ResourceStatement {
    fn applies(&self, who: Who) -> Applies {
        let names = |g: &Grantee| match (who, g) {
            (Who::Principal { index, .. }, Grantee::Principal { index: i }) => *i == index,
            (_, Grantee::AccountRoot) => matches!(who, Who::Principal { .. }),
            (_, Grantee::Anyone) => true,
            _ => false,
        };
        if self.not_principal {
            // AWS: a Deny with NotPrincipal always denies a principal that has a permissions
            // boundary, whatever NotPrincipal lists.
            if let Who::Principal { bounded: true, .. } = who {
                if self.grant.effect == Effect::Deny {
                    return Applies::Anyone;
                }
            }
            return if self.grantees.iter().any(names) {
                Applies::No
            } else if self
                .grantees
                .iter()
                .any(|g| matches!(g, Grantee::Unknown { .. }))
            {
                Applies::Maybe
            } else {
                Applies::Anyone
            };
        }
        self.grantees
            .iter()
            .map(|g| match (who, g) {
                (_, Grantee::Anyone) => Applies::Anyone,
                (Who::Principal { index, .. }, Grantee::Principal { index: i }) if *i == index => {
                    Applies::Named
                }
                (Who::Principal { .. }, Grantee::AccountRoot) => Applies::Root,
                (_, Grantee::Unknown { .. }) => Applies::Maybe,
                _ => Applies::No,
            })
            .max()
            .unwrap_or(Applies::No)
    }
}

/// What one principal may do to one resource.
#[derive(Debug, Clone)]
pub struct Allowed<'a> {
    pub actions: ActionSet,
    /// The Allow statements that grant some of those actions. Each says where it comes from in
    /// `source.kind`: identity based (inline, managed, AWS managed) or [`PolicyKind::Resource`].
    /// For a KMS key reached through IAM, the key policy statements that delegate to the account
    /// root are listed too.
    pub via: Vec<&'a Grant>,
    /// True when no action is granted without conditions.
    pub conditional: bool,
    /// Deny statements with conditions that may remove some actions, and resource-policy Denies
    /// naming a principal the code does not settle.
    pub conditional_denies: Vec<&'a Grant>,
    /// Some action is granted by a public statement (everyone, no restricting condition).
    pub public: bool,
    /// Resource policies of the resource whose document cannot be read: they may deny, or
    /// (for a KMS key) decide whether IAM is trusted at all.
    pub unread_policies: Vec<&'a ResourcePolicy>,
}

/// An outside principal, what it is granted, and by which statements.
type ByGrantee<'a> = (&'a Grantee, Granted, Vec<(&'a Grant, ActionSet)>);

/// Actions granted, and those among them granted without conditions.
#[derive(Clone)]
struct Granted {
    all: ActionSet,
    unconditional: ActionSet,
}

impl Granted {
    fn empty() -> Granted {
        let n = index().len();
        Granted {
            all: ActionSet::empty(n),
            unconditional: ActionSet::empty(n),
        }
    }

    fn add(&mut self, actions: &ActionSet, conditional: bool) {
        self.all.union_with(actions);
        if !conditional {
            self.unconditional.union_with(actions);
        }
    }

    fn union_with(&mut self, other: &Granted) {
        self.all.union_with(&other.all);
        self.unconditional.union_with(&other.unconditional);
    }

    fn intersect_with(&mut self, set: &ActionSet) {
        self.all.intersect_with(set);
        self.unconditional.intersect_with(set);
    }

    fn intersect_granted(&mut self, other: &Granted) {
        self.all.intersect_with(&other.all);
        self.unconditional.intersect_with(&other.unconditional);
    }

    fn subtract(&mut self, set: &ActionSet) {
        self.all.subtract(set);
        self.unconditional.subtract(set);
    }
}

impl Access {
    pub fn compute(model: &Model) -> Access {
        let principals = principals::principals(model);
        let mut grants = Vec::new();
        let mut cache = HashMap::new();
        for (i, p) in &principals {
            let mut held: Vec<&HeldPolicy> = p.identity.iter().collect();
            // A user holds its groups' policies too.
            for g in &p.groups {
                if let Some(gp) = principals.get(g) {
                    held.extend(gp.identity.iter());
                }
            }
            for h in held {
                grants.extend(grants_of(model, *i, h, false, &mut cache));
            }
            for b in &p.boundaries {
                grants.extend(grants_of(model, *i, b, true, &mut cache));
            }
        }
        let mut by_principal: HashMap<usize, Vec<usize>> = HashMap::new();
        for (gi, g) in grants.iter().enumerate() {
            by_principal.entry(g.principal).or_default().push(gi);
        }
        let resource_policies = resource_policies(model, &mut cache);
        let mut by_resource: HashMap<usize, Vec<usize>> = HashMap::new();
        for (pi, p) in resource_policies.iter().enumerate() {
            for r in &p.governs {
                by_resource.entry(*r).or_default().push(pi);
            }
        }
        Access {
            principals,
            grants,
            by_principal,
            compute: principals::compute_roles(model),
            resource_policies,
            by_resource,
        }
    }

    /// The identity-policy and boundary statements of a principal.
    pub fn grants_of(&self, principal: usize) -> impl Iterator<Item = &Grant> {
        self.by_principal
            .get(&principal)
            .into_iter()
            .flatten()
            .map(|i| &self.grants[*i])
    }

    /// The statement of an identity policy or boundary that a grant was read from (its
    /// `Resource` entries in the order of [`Grant::targets`], its action patterns as written).
    pub fn statement_of(&self, g: &Grant) -> Option<&Statement> {
        let p = self.principals.get(&g.principal)?;
        let groups = p
            .groups
            .iter()
            .filter_map(|i| self.principals.get(i))
            .flat_map(|gp| gp.identity.iter());
        p.identity
            .iter()
            .chain(p.boundaries.iter())
            .chain(groups)
            .filter(|h| h.name == g.source.policy && h.attribute == g.source.attribute)
            .flat_map(|h| h.document.statements.iter())
            .find(|s| s.index == g.source.statement)
    }

    /// The resource policies that govern a resource.
    pub fn policies_of(&self, resource: usize) -> impl Iterator<Item = &ResourcePolicy> {
        self.by_resource
            .get(&resource)
            .into_iter()
            .flatten()
            .map(|i| &self.resource_policies[*i])
    }

    /// The actions `principal`'s identity-based policies allow on `resource` (restricted to
    /// `service` when given), within its permissions boundary and after explicit Denies in those
    /// policies. Resource policies are not consulted: this is the IAM half of the decision, the
    /// half a KMS key policy delegates to. [`Access::effective`] gives the whole decision.
    pub fn allowed(
        &self,
        model: &Model,
        principal: usize,
        resource: usize,
        service: Option<&str>,
    ) -> Allowed<'_> {
        self.evaluate(model, principal, resource, service, false, true)
    }

    /// What `principal` may do to `resource` (restricted to `service` when given), following
    /// AWS's logic for a principal and a resource of the same account:
    ///
    /// - an unconditional Deny naming the principal in any policy removes the action: its
    ///   identity policies, its boundary, or the resource's policy (a resource Deny to `*`, to
    ///   the account root or to the principal's own ARN all name it);
    /// - otherwise an Allow is needed, from either side: an identity-based policy (within the
    ///   permissions boundary), or the resource's policy naming the principal or `*`. In one
    ///   account either is enough: S3, SQS, SNS, Secrets Manager, Lambda and the others need no
    ///   identity grant for what their resource policy gives a principal by ARN;
    /// - a resource policy naming the account root grants nothing by itself: it trusts IAM, so
    ///   the identity policy must allow;
    /// - AWS documents that a boundary does not limit what a resource policy grants to an IAM
    ///   user's ARN, but does limit what it grants to a role's ARN (the role's sessions act
    ///   within the boundary). Grants to `*` are not read as limited (the worse case);
    /// - KMS is the exception: the key policy must allow. It does so by naming the principal
    ///   (or `*`), or by giving the account root the action, after which the identity policy
    ///   must allow it too. A key with no policy in the tree has AWS's default policy, which
    ///   gives the root `kms:*`. A key policy that names neither the principal nor the root
    ///   denies it, whatever its identity policies say;
    /// - a conditional Allow is a grant marked conditional; a conditional Deny is listed, not
    ///   applied.
    pub fn effective(
        &self,
        model: &Model,
        principal: usize,
        resource: usize,
        service: Option<&str>,
    ) -> Allowed<'_> {
        self.evaluate(model, principal, resource, service, true, true)
    }

    /// Like [`Access::effective`], leaving out what the principal gets only because a resource
    /// policy grants it to everyone (see [`Access::anyone`]).
    pub fn effective_named(
        &self,
        model: &Model,
        principal: usize,
        resource: usize,
        service: Option<&str>,
    ) -> Allowed<'_> {
        self.evaluate(model, principal, resource, service, true, false)
    }

    /// What the resource's policies give to every principal (`*`, or `NotPrincipal`), after
    /// Denies to everyone. `public` says whether some of it carries no restricting condition.
    pub fn anyone(&self, model: &Model, resource: usize, service: Option<&str>) -> Allowed<'_> {
        let idx = index();
        let range = service.and_then(|s| idx.service(s));
        let mut granted = Granted::empty();
        let mut denied = ActionSet::empty(idx.len());
        let mut via = Vec::new();
        let mut conditional_denies = Vec::new();
        let mut public = ActionSet::empty(idx.len());
        let mut unread_policies = Vec::new();
        for p in self.policies_of(resource) {
            if p.unknown.is_some() {
                unread_policies.push(p);
            }
            for st in &p.statements {
                let Some(actions) = restricted(model, &st.grant, resource, range) else {
                    continue;
                };
                match (st.grant.effect, st.applies(Who::Anyone)) {
                    (_, Applies::No | Applies::Root | Applies::Named) => {}
                    (Effect::Allow, Applies::Maybe) => {}
                    (Effect::Allow, _) => {
                        granted.add(&actions, !st.grant.conditions.is_empty());
                        if st.public {
                            public.union_with(&actions);
                        }
                        via.push((&st.grant, actions));
                    }
                    (Effect::Deny, Applies::Anyone) if st.grant.conditions.is_empty() => {
                        denied.union_with(&actions)
                    }
                    (Effect::Deny, _) => conditional_denies.push(&st.grant),
                }
            }
        }
        granted.subtract(&denied);
        public.intersect_with(&granted.all);
        finish(
            granted,
            via,
            conditional_denies,
            !public.is_empty(),
            unread_policies,
        )
    }

    /// Allows in resource policies to principals outside the tree (services, other accounts,
    /// unsettled principals), with the resource each applies to. Lambda permissions are here:
    /// `apigateway.amazonaws.com` may `lambda:InvokeFunction` the function, on the condition of
    /// its `source_arn`.
    pub fn outside_grants(&self) -> Vec<OutsideGrant<'_>> {
        let mut out = Vec::new();
        for p in &self.resource_policies {
            for st in &p.statements {
                if st.grant.effect != Effect::Allow || st.not_principal {
                    continue;
                }
                for g in &st.grantees {
                    if matches!(
                        g,
                        Grantee::Service { .. }
                            | Grantee::External { .. }
                            | Grantee::Unknown { .. }
                    ) {
                        for r in &p.governs {
                            out.push(OutsideGrant {
                                resource: *r,
                                grantee: g,
                                statement: st,
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// For each principal outside the tree that a resource policy of `resource` allows
    /// something (see [`Access::outside_grants`]), what it is allowed there, after the
    /// unconditional Denies to everyone.
    pub fn outside(
        &self,
        model: &Model,
        resource: usize,
        service: Option<&str>,
    ) -> Vec<(&Grantee, Allowed<'_>)> {
        let idx = index();
        let range = service.and_then(|s| idx.service(s));
        let mut denied = ActionSet::empty(idx.len());
        let mut conditional_denies = Vec::new();
        let mut unread_policies = Vec::new();
        let mut by_grantee: Vec<ByGrantee> = Vec::new();
        for p in self.policies_of(resource) {
            if p.unknown.is_some() {
                unread_policies.push(p);
            }
            for st in &p.statements {
                let Some(actions) = restricted(model, &st.grant, resource, range) else {
                    continue;
                };
                match st.grant.effect {
                    Effect::Deny => match st.applies(Who::Anyone) {
                        Applies::Anyone if st.grant.conditions.is_empty() => {
                            denied.union_with(&actions)
                        }
                        Applies::No => {}
                        _ => conditional_denies.push(&st.grant),
                    },
                    Effect::Allow if !st.not_principal => {
                        for g in &st.grantees {
                            if !matches!(
                                g,
                                Grantee::Service { .. }
                                    | Grantee::External { .. }
                                    | Grantee::Unknown { .. }
                            ) {
                                continue;
                            }
                            let at = match by_grantee.iter().position(|(x, _, _)| *x == g) {
                                Some(i) => i,
                                None => {
                                    by_grantee.push((g, Granted::empty(), Vec::new()));
                                    by_grantee.len() - 1
                                }
                            };
                            let (_, granted, via) = &mut by_grantee[at];
                            granted.add(&actions, !st.grant.conditions.is_empty());
                            via.push((&st.grant, actions.clone()));
                        }
                    }
                    Effect::Allow => {}
                }
            }
        }
        by_grantee
            .into_iter()
            .filter_map(|(g, mut granted, via)| {
                granted.subtract(&denied);
                let allowed = finish(
                    granted,
                    via,
                    conditional_denies.clone(),
                    false,
                    unread_policies.clone(),
                );
                let allowed = Allowed {
                    via: allowed
                        .via
                        .iter()
                        .copied()
                        .filter(|v| v.actions.iter().any(|i| allowed.actions.contains(i)))
                        .collect(),
                    ..allowed
                };
                (!allowed.actions.is_empty()).then_some((g, allowed))
            })
            .collect()
    }

    fn evaluate(
        &self,
        model: &Model,
        principal: usize,
        resource: usize,
        service: Option<&str>,
        with_resource_policies: bool,
        with_anyone: bool,
    ) -> Allowed<'_> {
        let idx = index();
        let range = service.and_then(|s| idx.service(s));
        let bounded = self
            .principals
            .get(&principal)
            .is_some_and(|p| !p.boundaries.is_empty());
        let mut identity = Granted::empty();
        let mut denied = ActionSet::empty(idx.len());
        let mut boundary = ActionSet::empty(idx.len());
        let mut via: Vec<(&Grant, ActionSet)> = Vec::new();
        let mut conditional_denies = Vec::new();
        for g in self.grants_of(principal) {
            let Some(actions) = restricted(model, g, resource, range) else {
                continue;
            };
            match (g.boundary, g.effect) {
                (true, Effect::Allow) => boundary.union_with(&actions),
                (_, Effect::Deny) if g.conditions.is_empty() => denied.union_with(&actions),
                (_, Effect::Deny) => conditional_denies.push(g),
                (false, Effect::Allow) => {
                    identity.add(&actions, !g.conditions.is_empty());
                    via.push((g, actions));
                }
            }
        }
        if bounded {
            identity.intersect_with(&boundary);
        }
        let mut public = ActionSet::empty(idx.len());
        let mut unread_policies = Vec::new();
        let mut total = identity.clone();
        if with_resource_policies {
            let who = Who::Principal {
                index: principal,
                bounded,
            };
            let is_key = model.resources[model.owner(resource)].kind == Kind::KmsKey;
            let mut named = Granted::empty();
            let mut anyone = Granted::empty();
            let mut delegated = Granted::empty();
            let mut delegating: Vec<(&Grant, ActionSet)> = Vec::new();
            let mut key_policies = 0;
            for p in self.policies_of(resource) {
                key_policies += 1;
                if p.unknown.is_some() {
                    unread_policies.push(p);
                }
                for st in &p.statements {
                    let Some(actions) = restricted(model, &st.grant, resource, range) else {
                        continue;
                    };
                    let conditional = !st.grant.conditions.is_empty();
                    match (st.grant.effect, st.applies(who)) {
                        (_, Applies::No) => {}
                        (Effect::Allow, Applies::Maybe) => {}
                        (Effect::Allow, Applies::Named) => {
                            named.add(&actions, conditional);
                            via.push((&st.grant, actions));
                        }
                        (Effect::Allow, Applies::Anyone) => {
                            if with_anyone {
                                anyone.add(&actions, conditional);
                                if st.public {
                                    public.union_with(&actions);
                                }
                                via.push((&st.grant, actions));
                            }
                        }
                        (Effect::Allow, Applies::Root) => {
                            delegated.add(&actions, conditional);
                            delegating.push((&st.grant, actions));
                        }
                        (Effect::Deny, Applies::Maybe) => conditional_denies.push(&st.grant),
                        (Effect::Deny, _) if conditional => conditional_denies.push(&st.grant),
                        (Effect::Deny, _) => denied.union_with(&actions),
                    }
                }
            }
            if is_key {
                if key_policies == 0 {
                    // AWS's default key policy: the account root may do kms:*.
                    let kms = idx
                        .service("kms")
                        .map(|r| ActionSet::full(idx.len()).restrict(r))
                        .unwrap_or_else(|| ActionSet::empty(idx.len()));
                    delegated.add(&kms, false);
                } else if !unread_policies.is_empty() {
                    // A key policy that cannot be read may or may not trust IAM.
                    delegated.add(&ActionSet::full(idx.len()), true);
                }
                total.intersect_granted(&delegated);
                if !total.all.is_empty() {
                    via.extend(
                        delegating
                            .into_iter()
                            .filter(|(_, a)| a.iter().any(|i| total.all.contains(i))),
                    );
                }
            }
            let role = model.resources[principal].kind == Kind::IamRole;
            if bounded && role {
                named.intersect_with(&boundary);
            }
            total.union_with(&named);
            total.union_with(&anyone);
        }
        total.subtract(&denied);
        public.intersect_with(&total.all);
        // Keep the statements that grant some action still allowed (for KMS, the identity
        // statements when the key policy delegates those actions).
        let via = via
            .into_iter()
            .filter(|(_, a)| a.iter().any(|i| total.all.contains(i)))
            .collect();
        finish(
            total,
            via,
            conditional_denies,
            !public.is_empty(),
            unread_policies,
        )
    }
}

/// The actions of a statement on a resource (within a service's range), or `None` when it does
/// not cover the resource or names none of those actions.
fn restricted(
    model: &Model,
    g: &Grant,
    resource: usize,
    range: Option<(u32, u32)>,
) -> Option<ActionSet> {
    // The cheap test first: most statements are about other services.
    let actions = match range {
        Some(r) => g.actions.restrict(r),
        None => g.actions.clone(),
    };
    if actions.is_empty() || !g.covers(model, resource) {
        return None;
    }
    Some(actions)
}

fn finish<'a>(
    granted: Granted,
    via: Vec<(&'a Grant, ActionSet)>,
    conditional_denies: Vec<&'a Grant>,
    public: bool,
    unread_policies: Vec<&'a ResourcePolicy>,
) -> Allowed<'a> {
    let mut unconditional = granted.unconditional;
    unconditional.intersect_with(&granted.all);
    Allowed {
        conditional: !granted.all.is_empty() && unconditional.is_empty(),
        actions: granted.all,
        via: via.into_iter().map(|(g, _)| g).collect(),
        conditional_denies,
        public,
        unread_policies,
    }
}

impl Access {
    /// The Allow statements that let `principal` perform `action` on some resource, unless an
    /// unconditional Deny of the action on every resource (`*`) or a boundary rules it out.
    /// This is the question privilege escalation asks: can this principal call this API at all?
    pub fn allows_action(&self, principal: usize, action: &str) -> Vec<&Grant> {
        let idx = index();
        let Some(id) = idx.id(action) else {
            return Vec::new();
        };
        let mut allows = Vec::new();
        let mut denied = false;
        let mut bounded = None::<bool>;
        for g in self.grants_of(principal) {
            if !g.actions.contains(id) {
                if g.boundary {
                    bounded.get_or_insert(false);
                }
                continue;
            }
            let everywhere = !g.not_resource && g.targets.iter().any(|t| matches!(t, Target::Any));
            match (g.boundary, g.effect) {
                (true, Effect::Allow) => bounded = Some(true),
                (true, Effect::Deny) => {}
                (false, Effect::Deny) => denied |= everywhere && g.conditions.is_empty(),
                (false, Effect::Allow) => allows.push(g),
            }
        }
        let has_boundary = self
            .principals
            .get(&principal)
            .is_some_and(|p| !p.boundaries.is_empty());
        if denied || (has_boundary && bounded != Some(true)) {
            return Vec::new();
        }
        allows
    }
}

/// Access levels present in a set of actions.
pub fn levels(actions: &ActionSet) -> Vec<AccessLevel> {
    let idx = index();
    let mut out: Vec<AccessLevel> = actions.iter().map(|i| idx.levels[i as usize]).collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod index_tests {
    #[test]
    fn every_service_range_holds_its_actions_and_is_found() {
        let idx = super::index();
        let ranges = super::catalog::action_ranges();
        assert!(ranges.windows(2).all(|w| w[0].0 < w[1].0));
        for &(prefix, lo, hi) in ranges {
            assert_eq!(idx.service(prefix), Some((lo, hi)), "{prefix}");
            for i in lo..hi {
                let name = idx.names[i as usize].to_ascii_lowercase();
                assert_eq!(name.split(':').next(), Some(prefix));
                assert_eq!(idx.id(&name), Some(i));
            }
        }
        assert!(idx.service("s3").is_some() && idx.service("s3-outposts").is_some());
        assert_eq!(
            ranges.iter().map(|r| (r.2 - r.1) as usize).sum::<usize>(),
            idx.len()
        );
    }
}
