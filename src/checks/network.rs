//! Network checks: where compute runs, how it reaches AWS services, what the internet reaches
//! (security groups, network ACLs, data stores), how services authenticate their callers, and
//! what the API gateway validates.
//!
//! Each check reads the facts of [`crate::network`] and turns them into one finding per subject:
//! a function rather than its subnets, a security group rather than its rules, a method rather
//! than its API.

use super::{no_params, Cause, Check, Facts, Finding, Outcome, Params};
use crate::model::Kind;
use crate::model::Label;
use crate::model::{Model, Prop, Unknown, Value};
use crate::network::{
    self, util, EdgeKind, EdgeRoute, EndpointState, Evidence, Layer, Network, OpenRule, Ports,
    ReachReason, Where,
};
use crate::source::Span;
use std::collections::{BTreeMap, HashMap};

pub(super) fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "network.compute-in-vpc",
            about: "each Lambda function runs in VPC subnets; each ECS service and EC2 instance runs in subnets with no route to an internet gateway and without a public IP",
            run: compute_in_vpc,
            validate: no_params,
        },
        Check {
            name: "network.service-endpoints",
            about: "each AWS service a compute resource calls is reached through a usable VPC endpoint, or cannot be reached over a public endpoint at all",
            run: service_endpoints,
            validate: no_params,
        },
        Check {
            name: "network.open-ingress",
            about: "no declared security group rule or network ACL entry accepts 0.0.0.0/0 or ::/0, except TCP 80/443 of internet-facing load balancers",
            run: open_ingress,
            validate: no_params,
        },
        Check {
            name: "network.datastores-private",
            about: "no RDS database, S3 bucket, OpenSearch domain or Redshift cluster is reachable from the internet",
            run: datastores_private,
            validate: no_params,
        },
        Check {
            name: "network.service-auth",
            about: "API methods and routes, function URLs and internal load balancers authenticate their callers; Lambda permissions for services name the calling resource",
            run: service_auth,
            validate: no_params,
        },
        Check {
            name: "apigateway.request-validation",
            about: "each REST API method has a request validator covering its body (with a model) or its parameters; HTTP API routes cannot validate",
            run: gateway_validation,
            validate: no_params,
        },
    ]
}

// --- shared helpers ---------------------------------------------------------------------------

fn address(model: &Model, i: usize) -> &str {
    &model.resources[i].address
}

fn names(model: &Model, list: &[usize]) -> String {
    let v: Vec<&str> = list.iter().map(|&i| address(model, i)).collect();
    v.join(", ")
}

/// The outcome for the first of some unknowns, or a fallback.
fn unknown_from(us: &[Unknown], cause: Cause, fallback: &str) -> Outcome {
    match us.first() {
        Some(u) => Outcome::from_unknown(u),
        None => Outcome::unknown(cause, fallback),
    }
}

/// Evidence with the subject's own settings first (the decisive one), then the others.
fn ordered(subject: usize, evidence: &[Evidence]) -> Vec<Span> {
    let own = evidence.iter().filter(|e| e.resource == subject);
    let rest = evidence.iter().filter(|e| e.resource != subject);
    own.chain(rest).map(|e| e.span).collect()
}

fn with_defaults(detail: String, defaults: &[String]) -> String {
    if defaults.is_empty() {
        detail
    } else {
        format!("{detail} (provider default: {})", defaults.join("; "))
    }
}

/// What the subnets of a placement send out of the VPC.
struct Egress {
    /// Some subnet routes to an internet gateway / NAT gateway (`None`: cannot be read).
    igw: Option<bool>,
    nat: Option<bool>,
    /// Default routes to other targets (transit gateway, peering, VPN, interface).
    elsewhere: Vec<Evidence>,
    /// Subnets that route to an internet gateway.
    public_subnets: Vec<usize>,
    evidence: Vec<Evidence>,
    unknowns: Vec<Unknown>,
}

/// Three-valued or: true wins, then unknown.
fn or3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn egress(net: &Network, subnets: &[usize]) -> Egress {
    let mut e = Egress {
        igw: Some(false),
        nat: Some(false),
        elsewhere: Vec::new(),
        public_subnets: Vec::new(),
        evidence: Vec::new(),
        unknowns: Vec::new(),
    };
    for &s in subnets {
        let r = net.routing(s);
        if r.igw == Some(true) {
            e.public_subnets.push(s);
        }
        e.igw = or3(e.igw, r.igw);
        e.nat = or3(e.nat, r.nat);
        e.elsewhere.extend(r.elsewhere);
        e.evidence.extend(r.evidence);
        e.unknowns.extend(r.unknowns);
    }
    e
}

// --- net.compute.in-vpc -----------------------------------------------------------------------

/// Lambda: a `vpc_config` with subnets is enough (its interfaces never get public IPs). ECS
/// services and EC2 instances: subnets with no route to an internet gateway and no public IP.
fn compute_in_vpc(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let net = Network::new(model);
    let mut out = Vec::new();
    for p in facts.placement() {
        let c = p.compute;
        let lambda = model.resources[c].kind == Kind::LambdaFunction;
        let mut spans = ordered(c, &p.evidence);
        let accelerated = network::accelerated_by(model, c);
        let finding = match &p.where_ {
            // Whatever its subnet: the accelerator's addresses reach it.
            _ if !accelerated.is_empty() => {
                // The endpoint group decides: it comes first.
                spans.splice(0..0, accelerated.iter().map(|&g| model.resources[g].span));
                Finding::fail(
                    c,
                    format!(
                        "an endpoint of {}: reachable from the internet through the accelerator's static addresses, whatever its subnet",
                        names(model, &accelerated)
                    ),
                )
            }
            Where::NoVpc if model.resources[c].kind == Kind::SagemakerNotebookInstance => {
                Finding::fail(
                    c,
                    with_defaults(
                        "direct internet access: its traffic leaves through SageMaker's own network, outside the VPC's controls".into(),
                        &p.defaults,
                    ),
                )
            }
            Where::NoVpc => Finding::fail(
                c,
                "no VPC configuration: it runs on AWS's shared network, outside any VPC, with direct internet access",
            ),
            Where::Unknown { value } => Finding::new(
                c,
                Outcome::of_value(value),
                "where it runs cannot be read from the tree",
            ),
            Where::Vpc {
                subnets, public, ..
            } if lambda => {
                let routed = if *public == Some(true) {
                    "; a subnet routes to an internet gateway, but Lambda's network interfaces never get public IPs"
                } else {
                    ""
                };
                Finding::pass(
                    c,
                    format!("its VPC configuration places it in {}{routed}", names(model, subnets)),
                )
            }
            Where::Vpc {
                subnets, public, ..
            } => {
                let e = egress(&net, subnets);
                match (public, p.public_ip) {
                    (Some(true), _) => Finding::fail(
                        c,
                        format!(
                            "{} routes to an internet gateway: a public subnet",
                            names(model, &e.public_subnets)
                        ),
                    ),
                    (_, Some(true)) => Finding::fail(
                        c,
                        with_defaults(
                            format!(
                                "it gets a public IP in {}",
                                names(model, subnets)
                            ),
                            &p.defaults,
                        ),
                    ),
                    (Some(false), Some(false)) => Finding::pass(
                        c,
                        with_defaults(
                            format!(
                                "in {} (no route to an internet gateway), without a public IP",
                                names(model, subnets)
                            ),
                            &p.defaults,
                        ),
                    ),
                    _ => Finding::new(
                        c,
                        unknown_from(
                            &p.unknowns,
                            Cause::NotExpressible,
                            "the subnets' routes or the public IP setting cannot be read",
                        ),
                        format!(
                            "in {}, but whether it is reachable from the internet cannot be read",
                            names(model, subnets)
                        ),
                    ),
                }
            }
        };
        out.push(finding.at_all(spans));
    }
    out
}

