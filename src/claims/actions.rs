//! IAM actions a sentence names, and the assumptions what the product knows of them makes the
//! sentence about.
//!
//! Engineers name an IAM control by the action that breaks it: "the task role is allowed
//! `iam:CreatePolicyVersion`", "the policy grants `secretsmanager:GetSecretValue` on
//! `arn:aws:secretsmanager:*:*:secret:*`", "`s3:*` on the bucket". No rule file lists those
//! words, and a list would go stale; the repository already knows the actions. So the topic
//! comes from its data:
//!
//! - an action that is by itself a method of `rules/privilege-escalation.json` (or a wildcard
//!   that covers one), or `iam:PassRole` on every role when a method of that file passes a
//!   role → `iam.no-privilege-escalation`;
//! - an action that reads a secret's value (`rules/content-reads.tsv`) on every secret →
//!   `iam.secrets.scoped`;
//! - `kms:Decrypt` (or a wildcard that covers it) on every key → `kms.key-policy.scoped`;
//! - a whole-service wildcard (`s3:*`), the action `*`, or an action of a data service (the
//!   least-privilege check's `data_services`) on every resource of its type (`*`, `table/*`,
//!   "on a wildcard") → `iam.compute.least-privilege`. What that check does not fail
//!   (`iam:PassRole` or `logs:PutLogEvents` on `*`) is no claim of it either.
//!
//! Granting the action is what fails; the detector's negations, refusals and undoing verbs turn
//! "no role gets …", "an SCP denies …" into what holds. Not for least privilege: that a role
//! lacks one broad grant ("neither role holds `iam:*`", "no root `kms:*` delegation") says
//! nothing of the rest of its grants, so only the absence of the action `*` itself ("no `*`
//! actions anywhere", what engineers mean by "no wildcard actions") holds it. Only the
//! catalog's names are read (`aws:SourceArn` and `dynamodb:LeadingKeys` are condition keys, not
//! actions).

use super::text::Token;
use crate::iam::{arn, catalog, escalation};

/// One action named in a sentence, with the assumptions it is evidence for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    /// The first word of the action in the sentence's tokens (for a bare `*`, the word after
    /// it: "no `*` actions").
    pub at: usize,
    /// How many words it covers.
    pub len: usize,
    /// The action as written (`iam:CreatePolicyVersion`, `s3:*`, `*`).
    pub action: String,
    /// The assumptions it is evidence for.
    pub about: Vec<About>,
}

/// What one action is evidence for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct About {
    /// The assumption.
    pub assumption: &'static str,
    /// Why the action bears on it.
    pub why: String,
    /// Whether the action's absence ("no role holds …") holds the assumption, or only its grant
    /// says anything (it fails).
    pub absence_holds: bool,
}

/// The escalation methods of exactly one action and no alternatives, split by where they
/// reach: those that work on the principal itself (`iam:CreatePolicyVersion`,
/// `iam:AttachRolePolicy` on its own role: no resource needed, or only its own role, user or
/// group), and those that borrow another resource's identity (`sts:AssumeRole` of a role that
/// trusts the account, `lambda:UpdateFunctionCode` of a function with a role,
/// `ssm:StartSession` on an instance). One that needs another action beside it (`iam:PassRole`
/// with `lambda:CreateFunction`) says nothing by itself.
fn single_action_methods(on_itself: bool) -> &'static [&'static str] {
    static SPLIT: std::sync::OnceLock<[Vec<&'static str>; 2]> = std::sync::OnceLock::new();
    let [itself, others] = SPLIT.get_or_init(|| {
        let mut split: [Vec<&'static str>; 2] = [Vec::new(), Vec::new()];
        for m in escalation::methods()
            .iter()
            .filter(|m| m.actions.len() == 1 && m.any_of.is_empty())
        {
            let own = m.needs_existing.iter().all(|n| {
                matches!(
                    n.relation,
                    escalation::Relation::Itself | escalation::Relation::Member
                )
            });
            split[usize::from(!own)].push(m.actions[0].as_str());
        }
        for list in &mut split {
            list.sort_unstable();
            list.dedup();
        }
        split
    });
    if on_itself {
        itself
    } else {
        others
    }
}

/// The actions that escalate alone, whatever they are granted on.
fn escalating_alone() -> &'static [&'static str] {
    single_action_methods(true)
}

/// The actions that escalate through the resource they act on. Which role a named function or
/// instance runs as, a sentence does not say (an operator's `ssm:StartSession`, a trust policy's
/// `sts:AssumeRole`, a pipeline's `lambda:UpdateFunctionCode` on its own function are how the
/// system works); granted on every resource of the kind, they reach the most privileged one.
fn escalating_through_target() -> &'static [&'static str] {
    single_action_methods(false)
}

