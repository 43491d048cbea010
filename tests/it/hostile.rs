//! The hostile-input suite: inputs written to stop a scan (cycles of every kind, nesting
//! 10,000 deep, alias bombs, 100 MB files, one-line templates of megabytes, symlinks that loop
//! or leave the tree, FIFOs, odd file names, very long lines, wrong calls to every built-in).
//! Each must end as a diagnostic or an unknown value with its reason, and the rest of the tree
//! must still be read. Big inputs are generated here, in a temporary directory, never committed.
//!
//! Cases of issue 13 tested elsewhere (they came with their fixes):
//! - a `count` or `for_each` reading its own resource, `file()` on a FIFO, text doubled through
//!   locals, a resource declared twice, a symlinked `.tf` file: `terraform_eval.rs`;
//! - a CloudFormation condition chain past the depth limit: `cloudformation.rs`;
//! - a diagnostic past column 65,535, invalid UTF-8, binary files, locals that refer to each
//!   other, a comprehension bomb, a module calling itself, module and nested-stack fan-out, a
//!   symlink to the scanned directory: `cli.rs`;
//! - nested anchors, alias bombs, surrogate pairs and deep nesting in the YAML/JSON reader, and
//!   every built-in called with odd arguments: unit tests in `src/syntax/yaml.rs` and
//!   `src/terraform/functions.rs`;
//! - a hostile answers file: `answers.rs`.
//!
//! Speed on these inputs (one-line JSON linear in its length, tenant binding over 500 roles ×
//! 500 buckets × 500 policies) is measured by `bench/hostile`, not here: a test only gives
//! each run a deadline that a quadratic parse of these sizes would blow, so a hang fails.

use crate::common::vouch_bin;
use serde_json::Value as Json;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use vouch::model::Reason;

/// Runs `vouch ARGS DIR`, killing it and failing the test past `deadline`.
fn vouch_within(dir: &Path, args: &[&str], deadline: Duration) -> (i32, String, String) {
    let out = tempfile::tempdir().unwrap();
    let (o, e) = (out.path().join("out"), out.path().join("err"));
    let mut child = Command::new(vouch_bin())
        .args(args)
        .arg(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::from(fs::File::create(&o).unwrap()))
        .stderr(Stdio::from(fs::File::create(&e).unwrap()))
        .spawn()
        .expect("run vouch");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("vouch {args:?} ran past {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = String::from_utf8_lossy(&fs::read(&e).unwrap()).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&fs::read(&o).unwrap()).into_owned(),
        stderr,
    )
}

/// `vouch inventory --format json --values DIR` within a minute, parsed.
fn inventory(dir: &Path) -> Json {
    let (code, out, err) = vouch_within(
        dir,
        &["inventory", "--format", "json", "--values"],
        Duration::from_secs(60),
    );
    assert!((0..=2).contains(&code), "exit {code}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out:.2000}"))
}

