//! Detection and recovery checks: backups of data stores (DynamoDB point-in-time recovery, RDS
//! backup retention, S3 versioning, and the AWS Backup plans that select them) and the account's
//! audit trail (CloudTrail).
//!
//! Settings the code leaves out take the provider default from `rules/defaults.tsv`, and a
//! detail that rests on one says "provider default".

use super::backup_plans::{BackupPlans, Coverage};
use super::{no_params, Check, Facts, Finding, Outcome, Params};
use crate::kms::defaults;
use crate::model::{table, Found, Kind, Model, Prop, Resource, Value};
use crate::network::util;
use crate::source::Span;

pub(super) fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "dynamodb.point-in-time-recovery",
            about: "each DynamoDB table (every replica of a global table) has point-in-time recovery enabled",
            run: point_in_time_recovery,
            validate: no_params,
        },
        Check {
            name: "rds.backup-retention",
            about: "each store whose automated backups are one retention period (rules/backup-retention.tsv: RDS, DocumentDB, Neptune, ElastiCache, Redshift) keeps them at least `min_retention_days` days (cluster members, read replicas and cache nodes of a group follow their cluster, source or group)",
            run: backup_retention,
            validate: validate_retention,
        },
        Check {
            name: "s3.versioning",
            about: "each S3 bucket has versioning enabled (on the bucket, or in a separate versioning resource)",
            run: s3_versioning,
            validate: no_params,
        },
        Check {
            name: "cloudtrail.audit-trail",
            about: "a CloudTrail trail that is logging records every region with log file validation; each trail passes when one trail of its deployment unit does",
            run: audit_trail,
            validate: no_params,
        },
    ]
}

/// Resources of a kind that are deployed and are not configuration facets.
fn subjects(model: &Model, kind: Kind) -> impl Iterator<Item = (usize, &Resource)> {
    model
        .resources
        .iter()
        .enumerate()
        .filter(move |(_, r)| r.kind == kind && r.facet.is_none() && util::deployed(r))
}

/// The provider default of an unset property, as a note for the detail (the row of
/// `rules/defaults.tsv` for the property's path on this resource, or for a block around it).
pub(super) fn default_of(
    model: &Model,
    i: usize,
    prop: Prop,
) -> Option<&'static defaults::DefaultRow> {
    let r = &model.resources[i];
    model
        .prop_paths(i, prop)
        .iter()
        .find_map(|p| defaults::lookup(r, p))
}

fn note(row: Option<&'static defaults::DefaultRow>) -> String {
    match row {
        Some(d) => format!(" ({})", d.note()),
        None => String::new(),
    }
}

/// A flag property: its value or unknown, with the span it sits at.
enum Flag {
    Unset,
    Set(bool, Span),
    Unknown(Value, Span),
}

fn flag_of(model: &Model, i: usize, found: Option<Found>) -> Flag {
    let Some(f) = found else {
        return Flag::Unset;
    };
    let span = f.span(model, i);
    match f.flag() {
        Ok(None) => Flag::Unset,
        Ok(Some(b)) => Flag::Set(b, span),
        Err(v) => Flag::Unknown(v, span),
    }
}

fn flag(model: &Model, i: usize, prop: Prop) -> Flag {
    flag_of(model, i, model.prop_set(i, prop))
}

// --- data.backups: DynamoDB ----------------------------------------------------------------

