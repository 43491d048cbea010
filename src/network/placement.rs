//! Where compute runs: outside any VPC, or in which subnets, and whether those subnets route
//! to an internet gateway or a NAT gateway.

use super::util::{self, Evidence};
use crate::model::Kind;
use crate::model::Label;
use crate::model::{Found, Item, Model, Part, Prop, Reason, Unknown, Value};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Where one function, service, task or instance runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Where {
    /// No VPC configuration: AWS runs it on its own network, with internet access.
    NoVpc,
    /// In these subnets of the VPC (when the subnets name it).
    Vpc {
        vpc: Option<usize>,
        subnets: Vec<usize>,
        /// Some subnet's route table routes to an internet gateway (`None`: a route, a route
        /// table or an association could not be read; see [`Placement::unknowns`]).
        public: Option<bool>,
        /// Some subnet's route table routes to a NAT gateway.
        nat: Option<bool>,
    },
    /// The subnets cannot be read (a variable, a module outside the tree, a literal id of a
    /// subnet that is not in the tree): never assumed private.
    Unknown { value: Value },
}

/// The placement of one compute resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placement {
    pub compute: usize,
    #[serde(rename = "where")]
    pub where_: Where,
    /// Whether its network interfaces get public IPs. Lambda's interfaces never do.
    pub public_ip: Option<bool>,
    /// What was assumed from a provider default, in words.
    pub defaults: Vec<String>,
    /// What could not be read and why.
    pub unknowns: Vec<Unknown>,
    pub evidence: Vec<Evidence>,
}

impl Placement {
    /// Outside any VPC until something says otherwise, nothing known of public IPs.
    fn new(compute: usize) -> Placement {
        Placement {
            compute,
            where_: Where::NoVpc,
            public_ip: None,
            defaults: vec![],
            unknowns: vec![],
            evidence: vec![],
        }
    }

    /// Compute that names no subnet launches in the default VPC, whose subnets are public by
    /// default: where it runs is outside the tree. `what` says what it failed to name and where
    /// it launches instead.
    fn default_vpc(model: &crate::model::Model, i: usize, what: &str) -> Placement {
        let mut p = Placement::new(i);
        p.evidence.push(Evidence::at(model, i, ""));
        p.where_ = Where::Unknown {
            value: Value::unknown(
                Reason::OutsideTree,
                format!(
                    "{} names no {what}, whose subnets are public by default",
                    model.resources[i].address
                ),
            ),
        };
        p
    }
}

/// What a subnet's route table sends out of the VPC.
#[derive(Debug, Clone, Default)]
pub struct Routing {
    pub igw: Option<bool>,
    pub nat: Option<bool>,
    pub unknowns: Vec<Unknown>,
    pub evidence: Vec<Evidence>,
    /// The route tables that apply to the subnet.
    pub route_tables: Vec<usize>,
    /// Default routes (`0.0.0.0/0`, `::/0`, a prefix list, or a destination that cannot be
    /// read) to anything but an internet or NAT gateway: a transit gateway, a peering
    /// connection, a VPN gateway, a network interface, an egress-only gateway. Where they lead
    /// is outside what the tree shows.
    pub elsewhere: Vec<Evidence>,
}

/// A route's target (or why it cannot be read) and where it is written.
type Route = (Result<Target, Value>, Evidence);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Igw,
    Nat,
    /// A default route to some other target (see [`Routing::elsewhere`]).
    Elsewhere,
    Other,
}

/// Subnets, route tables and routes, indexed once per model.
pub struct Network<'m> {
    model: &'m Model,
    /// subnet → (route table, association resource)
    associated: HashMap<usize, Vec<(usize, usize)>>,
    /// route table (or VPC, for routes on its main table) → routes
    routes: HashMap<usize, Vec<Route>>,
    /// VPC → its main route table when the tree declares one.
    main_table: HashMap<usize, usize>,
    /// Associations whose subnet or table cannot be read.
    unreadable_associations: Vec<(Value, Evidence)>,
    /// (unit, cluster name) → the launch templates and configurations whose boot script sets
    /// `ECS_CLUSTER` to that name as literal text (`ECS_CLUSTER=${local.name}`).
    joins_by_name: HashMap<(&'m str, String), Vec<usize>>,
}

/// Where a route is written: an inline route of a table, or a route resource.
enum RouteAt<'m> {
    Item(Item<'m>),
    Resource(usize),
}

