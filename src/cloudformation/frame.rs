//! One instantiated template as every part of the CloudFormation frontend reads it: the
//! [`Stack`] type, its parameter values, conditions, addresses, spans and warnings, and the
//! evaluation of a Properties mapping. Lowering a stack (which runs the SAM transform and
//! instantiates nested stacks) is in `stack.rs`; the intrinsics are in `intrinsics.rs`. This
//! module needs neither `stack.rs` nor `sam.rs`, so that both can name the type.

use super::template::{Shared, Template};
use super::values::{has_leading_zero, key_text, split_parts, Scope};
use crate::model::{self, Reason, Ref, Resource, Symbol, Unknown, Value};
use crate::source::Span;
use crate::syntax::yaml::{Node, NodeValue};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub(super) enum Memo<T> {
    InProgress,
    Done(T),
}

/// The outputs of a nested stack, or why they are unknown.
pub(super) type Outputs = Result<Rc<HashMap<String, Value>>, Unknown>;

pub struct Stack<'a> {
    pub shared: &'a Shared<'a>,
    pub template: Template<'a>,
    /// `""` at the top, `Network/` inside the nested stack `Network`.
    pub prefix: String,
    pub params: HashMap<String, Value>,
    /// Logical ids of the template's resources (and of those the SAM transform generates), with
    /// their types.
    pub logical: HashMap<String, String>,
    /// Resource nodes by logical id: (key node, value node).
    pub(super) resources: HashMap<String, (&'a Node, &'a Node)>,
    pub sam: bool,
    /// Template paths from the unit's template down to this one (to refuse self-nesting).
    pub(super) chain: Vec<String>,
    /// The condition of the `AWS::CloudFormation::Stack` resource that nests this template.
    pub(super) inherited_condition: Option<model::Condition>,
    pub(super) conditions: RefCell<HashMap<String, Memo<Value>>>,
    pub(super) nested: RefCell<HashMap<String, Memo<Outputs>>>,
}

impl<'a> Stack<'a> {
    pub fn file(&self) -> crate::source::FileId {
        self.template.file
    }

    pub fn span(&self, range: (u32, u32)) -> Span {
        Span {
            file: self.template.file,
            start: range.0,
            end: range.1.max(range.0),
        }
    }

    /// The span from a mapping key through its value (a resource or property "line").
    pub fn entry_span(&self, key: &Node, value: &Node) -> Span {
        self.span((key.span.0, value.span.1.max(key.span.1)))
    }

    pub fn warn(&self, at: &Node, code: &'static str, message: String) {
        self.shared
            .warn(self.template.file, at.span.0, code, message);
    }

    /// The model address of a logical id of this stack.
    pub fn address(&self, logical_id: &str) -> String {
        format!("{}{}", self.prefix, logical_id)
    }

    pub fn unit(&self) -> &str {
        &self.shared.unit
    }

    /// Decides each declared parameter's value: given, else default, else unknown.
    pub(super) fn parameter_values(
        &self,
        mut given: HashMap<String, Value>,
        top_level: bool,
    ) -> HashMap<String, Value> {
        let mut out = HashMap::new();
        let declared = self.template.doc.get("Parameters");
        for (key, decl) in declared.map(Node::entries).unwrap_or_default() {
            let Some(name) = key_text(key) else { continue };
            let ty = decl.get("Type").and_then(Node::as_str).unwrap_or("String");
            let value = match given.remove(&name) {
                Some(v) => v,
                None => match decl.get("Default") {
                    Some(d) => literal_param(d),
                    None => {
                        Value::unknown(Reason::ParameterWithoutDefault, format!("parameter {name}"))
                    }
                },
            };
            out.insert(name, coerce_param(ty, value));
        }
        if !top_level {
            let mut extra: Vec<_> = given.keys().cloned().collect();
            extra.sort();
            for name in extra {
                self.warn(
                    self.template.doc,
                    "template-structure",
                    format!(
                        "{} passes parameter {name}, which {} does not declare",
                        self.prefix.trim_end_matches('/'),
                        self.template.path
                    ),
                );
            }
        }
        out
    }

