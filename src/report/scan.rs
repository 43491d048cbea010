//! The scan report: the terminal rendering (risk, confidence, threats by severity,
//! contradictions, every assumption with its evidence, open questions, doc suggestions, answers)
//! and the JSON contract.

use crate::assumptions::Status;
use crate::reconcile::{AnswerRef, AssumptionReport, Report, SuggestionKind, Verdict};
use crate::report::alerts::Alert;
use std::fmt::Write as _;

/// The JSON report, pretty-printed, with a final newline.
pub fn to_json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// The JSON report with, when a baseline was given, a `baseline` object: where it came from,
/// the new alerts (with their fingerprints and regions), how many are unchanged, and the
/// baseline entries that no longer match.
pub fn to_json_with(
    report: &Report,
    comparison: Option<&crate::baseline::Comparison>,
    alerts: &[Alert],
) -> String {
    let Some(c) = comparison else {
        return to_json(report);
    };
    let mut v = serde_json::to_value(report).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.insert("baseline".into(), baseline_json(c, alerts));
    }
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// The `baseline` object of the JSON report: where the baseline came from, the alerts it does
/// not hold, how many it holds, and its entries that no longer match.
pub fn baseline_json(c: &crate::baseline::Comparison, alerts: &[Alert]) -> serde_json::Value {
    let new: Vec<serde_json::Value> = alerts
        .iter()
        .filter(|a| c.is_new(a))
        .map(alert_json)
        .collect();
    serde_json::json!({
        "source": c.source,
        "new": new,
        "unchanged": c.unchanged,
        "no_longer_match": c.no_longer_match,
    })
}

fn alert_json(a: &Alert) -> serde_json::Value {
    let mut v = serde_json::json!({
        "fingerprint": a.fingerprint,
        "rule": a.rule,
        "kind": a.kind,
        "severity": a.severity,
        "subject": a.subject,
        "unit": a.unit,
        "message": a.message,
    });
    if let (Some(o), Some(m)) = (&a.location, v.as_object_mut()) {
        if let Ok(serde_json::Value::Object(loc)) = serde_json::to_value(o) {
            m.extend(loc);
        }
    }
    if let Some(q) = &a.question {
        v["question"] = serde_json::json!(q);
    }
    if let Some(s) = &a.system {
        v["system"] = serde_json::json!(s);
    }
    v
}

/// The text section of a comparison with a baseline: the counts, then each new alert.
pub fn baseline_text(c: &crate::baseline::Comparison, alerts: &[Alert]) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "\nAgainst the baseline {}", c.source);
    let _ = writeln!(
        o,
        "  {} new, {} unchanged; {} baseline entries no longer match (fixed or moved)",
        c.new.len(),
        c.unchanged,
        c.no_longer_match.len()
    );
    for a in alerts.iter().filter(|a| c.is_new(a)) {
        let at = a
            .location
            .as_ref()
            .map_or_else(|| a.unit.clone(), crate::source::Origin::short);
        let _ = writeln!(
            o,
            "  new  {:<8} {:<9} {at}  [{}]  {}",
            a.severity.name().to_uppercase(),
            a.kind.name(),
            a.rule,
            a.message
        );
    }
    o
}

fn risk_name(s: Option<crate::assumptions::Severity>) -> &'static str {
    s.map_or("none", crate::assumptions::Severity::name)
}

/// `file:line` of an evidence entry's place (`:0` when it has none, as before).
fn place(p: &crate::reconcile::Place) -> String {
    p.0.as_ref()
        .map_or_else(|| ":0".to_string(), crate::source::Origin::short)
}

/// The line of an answers file entry.
fn line_of(r: &AnswerRef) -> u32 {
    r.origin.region().map_or(0, |r| r.line)
}

fn mark(s: Status) -> &'static str {
    match s {
        Status::Verified => "ok",
        Status::Invalid => "FAIL",
        Status::Contradicted => "CONTRA",
        Status::DocOnly => "doc",
        Status::Answered => "answer",
        Status::NeedsClarification => "open",
        Status::NotApplicable => "n/a",
    }
}

/// How much of a report the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Everything: the report of a tree that is one system, or `--details`.
    Full,
    /// What fails or is open: invalid, contradicted and open assumptions, confirmed and open
    /// threats, questions, corrections to the document. One system of many, by default.
    Problems,
}

/// Whether an assumption is shown at this level of detail.
pub fn shown(status: Status, detail: Detail) -> bool {
    detail == Detail::Full
        || matches!(
            status,
            Status::Invalid | Status::Contradicted | Status::NeedsClarification
        )
}

