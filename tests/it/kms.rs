//! KMS: which key protects each store, what each key allows, tenant keying; both languages.

use crate::common;
use common::*;
use std::collections::BTreeSet;
use vouch::iam::access::Access;
use vouch::kms::{self, defaults, AtRest, KeyKind, Rotation, TenantBinding, TenantKeying, UseVia};
use vouch::model::{Reason, Value};

fn store<'a>(
    s: &vouch::Scan,
    all: &'a [kms::StoreEncryption],
    address: &str,
) -> &'a kms::StoreEncryption {
    let i = idx(s, address);
    all.iter()
        .find(|x| x.store == i)
        .unwrap_or_else(|| panic!("{address} is not a store"))
}

/// The same fixture in both languages: (directory, address by role).
struct Names {
    dir: &'static str,
    data_key: &'static str,
    reports_key: &'static str,
    signing_key: &'static str,
    reports_alias: &'static str,
    orders: &'static str,
    sessions: &'static str,
    bucket: &'static str,
    queue: &'static str,
    topic: &'static str,
    secret: &'static str,
    wide: &'static str,
    reader: &'static str,
    tenant: &'static str,
    reason: Reason,
}

const TF: Names = Names {
    dir: "kms/terraform",
    data_key: "aws_kms_key.data",
    reports_key: "aws_kms_key.reports",
    signing_key: "aws_kms_key.signing",
    reports_alias: "aws_kms_alias.reports",
    orders: "aws_dynamodb_table.orders",
    sessions: "aws_dynamodb_table.sessions",
    bucket: "aws_s3_bucket.reports",
    queue: "aws_sqs_queue.jobs",
    topic: "aws_sns_topic.alerts",
    secret: "aws_secretsmanager_secret.api",
    wide: "aws_iam_role.wide",
    reader: "aws_iam_role.reader",
    tenant: "aws_iam_role.tenant",
    reason: Reason::VariableWithoutDefault,
};

const CFN: Names = Names {
    dir: "kms/cloudformation",
    data_key: "DataKey",
    reports_key: "ReportsKey",
    signing_key: "SigningKey",
    reports_alias: "ReportsKeyAlias",
    orders: "OrdersTable",
    sessions: "SessionsTable",
    bucket: "ReportsBucket",
    queue: "JobsQueue",
    topic: "AlertsTopic",
    secret: "ApiSecret",
    wide: "WideRole",
    reader: "ReaderRole",
    tenant: "TenantRole",
    reason: Reason::ParameterWithoutDefault,
};

fn stores_are_classified(n: &Names) {
    let s = scan(n.dir);
    let all = kms::protection(&s.model);

    let orders = store(&s, &all, n.orders);
    assert_eq!(orders.at_rest, AtRest::Encrypted);
    assert_eq!(
        orders.key,
        KeyKind::CustomerManaged {
            key: idx(&s, n.data_key)
        }
    );
    assert!(orders.evidence.iter().all(|e| e.note.is_none()));

    let sessions = store(&s, &all, n.sessions);
    assert_eq!(
        (&sessions.at_rest, &sessions.key),
        (&AtRest::Encrypted, &KeyKind::AwsOwned)
    );
    let note = sessions.evidence[0].note.as_deref().unwrap();
    assert!(
        note.starts_with("provider default: DynamoDB always encrypts"),
        "{note}"
    );
    assert_eq!(
        sessions.evidence[0].span,
        s.model.resources[sessions.store].span
    );

    let bucket = store(&s, &all, n.bucket);
    assert_eq!(
        bucket.key,
        KeyKind::Alias {
            alias: idx(&s, n.reports_alias),
            key: Some(idx(&s, n.reports_key))
        }
    );

    let queue = store(&s, &all, n.queue);
    assert_eq!(
        (&queue.at_rest, &queue.key),
        (&AtRest::Encrypted, &KeyKind::ServiceManaged)
    );

    let topic = store(&s, &all, n.topic);
    assert_eq!(
        (&topic.at_rest, &topic.key),
        (&AtRest::Unencrypted, &KeyKind::None)
    );

    let secret = store(&s, &all, n.secret);
    match &secret.key {
        KeyKind::External {
            value: Value::Unknown(u),
        } => assert_eq!(u.reason, n.reason),
        other => panic!("secret key: {other:?}"),
    }
    // Secrets Manager always encrypts, whatever key the variable names.
    assert_eq!(secret.at_rest, AtRest::Encrypted);
    // Every piece of evidence has a line.
    for st in &all {
        for e in &st.evidence {
            assert!(s.loaded.sources.region(e.span).line > 0);
        }
    }
}

