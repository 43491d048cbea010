//! Terraform evaluation, pinned on `fixtures/terraform/evaluation`.

use crate::common;
use common::*;
use serde_json::json;

#[test]
fn variables_tfvars_and_locals_resolve() {
    let s = scan("terraform/evaluation");
    // terraform.tfvars overrides the default "dev"; other.tfvars is not applied.
    assert_eq!(
        attr(&s, "aws_iam_role.app", "name"),
        json!("acme-staging-app")
    );
    assert_eq!(
        attr(&s, "aws_s3_bucket.reports[1]", "bucket"),
        json!("acme-staging-reports-1")
    );
    assert_eq!(
        attr(&s, "aws_s3_bucket.reports[0]", "tags"),
        json!({"env": "staging", "team": "billing"})
    );
    let applied: Vec<_> = s
        .var_files
        .iter()
        .map(|v| (v.path.as_str(), v.applied_to.as_deref()))
        .collect();
    assert_eq!(
        applied,
        vec![("other.tfvars", None), ("terraform.tfvars", Some("."))]
    );
}

#[test]
fn for_each_and_count_expand_into_instances() {
    let s = scan("terraform/evaluation");
    assert_eq!(
        attr(&s, "aws_dynamodb_table.t[\"orders\"]", "hash_key"),
        json!("order_id")
    );
    assert_eq!(
        attr(&s, "aws_dynamodb_table.t[\"customers\"]", "name"),
        json!("acme-staging-customers")
    );
    assert_eq!(
        attr(&s, "aws_dynamodb_table.t[\"orders\"]", "attribute"),
        json!([{"name": "order_id", "type": "S"}])
    );
    assert_eq!(line(&s, "aws_dynamodb_table.t[\"orders\"]"), 42);
    assert_eq!(line(&s, "aws_s3_bucket.reports[0]"), 54);
}

#[test]
fn policy_documents_render_with_sources_and_conditions() {
    let s = scan("terraform/evaluation");
    let trust = resource(&s, "aws_iam_role.app").attributes["assume_role_policy"].decoded();
    assert_eq!(
        serde_json::to_value(&trust).unwrap(),
        json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "lambda.amazonaws.com"}}]})
    );
    let app = resource(&s, "aws_iam_role_policy.app").attributes["policy"].decoded();
    let app = serde_json::to_value(&app).unwrap();
    let statements = app["Statement"].as_array().unwrap();
    // The source document's statement comes first, then this document's own.
    assert_eq!(statements[0]["Sid"], json!("Logs"));
    assert_eq!(
        statements[0]["Resource"],
        json!({"$template": ["arn:", {"$symbol": "partition"}, ":logs:", {"$symbol": "region"},
                             ":", {"$symbol": "account_id"}, ":*"]})
    );
    assert_eq!(statements[1]["Sid"], json!("Tables"));
    assert_eq!(
        statements[1]["Resource"],
        json!([
            {"$ref": {"resource": "aws_dynamodb_table.t[\"customers\"]", "attribute": "arn"}},
            {"$ref": {"resource": "aws_dynamodb_table.t[\"orders\"]", "attribute": "arn"}}
        ])
    );
    assert_eq!(
        statements[1]["Condition"],
        json!({"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": "${aws:PrincipalTag/tenant_id}"}})
    );
}

#[test]
fn jsonencode_keeps_references_and_file_reads_beside_the_code() {
    let s = scan("terraform/evaluation");
    let p = serde_json::to_value(
        resource(&s, "aws_iam_role_policy.reports").attributes["policy"].decoded(),
    )
    .unwrap();
    assert_eq!(
        p["Statement"][0]["Resource"],
        json!({"$template": [{"$ref": {"resource": "aws_s3_bucket.reports[0]", "attribute": "arn"}}, "/*"]})
    );
    let st = serde_json::to_value(
        resource(&s, "aws_iam_role_policy.static").attributes["policy"].decoded(),
    )
    .unwrap();
    assert_eq!(st["Statement"][0]["Action"], json!("s3:ListAllMyBuckets"));
}

#[test]
fn dynamic_blocks_and_local_modules() {
    let s = scan("terraform/evaluation");
    assert_eq!(
        attr(&s, "aws_security_group.app", "ingress"),
        json!([{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}])
    );
    // Module inputs flow in (local.retention = 30 days, in seconds) and outputs flow out as refs.
    assert_eq!(
        attr(
            &s,
            "module.queue.aws_sqs_queue.this",
            "message_retention_seconds"
        ),
        json!(2592000)
    );
    assert_eq!(
        attr(&s, "module.queue.aws_sqs_queue.this", "name"),
        json!("acme-staging-jobs")
    );
    assert_eq!(
        attr(&s, "aws_sns_topic_subscription.alerts", "topic_arn"),
        json!({"$ref": {"resource": "module.queue.aws_sns_topic.this", "attribute": "arn"}})
    );
    assert_eq!(
        attr(&s, "aws_lambda_function.worker", "environment")[0]["variables"]["NAMES"],
        json!("CUSTOMERS,ORDERS")
    );
}

