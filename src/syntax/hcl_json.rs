//! Terraform's JSON syntax (`.tf.json`, `.tfvars.json`) lowered into the same compact HCL tree.
//!
//! JSON cannot tell a nested block from an object-valued attribute; Terraform asks the provider
//! schema. vouch has no schemas, so it treats an object or a list of objects as nested blocks,
//! except for the attributes that hold maps in the AWS provider (`tags`, `variables`, …), and
//! for `locals`, `default` and module inputs, which are always values. Strings are templates
//! (`"${var.x}"`), as in Terraform.

use super::hcl::{self, Attribute, Block, Body, Expr, ObjectKeyExpr};
use super::yaml::{Node, NodeValue};

/// Attributes that hold maps (never nested blocks).
const MAP_ATTRIBUTES: &[&str] = &[
    "tags",
    "tags_all",
    "variables",
    "triggers",
    "parameters",
    "labels",
    "request_parameters",
    "request_templates",
    "request_models",
    "response_parameters",
    "response_models",
    "response_templates",
    "stage_variables",
    "environment_variables",
    "context",
    "metadata",
];

/// A JSON Terraform file into an HCL body.
pub fn to_body(doc: &Node) -> Result<Body, String> {
    let NodeValue::Map(entries) = &doc.value else {
        return Err("the top level of a .tf.json file must be an object".into());
    };
    let mut body = Body::default();
    for (key, value) in entries {
        let Some(kind) = key.as_str() else { continue };
        match kind {
            "resource" | "data" => {
                for (ty, by_name) in value.entries() {
                    for (name, item) in by_name.entries() {
                        for b in bodies_of(item) {
                            body.blocks.push(block(
                                kind,
                                &[ty, name],
                                b,
                                true,
                                (name.span.0, item.span.1),
                            ));
                        }
                    }
                }
            }
            "variable" | "output" | "module" => {
                for (name, item) in value.entries() {
                    for b in bodies_of(item) {
                        body.blocks.push(block(
                            kind,
                            &[name],
                            b,
                            kind != "module",
                            (name.span.0, item.span.1),
                        ));
                    }
                }
            }
            "locals" => {
                for item in bodies_of(value) {
                    let mut locals = Body::default();
                    for (k, v) in item.entries() {
                        if let Some(name) = k.as_str().filter(|n| *n != "//") {
                            locals.attributes.push(attribute(name, value_expr(v), k, v));
                        }
                    }
                    body.blocks.push(Block {
                        ident: "locals".into(),
                        labels: vec![],
                        body: locals,
                        span: (key.span.0, value.span.1),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(body)
}

/// A `.tfvars.json` file: every value is a literal, never a template.
pub fn vars_to_body(doc: &Node) -> Result<Body, String> {
    let NodeValue::Map(entries) = &doc.value else {
        return Err("the top level of a .tfvars.json file must be an object".into());
    };
    let mut body = Body::default();
    for (k, v) in entries {
        if let Some(name) = k.as_str() {
            body.attributes.push(attribute(name, literal_expr(v), k, v));
        }
    }
    Ok(body)
}

/// A block's body given as an object or a list of objects.
fn bodies_of(node: &Node) -> Vec<&Node> {
    match &node.value {
        NodeValue::Map(_) => vec![node],
        NodeValue::Seq(items) => items
            .iter()
            .filter(|i| matches!(i.value, NodeValue::Map(_)))
            .collect(),
        _ => vec![],
    }
}

fn attribute(name: &str, expr: Expr, key: &Node, value: &Node) -> Attribute {
    Attribute {
        name: name.to_string(),
        expr,
        span: (key.span.0, value.span.1),
    }
}

fn block(
    ident: &str,
    labels: &[&Node],
    node: &Node,
    nested_blocks: bool,
    span: (u32, u32),
) -> Block {
    Block {
        ident: ident.to_string(),
        labels: labels
            .iter()
            .filter_map(|l| l.as_str())
            .map(str::to_string)
            .collect(),
        body: convert_body(node, nested_blocks),
        span,
    }
}

fn is_block_value(name: &str, v: &Node) -> bool {
    if MAP_ATTRIBUTES.contains(&name) {
        return false;
    }
    match &v.value {
        NodeValue::Map(_) => true,
        NodeValue::Seq(items) => {
            !items.is_empty() && items.iter().all(|i| matches!(i.value, NodeValue::Map(_)))
        }
        _ => false,
    }
}

fn convert_body(node: &Node, nested_blocks: bool) -> Body {
    let mut body = Body::default();
    for (k, v) in node.entries() {
        let Some(name) = k.as_str() else { continue };
        if name == "//" {
            continue;
        }
        if name == "dynamic" {
            for (label, spec) in v.entries() {
                for b in bodies_of(spec) {
                    body.blocks
                        .push(block("dynamic", &[label], b, true, (k.span.0, v.span.1)));
                }
            }
            continue;
        }
        let keep_values =
            !nested_blocks || matches!(name, "default" | "value" | "type" | "validation");
        if !keep_values && (is_block_value(name, v) || matches!(name, "lifecycle" | "content")) {
            for b in bodies_of(v) {
                body.blocks.push(Block {
                    ident: name.to_string(),
                    labels: vec![],
                    body: convert_body(b, true),
                    span: (k.span.0, b.span.1),
                });
            }
        } else {
            body.attributes.push(attribute(name, value_expr(v), k, v));
        }
    }
    body
}

/// A JSON value in expression position: strings are templates.
fn value_expr(v: &Node) -> Expr {
    match &v.value {
        NodeValue::String(s) => hcl::template_expr(s),
        NodeValue::Seq(items) => Expr::Array(items.iter().map(value_expr).collect()),
        NodeValue::Map(entries) => Expr::Object(
            entries
                .iter()
                .filter_map(|(k, v)| {
                    Some((ObjectKeyExpr::Ident(k.as_str()?.to_string()), value_expr(v)))
                })
                .collect(),
        ),
        _ => literal_expr(v),
    }
}

fn literal_expr(v: &Node) -> Expr {
    match &v.value {
        NodeValue::Null => Expr::Null,
        NodeValue::Bool(b) => Expr::Bool(*b),
        NodeValue::Number(n, _) => Expr::Number(*n),
        NodeValue::String(s) => Expr::String(s.clone()),
        NodeValue::Seq(items) => Expr::Array(items.iter().map(literal_expr).collect()),
        NodeValue::Map(entries) => Expr::Object(
            entries
                .iter()
                .filter_map(|(k, v)| {
                    Some((
                        ObjectKeyExpr::Ident(k.as_str()?.to_string()),
                        literal_expr(v),
                    ))
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_blocks_and_templates() {
        let text = r#"{"resource": {"aws_lambda_function": {"f": {
            "function_name": "${var.env}-f",
            "tags": {"team": "x"},
            "vpc_config": {"subnet_ids": ["a"]},
            "count": 2
        }}}, "locals": {"x": {"a": 1}}}"#;
        let body = to_body(&super::super::yaml::parse(text).unwrap()).unwrap();
        let f = &body.blocks[0];
        assert_eq!(f.labels, vec!["aws_lambda_function", "f"]);
        assert!(matches!(
            f.body.attribute("function_name").unwrap().expr,
            Expr::Template(_)
        ));
        assert!(matches!(
            f.body.attribute("tags").unwrap().expr,
            Expr::Object(_)
        ));
        assert_eq!(f.body.blocks("vpc_config").count(), 1);
        assert!(matches!(
            body.blocks[1].body.attribute("x").unwrap().expr,
            Expr::Object(_)
        ));
    }
}
