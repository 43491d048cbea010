//! CloudFormation and SAM templates into the model: intrinsics, conditions, mappings, nested
//! stacks, the SAM transform, JSON templates and hostile input.

use crate::common;

use common::{attr, attr_line, fixture, line, resource, scan};
use serde_json::json;
use vouch::cloudformation::ParamOptions;
use vouch::diagnostics::Severity;
use vouch::{Scan, ScanOptions};

fn scan_with(rel: &str, params: &[(&str, &str)]) -> Scan {
    let options = ScanOptions {
        params: ParamOptions {
            parameters: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        },
        ..ScanOptions::default()
    };
    vouch::scan(&fixture(rel), &options)
}

/// Labels of the edges from one resource to another, sorted.
fn edges(scan: &Scan, from: &str, to: &str) -> Vec<String> {
    let m = &scan.model;
    let mut out: Vec<String> = m
        .edges
        .iter()
        .filter(|e| m.resources[e.from].address == from && m.resources[e.to].address == to)
        .map(|e| e.label.to_string())
        .collect();
    out.sort();
    out
}

fn template(parts: serde_json::Value) -> serde_json::Value {
    json!({ "$template": parts })
}

fn reference(resource: &str, attribute: &str) -> serde_json::Value {
    json!({"$ref": {"resource": resource, "attribute": attribute}})
}

