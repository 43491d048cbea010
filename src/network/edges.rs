//! The public edge: CloudFront distributions, load balancers, API Gateway REST and HTTP APIs,
//! Lambda function URLs, with their TLS policy, HTTP handling, HSTS, WAF and authentication.

use super::ingress::internet_facing_lb;
use super::util::{self, Evidence};
use crate::model::Kind;
use crate::model::Label;
use crate::model::{Item, Model, Prop, Unknown, Value};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    CloudFront,
    LoadBalancer,
    RestApi,
    HttpApi,
    WebSocketApi,
    FunctionUrl,
}

/// What the edge does with plain HTTP.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Http {
    /// HTTP is not served at all.
    HttpsOnly,
    /// HTTP is answered with a redirect to HTTPS.
    Redirects,
    /// Some path serves content over plain HTTP.
    AllowsHttp,
    Unknown {
        value: Value,
    },
}

/// The TLS an edge accepts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tls {
    /// True when a client can negotiate TLS older than 1.2; `None` when it cannot be read or
    /// the edge offers no TLS listener (the detail says which).
    pub below_1_2: Option<bool>,
    /// The policy in force (`TLSv1.2_2021`, `ELBSecurityPolicy-2016-08`, `TLS_1_0`).
    pub policy: String,
    pub detail: String,
    pub unknown: Option<Unknown>,
    pub evidence: Vec<Evidence>,
}

/// One method, route, listener or URL of an edge, with its authentication and validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeRoute {
    pub resource: usize,
    /// `GET /health`, `POST /items`, `$default`, `HTTPS:443`, `function URL`.
    pub name: String,
    /// As written (`NONE`, `COGNITO_USER_POOLS`, `AWS_IAM`, `authenticate-oidc`), with the
    /// default applied when unset; `None` when unknown.
    pub authorization: Option<String>,
    /// False for `NONE`: anyone on the internet can call it.
    pub authenticated: Option<bool>,
    /// A request validator that validates the body (REST APIs); HTTP APIs cannot.
    pub validates_body: Option<bool>,
    pub validates_parameters: Option<bool>,
    pub evidence: Evidence,
    /// The value the authorization was read from, when it cannot be read as text.
    #[serde(skip)]
    pub authorization_value: Option<Value>,
}

/// One internet-facing (or possibly internet-facing) entry point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicEdge {
    pub resource: usize,
    pub kind: EdgeKind,
    pub internet_facing: Option<bool>,
    pub tls: Tls,
    pub http: Http,
    /// The edge adds `Strict-Transport-Security` on every path (`Some(false)`: the edge does
    /// not; only the backend could).
    pub hsts: Option<bool>,
    /// A WAF web ACL is attached.
    pub waf: Option<bool>,
    pub routes: Vec<EdgeRoute>,
    /// Provider defaults applied and limits of what was read.
    pub notes: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// The API's OpenAPI body when the frontends could not read it (an unknown with its
    /// reason: in S3, not in the tree, not a definition): its methods are not in the model.
    #[serde(skip)]
    pub unread_body: Option<(Value, crate::source::Span)>,
}

/// AWS's managed `SecurityHeadersPolicy` response headers policy (sends HSTS).
const MANAGED_SECURITY_HEADERS: &str = "67f7725c-6f97-4210-82d7-5512b31e9d03";

/// Every public edge in the tree, sorted by resource.
pub fn public_edges(model: &Model) -> Vec<PublicEdge> {
    let mut out = Vec::new();
    let found = Lookups::new(model);
    for (i, r) in model.resources.iter().enumerate() {
        if r.facet.is_some() || !util::deployed(r) {
            continue;
        }
        let e = match r.kind {
            Kind::CloudfrontDistribution => cloudfront(model, i),
            Kind::ElbLoadBalancer => load_balancer(model, i, &found.waf),
            Kind::ApigatewayRestApi => rest_api(model, i, &found),
            Kind::Apigatewayv2Api => http_api(model, i, &found.waf),
            Kind::LambdaFunctionUrl => function_url(model, i),
            _ => continue,
        };
        out.push(e);
    }
    for e in &mut out {
        e.evidence.sort();
        e.evidence.dedup();
        e.routes
            .sort_by(|a, b| (&a.name, a.resource).cmp(&(&b.name, b.resource)));
    }
    out
}

fn tls(below: Option<bool>, policy: impl Into<String>, detail: impl Into<String>) -> Tls {
    Tls {
        below_1_2: below,
        policy: policy.into(),
        detail: detail.into(),
        unknown: None,
        evidence: vec![],
    }
}