fn point_in_time_recovery(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let mut out = Vec::new();
    for (i, r) in subjects(model, Kind::DynamodbTable) {
        let finding = if model.can_express(i, Prop::DynamodbTableReplicas) {
            global_table_pitr(model, i)
        } else if !model.can_express(i, Prop::DynamodbTablePointInTimeRecoveryEnabled) {
            Finding::fail(
                i,
                format!(
                    "{} cannot enable point-in-time recovery: the table has no continuous backups",
                    r.source_type
                ),
            )
            .at(r.span)
        } else {
            match flag(model, i, Prop::DynamodbTablePointInTimeRecoveryEnabled) {
                Flag::Set(true, span) => {
                    Finding::pass(i, "point-in-time recovery is enabled").at(span)
                }
                Flag::Set(false, span) => {
                    Finding::fail(i, "point-in-time recovery is disabled").at(span)
                }
                Flag::Unset => Finding::fail(
                    i,
                    format!(
                        "point-in-time recovery is not enabled{}",
                        note(default_of(
                            model,
                            i,
                            Prop::DynamodbTablePointInTimeRecoveryEnabled
                        ))
                    ),
                )
                .at(r.span),
                Flag::Unknown(v, span) => Finding::new(
                    i,
                    Outcome::of_value(&v),
                    "whether point-in-time recovery is enabled is not settled",
                )
                .at(span),
            }
        };
        out.push(finding);
    }
    BackupPlans::new(model, DEFAULT_MIN_RETENTION).apply(out)
}

/// A global table: point-in-time recovery is a per-replica setting; every replica needs it.
fn global_table_pitr(model: &Model, i: usize) -> Finding {
    let r = &model.resources[i];
    let Some(list) = model.prop_set(i, Prop::DynamodbTableReplicas) else {
        return Finding::fail(i, "the global table declares no replicas").at(r.span);
    };
    let row = default_of(
        model,
        i,
        Prop::DynamodbTableReplicaPointInTimeRecoveryEnabled,
    );
    let mut missing = Vec::new();
    let mut unknown = None;
    let mut spans = Vec::new();
    for (n, rep) in model
        .items(i, Prop::DynamodbTableReplicas)
        .into_iter()
        .enumerate()
    {
        let region = rep
            .prop_set(Prop::DynamodbTableReplicaRegion)
            .and_then(|f| f.as_str().map(str::to_string))
            .unwrap_or_else(|| format!("replica {}", n + 1));
        match flag_of(
            model,
            i,
            rep.prop_set(Prop::DynamodbTableReplicaPointInTimeRecoveryEnabled),
        ) {
            Flag::Set(true, _) => {}
            Flag::Set(false, span) => {
                missing.push(region);
                spans.push(span);
            }
            Flag::Unset => {
                missing.push(region);
                spans.push(rep.span());
            }
            Flag::Unknown(v, span) => {
                unknown.get_or_insert((v, span));
            }
        }
    }
    if !missing.is_empty() {
        Finding::fail(
            i,
            format!(
                "point-in-time recovery is not enabled for the replica in {}{}",
                missing.join(", "),
                note(row)
            ),
        )
        .at_all(spans)
    } else if let Some((v, span)) = unknown {
        Finding::new(
            i,
            Outcome::of_value(&v),
            "whether point-in-time recovery is enabled is not settled",
        )
        .at(span)
    } else {
        Finding::pass(i, "point-in-time recovery is enabled for every replica")
            .at(list.span(model, i))
    }
}

// --- data.backups: RDS ---------------------------------------------------------------------

const MIN_RETENTION: &str = "min_retention_days";

/// RDS keeps automated backups for at most 35 days.
const MAX_RDS_RETENTION: u64 = 35;

fn validate_retention(p: &Params) -> Result<(), String> {
    let Some(m) = p.as_object() else {
        return Err("params must be an object".into());
    };
    if let Some(k) = m.keys().find(|k| *k != MIN_RETENTION) {
        return Err(format!(
            "unknown parameter `{k}` (the only one is `{MIN_RETENTION}`)"
        ));
    }
    match m.get(MIN_RETENTION) {
        None => Err(format!("`{MIN_RETENTION}` is required")),
        Some(v) => match v.as_u64() {
            Some(n) if (1..=MAX_RDS_RETENTION).contains(&n) => Ok(()),
            _ => Err(format!(
                "`{MIN_RETENTION}` must be a whole number of days from 1 to {MAX_RDS_RETENTION} (RDS's maximum)"
            )),
        },
    }
}

/// The retention an AWS Backup plan must keep for the checks without a parameter of their own
/// (point-in-time recovery keeps 35 days; versioning keeps versions until deleted): the same
/// week as the catalog's `min_retention_days`.
const DEFAULT_MIN_RETENTION: u64 = 7;

