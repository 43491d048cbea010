//! What each customer-managed key in the tree allows: rotation, key policy, grants, users.

use super::defaults;
use super::stores::{alias_target, setting, unsettled, Setting};
use super::{Evidence, StoreEncryption};
use crate::iam::access::{self, Access, ActionSet, Grant, Target};
use crate::iam::policy::{self, wildcard_match, Condition, Effect, SetQualifier, Statement};
use crate::model::Kind;
use crate::model::{Model, Part, Prop, Symbol, Value};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The uses of a key that expose the data it protects.
pub const USE_ACTIONS: &[&str] = &[
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
];

/// Whether a key rotates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Rotation {
    Enabled {
        period_days: Option<u32>,
    },
    Disabled,
    /// Asymmetric and HMAC keys cannot rotate automatically.
    NotSupported {
        spec: String,
    },
    Unknown {
        reason: String,
    },
}

/// Where the key policy comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KeyPolicy {
    /// A document in the tree: the key's own attribute or a key policy resource.
    InTree { resource: usize, attribute: String },
    /// No policy in the tree: AWS's default key policy (root `kms:*`, delegating to IAM).
    Default,
    /// A policy the code does not settle.
    Unknown { reason: String },
}

/// Who a key policy statement or grant names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PrincipalRef {
    /// `*`.
    Anyone,
    /// The key's own account (its root): delegation to IAM.
    AccountRoot,
    /// A role or user of the tree.
    InTree {
        index: usize,
    },
    /// An ARN in this account that names nothing in the tree.
    SameAccount {
        arn: String,
    },
    /// A literal account or ARN: another account, or one the tree cannot tell from its own.
    OtherAccount {
        arn: String,
    },
    Service {
        name: String,
    },
    Federated {
        id: String,
    },
    /// A principal the code does not settle (a parameter without default, …).
    Unknown {
        value: Value,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyPrincipal {
    pub principal: PrincipalRef,
    /// The principal as written, symbols shown as `${account}`.
    pub text: String,
}

/// One statement of a key policy, summarized.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyStatement {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principals: Vec<KeyPrincipal>,
    /// `NotPrincipal`.
    pub not_principal: bool,
    /// Action patterns as written.
    pub actions: Vec<String>,
    pub not_action: bool,
    /// The use actions ([`USE_ACTIONS`]) the statement covers.
    pub uses: Vec<String>,
    /// An Allow to the account root covering use actions: their use is delegated to IAM.
    pub delegates_to_iam: bool,
    /// Every condition key (as written).
    pub conditions: Vec<String>,
    /// `kms:EncryptionContext:*` / `kms:EncryptionContextKeys` condition keys.
    pub encryption_context: Vec<String>,
    /// An encryption context must be present for the statement to apply.
    pub context_required: bool,
    pub evidence: Evidence,
}

/// An `aws_kms_grant` on the key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyGrant {
    pub grant: usize,
    pub grantee: KeyPrincipal,
    pub operations: Vec<String>,
    /// Keys of `encryption_context_equals` / `encryption_context_subset` constraints.
    pub encryption_context: Vec<String>,
    pub evidence: Evidence,
}

/// How a principal gets to use the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UseVia {
    /// A key policy statement names the principal.
    KeyPolicy { statement: usize },
    /// The key policy delegates to IAM and the principal's identity policies allow the use.
    Iam,
    /// An `aws_kms_grant`.
    Grant { grant: usize },
}

/// A principal of the tree that can use the key for Decrypt / GenerateDataKey*.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyUser {
    pub principal: usize,
    pub via: UseVia,
    /// The use actions allowed.
    pub actions: Vec<String>,
    /// Allowed through a statement whose resource is `*` (or every key): with delegation to
    /// IAM this makes the key policy unscoped (`kms.key-policy.scoped`).
    pub wildcard_resource: bool,
    /// Every granting statement carries conditions.
    pub conditional: bool,
    /// Encryption-context condition keys on the granting statements (key policy or identity).
    pub encryption_context: Vec<String>,
    /// Every path to the use requires an encryption context.
    pub context_required: bool,
    pub evidence: Vec<Evidence>,
}

