//! Canonical properties: one name for a setting, whatever language declared it.
//!
//! `rules/properties/*.tsv` maps every property the reasoning reads to its place in each
//! language: CloudFormation's property path is canonical (it is also what AWS Cloud Control
//! returns for a deployed resource), the Terraform path says where the provider keeps the same
//! setting — on the resource or on a configuration resource (a facet such as
//! `aws_s3_bucket_versioning`) — and the default says what AWS does when neither sets it, with the
//! documentation that says so. The build turns each row into a [`Prop`] variant.
//!
//! [`Model::prop`] is the one way the checks and the IAM, KMS and network layers read a
//! resource: it picks the language's path, walks Terraform block lists and CloudFormation lists,
//! looks through facets, translates values whose spelling differs (`internal = true` is
//! `Scheme: internal`) and, when nothing is set, gives the default marked as one. Every value
//! comes back with its [`PropOrigin`], so evidence points at the exact attribute that decided it.
//!
//! Path syntax in a language cell: `-` when the language cannot express the property;
//! alternatives separated by ` | `, tried in order; each alternative is an optional
//! `source_type > ` prefix (only on a resource of that type, or on its facets of that type), a
//! dotted path (a list on the way is walked element by element), and an optional value map
//! `{true=internal,false=internet-facing}` from the language's spelling to the canonical one
//! (`*=x` maps any value that is set: for a property the source type itself decides, read from
//! an attribute that type always has). An alternative `default:value` (or `source_type >
//! default:value`, for that type only; `default:value within block`, only when the resource
//! has that block) is what that language's
//! tool writes when the code leaves the property out (a provider schema default that differs
//! from AWS's), with the row's source.

use super::{Kind, Language, Model, Resource, Symbol, Value};
use crate::source::Span;
use serde::Serialize;
use std::borrow::Cow;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/props.rs"));

/// One row of the property table, as compiled into the binary.
#[derive(Debug)]
pub struct PropRow {
    pub prop: Prop,
    pub kind: Kind,
    /// The short name in the table (`StorageEncrypted`).
    pub name: &'static str,
    /// The canonical path: CloudFormation's spelling (`BucketEncryption.ServerSideEncryptionConfiguration…`).
    pub canonical: &'static str,
    pub terraform: &'static str,
    pub cloudformation: &'static str,
    /// What AWS does when the code leaves the property out (a JSON scalar or text).
    pub default: Option<&'static str>,
    /// The documentation that states the default.
    pub source: &'static str,
    /// `rules/properties/<file>.tsv:<line>`.
    pub origin: &'static str,
}

impl Prop {
    pub fn row(self) -> &'static PropRow {
        &ROWS[self as usize]
    }

    pub fn kind(self) -> Kind {
        self.row().kind
    }

    /// The canonical path (`StorageEncrypted`).
    pub fn canonical(self) -> &'static str {
        self.row().canonical
    }

    /// The property's default, with the documentation that states it.
    pub fn default(self) -> Option<(Value, &'static str)> {
        let row = self.row();
        row.default.map(|d| (default_value(d), row.source))
    }

    /// The paths of this property in `language`, in order: (the source type an alternative is
    /// limited to, the dotted path without indices). For tables still keyed by a language's
    /// spelling and source type, such as `rules/defaults.tsv`. A `default:` alternative has no
    /// path and is left out.
    pub fn typed_paths(self, language: Language) -> Vec<(Option<&'static str>, String)> {
        alternatives(self, language)
            .iter()
            .filter(|a| !a.segments.is_empty())
            .map(|a| (a.source_type, a.segments.join(".")))
            .collect()
    }

    /// The property of `kind` whose row is named `name` (`Name`), for tables that name a
    /// property per kind in data.
    pub fn named(kind: Kind, name: &str) -> Option<Prop> {
        ROWS.iter()
            .find(|r| r.kind == kind && r.name == name)
            .map(|r| r.prop)
    }

    /// The paths a resource of `source_type` in `language` writes this property at (without
    /// list indices or value maps), in the order they are tried: for a note about the
    /// property's absence, or a per-language table keyed by path.
    pub fn paths(self, language: Language, source_type: &str) -> Vec<String> {
        self.typed_paths(language)
            .into_iter()
            .filter(|(t, _)| t.is_none_or(|t| t == source_type))
            .map(|(_, p)| p)
            .collect()
    }
}

