//! Key and encryption checks: encryption at rest, customer-managed keys, tenant-bound key use,
//! key rotation, key policies and the encryption of replicated data.
//!
//! Every check reads the KMS library's facts ([`crate::kms::protection`], [`crate::kms::keys`],
//! [`crate::kms::tenant_context`]); provider defaults come from `rules/defaults.tsv` through
//! them, and a detail that rests on one says "provider default".

use super::{no_params, Cause, Check, Facts, Finding, Outcome, Params};
use crate::iam::policy::{self, Condition, Effect};
use crate::kms::{
    self, AtRest, Evidence, KeyFacts, KeyKind, KeyPolicy, PrincipalRef, Rotation, StoreEncryption,
    TenantBinding, TenantKeying, UseVia,
};
use crate::model::Kind;
use crate::model::{Found, Model, Part, Prop, Symbol, Value};
use crate::network::util;
use crate::source::Span;
use std::collections::HashMap;

pub(super) fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "kms.store-encrypted",
            about: "each data store is encrypted at rest (its own setting, or the provider default when unset)",
            run: store_encrypted,
            validate: no_params,
        },
        Check {
            name: "kms.store-customer-key",
            about: "each data store is encrypted with a customer-managed KMS key declared in the tree (directly or through an alias), not an AWS-owned, AWS-managed or service key",
            run: store_customer_key,
            validate: no_params,
        },
        Check {
            name: "kms.tenant-context",
            about: "each DynamoDB table binds key use to the tenant: a key per tenant, or policies on the table's key that require an encryption context from every principal",
            run: tenant_context,
            validate: no_params,
        },
        Check {
            name: "kms.key-rotation",
            about: "each symmetric customer-managed key has automatic rotation enabled (asymmetric and HMAC keys cannot rotate and are out of scope)",
            run: key_rotation,
            validate: no_params,
        },
        Check {
            name: "kms.key-policy-scoped",
            about: "each key policy names specific principals: no `*` without a restricting condition, no other account without conditions, no service without a source condition, and no principal of the tree allowed to use every key while the policy delegates to IAM",
            run: key_policy_scoped,
            validate: no_params,
        },
        Check {
            name: "kms.replication-encrypted",
            about: "S3 replication rules and DynamoDB global-table replicas encrypt the replicas with a customer-managed KMS key",
            run: replication_encrypted,
            validate: no_params,
        },
    ]
}

// --- shared readers -----------------------------------------------------------------------

/// The stores of the model that are deployed. Aurora cluster members are left out: their
/// storage is the cluster's, which is a store of its own.
fn stores<'f>(facts: &'f Facts) -> impl Iterator<Item = &'f StoreEncryption> {
    facts.protection().iter().filter(|s| {
        let r = &facts.model.resources[s.store];
        util::deployed(r)
            && facts
                .model
                .prop_set(s.store, Prop::RdsInstanceDBClusterIdentifier)
                .is_none()
    })
}

fn address(model: &Model, i: usize) -> &str {
    &model.resources[i].address
}

/// The "provider default: …" note among the evidence, if a default decided it.
fn default_note(evidence: &[Evidence]) -> Option<&str> {
    evidence
        .iter()
        .filter_map(|e| e.note.as_deref())
        .find(|n| n.starts_with("provider default"))
}

/// The unknown behind an unsettled fact: the first evidence attribute whose value is not
/// known gives the cause; `reason` is the library's own sentence.
fn unknown_from_evidence(evidence: &[Evidence], reason: &str) -> Outcome {
    match evidence.iter().find_map(|e| e.unknown) {
        Some(u) => Outcome::unknown(Cause::from_reason(u), reason),
        None => Outcome::unknown(Cause::NotExpressible, reason),
    }
}

/// A key reference that names nothing in the tree: unknown with the value's own reason, or
/// outside the tree for a literal ARN.
fn external_key(value: &Value) -> Outcome {
    if value.first_unknown().is_some() {
        return Outcome::of_value(value);
    }
    Outcome::unknown(
        Cause::OutsideTree,
        format!(
            "the key {} is not declared in the scanned tree",
            show(value)
        ),
    )
}

/// A value as a reader sees it: literal text bare, symbols as `${account_id}`.
/// A key reference as a message shows it: the resource a template names, and the deployment's
/// own region in words.
fn show(v: &Value) -> String {
    match v {
        Value::Symbol(Symbol::Region) => "the deployment's own region".into(),
        Value::Template(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Ref(r) => format!("${{{}}}", r.resource),
                other => Value::Template(vec![other.clone()]).written(),
            })
            .collect(),
        other => other.written(),
    }
}

