//! Waivers: what a team decided about a finding the code proves. Two kinds: a suppression the
//! code declares (`# vouch:ignore`, CloudFormation `Metadata`; `model::suppressions`) and a risk
//! accepted in the answers file (`accepted:`, `by:`, `expires:`).
//!
//! A waived finding stays in the report, marked with its waiver (why, who, where it is written),
//! and leaves the gate. An acceptance past its `expires` date is still shown, marked expired, and
//! waives nothing: the finding counts again. Waivers never change a status: the code still
//! proves what it proves.

use crate::assumptions::Status;
use crate::diagnostics::Diagnostic;
use crate::model::suppressions::Suppression;
use crate::reconcile::{AssumptionReport, Report, Verdict};
use crate::source::{Origin, Sources};
use serde::Serialize;

/// How a finding was waived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaiverKind {
    /// A suppression written in the code.
    InSource,
    /// A risk accepted in the answers file.
    Accepted,
}

/// A waiver as the report shows it on a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Waiver {
    pub kind: WaiverKind,
    pub reason: String,
    /// Who accepted the risk (accepted risks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The last day the acceptance holds, YYYY-MM-DD (accepted risks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The acceptance is past its date: it waives nothing any more.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub expired: bool,
    /// Where it is written: the comment, the `Metadata` entry or the answers file's entry.
    pub at: Origin,
}

impl Waiver {
    /// Whether it takes the finding out of the gate.
    pub fn active(&self) -> bool {
        !self.expired
    }

    /// One line for people: "suppressed at main.tf:3: reason".
    pub fn describe(&self) -> String {
        let at = self.at.short();
        match self.kind {
            WaiverKind::InSource => format!("suppressed at {at}: {}", self.reason),
            WaiverKind::Accepted => {
                let by = self.by.as_deref().unwrap_or("?");
                let until = self.expires.as_deref().unwrap_or("?");
                if self.expired {
                    format!(
                        "accepted by {by} until {until} ({at}), and the acceptance has expired: {}",
                        self.reason
                    )
                } else {
                    format!("accepted by {by} until {until} ({at}): {}", self.reason)
                }
            }
        }
    }
}

/// A risk accepted in the answers file, for one assumption or one of its resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    pub assumption: String,
    /// The resource's address; `None`: every failing subject of the assumption.
    pub resource: Option<String>,
    pub reason: String,
    pub by: String,
    /// YYYY-MM-DD, the last day it holds.
    pub expires: String,
    /// The entry in the answers file.
    pub origin: Origin,
    /// The entry's byte offset in the answers file (for a diagnostic's snippet).
    pub offset: usize,
}

impl Acceptance {
    fn waiver(&self, today: &str) -> Waiver {
        Waiver {
            kind: WaiverKind::Accepted,
            reason: self.reason.clone(),
            by: Some(self.by.clone()),
            expires: Some(self.expires.clone()),
            // Dates written YYYY-MM-DD order as text.
            expired: self.expires.as_str() < today,
            at: self.origin.clone(),
        }
    }
}

/// Which suppressions and acceptances a report used, by index.
#[derive(Debug, Clone, Default)]
pub struct Used {
    pub suppressions: Vec<bool>,
    pub acceptances: Vec<bool>,
}

impl Used {
    pub fn new(suppressions: usize, acceptances: usize) -> Used {
        Used {
            suppressions: vec![false; suppressions],
            acceptances: vec![false; acceptances],
        }
    }

    /// Marks what another system's report used too.
    pub fn merge(&mut self, other: &Used) {
        for (a, b) in self.suppressions.iter_mut().zip(&other.suppressions) {
            *a |= *b;
        }
        for (a, b) in self.acceptances.iter_mut().zip(&other.acceptances) {
            *a |= *b;
        }
    }
}

