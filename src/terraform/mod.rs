//! Terraform: module directories, roots, variable values, and evaluation of each root into
//! the model.
//!
//! A root is a directory of `.tf` files that no scanned `module` block uses as its local source.
//! Each root is its own deployment unit and is evaluated on its own rayon task; local modules
//! are instantiated inside it with their inputs, so their resources get module addresses.

pub mod config;
pub mod eval;
pub mod functions;
pub mod policy_document;

use crate::diagnostics::Diagnostic;
use crate::load::{FileKind, Loaded, Parsed};
use crate::model::{Language, Model, Reason, Unit, Value};
use crate::syntax::hcl::{self, Expr};
use config::{Located, ModuleConfig};
use eval::{Instance, Project};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

/// Variable values given on the command line.
#[derive(Debug, Clone, Default)]
pub struct VarOptions {
    /// `--var-file` paths, in order.
    pub var_files: Vec<PathBuf>,
    /// `--var NAME=VALUE`, in order.
    pub vars: Vec<(String, String)>,
}

/// A `.tfvars` file found in the tree, and whether it was applied.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct VarFile {
    pub path: String,
    /// The root it was applied to, if any.
    pub applied_to: Option<String>,
}

/// Evaluates every Terraform root in the loaded tree into `model`.
pub fn lower(
    loaded: &Loaded,
    options: &VarOptions,
    model: &mut Model,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<VarFile> {
    // Index module directories.
    let mut configs: HashMap<String, ModuleConfig> = HashMap::new();
    let mut var_files: Vec<(String, String, Located<hcl::Body>)> = Vec::new();
    for f in &loaded.files {
        let Parsed::Hcl(body) = &f.parsed else {
            continue;
        };
        let src = loaded.file(f.id);
        match f.kind {
            FileKind::Terraform => {
                let disk = src
                    .disk_path
                    .parent()
                    .map(PathBuf::from)
                    .unwrap_or_default();
                configs
                    .entry(f.dir.clone())
                    .or_insert_with(|| ModuleConfig::new(f.dir.clone(), disk))
                    .add_file(f.id, body);
            }
            FileKind::TerraformVars => {
                var_files.push((
                    src.path.clone(),
                    f.dir.clone(),
                    Located {
                        item: body,
                        file: f.id,
                    },
                ));
            }
            _ => {}
        }
    }
    // Directories used as local module sources are not roots.
    let mut module_dirs = HashSet::new();
    for c in configs.values() {
        for call in &c.modules {
            // A directory that calls itself is still a root (the call is cut off by depth).
            if let Some(d) = c.local_module_dir(call.item).filter(|d| *d != c.dir) {
                module_dirs.insert(d);
            }
        }
    }
    for index in &loaded.module_indexes {
        module_dirs.extend(index.dirs.values().cloned());
    }
    let mut roots: Vec<&String> = configs
        .keys()
        .filter(|d| !module_dirs.contains(*d))
        .collect();
    roots.sort();

    // Which var files apply where.
    let named: Vec<PathBuf> = options
        .var_files
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let is_named = |path: &str| {
        let disk = loaded.root.join(path);
        disk.canonicalize()
            .map(|c| named.contains(&c))
            .unwrap_or(false)
            || options
                .var_files
                .iter()
                .any(|p| p.to_string_lossy() == path)
    };
    let auto = |path: &str| {
        let name = path.rsplit('/').next().unwrap_or(path);
        matches!(name, "terraform.tfvars" | "terraform.tfvars.json")
            || name.ends_with(".auto.tfvars")
            || name.ends_with(".auto.tfvars.json")
    };
    let mut found = Vec::new();
    for (path, dir, _) in &var_files {
        let applied_to = if roots.contains(&dir) && auto(path) {
            Some(dir.clone())
        } else if is_named(path) {
            Some("*".to_string())
        } else {
            None
        };
        found.push(VarFile {
            path: path.clone(),
            applied_to,
        });
    }

    let path_of = |id: crate::source::FileId| loaded.file(id).path.clone();
    let results: Vec<(String, eval::Output)> = roots
        .par_iter()
        .map(|root| {
            let config = &configs[*root];
            let mut vars = HashMap::new();
            let mut warnings = Vec::new();
            for (name, block) in &config.variables {
                if let Some(d) = block.item.body.attribute("default") {
                    vars.insert(name.clone(), Instance::eval_constant(&d.expr));
                }
            }
            // terraform.tfvars first, then *.auto.tfvars in lexical order, then --var-file.
            let mut own: Vec<&(String, String, Located<hcl::Body>)> = var_files
                .iter()
                .filter(|(p, d, _)| d == *root && auto(p))
                .collect();
            own.sort_by_key(|(p, _, _)| {
                let name = p.rsplit('/').next().unwrap_or(p).to_string();
                (!name.starts_with("terraform.tfvars"), name)
            });
            let given: Vec<&(String, String, Located<hcl::Body>)> = options
                .var_files
                .iter()
                .filter_map(|vf| {
                    let c = vf.canonicalize().ok();
                    var_files.iter().find(|(p, _, _)| {
                        let disk = loaded.root.join(p).canonicalize().ok();
                        (c.is_some() && disk == c) || vf.to_string_lossy() == p.as_str()
                    })
                })
                .collect();
            for (path, _, body) in own.into_iter().chain(given) {
                for attr in &body.item.attributes {
                    if !config.variables.contains_key(&attr.name) {
                        warnings.push(
                            Diagnostic::warning(
                                path,
                                "undeclared-variable",
                                format!(
                                    "{path} sets {:?}, which {} does not declare",
                                    attr.name, root
                                ),
                            )
                            .hint("remove the value or declare the variable"),
                        );
                    }
                    vars.insert(attr.name.clone(), Instance::eval_constant(&attr.expr));
                }
            }
            for (name, raw) in &options.vars {
                if let Some(block) = config.variables.get(name) {
                    vars.insert(name.clone(), cli_value(block.item, raw));
                }
            }
            let mut project =
                Project::new(&configs, loaded.root.clone(), (*root).clone(), &path_of);
            if let Some(index) = loaded.module_indexes.iter().find(|i| &i.root == *root) {
                project.module_index = index.dirs.clone();
            }
            let inst = Instance::root(&project, config, vars);
            inst.instantiate();
            drop(inst);
            let mut out = project.out.into_inner();
            out.diagnostics.extend(warnings);
            ((*root).clone(), out)
        })
        .collect();

    for (root, out) in results {
        model.units.push(Unit {
            id: root,
            language: Language::Terraform,
        });
        model.resources.extend(out.resources);
        model.data_sources.extend(out.data_sources);
        model.external_modules.extend(out.external_modules);
        diagnostics.extend(out.diagnostics);
    }
    found.sort();
    found
}

/// A `--var` value: a string for string (or untyped) variables, else parsed as an expression.
fn cli_value(block: &hcl::Block, raw: &str) -> Value {
    let is_string = match block.body.attribute("type").map(|a| &a.expr) {
        None => true,
        Some(Expr::Variable(t)) => t == "string",
        _ => false,
    };
    if is_string {
        return Value::String(raw.to_string());
    }
    match hcl::parse_body(&format!("v = {raw}\n")) {
        Ok(body) => body
            .attributes
            .first()
            .map(|a| Instance::eval_constant(&a.expr))
            .unwrap_or(Value::Null),
        Err(e) => Value::unknown(
            Reason::InvalidExpression,
            format!("--var value: {}", e.message),
        ),
    }
}

/// Values of each root's variables as decided (exposed for tests and the inventory).
pub fn describe_vars(vars: &HashMap<String, Value>) -> BTreeMap<String, String> {
    vars.iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect()
}
