//! Where the account has drifted from the code.
//!
//! Each role the code declares is matched to its deployed role by name (a literal name, or a
//! name built from variables read as a pattern, when exactly one deployed role fits), and the two
//! are compared: the trust policy, the inline policies statement by statement, the attached
//! managed policies. Roles the account holds that the code does not declare are reported when
//! they fall within the names the code uses: a path other than `/` that a declared role uses, or
//! the common prefix of the declared roles' names (`orders-`). A role the code declares that
//! has no deployed counterpart is reported as not deployed (or deployed under a generated name).
//!
//! Statements are compared on what they mean, not how they are written: effect, actions
//! (case-insensitive, as a set), resources (a resource the code names by reference is the ARN
//! pattern of the referenced resource), principals and conditions. A code document that is not
//! known (a variable without default) cannot be compared, and the drift says so.

use super::{Role, Snapshot};
use crate::iam::policy::{self, Document, Statement};
use crate::iam::principals::{principals, PolicyKind};
use crate::model::{Kind, Model, Part, Prop, Value};
use serde::Serialize;
use std::collections::BTreeSet;

/// One difference between the account and the code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Difference {
    pub kind: DriftKind,
    /// The deployed role's ARN (or the code role's address when it is not deployed).
    pub subject: String,
    /// The code role (unit and address), when the code declares one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `file:line` of the code role, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// A role in the account, within the names the code uses, that the code does not declare.
    UndeclaredRole,
    /// A customer managed policy in the account, named like the code's roles and policies, that
    /// the code does not declare.
    UndeclaredPolicy,
    /// A role the code declares that the account does not hold.
    NotDeployed,
    TrustDiffers,
    StatementAdded,
    StatementRemoved,
    ManagedPolicyAttached,
    ManagedPolicyDetached,
    /// The code's side is not known (a document from a variable): not compared.
    NotComparable,
}

impl DriftKind {
    pub fn describe(self) -> &'static str {
        match self {
            DriftKind::UndeclaredRole => "role not in the code",
            DriftKind::UndeclaredPolicy => "managed policy not in the code",
            DriftKind::NotDeployed => "role not deployed",
            DriftKind::TrustDiffers => "trust policy differs",
            DriftKind::StatementAdded => "statement added by hand",
            DriftKind::StatementRemoved => "statement missing from the account",
            DriftKind::ManagedPolicyAttached => "managed policy attached by hand",
            DriftKind::ManagedPolicyDetached => "managed policy missing from the account",
            DriftKind::NotComparable => "not comparable",
        }
    }
}

/// The drift of one account from one tree.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Drift {
    pub account: String,
    pub read_at: String,
    /// Code roles matched to deployed roles: (code unit and address, deployed ARN).
    pub matched: Vec<(String, String)>,
    pub differences: Vec<Difference>,
}

/// A deployed name pattern of a code role: its literal name, or its name with `*` for the parts
/// only known at deploy time. `None` when the name is generated (not set) or wholly unknown.
fn name_pattern(model: &Model, i: usize) -> Option<String> {
    let Some(found) = model.prop_set(i, Prop::IamRoleRoleName) else {
        // Terraform's `name_prefix`: the provider appends a unique suffix.
        let prefix = model.prop_set(i, Prop::IamRoleNamePrefix)?;
        return Some(format!("{}*", prefix.as_str()?));
    };
    match found.value.as_ref() {
        Value::String(s) => Some(s.to_string()),
        Value::Template(parts) => {
            let p: String = parts
                .iter()
                .map(|p| match p {
                    Part::Text(t) => t.as_str(),
                    _ => "*",
                })
                .collect();
            (p.chars().any(|c| c != '*')).then_some(p)
        }
        _ => None,
    }
}

/// The text of a policy element for comparison: references become the ARN pattern of what they
/// name, the deployment's symbols and unknown parts become `*`.
fn element_text(model: &Model, unit: &str, v: &Value) -> String {
    let ref_text = |r: &crate::model::Ref| {
        model
            .index_of(unit, &r.resource)
            .filter(|_| r.attribute.eq_ignore_ascii_case("arn") || r.attribute.is_empty())
            .and_then(|i| crate::iam::arn::arn_of(model, i))
            .unwrap_or_else(|| "*".into())
    };
    match v {
        Value::String(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Ref(r) => ref_text(r),
        Value::Template(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::Ref(r) => ref_text(r),
                _ => "*".into(),
            })
            .collect(),
        _ => "*".into(),
    }
}