/// The key a store uses, in words.
fn key_words(model: &Model, key: &KeyKind, kind: Kind) -> String {
    match key {
        KeyKind::CustomerManaged { key } => {
            format!("the customer-managed key {}", address(model, *key))
        }
        KeyKind::Alias {
            alias,
            key: Some(k),
        } => format!(
            "the customer-managed key {} (through {})",
            address(model, *k),
            address(model, *alias)
        ),
        KeyKind::Alias { alias, key: None } => format!(
            "the key behind {} (declared outside the tree)",
            address(model, *alias)
        ),
        KeyKind::AwsManaged { alias } => format!("the AWS-managed key {alias}"),
        KeyKind::AwsOwned => "an AWS-owned key".into(),
        KeyKind::ServiceManaged => match kind {
            Kind::S3Bucket | Kind::CloudtrailTrail => "S3-managed keys (SSE-S3)".into(),
            Kind::SqsQueue => "SQS-managed keys (SSE-SQS)".into(),
            Kind::LogsLogGroup => "CloudWatch Logs' own keys".into(),
            _ => "keys the service manages itself".into(),
        },
        KeyKind::External { value } => format!("the key {}", show(value)),
        KeyKind::Unknown { .. } if kms::keyed_by_members(kind) => {
            "the keys its members name, each in its region".into()
        }
        KeyKind::Unknown { .. } => "a key the code does not settle".into(),
        KeyKind::None => "no key".into(),
    }
}

fn with_default(detail: String, evidence: &[Evidence]) -> String {
    let detail = match default_note(evidence) {
        Some(note) => format!("{detail} ({note})"),
        None => detail,
    };
    // A key named for storage left unencrypted: AWS refuses the pair, which the reader must know.
    match evidence
        .iter()
        .filter_map(|e| e.note.as_deref())
        .find(|n| n.starts_with(crate::kms::KEY_REFUSED))
    {
        Some(note) => format!("{detail}; {note}"),
        None => detail,
    }
}

fn spans(evidence: &[Evidence]) -> Vec<Span> {
    evidence.iter().map(|e| e.span).collect()
}

// --- kms.encryption-at-rest ----------------------------------------------------------------

fn store_encrypted(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    stores(facts)
        .map(|s| {
            let (outcome, detail) = match &s.at_rest {
                AtRest::Encrypted => (
                    Outcome::Pass,
                    with_default(
                        format!(
                            "encrypted at rest with {}",
                            key_words(model, &s.key, s.kind)
                        ),
                        &s.evidence,
                    ),
                ),
                AtRest::Unencrypted => (
                    Outcome::Fail,
                    with_default("not encrypted at rest".into(), &s.evidence),
                ),
                AtRest::Unknown { reason } => (
                    unknown_from_evidence(&s.evidence, reason),
                    "whether it is encrypted at rest is not settled".into(),
                ),
            };
            Finding::new(s.store, outcome, detail).at_all(spans(&s.evidence))
        })
        .collect()
}

// --- kms.customer-managed-keys -------------------------------------------------------------

fn store_customer_key(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    stores(facts)
        // A global database's key is each member's: the members answer for it, unless it is
        // not encrypted at all.
        .filter(|s| !kms::keyed_by_members(s.kind) || s.at_rest == AtRest::Unencrypted)
        .map(|s| {
            let words = key_words(model, &s.key, s.kind);
            let (outcome, detail) = match (&s.at_rest, &s.key) {
                (AtRest::Unencrypted, _) | (_, KeyKind::None) => (
                    Outcome::Fail,
                    with_default("not encrypted at rest, so no key at all".into(), &s.evidence),
                ),
                // Whether it is encrypted at all is open: a customer-managed key counts only if
                // it is; a store that names no such key fails either way.
                (
                    AtRest::Unknown { reason },
                    KeyKind::CustomerManaged { .. } | KeyKind::Alias { .. },
                ) => (
                    unknown_from_evidence(&s.evidence, reason),
                    format!("names {words}, but whether encryption is on is not settled"),
                ),
                (
                    AtRest::Unknown { .. },
                    KeyKind::AwsManaged { .. } | KeyKind::AwsOwned | KeyKind::ServiceManaged,
                ) => (
                    Outcome::Fail,
                    format!("either unencrypted or encrypted with {words}: not a customer-managed key either way"),
                ),
                (_, KeyKind::CustomerManaged { .. }) => {
                    (Outcome::Pass, format!("encrypted with {words}"))
                }
                // An alias the account creates can only name a customer-managed key.
                (_, KeyKind::Alias { key, alias }) => match key {
                    Some(_) => (Outcome::Pass, format!("encrypted with {words}")),
                    None => (
                        Outcome::Pass,
                        format!(
                            "encrypted with the key behind {}: an alias the account creates can only name a customer-managed key",
                            address(model, *alias)
                        ),
                    ),
                },
                (_, KeyKind::AwsManaged { .. } | KeyKind::AwsOwned | KeyKind::ServiceManaged) => (
                    Outcome::Fail,
                    with_default(
                        format!("encrypted with {words}, not a customer-managed key"),
                        &s.evidence,
                    ),
                ),
                (_, KeyKind::External { value }) => (
                    external_key(value),
                    if value.first_unknown().is_some() {
                        format!("encrypted with {words}, which the code does not settle")
                    } else {
                        format!("encrypted with {words}, which the tree does not declare")
                    },
                ),
                (_, KeyKind::Unknown { reason }) => (
                    unknown_from_evidence(&s.evidence, reason),
                    "the key is not settled by the code".into(),
                ),
            };
            // The key reference is read last: it decides.
            let mut ev = spans(&s.evidence);
            ev.reverse();
            Finding::new(s.store, outcome, detail).at_all(ev)
        })
        .collect()
}