fn default_value(text: &str) -> Value {
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        // A list default (`["0.0.0.0/0"]`) is written as JSON.
        _ if text.starts_with('[') => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(json) => Value::from_json(&json),
            Err(_) => Value::str(text),
        },
        _ => match text.parse::<f64>() {
            Ok(n)
                if text
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '-') =>
            {
                Value::Number(n)
            }
            _ => Value::str(text.trim_matches('"')),
        },
    }
}

/// Where a property's value came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "origin", rename_all = "snake_case")]
pub enum PropOrigin {
    /// An attribute in the code: of the resource itself or of one of its facets.
    Attribute {
        /// Index in [`Model::resources`] of the resource that holds the attribute.
        resource: usize,
        /// The concrete path in that resource's own language (`ingress[2].from_port`).
        path: String,
        #[serde(skip)]
        span: Span,
    },
    /// Nothing in the code sets it: AWS's documented default.
    Default { source: &'static str },
}

/// A property's value and where it came from.
#[derive(Debug, Clone)]
pub struct Found<'m> {
    pub value: Cow<'m, Value>,
    pub origin: PropOrigin,
}

impl Found<'_> {
    /// True when the value is the documented default, not something the code wrote.
    pub fn is_default(&self) -> bool {
        matches!(self.origin, PropOrigin::Default { .. })
    }

    /// The span of the attribute, or of the resource for a default.
    pub fn span(&self, model: &Model, resource: usize) -> Span {
        match &self.origin {
            PropOrigin::Attribute { span, .. } => *span,
            PropOrigin::Default { .. } => model.resources[resource].span,
        }
    }

    /// A flag: `Ok(Some(b))` when known, `Err(unknown)` when the value cannot be read as one
    /// (a variable, a reference, an expression).
    pub fn flag(&self) -> Result<Option<bool>, Value> {
        crate::network::util::flag(Some(&self.value))
    }

    /// Text (numbers and booleans read as their text): `Err(unknown)` when not known.
    pub fn text(&self) -> Result<Option<String>, Value> {
        crate::network::util::text(Some(&self.value))
    }

    /// The text when the value is a known string.
    pub fn as_str(&self) -> Option<&str> {
        self.value.as_str()
    }

    /// The resource holding the value (a facet, or the resource read), and its path there.
    pub fn attribute(&self) -> Option<(usize, &str)> {
        match &self.origin {
            PropOrigin::Attribute { resource, path, .. } => Some((*resource, path)),
            PropOrigin::Default { .. } => None,
        }
    }
}

/// One alternative of a language cell, parsed once.
#[derive(Debug)]
struct Alt {
    /// Only on a resource of this source type or its facets of this type.
    source_type: Option<&'static str>,
    segments: Vec<&'static str>,
    /// (language spelling, canonical spelling).
    map: Vec<(&'static str, &'static str)>,
    /// `default:value`: what this language's tool writes when the code leaves the property
    /// out (a provider schema default), read by [`Model::prop`] before the AWS default.
    constant: Option<&'static str>,
    /// `default:value within block`: the tool writes the value only when the resource has
    /// that block (a schema default inside an optional block; without the block nothing is
    /// sent and the AWS default holds).
    within: Option<&'static str>,
}

#[derive(Debug, Default)]
struct Spec {
    terraform: Vec<Alt>,
    cloudformation: Vec<Alt>,
}

fn parse_cell(cell: &'static str) -> Vec<Alt> {
    if cell == "-" || cell.is_empty() {
        return Vec::new();
    }
    cell.split(" | ")
        .map(|alt| {
            let alt = alt.trim();
            let (source_type, rest) = match alt.split_once(" > ") {
                Some((t, p)) => (Some(t.trim()), p.trim()),
                None => (None, alt),
            };
            if let Some(c) = rest.strip_prefix("default:") {
                let (constant, within) = match c.split_once(" within ") {
                    Some((c, block)) => (c, Some(block.trim())),
                    None => (c, None),
                };
                return Alt {
                    source_type,
                    segments: Vec::new(),
                    map: Vec::new(),
                    constant: Some(constant.trim()),
                    within,
                };
            }
            let (path, map) = match rest.find('{') {
                Some(i) => (&rest[..i], rest[i + 1..].trim_end_matches('}')),
                None => (rest, ""),
            };
            let map = map
                .split(',')
                .filter_map(|pair| pair.split_once('='))
                .map(|(a, b)| (a.trim(), b.trim()))
                .collect();
            Alt {
                source_type,
                segments: path.split('.').filter(|s| !s.is_empty()).collect(),
                map,
                constant: None,
                within: None,
            }
        })
        .collect()
}

