//! Transport checks and edge access logs: the TLS and plain-HTTP handling of every public
//! edge, HSTS on public web endpoints, data stores that refuse unencrypted connections, and
//! access logging at the edge, the APIs and the buckets.

use super::auth::unknown_of;
use super::{no_params, Cause, Check, Facts, Finding, Outcome, Params};
use crate::iam::policy::{self, Effect};
use crate::kms::defaults;
use crate::model::Kind;
use crate::model::Label;
use crate::model::{Language, Model, Part, Resource, Value};
use crate::network::{util, EdgeKind, Http, PublicEdge};
use crate::source::Span;

pub(super) fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "edge.tls-1-2",
            about: "every public edge (CloudFront, load balancer, REST / HTTP API, function URL) accepts only TLS 1.2 or newer and answers plain HTTP with a redirect to HTTPS, or not at all",
            run: edge_tls,
            validate: no_params,
        },
        Check {
            name: "edge.hsts",
            about: "every public web endpoint (CloudFront distribution, application or classic load balancer) adds Strict-Transport-Security to its responses",
            run: edge_hsts,
            validate: no_params,
        },
        Check {
            name: "datastore.tls-required",
            about: "S3 buckets deny requests without TLS in their bucket policy, RDS engines force TLS through their parameter group, ElastiCache requires in-transit encryption",
            run: datastores_tls,
            validate: no_params,
        },
        Check {
            name: "edge.access-logs",
            about: "CloudFront distributions, API Gateway stages, internet-facing load balancers and S3 buckets log every request",
            run: access_logs,
            validate: no_params,
        },
    ]
}

// --- tls.edge-min-1-2 -------------------------------------------------------------------

/// The edge resource's own span.
fn edge_span(model: &Model, e: &PublicEdge) -> Span {
    model.resources[e.resource].span
}

/// The spans of a distribution's viewer protocol policies.
fn viewer_policies(e: &PublicEdge) -> Vec<Span> {
    e.evidence
        .iter()
        .filter(|x| {
            x.attribute.ends_with("viewer_protocol_policy")
                || x.attribute.ends_with("ViewerProtocolPolicy")
        })
        .map(|x| x.span)
        .collect()
}

/// For an edge whose exposure cannot be read: the unknown behind it.
fn facing_unknown(model: &Model, e: &PublicEdge) -> Outcome {
    let r = &model.resources[e.resource];
    match util::first_at(
        r,
        &[
            "endpoint_configuration.types",
            "EndpointConfiguration.Types",
            "internal",
            "Scheme",
        ],
    ) {
        Some((_, v)) => unknown_of(v),
        None => Outcome::unknown(
            Cause::NotExpressible,
            "whether the endpoint faces the internet cannot be read",
        ),
    }
}

fn edge_tls(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let mut out = Vec::new();
    for e in facts.public_edges() {
        if e.internet_facing == Some(false) {
            continue;
        }
        let mut found = Vec::new();
        if let Some(f) = tls_finding(model, e) {
            found.push(f);
        }
        found.push(http_finding(model, e));
        if e.internet_facing.is_none() {
            // A failure counts only for an endpoint known to be public.
            for f in &mut found {
                if f.outcome == Outcome::Fail {
                    f.outcome = facing_unknown(model, e);
                    f.detail = format!("{} (if the endpoint is public)", f.detail);
                }
            }
        }
        out.extend(found);
    }
    out
}

fn tls_finding(model: &Model, e: &PublicEdge) -> Option<Finding> {
    let t = &e.tls;
    let at = edge_span(model, e);
    let spans: Vec<Span> = t.evidence.iter().map(|x| x.span).collect();
    let f = match (t.below_1_2, &t.unknown) {
        (Some(true), _) => Finding::fail(
            e.resource,
            format!("accepts TLS older than 1.2 ({}): {}", t.policy, t.detail),
        ),
        (Some(false), _) => Finding::pass(
            e.resource,
            format!("accepts TLS 1.2 or newer only ({}): {}", t.policy, t.detail),
        ),
        (None, Some(u)) => Finding::new(
            e.resource,
            Outcome::from_unknown(u),
            format!("the TLS policy cannot be read: {}", t.detail),
        ),
        (None, None) => {
            let outcome = match e.kind {
                EdgeKind::FunctionUrl => Outcome::unknown(
                    Cause::NotExpressible,
                    "a function URL's TLS versions are chosen by AWS and cannot be set in code",
                ),
                EdgeKind::WebSocketApi => Outcome::unknown(
                    Cause::NotExpressible,
                    "a WebSocket API's default endpoint TLS versions are AWS's and are not read here",
                ),
                EdgeKind::LoadBalancer if e.routes.is_empty() => Outcome::unknown(
                    Cause::OutsideTree,
                    "no listener of this load balancer is in the scanned tree",
                ),
                // Plain HTTP listeners only: the HTTP finding says what is wrong.
                EdgeKind::LoadBalancer if e.http == Http::AllowsHttp => return None,
                EdgeKind::LoadBalancer => Outcome::unknown(
                    Cause::ApplicationCode,
                    "no TLS listener: traffic passes through as TCP, so the targets decide which TLS versions they accept",
                ),
                EdgeKind::RestApi => Outcome::unknown(
                    Cause::OutsideTree,
                    "a custom domain mapped to this API is outside the scanned tree",
                ),
                _ => Outcome::unknown(Cause::NotExpressible, t.detail.clone()),
            };
            Finding::new(e.resource, outcome, t.detail.clone())
        }
    };
    Some(f.at_all(spans).at(at))
}