// --- kms.tenant-encryption-context ---------------------------------------------------------

fn tenant_context(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let all = facts.protection();
    let keys = facts.keys();
    // The first entry of each store and of each key, as a scan from the start would find it.
    let store_of: HashMap<usize, &kms::StoreEncryption> =
        all.iter().rev().map(|s| (s.store, s)).collect();
    let facts_of: HashMap<usize, &kms::KeyFacts> = keys.iter().rev().map(|f| (f.key, f)).collect();
    let mut out = Vec::new();
    for t in kms::tenant_context(model, all, keys) {
        let table = &model.resources[t.table];
        if !util::deployed(table) {
            continue;
        }
        let Some(&store) = store_of.get(&t.table) else {
            continue;
        };
        let key_facts = store.key.tree_key().and_then(|k| facts_of.get(&k).copied());
        let mut ev = spans(&store.evidence);
        ev.reverse();
        let words = key_words(model, &store.key, store.kind);
        let finding = match (&t.keying, &t.binding) {
            (TenantKeying::PerTenantKeys { keys }, _) => Finding::pass(
                t.table,
                format!(
                    "each tenant's instance of the table has its own customer-managed key ({} keys)",
                    keys.len()
                ),
            )
            .at_all(keys.iter().map(|&k| model.resources[k].span)),
            (_, TenantBinding::Unknown { reason }) => {
                let outcome = match &store.key {
                    KeyKind::External { value } => external_key(value),
                    KeyKind::Alias { key: None, .. } => {
                        Outcome::unknown(Cause::OutsideTree, reason.clone())
                    }
                    _ => unknown_from_evidence(&store.evidence, reason),
                };
                Finding::new(
                    t.table,
                    outcome,
                    format!("encrypted with {words}: whether it is a key per tenant is open"),
                )
            }
            (_, TenantBinding::ClientSideContext { context_keys }) => {
                let unbound: Vec<&kms::KeyUser> = key_facts
                    .map(|f| f.users.iter().filter(|u| !u.context_required).collect())
                    .unwrap_or_default();
                if unbound.is_empty() {
                    Finding::pass(
                        t.table,
                        format!(
                            "every principal of the tree that may use the table's key ({words}) must send encryption context {}, which DynamoDB never sends: key use is client-side and bound to that context",
                            context_keys.join(", ")
                        ),
                    )
                } else {
                    let mut names: Vec<&str> = unbound
                        .iter()
                        .map(|u| address(model, u.principal))
                        .collect();
                    names.dedup();
                    Finding::fail(
                        t.table,
                        format!(
                            "the table's key ({words}) is used with encryption context {} by some principals, but {} can use it without any encryption context",
                            context_keys.join(", "),
                            names.join(", ")
                        ),
                    )
                    .at_all(unbound.iter().flat_map(|u| spans(&u.evidence)))
                }
            }
            (TenantKeying::NoCustomerKey, _) => Finding::new(
                t.table,
                Outcome::unknown(
                    Cause::ApplicationCode,
                    "no key of the tree protects the table, so no key policy can require a tenant encryption context; client-side encryption with a tenant context would live in application code",
                ),
                with_default(
                    format!("encrypted with {words}, shared by every tenant"),
                    &store.evidence,
                ),
            ),
            // A key of the tree, whose key policy is in the tree too, used by principals of the
            // tree none of which must send a tenant context: every place a binding could live is
            // read, and none binds.
            (TenantKeying::SharedKey { .. }, TenantBinding::NotShown)
                if key_facts.is_some_and(|f| {
                    !matches!(f.policy, kms::KeyPolicy::Unknown { .. })
                        && !f.users.is_empty()
                        && f.users.iter().all(|u| !u.context_required)
                }) =>
            {
                let users = key_facts.map(|f| f.users.as_slice()).unwrap_or_default();
                let mut names: Vec<&str> = users.iter().map(|u| address(model, u.principal)).collect();
                names.sort_unstable();
                names.dedup();
                Finding::fail(
                    t.table,
                    format!(
                        "one key serves every tenant's items ({words}) and neither its key policy nor the IAM policies of {} require a tenant encryption context: a principal that may decrypt one tenant's data may decrypt all of it",
                        names.join(", ")
                    ),
                )
                .at_all(users.iter().flat_map(|u| spans(&u.evidence)))
            }
            (_, _) => Finding::new(
                t.table,
                Outcome::unknown(
                    Cause::ApplicationCode,
                    "DynamoDB server-side encryption fixes its own encryption context, and no policy on the key requires one: a tenant-bound key use would be client-side encryption in application code",
                ),
                format!("one key for every tenant's items: {words}"),
            ),
        };
        out.push(finding.at_all(ev));
    }
    out
}

