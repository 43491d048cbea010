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

/// `vouch drift --format sarif`: one result per difference, for code scanning. A difference
/// about a role the code declares is at that role; one about a role only the account holds is
/// at the first declared role the drift names (code scanning needs a file), and says so.
pub fn to_sarif(d: &Drift, repo: &crate::report::alerts::RepoContext) -> String {
    use crate::live::drift::DriftKind;
    use serde_json::json;
    let kinds = [
        DriftKind::UndeclaredRole,
        DriftKind::UndeclaredPolicy,
        DriftKind::NotDeployed,
        DriftKind::TrustDiffers,
        DriftKind::StatementAdded,
        DriftKind::StatementRemoved,
        DriftKind::ManagedPolicyAttached,
        DriftKind::ManagedPolicyDetached,
        DriftKind::NotComparable,
    ];
    let id = |k: DriftKind| {
        format!(
            "drift.{}",
            serde_json::to_value(k)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        )
    };
    let rules: Vec<serde_json::Value> = kinds
        .iter()
        .map(|&k| {
            json!({
                "id": id(k),
                "shortDescription": {"text": format!("IAM drift: {}", k.describe())},
                "fullDescription": {"text": format!("The live AWS account differs from the infrastructure code: {}. What the code reviews is not what runs.", k.describe())},
                "help": {"text": "Bring the account back to the code (redeploy, or remove what was changed by hand), or change the code to declare what the account needs."},
                "properties": {"tags": ["security", "drift"], "security-severity": if k == DriftKind::NotComparable { "3.0" } else { "5.5" }},
            })
        })
        .collect();
    let place = |loc: &str| -> Option<(String, u64)> {
        let (file, line) = loc.rsplit_once(':')?;
        Some((repo.repo_path(file), line.parse().ok()?))
    };
    let fallback = d
        .differences
        .iter()
        .find_map(|x| x.location.as_deref().and_then(place));
    let results: Vec<serde_json::Value> = d
        .differences
        .iter()
        .filter_map(|x| {
            let (uri, line, note) = match x.location.as_deref().and_then(place) {
                Some((uri, line)) => (uri, line, String::new()),
                None => {
                    let (uri, line) = fallback.clone()?;
                    (uri, line, " (shown at a role the code declares: the account's role is in no file)".to_string())
                }
            };
            let rule = id(x.kind);
            let index = kinds.iter().position(|&k| k == x.kind).unwrap_or(0);
            Some(json!({
                "ruleId": rule,
                "ruleIndex": index,
                "level": if x.kind == DriftKind::NotComparable { "note" } else { "warning" },
                "message": {"text": format!("{}: {}{note}", x.subject, x.detail)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "uriBaseId": crate::report::sarif::SRCROOT},
                        "region": {"startLine": line}
                    },
                    "logicalLocations": [{"fullyQualifiedName": x.subject, "kind": "resource"}]
                }],
                "partialFingerprints": {
                    "vouch/v1": crate::report::alerts::fingerprint(&[&rule, &d.account, &x.subject, &x.detail])
                },
                "properties": {"account": d.account, "read_at": d.read_at},
            }))
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "vouch",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "automationDetails": {"id": "vouch-drift/"},
            "originalUriBaseIds": {crate::report::sarif::SRCROOT: {"description": {"text": "The root of the repository that holds the scanned tree."}}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}
