//! Which AWS services compute in a VPC reaches, and whether the VPC has an endpoint for each.

use super::placement::{self, Network, Where};
use super::util::{self, Evidence};
use crate::iam::access::{self, Access};
use crate::iam::principals::PolicyKind;
use crate::model::Kind;
use crate::model::Label;
use crate::model::{Model, Prop, Value};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Why a compute resource is taken to reach a service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReachReason {
    /// Its role is granted actions of the service by this statement.
    Grant {
        policy: String,
        statement: usize,
        sid: Option<String>,
        #[serde(skip)]
        span: Option<crate::source::Span>,
    },
    /// Its environment (or container definitions) references a resource of the service.
    Reference { evidence: Evidence, resource: usize },
}

/// The VPC endpoint a service would use, as far as the tree tells.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EndpointState {
    /// An endpoint for the service in the compute's VPC.
    Present {
        endpoint: usize,
        /// `Gateway` (S3, DynamoDB) or `Interface`.
        gateway: bool,
        /// Gateway endpoints: whether they are on the route tables of the compute's subnets.
        routed: Option<bool>,
        /// Interface endpoints: `private_dns_enabled` (AWS and Terraform default: false, so the
        /// SDKs' default host names still resolve to the public endpoint).
        private_dns: Option<bool>,
    },
    /// No endpoint for the service in the compute's VPC.
    Absent,
    /// Some endpoint in the VPC (or the VPC itself) cannot be read.
    Unknown { value: Value },
}

/// One service one compute resource likely reaches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceReach {
    pub compute: usize,
    /// The IAM service prefix (`dynamodb`, `s3`, `secretsmanager`).
    pub service: String,
    pub endpoint: EndpointState,
    pub because: Vec<ReachReason>,
}

/// A grant spanning more services than this says nothing about which ones the code calls.
const BROAD_GRANT: usize = 20;

/// The IAM prefix served by an endpoint service name (`ecr.dkr` → `ecr`).
pub fn endpoint_service_prefix(name: &str) -> String {
    let base = match name {
        "bedrock-runtime" | "bedrock-agent" | "bedrock-agent-runtime" => "bedrock",
        "monitoring" => "cloudwatch",
        "kinesis-streams" => "kinesis",
        "kinesis-firehose" => "firehose",
        "email-smtp" | "email" => "ses",
        "ecs-agent" | "ecs-telemetry" => "ecs",
        "sagemaker.runtime" | "sagemaker.api" => "sagemaker",
        "ssmmessages" | "ec2messages" => "ssm",
        "elasticloadbalancing" => "elasticloadbalancing",
        other => other.split('.').next().unwrap_or(other),
    };
    base.to_string()
}

/// The service of an endpoint's `service_name`: `com.amazonaws.<region>.<service>`, the
/// region possibly a symbol. `Err` with the value when it cannot be read.
fn endpoint_service(v: &Value) -> Result<Option<String>, Value> {
    let Some(text) = util::text_with_symbols(v) else {
        return Err(util::unknown_of(v));
    };
    let rest = text
        .strip_prefix("com.amazonaws.")
        .or_else(|| text.strip_prefix("aws."));
    let Some(rest) = rest else {
        return Ok(None); // a PrivateLink service of someone else
    };
    match rest.split_once('.') {
        Some((_region, service)) => Ok(Some(endpoint_service_prefix(service))),
        None => Ok(None),
    }
}

struct EndpointInfo {
    index: usize,
    vpc: Result<usize, Value>,
    service: Result<Option<String>, Value>,
    gateway: bool,
    route_tables: Vec<usize>,
    private_dns: Option<bool>,
}

