//! SARIF, Markdown and JUnit: the reports a pre-merge check publishes. The SARIF structure of the
//! example project, exact regions, fingerprints that survive unrelated edits, GitHub's limits,
//! and snapshots of the Markdown and JUnit renderings.

use crate::common;
use common::{fixture, vouch_bin};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use vouch::report::alerts::RepoContext;
use vouch::report::sarif;

/// The example's Terraform with its document, assessed as `vouch scan` does.
fn report(dir: &str) -> vouch::reconcile::Report {
    let root = fixture(dir);
    let doc = fixture("projects/saas-serverless/docs/ARCHITECTURE.md");
    let s = vouch::scan(&root, &Default::default());
    let options = vouch::AssessOptions {
        docs: vec![doc],
        ..Default::default()
    };
    let (report, diags) = vouch::assess(&s, &root, &options);
    assert!(diags.is_empty(), "{diags:?}");
    report
}

fn repo(prefix: &str) -> RepoContext {
    RepoContext {
        prefix: prefix.into(),
        ..Default::default()
    }
}

fn sarif_of(report: &vouch::reconcile::Report, prefix: &str, questions: bool) -> Json {
    let options = sarif::Options {
        repo: repo(prefix),
        questions,
        ..Default::default()
    };
    let r = sarif::render(report, &options);
    assert!(r.cut.is_none());
    serde_json::from_str(&r.text).unwrap()
}

/// The part of a SARIF log a reviewer checks: the rules' metadata and every result's rule,
/// level, location and fingerprint.
fn structure(log: &Json) -> Json {
    let run = &log["runs"][0];
    let rules: Vec<Json> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r["id"],
                "level": r["defaultConfiguration"]["level"],
                "security-severity": r["properties"]["security-severity"],
                "tags": r["properties"]["tags"],
                "has_help_markdown": r["help"]["markdown"].as_str().is_some_and(|m| m.contains("**How to fix.**")),
            })
        })
        .collect();
    let results: Vec<Json> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            let reg = &loc["region"];
            serde_json::json!({
                "rule": r["ruleId"],
                "level": r["level"],
                "at": format!(
                    "{}:{}:{}-{}:{}",
                    loc["artifactLocation"]["uri"].as_str().unwrap_or(""),
                    reg["startLine"], reg["startColumn"], reg["endLine"], reg["endColumn"]
                ),
                "fingerprint": r["partialFingerprints"][sarif::FINGERPRINT_KEY],
                "related": r["relatedLocations"].as_array().map_or(0, Vec::len),
            })
        })
        .collect();
    serde_json::json!({
        "version": log["version"],
        "$schema": log["$schema"],
        "driver": run["tool"]["driver"]["name"],
        "category": run["automationDetails"]["id"],
        "base": run["originalUriBaseIds"],
        "columnKind": run["columnKind"],
        "rules": rules,
        "results": results,
    })
}

#[test]
fn sarif_structure_of_the_example_terraform() {
    let rep = report("projects/saas-serverless/terraform");
    let log = sarif_of(&rep, "fixtures/projects/saas-serverless/terraform", true);
    let run = &log["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["version"],
        env!("CARGO_PKG_VERSION"),
        "the tool's version"
    );
    assert_eq!(
        run["tool"]["driver"]["semanticVersion"],
        env!("CARGO_PKG_VERSION")
    );
    insta::assert_json_snapshot!(structure(&log));
}

