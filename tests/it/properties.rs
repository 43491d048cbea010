//! The property layer: one canonical name for a setting, read the same way from Terraform and
//! CloudFormation, through configuration resources, with value spellings translated and
//! defaults that say they are defaults.

use std::path::Path;
use vouch::model::{Model, Prop, PropOrigin, Value};

fn scan(files: &[(&str, &str)]) -> (tempfile::TempDir, vouch::Scan) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let s = vouch::scan(dir.path(), &Default::default());
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    (dir, s)
}

fn index(m: &Model, address: &str) -> usize {
    m.resources
        .iter()
        .position(|r| r.address == address)
        .unwrap_or_else(|| panic!("no {address}"))
}

/// (value, holder address, path) of a property, or the default's marker.
fn read(m: &Model, i: usize, p: Prop) -> Option<(Value, String)> {
    m.prop(i, p).map(|f| {
        let at = match &f.origin {
            PropOrigin::Attribute { resource, path, .. } => {
                format!("{}.{path}", m.resources[*resource].address)
            }
            PropOrigin::Default { .. } => "default".to_string(),
        };
        (f.value.into_owned(), at)
    })
}

const TF: &str = r#"
resource "aws_lb" "public" {
  name = "public"
}

resource "aws_lb" "inside" {
  name     = "inside"
  internal = true
}

resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "aws_s3_bucket" "data" {
  bucket = "data"
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = "{\"Version\": \"2012-10-17\", \"Statement\": []}"
}
"#;

const CFN: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Public:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Name: public
  Inside:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Name: inside
      Scheme: internal
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - FromPort: 443
          ToPort: 443
          IpProtocol: tcp
          CidrIp: 0.0.0.0/0
        - FromPort: 22
          ToPort: 22
          IpProtocol: tcp
          CidrIp: 10.0.0.0/8
  Data:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: data
  DataPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Data
      PolicyDocument:
        Version: "2012-10-17"
        Statement: []
"#;

#[test]
fn a_value_spelled_differently_reads_the_same() {
    let (_d, tf) = scan(&[("main.tf", TF)]);
    let (_e, cf) = scan(&[("template.yaml", CFN)]);
    let (tf, cf) = (&tf.model, &cf.model);
    // `internal = true` is `Scheme: internal`; unset is AWS's default, marked as one.
    assert_eq!(
        read(tf, index(tf, "aws_lb.inside"), Prop::ElbLoadBalancerScheme),
        Some((Value::str("internal"), "aws_lb.inside.internal".into()))
    );
    assert_eq!(
        read(cf, index(cf, "Inside"), Prop::ElbLoadBalancerScheme),
        Some((Value::str("internal"), "Inside.Scheme".into()))
    );
    for (m, a) in [(tf, "aws_lb.public"), (cf, "Public")] {
        let f = m.prop(index(m, a), Prop::ElbLoadBalancerScheme).unwrap();
        assert!(f.is_default(), "{a}");
        assert_eq!(f.value.as_str(), Some("internet-facing"));
        assert!(m
            .prop_set(index(m, a), Prop::ElbLoadBalancerScheme)
            .is_none());
    }
}

#[test]
fn items_of_a_list_read_their_own_properties() {
    let (_d, tf) = scan(&[("main.tf", TF)]);
    let (_e, cf) = scan(&[("template.yaml", CFN)]);
    let ports = |m: &Model, a: &str| -> Vec<(f64, String)> {
        m.items(index(m, a), Prop::Ec2SecurityGroupIngress)
            .iter()
            .map(|item| {
                let f = item.prop(Prop::Ec2SecurityGroupIngressFromPort).unwrap();
                let (_, path) = f.attribute().unwrap();
                (f.value.as_f64().unwrap(), path.to_string())
            })
            .collect()
    };
    assert_eq!(
        ports(&tf.model, "aws_security_group.web"),
        [
            (443.0, "ingress[0].from_port".to_string()),
            (22.0, "ingress[1].from_port".to_string())
        ]
    );
    assert_eq!(
        ports(&cf.model, "Web"),
        [
            (443.0, "SecurityGroupIngress[0].FromPort".to_string()),
            (22.0, "SecurityGroupIngress[1].FromPort".to_string())
        ]
    );
    // Every value of a property below a list, across its items.
    let all: Vec<String> = tf
        .model
        .props(
            index(&tf.model, "aws_security_group.web"),
            Prop::Ec2SecurityGroupIngressCidrIp,
        )
        .iter()
        .flat_map(|f| match f.value.as_ref() {
            // Terraform holds a list of blocks per rule, CloudFormation one per rule.
            Value::List(l) => l.iter().map(Value::written).collect::<Vec<_>>(),
            v => vec![v.written()],
        })
        .collect();
    assert_eq!(all, ["0.0.0.0/0", "10.0.0.0/8"]);
}

