//! Network reachability between components, from the security groups the code declares: a
//! group whose ingress rule names another group (`peer-security-group`) lets every resource in
//! that other group reach every resource in it, on the rule's protocol and ports.
//!
//! Only what the code writes: a rule naming a CIDR, a prefix list or a group outside the tree
//! draws nothing here (the internet's reach is drawn from the exposure and edge analyses), and
//! egress rules alone let nothing in. One pass over the edges into maps.

use crate::model::{Found, Model, Prop};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// (source, destination) → what the rules let through (`tcp 5432`, `all traffic`), by node of
/// the view (`node_of` maps a resource to its node). Members of a group are counted by node, so
/// a group shared by the instances of one block costs one pair, not one per instance.
pub fn peer_flows(
    model: &Model,
    node_of: impl Fn(usize) -> Option<usize>,
) -> BTreeMap<(usize, usize), BTreeSet<String>> {
    // A launch template's (or configuration's) groups are those of what launches from it: an
    // Auto Scaling group's or an instance's.
    let mut launched_by: HashMap<usize, Vec<usize>> = HashMap::new();
    for e in &model.edges {
        if e.label == crate::model::Label::LaunchesFrom {
            launched_by
                .entry(model.owner(e.to))
                .or_default()
                .push(model.owner(e.from));
        }
    }
    // security group → the nodes in it
    let mut members: HashMap<usize, BTreeSet<usize>> = HashMap::new();
    // (group admitted, group admitting, what)
    let mut admits: Vec<(usize, usize, String)> = Vec::new();
    // inline rules of a group: (element path, what it lets through)
    let mut inline: HashMap<usize, Vec<(String, String)>> = HashMap::new();
    for e in &model.edges {
        match e.label {
            crate::model::Label::SecurityGroup => {
                let holder = [model.owner(e.from)];
                let in_group = match launched_by.get(&holder[0]) {
                    Some(launchers) => launchers.as_slice(),
                    None => &holder,
                };
                let group = members.entry(model.owner(e.to)).or_default();
                for &r in in_group {
                    if let Some(n) = node_of(r) {
                        group.insert(n);
                    }
                }
            }
            crate::model::Label::PeerSecurityGroup => {
                let rule = e.from;
                let admitting = model.owner(rule);
                let what = if model.resources[rule].facet.is_some() {
                    // A rule resource: egress ones let nothing in.
                    let direction = model.prop_set(rule, Prop::Ec2SecurityGroupRuleType);
                    if direction.as_ref().and_then(|f| f.as_str()) == Some("egress") {
                        continue;
                    }
                    traffic(
                        model.prop_set(rule, Prop::Ec2SecurityGroupRuleIpProtocol),
                        model.prop_set(rule, Prop::Ec2SecurityGroupRuleFromPort),
                        model.prop_set(rule, Prop::Ec2SecurityGroupRuleToPort),
                    )
                } else {
                    // An inline ingress rule: the element of the group's list the reference is
                    // in (each group's elements read once).
                    let elements = inline.entry(rule).or_insert_with(|| {
                        model
                            .items(rule, Prop::Ec2SecurityGroupIngress)
                            .into_iter()
                            .map(|item| {
                                let what = traffic(
                                    item.prop_set(Prop::Ec2SecurityGroupIngressIpProtocol),
                                    item.prop_set(Prop::Ec2SecurityGroupIngressFromPort),
                                    item.prop_set(Prop::Ec2SecurityGroupIngressToPort),
                                );
                                (item.path, what)
                            })
                            .collect()
                    });
                    let at = e.attribute.as_str();
                    elements
                        .iter()
                        .find(|(path, _)| {
                            at.starts_with(path.as_str()) && at[path.len()..].starts_with('.')
                        })
                        .map(|(_, what)| what.clone())
                        .unwrap_or_else(|| "network".to_string())
                };
                admits.push((model.owner(e.to), admitting, what));
            }
            _ => {}
        }
    }
    let mut out: BTreeMap<(usize, usize), BTreeSet<String>> = BTreeMap::new();
    for (admitted, admitting, what) in admits {
        let (Some(from), Some(to)) = (members.get(&admitted), members.get(&admitting)) else {
            continue;
        };
        for &a in from {
            for &b in to {
                if a != b {
                    out.entry((a, b)).or_default().insert(what.clone());
                }
            }
        }
    }
    out
}

/// A rule's protocol and ports in words: `tcp 5432`, `tcp 8000-8080`, `all traffic`; `network`
/// when the code leaves them to a value the tree cannot settle.
fn traffic(protocol: Option<Found>, from: Option<Found>, to: Option<Found>) -> String {
    let protocol = match protocol.map(|f| f.text()) {
        Some(Ok(Some(p))) => p.to_ascii_lowercase(),
        None | Some(Ok(None)) => "all".to_string(),
        Some(Err(_)) => return "network".to_string(),
    };
    let protocol = match protocol.as_str() {
        "-1" | "all" => return "all traffic".to_string(),
        "6" => "tcp".to_string(),
        "17" => "udp".to_string(),
        p => p.to_string(),
    };
    let port = |f: Option<Found>| f.and_then(|f| f.value.as_f64()).map(|n| n as i64);
    match (port(from), port(to)) {
        (Some(a), Some(b)) if a == b => format!("{protocol} {a}"),
        (Some(a), Some(b)) => format!("{protocol} {a}-{b}"),
        _ => protocol,
    }
}
