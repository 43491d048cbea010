//! The report as alerts: what a pre-merge check shows and tracks. One alert per failing subject
//! of an `invalid` or `contradicted` assumption, and one per open question, each with a
//! fingerprint that names the subject, not its line.
//!
//! SARIF, the baseline, and the Markdown and JUnit reports all read these, so they agree on what
//! a finding is and on its identity. Nothing here decides anything: alerts are selected from the
//! typed [`Report`] as reconcile left it.

use crate::assumptions::{Severity, Status};
use crate::reconcile::{Report, Verdict};
use crate::source::{Origin, Region};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A subject the code proves fails an assumption (or, for a contradiction the code settles
    /// the other way, a document sentence the code proves wrong).
    Finding,
    /// A subject the code cannot settle: a question to answer.
    Question,
}

impl AlertKind {
    pub fn name(self) -> &'static str {
        match self {
            AlertKind::Finding => "finding",
            AlertKind::Question => "question",
        }
    }
}

/// A location an alert points at, with what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub origin: Origin,
    pub message: String,
}

/// One alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The assumption's id (the SARIF rule).
    pub rule: String,
    pub kind: AlertKind,
    /// The rule's threat severity: when it fails for a finding, while open for a question.
    pub severity: Severity,
    /// The resource (or document, for a contradicted sentence) the alert is about.
    pub subject: String,
    /// The deployment unit of the subject.
    pub unit: String,
    /// Where it is; `None` for a deployment that declares nothing (the unit stands for it).
    pub location: Option<Origin>,
    /// For an alert with no location: a file of its deployment unit (relative to the scanned
    /// directory) to show it at, since code scanning refuses a result without a file.
    pub anchor: Option<String>,
    /// The other places that make the case: the document's sentence, the other steps.
    pub related: Vec<Step>,
    /// One line: what is wrong (or what is asked) about the subject.
    pub message: String,
    /// For a question: its stable id (the answers file's key).
    pub question: Option<String>,
    /// The system the alert belongs to, in a tree of several systems (never part of the
    /// fingerprint: regrouping systems does not re-identify alerts).
    pub system: Option<String>,
    /// The suppression or accepted risk that covers a finding (an expired acceptance too, which
    /// waives nothing: see [`Alert::waived`]).
    pub waiver: Option<crate::waivers::Waiver>,
    /// Stable identity: rule, kind, deployment unit and file relative to the repository root
    /// (so the same tree scanned from another directory keeps it), subject, and what the check
    /// says about it; never a line or a column.
    pub fingerprint: String,
}

impl Alert {
    /// Whether an active waiver takes it out of the gate.
    pub fn waived(&self) -> bool {
        self.waiver
            .as_ref()
            .is_some_and(crate::waivers::Waiver::active)
    }
}

/// Where the scanned tree sits in its repository: report paths are relative to the scanned
/// directory; alerts name files relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RepoContext {
    /// The scanned directory relative to the repository root (`""` when they are the same, or
    /// when no repository was found and the scanned directory stands for its root).
    pub prefix: String,
    /// The repository root on disk, when the scanned tree is in one.
    pub root: Option<PathBuf>,
    /// A file of each deployment unit (see [`unit_files`]), for alerts about a whole unit.
    pub unit_files: BTreeMap<String, String>,
    /// Where each call of fetched module code is (by unit and call address without instance
    /// keys): a finding inside such code is shown at the `module` block that calls it.
    pub fetched_calls: BTreeMap<(String, String), Region>,
}

impl RepoContext {
    /// Finds the repository that holds `scanned` (the nearest directory above it with `.git`, a
    /// directory or, in a worktree, a file); without one, the scanned directory is the root.
    pub fn discover(scanned: &Path) -> RepoContext {
        let base = if scanned.is_file() {
            scanned.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            scanned.to_path_buf()
        };
        let Ok(base) = base.canonicalize() else {
            return RepoContext::default();
        };
        let top = base.ancestors().find(|d| d.join(".git").exists());
        RepoContext {
            prefix: top.map_or_else(String::new, |t| relative(t, &base)),
            root: top.map(Path::to_path_buf),
            unit_files: BTreeMap::new(),
            fetched_calls: BTreeMap::new(),
        }
    }

