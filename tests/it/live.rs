//! Reading a live account (`--aws`, `vouch drift`), against servers on loopback only.
//!
//! The failure modes (access denied on one call, an endpoint that does not answer, no
//! credentials) and the promise that nothing connects without `--aws` are tested against a small
//! HTTP server in this file. The end-to-end behaviour (a question settled from the deployed role,
//! drift made by hand) is tested against moto's AWS server, which `scripts/test` installs and
//! starts (`scripts/moto`) and seeds with `tests/live/seed.py`: those tests are `#[ignore]`d
//! under a plain `cargo test` and run by `scripts/test`.

use crate::common::{fixture, vouch_bin};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const PROJECT: &str = "projects/live-account/terraform";

/// A command with credentials and region for the account, and nothing from the machine's own
/// AWS configuration (no profile files, no instance metadata).
fn command(home: &Path) -> Command {
    let mut c = Command::new(vouch_bin());
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            c.env_remove(k);
        }
    }
    c.env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("SOURCE_DATE_EPOCH", "1796515200")
        .env("NO_COLOR", "1");
    c
}

fn with_credentials(c: &mut Command) -> &mut Command {
    c.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "eu-west-1")
}

fn output(c: &mut Command) -> (i32, String, String) {
    let out = c.output().expect("vouch runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// The report of a scan's one system.
fn report(text: &str) -> serde_json::Value {
    let all = json(text);
    assert_eq!(all["systems"].as_array().map(Vec::len), Some(1), "{all:#}");
    all["systems"][0]["report"].clone()
}

/// The questions of a scan report about one resource and assumption.
fn questions_about(report: &serde_json::Value, assumption: &str, resource: &str) -> usize {
    report["questions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| {
            q["assumption"] == assumption
                && q["resources"]
                    .as_array()
                    .is_some_and(|rs| rs.iter().any(|r| r["resource"] == resource))
        })
        .count()
}

// ---------------------------------------------------------------------------------------------
// A stub of the IAM and Lambda APIs.

const ROLE_XML: &str = "<member><Path>/</Path><RoleName>platform-reports</RoleName>\
<RoleId>AROAEXAMPLE1</RoleId><Arn>arn:aws:iam::123456789012:role/platform-reports</Arn>\
<CreateDate>2026-01-01T00:00:00Z</CreateDate>\
<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D</AssumeRolePolicyDocument>\
<InstanceProfileList/><RolePolicyList><member><PolicyName>admin</PolicyName>\
<PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D</PolicyDocument>\
</member></RolePolicyList><AttachedManagedPolicies/></member>";

/// What the stub answers to one request; `throttle` counts down the role reads still to be
/// refused as throttled.
fn respond(request: &str, deny: &str, throttle: &AtomicUsize) -> (u16, &'static str, String) {
    if request.contains("Filter.member.1=Role")
        && throttle
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    {
        return (
            400,
            "text/xml",
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>\
<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>\
<RequestId>3</RequestId></ErrorResponse>"
                .into(),
        );
    }
    if request.starts_with("GET /2015-03-31/functions") {
        return (200, "application/json", r#"{"Functions":[]}"#.into());
    }
    if request.contains("Action=GetAccountAuthorizationDetails") {
        if !deny.is_empty() && request.contains(&format!("Filter.member.1={deny}")) {
            return (
                403,
                "text/xml",
                "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>\
<Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/auditor \
is not authorized to perform: iam:GetAccountAuthorizationDetails</Message></Error>\
<RequestId>2</RequestId></ErrorResponse>"
                    .into(),
            );
        }
        let roles = if request.contains("Filter.member.1=Role") {
            ROLE_XML
        } else {
            ""
        };
        return (
            200,
            "text/xml",
            format!(
                "<GetAccountAuthorizationDetailsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
<GetAccountAuthorizationDetailsResult><IsTruncated>false</IsTruncated>\
<RoleDetailList>{roles}</RoleDetailList><UserDetailList/><GroupDetailList/><Policies/>\
</GetAccountAuthorizationDetailsResult><ResponseMetadata><RequestId>1</RequestId>\
</ResponseMetadata></GetAccountAuthorizationDetailsResponse>"
            ),
        );
    }
    (404, "text/plain", "not found".into())
}

/// Reads one HTTP request (headers and a `Content-Length` body).
fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).ok()?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(String::from_utf8_lossy(&buf).to_string());
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Starts the stub on a free loopback port: its URL and the count of connections it took.
fn stub(deny: &'static str) -> (String, Arc<AtomicUsize>) {
    stub_throttling(deny, 0)
}

/// [`stub`], refusing the first `throttle` role reads as throttled.
fn stub_throttling(deny: &'static str, throttle: usize) -> (String, Arc<AtomicUsize>) {
    let throttle = Arc::new(AtomicUsize::new(throttle));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            let throttle = throttle.clone();
            std::thread::spawn(move || {
                while let Some(request) = read_request(&mut stream) {
                    let (status, kind, body) = respond(&request, deny, &throttle);
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: {kind}\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    );
                    if stream.write_all(head.as_bytes()).is_err()
                        || stream.write_all(body.as_bytes()).is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (url, count)
}

#[test]
fn nothing_connects_without_aws() {
    let home = tempfile::tempdir().unwrap();
    let (url, connections) = stub("");
    // Even told where the AWS endpoint is, a scan without --aws opens no connection.
    let mut c = command(home.path());
    with_credentials(&mut c)
        .env("AWS_ENDPOINT_URL", &url)
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .arg(fixture(PROJECT));
    let (code, stdout, stderr) = output(&mut c);
    assert_eq!(code, 0, "{stderr}");
    assert!(report(&stdout).get("account").is_none());
    assert_eq!(connections.load(Ordering::SeqCst), 0);
    // The same with --aws does connect: the count above could have failed.
    let mut c = command(home.path());
    with_credentials(&mut c)
        .env("AWS_ENDPOINT_URL", &url)
        .args(["scan", "--aws", "--format", "json", "--fail-on", "none"])
        .arg(fixture(PROJECT));
    let (_, stdout, stderr) = output(&mut c);
    assert!(connections.load(Ordering::SeqCst) > 0, "{stderr}");
    assert_eq!(report(&stdout)["account"]["account"], "123456789012");
}

#[test]
fn access_denied_on_one_call_is_said_and_the_rest_is_used() {
    let home = tempfile::tempdir().unwrap();
    let (url, _) = stub("User");
    let mut c = command(home.path());
    with_credentials(&mut c)
        .args(["scan", "--aws", "--format", "json", "--fail-on", "none"])
        .args(["--endpoint-url", &url])
        .arg(fixture(PROJECT));
    let (code, stdout, stderr) = output(&mut c);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("iam:GetAccountAuthorizationDetails (Filter=User): AccessDenied"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the account's users were not read"),
        "{stderr}"
    );
    let report = report(&stdout);
    let account = &report["account"];
    assert_eq!(account["failures"].as_array().unwrap().len(), 1);
    // The roles were read: the reports function's role (named by the code, made elsewhere) is
    // decided from its deployed policy, which grants everything.
    let settled = account["settled"].as_array().unwrap();
    assert!(
        settled
            .iter()
            .any(|s| s["compute"] == "aws_lambda_function.reports"
                && s["role_arn"] == "arn:aws:iam::123456789012:role/platform-reports"),
        "{account:#}"
    );
    assert_eq!(
        questions_about(
            &report,
            "iam.compute.least-privilege",
            "aws_lambda_function.reports"
        ),
        0
    );
    let least = crate::common::assumption(&report, "iam.compute.least-privilege");
    let from_account: Vec<&serde_json::Value> = least["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["arn"] == "arn:aws:iam::123456789012:role/platform-reports"
                && e["time"] == "2026-12-06T00:00:00Z"
        })
        .collect();
    assert!(!from_account.is_empty(), "{least:#}");
    assert!(
        from_account.iter().any(|e| e["outcome"] == "fail"),
        "{least:#}"
    );
}

#[test]
fn each_system_gets_the_account_roles_its_own_compute_runs_as() {
    let home = tempfile::tempdir().unwrap();
    let tree = tempfile::tempdir().unwrap();
    for (dir, main) in [
        (
            "orders",
            std::fs::read_to_string(fixture(PROJECT).join("main.tf")).unwrap(),
        ),
        (
            "archive",
            "resource \"aws_s3_bucket\" \"archive\" {\n  bucket = \"archive\"\n}\n".to_string(),
        ),
    ] {
        std::fs::create_dir_all(tree.path().join(dir)).unwrap();
        std::fs::write(tree.path().join(dir).join("main.tf"), main).unwrap();
        std::fs::write(
            tree.path().join(dir).join("README.md"),
            format!("# {dir}\n"),
        )
        .unwrap();
    }
    let (url, _) = stub("");
    let mut c = command(home.path());
    with_credentials(&mut c)
        .args(["scan", "--aws", "--format", "json", "--fail-on", "none"])
        .args(["--endpoint-url", &url])
        .arg(tree.path());
    let (_, stdout, stderr) = output(&mut c);
    let all = json(&stdout);
    let systems = all["systems"].as_array().expect("systems");
    assert_eq!(systems.len(), 2, "{stderr}\n{all:#}");
    let of = |name: &str| {
        systems
            .iter()
            .find(|s| s["path"] == name)
            .unwrap_or_else(|| panic!("no system {name}: {all:#}"))["report"]
            .clone()
    };
    let mentions_account_role = |r: &serde_json::Value| {
        r["assumptions"].as_array().unwrap().iter().any(|a| {
            a["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["arn"] == "arn:aws:iam::123456789012:role/platform-reports")
        })
    };
    let orders = of("orders");
    assert_eq!(
        questions_about(
            &orders,
            "iam.compute.least-privilege",
            "aws_lambda_function.reports"
        ),
        0,
        "{orders:#}"
    );
    assert!(mentions_account_role(&orders));
    assert!(!mentions_account_role(&of("archive")));
}

#[test]
fn sarif_shows_account_findings_at_a_file_and_names_the_account() {
    let home = tempfile::tempdir().unwrap();
    let (url, _) = stub("");
    let mut c = command(home.path());
    with_credentials(&mut c)
        .args(["scan", "--aws", "--format", "sarif", "--fail-on", "none"])
        .args(["--endpoint-url", &url])
        .arg(fixture(PROJECT));
    let (_, stdout, stderr) = output(&mut c);
    let log = json(&stdout);
    let results = log["runs"][0]["results"].as_array().expect("results");
    // Code scanning refuses a result without a file: a finding about a role read from the
    // account is shown at a file of the unit, and says where the role was read.
    assert!(
        results
            .iter()
            .all(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string()),
        "{stderr}\n{log:#}"
    );
    assert!(results
        .iter()
        .any(|r| r["message"]["text"].as_str().unwrap().contains(
            "deployed in the live account: arn:aws:iam::123456789012:role/platform-reports"
        )));
}

#[test]
fn throttling_is_retried_with_backoff() {
    let home = tempfile::tempdir().unwrap();
    let (url, _) = stub_throttling("", 2);
    let mut c = command(home.path());
    with_credentials(&mut c)
        .args(["scan", "--aws", "--format", "json", "--fail-on", "none"])
        .args(["--endpoint-url", &url])
        .arg(fixture(PROJECT));
    let (code, stdout, stderr) = output(&mut c);
    assert_eq!(code, 0, "{stderr}");
    let account = &report(&stdout)["account"];
    assert_eq!(
        account["failures"].as_array().unwrap().len(),
        0,
        "{account:#}"
    );
    assert_eq!(
        account["settled"].as_array().unwrap().len(),
        1,
        "{account:#}"
    );
}

#[test]
fn an_endpoint_that_does_not_answer_is_said_and_the_scan_goes_on() {
    let home = tempfile::tempdir().unwrap();
    let url = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let mut c = command(home.path());
    with_credentials(&mut c)
        .args(["scan", "--aws", "--format", "json", "--fail-on", "none"])
        .args(["--endpoint-url", &url])
        .arg(fixture(PROJECT));
    let (code, stdout, stderr) = output(&mut c);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("could not reach the endpoint"), "{stderr}");
    let report = report(&stdout);
    assert_eq!(report["account"]["failures"].as_array().unwrap().len(), 5);
    // Nothing was settled: the question stays.
    assert_eq!(
        questions_about(
            &report,
            "iam.compute.least-privilege",
            "aws_lambda_function.orders_api"
        ),
        1
    );
}

#[test]
fn missing_credentials_are_said_plainly() {
    let home = tempfile::tempdir().unwrap();
    let (url, _) = stub("");
    let mut c = command(home.path());
    c.env("AWS_REGION", "eu-west-1")
        .args(["scan", "--aws", "--format", "json", "--fail-on", "none"])
        .args(["--endpoint-url", &url])
        .arg(fixture(PROJECT));
    let (code, stdout, stderr) = output(&mut c);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("no AWS credentials were found"), "{stderr}");
    assert!(
        report(&stdout)["account"]["failures"]
            .as_array()
            .unwrap()
            .len()
            >= 4
    );
    // drift with nothing read is an error, not a clean bill.
    let mut c = command(home.path());
    c.env("AWS_REGION", "eu-west-1")
        .args(["drift", "--endpoint-url", &url])
        .arg(fixture(PROJECT));
    let (code, stdout, _) = output(&mut c);
    assert_eq!(code, 2, "{stdout}");
}

// ---------------------------------------------------------------------------------------------
// Against moto's AWS server (scripts/test starts it).

mod moto {
    use super::*;

    /// The server's endpoint, after seeding it with tests/live/seed.py.
    fn seeded() -> String {
        let endpoint = std::env::var("VOUCH_MOTO_ENDPOINT")
            .expect("VOUCH_MOTO_ENDPOINT: run these tests with scripts/test, which starts moto");
        let python = std::env::var("VOUCH_MOTO_PYTHON").expect("VOUCH_MOTO_PYTHON");
        let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live/seed.py");
        let out = Command::new(python)
            .arg(seed)
            .arg(&endpoint)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "seeding failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        endpoint
    }

    #[test]
    #[ignore = "needs moto's server: run by scripts/test"]
    fn the_variable_role_question_is_settled_from_the_deployed_role() {
        let endpoint = seeded();
        let home = tempfile::tempdir().unwrap();
        let scan = |aws: bool| {
            let mut c = command(home.path());
            with_credentials(&mut c).args(["scan", "--format", "json", "--fail-on", "none"]);
            if aws {
                c.args(["--aws", "--endpoint-url", &endpoint]);
            }
            c.arg(fixture(PROJECT));
            let (code, stdout, stderr) = output(&mut c);
            assert_eq!(code, 0, "{stderr}");
            report(&stdout)
        };
        let without = scan(false);
        assert_eq!(
            questions_about(
                &without,
                "iam.compute.least-privilege",
                "aws_lambda_function.orders_api"
            ),
            1
        );
        let with = scan(true);
        assert_eq!(
            questions_about(
                &with,
                "iam.compute.least-privilege",
                "aws_lambda_function.orders_api"
            ),
            0,
            "{:#}",
            with["account"]
        );
        let settled = with["account"]["settled"].as_array().unwrap();
        assert!(settled
            .iter()
            .any(|s| s["compute"] == "aws_lambda_function.orders_api"
                && s["role_arn"] == "arn:aws:iam::123456789012:role/platform-orders-api"
                && s["how"]
                    .as_str()
                    .unwrap()
                    .contains("deployed function orders-api")));
        // dynamodb:* on * is not least privilege: decided from the account, with the deployed
        // role as evidence.
        let least = crate::common::assumption(&with, "iam.compute.least-privilege");
        assert_eq!(least["status"], "invalid");
        assert!(
            least["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(
                    |e| e["arn"] == "arn:aws:iam::123456789012:role/platform-orders-api"
                        && e["outcome"] == "fail"
                        && e["api_call"] == "iam:GetAccountAuthorizationDetails"
                ),
            "{least:#}"
        );
    }

    #[test]
    #[ignore = "needs moto's server: run by scripts/test"]
    fn drift_finds_what_was_changed_by_hand() {
        let endpoint = seeded();
        let home = tempfile::tempdir().unwrap();
        let mut c = command(home.path());
        with_credentials(&mut c)
            .args(["drift", "--format", "json", "--endpoint-url", &endpoint])
            .arg(fixture(PROJECT));
        let (code, stdout, stderr) = output(&mut c);
        assert_eq!(code, 1, "{stderr}\n{stdout}");
        let d = json(&stdout);
        let diffs = d["differences"].as_array().unwrap();
        let has = |kind: &str, subject: &str, detail: &str| {
            diffs.iter().any(|x| {
                x["kind"] == kind
                    && x["subject"] == subject
                    && x["detail"].as_str().unwrap().contains(detail)
            })
        };
        let role = |n: &str| format!("arn:aws:iam::123456789012:role/{n}");
        assert!(
            has("statement_added", &role("orders-worker"), "s3:*"),
            "{d:#}"
        );
        assert!(
            has("trust_differs", &role("orders-ingest"), "ec2.amazonaws.com"),
            "{d:#}"
        );
        assert!(
            has("undeclared_role", &role("orders-debug"), "orders-"),
            "{d:#}"
        );
        // What was not changed is not reported.
        assert!(
            !diffs.iter().any(|x| x["kind"] == "statement_removed"),
            "{d:#}"
        );
        assert!(
            !diffs
                .iter()
                .any(|x| x["subject"] == role("platform-reports")),
            "{d:#}"
        );
        assert_eq!(d["matched"].as_array().unwrap().len(), 2, "{d:#}");
        // The same drift as SARIF, for code scanning: one result per difference, each at a file.
        let mut c = command(home.path());
        with_credentials(&mut c)
            .args(["drift", "--format", "sarif", "--endpoint-url", &endpoint])
            .arg(fixture(PROJECT));
        let (code, stdout, stderr) = output(&mut c);
        assert_eq!(code, 1, "{stderr}");
        let log = json(&stdout);
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), diffs.len());
        let rules: Vec<&str> = results
            .iter()
            .map(|r| r["ruleId"].as_str().unwrap())
            .collect();
        for rule in [
            "drift.statement_added",
            "drift.trust_differs",
            "drift.undeclared_role",
        ] {
            assert!(rules.contains(&rule), "{rules:?}");
        }
        assert!(results.iter().all(
            |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .is_some_and(|u| u.ends_with("main.tf"))
        ));
    }
}
