//! Suppressions written in the code (`# vouch:ignore`, CloudFormation `Metadata`) and risks
//! accepted in the answers file, run as CI runs vouch on temporary trees: the waived finding
//! stays in the report with its reason, leaves the gate, is a SARIF suppression; an unused
//! waiver is a warning at its place; an acceptance past its date counts again.

use crate::common::vouch_bin;
use serde_json::Value as Json;
use std::process::Command;

/// Runs vouch with `SOURCE_DATE_EPOCH` standing for today (2026-12-10 unless given).
fn run_at(epoch: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(vouch_bin())
        .args(args)
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// 2026-12-10T00:00:00Z.
const DEC_10_2026: &str = "1796860800";
/// 2027-01-05T00:00:00Z.
const JAN_5_2027: &str = "1799107200";

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = d.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    d
}

/// `vouch scan DIR --only auth.mfa-required EXTRA…` at a date.
fn scan_at(epoch: &str, d: &tempfile::TempDir, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "scan",
        d.path().to_str().unwrap(),
        "--only",
        "auth.mfa-required",
    ];
    args.extend(extra);
    run_at(epoch, &args)
}

fn scan(d: &tempfile::TempDir, extra: &[&str]) -> (i32, String, String) {
    scan_at(DEC_10_2026, d, extra)
}

/// The evidence of `auth.mfa-required` in the JSON report, by resource.
fn evidence(json: &str) -> Vec<Json> {
    let v: Json = serde_json::from_str(json).unwrap();
    let a = crate::common::assumption(&v["systems"][0]["report"], "auth.mfa-required").clone();
    a["evidence"].as_array().unwrap().clone()
}

fn waiver_of<'a>(evidence: &'a [Json], resource: &str) -> &'a Json {
    &evidence
        .iter()
        .find(|e| e["resource"] == resource)
        .unwrap_or_else(|| panic!("no evidence for {resource}: {evidence:?}"))["waiver"]
}

/// The SARIF results' suppressions, by message.
fn sarif_suppressions(sarif: &str) -> Vec<(String, Json)> {
    let v: Json = serde_json::from_str(sarif).unwrap();
    v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["message"]["text"].as_str().unwrap().to_string(),
                r["suppressions"].clone(),
            )
        })
        .collect()
}

const SUPPRESSED_POOL: &str = "# vouch:ignore auth.mfa-required internal tool behind SSO, TICKET-12\nresource \"aws_cognito_user_pool\" \"users\" {\n  name              = \"users\"\n  mfa_configuration = \"OPTIONAL\"\n}\n";
const OPEN_POOL: &str = "resource \"aws_cognito_user_pool\" \"partners\" {\n  name              = \"partners\"\n  mfa_configuration = \"OFF\"\n}\n";

#[test]
fn a_suppressed_resource_stays_in_the_report_and_leaves_the_gate() {
    let d = tree(&[("main.tf", SUPPRESSED_POOL)]);
    let (code, out, err) = scan(&d, &[]);
    assert_eq!(
        code, 0,
        "the only failing resource is suppressed: {out}{err}"
    );
    assert!(
        out.contains("suppressed at main.tf:1: internal tool behind SSO, TICKET-12"),
        "{out}"
    );
    assert!(
        out.contains("invalid"),
        "the status stays what the code proves: {out}"
    );
    let (_, json, _) = scan(&d, &["--format", "json"]);
    let w = waiver_of(&evidence(&json), "aws_cognito_user_pool.users").clone();
    assert_eq!(w["kind"], "in_source");
    assert_eq!(w["reason"], "internal tool behind SSO, TICKET-12");
    assert_eq!(
        (w["at"]["file"].as_str(), w["at"]["line"].as_u64()),
        (Some("main.tf"), Some(1))
    );
    let (_, junit, _) = scan(&d, &["--format", "junit"]);
    assert!(
        junit.contains("failures=\"0\"")
            && junit.contains("<skipped message=\"invalid but waived: suppressed at main.tf:1"),
        "{junit}"
    );
    let (_, sarif, _) = scan(&d, &["--format", "sarif"]);
    let s = sarif_suppressions(&sarif);
    assert_eq!(s.len(), 1, "{sarif}");
    assert_eq!(
        s[0].1,
        serde_json::json!([{"kind": "inSource", "justification": "internal tool behind SSO, TICKET-12"}])
    );
}