#[test]
fn unknowns_carry_their_reasons() {
    let s = scan("terraform/evaluation");
    assert_eq!(
        attr(&s, "aws_sns_topic_subscription.alerts", "endpoint"),
        json!({"$unknown": {"reason": "variable_without_default", "detail": "var.alert_email"}})
    );
    assert_eq!(
        attr(&s, "aws_security_group.app", "vpc_id"),
        json!({"$unknown": {"reason": "data_source", "detail": "data.aws_vpc.shared"}})
    );
    // An argument the data source is given is known: its result keeps it.
    assert_eq!(
        attr(&s, "aws_security_group.app", "tags"),
        json!({"Name": "shared"})
    );
    let subnets = &attr(&s, "aws_lambda_function.worker", "vpc_config")[0]["subnet_ids"];
    assert_eq!(subnets["$unknown"]["reason"], json!("external_module"));
    assert_eq!(s.model.external_modules.len(), 1);
    assert_eq!(
        s.model.external_modules[0].source,
        "terraform-aws-modules/vpc/aws"
    );
    let reasons: Vec<_> = s
        .model
        .unresolved()
        .iter()
        .map(|u| (u.resource.clone(), u.attribute.clone(), u.unknown.reason))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert_eq!(
        attr_line(&s, "aws_sns_topic_subscription.alerts", "endpoint"),
        143
    );
}

#[test]
fn references_become_edges() {
    let s = scan("terraform/evaluation");
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
    for expected in [
        ("aws_lambda_function.worker", "runs-as", "aws_iam_role.app"),
        ("aws_iam_role_policy.app", "facet-of", "aws_iam_role.app"),
        (
            "aws_iam_role_policy.app",
            "policy-grants",
            "aws_dynamodb_table.t[\"orders\"]",
        ),
        (
            "aws_iam_role_policy.reports",
            "policy-grants",
            "aws_s3_bucket.reports[0]",
        ),
        (
            "aws_lambda_function.worker",
            "security-group",
            "aws_security_group.app",
        ),
        (
            "aws_lambda_function.worker",
            "environment",
            "module.queue.aws_sqs_queue.this",
        ),
    ] {
        let e = (
            expected.0.to_string(),
            expected.1.to_string(),
            expected.2.to_string(),
        );
        assert!(edges.contains(&e), "missing edge {e:?} in {edges:#?}");
    }
}

#[test]
fn var_flags_override_files() {
    let opts = vouch::ScanOptions {
        vars: vouch::terraform::VarOptions {
            var_files: vec![fixture("terraform/evaluation/other.tfvars")],
            vars: vec![("alert_email".into(), "sec@example.com".into())],
        },
        ..Default::default()
    };
    let s = vouch::scan(&fixture("terraform/evaluation"), &opts);
    assert_eq!(attr(&s, "aws_iam_role.app", "name"), json!("acme-prod-app"));
    assert_eq!(
        attr(&s, "aws_sns_topic_subscription.alerts", "endpoint"),
        json!("sec@example.com")
    );
    // local.is_prod switches retention to 365 days.
    assert_eq!(
        attr(
            &s,
            "module.queue.aws_sqs_queue.this",
            "message_retention_seconds"
        ),
        json!(365 * 86400)
    );
}

#[test]
fn initialized_modules_are_read_through_the_module_index() {
    let s = scan("terraform/initialized");
    // One root: the module directories under .terraform are never roots.
    assert_eq!(s.model.units.len(), 1);
    assert_eq!(
        attr(&s, "module.queue.aws_sqs_queue.this", "name"),
        json!("orders")
    );
    assert_eq!(
        attr(&s, "module.queue.module.dlq.aws_sqs_queue.this", "name"),
        json!("orders-dlq")
    );
    assert_eq!(
        s.loaded
            .sources
            .region(resource(&s, "module.queue.aws_sqs_queue.this").span)
            .file,
        ".terraform/modules/queue/main.tf"
    );
    assert_eq!(
        attr(
            &s,
            "aws_lambda_event_source_mapping.orders",
            "event_source_arn"
        ),
        json!({"$ref": {"resource": "module.queue.aws_sqs_queue.this", "attribute": "arn"}})
    );
    // A module that init did not fetch stays outside the tree, and says so.
    assert_eq!(
        attr(&s, "aws_sns_topic_subscription.alerts", "topic_arn")["$unknown"]["reason"],
        json!("external_module")
    );
}