fn http_finding(model: &Model, e: &PublicEdge) -> Finding {
    let r = &model.resources[e.resource];
    let at = edge_span(model, e);
    match &e.http {
        Http::AllowsHttp => {
            let (detail, spans): (&str, Vec<Span>) = match e.kind {
                EdgeKind::CloudFront => (
                    "a cache behavior serves plain HTTP (viewer_protocol_policy allow-all)",
                    e.evidence
                        .iter()
                        .filter(|x| {
                            (x.attribute.ends_with("viewer_protocol_policy")
                                || x.attribute.ends_with("ViewerProtocolPolicy"))
                                && util::at(r, &x.attribute).and_then(|(_, v)| v.as_str())
                                    == Some("allow-all")
                        })
                        .map(|x| x.span)
                        .collect(),
                ),
                _ => (
                    "a plain HTTP listener forwards requests instead of redirecting them to HTTPS",
                    e.routes
                        .iter()
                        .filter(|x| x.name.starts_with("HTTP:"))
                        .map(|x| x.evidence.span)
                        .collect(),
                ),
            };
            Finding::fail(e.resource, detail).at_all(spans).at(at)
        }
        Http::Unknown { value } => Finding::new(
            e.resource,
            unknown_of(value),
            "how plain HTTP is handled cannot be read",
        )
        .at(at),
        Http::Redirects => Finding::pass(e.resource, "plain HTTP is redirected to HTTPS")
            .at_all(viewer_policies(e))
            .at(at),
        Http::HttpsOnly => Finding::pass(
            e.resource,
            match e.kind {
                EdgeKind::RestApi | EdgeKind::HttpApi | EdgeKind::WebSocketApi => {
                    "API Gateway serves HTTPS only"
                }
                EdgeKind::FunctionUrl => "function URLs serve HTTPS only",
                _ => "no plain HTTP is served",
            },
        )
        .at_all(viewer_policies(e))
        .at(at),
    }
}

// --- tls.hsts ---------------------------------------------------------------------------

fn edge_hsts(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let mut out = Vec::new();
    for e in facts.public_edges() {
        if e.internet_facing == Some(false) {
            continue;
        }
        let f = match e.kind {
            EdgeKind::CloudFront => cloudfront_hsts(model, e),
            EdgeKind::LoadBalancer => {
                let r = &model.resources[e.resource];
                let ty = util::first_at(r, &["load_balancer_type", "Type"])
                    .and_then(|(_, v)| v.as_str())
                    .unwrap_or("application");
                if ty == "network" || ty == "gateway" {
                    continue;
                }
                lb_hsts(model, e)
            }
            _ => continue,
        };
        let mut f = f.at(edge_span(model, e));
        if e.internet_facing.is_none() && f.outcome == Outcome::Fail {
            f.outcome = facing_unknown(model, e);
        }
        out.push(f);
    }
    out
}

/// `max-age=0` tells browsers to forget the host: no HSTS at all.
fn zero_max_age(v: &Value) -> bool {
    match v {
        Value::Number(n) => *n == 0.0,
        Value::String(s) => {
            let s = s.replace(' ', "").to_ascii_lowercase();
            s == "0" || s.split(';').any(|p| p == "max-age=0")
        }
        _ => false,
    }
}

fn cloudfront_hsts(model: &Model, e: &PublicEdge) -> Finding {
    let i = e.resource;
    let r = &model.resources[i];
    match e.hsts {
        Some(true) => {
            // The policies in the tree: a zero max-age switches HSTS off.
            let mut spans = Vec::new();
            for edge in model
                .edges
                .iter()
                .filter(|x| x.from == i && x.label == Label::ResponseHeaders)
            {
                let pr = &model.resources[edge.to];
                if let Some((p, v)) = util::first_at(
                    pr,
                    &[
                        "security_headers_config.strict_transport_security.access_control_max_age_sec",
                        "ResponseHeadersPolicyConfig.SecurityHeadersConfig.StrictTransportSecurity.AccessControlMaxAgeSec",
                    ],
                ) {
                    if zero_max_age(v) {
                        return Finding::fail(
                            i,
                            "the response headers policy sends Strict-Transport-Security with max-age 0, which turns HSTS off",
                        )
                        .at(pr.span_of(&p));
                    }
                    spans.push(pr.span_of(&p));
                }
            }
            Finding::pass(
                i,
                "every cache behavior's response headers policy adds Strict-Transport-Security",
            )
            .at_all(spans)
        }
        Some(false) => {
            let behaviors = [
                "default_cache_behavior",
                "ordered_cache_behavior",
                "DistributionConfig.DefaultCacheBehavior",
                "DistributionConfig.CacheBehaviors",
            ];
            let text: String = behaviors
                .iter()
                .filter_map(|b| r.attributes.get(b.split('.').next().unwrap_or(b)))
                .map(|v| serde_json::to_string(v).unwrap_or_default())
                .collect();
            if text.contains("viewer-response") || text.contains("origin-response") {
                return Finding::new(
                    i,
                    Outcome::unknown(
                        Cause::ApplicationCode,
                        "a CloudFront function or Lambda@Edge function runs on responses and may add the header",
                    ),
                    "no response headers policy adds Strict-Transport-Security on every behavior",
                );
            }
            let custom = custom_origins(model, i);
            if custom.is_empty() {
                Finding::fail(
                    i,
                    "no response headers policy adds Strict-Transport-Security on every cache behavior, and S3 origins cannot send it",
                )
                .at_all(behaviors_without_hsts(model, i))
            } else {
                Finding::new(
                    i,
                    Outcome::unknown(
                        Cause::ApplicationCode,
                        format!(
                            "CloudFront does not add the header on every behavior; the origin {} may send it itself",
                            custom.join(", ")
                        ),
                    ),
                    "no response headers policy adds Strict-Transport-Security on every cache behavior",
                )
            }
        }
        None => {
            // A policy id the tree cannot resolve.
            let mut unknown = None;
            for b in [
                "default_cache_behavior.response_headers_policy_id",
                "DistributionConfig.DefaultCacheBehavior.ResponseHeadersPolicyId",
            ] {
                if let Some((p, v)) = util::at(r, b) {
                    unknown = Some((p, v));
                }
            }
            let (outcome, span) = match unknown {
                Some((p, v)) if v.first_unknown().is_some() => (unknown_of(v), r.span_of(&p)),
                Some((p, _)) => (
                    Outcome::unknown(
                        Cause::OutsideTree,
                        "the response headers policy is not in the scanned tree",
                    ),
                    r.span_of(&p),
                ),
                None => (
                    Outcome::unknown(
                        Cause::OutsideTree,
                        "a cache behavior's response headers policy is not in the scanned tree",
                    ),
                    r.span,
                ),
            };
            Finding::new(
                i,
                outcome,
                "whether the response headers policy sends Strict-Transport-Security cannot be read",
            )
            .at(span)
        }
    }
}

