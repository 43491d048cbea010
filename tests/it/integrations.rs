//! The integration files at the repository root (the GitHub Action, the pre-commit hook) and the
//! workflow the README shows: they parse as YAML (with vouch's own reader), have the shape their
//! runners require, and use only inputs the action declares.

use std::path::Path;
use vouch::syntax::yaml::{self, Node};

fn read(rel: &str) -> (String, Node) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let node = yaml::parse(&text)
        .unwrap_or_else(|e| panic!("{rel}:{}:{}: {}", e.line, e.column, e.message));
    (text, node)
}

fn str_at<'a>(n: &'a Node, keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .try_fold(n, |n, k| n.get(k))
        .and_then(Node::as_str)
}

#[test]
fn the_action_is_a_composite_that_scans_uploads_sarif_and_comments() {
    let (text, action) = read("action.yml");
    assert_eq!(str_at(&action, &["runs", "using"]), Some("composite"));
    let inputs = action.get("inputs").expect("inputs");
    let declared: Vec<&str> = inputs
        .entries()
        .iter()
        .filter_map(|(k, _)| k.as_str())
        .collect();
    for wanted in ["path", "fail-on", "baseline-ref", "sarif-file", "comment"] {
        assert!(declared.contains(&wanted), "input {wanted} in {declared:?}");
    }
    // Every `inputs.X` the steps read is declared (a typo would be an empty string at run time).
    for (i, _) in text.match_indices("inputs.") {
        let name: String = text[i + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        assert!(
            declared.contains(&name.as_str()),
            "inputs.{name} is not declared"
        );
    }
    let steps = action
        .get("runs")
        .and_then(|r| r.get("steps"))
        .expect("steps");
    let uses: Vec<&str> = steps
        .items()
        .iter()
        .filter_map(|s| str_at(s, &["uses"]))
        .collect();
    assert!(
        uses.iter()
            .any(|u| u.starts_with("github/codeql-action/upload-sarif@")),
        "{uses:?}"
    );
    assert!(
        uses.iter().any(|u| u.starts_with("actions/cache@")),
        "{uses:?}"
    );
    let runs: Vec<&str> = steps
        .items()
        .iter()
        .filter_map(|s| str_at(s, &["run"]))
        .collect();
    assert!(
        runs.iter()
            .any(|r| r.contains("cargo install --locked --path")),
        "{runs:?}"
    );
    assert!(runs.iter().any(|r| r.contains("--baseline-ref")
        && r.contains("--sarif")
        && r.contains("--format markdown")));
    // A composite action's `run` steps must name their shell.
    for s in steps.items().iter().filter(|s| s.get("run").is_some()) {
        assert!(str_at(s, &["shell"]).is_some(), "a run step without shell");
    }
}

#[test]
fn the_pre_commit_hook_runs_the_gate_on_the_whole_tree() {
    let (_, hooks) = read(".pre-commit-hooks.yaml");
    let hook = &hooks.items()[0];
    assert_eq!(str_at(hook, &["id"]), Some("vouch"));
    assert_eq!(str_at(hook, &["entry"]), Some("vouch scan --fail-on high"));
    assert_eq!(str_at(hook, &["language"]), Some("rust"));
    assert!(matches!(
        hook.get("pass_filenames").map(|n| &n.value),
        Some(yaml::NodeValue::Bool(false))
    ));
}

#[test]
fn the_readme_workflow_uses_the_action_with_its_inputs() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("### GitHub Action").expect("the section");
    let block = &readme[start..];
    let open = block.find("```yaml\n").unwrap() + 8;
    let close = open + block[open..].find("```").unwrap();
    let workflow = yaml::parse(&block[open..close]).expect("the workflow parses");
    let steps = workflow
        .get("jobs")
        .and_then(|j| j.get("vouch"))
        .and_then(|j| j.get("steps"))
        .expect("steps");
    let step = steps
        .items()
        .iter()
        .find(|s| str_at(s, &["uses"]).is_some_and(|u| u.ends_with("/vouch@main")))
        .expect("a step uses the action");
    let (_, action) = read("action.yml");
    let inputs = action.get("inputs").unwrap();
    for (k, _) in step.get("with").unwrap().entries() {
        let k = k.as_str().unwrap();
        assert!(
            inputs.get(k).is_some(),
            "the README passes an undeclared input {k}"
        );
    }
}