    /// With what alerts need from the scan: the unit files (see [`unit_files`]) and the call
    /// sites of fetched modules.
    pub fn with_unit_files(mut self, scan: &crate::Scan) -> RepoContext {
        self.unit_files = unit_files(scan);
        self.fetched_calls = scan
            .model
            .module_calls
            .iter()
            .filter(|c| c.fetched)
            .map(|c| {
                (
                    (c.unit.clone(), without_keys(&c.address)),
                    scan.loaded.sources.region(c.span),
                )
            })
            .collect();
        self
    }

    /// For a resource inside fetched module code: the `module` block in the repository that
    /// calls that code (the outermost fetched call on the resource's module path).
    pub fn call_site(&self, unit: &str, address: &str) -> Option<&Region> {
        if self.fetched_calls.is_empty() {
            return None;
        }
        let path = without_keys(address);
        let mut end = 0;
        while path[end..].starts_with("module.") {
            let name_start = end + "module.".len();
            let Some(dot) = path[name_start..].find('.') else {
                break;
            };
            end = name_start + dot;
            if let Some(r) = self
                .fetched_calls
                .get(&(unit.to_string(), path[..end].to_string()))
            {
                return Some(r);
            }
            end += 1;
        }
        None
    }

    /// The file an alert about a whole unit is shown at: the unit's, else any file of the scan.
    fn anchor(&self, unit: &str) -> Option<String> {
        self.unit_files
            .get(unit)
            .or_else(|| self.unit_files.get(""))
            .cloned()
    }

    /// A report path (relative to the scanned directory) relative to the repository root.
    pub fn repo_path(&self, file: &str) -> String {
        if self.prefix.is_empty() {
            crate::terraform::config::join_relative(".", file)
        } else {
            crate::terraform::config::join_relative(&self.prefix, file)
        }
    }
}

/// For each deployment unit, the first file (by path) that declares one of its resources, or,
/// for a unit that declares none, its template or the first file in its directory; under the key
/// `""`, the first file of the scan. Linear in the resources and files.
pub fn unit_files(scan: &crate::Scan) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut keep = |key: &str, file: &str| {
        let e = out
            .entry(key.to_string())
            .or_insert_with(|| file.to_string());
        if file < e.as_str() {
            *e = file.to_string();
        }
    };
    for r in &scan.model.resources {
        let file = &scan.loaded.sources.get(r.span.file).path;
        keep(&r.unit, file);
    }
    let units: std::collections::BTreeSet<&str> =
        scan.model.units.iter().map(|u| u.id.as_str()).collect();
    let mut by_dir: BTreeMap<&str, &str> = BTreeMap::new();
    for (_, f) in scan.loaded.sources.iter() {
        let dir = f.path.rfind('/').map_or(".", |i| &f.path[..i]);
        let e = by_dir.entry(dir).or_insert(f.path.as_str());
        if f.path.as_str() < *e {
            *e = f.path.as_str();
        }
        if units.contains(f.path.as_str()) {
            keep(&f.path, &f.path);
        }
        keep("", &f.path);
    }
    for u in units {
        if let Some(f) = by_dir.get(u) {
            keep(u, f);
        }
    }
    out
}

/// An address without its instance keys (`module.a["x.y"].b[0]` → `module.a.b`); keys are quoted
/// strings or numbers, and a quoted key may hold brackets and dots.
fn without_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let (mut depth, mut quoted, mut escaped) = (0u32, false, false);
    for ch in address.chars() {
        if depth > 0 {
            match ch {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                '[' if !quoted => depth += 1,
                ']' if !quoted => depth -= 1,
                _ => {}
            }
        } else if ch == '[' {
            depth = 1;
        } else {
            out.push(ch);
        }
    }
    out
}

/// `path` relative to `root` (which holds it), with `/` separators.
fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default()
}

/// The alerts of a report, findings first (in the report's order of assumptions and evidence),
/// then questions.
/// The alerts of every system of a tree, each naming its system when there are several.
pub fn of_systems(systems: &[crate::systems::SystemReport], repo: &RepoContext) -> Vec<Alert> {
    let named = systems.len() > 1;
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for s in systems {
        for mut a in unit_alerts(&s.report, repo) {
            // An alert about a shared subject (an account-level question) is kept once.
            if seen.insert(a.fingerprint.clone()) {
                a.system = named.then(|| s.system.name.clone());
                out.push(a);
            }
        }
    }
    one_per_place(out)
}

