//! The baseline: the fingerprints of the alerts a team has already seen, so that a pre-merge
//! check reports and gates only on what a change introduces.
//!
//! `vouch baseline` writes `.vouch/baseline.json` from today's alerts; `vouch scan --baseline
//! FILE` compares against it; `--baseline-ref REF` computes it from the merge base of REF and
//! `HEAD`, read from git's objects into a temporary directory, so the work tree and the index are
//! never touched.

use crate::diagnostics::Diagnostic;
use crate::report::alerts::{Alert, AlertKind, RepoContext};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The version of the baseline file's shape.
pub const FORMAT_VERSION: u32 = 1;

/// Where `vouch baseline` writes, under the scanned directory.
pub const DEFAULT_PATH: &str = ".vouch/baseline.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub format_version: u32,
    pub entries: Vec<Entry>,
}

/// One known alert: its fingerprint, and enough words for a person reading the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    /// `finding` or `question`.
    pub kind: String,
    pub subject: String,
    pub message: String,
    /// The alert was waived (suppressed in the code, or accepted in the answers file) when the
    /// baseline was taken: it was known, but never counted in the gate. When it is no longer
    /// waived (the acceptance expired, the suppression was removed), it enters the gate as new.
    /// Absent (false) in files written before it existed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub waived: bool,
}

/// A message of at most this many characters is kept in the file (it is for people; the
/// fingerprint is the identity).
const MESSAGE_CHARS: usize = 160;

impl Baseline {
    /// The baseline of today's alerts, sorted by fingerprint (deterministic bytes).
    pub fn of(alerts: &[Alert]) -> Baseline {
        // One entry per fingerprint; it is waived only if every alert with it is.
        let mut by_fingerprint: std::collections::BTreeMap<&str, Entry> = Default::default();
        for a in alerts {
            by_fingerprint
                .entry(a.fingerprint.as_str())
                .and_modify(|e| e.waived &= a.waived())
                .or_insert_with(|| Entry {
                    fingerprint: a.fingerprint.clone(),
                    rule: a.rule.clone(),
                    kind: a.kind.name().to_string(),
                    subject: a.subject.clone(),
                    message: short(&a.message),
                    waived: a.waived(),
                });
        }
        Baseline {
            format_version: FORMAT_VERSION,
            entries: by_fingerprint.into_values().collect(),
        }
    }

    pub fn fingerprints(&self) -> BTreeSet<String> {
        self.entries.iter().map(|e| e.fingerprint.clone()).collect()
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }

    /// Reads a baseline file; a file that cannot be read or understood is a diagnostic with
    /// its line and column.
    pub fn read(path: &Path) -> Result<Baseline, Diagnostic> {
        let shown = path.to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::error(&shown, "baseline-unreadable", format!("cannot read: {e}"))
                .hint("write one with `vouch baseline`, or give the right path to --baseline")
        })?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| {
            let offset = offset_of(&text, e.line(), e.column());
            Diagnostic::error(
                &shown,
                "baseline-invalid",
                format!("not a vouch baseline: {e}"),
            )
            .at(e.line(), e.column(), offset)
            .hint("`vouch baseline` writes a fresh one")
        })?;
        if b.format_version != FORMAT_VERSION {
            return Err(Diagnostic::error(
                &shown,
                "baseline-version",
                format!(
                    "baseline format_version {} is not the one this vouch reads ({FORMAT_VERSION})",
                    b.format_version
                ),
            )
            .hint("`vouch baseline` writes a fresh one"));
        }
        Ok(b)
    }

    /// Writes the baseline atomically (a temporary file renamed into place); returns whether a
    /// baseline was there before (it is replaced: that is what the command is for).
    pub fn write(&self, path: &Path) -> io::Result<bool> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir)?;
        let existed = path.exists();
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            path.file_name()
                .map_or_else(|| "baseline".into(), |n| n.to_string_lossy()),
            std::process::id()
        ));
        let result = (|| {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(self.to_json().as_bytes())?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map(|()| existed)
    }
}

fn short(message: &str) -> String {
    if message.chars().count() <= MESSAGE_CHARS {
        return message.to_string();
    }
    let mut s: String = message.chars().take(MESSAGE_CHARS - 1).collect();
    s.push('…');
    s
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

/// Today's alerts against a baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// Where the baseline came from (a file, or `REF (merge base COMMIT)`).
    pub source: String,
    /// Fingerprints of today's alerts that the baseline does not know.
    pub new: BTreeSet<String>,
    /// How many of today's alerts the baseline knows.
    pub unchanged: usize,
    /// Baseline entries that match no alert today: fixed, or moved to another file or subject.
    pub no_longer_match: Vec<Entry>,
}

