//! Snapshots of what vouch sees in the example project: every resource, reference, unresolved
//! value and line. A change to the model shows here as a reviewable diff.

use crate::common;
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

/// The reconciliation report on the example project, with its document: the JSON contract
/// (docs/report-json.md) and the terminal rendering, both languages.
fn scan_report(dir: &str) -> (String, String) {
    let root = common::fixture(dir);
    let doc = common::fixture("projects/saas-serverless/docs/ARCHITECTURE.md");
    let s = vouch::scan(&root, &Default::default());
    let options = vouch::AssessOptions {
        docs: vec![doc],
        ..Default::default()
    };
    let (report, diags) = vouch::assess(&s, &root, &options);
    assert!(diags.is_empty(), "{diags:?}");
    (
        vouch::report::scan::to_json(&report),
        vouch::report::scan::to_text(&report, dir),
    )
}

#[test]
fn saas_serverless_terraform_scan_report() {
    let (json, text) = scan_report("projects/saas-serverless/terraform");
    insta::assert_snapshot!("saas_serverless_terraform_scan_json", json);
    insta::assert_snapshot!("saas_serverless_terraform_scan_text", text);
}

#[test]
fn saas_serverless_cloudformation_scan_report() {
    let (json, text) = scan_report("projects/saas-serverless/cloudformation");
    insta::assert_snapshot!("saas_serverless_cloudformation_scan_json", json);
    insta::assert_snapshot!("saas_serverless_cloudformation_scan_text", text);
}