impl<'m> RouteAt<'m> {
    fn get(&self, model: &'m Model, p: Prop) -> Option<Found<'m>> {
        match self {
            RouteAt::Item(item) => item.prop_set(p),
            RouteAt::Resource(i) => model.prop_set(*i, p),
        }
    }
}

/// The VPC property of the kinds that sit in one.
fn vpc_prop(model: &Model, i: usize) -> Option<Found<'_>> {
    let p = match model.resources[i].kind {
        Kind::Ec2Subnet => Prop::Ec2SubnetVpcId,
        Kind::Ec2SecurityGroup => Prop::Ec2SecurityGroupVpcId,
        Kind::Ec2VpcEndpoint => Prop::Ec2VpcEndpointVpcId,
        Kind::Ec2RouteTable => Prop::Ec2RouteTableVpcId,
        _ => return None,
    };
    model.prop_set(i, p)
}

fn is_kind(model: &Model, i: usize, kind: Kind) -> bool {
    model.resources[i].kind == kind
}

impl<'m> Network<'m> {
    pub fn new(model: &'m Model) -> Network<'m> {
        let mut net = Network {
            model,
            associated: HashMap::new(),
            routes: HashMap::new(),
            main_table: HashMap::new(),
            unreadable_associations: Vec::new(),
            joins_by_name: HashMap::new(),
        };
        for (i, r) in model.resources.iter().enumerate() {
            if !util::deployed(r) {
                continue;
            }
            for name in ecs_cluster_names(model, i) {
                net.joins_by_name
                    .entry((r.unit.as_str(), name))
                    .or_default()
                    .push(i);
            }
            // Associations of subnets with route tables.
            if r.kind == Kind::Ec2RouteTable && r.facet == Some("association") {
                let table = model.parents.get(&i).copied();
                let Some(f) = model.prop_set(i, Prop::Ec2RouteTableAssociationSubnetId) else {
                    continue; // a gateway association
                };
                match (table, util::target(model, &r.unit, &f.value)) {
                    (Some(t), Some(s)) => net.associated.entry(s).or_default().push((t, i)),
                    _ => net
                        .unreadable_associations
                        .push((util::unknown_of(&f.value), Evidence::found(model, i, &f))),
                }
                continue;
            }
            // Routes written as their own resources.
            if r.kind == Kind::Ec2RouteTable && r.facet == Some("route") {
                if let Some(t) = model.parents.get(&i) {
                    let route = net.route_target(i, &RouteAt::Resource(i));
                    net.routes.entry(*t).or_default().push(route);
                }
                continue;
            }
            // Inline routes (Terraform's route blocks, also on a default route table).
            if r.kind == Kind::Ec2RouteTable && r.facet.is_none() {
                for item in model.items(i, Prop::Ec2RouteTableRoutes) {
                    let route = net.route_target(i, &RouteAt::Item(item));
                    net.routes.entry(i).or_default().push(route);
                }
                // A VPC's default route table is its main table.
                if let Some(vpc) = model
                    .prop_set(i, Prop::Ec2RouteTableDefaultRouteTableId)
                    .and_then(|f| util::target(model, &r.unit, &f.value))
                {
                    net.main_table.insert(vpc, i);
                }
            }
            if r.kind == Kind::Ec2MainRouteTableAssociation {
                let read = |p: Prop| {
                    model
                        .prop_set(i, p)
                        .and_then(|f| util::target(model, &r.unit, &f.value))
                };
                let vpc = read(Prop::Ec2MainRouteTableAssociationVpcId);
                let table = read(Prop::Ec2MainRouteTableAssociationRouteTableId);
                if let (Some(v), Some(t)) = (vpc, table) {
                    net.main_table.insert(v, t);
                }
            }
        }
        // Routes on a VPC's main table (`route_table_id = aws_vpc.x.main_route_table_id`) have
        // the VPC as parent: they belong to the main table.
        net
    }

    /// The target of one route: an inline route (an item of the table's routes) or a route
    /// resource.
    fn route_target(&self, i: usize, at: &RouteAt) -> Route {
        let r = &self.model.resources[i];
        let ev = |f: &Found| Evidence::found(self.model, i, f);
        if let Some(f) = at.get(self.model, Prop::Ec2RouteTableRoutesNatGatewayId) {
            return match &*f.value {
                Value::Unknown(_) => (Err(f.value.clone().into_owned()), ev(&f)),
                _ => (Ok(Target::Nat), ev(&f)),
            };
        }
        if let Some(f) = at.get(self.model, Prop::Ec2RouteTableRoutesGatewayId) {
            let v = &*f.value;
            let t = match util::target(self.model, &r.unit, v) {
                Some(g) if is_kind(self.model, g, Kind::Ec2InternetGateway) => Ok(Target::Igw),
                Some(g) if is_kind(self.model, g, Kind::Ec2NatGateway) => Ok(Target::Nat),
                Some(_) => Ok(self.other_target(at)),
                None => match v {
                    Value::String(s) if s.starts_with("igw-") => Ok(Target::Igw),
                    Value::String(s) if s.eq_ignore_ascii_case("local") => Ok(Target::Other),
                    Value::String(_) => Ok(self.other_target(at)),
                    _ => Err(util::unknown_of(v)),
                },
            };
            return (t, ev(&f));
        }
        let base = match at {
            RouteAt::Item(item) => Evidence::at(self.model, item.resource, &item.path),
            RouteAt::Resource(r) => Evidence::at(self.model, *r, ""),
        };
        (Ok(self.other_target(at)), base)
    }

    /// A route to neither an internet nor a NAT gateway: [`Target::Elsewhere`] when its
    /// destination is a default route (or a prefix list, or cannot be read), else `Other`.
    fn other_target(&self, at: &RouteAt) -> Target {
        let cidr = [
            Prop::Ec2RouteTableRoutesDestinationCidrBlock,
            Prop::Ec2RouteTableRoutesDestinationIpv6CidrBlock,
        ]
        .into_iter()
        .find_map(|p| at.get(self.model, p));
        let default = match cidr {
            Some(f) => match f.text() {
                Ok(Some(c)) => util::whole_internet(&c),
                Ok(None) => false,
                Err(_) => true,
            },
            None => at
                .get(self.model, Prop::Ec2RouteTableRoutesDestinationPrefixListId)
                .is_some(),
        };
        if default {
            Target::Elsewhere
        } else {
            Target::Other
        }
    }

    /// The VPC a subnet (or security group, endpoint, route table) is in.
    pub fn vpc_of(&self, i: usize) -> Option<usize> {
        let r = &self.model.resources[i];
        vpc_prop(self.model, i).and_then(|f| util::target(self.model, &r.unit, &f.value))
    }

    /// Routing of one subnet: its associated tables, else its VPC's main table.
    pub fn routing(&self, subnet: usize) -> Routing {
        let mut out = Routing::default();
        let mut tables: Vec<usize> = Vec::new();
        match self.associated.get(&subnet) {
            Some(list) => {
                for (t, assoc) in list {
                    tables.push(*t);
                    out.evidence.push(Evidence::at(self.model, *assoc, ""));
                }
            }
            None => {
                // An association that cannot be read may be this subnet's.
                for (v, e) in &self.unreadable_associations {
                    if self.model.resources[e.resource].unit == self.model.resources[subnet].unit {
                        out.unknowns.push(util::reason_of(v));
                        out.evidence.push(e.clone());
                    }
                }
                match self.vpc_of(subnet) {
                    Some(vpc) => {
                        if let Some(t) = self.main_table.get(&vpc) {
                            tables.push(*t);
                        }
                        // Routes added to the main table through the VPC's attribute.
                        tables.push(vpc);
                    }
                    None => {
                        let r = &self.model.resources[subnet];
                        let why = match vpc_prop(self.model, subnet) {
                            Some(f) => util::reason_of(&f.value),
                            None => Unknown {
                                reason: Reason::OutsideTree,
                                detail: format!("VPC of {}", r.address),
                            },
                        };
                        out.unknowns.push(why);
                    }
                }
            }
        }
        let (mut igw, mut nat, mut unknown) = (false, false, false);
        for t in &tables {
            for (target, ev) in self.routes.get(t).into_iter().flatten() {
                match target {
                    Ok(Target::Igw) => {
                        igw = true;
                        out.evidence.push(ev.clone());
                    }
                    Ok(Target::Nat) => {
                        nat = true;
                        out.evidence.push(ev.clone());
                    }
                    Ok(Target::Elsewhere) => {
                        out.elsewhere.push(ev.clone());
                    }
                    Ok(Target::Other) => {}
                    Err(v) => {
                        unknown = true;
                        out.unknowns.push(util::reason_of(v));
                        out.evidence.push(ev.clone());
                    }
                }
            }
        }
        let unsettled = unknown || !out.unknowns.is_empty();
        out.igw = if igw {
            Some(true)
        } else if unsettled {
            None
        } else {
            Some(false)
        };
        out.nat = if nat {
            Some(true)
        } else if unsettled {
            None
        } else {
            Some(false)
        };
        tables.retain(|t| !is_kind(self.model, *t, Kind::Ec2Vpc));
        out.route_tables = tables;
        out
    }

    /// Where a list of subnet references puts a resource.
    pub fn in_subnets(&self, unit: &str, v: &Value) -> SubnetPlacement {
        let mut p = SubnetPlacement::default();
        for t in util::targets(self.model, unit, v) {
            match t {
                Ok(s) if is_kind(self.model, s, Kind::Ec2Subnet) => p.subnets.push(s),
                Ok(s) => p.unresolved.push(Value::unknown(
                    Reason::OutsideTree,
                    format!(
                        "{} is not a subnet in the scanned tree",
                        self.model.resources[s].address
                    ),
                )),
                Err(u) => p.unresolved.push(u),
            }
        }
        p.subnets.sort_unstable();
        p.subnets.dedup();
        let mut vpcs = BTreeSet::new();
        let (mut igw, mut nat) = (Some(false), Some(false));
        for s in &p.subnets {
            let r = self.routing(*s);
            igw = or3(igw, r.igw);
            nat = or3(nat, r.nat);
            p.unknowns.extend(r.unknowns);
            p.evidence.push(Evidence::at(self.model, *s, ""));
            p.evidence.extend(r.evidence);
            if let Some(v) = self.vpc_of(*s) {
                vpcs.insert(v);
            }
            p.route_tables.extend(r.route_tables);
        }
        p.route_tables.sort_unstable();
        p.route_tables.dedup();
        p.public = igw;
        p.nat = nat;
        p.vpc = if vpcs.len() == 1 {
            vpcs.into_iter().next()
        } else {
            None
        };
        p
    }
}

/// Three-valued or: true wins, then unknown.
pub fn or3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// Subnets read from a list of references, with their routing.
#[derive(Debug, Clone, Default)]
pub struct SubnetPlacement {
    pub subnets: Vec<usize>,
    pub unresolved: Vec<Value>,
    pub vpc: Option<usize>,
    pub public: Option<bool>,
    pub nat: Option<bool>,
    pub route_tables: Vec<usize>,
    pub unknowns: Vec<Unknown>,
    pub evidence: Vec<Evidence>,
}

impl SubnetPlacement {
    /// The placement as [`Where`]: an unreadable subnet makes it unknown unless a readable one
    /// already routes to an internet gateway.
    fn into_where(self, unknowns: &mut Vec<Unknown>, evidence: &mut Vec<Evidence>) -> Where {
        unknowns.extend(self.unknowns);
        evidence.extend(self.evidence);
        match self.unresolved.first() {
            Some(u) if self.public != Some(true) => Where::Unknown { value: u.clone() },
            _ => {
                for u in &self.unresolved {
                    unknowns.push(util::reason_of(u));
                }
                let some_unresolved = !self.unresolved.is_empty();
                Where::Vpc {
                    vpc: self.vpc,
                    subnets: self.subnets,
                    public: self.public,
                    nat: if some_unresolved && self.nat != Some(true) {
                        None
                    } else {
                        self.nat
                    },
                }
            }
        }
    }
}

/// Where every Lambda function, ECS service (and task definition no service runs) and EC2
/// instance runs, in model order.
pub fn placement(model: &Model) -> Vec<Placement> {
    let net = Network::new(model);
    let run_by_service: BTreeSet<usize> = model
        .edges
        .iter()
        .filter(|e| e.label == Label::Runs && model.resources[e.from].kind == Kind::EcsService)
        .map(|e| e.to)
        .collect();
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.facet.is_some() || !util::deployed(r) {
            continue;
        }
        let p = match r.kind {
            Kind::LambdaFunction => lambda(&net, i),
            Kind::EcsService => ecs_service(&net, i),
            Kind::EcsTaskDefinition if !run_by_service.contains(&i) => Placement {
                compute: i,
                where_: Where::Unknown {
                    value: Value::unknown(
                        Reason::OutsideTree,
                        format!(
                            "no ECS service in the tree runs {}: its network is chosen where the task is run",
                            r.address
                        ),
                    ),
                },
                public_ip: None,
                defaults: vec![],
                unknowns: vec![],
                evidence: vec![Evidence::at(model, i, "")],
            },
            Kind::Ec2Instance => instance(&net, i),
            Kind::EksNodegroup => group(&net, i, Prop::EksNodegroupSubnets),
            Kind::AutoscalingGroup => group(&net, i, Prop::AutoscalingGroupVpcZoneIdentifier),
            Kind::SagemakerNotebookInstance => notebook(&net, i),
            // A managed compute environment names its subnets; an unmanaged one has no
            // compute resources of its own to place.
            Kind::BatchComputeEnvironment
                if model
                    .prop_set(i, Prop::BatchComputeEnvironmentSubnets)
                    .is_some() =>
            {
                group(&net, i, Prop::BatchComputeEnvironmentSubnets)
            }
            _ => continue,
        };
        out.push(p);
    }
    out
}