fn combine_http(items: Vec<Http>) -> Http {
    if items.contains(&Http::AllowsHttp) {
        return Http::AllowsHttp;
    }
    if let Some(u) = items.iter().find(|h| matches!(h, Http::Unknown { .. })) {
        return u.clone();
    }
    if items.contains(&Http::Redirects) {
        return Http::Redirects;
    }
    Http::HttpsOnly
}

/// Resources a WAFv2 association protects, each with its associations.
type WafTargets = HashMap<usize, Vec<usize>>;

/// What the edges of many APIs look up, found in one pass over the model rather than one per
/// API.
struct Lookups {
    waf: WafTargets,
    /// Each REST API's base path mappings that name a domain, in resource order.
    mappings: HashMap<usize, Vec<usize>>,
}

impl Lookups {
    fn new(model: &Model) -> Lookups {
        let mut waf: WafTargets = HashMap::new();
        let mut mappings: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, r) in model.resources.iter().enumerate() {
            match r.kind {
                Kind::Wafv2WebAclAssociation => {
                    if let Some(f) = model.prop_set(i, Prop::Wafv2WebAclAssociationResourceArn) {
                        for t in util::targets(model, &r.unit, &f.value)
                            .into_iter()
                            .flatten()
                        {
                            waf.entry(model.owner(t)).or_default().push(i);
                        }
                    }
                }
                Kind::ApigatewayBasePathMapping => {
                    let api = model
                        .prop_set(i, Prop::ApigatewayBasePathMappingRestApiId)
                        .and_then(|a| util::target(model, &r.unit, &a.value));
                    if let Some(api) = api {
                        mappings.entry(api).or_default().push(i);
                    }
                }
                _ => {}
            }
        }
        Lookups { waf, mappings }
    }
}

fn cloudfront(model: &Model, i: usize) -> PublicEdge {
    let r = &model.resources[i];
    let mut notes = Vec::new();
    let mut evidence = vec![Evidence::at(model, i, "")];
    // TLS.
    let cert = model.prop_set(i, Prop::CloudfrontDistributionViewerCertificate);
    let default_cert_at = model.prop_set(
        i,
        Prop::CloudfrontDistributionViewerCertificateCloudFrontDefaultCertificate,
    );
    let default_cert = default_cert_at.as_ref().map_or(Ok(None), |f| f.flag());
    let min = model.prop_set(
        i,
        Prop::CloudfrontDistributionViewerCertificateMinimumProtocolVersion,
    );
    let mut t = match (cert.is_some(), default_cert) {
        (false, _) | (true, Ok(Some(true))) => {
            let mut t = tls(
                Some(true),
                "TLSv1",
                "the default *.cloudfront.net certificate accepts TLSv1 whatever minimum_protocol_version says",
            );
            t.evidence.push(match &default_cert_at {
                Some(f) => Evidence::found(model, i, f),
                None => Evidence::at(model, i, ""),
            });
            t
        }
        (true, Err(u)) => {
            let mut t = tls(
                None,
                "unknown",
                "whether the default certificate is used cannot be read",
            );
            t.unknown = Some(util::reason_of(&u));
            t
        }
        (true, Ok(_)) => match min {
            None => {
                notes.push("minimum_protocol_version unset: CloudFront's default is TLSv1".into());
                tls(
                    Some(true),
                    "TLSv1",
                    "minimum protocol version unset (default TLSv1)",
                )
            }
            Some(f) => {
                let mut t = match f.text() {
                    Ok(Some(s)) => {
                        let ok = s.starts_with("TLSv1.2") || s.starts_with("TLSv1.3");
                        tls(
                            Some(!ok),
                            s.clone(),
                            format!("minimum protocol version {s}"),
                        )
                    }
                    Ok(None) => tls(Some(true), "TLSv1", "minimum protocol version unset"),
                    Err(u) => {
                        let mut t = tls(None, "unknown", "minimum protocol version cannot be read");
                        t.unknown = Some(util::reason_of(&u));
                        t
                    }
                };
                t.evidence.push(Evidence::found(model, i, &f));
                t
            }
        },
    };
    t.evidence.sort();
    // Cache behaviors: viewer protocol policy and response headers.
    // Each behavior with its viewer protocol policy and response headers policy properties.
    let mut behaviors: Vec<(Item, Prop, Prop)> = Vec::new();
    for item in model.items(i, Prop::CloudfrontDistributionDefaultCacheBehavior) {
        behaviors.push((
            item,
            Prop::CloudfrontDistributionDefaultCacheBehaviorViewerProtocolPolicy,
            Prop::CloudfrontDistributionDefaultCacheBehaviorResponseHeadersPolicyId,
        ));
    }
    for item in model.items(i, Prop::CloudfrontDistributionCacheBehaviors) {
        behaviors.push((
            item,
            Prop::CloudfrontDistributionCacheBehaviorsViewerProtocolPolicy,
            Prop::CloudfrontDistributionCacheBehaviorsResponseHeadersPolicyId,
        ));
    }
    let mut https = Vec::new();
    let mut hsts: Option<bool> = if behaviors.is_empty() {
        None
    } else {
        Some(true)
    };
    for (b, vpp_prop, rhp_prop) in &behaviors {
        let vpp = b.prop_set(*vpp_prop);
        https.push(match vpp {
            Some(f) => {
                evidence.push(Evidence::found(model, i, &f));
                match f.as_str() {
                    Some("allow-all") => Http::AllowsHttp,
                    Some("redirect-to-https") => Http::Redirects,
                    Some("https-only") => Http::HttpsOnly,
                    _ => Http::Unknown {
                        value: util::unknown_of(&f.value),
                    },
                }
            }
            None => Http::AllowsHttp,
        });
        let rhp = b.prop_set(*rhp_prop);
        let this = match rhp {
            None => Some(false),
            Some(f) => {
                evidence.push(Evidence::found(model, i, &f));
                match util::target(model, &r.unit, &f.value) {
                    Some(policy) => {
                        let sts = model.prop_set(
                            policy,
                            Prop::CloudfrontResponseHeadersPolicyStrictTransportSecurity,
                        );
                        if let Some(sf) = &sts {
                            evidence.push(Evidence::found(model, policy, sf));
                        }
                        Some(sts.is_some())
                    }
                    None => match f.as_str() {
                        Some(MANAGED_SECURITY_HEADERS) => Some(true),
                        _ => None,
                    },
                }
            }
        };
        hsts = match (hsts, this) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        };
    }
    let http = if https.is_empty() {
        Http::Unknown {
            value: Value::unknown(crate::model::Reason::InvalidExpression, "no cache behavior"),
        }
    } else {
        combine_http(https)
    };
    let waf = match model.prop_set(i, Prop::CloudfrontDistributionWebACLId) {
        Some(f) => {
            evidence.push(Evidence::found(model, i, &f));
            match &*f.value {
                Value::Unknown(_) => None,
                _ => Some(true),
            }
        }
        None => Some(false),
    };
    PublicEdge {
        resource: i,
        kind: EdgeKind::CloudFront,
        internet_facing: Some(true),
        tls: t,
        http,
        hsts,
        waf,
        routes: vec![],
        notes,
        evidence,
        unread_body: None,
    }
}

