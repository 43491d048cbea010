//! Effective access: AWS's evaluation semantics, pinned on small policies.

use crate::common;
use common::*;
use vouch::iam::access::{self, Access};
use vouch::iam::catalog::AccessLevel;

fn allowed(s: &vouch::Scan, a: &Access, principal: &str, resource: &str, action: &str) -> bool {
    let set = a.allowed(&s.model, idx(s, principal), idx(s, resource), None);
    let id = access::index()
        .id(action)
        .unwrap_or_else(|| panic!("no action {action}"));
    set.actions.contains(id)
}

#[test]
fn an_explicit_deny_beats_an_allow() {
    let s = scan("iam/semantics");
    let a = Access::compute(&s.model);
    assert!(allowed(
        &s,
        &a,
        "aws_iam_role.deny_wins",
        "aws_s3_bucket.data",
        "s3:GetObject"
    ));
    assert!(!allowed(
        &s,
        &a,
        "aws_iam_role.deny_wins",
        "aws_s3_bucket.logs",
        "s3:GetObject"
    ));
    assert!(!allowed(
        &s,
        &a,
        "aws_iam_role.deny_wins",
        "aws_s3_bucket.logs",
        "s3:DeleteBucket"
    ));
}

#[test]
fn not_action_and_not_resource() {
    let s = scan("iam/semantics");
    let a = Access::compute(&s.model);
    // NotAction ["iam:*", "s3:*"] on * grants DynamoDB but not S3.
    assert!(allowed(
        &s,
        &a,
        "aws_iam_role.negations",
        "aws_dynamodb_table.orders",
        "dynamodb:DeleteTable"
    ));
    assert!(!allowed(
        &s,
        &a,
        "aws_iam_role.negations",
        "aws_s3_bucket.logs",
        "s3:PutObject"
    ));
    // NotResource the data bucket's objects: GetObject on the logs bucket only.
    assert!(allowed(
        &s,
        &a,
        "aws_iam_role.negations",
        "aws_s3_bucket.logs",
        "s3:GetObject"
    ));
    assert!(!allowed(
        &s,
        &a,
        "aws_iam_role.negations",
        "aws_s3_bucket.data",
        "s3:GetObject"
    ));
}

#[test]
fn wildcards_expand_against_the_catalog_and_conditions_are_kept() {
    let s = scan("iam/semantics");
    let a = Access::compute(&s.model);
    let got = a.allowed(
        &s.model,
        idx(&s, "aws_iam_role.reader"),
        idx(&s, "aws_dynamodb_table.orders"),
        Some("dynamodb"),
    );
    let names: Vec<&str> = got
        .actions
        .iter()
        .map(|i| access::index().names[i as usize])
        .collect();
    assert!(
        names.contains(&"dynamodb:GetItem") && names.contains(&"dynamodb:Query"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"dynamodb:PutItem") && !names.contains(&"dynamodb:Scan"),
        "{names:?}"
    );
    assert_eq!(access::levels(&got.actions), vec![AccessLevel::Read]);
    assert!(got.conditional);
    let c = &got.via[0].conditions[0];
    assert_eq!(
        (c.operator.as_str(), c.key.as_str()),
        ("StringEquals", "dynamodb:LeadingKeys")
    );
    assert_eq!(c.set, Some(vouch::iam::policy::SetQualifier::ForAllValues));
}

#[test]
fn boundaries_intersect() {
    let s = scan("iam/semantics");
    let a = Access::compute(&s.model);
    assert!(allowed(
        &s,
        &a,
        "aws_iam_role.bounded",
        "aws_s3_bucket.data",
        "s3:GetObject"
    ));
    assert!(!allowed(
        &s,
        &a,
        "aws_iam_role.bounded",
        "aws_s3_bucket.data",
        "s3:PutObject"
    ));
    assert!(!allowed(
        &s,
        &a,
        "aws_iam_role.bounded",
        "aws_s3_bucket.data",
        "s3:DeleteBucket"
    ));
}

#[test]
fn aws_managed_policies_are_evaluated_and_unknown_ones_reported() {
    let s = scan("iam/semantics");
    let a = Access::compute(&s.model);
    assert!(allowed(
        &s,
        &a,
        "aws_iam_role.admin",
        "aws_dynamodb_table.orders",
        "dynamodb:DeleteTable"
    ));
    assert!(!a
        .allows_action(idx(&s, "aws_iam_role.admin"), "iam:PassRole")
        .is_empty());
    let reader = &a.principals[&idx(&s, "aws_iam_role.reader")];
    assert_eq!(reader.unresolved.len(), 1);
    assert_eq!(
        reader.unresolved[0]
            .value
            .first_unknown()
            .map(|u| u.detail.as_str()),
        Some("var.extra_policy_arn")
    );
}

#[test]
fn compute_and_roles_on_the_example_project() {
    let s = scan("projects/saas-serverless/terraform");
    let a = Access::compute(&s.model);
    assert_eq!(a.compute.len(), 5);
    // The admin function's role can read the tenant data table: the deliberate finding.
    let admin = idx(&s, "aws_iam_role.function[\"admin\"]");
    let table = idx(&s, "aws_dynamodb_table.tenant_data");
    let got = a.allowed(&s.model, admin, table, Some("dynamodb"));
    let names: Vec<&str> = got
        .actions
        .iter()
        .map(|i| access::index().names[i as usize])
        .collect();
    assert!(names.contains(&"dynamodb:Scan"), "{names:?}");
}