/// The cache behaviors of a distribution whose response headers policy is missing or (in
/// the tree) sends no Strict-Transport-Security.
fn behaviors_without_hsts(model: &Model, i: usize) -> Vec<Span> {
    let r = &model.resources[i];
    let mut paths = Vec::new();
    for key in [
        "default_cache_behavior",
        "ordered_cache_behavior",
        "DistributionConfig.DefaultCacheBehavior",
        "DistributionConfig.CacheBehaviors",
    ] {
        match util::at(r, key) {
            Some((p, Value::List(l))) => paths.extend((0..l.len()).map(|k| format!("{p}[{k}]"))),
            Some((p, _)) => paths.push(p),
            None => {}
        }
    }
    paths
        .iter()
        .filter(|b| {
            let policy = util::first_at(
                r,
                &[
                    &format!("{b}.response_headers_policy_id"),
                    &format!("{b}.ResponseHeadersPolicyId"),
                ],
            );
            match policy
                .as_ref()
                .and_then(|(_, v)| util::target(model, &r.unit, v))
            {
                Some(pr) => util::first_at(
                    &model.resources[pr],
                    &[
                        "security_headers_config.strict_transport_security",
                        "ResponseHeadersPolicyConfig.SecurityHeadersConfig.StrictTransportSecurity",
                    ],
                )
                .is_none(),
                None => policy.is_none(),
            }
        })
        .map(|b| r.span_of(b))
        .collect()
}

/// The origins of a distribution that are not S3 buckets (an S3 origin cannot add headers).
fn custom_origins(model: &Model, i: usize) -> Vec<String> {
    let r = &model.resources[i];
    let mut out = Vec::new();
    for key in ["origin", "DistributionConfig.Origins"] {
        let Some((p, Value::List(list))) = util::at(r, key) else {
            continue;
        };
        for (k, o) in list.iter().enumerate() {
            let s3_config = ["s3_origin_config", "S3OriginConfig"]
                .iter()
                .any(|a| o.get(a).is_some_and(|v| !util::is_absent(v)));
            let domain = o.get("domain_name").or_else(|| o.get("DomainName"));
            let s3_domain = domain.is_some_and(|d| {
                util::targets(model, &r.unit, d)
                    .iter()
                    .any(|t| matches!(t, Ok(b) if model.resources[*b].kind == Kind::S3Bucket))
                    || d.as_str()
                        .is_some_and(|s| s.contains(".s3.") || s.contains(".s3-"))
            });
            if !(s3_config || s3_domain) {
                let id = o
                    .get("origin_id")
                    .or_else(|| o.get("Id"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{p}[{k}]"));
                out.push(format!("`{id}`"));
            }
        }
    }
    out
}

fn lb_hsts(model: &Model, e: &PublicEdge) -> Finding {
    let i = e.resource;
    let https: Vec<&crate::network::EdgeRoute> = e
        .routes
        .iter()
        .filter(|x| x.name.starts_with("HTTPS:"))
        .collect();
    if e.routes.is_empty() {
        return Finding::new(
            i,
            Outcome::unknown(
                Cause::OutsideTree,
                "no listener of this load balancer is in the scanned tree",
            ),
            "no listener to read",
        );
    }
    if https.is_empty() {
        let spans = e.routes.iter().map(|x| x.evidence.span);
        return Finding::fail(
            i,
            "no HTTPS listener: browsers ignore Strict-Transport-Security sent over plain HTTP",
        )
        .at_all(spans);
    }
    let header = |l: usize| -> Option<(Span, Value)> {
        let lr = &model.resources[l];
        if let Some((p, v)) = util::first_at(
            lr,
            &["routing_http_response_strict_transport_security_header_value"],
        ) {
            return Some((lr.span_of(&p), v.clone()));
        }
        let Some(Value::List(attrs)) = lr.attributes.get("ListenerAttributes") else {
            return None;
        };
        attrs.iter().find_map(|a| {
            (a.get("Key").and_then(Value::as_str)
                == Some("routing.http.response.strict_transport_security.header_value"))
            .then(|| {
                (
                    lr.span_of("ListenerAttributes"),
                    a.get("Value").cloned().unwrap_or(Value::Null),
                )
            })
        })
    };
    let mut spans = Vec::new();
    let mut missing = Vec::new();
    for l in &https {
        match header(l.resource) {
            Some((span, v)) if zero_max_age(&v) => {
                return Finding::fail(
                    i,
                    format!(
                        "listener {} sends Strict-Transport-Security with max-age=0, which turns HSTS off",
                        l.name
                    ),
                )
                .at(span)
            }
            Some((span, _)) => spans.push(span),
            None => missing.push(*l),
        }
    }
    if missing.is_empty() {
        Finding::pass(
            i,
            "every HTTPS listener adds Strict-Transport-Security to responses",
        )
        .at_all(spans)
    } else {
        let names: Vec<&str> = missing.iter().map(|l| l.name.as_str()).collect();
        Finding::new(
            i,
            Outcome::unknown(
                Cause::ApplicationCode,
                format!(
                    "listener {} does not add the header; the application behind it may send it",
                    names.join(", ")
                ),
            ),
            "the load balancer does not add Strict-Transport-Security on every HTTPS listener",
        )
        .at_all(missing.iter().map(|l| l.evidence.span))
    }
}

// --- tls.datastores-in-transit ----------------------------------------------------------

fn datastores_tls(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let facets = util::facets(model);
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.facet.is_some() || !util::deployed(r) {
            continue;
        }
        let f = match r.kind {
            Kind::S3Bucket => s3_tls(model, i, facets.get(&i).map(Vec::as_slice).unwrap_or(&[])),
            Kind::RdsInstance => {
                // Aurora instances take TLS settings from their cluster.
                if util::first_at(r, &["DBClusterIdentifier", "cluster_identifier"]).is_some() {
                    continue;
                }
                rds_tls(model, i, false)
            }
            Kind::RdsCluster => rds_tls(model, i, true),
            Kind::ElasticacheReplicationGroup => elasticache_tls(model, i),
            Kind::ElasticacheCluster => {
                let member = util::first_at(r, &["replication_group_id"]).is_some()
                    || model.edges.iter().any(|x| {
                        x.to == i
                            && model.resources[x.from].kind == Kind::ElasticacheReplicationGroup
                    });
                if member {
                    continue;
                }
                elasticache_tls(model, i)
            }
            _ => continue,
        };
        out.push(f);
    }
    out
}

/// What part of a bucket a policy resource entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cover {
    Bucket,
    Objects,
    Both,
    /// A prefix of the objects, or something this reading does not recognize.
    Part,
}