/// Marks the failing evidence of every `invalid` or `contradicted` assumption with the waiver
/// that covers it: a suppression in the code first (it sits next to the resource), else an
/// acceptance of that resource, else one of the whole assumption. An acceptance of the whole
/// assumption is also recorded on the assumption (it covers a contradicted sentence too).
/// Linear in the evidence times the waivers naming its assumption (a handful).
pub fn apply(
    report: &mut Report,
    suppressions: &[Suppression],
    acceptances: &[Acceptance],
    sources: &Sources,
    today: &str,
) -> Used {
    let mut used = Used::new(suppressions.len(), acceptances.len());
    for a in &mut report.assumptions {
        if !matches!(a.status, Status::Invalid | Status::Contradicted) {
            continue;
        }
        let mine: Vec<(usize, &Suppression)> = suppressions
            .iter()
            .enumerate()
            .filter(|(_, s)| s.assumption == a.id)
            .collect();
        let accepted: Vec<(usize, &Acceptance)> = acceptances
            .iter()
            .enumerate()
            .filter(|(_, x)| x.assumption == a.id)
            .collect();
        if mine.is_empty() && accepted.is_empty() {
            continue;
        }
        if let Some((i, whole)) = accepted.iter().find(|(_, x)| x.resource.is_none()) {
            a.accepted = Some(whole.waiver(today));
            used.acceptances[*i] = true;
        }
        for e in a.evidence.iter_mut().filter(|e| e.outcome == Verdict::Fail) {
            let at = e
                .place
                .0
                .as_ref()
                .and_then(Origin::region)
                .map(|r| (r.file.as_str(), r.line));
            if let Some((i, s)) = mine
                .iter()
                .find(|(_, s)| s.covers(&a.id, &e.unit, &e.resource, at))
            {
                used.suppressions[*i] = true;
                e.waiver = Some(Waiver {
                    kind: WaiverKind::InSource,
                    reason: s.reason.clone(),
                    by: None,
                    expires: None,
                    expired: false,
                    at: Origin::Source(sources.region(s.span)),
                });
                continue;
            }
            let of_resource = accepted
                .iter()
                .find(|(_, x)| x.resource.as_deref() == Some(e.resource.as_str()))
                .or_else(|| accepted.iter().find(|(_, x)| x.resource.is_none()));
            if let Some((i, x)) = of_resource {
                used.acceptances[*i] = true;
                e.waiver = Some(x.waiver(today));
            }
        }
    }
    used
}

/// Whether an `invalid` or `contradicted` assumption leaves the gate: an active acceptance of
/// the whole assumption, or failing evidence every piece of which an active waiver covers.
pub fn waived(a: &AssumptionReport) -> bool {
    if a.accepted.as_ref().is_some_and(Waiver::active) {
        return true;
    }
    let mut failing = a
        .evidence
        .iter()
        .filter(|e| e.outcome == Verdict::Fail)
        .peekable();
    failing.peek().is_some() && failing.all(|e| e.waiver.as_ref().is_some_and(Waiver::active))
}

/// A warning for every suppression and acceptance no failing finding used: it may name the
/// wrong assumption or resource, or the finding has been fixed and it can go.
pub fn unused(
    used: &Used,
    suppressions: &[Suppression],
    acceptances: &[Acceptance],
    sources: &Sources,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (s, _) in suppressions
        .iter()
        .zip(&used.suppressions)
        .filter(|(_, u)| !**u)
    {
        let r = sources.region(s.span);
        // One declaration can make several suppressions (one per unit): warn once.
        if out
            .iter()
            .any(|d: &Diagnostic| d.path == r.file && d.line == r.line)
        {
            continue;
        }
        out.push(
            Diagnostic::warning(
                &r.file,
                crate::model::suppressions::CODE,
                format!(
                    "this suppression of `{}` matches no failing finding: nothing is suppressed",
                    s.assumption
                ),
            )
            .at(r.line as usize, r.column as usize, s.span.start as usize)
            .hint("remove it if the finding was fixed, or check the assumption id and where the comment is"),
        );
    }
    for (x, _) in acceptances
        .iter()
        .zip(&used.acceptances)
        .filter(|(_, u)| !**u)
    {
        let (file, line, column) = x.origin.region().map_or((String::new(), 0, 0), |r| {
            (r.file.clone(), r.line, r.column)
        });
        out.push(
            Diagnostic::warning(
                &file,
                crate::answers::CODE,
                format!(
                    "the accepted risk of `{}`{} matches no failing finding: nothing is accepted",
                    x.assumption,
                    x.resource
                        .as_deref()
                        .map(|r| format!(" for {r}"))
                        .unwrap_or_default()
                ),
            )
            .at(line as usize, column as usize, x.offset)
            .hint("remove the entry if the finding was fixed, or check the assumption id and the resource address"),
        );
    }
    out
}
