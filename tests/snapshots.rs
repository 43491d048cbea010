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

fn access_and_paths(dir: &str) -> String {
    let s = scan(dir);
    let access = vouch::iam::access::Access::compute(&s.model);
    let rows = vouch::report::access::rows(&s, &access, &Default::default());
    let paths = vouch::report::paths::paths(&s, &access);
    format!(
        "{}\n{}",
        vouch::report::access::to_text(&rows),
        vouch::report::paths::to_text(&paths)
    )
}

#[test]
fn saas_serverless_terraform_access_and_paths() {
    insta::assert_snapshot!(access_and_paths("projects/saas-serverless/terraform"));
}

#[test]
fn saas_serverless_cloudformation_access_and_paths() {
    insta::assert_snapshot!(access_and_paths("projects/saas-serverless/cloudformation"));
}
