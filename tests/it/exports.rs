//! The threat-model exports, validated against their published JSON schemas (vendored under
//! `tests/schemas/`, see its README): `--format threat-composer` and `--format otm`.

use crate::common::{fixture, vouch_bin};
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashSet};
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

/// Every project under `fixtures/projects/`, in each language it is written in, with its
/// architecture document when it has one.
fn projects() -> Vec<(String, std::path::PathBuf, Option<std::path::PathBuf>)> {
    let mut dirs: Vec<_> = std::fs::read_dir(fixture("projects"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for d in dirs {
        let doc = d.join("docs/ARCHITECTURE.md");
        for lang in ["terraform", "cloudformation"] {
            if d.join(lang).is_dir() {
                let name = format!("{}-{lang}", d.file_name().unwrap().to_string_lossy());
                out.push((name, d.join(lang), doc.is_file().then(|| doc.clone())));
            }
        }
    }
    out
}

fn otm_of(path: &Path, doc: Option<&Path>) -> Json {
    let mut args = vec!["scan", path.to_str().unwrap(), "--format", "otm"];
    if let Some(d) = doc {
        args.extend(["--doc", d.to_str().unwrap()]);
    }
    export(&args)
}

/// The ids of one top-level list, each once.
fn unique_ids(doc: &Json, list: &str) -> HashSet<String> {
    let items = doc[list].as_array().unwrap();
    let ids: HashSet<String> = items
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), items.len(), "duplicate ids in {list}");
    ids
}

/// The threats on the component named `name`: threat id → (state, mitigation instances).
fn threats_on(doc: &Json, name: &str) -> BTreeMap<String, (String, Vec<(String, String)>)> {
    let c = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no component {name}"));
    c["threats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let ms = t["mitigations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["mitigation"].as_str().unwrap().to_string(),
                        m["state"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            (
                t["threat"].as_str().unwrap().to_string(),
                (t["state"].as_str().unwrap().to_string(), ms),
            )
        })
        .collect()
}

#[test]
fn the_otm_export_of_every_fixture_project_loads_against_its_schema_and_links_what_it_names() {
    let v = schema("otm-0.2.0.schema.json");
    let all = projects();
    assert!(all.len() >= 4, "{all:?}");
    for (name, path, doc) in all {
        let otm = otm_of(&path, doc.as_deref());
        let errs = errors(&v, &otm);
        assert!(errs.is_empty(), "{name}: {errs:#?}");
        assert_eq!(otm["otmVersion"], "0.2.0", "{name}");
        let zones = unique_ids(&otm, "trustZones");
        let components = unique_ids(&otm, "components");
        let threats = unique_ids(&otm, "threats");
        let mitigations = unique_ids(&otm, "mitigations");
        unique_ids(&otm, "dataflows");
        for z in otm["trustZones"].as_array().unwrap() {
            let rating = z["risk"]["trustRating"].as_u64().unwrap();
            assert!(rating <= 100, "{name}: {z}");
            if let Some(p) = z["parent"]["trustZone"].as_str() {
                assert!(zones.contains(p), "{name}: {z}");
            }
        }
        assert!(
            otm["trustZones"]
                .as_array()
                .unwrap()
                .iter()
                .any(|z| z["type"] == "internet" && z["risk"]["trustRating"] == 0),
            "{name}"
        );
        let representations = unique_ids(&otm, "representations");
        for c in otm["components"].as_array().unwrap() {
            let zone = c["parent"]["trustZone"].as_str().unwrap();
            assert!(zones.contains(zone), "{name}: {c}");
            for r in c["representations"].as_array().into_iter().flatten() {
                assert!(
                    representations.contains(r["representation"].as_str().unwrap()),
                    "{name}: {r}"
                );
                // The file is one of the project's, relative to the scanned root.
                assert!(
                    path.join(r["file"].as_str().unwrap()).is_file(),
                    "{name}: {r}"
                );
            }
            for t in c["threats"].as_array().unwrap() {
                assert!(
                    threats.contains(t["threat"].as_str().unwrap()),
                    "{name}: {t}"
                );
                for m in t["mitigations"].as_array().unwrap() {
                    assert!(
                        mitigations.contains(m["mitigation"].as_str().unwrap()),
                        "{name}: {m}"
                    );
                }
            }
        }
        for f in otm["dataflows"].as_array().unwrap() {
            assert!(
                components.contains(f["source"].as_str().unwrap()),
                "{name}: {f}"
            );
            assert!(
                components.contains(f["destination"].as_str().unwrap()),
                "{name}: {f}"
            );
        }
        // Every threat is on some component: the model loses none of the report's threats.
        let placed: HashSet<&str> = otm["components"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["threats"].as_array().unwrap())
            .map(|t| t["threat"].as_str().unwrap())
            .collect();
        for t in &threats {
            assert!(
                placed.contains(t.as_str()),
                "{name}: {t} is on no component"
            );
        }
        // No number vouch has no fact for is invented: likelihood is empty, with its reason.
        for t in otm["threats"].as_array().unwrap() {
            assert!(t["risk"]["likelihood"].is_null(), "{name}: {t}");
            assert!(
                t["risk"]["likelihoodComment"]
                    .as_str()
                    .unwrap()
                    .contains("does not estimate likelihood"),
                "{name}: {t}"
            );
            let impact = t["risk"]["impact"].as_u64().unwrap();
            assert!([25, 50, 75, 100].contains(&impact), "{name}: {t}");
        }
    }
}