// --- net.private-service-endpoints ------------------------------------------------------------

fn reason_spans(because: &[ReachReason]) -> Vec<Span> {
    because
        .iter()
        .filter_map(|b| match b {
            ReachReason::Grant { span, .. } => *span,
            ReachReason::Reference { evidence, .. } => Some(evidence.span),
        })
        .collect()
}

fn reason_text(model: &Model, because: &[ReachReason]) -> String {
    match because.first() {
        Some(ReachReason::Grant { policy, sid, .. }) => match sid {
            Some(s) => format!("its role is granted it by {policy} ({s})"),
            None => format!("its role is granted it by {policy}"),
        },
        Some(ReachReason::Reference { resource, .. }) => {
            format!("its environment references {}", address(model, *resource))
        }
        None => "it calls it".into(),
    }
}

/// A service the compute calls through a usable endpoint passes. Without one (no endpoint, a
/// gateway endpoint off the subnets' route tables, an interface endpoint without private DNS)
/// the subnets' routes decide: a route to an internet or NAT gateway reaches the public
/// endpoint (fail); a default route elsewhere leads outside the tree (unknown); no route out
/// means the public endpoint cannot be reached at all (pass). Compute outside any VPC calls
/// the public endpoints.
fn service_endpoints(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let net = Network::new(model);
    let placements: BTreeMap<usize, &network::Placement> =
        facts.placement().iter().map(|p| (p.compute, p)).collect();
    let outside = network::reach_outside_vpc(model, facts.access(), facts.placement());
    let mut out = Vec::new();
    for reach in facts.endpoints().iter().chain(outside.iter()) {
        let c = reach.compute;
        let Some(p) = placements.get(&c) else {
            continue;
        };
        let s = &reach.service;
        let why = reason_text(model, &reach.because);
        let mut spans = ordered(c, &p.evidence);
        spans.truncate(1);
        spans.extend(reason_spans(&reach.because));
        // The endpoint and whether it is usable.
        // An interface endpoint without private DNS is used only by code that names it.
        let mut code_decides = false;
        let usable: Result<(usize, &str), String> = match &reach.endpoint {
            EndpointState::Present {
                endpoint,
                gateway: true,
                routed: Some(true),
                ..
            } => Ok((*endpoint, "gateway endpoint on the subnets' route tables")),
            EndpointState::Present {
                endpoint,
                gateway: true,
                ..
            } => {
                spans.push(model.resources[*endpoint].span);
                Err(format!(
                    "the gateway endpoint {} is not on every route table of its subnets",
                    address(model, *endpoint)
                ))
            }
            EndpointState::Present {
                endpoint,
                private_dns: Some(true),
                ..
            } => Ok((*endpoint, "interface endpoint with private DNS")),
            EndpointState::Present {
                endpoint,
                private_dns: Some(false),
                ..
            } => {
                let set = model.prop_set(*endpoint, Prop::Ec2VpcEndpointPrivateDnsEnabled);
                spans.push(model.prop_span(*endpoint, Prop::Ec2VpcEndpointPrivateDnsEnabled));
                code_decides = true;
                Err(format!(
                    "the interface endpoint {} has private DNS off{}, so the SDK's default host name resolves to the public endpoint",
                    address(model, *endpoint),
                    if set.is_none() { " (provider default)" } else { "" }
                ))
            }
            EndpointState::Present { endpoint, .. } => {
                let flag = model
                    .prop_set(*endpoint, Prop::Ec2VpcEndpointPrivateDnsEnabled)
                    .map_or(Ok(None), |f| f.flag());
                let outcome = match flag {
                    Err(v) => Outcome::of_value(&v),
                    Ok(_) => Outcome::unknown(
                        Cause::NotExpressible,
                        "whether the endpoint is usable cannot be read",
                    ),
                };
                spans.insert(
                    0,
                    model.prop_span(*endpoint, Prop::Ec2VpcEndpointPrivateDnsEnabled),
                );
                out.push(
                    Finding::new(
                        c,
                        outcome,
                        format!(
                            "{s}: whether {} resolves the service's host name cannot be read",
                            address(model, *endpoint)
                        ),
                    )
                    .at_all(spans),
                );
                continue;
            }
            EndpointState::Absent => Err(format!("no {s} endpoint in the VPC")),
            EndpointState::Unknown { value } => {
                out.push(
                    Finding::new(
                        c,
                        Outcome::of_value(value),
                        format!("{s}: whether an endpoint serves it cannot be read ({why})"),
                    )
                    .at_all(spans),
                );
                continue;
            }
        };
        let mut extra: Vec<Span> = Vec::new();
        let finding = match usable {
            Ok((endpoint, how)) => {
                extra.push(model.resources[endpoint].span);
                Finding::pass(
                    c,
                    format!("{s}: through {} ({how})", address(model, endpoint)),
                )
            }
            Err(missing) => match &p.where_ {
                Where::NoVpc => Finding::fail(
                    c,
                    format!(
                        "{s}: it runs outside any VPC, so it calls the public endpoint ({why})"
                    ),
                ),
                Where::Unknown { value } => Finding::new(
                    c,
                    Outcome::of_value(value),
                    format!("{s}: where it runs cannot be read ({why})"),
                ),
                Where::Vpc { subnets, .. } => {
                    let e = egress(&net, subnets);
                    extra.extend(e.evidence.iter().chain(e.elsewhere.iter()).map(|x| x.span));
                    let via = if e.nat == Some(true) {
                        "a NAT gateway"
                    } else {
                        "an internet gateway"
                    };
                    if (e.igw == Some(true) || e.nat == Some(true)) && code_decides {
                        Finding::new(
                            c,
                            Outcome::unknown(
                                Cause::ApplicationCode,
                                format!("calls use the endpoint only if the code sets the endpoint's own host name; otherwise they go through {via} to the public endpoint"),
                            ),
                            format!("{s}: {missing} ({why})"),
                        )
                    } else if e.igw == Some(true) || e.nat == Some(true) {
                        Finding::fail(
                            c,
                            format!("{s}: {missing}; calls go through {via} to the public endpoint ({why})"),
                        )
                    } else if let Some(first) = e.elsewhere.first() {
                        Finding::new(
                            c,
                            Outcome::unknown(
                                Cause::OutsideTree,
                                format!(
                                    "a default route in {} leads out of the VPC to a target whose onward path is not in the tree",
                                    address(model, first.resource)
                                ),
                            ),
                            format!("{s}: {missing}; whether calls reach the public endpoint depends on where the subnets' default route leads"),
                        )
                    } else if e.igw.is_none() || e.nat.is_none() {
                        Finding::new(
                            c,
                            unknown_from(
                                &e.unknowns,
                                Cause::NotExpressible,
                                "the subnets' routes cannot be read",
                            ),
                            format!("{s}: {missing}; whether the subnets route out of the VPC cannot be read"),
                        )
                    } else {
                        extra.clear();
                        Finding::pass(
                            c,
                            format!("{s}: {missing}, but its subnets have no route out of the VPC, so no public endpoint is reachable (such calls would fail)"),
                        )
                    }
                }
            },
        };
        out.push(finding.at_all(spans).at_all(extra));
    }
    out
}

