//! Snapshots of what vouch sees in the example project: every resource, reference, unresolved
//! value and line. A change to the model shows here as a reviewable diff.

mod common;
use common::*;

#[test]
fn saas_serverless_terraform_inventory() {
    let s = scan("projects/saas-serverless/terraform");
    insta::assert_snapshot!(vouch::report::inventory::to_json(&s, false));
}

#[test]
fn saas_serverless_cloudformation_inventory() {
    let s = scan("projects/saas-serverless/cloudformation");
    insta::assert_snapshot!(vouch::report::inventory::to_json(&s, false));
}

#[test]
fn saas_serverless_terraform_text() {
    let s = scan("projects/saas-serverless/terraform");
    insta::assert_snapshot!(vouch::report::inventory::to_text(&s));
}