impl Comparison {
    /// An alert is new when the baseline does not know it, or knew it only as waived and it is
    /// no longer waived (it has never been counted in the gate before).
    pub fn of(source: String, baseline: &Baseline, alerts: &[Alert]) -> Comparison {
        let known: std::collections::HashMap<&str, bool> = baseline
            .entries
            .iter()
            .map(|e| (e.fingerprint.as_str(), e.waived))
            .collect();
        let today: BTreeSet<&str> = alerts.iter().map(|a| a.fingerprint.as_str()).collect();
        let is_new = |a: &Alert| match known.get(a.fingerprint.as_str()) {
            None => true,
            Some(&was_waived) => was_waived && !a.waived(),
        };
        let new: BTreeSet<String> = alerts
            .iter()
            .filter(|a| is_new(a))
            .map(|a| a.fingerprint.clone())
            .collect();
        let unchanged = alerts.iter().filter(|a| !is_new(a)).count();
        let no_longer_match = baseline
            .entries
            .iter()
            .filter(|e| !today.contains(e.fingerprint.as_str()))
            .cloned()
            .collect();
        Comparison {
            source,
            new,
            unchanged,
            no_longer_match,
        }
    }

    pub fn is_new(&self, alert: &Alert) -> bool {
        self.new.contains(&alert.fingerprint)
    }

    /// The gate against the baseline: a new finding at or above `threshold` (`None`: findings
    /// never fail), or, with `fail_on_open`, a new question.
    pub fn gate_fails(
        &self,
        alerts: &[Alert],
        threshold: Option<crate::assumptions::Severity>,
        fail_on_open: bool,
    ) -> bool {
        alerts
            .iter()
            .filter(|a| self.is_new(a) && !a.waived())
            .any(|a| match a.kind {
                AlertKind::Finding => threshold.is_some_and(|t| a.severity >= t),
                AlertKind::Question => fail_on_open,
            })
    }
}

/// The baseline of the merge base of `reference` and `HEAD`: that commit's tree (see
/// [`merge_base_tree`]) scanned at the same path relative to the repository root as `scanned`,
/// with the same options, and assessed by `assess` as the work tree is (the same systems). Returns where it came from (`REF (merge base COMMIT)`) and the baseline.
pub fn at_merge_base(
    scanned: &Path,
    repo: &RepoContext,
    reference: &str,
    scan_options: &crate::ScanOptions,
    assess: &dyn Fn(&crate::Scan, &Path) -> Vec<crate::systems::SystemReport>,
) -> Result<(String, Baseline), String> {
    let Some(root) = &repo.root else {
        return Err(format!(
            "{} is not inside a git repository",
            scanned.display()
        ));
    };
    let tree = merge_base_tree(root, reference)?;
    let mut base = tree.path.join(&repo.prefix);
    if scanned.is_file() {
        if let Some(name) = scanned.file_name() {
            base.push(name);
        }
    }
    let scan = crate::scan(&base, scan_options);
    let systems = assess(&scan, &base);
    let alerts = crate::report::alerts::of_systems(&systems, &repo.clone().with_unit_files(&scan));
    let source = format!(
        "{reference} (merge base {})",
        &tree.commit[..tree.commit.len().min(12)]
    );
    Ok((source, Baseline::of(&alerts)))
}

