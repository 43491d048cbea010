//! The threat-model commands as a user runs them: `scan` (report and gate), `questions
//! [--write]`, `clarify`, `explain`, on temporary copies of fixtures.

use crate::common;

use common::{fixture, vouch_bin};
use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(vouch_bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A temporary copy of one language of an assumption fixture case.
fn copy_case(case: &str, language: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(&format!("assumptions/{case}/{language}"));
    for e in std::fs::read_dir(src).unwrap().flatten() {
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    dir
}

/// The report of a tree that is one system, from `scan --format json` (format 2: by system).
fn one_report(out: &str) -> serde_json::Value {
    let j: serde_json::Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(j["format_version"], 2);
    let systems = j["systems"].as_array().unwrap();
    assert_eq!(systems.len(), 1, "{out}");
    systems[0]["report"].clone()
}

fn p(d: &tempfile::TempDir) -> &str {
    d.path().to_str().unwrap()
}

#[test]
fn the_gate_fails_on_an_invalid_assumption_at_or_above_the_threshold() {
    let d = copy_case("auth.mfa-required/invalid-optional", "terraform");
    let (code, out, _) = run(&["scan", p(&d), "--only", "auth.mfa-required"], None);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("invalid"), "{out}");
    assert!(
        out.contains("main.tf:4"),
        "the evidence names the line: {out}"
    );
    // The threat is high: a critical threshold lets it pass, `none` never fails.
    let (code, _, _) = run(
        &[
            "scan",
            p(&d),
            "--only",
            "auth.mfa-required",
            "--fail-on",
            "critical",
        ],
        None,
    );
    assert_eq!(code, 0);
    let (code, _, _) = run(
        &[
            "scan",
            p(&d),
            "--only",
            "auth.mfa-required",
            "--fail-on",
            "none",
        ],
        None,
    );
    assert_eq!(code, 0);
}

/// `--only a,b` and `--only a --only b` decide the same two assumptions, and only those.
#[test]
fn only_takes_several_assumptions_by_commas_or_repetition() {
    let d = copy_case("auth.mfa-required/invalid-optional", "terraform");
    let decided = |args: &[&str]| {
        let mut all = vec!["scan", p(&d), "--format", "json", "--fail-on", "none"];
        all.extend(args);
        let (code, out, err) = run(&all, None);
        assert_eq!(code, 0, "{out}{err}");
        let report = one_report(&out);
        let mut ids: Vec<String> = report["assumptions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let both = vec![
        "auth.mfa-required".to_string(),
        "kms.key-rotation".to_string(),
    ];
    assert_eq!(
        decided(&["--only", "auth.mfa-required,kms.key-rotation"]),
        both
    );
    assert_eq!(
        decided(&["--only", "kms.key-rotation", "--only", "auth.mfa-required"]),
        both
    );
}

#[test]
fn open_questions_fail_the_gate_only_when_asked() {
    let d = copy_case(
        "auth.mfa-required/needs_clarification-variable",
        "terraform",
    );
    let (code, out, _) = run(&["scan", p(&d), "--only", "auth.mfa-required"], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Open questions (1)"), "{out}");
    let (code, _, _) = run(
        &[
            "scan",
            p(&d),
            "--only",
            "auth.mfa-required",
            "--fail-on-open",
        ],
        None,
    );
    assert_eq!(code, 1);
}

#[test]
fn a_broken_answers_file_is_reported_and_exits_2_and_is_left_alone() {
    let d = copy_case(
        "auth.mfa-required/needs_clarification-variable",
        "terraform",
    );
    std::fs::create_dir_all(d.path().join(".vouch")).unwrap();
    let broken = "answers:\n  - assumption: auth.mfa-required\n    holds: maybe\n";
    std::fs::write(d.path().join(".vouch/answers.yaml"), broken).unwrap();
    let (code, out, err) = run(&["scan", p(&d), "--only", "auth.mfa-required"], None);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains(".vouch/answers.yaml:3"), "{err}");
    assert!(out.contains("Not taken into account"), "{out}");
    let (code, _, _) = run(&["questions", "--write", p(&d)], None);
    assert_eq!(code, 2);
    assert_eq!(
        std::fs::read_to_string(d.path().join(".vouch/answers.yaml")).unwrap(),
        broken
    );
}

#[test]
fn questions_write_then_answer_then_scan_again() {
    let d = copy_case(
        "auth.mfa-required/needs_clarification-variable",
        "cloudformation",
    );
    let (code, out, _) = run(&["questions", p(&d), "--only", "auth.mfa-required"], None);
    assert_eq!(code, 0);
    let id = out.split_whitespace().next().unwrap().to_string();
    assert!(id.starts_with("q-"), "{out}");
    assert!(
        out.contains("parameter Mfa"),
        "the question says why: {out}"
    );

    // --write creates the file; a second --write adds nothing.
    let (code, _, err) = run(
        &["questions", "--write", p(&d), "--only", "auth.mfa-required"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let file = d.path().join(".vouch/answers.yaml");
    let first = std::fs::read_to_string(&file).unwrap();
    assert!(first.contains(&format!("question: {id}")), "{first}");
    run(
        &["questions", "--write", p(&d), "--only", "auth.mfa-required"],
        None,
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), first);

    // The user answers in the file, keeping a comment of their own.
    let answered = first.replace(
        "holds:            # true or false",
        "holds: true  # checked in the console",
    ) + "# reviewed by the platform team\n";
    std::fs::write(&file, &answered).unwrap();
    let (code, out, _) = run(
        &[
            "scan",
            p(&d),
            "--only",
            "auth.mfa-required",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code, 0);
    let report = one_report(&out);
    assert_eq!(report["assumptions"][0]["status"], "answered");
    assert_eq!(report["assumptions"][0]["holds"], true);
    assert_eq!(report["questions"].as_array().unwrap().len(), 0);
    assert_eq!(report["answers"]["applied"].as_array().unwrap().len(), 1);
    // Writing the other rules' questions keeps every line the user wrote, in order.
    run(&["questions", "--write", p(&d)], None);
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(after.len() > answered.len(), "other rules ask too");
    let mut rest = after.lines();
    for line in answered.lines() {
        assert!(rest.any(|l| l == line), "lost or moved: {line:?}\n{after}");
    }
}

#[test]
fn an_answer_the_code_now_settles_is_reported_and_kept() {
    let d = copy_case("auth.mfa-required/invalid-optional", "terraform");
    std::fs::create_dir_all(d.path().join(".vouch")).unwrap();
    let text = "answers:\n  - assumption: auth.mfa-required\n    holds: true\n    detail: \"MFA is on\"\n  - question: q-000000000000\n    holds: true\n";
    std::fs::write(d.path().join(".vouch/answers.yaml"), text).unwrap();
    let (code, out, _) = run(
        &[
            "scan",
            p(&d),
            "--only",
            "auth.mfa-required",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code, 1, "the code wins over the answer");
    let report = one_report(&out);
    assert_eq!(report["assumptions"][0]["status"], "invalid");
    assert_eq!(report["answers"]["conflicting"][0]["line"], 2);
    assert_eq!(report["answers"]["stale"][0]["question"], "q-000000000000");
    assert_eq!(
        std::fs::read_to_string(d.path().join(".vouch/answers.yaml")).unwrap(),
        text
    );
}

#[test]
fn clarify_records_answers_from_the_terminal() {
    let d = copy_case(
        "auth.mfa-required/needs_clarification-variable",
        "terraform",
    );
    let (code, _, err) = run(
        &[
            "clarify",
            p(&d),
            "--only",
            "auth.mfa-required",
            "--by",
            "sec team",
        ],
        Some("y\nON in every workspace (checked in tfvars)\n"),
    );
    assert_eq!(code, 0, "{err}");
    let file = std::fs::read_to_string(d.path().join(".vouch/answers.yaml")).unwrap();
    assert!(file.contains("holds: true"), "{file}");
    assert!(file.contains("ON in every workspace"), "{file}");
    assert!(file.contains("sec team"), "{file}");
    let (_, out, _) = run(
        &[
            "scan",
            p(&d),
            "--only",
            "auth.mfa-required",
            "--format",
            "json",
        ],
        None,
    );
    let report = one_report(&out);
    assert_eq!(report["assumptions"][0]["status"], "answered");
}

#[test]
fn the_json_report_is_deterministic_and_relative() {
    let root = fixture("projects/saas-serverless/terraform");
    let root = root.to_str().unwrap();
    let (_, a, _) = run(&["scan", root, "--format", "json"], None);
    let (_, b, _) = run(&["scan", root, "--format", "json"], None);
    assert_eq!(a, b);
    assert!(
        !a.contains(env!("CARGO_MANIFEST_DIR")),
        "paths are relative to the root"
    );
}

#[test]
fn explain_prints_a_rule_and_refuses_an_unknown_id() {
    let (code, out, _) = run(&["explain", "auth.mfa-required"], None);
    assert_eq!(code, 0);
    for section in [
        "## What it checks",
        "## Why it matters",
        "## Example",
        "## Threat",
    ] {
        assert!(out.contains(section), "{out}");
    }
    let (code, out, _) = run(&["explain"], None);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), vouch::assumptions::catalog().len());
    let (code, _, err) = run(&["explain", "auth.mfa"], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("auth.mfa-required"),
        "suggests the near ids: {err}"
    );
}

#[test]
fn an_unknown_only_id_is_a_usage_error() {
    let d = copy_case("auth.mfa-required/verified", "terraform");
    let (code, _, err) = run(&["scan", p(&d), "--only", "auth.nope"], None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("auth.nope"), "{err}");
}

#[test]
fn a_missing_document_is_a_usage_error_that_stops_before_scanning() {
    let d = copy_case("auth.mfa-required/invalid-optional", "terraform");
    let (code, out, err) = run(
        &[
            "scan",
            p(&d),
            "--doc",
            "/no/such/ARCHITECTURE.md",
            "--only",
            "auth.mfa-required",
        ],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--doc /no/such/ARCHITECTURE.md"), "{err}");
    assert!(out.is_empty(), "nothing is scanned: {out}");
}

#[test]
fn an_unreadable_document_is_an_input_error_and_the_report_still_comes() {
    let d = copy_case("auth.mfa-required/invalid-optional", "terraform");
    // It exists, but it is a directory: reading it fails.
    std::fs::create_dir(d.path().join("ARCHITECTURE.md")).unwrap();
    let doc = d.path().join("ARCHITECTURE.md");
    let (code, out, err) = run(
        &[
            "scan",
            p(&d),
            "--doc",
            doc.to_str().unwrap(),
            "--only",
            "auth.mfa-required",
        ],
        None,
    );
    assert_eq!(code, 2, "an unreadable input wins over the gate: {err}");
    assert!(err.contains("ARCHITECTURE.md"), "{err}");
    assert!(out.contains("auth.mfa-required"), "{out}");
    assert!(out.contains("Not taken into account"), "{out}");
}

#[test]
fn the_document_is_found_under_docs_without_doc() {
    let d = copy_case("auth.mfa-required/invalid-optional", "terraform");
    std::fs::create_dir_all(d.path().join("docs")).unwrap();
    std::fs::write(
        d.path().join("docs/Architecture.md"),
        "# Sign-in\n\nMFA is mandatory for every user.\n",
    )
    .unwrap();
    let (code, out, _) = run(
        &[
            "scan",
            p(&d),
            "--only",
            "auth.mfa-required",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code, 1);
    let report = one_report(&out);
    assert_eq!(report["documents"][0], "docs/Architecture.md");
    assert_eq!(report["assumptions"][0]["status"], "contradicted");
    assert_eq!(report["assumptions"][0]["doc"][0]["line"], 3);
}

#[test]
fn a_claim_about_a_role_covers_the_function_that_runs_as_it() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("main.tf"),
        r#"
resource "aws_dynamodb_table" "tenants" {
  name         = "tenants"
  hash_key     = "tenant_id"
  billing_mode = "PAY_PER_REQUEST"
  attribute {
    name = "tenant_id"
    type = "S"
  }
}

resource "aws_iam_role" "reader" {
  name = "reader"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "reader" {
  role = aws_iam_role.reader.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:Query"], Resource = aws_dynamodb_table.tenants.arn }]
  })
}

resource "aws_lambda_function" "support_console" {
  function_name = "support-console"
  role          = aws_iam_role.reader.arn
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "console.zip"
}
"#,
    )
    .unwrap();
    let doc = d.path().join("ARCHITECTURE.md");
    std::fs::write(
        &doc,
        "# Support\n\nThe reader role, used by the support console, cannot read tenant data.\n",
    )
    .unwrap();
    let (_, out, err) = run(
        &[
            "scan",
            p(&d),
            "--only",
            "iam.admin-no-data-access",
            "--format",
            "json",
        ],
        None,
    );
    assert!(err.is_empty() || !out.is_empty(), "{err}");
    let report = one_report(&out);
    let a = &report["assumptions"][0];
    assert_eq!(a["status"], "contradicted", "{a:#}");
    assert_eq!(a["doc"][0]["components"][0], "reader role");
}

#[test]
fn a_tree_without_infrastructure_code_says_so() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("notes.txt"), "nothing here").unwrap();
    let (code, out, _) = run(&["scan", p(&d)], None);
    assert_eq!(code, 0);
    assert!(out.contains("nothing to decide"), "{out}");
    let (_, out, _) = run(&["scan", p(&d), "--format", "json"], None);
    let report = one_report(&out);
    assert_eq!(report["units"].as_array().unwrap().len(), 0);
    assert_eq!(
        report["statuses"]["not_applicable"],
        vouch::assumptions::catalog().len()
    );
}

