//! The data-flow view as a reviewer meets it: `--format mermaid` for each fixture project (a
//! snapshot), the Mermaid block in the Markdown report, and the self-contained HTML page.

use crate::common::{fixture, vouch_bin};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn vouch(args: &[&str]) -> String {
    let out = Command::new(vouch_bin()).args(args).output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "vouch {args:?} exited {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Every project under `fixtures/projects/` in each language it is written in.
fn projects() -> Vec<(String, std::path::PathBuf)> {
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(fixture("projects"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for d in dirs {
        for lang in ["terraform", "cloudformation"] {
            let p = d.join(lang);
            if p.is_dir() {
                let name = format!("{}-{lang}", d.file_name().unwrap().to_string_lossy());
                out.push((name, p));
            }
        }
    }
    out
}

#[test]
fn mermaid_of_each_fixture_project() {
    let all = projects();
    assert!(all.len() >= 3, "{all:?}");
    for (name, path) in all {
        let text = vouch(&["scan", path.to_str().unwrap(), "--format", "mermaid"]);
        assert!(text.contains("flowchart LR"), "{name}: {text}");
        insta::assert_snapshot!(format!("mermaid-{name}"), text);
    }
}

/// The lines of the flowchart that draw a flow, as (from name, arrow, label, to name), with node
/// ids replaced by the names they show.
fn flows(text: &str) -> BTreeSet<(String, String, String, String)> {
    let mut names = std::collections::HashMap::new();
    for line in text.lines().map(str::trim) {
        // `id(("name<br/>…"))`, `id["name…"]`, `id[("name…")]`, `id[/"name…"/]`, `id(["name…"])`
        if let Some(q) = line.find('"') {
            let id: String = line
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let rest = &line[q + 1..];
            let name = rest.split(['"', '<']).next().unwrap_or("");
            if !id.is_empty()
                && !line.contains("-->")
                && !line.contains("==>")
                && !line.contains("-.->")
            {
                names.insert(id, name.to_string());
            }
        }
    }
    let mut out = BTreeSet::new();
    for line in text.lines().map(str::trim) {
        for arrow in ["-.->", "==>", "-->"] {
            if let Some((from, rest)) = line.split_once(&format!(" {arrow}|\"")) {
                let (label, to) = rest.split_once("\"| ").unwrap();
                let n = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
                out.insert((n(from), arrow.to_string(), label.to_string(), n(to)));
                break;
            }
        }
    }
    out
}

#[test]
fn the_diagram_draws_the_flows_the_code_builds_in_both_languages() {
    let tf = vouch(&[
        "scan",
        fixture("projects/saas-serverless/terraform")
            .to_str()
            .unwrap(),
        "--format",
        "mermaid",
    ]);
    let f = flows(&tf);
    let has = |from: &str, arrow: &str, label: &str, to: &str| {
        assert!(
            f.contains(&(from.into(), arrow.into(), label.into(), to.into())),
            "no {from} {arrow} {label} {to} in {f:#?}"
        )
    };
    has("Internet", "==>", "public", "aws_api_gateway_rest_api.main");
    has(
        "aws_cognito_user_pool.main",
        "-->",
        "authenticates",
        "aws_api_gateway_rest_api.main",
    );
    has(
        "aws_api_gateway_rest_api.main",
        "-->",
        "invokes",
        "module.llm_analysis.aws_lambda_function.this",
    );
    has(
        "aws_cloudfront_distribution.web",
        "-->",
        "origin",
        "aws_s3_bucket.web",
    );
    has(
        "aws_sqs_queue.report_jobs",
        "-->",
        "invokes",
        "module.report_worker.aws_lambda_function.this",
    );
    has(
        "module.report_worker.aws_lambda_function.this",
        "-.->",
        "read, write",
        "aws_dynamodb_table.jobs",
    );
    has(
        "module.report_worker.aws_lambda_function.this",
        "-.->",
        "write",
        "aws_s3_bucket.reports",
    );
    // The private-subnet functions sit in the VPC's boundary, the others in the account's.
    let vpc = tf
        .split("subgraph b_vpc")
        .nth(1)
        .unwrap()
        .split("  end")
        .next()
        .unwrap();
    assert!(
        vpc.contains("module.report_worker.aws_lambda_function.this"),
        "{vpc}"
    );
    assert!(
        !vpc.contains("module.llm_analysis.aws_lambda_function.this"),
        "{vpc}"
    );
    // Findings and open questions are marked on their components.
    let failing = tf
        .lines()
        .find(|l| l.trim_end().ends_with(" failing") && l.trim().starts_with("class "))
        .unwrap();
    assert!(
        failing.contains("aws_api_gateway_rest_api_main"),
        "{failing}"
    );
    let open = tf
        .lines()
        .find(|l| l.trim_end().ends_with(" open") && l.trim().starts_with("class "))
        .unwrap();
    assert!(open.contains("pre_token"), "{open}");

    // The CloudFormation twin draws the same flows between its components.
    let cf = flows(&vouch(&[
        "scan",
        fixture("projects/saas-serverless/cloudformation")
            .to_str()
            .unwrap(),
        "--format",
        "mermaid",
    ]));
    let shape = |set: &BTreeSet<(String, String, String, String)>| -> BTreeSet<(String, String)> {
        set.iter()
            .map(|(_, a, l, _)| (a.clone(), l.clone()))
            .collect()
    };
    assert!(shape(&f).len() > 5, "{f:#?}");
    assert!(shape(&cf).is_superset(&shape(&f).into_iter().filter(|(a, _)| a != "-.->").collect()));
}

#[test]
fn instances_of_a_counted_block_are_one_node_with_their_count() {
    let d = tempfile::tempdir().unwrap();
    write(
        &d.path().join("main.tf"),
        r#"
resource "aws_iam_role" "worker" {
  name = "worker"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}
resource "aws_iam_role_policy" "worker" {
  role = aws_iam_role.worker.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "${aws_s3_bucket.data.arn}/*" }]
  })
}
resource "aws_s3_bucket" "data" {
  bucket = "data"
}
resource "aws_lambda_function" "worker" {
  count         = 3
  function_name = "worker-${count.index}"
  role          = aws_iam_role.worker.arn
  runtime       = "python3.12"
  handler       = "main.handler"
  filename      = "worker.zip"
}
"#,
    );
    let text = vouch(&["scan", d.path().to_str().unwrap(), "--format", "mermaid"]);
    let nodes: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("aws_lambda_function.worker"))
        .collect();
    assert_eq!(nodes.len(), 1, "{text}");
    assert!(nodes[0].contains("aws_lambda_function.worker ×3"), "{text}");
    let f = flows(&text);
    assert!(
        f.contains(&(
            "aws_lambda_function.worker ×3".into(),
            "-.->".into(),
            "read".into(),
            "aws_s3_bucket.data".into()
        )),
        "{f:#?}"
    );
}

