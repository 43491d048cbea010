//! Data stores reachable from the internet: public RDS, S3 buckets open by ACL or policy (after
//! public access blocks), OpenSearch domains outside a VPC, public Redshift clusters.

use super::placement::Network;
use super::util::{self, Evidence};
use crate::iam::policy::{self, Effect};
use crate::model::Kind;
use crate::model::{Model, Resource, Unknown, Value};
use serde::Serialize;

/// One fact about a data store's exposure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposureFinding {
    /// A stable name: `rds.publicly-accessible`, `s3.public-access-block`, `s3.acl`,
    /// `s3.policy`, `opensearch.endpoint`, `redshift.publicly-accessible`.
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

/// Every RDS instance and cluster, S3 bucket, OpenSearch domain and Redshift cluster, with
/// whether the internet reaches it. Sorted by store.
pub fn public_datastores(model: &Model) -> Vec<Exposure> {
    let net = Network::new(model);
    let facets = util::facets(model);
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.facet.is_some() || !util::deployed(r) {
            continue;
        }
        let findings = match (r.kind, r.source_type.as_str()) {
            (Kind::RdsInstance, _) | (Kind::RdsCluster, _) | (_, "aws_rds_cluster_instance") => {
                rds(model, &net, i)
            }
            (Kind::S3Bucket, _) => s3(model, i, facets.get(&i).map(Vec::as_slice).unwrap_or(&[])),
            (Kind::OpensearchDomain, _) => opensearch(model, i),
            (Kind::RedshiftCluster, _) => redshift(model, i),
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

fn rds(model: &Model, net: &Network, i: usize) -> Vec<ExposureFinding> {
    let r = &model.resources[i];
    let (flag, path) = util::flag_at(r, &["publicly_accessible", "PubliclyAccessible"]);
    let path = path.unwrap_or_default();
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
        Ok(None) if r.language != crate::model::Language::CloudFormation => {
            let mut f = finding(model, i, "", what, Some(false), "publicly_accessible unset");
            f.default = Some("Terraform's publicly_accessible defaults to false");
            vec![f]
        }
        Ok(None) => {
            // CloudFormation: unset is public when the DB subnet group's subnets route to an
            // internet gateway.
            let default = "CloudFormation's unset PubliclyAccessible is public when the subnets route to an internet gateway";
            let mut group = util::first_at(r, &["DBSubnetGroupName"])
                .and_then(|(_, v)| util::target(model, &r.unit, v));
            if group.is_none() {
                // An Aurora instance takes the cluster's subnet group.
                if let Some(c) = util::first_at(r, &["DBClusterIdentifier"])
                    .and_then(|(_, v)| util::target(model, &r.unit, v))
                {
                    let cr = &model.resources[c];
                    group = util::first_at(cr, &["DBSubnetGroupName"])
                        .and_then(|(_, v)| util::target(model, &cr.unit, v));
                }
            }
            let named = util::first_at(r, &["DBSubnetGroupName"]);
            let Some(g) = group else {
                let detail = match named {
                    Some(_) => "the DB subnet group is not in the scanned tree",
                    None => "no DB subnet group: the default VPC, outside the scanned tree",
                };
                let mut f = finding(model, i, "", what, None, detail);
                f.default = Some(default);
                f.unknown = Some(match named {
                    Some((_, v)) => util::reason_of(v),
                    None => Unknown {
                        reason: crate::model::Reason::OutsideTree,
                        detail: "default VPC".into(),
                    },
                });
                return vec![f];
            };
            let gr = &model.resources[g];
            let Some((_, subnets)) = util::first_at(gr, &["SubnetIds", "subnet_ids"]) else {
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
            let sp = net.in_subnets(&gr.unit, subnets);
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

fn read_block(r: &Resource, prefix: &str, unknowns: &mut Vec<Unknown>) -> Block {
    let get = |names: &[&str], unknowns: &mut Vec<Unknown>| {
        let paths: Vec<String> = names
            .iter()
            .map(|n| {
                if prefix.is_empty() {
                    n.to_string()
                } else {
                    format!("{prefix}.{n}")
                }
            })
            .collect();
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        match util::flag_at(r, &refs).0 {
            Ok(b) => Some(b.unwrap_or(false)),
            Err(u) => {
                unknowns.push(util::reason_of(&u));
                None
            }
        }
    };
    Block {
        acls: get(&["block_public_acls", "BlockPublicAcls"], unknowns),
        ignore_acls: get(&["ignore_public_acls", "IgnorePublicAcls"], unknowns),
        policy: get(&["block_public_policy", "BlockPublicPolicy"], unknowns),
        restrict: get(
            &["restrict_public_buckets", "RestrictPublicBuckets"],
            unknowns,
        ),
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
    let inline = util::at(r, "PublicAccessBlockConfiguration");
    let (block, mut f) = match (pab_facet, inline) {
        (Some(f), _) => {
            let b = read_block(&model.resources[f], "", &mut unknowns);
            (
                b,
                finding(model, f, "", "s3.public-access-block", Some(false), ""),
            )
        }
        (None, Some((path, _))) => {
            let b = read_block(r, &path, &mut unknowns);
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
            let ab = read_block(&model.resources[a], "", &mut unknowns);
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
    for (idx, res) in std::iter::once(i)
        .chain(facets.iter().copied())
        .map(|x| (x, &model.resources[x]))
    {
        if idx != i && res.facet != Some("acl") {
            continue;
        }
        if let Some((p, v)) = util::first_at(res, &["acl", "AccessControl"]) {
            acls.push((idx, p, v.clone()));
        }
        if let Some((p, v)) = util::first_at(res, &["access_control_policy"]) {
            let text = serde_json::to_string(v).unwrap_or_default();
            if text.contains("AllUsers") || text.contains("AuthenticatedUsers") {
                acls.push((idx, p, Value::str("grant to AllUsers/AuthenticatedUsers")));
            }
        }
    }
    for (idx, p, v) in acls {
        let (public_acl, unknown) = match &v {
            Value::String(s) => (
                PUBLIC_ACLS.contains(&s.as_str()) || s.starts_with("grant to"),
                None,
            ),
            other => (false, Some(util::reason_of(other))),
        };
        let public = match (public_acl, unknown.is_some(), acl_blocked) {
            (_, _, Some(true)) => Some(false),
            (true, _, Some(false)) => Some(true),
            (false, false, _) => Some(false),
            _ => None,
        };
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
                if public_acl && acl_blocked == Some(true) {
                    " (blocked by the public access block)"
                } else {
                    ""
                }
            ),
        );
        f.unknown = unknown;
        out.push(f);
    }
    // Policies: the bucket's own attribute or policy facets.
    let mut policies: Vec<(usize, String, &Value)> = Vec::new();
    if let Some((p, v)) = util::first_at(r, &["policy"]) {
        policies.push((i, p, v));
    }
    for fi in facets {
        let fr = &model.resources[*fi];
        if fr.facet == Some("policy") {
            if let Some((p, v)) = util::first_at(fr, &["policy", "PolicyDocument"]) {
                policies.push((*fi, p, v));
            }
        }
    }
    for (idx, p, v) in policies {
        let (public, detail, unknown) = match open_statements(v) {
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

fn opensearch(model: &Model, i: usize) -> Vec<ExposureFinding> {
    let r = &model.resources[i];
    let subnets = util::first_at(r, &["vpc_options.subnet_ids", "VPCOptions.SubnetIds"]);
    let policy = util::first_at(r, &["access_policies", "AccessPolicies"]);
    let open = policy.as_ref().map(|(_, v)| open_statements(v));
    match subnets {
        Some((p, v)) if !matches!(v, Value::List(l) if l.is_empty()) => vec![finding(
            model,
            i,
            &p,
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

fn redshift(model: &Model, i: usize) -> Vec<ExposureFinding> {
    let r = &model.resources[i];
    let (flag, path) = util::flag_at(r, &["publicly_accessible", "PubliclyAccessible"]);
    let what = "redshift.publicly-accessible";
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
            f.default = Some("publicly accessible defaults to false (AWS API, AWS provider 5+)");
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
