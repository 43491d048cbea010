//! Effective access: for every principal, which actions it is allowed on which resources, by
//! which statements, under which conditions.
//!
//! AWS's evaluation logic, for identities in the same account: an explicit Deny wins; otherwise
//! an Allow is needed; a permissions boundary, when set, must allow too. Actions are expanded
//! against AWS's catalog into bit sets, so `s3:Get*` is exactly the actions it matches and set
//! operations are cheap. Statements keep their conditions: a conditional Allow is still a grant
//! (marked conditional), a conditional Deny is not assumed to apply.

use super::arn;
use super::catalog::{self, AccessLevel};
use super::policy::{Condition, Effect, Statement};
use super::principals::{self, HeldPolicy, PolicyKind, Principal};
use crate::model::{Model, Part, Value};
use crate::source::Span;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// Every action in the catalog, numbered, with per-service ranges.
pub struct ActionIndex {
    pub names: Vec<&'static str>,
    pub levels: Vec<AccessLevel>,
    lower: HashMap<String, u32>,
    services: HashMap<String, (u32, u32)>,
}

/// The action index, built once.
pub fn index() -> &'static ActionIndex {
    static INDEX: OnceLock<ActionIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut all: Vec<(&'static str, AccessLevel)> = catalog::expand("*")
            .into_iter()
            .map(|a| (a.name.as_str(), a.access_level))
            .collect();
        all.sort_by_key(|(n, _)| n.to_ascii_lowercase());
        all.dedup_by_key(|(n, _)| n.to_ascii_lowercase());
        let mut services: HashMap<String, (u32, u32)> = HashMap::new();
        let mut lower = HashMap::new();
        for (i, (name, _)) in all.iter().enumerate() {
            let l = name.to_ascii_lowercase();
            let service = l.split(':').next().unwrap_or("").to_string();
            let e = services.entry(service).or_insert((i as u32, i as u32 + 1));
            e.1 = i as u32 + 1;
            lower.insert(l, i as u32);
        }
        ActionIndex {
            names: all.iter().map(|(n, _)| *n).collect(),
            levels: all.iter().map(|(_, l)| *l).collect(),
            lower,
            services,
        }
    })
}

impl ActionIndex {
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn id(&self, action: &str) -> Option<u32> {
        self.lower.get(&action.to_ascii_lowercase()).copied()
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
            self.services.get(service).copied().into_iter().collect()
        };
        if !p.contains(['*', '?']) {
            if let Some(i) = self.lower.get(&p) {
                set.insert(*i);
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
        self.services.get(&prefix.to_ascii_lowercase()).copied()
    }
}

/// A set of actions, as a bit set over [`ActionIndex`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionSet {
    bits: Vec<u64>,
}

impl ActionSet {
    pub fn empty(n: usize) -> Self {
        ActionSet {
            bits: vec![0; n.div_ceil(64)],
        }
    }

    pub fn full(n: usize) -> Self {
        let mut s = ActionSet {
            bits: vec![u64::MAX; n.div_ceil(64)],
        };
        if n % 64 != 0 {
            if let Some(last) = s.bits.last_mut() {
                *last = (1u64 << (n % 64)) - 1;
            }
        }
        s
    }

    pub fn insert(&mut self, i: u32) {
        self.bits[i as usize / 64] |= 1 << (i % 64);
    }

    pub fn contains(&self, i: u32) -> bool {
        self.bits
            .get(i as usize / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    pub fn union_with(&mut self, other: &ActionSet) {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a |= b;
        }
    }

    pub fn subtract(&mut self, other: &ActionSet) {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a &= !b;
        }
    }