fn min_retention(p: &Params) -> u64 {
    p.get(MIN_RETENTION)
        .and_then(|v| v.as_u64())
        .unwrap_or(DEFAULT_MIN_RETENTION)
}

/// One row of `rules/backup-retention.tsv`: a store kind whose automated backups are one
/// retention period, and the properties that make a resource of it follow another.
struct Retained {
    kind: Kind,
    retention: Prop,
    follows: Vec<Prop>,
}

fn retained() -> &'static [Retained] {
    static ROWS: std::sync::OnceLock<Vec<Retained>> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| {
        let file = "rules/backup-retention.tsv";
        table::rows(include_str!("../../rules/backup-retention.tsv"))
            .map(|(line, cols)| {
                let [kind, retention, follows] = cols[..] else {
                    panic!("{file}:{line}: expected 3 cells");
                };
                let kind = table::kind(file, line, kind);
                Retained {
                    kind,
                    retention: table::prop(file, line, kind, retention),
                    follows: follows
                        .split_whitespace()
                        .filter(|p| *p != "-")
                        .map(|p| table::prop(file, line, kind, p))
                        .collect(),
                }
            })
            .collect()
    })
}

fn backup_retention(facts: &Facts, params: &Params) -> Vec<Finding> {
    let model = facts.model;
    let min = min_retention(params);
    let mut out = Vec::new();
    for row in retained() {
        let prop = row.retention;
        for (i, _) in subjects(model, row.kind) {
            if row.follows.iter().any(|&p| model.prop_set(i, p).is_some()) {
                continue;
            }
            let attr = model
                .prop_paths(i, prop)
                .into_iter()
                .next()
                .unwrap_or_default();
            let written = match model.prop_set(i, prop) {
                Some(f) => match f.text() {
                    Ok(Some(t)) => match t.parse::<u64>() {
                        Ok(n) => Some((n, f.span(model, i))),
                        Err(_) => {
                            out.push(
                                Finding::new(
                                    i,
                                    Outcome::unknown(
                                        super::Cause::NotExpressible,
                                        format!("{attr} is not a number of days: {t:?}"),
                                    ),
                                    "the backup retention cannot be read",
                                )
                                .at(f.span(model, i)),
                            );
                            continue;
                        }
                    },
                    Ok(None) => None,
                    Err(v) => {
                        out.push(
                            Finding::new(
                                i,
                                Outcome::of_value(&v),
                                "the backup retention period is not settled",
                            )
                            .at(f.span(model, i)),
                        );
                        continue;
                    }
                },
                None => None,
            };
            let (days, span, suffix) = match written {
                Some((n, span)) => (n, span, String::new()),
                None => match retention_default(model, i, prop) {
                    Some((n, note)) => (n, model.resources[i].span, format!(" ({note})")),
                    None => {
                        out.push(
                            Finding::new(
                                i,
                                Outcome::unknown(
                                    super::Cause::NotExpressible,
                                    format!(
                                        "{attr} is not set and AWS documents no default for it"
                                    ),
                                ),
                                "how long automated backups are kept is not settled",
                            )
                            .at(model.resources[i].span),
                        );
                        continue;
                    }
                },
            };
            let finding = if days == 0 {
                Finding::fail(
                    i,
                    format!("automated backups are disabled (retention 0){suffix}"),
                )
            } else if days < min {
                Finding::fail(
                    i,
                    format!(
                        "automated backups are kept {days} day{}, less than the {min} days required{suffix}",
                        if days == 1 { "" } else { "s" }
                    ),
                )
            } else {
                Finding::pass(i, format!("automated backups are kept {days} days{suffix}"))
            };
            out.push(finding.at(span));
        }
    }
    BackupPlans::new(model, min).apply(out)
}