#[test]
fn an_otm_threat_the_code_confirms_is_exposed_on_its_component_with_its_missing_control() {
    let root = fixture("projects/saas-serverless");
    let otm = otm_of(
        &root.join("terraform"),
        Some(&root.join("docs/ARCHITECTURE.md")),
    );
    // The user pool's optional MFA (invalid): the threat is on the pool, in the third parties'
    // zone, and the control that would mitigate it is required.
    let pool = threats_on(&otm, "aws_cognito_user_pool.main");
    let (state, ms) = &pool["T-auth.mfa-required"];
    assert_eq!(state, "exposed");
    assert_eq!(
        ms,
        &vec![("M-auth.mfa-required".to_string(), "required".to_string())]
    );
    let pool_zone = otm["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "aws_cognito_user_pool.main")
        .unwrap()["parent"]["trustZone"]
        .clone();
    let zone = otm["trustZones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["id"] == pool_zone)
        .unwrap();
    assert_eq!(zone["type"], "third-party");
    // The pool points at the file and line that declare it, through the code representation.
    let pool = otm["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "aws_cognito_user_pool.main")
        .unwrap();
    assert_eq!(otm["representations"][0]["type"], "code");
    let at = &pool["representations"][0];
    assert_eq!(at["representation"], otm["representations"][0]["id"]);
    assert_eq!(
        (at["file"].as_str(), at["line"].as_u64()),
        (Some("identity.tf"), Some(3))
    );
    // A control the code proves is implemented where it holds: the trail's encryption.
    let trail = threats_on(&otm, "aws_cloudtrail.main");
    let (state, ms) = &trail["T-kms.encryption-at-rest.residual"];
    assert_eq!(state, "mitigated");
    assert_eq!(ms[0].1, "implemented");
    // The threat carries its STRIDE category, its CWE and the severity's impact.
    let t = otm["threats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "T-auth.mfa-required")
        .unwrap();
    assert_eq!(t["categories"], serde_json::json!(["Spoofing"]));
    assert_eq!(t["cwes"], serde_json::json!(["CWE-308"]));
    assert_eq!(t["risk"]["impact"], 75);
    // The data flows are the diagram's: the internet reaches the API.
    assert!(otm["dataflows"].as_array().unwrap().iter().any(|f| {
        f["source"] == "n_internet"
            && f["description"]
                .as_str()
                .unwrap()
                .contains("aws_api_gateway_rest_api.main")
    }));
    // Same tree, same bytes.
    assert_eq!(
        otm,
        otm_of(
            &root.join("terraform"),
            Some(&root.join("docs/ARCHITECTURE.md"))
        )
    );
}

#[test]
fn an_otm_threat_the_team_waived_is_accepted_on_its_component() {
    let otm = otm_of(&fixture("projects/waivers/terraform"), None);
    // The partner pool's MFA is an accepted risk; the audit queue's encryption is suppressed in
    // the code. Both stay in the model, accepted rather than exposed, and the queue's other
    // finding (no customer-managed key) is still exposed.
    assert_eq!(
        threats_on(&otm, "aws_cognito_user_pool.partners")["T-auth.mfa-required"].0,
        "accepted"
    );
    let queue = threats_on(&otm, "aws_sqs_queue.audit");
    assert_eq!(queue["T-kms.encryption-at-rest"].0, "accepted");
    assert_eq!(queue["T-kms.customer-managed-keys"].0, "exposed");
}

#[test]
fn an_otm_schema_violation_is_caught() {
    // The validator is not vacuous: a trust zone without its trust rating fails.
    let v = schema("otm-0.2.0.schema.json");
    let bad = serde_json::json!({
        "otmVersion": "0.2.0",
        "project": {"name": "x", "id": "x"},
        "trustZones": [{"id": "z", "name": "z", "risk": {}}],
    });
    assert!(!errors(&v, &bad).is_empty());
}

#[test]
fn an_otm_export_of_several_systems_keeps_each_systems_items_apart() {
    // `fixtures/projects` is three systems (one per project directory) in one file.
    let otm = otm_of(&fixture("projects"), None);
    let errs = errors(&schema("otm-0.2.0.schema.json"), &otm);
    assert!(errs.is_empty(), "{errs:#?}");
    let all: Vec<String> = [
        "trustZones",
        "components",
        "threats",
        "mitigations",
        "dataflows",
    ]
    .iter()
    .flat_map(|k| unique_ids(&otm, k))
    .collect();
    assert_eq!(all.len(), all.iter().collect::<HashSet<_>>().len());
    let systems: Vec<&str> = otm["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "system")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        systems,
        ["saas-serverless", "web-tier", "live-account", "waivers"]
    );
    // Each system has its own internet zone, and its components name their system.
    let internets = otm["trustZones"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|z| z["type"] == "internet")
        .count();
    assert_eq!(internets, systems.len());
    let pool = otm["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "aws_cognito_user_pool.partners")
        .unwrap();
    assert!(pool["tags"].as_array().unwrap().contains(&"waivers".into()));
}
