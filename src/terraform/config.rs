//! A Terraform module directory, indexed: its variables, locals, resources, data sources, module
//! calls and outputs, by name. Built once per directory; instances of the module share it.

use crate::source::FileId;
use crate::syntax::hcl::{Attribute, Block, ByteRange};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// A block with the file it came from.
#[derive(Debug)]
pub struct Located<'a, T> {
    pub item: &'a T,
    pub file: FileId,
}

impl<T> Clone for Located<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Located<'_, T> {}

#[derive(Debug, Default)]
pub struct ModuleConfig<'a> {
    /// Directory relative to the scan root.
    pub dir: String,
    pub disk: PathBuf,
    pub variables: BTreeMap<String, Located<'a, Block>>,
    pub locals: HashMap<String, Located<'a, Attribute>>,
    pub resources: Vec<Located<'a, Block>>,
    pub resource_index: HashMap<(String, String), usize>,
    pub data: Vec<Located<'a, Block>>,
    pub data_index: HashMap<(String, String), usize>,
    pub modules: Vec<Located<'a, Block>>,
    pub module_index: HashMap<String, usize>,
    pub outputs: BTreeMap<String, Located<'a, Block>>,
    /// `provider` blocks (their default tags apply to the module's resources).
    pub providers: Vec<Located<'a, Block>>,
    /// `.tfvars` files in this directory (applied only when it is a root).
    pub tfvars: Vec<(String, Located<'a, crate::syntax::hcl::Body>)>,
    /// Declarations made twice in the module (Terraform refuses such a configuration): the
    /// first one is kept, each later one is listed here to be reported.
    pub duplicates: Vec<Duplicate>,
}

/// A second declaration of a name the module already declares.
#[derive(Debug, Clone)]
pub struct Duplicate {
    /// What is declared twice: `resource "aws_s3_bucket" "b"`, `variable "env"`.
    pub what: String,
    pub file: FileId,
    pub span: crate::syntax::hcl::ByteRange,
    /// Where the first declaration is.
    pub first: (FileId, crate::syntax::hcl::ByteRange),
}

impl<'a> ModuleConfig<'a> {
    pub fn new(dir: String, disk: PathBuf) -> Self {
        ModuleConfig {
            dir,
            disk,
            ..Default::default()
        }
    }

    /// Adds the top-level blocks of one `.tf` file.
    pub fn add_file(&mut self, file: FileId, body: &'a crate::syntax::hcl::Body) {
        for block in &body.blocks {
            let loc = Located { item: block, file };
            let twice = |what: String, first: (FileId, ByteRange)| Duplicate {
                what,
                file,
                span: block.span,
                first,
            };
            match (block.ident.as_str(), block.labels.as_slice()) {
                ("variable", [name]) => match self.variables.get(name) {
                    Some(f) => self
                        .duplicates
                        .push(twice(format!("variable {name:?}"), (f.file, f.item.span))),
                    None => {
                        self.variables.insert(name.clone(), loc);
                    }
                },
                ("locals", []) => {
                    for attr in &block.body.attributes {
                        match self.locals.get(&attr.name) {
                            Some(f) => self.duplicates.push(Duplicate {
                                what: format!("local.{}", attr.name),
                                file,
                                span: attr.span,
                                first: (f.file, f.item.span),
                            }),
                            None => {
                                self.locals
                                    .insert(attr.name.clone(), Located { item: attr, file });
                            }
                        }
                    }
                }
                ("resource", [ty, name]) => {
                    let key = (ty.clone(), name.clone());
                    match self.resource_index.get(&key) {
                        Some(&i) => {
                            let f = self.resources[i];
                            self.duplicates.push(twice(
                                format!("resource {ty:?} {name:?}"),
                                (f.file, f.item.span),
                            ))
                        }
                        None => {
                            self.resource_index.insert(key, self.resources.len());
                            self.resources.push(loc);
                        }
                    }
                }
                ("data", [ty, name]) => {
                    let key = (ty.clone(), name.clone());
                    match self.data_index.get(&key) {
                        Some(&i) => {
                            let f = self.data[i];
                            self.duplicates.push(twice(
                                format!("data {ty:?} {name:?}"),
                                (f.file, f.item.span),
                            ))
                        }
                        None => {
                            self.data_index.insert(key, self.data.len());
                            self.data.push(loc);
                        }
                    }
                }
                ("provider", [_]) => self.providers.push(loc),
                ("module", [name]) => match self.module_index.get(name) {
                    Some(&i) => {
                        let f = self.modules[i];
                        self.duplicates
                            .push(twice(format!("module {name:?}"), (f.file, f.item.span)))
                    }
                    None => {
                        self.module_index.insert(name.clone(), self.modules.len());
                        self.modules.push(loc);
                    }
                },
                ("output", [name]) => match self.outputs.get(name) {
                    Some(f) => self
                        .duplicates
                        .push(twice(format!("output {name:?}"), (f.file, f.item.span))),
                    None => {
                        self.outputs.insert(name.clone(), loc);
                    }
                },
                _ => {}
            }
        }
    }

    /// The local directory a module call points at, relative to the scan root, if its source is
    /// a local path.
    pub fn local_module_dir(&self, call: &Block) -> Option<String> {
        let source = call.body.attribute("source")?;
        let crate::syntax::hcl::Expr::String(s) = &source.expr else {
            return None;
        };
        if !(s.starts_with("./") || s.starts_with("../")) {
            return None;
        }
        Some(join_relative(&self.dir, s))
    }
}

/// Joins a `/`-separated relative path to a directory and normalizes `.` and `..`.
pub fn join_relative(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if dir == "." {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::join_relative;

    #[test]
    fn joins_relative_paths() {
        assert_eq!(
            join_relative("terraform", "./modules/fn"),
            "terraform/modules/fn"
        );
        assert_eq!(join_relative("a/b", "../c"), "a/c");
        assert_eq!(join_relative(".", "./m"), "m");
        assert_eq!(join_relative("a", "../"), ".");
    }
}
