//! Administrator-equivalent principals, shared roles and tenant binding.

use crate::common;
use common::*;
use vouch::iam::access::Access;
use vouch::iam::queries::{admin_equivalent, shared_roles, tenant_binding, TenantBinding};

#[test]
fn administrators_in_all_but_name() {
    let s = scan("iam/semantics");
    let a = Access::compute(&s.model);
    let admins: Vec<(String, String)> = admin_equivalent(&a)
        .into_iter()
        .map(|g| (s.model.resources[g.principal].address.clone(), g.why))
        .collect();
    assert_eq!(
        admins,
        vec![(
            "aws_iam_role.admin".to_string(),
            "AdministratorAccess".to_string()
        )]
    );
}

#[test]
fn tenant_binding_on_the_example_project_in_both_languages() {
    for (dir, handler, admin, table) in [
        (
            "projects/saas-serverless/terraform",
            "aws_iam_role.function[\"request_handler\"]",
            "aws_iam_role.function[\"admin\"]",
            "aws_dynamodb_table.tenant_data",
        ),
        (
            "projects/saas-serverless/cloudformation",
            "RequestHandlerRole",
            "AdminRole",
            "TenantDataTable",
        ),
    ] {
        let s = scan(dir);
        let a = Access::compute(&s.model);
        assert!(
            shared_roles(&a).is_empty(),
            "{dir}: every function has its own role"
        );
        let t = idx(&s, table);
        match tenant_binding(&s.model, &a, idx(&s, handler), t) {
            TenantBinding::Bound { variable } => assert!(
                variable.contains("aws:PrincipalTag/tenant_id"),
                "{variable}"
            ),
            other => panic!("{dir}: the request handler should be bound to its tenant: {other:?}"),
        }
        match tenant_binding(&s.model, &a, idx(&s, admin), t) {
            TenantBinding::Unbound { actions, .. } => assert!(
                actions.contains(&"dynamodb:Scan".to_string()),
                "{actions:?}"
            ),
            other => panic!("{dir}: the admin function reads every tenant: {other:?}"),
        }
    }
}

#[test]
fn tenant_binding_of_buckets_and_of_actions_without_a_key() {
    for (dir, handler, worker, bucket) in [
        (
            "projects/saas-serverless/terraform",
            "aws_iam_role.function[\"request_handler\"]",
            "module.report_worker.aws_iam_role.this",
            "aws_s3_bucket.reports",
        ),
        (
            "projects/saas-serverless/cloudformation",
            "RequestHandlerRole",
            "ReportWorkerRole",
            "ReportsBucket",
        ),
    ] {
        let s = scan(dir);
        let a = Access::compute(&s.model);
        let b = idx(&s, bucket);
        match tenant_binding(&s.model, &a, idx(&s, handler), b) {
            TenantBinding::Bound { variable } => {
                assert_eq!(variable, "${aws:PrincipalTag/tenant_id}", "{dir}")
            }
            other => panic!("{dir}: downloads are keyed by the tenant prefix: {other:?}"),
        }
        match tenant_binding(&s.model, &a, idx(&s, worker), b) {
            TenantBinding::Unbound {
                actions, attempted, ..
            } => {
                assert_eq!(actions, vec!["s3:PutObject".to_string()], "{dir}");
                assert!(!attempted, "{dir}: the worker's policy names no tenant");
            }
            other => panic!("{dir}: the worker writes every tenant's reports: {other:?}"),
        }
    }
    for (case, store, unbound) in [
        (
            "invalid-scan-escapes",
            "aws_dynamodb_table.tenant_data",
            vec!["dynamodb:Scan"],
        ),
        (
            "invalid-s3-prefix-only",
            "aws_s3_bucket.documents",
            vec!["s3:GetObject", "s3:PutObject"],
        ),
    ] {
        let s = scan(&format!(
            "assumptions/tenant.data-isolation/{case}/terraform"
        ));
        let a = Access::compute(&s.model);
        match tenant_binding(
            &s.model,
            &a,
            idx(&s, "aws_iam_role.handler"),
            idx(&s, store),
        ) {
            TenantBinding::Unbound {
                actions, attempted, ..
            } => {
                assert_eq!(actions, unbound, "{case}");
                assert!(attempted, "{case}: the policy means to bind the tenant");
            }
            other => panic!("{case}: {other:?}"),
        }
    }
}