#[test]
fn a_resource_left_unsuppressed_still_fails_the_gate() {
    let d = tree(&[("main.tf", SUPPRESSED_POOL), ("partners.tf", OPEN_POOL)]);
    let (code, out, err) = scan(&d, &[]);
    assert_eq!(code, 1, "{out}{err}");
    let (_, junit, _) = scan(&d, &["--format", "junit"]);
    assert!(junit.contains("<failure type=\"invalid\""), "{junit}");
    let (_, sarif, _) = scan(&d, &["--format", "sarif"]);
    for (message, suppressions) in sarif_suppressions(&sarif) {
        if message.starts_with("aws_cognito_user_pool.partners") {
            assert!(suppressions.is_null(), "{sarif}");
        } else {
            assert!(suppressions.is_array(), "{sarif}");
        }
    }
}

#[test]
fn attribute_and_trailing_slash_comments_suppress_in_hcl() {
    let text = "resource \"aws_cognito_user_pool\" \"a\" {\n  name = \"a\"\n  // vouch:ignore auth.mfa-required pool of service accounts\n  mfa_configuration = \"OPTIONAL\"\n}\n\nresource \"aws_cognito_user_pool\" \"b\" { // vouch:ignore auth.mfa-required read-only kiosk\n  name = \"b\"\n}\n";
    let d = tree(&[("main.tf", text)]);
    let (code, out, err) = scan(&d, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let (_, json, _) = scan(&d, &["--format", "json"]);
    let e = evidence(&json);
    assert_eq!(
        waiver_of(&e, "aws_cognito_user_pool.a")["reason"],
        "pool of service accounts"
    );
    assert_eq!(
        waiver_of(&e, "aws_cognito_user_pool.b")["reason"],
        "read-only kiosk"
    );
}

#[test]
fn a_module_block_suppression_covers_what_the_module_creates() {
    let root = "# vouch:ignore auth.mfa-required test pools, torn down nightly\nmodule \"pools\" {\n  source = \"./modules/pools\"\n}\n";
    let d = tree(&[("main.tf", root), ("modules/pools/main.tf", OPEN_POOL)]);
    let (code, out, err) = scan(&d, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("module.pools.aws_cognito_user_pool.partners"),
        "the finding stays listed: {out}"
    );
    assert!(out.contains("suppressed at main.tf:1"), "{out}");
}

#[test]
fn a_suppression_without_a_reason_is_a_warning_and_suppresses_nothing() {
    let text = "# vouch:ignore auth.mfa-required\nresource \"aws_cognito_user_pool\" \"users\" {\n  name              = \"users\"\n  mfa_configuration = \"OPTIONAL\"\n}\n";
    let d = tree(&[("main.tf", text)]);
    let (code, out, err) = scan(&d, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("main.tf:1:3"),
        "the warning is at the comment: {err}"
    );
    assert!(err.contains("needs an assumption id and a reason"), "{err}");
}

#[test]
fn an_unused_suppression_is_reported_at_its_place() {
    // One on a resource that passes, one on nothing at all.
    let text = "# vouch:ignore auth.mfa-required nothing to suppress here\nresource \"aws_cognito_user_pool\" \"users\" {\n  name              = \"users\"\n  mfa_configuration = \"ON\"\n  software_token_mfa_configuration {\n    enabled = true\n  }\n}\n\n# vouch:ignore auth.mfa-required dangling\n";
    let d = tree(&[("main.tf", text)]);
    let (code, out, err) = scan(&d, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("main.tf:1:3") && err.contains("matches no failing finding"),
        "{err}"
    );
    assert!(
        err.contains("main.tf:10:3") && err.contains("on no resource, attribute or module block"),
        "{err}"
    );
}

#[test]
fn cloudformation_yaml_comments_and_json_metadata_suppress() {
    let yaml = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  # vouch:ignore auth.mfa-required federated users; MFA at the IdP\n  Users:\n    Type: AWS::Cognito::UserPool\n    Properties:\n      UserPoolName: users\n      MfaConfiguration: OPTIONAL\n";
    let json = r#"{"Resources": {"Admins": {"Type": "AWS::Cognito::UserPool",
  "Metadata": {"vouch": {"ignore": [{"id": "auth.mfa-required", "reason": "break-glass pool, disabled"}]}},
  "Properties": {"UserPoolName": "admins", "MfaConfiguration": "OPTIONAL"}}}}
