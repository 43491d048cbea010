//! vouch as a pre-merge check, run as CI runs it on temporary trees: exit codes (0 pass, 1 the
//! gate fails, 2 an input or the run failed), `--allow-parse-errors`, the baseline file and the
//! baseline of a git reference.

use crate::common::vouch_bin;
use std::path::Path;
use std::process::Command;

fn run(args: &[&str], cwd: Option<&Path>) -> (i32, String, String) {
    let mut c = Command::new(vouch_bin());
    c.args(args);
    if let Some(d) = cwd {
        c.current_dir(d);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A user pool with MFA optional: `auth.mfa-required` is invalid (a high threat).
const OPTIONAL_MFA: &str = "resource \"aws_cognito_user_pool\" \"users\" {\n  name              = \"users\"\n  mfa_configuration = \"OPTIONAL\"\n}\n";
/// Another one, with MFA off.
const NO_MFA: &str = "resource \"aws_cognito_user_pool\" \"partners\" {\n  name              = \"partners\"\n  mfa_configuration = \"OFF\"\n}\n";
/// A user pool with MFA required: the assumption holds.
const REQUIRED_MFA: &str = "resource \"aws_cognito_user_pool\" \"users\" {\n  name              = \"users\"\n  mfa_configuration = \"ON\"\n  software_token_mfa_configuration {\n    enabled = true\n  }\n}\n";
/// HCL that cannot be parsed.
const BROKEN: &str = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n";

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(d.path().join(name), text).unwrap();
    }
    d
}

fn p(d: &tempfile::TempDir) -> &str {
    d.path().to_str().unwrap()
}

const ONLY: [&str; 2] = ["--only", "auth.mfa-required"];

fn scan(d: &tempfile::TempDir, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["scan", p(d)];
    args.extend(ONLY);
    args.extend(extra);
    run(&args, None)
}

#[test]
fn exit_0_when_the_assumption_holds() {
    let d = tree(&[("main.tf", REQUIRED_MFA)]);
    let (code, out, err) = scan(&d, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("verified"), "{out}");
}

#[test]
fn exit_1_on_a_finding_at_or_above_fail_on_and_0_below() {
    let d = tree(&[("main.tf", OPTIONAL_MFA)]);
    assert_eq!(scan(&d, &[]).0, 1);
    assert_eq!(scan(&d, &["--fail-on", "high"]).0, 1);
    assert_eq!(scan(&d, &["--fail-on", "low"]).0, 1);
    assert_eq!(scan(&d, &["--fail-on", "critical"]).0, 0);
    assert_eq!(scan(&d, &["--fail-on", "none"]).0, 0);
}

#[test]
fn exit_2_on_a_parse_error_unless_allowed_then_the_findings_decide() {
    // A parse error and nothing failing: 2, or 0 with --allow-parse-errors.
    let d = tree(&[("main.tf", REQUIRED_MFA), ("broken.tf", BROKEN)]);
    let (code, out, err) = scan(&d, &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("broken.tf:"),
        "the diagnostic names the file: {err}"
    );
    let (code, out, err) = scan(&d, &["--allow-parse-errors"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("broken.tf:"), "still reported: {err}");
    assert!(out.contains("Not taken into account"), "{out}");
    // A parse error and a finding: 2 (the error wins), or 1 with --allow-parse-errors.
    let d = tree(&[("main.tf", OPTIONAL_MFA), ("broken.tf", BROKEN)]);
    assert_eq!(scan(&d, &[]).0, 2);
    assert_eq!(scan(&d, &["--allow-parse-errors"]).0, 1);
    assert_eq!(
        scan(&d, &["--allow-parse-errors", "--fail-on", "none"]).0,
        0
    );
}

#[test]
fn baseline_file_gates_only_on_what_is_new() {
    let d = tree(&[("main.tf", OPTIONAL_MFA)]);
    let (code, _, err) = run(&["baseline", p(&d), "--only", "auth.mfa-required"], None);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("1 entries (1 findings, 0 open questions)"),
        "{err}"
    );
    let file = d.path().join(".vouch/baseline.json");
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(b["format_version"], 1);
    assert_eq!(b["entries"][0]["rule"], "auth.mfa-required");
    assert_eq!(b["entries"][0]["subject"], "aws_cognito_user_pool.users");
    let f = file.to_str().unwrap();
    // Today's finding is known: the gate passes, and the report says so.
    let (code, out, err) = scan(&d, &["--baseline", f]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("0 new, 1 unchanged; 0 baseline entries no longer match"),
        "{out}"
    );
    // A new failing pool: the gate fails on it alone.
    std::fs::write(d.path().join("partners.tf"), NO_MFA).unwrap();
    let (code, out, _) = scan(&d, &["--baseline", f]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("1 new, 1 unchanged"), "{out}");
    assert!(
        out.contains("new  HIGH     finding   partners.tf:3"),
        "{out}"
    );
    let (_, json, _) = scan(&d, &["--baseline", f, "--format", "json"]);
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        j["baseline"]["new"][0]["subject"],
        "aws_cognito_user_pool.partners"
    );
    assert_eq!(j["baseline"]["new"][0]["line"], 3);
    assert_eq!(j["baseline"]["unchanged"], 1);
    let (_, sarif, _) = scan(&d, &["--baseline", f, "--format", "sarif"]);
    let s: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let states: Vec<(&str, &str)> = s["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["properties"]["subject"].as_str().unwrap(),
                r["baselineState"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        states.contains(&("aws_cognito_user_pool.partners", "new")),
        "{states:?}"
    );
    assert!(
        states.contains(&("aws_cognito_user_pool.users", "unchanged")),
        "{states:?}"
    );
    // The known pool fixed, the new one removed: the baseline entry no longer matches.
    std::fs::remove_file(d.path().join("partners.tf")).unwrap();
    std::fs::write(d.path().join("main.tf"), REQUIRED_MFA).unwrap();
    let (code, out, _) = scan(&d, &["--baseline", f]);
    assert_eq!(code, 0);
    assert!(
        out.contains("0 new, 0 unchanged; 1 baseline entries no longer match (fixed or moved)"),
        "{out}"
    );
    // `vouch baseline` again replaces it, and says so.
    let (_, _, err) = run(&["baseline", p(&d), "--only", "auth.mfa-required"], None);
    assert!(err.contains("the previous baseline was replaced"), "{err}");
    assert!(!std::fs::read_to_string(&file)
        .unwrap()
        .contains("aws_cognito_user_pool.users"));
}

