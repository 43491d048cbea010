//! Policy documents, read from evaluated attribute values into statements.
//!
//! A document may be JSON text, a map (CloudFormation), or an encoded value holding refs
//! (Terraform's `jsonencode` of a policy that names resources). Nothing is dropped: an action
//! or resource that is not known stays as its [`Value`], and conditions are kept whole
//! (operator, `IfExists`, set qualifier, key, values).

use crate::model::Value;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action` or `NotAction`: patterns with `*` and `?`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionSpec {
    /// True for `NotAction`.
    pub negated: bool,
    /// Patterns as written (`s3:Get*`); values that are not plain strings are kept as unknowns.
    pub patterns: Vec<String>,
    /// Entries that could not be read as text (a variable without default, …).
    pub unresolved: Vec<Value>,
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceSpec {
    pub negated: bool,
    /// Each entry: a string pattern, a ref, a template, or an unknown.
    pub items: Vec<Value>,
}

/// A principal entry: its type (`AWS`, `Service`, `Federated`, `CanonicalUser`, or `*`) and id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Principal {
    pub kind: String,
    pub id: Value,
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrincipalSpec {
    pub negated: bool,
    pub principals: Vec<Principal>,
}

/// How a condition treats a multivalued key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// One condition: `"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    /// The base operator (`StringEquals`, `ArnLike`, `Bool`, `Null`, …).
    pub operator: String,
    pub if_exists: bool,
    pub set: Option<SetQualifier>,
    /// The condition key as written (`aws:SourceArn`, `kms:EncryptionContext:tenant`).
    pub key: String,
    pub values: Vec<Value>,
}

impl Condition {
    /// The key lower-cased: IAM condition keys are case-insensitive.
    pub fn key_lower(&self) -> String {
        self.key.to_ascii_lowercase()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    /// Position in the document (`Statement[2]`).
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub action: Option<ActionSpec>,
    pub resource: Option<ResourceSpec>,
    pub principal: Option<PrincipalSpec>,
    pub conditions: Vec<Condition>,
    /// Set when the effect itself could not be read.
    pub effect_unknown: bool,
}

/// A parsed document, or why it could not be parsed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    pub statements: Vec<Statement>,
    /// The document as a whole is not known (e.g. `policy = var.policy_json`).
    pub unknown: Option<Value>,
}

