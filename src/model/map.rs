//! A small sorted map for attributes and values.
//!
//! A resource has a handful of attributes and most nested objects hold fewer than ten keys;
//! `BTreeMap` allocates room for eleven entries per node whatever it holds, which made maps
//! most of the model's memory on large trees. `VecMap` keeps exactly its entries, sorted by key,
//! and offers the part of `BTreeMap`'s API vouch uses. Iteration order is key order, so output
//! stays deterministic.

use serde::ser::SerializeMap;
use serde::Serialize;
use std::borrow::Borrow;

/// A map key: keys are mostly short attribute names, which a `CompactString` holds inline
/// (up to 24 bytes) without a heap allocation each.
pub type Key = compact_str::CompactString;

#[derive(Clone, PartialEq)]
pub struct VecMap<V> {
    entries: Vec<(Key, V)>,
}

impl<V> Default for VecMap<V> {
    fn default() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }
}

impl<V: std::fmt::Debug> std::fmt::Debug for VecMap<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

impl<V> VecMap<V> {
    pub fn new() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }

    fn find<Q: Borrow<str> + ?Sized>(&self, key: &Q) -> Result<usize, usize> {
        let key = key.borrow();
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get<Q: Borrow<str> + ?Sized>(&self, key: &Q) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_mut<Q: Borrow<str> + ?Sized>(&mut self, key: &Q) -> Option<&mut V> {
        match self.find(key) {
            Ok(i) => Some(&mut self.entries[i].1),
            Err(_) => None,
        }
    }

    pub fn contains_key<Q: Borrow<str> + ?Sized>(&self, key: &Q) -> bool {
        self.find(key).is_ok()
    }

    pub fn insert(&mut self, key: impl Into<Key>, value: V) -> Option<V> {
        let key: Key = key.into();
        // Keys mostly arrive in order: appending is the common case.
        if self
            .entries
            .last()
            .is_none_or(|(k, _)| k.as_str() < key.as_str())
        {
            self.entries.push((key, value));
            return None;
        }
        match self.find(key.as_str()) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Borrow<str> + ?Sized>(&mut self, key: &Q) -> Option<V> {
        match self.find(key) {
            Ok(i) => Some(self.entries.remove(i).1),
            Err(_) => None,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Key, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&Key, &mut V)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Key> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    pub fn entry(&mut self, key: impl Into<Key>) -> Entry<'_, V> {
        Entry {
            map: self,
            key: key.into(),
        }
    }

    pub fn first_key_value(&self) -> Option<(&Key, &V)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    pub fn retain(&mut self, mut f: impl FnMut(&Key, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| f(k, v));
    }

    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }
}

/// A place in a [`VecMap`] for one key, as `BTreeMap::entry` gives.
pub struct Entry<'a, V> {
    map: &'a mut VecMap<V>,
    key: Key,
}

impl<'a, V> Entry<'a, V> {
    pub fn or_insert_with(self, f: impl FnOnce() -> V) -> &'a mut V {
        let i = match self.map.find(self.key.as_str()) {
            Ok(i) => i,
            Err(i) => {
                self.map.entries.insert(i, (self.key, f()));
                i
            }
        };
        &mut self.map.entries[i].1
    }

    pub fn or_insert(self, v: V) -> &'a mut V {
        self.or_insert_with(|| v)
    }

    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }
}

impl<K: Into<Key>, V> FromIterator<(K, V)> for VecMap<V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut entries: Vec<(Key, V)> = iter.into_iter().map(|(k, v)| (k.into(), v)).collect();
        // Stable sort, then keep the last of equal keys (what repeated inserts would keep).
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Key, V)> = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = v,
                _ => out.push((k, v)),
            }
        }
        VecMap { entries: out }
    }
}

impl<K: Into<Key>, V> Extend<(K, V)> for VecMap<V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<V> IntoIterator for VecMap<V> {
    type Item = (Key, V);
    type IntoIter = std::vec::IntoIter<(Key, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

type Pair<'a, V> = (&'a Key, &'a V);

impl<'a, V> IntoIterator for &'a VecMap<V> {
    type Item = Pair<'a, V>;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (Key, V)>, fn(&'a (Key, V)) -> Pair<'a, V>>;
    fn into_iter(self) -> Self::IntoIter {
        fn pair<V>((k, v): &(Key, V)) -> Pair<'_, V> {
            (k, v)
        }
        self.entries
            .iter()
            .map(pair as fn(&'a (Key, V)) -> Pair<'a, V>)
    }
}

impl<V: Serialize> Serialize for VecMap<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            m.serialize_entry(k.as_str(), v)?;
        }
        m.end()
    }
}

impl<V> std::ops::Index<&str> for VecMap<V> {
    type Output = V;
    fn index(&self, key: &str) -> &V {
        self.get(key).expect("no such key in map")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_sorted_map() {
        let mut m = VecMap::new();
        assert_eq!(m.insert("b".to_string(), 2), None);
        m.insert("a".to_string(), 1);
        m.insert("c".to_string(), 3);
        assert_eq!(m.insert("b".to_string(), 20), Some(2));
        assert_eq!(m.keys().cloned().collect::<Vec<_>>(), vec!["a", "b", "c"]);
        assert_eq!(m.get("b"), Some(&20));
        *m.entry("d".to_string()).or_insert(0) += 4;
        *m.entry("a".to_string()).or_insert(0) += 10;
        assert_eq!(m["a"], 11);
        assert_eq!(m.remove("c"), Some(3));
        let collected: VecMap<i32> = vec![
            ("z".to_string(), 1),
            ("y".to_string(), 2),
            ("z".to_string(), 3),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            collected
                .iter()
                .map(|(k, v)| (k.as_str(), *v))
                .collect::<Vec<_>>(),
            vec![("y", 2), ("z", 3)]
        );
    }
}
