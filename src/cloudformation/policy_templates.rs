//! The SAM policy templates (`DynamoDBCrudPolicy`, `SQSSendMessagePolicy`, …) and the paths of
//! AWS managed policies, from `rules/data/sam-policy-templates.json`.
//!
//! The data is the SAM translator's own (see `rules/data/README.md`), compiled in and parsed
//! once on first use. A template's definition is a policy document written with `Fn::Sub` and
//! `Ref` of its parameters; it is turned into a YAML node so the one intrinsic evaluator
//! expands it with the parameter values bound.

use crate::syntax::yaml::{ByteRange, Node, NodeValue};
use std::collections::HashMap;
use std::sync::OnceLock;

static DATA: &str = include_str!("../../rules/data/sam-policy-templates.json");

/// One policy template: its parameter names and its definition (a policy document).
#[derive(Debug)]
pub struct PolicyTemplate {
    pub parameters: Vec<String>,
    pub definition: serde_json::Value,
}

struct Data {
    templates: HashMap<String, PolicyTemplate>,
    managed_paths: HashMap<String, String>,
}

fn data() -> &'static Data {
    static DATA_CELL: OnceLock<Data> = OnceLock::new();
    DATA_CELL.get_or_init(|| {
        let json: serde_json::Value = serde_json::from_str(DATA).unwrap_or_default();
        let templates = json
            .get("Templates")
            .and_then(|t| t.as_object())
            .map(|t| {
                t.iter()
                    .map(|(name, t)| {
                        let parameters = t
                            .get("Parameters")
                            .and_then(|p| p.as_array())
                            .map(|a| {
                                a.iter()
                                    .filter_map(|p| p.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        let definition = t.get("Definition").cloned().unwrap_or_default();
                        (
                            name.clone(),
                            PolicyTemplate {
                                parameters,
                                definition,
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let managed_paths = json
            .get("ManagedPolicyPaths")
            .and_then(|t| t.as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Data {
            templates,
            managed_paths,
        }
    })
}

/// The policy template of that name.
pub fn get(name: &str) -> Option<&'static PolicyTemplate> {
    data().templates.get(name)
}

/// The path of an AWS managed policy (`service-role/`), `""` for one at the root.
pub fn managed_policy_path(name: &str) -> &'static str {
    data()
        .managed_paths
        .get(name)
        .map(String::as_str)
        .unwrap_or("")
}

/// JSON as a YAML node, every node placed at `span` (the policy entry that used the template).
pub fn json_to_node(j: &serde_json::Value, span: ByteRange) -> Node {
    let value = match j {
        serde_json::Value::Null => NodeValue::Null,
        serde_json::Value::Bool(b) => NodeValue::Bool(*b),
        serde_json::Value::Number(n) => NodeValue::Number(n.as_f64().unwrap_or(0.0), n.to_string()),
        serde_json::Value::String(s) => NodeValue::String(s.clone()),
        serde_json::Value::Array(a) => {
            NodeValue::Seq(a.iter().map(|x| json_to_node(x, span)).collect())
        }
        serde_json::Value::Object(o) => NodeValue::Map(
            o.iter()
                .map(|(k, v)| {
                    (
                        Node {
                            value: NodeValue::String(k.clone()),
                            tag: None,
                            span,
                        },
                        json_to_node(v, span),
                    )
                })
                .collect(),
        ),
    };
    Node {
        value,
        tag: None,
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_loads() {
        let t = get("DynamoDBCrudPolicy").expect("DynamoDBCrudPolicy");
        assert_eq!(t.parameters, vec!["TableName"]);
        assert!(t.definition.get("Statement").is_some());
        assert!(data().templates.len() > 50);
        assert_eq!(
            managed_policy_path("AWSLambdaVPCAccessExecutionRole"),
            "service-role/"
        );
        assert_eq!(managed_policy_path("AmazonS3ReadOnlyAccess"), "");
    }
}