#[test]
fn a_broken_baseline_is_a_diagnostic_with_its_line_and_exit_2() {
    let d = tree(&[("main.tf", OPTIONAL_MFA)]);
    let file = d.path().join("baseline.json");
    std::fs::write(
        &file,
        "{\n  \"format_version\": 1,\n  \"entries\": [ oops ]\n}\n",
    )
    .unwrap();
    let (code, out, err) = scan(&d, &["--baseline", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("baseline.json:3:"), "{err}");
    assert!(err.contains("every finding counts as new"), "{err}");
    assert!(out.contains("Assumptions"), "the scan went on: {out}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "{\n  \"format_version\": 1,\n  \"entries\": [ oops ]\n}\n",
        "left as it was"
    );
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn baseline_ref_judges_a_branch_on_what_it_introduces() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let infra = root.join("infra");
    std::fs::create_dir_all(&infra).unwrap();
    std::fs::write(infra.join("main.tf"), OPTIONAL_MFA).unwrap();
    std::fs::write(root.join("README.md"), "# app\n").unwrap();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    git(root, &["checkout", "-q", "-b", "feature"]);
    // An unrelated edit above the known finding: nothing new.
    std::fs::write(infra.join("main.tf"), format!("# users\n\n{OPTIONAL_MFA}")).unwrap();
    git(root, &["commit", "-q", "-am", "comment"]);
    let status_before = git(root, &["status", "--porcelain"]);
    let args = [
        "scan",
        "infra",
        "--only",
        "auth.mfa-required",
        "--baseline-ref",
        "main",
    ];
    let (code, out, err) = run(&args, Some(root));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Against the baseline main (merge base "),
        "{out}"
    );
    assert!(out.contains("0 new, 1 unchanged"), "{out}");
    // The branch adds a failing pool (committed) and the work tree another change: both count.
    std::fs::write(infra.join("partners.tf"), NO_MFA).unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "partners"]);
    let status_before_new = git(root, &["status", "--porcelain"]);
    let (code, out, err) = run(&args, Some(root));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("1 new, 1 unchanged"), "{out}");
    assert!(
        out.contains("infra/partners.tf") || out.contains("partners.tf:3"),
        "{out}"
    );
    // The work tree and the index are as they were.
    assert_eq!(git(root, &["status", "--porcelain"]), status_before_new);
    assert_eq!(status_before, "");
    // Markdown names what is new.
    let (_, md, _) = run(
        &[
            "scan",
            "infra",
            "--only",
            "auth.mfa-required",
            "--baseline-ref",
            "main",
            "--format",
            "markdown",
        ],
        Some(root),
    );
    assert!(md.contains("### New in this change"), "{md}");
    assert!(md.contains("**1 new**"), "{md}");
    // A reference git does not know is an error, not a silent pass.
    let (code, out, err) = run(
        &[
            "scan",
            "infra",
            "--only",
            "auth.mfa-required",
            "--baseline-ref",
            "no-such-branch",
        ],
        Some(root),
    );
    assert_eq!(code, 2);
    assert!(err.contains("--baseline-ref no-such-branch"), "{err}");
    assert!(err.contains("every finding counts as new"), "{err}");
    assert!(
        out.contains("Assumptions"),
        "the report is still printed: {out}"
    );
}

#[test]
fn baseline_ref_outside_a_repository_is_an_error() {
    let d = tree(&[("main.tf", OPTIONAL_MFA)]);
    let (code, _, err) = scan(&d, &["--baseline-ref", "main"]);
    assert_eq!(code, 2);
    assert!(err.contains("not inside a git repository"), "{err}");
}

#[test]
fn fingerprints_do_not_depend_on_where_in_the_repository_the_scan_starts() {
    let d = tempfile::tempdir().unwrap();
    let infra = d.path().join("infra");
    std::fs::create_dir_all(&infra).unwrap();
    std::fs::write(infra.join("main.tf"), OPTIONAL_MFA).unwrap();
    git(d.path(), &["init", "-q"]);
    let prints = |dir: &Path| -> Vec<(String, String)> {
        let (_, out, err) = run(
            &[
                "scan",
                dir.to_str().unwrap(),
                "--only",
                "auth.mfa-required",
                "--only",
                "log.audit-trail",
                "--format",
                "sarif",
            ],
            None,
        );
        let log: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{err}"));
        let mut v: Vec<(String, String)> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["vouch/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let from_root = prints(d.path());
    let from_infra = prints(&infra);
    assert_eq!(
        from_root.len(),
        2,
        "a finding and the account-level question: {from_root:?}"
    );
    assert_eq!(from_root, from_infra);
    assert!(
        from_root.iter().all(|(_, uri)| uri == "infra/main.tf"),
        "{from_root:?}"
    );
}
