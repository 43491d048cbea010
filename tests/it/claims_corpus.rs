//! The claim reader against the labeled corpus: every split under `corpus/claims/` is scored, and
//! the test fails when a split's recall or precision drops below the value recorded for it in
//! `corpus/claims/scores.json`, or when it reads more claims from questions, plans, hedges,
//! conditionals, references and wishes than recorded (the goal is none). A claim read from a
//! sentence labeled `none: other` is a wrong claim that precision counts, as one read from an
//! unlisted sentence is. A split with no recorded score fails too: a score that nobody records
//! guards nothing.
//!
//! Only the dev split's figures are printed. A held-out split that falls below its floor fails
//! the test with which floor it missed, not by how much: whoever changes the reader runs this
//! test, and a figure in its output would be a look at held-out while tuning.

use std::path::Path;
use vouch::claims::corpus::{catalog_patterns, score_split, to_text};

#[test]
fn every_corpus_split_scores_at_least_its_recorded_value() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/claims");
    let recorded: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("scores.json")).expect("corpus/claims/scores.json"),
    )
    .expect("scores.json is JSON");
    let mut splits: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    splits.sort();
    assert!(
        splits.iter().any(|s| s == "dev"),
        "the dev split is missing"
    );
    let rules = catalog_patterns();
    let mut failures = Vec::new();
    for split in &splits {
        let score = score_split(&root.join(split), &rules);
        let summary = if split == "dev" {
            to_text(split, &score, false)
        } else {
            format!("{split}: figures not printed (score it with `vouch claims --score`)")
        };
        println!("{summary}");
        assert!(score.errors.is_empty(), "{split}: {:?}", score.errors);
        assert!(score.labeled > 0, "{split}: no labeled claims");
        let Some(want) = recorded.get(split) else {
            failures.push(format!(
                "{split}: no score recorded in scores.json\n{summary}"
            ));
            continue;
        };
        let figure = |k: &str| want.get(k).and_then(|v| v.as_f64()).unwrap_or(f64::NAN);
        // Recorded figures are floored to three decimals.
        if score.recall() + 1e-9 < figure("recall") {
            failures.push(format!(
                "{split}: recall below the recorded {}\n{summary}",
                figure("recall")
            ));
        }
        if score.precision() + 1e-9 < figure("precision") {
            failures.push(format!(
                "{split}: precision below the recorded {}\n{summary}",
                figure("precision")
            ));
        }
        if score.read_from_nonclaims as f64 > figure("read_from_nonclaims") {
            failures.push(format!(
                "{split}: more claims read from questions, plans, hedges, conditionals, references and wishes than the recorded {}\n{summary}",
                figure("read_from_nonclaims")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