fn specs() -> &'static [Spec] {
    static SPECS: OnceLock<Vec<Spec>> = OnceLock::new();
    SPECS.get_or_init(|| {
        ROWS.iter()
            .map(|row| Spec {
                terraform: parse_cell(row.terraform),
                cloudformation: parse_cell(row.cloudformation),
            })
            .collect()
    })
}

fn alternatives(prop: Prop, language: Language) -> &'static [Alt] {
    let spec = &specs()[prop as usize];
    match language {
        Language::Terraform | Language::Plan => &spec.terraform,
        Language::CloudFormation => &spec.cloudformation,
    }
}

/// True for values that mean "not set": null, CloudFormation's `AWS::NoValue`.
fn absent(v: &Value) -> bool {
    matches!(v, Value::Null | Value::Symbol(Symbol::NoValue))
}

/// Walks `segments` from `value` (at `path`), descending through every element of a list on
/// the way, and calls `found` for each value reached (absent values are skipped).
fn walk<'m>(
    value: &'m Value,
    path: &mut String,
    segments: &[&str],
    found: &mut dyn FnMut(&str, &'m Value) -> bool,
) -> bool {
    // The JSON text of a document (`jsonencode`): paths inside it are the document's.
    let value = match value {
        Value::Encoded(inner) if !segments.is_empty() => &**inner,
        v => v,
    };
    if let Value::List(items) = value {
        if !segments.is_empty() {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let stop = walk(item, path, segments, found);
                path.truncate(len);
                if stop {
                    return true;
                }
            }
            return false;
        }
    }
    let Some((first, rest)) = segments.split_first() else {
        if absent(value) {
            return false;
        }
        return found(path, value);
    };
    let Some(next) = value.get(first) else {
        return false;
    };
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(first);
    let stop = walk(next, path, rest, found);
    path.truncate(len);
    stop
}