/// A statement reduced to what it means, as comparable text per element.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Canon {
    effect: String,
    actions: Vec<String>,
    resources: Vec<String>,
    principals: Vec<String>,
    conditions: Vec<String>,
    /// Written in full from what both sides know (no `*` stands for an unknown).
    text: String,
}

fn canon(model: &Model, unit: &str, s: &Statement) -> Canon {
    let mut actions: Vec<String> = s
        .action
        .as_ref()
        .map(|a| {
            let neg = if a.negated { "not:" } else { "" };
            a.patterns
                .iter()
                .map(|p| format!("{neg}{}", p.to_ascii_lowercase()))
                .chain(a.unresolved.iter().map(|_| "*".to_string()))
                .collect()
        })
        .unwrap_or_default();
    actions.sort();
    actions.dedup();
    let mut resources: Vec<String> = s
        .resource
        .as_ref()
        .map(|r| {
            let neg = if r.negated { "not:" } else { "" };
            r.items
                .iter()
                .map(|v| format!("{neg}{}", element_text(model, unit, v)))
                .collect()
        })
        .unwrap_or_default();
    resources.sort();
    resources.dedup();
    let mut principals: Vec<String> = s
        .principal
        .as_ref()
        .map(|p| {
            p.principals
                .iter()
                .map(|x| format!("{}:{}", x.kind, element_text(model, unit, &x.id)))
                .collect()
        })
        .unwrap_or_default();
    principals.sort();
    principals.dedup();
    let mut conditions: Vec<String> = s
        .conditions
        .iter()
        .map(|c| {
            let mut values: Vec<String> = c
                .values
                .iter()
                .map(|v| element_text(model, unit, v))
                .collect();
            values.sort();
            format!(
                "{}{}:{}={}",
                c.operator,
                if c.if_exists { "IfExists" } else { "" },
                c.key_lower(),
                values.join(",")
            )
        })
        .collect();
    conditions.sort();
    let effect = format!("{:?}", s.effect);
    let text = format!(
        "{effect} {} on {}{}{}",
        actions.join(", "),
        if resources.is_empty() {
            "-".to_string()
        } else {
            resources.join(", ")
        },
        if principals.is_empty() {
            String::new()
        } else {
            format!(" for {}", principals.join(", "))
        },
        if conditions.is_empty() {
            String::new()
        } else {
            format!(" when {}", conditions.join(" and "))
        },
    );
    Canon {
        effect,
        actions,
        resources,
        principals,
        conditions,
        text,
    }
}

/// Does the code's statement (patterns, `*` for what the code leaves to deploy time) stand for
/// the deployed one (literal)?
fn same(code: &Canon, deployed: &Canon) -> bool {
    let covers = |a: &[String], b: &[String]| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(p, t)| p == t || policy::wildcard_match(p, t, false))
    };
    code.effect == deployed.effect
        && code.actions == deployed.actions
        && covers(&code.resources, &deployed.resources)
        && covers(&code.principals, &deployed.principals)
        && covers(&code.conditions, &deployed.conditions)
}

/// Statements of `deployed` that no statement of `code` stands for, and the reverse.
fn statement_diff(code: &[Canon], deployed: &[Canon]) -> (Vec<String>, Vec<String>) {
    let added = deployed
        .iter()
        .filter(|d| !code.iter().any(|c| same(c, d)))
        .map(|d| d.text.clone())
        .collect();
    let removed = code
        .iter()
        .filter(|c| !deployed.iter().any(|d| same(c, d)))
        .map(|c| c.text.clone())
        .collect();
    (added, removed)
}

fn json_doc(v: &serde_json::Value) -> Document {
    policy::parse(&Value::from_json(v))
}

