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

/// The template of the scanned tree a nested stack's `TemplateURL` names: a local path (see
/// [`resolve_local`]), or an S3 URL whose object key is the path of a template in the tree,
/// relative to the parent's directory or to the scanned root, possibly under a prefix (a
/// version or a project folder): `aws cloudformation package` and hand-run `aws s3 cp` upload
/// the repository's templates under their paths. A key matches by at least its last two path
/// segments, never by a bare file name (`template.yaml` is everywhere). `exists` says whether a
/// path is a template of the tree.
pub fn resolve_nested(dir: &str, url: &str, exists: &dyn Fn(&str) -> bool) -> Option<String> {
    if let Some(path) = resolve_local(dir, url) {
        return Some(path);
    }
    let key = s3_key(url.trim())?;
    let segments: Vec<&str> = key.split('/').filter(|s| !s.is_empty()).collect();
    (0..segments.len().saturating_sub(1)).find_map(|skip| {
        let rest = segments[skip..].join("/");
        [resolve_local(dir, &rest), resolve_local(".", &rest)]
            .into_iter()
            .flatten()
            .find(|p| exists(p))
    })
}

/// The object key of an S3 URL: `s3://bucket/key`, path-style
/// `https://s3[.region].amazonaws.com/bucket/key` and virtual-hosted
/// `https://bucket.s3[.region].amazonaws.com/key`, without a query.
fn s3_key(url: &str) -> Option<&str> {
    let url = url.split(['?', '#']).next()?;
    if let Some(rest) = url.strip_prefix("s3://") {
        return rest.split_once('/').map(|(_, key)| key);
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    let host = host.to_ascii_lowercase();
    if !(host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")) {
        return None;
    }
    if host.starts_with("s3.") || host.starts_with("s3-") {
        path.split_once('/').map(|(_, key)| key)
    } else if host.contains(".s3.") || host.contains(".s3-") {
        Some(path)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_name_templates_of_the_tree_by_their_key() {
        let tree = [
            "infrastructure/vpc.yaml",
            "cf/app/api.yaml",
            "template.yaml",
        ];
        let exists = |p: &str| tree.contains(&p);
        let r = |dir: &str, url: &str| resolve_nested(dir, url, &exists);
        assert_eq!(
            r(
                ".",
                "https://s3.amazonaws.com/refarch/infrastructure/vpc.yaml"
            )
            .as_deref(),
            Some("infrastructure/vpc.yaml")
        );
        assert_eq!(
            r(
                "cf",
                "https://my-bucket.s3.eu-west-1.amazonaws.com/v2/app/api.yaml?versionId=3"
            )
            .as_deref(),
            Some("cf/app/api.yaml")
        );
        assert_eq!(
            r(".", "s3://b/releases/1.0/cf/app/api.yaml").as_deref(),
            Some("cf/app/api.yaml")
        );
        // A bare file name, another host, or a key that is no template of the tree: no match.
        assert_eq!(r(".", "https://s3.amazonaws.com/b/template.yaml"), None);
        assert_eq!(
            r(".", "https://example.com/b/infrastructure/vpc.yaml"),
            None
        );
        assert_eq!(
            r(".", "https://s3.amazonaws.com/b/infrastructure/db.yaml"),
            None
        );
        // A local path still resolves as before, whether or not it exists.
        assert_eq!(r("cf", "x/y.yaml").as_deref(), Some("cf/x/y.yaml"));
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
