//! Resources and data sources of one module that refer to each other in a circle, through their
//! expressions or `depends_on` (locals may carry a link). Terraform refuses such a configuration
//! ("Error: Cycle: …", or "Self-referential block" for a block naming itself); vouch reports it
//! and reads the blocks as written — evaluation already turns a value that depends on itself into
//! an unknown with the reason [`crate::model::value::Reason::Cycle`].
//!
//! The graph is the module's static references, as Terraform's own is: both branches of a
//! conditional count. Module calls are left out: Terraform links a module's inputs and outputs
//! value by value, so two modules feeding each other are not necessarily a cycle and only an
//! analysis of both modules' insides could tell. Circles among locals alone are reported by the
//! evaluator where it meets them. Everything is walked with explicit stacks.

use super::config::ModuleConfig;
use crate::syntax::hcl::{Block, Expr, ObjectKeyExpr, Operator, TemplatePart};
use std::collections::HashMap;

/// A block of the module that takes part in the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    Resource(usize),
    Data(usize),
    Local(String),
}

/// One circle: its members in a stable order (resources, then data sources, each in declaration
/// order, then locals by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Circle {
    pub members: Vec<Member>,
}

impl Circle {
    /// The address of each member, as Terraform names it in its cycle error.
    pub fn addresses(&self, config: &ModuleConfig) -> Vec<String> {
        self.members
            .iter()
            .map(|m| match m {
                Member::Resource(i) => address(config.resources[*i].item, ""),
                Member::Data(i) => address(config.data[*i].item, "data."),
                Member::Local(name) => format!("local.{name}"),
            })
            .collect()
    }
}

fn address(block: &Block, prefix: &str) -> String {
    format!("{prefix}{}", block.labels.join("."))
}

/// The circles of the module that hold at least one resource or data source.
pub fn circles(config: &ModuleConfig) -> Vec<Circle> {
    let resources = config.resources.len();
    let data = config.data.len();
    let mut locals: Vec<&String> = config.locals.keys().collect();
    locals.sort();
    let local_index: HashMap<&str, usize> = locals
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), resources + data + i))
        .collect();
    let node_of = |r: Reference| -> Option<usize> {
        match r {
            Reference::Resource(ty, name) => config
                .resource_index
                .get(&(ty.to_string(), name.to_string()))
                .copied(),
            Reference::Data(ty, name) => config
                .data_index
                .get(&(ty.to_string(), name.to_string()))
                .map(|i| resources + i),
            Reference::Local(name) => local_index.get(name).copied(),
        }
    };
    let mut deps: Vec<Vec<usize>> = Vec::with_capacity(resources + data + locals.len());
    for block in config.resources.iter().chain(&config.data) {
        let mut out = Vec::new();
        block_references(block.item, &mut |r| out.extend(node_of(r)));
        deps.push(out);
    }
    for name in &locals {
        let mut out = Vec::new();
        expr_references(&config.locals[*name].item.expr, &mut |r| {
            out.extend(node_of(r))
        });
        deps.push(out);
    }
    crate::graph::circles(&deps)
        .into_iter()
        .filter(|c| c[0] < resources + data)
        .map(|c| Circle {
            members: c
                .into_iter()
                .map(|v| match v {
                    v if v < resources => Member::Resource(v),
                    v if v < resources + data => Member::Data(v - resources),
                    v => Member::Local(locals[v - resources - data].clone()),
                })
                .collect(),
        })
        .collect()
}

/// What an expression names in its own module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reference<'e> {
    Resource(&'e str, &'e str),
    Data(&'e str, &'e str),
    Local(&'e str),
}

/// The references of a resource or data block: its arguments and nested blocks, `count`,
/// `for_each`, `depends_on`, `lifecycle` (`replace_triggered_by`, conditions) and provisioners
/// included — Terraform's graph counts them all (checked with `terraform validate`). `self` is
/// no reference to another block.
fn block_references<'e>(block: &'e Block, found: &mut dyn FnMut(Reference<'e>)) {
    let mut bodies = vec![&block.body];
    while let Some(body) = bodies.pop() {
        for attr in &body.attributes {
            expr_references(&attr.expr, found);
        }
        bodies.extend(body.blocks.iter().map(|b| &b.body));
    }
}