/// The terminal report.
pub fn to_text(report: &Report, root: &str) -> String {
    let mut o = format!("vouch scan {root}\n");
    body(&mut o, report, root, Detail::Full, false);
    o
}

/// The terminal report of one system of several, without the first line, at a level of detail.
pub fn to_text_detail(report: &Report, root: &str, detail: Detail) -> String {
    let mut o = String::new();
    body(&mut o, report, root, detail, true);
    o
}

/// `one_of_several`: the report is one system's of a tree cut into systems, where `--doc`
/// would make the tree one system: the hint for a missing document says where to put one.
fn body(o: &mut String, report: &Report, root: &str, detail: Detail, one_of_several: bool) {
    if report.units.is_empty() {
        let _ = writeln!(
            o,
            "no Terraform, plan or CloudFormation found under {root}: nothing to decide"
        );
    }
    if report.documents.is_empty() && one_of_several {
        let _ = writeln!(
            o,
            "architecture document: none found (put an ARCHITECTURE.md in {root}, or name one in vouch.toml's [[system]]; claims then count)"
        );
    } else if report.documents.is_empty() {
        let _ = writeln!(
            o,
            "architecture document: none found (give one with --doc FILE; claims then count)"
        );
    } else {
        let _ = writeln!(
            o,
            "architecture document{}: {}",
            if report.documents.len() == 1 { "" } else { "s" },
            crate::report::list_documents(&report.documents)
        );
        match report.not_understood.len() {
            0 => {}
            1 => {
                let _ = writeln!(
                    o,
                    "  1 sentence with security vocabulary was not understood; see `vouch claims`"
                );
            }
            n => {
                let _ = writeln!(
                    o,
                    "  {n} sentences with security vocabulary were not understood; see `vouch claims`"
                );
            }
        }
    }
    if let Some(f) = report.answers.file.as_ref().filter(|_| !one_of_several) {
        let _ = writeln!(o, "answers: {f}");
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "risk: {}   (if every open assumption turned out bad: {})",
        risk_name(report.risk),
        risk_name(report.risk_if_open)
    );
    let _ = writeln!(
        o,
        "confidence: {:.2}   ({} of {} severity-weighted points rest on code or answers)",
        report.confidence, report.confidence_weights.settled, report.confidence_weights.applicable
    );
    let counts = report.status_counts();
    let _ = writeln!(o, "assumptions: {}", counts.join(", "));
    if !report.not_covered.is_empty() {
        let total: usize = report.not_covered.iter().map(|n| n.resources).sum();
        let shown: Vec<String> = report
            .not_covered
            .iter()
            .take(6)
            .map(|n| format!("{} {}", n.source_type, n.resources))
            .collect();
        let more = report.not_covered.len().saturating_sub(6);
        let _ = writeln!(
            o,
            "not covered: {total} resources of {} types no assumption reasons about ({}{})",
            report.not_covered.len(),
            shown.join(", "),
            if more > 0 {
                format!(", {more} more types in --format json")
            } else {
                String::new()
            }
        );
    }
    if let Some(a) = &report.account {
        let _ = writeln!(
            o,
            "account: {} read at {}{}: {} of the roles the code runs as settled from it",
            if a.account.is_empty() {
                "(unknown)"
            } else {
                &a.account
            },
            a.read_at,
            if a.region.is_empty() {
                String::new()
            } else {
                format!(" ({})", a.region)
            },
            a.settled.len()
        );
        for s in &a.settled {
            let _ = writeln!(o, "  {} runs as {}: {}", s.compute, s.role_arn, s.how);
        }
        for (compute, why) in &a.unmatched {
            let _ = writeln!(o, "  still open: {compute}: {why}");
        }
        for f in &a.failures {
            let _ = writeln!(
                o,
                "  not read: {}: {} ({})",
                f.call, f.message, f.consequence
            );
        }
    }

    let threats: Vec<_> = report
        .threats
        .iter()
        .filter(|t| detail == Detail::Full || t.basis != crate::reconcile::ThreatBasis::Residual)
        .collect();
    if !threats.is_empty() {
        let _ = writeln!(o, "\nThreats");
        for t in threats {
            let _ = writeln!(
                o,
                "  {:<8} {:<9} {}  [{}; rests on {}; {}]",
                t.severity.name().to_uppercase(),
                t.basis.name(),
                t.title,
                t.assumptions.join(", "),
                t.rests_on.name(),
                t.stride.name()
            );
        }
    }

    let contradicted: Vec<&AssumptionReport> = report
        .assumptions
        .iter()
        .filter(|a| a.status == Status::Contradicted)
        .collect();
    if !contradicted.is_empty() {
        let _ = writeln!(
            o,
            "\nContradictions: the document says one thing, the code another"
        );
        for a in contradicted {
            let _ = writeln!(o, "  {}  {}", a.id, a.title);
            let code_fails = a.evidence.iter().any(|e| e.outcome == Verdict::Fail);
            for d in &a.doc {
                if d.contradicted {
                    let _ = writeln!(o, "    doc   {}  \"{}\"", d.origin.short(), d.text);
                }
            }
            let shown = if code_fails {
                Verdict::Fail
            } else {
                Verdict::Pass
            };
            for (e, units) in across_units(a.evidence.iter().filter(|e| e.outcome == shown)) {
                let _ = writeln!(
                    o,
                    "    code  {}  {}: {}{}",
                    place(&e.place),
                    e.resource,
                    e.detail,
                    in_units(&units)
                );
            }
        }
    }

    if detail == Detail::Full || report.assumptions.iter().any(|a| shown(a.status, detail)) {
        let _ = writeln!(o, "\nAssumptions");
    }
    for a in report
        .assumptions
        .iter()
        .filter(|a| shown(a.status, detail))
    {
        let holds = match (a.status, a.holds) {
            (Status::Answered | Status::DocOnly, Some(true)) => " (holds)",
            (Status::Answered | Status::DocOnly, Some(false)) => " (does not hold)",
            _ => "",
        };
        let _ = writeln!(
            o,
            "  {:<6} {:<34} {}{holds}",
            mark(a.status),
            a.id,
            a.status.name()
        );
        if let Some(reason) = &a.reason {
            let _ = writeln!(o, "         {reason}");
        }
        let shown = a.evidence.iter().filter(|e| match a.status {
            Status::Invalid | Status::Contradicted => e.outcome != Verdict::Pass,
            Status::Verified => true,
            _ => e.outcome != Verdict::Pass,
        });
        let groups = across_units(shown);
        for (n, (e, units)) in groups.iter().enumerate() {
            if n == EVIDENCE_SHOWN {
                let _ = writeln!(
                    o,
                    "           … {} more in the JSON report",
                    groups.len() - EVIDENCE_SHOWN
                );
                break;
            }
            let place = match &e.place.0 {
                Some(origin) => origin.short(),
                None => format!("deployment {}", e.unit),
            };
            let name = if e.resource.is_empty() {
                String::new()
            } else {
                format!("{}: ", e.resource)
            };
            let _ = writeln!(
                o,
                "         {:<7} {place}  {name}{}{}",
                e.outcome.name(),
                e.detail,
                in_units(units)
            );
            if let Some(w) = &e.waiver {
                let _ = writeln!(o, "                 {}", w.describe());
            }
        }
        if let Some(w) = &a.accepted {
            let _ = writeln!(o, "         whole assumption {}", w.describe());
        }
        let file = report.answers.file.as_deref().unwrap_or("answers");
        for r in &a.answers {
            let said = match r.holds {
                Some(true) => "holds",
                Some(false) => "does not hold",
                None => "unanswered",
            };
            let _ = writeln!(
                o,
                "         answer  {file}:{}  {said}{}",
                line_of(r),
                r.detail
                    .as_deref()
                    .filter(|d| !d.is_empty())
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            );
        }
        if matches!(a.status, Status::DocOnly) {
            for d in &a.doc {
                let _ = writeln!(o, "         doc     {}  \"{}\"", d.origin.short(), d.text);
            }
        }
    }

    if !report.questions.is_empty() {
        let _ = writeln!(o, "\nOpen questions ({})", report.questions.len());
        for q in &report.questions {
            let _ = writeln!(o, "  {}  [{}]", q.id, q.assumption);
            let _ = writeln!(o, "      {}", q.text);
            let _ = writeln!(o, "      why open: {}", q.reason);
            for r in &q.resources {
                let _ = writeln!(o, "      at {}  {}", r.origin.short(), r.resource);
            }
        }
        let _ = writeln!(
            o,
            "  Answer them in the answers file (`vouch questions --write` adds them) or with `vouch clarify`."
        );
    }

    let suggestions: Vec<_> = report
        .doc_suggestions
        .iter()
        .filter(|s| detail == Detail::Full || s.kind == SuggestionKind::Correct)
        .collect();
    if !suggestions.is_empty() {
        let _ = writeln!(o, "\nFor the architecture document");
        for s in suggestions {
            match s.kind {
                SuggestionKind::Correct => {
                    for r in &s.replaces {
                        let _ = writeln!(o, "  ~ {}  replace \"{}\"", r.origin.short(), r.text);
                    }
                    let _ = writeln!(o, "      with: {}", s.text);
                }
                SuggestionKind::Add => {
                    let _ = writeln!(o, "  + {}", s.text);
                }
            }
        }
    }

    if !report.doc_inconsistencies.is_empty() {
        let _ = writeln!(o, "\nThe document disagrees with itself");
        for i in &report.doc_inconsistencies {
            let _ = writeln!(o, "  {}:", i.assumption);
            for c in &i.claims {
                let _ = writeln!(o, "    {}  \"{}\"", c.origin.short(), c.text);
            }
        }
    }

    let a = &report.answers;
    if !(a.applied.is_empty() && a.stale.is_empty() && a.conflicting.is_empty()) {
        let _ = writeln!(
            o,
            "\nAnswers: {} applied, {} stale, {} overruled by the code",
            a.applied.len(),
            a.stale.len(),
            a.conflicting.len()
        );
        let file = a.file.as_deref().unwrap_or("answers");
        let line = |r: &AnswerRef| {
            format!(
                "{file}:{}  {}",
                line_of(r),
                r.question
                    .as_deref()
                    .or(r.assumption.as_deref())
                    .unwrap_or("")
            )
        };
        for r in &a.conflicting {
            let _ = writeln!(
                o,
                "  overruled  {}  (the code settles it the other way)",
                line(r)
            );
        }
        for r in &a.stale {
            let _ = writeln!(
                o,
                "  stale      {}  (kept; no current question or assumption needs it)",
                line(r)
            );
        }
    }

    if !report.unreadable.is_empty() {
        let _ = writeln!(o, "\nNot taken into account (could not be read)");
        for u in &report.unreadable {
            let (path, line) = u
                .origin
                .region()
                .map_or(("", 0), |r| (r.file.as_str(), r.line));
            let _ = writeln!(o, "  {path}:{line}  {}", u.message);
        }
    }
}

