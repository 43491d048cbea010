//! The tab-separated tables under `rules/` that vouch reads when it runs (encryption at rest,
//! TLS settings, inherited settings): their rows, with line numbers, and the kind and property
//! names in them resolved. The tables are compiled in, so a mistake in one is a defect of the
//! build, not of the user's input: it panics with the file and line, and the unit tests, which
//! load every table, keep it from shipping.

use super::{Kind, Prop};

/// The rows of a table (comment and blank lines skipped): the line number and the cells.
pub(crate) fn rows(text: &'static str) -> impl Iterator<Item = (usize, Vec<&'static str>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(n, l)| (n + 1, l.split('\t').collect()))
}

/// The kind a cell names.
pub(crate) fn kind(file: &str, line: usize, name: &str) -> Kind {
    Kind::parse(name).unwrap_or_else(|| panic!("{file}:{line}: {name} is not a kind"))
}

/// The property of `kind` a cell names.
pub(crate) fn prop(file: &str, line: usize, kind: Kind, name: &str) -> Prop {
    Prop::named(kind, name).unwrap_or_else(|| {
        panic!(
            "{file}:{line}: {} has no property {name} in rules/properties/",
            kind.as_str()
        )
    })
}
