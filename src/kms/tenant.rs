//! DynamoDB tables and tenants: is KMS use bound to the tenant?
//!
//! DynamoDB server-side encryption calls KMS with its own encryption context
//! (`aws:dynamodb:tableName`, `aws:dynamodb:subscriberId`): no policy can make it carry a
//! tenant. For a table, a tenant-bound key use therefore needs per-tenant keys, or client-side
//! encryption whose key use the policies pin to a tenant context. The code can show the first and
//! the policies of the second, never the client itself.

use super::keys::KeyFacts;
use super::{KeyKind, StoreEncryption};
use crate::model::Kind;
use crate::model::Model;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The note every table carries.
pub const DYNAMODB_CONTEXT_NOTE: &str = "DynamoDB server-side encryption fixes its own encryption \
context (aws:dynamodb:tableName, aws:dynamodb:subscriberId): a per-tenant encryption context can \
only come from client-side encryption, which infrastructure code cannot show";

/// How the table's instances are keyed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TenantKeying {
    /// The table is instantiated per tenant (`for_each` / `count`) and every instance has its own
    /// customer-managed key.
    PerTenantKeys { keys: Vec<usize> },
    /// One customer-managed key for the table's data of every tenant.
    SharedKey { key: usize },
    /// An AWS-owned or AWS-managed key, or the service's: no tenant can be bound to it.
    NoCustomerKey,
    /// The key is not settled by the code.
    Unknown { reason: String },
}

/// What binds a tenant to its data's key use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TenantBinding {
    /// A key per tenant.
    PerTenantKeys,
    /// The policies granting use of the table's key require an encryption context key DynamoDB
    /// never sends: that use is client-side encryption with an enforced context.
    ClientSideContext { context_keys: Vec<String> },
    /// Neither shows in the code.
    NotShown,
    /// The key is not settled.
    Unknown { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantContext {
    pub table: usize,
    pub keying: TenantKeying,
    pub binding: TenantBinding,
    pub notes: Vec<String>,
}

fn is_dynamodb_context(key: &str) -> bool {
    key.to_ascii_lowercase()
        .starts_with("kms:encryptioncontext:aws:dynamodb:")
}

/// For every DynamoDB table: per-tenant keys or a shared key, and whether the policies show a
/// tenant encryption context (client-side encryption).
pub fn tenant_context(
    model: &Model,
    stores: &[StoreEncryption],
    keys: &[KeyFacts],
) -> Vec<TenantContext> {
    let tables: Vec<&StoreEncryption> = stores
        .iter()
        .filter(|s| s.kind == Kind::DynamodbTable)
        .collect();
    // Instances of the same block: of the table itself, or of a module or nested stack around
    // it (a silo: one per tenant).
    let members: Vec<usize> = tables.iter().map(|t| t.store).collect();
    let bases: HashMap<usize, String> = model.instance_names(&members);
    let base_of = |i: usize| bases.get(&i).map(String::as_str);
    let mut groups: BTreeMap<(&str, &str), Vec<&StoreEncryption>> = BTreeMap::new();
    for t in &tables {
        let r = &model.resources[t.store];
        if let Some(base) = base_of(t.store) {
            groups.entry((r.unit.as_str(), base)).or_default().push(t);
        }
    }
    // The keys of each group's instances, once per group: whether every instance has a key of
    // the tree, and the distinct keys.
    type Keys = (bool, Vec<Option<usize>>);
    let group_keys: BTreeMap<(&str, &str), Keys> = groups
        .iter()
        .filter(|(_, g)| g.len() > 1)
        .map(|(&k, g)| {
            let mut ks: Vec<Option<usize>> = g.iter().map(|s| s.key.tree_key()).collect();
            let all_keyed = ks.iter().all(Option::is_some);
            ks.sort();
            ks.dedup();
            (k, (all_keyed, ks))
        })
        .collect();
    let facts_of: HashMap<usize, &KeyFacts> = keys.iter().rev().map(|f| (f.key, f)).collect();
    let mut out = Vec::new();
    for t in &tables {
        let r = &model.resources[t.store];
        let mut notes = vec![DYNAMODB_CONTEXT_NOTE.to_string()];
        let keying = match &t.key {
            KeyKind::CustomerManaged { .. } | KeyKind::Alias { key: Some(_), .. } => {
                let key = t.key.tree_key().unwrap_or_default();
                let group = base_of(t.store)
                    .map(|b| (r.unit.as_str(), b))
                    .filter(|k| group_keys.contains_key(k));
                match group {
                    Some(k) => {
                        let g = &groups[&k];
                        let (all_keyed, ks) = &group_keys[&k];
                        if *all_keyed && ks.len() == g.len() {
                            TenantKeying::PerTenantKeys {
                                keys: ks.iter().copied().flatten().collect(),
                            }
                        } else {
                            notes.push(format!(
                                "{} instances of {} share {} key(s)",
                                g.len(),
                                base_of(t.store).unwrap_or_default(),
                                ks.len()
                            ));
                            TenantKeying::SharedKey { key }
                        }
                    }
                    None => TenantKeying::SharedKey { key },
                }
            }
            KeyKind::Alias { key: None, alias } => TenantKeying::Unknown {
                reason: format!(
                    "the alias {} points at a key outside the tree",
                    model.resources[*alias].address
                ),
            },
            KeyKind::External { value } => TenantKeying::Unknown {
                reason: format!("the key is outside the tree: {value}"),
            },
            KeyKind::Unknown { reason } => TenantKeying::Unknown {
                reason: reason.clone(),
            },
            KeyKind::AwsManaged { .. }
            | KeyKind::AwsOwned
            | KeyKind::ServiceManaged
            | KeyKind::None => TenantKeying::NoCustomerKey,
        };
        // Encryption-context conditions on the key's use that DynamoDB itself never satisfies.
        let mut context_keys: Vec<String> = t
            .key
            .tree_key()
            .and_then(|k| facts_of.get(&k).copied())
            .map(|f| {
                f.users
                    .iter()
                    .filter(|u| u.context_required)
                    .flat_map(|u| u.encryption_context.iter().cloned())
                    .chain(
                        f.statements
                            .iter()
                            .filter(|s| s.context_required && !s.uses.is_empty())
                            .flat_map(|s| s.encryption_context.iter().cloned()),
                    )
                    .filter(|k| !is_dynamodb_context(k))
                    .filter(|k| {
                        !k.to_ascii_lowercase()
                            .starts_with("kms:encryptioncontext:aws:")
                    })
                    .collect()
            })
            .unwrap_or_default();
        context_keys.sort();
        context_keys.dedup();
        let binding = match &keying {
            TenantKeying::PerTenantKeys { .. } => TenantBinding::PerTenantKeys,
            TenantKeying::Unknown { reason } => TenantBinding::Unknown {
                reason: reason.clone(),
            },
            _ if !context_keys.is_empty() => {
                notes.push(format!(
                    "the policies using the table's key require encryption context {}: DynamoDB \
                     never sends it, so this use is client-side encryption",
                    context_keys.join(", ")
                ));
                TenantBinding::ClientSideContext { context_keys }
            }
            _ => TenantBinding::NotShown,
        };
        out.push(TenantContext {
            table: t.store,
            keying,
            binding,
            notes,
        });
    }
    out
}