// --- net.no-open-ingress ----------------------------------------------------------------------

fn is_group(r: &crate::model::Resource) -> bool {
    r.kind == Kind::Ec2SecurityGroup && r.facet.is_none()
}

fn is_acl(r: &crate::model::Resource) -> bool {
    r.kind == Kind::Ec2NetworkAcl && r.facet.is_none()
}

/// What a rule opens, in words: its protocol and ports, and the ports lower-numbered network
/// ACL denies take first, so a reader sees what is open and what is not.
fn ports_text(rule: &OpenRule) -> String {
    let proto = rule.protocol.as_deref().unwrap_or("an unknown protocol");
    let open = match &rule.ports {
        Ports::All => "every port".into(),
        Ports::Range { from, to } if from == to => format!("{proto} port {from}"),
        Ports::Range { from, to } => format!("{proto} ports {from}-{to}"),
        Ports::NotApplicable => proto.to_string(),
        Ports::Unknown { .. } => format!("{proto} on ports that cannot be read"),
    };
    if rule.denied_first.is_empty() {
        return open;
    }
    let except: Vec<String> = rule
        .denied_first
        .iter()
        .map(|(p, from, to)| {
            if from == to {
                format!("{p} {from}")
            } else {
                format!("{p} {from}-{to}")
            }
        })
        .collect();
    format!(
        "{open} except {} (lower-numbered denies)",
        except.join(", ")
    )
}

/// Whether the group or ACL of a rule fronts an internet-facing load balancer: a group attached
/// only to such load balancers, an ACL on a subnet that holds one.
fn fronts_edge(model: &Model, rule: &OpenRule) -> bool {
    match rule.layer {
        Layer::SecurityGroup => {
            !rule.attached_to.is_empty()
                && rule
                    .attached_to
                    .iter()
                    .all(|&a| network::is_internet_facing_lb(model, a))
        }
        Layer::NetworkAcl => model.edges.iter().any(|e| {
            e.label == Label::InSubnet
                && rule.attached_to.contains(&e.to)
                && network::is_internet_facing_lb(model, e.from)
        }),
    }
}

/// Every declared security group and network ACL is a subject: each declared ingress rule open
/// to `0.0.0.0/0` or `::/0` fails it, attached or not, except TCP 80/443 of a group (or ACL)
/// in front of internet-facing load balancers only. Undeclared defaults are not read.
fn open_ingress(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let mut by_target: BTreeMap<usize, Vec<&OpenRule>> = BTreeMap::new();
    for r in facts.open_ingress() {
        by_target.entry(r.target).or_default().push(r);
    }
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if !util::deployed(r) || !(is_group(r) || is_acl(r)) || by_target.contains_key(&i) {
            continue;
        }
        let what = if is_acl(r) {
            "no declared entry allows 0.0.0.0/0 or ::/0 in before a lower-numbered deny matches it"
        } else {
            "no ingress rule is open to 0.0.0.0/0 or ::/0"
        };
        out.push(Finding::pass(i, what).at(r.span));
    }
    for (target, rules) in by_target {
        for rule in rules {
            let attached = if rule.attached_to.is_empty() {
                "attached to nothing in the tree".to_string()
            } else if rule.layer == Layer::NetworkAcl {
                format!("on {}", names(model, &rule.attached_to))
            } else {
                format!("attached to {}", names(model, &rule.attached_to))
            };
            let source = rule.cidr.as_deref().unwrap_or("an unreadable source");
            let rule_name = if rule.rule == target {
                rule.attribute.clone()
            } else {
                address(model, rule.rule).to_string()
            };
            let detail = format!(
                "{rule_name} accepts {} from {source}; {attached}",
                ports_text(rule)
            );
            let outcome = if rule.edge_web {
                Outcome::Pass
            } else if rule.cidr.is_none() {
                unknown_from(
                    &rule.unknown,
                    Cause::NotExpressible,
                    "the rule's source cannot be read",
                )
            } else if fronts_edge(model, rule)
                && (rule.protocol.is_none() || matches!(rule.ports, Ports::Unknown { .. }))
            {
                unknown_from(
                    &rule.unknown,
                    Cause::NotExpressible,
                    "the rule's protocol or ports cannot be read",
                )
            } else {
                Outcome::Fail
            };
            let detail = if rule.edge_web {
                format!("{detail}: the public web ports of an internet-facing load balancer")
            } else {
                detail
            };
            let mut f = Finding::new(target, outcome, detail).at(rule.evidence.span);
            f = f.at(model.resources[target].span);
            f = f.at_all(rule.attached_to.iter().map(|&a| model.resources[a].span));
            out.push(f);
        }
    }
    for i in facts.of_kind(Kind::EksCluster) {
        out.push(cluster_endpoint(model, i));
    }
    out
}

