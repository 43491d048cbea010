//! The claims module: documents found, read into sentences, sentences into claims, components
//! resolved to resources.

use crate::common;

use std::path::{Path, PathBuf};
use vouch::claims::{
    detect, find_documents, read_document, resolve_component, Claim, ClaimPatterns, Document,
    Found, Polarity,
};

const FIXTURE_DOC: &str = "fixtures/projects/saas-serverless/docs/ARCHITECTURE.md";

fn patterns(topics: &[&str], holds: &[&str], fails: &[&str]) -> ClaimPatterns {
    let v = |s: &[&str]| s.iter().map(|p| p.to_string()).collect();
    ClaimPatterns {
        topics: v(topics),
        controls: Vec::new(),
        holds: v(holds),
        fails: v(fails),
        ..Default::default()
    }
}

fn mfa() -> ClaimPatterns {
    patterns(
        &["mfa", "multi-factor"],
        &["mandatory", "required", "enforced"],
        &["optional", "not required", "disabled"],
    )
}

fn in_vpc() -> ClaimPatterns {
    patterns(
        &["function*", "lambda*"],
        &[
            "in a vpc",
            "in the vpc",
            "in private subnet*",
            "private subnet*",
        ],
        &["outside the vpc", "public subnet*"],
    )
}

fn doc(text: &str) -> Document {
    read_document("doc.md", text, false)
}

/// The polarity of each claim in a one-paragraph document.
fn polarities(text: &str, p: &ClaimPatterns) -> Vec<Polarity> {
    detect(&doc(text), p)
        .into_iter()
        .map(|c| c.polarity)
        .collect()
}

fn fixture_doc() -> Document {
    let text = std::fs::read_to_string(common::fixture(
        "projects/saas-serverless/docs/ARCHITECTURE.md",
    ))
    .unwrap();
    read_document(FIXTURE_DOC, &text, false)
}

// --- Negations --------------------------------------------------------------------------------

#[test]
fn negation_flips_a_holds_match() {
    use Polarity::*;
    let p = mfa();
    assert_eq!(polarities("MFA is mandatory for all users.", &p), [Holds]);
    assert_eq!(polarities("MFA is offered but not required.", &p), [Fails]);
    assert_eq!(polarities("MFA is not enforced for admins.", &p), [Fails]);
    assert_eq!(polarities("MFA is never enforced.", &p), [Fails]);
    // A negated fails phrase reads as holds.
    assert_eq!(polarities("MFA is not optional.", &p), [Holds]);
    assert_eq!(polarities("MFA cannot be disabled.", &p), [Holds]);
    // "not only" is no negation.
    assert_eq!(
        polarities("MFA is not only offered but enforced.", &p),
        [Holds]
    );
    // Any fails wins over a holds in the same sentence.
    assert_eq!(
        polarities(
            "MFA is required for admins, optional for everyone else.",
            &p
        ),
        [Fails]
    );
}

#[test]
fn contractions_negate() {
    use Polarity::*;
    let p = mfa();
    for text in [
        "MFA isn't required.",
        "MFA isn’t required.",
        "MFA is not mandatory.",
        "Users don't have MFA enforced.",
        "MFA can't be enforced on the legacy pool.",
        "The pool doesn't make MFA mandatory.",
        "MFA wasn't enforced.",
    ] {
        assert_eq!(polarities(text, &p), [Fails], "{text}");
    }
    assert_eq!(
        polarities("Functions aren't deployed in a VPC.", &in_vpc()),
        [Fails]
    );
}

#[test]
fn negation_stays_in_its_clause_and_near_its_phrase() {
    use Polarity::*;
    let p = in_vpc();
    assert_eq!(
        polarities("The functions are not deployed in a VPC.", &p),
        [Fails]
    );
    assert_eq!(
        polarities("None of the functions run in a VPC.", &p),
        [Fails]
    );
    // "no internet gateway" negates the gateway, not the subnets.
    assert_eq!(
        polarities(
            "There is no internet gateway, and all functions run in private subnets.",
            &p
        ),
        [Holds]
    );
    assert_eq!(
        polarities(
            "Functions with no internet access run in private subnets.",
            &p
        ),
        [Holds]
    );
    assert_eq!(
        polarities(
            "No NAT gateway is needed because the functions run in private subnets.",
            &p
        ),
        [Holds]
    );
    assert_eq!(
        polarities(
            "All Lambda functions run in private subnets, so none of them can reach the internet.",
            &p
        ),
        [Holds]
    );
    // A refusal cancels the negation after it.
    let tls = patterns(&["bucket*"], &["use tls"], &[]);
    assert_eq!(
        polarities(
            "The bucket policy refuses any request that does not use TLS.",
            &tls
        ),
        [Holds]
    );
    assert_eq!(polarities("The bucket does not use TLS.", &tls), [Fails]);
}

#[test]
fn matched_explains_the_decision() {
    let claims = detect(&doc("MFA is offered but not required."), &mfa());
    assert_eq!(claims[0].matched, "topic `mfa`, fails `not required`");
    let claims = detect(&doc("MFA is not enforced."), &mfa());
    assert_eq!(
        claims[0].matched,
        "topic `mfa`, holds `enforced` negated by `not`"
    );
    let claims = detect(&doc("MFA is mandatory."), &mfa());
    assert_eq!(claims[0].matched, "topic `mfa`, holds `mandatory`");
}

#[test]
fn patterns_match_whole_words_prefixes_and_wildcards() {
    let p = patterns(&["encrypt*"], &["with the * key"], &["aws-owned"]);
    assert_eq!(
        polarities("Tables are encrypted with the data key.", &p),
        [Polarity::Holds]
    );
    assert_eq!(
        polarities("Tables use encryption with an AWS-owned key.", &p),
        [Polarity::Fails]
    );
    // A prefix is a prefix of a word, a word is a whole word.
    assert!(polarities("Tables are unencrypted with the data key.", &p).is_empty());
    let p = patterns(&["key"], &["rotate"], &[]);
    assert!(
        polarities("Keys rotate.", &p).is_empty(),
        "`key` is not `keys`"
    );
    // Topic and holds are both needed.
    assert!(polarities("MFA is a factor.", &mfa()).is_empty());
    assert!(polarities("Everything is mandatory.", &mfa()).is_empty());
}

// --- Sentences that only look like claims ----------------------------------------------------