#[test]
fn stores_terraform() {
    stores_are_classified(&TF);
}

#[test]
fn stores_cloudformation() {
    stores_are_classified(&CFN);
}

#[test]
fn s3_encryption_facet_is_the_evidence_in_terraform() {
    let s = scan("kms/terraform");
    let all = kms::protection(&s.model);
    let bucket = store(&s, &all, "aws_s3_bucket.reports");
    let facet = idx(
        &s,
        "aws_s3_bucket_server_side_encryption_configuration.reports",
    );
    assert!(bucket.evidence.iter().all(|e| e.resource == facet));
    assert!(bucket
        .evidence
        .iter()
        .any(|e| e.attribute
            == "rule[0].apply_server_side_encryption_by_default[0].kms_master_key_id"));
    assert_eq!(
        attr_line(
            &s,
            "aws_s3_bucket_server_side_encryption_configuration.reports",
            "rule[0].apply_server_side_encryption_by_default[0].kms_master_key_id"
        ),
        s.loaded.sources.region(bucket.evidence[1].span).line
    );
    // A String parameter is not a store; a SecureString one with alias/aws/ssm is AWS-managed.
    assert!(all
        .iter()
        .all(|x| x.store != idx(&s, "aws_ssm_parameter.plain")));
    let token = store(&s, &all, "aws_ssm_parameter.token");
    assert_eq!(
        token.key,
        KeyKind::AwsManaged {
            alias: "alias/aws/ssm".into()
        }
    );
}

fn keys_are_described(n: &Names) {
    let s = scan(n.dir);
    let m = &s.model;
    let access = Access::compute(m);
    let keys = kms::keys(m, &access);
    let key = |a: &str| {
        let i = idx(&s, a);
        keys.iter().find(|k| k.key == i).unwrap()
    };

    let data = key(n.data_key);
    assert_eq!(
        data.rotation,
        Rotation::Enabled {
            period_days: Some(365)
        }
    );
    assert_eq!(data.delegates_to_iam, Some(true));
    assert!(data.statements[0].delegates_to_iam);
    assert_eq!(data.stores, vec![idx(&s, n.orders)]);

    // Decrypt on `*`: a user, flagged.
    let wide: Vec<_> = data
        .users
        .iter()
        .filter(|u| u.principal == idx(&s, n.wide))
        .collect();
    assert_eq!(wide.len(), 1);
    assert_eq!(wide[0].via, UseVia::Iam);
    assert!(wide[0].wildcard_resource);
    assert_eq!(data.wildcard_users(), vec![idx(&s, n.wide)]);

    // Decrypt on the key's ref: a user through IAM and through the key policy, not flagged.
    let reader: Vec<_> = data
        .users
        .iter()
        .filter(|u| u.principal == idx(&s, n.reader))
        .collect();
    assert_eq!(reader.len(), 2);
    assert!(reader
        .iter()
        .all(|u| !u.wildcard_resource && u.actions == ["kms:Decrypt"]));
    assert!(reader
        .iter()
        .any(|u| u.via == UseVia::KeyPolicy { statement: 1 }));
    assert!(reader.iter().any(|u| u.via == UseVia::Iam));

    // The tenant role may use the key only with its tenant as encryption context.
    let tenant = data
        .users
        .iter()
        .find(|u| u.principal == idx(&s, n.tenant))
        .unwrap();
    assert!(tenant.context_required);
    assert_eq!(
        tenant.encryption_context,
        vec!["kms:EncryptionContext:tenant_id"]
    );
    assert!(
        !data
            .users
            .iter()
            .find(|u| u.principal == idx(&s, n.wide))
            .unwrap()
            .context_required
    );

    // No key policy: the default one, delegating to IAM; rotation off by default.
    let reports = key(n.reports_key);
    assert_eq!(reports.policy, kms::KeyPolicy::Default);
    assert!(reports
        .notes
        .iter()
        .any(|x| x == "default key policy: delegates to IAM"));
    assert_eq!(reports.rotation, Rotation::Disabled);
    assert!(reports.rotation_evidence[0]
        .note
        .as_deref()
        .unwrap()
        .starts_with("provider default: customer-managed keys do not rotate"));

    // Asymmetric keys cannot rotate: said so.
    let signing = key(n.signing_key);
    assert_eq!(
        signing.rotation,
        Rotation::NotSupported {
            spec: "ECC_NIST_P256".into()
        }
    );
    assert!(signing.notes.iter().any(|x| x.contains("cannot rotate")));
}

