//! No claim is read from a plan, hedge, conditional, question, wish or reference, whatever its
//! wording, nor from the background sections of a design document or a decision record; and
//! the forms the corpus convention reads as claims ("must", "only … may", "not yet",
//! "optional") still are.
//!
//! Every sentence here is written for these tests, in the wordings engineers use, around a
//! statement the reader does read as a claim when it stands alone (checked first, so that a
//! sentence no rule has the vocabulary for cannot pass for a non-claim).

use vouch::claims::listing::{read, Reading};
use vouch::claims::{read_document, Polarity};

/// What the reader makes of `body` under a "## Identity" heading of a design document.
fn reading(body: &str) -> Reading {
    let text = format!("# Orders platform design\n\n## Identity\n\n{body}\n");
    let doc = read_document("design.md", &text, false);
    read(&[doc], &vouch::claims::corpus::catalog_patterns())
}

/// The statements the non-claims below are built around; each is read as a claim alone.
const STATEMENTS: &[&str] = &[
    "MFA is enforced for all console users.",
    "The ledger table is encrypted with a customer-managed KMS key.",
    "Point-in-time recovery is enabled on the ledger table.",
];

/// Non-claims, each with the start of the reason the reader gives: its class, and for the
/// forms of `rules/claims/nonclaims.yaml` the form itself.
const NON_CLAIMS: &[(&str, &str)] = &[
    // Plans and time to come.
    (
        "We're going to enforce MFA for all console users.",
        "hedge `going to`",
    ),
    (
        "We'll enforce MFA for all console users.",
        "plan `we'll`",
    ),
    (
        "Our aim is to enforce MFA for all console users.",
        "plan `our aim`",
    ),
    (
        "We expect to enforce MFA for all console users before go-live.",
        "plan `we expect`",
    ),
    (
        "MFA enforcement for console users is planned for the next sprint.",
        "hedge `planned`",
    ),
    (
        "From Q2 onwards the ledger table is encrypted with a customer-managed KMS key.",
        "plan `q2`",
    ),
    (
        "The ledger table moves to a customer-managed KMS key in a future release.",
        "plan `future release`",
    ),
    (
        "Once the SSO migration is merged, MFA is enforced for all console users.",
        "plan `once … migration`",
    ),
    (
        "Next step: enforce MFA for all console users.",
        "plan `next step`",
    ),
    (
        "MFA enforcement for console users is still to be done.",
        "plan `to be done`",
    ),
    (
        "MFA enforcement for console users is underway.",
        "plan `underway`",
    ),
    (
        "The team has committed to encrypting the ledger table with a customer-managed KMS key.",
        "plan `has committed to`",
    ),
    (
        "Point-in-time recovery on the ledger table is slated for the hardening sprint.",
        "plan `slated`",
    ),
    // Hedges.
    (
        "MFA is probably enforced for all console users.",
        "hedge `probably`",
    ),
    (
        "To our knowledge, MFA is enforced for all console users.",
        "hedge `to our knowledge`",
    ),
    (
        "In theory, MFA is enforced for all console users.",
        "hedge `in theory`",
    ),
    (
        "It is unclear whether MFA is enforced for all console users.",
        "hedge `it is unclear`",
    ),
    (
        "I'm fairly sure the ledger table is encrypted with a customer-managed KMS key.",
        "hedge `fairly sure`",
    ),
    (
        "In all likelihood the ledger table is encrypted with a customer-managed KMS key.",
        "hedge `in all likelihood`",
    ),
    (
        "The ledger table is reportedly encrypted with a customer-managed KMS key.",
        "hedge `reportedly`",
    ),
    (
        "The ledger table is usually encrypted with a customer-managed KMS key.",
        "hedge `usually`",
    ),
    (
        "We assume that MFA is enforced for all console users.",
        "hedge `we assume that`",
    ),
    (
        "In our experience, point-in-time recovery is enabled on the ledger table.",
        "hedge `in our experience`",
    ),
    // Conditionals.
    (
        "MFA is enforced for console users when enabled by the tenant admin.",
        "conditional `when enabled`",
    ),
    (
        "Point-in-time recovery is enabled on the ledger table where supported.",
        "conditional `where supported`",
    ),
    (
        "Point-in-time recovery is enabled on the ledger table depending on the tier.",
        "conditional `depending on`",
    ),
    (
        "Point-in-time recovery is enabled on the ledger table on request.",
        "conditional `on request`",
    ),
    (
        "MFA is enforced for all console users unless the tenant turns it off.",
        "conditional `unless`",
    ),
    // Questions, with and without their mark, and open items.
    ("Is MFA enforced for all console users?", "question"),
    (
        "Is MFA enforced for all console users",
        "question `is`",
    ),
    (
        "Are all console users required to use MFA",
        "question `are`",
    ),
    (
        "MFA enforcement for console users: TBD.",
        "question `tbd`",
    ),
    (
        "MFA for console users is to be confirmed.",
        "question `to be confirmed`",
    ),
    (
        "Encryption of the ledger table with a customer-managed KMS key needs investigation.",
        "question `needs investigation`",
    ),
    // Wishes and recommendations.
    (
        "Ideally MFA is enforced for all console users.",
        "wish `ideally`",
    ),
    (
        "We should enforce MFA for all console users.",
        "wish `we should`",
    ),
    (
        "It is recommended to enforce MFA for all console users.",
        "wish `it is recommended`",
    ),
    (
        "Best practice is to enforce MFA for all console users.",
        "wish `best practice is`",
    ),
    (
        "We'd enforce MFA for all console users if the budget allowed.",
        "wish `we'd`",
    ),
    // References.
    (
        "Per the runbook, MFA is enforced for all console users.",
        "reference `per the runbook`",
    ),
    (
        "For details on MFA enforcement for console users, see the wiki.",
        "reference `for details`",
    ),
    (
        "Details in the key standard: the ledger table is encrypted with a customer-managed KMS key.",
        "reference `details in`",
    ),
    (
        "Identity: see the IAM standard, where MFA is enforced for all console users.",
        "instruction `see`",
    ),
    (
        "The enforcement of MFA for all console users is explained in ISP-004.",
        "reference `explained in`",
    ),
    (
        "Keys: cf. the key standard, where the ledger table is encrypted with a customer-managed KMS key.",
        "reference `cf`",
    ),
];

