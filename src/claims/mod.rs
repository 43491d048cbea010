//! Architecture documents into claims about assumptions.
//!
//! - [`find_documents`]: which Markdown files are the architecture documents.
//! - [`read_document`]: a document into sentences, each with its line and section, and the
//!   components the document names (a "component" table, "the report worker" in prose).
//! - [`detect`]: the sentences that claim an assumption holds or fails, from the assumption's
//!   patterns ([`ClaimPatterns`]); negations flip a claim, hedges, plans, questions and
//!   conditionals are not claims.
//! - [`resolve_component`]: a named component to the resources of the model it refers to.
//!
//! Everything is deterministic and explainable: lowercase word tokens and phrase patterns, and
//! for sentences no pattern reads, a small learned topic vocabulary (`topic`) trained from data
//! in the repository. Every claim says which patterns or learned words made it
//! ([`Claim::matched`]).

mod actions;
mod comparison;
pub mod corpus;
mod detect;
pub mod listing;
mod markdown;
mod nonclaims;
mod references;
mod resolve;
mod scope;
mod text;
mod topic;

pub use markdown::MAX_DOCUMENT_BYTES;

use crate::model::Kind;
use std::path::{Path, PathBuf};

/// A document to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    /// A README read for want of an architecture document: only its architecture sections count.
    pub readme: bool,
}

/// Directories never searched for documents.
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", ".terraform"];
/// How deep under `docs/` documents are looked for.
const MAX_DOCS_DEPTH: usize = 8;
/// How many directory entries under `docs/` are looked at, at most.
const MAX_DOCS_ENTRIES: usize = 50_000;

