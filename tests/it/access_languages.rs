//! `vouch access` gives the same answers for the example project's two languages: for each
//! compute resource, the same kinds of resources at the same access levels.

use crate::common;
use common::*;
use std::collections::BTreeMap;
use vouch::iam::access::Access;

/// `aws_lambda_function.function["admin"]` → `admin`; `module.llm_analysis.….this` →
/// `llmanalysis`; `LlmAnalysis` → `llmanalysis`.
fn compute_name(address: &str) -> String {
    let mut name = address.rsplit('.').next().unwrap_or(address).to_string();
    if name == "this" {
        name = address.split('.').nth(1).unwrap_or("").to_string();
    }
    if let Some(start) = name.find("[\"") {
        name = name[start + 2..].trim_end_matches("\"]").to_string();
    }
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn answers(dir: &str) -> BTreeMap<(String, &'static str, String), usize> {
    let s = scan(dir);
    let access = Access::compute(&s.model);
    let rows = vouch::report::access::rows(&s, &access, &Default::default());
    let mut out = BTreeMap::new();
    for r in rows {
        // Rows of principals no compute runs as (there are none in the example) are skipped.
        for c in &r.used_by {
            let levels = r
                .levels
                .iter()
                .map(|l| format!("{l:?}"))
                .collect::<Vec<_>>()
                .join("+");
            *out.entry((
                compute_name(c),
                r.kind.as_str(),
                format!("{levels}{}", if r.delete { "+delete" } else { "" }),
            ))
            .or_insert(0) += 1;
        }
    }
    out
}

#[test]
fn terraform_and_cloudformation_give_the_same_access() {
    let tf = answers("projects/saas-serverless/terraform");
    let cf = answers("projects/saas-serverless/cloudformation");
    let only_tf: Vec<_> = tf.iter().filter(|(k, v)| cf.get(*k) != Some(*v)).collect();
    let only_cf: Vec<_> = cf.iter().filter(|(k, v)| tf.get(*k) != Some(*v)).collect();
    assert!(
        only_tf.is_empty() && only_cf.is_empty(),
        "Terraform: {only_tf:#?}\nCloudFormation: {only_cf:#?}"
    );
    assert!(tf
        .keys()
        .any(|(c, k, _)| c == "admin" && *k == "dynamodb.table"));
}

#[test]
fn terraform_and_cloudformation_give_the_same_paths() {
    let shape = |dir: &str| {
        let s = scan(dir);
        let access = Access::compute(&s.model);
        let mut out: Vec<(&'static str, usize)> = vouch::report::paths::paths(&s, &access)
            .into_iter()
            .map(|p| (p.kind, p.steps.len()))
            .collect();
        out.sort();
        out
    };
    let tf = shape("projects/saas-serverless/terraform");
    assert_eq!(tf, shape("projects/saas-serverless/cloudformation"));
    assert!(tf.iter().any(|(k, _)| *k == "open-ingress"));
    assert!(tf.iter().any(|(k, _)| *k == "unauthenticated-route"));
}