#[test]
fn claims_the_statements_behind_the_non_claims_are_claims() {
    for s in STATEMENTS {
        let r = reading(s);
        assert!(!r.claims.is_empty(), "{s}: {:#?}", r.skipped);
    }
}

#[test]
fn claims_no_claim_is_read_from_a_non_claim_and_its_reason_names_its_class() {
    for (sentence, reason) in NON_CLAIMS {
        let r = reading(sentence);
        assert!(r.claims.is_empty(), "{sentence}: read {:#?}", r.claims);
        let skipped: Vec<&str> = r.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert!(
            skipped.iter().any(|s| s.starts_with(reason)),
            "{sentence}: reasons {skipped:?}, want {reason}"
        );
    }
}

#[test]
fn claims_the_rules_of_the_convention_are_still_claims() {
    use Polarity::*;
    let cases: &[(&str, &str, Polarity)] = &[
        (
            "Every bucket must block public access.",
            "net.datastores-private",
            Holds,
        ),
        (
            "No Lambda role may hold AdministratorAccess.",
            "iam.no-admin-service-roles",
            Holds,
        ),
        (
            "MFA may not be disabled by any user.",
            "auth.mfa-required",
            Holds,
        ),
        (
            "Only admins may disable MFA for console users.",
            "auth.mfa-required",
            Fails,
        ),
        (
            "MFA is not yet enforced for console users.",
            "auth.mfa-required",
            Fails,
        ),
        (
            "MFA is optional for console users.",
            "auth.mfa-required",
            Fails,
        ),
        // A reference in brackets leaves the statement a claim; so does a word of a
        // reference that opens no clause.
        (
            "The ledger table is encrypted with a customer-managed KMS key (see the key standard).",
            "kms.customer-managed-keys",
            Holds,
        ),
        (
            "Admins see the audit trail in CloudTrail, which logs every management event in all regions.",
            "log.audit-trail",
            Holds,
        ),
        // "HTTP" is no link; an inversion after "nor" is no question.
        (
            "However, HTTP APIs cannot validate request bodies, so malformed payloads reach the handlers.",
            "net.gateway-validates-input",
            Fails,
        ),
        (
            "There is no NAT gateway, nor is there an internet gateway, so the functions run in private subnets.",
            "net.compute.in-vpc",
            Holds,
        ),
        // A verb before no subject opens a list item, not a question.
        (
            "Can be disabled by tenant admins: MFA for console users.",
            "auth.mfa-required",
            Fails,
        ),
    ];
    for (sentence, assumption, polarity) in cases {
        let r = reading(sentence);
        assert!(
            r.claims
                .iter()
                .any(|c| c.assumption == *assumption && c.polarity == *polarity),
            "{sentence}: want {assumption} {polarity:?}, read {:#?}, skipped {:#?}",
            r.claims,
            r.skipped
        );
    }
    // Under a heading that says they are missing, items are failing claims.
    let r = reading("## Not done yet\n\n- Access logs are enabled on the `$default` stage.");
    assert!(
        r.claims
            .iter()
            .any(|c| c.assumption == "log.access-logs" && c.polarity == Polarity::Fails),
        "{:#?}",
        r.claims
    );
}

