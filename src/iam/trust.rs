//! Who can assume each role, from where: trust policies read into entries with the conditions
//! that matter (`sts:ExternalId`, organization, source ARN / account, OIDC `sub` and `aud`).

use super::policy::{Condition, Effect};
use super::principals::Principal;
use crate::model::Kind;
use crate::model::{Model, Part, Symbol, Value};
use crate::source::Span;
use serde::Serialize;
use std::collections::BTreeMap;

/// Who a trust statement lets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trustee {
    /// `"*"` or `{"AWS": "*"}`: any principal of any account.
    Anyone,
    /// An AWS service (`lambda.amazonaws.com`).
    Service,
    /// The deploying account (its root or one of its principals).
    SameAccount,
    /// Another account, or an account the tree cannot tell from its own.
    OtherAccount,
    /// A web identity or SAML provider.
    Federated,
    /// A principal the tree cannot settle (a variable without default, …).
    Unknown,
}

/// One principal a role trusts, with what restricts it.
#[derive(Debug, Clone, Serialize)]
pub struct TrustEntry {
    pub role: usize,
    pub trustee: Trustee,
    /// The principal as written (`arn:aws:iam::123456789012:root`, `lambda.amazonaws.com`).
    pub principal: String,
    pub actions: Vec<String>,
    pub external_id: bool,
    pub organization: bool,
    pub source_restricted: bool,
    /// For OIDC providers: the token's subject and audience are both constrained.
    pub subject_and_audience: bool,
    /// A web-identity trust: the principal is an OIDC provider (of the tree, or by its ARN) or
    /// the statement allows `sts:AssumeRoleWithWebIdentity` (GitHub Actions, EKS service
    /// accounts through IRSA, any other OIDC issuer).
    pub web_identity: bool,
    pub conditions: Vec<Condition>,
    pub statement: usize,
    #[serde(skip)]
    pub span: Option<Span>,
}

impl TrustEntry {
    /// Why this entry lets in more than it should, per `iam.trust.scoped`; `None` when it is scoped.
    pub fn problem(&self) -> Option<&'static str> {
        match self.trustee {
            Trustee::Anyone if !self.organization && !self.source_restricted => {
                Some("any AWS principal may assume the role")
            }
            Trustee::OtherAccount if !self.external_id && !self.organization => {
                Some("another account may assume the role without sts:ExternalId or an organization condition")
            }
            Trustee::Federated if self.principal.contains("cognito-identity") => {
                (!self.subject_and_audience).then_some("Cognito identity pool tokens are accepted without conditions on aud and amr")
            }
            Trustee::Federated if self.web_identity => {
                (!self.subject_and_audience).then_some("an OIDC provider's tokens are accepted without conditions on both sub and aud")
            }
            Trustee::Unknown => Some("the trusted principal cannot be settled from the code"),
            _ => None,
        }
    }
}

/// Is an `AWS` principal this deployment's own account?
fn aws_trustee(v: &Value) -> Trustee {
    match v {
        Value::String(s) if s == "*" => Trustee::Anyone,
        Value::String(_) => Trustee::OtherAccount,
        Value::Template(parts) => {
            if parts
                .iter()
                .any(|p| matches!(p, Part::Symbol(Symbol::AccountId)))
            {
                Trustee::SameAccount
            } else if parts.iter().any(|p| matches!(p, Part::Unknown(_))) {
                Trustee::Unknown
            } else if parts.iter().any(|p| matches!(p, Part::Ref(_))) {
                // A role or user of the tree (deployed to this account).
                Trustee::SameAccount
            } else {
                Trustee::OtherAccount
            }
        }
        Value::Ref(_) => Trustee::SameAccount,
        Value::Symbol(Symbol::AccountId) => Trustee::SameAccount,
        _ => Trustee::Unknown,
    }
}

/// Does a `Federated` principal name an OIDC provider: one of the tree (by reference), or an
/// ARN of the `oidc-provider/` form?
fn names_oidc_provider(model: &Model, unit: &str, v: &Value) -> bool {
    let is_provider = |address: &str| {
        model
            .index_of(unit, address)
            .is_some_and(|i| model.resources[i].kind == Kind::IamOidcProvider)
    };
    match v {
        Value::String(s) => s.contains(":oidc-provider/"),
        Value::Ref(r) => is_provider(&r.resource),
        Value::Template(parts) => parts.iter().any(|p| match p {
            Part::Text(t) => t.contains(":oidc-provider/"),
            Part::Ref(r) => is_provider(&r.resource),
            _ => false,
        }),
        _ => false,
    }
}

/// The trust entries of every role.
pub fn trust(model: &Model, principals: &BTreeMap<usize, Principal>) -> Vec<TrustEntry> {
    let mut out = Vec::new();
    for (&role, p) in principals {
        if model.resources[role].kind != Kind::IamRole {
            continue;
        }
        for held in &p.trust {
            for st in &held.document.statements {
                if st.effect != Effect::Allow {
                    continue;
                }
                let Some(spec) = &st.principal else { continue };
                let keys: Vec<String> = st.conditions.iter().map(|c| c.key_lower()).collect();
                let has = |k: &str| keys.iter().any(|x| x == k);
                let ends = |k: &str| keys.iter().any(|x| x.ends_with(k));
                let web_action = st.action.as_ref().is_some_and(|a| {
                    a.patterns
                        .iter()
                        .any(|p| p.eq_ignore_ascii_case("sts:AssumeRoleWithWebIdentity"))
                });
                for pr in &spec.principals {
                    let trustee = match pr.kind.as_str() {
                        "*" => Trustee::Anyone,
                        "AWS" => aws_trustee(&pr.id),
                        "Service" => Trustee::Service,
                        "Federated" => Trustee::Federated,
                        _ => Trustee::Unknown,
                    };
                    let trustee = if spec.negated {
                        Trustee::Anyone
                    } else {
                        trustee
                    };
                    out.push(TrustEntry {
                        role,
                        trustee,
                        principal: pr.id.written(),
                        actions: st
                            .action
                            .as_ref()
                            .map(|a| a.patterns.clone())
                            .unwrap_or_default(),
                        external_id: has("sts:externalid"),
                        organization: has("aws:principalorgid") || has("aws:principalorgpaths"),
                        source_restricted: has("aws:sourcearn")
                            || has("aws:sourceaccount")
                            || has("aws:principalaccount")
                            || has("aws:principalarn"),
                        subject_and_audience: (ends(":sub") && ends(":aud"))
                            || (has("cognito-identity.amazonaws.com:aud")
                                && has("cognito-identity.amazonaws.com:amr")),
                        web_identity: web_action
                            || (pr.kind == "Federated"
                                && names_oidc_provider(model, &model.resources[role].unit, &pr.id)),
                        conditions: st.conditions.clone(),
                        statement: st.index,
                        span: held.span,
                    });
                }
            }
        }
    }
    out
}
