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
//! - [`assumptions`]: the assumption catalog, one data file per assumption under
//!   `rules/assumptions/`, embedded and validated at load.
//! - [`checks`]: the evaluators rule files name; each gives every resource in its scope pass,
//!   fail or unknown with the cause.
//! - [`claims`]: architecture documents (Markdown, pulldown-cmark) into sentences, and sentences
//!   into claims that an assumption holds or fails; named components resolved to resources.
//! - [`iam`], [`kms`], [`network`]: the reasoning library: effective access, trust, escalation,
//!   keys and what they protect, placement, exposure and public edges.
//! - [`reconcile`]: code × answers × document → a status per assumption, with evidence,
//!   questions with stable ids, threats, risk, confidence and sentences for the document.
//! - [`systems`]: the tree cut into systems (an architecture document or a project and the
//!   units under it, or `vouch.toml`'s declarations), each reconciled on its own.
//! - [`config`]: reads `vouch.toml`.
//! - [`report`]: the only place that formats output (text, JSON, diagnostics).
//! - [`answers`]: the team's answers file (`.vouch/answers.yaml`): read with diagnostics, edited as
//!   text that keeps what the user wrote (open questions appended, answers recorded), and the
//!   `vouch clarify` loop.
//!
//! # Invariants
//!
//! - Parsing never fails as a whole: a file that cannot be read is a [`diagnostics::Diagnostic`],
//!   and the scan goes on with the others.
//! - Every resource, attribute and edge carries its span.
//! - An unknown value is never silently read as the good case: it stays [`model::Value::Unknown`]
//!   with its reason until an answer or the document settles it.
//! - Output is deterministic: resources, edges and diagnostics are sorted, ids are stable.
//! - An unknown never becomes a finding or a pass: it becomes a question, or rests on a document
//!   claim or an answer, and the report says which.
//! - A file the user wrote (the answers file) is edited as text and renamed into place; nothing
//!   in it is lost.

pub mod answers;
pub mod assumptions;
pub mod baseline;
pub mod checks;
pub mod claims;
pub mod cloudformation;
pub mod config;
pub mod diagnostics;
pub mod diagram;
pub mod graph;
pub mod iam;
pub mod kms;
pub mod live;
pub mod load;
pub mod model;
pub mod network;
pub mod plan;
pub mod progress;
pub mod reconcile;
pub mod report;
pub mod source;
pub mod syntax;
pub mod systems;
pub mod terraform;
pub mod waivers;

use crate::model::Label;
use crate::source::{Origin, Region};
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
    /// What was read from the live account (`--aws`): the roles the code runs as but does not
    /// declare enter the model from it.
    pub account: Option<std::sync::Arc<live::Snapshot>>,
}

/// The result of reading a tree: files, model and diagnostics.
#[derive(Debug)]
pub struct Scan {
    pub loaded: Loaded,
    pub model: Model,
    /// Load and evaluation diagnostics, sorted.
    pub diagnostics: Vec<Diagnostic>,
    pub var_files: Vec<terraform::VarFile>,
    /// What the live account settled, when it was read.
    pub account: Option<live::account::AccountFacts>,
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
    progress::step("evaluating", 0);
    let t1 = std::time::Instant::now();
    let mut model = Model::default();
    let mut diagnostics = loaded.diagnostics.clone();
    let var_files = terraform::lower(&loaded, &options.vars, &mut model, &mut diagnostics);
    plan::lower(&loaded, &mut model, &mut diagnostics);
    cloudformation::lower(&loaded, &options.params, &mut model, &mut diagnostics);
    model::suppressions::record(&loaded, &mut model, &mut diagnostics);
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
    progress::step("linking", 0);
    model.link();
    let account = options.account.as_deref().map(|snapshot| {
        live::account::add_to_model(snapshot, &mut loaded, &mut model, &mut diagnostics)
    });
    diagnostics.extend(missing_managed_policies(&model, &loaded.sources));
    diagnostics.sort();
    diagnostics.dedup();
    let link = t2.elapsed();
    Scan {
        loaded,
        model,
        diagnostics,
        var_files,
        account,
        timings: Timings {
            parse,
            evaluate,
            link,
        },
    }
}