/// The lines of `text` read as claims, and the reasons of the ones skipped.
fn lines_read(path: &str, text: &str) -> (Vec<u32>, Vec<(u32, String)>) {
    let doc = read_document(path, text, false);
    let r = read(&[doc], &vouch::claims::corpus::catalog_patterns());
    let mut lines: Vec<u32> = r.claims.iter().map(|c| c.line).collect();
    lines.dedup();
    let skipped = r.skipped.into_iter().map(|s| (s.line, s.reason)).collect();
    (lines, skipped)
}

#[test]
fn claims_the_background_sections_of_a_decision_record_are_not_its_design() {
    // A MADR record: only the decision outcome and its consequences are the design.
    let record = "\
# ADR 12: Console sign-in

## Status

Accepted; until now MFA was optional for console users.

## Context and Problem Statement

MFA is optional for console users.

## Decision Drivers

* MFA is optional for console users.

## Considered Options

* MFA is optional for console users.

## Pros and Cons of the Options

### Keep it optional

* MFA is optional for console users.

## Rationale

MFA is optional for console users.

## Decision Outcome

MFA is enforced for all console users.

### Consequences

MFA is enforced for the break-glass role too.
";
    let (lines, skipped) = lines_read("docs/adr/0012-console-sign-in.md", record);
    assert_eq!(lines, [31, 35], "skipped {skipped:#?}");
    for line in [5, 9, 13, 17, 23, 27] {
        assert!(
            skipped
                .iter()
                .any(|(l, reason)| *l == line && reason.contains("not the design")),
            "line {line}: {skipped:#?}"
        );
    }
    // Numbered, in Nygard's words.
    let record = "\
# 3. Keys

## 1. Context

The ledger table is encrypted with the AWS owned key.

## 2. Decision

The ledger table is encrypted with a customer-managed KMS key.
";
    let (lines, _) = lines_read("docs/adr/0003-keys.md", record);
    assert_eq!(lines, [9]);
}

#[test]
fn claims_the_background_sections_of_any_document_are_not_its_design() {
    let design = "\
# Ledger design

## Storage

The ledger table is encrypted with a customer-managed KMS key.

## 7. Alternatives considered

The ledger table is encrypted with the AWS owned key.

## Assumptions

MFA is enforced for all console users.

## Glossary

CMK: the ledger table is encrypted with a customer-managed KMS key.

## Recommendations

Point-in-time recovery is enabled on the ledger table.

## Findings and recommendations

Point-in-time recovery is enabled on the ledger table.

## Related

- The ledger table is encrypted with a customer-managed KMS key.

## Context

MFA is enforced for all console users.
";
    let (lines, skipped) = lines_read("docs/design.md", design);
    // The design, the findings (a longer heading than "Recommendations" alone) and, in a
    // document that is no decision record, a "Context" section (it may be the system's).
    assert_eq!(lines, [5, 25, 33], "skipped {skipped:#?}");
}
