//! Output shown in the README and the docs is output vouch prints today. A block of a Markdown
//! file that follows a comment `<!-- vouch-output: ARGS -->` is an excerpt of what
//! `vouch ARGS` prints, run from the repository's root: its parts, separated by lines holding
//! only `…`, must appear in the output in order, each as whole consecutive lines. An excerpt that
//! goes stale fails here, so the README can never show a report vouch no longer writes.

use crate::common::vouch_bin;
use std::path::Path;
use std::process::Command;

const MARKER: &str = "<!-- vouch-output:";

/// An excerpt: the file and line of its marker, the command's arguments, and its parts.
#[derive(Debug)]
struct Excerpt {
    at: String,
    args: Vec<String>,
    parts: Vec<Vec<String>>,
}

/// Every excerpt of one Markdown text; a marker not followed by a fenced block is an error.
fn excerpts(file: &str, text: &str) -> Result<Vec<Excerpt>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(rest) = lines[i].trim().strip_prefix(MARKER) else {
            i += 1;
            continue;
        };
        let at = format!("{file}:{}", i + 1);
        let args: Vec<String> = rest
            .trim_end_matches("-->")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let fence = lines.get(i + 1).map(|l| l.trim_end()).unwrap_or("");
        let ticks = fence.chars().take_while(|&c| c == '`').count();
        if ticks < 3 {
            return Err(format!(
                "{at}: the marker is not followed by a fenced block"
            ));
        }
        let close = "`".repeat(ticks);
        let end = (i + 2..lines.len())
            .find(|&j| lines[j].trim_end() == close)
            .ok_or_else(|| format!("{at}: the fenced block is not closed"))?;
        let mut parts = vec![Vec::new()];
        for l in &lines[i + 2..end] {
            if l.trim() == "…" {
                parts.push(Vec::new());
            } else if let Some(p) = parts.last_mut() {
                p.push(l.to_string());
            }
        }
        // Blank lines at a part's edges stand beside the `…`, not for output.
        for p in &mut parts {
            while p.first().is_some_and(|l| l.trim().is_empty()) {
                p.remove(0);
            }
            while p.last().is_some_and(|l| l.trim().is_empty()) {
                p.pop();
            }
        }
        parts.retain(|p| !p.is_empty());
        out.push(Excerpt { at, args, parts });
        i = end + 1;
    }
    Ok(out)
}

/// Where the parts first fail to match the output, in order, as whole consecutive lines.
fn mismatch(parts: &[Vec<String>], output: &str) -> Option<String> {
    let lines: Vec<&str> = output.lines().collect();
    let mut from = 0;
    for part in parts {
        let found = (from..=lines.len().saturating_sub(part.len())).find(|&s| {
            part.iter()
                .zip(&lines[s..s + part.len()])
                .all(|(a, b)| a == b)
        });
        match found {
            Some(s) => from = s + part.len(),
            None => {
                // The first line of the part that is not in the output, to say what changed.
                let missing = part
                    .iter()
                    .find(|l| !lines[from..].contains(&l.as_str()))
                    .unwrap_or(&part[0]);
                return Some(format!(
                    "this line is not (or no longer in this order) in vouch's output:\n  {missing}"
                ));
            }
        }
    }
    None
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files that may hold excerpts: the README and the docs.
fn documents() -> Vec<String> {
    let mut files = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

#[test]
fn every_excerpt_of_vouch_output_in_the_readme_and_docs_is_what_vouch_prints() {
    let mut all = Vec::new();
    for file in documents() {
        let text = std::fs::read_to_string(root().join(&file)).unwrap();
        all.extend(excerpts(&file, &text).unwrap());
    }
    // The README shows a pull-request comment from a real run.
    assert!(
        all.iter().any(|e| e.at.starts_with("README.md:")
            && e.args.ends_with(&["--format".into(), "markdown".into()])),
        "the README has no Markdown report excerpt: {all:?}"
    );
    for e in &all {
        assert!(!e.parts.is_empty(), "{}: an empty excerpt", e.at);
        let out = Command::new(vouch_bin())
            .args(&e.args)
            .current_dir(root())
            // Dates in the output (acceptances) are read against a fixed day: 2026-12-10.
            .env("SOURCE_DATE_EPOCH", "1796860800")
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}: vouch {:?}: {}",
            e.at,
            e.args,
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        if let Some(m) = mismatch(&e.parts, &stdout) {
            panic!(
                "{}: the excerpt of `vouch {}` is stale: {m}\n\nvouch prints:\n{stdout}",
                e.at,
                e.args.join(" ")
            );
        }
    }
}

#[test]
fn a_stale_or_reordered_excerpt_is_caught() {
    let output = "# title\n\nline a\nline b\n\nline c\n";
    let doc = |body: &str| format!("<!-- vouch-output: scan x -->\n```\n{body}\n```\n");
    let parts = |body: &str| excerpts("t.md", &doc(body)).unwrap().remove(0).parts;
    assert_eq!(
        mismatch(&parts("# title\n…\nline b\n\nline c"), output),
        None
    );
    // A changed line, lines out of order, and a part whose lines are not consecutive fail.
    assert!(mismatch(&parts("# title\n…\nline B"), output).is_some());
    assert!(mismatch(&parts("line c\n…\nline a"), output).is_some());
    assert!(mismatch(&parts("line a\nline c"), output).is_some());
    // A marker without a block is an error, not an excerpt that checks nothing.
    assert!(excerpts("t.md", "<!-- vouch-output: scan x -->\ntext\n").is_err());
}