#[test]
fn a_setting_on_a_configuration_resource_belongs_to_its_parent() {
    let (_d, tf) = scan(&[("main.tf", TF)]);
    let (_e, cf) = scan(&[("template.yaml", CFN)]);
    let m = &tf.model;
    let bucket = index(m, "aws_s3_bucket.data");
    let found = m.props(bucket, Prop::S3BucketPolicyDocument);
    assert_eq!(found.len(), 1);
    let (holder, path) = found[0].attribute().unwrap();
    assert_eq!(
        (m.resources[holder].address.as_str(), path),
        ("aws_s3_bucket_policy.data", "policy")
    );
    let m = &cf.model;
    let found = m.props(index(m, "Data"), Prop::S3BucketPolicyDocument);
    assert_eq!(found.len(), 1);
    let (holder, path) = found[0].attribute().unwrap();
    assert_eq!(
        (m.resources[holder].address.as_str(), path),
        ("DataPolicy", "PolicyDocument")
    );
}

#[test]
fn a_property_of_another_kind_reads_nothing() {
    let (_d, tf) = scan(&[("main.tf", TF)]);
    let m = &tf.model;
    assert!(m
        .prop(index(m, "aws_s3_bucket.data"), Prop::ElbLoadBalancerScheme)
        .is_none());
}

#[test]
fn every_property_row_is_consistent() {
    // Every row's Terraform facet types and CloudFormation types belong to the row's kind, and
    // every default has its source: what build.rs checks at build time, seen from outside.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("rules/properties");
    let mut rows = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(cells.len(), 7, "{}: {line}", e.path().display());
            if cells[5] != "-" {
                assert_ne!(cells[6], "-", "a default without its source: {line}");
            }
            rows += 1;
        }
    }
    assert!(rows > 200, "{rows} rows");
}

/// A domain's access policy written as its own resource (as terraform-aws-modules/opensearch
/// does) is the domain's `AccessPolicies`, read from that resource.
#[test]
fn a_domain_policy_resource_is_the_domains_access_policy() {
    let (_d, s) = scan(&[(
        "main.tf",
        r#"
resource "aws_opensearch_domain" "search" {
  domain_name = "search"
}

resource "aws_opensearch_domain_policy" "search" {
  domain_name = aws_opensearch_domain.search.domain_name
  access_policies = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:role/indexer" }
      Action    = "es:ESHttp*"
      Resource  = "arn:aws:es:eu-west-1:111122223333:domain/search/*"
    }]
  })
}
"#,
    )]);
    let m = &s.model;
    let domain = index(m, "aws_opensearch_domain.search");
    let (_, at) = read(m, domain, Prop::OpensearchDomainAccessPolicies).expect("a policy");
    assert_eq!(at, "aws_opensearch_domain_policy.search.access_policies");
}

/// A read replica that leaves its engine and encryption out (or sets them to null) takes them
/// from its source, with the source's attribute as the origin; a replica's own setting wins.
#[test]
fn a_replica_takes_what_its_code_leaves_out_from_its_source() {
    let (_d, s) = scan(&[(
        "main.tf",
        r#"
resource "aws_db_instance" "source" {
  identifier        = "orders"
  engine            = "postgres"
  instance_class    = "db.t4g.medium"
  storage_encrypted = true
}

resource "aws_db_instance" "replica" {
  identifier          = "orders-replica"
  replicate_source_db = aws_db_instance.source.identifier
  engine              = null
  instance_class      = "db.t4g.medium"
}

resource "aws_db_instance" "other" {
  identifier          = "orders-other"
  replicate_source_db = aws_db_instance.source.identifier
  instance_class      = "db.t4g.medium"
  storage_encrypted   = false
}
"#,
    )]);
    let m = &s.model;
    let replica = index(m, "aws_db_instance.replica");
    assert_eq!(
        read(m, replica, Prop::RdsInstanceEngine),
        Some((
            Value::str("postgres"),
            "aws_db_instance.source.engine".into()
        ))
    );
    assert_eq!(
        read(m, replica, Prop::RdsInstanceStorageEncrypted),
        Some((
            Value::Bool(true),
            "aws_db_instance.source.storage_encrypted".into()
        ))
    );
    let other = index(m, "aws_db_instance.other");
    assert_eq!(
        read(m, other, Prop::RdsInstanceStorageEncrypted),
        Some((
            Value::Bool(false),
            "aws_db_instance.other.storage_encrypted".into()
        ))
    );
}
