//! `vouch explain`: an assumption's documentation, from its rule file.

use crate::assumptions::Rule;
use std::fmt::Write as _;

/// One line per assumption: id, STRIDE category, title.
pub fn list(rules: &[Rule]) -> String {
    let mut o = String::new();
    for r in rules {
        let _ = writeln!(o, "{:<34} {:<24} {}", r.id, r.stride.name(), r.title);
    }
    o
}

/// Every section of one rule.
pub fn rule(r: &Rule) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}: {}", r.id, r.title);
    let _ = writeln!(
        o,
        "STRIDE: {}   scope: {}   threat: {} when invalid, {} while open",
        r.stride.name(),
        match r.scope {
            crate::assumptions::Scope::Resource => "resources in the tree",
            crate::assumptions::Scope::Account => "the account or organization",
        },
        r.threat.severity.invalid.name(),
        r.threat.severity.open.name()
    );
    let statuses: Vec<&str> = r.reaches.iter().map(|s| s.name()).collect();
    let _ = writeln!(o, "can be: {}", statuses.join(", "));
    section(&mut o, "What it checks", &r.docs.what_it_checks);
    section(&mut o, "Why it matters", &r.docs.why_it_matters);
    section(&mut o, "Example", &r.docs.example);
    let mut threat = format!("{}\n{}", r.threat.title, r.threat.description);
    if let Some(res) = &r.threat.residual {
        let _ = write!(
            threat,
            "\nWhen it holds, what remains ({}): {}",
            res.severity.name(),
            res.title
        );
    }
    section(&mut o, "Threat", &threat);
    section(&mut o, "Question asked while it is open", &r.question);
    let checks: Vec<String> = r
        .checks
        .iter()
        .map(|c| match crate::checks::lookup(&c.check) {
            Some(k) => format!("{}: {}", c.check, k.about),
            None => c.check.clone(),
        })
        .collect();
    section(&mut o, "Checks", &checks.join("\n"));
    section(&mut o, "References", &r.references.join(", "));
    o
}

fn section(o: &mut String, title: &str, body: &str) {
    let _ = writeln!(o, "\n## {title}");
    for line in body.trim_end().lines() {
        let _ = writeln!(o, "{line}");
    }
}