/// (path, code) of every diagnostic of an inventory.
fn diagnostics(inv: &Json) -> Vec<(String, String)> {
    inv["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn addresses(inv: &Json) -> Vec<String> {
    inv["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect()
}

fn resource<'a>(inv: &'a Json, address: &str) -> &'a Json {
    inv["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("no {address} in {:?}", addresses(inv)))
}

/// The reason of the unknown value of `attribute` (a dotted path) of `address`.
fn reason(inv: &Json, address: &str, attribute: &str) -> String {
    inv["unresolved"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["resource"] == address && u["attribute"] == attribute)
        .map(|u| u["reason"].as_str().unwrap().to_string())
        .unwrap_or_else(|| {
            panic!(
                "{address}.{attribute} is not unknown: {:#}",
                inv["unresolved"]
            )
        })
}

fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

const OK_TF: &str = "resource \"aws_sqs_queue\" \"ok\" {\n  name = \"ok\"\n}\n";

// ---- cycles --------------------------------------------------------------------------------

/// Every kind of Terraform cycle Terraform itself refuses: each is an unknown value with the
/// reason `cycle` where a value depends on it, and every resource is still read.
#[test]
fn terraform_cycles_of_every_kind_are_unknown_values() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(
        p,
        "main.tf",
        r#"
resource "aws_sqs_queue" "a" {
  name       = "a"
  depends_on = [aws_sqs_queue.b]
}
resource "aws_sqs_queue" "b" {
  name       = "b"
  depends_on = [aws_sqs_queue.a]
}

# A module input that is its own output.
module "m" {
  source = "./m"
  x      = module.m.y
}
resource "aws_sqs_queue" "from_module" {
  name = module.m.y
}
resource "aws_sqs_queue" "each_of_module" {
  for_each = module.m.set
  name     = each.key
}

# A count that reads its own resource through a local.
locals {
  roles = length(aws_iam_role.r)
}
resource "aws_iam_role" "r" {
  count              = local.roles == 0 ? 1 : 0
  name               = "r"
  assume_role_policy = "{}"
}

# Attributes that read themselves, and each other.
resource "aws_sqs_queue" "itself" {
  name = "itself"
  tags = aws_sqs_queue.itself.tags
}
resource "aws_sqs_queue" "p1" {
  name = "p1"
  tags = aws_sqs_queue.p2.tags
}
resource "aws_sqs_queue" "p2" {
  name = "p2"
  tags = aws_sqs_queue.p1.tags
}

# Locals that read each other through a conditional and a function.
locals {
  l1 = length(local.l2) > 0 ? local.l2 : []
  l2 = concat(local.l1, ["x"])
}
resource "aws_sqs_queue" "locals" {
  name = join(",", local.l1)
}
"#,
    );
    write(
        p,
        "m/main.tf",
        "variable \"x\" {}\noutput \"y\" { value = var.x }\noutput \"set\" { value = toset([var.x]) }\nresource \"aws_sqs_queue\" \"inner\" { name = var.x }\n",
    );
    write(p, "ok.tf", OK_TF);
    let inv = inventory(p);
    let mut found = addresses(&inv);
    found.sort();
    assert_eq!(
        found,
        [
            "aws_iam_role.r",
            "aws_sqs_queue.a",
            "aws_sqs_queue.b",
            "aws_sqs_queue.each_of_module",
            "aws_sqs_queue.from_module",
            "aws_sqs_queue.itself",
            "aws_sqs_queue.locals",
            "aws_sqs_queue.ok",
            "aws_sqs_queue.p1",
            "aws_sqs_queue.p2",
            "module.m.aws_sqs_queue.inner",
        ]
    );
    // Each circle of blocks once, at its first block, as Terraform's cycle error; the circle of
    // locals alone is the evaluator's `reference-cycle`, and the module feeding itself is left to
    // the values (Terraform links module inputs and outputs one by one).
    let circles: Vec<(String, u64, String)> = inv["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "dependency-cycle")
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let starts: Vec<(&str, u64, &str)> = circles
        .iter()
        .map(|(p, l, m)| (p.as_str(), *l, m.split(" through").next().unwrap()))
        .collect();
    assert_eq!(
        starts,
        [
            (
                "main.tf",
                2,
                "aws_sqs_queue.a, aws_sqs_queue.b refer to each other"
            ),
            (
                "main.tf",
                28,
                "aws_iam_role.r, local.roles refer to each other"
            ),
            ("main.tf", 35, "aws_sqs_queue.itself refers to itself"),
            (
                "main.tf",
                39,
                "aws_sqs_queue.p1, aws_sqs_queue.p2 refer to each other"
            ),
        ],
        "{circles:?}"
    );
    assert!(circles[0]
        .2
        .ends_with("Terraform refuses the configuration with a cycle error"));
    assert_eq!(reason(&inv, "aws_iam_role.r", "count"), "cycle");
    assert_eq!(reason(&inv, "aws_sqs_queue.from_module", "name"), "cycle");
    assert_eq!(
        reason(&inv, "aws_sqs_queue.each_of_module", "for_each"),
        "cycle"
    );
    assert_eq!(
        reason(&inv, "module.m.aws_sqs_queue.inner", "name"),
        "cycle"
    );
    assert_eq!(reason(&inv, "aws_sqs_queue.locals", "name"), "cycle");
    // A reference that never settles stays what it is, a reference: never a value made up.
    for (address, target) in [
        ("aws_sqs_queue.itself", "aws_sqs_queue.itself"),
        ("aws_sqs_queue.p1", "aws_sqs_queue.p2"),
    ] {
        assert_eq!(
            resource(&inv, address)["attributes"]["tags"]["$ref"]["resource"],
            target
        );
    }
    assert_eq!(
        resource(&inv, "aws_sqs_queue.ok")["attributes"]["name"],
        "ok"
    );
}

/// A count that reads its own resource directly: the reason is the cycle, not "computed".
#[test]
fn a_count_that_reads_its_own_resource_is_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "resource \"aws_iam_role\" \"x\" {\n  count              = length(aws_iam_role.x) == 0 ? 1 : 0\n  name               = \"x\"\n  assume_role_policy = \"{}\"\n}\n",
    );
    let s = vouch::scan(dir.path(), &Default::default());
    let u = s.model.unresolved();
    let count = u
        .iter()
        .find(|u| u.resource == "aws_iam_role.x" && u.attribute == "count")
        .unwrap_or_else(|| panic!("{u:?}"));
    assert_eq!(count.unknown.reason, Reason::Cycle);
    assert!(
        count.unknown.detail.contains("refers to itself"),
        "{count:?}"
    );
}

