//! `data "aws_iam_policy_document"`, rendered to the policy document Terraform would produce:
//! statements with their principals and conditions, `source_policy_documents` merged first,
//! then this document's statements (a statement whose `sid` matches replaces the earlier one),
//! then `override_policy_documents` on top. One-element lists render as a single string, as the
//! provider does.

use crate::model::Value;

fn list(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::List(l)) => l.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    }
}

/// One value, or a list when there are several (as the provider renders them).
fn one_or_many(mut items: Vec<Value>) -> Value {
    if items.len() == 1 {
        items.remove(0)
    } else {
        Value::List(items)
    }
}

/// Renders the evaluated attributes of the data source into a policy document value.
pub fn render(attrs: &crate::model::Map) -> Value {
    let mut statements: Vec<Value> = Vec::new();
    for doc in list(attrs.get("source_policy_documents")) {
        for st in statements_of(&doc) {
            merge_statement(&mut statements, st);
        }
    }
    for st in list(attrs.get("statement")) {
        if let Value::Map(m) = st {
            merge_statement(&mut statements, render_statement(&m));
        }
    }
    for doc in list(attrs.get("override_policy_documents")) {
        for st in statements_of(&doc) {
            merge_statement(&mut statements, st);
        }
    }
    let mut policy = crate::model::VecMap::new();
    policy.insert(
        "Version".to_string(),
        attrs
            .get("version")
            .cloned()
            .unwrap_or_else(|| Value::str("2012-10-17")),
    );
    if let Some(id) = attrs.get("policy_id") {
        policy.insert("Id".to_string(), id.clone());
    }
    policy.insert("Statement".to_string(), Value::List(statements));
    Value::Map(policy)
}

/// Terraform's `.json`: the JSON text when every part is known, else the encoded document.
pub fn to_json_value(policy: &Value) -> Value {
    match policy.to_json() {
        Some(j) => Value::String(serde_json::to_string_pretty(&j).unwrap_or_default().into()),
        None => Value::Encoded(Box::new(policy.clone())),
    }
}

fn statements_of(doc: &Value) -> Vec<Value> {
    match doc.decoded() {
        Value::Map(m) => match m.get("Statement") {
            Some(Value::List(l)) => l.clone(),
            Some(s @ Value::Map(_)) => vec![s.clone()],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn sid_of(st: &Value) -> Option<String> {
    st.get("Sid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn merge_statement(statements: &mut Vec<Value>, st: Value) {
    if let Some(sid) = sid_of(&st) {
        if let Some(existing) = statements
            .iter_mut()
            .find(|s| sid_of(s).as_deref() == Some(&sid))
        {
            *existing = st;
            return;
        }
    }
    statements.push(st);
}

fn render_statement(m: &crate::model::Map) -> Value {
    let mut out = crate::model::VecMap::new();
    if let Some(sid) = m.get("sid") {
        if sid.as_str() != Some("") && !matches!(sid, Value::Null) {
            out.insert("Sid".to_string(), sid.clone());
        }
    }
    out.insert(
        "Effect".to_string(),
        m.get("effect")
            .filter(|v| !matches!(v, Value::Null))
            .cloned()
            .unwrap_or_else(|| Value::str("Allow")),
    );
    for (from, to) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        let items = list(m.get(from));
        if !items.is_empty() {
            out.insert(to.to_string(), one_or_many(items));
        }
    }
    for (from, to) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        let blocks = list(m.get(from));
        if blocks.is_empty() {
            continue;
        }
        let mut by_type: crate::model::VecMap<Vec<Value>> = crate::model::VecMap::new();
        let mut star = false;
        for b in blocks {
            let ty = b
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("AWS")
                .to_string();
            let ids = list(b.get("identifiers"));
            if ty == "*" {
                star = true;
                continue;
            }
            by_type.entry(ty).or_default().extend(ids);
        }
        let value = if star && by_type.is_empty() {
            Value::str("*")
        } else {
            Value::Map(
                by_type
                    .into_iter()
                    .map(|(k, v)| (k, one_or_many(v)))
                    .collect(),
            )
        };
        out.insert(to.to_string(), value);
    }
    let conditions = list(m.get("condition"));
    if !conditions.is_empty() {
        let mut by_test: crate::model::VecMap<crate::model::Map> = crate::model::VecMap::new();
        for c in conditions {
            let test = c
                .get("test")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            // A key built from a value known only at apply time (an EKS cluster's OIDC issuer
            // in `${…}:sub`) keeps its written form: its known suffix still says which claim
            // it tests, and two such keys stay two conditions.
            let var = match c.get("variable") {
                Some(v) => v.as_str().map_or_else(|| v.written(), str::to_string),
                None => String::new(),
            };
            let values = list(c.get("values"));
            by_test
                .entry(test)
                .or_default()
                .insert(var, one_or_many(values));
        }
        out.insert(
            "Condition".to_string(),
            Value::Map(
                by_test
                    .into_iter()
                    .map(|(k, v)| (k, Value::Map(v)))
                    .collect(),
            ),
        );
    }
    Value::Map(out)
}
