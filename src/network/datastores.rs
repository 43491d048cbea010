//! Data stores reachable from the internet: public RDS, S3 buckets open by ACL or policy (after
//! public access blocks), OpenSearch domains outside a VPC, public Redshift clusters and Amazon
//! MQ brokers.

use super::placement::Network;
use super::util::{self, Evidence};
use crate::iam::policy::{self, Effect};
use crate::model::Kind;
use crate::model::{Found, Model, Prop, Unknown, Value};
use serde::Serialize;

/// One fact about a data store's exposure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposureFinding {
    /// A stable name: `rds.publicly-accessible`, `s3.public-access-block`, `s3.acl`,
    /// `s3.policy`, `opensearch.endpoint`, `redshift.publicly-accessible`,
    /// `msk.public-access`, `mq.publicly-accessible`.
    pub what: &'static str,
    /// Whether this fact makes the store public (`None`: cannot be read).
    pub public: Option<bool>,
    pub detail: String,
    /// The provider default that was applied, when the setting is not written.
    pub default: Option<&'static str>,
    pub unknown: Option<Unknown>,
    pub evidence: Evidence,
}

/// A data store and whether the internet reaches it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exposure {
    pub store: usize,
    /// True when some finding makes it public; `None` when none does but one is unknown.
    pub public: Option<bool>,
    pub findings: Vec<ExposureFinding>,
}

fn finding(
    model: &Model,
    i: usize,
    path: &str,
    what: &'static str,
    public: Option<bool>,
    detail: impl Into<String>,
) -> ExposureFinding {
    ExposureFinding {
        what,
        public,
        detail: detail.into(),
        default: None,
        unknown: None,
        evidence: Evidence::at(model, i, path),
    }
}

/// Every RDS instance and cluster, S3 bucket, OpenSearch domain, Redshift cluster, MSK cluster
/// and Amazon MQ broker, with whether the internet reaches it. Sorted by store.
pub fn public_datastores(model: &Model) -> Vec<Exposure> {
    let net = Network::new(model);
    let facets = util::facets(model);
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.facet.is_some() || !util::deployed(r) {
            continue;
        }
        let findings = match r.kind {
            Kind::RdsInstance | Kind::RdsCluster | Kind::RdsClusterInstance => rds(model, &net, i),
            Kind::S3Bucket => s3(model, i, facets.get(&i).map(Vec::as_slice).unwrap_or(&[])),
            Kind::OpensearchDomain => opensearch(model, i),
            Kind::RedshiftCluster => publicly_accessible(
                model,
                i,
                Prop::RedshiftClusterPubliclyAccessible,
                "redshift.publicly-accessible",
                "publicly accessible defaults to false (AWS API, AWS provider 5+)",
            ),
            Kind::MskCluster => publicly_accessible(
                model,
                i,
                Prop::MskClusterPubliclyAccessible,
                "msk.public-access",
                "MSK brokers are reachable only inside their VPC unless public access is SERVICE_PROVIDED_EIPS; the default is DISABLED (MSK public access docs)",
            ),
            Kind::MqBroker => publicly_accessible(
                model,
                i,
                Prop::MqBrokerPubliclyAccessible,
                "mq.publicly-accessible",
                "Terraform's publicly_accessible defaults to false; CloudFormation requires PubliclyAccessible",
            ),
            _ => continue,
        };
        let public = if findings.iter().any(|f| f.public == Some(true)) {
            Some(true)
        } else if findings.iter().any(|f| f.public.is_none()) {
            None
        } else {
            Some(false)
        };
        out.push(Exposure {
            store: i,
            public,
            findings,
        });
    }
    out
}

/// The RDS properties the exposure reads, by kind: publicly accessible, the DB subnet group
/// and the cluster an instance belongs to.
fn rds_props(kind: Kind) -> (Prop, Option<Prop>, Option<Prop>) {
    match kind {
        Kind::RdsCluster => (
            Prop::RdsClusterPubliclyAccessible,
            Some(Prop::RdsClusterDBSubnetGroupName),
            None,
        ),
        Kind::RdsClusterInstance => (
            Prop::RdsClusterInstancePubliclyAccessible,
            Some(Prop::RdsClusterInstanceDBSubnetGroupName),
            Some(Prop::RdsClusterInstanceDBClusterIdentifier),
        ),
        _ => (
            Prop::RdsInstancePubliclyAccessible,
            Some(Prop::RdsInstanceDBSubnetGroupName),
            Some(Prop::RdsInstanceDBClusterIdentifier),
        ),
    }
}