/// The alerts of one report (see [`one_per_place`]).
pub fn alerts(report: &Report, repo: &RepoContext) -> Vec<Alert> {
    one_per_place(unit_alerts(report, repo))
}

/// One alert per failing subject of each deployment unit, and one per question.
fn unit_alerts(report: &Report, repo: &RepoContext) -> Vec<Alert> {
    let mut out = Vec::new();
    for a in &report.assumptions {
        if !matches!(a.status, Status::Invalid | Status::Contradicted) {
            continue;
        }
        let Some(rule) = crate::assumptions::rule(&a.id) else {
            continue;
        };
        let severity = rule.threat.severity.invalid;
        let doc_steps: Vec<Step> = a
            .doc
            .iter()
            .filter(|d| d.contradicted)
            .map(|d| Step {
                origin: d.origin.clone(),
                message: format!("The document says: \"{}\"", d.text),
            })
            .collect();
        let failing: Vec<_> = a
            .evidence
            .iter()
            .filter(|e| e.outcome == Verdict::Fail)
            .collect();
        for e in &failing {
            let mut related: Vec<Step> = e
                .related
                .iter()
                .map(|o| Step {
                    origin: o.clone(),
                    message: format!("Cited by the check on {}", e.resource),
                })
                .collect();
            related.extend(doc_steps.iter().cloned());
            let file = e
                .place
                .0
                .as_ref()
                .and_then(Origin::region)
                .map_or_else(|| e.unit.clone(), |r| r.file.clone());
            // Inside fetched module code: shown at the `module` block that calls it, with the
            // place in the module's code as a related location.
            let mut location = e.place.0.clone();
            if let Some(call) = repo.call_site(&e.unit, &e.resource) {
                if let Some(inside) = location.replace(Origin::Source(call.clone())) {
                    related.insert(
                        0,
                        Step {
                            origin: inside,
                            message: format!(
                                "In the module's code (fetched, not the repository's): {}",
                                e.resource
                            ),
                        },
                    );
                }
            }
            let mut message = format!("{}: {}", e.resource, e.detail);
            if let Some(Origin::Record(r)) = &location {
                message.push_str(&format!(
                    " (deployed in the live account: {}, read by {} at {})",
                    r.arn, r.api_call, r.time
                ));
            }
            if a.status == Status::Contradicted {
                message.push_str(" (the architecture document says otherwise)");
            }
            let waiver = e.waiver.clone().or_else(|| a.accepted.clone());
            if let Some(w) = waiver.as_ref().filter(|w| !w.active()) {
                message.push_str(&format!(
                    " (the acceptance by {} expired on {}: it counts again)",
                    w.by.as_deref().unwrap_or("?"),
                    w.expires.as_deref().unwrap_or("?")
                ));
            }
            out.push(Alert {
                system: None,
                waiver,
                rule: a.id.clone(),
                kind: AlertKind::Finding,
                severity,
                fingerprint: fingerprint(&[
                    &a.id,
                    AlertKind::Finding.name(),
                    &repo.repo_path(&e.unit),
                    &e.resource,
                    &repo.repo_path(&file),
                    &without_lines(&e.detail),
                ]),
                subject: e.resource.clone(),
                unit: e.unit.clone(),
                // A location without a file (a record of the live account) is shown at a file of
                // the unit, as code scanning needs one; the record stays a related location.
                anchor: location
                    .as_ref()
                    .and_then(|o| o.region())
                    .is_none()
                    .then(|| repo.anchor(&e.unit))
                    .flatten(),
                location,
                related,
                message,
                question: None,
            });
        }
        // A contradiction the code settles the other way: the document's sentence is the finding.
        if failing.is_empty() && a.status == Status::Contradicted {
            for d in a.doc.iter().filter(|d| d.contradicted) {
                let file = d.origin.region().map_or("", |r| r.file.as_str());
                let related = a
                    .evidence
                    .iter()
                    .filter(|e| e.outcome == Verdict::Pass)
                    .filter_map(|e| {
                        e.place.0.clone().map(|origin| Step {
                            origin,
                            message: format!("{}: {}", e.resource, e.detail),
                        })
                    })
                    .collect();
                out.push(Alert {
                    system: None,
                    waiver: a.accepted.clone(),
                    rule: a.id.clone(),
                    kind: AlertKind::Finding,
                    severity,
                    fingerprint: fingerprint(&[
                        &a.id,
                        AlertKind::Finding.name(),
                        "document",
                        &repo.repo_path(file),
                        &d.text,
                    ]),
                    subject: file.to_string(),
                    unit: String::new(),
                    anchor: None,
                    location: Some(d.origin.clone()),
                    related,
                    message: format!(
                        "The architecture document says \"{}\", and the code proves it wrong",
                        d.text
                    ),
                    question: None,
                });
            }
        }
    }
    for q in &report.questions {
        let Some(rule) = crate::assumptions::rule(&q.assumption) else {
            continue;
        };
        let first = q.resources.first();
        let unit = first
            .map(|r| r.unit.clone())
            .or_else(|| q.unit.clone())
            .or_else(|| q.units.first().cloned())
            .unwrap_or_default();
        let subject = match (first, q.units.len()) {
            (Some(r), _) => r.resource.clone(),
            (None, n) if n > 1 => format!("the account behind {n} deployments"),
            (None, _) => format!("deployment {unit}"),
        };
        let file = first
            .and_then(|r| r.origin.region())
            .map_or("", |r| r.file.as_str());
        out.push(Alert {
            system: None,
            waiver: None,
            rule: q.assumption.clone(),
            kind: AlertKind::Question,
            severity: rule.threat.severity.open,
            // Not the question's id: it names the unit relative to the scanned directory, and
            // the fingerprint must not change with where the scan starts.
            fingerprint: fingerprint(&[
                &q.assumption,
                AlertKind::Question.name(),
                &repo.repo_path(&unit),
                first.map_or("", |r| r.resource.as_str()),
                &if file.is_empty() {
                    String::new()
                } else {
                    repo.repo_path(file)
                },
            ]),
            location: first.map(|r| {
                repo.call_site(&r.unit, &r.resource)
                    .map_or_else(|| r.origin.clone(), |c| Origin::Source(c.clone()))
            }),
            anchor: first.is_none().then(|| repo.anchor(&unit)).flatten(),
            related: q
                .resources
                .iter()
                .enumerate()
                .filter(|(i, r)| *i > 0 || repo.call_site(&r.unit, &r.resource).is_some())
                .map(|(_, r)| Step {
                    origin: r.origin.clone(),
                    message: format!("{} (in the module's code)", r.resource),
                })
                .collect(),
            message: format!(
                "Open question {}: {} (why open: {})",
                q.id, q.text, q.reason
            ),
            question: Some(q.id.clone()),
            subject,
            unit,
        });
    }
    disambiguate(&mut out);
    out
}