/// A load balancer action that forwards only an authenticated caller's request: the
/// `authenticate-cognito` and `authenticate-oidc` actions sign a user in first, and
/// `jwt-validation` verifies the bearer token's signature and claims and rejects the request
/// otherwise (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-verify-jwt.html).
pub fn elb_action_authenticates(action_type: &str) -> bool {
    let t = action_type.to_ascii_lowercase();
    t.starts_with("authenticate") || t == "jwt-validation"
}

/// ELB security policies that accept only TLS 1.2 or newer: names carrying `-1-2` or `-1-3`
/// as their own tokens (`ELBSecurityPolicy-TLS13-1-2-2021-06`, `…-FS-1-2-Res-2020-10`).
pub fn elb_policy_min_1_2(name: &str) -> bool {
    let tokens: Vec<&str> = name.split('-').collect();
    tokens
        .windows(2)
        .any(|w| w[0] == "1" && (w[1] == "2" || w[1] == "3"))
}

/// The default policy of an HTTPS / TLS listener created through the API.
const ELB_DEFAULT_POLICY: &str = "ELBSecurityPolicy-2016-08";

fn has_waf(
    waf: &WafTargets,
    targets: &[usize],
    evidence: &mut Vec<Evidence>,
    model: &Model,
) -> Option<bool> {
    let mut found = false;
    for assoc in targets.iter().filter_map(|t| waf.get(t)).flatten() {
        found = true;
        evidence.push(Evidence::at(model, *assoc, ""));
    }
    Some(found)
}

/// A listener rule's action: its type and, for a redirect, the protocol it redirects to.
type RuleAction = (String, Option<String>);

