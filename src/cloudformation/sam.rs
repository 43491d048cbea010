//! The SAM transform (`Transform: AWS::Serverless-2016-10-31`), as the SAM translator expands
//! it, so that a SAM template and its Terraform twin give the same model.
//!
//! - `Globals` merge into each serverless resource first: maps merge (the resource wins), lists
//!   add up (globals first), anything else is the resource's own.
//! - An `AWS::Serverless::Function` stays one resource of its type; what SAM turns into other
//!   resources moves there: without a `Role`, the execution role `<Id>Role` (trust policy, the
//!   managed policies SAM adds, `Policies` as managed ARNs, inline documents and expanded policy
//!   templates named `<Id>RolePolicy<N>`), event sources as event source mappings, permissions,
//!   rules and subscriptions, and `FunctionUrlConfig` as a function URL. Generated resources
//!   name the function in `generated_by` and point at the lines they came from.
//! - `Api` and `HttpApi` events become what the translator writes into the API: a REST method
//!   (`<Id><Event>`, on a resource `<Id><Event>Resource` for its path, with a request validator
//!   when `RequestModel` sets `ValidateBody`/`ValidateParameters`) or an HTTP API route with its
//!   Lambda integration, on the named SAM API or on the implicit `ServerlessRestApi` (with its
//!   `Prod` stage) / `ServerlessHttpApi`, generated once per template. The authorization is the
//!   event's `Auth.Authorizer`, else the API's `Auth.DefaultAuthorizer` (`Globals` merged), else
//!   `NONE`; a named authorizer is Cognito, JWT or a Lambda authorizer by its `Authorizers`
//!   entry. An event on an API declared as plain resources gets none: that API declares its
//!   methods itself.
//! - Other serverless resources (`Api`, `HttpApi`, `SimpleTable`, …) are kept as written after
//!   the merge: the vocabulary maps them to the kinds of what SAM deploys.

use super::frame::Stack;
use super::intrinsics::is_intrinsic;
use super::policy_templates::{self, json_to_node, PolicyTemplate};
use super::values::{key_text, Scope};
use crate::model::{self, Language, Part, Reason, Resource, Symbol, Value};
use crate::source::Span;
use crate::syntax::yaml::{Node, NodeValue};
use crate::terraform::values::{interpolate, push_text};

/// Function properties that describe other resources (the role, event sources, the URL): they
/// move to what SAM generates, so the function has no edges the deployed function lacks.
const MOVED_PROPERTIES: &[&str] = &[
    "Policies",
    "Events",
    "AssumeRolePolicyDocument",
    "PermissionsBoundary",
    "RolePath",
    "FunctionUrlConfig",
];

/// Event types that SAM turns into an `AWS::Lambda::EventSourceMapping`, with the property
/// naming the source and the managed policy SAM attaches for it.
const PULL_EVENTS: &[(&str, &str, Option<&str>)] = &[
    ("SQS", "Queue", Some("AWSLambdaSQSQueueExecutionRole")),
    ("Kinesis", "Stream", Some("AWSLambdaKinesisExecutionRole")),
    ("DynamoDB", "Stream", Some("AWSLambdaDynamoDBExecutionRole")),
    ("MSK", "Stream", Some("AWSLambdaMSKExecutionRole")),
    ("MQ", "Broker", None),
    ("DocumentDB", "Cluster", None),
    ("SelfManagedKafka", "", None),
];

fn pull_event(ty: &str) -> Option<&'static (&'static str, &'static str, Option<&'static str>)> {
    PULL_EVENTS.iter().find(|(t, _, _)| *t == ty)
}

const RULE_EVENTS: &[&str] = &["Schedule", "CloudWatchEvent", "EventBridgeRule"];