#[test]
fn hedges_questions_plans_and_conditionals_are_not_claims() {
    let p = mfa();
    for text in [
        "Is MFA mandatory for all users?",
        "We plan to enforce MFA.",
        "MFA will be mandatory next quarter.",
        "MFA should be mandatory.",
        "MFA might be required for admins.",
        "MFA may be required later.",
        "Eventually MFA is enforced for everyone.",
        "If we enable MFA, it is mandatory for all users.",
        "If a tenant asks, MFA is enforced for its users.",
        "Ideally MFA is mandatory.",
        "We want MFA to be mandatory.",
        "Our goal: MFA is mandatory.",
        "TODO: MFA is mandatory.",
        "MFA is mandatory (TBD).",
        "We are considering making MFA mandatory.",
        "MFA is enforced where possible.",
    ] {
        assert!(detect(&doc(text), &p).is_empty(), "not a claim: {text}");
    }
    // An exception that names what it carves out is a claim about everything else.
    for (text, excluded) in [
        (
            "MFA is enforced for all users except the support staff.",
            "support staff",
        ),
        ("MFA is mandatory for users other than admins.", "admins"),
    ] {
        let claims = detect(&doc(text), &p);
        assert_eq!(claims.len(), 1, "{text}");
        assert_eq!(claims[0].polarity, Polarity::Holds);
        assert_eq!(claims[0].excluded, [excluded], "{text}");
    }
    let per_tenant = patterns(&["own kms key", "per-tenant key*"], &["own kms key"], &[]);
    assert!(detect(
        &doc("A later release may give enterprise tenants their own KMS key."),
        &per_tenant
    )
    .is_empty());
    // `may` as a permission is a statement of fact.
    let lp = patterns(&["may invoke"], &["exactly one"], &[]);
    assert_eq!(
        polarities(
            "The analysis function may invoke exactly one Bedrock model.",
            &lp
        ),
        [Polarity::Holds]
    );
}

#[test]
fn code_html_todo_items_and_struck_text_are_not_prose() {
    let text = "\
# Design

```
MFA is mandatory for all users.
```

    MFA is mandatory (indented code).

<div>
MFA is mandatory in HTML.
</div>

- [ ] MFA is mandatory for admins.
- [x] MFA is enforced for support staff.

~~MFA is optional.~~ MFA is required.

![MFA is mandatory](diagram.png)
";
    let claims = detect(&doc(text), &mfa());
    let texts: Vec<&str> = claims.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        ["MFA is enforced for support staff.", "MFA is required."]
    );
    assert!(claims.iter().all(|c| c.polarity == Polarity::Holds));
}

// --- Sentences, lines and sections -----------------------------------------------------------

/// The 1-based line of the first occurrence of `marker` in `text`.
fn line_of(text: &str, marker: &str) -> u32 {
    let at = text.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    text[..at].matches('\n').count() as u32 + 1
}

#[test]
fn sentences_carry_the_line_they_start_on() {
    let text = "\
---
title: front matter is not prose
---
# Title

Alpha starts here and goes on
over a second line. Bravo starts on the second line.
Charlie is on the third line of the paragraph, e.g. after an abbreviation, and TLS 1.2
stays in one sentence.

## Section one

- Delta is a list item.
- Echo is a list item
  over two lines. Foxtrot follows it.
  1. Golf is nested.

> Hotel is quoted.

| component | what | notes |
| --- | --- | --- |
| india worker | Lambda | runs `a.b` jobs |
| juliet table | DynamoDB | |

### Deeper

Kilo is `in code. Not split` here. Lima [links](https://example.com) keep *their* **text**.
";
    let d = doc(text);
    let find = |marker: &str| {
        d.sentences
            .iter()
            .find(|s| s.text.contains(marker))
            .unwrap_or_else(|| panic!("no sentence with {marker}: {:#?}", d.sentences))
    };
    for marker in [
        "Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "india",
        "juliet", "Kilo", "Lima",
    ] {
        assert_eq!(find(marker).line, line_of(text, marker), "{marker}");
    }
    assert_eq!(
        find("Alpha").text,
        "Alpha starts here and goes on over a second line."
    );
    assert!(find("Charlie")
        .text
        .ends_with("TLS 1.2 stays in one sentence."));
    assert_eq!(find("Kilo").text, "Kilo is in code. Not split here.");
    assert_eq!(find("Lima").text, "Lima links keep their text.");
    assert_eq!(find("india").text, "india worker | Lambda | runs a.b jobs");
    assert_eq!(find("Alpha").section, "");
    assert_eq!(find("Delta").section, "Section one");
    assert_eq!(find("Kilo").section, "Section one > Deeper");
    assert!(d.sentences.iter().all(|s| !s.text.contains("front matter")));
    assert!(d
        .sentences
        .iter()
        .all(|s| s.text != "component | what | notes"));
    assert_eq!(d.components, ["india worker", "juliet table"]);
}

#[test]
fn fixture_lines_and_sections() {
    let d = fixture_doc();
    let at = |prefix: &str| {
        d.sentences
            .iter()
            .find(|s| s.text.starts_with(prefix))
            .unwrap_or_else(|| panic!("no sentence {prefix}"))
    };
    assert_eq!(at("MFA is mandatory for all users").line, 62);
    assert_eq!(
        at("MFA is mandatory for all users").section,
        "Identity and access"
    );
    assert_eq!(at("On every token issue").line, 41);
    assert_eq!(at("It writes to a dedicated bucket").line, 107);
    assert_eq!(at("The tenant data table is encrypted at rest").line, 81);
    assert_eq!(at("admin function |").line, 29);
    assert_eq!(at("All KMS keys rotate").line, 90);
    assert_eq!(at("All KMS keys rotate").section, "Data protection");
    assert_eq!(at("Plain HTTP requests are redirected").line, 40);
}

#[test]
fn readme_keeps_only_architecture_sections() {
    let text = "\
# Widget

MFA is optional in the demo.

## Installation

Run the installer; MFA is disabled in dev.

## Security

MFA is mandatory for all users.

### Network details

MFA is enforced on the VPN.

## Contributing

MFA is optional for contributors.

## Data protection

The reports bucket is private.
";
    let d = read_document("README.md", text, true);
    let texts: Vec<&str> = d.sentences.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "MFA is mandatory for all users.",
            "MFA is enforced on the VPN.",
            "The reports bucket is private."
        ]
    );
    assert_eq!(d.sentences[1].section, "Security > Network details");
    assert_eq!(d.components, ["reports bucket"]);
    // The whole file when it is the architecture document.
    assert_eq!(read_document("README.md", text, false).sentences.len(), 6);
}

// --- Components -------------------------------------------------------------------------------

#[test]
fn fixture_components() {
    let d = fixture_doc();
    assert_eq!(
        d.components,
        [
            "admin function",
            "data key",
            "dead-letter queue",
            "jobs table",
            "llm analysis function",
            "logs key",
            "post /insights",
            "post /invoices",
            "pre-token trigger",
            "private route table",
            "report worker",
            "report-jobs queue",
            "reports bucket",
            "request handler",
            "tenant api",
            "tenant data table",
            "user pool",
            "web app",
        ]
    );
}

