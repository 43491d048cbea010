//! Network: placement, endpoints, open ingress, public data stores and public edges, on small
//! fixtures in both languages and on the example project; both languages must give the same
//! answers.

use crate::common;
use common::*;
use vouch::model::Model;
use vouch::network::{self, EndpointState, Http, Layer, Ports, Where};
use vouch::Scan;

/// Terraform address → CloudFormation logical id, so both languages print the same names.
const FIXTURE_NAMES: &[(&str, &str)] = &[
    ("aws_api_gateway_rest_api.api", "Api"),
    ("aws_apigatewayv2_api.http", "HttpApi"),
    ("aws_cloudfront_distribution.site", "Site"),
    ("aws_db_instance.db", "Db"),
    ("aws_instance.bastion", "Bastion"),
    ("aws_lambda_function.outside", "Outside"),
    ("aws_lambda_function.unknown", "Unknown"),
    ("aws_lambda_function.worker", "Worker"),
    ("aws_lambda_function_url.outside", "OutsideUrl"),
    ("aws_lb.web", "Web"),
    ("aws_network_acl.public", "PublicAcl"),
    ("aws_network_acl_rule.rdp", "RdpEntry"),
    ("aws_s3_bucket.default", "DefaultBucket"),
    ("aws_s3_bucket.open", "OpenBucket"),
    ("aws_security_group.app", "AppSecurityGroup"),
    ("aws_security_group.lb", "LbSecurityGroup"),
    ("aws_security_group_rule.lb_https", "LbHttpsIngress"),
    ("aws_subnet.private", "PrivateSubnet"),
    ("aws_subnet.public", "PublicSubnet"),
    ("aws_vpc.main", "Vpc"),
    ("aws_vpc_endpoint.dynamodb", "DynamoDbEndpoint"),
    (
        "aws_vpc_security_group_ingress_rule.app_all_v6",
        "AppAllV6Ingress",
    ),
];

const PROJECT_NAMES: &[(&str, &str)] = &[
    ("aws_api_gateway_rest_api.main", "Api"),
    ("aws_cloudfront_distribution.web", "WebDistribution"),
    ("aws_lambda_function.function[\"admin\"]", "Admin"),
    (
        "aws_lambda_function.function[\"request_handler\"]",
        "RequestHandler",
    ),
    ("aws_s3_bucket.reports", "ReportsBucket"),
    ("aws_s3_bucket.trail_logs", "TrailLogsBucket"),
    ("aws_s3_bucket.web", "WebBucket"),
    (
        "aws_security_group.functions",
        "NetworkStack/FunctionsSecurityGroup",
    ),
    ("aws_subnet.private[0]", "NetworkStack/PrivateSubnetA"),
    ("aws_subnet.private[1]", "NetworkStack/PrivateSubnetB"),
    ("aws_vpc.main", "NetworkStack/Vpc"),
    ("aws_vpc_endpoint.dynamodb", "NetworkStack/DynamoDbEndpoint"),
    (
        "aws_vpc_endpoint.interface[\"secretsmanager\"]",
        "NetworkStack/SecretsManagerEndpoint",
    ),
    (
        "aws_vpc_endpoint.interface[\"sqs\"]",
        "NetworkStack/SqsEndpoint",
    ),
    ("aws_vpc_endpoint.s3", "NetworkStack/S3Endpoint"),
    (
        "aws_vpc_security_group_ingress_rule.debug_ssh[0]",
        "NetworkStack/DebugSshIngress",
    ),
    (
        "module.llm_analysis.aws_lambda_function.this",
        "LlmAnalysis",
    ),
    ("module.pre_token.aws_lambda_function.this", "PreToken"),
    (
        "module.report_worker.aws_lambda_function.this",
        "ReportWorker",
    ),
];

struct Names<'a> {
    model: &'a Model,
    table: &'a [(&'a str, &'a str)],
}

impl Names<'_> {
    fn of(&self, i: usize) -> String {
        let a = &self.model.resources[i].address;
        self.table
            .iter()
            .find(|(tf, _)| tf == a)
            .map(|(_, cf)| cf.to_string())
            .unwrap_or_else(|| a.clone())
    }
    fn list(&self, v: &[usize]) -> String {
        let mut names: Vec<String> = v.iter().map(|i| self.of(*i)).collect();
        names.sort();
        names.join(",")
    }
}

