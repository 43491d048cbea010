//! Declared security group rules and network ACL entries open to the whole internet.

use super::util::{self, Evidence};
use crate::model::Kind;
use crate::model::Label;
use crate::model::{Model, Resource, Unknown, Value};
use serde::Serialize;

/// Security group or network ACL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    SecurityGroup,
    NetworkAcl,
}

/// The ports a rule opens.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Ports {
    /// Every port (protocol `-1` / `all`).
    All,
    Range {
        from: i64,
        to: i64,
    },
    /// ICMP and other protocols without ports (`from`/`to` are type and code).
    NotApplicable,
    Unknown {
        value: Value,
    },
}

/// One declared ingress rule open to `0.0.0.0/0` or `::/0`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenRule {
    /// The resource that declares the rule (the group or ACL for inline rules, else the rule).
    pub rule: usize,
    /// Path of the inline rule (`ingress[0]`), empty for a rule resource.
    pub attribute: String,
    /// The security group or network ACL the rule belongs to.
    pub target: usize,
    pub layer: Layer,
    /// `0.0.0.0/0` or `::/0`; `None` when the source cannot be read (then `unknown` says why).
    pub cidr: Option<String>,
    /// `tcp`, `udp`, `icmp`, `all`, or the number as written; `None` when unknown.
    pub protocol: Option<String>,
    pub ports: Ports,
    /// Resources the group is attached to (`security-group` edges), or the subnets the ACL is
    /// associated with. Empty: attached to nothing in the tree.
    pub attached_to: Vec<usize>,
    /// Port 80 or 443 (TCP) of a group attached only to internet-facing load balancers, or of
    /// an ACL on subnets that hold one: the public edge, allowed.
    pub edge_web: bool,
    pub unknown: Vec<Unknown>,
    pub evidence: Evidence,
}

fn protocol_name(v: &Value) -> Result<String, Value> {
    let s = match util::text(Some(v)) {
        Ok(Some(s)) => s,
        Ok(None) => return Ok("all".into()),
        Err(u) => return Err(u),
    };
    Ok(match s.to_ascii_lowercase().as_str() {
        "-1" | "all" => "all".into(),
        "6" | "tcp" => "tcp".into(),
        "17" | "udp" => "udp".into(),
        "1" | "icmp" => "icmp".into(),
        "58" | "icmpv6" => "icmpv6".into(),
        other => other.to_string(),
    })
}

fn port(v: Option<&Value>) -> Result<Option<i64>, Value> {
    match v {
        None => Ok(None),
        Some(v) if util::is_absent(v) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(|n| Some(n as i64))
            .ok_or_else(|| util::unknown_of(v)),
    }
}

/// Reads one rule from a map-like accessor.
struct RuleFields<'a> {
    cidrs: Vec<&'a Value>,
    protocol: Option<&'a Value>,
    from: Option<&'a Value>,
    to: Option<&'a Value>,
}

fn cidr_open(v: &Value) -> Result<Option<String>, Value> {
    match util::text(Some(v)) {
        Ok(Some(s)) if s == "0.0.0.0/0" || s == "::/0" => Ok(Some(s)),
        Ok(_) => Ok(None),
        Err(u) => Err(u),
    }
}

#[allow(clippy::too_many_arguments)]
fn emit(
    model: &Model,
    out: &mut Vec<OpenRule>,
    rule: usize,
    attribute: &str,
    target: usize,
    layer: Layer,
    f: RuleFields,
    attached: &[usize],
    web_ok: bool,
) {
    let protocol = match f.protocol {
        Some(v) => protocol_name(v),
        None => Ok("all".to_string()),
    };
    for c in f.cidrs {
        for item in util::items(c) {
            let mut unknown = Vec::new();
            let cidr = match cidr_open(item) {
                Ok(Some(s)) => Some(s),
                Ok(None) => continue,
                Err(u) => {
                    unknown.push(util::reason_of(&u));
                    None
                }
            };
            let proto = match &protocol {
                Ok(p) => Some(p.clone()),
                Err(u) => {
                    unknown.push(util::reason_of(u));
                    None
                }
            };
            let ports = match proto.as_deref() {
                Some("all") => Ports::All,
                Some("icmp") | Some("icmpv6") => Ports::NotApplicable,
                _ => match (port(f.from), port(f.to)) {
                    (Ok(Some(a)), Ok(Some(b))) => Ports::Range { from: a, to: b },
                    (Ok(Some(a)), Ok(None)) | (Ok(None), Ok(Some(a))) => {
                        Ports::Range { from: a, to: a }
                    }
                    (Ok(None), Ok(None)) => Ports::All,
                    (Err(u), _) | (_, Err(u)) => {
                        unknown.push(util::reason_of(&u));
                        Ports::Unknown { value: u }
                    }
                },
            };
            let web = web_ok
                && proto.as_deref() == Some("tcp")
                && matches!(ports, Ports::Range { from, to } if from == to && (from == 80 || from == 443));
            let path = if attribute.is_empty() {
                String::new()
            } else {
                attribute.to_string()
            };
            out.push(OpenRule {
                rule,
                attribute: path.clone(),
                target,
                layer,
                cidr,
                protocol: proto,
                ports,
                attached_to: attached.to_vec(),
                edge_web: web,
                unknown,
                evidence: Evidence::at(model, rule, &path),
            });
        }
    }
}

