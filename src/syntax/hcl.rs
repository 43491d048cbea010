//! Terraform's HCL, lowered from hcl-edit into a compact tree with byte spans.

use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Body as EditBody, Structure};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;
use std::ops::Range;

/// A byte range in the file the tree came from.
pub type ByteRange = (u32, u32);

fn range(r: Option<Range<usize>>) -> ByteRange {
    match r {
        Some(r) => (r.start as u32, r.end as u32),
        None => (0, 0),
    }
}

/// A body: attributes and nested blocks, in source order.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
}

impl Body {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn blocks<'a>(&'a self, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.ident == ident)
    }
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub expr: Expr,
    pub span: ByteRange,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub ident: String,
    pub labels: Vec<String>,
    pub body: Body,
    pub span: ByteRange,
}

/// An HCL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Template(Vec<TemplatePart>),
    Array(Vec<Expr>),
    Object(Vec<(ObjectKeyExpr, Expr)>),
    Variable(String),
    Traversal(Box<Expr>, Vec<Operator>),
    Call(Box<Call>),
    Conditional(Box<(Expr, Expr, Expr)>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<(Expr, Expr)>),
    For(Box<ForExpr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ObjectKeyExpr {
    /// A bare identifier key (`foo = …`): a literal name.
    Ident(String),
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    GetAttr(String),
    Index(Expr),
    AttrSplat,
    FullSplat,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Vec<Expr>,
    /// `f(xs...)`: the last argument is expanded.
    pub expand_final: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Eq,
    NotEq,
    LessEq,
    GreaterEq,
    Less,
    Greater,
    Plus,
    Minus,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    /// Present for object `for` expressions (`{ for k, v in x : k => v }`).
    pub key_expr: Option<Expr>,
    pub value_expr: Expr,
    pub cond: Option<Expr>,
    pub grouping: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    Literal(String),
    Interpolation(Expr),
    If {
        cond: Expr,
        then: Vec<TemplatePart>,
        otherwise: Vec<TemplatePart>,
    },
    For {
        key_var: Option<String>,
        value_var: String,
        collection: Expr,
        body: Vec<TemplatePart>,
    },
}

/// A parse error with its one-based position.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub message: String,
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// Parses a whole `.tf` or `.tfvars` file.
///
/// An object constructor that sets a key twice (`{ port = 80, port = 443 }`) is refused by
/// hcl-edit, but Terraform takes it and keeps the last value; real modules have it, and a
/// refused file loses every resource in it. Each later occurrence is renamed, in a copy of the
/// text, to a placeholder of the same length (so spans stay true), the copy is parsed again,
/// and the placeholders get their names back in the lowered tree, where evaluation keeps the
/// last entry of a key. At most [`MAX_REDEFINED_KEYS`] are renamed; past that the error stands.
pub fn parse_body(text: &str) -> Result<Body, ParseError> {
    let mut renamed: Vec<(String, String)> = Vec::new();
    let mut copy: Option<String> = None;
    loop {
        let current = copy.as_deref().unwrap_or(text);
        match hcl_edit::parser::parse_body(current) {
            Ok(body) => {
                let mut out = lower_body(&body);
                if !renamed.is_empty() {
                    let names: std::collections::HashMap<&str, &str> = renamed
                        .iter()
                        .map(|(p, k)| (p.as_str(), k.as_str()))
                        .collect();
                    restore_keys(&mut out, &names);
                }
                return Ok(out);
            }
            Err(e) => {
                let err = convert_error(e);
                if !err.message.contains("redefined object key")
                    || renamed.len() >= MAX_REDEFINED_KEYS
                {
                    return Err(err);
                }
                let Some((next, placeholder, key)) =
                    rename_key_at(current, err.offset, renamed.len())
                else {
                    return Err(err);
                };
                renamed.push((placeholder, key));
                copy = Some(next);
            }
        }
    }
}

/// How many keys set twice in one file are taken as Terraform takes them.
const MAX_REDEFINED_KEYS: usize = 64;

/// The text with the object key that starts at `offset` (an identifier, or a quoted key's
/// quote) replaced by a placeholder of the same length; with the placeholder and the key.
/// `None` when the key is too short to hold a placeholder or the placeholder occurs already.
fn rename_key_at(text: &str, offset: usize, n: usize) -> Option<(String, String, String)> {
    let rest = text.get(offset..)?;
    let (start, len) = if let Some(quoted) = rest.strip_prefix('"') {
        (offset + 1, quoted.find('"')?)
    } else {
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        (offset, len)
    };
    let key = text.get(start..start + len)?;
    let digits = format!("{n:x}");
    if len < digits.len() + 2 || !key.is_ascii() {
        return None;
    }
    let placeholder = format!("{}{digits}", "_".repeat(len - digits.len()));
    if text.contains(&placeholder) {
        return None;
    }
    let mut next = String::with_capacity(text.len());
    next.push_str(&text[..start]);
    next.push_str(&placeholder);
    next.push_str(&text[start + len..]);
    Some((next, placeholder, key.to_string()))
}

/// Gives renamed object keys their names back, everywhere in the lowered tree.
fn restore_keys(body: &mut Body, names: &std::collections::HashMap<&str, &str>) {
    for a in &mut body.attributes {
        restore_in_expr(&mut a.expr, names);
    }
    for b in &mut body.blocks {
        restore_keys(&mut b.body, names);
    }
}

fn restore_in_expr(e: &mut Expr, names: &std::collections::HashMap<&str, &str>) {
    let mut stack: Vec<&mut Expr> = vec![e];
    while let Some(e) = stack.pop() {
        match e {
            Expr::Object(items) => {
                for (k, v) in items.iter_mut() {
                    match k {
                        ObjectKeyExpr::Ident(i) => {
                            if let Some(orig) = names.get(i.as_str()) {
                                *i = (*orig).to_string();
                            }
                        }
                        ObjectKeyExpr::Expr(Expr::String(s)) => {
                            if let Some(orig) = names.get(s.as_str()) {
                                *s = (*orig).to_string();
                            }
                        }
                        ObjectKeyExpr::Expr(other) => stack.push(other),
                    }
                    stack.push(v);
                }
            }
            Expr::Array(items) => stack.extend(items.iter_mut()),
            Expr::Traversal(base, _) => stack.push(base),
            Expr::Call(c) => stack.extend(c.args.iter_mut()),
            Expr::Conditional(c) => {
                let (a, b, d) = &mut **c;
                stack.push(a);
                stack.push(b);
                stack.push(d);
            }
            Expr::Unary(_, x) => stack.push(x),
            Expr::Binary(_, pair) => {
                let (a, b) = &mut **pair;
                stack.push(a);
                stack.push(b);
            }
            Expr::For(f) => {
                let f = &mut **f;
                stack.push(&mut f.collection);
                stack.push(&mut f.value_expr);
                if let Some(k) = f.key_expr.as_mut() {
                    stack.push(k);
                }
                if let Some(c) = f.cond.as_mut() {
                    stack.push(c);
                }
            }
            _ => {}
        }
    }
}

/// Parses a template (`templatefile`), as a string template.
pub fn parse_template(text: &str) -> Result<Vec<TemplatePart>, ParseError> {
    let t = hcl_edit::parser::parse_template(text).map_err(convert_error)?;
    Ok(lower_template(&t))
}

fn convert_error(e: hcl_edit::parser::Error) -> ParseError {
    let loc = e.location();
    ParseError {
        message: e.message().to_string(),
        line: loc.line(),
        column: loc.column(),
        offset: loc.offset(),
    }
}

fn lower_body(body: &EditBody) -> Body {
    let mut out = Body::default();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => out.attributes.push(Attribute {
                name: a.key.as_str().to_string(),
                expr: lower_expr(&a.value),
                span: range(a.span()),
            }),
            Structure::Block(b) => out.blocks.push(Block {
                ident: b.ident.as_str().to_string(),
                labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
                body: lower_body(&b.body),
                span: range(b.span()),
            }),
        }
    }
    out
}

