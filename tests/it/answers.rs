//! The answers file: reading, appending open questions, recording answers, the clarify loop.

use std::fs;
use std::path::{Path, PathBuf};
use vouch::answers::{self, Answer, Pending, Target};
use vouch::diagnostics::{Diagnostic, Severity};

fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("answers.yaml");
    fs::write(&path, text).unwrap();
    path
}

fn read_text(text: &str) -> (Vec<Answer>, Vec<Diagnostic>) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, text);
    let (a, d) = answers::read(&path, ".vouch/answers.yaml");
    assert_eq!(a.path, ".vouch/answers.yaml");
    (a.entries, d)
}

fn pending(n: u32) -> Pending {
    Pending {
        question: format!("q-{n:012x}"),
        assumption: "iam.compute.least-privilege".into(),
        text: "Is the role passed in var.worker_role_arn scoped to specific table ARNs?".into(),
        resources: vec!["terraform/functions.tf:40 aws_lambda_function.worker".into()],
        reason: "the role ARN comes from a variable with no default".into(),
    }
}

fn open_entry(p: &Pending) -> Answer {
    Answer {
        target: Target::Question(p.question.clone()),
        assumption: Some(p.assumption.clone()),
        holds: None,
        detail: None,
        by: None,
        date: None,
        line: 0,
    }
}

/// Entries without their lines, for comparisons across edits.
fn unlined(entries: &[Answer]) -> Vec<Answer> {
    entries
        .iter()
        .map(|e| Answer {
            line: 0,
            ..e.clone()
        })
        .collect()
}

/// The entries of a file that has no errors (warnings, e.g. about other top-level keys, are fine).
fn read_clean(path: &Path) -> Vec<Answer> {
    let (a, d) = answers::read(path, "answers.yaml");
    assert!(
        d.iter().all(|d| d.severity == Severity::Warning),
        "unexpected errors: {d:#?}"
    );
    a.entries
}

/// The new text is the old one with whole lines inserted at one place: returns those lines.
fn inserted(old: &str, new: &str) -> String {
    let common = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let at = old[..common].rfind('\n').map_or(0, |i| i + 1);
    let rest = &old[at..];
    assert!(
        new.len() >= old.len() && new[at..].ends_with(rest),
        "the original text is not kept around one insertion:\n--- old\n{old}\n--- new\n{new}"
    );
    new[at..new.len() - rest.len()].to_string()
}

/// Every line of `old` is in `new`, in order.
fn lines_kept(old: &str, new: &str) {
    let mut new_lines = new.lines();
    for line in old.lines() {
        assert!(
            new_lines.any(|l| l == line),
            "line {line:?} is lost or out of order in:\n{new}"
        );
    }
}

fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "answers.yaml")
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reading

const GOOD: &str = "\
# Answers for the payments platform.
answers:
  - assumption: log.audit-trail        # or  question: <question id>
    holds: true
    detail: \"Organization-wide CloudTrail in the security account, log file validation on.\"
    by: \"platform team\"
    date: 2026-11-20

  # the worker role
  - question: q-3f9a1c0b7d2e
    assumption: iam.compute.least-privilege
    holds: false
    detail: 'scoped to the table, but \"dynamodb:*\"'
  - question: q-000000000001
    holds:            # true or false
    detail: \"\"
  - assumption: net.compute.in-vpc
    detail: |
      Multi-line
      detail.
    holds: True
";

#[test]
fn reads_a_good_file() {
    let (entries, diagnostics) = read_text(GOOD);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    assert_eq!(
        entries,
        vec![
            Answer {
                target: Target::Assumption("log.audit-trail".into()),
                assumption: Some("log.audit-trail".into()),
                holds: Some(true),
                detail: Some(
                    "Organization-wide CloudTrail in the security account, log file validation on."
                        .into()
                ),
                by: Some("platform team".into()),
                date: Some("2026-11-20".into()),
                line: 3,
            },
            Answer {
                target: Target::Question("q-3f9a1c0b7d2e".into()),
                assumption: Some("iam.compute.least-privilege".into()),
                holds: Some(false),
                detail: Some("scoped to the table, but \"dynamodb:*\"".into()),
                by: None,
                date: None,
                line: 10,
            },
            Answer {
                target: Target::Question("q-000000000001".into()),
                assumption: None,
                holds: None,
                detail: None,
                by: None,
                date: None,
                line: 14,
            },
            Answer {
                target: Target::Assumption("net.compute.in-vpc".into()),
                assumption: Some("net.compute.in-vpc".into()),
                holds: Some(true),
                detail: Some("Multi-line\ndetail.\n".into()),
                by: None,
                date: None,
                line: 17,
            },
        ]
    );
}

#[test]
fn answers_serialize_for_reports() {
    let (entries, _) = read_text(GOOD);
    let json = serde_json::to_value(&entries[1]).unwrap();
    assert_eq!(json["target"]["question"], "q-3f9a1c0b7d2e");
    assert_eq!(json["holds"], false);
}

#[test]
fn empty_and_missing_files_are_empty_sets() {
    let dir = tempfile::tempdir().unwrap();
    let (a, d) = answers::read(&dir.path().join("nope/answers.yaml"), "x");
    assert!(a.entries.is_empty() && d.is_empty());
    for text in [
        "",
        "# only a comment\n",
        "answers:\n",
        "answers: []\n",
        "answers: ~\n",
    ] {
        let (entries, d) = read_text(text);
        assert!(entries.is_empty() && d.is_empty(), "{text:?}: {d:?}");
    }
}

