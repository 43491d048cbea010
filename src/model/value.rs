//! Values: what an attribute or property evaluates to.
//!
//! A value is [`Value::Known`] data, a [`Ref`] to another resource's attribute (an edge, not an
//! unknown), a [`Value::Template`] mixing text with references and symbols, a deployment
//! [`Symbol`] (account, region, partition), or [`Value::Unknown`] with the reason the tree cannot
//! settle it. Unknown is a value, never a guess: checks turn it into a question.

use serde::Serialize;
use std::fmt;

/// An evaluated value.
///
/// In JSON, known values are plain JSON; the others are one-key objects: `{"$ref": …}`,
/// `{"$template": [...]}`, `{"$symbol": "region"}`, `{"$json": …}`, `{"$unknown": …}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(crate::model::map::Key),
    List(Vec<Value>),
    Map(crate::model::Map),
    /// An attribute of a resource that exists only once deployed: an edge. (Boxed: refs are
    /// rarer than strings and maps, and an unboxed ref would make every value 16 bytes larger.)
    Ref(Box<Ref>),
    /// Text mixed with references, symbols and unknowns: `"${aws_s3_bucket.b.arn}/*"`.
    Template(Vec<Part>),
    /// "This deployment's" account, region, partition, …
    Symbol(Symbol),
    /// The JSON text of a value that is not fully known (`jsonencode` of a policy holding refs).
    Encoded(Box<Value>),
    /// The base64 text of a value that is not fully known (`Fn::Base64` or `base64encode` of a
    /// user-data script that names a cluster): kept, rather than unknown, so that the
    /// references inside still link the resource to what they name.
    Base64(Box<Value>),
    Unknown(Unknown),
}

/// A reference to an attribute of a resource in the model.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Ref {
    /// Address of the target resource (Terraform address, or CloudFormation logical id with its
    /// stack path).
    pub resource: String,
    /// The attribute, possibly nested (`arn`, `Outputs.VpcId`); empty for the resource itself.
    pub attribute: String,
}

/// One piece of a [`Value::Template`]: text is a JSON string, the rest as in [`Value`].
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Ref(Box<Ref>),
    Symbol(Symbol),
    Unknown(Unknown),
}

/// Values that mean "the deployment this template or root is deployed to".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Symbol {
    AccountId,
    Region,
    Partition,
    UrlSuffix,
    StackName,
    StackId,
    /// CloudFormation's `AWS::NoValue`: the property is removed.
    NoValue,
}

impl Symbol {
    pub fn name(self) -> &'static str {
        match self {
            Symbol::AccountId => "account_id",
            Symbol::Region => "region",
            Symbol::Partition => "partition",
            Symbol::UrlSuffix => "url_suffix",
            Symbol::StackName => "stack_name",
            Symbol::StackId => "stack_id",
            Symbol::NoValue => "no_value",
        }
    }
}

/// Why a value is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A Terraform variable with no default and no value given.
    VariableWithoutDefault,
    /// A CloudFormation parameter with no default and no value given.
    ParameterWithoutDefault,
    /// A data source reading existing infrastructure.
    DataSource,
    /// A module that is not in the scanned tree.
    ExternalModule,
    /// A resource attribute computed at apply time (plan `after_unknown`).
    Computed,
    /// A value imported from another stack (`Fn::ImportValue`) or remote state.
    OutsideTree,
    /// A function vouch does not evaluate.
    UnsupportedFunction,
    /// An expression that failed to evaluate (type error, bad index, …).
    InvalidExpression,
    /// A reference cycle between locals, outputs or resources.
    Cycle,
    /// An evaluation limit was hit (nesting, size).
    Limit,
}

impl Reason {
    pub fn describe(self) -> &'static str {
        match self {
            Reason::VariableWithoutDefault => "variable without default",
            Reason::ParameterWithoutDefault => "parameter without default",
            Reason::DataSource => "data source reads existing infrastructure",
            Reason::ExternalModule => "module outside the scanned tree",
            Reason::Computed => "computed at apply time",
            Reason::OutsideTree => "value from outside the scanned tree",
            Reason::UnsupportedFunction => "unsupported function",
            Reason::InvalidExpression => "invalid expression",
            Reason::Cycle => "reference cycle",
            Reason::Limit => "evaluation limit reached",
        }
    }
}

/// An unknown value with its reason and a precise subject (`var.alarm_email`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Unknown {
    pub reason: Reason,
    pub detail: String,
}