fn lower_expr(e: &Expression) -> Expr {
    match e {
        Expression::Null(_) => Expr::Null,
        Expression::Bool(b) => Expr::Bool(*b.value()),
        Expression::Number(n) => Expr::Number(n.value().as_f64().unwrap_or(0.0)),
        Expression::String(s) => Expr::String(s.value().to_string()),
        Expression::Array(a) => Expr::Array(a.iter().map(lower_expr).collect()),
        Expression::Object(o) => Expr::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        ObjectKey::Ident(i) => ObjectKeyExpr::Ident(i.as_str().to_string()),
                        ObjectKey::Expression(e) => ObjectKeyExpr::Expr(lower_expr(e)),
                    };
                    (key, lower_expr(v.expr()))
                })
                .collect(),
        ),
        Expression::StringTemplate(t) => {
            let parts: Vec<TemplatePart> = t.iter().map(lower_element).collect();
            simplify_template(parts)
        }
        Expression::HeredocTemplate(h) => simplify_template(lower_template(&h.template)),
        Expression::Parenthesis(p) => lower_expr(p.inner()),
        Expression::Variable(v) => Expr::Variable(v.as_str().to_string()),
        Expression::Conditional(c) => Expr::Conditional(Box::new((
            lower_expr(&c.cond_expr),
            lower_expr(&c.true_expr),
            lower_expr(&c.false_expr),
        ))),
        Expression::FuncCall(f) => {
            let mut name = String::new();
            for ns in &f.name.namespace {
                name.push_str(ns.as_str());
                name.push_str("::");
            }
            name.push_str(f.name.name.as_str());
            Expr::Call(Box::new(Call {
                name,
                args: f.args.iter().map(lower_expr).collect(),
                expand_final: f.args.expand_final(),
            }))
        }
        Expression::Traversal(t) => {
            let ops = t
                .operators
                .iter()
                .map(|op| match op.value() {
                    TraversalOperator::AttrSplat(_) => Operator::AttrSplat,
                    TraversalOperator::FullSplat(_) => Operator::FullSplat,
                    TraversalOperator::GetAttr(i) => Operator::GetAttr(i.as_str().to_string()),
                    TraversalOperator::Index(e) => Operator::Index(lower_expr(e)),
                    TraversalOperator::LegacyIndex(i) => {
                        Operator::Index(Expr::Number(*i.value() as f64))
                    }
                })
                .collect();
            Expr::Traversal(Box::new(lower_expr(&t.expr)), ops)
        }
        Expression::UnaryOp(u) => {
            let op = match u.operator.value() {
                UnaryOperator::Neg => UnaryOp::Neg,
                UnaryOperator::Not => UnaryOp::Not,
            };
            Expr::Unary(op, Box::new(lower_expr(&u.expr)))
        }
        Expression::BinaryOp(b) => {
            let op = match b.operator.value() {
                BinaryOperator::Eq => BinaryOp::Eq,
                BinaryOperator::NotEq => BinaryOp::NotEq,
                BinaryOperator::LessEq => BinaryOp::LessEq,
                BinaryOperator::GreaterEq => BinaryOp::GreaterEq,
                BinaryOperator::Less => BinaryOp::Less,
                BinaryOperator::Greater => BinaryOp::Greater,
                BinaryOperator::Plus => BinaryOp::Plus,
                BinaryOperator::Minus => BinaryOp::Minus,
                BinaryOperator::Mul => BinaryOp::Mul,
                BinaryOperator::Div => BinaryOp::Div,
                BinaryOperator::Mod => BinaryOp::Mod,
                BinaryOperator::And => BinaryOp::And,
                BinaryOperator::Or => BinaryOp::Or,
            };
            Expr::Binary(
                op,
                Box::new((lower_expr(&b.lhs_expr), lower_expr(&b.rhs_expr))),
            )
        }
        Expression::ForExpr(f) => Expr::For(Box::new(ForExpr {
            key_var: f.intro.key_var.as_ref().map(|k| k.as_str().to_string()),
            value_var: f.intro.value_var.as_str().to_string(),
            collection: lower_expr(&f.intro.collection_expr),
            key_expr: f.key_expr.as_ref().map(lower_expr),
            value_expr: lower_expr(&f.value_expr),
            cond: f.cond.as_ref().map(|c| lower_expr(&c.expr)),
            grouping: f.grouping,
        })),
    }
}