/// Logical ids the transform will generate for a resource, with their types, so that
/// `!GetAtt MyFunctionRole.Arn` resolves like any other reference.
pub fn generated_ids(id: &str, ty: &str, node: &Node) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    if ty != "AWS::Serverless::Function" {
        return out;
    }
    let props = node.get("Properties");
    if props.and_then(|p| p.get("Role")).is_none() {
        out.push((format!("{id}Role"), "AWS::IAM::Role"));
    }
    if props.and_then(|p| p.get("FunctionUrlConfig")).is_some() {
        out.push((format!("{id}Url"), "AWS::Lambda::Url"));
    }
    for (k, ev) in props
        .and_then(|p| p.get("Events"))
        .map(Node::entries)
        .unwrap_or_default()
    {
        let (Some(name), Some(t)) = (key_text(k), ev.get("Type").and_then(Node::as_str)) else {
            continue;
        };
        if pull_event(t).is_some() {
            out.push((format!("{id}{name}"), "AWS::Lambda::EventSourceMapping"));
        } else {
            out.push((format!("{id}{name}Permission"), "AWS::Lambda::Permission"));
        }
        if RULE_EVENTS.contains(&t) {
            out.push((format!("{id}{name}"), "AWS::Events::Rule"));
        }
        if t == "SNS" {
            out.push((format!("{id}{name}"), "AWS::SNS::Subscription"));
        }
        if t == "Api" {
            out.push((format!("{id}{name}"), "AWS::ApiGateway::Method"));
            out.push(("ServerlessRestApi".into(), "AWS::ApiGateway::RestApi"));
            out.push((
                "ServerlessRestApiProdStage".into(),
                "AWS::ApiGateway::Stage",
            ));
        }
        if t == "HttpApi" {
            out.push((format!("{id}{name}"), "AWS::ApiGatewayV2::Route"));
            out.push(("ServerlessHttpApi".into(), "AWS::ApiGatewayV2::Api"));
        }
    }
    out
}

/// Merges a `Globals` section into a resource's properties.
/// The referenceable properties of SAM resources (`Ref MyApi.Stage`, `Ref MyFunction.Alias`):
/// each names a resource the transform generates, so a reference to it is no undefined name.
/// From AWS SAM's "Generated CloudFormation resources" documentation.
const REFERENCEABLE: &[(&str, &[&str])] = &[
    ("AWS::Serverless::Function", &["Alias", "Version"]),
    (
        "AWS::Serverless::Api",
        &[
            "Stage",
            "Deployment",
            "DomainName",
            "UsagePlan",
            "UsagePlanKey",
            "ApiKey",
        ],
    ),
    ("AWS::Serverless::HttpApi", &["Stage", "DomainName"]),
];

/// Whether `property` is a referenceable property of a SAM resource of type `ty`.
pub fn referenceable(ty: &str, property: &str) -> bool {
    REFERENCEABLE
        .iter()
        .any(|(t, properties)| *t == ty && properties.contains(&property))
}

fn merge(global: &Node, local: &Node) -> Node {
    if local.value == NodeValue::Null {
        return global.clone();
    }
    if is_intrinsic(global) || is_intrinsic(local) {
        return local.clone();
    }
    let value = match (&global.value, &local.value) {
        (NodeValue::Map(g), NodeValue::Map(l)) => {
            let same = |a: &Node, b: &Node| key_text(a).is_some() && key_text(a) == key_text(b);
            let mut entries = Vec::with_capacity(g.len() + l.len());
            for (gk, gv) in g {
                match l.iter().find(|(lk, _)| same(lk, gk)) {
                    Some((lk, lv)) => entries.push((lk.clone(), merge(gv, lv))),
                    None => entries.push((gk.clone(), gv.clone())),
                }
            }
            for (lk, lv) in l {
                if !g.iter().any(|(gk, _)| same(gk, lk)) {
                    entries.push((lk.clone(), lv.clone()));
                }
            }
            NodeValue::Map(entries)
        }
        (NodeValue::Seq(g), NodeValue::Seq(l)) => {
            NodeValue::Seq(g.iter().chain(l.iter()).cloned().collect())
        }
        _ => return local.clone(),
    };
    Node {
        value,
        tag: None,
        span: local.span,
    }
}

/// `arn:${AWS::Partition}:iam::aws:policy/<path><name>`.
fn managed_arn(name: &str) -> Value {
    Value::Template(vec![
        Part::Text("arn:".into()),
        Part::Symbol(Symbol::Partition),
        Part::Text(format!(
            ":iam::aws:policy/{}{name}",
            policy_templates::managed_policy_path(name)
        )),
    ])
}

