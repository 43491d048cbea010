//! Threats and risk: what each decided assumption feeds into the threat list, and the risk the
//! list adds up to.

use super::decide::Decision;
use super::report::{Basis, ThreatBasis, ThreatReport};
use crate::assumptions::{Rule, Severity, Status};

/// What a status rests on.
pub fn basis(status: Status) -> Basis {
    match status {
        Status::Verified | Status::Invalid | Status::Contradicted => Basis::Code,
        Status::Answered => Basis::Answers,
        Status::DocOnly => Basis::Doc,
        Status::NeedsClarification => Basis::Assumption,
        Status::NotApplicable => Basis::None,
    }
}

/// The id of the threat an assumption feeds.
pub fn threat_id(rule: &Rule) -> String {
    format!("T-{}", rule.id)
}

/// How a decision enters the threat list: confirmed when the assumption fails, open while
/// nothing settles it (or only the document says it holds), residual when it holds.
pub fn threat_basis(d: &Decision) -> Option<ThreatBasis> {
    let confirmed = matches!(d.status, Status::Invalid | Status::Contradicted)
        || (matches!(d.status, Status::Answered | Status::DocOnly) && d.holds == Some(false));
    let open = d.status == Status::NeedsClarification
        || (d.status == Status::DocOnly && d.holds == Some(true));
    let holds =
        d.status == Status::Verified || (d.status == Status::Answered && d.holds == Some(true));
    if confirmed {
        Some(ThreatBasis::Confirmed)
    } else if open {
        Some(ThreatBasis::Open)
    } else if holds {
        Some(ThreatBasis::Residual)
    } else {
        None
    }
}

/// The threat a decided rule feeds, if any (a rule that holds feeds its residual threat, when it
/// has one).
pub fn threat(rule: &Rule, d: &Decision) -> Option<ThreatReport> {
    let basis = threat_basis(d)?;
    let t = &rule.threat;
    let (id, title, severity) = match basis {
        ThreatBasis::Confirmed => (threat_id(rule), t.title.clone(), t.severity.invalid),
        ThreatBasis::Open => (threat_id(rule), t.title.clone(), t.severity.open),
        ThreatBasis::Residual => {
            let res = t.residual.as_ref()?;
            (
                format!("{}.residual", threat_id(rule)),
                res.title.clone(),
                res.severity,
            )
        }
    };
    Some(ThreatReport {
        id,
        title,
        description: t.description.clone(),
        stride: rule.stride,
        severity,
        basis,
        rests_on: self::basis(d.status),
        assumptions: vec![rule.id.clone()],
    })
}

/// The risk (highest confirmed severity) and the risk if every open assumption turned out bad
/// (highest severity that is not residual).
pub fn risk(threats: &[ThreatReport]) -> (Option<Severity>, Option<Severity>) {
    let max = |keep: fn(ThreatBasis) -> bool| {
        threats
            .iter()
            .filter(|t| keep(t.basis))
            .map(|t| t.severity)
            .max()
    };
    (
        max(|b| b == ThreatBasis::Confirmed),
        max(|b| b != ThreatBasis::Residual),
    )
}

/// Most severe first, then by id.
pub fn sort(threats: &mut [ThreatReport]) {
    threats.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(status: Status, holds: Option<bool>) -> Decision {
        Decision {
            status,
            holds,
            subjects: Vec::new(),
            open: Vec::new(),
            answers: Default::default(),
            inconsistent: Vec::new(),
            account_question: None,
        }
    }

    fn rule_with_residual() -> &'static Rule {
        crate::assumptions::catalog()
            .iter()
            .find(|r| r.threat.residual.is_some())
            .expect("a rule with a residual threat")
    }

    #[test]
    fn each_status_feeds_the_threat_it_should() {
        let rule = rule_with_residual();
        let t = threat(rule, &decision(Status::Invalid, None)).unwrap();
        assert_eq!((t.basis, t.rests_on), (ThreatBasis::Confirmed, Basis::Code));
        assert_eq!(t.severity, rule.threat.severity.invalid);
        assert_eq!(t.id, format!("T-{}", rule.id));

        let t = threat(rule, &decision(Status::DocOnly, Some(false))).unwrap();
        assert_eq!((t.basis, t.rests_on), (ThreatBasis::Confirmed, Basis::Doc));
        let t = threat(rule, &decision(Status::DocOnly, Some(true))).unwrap();
        assert_eq!((t.basis, t.rests_on), (ThreatBasis::Open, Basis::Doc));
        assert_eq!(t.severity, rule.threat.severity.open);
        let t = threat(rule, &decision(Status::NeedsClarification, None)).unwrap();
        assert_eq!(
            (t.basis, t.rests_on),
            (ThreatBasis::Open, Basis::Assumption)
        );

        let t = threat(rule, &decision(Status::Answered, Some(true))).unwrap();
        assert_eq!(
            (t.basis, t.rests_on),
            (ThreatBasis::Residual, Basis::Answers)
        );
        assert!(t.id.ends_with(".residual"));
        assert!(threat(rule, &decision(Status::NotApplicable, None)).is_none());
    }

    #[test]
    fn a_rule_without_residual_threat_feeds_nothing_when_it_holds() {
        let rule = crate::assumptions::catalog()
            .iter()
            .find(|r| r.threat.residual.is_none())
            .unwrap();
        assert!(threat(rule, &decision(Status::Verified, None)).is_none());
    }

    #[test]
    fn risk_counts_confirmed_threats_and_the_open_ones_if_open() {
        let rule = rule_with_residual();
        let mut ts = vec![
            threat(rule, &decision(Status::Verified, None)).unwrap(),
            threat(rule, &decision(Status::NeedsClarification, None)).unwrap(),
        ];
        ts[0].severity = Severity::Critical;
        ts[1].severity = Severity::Medium;
        assert_eq!(risk(&ts), (None, Some(Severity::Medium)));
        ts.push(threat(rule, &decision(Status::Invalid, None)).unwrap());
        ts[2].severity = Severity::Low;
        assert_eq!(risk(&ts), (Some(Severity::Low), Some(Severity::Medium)));
        sort(&mut ts);
        assert_eq!(ts[0].severity, Severity::Critical);
    }
}