fn placements(s: &Scan, n: &Names) -> Vec<String> {
    let mut out: Vec<String> = network::placement(&s.model)
        .iter()
        .map(|p| {
            let w = match &p.where_ {
                Where::NoVpc => "no-vpc".to_string(),
                Where::Vpc {
                    vpc,
                    subnets,
                    public,
                    nat,
                } => format!(
                    "vpc {} subnets [{}] public={public:?} nat={nat:?}",
                    vpc.map(|v| n.of(v)).unwrap_or_default(),
                    n.list(subnets)
                ),
                Where::Unknown { value } => format!("unknown ({})", kind_of_unknown(value)),
            };
            format!("{}: {w} public_ip={:?}", n.of(p.compute), p.public_ip)
        })
        .collect();
    out.sort();
    out
}

/// Unknown reasons differ in name between languages (variable / parameter without default).
fn kind_of_unknown(v: &vouch::model::Value) -> &'static str {
    use vouch::model::{Reason, Value};
    match v {
        Value::Unknown(u) => match u.reason {
            Reason::VariableWithoutDefault | Reason::ParameterWithoutDefault => {
                "input without default"
            }
            Reason::OutsideTree => "outside the tree",
            _ => "other",
        },
        _ => "not unknown",
    }
}

fn reaches(s: &Scan, n: &Names) -> Vec<String> {
    let mut out: Vec<String> = network::endpoints(&s.model)
        .iter()
        .map(|r| {
            let e = match &r.endpoint {
                EndpointState::Present {
                    endpoint,
                    gateway,
                    routed,
                    private_dns,
                } => format!(
                    "{} gateway={gateway} routed={routed:?} private_dns={private_dns:?}",
                    n.of(*endpoint)
                ),
                EndpointState::Absent => "no endpoint".into(),
                EndpointState::Unknown { .. } => "unknown".into(),
            };
            format!("{} -> {}: {e}", n.of(r.compute), r.service)
        })
        .collect();
    out.sort();
    out
}

fn open(s: &Scan, n: &Names) -> Vec<String> {
    let mut out: Vec<String> = network::open_ingress(&s.model)
        .iter()
        .map(|r| {
            let ports = match &r.ports {
                Ports::All => "all".to_string(),
                Ports::Range { from, to } => format!("{from}-{to}"),
                Ports::NotApplicable => "n/a".into(),
                Ports::Unknown { .. } => "unknown".into(),
            };
            format!(
                "{:?} {} (in {}) {} {} {ports} attached [{}] edge_web={}",
                r.layer,
                n.of(r.target),
                n.of(r.rule),
                r.cidr.as_deref().unwrap_or("?"),
                r.protocol.as_deref().unwrap_or("?"),
                n.list(&r.attached_to),
                r.edge_web
            )
        })
        .collect();
    out.sort();
    out
}

fn stores(s: &Scan, n: &Names) -> Vec<String> {
    let mut out: Vec<String> = network::public_datastores(&s.model)
        .iter()
        .map(|e| {
            let mut f: Vec<String> = e
                .findings
                .iter()
                .map(|f| format!("{}={:?}", f.what, f.public))
                .collect();
            f.sort();
            format!("{}: public={:?} [{}]", n.of(e.store), e.public, f.join(" "))
        })
        .collect();
    out.sort();
    out
}

fn edges(s: &Scan, n: &Names) -> Vec<String> {
    let mut out: Vec<String> = network::public_edges(&s.model)
        .iter()
        .map(|e| {
            let http = match &e.http {
                Http::Unknown { .. } => "unknown".to_string(),
                h => format!("{h:?}"),
            };
            let routes: Vec<String> = e
                .routes
                .iter()
                .map(|r| {
                    format!(
                        "{} auth={} body={:?}",
                        r.name,
                        r.authorization.as_deref().unwrap_or("?"),
                        r.validates_body
                    )
                })
                .collect();
            format!(
                "{} {:?}: internet={:?} below_tls12={:?} ({}) http={http} hsts={:?} waf={:?} routes [{}]",
                n.of(e.resource),
                e.kind,
                e.internet_facing,
                e.tls.below_1_2,
                e.tls.policy,
                e.hsts,
                e.waf,
                routes.join("; ")
            )
        })
        .collect();
    out.sort();
    out
}

