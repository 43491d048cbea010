//! Terraform's built-in functions that infrastructure code uses for names and policies.
//!
//! Each works on [`Value`]s: an unknown argument gives an unknown result with the same reason,
//! a ref inside a string function gives a template, and a function vouch does not evaluate gives
//! `Unknown(unsupported function)`, never a crash.

use super::values::{
    interpolate, key_string, push_text, template_value, type_name, unknown_of, MAX_COLLECTION,
};
use crate::model::value::format_number;
use crate::model::{base64, Part, Reason, Value};
use crate::syntax::hcl::BinaryOp;

fn invalid(msg: impl Into<String>) -> Value {
    Value::unknown(Reason::InvalidExpression, msg)
}

/// The first argument that is not fully known and not a plain ref/template, as an unknown.
fn first_unknown(args: &[Value]) -> Option<Value> {
    args.iter()
        .find_map(|a| a.first_unknown().cloned())
        .map(Value::Unknown)
}

fn string_arg(args: &[Value], i: usize, f: &str) -> Result<String, Value> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s.to_string()),
        Some(Value::Number(n)) => Ok(format_number(*n)),
        Some(Value::Bool(b)) => Ok(b.to_string()),
        Some(other) => Err(Value::Unknown(unknown_of(
            other,
            &format!("{f} argument {}", i + 1),
        ))),
        None => Err(invalid(format!("{f}: missing argument {}", i + 1))),
    }
}

fn list_arg(args: &[Value], i: usize, f: &str) -> Result<Vec<Value>, Value> {
    match args.get(i) {
        Some(Value::List(l)) => Ok(l.clone()),
        Some(other) => Err(Value::Unknown(unknown_of(
            other,
            &format!("{f} argument {}", i + 1),
        ))),
        None => Err(invalid(format!("{f}: missing argument {}", i + 1))),
    }
}

fn number_arg(args: &[Value], i: usize, f: &str) -> Result<f64, Value> {
    match args.get(i).and_then(Value::as_f64) {
        Some(n) => Ok(n),
        None => Err(args
            .get(i)
            .map(|v| Value::Unknown(unknown_of(v, f)))
            .unwrap_or_else(|| invalid(format!("{f}: missing argument {}", i + 1)))),
    }
}

/// How many arguments each function takes, as Terraform declares it: `(name, least, most)`,
/// `None` for a function that takes any number past the least. A call outside the range is an
/// invalid expression (Terraform refuses it), not a value made from what was given.
const ARITY: &[(&str, usize, Option<usize>)] = &[
    ("abs", 1, Some(1)),
    ("base64decode", 1, Some(1)),
    ("base64encode", 1, Some(1)),
    ("basename", 1, Some(1)),
    ("bcrypt", 1, Some(2)),
    ("can", 1, Some(1)),
    ("ceil", 1, Some(1)),
    ("chomp", 1, Some(1)),
    ("cidrsubnet", 3, Some(3)),
    ("coalesce", 1, None),
    ("coalescelist", 1, None),
    ("compact", 1, Some(1)),
    ("concat", 1, None),
    ("contains", 2, Some(2)),
    ("distinct", 1, Some(1)),
    ("element", 2, Some(2)),
    ("endswith", 2, Some(2)),
    ("file", 1, Some(1)),
    ("fileexists", 1, Some(1)),
    ("flatten", 1, Some(1)),
    ("floor", 1, Some(1)),
    ("format", 1, None),
    ("formatlist", 1, None),
    ("index", 2, Some(2)),
    ("join", 2, None),
    ("jsondecode", 1, Some(1)),
    ("jsonencode", 1, Some(1)),
    ("keys", 1, Some(1)),
    ("length", 1, Some(1)),
    ("lookup", 2, Some(3)),
    ("lower", 1, Some(1)),
    ("max", 1, None),
    ("merge", 0, None),
    ("min", 1, None),
    ("nonsensitive", 1, Some(1)),
    ("one", 1, Some(1)),
    ("plantimestamp", 0, Some(0)),
    ("range", 1, Some(3)),
    ("replace", 3, Some(3)),
    ("reverse", 1, Some(1)),
    ("sensitive", 1, Some(1)),
    ("setunion", 1, None),
    ("slice", 3, Some(3)),
    ("sort", 1, Some(1)),
    ("split", 2, Some(2)),
    ("startswith", 2, Some(2)),
    ("strcontains", 2, Some(2)),
    ("substr", 3, Some(3)),
    ("templatefile", 2, Some(2)),
    ("timestamp", 0, Some(0)),
    ("title", 1, Some(1)),
    ("tobool", 1, Some(1)),
    ("tolist", 1, Some(1)),
    ("tomap", 1, Some(1)),
    ("tonumber", 1, Some(1)),
    ("toset", 1, Some(1)),
    ("tostring", 1, Some(1)),
    ("trim", 2, Some(2)),
    ("trimprefix", 2, Some(2)),
    ("trimspace", 1, Some(1)),
    ("trimsuffix", 2, Some(2)),
    ("try", 1, None),
    ("upper", 1, Some(1)),
    ("uuid", 0, Some(0)),
    ("values", 1, Some(1)),
    ("zipmap", 2, Some(2)),
];