fn rds(model: &Model, net: &Network, i: usize) -> Vec<ExposureFinding> {
    let r = &model.resources[i];
    let (public_prop, group_prop, cluster_prop) = rds_props(r.kind);
    // What the code sets, else what its language's tool writes (Terraform's provider sends
    // false); `None` leaves AWS to decide from the subnets.
    let set = model.prop(i, public_prop);
    let language_default = set.as_ref().filter(|f| f.is_default()).map(|f| {
        let source = match f.origin {
            crate::model::PropOrigin::Default { source } => source,
            _ => "",
        };
        (f.flag().ok().flatten().unwrap_or(false), source)
    });
    let set = set.filter(|f| !f.is_default());
    let flag = set.as_ref().map_or(Ok(None), |f| f.flag());
    let path = set
        .as_ref()
        .and_then(|f| f.attribute())
        .map(|(_, p)| p.to_string())
        .unwrap_or_default();
    let what = "rds.publicly-accessible";
    match flag {
        Ok(Some(b)) => vec![finding(
            model,
            i,
            &path,
            what,
            Some(b),
            format!("publicly accessible: {b}"),
        )],
        Err(u) => {
            let mut f = finding(
                model,
                i,
                &path,
                what,
                None,
                "publicly accessible cannot be read",
            );
            f.unknown = Some(util::reason_of(&u));
            vec![f]
        }
        Ok(None) if language_default.is_some() => {
            let (public, source) = language_default.unwrap_or_default();
            let mut f = finding(
                model,
                i,
                "",
                what,
                Some(public),
                "publicly_accessible unset",
            );
            f.default = Some(source);
            vec![f]
        }
        Ok(None) => {
            // CloudFormation: unset is public when the DB subnet group's subnets route to an
            // internet gateway.
            let default = "CloudFormation's unset PubliclyAccessible is public when the subnets route to an internet gateway";
            let named = group_prop.and_then(|p| model.prop_set(i, p));
            let mut group = named
                .as_ref()
                .and_then(|f| util::target(model, &r.unit, &f.value));
            if group.is_none() {
                // An Aurora instance takes the cluster's subnet group.
                if let Some(c) = cluster_prop
                    .and_then(|p| model.prop_set(i, p))
                    .and_then(|f| util::target(model, &r.unit, &f.value))
                {
                    let cr = &model.resources[c];
                    group = rds_props(cr.kind)
                        .1
                        .and_then(|p| model.prop_set(c, p))
                        .and_then(|f| util::target(model, &cr.unit, &f.value));
                }
            }
            let Some(g) = group else {
                let detail = match named {
                    Some(_) => "the DB subnet group is not in the scanned tree",
                    None => "no DB subnet group: the default VPC, outside the scanned tree",
                };
                let mut f = finding(model, i, "", what, None, detail);
                f.default = Some(default);
                f.unknown = Some(match &named {
                    Some(f) => util::reason_of(&f.value),
                    None => Unknown {
                        reason: crate::model::Reason::OutsideTree,
                        detail: "default VPC".into(),
                    },
                });
                return vec![f];
            };
            let gr = &model.resources[g];
            let Some(subnets) = model.prop_set(g, Prop::RdsSubnetGroupSubnetIds) else {
                let mut f = finding(
                    model,
                    g,
                    "",
                    what,
                    None,
                    "the DB subnet group names no subnets",
                );
                f.default = Some(default);
                return vec![f];
            };
            let sp = net.in_subnets(&gr.unit, &subnets.value);
            let public = if sp.public == Some(true) {
                Some(true)
            } else if sp.unresolved.is_empty() {
                sp.public
            } else {
                None
            };
            let mut f = finding(
                model,
                i,
                "",
                what,
                public,
                match public {
                    Some(true) => {
                        "PubliclyAccessible unset and a subnet routes to an internet gateway"
                    }
                    Some(false) => {
                        "PubliclyAccessible unset and no subnet routes to an internet gateway"
                    }
                    None => "PubliclyAccessible unset and the subnets' routes cannot be read",
                },
            );
            f.default = Some(default);
            f.unknown = sp
                .unresolved
                .first()
                .map(util::reason_of)
                .or_else(|| sp.unknowns.first().cloned());
            vec![f]
        }
    }
}

/// A public access block's four settings: `Some(true)` blocks, `None` unknown.
#[derive(Debug, Clone, Copy)]
struct Block {
    acls: Option<bool>,
    ignore_acls: Option<bool>,
    policy: Option<bool>,
    restrict: Option<bool>,
}