#[test]
fn intrinsics_evaluate_short_and_long_forms() {
    let s = scan("cloudformation/intrinsics");
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    assert_eq!(s.model.units.len(), 1);
    assert_eq!(s.model.units[0].id, "template.yaml");
    assert_eq!(line(&s, "Bucket"), 36);
    assert_eq!(attr_line(&s, "Bucket", "BucketName"), 39);
    assert_eq!(
        attr_line(
            &s,
            "Bucket",
            "BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm"
        ),
        44
    );
    let b = |name: &str| attr(&s, "Bucket", name);
    assert_eq!(
        b("BucketName"),
        template(json!(["dev-data-", {"$symbol": "account_id"}]))
    );
    // A default with a leading zero stays text.
    assert_eq!(b("Tag0"), json!("0123"));
    assert_eq!(
        b("BucketEncryption")["ServerSideEncryptionConfiguration"][0]
            ["ServerSideEncryptionByDefault"]["KMSMasterKeyID"],
        reference("Key", "Arn")
    );
    assert_eq!(b("Literal"), json!("${NotAVariable}-dev"));
    assert_eq!(b("LongRef"), json!("dev"));
    assert_eq!(b("LongGetAtt"), reference("Key", "KeyId"));
    assert_eq!(b("Joined"), json!("a-dev-b"));
    assert_eq!(
        b("JoinedRef"),
        template(json!(["arn:", {"$symbol": "partition"}, ":s3:::", reference("Bucket2", "")]))
    );
    assert_eq!(
        b("SubList"),
        template(json!([reference("Key", "Arn"), "-", {"$symbol": "region"}]))
    );
    assert_eq!(b("Selected"), json!("b"));
    assert_eq!(b("SplitSelected"), json!("z"));
    assert_eq!(b("Memory"), json!(128));
    assert_eq!(
        b("Imported"),
        json!({"$unknown": {"reason": "outside_tree", "detail": "import shared-vpc-id"}})
    );
    assert_eq!(b("Encoded"), json!("aGVsbG8="));
    assert_eq!(
        b("Zone"),
        json!({"$unknown": {"reason": "data_source", "detail": "Fn::GetAZs"}})
    );
    assert_eq!(b("Subnet"), json!("10.0.1.0/24"));
    assert_eq!(b("Count"), json!(3));
    assert_eq!(b("Json"), json!(r#"{"a":1,"b":["x"]}"#));
    assert_eq!(
        b("Email"),
        json!({"$unknown": {"reason": "parameter_without_default", "detail": "parameter AlarmEmail"}})
    );
    assert_eq!(b("RetentionDays"), json!(30));
    assert!(resource(&s, "Bucket").attr("Removed").is_none());
    assert_eq!(b("List"), json!(["one", "two"]));
    assert_eq!(attr(&s, "Key", "Description"), json!("dev key"));
    assert_eq!(
        edges(&s, "Bucket", "Key"),
        ["encrypted-by", "ref:longgetatt", "ref:sublist"]
    );
}

#[test]
fn parameters_take_command_line_values() {
    let s = scan_with(
        "cloudformation/intrinsics",
        &[
            ("Env", "prod"),
            ("AlarmEmail", "ops@example.com"),
            ("Retention", "7"),
        ],
    );
    assert_eq!(
        attr(&s, "Bucket", "BucketName"),
        template(json!(["prod-data-", {"$symbol": "account_id"}]))
    );
    assert_eq!(attr(&s, "Bucket", "Memory"), json!(1024));
    assert_eq!(attr(&s, "Bucket", "Email"), json!("ops@example.com"));
    assert_eq!(attr(&s, "Bucket", "RetentionDays"), json!(7));
}

#[test]
fn conditions_are_evaluated_and_resources_kept() {
    let s = scan("cloudformation/conditions");
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    let cond = |a: &str| {
        let c = resource(&s, a).condition.clone().expect("condition");
        (c.name, c.value)
    };
    assert_eq!(cond("ProdTable"), ("IsProd".into(), Some(true)));
    assert_eq!(cond("DevTable"), ("IsDev".into(), Some(false)));
    // Owner has no default: HasOwner, and so ProdWithOwner, are unknown.
    assert_eq!(cond("OwnedBucket"), ("ProdWithOwner".into(), None));
    assert_eq!(attr(&s, "ProdTable", "TableName"), json!("prod-table"));
    assert_eq!(
        attr(&s, "ProdTable", "DeletionProtectionEnabled"),
        json!(true)
    );
    assert_eq!(
        attr(&s, "OwnedBucket", "BucketName"),
        json!({"$unknown": {"reason": "parameter_without_default", "detail": "condition HasOwner: parameter Owner"}})
    );
    assert_eq!(attr(&s, "OwnedBucket", "Same"), json!("same"));
    // Or with one true side is true even when the other is unknown (and `yes`, plain, is
    // YAML 1.1's true, as CloudFormation reads it).
    assert_eq!(attr(&s, "OwnedBucket", "Either"), json!(true));
    assert!(attr(&s, "OwnedBucket", "Regional")["$unknown"].is_object());
    let dev = resource(&s, "DevTable");
    assert!(dev.attr("DependsOn").is_none() && dev.attr("DeletionPolicy").is_none());

    let s = scan_with(
        "cloudformation/conditions",
        &[("Env", "dev"), ("Owner", "me")],
    );
    assert_eq!(
        resource(&s, "ProdTable").condition.as_ref().unwrap().value,
        Some(false)
    );
    assert_eq!(
        resource(&s, "OwnedBucket")
            .condition
            .as_ref()
            .unwrap()
            .value,
        Some(false)
    );
    assert_eq!(attr(&s, "OwnedBucket", "BucketName"), json!("owned"));
    assert_eq!(attr(&s, "ProdTable", "TableName"), json!("dev-table"));
}

#[test]
fn json_templates_read_like_yaml() {
    let s = scan("cloudformation/json");
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    assert_eq!(s.model.units[0].id, "template.json");
    assert_eq!(line(&s, "Queue"), 7);
    assert_eq!(attr_line(&s, "Queue", "KmsMasterKeyId"), 11);
    assert_eq!(attr(&s, "Queue", "QueueName"), json!("dev-jobs"));
    assert_eq!(edges(&s, "Queue", "Key"), ["encrypted-by"]);
    assert_eq!(
        attr(&s, "Key", "KeyPolicy")["Statement"][0]["Principal"]["AWS"],
        template(
            json!(["arn:", {"$symbol": "partition"}, ":iam::", {"$symbol": "account_id"}, ":root"])
        )
    );
}

#[test]
fn nested_stacks_are_instantiated_in_the_parent_unit() {
    let s = scan("cloudformation/nested");
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    // The nested template is not a unit of its own.
    let units: Vec<_> = s.model.units.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(units, ["template.yaml"]);
    let vpc = resource(&s, "Network/Vpc");
    assert_eq!(vpc.unit, "template.yaml");
    assert_eq!(line(&s, "Network/Vpc"), 6);
    assert_eq!(
        s.loaded.sources.region(vpc.span).file,
        "stacks/network.yaml"
    );
    assert_eq!(
        resource(&s, "Network").kind.as_str(),
        "cloudformation.stack"
    );
    // The parent's parameter reached the nested stack.
    assert_eq!(
        attr(&s, "Network/Vpc", "Tags")[0]["Value"],
        json!("app-net")
    );
    let vars = attr(&s, "Function", "Environment")["Variables"].clone();
    assert_eq!(vars["VPC"], reference("Network/Vpc", ""));
    assert_eq!(vars["NAME"], json!("app-net"));
    assert_eq!(vars["REMOTE"]["$unknown"]["reason"], json!("outside_tree"));
    assert_eq!(
        attr(&s, "Function", "VpcConfig")["SubnetIds"],
        json!([
            reference("Network/SubnetA", ""),
            reference("Network/SubnetB", "")
        ])
    );
    assert_eq!(edges(&s, "Function", "Network/SubnetA"), ["in-subnet"]);
    assert_eq!(edges(&s, "Function", "Network/Group"), ["security-group"]);
    assert_eq!(edges(&s, "Network/SubnetA", "Network/Vpc"), ["in-vpc"]);
    // A TemplateURL on S3 whose key ends in a template's path in the tree is that template,
    // instantiated with the parent's parameters (aws-samples/ecs-refarch-cloudformation nests
    // its templates so); a key that is no template of the tree stays outside it.
    assert_eq!(
        s.loaded
            .sources
            .region(resource(&s, "Storage/Jobs").span)
            .file,
        "stacks/storage.yaml"
    );
    assert_eq!(attr(&s, "Storage/Jobs", "QueueName"), json!("app-jobs"));
    assert!(s
        .model
        .resources
        .iter()
        .all(|r| !r.address.starts_with("Remote/")));
}

/// A master stack that nests its templates from S3, as a repository that syncs its tree to a
/// bucket does (aws-samples/ecs-refarch-cloudformation): the key names the template in the
/// tree, with or without a release prefix; a key no template matches stays outside the tree.
#[test]
fn nested_stacks_from_s3_keys_are_the_templates_of_the_tree() {
    let s = scan("cloudformation/nested-s3");
    let units: Vec<_> = s.model.units.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(units, ["master.yaml"]);
    assert_eq!(
        s.loaded
            .sources
            .region(resource(&s, "Network/Vpc").span)
            .file,
        "infrastructure/network.yaml"
    );
    assert_eq!(attr(&s, "Network/Vpc", "Tags")[0]["Value"], json!("orders"));
    // The network stack's output reached the service stack through the master.
    assert_eq!(
        edges(&s, "Orders/Worker", "Network/PrivateA"),
        ["in-subnet"]
    );
    assert!(
        s.model
            .resources
            .iter()
            .all(|r| !r.address.starts_with("Monitoring/")),
        "a template the tree does not hold is not instantiated"
    );
}

#[test]
fn sam_function_expands_like_the_transform() {
    let s = scan("cloudformation/sam");
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    let f = resource(&s, "Worker");
    assert_eq!(
        (f.kind.as_str(), f.source_type.as_str()),
        ("lambda.function", "AWS::Serverless::Function")
    );
    assert_eq!(line(&s, "Worker"), 21);
    // Globals merged in: the function's own Timeout wins, variables add up.
    assert_eq!(attr(&s, "Worker", "Runtime"), json!("python3.12"));
    assert_eq!(attr(&s, "Worker", "Timeout"), json!(30));
    assert_eq!(
        attr(&s, "Worker", "Environment")["Variables"],
        json!({"STAGE": "prod", "TABLE": reference("Table", "")})
    );
    assert!(f.attr("Policies").is_none() && f.attr("Events").is_none());
    assert_eq!(attr(&s, "Worker", "Role"), reference("WorkerRole", "Arn"));
    assert_eq!(edges(&s, "Worker", "WorkerRole"), ["runs-as"]);

    let role = resource(&s, "WorkerRole");
    assert_eq!(role.kind.as_str(), "iam.role");
    assert_eq!(role.generated_by.as_deref(), Some("Worker"));
    let managed = |name: &str| {
        template(json!(["arn:", {"$symbol": "partition"}, format!(":iam::aws:policy/{name}")]))
    };
    assert_eq!(
        attr(&s, "WorkerRole", "ManagedPolicyArns"),
        json!([
            managed("service-role/AWSLambdaBasicExecutionRole"),
            managed("service-role/AWSLambdaVPCAccessExecutionRole"),
            managed("AmazonS3ReadOnlyAccess"),
            managed("service-role/AWSLambdaSQSQueueExecutionRole"),
        ])
    );
    let policies = attr(&s, "WorkerRole", "Policies");
    assert_eq!(policies[0]["PolicyName"], json!("WorkerRolePolicy1"));
    let crud = &policies[0]["PolicyDocument"]["Statement"][0];
    assert!(crud["Action"]
        .as_array()
        .unwrap()
        .contains(&json!("dynamodb:PutItem")));
    assert_eq!(
        crud["Resource"][0],
        template(json!([
            "arn:", {"$symbol": "partition"}, ":dynamodb:", {"$symbol": "region"}, ":",
            {"$symbol": "account_id"}, ":table/", reference("Table", "")
        ]))
    );
    assert_eq!(policies[1]["PolicyName"], json!("WorkerRolePolicy2"));
    assert_eq!(
        policies[1]["PolicyDocument"]["Statement"][0]["Resource"],
        reference("Queue", "Arn")
    );
    assert_eq!(
        edges(&s, "WorkerRole", "Table"),
        ["policy-grants", "policy-grants"]
    );
    assert_eq!(edges(&s, "WorkerRole", "Queue"), ["policy-grants"]);
    // The inline statement's span is the line it is written on.
    assert_eq!(
        attr_line(
            &s,
            "WorkerRole",
            "Policies[1].PolicyDocument.Statement[0].Resource"
        ),
        39
    );

    // Event sources.
    assert_eq!(
        resource(&s, "WorkerJobs").kind.as_str(),
        "lambda.event-source-mapping"
    );
    assert_eq!(
        attr(&s, "WorkerJobs", "EventSourceArn"),
        reference("Queue", "Arn")
    );
    assert_eq!(attr(&s, "WorkerJobs", "BatchSize"), json!(5));
    assert_eq!(edges(&s, "WorkerJobs", "Worker"), ["invokes"]);
    assert_eq!(edges(&s, "WorkerJobs", "Queue"), ["source"]);
    assert_eq!(
        attr(&s, "WorkerGetPermission", "SourceArn"),
        template(json!([
            "arn:", {"$symbol": "partition"}, ":execute-api:", {"$symbol": "region"}, ":",
            {"$symbol": "account_id"}, ":", reference("ServerlessRestApi", ""), "/*/GET/items"
        ]))
    );
    assert_eq!(
        edges(&s, "WorkerGetPermission", "Worker"),
        ["permits-invoke"]
    );
    assert_eq!(attr(&s, "WorkerUrl", "AuthType"), json!("NONE"));
    assert_eq!(edges(&s, "WorkerUrl", "Worker"), ["url-of"]);
    assert_eq!(
        attr(&s, "WorkerUrlPublicPermissions", "Principal"),
        json!("*")
    );

    // A function with its own role gets none.
    assert!(s.model.resources.iter().all(|r| r.address != "OwnRoleRole"));
    assert_eq!(resource(&s, "Items").kind.as_str(), "dynamodb.table");
    assert_eq!(
        attr(&s, "Items", "SSESpecification"),
        json!({"SSEEnabled": true})
    );
    assert_eq!(resource(&s, "HttpApi").kind.as_str(), "apigatewayv2.api");
    assert_eq!(
        attr(&s, "HttpApi", "Auth"),
        json!({"DefaultAuthorizer": "OAuth2"})
    );
}

#[test]
fn broken_templates_are_reported_with_positions() {
    let s = scan("cloudformation/broken");
    let at = |file: &str, line: u32, needle: &str| {
        assert!(
            s.diagnostics.iter().any(|d| d.path == file
                && d.line == line
                && d.column > 0
                && d.message.contains(needle)),
            "no diagnostic {file}:{line} {needle:?} in {:#?}",
            s.diagnostics
        )
    };
    at("resources-list.yaml", 3, "Resources is not a mapping");
    at("hostile.yaml", 4, "condition Loop refers to itself");
    at("hostile.yaml", 8, "no Type");
    at("hostile.yaml", 16, "Fn::GetAtt takes");
    at("hostile.yaml", 17, "without its `}`");
    at("hostile.yaml", 18, "Ref Nowhere");
    at("hostile.yaml", 19, "out of range");
    at("hostile.yaml", 29, "not a mapping");
    at("hostile.yaml", 33, "nests itself");
    at("syntax.yaml", 7, "YAML syntax error");
    assert!(s
        .diagnostics
        .iter()
        .filter(|d| d.path == "hostile.yaml")
        .all(|d| d.severity == Severity::Warning));
    // What could be read still is.
    let bucket = resource(&s, "Bucket");
    assert_eq!(bucket.condition.as_ref().unwrap().value, None);
    assert_eq!(attr(&s, "Bucket", "Unbalanced"), json!("prefix-${Oops"));
    assert_eq!(
        attr(&s, "Bucket", "Five")["$unknown"]["reason"],
        json!("invalid_expression")
    );
    assert_eq!(line(&s, "Listy"), 27);
}

#[test]
fn long_condition_chains_stop_at_the_depth_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nConditions:\n  C0: !Equals [a, a]\n",
    );
    for i in 1..3000 {
        text.push_str(&format!("  C{i}: !Not [!Condition C{}]\n", i - 1));
    }
    text.push_str("Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Condition: C2999\n    Properties:\n      N: !If [C2999, a, b]\n");
    std::fs::write(dir.path().join("t.yaml"), text).unwrap();
    let s = vouch::scan(dir.path(), &ScanOptions::default());
    let b = resource(&s, "B");
    assert_eq!(b.condition.as_ref().unwrap().value, None);
    assert_eq!(attr(&s, "B", "N")["$unknown"]["reason"], json!("limit"));
}