fn endpoint_infos(model: &Model, net: &Network) -> Vec<EndpointInfo> {
    // Terraform's separate route table associations of gateway endpoints.
    let mut extra_tables: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.kind == Kind::Ec2VpcEndpointRouteTableAssociation {
            let read = |p: Prop| {
                model
                    .prop_set(i, p)
                    .and_then(|f| util::target(model, &r.unit, &f.value))
            };
            let e = read(Prop::Ec2VpcEndpointRouteTableAssociationVpcEndpointId);
            let t = read(Prop::Ec2VpcEndpointRouteTableAssociationRouteTableId);
            if let (Some(e), Some(t)) = (e, t) {
                extra_tables.entry(e).or_default().push(t);
            }
        }
    }
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.kind != Kind::Ec2VpcEndpoint || r.facet.is_some() || !util::deployed(r) {
            continue;
        }
        let vpc = match model.prop_set(i, Prop::Ec2VpcEndpointVpcId) {
            Some(f) => net.vpc_of(i).ok_or_else(|| util::unknown_of(&f.value)),
            None => Err(util::unknown_of(&Value::Null)),
        };
        let service = match model.prop_set(i, Prop::Ec2VpcEndpointServiceName) {
            Some(f) => endpoint_service(&f.value),
            None => Ok(None),
        };
        // AWS, Terraform and CloudFormation all default to Gateway (the property's default).
        let gateway = model
            .prop(i, Prop::Ec2VpcEndpointVpcEndpointType)
            .is_none_or(|f| f.as_str().is_none_or(|t| t.eq_ignore_ascii_case("Gateway")));
        let mut route_tables: Vec<usize> = model
            .prop_set(i, Prop::Ec2VpcEndpointRouteTableIds)
            .map(|f| {
                util::targets(model, &r.unit, &f.value)
                    .into_iter()
                    .flatten()
                    .collect()
            })
            .unwrap_or_default();
        route_tables.extend(extra_tables.get(&i).into_iter().flatten());
        route_tables.sort_unstable();
        route_tables.dedup();
        let private_dns = match model
            .prop_set(i, Prop::Ec2VpcEndpointPrivateDnsEnabled)
            .map(|f| f.flag())
        {
            Some(Ok(b)) => Some(b.unwrap_or(false)),
            None => Some(false),
            Some(Err(_)) => None,
        };
        out.push(EndpointInfo {
            index: i,
            vpc,
            service,
            gateway,
            route_tables,
            private_dns,
        });
    }
    out
}

fn is_lambda_service_policy(name: &str) -> bool {
    // AWS managed policies the Lambda service itself uses (logs, ENIs, event source polling),
    // not the function's code.
    name.starts_with("AWSLambda") && name.ends_with("ExecutionRole")
}

/// The roles each compute resource runs as, and the task definitions each service runs.
struct Runners {
    roles: HashMap<usize, Vec<usize>>,
    runs: HashMap<usize, Vec<usize>>,
}

impl Runners {
    fn new(model: &Model, access: &Access) -> Runners {
        let mut roles: HashMap<usize, Vec<usize>> = HashMap::new();
        for (c, r) in &access.compute {
            roles.entry(*c).or_default().push(*r);
        }
        // A service's tasks run as their task definition's role.
        let mut runs: HashMap<usize, Vec<usize>> = HashMap::new();
        for e in &model.edges {
            if e.label == Label::Runs {
                runs.entry(e.from).or_default().push(e.to);
            }
        }
        Runners { roles, runs }
    }
}

/// The AWS services one compute resource likely reaches: its role's grants (not the Lambda
/// service's own managed policies, not grants spanning many services) and the resources its
/// environment or container definitions reference.
fn reached(
    model: &Model,
    access: &Access,
    runners: &Runners,
    compute: usize,
) -> BTreeMap<String, BTreeSet<ReachReason>> {
    let idx = access::index();
    let is_lambda = model.resources[compute].kind == Kind::LambdaFunction;
    let mut all = vec![compute];
    all.extend(runners.runs.get(&compute).into_iter().flatten());
    let mut reached: BTreeMap<String, BTreeSet<ReachReason>> = BTreeMap::new();
    for c in &all {
        for role in runners.roles.get(c).into_iter().flatten() {
            for g in access.grants_of(*role) {
                if g.boundary || g.effect != crate::iam::policy::Effect::Allow {
                    continue;
                }
                if is_lambda
                    && g.source.kind == PolicyKind::AwsManaged
                    && is_lambda_service_policy(&g.source.policy)
                {
                    continue;
                }
                let Some(services) = idx.services_in(&g.actions, BROAD_GRANT) else {
                    continue;
                };
                for s in services {
                    reached
                        .entry(s.to_string())
                        .or_default()
                        .insert(ReachReason::Grant {
                            policy: g.source.policy.clone(),
                            statement: g.source.statement,
                            sid: g.source.sid.clone(),
                            span: g.source.span,
                        });
                }
            }
        }
        for e in model.edges_from(*c) {
            if !matches!(e.label, Label::Environment | Label::ContainerDefinitions) {
                continue;
            }
            let target = model.owner(e.to);
            // A role ARN handed to the code is a role it assumes: STS, not IAM.
            let service = match model.resources[target].kind {
                Kind::IamRole => Some("sts"),
                k => access::service_of(k).filter(|s| *s != "iam"),
            };
            if let Some(s) = service {
                reached
                    .entry(s.to_string())
                    .or_default()
                    .insert(ReachReason::Reference {
                        evidence: Evidence {
                            resource: e.from,
                            attribute: e.attribute.to_string(),
                            span: e.span,
                        },
                        resource: target,
                    });
            }
        }
    }
    reached
}