"#;
    let d = tree(&[("template.yaml", yaml), ("admins.json", json)]);
    let (code, out, err) = scan(&d, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("suppressed at template.yaml:3: federated users; MFA at the IdP"),
        "{out}"
    );
    assert!(
        out.contains("suppressed at admins.json:2: break-glass pool, disabled"),
        "{out}"
    );
    // Without a reason the Metadata entry is a warning and the finding counts.
    let d = tree(&[(
        "admins.json",
        &json.replace(r#", "reason": "break-glass pool, disabled""#, ""),
    )]);
    let (code, out, err) = scan(&d, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("admins.json:2:") && err.contains("needs an `id`"),
        "{err}"
    );
}

const ANSWERS: &str = "answers:\n  - assumption: auth.mfa-required\n    resource: aws_cognito_user_pool.partners\n    accepted: \"Partner pool, retired in January\"\n    by: \"security team\"\n    expires: 2026-12-31\n";

#[test]
fn an_accepted_risk_leaves_the_gate_until_it_expires() {
    let d = tree(&[("main.tf", OPEN_POOL), (".vouch/answers.yaml", ANSWERS)]);
    let (code, out, err) = scan_at(DEC_10_2026, &d, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("accepted by security team until 2026-12-31 (.vouch/answers.yaml:2): Partner pool, retired in January"),
        "{out}"
    );
    let (_, sarif, _) = scan_at(DEC_10_2026, &d, &["--format", "sarif"]);
    let s = sarif_suppressions(&sarif);
    assert_eq!(s[0].1[0]["kind"], "external", "{sarif}");
    assert_eq!(s[0].1[0]["status"], "accepted", "{sarif}");
    assert!(s[0].1[0]["justification"]
        .as_str()
        .unwrap()
        .starts_with("Partner pool, retired in January"));
    // After the date: it counts again, and says the acceptance expired.
    let (code, out, err) = scan_at(JAN_5_2027, &d, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("the acceptance has expired"), "{out}");
    let (_, json, _) = scan_at(JAN_5_2027, &d, &["--format", "json"]);
    let w = waiver_of(&evidence(&json), "aws_cognito_user_pool.partners").clone();
    assert_eq!(
        (w["kind"].as_str(), w["expired"].as_bool()),
        (Some("accepted"), Some(true))
    );
    let (_, sarif, _) = scan_at(JAN_5_2027, &d, &["--format", "sarif"]);
    let s = sarif_suppressions(&sarif);
    assert!(
        s[0].1.is_null(),
        "an expired acceptance suppresses nothing: {sarif}"
    );
    assert!(s[0].0.contains("expired on 2026-12-31"), "{}", s[0].0);
}

#[test]
fn an_acceptance_of_the_whole_assumption_covers_every_failing_resource() {
    let answers = "answers:\n  - assumption: auth.mfa-required\n    accepted: \"Pilot; MFA rollout tracked in SEC-9\"\n    by: alice\n    expires: 2027-06-30\n";
    let d = tree(&[
        ("main.tf", OPEN_POOL),
        (
            "users.tf",
            &SUPPRESSED_POOL.replace("# vouch:ignore", "# not:ignore"),
        ),
        (".vouch/answers.yaml", answers),
    ]);
    let (code, out, err) = scan(&d, &[]);
    assert_eq!(code, 0, "{out}{err}");
    // Each failing resource, and the assumption itself, say so.
    assert_eq!(
        out.matches("accepted by alice until 2027-06-30").count(),
        3,
        "{out}"
    );
    assert!(out.contains("whole assumption accepted by alice"), "{out}");
}

