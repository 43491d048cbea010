//! Global Accelerator: what an accelerator puts on the internet. An endpoint group under a
//! listener of an accelerator sends the traffic that reaches the accelerator's static anycast
//! addresses to its endpoints (load balancers, instances, Elastic IPs), whatever their scheme or
//! subnet: an internal load balancer or an instance in a private subnet that is an endpoint is
//! reachable from the internet on the listener's ports.

use super::util;
use crate::model::{Label, Model, Prop, Value};

/// The endpoint groups that make resource `i` reachable from the internet: those that name it
/// as an endpoint, unless every accelerator they are under (endpoint group → listener →
/// accelerator) is in the tree and switched off (`enabled = false`). A listener or accelerator
/// outside the tree, or an `enabled` the tree cannot settle, never counts as switched off.
pub fn accelerated_by(model: &Model, i: usize) -> Vec<usize> {
    util::referrers(model, i, Label::Accelerates)
        .into_iter()
        .filter(|&group| !switched_off(model, group))
        .collect()
}

fn switched_off(model: &Model, group: usize) -> bool {
    let listeners: Vec<usize> = model
        .edges_from(group)
        .filter(|e| e.label == Label::EndpointGroupOf)
        .map(|e| e.to)
        .collect();
    !listeners.is_empty()
        && listeners.iter().all(|&l| {
            let accelerators: Vec<usize> = model
                .edges_from(l)
                .filter(|e| e.label == Label::ListenerOf)
                .map(|e| e.to)
                .collect();
            !accelerators.is_empty()
                && accelerators.iter().all(|&a| {
                    model
                        .prop(a, Prop::GlobalacceleratorAcceleratorEnabled)
                        .is_some_and(|f| matches!(*f.value, Value::Bool(false)))
                })
        })
}