/// The resource entry as text, refs as `{ref}` and symbols as `*`; `None` when an unknown
/// sits inside.
fn render(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Ref(_) => Some("{ref}".into()),
        Value::Template(parts) => {
            let mut s = String::new();
            for p in parts {
                match p {
                    Part::Text(t) => s.push_str(t),
                    Part::Ref(_) => s.push_str("{ref}"),
                    Part::Symbol(_) => s.push('*'),
                    Part::Unknown(_) => return None,
                }
            }
            Some(s)
        }
        _ => None,
    }
}

/// A bucket policy can only name its own bucket, so the shape of the entry is enough.
fn cover(v: &Value) -> Option<Cover> {
    let s = render(v)?;
    if s == "*" {
        return Some(Cover::Both);
    }
    let rest = match s.find(":s3:::") {
        Some(k) => &s[k + 6..],
        None => s.as_str(),
    };
    Some(match rest.split_once('/') {
        _ if rest == "*" => Cover::Both,
        None => Cover::Bucket,
        Some((_, "*")) => Cover::Objects,
        Some(_) => Cover::Part,
    })
}

/// The outcome of one bucket policy: a statement denying every S3 action to everyone when
/// `aws:SecureTransport` is false, over the bucket and all its objects.
/// `Ok(Some((statement, what it leaves out)))`; an empty gap is the full deny.
fn secure_transport(doc: &Value) -> Result<Option<(usize, String)>, Outcome> {
    let d = policy::parse(doc);
    if let Some(u) = &d.unknown {
        return Err(unknown_of(u));
    }
    let mut best: Option<(usize, String)> = None;
    let mut unknown: Option<Outcome> = None;
    for st in &d.statements {
        if st.effect != Effect::Deny {
            continue;
        }
        let insecure = st.conditions.iter().any(|c| {
            c.operator == "Bool"
                && c.key_lower() == "aws:securetransport"
                && c.values
                    .iter()
                    .any(|v| v.as_bool() == Some(false) || v.as_str() == Some("False"))
        });
        if !insecure {
            continue;
        }
        let everyone = st.principal.as_ref().is_some_and(|p| {
            !p.negated
                && p.principals
                    .iter()
                    .any(|x| (x.kind == "*" || x.kind == "AWS") && x.id.as_str() == Some("*"))
        });
        let all_actions = st.action.as_ref().is_some_and(|a| {
            !a.negated
                && a.patterns
                    .iter()
                    .any(|p| p == "*" || p.eq_ignore_ascii_case("s3:*"))
        });
        let (mut bucket, mut objects) = (false, false);
        if let Some(res) = st.resource.as_ref().filter(|r| !r.negated) {
            for item in &res.items {
                match cover(item) {
                    Some(Cover::Both) => (bucket, objects) = (true, true),
                    Some(Cover::Bucket) => bucket = true,
                    Some(Cover::Objects) => objects = true,
                    Some(Cover::Part) => {}
                    None => {
                        unknown.get_or_insert_with(|| unknown_of(item));
                    }
                }
            }
        }
        let mut missing = Vec::new();
        if !everyone {
            missing.push("not every principal");
        }
        if !all_actions {
            missing.push("not every S3 action");
        }
        if !bucket {
            missing.push("not the bucket itself");
        }
        if !objects {
            missing.push("not every object");
        }
        if missing.is_empty() {
            return Ok(Some((st.index, String::new())));
        }
        best.get_or_insert((st.index, missing.join(", ")));
    }
    match (best, unknown) {
        (_, Some(u)) => Err(u),
        (b, None) => Ok(b),
    }
}

fn s3_tls(model: &Model, i: usize, facets: &[usize]) -> Finding {
    let r = &model.resources[i];
    let mut docs: Vec<(usize, String)> = Vec::new();
    if let Some((p, _)) = util::first_at(r, &["policy"]) {
        docs.push((i, p));
    }
    for &f in facets {
        let fr = &model.resources[f];
        if fr.facet == Some("policy") {
            if let Some((p, _)) = util::first_at(fr, &["policy", "PolicyDocument"]) {
                docs.push((f, p));
            }
        }
    }
    if docs.is_empty() {
        return Finding::fail(
            i,
            "no bucket policy denies requests without TLS: S3 also answers plain HTTP",
        )
        .at(r.span);
    }
    let mut partial = None;
    let mut unknown = None;
    for (holder, path) in &docs {
        let hr = &model.resources[*holder];
        let Some((_, v)) = util::at(hr, path) else {
            continue;
        };
        match secure_transport(v) {
            Ok(Some((k, gap))) if gap.is_empty() => {
                return Finding::pass(
                    i,
                    format!("the bucket policy's Statement[{k}] denies every request made without TLS (aws:SecureTransport = false)"),
                )
                .at(hr.span_of(path))
            }
            Ok(Some((k, gap))) => {
                partial.get_or_insert((hr.span_of(path), k, gap));
            }
            Ok(None) => {}
            Err(o) => {
                unknown.get_or_insert((hr.span_of(path), o));
            }
        }
    }
    if let Some((span, o)) = unknown {
        return Finding::new(
            i,
            o,
            "the bucket policy cannot be read in full, so whether it denies requests without TLS is open",
        )
        .at(span);
    }
    match partial {
        Some((span, k, gap)) => Finding::fail(
            i,
            format!("the bucket policy's Statement[{k}] denies requests without TLS only in part ({gap})"),
        )
        .at(span),
        None => Finding::fail(
            i,
            "the bucket policy has no statement denying requests without TLS (aws:SecureTransport = false)",
        )
        .at(docs.first().map(|(h, p)| model.resources[*h].span_of(p)).unwrap_or(r.span)),
    }
}