type Answer = fn(&Scan, &Names) -> Vec<String>;

/// Runs one question on both languages, checks they agree, returns the answer.
fn both(dir: &str, table: &[(&str, &str)], f: Answer) -> Vec<String> {
    let tf = scan(&format!("{dir}/terraform"));
    let cf = scan(&format!("{dir}/cloudformation"));
    assert!(tf.diagnostics.is_empty(), "{:?}", tf.diagnostics);
    assert!(cf.diagnostics.is_empty(), "{:?}", cf.diagnostics);
    let a = f(
        &tf,
        &Names {
            model: &tf.model,
            table,
        },
    );
    let b = f(
        &cf,
        &Names {
            model: &cf.model,
            table: &[],
        },
    );
    assert_eq!(a, b, "Terraform and CloudFormation disagree");
    a
}

#[track_caller]
fn has(answer: &[String], line: &str) {
    assert!(
        answer.iter().any(|l| l == line),
        "missing {line:?} in\n{}",
        answer.join("\n")
    );
}

// --- small fixtures -------------------------------------------------------------------------

#[test]
fn placement_public_private_unknown_and_no_vpc() {
    let a = both("network", FIXTURE_NAMES, placements);
    assert_eq!(
        a,
        vec![
            "Bastion: vpc Vpc subnets [PublicSubnet] public=Some(true) nat=Some(false) public_ip=Some(true)",
            "Outside: no-vpc public_ip=Some(false)",
            "Unknown: unknown (input without default) public_ip=Some(false)",
            "Worker: vpc Vpc subnets [PrivateSubnet] public=Some(false) nat=Some(true) public_ip=Some(false)",
        ]
    );
}

#[test]
fn endpoints_for_the_services_a_function_uses() {
    let a = both("network", FIXTURE_NAMES, reaches);
    assert_eq!(
        a,
        vec![
            "Worker -> dynamodb: DynamoDbEndpoint gateway=true routed=Some(true) private_dns=None",
            "Worker -> sqs: no endpoint",
        ]
    );
}

#[test]
fn open_ingress_in_both_layers() {
    let a = both("network", FIXTURE_NAMES, open);
    assert_eq!(
        a,
        vec![
            "NetworkAcl PublicAcl (in RdpEntry) 0.0.0.0/0 tcp 3389-3389 attached [PublicSubnet] edge_web=false",
            "SecurityGroup AppSecurityGroup (in AppAllV6Ingress) ::/0 all all attached [Bastion,Unknown,Worker] edge_web=false",
            "SecurityGroup AppSecurityGroup (in AppSecurityGroup) 0.0.0.0/0 tcp 22-22 attached [Bastion,Unknown,Worker] edge_web=false",
            "SecurityGroup LbSecurityGroup (in LbHttpsIngress) 0.0.0.0/0 tcp 443-443 attached [Web] edge_web=true",
        ]
    );
    // The evidence points at the rule.
    let tf = scan("network/terraform");
    let rules = network::open_ingress(&tf.model);
    let ssh = rules
        .iter()
        .find(|r| r.attribute == "ingress[0]")
        .expect("inline rule");
    let at = tf.loaded.sources.region(ssh.evidence.span).line;
    assert_eq!(at, attr_line(&tf, "aws_security_group.app", "ingress[0]"));
    let lb = rules
        .iter()
        .find(|r| r.layer == Layer::SecurityGroup && r.edge_web)
        .unwrap();
    assert_eq!(
        tf.loaded.sources.region(lb.evidence.span).line,
        line(&tf, "aws_security_group_rule.lb_https")
    );
}