fn mapped<'m>(v: &'m Value, map: &[(&str, &'static str)]) -> Cow<'m, Value> {
    if map.is_empty() {
        return Cow::Borrowed(v);
    }
    // `*` maps any value that is set (a property the source type itself decides).
    let any = map.iter().find(|(from, _)| *from == "*");
    let spelled = match v {
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.to_string(),
        Value::Number(n) => super::value::format_number(*n),
        _ => {
            return match any {
                Some((_, to)) => Cow::Owned(default_value(to)),
                None => Cow::Borrowed(v),
            }
        }
    };
    match map.iter().find(|(from, _)| *from == spelled).or(any) {
        Some((_, to)) => Cow::Owned(default_value(to)),
        None => Cow::Borrowed(v),
    }
}

impl Model {
    /// Every value of `prop` set on resource `index` (or its facets), in source order: several
    /// when the path crosses a list (`SecurityGroupIngress.FromPort` of each rule). The
    /// default is not included.
    pub fn props(&self, index: usize, prop: Prop) -> Vec<Found<'_>> {
        let mut out = Vec::new();
        self.visit_prop(index, prop, &mut |f| {
            out.push(f);
            false
        });
        out
    }

    /// The first value of `prop` set on resource `index` or its facets; `None` when the code
    /// does not set it.
    pub fn prop_set(&self, index: usize, prop: Prop) -> Option<Found<'_>> {
        let mut first = None;
        self.visit_prop(index, prop, &mut |f| {
            first = Some(f);
            true
        });
        first
    }

    /// The value of `prop` for resource `index`: what the code sets, else what the language's
    /// tool writes when it is left out (a `default:` alternative), else the documented AWS
    /// default (both marked as defaults), else `None`.
    pub fn prop(&self, index: usize, prop: Prop) -> Option<Found<'_>> {
        if self.resources[index].kind != prop.kind() {
            return None;
        }
        self.prop_set(index, prop)
            .or_else(|| self.language_default(index, prop))
            .or_else(|| {
                prop.default().map(|(value, source)| Found {
                    value: Cow::Owned(value),
                    origin: PropOrigin::Default { source },
                })
            })
    }

    /// The `default:` alternative of the resource's language, with the row's source.
    fn language_default(&self, index: usize, prop: Prop) -> Option<Found<'_>> {
        let r = &self.resources[index];
        if r.kind != prop.kind() {
            return None;
        }
        alternatives(prop, r.language)
            .iter()
            .filter(|a| a.source_type.is_none_or(|t| t == r.source_type))
            .filter(|a| {
                a.within
                    .is_none_or(|block| r.attributes.contains_key(block))
            })
            .find_map(|a| a.constant)
            .map(|c| Found {
                value: Cow::Owned(default_value(c)),
                origin: PropOrigin::Default {
                    source: prop.row().source,
                },
            })
    }

    /// The concrete path and span where `prop` would be written on this resource: the first
    /// path of its language that exists, else the resource itself. For evidence about a
    /// missing setting.
    pub fn prop_span(&self, index: usize, prop: Prop) -> Span {
        match self.prop_set(index, prop) {
            Some(Found {
                origin: PropOrigin::Attribute { span, .. },
                ..
            }) => span,
            _ => self.resources[index].span,
        }
    }

    /// The resources an alternative reads: the resource itself, or its facets of the
    /// alternative's type.
    fn holders(&self, index: usize, alt: &Alt) -> Vec<usize> {
        match alt.source_type {
            None => vec![index],
            Some(t) if t == self.resources[index].source_type => vec![index],
            Some(t) => self
                .facets_of(index)
                .filter(|&i| self.resources[i].source_type == t)
                .collect(),
        }
    }

    fn visit_prop<'m>(&'m self, index: usize, prop: Prop, f: &mut dyn FnMut(Found<'m>) -> bool) {
        self.visit_prop_within(index, prop, f, super::inherits::MAX_CHAIN);
    }

    /// [`Self::visit_prop`] with `chain` links of inheritance left (`rules/inherits.tsv`): when
    /// the resource and its facets set the property only to null (a module's
    /// `engine = local.is_replica ? null : var.engine`) or not at all, the resource it inherits
    /// the property from gives it. Nulls are held back until a value or the end shows whether
    /// they are all there is, so the order of what is visited is otherwise unchanged. Returns
    /// true when `f` asked to stop.
    fn visit_prop_within<'m>(
        &'m self,
        index: usize,
        prop: Prop,
        f: &mut dyn FnMut(Found<'m>) -> bool,
        chain: usize,
    ) -> bool {
        let r = &self.resources[index];
        if r.kind != prop.kind() {
            return false;
        }
        let alts = alternatives(prop, r.language);
        // Only several alternatives can reach the same attribute twice.
        let dedup = alts.len() > 1;
        let mut seen: Vec<(usize, String)> = Vec::new();
        let mut nulls: Vec<Found<'m>> = Vec::new();
        let mut valued = false;
        for alt in alts {
            let holders = self.holders(index, alt);
            for h in holders {
                // Two alternatives that reach the same attribute (a resource's own type named
                // and unnamed) give it once.
                let mut once = |found: Found<'m>| {
                    if let (true, PropOrigin::Attribute { resource, path, .. }) =
                        (dedup, &found.origin)
                    {
                        if seen.iter().any(|(r, p)| r == resource && p == path) {
                            return false;
                        }
                        seen.push((*resource, path.clone()));
                    }
                    if !valued && matches!(*found.value, Value::Null) {
                        nulls.push(found);
                        return false;
                    }
                    valued = true;
                    for held in nulls.drain(..) {
                        if f(held) {
                            return true;
                        }
                    }
                    f(found)
                };
                if read_alt(&self.resources[h], h, alt, &mut once) {
                    return true;
                }
            }
        }
        if !valued && chain > 0 {
            for (from, as_prop) in super::inherits::sources(self, index, prop) {
                let mut inherited = false;
                let stop = self.visit_prop_within(
                    from,
                    as_prop,
                    &mut |found| {
                        inherited = true;
                        f(found)
                    },
                    chain - 1,
                );
                if stop {
                    return true;
                }
                if inherited {
                    return false;
                }
            }
        }
        for held in nulls {
            if f(held) {
                return true;
            }
        }
        false
    }

    /// Whether any list `prop`'s paths cross on resource `index` (each block device list an
    /// instance has: `root_block_device`, `ebs_block_device`) holds an element that has the
    /// property's parent but not the property: a device that says nothing. Every list is
    /// weighed, so a silent list of its own is not hidden by another list that encrypts.
    pub fn unset_in_any_list(&self, index: usize, prop: Prop) -> bool {
        let r = &self.resources[index];
        if r.kind != prop.kind() {
            return false;
        }
        alternatives(prop, r.language).iter().any(|alt| {
            let Some((first, rest)) = alt.segments.split_first() else {
                return false;
            };
            match r.attributes.get(*first) {
                Some(v @ Value::List(_)) => silent_below(v, rest),
                _ => false,
            }
        })
    }

    /// The items of a list property (each rule of `SecurityGroupIngress`), each readable with
    /// [`Item::prop`] for the properties below it.
    pub fn items(&self, index: usize, list: Prop) -> Vec<Item<'_>> {
        let mut out = Vec::new();
        let r = &self.resources[index];
        if r.kind != list.kind() {
            return out;
        }
        for alt in alternatives(list, r.language) {
            let holders = self.holders(index, alt);
            for h in holders {
                let hr = &self.resources[h];
                let mut path = String::new();
                let Some((first, rest)) = alt.segments.split_first() else {
                    continue;
                };
                let Some(top) = hr.attributes.get(*first) else {
                    continue;
                };
                path.push_str(first);
                let mut parents: Vec<(String, &Value)> = Vec::new();
                walk(top, &mut path, rest, &mut |p, v| {
                    parents.push((p.to_string(), v));
                    false
                });
                for (p, v) in parents {
                    // Each element of a list is one item; a single block is one item.
                    match v {
                        Value::List(l) => {
                            for (i, x) in l.iter().enumerate() {
                                if !absent(x) {
                                    out.push(Item {
                                        model: self,
                                        resource: h,
                                        list,
                                        alt_prefix: alt.segments.len(),
                                        path: format!("{p}[{i}]"),
                                        value: x,
                                    });
                                }
                            }
                        }
                        _ => out.push(Item {
                            model: self,
                            resource: h,
                            list,
                            alt_prefix: alt.segments.len(),
                            path: p,
                            value: v,
                        }),
                    }
                }
            }
            if !out.is_empty() {
                break;
            }
        }
        out
    }

    /// The paths resource `index` would write `prop` at in its own language (see
    /// [`Prop::paths`]): for a message or a table keyed by path.
    pub fn prop_paths(&self, index: usize, prop: Prop) -> Vec<String> {
        let r = &self.resources[index];
        prop.paths(r.language, &r.source_type)
    }

    /// True when resource `index` can express `prop` at all: its kind has the property and one
    /// of its language's paths applies to its source type (directly or through a facet type).
    /// A source type whose cell is `-`, or which no `type >` alternative names, cannot.
    pub fn can_express(&self, index: usize, prop: Prop) -> bool {
        let r = &self.resources[index];
        r.kind == prop.kind()
            && alternatives(prop, r.language)
                .iter()
                .any(|alt| match alt.source_type {
                    None => true,
                    Some(t) => {
                        t == r.source_type
                            || super::kinds::type_info(t).kind == r.kind
                                && super::kinds::type_info(t).facet.is_some()
                    }
                })
    }

    /// The facets of a resource (its configuration resources), in index order.
    pub fn facets_of(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        let start = self
            .children
            .partition_point(|&(p, _)| (p as usize) < index);
        self.children[start..]
            .iter()
            .take_while(move |&&(p, _)| p as usize == index)
            .map(|&(_, c)| c as usize)
    }
}