/// The common prefix of the names, cut after its last `-` or `_` (`orders-api`, `orders-worker`
/// → `orders-`); `None` below two names or without such a separator.
fn common_prefix(names: &[&str]) -> Option<String> {
    if names.len() < 2 {
        return None;
    }
    let first = names[0];
    let mut len = first.len();
    for n in &names[1..] {
        len = len.min(
            first
                .bytes()
                .zip(n.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    let prefix = &first[..len];
    let cut = prefix.rfind(['-', '_'])? + 1;
    (cut > 3).then(|| prefix[..cut].to_string())
}

/// Compares the roles `model` declares (outside the account's own unit) with `snapshot`.
pub fn drift(model: &Model, sources: &crate::source::Sources, snapshot: &Snapshot) -> Drift {
    let account_unit = super::account::unit_name(&snapshot.account);
    let held = principals(model);
    let mut out = Drift {
        account: snapshot.account.clone(),
        read_at: snapshot.read_at.clone(),
        ..Drift::default()
    };
    let mut claimed: BTreeSet<&str> = BTreeSet::new();
    let mut literal_names: Vec<String> = Vec::new();
    let mut code_paths: BTreeSet<String> = BTreeSet::new();
    let mut code_roles: Vec<(usize, Option<&Role>)> = Vec::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.kind != Kind::IamRole || r.facet.is_some() || r.unit == account_unit {
            continue;
        }
        if let Some(p) = model
            .prop_set(i, Prop::IamRoleRolePath)
            .and_then(|f| f.as_str().map(str::to_string))
        {
            if p != "/" {
                code_paths.insert(p);
            }
        }
        let deployed = name_pattern(model, i).and_then(|pattern| {
            if !pattern.contains('*') {
                literal_names.push(pattern.clone());
                return snapshot.role_by_name(&pattern);
            }
            let fits: Vec<&Role> = snapshot
                .roles
                .iter()
                .filter(|d| policy::wildcard_match(&pattern, &d.name, false))
                .collect();
            (fits.len() == 1).then(|| fits[0])
        });
        code_roles.push((i, deployed));
    }
    for (i, deployed) in code_roles {
        let r = &model.resources[i];
        let code = format!("{} {}", r.unit, r.address);
        let location = Some(sources.region(r.span).file_line());
        let Some(d) = deployed else {
            out.differences.push(Difference {
                kind: DriftKind::NotDeployed,
                subject: r.address.clone(),
                code: Some(code),
                location,
                detail: match name_pattern(model, i) {
                    Some(p) => format!("no role named {p} in account {}", snapshot.account),
                    None => "its name is generated at deploy time, so no deployed role can be matched to it".into(),
                },
            });
            continue;
        };
        claimed.insert(d.arn.as_str());
        out.matched.push((code.clone(), d.arn.clone()));
        let diff = |kind, detail: String| Difference {
            kind,
            subject: d.arn.clone(),
            code: Some(code.clone()),
            location: location.clone(),
            detail,
        };
        let Some(p) = held.get(&i) else { continue };
        // Trust policy.
        let code_trust: Vec<&crate::iam::principals::HeldPolicy> = p.trust.iter().collect();
        if code_trust.iter().any(|h| h.document.unknown.is_some()) {
            out.differences.push(diff(
                DriftKind::NotComparable,
                "the code's trust policy is not known before deploy; not compared".into(),
            ));
        } else {
            let code: Vec<Canon> = code_trust
                .iter()
                .flat_map(|h| h.document.statements.iter())
                .map(|s| canon(model, &r.unit, s))
                .collect();
            let deployed: Vec<Canon> = json_doc(&d.trust)
                .statements
                .iter()
                .map(|s| canon(model, &r.unit, s))
                .collect();
            let (added, removed) = statement_diff(&code, &deployed);
            if !added.is_empty() || !removed.is_empty() {
                let mut parts = Vec::new();
                if !added.is_empty() {
                    parts.push(format!("the account trusts: {}", added.join("; ")));
                }
                if !removed.is_empty() {
                    parts.push(format!("the code trusts: {}", removed.join("; ")));
                }
                out.differences
                    .push(diff(DriftKind::TrustDiffers, parts.join("; ")));
            }
        }
        // Identity policies: inline (and customer managed ones of the tree) as statements;
        // AWS managed ones by ARN.
        let mut code_statements: Vec<Canon> = Vec::new();
        let mut code_aws_managed: BTreeSet<String> = BTreeSet::new();
        let mut comparable = true;
        for h in &p.identity {
            if h.document.unknown.is_some() {
                comparable = false;
            }
            match h.kind {
                PolicyKind::AwsManaged => {
                    code_aws_managed.insert(h.attribute.clone());
                }
                _ => code_statements.extend(
                    h.document
                        .statements
                        .iter()
                        .map(|s| canon(model, &r.unit, s)),
                ),
            }
        }
        let mut deployed_statements: Vec<Canon> = Vec::new();
        for ip in &d.inline {
            deployed_statements.extend(
                json_doc(&ip.document)
                    .statements
                    .iter()
                    .map(|s| canon(model, &r.unit, s)),
            );
        }
        for a in &d.attached {
            match snapshot.policy_by_arn(a) {
                Some(cp) => deployed_statements.extend(
                    json_doc(&cp.document)
                        .statements
                        .iter()
                        .map(|s| canon(model, &r.unit, s)),
                ),
                None if a.contains(":aws:policy/") && !code_aws_managed.remove(a) => {
                    out.differences.push(diff(
                        DriftKind::ManagedPolicyAttached,
                        format!("{a} is attached in the account, not in the code"),
                    ));
                }
                None => {}
            }
        }
        for a in code_aws_managed {
            out.differences.push(diff(
                DriftKind::ManagedPolicyDetached,
                format!("the code attaches {a}; the deployed role does not have it"),
            ));
        }
        if !comparable {
            out.differences.push(diff(
                DriftKind::NotComparable,
                "a policy of the code is not known before deploy; its statements were not compared"
                    .into(),
            ));
            continue;
        }
        let (added, removed) = statement_diff(&code_statements, &deployed_statements);
        for s in added {
            out.differences.push(diff(DriftKind::StatementAdded, s));
        }
        for s in removed {
            out.differences.push(diff(DriftKind::StatementRemoved, s));
        }
    }
    // Roles the account holds within the code's names that the code does not declare.
    let names: Vec<&str> = literal_names.iter().map(String::as_str).collect();
    let prefix = common_prefix(&names);
    for d in &snapshot.roles {
        if claimed.contains(d.arn.as_str()) {
            continue;
        }
        let by_path = code_paths.contains(&d.path);
        let by_prefix = prefix.as_deref().is_some_and(|p| d.name.starts_with(p));
        if by_path || by_prefix {
            out.differences.push(Difference {
                kind: DriftKind::UndeclaredRole,
                subject: d.arn.clone(),
                code: None,
                location: None,
                detail: if by_path {
                    format!(
                        "{} has the path {} the code uses, and the code does not declare it",
                        d.name, d.path
                    )
                } else {
                    format!(
                        "{} is named like the code's roles ({}…), and the code does not declare it",
                        d.name,
                        prefix.as_deref().unwrap_or_default()
                    )
                },
            });
        }
    }
    // Customer managed policies named like the code's, that the code does not declare.
    let mut policy_names: BTreeSet<String> = BTreeSet::new();
    for (i, r) in model.resources.iter().enumerate() {
        if r.kind == Kind::IamPolicy && r.facet.is_none() && r.unit != account_unit {
            if let Some(n) = model
                .prop_set(i, Prop::IamPolicyManagedPolicyName)
                .and_then(|f| f.as_str().map(str::to_string))
            {
                policy_names.insert(n);
            }
        }
    }
    let mut all_names: Vec<&str> = names.clone();
    all_names.extend(policy_names.iter().map(String::as_str));
    let prefix = common_prefix(&all_names).or(prefix);
    for p in &snapshot.policies {
        if policy_names.contains(&p.name) {
            continue;
        }
        let by_path = code_paths.contains(&p.path);
        let by_prefix = prefix.as_deref().is_some_and(|x| p.name.starts_with(x));
        if by_path || by_prefix {
            out.differences.push(Difference {
                kind: DriftKind::UndeclaredPolicy,
                subject: p.arn.clone(),
                code: None,
                location: None,
                detail: format!(
                    "{} is named like the code's roles and policies ({}), and the code does not declare it",
                    p.name,
                    if by_path { p.path.clone() } else { format!("{}…", prefix.as_deref().unwrap_or_default()) }
                ),
            });
        }
    }
    out.differences.sort();
    out.differences.dedup();
    out.matched.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::common_prefix;

    #[test]
    fn the_common_prefix_ends_at_a_separator() {
        assert_eq!(
            common_prefix(&["orders-api", "orders-worker"]).as_deref(),
            Some("orders-")
        );
        assert_eq!(common_prefix(&["orders-api"]), None);
        assert_eq!(common_prefix(&["ab-x", "ab-y"]), None);
        assert_eq!(common_prefix(&["api", "worker"]), None);
    }
}
