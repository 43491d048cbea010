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

/// Where the scan report locates findings on resources read from plan JSON alone: the plan
/// file's region, with the plan address.
#[test]
fn plan_only_scan_locations() {
    let root = common::fixture("terraform/plan-only");
    let opts = vouch::ScanOptions {
        load: vouch::load::LoadOptions {
            plans: vec![root.join("plan.json")],
            ..Default::default()
        },
        ..Default::default()
    };
    let s = vouch::scan(&root, &opts);
    let (report, _) = vouch::assess(&s, &root, &Default::default());
    let json: serde_json::Value =
        serde_json::from_str(&vouch::report::scan::to_json(&report)).unwrap();
    let mut out = String::new();
    for a in json["assumptions"].as_array().unwrap() {
        for e in a["evidence"].as_array().unwrap() {
            out.push_str(&format!(
                "{}  {}  {}  {}:{}:{}-{}:{}  plan {}\n",
                a["id"].as_str().unwrap(),
                e["resource"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
                e["file"].as_str().unwrap(),
                e["line"],
                e["column"],
                e["end_line"],
                e["end_column"],
                e["plan_address"].as_str().unwrap_or("-"),
            ));
        }
    }
    insta::assert_snapshot!(out);
}