    /// A condition's value: `Bool`, or `Unknown` with the reason.
    pub fn condition(&self, name: &str, at: &Node) -> Value {
        match self.conditions.borrow().get(name) {
            Some(Memo::Done(v)) => return v.clone(),
            Some(Memo::InProgress) => {
                self.warn(
                    at,
                    "template-structure",
                    format!("condition {name} refers to itself"),
                );
                return Value::unknown(Reason::Cycle, format!("condition {name}"));
            }
            None => {}
        }
        let Some(node) = self
            .template
            .doc
            .get("Conditions")
            .and_then(|c| c.get(name))
        else {
            self.warn(
                at,
                "undefined-reference",
                format!("condition {name} is not declared in Conditions"),
            );
            return Value::unknown(Reason::InvalidExpression, format!("condition {name}"));
        };
        self.conditions
            .borrow_mut()
            .insert(name.to_string(), Memo::InProgress);
        let v = match self.eval(node, &Scope::new()) {
            Value::Bool(b) => Value::Bool(b),
            Value::String(s) if s == "true" || s == "false" => Value::Bool(s == "true"),
            Value::Unknown(u) => Value::Unknown(u),
            other => {
                self.warn(
                    node,
                    "template-structure",
                    format!("condition {name} is not a boolean: {other}"),
                );
                Value::unknown(Reason::InvalidExpression, format!("condition {name}"))
            }
        };
        self.conditions
            .borrow_mut()
            .insert(name.to_string(), Memo::Done(v.clone()));
        v
    }

    /// Evaluates a Properties mapping into a resource's attributes and attribute spans,
    /// leaving out `skip`.
    pub fn eval_properties(&self, props: &Node, skip: &[&str], r: &mut Resource) {
        for (k, v) in props.entries() {
            let Some(name) = key_text(k) else {
                self.warn(
                    k,
                    "template-structure",
                    "a property name is not a string".into(),
                );
                continue;
            };
            if skip.contains(&name.as_str()) {
                continue;
            }
            let value = self.eval(v, &Scope::new());
            if value == Value::Symbol(Symbol::NoValue) {
                continue;
            }
            r.attribute_spans
                .insert(name.clone(), self.entry_span(k, v));
            self.record_spans(&name, v, &mut r.attribute_spans);
            r.attributes.insert(name, value);
        }
    }

    /// The resource node of a logical id.
    pub fn resource_node(&self, id: &str) -> Option<(&'a Node, &'a Node)> {
        self.resources.get(id).copied()
    }

    /// The evaluated `Value` of each output.
    pub(super) fn outputs(&self) -> HashMap<String, Value> {
        let mut out = HashMap::new();
        for (k, o) in self
            .template
            .doc
            .get("Outputs")
            .map(Node::entries)
            .unwrap_or_default()
        {
            let Some(name) = key_text(k) else { continue };
            match o.get("Value") {
                Some(v) => {
                    out.insert(name, self.eval(v, &Scope::new()));
                }
                None => self.warn(
                    k,
                    "template-structure",
                    format!("output {name} has no Value"),
                ),
            }
        }
        out
    }

    /// `Ref` of a logical id or parameter as the evaluator sees it.
    pub fn resource_ref(&self, id: &str, attribute: &str) -> Value {
        Value::Ref(Box::new(Ref {
            resource: self.address(id),
            attribute: attribute.to_string(),
        }))
    }
}

/// A parameter default as written: scalars keep their source text (a `Default: 012` or an
/// account id stays a string until the type says otherwise).
pub(super) fn literal_param(node: &Node) -> Value {
    match &node.value {
        NodeValue::Number(_, text) => Value::String(text.clone().into()),
        NodeValue::Bool(b) => Value::String(b.to_string().into()),
        NodeValue::String(s) => Value::String(s.clone().into()),
        NodeValue::Null => Value::String(String::new().into()),
        NodeValue::Seq(items) => Value::List(items.iter().map(literal_param).collect()),
        NodeValue::Map(_) => Value::unknown(
            Reason::InvalidExpression,
            "a parameter default that is a mapping",
        ),
    }
}

/// Gives a parameter value the shape its declared type has.
pub fn coerce_param(ty: &str, v: Value) -> Value {
    let ty = ty.trim();
    if ty.starts_with("AWS::SSM::Parameter::Value<") {
        let name = match &v {
            Value::String(s) => s.clone(),
            other => other.to_string().into(),
        };
        return Value::unknown(Reason::DataSource, format!("SSM parameter {name}"));
    }
    let is_list = ty == "CommaDelimitedList" || ty.starts_with("List<");
    match v {
        Value::String(s) if is_list => Value::List(
            s.split(',')
                .map(|x| Value::String(x.trim().to_string().into()))
                .collect(),
        ),
        Value::Template(parts) if is_list => split_parts(&parts, ","),
        Value::String(s) if ty == "Number" => match s.trim().parse::<f64>() {
            Ok(n) if !has_leading_zero(s.trim()) => Value::Number(n),
            _ => Value::String(s),
        },
        other => other,
    }
}
