//! `vouch drift`: the account's differences from the code, for people and as JSON.

use crate::live::drift::Drift;
use crate::live::Snapshot;
use std::fmt::Write;

/// The JSON of `vouch drift --format json` (documented in docs/drift-json.md).
pub fn to_json(d: &Drift, snapshot: &Snapshot) -> String {
    let value = serde_json::json!({
        "format_version": 1,
        "account": d.account,
        "region": snapshot.region,
        "read_at": d.read_at,
        "roles_read": snapshot.roles.len(),
        "matched": d.matched.iter().map(|(code, arn)| serde_json::json!({"code": code, "arn": arn})).collect::<Vec<_>>(),
        "differences": d.differences,
        "failures": snapshot.failures,
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

pub fn to_text(d: &Drift, snapshot: &Snapshot) -> String {
    let mut out = String::new();
    let account = if d.account.is_empty() {
        "(unknown: nothing was read)"
    } else {
        &d.account
    };
    let _ = writeln!(
        out,
        "account {account}, read at {} ({} roles, {} customer managed policies)",
        d.read_at,
        snapshot.roles.len(),
        snapshot.policies.len()
    );
    let _ = writeln!(
        out,
        "{} of the code's roles matched to deployed roles",
        d.matched.len()
    );
    if d.differences.is_empty() {
        let _ = writeln!(out, "no drift: the deployed roles match the code");
    } else {
        let _ = writeln!(out, "\nDrift ({})", d.differences.len());
        for x in &d.differences {
            let _ = writeln!(out, "  {:<38} {}", x.kind.describe(), x.subject);
            if let Some(code) = &x.code {
                let at = x.location.as_deref().unwrap_or("");
                let _ = writeln!(out, "      code  {code}  {at}");
            }
            let _ = writeln!(out, "      {}", x.detail);
        }
    }
    if !snapshot.failures.is_empty() {
        let _ = writeln!(out, "\nNot read ({})", snapshot.failures.len());
        for f in &snapshot.failures {
            let _ = writeln!(out, "  {}: {}\n      {}", f.call, f.message, f.consequence);
        }
    }
    out
}