/// On / off as RDS parameters write it.
fn switch(v: &Value) -> Option<bool> {
    let s = match v {
        Value::Number(n) => return Some(*n != 0.0),
        Value::Bool(b) => return Some(*b),
        Value::String(s) => s.trim().to_ascii_lowercase(),
        _ => return None,
    };
    match s.as_str() {
        "1" | "on" | "true" => Some(true),
        "0" | "off" | "false" => Some(false),
        _ => None,
    }
}

/// The parameter group family RDS uses for an engine and version (`postgres16`, `mysql8.0`).
fn family_of(engine: &str, version: &str) -> String {
    let mut parts = version.split('.');
    let major = parts.next().unwrap_or("");
    let minor = parts.next().unwrap_or("0");
    let numeric: u32 = major.parse().unwrap_or(0);
    if engine.contains("postgres") && numeric >= 10 {
        format!("{engine}{major}")
    } else {
        format!("{engine}{major}.{minor}")
    }
}

fn rds_tls(model: &Model, i: usize, cluster: bool) -> Finding {
    let r = &model.resources[i];
    let engine_at = util::first_at(r, &["engine", "Engine"]);
    let engine = match engine_at.map(|(p, v)| (p, util::text(Some(v)))) {
        Some((p, Err(v))) => {
            return Finding::new(i, unknown_of(&v), "the database engine cannot be read")
                .at(r.span_of(&p))
        }
        Some((_, Ok(Some(e)))) => e.to_ascii_lowercase(),
        // Clusters default to Aurora MySQL; an instance has to name its engine.
        _ if cluster => "aurora-mysql".to_string(),
        _ => {
            return Finding::new(
                i,
                Outcome::unknown(
                    Cause::OutsideTree,
                    "the engine is not set (restored from a snapshot or a replica): it comes from outside the tree",
                ),
                "the database engine cannot be read",
            )
            .at(r.span)
        }
    };
    let param = if engine.contains("postgres") || engine.starts_with("sqlserver") {
        "rds.force_ssl"
    } else if engine.contains("mysql") || engine.contains("mariadb") || engine == "aurora" {
        "require_secure_transport"
    } else {
        return Finding::new(
            i,
            Outcome::unknown(
                Cause::NotExpressible,
                format!("{engine} enforces TLS through an option group (SSL or native network encryption), which is not read"),
            ),
            format!("{engine}: TLS enforcement is not a parameter"),
        )
        .at(r.span);
    };
    let group_attrs: &[&str] = if cluster {
        &[
            "db_cluster_parameter_group_name",
            "DBClusterParameterGroupName",
        ]
    } else {
        &["parameter_group_name", "DBParameterGroupName"]
    };
    let (group_type, group_path) = match (cluster, r.language) {
        (true, Language::CloudFormation) => ("AWS::RDS::DBClusterParameterGroup", "Parameters"),
        (false, Language::CloudFormation) => ("AWS::RDS::DBParameterGroup", "Parameters"),
        (true, _) => ("aws_rds_cluster_parameter_group", "parameter"),
        (false, _) => ("aws_db_parameter_group", "parameter"),
    };
    let version = || -> Result<String, Outcome> {
        match util::first_at(r, &["engine_version", "EngineVersion"]) {
            Some((_, v)) => match util::text(Some(v)) {
                Ok(Some(s)) => Ok(s),
                Ok(None) => Ok(String::new()),
                Err(u) => Err(unknown_of(&u)),
            },
            None => Ok(defaults::lookup(r, "engine_version")
                .or_else(|| defaults::lookup(r, "EngineVersion"))
                .map(|d| d.default.to_string())
                .unwrap_or_default()),
        }
    };
    // The group in force: one in the tree, AWS's default group named by its name, or the
    // engine version's default group.
    let group = util::first_at(r, group_attrs);
    let (family, span, default_note) = match group {
        Some((p, v)) => match util::target(model, &r.unit, v) {
            Some(g) => {
                let gr = &model.resources[g];
                let family =
                    match util::text(util::first_at(gr, &["family", "Family"]).map(|(_, v)| v)) {
                        Ok(f) => f.unwrap_or_default(),
                        Err(u) => {
                            return Finding::new(
                                i,
                                unknown_of(&u),
                                "the parameter group's family cannot be read",
                            )
                            .at(gr.span)
                        }
                    };
                let (value, vspan) = read_parameter(gr, param);
                match value {
                    Some(v) => match switch(&v) {
                        Some(on) => {
                            let detail = format!(
                                "parameter group {} sets {param} = {}",
                                gr.address,
                                util::text(Some(&v)).ok().flatten().unwrap_or_default()
                            );
                            return if on {
                                Finding::pass(i, detail)
                            } else {
                                Finding::fail(
                                    i,
                                    format!("{detail}: connections without TLS are accepted"),
                                )
                            }
                            .at(vspan)
                            .at(r.span_of(&p));
                        }
                        None => {
                            return Finding::new(
                                i,
                                unknown_of(&v),
                                format!("{param} in {} cannot be read", gr.address),
                            )
                            .at(vspan)
                        }
                    },
                    None => (
                        family,
                        gr.span,
                        format!("parameter group {} does not set {param}", gr.address),
                    ),
                }
            }
            None => match util::text(Some(v)) {
                Ok(Some(name)) if name.starts_with("default.") => (
                    name.trim_start_matches("default.").to_string(),
                    r.span_of(&p),
                    format!("AWS's default parameter group {name} applies"),
                ),
                _ => {
                    let o = match v.first_unknown() {
                        Some(_) => unknown_of(v),
                        None => Outcome::unknown(
                            Cause::OutsideTree,
                            format!("the parameter group {} is not in the scanned tree", v),
                        ),
                    };
                    return Finding::new(
                        i,
                        o,
                        format!("whether the parameter group sets {param} cannot be read"),
                    )
                    .at(r.span_of(&p));
                }
            },
        },
        None => {
            match version() {
                Ok(ver) => (
                    family_of(&engine, &ver),
                    r.span,
                    "no parameter group is set, so the engine's defaults apply".to_string(),
                ),
                Err(o) => return Finding::new(
                    i,
                    o,
                    "the engine version, which decides the default parameter group, cannot be read",
                )
                .at(r.span),
            }
        }
    };
    // Unset in the group in force: the family's default.
    let mut probe = Resource::new(
        r.unit.clone(),
        format!("{}#parameters", r.address),
        group_type,
        r.language,
        span,
    );
    let family_key = if r.language == Language::CloudFormation {
        "Family"
    } else {
        "family"
    };
    probe
        .attributes
        .insert(family_key.to_string(), Value::str(family.clone()));
    let row = defaults::lookup(&probe, &format!("{group_path}.{param}"));
    let on = row.and_then(|d| switch(&Value::str(d.default)));
    let note = row
        .map(|d| d.note())
        .unwrap_or_else(|| format!("no known default for {param}"));
    let detail = format!("{default_note} ({note})");
    match on {
        Some(true) => Finding::pass(i, detail).at(span),
        Some(false) => {
            Finding::fail(i, format!("{detail}: connections without TLS are accepted")).at(span)
        }
        None => Finding::new(
            i,
            Outcome::unknown(
                Cause::NotExpressible,
                format!("no default of {param} is known for {family}"),
            ),
            detail,
        )
        .at(span),
    }
}