/// A good entry, kept whatever else is wrong in the file.
const KEEP: &str = "answers:\n  - assumption: log.audit-trail\n    holds: true\n";

#[test]
fn malformed_entries_are_located_and_the_good_ones_kept() {
    // (entry text appended after KEEP, line, column, words of the message, words of the hint)
    let cases: &[(&str, u32, u32, &str, &str)] = &[
        (
            "  - holds: true\n    detail: x\n",
            4,
            5,
            "names neither",
            "question: ID",
        ),
        (
            "  - question: q-1\n    holds: maybe\n",
            5,
            12,
            "`holds` must be true or false, not `maybe`",
            "without quotes",
        ),
        (
            "  - question: q-1\n    holds: \"true\"\n",
            5,
            12,
            "not `\"true\"`",
            "without quotes",
        ),
        (
            "  - question: q-1\n    holds: yes\n",
            5,
            12,
            "not `yes`",
            "true",
        ),
        (
            "  - question: q-1\n    holds: [true]\n",
            5,
            12,
            "true or false",
            "true",
        ),
        (
            "  - question: q-1\n    hold: true\n",
            5,
            5,
            "unknown key `hold`",
            "did you mean `holds`",
        ),
        (
            "  - question: q-1\n    reviewer: me\n",
            5,
            5,
            "unknown key `reviewer`",
            "may have",
        ),
        (
            "  - question: q-1\n    holds: true\n    holds: false\n",
            6,
            5,
            "`holds` is given twice",
            "keep one",
        ),
        (
            "  - question:\n    holds: true\n",
            4,
            5,
            "`question` needs an id",
            "q-3f9a1c0b7d2e",
        ),
        (
            "  - question: \"\"\n    holds: true\n",
            4,
            15,
            "`question` needs an id",
            "question id",
        ),
        (
            "  - assumption: [a, b]\n    holds: true\n",
            4,
            17,
            "`assumption` needs an id",
            "assumption id",
        ),
        (
            "  - question: q-1\n    date: 2026-13-01\n",
            5,
            11,
            "YYYY-MM-DD, not `2026-13-01`",
            "2026-11-20",
        ),
        (
            "  - question: q-1\n    date: 20/11/2026\n",
            5,
            11,
            "YYYY-MM-DD",
            "date:",
        ),
        (
            "  - question: q-1\n    detail: {a: b}\n",
            5,
            13,
            "`detail` must be text",
            "quote",
        ),
        (
            "  - question: q-1\n    by: [x]\n",
            5,
            9,
            "`by` must be text",
            "quote",
        ),
        (
            "  - just a string\n",
            4,
            5,
            "must be a mapping",
            "question: ID",
        ),
        (
            "  - [question, q-1]\n",
            4,
            5,
            "must be a mapping",
            "question: ID",
        ),
        (
            "  - é: 1\n    question: q-1\n",
            4,
            5,
            "unknown key `é`",
            "may have",
        ),
    ];
    for (entry, line, column, message, hint) in cases {
        let text = format!("{KEEP}{entry}");
        let (entries, diagnostics) = read_text(&text);
        assert_eq!(diagnostics.len(), 1, "{text}\n{diagnostics:#?}");
        let d = &diagnostics[0];
        assert_eq!(
            (d.line, d.column, d.code, d.severity),
            (*line, *column, "answers-error", Severity::Error),
            "{text}\n{d:#?}"
        );
        assert!(d.message.contains(message), "{text}\n{d:#?}");
        assert!(d.hint.contains(hint), "{text}\n{d:#?}");
        assert_eq!(d.path, ".vouch/answers.yaml");
        let (l, c) = (d.line as usize, d.column as usize);
        let offset = text
            .split_inclusive('\n')
            .take(l - 1)
            .map(str::len)
            .sum::<usize>()
            + text
                .lines()
                .nth(l - 1)
                .unwrap()
                .chars()
                .take(c - 1)
                .map(char::len_utf8)
                .sum::<usize>();
        assert_eq!(d.offset as usize, offset, "{text}");
        assert_eq!(entries.len(), 1, "{text}");
        assert_eq!(
            entries[0].target,
            Target::Assumption("log.audit-trail".into())
        );
    }
}

#[test]
fn malformed_files_are_located() {
    // (text, line, column, words of the message)
    let cases: &[(&str, u32, u32, &str)] = &[
        (
            "answers:\n  - question: q-1\n   holds: true\n",
            3,
            4,
            "not valid YAML",
        ),
        ("answers:\n  - question: \"q-1\n", 2, 15, "not valid YAML"),
        (
            "- question: q-1\n",
            1,
            1,
            "must be a mapping with an `answers:` list",
        ),
        ("answers: yes\n", 1, 10, "`answers` must be a list"),
        (
            "answers:\n  question: q-1\n",
            2,
            3,
            "`answers` must be a list",
        ),
        ("just text\n", 1, 1, "must be a mapping"),
    ];
    for (text, line, column, message) in cases {
        let (entries, diagnostics) = read_text(text);
        assert!(entries.is_empty());
        assert_eq!(diagnostics.len(), 1, "{text}\n{diagnostics:#?}");
        let d = &diagnostics[0];
        assert_eq!((d.line, d.column), (*line, *column), "{text}\n{d:#?}");
        assert!(d.message.contains(message), "{text}\n{d:#?}");
        assert!(!d.hint.is_empty());
        assert_eq!(d.code, "answers-error");
    }
}

