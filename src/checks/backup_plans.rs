//! What AWS Backup keeps of a data store: the plans whose selections name it — by reference,
//! or by an ARN pattern (`*`, `arn:aws:dynamodb:*:*:table/*`) that covers its ARN — and how
//! long their rules keep its recovery points. `data.backups` counts a store an AWS Backup plan
//! keeps long enough as restorable, whatever the store's own setting says: that is how teams
//! that centralise backups protect their tables and databases.
//!
//! What the code cannot settle stays open: a selection by tags or conditions (vouch does not
//! match tags), a retention or a resource list that is not known. A selection's
//! `NotResources` that name the store take it out. An S3 bucket is never backed up by a plan
//! unless its versioning is on (AWS Backup refuses the bucket otherwise), so for buckets a plan
//! only adds that to the finding.

use super::{Cause, Finding, Outcome};
use crate::iam::arn;
use crate::model::{Kind, Label, Model, Prop, Value};
use crate::network::util;
use crate::source::Span;
use std::collections::HashMap;

/// How AWS Backup treats one store.
#[derive(Debug, Clone)]
pub(super) enum Coverage {
    /// A plan keeps its recovery points for `days` (`None`: never deleted).
    Kept {
        plan: String,
        days: Option<u64>,
        spans: Vec<Span>,
    },
    /// A plan selects it but keeps its recovery points for less than required.
    Short {
        plan: String,
        days: u64,
        spans: Vec<Span>,
    },
    /// A selection may name it, but the code does not settle whether, or for how long.
    Open { why: String, spans: Vec<Span> },
}

/// The coverage of every store some selection of the tree may name, worked out once per
/// check: linear in the selections' entries plus, for each ARN pattern, the stores of its
/// service.
pub(super) struct BackupPlans {
    by_store: HashMap<usize, Coverage>,
}

impl BackupPlans {
    pub(super) fn new(model: &Model, min_days: u64) -> BackupPlans {
        let mut by_store: HashMap<usize, Coverage> = HashMap::new();
        let selections: Vec<usize> = model
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == Kind::BackupSelection && util::deployed(r))
            .map(|(i, _)| i)
            .collect();
        if selections.is_empty() {
            return BackupPlans { by_store };
        }
        // Stores by the service of their ARNs, for selections by pattern.
        let mut by_service: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, r) in model.resources.iter().enumerate() {
            if let Some(service) = arn::service_of(r.kind) {
                if r.facet.is_none() {
                    by_service.entry(service).or_default().push(i);
                }
            }
        }
        for sel in selections {
            let plan = model
                .edges_from(sel)
                .find(|e| e.label == Label::SelectionOf)
                .map(|e| model.owner(e.to));
            let retention = plan.map(|p| retention(model, p));
            let sel_span = model.resources[sel].span;
            let plan_name = plan.map_or_else(
                || "outside the tree".to_string(),
                |p| model.resources[p].address.clone(),
            );
            let excluded: Vec<usize> = model
                .edges_from(sel)
                .filter(|e| e.label == Label::NotBackedUp)
                .map(|e| model.owner(e.to))
                .collect();
            // The stores it names, and those it may name.
            let mut named: Vec<usize> = model
                .edges_from(sel)
                .filter(|e| e.label == Label::BacksUp)
                .map(|e| model.owner(e.to))
                .collect();
            let mut maybe: Vec<(usize, String)> = Vec::new();
            if let Some(found) = model.prop_set(sel, Prop::BackupSelectionResources) {
                let patterns: Vec<&str> = match found.value.as_ref() {
                    Value::List(items) => items.iter().filter_map(literal).collect(),
                    v => literal(v).into_iter().collect(),
                };
                for pattern in patterns {
                    for (&service, stores) in &by_service {
                        let all = arn::covers_whole_service(pattern, service);
                        for &s in stores {
                            let known = arn::arn_of(model, s);
                            let any = || arn::arn_of_any_name(model, s);
                            match known {
                                _ if all => named.push(s),
                                Some(a) if arn::pattern_covers(pattern, &a) => named.push(s),
                                // Its name is not known: a pattern covering every name covers it.
                                None if any().is_some_and(|a| arn::pattern_covers(pattern, &a)) => {
                                    named.push(s)
                                }
                                None if pattern_of_service(pattern, service) => maybe.push((
                                    s,
                                    format!("whether `{pattern}` covers its name is not known"),
                                )),
                                _ => {}
                            }
                        }
                    }
                }
            }
            // By tags or conditions: any store of the tree may be selected.
            let by_tags = [
                Prop::BackupSelectionSelectionTags,
                Prop::BackupSelectionConditions,
            ]
            .into_iter()
            .any(|p| model.prop_set(sel, p).is_some());
            if by_tags {
                for stores in by_service.values() {
                    for &s in stores {
                        maybe.push((
                            s,
                            "it selects by tags or conditions, which vouch does not match".into(),
                        ));
                    }
                }
            }
            named.sort_unstable();
            named.dedup();
            for s in named.into_iter().filter(|s| !excluded.contains(s)) {
                let mut spans = vec![sel_span];
                let coverage = match &retention {
                    Some(Retention::Known(days, span)) => {
                        spans.push(*span);
                        match days {
                            Some(d) if *d < min_days => Coverage::Short {
                                plan: plan_name.clone(),
                                days: *d,
                                spans,
                            },
                            _ => Coverage::Kept {
                                plan: plan_name.clone(),
                                days: *days,
                                spans,
                            },
                        }
                    }
                    Some(Retention::Unknown(why, span)) => {
                        spans.push(*span);
                        Coverage::Open {
                            why: format!("AWS Backup plan `{plan_name}` selects it, but {why}"),
                            spans,
                        }
                    }
                    None => Coverage::Open {
                        why: format!(
                            "AWS Backup selection `{}` names it, but its plan is not in the tree",
                            model.resources[sel].address
                        ),
                        spans,
                    },
                };
                merge(&mut by_store, s, coverage);
            }
            for (s, why) in maybe.into_iter().filter(|(s, _)| !excluded.contains(s)) {
                let coverage = Coverage::Open {
                    why: format!(
                        "AWS Backup selection `{}` may select it: {why}",
                        model.resources[sel].address
                    ),
                    spans: vec![sel_span],
                };
                merge(&mut by_store, s, coverage);
            }
        }
        BackupPlans { by_store }
    }

    pub(super) fn of(&self, store: usize) -> Option<&Coverage> {
        self.by_store.get(&store)
    }

    /// The findings of a check, with the stores a plan keeps long enough counted as restorable:
    /// a failing or open finding of such a store becomes a pass that says both; a selection that
    /// may cover a failing store makes it open. Stores no selection names are unchanged.
    pub(super) fn apply(&self, findings: Vec<Finding>) -> Vec<Finding> {
        if self.by_store.is_empty() {
            return findings;
        }
        findings
            .into_iter()
            .map(|f| match (&f.outcome, self.of(f.subject)) {
                (Outcome::Pass, _) | (_, None) => f,
                (_, Some(Coverage::Kept { plan, days, spans })) => {
                    let kept = match days {
                        Some(d) => format!("keeps its recovery points {d} days"),
                        None => "never deletes its recovery points".to_string(),
                    };
                    let mut out = Finding::pass(
                        f.subject,
                        format!("{}, but AWS Backup plan `{plan}` backs it up and {kept}", f.detail),
                    );
                    out.evidence = f.evidence.clone();
                    out.at_all(spans.iter().copied())
                }
                (_, Some(Coverage::Short { plan, days, spans })) => {
                    let mut out = f.clone();
                    out.detail = format!(
                        "{} (AWS Backup plan `{plan}` selects it but keeps its recovery points only {days} day{})",
                        f.detail,
                        if *days == 1 { "" } else { "s" }
                    );
                    out.at_all(spans.iter().copied())
                }
                (Outcome::Fail, Some(Coverage::Open { why, spans })) => {
                    let mut out = Finding::new(
                        f.subject,
                        Outcome::unknown(Cause::NotExpressible, why.clone()),
                        format!("{}; {why}", f.detail),
                    );
                    out.evidence = f.evidence.clone();
                    out.at_all(spans.iter().copied())
                }
                (_, Some(Coverage::Open { .. })) => f,
            })
            .collect()
    }
}