/// Which files are the architecture documents. `explicit` (from repeated `--doc FILE`) wins when
/// non-empty: exactly those, in the given order. Otherwise, matching names case-insensitively,
/// under `root`: `ARCHITECTURE.md`, `DESIGN.md` or the project's own `<directory name>.md` at the
/// root, `ARCHITECTURE.md` or `DESIGN.md` directly under `docs/` (or `doc/`), then
/// `docs/**/{architecture,design,security,threat-model}*.md`, then the decision records: the `.md` files of an ADR folder — one
/// named as decision records are ([`is_adr_dir`]: `adr`, `decisions`, `architecture-decision-record`…) at the root
/// or anywhere under `docs/`, or the folder adr-tools' `.adr-dir` names — without their
/// README, index or template (sorted, deduplicated); if none is found, `README.md` at the root,
/// read with `readme: true` (only its architecture sections). Skips `.git`, `node_modules`,
/// `.terraform`; never follows symlinks; bounded depth and entries.
pub fn find_documents(root: &Path, explicit: &[PathBuf]) -> Vec<Found> {
    if !explicit.is_empty() {
        return explicit
            .iter()
            .map(|p| Found {
                path: p.clone(),
                readme: false,
            })
            .collect();
    }
    let is_main = |name: &str| {
        let n = name.to_ascii_lowercase();
        n == "architecture.md" || n == "design.md"
    };
    // The project's own `<directory name>.md` (`payments/payments.md`).
    let own_name = root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| format!("{}.md", n.to_string_lossy())))
        .filter(|n| !n.eq_ignore_ascii_case("readme.md"));
    let root_files = plain_entries(root);
    let mut first: Vec<PathBuf> = root_files
        .iter()
        .filter(|(name, file)| {
            *file
                && (is_main(name)
                    || own_name
                        .as_deref()
                        .is_some_and(|own| name.eq_ignore_ascii_case(own)))
        })
        .map(|(name, _)| root.join(name))
        .collect();
    sort_paths(&mut first);
    let mut docs_dirs: Vec<PathBuf> = root_files
        .iter()
        .filter(|(name, file)| !*file && is_docs_dir(name))
        .map(|(name, _)| root.join(name))
        .collect();
    sort_paths(&mut docs_dirs);
    // ADR folders outside `docs/`: at the root, or where adr-tools' `.adr-dir` points.
    let mut adr_dirs: Vec<PathBuf> = root_files
        .iter()
        .filter(|(name, file)| !*file && is_adr_dir(name))
        .map(|(name, _)| root.join(name))
        .collect();
    adr_dirs.extend(adr_tools_dir(root));
    sort_paths(&mut adr_dirs);

    let mut under_docs: Vec<PathBuf> = Vec::new();
    let mut architecture: Vec<PathBuf> = Vec::new();
    let mut adr: Vec<PathBuf> = Vec::new();
    for docs in &docs_dirs {
        let walk = walkdir::WalkDir::new(docs)
            .follow_links(false)
            .max_depth(MAX_DOCS_DEPTH)
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir()
                        && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
            })
            .filter_map(Result::ok)
            .take(MAX_DOCS_ENTRIES);
        for entry in walk {
            if !entry.file_type().is_file() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
            if !name.ends_with(".md") {
                continue;
            }
            let path = entry.path().to_path_buf();
            let parent_is_adr_dir = entry
                .path()
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|p| is_adr_dir(&p.to_string_lossy()));
            if entry.depth() == 1 && is_main(&name) {
                under_docs.push(path.clone());
            }
            // A decision log kept as one file (`docs/decisions.md`, `docs/adr.md`) is named
            // as an ADR folder is.
            if DESIGN_PREFIXES.iter().any(|p| name.starts_with(p))
                || is_adr_dir(name.trim_end_matches(".md"))
            {
                architecture.push(path.clone());
            }
            if entry.depth() >= 2 && parent_is_adr_dir && is_record(&name) {
                adr.push(path);
            }
        }
    }
    for dir in &adr_dirs {
        for (name, file) in plain_entries(dir) {
            let lower = name.to_ascii_lowercase();
            if file && lower.ends_with(".md") && is_record(&lower) {
                adr.push(dir.join(name));
            }
        }
    }
    sort_paths(&mut under_docs);
    sort_paths(&mut architecture);
    sort_paths(&mut adr);
    let mut out: Vec<Found> = Vec::new();
    for path in first
        .into_iter()
        .chain(under_docs)
        .chain(architecture)
        .chain(adr)
    {
        if !out.iter().any(|f| f.path == path) {
            out.push(Found {
                path,
                readme: false,
            });
        }
    }
    if out.is_empty() {
        let mut readmes: Vec<PathBuf> = root_files
            .iter()
            .filter(|(name, file)| *file && name.eq_ignore_ascii_case("readme.md"))
            .map(|(name, _)| root.join(name))
            .collect();
        sort_paths(&mut readmes);
        out.extend(
            readmes
                .into_iter()
                .take(1)
                .map(|path| Found { path, readme: true }),
        );
    }
    out
}

/// What the name of a design document under `docs/` starts with: architecture overviews,
/// design documents, security designs and threat models.
const DESIGN_PREFIXES: &[&str] = &[
    "architecture",
    "design",
    "security",
    "threat-model",
    "threat_model",
    "threatmodel",
];

/// Folders of architecture documents: `docs/`, and `doc/` as some projects spell it.
fn is_docs_dir(name: &str) -> bool {
    name.eq_ignore_ascii_case("docs") || name.eq_ignore_ascii_case("doc")
}