/// CloudFormation conditions that refer to each other or to themselves: the template is
/// reported where the cycle closes, the resources they guard are read with their condition
/// undecided, and `Fn::If` over them is unknown with the reason `cycle`. Resources that depend
/// on each other through `DependsOn` are each circle reported once, and read.
#[test]
fn cloudformation_condition_and_depends_on_cycles_do_not_stop_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "t.yaml",
        r#"AWSTemplateFormatVersion: "2010-09-09"
Conditions:
  C1: !Condition C2
  C2: !Not [!Condition C1]
  Self: !And [!Condition Self, !Equals [a, a]]
Resources:
  A:
    Type: AWS::SQS::Queue
    DependsOn: B
    Condition: C1
    Properties:
      QueueName: !If [C1, a, b]
      Tags:
        - Key: other
          Value: !GetAtt B.QueueName
  B:
    Type: AWS::SQS::Queue
    DependsOn: [A, B]
    Condition: Self
    Properties:
      QueueName: !Sub "${A.QueueName}-b"
      DelaySeconds: !If [Self, 1, 2]
  C:
    Type: AWS::SQS::Queue
    DependsOn: D
  D:
    Type: AWS::SQS::Queue
    DependsOn: [Ok, C]
  E:
    Type: AWS::SQS::Queue
    DependsOn: E
  Ok:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: ok
