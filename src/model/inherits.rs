//! Settings one resource takes from another (`rules/inherits.tsv`): a read replica's engine and
//! encryption are its source's, a secondary member of an ElastiCache global datastore is
//! encrypted as its primary is, a member of an Aurora global database as the global cluster
//! is, and a snapshot as the instance it was taken from. AWS fixes these; the replica's own code usually leaves them out
//! (modules even set them to null), and reading the provider's default instead would call an
//! encrypted replica unencrypted.
//!
//! [`super::Model::prop`] and the other property readers ask [`sources`] only when the resource
//! and its facets set the property to nothing but null; the value found on the source keeps
//! its own origin, so evidence points at the attribute that decides it.

use super::{Kind, Model, Prop, Value};
use std::sync::OnceLock;

/// Links of inheritance followed before giving up: RDS allows replicas of replicas up to this
/// depth, and a cycle in a defective tree ends here too.
pub const MAX_CHAIN: usize = 4;

/// One row: resources of `kind` take `properties` from the resources `via` leads to.
struct Row {
    kind: Kind,
    /// Property names followed in turn, each on the kind of the resource reached.
    via: Vec<&'static str>,
    properties: Vec<Prop>,
}

fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let file = "rules/inherits.tsv";
        super::table::rows(include_str!("../../rules/inherits.tsv"))
            .map(|(line, cols)| {
                let [kind, via, properties] = cols[..] else {
                    panic!("{file}:{line}: expected 3 cells");
                };
                let kind = super::table::kind(file, line, kind);
                let properties = properties
                    .split_whitespace()
                    .map(|name| super::table::prop(file, line, kind, name))
                    .collect();
                let via: Vec<&'static str> = via.split_whitespace().collect();
                assert!(!via.is_empty(), "{file}:{line}: no property to follow");
                Row {
                    kind,
                    via,
                    properties,
                }
            })
            .collect()
    })
}

/// The row that says where `index` takes `prop` from. A kind may take a property from one of
/// several resources (an RDS instance's encryption from the instance it replicates or from the
/// snapshot it is restored from; AWS accepts only one of them): the first row whose first
/// property the resource sets decides, else the first row of the kind.
fn row_for(model: &Model, index: usize, prop: Prop) -> Option<&'static Row> {
    let kind = model.resources[index].kind;
    let mut candidates = rows()
        .iter()
        .filter(|r| r.kind == kind && r.properties.contains(&prop));
    let first = candidates.next()?;
    let set = |row: &Row| {
        Prop::named(kind, row.via[0])
            .and_then(|hop| model.prop_set(index, hop))
            .is_some_and(|f| !matches!(*f.value, Value::Null))
    };
    if set(first) {
        return Some(first);
    }
    Some(candidates.find(|r| set(r)).unwrap_or(first))
}

/// The resources `index` takes `prop` from, in the order the code names them, each with the
/// property of the same name on its own kind (a member cluster's StorageEncrypted is its global
/// cluster's StorageEncrypted): empty when no row of `rules/inherits.tsv` says it inherits the
/// property, or when the reference leads outside the tree or to a kind without that property.
pub fn sources(model: &Model, index: usize, prop: Prop) -> Vec<(usize, Prop)> {
    let Some(row) = row_for(model, index, prop) else {
        return Vec::new();
    };
    let mut at = vec![index];
    for name in &row.via {
        let mut next = Vec::new();
        for &i in &at {
            let Some(hop) = Prop::named(model.resources[i].kind, name) else {
                continue;
            };
            let unit = &model.resources[i].unit;
            for found in model.props(i, hop) {
                collect(model, unit, &found.value, &mut next);
            }
        }
        next.dedup();
        at = next;
    }
    let name = prop.row().name;
    at.into_iter()
        .filter(|&i| i != index)
        .filter_map(|i| Some((i, Prop::named(model.resources[i].kind, name)?)))
        .collect()
}

/// Why `prop` of resource `index` is not known when it is left out: the resource takes it from
/// another that its code names but the tree does not hold (a global cluster created from a
/// cluster ARN, a snapshot of an instance deployed elsewhere). Then AWS gives it that
/// resource's value, which the tree cannot settle, and the provider default does not apply.
/// `None` when no row says the resource inherits `prop`, when the first property followed is
/// not set, or when what it names is in the tree.
/// A source in the tree that sets nothing itself and takes the property from outside in turn
/// (a copy of a snapshot of an instance deployed elsewhere) makes it unknown too.
pub fn outside(model: &Model, index: usize, prop: Prop) -> Option<String> {
    outside_within(model, index, prop, MAX_CHAIN)
}

fn outside_within(model: &Model, index: usize, prop: Prop, chain: usize) -> Option<String> {
    let kind = model.resources[index].kind;
    let row = row_for(model, index, prop)?;
    let hop = Prop::named(kind, row.via[0])?;
    let found = model.prop_set(index, hop)?;
    if matches!(*found.value, Value::Null) {
        return None;
    }
    let from = sources(model, index, prop);
    if from.is_empty() {
        let (_, path) = found.attribute()?;
        return Some(format!(
            "{path} names {} outside the tree, and AWS gives this resource its {}",
            found.value,
            prop.canonical()
        ));
    }
    if chain == 0 {
        return None;
    }
    let mut reasons = from.iter().map(|&(i, p)| {
        if model.prop_set(i, p).is_some() {
            None
        } else {
            outside_within(model, i, p, chain - 1)
        }
    });
    let first = reasons.next()??;
    reasons.all(|r| r.is_some()).then_some(first)
}

/// The resources a reference value (or a list of them) points at.
fn collect(model: &Model, unit: &str, v: &Value, out: &mut Vec<usize>) {
    match v {
        Value::Ref(r) => out.extend(model.index_of(unit, &r.resource)),
        Value::List(items) => items.iter().for_each(|x| collect(model, unit, x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row names a kind, its properties and at least one property to follow.
    #[test]
    fn the_table_loads() {
        assert!(!rows().is_empty());
        for row in rows() {
            assert!(row.properties.iter().all(|p| p.kind() == row.kind));
            assert!(
                Prop::named(row.kind, row.via[0]).is_some(),
                "{}: {}",
                row.kind.as_str(),
                row.via[0]
            );
        }
    }
}
