//! The `vouch` binary on temporary trees: broken files are reported with a location and the
//! scan goes on; exit statuses follow the spec.

use crate::common;
use common::vouch_bin;
use std::fs;
use std::process::Command;

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(vouch_bin())
        .args(args)
        .arg(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run vouch");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn broken_hcl_is_reported_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("good.tf"),
        "resource \"aws_s3_bucket\" \"ok\" {\n  bucket = \"ok\"\n}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("bad.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n}\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["inventory", "--verbose"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.contains("aws_s3_bucket.ok"), "{stdout}");
    assert!(stderr.contains("bad.tf:2:12"), "{stderr}");
    assert!(stderr.contains("HCL syntax error"), "{stderr}");
    // The snippet shows the offending line.
    assert!(stderr.contains("bucket ="), "{stderr}");
}

#[test]
fn a_syntax_error_past_column_65535_is_rendered_as_a_window() {
    // The renderer pads the caret to its column; `format!` cannot pad past 65,535.
    let dir = tempfile::tempdir().unwrap();
    let line = format!("locals {{ a = \"{}\" b = }}", "x".repeat(70_000));
    fs::write(dir.path().join("long.tf"), &line).unwrap();
    fs::write(
        dir.path().join("wide.tf"),
        format!(
            "locals {{\n  a = \"{}\" b = }}\n  c = 1\n}}\n",
            "é".repeat(40_000)
        ),
    )
    .unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["inventory", "--verbose"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("long.tf:1:70017"), "{stderr}");
    assert!(stderr.contains("wide.tf:2:40010"), "{stderr}");
    // The snippet is the part of the line around the error, numbered as in the file, with the
    // short lines around it whole.
    assert!(stderr.contains(" 1 │ …xxx"), "{stderr}");
    assert!(stderr.contains("\" b = }"), "{stderr}");
    assert!(stderr.contains(" 3 │   c = 1"), "{stderr}");
    assert!(stderr.lines().all(|l| l.chars().count() < 400), "{stderr}");
}

#[test]
fn hostile_files_never_crash() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::write(p.join("empty.tf"), "").unwrap();
    fs::write(p.join("binary.tf"), [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    fs::write(
        p.join("latin1.tf"),
        b"# caf\xe9\nresource \"aws_sqs_queue\" \"q\" {}\n",
    )
    .unwrap();
    fs::write(
        p.join("deep.tf"),
        format!(
            "locals {{\n  x = {}1{}\n}}\n",
            "[".repeat(5000),
            "]".repeat(5000)
        ),
    )
    .unwrap();
    fs::write(
        p.join("cycle.tf"),
        "locals {\n  a = local.b\n  b = local.a\n}\nresource \"aws_sqs_queue\" \"c\" {\n  name = local.a\n}\n",
    )
    .unwrap();
    fs::write(
        p.join("bomb.tf"),
        "locals {\n  l0 = range(1000)\n  l1 = [for a in local.l0 : [for b in local.l0 : [for c in local.l0 : c]]]\n}\nresource \"aws_sqs_queue\" \"bomb\" {\n  name = length(local.l1)\n}\n",
    )
    .unwrap();
    fs::write(
        p.join("self.tf"),
        "module \"me\" {\n  source = \"./\"\n}\nresource \"aws_sns_topic\" \"t\" {}\n",
    )
    .unwrap();
    fs::write(
        p.join("template.yaml"),
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n",
    )
    .unwrap();
    fs::write(p.join("notes.yaml"), "just: [some, data\n").unwrap();
    let (code, stdout, stderr) = run(p, &["inventory", "--format", "json"]);
    assert_eq!(code, 2, "{stderr}");
    let inv: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let codes: Vec<(String, String)> = inv["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        codes.contains(&("binary.tf".into(), "binary-file".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("latin1.tf".into(), "invalid-utf8".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("deep.tf".into(), "parse-error".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("template.yaml".into(), "parse-error".into())),
        "{codes:?}"
    );
    // A YAML file that is not a template is not an error.
    assert!(!codes.iter().any(|(p, _)| p == "notes.yaml"), "{codes:?}");
    let unresolved = inv["unresolved"].as_array().unwrap();
    let reason_of = |addr: &str| {
        unresolved
            .iter()
            .find(|u| u["resource"] == addr)
            .map(|u| u["reason"].as_str().unwrap().to_string())
    };
    assert_eq!(reason_of("aws_sqs_queue.c").as_deref(), Some("cycle"));
    assert_eq!(reason_of("aws_sqs_queue.bomb").as_deref(), Some("limit"));
}

#[test]
fn a_clean_tree_exits_zero_and_json_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n",
    )
    .unwrap();
    let (code, a, _) = run(dir.path(), &["inventory", "--format", "json"]);
    assert_eq!(code, 0);
    let (_, b, _) = run(dir.path(), &["inventory", "--format", "json"]);
    assert_eq!(a, b);
}