"#,
    );
    let inv = inventory(dir.path());
    assert_eq!(addresses(&inv), ["A", "B", "C", "D", "E", "Ok"]);
    // Each circle of dependencies once, at its first resource: CloudFormation refuses them.
    let circles: Vec<(u64, &str)> = inv["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "dependency-cycle")
        .map(|d| (d["line"].as_u64().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    assert_eq!(circles.len(), 3, "{circles:?}");
    assert_eq!(circles[0].0, 7);
    assert!(
        circles[0].1.starts_with("A, B depend on each other"),
        "{circles:?}"
    );
    assert!(
        circles[1].1.starts_with("C, D depend on each other"),
        "{circles:?}"
    );
    assert!(
        circles[2].1.starts_with("E depends on itself"),
        "{circles:?}"
    );
    for (address, condition) in [("A", "C1"), ("B", "Self")] {
        let c = &resource(&inv, address)["condition"];
        assert_eq!(
            (c["name"].as_str(), &c["value"]),
            (Some(condition), &Json::Null)
        );
    }
    assert_eq!(reason(&inv, "A", "QueueName"), "cycle");
    assert_eq!(reason(&inv, "B", "DelaySeconds"), "cycle");
    let d = diagnostics(&inv);
    assert_eq!(
        d.iter().filter(|(_, c)| c == "template-structure").count(),
        2,
        "{d:?}"
    );
    assert_eq!(resource(&inv, "Ok")["attributes"]["QueueName"], "ok");
}

// ---- built-in functions --------------------------------------------------------------------

/// Calls Terraform refuses (a wrong number of arguments, a wrong type): each attribute is an
/// invalid expression, never a value made from what was given, and the rest is read.
#[test]
fn wrong_calls_to_built_in_functions_are_invalid_expressions() {
    let dir = tempfile::tempdir().unwrap();
    let calls = [
        ("formatlist", "formatlist()"),
        ("jsonencode", "jsonencode()"),
        ("max", "max()"),
        ("length", "length(\"a\", \"b\")"),
        ("lookup", "lookup({})"),
        ("tostring", "tostring([1])"),
        ("zipmap", "zipmap([\"a\"], [])"),
        ("format", "format(\"%d\", \"x\")"),
        ("can", "can()"),
        ("file", "file(\"a\", \"b\")"),
        ("cidrsubnet", "cidrsubnet(\"10.0.0.0/8\", 4)"),
        ("element", "element([], 0)"),
    ];
    let tags: String = calls
        .iter()
        .map(|(k, call)| format!("    {k} = {call}\n"))
        .collect();
    write(
        dir.path(),
        "main.tf",
        format!(
            "resource \"aws_sqs_queue\" \"q\" {{\n  name = \"q\"\n  tags = {{\n{tags}    fine = formatlist(\"%s-x\", [\"a\"])[0]\n  }}\n}}\n"
        ),
    );
    let inv = inventory(dir.path());
    for (k, call) in calls {
        assert_eq!(
            reason(&inv, "aws_sqs_queue.q", &format!("tags.{k}")),
            "invalid_expression",
            "{call}"
        );
    }
    let q = &resource(&inv, "aws_sqs_queue.q")["attributes"];
    assert_eq!(
        (&q["name"], &q["tags"]["fine"]),
        (&Json::from("q"), &Json::from("a-x"))
    );
}

// ---- YAML anchors and one-line JSON ----------------------------------------------------------

/// Anchors nested at every level (each copy holding the copies below it) and aliases that
/// multiply: the template is a diagnostic, the other templates are read.
#[test]
fn anchor_and_alias_bombs_in_a_template_are_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let mut nested =
        String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags: ");
    for i in 0..150 {
        nested.push_str(&format!("&a{i} ["));
    }
    nested.push_str(&vec!["x"; 20_000].join(","));
    nested.push_str(&"]".repeat(150));
    nested.push('\n');
    write(p, "nested.yaml", nested);
    let mut bomb = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\nMetadata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 0..12 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("l{}", i - 1)
        };
        bomb.push_str(&format!(
            "  l{i}: &l{i} [{}]\n",
            vec![format!("*{prev}"); 9].join(", ")
        ));
    }
    bomb.push_str("Resources:\n  B:\n    Type: AWS::SQS::Queue\n");
    write(p, "bomb.yaml", bomb);
    write(
        p,
        "ok.yaml",
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Ok:\n    Type: AWS::SQS::Queue\n",
    );
    let inv = inventory(p);
    let d = diagnostics(&inv);
    for file in ["nested.yaml", "bomb.yaml"] {
        assert!(
            d.contains(&(file.into(), "parse-error".into())),
            "{file}: {d:?}"
        );
    }
    let messages: Vec<&str> = inv["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("anchors")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("aliases")),
        "{messages:?}"
    );
    assert_eq!(addresses(&inv), ["Ok"]);
}

