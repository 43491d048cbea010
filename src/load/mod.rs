//! Finding the inputs in a tree and parsing them in parallel.
//!
//! Files are found with walkdir (symlinks to files inside the tree are read, symlinks to files
//! outside it are reported and not read, symlinks to directories are not followed, so no
//! loop), classified by name and
//! content, then read and parsed on rayon's pool. Each parse lowers its syntax tree into the
//! compact forms of [`crate::syntax`] at once. A file that cannot be read or parsed becomes a
//! [`Diagnostic`]; it never stops the scan.

use crate::diagnostics::Diagnostic;
use crate::source::{FileId, SourceFile, Sources};
use crate::syntax::{hcl, yaml};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files larger than this are reported and skipped unless `--max-file-size` says otherwise.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// Directories never descended into.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".terraform",
    "node_modules",
    ".vouch",
    "target",
    ".aws-sam",
    "cdk.out",
];

/// What a file is, as far as vouch is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Terraform,
    TerraformVars,
    CloudFormation,
    Markdown,
    Plan,
    /// An OpenAPI (or Swagger) definition: not a deployment unit itself, kept parsed for the API
    /// Gateway APIs whose body names it (`file()`, `DefinitionUri`, `AWS::Include`).
    OpenApi,
}

/// A parsed input file.
#[derive(Debug)]
pub enum Parsed {
    Hcl(hcl::Body),
    Yaml(yaml::Node),
    Json(serde_json::Value),
    Markdown,
    /// Lowered into the model and released: syntax trees are not kept once evaluated.
    Released,
    /// A `.tf` file, read but parsed only when its directory is evaluated (so that a root's
    /// syntax lives only while the root is evaluated).
    Deferred,
}

#[derive(Debug)]
pub struct InputFile {
    pub id: FileId,
    pub kind: FileKind,
    /// Directory of the file relative to the scan root (`.` for the root), `/`-separated.
    pub dir: String,
    pub parsed: Parsed,
}

/// Options that decide which files are read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub excludes: Vec<String>,
    pub max_file_size: Option<u64>,
    /// Terraform plan JSON files given with `--plan`.
    pub plans: Vec<PathBuf>,
    /// Extra files to read whatever their place (`--var-file`).
    pub extra_vars: Vec<PathBuf>,
}

/// Everything read from the tree.
#[derive(Debug, Default)]
pub struct Loaded {
    pub root: PathBuf,
    pub sources: Sources,
    pub files: Vec<InputFile>,
    pub diagnostics: Vec<Diagnostic>,
    /// Files seen but not used, with why (`binary`, `not an IaC file`, …).
    pub skipped: Vec<(String, String)>,
    /// `terraform init`'s module index of each root that has one.
    pub module_indexes: Vec<ModuleIndex>,
}

/// `.terraform/modules/modules.json` of one root: where `terraform init` put each module call's
/// code, by module key (`vpc`, `vpc.subnets`).
#[derive(Debug, Clone, Default)]
pub struct ModuleIndex {
    /// The root directory, relative to the scan root.
    pub root: String,
    /// Module key → directory relative to the scan root.
    pub dirs: std::collections::BTreeMap<String, String>,
}

/// Reads a root's module index and returns it with the `.tf` files of the modules it lists.
fn read_module_index(
    root: &Path,
    dir: &Path,
    index_path: &Path,
) -> Option<(ModuleIndex, Vec<Candidate>)> {
    let meta = std::fs::metadata(index_path).ok()?;
    if meta.len() > DEFAULT_MAX_FILE_SIZE {
        return None;
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(index_path).ok()?).ok()?;
    let mut index = ModuleIndex {
        root: relative(root, dir),
        ..Default::default()
    };
    let mut files = Vec::new();
    for m in json.get("Modules")?.as_array()? {
        let (Some(key), Some(mdir)) = (
            m.get("Key").and_then(|k| k.as_str()),
            m.get("Dir").and_then(|d| d.as_str()),
        ) else {
            continue;
        };
        if key.is_empty() || !mdir.starts_with(".terraform/") || mdir.contains("..") {
            continue;
        }
        let disk = dir.join(mdir);
        let rel = relative(root, &disk);
        index.dirs.insert(key.to_string(), rel.clone());
        let Ok(entries) = std::fs::read_dir(&disk) else {
            continue;
        };
        let mut names: Vec<_> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .collect();
        names.sort_by_key(|e| e.file_name());
        for e in names {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(".tf") {
                files.push(Candidate {
                    disk: e.path(),
                    rel: format!("{rel}/{name}"),
                    kind: Candidacy::Known(FileKind::Terraform),
                });
            }
        }
    }
    Some((index, files))
}

