//! The story vouch exists for, end to end, as a user runs it on the example project
//! (`fixtures/projects/saas-serverless`), in both languages:
//!
//! 1. a first scan with the architecture document settles most assumptions from the code, flags
//!    where the document is wrong, and asks a short list of precise questions;
//! 2. `vouch questions --write` puts them in the answers file; the team answers;
//! 3. a second scan has no open questions, its threats have moved, and its confidence rests on
//!    code and answers;
//! 4. the questions keep their ids when the code around them moves.

use crate::common;

use common::{assumption, fixture, vouch_bin};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every assumption's status on the example project, reviewed against its code and document.
const EXPECTED: &[(&str, &str)] = &[
    ("auth.api-authorizer", "contradicted"), // doc: every route authenticated; GET /health is NONE
    ("auth.mfa-required", "contradicted"),   // doc: MFA mandatory; the pool says OPTIONAL
    ("auth.tenant-claims", "doc_only"),      // enforcement is application code; the doc says so
    ("data.backups", "invalid"),             // the jobs table has no point-in-time recovery
    ("iam.admin-no-data-access", "invalid"), // the admin function reads tenant data
    ("iam.compute.least-privilege", "invalid"), // the worker's SQS managed policy is on `*`
    ("iam.compute.imdsv2", "not_applicable"),
    ("iam.compute.role-per-function", "verified"),
    ("iam.no-admin-service-roles", "verified"),
    ("iam.no-privilege-escalation", "verified"),
    ("iam.secrets.scoped", "verified"),
    ("iam.trust.scoped", "verified"),
    ("kms.customer-managed-keys", "invalid"), // jobs table, queues and web bucket use AWS keys
    ("kms.encryption-at-rest", "verified"),
    ("kms.key-policy.scoped", "needs_clarification"), // delegated to IAM: who else in the account?
    ("kms.key-rotation", "contradicted"),             // doc: all keys rotate; the logs key does not
    ("kms.replication-encrypted", "not_applicable"),
    ("kms.tenant-encryption-context", "invalid"), // a shared key no policy ties to a tenant
    ("log.access-logs", "invalid"),               // CloudFront and the buckets log nothing
    ("log.audit-trail", "verified"),
    ("net.compute.in-vpc", "contradicted"), // doc: all functions in private subnets; two are not
    ("net.datastores-private", "verified"),
    ("net.gateway-validates-input", "invalid"), // only POST /invoices is validated, as the doc says
    ("net.no-open-ingress", "invalid"),         // a debug SSH rule open to 0.0.0.0/0
    ("net.private-service-endpoints", "contradicted"), // functions outside the VPC call public endpoints
    ("net.service-auth", "invalid"),                   // GET /health
    ("tenant.data-isolation", "doc_only"), // LeadingKeys for the handler; the rest is the doc's word
    ("tls.datastores-in-transit", "verified"),
    ("tls.edge-min-1-2", "invalid"), // default CloudFront certificate, REST API default endpoint
    ("tls.hsts", "verified"),
];

/// A copy of one language of the project with its document, as a repository would hold them.
fn checkout(language: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("projects/saas-serverless");
    copy_tree(&src.join(language), &dir.path().join(language));
    copy_tree(&src.join("docs"), &dir.path().join("docs"));
    let root = dir.path().join(language);
    let doc = dir.path().join("docs/ARCHITECTURE.md");
    (dir, root, doc)
}

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

