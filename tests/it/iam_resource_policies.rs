//! Resource policies combined with identity policies, as AWS combines them in one account: the
//! same fixture written in Terraform and in CloudFormation gives the same answers.

use crate::common;
use common::*;
use vouch::iam::access::{self, Access};
use vouch::iam::principals::PolicyKind;
use vouch::report::access::{rows, PrincipalType};

const LANGS: [&str; 2] = ["terraform", "cloudformation"];

/// The fixture's resources, by their Terraform and CloudFormation addresses.
fn name(lang: &str, tf: &str) -> &'static str {
    let table: &[(&str, &str)] = &[
        ("aws_iam_role.reader", "Reader"),
        ("aws_iam_role.deleter", "Deleter"),
        ("aws_iam_role.key_named", "KeyNamed"),
        ("aws_iam_role.key_user", "KeyUser"),
        ("aws_iam_role.key_admin", "KeyAdmin"),
        ("aws_iam_role.bounded", "Bounded"),
        ("aws_iam_user.bounded", "BoundedUser"),
        ("aws_s3_bucket.data", "DataBucket"),
        ("aws_kms_key.named", "NamedKey"),
        ("aws_kms_key.delegating", "DelegatingKey"),
        ("aws_kms_key.closed", "ClosedKey"),
        ("aws_kms_key.default", "DefaultKey"),
        ("aws_sqs_queue.public", "PublicQueue"),
        ("aws_lambda_function.worker", "Worker"),
    ];
    let (t, c) = table
        .iter()
        .find(|(t, _)| *t == tf)
        .unwrap_or_else(|| panic!("{tf}"));
    if lang == "terraform" {
        t
    } else {
        c
    }
}

struct Fixture {
    lang: &'static str,
    scan: vouch::Scan,
    access: Access,
}

fn fixtures() -> Vec<Fixture> {
    LANGS
        .iter()
        .map(|lang| {
            let scan = scan(&format!("iam/resource-policies/{lang}"));
            let access = Access::compute(&scan.model);
            Fixture { lang, scan, access }
        })
        .collect()
}

impl Fixture {
    fn idx(&self, tf: &str) -> usize {
        let address = name(self.lang, tf);
        self.scan
            .model
            .resources
            .iter()
            .position(|r| r.address == address)
            .unwrap_or_else(|| panic!("{}: no {address}", self.lang))
    }

    fn effective(&self, principal: &str, resource: &str) -> access::Allowed<'_> {
        self.access.effective(
            &self.scan.model,
            self.idx(principal),
            self.idx(resource),
            None,
        )
    }

    fn may(&self, principal: &str, resource: &str, action: &str) -> bool {
        let id = access::index()
            .id(action)
            .unwrap_or_else(|| panic!("no action {action}"));
        self.effective(principal, resource).actions.contains(id)
    }

    fn identity_may(&self, principal: &str, resource: &str, action: &str) -> bool {
        let id = access::index().id(action).unwrap();
        self.access
            .allowed(
                &self.scan.model,
                self.idx(principal),
                self.idx(resource),
                None,
            )
            .actions
            .contains(id)
    }
}

#[test]
fn a_bucket_policy_alone_grants_a_role_read() {
    for f in fixtures() {
        let lang = f.lang;
        assert!(
            !f.identity_may("aws_iam_role.reader", "aws_s3_bucket.data", "s3:GetObject"),
            "{lang}: the reader has no identity policy"
        );
        assert!(
            f.may("aws_iam_role.reader", "aws_s3_bucket.data", "s3:GetObject"),
            "{lang}"
        );
        assert!(
            !f.may("aws_iam_role.reader", "aws_s3_bucket.data", "s3:PutObject"),
            "{lang}"
        );
        let got = f.effective("aws_iam_role.reader", "aws_s3_bucket.data");
        assert_eq!(got.via.len(), 1, "{lang}");
        assert_eq!(got.via[0].source.kind, PolicyKind::Resource, "{lang}");
        assert_eq!(got.via[0].source.sid.as_deref(), Some("ReaderReads"));
        assert!(!got.conditional && !got.public, "{lang}");
        // The row is in the access table, marked resource based.
        let table = rows(&f.scan, &f.access, &Default::default());
        let row = table
            .iter()
            .find(|r| {
                r.principal == name(lang, "aws_iam_role.reader")
                    && r.resource == name(lang, "aws_s3_bucket.data")
            })
            .unwrap_or_else(|| panic!("{lang}: no row"));
        assert_eq!(row.via[0].kind, PolicyKind::Resource);
        assert!(row.via[0].line.is_some());
    }
}

