//! `--format otm`: the threat model in the Open Threat Model format (IriusRisk's OTM, schema
//! 0.2.0), so a threat-modelling tool that reads OTM starts from what the code proves.
//!
//! Per system: the trust zones and components of its data-flow view (`crate::diagram`: the
//! internet, third parties, the edge, each VPC, the account), the flows between them, the
//! report's threats with their STRIDE category and severity, and one mitigation per assumption
//! (the control it names), linked to the threats it mitigates on the components the threat is
//! about. OTM requires numbers vouch has no fact for (a zone's trust rating, a threat's
//! likelihood and impact, a mitigation's risk reduction): each comes from a fixed mapping of
//! what vouch does know, documented in docs/otm.md, and the likelihood, which nothing in the
//! code says, is `null` (the schema allows it) with a comment saying why.
//!
//! Each component also points at the file and line that declare it (a `code` representation).
//! Nothing here decides anything: it reads the typed report, the diagram and the model's spans.

use crate::assumptions::{Severity, Status, Stride};
use crate::diagram::{Boundary, Diagram, Role};
use crate::reconcile::{AssumptionReport, Report, ThreatBasis, ThreatReport, Verdict};
use crate::systems::SystemReport;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The OTM schema version the output follows.
pub const OTM_VERSION: &str = "0.2.0";