#[test]
fn question_and_assumption_together_name_the_question() {
    let (entries, d) =
        read_text("answers:\n  - assumption: a.b\n    question: q-1\n    holds: false\n");
    assert!(d.is_empty());
    assert_eq!(entries[0].target, Target::Question("q-1".into()));
    assert_eq!(entries[0].assumption.as_deref(), Some("a.b"));
}

#[test]
fn contradicting_entries_are_both_left_out() {
    let text = "answers:\n  - assumption: a\n    holds: true\n  - question: q-1\n    holds: true\n  - assumption: a\n    holds: false\n";
    let (entries, d) = read_text(text);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].target, Target::Question("q-1".into()));
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].line, d[0].column, d[0].severity),
        (6, 3, Severity::Error)
    );
    assert!(
        d[0].message.contains("contradicts the one at line 2"),
        "{d:?}"
    );
}

#[test]
fn repeated_entries_keep_the_answered_one_with_a_warning() {
    let text = "answers:\n  - question: q-1\n    holds:\n  - question: q-1\n    holds: true\n    detail: yes\n  - question: q-1\n    holds: true\n";
    let (entries, d) = read_text(text);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].line, 4);
    assert_eq!(entries[0].holds, Some(true));
    assert_eq!(d.len(), 2, "{d:#?}");
    assert!(d.iter().all(|d| d.severity == Severity::Warning));
    assert_eq!((d[0].line, d[1].line), (2, 7));
}

#[test]
fn unknown_top_level_keys_are_warnings() {
    let text = format!("version: 1\n{KEEP}notes: x\n");
    let (entries, d) = read_text(&text);
    assert_eq!(entries.len(), 1);
    assert_eq!(d.len(), 2);
    assert!(d.iter().all(|d| d.severity == Severity::Warning));
    assert_eq!((d[0].line, d[0].column), (1, 1));
    assert!(d[0].message.contains("`version`"));
    assert_eq!(d[1].line, 5);
}

#[test]
fn a_second_answers_key_is_an_error() {
    let text = format!("{KEEP}answers:\n  - assumption: b\n    holds: true\n");
    let (entries, d) = read_text(&text);
    assert_eq!(entries.len(), 1);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].line, d[0].column), (4, 1));
    assert!(d[0].message.contains("twice"));
}

#[test]
fn invalid_utf8_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answers.yaml");
    fs::write(&path, b"answers:\n  - assumption: \xff\n").unwrap();
    let (a, d) = answers::read(&path, "a.yaml");
    assert!(a.entries.is_empty());
    assert_eq!((d[0].line, d[0].column, d[0].offset), (2, 17, 25));
    assert!(d[0].message.contains("UTF-8"));
}

#[test]
fn hostile_files_give_a_diagnostic_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answers.yaml");
    // Deep nesting.
    for text in [
        format!("answers: {}", "[".repeat(100_000)),
        format!("answers:\n  - question: {}", "{a: ".repeat(10_000)),
        format!("answers:\n{}", "- ".repeat(50_000)),
    ] {
        fs::write(&path, &text).unwrap();
        let (a, d) = answers::read(&path, "a.yaml");
        assert!(a.entries.is_empty());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].severity, Severity::Error);
        assert!(d[0].line >= 1);
    }
    // Aliases that expand without end.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 0..12 {
        let prev = if i == 0 {
            "a".into()
        } else {
            format!("l{}", i - 1)
        };
        bomb.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    bomb.push_str("answers: *l11\n");
    fs::write(&path, &bomb).unwrap();
    let (_, d) = answers::read(&path, "a.yaml");
    assert_eq!(d.len(), 1);
    assert!(d[0].message.contains("aliases"), "{d:?}");
    // Over the size limit.
    let mut huge = String::from("answers:\n");
    let entry =
        "  - question: q-000000000000\n    holds: true\n    detail: \"padding padding padding\"\n";
    while huge.len() as u64 <= answers::MAX_SIZE {
        huge.push_str(entry);
    }
    fs::write(&path, &huge).unwrap();
    let (a, d) = answers::read(&path, "a.yaml");
    assert!(a.entries.is_empty());
    assert_eq!(d.len(), 1);
    assert!(d[0].message.contains("size limit"));
    // A directory.
    let (_, d) = answers::read(dir.path(), "a.yaml");
    assert_eq!(d.len(), 1);
    assert!(d[0].message.contains("cannot read"));
    // Many entries under the limit: read, and repeated ids warned about without a blow-up.
    let many: String = std::iter::once("answers:\n".to_string())
        .chain((0..20_000).map(|i| format!("  - question: q-{}\n    holds: true\n", i % 100)))
        .collect();
    fs::write(&path, &many).unwrap();
    let (a, d) = answers::read(&path, "a.yaml");
    assert_eq!(a.entries.len(), 100);
    assert_eq!(d.len(), 19_900);
}

