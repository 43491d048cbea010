//! Finding the documents of a system as projects keep them: the project's own `<name>.md`,
//! `docs/` or `doc/`, and folders of decision records wherever adr-tools, MADR or a team put
//! them — and a tree documented only by its ADRs is one system, not one per README.

use std::path::Path;
use vouch::claims::{find_documents, Found};

fn touch(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn names(root: &Path, found: &[Found]) -> Vec<String> {
    found
        .iter()
        .map(|f| {
            let p = f.path.strip_prefix(root).unwrap();
            p.to_string_lossy().replace('\\', "/")
        })
        .collect()
}

#[test]
fn decision_records_are_found_in_the_folders_teams_keep_them_in() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in [
        "docs/architecture/decisions/0002-keys.md",
        "docs/architecture/decisions/0001-record-architecture-decisions.md",
        "docs/architecture/decisions/README.md",
        "docs/architecture/decisions/template.md",
        "docs/guides/provisioning.md",
        "README.md",
    ] {
        touch(root, f, "# doc\n");
    }
    assert_eq!(
        names(root, &find_documents(root, &[])),
        [
            "docs/architecture/decisions/0001-record-architecture-decisions.md",
            "docs/architecture/decisions/0002-keys.md",
        ]
    );

    // A root `adr/` folder, and `doc/` spelled without the s.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(root, "adr/0001-tenancy.md", "# doc\n");
    touch(root, "doc/DESIGN.md", "# doc\n");
    assert_eq!(
        names(root, &find_documents(root, &[])),
        ["doc/DESIGN.md", "adr/0001-tenancy.md"]
    );

    // adr-tools' `.adr-dir` names a folder of any name; a path leaving the tree is ignored.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(root, ".adr-dir", "records/arch\n");
    touch(root, "records/arch/0001-use-rds.md", "# doc\n");
    assert_eq!(
        names(root, &find_documents(root, &[])),
        ["records/arch/0001-use-rds.md"]
    );
    touch(root, ".adr-dir", "../elsewhere\n");
    assert!(find_documents(root, &[]).is_empty());

    // The names hand-made folders go by, at the root (ministryofjustice/modernisation-platform
    // keeps its records in `architecture-decision-record/`); names that only share a word are not.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in [
        "architecture-decision-record/0001-use-iam-federated-access.md",
        "Decision_Log/0001-vpc.md",
        "decision-tree-model/notes.md",
        "adr-images/diagram.md",
        // dr3dr3/terraform keeps its records in a decision register.
        "docs/reference/architecture-decision-register/ADR-006-kms-key-management.md",
        // wadie-ejjoufari/terraform-aws-lakehouse keeps its decisions in one file.
        "docs/decisions.md",
        "docs/decision-tree.md",
    ] {
        touch(root, f, "# doc\n");
    }
    assert_eq!(
        names(root, &find_documents(root, &[])),
        [
            "docs/decisions.md",
            "architecture-decision-record/0001-use-iam-federated-access.md",
            "Decision_Log/0001-vpc.md",
            "docs/reference/architecture-decision-register/ADR-006-kms-key-management.md",
        ]
    );
}

#[test]
fn security_designs_and_threat_models_under_docs_are_documents() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in [
        "docs/security.md",
        "docs/deployment.md",
        "docs/design-principles.md",
        "docs/threat-model.md",
        "README.md",
    ] {
        touch(root, f, "# doc\n");
    }
    assert_eq!(
        names(root, &find_documents(root, &[])),
        [
            "docs/design-principles.md",
            "docs/security.md",
            "docs/threat-model.md"
        ]
    );
}

#[test]
fn a_project_s_own_name_md_is_its_document() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("payments");
    touch(&root, "payments.md", "# Payments\n");
    touch(&root, "README.md", "# readme\n");
    touch(&root, "other.md", "# other\n");
    let found = find_documents(&root, &[]);
    assert_eq!(names(&root, &found), ["payments.md"]);
    assert!(!found[0].readme);
}

#[test]
fn a_tree_documented_by_its_decision_records_is_one_system() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Two projects with generated READMEs, and the platform's ADRs at the root.
    for project in ["app-search", "infra-vpc"] {
        touch(
            root,
            &format!("terraform/projects/{project}/main.tf"),
            "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n",
        );
        touch(
            root,
            &format!("terraform/projects/{project}/README.md"),
            "## Inputs\n\n| Name | Description |\n|---|---|\n| q | the queue |\n",
        );
    }
    touch(
        root,
        "docs/architecture/decisions/0001-queues.md",
        "# 1. Queues\n\n## Decision\n\nEvery queue is encrypted with a customer-managed KMS key.\n",
    );
    let report = crate::common::scan_json_of(root);
    let systems = report["systems"].as_array().unwrap();
    assert_eq!(systems.len(), 1, "{:#}", report["systems"]);
    assert_eq!(systems[0]["units"].as_array().unwrap().len(), 2);
    assert_eq!(
        systems[0]["report"]["documents"][0],
        "docs/architecture/decisions/0001-queues.md"
    );
}
