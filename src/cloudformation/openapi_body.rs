//! Where a template's API Gateway API keeps its OpenAPI definition, for
//! [`crate::model::openapi`] to lower into the methods or routes the import creates: inline
//! (`Body`, SAM's `DefinitionBody`), in a local file (SAM's `DefinitionUri`, or an
//! `Fn::Transform` of `AWS::Include` with a local `Location`), or in S3 (`BodyS3Location`, an
//! `s3://` URI), which is outside the tree: the body is then unknown with that reason.

use super::frame::Stack;
use super::template::resolve_local;
use crate::model::openapi::{self, Definition, Flavor};
use crate::model::{Reason, Resource, Value};
use crate::syntax::yaml::Node;

/// The definition properties written as an `Fn::Transform` (an `AWS::Include`): read here, not
/// by the evaluator, which does not run transforms.
pub(super) const INCLUDED: &[&str] = &["Body", "DefinitionBody"];

fn include_of(body: &Node) -> Option<&Node> {
    if body.tag.as_deref() == Some("Transform") {
        Some(body)
    } else {
        body.get("Fn::Transform")
    }
}

/// The properties of `props` to leave out of evaluation: definitions included by a transform.
pub(super) fn skipped(props: Option<&Node>) -> Vec<&'static str> {
    INCLUDED
        .iter()
        .copied()
        .filter(|k| props.and_then(|p| p.get(k)).and_then(include_of).is_some())
        .collect()
}

/// The resources the definition of the API `r` creates; an unreadable definition replaces the
/// property that names it with an unknown saying why.
pub(super) fn lower(stack: &Stack, r: &mut Resource, props: Option<&Node>) -> Vec<Resource> {
    let flavor = match r.source_type.as_str() {
        "AWS::ApiGateway::RestApi" | "AWS::Serverless::Api" => Flavor::Rest,
        "AWS::ApiGatewayV2::Api" | "AWS::Serverless::HttpApi" => Flavor::Http,
        _ => return Vec::new(),
    };
    let Some(props) = props else {
        return Vec::new();
    };
    for key in ["Body", "DefinitionBody"] {
        let Some(body) = props.get(key) else { continue };
        if let Some(t) = include_of(body) {
            r.attribute_spans.insert(key, stack.span(body.span));
            return included(stack, r, key, t, flavor);
        }
        if openapi::is_definition(body) {
            let def = Definition {
                doc: body,
                file: stack.template.file,
                fixed: None,
            };
            return openapi::lower(r, flavor, &def);
        }
        unreadable(
            r,
            key,
            Reason::InvalidExpression,
            format!("{key} is not an OpenAPI definition vouch can read"),
        );
        return Vec::new();
    }
    for key in ["BodyS3Location", "DefinitionUri"] {
        let Some(at) = props.get(key) else { continue };
        return match at.as_str().filter(|_| at.tag.is_none()) {
            Some(uri) if !uri.contains("://") => local(stack, r, key, uri, flavor),
            Some(uri) => {
                unreadable(
                    r,
                    key,
                    Reason::OutsideTree,
                    format!("the OpenAPI definition is at {uri}, outside the scanned tree"),
                );
                Vec::new()
            }
            None => {
                unreadable(
                    r,
                    key,
                    Reason::OutsideTree,
                    format!(
                        "the OpenAPI definition is an S3 object ({key}), outside the scanned tree"
                    ),
                );
                Vec::new()
            }
        };
    }
    Vec::new()
}

/// `Fn::Transform: {Name: AWS::Include, Parameters: {Location: ...}}`.
fn included(stack: &Stack, r: &mut Resource, key: &str, t: &Node, flavor: Flavor) -> Vec<Resource> {
    let name = t.get("Name").and_then(Node::as_str);
    let location = t
        .get("Parameters")
        .and_then(|p| p.get("Location"))
        .filter(|l| l.tag.is_none())
        .and_then(Node::as_str);
    match (name, location) {
        (Some("AWS::Include"), Some(uri)) if !uri.contains("://") => {
            local(stack, r, key, uri, flavor)
        }
        (Some("AWS::Include"), Some(uri)) => {
            unreadable(
                r,
                key,
                Reason::OutsideTree,
                format!("the OpenAPI definition is included from {uri}, outside the scanned tree"),
            );
            Vec::new()
        }
        _ => {
            unreadable(
                r,
                key,
                Reason::UnsupportedFunction,
                format!("{key} is made by a transform vouch does not run"),
            );
            Vec::new()
        }
    }
}

/// A definition in a file of the tree, relative to the template.
fn local(stack: &Stack, r: &mut Resource, key: &str, uri: &str, flavor: Flavor) -> Vec<Resource> {
    let found = resolve_local(stack.template.dir, uri)
        .and_then(|path| stack.shared.loaded.openapi(&path).map(|d| (path, d)));
    match found {
        Some((path, (file, doc))) => {
            r.attributes.insert(key, Value::String(path.into()));
            let def = Definition {
                doc,
                file,
                fixed: None,
            };
            openapi::lower(r, flavor, &def)
        }
        None => {
            unreadable(
                r,
                key,
                Reason::OutsideTree,
                format!("{uri} is not an OpenAPI definition in the scanned tree"),
            );
            Vec::new()
        }
    }
}

fn unreadable(r: &mut Resource, key: &str, reason: Reason, detail: String) {
    r.attributes.insert(key, Value::unknown(reason, detail));
}
