//! The principals the code runs as but does not declare, from the account.
//!
//! A function whose role ARN comes from a variable without default, or names a role another
//! stack made, leaves its privileges open: the tree does not hold the role's policies. With a
//! snapshot of the account, each such compute resource is matched to its deployed role — by the
//! deployed function of the same name (what the role variable was set to at deploy time), or by
//! the literal ARN or name the code gives — and those roles, with the customer managed policies
//! they attach, are written as a CloudFormation template that the CloudFormation frontend lowers
//! like any other. The checks then reason about them as they reason about the tree's own roles;
//! nothing downstream knows they came from the account except the locations, which are records
//! ("account 123456789012, role X, read at T") rather than file regions.
//!
//! Only roles the code runs as enter the model: the account's other principals are not part of
//! the system the document describes (they are [`super::drift`]'s business).

use super::Snapshot;
use crate::diagnostics::Diagnostic;
use crate::iam::principals::{compute_role_refs, RoleOf};
use crate::load::{FileKind, InputFile, Loaded, Parsed};
use crate::model::{Kind, Label, Link, Model, Prop};
use crate::source::{Record, SourceFile, Span};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// How a compute resource's role was found in the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settled {
    /// Unit and address of the compute resource in the code.
    pub unit: String,
    pub compute: String,
    /// The deployed role it runs as.
    pub role_arn: String,
    /// How the match was made (`the deployed function orders-api runs as it`).
    pub how: String,
}

/// What the account added to the model.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AccountFacts {
    pub account: String,
    pub region: String,
    pub read_at: String,
    /// The unit the account's principals were lowered into.
    pub unit: String,
    pub settled: Vec<Settled>,
    /// Compute whose role stays open although the account was read, with why.
    pub unmatched: Vec<(String, String)>,
    /// Calls that failed, and what is missing because of them.
    pub failures: Vec<super::Failure>,
}

/// The unit name of an account's principals: not a path of the tree.
pub fn unit_name(account: &str) -> String {
    format!("aws-account/{account}/iam.json")
}

/// Adds the deployed roles the code's compute runs as to `model` (which must be linked), links
/// each compute resource to its role, and records where each of them came from.
pub fn add_to_model(
    snapshot: &Snapshot,
    loaded: &mut Loaded,
    model: &mut Model,
    diagnostics: &mut Vec<Diagnostic>,
) -> AccountFacts {
    let mut facts = AccountFacts {
        account: snapshot.account.clone(),
        region: snapshot.region.clone(),
        read_at: snapshot.read_at.clone(),
        unit: unit_name(&snapshot.account),
        failures: snapshot.failures.clone(),
        ..AccountFacts::default()
    };
    // compute index → deployed role ARN
    let mut wanted: BTreeMap<usize, (String, String)> = BTreeMap::new();
    for c in compute_role_refs(model) {
        let RoleOf::Unsettled { unknown } = &c.role else {
            continue;
        };
        let r = &model.resources[c.compute];
        match deployed_role(snapshot, model, c.compute) {
            Some((arn, how)) => {
                wanted.insert(c.compute, (arn, how));
            }
            None => facts.unmatched.push((
                format!("{} {}", r.unit, r.address),
                format!(
                    "{}; the account holds no function of that name and no role the code names",
                    unknown.detail
                ),
            )),
        }
    }
    if wanted.is_empty() {
        return facts;
    }
    // Indices move when the model is linked again: keep each compute resource by address, with
    // the span of the attribute that names its role.
    let wanted: Vec<(String, String, Span, String, String)> = wanted
        .into_iter()
        .map(|(i, (arn, how))| {
            let r = &model.resources[i];
            let span = role_prop(r.kind)
                .and_then(|p| model.prop_set(i, p))
                .map(|f| f.span(model, i))
                .unwrap_or(r.span);
            (r.unit.clone(), r.address.clone(), span, arn, how)
        })
        .collect();
    let mut arns: Vec<&str> = wanted.iter().map(|w| w.3.as_str()).collect();
    arns.sort_unstable();
    arns.dedup();
    let (text, ids) = super::template::write(snapshot, &arns);
    let path = facts.unit.clone();
    let id = loaded.sources.add(SourceFile::new(
        path.clone(),
        PathBuf::new(),
        Arc::from(text.as_str()),
    ));
    let parsed = match crate::syntax::yaml::parse(&text) {
        Ok(node) => node,
        Err(e) => {
            // The template is vouch's own writing: failing to read it is a bug, said plainly.
            diagnostics.push(Diagnostic::error(
                &path,
                "account",
                format!("the template written from the account could not be read back: {e:?}"),
            ));
            return facts;
        }
    };
    let file = InputFile {
        id,
        kind: FileKind::CloudFormation,
        dir: "aws-account".into(),
        parsed: Parsed::Yaml(parsed),
    };
    let tree_files = std::mem::replace(&mut loaded.files, vec![file]);
    crate::cloudformation::lower(
        loaded,
        &crate::cloudformation::ParamOptions::default(),
        model,
        diagnostics,
    );
    loaded.files = tree_files;
    // The account is where the roles live, not a deployment unit of the tree: no unit-scoped
    // assumption (an audit trail per unit) is about it.
    model.units.retain(|u| u.id != facts.unit);
    model.link();
    let mut records = Vec::new();
    for (logical, arn) in &ids {
        if let Some(i) = model.index_of(&facts.unit, logical) {
            records.push((
                model.resources[i].span,
                Record {
                    arn: arn.clone(),
                    aws_region: snapshot.region.clone(),
                    api_call: "iam:GetAccountAuthorizationDetails".into(),
                    time: snapshot.read_at.clone(),
                },
            ));
        }
    }
    let mut links = Vec::new();
    for (unit, address, span, arn, how) in wanted {
        let Some(logical) = ids.iter().find(|(_, a)| *a == arn).map(|(l, _)| l) else {
            continue;
        };
        links.push(Link {
            from: (unit.clone(), address.clone()),
            to: (facts.unit.clone(), logical.clone()),
            label: Label::RunsAs,
            attribute: "role".into(),
            target_attribute: "arn".into(),
            span,
        });
        facts.settled.push(Settled {
            unit,
            compute: address,
            role_arn: arn,
            how,
        });
    }
    model.add_records(records);
    model.add_links(links);
    facts
}

