//! The account's principals written as a CloudFormation template.
//!
//! This is a frontend in reverse: it writes the language the CloudFormation frontend reads, so
//! that roles from the account become model resources by the same road as roles from a file,
//! and nothing downstream needs to know where they came from.

use super::Snapshot;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A template of the roles `arns` and the customer managed policies they attach, and the
/// logical id given to each (with the ARN it stands for). Deterministic: ids follow the sorted
/// ARNs.
pub fn write(snapshot: &Snapshot, arns: &[&str]) -> (String, Vec<(String, String)>) {
    let mut resources = Map::new();
    let mut ids: Vec<(String, String)> = Vec::new();
    let mut taken = std::collections::BTreeSet::new();
    let mut policy_ids: BTreeMap<String, String> = BTreeMap::new();
    for arn in arns {
        let Some(role) = snapshot.role_by_arn(arn) else {
            continue;
        };
        for a in &role.attached {
            if let Some(p) = snapshot.policy_by_arn(a) {
                if !policy_ids.contains_key(&p.arn) {
                    let id = logical_id("Policy", &p.name, &mut taken);
                    let mut props = Map::new();
                    props.insert("ManagedPolicyName".into(), json!(p.name));
                    props.insert("Path".into(), json!(p.path));
                    props.insert("PolicyDocument".into(), p.document.clone());
                    resources.insert(
                        id.clone(),
                        json!({"Type": "AWS::IAM::ManagedPolicy", "Properties": props}),
                    );
                    ids.push((id.clone(), p.arn.clone()));
                    policy_ids.insert(p.arn.clone(), id);
                }
            }
        }
        let id = logical_id("Role", &role.name, &mut taken);
        let mut props = Map::new();
        props.insert("RoleName".into(), json!(role.name));
        props.insert("Path".into(), json!(role.path));
        props.insert("AssumeRolePolicyDocument".into(), role.trust.clone());
        if !role.inline.is_empty() {
            let policies: Vec<Value> = role
                .inline
                .iter()
                .map(|p| json!({"PolicyName": p.name, "PolicyDocument": p.document}))
                .collect();
            props.insert("Policies".into(), Value::Array(policies));
        }
        if !role.attached.is_empty() {
            let attached: Vec<Value> = role
                .attached
                .iter()
                .map(|a| match policy_ids.get(a) {
                    Some(pid) => json!({ "Ref": pid }),
                    None => json!(a),
                })
                .collect();
            props.insert("ManagedPolicyArns".into(), Value::Array(attached));
        }
        if let Some(b) = &role.boundary {
            props.insert("PermissionsBoundary".into(), json!(b));
        }
        resources.insert(
            id.clone(),
            json!({"Type": "AWS::IAM::Role", "Properties": props}),
        );
        ids.push((id, role.arn.clone()));
    }
    let doc = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "IAM of AWS account {} as read at {} (vouch --aws): the roles the scanned code runs as but does not declare",
            snapshot.account, snapshot.read_at
        ),
        "Resources": resources,
    });
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    ids.sort();
    (text, ids)
}

/// A logical id for the template: the deployed name (so that messages name the role as the
/// account does), its characters outside `A-Za-z0-9_-` as `_`, with `policy:` before a managed
/// policy's; made unique.
fn logical_id(prefix: &str, name: &str, taken: &mut std::collections::BTreeSet<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = if prefix == "Role" {
        clean
    } else {
        format!("policy:{clean}")
    };
    let mut id = base.clone();
    let mut n = 2;
    while !taken.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}
