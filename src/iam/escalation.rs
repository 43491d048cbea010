//! Privilege escalation: which principals can raise their own privileges, by which known method.
//!
//! The methods are data, `rules/privilege-escalation.json`: each has an id, a name, the exact
//! actions it needs (all of them, plus every action of one `any_of` alternative), and what must
//! exist in the tree for it to work (`needs_existing`: a role to pass, a function that runs as a
//! role, another user, a group the user belongs to, …). The file is compiled in and checked
//! once, on first use, against AWS's action catalog: a misspelt or retired action name is an
//! error, never a method that silently matches nothing.
//!
//! A principal escalates by a method when [`Access::allows_action`] gives at least one Allow for
//! every required action, and each need is met by a resource of the tree that the grants of the
//! need's `via` actions may cover. An Allow is a grant even when it carries conditions (the
//! escalation is then marked conditional); a Deny removes an action only when it is unconditional
//! and surely covers it. A resource entry that cannot be read (an unknown value, an ARN the
//! tree cannot settle) may cover the resource: unknown is never read as the good case.

use super::access::{self, Access, Grant, Source, Target};
use super::arn;
use super::policy::Effect;
use crate::model::Kind;
use crate::model::Model;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// The data file, compiled in.
pub const DATA: &str = include_str!("../../rules/privilege-escalation.json");

/// How a needed resource stands to the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Any resource of the kind.
    #[default]
    Any,
    /// The principal itself.
    #[serde(rename = "self")]
    Itself,
    /// A resource other than the principal.
    Other,
    /// A group the principal (a user) is a member of.
    Member,
}

/// Something that must exist in the tree for a method to work.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Need {
    /// Normalized kinds the resource may have (`lambda.function`).
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub relation: Relation,
    /// The resource runs as (or holds) a role.
    #[serde(default)]
    pub with_role: bool,
    /// The resource is a role whose trust policy lets AWS principals (an account, an ARN) assume it.
    #[serde(default)]
    pub trusts_account: bool,
    /// Actions whose grants must reach the resource (each of them).
    #[serde(default)]
    pub via: Vec<String>,
    pub description: String,
}

/// One escalation method.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    /// `iam.create-policy-version`.
    pub id: String,
    pub name: String,
    pub description: String,
    /// The principal kinds the method works for (`iam.user`, `iam.role`); empty for both.
    #[serde(default)]
    pub principal_kinds: Vec<String>,
    /// Every one of these actions is needed.
    pub actions: Vec<String>,
    /// Alternatives: every action of at least one of these groups is needed too.
    #[serde(default)]
    pub any_of: Vec<Vec<String>>,
    #[serde(default)]
    pub needs_existing: Vec<Need>,
    /// Public write-ups describing the method, by name.
    pub references: Vec<String>,
}