fn load_balancer(model: &Model, i: usize, waf: &WafTargets) -> PublicEdge {
    let mut notes = Vec::new();
    let mut evidence = vec![Evidence::at(model, i, "")];
    let internet_facing = internet_facing_lb(model, i);
    if model.prop_set(i, Prop::ElbLoadBalancerScheme).is_none() {
        notes.push("scheme unset: internet-facing (default)".into());
    }
    // Listeners: resources pointing at the load balancer, or a classic ELB's inline ones.
    struct L {
        resource: usize,
        prefix: String,
        protocol: Result<String, Value>,
        port: String,
    }
    let mut listeners: Vec<L> = Vec::new();
    for l in util::referrers(model, i, Label::ListensFor) {
        let protocol = match model
            .prop_set(l, Prop::ElbListenerProtocol)
            .map_or(Ok(None), |f| f.text())
        {
            Ok(Some(p)) => Ok(p.to_ascii_uppercase()),
            Ok(None) => {
                let has_cert = model.prop_set(l, Prop::ElbListenerCertificates).is_some();
                Ok(if has_cert { "HTTPS" } else { "HTTP" }.to_string())
            }
            Err(u) => Err(u),
        };
        let port = model
            .prop_set(l, Prop::ElbListenerPort)
            .map_or(Ok(None), |f| f.text())
            .ok()
            .flatten()
            .unwrap_or_else(|| "?".into());
        listeners.push(L {
            resource: l,
            prefix: String::new(),
            protocol,
            port,
        });
    }
    // A classic load balancer's inline listeners.
    for item in model.items(i, Prop::ElbLoadBalancerListeners) {
        let protocol = item
            .prop_set(Prop::ElbLoadBalancerListenersProtocol)
            .map_or(Ok(None), |f| f.text())
            .map(|p| p.unwrap_or_default().to_ascii_uppercase());
        let port = item
            .prop_set(Prop::ElbLoadBalancerListenersLoadBalancerPort)
            .map_or(Ok(None), |f| f.text())
            .ok()
            .flatten()
            .unwrap_or_else(|| "?".into());
        listeners.push(L {
            resource: item.resource,
            prefix: item.path.clone(),
            protocol,
            port,
        });
    }
    let mut https = Vec::new();
    let mut below: Option<bool> = None;
    let mut policies = Vec::new();
    let mut tls_ev = Vec::new();
    let mut unknown = None;
    let mut hsts: Option<bool> = None;
    let mut routes = Vec::new();
    for l in &listeners {
        evidence.push(Evidence::at(model, l.resource, &l.prefix));
        let protocol = match &l.protocol {
            Ok(p) => p.clone(),
            Err(u) => {
                https.push(Http::Unknown { value: u.clone() });
                continue;
            }
        };
        // Default actions (ALB / NLB listeners; a classic load balancer has none).
        let mut actions: Vec<(String, String, Option<String>)> = Vec::new();
        for a in model.items(l.resource, Prop::ElbListenerDefaultActions) {
            let ty = a
                .prop_set(Prop::ElbListenerDefaultActionsType)
                .and_then(|f| f.as_str().map(str::to_string))
                .unwrap_or_default();
            let redirect_proto = a
                .prop_set(Prop::ElbListenerDefaultActionsRedirectConfigProtocol)
                .and_then(|f| f.as_str().map(str::to_string));
            actions.push((a.path.clone(), ty, redirect_proto));
        }
        // The listener's rules, each with its action types and redirect protocols: a rule
        // that forwards serves its paths whatever the default action does.
        let mut rules: Vec<(usize, Vec<RuleAction>)> = Vec::new();
        for rule in util::referrers(model, l.resource, Label::RuleOf) {
            let rr = &model.resources[rule];
            if rr.kind != Kind::ElbListenerRule || !util::deployed(rr) {
                continue;
            }
            let mut acts = Vec::new();
            for a in model.items(rule, Prop::ElbListenerRuleActions) {
                let ty = a
                    .prop_set(Prop::ElbListenerRuleActionsType)
                    .and_then(|f| f.as_str().map(str::to_string))
                    .unwrap_or_default();
                let proto = a
                    .prop_set(Prop::ElbListenerRuleActionsRedirectConfigProtocol)
                    .and_then(|f| f.as_str().map(str::to_string));
                acts.push((ty, proto));
            }
            rules.push((rule, acts));
        }
        let name = format!("{protocol}:{}", l.port);
        match protocol.as_str() {
            "HTTP" => {
                let to_https = |t: &str, p: &Option<String>| {
                    t == "redirect"
                        && p.as_deref()
                            .is_some_and(|p| p.eq_ignore_ascii_case("HTTPS"))
                };
                // A rule that answers itself (fixed-response) or redirects to HTTPS serves no
                // content over HTTP; one that forwards does.
                let rules_redirect = rules.iter().all(|(_, acts)| {
                    acts.iter()
                        .all(|(t, p)| to_https(t, p) || t == "fixed-response")
                });
                let redirects = !actions.is_empty()
                    && actions.iter().all(|(_, t, p)| to_https(t, p))
                    && rules_redirect;
                for (rule, acts) in &rules {
                    if !acts
                        .iter()
                        .all(|(t, p)| to_https(t, p) || t == "fixed-response")
                    {
                        evidence.push(Evidence::at(model, *rule, ""));
                    }
                }
                https.push(if redirects {
                    Http::Redirects
                } else {
                    Http::AllowsHttp
                });
            }
            "HTTPS" | "TLS" | "SSL" => {
                // A classic load balancer's listeners have no security policy property.
                let pol = model.prop_set(l.resource, Prop::ElbListenerSslPolicy);
                let name = match pol {
                    Some(f) => {
                        tls_ev.push(Evidence::found(model, l.resource, &f));
                        match f.text() {
                            Ok(Some(s)) => Some(s),
                            Ok(None) => None,
                            Err(u) => {
                                unknown.get_or_insert(util::reason_of(&u));
                                below = super::placement::or3(below.or(Some(false)), None);
                                continue;
                            }
                        }
                    }
                    None => None,
                };
                let name = match name {
                    Some(n) => n,
                    None if l.prefix.is_empty() => {
                        notes.push(format!(
                            "{} listener {}: no ssl_policy, the API default {ELB_DEFAULT_POLICY} applies",
                            protocol, l.port
                        ));
                        ELB_DEFAULT_POLICY.to_string()
                    }
                    None => {
                        notes.push(
                            "classic load balancer: TLS policy not read (predefined default ELBSecurityPolicy-2016-08)"
                                .into(),
                        );
                        ELB_DEFAULT_POLICY.to_string()
                    }
                };
                let old = !elb_policy_min_1_2(&name);
                below = Some(below.unwrap_or(false) || old);
                policies.push(name);
                // HSTS header added by the listener (ALB response header modification).
                let sts = model
                    .prop_set(
                        l.resource,
                        Prop::ElbListenerRoutingHttpResponseStrictTransportSecurityHeaderValue,
                    )
                    .is_some()
                    || model
                        .props(l.resource, Prop::ElbListenerListenerAttributesKey)
                        .iter()
                        .any(|k| {
                            k.as_str()
                                == Some(
                                    "routing.http.response.strict_transport_security.header_value",
                                )
                        });
                hsts = Some(hsts.unwrap_or(true) && sts);
                if protocol == "HTTPS" {
                    https.push(Http::HttpsOnly);
                }
            }
            _ => {}
        }
        let auth = actions
            .iter()
            .find(|(_, t, _)| elb_action_authenticates(t))
            .map(|(_, t, _)| t.clone());
        for (rule, acts) in &rules {
            let auth = acts
                .iter()
                .find(|(t, _)| elb_action_authenticates(t))
                .map(|(t, _)| t.clone());
            routes.push(EdgeRoute {
                resource: *rule,
                name: format!("{name} rule {}", model.resources[*rule].address),
                authenticated: Some(auth.is_some()),
                authorization: Some(auth.unwrap_or_else(|| "none".into())),
                validates_body: None,
                validates_parameters: None,
                evidence: Evidence::at(model, *rule, ""),
                authorization_value: None,
            });
        }
        routes.push(EdgeRoute {
            resource: l.resource,
            name,
            authenticated: Some(auth.is_some()),
            authorization: Some(auth.unwrap_or_else(|| "none".into())),
            validates_body: None,
            validates_parameters: None,
            evidence: Evidence::at(model, l.resource, &l.prefix),
            authorization_value: None,
        });
    }
    policies.sort();
    policies.dedup();
    let mut t = Tls {
        below_1_2: below,
        policy: if policies.is_empty() {
            "none".into()
        } else {
            policies.join(",")
        },
        detail: if listeners
            .iter()
            .all(|l| !matches!(l.protocol.as_deref(), Ok("HTTPS") | Ok("TLS") | Ok("SSL")))
        {
            "no TLS listener".into()
        } else {
            "listener security policies".into()
        },
        unknown,
        evidence: tls_ev,
    };
    t.evidence.sort();
    let http = if https.is_empty() {
        Http::HttpsOnly
    } else {
        combine_http(https)
    };
    let waf = has_waf(waf, &[i], &mut evidence, model);
    PublicEdge {
        resource: i,
        kind: EdgeKind::LoadBalancer,
        internet_facing,
        tls: t,
        http,
        hsts: if listeners.is_empty() {
            None
        } else {
            Some(hsts.unwrap_or(false))
        },
        waf,
        routes,
        notes,
        evidence,
        unread_body: None,
    }
}