#[cfg(unix)]
#[test]
fn special_files_are_read_within_the_limit() {
    let (a, d) = answers::read(Path::new("/dev/zero"), "zero");
    assert!(a.entries.is_empty());
    assert_eq!(d.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Appending open questions

const ODD: &str = "\
# Our answers. Don't reformat me!
answers:   # the list
  - assumption: 'log.audit-trail'     # single-quoted
    holds: true
    detail: \"it's \\\"quoted\\\" \\u00e9\"
    by: >-
      the platform
      team

  - {question: q-abc, holds: false, detail: 'flow # not a comment'}
  - assumption: tls.edge-min-1-2
    detail: |
      Literal

    holds: false
    # a comment at the end of the entry

# a comment between keys
settings:
  colour: blue
";

#[test]
fn appending_keeps_every_byte_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, ODD);
    let before = read_clean(&path);
    assert_eq!(before.len(), 3);
    let new = [pending(1), pending(2)];
    assert_eq!(answers::append_pending(&path, &new).unwrap(), 2);
    let text = fs::read_to_string(&path).unwrap();
    lines_kept(ODD, &text);
    let added = inserted(ODD, &text);
    assert_eq!(
        added,
        "  # iam.compute.least-privilege: Is the role passed in var.worker_role_arn scoped to specific table ARNs?
  # why open: the role ARN comes from a variable with no default
  # resources: terraform/functions.tf:40 aws_lambda_function.worker
  - question: q-000000000001
    assumption: iam.compute.least-privilege
    holds:            # true or false
    detail: \"\"
  # iam.compute.least-privilege: Is the role passed in var.worker_role_arn scoped to specific table ARNs?
  # why open: the role ARN comes from a variable with no default
  # resources: terraform/functions.tf:40 aws_lambda_function.worker
  - question: q-000000000002
    assumption: iam.compute.least-privilege
    holds:            # true or false
    detail: \"\"
"
    );
    // Inserted right after the last entry's last line, before the comment at the end of the list.
    assert!(text.contains("    holds: false\n  # iam.compute"));
    let after = read_clean(&path);
    let mut expected = unlined(&before);
    expected.extend(new.iter().map(open_entry));
    assert_eq!(unlined(&after), expected);
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn appending_twice_adds_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, ODD);
    let list = [pending(1), pending(2), pending(1)];
    assert_eq!(answers::append_pending(&path, &list).unwrap(), 2);
    let once = fs::read(&path).unwrap();
    assert_eq!(answers::append_pending(&path, &list).unwrap(), 0);
    assert_eq!(fs::read(&path).unwrap(), once);
    // Also when the user answered one of them meanwhile, or broke its entry.
    let edited = String::from_utf8(once)
        .unwrap()
        .replacen("holds:            # true or false", "holds: true", 1)
        .replacen("holds:            # true or false", "holds: perhaps", 1);
    fs::write(&path, &edited).unwrap();
    assert_eq!(answers::append_pending(&path, &list).unwrap(), 0);
    assert_eq!(answers::append_pending(&path, &[pending(3)]).unwrap(), 1);
    // q-abc was in the file already.
    assert_eq!(
        fs::read_to_string(&path)
            .unwrap()
            .matches("question: q-")
            .count(),
        4
    );
}

#[test]
fn appending_creates_the_file_and_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".vouch/answers.yaml");
    assert_eq!(answers::append_pending(&path, &[]).unwrap(), 0);
    assert!(!path.exists(), "nothing to add: nothing written");
    assert_eq!(answers::append_pending(&path, &[pending(1)]).unwrap(), 1);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# "), "{text}");
    assert!(text.contains("\nanswers:\n  # iam.compute.least-privilege: Is the role"));
    assert_eq!(unlined(&read_clean(&path)), vec![open_entry(&pending(1))]);
    assert_eq!(leftovers(&dir.path().join(".vouch")), Vec::<String>::new());
}