fn strings_or_values(v: &Value) -> Vec<Value> {
    match v {
        Value::List(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// Reads a policy document from a value.
pub fn parse(value: &Value) -> Document {
    let decoded = value.decoded();
    let statements = match &decoded {
        Value::Map(m) => match m.get("Statement") {
            Some(Value::List(l)) => l.clone(),
            Some(s @ Value::Map(_)) => vec![s.clone()],
            Some(other) => {
                return Document {
                    statements: vec![],
                    unknown: Some(other.clone()),
                }
            }
            None => vec![],
        },
        Value::Null => vec![],
        other => {
            return Document {
                statements: vec![],
                unknown: Some(other.clone()),
            }
        }
    };
    let statements = statements
        .iter()
        .enumerate()
        .filter_map(|(i, s)| parse_statement(i, s))
        .collect();
    Document {
        statements,
        unknown: None,
    }
}

fn parse_statement(index: usize, s: &Value) -> Option<Statement> {
    let m = s.as_map()?;
    let (effect, effect_unknown) = match m.get("Effect").and_then(Value::as_str) {
        Some("Deny") => (Effect::Deny, false),
        Some("Allow") => (Effect::Allow, false),
        // A missing or unreadable effect: read as Allow (the worse case for a grant), flagged.
        _ => (Effect::Allow, true),
    };
    let action = [("Action", false), ("NotAction", true)]
        .iter()
        .find_map(|(k, negated)| {
            m.get(*k).map(|v| {
                let mut patterns = Vec::new();
                let mut unresolved = Vec::new();
                for item in strings_or_values(v) {
                    match item {
                        Value::String(s) => patterns.push(s.to_string()),
                        other => unresolved.push(other),
                    }
                }
                ActionSpec {
                    negated: *negated,
                    patterns,
                    unresolved,
                }
            })
        });
    let resource = [("Resource", false), ("NotResource", true)]
        .iter()
        .find_map(|(k, negated)| {
            m.get(*k).map(|v| ResourceSpec {
                negated: *negated,
                items: strings_or_values(v),
            })
        });
    let principal = [("Principal", false), ("NotPrincipal", true)]
        .iter()
        .find_map(|(k, negated)| {
            m.get(*k).map(|v| PrincipalSpec {
                negated: *negated,
                principals: parse_principals(v),
            })
        });
    let mut conditions = Vec::new();
    if let Some(Value::Map(ops)) = m.get("Condition") {
        for (op, keys) in ops {
            let (set, rest) = match op.split_once(':') {
                Some(("ForAllValues", r)) => (Some(SetQualifier::ForAllValues), r),
                Some(("ForAnyValue", r)) => (Some(SetQualifier::ForAnyValue), r),
                _ => (None, op.as_str()),
            };
            let (operator, if_exists) = match rest.strip_suffix("IfExists") {
                Some(base) => (base.to_string(), true),
                None => (rest.to_string(), false),
            };
            if let Value::Map(keys) = keys {
                for (key, values) in keys {
                    conditions.push(Condition {
                        operator: operator.clone(),
                        if_exists,
                        set,
                        key: key.to_string(),
                        values: strings_or_values(values),
                    });
                }
            }
        }
    }
    Some(Statement {
        index,
        sid: m.get("Sid").and_then(Value::as_str).map(str::to_string),
        effect,
        action,
        resource,
        principal,
        conditions,
        effect_unknown,
    })
}

fn parse_principals(v: &Value) -> Vec<Principal> {
    match v {
        Value::String(s) if s == "*" => vec![Principal {
            kind: "*".into(),
            id: Value::str("*"),
        }],
        Value::Map(m) => m
            .iter()
            .flat_map(|(kind, ids)| {
                strings_or_values(ids).into_iter().map(move |id| Principal {
                    kind: kind.to_string(),
                    id,
                })
            })
            .collect(),
        other => vec![Principal {
            kind: "unknown".into(),
            id: other.clone(),
        }],
    }
}

/// IAM's wildcard match (`*` any run, `?` one character), case-insensitive when asked.
///
/// Works on bytes without allocating (it runs for every statement against every resource);
/// text that is not ASCII falls back to characters.
pub fn wildcard_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        let eq = |a: u8, b: u8| {
            if case_insensitive {
                a.eq_ignore_ascii_case(&b)
            } else {
                a == b
            }
        };
        return match_units(pattern.as_bytes(), text.as_bytes(), b'*', b'?', eq);
    }
    let lower = |s: &str| {
        if case_insensitive {
            s.to_lowercase()
        } else {
            s.to_string()
        }
    };
    let p: Vec<char> = lower(pattern).chars().collect();
    let t: Vec<char> = lower(text).chars().collect();
    match_units(&p, &t, '*', '?', |a, b| a == b)
}

/// Iterative matcher with backtracking to the last star: linear in practice, never exponential.
fn match_units<T: Copy + PartialEq>(
    p: &[T],
    t: &[T],
    star_unit: T,
    one: T,
    eq: impl Fn(T, T) -> bool,
) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && p[pi] != star_unit && (p[pi] == one || eq(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star_unit {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == star_unit {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(j: serde_json::Value) -> Document {
        parse(&Value::from_json(&j))
    }

    #[test]
    fn statements_keep_everything() {
        let d = doc(json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "A", "Effect": "Allow", "NotAction": "iam:*", "Resource": ["*"]},
            {"Effect": "Deny", "Action": ["s3:*"], "NotResource": "arn:aws:s3:::keep/*",
             "Condition": {"ForAllValues:StringEqualsIfExists": {"aws:TagKeys": ["a", "b"]},
                           "Bool": {"aws:SecureTransport": "false"}}},
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "*"], "Service": "lambda.amazonaws.com"},
             "Action": "sts:AssumeRole"}
        ]}));
        assert_eq!(d.statements.len(), 3);
        let a = d.statements[0].action.as_ref().unwrap();
        assert!(a.negated);
        assert_eq!(a.patterns, vec!["iam:*"]);
        let deny = &d.statements[1];
        assert_eq!(deny.effect, Effect::Deny);
        assert!(deny.resource.as_ref().unwrap().negated);
        assert_eq!(deny.conditions.len(), 2);
        let c = deny
            .conditions
            .iter()
            .find(|c| c.key == "aws:TagKeys")
            .unwrap();
        assert_eq!(
            (c.operator.as_str(), c.if_exists, c.set),
            ("StringEquals", true, Some(SetQualifier::ForAllValues))
        );
        assert_eq!(c.values.len(), 2);
        let p = &d.statements[2].principal.as_ref().unwrap().principals;
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn json_text_and_unknown_documents() {
        let d = parse(&Value::str(
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#,
        ));
        assert_eq!(d.statements.len(), 1);
        let u = parse(&Value::unknown(
            crate::model::Reason::VariableWithoutDefault,
            "var.policy",
        ));
        assert!(u.unknown.is_some());
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("s3:Get*", "s3:GetObject", true));
        assert!(wildcard_match("S3:get*", "s3:GetObject", true));
        assert!(!wildcard_match("s3:Get*", "s3:PutObject", true));
        assert!(wildcard_match("iam:*Policy*", "iam:PutRolePolicy", true));
        assert!(wildcard_match(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/x/y",
            false
        ));
        assert!(wildcard_match("s3:Get?bject", "s3:GetObject", true));
        assert!(!wildcard_match("a*a*a*a*a*a*b", &"a".repeat(200), false));
    }
}
