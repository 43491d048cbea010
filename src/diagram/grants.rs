//! What resource policies grant, as flows: a bucket, queue, topic or function policy (or a key
//! policy) that allows a role of the tree, another account, anyone, or a principal the code does
//! not settle to act on the resource. Identity policies are drawn from the roles' side
//! (`mod.rs`); these are the grants the resource makes itself, which no role's policy shows.
//!
//! AWS services (`cloudtrail.amazonaws.com`) and the account root (which hands the decision to
//! IAM) are not drawn: the first are the invocations and deliveries drawn elsewhere, the second
//! grants nothing by itself.

use crate::iam::access::{index, levels, Access, Grantee};
use crate::iam::catalog::AccessLevel;
use crate::iam::policy::Effect;
use crate::model::Model;
use std::collections::BTreeSet;

/// Who a resource-policy statement lets in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    /// A role or user of the tree.
    Principal(usize),
    /// Everyone (an unconditioned Allow to `*`).
    Anyone,
    /// A principal outside the tree (another account, a federated provider), or one the code
    /// does not settle: its name as drawn and what it is.
    Outside { name: String, what: &'static str },
}

/// One grant: who may do what to which resource (the resource the policy governs).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ResourceGrant {
    pub who: Who,
    pub resource: usize,
    /// `read`, `write`, `manage`, and `conditional` when a condition restricts it.
    pub words: BTreeSet<&'static str>,
    /// It allows `kms:Decrypt`: on a key, it reaches the data the key encrypts.
    pub decrypts: bool,
}

/// `arn:aws:iam::111122223333:root` or `111122223333` → `account 111122223333`; any other
/// principal as written.
fn principal_name(principal: &str) -> String {
    let account = principal
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.strip_suffix(":root"))
        .unwrap_or(principal);
    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        format!("account {account}")
    } else {
        principal.to_string()
    }
}

/// Every Allow of every resource policy to a principal the view draws, in a stable order.
pub fn resource_grants(model: &Model, access: &Access) -> BTreeSet<ResourceGrant> {
    let mut out = BTreeSet::new();
    for p in &access.resource_policies {
        for st in &p.statements {
            if st.grant.effect != Effect::Allow || st.not_principal {
                continue;
            }
            let mut words: BTreeSet<&'static str> = levels(&st.grant.actions)
                .into_iter()
                .map(|l| match l {
                    AccessLevel::List | AccessLevel::Read => "read",
                    AccessLevel::Write | AccessLevel::Tagging => "write",
                    AccessLevel::PermissionsManagement => "manage",
                })
                .collect();
            if words.is_empty() {
                continue;
            }
            if !st.grant.conditions.is_empty() {
                words.insert("conditional");
            }
            let decrypts = index()
                .id("kms:Decrypt")
                .is_some_and(|i| st.grant.actions.contains(i));
            for g in &st.grantees {
                let who = match g {
                    Grantee::Principal { index } => Who::Principal(model.owner(*index)),
                    Grantee::Anyone if st.public => Who::Anyone,
                    Grantee::Anyone => Who::Outside {
                        name: "anyone (with conditions)".into(),
                        what: "any principal the policy's conditions admit",
                    },
                    Grantee::External { principal } => Who::Outside {
                        name: principal_name(principal),
                        what: "principal outside the tree",
                    },
                    Grantee::Unknown { value } => Who::Outside {
                        name: format!("principal {}", value.written()),
                        what: "principal the code does not settle",
                    },
                    Grantee::Service { .. } | Grantee::AccountRoot => continue,
                };
                for &r in &p.governs {
                    out.insert(ResourceGrant {
                        who: who.clone(),
                        resource: model.owner(r),
                        words: words.clone(),
                        decrypts,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_named_as_accounts() {
        assert_eq!(
            principal_name("arn:aws:iam::444455556666:root"),
            "account 444455556666"
        );
        assert_eq!(principal_name("444455556666"), "account 444455556666");
        assert_eq!(
            principal_name("arn:aws:iam::444455556666:role/reader"),
            "arn:aws:iam::444455556666:role/reader"
        );
    }
}