#[test]
fn appending_to_other_shapes() {
    // (file, the text expected around the first new entry)
    let cases: &[(&str, &str)] = &[
        ("answers: []\n", "answers:\n  # iam"),
        ("answers: []   # none yet\nother: 1\n", "answers:    # none yet\n  # iam"),
        ("answers: [ ]\n", "answers:\n  # iam"),
        ("answers: [\n  ]\n", "answers:\n  # iam"),
        ("answers: ~\n", "answers:\n  # iam"),
        ("answers: null # later\n", "answers:  # later\n  # iam"),
        ("answers:\n", "answers:\n  # iam"),
        ("answers:\n# nothing yet\nlater: true\n", "answers:\n  # iam"),
        ("", "answers:\n  # iam"),
        ("# just a comment", "# just a comment\nanswers:\n  # iam"),
        ("other: 1\n", "other: 1\nanswers:\n  # iam"),
        ("other:\n  nested: 1\n# trailing\n", "  nested: 1\nanswers:\n  # iam"),
        (
            "answers:\n  - assumption: a\n    holds: true\nother:\n  - x\n",
            "    holds: true\n  # iam",
        ),
        (
            "answers:\n- assumption: a\n  holds: true\nother: 1\n",
            "  holds: true\n# iam.compute.least-privilege: Is the role passed in var.worker_role_arn scoped to specific table ARNs?\n# why open: the role ARN comes from a variable with no default\n# resources: terraform/functions.tf:40 aws_lambda_function.worker\n- question: q-000000000001\n  assumption: iam",
        ),
        (
            "answers:\n    -   assumption: a\n        holds: true\n",
            "        holds: true\n    # iam.compute.least-privilege: Is the role passed in var.worker_role_arn scoped to specific table ARNs?\n    # why open: the role ARN comes from a variable with no default\n    # resources: terraform/functions.tf:40 aws_lambda_function.worker\n    -   question: q-000000000001\n        assumption: iam",
        ),
        ("answers:\n  - assumption: a\n    holds: true", "holds: true\n  # iam"),
        (
            "answers:\n  - assumption: a\n    detail: |+\n      kept\n\n",
            "      kept\n\n  # iam",
        ),
        (
            "answers: [{assumption: a, holds: true}]\n",
            "answers: [{assumption: a, holds: true},\n  # iam.compute.least-privilege: Is the role passed in var.worker_role_arn scoped to specific table ARNs?\n  # why open: the role ARN comes from a variable with no default\n  # resources: terraform/functions.tf:40 aws_lambda_function.worker\n  {question: q-000000000001, assumption: iam.compute.least-privilege, holds: null, detail: \"\"},\n  # iam",
        ),
        (
            "answers: [\n  {assumption: a, holds: true},  # one\n]\n",
            "  {assumption: a, holds: true},  # one\n  # iam.compute.least-privilege: Is the role passed in var.worker_role_arn scoped to specific table ARNs?\n  # why open: the role ARN comes from a variable with no default\n  # resources: terraform/functions.tf:40 aws_lambda_function.worker\n  {question: q-000000000001, assumption: iam.compute.least-privilege, holds: null, detail: \"\"},\n  # iam",
        ),
        (
            "answers: [\n  {assumption: a, holds: true}  # no comma\n  ]\n",
            "  {assumption: a, holds: true},  # no comma\n  # iam",
        ),
        ("anchors:\n  base: &b {holds: true}\nanswers:\n  - assumption: a\n    <<: *b\n", ""),
        (
            "answers:\n  - &e {assumption: a, holds: true}\n  - *e\n",
            "  - &e {assumption: a, holds: true}\n",
        ),
    ];
    for (original, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, original);
        let (before, before_d) = answers::read(&path, "a");
        let result = answers::append_pending(&path, &[pending(1), pending(2)]);
        if expected.is_empty() {
            // `<<` is not a key vouch knows: the entry is an error, and adding questions must
            // neither fix nor hide it.
            assert_eq!(before_d.len(), 2, "{original}: {before_d:#?}");
        }
        assert_eq!(result.unwrap_or_else(|e| panic!("{original:?}: {e}")), 2);
        let text = fs::read_to_string(&path).unwrap();
        // The line of `answers:` may lose its `[]` or `~`, the last item of a flow list may get a
        // comma; every other line is kept.
        let others: String = original
            .lines()
            .filter(|l| !l.starts_with("answers:") && l.trim() != "]")
            .map(|l| format!("{l}\n"))
            .collect();
        lines_kept(&others.replace(',', ""), &text.replace(',', ""));
        assert!(text.contains(expected), "{original:?} gave:\n{text}");
        let (after, after_d) = answers::read(&path, "a");
        assert_eq!(after_d.len(), before_d.len(), "{text}\n{after_d:#?}");
        let mut wanted = unlined(&before.entries);
        wanted.extend([open_entry(&pending(1)), open_entry(&pending(2))]);
        assert_eq!(unlined(&after.entries), wanted, "{text}");
        assert!(leftovers(dir.path()).is_empty());
    }
}

#[test]
fn appending_after_another_top_level_key_keeps_it_after() {
    let original =
        "answers:\n  - assumption: a\n    holds: true\n\n# Settings for the team\nteam: payments\n";
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, original);
    answers::append_pending(&path, &[pending(1)]).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    let added = inserted(original, &text);
    assert!(added.starts_with("  # iam"));
    assert!(text.ends_with("    detail: \"\"\n\n# Settings for the team\nteam: payments\n"));
    let (a, d) = answers::read(&path, "a");
    assert_eq!(a.entries.len(), 2);
    assert_eq!(d.len(), 1, "the unknown key `team` stays a warning");
}

#[test]
fn unexpected_shapes_are_refused_and_left_untouched() {
    for original in [
        "- a\n- b\n",
        "answers: yes\n",
        "answers:\n  question: q-1\n",
        "{answers: []}\n",
        "answers:\n  - question: q-1\n   holds: true\n",
        "answers: !!binary aGVsbG8=\n",
        "answers:\n\t- question: q-1\n",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, original);
        let err = answers::append_pending(&path, &[pending(1)]).unwrap_err();
        assert!(err.to_string().contains("unchanged"), "{original:?}: {err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), original);
        assert!(leftovers(dir.path()).is_empty());
        let err = answers::record(&path, &pending(1), true, "", None, "2026-01-01").unwrap_err();
        assert!(err.to_string().contains("unchanged"), "{original:?}: {err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), original);
    }
}

#[test]
fn hostile_question_text_stays_in_comments_and_ids_are_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "answers: []\n");
    let nasty = Pending {
        question: "q-1: #x \"y\"".into(),
        assumption: "yes".into(),
        text: "line one\n- question: injected\nholds: true\r\n\u{1b}[31mred\u{2028}ls\u{85}nel"
            .into(),
        resources: vec!["a.tf:1 x\ny.tf:2 z".into(), "".into()],
        reason: "\n".into(),
    };
    assert_eq!(
        answers::append_pending(&path, std::slice::from_ref(&nasty)).unwrap(),
        1
    );
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("  # yes: line one\n  #   - question: injected\n  #   holds: true\n"),
        "{text}"
    );
    assert!(
        text.contains("question: \"q-1: #x \\\"y\\\"\"\n    assumption: \"yes\""),
        "{text}"
    );
    assert!(!text.contains(['\u{1b}', '\u{2028}', '\u{85}', '\r']));
    assert_eq!(unlined(&read_clean(&path)), vec![open_entry(&nasty)]);
    // Ids that could not be written as one line are refused.
    for bad in ["", " q", "q\n1"] {
        let p = Pending {
            question: bad.into(),
            ..pending(1)
        };
        let e = answers::append_pending(&path, std::slice::from_ref(&p)).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        assert!(answers::record(&path, &p, true, "", None, "2026-01-01").is_err());
    }
}

