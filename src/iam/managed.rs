//! AWS managed policies, with their documents, so that an attached managed policy is evaluated,
//! not guessed from its name.
//!
//! Infrastructure code attaches AWS managed policies by ARN (`AdministratorAccess`,
//! `service-role/AWSLambdaBasicExecutionRole`, ...). What such an attachment grants is the
//! default version of the policy's document, which AWS owns.
//! `rules/data/aws-managed-policies.json.gz` holds every AWS managed policy (name, path, ARN,
//! default version's document), compiled by `tools/regenerate-managed-policies` from the snapshot
//! the PyPI package moto ships (see `rules/data/README.md` for the version, date and licence).
//! `build.rs` writes each policy's JSON uncompressed with a sorted index by name, and a policy is
//! parsed the first time a tree attaches it: nothing is decompressed or parsed at start.
//!
//! Managed policies live under paths (`/service-role/`, `/job-function/`, `/aws-service-role/`),
//! and the path is part of the ARN: `arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole` names
//! no policy. [`by_arn`] therefore matches the full ARN exactly (path and name, case as AWS
//! spells them); only the partition may differ, since the same policies exist in every
//! partition and templates write it as `${AWS::Partition}`.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/managed_policies.rs"));

/// One AWS managed policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    /// The policy's name (`AWSLambdaBasicExecutionRole`).
    pub name: String,
    /// The full ARN in the `aws` partition, with the path
    /// (`arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`).
    pub arn: String,
    /// The path, `/` or `/service-role/` and the like.
    pub path: String,
    /// The default version's id (`v3`) in the snapshot.
    #[serde(default)]
    pub version: String,
    /// When AWS last changed the policy, as of the snapshot (ISO 8601).
    #[serde(default)]
    pub updated: String,
    /// The default version's policy document (`{"Version": ..., "Statement": [...]}`).
    pub document: serde_json::Value,
}

/// The lazily parsed policies, parallel to `MANAGED_POLICIES`.
fn slots() -> &'static [OnceLock<ManagedPolicy>] {
    static SLOTS: OnceLock<Vec<OnceLock<ManagedPolicy>>> = OnceLock::new();
    SLOTS.get_or_init(|| MANAGED_POLICIES.iter().map(|_| OnceLock::new()).collect())
}

/// The policy at `i` of `MANAGED_POLICIES`, parsed on first use.
fn policy_at(i: usize) -> &'static ManagedPolicy {
    slots()[i].get_or_init(|| {
        let (_, _, start, end) = MANAGED_POLICIES[i];
        serde_json::from_str(&MANAGED_JSON[start as usize..end as usize])
            .expect("the managed policies are written by build.rs in the policy layout")
    })
}

fn index_of(name: &str) -> Option<usize> {
    MANAGED_POLICIES
        .binary_search_by(|(n, _, _, _)| (*n).cmp(name))
        .ok()
}

/// Where the policies come from (package, version, file, licence), for reports.
pub fn source() -> &'static str {
    MANAGED_SOURCE
}

/// Every AWS managed policy in the snapshot, sorted by name (parses them all: for tools and
/// tests, not scans).
pub fn all() -> Vec<&'static ManagedPolicy> {
    (0..MANAGED_POLICIES.len()).map(policy_at).collect()
}

/// An AWS managed policy by its full ARN, path included.
///
/// The partition segment may be any AWS partition (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso`,
/// ...) or a placeholder that stands for one (`${AWS::Partition}`, `${partition}`, as templates
/// render it); everything else must be exact: `iam`, an empty region, the account `aws`, and the
/// policy's path and name in AWS's case.
pub fn by_arn(arn: &str) -> Option<&'static ManagedPolicy> {
    let path_and_name = policy_path(arn)?;
    let (path, name) = path_and_name.split_at(path_and_name.rfind('/')? + 1);
    let i = index_of(name)?;
    (MANAGED_POLICIES[i].1 == path).then(|| policy_at(i))
}

/// An AWS managed policy by its name alone (`AdministratorAccess`), exact case. Names are unique
/// across paths, so this is what SAM's `Policies: [AWSLambdaExecute]` and the like resolve.
pub fn by_name(name: &str) -> Option<&'static ManagedPolicy> {
    index_of(name).map(policy_at)
}