fn lambda(net: &Network, i: usize) -> Placement {
    let model = net.model;
    let r = &model.resources[i];
    let mut p = Placement::new(i);
    // Lambda's hyperplane interfaces never get public IPs, whatever the subnet says.
    p.public_ip = Some(false);
    let config = model.prop_set(i, Prop::LambdaFunctionVpcConfig);
    match config {
        None => {
            p.evidence.push(Evidence::at(model, i, ""));
        }
        Some(f) if matches!(&*f.value, Value::List(l) if l.is_empty()) => {
            p.evidence.push(Evidence::found(model, i, &f));
        }
        Some(f) if !matches!(&*f.value, Value::List(_) | Value::Map(_)) => {
            p.evidence.push(Evidence::found(model, i, &f));
            p.where_ = Where::Unknown {
                value: util::unknown_of(&f.value),
            };
        }
        Some(_) => match model.prop_set(i, Prop::LambdaFunctionVpcConfigSubnetIds) {
            None => {
                // A VPC block without subnets (or `SubnetIds: []`) detaches the function.
                p.evidence.push(Evidence::at(model, i, ""));
            }
            Some(f) => {
                p.evidence.push(Evidence::found(model, i, &f));
                if matches!(&*f.value, Value::List(l) if l.is_empty()) {
                    return p;
                }
                let sp = net.in_subnets(&r.unit, &f.value);
                p.where_ = sp.into_where(&mut p.unknowns, &mut p.evidence);
            }
        },
    }
    finish(p)
}