// --- kms.key-rotation ----------------------------------------------------------------------

fn key_rotation(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let mut out = Vec::new();
    for k in facts.keys() {
        let r = &model.resources[k.key];
        if !util::deployed(r) {
            continue;
        }
        let mut ev = k.rotation_evidence.clone();
        // The rotation switch decides; the key spec and period support it.
        ev.sort_by_key(|e| !e.attribute.to_ascii_lowercase().contains("enable"));
        let finding = match &k.rotation {
            Rotation::NotSupported { .. } => continue,
            Rotation::Enabled { period_days } => Finding::pass(
                k.key,
                match period_days {
                    Some(d) => with_default(format!("automatic rotation every {d} days"), &ev),
                    None => "automatic rotation is enabled".into(),
                },
            ),
            Rotation::Disabled => {
                Finding::fail(k.key, with_default("automatic rotation is off".into(), &ev))
            }
            Rotation::Unknown { reason } => Finding::new(
                k.key,
                unknown_from_evidence(&ev, reason),
                "whether the key rotates is not settled",
            ),
        };
        out.push(finding.at_all(spans(&ev)));
    }
    out
}

// --- kms.key-policy.scoped -----------------------------------------------------------------

/// Condition keys that tie a statement for `*` to an account, organization, caller or source.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalarn",
    "aws:userid",
    "aws:username",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "kms:calleraccount",
];

/// Condition keys that tie a service principal's use to this account's resources.
const SOURCE_KEYS: &[&str] = &[
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
];

/// Condition keys that name which principals of the account a delegation reaches.
const PRINCIPAL_KEYS: &[&str] = &["aws:principalarn", "aws:userid", "aws:username"];

/// A condition that must hold (no `IfExists`, not `Null`) and whose values are not all `*`.
fn binding(c: &Condition) -> bool {
    !c.if_exists
        && !c.operator.eq_ignore_ascii_case("Null")
        && !c.values.is_empty()
        && !c.values.iter().any(|v| v.as_str() == Some("*"))
}

fn has_condition(conds: &[Condition], keys: &[&str]) -> bool {
    conds
        .iter()
        .any(|c| binding(c) && keys.contains(&c.key_lower().as_str()))
}

/// An `aws:<service>:arn` encryption-context condition pinned to this account (CloudWatch
/// Logs' documented key policy): the service can use the key only for this account's resources.
fn context_pins_account(conds: &[Condition]) -> bool {
    conds.iter().any(|c| {
        let k = c.key_lower();
        binding(c)
            && k.starts_with("kms:encryptioncontext:aws:")
            && k.ends_with(":arn")
            && c.values.iter().all(arn_pins_account)
    })
}