#[test]
fn json_syntax_reads_like_hcl() {
    let s = scan("terraform/json-syntax");
    // terraform.tfvars.json applies, strings are templates, objects are blocks or maps.
    assert_eq!(
        attr(&s, "aws_lambda_function.worker", "function_name"),
        json!("acme-prod-worker")
    );
    assert_eq!(
        attr(&s, "aws_lambda_function.worker", "tags"),
        json!({"team": "billing"})
    );
    assert_eq!(
        attr(&s, "aws_lambda_function.worker", "vpc_config"),
        json!([{"subnet_ids": ["subnet-0abc", "subnet-0def"], "security_group_ids": []}])
    );
    assert_eq!(
        attr(&s, "aws_lambda_function.worker", "role"),
        json!({"$ref": {"resource": "aws_iam_role.worker", "attribute": "arn"}})
    );
    assert_eq!(line(&s, "aws_lambda_function.worker"), 20);
    assert_eq!(attr_line(&s, "aws_lambda_function.worker", "role"), 22);
    let trust = serde_json::to_value(
        resource(&s, "aws_iam_role.worker").attributes["assume_role_policy"].decoded(),
    )
    .unwrap();
    assert_eq!(
        trust["Statement"][0]["Principal"],
        json!({"Service": "lambda.amazonaws.com"})
    );
}

#[test]
fn a_module_the_text_scan_misses_is_still_a_module() {
    // `module "m" { source = "./m" }` on one line: the quick textual guess of module
    // directories misses it; the parsed code corrects the guess, and `m` is not a root.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("m")).unwrap();
    std::fs::write(p.join("main.tf"), "module \"m\" { source = \"./m\" }\n").unwrap();
    std::fs::write(
        p.join("m/main.tf"),
        "variable \"n\" {\n  default = \"q\"\n}\nresource \"aws_sqs_queue\" \"q\" {\n  name = var.n\n}\n",
    )
    .unwrap();
    let s = vouch::scan(p, &vouch::ScanOptions::default());
    assert_eq!(s.model.units.len(), 1, "{:?}", s.model.units);
    assert_eq!(attr(&s, "module.m.aws_sqs_queue.q", "name"), json!("q"));
}

/// A resource whose `count` refers to the resource itself (a real 4-line pattern that used to
/// overflow the stack and abort the whole scan): Terraform refuses the cycle; vouch reads the
/// resource once, with its count unknown, and goes on with the rest of the tree.
#[test]
fn a_count_that_refers_to_its_own_resource_is_unknown_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"resource "aws_iam_role" "x" {
  count              = length(aws_iam_role.x) == 0 ? 1 : 0
  name               = "x"
  assume_role_policy = "{}"
}

resource "aws_s3_bucket" "b" {
  for_each = toset([for r in aws_s3_bucket.b : r.id])
  bucket   = "b"
}

resource "aws_sqs_queue" "q" {
  name = "q"
}
"#,
    )
    .unwrap();
    let s = vouch::scan(dir.path(), &Default::default());
    let addresses: Vec<&str> = s
        .model
        .resources
        .iter()
        .map(|r| r.address.as_str())
        .collect();
    assert_eq!(
        addresses,
        ["aws_iam_role.x", "aws_s3_bucket.b", "aws_sqs_queue.q"]
    );
    let unresolved = s.model.unresolved();
    for address in ["aws_iam_role.x", "aws_s3_bucket.b"] {
        assert!(
            unresolved
                .iter()
                .any(|u| u.resource == address
                    && (u.attribute == "count" || u.attribute == "for_each")),
            "{address}: {unresolved:?}"
        );
    }
}

/// `file()` on something that is not a regular file (a FIFO nobody writes to) would block the
/// scan forever: it is an unreadable value instead.
#[cfg(unix)]
#[test]
fn file_on_a_fifo_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("policy.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    std::fs::write(
        dir.path().join("main.tf"),
        r#"resource "aws_iam_policy" "p" {
  name   = "p"
  policy = file("${path.module}/policy.json")
}
"#,
    )
    .unwrap();
    let s = vouch::scan(dir.path(), &Default::default());
    let unresolved = s.model.unresolved();
    assert!(
        unresolved
            .iter()
            .any(|u| u.resource == "aws_iam_policy.p" && u.attribute == "policy"),
        "{unresolved:?}"
    );
}