/// Whether a directory name is that of an ADR folder: the names decision-record folders go by
/// (adr-tools' `adr`, log4brains' and MADR's `decisions`, hand-made `adrs`,
/// `architecture-decisions`, `architecture-decision-record`, `decision-log`,
/// `architecture-decision-register`…). Read as words (split on `-`, `_`, `.` and spaces, any
/// case): the word `adr` or `adrs`, or `decision` / `decisions` alone or with `architecture`,
/// `architectural`, `record(s)`, `log` or `register` — and nothing else, so
/// `decision-tree-model` or `adr-images` is not one.
pub fn is_adr_dir(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(['-', '_', '.', ' '])
        .filter(|w| !w.is_empty())
        .collect();
    let qualifier = |w: &&str| {
        matches!(
            *w,
            "architecture" | "architectural" | "record" | "records" | "log" | "register"
        )
    };
    match words.as_slice() {
        [] => false,
        [w] => matches!(*w, "adr" | "adrs" | "decisions"),
        _ => {
            let decision = words.iter().any(|w| matches!(*w, "decision" | "decisions"));
            let adr = words.iter().any(|w| matches!(*w, "adr" | "adrs"));
            (decision || adr)
                && words.iter().all(|w| {
                    matches!(*w, "decision" | "decisions" | "adr" | "adrs") || qualifier(w)
                })
        }
    }
}

/// A decision record, not the folder's README, index or template (lowercase name).
fn is_record(lower: &str) -> bool {
    !matches!(
        lower.trim_end_matches(".md"),
        "readme" | "index" | "template" | "adr-template" | "_template"
    )
}

/// The folder adr-tools' `.adr-dir` names (a path relative to `root`, on the file's first
/// line), when it is a directory inside `root`.
fn adr_tools_dir(root: &Path) -> Option<PathBuf> {
    let marker = root.join(".adr-dir");
    if !std::fs::symlink_metadata(&marker).ok()?.is_file() {
        return None;
    }
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut std::io::Read::take(std::fs::File::open(&marker).ok()?, 4096),
        &mut text,
    )
    .ok()?;
    let rel = Path::new(text.lines().next()?.trim());
    if rel.as_os_str().is_empty()
        || rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return None;
    }
    let dir = root.join(rel);
    std::fs::symlink_metadata(&dir)
        .ok()
        .filter(|m| m.is_dir())
        .map(|_| dir)
}

/// Sorts paths by their lowercase text (names match case-insensitively, so `architecture.md`
/// comes before `DESIGN.md`), then by their text.
fn sort_paths(paths: &mut [PathBuf]) {
    paths.sort_by_cached_key(|p| {
        let text = p.to_string_lossy().into_owned();
        (text.to_lowercase(), text)
    });
}

/// The entries of a directory that are regular files (`true`) or directories (`false`), by name;
/// symlinks and anything else are left out.
fn plain_entries(dir: &Path) -> Vec<(String, bool)> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    read.filter_map(Result::ok)
        .take(MAX_DOCS_ENTRIES)
        .filter_map(|e| {
            let ty = e.file_type().ok()?;
            let name = e.file_name().into_string().ok()?;
            if ty.is_file() {
                Some((name, true))
            } else if ty.is_dir() && !SKIPPED_DIRS.contains(&name.as_str()) {
                Some((name, false))
            } else {
                None
            }
        })
        .collect()
}

/// A document split into sentences.
#[derive(Debug, Clone)]
pub struct Document {
    pub path: String,
    pub sentences: Vec<Sentence>,
    /// The components the document names, lowercase, sorted and deduplicated: the first column of a
    /// table whose first header cell is "component" (cells split on `/` and `,`), "the `<name>`
    /// function|role|table|bucket|queue|key|api|trigger|handler|worker" in prose (one to three
    /// name words, not "the same data key" nor "the KMS key"), and API routes ("post /invoices").
    /// Of names that differ only by service words ("report-jobs SQS queue"), the shortest.
    pub components: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// 1-based line where the sentence starts, in the file.
    pub line: u32,
    /// The sentence as prose: inline code kept as its text, emphasis markers and links removed, whitespace collapsed.
    pub text: String,
    /// The heading path above it ("Identity and access").
    pub section: String,
    /// Byte ranges of inline code in `text` (`settlement-batch`): names, not prose.
    pub code: Vec<std::ops::Range<usize>>,
    /// For a table row: each cell with its column's header, in order (the first is the row's
    /// subject); empty for prose.
    pub cells: Vec<(String, String)>,
    /// The block it is in (a paragraph, list item or table row), counted from the document's
    /// start: the sentences of one block go on about the same thing.
    pub block: u32,
    /// For a sentence of a nested list item, the block of the item it is nested in (its own
    /// text); 0 otherwise. A nested item often goes on about what its parent introduced
    /// ("Each layer has its own security group:" then "Outbound-only via the NAT gateway.").
    pub parent: u32,
}