/// The four settings of a public access block, in the order of [`Block`]'s fields.
const BUCKET_BLOCK: [Prop; 4] = [
    Prop::S3BucketPublicAccessBlockConfigurationBlockPublicAcls,
    Prop::S3BucketPublicAccessBlockConfigurationIgnorePublicAcls,
    Prop::S3BucketPublicAccessBlockConfigurationBlockPublicPolicy,
    Prop::S3BucketPublicAccessBlockConfigurationRestrictPublicBuckets,
];

const ACCOUNT_BLOCK: [Prop; 4] = [
    Prop::S3AccountPublicAccessBlockBlockPublicAcls,
    Prop::S3AccountPublicAccessBlockIgnorePublicAcls,
    Prop::S3AccountPublicAccessBlockBlockPublicPolicy,
    Prop::S3AccountPublicAccessBlockRestrictPublicBuckets,
];

fn read_block(model: &Model, i: usize, props: [Prop; 4], unknowns: &mut Vec<Unknown>) -> Block {
    let mut get = |p: Prop| match model.prop_set(i, p).map_or(Ok(None), |f| f.flag()) {
        Ok(b) => Some(b.unwrap_or(false)),
        Err(u) => {
            unknowns.push(util::reason_of(&u));
            None
        }
    };
    Block {
        acls: get(props[0]),
        ignore_acls: get(props[1]),
        policy: get(props[2]),
        restrict: get(props[3]),
    }
}

/// `blocked` or `unknown` when either setting blocks; false only when both are known false.
fn blocks(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    super::placement::or3(a, b)
}

const PUBLIC_ACLS: &[&str] = &[
    "public-read",
    "public-read-write",
    "authenticated-read",
    "PublicRead",
    "PublicReadWrite",
    "AuthenticatedRead",
];

/// Condition keys that tie a public-principal statement to specific callers.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalservicename",
    "aws:userid",
    "aws:username",
    "aws:vpcsourceip",
];

/// Statements of a policy that allow everyone without a restricting condition; `Err` when the
/// document cannot be read.
pub fn open_statements(doc_value: &Value) -> Result<Vec<usize>, Value> {
    let doc = policy::parse(doc_value);
    if let Some(u) = doc.unknown {
        return Err(util::unknown_of(&u));
    }
    let mut out = Vec::new();
    for st in &doc.statements {
        if st.effect != Effect::Allow {
            continue;
        }
        let Some(p) = &st.principal else { continue };
        if p.negated {
            continue;
        }
        let everyone = p
            .principals
            .iter()
            .any(|pr| (pr.kind == "*" || pr.kind == "AWS") && pr.id.as_str() == Some("*"));
        if !everyone {
            continue;
        }
        let restricted = st.conditions.iter().any(|c| {
            RESTRICTING_KEYS.contains(&c.key_lower().as_str())
                && !c.values.iter().any(|v| v.as_str() == Some("*"))
        });
        if !restricted {
            out.push(st.index);
        }
    }
    Ok(out)
}

