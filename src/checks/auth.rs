//! Authentication and tenancy checks: MFA on user pools, authorizers on API routes, tenant
//! claims in tokens.

use super::{no_params, Cause, Check, Facts, Finding, Outcome, Params};
use crate::network::util;

pub(super) fn checks() -> Vec<Check> {
    vec![Check {
        name: "cognito.mfa-required",
        about: "each Cognito user pool requires MFA (`mfa_configuration = ON`); users of federated identity providers are left to the provider",
        run: mfa_required,
        validate: no_params,
    }]
}

/// `OFF` (the default) and `OPTIONAL` fail; `ON` passes unless the pool federates sign-in to
/// identity providers, whose users' MFA the provider decides (an open question).
fn mfa_required(facts: &Facts, _: &Params) -> Vec<Finding> {
    let model = facts.model;
    let mut out = Vec::new();
    for pool in facts.of_kind("cognito.user-pool") {
        let r = &model.resources[pool];
        let (setting, span) = match util::first_at(r, &["mfa_configuration", "MfaConfiguration"]) {
            Some((path, v)) => (util::text(Some(v)), r.span_of(&path)),
            None => (Ok(None), r.span),
        };
        let finding = match setting {
            Err(v) => Finding::new(pool, unknown_of(&v), "the MFA setting cannot be read"),
            Ok(None) => Finding::fail(pool, "no MFA setting: Cognito's default is OFF"),
            Ok(Some(s)) if s.eq_ignore_ascii_case("ON") => {
                let providers = util::referrers(model, pool, "ref:userpoolid")
                    .into_iter()
                    .filter(|&i| model.resources[i].kind == "cognito.identity-provider")
                    .collect::<Vec<_>>();
                if providers.is_empty() {
                    Finding::pass(pool, "MFA is ON for every user")
                } else {
                    let names: Vec<&str> = providers
                        .iter()
                        .map(|&i| model.resources[i].address.as_str())
                        .collect();
                    Finding::new(
                        pool,
                        Outcome::unknown(
                            Cause::IdentityProvider,
                            format!(
                                "users who sign in through {} get MFA only if that identity provider enforces it",
                                names.join(", ")
                            ),
                        ),
                        "MFA is ON for the pool's own users",
                    )
                    .at_all(providers.iter().map(|&i| model.resources[i].span))
                }
            }
            Ok(Some(s)) => Finding::fail(pool, format!("MFA is {s}, not required")),
        };
        out.push(finding.at(span));
    }
    out
}

/// The outcome for a setting whose value the tree cannot settle.
pub(super) fn unknown_of(v: &crate::model::Value) -> Outcome {
    match v.first_unknown() {
        Some(u) => Outcome::from_unknown(u),
        None => Outcome::unknown(
            Cause::NotExpressible,
            format!("the value `{v}` cannot be evaluated"),
        ),
    }
}