#[test]
fn public_datastores_with_defaults() {
    let a = both("network", FIXTURE_NAMES, stores);
    assert_eq!(
        a,
        vec![
            // Terraform says publicly_accessible = true; CloudFormation leaves it unset on
            // subnets that route to the internet gateway: public either way.
            "Db: public=Some(true) [rds.publicly-accessible=Some(true)]",
            "DefaultBucket: public=Some(false) [s3.public-access-block=Some(false)]",
            "OpenBucket: public=Some(true) [s3.acl=Some(true) s3.policy=Some(true) s3.public-access-block=Some(false)]",
        ]
    );
    // The bucket without a public access block relies on AWS's default, and says so.
    let cf = scan("network/cloudformation");
    let ex = network::public_datastores(&cf.model);
    let default = ex
        .iter()
        .find(|e| cf.model.resources[e.store].address == "DefaultBucket")
        .unwrap();
    assert!(default.findings[0].default.unwrap().contains("April 2023"));
    let db = ex
        .iter()
        .find(|e| cf.model.resources[e.store].address == "Db")
        .unwrap();
    assert!(db.findings[0].default.unwrap().contains("CloudFormation"));
}

#[test]
fn public_edges_tls_http_and_auth() {
    let a = both("network", FIXTURE_NAMES, edges);
    assert_eq!(
        a,
        vec![
            "Api RestApi: internet=Some(true) below_tls12=Some(true) (TLS_1_0) http=HttpsOnly hsts=Some(false) waf=Some(false) routes [GET /items auth=NONE body=Some(false)]",
            "HttpApi HttpApi: internet=Some(true) below_tls12=Some(false) (TLS_1_2) http=HttpsOnly hsts=Some(false) waf=Some(false) routes [GET /things auth=JWT body=Some(false)]",
            "OutsideUrl FunctionUrl: internet=Some(true) below_tls12=None (AWS managed) http=HttpsOnly hsts=Some(false) waf=Some(false) routes [function URL auth=NONE body=Some(false)]",
            "Site CloudFront: internet=Some(true) below_tls12=Some(false) (TLSv1.2_2021) http=AllowsHttp hsts=Some(false) waf=Some(false) routes []",
            "Web LoadBalancer: internet=Some(true) below_tls12=Some(true) (ELBSecurityPolicy-2016-08) http=Redirects hsts=Some(false) waf=Some(false) routes [HTTP:80 auth=none body=None; HTTPS:443 auth=none body=None]",
        ]
    );
}

#[test]
fn elb_policy_names() {
    assert!(network::elb_policy_min_1_2(
        "ELBSecurityPolicy-TLS13-1-2-2021-06"
    ));
    assert!(network::elb_policy_min_1_2(
        "ELBSecurityPolicy-TLS13-1-3-2021-06"
    ));
    assert!(network::elb_policy_min_1_2(
        "ELBSecurityPolicy-FS-1-2-Res-2020-10"
    ));
    assert!(network::elb_policy_min_1_2(
        "ELBSecurityPolicy-TLS-1-2-2017-01"
    ));
    assert!(!network::elb_policy_min_1_2(
        "ELBSecurityPolicy-TLS13-1-1-2021-06"
    ));
    assert!(!network::elb_policy_min_1_2("ELBSecurityPolicy-2016-08"));
    assert!(!network::elb_policy_min_1_2(
        "ELBSecurityPolicy-FS-1-1-2019-08"
    ));
}

#[test]
fn results_are_deterministic() {
    let a = scan("network/terraform");
    let b = scan("network/terraform");
    let j = |s: &Scan| {
        serde_json::to_string(&(
            network::placement(&s.model),
            network::endpoints(&s.model),
            network::open_ingress(&s.model),
            network::public_datastores(&s.model),
            network::public_edges(&s.model),
        ))
        .unwrap()
    };
    assert_eq!(j(&a), j(&b));
}

// --- the example project --------------------------------------------------------------------

const PROJECT: &str = "projects/saas-serverless";

#[test]
fn project_placement() {
    let a = both(PROJECT, PROJECT_NAMES, placements);
    let private = "vpc NetworkStack/Vpc subnets [NetworkStack/PrivateSubnetA,NetworkStack/PrivateSubnetB] public=Some(false) nat=Some(false) public_ip=Some(false)";
    assert_eq!(
        a,
        vec![
            "Admin: no-vpc public_ip=Some(false)".to_string(),
            "LlmAnalysis: no-vpc public_ip=Some(false)".to_string(),
            format!("PreToken: {private}"),
            format!("ReportWorker: {private}"),
            format!("RequestHandler: {private}"),
        ]
    );
}