/// A finding in a local module that several deployment units call is one piece of code to
/// change: the units' alerts with the same rule, place and message become the first unit's
/// alert (its fingerprint, so a baseline that holds it still does), naming the other units.
/// Questions stay one per unit: each unit's answer is its own.
fn one_per_place(alerts: Vec<Alert>) -> Vec<Alert> {
    let mut out: Vec<Alert> = Vec::with_capacity(alerts.len());
    let mut also: Vec<Vec<String>> = Vec::new();
    let mut first_at: std::collections::HashMap<(String, Origin, String), usize> =
        std::collections::HashMap::new();
    for a in alerts {
        let key = match (&a.kind, &a.location) {
            (AlertKind::Finding, Some(at)) if at.region().is_some_and(|r| r.line > 0) => {
                Some((a.rule.clone(), at.clone(), a.message.clone()))
            }
            _ => None,
        };
        if let Some(key) = key {
            match first_at.get(&key) {
                Some(&i) if out[i].unit != a.unit => {
                    also[i].push(a.unit);
                    continue;
                }
                Some(_) => {}
                None => {
                    first_at.insert(key, out.len());
                }
            }
        }
        out.push(a);
        also.push(Vec::new());
    }
    for (a, mut units) in out.iter_mut().zip(also) {
        if units.is_empty() {
            continue;
        }
        units.sort();
        units.dedup();
        let list: Vec<String> = units.iter().map(|u| format!("`{u}`")).collect();
        a.message.push_str(&format!(
            " (the same code is deployed by `{}` and {})",
            a.unit,
            list.join(", ")
        ));
    }
    out
}