/// The retention when the attribute is unset, with the note that says why: the row of
/// `rules/defaults.tsv` for this resource (a default that depends on its engine wins), else the
/// property's documented default; `None` when neither says.
fn retention_default(model: &Model, i: usize, prop: Prop) -> Option<(u64, String)> {
    if let Some(row) = default_of(model, i, prop) {
        if let Ok(days) = row.default.parse() {
            return Some((days, row.note()));
        }
    }
    let (value, source) = prop.default()?;
    let days = value.as_f64().filter(|d| *d >= 0.0 && d.fract() == 0.0)? as u64;
    Some((days, format!("provider default: {source}")))
}

// --- data.backups: S3 ----------------------------------------------------------------------

fn s3_versioning(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let facets = util::facets(model);
    let mut out = Vec::new();
    for (i, _) in subjects(model, Kind::S3Bucket) {
        // Terraform's aws_s3_bucket_versioning; the legacy inline block; CloudFormation's
        // VersioningConfiguration.
        let facet = facets.get(&i).and_then(|fs| {
            fs.iter()
                .copied()
                .filter(|&f| model.resources[f].facet == Some("versioning"))
                .filter(|&f| util::deployed(&model.resources[f]))
                .min()
        });
        let holder = facet.unwrap_or(i);
        // Only the holder's own setting: a facet that is not deployed does not count.
        let found = model
            .prop_set(holder, Prop::S3BucketVersioningConfigurationStatus)
            .filter(|f| f.attribute().is_some_and(|(h, _)| h == holder));
        let h = &model.resources[holder];
        let finding = match found {
            None => {
                let what = match facet {
                    Some(_) => "the versioning resource sets no status",
                    None => "versioning is not enabled",
                };
                Finding::fail(
                    i,
                    format!(
                        "{what}: overwritten or deleted objects cannot be restored{}",
                        note(default_of(
                            model,
                            i,
                            Prop::S3BucketVersioningConfigurationStatus
                        ))
                    ),
                )
                .at(h.span)
            }
            Some(f) => {
                let span = f.span(model, holder);
                let v: &Value = &f.value;
                let state = match v {
                    Value::Bool(b) => Ok(*b),
                    Value::String(s) => Ok(s.eq_ignore_ascii_case("enabled")),
                    other => Err(other.clone()),
                };
                match state {
                    Ok(true) => Finding::pass(
                        i,
                        match facet {
                            Some(f) => {
                                format!("versioning is enabled ({})", model.resources[f].address)
                            }
                            None => "versioning is enabled".into(),
                        },
                    )
                    .at(span),
                    Ok(false) => Finding::fail(
                        i,
                        format!(
                            "versioning is {}: overwritten or deleted objects cannot be restored",
                            match v.as_str() {
                                Some(s) => s.to_string(),
                                None => "off".into(),
                            }
                        ),
                    )
                    .at(span),
                    Err(v) => Finding::new(
                        i,
                        Outcome::of_value(&v),
                        "whether versioning is enabled is not settled",
                    )
                    .at(span),
                }
            }
        };
        out.push(finding);
    }
    // AWS Backup backs up a bucket only with versioning on: a plan that selects a bucket
    // without it is said, and the bucket still fails.
    let plans = BackupPlans::new(model, DEFAULT_MIN_RETENTION);
    for f in out.iter_mut().filter(|f| f.outcome == Outcome::Fail) {
        if let Some(Coverage::Kept { plan, .. } | Coverage::Short { plan, .. }) =
            plans.of(f.subject)
        {
            f.detail.push_str(&format!(
                " (AWS Backup plan `{plan}` selects it, but AWS Backup backs up a bucket only with versioning on)"
            ));
        }
    }
    out
}

// --- log.audit-trail -----------------------------------------------------------------------

/// What one trail records.
struct Trail {
    index: usize,
    outcome: Outcome,
    detail: String,
    evidence: Vec<Span>,
}