/// Everything the tree says about one customer-managed key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyFacts {
    pub key: usize,
    /// `kms.alias` resources pointing at the key.
    pub aliases: Vec<usize>,
    /// `SYMMETRIC_DEFAULT`, `RSA_2048`, …, or the unsettled value as text.
    pub spec: String,
    pub rotation: Rotation,
    pub rotation_evidence: Vec<Evidence>,
    pub policy: KeyPolicy,
    pub policy_evidence: Evidence,
    /// Some statement (or the default policy) lets the account root use the key: IAM decides.
    /// `None` when the policy is not settled.
    pub delegates_to_iam: Option<bool>,
    pub statements: Vec<PolicyStatement>,
    pub grants: Vec<KeyGrant>,
    pub users: Vec<KeyUser>,
    /// Data stores this key protects (from [`super::protection`]).
    pub stores: Vec<usize>,
    pub notes: Vec<String>,
}

impl KeyFacts {
    /// Users whose grant names `*` (or every key) as resource.
    pub fn wildcard_users(&self) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .users
            .iter()
            .filter(|u| u.wildcard_resource)
            .map(|u| u.principal)
            .collect();
        out.dedup();
        out
    }
}

fn use_ids() -> Vec<(u32, &'static str)> {
    let idx = access::index();
    USE_ACTIONS
        .iter()
        .filter_map(|a| idx.id(a).map(|i| (i, *a)))
        .collect()
}

fn uses_in(set: &ActionSet) -> Vec<String> {
    use_ids()
        .into_iter()
        .filter(|(i, _)| set.contains(*i))
        .map(|(_, a)| a.to_string())
        .collect()
}

fn is_context_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("kms:encryptioncontext:") || k == "kms:encryptioncontextkeys"
}

/// Does this condition require an encryption context to be present? `IfExists` and
/// `ForAllValues` are true when the key is absent; `Null: false` requires it.
fn requires_context(c: &Condition) -> bool {
    if !is_context_key(&c.key) {
        return false;
    }
    if c.operator.eq_ignore_ascii_case("Null") {
        return c.values.iter().all(|v| v.as_bool() == Some(false));
    }
    !c.if_exists && c.set != Some(SetQualifier::ForAllValues)
}