#[test]
fn keys_terraform() {
    keys_are_described(&TF);
    // Terraform-only: a grant with an encryption context constraint.
    let s = scan("kms/terraform");
    let keys = kms::keys(&s.model, &Access::compute(&s.model));
    let data = keys
        .iter()
        .find(|k| k.key == idx(&s, "aws_kms_key.data"))
        .unwrap();
    assert_eq!(data.grants.len(), 1);
    assert_eq!(data.grants[0].encryption_context, vec!["purpose"]);
    let worker = data
        .users
        .iter()
        .find(|u| u.principal == idx(&s, "aws_iam_role.worker"))
        .unwrap();
    assert_eq!(
        worker.via,
        UseVia::Grant {
            grant: idx(&s, "aws_kms_grant.worker")
        }
    );
    assert!(worker.context_required);
}

#[test]
fn keys_cloudformation() {
    keys_are_described(&CFN);
}

#[test]
fn tenant_keying_and_context() {
    let s = scan("kms/tenants");
    let m = &s.model;
    let stores = kms::protection(m);
    let keys = kms::keys(m, &Access::compute(m));
    let t = kms::tenant_context(m, &stores, &keys);
    let of = |a: &str| t.iter().find(|x| x.table == idx(&s, a)).unwrap();

    let orders = of("aws_dynamodb_table.orders[\"acme\"]");
    assert_eq!(
        orders.keying,
        TenantKeying::PerTenantKeys {
            keys: vec![
                idx(&s, "aws_kms_key.tenant[\"acme\"]"),
                idx(&s, "aws_kms_key.tenant[\"globex\"]")
            ]
        }
    );
    assert_eq!(orders.binding, TenantBinding::PerTenantKeys);

    let invoices = of("aws_dynamodb_table.invoices[\"globex\"]");
    assert_eq!(
        invoices.keying,
        TenantKeying::SharedKey {
            key: idx(&s, "aws_kms_key.shared")
        }
    );
    assert_eq!(
        invoices.binding,
        TenantBinding::ClientSideContext {
            context_keys: vec!["kms:EncryptionContext:tenant_id".into()]
        }
    );

    let pooled = of("aws_dynamodb_table.pooled");
    assert_eq!(pooled.binding, TenantBinding::NotShown);
    assert!(pooled.notes[0].contains("fixes its own encryption context"));

    // AWS-owned keys bind nothing.
    let s = scan("kms/terraform");
    let stores = kms::protection(&s.model);
    let keys = kms::keys(&s.model, &Access::compute(&s.model));
    let t = kms::tenant_context(&s.model, &stores, &keys);
    let sessions = t
        .iter()
        .find(|x| x.table == idx(&s, "aws_dynamodb_table.sessions"))
        .unwrap();
    assert_eq!(sessions.keying, TenantKeying::NoCustomerKey);
}

/// Rows other checks read (network exposure, backups, key specs, audit trails, transport, access
/// logs): parsed and looked up, not
/// produced as evidence here.
const READ_ELSEWHERE: &[&str] = &[
    "public_access_block",
    "PublicAccessBlockConfiguration",
    "object_ownership",
    "OwnershipControls",
    "backup_retention_period",
    "BackupRetentionPeriod",
    "publicly_accessible",
    "PubliclyAccessible",
    "customer_master_key_spec",
    "KeySpec",
    "point_in_time_recovery",
    "PointInTimeRecoverySpecification",
    "Replicas.PointInTimeRecoverySpecification",
    "versioning",
    "VersioningConfiguration",
    "is_multi_region_trail",
    "IsMultiRegionTrail",
    "enable_log_file_validation",
    "EnableLogFileValidation",
    "enable_logging",
    "engine_version",
    "EngineVersion",
    "parameter.rds.force_ssl",
    "Parameters.rds.force_ssl",
    "parameter.require_secure_transport",
    "Parameters.require_secure_transport",
    "transit_encryption_enabled",
    "TransitEncryptionEnabled",
    "transit_encryption_mode",
    "TransitEncryptionMode",
    "access_logs.enabled",
    "snapshot_retention_limit",
    "SnapshotRetentionLimit",
];