/// The actions that read a secret's value (`rules/content-reads.tsv`).
fn secret_reads() -> &'static [&'static str] {
    crate::model::Kind::parse("secretsmanager.secret")
        .map_or(&[], crate::checks::iam::content_reads)
}

/// The action that uses a KMS key to read what it protects.
const KEY_USE: &str = "kms:Decrypt";

/// The action that hands a role to a service. Its resource is the role handed: granted on
/// every role, the methods of `rules/privilege-escalation.json` that pass a role can pass an
/// administrator's.
const PASS_ROLE: &str = "iam:PassRole";

/// Whether some escalation method needs `iam:PassRole` (so the data, not this file, says that
/// passing any role escalates).
fn passing_escalates() -> bool {
    escalation::methods()
        .iter()
        .any(|m| m.all_actions().any(|a| a == PASS_ROLE))
}

/// The services whose actions on every resource the least-privilege check fails (its
/// `data_services` parameter in `rules/assumptions/iam.compute.least-privilege.yaml`: data
/// stores, secrets and keys). `iam:PassRole` or `logs:CreateLogGroup` on `*` is no
/// least-privilege failure by that check, so no claim of one either.
fn data_services() -> &'static [String] {
    static SERVICES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SERVICES.get_or_init(|| {
        crate::assumptions::rule(LEAST_PRIVILEGE)
            .into_iter()
            .flat_map(|r| &r.checks)
            .filter_map(|c| c.params.get("data_services")?.as_array())
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    })
}

/// The assumption a wildcard action or a data-store action on every resource breaks.
const LEAST_PRIVILEGE: &str = "iam.compute.least-privilege";

/// Whether `name` (`service:Action`, maybe with wildcards) is an IAM action pattern of the
/// catalog: a literal action it knows, or a wildcard over a service it knows.
fn is_action(name: &str) -> bool {
    let Some((service, action)) = name.split_once(':') else {
        return false;
    };
    if action.is_empty() || action.contains(':') || !catalog::is_known_service(service) {
        return false;
    }
    if action.contains(['*', '?']) {
        return true;
    }
    crate::iam::access::index().id(name).is_some()
}

/// Characters of an action pattern as written (`iam:PassRole`, `s3:Get*`).
fn action_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ':' | '*' | '?' | '-')
}

/// Characters of a resource as written (`arn:aws:s3:::bucket/*`).
fn resource_char(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, ')' | '(' | ',' | ';' | '`' | '"' | '\''))
}

/// The actions `text` names, where each stands in its tokens, and what each is evidence for.
pub(crate) fn grants(text: &str, tokens: &[Token]) -> Vec<Grant> {
    // Cheap test first: every action has a colon or is a lone star.
    if !text.contains([':', '*']) {
        return Vec::new();
    }
    let mut found: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next().unwrap_or(' ');
        if !action_char(c) {
            i += c.len_utf8();
            continue;
        }
        let end = text[i..]
            .find(|c: char| !action_char(c))
            .map_or(text.len(), |k| i + k);
        let word = text[i..end].trim_end_matches([':', '-']);
        let lone_star = word == "*"
            && (i == 0 || !text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '/'));
        if is_action(word) || (lone_star && star_is_action(&text[end..])) {
            found.push((i..i + word.len(), word.to_string()));
        }
        i = end.max(i + 1);
        while i < text.len() && !text.is_char_boundary(i) {
            i += 1;
        }
    }
    let mut out = Vec::new();
    for (k, (range, action)) in found.iter().enumerate() {
        // The word it stands at: its first token (a lone `*` has none: the word after it).
        let Some(at) = tokens.iter().position(|t| t.span.start >= range.start) else {
            continue;
        };
        let len = tokens[at..]
            .iter()
            .take_while(|t| t.span.end <= range.end || t.span.start < range.end)
            .count()
            .max(1);
        // The resource: the first "on X" after this action and the ones listed with it
        // ("iam:CreatePolicyVersion and iam:SetDefaultPolicyVersion on …").
        let listed_end = found[k..]
            .windows(2)
            .take_while(|w| joined(&text[w[0].0.end..w[1].0.start]))
            .last()
            .map_or(range.end, |w| w[1].0.end);
        if observed(&text[listed_end..]) {
            continue;
        }
        let resource = resource_after(&text[listed_end..]);
        let every_resource = resource.as_deref().is_some_and(names_every_resource);
        out.push(Grant {
            at,
            len,
            action: action.clone(),
            about: evidence(action, every_resource),
        });
    }
    out.retain(|g| !g.about.is_empty());
    out
}

