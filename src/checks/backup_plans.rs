//! What AWS Backup keeps of a data store: the plans whose selections name it — by reference,
//! or by an ARN pattern (`*`, `arn:aws:dynamodb:*:*:table/*`) that covers its ARN — and how
//! long their rules keep its recovery points. `data.backups` counts a store an AWS Backup plan
//! keeps long enough as restorable, whatever the store's own setting says: that is how teams
//! that centralise backups protect their tables and databases.
//!
//! A selection by tags picks the stores whose tags in the tree match (`model::tags`); a store
//! whose tags cannot match is not selected. What the code cannot settle stays open: a tag whose
//! value is not known, a condition operator vouch does not match (StringLike, StringNot…), a
//! retention or a resource list that is not known. A selection's
//! `NotResources` that name the store take it out. An S3 bucket is never backed up by a plan
//! unless its versioning is on (AWS Backup refuses the bucket otherwise), so for buckets a plan
//! only adds that to the finding.

use super::{Cause, Finding, Outcome};
use crate::iam::arn;
use crate::model::tags::{self, Tag};
use crate::model::{Kind, Label, Model, Prop, Value};
use crate::network::util;
use crate::source::Span;
use std::collections::{HashMap, HashSet};

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
            // By tags (ListOfTags, any of them) and conditions (all of them): the stores whose
            // tags in the tree match are selected, those whose tags cannot match are not, and a
            // tag the code does not settle leaves the store open.
            let by_tags = TagSelection::of(model, sel);
            if !by_tags.is_empty() {
                let resources_set = model
                    .prop_set(sel, Prop::BackupSelectionResources)
                    .is_some()
                    || model.edges_from(sel).any(|e| e.label == Label::BacksUp);
                let mut candidates: Vec<usize> = Vec::new();
                for stores in by_service.values() {
                    candidates.extend(stores.iter().copied());
                }
                candidates.sort_unstable();
                let by_resource: HashSet<usize> = std::mem::take(&mut named).into_iter().collect();
                let mut by_resource_maybe: HashMap<usize, String> = HashMap::new();
                for (s, why) in std::mem::take(&mut maybe) {
                    by_resource_maybe.entry(s).or_insert(why);
                }
                for s in candidates {
                    // (the resource list, or every store when a selection has neither a list
                    // nor tags; or one of the tags) and every condition.
                    let listed = if resources_set {
                        if by_resource.contains(&s) {
                            Match::Yes
                        } else {
                            match by_resource_maybe.get(&s) {
                                Some(why) => Match::Open(why.clone()),
                                None => Match::No,
                            }
                        }
                    } else if by_tags.any_of.is_empty() {
                        Match::Yes
                    } else {
                        Match::No
                    };
                    match listed
                        .or(by_tags.any_tag(model, s))
                        .and(by_tags.all_conditions(model, s))
                    {
                        Match::Yes => named.push(s),
                        Match::Open(why) => maybe.push((s, why)),
                        Match::No => {}
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

/// Whether a selection's criterion picks a store: yes, no, or not settled (why).
#[derive(Debug, Clone)]
enum Match {
    Yes,
    No,
    Open(String),
}

impl Match {
    fn and(self, other: Match) -> Match {
        match (self, other) {
            (Match::No, _) | (_, Match::No) => Match::No,
            (Match::Open(w), _) | (_, Match::Open(w)) => Match::Open(w),
            _ => Match::Yes,
        }
    }

    fn or(self, other: Match) -> Match {
        match (self, other) {
            (Match::Yes, _) | (_, Match::Yes) => Match::Yes,
            (Match::Open(w), _) | (_, Match::Open(w)) => Match::Open(w),
            _ => Match::No,
        }
    }
}

/// One tag test of a selection: the key and the value it must equal (`Err`: why the code does
/// not settle them).
struct TagTest {
    test: Result<(String, String), String>,
}

/// A selection's tag criteria: `ListOfTags` (`selection_tag`), joined by OR, and the
/// `StringEquals` conditions, joined by AND with each other and with the resource list
/// (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupSelection.html). Other
/// condition operators (StringLike, StringNotEquals, StringNotLike) are not matched: a store
/// they may select stays open.
struct TagSelection {
    any_of: Vec<TagTest>,
    conditions: Vec<TagTest>,
    other: Option<String>,
}

/// The tag key of a condition key: `aws:ResourceTag/backup` is the tag `backup`; a bare key
/// (ListOfTags' usual form) is itself.
fn tag_key(key: &str) -> Option<&str> {
    const PREFIX: &str = "aws:resourcetag/";
    if key
        .get(..PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX))
    {
        return Some(&key[PREFIX.len()..]);
    }
    (!key.contains(':')).then_some(key)
}

impl TagSelection {
    fn of(model: &Model, sel: usize) -> TagSelection {
        // The key/value pairs of one list of the selection (its tags, or its StringEquals
        // conditions).
        let tests = |list: Prop, key: Prop, value: Prop| -> Vec<TagTest> {
            model
                .items(sel, list)
                .iter()
                .map(|item| {
                    let k = item.prop_set(key).map(|f| f.text());
                    let v = item.prop_set(value).map(|f| f.text());
                    let test = match (k, v) {
                        (Some(Ok(Some(k))), Some(Ok(Some(v)))) => match tag_key(&k) {
                            Some(t) => Ok((t.to_string(), v)),
                            None => Err(format!("its condition key `{k}` is not a resource tag")),
                        },
                        _ => Err("a tag it selects by is not settled by the code".to_string()),
                    };
                    TagTest { test }
                })
                .collect()
        };
        let any_of = tests(
            Prop::BackupSelectionSelectionTags,
            Prop::BackupSelectionSelectionTagsKey,
            Prop::BackupSelectionSelectionTagsValue,
        );
        let conditions = tests(
            Prop::BackupSelectionConditionsStringEquals,
            Prop::BackupSelectionConditionsStringEqualsKey,
            Prop::BackupSelectionConditionsStringEqualsValue,
        );
        let other = model
            .props(sel, Prop::BackupSelectionConditionsOther)
            .iter()
            .any(|f| !matches!(f.value.as_ref(), Value::List(l) if l.is_empty()))
            .then(|| {
                "it selects by StringLike or StringNotEquals conditions, which vouch does not match"
                    .to_string()
            });
        TagSelection {
            any_of,
            conditions,
            other,
        }
    }

    fn is_empty(&self) -> bool {
        self.any_of.is_empty() && self.conditions.is_empty() && self.other.is_none()
    }

    /// Whether store `s` carries the tag a test names, with that value.
    fn holds(model: &Model, s: usize, t: &TagTest) -> Match {
        let (key, value) = match &t.test {
            Ok(kv) => kv,
            Err(why) => return Match::Open(why.clone()),
        };
        match tags::tag(&model.resources[s], key) {
            Tag::Known(v, _) if v == *value => Match::Yes,
            Tag::Known(..) | Tag::Absent => Match::No,
            Tag::Unknown(v, _) => Match::Open(format!(
                "whether it carries the tag {key} = {value} is not settled: {}",
                match v.first_unknown() {
                    Some(u) => u.detail.clone(),
                    None => v.written(),
                }
            )),
        }
    }

    fn any_tag(&self, model: &Model, s: usize) -> Match {
        self.any_of
            .iter()
            .fold(Match::No, |m, t| m.or(Self::holds(model, s, t)))
    }

    fn all_conditions(&self, model: &Model, s: usize) -> Match {
        let all = self
            .conditions
            .iter()
            .fold(Match::Yes, |m, t| m.and(Self::holds(model, s, t)));
        match (&self.other, all) {
            (_, Match::No) => Match::No,
            (Some(why), _) => Match::Open(why.clone()),
            (None, m) => m,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_keys_name_resource_tags() {
        assert_eq!(tag_key("aws:ResourceTag/backup"), Some("backup"));
        assert_eq!(tag_key("AWS:RESOURCETAG/Backup"), Some("Backup"));
        assert_eq!(tag_key("backup"), Some("backup"));
        assert_eq!(tag_key("aws:RequestTag/backup"), None);
        // A key whose first bytes are not a character boundary is a bare key, not a panic.
        assert_eq!(tag_key("ééééééééé"), Some("ééééééééé"));
    }

    #[test]
    fn a_criterion_not_settled_is_open_unless_another_decides() {
        let open = || Match::Open("why".into());
        assert!(matches!(Match::No.or(open()), Match::Open(_)));
        assert!(matches!(Match::Yes.or(open()), Match::Yes));
        assert!(matches!(open().and(Match::No), Match::No));
        assert!(matches!(open().and(Match::Yes), Match::Open(_)));
    }
}
