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

/// The object key of an S3 URL, in the forms CloudFormation accepts for a `TemplateURL`
/// (`https://s3.amazonaws.com/bucket/key`, `https://s3.<region>.amazonaws.com/bucket/key`,
/// `https://bucket.s3.amazonaws.com/key`, `https://bucket.s3.<region>.amazonaws.com/key`) and
/// `s3://bucket/key`; `None` for any other URL.
fn s3_key(url: &str) -> Option<&str> {
    if let Some(rest) = url.strip_prefix("s3://") {
        return rest.split_once('/').map(|(_, key)| key);
    }
    let rest = url.strip_prefix("https://")?;
    let (host, path) = rest.split_once('/')?;
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let host = host.to_ascii_lowercase();
    let aws = host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn");
    if !aws {
        return None;
    }
    if host.starts_with("s3.") || host.starts_with("s3-") {
        // Path style: the bucket is the first segment.
        path.split_once('/').map(|(_, key)| key)
    } else if host.contains(".s3.") || host.contains(".s3-") {
        Some(path)
    } else {
        None
    }
}

/// The scanned template a nested stack's `TemplateURL` names: a local path
/// ([`resolve_local`]), or an S3 URL whose object key names a template of the tree. A
/// repository that deploys from S3 uploads its own tree (`aws s3 sync`, `cloudformation
/// package`), so the key, read from the template's directory, then from the tree's root, then
/// without its leading prefixes (`v3/stacks/vpc.yaml` is `stacks/vpc.yaml`), is looked up
/// among the scanned templates; the first that `exists` is the one. `None` when no template
/// of the tree matches: the stack stays outside the tree.
pub fn resolve_template(dir: &str, url: &str, exists: &dyn Fn(&str) -> bool) -> Option<String> {
    let url = url.trim();
    if let Some(local) = resolve_local(dir, url) {
        return Some(local);
    }
    let key = s3_key(url)?;
    let mut candidates = vec![resolve_local(dir, key)];
    let mut rest = key;
    loop {
        candidates.push(resolve_local(".", rest));
        match rest.split_once('/') {
            Some((_, tail)) if !tail.is_empty() => rest = tail,
            _ => break,
        }
    }
    candidates.into_iter().flatten().find(|p| exists(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_template_urls_name_templates_of_the_tree() {
        let tree = [
            "infrastructure/vpc.yaml",
            "stacks/queue.yaml",
            "cf/nested/db.yaml",
        ];
        let exists = |p: &str| tree.contains(&p);
        let at = |dir: &str, url: &str| resolve_template(dir, url, &exists);
        assert_eq!(
            at(
                ".",
                "https://s3.amazonaws.com/refarch/infrastructure/vpc.yaml"
            )
            .as_deref(),
            Some("infrastructure/vpc.yaml")
        );
        assert_eq!(
            at(
                ".",
                "https://artifacts.s3.eu-west-1.amazonaws.com/v3/stacks/queue.yaml"
            )
            .as_deref(),
            Some("stacks/queue.yaml")
        );
        assert_eq!(
            at("cf", "s3://artifacts/nested/db.yaml").as_deref(),
            Some("cf/nested/db.yaml")
        );
        assert_eq!(
            at(
                ".",
                "https://s3-us-west-2.amazonaws.com/b/stacks/queue.yaml?versionId=3"
            )
            .as_deref(),
            Some("stacks/queue.yaml")
        );
        // A key no template of the tree matches, and a host that is not S3.
        assert_eq!(at(".", "https://s3.amazonaws.com/b/other.yaml"), None);
        assert_eq!(at(".", "https://example.com/stacks/queue.yaml"), None);
        assert_eq!(at(".", "https://s3.amazonaws.com/b/../../etc/passwd"), None);
    }

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
