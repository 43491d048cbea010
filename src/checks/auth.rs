//! Authentication and tenancy checks: MFA on user pools, authorizers on API routes, tenant
//! claims in tokens.

use super::{no_params, Cause, Check, Facts, Finding, Outcome, Params};
use crate::model::{Kind, Label, Model, Prop};
use crate::network::{util, EdgeKind, EdgeRoute};
use crate::source::Span;

pub(super) fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "cognito.mfa-required",
            about: "each Cognito user pool requires MFA (`mfa_configuration = ON`); users of federated identity providers are left to the provider",
            run: mfa_required,
            validate: no_params,
        },
        Check {
            name: "api.routes-authenticated",
            about: "every method of a REST API, every route of an HTTP API, the `$connect` route of a WebSocket API, every function URL and every forwarding HTTP(S) listener or rule of an internet-facing load balancer requires an authenticated caller",
            run: routes_authenticated,
            validate: no_params,
        },
        Check {
            name: "cognito.tenant-claim",
            about: "each Cognito user pool's tokens can carry a tenant the user cannot set (a custom tenant attribute or a pre token generation trigger); enforcing it is application code",
            run: tenant_claim,
            validate: no_params,
        },
    ]
}

/// `OFF` (the default) and `OPTIONAL` fail; `ON` passes unless the pool federates sign-in to
/// identity providers, whose users' MFA the provider decides (an open question).
fn mfa_required(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let mut out = Vec::new();
    for pool in facts.of_kind(Kind::CognitoUserPool) {
        let r = &model.resources[pool];
        let (setting, span) = match model.prop_set(pool, Prop::CognitoUserPoolMfaConfiguration) {
            Some(f) => (f.text(), f.span(model, pool)),
            None => (Ok(None), r.span),
        };
        let finding = match setting {
            Err(v) => Finding::new(
                pool,
                Outcome::of_value(&v),
                "the MFA setting cannot be read",
            ),
            Ok(None) => Finding::fail(
                pool,
                format!(
                    "no MFA setting: Cognito's default is OFF{}",
                    threat_protection(model, pool)
                ),
            ),
            Ok(Some(s)) if s.eq_ignore_ascii_case("ON") => {
                let providers = util::referrers(model, pool, Label::InUserPool)
                    .into_iter()
                    .filter(|&i| model.resources[i].kind == Kind::CognitoIdentityProvider)
                    .collect::<Vec<_>>();
                if providers.is_empty() {
                    Finding::pass(pool, "MFA is ON for every user")
                } else {
                    let names: Vec<&str> = providers
                        .iter()
                        .map(|&i| model.resources[i].address.as_str())
                        .collect();
                    Finding::new(
                        pool,
                        Outcome::unknown(
                            Cause::IdentityProvider,
                            format!(
                                "users who sign in through {} get MFA only if that identity provider enforces it",
                                names.join(", ")
                            ),
                        ),
                        "MFA is ON for the pool's own users",
                    )
                    .at_all(providers.iter().map(|&i| model.resources[i].span))
                }
            }
            Ok(Some(s)) => Finding::fail(
                pool,
                format!("MFA is {s}, not required{}", threat_protection(model, pool)),
            ),
        };
        out.push(finding.at(span));
    }
    out
}

/// What the pool's threat protection (advanced security mode) adds where MFA is not mandatory.
/// It does not make MFA mandatory, so it never turns the finding: ENFORCED blocks sign-ins with
/// passwords known to be compromised and, with adaptive authentication, challenges risky ones
/// for a second factor only the users who enrolled one can give; AUDIT only records the risk.
fn threat_protection(model: &Model, pool: usize) -> String {
    // Said only where the code sets it: the default (OFF) adds nothing to "MFA is not required",
    // and a finding's words are part of its fingerprint.
    let Some(found) = model.prop_set(pool, Prop::CognitoUserPoolAdvancedSecurityMode) else {
        return String::new();
    };
    match found.text() {
        Ok(Some(m)) if m.eq_ignore_ascii_case("ENFORCED") => {
            "; threat protection is ENFORCED: sign-ins with known-compromised passwords are blocked and risky ones challenged, which narrows the gap for users who enrolled a second factor but does not close it".into()
        }
        Ok(Some(m)) if m.eq_ignore_ascii_case("AUDIT") => {
            "; threat protection is AUDIT: risky sign-ins are recorded, none is blocked".into()
        }
        Ok(Some(m)) => format!(
            "; threat protection is {m}: nothing stands between a stolen password and a session"
        ),
        Ok(None) | Err(_) => "; whether threat protection is on cannot be read".into(),
    }
}

