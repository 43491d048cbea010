//! The sentences vouch proposes for the document say only what the code proves: a detail the
//! document gets wrong is corrected on that detail, a failing control names what fails (the
//! retention, not "cannot be restored"), and nothing is said of resources the tree lacks.

use serde_json::Value as Json;
use std::path::Path;

fn scan_json(root: &Path) -> Json {
    crate::common::first_report(root)
}

fn suggestions<'a>(report: &'a Json, assumption: &str) -> Vec<&'a Json> {
    report["doc_suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["assumption"] == assumption)
        .collect()
}

const DB: &str = r#"
resource "aws_db_instance" "ledger" {
  identifier              = "ledger"
  engine                  = "postgres"
  instance_class          = "db.t4g.micro"
  allocated_storage       = 20
  storage_encrypted       = true
  backup_retention_period = RETENTION
}
"#;

fn tree(retention: &str, doc: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        DB.replace("RETENTION", retention),
    )
    .unwrap();
    std::fs::write(dir.path().join("ARCHITECTURE.md"), doc).unwrap();
    dir
}

#[test]
fn a_wrong_retention_in_the_document_is_corrected_on_that_detail() {
    let dir = tree(
        "7",
        "# Ledger\n\nThe ledger database keeps automated backups for 35 days.\n",
    );
    let report = scan_json(dir.path());
    let backups = crate::common::assumption(&report, "data.backups");
    // 7 days meets the rule's minimum: the control holds, the document's number does not.
    assert_eq!(backups["status"], "verified", "{backups:#}");
    assert_eq!(backups["doc"][0]["contradicted"], true, "{backups:#}");
    let s = suggestions(&report, "data.backups");
    assert_eq!(s.len(), 1, "{s:#?}");
    assert_eq!(s[0]["kind"], "correct");
    let text = s[0]["text"].as_str().unwrap();
    // The document's own sentence with the code's number, citing where the code sets it.
    assert_eq!(
        text,
        "The ledger database keeps automated backups for 7 days (main.tf:8)."
    );
    assert_eq!(
        s[0]["replaces"][0]["text"],
        "The ledger database keeps automated backups for 35 days."
    );

    // The same sentence with the right number is left alone.
    let dir = tree(
        "35",
        "# Ledger\n\nThe ledger database keeps automated backups for 35 days.\n",
    );
    let report = scan_json(dir.path());
    assert!(suggestions(&report, "data.backups").is_empty());
}

#[test]
fn a_short_retention_is_said_as_such_and_no_other_store_is_named() {
    let dir = tree("1", "# Ledger\n\nThe ledger service stores entries.\n");
    let report = scan_json(dir.path());
    let s = suggestions(&report, "data.backups");
    assert_eq!(s.len(), 1, "{s:#?}");
    assert_eq!(s[0]["kind"], "add");
    let text = s[0]["text"].as_str().unwrap();
    assert!(
        text.contains("`aws_db_instance.ledger` (automated backups are kept 1 day, less than the 7 days required"),
        "{text}"
    );
    for absent in ["cannot be restored", "DynamoDB", "S3", "bucket", "table"] {
        assert!(!text.contains(absent), "{absent}: {text}");
    }
}
