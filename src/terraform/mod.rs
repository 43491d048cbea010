//! Terraform: module directories, roots, variable values, and evaluation of each root into
//! the model.
//!
//! A root is a directory of `.tf` files that no scanned `module` block uses as its local source.
//! Each root is its own deployment unit and is evaluated on its own rayon task; local modules
//! are instantiated inside it with their inputs, so their resources get module addresses.

pub mod config;
pub mod cycles;
pub mod eval;
pub mod functions;
pub mod policy_document;
pub mod types;
pub mod values;

use crate::diagnostics::Diagnostic;
use crate::load::{FileKind, InputFile, Loaded, Parsed};
use crate::model::{Language, Model, Reason, Unit, Value};
use crate::source::FileId;
use crate::syntax::hcl::{self, Expr};
use config::{Located, ModuleConfig};
use eval::{Instance, Project};
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::Cow;
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

/// The `.tf` files of one directory.
struct DirFiles<'l> {
    disk: PathBuf,
    files: Vec<&'l InputFile>,
}

/// A directory's parsed bodies.
type Bodies<'l> = Vec<(FileId, Cow<'l, hcl::Body>)>;

/// Parses a directory's files (those the loader left unparsed), reporting syntax errors.
fn parse_dir<'l>(
    loaded: &'l Loaded,
    dir: &DirFiles<'l>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Bodies<'l> {
    let mut out = Vec::with_capacity(dir.files.len());
    for f in &dir.files {
        match &f.parsed {
            Parsed::Hcl(body) => out.push((f.id, Cow::Borrowed(body))),
            Parsed::Deferred => {
                let src = loaded.file(f.id);
                match hcl::parse_body(&src.text) {
                    Ok(body) => out.push((f.id, Cow::Owned(body))),
                    Err(e) => diagnostics.push(crate::load::hcl_error(&src.path, &e)),
                }
            }
            _ => {}
        }
    }
    out
}

/// Directories that `module` blocks of these bodies use as local sources (not themselves).
fn local_sources(dir: &str, bodies: &Bodies) -> Vec<String> {
    let probe = ModuleConfig::new(dir.to_string(), PathBuf::new());
    let mut out = Vec::new();
    for (_, body) in bodies {
        for b in body.blocks.iter().filter(|b| b.ident == "module") {
            if let Some(d) = probe.local_module_dir(b).filter(|d| d != dir) {
                out.push(d);
            }
        }
    }
    out
}

/// Directories that look like local module sources, from the text alone (`source = "./x"`).
/// A guess that lets root directories be parsed, evaluated and released one at a time; the
/// parsed code is checked against it, and a wrong guess falls back to keeping everything.
fn guess_module_dirs(loaded: &Loaded, dirs: &BTreeMap<String, DirFiles>) -> HashSet<String> {
    let mut out = HashSet::new();
    for (dir, files) in dirs {
        for f in &files.files {
            for line in loaded.file(f.id).text.lines() {
                let Some(rest) = line.trim_start().strip_prefix("source") else {
                    continue;
                };
                let Some(rest) = rest.trim_start().strip_prefix('=') else {
                    continue;
                };
                let Some(rest) = rest.trim_start().strip_prefix('"') else {
                    continue;
                };
                let Some(value) = rest.split('"').next() else {
                    continue;
                };
                if value.starts_with("./") || value.starts_with("../") {
                    let d = config::join_relative(dir, value);
                    if &d != dir {
                        out.insert(d);
                    }
                }
            }
        }
    }
    out
}