/// A 3 MB template on one line, as tools write it, with every emoji as a JSON surrogate pair:
/// read whole, the characters decoded, and the last resource placed at its exact column. (The
/// positions on such a line were once searched from the line's start for each node: minutes.)
#[test]
fn a_one_line_json_template_of_megabytes_is_read_with_exact_positions() {
    let dir = tempfile::tempdir().unwrap();
    let n = 25_000;
    let mut text = String::from("{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {");
    let mut last_column = 0;
    for i in 0..n {
        if i > 0 {
            text.push_str(", ");
        }
        if i == n - 1 {
            // Columns count characters: every earlier emoji is one character, 12 bytes.
            last_column = text.chars().count() + 1;
        }
        text.push_str(&format!(
            "\"Q{i}\": {{\"Type\": \"AWS::SQS::Queue\", \"Properties\": {{\"QueueName\": \"q-{i} \\u00e9 \\ud83d\\ude00\"}}}}"
        ));
    }
    text.push_str("}}");
    assert!(!text.contains('\n') && text.len() > 2_000_000);
    write(dir.path(), "stack.json", &text);
    let inv = inventory(dir.path());
    assert!(diagnostics(&inv).is_empty(), "{:?}", diagnostics(&inv));
    assert_eq!(inv["summary"]["resources"], n);
    let last = resource(&inv, &format!("Q{}", n - 1));
    assert_eq!(last["attributes"]["QueueName"], format!("q-{} é 😀", n - 1));
    assert_eq!(
        (last["line"].as_u64(), last["column"].as_u64()),
        (Some(1), Some(last_column as u64))
    );
}

// ---- files -----------------------------------------------------------------------------------

/// Symbolic links: a link to a file inside the tree is read; a link leaving the tree is
/// reported and not read; a link to a directory (here, a loop) is not followed; a dangling link
/// and a link to a FIFO are not read and do not block.
#[cfg(unix)]
#[test]
fn symlinks_inside_are_read_leaving_ones_reported_and_loops_not_followed() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "secret.tf",
        "resource \"aws_sqs_queue\" \"outside\" {\n  name = \"outside\"\n}\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(
        p,
        "shared/queue.tf.txt",
        "resource \"aws_sqs_queue\" \"linked\" {\n  name = \"linked\"\n}\n",
    );
    write(p, "app/main.tf", OK_TF);
    symlink(p.join("shared/queue.tf.txt"), p.join("app/linked.tf")).unwrap();
    symlink(outside.path().join("secret.tf"), p.join("app/leaving.tf")).unwrap();
    symlink(p, p.join("app/loop")).unwrap();
    symlink(p.join("app"), p.join("app/self")).unwrap();
    symlink(p.join("nowhere.tf"), p.join("app/dangling.tf")).unwrap();
    let fifo = p.join("app/pipe.tf");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    symlink(&fifo, p.join("app/to-pipe.tf")).unwrap();
    let inv = inventory(p);
    let mut found = addresses(&inv);
    found.sort();
    assert_eq!(found, ["aws_sqs_queue.linked", "aws_sqs_queue.ok"]);
    let d = diagnostics(&inv);
    assert_eq!(
        d,
        [(
            "app/leaving.tf".to_string(),
            "symlink-outside-tree".to_string()
        )]
    );
    assert_eq!(inv["diagnostics"][0]["severity"], "warning");
}