/// A string in template position (`.tf.json` values): parsed as a template, or kept as text when
/// it does not parse.
pub fn template_expr(text: &str) -> Expr {
    if !text.contains("${") && !text.contains("%{") {
        return Expr::String(text.to_string());
    }
    match hcl_edit::parser::parse_template(text) {
        Ok(t) => simplify_template(lower_template(&t)),
        Err(_) => Expr::String(text.to_string()),
    }
}

/// A template that is one interpolation (`"${x}"`) is the expression itself, as in Terraform;
/// a template of literals only is a string.
fn simplify_template(parts: Vec<TemplatePart>) -> Expr {
    match parts.as_slice() {
        [] => Expr::String(String::new()),
        [TemplatePart::Interpolation(e)] => e.clone(),
        _ if parts.iter().all(|p| matches!(p, TemplatePart::Literal(_))) => Expr::String(
            parts
                .iter()
                .map(|p| match p {
                    TemplatePart::Literal(s) => s.as_str(),
                    _ => "",
                })
                .collect(),
        ),
        _ => Expr::Template(parts),
    }
}

fn lower_template(t: &Template) -> Vec<TemplatePart> {
    t.iter().map(lower_element).collect()
}

fn lower_element(e: &Element) -> TemplatePart {
    match e {
        Element::Literal(l) => TemplatePart::Literal(l.value().to_string()),
        Element::Interpolation(i) => TemplatePart::Interpolation(lower_expr(&i.expr)),
        Element::Directive(d) => match &**d {
            Directive::If(i) => TemplatePart::If {
                cond: lower_expr(&i.if_expr.cond_expr),
                then: lower_template(&i.if_expr.template),
                otherwise: i
                    .else_expr
                    .as_ref()
                    .map(|e| lower_template(&e.template))
                    .unwrap_or_default(),
            },
            Directive::For(f) => TemplatePart::For {
                key_var: f.for_expr.key_var.as_ref().map(|k| k.as_str().to_string()),
                value_var: f.for_expr.value_var.as_str().to_string(),
                collection: lower_expr(&f.for_expr.collection_expr),
                body: lower_template(&f.for_expr.template),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowers_blocks_attributes_and_spans() {
        let text = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x-${var.env}\"\n  tags = { a = 1 }\n}\n";
        let body = parse_body(text).unwrap();
        let block = &body.blocks[0];
        assert_eq!(block.ident, "resource");
        assert_eq!(block.labels, vec!["aws_s3_bucket", "b"]);
        let attr = block.body.attribute("bucket").unwrap();
        assert_eq!(
            &text[attr.span.0 as usize..attr.span.0 as usize + 6],
            "bucket"
        );
        assert!(matches!(attr.expr, Expr::Template(_)));
    }

    #[test]
    fn a_lone_interpolation_is_its_expression() {
        let body = parse_body("a = \"${var.x}\"\n").unwrap();
        assert!(matches!(body.attributes[0].expr, Expr::Traversal(..)));
    }

    #[test]
    fn parse_errors_have_positions() {
        let e = parse_body("resource \"a\" \"b\" {\n  x = \n}\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 7));
    }
}