#[test]
fn sam_referenceable_properties_are_not_undefined_names() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      AutoPublishAlias: live
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages:
        - ApiId: !Ref Api
          Stage: !Ref Api.Stage
      Description: !Ref Fn.Alias
      UsagePlanName: !Ref Api.Stag
";
    std::fs::write(dir.path().join("template.yaml"), text).unwrap();
    let s = vouch::scan(dir.path(), &ScanOptions::default());
    // `Api.Stage` and `Fn.Alias` name the stage and alias the transform generates; only the
    // misspelt `Api.Stag` names nothing.
    let undefined: Vec<_> = s
        .diagnostics
        .iter()
        .filter(|d| d.code == "undefined-reference")
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(
        undefined,
        ["Ref Api.Stag: no parameter or resource of that name"]
    );
    let stage = &attr(&s, "Plan", "ApiStages")[0]["Stage"]["$unknown"];
    assert_eq!(stage["reason"], json!("computed"));
    assert_eq!(
        attr(&s, "Plan", "Description")["$unknown"]["reason"],
        json!("computed")
    );
}

#[test]
fn saas_template_reads_without_diagnostics() {
    let s = scan("projects/saas-serverless/cloudformation");
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    let units: Vec<_> = s.model.units.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(units, ["template.yaml"]);
    assert_eq!(
        edges(&s, "ReportWorker", "NetworkStack/PrivateSubnetA"),
        ["in-subnet"]
    );
    assert_eq!(edges(&s, "ReportWorker", "ReportWorkerRole"), ["runs-as"]);
    assert_eq!(
        edges(&s, "ReportWorkerReportJobs", "ReportJobsQueue"),
        ["source"]
    );
    // Passed down from the parent: AllowDebugSsh is "true", so the debug rule is deployed.
    let debug = resource(&s, "NetworkStack/DebugSshIngress");
    assert_eq!(debug.condition.as_ref().unwrap().value, Some(true));
    // The function's own trust policy becomes its role's.
    let trust = attr(&s, "RequestHandlerRole", "AssumeRolePolicyDocument");
    assert_eq!(trust["Statement"][1]["Sid"], json!("TenantScopedSessions"));
    assert_eq!(
        attr(&s, "RequestHandler", "Environment")["Variables"]["TENANT_SESSION_ROLE_ARN"],
        reference("RequestHandlerRole", "Arn")
    );
}

