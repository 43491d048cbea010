//! Type constraints of input variables, as far as they change a value: `optional(type,
//! default)` attributes of `object(...)` types get their default when the value leaves them out
//! or sets them to null (Terraform 1.3+), inside lists, sets, maps and tuples too, so a module
//! that writes `optional(bool, true)` for a setting gives the resource `true` and not an
//! unknown. An attribute marked `optional(type)` without a default is null.

use super::eval::Instance;
use crate::model::Value;
use crate::syntax::hcl::{Expr, ObjectKeyExpr};

/// Nesting of type expressions beyond which a value is left as it is.
const MAX_DEPTH: usize = 32;

/// `v` as the type constraint `ty` makes it.
pub fn apply(ty: &Expr, v: Value) -> Value {
    convert(ty, v, 0)
}

fn convert(ty: &Expr, v: Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return v;
    }
    let Expr::Call(call) = ty else { return v };
    match (call.name.as_str(), call.args.as_slice(), v) {
        ("object", [Expr::Object(fields)], Value::Map(mut m)) => {
            for (key, fty) in fields {
                let name = match key {
                    ObjectKeyExpr::Ident(n) => n.clone(),
                    ObjectKeyExpr::Expr(Expr::String(n)) => n.clone(),
                    ObjectKeyExpr::Expr(_) => continue,
                };
                let (inner, default) = match fty {
                    Expr::Call(c) if c.name == "optional" => (c.args.first(), Some(c.args.get(1))),
                    other => (Some(other), None),
                };
                let present = m.get(name.as_str()).filter(|x| !matches!(x, Value::Null));
                let value = match (present, default) {
                    (Some(x), _) => Some(x.clone()),
                    (None, Some(Some(d))) => Some(Instance::eval_constant(d)),
                    (None, Some(None)) => Some(Value::Null),
                    (None, None) => None,
                };
                if let Some(value) = value {
                    let value = match inner {
                        Some(t) => convert(t, value, depth + 1),
                        None => value,
                    };
                    m.insert(name, value);
                }
            }
            Value::Map(m)
        }
        ("list" | "set", [elem], Value::List(items)) => Value::List(
            items
                .into_iter()
                .map(|x| convert(elem, x, depth + 1))
                .collect(),
        ),
        ("map", [elem], Value::Map(m)) => Value::Map(
            m.into_iter()
                .map(|(k, x)| (k, convert(elem, x, depth + 1)))
                .collect(),
        ),
        ("tuple", [Expr::Array(types)], Value::List(items)) => Value::List(
            items
                .into_iter()
                .enumerate()
                .map(|(i, x)| match types.get(i) {
                    Some(t) => convert(t, x, depth + 1),
                    None => x,
                })
                .collect(),
        ),
        (_, _, v) => v,
    }
}
