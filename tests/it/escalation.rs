//! Privilege escalation methods: every method of `rules/privilege-escalation.json` has a fixture
//! that escalates and one that does not, in Terraform and in CloudFormation; the first reports
//! exactly that method for the principal `attacker`, the second does not report it.

use crate::common;

use std::collections::BTreeSet;
use vouch::iam::access::Access;
use vouch::iam::escalation::{self, Escalation};
use vouch::load::LoadOptions;
use vouch::model::Language;
use vouch::ScanOptions;

const LANGUAGES: [(Language, &str, &str); 2] = [
    (Language::Terraform, "main.tf", "template.yaml"),
    (Language::CloudFormation, "template.yaml", "main.tf"),
];

/// Scans one file of a fixture directory and returns the methods reported for its `attacker`.
fn reported(dir: &str, language: Language, exclude: &str) -> (BTreeSet<String>, Vec<Escalation>) {
    let options = ScanOptions {
        load: LoadOptions {
            excludes: vec![exclude.to_string()],
            ..Default::default()
        },
        ..Default::default()
    };
    let scan = vouch::scan(&common::fixture(dir), &options);
    assert!(!scan.has_errors(), "{dir}: {:?}", scan.diagnostics);
    let attacker = scan
        .model
        .resources
        .iter()
        .position(|r| {
            r.language == language
                && r.facet.is_none()
                && matches!(
                    r.address.as_str(),
                    "aws_iam_user.attacker" | "aws_iam_role.attacker" | "Attacker"
                )
        })
        .unwrap_or_else(|| panic!("{dir} ({language:?}): no principal `attacker`"));
    let access = Access::compute(&scan.model);
    let found: Vec<Escalation> = escalation::find(&scan.model, &access)
        .into_iter()
        .filter(|e| e.principal == attacker)
        .collect();
    (found.iter().map(|e| e.method.id.clone()).collect(), found)
}

#[test]
fn the_data_file_validates() {
    let methods =
        escalation::parse(escalation::DATA).unwrap_or_else(|e| panic!("{}", e.join("\n")));
    assert!(methods.len() >= 20, "{} methods", methods.len());
    for m in &methods {
        for a in m.all_actions() {
            let info = vouch::iam::catalog::action(a)
                .unwrap_or_else(|| panic!("{}: {a} is not in the catalog", m.id));
            assert_eq!(
                a.split_once(':').unwrap().1,
                info.action_name(),
                "{}: {a} is not AWS's spelling",
                m.id
            );
        }
    }
    assert_eq!(escalation::methods().len(), methods.len());
}

#[test]
fn a_wrong_action_name_is_an_error() {
    let text = escalation::DATA.replacen("\"iam:PassRole\"", "\"iam:PassRoles\"", 1);
    let errors = escalation::parse(&text).unwrap_err();
    assert!(
        errors.iter().any(|e| e.contains("iam:PassRoles")),
        "{errors:?}"
    );
}

#[test]
fn every_method_has_its_four_fixtures() {
    let mut missing = Vec::new();
    for m in escalation::methods() {
        for variant in ["escalates", "safe"] {
            for file in ["main.tf", "template.yaml"] {
                let path = common::fixture(&format!("escalation/{}/{variant}/{file}", m.id));
                if !path.is_file() {
                    missing.push(path.display().to_string());
                }
            }
        }
    }
    assert!(missing.is_empty(), "missing fixtures: {missing:#?}");
}

