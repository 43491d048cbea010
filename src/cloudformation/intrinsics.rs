//! Property values and intrinsic functions, short (`!Ref X`) and long (`{Ref: X}`) forms.
//!
//! A reference to a resource becomes a [`Value::Ref`] (an edge), a pseudo parameter a
//! [`Symbol`], and whatever the tree cannot settle an [`Unknown`] with its reason. Evaluation
//! never fails: a malformed call is reported once with its position and evaluates to
//! `Unknown(invalid expression)`. Depth is bounded by [`MAX_DEPTH`] across the whole unit, so
//! conditions that chain through each other or deep nesting cannot exhaust the stack.

use super::frame::Stack;
pub use super::values::{collapse, has_leading_zero, key_text, split_parts, Scope};
use crate::model::{base64, Reason, Symbol, Unknown, Value};
use crate::source::Span;
use crate::syntax::yaml::{Node, NodeValue};
use crate::terraform::values::{interpolate, push_text};
use std::collections::HashMap;

/// Nested evaluations beyond which a value becomes `Unknown(limit)`.
pub const MAX_DEPTH: usize = 512;
/// Subnets one `Fn::Cidr` may produce (CloudFormation's own limit).
const MAX_CIDR_COUNT: usize = 256;

/// Restores the unit's evaluation depth when an evaluation returns.
struct DepthGuard<'a>(&'a std::cell::Cell<usize>);

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// The intrinsic function a long-form node calls: a one-key mapping `Ref` / `Fn::*` /
/// `Condition: name`.
fn long_form(node: &Node) -> Option<(&str, &Node)> {
    let [(k, v)] = node.entries() else {
        return None;
    };
    let k = k.as_str()?;
    if k == "Ref" || k.starts_with("Fn::") || (k == "Condition" && v.as_str().is_some()) {
        Some((k, v))
    } else {
        None
    }
}

/// True when the node is an intrinsic call (its inside is not a literal structure).
pub fn is_intrinsic(node: &Node) -> bool {
    node.tag.is_some() || long_form(node).is_some()
}

/// Text of a value inside a message.
fn render(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        other => other.to_string(),
    }
}

fn invalid(detail: impl Into<String>) -> Value {
    Value::unknown(Reason::InvalidExpression, detail)
}

fn pseudo(name: &str) -> Option<Value> {
    Some(match name {
        "AWS::AccountId" => Value::Symbol(Symbol::AccountId),
        "AWS::Region" => Value::Symbol(Symbol::Region),
        "AWS::Partition" => Value::Symbol(Symbol::Partition),
        "AWS::URLSuffix" => Value::Symbol(Symbol::UrlSuffix),
        "AWS::StackName" => Value::Symbol(Symbol::StackName),
        "AWS::StackId" => Value::Symbol(Symbol::StackId),
        "AWS::NoValue" => Value::Symbol(Symbol::NoValue),
        "AWS::NotificationARNs" => Value::unknown(Reason::OutsideTree, "AWS::NotificationARNs"),
        _ => return None,
    })
}

fn is_no_value(v: &Value) -> bool {
    *v == Value::Symbol(Symbol::NoValue)
}

/// A YAML number as a value; a number with a leading zero stays text.
fn number_value(n: f64, text: &str) -> Value {
    if has_leading_zero(text) {
        Value::String(text.to_string().into())
    } else {
        Value::Number(n)
    }
}