/// An EKS cluster's Kubernetes API endpoint: ingress that no security group governs. Public
/// access (AWS's default) open to `0.0.0.0/0` or `::/0` (the default list) lets the whole
/// internet reach the API server, leaving only authentication between it and the cluster.
fn cluster_endpoint(model: &Model, i: usize) -> Finding {
    let public = model.prop(i, Prop::EksClusterEndpointPublicAccess);
    let Some(public) = public else {
        return Finding::new(
            i,
            Outcome::unknown(
                Cause::NotExpressible,
                "the endpoint access setting cannot be read",
            ),
            "whether the Kubernetes API endpoint is public is not settled",
        );
    };
    let public_span = public.span(model, i);
    // The documented defaults the finding rests on, said once at its end.
    let defaults = |found: &[&crate::model::Found]| -> String {
        let notes: Vec<&str> = found
            .iter()
            .filter_map(|f| match f.origin {
                crate::model::PropOrigin::Default { source } => Some(source),
                _ => None,
            })
            .collect();
        if notes.is_empty() {
            String::new()
        } else {
            format!(" (provider default: {})", notes.join("; "))
        }
    };
    match util::flag(Some(&public.value)) {
        Ok(Some(false)) => {
            return Finding::pass(i, "the Kubernetes API endpoint is private only").at(public_span)
        }
        Ok(_) => {}
        Err(v) => {
            return Finding::new(
                i,
                Outcome::of_value(&v),
                "whether the Kubernetes API endpoint is public is not settled",
            )
            .at(public_span)
        }
    }
    let Some(cidrs) = model.prop(i, Prop::EksClusterPublicAccessCidrs) else {
        return Finding::new(
            i,
            Outcome::unknown(
                Cause::NotExpressible,
                "the public access CIDRs cannot be read",
            ),
            "the Kubernetes API endpoint is public; which networks it admits is not settled",
        )
        .at(public_span);
    };
    let cidrs_span = cidrs.span(model, i);
    // An empty list is no list: the provider sends none and EKS applies its default, every
    // address.
    if matches!(&*cidrs.value, Value::List(l) if l.is_empty()) {
        return Finding::fail(
            i,
            format!(
                "the Kubernetes API endpoint is public and its public access CIDRs are an empty list, which EKS reads as none given: it accepts connections from 0.0.0.0/0{}",
                defaults(&[&public])
            ),
        )
        .at(cidrs_span)
        .at(public_span);
    }
    let mut open = None;
    let mut unsettled = None;
    for item in util::items(&cidrs.value) {
        match util::text(Some(item)) {
            Ok(Some(c)) if util::whole_internet(&c) => open = open.or(Some(c)),
            Ok(_) => {}
            Err(v) => unsettled = unsettled.or(Some(v)),
        }
    }
    let public_text = "the Kubernetes API endpoint is public";
    match (open, unsettled) {
        (Some(c), _) => Finding::fail(
            i,
            format!(
                "{public_text} and accepts connections from {c}{}",
                defaults(&[&public, &cidrs])
            ),
        )
        .at(cidrs_span)
        .at(public_span),
        (None, Some(v)) => Finding::new(
            i,
            Outcome::of_value(&v),
            format!(
                "{public_text}; which networks it admits is not settled{}",
                defaults(&[&public])
            ),
        )
        .at(cidrs_span)
        .at(public_span),
        (None, None) => Finding::pass(
            i,
            format!("{public_text} but admits only the networks listed in its public access CIDRs"),
        )
        .at(cidrs_span)
        .at(public_span),
    }
}

// --- net.datastores-private -------------------------------------------------------------------

fn datastores_private(facts: &Facts, _: &Params) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in facts.public_datastores() {
        let decisive = e
            .findings
            .iter()
            .find(|f| f.public == Some(true))
            .or_else(|| e.findings.iter().find(|f| f.public.is_none()));
        let text = |f: &network::ExposureFinding| {
            let label = match f.what {
                "s3.public-access-block" => "public access block: ",
                "s3.policy" => "bucket policy: ",
                _ => "",
            };
            match f.default {
                Some(d) => format!("{label}{} (provider default: {d})", f.detail),
                None => format!("{label}{}", f.detail),
            }
        };
        let finding = match (e.public, decisive) {
            (Some(true), Some(f)) => Finding::fail(e.store, text(f)),
            (None, Some(f)) => {
                let outcome = match &f.unknown {
                    Some(u) => Outcome::from_unknown(u),
                    None => Outcome::unknown(Cause::NotExpressible, f.detail.clone()),
                };
                Finding::new(e.store, outcome, text(f))
            }
            _ => Finding::pass(
                e.store,
                e.findings.iter().map(text).collect::<Vec<_>>().join("; "),
            ),
        };
        let mut spans: Vec<Span> = decisive.iter().map(|f| f.evidence.span).collect();
        spans.extend(e.findings.iter().map(|f| f.evidence.span));
        out.push(finding.at_all(spans));
    }
    out.extend(cloudfront_s3_origins(facts.model));
    out
}

