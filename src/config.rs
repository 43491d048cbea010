//! `vouch.toml`: what a team would otherwise repeat on every command line (docs/config.md).
//!
//! Read from the scanned root, or from `--config FILE`. Every key is optional; a flag given on
//! the command line wins over the file. An unknown key or a value of the wrong type is an error
//! with the file, line and column: a typo must not silently turn a gate off.

use crate::assumptions::Severity;
use crate::diagnostics::Diagnostic;
use crate::systems::Declared;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file looked for at the scanned root.
pub const FILE_NAME: &str = "vouch.toml";

/// The threshold of the gate (`fail_on`), as `--fail-on` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    None,
    Low,
    Medium,
    High,
    Critical,
}

/// A value of `vars`: Terraform reads `-var` values as text and converts them, so do we.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum VarValue {
    Text(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
}

impl VarValue {
    fn text(&self) -> String {
        match self {
            VarValue::Text(s) => s.clone(),
            VarValue::Integer(n) => n.to_string(),
            VarValue::Float(n) => n.to_string(),
            VarValue::Bool(b) => b.to_string(),
        }
    }
}

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    fail_on: Option<Gate>,
    fail_on_open: Option<bool>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, Severity>,
    #[serde(default)]
    documents: Vec<PathBuf>,
    answers: Option<PathBuf>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    var_files: Vec<PathBuf>,
    #[serde(default)]
    vars: BTreeMap<String, VarValue>,
    #[serde(default)]
    system: Vec<SystemTable>,
}

/// A `[[system]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SystemTable {
    name: String,
    paths: Vec<String>,
    #[serde(default)]
    documents: Vec<PathBuf>,
}

/// The configuration, with paths resolved against the file's directory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The file it was read from, as given (none: no file).
    pub file: Option<PathBuf>,
    pub fail_on: Option<Gate>,
    pub fail_on_open: Option<bool>,
    pub disable: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
    pub documents: Vec<PathBuf>,
    pub answers: Option<PathBuf>,
    pub exclude: Vec<String>,
    pub var_files: Vec<PathBuf>,
    pub vars: Vec<(String, String)>,
    pub systems: Vec<Declared>,
}

/// Reads the configuration: `explicit` (`--config FILE`, which must exist), else `vouch.toml`
/// at the scanned root if there is one, else nothing. `shown` is how diagnostics name the file.
pub fn load(root: &Path, explicit: Option<&Path>) -> Result<Config, Diagnostic> {
    let base = if root.is_file() {
        root.parent().unwrap_or(Path::new("."))
    } else {
        root
    };
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = base.join(FILE_NAME);
            if !p.is_file() {
                return Ok(Config::default());
            }
            p
        }
    };
    let shown = crate::source::shown_path(root, &path);
    let text = match std::fs::read(&path) {
        Ok(b) => match String::from_utf8(b) {
            Ok(t) => t,
            Err(_) => {
                return Err(Diagnostic::error(
                    &shown,
                    "config-invalid",
                    "the configuration is not UTF-8 text",
                ))
            }
        },
        Err(e) => {
            return Err(
                Diagnostic::error(&shown, "config-unreadable", format!("cannot read: {e}"))
                    .hint("check the path given with --config"),
            )
        }
    };
    parse(&path, &shown, &text)
}