/// Comparable text of a known scalar, as CloudFormation compares strings.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => Some(crate::model::value::format_number(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl<'a> Stack<'a> {
    /// Evaluates a property value.
    pub fn eval(&self, node: &Node, scope: &Scope) -> Value {
        self.eval_node(node, scope, false)
    }

    /// Evaluates a node; `ignore_tag` reads a short-form call's argument as plain data.
    fn eval_node(&self, node: &Node, scope: &Scope, ignore_tag: bool) -> Value {
        let depth = &self.shared.depth;
        if depth.get() >= MAX_DEPTH {
            return Value::unknown(
                Reason::Limit,
                "template nesting deeper than vouch evaluates",
            );
        }
        depth.set(depth.get() + 1);
        let _guard = DepthGuard(depth);
        if !ignore_tag {
            if let Some(tag) = &node.tag {
                return self.call_tag(tag, node, scope);
            }
        }
        if let Some((name, arg)) = long_form(node) {
            return self.call(name, arg, false, scope);
        }
        match &node.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Number(n, text) => number_value(*n, text),
            NodeValue::String(s) => Value::String(s.clone().into()),
            NodeValue::Seq(items) => Value::List(
                items
                    .iter()
                    .map(|i| self.eval(i, scope))
                    .filter(|v| !is_no_value(v))
                    .collect(),
            ),
            NodeValue::Map(entries) => {
                let mut map = crate::model::VecMap::new();
                for (k, v) in entries {
                    let Some(key) = key_text(k) else {
                        self.warn(k, "template-structure", "a key is not a string".into());
                        continue;
                    };
                    let v = self.eval(v, scope);
                    if !is_no_value(&v) {
                        map.insert(key, v);
                    }
                }
                Value::Map(map)
            }
        }
    }

    fn call_tag(&self, tag: &str, node: &Node, scope: &Scope) -> Value {
        let name = match tag {
            "Ref" | "Condition" => tag.to_string(),
            t if t.chars().all(|c| c.is_ascii_alphanumeric()) => format!("Fn::{t}"),
            _ => {
                self.warn(
                    node,
                    "unsupported-intrinsic",
                    format!("unknown tag !{tag}; the value is read without it"),
                );
                return self.eval_node(node, scope, true);
            }
        };
        self.call(&name, node, true, scope)
    }

    /// Calls an intrinsic. `tagged`: `arg` is the short form's own node (its tag is ignored).
    fn call(&self, name: &str, arg: &Node, tagged: bool, scope: &Scope) -> Value {
        match name {
            "Ref" => match arg.as_str() {
                Some(n) if !is_intrinsic_arg(arg, tagged) => self.ref_name(n, scope, arg),
                _ => self.bad(arg, "Ref takes a logical id or parameter name"),
            },
            "Condition" => match arg.as_str() {
                Some(n) => self.condition(n, arg),
                None => self.bad(arg, "Condition takes a condition name"),
            },
            "Fn::GetAtt" => self.get_att(arg, tagged, scope),
            "Fn::Sub" => self.sub(arg, tagged, scope),
            "Fn::Join" => self.join(arg, scope),
            "Fn::If" => self.fn_if(arg, scope),
            "Fn::Select" => self.select(arg, scope),
            "Fn::Split" => self.split(arg, scope),
            "Fn::FindInMap" => self.find_in_map(arg, scope),
            "Fn::Equals" => match arg.items() {
                [a, b] => equals(&self.eval(a, scope), &self.eval(b, scope)),
                _ => self.bad(arg, "Fn::Equals takes two values"),
            },
            "Fn::Not" => match arg.items() {
                [c] => match self.eval(c, scope) {
                    Value::Bool(b) => Value::Bool(!b),
                    Value::Unknown(u) => Value::Unknown(u),
                    _ => self.bad(arg, "Fn::Not takes one condition"),
                },
                _ => self.bad(arg, "Fn::Not takes one condition"),
            },
            "Fn::And" | "Fn::Or" => self.and_or(name == "Fn::And", arg, scope),
            "Fn::GetAZs" => Value::unknown(Reason::DataSource, "Fn::GetAZs"),
            "Fn::Cidr" => self.cidr(arg, scope),
            "Fn::ImportValue" => {
                let v = self.eval_node(arg, scope, tagged);
                Value::unknown(Reason::OutsideTree, format!("import {}", render(&v)))
            }
            "Fn::Length" => match self.eval_node(arg, scope, tagged) {
                Value::List(l) => Value::Number(l.len() as f64),
                Value::Unknown(u) => Value::Unknown(u),
                _ => self.bad(arg, "Fn::Length takes a list"),
            },
            "Fn::ToJsonString" => {
                let v = self.eval_node(arg, scope, tagged);
                match v.to_json() {
                    Some(j) => Value::String(j.to_string().into()),
                    None => Value::Encoded(Box::new(v)),
                }
            }
            "Fn::Base64" => match self.eval_node(arg, scope, tagged) {
                Value::String(s) => Value::String(base64::encode(s.as_bytes()).into()),
                Value::Unknown(u) => Value::Unknown(u),
                other => Value::Base64(Box::new(other)),
            },
            "Fn::Transform" => {
                self.warn(
                    arg,
                    "unsupported-intrinsic",
                    "Fn::Transform (a macro) is not evaluated".into(),
                );
                Value::unknown(Reason::UnsupportedFunction, "Fn::Transform")
            }
            other => {
                self.warn(
                    arg,
                    "unsupported-intrinsic",
                    format!("{other} is not a CloudFormation intrinsic function vouch knows"),
                );
                Value::unknown(Reason::UnsupportedFunction, other.to_string())
            }
        }
    }

    /// Reports a malformed call and yields an invalid-expression unknown.
    fn bad(&self, at: &Node, message: &str) -> Value {
        self.warn(at, "template-structure", message.to_string());
        invalid(message)
    }

    /// `Ref name`: a bound name, pseudo parameter, parameter or resource.
    pub fn ref_name(&self, name: &str, scope: &Scope, at: &Node) -> Value {
        if let Some(v) = scope.get(name) {
            return v.clone();
        }
        if let Some(v) = pseudo(name) {
            return v;
        }
        if let Some(v) = self.params.get(name) {
            return v.clone();
        }
        if self.logical.contains_key(name) {
            return self.resource_ref(name, "");
        }
        if let Some((id, property)) = name.split_once('.') {
            if let Some(ty) = self.logical.get(id) {
                if super::sam::referenceable(ty, property) {
                    return Value::unknown(
                        Reason::Computed,
                        format!("Ref {name} (the {property} SAM generates for {id})"),
                    );
                }
            }
        }
        self.warn(
            at,
            "undefined-reference",
            format!("Ref {name}: no parameter or resource of that name"),
        );
        invalid(format!("Ref {name}"))
    }

    /// `GetAtt resource.attribute`; `Stack.Outputs.X` reads a nested stack's output.
    fn attribute(&self, resource: &str, attribute: &str, at: &Node) -> Value {
        let Some(ty) = self.logical.get(resource) else {
            self.warn(
                at,
                "undefined-reference",
                format!("Fn::GetAtt {resource}.{attribute}: no resource {resource}"),
            );
            return invalid(format!("Fn::GetAtt {resource}.{attribute}"));
        };
        if matches!(
            ty.as_str(),
            "AWS::CloudFormation::Stack" | "AWS::Serverless::Application"
        ) {
            if let Some(output) = attribute.strip_prefix("Outputs.") {
                return self.nested_output(resource, output, at);
            }
        }
        self.resource_ref(resource, attribute)
    }

    fn get_att(&self, arg: &Node, tagged: bool, scope: &Scope) -> Value {
        if let Some(s) = arg.as_str().filter(|_| !is_intrinsic_arg(arg, tagged)) {
            return match s.split_once('.') {
                Some((r, a)) if !r.is_empty() && !a.is_empty() => self.attribute(r, a, arg),
                _ => self.bad(arg, "Fn::GetAtt takes Resource.Attribute"),
            };
        }
        match arg.items() {
            [r, a] => {
                let Some(r) = r.as_str() else {
                    return self.bad(arg, "Fn::GetAtt takes a logical id first");
                };
                match self.eval(a, scope) {
                    Value::String(a) if !a.is_empty() => self.attribute(r, &a, arg),
                    Value::Unknown(u) => Value::Unknown(u),
                    _ => self.bad(arg, "Fn::GetAtt takes an attribute name second"),
                }
            }
            _ => self.bad(arg, "Fn::GetAtt takes [Resource, Attribute]"),
        }
    }

    fn sub(&self, arg: &Node, tagged: bool, scope: &Scope) -> Value {
        let (text_node, vars_node) = match &arg.value {
            NodeValue::Seq(items) => match items.as_slice() {
                [t, v] => (t, Some(v)),
                [t] => (t, None),
                _ => return self.bad(arg, "Fn::Sub takes a string and a map of variables"),
            },
            _ => (arg, None),
        };
        let literal = !is_intrinsic_arg(text_node, tagged && vars_node.is_none());
        let Some(text) = text_node.as_str().filter(|_| literal) else {
            return self.bad(text_node, "Fn::Sub takes a literal string");
        };
        let mut vars = HashMap::new();
        if let Some(v) = vars_node {
            if !matches!(v.value, NodeValue::Map(_)) || is_intrinsic(v) {
                return self.bad(v, "the variables of Fn::Sub are not a mapping");
            }
            for (k, val) in v.entries() {
                if let Some(k) = key_text(k) {
                    vars.insert(k, self.eval(val, scope));
                }
            }
        }
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find("${") {
            push_text(&mut parts, &rest[..i]);
            let after = &rest[i + 2..];
            if let Some(literal) = after.strip_prefix('!') {
                push_text(&mut parts, "${");
                rest = literal;
                continue;
            }
            let Some(j) = after.find('}') else {
                self.warn(
                    text_node,
                    "template-structure",
                    "Fn::Sub has a `${` without its `}`; the rest is read as text".into(),
                );
                push_text(&mut parts, &rest[i..]);
                rest = "";
                break;
            };
            let name = after[..j].trim();
            let value = if let Some(v) = vars.get(name) {
                v.clone()
            } else if name.is_empty() {
                self.bad(text_node, "Fn::Sub has an empty `${}`")
            } else if pseudo(name).is_none() && name.contains('.') {
                let (r, a) = name.split_once('.').unwrap_or((name, ""));
                self.attribute(r, a, text_node)
            } else {
                self.ref_name(name, scope, text_node)
            };
            interpolate(&mut parts, value);
            rest = &after[j + 1..];
        }
        push_text(&mut parts, rest);
        collapse(parts)
    }

    fn join(&self, arg: &Node, scope: &Scope) -> Value {
        let [d, list] = arg.items() else {
            return self.bad(arg, "Fn::Join takes a delimiter and a list");
        };
        let delim = match self.eval(d, scope) {
            Value::String(s) => s,
            _ => return self.bad(d, "the delimiter of Fn::Join is not a string"),
        };
        match self.eval(list, scope) {
            Value::List(items) => {
                let mut parts = Vec::new();
                for (i, v) in items.into_iter().enumerate() {
                    if i > 0 {
                        push_text(&mut parts, &delim);
                    }
                    if matches!(v, Value::List(_) | Value::Map(_)) {
                        return self.bad(list, "Fn::Join joins strings, not lists or maps");
                    }
                    interpolate(&mut parts, v);
                }
                collapse(parts)
            }
            Value::Unknown(u) => Value::Unknown(u),
            other => Value::unknown(Reason::Computed, format!("Fn::Join of {}", render(&other))),
        }
    }

    fn fn_if(&self, arg: &Node, scope: &Scope) -> Value {
        let [c, a, b] = arg.items() else {
            return self.bad(
                arg,
                "Fn::If takes [condition, value if true, value if false]",
            );
        };
        let Some(name) = c.as_str() else {
            return self.bad(c, "Fn::If takes a condition name first");
        };
        match self.condition(name, c) {
            Value::Bool(true) => self.eval(a, scope),
            Value::Bool(false) => self.eval(b, scope),
            Value::Unknown(u) => {
                let (x, y) = (self.eval(a, scope), self.eval(b, scope));
                if x == y {
                    x
                } else {
                    Value::Unknown(Unknown {
                        reason: u.reason,
                        detail: format!("condition {name}: {}", u.detail),
                    })
                }
            }
            _ => invalid(format!("condition {name}")),
        }
    }

    fn and_or(&self, and: bool, arg: &Node, scope: &Scope) -> Value {
        let items = arg.items();
        let fname = if and { "Fn::And" } else { "Fn::Or" };
        if items.is_empty() {
            return self.bad(arg, &format!("{fname} takes a list of conditions"));
        }
        let mut unknown = None;
        for c in items {
            match self.eval(c, scope) {
                Value::Bool(b) if b != and => return Value::Bool(b),
                Value::Bool(_) => {}
                Value::Unknown(u) => {
                    unknown.get_or_insert(u);
                }
                _ => return self.bad(c, &format!("{fname} takes conditions")),
            }
        }
        match unknown {
            Some(u) => Value::Unknown(u),
            None => Value::Bool(and),
        }
    }

    fn select(&self, arg: &Node, scope: &Scope) -> Value {
        let [i, list] = arg.items() else {
            return self.bad(arg, "Fn::Select takes an index and a list");
        };
        let index = match self.eval(i, scope) {
            Value::Unknown(u) => return Value::Unknown(u),
            v => match v.as_f64() {
                Some(n) if n >= 0.0 && n.fract() == 0.0 => n as usize,
                _ => return self.bad(i, "the index of Fn::Select is not a whole number"),
            },
        };
        match self.eval(list, scope) {
            Value::List(items) => match items.into_iter().nth(index) {
                Some(v) => v,
                None => self.bad(arg, "Fn::Select index is out of range"),
            },
            Value::Unknown(u) => Value::Unknown(u),
            other => Value::unknown(
                Reason::Computed,
                format!("element {index} of {}", render(&other)),
            ),
        }
    }

    fn split(&self, arg: &Node, scope: &Scope) -> Value {
        let [d, source] = arg.items() else {
            return self.bad(arg, "Fn::Split takes a delimiter and a string");
        };
        let delim = match self.eval(d, scope) {
            Value::String(s) if !s.is_empty() => s,
            _ => return self.bad(d, "the delimiter of Fn::Split is not a string"),
        };
        match self.eval(source, scope) {
            Value::String(s) => Value::List(s.split(delim.as_str()).map(Value::str).collect()),
            Value::Template(parts) => split_parts(&parts, &delim),
            Value::Unknown(u) => Value::Unknown(u),
            other => Value::unknown(Reason::Computed, format!("Fn::Split of {}", render(&other))),
        }
    }

    fn find_in_map(&self, arg: &Node, scope: &Scope) -> Value {
        let items = arg.items();
        if items.len() != 3 && items.len() != 4 {
            return self.bad(arg, "Fn::FindInMap takes [map, top-level key, second key]");
        }
        let default = items
            .get(3)
            .and_then(|d| d.get("DefaultValue"))
            .map(|d| self.eval(d, scope));
        let mut keys = Vec::new();
        for k in &items[..3] {
            match self.eval(k, scope) {
                Value::Unknown(u) => keys.push(Err(u)),
                v => match scalar_text(&v) {
                    Some(s) => keys.push(Ok(s)),
                    None => keys.push(Err(Unknown {
                        reason: Reason::Computed,
                        detail: format!("Fn::FindInMap key {}", render(&v)),
                    })),
                },
            }
        }
        let map_name = match &keys[0] {
            Ok(m) => m.clone(),
            Err(u) => return Value::Unknown(u.clone()),
        };
        let Some(map) = self
            .template
            .doc
            .get("Mappings")
            .and_then(|m| m.get(&map_name))
        else {
            self.warn(
                arg,
                "undefined-reference",
                format!("mapping {map_name} is not declared"),
            );
            return default.unwrap_or_else(|| invalid(format!("mapping {map_name}")));
        };
        // With an unknown key, the value is still known when every candidate agrees.
        let tops: Vec<&Node> = match &keys[1] {
            Ok(k) => map.get(k).into_iter().collect(),
            Err(_) => map.entries().iter().map(|(_, v)| v).collect(),
        };
        let mut found: Vec<Value> = Vec::new();
        for top in tops {
            let seconds: Vec<&Node> = match &keys[2] {
                Ok(k) => top.get(k).into_iter().collect(),
                Err(_) => top.entries().iter().map(|(_, v)| v).collect(),
            };
            for v in seconds {
                found.push(self.eval(v, scope));
            }
        }
        let first_unknown = keys.iter().find_map(|k| k.as_ref().err()).cloned();
        match (found.first(), first_unknown) {
            (None, _) => match default {
                Some(d) => d,
                None => {
                    self.warn(
                        arg,
                        "undefined-reference",
                        format!("mapping {map_name} has no such keys"),
                    );
                    invalid(format!("Fn::FindInMap {map_name}"))
                }
            },
            (Some(v), None) => v.clone(),
            (Some(v), Some(u)) => {
                if found.iter().all(|x| x == v) {
                    v.clone()
                } else {
                    Value::Unknown(u)
                }
            }
        }
    }

    fn cidr(&self, arg: &Node, scope: &Scope) -> Value {
        let [block, count, bits] = arg.items() else {
            return self.bad(arg, "Fn::Cidr takes [ipBlock, count, cidrBits]");
        };
        let block = match self.eval(block, scope) {
            Value::String(s) => s,
            Value::Unknown(u) => return Value::Unknown(u),
            other => {
                return Value::unknown(Reason::Computed, format!("Fn::Cidr of {}", render(&other)))
            }
        };
        let number = |n: &Node| match self.eval(n, scope) {
            Value::Unknown(u) => Err(Value::Unknown(u)),
            v => v
                .as_f64()
                .filter(|x| *x >= 0.0 && x.fract() == 0.0)
                .map(|x| x as u64)
                .ok_or_else(|| self.bad(n, "Fn::Cidr takes whole numbers")),
        };
        let (count, bits) = match (number(count), number(bits)) {
            (Ok(c), Ok(b)) => (c, b),
            (Err(e), _) | (_, Err(e)) => return e,
        };
        match cidr_subnets(&block, count as usize, bits as u32) {
            Some(list) => Value::List(list.into_iter().map(|s| Value::String(s.into())).collect()),
            None => self.bad(arg, "Fn::Cidr cannot split this block that way"),
        }
    }

    /// Records the span of every literal property path below `node` (intrinsic calls are
    /// leaves). Uses an explicit stack: nesting depth does not grow the call stack.
    pub fn record_spans(&self, path: &str, node: &Node, out: &mut crate::model::VecMap<Span>) {
        let mut todo: Vec<(String, &Node)> = vec![(path.to_string(), node)];
        while let Some((path, node)) = todo.pop() {
            if is_intrinsic(node) {
                continue;
            }
            match &node.value {
                NodeValue::Map(entries) => {
                    for (k, v) in entries {
                        let Some(key) = key_text(k) else { continue };
                        let p = if path.is_empty() {
                            key
                        } else {
                            format!("{path}.{key}")
                        };
                        out.insert(p.clone(), self.entry_span(k, v));
                        todo.push((p, v));
                    }
                }
                NodeValue::Seq(items) => {
                    let kept = items.iter().filter(|i| !is_literal_no_value(i));
                    for (i, item) in kept.enumerate() {
                        let p = format!("{path}[{i}]");
                        out.insert(p.clone(), self.span(item.span));
                        todo.push((p, item));
                    }
                }
                _ => {}
            }
        }
    }
}

