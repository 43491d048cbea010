//! Which compute each load balancer forwards to, from the references the code makes: a
//! listener (`listens-for` its load balancer), or a rule of a listener (`rule-of`), forwards to
//! target groups (`forwards-to`); a target group registers targets (its attachments, or
//! CloudFormation's `Targets`: `registers`), and ECS services and Auto Scaling groups name the
//! target groups that balance over them (`load-balanced-by`). A classic load balancer has no
//! target group: it registers instances, or is named by the groups and services behind it.
//!
//! One pass over the edges into maps, then one pass over the forwarding references.

use crate::model::{Kind, Label, Model};
use std::collections::{BTreeSet, HashMap};

/// (load balancer, compute it forwards to) pairs, by resource index (owners, never facets).
pub fn forwards(model: &Model) -> BTreeSet<(usize, usize)> {
    // listener → its load balancer; listener rule → its listener.
    let mut balancer_of: HashMap<usize, usize> = HashMap::new();
    let mut listener_of: HashMap<usize, usize> = HashMap::new();
    // (listener or rule, target group it forwards to)
    let mut forwarding: Vec<(usize, usize)> = Vec::new();
    // target group (or classic load balancer) → what it balances over
    let mut behind: HashMap<usize, Vec<usize>> = HashMap::new();
    for e in &model.edges {
        let (from, to) = (model.owner(e.from), model.owner(e.to));
        match e.label {
            Label::ListensFor => {
                balancer_of.insert(from, to);
            }
            Label::RuleOf => {
                listener_of.insert(from, to);
            }
            Label::ForwardsTo => forwarding.push((from, to)),
            Label::Registers => behind.entry(from).or_default().push(to),
            Label::LoadBalancedBy => behind.entry(to).or_default().push(from),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for (via, group) in forwarding {
        let listener = listener_of.get(&via).copied().unwrap_or(via);
        let Some(&lb) = balancer_of.get(&listener) else {
            continue;
        };
        for &target in behind.get(&group).into_iter().flatten() {
            out.insert((lb, target));
        }
    }
    for (&lb, targets) in &behind {
        if model.resources[lb].kind == Kind::ElbLoadBalancer {
            out.extend(targets.iter().map(|&t| (lb, t)));
        }
    }
    out
}