/// How a CloudFront distribution reads each S3 origin. Through origin access control or an
/// origin access identity, CloudFront signs its requests and the bucket can stay private to
/// it. A website endpoint cannot be signed for, and an S3 origin with neither sends anonymous
/// requests: either serves only objects anyone on the internet may read, straight from S3,
/// so the bucket is reachable without CloudFront.
fn cloudfront_s3_origins(model: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.kind != Kind::CloudfrontDistribution || r.facet.is_some() || !util::deployed(r) {
            continue;
        }
        for o in model.items(i, Prop::CloudfrontDistributionOrigins) {
            let id = o
                .prop_set(Prop::CloudfrontDistributionOriginsId)
                .and_then(|f| f.as_str().map(str::to_string))
                .unwrap_or_else(|| o.path.clone());
            let domain = o.prop_set(Prop::CloudfrontDistributionOriginsDomainName);
            let targets = domain
                .as_ref()
                .map(|d| util::targets(model, &r.unit, &d.value))
                .unwrap_or_default();
            let literal = domain
                .as_ref()
                .and_then(|d| d.as_str().map(str::to_ascii_lowercase));
            let website = literal
                .as_deref()
                .is_some_and(|s| s.contains(".s3-website"))
                || targets.iter().any(|t| {
                    matches!(t, Ok(b) if model.resources[*b].kind == Kind::S3Bucket
                        && model.resources[*b].facet == Some("website"))
                });
            let at = o
                .prop_set(Prop::CloudfrontDistributionOriginsDomainName)
                .map(|f| f.span(model, i))
                .unwrap_or(r.span);
            if website {
                out.push(
                    Finding::fail(
                        i,
                        format!("origin {id} is an S3 website endpoint, which CloudFront cannot sign for: it serves only objects anyone on the internet may read, straight from S3"),
                    )
                    .at(at),
                );
                continue;
            }
            let s3_config = o.prop_set(Prop::CloudfrontDistributionOriginsS3OriginConfig);
            let s3 = s3_config.is_some()
                || literal
                    .as_deref()
                    .is_some_and(|s| s.contains(".s3.") || s.contains(".s3-"))
                || targets
                    .iter()
                    .any(|t| matches!(t, Ok(b) if model.resources[*b].kind == Kind::S3Bucket));
            if !s3 {
                continue;
            }
            let signer = [
                (
                    Prop::CloudfrontDistributionOriginsOriginAccessControlId,
                    "origin access control",
                ),
                (
                    Prop::CloudfrontDistributionOriginsS3OriginConfigOriginAccessIdentity,
                    "an origin access identity",
                ),
            ];
            let mut finding = None;
            for (prop, what) in signer {
                let Some(f) = o.prop_set(prop) else { continue };
                // A reference to an origin access control or identity in the tree is one, even
                // though its id is computed at apply time.
                let named = util::targets(model, &r.unit, &f.value).iter().any(|t| {
                    matches!(t, Ok(x) if matches!(
                        model.resources[*x].kind,
                        Kind::CloudfrontOriginAccessControl | Kind::CloudfrontOriginAccessIdentity
                    ))
                });
                let text = if named {
                    Ok(Some(what.to_string()))
                } else {
                    f.text()
                };
                match text {
                    Ok(Some(t)) if t.is_empty() => {}
                    Ok(Some(_)) => {
                        finding = Some(
                            Finding::pass(
                                i,
                                format!("origin {id} reads its bucket through {what}: the bucket can stay private to CloudFront"),
                            )
                            .at(f.span(model, i)),
                        );
                        break;
                    }
                    Ok(None) => {}
                    Err(u) => {
                        finding = Some(
                            Finding::new(
                                i,
                                Outcome::of_value(&u),
                                format!("whether origin {id} reads its bucket through {what} cannot be read"),
                            )
                            .at(f.span(model, i)),
                        );
                        break;
                    }
                }
            }
            out.push(finding.unwrap_or_else(|| {
                Finding::fail(
                    i,
                    format!("origin {id} reads its bucket with neither origin access control nor an origin access identity: CloudFront's requests are anonymous, so it serves only objects anyone on the internet may read, straight from S3"),
                )
                .at(at)
            }));
        }
    }
    out
}

// --- net.service-auth -------------------------------------------------------------------------

/// The value an edge route's authorization was read from, for a route whose authorization
/// could not be read.
fn route_auth_unknown(route: &EdgeRoute) -> Outcome {
    match &route.authorization_value {
        Some(v) => Outcome::of_value(v),
        None => Outcome::unknown(
            Cause::NotExpressible,
            "the authorization setting cannot be read",
        ),
    }
}

/// An API with no method or route resources whose routes live elsewhere (an OpenAPI body, SAM
/// events): the routes cannot be judged.
/// Routes defined where vouch does not read them, with the outcome that gives: an OpenAPI body
/// the frontends could not read (its unknown says why: in S3, not in the tree), or the events
/// of a SAM HTTP API's functions.
fn routes_elsewhere(edge: &network::PublicEdge) -> Option<(Outcome, Option<Span>)> {
    if let Some((body, at)) = &edge.unread_body {
        return Some((Outcome::of_value(body), Some(*at)));
    }
    if !edge.routes.is_empty() {
        return None;
    }
    edge.notes
        .iter()
        .find(|n| n.contains("SAM HTTP API"))
        .map(|n| (Outcome::unknown(Cause::NotExpressible, n.clone()), None))
}

fn route_auth(model: &Model, kind: EdgeKind, route: &EdgeRoute) -> Finding {
    let what = match kind {
        EdgeKind::FunctionUrl => "function URL".to_string(),
        _ => route.name.clone(),
    };
    let auth = route.authorization.as_deref().unwrap_or("?");
    if kind == EdgeKind::RestApi
        && route.authenticated == Some(false)
        && integration_type(model, route.resource).as_deref() == Some("MOCK")
    {
        return Finding::pass(
            route.resource,
            format!("{what}: authorization {auth}, but answered by the gateway itself (MOCK integration): no service behind it"),
        )
        .at(route.evidence.span);
    }
    let f = match route.authenticated {
        Some(true) => Finding::pass(route.resource, format!("{what}: authorization {auth}")),
        Some(false) => Finding::fail(
            route.resource,
            format!("{what}: authorization {auth}, so any caller that reaches it is served"),
        ),
        None => Finding::new(
            route.resource,
            route_auth_unknown(route),
            format!("{what}: the authorization type cannot be read"),
        ),
    };
    f.at(route.evidence.span)
}

/// The action types of a listener's default actions or a listener rule's actions: the list
/// property and its `Type` below it.
fn action_types(model: &Model, i: usize, list: Prop, ty: Prop) -> Result<Vec<String>, Value> {
    if let Some(f) = model.prop_set(i, list) {
        if !matches!(&*f.value, Value::List(_)) {
            return Err(util::unknown_of(&f.value));
        }
    }
    let mut out = Vec::new();
    for item in model.items(i, list) {
        match item.prop_set(ty).map(|f| f.text()) {
            Some(Ok(Some(s))) => out.push(s.to_ascii_lowercase()),
            Some(Err(u)) => return Err(u),
            _ => out.push(String::new()),
        }
    }
    Ok(out)
}

