//! The deployed truth of a live AWS account, as one more origin of facts.
//!
//! `vouch scan --aws` reads the account's IAM (roles, users, groups, their inline and attached
//! policies, trust policies, boundaries, instance profiles, customer managed policies' default
//! versions) and the Lambda functions' roles into a [`Snapshot`]. The snapshot is plain data: it
//! is read by [`fetch`] (the AWS SDK, behind the `aws` cargo feature) and everything else here
//! works on it without a network, so it is tested without one.
//!
//! Two uses:
//! - [`account`]: the principals the code runs as but does not declare (a role ARN from a
//!   variable, a role another stack made) enter the model as resources of a template written
//!   from the snapshot, so the same checks decide them; their evidence names the account, the
//!   role and the time it was read instead of a file and line.
//! - [`drift`]: what the account holds that the code does not, and what differs.

pub mod account;
pub mod drift;
#[cfg(feature = "aws")]
pub mod fetch;
pub mod template;

use serde::{Deserialize, Serialize};

/// Everything read from one account, sorted by name so that the same account gives the same
/// bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The 12-digit account id (from the ARNs read).
    pub account: String,
    /// The region the regional calls (Lambda) went to.
    pub region: String,
    /// When the reading finished (RFC 3339, UTC).
    pub read_at: String,
    pub roles: Vec<Role>,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    /// Customer managed policies with their default version's document.
    pub policies: Vec<Policy>,
    pub functions: Vec<Function>,
    /// Calls that failed: what was not read, and why. The rest of the snapshot stands.
    pub failures: Vec<Failure>,
}

/// An IAM role as deployed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub path: String,
    pub arn: String,
    /// The trust policy (JSON).
    pub trust: serde_json::Value,
    pub inline: Vec<InlinePolicy>,
    /// ARNs of the attached managed policies (AWS's and the account's).
    pub attached: Vec<String>,
    pub boundary: Option<String>,
    pub instance_profiles: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub path: String,
    pub arn: String,
    pub inline: Vec<InlinePolicy>,
    pub attached: Vec<String>,
    pub groups: Vec<String>,
    pub boundary: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub path: String,
    pub arn: String,
    pub inline: Vec<InlinePolicy>,
    pub attached: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InlinePolicy {
    pub name: String,
    pub document: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    pub path: String,
    pub arn: String,
    /// The default version's document.
    pub document: serde_json::Value,
}

/// A Lambda function as deployed: what role it runs as.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    pub arn: String,
    pub role: String,
}

/// A call that could not be made or answered.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Failure {
    /// The API call (`iam:GetAccountAuthorizationDetails (roles)`).
    pub call: String,
    /// What the service or the client said.
    pub message: String,
    /// What is missing from the snapshot because of it.
    pub consequence: String,
}

/// How to reach the account (`--profile`, `--region`, `--endpoint-url`).
#[derive(Debug, Clone, Default)]
pub struct AccountOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Why nothing at all could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Snapshot {
    /// Sorts every list so that the snapshot (and what is made from it) is deterministic.
    pub fn normalize(&mut self) {
        self.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.users.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.groups.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.functions.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.failures.sort();
        for r in &mut self.roles {
            r.inline.sort_by(|a, b| a.name.cmp(&b.name));
            r.attached.sort();
            r.instance_profiles.sort();
        }
        for u in &mut self.users {
            u.inline.sort_by(|a, b| a.name.cmp(&b.name));
            u.attached.sort();
            u.groups.sort();
        }
        for g in &mut self.groups {
            g.inline.sort_by(|a, b| a.name.cmp(&b.name));
            g.attached.sort();
        }
        if self.account.is_empty() {
            self.account = self
                .roles
                .iter()
                .map(|r| r.arn.as_str())
                .chain(self.policies.iter().map(|p| p.arn.as_str()))
                .chain(self.functions.iter().map(|f| f.arn.as_str()))
                .find_map(account_of)
                .unwrap_or_default()
                .to_string();
        }
    }

    pub fn role_by_arn(&self, arn: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.arn == arn)
    }

    pub fn role_by_name(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.name == name)
    }

    pub fn policy_by_arn(&self, arn: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.arn == arn)
    }
}

/// The account id of an ARN (`arn:aws:iam::123456789012:role/x` → `123456789012`).
pub fn account_of(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// A policy document as IAM returns it: JSON, or JSON URL-encoded (RFC 3986) as
/// `GetAccountAuthorizationDetails` and `GetPolicyVersion` return it. `None` when it is neither.
pub fn decode_document(text: &str) -> Option<serde_json::Value> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        if let Ok(v) = serde_json::from_str(trimmed) {
            return Some(v);
        }
    }
    serde_json::from_str(&percent_decode(text)?).ok()
}

/// `%7B%22a%22` → `{"a"`; `None` on a malformed escape or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_decode_plain_and_url_encoded() {
        let plain = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(decode_document(plain), decode_document(encoded));
        assert!(decode_document(plain).is_some());
        assert_eq!(decode_document("%7"), None);
        assert_eq!(decode_document("not json"), None);
    }

    #[test]
    fn the_account_comes_from_the_arns() {
        let mut s = Snapshot {
            roles: vec![Role {
                arn: "arn:aws:iam::123456789012:role/a".into(),
                ..Role::default()
            }],
            ..Snapshot::default()
        };
        s.normalize();
        assert_eq!(s.account, "123456789012");
        assert_eq!(account_of("arn:aws:iam::aws:policy/ReadOnlyAccess"), None);
    }
}