/// A module declared twice is the configuration error Terraform reports, at the second one;
/// the first is read and the scan goes on.
#[test]
fn a_module_declared_twice_is_an_error_at_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(p, "a.tf", "module \"m\" {\n  source = \"./m\"\n}\n");
    write(p, "b.tf", "module \"m\" {\n  source = \"./n\"\n}\n");
    write(
        p,
        "m/main.tf",
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \"from-m\"\n}\n",
    );
    write(
        p,
        "n/main.tf",
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \"from-n\"\n}\n",
    );
    let s = vouch::scan(p, &Default::default());
    let d: Vec<_> = s
        .diagnostics
        .iter()
        .filter(|d| d.code == "duplicate-declaration")
        .collect();
    assert_eq!(d.len(), 1, "{:?}", s.diagnostics);
    assert_eq!((d[0].path.as_str(), d[0].line), ("b.tf", 1));
    assert!(d[0].message.contains("module \"m\""), "{}", d[0].message);
    assert_eq!(d[0].severity, vouch::diagnostics::Severity::Error);
    let q: Vec<_> = s
        .model
        .resources
        .iter()
        .filter(|r| r.address == "module.m.aws_sqs_queue.q")
        .collect();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].attr("name").unwrap().as_str(), Some("from-m"));
}

/// A 100 MB Terraform file is refused by size before it is read (an error naming the limit),
/// a 100 MB JSON file that might have been a template is passed over, and the rest is read.
#[test]
fn a_100_mb_file_is_reported_and_the_rest_is_read() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let line = format!("# {}\n", "x".repeat(1021));
    for name in ["huge.tf", "huge.json"] {
        let mut f = std::io::BufWriter::new(fs::File::create(p.join(name)).unwrap());
        for _ in 0..100 * 1024 {
            f.write_all(line.as_bytes()).unwrap();
        }
        f.flush().unwrap();
    }
    assert_eq!(
        fs::metadata(p.join("huge.tf")).unwrap().len(),
        100 * 1024 * 1024
    );
    write(p, "ok.tf", OK_TF);
    let inv = inventory(p);
    assert_eq!(
        diagnostics(&inv),
        [("huge.tf".to_string(), "file-too-large".to_string())]
    );
    assert_eq!(addresses(&inv), ["aws_sqs_queue.ok"]);
}

/// Nesting 10,000 deep in every syntax vouch reads, and a chain of 10,000 locals: each a
/// diagnostic or an unknown at the limit, never a stack overflow.
#[test]
fn nesting_ten_thousand_deep_is_a_diagnostic_in_every_syntax() {
    const N: usize = 10_000;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let (open, close) = ("[".repeat(N), "]".repeat(N));
    let deep_tf = [
        (
            "brackets.tf",
            format!("locals {{\n  x = {open}1{close}\n}}\n"),
        ),
        (
            "objects.tf",
            format!(
                "locals {{\n  x = {}1{}\n}}\n",
                "{a = ".repeat(N),
                "}".repeat(N)
            ),
        ),
        (
            "parens.tf",
            format!("locals {{\n  x = {}1{}\n}}\n", "(".repeat(N), ")".repeat(N)),
        ),
        (
            "calls.tf",
            format!(
                "locals {{\n  x = {}[1]{}\n}}\n",
                "tolist(".repeat(N),
                ")".repeat(N)
            ),
        ),
        (
            "blocks.tf",
            format!(
                "resource \"aws_s3_bucket\" \"d\" {{\n{}{}}}\n",
                "a {\n".repeat(N),
                "}\n".repeat(N)
            ),
        ),
        (
            "json.tf.json",
            format!("{{\"locals\": {{\"x\": {open}{close}}}}}"),
        ),
    ];
    let header = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: ";
    let deep_templates = [
        ("flow.yaml", format!("{header}{open}{close}\n")),
        ("maps.yaml", format!("{header}{}1{}\n", "{a: ".repeat(N), "}".repeat(N))),
        (
            "template.json",
            format!("{{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {{\"B\": {{\"Type\": \"AWS::S3::Bucket\", \"Properties\": {{\"X\": {open}{close}}}}}}}}}"),
        ),
    ];
    for (name, text) in deep_tf.iter().chain(&deep_templates) {
        write(p, &format!("deep/{name}"), text);
    }
    let mut chain = String::from("locals {\n  l0 = 1\n");
    for i in 1..N {
        chain.push_str(&format!("  l{i} = local.l{} + 1\n", i - 1));
    }
    chain.push_str(&format!(
        "}}\nresource \"aws_sqs_queue\" \"chain\" {{\n  name = local.l{}\n}}\n",
        N - 1
    ));
    write(p, "chain/main.tf", chain);
    write(p, "ok/main.tf", OK_TF);
    let inv = inventory(p);
    let d = diagnostics(&inv);
    for (name, _) in deep_tf.iter().chain(&deep_templates) {
        assert!(
            d.contains(&(format!("deep/{name}"), "parse-error".into())),
            "{name}: {d:?}"
        );
    }
    assert_eq!(reason(&inv, "aws_sqs_queue.chain", "name"), "limit");
    assert!(addresses(&inv).contains(&"aws_sqs_queue.ok".to_string()));
}