/// Keeps the best news for a store a second selection also names: kept beats open beats short.
fn merge(by_store: &mut HashMap<usize, Coverage>, store: usize, c: Coverage) {
    let rank = |c: &Coverage| match c {
        Coverage::Kept { .. } => 2,
        Coverage::Open { .. } => 1,
        Coverage::Short { .. } => 0,
    };
    match by_store.get(&store) {
        Some(old) if rank(old) >= rank(&c) => {}
        _ => {
            by_store.insert(store, c);
        }
    }
}

/// A literal ARN or pattern of a selection's resource list (references are edges instead).
fn literal(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }
}

/// Whether a pattern names resources of `service` (its third field matches it).
fn pattern_of_service(pattern: &str, service: &str) -> bool {
    pattern
        .split(':')
        .nth(2)
        .is_some_and(|s| s == service || s == "*")
}

/// How long a plan keeps recovery points: the shortest `DeleteAfterDays` of its rules
/// (`None` when every rule keeps them for good).
enum Retention {
    Known(Option<u64>, Span),
    Unknown(String, Span),
}

fn retention(model: &Model, plan: usize) -> Retention {
    let rules = model.items(plan, Prop::BackupPlanRules);
    let plan_span = model.resources[plan].span;
    if rules.is_empty() {
        return Retention::Unknown("the plan has no rule the code states".into(), plan_span);
    }
    let mut shortest: Option<(u64, Span)> = None;
    for rule in &rules {
        match rule.prop_set(Prop::BackupPlanRuleDeleteAfterDays) {
            None => {}
            Some(found) => {
                let span = found.span(model, plan);
                match found.text() {
                    Ok(Some(t)) => match t.parse::<f64>() {
                        Ok(d) if d >= 0.0 && d.fract() == 0.0 => {
                            let d = d as u64;
                            if shortest.is_none_or(|(s, _)| d < s) {
                                shortest = Some((d, span));
                            }
                        }
                        _ => {
                            return Retention::Unknown(
                                format!("its retention {t:?} is not a number of days"),
                                span,
                            )
                        }
                    },
                    _ => {
                        return Retention::Unknown(
                            "how long it keeps recovery points is not settled".into(),
                            span,
                        )
                    }
                }
            }
        }
    }
    match shortest {
        Some((d, span)) => Retention::Known(Some(d), span),
        None => Retention::Known(None, rules[0].span()),
    }
}
