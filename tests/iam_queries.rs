//! Administrator-equivalent principals, shared roles and tenant binding.

mod common;
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