#[test]
fn escalating_fixtures_report_exactly_their_method() {
    let mut failures = Vec::new();
    for m in escalation::methods() {
        let dir = format!("escalation/{}/escalates", m.id);
        for (language, _, exclude) in LANGUAGES {
            let (ids, found) = reported(&dir, language, exclude);
            let expected = BTreeSet::from([m.id.clone()]);
            if ids != expected {
                failures.push(format!("{dir} ({language:?}): reported {ids:?}"));
                continue;
            }
            let e = &found[0];
            let required = m.actions.len() + m.any_of.first().map_or(0, Vec::len);
            if e.steps.len() != required
                || e.existing.len() != m.needs_existing.len()
                || e.conditional
            {
                failures.push(format!("{dir} ({language:?}): {e:?}"));
            }
            for s in &e.steps {
                if s.source.span.is_none() || s.source.policy.is_empty() {
                    failures.push(format!(
                        "{dir} ({language:?}): step without a source: {s:?}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn safe_fixtures_do_not_report_their_method() {
    let mut failures = Vec::new();
    for m in escalation::methods() {
        let dir = format!("escalation/{}/safe", m.id);
        for (language, _, exclude) in LANGUAGES {
            let (ids, _) = reported(&dir, language, exclude);
            if ids.contains(&m.id) {
                failures.push(format!("{dir} ({language:?}): reported {ids:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn steps_point_at_the_granting_statement() {
    let (_, found) = reported(
        "escalation/iam.passrole-lambda-invoke/escalates",
        Language::Terraform,
        "template.yaml",
    );
    let e = &found[0];
    let actions: Vec<&str> = e.steps.iter().map(|s| s.action).collect();
    assert_eq!(
        actions,
        [
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:InvokeFunction"
        ]
    );
    for s in &e.steps {
        assert_eq!(s.source.policy, "aws_iam_user_policy.attacker");
        assert_eq!(s.source.attribute, "policy");
        assert_eq!(s.source.statement, 0);
    }
}

#[test]
fn a_role_passed_only_to_another_service_does_not_escalate() {
    let dir = tempfile::tempdir().unwrap();
    let tf = |passed_to: &str| {
        format!(
            r#"
resource "aws_iam_role" "attacker" {{
  name = "attacker"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ Service = "lambda.amazonaws.com" }}, Action = "sts:AssumeRole" }}]
  }})
}}
resource "aws_iam_role_policy" "attacker" {{
  role = aws_iam_role.attacker.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{ Effect = "Allow", Action = ["lambda:CreateFunction", "lambda:InvokeFunction"], Resource = "*" }},
      {{ Effect = "Allow", Action = "iam:PassRole", Resource = "*",
         Condition = {{ StringLike = {{ "iam:PassedToService" = "{passed_to}" }} }} }},
    ]
  }})
}}
"#
        )
    };
    let methods = |text: String| {
        std::fs::write(dir.path().join("main.tf"), text).unwrap();
        let scan = vouch::scan(dir.path(), &ScanOptions::default());
        let access = Access::compute(&scan.model);
        escalation::find(&scan.model, &access)
            .into_iter()
            .map(|e| e.method.id.clone())
            .collect::<BTreeSet<_>>()
    };
    assert!(!methods(tf("application-autoscaling.amazonaws.com"))
        .contains("iam.passrole-lambda-invoke"));
    assert!(methods(tf("lambda.amazonaws.com")).contains("iam.passrole-lambda-invoke"));
    assert!(methods(tf("*.amazonaws.com")).contains("iam.passrole-lambda-invoke"));
}

/// `vouch paths --format json` names who can escalate in a field of its own, and what is exposed
/// for the other kinds.
#[test]
fn paths_json_names_each_paths_subject() {
    let options = ScanOptions {
        load: LoadOptions {
            excludes: vec!["template.yaml".to_string()],
            ..Default::default()
        },
        ..Default::default()
    };
    let scan = vouch::scan(
        &common::fixture("escalation/iam.attach-group-policy/escalates"),
        &options,
    );
    let access = Access::compute(&scan.model);
    let paths = vouch::report::paths::paths(&scan, &access);
    let json: serde_json::Value =
        serde_json::from_str(&vouch::report::paths::to_json(&paths)).unwrap();
    let escalations: Vec<&serde_json::Value> = json["paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "privilege-escalation")
        .collect();
    assert!(!escalations.is_empty());
    assert!(escalations
        .iter()
        .any(|p| p["subject"] == "aws_iam_user.attacker"));
    let project = vouch::scan(
        &common::fixture("projects/saas-serverless/terraform"),
        &ScanOptions::default(),
    );
    let access = Access::compute(&project.model);
    let paths = vouch::report::paths::paths(&project, &access);
    let subjects: BTreeSet<(&str, &str)> =
        paths.iter().map(|p| (p.kind, p.subject.as_str())).collect();
    assert!(subjects.contains(&("open-ingress", "aws_security_group.functions")));
    assert!(subjects.contains(&("unauthenticated-route", "aws_api_gateway_rest_api.main")));
}