/// `vouch questions`: the open questions alone.
pub fn questions_text(report: &Report) -> String {
    let mut o = String::new();
    if report.questions.is_empty() {
        o.push_str(
            "No open questions: the code, the answers and the document settle every assumption.\n",
        );
        return o;
    }
    for q in &report.questions {
        let _ = writeln!(o, "{}  [{}]", q.id, q.assumption);
        let _ = writeln!(o, "    {}", q.text);
        let _ = writeln!(o, "    why open: {}", q.reason);
        for r in &q.resources {
            let _ = writeln!(o, "    at {}  {}", r.origin.short(), r.resource);
        }
        let _ = writeln!(o, "    threatens: {}", q.threats.join(", "));
    }
    o
}

/// Evidence lines an assumption shows before it counts the rest.
const EVIDENCE_SHOWN: usize = 8;

/// The same finding at the same place in several deployment units (one module called by the
/// `dev`, `staging` and `prod` roots) as one line with its units, in first-seen order.
fn across_units<'e>(
    evidence: impl Iterator<Item = &'e crate::reconcile::report::Evidence>,
) -> Vec<(&'e crate::reconcile::report::Evidence, Vec<&'e str>)> {
    let mut groups: Vec<(&crate::reconcile::report::Evidence, Vec<&str>)> = Vec::new();
    let mut index: std::collections::HashMap<(String, &str, &str, Verdict, Option<String>), usize> =
        std::collections::HashMap::new();
    for e in evidence {
        let key = (
            e.place
                .0
                .as_ref()
                .map(|o| o.short())
                .unwrap_or_else(|| format!("deployment {}", e.unit)),
            e.resource.as_str(),
            e.detail.as_str(),
            e.outcome,
            e.waiver.as_ref().map(|w| w.describe()),
        );
        match index.get(&key) {
            Some(&i) => groups[i].1.push(e.unit.as_str()),
            None => {
                index.insert(key, groups.len());
                groups.push((e, vec![e.unit.as_str()]));
            }
        }
    }
    groups
}

/// "  (in 3 deployments: environments/dev, environments/prod, environments/staging)" when a
/// line stands for more than one unit.
fn in_units(units: &[&str]) -> String {
    let mut named: Vec<&str> = units.to_vec();
    named.sort_unstable();
    named.dedup();
    if named.len() < 2 {
        return String::new();
    }
    let shown = named.iter().take(3).copied().collect::<Vec<_>>().join(", ");
    let more = named.len().saturating_sub(3);
    format!(
        "  (in {} deployments: {shown}{})",
        named.len(),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}
