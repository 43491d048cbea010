//! One instantiated template: its parameter values, conditions, resources, outputs and nested
//! stacks.
//!
//! A stack is evaluated once per place it is deployed: a top-level template once, a nested
//! template once per `AWS::CloudFormation::Stack` that names it, with that stack's parameters
//! and an address prefix. Conditions and nested stacks are memoized; a condition that refers to
//! itself or a template that nests itself becomes an unknown, never a hang.

pub use super::frame::Stack;
use super::frame::{Memo, Outputs};
use super::template::{resolve_nested, Shared, Template};
use super::values::{key_text, Scope};
use super::{depends, sam};
use crate::model::{self, Language, Reason, Resource, Symbol, Unknown, Value};
use crate::syntax::yaml::{Node, NodeValue};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Nested stacks inside nested stacks beyond which vouch stops.
pub const MAX_STACK_DEPTH: usize = 16;

/// Nested stack instances one unit may hold in all: a template that nests a template several
/// times, which nests another several times, multiplies within [`MAX_STACK_DEPTH`]; past this
/// total a nested stack is unknown.
pub const MAX_NESTED_STACKS: usize = 10_000;

/// The SAM transform's name.
pub const SAM_TRANSFORM: &str = "AWS::Serverless-2016-10-31";

impl<'a> Stack<'a> {
    /// Prepares a stack: decides its parameter values from `given` (command-line strings for a
    /// top-level template, the parent's evaluated `Parameters` for a nested one).
    pub fn new(
        shared: &'a Shared<'a>,
        template: Template<'a>,
        prefix: String,
        given: HashMap<String, Value>,
        top_level: bool,
        chain: Vec<String>,
        inherited_condition: Option<model::Condition>,
    ) -> Stack<'a> {
        let doc = template.doc;
        let sam = match doc.get("Transform") {
            Some(t) => {
                t.as_str() == Some(SAM_TRANSFORM)
                    || t.items().iter().any(|i| i.as_str() == Some(SAM_TRANSFORM))
            }
            None => false,
        };
        let mut stack = Stack {
            shared,
            template,
            prefix,
            params: HashMap::new(),
            logical: HashMap::new(),
            resources: HashMap::new(),
            sam,
            chain,
            inherited_condition,
            conditions: RefCell::new(HashMap::new()),
            nested: RefCell::new(HashMap::new()),
        };
        if !matches!(doc.value, NodeValue::Map(_)) {
            stack.warn(
                doc,
                "template-structure",
                "the template is not a mapping of sections".into(),
            );
            return stack;
        }
        for section in [
            "Parameters",
            "Mappings",
            "Conditions",
            "Resources",
            "Outputs",
        ] {
            if let Some(s) = doc.get(section) {
                if !matches!(s.value, NodeValue::Map(_)) && s.value != NodeValue::Null {
                    stack.warn(
                        s,
                        "template-structure",
                        format!("{section} is not a mapping; it is ignored"),
                    );
                }
            }
        }
        if let Some(resources) = doc.get("Resources") {
            for (key, node) in resources.entries() {
                let Some(id) = key_text(key) else {
                    stack.warn(
                        key,
                        "template-structure",
                        "a resource's logical id is not a string".into(),
                    );
                    continue;
                };
                let ty = node
                    .get("Type")
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_string();
                if stack.resources.contains_key(&id) {
                    stack.warn(
                        key,
                        "template-structure",
                        format!("resource {id} is declared twice; the first one is used"),
                    );
                    continue;
                }
                if stack.sam {
                    for generated in sam::generated_ids(&id, &ty, node) {
                        stack
                            .logical
                            .entry(generated.0)
                            .or_insert(generated.1.to_string());
                    }
                }
                stack.logical.insert(id.clone(), ty);
                stack.resources.insert(id, (key, node));
            }
            stack.report_dependency_cycles(resources);
        }
        stack.params = stack.parameter_values(given, top_level);
        stack
    }

    /// Resources that depend on each other in a circle: the template CloudFormation refuses,
    /// reported at the first of them; every resource is still read as written.
    fn report_dependency_cycles(&self, resources: &'a Node) {
        let kept: Vec<(String, &Node, &Node)> = resources
            .entries()
            .iter()
            .filter_map(|(key, node)| {
                let id = key_text(key)?;
                let (first, _) = self.resources.get(&id)?;
                (first.span == key.span).then_some((id, key, node))
            })
            .collect();
        let graph: Vec<(&str, &Node)> = kept
            .iter()
            .map(|(id, _, node)| (id.as_str(), *node))
            .collect();
        for circle in depends::cycles(&graph) {
            let members = &circle.members;
            let names: Vec<&str> = members
                .iter()
                .take(10)
                .map(|&i| kept[i].0.as_str())
                .collect();
            let more = match members.len() {
                n if n > 10 => format!(" and {} more", n - 10),
                _ => String::new(),
            };
            let what = if members.len() == 1 {
                format!("{} depends on itself", names[0])
            } else {
                format!("{}{more} depend on each other", names.join(", "))
            };
            let through = match circle.through_references {
                true => "through DependsOn and references (Ref, Fn::GetAtt, Fn::Sub)",
                false => "through DependsOn",
            };
            self.warn(
                kept[members[0]].1,
                "dependency-cycle",
                format!(
                    "{what} {through}: CloudFormation refuses the template as a circular dependency"
                ),
            );
        }
    }

    /// Lowers every resource of the template (and its nested stacks) into the shared output.
    pub fn lower(&self) {
        let Some(resources) = self.template.doc.get("Resources") else {
            if matches!(self.template.doc.value, NodeValue::Map(_)) {
                self.warn(
                    self.template.doc,
                    "template-structure",
                    "the template has no Resources section".into(),
                );
            }
            return;
        };
        for (key, node) in resources.entries() {
            let Some(id) = key_text(key) else { continue };
            if self.resources.get(&id).map(|(k, _)| k.span) != Some(key.span) {
                continue; // a duplicate, already reported
            }
            self.lower_resource(&id, key, node);
        }
    }

    fn lower_resource(&self, id: &str, key: &'a Node, node: &'a Node) {
        if !matches!(node.value, NodeValue::Map(_)) {
            self.warn(
                node,
                "template-structure",
                format!("resource {id} is not a mapping"),
            );
            return;
        }
        let Some(ty) = node.get("Type").and_then(Node::as_str) else {
            self.warn(
                node.get("Type").unwrap_or(key),
                "template-structure",
                format!("resource {id} has no Type string; it is skipped"),
            );
            return;
        };
        let condition = match node.get("Condition") {
            Some(c) => match c.as_str() {
                Some(name) => Some(model::Condition {
                    name: name.to_string(),
                    value: self.condition(name, c).as_bool(),
                }),
                None => {
                    self.warn(
                        c,
                        "template-structure",
                        format!("the Condition of resource {id} is not a name"),
                    );
                    None
                }
            },
            None => self.inherited_condition.clone(),
        };
        let props = node.get("Properties");
        if let Some(p) = props {
            if !matches!(p.value, NodeValue::Map(_) | NodeValue::Null) {
                self.warn(
                    p,
                    "template-structure",
                    format!("the Properties of resource {id} are not a mapping; they are ignored"),
                );
            }
        }
        let span = self.entry_span(key, node);
        if let Some(m) = node.get("Metadata") {
            self.metadata_suppressions(id, m);
        }
        if ty.starts_with("AWS::Serverless::") {
            if self.sam {
                let out = sam::expand(self, id, ty, span, props, condition);
                self.shared.resources.borrow_mut().extend(out);
                if ty == "AWS::Serverless::Application" {
                    let _ = self.nested_outputs(id, key);
                }
                return;
            }
            self.warn(
                node.get("Type").unwrap_or(key),
                "template-structure",
                format!("{ty} needs `Transform: {SAM_TRANSFORM}`; it is read as written"),
            );
        }
        let mut r = Resource::new(
            self.unit(),
            self.address(id),
            ty,
            Language::CloudFormation,
            span,
        );
        r.condition = condition;
        if let Some(p) = props {
            self.eval_properties(p, &super::openapi_body::skipped(props), &mut r);
        }
        if matches!(
            ty,
            "AWS::AutoScaling::LaunchConfiguration" | "AWS::EC2::LaunchTemplate"
        ) {
            self.cfn_init(node, &mut r);
        }
        let generated = super::openapi_body::lower(self, &mut r, props);
        self.shared.resources.borrow_mut().push(r);
        self.shared.resources.borrow_mut().extend(generated);
        if ty == "AWS::CloudFormation::Stack" {
            let _ = self.nested_outputs(id, key);
        }
    }

    /// cfn-init's configuration (`Metadata: AWS::CloudFormation::Init`), which an instance runs
    /// at boot when its user data calls cfn-init: commands and files that, like the user data,
    /// can join the instance to an ECS cluster (`echo ECS_CLUSTER=${Cluster} >> ecs.config`).
    /// Read onto a launch configuration or template as `Metadata.AWS::CloudFormation::Init`, a
    /// name no property has.
    fn cfn_init(&self, node: &Node, r: &mut Resource) {
        const INIT: &str = "AWS::CloudFormation::Init";
        let Some((key, metadata)) = node
            .entries()
            .iter()
            .find(|(k, _)| k.as_str() == Some("Metadata"))
        else {
            return;
        };
        let Some(init) = metadata.get(INIT) else {
            return;
        };
        let value = self.eval(init, &Scope::new());
        let mut map = model::Map::new();
        map.insert(INIT, value);
        r.attribute_spans
            .insert("Metadata", self.entry_span(key, metadata));
        self.record_spans("Metadata", metadata, &mut r.attribute_spans);
        r.attributes.insert("Metadata", Value::Map(map));
    }

    /// `Metadata: {vouch: {ignore: [{id, reason}]}}` on a resource: suppressions of the
    /// resource (and of what a SAM resource generates: `suppressions::record`), for
    /// templates that cannot hold comments. An entry without an id or a reason is a warning and
    /// suppresses nothing.
    fn metadata_suppressions(&self, id: &str, metadata: &Node) {
        use crate::model::suppressions::{Scope, Suppression, CODE};
        let Some(ignore) = metadata.get("vouch").and_then(|v| v.get("ignore")) else {
            return;
        };
        let NodeValue::Seq(items) = &ignore.value else {
            self.warn(
                ignore,
                CODE,
                "`Metadata.vouch.ignore` must be a list of `{id, reason}` entries".to_string(),
            );
            return;
        };
        let address = self.address(id);
        for item in items {
            let text = |k: &str| {
                item.get(k)
                    .and_then(Node::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            };
            match (text("id"), text("reason")) {
                (Some(rule), Some(reason)) if crate::assumptions::rule(rule).is_some() => {
                    let span = self.span(item.span);
                    self.shared.suppressions.borrow_mut().push(Suppression {
                        unit: self.unit().to_string(),
                        assumption: rule.to_string(),
                        reason: reason.to_string(),
                        scope: Scope::Resources(vec![address.clone()]),
                        span,
                    });
                }
                (Some(rule), Some(_)) => self.warn(
                    item,
                    CODE,
                    format!("this suppression names no assumption `{rule}`; `vouch explain` lists them"),
                ),
                _ => self.warn(
                    item,
                    CODE,
                    "a suppression needs an `id` (the assumption) and a `reason`; this one suppresses nothing"
                        .to_string(),
                ),
            }
        }
    }

    /// `Fn::GetAtt Stack.Outputs.Name`: the output of a nested stack, evaluating the nested
    /// template on first use.
    pub fn nested_output(&self, id: &str, output: &str, at: &Node) -> Value {
        match self.nested_outputs(id, at) {
            Ok(outputs) => match outputs.get(output) {
                Some(v) => v.clone(),
                None => {
                    self.warn(
                        at,
                        "undefined-reference",
                        format!("nested stack {id} has no output {output}"),
                    );
                    Value::unknown(
                        Reason::InvalidExpression,
                        format!("{}.Outputs.{output}", self.address(id)),
                    )
                }
            },
            Err(u) => Value::Unknown(Unknown {
                reason: u.reason,
                detail: format!("{} ({})", u.detail, output),
            }),
        }
    }

    fn nested_outputs(&self, id: &str, at: &Node) -> Outputs {
        match self.nested.borrow().get(id) {
            Some(Memo::Done(o)) => return o.clone(),
            Some(Memo::InProgress) => {
                self.warn(
                    at,
                    "template-structure",
                    format!("nested stack {id} depends on its own outputs"),
                );
                return Err(Unknown {
                    reason: Reason::Cycle,
                    detail: format!("nested stack {}", self.address(id)),
                });
            }
            None => {}
        }
        self.nested
            .borrow_mut()
            .insert(id.to_string(), Memo::InProgress);
        let result = self.instantiate_nested(id);
        self.nested
            .borrow_mut()
            .insert(id.to_string(), Memo::Done(result.clone()));
        result
    }

    fn instantiate_nested(&self, id: &str) -> Outputs {
        let address = self.address(id);
        let outside = |what: String| Unknown {
            reason: Reason::OutsideTree,
            detail: format!("nested stack {address}: {what}"),
        };
        let Some((key, node)) = self.resource_node(id) else {
            return Err(outside("not a resource".into()));
        };
        let props = node.get("Properties");
        let ty = node.get("Type").and_then(Node::as_str).unwrap_or_default();
        let url_key = if ty == "AWS::Serverless::Application" {
            "Location"
        } else {
            "TemplateURL"
        };
        let Some(url_node) = props.and_then(|p| p.get(url_key)) else {
            self.warn(
                key,
                "template-structure",
                format!("nested stack {id} has no {url_key}"),
            );
            return Err(outside(format!("no {url_key}")));
        };
        let url = match self.eval(url_node, &Scope::new()) {
            Value::String(s) => s,
            other => return Err(outside(format!("template {other}"))),
        };
        let known = |p: &str| self.shared.templates.contains_key(p);
        let Some(path) = resolve_nested(self.template.dir, &url, &known) else {
            return Err(outside(format!("template {url}")));
        };
        let Some(child) = self.shared.templates.get(&path) else {
            self.warn(
                url_node,
                "nested-template-missing",
                format!("nested template {url} ({path}) is not in the scanned tree"),
            );
            return Err(outside(format!(
                "template {url} is not in the scanned tree"
            )));
        };
        if self.chain.contains(&path) {
            self.warn(
                url_node,
                "template-structure",
                format!("nested template {path} nests itself"),
            );
            return Err(Unknown {
                reason: Reason::Cycle,
                detail: format!("nested stack {address}"),
            });
        }
        if self.chain.len() >= MAX_STACK_DEPTH {
            self.warn(
                url_node,
                "template-structure",
                format!("nested stacks deeper than {MAX_STACK_DEPTH} levels are not evaluated"),
            );
            return Err(Unknown {
                reason: Reason::Limit,
                detail: format!("nested stack {address}"),
            });
        }
        let count = self.shared.nested_stacks.get() + 1;
        if count > MAX_NESTED_STACKS {
            if !self.shared.nested_limit_reported.replace(true) {
                self.warn(
                    url_node,
                    "nested-stack-limit",
                    format!(
                        "nested stack {address}: more than {MAX_NESTED_STACKS} nested stacks in \
                         this unit; this one and the ones after it are not evaluated"
                    ),
                );
            }
            return Err(Unknown {
                reason: Reason::Limit,
                detail: format!(
                    "nested stack {address}: more than {MAX_NESTED_STACKS} nested stacks in the unit"
                ),
            });
        }
        self.shared.nested_stacks.set(count);
        let mut given = HashMap::new();
        if let Some(params) = props.and_then(|p| p.get("Parameters")) {
            for (k, v) in params.entries() {
                if let Some(name) = key_text(k) {
                    let value = self.eval(v, &Scope::new());
                    if value != Value::Symbol(Symbol::NoValue) {
                        given.insert(name, value);
                    }
                }
            }
        }
        let condition = node
            .get("Condition")
            .and_then(Node::as_str)
            .map(|name| model::Condition {
                name: name.to_string(),
                value: self.condition(name, key).as_bool(),
            });
        let mut chain = self.chain.clone();
        chain.push(path);
        let stack = Stack::new(
            self.shared,
            *child,
            format!("{address}/"),
            given,
            false,
            chain,
            condition.or_else(|| self.inherited_condition.clone()),
        );
        stack.lower();
        Ok(Rc::new(stack.outputs()))
    }
}

/// Template paths of the tree a template nests (stacks and SAM applications with a local path,
/// or an S3 URL whose key is a template of the tree: see [`resolve_nested`]).
pub fn local_children(t: &Template, exists: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for (_, r) in t
        .doc
        .get("Resources")
        .map(Node::entries)
        .unwrap_or_default()
    {
        let url = match r.get("Type").and_then(Node::as_str) {
            Some("AWS::CloudFormation::Stack") => {
                r.get("Properties").and_then(|p| p.get("TemplateURL"))
            }
            Some("AWS::Serverless::Application") => {
                r.get("Properties").and_then(|p| p.get("Location"))
            }
            _ => None,
        };
        if let Some(url) = url.filter(|u| u.tag.is_none()).and_then(Node::as_str) {
            if let Some(p) = resolve_nested(t.dir, url, exists) {
                out.push(p);
            }
        }
    }
    out
}