/// Nouns after an action that make it a call someone makes or an event a log records, not a
/// permission: "alerts fire on any `iam:CreatePolicyVersion` **event**", "CloudTrail records
/// every `kms:Decrypt` **call**". Seeing a call says nothing of who may make it.
const OBSERVED: &[&str] = &[
    "event",
    "events",
    "call",
    "calls",
    "api",
    "request",
    "requests",
    "attempt",
    "attempts",
    "invocation",
    "invocations",
];

/// Whether the word right after an action (and the ones listed with it) makes it an observed
/// call ([`OBSERVED`]).
fn observed(after: &str) -> bool {
    OBSERVED.contains(&next_word(after).as_str())
}

/// The word that follows an action, past its closing backtick, lowercase.
fn next_word(after: &str) -> String {
    after
        .trim_start_matches(['`', ' '])
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Whether the text between two actions only lists them ("`, `", " and ", " or ", "/").
fn joined(between: &str) -> bool {
    let t = between.trim();
    t.is_empty() || matches!(t, "," | "/" | "and" | "or" | ", and" | ", or" | "&")
}

/// A lone `*` is an action where the word after it says so ("no `*` actions") or a resource
/// follows it ("`*` on `*`").
fn star_is_action(after: &str) -> bool {
    matches!(next_word(after).as_str(), "action" | "actions" | "on")
}

/// The resource of "on X" right after an action (a few words at most: "on its own managed
/// policy"), lowercase; `None` when no `on` follows.
fn resource_after(after: &str) -> Option<String> {
    let rest = after.trim_start_matches(['`', ' ']);
    let rest = rest.strip_prefix("on ")?;
    let rest = rest.trim_start_matches(['`', ' ']);
    let first: String = rest.chars().take_while(|&c| resource_char(c)).collect();
    let first = first.trim_end_matches(['.', ':']).to_ascii_lowercase();
    // "on a wildcard", "on every secret", "on all keys".
    let words: Vec<String> = rest
        .split_whitespace()
        .take(2)
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_ascii_lowercase()
        })
        .collect();
    let quantified = match words.as_slice() {
        [a, b, ..] if a == "a" || a == "any" => b.starts_with("wildcard") || a == "any",
        [a, ..] => matches!(a.as_str(), "every" | "all" | "any" | "wildcard"),
        _ => false,
    };
    Some(if quantified { "*".to_string() } else { first })
}

/// Whether a resource as written names every resource of its type (`*`, `secret:*`,
/// `arn:aws:iam::*:role/*`); a name or prefix (`reelforge-*`, "its own managed policy") does not.
fn names_every_resource(resource: &str) -> bool {
    arn::names_every_resource_of_type(resource)
}