/// Does an ARN (pattern) name one account: its fifth field is this account or 12 digits?
fn arn_pins_account(v: &Value) -> bool {
    let fields: Vec<Option<String>> = match v {
        Value::String(s) => s.split(':').map(|f| Some(f.to_string())).collect(),
        Value::Template(parts) => {
            // Split the text on ':' while keeping symbols as whole fields.
            let mut fields = vec![Some(String::new())];
            for p in parts {
                match p {
                    Part::Text(t) => {
                        let mut pieces = t.split(':');
                        if let (Some(first), Some(Some(last))) = (pieces.next(), fields.last_mut())
                        {
                            last.push_str(first);
                        }
                        for piece in pieces {
                            fields.push(Some(piece.to_string()));
                        }
                    }
                    Part::Symbol(Symbol::AccountId) => {
                        if let Some(last) = fields.last_mut() {
                            *last = last.take().map(|s| s + "${account}");
                        }
                    }
                    Part::Symbol(_) => {
                        if let Some(Some(last)) = fields.last_mut() {
                            last.push('x');
                        }
                    }
                    _ => {
                        if let Some(last) = fields.last_mut() {
                            *last = None;
                        }
                    }
                }
            }
            fields
        }
        _ => return false,
    };
    match fields.get(4) {
        Some(Some(account)) => {
            account == "${account}"
                || (account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()))
        }
        _ => false,
    }
}

/// The key policy's statements as parsed documents (for their conditions' operators and values).
fn policy_statements(model: &Model, k: &KeyFacts) -> Vec<policy::Statement> {
    let KeyPolicy::InTree {
        resource,
        attribute,
    } = &k.policy
    else {
        return Vec::new();
    };
    match model
        .props(k.key, Prop::KmsKeyKeyPolicy)
        .into_iter()
        .find(|f| f.attribute() == Some((*resource, attribute.as_str())))
    {
        Some(f) => policy::parse(&f.value).statements,
        None => Vec::new(),
    }
}

fn statement_name(s: &kms::PolicyStatement) -> String {
    match &s.sid {
        Some(sid) => format!("statement {sid}"),
        None => format!("statement {}", s.index + 1),
    }
}

/// Whole accounts: a root ARN or a bare account id.
fn names_whole_account(text: &str) -> bool {
    text.ends_with(":root") || (text.len() == 12 && text.chars().all(|c| c.is_ascii_digit()))
}