/// True when the text has the shape of an AWS managed policy ARN (account `aws`), known or not.
/// An ARN of this shape that [`by_arn`] does not find names a policy newer than the snapshot, or
/// a mistake.
pub fn is_aws_managed_arn(arn: &str) -> bool {
    policy_path(arn).is_some()
}

/// An ARN of AWS managed policy shape that names no policy of the catalog: the deployment fails
/// (AWS refuses to attach a policy that does not exist), unless the policy is newer than the
/// catalog's snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotInCatalog {
    /// The ARN as written, with `aws` for the partition.
    pub arn: String,
    /// The policy of the same name (compared without case) at its real path, when there is
    /// one: the ARN has the wrong path or case, and the deployment fails.
    pub meant: Option<String>,
}

impl NotInCatalog {
    /// One sentence for findings, questions and diagnostics.
    pub fn describe(&self) -> String {
        match &self.meant {
            Some(real) => format!(
                "no such AWS managed policy: `{}`; AWS's policy of that name is `{real}`, so the deployment fails as written",
                self.arn
            ),
            None => format!(
                "no such AWS managed policy: `{}` is not in AWS's catalog (as of vouch's snapshot): the deployment fails, or the ARN means a customer policy and needs that account's id",
                self.arn
            ),
        }
    }
}

/// The finding for an ARN of AWS managed policy shape that the catalog does not hold; `None`
/// for a known policy or text of another shape.
pub fn not_in_catalog(arn: &str) -> Option<NotInCatalog> {
    let path_and_name = policy_path(arn)?;
    if by_arn(arn).is_some() {
        return None;
    }
    let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
    // A miss is rare: a scan of the catalog for a name in another case or path is cheap.
    let meant = all()
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .map(|p| p.arn.clone());
    Some(NotInCatalog {
        arn: format!("arn:aws:iam::aws:policy{path_and_name}"),
        meant,
    })
}

/// The `/path/Name` part of an AWS managed policy ARN, after checking its other segments.
fn policy_path(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?;
    let (partition, rest) = split_partition(rest)?;
    if !is_partition(partition) {
        return None;
    }
    let rest = rest.strip_prefix("iam::aws:policy")?;
    (rest.starts_with('/') && rest.len() > 1 && !rest.ends_with('/')).then_some(rest)
}

/// Splits `PARTITION:rest`; a `${...}` placeholder may itself contain `:` (`${AWS::Partition}`).
fn split_partition(text: &str) -> Option<(&str, &str)> {
    if text.starts_with("${") {
        let end = text.find('}')?;
        let rest = text[end + 1..].strip_prefix(':')?;
        Some((&text[..=end], rest))
    } else {
        text.split_once(':')
    }
}

fn is_partition(segment: &str) -> bool {
    if let Some(inner) = segment.strip_prefix("${").and_then(|s| s.strip_suffix('}')) {
        return !inner.is_empty();
    }
    segment == "aws"
        || segment.strip_prefix("aws-").is_some_and(|s| {
            !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_outside_the_catalog() {
        assert_eq!(
            not_in_catalog("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
            None
        );
        let wrong_path = not_in_catalog("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole")
            .expect("a managed policy ARN without its path names nothing");
        assert_eq!(
            wrong_path.meant.as_deref(),
            Some("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        );
        let invented = not_in_catalog("arn:aws:iam::aws:policy/NoSuchPolicyEver").unwrap();
        assert_eq!(invented.meant, None);
        assert!(invented
            .describe()
            .starts_with("no such AWS managed policy"));
        assert_eq!(
            not_in_catalog("arn:aws:iam::123456789012:policy/Mine"),
            None
        );
    }

    #[test]
    fn arn_shapes() {
        let p = "/service-role/AWSLambdaBasicExecutionRole";
        for arn in [
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:${partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        ] {
            assert_eq!(policy_path(arn), Some(p), "{arn}");
        }
        for arn in [
            "arn:aws:iam::123456789012:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:gcp:iam::aws:policy/AdministratorAccess",
            "arn::iam::aws:policy/AdministratorAccess",
            "arn:${}:iam::aws:policy/AdministratorAccess",
            "arn:aws:iam::aws:policy/",
            "arn:aws:iam::aws:role/AdministratorAccess",
            "AdministratorAccess",
        ] {
            assert_eq!(policy_path(arn), None, "{arn}");
        }
    }
}