/// Scans one SAM template written to a temporary directory, and assesses `auth.api-authorizer`.
fn sam_api(text: &str) -> (Scan, vouch::assumptions::Status, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("template.yaml"), text).unwrap();
    let s = vouch::scan(dir.path(), &ScanOptions::default());
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    let options = vouch::AssessOptions {
        only: vec!["auth.api-authorizer".into()],
        ..Default::default()
    };
    let (report, diags) = vouch::assess(&s, dir.path(), &options);
    assert!(diags.is_empty(), "{diags:?}");
    let a = &report.assumptions[0];
    let detail = serde_json::to_string_pretty(a).unwrap();
    (s, a.status, detail)
}

const SAM_REST: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    Auth:
      DefaultAuthorizer: Users
      Authorizers:
        Users:
          UserPoolArn: arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc
Resources:
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Events:
        Health:
          Type: Api
          Properties:
            Path: /health
            Method: get
            Auth:
              Authorizer: NONE
        Items:
          Type: Api
          Properties:
            Path: /items/{id}
            Method: any
"#;

#[test]
fn sam_api_events_become_methods_of_the_implicit_api() {
    let (s, status, detail) = sam_api(SAM_REST);
    let health = resource(&s, "HandlerHealth");
    assert_eq!(
        (health.kind.as_str(), health.generated_by.as_deref()),
        ("apigateway.method", Some("Handler"))
    );
    assert_eq!(line(&s, "HandlerHealth"), 17);
    assert_eq!(line(&s, "HandlerItems"), 24);
    assert_eq!(
        attr(&s, "HandlerHealth", "AuthorizationType"),
        json!("NONE")
    );
    assert_eq!(attr_line(&s, "HandlerHealth", "AuthorizationType"), 23);
    assert_eq!(
        attr(&s, "HandlerItems", "AuthorizationType"),
        json!("COGNITO_USER_POOLS")
    );
    assert_eq!(attr(&s, "HandlerItems", "HttpMethod"), json!("ANY"));
    assert_eq!(edges(&s, "HandlerHealth", "ServerlessRestApi"), ["in-api"]);
    assert_eq!(edges(&s, "HandlerHealth", "Handler"), ["integrates"]);
    assert_eq!(
        resource(&s, "ServerlessRestApiProdStage").kind.as_str(),
        "apigateway.stage"
    );
    assert_eq!(
        s.model
            .resources
            .iter()
            .filter(|r| r.kind.as_str() == "apigateway.rest-api")
            .count(),
        1
    );
    assert_eq!(status, vouch::assumptions::Status::Invalid, "{detail}");
    assert!(detail.contains("GET /health"), "{detail}");

    let (_, status, detail) = sam_api(&SAM_REST.replace("Authorizer: NONE", "Authorizer: Users"));
    assert_eq!(status, vouch::assumptions::Status::Verified, "{detail}");
}