fn context_keys(conds: &[Condition]) -> Vec<String> {
    let mut out: Vec<String> = conds
        .iter()
        .filter(|c| is_context_key(&c.key))
        .map(|c| c.key.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Roles and users of the tree by (unit, name), for ARNs written as text.
struct Names<'m> {
    by_name: HashMap<(&'m str, &'m str), usize>,
}

impl<'m> Names<'m> {
    fn new(model: &'m Model) -> Names<'m> {
        let mut by_name = HashMap::new();
        for (i, r) in model.resources.iter().enumerate() {
            if r.facet.is_some() || !matches!(r.kind, Kind::IamRole | Kind::IamUser) {
                continue;
            }
            let name = match r.kind {
                Kind::IamRole => Prop::IamRoleRoleName,
                _ => Prop::IamUserUserName,
            };
            if let Some(Setting {
                value: std::borrow::Cow::Borrowed(v),
                ..
            }) = setting(model, i, name)
            {
                if let Some(n) = v.as_str() {
                    by_name.entry((r.unit.as_str(), n)).or_insert(i);
                }
            }
        }
        Names { by_name }
    }
}

fn principal_index(model: &Model, unit: &str, target: &str) -> Option<usize> {
    let i = model.index_of(unit, target)?;
    let i = model.owner(i);
    matches!(model.resources[i].kind, Kind::IamRole | Kind::IamUser).then_some(i)
}

fn classify(model: &Model, names: &Names, unit: &str, kind: &str, id: &Value) -> KeyPrincipal {
    let written = id.written();
    let principal = match kind {
        "*" => PrincipalRef::Anyone,
        "Service" => PrincipalRef::Service {
            name: written.clone(),
        },
        "Federated" => PrincipalRef::Federated {
            id: written.clone(),
        },
        "AWS" => match id {
            Value::String(s) if s == "*" => PrincipalRef::Anyone,
            Value::String(s) => PrincipalRef::OtherAccount { arn: s.to_string() },
            Value::Symbol(Symbol::AccountId) => PrincipalRef::AccountRoot,
            Value::Ref(r) => match principal_index(model, unit, &r.resource) {
                Some(index) => PrincipalRef::InTree { index },
                None => PrincipalRef::SameAccount {
                    arn: written.clone(),
                },
            },
            Value::Template(parts) => {
                if parts.iter().any(|p| matches!(p, Part::Unknown(_))) {
                    PrincipalRef::Unknown { value: id.clone() }
                } else if let Some(r) = parts.iter().find_map(|p| match p {
                    Part::Ref(r) => Some(r),
                    _ => None,
                }) {
                    match principal_index(model, unit, &r.resource) {
                        Some(index) => PrincipalRef::InTree { index },
                        None => PrincipalRef::SameAccount {
                            arn: written.clone(),
                        },
                    }
                } else if parts
                    .iter()
                    .any(|p| matches!(p, Part::Symbol(Symbol::AccountId)))
                {
                    let rest = written.rsplit(':').next().unwrap_or("");
                    if rest == "root" || written == "${account}" {
                        PrincipalRef::AccountRoot
                    } else {
                        let name = rest.rsplit('/').next().unwrap_or("");
                        let is_named = rest.starts_with("role/") || rest.starts_with("user/");
                        match names.by_name.get(&(unit, name)) {
                            Some(&index) if is_named => PrincipalRef::InTree { index },
                            _ => PrincipalRef::SameAccount {
                                arn: written.clone(),
                            },
                        }
                    }
                } else {
                    PrincipalRef::OtherAccount {
                        arn: written.clone(),
                    }
                }
            }
            other => PrincipalRef::Unknown {
                value: other.clone(),
            },
        },
        _ => PrincipalRef::Unknown { value: id.clone() },
    };
    KeyPrincipal {
        principal,
        text: written,
    }
}

fn action_set(st: &Statement) -> ActionSet {
    let idx = access::index();
    let mut set = ActionSet::empty(idx.len());
    if let Some(spec) = &st.action {
        for p in &spec.patterns {
            set.union_with(&idx.expand(p));
        }
        if spec.negated {
            set = set.complement(idx.len());
        }
    }
    set
}

fn summarize(
    model: &Model,
    names: &Names,
    holder: usize,
    attribute: &str,
    st: &Statement,
) -> PolicyStatement {
    let unit = model.resources[holder].unit.as_str();
    let (principals, not_principal) = match &st.principal {
        Some(spec) => (
            spec.principals
                .iter()
                .map(|p| classify(model, names, unit, &p.kind, &p.id))
                .collect::<Vec<_>>(),
            spec.negated,
        ),
        None => (Vec::new(), false),
    };
    let set = action_set(st);
    let uses = uses_in(&set);
    let delegates_to_iam = st.effect == Effect::Allow
        && !not_principal
        && !uses.is_empty()
        && principals
            .iter()
            .any(|p| p.principal == PrincipalRef::AccountRoot);
    let mut conditions: Vec<String> = st.conditions.iter().map(|c| c.key.clone()).collect();
    conditions.sort();
    conditions.dedup();
    let path = format!("{attribute}.Statement[{}]", st.index);
    PolicyStatement {
        index: st.index,
        sid: st.sid.clone(),
        effect: st.effect,
        principals,
        not_principal,
        actions: st
            .action
            .as_ref()
            .map(|a| a.patterns.clone())
            .unwrap_or_default(),
        not_action: st.action.as_ref().is_some_and(|a| a.negated),
        uses,
        delegates_to_iam,
        conditions,
        encryption_context: context_keys(&st.conditions),
        context_required: st.conditions.iter().any(requires_context),
        evidence: Evidence::at(model, holder, &path),
    }
}

/// Does an ARN pattern name every key (`arn:aws:kms:*:*:key/*`)?
fn pattern_names_every_key(arn: &str) -> bool {
    if arn == "*" {
        return true;
    }
    let p: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == 6
        && wildcard_match(p[2], "kms", true)
        && wildcard_match(p[5], "key/\u{2}", false)
        && wildcard_match(p[5], "key/\u{3}", false)
}

fn grant_is_wildcard(g: &Grant) -> bool {
    g.not_resource
        || g.targets.iter().any(|t| match t {
            Target::Any => true,
            Target::Pattern { arn } => pattern_names_every_key(arn),
            _ => false,
        })
}

fn grant_evidence(model: &Model, g: &Grant) -> Evidence {
    let mut e = match g.source.span {
        Some(span) => Evidence {
            resource: g.principal,
            attribute: format!("{}.Statement[{}]", g.source.attribute, g.source.statement),
            span,
            note: None,
            unknown: None,
        },
        None => Evidence::at(model, g.principal, ""),
    };
    e.note = Some(match &g.source.sid {
        Some(sid) => format!("{} ({sid})", g.source.policy),
        None => g.source.policy.clone(),
    });
    e
}

struct KeyPolicyRead {
    policy: KeyPolicy,
    evidence: Evidence,
    statements: Vec<PolicyStatement>,
}

fn read_policy(model: &Model, names: &Names, key: usize) -> KeyPolicyRead {
    let Some(Setting {
        holder,
        path: attribute,
        value,
    }) = setting(model, key, Prop::KmsKeyKeyPolicy)
    else {
        let (_, row) = defaults::of_prop(model, key, Prop::KmsKeyKeyPolicy);
        let note = match row {
            Some(d) => d.note(),
            None => "default key policy: delegates to IAM".to_string(),
        };
        return KeyPolicyRead {
            policy: KeyPolicy::Default,
            evidence: Evidence::at(model, key, "").noted(note),
            statements: Vec::new(),
        };
    };
    let value = value.as_ref();
    let doc = policy::parse(value);
    let evidence = Evidence::at(model, holder, &attribute).valued(value);
    if let Some(u) = &doc.unknown {
        return KeyPolicyRead {
            policy: KeyPolicy::Unknown {
                reason: unsettled(&attribute, u),
            },
            evidence,
            statements: Vec::new(),
        };
    }
    let statements = doc
        .statements
        .iter()
        .map(|st| summarize(model, names, holder, &attribute, st))
        .collect();
    KeyPolicyRead {
        policy: KeyPolicy::InTree {
            resource: holder,
            attribute,
        },
        evidence,
        statements,
    }
}

fn read_rotation(model: &Model, key: usize) -> (String, Rotation, Vec<Evidence>) {
    let mut evidence = Vec::new();
    let spec = match setting(model, key, Prop::KmsKeyKeySpec) {
        Some(Setting {
            holder,
            path,
            value,
        }) => {
            evidence.push(Evidence::at(model, holder, &path).valued(&value));
            match value.as_ref() {
                Value::String(s) => Ok(s.to_string()),
                v => Err(unsettled(&path, v)),
            }
        }
        None => Ok(model
            .prop(key, Prop::KmsKeyKeySpec)
            .and_then(|f| f.as_str().map(str::to_string))
            .unwrap_or_else(|| "SYMMETRIC_DEFAULT".to_string())),
    };
    let spec_text = match &spec {
        Ok(s) => s.clone(),
        Err(reason) => reason.clone(),
    };
    if let Ok(s) = &spec {
        if s != "SYMMETRIC_DEFAULT" {
            return (
                spec_text,
                Rotation::NotSupported { spec: s.clone() },
                evidence,
            );
        }
    }
    let rotation = match setting(model, key, Prop::KmsKeyEnableKeyRotation) {
        Some(Setting {
            holder,
            path,
            value,
        }) => {
            evidence.push(Evidence::at(model, holder, &path).valued(&value));
            match value.as_bool() {
                Some(true) => {
                    let period = match setting(model, key, Prop::KmsKeyRotationPeriodInDays) {
                        Some(p) => {
                            evidence.push(Evidence::at(model, p.holder, &p.path).valued(&p.value));
                            p.value.as_f64().map(|n| n as u32)
                        }
                        None => {
                            let found = model.prop(key, Prop::KmsKeyRotationPeriodInDays);
                            if let Some(note) = found.as_ref().and_then(defaults::note_of) {
                                evidence.push(Evidence::at(model, key, "").noted(note));
                            }
                            found.and_then(|f| f.value.as_f64()).map(|n| n as u32)
                        }
                    };
                    Rotation::Enabled {
                        period_days: period,
                    }
                }
                Some(false) => Rotation::Disabled,
                None => Rotation::Unknown {
                    reason: unsettled(&path, &value),
                },
            }
        }
        None => {
            let note = model
                .prop(key, Prop::KmsKeyEnableKeyRotation)
                .as_ref()
                .and_then(defaults::note_of)
                .unwrap_or_else(|| "provider default: rotation off".into());
            evidence.push(Evidence::at(model, key, "").noted(note));
            Rotation::Disabled
        }
    };
    let rotation = match (spec, rotation) {
        (Err(reason), Rotation::Enabled { .. }) => Rotation::Unknown {
            reason: format!("rotation is enabled but the key spec is not settled: {reason}"),
        },
        (_, rot) => rot,
    };
    (spec_text, rotation, evidence)
}

fn read_grants(model: &Model, names: &Names, key: usize) -> Vec<KeyGrant> {
    let key_res = &model.resources[key];
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.kind != Kind::KmsGrant || r.unit != key_res.unit {
            continue;
        }
        let key_id = model.prop_set(i, Prop::KmsGrantKeyId);
        let target = match key_id.as_ref().map(|f| f.value.as_ref()) {
            Some(Value::Ref(t)) => model.index_of(&r.unit, &t.resource),
            Some(Value::Template(parts)) => parts.iter().find_map(|p| match p {
                Part::Ref(t) => model.index_of(&r.unit, &t.resource),
                _ => None,
            }),
            _ => None,
        };
        let target = target.map(|t| match model.resources[t].kind {
            Kind::KmsAlias => alias_target(model, t).unwrap_or(t),
            _ => t,
        });
        if target != Some(key) {
            continue;
        }
        let grantee = match model.prop_set(i, Prop::KmsGrantGranteePrincipal) {
            Some(f) => classify(model, names, &r.unit, "AWS", &f.value),
            None => KeyPrincipal {
                principal: PrincipalRef::Unknown { value: Value::Null },
                text: String::new(),
            },
        };
        let mut operations: Vec<String> = model
            .prop_set(i, Prop::KmsGrantOperations)
            .and_then(|f| {
                f.value.as_list().map(|l| {
                    l.iter()
                        .filter_map(Value::as_str)
                        .map(|s| format!("kms:{s}"))
                        .collect()
                })
            })
            .unwrap_or_default();
        operations.sort();
        let mut context = Vec::new();
        for c in [
            Prop::KmsGrantEncryptionContextEquals,
            Prop::KmsGrantEncryptionContextSubset,
        ] {
            for f in model.props(i, c) {
                if let Value::Map(m) = f.value.as_ref() {
                    context.extend(m.keys().map(|k| k.to_string()));
                }
            }
        }
        context.sort();
        context.dedup();
        out.push(KeyGrant {
            grant: i,
            grantee,
            operations,
            encryption_context: context,
            evidence: Evidence::at(model, i, ""),
        });
    }
    out
}

/// The facts of every `kms.key` in the model, in model order.
pub fn keys(model: &Model, access: &Access) -> Vec<KeyFacts> {
    let stores = super::protection(model);
    keys_with(model, access, &stores)
}

pub(crate) fn keys_with(
    model: &Model,
    access: &Access,
    stores: &[StoreEncryption],
) -> Vec<KeyFacts> {
    let names = Names::new(model);
    let mut aliases: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.kind == Kind::KmsAlias {
            if let Some(k) = alias_target(model, i) {
                aliases.entry(k).or_default().push(i);
            }
        }
    }
    // The roles and users whose identity policies reach each key (by reference, by `*`, or by
    // an ARN pattern naming every key), so that delegation is evaluated for those pairs only.
    let key_set: BTreeSet<usize> = model
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.facet.is_none() && r.kind == Kind::KmsKey)
        .map(|(i, _)| i)
        .collect();
    // No key, no facts: the action index (and the IAM catalog under it) is not loaded.
    if key_set.is_empty() {
        return Vec::new();
    }
    let ids = use_ids();
    let mut out = Vec::new();
    let reach = crate::iam::reach::Reach::new(model, access, |r| r.kind == Kind::KmsKey);
    let among = reach.prepare(&key_set);
    let mut users_of: HashMap<usize, Vec<usize>> = HashMap::new();
    for &p in access.principals.keys() {
        if !matches!(model.resources[p].kind, Kind::IamRole | Kind::IamUser) {
            continue;
        }
        let every_key = access.grants_of(p).any(|g| {
            !g.boundary
                && g.effect == Effect::Allow
                && !g.not_resource
                && g.targets
                    .iter()
                    .any(|t| matches!(t, Target::Pattern { arn } if pattern_names_every_key(arn)))
        });
        let reached: Vec<usize> = if every_key {
            key_set.iter().copied().collect()
        } else {
            reach.identity_reachable_in(model, access, p, &among)
        };
        for k in reached {
            users_of.entry(k).or_default().push(p);
        }
    }
    for (key, r) in model.resources.iter().enumerate() {
        if r.kind != Kind::KmsKey || r.facet.is_some() {
            continue;
        }
        let (spec, rotation, rotation_evidence) = read_rotation(model, key);
        let read = read_policy(model, &names, key);
        let grants = read_grants(model, &names, key);
        let mut notes = Vec::new();
        if let Rotation::NotSupported { spec } = &rotation {
            notes.push(format!(
                "{spec} keys cannot rotate automatically: rotation does not apply"
            ));
        }

        // Which use actions the key policy delegates to IAM, and through which statements.
        let delegated: Vec<(u32, Vec<&PolicyStatement>)> = match read.policy {
            KeyPolicy::Default => ids.iter().map(|(i, _)| (*i, Vec::new())).collect(),
            KeyPolicy::InTree { .. } => ids
                .iter()
                .map(|(i, a)| {
                    let by: Vec<&PolicyStatement> = read
                        .statements
                        .iter()
                        .filter(|s| s.delegates_to_iam && s.uses.iter().any(|u| u == a))
                        .collect();
                    (*i, by)
                })
                .filter(|(_, by)| !by.is_empty())
                .collect(),
            KeyPolicy::Unknown { .. } => Vec::new(),
        };
        let delegates_to_iam = match read.policy {
            KeyPolicy::Default => Some(true),
            KeyPolicy::InTree { .. } => Some(!delegated.is_empty()),
            KeyPolicy::Unknown { .. } => None,
        };
        match &read.policy {
            KeyPolicy::Default => notes.push("default key policy: delegates to IAM".into()),
            KeyPolicy::InTree { .. } if delegates_to_iam == Some(true) => {
                let full = read.statements.iter().any(|s| {
                    s.delegates_to_iam
                        && s.conditions.is_empty()
                        && s.actions.iter().any(|a| a == "kms:*" || a == "*")
                });
                notes.push(if full {
                    "the key policy gives the account root kms:*: key use is delegated to IAM"
                        .into()
                } else {
                    "the key policy lets the account root use the key: IAM policies decide who may"
                        .into()
                });
            }
            KeyPolicy::Unknown { reason } => notes.push(format!(
                "the key policy is not settled ({reason}): who may use the key is open"
            )),
            _ => {}
        }

        let mut users = Vec::new();
        // Direct: key policy statements naming a role or user of the tree.
        for s in &read.statements {
            if s.effect != Effect::Allow || s.not_principal || s.uses.is_empty() {
                continue;
            }
            for p in &s.principals {
                if let PrincipalRef::InTree { index } = p.principal {
                    users.push(KeyUser {
                        principal: index,
                        via: UseVia::KeyPolicy { statement: s.index },
                        actions: s.uses.clone(),
                        wildcard_resource: false,
                        conditional: !s.conditions.is_empty(),
                        encryption_context: s.encryption_context.clone(),
                        context_required: s.context_required,
                        evidence: vec![s.evidence.clone()],
                    });
                }
            }
        }
        // Grants to roles or users of the tree.
        for g in &grants {
            let PrincipalRef::InTree { index } = g.grantee.principal else {
                continue;
            };
            let actions: Vec<String> = USE_ACTIONS
                .iter()
                .filter(|a| g.operations.iter().any(|o| o == *a))
                .map(|a| a.to_string())
                .collect();
            if actions.is_empty() {
                continue;
            }
            users.push(KeyUser {
                principal: index,
                via: UseVia::Grant { grant: g.grant },
                actions,
                wildcard_resource: false,
                conditional: !g.encryption_context.is_empty(),
                encryption_context: g.encryption_context.clone(),
                context_required: !g.encryption_context.is_empty(),
                evidence: vec![g.evidence.clone()],
            });
        }
        // Through IAM, when the key policy delegates.
        if !delegated.is_empty() {
            for &p in users_of.get(&key).into_iter().flatten() {
                let allowed = access.allowed(model, p, key, Some("kms"));
                let mut via: Vec<&Grant> = allowed.via.clone();
                let mut actions = allowed.actions.clone();
                // ARN patterns naming every key: the tree's keys have no ARN to match.
                for g in access.grants_of(p) {
                    if g.boundary || g.effect != Effect::Allow || g.not_resource {
                        continue;
                    }
                    let every_key = g.targets.iter().any(
                        |t| matches!(t, Target::Pattern { arn } if pattern_names_every_key(arn)),
                    );
                    if every_key && !via.iter().any(|v| std::ptr::eq(*v, g)) {
                        actions.union_with(&g.actions);
                        via.push(g);
                    }
                }
                let granted: Vec<(u32, &'static str)> = ids
                    .iter()
                    .copied()
                    .filter(|(i, _)| actions.contains(*i) && delegated.iter().any(|(d, _)| d == i))
                    .collect();
                if granted.is_empty() {
                    continue;
                }
                let via: Vec<&Grant> = via
                    .into_iter()
                    .filter(|g| granted.iter().any(|(i, _)| g.actions.contains(*i)))
                    .collect();
                let delegating: Vec<&PolicyStatement> = delegated
                    .iter()
                    .filter(|(i, _)| granted.iter().any(|(g, _)| g == i))
                    .flat_map(|(_, by)| by.iter().copied())
                    .collect();
                let mut context: Vec<String> = via
                    .iter()
                    .flat_map(|g| context_keys(&g.conditions))
                    .chain(delegating.iter().flat_map(|s| s.encryption_context.clone()))
                    .collect();
                context.sort();
                context.dedup();
                let identity_requires = !via.is_empty()
                    && via
                        .iter()
                        .all(|g| g.conditions.iter().any(requires_context));
                let policy_requires =
                    !delegating.is_empty() && delegating.iter().all(|s| s.context_required);
                let conditional = (!via.is_empty() && via.iter().all(|g| !g.conditions.is_empty()))
                    || (!delegating.is_empty()
                        && delegating.iter().all(|s| !s.conditions.is_empty()));
                let mut evidence: Vec<Evidence> =
                    via.iter().map(|g| grant_evidence(model, g)).collect();
                evidence.extend(delegating.iter().map(|s| s.evidence.clone()));
                if matches!(read.policy, KeyPolicy::Default) {
                    evidence.push(read.evidence.clone());
                }
                evidence.sort();
                evidence.dedup();
                users.push(KeyUser {
                    principal: p,
                    via: UseVia::Iam,
                    actions: granted.iter().map(|(_, a)| a.to_string()).collect(),
                    wildcard_resource: via.iter().any(|g| grant_is_wildcard(g)),
                    conditional,
                    encryption_context: context,
                    context_required: identity_requires || policy_requires,
                    evidence,
                });
            }
            notes.push(
                "key use is delegated to IAM: principals outside the tree holding kms:Decrypt or \
                 kms:GenerateDataKey* on this key or on * are not visible in the code"
                    .into(),
            );
        }
        users.sort_by_key(|a| (a.principal, a.via));
        let wild: Vec<String> = users
            .iter()
            .filter(|u| u.wildcard_resource)
            .map(|u| model.resources[u.principal].address.clone())
            .collect();
        if !wild.is_empty() {
            notes.push(format!(
                "principals allowed to use every key (resource *) while the key policy delegates to IAM: {}",
                wild.join(", ")
            ));
        }
        let mut protected: Vec<usize> = stores
            .iter()
            .filter(|s| s.key.tree_key() == Some(key))
            .map(|s| s.store)
            .collect();
        protected.sort_unstable();
        protected.dedup();
        out.push(KeyFacts {
            key,
            aliases: aliases.get(&key).cloned().unwrap_or_default(),
            spec,
            rotation,
            rotation_evidence,
            policy: read.policy,
            policy_evidence: read.evidence,
            delegates_to_iam,
            statements: read.statements,
            grants,
            users,
            stores: protected,
            notes,
        });
    }
    out
}
