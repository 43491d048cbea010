//! OpenAPI bodies of API Gateway APIs: the methods, validators and routes their import creates,
//! decided per operation as API Gateway reads the definition (security schemes and their
//! extensions, empty alternatives, API keys, request validators, mock preflights), from every
//! place a body can be (a file, a rendered template, a plan).

use crate::common::{decide, fixture};

/// A CloudFormation template holding one REST API whose `Body` is `body` (YAML, indented for
/// the `Body:` key), scanned alone.
fn rest_api(body: &str, rule: &str) -> (String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let indented: String = body.lines().map(|l| format!("        {l}\n")).collect();
    let text = format!(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n      Name: api\n      Body:\n{indented}"
    );
    std::fs::write(dir.path().join("template.yaml"), text).unwrap();
    decide(dir.path(), rule, &Default::default())
}

const HEAD: &str = "openapi: 3.0.1\ninfo: {title: api, version: '1'}\n";

#[test]
fn an_api_key_identifies_a_client_but_does_not_authenticate_it() {
    let (status, lines) = rest_api(
        &format!(
            "{HEAD}components:\n  securitySchemes:\n    key: {{type: apiKey, name: x-api-key, in: header}}\npaths:\n  /items:\n    get:\n      security: [{{key: []}}]\n"
        ),
        "auth.api-authorizer",
    );
    assert_eq!(status, "invalid", "{lines:?}");
    assert_eq!(
        lines,
        ["fail GET /items has authorization NONE: anyone can call it"]
    );
}

#[test]
fn an_empty_alternative_lets_anonymous_callers_in() {
    let (status, lines) = rest_api(
        &format!(
            "{HEAD}components:\n  securitySchemes:\n    iam: {{type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}}\nsecurity: [{{iam: []}}]\npaths:\n  /items:\n    get:\n      security: [{{}}, {{iam: []}}]\n    put: {{}}\n"
        ),
        "auth.api-authorizer",
    );
    assert_eq!(status, "invalid", "{lines:?}");
    assert_eq!(
        lines,
        [
            "fail GET /items has authorization NONE: anyone can call it",
            "pass PUT /items requires AWS_IAM"
        ]
    );
}

#[test]
fn extensions_decide_the_authorization() {
    // Swagger 2: a Lambda authorizer without a type is a TOKEN authorizer; the operation's
    // x-amazon-apigateway-auth overrides the definition's security; the any-method is ANY; a
    // CORS preflight answered by a mock integration is left out.
    let (status, lines) = rest_api(
        "swagger: '2.0'\ninfo: {title: api, version: '1'}\nsecurityDefinitions:\n  lambda:\n    type: apiKey\n    name: Authorization\n    in: header\n    x-amazon-apigateway-authorizer:\n      authorizerUri: arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:auth/invocations\nsecurity: [{lambda: []}]\npaths:\n  /items:\n    x-amazon-apigateway-any-method: {}\n    delete:\n      x-amazon-apigateway-auth: {type: AWS_IAM}\n    options:\n      security: []\n      x-amazon-apigateway-integration: {type: mock}\n",
        "auth.api-authorizer",
    );
    assert_eq!(status, "verified", "{lines:?}");
    assert_eq!(
        lines,
        [
            "pass ANY /items requires CUSTOM (a Lambda authorizer decides; its logic is application code)",
            "pass DELETE /items requires AWS_IAM"
        ]
    );
}

#[test]
fn a_scheme_the_definition_does_not_define_is_a_question() {
    let (status, lines) = rest_api(
        &format!("{HEAD}paths:\n  /items:\n    get:\n      security: [{{users: []}}]\n"),
        "auth.api-authorizer",
    );
    assert_eq!(status, "needs_clarification", "{lines:?}");
}

#[test]
fn validators_are_read_by_name() {
    // The definition's default validator checks only parameters: a POST with a body schema
    // fails; a validator name nobody defines is a question.
    let body = |post_validator: &str| {
        format!(
            "{HEAD}x-amazon-apigateway-request-validators:\n  params: {{validateRequestBody: false, validateRequestParameters: true}}\n  full: {{validateRequestBody: true, validateRequestParameters: true}}\nx-amazon-apigateway-request-validator: params\npaths:\n  /items:\n    get: {{}}\n    post:\n      x-amazon-apigateway-request-validator: {post_validator}\n      requestBody:\n        content:\n          application/json:\n            schema: {{type: object}}\n"
        )
    };
    let (status, lines) = rest_api(&body("params"), "net.gateway-validates-input");
    assert_eq!(status, "invalid", "{lines:?}");
    assert!(
        lines.iter().any(|l| l.starts_with("fail POST /items")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("pass GET /items")),
        "{lines:?}"
    );
    let (status, lines) = rest_api(&body("full"), "net.gateway-validates-input");
    assert_eq!(status, "verified", "{lines:?}");
    let (status, lines) = rest_api(&body("strict"), "net.gateway-validates-input");
    assert_eq!(status, "needs_clarification", "{lines:?}");
}

