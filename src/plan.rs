//! Terraform plan JSON (`terraform show -json PLAN`) into the model.
//!
//! A plan carries the values Terraform decided (variables applied, `count` and `for_each`
//! expanded, provider defaults filled in) but no file or line. vouch takes the values from
//! `planned_values`, marks what `after_unknown` says is decided only at apply time, turns the
//! `references` that `configuration` records for those attributes into refs (so edges survive),
//! and takes spans from the HCL of the same root when the tree has it: the plan then replaces
//! that root's evaluation, so no resource is counted twice. With no HCL, each resource points at
//! its address in the plan file.

use crate::diagnostics::Diagnostic;
use crate::load::{FileKind, Loaded, Parsed};
use crate::model::{DataSource, Language, Model, Reason, Ref, Resource, Unit, Value};
use crate::source::{FileId, Span};
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};

/// Lowers every plan file given with `--plan`.
pub fn lower(loaded: &Loaded, model: &mut Model, diagnostics: &mut Vec<Diagnostic>) {
    for f in &loaded.files {
        if f.kind != FileKind::Plan {
            continue;
        }
        let Parsed::Json(plan) = &f.parsed else {
            continue;
        };
        let path = loaded.file(f.id).path.clone();
        let Some(root_module) = plan.pointer("/planned_values/root_module") else {
            diagnostics.push(
                Diagnostic::error(
                    &path,
                    "not-a-plan",
                    "no planned_values.root_module: this is not Terraform plan JSON",
                )
                .hint("give the output of `terraform show -json PLANFILE`"),
            );
            continue;
        };
        lower_plan(loaded, f.id, &path, plan, root_module, model);
    }
}

struct Planned<'a> {
    address: String,
    mode: &'a str,
    ty: &'a str,
    values: Option<&'a Json>,
}

fn collect_planned<'a>(module: &'a Json, out: &mut Vec<Planned<'a>>) {
    for r in module
        .get("resources")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(address), Some(ty)) = (
            r.get("address").and_then(Json::as_str),
            r.get("type").and_then(Json::as_str),
        ) else {
            continue;
        };
        out.push(Planned {
            address: address.to_string(),
            mode: r.get("mode").and_then(Json::as_str).unwrap_or("managed"),
            ty,
            values: r.get("values"),
        });
    }
    for child in module
        .get("child_modules")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        collect_planned(child, out);
    }
}

/// `configuration` expressions by the base address of each resource (module path, type, name).
fn collect_expressions<'a>(
    module: &'a Json,
    prefix: &str,
    out: &mut HashMap<String, (String, &'a Json)>,
) {
    for r in module
        .get("resources")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(addr), Some(exprs)) = (
            r.get("address").and_then(Json::as_str),
            r.get("expressions"),
        ) {
            out.insert(format!("{prefix}{addr}"), (prefix.to_string(), exprs));
        }
    }
    if let Some(calls) = module.get("module_calls").and_then(Json::as_object) {
        for (name, call) in calls {
            if let Some(m) = call.get("module") {
                collect_expressions(m, &format!("{prefix}module.{name}."), out);
            }
        }
    }
}