/// The whole tree as one OTM file; `diagrams` are the systems' views in the same order
/// (`crate::diagram::for_systems`, not collapsed: OTM has no size limit to draw).
pub fn render_systems(
    systems: &[SystemReport],
    diagrams: &[Diagram],
    scan: &crate::Scan,
    root: &str,
) -> String {
    let several = systems.len() > 1;
    let mut out = Otm {
        declared: declarations(scan),
        ..Otm::default()
    };
    for (s, d) in systems.iter().zip(diagrams) {
        let scope = if several {
            crate::diagram::stable_id("s", &s.system.id, "")
        } else {
            String::new()
        };
        let name = several.then_some(s.system.name.as_str());
        out.add(
            &s.report,
            d,
            &Scope {
                prefix: scope,
                name,
            },
        );
    }
    let risk = systems
        .iter()
        .filter_map(|s| s.report.risk)
        .max()
        .map_or("none", Severity::name);
    let doc = json!({
        "otmVersion": OTM_VERSION,
        "project": {
            "name": format!("vouch: {root}"),
            "id": crate::diagram::stable_id("vouch", root, ""),
            "description": format!(
                "Threat model of `{root}`, decided from the infrastructure code by vouch {}. \
                 Risk: {risk}. Trust ratings, impacts and risk reductions follow vouch's \
                 documented mapping (docs/otm.md); likelihood is left empty because the code \
                 does not say it.",
                env!("CARGO_PKG_VERSION")
            ),
            "tags": ["vouch"],
            "attributes": {
                "generator": format!("vouch {}", env!("CARGO_PKG_VERSION")),
                "risk": risk,
            },
        },
        "representations": [{
            "name": "Infrastructure code",
            "id": CODE,
            "type": "code",
            "description": "The Terraform and CloudFormation files vouch read; each component names the file and line that declares it (paths relative to the scanned root).",
        }],
        "trustZones": out.zones,
        "components": out.components,
        "dataflows": out.dataflows,
        "threats": out.threats,
        "mitigations": out.mitigations,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Which system the items belong to: ids are prefixed with it when the file holds several.
struct Scope<'a> {
    prefix: String,
    name: Option<&'a str>,
}

impl Scope<'_> {
    fn id(&self, id: &str) -> String {
        if self.prefix.is_empty() {
            id.to_string()
        } else {
            format!("{}.{id}", self.prefix)
        }
    }

    fn tags(&self, extra: &[&str]) -> Vec<String> {
        extra
            .iter()
            .copied()
            .chain(self.name)
            .map(str::to_string)
            .collect()
    }
}

/// The id of the code representation: components point into the files that declare them.
const CODE: &str = "code";

/// Where each block (unit, address without instance keys) is first declared: file and line.
type Declarations = HashMap<(String, String), (String, u32)>;

/// One pass over the model. Resources read from the live account are declared in no file of
/// the tree and get no location.
fn declarations(scan: &crate::Scan) -> Declarations {
    let model = &scan.model;
    let mut out = Declarations::new();
    for r in &model.resources {
        let key = (
            r.unit.clone(),
            crate::model::kinds::path_without_indices(&r.address),
        );
        if out.contains_key(&key) || model.record_at(r.span).is_some() {
            continue;
        }
        let at = scan.loaded.sources.region(r.span);
        out.insert(key, (at.file, at.line));
    }
    out
}

#[derive(Default)]
struct Otm {
    declared: Declarations,
    zones: Vec<Value>,
    components: Vec<Value>,
    dataflows: Vec<Value>,
    threats: Vec<Value>,
    mitigations: Vec<Value>,
}

/// The component that stands for the system as a whole: it carries the threats that are about
/// no component of the view (a whole deployment, a role or key the view does not draw, a
/// document's claim).
const SYSTEM_COMPONENT: &str = "system";

impl Otm {
    fn add(&mut self, report: &Report, diagram: &Diagram, scope: &Scope) {
        // Trust zones: every boundary that holds a component, and the account, which holds the
        // system component and encloses each VPC.
        let mut boundaries: BTreeSet<Boundary> = diagram.boundaries().into_iter().collect();
        boundaries.insert(Boundary::Account);
        // Subnets sit in their VPC's zone: that zone exists even when it holds nothing else.
        let vpcs: Vec<Boundary> = boundaries
            .iter()
            .filter_map(|b| match b {
                Boundary::Subnets { vpc, .. } => Some(Boundary::Vpc { name: vpc.clone() }),
                _ => None,
            })
            .collect();
        boundaries.extend(vpcs);
        let account = scope.id(&Boundary::Account.id());
        for b in &boundaries {
            let mut zone = json!({
                "id": scope.id(&b.id()),
                "name": b.title(),
                "type": zone_type(b),
                "description": zone_description(b),
                "risk": { "trustRating": trust_rating(b) },
            });
            match b {
                Boundary::Vpc { .. } => zone["parent"] = json!({ "trustZone": account }),
                Boundary::Subnets { vpc, .. } => {
                    let parent = Boundary::Vpc { name: vpc.clone() };
                    zone["parent"] = json!({ "trustZone": scope.id(&parent.id()) });
                }
                _ => {}
            }
            self.zones.push(zone);
        }

        // Which components each threat is about, with the threat's state there. A confirmed or
        // open threat is on the nodes the view marks with its assumption's finding or question
        // (the view places each instance exactly); a residual one on the nodes of the resources
        // that pass, unless the node also fails or asks about it (a block split over zones).
        let by_id: HashMap<&str, &AssumptionReport> = report
            .assumptions
            .iter()
            .map(|a| (a.id.as_str(), a))
            .collect();
        let asks: HashMap<&str, &str> = report
            .questions
            .iter()
            .map(|q| (q.id.as_str(), q.assumption.as_str()))
            .collect();
        let mut failing_on: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut open_on: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut nodes_of: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, n) in diagram.nodes.iter().enumerate() {
            // A waived failure is still on the component, accepted rather than exposed.
            for a in n.findings.iter().chain(n.waived.iter()) {
                let on = failing_on.entry(a.as_str()).or_default();
                if on.last() != Some(&i) {
                    on.push(i);
                }
            }
            for a in n.questions.iter().filter_map(|q| asks.get(q.as_str())) {
                open_on.entry(a).or_default().push(i);
            }
            nodes_of
                .entry((n.unit.as_str(), n.name.as_str()))
                .or_default()
                .push(i);
        }
        let system = diagram.nodes.len();
        // Component (node index, or `system`) → threat id → state.
        let mut on: BTreeMap<usize, BTreeMap<&str, &'static str>> = BTreeMap::new();
        for t in &report.threats {
            let mut placed = false;
            for a in t.assumptions.iter().filter_map(|a| by_id.get(a.as_str())) {
                match t.basis {
                    ThreatBasis::Confirmed => {
                        let waived = waived_by_block(a);
                        for &n in failing_on.get(a.id.as_str()).into_iter().flatten() {
                            let node = &diagram.nodes[n];
                            let state = if !node.findings.contains(&a.id)
                                || waived
                                    .get(&(node.unit.as_str(), node.name.clone()))
                                    .copied()
                                    .unwrap_or(false)
                            {
                                "accepted"
                            } else {
                                "exposed"
                            };
                            merge_state(on.entry(n).or_default(), &t.id, state);
                            placed = true;
                        }
                    }
                    ThreatBasis::Open => {
                        for &n in open_on.get(a.id.as_str()).into_iter().flatten() {
                            merge_state(on.entry(n).or_default(), &t.id, "open");
                            placed = true;
                        }
                    }
                    ThreatBasis::Residual => {
                        for e in a.evidence.iter().filter(|e| e.outcome == Verdict::Pass) {
                            let block = crate::model::kinds::path_without_indices(&e.resource);
                            for &n in nodes_of
                                .get(&(e.unit.as_str(), block.as_str()))
                                .into_iter()
                                .flatten()
                            {
                                let node = &diagram.nodes[n];
                                let other = node.findings.contains(&a.id)
                                    || node
                                        .questions
                                        .iter()
                                        .any(|q| asks.get(q.as_str()) == Some(&a.id.as_str()));
                                if !other {
                                    merge_state(on.entry(n).or_default(), &t.id, "mitigated");
                                    placed = true;
                                }
                            }
                        }
                    }
                }
            }
            if !placed {
                merge_state(
                    on.entry(system).or_default(),
                    &t.id,
                    threat_state(t, &by_id),
                );
            }
        }

        // Mitigations: the control each assumption names.
        let mut mitigation_state: HashMap<&str, &'static str> = HashMap::new();
        for a in &report.assumptions {
            if a.status == Status::NotApplicable {
                continue;
            }
            let Some(rule) = crate::assumptions::rule(&a.id) else {
                continue;
            };
            let state = mitigation_state_of(a);
            mitigation_state.insert(a.id.as_str(), state);
            self.mitigations.push(json!({
                "id": scope.id(&mitigation_id(&a.id)),
                "name": a.title,
                "description": rule.suggestion.holds,
                "riskReduction": risk_reduction(rule),
                "attributes": {
                    "assumption": a.id,
                    "status": a.status.name(),
                    "basis": a.basis.name(),
                    "state": state,
                },
            }));
        }
        let threat_of: HashMap<&str, &ThreatReport> =
            report.threats.iter().map(|t| (t.id.as_str(), t)).collect();
        let instances = |threats: Option<&BTreeMap<&str, &'static str>>| -> Vec<Value> {
            let mut out = Vec::new();
            for (id, state) in threats.into_iter().flatten() {
                let Some(t) = threat_of.get(id) else {
                    continue;
                };
                let mitigations: Vec<Value> = t
                    .assumptions
                    .iter()
                    .filter_map(|a| {
                        mitigation_state.get(a.as_str()).map(
                            |s| json!({ "mitigation": scope.id(&mitigation_id(a)), "state": s }),
                        )
                    })
                    .collect();
                out.push(json!({
                    "threat": scope.id(id),
                    "state": state,
                    "mitigations": mitigations,
                }));
            }
            out
        };

        // Components: the view's nodes, each in its zone, and the system as a whole.
        for (i, n) in diagram.nodes.iter().enumerate() {
            let mut description = if n.role == Role::Internet {
                "Anyone on the internet.".to_string()
            } else {
                format!(
                    "{} `{}` ({}), deployment unit `{}`",
                    n.role.name(),
                    n.name,
                    n.kind,
                    n.unit
                )
            };
            if n.count > 1 {
                description.push_str(&format!(", {} instances", n.count));
            }
            if !n.details.is_empty() {
                description.push_str(&format!("; {}", n.details.join("; ")));
            }
            if n.role != Role::Internet {
                description.push('.');
            }
            let representations: Vec<Value> = self
                .declared
                .get(&(n.unit.clone(), n.name.clone()))
                .map(|(file, line)| {
                    json!({
                        "representation": CODE,
                        "id": format!("{}@{CODE}", scope.id(&n.id)),
                        "name": n.name,
                        "file": file,
                        "line": line,
                    })
                })
                .into_iter()
                .collect();
            self.components.push(json!({
                "id": scope.id(&n.id),
                "representations": representations,
                "name": n.name,
                "type": if n.role == Role::Internet { "internet" } else { n.kind.as_str() },
                "description": description,
                "parent": { "trustZone": scope.id(&n.boundary.id()) },
                "threats": instances(on.get(&i)),
                "tags": scope.tags(&[n.role.name()]),
                "attributes": {
                    "role": n.role.name(),
                    "unit": n.unit,
                    "instances": n.count.to_string(),
                },
            }));
        }
        self.components.push(json!({
            "id": scope.id(SYSTEM_COMPONENT),
            "name": scope.name.unwrap_or("The system as a whole"),
            "type": "system",
            "description": format!(
                "The deployment units {} as a whole: the threats about no single component of \
                 the view (a whole deployment, a role or key, what only a document or an answer \
                 settles).",
                report.units.join(", ")
            ),
            "parent": { "trustZone": account },
            "threats": instances(on.get(&system)),
            "tags": scope.tags(&["system"]),
        }));

        // Data flows: the view's flows.
        for f in &diagram.flows {
            let (from, to) = (&diagram.nodes[f.from], &diagram.nodes[f.to]);
            let kind = match f.kind {
                crate::diagram::FlowKind::Invokes => "invokes",
                crate::diagram::FlowKind::Access => "access",
                crate::diagram::FlowKind::Network => "network",
            };
            self.dataflows.push(json!({
                "id": scope.id(&format!("f_{kind}_{}_{}", from.id, to.id)),
                "name": f.label,
                "description": format!("{} → {}: {kind} ({})", from.name, to.name, f.label),
                "bidirectional": false,
                "source": scope.id(&from.id),
                "destination": scope.id(&to.id),
                "tags": scope.tags(&[kind]),
            }));
        }

        // Threats.
        for t in &report.threats {
            let cwes: Vec<&str> = t
                .assumptions
                .iter()
                .filter_map(|a| crate::assumptions::rule(a))
                .flat_map(|r| r.references.iter())
                .filter(|x| x.starts_with("CWE-"))
                .map(String::as_str)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            self.threats.push(json!({
                "id": scope.id(&t.id),
                "name": t.title,
                "description": t.description,
                "categories": [stride_category(t.stride)],
                "cwes": cwes,
                "risk": {
                    "likelihood": null,
                    "likelihoodComment": "vouch does not estimate likelihood: the code says \
                        whether a weakness is there, not how likely an attacker is to use it.",
                    "impact": impact(t.severity),
                    "impactComment": format!(
                        "vouch severity {} ({}; {}), on the scale low 25, medium 50, high 75, \
                         critical 100 (docs/otm.md).",
                        t.severity.name(),
                        t.basis.name(),
                        basis_words(t)
                    ),
                },
                "tags": scope.tags(&[t.basis.name(), t.severity.name()]),
                "attributes": {
                    "basis": t.basis.name(),
                    "restsOn": t.rests_on.name(),
                    "severity": t.severity.name(),
                    "assumptions": t.assumptions.join(", "),
                },
            }));
        }
    }
}

