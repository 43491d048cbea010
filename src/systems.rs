//! Systems: which deployment units one threat model covers.
//!
//! A system is an architecture document and the infrastructure it describes. On a monorepo of
//! independent projects, one verdict per assumption for the whole tree would let one failing
//! resource anywhere decide each assumption and hide every question elsewhere; so the tree is cut
//! into systems, and each is reconciled on its own (its own statuses, questions, threats, risk,
//! confidence and suggestions) over the model of its units alone.
//!
//! The grouping rule (docs/model.md, "Systems"), for the units `vouch.toml` does not declare:
//!
//! 1. A directory is *documented* when it holds an architecture document as
//!    [`claims::find_documents`] finds one (`ARCHITECTURE.md`, `DESIGN.md` or its own
//!    `<name>.md` in it, `ARCHITECTURE.md` or `DESIGN.md` in its `docs/`,
//!    `docs/**/{architecture,design,security,threat-model}*.md`, decision records in an ADR folder); a document in a `docs/`
//!    or ADR folder belongs to the directory above. A unit belongs to the deepest documented directory
//!    above it (the document describes everything under its directory but what a deeper
//!    document describes).
//! 2. A unit under no documented directory belongs to its *project*: the deepest directory above
//!    it that has a `README.md`, else the scanned root.
//! 3. If that gives one group, the tree is one system (today's report, documents found at the
//!    root as always); otherwise each group is a system named by its directory.
//!
//! The rule only looks at a unit's own ancestors, so a project's system holds the same units
//! whether the project is scanned alone or inside a bigger tree (unless the bigger tree's root
//! has an architecture document of its own, which by (1) describes all of it).

use crate::claims::{self, Found};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// How a system's units were chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// The whole scanned tree: the tree has one system.
    Tree,
    /// A `[[system]]` table of `vouch.toml`.
    Declared,
    /// The units under a directory with an architecture document.
    Document,
    /// The units under a project directory (one with a README) that no document describes.
    Project,
}

/// One threat model's scope: its documents and deployment units.
#[derive(Debug, Clone, Serialize)]
pub struct System {
    /// Stable: the directory (relative to the scanned root, `.` for the root) of a found
    /// system, the name of a declared one.
    pub id: String,
    pub name: String,
    /// The directory the system lives in, relative to the scanned root (`.` for the root). For a
    /// declared system, the deepest directory holding all its units.
    pub path: String,
    pub grouping: Grouping,
    /// The architecture documents to read (their shown paths are in the report).
    #[serde(skip)]
    pub documents: Vec<Found>,
    /// The deployment units, as the model names them.
    pub units: Vec<String>,
}

/// A system declared in `vouch.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declared {
    pub name: String,
    /// Globs matched against each unit's path relative to the scanned root: a Terraform root's
    /// directory, a template's file.
    pub paths: Vec<String>,
    /// Its architecture documents (none: the system is decided without a document).
    pub documents: Vec<PathBuf>,
}

/// One system's report: the per-system [`crate::reconcile::Report`], unchanged in meaning.
#[derive(Debug, Clone, Serialize)]
pub struct SystemReport {
    #[serde(flatten)]
    pub system: System,
    pub report: crate::reconcile::Report,
}

/// What discovery was told beside the tree.
#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// Documents given with `--doc` (or `documents` in `vouch.toml`): the tree is one system
    /// with exactly these, unless systems are declared.
    pub documents: Vec<PathBuf>,
    pub declared: Vec<Declared>,
}

/// A directory's documentation, as the grouping rule reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Document,
    Readme,
    Nothing,
}

/// Cuts the tree's units into systems (module doc), in path order. A declared system whose globs
/// match no unit is returned empty so the caller can say so; a found one always has units.
pub fn discover(root: &Path, units: &[String], options: &DiscoverOptions) -> Vec<System> {
    let base = if root.is_file() {
        root.parent().unwrap_or(Path::new("."))
    } else {
        root
    };
    let whole = || System {
        id: ".".into(),
        name: display_name(base, "."),
        path: ".".into(),
        grouping: Grouping::Tree,
        documents: claims::find_documents(base, &options.documents),
        units: units.to_vec(),
    };
    if root.is_file() || (options.declared.is_empty() && !options.documents.is_empty()) {
        return vec![whole()];
    }

    let mut declared: Vec<Vec<String>> = vec![Vec::new(); options.declared.len()];
    let matchers: Vec<globset::GlobSet> = options
        .declared
        .iter()
        .map(|d| {
            let mut b = globset::GlobSetBuilder::new();
            for p in &d.paths {
                // An invalid glob was reported when the configuration was read.
                if let Ok(g) = globset::Glob::new(p.trim_start_matches("./")) {
                    b.add(g);
                }
            }
            b.build().unwrap_or_else(|_| globset::GlobSet::empty())
        })
        .collect();
    let mut markers: HashMap<String, Marker> = HashMap::new();
    let mut found: BTreeMap<String, (Grouping, Vec<String>)> = BTreeMap::new();
    for unit in units {
        if let Some(i) = matchers.iter().position(|m| m.is_match(unit)) {
            declared[i].push(unit.clone());
            continue;
        }
        // Documents given for the tree describe what no declared system holds.
        let (dir, grouping) = if options.documents.is_empty() {
            owner(base, &unit_dir(base, unit), &mut markers)
        } else {
            (".".to_string(), Grouping::Tree)
        };
        found
            .entry(dir)
            .or_insert((grouping, Vec::new()))
            .1
            .push(unit.clone());
    }
    if options.declared.is_empty() && found.len() <= 1 {
        return vec![whole()];
    }
    let mut systems: Vec<System> = options
        .declared
        .iter()
        .zip(declared)
        .map(|(d, units)| System {
            id: d.name.clone(),
            name: d.name.clone(),
            path: common_dir(base, &units),
            grouping: Grouping::Declared,
            documents: d
                .documents
                .iter()
                .map(|p| Found {
                    path: p.clone(),
                    readme: false,
                })
                .collect(),
            units,
        })
        .collect();
    systems.extend(found.into_iter().map(|(dir, (grouping, units))| System {
        name: display_name(base, &dir),
        documents: if grouping == Grouping::Tree {
            claims::find_documents(base, &options.documents)
        } else {
            claims::find_documents(&base.join(&dir), &[])
        },
        id: dir.clone(),
        path: dir,
        grouping,
        units,
    }));
    systems
}