impl Value {
    pub fn unknown(reason: Reason, detail: impl Into<String>) -> Value {
        Value::Unknown(Unknown {
            reason,
            detail: detail.into(),
        })
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into().into())
    }

    /// What makes the value unsettled: the first unknown inside it with its reason, or, for a
    /// value that is known but cannot be read as the data expected (a reference, a template),
    /// "computed at apply time" with its text.
    pub fn as_unknown(&self) -> Unknown {
        match self.first_unknown() {
            Some(u) => u.clone(),
            None => Unknown {
                reason: Reason::Computed,
                detail: self.to_string(),
            },
        }
    }

    /// The value as the code wrote it, for messages: text as is, and `${…}` for what is not
    /// text yet (`${aws_kms_key.k.arn}`, `${account}`, `${region}`); an unknown by its detail.
    pub fn written(&self) -> String {
        fn symbol(s: Symbol) -> String {
            match s {
                Symbol::AccountId => "${account}".into(),
                s => format!("${{{}}}", s.name()),
            }
        }
        match self {
            Value::String(s) => s.to_string(),
            Value::Template(parts) => parts
                .iter()
                .map(|p| match p {
                    Part::Text(t) => t.clone(),
                    Part::Symbol(s) => symbol(*s),
                    Part::Ref(r) => format!("${{{r}}}"),
                    Part::Unknown(u) => format!("${{{}}}", u.detail),
                })
                .collect(),
            Value::Ref(r) => format!("${{{r}}}"),
            Value::Symbol(s) => symbol(*s),
            Value::Unknown(u) => u.detail.clone(),
            other => other.to_string(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&crate::model::Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(key))
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// True when the value holds no ref, template, symbol or unknown anywhere inside.
    pub fn is_fully_known(&self) -> bool {
        match self {
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(l) => l.iter().all(Value::is_fully_known),
            Value::Map(m) => m.values().all(Value::is_fully_known),
            _ => false,
        }
    }

    /// The first unknown found inside the value, depth first.
    pub fn first_unknown(&self) -> Option<&Unknown> {
        match self {
            Value::Unknown(u) => Some(u),
            Value::List(l) => l.iter().find_map(Value::first_unknown),
            Value::Map(m) => m.values().find_map(Value::first_unknown),
            Value::Encoded(v) | Value::Base64(v) => v.first_unknown(),
            Value::Template(parts) => parts.iter().find_map(|p| match p {
                Part::Unknown(u) => Some(u),
                _ => None,
            }),
            _ => None,
        }
    }

    /// Calls `f` for every ref inside the value, with the path below the value
    /// (`name[0].Resource`), `path` holding the value's own path on entry.
    ///
    /// The path text is built only when a ref is found: most values hold none, and building
    /// a path for every nested key was most of the cost of linking a large tree.
    pub fn visit_refs<'a>(&'a self, path: &str, f: &mut dyn FnMut(&str, &'a Ref)) {
        let mut segs = Vec::new();
        self.walk(&mut segs, &mut |segs, v| {
            let mut emit = |r: &'a Ref| {
                let p = render_path(path, segs);
                f(&p, r)
            };
            match v {
                Value::Ref(r) => emit(r),
                Value::Template(parts) => {
                    for part in parts {
                        if let Part::Ref(r) = part {
                            emit(r)
                        }
                    }
                }
                _ => {}
            }
        });
    }

    /// Calls `f` for every unknown inside the value, with its path.
    pub fn visit_unknowns<'a>(&'a self, path: &str, f: &mut dyn FnMut(&str, &'a Unknown)) {
        let mut segs = Vec::new();
        self.walk(&mut segs, &mut |segs, v| {
            let mut emit = |u: &'a Unknown| {
                let p = render_path(path, segs);
                f(&p, u)
            };
            match v {
                Value::Unknown(u) => emit(u),
                Value::Template(parts) => {
                    for part in parts {
                        if let Part::Unknown(u) = part {
                            emit(u)
                        }
                    }
                }
                _ => {}
            }
        });
    }

    /// Depth-first walk over the leaves (anything but lists, maps and encoded values).
    fn walk<'a>(&'a self, segs: &mut Vec<Seg<'a>>, f: &mut dyn FnMut(&[Seg<'a>], &'a Value)) {
        match self {
            Value::List(l) => {
                for (i, v) in l.iter().enumerate() {
                    segs.push(Seg::Index(i));
                    v.walk(segs, f);
                    segs.pop();
                }
            }
            Value::Map(m) => {
                for (k, v) in m {
                    segs.push(Seg::Key(k));
                    v.walk(segs, f);
                    segs.pop();
                }
            }
            Value::Encoded(v) | Value::Base64(v) => v.walk(segs, f),
            Value::Null
            | Value::Bool(_)
            | Value::Number(_)
            | Value::String(_)
            | Value::Symbol(_) => {}
            leaf => f(segs, leaf),
        }
    }

    /// Converts plain JSON into a value.
    pub fn from_json(j: &serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::String(s.clone().into()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// The JSON of a fully known value; `None` when anything inside is not known.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_json(*n),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::List(l) => {
                serde_json::Value::Array(l.iter().map(Value::to_json).collect::<Option<_>>()?)
            }
            Value::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| Some((k.to_string(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
            _ => return None,
        })
    }

    /// A policy document or other JSON carried as text, a map, or an encoded value, as a
    /// structured value. Text that is not JSON stays as it is.
    pub fn decoded(&self) -> Value {
        match self {
            Value::String(s) => match serde_json::from_str::<serde_json::Value>(s) {
                Ok(j) => Value::from_json(&j),
                Err(_) => self.clone(),
            },
            Value::Encoded(v) => (**v).clone(),
            other => other.clone(),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        let tagged = |s: S, key: &str, v: &dyn erased::Ser| -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry(key, &erased::Wrap(v))?;
            m.end()
        };
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => number_json(*n).serialize(s),
            Value::String(x) => s.serialize_str(x),
            Value::List(l) => {
                let mut seq = s.serialize_seq(Some(l.len()))?;
                for v in l {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Value::Ref(r) => tagged(s, "$ref", &**r),
            Value::Template(parts) => tagged(s, "$template", parts),
            Value::Symbol(sym) => tagged(s, "$symbol", sym),
            Value::Encoded(v) => tagged(s, "$json", &**v),
            Value::Base64(v) => tagged(s, "$base64", &**v),
            Value::Unknown(u) => tagged(s, "$unknown", u),
        }
    }
}

impl Serialize for Part {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Part::Text(t) => s.serialize_str(t),
            Part::Ref(r) => Value::Ref(r.clone()).serialize(s),
            Part::Symbol(x) => Value::Symbol(*x).serialize(s),
            Part::Unknown(u) => Value::Unknown(u.clone()).serialize(s),
        }
    }
}