/// Internal load balancers: each listener (and listener rule) that forwards to targets must
/// authenticate (an `authenticate-*` or `jwt-validation` action, or mutual TLS in `verify`
/// mode); classic load balancers cannot.
fn internal_lb(model: &Model, lb: usize, out: &mut Vec<Finding>) {
    let scheme = model.prop_set(lb, Prop::ElbLoadBalancerScheme);
    let scheme_unknown = scheme.as_ref().and_then(|f| f.text().err());
    if scheme_unknown.is_none() && network::is_internet_facing_lb(model, lb) {
        return;
    }
    let scheme_span = model.prop_span(lb, Prop::ElbLoadBalancerScheme);
    // Judges one forwarding place; `None` types: unreadable.
    let mut judge = |place: String, at: Span, types: Result<Vec<String>, Value>, mtls: bool| {
        let types = match types {
            Ok(t) => t,
            Err(u) => {
                out.push(
                    Finding::new(
                        lb,
                        Outcome::of_value(&u),
                        format!("{place}: the actions cannot be read"),
                    )
                    .at(at)
                    .at(scheme_span),
                );
                return;
            }
        };
        let forwards = types.is_empty()
            || types.iter().any(|t| {
                t != "redirect" && t != "fixed-response" && !network::elb_action_authenticates(t)
            });
        let authenticates = mtls || types.iter().any(|t| network::elb_action_authenticates(t));
        let f = if authenticates {
            Finding::pass(
                lb,
                format!(
                    "{place}: authenticates callers ({})",
                    if mtls {
                        "mutual TLS"
                    } else {
                        "authenticate action"
                    }
                ),
            )
        } else if !forwards {
            Finding::pass(lb, format!("{place}: only redirects or answers itself"))
        } else if let Some(u) = &scheme_unknown {
            Finding::new(
                lb,
                Outcome::of_value(u),
                format!("{place}: forwards without authentication, and whether the load balancer is internal cannot be read"),
            )
        } else {
            Finding::fail(
                lb,
                format!("{place}: an internal load balancer forwarding without authentication: its targets serve any caller inside the network"),
            )
        };
        out.push(f.at(at).at(scheme_span));
    };
    for l in util::referrers(model, lb, Label::ListensFor) {
        let lr = &model.resources[l];
        let text = |p: Prop| model.prop_set(l, p).and_then(|f| f.text().ok().flatten());
        let proto = text(Prop::ElbListenerProtocol).unwrap_or_else(|| "listener".into());
        let port = text(Prop::ElbListenerPort).unwrap_or_else(|| "?".into());
        let mtls = model
            .prop_set(l, Prop::ElbListenerMutualAuthenticationMode)
            .and_then(|f| f.as_str().map(|s| s.eq_ignore_ascii_case("verify")))
            .unwrap_or(false);
        let at = model.prop_span(l, Prop::ElbListenerDefaultActions);
        judge(
            format!("{} ({proto}:{port})", lr.address),
            at,
            action_types(
                model,
                l,
                Prop::ElbListenerDefaultActions,
                Prop::ElbListenerDefaultActionsType,
            ),
            mtls,
        );
        for rule in util::referrers(model, l, Label::RuleOf) {
            let rr = &model.resources[rule];
            if rr.kind != Kind::ElbListenerRule || !util::deployed(rr) {
                continue;
            }
            judge(
                format!("{} (rule of {})", rr.address, lr.address),
                rr.span,
                action_types(
                    model,
                    rule,
                    Prop::ElbListenerRuleActions,
                    Prop::ElbListenerRuleActionsType,
                ),
                mtls,
            );
        }
    }
    for item in model.items(lb, Prop::ElbLoadBalancerListeners) {
        let path = item.path.clone();
        let f = match &scheme_unknown {
            Some(u) => Finding::new(
                lb,
                Outcome::of_value(u),
                format!("{path}: a classic load balancer cannot authenticate callers, and whether it is internal cannot be read"),
            ),
            None => Finding::fail(
                lb,
                format!("{path}: an internal classic load balancer cannot authenticate callers: its targets serve any caller inside the network"),
            ),
        };
        out.push(f.at(item.span()).at(scheme_span));
    }
}

fn is_service_principal(p: &str) -> bool {
    p.ends_with(".amazonaws.com") || p.ends_with(".amazonaws.com.cn")
}

/// A Lambda permission: a service principal must name the calling resource (`source_arn`);
/// `*` must name a source or an organization; an account or role is an authenticated caller.
/// The subject is the function when it is in the tree.
fn permission(model: &Model, i: usize) -> Finding {
    let r = &model.resources[i];
    let function = model
        .edges
        .iter()
        .find(|e| e.from == i && e.label == Label::PermitsInvoke)
        .map(|e| model.owner(e.to))
        .filter(|&f| model.resources[f].kind == Kind::LambdaFunction);
    let subj = function.unwrap_or(i);
    let source = model.prop_set(i, Prop::LambdaPermissionSourceArn);
    let org = model.prop_set(i, Prop::LambdaPermissionPrincipalOrgID);
    let principal = model.prop_set(i, Prop::LambdaPermissionPrincipal);
    let found_span = |f: &Option<crate::model::Found>| f.as_ref().map(|f| f.span(model, i));
    let principal_text = principal.as_ref().map(|f| f.text());
    let who = match &principal_text {
        Some(Ok(Some(p))) => p.clone(),
        _ => "its principal".into(),
    };
    let source_value = source.as_ref().map(|f| &*f.value);
    let f = match (source_value, &principal_text) {
        (Some(Value::Unknown(u)), _) => Finding::new(
            subj,
            Outcome::from_unknown(u),
            format!(
                "{}: lets {who} invoke it from a source ARN that cannot be read",
                r.address
            ),
        ),
        (Some(v), _) if util::text_with_symbols(v).as_deref() == Some("*") => Finding::fail(
            subj,
            format!(
                "{}: source_arn is `*`: {who} may invoke it from any resource",
                r.address
            ),
        ),
        (Some(_), _) => Finding::pass(
            subj,
            format!(
                "{}: {who} may invoke it only from the named source ARN",
                r.address
            ),
        ),
        (None, Some(Ok(Some(p)))) if p == "*" && org.is_some() => Finding::pass(
            subj,
            format!(
                "{}: any principal of the named organization may invoke it",
                r.address
            ),
        ),
        (None, Some(Ok(Some(p)))) if p == "*" => Finding::fail(
            subj,
            format!(
                "{}: principal `*` with no source_arn or organization: {} may invoke it",
                r.address,
                match model
                    .prop_set(i, Prop::LambdaPermissionFunctionUrlAuthType)
                    .as_ref()
                    .and_then(|f| f.as_str())
                {
                    Some(t) if t.eq_ignore_ascii_case("AWS_IAM") => {
                        "any IAM principal of any AWS account"
                    }
                    _ => "anyone",
                }
            ),
        ),
        (None, Some(Ok(Some(p)))) if is_service_principal(p) => {
            let account = model
                .prop_set(i, Prop::LambdaPermissionSourceAccount)
                .is_some();
            Finding::fail(
                subj,
                format!(
                    "{}: {p} may invoke it with no source_arn: on behalf of any {} resource{}",
                    r.address,
                    p.split('.').next().unwrap_or(p),
                    if account {
                        " of the source account"
                    } else {
                        ", in any account"
                    }
                ),
            )
        }
        (None, Some(Ok(Some(p)))) => Finding::pass(
            subj,
            format!(
                "{}: only {p}, an IAM-authenticated principal, may invoke it",
                r.address
            ),
        ),
        (None, Some(Err(v))) => Finding::new(
            subj,
            Outcome::of_value(v),
            format!("{}: who may invoke it cannot be read", r.address),
        ),
        (None, _) => Finding::new(
            subj,
            Outcome::unknown(Cause::NotExpressible, "the permission names no principal"),
            format!("{}: names no principal", r.address),
        ),
    };
    let mut spans: Vec<Span> = found_span(&source).into_iter().collect();
    spans.extend(found_span(&principal));
    spans.push(r.span);
    f.at_all(spans)
}