impl Method {
    /// Every action the method names, required or alternative.
    pub fn all_actions(&self) -> impl Iterator<Item = &str> {
        self.actions
            .iter()
            .chain(self.any_of.iter().flatten())
            .map(String::as_str)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    about: String,
    methods: Vec<Method>,
}

/// True when `name` is an action of the catalog written exactly as AWS writes it. Answered from
/// the catalog's static action table: checking the methods file at start parses no service.
fn exact_action(name: &str) -> bool {
    let idx = crate::iam::access::index();
    idx.id(name).is_some_and(|i| idx.names[i as usize] == name)
}

/// Reads and checks a methods file: every action exists in the catalog with AWS's exact name,
/// ids are unique, each need says what it needs and its `via` actions belong to the method.
pub fn parse(text: &str) -> Result<Vec<Method>, Vec<String>> {
    let file: File =
        serde_json::from_str(text).map_err(|e| vec![format!("not a methods file: {e}")])?;
    let mut errors = Vec::new();
    let mut ids = BTreeSet::new();
    for m in &file.methods {
        let id = &m.id;
        if !ids.insert(id.as_str()) {
            errors.push(format!("{id}: duplicate id"));
        }
        let well_formed = id.strip_prefix("iam.").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
        if !well_formed {
            errors.push(format!(
                "{id}: an id is `iam.` and lower-case words joined by `-`"
            ));
        }
        if m.name.trim().is_empty() || m.description.trim().is_empty() {
            errors.push(format!("{id}: name and description are required"));
        }
        if m.references.is_empty() {
            errors.push(format!("{id}: at least one reference is required"));
        }
        if m.actions.is_empty() {
            errors.push(format!("{id}: no required action"));
        }
        if m.any_of.iter().any(Vec::is_empty) {
            errors.push(format!("{id}: an empty any_of alternative"));
        }
        let mut seen = BTreeSet::new();
        for a in &m.actions {
            if !seen.insert(a.as_str()) {
                errors.push(format!("{id}: {a} is listed twice"));
            }
        }
        for a in m.all_actions() {
            if !exact_action(a) {
                errors.push(format!(
                    "{id}: {a} is not an action of the catalog (names are exact)"
                ));
            }
        }
        for k in &m.principal_kinds {
            if !matches!(Kind::parse(k), Some(Kind::IamRole | Kind::IamUser)) {
                errors.push(format!(
                    "{id}: principal kind {k} is neither iam.role nor iam.user"
                ));
            }
        }
        let names: BTreeSet<&str> = m.all_actions().collect();
        for (n, need) in m.needs_existing.iter().enumerate() {
            if need.kinds.is_empty() {
                errors.push(format!("{id}: need {n} names no kind"));
            }
            for k in &need.kinds {
                if Kind::parse(k).is_none() {
                    errors.push(format!(
                        "{id}: need {n} names {k}, which is not a kind of rules/resource-types.tsv"
                    ));
                }
            }
            if need.description.trim().is_empty() {
                errors.push(format!("{id}: need {n} has no description"));
            }
            for v in &need.via {
                if !names.contains(v.as_str()) {
                    errors.push(format!(
                        "{id}: need {n} goes via {v}, which the method does not list"
                    ));
                }
            }
            if matches!(need.relation, Relation::Itself)
                && !need.kinds.iter().all(|k| m.principal_kinds.contains(k))
            {
                errors.push(format!("{id}: need {n} is the principal itself but its kinds are not the method's principal kinds"));
            }
        }
    }
    if errors.is_empty() {
        Ok(file.methods)
    } else {
        Err(errors)
    }
}

/// The methods of `rules/privilege-escalation.json`, read and checked once.
///
/// # Panics
///
/// When the compiled-in file is not valid: a test checks that it is.
pub fn methods() -> &'static [Method] {
    static METHODS: OnceLock<Vec<Method>> = OnceLock::new();
    METHODS.get_or_init(|| match parse(DATA) {
        Ok(m) => m,
        Err(errors) => panic!(
            "rules/privilege-escalation.json is invalid:\n{}",
            errors.join("\n")
        ),
    })
}

/// A method by id.
pub fn method(id: &str) -> Option<&'static Method> {
    methods().iter().find(|m| m.id == id)
}

/// One action of an escalation and the statement that allows it.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub action: &'static str,
    /// The granting statement: an unconditional one when there is one, the first in a stable
    /// order (policy, attribute, statement) otherwise.
    pub source: Source,
    /// Every statement that allows the action carries conditions.
    pub conditional: bool,
    /// How many other statements allow the action too.
    pub others: usize,
}

/// A principal that can raise its privileges by a method.
#[derive(Debug, Clone, Serialize)]
pub struct Escalation {
    /// The role or user (resource index).
    pub principal: usize,
    pub method: &'static Method,
    /// The required actions, then the actions of the first alternative that is allowed.
    pub steps: Vec<Step>,
    /// For each of the method's needs, the resources that meet it (sorted).
    pub existing: Vec<Vec<usize>>,
    /// Some step is allowed only under conditions.
    pub conditional: bool,
}