fn text(s: &str) -> Value {
    Value::String(s.to_string().into())
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// The trust policy SAM gives a function's generated role.
fn lambda_trust() -> Value {
    map(vec![
        ("Version", text("2012-10-17")),
        (
            "Statement",
            Value::List(vec![map(vec![
                ("Action", Value::List(vec![text("sts:AssumeRole")])),
                ("Effect", text("Allow")),
                (
                    "Principal",
                    map(vec![(
                        "Service",
                        Value::List(vec![text("lambda.amazonaws.com")]),
                    )]),
                ),
            ])]),
        ),
    ])
}

/// What one serverless resource expands to.
struct Expansion<'s, 'a> {
    stack: &'s Stack<'a>,
    id: &'s str,
    address: String,
    span: Span,
    condition: Option<model::Condition>,
    out: Vec<Resource>,
}

impl Expansion<'_, '_> {
    fn generated(&self, logical_id: &str, ty: &str, span: Span) -> Resource {
        let mut r = Resource::new(
            self.stack.unit(),
            self.stack.address(logical_id),
            ty,
            Language::CloudFormation,
            span,
        );
        r.generated_by = Some(self.address.clone());
        r.condition = self.condition.clone();
        r
    }

    fn function_ref(&self, attribute: &str) -> Value {
        self.stack.resource_ref(self.id, attribute)
    }

    /// Copies an event's or config's properties into a generated resource, renaming `rename`.
    fn copy_properties(&self, props: Option<&Node>, rename: &[(&str, &str)], r: &mut Resource) {
        for (k, v) in props.map(Node::entries).unwrap_or_default() {
            let Some(name) = key_text(k) else { continue };
            let name = rename
                .iter()
                .find(|(from, _)| *from == name)
                .map(|(_, to)| to.to_string())
                .unwrap_or(name);
            let value = self.stack.eval(v, &Scope::new());
            if value == Value::Symbol(Symbol::NoValue) {
                continue;
            }
            r.attribute_spans
                .insert(name.clone(), self.stack.entry_span(k, v));
            self.stack.record_spans(&name, v, &mut r.attribute_spans);
            r.attributes.insert(name, value);
        }
    }

    fn permission(
        &mut self,
        logical_id: &str,
        principal: &str,
        source: Option<(&str, Value)>,
        span: Span,
    ) {
        let mut p = self.generated(logical_id, "AWS::Lambda::Permission", span);
        p.attributes.insert("Action", text("lambda:InvokeFunction"));
        p.attributes.insert("FunctionName", self.function_ref(""));
        p.attributes.insert("Principal", text(principal));
        if let Some((k, v)) = source {
            p.attributes.insert(k, v);
        }
        self.out.push(p);
    }
}

/// Expands one serverless resource (after merging `Globals`).
pub fn expand(
    stack: &Stack,
    id: &str,
    ty: &str,
    span: Span,
    props: Option<&Node>,
    condition: Option<model::Condition>,
) -> Vec<Resource> {
    let section = ty.trim_start_matches("AWS::Serverless::");
    let globals = stack
        .template
        .doc
        .get("Globals")
        .and_then(|g| g.get(section));
    let merged;
    let props = match (globals, props) {
        (Some(g), Some(p)) => {
            merged = merge(g, p);
            Some(&merged)
        }
        (Some(g), None) => Some(g),
        (None, p) => p,
    };
    let mut x = Expansion {
        stack,
        id,
        address: stack.address(id),
        span,
        condition,
        out: Vec::new(),
    };
    if ty == "AWS::Serverless::Function" {
        function(&mut x, props);
    } else {
        let mut r = Resource::new(
            stack.unit(),
            x.address.clone(),
            ty,
            Language::CloudFormation,
            span,
        );
        r.condition = x.condition.clone();
        if let Some(p) = props {
            stack.eval_properties(p, &super::openapi_body::skipped(props), &mut r);
        }
        let generated = super::openapi_body::lower(stack, &mut r, props);
        x.out.push(r);
        x.out.extend(generated);
    }
    x.out
}

fn function(x: &mut Expansion, props: Option<&Node>) {
    let stack = x.stack;
    let id = x.id;
    let mut f = Resource::new(
        stack.unit(),
        x.address.clone(),
        "AWS::Serverless::Function",
        Language::CloudFormation,
        x.span,
    );
    f.condition = x.condition.clone();
    if let Some(p) = props {
        stack.eval_properties(p, MOVED_PROPERTIES, &mut f);
    }
    let prop = |name: &str| props.and_then(|p| p.get(name));
    let mut managed: Vec<(Value, Option<Span>)> =
        vec![(managed_arn("AWSLambdaBasicExecutionRole"), None)];
    if f.attributes.contains_key("Tracing") {
        managed.push((managed_arn("AWSXrayWriteOnlyAccess"), None));
    }
    if f.attributes.contains_key("VpcConfig") {
        managed.push((managed_arn("AWSLambdaVPCAccessExecutionRole"), None));
    }
    let role_id = format!("{id}Role");
    let mut policies: Vec<Value> = Vec::new();
    let mut policy_spans: crate::model::VecMap<Span> = crate::model::VecMap::new();
    if let Some(list) = prop("Policies") {
        let entries: Vec<&Node> = match &list.value {
            NodeValue::Seq(items) if !is_intrinsic(list) => items.iter().collect(),
            _ => vec![list],
        };
        for (index, entry) in entries.into_iter().enumerate() {
            let espan = stack.span(entry.span);
            let path = format!("Policies[{}]", policies.len());
            let document = policy_entry(stack, entry, &mut managed);
            let Some(document) = document else { continue };
            policy_spans.insert(path.clone(), espan);
            if !is_intrinsic(entry) && entry.get("Statement").is_some() {
                stack.record_spans(&format!("{path}.PolicyDocument"), entry, &mut policy_spans);
            }
            policies.push(map(vec![
                ("PolicyName", text(&format!("{role_id}Policy{index}"))),
                ("PolicyDocument", document),
            ]));
        }
    }

    // Event sources.
    let mut implicit_rest_api = false;
    let mut implicit_http_api = false;
    for (k, ev) in prop("Events").map(Node::entries).unwrap_or_default() {
        let Some(name) = key_text(k) else { continue };
        let espan = stack.entry_span(k, ev);
        let Some(ty) = ev.get("Type").and_then(Node::as_str) else {
            stack.warn(
                ev,
                "template-structure",
                format!("event {name} of {id} has no Type"),
            );
            continue;
        };
        let ep = ev.get("Properties");
        let ep_get = |n: &str| ep.and_then(|p| p.get(n));
        let eval = |n: &Node| stack.eval(n, &Scope::new());
        let event_id = format!("{id}{name}");
        if let Some((_, source, policy)) = pull_event(ty) {
            let mut m = x.generated(&event_id, "AWS::Lambda::EventSourceMapping", espan);
            m.attributes.insert("FunctionName", x.function_ref(""));
            x.copy_properties(ep, &[(source, "EventSourceArn")], &mut m);
            x.out.push(m);
            if let Some(p) = policy {
                managed.push((managed_arn(p), Some(espan)));
            }
            continue;
        }
        let permission_id = format!("{event_id}Permission");
        match ty {
            "Api" | "HttpApi" => {
                let (key, implicit) = if ty == "Api" {
                    ("RestApiId", "ServerlessRestApi")
                } else {
                    ("ApiId", "ServerlessHttpApi")
                };
                let api = match ep_get(key) {
                    Some(n) => eval(n),
                    None => {
                        if ty == "Api" {
                            implicit_rest_api = true;
                        } else {
                            implicit_http_api = true;
                        }
                        stack.resource_ref(implicit, "")
                    }
                };
                let api_value = api.clone();
                let method = ep_get("Method").map(eval);
                let path = ep_get("Path").map(eval);
                let mut parts = vec![Part::Text("arn:".into())];
                parts.push(Part::Symbol(Symbol::Partition));
                push_text(&mut parts, ":execute-api:");
                parts.push(Part::Symbol(Symbol::Region));
                push_text(&mut parts, ":");
                parts.push(Part::Symbol(Symbol::AccountId));
                push_text(&mut parts, ":");
                interpolate(&mut parts, api);
                push_text(&mut parts, "/*");
                if let (Some(m), Some(p)) = (method, path) {
                    let m = match m {
                        Value::String(s) if s.eq_ignore_ascii_case("any") => text("*"),
                        Value::String(s) => Value::String(s.to_ascii_uppercase()),
                        other => other,
                    };
                    push_text(&mut parts, "/");
                    interpolate(&mut parts, m);
                    let p = match p {
                        Value::String(s) if s.len() > 1 => {
                            Value::String(s.trim_end_matches('/').to_string().into())
                        }
                        other => other,
                    };
                    interpolate(&mut parts, p);
                }
                x.permission(
                    &permission_id,
                    "apigateway.amazonaws.com",
                    Some(("SourceArn", Value::Template(parts))),
                    espan,
                );
                // The route itself, on a SAM API of this template or the implicit one; an API
                // declared as plain resources declares its methods itself.
                let sam_type = if ty == "Api" {
                    "AWS::Serverless::Api"
                } else {
                    "AWS::Serverless::HttpApi"
                };
                let target = match ep_get(key) {
                    None => Some(None),
                    Some(_) => logical_of(stack, &api_value)
                        .filter(|l| {
                            stack
                                .resource_node(l)
                                .and_then(|(_, n)| n.get("Type"))
                                .and_then(Node::as_str)
                                == Some(sam_type)
                        })
                        .map(Some),
                };
                if let Some(target) = target {
                    if stack.resource_node(&event_id).is_none() {
                        let section = if ty == "Api" { "Api" } else { "HttpApi" };
                        let api_props = api_properties(stack, target.as_deref(), section);
                        let api_auth = api_props.as_ref().and_then(|p| p.get("Auth"));
                        if ty == "Api" {
                            rest_route(x, &event_id, api_value, api_auth, ep, espan);
                        } else {
                            http_route(x, &event_id, api_value, api_auth, ep, espan);
                        }
                    }
                }
            }
            t if RULE_EVENTS.contains(&t) => {
                let mut rule = x.generated(&event_id, "AWS::Events::Rule", espan);
                x.copy_properties(
                    ep,
                    &[
                        ("Schedule", "ScheduleExpression"),
                        ("Pattern", "EventPattern"),
                    ],
                    &mut rule,
                );
                rule.attributes.insert(
                    "Targets",
                    Value::List(vec![map(vec![
                        ("Arn", x.function_ref("Arn")),
                        ("Id", text(&format!("{event_id}LambdaTarget"))),
                    ])]),
                );
                x.out.push(rule);
                let source = stack.resource_ref(&event_id, "Arn");
                x.permission(
                    &permission_id,
                    "events.amazonaws.com",
                    Some(("SourceArn", source)),
                    espan,
                );
            }
            "S3" => x.permission(
                &permission_id,
                "s3.amazonaws.com",
                Some(("SourceAccount", Value::Symbol(Symbol::AccountId))),
                espan,
            ),
            "SNS" => {
                let topic = ep_get("Topic").map(eval).unwrap_or(Value::Null);
                let mut sub = x.generated(&event_id, "AWS::SNS::Subscription", espan);
                x.copy_properties(ep, &[("Topic", "TopicArn")], &mut sub);
                sub.attributes.insert("Protocol", text("lambda"));
                sub.attributes.insert("Endpoint", x.function_ref("Arn"));
                x.out.push(sub);
                x.permission(
                    &permission_id,
                    "sns.amazonaws.com",
                    Some(("SourceArn", topic)),
                    espan,
                );
            }
            "Cognito" => {
                let pool = match ep_get("UserPool").map(eval) {
                    Some(Value::Ref(r)) => Value::Ref(Box::new(crate::model::Ref {
                        resource: r.resource,
                        attribute: "Arn".into(),
                    })),
                    Some(other) => other,
                    None => Value::Null,
                };
                x.permission(
                    &format!("{id}CognitoPermission"),
                    "cognito-idp.amazonaws.com",
                    Some(("SourceArn", pool)),
                    espan,
                );
            }
            _ => {}
        }
    }
    // The implicit APIs, once per template: with the first function that uses them.
    if implicit_rest_api && first_on_implicit(stack, id, "Api") {
        let api = x.generated("ServerlessRestApi", "AWS::ApiGateway::RestApi", x.span);
        x.out.push(api);
        let mut stage = x.generated(
            "ServerlessRestApiProdStage",
            "AWS::ApiGateway::Stage",
            x.span,
        );
        stage
            .attributes
            .insert("RestApiId", stack.resource_ref("ServerlessRestApi", ""));
        stage.attributes.insert("StageName", text("Prod"));
        x.out.push(stage);
    }
    if implicit_http_api && first_on_implicit(stack, id, "HttpApi") {
        let mut api = x.generated("ServerlessHttpApi", "AWS::ApiGatewayV2::Api", x.span);
        api.attributes.insert("ProtocolType", text("HTTP"));
        x.out.push(api);
    }

    // Function URL.
    if let Some(url) = prop("FunctionUrlConfig").filter(|u| matches!(u.value, NodeValue::Map(_))) {
        let uspan = stack.span(url.span);
        let mut u = x.generated(&format!("{id}Url"), "AWS::Lambda::Url", uspan);
        u.attributes.insert("TargetFunctionArn", x.function_ref(""));
        x.copy_properties(Some(url), &[], &mut u);
        let public = u.attributes.get("AuthType").and_then(Value::as_str) == Some("NONE");
        x.out.push(u);
        if public {
            let mut p = x.generated(
                &format!("{id}UrlPublicPermissions"),
                "AWS::Lambda::Permission",
                uspan,
            );
            p.attributes
                .insert("Action", text("lambda:InvokeFunctionUrl"));
            p.attributes.insert("FunctionName", x.function_ref(""));
            p.attributes.insert("Principal", text("*"));
            p.attributes.insert("FunctionUrlAuthType", text("NONE"));
            x.out.push(p);
        }
    }

    // The execution role, unless the function names its own.
    if f.attributes.contains_key("Role") || prop("Role").is_some() {
        x.out.push(f);
        return;
    }
    let mut role = x.generated(&role_id, "AWS::IAM::Role", x.span);
    match props.and_then(|p| {
        p.entries()
            .iter()
            .find(|(k, _)| k.as_str() == Some("AssumeRolePolicyDocument"))
    }) {
        Some((k, v)) => {
            role.attributes
                .insert("AssumeRolePolicyDocument", stack.eval(v, &Scope::new()));
            role.attribute_spans
                .insert("AssumeRolePolicyDocument", stack.entry_span(k, v));
            stack.record_spans("AssumeRolePolicyDocument", v, &mut role.attribute_spans);
        }
        None => {
            role.attributes
                .insert("AssumeRolePolicyDocument", lambda_trust());
        }
    }
    let mut arns: Vec<Value> = Vec::new();
    for (arn, span) in managed {
        if arns.contains(&arn) {
            continue;
        }
        if let Some(s) = span {
            role.attribute_spans
                .insert(format!("ManagedPolicyArns[{}]", arns.len()), s);
        }
        arns.push(arn);
    }
    role.attributes
        .insert("ManagedPolicyArns", Value::List(arns));
    if !policies.is_empty() {
        role.attributes.insert("Policies", Value::List(policies));
        role.attribute_spans.extend(policy_spans);
    }
    for (from, to) in [
        ("PermissionsBoundary", "PermissionsBoundary"),
        ("RolePath", "Path"),
    ] {
        if let Some((k, v)) =
            props.and_then(|p| p.entries().iter().find(|(k, _)| k.as_str() == Some(from)))
        {
            let value = stack.eval(v, &Scope::new());
            if value != Value::Symbol(Symbol::NoValue) {
                role.attributes.insert(to, value);
                role.attribute_spans.insert(to, stack.entry_span(k, v));
            }
        }
    }
    f.attributes
        .insert("Role", stack.resource_ref(&role_id, "Arn"));
    x.out.push(role);
    x.out.push(f);
}

/// The logical id of this template's resource a value refers to.
fn logical_of(stack: &Stack, v: &Value) -> Option<String> {
    match v {
        Value::Ref(r) => r
            .resource
            .strip_prefix(stack.prefix.as_str())
            .map(str::to_string),
        _ => None,
    }
}

/// The properties of the SAM API `id` (or of the implicit API: `None`) with `Globals` merged.
fn api_properties(stack: &Stack, id: Option<&str>, section: &str) -> Option<Node> {
    let globals = stack
        .template
        .doc
        .get("Globals")
        .and_then(|g| g.get(section));
    let own = id
        .and_then(|id| stack.resource_node(id))
        .and_then(|(_, n)| n.get("Properties"));
    match (globals, own) {
        (Some(g), Some(p)) => Some(merge(g, p)),
        (Some(g), None) => Some(g.clone()),
        (None, Some(p)) => Some(p.clone()),
        (None, None) => None,
    }
}

/// Whether `id` is the first function of the template with an event of type `ty` on the
/// implicit API: the implicit API is generated once, with it.
fn first_on_implicit(stack: &Stack, id: &str, ty: &str) -> bool {
    let key = if ty == "Api" { "RestApiId" } else { "ApiId" };
    for (k, r) in stack
        .template
        .doc
        .get("Resources")
        .map(Node::entries)
        .unwrap_or_default()
    {
        if r.get("Type").and_then(Node::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        let events = r.get("Properties").and_then(|p| p.get("Events"));
        let uses = events
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .any(|(_, ev)| {
                ev.get("Type").and_then(Node::as_str) == Some(ty)
                    && ev.get("Properties").and_then(|p| p.get(key)).is_none()
            });
        if uses {
            return key_text(k).as_deref() == Some(id);
        }
    }
    false
}

/// The authorization type SAM gives a route: the event's `Auth.Authorizer`, else the API's
/// `Auth.DefaultAuthorizer`, else `NONE`; a named authorizer by its entry in the API's
/// `Auth.Authorizers`. With the span of the setting it came from.
fn authorization(
    stack: &Stack,
    event_auth: Option<&Node>,
    api_auth: Option<&Node>,
    http: bool,
) -> (Value, Option<Span>) {
    let Some(name) = event_auth
        .and_then(|a| a.get("Authorizer"))
        .or_else(|| api_auth.and_then(|a| a.get("DefaultAuthorizer")))
    else {
        return (text("NONE"), None);
    };
    let at = Some(stack.span(name.span));
    let Some(name) = name.as_str().filter(|_| !is_intrinsic(name)) else {
        return (
            Value::unknown(
                Reason::InvalidExpression,
                "an authorizer named by an expression",
            ),
            at,
        );
    };
    let value = match name {
        "NONE" => text("NONE"),
        "AWS_IAM" => text("AWS_IAM"),
        _ => {
            let entry = api_auth
                .and_then(|a| a.get("Authorizers"))
                .and_then(|a| a.get(name));
            match entry {
                Some(e) if !http && e.get("UserPoolArn").is_some() => text("COGNITO_USER_POOLS"),
                Some(e) if http && e.get("JwtConfiguration").is_some() => text("JWT"),
                Some(e) if e.get("FunctionArn").is_some() => text("CUSTOM"),
                _ => Value::unknown(
                    Reason::InvalidExpression,
                    format!("authorizer {name}, which the API's Auth.Authorizers does not define"),
                ),
            }
        }
    };
    (value, at)
}

/// `Type: Api`: the method SAM writes into the API, with a resource for its path and a request
/// validator when the event's `RequestModel` asks for one.
fn rest_route(
    x: &mut Expansion,
    id: &str,
    api: Value,
    api_auth: Option<&Node>,
    ep: Option<&Node>,
    span: Span,
) {
    let stack = x.stack;
    let get = |n: &str| ep.and_then(|p| p.get(n));
    let eval = |n: &Node| stack.eval(n, &Scope::new());
    let mut m = x.generated(id, "AWS::ApiGateway::Method", span);
    m.attributes.insert("RestApiId", api.clone());
    let verb = match get("Method").map(eval) {
        Some(Value::String(s)) => Value::String(s.to_ascii_uppercase()),
        Some(other) => other,
        None => Value::unknown(Reason::InvalidExpression, "an Api event with no Method"),
    };
    m.attributes.insert("HttpMethod", verb);
    let root = match &api {
        Value::Ref(r) => Value::Ref(Box::new(crate::model::Ref {
            resource: r.resource.clone(),
            attribute: "RootResourceId".into(),
        })),
        other => other.clone(),
    };
    match get("Path").map(eval) {
        Some(Value::String(p)) if p.trim_matches('/').is_empty() => {
            m.attributes.insert("ResourceId", root);
        }
        Some(p) => {
            let part = match p {
                Value::String(s) => Value::String(s.trim_matches('/').to_string().into()),
                other => other,
            };
            let rid = format!("{id}Resource");
            let mut r = x.generated(&rid, "AWS::ApiGateway::Resource", span);
            r.attributes.insert("RestApiId", api.clone());
            r.attributes.insert("ParentId", root);
            r.attributes.insert("PathPart", part);
            x.out.push(r);
            m.attributes
                .insert("ResourceId", stack.resource_ref(&rid, ""));
        }
        None => {}
    }
    let auth = get("Auth");
    let (value, at) = authorization(stack, auth, api_auth, false);
    m.attributes.insert("AuthorizationType", value);
    if let Some(at) = at {
        m.attribute_spans.insert("AuthorizationType", at);
    }
    if let Some(k) = auth
        .and_then(|a| a.get("ApiKeyRequired"))
        .or_else(|| api_auth.and_then(|a| a.get("ApiKeyRequired")))
    {
        m.attributes.insert("ApiKeyRequired", eval(k));
        m.attribute_spans
            .insert("ApiKeyRequired", stack.span(k.span));
    }
    if let Some(rm) = get("RequestModel") {
        if let Some(model) = rm.get("Model") {
            m.attributes.insert(
                "RequestModels",
                map(vec![("application/json", eval(model))]),
            );
        }
        // As the translator: a validator only when ValidateBody or ValidateParameters is set.
        let body = rm.get("ValidateBody").map(eval);
        let params = rm.get("ValidateParameters").map(eval);
        if body.is_some() || params.is_some() {
            let vid = format!("{id}Validator");
            let mut v = x.generated(
                &vid,
                "AWS::ApiGateway::RequestValidator",
                stack.span(rm.span),
            );
            v.attributes.insert("RestApiId", api);
            v.attributes
                .insert("ValidateRequestBody", body.unwrap_or(Value::Bool(false)));
            v.attributes.insert(
                "ValidateRequestParameters",
                params.unwrap_or(Value::Bool(false)),
            );
            x.out.push(v);
            m.attributes
                .insert("RequestValidatorId", stack.resource_ref(&vid, ""));
            m.attribute_spans
                .insert("RequestValidatorId", stack.span(rm.span));
        }
    }
    let mut uri = vec![Part::Text("arn:".into()), Part::Symbol(Symbol::Partition)];
    push_text(&mut uri, ":apigateway:");
    uri.push(Part::Symbol(Symbol::Region));
    push_text(&mut uri, ":lambda:path/2015-03-31/functions/");
    interpolate(&mut uri, x.function_ref("Arn"));
    push_text(&mut uri, "/invocations");
    m.attributes.insert(
        "Integration",
        map(vec![
            ("Type", text("AWS_PROXY")),
            ("IntegrationHttpMethod", text("POST")),
            ("Uri", Value::Template(uri)),
        ]),
    );
    x.out.push(m);
}

/// `Type: HttpApi`: the route SAM writes into the API, with its Lambda proxy integration.
fn http_route(
    x: &mut Expansion,
    id: &str,
    api: Value,
    api_auth: Option<&Node>,
    ep: Option<&Node>,
    span: Span,
) {
    let stack = x.stack;
    let get = |n: &str| ep.and_then(|p| p.get(n));
    let eval = |n: &Node| stack.eval(n, &Scope::new());
    let key = match (get("Method").map(eval), get("Path").map(eval)) {
        (None, None) => text("$default"),
        (Some(Value::String(m)), Some(Value::String(p))) => {
            text(&format!("{} {}", m.to_ascii_uppercase(), &*p))
        }
        (Some(m), Some(p)) => {
            let mut parts = Vec::new();
            interpolate(&mut parts, m);
            push_text(&mut parts, " ");
            interpolate(&mut parts, p);
            Value::Template(parts)
        }
        _ => Value::unknown(
            Reason::InvalidExpression,
            "an HttpApi event with only one of Path and Method",
        ),
    };
    let iid = format!("{id}Integration");
    let mut i = x.generated(&iid, "AWS::ApiGatewayV2::Integration", span);
    i.attributes.insert("ApiId", api.clone());
    i.attributes.insert("IntegrationType", text("AWS_PROXY"));
    i.attributes.insert("IntegrationUri", x.function_ref("Arn"));
    let payload = get("PayloadFormatVersion")
        .map(eval)
        .unwrap_or_else(|| text("2.0"));
    i.attributes.insert("PayloadFormatVersion", payload);
    x.out.push(i);
    let mut r = x.generated(id, "AWS::ApiGatewayV2::Route", span);
    r.attributes.insert("ApiId", api);
    r.attributes.insert("RouteKey", key);
    let mut target = vec![Part::Text("integrations/".into())];
    interpolate(&mut target, stack.resource_ref(&iid, ""));
    r.attributes.insert("Target", Value::Template(target));
    let (value, at) = authorization(stack, get("Auth"), api_auth, true);
    r.attributes.insert("AuthorizationType", value);
    if let Some(at) = at {
        r.attribute_spans.insert("AuthorizationType", at);
    }
    x.out.push(r);
}

/// One entry of a function's `Policies`: a managed policy goes to `managed`; an inline
/// document or an expanded policy template is returned.
fn policy_entry(
    stack: &Stack,
    entry: &Node,
    managed: &mut Vec<(Value, Option<Span>)>,
) -> Option<Value> {
    let espan = stack.span(entry.span);
    if is_intrinsic(entry) {
        return match stack.eval(entry, &Scope::new()) {
            Value::Symbol(Symbol::NoValue) => None,
            v if v.get("Statement").is_some() => Some(v),
            v => {
                managed.push((v, Some(espan)));
                None
            }
        };
    }
    match &entry.value {
        NodeValue::String(name) => {
            let arn = if name.starts_with("arn:") {
                Value::String(name.clone().into())
            } else {
                managed_arn(name)
            };
            managed.push((arn, Some(espan)));
            None
        }
        NodeValue::Map(_) if entry.get("Statement").is_some() => {
            Some(stack.eval(entry, &Scope::new()))
        }
        NodeValue::Map(entries) => {
            let [(k, params)] = entries.as_slice() else {
                stack.warn(
                    entry,
                    "template-structure",
                    "a policy is neither a managed policy, a document with Statement nor a policy template".into(),
                );
                return None;
            };
            let name = key_text(k).unwrap_or_default();
            match policy_templates::get(&name) {
                Some(t) => Some(expand_template(stack, &name, t, params, entry)),
                None => {
                    stack.warn(
                        k,
                        "template-structure",
                        format!("{name} is not a SAM policy template"),
                    );
                    None
                }
            }
        }
        _ => {
            stack.warn(
                entry,
                "template-structure",
                "a policy is neither a managed policy, a document with Statement nor a policy template".into(),
            );
            None
        }
    }
}

/// A policy template's document with its parameters bound to the values given.
fn expand_template(
    stack: &Stack,
    name: &str,
    t: &PolicyTemplate,
    params: &Node,
    at: &Node,
) -> Value {
    let mut scope = Scope::new();
    for p in &t.parameters {
        let value = match params.get(p) {
            Some(v) => stack.eval(v, &Scope::new()),
            None => {
                stack.warn(
                    at,
                    "template-structure",
                    format!("policy template {name} needs the parameter {p}"),
                );
                Value::unknown(Reason::InvalidExpression, format!("{name} parameter {p}"))
            }
        };
        scope.insert(p.clone(), value);
    }
    let node = json_to_node(&t.definition, at.span);
    stack.eval(&node, &scope)
}
