//! Known attributes of other resources: a reference to an attribute that the target's own
//! configuration sets literally is that literal.
//!
//! `cidr_blocks = [aws_vpc.main.cidr_block]` with `cidr_block = "10.40.0.0/16"` on the VPC is
//! the VPC's range, not a value computed at apply time: the provider plans exactly what the
//! configuration says for an attribute the configuration sets. Only what the provider computes
//! (`id`, `arn`, an attribute the configuration leaves out) is decided at apply time, and a
//! reference to it stays a reference.
//!
//! A reference to an attribute that *names* its target (`id`, `arn`, `name`, `bucket`,
//! `GroupId`, `!Ref`) also stays a reference, even when the name is written literally: that is
//! how the code points at the resource, and the IAM, KMS and network layers follow such
//! references to the resource itself (`role = aws_iam_role.r.name` is that role).
//!
//! Resolution runs after [`super::Model::link`] has made the edges, so every reference is still
//! an edge; chains (`a.x = b.y`, `b.y = c.z`) are followed up to [`MAX_CHAIN`] links, which also
//! ends any cycle. A map whose entries each refer to another such map multiplies at every link
//! (20 entries over 8 links would be 20^8 lookups and a value as large), so the lookups made for
//! one attribute are counted too: past [`MAX_LOOKUPS`] the remaining references stay references.

use super::{Part, Ref, Resource, Value};
use std::cell::Cell;
use std::collections::HashMap;

/// Links of a chain of references followed before the reference is left as it is.
pub const MAX_CHAIN: usize = 8;

/// References looked up while resolving one attribute of one resource.
pub const MAX_LOOKUPS: usize = 10_000;

/// True for an attribute that names or identifies its resource rather than configures it.
fn names_resource(attribute: &str) -> bool {
    let first = attribute.split(['.', '[']).next().unwrap_or("");
    if first.is_empty() {
        // `!Ref Resource`, or a Terraform reference to the resource object itself.
        return true;
    }
    let lower = first.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "id"
            | "arn"
            | "name"
            | "name_prefix"
            | "bucket"
            | "bucket_prefix"
            | "self_link"
            // RDS, DocumentDB and Neptune: `replicate_source_db = aws_db_instance.a.identifier`.
            | "identifier"
    ) || lower.ends_with("_id")
        || lower.ends_with("_arn")
        || lower.ends_with("_name")
        || lower.ends_with("_ids")
        || lower.ends_with("_arns")
        // CloudFormation return values: `Arn`, `GroupId`, `QueueName`, `RoleId`.
        || (first.as_bytes()[0].is_ascii_uppercase()
            && (lower.ends_with("arn") || lower.ends_with("id") || lower.ends_with("name")))
}

/// One step of an attribute path: `ingress[0].cidr_blocks` is `ingress`, `0`, `cidr_blocks`.
enum Step<'p> {
    Key(&'p str),
    Index(&'p str),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for dotted in path.split('.') {
        let mut rest = dotted;
        if let Some(open) = rest.find('[') {
            if open > 0 {
                out.push(Step::Key(&rest[..open]));
            }
            rest = &rest[open..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(close) = stripped.find(']') else {
                    break;
                };
                out.push(Step::Index(stripped[..close].trim_matches('"')));
                rest = &stripped[close + 1..];
            }
        } else if !rest.is_empty() {
            out.push(Step::Key(rest));
        }
    }
    out
}

