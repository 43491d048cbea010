//! Which key protects each data store.

use super::defaults::{self, DefaultRow, Outcome};
use super::{AtRest, Evidence, KeyKind, StoreEncryption};
use crate::model::Kind;
use crate::model::{Map, Model, Part, Symbol, Value};
use std::collections::HashMap;

/// The kinds [`protection`] reports on.
pub const DATA_STORE_KINDS: &[Kind] = &[
    Kind::CloudtrailTrail,
    Kind::DynamodbTable,
    Kind::Ec2Volume,
    Kind::EfsFileSystem,
    Kind::ElasticacheReplicationGroup,
    Kind::KinesisStream,
    Kind::LogsLogGroup,
    Kind::OpensearchDomain,
    Kind::RdsCluster,
    Kind::RdsInstance,
    Kind::S3Bucket,
    Kind::SecretsmanagerSecret,
    Kind::SnsTopic,
    Kind::SqsQueue,
    Kind::SsmParameter,
];

/// How a switch that turns encryption on reads.
#[derive(Clone, Copy)]
enum FlagKind {
    /// A boolean; when true, either a KMS key (`on_service` false) or the service's own keys.
    Bool { on_service: bool },
    /// A text setting: values that mean a KMS key, the service's keys, or off.
    Text {
        kms: &'static [&'static str],
        service: &'static [&'static str],
        off: &'static [&'static str],
    },
}

#[derive(Clone, Copy)]
struct Flag {
    path: &'static str,
    kind: FlagKind,
    /// Switching it off means the provider default (DynamoDB: the AWS-owned key), not "none".
    off_is_default: bool,
}

/// Where a source type keeps its encryption settings.
#[derive(Clone, Copy)]
struct Spec {
    flag: Option<Flag>,
    /// The key reference, read when encryption is on.
    key: &'static str,
    /// The key is read first; the flag only when no key is set (SQS).
    key_first: bool,
}

const fn bool_flag(path: &'static str) -> Option<Flag> {
    Some(Flag {
        path,
        kind: FlagKind::Bool { on_service: false },
        off_is_default: false,
    })
}

const S3_KMS: &[&str] = &["aws:kms", "aws:kms:dsse"];
const S3_SERVICE: &[&str] = &["AES256"];

