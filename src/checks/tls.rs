//! Transport checks and edge access logs: the TLS and plain-HTTP handling of every public
//! edge, HSTS on public web endpoints, data stores that refuse unencrypted connections, and
//! access logging at the edge, the APIs and the buckets.

use super::data::default_of;
use super::{no_params, Cause, Check, Facts, Finding, Outcome, Params};
use crate::iam::policy::{self, Effect};
use crate::kms::defaults;
use crate::model::table;
use crate::model::{Found, Kind, Label, Model, Part, Prop, Value};
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
            about: "S3 buckets deny requests without TLS in their bucket policy, RDS engines force TLS through their parameter group, ElastiCache requires in-transit encryption, OpenSearch domains enforce HTTPS and node-to-node encryption, MSK clusters take TLS clients only and encrypt between brokers (serverless caches and clusters always do)",
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

/// The viewer protocol policies of a distribution's cache behaviors (default first).
fn viewer_policy_values(model: &Model, i: usize) -> Vec<Found<'_>> {
    let mut out = model.props(
        i,
        Prop::CloudfrontDistributionDefaultCacheBehaviorViewerProtocolPolicy,
    );
    out.extend(model.props(
        i,
        Prop::CloudfrontDistributionCacheBehaviorsViewerProtocolPolicy,
    ));
    out
}

/// The spans of the edge's evidence on a viewer protocol policy (with this value, if given).
fn viewer_evidence(model: &Model, e: &PublicEdge, value: Option<&str>) -> Vec<Span> {
    let at: Vec<(usize, String)> = viewer_policy_values(model, e.resource)
        .iter()
        .filter(|f| value.is_none_or(|v| f.as_str() == Some(v)))
        .filter_map(|f| f.attribute().map(|(r, p)| (r, p.to_string())))
        .collect();
    e.evidence
        .iter()
        .filter(|x| {
            at.iter()
                .any(|(r, p)| *r == x.resource && *p == x.attribute)
        })
        .map(|x| x.span)
        .collect()
}

/// The spans of a distribution's viewer protocol policies.
fn viewer_policies(model: &Model, e: &PublicEdge) -> Vec<Span> {
    viewer_evidence(model, e, None)
}