fn mitigation_id(assumption: &str) -> String {
    format!("M-{assumption}")
}

/// Keeps the state that needs the most attention when a threat is on one component twice (two
/// instances of one block, one waived and one not).
fn merge_state<'a>(
    states: &mut BTreeMap<&'a str, &'static str>,
    threat: &'a str,
    state: &'static str,
) {
    const ORDER: [&str; 4] = ["exposed", "open", "accepted", "mitigated"];
    let rank = |s: &str| ORDER.iter().position(|o| *o == s).unwrap_or(ORDER.len());
    let e = states.entry(threat).or_insert(state);
    if rank(state) < rank(e) {
        *e = state;
    }
}

/// For each block (unit, address without instance keys) an assumption fails on: whether every
/// failing subject there is waived (or the whole assumption is an accepted risk), so the threat
/// is accepted there rather than exposed. One pass over the evidence.
fn waived_by_block(a: &AssumptionReport) -> HashMap<(&str, String), bool> {
    let whole = a.accepted.as_ref().is_some_and(|w| w.active());
    let mut out: HashMap<(&str, String), bool> = HashMap::new();
    for e in a.evidence.iter().filter(|e| e.outcome == Verdict::Fail) {
        let covered = whole || e.waiver.as_ref().is_some_and(|w| w.active());
        *out.entry((
            e.unit.as_str(),
            crate::model::kinds::path_without_indices(&e.resource),
        ))
        .or_insert(true) &= covered;
    }
    out
}

