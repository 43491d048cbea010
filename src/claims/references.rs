//! Lines that name another document by its number and title: "ADR-006: KMS Key Management
//! Strategy (encryption keys for secrets)", "RFC-12 – Tenant Isolation". A list of related
//! decisions says where a subject is decided, not what this document claims; the title's words
//! ("KMS key", "Least Privilege") are the other document's subject.
//!
//! A finding or requirement numbered the same way ("F-3: The uploads bucket allows public
//! reads") is a sentence, not a title: only a title-cased run of words after the number reads
//! as a reference.

/// Most words a title has before its remark ("(…)") or subtitle (" - …").
const MAX_TITLE_WORDS: usize = 12;

/// Short words a title leaves lowercase ("Policy Design **for** Secrets Manager Access").
#[rustfmt::skip]
const TITLE_SMALL_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "nor", "for", "of", "to", "in", "on", "at", "by", "with",
    "via", "vs", "per", "from", "as", "into",
];

/// The document identifier a line names with a title, if it is such a line: an identifier of
/// capitals, a dash and digits ("ADR-006"), then `:` or a dash, then a title.
pub(super) fn titled_reference(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(text.len());
    let id = &text[..end];
    let (letters, digits) = id.split_once('-')?;
    let identifier = letters.len() >= 2
        && letters.chars().all(|c| c.is_ascii_uppercase())
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit());
    if !identifier {
        return None;
    }
    let rest = text[end..].trim_start();
    let rest = ["-", "–", "—", ":"]
        .iter()
        .find_map(|sep| rest.strip_prefix(sep))?
        .trim_start();
    // The title: up to a remark in brackets or a subtitle after a dash.
    let title = rest
        .split(['(', '['])
        .next()
        .unwrap_or("")
        .split(" - ")
        .next()
        .unwrap_or("")
        .split(" – ")
        .next()
        .unwrap_or("")
        .split(" — ")
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches('.');
    let words: Vec<&str> = title.split_whitespace().collect();
    let title_cased = words.iter().all(|w| {
        TITLE_SMALL_WORDS.contains(&w.to_lowercase().as_str())
            || w.chars().next().is_some_and(|c| !c.is_lowercase())
    });
    (words.len() >= 2 && words.len() <= MAX_TITLE_WORDS && title_cased).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_a_numbered_title_is_a_reference() {
        assert_eq!(
            titled_reference("ADR-014: Bucket Encryption Standard (CMKs for every store)"),
            Some("ADR-014")
        );
        assert_eq!(
            titled_reference("RFC-3 - Rotation of Keys for Billing - automatic yearly rotation"),
            Some("RFC-3")
        );
        // A numbered sentence states something; so does a line with no number.
        assert_eq!(
            titled_reference("SEC-3: The uploads bucket allows public reads"),
            None
        );
        assert_eq!(titled_reference("Encryption: KMS Keys Everywhere"), None);
        assert_eq!(titled_reference("ADR-014 is superseded"), None);
    }
}
