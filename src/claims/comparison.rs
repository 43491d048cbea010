//! Table rows that weigh something rather than state the design: a row of a comparison of
//! options ("Module reuse | Excellent | Fair | Poor", "State management | ⭐⭐⭐⭐⭐ | ⭐⭐⭐"), of
//! a cost table ("KMS key | $1.00 | Customer-managed key") or of a risk register ("Over-permissive
//! role | High | Medium | Add permission boundaries").
//!
//! Such a row grades, prices or weighs what its first cell names, for each option or scenario a
//! column stands for; its words of holding ("encrypted", "customer-managed", "permission
//! boundaries") describe an option considered, a line item paid for or a mitigation planned, not
//! the control the design has. The cells of a design table describe the thing the row names
//! (`SSE-S3`, `PITR enabled`), and grade nothing.

/// Words that grade an option or a risk, as a whole cell's value ("Excellent", "Fair
/// (versioning overhead)", "Low-Medium").
#[rustfmt::skip]
const GRADES: &[&str] = &[
    "excellent", "very good", "good", "fair", "poor", "very poor", "great", "ok", "okay",
    "bad", "high", "medium", "low", "very high", "very low", "moderate", "limited", "basic",
    "advanced", "strong", "weak", "easy", "hard", "difficult", "simple", "complex", "best",
    "better", "worse", "worst", "minimal", "significant", "superior", "inferior", "average",
    "adequate", "acceptable", "low-medium", "medium-high", "low-to-medium", "medium-to-high",
    "critical",
];

/// First headers of a table whose rows are criteria and whose columns are the options weighed
/// against them ("Criterion | S3 backend | Terraform Cloud").
const CRITERIA_HEADERS: &[&str] = &["criterion", "criteria", "evaluation criteria"];

/// Headers of a risk register: how likely a risk is. How bad it would be ("Impact") makes one
/// only beside a column of mitigations: a threat model's "Impact if compromised | Controls"
/// table states the controls in place.
const LIKELIHOOD_HEADERS: &[&str] = &["likelihood", "probability"];
const IMPACT_HEADERS: &[&str] = &["impact", "severity"];
const MITIGATION_HEADERS: &[&str] = &["mitigation", "mitigations", "mitigation plan"];

/// How many cells of a row must grade (or price) what it names for the row to be a
/// comparison: two, one per option at least, so that one "Severity | High" cell of a findings
/// table does not make it one.
const GRADED_CELLS: usize = 2;