fn s3(model: &Model, i: usize, facets: &[usize]) -> Vec<ExposureFinding> {
    let r = &model.resources[i];
    let mut out = Vec::new();
    let mut unknowns = Vec::new();
    // Public access block: a facet, the inline CloudFormation configuration, or AWS's default.
    let pab_facet = facets
        .iter()
        .copied()
        .find(|f| model.resources[*f].facet == Some("public-access-block"));
    let inline = model.prop_set(i, Prop::S3BucketPublicAccessBlockConfiguration);
    let (block, mut f) = match (pab_facet, inline) {
        (Some(f), _) => {
            let b = read_block(model, i, BUCKET_BLOCK, &mut unknowns);
            (
                b,
                finding(model, f, "", "s3.public-access-block", Some(false), ""),
            )
        }
        (None, Some(found)) => {
            let path = found
                .attribute()
                .map(|(_, p)| p.to_string())
                .unwrap_or_default();
            let b = read_block(model, i, BUCKET_BLOCK, &mut unknowns);
            (
                b,
                finding(model, i, &path, "s3.public-access-block", Some(false), ""),
            )
        }
        (None, None) => {
            let b = Block {
                acls: Some(true),
                ignore_acls: Some(true),
                policy: Some(true),
                restrict: Some(true),
            };
            let mut f = finding(model, i, "", "s3.public-access-block", Some(false), "");
            f.default = Some(
                "no public access block declared: new buckets block all public access by default since April 2023",
            );
            (b, f)
        }
    };
    // An account-level block in the same unit adds to the bucket's.
    let mut block = block;
    for (a, ar) in model.resources.iter().enumerate() {
        if ar.kind == Kind::S3AccountPublicAccessBlock && ar.unit == r.unit {
            let ab = read_block(model, a, ACCOUNT_BLOCK, &mut unknowns);
            block.acls = blocks(block.acls, ab.acls);
            block.ignore_acls = blocks(block.ignore_acls, ab.ignore_acls);
            block.policy = blocks(block.policy, ab.policy);
            block.restrict = blocks(block.restrict, ab.restrict);
        }
    }
    let show = |b: Option<bool>| match b {
        Some(true) => "true",
        Some(false) => "false",
        None => "unknown",
    };
    f.detail = format!(
        "block_public_acls={} ignore_public_acls={} block_public_policy={} restrict_public_buckets={}",
        show(block.acls),
        show(block.ignore_acls),
        show(block.policy),
        show(block.restrict)
    );
    f.unknown = unknowns.first().cloned();
    out.push(f);
    let acl_blocked = blocks(block.acls, block.ignore_acls);
    let policy_blocked = blocks(block.policy, block.restrict);
    // ACLs: the bucket's own (deprecated) attribute, CloudFormation's AccessControl, or an ACL
    // facet (canned or grants to AllUsers / AuthenticatedUsers).
    let mut acls: Vec<(usize, String, Value)> = Vec::new();
    for f in model.props(i, Prop::S3BucketAccessControl) {
        if let Some((idx, p)) = f.attribute() {
            acls.push((idx, p.to_string(), f.value.clone().into_owned()));
        }
    }
    for f in model.props(i, Prop::S3BucketAccessControlPolicy) {
        let text = serde_json::to_string(&*f.value).unwrap_or_default();
        if text.contains("AllUsers") || text.contains("AuthenticatedUsers") {
            if let Some((idx, p)) = f.attribute() {
                acls.push((
                    idx,
                    p.to_string(),
                    Value::str("grant to AllUsers/AuthenticatedUsers"),
                ));
            }
        }
    }
    // The bucket's own first, then each ACL facet's, as declared.
    acls.sort_by_key(|(idx, _, _)| if *idx == i { 0 } else { *idx + 1 });
    let disabled = if acls.is_empty() {
        AclsDisabled::No
    } else {
        acls_disabled(model, i)
    };
    for (idx, p, v) in acls {
        let (public_acl, unknown) = match &v {
            Value::String(s) => (
                PUBLIC_ACLS.contains(&s.as_str()) || s.starts_with("grant to"),
                None,
            ),
            other => (false, Some(util::reason_of(other))),
        };
        // With ACLs disabled by object ownership, an ACL grants nothing.
        let acls_off = match &disabled {
            AclsDisabled::Yes(_) => Some(true),
            AclsDisabled::No => Some(false),
            AclsDisabled::Unknown(_) => None,
        };
        let public = match (public_acl, unknown.is_some(), blocks(acl_blocked, acls_off)) {
            (_, _, Some(true)) => Some(false),
            (true, _, Some(false)) => Some(true),
            (false, false, _) => Some(false),
            _ => None,
        };
        let unknown = unknown.or_else(|| match (&disabled, public_acl) {
            (AclsDisabled::Unknown(u), true) => Some(u.clone()),
            _ => None,
        });
        let mut f = finding(
            model,
            idx,
            &p,
            "s3.acl",
            public,
            format!(
                "ACL {}{}",
                match &v {
                    Value::String(s) => s.to_string(),
                    other => other.to_string(),
                },
                match (&disabled, public_acl) {
                    (AclsDisabled::Yes(why), true) => format!(" ({why})"),
                    _ if public_acl && acl_blocked == Some(true) => {
                        " (blocked by the public access block)".to_string()
                    }
                    _ => String::new(),
                }
            ),
        );
        f.unknown = unknown;
        out.push(f);
    }
    // Policies: the bucket's own attribute or policy facets.
    let policies: Vec<(usize, String, Found)> = model
        .props(i, Prop::S3BucketPolicyDocument)
        .into_iter()
        .filter_map(|f| {
            let (idx, p) = f.attribute()?;
            let p = p.to_string();
            Some((idx, p, f))
        })
        .collect();
    for (idx, p, v) in policies {
        let (public, detail, unknown) = match open_statements(&v.value) {
            Ok(open) if open.is_empty() => (
                Some(false),
                "no statement allows everyone".to_string(),
                None,
            ),
            Ok(open) => {
                let list: Vec<String> = open.iter().map(|s| format!("Statement[{s}]")).collect();
                let public = match policy_blocked {
                    Some(true) => Some(false),
                    Some(false) => Some(true),
                    None => None,
                };
                (
                    public,
                    format!(
                        "{} allow Principal * with no restricting condition{}",
                        list.join(", "),
                        if policy_blocked == Some(true) {
                            " (blocked by the public access block)"
                        } else {
                            ""
                        }
                    ),
                    None,
                )
            }
            Err(u) => match policy_blocked {
                Some(true) => (
                    Some(false),
                    "policy cannot be read; public policies are blocked".into(),
                    Some(util::reason_of(&u)),
                ),
                _ => (
                    None,
                    "policy cannot be read".into(),
                    Some(util::reason_of(&u)),
                ),
            },
        };
        let mut f = finding(model, idx, &p, "s3.policy", public, detail);
        f.unknown = unknown;
        out.push(f);
    }
    out
}