#[test]
fn an_unused_or_malformed_acceptance_is_reported() {
    let unused = "answers:\n  - assumption: auth.mfa-required\n    resource: aws_cognito_user_pool.nothing\n    accepted: \"stale\"\n    by: bob\n    expires: 2027-01-31\n";
    let d = tree(&[("main.tf", OPEN_POOL), (".vouch/answers.yaml", unused)]);
    let (code, out, err) = scan(&d, &[]);
    assert_eq!(code, 1, "the finding counts: {out}{err}");
    assert!(
        err.contains(".vouch/answers.yaml:2:") && err.contains("matches no failing finding"),
        "{err}"
    );
    // No `expires`: an error with its line; the entry accepts nothing.
    let malformed =
        "answers:\n  - assumption: auth.mfa-required\n    accepted: \"forever\"\n    by: bob\n";
    let d = tree(&[("main.tf", OPEN_POOL), (".vouch/answers.yaml", malformed)]);
    let (code, out, err) = scan(&d, &["--allow-parse-errors"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("has no `expires`"), "{err}");
}

#[test]
fn writing_questions_keeps_the_accepted_risks() {
    let d = tree(&[("main.tf", OPEN_POOL), (".vouch/answers.yaml", ANSWERS)]);
    let path = d.path().to_str().unwrap();
    let (code, out, err) = run_at(DEC_10_2026, &["questions", path, "--write"]);
    assert!(code == 0 || code == 1, "{code} {out}{err}");
    let text = std::fs::read_to_string(d.path().join(".vouch/answers.yaml")).unwrap();
    assert!(
        text.starts_with(ANSWERS),
        "every byte written stays: {text}"
    );
    let (code, out, err) = scan(&d, &[]);
    assert_eq!(code, 0, "the acceptance is still read: {out}{err}");
}

/// The summary paragraph of the Markdown report (the line after the title).
fn markdown_summary(markdown: &str) -> String {
    markdown
        .lines()
        .skip_while(|l| !l.starts_with("## vouch"))
        .nth(2)
        .unwrap_or_default()
        .to_string()
}

/// 2100-01-02T00:00:00Z: after the `waivers` fixture's acceptance (2099-12-31).
const JAN_2_2100: &str = "4102531200";

#[test]
fn the_markdown_summary_counts_what_the_team_waived_out_of_the_gate() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/projects/waivers/terraform");
    let args = ["scan", root.to_str().unwrap(), "--format", "markdown"];
    let (code, md, err) = run_at(DEC_10_2026, &args);
    assert_eq!(code, 0, "{md}{err}");
    let summary = markdown_summary(&md);
    // Three assumptions fail; two are waived (a suppression in the code, a risk accepted in the
    // answers file), so one gap needs attention, and the reviewer is told what left the gate.
    assert!(
        summary.starts_with("1 gap needs attention: the code proves 3 assumptions of the threat model false, and contradicts the architecture document on 0 more, 2 of which the team waived;"),
        "{summary}"
    );
    assert!(
        summary.contains(
            "2 findings left the gate, waived: 1 suppressed in the code, 1 accepted in the answers file (still listed below, marked)."
        ),
        "{summary}"
    );
    assert!(!summary.contains("expired"), "{summary}");

    // Once the acceptance has expired, its finding is a gap again, and the summary says why.
    let (code, md, err) = run_at(JAN_2_2100, &args);
    assert_eq!(code, 1, "{md}{err}");
    let summary = markdown_summary(&md);
    assert!(summary.starts_with("2 gaps need attention:"), "{summary}");
    assert!(
        summary.contains(", 1 of which the team waived;"),
        "{summary}"
    );
    assert!(
        summary.contains("1 finding left the gate, waived: 1 suppressed in the code (still listed below, marked). 1 accepted risk expired, so its finding is in the gate again."),
        "{summary}"
    );
}

