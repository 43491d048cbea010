//! `--format threat-composer`: the threat model as a file AWS Threat Composer opens (its schema
//! version 1): vouch's assumptions as Threat Composer assumptions, the controls they name as
//! mitigations, the report's threats as threats, and the links between them (a threat to the
//! assumptions it rests on and to the controls that mitigate it).
//!
//! Threat Composer wants UUIDs; vouch derives them from what each item is (its kind, its system
//! and its id), so the same tree gives the same file and an edit of one item does not renumber
//! the others. Texts are cut to Threat Composer's lengths.

use crate::assumptions::{Severity, Status, Stride};
use crate::reconcile::{Basis, Report, ThreatBasis};
use crate::systems::SystemReport;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Threat Composer's limits (its schema's `maxLength`s).
const CONTENT_MAX: usize = 1000;
const NAME_MAX: usize = 200;
const TAG_MAX: usize = 30;

/// The whole tree: one Threat Composer file; items of several systems carry the system's name
/// as a tag.
pub fn render_systems(systems: &[SystemReport], root: &str) -> String {
    let named = systems.len() > 1;
    let mut out = Model::default();
    for s in systems {
        out.add(&s.report, named.then_some(s.system.name.as_str()));
    }
    let risk = systems
        .iter()
        .filter_map(|s| s.report.risk)
        .max()
        .map_or("none", Severity::name);
    let description = format!(
        "Threat model of `{root}`, decided from the infrastructure code by vouch {}. Risk: {risk}. \
         Each assumption says what its status rests on (code, answers, the document, or nothing \
         yet); each mitigation is the control an assumption names, resolved when the code proves it.",
        env!("CARGO_PKG_VERSION")
    );
    let doc = json!({
        "schema": 1,
        "applicationInfo": {
            "name": cut(&format!("vouch: {root}"), NAME_MAX),
            "description": description,
        },
        "assumptions": out.assumptions,
        "mitigations": out.mitigations,
        "threats": out.threats,
        "assumptionLinks": out.assumption_links,
        "mitigationLinks": out.mitigation_links,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[derive(Default)]
struct Model {
    assumptions: Vec<Value>,
    mitigations: Vec<Value>,
    threats: Vec<Value>,
    assumption_links: Vec<Value>,
    mitigation_links: Vec<Value>,
}

impl Model {
    fn add(&mut self, report: &Report, system: Option<&str>) {
        let scope = system.unwrap_or("");
        let tags = |extra: &[&str]| -> Vec<String> {
            extra
                .iter()
                .copied()
                .chain(system)
                .map(|t| cut(t, TAG_MAX))
                .filter(|t| !t.is_empty())
                .collect()
        };
        // Assumption id → (assumption UUID, mitigation UUID).
        let mut ids: BTreeMap<&str, (String, String)> = BTreeMap::new();
        for a in &report.assumptions {
            if a.status == Status::NotApplicable {
                continue;
            }
            let assumption_id = uuid(&["assumption", scope, &a.id]);
            let mitigation_id = uuid(&["mitigation", scope, &a.id]);
            let failing = a
                .evidence
                .iter()
                .filter(|e| e.outcome == crate::reconcile::Verdict::Fail)
                .map(|e| format!("{}: {}", e.resource, e.detail))
                .collect::<Vec<_>>();
            let mut comment = format!(
                "vouch {}: {} (rests on {}).",
                a.id,
                a.status.name(),
                a.basis.name()
            );
            if !failing.is_empty() {
                comment.push_str(" Failing: ");
                comment.push_str(&failing.join("; "));
            }
            let n = self.assumptions.len() + 1;
            self.assumptions.push(json!({
                "id": assumption_id,
                "numericId": n,
                "displayOrder": n,
                "content": cut(&a.title, CONTENT_MAX),
                "tags": tags(&[a.status.name(), a.basis.name()]),
                "metadata": [{"key": "Comments", "value": cut(&comment, CONTENT_MAX)}],
            }));
            let status = match a.status {
                Status::Verified => "mitigationResolved",
                Status::Answered | Status::DocOnly if a.holds == Some(true) => "mitigationResolved",
                Status::Invalid | Status::Contradicted if crate::waivers::waived(a) => {
                    "mitigationResolvedWillNotAction"
                }
                _ => "mitigationIdentified",
            };
            self.mitigations.push(json!({
                "id": mitigation_id,
                "numericId": n,
                "displayOrder": n,
                "content": cut(&a.title, CONTENT_MAX),
                "status": status,
                "tags": tags(&[a.id.as_str()]),
            }));
            ids.insert(a.id.as_str(), (assumption_id, mitigation_id));
        }
        for t in &report.threats {
            let id = uuid(&["threat", scope, &t.id]);
            let n = self.threats.len() + 1;
            let status = match t.basis {
                ThreatBasis::Residual => "threatResolved",
                ThreatBasis::Confirmed | ThreatBasis::Open => "threatIdentified",
            };
            let basis = match (t.basis, t.rests_on) {
                (ThreatBasis::Confirmed, Basis::Code) => "confirmed by the code",
                (ThreatBasis::Confirmed, _) => "confirmed",
                (ThreatBasis::Open, _) => "possible while its assumptions are open",
                (ThreatBasis::Residual, _) => "what remains when its assumptions hold",
            };
            self.threats.push(json!({
                "id": id,
                "numericId": n,
                "displayOrder": n,
                "statement": cut(&format!("{}: {}", t.title, t.description), CONTENT_MAX),
                "threatAction": cut(&lowercase_first(&t.title), NAME_MAX),
                "status": status,
                "tags": tags(&[t.basis.name()]),
                "metadata": [
                    {"key": "STRIDE", "value": [stride_letter(t.stride)]},
                    {"key": "Priority", "value": priority(t.severity)},
                    {"key": "Comments", "value": cut(&format!("{} severity, {basis} (vouch)", t.severity.name()), CONTENT_MAX)},
                ],
            }));
            for a in &t.assumptions {
                if let Some((assumption, mitigation)) = ids.get(a.as_str()) {
                    self.assumption_links.push(json!({
                        "type": "Threat",
                        "assumptionId": assumption,
                        "linkedId": id,
                    }));
                    self.mitigation_links.push(json!({
                        "mitigationId": mitigation,
                        "linkedId": id,
                    }));
                }
            }
        }
        // Each assumption is what its own control rests on.
        for (assumption, mitigation) in ids.values() {
            self.assumption_links.push(json!({
                "type": "Mitigation",
                "assumptionId": assumption,
                "linkedId": mitigation,
            }));
        }
    }
}

/// A version-4-shaped UUID from a hash of identity parts (stable, not random).
fn uuid(parts: &[&str]) -> String {
    let h = crate::report::alerts::fingerprint(parts);
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn stride_letter(s: Stride) -> &'static str {
    match s {
        Stride::Spoofing => "S",
        Stride::Tampering => "T",
        Stride::Repudiation => "R",
        Stride::InformationDisclosure => "I",
        Stride::DenialOfService => "D",
        Stride::ElevationOfPrivilege => "E",
    }
}

fn priority(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    }
}

/// Threat Composer wants the action's first word in lower case.
fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// At most `max` characters, ending in `…` when cut.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_stable_and_shaped_as_version_4() {
        let a = uuid(&["threat", "", "x"]);
        assert_eq!(a, uuid(&["threat", "", "x"]));
        assert_ne!(a, uuid(&["threat", "", "y"]));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_eq!(&a[19..20], "8");
    }

    #[test]
    fn texts_are_cut_to_the_limit() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
    }
}
