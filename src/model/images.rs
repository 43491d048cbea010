//! What the code says about the machine image an instance launches from, where it matters to a
//! check: an AMI registered with `ImdsSupport: v2.0` launches instances that require IMDSv2
//! session tokens unless something says otherwise. Amazon Linux 2023's AMIs are registered so
//! (https://docs.aws.amazon.com/linux/al2023/ug/ec2-imds.html), and code names them by AWS's
//! public SSM parameters (`/aws/service/ami-amazon-linux-latest/al2023-ami-…`: a
//! `{{resolve:ssm:…}}` reference, a parameter of type `AWS::SSM::Parameter::Value<…>` whose
//! default is that path, an `aws_ssm_parameter` data source) or by an `aws_ami` lookup owned by
//! Amazon whose name filter or regex asks only for `al2023-ami-*`.

use super::{DataSource, Model, Reason, Value};
use crate::source::Span;

/// The prefix of AWS's public SSM parameters for Amazon Linux 2023 AMIs.
const AL2023_PARAMETERS: &str = "/aws/service/ami-amazon-linux-latest/al2023-ami-";
/// The name every Amazon Linux 2023 AMI starts with.
const AL2023_NAME: &str = "al2023-ami-";
/// The ECS-optimized variant, which its own documentation describes apart: not assumed.
const ECS_NAME: &str = "al2023-ami-ecs";
/// Owners of Amazon's AMIs: the alias, and the account that publishes Amazon Linux.
const AMAZON_OWNERS: &[&str] = &["amazon", "137112412989"];

/// Why the image `value` (an instance's, launch template's or launch configuration's image id,
/// in `unit`) is known to require IMDSv2 by default, and where the code says so; `None` when
/// the image is not known to.
pub fn requires_imdsv2(model: &Model, unit: &str, value: &Value) -> Option<(String, Option<Span>)> {
    match value {
        Value::String(s) if s.contains(AL2023_PARAMETERS) => Some((
            format!("its image is Amazon Linux 2023 (SSM parameter {}), registered with ImdsSupport v2.0", ssm_path(s)),
            None,
        )),
        // A parameter of type `AWS::SSM::Parameter::Value<…>`: unknown, named by its path.
        Value::Unknown(u) if u.reason == Reason::DataSource && u.detail.contains(AL2023_PARAMETERS) => Some((
            format!("its image is Amazon Linux 2023 (SSM parameter {}), registered with ImdsSupport v2.0", ssm_path(&u.detail)),
            None,
        )),
        Value::Unknown(u) if u.reason == Reason::DataSource => {
            let ds = model
                .data_sources
                .iter()
                .find(|d| d.unit == unit && names(&u.detail, &d.address))?;
            al2023_lookup(ds).map(|why| (why, Some(ds.span)))
        }
        _ => None,
    }
}

/// The SSM parameter path inside `{{resolve:ssm:…}}`, or the text itself.
fn ssm_path(s: &str) -> &str {
    let start = s.find(AL2023_PARAMETERS).unwrap_or(0);
    let rest = &s[start..];
    rest.split(['}', ':']).next().unwrap_or(rest)
}

/// Whether an unknown's detail names the data source at `address` (or one of its attributes).
fn names(detail: &str, address: &str) -> bool {
    detail
        .strip_prefix(address)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

fn al2023_lookup(ds: &DataSource) -> Option<String> {
    let text = |k: &str| ds.arguments.get(k).and_then(Value::as_str);
    match ds.source_type.as_str() {
        "aws_ssm_parameter" => text("name")
            .filter(|n| n.starts_with(AL2023_PARAMETERS))
            .map(|n| {
                format!("its image is Amazon Linux 2023 ({} reads SSM parameter {n}), registered with ImdsSupport v2.0", ds.address)
            }),
        "aws_ami" => {
            let owners = ds.arguments.get("owners").map(list).unwrap_or_default();
            if owners.is_empty() || !owners.iter().all(|o| AMAZON_OWNERS.contains(&o.as_str())) {
                return None;
            }
            // Every name the lookup can match must be an AL2023 name: a `name` filter whose
            // values all start so, or a regex anchored on it.
            let mut names: Vec<String> = Vec::new();
            for f in ds.arguments.get("filter").map(items).unwrap_or_default() {
                let Value::Map(m) = f else { continue };
                if m.get("name").and_then(Value::as_str) == Some("name") {
                    names.extend(m.get("values").map(list).unwrap_or_default());
                }
            }
            let regex = text("name_regex").map(str::to_string);
            let al2023 = |n: &str| n.starts_with(AL2023_NAME) && !n.starts_with(ECS_NAME);
            let filtered = !names.is_empty() && names.iter().all(|n| al2023(n));
            let anchored = regex
                .as_deref()
                .is_some_and(|r| al2023(r.trim_start_matches('^')));
            (filtered || anchored).then(|| {
                format!(
                    "its image is the Amazon Linux 2023 AMI {} looks up ({}), registered with ImdsSupport v2.0",
                    ds.address,
                    if filtered { names.join(", ") } else { regex.unwrap_or_default() }
                )
            })
        }
        _ => None,
    }
}

fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::List(l) => l.iter().collect(),
        _ => Vec::new(),
    }
}

fn list(v: &Value) -> Vec<String> {
    items(v)
        .into_iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}
