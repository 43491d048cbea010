//! The table-driven test of the assumption catalog: every case under
//! `fixtures/assumptions/<assumption>/<status>[-what]/` holds the same situation written in
//! Terraform (`terraform/`) and CloudFormation (`cloudformation/`), with an optional
//! architecture document (`doc.md`) and answers file (`answers.yaml`). A case whose code is a
//! sibling's (a `contradicted` case is an `invalid` tree plus a document) holds a file `tree`
//! naming that sibling instead of a copy. Each language must give the status the case's
//! directory names, and every rule must reach exactly the statuses its file declares.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use vouch::assumptions::{catalog, Status};

struct Case {
    rule: String,
    name: String,
    expect: Status,
    dir: PathBuf,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for rule in crate::common::assumption_rule_dirs() {
        for case in std::fs::read_dir(&rule).unwrap().flatten() {
            if !case.path().is_dir() {
                continue;
            }
            let name = case.file_name().to_string_lossy().into_owned();
            let status = name.split('-').next().unwrap();
            let expect = Status::parse(status)
                .unwrap_or_else(|| panic!("{}: `{status}` is not a status", case.path().display()));
            out.push(Case {
                rule: rule.file_name().unwrap().to_string_lossy().into_owned(),
                name,
                expect,
                dir: case.path(),
            });
        }
    }
    out.sort_by(|a, b| (&a.rule, &a.name).cmp(&(&b.rule, &b.name)));
    out
}

/// Where a case's code is: its own directories, or those of the sibling its `tree` file names.
fn code_dir(case: &Case) -> PathBuf {
    match std::fs::read_to_string(case.dir.join("tree")) {
        Ok(sibling) => {
            let dir = case.dir.parent().unwrap().join(sibling.trim());
            assert!(
                dir.is_dir() && !dir.join("tree").exists(),
                "{}: `tree` must name a sibling case with its own code",
                case.dir.display()
            );
            dir
        }
        Err(_) => case.dir.clone(),
    }
}

/// A location as the evidence snapshots show it: `file:line:column-end_line:end_column`.
fn place(v: &serde_json::Value) -> String {
    let n = |k: &str| v[k].as_u64().unwrap_or(0);
    let mut s = format!(
        "{}:{}:{}-{}:{}",
        v["file"].as_str().unwrap_or(""),
        n("line"),
        n("column"),
        n("end_line"),
        n("end_column")
    );
    if let Some(a) = v["plan_address"].as_str() {
        s.push_str(&format!(" (plan {a})"));
    }
    s
}

/// The evidence of one case in one language, one line per entry (resource, outcome, place),
/// with its related locations indented below, as the JSON report gives them.
fn evidence_lines(assumption: &serde_json::Value) -> String {
    let mut out = String::new();
    for e in assumption["evidence"].as_array().into_iter().flatten() {
        let resource = e["resource"].as_str().unwrap_or("");
        let shown = if resource.is_empty() {
            format!("(deployment {})", e["unit"].as_str().unwrap_or(""))
        } else {
            resource.to_string()
        };
        out.push_str(&format!(
            "{shown}  {}  {}\n",
            e["outcome"].as_str().unwrap_or(""),
            place(e)
        ));
        for r in e["related"].as_array().into_iter().flatten() {
            out.push_str(&format!("    related {}\n", place(r)));
        }
    }
    out
}