fn ecs_service(net: &Network, i: usize) -> Placement {
    let model = net.model;
    let r = &model.resources[i];
    let mut p = Placement::new(i);
    let subnets = model.prop_set(i, Prop::EcsServiceAwsvpcConfigurationSubnets);
    match subnets {
        None => {
            let groups = container_instance_groups(net, i);
            if groups.is_empty() {
                p.evidence.push(Evidence::at(model, i, ""));
                p.where_ = Where::Unknown {
                    value: Value::unknown(
                        Reason::OutsideTree,
                        format!(
                            "{} has no awsvpc network configuration: its tasks use the network of the cluster's instances, and no Auto Scaling group in the tree joins the cluster, by a capacity provider or by ECS_CLUSTER in the user data it launches with",
                            r.address
                        ),
                    ),
                };
                return p;
            }
            return on_instances(net, i, &groups);
        }
        Some(f) => {
            p.evidence.push(Evidence::found(model, i, &f));
            let sp = net.in_subnets(&r.unit, &f.value);
            p.where_ = sp.into_where(&mut p.unknowns, &mut p.evidence);
        }
    }
    let assign = model.prop_set(i, Prop::EcsServiceAwsvpcConfigurationAssignPublicIp);
    p.public_ip = match assign {
        None => {
            p.defaults
                .push("assign_public_ip / AssignPublicIp unset: no public IP (AWS default)".into());
            Some(false)
        }
        Some(f) => {
            p.evidence.push(Evidence::found(model, i, &f));
            match &*f.value {
                Value::String(s) if s.eq_ignore_ascii_case("ENABLED") => Some(true),
                Value::String(s) if s.eq_ignore_ascii_case("DISABLED") => Some(false),
                other => match util::flag(Some(other)) {
                    Ok(b) => b,
                    Err(u) => {
                        p.unknowns.push(util::reason_of(&u));
                        None
                    }
                },
            }
        }
    };
    finish(p)
}

