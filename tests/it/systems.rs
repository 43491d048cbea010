//! Systems and `vouch.toml` as a user meets them: a tree of independent projects is cut into
//! systems, each with its own verdicts; a project's verdicts do not depend on the directory
//! scanned above it; the configuration file and its precedence; missing inputs stop a scan.

use crate::common::{fixture, vouch_bin};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn vouch(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(vouch_bin()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_tree(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A recipes-like tree: three independent projects, each with its README, and a README at the
/// root. `a` fails MFA, `b` is a clean CloudFormation stack for backups, `c` has an open
/// question.
fn recipes() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let case = |c: &str| fixture(&format!("assumptions/{c}"));
    copy_tree(
        &case("auth.mfa-required/invalid-optional/terraform"),
        &d.path().join("a"),
    );
    copy_tree(
        &case("data.backups/verified/cloudformation"),
        &d.path().join("b"),
    );
    copy_tree(
        &case("data.backups/needs_clarification-variable/terraform"),
        &d.path().join("c"),
    );
    for p in ["README.md", "a/README.md", "b/README.md", "c/README.md"] {
        write(&d.path().join(p), "# A project\n\nHow to deploy it.\n");
    }
    d
}

fn scan_json(root: &Path, extra: &[&str]) -> (i32, Json, String) {
    let mut args = vec!["scan", root.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    let (code, out, err) = vouch(&args);
    let json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, json, err)
}

fn systems(j: &Json) -> &Vec<Json> {
    j["systems"].as_array().unwrap()
}

fn system<'a>(j: &'a Json, path: &str) -> &'a Json {
    systems(j)
        .iter()
        .find(|s| s["path"] == path)
        .unwrap_or_else(|| panic!("no system at {path}: {j}"))
}

fn statuses(report: &Json) -> BTreeMap<String, String> {
    report["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_tree_of_independent_projects_is_one_system_per_project() {
    let d = recipes();
    let (code, j, err) = scan_json(d.path(), &[]);
    assert_eq!(j["format_version"], 2);
    let paths: Vec<&str> = systems(&j)
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    // Worst first: `a` has a confirmed high threat.
    assert_eq!(paths[0], "a", "{j}");
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["a", "b", "c"]);
    for s in systems(&j) {
        assert_eq!(s["grouping"], "project");
        assert_eq!(s["units"].as_array().unwrap().len(), 1, "{s}");
        assert_eq!(s["report"]["format_version"], 1);
    }
    // Each system decides on its own: `a`'s failing MFA does not touch `c`.
    assert_eq!(
        statuses(&system(&j, "a")["report"])["auth.mfa-required"],
        "invalid"
    );
    assert_eq!(
        statuses(&system(&j, "c")["report"])["auth.mfa-required"],
        "not_applicable"
    );
    assert_eq!(
        statuses(&system(&j, "c")["report"])["data.backups"],
        "needs_clarification"
    );
    assert_eq!(
        statuses(&system(&j, "b")["report"])["data.backups"],
        "verified"
    );
    // `c`'s question is asked in `c`, about `c`.
    let qs = system(&j, "c")["report"]["questions"].as_array().unwrap();
    assert!(qs.iter().any(|q| q["assumption"] == "data.backups"), "{j}");
    // The worst system decides the exit status and the tree's risk.
    assert_eq!(code, 1, "{err}");
    assert_eq!(j["risk"], "high");
}

