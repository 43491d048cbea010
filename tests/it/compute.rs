//! Compute cases one language alone can write, which the table of assumption fixtures (both
//! languages for every case) cannot hold: the account's instance metadata defaults and EBS
//! encryption by default are Terraform-only resources; a role the SAM transform generates is
//! CloudFormation-only.

use std::fs;

/// (resource, outcome, line, detail) of every evidence entry of one assumption decided on a
/// Terraform tree written to a temporary directory.
fn evidence(tf: &str, assumption: &str) -> (String, Vec<(String, String, u64, String)>) {
    evidence_in("main.tf", tf, assumption)
}

fn evidence_in(
    file: &str,
    text: &str,
    assumption: &str,
) -> (String, Vec<(String, String, u64, String)>) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(file), text).unwrap();
    let scan = vouch::scan(dir.path(), &Default::default());
    assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
    let options = vouch::AssessOptions {
        only: vec![assumption.to_string()],
        ..Default::default()
    };
    let (report, _) = vouch::assess(&scan, dir.path(), &options);
    let a = serde_json::to_value(&report.assumptions[0]).unwrap();
    let rows = a["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["resource"].as_str().unwrap_or("").to_string(),
                e["outcome"].as_str().unwrap_or("").to_string(),
                e["line"].as_u64().unwrap_or(0),
                e["detail"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    (a["status"].as_str().unwrap().to_string(), rows)
}

const INSTANCE: &str = r#"
resource "aws_instance" "web" {
  ami           = "ami-0abcdef1234567890"
  instance_type = "t3.small"
}
"#;

fn with_metadata_defaults(tokens: &str) -> String {
    format!(
        "{INSTANCE}\nresource \"aws_ec2_instance_metadata_defaults\" \"account\" {{\n  http_tokens = \"{tokens}\"\n}}\n"
    )
}

#[test]
fn account_metadata_defaults_settle_an_instance_that_sets_nothing() {
    let (status, rows) = evidence(&with_metadata_defaults("required"), "iam.compute.imdsv2");
    assert_eq!(status, "verified");
    assert_eq!(rows.len(), 1);
    let (resource, outcome, line, detail) = &rows[0];
    assert_eq!(
        (resource.as_str(), outcome.as_str()),
        ("aws_instance.web", "pass")
    );
    // The decisive setting is the account's, on its own line.
    assert_eq!(*line, 8);
    assert!(
        detail.contains("aws_ec2_instance_metadata_defaults.account"),
        "{detail}"
    );

    let (status, rows) = evidence(&with_metadata_defaults("optional"), "iam.compute.imdsv2");
    assert_eq!(status, "invalid");
    assert_eq!((rows[0].1.as_str(), rows[0].2), ("fail", 8));

    // No preference leaves it to the launch default: IMDSv1 stays on.
    let (status, rows) = evidence(
        &with_metadata_defaults("no-preference"),
        "iam.compute.imdsv2",
    );
    assert_eq!(status, "invalid");
    assert_eq!(rows[0].2, 2, "the instance's own block");
    assert!(rows[0].3.contains("provider default"), "{}", rows[0].3);
}

#[test]
fn an_instance_setting_its_own_tokens_wins_over_the_account_default() {
    let tf = format!(
        "{}\nresource \"aws_instance\" \"batch\" {{\n  ami = \"ami-0abcdef1234567890\"\n  metadata_options {{\n    http_tokens = \"optional\"\n  }}\n}}\n",
        with_metadata_defaults("required")
    );
    let (status, rows) = evidence(&tf, "iam.compute.imdsv2");
    assert_eq!(status, "invalid");
    let batch = rows.iter().find(|r| r.0 == "aws_instance.batch").unwrap();
    assert_eq!(batch.1, "fail");
    let web = rows.iter().find(|r| r.0 == "aws_instance.web").unwrap();
    assert_eq!(web.1, "pass");
}

#[test]
fn an_instance_from_a_template_outside_the_tree_is_a_question() {
    let tf = r#"
variable "template_id" {
  type = string
}

resource "aws_instance" "web" {
  launch_template {
    id = var.template_id
  }
}
"#;
    let (status, rows) = evidence(tf, "iam.compute.imdsv2");
    assert_eq!(status, "needs_clarification");
    assert_eq!(
        (rows[0].1.as_str(), rows[0].2),
        ("unknown", 8),
        "the template id from the variable"
    );
}

#[test]
fn account_ebs_encryption_by_default_encrypts_block_devices_that_say_nothing() {
    // Alone, an instance whose volumes say nothing of encryption takes the AMI snapshot's
    // encryption or the account's default, neither in the tree: a question, not a failure.
    let plain = evidence(INSTANCE, "kms.encryption-at-rest");
    assert_eq!(plain.0, "needs_clarification", "{:?}", plain.1);
    assert_eq!(plain.1[0].1, "unknown", "{:?}", plain.1);
    let tf = format!("{INSTANCE}\nresource \"aws_ebs_encryption_by_default\" \"account\" {{\n  enabled = true\n}}\n");
    let (status, rows) = evidence(&tf, "kms.encryption-at-rest");
    assert_eq!(status, "verified", "{rows:?}");
    assert_eq!(rows[0].0, "aws_instance.web");
    // A device switched off is not rescued by the account default.
    let tf = format!(
        "{tf}\nresource \"aws_launch_template\" \"app\" {{\n  block_device_mappings {{\n    device_name = \"/dev/xvda\"\n    ebs {{\n      encrypted = false\n    }}\n  }}\n}}\n"
    );
    let (status, rows) = evidence(&tf, "kms.encryption-at-rest");
    assert_eq!(status, "invalid");
    let lt = rows
        .iter()
        .find(|r| r.0 == "aws_launch_template.app")
        .unwrap();
    assert_eq!((lt.1.as_str(), lt.2), ("fail", 15));
}

#[test]
fn a_sam_state_machine_without_a_role_is_a_question_not_a_role_free_pass() {
    let template = r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Done
        States:
          Done: { Type: Succeed }
      Policies:
        - AmazonS3FullAccess
"#;
    let (status, rows) = evidence_in("template.yaml", template, "iam.compute.least-privilege");
    assert_eq!(status, "needs_clarification", "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        ("Flow", "unknown")
    );
    // With its Role named, the state machine is compute like any other.
    let named = template.replace(
        "      Policies:\n        - AmazonS3FullAccess\n",
        "      Role: arn:aws:iam::123456789012:role/flow\n",
    );
    assert!(named.contains("Role: arn"));
    let (_, rows) = evidence_in("template.yaml", &named, "iam.compute.role-per-function");
    assert_eq!(rows[0].0, "Flow");
    assert_eq!(rows[0].1, "unknown", "a role outside the tree: {rows:?}");
    assert!(rows[0].3.contains("not settled"), "{}", rows[0].3);
}

#[test]
fn an_instance_from_a_literal_template_id_asks_about_that_template() {
    let tf = r#"
resource "aws_instance" "web" {
  launch_template {
    id = "lt-0123456789abcdef0"
  }
}
"#;
    let (status, rows) = evidence(tf, "iam.compute.imdsv2");
    assert_eq!(status, "needs_clarification");
    assert_eq!((rows[0].1.as_str(), rows[0].2), ("unknown", 4));
}