#[test]
fn a_bucket_policy_deny_beats_an_identity_allow() {
    for f in fixtures() {
        let lang = f.lang;
        let (role, bucket) = ("aws_iam_role.deleter", "aws_s3_bucket.data");
        assert!(f.identity_may(role, bucket, "s3:DeleteObject"), "{lang}");
        assert!(!f.may(role, bucket, "s3:DeleteObject"), "{lang}");
        assert!(!f.may(role, bucket, "s3:DeleteBucket"), "{lang}");
        assert!(f.may(role, bucket, "s3:GetObject"), "{lang}");
        assert!(f.may(role, bucket, "s3:PutObject"), "{lang}");
        // The reader is not named by the Deny.
        assert!(
            !f.may("aws_iam_role.reader", bucket, "s3:DeleteObject"),
            "{lang}"
        );
    }
}

#[test]
fn a_conditional_resource_deny_is_listed_not_applied() {
    for f in fixtures() {
        let lang = f.lang;
        let got = f.effective("aws_iam_role.reader", "aws_s3_bucket.data");
        let id = access::index().id("s3:GetObject").unwrap();
        assert!(got.actions.contains(id), "{lang}");
        assert_eq!(got.conditional_denies.len(), 1, "{lang}");
        let deny = got.conditional_denies[0];
        assert_eq!(deny.source.kind, PolicyKind::Resource);
        assert_eq!(deny.source.sid.as_deref(), Some("TlsOnly"));
        assert_eq!(deny.conditions[0].key, "aws:SecureTransport");
        let table = rows(&f.scan, &f.access, &Default::default());
        let row = table
            .iter()
            .find(|r| {
                r.principal == name(lang, "aws_iam_role.reader")
                    && r.resource == name(lang, "aws_s3_bucket.data")
            })
            .unwrap();
        assert_eq!(row.conditional_denies.len(), 1, "{lang}");
        assert_eq!(
            row.conditional_denies[0].conditions,
            ["aws:SecureTransport"]
        );
    }
}

#[test]
fn a_boundary_limits_what_a_resource_policy_gives_a_role_not_a_user() {
    for f in fixtures() {
        let lang = f.lang;
        // The role is named by an ARN written as text, the user by reference.
        assert!(
            !f.may("aws_iam_role.bounded", "aws_s3_bucket.data", "s3:GetObject"),
            "{lang}"
        );
        assert!(
            f.may("aws_iam_user.bounded", "aws_s3_bucket.data", "s3:GetObject"),
            "{lang}"
        );
    }
}

#[test]
fn key_policies_decide_who_may_use_a_key() {
    for f in fixtures() {
        let lang = f.lang;
        let decrypt = "kms:Decrypt";
        // Named by the key policy: allowed without any identity policy.
        assert!(
            f.may("aws_iam_role.key_named", "aws_kms_key.named", decrypt),
            "{lang}"
        );
        assert!(
            !f.may("aws_iam_role.key_named", "aws_kms_key.named", "kms:Encrypt"),
            "{lang}"
        );
        // Delegating to the root: the identity grant decides.
        assert!(
            f.may("aws_iam_role.key_user", "aws_kms_key.delegating", decrypt),
            "{lang}"
        );
        assert!(
            !f.may("aws_iam_role.key_named", "aws_kms_key.delegating", decrypt),
            "{lang}"
        );
        let got = f.effective("aws_iam_role.key_user", "aws_kms_key.delegating");
        let kinds: Vec<PolicyKind> = got.via.iter().map(|g| g.source.kind).collect();
        assert!(
            kinds.contains(&PolicyKind::Inline) && kinds.contains(&PolicyKind::Resource),
            "{lang}: {kinds:?}"
        );
        // Neither naming nor delegating: the identity grant is not enough.
        assert!(
            f.identity_may("aws_iam_role.key_user", "aws_kms_key.closed", decrypt),
            "{lang}"
        );
        assert!(
            !f.may("aws_iam_role.key_user", "aws_kms_key.closed", decrypt),
            "{lang}"
        );
        assert!(
            !f.may("aws_iam_role.key_user", "aws_kms_key.named", decrypt),
            "{lang}"
        );
        assert!(
            f.may("aws_iam_role.key_admin", "aws_kms_key.closed", decrypt),
            "{lang}"
        );
        // No key policy in the tree: AWS's default delegates to IAM.
        assert!(
            f.may("aws_iam_role.key_user", "aws_kms_key.default", decrypt),
            "{lang}"
        );
        assert!(
            !f.may("aws_iam_role.key_named", "aws_kms_key.default", decrypt),
            "{lang}"
        );
    }
}