/// `module.a["x"].aws_s3_bucket.b[0]` → `module.a.aws_s3_bucket.b`.
pub fn base_address(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_string = false;
    let mut prev = '\0';
    for c in address.chars() {
        match c {
            '"' if depth > 0 && prev != '\\' => in_string = !in_string,
            '[' if !in_string => depth += 1,
            ']' if !in_string => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
        prev = c;
    }
    out
}

fn lower_plan(
    loaded: &Loaded,
    file: FileId,
    path: &str,
    plan: &Json,
    root_module: &Json,
    model: &mut Model,
) {
    let mut planned = Vec::new();
    collect_planned(root_module, &mut planned);
    let mut unknowns: HashMap<&str, &Json> = HashMap::new();
    for rc in plan
        .get("resource_changes")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(a), Some(u)) = (
            rc.get("address").and_then(Json::as_str),
            rc.pointer("/change/after_unknown"),
        ) {
            unknowns.insert(a, u);
        }
    }
    let mut expressions = HashMap::new();
    if let Some(m) = plan.pointer("/configuration/root_module") {
        collect_expressions(m, "", &mut expressions);
    }

    // The Terraform root this plan was made from: the one sharing the most resource addresses.
    let bases: std::collections::HashSet<String> =
        planned.iter().map(|p| base_address(&p.address)).collect();
    let mut overlap: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &model.resources {
        if r.language == Language::Terraform && bases.contains(&base_address(&r.address)) {
            *overlap.entry(r.unit.as_str()).or_default() += 1;
        }
    }
    let matched = overlap
        .iter()
        .max_by_key(|(u, n)| (**n, std::cmp::Reverse(*u)))
        .map(|(u, _)| u.to_string());

    let text = &loaded.file(file).text;
    let mut hcl: HashMap<String, Resource> = HashMap::new();
    let unit = match &matched {
        Some(u) => {
            let (taken, kept): (Vec<Resource>, Vec<Resource>) =
                std::mem::take(&mut model.resources)
                    .into_iter()
                    // With what the HCL's resources generated (an OpenAPI body's methods):
                    // the plan's resources generate their own from the planned values.
                    .partition(|r| {
                        &r.unit == u
                            && (r.language == Language::Terraform || r.generated_by.is_some())
                    });
            model.resources = kept;
            for r in taken {
                hcl.entry(r.address.clone()).or_insert_with(|| r.clone());
                hcl.entry(base_address(&r.address)).or_insert(r);
            }
            for unit in &mut model.units {
                if &unit.id == u {
                    unit.language = Language::Plan;
                }
            }
            u.clone()
        }
        None => {
            model.units.push(Unit {
                id: path.to_string(),
                language: Language::Plan,
            });
            path.to_string()
        }
    };
    let planned_at = text.find("\"planned_values\"").unwrap_or(0);

    for p in planned {
        if p.mode == "data" {
            model.data_sources.push(DataSource {
                unit: unit.clone(),
                address: p.address.clone(),
                source_type: p.ty.to_string(),
                span: address_span(text, file, planned_at, &p.address),
                arguments: match p.values {
                    Some(Json::Object(values)) => values
                        .iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| (k.clone(), Value::from_json(v)))
                        .collect(),
                    _ => crate::model::Map::new(),
                },
            });
            continue;
        }
        let source = hcl
            .get(&p.address)
            .or_else(|| hcl.get(&base_address(&p.address)));
        let span = source.map_or_else(
            || address_span(text, file, planned_at, &p.address),
            |r| r.span,
        );
        let mut r = Resource::new(unit.clone(), p.address.clone(), p.ty, Language::Plan, span);
        if let Some(src) = source {
            r.attribute_spans = src.attribute_spans.clone();
        }
        let mut attrs = crate::model::VecMap::new();
        if let Some(Json::Object(values)) = p.values {
            for (k, v) in values {
                if !v.is_null() {
                    attrs.insert(k.clone(), Value::from_json(v));
                }
            }
        }
        let (module_prefix, exprs) = match expressions.get(&base_address(&p.address)) {
            Some((prefix, e)) => (prefix.as_str(), Some(*e)),
            None => ("", None),
        };
        let ctx = RefContext {
            module_prefix,
            instance_key: instance_key(&p.address),
        };
        if let Some(Json::Object(unknown)) = unknowns.get(p.address.as_str()) {
            for (k, u) in unknown {
                let expr = exprs.and_then(|e| e.get(k));
                // Attributes nobody configured (arn, id, …) are the provider's: references to
                // them are refs already, so they are not listed as unknowns.
                if expr.is_none() && source.is_none_or(|s| !s.attributes.contains_key(k)) {
                    attrs.remove(k);
                    continue;
                }
                // The evaluated HCL keeps the structure (a policy with refs inside); the plan
                // only says the whole attribute is decided later.
                if let Some(v) = source.and_then(|s| s.attributes.get(k)) {
                    attrs.insert(k.clone(), v.clone());
                } else if u == &Json::Bool(true) {
                    attrs.insert(k.clone(), decided_later(&p.address, k, expr, &ctx));
                } else if let Some(current) = attrs.get_mut(k) {
                    overlay(current, u, expr, &format!("{}.{k}", p.address), &ctx);
                }
            }
        }
        r.attributes = attrs;
        crate::terraform::values::decode_json_documents(&mut r);
        let generated = openapi_body(&mut r, p.ty);
        model.resources.push(r);
        model.resources.extend(generated);
    }
}