/// The references an expression makes, in no particular order.
fn expr_references<'e>(expr: &'e Expr, found: &mut dyn FnMut(Reference<'e>)) {
    let mut stack = vec![expr];
    let mut parts: Vec<&'e TemplatePart> = Vec::new();
    loop {
        while let Some(part) = parts.pop() {
            match part {
                TemplatePart::Literal(_) => {}
                TemplatePart::Interpolation(e) => stack.push(e),
                TemplatePart::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    stack.push(cond);
                    parts.extend(then.iter().chain(otherwise));
                }
                TemplatePart::For {
                    collection, body, ..
                } => {
                    stack.push(collection);
                    parts.extend(body);
                }
            }
        }
        let Some(e) = stack.pop() else { break };
        match e {
            Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_) | Expr::Variable(_) => {}
            Expr::Template(ps) => parts.extend(ps),
            Expr::Array(items) => stack.extend(items),
            Expr::Object(entries) => {
                for (k, v) in entries {
                    if let ObjectKeyExpr::Expr(k) = k {
                        stack.push(k);
                    }
                    stack.push(v);
                }
            }
            Expr::Traversal(base, ops) => {
                match (base.as_ref(), ops.as_slice()) {
                    (Expr::Variable(root), ops) => {
                        if let Some(r) = reference(root, ops) {
                            found(r);
                        }
                    }
                    (base, _) => stack.push(base),
                }
                for op in ops {
                    if let Operator::Index(i) = op {
                        stack.push(i);
                    }
                }
            }
            Expr::Call(call) => stack.extend(&call.args),
            Expr::Conditional(c) => stack.extend([&c.0, &c.1, &c.2]),
            Expr::Unary(_, e) => stack.push(e),
            Expr::Binary(_, pair) => stack.extend([&pair.0, &pair.1]),
            Expr::For(f) => {
                stack.extend([&f.collection, &f.value_expr]);
                stack.extend(&f.key_expr);
                stack.extend(&f.cond);
            }
        }
    }
}

/// The block a traversal from the variable `root` names, if it is one of the module's.
fn reference<'e>(root: &'e str, ops: &'e [Operator]) -> Option<Reference<'e>> {
    let attr = |i: usize| match ops.get(i) {
        Some(Operator::GetAttr(name)) => Some(name.as_str()),
        _ => None,
    };
    match root {
        "local" => attr(0).map(Reference::Local),
        "data" => Some(Reference::Data(attr(0)?, attr(1)?)),
        "var" | "module" | "path" | "terraform" | "count" | "each" | "self" => None,
        ty => attr(0).map(|name| Reference::Resource(ty, name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::syntax::hcl::parse_body;

    fn circles_of(text: &str) -> Vec<Vec<String>> {
        let body = parse_body(text).unwrap();
        let mut config = ModuleConfig::new(String::new(), Default::default());
        config.add_file(FileId(0), &body);
        circles(&config)
            .iter()
            .map(|c| c.addresses(&config))
            .collect()
    }

    #[test]
    fn a_block_that_counts_itself_is_a_circle() {
        // The real pattern that once aborted a scan with a stack overflow.
        let text = r#"
resource "aws_iam_role" "x" {
  count = length(aws_iam_role.x) == 0 ? 1 : 0
  name  = "x"
}
"#;
        assert_eq!(circles_of(text), [vec!["aws_iam_role.x"]]);
    }

    #[test]
    fn circles_through_depends_on_references_and_locals() {
        let text = r#"
resource "aws_a" "one" {
  depends_on = [aws_b.two]
}
resource "aws_b" "two" {
  name = "${local.n}-b"
}
locals {
  n = data.aws_c.three.id
}
data "aws_c" "three" {
  filter = [for x in aws_a.one.ids : x]
}
resource "aws_d" "free" {
  name = aws_a.one.id
}
"#;
        assert_eq!(
            circles_of(text),
            [vec![
                "aws_a.one",
                "aws_b.two",
                "data.aws_c.three",
                "local.n"
            ]]
        );
    }

    #[test]
    fn provisioners_and_lifecycle_link_too_but_self_and_modules_do_not() {
        // As `terraform validate` says: a provisioner's or `replace_triggered_by`'s reference
        // closes a circle; `self` and a module's output do not.
        let text = r#"
resource "aws_a" "one" {
  provisioner "local-exec" { command = "echo ${aws_b.two.id}" }
}
resource "aws_b" "two" {
  name = aws_a.one.id
}
resource "aws_c" "three" {
  lifecycle { replace_triggered_by = [aws_d.four] }
}
resource "aws_d" "four" {
  name = aws_c.three.id
}
resource "aws_e" "five" {
  name = module.m.out
  provisioner "local-exec" { command = "echo ${self.id}" }
}
module "m" {
  source = "./m"
  x      = aws_e.five.id
}
locals {
  p = local.q
  q = local.p
}
"#;
        assert_eq!(
            circles_of(text),
            [
                vec!["aws_a.one", "aws_b.two"],
                vec!["aws_c.three", "aws_d.four"]
            ]
        );
    }
}
