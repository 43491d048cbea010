//! Reading the account: read-only IAM and Lambda calls through the AWS SDK.
//!
//! IAM's `GetAccountAuthorizationDetails` returns every role, user, group and customer managed
//! policy with their documents in a few paginated calls, so the whole account's IAM is read in
//! as many calls as it has pages, not one call per principal; one call per entity type runs
//! concurrently (four, well within IAM's throttling limits), and Lambda's `ListFunctions` beside
//! them. The SDK's standard retry mode retries throttling and transient errors with backoff.
//!
//! A call that fails is recorded in the snapshot with what it leaves out, and the others stand:
//! access denied on users leaves the roles usable. Only this module opens network connections,
//! and only when `--aws` or `drift` asks for it.

use super::{AccountOptions, Failure, Function, Group, InlinePolicy, Policy, Role, Snapshot, User};
use aws_sdk_iam::types::EntityType;
use std::time::Duration;

/// Reads the account. Never fails as a whole: what could not be read is in `failures`.
pub fn read(options: &AccountOptions) -> Snapshot {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            return Snapshot {
                failures: vec![Failure {
                    call: "(start)".into(),
                    message: format!("could not start the I/O runtime: {e}"),
                    consequence: "nothing was read from the account".into(),
                }],
                ..Snapshot::default()
            }
        }
    };
    let mut snapshot = runtime.block_on(read_async(options));
    snapshot.read_at = now_rfc3339();
    snapshot.normalize();
    snapshot
}

async fn read_async(options: &AccountOptions) -> Snapshot {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(5))
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .operation_timeout(Duration::from_secs(120))
                .build(),
        );
    if let Some(p) = &options.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &options.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(e) = &options.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    let config = loader.load().await;
    let region = config.region().map(|r| r.to_string()).unwrap_or_default();
    // IAM is global; its calls are signed for us-east-1 when no region is configured.
    let iam_config = if config.region().is_some() {
        aws_sdk_iam::config::Builder::from(&config).build()
    } else {
        aws_sdk_iam::config::Builder::from(&config)
            .region(aws_config::Region::new("us-east-1"))
            .build()
    };
    let iam = aws_sdk_iam::Client::from_conf(iam_config);
    let lambda = aws_sdk_lambda::Client::new(&config);

    let (roles, users, groups, policies, functions) = tokio::join!(
        details(&iam, EntityType::Role),
        details(&iam, EntityType::User),
        details(&iam, EntityType::Group),
        details(&iam, EntityType::LocalManagedPolicy),
        list_functions(&lambda, region.is_empty()),
    );
    let mut snapshot = Snapshot {
        region,
        ..Snapshot::default()
    };
    for (part, what) in [
        (roles, "roles (and their policies and trust policies)"),
        (users, "users"),
        (groups, "groups"),
        (policies, "customer managed policies"),
    ] {
        match part {
            Ok(p) => {
                snapshot.roles.extend(p.roles);
                snapshot.users.extend(p.users);
                snapshot.groups.extend(p.groups);
                snapshot.policies.extend(p.policies);
            }
            Err((call, message)) => snapshot.failures.push(Failure {
                call,
                message,
                consequence: format!("the account's {what} were not read"),
            }),
        }
    }
    match functions {
        Ok(f) => snapshot.functions = f,
        Err((call, message)) => snapshot.failures.push(Failure {
            call,
            message,
            consequence: "the roles of deployed Lambda functions were not read".into(),
        }),
    }
    snapshot
}

#[derive(Default)]
struct Details {
    roles: Vec<Role>,
    users: Vec<User>,
    groups: Vec<Group>,
    policies: Vec<Policy>,
}

type CallError = (String, String);

fn doc(text: Option<&str>) -> serde_json::Value {
    text.and_then(super::decode_document)
        .unwrap_or(serde_json::Value::Null)
}

fn inline(list: &[aws_sdk_iam::types::PolicyDetail]) -> Vec<InlinePolicy> {
    list.iter()
        .map(|p| InlinePolicy {
            name: p.policy_name().unwrap_or_default().to_string(),
            document: doc(p.policy_document()),
        })
        .collect()
}