fn claim_at(claims: &[Claim], line: u32) -> &Claim {
    claims
        .iter()
        .find(|c| c.line == line)
        .unwrap_or_else(|| panic!("no claim on line {line}: {claims:#?}"))
}

#[test]
fn claims_name_their_components() {
    let d = fixture_doc();
    let ingress = patterns(
        &["reachable", "exposed"],
        &["not reachable", "not exposed"],
        &[],
    );
    let claims = detect(&d, &ingress);
    // "The admin function is invoked from the support console … It is not reachable through the
    // tenant API": the pronoun continues the previous sentence's subject.
    let c = claim_at(&claims, 77);
    assert_eq!(c.text, "It is not reachable through the tenant API.");
    assert!(
        c.components.contains(&"admin function".to_string()),
        "{c:?}"
    );
    assert_eq!(claim_at(&claims, 29).components, ["admin function"]);

    let enc = patterns(&["encrypt*"], &["encrypted"], &[]);
    let claims = detect(&d, &enc);
    // "The tenant data table is encrypted at rest with our customer-managed KMS key (the data
    // key …)": the sentence is about its subject, the key is what it is encrypted with.
    assert_eq!(claim_at(&claims, 81).components, ["tenant data table"]);
    // "Lambda environment variables are encrypted with the data key": a subject that names no
    // component leaves the sentence to the components it names.
    assert_eq!(claim_at(&claims, 89).components, ["data key"]);

    // Each / all over a kind of resource: every resource of that kind.
    let role = patterns(&["execution role"], &["own execution role"], &[]);
    let claims = detect(&d, &role);
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].components, ["every function"]);
    let vpc = detect(&d, &in_vpc());
    assert_eq!(vpc.len(), 1);
    assert_eq!(vpc[0].line, 99);
    assert_eq!(vpc[0].components, ["every function"]);
    // Each / all over something that is no kind of resource: the system as a whole.
    let auth = patterns(&["authenticated"], &["requires"], &[]);
    let claims = detect(&d, &auth);
    assert_eq!(claim_at(&claims, 66).components, Vec::<String>::new());
}

#[test]
fn claims_an_inputs_row_is_about_what_its_description_names() {
    // A module's inputs table: the first cell is a variable, which names no component; the
    // components the description spells (inline code included) are what the row is about.
    let text = "\
# Inputs

| Name | Description | Type | Default |
|---|---|---|---|
| `pitr_enabled` | Point-in-time recovery for `ledger-rows` and `audit`. | `bool` | `true` |
| `zone_name` | Point-in-time recovery for the tables named by `table_names`. | `string` | n/a |

# Stores

| Store | Description |
|---|---|
| `night_batch` | Point-in-time recovery on. |
";
    let pitr = patterns(
        &["point-in-time recovery"],
        &["point-in-time recovery"],
        &[],
    );
    let claims = detect(&doc(text), &pitr);
    let scope = |c: &Claim| -> Vec<String> {
        let mut s: Vec<String> = c.components.iter().chain(&c.mentions).cloned().collect();
        s.sort();
        s
    };
    assert_eq!(claims.len(), 3, "{claims:#?}");
    assert_eq!(scope(&claims[0]), ["audit", "ledger-rows"]);
    assert!(
        claims[0].matched.contains("pitr_enabled"),
        "{}",
        claims[0].matched
    );
    assert!(scope(&claims[1]).is_empty(), "{:?}", claims[1]);
    // Not a table of variables (no type or default column): the first cell names the row.
    assert_eq!(scope(&claims[2]), ["night-batch"]);
}

#[test]
fn pronouns_continue_the_previous_subject() {
    let text = "\
The request handler writes to the jobs table. It is encrypted. This table is encrypted.
The report worker and the jobs table are in it. This is encrypted too.

## Other section

It is encrypted.
";
    let claims = detect(&doc(text), &patterns(&["encrypt*"], &["encrypted"], &[]));
    let components: Vec<Vec<String>> = claims.iter().map(|c| c.components.clone()).collect();
    assert_eq!(
        components,
        [
            vec!["request handler".to_string()],
            vec![],
            vec!["jobs table".to_string(), "report worker".to_string()],
            vec![],
        ]
    );
}

#[test]
fn longest_component_name_wins() {
    let text = "\
| component | what |
| --- | --- |
| table | a table |
| tenant data table | DynamoDB |
| data | nothing |

The tenant data table is encrypted. The table is encrypted.
";
    let claims = detect(&doc(text), &patterns(&["encrypt*"], &["encrypted"], &[]));
    let at = |prefix: &str| {
        claims
            .iter()
            .find(|c| c.text.starts_with(prefix))
            .unwrap()
            .components
            .clone()
    };
    assert_eq!(at("The tenant data table"), ["tenant data table"]);
    assert_eq!(at("The table"), ["table"]);
}

#[test]
fn components_from_prose() {
    let d = doc(
        "The report worker reads the jobs table. The same data key and the default AWS-owned key, \
         the Lambda function, the KMS key and the request handler's role. The report-jobs SQS \
         queue feeds it; the report-jobs queue too. Call GET /reports/{id}.",
    );
    assert_eq!(
        d.components,
        [
            "get /reports/{id}",
            "jobs table",
            "report worker",
            "report-jobs queue",
            "request handler"
        ]
    );
}

// --- Resolving components to resources --------------------------------------------------------

fn addresses(scan: &vouch::Scan, component: &str, kinds: &[&str]) -> Vec<String> {
    let kinds: Vec<vouch::model::Kind> = kinds
        .iter()
        .map(|k| vouch::model::Kind::parse(k).expect("a kind of the vocabulary"))
        .collect();
    resolve_component(&scan.model, component, &kinds)
        .into_iter()
        .map(|i| scan.model.resources[i].address.clone())
        .collect()
}