/// The Auto Scaling groups whose instances an ECS service's tasks run on when it has no awsvpc
/// network of its own (bridge or host mode): those of the capacity providers its strategy
/// names, or else of every capacity provider of its cluster (the cluster's own list and its
/// capacity-provider associations). Empty when the cluster or its providers are not in the tree.
fn container_instance_groups(net: &Network, service: usize) -> Vec<usize> {
    let model = net.model;
    let targets = |from: usize, label: Label| -> Vec<usize> {
        model
            .edges_from(from)
            .filter(|e| e.label == label)
            .map(|e| e.to)
            .collect()
    };
    let mut providers = targets(service, Label::CapacityProvider);
    if providers.is_empty() {
        for cluster in targets(service, Label::InCluster) {
            providers.extend(targets(cluster, Label::CapacityProvider));
            for association in model.edges_to(cluster) {
                if association.label == Label::CapacityFor {
                    providers.extend(targets(association.from, Label::CapacityProvider));
                }
            }
        }
    }
    let mut groups: Vec<usize> = providers
        .into_iter()
        .flat_map(|p| targets(p, Label::InstancesFrom))
        .filter(|&g| model.resources[g].kind == Kind::AutoscalingGroup)
        .collect();
    if groups.is_empty() {
        // Instances that join the cluster by their user data, as the ECS agent reads it
        // (`ECS_CLUSTER=${cluster}` in the script of the launch template or configuration an
        // Auto Scaling group launches from).
        for cluster in targets(service, Label::InCluster) {
            for script in model.edges_to(cluster) {
                if script.label != Label::UserData || !names_ecs_cluster(model, script.from) {
                    continue;
                }
                groups.extend(launched_from(model, script.from));
            }
            // The same, with the cluster's name written as text rather than a reference.
            let name = model
                .prop_set(cluster, Prop::EcsClusterName)
                .and_then(|f| f.value.as_str().map(str::to_string));
            if let Some(name) = name {
                let unit = model.resources[cluster].unit.as_str();
                for &launch in net.joins_by_name.get(&(unit, name)).into_iter().flatten() {
                    groups.extend(launched_from(model, launch));
                }
            }
        }
    }
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// The Auto Scaling groups that launch from a launch template or configuration.
fn launched_from(model: &Model, launch: usize) -> impl Iterator<Item = usize> + '_ {
    model
        .edges_to(launch)
        .filter(|e| e.label == Label::LaunchesFrom)
        .map(|e| e.from)
        .filter(|&g| model.resources[g].kind == Kind::AutoscalingGroup)
}