/// Evaluates every Terraform root in the loaded tree into `model`.
///
/// Module directories are parsed once and kept; each root directory is parsed, evaluated and
/// released on its own rayon task, so a large tree never holds all its syntax at once.
pub fn lower(
    loaded: &Loaded,
    options: &VarOptions,
    model: &mut Model,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<VarFile> {
    let mut dirs: BTreeMap<String, DirFiles> = BTreeMap::new();
    let mut var_files: Vec<(String, String, Located<hcl::Body>)> = Vec::new();
    for f in &loaded.files {
        let src = loaded.file(f.id);
        match (f.kind, &f.parsed) {
            (FileKind::Terraform, Parsed::Hcl(_) | Parsed::Deferred) => {
                dirs.entry(f.dir.clone())
                    .or_insert_with(|| DirFiles {
                        disk: src
                            .disk_path
                            .parent()
                            .map(PathBuf::from)
                            .unwrap_or_default(),
                        files: Vec::new(),
                    })
                    .files
                    .push(f);
            }
            (FileKind::TerraformVars, Parsed::Hcl(body)) => var_files.push((
                src.path.clone(),
                f.dir.clone(),
                Located {
                    item: body,
                    file: f.id,
                },
            )),
            _ => {}
        }
    }
    let mut guess = guess_module_dirs(loaded, &dirs);
    for index in &loaded.module_indexes {
        guess.extend(index.dirs.values().cloned());
    }
    match lower_roots(loaded, options, &dirs, &var_files, guess, false) {
        Some(done) => done.apply(model, diagnostics),
        None => {
            // The guess missed a module directory: parse and keep every directory.
            let all: HashSet<String> = dirs.keys().cloned().collect();
            lower_roots(loaded, options, &dirs, &var_files, all, true)
                .map(|done| done.apply(model, diagnostics))
                .unwrap_or_default()
        }
    }
}

/// What lowering the roots produced, applied to the model once it is known to be right.
struct Lowered {
    results: Vec<(String, eval::Output)>,
    diagnostics: Vec<Diagnostic>,
    var_files: Vec<VarFile>,
}

impl Lowered {
    fn apply(self, model: &mut Model, diagnostics: &mut Vec<Diagnostic>) -> Vec<VarFile> {
        diagnostics.extend(self.diagnostics);
        model
            .resources
            .reserve(self.results.iter().map(|(_, o)| o.resources.len()).sum());
        for (root, out) in self.results {
            model.units.push(Unit {
                id: root,
                language: Language::Terraform,
            });
            model.resources.extend(out.resources);
            model.data_sources.extend(out.data_sources);
            model.external_modules.extend(out.external_modules);
            model.module_calls.extend(out.module_calls);
            diagnostics.extend(out.diagnostics);
        }
        self.var_files
    }
}

/// Lowers every root, with `kept` as the directories parsed up front and kept. With `eager`,
/// `kept` holds every directory and roots are found from the parsed code; otherwise roots are
/// the other directories, and `None` says that one of them turned out to be a module.
fn lower_roots(
    loaded: &Loaded,
    options: &VarOptions,
    dirs: &BTreeMap<String, DirFiles>,
    var_files: &[(String, String, Located<hcl::Body>)],
    kept: HashSet<String>,
    eager: bool,
) -> Option<Lowered> {
    let mut diagnostics = Vec::new();
    // Parse the kept directories, adding the local modules they call, until none is new.
    let mut parsed: BTreeMap<String, Bodies> = BTreeMap::new();
    let mut module_dirs: HashSet<String> = HashSet::new();
    let mut todo: Vec<String> = kept
        .iter()
        .filter(|d| dirs.contains_key(*d))
        .cloned()
        .collect();
    if !eager {
        module_dirs.extend(todo.iter().cloned());
    }
    while !todo.is_empty() {
        todo.sort();
        let batch: Vec<(String, Bodies, Vec<Diagnostic>)> = todo
            .par_iter()
            .map(|d| {
                let mut diags = Vec::new();
                let bodies = parse_dir(loaded, &dirs[d], &mut diags);
                (d.clone(), bodies, diags)
            })
            .collect();
        todo = Vec::new();
        for (d, bodies, diags) in batch {
            diagnostics.extend(diags);
            for m in local_sources(&d, &bodies) {
                if dirs.contains_key(&m)
                    && module_dirs.insert(m.clone())
                    && !parsed.contains_key(&m)
                    && m != d
                {
                    todo.push(m);
                }
            }
            parsed.insert(d, bodies);
        }
        todo.retain(|d| !parsed.contains_key(d));
    }
    for index in &loaded.module_indexes {
        module_dirs.extend(index.dirs.values().cloned());
    }
    let mut configs: HashMap<String, ModuleConfig> = HashMap::new();
    for (d, bodies) in &parsed {
        let mut c = ModuleConfig::new(d.clone(), dirs[d].disk.clone());
        for (id, body) in bodies {
            c.add_file(*id, body);
        }
        diagnostics.extend(duplicate_diagnostics(loaded, &c));
        diagnostics.extend(cycle_diagnostics(loaded, &c));
        configs.insert(d.clone(), c);
    }
    let roots: Vec<&String> = dirs.keys().filter(|d| !module_dirs.contains(*d)).collect();

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
    let auto = is_auto_var_file;
    let mut found = Vec::new();
    for (path, dir, _) in var_files {
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
    found.sort();

    let path_of = |id: FileId| loaded.file(id).path.clone();
    crate::progress::step("evaluating Terraform roots", roots.len());
    let results: Option<Vec<(String, eval::Output)>> = roots
        .par_iter()
        .map(|root| {
            let _done = crate::progress::Done;
            let mut parse_diags = Vec::new();
            let own: Bodies;
            let local_config;
            let config: &ModuleConfig = match configs.get(*root) {
                Some(c) => c,
                None => {
                    own = parse_dir(loaded, &dirs[*root], &mut parse_diags);
                    let missed = local_sources(root, &own)
                        .iter()
                        .any(|d| dirs.contains_key(d) && !module_dirs.contains(d));
                    if missed {
                        return None;
                    }
                    let mut c = ModuleConfig::new((*root).clone(), dirs[*root].disk.clone());
                    for (id, body) in &own {
                        c.add_file(*id, body);
                    }
                    parse_diags.extend(duplicate_diagnostics(loaded, &c));
                    parse_diags.extend(cycle_diagnostics(loaded, &c));
                    local_config = c;
                    &local_config
                }
            };
            let mut out =
                evaluate_root(loaded, options, &configs, config, root, var_files, &path_of);
            out.diagnostics.extend(parse_diags);
            Some(((*root).clone(), out))
        })
        .collect();
    Some(Lowered {
        results: results?,
        diagnostics,
        var_files: found,
    })
}

/// A declaration made twice in one module is an error, as in Terraform ("Duplicate resource
/// configuration"): the scan reads the first one and reports the second where it is.
fn duplicate_diagnostics(loaded: &Loaded, config: &ModuleConfig) -> Vec<Diagnostic> {
    config
        .duplicates
        .iter()
        .map(|d| {
            let file = loaded.sources.get(d.file);
            let (line, column) = file.line_col(d.span.0);
            let first = loaded.sources.get(d.first.0);
            let (first_line, _) = first.line_col(d.first.1 .0);
            Diagnostic::error(
                &file.path,
                "duplicate-declaration",
                format!(
                    "{} is declared twice in {}: first at {}:{first_line}",
                    d.what, config.dir, first.path
                ),
            )
            .at(line as usize, column as usize, d.span.0 as usize)
            .hint("Terraform refuses a module that declares the same name twice; remove or rename one (vouch reads the first)")
        })
        .collect()
}

/// Blocks that refer to each other in a circle are a configuration Terraform refuses ("Error:
/// Cycle", "Self-referential block"): reported at the first of them; each is still read, its
/// values that depend on themselves unknown.
fn cycle_diagnostics(loaded: &Loaded, config: &ModuleConfig) -> Vec<Diagnostic> {
    cycles::circles(config)
        .iter()
        .filter_map(|circle| {
            // A circle starts with a block (resources and data sources come before locals).
            let first = match circle.members.first()? {
                cycles::Member::Resource(i) => config.resources[*i],
                cycles::Member::Data(i) => config.data[*i],
                cycles::Member::Local(_) => return None,
            };
            let file = loaded.sources.get(first.file);
            let (line, column) = file.line_col(first.item.span.0);
            let names = circle.addresses(config);
            let what = match names.as_slice() {
                [one] => format!("{one} refers to itself"),
                _ => {
                    let shown = names.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
                    match names.len() {
                        n if n > 10 => format!("{shown} and {} more refer to each other", n - 10),
                        _ => format!("{shown} refer to each other"),
                    }
                }
            };
            Some(
                Diagnostic::warning(
                &file.path,
                "dependency-cycle",
                format!("{what} through arguments or depends_on: Terraform refuses the configuration with a cycle error"),
            )
            .at(line as usize, column as usize, first.item.span.0 as usize)
            .hint("break the circle; vouch reads each block as written and the values that depend on themselves as unknown"),
            )
        })
        .collect()
}

/// Decides a root's variables and evaluates it.
fn evaluate_root<'a>(
    loaded: &'a Loaded,
    options: &VarOptions,
    configs: &'a HashMap<String, ModuleConfig<'a>>,
    config: &'a ModuleConfig<'a>,
    root: &str,
    var_files: &[(String, String, Located<hcl::Body>)],
    path_of: &'a dyn Fn(FileId) -> String,
) -> eval::Output {
    let auto = is_auto_var_file;
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
        .filter(|(p, d, _)| d == root && auto(p))
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
                        format!("{path} sets {:?}, which {root} does not declare", attr.name),
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
    let mut project = Project::new(configs, loaded.root.clone(), root.to_string(), path_of);
    project.loaded = Some(loaded);
    if let Some(index) = loaded.module_indexes.iter().find(|i| i.root == root) {
        project.module_index = index.dirs.clone();
    }
    let inst = Instance::root(&project, config, vars);
    inst.instantiate();
    drop(inst);
    let mut out = project.out.into_inner();
    out.diagnostics.extend(warnings);
    out
}

/// Variable files Terraform applies by itself to the root they sit in.
fn is_auto_var_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, "terraform.tfvars" | "terraform.tfvars.json")
        || name.ends_with(".auto.tfvars")
        || name.ends_with(".auto.tfvars.json")
}

/// A `--var` value: a string for string (or untyped) variables, else parsed as an expression.
fn cli_value(block: &hcl::Block, raw: &str) -> Value {
    let is_string = match block.body.attribute("type").map(|a| &a.expr) {
        None => true,
        Some(Expr::Variable(t)) => t == "string",
        _ => false,
    };
    if is_string {
        return Value::String(raw.to_string().into());
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