fn service_auth(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let mut out = Vec::new();
    for edge in facts.public_edges() {
        match edge.kind {
            EdgeKind::RestApi | EdgeKind::HttpApi | EdgeKind::FunctionUrl => {
                if let Some((outcome, at)) = routes_elsewhere(edge) {
                    out.push(
                        Finding::new(
                            edge.resource,
                            outcome,
                            "its routes and their authorization are not declared as resources",
                        )
                        .at_all(at)
                        .at(model.resources[edge.resource].span),
                    );
                }
                for route in &edge.routes {
                    out.push(route_auth(model, edge.kind, route));
                }
            }
            // Only `$connect` of a WebSocket API can authorize; the other routes ride on it.
            EdgeKind::WebSocketApi => {
                for route in edge.routes.iter().filter(|r| r.name == "$connect") {
                    out.push(route_auth(model, edge.kind, route));
                }
            }
            EdgeKind::LoadBalancer => internal_lb(model, edge.resource, &mut out),
            EdgeKind::CloudFront => {}
        }
    }
    for i in facts.of_kind(Kind::LambdaPermission).collect::<Vec<_>>() {
        out.push(permission(model, i));
    }
    lattice_services(facts, &mut out);
    out
}

/// A service's association with a service network: the network (or the value naming one that
/// is not in the tree), and where the association names it.
type Association = (Result<usize, Value>, Span);

/// VPC Lattice services: a request passes the service network's auth type and the service's;
/// a service authenticates its callers when its own auth type is `AWS_IAM`, or when every
/// service network it is associated with is `AWS_IAM` (both default to `NONE`). A network the
/// tree does not declare is a question; a service in no network of the tree has only its own.
fn lattice_services(facts: &Facts, out: &mut Vec<Finding>) {
    let model = facts.model;
    let iam = |i: usize, p: Prop| -> (Result<bool, Value>, Span) {
        match model.prop(i, p) {
            Some(f) => {
                let span = f.span(model, i);
                match f.text() {
                    Ok(Some(t)) => (Ok(t.eq_ignore_ascii_case("AWS_IAM")), span),
                    Ok(None) => (Ok(false), span),
                    Err(u) => (Err(u), span),
                }
            }
            None => (Ok(false), model.resources[i].span),
        }
    };
    // The networks each service is associated with: an index, or the value naming one that is
    // not in the tree.
    let mut networks: HashMap<usize, Vec<Association>> = HashMap::new();
    for a in facts.of_kind(Kind::VpclatticeServiceAssociation) {
        let unit = &model.resources[a].unit;
        let (Some(svc), Some(net)) = (
            model.prop_set(a, Prop::VpclatticeServiceAssociationServiceIdentifier),
            model.prop_set(
                a,
                Prop::VpclatticeServiceAssociationServiceNetworkIdentifier,
            ),
        ) else {
            continue;
        };
        let Some(s) = util::target(model, unit, &svc.value) else {
            continue;
        };
        let n = util::target(model, unit, &net.value)
            .filter(|&n| model.resources[n].kind == Kind::VpclatticeServiceNetwork)
            .ok_or_else(|| util::unknown_of(&net.value));
        networks.entry(s).or_default().push((n, net.span(model, a)));
    }
    for s in facts.of_kind(Kind::VpclatticeService) {
        let (own, own_at) = iam(s, Prop::VpclatticeServiceAuthType);
        let f = match own {
            Ok(true) => Finding::pass(s, "auth type AWS_IAM: callers sign their requests"),
            Err(u) => Finding::new(s, Outcome::of_value(&u), "the auth type cannot be read"),
            Ok(false) => {
                let nets = networks.get(&s).map(Vec::as_slice).unwrap_or_default();
                let mut open = Vec::new();
                let mut unknown = None;
                let mut spans = Vec::new();
                for (n, at) in nets {
                    spans.push(*at);
                    match n {
                        Ok(n) => match iam(*n, Prop::VpclatticeServiceNetworkAuthType) {
                            (Ok(true), sp) => spans.push(sp),
                            (Ok(false), sp) => {
                                spans.push(sp);
                                open.push(model.resources[*n].address.clone());
                            }
                            (Err(u), sp) => {
                                spans.push(sp);
                                unknown.get_or_insert(Outcome::of_value(&u));
                            }
                        },
                        Err(u) => {
                            unknown.get_or_insert(match u.first_unknown() {
                                Some(x) => Outcome::from_unknown(x),
                                None => Outcome::unknown(
                                    Cause::OutsideTree,
                                    format!(
                                        "service network {} is not declared in the scanned tree",
                                        u.written()
                                    ),
                                ),
                            });
                        }
                    }
                }
                if nets.is_empty() {
                    Finding::fail(s, "auth type NONE and no service network of the tree authenticates for it: any client of its networks calls it")
                } else if !open.is_empty() {
                    Finding::fail(
                        s,
                        format!(
                            "auth type NONE, and service network {} does not authenticate either",
                            open.join(", ")
                        ),
                    )
                    .at_all(spans)
                } else if let Some(o) = unknown {
                    Finding::new(
                        s,
                        o,
                        "auth type NONE; whether its service network authenticates cannot be read",
                    )
                    .at_all(spans)
                } else {
                    Finding::pass(s, "every service network it is in requires AWS_IAM")
                        .at_all(spans)
                }
            }
        };
        out.push(f.at(own_at));
    }
}