// --- auth.api-authorizer ----------------------------------------------------------------

/// An `OPTIONS` method answered by a mock integration: a CORS preflight that never reaches a
/// backend (browsers send preflights without credentials).
fn mock_preflight(model: &Model, route: &EdgeRoute) -> bool {
    if !route.name.starts_with("OPTIONS ") {
        return false;
    }
    let m = route.resource;
    let is_mock = |r: usize| {
        model
            .prop_set(r, Prop::ApigatewayMethodIntegrationType)
            .is_some_and(|f| f.as_str().is_some_and(|t| t.eq_ignore_ascii_case("MOCK")))
    };
    // The method's own integration, written inline or as a facet of the method.
    if is_mock(m) {
        return true;
    }
    // An integration resource sitting on the same API resource with the literal method.
    let on = |r: usize| {
        model
            .prop_set(r, Prop::ApigatewayMethodResourceId)
            .and_then(|f| util::target(model, &model.resources[r].unit, &f.value))
    };
    let method_on = on(m);
    method_on.is_some()
        && model.resources.iter().enumerate().any(|(k, r)| {
            r.kind == Kind::ApigatewayMethod
                && r.facet == Some("integration")
                && is_mock(k)
                && on(k) == method_on
                && model
                    .prop_set(k, Prop::ApigatewayMethodHttpMethod)
                    .is_some_and(|f| f.as_str() == Some("OPTIONS"))
        })
}

/// The property that holds a route's authorization, by the kind of the route's resource.
fn authorization_of(kind: Kind) -> Option<Prop> {
    match kind {
        Kind::ApigatewayMethod => Some(Prop::ApigatewayMethodAuthorizationType),
        Kind::Apigatewayv2Route => Some(Prop::Apigatewayv2RouteAuthorizationType),
        Kind::LambdaFunctionUrl => Some(Prop::LambdaFunctionUrlAuthType),
        _ => None,
    }
}

fn routes_authenticated(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let mut out = Vec::new();
    for e in facts.public_edges() {
        if e.kind == EdgeKind::LoadBalancer && e.internet_facing == Some(true) {
            out.extend(load_balancer_routes(model, e));
            continue;
        }
        if !matches!(
            e.kind,
            EdgeKind::RestApi | EdgeKind::HttpApi | EdgeKind::WebSocketApi | EdgeKind::FunctionUrl
        ) {
            continue;
        }
        let r = &model.resources[e.resource];
        let websocket = e.kind == EdgeKind::WebSocketApi;
        let routes: Vec<&EdgeRoute> = e
            .routes
            .iter()
            .filter(|x| !websocket || x.name == "$connect")
            .filter(|x| !mock_preflight(model, x))
            .collect();
        // Routes this reading cannot see: an OpenAPI body the frontends could not read (its
        // unknown says why), SAM function events.
        let unread_at = e.unread_body.as_ref().map(|(_, at)| *at);
        let unread = e.unread_body.as_ref().map(|(v, _)| Outcome::of_value(v)).or_else(|| {
            e.notes
                .iter()
                .find(|n| n.contains("not read"))
                .cloned()
                .or_else(|| {
                    (e.routes.is_empty()
                        && (model.can_express(e.resource, Prop::ApigatewayRestApiStageName)
                            || r.generated_by.is_some()))
                    .then(|| {
                        "the routes of a SAM API come from its functions' events, which are not read"
                            .to_string()
                    })
                })
                .filter(|_| routes.is_empty())
                .map(|note| Outcome::unknown(Cause::NotExpressible, note))
        });
        if let Some(outcome) = unread {
            out.push(
                Finding::new(
                    e.resource,
                    outcome,
                    "some routes of this API are defined where vouch does not read them",
                )
                .at_all(unread_at)
                .at(r.span),
            );
        }
        if websocket && routes.is_empty() && !e.routes.is_empty() {
            out.push(
                Finding::fail(
                    e.resource,
                    "no `$connect` route: clients connect without any authorizer",
                )
                .at(r.span),
            );
        }
        for route in routes {
            let what = route.authorization.as_deref().unwrap_or("?");
            let f = match route.authenticated {
                Some(true) => {
                    let lambda = matches!(
                        what.to_ascii_uppercase().as_str(),
                        "CUSTOM" | "TOKEN" | "REQUEST"
                    );
                    Finding::pass(
                        e.resource,
                        format!(
                            "{} requires {what}{}",
                            route.name,
                            if lambda {
                                " (a Lambda authorizer decides; its logic is application code)"
                            } else {
                                ""
                            }
                        ),
                    )
                }
                Some(false) => Finding::fail(
                    e.resource,
                    format!(
                        "{} has authorization {what}: anyone can call it",
                        route.name
                    ),
                ),
                None => {
                    let set = authorization_of(model.resources[route.resource].kind)
                        .and_then(|p| model.prop_set(route.resource, p));
                    let outcome = match set {
                        Some(f) => Outcome::of_value(&f.value),
                        None => Outcome::unknown(
                            Cause::NotExpressible,
                            "the authorization type is not set",
                        ),
                    };
                    Finding::new(
                        e.resource,
                        outcome,
                        format!("the authorization of {} cannot be read", route.name),
                    )
                }
            };
            out.push(f.at(route.evidence.span).at(r.span));
        }
    }
    for api in facts.of_kind(Kind::AppsyncGraphqlApi) {
        out.push(appsync_api(model, api));
    }
    out
}