/// Two alerts with the same identity (one resource failing the same way at two places) keep
/// apart by their order among themselves, which an unrelated edit does not change.
fn disambiguate(alerts: &mut [Alert]) {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for a in alerts.iter_mut() {
        let n = seen.entry(a.fingerprint.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            a.fingerprint = fingerprint(&[&a.fingerprint, &n.to_string()]);
        }
    }
}

/// A fingerprint of identity parts: 32 hex digits (two FNV-1a hashes, of the parts and of the
/// parts reversed), so that a collision between two subjects of a large tree is out of reach.
pub fn fingerprint(parts: &[&str]) -> String {
    let joined = |it: &mut dyn Iterator<Item = &&str>| -> Vec<u8> {
        let mut v = Vec::new();
        for p in it {
            v.extend_from_slice(p.as_bytes());
            v.push(0);
        }
        v
    };
    let forward = joined(&mut parts.iter());
    let backward = joined(&mut parts.iter().rev());
    format!(
        "{:016x}{:016x}",
        crate::fnv1a(forward),
        crate::fnv1a(backward)
    )
}

/// A check's detail with any `file:line` it cites reduced to the file, so that an edit elsewhere
/// in that file does not change the identity of the finding.
fn without_lines(detail: &str) -> String {
    const FILES: &[&str] = &[
        ".tf",
        ".tfvars",
        ".yaml",
        ".yml",
        ".json",
        ".template",
        ".md",
    ];
    let mut out = String::with_capacity(detail.len());
    let mut rest = detail;
    while let Some(i) = rest.find(':') {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let digits = tail[1..].bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && FILES.iter().any(|ext| head.ends_with(ext)) {
            rest = &tail[1 + digits..];
        } else {
            out.push(':');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The region of an alert's location, when it has one with a line.
pub fn region(alert: &Alert) -> Option<&Region> {
    alert
        .location
        .as_ref()
        .and_then(Origin::region)
        .filter(|r| r.line > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_cited_in_a_detail_do_not_enter_the_identity() {
        assert_eq!(
            without_lines("granted by policy at iam.tf:12 (port 22:ssh)"),
            "granted by policy at iam.tf (port 22:ssh)"
        );
    }

    #[test]
    fn instance_keys_leave_the_address() {
        assert_eq!(
            without_keys(r#"module.a["x.y]"].module.b[0].aws_s3_bucket.c["k"]"#),
            "module.a.module.b.aws_s3_bucket.c"
        );
    }

    #[test]
    fn a_resource_in_fetched_code_is_at_its_outermost_fetched_call() {
        let region = |line| Region {
            file: "main.tf".into(),
            line,
            column: 1,
            end_line: line,
            end_column: 2,
        };
        let mut r = RepoContext::default();
        r.fetched_calls
            .insert((".".into(), "module.a.module.b".into()), region(3));
        r.fetched_calls
            .insert((".".into(), "module.c".into()), region(9));
        let at = |addr: &str| r.call_site(".", addr).map(|r| r.line);
        assert_eq!(at(r#"module.a["k"].module.b.aws_x.y"#), Some(3));
        assert_eq!(at("module.a.aws_x.y"), None);
        assert_eq!(at("module.c.module.d.aws_x.y"), Some(9));
        assert_eq!(at("aws_x.y"), None);
        assert_eq!(r.call_site("other", "module.c.aws_x.y"), None);
    }

    #[test]
    fn repository_paths_join_the_prefix() {
        let r = RepoContext {
            prefix: "infra/prod".into(),
            ..Default::default()
        };
        assert_eq!(r.repo_path("main.tf"), "infra/prod/main.tf");
        assert_eq!(r.repo_path("../modules/a.tf"), "infra/modules/a.tf");
        assert_eq!(RepoContext::default().repo_path("a/b.tf"), "a/b.tf");
    }

    #[test]
    fn fingerprints_depend_on_every_part_and_their_order() {
        let a = fingerprint(&["r", "x", "y"]);
        assert_eq!(a.len(), 32);
        assert_ne!(a, fingerprint(&["r", "y", "x"]));
        assert_ne!(a, fingerprint(&["r", "xy", ""]));
        assert_eq!(a, fingerprint(&["r", "x", "y"]));
    }
}