#[test]
fn project_endpoints() {
    let a = both(PROJECT, PROJECT_NAMES, reaches);
    has(&a, "RequestHandler -> dynamodb: NetworkStack/DynamoDbEndpoint gateway=true routed=Some(true) private_dns=None");
    has(&a, "RequestHandler -> s3: NetworkStack/S3Endpoint gateway=true routed=Some(true) private_dns=None");
    has(&a, "RequestHandler -> sqs: NetworkStack/SqsEndpoint gateway=false routed=None private_dns=Some(true)");
    has(&a, "ReportWorker -> sqs: NetworkStack/SqsEndpoint gateway=false routed=None private_dns=Some(true)");
    // KMS and STS have no endpoint in the VPC, which has no other way out.
    has(&a, "RequestHandler -> kms: no endpoint");
    has(&a, "RequestHandler -> sts: no endpoint");
    // Functions outside the VPC are not in this list.
    assert!(a
        .iter()
        .all(|l| !l.starts_with("Admin") && !l.starts_with("LlmAnalysis")));
}

#[test]
fn project_open_ingress() {
    let a = both(PROJECT, PROJECT_NAMES, open);
    assert_eq!(
        a,
        vec![
            "SecurityGroup NetworkStack/FunctionsSecurityGroup (in NetworkStack/DebugSshIngress) 0.0.0.0/0 tcp 22-22 attached [PreToken,ReportWorker,RequestHandler] edge_web=false"
        ]
    );
    let tf = scan("projects/saas-serverless/terraform");
    let r = &network::open_ingress(&tf.model)[0];
    assert_eq!(
        tf.loaded.sources.region(r.evidence.span).line,
        line(&tf, "aws_vpc_security_group_ingress_rule.debug_ssh[0]")
    );
}

#[test]
fn project_datastores() {
    let a = both(PROJECT, PROJECT_NAMES, stores);
    assert_eq!(a.len(), 3);
    assert!(a.iter().all(|l| l.contains("public=Some(false)")), "{a:#?}");
}

#[test]
fn project_edges() {
    let a = both(PROJECT, PROJECT_NAMES, edges);
    assert_eq!(
        a,
        vec![
            "Api RestApi: internet=Some(true) below_tls12=Some(true) (TLS_1_0) http=HttpsOnly hsts=Some(false) waf=Some(false) routes [GET /health auth=NONE body=Some(false); GET /invoices auth=COGNITO_USER_POOLS body=Some(false); POST /insights auth=COGNITO_USER_POOLS body=Some(false); POST /invoices auth=COGNITO_USER_POOLS body=Some(true)]",
            // The default certificate accepts TLSv1 whatever minimum_protocol_version says.
            "WebDistribution CloudFront: internet=Some(true) below_tls12=Some(true) (TLSv1) http=Redirects hsts=Some(true) waf=Some(false) routes []",
        ]
    );
    let tf = scan("projects/saas-serverless/terraform");
    let cf = network::public_edges(&tf.model)
        .into_iter()
        .find(|e| {
            e.resource
                == tf
                    .model
                    .index_of(".", "aws_cloudfront_distribution.web")
                    .unwrap()
        })
        .unwrap();
    assert_eq!(
        tf.loaded.sources.region(cf.tls.evidence[0].span).line,
        attr_line(
            &tf,
            "aws_cloudfront_distribution.web",
            "viewer_certificate[0].cloudfront_default_certificate"
        )
    );
}

#[test]
fn a_load_balancer_whose_scheme_is_a_variable_is_neither_public_nor_internal() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("main.tf"),
        r#"
variable "internal" {
  type = bool
}

resource "aws_lb" "app" {
  name     = "app"
  internal = var.internal
}

resource "aws_lb" "public" {
  name = "public"
}