/// A parameter's value in a parameter group (Terraform `parameter` blocks or CloudFormation's
/// `Parameters` map), with the span to point at.
fn read_parameter(g: &Resource, name: &str) -> (Option<Value>, Span) {
    if let Some(Value::Map(m)) = g.attributes.get("Parameters") {
        for (k, v) in m {
            if k.eq_ignore_ascii_case(name) {
                return (Some(v.clone()), g.span_of(&format!("Parameters.{k}")));
            }
        }
        return (None, g.span_of("Parameters"));
    }
    if let Some(Value::List(list)) = g.attributes.get("parameter") {
        for (k, p) in list.iter().enumerate() {
            if p.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
            {
                let path = format!("parameter[{k}].value");
                return (
                    Some(p.get("value").cloned().unwrap_or(Value::Null)),
                    g.span_of(&path),
                );
            }
        }
    }
    (None, g.span)
}

fn elasticache_tls(model: &Model, i: usize) -> Finding {
    let r = &model.resources[i];
    let (flag, path) = util::flag_at(
        r,
        &["transit_encryption_enabled", "TransitEncryptionEnabled"],
    );
    let enabled_attr = if r.language == Language::CloudFormation {
        "TransitEncryptionEnabled"
    } else {
        "transit_encryption_enabled"
    };
    let span = path.as_deref().map(|p| r.span_of(p)).unwrap_or(r.span);
    match flag {
        Err(v) => Finding::new(
            i,
            unknown_of(&v),
            "whether in-transit encryption is enabled cannot be read",
        )
        .at(span),
        Ok(None) => {
            let note = defaults::lookup(r, enabled_attr)
                .map(|d| d.note())
                .unwrap_or_else(|| "in-transit encryption is off unless enabled".into());
            Finding::fail(
                i,
                format!(
                    "in-transit encryption is not enabled ({note}): clients connect without TLS"
                ),
            )
            .at(span)
        }
        Ok(Some(false)) => Finding::fail(
            i,
            "in-transit encryption is disabled: clients connect without TLS",
        )
        .at(span),
        Ok(Some(true)) => {
            match util::first_at(r, &["transit_encryption_mode", "TransitEncryptionMode"]) {
                Some((p, v)) => match util::text(Some(v)) {
                    Ok(Some(m)) if m.eq_ignore_ascii_case("preferred") => Finding::fail(
                        i,
                        "transit encryption mode is preferred: unencrypted connections are still accepted",
                    )
                    .at(r.span_of(&p)),
                    Ok(_) => Finding::pass(i, "in-transit encryption is required").at(r.span_of(&p)),
                    Err(u) => Finding::new(
                        i,
                        unknown_of(&u),
                        "the transit encryption mode cannot be read",
                    )
                    .at(r.span_of(&p)),
                },
                None => {
                    let mode = if r.language == Language::CloudFormation {
                        "TransitEncryptionMode"
                    } else {
                        "transit_encryption_mode"
                    };
                    let note = defaults::lookup(r, mode)
                        .map(|d| format!(" ({})", d.note()))
                        .unwrap_or_default();
                    Finding::pass(i, format!("in-transit encryption is enabled{note}")).at(span)
                }
            }
        }
    }
}

// --- log.access-logs --------------------------------------------------------------------

fn access_logs(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let mut out = Vec::new();
    for e in facts.public_edges() {
        match e.kind {
            EdgeKind::CloudFront => out.push(cloudfront_logs(model, e.resource)),
            EdgeKind::RestApi | EdgeKind::HttpApi | EdgeKind::WebSocketApi => {
                out.push(api_logs(model, e.resource, e.kind == EdgeKind::RestApi))
            }
            EdgeKind::LoadBalancer if e.internet_facing != Some(false) => {
                out.push(lb_logs(model, e.resource))
            }
            _ => {}
        }
    }
    out.extend(s3_logs(model));
    out
}

/// Resources of these source types that reference `to` through `label`.
fn referrers_of(model: &Model, to: usize, label: Label, types: &[&str]) -> Vec<usize> {
    util::referrers(model, to, label)
        .into_iter()
        .filter(|&x| {
            types.contains(&model.resources[x].source_type.as_str())
                && util::deployed(&model.resources[x])
        })
        .collect()
}

/// The span of a setting; a Terraform block (a list) points at its first instance.
fn block_span(r: &Resource, path: &str, v: &Value) -> Span {
    match v {
        Value::List(_) => r.span_of(&format!("{path}[0]")),
        _ => r.span_of(path),
    }
}

