//! Trust policies: who can assume each role, and which entries are not scoped.

use crate::common;
use common::*;
use vouch::iam::trust::{trust, Trustee};

#[test]
fn trust_entries_and_their_problems() {
    let s = scan("iam/trust");
    let principals = vouch::iam::principals::principals(&s.model);
    let entries = trust(&s.model, &principals);
    let of = |role: &str| {
        let i = s
            .model
            .resources
            .iter()
            .position(|r| r.address == role)
            .unwrap();
        entries
            .iter()
            .find(|e| e.role == i)
            .unwrap_or_else(|| panic!("no trust entry for {role}"))
    };
    assert_eq!(of("aws_iam_role.lambda").trustee, Trustee::Service);
    assert_eq!(of("aws_iam_role.lambda").problem(), None);
    // Cross-account: scoped by sts:ExternalId, or not.
    let ok = of("aws_iam_role.partner_with_external_id");
    assert_eq!(
        (ok.trustee, ok.external_id, ok.problem()),
        (Trustee::OtherAccount, true, None)
    );
    let open = of("aws_iam_role.partner_open");
    assert_eq!(open.trustee, Trustee::OtherAccount);
    assert!(open.problem().unwrap().contains("ExternalId"));
    assert_eq!(
        of("aws_iam_role.same_account").trustee,
        Trustee::SameAccount
    );
    assert_eq!(of("aws_iam_role.same_account").problem(), None);
    assert_eq!(of("aws_iam_role.anyone").trustee, Trustee::Anyone);
    assert!(of("aws_iam_role.anyone").problem().is_some());
    // GitHub Actions OIDC: aud alone is not enough, sub and aud together are.
    assert!(of("aws_iam_role.github_unscoped")
        .problem()
        .unwrap()
        .contains("sub"));
    assert_eq!(of("aws_iam_role.github_scoped").problem(), None);
    // Evidence points at the trust policy's line.
    let l = s
        .loaded
        .sources
        .region(of("aws_iam_role.partner_open").span.unwrap());
    assert_eq!((l.file.as_str(), l.line), ("main.tf", 28));
}
