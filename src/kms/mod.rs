//! KMS: which key protects each data store, and what each key in the tree allows.
//!
//! - [`protection`]: for every data store, whether it is encrypted at rest and with which key: a
//!   customer-managed key in the tree, an alias, a key from outside the tree (with the reason it
//!   is unknown), an AWS-managed key, the AWS-owned key, the service's own keys, or none. Settings
//!   the code leaves out take the provider default from `rules/defaults.tsv`.
//! - [`keys`]: for every `kms.key`: rotation, the key policy's principals, grants, and who in the
//!   tree can use the key for `kms:Decrypt` / `kms:GenerateDataKey*`, directly or through IAM when
//!   the key policy delegates to it, with the encryption context that use requires.
//! - [`tenant_context`]: for DynamoDB tables, whether tenants are bound to their data by per-tenant
//!   keys or (client-side) encryption context, given that DynamoDB server-side encryption fixes
//!   its own context.
//!
//! Everything is sorted and carries spans; an unknown stays unknown with its reason.

pub mod defaults;
mod keys;
mod stores;
mod tenant;

use crate::model::Kind;
use crate::model::{Model, Value};
use crate::source::Span;
use serde::Serialize;

pub use keys::{
    keys, KeyFacts, KeyGrant, KeyPolicy, KeyPrincipal, KeyUser, PolicyStatement, PrincipalRef,
    Rotation, UseVia, USE_ACTIONS,
};
pub use stores::{is_data_store, keyed_by_members, protection, resolve_key, KEY_REFUSED};
pub use tenant::{tenant_context, TenantBinding, TenantContext, TenantKeying};

/// Where a fact comes from: an attribute of a resource, or the resource itself when a provider
/// default applies (then `note` says which).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    /// The resource holding the setting (for S3, possibly the bucket's encryption facet).
    pub resource: usize,
    /// Attribute path (`server_side_encryption[0].kms_key_arn`); empty for the resource itself.
    pub attribute: String,
    #[serde(skip)]
    pub span: Span,
    /// `provider default: …` (from `rules/defaults.tsv`) or another explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Why the value at the attribute is not known, when it is not.
    #[serde(skip)]
    pub unknown: Option<crate::model::Reason>,
}

impl Evidence {
    pub(crate) fn at(model: &Model, resource: usize, attribute: &str) -> Evidence {
        let r = &model.resources[resource];
        Evidence {
            resource,
            attribute: attribute.to_string(),
            span: if attribute.is_empty() {
                r.span
            } else {
                r.span_of(attribute)
            },
            note: None,
            unknown: None,
        }
    }

    /// Records why the value found at the attribute is not known, when it is not.
    pub(crate) fn valued(mut self, v: &Value) -> Evidence {
        self.unknown = v.first_unknown().map(|u| u.reason);
        self
    }

    pub(crate) fn noted(mut self, note: impl Into<String>) -> Evidence {
        self.note = Some(note.into());
        self
    }
}

/// Whether a store is encrypted at rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AtRest {
    Encrypted,
    Unencrypted,
    /// The code does not settle it (a variable without default, …).
    Unknown {
        reason: String,
    },
}

/// The key that protects a store.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KeyKind {
    /// A `kms.key` (or `kms.replica-key`) in the tree, by resource index.
    CustomerManaged { key: usize },
    /// A `kms.alias` in the tree and, when its target is in the tree, that key.
    Alias { alias: usize, key: Option<usize> },
    /// An AWS-managed key (`alias/aws/s3`).
    AwsManaged { alias: String },
    /// The AWS-owned key (DynamoDB's default).
    AwsOwned,
    /// The service's own keys: SSE-S3, SSE-SQS, CloudWatch Logs' default, ElastiCache's default.
    ServiceManaged,
    /// A key named from outside the tree: a literal key ARN, or a value that is unknown (variable
    /// without default, data source, …), carried as it is with its reason.
    External { value: Value },
    /// Whether and how the store is encrypted is not settled by the code.
    Unknown { reason: String },
    /// Not encrypted.
    None,
}

impl KeyKind {
    /// The customer-managed key in the tree behind this key reference, if any.
    pub fn tree_key(&self) -> Option<usize> {
        match self {
            KeyKind::CustomerManaged { key } => Some(*key),
            KeyKind::Alias { key, .. } => *key,
            _ => None,
        }
    }

    /// A short name for comparisons and reports (`customer_managed`, `aws_owned`, …).
    pub fn name(&self) -> &'static str {
        match self {
            KeyKind::CustomerManaged { .. } => "customer_managed",
            KeyKind::Alias { .. } => "alias",
            KeyKind::AwsManaged { .. } => "aws_managed",
            KeyKind::AwsOwned => "aws_owned",
            KeyKind::ServiceManaged => "service_managed",
            KeyKind::External { .. } => "external",
            KeyKind::Unknown { .. } => "unknown",
            KeyKind::None => "none",
        }
    }
}

/// How one data store is encrypted at rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreEncryption {
    /// Index of the store in [`Model::resources`].
    pub store: usize,
    pub kind: Kind,
    pub at_rest: AtRest,
    pub key: KeyKind,
    /// The settings that decide it, or the resource with the provider default that applies.
    pub evidence: Vec<Evidence>,
}