/// Whether a bucket's object ownership disables its ACLs: BucketOwnerEnforced, written or by
/// default (`rules/properties/s3.tsv`), makes every ACL grant nothing.
enum AclsDisabled {
    /// Why: the setting, or the default.
    Yes(String),
    No,
    Unknown(Unknown),
}

fn acls_disabled(model: &Model, i: usize) -> AclsDisabled {
    let Some(found) = model.prop(i, Prop::S3BucketObjectOwnership) else {
        return AclsDisabled::No;
    };
    match found.text() {
        Ok(Some(t)) if t.eq_ignore_ascii_case("BucketOwnerEnforced") => {
            AclsDisabled::Yes(if found.is_default() {
                "ACLs disabled: no ownership controls, so object ownership is BucketOwnerEnforced, the default since April 2023, and S3 refuses this ACL".into()
            } else {
                "ACLs disabled: object ownership is BucketOwnerEnforced, and S3 refuses this ACL"
                    .into()
            })
        }
        Ok(Some(_)) => AclsDisabled::No,
        Ok(None) => AclsDisabled::No,
        Err(v) => AclsDisabled::Unknown(util::reason_of(&v)),
    }
}

fn opensearch(model: &Model, i: usize) -> Vec<ExposureFinding> {
    let subnets = model.prop_set(i, Prop::OpensearchDomainVPCOptionsSubnetIds);
    let policy = model.prop_set(i, Prop::OpensearchDomainAccessPolicies);
    let open = policy.as_ref().map(|f| open_statements(&f.value));
    match subnets {
        Some(f) if !matches!(&*f.value, Value::List(l) if l.is_empty()) => vec![finding(
            model,
            i,
            f.attribute().map(|(_, p)| p).unwrap_or_default(),
            "opensearch.endpoint",
            Some(false),
            "in a VPC",
        )],
        _ => {
            let detail = match &open {
                Some(Ok(s)) if !s.is_empty() => {
                    "internet endpoint; the access policy allows everyone"
                }
                Some(Ok(_)) => "internet endpoint; the access policy names the principals allowed",
                Some(Err(_)) => "internet endpoint; the access policy cannot be read",
                None => "internet endpoint; no access policy in the tree",
            };
            let mut f = finding(model, i, "", "opensearch.endpoint", Some(true), detail);
            f.default = Some("without VPC options a domain has an internet endpoint");
            if let Some(Err(u)) = &open {
                f.unknown = Some(util::reason_of(u));
            }
            vec![f]
        }
    }
}

/// A store whose own flag says whether it has a public endpoint (Redshift clusters, Amazon MQ
/// brokers); unset is private, as `default` says.
fn publicly_accessible(
    model: &Model,
    i: usize,
    prop: Prop,
    what: &'static str,
    default: &'static str,
) -> Vec<ExposureFinding> {
    let set = model.prop_set(i, prop);
    let flag = set.as_ref().map_or(Ok(None), |f| f.flag());
    let path = set
        .as_ref()
        .and_then(|f| f.attribute())
        .map(|(_, p)| p.to_string());
    match flag {
        Ok(Some(b)) => vec![finding(
            model,
            i,
            &path.unwrap_or_default(),
            what,
            Some(b),
            format!("publicly accessible: {b}"),
        )],
        Ok(None) => {
            let mut f = finding(model, i, "", what, Some(false), "publicly accessible unset");
            f.default = Some(default);
            vec![f]
        }
        Err(u) => {
            let mut f = finding(
                model,
                i,
                &path.unwrap_or_default(),
                what,
                None,
                "publicly accessible cannot be read",
            );
            f.unknown = Some(util::reason_of(&u));
            vec![f]
        }
    }
}
