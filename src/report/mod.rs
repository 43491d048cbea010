//! Everything vouch prints is formatted here.

pub mod access;
pub mod alerts;
pub mod diagnostics;
pub mod drift;
pub mod explain;
pub mod html;
pub mod inventory;
pub mod junit;
pub mod markdown;
pub mod mermaid;
pub mod otm;
pub mod paths;
pub mod sarif;
pub mod scan;
pub mod svg;
pub mod systems;
pub mod threat_composer;

/// How many documents a one-line list names before it counts the rest.
const DOCUMENTS_LISTED: usize = 3;

/// Documents on one line: all of a few; of a folder of decision records, the first ones and
/// how many more (the JSON lists every one).
pub fn list_documents(documents: &[String]) -> String {
    if documents.len() <= DOCUMENTS_LISTED + 1 {
        return documents.join(", ");
    }
    format!(
        "{} and {} more",
        documents[..DOCUMENTS_LISTED].join(", "),
        documents.len() - DOCUMENTS_LISTED
    )
}