fn spec(source_type: &str) -> Option<Spec> {
    let key_only = |key| Spec {
        flag: None,
        key,
        key_first: false,
    };
    let flagged = |flag, key| Spec {
        flag,
        key,
        key_first: false,
    };
    Some(match source_type {
        "aws_dynamodb_table" => flagged(
            Some(Flag {
                path: "server_side_encryption.enabled",
                kind: FlagKind::Bool { on_service: false },
                off_is_default: true,
            }),
            "server_side_encryption.kms_key_arn",
        ),
        "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => flagged(
            Some(Flag {
                path: "SSESpecification.SSEEnabled",
                kind: FlagKind::Bool { on_service: false },
                off_is_default: true,
            }),
            "SSESpecification.KMSMasterKeyId",
        ),
        "AWS::DynamoDB::GlobalTable" => flagged(
            Some(Flag {
                path: "SSESpecification.SSEEnabled",
                kind: FlagKind::Bool { on_service: false },
                off_is_default: true,
            }),
            "Replicas.SSESpecification.KMSMasterKeyId",
        ),
        "aws_s3_bucket_server_side_encryption_configuration" => flagged(
            Some(Flag {
                path: "rule.apply_server_side_encryption_by_default.sse_algorithm",
                kind: FlagKind::Text {
                    kms: S3_KMS,
                    service: S3_SERVICE,
                    off: &[],
                },
                off_is_default: false,
            }),
            "rule.apply_server_side_encryption_by_default.kms_master_key_id",
        ),
        "aws_s3_bucket" => flagged(
            Some(Flag {
                path: "server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm",
                kind: FlagKind::Text {
                    kms: S3_KMS,
                    service: S3_SERVICE,
                    off: &[],
                },
                off_is_default: false,
            }),
            "server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.kms_master_key_id",
        ),
        "AWS::S3::Bucket" => flagged(
            Some(Flag {
                path: "BucketEncryption.ServerSideEncryptionConfiguration.ServerSideEncryptionByDefault.SSEAlgorithm",
                kind: FlagKind::Text {
                    kms: S3_KMS,
                    service: S3_SERVICE,
                    off: &[],
                },
                off_is_default: false,
            }),
            "BucketEncryption.ServerSideEncryptionConfiguration.ServerSideEncryptionByDefault.KMSMasterKeyID",
        ),
        "aws_sqs_queue" => Spec {
            flag: Some(Flag {
                path: "sqs_managed_sse_enabled",
                kind: FlagKind::Bool { on_service: true },
                off_is_default: false,
            }),
            key: "kms_master_key_id",
            key_first: true,
        },
        "AWS::SQS::Queue" => Spec {
            flag: Some(Flag {
                path: "SqsManagedSseEnabled",
                kind: FlagKind::Bool { on_service: true },
                off_is_default: false,
            }),
            key: "KmsMasterKeyId",
            key_first: true,
        },
        "aws_sns_topic" => key_only("kms_master_key_id"),
        "AWS::SNS::Topic" => key_only("KmsMasterKeyId"),
        "aws_secretsmanager_secret" => key_only("kms_key_id"),
        "AWS::SecretsManager::Secret" => key_only("KmsKeyId"),
        "aws_ssm_parameter" => key_only("key_id"),
        "AWS::SSM::Parameter" => key_only("KeyId"),
        "aws_kinesis_stream" => flagged(
            Some(Flag {
                path: "encryption_type",
                kind: FlagKind::Text {
                    kms: &["KMS"],
                    service: &[],
                    off: &["NONE"],
                },
                off_is_default: false,
            }),
            "kms_key_id",
        ),
        "AWS::Kinesis::Stream" => flagged(
            Some(Flag {
                path: "StreamEncryption.EncryptionType",
                kind: FlagKind::Text {
                    kms: &["KMS"],
                    service: &[],
                    off: &["NONE"],
                },
                off_is_default: false,
            }),
            "StreamEncryption.KeyId",
        ),
        "aws_cloudwatch_log_group" | "aws_cloudtrail" => key_only("kms_key_id"),
        "AWS::Logs::LogGroup" => key_only("KmsKeyId"),
        "AWS::CloudTrail::Trail" => key_only("KMSKeyId"),
        "aws_db_instance" | "aws_rds_cluster" => flagged(bool_flag("storage_encrypted"), "kms_key_id"),
        "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster" => {
            flagged(bool_flag("StorageEncrypted"), "KmsKeyId")
        }
        "aws_efs_file_system" | "aws_ebs_volume" => flagged(bool_flag("encrypted"), "kms_key_id"),
        "AWS::EFS::FileSystem" | "AWS::EC2::Volume" => flagged(bool_flag("Encrypted"), "KmsKeyId"),
        "aws_elasticache_replication_group" => {
            flagged(bool_flag("at_rest_encryption_enabled"), "kms_key_id")
        }
        "AWS::ElastiCache::ReplicationGroup" => {
            flagged(bool_flag("AtRestEncryptionEnabled"), "KmsKeyId")
        }
        "aws_opensearch_domain" | "aws_elasticsearch_domain" => {
            flagged(bool_flag("encrypt_at_rest.enabled"), "encrypt_at_rest.kms_key_id")
        }
        "AWS::OpenSearchService::Domain" | "AWS::Elasticsearch::Domain" => flagged(
            bool_flag("EncryptionAtRestOptions.Enabled"),
            "EncryptionAtRestOptions.KmsKeyId",
        ),
        _ => return None,
    })
}

/// The value at a dotted path, descending into the first element of lists (Terraform blocks),
/// with the concrete path (`server_side_encryption[0].enabled`).
pub(crate) fn at<'a>(attrs: &'a Map, path: &str) -> Option<(String, &'a Value)> {
    let mut segs = path.split('.');
    let first = segs.next()?;
    let mut cur = attrs.get(first)?;
    let mut concrete = first.to_string();
    for seg in segs {
        while let Value::List(items) = cur {
            cur = items.first()?;
            concrete.push_str("[0]");
        }
        cur = cur.get(seg)?;
        concrete.push('.');
        concrete.push_str(seg);
    }
    present(cur).then_some((concrete, cur))
}