fn get<'a>(r: &'a Resource, prefix: &str, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| {
        let p = if prefix.is_empty() {
            n.to_string()
        } else {
            format!("{prefix}.{n}")
        };
        util::at(r, &p).map(|(_, v)| v)
    })
}

fn fields<'a>(r: &'a Resource, prefix: &str, cidr_names: &[&str]) -> RuleFields<'a> {
    RuleFields {
        cidrs: cidr_names
            .iter()
            .filter_map(|n| get(r, prefix, &[n]))
            .collect(),
        protocol: get(
            r,
            prefix,
            &["protocol", "ip_protocol", "IpProtocol", "Protocol"],
        ),
        from: get(
            r,
            prefix,
            &["from_port", "FromPort", "PortRange.From", "port_range.from"],
        ),
        to: get(
            r,
            prefix,
            &["to_port", "ToPort", "PortRange.To", "port_range.to"],
        ),
    }
}

const SG_CIDRS: &[&str] = &[
    "cidr_blocks",
    "ipv6_cidr_blocks",
    "cidr_ipv4",
    "cidr_ipv6",
    "CidrIp",
    "CidrIpv6",
];
const NACL_CIDRS: &[&str] = &[
    "cidr_block",
    "ipv6_cidr_block",
    "CidrBlock",
    "Ipv6CidrBlock",
];

pub fn is_internet_facing_lb(model: &Model, i: usize) -> bool {
    internet_facing_lb(model, i) == Some(true)
}

/// Whether a load balancer faces the internet: `None` when its scheme comes from a value the
/// tree cannot settle (`internal = var.internal`). Terraform's `internal` and CloudFormation's
/// `Scheme` default to internet-facing.
pub fn internet_facing_lb(model: &Model, i: usize) -> Option<bool> {
    let r = &model.resources[i];
    if r.kind != Kind::ElbLoadBalancer {
        return Some(false);
    }
    if let Some(v) = r.attributes.get("internal").filter(|v| !util::is_absent(v)) {
        return match util::flag(Some(v)) {
            Ok(Some(internal)) => Some(!internal),
            Ok(None) => Some(true),
            Err(_) => None,
        };
    }
    match util::text(r.attributes.get("Scheme")) {
        Ok(Some(s)) => Some(s == "internet-facing"),
        Ok(None) => Some(true),
        Err(_) => None,
    }
}