fn key_policy_scoped(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let mut out = Vec::new();
    for k in facts.keys() {
        if !util::deployed(&model.resources[k.key]) {
            continue;
        }
        let parsed = policy_statements(model, k);
        let mut problems: Vec<Finding> = Vec::new();
        for s in &k.statements {
            if s.effect != Effect::Allow {
                continue;
            }
            let conds: &[Condition] = parsed
                .iter()
                .find(|p| p.index == s.index)
                .map(|p| p.conditions.as_slice())
                .unwrap_or_default();
            let restricted = has_condition(conds, RESTRICTING_KEYS);
            let name = statement_name(s);
            let fail = |detail: String| Finding::fail(k.key, detail).at(s.evidence.span);
            if s.not_principal && !restricted {
                problems.push(fail(format!(
                    "{name} allows every principal but the ones it excludes (NotPrincipal), with no condition naming an account or organization"
                )));
                continue;
            }
            for p in &s.principals {
                match &p.principal {
                    PrincipalRef::Anyone if !restricted => problems.push(fail(format!(
                        "{name} allows any principal (`*`) with no condition naming an account, organization or source"
                    ))),
                    PrincipalRef::OtherAccount { arn }
                        if names_whole_account(arn) && conds.is_empty() =>
                    {
                        let account = arn.split(':').nth(4).unwrap_or(arn);
                        problems.push(fail(format!(
                            "{name} hands the key to every principal of account {account} that its IAM allows, with no condition"
                        )))
                    }
                    PrincipalRef::Federated { id } if conds.is_empty() => {
                        problems.push(fail(format!(
                            "{name} allows federated principal {id} with no condition"
                        )))
                    }
                    PrincipalRef::Service { name: service }
                        if !has_condition(conds, SOURCE_KEYS) && !context_pins_account(conds) =>
                    {
                        problems.push(fail(format!(
                            "{name} allows the service {service} with no aws:SourceAccount or aws:SourceArn condition: the service could use the key on behalf of another account"
                        )))
                    }
                    PrincipalRef::Unknown { value } => {
                        let text = show(value);
                        let named = text.contains(":role/") || text.contains(":user/");
                        let enough = if names_whole_account(&text) {
                            !conds.is_empty()
                        } else {
                            named || restricted
                        };
                        if !enough {
                            problems.push(
                                Finding::new(
                                    k.key,
                                    Outcome::of_value(value),
                                    format!("{name} names the principal {text}, which the code does not settle"),
                                )
                                .at(s.evidence.span),
                            );
                        }
                    }
                    _ => {}
                }
            }
        }

        // Delegation to IAM through the account root.
        match k.delegates_to_iam {
            None => {
                let reason = match &k.policy {
                    KeyPolicy::Unknown { reason } => reason.clone(),
                    _ => "the key policy is not settled".into(),
                };
                problems.push(
                    Finding::new(
                        k.key,
                        unknown_from_evidence(std::slice::from_ref(&k.policy_evidence), &reason),
                        "the key policy cannot be read from the code",
                    )
                    .at(k.policy_evidence.span),
                );
            }
            Some(true) => {
                let delegating: Vec<&kms::PolicyStatement> =
                    k.statements.iter().filter(|s| s.delegates_to_iam).collect();
                let open = matches!(k.policy, KeyPolicy::Default)
                    || delegating.iter().any(|s| {
                        let conds = parsed
                            .iter()
                            .find(|p| p.index == s.index)
                            .map(|p| p.conditions.as_slice())
                            .unwrap_or_default();
                        !has_condition(conds, PRINCIPAL_KEYS)
                    });
                let decisive = match k.policy {
                    KeyPolicy::Default => k.policy_evidence.span,
                    _ => delegating
                        .first()
                        .map(|s| s.evidence.span)
                        .unwrap_or(k.policy_evidence.span),
                };
                let how = match k.policy {
                    KeyPolicy::Default => "the default key policy (provider default: the account root may do kms:*) delegates key use to IAM".to_string(),
                    _ => match delegating.as_slice() {
                        [one] => format!(
                            "{} lets the account root use the key, delegating to IAM",
                            statement_name(one)
                        ),
                        many => format!(
                            "statements {} let the account root use the key, delegating to IAM",
                            many.iter()
                                .map(|s| s.sid.clone().unwrap_or_else(|| (s.index + 1).to_string()))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    },
                };
                let wild: Vec<&kms::KeyUser> = k
                    .users
                    .iter()
                    .filter(|u| u.via == UseVia::Iam && u.wildcard_resource)
                    .collect();
                if open && !wild.is_empty() {
                    let mut names: Vec<&str> =
                        wild.iter().map(|u| address(model, u.principal)).collect();
                    names.dedup();
                    problems.push(
                        Finding::fail(
                            k.key,
                            format!(
                                "{how}, and {} may use every key (resource `*`), this one included",
                                names.join(", ")
                            ),
                        )
                        .at(decisive)
                        .at_all(wild.iter().flat_map(|u| spans(&u.evidence))),
                    );
                } else if open {
                    problems.push(
                        Finding::new(
                            k.key,
                            Outcome::unknown(
                                Cause::OutsideTree,
                                "principals of the account outside the scanned tree (other stacks, SSO permission sets, users) may hold kms:Decrypt or kms:GenerateDataKey on this key or on `*`",
                            ),
                            format!("{how}; no principal of the tree may use every key"),
                        )
                        .at(decisive),
                    );
                }
            }
            Some(false) => {}
        }

        if problems.is_empty() {
            let detail = match k.delegates_to_iam {
                Some(true) => "the key policy names specific principals, and its delegation to IAM is limited to named principals (aws:PrincipalArn)",
                _ => "the key policy names specific principals and does not delegate key use to IAM",
            };
            out.push(Finding::pass(k.key, detail).at(k.policy_evidence.span));
        } else {
            out.extend(problems);
        }
    }
    out
}

// --- kms.replication-encrypted -------------------------------------------------------------

/// One replica's key, as a finding about the replicated resource.
fn replica_finding(
    model: &Model,
    subject: usize,
    holder: usize,
    what: &str,
    key: Option<Found>,
    missing: &str,
) -> Finding {
    let r = &model.resources[holder];
    match key {
        None => Finding::fail(subject, format!("{what}: {missing}")).at(r.span),
        Some(found) => {
            let span = found.span(model, holder);
            let v = found.value.as_ref();
            let kind = kms::resolve_key(model, holder, v);
            let words = key_words(model, &kind, Kind::Other);
            let outcome = match &kind {
                KeyKind::CustomerManaged { .. } | KeyKind::Alias { .. } => Outcome::Pass,
                KeyKind::External { value } => external_key(value),
                KeyKind::Unknown { reason } => Outcome::unknown(Cause::NotExpressible, reason),
                _ => Outcome::Fail,
            };
            let detail = match outcome {
                Outcome::Pass => format!("{what}: replicas are encrypted with {words}"),
                Outcome::Fail => {
                    format!(
                        "{what}: replicas are encrypted with {words}, not a customer-managed key"
                    )
                }
                Outcome::Unknown { .. } if v.first_unknown().is_some() => {
                    format!(
                        "{what}: the replica key {} is not settled by the code",
                        show(v)
                    )
                }
                Outcome::Unknown { .. } => {
                    format!(
                        "{what}: the replica key {} is not declared in the tree",
                        show(v)
                    )
                }
            };
            Finding::new(subject, outcome, detail).at(span)
        }
    }
}

/// The name a resource's language gives a property (the last segment of its path), for
/// messages about a missing setting.
fn written_name(model: &Model, i: usize, prop: Prop) -> String {
    model
        .prop_paths(i, prop)
        .first()
        .and_then(|p| p.rsplit('.').next().map(str::to_string))
        .unwrap_or_else(|| prop.canonical().to_string())
}

fn replication_encrypted(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let facets = util::facets(model);
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.facet.is_some() || !util::deployed(r) {
            continue;
        }
        match r.kind {
            Kind::S3Bucket => {
                // Terraform: the replication configuration resource (or the provider's legacy
                // inline block); CloudFormation: inline.
                for (n, rule) in model
                    .items(i, Prop::S3BucketReplicationRules)
                    .into_iter()
                    .enumerate()
                {
                    let holder = rule.resource;
                    let h = &model.resources[holder];
                    let text = |p: Prop| {
                        rule.prop_set(p)
                            .and_then(|f| f.as_str().map(str::to_string))
                    };
                    let status = text(Prop::S3BucketReplicationRuleStatus);
                    if status.is_some_and(|s| s.eq_ignore_ascii_case("Disabled")) {
                        continue;
                    }
                    let id = text(Prop::S3BucketReplicationRuleId)
                        .map(|s| format!("replication rule {s}"))
                        .unwrap_or_else(|| format!("replication rule {}", n + 1));
                    let what = match text(Prop::S3BucketReplicationDestinationBucket) {
                        Some(d) => format!("{id} (to {d})"),
                        None => id,
                    };
                    let key = rule.prop_set(Prop::S3BucketReplicaKmsKeyID);
                    let mut f = replica_finding(
                        model,
                        i,
                        holder,
                        &what,
                        key,
                        "no replica KMS key, so replicas stay under S3-managed keys (SSE-S3) and objects under SSE-KMS are not replicated",
                    );
                    if f.evidence.first() == Some(&h.span) {
                        let dest = rule
                            .prop_set(Prop::S3BucketReplicationDestination)
                            .map(|d| match (d.value.as_ref(), d.attribute()) {
                                (Value::List(_), Some((_, p))) => h.span_of(&format!("{p}[0]")),
                                _ => d.span(model, holder),
                            })
                            .unwrap_or_else(|| rule.span());
                        f.evidence = vec![dest];
                    }
                    out.push(f);
                }
            }
            Kind::DynamodbTable => {
                // Terraform: `replica` blocks on the table (other regions) and
                // aws_dynamodb_table_replica resources; CloudFormation: the global table's
                // Replicas (every region, this one included), when there is more than one.
                let key_name = written_name(model, i, Prop::DynamodbTableReplicaKMSMasterKeyId);
                let other = model.items(i, Prop::DynamodbTableOtherRegionReplicas);
                let all = model.items(i, Prop::DynamodbTableReplicas);
                let (replicas, elsewhere) = if all.len() >= 2 {
                    (all, "a region")
                } else {
                    (other, "another region")
                };
                for rep in replicas {
                    let region = rep
                        .prop_set(Prop::DynamodbTableReplicaRegion)
                        .map(|f| show(&f.value))
                        .unwrap_or_else(|| elsewhere.into());
                    let mut f = replica_finding(
                        model,
                        i,
                        i,
                        &format!("the replica in {region}"),
                        rep.prop_set(Prop::DynamodbTableReplicaKMSMasterKeyId),
                        &format!("no {key_name}, so the replica uses DynamoDB's default key in that region (AWS-managed or AWS-owned)"),
                    );
                    if f.evidence.first() == Some(&r.span) {
                        f.evidence = vec![rep.span()];
                    }
                    out.push(f);
                }
                for &f in facets.get(&i).into_iter().flatten() {
                    let h = &model.resources[f];
                    if h.facet != Some("replica") || !util::deployed(h) {
                        continue;
                    }
                    let key_name =
                        written_name(model, f, Prop::DynamodbTableReplicaResourceKMSMasterKeyId);
                    out.push(replica_finding(
                        model,
                        i,
                        f,
                        &format!("the replica {}", h.address),
                        model.prop_set(f, Prop::DynamodbTableReplicaResourceKMSMasterKeyId),
                        &format!("no {key_name}, so the replica uses DynamoDB's default key in its region (AWS-managed or AWS-owned)"),
                    ));
                }
            }
            Kind::RdsInstance => {
                // Automated backups copied to another region: Terraform's
                // aws_db_instance_automated_backups_replication (a facet), CloudFormation's
                // AutomaticBackupReplicationRegion on the instance.
                let Some(on) = model.prop_set(i, Prop::RdsInstanceAutomaticBackupReplicationRegion)
                else {
                    continue;
                };
                let holder = on.attribute().map(|(h, _)| h).unwrap_or(i);
                let at = on.span(model, i);
                let what = "automated backups replicated to another region";
                let encrypted = model
                    .prop(i, Prop::RdsInstanceStorageEncrypted)
                    .map(|f| f.flag());
                out.push(match encrypted {
                    Some(Err(u)) => Finding::new(
                        i,
                        Outcome::of_value(&u),
                        format!("{what}: whether the instance is encrypted cannot be read"),
                    )
                    .at(at),
                    Some(Ok(Some(true))) => replica_finding(
                        model,
                        i,
                        holder,
                        what,
                        model.prop_set(i, Prop::RdsInstanceAutomaticBackupReplicationKmsKeyId),
                        "no KMS key in the destination region for the replicated backups",
                    ),
                    _ => Finding::fail(
                        i,
                        format!("{what}: the instance is not encrypted at rest, so neither are the backups it replicates"),
                    )
                    .at(at),
                });
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(check: fn(&Facts, &Params) -> Vec<Finding>, tf: &str) -> Vec<(String, Outcome)> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), tf).unwrap();
        let scan = crate::scan(dir.path(), &Default::default());
        assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
        let facts = Facts::new(&scan.model);
        let mut out: Vec<(String, Outcome)> = check(&facts, &serde_json::json!({}))
            .into_iter()
            .map(|f| (scan.model.resources[f.subject].address.clone(), f.outcome))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    const TENANTS: &str = r#"
locals {
  tenants = toset(["acme", "globex"])
}

resource "aws_kms_key" "tenant" {
  for_each            = local.tenants
  description         = "tenant ${each.key}"
  enable_key_rotation = true
}

resource "aws_dynamodb_table" "tenant" {
  for_each     = local.tenants
  name         = "orders-${each.key}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "order_id"

  attribute {
    name = "order_id"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = KEY
  }
}
"#;

    #[test]
    fn per_tenant_tables_with_their_own_keys_pass() {
        let tf = TENANTS.replace("KEY", "aws_kms_key.tenant[each.key].arn");
        let got = run(tenant_context, &tf);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got.iter().all(|(_, o)| *o == Outcome::Pass), "{got:?}");
    }

    #[test]
    fn per_tenant_tables_sharing_one_key_leave_it_to_the_application() {
        let tf = TENANTS.replace("KEY", "aws_kms_key.tenant[\"acme\"].arn");
        let got = run(tenant_context, &tf);
        assert_eq!(got.len(), 2, "{got:?}");
        for (_, o) in &got {
            assert!(
                matches!(
                    o,
                    Outcome::Unknown {
                        cause: Cause::ApplicationCode,
                        ..
                    }
                ),
                "{got:?}"
            );
        }
    }

    #[test]
    fn a_store_whose_encryption_is_open_but_names_an_aws_managed_key_fails() {
        let got = run(
            store_customer_key,
            r#"
variable "encrypt" { type = bool }
resource "aws_kms_key" "db" {}
resource "aws_db_instance" "managed" {
  storage_encrypted = var.encrypt
  kms_key_id        = "alias/aws/rds"
}
resource "aws_db_instance" "own" {
  storage_encrypted = var.encrypt
  kms_key_id        = aws_kms_key.db.arn
}
"#,
        );
        assert_eq!(got[0].1, Outcome::Fail, "{got:?}");
        assert!(
            matches!(
                got[1].1,
                Outcome::Unknown {
                    cause: Cause::Variable,
                    ..
                }
            ),
            "{got:?}"
        );
    }

    #[test]
    fn a_scoped_delegation_and_a_bound_service_pass() {
        let got = run(
            key_policy_scoped,
            r#"
data "aws_caller_identity" "current" {}
resource "aws_kms_key" "logs" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "OnlyTheAuditors"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
        Condition = { ArnLike = { "aws:PrincipalArn" = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/auditor-*" } }
      },
      {
        Sid       = "Logs"
        Effect    = "Allow"
        Principal = { Service = "logs.eu-west-1.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:eu-west-1:${data.aws_caller_identity.current.account_id}:log-group:*" } }
      },
    ]
  })
}
"#,
        );
        assert_eq!(got, vec![("aws_kms_key.logs".to_string(), Outcome::Pass)]);
    }
}