/// False for what means "not set": null, CloudFormation's `AWS::NoValue`, an empty block list.
fn present(v: &Value) -> bool {
    match v {
        Value::Null | Value::Symbol(Symbol::NoValue) => false,
        Value::List(l) => !l.is_empty(),
        _ => true,
    }
}

/// Why a value cannot be read as a constant.
pub(crate) fn unsettled(attribute: &str, v: &Value) -> String {
    match v.first_unknown() {
        Some(u) => format!(
            "{attribute} is unknown: {} ({})",
            u.detail,
            u.reason.describe()
        ),
        None => format!("{attribute} is not a constant: {v}"),
    }
}

/// Aliases in the tree by (unit, name).
pub(crate) struct Aliases<'m> {
    by_name: HashMap<(&'m str, &'m str), usize>,
}

impl<'m> Aliases<'m> {
    pub(crate) fn new(model: &'m Model) -> Aliases<'m> {
        let mut by_name = HashMap::new();
        for (i, r) in model.resources.iter().enumerate() {
            if r.kind != Kind::KmsAlias || r.facet.is_some() {
                continue;
            }
            if let Some(name) = ["name", "AliasName"]
                .iter()
                .find_map(|a| r.attr(a).and_then(Value::as_str))
            {
                by_name.entry((r.unit.as_str(), name)).or_insert(i);
            }
        }
        Aliases { by_name }
    }
}

/// The key an alias in the tree points at, when that key is in the tree.
pub(crate) fn alias_target(model: &Model, alias: usize) -> Option<usize> {
    let r = &model.resources[alias];
    let v = ["target_key_id", "TargetKeyId", "target_key_arn"]
        .iter()
        .find_map(|a| r.attr(a))?;
    let target = match v {
        Value::Ref(t) => Some(t.resource.as_str()),
        Value::Template(parts) => parts.iter().find_map(|p| match p {
            Part::Ref(t) => Some(t.resource.as_str()),
            _ => None,
        }),
        _ => None,
    }?;
    let i = model.index_of(&r.unit, target)?;
    is_key_kind(model.resources[i].kind).then_some(i)
}

fn is_key_kind(kind: Kind) -> bool {
    matches!(kind, Kind::KmsKey | Kind::KmsReplicaKey)
}

/// What a key reference written on a resource names: a key or alias in the tree, an AWS-managed
/// key, or a key from outside the tree.
pub fn resolve_key(model: &Model, from: usize, value: &Value) -> KeyKind {
    resolve_with(model, &Aliases::new(model), from, value)
}

fn resolve_ref(model: &Model, unit: &str, target: &str, value: &Value) -> KeyKind {
    match model.index_of(unit, target) {
        Some(i) if is_key_kind(model.resources[i].kind) => KeyKind::CustomerManaged { key: i },
        Some(i) if model.resources[i].kind == Kind::KmsAlias => KeyKind::Alias {
            alias: i,
            key: alias_target(model, i),
        },
        _ => KeyKind::External {
            value: value.clone(),
        },
    }
}

/// The alias part of a key name or ARN (`alias/x` from `arn:aws:kms:…:alias/x`).
fn alias_part(text: &str) -> Option<&str> {
    text.find("alias/").map(|i| &text[i..])
}

fn resolve_with(model: &Model, aliases: &Aliases, from: usize, value: &Value) -> KeyKind {
    let unit = model.resources[from].unit.as_str();
    let by_alias_name = |name: &str| -> Option<KeyKind> {
        if defaults::aws_managed_alias(name).is_some() {
            return Some(KeyKind::AwsManaged {
                alias: name.to_string(),
            });
        }
        aliases
            .by_name
            .get(&(unit, name))
            .map(|&alias| KeyKind::Alias {
                alias,
                key: alias_target(model, alias),
            })
    };
    match value {
        Value::Ref(r) => resolve_ref(model, unit, &r.resource, value),
        Value::String(s) => {
            alias_part(s)
                .and_then(by_alias_name)
                .unwrap_or_else(|| KeyKind::External {
                    value: value.clone(),
                })
        }
        Value::Template(parts) => {
            if parts.iter().any(|p| matches!(p, Part::Unknown(_))) {
                return KeyKind::External {
                    value: value.clone(),
                };
            }
            if let Some(r) = parts.iter().find_map(|p| match p {
                Part::Ref(r) => Some(r),
                _ => None,
            }) {
                return resolve_ref(model, unit, &r.resource, value);
            }
            let text: String = parts
                .iter()
                .map(|p| match p {
                    Part::Text(t) => t.as_str(),
                    _ => "*",
                })
                .collect();
            alias_part(&text)
                .filter(|a| !a.contains('*'))
                .and_then(by_alias_name)
                .unwrap_or_else(|| KeyKind::External {
                    value: value.clone(),
                })
        }
        _ => KeyKind::External {
            value: value.clone(),
        },
    }
}

/// The outcome of a provider default, with its evidence at the resource.
fn from_default(
    model: &Model,
    source: usize,
    row: Option<&'static DefaultRow>,
    path: &str,
    evidence: &mut Vec<Evidence>,
) -> (AtRest, KeyKind) {
    let Some(row) = row else {
        let reason = format!("{path} is not set and no provider default is known");
        evidence.push(Evidence::at(model, source, "").noted(reason.clone()));
        return (
            AtRest::Unknown {
                reason: reason.clone(),
            },
            KeyKind::Unknown { reason },
        );
    };
    evidence.push(Evidence::at(model, source, "").noted(row.note()));
    match &row.outcome {
        Outcome::AwsOwned => (AtRest::Encrypted, KeyKind::AwsOwned),
        Outcome::AwsManaged { alias } => (
            AtRest::Encrypted,
            KeyKind::AwsManaged {
                alias: alias.clone(),
            },
        ),
        Outcome::ServiceManaged => (AtRest::Encrypted, KeyKind::ServiceManaged),
        Outcome::Unencrypted => (AtRest::Unencrypted, KeyKind::None),
        Outcome::Encrypted | Outcome::Value { .. } => {
            let reason = format!(
                "the provider default of {path} ({}) does not name a key",
                row.default
            );
            (AtRest::Encrypted, KeyKind::Unknown { reason })
        }
    }
}

struct Reader<'a, 'm> {
    model: &'m Model,
    aliases: &'a Aliases<'m>,
    evidence: Vec<Evidence>,
}

enum FlagState {
    Absent,
    Off(String),
    Kms(String),
    Service(String),
    Unknown(String, String),
}

impl Reader<'_, '_> {
    fn flag(&self, source: usize, flag: &Flag) -> FlagState {
        let r = &self.model.resources[source];
        let Some((path, v)) = at(&r.attributes, flag.path) else {
            return FlagState::Absent;
        };
        match flag.kind {
            FlagKind::Bool { on_service } => match v.as_bool() {
                Some(true) if on_service => FlagState::Service(path),
                Some(true) => FlagState::Kms(path),
                Some(false) => FlagState::Off(path),
                None => {
                    let reason = unsettled(&path, v);
                    FlagState::Unknown(path, reason)
                }
            },
            FlagKind::Text { kms, service, off } => match v.as_str() {
                Some(s) if kms.iter().any(|k| k.eq_ignore_ascii_case(s)) => FlagState::Kms(path),
                Some(s) if service.iter().any(|k| k.eq_ignore_ascii_case(s)) => {
                    FlagState::Service(path)
                }
                Some(s) if off.iter().any(|k| k.eq_ignore_ascii_case(s)) => FlagState::Off(path),
                Some(s) => {
                    let reason = format!("{path} has a value vouch does not know: {s:?}");
                    FlagState::Unknown(path, reason)
                }
                None => {
                    let reason = unsettled(&path, v);
                    FlagState::Unknown(path, reason)
                }
            },
        }
    }

