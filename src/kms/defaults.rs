//! Provider defaults, read from `rules/defaults.tsv`: what AWS and the Terraform provider do when
//! the code leaves a setting out. A check that meets an unset attribute asks this table instead
//! of assuming, and points at the resource with the row's meaning.

use crate::iam::policy::wildcard_match;
pub use crate::model::defaults::{data_lines, lookup, rows, DefaultRow, Outcome};
use crate::model::{Found, Model, Prop};

/// The row that names AWS-managed keys, when a key name matches its pattern (`alias/aws/*`).
pub fn aws_managed_alias(name: &str) -> Option<&'static DefaultRow> {
    rows().iter().find(|r| {
        r.subject == "*"
            && matches!(r.outcome, Outcome::AwsManaged { .. })
            && wildcard_match(r.attribute, name, false)
    })
}

/// The row for `prop` on resource `index`: looked up at each path the resource's language writes
/// the property at. Returns that path too (the first one when no row applies), for a note.
pub fn of_prop(model: &Model, index: usize, prop: Prop) -> (String, Option<&'static DefaultRow>) {
    let r = &model.resources[index];
    let paths = model.prop_paths(index, prop);
    for p in &paths {
        if let Some(row) = lookup(r, p) {
            return (p.clone(), Some(row));
        }
    }
    let first = paths
        .into_iter()
        .next()
        .unwrap_or_else(|| prop.canonical().to_string());
    (first, None)
}

/// The note of a value that is the property table's default (`provider default: …`).
pub fn note_of(found: &Found) -> Option<String> {
    match &found.origin {
        crate::model::props::PropOrigin::Default { source } => {
            Some(format!("provider default: {source}"))
        }
        _ => None,
    }
}