#[test]
fn the_text_report_opens_with_the_table_and_details_what_fails_or_is_open() {
    let d = recipes();
    let (code, out, err) = vouch(&["scan", d.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let table_end = out.find("\n== ").expect("details follow the table");
    let table = &out[..table_end];
    assert!(table.contains("3 systems, 3 deployment units"), "{out}");
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("  ") && !l.trim_start().starts_with("system"))
        .collect();
    assert_eq!(rows.len(), 3, "{table}");
    assert!(
        rows[0].trim_start().starts_with("a "),
        "worst first: {table}"
    );
    // Verified assumptions are not detailed by default; they are with --details.
    assert!(!out.contains("\n  ok     "), "{out}");
    assert!(out.contains("auth.mfa-required"), "{out}");
    let (_, all, _) = vouch(&["scan", d.path().to_str().unwrap(), "--details"]);
    assert!(all.contains("ok     data.backups"), "{all}");
    assert!(all.contains("== b (b) =="), "{all}");
}

#[test]
fn a_projects_verdicts_do_not_depend_on_the_directory_scanned_above_it() {
    let d = recipes();
    let (_, tree, _) = scan_json(d.path(), &[]);
    for project in ["a", "b", "c"] {
        let (_, alone, _) = scan_json(&d.path().join(project), &[]);
        assert_eq!(systems(&alone).len(), 1);
        let alone = &systems(&alone)[0]["report"];
        let within = &system(&tree, project)["report"];
        assert_eq!(statuses(alone), statuses(within), "{project}");
        assert_eq!(alone["risk"], within["risk"], "{project}");
        assert_eq!(alone["confidence"], within["confidence"], "{project}");
        assert_eq!(
            alone["questions"].as_array().unwrap().len(),
            within["questions"].as_array().unwrap().len(),
            "{project}"
        );
    }
}

#[test]
fn a_single_project_repository_is_one_system_with_todays_report() {
    // The example project: Terraform and CloudFormation side by side, its document under docs/.
    let d = tempfile::tempdir().unwrap();
    copy_tree(&fixture("projects/saas-serverless"), d.path());
    let root = d.path();
    let (_, out, _) = vouch(&["scan", root.to_str().unwrap()]);
    let s = vouch::scan(root, &Default::default());
    let (report, _) = vouch::assess(&s, root, &Default::default());
    assert_eq!(
        out,
        vouch::report::scan::to_text(&report, root.to_str().unwrap())
    );
    let (_, j, _) = scan_json(root, &[]);
    assert_eq!(systems(&j).len(), 1);
    assert_eq!(systems(&j)[0]["grouping"], "tree");
    assert_eq!(
        serde_json::to_value(&report).unwrap(),
        systems(&j)[0]["report"]
    );
}

#[test]
fn a_document_describes_every_unit_under_its_directory() {
    let d = tempfile::tempdir().unwrap();
    let case = |c: &str| fixture(&format!("assumptions/{c}"));
    // `svc` has an architecture document; its Terraform has a README of its own, which does
    // not cut it off. `other` is a project of its own.
    copy_tree(
        &case("auth.mfa-required/invalid-optional/terraform"),
        &d.path().join("svc/infra"),
    );
    write(&d.path().join("svc/infra/README.md"), "# infra\n");
    copy_tree(
        &case("data.backups/verified/cloudformation"),
        &d.path().join("svc/stack"),
    );
    write(
        &d.path().join("svc/docs/ARCHITECTURE.md"),
        "# Architecture\n\nUsers sign in with a password.\n",
    );
    copy_tree(
        &case("data.backups/verified/terraform"),
        &d.path().join("other"),
    );
    write(&d.path().join("other/README.md"), "# other\n");
    let (_, j, _) = scan_json(d.path(), &[]);
    assert_eq!(systems(&j).len(), 2, "{j}");
    let svc = system(&j, "svc");
    assert_eq!(svc["grouping"], "document");
    assert_eq!(
        svc["units"],
        serde_json::json!(["svc/infra", "svc/stack/template.yaml"])
    );
    assert_eq!(
        svc["report"]["documents"],
        serde_json::json!(["svc/docs/ARCHITECTURE.md"])
    );
    assert_eq!(system(&j, "other")["units"], serde_json::json!(["other"]));
}

#[test]
fn an_answer_to_one_systems_question_is_not_stale_in_another() {
    let d = recipes();
    let (_, j, _) = scan_json(d.path(), &[]);
    let q = system(&j, "c")["report"]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["assumption"] == "data.backups")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    write(
        &d.path().join(".vouch/answers.yaml"),
        &format!("answers:\n  - question: {q}\n    holds: true\n"),
    );
    let (_, j, err) = scan_json(d.path(), &[]);
    let c = &system(&j, "c")["report"];
    assert_eq!(statuses(c)["data.backups"], "answered", "{err}");
    for s in systems(&j) {
        assert_eq!(
            s["report"]["answers"]["stale"],
            serde_json::json!([]),
            "{}",
            s["path"]
        );
    }
}