    /// Reads the key once encryption is on (or for stores that are always encrypted).
    fn key(&mut self, source: usize, spec: &Spec) -> (AtRest, KeyKind) {
        let model = self.model;
        let r = &model.resources[source];
        match at(&r.attributes, spec.key) {
            Some((path, v)) => {
                let key = resolve_with(model, self.aliases, source, v);
                let mut ev = Evidence::at(model, source, &path);
                if let KeyKind::AwsManaged { alias } = &key {
                    if let Some(row) = defaults::aws_managed_alias(alias) {
                        ev = ev.noted(row.meaning);
                    }
                }
                self.evidence.push(ev);
                // A wholly unknown key on a store that the default leaves unencrypted: whether
                // it is encrypted at all is open.
                let at_rest = match (v, defaults::lookup(r, spec.key).map(|d| &d.outcome)) {
                    (Value::Unknown(_), Some(Outcome::Unencrypted)) if spec.flag.is_none() => {
                        AtRest::Unknown {
                            reason: unsettled(&path, v),
                        }
                    }
                    _ => AtRest::Encrypted,
                };
                (at_rest, key)
            }
            None => {
                let row = defaults::lookup(r, spec.key);
                from_default(model, source, row, spec.key, &mut self.evidence)
            }
        }
    }

    fn read(&mut self, source: usize, spec: &Spec) -> (AtRest, KeyKind) {
        let model = self.model;
        let r = &model.resources[source];
        let Some(flag) = spec.flag else {
            return self.key(source, spec);
        };
        if spec.key_first {
            if let Some((path, v)) = at(&r.attributes, spec.key) {
                self.evidence.push(Evidence::at(model, source, &path));
                return (
                    AtRest::Encrypted,
                    resolve_with(model, self.aliases, source, v),
                );
            }
        }
        match self.flag(source, &flag) {
            FlagState::Absent => {
                if let Some(found) = self.ebs_default(source) {
                    return found;
                }
                let row = defaults::lookup(r, flag.path);
                if row.is_some_and(|d| d.outcome == Outcome::Encrypted) {
                    self.evidence.push(
                        Evidence::at(model, source, "")
                            .noted(row.map(|d| d.note()).unwrap_or_default()),
                    );
                    return self.key(source, spec);
                }
                from_default(model, source, row, flag.path, &mut self.evidence)
            }
            FlagState::Off(path) if flag.off_is_default => {
                self.evidence.push(Evidence::at(model, source, &path));
                let row = defaults::lookup(r, flag.path);
                from_default(model, source, row, flag.path, &mut self.evidence)
            }
            FlagState::Off(path) => {
                self.evidence.push(Evidence::at(model, source, &path));
                (AtRest::Unencrypted, KeyKind::None)
            }
            FlagState::Service(path) => {
                self.evidence.push(Evidence::at(model, source, &path));
                (AtRest::Encrypted, KeyKind::ServiceManaged)
            }
            FlagState::Kms(path) => {
                self.evidence.push(Evidence::at(model, source, &path));
                self.key(source, spec)
            }
            FlagState::Unknown(path, reason) => {
                self.evidence.push(Evidence::at(model, source, &path));
                let key = match at(&r.attributes, spec.key) {
                    Some((kpath, v)) => {
                        self.evidence.push(Evidence::at(model, source, &kpath));
                        resolve_with(model, self.aliases, source, v)
                    }
                    None => KeyKind::Unknown {
                        reason: reason.clone(),
                    },
                };
                (AtRest::Unknown { reason }, key)
            }
        }
    }