#[test]
fn resolve_components_in_terraform() {
    let tf = common::scan("projects/saas-serverless/terraform");
    let f = ["lambda.function"];
    assert_eq!(
        addresses(&tf, "admin function", &f),
        ["aws_lambda_function.function[\"admin\"]"]
    );
    assert_eq!(
        addresses(&tf, "request handler", &f),
        ["aws_lambda_function.function[\"request_handler\"]"]
    );
    assert_eq!(
        addresses(&tf, "report worker", &f),
        ["module.report_worker.aws_lambda_function.this"]
    );
    assert_eq!(
        addresses(&tf, "LLM analysis function", &f),
        ["module.llm_analysis.aws_lambda_function.this"]
    );
    assert_eq!(
        addresses(&tf, "pre-token trigger", &f),
        ["module.pre_token.aws_lambda_function.this"]
    );
    assert_eq!(
        addresses(&tf, "admin function", &["iam.role"]),
        ["aws_iam_role.function[\"admin\"]"]
    );
    assert_eq!(
        addresses(&tf, "tenant data table", &["dynamodb.table"]),
        ["aws_dynamodb_table.tenant_data"]
    );
    assert_eq!(
        addresses(&tf, "reports bucket", &["s3.bucket"]),
        ["aws_s3_bucket.reports"]
    );
    assert_eq!(
        addresses(&tf, "data key", &["kms.key"]),
        ["aws_kms_key.data"]
    );
    assert_eq!(
        addresses(&tf, "post /invoices", &["apigateway.method"]),
        ["aws_api_gateway_method.invoices_post"]
    );
    // No kinds: the head noun stands for its kind, so the data key is not the tenant_data table
    // nor the key's alias, and a bucket's configuration resources are not the bucket.
    assert_eq!(addresses(&tf, "data key", &[]), ["aws_kms_key.data"]);
    assert_eq!(
        addresses(&tf, "reports bucket", &[]),
        ["aws_s3_bucket.reports"]
    );
    assert_eq!(
        addresses(&tf, "tenant data table", &[]),
        ["aws_dynamodb_table.tenant_data"]
    );
    // Handler and worker are parts of names: with no kind, every resource of the component.
    assert_eq!(
        addresses(&tf, "report worker", &[]),
        [
            "module.report_worker.aws_cloudwatch_log_group.this",
            "module.report_worker.aws_iam_role.this",
            "module.report_worker.aws_lambda_function.this",
        ]
    );
    // Names that are only kind nouns, or name nothing, match nothing.
    assert!(addresses(&tf, "lambda function", &[]).is_empty());
    assert!(addresses(&tf, "tenant API", &[]).is_empty());
    assert!(addresses(&tf, "billing worker", &f).is_empty());
}

#[test]
fn resolve_components_in_cloudformation() {
    let cf = common::scan("projects/saas-serverless/cloudformation");
    let f = ["lambda.function"];
    assert_eq!(addresses(&cf, "admin function", &f), ["Admin"]);
    assert_eq!(addresses(&cf, "request handler", &f), ["RequestHandler"]);
    assert_eq!(addresses(&cf, "report worker", &f), ["ReportWorker"]);
    assert_eq!(addresses(&cf, "LLM analysis function", &f), ["LlmAnalysis"]);
    assert_eq!(addresses(&cf, "pre-token trigger", &f), ["PreToken"]);
    assert_eq!(
        addresses(&cf, "admin function", &["iam.role"]),
        ["AdminRole"]
    );
    assert_eq!(
        addresses(&cf, "tenant data table", &["dynamodb.table"]),
        ["TenantDataTable"]
    );
    assert_eq!(
        addresses(&cf, "reports bucket", &["s3.bucket"]),
        ["ReportsBucket"]
    );
    assert_eq!(addresses(&cf, "data key", &["kms.key"]), ["DataKey"]);
    assert_eq!(
        addresses(&cf, "post /invoices", &["apigateway.method"]),
        ["InvoicesPostMethod"]
    );
    assert_eq!(addresses(&cf, "data key", &[]), ["DataKey"]);
    assert_eq!(addresses(&cf, "reports bucket", &[]), ["ReportsBucket"]);
    assert_eq!(
        addresses(&cf, "report worker", &[]),
        [
            "ReportWorker",
            "ReportWorkerLogGroup",
            "ReportWorkerReportJobs",
            "ReportWorkerRole"
        ]
    );
}

// --- Finding documents ------------------------------------------------------------------------

fn touch(root: &Path, rel: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, "# doc\n").unwrap();
}

fn rel(root: &Path, found: &[Found]) -> Vec<(String, bool)> {
    found
        .iter()
        .map(|f| {
            let p = f.path.strip_prefix(root).unwrap();
            (p.to_string_lossy().replace('\\', "/"), f.readme)
        })
        .collect()
}

#[test]
fn find_documents_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in [
        "README.md",
        "Design.md",
        "ARCHITECTURE.md",
        "docs/architecture.md",
        "docs/DESIGN.md",
        "docs/design/Architecture-network.md",
        "docs/design/notes.md",
        "docs/adr/0002-keys.md",
        "docs/adr/0001-tenancy.md",
        "docs/adr/sub/0003-deeper.md",
        "docs/adr/notes.txt",
        "docs/node_modules/architecture.md",
        "docs/.git/architecture.md",
        "node_modules/ARCHITECTURE.md",
        "other/ARCHITECTURE.md",
    ] {
        touch(root, f);
    }
    let found = find_documents(root, &[]);
    assert_eq!(
        rel(root, &found),
        [
            ("ARCHITECTURE.md".to_string(), false),
            ("Design.md".to_string(), false),
            ("docs/architecture.md".to_string(), false),
            ("docs/DESIGN.md".to_string(), false),
            ("docs/design/Architecture-network.md".to_string(), false),
            ("docs/adr/0001-tenancy.md".to_string(), false),
            ("docs/adr/0002-keys.md".to_string(), false),
        ]
    );
}

#[test]
fn find_documents_explicit_wins_and_readme_is_the_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(root, "Readme.md");
    touch(root, "docs/guide.md");
    touch(root, "docs/adr/README.txt");
    assert_eq!(
        rel(root, &find_documents(root, &[])),
        [("Readme.md".to_string(), true)]
    );

    touch(root, "docs/adr/0001-first.md");
    assert_eq!(
        rel(root, &find_documents(root, &[])),
        [("docs/adr/0001-first.md".to_string(), false)]
    );

    let explicit = [
        PathBuf::from("b.md"),
        PathBuf::from("README.md"),
        PathBuf::from("a.md"),
    ];
    assert_eq!(
        find_documents(root, &explicit),
        explicit
            .iter()
            .map(|p| Found {
                path: p.clone(),
                readme: false
            })
            .collect::<Vec<_>>()
    );

    let empty = tempfile::tempdir().unwrap();
    assert!(find_documents(empty.path(), &[]).is_empty());
    assert!(find_documents(&empty.path().join("missing"), &[]).is_empty());
}

