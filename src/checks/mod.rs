//! Checks: the evaluators that rule files name. A check reads the reasoning library's facts
//! (IAM, KMS, network) and gives every resource in its scope an outcome: pass, fail, or unknown
//! with the reason the code cannot settle it.
//!
//! A check never guesses: a value the tree cannot settle (a variable without default, a module
//! outside the tree, behaviour in application code) is an [`Outcome::Unknown`] with its
//! [`Cause`], which the reconcile engine turns into a precise question. A check that finds no
//! resource in its scope returns nothing; the engine decides what that means (`not_applicable`
//! for a resource-scoped rule, an open question for an account-scoped one).
//!
//! One module per area; [`REGISTRY`] lists every check by the name rule files use.

mod auth;
mod backup_plans;
mod data;
pub(crate) mod iam;
mod imds;
mod kms;
mod network;
pub mod ranked;
mod tls;

use crate::iam::access::Access;
use crate::model::Kind;
use crate::model::{Model, Reason, Unknown};
use crate::source::Span;
use serde::Serialize;
use std::sync::OnceLock;

/// What a check made of one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    Unknown { cause: Cause, reason: String },
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Unknown { .. } => "unknown",
        }
    }

    /// An unknown for a value the tree cannot settle, with the value's own reason.
    pub fn from_unknown(u: &Unknown) -> Outcome {
        Outcome::Unknown {
            cause: Cause::from_reason(u.reason),
            reason: format!("{} ({})", u.detail, u.reason.describe()),
        }
    }

    /// The outcome of a value the check cannot read as the data it expects: the value's own
    /// unknown when it holds one, else "cannot be evaluated" with the value as written.
    pub fn of_value(v: &crate::model::Value) -> Outcome {
        match v.first_unknown() {
            Some(u) => Outcome::from_unknown(u),
            None => Outcome::unknown(
                Cause::NotExpressible,
                format!("the value `{v}` cannot be evaluated"),
            ),
        }
    }

    pub fn unknown(cause: Cause, reason: impl Into<String>) -> Outcome {
        Outcome::Unknown {
            cause,
            reason: reason.into(),
        }
    }

    /// Orders outcomes for combining: a failure outweighs an unknown, which outweighs a pass.
    fn weight(&self) -> u8 {
        match self {
            Outcome::Pass => 0,
            Outcome::Unknown { .. } => 1,
            Outcome::Fail => 2,
        }
    }

    /// The combined outcome of two findings about the same subject.
    pub fn worst(self, other: Outcome) -> Outcome {
        if other.weight() > self.weight() {
            other
        } else {
            self
        }
    }
}

/// Why the code cannot settle a subject: what a question tells the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// A value from a variable or parameter with no default and no value given.
    Variable,
    /// A resource outside the scanned tree: a data source, remote state, an external module,
    /// an imported value, a literal ARN or id of something not declared here.
    OutsideTree,
    /// Behaviour that lives in application code (a Lambda handler, a backend).
    ApplicationCode,
    /// An identity provider outside the code decides it.
    IdentityProvider,
    /// A setting IaC cannot express, or a value vouch cannot evaluate.
    NotExpressible,
    /// An account- or organization-level control that a workload repository usually does not
    /// declare.
    AccountLevel,
    /// The code attaches an AWS managed policy that AWS's catalog (as vouch knows it) does not
    /// hold: the deployment fails as written, or the policy is newer than vouch's snapshot.
    NoSuchManagedPolicy,
}

impl Cause {
    pub fn from_reason(r: Reason) -> Cause {
        match r {
            Reason::VariableWithoutDefault | Reason::ParameterWithoutDefault => Cause::Variable,
            Reason::DataSource | Reason::ExternalModule | Reason::OutsideTree => Cause::OutsideTree,
            Reason::Computed
            | Reason::UnsupportedFunction
            | Reason::InvalidExpression
            | Reason::Cycle
            | Reason::Limit => Cause::NotExpressible,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Cause::Variable => "a value comes from a variable or parameter with no default",
            Cause::OutsideTree => "it depends on something outside the scanned tree",
            Cause::ApplicationCode => "it is decided by application code, not infrastructure",
            Cause::IdentityProvider => "it is decided by an identity provider outside the code",
            Cause::NotExpressible => "the infrastructure code cannot express or settle it",
            Cause::NoSuchManagedPolicy => {
                "an attached AWS managed policy is not in AWS's catalog"
            }
            Cause::AccountLevel => {
                "it is an account- or organization-level control, usually managed in another repository"
            }
        }
    }
}

/// What one check says about one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Index of the subject in [`Model::resources`]: the resource the assumption is about (a
    /// function rather than its role, a table rather than its key), so that doc claims about
    /// named components and questions read naturally.
    pub subject: usize,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// One sentence saying what was found ("the role allows `dynamodb:*` on `*`").
    pub detail: String,
    /// Where: the first span is the decisive setting; the others support it.
    #[serde(skip)]
    pub evidence: Vec<Span>,
    /// How many more findings of this subject and outcome, ranked after this one, the check
    /// left unwritten (see [`ranked::write_ranked`]): the report counts them in its "and N more"
    /// summary. Zero for every finding but the first one a check leaves out.
    #[serde(skip)]
    pub more: usize,
}

impl Finding {
    pub fn new(subject: usize, outcome: Outcome, detail: impl Into<String>) -> Finding {
        Finding {
            subject,
            outcome,
            detail: detail.into(),
            evidence: Vec::new(),
            more: 0,
        }
    }