    /// EBS volumes without `encrypted`: encrypted when the unit enables EBS encryption by default.
    fn ebs_default(&mut self, source: usize) -> Option<(AtRest, KeyKind)> {
        let model = self.model;
        let r = &model.resources[source];
        if r.source_type != "aws_ebs_volume" {
            return None;
        }
        let (i, setting) =
            model.resources.iter().enumerate().find(|(_, x)| {
                x.unit == r.unit && x.source_type == "aws_ebs_encryption_by_default"
            })?;
        let row = defaults::lookup(setting, "enabled");
        let enabled = at(&setting.attributes, "enabled");
        let state = match enabled {
            None => Some(true),
            Some((_, v)) => v.as_bool(),
        };
        let mut ev = Evidence::at(
            model,
            i,
            enabled.as_ref().map(|(p, _)| p.as_str()).unwrap_or(""),
        );
        if enabled.is_none() {
            ev = ev.noted(row.map(|d| d.note()).unwrap_or_default());
        }
        match state {
            Some(false) => None,
            None => {
                self.evidence.push(ev);
                let reason = unsettled("aws_ebs_encryption_by_default.enabled", enabled?.1);
                Some((
                    AtRest::Unknown {
                        reason: reason.clone(),
                    },
                    KeyKind::Unknown { reason },
                ))
            }
            Some(true) => {
                self.evidence.push(ev);
                let key =
                    model.resources.iter().enumerate().find(|(_, x)| {
                        x.unit == r.unit && x.source_type == "aws_ebs_default_kms_key"
                    });
                let kind = match key.and_then(|(k, x)| at(&x.attributes, "key_arn").map(|p| (k, p)))
                {
                    Some((k, (path, v))) => {
                        self.evidence.push(Evidence::at(model, k, &path));
                        resolve_with(model, self.aliases, k, v)
                    }
                    None => {
                        let (_, kind) = from_default(
                            model,
                            source,
                            defaults::lookup(r, "kms_key_id"),
                            "kms_key_id",
                            &mut self.evidence,
                        );
                        kind
                    }
                };
                Some((AtRest::Encrypted, kind))
            }
        }
    }
}

/// Is this resource an SSM parameter that is not a SecureString (then it is not a store here)?
fn plain_parameter(r: &crate::model::Resource) -> bool {
    if r.kind != Kind::SsmParameter {
        return false;
    }
    match ["type", "Type"].iter().find_map(|a| r.attr(a)) {
        Some(Value::String(t)) => t != "SecureString",
        Some(_) => false,
        None => true,
    }
}

/// How every data store in the model is encrypted at rest, in model order.
pub fn protection(model: &Model) -> Vec<StoreEncryption> {
    let aliases = Aliases::new(model);
    let mut facets: HashMap<usize, Vec<usize>> = HashMap::new();
    for (&facet, &parent) in &model.parents {
        if model.resources[facet].facet == Some("encryption") {
            facets.entry(parent).or_default().push(facet);
        }
    }
    let mut out = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.facet.is_some() || !DATA_STORE_KINDS.contains(&r.kind) || plain_parameter(r) {
            continue;
        }
        // S3 in Terraform: the encryption facet, when there is one, holds the settings.
        let source = facets
            .get(&i)
            .and_then(|f| f.iter().min().copied())
            .unwrap_or(i);
        let mut reader = Reader {
            model,
            aliases: &aliases,
            evidence: Vec::new(),
        };
        let (at_rest, key) = match spec(&model.resources[source].source_type) {
            Some(s) => {
                let mut found = reader.read(source, &s);
                if r.kind == Kind::SsmParameter {
                    if let Some(t) = ["type", "Type"].iter().find_map(|a| r.attr(a)) {
                        if !matches!(t, Value::String(_)) {
                            let reason = unsettled("type", t);
                            found.0 = AtRest::Unknown { reason };
                        }
                    }
                }
                found
            }
            None => {
                let reason = format!(
                    "vouch does not know where {} keeps its encryption settings",
                    r.source_type
                );
                reader
                    .evidence
                    .push(Evidence::at(model, i, "").noted(reason.clone()));
                (
                    AtRest::Unknown {
                        reason: reason.clone(),
                    },
                    KeyKind::Unknown { reason },
                )
            }
        };
        let mut evidence = reader.evidence;
        evidence.dedup();
        out.push(StoreEncryption {
            store: i,
            kind: r.kind,
            at_rest,
            key,
            evidence,
        });
    }
    out
}
