//! Patterns met on real repositories that vouch got wrong, each pinned as it was found (the
//! repository is named in the test's comment; its code is never copied here).

use crate::common::vouch_bin;
use serde_json::Value as Json;
use std::path::Path;
use std::process::Command;

fn scan_json(root: &Path) -> Json {
    crate::common::first_report(root)
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
    let status = |id: &str| crate::common::assumption(&report, id)["status"].clone();
    assert_eq!(
        status("iam.no-admin-service-roles"),
        "verified",
        "{report:#}"
    );
    assert_eq!(status("iam.no-privilege-escalation"), "verified");
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn inventory(root: &Path) -> (Json, String) {
    let out = Command::new(vouch_bin())
        .args(["inventory", "--format", "json"])
        .arg(root)
        .output()
        .unwrap();
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Two modules that read each other's outputs — the network module takes the endpoints'
/// security group, the endpoints module takes the network's subnets — are no cycle: Terraform's
/// graph is per value, and so are vouch's module inputs (seen in
/// jcub-i0/terraform-secure-baseline, where vouch reported a reference cycle and lost the
/// endpoints' subnets).
#[test]
fn modules_that_read_each_other_s_outputs_are_no_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "main.tf",
        r#"
module "net" {
  source   = "./modules/net"
  ep_sg_id = module.ep.sg_id
}
module "ep" {
  source     = "./modules/ep"
  subnet_ids = module.net.subnet_ids
  vpc_id     = module.net.vpc_id
}
"#,
    );
    write(
        root,
        "modules/net/main.tf",
        r#"
variable "ep_sg_id" {}
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_security_group_rule" "r" {
  type              = "ingress"
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  security_group_id = var.ep_sg_id
  cidr_blocks       = ["10.0.0.0/16"]
}
output "subnet_ids" {
  value = { a = aws_subnet.s.id }
}
output "vpc_id" {
  value = aws_vpc.v.id
}
"#,
    );
    write(
        root,
        "modules/ep/main.tf",
        r#"
variable "subnet_ids" {}
variable "vpc_id" {}
locals {
  ids = var.subnet_ids
}
resource "aws_security_group" "sg" {
  vpc_id = var.vpc_id
}
resource "aws_vpc_endpoint" "e" {
  vpc_id             = var.vpc_id
  service_name       = "com.amazonaws.us-east-1.sts"
  vpc_endpoint_type  = "Interface"
  subnet_ids         = values(local.ids)
  security_group_ids = [aws_security_group.sg.id]
}
output "sg_id" {
  value = aws_security_group.sg.id
}
"#,
    );
    let (inv, _) = inventory(root);
    assert!(!inv.to_string().contains("cycle"), "{inv:#}");
    assert_eq!(inv["summary"]["unresolved"], 0, "{inv:#}");
    let rule = inv["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "module.net.aws_security_group_rule.r")
        .unwrap();
    assert_eq!(rule["parent"], "module.ep.aws_security_group.sg");

    // A true cycle through two modules' inputs and outputs is still one, and ends.
    write(
        root,
        "main.tf",
        r#"
module "a" {
  source = "./modules/a"
  x      = module.b.o
}
module "b" {
  source = "./modules/b"
  y      = module.a.p
}
"#,
    );
    write(
        root,
        "modules/a/main.tf",
        "variable \"x\" {}\nlocals {\n  p = var.x\n}\noutput \"p\" {\n  value = local.p\n}\nresource \"aws_sqs_queue\" \"q\" {\n  name = local.p\n}\n",
    );
    write(
        root,
        "modules/b/main.tf",
        "variable \"y\" {}\noutput \"o\" {\n  value = var.y\n}\n",
    );
    let (inv, _) = inventory(root);
    let reasons: Vec<&Json> = inv["unresolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| &u["reason"])
        .collect();
    assert!(reasons.iter().any(|r| *r == "cycle"), "{inv:#}");
}

/// Teams that centralise backups leave point-in-time recovery off and select their stores in an
/// AWS Backup plan. A plan with no lifecycle keeps recovery points for good; `*` selects every
/// store; `not_resources` takes one out again, and that one is judged on its own settings.
#[test]
fn an_aws_backup_plan_makes_the_stores_it_selects_restorable() {
    let dir = tempfile::tempdir().unwrap();
    let table = |name: &str| {
        format!(
            "resource \"aws_dynamodb_table\" \"{name}\" {{\n  name         = \"{name}\"\n  billing_mode = \"PAY_PER_REQUEST\"\n  hash_key     = \"id\"\n  attribute {{\n    name = \"id\"\n    type = \"S\"\n  }}\n}}\n"
        )
    };
    write(
        dir.path(),
        "main.tf",
        &format!(
            "{}{}{}",
            table("orders"),
            table("scratch"),
            r#"
resource "aws_backup_plan" "forever" {
  name = "forever"
  rule {
    rule_name         = "weekly"
    target_vault_name = "central"
    schedule          = "cron(0 3 ? * SUN *)"
  }
}
resource "aws_backup_selection" "all" {
  name          = "all"
  plan_id       = aws_backup_plan.forever.id
  iam_role_arn  = "arn:aws:iam::123456789012:role/backup"
  resources     = ["*"]
  not_resources = [aws_dynamodb_table.scratch.arn]
}
"#
        ),
    );
    let report = scan_json(dir.path());
    let backups = crate::common::assumption(&report, "data.backups");
    assert_eq!(backups["status"], "invalid", "{backups:#}");
    let by_resource = |address: &str| {
        backups["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["resource"] == address)
            .unwrap_or_else(|| panic!("{address}: {backups:#}"))
            .clone()
    };
    let orders = by_resource("aws_dynamodb_table.orders");
    assert_eq!(orders["outcome"], "pass");
    assert!(
        orders["detail"]
            .as_str()
            .unwrap()
            .ends_with("AWS Backup plan `aws_backup_plan.forever` backs it up and never deletes its recovery points"),
        "{orders:#}"
    );
    let scratch = by_resource("aws_dynamodb_table.scratch");
    assert_eq!(scratch["outcome"], "fail", "{scratch:#}");
    assert!(!scratch["detail"].as_str().unwrap().contains("AWS Backup"));
}

/// Teams tag everything through the provider's `default_tags` and select backups by those tags:
/// a table with no tags of its own is selected, a resource's own tag overrides the default, a
/// resource or module given another provider configuration gets that one's default tags.
#[test]
fn provider_default_tags_are_the_tags_backup_selects_by() {
    use crate::common::{attr, fixture, scan};
    use serde_json::json;
    let s = scan("terraform/default-tags");
    assert_eq!(
        attr(&s, "aws_dynamodb_table.orders", "tags_all"),
        json!({"backup": "daily", "owner": "platform"})
    );
    assert_eq!(
        attr(&s, "aws_dynamodb_table.ledger", "tags_all"),
        json!({"backup": "daily", "owner": "finance"})
    );
    assert_eq!(
        attr(&s, "aws_dynamodb_table.archive", "tags_all"),
        json!({"backup": "none"})
    );
    assert_eq!(
        attr(&s, "module.passed.aws_dynamodb_table.this", "tags_all"),
        json!({"backup": "none"})
    );
    let report = crate::common::first_report(&fixture("terraform/default-tags"));
    let backups = crate::common::assumption(&report, "data.backups");
    let outcome = |address: &str| {
        backups["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["resource"] == address)
            .unwrap_or_else(|| panic!("{address}: {backups:#}"))["outcome"]
            .clone()
    };
    for selected in [
        "aws_dynamodb_table.orders",
        "aws_dynamodb_table.ledger",
        "module.inherited.aws_dynamodb_table.this",
    ] {
        assert_eq!(outcome(selected), "pass", "{selected}");
    }
    for left_out in [
        "aws_dynamodb_table.archive",
        "module.passed.aws_dynamodb_table.this",
    ] {
        assert_eq!(outcome(left_out), "fail", "{left_out}");
    }
}