/// A warning for each attachment of an AWS managed policy that does not exist: AWS refuses the
/// attachment, so the deployment fails as written (the checks also ask about it).
fn missing_managed_policies(model: &Model, sources: &source::Sources) -> Vec<Diagnostic> {
    iam::principals::missing_managed_policies(model)
        .into_iter()
        .map(|m| {
            let region = sources.region(m.span);
            let hint = match &m.finding.meant {
                Some(real) => format!("write `{real}`"),
                None => "check the name and path against AWS's list of managed policies; a customer policy's ARN names its account".to_string(),
            };
            Diagnostic::warning(&region.file, "no-such-managed-policy", m.finding.describe())
                .at(region.line as usize, region.column as usize, m.span.start as usize)
                .hint(hint)
        })
        .collect()
}

/// What `vouch scan` is told about the document, the answers and the rules.
#[derive(Debug, Clone, Default)]
pub struct AssessOptions {
    /// Architecture documents given with `--doc` (none: found under the root).
    pub docs: Vec<std::path::PathBuf>,
    /// The answers file (none: `.vouch/answers.yaml` under the root).
    pub answers: Option<std::path::PathBuf>,
    /// Decide only these assumptions (none: all).
    pub only: Vec<String>,
    /// Never decide these assumptions (`disable` in `vouch.toml`).
    pub disable: Vec<String>,
    /// Re-rated assumptions: the severity of the threat when each fails or is open.
    pub severity: std::collections::BTreeMap<String, assumptions::Severity>,
}

/// The answers file a scan reads: `--answers`, else `.vouch/answers.yaml` in the scanned
/// directory (or beside a scanned file).
pub fn answers_path(root: &Path, options: &AssessOptions) -> std::path::PathBuf {
    options.answers.clone().unwrap_or_else(|| {
        let base = if root.is_file() {
            root.parent().unwrap_or(Path::new("."))
        } else {
            root
        };
        base.join(answers::DEFAULT_PATH)
    })
}

/// The rules a scan decides: every rule of the catalog, or those `--only` names, less those
/// `disable` names, each re-rated where `severity` says so. Unknown ids come back as diagnostics.
pub fn rules(options: &AssessOptions) -> (Vec<&'static assumptions::Rule>, Vec<Diagnostic>) {
    let named = |r: &assumptions::Rule, ids: &[String]| {
        ids.iter().any(|o| o == &r.id || r.aliases.contains(o))
    };
    let rules = assumptions::catalog()
        .iter()
        .filter(|r| options.only.is_empty() || named(r, &options.only))
        .filter(|r| !named(r, &options.disable))
        .map(|r| {
            match options
                .severity
                .iter()
                .find(|(id, _)| named(r, &[(*id).clone()]))
            {
                Some((_, &severity)) => assumptions::rerated(r, severity),
                None => r,
            }
        })
        .collect();
    let mut diagnostics = Vec::new();
    for (flag, ids) in [("--only", &options.only), ("disable", &options.disable)] {
        for o in ids {
            if assumptions::rule(o).is_none() {
                diagnostics.push(
                    Diagnostic::error(flag, "unknown-assumption", format!("no assumption `{o}`"))
                        .hint("`vouch explain` lists the assumptions"),
                );
            }
        }
    }
    for id in options.severity.keys() {
        if assumptions::rule(id).is_none() {
            diagnostics.push(
                Diagnostic::error(
                    "severity",
                    "unknown-assumption",
                    format!("no assumption `{id}`"),
                )
                .hint("`vouch explain` lists the assumptions"),
            );
        }
    }
    (rules, diagnostics)
}

/// What every system of a scan shares: the rules and the answers file.
struct Shared {
    /// What the live account settled (`--aws`): the same for every system.
    account: Option<live::account::AccountFacts>,
    rules: Vec<&'static assumptions::Rule>,
    entries: Vec<reconcile::AnswerEntry>,
    /// The risks the answers file accepts.
    acceptances: Vec<waivers::Acceptance>,
    answers_shown: Option<String>,
}