/// Every principal that escalates, by every method it can use, sorted by principal then method id.
pub fn find(model: &Model, access: &Access) -> Vec<Escalation> {
    let escalates = |p: &usize| matches!(model.resources[*p].kind, Kind::IamRole | Kind::IamUser);
    // Without a role or a user the method table (and the IAM catalog it is checked against) is
    // not loaded.
    if !access.principals.keys().any(escalates) {
        return Vec::new();
    }
    let methods = methods();
    let mut out = Vec::new();
    for &p in access.principals.keys() {
        let kind = model.resources[p].kind;
        if !matches!(kind, Kind::IamRole | Kind::IamUser) {
            continue;
        }
        let mut ctx = Context {
            model,
            access,
            principal: p,
            allows: HashMap::new(),
        };
        for m in methods {
            if !m.principal_kinds.is_empty()
                && !m.principal_kinds.iter().any(|k| k == kind.as_str())
            {
                continue;
            }
            if let Some(e) = ctx.escalation(m) {
                out.push(e);
            }
        }
    }
    out.sort_by(|a, b| (a.principal, &a.method.id).cmp(&(b.principal, &b.method.id)));
    out
}

struct Context<'a> {
    model: &'a Model,
    access: &'a Access,
    principal: usize,
    allows: HashMap<&'static str, Vec<&'a Grant>>,
}

impl<'a> Context<'a> {
    fn allows(&mut self, action: &'static str) -> &[&'a Grant] {
        let (access, p) = (self.access, self.principal);
        self.allows
            .entry(action)
            .or_insert_with(|| access.allows_action(p, action))
    }

    fn step(&mut self, action: &'static str) -> Option<Step> {
        let mut grants: Vec<&Grant> = self.allows(action).to_vec();
        grants.sort_by_key(|g| {
            (
                !g.conditions.is_empty(),
                g.source.policy.as_str(),
                g.source.attribute.as_str(),
                g.source.statement,
            )
        });
        let first = grants.first()?;
        Some(Step {
            action,
            source: first.source.clone(),
            conditional: !first.conditions.is_empty(),
            others: grants.len() - 1,
        })
    }

    fn escalation(&mut self, m: &'static Method) -> Option<Escalation> {
        // A role can only be passed to the services an `iam:PassedToService` condition names.
        if m.actions.iter().any(|a| a == "iam:PassRole") {
            let services = passed_to(m);
            if !self
                .allows("iam:PassRole")
                .iter()
                .any(|g| may_pass_to(g, &services))
            {
                return None;
            }
        }
        let mut steps = Vec::new();
        for a in &m.actions {
            steps.push(self.step(a)?);
        }
        if !m.any_of.is_empty() {
            let alternative = m.any_of.iter().find_map(|group| {
                group
                    .iter()
                    .map(|a| self.step(a))
                    .collect::<Option<Vec<Step>>>()
            })?;
            steps.extend(alternative);
        }
        let mut existing = Vec::new();
        for need in &m.needs_existing {
            let found = self.meeting(need);
            if found.is_empty() {
                return None;
            }
            existing.push(found);
        }
        Some(Escalation {
            principal: self.principal,
            method: m,
            conditional: steps.iter().any(|s| s.conditional),
            steps,
            existing,
        })
    }

    /// The resources of the tree that meet a need.
    fn meeting(&mut self, need: &'static Need) -> Vec<usize> {
        let model = self.model;
        let p = self.principal;
        let mut out = Vec::new();
        for (i, r) in model.resources.iter().enumerate() {
            if r.facet.is_some() {
                continue;
            }
            if !need.kinds.iter().any(|k| k == r.kind.as_str()) {
                continue;
            }
            let related = match need.relation {
                Relation::Any => true,
                Relation::Itself => i == p,
                Relation::Other => i != p,
                Relation::Member => self
                    .access
                    .principals
                    .get(&p)
                    .is_some_and(|pr| pr.groups.contains(&i)),
            };
            if !related
                || (need.with_role && !runs_as_role(model, self.access, i))
                || (need.trusts_account && !trusts_account(self.access, i))
            {
                continue;
            }
            if need.via.iter().all(|a| self.reaches(a, i)) {
                out.push(i);
            }
        }
        out
    }

    /// Some Allow of `action` may cover `resource`, and no unconditional Deny surely does.
    fn reaches(&mut self, action: &'static str, resource: usize) -> bool {
        let model = self.model;
        if !self
            .allows(action)
            .iter()
            .any(|g| may_cover(model, g, resource))
        {
            return false;
        }
        let Some(id) = access::index().id(action) else {
            return false;
        };
        !self.access.grants_of(self.principal).any(|g| {
            !g.boundary
                && g.effect == Effect::Deny
                && g.conditions.is_empty()
                && g.actions.contains(id)
                && g.covers(model, resource)
        })
    }
}