#[test]
fn excluded_paths_and_skipped_dirs_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::create_dir_all(p.join("examples")).unwrap();
    fs::create_dir_all(p.join(".terraform/modules/x")).unwrap();
    fs::write(p.join("main.tf"), "resource \"aws_sqs_queue\" \"q\" {}\n").unwrap();
    fs::write(
        p.join("examples/ex.tf"),
        "resource \"aws_sqs_queue\" \"ex\" {}\n",
    )
    .unwrap();
    fs::write(
        p.join(".terraform/modules/x/m.tf"),
        "resource \"aws_sqs_queue\" \"hidden\" {}\n",
    )
    .unwrap();
    let (code, out, _) = run(p, &["inventory", "--exclude", "examples"]);
    assert_eq!(code, 0);
    assert!(out.contains("aws_sqs_queue.q"));
    assert!(!out.contains("aws_sqs_queue.ex"), "{out}");
    assert!(!out.contains("hidden"), "{out}");
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let (code, _, stderr) = run(std::path::Path::new("/no/such/dir"), &["inventory"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("does not exist"), "{stderr}");
}

#[test]
fn oversized_files_are_reported_and_symlink_loops_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::write(p.join("main.tf"), "resource \"aws_sqs_queue\" \"q\" {}\n").unwrap();
    fs::write(
        p.join("big.tf"),
        format!("locals {{\n  x = \"{}\"\n}}\n", "a".repeat(4096)),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(p, p.join("loop")).unwrap();
    let (code, stdout, _) = run(
        p,
        &["inventory", "--format", "json", "--max-file-size", "1000"],
    );
    assert_eq!(code, 2);
    let inv: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let d = &inv["diagnostics"][0];
    assert_eq!(
        (d["path"].as_str(), d["code"].as_str()),
        (Some("big.tf"), Some("file-too-large"))
    );
    assert_eq!(inv["summary"]["resources"], 1);
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    for i in 0..300 {
        fs::write(
            dir.path().join(format!("q{i}.tf")),
            format!("resource \"aws_sqs_queue\" \"q{i}\" {{\n  name = \"q{i}\"\n}}\n"),
        )
        .unwrap();
    }
    let mut child = Command::new(vouch_bin())
        .args(["inventory", "--format", "json"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read a few bytes, then close the pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = [0u8; 16];
    let _ = stdout.read(&mut buf);
    drop(stdout);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(0));
}

/// Writes a chain of `levels` modules, each calling the next `fan_out` times: `fan_out^levels`
/// instances when expanded in full.
fn module_fan_out(p: &std::path::Path, levels: usize, fan_out: usize) {
    for k in 1..=levels {
        let dir = p.join(format!("m{k}"));
        fs::create_dir_all(&dir).unwrap();
        let body = if k < levels {
            format!(
                "module \"next\" {{\n  source = \"../m{}\"\n  count  = {fan_out}\n}}\n\
                 resource \"aws_sqs_queue\" \"q\" {{\n  name = module.next[0].name\n}}\n\
                 output \"name\" {{\n  value = \"q{k}\"\n}}\n",
                k + 1
            )
        } else {
            "resource \"aws_sqs_queue\" \"q\" {\n  name = \"leaf\"\n}\n\
             output \"name\" {\n  value = \"leaf\"\n}\n"
                .to_string()
        };
        fs::write(dir.join("main.tf"), body).unwrap();
    }
    fs::write(
        p.join("main.tf"),
        format!("module \"top\" {{\n  source = \"./m1\"\n  count  = {fan_out}\n}}\n"),
    )
    .unwrap();
}

#[test]
fn module_fan_out_is_bounded_in_total_not_only_in_depth() {
    // 20^6 = 64 million module instances within the depth limit.
    let dir = tempfile::tempdir().unwrap();
    module_fan_out(dir.path(), 6, 20);
    let (code, stdout, stderr) = run(dir.path(), &["inventory", "--format", "json"]);
    assert!(code == 0 || code == 1, "{code} {stderr}");
    let inv: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let limits: Vec<&serde_json::Value> = inv["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "module-limit")
        .collect();
    assert_eq!(limits.len(), 1, "{:#}", inv["diagnostics"]);
    assert_eq!(limits[0]["severity"], "warning");
    let resources = inv["summary"]["resources"].as_u64().unwrap();
    assert!(
        (1000..=10_000).contains(&resources),
        "{resources} resources"
    );
    // A resource that reads an output of a call past the limit is unknown, with that reason.
    let unresolved = inv["unresolved"].as_array().unwrap();
    assert!(
        unresolved.iter().any(|u| u["reason"] == "limit"),
        "{unresolved:#?}"
    );
    // The same tree gives the same bytes.
    let (_, again, _) = run(dir.path(), &["inventory", "--format", "json"]);
    assert_eq!(stdout, again);
}

#[test]
fn nested_stack_fan_out_is_bounded_in_total_not_only_in_depth() {
    // A template nesting the next one 20 times, six levels deep: 20^6 stacks.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let levels = 6;
    for k in 0..levels {
        let mut t = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
        if k + 1 < levels {
            for i in 0..20 {
                t.push_str(&format!(
                    "  S{i}:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./l{}.yaml\n",
                    k + 1
                ));
            }
        } else {
            t.push_str("  Q:\n    Type: AWS::SQS::Queue\n");
        }
        let name = if k == 0 {
            "top.yaml".to_string()
        } else {
            format!("l{k}.yaml")
        };
        fs::write(p.join(name), t).unwrap();
    }
    let (code, stdout, stderr) = run(p, &["inventory", "--format", "json"]);
    assert!(code == 0 || code == 1, "{code} {stderr}");
    let inv: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let limits = inv["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "nested-stack-limit")
        .count();
    assert_eq!(limits, 1, "{:#}", inv["diagnostics"]);
    let resources = inv["summary"]["resources"].as_u64().unwrap();
    assert!(resources <= 30_000, "{resources} resources");
}

#[test]
fn a_tree_without_infrastructure_code_says_so_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("README.md"),
        "# Notes\n\nNothing deployed here.\n",
    )
    .unwrap();
    fs::write(dir.path().join("package.json"), "{\"name\": \"x\"}\n").unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["scan"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("no infrastructure code found"), "{stdout}");
    // With infrastructure code, the full report comes back.
    fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
    )
    .unwrap();
    let (_, stdout, _) = run(dir.path(), &["scan", "--fail-on", "none"]);
    assert!(stdout.lines().count() > 5, "{stdout}");
}

