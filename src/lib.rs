//! vouch: decides the assumptions of a threat model from the Terraform and CloudFormation that
//! implement it.
//!
//! # Code map
//!
//! - [`source`]: the file store; every span is a file id plus a byte range, and line/column are
//!   computed in one place.
//! - [`load`]: finds input files (walkdir), classifies them by name and content, reads and parses
//!   them in parallel (rayon).
//! - [`syntax`]: HCL (hcl-edit) and YAML/JSON (saphyr-parser) lowered into compact trees with spans.
//! - [`terraform`]: module directories, roots, variables, and evaluation of expressions, `count`,
//!   `for_each`, `dynamic` blocks, local modules and `aws_iam_policy_document`.
//! - [`cloudformation`]: templates, intrinsic functions, conditions, nested stacks, SAM.
//! - [`plan`]: Terraform plan JSON, with spans taken from the HCL of the same root.
//! - [`model`]: the one resource vocabulary for both languages; values are known, refs,
//!   templates, symbols or unknowns with a reason.
//! - [`claims`]: architecture documents (Markdown, pulldown-cmark) into sentences, and sentences
//!   into claims that an assumption holds or fails; named components resolved to resources.
//! - [`report`]: the only place that formats output (text, JSON, diagnostics).
//!
//! # Invariants
//!
//! - Parsing never fails as a whole: a file that cannot be read is a [`diagnostics::Diagnostic`],
//!   and the scan goes on with the others.
//! - Every resource, attribute and edge carries its span.
//! - An unknown value is never silently read as the good case: it stays [`model::Value::Unknown`]
//!   with its reason until an answer or the document settles it.
//! - Output is deterministic: resources, edges and diagnostics are sorted, ids are stable.

pub mod claims;
pub mod cloudformation;
pub mod diagnostics;
pub mod iam;
pub mod kms;
pub mod load;
pub mod model;
pub mod network;
pub mod plan;
pub mod report;
pub mod source;
pub mod syntax;
pub mod terraform;

use diagnostics::{Diagnostic, Severity};
use load::{LoadOptions, Loaded};
use model::Model;
use std::path::Path;

/// Everything a scan is told on the command line.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub load: LoadOptions,
    pub vars: terraform::VarOptions,
    pub params: cloudformation::ParamOptions,
}

/// The result of reading a tree: files, model and diagnostics.
#[derive(Debug)]
pub struct Scan {
    pub loaded: Loaded,
    pub model: Model,
    /// Load and evaluation diagnostics, sorted.
    pub diagnostics: Vec<Diagnostic>,
    pub var_files: Vec<terraform::VarFile>,
    pub timings: Timings,
}

/// Wall-clock time of each phase, for the benchmark.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Finding, reading and parsing files.
    pub parse: std::time::Duration,
    /// Evaluating Terraform, plans and CloudFormation into resources.
    pub evaluate: std::time::Duration,
    /// Turning references into edges.
    pub link: std::time::Duration,
}

impl Scan {
    /// True when some input could not be read: the exit status is then 2.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Reads a tree into the model.
pub fn scan(root: &Path, options: &ScanOptions) -> Scan {
    let t0 = std::time::Instant::now();
    let mut loaded = load::load(root, &options.load);
    let parse = t0.elapsed();
    let t1 = std::time::Instant::now();
    let mut model = Model::default();
    let mut diagnostics = loaded.diagnostics.clone();
    let var_files = terraform::lower(&loaded, &options.vars, &mut model, &mut diagnostics);
    plan::lower(&loaded, &mut model, &mut diagnostics);
    cloudformation::lower(&loaded, &options.params, &mut model, &mut diagnostics);
    // The syntax trees have been lowered: free them before linking and reporting.
    let trees: Vec<load::Parsed> = loaded
        .files
        .iter_mut()
        .filter(|f| f.kind != load::FileKind::Markdown)
        .map(|f| std::mem::replace(&mut f.parsed, load::Parsed::Released))
        .collect();
    rayon::spawn(move || drop(trees));
    // The text of lowered files is not needed any more, but for diagnostics' snippets and the
    // architecture documents that later stages read.
    let keep: std::collections::HashSet<String> =
        diagnostics.iter().map(|d| d.path.clone()).collect();
    let markdown: std::collections::HashSet<source::FileId> = loaded
        .files
        .iter()
        .filter(|f| f.kind == load::FileKind::Markdown)
        .map(|f| f.id)
        .collect();
    loaded
        .sources
        .release_texts(|id, f| !markdown.contains(&id) && !keep.contains(&f.path));
    let evaluate = t1.elapsed();
    let t2 = std::time::Instant::now();
    model.link();
    diagnostics.sort();
    diagnostics.dedup();
    let link = t2.elapsed();
    Scan {
        loaded,
        model,
        diagnostics,
        var_files,
        timings: Timings {
            parse,
            evaluate,
            link,
        },
    }
}