/// `path` is what reports show. With `readme`, only sections whose heading mentions architecture,
/// design, security, infrastructure, network, data protection, identity/access, tenancy (and their subsections) are kept.
///
/// The section of a sentence is the path of headings above it, joined by ` > `, without the
/// document's title (a first-level heading that is the first heading of the document). Text
/// beyond [`MAX_DOCUMENT_BYTES`] is not read.
pub fn read_document(path: &str, text: &str, readme: bool) -> Document {
    markdown::read(path, text, readme)
}

/// The claim patterns of one assumption, as written in its rule file (YAML → serde). Reject unknown fields.
///
/// Each entry is a lowercase phrase of words, matched on contiguous words of one clause. A word
/// may end in `*` (prefix: `encrypt*`); a lone `*` matches any one word. Hyphens and underscores
/// separate words on both sides, and `n't` reads as `not` (`isn't` = `is not`).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClaimPatterns {
    pub topics: Vec<String>,
    /// Phrases that name the control itself ("mfa", "key rotation", "access logging"): a topic
    /// to which the shared words of holding and failing (`rules/claims/predicates.yaml`) apply
    /// ("MFA is **optional**"), and the security vocabulary `vouch claims` lists when a sentence
    /// that uses it is not read as a claim.
    #[serde(default)]
    pub controls: Vec<String>,
    #[serde(default)]
    pub holds: Vec<String>,
    #[serde(default)]
    pub fails: Vec<String>,
    /// What the assumption's words may also be said of, in another sense: "rotation" of secrets,
    /// credentials and API keys is not the rotation of KMS key material; "versioning" of modules,
    /// charts and code is not a copy of data. A clause whose topic names one of these, and none
    /// of [`ClaimPatterns::own_things`], is about that other thing and no claim of the assumption.
    #[serde(default)]
    pub other_things: Vec<String>,
    /// What the assumption's words are said of in its own sense ("kms", "cmk*" for rotation;
    /// "bucket*", "state" for versioning): naming one of them keeps a clause that also names one
    /// of [`ClaimPatterns::other_things`] ("the Secrets Manager CMK rotates yearly").
    #[serde(default)]
    pub own_things: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    Holds,
    Fails,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Claim {
    pub polarity: Polarity,
    pub path: String,
    pub line: u32,
    pub text: String,
    /// The named components the sentence is about ("admin function"), lowercase; empty when the
    /// sentence is about the system as a whole ("each Lambda function", "all functions", no subject named).
    pub components: Vec<String>,
    /// The names the sentence's own words give when it names none of the document's components
    /// (`fp-telemetry`, "the ledger database", "for clinician accounts"), lowercase. A claim
    /// narrows to them where they resolve to resources; a name the code does not have narrows
    /// nothing (the claim stays about the system as a whole).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    /// The components the claim carves out of the whole system ("every function but the admin
    /// function" → `admin function`), lowercase; empty when it carves out none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<String>,
    /// The pattern that matched, for explainability ("topic `mfa`, holds `mandatory`").
    pub matched: String,
}