#[test]
fn vouch_toml_declares_systems_and_sets_the_gate_and_flags_win() {
    let d = recipes();
    write(
        &d.path().join("vouch.toml"),
        r#"fail_on = "none"

[[system]]
name = "storage"
paths = ["b/**", "c"]
"#,
    );
    let (code, j, err) = scan_json(d.path(), &[]);
    assert_eq!(code, 0, "fail_on = none: {err}");
    let storage = systems(&j).iter().find(|s| s["name"] == "storage").unwrap();
    assert_eq!(storage["grouping"], "declared");
    assert_eq!(
        storage["units"],
        serde_json::json!(["b/template.yaml", "c"])
    );
    assert_eq!(systems(&j).len(), 2, "{j}");
    // The flag wins over the file.
    let (code, _, _) = scan_json(d.path(), &["--fail-on", "high"]);
    assert_eq!(code, 1);
}

#[test]
fn vouch_toml_disables_and_rerates_assumptions() {
    let d = tempfile::tempdir().unwrap();
    copy_tree(
        &fixture("assumptions/auth.mfa-required/invalid-optional/terraform"),
        d.path(),
    );
    let (code, _, _) = scan_json(d.path(), &[]);
    assert_eq!(code, 1, "MFA fails with a high threat");
    // Re-rated low, the default gate (high) lets it pass; the report carries the new severity.
    write(
        &d.path().join("vouch.toml"),
        "[severity]\n\"auth.mfa-required\" = \"low\"\n\"auth.tenant-claims\" = \"low\"\n",
    );
    let (code, j, err) = scan_json(d.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let threats = systems(&j)[0]["report"]["threats"].as_array().unwrap();
    let mfa = threats
        .iter()
        .find(|t| t["assumptions"][0] == "auth.mfa-required")
        .unwrap();
    assert_eq!(mfa["severity"], "low");
    // Disabled, it is not decided at all.
    write(
        &d.path().join("vouch.toml"),
        "disable = [\"auth.mfa-required\", \"auth.tenant-claims\"]\n",
    );
    let (code, j, err) = scan_json(d.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let report = &systems(&j)[0]["report"];
    assert!(!statuses(report).contains_key("auth.mfa-required"));
    assert!(statuses(report).contains_key("data.backups"));
}

#[test]
fn vouch_toml_supplies_variables_and_flags_win_by_name() {
    let d = tempfile::tempdir().unwrap();
    copy_tree(
        &fixture("assumptions/data.backups/needs_clarification-variable/terraform"),
        d.path(),
    );
    let status = |j: &Json| statuses(&systems(j)[0]["report"])["data.backups"].clone();
    let (_, j, _) = scan_json(d.path(), &[]);
    assert_eq!(status(&j), "needs_clarification");
    write(
        &d.path().join("vouch.toml"),
        "vars = { backup_days = 14 }\n",
    );
    let (_, j, err) = scan_json(d.path(), &[]);
    assert_eq!(status(&j), "verified", "{err}");
    let (_, j, _) = scan_json(d.path(), &["--var", "backup_days=0"]);
    assert_eq!(status(&j), "invalid");
}

#[test]
fn an_unknown_key_or_a_wrong_type_in_vouch_toml_is_a_usage_error_with_its_place() {
    let d = recipes();
    write(
        &d.path().join("vouch.toml"),
        "fail_on = \"high\"\nfail-on-open = true\n",
    );
    let (code, out, err) = vouch(&["scan", d.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "nothing is scanned: {out}");
    assert!(err.contains("vouch.toml:2:1"), "{err}");
    assert!(err.contains("fail-on-open"), "{err}");
    write(&d.path().join("vouch.toml"), "fail_on_open = 1\n");
    let (code, _, err) = vouch(&["scan", d.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("vouch.toml:1:16"), "{err}");
}

#[test]
fn a_missing_input_file_is_a_usage_error_that_stops_before_scanning() {
    let d = recipes();
    let root = d.path().to_str().unwrap();
    for (flag, extra) in [
        (
            "--answers",
            vec!["scan", root, "--answers", "/no/such/answers.yaml"],
        ),
        ("--doc", vec!["scan", root, "--doc", "/no/such/doc.md"]),
        (
            "--var-file",
            vec!["scan", root, "--var-file", "/no/such/x.tfvars"],
        ),
        (
            "--config",
            vec!["scan", root, "--config", "/no/such/vouch.toml"],
        ),
        (
            "--var-file",
            vec!["inventory", root, "--var-file", "/no/such/x.tfvars"],
        ),
    ] {
        let (code, out, err) = vouch(&extra);
        assert_eq!(code, 2, "{flag}: {err}");
        assert!(out.is_empty(), "{flag}: nothing is scanned: {out}");
        assert!(err.contains("/no/such/"), "{flag}: {err}");
    }
    // Where vouch writes the answers file, a missing one is created.
    let answers = d.path().join("new-answers.yaml");
    let (code, _, err) = vouch(&[
        "questions",
        root,
        "--answers",
        answers.to_str().unwrap(),
        "--write",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(answers.exists());
}

#[test]
fn the_report_of_several_systems_is_deterministic() {
    let d = recipes();
    let root = d.path().to_str().unwrap();
    let (_, a, _) = vouch(&["scan", root, "--format", "json"]);
    let (_, b, _) = vouch(&["scan", root, "--format", "json"]);
    assert_eq!(a, b);
    let (_, a, _) = vouch(&["scan", root, "--details"]);
    let (_, b, _) = vouch(&["scan", root, "--details"]);
    assert_eq!(a, b);
}

#[test]
fn a_project_without_a_readme_belongs_to_the_root() {
    let d = recipes();
    copy_tree(
        &fixture("assumptions/data.backups/verified/terraform"),
        &d.path().join("loose"),
    );
    let (_, j, _) = scan_json(d.path(), &[]);
    let root = system(&j, ".");
    assert_eq!(root["units"], serde_json::json!(["loose"]));
    assert_eq!(
        root["report"]["documents"],
        serde_json::json!(["README.md"])
    );
    assert_eq!(systems(&j).len(), 4);
}

#[test]
fn questions_are_listed_per_system() {
    let d = recipes();
    let (code, out, err) = vouch(&["questions", d.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let c = out
        .find("== c (c) ==")
        .expect("a header per system with questions");
    assert!(out[c..].contains("[data.backups]"), "{out}");
    // `b` is the CloudFormation stack whose backups are verified: no backup question there.
    let b = out.find("== b (b) ==").unwrap_or(out.len());
    let b_end = out[b..].find("\n== ").map_or(out.len(), |i| b + i);
    assert!(!out[b..b_end].contains("[data.backups]"), "{out}");
    let (_, json, _) = vouch(&["questions", d.path().to_str().unwrap(), "--format", "json"]);
    let all: Json = serde_json::from_str(&json).unwrap();
    let (_, scan, _) = scan_json(d.path(), &[]);
    let asked: usize = systems(&scan)
        .iter()
        .map(|s| s["report"]["questions"].as_array().unwrap().len())
        .sum();
    assert_eq!(all.as_array().unwrap().len(), asked);
}

/// A function in one Terraform root whose role reaches a table in another root.
fn two_roots() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(
        &d.path().join("app/main.tf"),
        r#"resource "aws_iam_role" "worker" {
  name = "worker"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}
resource "aws_iam_role_policy" "worker" {
  role = aws_iam_role.worker.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "dynamodb:*", Resource = "arn:aws:dynamodb:us-east-1:123456789012:table/orders" }]
  })
}
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = aws_iam_role.worker.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
}
"#,
    );
    write(
        &d.path().join("data/main.tf"),
        r#"resource "aws_dynamodb_table" "orders" {
  # Shared by tenants (tenancy assumptions apply only where the code shows tenancy).
  name     = "orders"
  hash_key = "tenant_id"
  attribute {
    name = "tenant_id"
    type = "S"
  }
}
"#,
    );
    write(&d.path().join("README.md"), "# Orders\n");
    d
}