#[test]
fn quiet_keeps_errors_and_drops_warnings() {
    let dir = tempfile::tempdir().unwrap();
    // A managed policy ARN AWS does not have (a warning) and a broken file (an error).
    fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_iam_role\" \"r\" {\n  name = \"r\"\n  assume_role_policy = \"{}\"\n  managed_policy_arns = [\"arn:aws:iam::aws:policy/NoSuchPolicyAtAll\"]\n}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("broken.tf"),
        "resource \"aws_s3_bucket\" {\n",
    )
    .unwrap();
    let (code, _, loud) = run(dir.path(), &["scan", "--fail-on", "none"]);
    assert_eq!(code, 2);
    assert!(loud.contains("no-such-managed-policy"), "{loud}");
    assert!(loud.contains("broken.tf"), "{loud}");
    let (code, _, quiet) = run(dir.path(), &["scan", "--fail-on", "none", "--quiet"]);
    assert_eq!(code, 2);
    assert!(!quiet.contains("no-such-managed-policy"), "{quiet}");
    assert!(quiet.contains("broken.tf"), "{quiet}");
}

/// Problems in the inputs are one line per file by default (`path:line:col: error[code]:
/// message`, with how many more the file has, control characters in names escaped) and each in
/// full with its snippet under `--verbose`.
#[cfg(unix)]
#[test]
fn problems_are_one_line_per_file_and_in_full_with_verbose() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::write(
        p.join("twice.tf"),
        "resource \"aws_sqs_queue\" \"q\" {}\nresource \"aws_sqs_queue\" \"q\" {}\nresource \"aws_sqs_queue\" \"q\" {}\n",
    )
    .unwrap();
    fs::write(
        p.join("odd\nname.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n}\n",
    )
    .unwrap();
    fs::write(p.join("ok.tf"), "resource \"aws_sqs_queue\" \"ok\" {}\n").unwrap();
    let (code, _, short) = run(p, &["inventory"]);
    assert_eq!(code, 2, "{short}");
    let lines: Vec<&str> = short.lines().collect();
    assert_eq!(lines.len(), 2, "{short}");
    assert!(
        lines[0].starts_with("odd\\nname.tf:2:12: error[parse-error]: HCL syntax error"),
        "{short}"
    );
    assert_eq!(
        lines[1],
        "twice.tf:2:1: error[duplicate-declaration]: resource \"aws_sqs_queue\" \"q\" is declared twice in .: first at twice.tf:1 (and 1 more in this file)"
    );
    assert!(!short.contains('│') && !short.contains('\x1b'), "{short}");
    let (code, _, full) = run(p, &["inventory", "--verbose"]);
    assert_eq!(code, 2);
    assert!(full.contains("twice.tf:3:1"), "{full}");
    assert!(full.contains(" 2 │   bucket = "), "{full}");
    assert!(full.contains("odd\\nname.tf:2:12"), "{full}");
    assert!(full.lines().count() > 15, "{full}");
}