#[test]
fn the_role_of_each_compute_resource() {
    use vouch::iam::principals::{compute_role_refs, RoleOf};
    use vouch::model::Reason;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"
variable "role_arn" {
  type = string
}
resource "aws_iam_role" "named" {
  name               = "named-role"
  assume_role_policy = "{}"
}
resource "aws_lambda_function" "by_ref" {
  function_name = "by-ref"
  role          = aws_iam_role.named.arn
}
resource "aws_lambda_function" "by_literal" {
  function_name = "by-literal"
  role          = "arn:aws:iam::123456789012:role/named-role"
}
resource "aws_lambda_function" "outside" {
  function_name = "outside"
  role          = "arn:aws:iam::123456789012:role/elsewhere"
}
resource "aws_lambda_function" "variable" {
  function_name = "variable"
  role          = var.role_arn
}
resource "aws_ecs_task_definition" "no_role" {
  family                = "no-role"
  container_definitions = "[]"
}
"#,
    )
    .unwrap();
    let s = vouch::scan(dir.path(), &Default::default());
    let named = idx(&s, "aws_iam_role.named");
    let refs = compute_role_refs(&s.model);
    let role_of = |address: &str| {
        let i = idx(&s, address);
        refs.iter().find(|c| c.compute == i).unwrap().role.clone()
    };
    assert_eq!(
        role_of("aws_lambda_function.by_ref"),
        RoleOf::Role { index: named }
    );
    assert_eq!(
        role_of("aws_lambda_function.by_literal"),
        RoleOf::Role { index: named }
    );
    assert_eq!(role_of("aws_ecs_task_definition.no_role"), RoleOf::NoRole);
    match role_of("aws_lambda_function.outside") {
        RoleOf::Unsettled { unknown } => assert_eq!(unknown.reason, Reason::OutsideTree),
        other => panic!("{other:?}"),
    }
    match role_of("aws_lambda_function.variable") {
        RoleOf::Unsettled { unknown } => {
            assert_eq!(unknown.reason, Reason::VariableWithoutDefault)
        }
        other => panic!("{other:?}"),
    }
}

/// `tenant.data-isolation` works a binding out once per `TenantCoverKey`: the key must hold
/// everything the binding depends on. Across the tenancy fixtures, two (principal, store) pairs
/// with one key have one binding, and two principals never share a key, even where their
/// statements sit at the same positions.
#[test]
fn the_tenant_memo_key_separates_principals_and_holds_what_the_binding_reads() {
    use std::collections::HashMap;
    use vouch::iam::arn::arn_of;
    use vouch::iam::queries::{tenant_cover_key, tenant_grants, tenant_service, TenantCoverKey};
    let mut pairs = 0;
    // Positions alone (without the principal), with the bindings found at them.
    let mut positions_only = 0;
    for dir in [
        "projects/saas-serverless/terraform",
        "projects/saas-serverless/cloudformation",
        "assumptions/tenant.data-isolation/invalid-scan-escapes/terraform",
        "assumptions/tenant.data-isolation/invalid-s3-prefix-only/terraform",
    ] {
        let s = scan(dir);
        let a = Access::compute(&s.model);
        let stores: Vec<(usize, &'static str)> = (0..s.model.resources.len())
            .filter_map(|i| tenant_service(&s.model, i).map(|svc| (i, svc)))
            .collect();
        // Each key with the first principal and store that had it, and their binding.
        type FirstPair = (usize, usize, TenantBinding);
        let mut seen: HashMap<TenantCoverKey, FirstPair> = HashMap::new();
        // A service and statement positions, without the principal.
        type Positions = (&'static str, Vec<(u32, u32)>);
        let mut by_positions: HashMap<Positions, TenantBinding> = HashMap::new();
        for &p in a.principals.keys() {
            for &(store, service) in &stores {
                let grants = tenant_grants(&a, p, service);
                let key =
                    tenant_cover_key(&s.model, &grants, store, arn_of(&s.model, store).as_deref());
                assert_eq!((key.principal, key.service), (p, service), "{dir}");
                let binding = tenant_binding(&s.model, &a, p, store);
                pairs += 1;
                match by_positions.get(&(service, key.covers.clone())) {
                    Some(b) if b != &binding => positions_only += 1,
                    Some(_) => {}
                    None => {
                        by_positions.insert((service, key.covers.clone()), binding.clone());
                    }
                }
                match seen.get(&key) {
                    Some((p0, s0, b0)) => {
                        assert_eq!(*p0, p, "{dir}: principals share a key");
                        assert_eq!(
                            b0, &binding,
                            "{dir}: stores {s0} and {store} share {key:?} but not a binding"
                        );
                    }
                    None => {
                        seen.insert(key, (p, store, binding));
                    }
                }
            }
        }
    }
    assert!(
        pairs > 20,
        "the fixtures cross principals with stores: {pairs}"
    );
    assert!(
        positions_only > 0,
        "statement positions without their principal would mix bindings up in these fixtures"
    );

    // The request handler (bound) and the admin function (unbound) both reach the table:
    // distinct keys.
    let s = scan("projects/saas-serverless/terraform");
    let a = Access::compute(&s.model);
    let table = idx(&s, "aws_dynamodb_table.tenant_data");
    let arn = arn_of(&s.model, table);
    let key = |role: &str| {
        let g = tenant_grants(&a, idx(&s, role), "dynamodb");
        tenant_cover_key(&s.model, &g, table, arn.as_deref())
    };
    let (handler, admin) = (
        key("aws_iam_role.function[\"request_handler\"]"),
        key("aws_iam_role.function[\"admin\"]"),
    );
    assert!(!handler.covers.is_empty() && !admin.covers.is_empty());
    assert_ne!(handler, admin);
}
