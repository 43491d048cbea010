//! Declared security group rules and network ACL entries open to the whole internet.

use super::util::{self, Evidence};
use crate::model::Kind;
use crate::model::Label;
use crate::model::{Found, Item, Model, Prop, Unknown, Value};
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
    /// Ports of this source that lower-numbered network ACL denies take first (protocol, from,
    /// to), in rule number order: the entry is open on every other port. Empty for security
    /// groups, which have no denies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub denied_first: Vec<(String, i64, i64)>,
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

/// One rule's fields, read through its properties.
struct RuleFields<'a> {
    cidrs: Vec<Found<'a>>,
    protocol: Option<Found<'a>>,
    from: Option<Found<'a>>,
    to: Option<Found<'a>>,
}

/// The properties of a rule: its CIDRs (IPv4 and IPv6), protocol, first and last port.
struct RuleProps {
    cidrs: [Prop; 2],
    protocol: Prop,
    from: Prop,
    to: Prop,
}

const SG_INLINE: RuleProps = RuleProps {
    cidrs: [
        Prop::Ec2SecurityGroupIngressCidrIp,
        Prop::Ec2SecurityGroupIngressCidrIpv6,
    ],
    protocol: Prop::Ec2SecurityGroupIngressIpProtocol,
    from: Prop::Ec2SecurityGroupIngressFromPort,
    to: Prop::Ec2SecurityGroupIngressToPort,
};

const SG_RULE: RuleProps = RuleProps {
    cidrs: [
        Prop::Ec2SecurityGroupRuleCidrIp,
        Prop::Ec2SecurityGroupRuleCidrIpv6,
    ],
    protocol: Prop::Ec2SecurityGroupRuleIpProtocol,
    from: Prop::Ec2SecurityGroupRuleFromPort,
    to: Prop::Ec2SecurityGroupRuleToPort,
};

const NACL_INLINE: RuleProps = RuleProps {
    cidrs: [
        Prop::Ec2NetworkAclIngressCidrBlock,
        Prop::Ec2NetworkAclIngressIpv6CidrBlock,
    ],
    protocol: Prop::Ec2NetworkAclIngressProtocol,
    from: Prop::Ec2NetworkAclIngressFromPort,
    to: Prop::Ec2NetworkAclIngressToPort,
};

const NACL_ENTRY: RuleProps = RuleProps {
    cidrs: [
        Prop::Ec2NetworkAclEntryCidrBlock,
        Prop::Ec2NetworkAclEntryIpv6CidrBlock,
    ],
    protocol: Prop::Ec2NetworkAclEntryProtocol,
    from: Prop::Ec2NetworkAclEntryFromPort,
    to: Prop::Ec2NetworkAclEntryToPort,
};

/// The fields of an inline rule (an item of the group's or ACL's list).
fn item_fields<'a>(item: &Item<'a>, p: &RuleProps) -> RuleFields<'a> {
    RuleFields {
        cidrs: p.cidrs.iter().flat_map(|c| item.props(*c)).collect(),
        protocol: item.prop_set(p.protocol),
        from: item.prop_set(p.from),
        to: item.prop_set(p.to),
    }
}

/// The fields of a rule written as its own resource.
fn resource_fields<'a>(model: &'a Model, i: usize, p: &RuleProps) -> RuleFields<'a> {
    RuleFields {
        cidrs: p.cidrs.iter().flat_map(|c| model.props(i, *c)).collect(),
        protocol: model.prop_set(i, p.protocol),
        from: model.prop_set(i, p.from),
        to: model.prop_set(i, p.to),
    }
}

/// A network ACL entry that denies, as far as it is known: entries are evaluated in rule
/// number order and the first that matches decides, so a deny numbered below an allow takes
/// the traffic they both match.
struct Deny {
    number: i64,
    protocol: String,
    from: Option<i64>,
    to: Option<i64>,
    cidrs: Vec<String>,
}

/// The known number, protocol, ports and CIDRs of an entry; `None` when one is not known.
fn entry_of(number: Option<Found>, f: &RuleFields) -> Option<Deny> {
    let number = port(number.as_ref().map(|n| &*n.value)).ok()??;
    let protocol = match &f.protocol {
        Some(v) => protocol_name(&v.value).ok()?,
        None => "all".to_string(),
    };
    let from = port(f.from.as_ref().map(|v| &*v.value)).ok()?;
    let to = port(f.to.as_ref().map(|v| &*v.value)).ok()?;
    let mut cidrs = Vec::new();
    for c in &f.cidrs {
        for item in util::items(&c.value) {
            cidrs.push(util::text(Some(item)).ok()??);
        }
    }
    Some(Deny {
        number,
        protocol,
        from,
        to,
        cidrs,
    })
}