/// Text doubled through locals asks for 2^40 bytes; a template repeating a large local a
/// thousand times asks for a gigabyte. Both become unknown values at the text limit, and the
/// rest of the resource is still read.
#[test]
fn text_that_grows_without_bound_becomes_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let mut tf = String::from("locals {\n  t0 = \"xxxxxxxxxxxxxxxx\"\n");
    for i in 1..=40 {
        tf.push_str(&format!(
            "  t{i} = \"${{local.t{p}}}${{local.t{p}}}\"\n",
            p = i - 1
        ));
    }
    tf.push_str("  big = join(\"\", [for i in range(100) : local.t15])\n}\n");
    let repeated = "${local.big}".repeat(1000);
    tf.push_str(&format!(
        "resource \"aws_sqs_queue\" \"q\" {{\n  name = \"q\"\n  tags = {{\n    doubled = local.t40\n    repeated = \"{repeated}\"\n  }}\n}}\n"
    ));
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    let s = vouch::scan(dir.path(), &Default::default());
    let q = s
        .model
        .resources
        .iter()
        .find(|r| r.address == "aws_sqs_queue.q")
        .unwrap();
    let tags = q.attr("tags").unwrap();
    for tag in ["doubled", "repeated"] {
        let v = tags.get(tag).unwrap();
        assert!(
            v.first_unknown()
                .is_some_and(|u| u.reason == vouch::model::Reason::Limit),
            "{tag}: {v:?}"
        );
    }
    assert_eq!(q.attr("name").unwrap().as_str(), Some("q"));
}

/// A resource declared twice in one module: Terraform refuses the configuration, so vouch
/// reports an error at the second declaration (with where the first is) and reads the first.
#[test]
fn a_resource_declared_twice_is_an_error_at_the_second() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"first\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.tf"),
        "locals {\n  x = 1\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"second\"\n}\n",
    )
    .unwrap();
    let s = vouch::scan(dir.path(), &Default::default());
    let d: Vec<_> = s
        .diagnostics
        .iter()
        .filter(|d| d.code == "duplicate-declaration")
        .collect();
    assert_eq!(d.len(), 1, "{:?}", s.diagnostics);
    assert_eq!((d[0].path.as_str(), d[0].line, d[0].column), ("b.tf", 5, 1));
    assert!(d[0].message.contains("a.tf:1"), "{}", d[0].message);
    assert_eq!(d[0].severity, vouch::diagnostics::Severity::Error);
    let b: Vec<_> = s
        .model
        .resources
        .iter()
        .filter(|r| r.address == "aws_s3_bucket.b")
        .collect();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].attr("bucket").unwrap().as_str(), Some("first"));
}

/// A `.tf` file that is a symlink to a regular file is read, as Terraform reads it; a link to
/// a directory is not followed.
#[cfg(unix)]
#[test]
fn a_symlinked_tf_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared");
    let app = dir.path().join("app");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        shared.join("queue.tf.txt"),
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(shared.join("queue.tf.txt"), app.join("queue.tf")).unwrap();
    std::os::unix::fs::symlink(&app, app.join("loop")).unwrap();
    let s = vouch::scan(dir.path(), &Default::default());
    let found: Vec<(&str, &str)> = s
        .model
        .resources
        .iter()
        .map(|r| (r.unit.as_str(), r.address.as_str()))
        .collect();
    assert_eq!(found, [("app", "aws_sqs_queue.q")]);
}

#[test]
fn a_literal_attribute_of_another_resource_is_known() {
    let s = scan("terraform/literal-references");
    // Set literally by the VPC and the subnet: their ranges, not values computed at apply.
    assert_eq!(
        attr(&s, "aws_security_group.app", "ingress")[0]["cidr_blocks"],
        json!(["10.40.0.0/16", "10.40.8.0/24"])
    );
    assert_eq!(
        attr(&s, "aws_security_group.app", "description"),
        json!("from 10.40.0.0/16 only")
    );
    // Followed through a chain of references and into a nested block.
    assert_eq!(
        attr(&s, "aws_security_group_rule.chained", "cidr_blocks"),
        json!(["10.40.0.0/16", "10.40.8.0/24"])
    );
    assert_eq!(
        attr(&s, "aws_security_group_rule.chained", "from_port"),
        json!(443)
    );
    // Left out by the VPC's configuration: the provider decides it, it stays a reference.
    assert_eq!(
        attr(&s, "aws_security_group.app", "ingress")[0]["ipv6_cidr_blocks"],
        json!([{"$ref": {"resource": "aws_vpc.main", "attribute": "ipv6_cidr_block"}}])
    );
    // An id names the resource: a reference, and still an edge.
    assert_eq!(
        attr(&s, "aws_security_group.app", "vpc_id"),
        json!({"$ref": {"resource": "aws_vpc.main", "attribute": "id"}})
    );
    let app = idx(&s, "aws_security_group.app");
    let vpc = idx(&s, "aws_vpc.main");
    let into_vpc: Vec<String> = s
        .model
        .edges_from(app)
        .filter(|e| e.to == vpc)
        .map(|e| e.attribute.to_string())
        .collect();
    assert!(
        into_vpc
            .iter()
            .any(|a| a.starts_with("ingress[0].cidr_blocks")),
        "the literal's reference is still an edge: {into_vpc:?}"
    );
}