fn cloudfront_logs(model: &Model, i: usize) -> Finding {
    let r = &model.resources[i];
    if let Some((p, v)) = util::first_at(r, &["logging_config", "DistributionConfig.Logging"]) {
        return Finding::pass(i, "standard logging writes every request to S3")
            .at(block_span(r, &p, v));
    }
    // Standard logging v2: a CloudWatch Logs delivery source for the distribution's access
    // logs, with a delivery to a destination.
    let sources: Vec<usize> = referrers_of(
        model,
        i,
        Label::Ref("ref:resourcearn"),
        &[
            "aws_cloudwatch_log_delivery_source",
            "AWS::Logs::DeliverySource",
        ],
    )
    .into_iter()
    .filter(|&s| {
        util::first_at(&model.resources[s], &["log_type", "LogType"])
            .and_then(|(_, v)| v.as_str())
            .is_none_or(|t| t == "ACCESS_LOGS")
    })
    .collect();
    for &s in &sources {
        let deliveries = referrers_of(
            model,
            s,
            Label::Ref("ref:deliverysourcename"),
            &["aws_cloudwatch_log_delivery", "AWS::Logs::Delivery"],
        );
        if let Some(&d) = deliveries.first() {
            return Finding::pass(
                i,
                "access logs are delivered through a CloudWatch Logs delivery",
            )
            .at(model.resources[s].span)
            .at(model.resources[d].span);
        }
    }
    match sources.first() {
        Some(&s) => Finding::fail(
            i,
            "a log delivery source exists for the access logs, but no delivery sends them anywhere",
        )
        .at(model.resources[s].span),
        None => Finding::fail(
            i,
            "no standard logging (logging_config) and no log delivery: requests are not logged",
        )
        .at(r.span),
    }
}

/// The access log setting of a stage-like resource: `Ok(Some(span))` when set.
fn stage_log(r: &Resource, rest: bool) -> Option<Span> {
    let paths: &[&str] = if rest {
        &[
            "access_log_settings.destination_arn",
            "AccessLogSetting.DestinationArn",
            "StageDescription.AccessLogSetting.DestinationArn",
        ]
    } else {
        &[
            "access_log_settings.destination_arn",
            "AccessLogSettings.DestinationArn",
        ]
    };
    util::first_at(r, paths).map(|(p, _)| r.span_of(&p))
}

fn api_logs(model: &Model, i: usize, rest: bool) -> Finding {
    let r = &model.resources[i];
    // SAM APIs carry their stage's settings themselves.
    if r.source_type == "AWS::Serverless::Api" || r.source_type == "AWS::Serverless::HttpApi" {
        return match stage_log(r, rest) {
            Some(span) => Finding::pass(i, "the API's stage writes access logs").at(span),
            None => Finding::fail(
                i,
                "the API's stage has no access log setting: requests are not logged",
            )
            .at(r.span),
        };
    }
    if r.generated_by.is_some() {
        return Finding::new(
            i,
            Outcome::unknown(
                Cause::NotExpressible,
                "SAM's implicit API takes its stage settings from the template's Globals, which are not read",
            ),
            "the implicit API's access logging cannot be read",
        )
        .at(r.span);
    }
    let stages: Vec<usize> = if rest {
        model
            .edges
            .iter()
            .filter(|x| {
                x.to == i
                    && x.label == Label::InApi
                    && matches!(
                        model.resources[x.from].kind,
                        Kind::ApigatewayStage | Kind::ApigatewayDeployment
                    )
            })
            .map(|x| x.from)
            .collect()
    } else {
        referrers_of(
            model,
            i,
            Label::Ref("ref:apiid"),
            &["aws_apigatewayv2_stage", "AWS::ApiGatewayV2::Stage"],
        )
    };
    let mut logged = Vec::new();
    let mut unlogged = Vec::new();
    for &s in &stages {
        let sr = &model.resources[s];
        if !util::deployed(sr) {
            continue;
        }
        if sr.kind == Kind::ApigatewayDeployment
            && util::first_at(sr, &["stage_name", "StageName"]).is_none()
        {
            continue;
        }
        match stage_log(sr, rest) {
            Some(span) => logged.push((s, span)),
            None => unlogged.push(s),
        }
    }
    // A quick-create HTTP API deploys a `$default` stage with no access logs.
    let quick = !rest && util::first_at(r, &["target", "Target"]).is_some();
    if !unlogged.is_empty() || (quick && stages.is_empty()) {
        let names: Vec<&str> = unlogged
            .iter()
            .map(|&s| model.resources[s].address.as_str())
            .collect();
        let detail = if names.is_empty() {
            "the quick-create `$default` stage has no access logging".to_string()
        } else {
            format!("stage {} writes no access logs", names.join(", "))
        };
        return Finding::fail(i, detail)
            .at_all(unlogged.iter().map(|&s| model.resources[s].span))
            .at(r.span);
    }
    if logged.is_empty() {
        return Finding::new(
            i,
            Outcome::unknown(
                Cause::OutsideTree,
                "no stage of this API is in the scanned tree: it is deployed (and its logging set) elsewhere",
            ),
            "no stage to read",
        )
        .at(r.span);
    }
    Finding::pass(i, "every stage writes access logs").at_all(logged.iter().map(|(_, s)| *s))
}