/// The HTTP(S) listeners and listener rules of an internet-facing load balancer that forward to
/// targets: each must authenticate first (an `authenticate-cognito`, `authenticate-oidc` or
/// `jwt-validation` action), as an API route must have an authorizer; one that forwards
/// without serves any caller. Listeners and rules that only redirect or answer themselves
/// serve no target, and TCP/TLS/UDP listeners (network load balancers) and classic load
/// balancers cannot authenticate at all, so none of them is a route here.
fn load_balancer_routes(model: &Model, e: &crate::network::PublicEdge) -> Vec<Finding> {
    let r = &model.resources[e.resource];
    let mut out = Vec::new();
    for route in &e.routes {
        let (listener, list, ty) = match model.resources[route.resource].kind {
            Kind::ElbListener => (
                route.resource,
                Prop::ElbListenerDefaultActions,
                Prop::ElbListenerDefaultActionsType,
            ),
            Kind::ElbListenerRule => {
                let Some(l) = model
                    .edges
                    .iter()
                    .find(|x| x.from == route.resource && x.label == Label::RuleOf)
                    .map(|x| x.to)
                else {
                    continue;
                };
                (
                    l,
                    Prop::ElbListenerRuleActions,
                    Prop::ElbListenerRuleActionsType,
                )
            }
            _ => continue,
        };
        let http = model
            .prop(listener, Prop::ElbListenerProtocol)
            .and_then(|f| f.text().ok().flatten())
            .map(|p| p.to_ascii_uppercase());
        let http = match http {
            Some(p) => p == "HTTP" || p == "HTTPS",
            // Left out: HTTPS with a certificate, else HTTP (an application load balancer).
            None => true,
        };
        let mut forwards = false;
        let mut unread = None;
        for a in model.items(route.resource, list) {
            match a.prop_set(ty).map(|f| f.text()) {
                Some(Ok(Some(t))) => forwards |= t == "forward",
                Some(Err(v)) => unread = unread.or(Some(v)),
                _ => {}
            }
        }
        if !http {
            continue;
        }
        if let Some(v) = unread {
            out.push(
                Finding::new(
                    e.resource,
                    Outcome::of_value(&v),
                    format!("the action types of {} cannot be read", route.name),
                )
                .at(route.evidence.span)
                .at(r.span),
            );
            continue;
        }
        if !forwards {
            continue;
        }
        let f = match route.authenticated {
            Some(true) => Finding::pass(
                e.resource,
                format!(
                    "{} authenticates callers ({}) before forwarding to its targets",
                    route.name,
                    route.authorization.as_deref().unwrap_or("?")
                ),
            ),
            _ => Finding::fail(
                e.resource,
                format!(
                    "{} forwards to its targets with no authenticate-cognito, authenticate-oidc or jwt-validation action: the load balancer serves any caller",
                    route.name
                ),
            ),
        };
        out.push(f.at(route.evidence.span).at(r.span));
    }
    out
}