// --- net.gateway-validates-input --------------------------------------------------------------

/// The integration type of a REST API method (`MOCK`, `AWS_PROXY`, …) when it can be read.
fn integration_type(model: &Model, method: usize) -> Option<String> {
    model
        .prop_set(method, Prop::ApigatewayMethodIntegrationType)
        .and_then(|f| f.as_str().map(str::to_ascii_uppercase))
}

/// Whether a method declares a request model (`request_models` / `RequestModels`).
fn has_model(model: &Model, m: usize) -> Result<bool, Value> {
    match model.prop_set(m, Prop::ApigatewayMethodRequestModels) {
        None => Ok(false),
        Some(f) => match &*f.value {
            Value::Map(m) => Ok(!m.is_empty()),
            v => Err(util::unknown_of(v)),
        },
    }
}

fn rest_method(model: &Model, route: &EdgeRoute) -> Finding {
    let m = route.resource;
    let r = &model.resources[m];
    let name = &route.name;
    let verb = name.split(' ').next().unwrap_or("").to_ascii_uppercase();
    if integration_type(model, m).as_deref() == Some("MOCK") {
        return Finding::pass(
            m,
            format!("{name}: answered by the gateway itself (MOCK integration); no backend sees the request"),
        )
        .at(r.span);
    }
    let vattr = model.prop_set(m, Prop::ApigatewayMethodRequestValidatorId);
    let vspan = model.prop_span(m, Prop::ApigatewayMethodRequestValidatorId);
    let validator = model
        .edges
        .iter()
        .find(|e| e.from == m && e.label == Label::Validator)
        .map(|e| model.owner(e.to));
    let v = match (validator, &vattr) {
        (None, None) => {
            return Finding::fail(
                m,
                format!("{name}: no request validator: the backend gets the request unchecked"),
            )
            .at(vspan);
        }
        (None, Some(found)) => {
            return Finding::new(
                m,
                Outcome::of_value(&util::unknown_of(&found.value)),
                format!("{name}: its request validator is not in the tree"),
            )
            .at(vspan);
        }
        (Some(v), _) => v,
    };
    let vr = &model.resources[v];
    let flag = |p: Prop| model.prop_set(v, p).map_or(Ok(None), |f| f.flag());
    let body = flag(Prop::ApigatewayRequestValidatorValidateRequestBody);
    let params = flag(Prop::ApigatewayRequestValidatorValidateRequestParameters);
    let bspan = model.prop_span(v, Prop::ApigatewayRequestValidatorValidateRequestBody);
    let pspan = model.prop_span(v, Prop::ApigatewayRequestValidatorValidateRequestParameters);
    let carries_body = !matches!(verb.as_str(), "GET" | "HEAD" | "DELETE" | "OPTIONS");
    if carries_body {
        let model_decl = has_model(model, m);
        let mspan = model.prop_span(m, Prop::ApigatewayMethodRequestModels);
        match (body, model_decl) {
            (Err(u), _) | (_, Err(u)) => Finding::new(
                m,
                Outcome::of_value(&u),
                format!("{name}: what its validator {} checks cannot be read", vr.address),
            )
            .at(bspan)
            .at(mspan)
            .at(vspan),
            (Ok(Some(true)), Ok(true)) => Finding::pass(
                m,
                format!("{name}: {} validates the body against its request model", vr.address),
            )
            .at(bspan)
            .at(mspan)
            .at(vspan),
            (Ok(Some(true)), Ok(false)) => Finding::fail(
                m,
                format!("{name}: {} validates bodies, but the method declares no request model to validate against", vr.address),
            )
            .at(mspan)
            .at(bspan)
            .at(vspan),
            (Ok(_), _) => Finding::fail(
                m,
                format!("{name}: {} does not validate the body (validate_request_body is false or unset)", vr.address),
            )
            .at(bspan)
            .at(vspan),
        }
    } else {
        match params {
            Err(u) => Finding::new(
                m,
                Outcome::of_value(&u),
                format!("{name}: what its validator {} checks cannot be read", vr.address),
            ),
            Ok(Some(true)) => Finding::pass(
                m,
                format!("{name}: {} validates the request parameters", vr.address),
            ),
            Ok(_) => Finding::fail(
                m,
                format!("{name}: {} does not validate parameters (validate_request_parameters is false or unset)", vr.address),
            ),
        }
        .at(pspan)
        .at(vspan)
    }
}

fn gateway_validation(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let mut out = Vec::new();
    for edge in facts.public_edges() {
        if !matches!(edge.kind, EdgeKind::RestApi | EdgeKind::HttpApi) {
            continue;
        }
        if let Some((unread, at)) = routes_elsewhere(edge) {
            let outcome = if edge.kind == EdgeKind::HttpApi {
                Outcome::Fail
            } else {
                unread
            };
            out.push(
                Finding::new(
                    edge.resource,
                    outcome,
                    if edge.kind == EdgeKind::HttpApi {
                        "an HTTP API cannot validate requests: every route's body and parameters reach the backend unchecked"
                    } else {
                        "its methods and validators are defined where vouch does not read them"
                    },
                )
                .at_all(at)
                .at(model.resources[edge.resource].span),
            );
        }
        for route in &edge.routes {
            let f = match edge.kind {
                EdgeKind::HttpApi => Finding::fail(
                    route.resource,
                    format!(
                        "{}: HTTP APIs cannot validate request bodies or parameters; the backend gets the request unchecked",
                        route.name
                    ),
                )
                .at(route.evidence.span)
                .at(model.resources[edge.resource].span),
                _ => rest_method(model, route),
            };
            out.push(f);
        }
    }
    out
}