#[test]
fn every_default_row_parses_and_is_used() {
    let rows = defaults::rows();
    assert_eq!(
        rows.len(),
        defaults::data_lines(),
        "a malformed row in rules/defaults.tsv"
    );
    for r in rows {
        assert!(!r.meaning.is_empty());
        assert!(
            r.subject == "*" || vouch::model::kinds::type_info(r.subject).kind.as_str() != "other",
            "unknown type {} (line {})",
            r.subject,
            r.line
        );
    }
    // Every row is reached: as evidence of a store or key in the defaults fixtures, or as the
    // AWS-managed alias rule, or (for rows other checks read) by lookup.
    let mut notes: BTreeSet<String> = BTreeSet::new();
    for dir in ["kms/defaults", "kms/terraform", "kms/cloudformation"] {
        let s = scan(dir);
        let m = &s.model;
        for st in kms::protection(m) {
            notes.extend(st.evidence.into_iter().filter_map(|e| e.note));
        }
        for k in kms::keys(m, &Access::compute(m)) {
            notes.extend(k.rotation_evidence.into_iter().filter_map(|e| e.note));
            notes.extend(k.policy_evidence.note);
            // The spec default row: keys that do not set one are symmetric.
            if !matches!(k.rotation, Rotation::NotSupported { .. }) {
                assert_eq!(k.spec, "SYMMETRIC_DEFAULT");
            }
        }
    }
    let mut unused = Vec::new();
    for r in rows {
        if READ_ELSEWHERE.contains(&r.attribute) || r.subject == "AWS::SSM::Parameter" {
            let mut res = vouch::model::Resource::new(
                "u",
                "x",
                r.subject,
                vouch::model::Language::Terraform,
                vouch::source::Span::file_start(vouch::source::FileId(0)),
            );
            if let Some((a, v)) = r.qualifier {
                res.attributes.insert(a.to_string(), Value::str(v));
            }
            assert_eq!(defaults::lookup(&res, r.attribute), Some(r));
            continue;
        }
        let used = if r.subject == "*" {
            notes.iter().any(|n| n == r.meaning)
        } else {
            notes.contains(&r.note())
        };
        if !used {
            unused.push(format!("line {}: {} {}", r.line, r.subject, r.attribute));
        }
    }
    assert!(unused.is_empty(), "rows no fixture reaches: {unused:#?}");
}

#[test]
fn unknown_settings_stay_unknown() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"
variable "encrypted" { type = bool }
variable "topic_key" { type = string }
resource "aws_db_instance" "db" {
  identifier        = "db"
  storage_encrypted = var.encrypted
}
resource "aws_sns_topic" "t" {
  name              = "t"
  kms_master_key_id = var.topic_key
}
resource "aws_sqs_queue" "q" {
  name              = "q"
  kms_master_key_id = "arn:aws:kms:eu-west-1:111122223333:key/abcd"
}
resource "aws_kms_key" "k" {
  policy = var.topic_key
}
"#,
    )
    .unwrap();
    let s = vouch::scan(dir.path(), &Default::default());
    let all = kms::protection(&s.model);
    let db = store(&s, &all, "aws_db_instance.db");
    assert!(matches!(&db.at_rest, AtRest::Unknown { reason } if reason.contains("var.encrypted")));
    assert!(matches!(db.key, KeyKind::Unknown { .. }));
    let topic = store(&s, &all, "aws_sns_topic.t");
    assert!(matches!(topic.at_rest, AtRest::Unknown { .. }));
    assert!(matches!(topic.key, KeyKind::External { .. }));
    let q = store(&s, &all, "aws_sqs_queue.q");
    assert_eq!(
        q.key,
        KeyKind::External {
            value: Value::str("arn:aws:kms:eu-west-1:111122223333:key/abcd")
        }
    );
    let keys = kms::keys(&s.model, &Access::compute(&s.model));
    assert!(matches!(keys[0].policy, kms::KeyPolicy::Unknown { .. }));
    assert_eq!(keys[0].delegates_to_iam, None);
    assert!(keys[0].users.is_empty());
}

/// Stores as (kind, key kind, key description); keys as (description, rotation); users per key.
type Summary = (
    Vec<(String, String, String)>,
    Vec<(String, String)>,
    Vec<usize>,
);