#[cfg(unix)]
#[test]
fn find_documents_does_not_follow_symlinks() {
    let outside = tempfile::tempdir().unwrap();
    touch(outside.path(), "ARCHITECTURE.md");
    touch(outside.path(), "docs/architecture-x.md");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::os::unix::fs::symlink(
        outside.path().join("ARCHITECTURE.md"),
        root.join("ARCHITECTURE.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path().join("docs"), root.join("docs")).unwrap();
    touch(root, "README.md");
    assert_eq!(
        rel(root, &find_documents(root, &[])),
        [("README.md".to_string(), true)]
    );
}

// --- The learned topic vocabulary -------------------------------------------------------------

#[test]
fn the_learned_vocabulary_reads_a_present_fact_no_phrase_names_and_says_why() {
    let rules = vouch::claims::corpus::catalog_patterns();
    let text = "# D\n\n\
        The workload VPC has two private subnets in two availability zones.\n\n\
        Should the workload VPC have two private subnets in two availability zones?\n\n\
        The workload VPC had two private subnets in two availability zones.\n\n\
        The workload VPC has two private subnets in two availability zones (SEC-12).\n";
    let doc = read_document("d.md", text, false);
    let claims = vouch::claims::detect_all(&doc, &rules);
    // Only the first: a question, a sentence about the past and one that cites a ticket are
    // no claims.
    assert_eq!(claims.len(), 1, "{claims:?}");
    let (k, claim) = &claims[0];
    assert_eq!(rules[*k].0, "net.compute.in-vpc");
    assert_eq!(claim.polarity, Polarity::Holds);
    assert_eq!(claim.line, 3);
    assert!(
        claim.matched.starts_with("learned topic `vpc`"),
        "{}",
        claim.matched
    );
    // Same document, same claims.
    assert_eq!(
        format!("{:?}", vouch::claims::detect_all(&doc, &rules)),
        format!("{claims:?}")
    );
}

// --- Hostile input ----------------------------------------------------------------------------

#[test]
fn hostile_documents_are_bounded() {
    let p = mfa();
    let cases: Vec<String> = vec![
        "*".repeat(10 << 20),
        "_a".repeat(1 << 20),
        ">".repeat(200_000),
        "[".repeat(500_000),
        "`".repeat(500_000),
        "- ".repeat(100_000),
        "MFA is required and ".repeat(100_000),
        "a. ".repeat(500_000),
        (0..50_000)
            .map(|i| format!("the c{i} function is required. "))
            .collect(),
        format!(
            "| component | a |\n|---|---|\n{}",
            (0..50_000)
                .map(|i| format!("| c{i} | MFA required |\n"))
                .collect::<String>()
        ),
        "*a **b ".repeat(300_000),
        "é’”".repeat(300_000),
    ];
    let start = thread_cpu_seconds();
    for text in &cases {
        let d = read_document("x.md", text, false);
        assert!(d.components.len() <= 500);
        let claims = detect(&d, &p);
        assert!(claims.len() <= d.sentences.len());
        assert!(claims
            .iter()
            .all(|c| c.text.len() <= vouch::claims::MAX_DOCUMENT_BYTES));
    }
    // Generous: the point is that nothing is quadratic (about 9 s of CPU in a debug build; a
    // quadratic reader takes hours). CPU time of this thread, not the clock, so that a loaded
    // machine does not fail it.
    let spent = thread_cpu_seconds() - start;
    assert!(spent < 60.0, "{spent:.1} s of CPU");
}

/// CPU seconds this thread has used (Linux: /proc/thread-self/stat, user + system ticks at
/// 100 Hz); elsewhere the wall clock since the first call.
fn thread_cpu_seconds() -> f64 {
    let ticks = std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|stat| {
            // The fields after the command name, which is in parentheses and may hold spaces.
            let rest = &stat[stat.rfind(')')? + 2..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: f64 = fields.get(11)?.parse().ok()?;
            let system: f64 = fields.get(12)?.parse().ok()?;
            Some(user + system)
        });
    match ticks {
        Some(t) => t / 100.0,
        None => {
            static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
            START
                .get_or_init(std::time::Instant::now)
                .elapsed()
                .as_secs_f64()
        }
    }
}

// --- The proposed patterns of the core catalog, on the fixture document ----------------------

fn to_json(n: &vouch::syntax::yaml::Node) -> serde_json::Value {
    use vouch::syntax::yaml::NodeValue;
    match &n.value {
        NodeValue::Null => serde_json::Value::Null,
        NodeValue::Bool(b) => (*b).into(),
        NodeValue::Number(_, s) | NodeValue::String(s) => s.clone().into(),
        NodeValue::Seq(items) => items.iter().map(to_json).collect(),
        NodeValue::Map(entries) => entries
            .iter()
            .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

fn load_patterns(yaml: &str) -> Result<Vec<(String, ClaimPatterns)>, String> {
    let root = vouch::syntax::yaml::parse(yaml).map_err(|e| e.message)?;
    root.entries()
        .iter()
        .map(|(k, v)| {
            let id = k.as_str().ok_or("key")?.to_string();
            let p = serde_json::from_value(to_json(v)).map_err(|e| format!("{id}: {e}"))?;
            Ok((id, p))
        })
        .collect()
}

/// Every id of the core catalog (`rules/assumptions/`, 30 of them).
const CATALOG: [&str; 30] = [
    "iam.compute.least-privilege",
    "iam.compute.imdsv2",
    "iam.compute.role-per-function",
    "iam.no-admin-service-roles",
    "iam.no-privilege-escalation",
    "iam.trust.scoped",
    "iam.admin-no-data-access",
    "iam.secrets.scoped",
    "kms.encryption-at-rest",
    "kms.customer-managed-keys",
    "kms.tenant-encryption-context",
    "kms.key-rotation",
    "kms.key-policy.scoped",
    "kms.replication-encrypted",
    "net.compute.in-vpc",
    "net.private-service-endpoints",
    "net.no-open-ingress",
    "net.datastores-private",
    "net.service-auth",
    "net.gateway-validates-input",
    "tls.edge-min-1-2",
    "tls.hsts",
    "tls.datastores-in-transit",
    "auth.mfa-required",
    "auth.api-authorizer",
    "auth.tenant-claims",
    "tenant.data-isolation",
    "log.audit-trail",
    "log.access-logs",
    "data.backups",
];

#[test]
fn claim_patterns_reject_unknown_fields() {
    assert!(load_patterns("a: {topics: [x], hold: [y]}").is_err());
    assert!(
        load_patterns("a: {holds: [y]}").is_err(),
        "topics is required"
    );
    let ok = load_patterns("a: {topics: [x]}").unwrap();
    assert_eq!(ok[0].1, patterns(&["x"], &[], &[]));
}

#[test]
fn proposed_patterns_on_the_fixture_document() {
    use Polarity::*;
    let rules = catalog_rules();
    let mut ids: Vec<&str> = rules.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort();
    let mut catalog = CATALOG.to_vec();
    catalog.sort();
    assert_eq!(ids, catalog, "one entry per assumption of the core catalog");

    let d = fixture_doc();
    let mut got: Vec<(&str, u32, Polarity)> = Vec::new();
    for (id, p) in &rules {
        assert!(!p.topics.is_empty(), "{id}");
        got.extend(
            detect(&d, p)
                .into_iter()
                .map(|c| (id.as_str(), c.line, c.polarity)),
        );
    }
    got.sort();
    // Reviewed by hand, sentence by sentence (see the header of the rule files for the
    // choices: half of a conjunction is not a claim that the whole holds; layout is not
    // enforcement; hedged open items are not claims).
    let mut expected: Vec<(&str, u32, Polarity)> = vec![
        // "MFA is mandatory for all users"
        ("auth.mfa-required", 62, Holds),
        // "Every API route requires an authenticated caller"
        ("auth.api-authorizer", 66, Holds),
        // pre-token trigger row; "adds a custom:tenant_id claim to the ID token"; "The tenant of a
        // request comes from the custom:tenant_id claim … users cannot edit it"
        ("auth.tenant-claims", 24, Holds),
        ("auth.tenant-claims", 41, Holds),
        ("auth.tenant-claims", 121, Holds),
        // "only allows DynamoDB item operations whose leading key equals that tag … cannot read
        // or write another tenant's items"; "Report downloads are scoped the same way"
        ("tenant.data-isolation", 124, Holds),
        ("tenant.data-isolation", 127, Holds),
        // "may invoke exactly one Bedrock foundation model"; "IAM policy only allows …"
        ("iam.compute.least-privilege", 72, Holds),
        ("iam.compute.least-privilege", 124, Holds),
        // "Each Lambda function has its own execution role; none shares another's."
        ("iam.compute.role-per-function", 70, Holds),
        // keys row (customer-managed only); tenant data table, reports bucket, API key secret,
        // environment variables, trail bucket, log groups
        ("kms.customer-managed-keys", 34, Holds),
        ("kms.customer-managed-keys", 81, Holds),
        ("kms.customer-managed-keys", 85, Holds),
        ("kms.customer-managed-keys", 87, Holds),
        ("kms.customer-managed-keys", 89, Holds),
        ("kms.customer-managed-keys", 107, Holds),
        ("kms.customer-managed-keys", 109, Holds),
        ("kms.encryption-at-rest", 81, Holds),
        ("kms.encryption-at-rest", 85, Holds),
        ("kms.encryption-at-rest", 87, Holds),
        ("kms.encryption-at-rest", 89, Holds),
        ("kms.encryption-at-rest", 107, Holds),
        ("kms.encryption-at-rest", 109, Holds),
        // "All KMS keys rotate automatically every year."
        ("kms.key-rotation", 90, Holds),
        // "All Lambda functions run in private subnets"
        ("net.compute.in-vpc", 99, Holds),
        // "DynamoDB and S3 are reached through gateway endpoints; …"
        ("net.private-service-endpoints", 96, Holds),
        // admin function row "not exposed through the API"; "It is not reachable through the
        // tenant API."
        ("net.no-open-ingress", 29, Holds),
        ("net.no-open-ingress", 77, Holds),
        // web app row "the bucket is private"; reports bucket "blocks all public access"
        ("net.datastores-private", 22, Holds),
        ("net.datastores-private", 85, Holds),
        // tenant API row "request validation on POST /invoices"; "POST /invoices bodies are
        // checked against the CreateInvoice model"
        ("net.gateway-validates-input", 25, Holds),
        ("net.gateway-validates-input", 68, Holds),
        // "still uses the default *.cloudfront.net certificate": CloudFront then accepts TLSv1
        ("tls.edge-min-1-2", 137, Fails),
        // "its bucket policy refuses any request that does not use TLS"
        ("tls.datastores-in-transit", 85, Holds),
        // "one multi-region trail with log file validation enabled"
        ("log.audit-trail", 106, Holds),
        // "API Gateway writes access logs"
        ("log.access-logs", 111, Holds),
        // "point-in-time recovery enabled"; "keeps object versions"
        ("data.backups", 83, Holds),
        ("data.backups", 85, Holds),
    ];
    expected.sort();
    assert_eq!(got, expected);

    // Not claims: the data-flow redirect (half of tls.edge-min-1-2), the hedged open item about
    // per-tenant keys, the layout of tenant data.
    assert!(got
        .iter()
        .all(|(_, line, _)| ![40, 118, 122, 134, 136].contains(line)));
}

/// Sentences beyond the fixture document, for the proposed patterns: `id | sentence | holds,
/// fails or -` (not a claim).
const PROBES: &str = "
tls.edge-min-1-2 | CloudFront accepts only TLS 1.2 or later. | holds
tls.edge-min-1-2 | The legacy endpoint still accepts TLS 1.0. | fails
tls.edge-min-1-2 | Plain HTTP requests are redirected to HTTPS. | -
auth.mfa-required | MFA is optional for end users. | fails
auth.mfa-required | MFA cannot be turned off. | holds
auth.api-authorizer | Every API route requires a valid token. | holds
auth.api-authorizer | All endpoints accept anonymous requests. | fails
auth.api-authorizer | API Gateway checks the token with the Cognito authorizer. | -
kms.key-rotation | Keys are not rotated. | fails
kms.customer-managed-keys | Tables are encrypted with the AWS-managed key. | fails
kms.customer-managed-keys | Buckets use SSE-S3 encryption. | fails
kms.encryption-at-rest | The jobs table is not encrypted. | fails
net.compute.in-vpc | The functions are not deployed in a VPC. | fails
net.compute.in-vpc | The workload VPC has two private subnets. | -
net.datastores-private | The bucket is not publicly accessible. | holds
net.datastores-private | The assets bucket is publicly readable. | fails
net.no-open-ingress | The bastion is reachable from the internet on port 22. | fails
iam.compute.role-per-function | All functions share the same execution role. | fails
iam.compute.role-per-function | Execution roles are never shared. | holds
iam.no-admin-service-roles | No service role holds administrative access. | holds
iam.no-admin-service-roles | The deploy role has AdministratorAccess. | fails
iam.no-privilege-escalation | No function can escalate its own privileges. | holds
iam.admin-no-data-access | The admin function cannot read tenant data. | holds
iam.admin-no-data-access | Support engineers can read tenant data through the admin function. | fails
tenant.data-isolation | A tenant can read another tenant's invoices. | fails
tenant.data-isolation | Every tenant has per-tenant tables. | holds
tls.datastores-in-transit | The bucket policy denies requests without TLS. | holds
tls.datastores-in-transit | The bucket policy does not deny requests without TLS. | fails
tls.hsts | CloudFront sends HSTS on every response. | holds
log.access-logs | CloudFront access logging is disabled. | fails
data.backups | The jobs table has no backups. | fails
net.private-service-endpoints | Functions reach S3 over the internet through the NAT gateway. | fails
kms.tenant-encryption-context | Each tenant has its own KMS key. | holds
kms.tenant-encryption-context | One key for all tenants protects the table. | fails
";

#[test]
fn proposed_patterns_on_other_sentences() {
    let rules = catalog_rules();
    for line in PROBES.lines().filter(|l| !l.trim().is_empty()) {
        let [id, text, expected] = line.split(" | ").collect::<Vec<_>>()[..] else {
            panic!("bad probe {line}");
        };
        let p = &rules.iter().find(|(r, _)| r == id).unwrap().1;
        let got: Vec<&str> = detect(&doc(text), p)
            .iter()
            .map(|c| match c.polarity {
                Polarity::Holds => "holds",
                Polarity::Fails => "fails",
            })
            .collect();
        let expected: Vec<&str> = [expected].into_iter().filter(|e| *e != "-").collect();
        assert_eq!(got, expected, "{id}: {text}");
    }
}

/// Every rule's claim patterns, from the assumption catalog (the rule files).
fn catalog_rules() -> Vec<(String, ClaimPatterns)> {
    vouch::assumptions::catalog()
        .iter()
        .map(|r| (r.id.clone(), r.claims.clone()))
        .collect()
}

#[test]
fn a_service_as_active_subject_is_about_that_services_resources() {
    let logs = patterns(&["access log*"], &["writes"], &[]);
    let c = detect(
        &doc("API Gateway writes access logs to a log group."),
        &logs,
    );
    assert_eq!(c[0].components, ["every api gateway"]);
    // Passive, or several services: about whoever reaches them, so the system as a whole.
    let reach = patterns(&["gateway endpoint*"], &["reached through"], &[]);
    let c = detect(
        &doc("DynamoDB is reached through a gateway endpoint."),
        &reach,
    );
    assert!(c[0].components.is_empty(), "{c:?}");
    let c = detect(
        &doc("DynamoDB and S3 are reached through gateway endpoints."),
        &reach,
    );
    assert!(c[0].components.is_empty(), "{c:?}");

    let scan = vouch::scan(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects/saas-serverless/terraform"),
        &Default::default(),
    );
    let apis = vouch::claims::resolve_component(&scan.model, "every api gateway", &[]);
    assert!(!apis.is_empty());
    assert!(apis.iter().all(|&i| scan.model.resources[i]
        .kind
        .as_str()
        .starts_with("apigateway")));
    let keys = vouch::claims::resolve_component(&scan.model, "every key", &[]);
    let names: Vec<&str> = keys
        .iter()
        .map(|&i| scan.model.resources[i].address.as_str())
        .collect();
    assert_eq!(names, ["aws_kms_key.data", "aws_kms_key.logs"]);
}

#[test]
fn one_reading_for_every_assumption_lists_claims_and_what_it_skipped() {
    let d = doc("\
# Design

## Identity

Multi-factor authentication is optional for clinician accounts; clinics may require it.
Do we need MFA for the support console?
Employees can no longer opt out of a second factor.

### `billing-api` (Lambda)

All routes but `GET /health` require a valid access token.
Automated backups are retained for 35 days.
");
    let rules = vouch::claims::corpus::catalog_patterns();
    let r = vouch::claims::listing::read(&[d], &rules);
    let find = |prefix: &str, id: &str| {
        r.claims
            .iter()
            .find(|c| c.text.starts_with(prefix) && c.assumption == id)
            .unwrap_or_else(|| panic!("no {id} claim on {prefix:?}: {:#?}", r.claims))
    };
    // A hedge after `;` leaves the first part a claim; the scope is what `for` names.
    let optional = find("Multi-factor", "auth.mfa-required");
    assert_eq!(optional.polarity, Polarity::Fails);
    assert_eq!(optional.scope, "only [clinician]");
    assert!(
        optional.why.contains("fails `optional`"),
        "{}",
        optional.why
    );
    // "no longer" negates the shared "opt out".
    assert_eq!(
        find("Employees", "auth.mfa-required").polarity,
        Polarity::Holds
    );
    // A heading that names a component scopes the sentences under it.
    let backups = find("Automated backups", "data.backups");
    assert_eq!(backups.mentions, ["billing-api"]);
    // The question is listed as not understood, with its reason.
    let skipped: Vec<(&str, &str)> = r
        .skipped
        .iter()
        .map(|s| (s.text.as_str(), s.reason.as_str()))
        .collect();
    assert!(
        skipped.contains(&("Do we need MFA for the support console?", "question")),
        "{skipped:?}"
    );
    assert!(!r.claims.iter().any(|c| c.text.starts_with("Do we need")));
}

/// Every claim the whole catalog reads in a one-paragraph document: (assumption, polarity,
/// scope), sorted.
fn catalog_claims_of(text: &str) -> Vec<(String, Polarity, String)> {
    let d = doc(&format!("# Design\n\n{text}\n"));
    let rules = vouch::claims::corpus::catalog_patterns();
    let mut out: Vec<(String, Polarity, String)> = vouch::claims::listing::read(&[d], &rules)
        .claims
        .into_iter()
        .map(|c| (c.assumption, c.polarity, c.scope))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn claims_an_iam_action_named_in_a_sentence_is_read_from_the_products_data() {
    let ids = |text: &str| -> Vec<(String, Polarity)> {
        catalog_claims_of(text)
            .into_iter()
            .map(|(id, p, _)| (id, p))
            .collect()
    };
    let escalation = ("iam.no-privilege-escalation".to_string(), Polarity::Fails);
    let least = ("iam.compute.least-privilege".to_string(), Polarity::Fails);
    // PassRole on every role can pass an administrator's role: escalation. IAM is no data
    // store, so `*` there is not what the least-privilege check fails on.
    assert_eq!(ids("The worker role has iam:PassRole on *."), [escalation]);
    // On one role it escalates nothing by itself, and the `on` is no state ("versioning on").
    assert!(
        !ids("The worker role has iam:PassRole on the MediaConvert service role.")
            .iter()
            .any(|(id, _)| id == "iam.no-privilege-escalation"),
        "{:?}",
        ids("The worker role has iam:PassRole on the MediaConvert service role.")
    );
    // A wildcard action is a least-privilege failure whatever its resource.
    assert!(ids("The build role has s3:* on the artifacts bucket.").contains(&least));
    // A key's decrypt on every key fails the key policy and least privilege; on one key,
    // nothing fails.
    let every_key = ids("The reporting role has kms:Decrypt on *.");
    assert!(every_key.contains(&least), "{every_key:?}");
    assert!(
        every_key.contains(&("kms.key-policy.scoped".to_string(), Polarity::Fails)),
        "{every_key:?}"
    );
    assert!(
        !ids("The reporting role has kms:Decrypt on the billing key.")
            .iter()
            .any(|(_, p)| *p == Polarity::Fails)
    );
    // A secret read on every secret fails the secrets assumption; refusing it holds.
    assert!(ids(
        "The notifier role grants secretsmanager:GetSecretValue on arn:aws:secretsmanager:*:*:secret:*."
    )
    .contains(&("iam.secrets.scoped".to_string(), Polarity::Fails)));
    assert!(
        ids("No role gets secretsmanager:GetSecretValue on a wildcard.")
            .contains(&("iam.secrets.scoped".to_string(), Polarity::Holds))
    );
}

#[test]
fn claims_a_feature_name_about_something_else_makes_no_topic() {
    // "Versioned" is backups only of buckets.
    assert!(
        catalog_claims_of("The API is versioned, and clients send a version header.").is_empty()
    );
    assert_eq!(
        catalog_claims_of("The dataset buckets are versioned."),
        [(
            "data.backups".to_string(),
            Polarity::Holds,
            "only [dataset]".to_string()
        )]
    );
    // `aws/*` names AWS managed keys, not everything AWS.
    assert!(
        catalog_claims_of("Stacks deploy to the default AWS region, which the pipeline sets.")
            .is_empty()
    );
    assert!(
        catalog_claims_of("The metadata database uses the default aws/rds key.").contains(&(
            "kms.customer-managed-keys".to_string(),
            Polarity::Fails,
            "only [metadata]".to_string()
        ))
    );
    // WAF is no request validation, and a JWT's `sub` claim no trust policy.
    assert!(catalog_claims_of(
        "The API Gateway stage has AWS WAF attached with the managed rule groups."
    )
    .iter()
    .all(|(id, _, _)| id != "net.gateway-validates-input"));
    assert!(
        catalog_claims_of("The JWT authorizer checks the sub claim.")
            .iter()
            .all(|(id, _, _)| id != "iam.trust.scoped")
    );
    // A redirect to 443 is the edge's, and is about what the subject names.
    assert_eq!(
        catalog_claims_of("The port 80 listener on the ALB redirects to 443."),
        [(
            "tls.edge-min-1-2".to_string(),
            Polarity::Holds,
            "only [alb]".to_string()
        )]
    );
}

// --- Words of another sense, rows that weigh, references and cost notes ------------------------

/// The assumptions read on each line of a document, with the whole catalog.
fn read_lines(text: &str) -> Vec<(u32, String)> {
    let rules = vouch::claims::corpus::catalog_patterns();
    let doc = read_document("docs/architecture.md", text, false);
    let mut out: Vec<(u32, String)> = vouch::claims::detect_all(&doc, &rules)
        .into_iter()
        .map(|(k, c)| (c.line, rules[k].0.to_string()))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn read_on(lines: &[(u32, String)], line: u32, assumption: &str) -> bool {
    lines.iter().any(|(l, a)| *l == line && a == assumption)
}

#[test]
fn rotation_of_secrets_and_versioning_of_code_are_other_things() {
    let text = "# Ledger\n\
        \n\
        Secrets Manager rotates the database credentials every 30 days.\n\
        \n\
        Secret rotation for the webhook API key is manual.\n\
        \n\
        The `ledger` key has automatic rotation enabled.\n\
        \n\
        The CMK that wraps the secrets rotates every year.\n\
        \n\
        `orders-secrets-key` has automatic rotation enabled.\n\
        \n\
        Helm charts follow semantic versioning.\n\
        \n\
        Module versions are pinned; the uploads bucket has versioning enabled.\n";
    let lines = read_lines(text);
    // Credentials, secrets and API keys rotate; KMS key material is another matter.
    assert!(!read_on(&lines, 3, "kms.key-rotation"), "{lines:?}");
    assert!(!read_on(&lines, 5, "kms.key-rotation"), "{lines:?}");
    // A key of its own, named with the secrets it wraps, and a key whose name says "secrets".
    assert!(read_on(&lines, 7, "kms.key-rotation"), "{lines:?}");
    assert!(read_on(&lines, 9, "kms.key-rotation"), "{lines:?}");
    assert!(read_on(&lines, 11, "kms.key-rotation"), "{lines:?}");
    // Versions of charts are no copies of data; a bucket's are, in its own clause.
    assert!(!read_on(&lines, 13, "data.backups"), "{lines:?}");
    assert!(read_on(&lines, 15, "data.backups"), "{lines:?}");
}

#[test]
fn rows_that_weigh_options_risks_or_prices_state_no_design() {
    let text = "# Ledger\n\
        \n\
        | Criterion | Shared key | Key per tenant |\n\
        |---|---|---|\n\
        | Isolation | encrypted with one key | encrypted with its own key |\n\
        \n\
        | Need | Plan A | Plan B |\n\
        |---|---|---|\n\
        | Snapshot recovery | Good (PITR enabled) | Poor |\n\
        \n\
        | Risk | Likelihood | Mitigation |\n\
        |---|---|---|\n\
        | Role too broad | Low | Add a permissions boundary |\n\
        \n\
        | Item | Monthly | Notes |\n\
        |---|---|---|\n\
        | Tenant CMK | $1.00 | customer-managed key |\n\
        \n\
        | Store | Encryption | Recovery |\n\
        |---|---|---|\n\
        | ledger table | CMK `alias/ledger` | PITR enabled |\n";
    let lines = read_lines(text);
    for line in [5, 9, 13, 17] {
        assert!(
            !lines.iter().any(|(l, _)| *l == line),
            "line {line}: {lines:?}"
        );
    }
    // A design table's row describes the store it names.
    assert!(
        read_on(&lines, 21, "kms.customer-managed-keys"),
        "{lines:?}"
    );
    assert!(read_on(&lines, 21, "data.backups"), "{lines:?}");
}

#[test]
fn numbered_titles_cost_notes_and_actions_on_keys_are_no_claims() {
    let text = "# Ledger\n\
        \n\
        KMS key creation is automated by the platform pipeline.\n\
        \n\
        Each table is encrypted with a KMS key.\n\
        \n\
        Cost: one customer-managed key per environment, about a dollar a month.\n\
        \n\
        ## Related decisions\n\
        \n\
        - ADR-012: Customer-Managed Keys for Every Store\n\
        - SEC-4: The uploads bucket is not encrypted.\n";
    let lines = read_lines(text);
    assert!(!read_on(&lines, 3, "kms.encryption-at-rest"), "{lines:?}");
    assert!(read_on(&lines, 5, "kms.encryption-at-rest"), "{lines:?}");
    assert!(!lines.iter().any(|(l, _)| *l == 7), "{lines:?}");
    assert!(!lines.iter().any(|(l, _)| *l == 11), "{lines:?}");
    // A numbered finding is a sentence, not a title.
    assert!(read_on(&lines, 12, "kms.encryption-at-rest"), "{lines:?}");
}
