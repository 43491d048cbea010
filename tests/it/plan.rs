//! Terraform plan JSON: values from the plan, spans from the HCL beside it, never counted twice.

use crate::common;
use common::*;
use serde_json::json;
use vouch::model::Language;

fn scan_with_plan(dir: &str) -> vouch::Scan {
    let opts = vouch::ScanOptions {
        load: vouch::load::LoadOptions {
            plans: vec![fixture(&format!("{dir}/plan.json"))],
            ..Default::default()
        },
        ..Default::default()
    };
    vouch::scan(&fixture(dir), &opts)
}

#[test]
fn plan_values_with_hcl_spans_replace_the_root() {
    let s = scan_with_plan("terraform/plan");
    // The plan replaces the evaluation of the root it came from: 8 resources, not 16.
    assert_eq!(s.model.resources.len(), 8);
    assert!(s
        .model
        .resources
        .iter()
        .all(|r| r.language == Language::Plan));
    assert_eq!(s.model.units.len(), 1);
    assert_eq!(s.model.units[0].language, Language::Plan);
    // Values come from the plan (the variable default "prod", provider defaults filled in)...
    assert_eq!(
        attr(&s, "aws_s3_bucket.reports[1]", "bucket"),
        json!("acme-prod-reports-1")
    );
    assert_eq!(
        attr(
            &s,
            "module.queue.aws_sqs_queue.this",
            "message_retention_seconds"
        ),
        json!(345600)
    );
    // ...and lines from the HCL.
    assert_eq!(line(&s, "aws_s3_bucket.reports[1]"), 18);
    assert_eq!(line(&s, "module.queue.aws_sqs_queue.this"), 5);
    assert_eq!(
        s.loaded
            .sources
            .region(resource(&s, "module.queue.aws_sqs_queue.this").span)
            .file,
        "modules/q/main.tf"
    );
    // An attribute decided at apply time keeps the structure the HCL gives it.
    let policy = serde_json::to_value(
        resource(&s, "aws_iam_role_policy.app").attributes["policy"].decoded(),
    )
    .unwrap();
    assert_eq!(
        policy["Statement"][0]["Resource"],
        json!({"$template": [{"$ref": {"resource": "aws_s3_bucket.reports[0]", "attribute": "arn"}}, "/*"]})
    );
    assert!(
        s.model.unresolved().is_empty(),
        "{:?}",
        s.model.unresolved()
    );
}

#[test]
fn plan_alone_points_at_the_plan_file() {
    let s = scan_with_plan("terraform/plan-only");
    assert_eq!(s.model.resources.len(), 8);
    assert_eq!(s.model.units[0].id, "plan.json");
    let l = s
        .loaded
        .sources
        .region(resource(&s, "aws_s3_bucket.reports[1]").span);
    assert_eq!((l.file.as_str(), l.line), ("plan.json", 99));
    // `bucket = aws_s3_bucket.reports[count.index].id` is recorded without its key; each
    // instance refers to its own twin.
    let edges: Vec<(String, String, String)> = s
        .model
        .edges
        .iter()
        .map(|e| {
            (
                s.model.resources[e.from].address.clone(),
                e.label.to_string(),
                s.model.resources[e.to].address.clone(),
            )
        })
        .collect();
    assert!(edges.contains(&(
        "aws_s3_bucket_server_side_encryption_configuration.reports[1]".into(),
        "facet-of".into(),
        "aws_s3_bucket.reports[1]".into()
    )));
    assert!(edges.contains(&(
        "aws_s3_bucket_server_side_encryption_configuration.reports[0]".into(),
        "encrypted-by".into(),
        "aws_kms_key.data".into()
    )));
}

#[test]
fn a_json_file_that_is_not_a_plan_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.json");
    std::fs::write(&p, "{\"hello\": 1}").unwrap();
    let opts = vouch::ScanOptions {
        load: vouch::load::LoadOptions {
            plans: vec![p],
            ..Default::default()
        },
        ..Default::default()
    };
    let s = vouch::scan(dir.path(), &opts);
    assert!(s.has_errors());
    assert_eq!(s.diagnostics[0].code, "not-a-plan");
}