fn read_alt<'m>(
    r: &'m Resource,
    holder: usize,
    alt: &Alt,
    f: &mut dyn FnMut(Found<'m>) -> bool,
) -> bool {
    let Some((first, rest)) = alt.segments.split_first() else {
        return false;
    };
    let Some(top) = r.attributes.get(*first) else {
        return false;
    };
    let mut path = (*first).to_string();
    walk(top, &mut path, rest, &mut |p, v| {
        f(Found {
            value: mapped(v, &alt.map),
            origin: PropOrigin::Attribute {
                resource: holder,
                path: p.to_string(),
                span: r.span_of(p),
            },
        })
    })
}

/// One element of a list property, read relative to itself.
#[derive(Debug, Clone)]
pub struct Item<'m> {
    model: &'m Model,
    /// The resource holding the list (the resource or a facet).
    pub resource: usize,
    list: Prop,
    alt_prefix: usize,
    /// The element's concrete path (`ingress[2]`).
    pub path: String,
    pub value: &'m Value,
}

impl<'m> Item<'m> {
    /// The span of the element.
    pub fn span(&self) -> Span {
        self.model.resources[self.resource].span_of(&self.path)
    }

    /// The entries of the element when it is a map keyed by data rather than by property
    /// names (CloudFormation's `Parameters` of a parameter group): each key, its value and its
    /// span, in order. Empty when the element is not a map.
    pub fn entries(&self) -> Vec<(&'m str, &'m Value, Span)> {
        let r = &self.model.resources[self.resource];
        match self.value {
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| (k.as_str(), v, r.span_of(&format!("{}.{k}", self.path))))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Every value of `prop` (a property below the list) inside this element.
    pub fn props(&self, prop: Prop) -> Vec<Found<'m>> {
        let mut out = Vec::new();
        self.visit(prop, &mut |f| {
            out.push(f);
            false
        });
        out
    }