/// For an edge whose exposure cannot be read: the unknown behind it.
fn facing_unknown(model: &Model, e: &PublicEdge) -> Outcome {
    let set = [
        Prop::ApigatewayRestApiEndpointConfigurationTypes,
        Prop::ElbLoadBalancerScheme,
    ]
    .into_iter()
    .find_map(|p| model.prop_set(e.resource, p));
    match set {
        Some(f) => Outcome::of_value(&f.value),
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
        if e.kind == EdgeKind::CloudFront {
            found.extend(origin_findings(model, e));
        }
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

/// The leg from CloudFront to each custom origin: an origin it reaches over plain HTTP
/// (`http-only`), or with no TLS 1.2 among the protocols it may use, carries the viewers'
/// requests in the clear or over broken TLS across the internet. `match-viewer` follows the
/// viewer, whose plain HTTP the viewer protocol policy already decides.
fn origin_findings(model: &Model, e: &PublicEdge) -> Vec<Finding> {
    let mut out = Vec::new();
    for o in model.items(e.resource, Prop::CloudfrontDistributionOrigins) {
        let id = o
            .prop_set(Prop::CloudfrontDistributionOriginsId)
            .and_then(|f| f.as_str().map(str::to_string))
            .unwrap_or_else(|| o.path.clone());
        if let Some(p) =
            o.prop_set(Prop::CloudfrontDistributionOriginsCustomOriginConfigOriginProtocolPolicy)
        {
            let at = p.span(model, e.resource);
            match p.text() {
                Ok(Some(policy)) if policy.eq_ignore_ascii_case("http-only") => {
                    out.push(
                        Finding::fail(
                            e.resource,
                            format!("CloudFront reaches origin {id} over plain HTTP (origin_protocol_policy http-only)"),
                        )
                        .at(at),
                    );
                    continue;
                }
                Ok(_) => {}
                Err(u) => {
                    out.push(
                        Finding::new(
                            e.resource,
                            Outcome::of_value(&u),
                            format!("how CloudFront reaches origin {id} cannot be read"),
                        )
                        .at(at),
                    );
                    continue;
                }
            }
        }
        if let Some(p) =
            o.prop_set(Prop::CloudfrontDistributionOriginsCustomOriginConfigOriginSSLProtocols)
        {
            let at = p.span(model, e.resource);
            let items = util::items(&p.value);
            if items.iter().any(|x| x.as_str().is_none()) {
                out.push(
                    Finding::new(
                        e.resource,
                        Outcome::of_value(&p.value),
                        format!(
                            "the TLS versions CloudFront may use with origin {id} cannot be read"
                        ),
                    )
                    .at(at),
                );
            } else if !items.iter().any(|x| x.as_str() == Some("TLSv1.2")) {
                let listed: Vec<&str> = items.iter().filter_map(|x| x.as_str()).collect();
                out.push(
                    Finding::fail(
                        e.resource,
                        format!(
                            "CloudFront may reach origin {id} only over {} (origin_ssl_protocols without TLSv1.2)",
                            listed.join(", ")
                        ),
                    )
                    .at(at),
                );
            }
        }
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
                // AWS fixes the floor of the endpoints it runs: that fact is the evidence.
                EdgeKind::FunctionUrl => {
                    return Some(match transit_setting(model, e.resource, Prop::LambdaFunctionUrlMinimumTlsVersion) {
                        Ok((v, _, note)) if v == "TLSv1.2" || v == "TLSv1.3" => Finding::pass(
                            e.resource,
                            format!("accepts TLS 1.2 or newer only{note}"),
                        ),
                        Ok((v, _, note)) => Finding::fail(
                            e.resource,
                            format!("accepts {v}{note}"),
                        ),
                        Err(f) => f,
                    }
                    .at_all(spans)
                    .at(at));
                }
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
    let at = edge_span(model, e);
    match &e.http {
        Http::AllowsHttp => {
            let (detail, spans): (&str, Vec<Span>) = match e.kind {
                EdgeKind::CloudFront => (
                    "a cache behavior serves plain HTTP (viewer_protocol_policy allow-all)",
                    viewer_evidence(model, e, Some("allow-all")),
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
            Outcome::of_value(value),
            "how plain HTTP is handled cannot be read",
        )
        .at(at),
        Http::Redirects => Finding::pass(e.resource, "plain HTTP is redirected to HTTPS")
            .at_all(viewer_policies(model, e))
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
        .at_all(viewer_policies(model, e))
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
                let ty = model.prop_set(e.resource, Prop::ElbLoadBalancerType);
                let ty = ty.as_ref().and_then(Found::as_str).unwrap_or("application");
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
                if let Some(f) = model.prop_set(
                    edge.to,
                    Prop::CloudfrontResponseHeadersPolicyStrictTransportSecurityAccessControlMaxAgeSec,
                ) {
                    if zero_max_age(&f.value) {
                        return Finding::fail(
                            i,
                            "the response headers policy sends Strict-Transport-Security with max-age 0, which turns HSTS off",
                        )
                        .at(f.span(model, edge.to));
                    }
                    spans.push(f.span(model, edge.to));
                }
            }
            Finding::pass(
                i,
                "every cache behavior's response headers policy adds Strict-Transport-Security",
            )
            .at_all(spans)
        }
        Some(false) => {
            let text: String = [
                Prop::CloudfrontDistributionDefaultCacheBehavior,
                Prop::CloudfrontDistributionCacheBehaviors,
            ]
            .into_iter()
            .filter_map(|b| model.prop_set(i, b))
            .map(|f| serde_json::to_string(&*f.value).unwrap_or_default())
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
            let unknown = model.prop_set(
                i,
                Prop::CloudfrontDistributionDefaultCacheBehaviorResponseHeadersPolicyId,
            );
            let (outcome, span) = match unknown {
                Some(f) if f.value.first_unknown().is_some() => {
                    (Outcome::of_value(&f.value), f.span(model, i))
                }
                Some(f) => (
                    Outcome::unknown(
                        Cause::OutsideTree,
                        "the response headers policy is not in the scanned tree",
                    ),
                    f.span(model, i),
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
    let mut out = Vec::new();
    for (list, policy_id) in [
        (
            Prop::CloudfrontDistributionDefaultCacheBehavior,
            Prop::CloudfrontDistributionDefaultCacheBehaviorResponseHeadersPolicyId,
        ),
        (
            Prop::CloudfrontDistributionCacheBehaviors,
            Prop::CloudfrontDistributionCacheBehaviorsResponseHeadersPolicyId,
        ),
    ] {
        for b in model.items(i, list) {
            let policy = b.prop_set(policy_id);
            let missing = match policy
                .as_ref()
                .and_then(|f| util::target(model, &r.unit, &f.value))
            {
                Some(pr) => model
                    .prop_set(
                        pr,
                        Prop::CloudfrontResponseHeadersPolicyStrictTransportSecurity,
                    )
                    .is_none(),
                None => policy.is_none(),
            };
            if missing {
                out.push(b.span());
            }
        }
    }
    out
}

/// The origins of a distribution that are not S3 buckets (an S3 origin cannot add headers).
fn custom_origins(model: &Model, i: usize) -> Vec<String> {
    let r = &model.resources[i];
    let mut out = Vec::new();
    for o in model.items(i, Prop::CloudfrontDistributionOrigins) {
        let s3_config = o
            .prop_set(Prop::CloudfrontDistributionOriginsS3OriginConfig)
            .is_some();
        let domain = o.prop_set(Prop::CloudfrontDistributionOriginsDomainName);
        let s3_domain = domain.is_some_and(|d| {
            util::targets(model, &r.unit, &d.value)
                .iter()
                .any(|t| matches!(t, Ok(b) if model.resources[*b].kind == Kind::S3Bucket))
                || d.as_str()
                    .is_some_and(|s| s.contains(".s3.") || s.contains(".s3-"))
        });
        if !(s3_config || s3_domain) {
            let id = o
                .prop_set(Prop::CloudfrontDistributionOriginsId)
                .and_then(|f| f.as_str().map(str::to_string))
                .unwrap_or_else(|| o.path.clone());
            out.push(format!("`{id}`"));
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
        if let Some(f) = model.prop_set(
            l,
            Prop::ElbListenerRoutingHttpResponseStrictTransportSecurityHeaderValue,
        ) {
            return Some((f.span(model, l), f.value.into_owned()));
        }
        let attrs = model.prop_set(l, Prop::ElbListenerListenerAttributes)?;
        if !matches!(*attrs.value, Value::List(_)) {
            return None;
        }
        model
            .items(l, Prop::ElbListenerListenerAttributes)
            .iter()
            .find_map(|a| {
                (a.prop_set(Prop::ElbListenerListenerAttributesKey)
                    .is_some_and(|k| {
                        k.as_str()
                            == Some("routing.http.response.strict_transport_security.header_value")
                    }))
                .then(|| {
                    (
                        attrs.span(model, l),
                        a.prop_set(Prop::ElbListenerListenerAttributesValue)
                            .map(|v| v.value.into_owned())
                            .unwrap_or(Value::Null),
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
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.facet.is_some() || !util::deployed(r) {
            continue;
        }
        let f = match r.kind {
            Kind::S3Bucket => s3_tls(model, i),
            Kind::RdsInstance => {
                // Aurora instances take TLS settings from their cluster.
                if model
                    .prop_set(i, Prop::RdsInstanceDBClusterIdentifier)
                    .is_some()
                {
                    continue;
                }
                rds_tls(model, i, false)
            }
            Kind::RdsCluster => rds_tls(model, i, true),
            Kind::ElasticacheReplicationGroup => elasticache_tls(model, i),
            Kind::ElasticacheCluster => {
                let member = model
                    .prop_set(i, Prop::ElasticacheClusterReplicationGroupId)
                    .is_some()
                    || model
                        .edges_to(i)
                        .any(|x| model.resources[x.from].kind == Kind::ElasticacheReplicationGroup);
                if member {
                    continue;
                }
                elasticache_tls(model, i)
            }
            Kind::OpensearchDomain => opensearch_tls(model, i),
            Kind::MskCluster | Kind::MskServerlessCluster => msk_tls(model, i),
            Kind::ElasticacheServerlessCache => serverless_cache_tls(model, i),
            Kind::RedshiftCluster => redshift_tls(model, i),
            kind => match transit_row(kind) {
                Some(row) => setting_tls(model, i, row),
                None => continue,
            },
        };
        out.push(f);
    }
    out
}

/// One row of `rules/in-transit.tsv`: the setting by which a kind of data store refuses
/// unencrypted connections, and what its values mean.
struct TransitSetting {
    kind: Kind,
    prop: Prop,
    /// (value, whether it refuses unencrypted connections).
    values: Vec<(&'static str, bool)>,
}

fn transit_settings() -> &'static [TransitSetting] {
    static ROWS: std::sync::OnceLock<Vec<TransitSetting>> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| {
        let file = "rules/in-transit.tsv";
        table::rows(include_str!("../../rules/in-transit.tsv"))
            .map(|(line, cols)| {
                let [kind, prop, values] = cols[..] else {
                    panic!("{file}:{line}: expected 3 cells");
                };
                let kind = table::kind(file, line, kind);
                let prop = table::prop(file, line, kind, prop);
                let values = values
                    .split_whitespace()
                    .map(|pair| match pair.rsplit_once('=') {
                        Some((v, "on")) => (v, true),
                        Some((v, "off")) => (v, false),
                        _ => panic!("{file}:{line}: {pair} is not value=on or value=off"),
                    })
                    .collect();
                TransitSetting { kind, prop, values }
            })
            .collect()
    })
}

fn transit_row(kind: Kind) -> Option<&'static TransitSetting> {
    transit_settings().iter().find(|r| r.kind == kind)
}

/// A data store whose own setting decides whether it refuses unencrypted connections: the
/// value the code writes, else the documented default, else open with that reason.
fn setting_tls(model: &Model, i: usize, row: &TransitSetting) -> Finding {
    let r = &model.resources[i];
    let name = row.prop.canonical();
    let Some(found) = model.prop(i, row.prop) else {
        return Finding::new(
            i,
            Outcome::unknown(
                Cause::NotExpressible,
                format!("{name} is not set and AWS documents no default for it"),
            ),
            format!("whether unencrypted connections are refused is not settled: {name} is not set and no default is documented"),
        )
        .at(r.span);
    };
    let span = found.span(model, i);
    let note = defaults::note_of(&found)
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let text = match found.text() {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Finding::new(
                i,
                Outcome::unknown(Cause::NotExpressible, format!("{name} has no value")),
                format!("{name} has no value"),
            )
            .at(span)
        }
        Err(u) => {
            return Finding::new(
                i,
                Outcome::of_value(&u),
                format!("whether unencrypted connections are refused cannot be read from {name}"),
            )
            .at(span)
        }
    };
    match row
        .values
        .iter()
        .find(|(v, _)| v.eq_ignore_ascii_case(&text))
        .map(|(_, on)| *on)
    {
        Some(true) => Finding::pass(
            i,
            format!("{name} is {text}{note}: connections without TLS are refused"),
        )
        .at(span),
        Some(false) => Finding::fail(
            i,
            format!("{name} is {text}{note}: clients connect without TLS"),
        )
        .at(span),
        None => Finding::new(
            i,
            Outcome::unknown(
                Cause::NotExpressible,
                format!("{name} has a value vouch does not know: {text:?}"),
            ),
            format!("{name} has a value vouch does not know: {text:?}"),
        )
        .at(span),
    }
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
        return Err(Outcome::of_value(u));
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
                        unknown.get_or_insert_with(|| Outcome::of_value(item));
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

fn s3_tls(model: &Model, i: usize) -> Finding {
    let r = &model.resources[i];
    // The bucket's own policy (Terraform's legacy inline `policy`), then its policy resources.
    let docs = model.props(i, Prop::S3BucketPolicyDocument);
    if docs.is_empty() {
        return Finding::fail(
            i,
            "no bucket policy denies requests without TLS: S3 also answers plain HTTP",
        )
        .at(r.span);
    }
    let mut partial = None;
    let mut unknown = None;
    for doc in &docs {
        let at = doc.span(model, i);
        match secure_transport(&doc.value) {
            Ok(Some((k, gap))) if gap.is_empty() => {
                return Finding::pass(
                    i,
                    format!("the bucket policy's Statement[{k}] denies every request made without TLS (aws:SecureTransport = false)"),
                )
                .at(at)
            }
            Ok(Some((k, gap))) => {
                partial.get_or_insert((at, k, gap));
            }
            Ok(None) => {}
            Err(o) => {
                unknown.get_or_insert((at, o));
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
        .at(docs.first().map(|d| d.span(model, i)).unwrap_or(r.span)),
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

/// The properties of an RDS instance or cluster that decide its TLS enforcement: engine,
/// engine version, the parameter group it names, and the parameters of that type of group.
struct RdsProps {
    engine: Prop,
    version: Prop,
    group: Prop,
    group_parameters: Prop,
}

fn rds_props(cluster: bool) -> RdsProps {
    if cluster {
        RdsProps {
            engine: Prop::RdsClusterEngine,
            version: Prop::RdsClusterEngineVersion,
            group: Prop::RdsClusterDBClusterParameterGroupName,
            group_parameters: Prop::RdsParameterGroupDBClusterParameterGroupParameters,
        }
    } else {
        RdsProps {
            engine: Prop::RdsInstanceEngine,
            version: Prop::RdsInstanceEngineVersion,
            group: Prop::RdsInstanceDBParameterGroupName,
            group_parameters: Prop::RdsParameterGroupDBParameterGroupParameters,
        }
    }
}

fn rds_tls(model: &Model, i: usize, cluster: bool) -> Finding {
    let r = &model.resources[i];
    let props = rds_props(cluster);
    let engine_at = model.prop_set(i, props.engine);
    let engine = match engine_at.map(|f| (f.span(model, i), f.text())) {
        Some((span, Err(v))) => {
            return Finding::new(i, Outcome::of_value(&v), "the database engine cannot be read").at(span)
        }
        Some((_, Ok(Some(e)))) => e.to_ascii_lowercase(),
        // Clusters default to Aurora MySQL; an instance has to name its engine.
        _ if cluster => "aurora-mysql".to_string(),
        // A read replica whose source is in the tree has its engine from there
        // (`rules/inherits.tsv`); one whose source is not names none.
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
    } else if engine.starts_with("oracle") && !cluster {
        return oracle_tls(model, i, &engine);
    } else {
        return Finding::new(
            i,
            Outcome::unknown(
                Cause::NotExpressible,
                format!("{engine} enforces TLS through settings vouch does not read"),
            ),
            format!("{engine}: TLS enforcement is not a parameter"),
        )
        .at(r.span);
    };
    let version = || -> Result<String, Outcome> {
        match model.prop_set(i, props.version) {
            Some(f) => match f.text() {
                Ok(Some(s)) => Ok(s),
                Ok(None) => Ok(String::new()),
                Err(u) => Err(Outcome::of_value(&u)),
            },
            None => Ok(default_of(model, i, props.version)
                .map(|d| d.default.to_string())
                .unwrap_or_default()),
        }
    };
    // The group in force: one in the tree, AWS's default group named by its name, or the
    // engine version's default group.
    let group = model.prop_set(i, props.group);
    let (family, span, default_note) =
        match group {
            Some(gf) => match util::target(model, &r.unit, &gf.value) {
                Some(g) => {
                    let gr = &model.resources[g];
                    let family = match model
                        .prop_set(g, Prop::RdsParameterGroupFamily)
                        .map(|f| f.text())
                    {
                        None => String::new(),
                        Some(Ok(f)) => f.unwrap_or_default(),
                        Some(Err(u)) => {
                            return Finding::new(
                                i,
                                Outcome::of_value(&u),
                                "the parameter group's family cannot be read",
                            )
                            .at(gr.span)
                        }
                    };
                    let (value, vspan) = read_parameter(model, g, param, &RDS_PARAMETERS);
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
                                .at(gf.span(model, i));
                            }
                            None => {
                                return Finding::new(
                                    i,
                                    Outcome::of_value(&v),
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
                None => match gf.text() {
                    Ok(Some(name)) if name.starts_with("default.") => (
                        name.trim_start_matches("default.").to_string(),
                        gf.span(model, i),
                        format!("AWS's default parameter group {name} applies"),
                    ),
                    _ => return group_not_read(model, i, &gf, param),
                },
            },
            None => match version() {
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
            },
        };
    // Unset in the group in force: the family's default.
    // The default group of this type, in this resource's language, for the family: what
    // `rules/defaults.tsv` says about the parameter there.
    let row = match (
        props.group_parameters.typed_paths(r.language).first(),
        Prop::RdsParameterGroupFamily
            .typed_paths(r.language)
            .first(),
    ) {
        (Some((Some(group_type), group_path)), Some((_, family_key))) => default_parameter(
            group_type,
            &format!("{group_path}.{param}"),
            family_key,
            &family,
        ),
        _ => None,
    };
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

/// The row of `rules/defaults.tsv` for a parameter of a default parameter group: the row for
/// this family (qualified by the group's family attribute) wins over the row for every family.
fn default_parameter(
    group_type: &str,
    attribute: &str,
    family_key: &str,
    family: &str,
) -> Option<&'static defaults::DefaultRow> {
    let mut found = None;
    for row in defaults::rows() {
        if row.subject != group_type || row.attribute != attribute {
            continue;
        }
        match row.qualifier {
            None if found.is_none() => found = Some(row),
            Some((k, v)) if k == family_key && v.eq_ignore_ascii_case(family) => found = Some(row),
            _ => {}
        }
    }
    found
}

/// A parameter's value in a parameter group (a list of name and value items, or a map from
/// name to value), with the span to point at.
/// The option that makes Oracle refuse unencrypted sessions, and its setting.
const ORACLE_NNE: &str = "NATIVE_NETWORK_ENCRYPTION";
const ORACLE_NNE_SERVER: &str = "SQLNET.ENCRYPTION_SERVER";

/// RDS for Oracle takes its transport security from its option group, not a parameter: the
/// `SSL` option adds a TLS listener beside the plain one, so only native network encryption
/// with `SQLNET.ENCRYPTION_SERVER = REQUIRED` refuses sessions that are not encrypted. Without
/// an option group (or with AWS's default one, which has no options) every session may be
/// plain. A group outside the tree is a question.
fn oracle_tls(model: &Model, i: usize, engine: &str) -> Finding {
    let r = &model.resources[i];
    let Some(gf) = model.prop_set(i, Prop::RdsInstanceOptionGroupName) else {
        return Finding::fail(
            i,
            format!("{engine} with no option group: AWS's default group has no {ORACLE_NNE}, so sessions are accepted unencrypted"),
        )
        .at(r.span);
    };
    let Some(g) = util::target(model, &r.unit, &gf.value) else {
        return match gf.text() {
            Ok(Some(name)) if name.starts_with("default:") => Finding::fail(
                i,
                format!("AWS's default option group {name} has no {ORACLE_NNE}: sessions are accepted unencrypted"),
            )
            .at(gf.span(model, i)),
            Ok(_) => Finding::new(
                i,
                Outcome::unknown(
                    Cause::OutsideTree,
                    "the option group is not in the tree",
                ),
                "whether the option group requires native network encryption cannot be read",
            )
            .at(gf.span(model, i)),
            Err(u) => Finding::new(
                i,
                Outcome::of_value(&u),
                "the option group cannot be read",
            )
            .at(gf.span(model, i)),
        };
    };
    let gr = &model.resources[g];
    let mut ssl = false;
    for item in model.items(g, Prop::RdsOptionGroupOptions) {
        let name = match item
            .prop_set(Prop::RdsOptionGroupOptionsName)
            .map(|n| n.text())
        {
            Some(Ok(Some(n))) => n,
            Some(Err(u)) => {
                return Finding::new(i, Outcome::of_value(&u), "an option's name cannot be read")
                    .at(item.span())
            }
            _ => continue,
        };
        if name.eq_ignore_ascii_case("SSL") {
            ssl = true;
        }
        if !name.eq_ignore_ascii_case(ORACLE_NNE) {
            continue;
        }
        let names = item.props(Prop::RdsOptionGroupOptionsSettingsName);
        let values = item.props(Prop::RdsOptionGroupOptionsSettingsValue);
        for (n, v) in names.iter().zip(values.iter()) {
            if !n
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(ORACLE_NNE_SERVER))
            {
                continue;
            }
            let at = v.span(model, g);
            return match v.text() {
                Ok(Some(v)) if v.eq_ignore_ascii_case("REQUIRED") => Finding::pass(
                    i,
                    format!("option group {} requires native network encryption ({ORACLE_NNE_SERVER} = REQUIRED)", gr.address),
                )
                .at(at),
                Ok(v) => Finding::fail(
                    i,
                    format!(
                        "option group {} sets {ORACLE_NNE_SERVER} = {}: unencrypted sessions are still accepted",
                        gr.address,
                        v.unwrap_or_default()
                    ),
                )
                .at(at),
                Err(u) => Finding::new(
                    i,
                    Outcome::of_value(&u),
                    format!("{ORACLE_NNE_SERVER} in {} cannot be read", gr.address),
                )
                .at(at),
            };
        }
        return Finding::fail(
            i,
            format!("option group {} has {ORACLE_NNE} without {ORACLE_NNE_SERVER} = REQUIRED (Oracle's default is REQUESTED): unencrypted sessions are still accepted", gr.address),
        )
        .at(item.span());
    }
    let detail = if ssl {
        format!("option group {} adds the SSL option, but the plain listener stays open and it does not require {ORACLE_NNE}: unencrypted sessions are accepted", gr.address)
    } else {
        format!(
            "option group {} has neither {ORACLE_NNE} nor SSL: sessions are accepted unencrypted",
            gr.address
        )
    };
    Finding::fail(i, detail).at(gr.span)
}

/// A parameter group named by a value that is not known, or that names a group outside the
/// tree (not one of AWS's `default.` groups): whether it sets `param` is open.
fn group_not_read(model: &Model, i: usize, group: &Found, param: &str) -> Finding {
    let v = &group.value;
    let o = match v.first_unknown() {
        Some(_) => Outcome::of_value(v),
        None => Outcome::unknown(
            Cause::OutsideTree,
            format!("the parameter group {v} is not in the scanned tree"),
        ),
    };
    Finding::new(
        i,
        o,
        format!("whether the parameter group sets {param} cannot be read"),
    )
    .at(group.span(model, i))
}

/// The properties of a parameter group's list of parameters: the list, and each entry's name
/// and value.
struct ParameterList {
    list: Prop,
    name: Prop,
    value: Prop,
}

const RDS_PARAMETERS: ParameterList = ParameterList {
    list: Prop::RdsParameterGroupParameters,
    name: Prop::RdsParameterGroupParametersName,
    value: Prop::RdsParameterGroupParametersValue,
};

const REDSHIFT_PARAMETERS: ParameterList = ParameterList {
    list: Prop::RedshiftParameterGroupParameters,
    name: Prop::RedshiftParameterGroupParametersName,
    value: Prop::RedshiftParameterGroupParametersValue,
};

fn read_parameter(
    model: &Model,
    g: usize,
    name: &str,
    props: &ParameterList,
) -> (Option<Value>, Span) {
    let gr = &model.resources[g];
    let named = model.can_express(g, props.name);
    for item in model.items(g, props.list) {
        if named {
            let matches = item
                .prop_set(props.name)
                .is_some_and(|n| n.as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)));
            if matches {
                return match item.prop_set(props.value) {
                    Some(v) => {
                        let span = v.span(model, g);
                        (Some(v.value.into_owned()), span)
                    }
                    None => (Some(Value::Null), item.span()),
                };
            }
        } else if let Value::Map(_) = item.value {
            for (k, v, span) in item.entries() {
                if k.eq_ignore_ascii_case(name) {
                    return (Some(v.clone()), span);
                }
            }
            return (None, item.span());
        }
    }
    (None, gr.span)
}

/// A Redshift cluster refuses connections without TLS only when its parameter group sets
/// `require_ssl` to true. AWS's default parameter group (`default.redshift-1.0`), which a
/// cluster without a group of its own uses, leaves it false.
fn redshift_tls(model: &Model, i: usize) -> Finding {
    let r = &model.resources[i];
    // The parameter's name is the property's canonical path.
    let name = Prop::RedshiftParameterGroupRequireSsl.canonical();
    let default_fail = |detail: String, span: Span| {
        Finding::fail(
            i,
            format!(
                "{detail}, where require_ssl is false: connections without TLS are accepted (provider default: {})",
                Prop::RedshiftParameterGroupRequireSsl
                    .default()
                    .map(|(_, s)| s)
                    .unwrap_or("require_ssl is false")
            ),
        )
        .at(span)
    };
    let Some(gf) = model.prop_set(i, Prop::RedshiftClusterClusterParameterGroupName) else {
        return default_fail(
            "no parameter group is set, so AWS's default group applies".into(),
            r.span,
        );
    };
    let Some(g) = util::target(model, &r.unit, &gf.value) else {
        return match gf.text() {
            Ok(Some(name)) if name.starts_with("default.") => default_fail(
                format!("AWS's default parameter group {name} applies"),
                gf.span(model, i),
            ),
            _ => group_not_read(model, i, &gf, name),
        };
    };
    let gr = &model.resources[g];
    match read_parameter(model, g, name, &REDSHIFT_PARAMETERS) {
        (Some(v), vspan) => match switch(&v) {
            Some(on) => {
                let detail = format!(
                    "parameter group {} sets require_ssl = {}",
                    gr.address,
                    util::text(Some(&v)).ok().flatten().unwrap_or_default()
                );
                if on {
                    Finding::pass(i, detail)
                } else {
                    Finding::fail(i, format!("{detail}: connections without TLS are accepted"))
                }
                .at(vspan)
                .at(gf.span(model, i))
            }
            None => Finding::new(
                i,
                Outcome::of_value(&v),
                format!("require_ssl in {} cannot be read", gr.address),
            )
            .at(vspan),
        },
        (None, span) => default_fail(
            format!("parameter group {} does not set require_ssl", gr.address),
            span,
        )
        .at(gf.span(model, i)),
    }
}

fn elasticache_tls(model: &Model, i: usize) -> Finding {
    let r = &model.resources[i];
    let (enabled, mode) = match r.kind {
        Kind::ElasticacheReplicationGroup => (
            Prop::ElasticacheReplicationGroupTransitEncryptionEnabled,
            Some(Prop::ElasticacheReplicationGroupTransitEncryptionMode),
        ),
        _ => (Prop::ElasticacheClusterTransitEncryptionEnabled, None),
    };
    let set = model.prop_set(i, enabled);
    let flag = set.as_ref().map(Found::flag).unwrap_or(Ok(None));
    let span = set.as_ref().map(|f| f.span(model, i)).unwrap_or(r.span);
    match flag {
        Err(v) => Finding::new(
            i,
            Outcome::of_value(&v),
            "whether in-transit encryption is enabled cannot be read",
        )
        .at(span),
        Ok(None) => {
            let note = default_of(model, i, enabled)
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
            match mode.and_then(|m| model.prop_set(i, m)) {
                Some(f) => match f.text() {
                    Ok(Some(m)) if m.eq_ignore_ascii_case("preferred") => Finding::fail(
                        i,
                        "transit encryption mode is preferred: unencrypted connections are still accepted",
                    )
                    .at(f.span(model, i)),
                    Ok(_) => Finding::pass(i, "in-transit encryption is required").at(f.span(model, i)),
                    Err(u) => Finding::new(
                        i,
                        Outcome::of_value(&u),
                        "the transit encryption mode cannot be read",
                    )
                    .at(f.span(model, i)),
                },
                None => {
                    let note = mode
                        .and_then(|m| default_of(model, i, m))
                        .map(|d| format!(" ({})", d.note()))
                        .unwrap_or_default();
                    Finding::pass(i, format!("in-transit encryption is enabled{note}")).at(span)
                }
            }
        }
    }
}

/// One in-transit setting of a store, as the code or AWS's default leaves it: `Ok((value,
/// span, note))` with the default's documentation as the note when the code is silent.
fn transit_setting(model: &Model, i: usize, prop: Prop) -> Result<(String, Span, String), Finding> {
    let Some(f) = model.prop(i, prop) else {
        // Not set, and no default is documented: open, never taken as off or on.
        let name = prop.canonical();
        return Err(Finding::new(
            i,
            Outcome::unknown(
                Cause::NotExpressible,
                format!("{name} is not set and AWS documents no default for it"),
            ),
            format!("whether unencrypted connections are refused is not settled: {name} is not set and no default is documented"),
        )
        .at(model.resources[i].span));
    };
    let span = f.span(model, i);
    let row = prop.row();
    let note = match &f.origin {
        // No language can set it: AWS fixes it, and that is the reason.
        crate::model::PropOrigin::Default { source }
            if row.terraform == "-" && row.cloudformation == "-" =>
        {
            format!(" (fixed by AWS: {source})")
        }
        crate::model::PropOrigin::Default { source } => format!(" (provider default: {source})"),
        _ => String::new(),
    };
    match f.text() {
        Ok(t) => Ok((t.unwrap_or_default(), span, note)),
        Err(u) => Err(Finding::new(
            i,
            Outcome::of_value(&u),
            format!("{} cannot be read", prop.canonical()),
        )
        .at(span)),
    }
}

/// An OpenSearch (or Elasticsearch) domain refuses plain HTTP only with EnforceHTTPS, and
/// its nodes encrypt what they exchange only with node-to-node encryption.
fn opensearch_tls(model: &Model, i: usize) -> Finding {
    needs_all(
        model,
        i,
        &[
            Needed {
                prop: Prop::OpensearchDomainEnforceHTTPS,
                on: "true",
                off: |_, note| {
                    format!(
                        "HTTPS is not enforced{note}: clients may query the domain over plain HTTP"
                    )
                },
                holds: "HTTPS is enforced",
            },
            Needed {
                prop: Prop::OpensearchDomainNodeToNodeEncryptionEnabled,
                on: "true",
                off: |_, note| {
                    format!("node-to-node encryption is off{note}: the domain's nodes exchange data unencrypted")
                },
                holds: "nodes encrypt their traffic",
            },
        ],
    )
}

/// An MSK cluster refuses plaintext clients only with ClientBroker TLS, and encrypts the
/// traffic between its brokers only with InCluster.
fn msk_tls(model: &Model, i: usize) -> Finding {
    let (client, inside) = match model.resources[i].kind {
        Kind::MskServerlessCluster => (
            Prop::MskServerlessClusterClientBroker,
            Prop::MskServerlessClusterInCluster,
        ),
        _ => (Prop::MskClusterClientBroker, Prop::MskClusterInCluster),
    };
    needs_all(
        model,
        i,
        &[
            Needed {
                prop: client,
                on: "TLS",
                off: |v, note| {
                    format!(
                        "client-broker encryption is {v}{note}: clients may connect in plaintext"
                    )
                },
                holds: "clients connect over TLS only",
            },
            Needed {
                prop: inside,
                on: "true",
                off: |_, note| {
                    format!(
                        "in-cluster encryption is off{note}: brokers replicate data unencrypted"
                    )
                },
                holds: "brokers encrypt their traffic",
            },
        ],
    )
}

/// One of the settings a store needs on to refuse unencrypted traffic: its property, the value
/// that means on, what the store does when it is off (from the value and the default's note),
/// and what it does when it is on.
struct Needed {
    prop: Prop,
    on: &'static str,
    off: fn(&str, &str) -> String,
    holds: &'static str,
}

/// A store that refuses unencrypted traffic only with every one of `needed` on: one known to
/// be off fails it, whatever the code leaves open about the others; one not settled leaves it
/// open; all on pass, with each one's evidence.
fn needs_all(model: &Model, i: usize, needed: &[Needed]) -> Finding {
    let read: Vec<_> = needed
        .iter()
        .map(|n| transit_setting(model, i, n.prop))
        .collect();
    // Every setting that is off is named; a setting the code writes locates the finding
    // before one left at its default (which can only point at the resource).
    let mut off: Vec<(bool, String, Span)> = needed
        .iter()
        .zip(&read)
        .filter_map(|(n, r)| match r {
            Ok((v, at, note)) if !v.eq_ignore_ascii_case(n.on) => {
                Some((!note.is_empty(), (n.off)(v, note), *at))
            }
            _ => None,
        })
        .collect();
    if !off.is_empty() {
        off.sort_by_key(|(defaulted, _, _)| *defaulted);
        let detail = off.iter().map(|(_, d, _)| d.as_str()).collect::<Vec<_>>();
        let spans: Vec<Span> = off.iter().map(|(_, _, at)| *at).collect();
        return Finding::fail(i, detail.join("; ")).at_all(spans);
    }
    let mut holds = Vec::new();
    let mut spans = Vec::new();
    for (n, r) in needed.iter().zip(read) {
        match r {
            Ok((_, at, note)) => {
                holds.push(format!("{}{note}", n.holds));
                spans.push(at);
            }
            Err(unsettled) => return unsettled,
        }
    }
    Finding::pass(i, holds.join(" and ")).at_all(spans)
}

/// An ElastiCache Serverless cache takes TLS connections only: AWS fixes it.
fn serverless_cache_tls(model: &Model, i: usize) -> Finding {
    let prop = Prop::ElasticacheServerlessCacheTransitEncryptionEnabled;
    match transit_setting(model, i, prop) {
        Err(f) => f,
        Ok((on, at, note)) if on.eq_ignore_ascii_case("true") => {
            Finding::pass(i, format!("in-transit encryption is required{note}")).at(at)
        }
        Ok((_, at, note)) => Finding::fail(
            i,
            format!("in-transit encryption is not required{note}: clients connect without TLS"),
        )
        .at(at),
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

/// Deployed resources of this kind that reference `to` through `label`.
fn referrers_of(model: &Model, to: usize, label: Label, kind: Kind) -> Vec<usize> {
    util::referrers(model, to, label)
        .into_iter()
        .filter(|&x| model.resources[x].kind == kind && util::deployed(&model.resources[x]))
        .collect()
}

/// The span of a setting; a Terraform block (a list) points at its first instance.
fn block_span(model: &Model, i: usize, list: Prop, found: &Found) -> Span {
    match model.items(i, list).first() {
        Some(item) => item.span(),
        None => found.span(model, i),
    }
}

fn cloudfront_logs(model: &Model, i: usize) -> Finding {
    let r = &model.resources[i];
    if let Some(f) = model.prop_set(i, Prop::CloudfrontDistributionLogging) {
        return Finding::pass(i, "standard logging writes every request to S3").at(block_span(
            model,
            i,
            Prop::CloudfrontDistributionLogging,
            &f,
        ));
    }
    // Standard logging v2: a CloudWatch Logs delivery source for the distribution's access
    // logs, with a delivery to a destination.
    let sources: Vec<usize> =
        referrers_of(model, i, Label::DeliversLogsOf, Kind::LogsDeliverySource)
            .into_iter()
            .filter(|&s| {
                model
                    .prop_set(s, Prop::LogsDeliverySourceLogType)
                    .and_then(|f| f.as_str().map(|t| t == "ACCESS_LOGS"))
                    .unwrap_or(true)
            })
            .collect();
    for &s in &sources {
        let deliveries = referrers_of(model, s, Label::DeliverySource, Kind::LogsDelivery);
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

/// The access log setting of a stage-like resource (a stage, a deployment's stage
/// description, a SAM API's own stage): its span when set.
fn stage_log(model: &Model, i: usize) -> Option<Span> {
    [
        Prop::ApigatewayStageAccessLogSettingDestinationArn,
        Prop::ApigatewayDeploymentStageDescriptionAccessLogSettingDestinationArn,
        Prop::ApigatewayRestApiAccessLogSettingDestinationArn,
        Prop::Apigatewayv2StageAccessLogSettingsDestinationArn,
        Prop::Apigatewayv2ApiAccessLogSettingsDestinationArn,
    ]
    .into_iter()
    .find_map(|p| model.prop_set(i, p))
    .map(|f| f.span(model, i))
}

fn api_logs(model: &Model, i: usize, rest: bool) -> Finding {
    let r = &model.resources[i];
    // SAM APIs carry their stage's settings themselves.
    if model.can_express(i, Prop::ApigatewayRestApiStageName)
        || model.can_express(i, Prop::Apigatewayv2ApiStageName)
    {
        return match stage_log(model, i) {
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
        referrers_of(model, i, Label::InApi, Kind::Apigatewayv2Stage)
    };
    let mut logged = Vec::new();
    let mut unlogged = Vec::new();
    for &s in &stages {
        let sr = &model.resources[s];
        if !util::deployed(sr) {
            continue;
        }
        if sr.kind == Kind::ApigatewayDeployment
            && model
                .prop_set(s, Prop::ApigatewayDeploymentStageName)
                .is_none()
        {
            continue;
        }
        match stage_log(model, s) {
            Some(span) => logged.push((s, span)),
            None => unlogged.push(s),
        }
    }
    // A quick-create HTTP API deploys a `$default` stage with no access logs.
    let quick = !rest && model.prop_set(i, Prop::Apigatewayv2ApiTarget).is_some();
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
    if let Some(policy) = model.prop_set(i, Prop::ElbLoadBalancerAccessLoggingPolicy) {
        let enabled = model.prop_set(i, Prop::ElbLoadBalancerAccessLoggingPolicyEnabled);
        return match enabled.as_ref().map(Found::flag).unwrap_or(Ok(None)) {
            Ok(Some(true)) => Finding::pass(i, "access logging is enabled"),
            Ok(_) => Finding::fail(i, "the access logging policy is disabled"),
            Err(v) => Finding::new(
                i,
                Outcome::of_value(&v),
                "whether access logging is enabled cannot be read",
            ),
        }
        .at(policy.span(model, i));
    }
    let attrs = model
        .prop_set(i, Prop::ElbLoadBalancerLoadBalancerAttributes)
        .filter(|f| matches!(*f.value, Value::List(_)));
    if let Some(attrs) = attrs {
        let span = attrs.span(model, i);
        for a in model.items(i, Prop::ElbLoadBalancerLoadBalancerAttributes) {
            let key = a.prop_set(Prop::ElbLoadBalancerLoadBalancerAttributesKey);
            if key.as_ref().and_then(Found::as_str) == Some("access_logs.s3.enabled") {
                let v = a
                    .prop_set(Prop::ElbLoadBalancerLoadBalancerAttributesValue)
                    .map(|v| v.value.into_owned())
                    .unwrap_or(Value::Null);
                return match util::flag(Some(&v)) {
                    Ok(Some(true)) => {
                        Finding::pass(i, "access logging is enabled (access_logs.s3.enabled)")
                    }
                    Ok(_) => Finding::fail(i, "access_logs.s3.enabled is false"),
                    Err(u) => Finding::new(
                        i,
                        Outcome::of_value(&u),
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
        .at(span);
    }
    match model.prop_set(i, Prop::ElbLoadBalancerAccessLogs) {
        Some(block) => {
            let enabled = model.prop_set(i, Prop::ElbLoadBalancerAccessLogsEnabled);
            let span = match &enabled {
                Some(f) => f.span(model, i),
                None => block_span(model, i, Prop::ElbLoadBalancerAccessLogs, &block),
            };
            match enabled.as_ref().map(Found::flag).unwrap_or(Ok(None)) {
                Ok(Some(true)) => Finding::pass(i, "access logging is enabled"),
                Ok(Some(false)) => Finding::fail(i, "the access_logs block sets enabled = false"),
                Ok(None) => {
                    let row = default_of(model, i, Prop::ElbLoadBalancerAccessLogsEnabled);
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
                    Outcome::of_value(&v),
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

/// Where a bucket's server access logs are set: the bucket's own logging setting, else its
/// logging resource.
fn s3_logging(model: &Model, i: usize) -> Option<Span> {
    if let Some(f) = model.prop_set(i, Prop::S3BucketLoggingConfiguration) {
        return Some(block_span(model, i, Prop::S3BucketLoggingConfiguration, &f));
    }
    model
        .facets_of(i)
        .find(|&f| model.resources[f].facet == Some("logging"))
        .map(|f| model.resources[f].span)
}

/// Buckets that receive S3 server access logs (they do not log themselves).
fn log_targets(model: &Model) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.kind != Kind::S3Bucket {
            continue;
        }
        for f in model.props(i, Prop::S3BucketLoggingConfigurationDestinationBucketName) {
            out.extend(
                util::targets(model, &r.unit, &f.value)
                    .into_iter()
                    .flatten(),
            );
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The data resource type of S3 object-level events in a CloudTrail event selector (a value
/// of the selector, not a resource type of the code).
const S3_OBJECT_DATA: &str = "AWS::S3::Object";

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
        for d in model.items(t, Prop::CloudtrailTrailEventSelectorsDataResources) {
            let ty = d.prop_set(Prop::CloudtrailTrailEventSelectorsDataResourcesType);
            if ty.as_ref().and_then(Found::as_str) != Some(S3_OBJECT_DATA) {
                continue;
            }
            let Some(values) = d.prop_set(Prop::CloudtrailTrailEventSelectorsDataResourcesValues)
            else {
                continue;
            };
            for v in util::items(&values.value) {
                match render(v).as_deref() {
                    Some("arn:aws:s3") | Some("arn:aws:s3:::") | Some("arn:*:s3:::") => all = true,
                    _ => buckets.extend(util::targets(model, &r.unit, v).into_iter().flatten()),
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
        let f = match s3_logging(model, i) {
            Some(span) => Finding::pass(i, "server access logging is enabled").at(span),
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