/// The invalid value a call with the wrong number of arguments is, or `None` when the count
/// fits (or vouch does not know the function, which is unknown for its own reason).
pub fn wrong_arity(name: &str, given: usize) -> Option<Value> {
    let name = name.strip_prefix("provider::terraform::").unwrap_or(name);
    let i = ARITY.binary_search_by(|(n, _, _)| n.cmp(&name)).ok()?;
    let (_, least, most) = ARITY[i];
    if given >= least && most.is_none_or(|m| given <= m) {
        return None;
    }
    let takes = match most {
        Some(m) if m == least => format!("{least}"),
        Some(m) => format!("{least} to {m}"),
        None => format!("at least {least}"),
    };
    let s = if takes == "1" { "" } else { "s" };
    Some(invalid(format!(
        "{name}() takes {takes} argument{s}, {given} given"
    )))
}

/// Calls a function by name.
pub fn call(name: &str, args: Vec<Value>) -> Value {
    if let Some(wrong) = wrong_arity(name, args.len()) {
        return wrong;
    }
    match eval_call(name, &args) {
        Ok(v) => v,
        Err(v) => v,
    }
}

fn eval_call(name: &str, args: &[Value]) -> Result<Value, Value> {
    let name = name.strip_prefix("provider::terraform::").unwrap_or(name);
    Ok(match name {
        "jsonencode" => {
            let v = args.first().cloned().unwrap_or(Value::Null);
            // A document with unknown leaves (a data source's ARN in a policy's Resource) keeps
            // its structure: its known parts (actions, effects) still decide checks, and every
            // reader that needs the text still sees the unknown through `first_unknown`.
            if let Value::Unknown(u) = &v {
                return Ok(Value::Unknown(u.clone()));
            }
            match v.to_json() {
                Some(j) => Value::String(serde_json::to_string(&j).unwrap_or_default().into()),
                None => Value::Encoded(Box::new(v)),
            }
        }
        "jsondecode" => match args.first() {
            Some(Value::String(s)) => match serde_json::from_str::<serde_json::Value>(s) {
                Ok(j) => Value::from_json(&j),
                Err(e) => invalid(format!("jsondecode: {e}")),
            },
            Some(Value::Encoded(v)) => (**v).clone(),
            Some(other) => Value::Unknown(unknown_of(other, "jsondecode argument")),
            None => invalid("jsondecode: no argument"),
        },
        // User data is base64 text: a script that names resources stays linked to them.
        "base64encode" => match args.first() {
            Some(Value::String(s)) => Value::str(base64::encode(s.as_bytes())),
            Some(v @ (Value::Template(_) | Value::Ref(_) | Value::Symbol(_))) => {
                Value::Base64(Box::new(v.clone()))
            }
            Some(other) => return Err(Value::Unknown(unknown_of(other, name))),
            None => return Err(invalid("base64encode: no argument")),
        },
        "base64decode" => match args.first() {
            Some(Value::String(s)) => {
                match base64::decode(s).and_then(|b| String::from_utf8(b).ok()) {
                    Some(text) => Value::str(text),
                    None => invalid("base64decode: the argument is not base64 of UTF-8 text"),
                }
            }
            Some(Value::Base64(v)) => (**v).clone(),
            Some(other) => return Err(Value::Unknown(unknown_of(other, name))),
            None => return Err(invalid("base64decode: no argument")),
        },
        "format" => format(args)?,
        // Sensitivity only hides a value in Terraform's output; the value is the same.
        "sensitive" | "nonsensitive" => args.first().cloned().unwrap_or(Value::Null),
        // The last element of a path, as Go's filepath.Base gives it (`"a/b/"` is `"b"`).
        "basename" => match args.first() {
            Some(Value::String(s)) => {
                let trimmed = s.trim_end_matches('/');
                Value::str(match trimmed.rsplit('/').next() {
                    _ if s.is_empty() => ".",
                    _ if trimmed.is_empty() => "/",
                    Some(last) => last,
                    None => trimmed,
                })
            }
            Some(other) => return Err(Value::Unknown(unknown_of(other, name))),
            None => return Err(invalid("basename: no argument")),
        },
        "formatlist" => {
            let fmt = args.first().cloned().unwrap_or(Value::Null);
            let lists: Vec<&Value> = args.iter().skip(1).collect();
            let n = lists
                .iter()
                .filter_map(|v| v.as_list().map(<[Value]>::len))
                .max()
                .unwrap_or(0);
            let mut out = Vec::new();
            for i in 0..n {
                let mut a = vec![fmt.clone()];
                for l in &lists {
                    a.push(match l {
                        Value::List(items) => items.get(i).cloned().unwrap_or(Value::Null),
                        other => (*other).clone(),
                    });
                }
                out.push(format(&a)?);
            }
            Value::List(out)
        }
        "join" => {
            let sep = string_arg(args, 0, "join")?;
            let mut parts = Vec::new();
            let mut first = true;
            for list in &args[1..] {
                for item in list_arg(std::slice::from_ref(list), 0, "join")? {
                    if !first {
                        interpolate(&mut parts, Value::String(sep.clone().into()));
                    }
                    first = false;
                    interpolate(&mut parts, item);
                }
            }
            template_value(parts)
        }
        "split" => {
            let sep = string_arg(args, 0, "split")?;
            let s = string_arg(args, 1, "split")?;
            if sep.is_empty() {
                Value::List(
                    s.chars()
                        .map(|c| Value::String(c.to_string().into()))
                        .collect(),
                )
            } else {
                Value::List(s.split(sep.as_str()).map(Value::str).collect())
            }
        }
        "concat" => {
            let mut out = Vec::new();
            for (i, _) in args.iter().enumerate() {
                out.extend(list_arg(args, i, "concat")?);
            }
            Value::List(out)
        }
        "merge" => {
            let mut out = crate::model::VecMap::new();
            for a in args {
                match a {
                    Value::Map(m) => out.extend(m.clone()),
                    Value::Null => {}
                    other => return Err(Value::Unknown(unknown_of(other, "merge argument"))),
                }
            }
            Value::Map(out)
        }
        "lookup" => {
            let key = string_arg(args, 1, "lookup")?;
            match args.first() {
                Some(Value::Map(m)) => match m.get(&key) {
                    Some(v) => v.clone(),
                    None => args
                        .get(2)
                        .cloned()
                        .unwrap_or_else(|| invalid(format!("lookup: no key {key:?}"))),
                },
                Some(other) => Value::Unknown(unknown_of(other, "lookup map")),
                None => invalid("lookup: no map"),
            }
        }
        "coalesce" => args
            .iter()
            .find(|a| !matches!(a, Value::Null) && a.as_str() != Some(""))
            .cloned()
            .unwrap_or_else(|| invalid("coalesce: no non-empty argument")),
        "coalescelist" => args
            .iter()
            .find(|a| a.as_list().is_some_and(|l| !l.is_empty()))
            .cloned()
            .unwrap_or(Value::List(vec![])),
        "tolist" => match args.first() {
            Some(Value::List(l)) => Value::List(l.clone()),
            Some(other) => Value::Unknown(unknown_of(other, "tolist argument")),
            None => invalid("tolist: no argument"),
        },
        "toset" => match args.first() {
            Some(Value::List(l)) => {
                let mut items = l.clone();
                if items.iter().all(|v| key_string(v).is_some()) {
                    items.sort_by_key(|v| key_string(v).unwrap_or_default());
                }
                items.dedup();
                Value::List(items)
            }
            Some(other) => Value::Unknown(unknown_of(other, "toset argument")),
            None => invalid("toset: no argument"),
        },
        "tomap" => match args.first() {
            Some(Value::Map(m)) => Value::Map(m.clone()),
            Some(other) => Value::Unknown(unknown_of(other, "tomap argument")),
            None => invalid("tomap: no argument"),
        },
        "tostring" => match args.first() {
            Some(Value::Number(n)) => Value::String(format_number(*n).into()),
            Some(Value::Bool(b)) => Value::String(b.to_string().into()),
            // A collection is not a string: Terraform refuses the conversion.
            Some(v @ (Value::List(_) | Value::Map(_))) => invalid(format!(
                "tostring: cannot convert a {} to a string",
                type_name(v)
            )),
            Some(v) => v.clone(),
            None => invalid("tostring: no argument"),
        },
        "tonumber" => match args.first() {
            Some(v) => v
                .as_f64()
                .map(Value::Number)
                .unwrap_or_else(|| Value::Unknown(unknown_of(v, "tonumber"))),
            None => invalid("tonumber: no argument"),
        },
        "tobool" => match args.first() {
            Some(v) => v
                .as_bool()
                .map(Value::Bool)
                .unwrap_or_else(|| Value::Unknown(unknown_of(v, "tobool"))),
            None => invalid("tobool: no argument"),
        },
        "flatten" => {
            fn flat(v: &Value, out: &mut Vec<Value>) {
                match v {
                    Value::List(l) => l.iter().for_each(|x| flat(x, out)),
                    other => out.push(other.clone()),
                }
            }
            let mut out = Vec::new();
            flat(&Value::List(list_arg(args, 0, "flatten")?), &mut out);
            Value::List(out)
        }
        "distinct" => {
            let mut out: Vec<Value> = Vec::new();
            for v in list_arg(args, 0, "distinct")? {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Value::List(out)
        }
        "compact" => Value::List(
            list_arg(args, 0, "compact")?
                .into_iter()
                .filter(|v| !matches!(v, Value::Null) && v.as_str() != Some(""))
                .collect(),
        ),
        "length" => match args.first() {
            Some(Value::List(l)) => Value::Number(l.len() as f64),
            Some(Value::Map(m)) => Value::Number(m.len() as f64),
            Some(Value::String(s)) => Value::Number(s.chars().count() as f64),
            Some(other) => Value::Unknown(unknown_of(other, "length argument")),
            None => invalid("length: no argument"),
        },
        "element" => {
            let l = list_arg(args, 0, "element")?;
            let i = number_arg(args, 1, "element")?;
            if l.is_empty() || i < 0.0 {
                invalid("element: empty list or negative index")
            } else {
                l[(i as usize) % l.len()].clone()
            }
        }
        "index" => {
            let l = list_arg(args, 0, "index")?;
            let v = args.get(1).cloned().unwrap_or(Value::Null);
            match l.iter().position(|x| *x == v) {
                Some(i) => Value::Number(i as f64),
                None => invalid("index: value not in list"),
            }
        }
        "contains" => {
            let l = list_arg(args, 0, "contains")?;
            let v = args.get(1).cloned().unwrap_or(Value::Null);
            if let Some(u) = first_unknown(&l) {
                return Ok(u);
            }
            Value::Bool(l.contains(&v))
        }
        "keys" => match args.first() {
            Some(Value::Map(m)) => Value::List(
                m.keys()
                    .map(|k| Value::String(k.to_string().into()))
                    .collect(),
            ),
            Some(other) => Value::Unknown(unknown_of(other, "keys argument")),
            None => invalid("keys: no argument"),
        },
        "values" => match args.first() {
            Some(Value::Map(m)) => Value::List(m.values().cloned().collect()),
            Some(other) => Value::Unknown(unknown_of(other, "values argument")),
            None => invalid("values: no argument"),
        },
        "zipmap" => {
            let k = list_arg(args, 0, "zipmap")?;
            let v = list_arg(args, 1, "zipmap")?;
            if k.len() != v.len() {
                return Err(invalid(format!(
                    "zipmap: {} keys and {} values",
                    k.len(),
                    v.len()
                )));
            }
            let mut m = crate::model::VecMap::new();
            for (k, v) in k.iter().zip(v) {
                match key_string(k) {
                    Some(k) => {
                        m.insert(k, v);
                    }
                    None => return Err(Value::Unknown(unknown_of(k, "zipmap key"))),
                }
            }
            Value::Map(m)
        }
        "slice" => {
            let l = list_arg(args, 0, "slice")?;
            let a = number_arg(args, 1, "slice")? as usize;
            let b = number_arg(args, 2, "slice")? as usize;
            if a <= b && b <= l.len() {
                Value::List(l[a..b].to_vec())
            } else {
                invalid("slice: bad range")
            }
        }
        "reverse" => {
            let mut l = list_arg(args, 0, "reverse")?;
            l.reverse();
            Value::List(l)
        }
        "sort" => {
            let l = list_arg(args, 0, "sort")?;
            let mut s: Vec<String> = l
                .iter()
                .map(|v| key_string(v).ok_or_else(|| Value::Unknown(unknown_of(v, "sort element"))))
                .collect::<Result<_, _>>()?;
            s.sort();
            Value::List(s.into_iter().map(|s| Value::String(s.into())).collect())
        }
        "setunion" => {
            let mut out: Vec<Value> = Vec::new();
            for (i, _) in args.iter().enumerate() {
                for v in list_arg(args, i, "setunion")? {
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
            }
            Value::List(out)
        }
        "range" => {
            let nums: Vec<f64> = (0..args.len())
                .map(|i| number_arg(args, i, "range"))
                .collect::<Result<_, _>>()?;
            let (start, end, step) = match nums.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s, e] => (*s, *e, if e >= s { 1.0 } else { -1.0 }),
                [s, e, st] => (*s, *e, *st),
                _ => return Err(invalid("range: one to three arguments")),
            };
            if step == 0.0 || ((end - start) / step) > MAX_COLLECTION as f64 {
                return Err(Value::unknown(Reason::Limit, "range too large"));
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(Value::Number(x));
                x += step;
            }
            Value::List(out)
        }
        "lower" | "upper" | "trimspace" | "title" | "chomp" => {
            let s: String = match args.first() {
                Some(Value::String(s)) => s.to_string(),
                Some(other) => return Err(Value::Unknown(unknown_of(other, name))),
                None => return Err(invalid(format!("{name}: no argument"))),
            };
            Value::str(match name {
                "lower" => s.to_lowercase(),
                "upper" => s.to_uppercase(),
                "trimspace" => s.trim().to_string(),
                "chomp" => s.trim_end_matches(['\n', '\r']).to_string(),
                _ => s
                    .split(' ')
                    .map(|w| {
                        let mut c = w.chars();
                        match c.next() {
                            Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                            None => String::new(),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            })
        }
        "replace" => {
            let s = string_arg(args, 0, "replace")?;
            let from = string_arg(args, 1, "replace")?;
            let to = string_arg(args, 2, "replace")?;
            if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
                Value::unknown(
                    Reason::UnsupportedFunction,
                    "replace with a regular expression",
                )
            } else {
                Value::String(s.replace(&from, &to).into())
            }
        }
        "trimprefix" => {
            let s = string_arg(args, 0, name)?;
            let p = string_arg(args, 1, name)?;
            Value::String(s.strip_prefix(p.as_str()).unwrap_or(&s).to_string().into())
        }
        "trimsuffix" => {
            let s = string_arg(args, 0, name)?;
            let p = string_arg(args, 1, name)?;
            Value::String(s.strip_suffix(p.as_str()).unwrap_or(&s).to_string().into())
        }
        "trim" => {
            let s = string_arg(args, 0, name)?;
            let cs = string_arg(args, 1, name)?;
            Value::String(s.trim_matches(|c| cs.contains(c)).to_string().into())
        }
        "startswith" | "endswith" | "strcontains" => {
            let s = string_arg(args, 0, name)?;
            let p = string_arg(args, 1, name)?;
            Value::Bool(match name {
                "startswith" => s.starts_with(&p),
                "endswith" => s.ends_with(&p),
                _ => s.contains(&p),
            })
        }
        "substr" => {
            let s = string_arg(args, 0, name)?;
            let off = number_arg(args, 1, name)?;
            let len = number_arg(args, 2, name)?;
            let chars: Vec<char> = s.chars().collect();
            let start = if off < 0.0 {
                chars.len().saturating_sub((-off) as usize)
            } else {
                (off as usize).min(chars.len())
            };
            let end = if len < 0.0 {
                chars.len()
            } else {
                (start + len as usize).min(chars.len())
            };
            Value::String(chars[start..end].iter().collect())
        }
        "max" | "min" => {
            let mut nums = Vec::new();
            for (i, _) in args.iter().enumerate() {
                nums.push(number_arg(args, i, name)?);
            }
            let r = if name == "max" {
                nums.into_iter().fold(f64::NEG_INFINITY, f64::max)
            } else {
                nums.into_iter().fold(f64::INFINITY, f64::min)
            };
            Value::Number(r)
        }
        "abs" => Value::Number(number_arg(args, 0, name)?.abs()),
        "ceil" => Value::Number(number_arg(args, 0, name)?.ceil()),
        "floor" => Value::Number(number_arg(args, 0, name)?.floor()),
        "one" => match list_arg(args, 0, name)?.as_slice() {
            [] => Value::Null,
            [x] => x.clone(),
            _ => invalid("one: more than one element"),
        },
        "cidrsubnet" => cidrsubnet(args)?,
        "timestamp" | "uuid" | "plantimestamp" | "bcrypt" => {
            Value::unknown(Reason::Computed, format!("{name}()"))
        }
        other => Value::unknown(Reason::UnsupportedFunction, format!("{other}()")),
    })
}

/// `format`: `%s`, `%d`, `%v`, `%q`, `%%`, with refs and symbols kept as template parts.
fn format(args: &[Value]) -> Result<Value, Value> {
    let spec = string_arg(args, 0, "format")?;
    let mut parts: Vec<Part> = Vec::new();
    let mut next = 1;
    let mut chars = spec.chars().peekable();
    let mut text = String::new();
    while let Some(c) = chars.next() {
        if c != '%' {
            text.push(c);
            continue;
        }
        // Skip flags and width.
        let mut verb = None;
        while let Some(&d) = chars.peek() {
            chars.next();
            if d.is_ascii_alphabetic() || d == '%' {
                verb = Some(d);
                break;
            }
        }
        match verb {
            Some('%') => text.push('%'),
            Some(v) => {
                push_text(&mut parts, &text);
                text.clear();
                let arg = args
                    .get(next)
                    .cloned()
                    .unwrap_or_else(|| invalid("format: too few arguments"));
                next += 1;
                match (v, arg) {
                    ('q', Value::String(s)) => push_text(&mut parts, &format!("{s:?}")),
                    ('d', Value::Number(n)) => {
                        push_text(&mut parts, &format!("{}", n.trunc() as i64))
                    }
                    // `%d` of a known value that is not a number: Terraform refuses it.
                    (
                        'd',
                        a @ (Value::String(_) | Value::Bool(_) | Value::List(_) | Value::Map(_)),
                    ) => {
                        return Err(invalid(format!("format: %d of a {}", type_name(&a))));
                    }
                    (_, a) => interpolate(&mut parts, a),
                }
            }
            None => text.push('%'),
        }
    }
    push_text(&mut parts, &text);
    Ok(template_value(parts))
}

fn cidrsubnet(args: &[Value]) -> Result<Value, Value> {
    let prefix = string_arg(args, 0, "cidrsubnet")?;
    let newbits = number_arg(args, 1, "cidrsubnet")? as u32;
    let netnum = number_arg(args, 2, "cidrsubnet")? as u64;
    let (addr, len) = prefix
        .split_once('/')
        .ok_or_else(|| invalid("cidrsubnet: not a CIDR"))?;
    let len: u32 = len
        .parse()
        .map_err(|_| invalid("cidrsubnet: bad prefix length"))?;
    let ip: std::net::Ipv4Addr = addr
        .parse()
        .map_err(|_| Value::unknown(Reason::UnsupportedFunction, "cidrsubnet on IPv6"))?;
    let new_len = len + newbits;
    if new_len > 32 || netnum >= (1u64 << newbits) {
        return Err(invalid("cidrsubnet: out of range"));
    }
    let base = u32::from(ip) as u64 & (!0u64 << (32 - len)) & 0xffff_ffff;
    let net = base | (netnum << (32 - new_len));
    Ok(Value::String(
        format!("{}/{new_len}", std::net::Ipv4Addr::from(net as u32)).into(),
    ))
}

/// True for an attribute the provider sets on every resource it creates, so that a reference
/// to it, although computed at apply time, is never null: a managed resource's `id`, its `arn`,
/// and the `identifier` RDS, DocumentDB and Neptune generate when the configuration gives none.
/// (A name or another `_id` may be an optional attribute left out, which reads as null.)
fn never_null(attribute: &str) -> bool {
    matches!(attribute, "id" | "arn" | "identifier")
}

/// Binary operators over values.
pub fn binary(op: BinaryOp, x: Value, y: Value) -> Value {
    use BinaryOp::*;
    match op {
        Eq | NotEq => {
            if !x.is_fully_known() || !y.is_fully_known() {
                if let (Value::Ref(a), Value::Ref(b)) = (&x, &y) {
                    if a == b {
                        return Value::Bool(op == Eq);
                    }
                }
                // `var.source != null` where the variable holds `aws_db_instance.a.identifier`:
                // the value is computed, but never null once the resource exists.
                if let (Value::Ref(r), Value::Null) | (Value::Null, Value::Ref(r)) = (&x, &y) {
                    if never_null(&r.attribute) {
                        return Value::Bool(op == NotEq);
                    }
                }
                // `var.node_groups != null` where one group's subnets come from a module
                // outside the tree: a map, list or template is not null, whatever it holds.
                if let (v, Value::Null) | (Value::Null, v) = (&x, &y) {
                    if matches!(
                        v,
                        Value::Map(_) | Value::List(_) | Value::Template(_) | Value::Encoded(_)
                    ) {
                        return Value::Bool(op == NotEq);
                    }
                }
                let u = if x.is_fully_known() {
                    unknown_of(&y, "operand")
                } else {
                    unknown_of(&x, "operand")
                };
                return Value::Unknown(u);
            }
            let eq = match (&x, &y) {
                (Value::Number(a), Value::Number(b)) => a == b,
                _ => x == y,
            };
            Value::Bool(if op == Eq { eq } else { !eq })
        }
        And | Or => match (x.as_bool(), y.as_bool()) {
            (Some(a), Some(b)) => Value::Bool(if op == And { a && b } else { a || b }),
            (Some(false), None) if op == And => Value::Bool(false),
            (Some(true), None) if op == Or => Value::Bool(true),
            (None, Some(false)) if op == And => Value::Bool(false),
            (None, Some(true)) if op == Or => Value::Bool(true),
            _ => Value::Unknown(if x.as_bool().is_none() {
                unknown_of(&x, "operand")
            } else {
                unknown_of(&y, "operand")
            }),
        },
        _ => match (x.as_f64(), y.as_f64()) {
            (Some(a), Some(b)) if !matches!(x, Value::Bool(_)) && !matches!(y, Value::Bool(_)) => {
                match op {
                    Plus => Value::Number(a + b),
                    Minus => Value::Number(a - b),
                    Mul => Value::Number(a * b),
                    Div if b != 0.0 => Value::Number(a / b),
                    Mod if b != 0.0 => Value::Number(a % b),
                    Less => Value::Bool(a < b),
                    LessEq => Value::Bool(a <= b),
                    Greater => Value::Bool(a > b),
                    GreaterEq => Value::Bool(a >= b),
                    _ => invalid("division by zero"),
                }
            }
            _ => {
                let bad = if x.as_f64().is_none() { &x } else { &y };
                Value::Unknown(unknown_of(bad, &format!("operand ({})", type_name(bad))))
            }
        },
    }
}

#[cfg(test)]
mod robustness {
    use super::*;

    /// Every function vouch evaluates, called with no argument, one null, or odd values: a
    /// wrong call is an unknown value (Terraform would refuse it), never a panic.
    #[test]
    fn any_arguments_give_a_value_not_a_panic() {
        let source = include_str!("functions.rs");
        let names: Vec<&str> = source
            .lines()
            .filter_map(|l| l.strip_prefix("        \""))
            .filter_map(|l| l.split('"').next())
            .filter(|n| {
                !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
            .collect();
        assert!(names.len() > 30, "{names:?}");
        let odd = [
            vec![],
            vec![Value::Null],
            vec![Value::str("")],
            vec![Value::Number(-1.0), Value::Number(1e300)],
            vec![
                Value::List(vec![]),
                Value::Map(Default::default()),
                Value::Bool(true),
            ],
        ];
        for name in names {
            for args in &odd {
                let _ = call(name, args.clone());
            }
        }
    }
}

#[cfg(test)]
mod arity {
    use super::*;

    /// Functions the evaluator itself handles (they read files or catch errors).
    const IN_EVAL: &[&str] = &["can", "file", "fileexists", "templatefile", "try"];

    fn is_invalid(v: &Value) -> bool {
        matches!(v, Value::Unknown(u) if u.reason == Reason::InvalidExpression)
    }

    /// The table is sorted (it is searched by halves) and names only functions vouch evaluates.
    #[test]
    fn the_table_is_sorted_and_every_row_is_a_function_vouch_evaluates() {
        assert!(ARITY.windows(2).all(|w| w[0].0 < w[1].0));
        for &(name, least, _) in ARITY {
            if IN_EVAL.contains(&name) {
                continue;
            }
            let v = call(name, vec![Value::Null; least]);
            assert!(
                !matches!(&v, Value::Unknown(u) if u.reason == Reason::UnsupportedFunction),
                "{name}: {v:?}"
            );
        }
    }

    /// base64encode of text is its base64; of a script holding references, the script kept
    /// whole (its references still link the resource); base64decode undoes both.
    #[test]
    fn base64_functions_encode_text_and_keep_references() {
        let text = Value::str("ECS_CLUSTER=main");
        let encoded = call("base64encode", vec![text.clone()]);
        assert_eq!(encoded, Value::str("RUNTX0NMVVNURVI9bWFpbg=="));
        assert_eq!(call("base64decode", vec![encoded]), text);
        let script = Value::Template(vec![
            Part::Text("ECS_CLUSTER=".into()),
            Part::Ref(Box::new(crate::model::Ref {
                resource: "aws_ecs_cluster.main".into(),
                attribute: "name".into(),
            })),
        ]);
        let kept = call("base64encode", vec![script.clone()]);
        assert_eq!(kept, Value::Base64(Box::new(script.clone())));
        assert_eq!(call("base64decode", vec![kept]), script);
        assert!(is_invalid(&call(
            "base64decode",
            vec![Value::str("not base64!")]
        )));
    }

    /// Too few or too many arguments: an invalid expression that says what the function takes.
    #[test]
    fn a_call_with_the_wrong_number_of_arguments_is_invalid() {
        for &(name, least, most) in ARITY {
            if least > 0 {
                let v = call(name, vec![Value::str("a"); least - 1]);
                assert!(is_invalid(&v), "{name} with {}: {v:?}", least - 1);
                let Value::Unknown(u) = v else { unreachable!() };
                assert!(u.detail.contains("takes"), "{name}: {}", u.detail);
            }
            if let Some(m) = most {
                let v = call(name, vec![Value::str("a"); m + 1]);
                assert!(is_invalid(&v), "{name} with {}: {v:?}", m + 1);
            }
        }
        // What used to come back as a value made from nothing.
        assert!(is_invalid(&call("formatlist", vec![])));
        assert!(is_invalid(&call("jsonencode", vec![])));
        assert!(is_invalid(&call("max", vec![])));
        assert_eq!(
            call(
                "formatlist",
                vec![Value::str("%s-x"), Value::List(vec![Value::str("a")])]
            ),
            Value::List(vec![Value::str("a-x")])
        );
    }

    /// Arguments of a type Terraform refuses.
    #[test]
    fn arguments_of_the_wrong_type_are_invalid() {
        let list = Value::List(vec![Value::Number(1.0)]);
        assert!(is_invalid(&call("tostring", vec![list.clone()])));
        assert!(is_invalid(&call(
            "zipmap",
            vec![list.clone(), Value::List(vec![])]
        )));
        assert!(is_invalid(&call(
            "format",
            vec![Value::str("%d"), Value::str("x")]
        )));
        assert_eq!(
            call(
                "format",
                vec![Value::str("%d-%s"), Value::Number(7.9), Value::str("x")]
            ),
            Value::str("7-x")
        );
    }
}

#[cfg(test)]
mod comparisons {
    use super::*;
    use crate::model::Ref;

    fn reference(attribute: &str) -> Value {
        Value::Ref(Box::new(Ref {
            resource: "aws_db_instance.source".into(),
            attribute: attribute.into(),
        }))
    }

    /// `var.replicate_source_db != null` on a module's replica: the identifier is computed, but
    /// a created instance always has one, so the module's replica branch is the one taken.
    #[test]
    fn an_identifying_attribute_is_never_null() {
        for attribute in ["id", "arn", "identifier"] {
            let x = reference(attribute);
            assert_eq!(
                binary(BinaryOp::NotEq, x.clone(), Value::Null),
                Value::Bool(true)
            );
            assert_eq!(binary(BinaryOp::Eq, Value::Null, x), Value::Bool(false));
        }
    }

    /// `basename(path.cwd)` (tags in terraform-aws-modules) and `nonsensitive(x)` are values.
    #[test]
    fn path_and_sensitivity_functions_give_values() {
        for (path, base) in [
            ("examples/karpenter", "karpenter"),
            ("a/b/", "b"),
            (".", "."),
            ("", "."),
            ("/", "/"),
        ] {
            assert_eq!(
                call("basename", vec![Value::str(path)]),
                Value::str(base),
                "{path}"
            );
        }
        assert_eq!(call("nonsensitive", vec![Value::str("x")]), Value::str("x"));
        assert_eq!(
            call("sensitive", vec![Value::Number(3.0)]),
            Value::Number(3.0)
        );
    }

    /// A map holding an unknown is still a map: `var.groups != null` is true.
    #[test]
    fn a_partly_unknown_map_is_not_null() {
        let mut m = crate::model::VecMap::new();
        m.insert(
            "general",
            Value::unknown(Reason::ExternalModule, "module.vpc"),
        );
        let groups = Value::Map(m);
        assert_eq!(
            binary(BinaryOp::NotEq, groups.clone(), Value::Null),
            Value::Bool(true)
        );
        assert_eq!(
            binary(BinaryOp::Eq, Value::Null, groups),
            Value::Bool(false)
        );
        let unknown = Value::unknown(Reason::ExternalModule, "module.vpc");
        assert!(matches!(
            binary(BinaryOp::NotEq, unknown, Value::Null),
            Value::Unknown(_)
        ));
    }

    /// An optional attribute the configuration may leave out reads as null: still unknown.
    #[test]
    fn another_computed_attribute_compared_with_null_stays_unknown() {
        let v = binary(BinaryOp::NotEq, reference("kms_key_id"), Value::Null);
        assert!(
            matches!(&v, Value::Unknown(u) if u.reason == Reason::Computed),
            "{v:?}"
        );
    }
}