/// The resources of one kind in an API (methods, routes, stages), in resource order: from the
/// API's incoming edges, so that a tree with many APIs is not scanned once per API.
fn api_members(model: &Model, api: usize, kind: Kind) -> Vec<usize> {
    let mut members: Vec<usize> = model
        .edges_to(api)
        .filter(|e| e.label == Label::InApi && model.resources[e.from].kind == kind)
        .map(|e| e.from)
        .collect();
    members.sort_unstable();
    members.dedup();
    members
}

/// The first edge with a label from one resource.
fn edge_from(model: &Model, from: usize, label: Label) -> Option<&crate::model::Edge> {
    model.edges_from(from).find(|e| e.label == label)
}

/// The path of an API Gateway resource, following `parent` edges up to the API's root.
fn resource_path(model: &Model, res: usize) -> String {
    let mut parts = Vec::new();
    let mut cur = res;
    for _ in 0..64 {
        let r = &model.resources[cur];
        if r.kind != Kind::ApigatewayResource {
            break;
        }
        let part = model
            .prop_set(cur, Prop::ApigatewayResourcePathPart)
            .map(|f| match &*f.value {
                Value::String(s) => s.to_string(),
                other => format!("{{{other}}}"),
            })
            .unwrap_or_else(|| "?".into());
        parts.push(part);
        match edge_from(model, cur, Label::Parent) {
            Some(e) => cur = e.to,
            None => break,
        }
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

/// The value of an authorization setting that cannot be read as text.
fn unreadable(found: &Option<crate::model::Found>) -> Option<Value> {
    found
        .as_ref()
        .filter(|f| f.text().ok().flatten().is_none())
        .map(|f| f.value.clone().into_owned())
}

fn authenticated(auth: &Option<String>) -> Option<bool> {
    auth.as_deref().map(|a| !a.eq_ignore_ascii_case("NONE"))
}

fn rest_api(model: &Model, i: usize, found: &Lookups) -> PublicEdge {
    let mut notes = Vec::new();
    let mut evidence = vec![Evidence::at(model, i, "")];
    // Private APIs are reached only through interface endpoints.
    let types = model.prop_set(i, Prop::ApigatewayRestApiEndpointConfigurationTypes);
    let internet_facing = match types {
        None => Some(true),
        Some(f) => {
            evidence.push(Evidence::found(model, i, &f));
            let list = util::items(&f.value);
            if list.iter().any(|x| x.as_str() == Some("PRIVATE")) {
                Some(false)
            } else if list.iter().all(|x| x.as_str().is_some()) {
                Some(true)
            } else {
                None
            }
        }
    };
    // TLS: the API's own security policy, else the default endpoint, else the domains.
    let disabled_at = model.prop_set(i, Prop::ApigatewayRestApiDisableExecuteApiEndpoint);
    let disabled = disabled_at.as_ref().map_or(Ok(None), |f| f.flag());
    let own = model.prop_set(i, Prop::ApigatewayRestApiSecurityPolicy);
    let t = match (own, disabled, &disabled_at) {
        (Some(f), _, _) if f.text().ok().flatten().is_some() => {
            let s = f.text().ok().flatten().unwrap_or_default();
            let ok = s.contains("1_2") || s.contains("1_3") || s.contains("12") || s.contains("13");
            let mut t = tls(Some(!ok), s.clone(), format!("API security policy {s}"));
            t.evidence.push(Evidence::found(model, i, &f));
            t
        }
        (_, Ok(Some(true)), Some(at)) => {
            let mut t = domains_tls(model, i, &found.mappings);
            t.evidence.push(Evidence::found(model, i, at));
            t
        }
        (_, Err(u), _) => {
            let mut t = tls(None, "unknown", "whether the execute-api endpoint is disabled cannot be read");
            t.unknown = Some(util::reason_of(&u));
            t
        }
        _ => tls(
            Some(true),
            "TLS_1_0",
            "the default execute-api endpoint accepts TLS 1.0 (no TLS 1.2 security policy, endpoint not disabled)",
        ),
    };
    // Methods.
    let mut routes = Vec::new();
    for m in api_members(model, i, Kind::ApigatewayMethod) {
        if model.resources[m].facet.is_some() {
            continue;
        }
        let verb = model
            .prop_set(m, Prop::ApigatewayMethodHttpMethod)
            .and_then(|f| f.as_str().map(str::to_string))
            .unwrap_or_else(|| "?".into());
        let path = edge_from(model, m, Label::OnResource)
            .map(|e| {
                if model.resources[e.to].kind == Kind::ApigatewayResource {
                    resource_path(model, e.to)
                } else {
                    "/".to_string()
                }
            })
            .unwrap_or_else(|| "?".into());
        // CloudFormation's AuthorizationType defaults to NONE.
        let auth_at = model.prop(m, Prop::ApigatewayMethodAuthorizationType);
        let authorization = auth_at.as_ref().and_then(|f| f.text().ok().flatten());
        let auth_evidence = match &auth_at {
            Some(f) => Evidence::found(model, m, f),
            None => Evidence::at(model, m, ""),
        };
        let validator = edge_from(model, m, Label::Validator).map(|e| e.to);
        let (body, params) = match validator {
            Some(v) => {
                let read = |p: Prop| model.prop_set(v, p).map_or(Ok(None), |f| f.flag());
                let b = read(Prop::ApigatewayRequestValidatorValidateRequestBody);
                let p = read(Prop::ApigatewayRequestValidatorValidateRequestParameters);
                (
                    b.map(|x| x.unwrap_or(false)).ok(),
                    p.map(|x| x.unwrap_or(false)).ok(),
                )
            }
            None => match model.prop_set(m, Prop::ApigatewayMethodRequestValidatorId) {
                Some(_) => (None, None),
                None => (Some(false), Some(false)),
            },
        };
        routes.push(EdgeRoute {
            resource: m,
            name: format!("{verb} {path}"),
            authenticated: authenticated(&authorization),
            authorization,
            validates_body: body,
            validates_parameters: params,
            evidence: auth_evidence,
            authorization_value: unreadable(&auth_at),
        });
    }
    let unread_body = unread_body(model, i, Prop::ApigatewayRestApiBody, &mut notes);
    merge_event_routes(model, i, &mut routes);
    let mut stages = api_members(model, i, Kind::ApigatewayStage);
    stages.push(i);
    let waf = has_waf(&found.waf, &stages, &mut evidence, model);
    PublicEdge {
        resource: i,
        kind: EdgeKind::RestApi,
        internet_facing,
        tls: t,
        http: Http::HttpsOnly,
        hsts: Some(false),
        waf,
        routes,
        notes,
        evidence,
        unread_body,
    }
}

/// TLS of a REST API whose execute-api endpoint is disabled: its custom domains' policies.
fn domains_tls(model: &Model, api: usize, mappings: &HashMap<usize, Vec<usize>>) -> Tls {
    let mut below = Some(false);
    let mut ev = Vec::new();
    let mut policies = Vec::new();
    let mut any = false;
    for &m in mappings.get(&api).into_iter().flatten() {
        let mr = &model.resources[m];
        let Some(d) = model.prop_set(m, Prop::ApigatewayBasePathMappingDomainName) else {
            continue;
        };
        any = true;
        ev.push(Evidence::at(model, m, ""));
        let Some(dom) = util::target(model, &mr.unit, &d.value) else {
            below = super::placement::or3(below, None);
            continue;
        };
        match model.prop_set(dom, Prop::ApigatewayDomainNameSecurityPolicy) {
            Some(f) => {
                ev.push(Evidence::found(model, dom, &f));
                match f.text() {
                    Ok(Some(s)) => {
                        below = super::placement::or3(below, Some(s == "TLS_1_0"));
                        policies.push(s);
                    }
                    _ => below = super::placement::or3(below, None),
                }
            }
            None => {
                below = Some(true);
                policies.push("TLS_1_0 (unset)".into());
            }
        }
    }
    let mut t = tls(
        below,
        if policies.is_empty() {
            "none".to_string()
        } else {
            policies.join(",")
        },
        if any {
            "execute-api endpoint disabled: custom domains' security policies"
        } else {
            "execute-api endpoint disabled and no custom domain in the tree"
        },
    );
    t.evidence = ev;
    t
}

fn http_api(model: &Model, i: usize, waf: &WafTargets) -> PublicEdge {
    let mut notes = Vec::new();
    let evidence = vec![Evidence::at(model, i, "")];
    let protocol = model
        .prop_set(i, Prop::Apigatewayv2ApiProtocolType)
        .and_then(|f| f.as_str().map(str::to_string))
        .unwrap_or_else(|| "HTTP".into());
    let websocket = protocol.eq_ignore_ascii_case("WEBSOCKET");
    let t = if websocket {
        tls(None, "unknown", "WebSocket APIs: TLS is not decided here")
    } else {
        tls(
            Some(false),
            "TLS_1_2",
            "HTTP APIs accept TLS 1.2 and newer only",
        )
    };
    let mut routes = Vec::new();
    for m in api_members(model, i, Kind::Apigatewayv2Route) {
        let key = model
            .prop_set(m, Prop::Apigatewayv2RouteRouteKey)
            .map(|f| {
                f.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| f.value.to_string())
            })
            .unwrap_or_else(|| "?".into());
        // Unset is NONE (the property's default).
        let auth_at = model.prop(m, Prop::Apigatewayv2RouteAuthorizationType);
        let authorization = auth_at.as_ref().and_then(|f| f.text().ok().flatten());
        routes.push(EdgeRoute {
            resource: m,
            name: key,
            authenticated: authenticated(&authorization),
            authorization,
            validates_body: if websocket { None } else { Some(false) },
            validates_parameters: if websocket { None } else { Some(false) },
            evidence: match &auth_at {
                Some(f) => Evidence::found(model, m, f),
                None => Evidence::at(model, m, ""),
            },
            authorization_value: unreadable(&auth_at),
        });
    }
    // Quick create: a target on the API makes a `$default` route with no authorization.
    if let Some(target) = model.prop_set(i, Prop::Apigatewayv2ApiTarget) {
        let key = model
            .prop_set(i, Prop::Apigatewayv2ApiRouteKey)
            .and_then(|f| f.as_str().map(str::to_string))
            .unwrap_or_else(|| "$default".into());
        routes.push(EdgeRoute {
            resource: i,
            name: key,
            authorization: Some("NONE".into()),
            authenticated: Some(false),
            validates_body: Some(false),
            validates_parameters: Some(false),
            evidence: Evidence::found(model, i, &target),
            authorization_value: None,
        });
    }
    if !websocket {
        notes.push(
            "HTTP APIs cannot validate request bodies: validation rests on the backend".into(),
        );
    }
    let from_events = model
        .prop(i, Prop::Apigatewayv2ApiRoutesFromFunctionEvents)
        .is_some_and(|f| f.flag() == Ok(Some(true)));
    if from_events && routes.is_empty() {
        notes.push(
            "routes of a SAM HTTP API come from its functions' events and are not read here".into(),
        );
    }
    let unread_body = unread_body(model, i, Prop::Apigatewayv2ApiBody, &mut notes);
    merge_event_routes(model, i, &mut routes);
    let stages: Vec<usize> = vec![i];
    let mut evidence = evidence;
    let waf = has_waf(waf, &stages, &mut evidence, model);
    PublicEdge {
        resource: i,
        kind: if websocket {
            EdgeKind::WebSocketApi
        } else {
            EdgeKind::HttpApi
        },
        internet_facing: Some(true),
        tls: t,
        http: Http::HttpsOnly,
        hsts: Some(false),
        waf,
        routes,
        notes,
        evidence,
        unread_body,
    }
}

/// SAM merges a function event's method into the API's definition body: where an operation of
/// the body (generated by the API itself) and an event's method (generated by a function) are
/// the same route, the event's, with the authorization SAM gives it, is the one deployed.
fn merge_event_routes(model: &Model, api: usize, routes: &mut Vec<EdgeRoute>) {
    let by = |r: &EdgeRoute| model.resources[r.resource].generated_by.as_deref();
    let own = model.resources[api].address.as_str();
    let from_events: std::collections::BTreeSet<String> = routes
        .iter()
        .filter(|r| by(r).is_some_and(|b| b != own))
        .map(|r| r.name.clone())
        .collect();
    if !from_events.is_empty() {
        routes.retain(|r| by(r) != Some(own) || !from_events.contains(&r.name));
    }
}

/// An OpenAPI body the frontends could not read (they lower a readable one into methods and
/// routes, `model::openapi`, and leave an unknown with its reason otherwise).
fn unread_body(
    model: &Model,
    api: usize,
    prop: Prop,
    notes: &mut Vec<String>,
) -> Option<(Value, crate::source::Span)> {
    let f = model.prop_set(api, prop)?;
    let Value::Unknown(u) = &*f.value else {
        return None;
    };
    notes.push(format!(
        "methods defined in the OpenAPI body are not read: {}",
        u.detail
    ));
    let span = f.span(model, api);
    Some((f.value.into_owned(), span))
}

fn function_url(model: &Model, i: usize) -> PublicEdge {
    let auth_at = model.prop_set(i, Prop::LambdaFunctionUrlAuthType);
    let authorization = auth_at.as_ref().and_then(|f| f.text().ok().flatten());
    let mut evidence = vec![Evidence::at(model, i, "")];
    evidence.extend(
        model
            .edges_from(i)
            .filter(|e| e.label == Label::UrlOf)
            .map(|e| Evidence::at(model, e.to, "")),
    );
    PublicEdge {
        resource: i,
        kind: EdgeKind::FunctionUrl,
        internet_facing: Some(true),
        tls: tls(
            None,
            "AWS managed",
            "function URLs' TLS policy is AWS's and cannot be set in code",
        ),
        http: Http::HttpsOnly,
        hsts: Some(false),
        waf: Some(false),
        routes: vec![EdgeRoute {
            resource: i,
            name: "function URL".into(),
            authenticated: authenticated(&authorization),
            authorization,
            validates_body: Some(false),
            validates_parameters: Some(false),
            evidence: match &auth_at {
                Some(f) => Evidence::found(model, i, f),
                None => Evidence::at(model, i, ""),
            },
            authorization_value: unreadable(&auth_at),
        }],
        notes: vec![],
        evidence,
        unread_body: None,
    }
}