impl Loaded {
    pub fn file(&self, id: FileId) -> &SourceFile {
        self.sources.get(id)
    }

    /// The OpenAPI definition at `rel` (relative to the scan root, `/`-separated), parsed.
    pub fn openapi(&self, rel: &str) -> Option<(FileId, &yaml::Node)> {
        self.files.iter().find_map(|f| match (&f.kind, &f.parsed) {
            (FileKind::OpenApi, Parsed::Yaml(doc)) if self.file(f.id).path == rel => {
                Some((f.id, doc))
            }
            _ => None,
        })
    }
}

/// A file found by the walk, before reading.
struct Candidate {
    disk: PathBuf,
    rel: String,
    kind: Candidacy,
}

#[derive(Clone, Copy)]
enum Candidacy {
    Known(FileKind),
    /// YAML or JSON that may be a CloudFormation template: decided by content.
    MaybeTemplate,
    /// Terraform in JSON syntax.
    TerraformJson(FileKind),
}

/// Relative, `/`-separated form of a path under `root`.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if s.is_empty() {
        ".".to_string()
    } else {
        s
    }
}

fn classify(name: &str) -> Option<Candidacy> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".tf") {
        Some(Candidacy::Known(FileKind::Terraform))
    } else if lower.ends_with(".tfvars") {
        Some(Candidacy::Known(FileKind::TerraformVars))
    } else if lower.ends_with(".md") || lower.ends_with(".markdown") {
        Some(Candidacy::Known(FileKind::Markdown))
    } else if [".yaml", ".yml", ".json", ".template", ".cfn"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        if lower.ends_with(".tf.json") {
            Some(Candidacy::TerraformJson(FileKind::Terraform))
        } else if lower.ends_with(".tfvars.json") {
            Some(Candidacy::TerraformJson(FileKind::TerraformVars))
        } else {
            Some(Candidacy::MaybeTemplate)
        }
    } else {
        None
    }
}

fn build_excludes(patterns: &[String]) -> Result<GlobSet, Diagnostic> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|e| {
            Diagnostic::error(
                "<arguments>",
                "bad-exclude",
                format!("--exclude {p:?}: {e}"),
            )
            .hint("use a glob such as 'examples/**' or '**/*.test.tf'")
        })?;
        b.add(glob);
        // `dir` also excludes everything below it.
        if let Ok(g) = Glob::new(&format!("{}/**", p.trim_end_matches('/'))) {
            b.add(g);
        }
    }
    b.build()
        .map_err(|e| Diagnostic::error("<arguments>", "bad-exclude", e.to_string()))
}

