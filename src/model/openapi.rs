//! OpenAPI definitions imported into API Gateway, lowered into what the import creates.
//!
//! An API whose `body` (Terraform), `Body` / `DefinitionBody` (CloudFormation, SAM) or
//! `DefinitionUri` / `AWS::Include` names an OpenAPI 3 or Swagger 2 definition gets its methods
//! (REST APIs) or routes (HTTP APIs) from that definition, not from resources of their own. So
//! that the checks read them like any other method, each operation becomes the resource API
//! Gateway makes of it, written in the canonical vocabulary (CloudFormation's, whatever language
//! declared the API): an `AWS::ApiGateway::Method` on an `AWS::ApiGateway::Resource` for its
//! path, with its request validator (`AWS::ApiGateway::RequestValidator`), or an
//! `AWS::ApiGatewayV2::Route`. Generated resources name the API in `generated_by`, and every
//! attribute points at the part of the definition that decided it.
//!
//! What is read, as API Gateway's import reads it:
//! - security: the operation's `security`, else the definition's; an empty list, or an empty
//!   alternative (`{}`), lets anonymous callers in (`NONE`). A requirement names security
//!   schemes (`components.securitySchemes`, Swagger's `securityDefinitions`): one with
//!   `x-amazon-apigateway-authorizer` is a Lambda (`token`, `request`: `CUSTOM`), Cognito
//!   (`cognito_user_pools`) or JWT (`jwt`) authorizer; `x-amazon-apigateway-authtype: awsSigv4`
//!   is IAM; a plain `apiKey` scheme is an API key, which identifies a client but does not
//!   authenticate it (`NONE`, with `ApiKeyRequired`). An operation's `x-amazon-apigateway-auth`
//!   (`AWS_IAM`, `NONE`) overrides. A scheme the definition does not define, or of a type API
//!   Gateway does not enforce without its extension, is unknown with that reason.
//! - validation: `x-amazon-apigateway-request-validators` defines validators by name;
//!   `x-amazon-apigateway-request-validator` on the operation, else on the definition, picks one.
//!   A request body with a schema (`requestBody.content`, Swagger's `in: body` parameter) is the
//!   method's request model.
//! - the integration's `type` (`x-amazon-apigateway-integration`), so mock integrations are
//!   known to reach no backend.

use super::{Map, Reason, Ref, Resource, Value};
use crate::model::Language;
use crate::source::{FileId, Span};
use crate::syntax::yaml::{Node, NodeValue};

/// The kind of API the definition is imported into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// API Gateway REST API (v1): methods, authorizers, API keys, request validators.
    Rest,
    /// API Gateway HTTP API (v2): routes with JWT, Lambda or IAM authorization.
    Http,
}

/// A definition and where its nodes are: in a file of the tree (each node at its own place), or
/// in an evaluated value (`jsonencode(...)`: every node at the attribute that holds it).
pub struct Definition<'a> {
    pub doc: &'a Node,
    pub file: FileId,
    pub fixed: Option<Span>,
}

impl Definition<'_> {
    fn span(&self, n: &Node) -> Span {
        self.fixed
            .unwrap_or_else(|| Span::new(self.file, n.span.0 as usize..n.span.1 as usize))
    }

    fn span_of_entry(&self, k: &Node, v: &Node) -> Span {
        self.fixed.unwrap_or_else(|| {
            Span::new(
                self.file,
                k.span.0.min(v.span.0) as usize..k.span.1.max(v.span.1) as usize,
            )
        })
    }
}

/// Operations of a path item, with the method API Gateway gives each.
const VERBS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("options", "OPTIONS"),
    ("head", "HEAD"),
    ("patch", "PATCH"),
    ("x-amazon-apigateway-any-method", "ANY"),
];

/// A literal scalar: a tagged node (`!Ref`, an expression vouch wrote as text) is not one.
fn lit(n: &Node) -> Option<&str> {
    if n.tag.is_some() {
        return None;
    }
    n.as_str()
}