/// A tiny object-safe bridge so one helper can serialize differently typed payloads.
mod erased {
    pub trait Ser {
        fn to_json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
    pub struct Wrap<'a>(pub &'a dyn Ser);
    impl serde::Serialize for Wrap<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.to_json().serialize(s)
        }
    }
}

/// One step of a path below a value.
#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn render_path(base: &str, segs: &[Seg]) -> String {
    let mut p = base.to_string();
    for s in segs {
        match s {
            Seg::Key(k) => {
                if !p.is_empty() {
                    p.push('.');
                }
                p.push_str(k);
            }
            Seg::Index(i) => {
                p.push('[');
                p.push_str(&i.to_string());
                p.push(']');
            }
        }
    }
    p
}

fn number_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

/// Formats a number the way Terraform prints it (integers without a fraction).
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl fmt::Display for Value {
    /// A compact, human-readable rendering, used by the text inventory.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{}", format_number(*n)),
            Value::String(s) => write!(f, "{s:?}"),
            Value::List(l) => {
                write!(f, "[")?;
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{v}")?;
                }
                write!(f, "]")
            }
            Value::Map(m) => {
                write!(f, "{{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k} = {v}")?;
                }
                write!(f, "}}")
            }
            Value::Ref(r) => write!(f, "{r}"),
            Value::Template(parts) => {
                write!(f, "\"")?;
                for p in parts {
                    match p {
                        Part::Text(t) => write!(f, "{}", t.escape_debug())?,
                        Part::Ref(r) => write!(f, "${{{r}}}")?,
                        Part::Symbol(s) => write!(f, "${{{}}}", s.name())?,
                        Part::Unknown(u) => write!(f, "${{unknown: {}}}", u.detail)?,
                    }
                }
                write!(f, "\"")
            }
            Value::Symbol(s) => write!(f, "<{}>", s.name()),
            Value::Encoded(v) => write!(f, "json({v})"),
            Value::Base64(v) => write!(f, "base64({v})"),
            Value::Unknown(u) => write!(f, "<unknown: {} ({})>", u.detail, u.reason.describe()),
        }
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.attribute.is_empty() {
            write!(f, "{}", self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.attribute)
        }
    }
}