/// Parses the text of a configuration file found at `path`.
pub fn parse(path: &Path, shown: &str, text: &str) -> Result<Config, Diagnostic> {
    let file: File = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start).min(text.len());
        let (line, column) = line_column(text, offset);
        let message = e.message().trim().replace('\n', " ");
        Diagnostic::error(shown, "config-invalid", message)
            .at(line, column, offset)
            .hint("docs/config.md lists the keys and their types")
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let resolve = |p: &PathBuf| {
        if p.is_absolute() {
            p.clone()
        } else {
            dir.join(p)
        }
    };
    for s in &file.system {
        for g in &s.paths {
            if let Err(e) = globset::Glob::new(g) {
                return Err(Diagnostic::error(
                    shown,
                    "config-invalid",
                    format!("system `{}`: invalid glob `{g}`: {e}", s.name),
                ));
            }
        }
    }
    let mut names = std::collections::BTreeSet::new();
    for s in &file.system {
        if !names.insert(s.name.as_str()) {
            return Err(Diagnostic::error(
                shown,
                "config-invalid",
                format!("two systems are named `{}`", s.name),
            ));
        }
    }
    Ok(Config {
        file: Some(path.to_path_buf()),
        fail_on: file.fail_on,
        fail_on_open: file.fail_on_open,
        disable: file.disable,
        severity: file.severity,
        documents: file.documents.iter().map(resolve).collect(),
        answers: file.answers.as_ref().map(resolve),
        exclude: file.exclude,
        var_files: file.var_files.iter().map(resolve).collect(),
        vars: file
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.text()))
            .collect(),
        systems: file
            .system
            .iter()
            .map(|s| Declared {
                name: s.name.clone(),
                paths: s.paths.clone(),
                documents: s.documents.iter().map(resolve).collect(),
            })
            .collect(),
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset;
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Config, Diagnostic> {
        parse(Path::new("/repo/vouch.toml"), "vouch.toml", text)
    }

    #[test]
    fn every_key_is_read_and_paths_are_relative_to_the_file() {
        let c = parse_text(
            r#"
fail_on = "critical"
fail_on_open = true
disable = ["auth.mfa-required"]
documents = ["docs/a.md"]
answers = "answers.yaml"
exclude = ["legacy/**"]
var_files = ["prod.tfvars"]
vars = { env = "prod", replicas = 3 }

[severity]
"kms.key-rotation" = "low"

[[system]]
name = "billing"
paths = ["services/billing/**"]
documents = ["services/billing/DESIGN.md"]
"#,
        )
        .unwrap();
        assert_eq!(c.fail_on, Some(Gate::Critical));
        assert_eq!(c.fail_on_open, Some(true));
        assert_eq!(c.documents, [PathBuf::from("/repo/docs/a.md")]);
        assert_eq!(c.answers, Some(PathBuf::from("/repo/answers.yaml")));
        assert_eq!(c.var_files, [PathBuf::from("/repo/prod.tfvars")]);
        assert_eq!(
            c.vars,
            [
                ("env".to_string(), "prod".to_string()),
                ("replicas".to_string(), "3".to_string())
            ]
        );
        assert_eq!(c.severity["kms.key-rotation"], Severity::Low);
        assert_eq!(c.systems[0].name, "billing");
        assert_eq!(
            c.systems[0].documents,
            [PathBuf::from("/repo/services/billing/DESIGN.md")]
        );
    }

    #[test]
    fn an_unknown_key_is_an_error_at_its_line_and_column() {
        let e = parse_text("fail_on = \"high\"\n  fail_on_opn = true\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 3), "{e:?}");
        assert!(e.message.contains("fail_on_opn"), "{}", e.message);
    }

    #[test]
    fn a_wrong_type_is_an_error_at_the_value() {
        let e = parse_text("fail_on_open = \"yes\"\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert_eq!(e.column, 16, "{e:?}");
        let e = parse_text("fail_on = \"sometimes\"\n").unwrap_err();
        assert!(e.message.contains("sometimes"), "{}", e.message);
        let e = parse_text("[[system]]\nname = \"a\"\n").unwrap_err();
        assert!(e.message.contains("paths"), "{}", e.message);
    }

    #[test]
    fn two_systems_of_one_name_are_an_error() {
        let e = parse_text(
            "[[system]]\nname = \"a\"\npaths = [\"x/**\"]\n[[system]]\nname = \"a\"\npaths = [\"y/**\"]\n",
        )
        .unwrap_err();
        assert!(e.message.contains("two systems"), "{}", e.message);
    }
}