    pub fn pass(subject: usize, detail: impl Into<String>) -> Finding {
        Finding::new(subject, Outcome::Pass, detail)
    }

    pub fn fail(subject: usize, detail: impl Into<String>) -> Finding {
        Finding::new(subject, Outcome::Fail, detail)
    }

    pub fn at(mut self, span: Span) -> Finding {
        if !self.evidence.contains(&span) {
            self.evidence.push(span);
        }
        self
    }

    pub fn at_all(mut self, spans: impl IntoIterator<Item = Span>) -> Finding {
        for s in spans {
            self = self.at(s);
        }
        self
    }
}

/// The facts checks read, computed once per scan and only when a check asks for them.
pub struct Facts<'a> {
    pub model: &'a Model,
    access: OnceLock<Access>,
    protection: OnceLock<Vec<crate::kms::StoreEncryption>>,
    keys: OnceLock<Vec<crate::kms::KeyFacts>>,
    placement: OnceLock<Vec<crate::network::Placement>>,
    edges: OnceLock<Vec<crate::network::PublicEdge>>,
    ingress: OnceLock<Vec<crate::network::OpenRule>>,
    datastores: OnceLock<Vec<crate::network::Exposure>>,
    endpoints: OnceLock<Vec<crate::network::ServiceReach>>,
    principals: OnceLock<std::collections::BTreeMap<usize, crate::iam::principals::Principal>>,
    reach: OnceLock<crate::iam::reach::Reach>,
}

impl<'a> Facts<'a> {
    pub fn new(model: &'a Model) -> Facts<'a> {
        Facts {
            model,
            access: OnceLock::new(),
            protection: OnceLock::new(),
            keys: OnceLock::new(),
            placement: OnceLock::new(),
            edges: OnceLock::new(),
            ingress: OnceLock::new(),
            datastores: OnceLock::new(),
            endpoints: OnceLock::new(),
            principals: OnceLock::new(),
            reach: OnceLock::new(),
        }
    }

    pub fn access(&self) -> &Access {
        self.access.get_or_init(|| Access::compute(self.model))
    }

    /// Which resources each principal can reach at all: evaluate access only for those pairs.
    pub fn reach(&self) -> &crate::iam::reach::Reach {
        self.reach
            .get_or_init(|| crate::iam::reach::Reach::new(self.model, self.access(), |_| true))
    }

    pub fn protection(&self) -> &[crate::kms::StoreEncryption] {
        self.protection
            .get_or_init(|| crate::kms::protection(self.model))
    }

    pub fn keys(&self) -> &[crate::kms::KeyFacts] {
        self.keys
            .get_or_init(|| crate::kms::keys(self.model, self.access()))
    }

    pub fn placement(&self) -> &[crate::network::Placement] {
        self.placement
            .get_or_init(|| crate::network::placement(self.model))
    }

    pub fn public_edges(&self) -> &[crate::network::PublicEdge] {
        self.edges
            .get_or_init(|| crate::network::public_edges(self.model))
    }

    pub fn open_ingress(&self) -> &[crate::network::OpenRule] {
        self.ingress
            .get_or_init(|| crate::network::open_ingress(self.model))
    }

    pub fn public_datastores(&self) -> &[crate::network::Exposure] {
        self.datastores
            .get_or_init(|| crate::network::public_datastores(self.model))
    }

    pub fn endpoints(&self) -> &[crate::network::ServiceReach] {
        self.endpoints.get_or_init(|| {
            crate::network::endpoints_with(self.model, self.access(), self.placement())
        })
    }

    pub fn principals(
        &self,
    ) -> &std::collections::BTreeMap<usize, crate::iam::principals::Principal> {
        self.principals
            .get_or_init(|| crate::iam::principals::principals(self.model))
    }

    /// Resources of a kind, deployed (not switched off by a false condition), without the
    /// configuration resources that are facets of one (`aws_s3_bucket_versioning`).
    pub fn of_kind<'s>(&'s self, kind: Kind) -> impl Iterator<Item = usize> + 's {
        self.model
            .resources
            .iter()
            .enumerate()
            .filter(move |(_, r)| {
                r.kind == kind && r.facet.is_none() && crate::network::util::deployed(r)
            })
            .map(|(i, _)| i)
    }
}

/// Check parameters, as written in the rule file (a JSON object).
pub type Params = serde_json::Value;

/// One evaluator.
pub struct Check {
    pub name: &'static str,
    /// What it decides, in one line (for `vouch explain` and the catalog test).
    pub about: &'static str,
    pub run: fn(&Facts, &Params) -> Vec<Finding>,
    /// Rejects parameters the check does not understand.
    pub validate: fn(&Params) -> Result<(), String>,
}

/// Accepts only an empty parameter object.
pub fn no_params(p: &Params) -> Result<(), String> {
    match p.as_object() {
        Some(m) if m.is_empty() => Ok(()),
        _ => Err("this check takes no parameters".into()),
    }
}

/// Every check, by name.
pub fn registry() -> &'static [Check] {
    static ALL: OnceLock<Vec<Check>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all = Vec::new();
        all.extend(iam::checks());
        all.extend(kms::checks());
        all.extend(network::checks());
        all.extend(tls::checks());
        all.extend(auth::checks());
        all.extend(data::checks());
        all.extend(imds::checks());
        all.sort_by_key(|c| c.name);
        all
    })
}

pub fn lookup(name: &str) -> Option<&'static Check> {
    registry().iter().find(|c| c.name == name)
}