/// Resources of types no assumption reasons about are listed by type with counts, in text and
/// JSON: a clean report over them must not read as a clean bill of health.
#[test]
fn resources_no_assumption_reasons_about_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"resource "aws_cloudwatch_dashboard" "a" {
  dashboard_name = "a"
  dashboard_body = "{}"
}

resource "aws_cloudwatch_dashboard" "b" {
  dashboard_name = "b"
  dashboard_body = "{}"
}

resource "aws_route53_zone" "z" {
  name = "example.com"
}

resource "aws_sqs_queue" "q" {
  name = "q"
}
"#,
    )
    .unwrap();
    let (code, out, err) = run(
        &["scan", p(&dir), "--format", "json", "--fail-on", "none"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let j = one_report(&out);
    assert_eq!(
        j["not_covered"],
        serde_json::json!([
            {"type": "aws_cloudwatch_dashboard", "resources": 2, "units": ["."]},
            {"type": "aws_route53_zone", "resources": 1, "units": ["."]}
        ])
    );
    let (_, text, _) = run(&["scan", p(&dir), "--fail-on", "none"], None);
    assert!(
        text.contains(
            "not covered: 3 resources of 2 types no assumption reasons about (aws_cloudwatch_dashboard 2, aws_route53_zone 1)"
        ),
        "{text}"
    );
}

/// A root of another provider is listed as not covered and gets no AWS account question: the
/// audit-trail question is asked of the AWS root only.
#[test]
fn a_root_of_another_provider_gets_no_aws_questions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("azure")).unwrap();
    std::fs::create_dir_all(dir.path().join("aws")).unwrap();
    std::fs::write(
        dir.path().join("azure/main.tf"),
        "resource \"azurerm_resource_group\" \"rg\" {\n  name     = \"rg\"\n  location = \"westeurope\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("aws/main.tf"),
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n",
    )
    .unwrap();
    let (code, out, err) = run(
        &[
            "scan",
            p(&dir),
            "--format",
            "json",
            "--fail-on",
            "none",
            "--only",
            "log.audit-trail",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let j = one_report(&out);
    let questions: Vec<&str> = j["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["text"].as_str().unwrap())
        .collect();
    assert_eq!(questions.len(), 1, "{questions:?}");
    assert!(
        questions[0].contains("deployment `aws`"),
        "{}",
        questions[0]
    );
    assert_eq!(j["not_covered"][0]["type"], "azurerm_resource_group");
    assert_eq!(j["not_covered"][0]["units"], serde_json::json!(["azure"]));
}