/// The methods or routes of an API whose planned `body` is an OpenAPI definition (the plan
/// holds the rendered text: evidence points at `body`, or at the resource).
fn openapi_body(r: &mut Resource, ty: &str) -> Vec<Resource> {
    use crate::model::openapi::{self, Definition, Flavor};
    let flavor = match ty {
        "aws_api_gateway_rest_api" => Flavor::Rest,
        "aws_apigatewayv2_api" => Flavor::Http,
        _ => return Vec::new(),
    };
    let Some(body) = r.attributes.get("body") else {
        return Vec::new();
    };
    if matches!(body, Value::Unknown(_)) {
        return Vec::new();
    }
    let Some(doc) = openapi::tree_of(body).filter(openapi::is_definition) else {
        r.attributes.insert(
            "body",
            Value::unknown(
                Reason::InvalidExpression,
                "the body is not an OpenAPI definition vouch can read",
            ),
        );
        return Vec::new();
    };
    let at = r.span_of("body");
    let def = Definition {
        doc: &doc,
        file: at.file,
        fixed: Some(at),
    };
    openapi::lower(r, flavor, &def)
}

/// The span of an address string inside the plan file, so evidence can point at it.
fn address_span(text: &str, file: FileId, from: usize, address: &str) -> Span {
    let needle = serde_json::to_string(address).unwrap_or_default();
    let start = text[from.min(text.len())..]
        .find(&needle)
        .map(|i| i + from)
        .unwrap_or(0);
    Span::new(file, start..start + needle.len())
}

/// An attribute decided at apply time: a ref when the configuration names the resource it
/// comes from, otherwise unknown (computed).
/// What a configuration reference needs to become a ref from one resource instance.
struct RefContext<'a> {
    /// `module.m.` for resources inside module `m`.
    module_prefix: &'a str,
    /// `[1]` or `["a"]` of the referring instance: `x[count.index]` means the same key.
    instance_key: Option<String>,
}

/// The trailing instance key of an address: `aws_x.y[1]` → `[1]`.
fn instance_key(address: &str) -> Option<String> {
    if !address.ends_with(']') {
        return None;
    }
    let base_len = base_address(address).len();
    // The key of the last segment starts after the base address's last segment.
    let last = address.rfind('.').map_or(0, |i| i + 1);
    let open = address[last..].find('[').map(|i| i + last)?;
    (open >= base_len.min(open)).then(|| address[open..].to_string())
}

fn decided_later(address: &str, attr: &str, expr: Option<&Json>, ctx: &RefContext) -> Value {
    if let Some(r) = expr.and_then(|e| reference_of(e, ctx)) {
        return Value::Ref(Box::new(r));
    }
    Value::unknown(Reason::Computed, format!("{address}.{attr}"))
}