/// `vouch baseline DIR --only auth.mfa-required` at a date; the baseline file's entries.
fn baseline_at(epoch: &str, d: &tempfile::TempDir) -> Vec<Json> {
    let (code, out, err) = run_at(
        epoch,
        &[
            "baseline",
            d.path().to_str().unwrap(),
            "--only",
            "auth.mfa-required",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let text = std::fs::read_to_string(d.path().join(".vouch/baseline.json")).unwrap();
    let v: Json = serde_json::from_str(&text).unwrap();
    v["entries"].as_array().unwrap().clone()
}

#[test]
fn an_acceptance_that_expires_after_the_baseline_brings_its_finding_back_into_the_gate() {
    let d = tree(&[("main.tf", OPEN_POOL), (".vouch/answers.yaml", ANSWERS)]);
    // The baseline is taken while the risk is accepted: the entry says so.
    let entries = baseline_at(DEC_10_2026, &d);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["waived"], true, "{entries:?}");
    let f = d.path().join(".vouch/baseline.json");
    let baseline = ["--baseline", f.to_str().unwrap()];
    // While it holds, nothing is new and the gate passes.
    let (code, out, err) = scan_at(DEC_10_2026, &d, &baseline);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("0 new, 1 unchanged"), "{err}");
    // Once it has expired, the finding counts again although the baseline knows it: it was
    // known only as waived, so it enters the gate as new.
    let (code, out, err) = scan_at(JAN_5_2027, &d, &baseline);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("1 new, 0 unchanged"), "{err}");
    assert!(out.contains("the acceptance has expired"), "{out}");
}

#[test]
fn a_finding_whose_suppression_is_removed_after_the_baseline_is_new() {
    let d = tree(&[("main.tf", SUPPRESSED_POOL)]);
    let entries = baseline_at(DEC_10_2026, &d);
    assert_eq!(entries[0]["waived"], true, "{entries:?}");
    let f = d.path().join(".vouch/baseline.json");
    let baseline = ["--baseline", f.to_str().unwrap()];
    let (code, _, err) = scan(&d, &baseline);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 new, 1 unchanged"), "{err}");
    // The change removes the comment: the finding enters the gate, as new.
    std::fs::write(
        d.path().join("main.tf"),
        SUPPRESSED_POOL
            .lines()
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let (code, out, err) = scan(&d, &baseline);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("1 new, 0 unchanged"), "{err}");
    let (_, md, _) = scan(&d, &[&baseline[..], &["--format", "markdown"]].concat());
    assert!(md.contains("**1 new**"), "{md}");
    // A finding the baseline knew as counted and the change suppresses is not new: it leaves
    // the gate by its waiver, not by the baseline.
    let e = tree(&[("main.tf", OPEN_POOL)]);
    baseline_at(DEC_10_2026, &e);
    let f = e.path().join(".vouch/baseline.json");
    std::fs::write(
        e.path().join("main.tf"),
        format!("# vouch:ignore auth.mfa-required partners use their own IdP's MFA\n{OPEN_POOL}"),
    )
    .unwrap();
    let (code, _, err) = scan(&e, &["--baseline", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 new, 1 unchanged"), "{err}");
}

#[test]
fn the_markdown_table_of_several_systems_counts_each_ones_waived_findings() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects");
    let (_, md, err) = run_at(
        DEC_10_2026,
        &["scan", root.to_str().unwrap(), "--format", "markdown"],
    );
    let row = |system: &str| -> Vec<String> {
        md.lines()
            .find(|l| l.starts_with(&format!("| {system} |")))
            .unwrap_or_else(|| panic!("no row for {system}: {md}{err}"))
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let header = md
        .lines()
        .find(|l| l.starts_with("| system |"))
        .unwrap()
        .split('|')
        .map(|c| c.trim().to_string())
        .collect::<Vec<_>>();
    let column = header.iter().position(|c| c == "waived findings").unwrap();
    // The count is the failing evidence an active waiver covers in that system's report.
    let (_, json, _) = run_at(
        DEC_10_2026,
        &["scan", root.to_str().unwrap(), "--format", "json"],
    );
    let v: Json = serde_json::from_str(&json).unwrap();
    let waived = |system: &str| -> usize {
        let s = v["systems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == system)
            .unwrap();
        s["report"]["assumptions"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|a| a["evidence"].as_array().unwrap())
            .filter(|e| {
                e["outcome"] == "fail" && e["waiver"].is_object() && e["waiver"]["expired"] != true
            })
            .count()
    };
    assert!(waived("waivers") >= 1, "{json}");
    assert_eq!(
        row("waivers")[column],
        waived("waivers").to_string(),
        "{md}"
    );
    assert_eq!(row("saas-serverless")[column], "0", "{md}");
}