fn status_of(case: &Case, language: &str) -> (Status, String) {
    let tree = code_dir(case).join(language);
    let scan = vouch::scan(&tree, &Default::default());
    let doc = case.dir.join("doc.md");
    let answers = case.dir.join("answers.yaml");
    let options = vouch::AssessOptions {
        docs: if doc.exists() { vec![doc] } else { Vec::new() },
        answers: answers.exists().then_some(answers),
        only: vec![case.rule.clone()],
        ..Default::default()
    };
    let (report, diags) = vouch::assess(&scan, &tree, &options);
    // A case whose code is itself a defect the scan warns about names the diagnostic codes it
    // expects in a file `diagnostics`, one a line; every other case reads without any.
    let expected: Vec<String> = std::fs::read_to_string(case.dir.join("diagnostics"))
        .map(|t| {
            t.lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let found: Vec<String> = scan
        .diagnostics
        .iter()
        .map(|d| d.code.to_string())
        .collect();
    assert!(
        found == expected && diags.is_empty(),
        "{}/{}/{language}: {:?} {:?}",
        case.rule,
        case.name,
        scan.diagnostics,
        diags
    );
    let a = &report.assumptions[0];
    (a.status, serde_json::to_string_pretty(a).unwrap())
}

#[test]
fn every_case_reaches_its_status_in_both_languages() {
    let filter = std::env::var("VOUCH_CASE").unwrap_or_default();
    let mut failures = Vec::new();
    let mut ran = 0;
    // The evidence of every case, by rule: snapshotted, so that a finding on the wrong
    // resource, line or column fails even when the status is right.
    let mut evidence: BTreeMap<String, String> = BTreeMap::new();
    for case in cases() {
        if !format!("{}/{}", case.rule, case.name).contains(&filter) {
            continue;
        }
        for language in ["terraform", "cloudformation"] {
            if !code_dir(&case).join(language).is_dir() {
                failures.push(format!(
                    "{}/{}: no {language}/ version",
                    case.rule, case.name
                ));
                continue;
            }
            ran += 1;
            let (got, detail) = status_of(&case, language);
            let json: serde_json::Value = serde_json::from_str(&detail).unwrap();
            let text = evidence.entry(case.rule.clone()).or_default();
            text.push_str(&format!(
                "## {}/{language}: {}\n{}\n",
                case.name,
                got.name(),
                evidence_lines(&json)
            ));
            if got != case.expect {
                failures.push(format!(
                    "{}/{}/{language}: expected {}, got {}\n{detail}",
                    case.rule,
                    case.name,
                    case.expect.name(),
                    got.name()
                ));
            }
        }
    }
    assert!(ran > 0 || !filter.is_empty(), "no cases found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // A filtered run sees only part of a rule's cases: its snapshots would not match.
    if filter.is_empty() {
        let mismatched: Vec<String> = evidence
            .into_iter()
            .filter(|(rule, text)| {
                std::panic::catch_unwind(|| {
                    insta::with_settings!({ prepend_module_to_snapshot => false, snapshot_path => "snapshots/assumptions" }, {
                        insta::assert_snapshot!(rule.as_str(), text);
                    });
                })
                .is_err()
            })
            .map(|(rule, _)| rule)
            .collect();
        assert!(
            mismatched.is_empty(),
            "evidence differs from its snapshot for: {}",
            mismatched.join(", ")
        );
    }
}

#[test]
fn every_rule_reaches_exactly_its_declared_statuses() {
    let mut reached: BTreeMap<String, BTreeSet<Status>> = BTreeMap::new();
    for case in cases() {
        reached
            .entry(case.rule.clone())
            .or_default()
            .insert(case.expect);
    }
    let mut problems = Vec::new();
    for rule in catalog() {
        let declared: BTreeSet<Status> = rule.reaches.iter().copied().collect();
        let got = reached.remove(&rule.id).unwrap_or_default();
        if got != declared {
            problems.push(format!(
                "{}: declares {:?}, fixtures reach {:?}",
                rule.id,
                declared.iter().map(|s| s.name()).collect::<Vec<_>>(),
                got.iter().map(|s| s.name()).collect::<Vec<_>>()
            ));
        }
        for must in [
            Status::Verified,
            Status::Invalid,
            Status::NeedsClarification,
        ] {
            if !declared.contains(&must) && !rule.docs.what_it_checks.contains(must.name()) {
                problems.push(format!(
                    "{}: cannot reach {}; its documentation must say why",
                    rule.id,
                    must.name()
                ));
            }
        }
    }
    for rule in reached.keys() {
        problems.push(format!("fixtures/assumptions/{rule}: no such rule"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_catalog_loads_and_names_only_known_checks() {
    let rules = vouch::assumptions::load().unwrap_or_else(|e| {
        panic!(
            "{}",
            e.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert!(!rules.is_empty());
    for check in vouch::checks::registry() {
        assert!(
            rules
                .iter()
                .any(|r| r.checks.iter().any(|c| c.check == check.name)),
            "check `{}` is used by no rule",
            check.name
        );
    }
}

#[test]
fn a_rule_file_with_an_unknown_field_is_rejected() {
    let (name, text) = (
        "auth.mfa-required.yaml",
        include_str!("../../rules/assumptions/auth.mfa-required.yaml"),
    );
    assert!(vouch::assumptions::parse(name, text).is_ok());
    let bad = format!("{text}\nseverity: high\n");
    let err = vouch::assumptions::parse(name, &bad).unwrap_err();
    assert!(err.message.contains("unknown field"), "{err}");
    let renamed = text.replace("check: cognito.mfa-required", "check: cognito.mfa-requird");
    let err = vouch::assumptions::parse(name, &renamed).unwrap_err();
    assert!(err.message.contains("unknown check"), "{err}");
    let err = vouch::assumptions::parse("other.yaml", text).unwrap_err();
    assert!(err.message.contains("named"), "{err}");
}

/// A system with no sign of tenancy gets the tenancy assumptions as `not_applicable` with that
/// reason; a document that speaks of tenants brings the question back.
#[test]
fn tenancy_assumptions_need_a_sign_of_tenancy() {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/assumptions/tenant.data-isolation/not_applicable-single-tenant/terraform");
    let scan = vouch::scan(&tree, &Default::default());
    let status = |docs: Vec<PathBuf>| {
        let options = vouch::AssessOptions {
            docs,
            answers: None,
            only: vec!["tenant.data-isolation".into()],
            ..Default::default()
        };
        let (report, _) = vouch::assess(&scan, &tree, &options);
        let a = report.assumptions.into_iter().next().unwrap();
        (a.status, a.reason)
    };
    assert_eq!(
        status(Vec::new()),
        (
            Status::NotApplicable,
            Some(vouch::reconcile::NO_TENANCY.to_string())
        )
    );
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("architecture.md");
    std::fs::write(&doc, "# Orders\n\nEvery tenant's orders share one table.\n").unwrap();
    assert_eq!(status(vec![doc]), (Status::NeedsClarification, None));
}

/// Cognito threat protection is judged under `auth.mfa-required` as what it is: it narrows the
/// gap MFA leaves open but does not make MFA mandatory, so the status stays invalid and the
/// finding says what the mode adds where the code sets it (ENFORCED).
#[test]
fn cognito_threat_protection_is_said_but_does_not_turn_an_mfa_finding() {
    let detail = |dir: &str| -> (String, String) {
        let report = crate::common::first_report(&crate::common::fixture(dir));
        let a = crate::common::assumption(&report, "auth.mfa-required").clone();
        let e = &a["evidence"][0];
        (
            a["status"].as_str().unwrap().to_string(),
            e["detail"].as_str().unwrap().to_string(),
        )
    };
    for language in ["terraform", "cloudformation"] {
        let (status, text) = detail(&format!(
            "assumptions/auth.mfa-required/invalid-optional-threat-protection/{language}"
        ));
        assert_eq!(status, "invalid", "{language}");
        assert!(
            text.starts_with("MFA is OPTIONAL, not required; threat protection is ENFORCED"),
            "{language}: {text}"
        );
        let (status, text) = detail(&format!(
            "assumptions/auth.mfa-required/invalid-unset/{language}"
        ));
        // Left at its default (OFF), the mode adds nothing to the finding's words.
        assert_eq!(status, "invalid", "{language}");
        assert_eq!(
            text, "no MFA setting: Cognito's default is OFF",
            "{language}"
        );
    }
}
