//! CloudFormation and SAM templates into the model.
//!
//! Each top-level template is a deployment unit. A template that another scanned template only
//! uses as a nested stack (a local `TemplateURL`, or an S3 key naming it) is not a unit of its
//! own: like a Terraform
//! module, it is instantiated inside its parent with the parameters the parent passes, and its
//! resources are addressed `<StackLogicalId>/<LogicalId>`.
//!
//! - [`stack`]: one instantiated template: parameters, conditions, resources, outputs, nested
//!   stacks.
//! - [`intrinsics`]: evaluation of property values and intrinsic functions into [`Value`]s.
//! - [`sam`]: the `AWS::Serverless-2016-10-31` transform (generated roles, event sources, …).
//! - [`policy_templates`]: the SAM policy templates, compiled in from `rules/data`.
//!
//! [`Value`]: crate::model::Value

mod depends;
mod frame;
pub mod intrinsics;
mod openapi_body;
pub mod policy_templates;
pub mod sam;
pub mod stack;
mod template;
mod values;

pub use template::{resolve_local, ParamOptions, Shared, Template};

use crate::diagnostics::Diagnostic;
use crate::load::{FileKind, Loaded, Parsed};
use crate::model::{Language, Model, Resource, Unit, Value};
use frame::Stack;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};

/// Stack size of the thread that evaluates templates: evaluation recurses over the template's
/// nesting (bounded by [`intrinsics::MAX_DEPTH`]), and test threads have small stacks.
const EVAL_STACK_SIZE: usize = 64 * 1024 * 1024;

/// Lowers every CloudFormation template into `model`.
pub fn lower(
    loaded: &Loaded,
    options: &ParamOptions,
    model: &mut Model,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut templates: HashMap<String, Template> = HashMap::new();
    for f in &loaded.files {
        if f.kind != FileKind::CloudFormation {
            continue;
        }
        let Parsed::Yaml(doc) = &f.parsed else {
            continue;
        };
        let src = loaded.file(f.id);
        templates.insert(
            src.path.clone(),
            Template {
                file: f.id,
                path: &src.path,
                dir: &f.dir,
                doc,
            },
        );
    }
    if templates.is_empty() {
        return;
    }
    // Templates that another template nests (by a local path or an S3 key of the tree) are
    // not units.
    let mut nested = BTreeSet::new();
    let exists = |p: &str| templates.contains_key(p);
    for t in templates.values() {
        for child in stack::local_children(t, &exists) {
            if child != t.path && templates.contains_key(&child) {
                nested.insert(child);
            }
        }
    }
    let mut units: Vec<&Template> = templates
        .values()
        .filter(|t| !nested.contains(t.path))
        .collect();
    units.sort_by_key(|t| t.path);

    let templates = &templates;
    let work = move || {
        units
            .iter()
            .map(|t| lower_unit(loaded, templates, options, t))
            .collect::<Vec<_>>()
    };
    let results = std::thread::scope(|s| {
        match std::thread::Builder::new()
            .name("vouch-cloudformation".into())
            .stack_size(EVAL_STACK_SIZE)
            .spawn_scoped(s, work.clone())
        {
            Ok(handle) => handle.join().ok(),
            Err(_) => Some(work()),
        }
    });
    let Some(results) = results else {
        diagnostics.push(Diagnostic::error(
            ".",
            "internal-error",
            "evaluating the CloudFormation templates failed; their resources are missing",
        ));
        return;
    };
    for (unit, resources, suppressions, diags) in results {
        model.units.push(unit);
        model.resources.extend(resources);
        model.suppressions.extend(suppressions);
        diagnostics.extend(diags);
    }
}

/// Evaluates one top-level template with its nested stacks.
fn lower_unit(
    loaded: &Loaded,
    templates: &HashMap<String, Template>,
    options: &ParamOptions,
    template: &Template,
) -> (
    Unit,
    Vec<Resource>,
    Vec<crate::model::suppressions::Suppression>,
    Vec<Diagnostic>,
) {
    let shared = Shared {
        loaded,
        templates,
        options,
        unit: template.path.to_string(),
        diagnostics: RefCell::new(Vec::new()),
        resources: RefCell::new(Vec::new()),
        suppressions: RefCell::new(Vec::new()),
        depth: Cell::new(0),
        nested_stacks: Cell::new(0),
        nested_limit_reported: Cell::new(false),
    };
    let given: HashMap<String, Value> = options
        .parameters
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone().into())))
        .collect();
    let stack = Stack::new(
        &shared,
        *template,
        String::new(),
        given,
        true,
        vec![template.path.to_string()],
        None,
    );
    stack.lower();
    drop(stack);
    let unit = Unit {
        id: template.path.to_string(),
        language: Language::CloudFormation,
    };
    (
        unit,
        shared.resources.into_inner(),
        shared.suppressions.into_inner(),
        shared.diagnostics.into_inner(),
    )
}