    pub fn intersect_with(&mut self, other: &ActionSet) {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a &= b;
        }
    }

    pub fn complement(&self, n: usize) -> ActionSet {
        let mut full = ActionSet::full(n);
        full.subtract(self);
        full
    }

    /// Keeps only the actions in `lo..hi`.
    pub fn restrict(&self, (lo, hi): (u32, u32)) -> ActionSet {
        let mut out = ActionSet {
            bits: vec![0; self.bits.len()],
        };
        for i in lo..hi {
            if self.contains(i) {
                out.insert(i);
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|w| *w == 0)
    }

    pub fn len(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.bits.iter().enumerate().flat_map(|(wi, w)| {
            (0..64u32)
                .filter(move |b| w & (1u64 << b) != 0)
                .map(move |b| wi as u32 * 64 + b)
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

/// One statement of one policy held by one principal.
#[derive(Debug, Clone)]
pub struct Grant {
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
    pub grants: Vec<Grant>,
    by_principal: HashMap<usize, Vec<usize>>,
    /// Compute resources and the role they run as.
    pub compute: Vec<(usize, usize)>,
}

/// The service whose actions act on a kind of resource.
pub fn service_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "s3.bucket" => "s3",
        "dynamodb.table" => "dynamodb",
        "kms.key" | "kms.alias" => "kms",
        "secretsmanager.secret" => "secretsmanager",
        "ssm.parameter" => "ssm",
        "sqs.queue" => "sqs",
        "sns.topic" => "sns",
        "kinesis.stream" => "kinesis",
        "lambda.function" => "lambda",
        "iam.role" | "iam.user" | "iam.group" | "iam.policy" => "iam",
        "logs.log-group" => "logs",
        "rds.instance" | "rds.cluster" => "rds",
        "efs.file-system" => "elasticfilesystem",
        "ecr.repository" => "ecr",
        "sfn.state-machine" => "states",
        _ => return None,
    })
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

/// What one principal may do to one resource.
#[derive(Debug, Clone)]
pub struct Allowed<'a> {
    pub actions: ActionSet,
    /// The Allow statements that grant some of those actions.
    pub via: Vec<&'a Grant>,
    /// True when every granting statement carries conditions.
    pub conditional: bool,
    /// Deny statements with conditions that may remove some actions.
    pub conditional_denies: Vec<&'a Grant>,
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
        Access {
            principals,
            grants,
            by_principal,
            compute: principals::compute_roles(model),
        }
    }

    pub fn grants_of(&self, principal: usize) -> impl Iterator<Item = &Grant> {
        self.by_principal
            .get(&principal)
            .into_iter()
            .flatten()
            .map(|i| &self.grants[*i])
    }

    /// The actions `principal` is allowed on `resource`, restricted to `service` when given.
    pub fn allowed(
        &self,
        model: &Model,
        principal: usize,
        resource: usize,
        service: Option<&str>,
    ) -> Allowed<'_> {
        let idx = index();
        let range = service.and_then(|s| idx.service(s));
        let mut allowed = ActionSet::empty(idx.len());
        let mut denied = ActionSet::empty(idx.len());
        let mut boundary: Option<ActionSet> = None;
        let mut via = Vec::new();
        let mut conditional_denies = Vec::new();
        let mut unconditional = false;
        for g in self.grants_of(principal) {
            if !g.covers(model, resource) {
                continue;
            }
            let actions = match range {
                Some(r) => g.actions.restrict(r),
                None => g.actions.clone(),
            };
            if actions.is_empty() {
                continue;
            }
            match (g.boundary, g.effect) {
                (true, Effect::Allow) => boundary
                    .get_or_insert_with(|| ActionSet::empty(idx.len()))
                    .union_with(&actions),
                (_, Effect::Deny) if g.conditions.is_empty() => denied.union_with(&actions),
                (_, Effect::Deny) => conditional_denies.push(g),
                (false, Effect::Allow) => {
                    allowed.union_with(&actions);
                    unconditional |= g.conditions.is_empty();
                    via.push(g);
                }
            }
        }
        let has_boundary = self
            .principals
            .get(&principal)
            .is_some_and(|p| !p.boundaries.is_empty());
        if has_boundary {
            allowed.intersect_with(&boundary.unwrap_or_else(|| ActionSet::empty(idx.len())));
        }
        allowed.subtract(&denied);
        Allowed {
            conditional: !via.is_empty() && !unconditional,
            actions: allowed,
            via,
            conditional_denies,
        }
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