/// A Terraform root with `n` distinct buckets and a function that reads all of them.
fn many_components(dir: &Path, n: usize) {
    let mut tf = String::from(
        r#"
resource "aws_iam_role" "reader" {
  name = "reader"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}
resource "aws_lambda_function" "reader" {
  function_name = "reader"
  role          = aws_iam_role.reader.arn
  runtime       = "python3.12"
  handler       = "main.handler"
  filename      = "reader.zip"
}
"#,
    );
    for i in 0..n {
        tf.push_str(&format!(
            "resource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket = \"bucket-{i}\"\n}}\n\
             resource \"aws_iam_role_policy\" \"p{i}\" {{\n  role = aws_iam_role.reader.id\n  policy = jsonencode({{\n    Version = \"2012-10-17\"\n    Statement = [{{ Effect = \"Allow\", Action = [\"s3:GetObject\"], Resource = \"${{aws_s3_bucket.b{i}.arn}}/*\" }}]\n  }})\n}}\n"
        ));
    }
    write(&dir.join("main.tf"), &tf);
}

#[test]
fn the_markdown_report_embeds_the_diagram_and_collapses_a_large_one_by_kind() {
    let d = tempfile::tempdir().unwrap();
    many_components(d.path(), 3);
    let md = vouch(&["scan", d.path().to_str().unwrap(), "--format", "markdown"]);
    assert_eq!(md.matches("```mermaid").count(), 1, "{md}");
    assert!(md.contains("aws_s3_bucket.b2"), "{md}");
    assert!(!md.contains("components shown as"), "{md}");

    let d = tempfile::tempdir().unwrap();
    many_components(d.path(), 60);
    let md = vouch(&["scan", d.path().to_str().unwrap(), "--format", "markdown"]);
    let block = md
        .split("```mermaid\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    assert!(md.contains("62 components shown as"), "{md}");
    assert!(block.contains("60 × s3.bucket"), "{block}");
    assert!(!block.contains("aws_s3_bucket.b7"), "{block}");
    assert!(
        flows(block).contains(&(
            "1 × lambda.function".into(),
            "-.->".into(),
            "read".into(),
            "60 × s3.bucket".into()
        )),
        "{block}"
    );
    // `--format mermaid` still draws every component.
    let full = vouch(&["scan", d.path().to_str().unwrap(), "--format", "mermaid"]);
    assert!(full.contains("aws_s3_bucket.b59"));
    assert!(!full.contains("components shown as"));
}

/// Checks the page is well-formed XML (every element closed, in order) and returns each
/// element's attributes.
fn parse_xml(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut stack: Vec<String> = Vec::new();
    let mut elements: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for token in xmlparser::Tokenizer::from(text) {
        match token.unwrap_or_else(|e| panic!("not well-formed: {e}")) {
            xmlparser::Token::ElementStart { local, .. } => {
                stack.push(local.to_string());
                elements.push((local.to_string(), vec![]));
            }
            xmlparser::Token::Attribute { local, value, .. } => {
                elements
                    .last_mut()
                    .unwrap()
                    .1
                    .push((local.to_string(), value.to_string()));
            }
            xmlparser::Token::ElementEnd { end, .. } => match end {
                xmlparser::ElementEnd::Open => {}
                xmlparser::ElementEnd::Empty => {
                    stack.pop();
                }
                xmlparser::ElementEnd::Close(_, name) => {
                    assert_eq!(
                        stack.pop().as_deref(),
                        Some(name.as_str()),
                        "mismatched </{name}>"
                    );
                }
            },
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    elements
}

fn node_ids(mermaid: &str) -> BTreeSet<String> {
    mermaid
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.starts_with("subgraph")
                && !l.starts_with("class")
                && !l.contains("-->")
                && !l.contains("==>")
                && !l.contains("-.->")
                && l.contains('"')
                && !l.starts_with("legend")
                && !l.starts_with("title")
        })
        .map(|l| {
            l.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn the_html_page_is_self_contained_well_formed_and_draws_every_component() {
    let path = fixture("projects/saas-serverless/terraform");
    let path = path.to_str().unwrap();
    let html = vouch(&["scan", path, "--format", "html"]);
    assert_eq!(
        html,
        vouch(&["scan", path, "--format", "html"]),
        "not deterministic"
    );
    let elements = parse_xml(html.trim_start_matches("<!DOCTYPE html>\n"));
    // No URL in any attribute: nothing is fetched, the page works offline.
    for (name, attrs) in &elements {
        assert!(
            name != "link" && name != "img" && name != "iframe",
            "<{name}>"
        );
        for (k, v) in attrs {
            assert!(
                !v.contains("://") && !v.starts_with("//"),
                "<{name} {k}=\"{v}\">"
            );
            assert!(k != "src", "<{name} src>");
        }
    }
    assert!(elements.iter().any(|(n, _)| n == "script"));
    assert!(!elements
        .iter()
        .any(|(n, a)| n == "script" && a.iter().any(|(k, _)| k == "src")));
    // Every component of the Mermaid view is a node of the SVG.
    let ids: BTreeSet<&str> = elements
        .iter()
        .filter(|(n, a)| n == "g" && a.iter().any(|(k, v)| k == "class" && v.starts_with("node")))
        .flat_map(|(_, a)| a.iter().filter(|(k, _)| k == "id").map(|(_, v)| v.as_str()))
        .collect();
    let mermaid = vouch(&["scan", path, "--format", "mermaid"]);
    let expected = node_ids(&mermaid);
    assert!(expected.len() > 10, "{expected:?}");
    for id in &expected {
        assert!(ids.contains(id.as_str()), "{id} not in the SVG: {ids:?}");
    }
    assert_eq!(ids.len(), expected.len());
    // The reviewer's sections: risk, assumptions with file:line evidence, questions, threats,
    // suggestions, and the filters.
    for needle in [
        "<b>Risk:</b>",
        "<h3>Assumptions</h3>",
        "<h3>Open questions</h3>",
        "<h3>Threats</h3>",
        "id=\"filter-status\"",
        "id=\"filter-severity\"",
        "data-status=\"invalid\"",
        "@media print",
    ] {
        assert!(html.contains(needle), "no {needle}");
    }
    assert!(
        elements
            .iter()
            .any(|(n, a)| n == "a" && a.iter().any(|(k, v)| k == "href" && v.ends_with("api.tf"))),
        "no evidence linked to its file"
    );
    assert!(html.contains("api.tf:"), "evidence shows file:line");
}

#[test]
fn several_systems_get_one_diagram_each_with_unique_ids() {
    let d = tempfile::tempdir().unwrap();
    for p in ["a", "b"] {
        many_components(&d.path().join(p), 2);
        write(
            &d.path().join(p).join("README.md"),
            "# A project\n\nHow to deploy it.\n",
        );
    }
    write(&d.path().join("README.md"), "# Projects\n");
    let root = d.path().to_str().unwrap();
    let mermaid = vouch(&["scan", root, "--format", "mermaid"]);
    assert_eq!(mermaid.matches("flowchart LR").count(), 2, "{mermaid}");
    let md = vouch(&["scan", root, "--format", "markdown"]);
    assert_eq!(md.matches("```mermaid").count(), 2, "{md}");
    let html = vouch(&["scan", root, "--format", "html"]);
    let elements = parse_xml(html.trim_start_matches("<!DOCTYPE html>\n"));
    let mut seen = BTreeSet::new();
    for (_, attrs) in &elements {
        for (k, v) in attrs {
            if k == "id" {
                assert!(seen.insert(v.clone()), "duplicate id {v}");
            }
        }
    }
    assert_eq!(html.matches("<svg ").count(), 2);
}

fn scan_mermaid(project: &str) -> String {
    vouch(&[
        "scan",
        fixture(project).to_str().unwrap(),
        "--format",
        "mermaid",
    ])
}

/// The text of one subgraph, from its `subgraph` line to its own `end` (nested ones included).
fn subgraph<'a>(text: &'a str, id_prefix: &str) -> &'a str {
    let start = text
        .find(&format!("subgraph {id_prefix}"))
        .unwrap_or_else(|| panic!("no subgraph {id_prefix} in {text}"));
    let mut depth = 0;
    let mut at = start;
    for line in text[start..].split_inclusive('\n') {
        at += line.len();
        let t = line.trim();
        if t.starts_with("subgraph ") {
            depth += 1;
        } else if t == "end" {
            depth -= 1;
            if depth == 0 {
                break;
            }
        }
    }
    &text[start..at]
}

#[test]
fn load_balancers_forward_to_the_compute_behind_them_in_both_languages() {
    let tf = flows(&scan_mermaid("projects/web-tier/terraform"));
    let cf = flows(&scan_mermaid("projects/web-tier/cloudformation"));
    let forwards = |set: &BTreeSet<(String, String, String, String)>, from: &str, to: &str| {
        assert!(
            set.contains(&(from.into(), "-->".into(), "forwards".into(), to.into())),
            "no {from} --forwards--> {to} in {set:#?}"
        )
    };
    // A listener's default action to the ECS service that names the target group.
    forwards(&tf, "aws_lb.web", "aws_ecs_service.app");
    forwards(&cf, "WebLoadBalancer", "AppService");
    // A listener rule to the Auto Scaling group that names the target group.
    forwards(&tf, "aws_lb.web", "aws_autoscaling_group.admin");
    forwards(&cf, "WebLoadBalancer", "AdminGroup");
    // A listener rule to a Lambda function registered in the target group (an attachment in
    // Terraform, `Targets` behind a `ForwardConfig` in CloudFormation).
    forwards(&tf, "aws_lb.web", "aws_lambda_function.hooks");
    forwards(&cf, "WebLoadBalancer", "HooksFunction");
    // An internal NLB to an instance, and a classic load balancer's registered instance.
    forwards(&tf, "aws_lb.internal", "aws_instance.batch");
    forwards(&cf, "InternalLoadBalancer", "BatchInstance");
    forwards(&tf, "aws_elb.legacy", "aws_instance.batch");
    forwards(&cf, "LegacyLoadBalancer", "BatchInstance");
    // Nothing forwards where no listener leads: the internal NLB never reaches the service.
    assert!(!tf.contains(&(
        "aws_lb.internal".into(),
        "-->".into(),
        "forwards".into(),
        "aws_ecs_service.app".into()
    )));
    let count = |set: &BTreeSet<(String, String, String, String)>| {
        set.iter().filter(|(_, _, l, _)| l == "forwards").count()
    };
    assert_eq!(count(&tf), 5, "{tf:#?}");
    assert_eq!(count(&cf), 5, "{cf:#?}");
}

#[test]
fn subnets_are_boxes_inside_their_vpc_holding_compute_and_the_stores_their_subnet_groups_name() {
    let tf = scan_mermaid("projects/web-tier/terraform");
    let vpc = subgraph(&tf, "b_vpc");
    assert!(vpc.starts_with("subgraph b_vpc_aws_vpc_main"), "{vpc}");
    let private = subgraph(vpc, "b_subnets");
    assert!(
        private.contains("[\"Private subnets aws_subnet.private\"]"),
        "{private}"
    );
    for name in [
        "aws_ecs_service.app",
        "aws_autoscaling_group.admin",
        "aws_instance.batch",
        // Stores, placed by their DB / cache subnet groups.
        "aws_db_instance.orders",
        "aws_elasticache_replication_group.sessions",
        // An internal load balancer sits in its subnets.
        "aws_lb.internal",
    ] {
        assert!(private.contains(name), "{name} not in {private}");
    }
    // The internet-facing load balancer stays at the edge; a function outside any VPC stays in
    // the account.
    assert!(subgraph(&tf, "b_edge").contains("aws_lb.web<br/>"), "{tf}");
    assert!(
        subgraph(&tf, "b_account").contains("aws_lambda_function.hooks<br/>"),
        "{tf}"
    );
    assert!(!vpc.contains("aws_lambda_function.hooks"), "{vpc}");
    // The service runs as its task definition's role: the tree settles it.
    let service = private
        .lines()
        .find(|l| l.contains("\"aws_ecs_service.app<br/>"))
        .unwrap();
    assert!(
        service.contains("role aws_iam_role.app (its task definition's)")
            && !service.contains("role not in the tree"),
        "{service}"
    );

    let cf = scan_mermaid("projects/web-tier/cloudformation");
    let vpc = subgraph(&cf, "b_vpc");
    for name in ["AppService", "OrdersDatabase", "Sessions", "BatchInstance"] {
        assert!(
            vpc.contains(&format!("\"{name}<br/>")),
            "{name} not in {vpc}"
        );
    }
    assert!(vpc.matches("subgraph b_subnets").count() >= 1, "{vpc}");
    assert!(!vpc.contains("Public subnets"), "{vpc}");
}

#[test]
fn security_groups_draw_the_reachability_they_declare_between_components() {
    for (project, app, db, cache, alb) in [
        (
            "projects/web-tier/terraform",
            "aws_ecs_service.app",
            "aws_db_instance.orders",
            "aws_elasticache_replication_group.sessions",
            "aws_lb.web",
        ),
        (
            "projects/web-tier/cloudformation",
            "AppService",
            "OrdersDatabase",
            "Sessions",
            "WebLoadBalancer",
        ),
    ] {
        let f = flows(&scan_mermaid(project));
        let has = |from: &str, label: &str, to: &str| {
            assert!(
                f.contains(&(from.into(), "==>".into(), label.into(), to.into())),
                "{project}: no {from} ==>|{label}| {to} in {f:#?}"
            )
        };
        // A rule resource (`aws_security_group_rule`, `AWS::EC2::SecurityGroupIngress`).
        has(app, "tcp 5432", db);
        // Inline ingress rules naming another group.
        has(app, "tcp 6379", cache);
        has(alb, "tcp 8080", app);
        // An Auto Scaling group is in the groups of the launch template it launches from (and
        // the template itself, no network endpoint, is in none).
        let group = if project.ends_with("terraform") {
            "aws_autoscaling_group.admin"
        } else {
            "AdminGroup"
        };
        has(group, "tcp 5432", db);
        has(alb, "tcp 8080", group);
        assert!(
            !f.iter().any(|(from, arrow, _, to)| arrow == "==>"
                && (from.contains("aws_launch_template")
                    || from.contains("LaunchTemplate")
                    || to.contains("aws_launch_template")
                    || to.contains("LaunchTemplate"))),
            "{f:#?}"
        );
        // Admitting is one way: the database reaches nothing.
        assert!(
            !f.iter()
                .any(|(from, arrow, _, _)| from == db && arrow == "==>"),
            "{f:#?}"
        );
    }
}

#[test]
fn waived_findings_are_drawn_apart_from_failing_ones() {
    let text = scan_mermaid("projects/waivers/terraform");
    let class = |name: &str| -> String {
        text.lines()
            .find(|l| l.trim().starts_with("class ") && l.trim_end().ends_with(&format!(" {name}")))
            .unwrap_or_else(|| panic!("no class {name} line in {text}"))
            .to_string()
    };
    // An accepted risk is the pool's only failure: the pool is drawn waived, not failing.
    assert!(
        class("waived").contains("aws_cognito_user_pool_partners"),
        "{text}"
    );
    assert!(
        !class("failing").contains("aws_cognito_user_pool_partners"),
        "{text}"
    );
    // The queue's suppressed failure is marked waived; its other failure still counts.
    let queue = text
        .lines()
        .find(|l| l.contains("\"aws_sqs_queue.audit<br/>"))
        .unwrap();
    assert!(queue.contains("⊘ waived kms.encryption-at-rest"), "{queue}");
    assert!(!queue.contains("✗ kms.encryption-at-rest"), "{queue}");
    assert!(class("failing").contains("aws_sqs_queue_audit"), "{text}");
    assert!(text.contains("legend_waived["), "{text}");
    assert!(text.contains("classDef waived "), "{text}");

    // The HTML draws the pool with the waived class.
    let html = vouch(&[
        "scan",
        fixture("projects/waivers/terraform").to_str().unwrap(),
        "--format",
        "html",
    ]);
    let pool = html
        .lines()
        .find(|l| l.contains("<g class=\"node") && l.contains("aws_cognito_user_pool.partners"))
        .unwrap();
    assert!(pool.contains("class=\"node idp waived\""), "{pool}");
}

#[test]
fn third_parties_the_document_names_are_drawn_with_the_sentence_that_names_them() {
    let tree = fixture("projects/web-tier/terraform");
    let doc = fixture("projects/web-tier/docs/ARCHITECTURE.md");
    let args = |format: &'static str| {
        vec![
            "scan".to_string(),
            tree.to_str().unwrap().to_string(),
            "--doc".to_string(),
            doc.to_str().unwrap().to_string(),
            "--format".to_string(),
            format.to_string(),
        ]
    };
    let run = |format: &'static str| {
        let a = args(format);
        vouch(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let text = run("mermaid");
    let third = subgraph(&text, "b_third_parties");
    // An identity provider (a stadium) and two services (hexagons), each with where it is named.
    assert!(
        third.contains("([\"Auth0<br/><i>identity provider</i><br/>named at ")
            && third.contains("ARCHITECTURE.md:10\"])"),
        "{third}"
    );
    assert!(
        third.contains("{{\"Stripe<br/><i>third party</i>"),
        "{third}"
    );
    assert!(third.contains("{{\"SendGrid<br/>"), "{third}");
    // Only what the document names as in use: a party it no longer uses is not drawn, nor one
    // it never names.
    assert!(!text.contains("PayPal"), "{third}");
    assert!(!text.contains("Okta"), "{third}");
    // Without the document, no third party is drawn.
    let bare = scan_mermaid("projects/web-tier/terraform");
    for name in ["Auth0", "Stripe", "SendGrid"] {
        assert!(!bare.contains(name), "{bare}");
    }
    // The HTML carries the sentence itself on the node.
    let html = run("html");
    let start = html
        .find("<g class=\"node third-party\" id=\"n_doc_Stripe")
        .unwrap();
    let stripe = &html[start..start + html[start..].find("</g>").unwrap()];
    assert!(
        stripe.contains("ARCHITECTURE.md:14: Stripe sends payment webhooks to /hooks/*; the hooks function checks each signature."),
        "{stripe}"
    );
    // And lists them with their sentences under the diagram, for a printed page.
    let list = html
        .split("<h4>Third parties the documents name</h4>")
        .nth(1)
        .unwrap()
        .split("</ul></li>\n</ul>")
        .next()
        .unwrap()
        .to_string();
    assert!(
        list.contains("<li><b>Auth0</b> (identity provider)"),
        "{list}"
    );
    assert!(
        list.contains("ARCHITECTURE.md:14: Stripe sends payment webhooks"),
        "{list}"
    );
    assert!(!list.contains("PayPal"), "{list}");
}

#[test]
fn resource_policy_grants_are_flows_from_whom_they_let_in() {
    for (project, task, bucket, queue) in [
        (
            "projects/web-tier/terraform",
            "aws_ecs_task_definition.app",
            "aws_s3_bucket.exports",
            "aws_sqs_queue.orders",
        ),
        (
            "projects/web-tier/cloudformation",
            "AppTask",
            "ExportsBucket",
            "OrdersQueue",
        ),
    ] {
        let text = scan_mermaid(project);
        let f = flows(&text);
        let has = |from: &str, label: &str, to: &str| {
            assert!(
                f.contains(&(from.into(), "-.->".into(), label.into(), to.into())),
                "{project}: no {from} -.->|{label}| {to} in {f:#?}"
            )
        };
        // Another account, named as an account, in the third-party boundary: the bucket policy
        // lets it read, the key policy lets it decrypt what the key encrypts.
        assert!(
            subgraph(&text, "b_third_parties").contains("{{\"account 444455556666<br/>"),
            "{text}"
        );
        has(
            "account 444455556666",
            "read, resource policy, decrypt, key policy",
            bucket,
        );
        has("account 444455556666", "decrypt, key policy", queue);
        // A queue policy granting a role of the tree: from the compute that runs as it.
        has(task, "write, resource policy", queue);
        // The account's own root hands the decision to IAM: it is no party of its own.
        assert!(!text.contains("account root"), "{text}");
        // One node for the account, however many grants: its line and its two flows.
        assert_eq!(text.matches("n_principal_").count(), 3, "{text}");
    }
}