fn lit_bool(n: &Node) -> Option<bool> {
    match (&n.value, &n.tag) {
        (NodeValue::Bool(b), None) => Some(*b),
        (NodeValue::String(s), None) if s.eq_ignore_ascii_case("true") => Some(true),
        (NodeValue::String(s), None) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// What a security scheme makes API Gateway do.
enum Scheme {
    /// An authorizer or IAM: the authorization type API Gateway sets on the method.
    Authorizes(&'static str),
    /// An API key: required, but not an authentication.
    ApiKey,
    Unknown(String),
}

fn scheme(schemes: Option<&Node>, name: &str, flavor: Flavor) -> Scheme {
    let Some(def) = schemes.and_then(|s| s.get(name)) else {
        return Scheme::Unknown(format!(
            "security scheme `{name}`, which the definition does not define"
        ));
    };
    let authtype = def
        .get("x-amazon-apigateway-authtype")
        .and_then(lit)
        .map(str::to_ascii_lowercase);
    if authtype.as_deref() == Some("awssigv4") {
        return Scheme::Authorizes("AWS_IAM");
    }
    if let Some(authorizer) = def.get("x-amazon-apigateway-authorizer") {
        let ty = authorizer
            .get("type")
            .and_then(lit)
            .map(str::to_ascii_lowercase)
            // A REST authorizer without a type is a TOKEN authorizer.
            .or_else(|| (flavor == Flavor::Rest).then(|| "token".to_string()));
        return match ty.as_deref() {
            Some("token") | Some("request") => Scheme::Authorizes("CUSTOM"),
            Some("cognito_user_pools") => Scheme::Authorizes("COGNITO_USER_POOLS"),
            Some("jwt") => Scheme::Authorizes("JWT"),
            Some(other) => Scheme::Unknown(format!(
                "security scheme `{name}`: authorizer type `{other}` is not one API Gateway knows"
            )),
            None => Scheme::Unknown(format!(
                "security scheme `{name}`: the authorizer's type cannot be read"
            )),
        };
    }
    if authtype.as_deref() == Some("cognito_user_pools") {
        return Scheme::Authorizes("COGNITO_USER_POOLS");
    }
    let ty = def.get("type").and_then(lit).unwrap_or("?");
    if ty == "apiKey" && flavor == Flavor::Rest {
        return Scheme::ApiKey;
    }
    Scheme::Unknown(format!(
        "security scheme `{name}` (type {ty}) has no x-amazon-apigateway-authorizer: what API Gateway enforces for it is not read"
    ))
}

/// The method's authorization as API Gateway sets it, with where it was decided and whether an
/// API key is required.
struct Auth {
    value: Value,
    span: Span,
    api_key: bool,
}

fn authorization(
    def: &Definition,
    op: (&Node, &Node),
    schemes: Option<&Node>,
    flavor: Flavor,
) -> Auth {
    let (key, node) = op;
    let here = def.span_of_entry(key, node);
    let text = |s: &str| Value::String(s.into());
    if let Some(a) = node.get("x-amazon-apigateway-auth") {
        let value = match a.get("type").and_then(lit) {
            Some(t) => text(&t.to_ascii_uppercase()),
            None => Value::unknown(
                Reason::InvalidExpression,
                "x-amazon-apigateway-auth without a readable type",
            ),
        };
        return Auth {
            value,
            span: def.span(a),
            api_key: false,
        };
    }
    let security = node.get("security").or_else(|| def.doc.get("security"));
    let Some(security) = security else {
        return Auth {
            value: text("NONE"),
            span: here,
            api_key: false,
        };
    };
    let span = def.span(security);
    let NodeValue::Seq(alternatives) = &security.value else {
        return Auth {
            value: Value::unknown(Reason::InvalidExpression, "`security` is not a list"),
            span,
            api_key: false,
        };
    };
    // No requirement, or an empty alternative: a caller may present nothing.
    if alternatives.is_empty() || alternatives.iter().any(|a| a.entries().is_empty()) {
        return Auth {
            value: text("NONE"),
            span,
            api_key: false,
        };
    }
    // API Gateway sets one authorizer per method: the first requirement's.
    let mut api_key = false;
    let mut found = None;
    for (name, _) in alternatives[0].entries() {
        let Some(name) = lit(name) else {
            found.get_or_insert(Value::unknown(
                Reason::InvalidExpression,
                "a security requirement named by an expression",
            ));
            continue;
        };
        match scheme(schemes, name, flavor) {
            Scheme::Authorizes(t) => {
                if !matches!(found, Some(Value::String(_))) {
                    found = Some(text(t));
                }
            }
            Scheme::ApiKey => api_key = true,
            Scheme::Unknown(why) => {
                found.get_or_insert(Value::unknown(Reason::InvalidExpression, why));
            }
        }
    }
    Auth {
        value: found.unwrap_or_else(|| text("NONE")),
        span,
        api_key,
    }
}

/// The request model of an operation: the media types of its request body that have a schema.
fn request_models(def: &Definition, path_item: &Node, op: &Node) -> Option<(Value, Span)> {
    if let Some(body) = op.get("requestBody") {
        let body = match body.get("$ref").and_then(lit) {
            Some(r) => r
                .strip_prefix("#/components/requestBodies/")
                .and_then(|n| {
                    def.doc
                        .get("components")
                        .and_then(|c| c.get("requestBodies"))
                        .and_then(|b| b.get(n))
                })
                .unwrap_or(body),
            None => body,
        };
        let mut models = Map::new();
        for (media, content) in body.get("content").map(Node::entries).unwrap_or_default() {
            if let (Some(media), Some(_)) = (lit(media), content.get("schema")) {
                models.insert(media, Value::String("schema".into()));
            }
        }
        return (!models.is_empty()).then(|| (Value::Map(models), def.span(body)));
    }
    // Swagger 2: a parameter `in: body` with a schema, on the operation or its path.
    let params = op
        .get("parameters")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .chain(
            path_item
                .get("parameters")
                .map(Node::items)
                .unwrap_or_default(),
        );
    for p in params {
        if p.get("in").and_then(lit) == Some("body") && p.get("schema").is_some() {
            let media = op
                .get("consumes")
                .or_else(|| def.doc.get("consumes"))
                .and_then(|c| c.items().first())
                .and_then(lit)
                .unwrap_or("application/json");
            let mut models = Map::new();
            models.insert(media, Value::String("schema".into()));
            return Some((Value::Map(models), def.span(p)));
        }
    }
    None
}

/// The resources API Gateway creates from `def` for the API `api`.
pub fn lower(api: &Resource, flavor: Flavor, def: &Definition) -> Vec<Resource> {
    let mut out = Vec::new();
    let doc = def.doc;
    let schemes = doc
        .get("components")
        .and_then(|c| c.get("securitySchemes"))
        .or_else(|| doc.get("securityDefinitions"));
    let make = |address: String, ty: &str, span: Span| {
        let mut r = Resource::new(
            api.unit.clone(),
            address,
            ty,
            Language::CloudFormation,
            span,
        );
        r.generated_by = Some(api.address.clone());
        r.condition = api.condition.clone();
        r
    };
    let api_ref = |attribute: &str| {
        Value::Ref(Box::new(Ref {
            resource: api.address.clone(),
            attribute: attribute.into(),
        }))
    };
    // Request validators, by name.
    let validators = doc.get("x-amazon-apigateway-request-validators");
    let mut validator_names = std::collections::BTreeSet::new();
    if flavor == Flavor::Rest {
        for (k, v) in validators.map(Node::entries).unwrap_or_default() {
            let Some(name) = lit(k) else { continue };
            if validator_names.contains(name) {
                continue;
            }
            let mut r = make(
                format!("{}#validator {name}", api.address),
                "AWS::ApiGateway::RequestValidator",
                def.span_of_entry(k, v),
            );
            r.attributes.insert("RestApiId", api_ref(""));
            for (prop, key) in [
                ("ValidateRequestBody", "validateRequestBody"),
                ("ValidateRequestParameters", "validateRequestParameters"),
            ] {
                let (value, span) = match v.get(key) {
                    Some(n) => (
                        lit_bool(n).map(Value::Bool).unwrap_or_else(|| {
                            Value::unknown(
                                Reason::InvalidExpression,
                                format!("{key} of request validator `{name}` is not a boolean"),
                            )
                        }),
                        def.span(n),
                    ),
                    None => (Value::Bool(false), def.span_of_entry(k, v)),
                };
                r.attributes.insert(prop, value);
                r.attribute_spans.insert(prop, span);
            }
            validator_names.insert(name.to_string());
            out.push(r);
        }
    }
    let default_validator = doc.get("x-amazon-apigateway-request-validator");
    let mut paths_made = std::collections::BTreeSet::new();
    let mut operations = std::collections::BTreeSet::new();
    for (pk, item) in doc.get("paths").map(Node::entries).unwrap_or_default() {
        let Some(path) = lit(pk) else { continue };
        for (ok, op) in item.entries() {
            let Some(verb) = lit(ok).and_then(|k| {
                VERBS
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(k))
                    .map(|(_, v)| *v)
            }) else {
                continue;
            };
            let address = format!("{}#{verb} {path}", api.address);
            // A key written twice (YAML lets it through): the first is the operation.
            if !operations.insert(address.clone()) {
                continue;
            }
            let span = def.span_of_entry(ok, op);
            let auth = authorization(def, (ok, op), schemes, flavor);
            if flavor == Flavor::Http {
                let mut r = make(address, "AWS::ApiGatewayV2::Route", span);
                r.attributes.insert("ApiId", api_ref(""));
                let key = if path == "$default" {
                    "$default".to_string()
                } else {
                    format!("{verb} {path}")
                };
                r.attributes.insert("RouteKey", Value::String(key.into()));
                r.attribute_spans.insert("RouteKey", span);
                r.attributes.insert("AuthorizationType", auth.value);
                r.attribute_spans.insert("AuthorizationType", auth.span);
                out.push(r);
                continue;
            }
            let mut m = make(address, "AWS::ApiGateway::Method", span);
            m.attributes.insert("RestApiId", api_ref(""));
            m.attributes
                .insert("HttpMethod", Value::String(verb.into()));
            m.attribute_spans.insert("HttpMethod", def.span(ok));
            let trimmed = path.trim_matches('/');
            if trimmed.is_empty() {
                m.attributes.insert("ResourceId", api_ref("RootResourceId"));
            } else {
                let rid = format!("{}#{path}", api.address);
                if paths_made.insert(rid.clone()) {
                    let mut r = make(rid.clone(), "AWS::ApiGateway::Resource", def.span(pk));
                    r.attributes.insert("RestApiId", api_ref(""));
                    r.attributes.insert("ParentId", api_ref("RootResourceId"));
                    r.attributes
                        .insert("PathPart", Value::String(trimmed.into()));
                    out.push(r);
                }
                m.attributes.insert(
                    "ResourceId",
                    Value::Ref(Box::new(Ref {
                        resource: rid,
                        attribute: String::new(),
                    })),
                );
            }
            m.attributes.insert("AuthorizationType", auth.value);
            m.attribute_spans.insert("AuthorizationType", auth.span);
            if auth.api_key {
                m.attributes.insert("ApiKeyRequired", Value::Bool(true));
                m.attribute_spans.insert("ApiKeyRequired", auth.span);
            }
            if let Some(v) = op
                .get("x-amazon-apigateway-request-validator")
                .or(default_validator)
            {
                let value = match lit(v) {
                    Some(name) if validator_names.contains(name) => {
                        Value::Ref(Box::new(Ref {
                            resource: format!("{}#validator {name}", api.address),
                            attribute: String::new(),
                        }))
                    }
                    Some(name) => Value::unknown(
                        Reason::InvalidExpression,
                        format!("request validator `{name}`, which x-amazon-apigateway-request-validators does not define"),
                    ),
                    None => Value::unknown(
                        Reason::InvalidExpression,
                        "a request validator named by an expression",
                    ),
                };
                m.attributes.insert("RequestValidatorId", value);
                m.attribute_spans.insert("RequestValidatorId", def.span(v));
            }
            if let Some((models, at)) = request_models(def, item, op) {
                m.attributes.insert("RequestModels", models);
                m.attribute_spans.insert("RequestModels", at);
            }
            if let Some(i) = op.get("x-amazon-apigateway-integration") {
                if let Some(t) = i.get("type").and_then(lit) {
                    let mut integration = Map::new();
                    integration.insert("Type", Value::String(t.to_ascii_uppercase().into()));
                    m.attributes.insert("Integration", Value::Map(integration));
                    m.attribute_spans.insert("Integration", def.span(i));
                }
            }
            out.push(m);
        }
    }
    out
}

/// An evaluated body as a definition tree: the text of `file()` / `jsonencode()` parsed, or a
/// value vouch evaluated (`jsonencode` of a map holding references). Parts that are not
/// literal become tagged nodes, which the reader never takes for a literal. `None` when the
/// value is not known, or its text is not YAML or JSON.
pub fn tree_of(value: &Value) -> Option<Node> {
    match value {
        Value::String(text) => crate::syntax::yaml::parse(text).ok(),
        Value::Encoded(inner) => Some(node_of(inner)),
        Value::Map(_) => Some(node_of(value)),
        _ => None,
    }
}

fn node_of(value: &Value) -> Node {
    let node = |value| Node {
        value,
        tag: None,
        span: (0, 0),
    };
    match value {
        Value::Null => node(NodeValue::Null),
        Value::Bool(b) => node(NodeValue::Bool(*b)),
        Value::Number(n) => node(NodeValue::Number(*n, n.to_string())),
        Value::String(s) => node(NodeValue::String(s.to_string())),
        Value::List(items) => node(NodeValue::Seq(items.iter().map(node_of).collect())),
        Value::Map(m) => node(NodeValue::Map(
            m.iter()
                .map(|(k, v)| (node(NodeValue::String(k.to_string())), node_of(v)))
                .collect(),
        )),
        Value::Encoded(inner) => node_of(inner),
        other => Node {
            value: NodeValue::String(other.to_string()),
            tag: Some("expression".into()),
            span: (0, 0),
        },
    }
}

/// Whether a parsed tree is an OpenAPI or Swagger definition.
pub fn is_definition(doc: &Node) -> bool {
    crate::load::is_openapi(doc)
}