/// Why a table row (cells with their headers, the first naming the row's subject) is no
/// statement of the design, if it is not: it compares options, prices items or rates a risk.
pub(super) fn weighing(cells: &[(String, String)]) -> Option<String> {
    let (first_header, _) = cells.first()?;
    let header = clean(first_header);
    if CRITERIA_HEADERS.contains(&header.as_str()) {
        return Some(format!("a row of a comparison (`{}`)", first_header.trim()));
    }
    let header = |list: &[&str]| {
        cells
            .iter()
            .map(|(h, _)| h.trim())
            .find(|h| list.contains(&clean(h).as_str()))
    };
    let risk = header(LIKELIHOOD_HEADERS)
        .or_else(|| header(IMPACT_HEADERS).filter(|_| header(MITIGATION_HEADERS).is_some()));
    if let Some(h) = risk {
        return Some(format!("a row of a risk register (`{h}`)"));
    }
    let values: Vec<&str> = cells[1..]
        .iter()
        .map(|(_, c)| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    let graded = values.iter().filter(|c| grade(c)).count();
    if graded >= GRADED_CELLS {
        return Some("a row that grades options".to_string());
    }
    // A cost table's line: prices in half its cells or more ("KMS key | $1.00 | note").
    let priced = values.iter().filter(|c| price(c)).count();
    if priced > 0 && priced * 2 >= values.len() {
        return Some("a row of prices".to_string());
    }
    None
}

/// Words that end the label of a line about money ("Cost: $3/month for all environments",
/// "Monthly cost: one KMS key and its API calls").
const COST_LABELS: &[&str] = &["cost", "costs", "price", "prices", "pricing", "budget"];
/// Most words of such a label.
const MAX_COST_LABEL_WORDS: usize = 3;

/// Why a line of prose is a cost note, if it is one: a short label about money before its
/// colon. What it prices (a KMS key, an AWS-managed alternative) is the bill, not the design.
pub(super) fn cost_line(text: &str) -> Option<String> {
    let (label, rest) = text.split_once(": ")?;
    let words: Vec<String> = label.split_whitespace().map(clean).collect();
    let last = words.last()?;
    (words.len() <= MAX_COST_LABEL_WORDS
        && COST_LABELS.contains(&last.as_str())
        && !rest.trim().is_empty())
    .then(|| format!("a cost note (`{}:`)", label.trim()))
}

/// A header or cell, lowercase, without emphasis, a trailing colon or question mark.
fn clean(text: &str) -> String {
    text.trim()
        .trim_matches(|c: char| matches!(c, '*' | '_' | ':' | '?'))
        .trim()
        .to_lowercase()
}

/// Whether a cell grades: a grade word, alone or before a parenthesized remark ("Fair
/// (versioning overhead)"), or a run of stars ("⭐⭐⭐").
fn grade(cell: &str) -> bool {
    let value = clean(cell);
    let value = value.split(" (").next().unwrap_or("").trim();
    let value = value.trim_end_matches('.');
    GRADES.contains(&value)
        || (!value.is_empty()
            && value
                .chars()
                .all(|c| matches!(c, '⭐' | '★' | '☆' | '\u{fe0f}' | ' ')))
}

/// Whether a cell is a price: a currency sign and a digit at its start, perhaps after `~` or
/// `<` ("$1.00", "~$0.01", "€40/month").
fn price(cell: &str) -> bool {
    let value = clean(cell);
    let value = value.trim_start_matches(['~', '<', '>', '≈', ' ']);
    let mut chars = value.chars();
    matches!(chars.next(), Some('$' | '€' | '£' | '¥'))
        && chars.next().is_some_and(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[(&str, &str)]) -> Vec<(String, String)> {
        cells
            .iter()
            .map(|(h, c)| (h.to_string(), c.to_string()))
            .collect()
    }

    #[test]
    fn claims_rows_that_grade_price_or_rate_risks_weigh() {
        let graded = row(&[
            ("Aspect", "Snapshot safety"),
            ("Plan A", "Good (encrypted)"),
            ("Plan B", "Poor"),
        ]);
        assert!(weighing(&graded).is_some());
        let stars = row(&[("Need", "Rollback"), ("Tool X", "⭐⭐⭐"), ("Tool Y", "⭐")]);
        assert!(weighing(&stars).is_some());
        let criteria = row(&[
            ("Criterion", "At-rest encryption"),
            ("Option 1", "built in"),
        ]);
        assert!(weighing(&criteria).is_some());
        let risk = row(&[
            ("Risk", "Shared key leaks"),
            ("Likelihood", "Low"),
            ("Mitigation", "Per-tenant keys"),
        ]);
        assert!(weighing(&risk).is_some());
        let register = row(&[
            ("Risk", "Role too broad"),
            ("Impact", "High"),
            ("Mitigation", "Add a permissions boundary"),
        ]);
        assert!(weighing(&register).is_some());
        // The impact of a compromise beside the controls in place is a threat model's row.
        let threat = row(&[
            ("Asset", "orders table"),
            ("Impact", "High"),
            ("Controls", "encrypted with a CMK"),
        ]);
        assert_eq!(weighing(&threat), None);
        let cost = row(&[
            ("Line", "Tenant CMK"),
            ("Monthly", "~$1.00"),
            ("Notes", "one key"),
        ]);
        assert!(weighing(&cost).is_some());
        // A design table describes; one grade (a finding's severity) weighs nothing.
        let design = row(&[
            ("Store", "orders table"),
            ("Encryption", "CMK"),
            ("Recovery", "PITR enabled"),
        ]);
        assert_eq!(weighing(&design), None);
        let finding = row(&[
            ("Finding", "Uploads bucket allows public reads"),
            ("Severity", "High"),
            ("Status", "Open"),
        ]);
        assert_eq!(weighing(&finding), None);
    }

    #[test]
    fn claims_a_cost_note_prices_and_states_nothing() {
        assert!(cost_line("Monthly cost: one customer-managed key per tenant").is_some());
        assert!(cost_line("Cost: $2/month (vs nothing for the AWS-owned key)").is_some());
        assert_eq!(
            cost_line("Encryption: one customer-managed key per tenant"),
            None
        );
        assert_eq!(
            cost_line("The cost of the key is why the bucket uses SSE-S3: it is free"),
            None
        );
    }
}