/// Every declared ingress rule open to `0.0.0.0/0` or `::/0` (security group rules inline or
/// as their own resources, network ACL entries that allow), with what it is attached to.
/// Undeclared defaults (the default network ACL) are not rules here. Sorted by declaring
/// resource and path.
pub fn open_ingress(model: &Model) -> Vec<OpenRule> {
    let mut out = Vec::new();
    // Subnets of each ACL and subnets holding internet-facing load balancers.
    let mut acl_subnets: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    let mut lb_subnets = std::collections::BTreeSet::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.kind == Kind::Ec2NetworkAcl && r.facet == Some("association") {
            if let (Some(acl), Some((_, v))) = (
                model.parents.get(&i),
                util::first_at(r, &["subnet_id", "SubnetId"]),
            ) {
                acl_subnets
                    .entry(*acl)
                    .or_default()
                    .extend(util::targets(model, &r.unit, v).into_iter().flatten());
            }
        }
        if (r.kind == Kind::Ec2NetworkAcl && r.facet.is_none())
            || r.source_type == "aws_default_network_acl"
        {
            if let Some((_, v)) = util::first_at(r, &["subnet_ids"]) {
                acl_subnets
                    .entry(i)
                    .or_default()
                    .extend(util::targets(model, &r.unit, v).into_iter().flatten());
            }
        }
        if is_internet_facing_lb(model, i) {
            for e in model
                .edges
                .iter()
                .filter(|e| e.from == i && e.label == Label::InSubnet)
            {
                lb_subnets.insert(e.to);
            }
            if let Some((_, v)) = util::first_at(r, &["subnet_mapping.subnet_id"]) {
                lb_subnets.extend(util::targets(model, &r.unit, v).into_iter().flatten());
            }
        }
    }
    let sg_attached = |sg: usize| -> (Vec<usize>, bool) {
        let attached = util::referrers(model, sg, Label::SecurityGroup);
        let web = !attached.is_empty() && attached.iter().all(|a| is_internet_facing_lb(model, *a));
        (attached, web)
    };
    for (i, r) in model.resources.iter().enumerate() {
        if !util::deployed(r) {
            continue;
        }
        let st = r.source_type.as_str();
        let is_sg = (r.kind == Kind::Ec2SecurityGroup && r.facet.is_none())
            || st == "aws_default_security_group";
        let is_acl =
            (r.kind == Kind::Ec2NetworkAcl && r.facet.is_none()) || st == "aws_default_network_acl";
        if is_sg {
            let (attached, web) = sg_attached(i);
            for key in ["ingress", "SecurityGroupIngress"] {
                if let Some(Value::List(rules)) = r.attributes.get(key) {
                    for k in 0..rules.len() {
                        let prefix = format!("{key}[{k}]");
                        let f = fields(r, &prefix, SG_CIDRS);
                        emit(
                            model,
                            &mut out,
                            i,
                            &prefix,
                            i,
                            Layer::SecurityGroup,
                            f,
                            &attached,
                            web,
                        );
                    }
                }
            }
        } else if r.kind == Kind::Ec2SecurityGroup && r.facet == Some("rule") {
            let ingress = match st {
                "aws_security_group_rule" => {
                    r.attributes.get("type").and_then(Value::as_str) == Some("ingress")
                }
                "aws_vpc_security_group_ingress_rule" | "AWS::EC2::SecurityGroupIngress" => true,
                _ => false,
            };
            if !ingress {
                continue;
            }
            let sg = model.parents.get(&i).copied().unwrap_or(i);
            let (attached, web) = if sg == i {
                (vec![], false)
            } else {
                sg_attached(sg)
            };
            let f = fields(r, "", SG_CIDRS);
            emit(
                model,
                &mut out,
                i,
                "",
                sg,
                Layer::SecurityGroup,
                f,
                &attached,
                web,
            );
        } else if is_acl {
            let subnets = acl_subnets.get(&i).cloned().unwrap_or_default();
            let web = subnets.iter().any(|s| lb_subnets.contains(s));
            if let Some(Value::List(rules)) = r.attributes.get("ingress") {
                for k in 0..rules.len() {
                    let prefix = format!("ingress[{k}]");
                    let action = util::at(r, &format!("{prefix}.action")).map(|(_, v)| v);
                    if action.and_then(Value::as_str) == Some("deny") {
                        continue;
                    }
                    let f = fields(r, &prefix, NACL_CIDRS);
                    emit(
                        model,
                        &mut out,
                        i,
                        &prefix,
                        i,
                        Layer::NetworkAcl,
                        f,
                        &subnets,
                        web,
                    );
                }
            }
        } else if r.kind == Kind::Ec2NetworkAcl && r.facet == Some("rule") {
            let egress = util::flag(r.attributes.get("egress").or(r.attributes.get("Egress")));
            if matches!(egress, Ok(Some(true))) {
                continue;
            }
            let action = util::first_at(r, &["rule_action", "RuleAction"]).map(|(_, v)| v);
            if action
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .as_deref()
                == Some("deny")
            {
                continue;
            }
            let acl = model.parents.get(&i).copied().unwrap_or(i);
            let subnets = acl_subnets.get(&acl).cloned().unwrap_or_default();
            let web = subnets.iter().any(|s| lb_subnets.contains(s));
            let f = fields(r, "", NACL_CIDRS);
            emit(
                model,
                &mut out,
                i,
                "",
                acl,
                Layer::NetworkAcl,
                f,
                &subnets,
                web,
            );
        }
    }
    for o in &mut out {
        o.attached_to.sort_unstable();
        o.attached_to.dedup();
    }
    out.sort_by(|a, b| (a.rule, &a.attribute, &a.cidr).cmp(&(b.rule, &b.attribute, &b.cidr)));
    out
}