/// Reads the rules and the answers file once for the whole scan.
fn shared(root: &Path, options: &AssessOptions) -> (Shared, Vec<Diagnostic>) {
    let (rules, mut diagnostics) = rules(options);
    let answers_file = answers_path(root, options);
    let answers_shown = source::shown_path(root, &answers_file);
    let (answers, answer_diags) = answers::read(&answers_file, &answers_shown);
    diagnostics.extend(answer_diags);
    // Where each answer entry is, by its first line.
    let answers_text = if answers.entries.is_empty() && answers.accepted.is_empty() {
        String::new()
    } else {
        std::fs::read_to_string(&answers_file).unwrap_or_default()
    };
    let answer_regions = answers::entry_regions(&answers_text, &answers_shown);
    let entries: Vec<reconcile::AnswerEntry> =
        answers
            .entries
            .iter()
            .map(|a| {
                let (assumption, question) = match &a.target {
                    answers::Target::Assumption(id) => (Some(id.clone()), None),
                    answers::Target::Question(q) => (a.assumption.clone(), Some(q.clone())),
                };
                reconcile::AnswerEntry {
                    assumption,
                    question,
                    holds: a.holds,
                    detail: a.detail.clone(),
                    origin: Origin::Source(answer_regions.get(&a.line).cloned().unwrap_or_else(
                        || Region::whole_line(&answers_shown, &answers_text, a.line),
                    )),
                }
            })
            .collect();
    let acceptances = answers
        .accepted
        .iter()
        .map(|a| waivers::Acceptance {
            assumption: a.assumption.clone(),
            resource: a.resource.clone(),
            reason: a.reason.clone(),
            by: a.by.clone(),
            expires: a.expires.clone(),
            offset: answers_text
                .split_inclusive('\n')
                .take(a.line.saturating_sub(1) as usize)
                .map(str::len)
                .sum(),
            origin: Origin::Source(
                answer_regions
                    .get(&a.line)
                    .cloned()
                    .unwrap_or_else(|| Region::whole_line(&answers_shown, &answers_text, a.line)),
            ),
        })
        .collect();
    let shown = (options.answers.is_some() || answers_file.exists()).then_some(answers_shown);
    (
        Shared {
            account: None,
            rules,
            entries,
            acceptances,
            answers_shown: shown,
        },
        diagnostics,
    )
}

/// An error diagnostic as the report lists it among the inputs it could not read.
fn unreadable(d: &Diagnostic) -> reconcile::Unreadable {
    reconcile::Unreadable {
        origin: Origin::Source(Region {
            file: d.path.clone(),
            line: d.line,
            column: d.column,
            end_line: d.line,
            end_column: d.column,
        }),
        message: d.message.clone(),
    }
}

/// Decides the assumptions for a scanned tree as one system: reads the architecture documents
/// and the answers file, runs the checks, and reconciles. Diagnostics about the documents and
/// the answers file come back beside the report.
pub fn assess(
    scan: &Scan,
    root: &Path,
    options: &AssessOptions,
) -> (reconcile::Report, Vec<Diagnostic>) {
    let (mut shared, mut diagnostics) = shared(root, options);
    shared.account = scan.account.clone();
    let found = claims::find_documents(base_dir(root), &options.docs);
    let (documents, texts, doc_diags) = read_documents(root, &found);
    diagnostics.extend(doc_diags);
    let unreadable = scan
        .diagnostics
        .iter()
        .chain(&diagnostics)
        .filter(|d| d.severity == Severity::Error)
        .map(unreadable)
        .collect();
    let mut report = decide_system(
        &scan.model,
        ".",
        &scan.loaded.sources,
        &shared,
        &documents,
        &texts,
        unreadable,
    );
    let used = waivers::apply(
        &mut report,
        &scan.model.suppressions,
        &shared.acceptances,
        &scan.loaded.sources,
        &answers::today(),
    );
    diagnostics.extend(waivers::unused(
        &used,
        &scan.model.suppressions,
        &shared.acceptances,
        &scan.loaded.sources,
    ));
    (report, diagnostics)
}

