//! Confidence: the share of the applicable assumptions, weighted by their "when open" severity,
//! whose status rests on code or answers.

use super::report::{Basis, Weights};
use crate::assumptions::Severity;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confidence {
    pub settled: u32,
    pub applicable: u32,
}

impl Confidence {
    /// Counts one decided assumption whose open severity is `open`.
    pub fn add(&mut self, basis: Basis, open: Severity) {
        if basis == Basis::None {
            return;
        }
        self.applicable += open.weight();
        if basis.settles() {
            self.settled += open.weight();
        }
    }

    /// `settled / applicable`, two decimals; 0 when nothing applies.
    pub fn value(self) -> f64 {
        if self.applicable == 0 {
            0.0
        } else {
            (f64::from(self.settled) / f64::from(self.applicable) * 100.0).round() / 100.0
        }
    }

    pub fn weights(self) -> Weights {
        Weights {
            settled: self.settled,
            applicable: self.applicable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_and_answers_settle_doc_and_open_do_not_and_na_does_not_count() {
        let mut c = Confidence::default();
        assert_eq!(c.value(), 0.0);
        c.add(Basis::Code, Severity::Critical);
        c.add(Basis::Answers, Severity::Low);
        c.add(Basis::Doc, Severity::High);
        c.add(Basis::Assumption, Severity::Low);
        c.add(Basis::None, Severity::Critical);
        let w = Severity::Critical.weight() + Severity::Low.weight();
        let all = w + Severity::High.weight() + Severity::Low.weight();
        assert_eq!((c.settled, c.applicable), (w, all));
        let expect = (f64::from(w) / f64::from(all) * 100.0).round() / 100.0;
        assert_eq!(c.value(), expect);
        assert!(c.value() > 0.0 && c.value() < 1.0);
    }
}