#[test]
fn key_use_agrees_with_the_kms_key_users() {
    for f in fixtures() {
        let m = &f.scan.model;
        let id = access::index().id("kms:Decrypt").unwrap();
        for k in vouch::kms::keys(m, &f.access) {
            let mut users: Vec<usize> = k
                .users
                .iter()
                .filter(|u| u.actions.iter().any(|a| a == "kms:Decrypt"))
                .map(|u| u.principal)
                .collect();
            users.sort_unstable();
            users.dedup();
            let effective: Vec<usize> = f
                .access
                .principals
                .keys()
                .copied()
                .filter(|p| {
                    f.access
                        .effective(m, *p, k.key, Some("kms"))
                        .actions
                        .contains(id)
                })
                .collect();
            assert_eq!(
                users, effective,
                "{}: {}",
                f.lang, m.resources[k.key].address
            );
        }
    }
}

#[test]
fn a_queue_open_to_anyone_is_a_public_row() {
    for f in fixtures() {
        let lang = f.lang;
        let queue = f.idx("aws_sqs_queue.public");
        let got = f.access.anyone(&f.scan.model, queue, Some("sqs"));
        let id = access::index().id("sqs:SendMessage").unwrap();
        assert!(got.actions.contains(id) && got.public, "{lang}");
        // Every principal of the tree may send, through `*`.
        assert!(
            f.may(
                "aws_iam_role.key_admin",
                "aws_sqs_queue.public",
                "sqs:SendMessage"
            ),
            "{lang}"
        );
        let table = rows(&f.scan, &f.access, &Default::default());
        let on_queue: Vec<_> = table
            .iter()
            .filter(|r| r.resource == name(lang, "aws_sqs_queue.public"))
            .collect();
        // Shown once, as `*`, not under every principal.
        assert_eq!(on_queue.len(), 1, "{lang}: {on_queue:?}");
        assert_eq!(on_queue[0].principal, "*");
        assert_eq!(on_queue[0].principal_type, PrincipalType::Anyone);
        assert!(on_queue[0].public);
        assert!(vouch::report::access::to_text(&table).contains("write, public (1 actions)"));
    }
}

#[test]
fn lambda_permissions_are_grants_to_outside_principals() {
    for f in fixtures() {
        let lang = f.lang;
        let function = f.idx("aws_lambda_function.worker");
        let outside = f.access.outside(&f.scan.model, function, Some("lambda"));
        assert_eq!(outside.len(), 1, "{lang}");
        let (grantee, allowed) = &outside[0];
        assert_eq!(
            **grantee,
            access::Grantee::Service {
                name: "events.amazonaws.com".into()
            }
        );
        let id = access::index().id("lambda:InvokeFunction").unwrap();
        assert!(
            allowed.actions.contains(id) && allowed.conditional,
            "{lang}"
        );
        assert_eq!(allowed.via[0].conditions[0].key, "aws:SourceArn");
        let table = rows(&f.scan, &f.access, &Default::default());
        let row = table
            .iter()
            .find(|r| r.principal == "service events.amazonaws.com")
            .unwrap_or_else(|| panic!("{lang}"));
        assert_eq!(row.principal_type, PrincipalType::Service);
        assert_eq!(row.resource, name(lang, "aws_lambda_function.worker"));
        // Services are no principal of the tree: nothing else sees the permission.
        assert!(f.access.principals.keys().all(|p| f
            .access
            .effective(&f.scan.model, *p, function, Some("lambda"))
            .actions
            .is_empty()));
    }
}

#[test]
fn both_languages_give_the_same_table() {
    type Shape = (String, String, usize, bool, bool);
    let shapes: Vec<Vec<Shape>> = fixtures()
        .iter()
        .map(|f| {
            let mut v: Vec<_> = rows(&f.scan, &f.access, &Default::default())
                .iter()
                .map(|r| {
                    (
                        format!("{:?}", r.principal_type),
                        r.kind.to_string(),
                        r.actions,
                        r.conditional,
                        r.public,
                    )
                })
                .collect();
            v.sort();
            v
        })
        .collect();
    assert_eq!(shapes[0], shapes[1]);
}