#[test]
fn every_failing_subject_is_a_result_at_its_exact_region() {
    let rep = report("projects/saas-serverless/terraform");
    let log = sarif_of(&rep, "infra", false);
    let results = log["runs"][0]["results"].as_array().unwrap();
    // The report's failing evidence, as (rule, repository path, region), computed independently.
    let mut expected = Vec::new();
    for a in &rep.assumptions {
        if !matches!(
            a.status,
            vouch::assumptions::Status::Invalid | vouch::assumptions::Status::Contradicted
        ) {
            continue;
        }
        for e in &a.evidence {
            if e.outcome != vouch::reconcile::Verdict::Fail {
                continue;
            }
            let r = e.place.0.as_ref().unwrap().region().unwrap();
            expected.push((
                a.id.clone(),
                format!("infra/{}", r.file),
                (r.line, r.column, r.end_line, r.end_column),
            ));
        }
    }
    assert!(expected.len() > 10, "the example fails many subjects");
    let mut got: Vec<_> = results
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            let reg = &loc["region"];
            let n = |k: &str| reg[k].as_u64().unwrap() as u32;
            assert_eq!(loc["artifactLocation"]["uriBaseId"], sarif::SRCROOT);
            (
                r["ruleId"].as_str().unwrap().to_string(),
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                (
                    n("startLine"),
                    n("startColumn"),
                    n("endLine"),
                    n("endColumn"),
                ),
            )
        })
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    // One by hand: `authorization = "NONE"` of the health method.
    assert!(got.contains(&(
        "auth.api-authorizer".into(),
        "infra/api.tf".into(),
        (88, 3, 88, 25)
    )));
    // A finding inside a local module is at the module's file.
    assert!(got
        .iter()
        .any(|(_, uri, _)| uri == "infra/modules/lambda-function/main.tf"));
    // A contradiction points at the document's sentence too.
    let contradicted = results
        .iter()
        .find(|r| r["ruleId"] == "auth.mfa-required")
        .unwrap();
    let related = contradicted["relatedLocations"].as_array().unwrap();
    assert!(related.iter().any(|l| {
        l["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("docs/ARCHITECTURE.md")
            && l["physicalLocation"]["region"]["startLine"] == 62
    }));
}