/// File names with spaces, a newline, bytes that are not UTF-8, a leading dash: each file is
/// read, and the report is still valid JSON naming each.
#[cfg(unix)]
#[test]
fn odd_file_names_are_read() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let names: [&[u8]; 5] = [
        b"my queue.tf",
        b"new\nline.tf",
        b"caf\xe9.tf",
        b"-rf.tf",
        "\u{65e5}\u{672c}.tf".as_bytes(),
    ];
    for (i, name) in names.iter().enumerate() {
        fs::write(
            p.join(std::ffi::OsStr::from_bytes(name)),
            format!("resource \"aws_sqs_queue\" \"q{i}\" {{\n  name = \"q{i}\"\n}}\n"),
        )
        .unwrap();
    }
    // A broken file with a newline in its name is reported under that name.
    fs::write(p.join("broken\nname.tf"), "resource \"aws_sqs_queue\" {\n").unwrap();
    let inv = inventory(p);
    let mut found = addresses(&inv);
    found.sort();
    assert_eq!(
        found,
        [
            "aws_sqs_queue.q0",
            "aws_sqs_queue.q1",
            "aws_sqs_queue.q2",
            "aws_sqs_queue.q3",
            "aws_sqs_queue.q4"
        ]
    );
    assert_eq!(
        diagnostics(&inv),
        [("broken\nname.tf".to_string(), "parse-error".to_string())]
    );
    assert_eq!(resource(&inv, "aws_sqs_queue.q0")["file"], "my queue.tf");
    assert_eq!(resource(&inv, "aws_sqs_queue.q2")["file"], "caf\u{fffd}.tf");
}

/// Lines of megabytes: a Terraform string, a YAML template line and an error at the end of a
/// long line are read, placed and shown within the width of a terminal line.
#[test]
fn very_long_lines_are_read_and_errors_on_them_shown_in_a_window() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let long = "a".repeat(2_000_000);
    write(
        p,
        "long.tf",
        format!("resource \"aws_sqs_queue\" \"long\" {{ name = \"{long}\" }}\n"),
    );
    let yaml_line = format!("Resources: {{L: {{Type: AWS::SQS::Queue, Properties: {{QueueName: {long}}}}}, M: {{Type: AWS::SQS::Queue}}}}");
    let m_column = yaml_line.find("M:").unwrap() as u64 + 1;
    write(
        p,
        "long.yaml",
        format!("AWSTemplateFormatVersion: '2010-09-09'\n{yaml_line}\n"),
    );
    write(p, "broken.tf", format!("locals {{ a = \"{long}\" b = }}\n"));
    let (code, out, err) = vouch_within(
        p,
        &["inventory", "--format", "json", "--values"],
        Duration::from_secs(60),
    );
    assert_eq!(code, 2, "{err:.2000}");
    let inv: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(
        resource(&inv, "aws_sqs_queue.long")["attributes"]["name"]
            .as_str()
            .map(str::len),
        Some(2_000_000)
    );
    assert_eq!(
        resource(&inv, "L")["attributes"]["QueueName"]
            .as_str()
            .map(str::len),
        Some(2_000_000)
    );
    let m = resource(&inv, "M");
    assert_eq!(
        (m["line"].as_u64(), m["column"].as_u64()),
        (Some(2), Some(m_column))
    );
    assert_eq!(
        diagnostics(&inv),
        [("broken.tf".to_string(), "parse-error".to_string())]
    );
    // The text report shows the error in a window of the line.
    let (code, _, err) = vouch_within(p, &["inventory"], Duration::from_secs(60));
    assert_eq!(code, 2);
    assert!(err.contains("broken.tf:1:2000017"), "{:.2000}", err);
    assert!(
        err.lines().all(|l| l.chars().count() < 400),
        "a line of the report is too long"
    );
}

