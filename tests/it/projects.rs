//! The example project, written twice: its Terraform and its CloudFormation/SAM must describe
//! the same system to vouch.

use crate::common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use vouch::model::FACET_OF;

/// Resources per normalized kind, configuration resources folded into their parents. The
/// nested stack resource is structure, not infrastructure.
fn kinds(s: &vouch::Scan) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for r in &s.model.resources {
        if r.facet.is_none() && r.kind.as_str() != "cloudformation.stack" {
            *out.entry(r.kind.as_str()).or_insert(0) += 1;
        }
    }
    out
}

/// (from kind, label, to kind) of every reference, with facets folded into their parents.
fn triples(s: &vouch::Scan) -> BTreeSet<(&'static str, String, &'static str)> {
    let m = &s.model;
    m.edges
        .iter()
        .filter(|e| e.label != FACET_OF)
        .filter_map(|e| {
            let (a, b) = (m.owner(e.from), m.owner(e.to));
            (a != b).then(|| {
                (
                    m.resources[a].kind.as_str(),
                    e.label.to_string(),
                    m.resources[b].kind.as_str(),
                )
            })
        })
        .filter(|(a, _, b)| *a != "cloudformation.stack" && *b != "cloudformation.stack")
        .collect()
}

#[test]
fn terraform_and_cloudformation_inventory_to_the_same_system() {
    let tf = scan("projects/saas-serverless/terraform");
    let cf = scan("projects/saas-serverless/cloudformation");
    assert!(tf.diagnostics.is_empty(), "{:?}", tf.diagnostics);
    assert!(cf.diagnostics.is_empty(), "{:?}", cf.diagnostics);
    assert_eq!(kinds(&tf), kinds(&cf));
    let (a, b) = (triples(&tf), triples(&cf));
    let only_tf: Vec<_> = a.difference(&b).collect();
    let only_cf: Vec<_> = b.difference(&a).collect();
    assert!(
        only_tf.is_empty() && only_cf.is_empty(),
        "only in Terraform: {only_tf:#?}\nonly in CloudFormation: {only_cf:#?}"
    );
    // The system has the parts the fixture describes.
    let k = kinds(&tf);
    assert_eq!(k["lambda.function"], 5);
    assert_eq!(k["iam.role"], 5);
    assert_eq!(k["s3.bucket"], 3);
    assert_eq!(k["dynamodb.table"], 2);
    assert_eq!(k["kms.key"], 2);
    // Every function runs as a role of its own.
    let runs_as: Vec<_> = tf
        .model
        .edges
        .iter()
        .filter(|e| e.label == vouch::model::Label::RunsAs)
        .map(|e| e.to)
        .collect();
    let distinct: BTreeSet<_> = runs_as.iter().collect();
    assert_eq!((runs_as.len(), distinct.len()), (5, 5));
}

#[test]
fn the_example_scans_with_the_values_its_variables_give() {
    let tf = scan("projects/saas-serverless/terraform");
    // The one variable without a default is the security account, and it is reported where used.
    let unresolved = tf.model.unresolved();
    assert!(
        unresolved
            .iter()
            .any(|u| u.unknown.detail == "var.security_account_id"
                && u.resource == "aws_kms_key.logs")
    );
    let cf = scan("projects/saas-serverless/cloudformation");
    let unresolved = cf.model.unresolved();
    assert!(
        unresolved
            .iter()
            .any(|u| u.unknown.detail.contains("SecurityAccountId")),
        "{unresolved:#?}"
    );
}