/// The directory a unit lives in, relative to the root: a Terraform root is a directory, a
/// template or plan a file. A unit outside the tree (a plan given by path) is at the root.
fn unit_dir(base: &Path, unit: &str) -> String {
    if unit == "." || unit.starts_with("../") || Path::new(unit).is_absolute() {
        return ".".into();
    }
    if base.join(unit).is_dir() {
        return unit.to_string();
    }
    match unit.rfind('/') {
        Some(i) => unit[..i].to_string(),
        None => ".".into(),
    }
}

/// The system directory of a unit's directory (the grouping rule), with how it was chosen.
fn owner(base: &Path, dir: &str, markers: &mut HashMap<String, Marker>) -> (String, Grouping) {
    // The root, then each directory down to the unit's own.
    let mut chain: Vec<&str> = vec!["."];
    if dir != "." {
        chain.extend(dir.match_indices('/').map(|(i, _)| &dir[..i]));
        chain.push(dir);
    }
    let mut document = None;
    let mut readme = None;
    for d in &chain {
        let m = *markers
            .entry((*d).to_string())
            .or_insert_with(|| marker(base, d));
        match m {
            Marker::Document => document = Some(*d),
            Marker::Readme => readme = Some(*d),
            Marker::Nothing => {}
        }
    }
    match (document, readme) {
        (Some(d), _) => (d.to_string(), Grouping::Document),
        (None, Some(r)) => (r.to_string(), Grouping::Project),
        (None, None) => (".".into(), Grouping::Project),
    }
}

/// What a directory holds: an architecture document, only a README, or neither. A `docs/` or
/// `adr/` folder is never a system of its own: its documents belong to the directory above.
fn marker(base: &Path, dir: &str) -> Marker {
    let last = dir.rsplit('/').next().unwrap_or(dir);
    if last.eq_ignore_ascii_case("docs")
        || last.eq_ignore_ascii_case("doc")
        || claims::is_adr_dir(last)
    {
        return Marker::Nothing;
    }
    let found = claims::find_documents(&base.join(dir), &[]);
    if found.iter().any(|f| !f.readme) {
        Marker::Document
    } else if found.is_empty() {
        Marker::Nothing
    } else {
        Marker::Readme
    }
}

/// A system's name: its directory's own name (the scanned directory's for the root).
fn display_name(base: &Path, dir: &str) -> String {
    if dir == "." {
        return base
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| ".".into());
    }
    dir.rsplit('/').next().unwrap_or(dir).to_string()
}

/// The deepest directory holding every unit (`.` when they share none).
fn common_dir(base: &Path, units: &[String]) -> String {
    let dirs: Vec<String> = units.iter().map(|u| unit_dir(base, u)).collect();
    let Some(first) = dirs.first() else {
        return ".".into();
    };
    let mut common: Vec<&str> = first.split('/').collect();
    for d in &dirs[1..] {
        let parts: Vec<&str> = d.split('/').collect();
        let n = common
            .iter()
            .zip(&parts)
            .take_while(|(a, b)| a == b)
            .count();
        common.truncate(n);
    }
    if common.is_empty() || common == ["."] {
        ".".into()
    } else {
        common.join("/")
    }
}

/// Whether a path shown relative to the root lies in a system's directory.
pub fn contains(dir: &str, path: &str) -> bool {
    dir == "."
        || path == dir
        || (path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_contains_its_own_paths_only() {
        assert!(contains(".", "a/b.tf"));
        assert!(contains("a", "a/b.tf"));
        assert!(contains("a", "a"));
        assert!(!contains("a", "ab/c.tf"));
        assert!(!contains("a/b", "a/c.tf"));
    }

    #[test]
    fn the_common_directory_of_units() {
        let base = Path::new("/nonexistent");
        let u = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(common_dir(base, &u(&["a/b/t.yaml", "a/c/t.yaml"])), "a");
        assert_eq!(common_dir(base, &u(&["a/b/t.yaml", "x/t.yaml"])), ".");
        assert_eq!(common_dir(base, &u(&[])), ".");
    }
}