fn overlay(value: &mut Value, unknown: &Json, expr: Option<&Json>, path: &str, ctx: &RefContext) {
    match (value, unknown) {
        (v, Json::Bool(true)) => {
            let attr = path.rsplit('.').next().unwrap_or(path);
            *v = decided_later(path.trim_end_matches(&format!(".{attr}")), attr, expr, ctx);
        }
        (Value::List(items), Json::Array(us)) => {
            for (i, (item, u)) in items.iter_mut().zip(us).enumerate() {
                let e = expr
                    .and_then(Json::as_array)
                    .and_then(|a| a.get(i).or(a.first()));
                overlay(item, u, e, &format!("{path}[{i}]"), ctx);
            }
        }
        (Value::Map(m), Json::Object(us)) => {
            for (k, u) in us {
                let e = expr.and_then(|e| e.get(k));
                match m.get_mut(k) {
                    Some(item) => overlay(item, u, e, &format!("{path}.{k}"), ctx),
                    None if u == &Json::Bool(true) => {
                        m.insert(k.clone(), decided_later(path, k, e, ctx));
                    }
                    None => {}
                }
            }
        }
        _ => {}
    }
}

/// The resource reference in a configuration expression's `references`, with module prefix.
/// `x[count.index]` and `x[each.key]` are recorded without their key; the referring instance's
/// own key is the one meant.
fn reference_of(expr: &Json, ctx: &RefContext) -> Option<Ref> {
    let refs = expr.get("references")?.as_array()?;
    let keyed = refs
        .iter()
        .filter_map(Json::as_str)
        .any(|r| matches!(r, "count.index" | "each.key" | "each.value"));
    let module_prefix = ctx.module_prefix;
    let mut best: Option<Ref> = None;
    for r in refs.iter().filter_map(Json::as_str) {
        let first = r.split('.').next().unwrap_or("");
        if matches!(
            first,
            "var" | "local" | "each" | "count" | "path" | "data" | "module" | "self" | "terraform"
        ) {
            continue;
        }
        let segments = split_reference(r);
        if segments.len() < 2 {
            continue;
        }
        let mut resource = format!("{module_prefix}{}.{}", segments[0], segments[1]);
        if keyed && !segments[1].ends_with(']') {
            if let Some(k) = &ctx.instance_key {
                resource.push_str(k);
            }
        }
        let attribute = segments[2..].join(".");
        let candidate = Ref {
            resource,
            attribute,
        };
        // The longest reference is the most precise (`aws_x.y.arn` over `aws_x.y`).
        if best
            .as_ref()
            .is_none_or(|b| candidate.attribute.len() > b.attribute.len())
        {
            best = Some(candidate);
        }
    }
    best
}

/// Splits `aws_s3_bucket.reports[0].arn` into `["aws_s3_bucket", "reports[0]", "arn"]`.
fn split_reference(r: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    for c in r.chars() {
        match c {
            '[' => {
                depth += 1;
                cur.push(c)
            }
            ']' => {
                depth = depth.saturating_sub(1);
                cur.push(c)
            }
            '.' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_addresses_drop_instance_keys() {
        assert_eq!(
            base_address("module.a[\"x\"].aws_s3_bucket.b[0]"),
            "module.a.aws_s3_bucket.b"
        );
        assert_eq!(base_address("aws_iam_role.r[\"a.b]\"]"), "aws_iam_role.r");
    }

    #[test]
    fn references_keep_their_most_precise_form() {
        let e: Json = serde_json::json!({"references": ["aws_kms_key.data.arn", "aws_kms_key.data", "var.x"]});
        let ctx = RefContext {
            module_prefix: "module.m.",
            instance_key: None,
        };
        let r = reference_of(&e, &ctx).unwrap();
        assert_eq!(
            (r.resource.as_str(), r.attribute.as_str()),
            ("module.m.aws_kms_key.data", "arn")
        );
        assert_eq!(
            split_reference("aws_s3_bucket.reports[0].arn"),
            vec!["aws_s3_bucket", "reports[0]", "arn"]
        );
        let keyed: Json =
            serde_json::json!({"references": ["aws_s3_bucket.reports", "count.index"]});
        let ctx = RefContext {
            module_prefix: "",
            instance_key: instance_key("aws_x.y[1]"),
        };
        assert_eq!(
            reference_of(&keyed, &ctx).unwrap().resource,
            "aws_s3_bucket.reports[1]"
        );
    }
}