    /// The first value of `prop` inside this element, else its default.
    pub fn prop(&self, prop: Prop) -> Option<Found<'m>> {
        self.prop_set(prop).or_else(|| {
            prop.default().map(|(value, source)| Found {
                value: Cow::Owned(value),
                origin: PropOrigin::Default { source },
            })
        })
    }

    /// The first value of `prop` set inside this element.
    pub fn prop_set(&self, prop: Prop) -> Option<Found<'m>> {
        let mut first = None;
        self.visit(prop, &mut |f| {
            first = Some(f);
            true
        });
        first
    }

    fn visit(&self, prop: Prop, f: &mut dyn FnMut(Found<'m>) -> bool) {
        let r = &self.model.resources[self.resource];
        let owner_language = r.language;
        let list_alts = alternatives(self.list, owner_language);
        for alt in alternatives(prop, owner_language) {
            // The property's path must continue one of the list's paths.
            let continues = list_alts.iter().any(|l| {
                l.source_type == alt.source_type
                    && alt.segments.len() > l.segments.len()
                    && alt.segments[..l.segments.len()] == l.segments[..]
            });
            if !continues || alt.segments.len() <= self.alt_prefix {
                continue;
            }
            let rest = &alt.segments[self.alt_prefix..];
            let mut path = self.path.clone();
            let stop = walk(self.value, &mut path, rest, &mut |p, v| {
                f(Found {
                    value: mapped(v, &alt.map),
                    origin: PropOrigin::Attribute {
                        resource: self.resource,
                        path: p.to_string(),
                        span: r.span_of(p),
                    },
                })
            });
            if stop {
                return;
            }
        }
    }
}

/// Whether `v` (walked through lists element by element) has a map that holds every segment
/// but the last and not the last: an element that names the property's parent and leaves the
/// property out. A missing parent (a device with no `Ebs`, an instance store) is not silent.
fn silent_below(v: &Value, segments: &[&str]) -> bool {
    match (v, segments.split_first()) {
        (Value::List(items), _) => items.iter().any(|item| silent_below(item, segments)),
        (Value::Map(m), Some((head, rest))) => match m.get(*head) {
            None => rest.is_empty(),
            Some(below) => !rest.is_empty() && silent_below(below, rest),
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `type >` prefix names a source type of the row's own kind (or one of its facets), so
    /// that `Model::can_express` and the facet lookup can match it.
    #[test]
    fn source_type_prefixes_name_types_of_the_kind() {
        for row in ROWS {
            for language in [Language::Terraform, Language::CloudFormation] {
                for (ty, _) in row.prop.typed_paths(language) {
                    if let Some(ty) = ty {
                        assert_eq!(
                            super::super::kinds::type_info(ty).kind,
                            row.kind,
                            "{}: `{ty}` is not a type of {}",
                            row.origin,
                            row.kind
                        );
                    }
                }
            }
        }
    }
}