/// The state of a threat about no component.
fn threat_state(t: &ThreatReport, by_id: &HashMap<&str, &AssumptionReport>) -> &'static str {
    match t.basis {
        ThreatBasis::Confirmed => {
            let waived = t
                .assumptions
                .iter()
                .filter_map(|a| by_id.get(a.as_str()))
                .any(|a| crate::waivers::waived(a));
            if waived {
                "accepted"
            } else {
                "exposed"
            }
        }
        ThreatBasis::Open => "open",
        ThreatBasis::Residual => "mitigated",
    }
}

/// What the control of an assumption is: in place, missing, only claimed, or not known.
fn mitigation_state_of(a: &AssumptionReport) -> &'static str {
    match (a.status, a.holds) {
        (Status::Verified, _) | (Status::Answered, Some(true)) => "implemented",
        (Status::Invalid | Status::Contradicted, _) => "required",
        (Status::Answered | Status::DocOnly, Some(false)) => "required",
        (Status::DocOnly, _) => "claimed",
        _ => "unknown",
    }
}

/// OTM's 0–100 impact, from vouch's severity (an ordinal scale, docs/otm.md).
fn impact(s: Severity) -> u32 {
    match s {
        Severity::Low => 25,
        Severity::Medium => 50,
        Severity::High => 75,
        Severity::Critical => 100,
    }
}