/// The boot configuration of a launch template or configuration: its user data and the
/// cfn-init configuration its user data runs.
fn boot_props(model: &Model, launch: usize) -> &'static [Prop] {
    match model.resources[launch].kind {
        Kind::Ec2LaunchTemplate => &[
            Prop::Ec2LaunchTemplateUserData,
            Prop::Ec2LaunchTemplateCfnInit,
        ],
        Kind::Ec2LaunchConfiguration => &[
            Prop::Ec2LaunchConfigurationUserData,
            Prop::Ec2LaunchConfigurationCfnInit,
        ],
        _ => &[],
    }
}

/// The text of a launch template or configuration's boot configuration (its user data, or the
/// cfn-init configuration its user data runs): literal pieces only, user data given as base64
/// decoded first. What is a reference stays out; the edges carry those.
fn boot_texts(model: &Model, launch: usize) -> Vec<String> {
    fn texts(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(
                crate::model::base64::decode(s)
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_else(|| s.to_string()),
            ),
            Value::Template(parts) => out.extend(parts.iter().filter_map(|p| match p {
                Part::Text(t) => Some(t.clone()),
                _ => None,
            })),
            Value::Base64(inner) | Value::Encoded(inner) => texts(inner, out),
            Value::List(items) => items.iter().for_each(|i| texts(i, out)),
            Value::Map(m) => m.values().for_each(|i| texts(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for &p in boot_props(model, launch) {
        if let Some(f) = model.prop_set(launch, p) {
            texts(&f.value, &mut out);
        }
    }
    out
}

/// The cluster names a launch template or configuration's boot script sets `ECS_CLUSTER` to
/// as literal text.
fn ecs_cluster_names(model: &Model, launch: usize) -> Vec<String> {
    let mut found = Vec::new();
    for text in boot_texts(model, launch) {
        for (at, _) in text.match_indices("ECS_CLUSTER=") {
            let rest = text[at + "ECS_CLUSTER=".len()..].trim_start_matches(['"', '\'']);
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Whether the boot configuration of a launch template or configuration sets `ECS_CLUSTER`,
/// the setting the ECS agent joins a cluster by: a reference elsewhere in the script is no
/// registration.
fn names_ecs_cluster(model: &Model, launch: usize) -> bool {
    boot_texts(model, launch)
        .iter()
        .any(|t| t.contains("ECS_CLUSTER="))
}

/// A service whose tasks share the network of its cluster's instances runs where every one of
/// those Auto Scaling groups runs: in a VPC only if all are, public if any is.
fn on_instances(net: &Network, service: usize, groups: &[usize]) -> Placement {
    let model = net.model;
    let mut p = Placement::new(service);
    p.evidence.push(Evidence::at(model, service, ""));
    let placed: Vec<Placement> = groups
        .iter()
        .map(|&g| group(net, g, Prop::AutoscalingGroupVpcZoneIdentifier))
        .collect();
    let mut merged: Option<Where> = None;
    for g in &placed {
        p.defaults.extend(g.defaults.iter().cloned());
        p.unknowns.extend(g.unknowns.iter().cloned());
        p.evidence.extend(g.evidence.iter().cloned());
        p.evidence.push(Evidence::at(model, g.compute, ""));
        merged = Some(match (merged, &g.where_) {
            (None, w) => w.clone(),
            (Some(Where::Unknown { value }), _) => Where::Unknown { value },
            (_, Where::Unknown { value }) => Where::Unknown {
                value: value.clone(),
            },
            (Some(Where::NoVpc), _) | (_, Where::NoVpc) => Where::NoVpc,
            (
                Some(Where::Vpc {
                    vpc,
                    mut subnets,
                    public,
                    nat,
                }),
                Where::Vpc {
                    vpc: v2,
                    subnets: s2,
                    public: p2,
                    nat: n2,
                },
            ) => {
                subnets.extend(s2.iter().copied());
                subnets.sort_unstable();
                subnets.dedup();
                Where::Vpc {
                    vpc: if vpc == *v2 { vpc } else { None },
                    subnets,
                    public: any_of(public, *p2),
                    nat: any_of(nat, *n2),
                }
            }
        });
    }
    p.where_ = merged.unwrap_or(Where::NoVpc);
    p.public_ip = placed.iter().map(|g| g.public_ip).reduce(any_of).flatten();
    p.defaults.sort();
    p.defaults.dedup();
    finish(p)
}

/// Whether any of two holds: true if either does, unknown if either is and neither holds.
fn any_of(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn instance(net: &Network, i: usize) -> Placement {
    let model = net.model;
    let r = &model.resources[i];
    let mut p = Placement::new(i);
    let subnet = model.prop_set(i, Prop::Ec2InstanceSubnetId);
    let Some(subnet) = subnet else {
        return Placement::default_vpc(
            model,
            i,
            "subnet: it launches in the account's default VPC",
        );
    };
    p.evidence.push(Evidence::found(model, i, &subnet));
    let sp = net.in_subnets(&r.unit, &subnet.value);
    let subnet_ids = sp.subnets.clone();
    p.where_ = sp.into_where(&mut p.unknowns, &mut p.evidence);
    let explicit = model.prop_set(i, Prop::Ec2InstanceAssociatePublicIpAddress);
    p.public_ip = match explicit {
        Some(f) => {
            p.evidence.push(Evidence::found(model, i, &f));
            match f.flag() {
                Ok(b) => b,
                Err(u) => {
                    p.unknowns.push(util::reason_of(&u));
                    None
                }
            }
        }
        None => match subnet_ids.as_slice() {
            [s] => {
                let set = model.prop_set(*s, Prop::Ec2SubnetMapPublicIpOnLaunch);
                match set.as_ref().map(|f| (f.flag(), f)) {
                    Some((Ok(Some(b)), f)) => {
                        p.evidence.push(Evidence::found(model, *s, f));
                        Some(b)
                    }
                    Some((Ok(None), _)) | None => {
                        p.defaults.push(
                            "the subnet does not map public IPs on launch (AWS default for a non-default subnet)"
                                .into(),
                        );
                        Some(false)
                    }
                    Some((Err(u), _)) => {
                        p.unknowns.push(util::reason_of(&u));
                        None
                    }
                }
            }
            _ => None,
        },
    };
    finish(p)
}

/// A group that launches instances into a list of subnets (an Auto Scaling group, an EKS node
/// group, a Batch compute environment). A public IP comes from the launch template or
/// configuration it launches from when that says so, else from every subnet's own setting: one
/// subnet that maps public IPs is enough.
fn group(net: &Network, i: usize, subnets: Prop) -> Placement {
    let model = net.model;
    let r = &model.resources[i];
    let mut p = Placement::new(i);
    let Some(listed) = model.prop_set(i, subnets) else {
        return Placement::default_vpc(
            model,
            i,
            "subnets: it launches in the default VPC of its availability zones",
        );
    };
    p.evidence.push(Evidence::found(model, i, &listed));
    let sp = net.in_subnets(&r.unit, &listed.value);
    let subnet_ids = sp.subnets.clone();
    p.where_ = sp.into_where(&mut p.unknowns, &mut p.evidence);
    // The template or configuration it launches from, when it decides the public IP.
    let template = model
        .edges_from(i)
        .find(|e| e.label == Label::LaunchesFrom)
        .map(|e| e.to);
    let from_template = template.and_then(|t| {
        let prop = match model.resources[t].kind {
            Kind::Ec2LaunchTemplate => {
                Prop::Ec2LaunchTemplateNetworkInterfacesAssociatePublicIpAddress
            }
            Kind::Ec2LaunchConfiguration => Prop::Ec2LaunchConfigurationAssociatePublicIpAddress,
            _ => return None,
        };
        model.prop_set(t, prop).map(|f| (t, f))
    });
    if let Some((t, f)) = from_template {
        p.evidence.push(Evidence::found(model, t, &f));
        p.public_ip = match f.flag() {
            Ok(b) => b,
            Err(u) => {
                p.unknowns.push(util::reason_of(&u));
                None
            }
        };
        return finish(p);
    }
    let mut any_public = false;
    let mut all_known = !subnet_ids.is_empty();
    let mut defaulted = false;
    for &s in &subnet_ids {
        match model.prop_set(s, Prop::Ec2SubnetMapPublicIpOnLaunch) {
            Some(f) => match f.flag() {
                Ok(Some(b)) => {
                    if b {
                        p.evidence.push(Evidence::found(model, s, &f));
                    }
                    any_public |= b;
                }
                Ok(None) => defaulted = true,
                Err(u) => {
                    p.unknowns.push(util::reason_of(&u));
                    all_known = false;
                }
            },
            None => defaulted = true,
        }
    }
    p.public_ip = if any_public {
        Some(true)
    } else if all_known {
        if defaulted {
            p.defaults.push(
                "its subnets do not map public IPs on launch (AWS default for a non-default subnet)"
                    .into(),
            );
        }
        Some(false)
    } else {
        None
    };
    finish(p)
}

/// A SageMaker notebook: with direct internet access (AWS's default) its traffic leaves through
/// SageMaker's own network whatever subnet it is attached to, as if it had no VPC; without it,
/// its interface sits in its subnet and gets no public IP.
fn notebook(net: &Network, i: usize) -> Placement {
    let model = net.model;
    let r = &model.resources[i];
    let mut p = Placement::new(i);
    let direct = model.prop(i, Prop::SagemakerNotebookInstanceDirectInternetAccess);
    match direct.as_ref().map(|f| (f, util::text(Some(&f.value)))) {
        Some((f, Ok(Some(v)))) if v.eq_ignore_ascii_case("Disabled") => {
            p.evidence.push(Evidence::found(model, i, f));
        }
        Some((f, Ok(_))) => {
            p.evidence.push(Evidence::found(model, i, f));
            if let crate::model::PropOrigin::Default { source } = f.origin {
                p.defaults.push(source.to_string());
            }
            return finish(p);
        }
        Some((f, Err(u))) => {
            p.evidence.push(Evidence::found(model, i, f));
            p.where_ = Where::Unknown { value: u };
            return finish(p);
        }
        None => {}
    }
    let Some(subnet) = model.prop_set(i, Prop::SagemakerNotebookInstanceSubnetId) else {
        p.evidence.push(Evidence::at(model, i, ""));
        p.where_ = Where::Unknown {
            value: Value::unknown(
                Reason::OutsideTree,
                format!(
                    "{} has no direct internet access and names no subnet",
                    r.address
                ),
            ),
        };
        return finish(p);
    };
    p.evidence.push(Evidence::found(model, i, &subnet));
    let sp = net.in_subnets(&r.unit, &subnet.value);
    p.where_ = sp.into_where(&mut p.unknowns, &mut p.evidence);
    p.public_ip = Some(false);
    finish(p)
}

fn finish(mut p: Placement) -> Placement {
    p.unknowns.sort();
    p.unknowns.dedup();
    p.evidence.sort();
    p.evidence.dedup();
    p
}
