//! The threat-model exports, validated against their published JSON schemas (vendored under
//! `tests/schemas/`, see its README): `--format threat-composer`.

use crate::common::vouch_bin;
use serde_json::Value as Json;
use std::path::Path;
use std::process::Command;

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/schemas")
        .join(name);
    let schema: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn export(args: &[&str]) -> Json {
    let out = Command::new(vouch_bin()).args(args).output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn errors(v: &jsonschema::Validator, doc: &Json) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_threat_composer_export_of_the_example_loads_against_its_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects/saas-serverless");
    let doc = export(&[
        "scan",
        root.join("terraform").to_str().unwrap(),
        "--doc",
        root.join("docs/ARCHITECTURE.md").to_str().unwrap(),
        "--format",
        "threat-composer",
    ]);
    let v = schema("threat-composer-v1.schema.json");
    let errs = errors(&v, &doc);
    assert!(errs.is_empty(), "{errs:#?}");
    // The model is there, and linked: every link names items of the file.
    let ids = |k: &str| -> std::collections::HashSet<String> {
        doc[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (assumptions, threats, mitigations) =
        (ids("assumptions"), ids("threats"), ids("mitigations"));
    assert!(
        assumptions.len() > 10 && !threats.is_empty() && mitigations.len() == assumptions.len()
    );
    for l in doc["assumptionLinks"].as_array().unwrap() {
        assert!(assumptions.contains(l["assumptionId"].as_str().unwrap()));
        let to = l["linkedId"].as_str().unwrap();
        assert!(threats.contains(to) || mitigations.contains(to), "{l}");
    }
    for l in doc["mitigationLinks"].as_array().unwrap() {
        assert!(mitigations.contains(l["mitigationId"].as_str().unwrap()));
        assert!(threats.contains(l["linkedId"].as_str().unwrap()));
    }
    assert!(doc["mitigationLinks"].as_array().unwrap().len() >= threats.len());
    // What the code proves false is an identified (not resolved) mitigation.
    let mfa = doc["mitigations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["tags"][0] == "auth.mfa-required")
        .unwrap();
    assert_eq!(mfa["status"], "mitigationIdentified");
}

#[test]
fn a_schema_violation_is_caught() {
    // The validator is not vacuous: a threat without its numeric id fails.
    let v = schema("threat-composer-v1.schema.json");
    let bad = serde_json::json!({"schema": 1, "threats": [{"id": "x"}]});
    assert!(!errors(&v, &bad).is_empty());
}