#[test]
fn open_questions_are_notes_at_their_resource_unless_left_out() {
    let rep = report("projects/saas-serverless/terraform");
    assert!(!rep.questions.is_empty());
    let with = sarif_of(&rep, "", true);
    let notes: Vec<&Json> = with["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["properties"]["kind"] == "question")
        .collect();
    assert_eq!(notes.len(), rep.questions.len());
    for (n, q) in notes.iter().zip(&rep.questions) {
        assert_eq!(n["level"], "note");
        assert_eq!(n["properties"]["question"], q.id.as_str());
        let r = q.resources[0].origin.region().unwrap();
        let loc = &n["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], r.file.as_str());
        assert_eq!(loc["region"]["startLine"], r.line);
    }
    let without = sarif_of(&rep, "", false);
    assert!(without["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["properties"]["kind"] == "finding"));
}

#[test]
fn githubs_limits_keep_the_most_severe_results_and_say_so() {
    let rep = report("projects/saas-serverless/terraform");
    let options = sarif::Options {
        questions: true,
        ..Default::default()
    };
    let full = sarif::render(&rep, &options);
    let total = serde_json::from_str::<Json>(&full.text).unwrap()["runs"][0]["results"]
        .as_array()
        .unwrap()
        .len();
    let cut = sarif::render_within(&rep, &options, 3, sarif::MAX_GZIPPED_BYTES);
    let c = cut.cut.as_ref().expect("a cut is reported");
    assert_eq!((c.kept, c.total), (3, total));
    assert!(c.to_string().contains("3 of"), "{c}");
    let log: Json = serde_json::from_str(&cut.text).unwrap();
    let kept = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(kept.len(), 3);
    assert!(kept
        .iter()
        .all(|r| r["properties"]["severity"] == "high" && r["level"] == "error"));
    // A size limit between the empty log's and the whole log's keeps a prefix that fits.
    let empty = sarif::render_within(&rep, &options, 0, usize::MAX);
    let (lo, hi) = (
        sarif::gzipped_len(&empty.text),
        sarif::gzipped_len(&full.text),
    );
    let limit = (lo + hi) / 2;
    let small = sarif::render_within(&rep, &options, usize::MAX, limit);
    let c = small.cut.as_ref().expect("a cut is reported");
    assert!(c.kept < c.total && c.kept > 0, "{c:?}");
    assert!(sarif::gzipped_len(&small.text) <= limit);
    assert!(c.to_string().contains("gzipped"), "{c}");
}

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_tree(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn run_sarif(dir: &Path) -> String {
    let out = Command::new(vouch_bin())
        .args(["scan", dir.to_str().unwrap(), "--format", "sarif"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// fingerprint → (uri, start line), for every result.
fn fingerprints(text: &str) -> BTreeMap<String, (String, u64)> {
    let log: Json = serde_json::from_str(text).unwrap();
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["partialFingerprints"][sarif::FINGERPRINT_KEY]
                    .as_str()
                    .unwrap()
                    .to_string(),
                (
                    loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                    loc["region"]["startLine"].as_u64().unwrap_or(0),
                ),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_unrelated_edits_while_the_region_moves() {
    let d = tempfile::tempdir().unwrap();
    copy_tree(&fixture("projects/saas-serverless/terraform"), d.path());
    let before_text = run_sarif(d.path());
    assert_eq!(
        before_text,
        run_sarif(d.path()),
        "the same tree, the same bytes"
    );
    let before = fingerprints(&before_text);
    assert!(before
        .values()
        .any(|(uri, line)| uri == "api.tf" && *line == 88));
    // Unrelated lines above the finding.
    let api = d.path().join("api.tf");
    let text = std::fs::read_to_string(&api).unwrap();
    std::fs::write(
        &api,
        format!("# Owned by the platform team.\n# Reviewed quarterly.\n\nlocals {{\n  unrelated = 1\n}}\n\n{text}"),
    )
    .unwrap();
    let after = fingerprints(&run_sarif(d.path()));
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "the same alerts, by fingerprint"
    );
    let mut moved = 0;
    for (fp, (uri, line)) in &before {
        let (uri2, line2) = &after[fp];
        assert_eq!(uri, uri2);
        if uri == "api.tf" {
            assert_eq!(*line2, line + 7, "{fp} moved with its file");
            moved += 1;
        } else {
            assert_eq!(line, line2);
        }
    }
    assert!(moved > 0);
    // A real change of the subject is a new alert: another failing route.
    std::fs::write(
        d.path().join("extra.tf"),
        "resource \"aws_api_gateway_method\" \"status_get\" {\n  rest_api_id   = aws_api_gateway_rest_api.main.id\n  resource_id   = aws_api_gateway_rest_api.main.root_resource_id\n  http_method   = \"PATCH\"\n  authorization = \"NONE\"\n}\n",
    )
    .unwrap();
    let extended = fingerprints(&run_sarif(d.path()));
    let new: Vec<_> = extended
        .iter()
        .filter(|(fp, _)| !after.contains_key(*fp))
        .collect();
    assert!(
        new.iter().any(|(_, (uri, _))| uri == "extra.tf"),
        "the new route is a new alert: {new:?}"
    );
    assert!(after.keys().all(|fp| extended.contains_key(fp)));
}

#[test]
fn sarif_file_is_written_beside_the_text_report() {
    let d = tempfile::tempdir().unwrap();
    copy_tree(
        &fixture("assumptions/auth.mfa-required/invalid-optional/terraform"),
        d.path(),
    );
    let file = d.path().join("out.sarif");
    let out = Command::new(vouch_bin())
        .args(["scan", d.path().to_str().unwrap(), "--sarif"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("vouch scan "), "{text}");
    let log: Json = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "auth.mfa-required"
        && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 4));
}

#[test]
fn markdown_report_of_the_example_terraform() {
    let rep = report("projects/saas-serverless/terraform");
    let alerts = vouch::report::alerts::alerts(&rep, &repo(""));
    let md = vouch::report::markdown::render(&rep, &alerts, None, "terraform");
    assert!(md.contains("- [ ] `q-"), "questions are a checklist");
    assert!(md.contains("<details><summary>Suggestions for the architecture document"));
    insta::assert_snapshot!(md);
}

#[test]
fn junit_report_of_the_example_terraform() {
    let rep = report("projects/saas-serverless/terraform");
    let xml = vouch::report::junit::render(&rep);
    assert_eq!(
        xml.matches("<testcase ").count(),
        rep.assumptions.len(),
        "one test case per assumption"
    );
    let failing = rep
        .assumptions
        .iter()
        .filter(|a| {
            matches!(
                a.status,
                vouch::assumptions::Status::Invalid | vouch::assumptions::Status::Contradicted
            )
        })
        .count();
    assert_eq!(xml.matches("<failure ").count(), failing);
    assert!(xml.contains(&format!("failures=\"{failing}\"")));
    insta::assert_snapshot!(xml);
}

/// GitHub refuses a whole upload when one result has no file: every result of every assumption
/// fixture (findings and questions, including account-level questions about a whole deployment)
/// names a file of the scanned tree.
#[test]
fn every_result_of_every_assumption_fixture_names_a_file() {
    let mut checked = 0;
    let mut anchored = 0;
    for rule in common::assumption_rule_dirs() {
        for case in std::fs::read_dir(rule).unwrap().flatten() {
            for language in ["terraform", "cloudformation"] {
                let dir = case.path().join(language);
                if !dir.is_dir() {
                    continue;
                }
                let s = vouch::scan(&dir, &Default::default());
                let (rep, _) = vouch::assess(&s, &dir, &Default::default());
                let options = sarif::Options {
                    repo: RepoContext::default().with_unit_files(&s),
                    questions: true,
                    ..Default::default()
                };
                let log: Json = serde_json::from_str(&sarif::render(&rep, &options).text).unwrap();
                for r in log["runs"][0]["results"].as_array().unwrap() {
                    let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap_or_else(|| {
                            panic!("{}: a result without a file: {r}", dir.display())
                        });
                    assert!(
                        dir.join(uri).is_file(),
                        "{}: {uri} is not a file of the tree",
                        dir.display()
                    );
                    if r["locations"][0]["logicalLocations"][0]["kind"] == "deployment" {
                        anchored += 1;
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "{checked}");
    assert!(
        anchored > 0,
        "account-level questions are shown at a file of their deployment"
    );
}

/// A finding inside module code `terraform init` fetched (not the repository's) is shown at the
/// `module` block that calls it, with the place in the module's code as a related location.
#[test]
fn a_finding_in_a_fetched_module_is_at_the_calling_module_block() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    std::fs::write(
        root.join("main.tf"),
        "# Users of the app.\nmodule \"users\" {\n  source  = \"example/user-pool/aws\"\n  version = \"1.0.0\"\n}\n",
    )
    .unwrap();
    let fetched = root.join(".terraform/modules/users");
    std::fs::create_dir_all(&fetched).unwrap();
    std::fs::write(
        root.join(".terraform/modules/modules.json"),
        r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"users","Source":"registry.terraform.io/example/user-pool/aws","Version":"1.0.0","Dir":".terraform/modules/users"}]}"#,
    )
    .unwrap();
    std::fs::write(
        fetched.join("main.tf"),
        "resource \"aws_cognito_user_pool\" \"this\" {\n  name              = \"users\"\n  mfa_configuration = \"OPTIONAL\"\n}\n",
    )
    .unwrap();
    let out = Command::new(vouch_bin())
        .args([
            "scan",
            root.to_str().unwrap(),
            "--only",
            "auth.mfa-required",
            "--format",
            "sarif",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: Json = serde_json::from_slice(&out.stdout).unwrap();
    let r = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "auth.mfa-required" && r["properties"]["kind"] == "finding")
        .expect("the finding");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "main.tf");
    assert_eq!(loc["region"]["startLine"], 2, "the module block");
    assert_eq!(
        r["properties"]["subject"],
        "module.users.aws_cognito_user_pool.this"
    );
    let related = r["relatedLocations"].as_array().unwrap();
    assert_eq!(
        related[0]["physicalLocation"]["artifactLocation"]["uri"],
        ".terraform/modules/users/main.tf"
    );
    assert_eq!(related[0]["physicalLocation"]["region"]["startLine"], 3);
}

#[test]
fn a_tree_of_systems_is_one_run_whose_results_name_their_system() {
    let d = tempfile::tempdir().unwrap();
    for name in ["billing", "media"] {
        let dir = d.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("README.md"), format!("# {name}\n")).unwrap();
        std::fs::write(
            dir.join("main.tf"),
            format!(
                "resource \"aws_sqs_queue\" \"{name}\" {{\n  name                    = \"{name}\"\n  sqs_managed_sse_enabled = false\n}}\n"
            ),
        )
        .unwrap();
    }
    let log: Json = serde_json::from_str(&run_sarif(d.path())).unwrap();
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let mut by_system: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in runs[0]["results"].as_array().unwrap() {
        let system = r["properties"]["system"]
            .as_str()
            .unwrap_or_else(|| panic!("a result without its system: {r:#}"));
        let subject = r["properties"]["subject"].as_str().unwrap().to_string();
        by_system.entry(system.into()).or_default().push(subject);
    }
    assert!(by_system["billing"].contains(&"aws_sqs_queue.billing".to_string()));
    assert!(by_system["media"].contains(&"aws_sqs_queue.media".to_string()));
    assert!(!by_system["billing"].contains(&"aws_sqs_queue.media".to_string()));
}

#[test]
fn the_waivers_project_gives_suppressed_results_of_both_kinds() {
    // The fixture scripts/validate-sarif-fixtures also runs through the SARIF validator.
    let log: Json =
        serde_json::from_str(&run_sarif(&fixture("projects/waivers/terraform"))).unwrap();
    let suppressed: BTreeMap<String, String> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let kind = r["suppressions"][0]["kind"].as_str()?;
            Some((r["ruleId"].as_str().unwrap().to_string(), kind.to_string()))
        })
        .collect();
    assert_eq!(
        suppressed.get("auth.mfa-required").map(String::as_str),
        Some("external")
    );
    assert_eq!(
        suppressed.get("kms.encryption-at-rest").map(String::as_str),
        Some("inSource")
    );
    // What is not waived is not suppressed.
    assert!(
        !suppressed.contains_key("kms.customer-managed-keys"),
        "{suppressed:?}"
    );
}

/// A local module that two roots call is one piece of code: its failing resource is one result
/// at the module's line, naming both deployments, not one result per root at the same place.
/// Each root's open questions stay its own.
#[test]
fn a_finding_in_a_module_two_roots_call_is_one_result() {
    let d = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = d.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "modules/queue/main.tf",
        "resource \"aws_sqs_queue\" \"q\" {\n  name                    = \"q\"\n  sqs_managed_sse_enabled = false\n}\n",
    );
    for root in ["staging", "production"] {
        write(
            &format!("{root}/main.tf"),
            "module \"queue\" {\n  source = \"../modules/queue\"\n}\n",
        );
    }
    let log: Json = serde_json::from_str(&run_sarif(d.path())).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let at_rest: Vec<&Json> = results
        .iter()
        .filter(|r| r["ruleId"] == "kms.encryption-at-rest")
        .collect();
    assert_eq!(at_rest.len(), 1, "{at_rest:#?}");
    let loc = &at_rest[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "modules/queue/main.tf");
    assert_eq!(loc["region"]["startLine"], 3);
    let text = at_rest[0]["message"]["text"].as_str().unwrap();
    assert!(
        text.contains("`production`") && text.contains("`staging`"),
        "{text}"
    );
    let questions: Vec<&Json> = results.iter().filter(|r| r["level"] == "note").collect();
    let per_root = |root: &str| {
        questions
            .iter()
            .filter(|q| q["message"]["text"].as_str().unwrap().contains(root))
            .count()
    };
    assert_eq!(per_root("staging"), per_root("production"));
}