#[test]
fn a_rendered_template_is_read_when_its_file_is_not_a_definition() {
    // `templatefile` of JSON with an unquoted interpolation: the file itself is not JSON, the
    // rendered body is.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.json.tpl"),
        r#"{"openapi": "3.0.1", "info": {"title": "api", "version": "1"},
 "paths": {"/items": {"get": {"security": ${security}}}}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"resource "aws_api_gateway_rest_api" "api" {
  name = "api"
  body = templatefile("api.json.tpl", { security = "[]" })
}
"#,
    )
    .unwrap();
    let (status, lines) = decide(dir.path(), "auth.api-authorizer", &Default::default());
    assert_eq!(status, "invalid", "{lines:?}");
    assert_eq!(
        lines,
        ["fail GET /items has authorization NONE: anyone can call it"]
    );
}

#[test]
fn a_body_that_is_not_a_definition_is_unknown_not_an_api_without_methods() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_api_gateway_rest_api\" \"api\" {\n  name = \"api\"\n  body = \"not a definition\"\n}\n",
    )
    .unwrap();
    let (status, _) = decide(dir.path(), "auth.api-authorizer", &Default::default());
    assert_eq!(status, "needs_clarification");
}

#[test]
fn a_plan_holds_the_rendered_body() {
    let opts = vouch::ScanOptions {
        load: vouch::load::LoadOptions {
            plans: vec![fixture("terraform/plan-openapi/plan.json")],
            ..Default::default()
        },
        ..Default::default()
    };
    let (status, lines) = decide(
        &fixture("terraform/plan-openapi"),
        "auth.api-authorizer",
        &opts,
    );
    assert_eq!(status, "invalid", "{lines:?}");
    assert_eq!(
        lines,
        [
            "fail GET /health has authorization NONE: anyone can call it",
            "pass GET /orders requires AWS_IAM"
        ]
    );
}

#[test]
fn an_event_on_the_same_route_is_what_sam_deploys() {
    // SAM merges the function's event into the definition body: the event's method, with the
    // API's default Cognito authorizer, replaces the body's operation without security; the
    // body's other operation keeps its own (none).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("template.yaml"),
        r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Users:
    Type: AWS::Cognito::UserPool
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Users
        Authorizers:
          Users:
            UserPoolArn: !GetAtt Users.Arn
      DefinitionBody:
        openapi: 3.0.1
        info: {title: api, version: '1'}
        paths:
          /items:
            get: {}
          /health:
            get: {}
  Items:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        List:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /items
            Method: get
"#,
    )
    .unwrap();
    let (status, lines) = decide(dir.path(), "auth.api-authorizer", &Default::default());
    assert_eq!(status, "invalid", "{lines:?}");
    assert_eq!(
        lines,
        [
            "fail GET /health has authorization NONE: anyone can call it",
            "pass GET /items requires COGNITO_USER_POOLS"
        ]
    );
}

#[test]
fn a_plan_beside_its_hcl_gives_each_method_once() {
    // The HCL's body generates methods too; the plan replaces that root, generated methods
    // included, so each route is judged once, from the planned values.
    let dir = tempfile::tempdir().unwrap();
    let plan = std::fs::read_to_string(fixture("terraform/plan-openapi/plan.json")).unwrap();
    std::fs::write(dir.path().join("plan.json"), plan).unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"resource "aws_api_gateway_rest_api" "orders" {
  name = "orders"
  body = jsonencode({
    openapi = "3.0.1"
    info    = { title = "orders", version = "1.0" }
    paths   = { "/health" = { get = {} }, "/orders" = { get = {} } }
  })
}
"#,
    )
    .unwrap();
    let opts = vouch::ScanOptions {
        load: vouch::load::LoadOptions {
            plans: vec![dir.path().join("plan.json")],
            ..Default::default()
        },
        ..Default::default()
    };
    let (status, lines) = decide(dir.path(), "auth.api-authorizer", &opts);
    assert_eq!(status, "invalid", "{lines:?}");
    assert_eq!(
        lines,
        [
            "fail GET /health has authorization NONE: anyone can call it",
            "pass GET /orders requires AWS_IAM"
        ]
    );
}