/// The value at `path` inside a resource's attributes, if the configuration sets it.
fn attribute_value<'m>(resource: &'m Resource, path: &str) -> Option<&'m Value> {
    let steps = steps(path);
    let (Step::Key(first), rest) = steps.split_first()? else {
        return None;
    };
    let mut cur = resource.attributes.get(first)?;
    for step in rest {
        cur = match (step, cur) {
            (Step::Key(k) | Step::Index(k), Value::Map(m)) => m.get(k)?,
            (Step::Index(i), Value::List(l)) => l.get(i.parse::<usize>().ok()?)?,
            // A nested block read as an attribute (`logging.target_bucket` of one block).
            (Step::Key(k), Value::List(l)) if l.len() == 1 => l[0].get(k)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Resolves references to literal attributes across a model's resources.
pub(super) struct Resolver<'m> {
    pub resources: &'m [Resource],
    pub index: &'m HashMap<(&'m str, &'m str), usize>,
}

impl Resolver<'_> {
    /// `value` (an attribute of a resource of `unit`) with every reference to a literal replaced
    /// by it; `None` when nothing changed.
    pub fn resolve(&self, unit: &str, value: &Value) -> Option<Value> {
        self.value(unit, value, 0, &Cell::new(MAX_LOOKUPS))
    }

    /// The literal a reference from `unit` stands for, or `None` when the provider computes it
    /// (or the chain or the lookups left for this attribute run out).
    fn literal(&self, unit: &str, r: &Ref, depth: usize, left: &Cell<usize>) -> Option<Value> {
        if depth >= MAX_CHAIN || left.get() == 0 || names_resource(&r.attribute) {
            return None;
        }
        left.set(left.get() - 1);
        let target = super::resolve(self.index, unit, &r.resource)?;
        let value = attribute_value(&self.resources[target], &r.attribute)?;
        let resolved = self
            .value(unit, value, depth + 1, left)
            .unwrap_or_else(|| value.clone());
        (resolved.is_fully_known() && !matches!(resolved, Value::Null)).then_some(resolved)
    }

    fn value(&self, unit: &str, value: &Value, depth: usize, left: &Cell<usize>) -> Option<Value> {
        match value {
            Value::Ref(r) => self.literal(unit, r, depth, left),
            Value::List(items) => {
                let changed: Vec<Option<Value>> = items
                    .iter()
                    .map(|v| self.value(unit, v, depth, left))
                    .collect();
                if changed.iter().all(Option::is_none) {
                    return None;
                }
                Some(Value::List(
                    changed
                        .into_iter()
                        .zip(items)
                        .map(|(c, v)| c.unwrap_or_else(|| v.clone()))
                        .collect(),
                ))
            }
            Value::Map(m) => {
                let mut out = None::<super::Map>;
                for (i, (k, v)) in m.iter().enumerate() {
                    if let Some(new) = self.value(unit, v, depth, left) {
                        let map = out.get_or_insert_with(|| {
                            m.iter()
                                .take(i)
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect()
                        });
                        map.insert(k.clone(), new);
                    } else if let Some(map) = out.as_mut() {
                        map.insert(k.clone(), v.clone());
                    }
                }
                out.map(Value::Map)
            }
            Value::Template(parts) => {
                let mut changed = false;
                let mut out: Vec<Part> = Vec::with_capacity(parts.len());
                for part in parts {
                    let text = match part {
                        Part::Ref(r) => {
                            self.literal(unit, r, depth, left).and_then(|v| text_of(&v))
                        }
                        _ => None,
                    };
                    match (text, out.last_mut()) {
                        (Some(t), Some(Part::Text(prev))) => {
                            prev.push_str(&t);
                            changed = true;
                        }
                        (Some(t), _) => {
                            out.push(Part::Text(t));
                            changed = true;
                        }
                        (None, Some(Part::Text(prev))) if matches!(part, Part::Text(_)) => {
                            if let Part::Text(t) = part {
                                prev.push_str(t);
                            }
                        }
                        (None, _) => out.push(part.clone()),
                    }
                }
                if !changed {
                    return None;
                }
                Some(match out.as_slice() {
                    [Part::Text(t)] => Value::str(t.clone()),
                    [] => Value::str(""),
                    _ => Value::Template(out),
                })
            }
            Value::Encoded(inner) => self
                .value(unit, inner, depth, left)
                .map(|v| Value::Encoded(Box::new(v))),
            Value::Base64(inner) => self.value(unit, inner, depth, left).map(|v| match v {
                Value::String(s) => Value::str(crate::model::base64::encode(s.as_bytes())),
                v => Value::Base64(Box::new(v)),
            }),
            _ => None,
        }
    }
}

/// A literal as template text: strings, numbers and booleans, as Terraform interpolates them.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => Some(super::value::format_number(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_attributes_stay_references() {
        for a in [
            "",
            "id",
            "arn",
            "name",
            "bucket",
            "vpc_id",
            "identifier",
            "GroupId",
            "Arn",
            "QueueName",
        ] {
            assert!(names_resource(a), "{a}");
        }
        for a in [
            "cidr_block",
            "CidrBlock",
            "ingress[0].cidr_blocks",
            "port",
            "engine",
        ] {
            assert!(!names_resource(a), "{a}");
        }
    }

    #[test]
    fn paths_split_into_keys_and_indices() {
        let s = steps("ingress[0].cidr_blocks[\"a\"]");
        assert_eq!(s.len(), 4);
        assert!(matches!(s[0], Step::Key("ingress")));
        assert!(matches!(s[1], Step::Index("0")));
        assert!(matches!(s[2], Step::Key("cidr_blocks")));
        assert!(matches!(s[3], Step::Index("a")));
    }
}
