//! CloudFormation and SAM templates into the model.
//!
//! Each top-level template is a deployment unit. A template that another scanned template only
//! uses as a nested stack (a local `TemplateURL`) is not a unit of its own: like a Terraform
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

pub mod intrinsics;
pub mod policy_templates;
pub mod sam;
pub mod stack;

use crate::diagnostics::Diagnostic;
use crate::load::{FileKind, Loaded, Parsed};
use crate::model::{Language, Model, Resource, Unit, Value};
use crate::source::FileId;
use crate::syntax::yaml::Node;
use stack::Stack;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};

/// `--parameter NAME=VALUE` overrides.
#[derive(Debug, Clone, Default)]
pub struct ParamOptions {
    pub parameters: Vec<(String, String)>,
}

/// Stack size of the thread that evaluates templates: evaluation recurses over the template's
/// nesting (bounded by [`intrinsics::MAX_DEPTH`]), and test threads have small stacks.
const EVAL_STACK_SIZE: usize = 64 * 1024 * 1024;

/// A parsed template in the scanned tree.
#[derive(Debug, Clone, Copy)]
pub struct Template<'a> {
    pub file: FileId,
    /// Path relative to the scan root.
    pub path: &'a str,
    /// Directory of the template relative to the scan root (`.` for the root).
    pub dir: &'a str,
    pub doc: &'a Node,
}

/// What every stack of one unit shares: the file store, the templates, and the outputs.
pub struct Shared<'a> {
    pub loaded: &'a Loaded,
    pub templates: &'a HashMap<String, Template<'a>>,
    pub options: &'a ParamOptions,
    pub unit: String,
    pub diagnostics: RefCell<Vec<Diagnostic>>,
    pub resources: RefCell<Vec<Resource>>,
    /// Current evaluation depth across all stacks of the unit.
    pub depth: Cell<usize>,
}

impl Shared<'_> {
    /// Records a warning at a byte offset of a file.
    pub fn warn(&self, file: FileId, offset: u32, code: &'static str, message: String) {
        let src = self.loaded.file(file);
        let (line, column) = src.line_col(offset);
        self.diagnostics.borrow_mut().push(
            Diagnostic::warning(&src.path, code, message)
                .at(line as usize, column as usize, offset as usize)
                .hint(hint(code)),
        );
    }
}

fn hint(code: &str) -> &'static str {
    match code {
        "template-structure" => "fix the template here; `cfn-lint` reports the same place",
        "undefined-reference" => "declare the parameter or resource, or fix the name",
        "nested-template-missing" => "scan the directory that holds the nested template too",
        "unsupported-intrinsic" => "vouch does not evaluate this; the value is unknown",
        _ => "check the template here",
    }
}

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
    // Templates that another template nests by a local path are not units.
    let mut nested = BTreeSet::new();
    for t in templates.values() {
        for child in stack::local_children(t) {
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
    for (unit, resources, diags) in results {
        model.units.push(unit);
        model.resources.extend(resources);
        diagnostics.extend(diags);
    }
}

/// Evaluates one top-level template with its nested stacks.
fn lower_unit(
    loaded: &Loaded,
    templates: &HashMap<String, Template>,
    options: &ParamOptions,
    template: &Template,
) -> (Unit, Vec<Resource>, Vec<Diagnostic>) {
    let shared = Shared {
        loaded,
        templates,
        options,
        unit: template.path.to_string(),
        diagnostics: RefCell::new(Vec::new()),
        resources: RefCell::new(Vec::new()),
        depth: Cell::new(0),
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
        shared.diagnostics.into_inner(),
    )
}

/// Joins a local `TemplateURL` to the directory of the template that names it; `None` for a
/// remote URL or a path that leaves the scanned tree.
pub fn resolve_local(dir: &str, url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() || url.contains("://") || url.starts_with('/') || url.starts_with('\\') {
        return None;
    }
    let mut parts: Vec<&str> = if dir == "." || dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for seg in url.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_template_paths() {
        assert_eq!(
            resolve_local(".", "network.yaml").as_deref(),
            Some("network.yaml")
        );
        assert_eq!(
            resolve_local("cf", "./nested/x.yaml").as_deref(),
            Some("cf/nested/x.yaml")
        );
        assert_eq!(
            resolve_local("cf/a", "../b.yaml").as_deref(),
            Some("cf/b.yaml")
        );
        assert_eq!(resolve_local(".", "../outside.yaml"), None);
        assert_eq!(
            resolve_local(".", "https://s3.amazonaws.com/b/x.yaml"),
            None
        );
        assert_eq!(resolve_local(".", "s3://b/x.yaml"), None);
    }
}