fn vouch(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(vouch_bin()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scan(root: &Path, doc: &Path) -> (i32, Json) {
    let (code, out, err) = vouch(&[
        "scan",
        root.to_str().unwrap(),
        "--doc",
        doc.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let json: Json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    // Given its document, the project is one system: its report is today's.
    assert_eq!(json["systems"].as_array().unwrap().len(), 1, "{out}");
    (code, json["systems"][0]["report"].clone())
}

fn statuses(report: &Json) -> BTreeMap<String, String> {
    report["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn threat<'a>(report: &'a Json, id: &str) -> Option<&'a Json> {
    report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
}

fn question_ids(report: &Json) -> Vec<String> {
    report["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_string())
        .collect()
}

/// The team's answers, written into the entries `questions --write` added.
fn answer(file: &Path) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut out = String::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if let Some(id) = trimmed.strip_prefix("assumption: ") {
            current = id.trim().to_string();
        }
        if trimmed.starts_with("holds:") {
            let holds = match current.as_str() {
                "kms.key-policy.scoped" => "true",
                "kms.tenant-encryption-context" => "false",
                other => panic!("unexpected question for {other}"),
            };
            out.push_str(&format!("{indent}holds: {holds}\n"));
        } else if trimmed.starts_with("detail:") {
            let detail = match current.as_str() {
                "kms.key-policy.scoped" => {
                    "IAM Access Analyzer: no principal outside this stack may use the key"
                }
                _ => "one shared key; isolation rests on the LeadingKeys condition alone",
            };
            out.push_str(&format!("{indent}detail: \"{detail}\"\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    std::fs::write(file, out).unwrap();
}

fn story(language: &str) -> BTreeMap<String, String> {
    let (_dir, root, doc) = checkout(language);

    // 1. The first scan: the code settles most assumptions, the gate fails on the findings.
    let (code, first) = scan(&root, &doc);
    assert_eq!(code, 1, "high findings fail the gate");
    let got = statuses(&first);
    let expected: BTreeMap<String, String> = EXPECTED
        .iter()
        .map(|(a, s)| (a.to_string(), s.to_string()))
        .collect();
    assert_eq!(got, expected, "{language}");
    assert_eq!(first["documents"][0], "../docs/ARCHITECTURE.md");
    assert_eq!(first["risk"], "high");
    let confidence1 = first["confidence"].as_f64().unwrap();
    assert!((0.75..1.0).contains(&confidence1), "{confidence1}");

    // A short list of precise questions: each names its resources with file and line, and why
    // the code cannot settle it.
    let questions = first["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 2, "{questions:#?}");
    for q in questions {
        assert!(q["reason"].as_str().unwrap().len() > 20, "{q}");
        assert!(q["text"].as_str().unwrap().ends_with('?'), "{q}");
        let r = &q["resources"][0];
        assert!(r["line"].as_u64().unwrap() > 0 && !r["file"].as_str().unwrap().is_empty());
    }
    // Open assumptions give their worst case, marked as resting on an assumption.
    let open = threat(&first, "T-kms.key-policy.scoped").unwrap();
    assert_eq!(
        (open["basis"].as_str(), open["rests_on"].as_str()),
        (Some("open"), Some("assumption"))
    );
    // The document's wrong sentence, with what the code says instead.
    let mfa = first["doc_suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["assumption"] == "auth.mfa-required")
        .unwrap();
    assert_eq!(mfa["kind"], "correct");
    assert_eq!(mfa["replaces"][0]["line"], 62);
    assert!(assumption(&first, "auth.mfa-required")["doc"][0]["contradicted"] == true);
    // A sentence the document is missing, with its evidence.
    assert!(first["doc_suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["assumption"] == "iam.no-privilege-escalation" && s["kind"] == "add"));

    // 2. The questions go into the answers file; the team answers them.
    let (code, _, err) = vouch(&[
        "questions",
        "--write",
        root.to_str().unwrap(),
        "--doc",
        doc.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let file = root.join(".vouch/answers.yaml");
    answer(&file);

    // 3. The second scan: nothing open, threats moved, confidence from code and answers.
    let (_, second) = scan(&root, &doc);
    assert_eq!(question_ids(&second), Vec::<String>::new());
    assert_eq!(second["answers"]["applied"].as_array().unwrap().len(), 2);
    assert!(second["answers"]["stale"].as_array().unwrap().is_empty());
    let policy = assumption(&second, "kms.key-policy.scoped");
    assert_eq!(
        (policy["status"].as_str(), policy["holds"].as_bool()),
        (Some("answered"), Some(true))
    );
    // The shared key whose use no policy ties to a tenant is decided by the code: every place
    // a binding could live is in the tree.
    let context = assumption(&second, "kms.tenant-encryption-context");
    assert_eq!(context["status"].as_str(), Some("invalid"));
    let confirmed = threat(&second, "T-kms.tenant-encryption-context").unwrap();
    assert_eq!(
        (confirmed["basis"].as_str(), confirmed["rests_on"].as_str()),
        (Some("confirmed"), Some("code"))
    );
    assert!(threat(&second, "T-kms.key-policy.scoped").is_none_or(|t| t["basis"] != "open"));
    let confidence2 = second["confidence"].as_f64().unwrap();
    assert!(confidence2 > confidence1, "{confidence1} → {confidence2}");
    // What is left unsettled is only what rests on the document.
    let weights = &second["confidence_weights"];
    let doc_only: u64 = second["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["basis"] == "doc")
        .count() as u64;
    assert!(doc_only > 0);
    assert!(weights["settled"].as_u64() < weights["applicable"].as_u64());

    // 4. The questions keep their ids while the code around them moves.
    let (_dir2, moved, doc2) = checkout(language);
    for e in walk(&moved) {
        let text = std::fs::read_to_string(&e).unwrap();
        std::fs::write(&e, format!("# moved down by a line\n{text}")).unwrap();
    }
    let (_, again) = scan(&moved, &doc2);
    assert_eq!(question_ids(&again), question_ids(&first));
    let line = |r: &Json| r["questions"][0]["resources"][0]["line"].as_u64().unwrap();
    assert_eq!(line(&again), line(&first) + 1);

    got
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p
            .extension()
            .is_some_and(|x| x == "tf" || x == "yaml" || x == "yml")
        {
            out.push(p);
        }
    }
    out
}

#[test]
fn the_story_in_terraform_and_cloudformation_gives_the_same_statuses() {
    let tf = story("terraform");
    let cfn = story("cloudformation");
    assert_eq!(tf, cfn);
}