fn lb_logs(model: &Model, i: usize) -> Finding {
    let r = &model.resources[i];
    // Classic load balancers: an access_logs block (enabled by default) or AccessLoggingPolicy.
    if let Some((p, _)) = util::first_at(r, &["AccessLoggingPolicy"]) {
        return match util::flag_at(r, &["AccessLoggingPolicy.Enabled"]).0 {
            Ok(Some(true)) => Finding::pass(i, "access logging is enabled"),
            Ok(_) => Finding::fail(i, "the access logging policy is disabled"),
            Err(v) => Finding::new(
                i,
                unknown_of(&v),
                "whether access logging is enabled cannot be read",
            ),
        }
        .at(r.span_of(&p));
    }
    if let Some(Value::List(attrs)) = r.attributes.get("LoadBalancerAttributes") {
        for a in attrs {
            if a.get("Key").and_then(Value::as_str) == Some("access_logs.s3.enabled") {
                let span = r.span_of("LoadBalancerAttributes");
                let v = a.get("Value").cloned().unwrap_or(Value::Null);
                return match util::flag(Some(&v)) {
                    Ok(Some(true)) => {
                        Finding::pass(i, "access logging is enabled (access_logs.s3.enabled)")
                    }
                    Ok(_) => Finding::fail(i, "access_logs.s3.enabled is false"),
                    Err(u) => Finding::new(
                        i,
                        unknown_of(&u),
                        "whether access logging is enabled cannot be read",
                    ),
                }
                .at(span);
            }
        }
        return Finding::fail(
            i,
            "the load balancer attributes do not enable access_logs.s3.enabled: requests are not logged",
        )
        .at(r.span_of("LoadBalancerAttributes"));
    }
    match util::first_at(r, &["access_logs"]) {
        Some((p, v)) => {
            let (flag, fp) = util::flag_at(r, &["access_logs.enabled"]);
            let span = fp
                .as_deref()
                .map(|x| r.span_of(x))
                .unwrap_or(block_span(r, &p, v));
            match flag {
                Ok(Some(true)) => Finding::pass(i, "access logging is enabled"),
                Ok(Some(false)) => Finding::fail(i, "the access_logs block sets enabled = false"),
                Ok(None) => {
                    let row = defaults::lookup(r, "access_logs.enabled");
                    let on = row.is_some_and(|d| d.default == "true");
                    let note = row.map(|d| d.note()).unwrap_or_default();
                    if on {
                        Finding::pass(i, format!("access logging is enabled ({note})"))
                    } else {
                        Finding::fail(
                            i,
                            format!("the access_logs block does not set enabled = true ({note})"),
                        )
                    }
                }
                Err(v) => Finding::new(
                    i,
                    unknown_of(&v),
                    "whether access logging is enabled cannot be read",
                ),
            }
            .at(span)
        }
        None => {
            Finding::fail(i, "no access_logs configuration: requests are not logged").at(r.span)
        }
    }
}

/// Where a bucket's server access logs go: (setting holder, path, target value).
fn s3_logging(model: &Model, i: usize, facets: &[usize]) -> Option<(usize, String)> {
    let r = &model.resources[i];
    if let Some((p, v)) = util::first_at(r, &["logging", "LoggingConfiguration"]) {
        let p = match v {
            Value::List(_) => format!("{p}[0]"),
            _ => p,
        };
        return Some((i, p));
    }
    facets
        .iter()
        .copied()
        .find(|&f| model.resources[f].facet == Some("logging"))
        .map(|f| (f, String::new()))
}

/// Buckets that receive S3 server access logs (they do not log themselves).
fn log_targets(model: &Model) -> Vec<usize> {
    let mut out = Vec::new();
    for r in &model.resources {
        if r.kind != Kind::S3Bucket {
            continue;
        }
        for path in [
            "target_bucket",
            "logging.target_bucket",
            "LoggingConfiguration.DestinationBucketName",
        ] {
            if let Some((_, v)) = util::at(r, path) {
                out.extend(util::targets(model, &r.unit, v).into_iter().flatten());
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// CloudTrail trails recording S3 object data events, with the buckets they cover (`None`:
/// every bucket).
fn data_event_trails(model: &Model) -> Vec<(usize, Option<Vec<usize>>)> {
    let mut out = Vec::new();
    for (t, r) in model.resources.iter().enumerate() {
        if r.kind != Kind::CloudtrailTrail || !util::deployed(r) {
            continue;
        }
        let mut all = false;
        let mut buckets = Vec::new();
        for key in ["event_selector", "EventSelectors"] {
            let Some(Value::List(sel)) = r.attributes.get(key) else {
                continue;
            };
            for s in sel {
                let res = s.get("data_resource").or_else(|| s.get("DataResources"));
                for d in res.map(util::items).unwrap_or_default() {
                    let ty = d
                        .get("type")
                        .or_else(|| d.get("Type"))
                        .and_then(Value::as_str);
                    if ty != Some("AWS::S3::Object") {
                        continue;
                    }
                    let values = d.get("values").or_else(|| d.get("Values"));
                    for v in values.map(util::items).unwrap_or_default() {
                        match render(v).as_deref() {
                            Some("arn:aws:s3") | Some("arn:aws:s3:::") | Some("arn:*:s3:::") => {
                                all = true
                            }
                            _ => buckets
                                .extend(util::targets(model, &r.unit, v).into_iter().flatten()),
                        }
                    }
                }
            }
        }
        if all {
            out.push((t, None));
        } else if !buckets.is_empty() {
            out.push((t, Some(buckets)));
        }
    }
    out
}

fn s3_logs(model: &Model) -> Vec<Finding> {
    let facets = util::facets(model);
    let targets = log_targets(model);
    let trails = data_event_trails(model);
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.kind != Kind::S3Bucket || r.facet.is_some() || !util::deployed(r) {
            continue;
        }
        if targets.contains(&i) {
            continue;
        }
        let fs = facets.get(&i).map(Vec::as_slice).unwrap_or(&[]);
        let f = match s3_logging(model, i, fs) {
            Some((h, p)) => {
                let hr = &model.resources[h];
                let span = if p.is_empty() { hr.span } else { hr.span_of(&p) };
                Finding::pass(i, "server access logging is enabled").at(span)
            }
            None => match trails
                .iter()
                .find(|(_, b)| b.as_ref().is_none_or(|b| b.contains(&i)))
            {
                Some((t, _)) => Finding::pass(
                    i,
                    format!(
                        "CloudTrail trail {} records the bucket's object-level data events",
                        model.resources[*t].address
                    ),
                )
                .at(model.resources[*t].span),
                None => Finding::fail(
                    i,
                    "no server access logging and no CloudTrail data events: requests to the bucket are not logged",
                )
                .at(r.span),
            },
        };
        out.push(f);
    }
    out
}