#[test]
fn crlf_files_stay_crlf() {
    let original = "# windows\r\nanswers:\r\n  - assumption: a\r\n    holds: true\r\n";
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, original);
    answers::append_pending(&path, &[pending(1)]).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with(original));
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    answers::record(&path, &pending(1), false, "no", None, "2026-01-02").unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    assert_eq!(read_clean(&path)[1].holds, Some(false));
}

#[cfg(unix)]
#[test]
fn permissions_and_symbolic_links_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.yaml");
    fs::write(&real, "answers:\n").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("answers.yaml");
    std::os::unix::fs::symlink("real.yaml", &link).unwrap();
    answers::append_pending(&link, &[pending(1)]).unwrap();
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert_eq!(read_clean(&link).len(), 1);
    answers::record(&link, &pending(1), true, "", None, "2026-01-01").unwrap();
    assert_eq!(
        fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(read_clean(&real)[0].holds, Some(true));
    let mut names = leftovers(dir.path());
    names.sort();
    assert_eq!(names, vec!["real.yaml"]);
}

#[cfg(unix)]
#[test]
fn a_failed_write_leaves_the_file_and_no_temporary() {
    use std::os::unix::fs::PermissionsExt;
    if running_as_root() {
        return; // root writes to read-only directories
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "answers:\n");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o500)).unwrap();
    let result = answers::append_pending(&path, &[pending(1)]);
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
    assert!(result.is_err());
    assert_eq!(fs::read_to_string(&path).unwrap(), "answers:\n");
    assert!(leftovers(dir.path()).is_empty());
}

#[cfg(unix)]
fn running_as_root() -> bool {
    // No libc: the owner of a file this process creates.
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    fs::metadata(dir.path()).unwrap().uid() == 0
}

// ---------------------------------------------------------------------------------------------
// Recording answers

#[test]
fn recording_replaces_the_open_entry_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, ODD);
    answers::append_pending(&path, &[pending(1), pending(2)]).unwrap();
    let before = fs::read_to_string(&path).unwrap();
    answers::record(
        &path,
        &pending(1),
        true,
        "Scoped to \"orders\" table\nonly",
        Some("platform team"),
        "2026-11-20",
    )
    .unwrap();
    let after = fs::read_to_string(&path).unwrap();
    let old_entry = "question: q-000000000001\n    assumption: iam.compute.least-privilege\n    holds:            # true or false\n    detail: \"\"";
    let new_entry = "question: q-000000000001\n    assumption: iam.compute.least-privilege\n    holds: true\n    detail: \"Scoped to \\\"orders\\\" table\\nonly\"\n    by: \"platform team\"\n    date: 2026-11-20";
    let at = before.find(old_entry).unwrap();
    assert_eq!(
        &after[..at],
        &before[..at],
        "everything before is byte-identical"
    );
    assert_eq!(&after[at..at + new_entry.len()], new_entry);
    assert_eq!(
        &after[at + new_entry.len()..],
        &before[at + old_entry.len()..],
        "everything after is byte-identical"
    );
    let entries = read_clean(&path);
    let e = entries
        .iter()
        .find(|e| e.target == Target::Question("q-000000000001".into()))
        .unwrap();
    assert_eq!(e.holds, Some(true));
    assert_eq!(
        e.detail.as_deref(),
        Some("Scoped to \"orders\" table\nonly")
    );
    assert_eq!(e.by.as_deref(), Some("platform team"));
    assert_eq!(e.date.as_deref(), Some("2026-11-20"));
    assert_eq!(entries.len(), 5);
    assert!(leftovers(dir.path()).is_empty());

    // Answering again replaces the answer; a `by` already written stays when none is given.
    answers::record(&path, &pending(1), false, "", None, "2026-11-21").unwrap();
    let entries = read_clean(&path);
    let e = entries
        .iter()
        .find(|e| e.target == Target::Question("q-000000000001".into()))
        .unwrap();
    assert_eq!(
        (e.holds, e.detail.as_deref(), e.by.as_deref()),
        (Some(false), None, Some("platform team"))
    );
    assert_eq!(entries.len(), 5);
}

