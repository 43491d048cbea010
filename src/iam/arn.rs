//! ARNs of resources in the tree, built from their known inputs (`rules/arns.tsv`), and the
//! matching of policy ARN patterns against them.
//!
//! The deployment's partition, region and account are symbols: a policy that names them
//! literally is taken to mean this deployment, since one unit deploys to one account.

use crate::model::{Kind, Model, Prop};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Stands for "this deployment" in a built ARN field.
const DEPLOYMENT: &str = "\u{1}";

fn table() -> &'static HashMap<Kind, (Option<Prop>, &'static str)> {
    static TABLE: OnceLock<HashMap<Kind, (Option<Prop>, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("../../rules/arns.tsv")
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
            .map(|(n, l)| {
                let cols: Vec<&'static str> = l.split('\t').collect();
                let [kind, name, arn] = cols[..] else {
                    panic!("rules/arns.tsv:{}: expected 3 cells", n + 1)
                };
                let k = Kind::parse(kind)
                    .unwrap_or_else(|| panic!("rules/arns.tsv:{}: {kind} is not a kind", n + 1));
                let prop = (name != "-").then(|| {
                    Prop::named(k, name).unwrap_or_else(|| {
                        panic!(
                            "rules/arns.tsv:{}: {kind} has no property {name} in rules/properties/",
                            n + 1
                        )
                    })
                });
                (k, (prop, arn))
            })
            .collect()
    })
}

/// The ARN of a resource when its kind has a known form and its name is known.
pub fn arn_of(model: &Model, index: usize) -> Option<String> {
    let (prop, form) = table().get(&model.resources[index].kind)?;
    let found = model.prop_set(index, (*prop)?)?;
    let name = found.as_str()?;
    let slashname = if name.starts_with('/') {
        name.to_string()
    } else {
        format!("/{name}")
    };
    Some(
        form.replace("{partition}", DEPLOYMENT)
            .replace("{region}", DEPLOYMENT)
            .replace("{account}", DEPLOYMENT)
            .replace("{slashname}", &slashname)
            .replace("{name}", name),
    )
}

/// The ARN of a resource whose name is not known, with the name standing for any name: a
/// pattern covers it only when it covers every name of the kind (`db:*`), not some (`db:prod-*`).
pub fn arn_of_any_name(model: &Model, index: usize) -> Option<String> {
    let (_, form) = table().get(&model.resources[index].kind)?;
    Some(
        form.replace("{partition}", DEPLOYMENT)
            .replace("{region}", DEPLOYMENT)
            .replace("{account}", DEPLOYMENT)
            .replace("{slashname}", "/\u{1}")
            .replace("{name}", DEPLOYMENT),
    )
}

/// The service of a kind's ARNs (`s3`, `elasticfilesystem`): the IAM service prefix whose
/// actions reach resources of the kind.
pub fn service_of(kind: Kind) -> Option<&'static str> {
    table()
        .get(&kind)
        .and_then(|(_, form)| form.split(':').nth(2))
}

/// Does an ARN pattern name every resource of its type, as broad as `*` for least privilege
/// (`*`, `arn:aws:s3:::*`, `table/*`, `secret:*`, `dbuser:*/*`, `arn:aws:iam::*:role/*`)?
/// A pattern with a literal after the type (`secret:app-*`, `reports/*`) names some.
pub fn names_every_resource_of_type(arn: &str) -> bool {
    let all_wild = |s: &str| !s.is_empty() && s.chars().all(|c| c == '*' || c == '?');
    // Wildcards joined by the separators of nested names (`*/*`, `*:*`).
    let wild_path =
        |s: &str| s.contains('*') && s.chars().all(|c| matches!(c, '*' | '?' | '/' | ':'));
    if all_wild(arn) {
        return true;
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, service, _, _, resource] = parts[..] else {
        return false;
    };
    if wild_path(resource) {
        return true;
    }
    // S3 ARNs start with the bucket name, not a type: `bucket/*` is one bucket's objects.
    if service == "s3" {
        return all_wild(resource.split('/').next().unwrap_or(""));
    }
    match resource.find(['/', ':']) {
        Some(i) if !resource[..i].contains(['*', '?']) => wild_path(&resource[i + 1..]),
        _ => false,
    }
}

/// Does an ARN pattern cover every resource of one service in the account
/// (`arn:aws:iam::*:*`, `arn:aws:iam::123456789012:*`, `arn:*:iam::*:*`)?
pub fn covers_whole_service(pattern: &str, service: &str) -> bool {
    if pattern.chars().all(|c| c == '*') && !pattern.is_empty() {
        return true;
    }
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let [_, _, svc, _, _, resource] = p[..] else {
        return false;
    };
    super::policy::wildcard_match(svc, service, false)
        && !resource.is_empty()
        && resource.chars().all(|c| c == '*')
}

/// Does a policy ARN pattern (with `*` and `?`) cover the ARN, or something below it
/// (`bucket/*` covers the bucket's objects)?
pub fn pattern_covers(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    // Called for every (grant, resource) pair a principal's patterns may cover: the fields are
    // split in place, and a suffixed resource is written only when the plain one does not match.
    let (Some(p), Some(a)) = (fields(pattern), fields(arn)) else {
        return false;
    };
    for i in 0..5 {
        if a[i] == DEPLOYMENT {
            continue;
        }
        if !super::policy::wildcard_match(p[i], a[i], false) {
            return false;
        }
    }
    let resource = a[5];
    // A pattern naming something below the resource (`table/orders/index/*`) reaches its data.
    if p[5]
        .strip_prefix(resource)
        .is_some_and(|rest| rest.starts_with('/'))
        || super::policy::wildcard_match(p[5], resource, false)
    {
        return true;
    }
    let mut below = String::with_capacity(resource.len() + 2);
    below.push_str(resource);
    below.push_str("/\u{2}");
    if super::policy::wildcard_match(p[5], &below, false) {
        return true;
    }
    below.truncate(resource.len());
    below.push_str(":\u{2}");
    super::policy::wildcard_match(p[5], &below, false)
}