/// For each compute resource placed in a VPC, the AWS services it likely reaches (from its
/// role's grants and the resources its environment references) and whether its VPC has an
/// endpoint for each. Sorted by compute, then service.
pub fn endpoints(model: &Model) -> Vec<ServiceReach> {
    let placements = placement::placement(model);
    let access = Access::compute(model);
    endpoints_with(model, &access, &placements)
}

/// [`endpoints`] with effective access and placements already computed.
pub fn endpoints_with(
    model: &Model,
    access: &Access,
    placements: &[placement::Placement],
) -> Vec<ServiceReach> {
    let net = Network::new(model);
    let infos = endpoint_infos(model, &net);
    let runners = Runners::new(model, access);
    let mut out = Vec::new();
    for p in placements {
        let Where::Vpc {
            vpc, ref subnets, ..
        } = p.where_
        else {
            continue;
        };
        let tables: Vec<usize> = {
            let mut t: Vec<usize> = subnets
                .iter()
                .flat_map(|s| net.routing(*s).route_tables)
                .collect();
            t.sort_unstable();
            t.dedup();
            t
        };
        for (service, because) in reached(model, access, &runners, p.compute) {
            let endpoint = endpoint_state(&infos, vpc, &service, &tables, p);
            out.push(ServiceReach {
                compute: p.compute,
                service,
                endpoint,
                because: because.into_iter().collect(),
            });
        }
    }
    out.sort_by(|a, b| (a.compute, &a.service).cmp(&(b.compute, &b.service)));
    out
}

/// The complement of [`endpoints`]: for each compute resource *not* placed in a VPC the tree
/// shows, the AWS services it likely reaches. Outside any VPC there is no endpoint to use
/// ([`EndpointState::Absent`]: every call goes to the public endpoint); where the placement
/// cannot be read, neither can the endpoint ([`EndpointState::Unknown`]). Sorted by compute,
/// then service.
pub fn reach_outside_vpc(
    model: &Model,
    access: &Access,
    placements: &[placement::Placement],
) -> Vec<ServiceReach> {
    let runners = Runners::new(model, access);
    let mut out = Vec::new();
    for p in placements {
        let endpoint = match &p.where_ {
            Where::Vpc { .. } => continue,
            Where::NoVpc => EndpointState::Absent,
            Where::Unknown { value } => EndpointState::Unknown {
                value: value.clone(),
            },
        };
        for (service, because) in reached(model, access, &runners, p.compute) {
            out.push(ServiceReach {
                compute: p.compute,
                service,
                endpoint: endpoint.clone(),
                because: because.into_iter().collect(),
            });
        }
    }
    out.sort_by(|a, b| (a.compute, &a.service).cmp(&(b.compute, &b.service)));
    out
}

fn endpoint_state(
    infos: &[EndpointInfo],
    vpc: Option<usize>,
    service: &str,
    tables: &[usize],
    p: &placement::Placement,
) -> EndpointState {
    let Some(vpc) = vpc else {
        let why = p
            .unknowns
            .first()
            .map(|u| Value::Unknown(u.clone()))
            .unwrap_or_else(|| {
                Value::unknown(
                    crate::model::Reason::OutsideTree,
                    "the VPC of the subnets is not in the scanned tree",
                )
            });
        return EndpointState::Unknown { value: why };
    };
    let mut unknown: Option<Value> = None;
    for e in infos {
        match &e.vpc {
            Ok(v) if *v != vpc => continue,
            Ok(_) => {}
            Err(u) => {
                unknown.get_or_insert_with(|| u.clone());
                continue;
            }
        }
        match &e.service {
            Ok(Some(s)) if s == service => {
                return EndpointState::Present {
                    endpoint: e.index,
                    gateway: e.gateway,
                    routed: e.gateway.then(|| {
                        !tables.is_empty() && tables.iter().all(|t| e.route_tables.contains(t))
                    }),
                    private_dns: if e.gateway { None } else { e.private_dns },
                }
            }
            Ok(_) => {}
            Err(u) => {
                unknown.get_or_insert_with(|| u.clone());
            }
        }
    }
    match unknown {
        Some(value) => EndpointState::Unknown { value },
        None => EndpointState::Absent,
    }
}