/// AppSync authorization modes that identify the caller; `API_KEY` identifies only the client
/// app, with a key every copy of the app carries.
const APPSYNC_AUTHENTICATED: &[&str] = &[
    "AWS_IAM",
    "AMAZON_COGNITO_USER_POOLS",
    "OPENID_CONNECT",
    "AWS_LAMBDA",
];

/// An AppSync GraphQL API: its default authorization mode decides every field the schema does
/// not mark otherwise; an additional `API_KEY` mode opens the fields the schema marks
/// `@aws_api_key` to any holder of the key.
fn appsync_api(model: &Model, api: usize) -> Finding {
    let r = &model.resources[api];
    let Some(primary) = model.prop_set(api, Prop::AppsyncGraphqlApiAuthenticationType) else {
        return Finding::new(
            api,
            Outcome::unknown(
                Cause::NotExpressible,
                "the default authorization mode is not set",
            ),
            "the API's authorization mode cannot be read",
        )
        .at(r.span);
    };
    let at = primary.span(model, api);
    let mode = match primary.text() {
        Ok(Some(m)) => m.to_ascii_uppercase(),
        _ => {
            return Finding::new(
                api,
                Outcome::of_value(&primary.value),
                "the API's default authorization mode cannot be read",
            )
            .at(at)
        }
    };
    if mode == "API_KEY" {
        return Finding::fail(
            api,
            "the default authorization mode is API_KEY: any holder of the key (shipped in every client) calls every field not marked otherwise",
        )
        .at(at);
    }
    if !APPSYNC_AUTHENTICATED.contains(&mode.as_str()) {
        return Finding::new(
            api,
            Outcome::unknown(
                Cause::NotExpressible,
                format!("authorization mode {mode} is not one vouch knows"),
            ),
            format!("the default authorization mode is {mode}"),
        )
        .at(at);
    }
    // Additional modes: an API key opens the fields the schema marks @aws_api_key.
    for extra in model.props(
        api,
        Prop::AppsyncGraphqlApiAdditionalAuthenticationProvidersAuthenticationType,
    ) {
        let extra_at = extra.span(model, api);
        match extra.text() {
            Ok(Some(m)) if m.eq_ignore_ascii_case("API_KEY") => {
                let schema = model.prop_set(api, Prop::AppsyncGraphqlApiSchema);
                return match schema.as_ref().map(|f| (f.as_str(), f.span(model, api))) {
                    Some((Some(text), s)) if text.contains("@aws_api_key") => Finding::fail(
                        api,
                        "an additional API_KEY mode, and the schema opens fields to it (@aws_api_key): any holder of the key calls them",
                    )
                    .at(extra_at)
                    .at(s),
                    Some((Some(_), s)) => Finding::pass(
                        api,
                        format!("requires {mode}; the additional API_KEY mode opens no field (no @aws_api_key in the schema)"),
                    )
                    .at(at)
                    .at(extra_at)
                    .at(s),
                    _ => Finding::new(
                        api,
                        match &schema {
                            Some(f) => Outcome::of_value(&f.value),
                            None => Outcome::unknown(
                                Cause::OutsideTree,
                                "the schema, which says which fields the API key may call, is not in the tree",
                            ),
                        },
                        "an additional API_KEY mode: which fields it opens depends on the schema",
                    )
                    .at(extra_at),
                };
            }
            Ok(Some(m)) if APPSYNC_AUTHENTICATED.contains(&m.to_ascii_uppercase().as_str()) => {}
            _ => {
                return Finding::new(
                    api,
                    Outcome::of_value(&extra.value),
                    "an additional authorization mode cannot be read",
                )
                .at(extra_at)
            }
        }
    }
    Finding::pass(
        api,
        format!("every field requires {mode} or another mode that identifies the caller"),
    )
    .at(at)
}

// --- auth.tenant-claims -----------------------------------------------------------------

use crate::model::tenancy::names_tenant;