/// The evidence of tenant isolation on the table: who reaches it.
fn isolation_evidence(report: &Json) -> Vec<String> {
    crate::common::assumption(report, "tenant.data-isolation")["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"] == "aws_dynamodb_table.orders")
        .map(|e| e["detail"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn reasoning_spans_the_units_of_a_system_and_never_crosses_systems() {
    let d = two_roots();
    let (_, j, _) = scan_json(d.path(), &[]);
    assert_eq!(systems(&j).len(), 1, "one project, one system: {j}");
    let within = isolation_evidence(&systems(&j)[0]["report"]);
    assert!(
        within
            .iter()
            .any(|e| e.contains("aws_lambda_function.worker reaches")),
        "the function in `app` reaches the table in `data`: {within:?}"
    );
    // Two projects: the table's system does not see the other project's function.
    write(&d.path().join("app/README.md"), "# app\n");
    write(&d.path().join("data/README.md"), "# data\n");
    let (_, j, _) = scan_json(d.path(), &[]);
    assert_eq!(systems(&j).len(), 2, "{j}");
    let apart = isolation_evidence(&system(&j, "data")["report"]);
    assert!(
        !apart
            .iter()
            .any(|e| e.contains("aws_lambda_function.worker")),
        "{apart:?}"
    );
}

/// The audit-trail questions of a report, as (id, units, text).
fn audit_questions(report: &Json) -> Vec<(String, Json, String)> {
    report["questions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["assumption"] == "log.audit-trail")
        .map(|q| {
            (
                q["id"].as_str().unwrap().to_string(),
                q["units"].clone(),
                q["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A system of several deployments that declares no audit trail is asked about the AWS
/// account behind them once (a real CloudFormation repository was asked the same question
/// eight times, once per template). One answer settles every deployment; an answer to one
/// deployment's own question, as earlier versions asked, still counts for that deployment.
#[test]
fn an_account_level_question_is_asked_once_per_system() {
    let d = tempfile::tempdir().unwrap();
    let template = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      SqsManagedSseEnabled: true\n";
    for name in ["a.yaml", "b.yaml", "c.yaml"] {
        write(&d.path().join("stacks").join(name), template);
    }
    let (_, j, err) = scan_json(d.path(), &[]);
    assert_eq!(systems(&j).len(), 1, "{err}");
    let report = &systems(&j)[0]["report"];
    let asked = audit_questions(report);
    assert_eq!(asked.len(), 1, "{asked:?}");
    let (id, units, text) = &asked[0];
    assert_eq!(
        units,
        &serde_json::json!(["stacks/a.yaml", "stacks/b.yaml", "stacks/c.yaml"])
    );
    assert!(
        text.contains("the AWS account behind the deployments `stacks/a.yaml`, `stacks/b.yaml` and `stacks/c.yaml`"),
        "{text}"
    );
    let assumption = crate::common::assumption(report, "log.audit-trail");
    assert_eq!(assumption["questions"], serde_json::json!([id]));

    // The one answer settles them all.
    let answers = d.path().join(".vouch/answers.yaml");
    write(
        &answers,
        &format!("answers:\n  - question: {id}\n    holds: true\n    detail: organization trail\n"),
    );
    let (_, j, err) = scan_json(d.path(), &[]);
    let report = &systems(&j)[0]["report"];
    assert_eq!(statuses(report)["log.audit-trail"], "answered", "{err}");
    assert!(audit_questions(report).is_empty());

    // An earlier per-deployment answer covers its deployment; the others stay one question.
    let model = vouch::model::Model::default();
    let old = vouch::reconcile::question_id(
        "log.audit-trail",
        &model,
        &vouch::reconcile::Subject::Unit("stacks/b.yaml".into()),
    );
    write(
        &answers,
        &format!("answers:\n  - question: {old}\n    holds: true\n"),
    );
    let (_, j, err) = scan_json(d.path(), &[]);
    let report = &systems(&j)[0]["report"];
    assert_eq!(
        statuses(report)["log.audit-trail"],
        "needs_clarification",
        "{err}"
    );
    assert_eq!(report["answers"]["stale"], serde_json::json!([]));
    let asked = audit_questions(report);
    assert_eq!(
        (asked.len(), &asked[0].0, &asked[0].1),
        (
            1,
            id,
            &serde_json::json!(["stacks/a.yaml", "stacks/c.yaml"])
        )
    );
}