fn summary(dir: &str) -> Summary {
    let s = scan(dir);
    let m = &s.model;
    let stores = kms::protection(m);
    let keys = kms::keys(m, &Access::compute(m));
    let key_name = |k: Option<usize>| {
        k.map(|k| {
            m.resources[k]
                .attributes
                .get("description")
                .or(m.resources[k].attributes.get("Description"))
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
        .unwrap_or_default()
    };
    let mut st: Vec<(String, String, String)> = stores
        .iter()
        .map(|x| {
            (
                x.kind.to_string(),
                x.key.name().to_string(),
                key_name(x.key.tree_key()),
            )
        })
        .collect();
    st.sort();
    let mut ks: Vec<(String, String)> = keys
        .iter()
        .map(|k| (key_name(Some(k.key)), format!("{:?}", k.rotation)))
        .collect();
    ks.sort();
    let mut users: Vec<usize> = keys.iter().map(|k| k.users.len()).collect();
    users.sort();
    (st, ks, users)
}

#[test]
fn saas_project_gives_the_same_answers_in_both_languages() {
    let tf = summary("projects/saas-serverless/terraform");
    let cf = summary("projects/saas-serverless/cloudformation");
    assert_eq!(tf.0, cf.0, "stores by kind and key kind");
    assert_eq!(tf.1, cf.1, "keys' rotation");
    assert_eq!(tf.2, cf.2, "users per key");
    assert_eq!(tf.0.len(), 15);
    assert!(tf.1.iter().any(|(_, r)| r.starts_with("Enabled")));
    assert!(tf.1.iter().any(|(_, r)| r == "Disabled"));
}

#[test]
fn output_is_deterministic() {
    let s = scan("projects/saas-serverless/terraform");
    let a = Access::compute(&s.model);
    let one = serde_json::to_string(&kms::keys(&s.model, &a)).unwrap();
    let two = serde_json::to_string(&kms::keys(&s.model, &a)).unwrap();
    assert_eq!(one, two);
    let p = kms::protection(&s.model);
    assert!(p.windows(2).all(|w| w[0].store < w[1].store));
}

/// A Neptune cluster that names a customer-managed key but leaves storage encryption off: AWS
/// refuses the pair, so the cluster is not created as written. vouch fails it (as written it
/// has no key at all) and says why, in both languages; a peer that passes it on the key alone
/// reads a configuration that never deploys.
#[test]
fn a_key_for_storage_left_unencrypted_is_refused_by_aws() {
    for language in ["terraform", "cloudformation"] {
        let dir = format!(
            "assumptions/kms.customer-managed-keys/invalid-neptune-key-without-encryption/{language}"
        );
        let report = first_report(&fixture(&dir));
        let a = crate::common::assumption(&report, "kms.customer-managed-keys");
        assert_eq!(a["status"], "invalid", "{language}");
        let fail = a["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["outcome"] == "fail")
            .unwrap_or_else(|| panic!("{language}: no failing evidence"));
        let detail = fail["detail"].as_str().unwrap();
        assert!(
            detail.contains("AWS refuses a key for storage left unencrypted")
                && detail.contains("is set while StorageEncrypted is off"),
            "{language}: {detail}"
        );
    }
    // With storage encryption on, the same key is a customer-managed key and no refusal is said.
    let on = first_report(&fixture(
        "assumptions/kms.customer-managed-keys/verified-more-stores/terraform",
    ));
    assert!(!on.to_string().contains("AWS refuses a key"));
}

/// RDS snapshots and their copies (Terraform only: CloudFormation has no snapshot resources).
/// A snapshot is encrypted as its instance, with its key; a copy without a key of its own as
/// its source snapshot; a copy that names a key is encrypted with it whatever its source; a copy
/// of a snapshot outside the tree is an open question, not the default.
#[test]
fn snapshot_copies_take_their_sources_encryption() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"
resource "aws_kms_key" "backups" {
  enable_key_rotation = true
}
resource "aws_db_instance" "encrypted" {
  identifier        = "encrypted"
  instance_class    = "db.t3.micro"
  engine            = "postgres"
  storage_encrypted = true
  kms_key_id        = aws_kms_key.backups.arn
}
resource "aws_db_instance" "plain" {
  identifier     = "plain"
  instance_class = "db.t3.micro"
  engine         = "postgres"
}
resource "aws_db_snapshot" "encrypted" {
  db_instance_identifier = aws_db_instance.encrypted.identifier
  db_snapshot_identifier = "encrypted-1"
}
resource "aws_db_snapshot" "plain" {
  db_instance_identifier = aws_db_instance.plain.identifier
  db_snapshot_identifier = "plain-1"
}
resource "aws_db_snapshot_copy" "of_encrypted" {
  source_db_snapshot_identifier = aws_db_snapshot.encrypted.db_snapshot_arn
  target_db_snapshot_identifier = "encrypted-1-copy"
}
resource "aws_db_snapshot_copy" "of_plain" {
  source_db_snapshot_identifier = aws_db_snapshot.plain.db_snapshot_arn
  target_db_snapshot_identifier = "plain-1-copy"
}
resource "aws_db_snapshot_copy" "of_plain_with_key" {
  source_db_snapshot_identifier = aws_db_snapshot.plain.db_snapshot_arn
  target_db_snapshot_identifier = "plain-1-encrypted"
  kms_key_id                    = aws_kms_key.backups.arn
}
resource "aws_db_snapshot_copy" "of_copy" {
  source_db_snapshot_identifier = aws_db_snapshot_copy.of_encrypted.db_snapshot_arn
  target_db_snapshot_identifier = "encrypted-1-copy-2"
}
resource "aws_db_snapshot" "legacy" {
  db_instance_identifier = "legacy"
  db_snapshot_identifier = "legacy-2"
}
resource "aws_db_snapshot_copy" "of_legacy" {
  source_db_snapshot_identifier = aws_db_snapshot.legacy.db_snapshot_arn
  target_db_snapshot_identifier = "legacy-2-copy"
}
resource "aws_db_snapshot_copy" "from_elsewhere" {
  source_db_snapshot_identifier = "arn:aws:rds:eu-west-1:123456789012:snapshot:legacy-1"
  target_db_snapshot_identifier = "legacy-1-copy"
}
"#,
    )
    .unwrap();
    let s = vouch::scan(dir.path(), &Default::default());
    let all = kms::protection(&s.model);
    let key = idx(&s, "aws_kms_key.backups");
    for encrypted in [
        "aws_db_snapshot.encrypted",
        "aws_db_snapshot_copy.of_encrypted",
        "aws_db_snapshot_copy.of_copy",
        "aws_db_snapshot_copy.of_plain_with_key",
    ] {
        let st = store(&s, &all, encrypted);
        assert_eq!(st.at_rest, AtRest::Encrypted, "{encrypted}");
        assert_eq!(st.key, KeyKind::CustomerManaged { key }, "{encrypted}");
    }
    for plain in ["aws_db_snapshot.plain", "aws_db_snapshot_copy.of_plain"] {
        assert_eq!(
            store(&s, &all, plain).at_rest,
            AtRest::Unencrypted,
            "{plain}"
        );
    }
    for (elsewhere, named) in [
        ("aws_db_snapshot_copy.from_elsewhere", "legacy-1"),
        ("aws_db_snapshot.legacy", "\"legacy\""),
        ("aws_db_snapshot_copy.of_legacy", "\"legacy\""),
    ] {
        let st = store(&s, &all, elsewhere);
        assert!(
            matches!(&st.at_rest, AtRest::Unknown { reason } if reason.contains(named) && reason.contains("outside the tree")),
            "{elsewhere}: {:?}",
            st.at_rest
        );
    }
    // None of them is left among the types vouch does not reason about.
    let report = first_report(dir.path());
    assert_eq!(report["not_covered"], serde_json::json!([]), "{report}");
}

/// The kinds issue 12 added are read, not listed among the types vouch does not reason about.
#[test]
fn the_issue_12_kinds_are_covered() {
    for case in [
        "kms.encryption-at-rest/verified-global-database",
        "kms.encryption-at-rest/verified-analytics",
        "kms.customer-managed-keys/verified-analytics-cmk",
        "net.compute.in-vpc/invalid-accelerated-instance",
    ] {
        for language in ["terraform", "cloudformation"] {
            let report = first_report(&fixture(&format!("assumptions/{case}/{language}")));
            assert_eq!(
                report["not_covered"],
                serde_json::json!([]),
                "{case}/{language}"
            );
        }
    }
}