// ---- work ----------------------------------------------------------------------------------

/// References to maps that refer to maps: 20 entries over 10 resources would resolve to 20^9
/// values. The lookups for one attribute are counted: the scan ends, and what was not looked up
/// stays a reference.
#[test]
fn references_that_fan_out_through_maps_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut tf = String::new();
    for level in 0..10 {
        let tags = if level < 9 {
            (0..20)
                .map(|i| format!("k{i} = aws_sqs_queue.f{}.tags", level + 1))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            "k = \"v\"".to_string()
        };
        tf.push_str(&format!(
            "resource \"aws_sqs_queue\" \"f{level}\" {{\n  name = \"f{level}\"\n  tags = {{ {tags} }}\n}}\n"
        ));
    }
    write(dir.path(), "main.tf", tf);
    let (code, out, err) = vouch_within(
        dir.path(),
        &["inventory", "--format", "json"],
        Duration::from_secs(60),
    );
    assert_eq!(code, 0, "{err}");
    let inv: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(inv["summary"]["resources"], 10);
    // The last link is resolved where the lookups allow it.
    let s = vouch::scan(dir.path(), &Default::default());
    let f8 = s
        .model
        .resources
        .iter()
        .find(|r| r.address == "aws_sqs_queue.f8")
        .unwrap();
    assert_eq!(
        f8.attr("tags")
            .unwrap()
            .get("k0")
            .unwrap()
            .get("k")
            .unwrap()
            .as_str(),
        Some("v")
    );
}

/// Inputs the fuzzers found that once stopped a scan of a document, each beside a small root:
/// the scan ends with a report. `save for s` (the claim reader's "all but" cue opening a
/// sentence left no subject before it, and an index into that empty run panicked).
#[test]
fn documents_the_fuzzers_found_are_read() {
    for doc in [
        "save for s",
        "Save for the admin function, functions run in private subnets.",
    ] {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "ARCHITECTURE.md", doc);
        write(
            d.path(),
            "main.tf",
            "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n",
        );
        let (code, out, err) = vouch_within(
            d.path(),
            &["scan", "--fail-on", "none"],
            Duration::from_secs(60),
        );
        assert_eq!(code, 0, "{doc:?}: {out}{err}");
        assert!(out.contains("Assumptions"), "{doc:?}: {out}");
    }
}

/// The same hostile tree gives the same bytes twice.
#[test]
fn a_hostile_tree_gives_the_same_report_twice() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(p, "cycle.tf", "locals {\n  a = local.b\n  b = local.a\n}\nresource \"aws_sqs_queue\" \"c\" {\n  name = local.a\n}\n");
    write(p, "bad.tf", "resource \"aws_sqs_queue\" {\n");
    write(
        p,
        "deep.yaml",
        format!(
            "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n",
            "[".repeat(10_000)
        ),
    );
    write(
        p,
        "calls.tf",
        "resource \"aws_sqs_queue\" \"f\" {\n  name = formatlist()\n}\n",
    );
    let args = ["scan", "--format", "json", "--fail-on", "none"];
    let (_, a, _) = vouch_within(p, &args, Duration::from_secs(60));
    let (_, b, _) = vouch_within(p, &args, Duration::from_secs(60));
    assert!(a.len() > 100);
    assert_eq!(a, b);
}