#[test]
fn recording_edge_layouts() {
    // (file, the text expected after recording q-000000000001 as true)
    let cases: &[(&str, &str)] = &[
        (
            "answers:\n- question: q-000000000001\n  holds:\n# next\n- assumption: b\n",
            "answers:\n- question: q-000000000001\n  assumption: iam.compute.least-privilege\n  holds: true\n  detail: \"ok\"\n  date: 2026-01-01\n# next\n- assumption: b\n",
        ),
        (
            "answers: [{question: q-000000000001, holds: null}, {assumption: b}]\n",
            "answers: [{question: q-000000000001, assumption: iam.compute.least-privilege, holds: true, detail: \"ok\", date: 2026-01-01}, {assumption: b}]\n",
        ),
        (
            "answers:\n  - question: q-000000000001\n    detail: |\n      old\n\n  - assumption: b\n",
            "answers:\n  - question: q-000000000001\n    assumption: iam.compute.least-privilege\n    holds: true\n    detail: \"ok\"\n    date: 2026-01-01\n  - assumption: b\n",
        ),
        (
            "answers:\n  - question: q-000000000001\n    holds: maybe   # not sure\n",
            "answers:\n  - question: q-000000000001\n    assumption: iam.compute.least-privilege\n    holds: true\n    detail: \"ok\"\n    date: 2026-01-01   # not sure\n",
        ),
    ];
    for (original, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, original);
        answers::record(&path, &pending(1), true, "ok", None, "2026-01-01").unwrap();
        assert_eq!(&fs::read_to_string(&path).unwrap(), expected);
    }
}

#[test]
fn recording_appends_when_the_question_is_not_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, ODD);
    answers::record(
        &path,
        &pending(7),
        false,
        "wide open",
        Some("sec"),
        "2026-02-28",
    )
    .unwrap();
    let text = fs::read_to_string(&path).unwrap();
    let added = inserted(ODD, &text);
    assert!(
        added.starts_with("  # iam.compute.least-privilege: Is the role"),
        "{added}"
    );
    assert!(added.ends_with("  - question: q-000000000007\n    assumption: iam.compute.least-privilege\n    holds: false\n    detail: \"wide open\"\n    by: \"sec\"\n    date: 2026-02-28\n"));
    assert_eq!(read_clean(&path).len(), 4);
    // And creates the file when there is none.
    let fresh = dir.path().join("new/answers.yaml");
    answers::record(&fresh, &pending(7), true, "", None, "2026-02-28").unwrap();
    let entries = read_clean(&fresh);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].holds, Some(true));
    assert!(leftovers(&dir.path().join("new")).is_empty());
}

#[test]
fn recording_refuses_bad_dates_and_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "answers:\n");
    for date in ["2026-02-30", "today", ""] {
        let e = answers::record(&path, &pending(1), true, "", None, date).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    }
    assert_eq!(fs::read_to_string(&path).unwrap(), "answers:\n");
    // Two entries for the question, one answered true: recording false in the open one would
    // contradict it.
    let original = "answers:\n  - question: q-000000000001\n    holds: true\n  - question: q-000000000001\n    holds:\n";
    fs::write(&path, original).unwrap();
    let e = answers::record(&path, &pending(1), false, "", None, "2026-01-01").unwrap_err();
    assert!(e.to_string().contains("unchanged"), "{e}");
    assert_eq!(fs::read_to_string(&path).unwrap(), original);
    // Agreeing with it would leave the first answer as the one used, not the one recorded.
    assert!(answers::record(&path, &pending(1), true, "", None, "2026-01-01").is_err());
    assert_eq!(fs::read_to_string(&path).unwrap(), original);
}

#[test]
fn today_is_a_date() {
    let t = answers::today();
    assert_eq!(t.len(), 10);
    assert!(
        t.as_str() >= "2025-01-01" && t.as_str() < "2200-01-01",
        "{t}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answers.yaml");
    answers::record(&path, &pending(1), true, "", None, &t).unwrap();
    assert_eq!(read_clean(&path)[0].date.as_deref(), Some(t.as_str()));
}

// ---------------------------------------------------------------------------------------------
// The clarify loop

fn run(pending: &[Pending], input: impl AsRef<[u8]>) -> (Vec<answers::Given>, String) {
    let mut out = Vec::new();
    let given = answers::clarify(pending, input.as_ref(), &mut out).unwrap();
    (given, String::from_utf8(out).unwrap())
}

#[test]
fn clarify_asks_each_question_in_turn() {
    let list = [pending(1), pending(2), pending(3), pending(4), pending(5)];
    let (given, out) = run(
        &list,
        "y\n  Scoped to the orders table  \nN\n\ns\nmaybe\n\nwhat?\nYES\nfine\n",
    );
    assert_eq!(
        given,
        vec![
            answers::Given {
                pending: pending(1),
                holds: true,
                detail: "Scoped to the orders table".into()
            },
            answers::Given {
                pending: pending(2),
                holds: false,
                detail: String::new()
            },
            answers::Given {
                pending: pending(5),
                holds: true,
                detail: "fine".into()
            },
        ]
    );
    // Question 3 skipped; question 4: three unclear replies, skipped.
    assert!(out.contains("[1/5] iam.compute.least-privilege (question q-000000000001)"));
    assert!(
        out.contains("  Is the role passed in var.worker_role_arn scoped to specific table ARNs?")
    );
    assert!(out.contains("  Resources:\n    terraform/functions.tf:40 aws_lambda_function.worker"));
    assert!(out
        .contains("Why the code cannot tell: the role ARN comes from a variable with no default"));
    assert_eq!(
        out.matches("Does this hold? [y]es / [n]o / [s]kip / [q]uit")
            .count(),
        7
    );
    assert_eq!(out.matches("Please reply y, n, s or q.").count(), 2);
    assert_eq!(out.matches("No clear reply: skipped.").count(), 1);
    assert_eq!(out.matches("Detail (one line, optional):").count(), 3);
}