/// The sentences of `doc` that claim the assumption of `patterns` holds or fails.
///
/// A sentence is a claim when it matches a topic phrase and a `holds` or `fails` phrase, and is
/// stated as a fact. Polarity: each `holds`/`fails` match counts with its own polarity, flipped
/// when a negation governs it: `not`, `never`, `nor` (and `n't`, `cannot`) up to five words
/// before it in the same clause; `no`, `without` only right before it ("no customer-managed
/// key", but "no internet gateway" does not negate "private subnets" further on); `none`,
/// `nothing`, `nobody`, `no` as the clause's subject; a verb of refusal before a `fails` phrase
/// ("denies requests without TLS"), or before a negation (double negation, "refuses any request
/// that does not use TLS"). Then any `fails` → `Fails`, else `Holds`. So "MFA is not optional"
/// holds, and "MFA is offered but not required" fails.
///
/// A negation before the first item of a comma list reaches every item ("No role may hold
/// AdministratorAccess, PowerUserAccess or IAMFullAccess"); "no <noun> to <verb>" negates the
/// verb ("no permission to read"); in "X, not Y" the clause that starts with `not` names the
/// rejected alternative and decides nothing where the rest of the sentence does.
///
/// Not claims: questions; hedges, plans and wishes (`may` as a possibility, `might`, `could`,
/// `should`, `would`, `will`, `planned`, `later`, `eventually`, `consider…`, `todo`, `tbd`,
/// "we plan to", "if we", "we want", `ideally`, `goal`, "where possible"); conditionals (a
/// sentence that starts with `if`, `unless`, `assuming`, …); exceptions (`except`, "other
/// than": the claim covers a set the sentence does not name). `may` followed by `only`,
/// `exactly`, `not` is a permission, a statement of fact ("may invoke exactly one model"), and so
/// is `may` in a clause whose subject is negated or restricted ("No role may …", "Only the
/// provisioning service may …"). A conditional clause anywhere (`if`, `unless`) makes its part of
/// the sentence no claim; so does a heading of plans or questions ("Open questions", "TODO",
/// "Next steps") for the sentences under it. Under a heading of what is missing ("Not done yet",
/// "Known gaps") an item names an absent control: it fails.
///
/// Scope: a definite description that names nothing ("The key rotates …", "Both buckets …")
/// refers to the last thing of its kind the section named.
///
/// Components: the document's components the sentence names (longest first), plus, when the
/// sentence's subject is a pronoun ("It is not reachable…"), the subject of the sentence before
/// it in the same section (the components it starts with). None named: the claim is about the
/// system as a whole ("each Lambda function", "all functions").
pub fn detect(doc: &Document, patterns: &ClaimPatterns) -> Vec<Claim> {
    detect::detect(doc, patterns)
}

/// The claims of every rule in `rules` in one reading of the document, by index into `rules`:
/// what [`detect`] gives for each rule, with each sentence analysed once instead of once per
/// rule (a tree of many systems reads many documents). Reading every rule at once also settles
/// which rule a phrase belongs to: a claim whose deciding words all lie inside a longer
/// holding/failing phrase of another rule is dropped ("isolated" inside "isolated database
/// subnets"), and a claim whose topic only the heading gives yields to one whose topic the
/// sentence names.
pub fn detect_all(doc: &Document, rules: &[(&str, &ClaimPatterns)]) -> Vec<(usize, Claim)> {
    detect::read(doc, rules).0
}

/// The resources (indices into model.resources) a named component refers to, among resources whose
/// `kind` is in `kinds` (empty = any kind). Matching: tokenize the component (drop kind nouns such as
/// function, lambda, role, table, bucket, queue, topic, key, api, pool, trigger — handler/worker are
/// real name parts) and each resource's address (split on `_ - . [ ] "` and CamelCase,
/// lowercase, singular/plural folded); a resource matches when all the component's distinctive words appear
/// in its address tokens. Deterministic (sorted output).
///
/// Details: kind nouns are dropped from the end of the name (the head noun: "data key" →
/// `data`); when `kinds` is empty, the head noun stands for its kinds ("data key" → `kms.key`,
/// so not the `tenant_data` table); a name that is only kind nouns ("lambda function") matches
/// nothing. Configuration resources folded into a parent (facets such as a bucket policy) are
/// not matched: the parent is.
pub fn resolve_component(
    model: &crate::model::Model,
    component: &str,
    kinds: &[Kind],
) -> Vec<usize> {
    resolve::resolve(model, component, kinds)
}