resource "aws_lb" "private" {
  name     = "private"
  internal = true
}
"#,
    )
    .unwrap();
    let s = vouch::scan(d.path(), &Default::default());
    let m = &s.model;
    let idx = |a: &str| m.resources.iter().position(|r| r.address == a).unwrap();
    assert_eq!(
        vouch::network::internet_facing_lb(m, idx("aws_lb.app")),
        None
    );
    assert_eq!(
        vouch::network::internet_facing_lb(m, idx("aws_lb.public")),
        Some(true)
    );
    assert_eq!(
        vouch::network::internet_facing_lb(m, idx("aws_lb.private")),
        Some(false)
    );
    let edges = vouch::network::public_edges(m);
    let app = edges
        .iter()
        .find(|e| e.resource == idx("aws_lb.app"))
        .expect("every load balancer is an edge candidate");
    assert_eq!(
        app.internet_facing, None,
        "asked about, not assumed internal"
    );
}

/// A network ACL that denies SSH and RDP from anywhere before it allows everything: the allow
/// is open on every other port, and the ports the lower-numbered denies take are named as not
/// open (a reader, or a tool asking about port 22, must not read "every port" as SSH open).
#[test]
fn network_acl_denies_numbered_first_are_exceptions_to_an_allow() {
    let answer = |s: &Scan, n: &Names| -> Vec<String> {
        network::open_ingress(&s.model)
            .iter()
            .map(|r| {
                format!(
                    "{} {:?} except {:?}",
                    n.of(r.target),
                    r.ports,
                    r.denied_first
                )
            })
            .collect()
    };
    let a = both(
        "assumptions/net.no-open-ingress/invalid-network-acl-partly-denied",
        &[("aws_network_acl.public", "PublicAcl")],
        answer,
    );
    assert_eq!(
        a,
        vec![r#"PublicAcl All except [("tcp", 22, 22), ("tcp", 3389, 3389)]"#]
    );
    // A deny numbered above the allow is no exception: the allow matches first.
    let after = both(
        "assumptions/net.no-open-ingress/invalid-network-acl-deny-after",
        &[("aws_network_acl.public", "PublicAcl")],
        answer,
    );
    assert!(after.iter().all(|l| l.ends_with("except []")), "{after:?}");
    // The finding says which ports stay closed.
    let report = scan_json_of(&fixture(
        "assumptions/net.no-open-ingress/invalid-network-acl-partly-denied/terraform",
    ));
    let text = report.to_string();
    assert!(
        text.contains(
            "accepts every port except tcp 22, tcp 3389 (lower-numbered denies) from 0.0.0.0/0"
        ),
        "{text}"
    );
}

/// A public ACL on a bucket whose ACLs are disabled grants nothing: object ownership
/// BucketOwnerEnforced (written, or the default since April 2023 when no ownership controls
/// say otherwise) makes S3 ignore and refuse it, even with the public access block lifted. Only
/// ownership controls that turn ACLs back on make the same ACL public; one whose value the code
/// does not settle leaves the bucket open.
#[test]
fn a_public_acl_on_a_bucket_whose_acls_are_disabled_grants_nothing() {
    let d = tempfile::tempdir().unwrap();
    let bucket = |name: &str, ownership: &str| {
        let controls = if ownership.is_empty() {
            String::new()
        } else {
            format!(
                r#"
resource "aws_s3_bucket_ownership_controls" "{name}" {{
  bucket = aws_s3_bucket.{name}.id
  rule {{
    object_ownership = {ownership}
  }}
}}
"#
            )
        };
        format!(
            r#"
resource "aws_s3_bucket" "{name}" {{
  bucket = "{name}"
}}

resource "aws_s3_bucket_public_access_block" "{name}" {{
  bucket                  = aws_s3_bucket.{name}.id
  block_public_acls       = false
  ignore_public_acls      = false
  block_public_policy     = true
  restrict_public_buckets = true
}}

resource "aws_s3_bucket_acl" "{name}" {{
  bucket = aws_s3_bucket.{name}.id
  acl    = "public-read"
}}
{controls}"#
        )
    };
    let tf = [
        "variable \"ownership\" {\n  type = string\n}\n".to_string(),
        bucket("implicit", ""),
        bucket("enforced", "\"BucketOwnerEnforced\""),
        bucket("preferred", "\"BucketOwnerPreferred\""),
        bucket("open", "var.ownership"),
    ]
    .concat();
    std::fs::write(d.path().join("main.tf"), tf).unwrap();
    let s = vouch::scan(d.path(), &Default::default());
    let m = &s.model;
    let idx = |a: &str| m.resources.iter().position(|r| r.address == a).unwrap();
    let exposures = vouch::network::public_datastores(m);
    let public = |a: &str| {
        exposures
            .iter()
            .find(|e| e.store == idx(a))
            .map(|e| e.public)
            .unwrap()
    };
    assert_eq!(public("aws_s3_bucket.implicit"), Some(false));
    assert_eq!(public("aws_s3_bucket.enforced"), Some(false));
    assert_eq!(public("aws_s3_bucket.preferred"), Some(true));
    assert_eq!(public("aws_s3_bucket.open"), None);
    let implicit = exposures
        .iter()
        .find(|e| e.store == idx("aws_s3_bucket.implicit"))
        .unwrap();
    assert!(
        implicit
            .findings
            .iter()
            .any(|f| f.what == "s3.acl" && f.detail.contains("ACLs disabled")),
        "{:?}",
        implicit.findings
    );
}

/// An application load balancer's `jwt-validation` action verifies the bearer token (signature,
/// issuer, expiry, claims) and rejects the request otherwise, so a listener or rule that
/// validates before it forwards authenticates its callers, on an internet-facing load balancer
/// (auth.api-authorizer) as on an internal one (net.service-auth). Seen in
/// terraform-aws-modules/terraform-aws-alb's complete example, where such a rule was read as
/// serving any caller.
#[test]
fn a_jwt_validation_action_authenticates_the_callers_of_a_load_balancer() {
    let listener = |lb: &str, name: &str| {
        format!(
            r#"
resource "aws_lb_listener" "{name}" {{
  load_balancer_arn = aws_lb.{lb}.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = "arn:aws:acm:eu-west-1:111122223333:certificate/0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"

  default_action {{
    type  = "jwt-validation"
    order = 1
  }}

  default_action {{
    type             = "forward"
    order            = 2
    target_group_arn = aws_lb_target_group.api.arn
  }}
}}

resource "aws_lb_listener_rule" "{name}_admin" {{
  listener_arn = aws_lb_listener.{name}.arn
  priority     = 10

  action {{
    type  = "jwt-validation"
    order = 1
  }}

  action {{
    type             = "forward"
    order            = 2
    target_group_arn = aws_lb_target_group.api.arn
  }}

  condition {{
    path_pattern {{
      values = ["/admin/*"]
    }}
  }}
}}
"#
        )
    };
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("main.tf"),
        format!(
            r#"
resource "aws_lb" "public" {{
  name    = "public"
  subnets = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
}}

resource "aws_lb" "internal" {{
  name     = "internal"
  internal = true
  subnets  = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
}}

resource "aws_lb_target_group" "api" {{
  name     = "api"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-0a1b2c3d4e5f60000"
}}
{}{}"#,
            listener("public", "public_https"),
            listener("internal", "internal_https")
        ),
    )
    .unwrap();
    let s = vouch::scan(d.path(), &Default::default());
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    let edges = vouch::network::public_edges(&s.model);
    let public = edges
        .iter()
        .find(|e| s.model.resources[e.resource].address == "aws_lb.public")
        .unwrap();
    assert_eq!(public.routes.len(), 2);
    for r in &public.routes {
        assert_eq!(r.authenticated, Some(true), "{}", r.name);
        assert_eq!(r.authorization.as_deref(), Some("jwt-validation"));
    }
    for (rule, subject) in [
        ("auth.api-authorizer", "aws_lb.public"),
        ("net.service-auth", "aws_lb.internal"),
    ] {
        let options = vouch::AssessOptions {
            only: vec![rule.to_string()],
            ..Default::default()
        };
        let (report, _) = vouch::assess(&s, d.path(), &options);
        let a = serde_json::to_value(&report.assumptions[0]).unwrap();
        assert_eq!(a["status"], "verified", "{rule}: {a:#}");
        let evidence = a["evidence"].as_array().unwrap();
        assert_eq!(evidence.len(), 2, "{rule}: the listener and its rule");
        for e in evidence {
            assert_eq!(e["resource"], subject);
            assert_eq!(e["outcome"], "pass", "{rule}: {e:#}");
        }
    }
}