/// True when a short form's argument is itself a call (`!Ref !Sub x` is not valid).
fn is_intrinsic_arg(arg: &Node, tagged: bool) -> bool {
    if tagged {
        long_form(arg).is_some()
    } else {
        is_intrinsic(arg)
    }
}

/// `!Ref AWS::NoValue` written as a list element.
fn is_literal_no_value(node: &Node) -> bool {
    let target = if node.tag.as_deref() == Some("Ref") {
        node.as_str()
    } else {
        match long_form(node) {
            Some(("Ref", v)) => v.as_str(),
            _ => None,
        }
    };
    target == Some("AWS::NoValue")
}

/// `Fn::Equals`: known values compare as CloudFormation compares them (as strings); the same
/// reference or symbol equals itself; anything else is unknown.
pub fn equals(a: &Value, b: &Value) -> Value {
    if let Some(u) = a.first_unknown().or_else(|| b.first_unknown()) {
        return Value::Unknown(u.clone());
    }
    if a.is_fully_known() && b.is_fully_known() {
        return Value::Bool(match (scalar_text(a), scalar_text(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        });
    }
    if a == b {
        return Value::Bool(true);
    }
    let symbol = [a, b].into_iter().find_map(|v| match v {
        Value::Symbol(s) => Some(*s),
        _ => None,
    });
    match symbol {
        Some(s) => Value::unknown(
            Reason::OutsideTree,
            format!(
                "the deployment's {} compared with {}",
                s.name(),
                render(if matches!(a, Value::Symbol(_)) { b } else { a })
            ),
        ),
        None => Value::unknown(
            Reason::Computed,
            format!("{} compared with {}", render(a), render(b)),
        ),
    }
}

/// `Fn::Cidr`: `count` consecutive subnets of `bits` host bits inside `block` (IPv4 or IPv6).
pub fn cidr_subnets(block: &str, count: usize, bits: u32) -> Option<Vec<String>> {
    let (ip, prefix) = block.trim().split_once('/')?;
    let prefix: u32 = prefix.parse().ok()?;
    let (base, width, v6) = if let Ok(v4) = ip.parse::<std::net::Ipv4Addr>() {
        (u128::from(u32::from(v4)), 32u32, false)
    } else {
        (
            u128::from(ip.parse::<std::net::Ipv6Addr>().ok()?),
            128u32,
            true,
        )
    };
    if prefix > width || bits == 0 || bits > width - prefix || count == 0 || count > MAX_CIDR_COUNT
    {
        return None;
    }
    let new_prefix = width - bits;
    let available = 1u128.checked_shl(new_prefix - prefix).unwrap_or(u128::MAX);
    if count as u128 > available {
        return None;
    }
    let host_mask = if prefix == 0 {
        u128::MAX >> (128 - width)
    } else {
        (1u128 << (width - prefix)) - 1
    };
    let network = base & !host_mask;
    let size = 1u128 << bits;
    let mut out = Vec::with_capacity(count);
    for i in 0..count as u128 {
        let addr = network + i * size;
        let text = if v6 {
            std::net::Ipv6Addr::from(addr).to_string()
        } else {
            std::net::Ipv4Addr::from(addr as u32).to_string()
        };
        out.push(format!("{text}/{new_prefix}"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Part, Ref};

    #[test]
    fn cidr_matches_cloudformation() {
        assert_eq!(
            cidr_subnets("10.40.0.0/16", 2, 12).unwrap(),
            vec!["10.40.0.0/20", "10.40.16.0/20"]
        );
        assert_eq!(
            cidr_subnets("192.168.0.0/24", 3, 6).unwrap(),
            vec!["192.168.0.0/26", "192.168.0.64/26", "192.168.0.128/26"]
        );
        assert_eq!(cidr_subnets("10.0.0.0/24", 5, 6), None);
        assert_eq!(cidr_subnets("10.0.0.0/24", 1, 9), None);
        assert_eq!(cidr_subnets("nonsense", 1, 8), None);
        assert_eq!(
            cidr_subnets("2001:db8::/56", 2, 64).unwrap(),
            vec!["2001:db8::/64", "2001:db8:0:1::/64"]
        );
    }

    #[test]
    fn split_keeps_refs_whole() {
        let r = |n: &str| {
            Part::Ref(Box::new(Ref {
                resource: n.into(),
                attribute: String::new(),
            }))
        };
        let parts = vec![r("A"), Part::Text(",".into()), r("B")];
        let Value::List(l) = split_parts(&parts, ",") else {
            panic!()
        };
        assert_eq!(l.len(), 2);
        assert!(matches!(&l[0], Value::Ref(x) if x.resource == "A"));
        assert!(matches!(&l[1], Value::Ref(x) if x.resource == "B"));
    }

    #[test]
    fn equals_is_three_valued() {
        assert_eq!(
            equals(&Value::str("1"), &Value::Number(1.0)),
            Value::Bool(true)
        );
        assert_eq!(
            equals(&Value::str("a"), &Value::str("b")),
            Value::Bool(false)
        );
        let region = Value::Symbol(Symbol::Region);
        assert_eq!(equals(&region, &region), Value::Bool(true));
        assert!(equals(&region, &Value::str("us-east-1")).is_unknown());
    }
}