fn attached(list: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<String> {
    list.iter()
        .filter_map(|a| a.policy_arn().map(str::to_string))
        .collect()
}

/// Every page of `GetAccountAuthorizationDetails` for one entity type.
async fn details(iam: &aws_sdk_iam::Client, entity: EntityType) -> Result<Details, CallError> {
    let call = format!(
        "iam:GetAccountAuthorizationDetails (Filter={})",
        entity.as_str()
    );
    let mut out = Details::default();
    let mut pages = iam
        .get_account_authorization_details()
        .filter(entity)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| (call.clone(), describe(&e)))?;
        for r in page.role_detail_list() {
            out.roles.push(Role {
                name: r.role_name().unwrap_or_default().into(),
                path: r.path().unwrap_or("/").into(),
                arn: r.arn().unwrap_or_default().into(),
                trust: doc(r.assume_role_policy_document()),
                inline: inline(r.role_policy_list()),
                attached: attached(r.attached_managed_policies()),
                boundary: r
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_string),
                instance_profiles: r
                    .instance_profile_list()
                    .iter()
                    .map(|p| p.arn().to_string())
                    .collect(),
            });
        }
        for u in page.user_detail_list() {
            out.users.push(User {
                name: u.user_name().unwrap_or_default().into(),
                path: u.path().unwrap_or("/").into(),
                arn: u.arn().unwrap_or_default().into(),
                inline: inline(u.user_policy_list()),
                attached: attached(u.attached_managed_policies()),
                groups: u.group_list().to_vec(),
                boundary: u
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_string),
            });
        }
        for g in page.group_detail_list() {
            out.groups.push(Group {
                name: g.group_name().unwrap_or_default().into(),
                path: g.path().unwrap_or("/").into(),
                arn: g.arn().unwrap_or_default().into(),
                inline: inline(g.group_policy_list()),
                attached: attached(g.attached_managed_policies()),
            });
        }
        for p in page.policies() {
            let default = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version);
            out.policies.push(Policy {
                name: p.policy_name().unwrap_or_default().into(),
                path: p.path().unwrap_or("/").into(),
                arn: p.arn().unwrap_or_default().into(),
                document: doc(default.and_then(|v| v.document())),
            });
        }
    }
    Ok(out)
}

/// Every function of the region with its role.
async fn list_functions(
    lambda: &aws_sdk_lambda::Client,
    no_region: bool,
) -> Result<Vec<Function>, CallError> {
    let call = "lambda:ListFunctions".to_string();
    if no_region {
        return Err((
            call,
            "no region is configured (--region, AWS_REGION or the profile's region)".into(),
        ));
    }
    let mut out = Vec::new();
    let mut pages = lambda.list_functions().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| (call.clone(), describe(&e)))?;
        for f in page.functions() {
            out.push(Function {
                name: f.function_name().unwrap_or_default().into(),
                arn: f.function_arn().unwrap_or_default().into(),
                role: f.role().unwrap_or_default().into(),
            });
        }
    }
    Ok(out)
}

/// An SDK error as one line a person can act on: the service's code and message when it
/// answered, else the cause (no credentials, an endpoint that does not answer).
fn describe<E, R>(e: &aws_sdk_iam::error::SdkError<E, R>) -> String
where
    E: std::error::Error + aws_sdk_iam::error::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_iam::error::SdkError;
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            format!(
                "{}: {}",
                err.code().unwrap_or("error"),
                err.message().unwrap_or("the service refused the call")
            )
        }
        SdkError::TimeoutError(_) => "the endpoint did not answer in time".into(),
        SdkError::DispatchFailure(d) if d.is_io() || d.is_timeout() => {
            format!("could not reach the endpoint: {}", causes(e))
        }
        _ => {
            let text = causes(e);
            if text.to_ascii_lowercase().contains("credential") {
                format!(
                    "no AWS credentials were found (profile, environment, SSO or instance role): {text}"
                )
            } else {
                text
            }
        }
    }
}

/// An error and its causes, each as it displays itself, joined by `: ` (the SDK's own context
/// printer appends a debug dump of the whole error, too long for a line a person reads).
fn causes(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut next = e.source();
    while let Some(s) = next {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        next = s.source();
    }
    parts.join(": ")
}

/// Now, as RFC 3339 UTC to the second; `SOURCE_DATE_EPOCH` (seconds) fixes it for reproducible
/// output.
fn now_rfc3339() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    rfc3339(secs)
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (the proleptic Gregorian calendar).
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_rfc3339() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_796_515_200), "2026-12-06T00:00:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