/// A directory removed when dropped.
#[derive(Debug)]
pub struct TempTree {
    pub path: PathBuf,
    /// The commit whose tree it holds.
    pub commit: String,
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn git(repo: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The tree of the merge base of `reference` and `HEAD`, extracted from git's objects (`git
/// archive`, unpacked by `tar`) into a new temporary directory. Neither the work tree nor the
/// index is read or written.
pub fn merge_base_tree(repo: &Path, reference: &str) -> Result<TempTree, String> {
    if reference.starts_with('-') {
        return Err(format!("`{reference}` is not a git reference"));
    }
    let commit = git(repo, &["merge-base", reference, "HEAD"])?;
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "vouch-baseline-{}-{n}-{}",
        std::process::id(),
        &commit[..commit.len().min(12)]
    ));
    std::fs::create_dir_all(&path)
        .map_err(|e| format!("could not create {}: {e}", path.display()))?;
    let tree = TempTree {
        path: path.clone(),
        commit: commit.clone(),
    };
    let mut archive = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["archive", "--format=tar", &commit])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run git archive: {e}"))?;
    let stdout = archive
        .stdout
        .take()
        .ok_or_else(|| "git archive gave no output".to_string())?;
    let untar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&path)
        .stdin(stdout)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("could not run tar: {e}"))?;
    let archived = archive
        .wait_with_output()
        .map_err(|e| format!("git archive: {e}"))?;
    if !archived.status.success() {
        return Err(format!(
            "`git archive {commit}` failed: {}",
            String::from_utf8_lossy(&archived.stderr).trim()
        ));
    }
    if !untar.status.success() {
        return Err(format!(
            "tar could not unpack the tree of {commit}: {}",
            String::from_utf8_lossy(&untar.stderr).trim()
        ));
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(fp: &str) -> Alert {
        Alert {
            waiver: None,
            system: None,
            rule: "auth.mfa-required".into(),
            kind: AlertKind::Finding,
            severity: crate::assumptions::Severity::High,
            subject: format!("pool {fp}"),
            unit: ".".into(),
            location: None,
            anchor: None,
            related: Vec::new(),
            message: "x".repeat(300),
            question: None,
            fingerprint: fp.into(),
        }
    }

    #[test]
    fn comparison_counts_new_unchanged_and_gone() {
        let b = Baseline::of(&[alert("b"), alert("a"), alert("gone")]);
        assert_eq!(
            b.entries
                .iter()
                .map(|e| e.fingerprint.as_str())
                .collect::<Vec<_>>(),
            ["a", "b", "gone"],
            "sorted"
        );
        assert!(b.entries[0].message.chars().count() <= MESSAGE_CHARS);
        let today = [alert("a"), alert("b"), alert("new")];
        let c = Comparison::of("f".into(), &b, &today);
        assert_eq!(c.new.iter().collect::<Vec<_>>(), ["new"]);
        assert_eq!(c.unchanged, 2);
        assert_eq!(c.no_longer_match.len(), 1);
        assert_eq!(c.no_longer_match[0].fingerprint, "gone");
        assert!(c.is_new(&today[2]) && !c.is_new(&today[0]));
        use crate::assumptions::Severity;
        assert!(c.gate_fails(&today, Some(Severity::High), false));
        assert!(!c.gate_fails(&today, Some(Severity::Critical), false));
        assert!(!c.gate_fails(&today, None, false));
        let known_only = [alert("a")];
        assert!(!c.gate_fails(&known_only, Some(Severity::Low), true));
    }

    fn waived(fp: &str, expired: bool) -> Alert {
        Alert {
            waiver: Some(crate::waivers::Waiver {
                kind: crate::waivers::WaiverKind::Accepted,
                reason: "r".into(),
                by: Some("team".into()),
                expires: Some("2026-12-31".into()),
                expired,
                at: crate::source::Origin::Source(crate::source::Region {
                    file: ".vouch/answers.yaml".into(),
                    line: 2,
                    column: 5,
                    end_line: 2,
                    end_column: 9,
                }),
            }),
            ..alert(fp)
        }
    }

    #[test]
    fn an_alert_known_only_as_waived_is_new_once_it_is_not() {
        let b = Baseline::of(&[waived("w", false), alert("a"), waived("a", false)]);
        // One entry per fingerprint, waived only when every alert with it was.
        let flags: Vec<(&str, bool)> = b
            .entries
            .iter()
            .map(|e| (e.fingerprint.as_str(), e.waived))
            .collect();
        assert_eq!(flags, [("a", false), ("w", true)]);
        // Still waived: unchanged. Expired: new, and the gate counts it.
        let c = Comparison::of("f".into(), &b, &[waived("w", false)]);
        assert!(c.new.is_empty() && c.unchanged == 1);
        let today = [waived("w", true)];
        let c = Comparison::of("f".into(), &b, &today);
        assert_eq!(c.new.iter().collect::<Vec<_>>(), ["w"]);
        assert!(c.gate_fails(&today, Some(crate::assumptions::Severity::High), false));
        // Known as counted, waived today: unchanged, and out of the gate by its waiver.
        let today = [waived("a", false)];
        let c = Comparison::of("f".into(), &b, &today);
        assert!(c.new.is_empty());
        assert!(!c.gate_fails(&today, Some(crate::assumptions::Severity::Low), true));
        // A file written before `waived` existed reads as counted.
        let old: Baseline = serde_json::from_str(
            r#"{"format_version": 1, "entries": [{"fingerprint": "w", "rule": "r", "kind": "finding", "subject": "s", "message": "m"}]}"#,
        )
        .unwrap();
        assert!(!old.entries[0].waived);
        assert!(!b.to_json().contains("\"waived\": false"));
    }

    #[test]
    fn a_baseline_round_trips_and_bad_files_are_diagnostics() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join(".vouch/baseline.json");
        let b = Baseline::of(&[alert("a")]);
        assert!(!b.write(&path).unwrap(), "nothing was there");
        assert_eq!(Baseline::read(&path).unwrap(), b);
        assert!(b.write(&path).unwrap(), "replaced");
        let names: Vec<_> = std::fs::read_dir(d.path().join(".vouch"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");

        std::fs::write(&path, "{\"format_version\": 1,\n \"entries\": 3}\n").unwrap();
        let e = Baseline::read(&path).unwrap_err();
        assert_eq!((e.code, e.line), ("baseline-invalid", 2));
        std::fs::write(&path, "{\"format_version\": 9, \"entries\": []}").unwrap();
        assert_eq!(Baseline::read(&path).unwrap_err().code, "baseline-version");
        let e = Baseline::read(&d.path().join("missing.json")).unwrap_err();
        assert_eq!(e.code, "baseline-unreadable");
    }
}