/// The service principals a PassRole method hands its role to: the service of its other
/// actions (`lambda:CreateFunction` → `lambda.amazonaws.com`), with the few whose principal is
/// named otherwise.
fn passed_to(m: &Method) -> Vec<String> {
    let mut out: Vec<String> = m
        .all_actions()
        .filter_map(|a| a.split_once(':').map(|(p, _)| p))
        .filter(|p| *p != "iam")
        .flat_map(|p| match p {
            "ecs" => vec!["ecs-tasks.amazonaws.com".to_string()],
            "autoscaling" => vec![
                "ec2.amazonaws.com".to_string(),
                "autoscaling.amazonaws.com".to_string(),
            ],
            "datapipeline" => vec![
                "datapipeline.amazonaws.com".to_string(),
                "elasticmapreduce.amazonaws.com".to_string(),
            ],
            other => vec![format!("{other}.amazonaws.com")],
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether a PassRole grant may pass a role to one of the services: false only when a
/// positive `iam:PassedToService` condition lists none of them.
fn may_pass_to(g: &Grant, services: &[String]) -> bool {
    g.conditions.iter().all(|c| {
        if !c.key.eq_ignore_ascii_case("iam:PassedToService")
            || !(c.operator.eq_ignore_ascii_case("StringEquals")
                || c.operator.eq_ignore_ascii_case("StringLike"))
        {
            return true;
        }
        c.values.iter().any(|v| match v.as_str() {
            Some(p) => services
                .iter()
                .any(|s| super::policy::wildcard_match(p, s, true)),
            None => true,
        })
    })
}

/// Does an Allow reach the resource? An entry the tree cannot settle may.
fn may_cover(model: &Model, g: &Grant, resource: usize) -> bool {
    let mut covered = false;
    let mut unsure = false;
    for t in &g.targets {
        match t {
            Target::Pattern { arn } => match arn::arn_of(model, resource) {
                Some(a) => covered |= arn::pattern_covers(arn, &a),
                None => unsure = true,
            },
            Target::Unknown { .. } => unsure = true,
            other => covered |= other.covers(model, resource),
        }
    }
    if g.not_resource {
        !covered
    } else {
        covered || unsure
    }
}

/// The resource runs as a role: compute with a role, or a resource that references one.
fn runs_as_role(model: &Model, access: &Access, resource: usize) -> bool {
    access.compute.iter().any(|(c, _)| *c == resource)
        || model.edges.iter().any(|e| {
            model.owner(e.from) == resource
                && model.resources[model.owner(e.to)].kind == Kind::IamRole
        })
}

/// The role's trust policy lets AWS principals (an account root, a user or role ARN, `*`) assume it.
fn trusts_account(access: &Access, role: usize) -> bool {
    let Some(p) = access.principals.get(&role) else {
        return false;
    };
    p.trust
        .iter()
        .flat_map(|t| &t.document.statements)
        .any(|s| {
            s.effect == Effect::Allow
                && s.principal.as_ref().is_some_and(|ps| {
                    !ps.negated
                        && ps
                            .principals
                            .iter()
                            .any(|x| x.kind == "AWS" || x.kind == "*")
                })
                && s.action.as_ref().is_none_or(|a| {
                    a.negated
                        || a.patterns
                            .iter()
                            .any(|pat| super::policy::wildcard_match(pat, "sts:AssumeRole", true))
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_is_valid() {
        assert!(methods().len() >= 20);
    }

    #[test]
    fn wrong_names_are_rejected() {
        let text = r#"{"about": "", "methods": [{"id": "iam.x", "name": "x", "description": "x",
            "actions": ["iam:passrole", "iam:NoSuchAction"], "references": ["r"],
            "needs_existing": [{"kinds": ["iam.role"], "via": ["sts:AssumeRole"], "description": "d"}]}]}"#;
        let errors = parse(text).unwrap_err();
        assert!(
            errors.iter().any(|e| e.contains("iam:passrole")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.contains("iam:NoSuchAction")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.contains("via sts:AssumeRole")),
            "{errors:?}"
        );
    }
}