/// Walks `root` and reads every input in parallel.
pub fn load(root: &Path, options: &LoadOptions) -> Loaded {
    let mut loaded = Loaded {
        root: root.to_path_buf(),
        ..Loaded::default()
    };
    let excludes = match build_excludes(&options.excludes) {
        Ok(g) => g,
        Err(d) => {
            loaded.diagnostics.push(d);
            GlobSet::empty()
        }
    };
    let max_size = options.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);

    let mut candidates = Vec::new();
    if root.is_file() {
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if let Some(kind) = classify(&name) {
            candidates.push(Candidate {
                disk: root.to_path_buf(),
                rel: name,
                kind,
            });
        }
        loaded.root = root.parent().map(Path::to_path_buf).unwrap_or_default();
    } else if !root.exists() {
        loaded.diagnostics.push(
            Diagnostic::error(
                &root.display().to_string(),
                "no-such-path",
                "the path to scan does not exist",
            )
            .hint("give a directory or a file holding Terraform or CloudFormation"),
        );
        return loaded;
    } else {
        let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let walker = walkdir::WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                let name = e.file_name().to_string_lossy();
                if e.file_type().is_dir() && SKIPPED_DIRS.contains(&name.as_ref()) {
                    return false;
                }
                !excludes.is_match(relative(root, e.path()))
            });
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = err
                        .path()
                        .map(|p| relative(root, p))
                        .unwrap_or_else(|| ".".into());
                    loaded.diagnostics.push(
                        Diagnostic::error(&path, "unreadable", format!("cannot read: {err}"))
                            .hint("check the permissions of this path"),
                    );
                    continue;
                }
            };
            // A symlink to a regular file is read like the file (Terraform loads a symlinked
            // `.tf`); links to directories are not followed, so no walk can loop.
            let link = entry.path_is_symlink();
            let is_file = entry.file_type().is_file()
                || (link && std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()));
            if !is_file {
                continue;
            }
            let name = entry.file_name().to_string_lossy();
            if let Some(kind) = classify(&name) {
                // A link to a file outside the scanned tree would read what the user did not
                // ask to scan (and a checkout cannot carry it): reported, not followed.
                if link && !inside(&canonical_root, entry.path()) {
                    let target = std::fs::read_link(entry.path())
                        .map(|t| t.display().to_string())
                        .unwrap_or_default();
                    loaded.diagnostics.push(
                        Diagnostic::warning(
                            &relative(root, entry.path()),
                            "symlink-outside-tree",
                            format!("a symbolic link to {target}, outside the scanned tree: not read"),
                        )
                        .hint("scan the directory that holds the target, or copy the file into the tree"),
                    );
                    continue;
                }
                candidates.push(Candidate {
                    disk: entry.path().to_path_buf(),
                    rel: relative(root, entry.path()),
                    kind,
                });
            }
        }
    }
    // Modules that `terraform init` fetched: read through each root's index, never as roots.
    let mut tf_dirs: Vec<PathBuf> = candidates
        .iter()
        .filter(|c| matches!(c.kind, Candidacy::Known(FileKind::Terraform)))
        .filter_map(|c| c.disk.parent().map(Path::to_path_buf))
        .collect();
    tf_dirs.dedup();
    for dir in tf_dirs {
        let index_path = dir.join(".terraform/modules/modules.json");
        if index_path.is_file() {
            if let Some((index, files)) = read_module_index(&loaded.root, &dir, &index_path) {
                loaded.module_indexes.push(index);
                candidates.extend(files);
            }
        }
    }
    for plan in &options.plans {
        candidates.push(Candidate {
            disk: plan.clone(),
            rel: display_path(root, plan),
            kind: Candidacy::Known(FileKind::Plan),
        });
    }
    for vf in &options.extra_vars {
        if !candidates.iter().any(|c| same_file(&c.disk, vf)) {
            candidates.push(Candidate {
                disk: vf.clone(),
                rel: display_path(root, vf),
                kind: Candidacy::Known(FileKind::TerraformVars),
            });
        }
    }

    crate::progress::step("reading files", candidates.len());
    // Each file's line index is built beside its parse, on the worker that read it.
    let source = |c: &Candidate, text| SourceFile::new(c.rel.clone(), c.disk.clone(), text);
    let results: Vec<Read> = candidates
        .par_iter()
        .map(|c| {
            let r = match read_and_parse(c, max_size) {
                ReadResult::Parsed(text, kind, parsed) => {
                    Read::Parsed(source(c, text), kind, parsed)
                }
                ReadResult::Failed(text, diag) => Read::Failed(text.map(|t| source(c, t)), diag),
                ReadResult::Skipped(why) => Read::Skipped(why),
            };
            crate::progress::advance();
            r
        })
        .collect();

    for (c, result) in candidates.into_iter().zip(results) {
        match result {
            Read::Parsed(file, kind, parsed) => {
                let id = loaded.sources.add(file);
                let dir = match c.rel.rfind('/') {
                    Some(i) => c.rel[..i].to_string(),
                    None => ".".to_string(),
                };
                loaded.files.push(InputFile {
                    id,
                    kind,
                    dir,
                    parsed,
                });
            }
            Read::Failed(file, diag) => {
                if let Some(file) = file {
                    loaded.sources.add(file);
                }
                loaded.diagnostics.push(*diag);
            }
            Read::Skipped(why) => loaded.skipped.push((c.rel, why)),
        }
    }
    loaded.diagnostics.sort();
    loaded.skipped.sort();
    loaded
}