/// The property naming the role a compute kind runs as.
fn role_prop(kind: Kind) -> Option<Prop> {
    match kind {
        Kind::LambdaFunction => Some(Prop::LambdaFunctionRole),
        Kind::EcsTaskDefinition => Some(Prop::EcsTaskDefinitionTaskRoleArn),
        Kind::Ec2Instance => Some(Prop::Ec2InstanceIamInstanceProfile),
        _ => None,
    }
}

/// A value as a pattern of deployed names: text as is, the parts only known at deploy time (the
/// account, a variable) as `*`; `None` when nothing of it is text.
fn pattern(v: &crate::model::Value) -> Option<String> {
    use crate::model::{Part, Value};
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Template(parts) => {
            let p: String = parts
                .iter()
                .map(|p| match p {
                    Part::Text(t) => t.as_str(),
                    _ => "*",
                })
                .collect();
            // The name itself (after the last `/`) must hold some text: `role/${var.name}`
            // names no role in particular.
            let name = p.rsplit(['/', ':']).next().unwrap_or_default();
            name.contains(|c: char| c != '*').then_some(p)
        }
        _ => None,
    }
}

/// The deployed role compute resource `i` runs as, and how it was found.
fn deployed_role<'a>(snapshot: &'a Snapshot, model: &Model, i: usize) -> Option<(String, String)> {
    let kind = model.resources[i].kind;
    // What the code says, when it is text: a literal ARN or name of a role made elsewhere.
    if let Some(text) = role_prop(kind)
        .and_then(|p| model.prop_set(i, p))
        .and_then(|f| pattern(f.value.as_ref()))
    {
        // A name built from variables is a pattern: it settles the role only when exactly one
        // deployed role fits it.
        let only = |fits: Vec<&'a super::Role>| (fits.len() == 1).then(|| fits[0]);
        let by_arn = only(
            snapshot
                .roles
                .iter()
                .filter(|r| crate::iam::policy::wildcard_match(&text, &r.arn, false))
                .collect(),
        );
        let by_name = || {
            let name = text.rsplit('/').next().unwrap_or(&text);
            only(
                snapshot
                    .roles
                    .iter()
                    .filter(|r| crate::iam::policy::wildcard_match(name, &r.name, false))
                    .collect(),
            )
        };
        if let Some(role) = by_arn.or_else(by_name) {
            return Some((
                role.arn.clone(),
                format!("the code names the role {}", role.name),
            ));
        }
    }
    // A function: the deployed function of the same name runs as the role it was given.
    if kind == Kind::LambdaFunction {
        let name = model.prop_set(i, Prop::LambdaFunctionFunctionName)?;
        let name = name.as_str()?;
        let f = snapshot.functions.iter().find(|f| f.name == name)?;
        let role = snapshot.role_by_arn(&f.role)?;
        return Some((
            role.arn.clone(),
            format!(
                "the deployed function {} runs as the role {}",
                f.name, role.name
            ),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::pattern;
    use crate::model::{Part, Reason, Unknown, Value};

    fn unknown() -> Part {
        Part::Unknown(Unknown {
            reason: Reason::VariableWithoutDefault,
            detail: "var.env".into(),
        })
    }

    #[test]
    fn names_built_from_variables_are_patterns_only_when_they_hold_a_name() {
        let arn = |tail: Vec<Part>| {
            let mut parts = vec![Part::Text("arn:aws:iam::".into()), unknown()];
            parts.push(Part::Text(":role/".into()));
            parts.extend(tail);
            Value::Template(parts)
        };
        assert_eq!(
            pattern(&arn(vec![unknown(), Part::Text("-orders".into())])).as_deref(),
            Some("arn:aws:iam::*:role/*-orders")
        );
        assert_eq!(pattern(&arn(vec![unknown()])), None);
        assert_eq!(
            pattern(&Value::String("platform-reports".into())).as_deref(),
            Some("platform-reports")
        );
    }
}