/// How much of the threat's impact the control removes: from the confirmed threat's severity
/// down to the residual threat's (all of it when the rule names no residual threat).
fn risk_reduction(rule: &crate::assumptions::Rule) -> u32 {
    let before = impact(rule.threat.severity.invalid);
    let after = rule
        .threat
        .residual
        .as_ref()
        .map_or(0, |r| impact(r.severity).min(before));
    (100 * (before - after) + before / 2) / before
}

fn basis_words(t: &ThreatReport) -> &'static str {
    match t.basis {
        ThreatBasis::Confirmed => "the assumption it rests on fails",
        ThreatBasis::Open => "the worst case while its assumption is open",
        ThreatBasis::Residual => "what remains when its assumption holds",
    }
}

fn stride_category(s: Stride) -> &'static str {
    match s {
        Stride::Spoofing => "Spoofing",
        Stride::Tampering => "Tampering",
        Stride::Repudiation => "Repudiation",
        Stride::InformationDisclosure => "Information Disclosure",
        Stride::DenialOfService => "Denial of Service",
        Stride::ElevationOfPrivilege => "Elevation of Privilege",
    }
}

fn zone_type(b: &Boundary) -> &'static str {
    match b {
        Boundary::Internet => "internet",
        Boundary::ThirdParty => "third-party",
        Boundary::Edge => "edge",
        Boundary::Vpc { .. } => "vpc",
        Boundary::Subnets { .. } => "subnet",
        Boundary::Account => "account",
    }
}

fn zone_description(b: &Boundary) -> &'static str {
    match b {
        Boundary::Internet => "Anyone on the internet.",
        Boundary::ThirdParty => {
            "Parties outside the account the system trusts: its identity providers."
        }
        Boundary::Edge => "The public edges: what the internet calls (APIs, distributions, URLs).",
        Boundary::Vpc { .. } => "Compute placed in this VPC's subnets.",
        Boundary::Subnets {
            public: Some(true), ..
        } => "Subnets of the VPC that route to an internet gateway.",
        Boundary::Subnets {
            public: Some(false),
            ..
        } => "Subnets of the VPC with no route to an internet gateway.",
        Boundary::Subnets { public: None, .. } => {
            "Subnets of the VPC whose routing the code does not settle."
        }
        Boundary::Account => "The AWS account: compute outside any VPC, data stores, keys.",
    }
}

/// OTM's 0–100 trust rating: a rank by distance from the internet, not a measurement
/// (docs/otm.md). Nothing in the code proves a zone fully trustworthy, so none is 100.
fn trust_rating(b: &Boundary) -> u32 {
    match b {
        Boundary::Internet => 0,
        Boundary::ThirdParty => 25,
        Boundary::Edge => 50,
        // A subnet that routes to the internet is as exposed as the edge; one whose routing
        // is not settled gets no more trust than that.
        Boundary::Subnets {
            public: Some(false),
            ..
        } => 75,
        Boundary::Subnets { .. } => 50,
        Boundary::Account | Boundary::Vpc { .. } => 75,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_reduction_is_the_drop_from_the_confirmed_to_the_residual_severity() {
        let rule = crate::assumptions::rule("auth.mfa-required").unwrap();
        // high (75) down to a low (25) residual: two thirds of the impact.
        assert_eq!(risk_reduction(rule), 67);
        let none = crate::assumptions::catalog()
            .iter()
            .find(|r| r.threat.residual.is_none())
            .unwrap();
        assert_eq!(risk_reduction(none), 100);
    }

    #[test]
    fn the_state_that_needs_attention_wins() {
        let mut m = BTreeMap::new();
        merge_state(&mut m, "T-x", "accepted");
        merge_state(&mut m, "T-x", "exposed");
        merge_state(&mut m, "T-x", "mitigated");
        assert_eq!(m["T-x"], "exposed");
    }
}