/// The six colon-separated fields of an ARN (the last keeps its colons), if it has six: what
/// `splitn(6, ':')` gives, found with a byte loop (a colon is one byte in UTF-8), which for
/// strings this short is several times faster than the general searcher.
fn fields(arn: &str) -> Option<[&str; 6]> {
    let mut out = [""; 6];
    let (mut n, mut start) = (0, 0);
    for (i, &b) in arn.as_bytes().iter().enumerate() {
        if b == b':' {
            out[n] = &arn[start..i];
            n += 1;
            start = i + 1;
            if n == 5 {
                break;
            }
        }
    }
    if n < 5 {
        return None;
    }
    out[5] = &arn[start..];
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_those_of_splitn() {
        for arn in [
            "arn:aws:s3:::bucket/key:with:colons",
            "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
            "arn:aws:s3:::",
            "arn:aws:s3::",
            "",
            "no colons",
            "::::::",
            "arn:aws:é:::ü/ß",
        ] {
            let split: Vec<&str> = arn.splitn(6, ':').collect();
            let expected = (split.len() == 6).then(|| <[&str; 6]>::try_from(split).unwrap());
            assert_eq!(fields(arn), expected, "{arn}");
        }
    }

    #[test]
    fn patterns_that_name_every_resource_of_a_type() {
        for broad in [
            "*",
            "arn:aws:s3:::*",
            "arn:aws:s3:::*/*",
            "arn:aws:dynamodb:*:*:table/*",
            "arn:aws:secretsmanager:*:*:secret:*",
            "arn:aws:rds-db:*:*:dbuser:*/*",
            "arn:aws:redshift:*:123456789012:dbuser:*/*",
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::123456789012:user/*",
            "arn:aws:lambda:*:*:function:*",
        ] {
            assert!(names_every_resource_of_type(broad), "{broad}");
        }
        for narrow in [
            "arn:aws:secretsmanager:*:*:secret:app-*",
            "arn:aws:s3:::reports/*",
            "arn:aws:sqs:*:*:jobs-*",
            "arn:aws:rds-db:*:*:dbuser:cluster-1/app",
            "arn:aws:iam::*:role/app-*",
        ] {
            assert!(!names_every_resource_of_type(narrow), "{narrow}");
        }
        assert!(covers_whole_service("arn:aws:iam::*:*", "iam"));
        assert!(covers_whole_service("arn:*:iam::123456789012:*", "iam"));
        assert!(!covers_whole_service("arn:aws:iam::*:role/*", "iam"));
        assert!(!covers_whole_service("arn:aws:s3:::*", "iam"));
    }

    #[test]
    fn patterns_cover_resources_and_what_is_below_them() {
        let arn = format!("arn:{DEPLOYMENT}:s3:::acme-reports");
        assert!(pattern_covers("arn:aws:s3:::acme-reports", &arn));
        assert!(pattern_covers("arn:aws:s3:::acme-reports/*", &arn));
        assert!(pattern_covers("arn:aws:s3:::acme-*", &arn));
        assert!(!pattern_covers("arn:aws:s3:::other/*", &arn));
        let t = format!("arn:{DEPLOYMENT}:dynamodb:{DEPLOYMENT}:{DEPLOYMENT}:table/orders");
        assert!(pattern_covers(
            "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
            &t
        ));
        assert!(pattern_covers(
            "arn:aws:dynamodb:*:*:table/orders/index/*",
            &t
        ));
        assert!(!pattern_covers("arn:aws:dynamodb:*:*:table/orders2", &t));
        assert!(pattern_covers("*", &t));
    }

    #[test]
    fn every_kind_with_an_arn_form_has_its_service() {
        use crate::model::Kind;
        for (kind, service) in [
            (Kind::S3Bucket, "s3"),
            (Kind::DynamodbTable, "dynamodb"),
            (Kind::KmsKey, "kms"),
            (Kind::KmsAlias, "kms"),
            (Kind::SecretsmanagerSecret, "secretsmanager"),
            (Kind::SsmParameter, "ssm"),
            (Kind::SqsQueue, "sqs"),
            (Kind::SnsTopic, "sns"),
            (Kind::KinesisStream, "kinesis"),
            (Kind::LambdaFunction, "lambda"),
            (Kind::IamRole, "iam"),
            (Kind::IamUser, "iam"),
            (Kind::IamGroup, "iam"),
            (Kind::IamPolicy, "iam"),
            (Kind::LogsLogGroup, "logs"),
            (Kind::RdsInstance, "rds"),
            (Kind::RdsCluster, "rds"),
            (Kind::EfsFileSystem, "elasticfilesystem"),
            (Kind::EcrRepository, "ecr"),
            (Kind::SfnStateMachine, "states"),
        ] {
            assert_eq!(service_of(kind), Some(service), "{}", kind.as_str());
        }
        assert_eq!(service_of(Kind::Ec2Instance), None);
    }
}