/// Runs vouch with standard error (and input) on a terminal, through `script`: what a person
/// watching sees, with standard output to a file.
#[cfg(target_os = "linux")]
fn on_a_terminal(dir: &std::path::Path, args: &str, no_color: bool) -> String {
    let log = tempfile::NamedTempFile::new().unwrap();
    let command = format!(
        "{} {args} '{}' > /dev/null",
        vouch_bin().display(),
        dir.display()
    );
    let mut script = Command::new("script");
    script
        .args(["-qec", &command])
        .arg(log.path())
        .env_remove("NO_COLOR");
    if no_color {
        script.env("NO_COLOR", "1");
    }
    let status = script.output().expect("script(1) runs");
    assert!(status.status.code().is_some());
    String::from_utf8_lossy(&fs::read(log.path()).unwrap()).into_owned()
}

/// A progress bar on standard error when it is a terminal: not with --quiet, not when it is a
/// pipe; its colours (and the summary's) only without NO_COLOR.
#[cfg(target_os = "linux")]
#[test]
fn a_progress_bar_is_shown_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..50 {
        fs::write(
            dir.path().join(format!("q{i}.tf")),
            format!("resource \"aws_sqs_queue\" \"q{i}\" {{}}\n"),
        )
        .unwrap();
    }
    fs::write(dir.path().join("broken.tf"), "resource {\n").unwrap();
    let seen = on_a_terminal(dir.path(), "scan --fail-on none", false);
    assert!(seen.contains("reading files"), "{seen}");
    assert!(seen.contains("/51 "), "{seen}");
    assert!(seen.contains("deciding systems"), "{seen}");
    // Colours: the bar's and the summary's severity.
    assert!(
        seen.contains("\x1b[36m") && seen.contains("\x1b[1;31merror"),
        "{seen}"
    );
    let plain = on_a_terminal(dir.path(), "scan --fail-on none", true);
    assert!(plain.contains("reading files"), "{plain}");
    assert!(
        !plain.contains("\x1b[36m") && !plain.contains("\x1b[1;31m"),
        "{plain}"
    );
    assert!(
        plain.contains("broken.tf:1:12: error[parse-error]"),
        "{plain}"
    );
    let quiet = on_a_terminal(dir.path(), "scan --fail-on none --quiet", false);
    assert!(!quiet.contains("reading files"), "{quiet}");
    assert!(quiet.contains("broken.tf"), "{quiet}");
    // Standard error to a pipe: no bar.
    let (_, _, piped) = run(dir.path(), &["scan", "--fail-on", "none"]);
    assert!(!piped.contains("reading files"), "{piped}");
    assert_eq!(piped.lines().count(), 1, "{piped}");
}