fn read_trail(model: &Model, i: usize) -> Trail {
    let r = &model.resources[i];
    let mut missing: Vec<String> = Vec::new();
    let mut unknown: Option<(Value, Span, &str)> = None;
    let mut fail_spans = Vec::new();
    let mut pass_spans = Vec::new();
    for (prop, off, open) in [
        (
            Prop::CloudtrailTrailIsMultiRegionTrail,
            "it records only its own region",
            "whether it records every region",
        ),
        (
            Prop::CloudtrailTrailEnableLogFileValidation,
            "log file validation is off, so edited or deleted log files go unnoticed",
            "whether it validates its log files",
        ),
        (
            Prop::CloudtrailTrailIsLogging,
            "logging is stopped",
            "whether it is logging",
        ),
    ] {
        match flag(model, i, prop) {
            Flag::Set(true, span) => pass_spans.push(span),
            Flag::Set(false, span) => {
                missing.push(off.to_string());
                fail_spans.push(span);
            }
            Flag::Unset => {
                // CloudFormation requires IsLogging: no row, nothing to add.
                let row = default_of(model, i, prop);
                if row.is_some_and(|d| d.default == "false") {
                    missing.push(format!("{off}{}", note(row)));
                    fail_spans.push(r.span);
                }
            }
            Flag::Unknown(v, span) => {
                unknown.get_or_insert((v, span, open));
            }
        }
    }
    // Event selectors that all leave out management events record no API activity.
    let selectors = model.items(i, Prop::CloudtrailTrailEventSelectors);
    let excluded = selectors
        .iter()
        .filter(|s| {
            matches!(
                flag_of(
                    model,
                    i,
                    s.prop_set(Prop::CloudtrailTrailEventSelectorsIncludeManagementEvents)
                ),
                Flag::Set(false, _)
            )
        })
        .count();
    if !selectors.is_empty() && excluded == selectors.len() {
        missing.push("its event selectors leave out management events".into());
        fail_spans.push(selectors[0].span());
    }
    let name = &r.address;
    if !missing.is_empty() {
        Trail {
            index: i,
            outcome: Outcome::Fail,
            detail: format!("trail {name}: {}", missing.join("; ")),
            evidence: fail_spans,
        }
    } else if let Some((v, span, open)) = unknown {
        Trail {
            index: i,
            outcome: Outcome::of_value(&v),
            detail: format!("trail {name}: {open} is not settled by the code"),
            evidence: vec![span],
        }
    } else {
        Trail {
            index: i,
            outcome: Outcome::Pass,
            detail: format!("trail {name} records every region with log file validation"),
            evidence: pass_spans,
        }
    }
}

fn audit_trail(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let trails: Vec<Trail> = subjects(model, Kind::CloudtrailTrail)
        .map(|(i, _)| read_trail(model, i))
        .collect();
    let mut out = Vec::new();
    for t in &trails {
        let unit = &model.resources[t.index].unit;
        // One trail that covers the account is enough: the unit's other trails (data-event or
        // single-region trails) do not weaken it.
        let cover = trails
            .iter()
            .find(|c| c.outcome == Outcome::Pass && &model.resources[c.index].unit == unit);
        let finding = match cover {
            Some(c) if c.index != t.index => Finding::pass(
                t.index,
                format!(
                    "{}; the account's API activity is recorded by {}",
                    t.detail, model.resources[c.index].address
                ),
            )
            .at(model.resources[c.index].span)
            .at_all(t.evidence.iter().copied()),
            _ => Finding::new(t.index, t.outcome.clone(), t.detail.clone())
                .at_all(t.evidence.iter().copied()),
        };
        out.push(finding);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_params_are_validated() {
        assert!(validate_retention(&serde_json::json!({ "min_retention_days": 7 })).is_ok());
        for bad in [
            serde_json::json!({}),
            serde_json::json!({ "min_retention_days": 0 }),
            serde_json::json!({ "min_retention_days": 36 }),
            serde_json::json!({ "min_retention_days": "7" }),
            serde_json::json!({ "min_retention_days": 7.5 }),
            serde_json::json!({ "min_retention_days": 7, "max": 9 }),
            serde_json::json!([7]),
        ] {
            assert!(validate_retention(&bad).is_err(), "{bad}");
        }
    }
}