/// What [`assess_systems`] gives back.
#[derive(Debug)]
pub struct Assessment {
    /// One report per system, in the order the systems were given.
    pub systems: Vec<systems::SystemReport>,
    /// Inputs that could not be read and lie in no system's directory.
    pub outside: Vec<reconcile::Unreadable>,
    /// Diagnostics about the answers file, the rules and the documents, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

/// Every system's report (see [`systems`]), evaluated in parallel, in the order of `systems`,
/// with the diagnostics about the answers file, the rules and the documents. One system is the
/// tree's model as it is; several each get the model of their own units. Errors reading the
/// tree's files go to the system whose directory holds the file; the answers file's and the
/// rules' to every system (they can change any verdict).
pub fn assess_systems(
    scan: &Scan,
    root: &Path,
    options: &AssessOptions,
    systems: Vec<systems::System>,
) -> Assessment {
    use rayon::prelude::*;
    let (mut shared, diagnostics) = shared(root, options);
    shared.account = scan.account.clone();
    let everywhere: Vec<reconcile::Unreadable> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(unreadable)
        .collect();
    let single = systems.len() == 1;
    // Each file error goes to the deepest system directory holding it.
    let home = |path: &str| {
        systems
            .iter()
            .enumerate()
            .filter(|(_, s)| systems::contains(&s.path, path))
            .max_by_key(|(i, s)| (s.path.len(), std::cmp::Reverse(*i)))
            .map(|(i, _)| i)
    };
    let mut file_errors: Vec<Vec<reconcile::Unreadable>> = vec![Vec::new(); systems.len()];
    let mut outside = Vec::new();
    for d in scan
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
    {
        match if single { Some(0) } else { home(&d.path) } {
            Some(i) => file_errors[i].push(unreadable(d)),
            None => outside.push(unreadable(d)),
        }
    }
    let today = answers::today();
    progress::step("deciding systems", systems.len());
    let results: Vec<(systems::SystemReport, Vec<Diagnostic>, waivers::Used)> = systems
        .into_par_iter()
        .zip(file_errors)
        .map(|(system, mut unreadable)| {
            let _done = progress::Done;
            let (documents, texts, doc_diags) = read_documents(root, &system.documents);
            unreadable.extend(everywhere.iter().cloned());
            unreadable.extend(
                doc_diags
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .map(self::unreadable),
            );
            let sources = &scan.loaded.sources;
            // A tree of one system is decided on the whole model, without copying it.
            let subset;
            let model = if single {
                &scan.model
            } else {
                subset = scan.model.subset(&system.units);
                &subset
            };
            let mut report = decide_system(
                model,
                &system.path,
                sources,
                &shared,
                &documents,
                &texts,
                unreadable,
            );
            let used = waivers::apply(
                &mut report,
                &scan.model.suppressions,
                &shared.acceptances,
                sources,
                &today,
            );
            (systems::SystemReport { system, report }, doc_diags, used)
        })
        .collect();
    let mut all = diagnostics;
    let mut reports = Vec::with_capacity(results.len());
    let mut used = waivers::Used::new(scan.model.suppressions.len(), shared.acceptances.len());
    for (r, d, u) in results {
        reports.push(r);
        all.extend(d);
        used.merge(&u);
    }
    all.extend(waivers::unused(
        &used,
        &scan.model.suppressions,
        &shared.acceptances,
        &scan.loaded.sources,
    ));
    all.sort();
    all.dedup();
    if !single {
        settle_stale_answers(&mut reports);
    }
    Assessment {
        systems: reports,
        outside,
        diagnostics: all,
    }
}

/// Every system reads the whole answers file, so an answer to one system's question is stale
/// in every other: it is stale only if no system applied or overruled it.
fn settle_stale_answers(reports: &mut [systems::SystemReport]) {
    let used: std::collections::HashSet<String> = reports
        .iter()
        .flat_map(|r| {
            r.report
                .answers
                .applied
                .iter()
                .chain(&r.report.answers.conflicting)
        })
        .map(|a| a.origin.short())
        .collect();
    for r in reports {
        r.report
            .answers
            .stale
            .retain(|a| !used.contains(&a.origin.short()));
    }
}

/// The directory a scan's root names (a scanned file's directory).
fn base_dir(root: &Path) -> &Path {
    if root.is_file() {
        root.parent().unwrap_or(Path::new("."))
    } else {
        root
    }
}

/// Reconciles one system's model with its documents and the shared answers.
fn decide_system(
    model: &Model,
    system: &str,
    sources: &source::Sources,
    shared: &Shared,
    documents: &[claims::Document],
    texts: &std::collections::BTreeMap<String, String>,
    unreadable: Vec<reconcile::Unreadable>,
) -> reconcile::Report {
    // Every rule's claims in one reading of each document.
    let patterns: Vec<(&str, &claims::ClaimPatterns)> = shared
        .rules
        .iter()
        .map(|r| (r.id.as_str(), &r.claims))
        .collect();
    let mut by_rule: std::collections::HashMap<&str, Vec<claims::Claim>> =
        std::collections::HashMap::new();
    for d in documents {
        for (i, c) in claims::detect_all(d, &patterns) {
            by_rule.entry(patterns[i].0).or_default().push(c);
        }
    }
    let claims_of = |rule: &assumptions::Rule| {
        let mut all: Vec<claims::Claim> =
            by_rule.get(rule.id.as_str()).cloned().unwrap_or_default();
        all.sort_by(|a, b| (&a.path, a.line, &a.text).cmp(&(&b.path, b.line, &b.text)));
        all.dedup();
        all
    };
    // A claim about a function covers the role it runs as, and a claim about a role the compute
    // that runs as it: the document names whichever it thinks of, the checks judge either.
    let resolve = |name: &str| {
        let mut found = claims::resolve_component(model, name, &[]);
        let mut linked = Vec::new();
        for &r in &found {
            linked.extend(
                model
                    .edges_from(r)
                    .filter(|e| e.label == Label::RunsAs)
                    .map(|e| model.owner(e.to)),
            );
            linked.extend(network::util::referrers(model, r, Label::RunsAs));
        }
        found.extend(linked);
        found.sort_unstable();
        found.dedup();
        found
    };
    let claim_origin = |c: &claims::Claim| {
        let text = texts.get(&c.path).map_or("", String::as_str);
        Origin::Source(Region::of_sentence(&c.path, text, c.line, &c.text))
    };
    let inputs = reconcile::Inputs {
        model,
        system: system.to_string(),
        sources,
        rules: shared.rules.clone(),
        claims: &claims_of,
        claim_origin: &claim_origin,
        resolve: &resolve,
        answers: &shared.entries,
        answers_path: shared.answers_shown.clone(),
        documents: documents.iter().map(|d| d.path.clone()).collect(),
        unreadable,
        account: shared.account.as_ref(),
        document_speaks_of_tenants: texts
            .values()
            .any(|t| model::tenancy::document_speaks_of_tenants(t)),
    };
    let mut report = reconcile::reconcile(&inputs);
    let reading = claims::listing::read(documents, &claims::corpus::catalog_patterns());
    report.document_claims = reading.claims;
    report.not_understood = reading.skipped;
    report
}

/// Finds and reads the architecture documents, with their text by shown path (for locations).
/// A `--doc` file that cannot be read is an error; a document over the size limit is read up to
/// it, with a warning.
fn read_documents(
    root: &Path,
    found: &[claims::Found],
) -> (
    Vec<claims::Document>,
    std::collections::BTreeMap<String, String>,
    Vec<Diagnostic>,
) {
    let mut docs = Vec::new();
    let mut texts = std::collections::BTreeMap::new();
    let mut diags = Vec::new();
    for found in found {
        let shown = source::shown_path(root, &found.path);
        let bytes = match std::fs::metadata(&found.path) {
            Ok(m) if m.is_file() => std::fs::File::open(&found.path).and_then(|f| {
                use std::io::Read;
                let mut buf = Vec::new();
                f.take(claims::MAX_DOCUMENT_BYTES as u64 + 1)
                    .read_to_end(&mut buf)
                    .map(|_| buf)
            }),
            Ok(_) => Err(std::io::Error::other("not a regular file")),
            Err(e) => Err(e),
        };
        match bytes {
            Ok(mut b) => {
                if b.len() > claims::MAX_DOCUMENT_BYTES {
                    b.truncate(claims::MAX_DOCUMENT_BYTES);
                    diags.push(
                        Diagnostic::warning(
                            &shown,
                            "document-too-large",
                            "only the first MiB of this document is read",
                        )
                        .hint("split the document, or point --doc at the architecture part"),
                    );
                }
                let text = String::from_utf8_lossy(&b);
                docs.push(claims::read_document(&shown, &text, found.readme));
                texts.insert(shown, text.into_owned());
            }
            Err(e) => diags.push(
                Diagnostic::error(
                    &shown,
                    "document-unreadable",
                    format!("the architecture document cannot be read: {e}"),
                )
                .hint("check the path given with --doc"),
            ),
        }
    }
    (docs, texts, diags)
}

/// FNV-1a, 64 bits: stable across platforms and releases, unlike std's hasher. Question ids
/// and path ids are made with it, so it must never change.
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