const SAM_HTTP: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  HttpApi:
    Auth:
      DefaultAuthorizer: Jwt
      Authorizers:
        Jwt:
          IdentitySource: $request.header.Authorization
          JwtConfiguration:
            issuer: https://issuer.example.com
            audience: [api]
Resources:
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Events:
        Health:
          Type: HttpApi
          Properties:
            Path: /health
            Method: get
            Auth:
              Authorizer: NONE
        Items:
          Type: HttpApi
          Properties:
            Path: /items
            Method: post
"#;

#[test]
fn sam_http_api_events_become_routes_of_the_implicit_api() {
    let (s, status, detail) = sam_api(SAM_HTTP);
    let health = resource(&s, "HandlerHealth");
    assert_eq!(health.kind.as_str(), "apigatewayv2.route");
    assert_eq!(line(&s, "HandlerHealth"), 20);
    assert_eq!(attr(&s, "HandlerHealth", "RouteKey"), json!("GET /health"));
    assert_eq!(
        attr(&s, "HandlerHealth", "AuthorizationType"),
        json!("NONE")
    );
    assert_eq!(attr(&s, "HandlerItems", "AuthorizationType"), json!("JWT"));
    assert_eq!(attr(&s, "ServerlessHttpApi", "ProtocolType"), json!("HTTP"));
    assert_eq!(edges(&s, "HandlerItems", "ServerlessHttpApi"), ["in-api"]);
    assert_eq!(
        edges(&s, "HandlerItems", "HandlerItemsIntegration"),
        ["integrates"]
    );
    assert_eq!(
        edges(&s, "HandlerItemsIntegration", "Handler"),
        ["integrates"]
    );
    assert_eq!(status, vouch::assumptions::Status::Invalid, "{detail}");
    assert!(detail.contains("GET /health"), "{detail}");

    let (_, status, detail) = sam_api(&SAM_HTTP.replace("Authorizer: NONE", "Authorizer: Jwt"));
    assert_eq!(status, vouch::assumptions::Status::Verified, "{detail}");
}

