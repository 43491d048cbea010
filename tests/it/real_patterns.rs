//! Patterns met on real repositories that vouch got wrong, each pinned as it was found (the
//! repository is named in the test's comment; its code is never copied here).

use crate::common::vouch_bin;
use serde_json::Value as Json;
use std::path::Path;
use std::process::Command;

fn scan_json(root: &Path) -> Json {
    let out = Command::new(vouch_bin())
        .args(["scan", "--format", "json"])
        .arg(root)
        .output()
        .unwrap();
    let report: Json = serde_json::from_slice(&out.stdout).unwrap();
    report["systems"][0]["report"].clone()
}

/// A policy whose `Resource` is a data source's ARN (known only at apply) still grants exactly
/// its actions: the admin and escalation checks decide it instead of asking (seen in
/// Zach-Maestas/secure-aws-architecture-capstone: `secretsmanager:GetSecretValue` on `data.aws_secretsmanager_secret.db.arn`).
#[test]
fn a_policy_with_an_unknown_resource_is_still_read_for_its_actions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"
data "aws_secretsmanager_secret" "db" {
  name = "db"
}
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Action = "sts:AssumeRole", Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" } }] })
}
resource "aws_iam_role_policy" "p" {
  role = aws_iam_role.r.id
  policy = jsonencode({
    Version   = "2012-10-17",
    Statement = [{ Effect = "Allow", Action = ["secretsmanager:GetSecretValue"], Resource = data.aws_secretsmanager_secret.db.arn }]
  })
}
resource "aws_iam_instance_profile" "p" {
  role = aws_iam_role.r.name
}
resource "aws_instance" "i" {
  ami                  = "ami-123"
  instance_type        = "t3.micro"
  iam_instance_profile = aws_iam_instance_profile.p.name
  metadata_options {
    http_tokens = "required"
  }
}
"#,
    )
    .unwrap();
    let report = scan_json(dir.path());
    let status = |id: &str| {
        report["assumptions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(
        status("iam.no-admin-service-roles"),
        "verified",
        "{report:#}"
    );
    assert_eq!(status("iam.no-privilege-escalation"), "verified");
}
