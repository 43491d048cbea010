//! What every stack of a unit shares, and where templates are: the lowest module of the
//! CloudFormation frontend (the stack, its intrinsics and SAM build on it; it needs none of them).

use crate::diagnostics::Diagnostic;
use crate::load::Loaded;
use crate::model::Resource;
use crate::source::FileId;
use crate::syntax::yaml::Node;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// `--parameter NAME=VALUE` overrides.
#[derive(Debug, Clone, Default)]
pub struct ParamOptions {
    pub parameters: Vec<(String, String)>,
}

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
    /// The `Metadata: {vouch: {ignore: [...]}}` suppressions of the unit's resources.
    pub suppressions: RefCell<Vec<crate::model::suppressions::Suppression>>,
    /// Current evaluation depth across all stacks of the unit.
    pub depth: Cell<usize>,
    /// Nested stacks instantiated so far in the unit (at most `stack::MAX_NESTED_STACKS`).
    pub nested_stacks: Cell<usize>,
    /// Whether the nested-stack limit was reported (once per unit).
    pub nested_limit_reported: Cell<bool>,
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
        "nested-stack-limit" => {
            "scan the nested templates on their own; vouch stops expanding nested stacks here"
        }
        "unsupported-intrinsic" => "vouch does not evaluate this; the value is unknown",
        _ => "check the template here",
    }
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