/// True when `path`, with every link resolved, is under `root` (already canonical).
fn inside(root: &Path, path: &Path) -> bool {
    path.canonicalize().is_ok_and(|p| p.starts_with(root))
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

fn display_path(root: &Path, p: &Path) -> String {
    match (root.canonicalize(), p.canonicalize()) {
        (Ok(r), Ok(q)) if q.starts_with(&r) => relative(&r, &q),
        _ => p.display().to_string(),
    }
}

/// A file read, with its line index.
enum Read {
    Parsed(SourceFile, FileKind, Parsed),
    Failed(Option<SourceFile>, Box<Diagnostic>),
    Skipped(String),
}

enum ReadResult {
    Parsed(Arc<str>, FileKind, Parsed),
    Failed(Option<Arc<str>>, Box<Diagnostic>),
    Skipped(String),
}

fn read_and_parse(c: &Candidate, max_size: u64) -> ReadResult {
    let fail = |code, msg: String, hint: &str| {
        ReadResult::Failed(
            None,
            Box::new(Diagnostic::error(&c.rel, code, msg).hint(hint)),
        )
    };
    let size = match std::fs::metadata(&c.disk) {
        Ok(m) => m.len(),
        Err(e) => {
            return fail(
                "unreadable",
                format!("cannot read: {e}"),
                "check the permissions of this file",
            )
        }
    };
    if size > max_size {
        return match c.kind {
            Candidacy::MaybeTemplate => {
                ReadResult::Skipped(format!("larger than {max_size} bytes"))
            }
            Candidacy::Known(_) | Candidacy::TerraformJson(_) => fail(
                "file-too-large",
                format!("{size} bytes is over the size limit of {max_size} bytes"),
                "raise the limit with --max-file-size, or exclude the file",
            ),
        };
    }
    let bytes = match std::fs::read(&c.disk) {
        Ok(b) => b,
        Err(e) => {
            return fail(
                "unreadable",
                format!("cannot read: {e}"),
                "check the permissions of this file",
            )
        }
    };
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return match c.kind {
            Candidacy::MaybeTemplate | Candidacy::Known(FileKind::Markdown) => {
                ReadResult::Skipped("binary".into())
            }
            Candidacy::Known(_) | Candidacy::TerraformJson(_) => fail(
                "binary-file",
                "the file is binary, not text".into(),
                "exclude it with --exclude",
            ),
        };
    }
    let text: Arc<str> = match String::from_utf8(bytes) {
        Ok(s) => Arc::from(s.strip_prefix('\u{feff}').unwrap_or(&s)),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let text: Arc<str> = Arc::from(String::from_utf8_lossy(e.as_bytes()).as_ref());
            let before = &text[..offset.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return match c.kind {
                Candidacy::MaybeTemplate => ReadResult::Skipped("not UTF-8".into()),
                _ => ReadResult::Failed(
                    Some(text),
                    Box::new(
                        Diagnostic::error(&c.rel, "invalid-utf8", "the file is not valid UTF-8")
                            .at(line, column, offset)
                            .hint("save the file as UTF-8"),
                    ),
                ),
            };
        }
    };
    match c.kind {
        Candidacy::TerraformJson(kind) => {
            let converted = yaml::parse(&text)
                .map_err(|e| (e.message, e.line, e.column, e.offset))
                .and_then(|doc| {
                    let body = if kind == FileKind::Terraform {
                        crate::syntax::hcl_json::to_body(&doc)
                    } else {
                        crate::syntax::hcl_json::vars_to_body(&doc)
                    };
                    body.map_err(|m| (m, 1, 1, 0))
                });
            match converted {
                Ok(body) => ReadResult::Parsed(text, kind, Parsed::Hcl(body)),
                Err((message, line, column, offset)) => ReadResult::Failed(
                    Some(text),
                    Box::new(
                        Diagnostic::error(
                            &c.rel,
                            "parse-error",
                            format!("Terraform JSON: {message}"),
                        )
                        .at(line, column, offset)
                        .hint("fix the JSON here; `terraform validate` shows the same place"),
                    ),
                ),
            }
        }
        // `.tf` files are parsed when their directory is evaluated (see `terraform::lower`).
        Candidacy::Known(FileKind::Terraform) => {
            ReadResult::Parsed(text, FileKind::Terraform, Parsed::Deferred)
        }
        Candidacy::Known(FileKind::TerraformVars) => match hcl::parse_body(&text) {
            Ok(body) => ReadResult::Parsed(text, FileKind::TerraformVars, Parsed::Hcl(body)),
            Err(e) => ReadResult::Failed(Some(text), Box::new(hcl_error(&c.rel, &e))),
        },
        Candidacy::Known(FileKind::Markdown) => {
            ReadResult::Parsed(text, FileKind::Markdown, Parsed::Markdown)
        }
        Candidacy::Known(FileKind::Plan) => {
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(v) => ReadResult::Parsed(text, FileKind::Plan, Parsed::Json(v)),
                Err(e) => {
                    let offset =
                        crate::source::SourceFile::new(String::new(), PathBuf::new(), text.clone())
                            .offset_of(e.line() as u32, e.column() as u32)
                            as usize;
                    ReadResult::Failed(
                        Some(text),
                        Box::new(
                            Diagnostic::error(
                                &c.rel,
                                "parse-error",
                                format!("plan JSON syntax error: {e}"),
                            )
                            .at(e.line(), e.column(), offset)
                            .hint("give the output of `terraform show -json PLANFILE`"),
                        ),
                    )
                }
            }
        }
        Candidacy::Known(FileKind::CloudFormation | FileKind::OpenApi)
        | Candidacy::MaybeTemplate => {
            let looks_like_template =
                text.contains("AWSTemplateFormatVersion") || text.contains("AWS::");
            // A template names its format version or types of `AWS::` or `Custom::`: a file
            // with none of them (a package-lock.json, a CI workflow) is not parsed to find out.
            if matches!(c.kind, Candidacy::MaybeTemplate)
                && !looks_like_template
                && !text.contains("Custom::")
                && !looks_like_openapi(&text)
            {
                return ReadResult::Skipped("not an infrastructure file".into());
            }
            match yaml::parse(&text) {
                Ok(mut node) if is_cloudformation(&node) => {
                    yaml::resolve_yaml11_booleans(&mut node, &text);
                    ReadResult::Parsed(text, FileKind::CloudFormation, Parsed::Yaml(node))
                }
                Ok(node) if is_openapi(&node) => {
                    ReadResult::Parsed(text, FileKind::OpenApi, Parsed::Yaml(node))
                }
                Ok(_) => ReadResult::Skipped("not an infrastructure file".into()),
                Err(e) if looks_like_template => ReadResult::Failed(
                    Some(text),
                    Box::new(
                        Diagnostic::error(
                            &c.rel,
                            "parse-error",
                            format!("YAML syntax error: {}", e.message),
                        )
                        .at(e.line, e.column, e.offset)
                        .hint("fix the syntax here; `cfn-lint` shows the same place"),
                    ),
                ),
                Err(_) => ReadResult::Skipped("not YAML or JSON".into()),
            }
        }
    }
}

