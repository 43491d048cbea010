//! Where data stores and internal load balancers are drawn: in the subnets they name, directly
//! or through a subnet group (`in-subnet`, `subnet-group` references), inside the VPC those
//! subnets are in. Compute is placed by `network::placement`; this reads the same routing.

use super::{block_of, Boundary};
use crate::model::{Kind, Label, Model};
use crate::network;
use std::collections::{BTreeSet, HashMap};

/// The subnets each resource names (directly, or through the subnet groups it names), indexed
/// once, with each subnet's routing read once: where a data store or an internal load balancer
/// is drawn.
pub(super) struct Subnets<'m> {
    model: &'m Model,
    net: network::Network<'m>,
    named: HashMap<usize, Vec<usize>>,
    groups: HashMap<usize, Vec<usize>>,
}

impl<'m> Subnets<'m> {
    pub(super) fn index(model: &'m Model) -> Subnets<'m> {
        let mut named: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
        for e in &model.edges {
            match e.label {
                Label::InSubnet if model.resources[e.to].kind == Kind::Ec2Subnet => {
                    named.entry(model.owner(e.from)).or_default().push(e.to)
                }
                Label::SubnetGroup => groups
                    .entry(model.owner(e.from))
                    .or_default()
                    .push(model.owner(e.to)),
                _ => {}
            }
        }
        Subnets {
            model,
            net: network::Network::new(model),
            named,
            groups,
        }
    }

    /// The subnets box of a resource, when it names subnets in the tree.
    pub(super) fn boundary(&self, i: usize) -> Option<Boundary> {
        let mut list: Vec<usize> = self.named.get(&i).cloned().unwrap_or_default();
        for g in self.groups.get(&i).into_iter().flatten() {
            list.extend(self.named.get(g).into_iter().flatten());
        }
        if list.is_empty() {
            return None;
        }
        list.sort_unstable();
        list.dedup();
        let vpcs: BTreeSet<Option<usize>> = list.iter().map(|&s| self.net.vpc_of(s)).collect();
        let vpc = match vpcs.into_iter().collect::<Vec<_>>()[..] {
            [Some(v)] => Some(block_of(&self.model.resources[v].address)),
            _ => None,
        };
        // Public when one routes to an internet gateway, private when none does and all are read.
        let mut public = Some(false);
        for &s in &list {
            match self.net.routing(s).igw {
                Some(true) => {
                    public = Some(true);
                    break;
                }
                Some(false) => {}
                None => public = None,
            }
        }
        Some(Boundary::Subnets {
            vpc,
            blocks: blocks_of(self.model, &list),
            public,
        })
    }
}

/// The blocks of some subnets (`aws_subnet.private` for its `count` instances), sorted.
pub(super) fn blocks_of(model: &Model, subnets: &[usize]) -> Vec<String> {
    let set: BTreeSet<String> = subnets
        .iter()
        .map(|&s| block_of(&model.resources[s].address))
        .collect();
    set.into_iter().collect()
}