#[test]
fn clarify_skips_after_three_unclear_replies_and_goes_on() {
    let (given, out) = run(&[pending(1), pending(2)], "x\nyy\n?\nn\nbecause\n");
    assert_eq!(given.len(), 1);
    assert_eq!(given[0].pending, pending(2));
    assert!(!given[0].holds);
    assert_eq!(given[0].detail, "because");
    assert!(out.contains("No clear reply: skipped."));
    assert!(out.contains("[2/2]"));
}

#[test]
fn clarify_stops_at_quit_and_at_end_of_input() {
    let (given, out) = run(&[pending(1), pending(2)], "q\ny\n");
    assert!(given.is_empty());
    assert!(!out.contains("[2/2]"));
    let (given, _) = run(&[pending(1), pending(2)], "");
    assert!(given.is_empty());
    let (given, _) = run(&[pending(1), pending(2)], "skip\n");
    assert!(given.is_empty());
    // End of input after y/n keeps the answer, with no detail, and stops.
    let (given, out) = run(&[pending(1), pending(2)], "yes");
    assert_eq!(given.len(), 1);
    assert!(given[0].holds && given[0].detail.is_empty());
    assert!(!out.contains("[2/2]"));
    let (given, _) = run(&[], "y\n");
    assert!(given.is_empty());
}

#[test]
fn clarify_shows_no_control_characters_and_keeps_details_on_one_line() {
    let p = Pending {
        text: "evil \u{1b}]0;title\u{7}text".into(),
        ..pending(1)
    };
    let (given, out) = run(&[p], b"y\r\ntab\there \x1b[2J\xff\n");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'));
    assert_eq!(given[0].detail, "tab here  [2J\u{fffd}");
}

#[test]
fn clarify_answers_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".vouch/answers.yaml");
    let list = [pending(1), pending(2)];
    answers::append_pending(&path, &list).unwrap();
    let (given, _) = run(&list, "n\nwildcard on dynamodb:*\ny\n\n");
    for g in &given {
        answers::record(
            &path,
            &g.pending,
            g.holds,
            &g.detail,
            Some("me"),
            "2026-03-01",
        )
        .unwrap();
    }
    let entries = read_clean(&path);
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.holds, e.detail.clone()))
            .collect::<Vec<_>>(),
        vec![
            (Some(false), Some("wildcard on dynamodb:*".into())),
            (Some(true), None)
        ]
    );
    assert_eq!(
        fs::read_to_string(&path)
            .unwrap()
            .matches("# iam.compute")
            .count(),
        2
    );
}

#[test]
fn document_markers_and_byte_order_marks() {
    for original in [
        "\u{feff}answers:\n  - assumption: a\n    holds: true\n",
        "\u{feff}# comment\nanswers: []\n",
        "---\nanswers:\n  - assumption: a\n    holds: true\n...\n",
        "%YAML 1.2\n---\nanswers: [] # none\n...\n# after the document\n",
        "answers: &list\n  - assumption: a\n    holds: true\n",
        "answers: !!seq\n  - assumption: a\n    holds: true\n",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, original);
        let before = read_clean(&path);
        assert_eq!(
            answers::append_pending(&path, &[pending(1)]).unwrap(),
            1,
            "{original:?}"
        );
        let mut wanted = unlined(&before);
        wanted.push(open_entry(&pending(1)));
        assert_eq!(unlined(&read_clean(&path)), wanted, "{original:?}");
        answers::record(&path, &pending(1), true, "x", None, "2026-01-01").unwrap();
        let after = read_clean(&path);
        assert_eq!(after.last().unwrap().holds, Some(true), "{original:?}");
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.starts_with('\u{feff}'),
            original.starts_with('\u{feff}')
        );
    }
}

#[test]
fn clarify_with_hands_over_each_answer_as_it_is_given() {
    let pending: Vec<vouch::answers::Pending> = ["q-000000000001", "q-000000000002"]
        .iter()
        .map(|q| vouch::answers::Pending {
            question: q.to_string(),
            assumption: "auth.mfa-required".into(),
            text: "Is MFA on?".into(),
            resources: vec![],
            reason: "a variable".into(),
        })
        .collect();
    let mut seen = Vec::new();
    // The first answer is recorded before the second question is even read.
    let given = vouch::answers::clarify_with(
        &pending,
        std::io::Cursor::new("y\nchecked\nq\n"),
        Vec::new(),
        |g| {
            seen.push(g.pending.question.clone());
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(seen, ["q-000000000001"]);
    assert_eq!(given.len(), 1);
    // A failing recorder stops the session with its error.
    let err =
        vouch::answers::clarify_with(&pending, std::io::Cursor::new("n\n\n"), Vec::new(), |_| {
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
    assert!(err.to_string().contains("disk full"));
}