/// Whether a deny numbered below the allowing entry `allow` matches all it allows to the open
/// CIDRs it names (one deny covering its protocol, ports and each open CIDR).
fn shadowed(denies: &[Deny], allow: &Deny) -> bool {
    let open: Vec<&String> = allow
        .cidrs
        .iter()
        .filter(|c| util::whole_internet(c))
        .collect();
    !open.is_empty()
        && open.iter().all(|cidr| {
            denies.iter().any(|d| {
                d.number < allow.number
                    && d.cidrs.iter().any(|c| c == *cidr)
                    && (d.protocol == "all"
                        || (d.protocol == allow.protocol
                            && match (d.from, d.to, allow.from, allow.to) {
                                (Some(df), Some(dt), Some(af), Some(at)) => df <= af && dt >= at,
                                _ => false,
                            }))
            })
        })
}

/// The denies evaluated before an allowing entry: those numbered below it. None when the
/// entry's number (or another of its parts) is not known, so no exception is claimed.
fn numbered_below<'a>(denies: &'a [Deny], allow: Option<&Deny>) -> Vec<&'a Deny> {
    match allow {
        Some(a) => denies.iter().filter(|d| d.number < a.number).collect(),
        None => Vec::new(),
    }
}

/// The port ranges that denies numbered below an allowing entry take from it for one open
/// CIDR: denies of that exact CIDR whose protocol is the entry's (or any protocol of an entry
/// that allows all), with ports known. A deny of every protocol shadows the entry whole and is
/// handled by `shadowed`; a deny of a narrower CIDR leaves the rest of the internet open, so it
/// is not an exception.
fn partly_denied(lower: &[&Deny], cidr: &str, protocol: &str) -> Vec<(String, i64, i64)> {
    let mut out: Vec<(String, i64, i64)> = lower
        .iter()
        .filter(|d| d.protocol != "all" && (protocol == "all" || d.protocol == protocol))
        .filter(|d| d.cidrs.iter().any(|c| c == cidr))
        .filter_map(|d| Some((d.protocol.clone(), d.from?, d.to?)))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn cidr_open(v: &Value) -> Result<Option<String>, Value> {
    match util::text(Some(v)) {
        Ok(Some(s)) if util::whole_internet(&s) => Ok(Some(s)),
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
    lower: &[&Deny],
) {
    let protocol = match &f.protocol {
        Some(v) => protocol_name(&v.value),
        None => Ok("all".to_string()),
    };
    for c in &f.cidrs {
        for item in util::items(&c.value) {
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
                _ => match (
                    port(f.from.as_ref().map(|v| &*v.value)),
                    port(f.to.as_ref().map(|v| &*v.value)),
                ) {
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
            let denied_first = match (&cidr, &proto) {
                (Some(c), Some(p)) => partly_denied(lower, c, p),
                _ => Vec::new(),
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
                denied_first,
                unknown,
                evidence: Evidence::at(model, rule, &path),
            });
        }
    }
}

pub fn is_internet_facing_lb(model: &Model, i: usize) -> bool {
    internet_facing_lb(model, i) == Some(true)
}

/// Whether a load balancer faces the internet: `None` when its scheme comes from a value the
/// tree cannot settle (`internal = var.internal`). Terraform's `internal` and CloudFormation's
/// `Scheme` default to internet-facing. An internal load balancer that is an endpoint of a
/// Global Accelerator endpoint group faces the internet through the accelerator's static
/// addresses.
pub fn internet_facing_lb(model: &Model, i: usize) -> Option<bool> {
    if model.resources[i].kind != Kind::ElbLoadBalancer {
        return Some(false);
    }
    if !super::accelerator::accelerated_by(model, i).is_empty() {
        return Some(true);
    }
    match model.prop(i, Prop::ElbLoadBalancerScheme).map(|f| f.text()) {
        Some(Ok(Some(s))) => Some(s == "internet-facing"),
        Some(Ok(None)) | None => Some(true),
        Some(Err(_)) => None,
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
            if let (Some(acl), Some(f)) = (
                model.parents.get(&i),
                model.prop_set(i, Prop::Ec2NetworkAclAssociationSubnetId),
            ) {
                acl_subnets.entry(*acl).or_default().extend(
                    util::targets(model, &r.unit, &f.value)
                        .into_iter()
                        .flatten(),
                );
            }
        }
        if r.kind == Kind::Ec2NetworkAcl && r.facet.is_none() {
            if let Some(f) = model.prop_set(i, Prop::Ec2NetworkAclSubnetIds) {
                acl_subnets.entry(i).or_default().extend(
                    util::targets(model, &r.unit, &f.value)
                        .into_iter()
                        .flatten(),
                );
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
            for f in model.props(i, Prop::ElbLoadBalancerSubnetMappingsSubnetId) {
                lb_subnets.extend(
                    util::targets(model, &r.unit, &f.value)
                        .into_iter()
                        .flatten(),
                );
            }
        }
    }
    // Ingress denies of each network ACL, inline or as entries of their own.
    let is_deny = |a: Option<Found>| {
        a.and_then(|a| a.as_str().map(str::to_ascii_lowercase))
            .as_deref()
            == Some("deny")
    };
    let mut denies: std::collections::HashMap<usize, Vec<Deny>> = Default::default();
    for (i, r) in model.resources.iter().enumerate() {
        if r.kind != Kind::Ec2NetworkAcl {
            continue;
        }
        if r.facet.is_none() {
            for item in model.items(i, Prop::Ec2NetworkAclIngress) {
                if is_deny(item.prop_set(Prop::Ec2NetworkAclIngressRuleAction)) {
                    let f = item_fields(&item, &NACL_INLINE);
                    if let Some(d) =
                        entry_of(item.prop_set(Prop::Ec2NetworkAclIngressRuleNumber), &f)
                    {
                        denies.entry(i).or_default().push(d);
                    }
                }
            }
        } else if r.facet == Some("rule")
            && !matches!(
                model
                    .prop_set(i, Prop::Ec2NetworkAclEntryEgress)
                    .map(|f| f.flag()),
                Some(Ok(Some(true)))
            )
            && is_deny(model.prop_set(i, Prop::Ec2NetworkAclEntryRuleAction))
        {
            let f = resource_fields(model, i, &NACL_ENTRY);
            if let Some(d) = entry_of(model.prop_set(i, Prop::Ec2NetworkAclEntryRuleNumber), &f) {
                let acl = model.parents.get(&i).copied().unwrap_or(i);
                denies.entry(acl).or_default().push(d);
            }
        }
    }
    let none: Vec<Deny> = Vec::new();
    let sg_attached = |sg: usize| -> (Vec<usize>, bool) {
        let attached = util::referrers(model, sg, Label::SecurityGroup);
        let web = !attached.is_empty() && attached.iter().all(|a| is_internet_facing_lb(model, *a));
        (attached, web)
    };
    for (i, r) in model.resources.iter().enumerate() {
        if !util::deployed(r) {
            continue;
        }
        let is_sg = r.kind == Kind::Ec2SecurityGroup && r.facet.is_none();
        let is_acl = r.kind == Kind::Ec2NetworkAcl && r.facet.is_none();
        if is_sg {
            let (attached, web) = sg_attached(i);
            for item in model.items(i, Prop::Ec2SecurityGroupIngress) {
                let f = item_fields(&item, &SG_INLINE);
                emit(
                    model,
                    &mut out,
                    item.resource,
                    &item.path,
                    i,
                    Layer::SecurityGroup,
                    f,
                    &attached,
                    web,
                    &[],
                );
            }
        } else if r.kind == Kind::Ec2SecurityGroup && r.facet == Some("rule") {
            // The rule's direction: its type, or the type of resource it is.
            let ingress = model
                .prop_set(i, Prop::Ec2SecurityGroupRuleType)
                .and_then(|f| f.as_str().map(|s| s == "ingress"))
                .unwrap_or(false);
            if !ingress {
                continue;
            }
            let sg = model.parents.get(&i).copied().unwrap_or(i);
            let (attached, web) = if sg == i {
                (vec![], false)
            } else {
                sg_attached(sg)
            };
            let f = resource_fields(model, i, &SG_RULE);
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
                &[],
            );
        } else if is_acl {
            let subnets = acl_subnets.get(&i).cloned().unwrap_or_default();
            let web = subnets.iter().any(|s| lb_subnets.contains(s));
            for item in model.items(i, Prop::Ec2NetworkAclIngress) {
                let action = item.prop_set(Prop::Ec2NetworkAclIngressRuleAction);
                if action.as_ref().and_then(|a| a.as_str()) == Some("deny") {
                    continue;
                }
                let f = item_fields(&item, &NACL_INLINE);
                let lower = denies.get(&i).unwrap_or(&none);
                let allow = entry_of(item.prop_set(Prop::Ec2NetworkAclIngressRuleNumber), &f);
                if allow.as_ref().is_some_and(|a| shadowed(lower, a)) {
                    continue;
                }
                emit(
                    model,
                    &mut out,
                    item.resource,
                    &item.path,
                    i,
                    Layer::NetworkAcl,
                    f,
                    &subnets,
                    web,
                    &numbered_below(lower, allow.as_ref()),
                );
            }
        } else if r.kind == Kind::Ec2NetworkAcl && r.facet == Some("rule") {
            let egress = model
                .prop_set(i, Prop::Ec2NetworkAclEntryEgress)
                .map(|f| f.flag());
            if matches!(egress, Some(Ok(Some(true)))) {
                continue;
            }
            let action = model.prop_set(i, Prop::Ec2NetworkAclEntryRuleAction);
            if action
                .as_ref()
                .and_then(|a| a.as_str())
                .map(str::to_ascii_lowercase)
                .as_deref()
                == Some("deny")
            {
                continue;
            }
            let acl = model.parents.get(&i).copied().unwrap_or(i);
            let subnets = acl_subnets.get(&acl).cloned().unwrap_or_default();
            let web = subnets.iter().any(|s| lb_subnets.contains(s));
            let f = resource_fields(model, i, &NACL_ENTRY);
            let lower = denies.get(&acl).unwrap_or(&none);
            let allow = entry_of(model.prop_set(i, Prop::Ec2NetworkAclEntryRuleNumber), &f);
            if allow.as_ref().is_some_and(|a| shadowed(lower, a)) {
                continue;
            }
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
                &numbered_below(lower, allow.as_ref()),
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