#[test]
fn sam_api_events_on_a_named_api_carry_authorizers_and_validators() {
    let text = r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Lambda
        ApiKeyRequired: true
        Authorizers:
          Lambda:
            FunctionArn: arn:aws:lambda:eu-west-1:123456789012:function:auth
      Models:
        Item:
          type: object
  Plain:
    Type: AWS::ApiGateway::RestApi
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Events:
        Create:
          Type: Api
          Properties:
            RestApiId: !Ref MyApi
            Path: /
            Method: post
            RequestModel:
              Model: Item
              ValidateBody: true
        Elsewhere:
          Type: Api
          Properties:
            RestApiId: !Ref Plain
            Path: /x
            Method: get
"#;
    let (s, status, detail) = sam_api(text);
    assert_eq!(
        attr(&s, "HandlerCreate", "AuthorizationType"),
        json!("CUSTOM")
    );
    assert_eq!(attr(&s, "HandlerCreate", "ApiKeyRequired"), json!(true));
    assert_eq!(
        attr(&s, "HandlerCreate", "RequestModels"),
        json!({"application/json": "Item"})
    );
    assert_eq!(
        edges(&s, "HandlerCreate", "MyApi"),
        ["in-api", "on-resource"]
    );
    assert_eq!(
        edges(&s, "HandlerCreate", "HandlerCreateValidator"),
        ["validator"]
    );
    assert_eq!(
        attr(&s, "HandlerCreateValidator", "ValidateRequestBody"),
        json!(true)
    );
    // An API declared as plain resources declares its methods itself.
    assert!(s
        .model
        .resources
        .iter()
        .all(|r| r.address != "HandlerElsewhere"));
    assert!(s
        .model
        .resources
        .iter()
        .all(|r| r.address != "ServerlessRestApi"));
    assert_eq!(status, vouch::assumptions::Status::Verified, "{detail}");
}