#[test]
fn optional_attributes_of_object_types_get_their_defaults() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("bucket")).unwrap();
    std::fs::write(
        dir.path().join("bucket/main.tf"),
        r#"variable "settings" {
  type = object({
    name       = string
    versioning = optional(bool, true)
    retention  = optional(object({ days = optional(number, 30), mode = optional(string) }), {})
    rules      = optional(list(object({ id = string, enabled = optional(bool, false) })), [])
  })
}

resource "aws_s3_bucket" "this" {
  bucket = var.settings.name
  tags = {
    versioning = var.settings.versioning
    days       = var.settings.retention.days
    mode       = var.settings.retention.mode
    rule       = var.settings.rules[0].enabled
  }
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"variable "defaults" {
  type    = object({ name = string, versioning = optional(bool, true) })
  default = { name = "root" }
}

module "logs" {
  source   = "./bucket"
  settings = { name = "logs", rules = [{ id = "a" }] }
}

module "data" {
  source   = "./bucket"
  settings = { name = var.defaults.name, versioning = false, retention = { days = 7 }, rules = [{ id = "b", enabled = true }] }
}
"#,
    )
    .unwrap();
    let s = vouch::scan(dir.path(), &Default::default());
    let tags = |address: &str| {
        let r = s
            .model
            .resources
            .iter()
            .find(|r| r.address == address)
            .unwrap_or_else(|| panic!("no {address}"));
        serde_json::to_value(&r.attributes["tags"]).unwrap()
    };
    assert_eq!(
        tags("module.logs.aws_s3_bucket.this"),
        json!({"versioning": true, "days": 30, "mode": null, "rule": false})
    );
    assert_eq!(
        tags("module.data.aws_s3_bucket.this"),
        json!({"versioning": false, "days": 7, "mode": null, "rule": true})
    );
}

/// Terraform takes an object that sets a key twice and keeps the last value (terraform-aws-alb's
/// examples do it); the file must not be lost to a parse error.
#[test]
fn an_object_key_set_twice_keeps_the_last_value() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n  tags = {\n    port = \"80\"\n    \"team\" = \"x\"\n    port = \"443\"\n    team = \"y\"\n  }\n}\n",
    )
    .unwrap();
    let s = vouch::scan(dir.path(), &vouch::ScanOptions::default());
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    let r = s
        .model
        .resources
        .iter()
        .find(|r| r.address == "aws_s3_bucket.a")
        .expect("the bucket is read");
    assert_eq!(
        serde_json::to_value(&r.attributes["tags"]).unwrap(),
        json!({"port": "443", "team": "y"})
    );
}

/// A stack whose template is written inline deploys resources vouch does not read: the scan
/// says so at the attribute instead of passing them in silence; a template read with file() is
/// scanned as a template of its own and needs no warning.
#[test]
fn an_inline_stack_template_is_reported_as_not_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_cloudformation_stack\" \"tenant\" {\n  for_each = toset([\"a\", \"b\"])\n  name     = \"tenant-${each.key}\"\n  template_body = <<-EOT\n    Resources:\n      Table:\n        Type: AWS::DynamoDB::Table\n  EOT\n}\n\nresource \"aws_cloudformation_stack\" \"shared\" {\n  name          = \"shared\"\n  template_body = file(\"${path.module}/shared.yaml\")\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("shared.yaml"),
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
    )
    .unwrap();
    let s = vouch::scan(dir.path(), &vouch::ScanOptions::default());
    let unread: Vec<_> = s
        .diagnostics
        .iter()
        .filter(|d| d.code == "template-not-read")
        .map(|d| (d.path.as_str(), d.line, d.message.as_str()))
        .collect();
    assert_eq!(unread.len(), 1, "{:?}", s.diagnostics);
    assert_eq!(unread[0].0, "main.tf");
    assert_eq!(unread[0].1, 4);
    assert!(unread[0].2.starts_with("aws_cloudformation_stack.tenant:"));
}