/// The diagnostic for an HCL syntax error.
pub fn hcl_error(path: &str, e: &hcl::ParseError) -> Diagnostic {
    Diagnostic::error(
        path,
        "parse-error",
        format!("HCL syntax error: {}", e.message),
    )
    .at(e.line, e.column, e.offset)
    .hint("fix the syntax here; `terraform validate` shows the same place")
}

/// Text that may hold an OpenAPI or Swagger definition (checked by [`is_openapi`] once parsed).
/// Whether a file may be an OpenAPI definition, decided without parsing it: `openapi` or
/// `swagger`, and `paths`, each written as a key (the word, a closing quote if any, spaces, a
/// colon). As mere words they are everywhere: a package-lock.json names `openapi-types` and
/// `env-paths`, and terragoat's 890 KB one went through the YAML parser on every scan.
fn looks_like_openapi(text: &str) -> bool {
    (has_key(text, "openapi") || has_key(text, "swagger")) && has_key(text, "paths")
}

/// `key` followed by an optional quote, optional blanks and a colon, somewhere in `text`.
/// Linear: the blanks after one match end before the next match begins.
fn has_key(text: &str, key: &str) -> bool {
    text.match_indices(key).any(|(i, _)| {
        let rest = &text[i + key.len()..];
        let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
        rest.trim_start_matches([' ', '\t']).starts_with(':')
    })
}

/// An OpenAPI 3 or Swagger 2 definition: an `openapi` or `swagger` version and a `paths` map.
pub fn is_openapi(doc: &yaml::Node) -> bool {
    (doc.get("openapi").is_some() || doc.get("swagger").is_some())
        && matches!(
            doc.get("paths").map(|p| &p.value),
            Some(yaml::NodeValue::Map(_))
        )
}

/// A CloudFormation template: `AWSTemplateFormatVersion`, or a `Resources` map of typed resources.
pub fn is_cloudformation(doc: &yaml::Node) -> bool {
    if doc.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    let Some(resources) = doc.get("Resources") else {
        return false;
    };
    let entries = resources.entries();
    !entries.is_empty()
        && entries.iter().any(|(_, r)| {
            r.get("Type")
                .and_then(|t| t.as_str())
                .is_some_and(|t| t.starts_with("AWS::") || t.starts_with("Custom::"))
        })
}

#[cfg(test)]
mod tests {
    use super::looks_like_openapi;

    #[test]
    fn an_openapi_definition_is_told_from_a_lock_file_by_its_keys() {
        assert!(looks_like_openapi(
            "openapi: 3.0.1\ninfo: {}\npaths:\n  /a: {}\n"
        ));
        assert!(looks_like_openapi(r#"{"swagger" : "2.0", "paths": {}}"#));
        assert!(looks_like_openapi("'openapi': '3.1.0'\n'paths' :\n"));
        // Words, not keys: package names in a lock file.
        assert!(!looks_like_openapi(
            r#"{"node_modules/openapi-types": {}, "node_modules/env-paths": {"resolved": "x"}}"#
        ));
        assert!(!looks_like_openapi("openapi: 3.0.1\ninfo: {}\n"));
    }
}