fn tenant_claim(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let mut out = Vec::new();
    for pool in facts.of_kind(Kind::CognitoUserPool) {
        let r = &model.resources[pool];
        let trigger = [
            Prop::CognitoUserPoolLambdaConfigPreTokenGenerationConfigLambdaArn,
            Prop::CognitoUserPoolLambdaConfigPreTokenGeneration,
        ]
        .into_iter()
        .find_map(|p| model.prop_set(pool, p));
        // Custom attributes that name a tenant, with their `mutable` flag.
        let mut attrs: Vec<(String, Span, Option<bool>)> = Vec::new();
        for a in model.items(pool, Prop::CognitoUserPoolSchema) {
            let Some(name) = a.prop_set(Prop::CognitoUserPoolSchemaName) else {
                continue;
            };
            let Some(name) = name.as_str() else {
                continue;
            };
            if names_tenant(name) {
                let mutable = a
                    .prop_set(Prop::CognitoUserPoolSchemaMutable)
                    .and_then(|f| f.value.as_bool());
                attrs.push((name.to_string(), a.span(), mutable));
            }
        }
        let self_sign_up = !matches!(
            model
                .prop_set(
                    pool,
                    Prop::CognitoUserPoolAdminCreateUserConfigAllowAdminCreateUserOnly
                )
                .map(|f| f.flag()),
            Some(Ok(Some(true)))
        );
        // App clients that let users write a tenant attribute themselves.
        let mut writable: Vec<(String, crate::source::Span)> = Vec::new();
        for c in util::referrers(model, pool, Label::InUserPool) {
            let cr = &model.resources[c];
            let Some(w) = model.prop_set(c, Prop::CognitoUserPoolClientWriteAttributes) else {
                continue;
            };
            for (name, _, mutable) in &attrs {
                let full = format!("custom:{}", name.trim_start_matches("custom:"));
                let listed = util::items(&w.value)
                    .iter()
                    .any(|x| x.as_str() == Some(full.as_str()));
                if listed && (*mutable != Some(false) || self_sign_up) {
                    writable.push((
                        format!("{} lets users write {full}", cr.address),
                        w.span(model, c),
                    ));
                }
            }
        }
        let groups: Vec<usize> = util::referrers(model, pool, Label::InUserPool)
            .into_iter()
            .filter(|&g| model.resources[g].kind == Kind::CognitoUserGroup)
            .collect();
        let f = if !writable.is_empty() && trigger.is_none() {
            let (details, spans): (Vec<String>, Vec<_>) = writable.into_iter().unzip();
            Finding::fail(
                pool,
                format!(
                    "{}: a user can choose the tenant their token names",
                    details.join("; ")
                ),
            )
            .at_all(spans)
        } else if let Some(t) = &trigger {
            // The question is about the trigger function when it is in the tree: what it puts
            // into the tokens is its code.
            let function = util::target(model, &r.unit, &t.value)
                .filter(|&f| model.resources[f].kind == Kind::LambdaFunction);
            let mut reason = "what the pre token generation trigger adds to the tokens, and whether every backend takes the tenant from them and enforces it".to_string();
            if !writable.is_empty() {
                reason.push_str(&format!(
                    " (the trigger must override the user-writable {})",
                    attrs
                        .iter()
                        .map(|a| a.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            Finding::new(
                function.unwrap_or(pool),
                Outcome::unknown(Cause::ApplicationCode, reason),
                format!(
                    "the pre token generation trigger of {} shapes its tokens",
                    r.address
                ),
            )
            .at(t.span(model, pool))
            .at_all(function.map(|f| model.resources[f].span))
        } else if let Some((name, span, _)) = attrs.first() {
            Finding::new(
                pool,
                Outcome::unknown(
                    Cause::ApplicationCode,
                    format!(
                        "whether every backend takes the tenant from custom:{} (which users cannot write) and enforces it",
                        name.trim_start_matches("custom:")
                    ),
                ),
                format!("custom attribute {name} names the tenant"),
            )
            .at(*span)
        } else if !groups.is_empty() {
            Finding::new(
                pool,
                Outcome::unknown(
                    Cause::ApplicationCode,
                    "whether one of the user's groups (cognito:groups, the only tenant-like claim) names the tenant, and whether every backend enforces it",
                ),
                "no tenant attribute or trigger; the pool has groups",
            )
            .at_all(groups.iter().map(|&g| model.resources[g].span))
        } else {
            Finding::fail(
                pool,
                "tokens carry no tenant: no custom tenant attribute, no pre token generation trigger and no groups",
            )
        };
        out.push(f.at(r.span));
    }
    out
}