/// The assumptions an action (and whether it is granted on every resource) is evidence for.
fn evidence(action: &str, every_resource: bool) -> Vec<About> {
    let covers = |name: &str| action == "*" || catalog::matches(action, name);
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let service_wide = action == "*" || action.split_once(':').is_some_and(|(_, a)| a == "*");
    if action != "*" {
        if let Some(alone) = escalating_alone().iter().find(|a| covers(a)) {
            out.push((
                "iam.no-privilege-escalation",
                format!("`{alone}` escalates alone (rules/privilege-escalation.json)"),
            ));
        }
    }
    if every_resource && action != "*" {
        if out.is_empty() && covers(PASS_ROLE) && passing_escalates() {
            out.push((
                "iam.no-privilege-escalation",
                format!(
                    "`{PASS_ROLE}` on every role passes any role (rules/privilege-escalation.json)"
                ),
            ));
        }
        if out.is_empty() {
            if let Some(through) = escalating_through_target().iter().find(|a| covers(a)) {
                out.push((
                    "iam.no-privilege-escalation",
                    format!(
                        "`{through}` on every resource reaches the most privileged one (rules/privilege-escalation.json)"
                    ),
                ));
            }
        }
        if let Some(read) = secret_reads().iter().find(|a| covers(a)) {
            out.push((
                "iam.secrets.scoped",
                format!("`{read}` reads secrets (rules/content-reads.tsv), on every secret"),
            ));
        }
        if covers(KEY_USE) {
            out.push(("kms.key-policy.scoped", format!("`{KEY_USE}` on every key")));
        }
    }
    let on_data = action.split_once(':').is_some_and(|(service, _)| {
        data_services()
            .iter()
            .any(|s| s.eq_ignore_ascii_case(service))
    });
    if service_wide || (every_resource && on_data) {
        out.push((
            LEAST_PRIVILEGE,
            if service_wide {
                "every action of the service".to_string()
            } else {
                "on every resource".to_string()
            },
        ));
    }
    out.into_iter()
        .map(|(assumption, why)| About {
            assumption,
            why,
            // One broad grant missing is no least privilege; every action missing is.
            absence_holds: assumption != LEAST_PRIVILEGE || action == "*",
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::text::tokenize;

    fn about(text: &str) -> Vec<(String, Vec<&'static str>)> {
        grants(text, &tokenize(text))
            .into_iter()
            .map(|g| {
                (
                    g.action,
                    g.about.into_iter().map(|a| a.assumption).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn claims_actions_that_escalate_alone_are_read_from_the_data() {
        assert_eq!(
            about("The build role may call iam:AttachRolePolicy on its own role."),
            [(
                "iam:AttachRolePolicy".to_string(),
                vec!["iam.no-privilege-escalation"]
            )]
        );
        // PassRole needs a second action to escalate: on one role, nothing.
        assert!(about("The role holds iam:PassRole on the worker role.").is_empty());
        // On every role it can pass an administrator's; IAM is no data service, so `*` there
        // is no least-privilege failure by itself.
        assert_eq!(
            about("The worker role has iam:PassRole on *."),
            [(
                "iam:PassRole".to_string(),
                vec!["iam.no-privilege-escalation"]
            )]
        );
        assert!(about("The function may call logs:PutLogEvents on *.").is_empty());
        // What borrows another resource's role escalates only where that may be any resource:
        // a trust policy's AssumeRole, an operator's session, a deploy of one function are how
        // the system works.
        assert!(about("The trust policy allows sts:AssumeRole from the CI account.").is_empty());
        assert!(about("Operators use ssm:StartSession to reach instances.").is_empty());
        assert!(
            about("The deployer has lambda:UpdateFunctionCode on its own function.").is_empty()
        );
        assert_eq!(
            about("The pipeline role can call lambda:UpdateFunctionCode on every function."),
            [(
                "lambda:UpdateFunctionCode".to_string(),
                vec!["iam.no-privilege-escalation"]
            )]
        );
        // A wildcard over IAM covers the methods, and is every action of the service.
        assert_eq!(
            about("Ops has iam:* there."),
            [(
                "iam:*".to_string(),
                vec!["iam.no-privilege-escalation", "iam.compute.least-privilege"]
            )]
        );
    }

    #[test]
    fn claims_resources_of_a_grant_decide_breadth() {
        assert_eq!(
            about("The job reads secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:111122223333:secret:*."),
            [(
                "secretsmanager:GetSecretValue".to_string(),
                vec!["iam.secrets.scoped", "iam.compute.least-privilege"]
            )]
        );
        assert!(about(
            "The job reads secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:111122223333:secret:billing-*."
        )
        .is_empty());
        assert_eq!(
            about("The analyst role gets kms:Decrypt and kms:GenerateDataKey on *."),
            [
                (
                    "kms:Decrypt".to_string(),
                    vec!["kms.key-policy.scoped", "iam.compute.least-privilege"]
                ),
                (
                    "kms:GenerateDataKey".to_string(),
                    vec!["iam.compute.least-privilege"]
                ),
            ]
        );
        assert_eq!(
            about("The loader has dynamodb:* on the orders table."),
            [(
                "dynamodb:*".to_string(),
                vec!["iam.compute.least-privilege"]
            )]
        );
        assert_eq!(
            about("No role has * actions."),
            [("*".to_string(), vec!["iam.compute.least-privilege"])]
        );
    }

    #[test]
    fn claims_condition_keys_and_arns_are_no_actions() {
        assert!(about("The trust policy checks aws:SourceArn and aws:SourceAccount.").is_empty());
        assert!(about("A dynamodb:LeadingKeys condition pins the partition key.").is_empty());
        assert!(about("Keys live at arn:aws:kms:eu-west-1:111122223333:key/*.").is_empty());
        assert!(about("Rotation: on.").is_empty());
    }

    #[test]
    fn claims_an_action_seen_as_a_call_is_no_grant() {
        assert!(about("Alerts fire on any iam:CreatePolicyVersion event.").is_empty());
        assert!(about("CloudTrail records every `iam:PassRole` call on `*`.").is_empty());
        assert!(
            about("GuardDuty flags iam:AttachRolePolicy and iam:PutRolePolicy API calls.")
                .is_empty()
        );
        assert_eq!(
            about("The build role holds iam:AttachRolePolicy."),
            [(
                "iam:AttachRolePolicy".to_string(),
                vec!["iam.no-privilege-escalation"]
            )]
        );
    }
}
