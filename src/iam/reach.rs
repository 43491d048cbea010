//! Which resources a principal's statements can reach at all, so that effective access is
//! evaluated only for those (principal, resource) pairs and never for every pair of the tree.
//!
//! A statement reaches the resources of the services its actions touch that its `Resource`
//! names (a reference, or an ARN pattern matching the resource's ARN), or every resource of
//! those services for `*` and `NotResource`. A resource policy adds the resources it governs for
//! the principals it names, and for every principal when it is open to everyone (or cannot be
//! read); naming the account root grants nothing by itself (IAM decides, through the identity
//! statements above). This is the matching [`Access::allowed`] does, done once per principal over
//! maps and sorted ARNs, so the pairs it leaves out are exactly those with no access.

use super::access::{index, service_of, Access, Target};
use super::arn;
use crate::model::{Model, Resource};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

/// Resources by service, with their ARNs and which ones carry resource policies.
pub struct Reach {
    /// (resource, service) of every resource taken into account, in index order.
    resources: Vec<(usize, &'static str)>,
    by_service: HashMap<&'static str, Vec<usize>>,
    service: HashMap<usize, &'static str>,
    arns: HashMap<usize, String>,
    /// Per service, the resource part of each ARN (after the fifth `:`), sorted: an ARN pattern
    /// with a literal prefix is matched against the range that shares it, not every ARN.
    arn_index: HashMap<&'static str, Vec<(String, usize)>>,
    /// Resources whose policy grants a tree principal by name, by principal.
    granted_to: HashMap<usize, Vec<usize>>,
    /// Resources whose policy may grant every principal (`*`, `NotPrincipal`, a grantee or a
    /// document the code cannot read).
    open_to_all: Vec<usize>,
    services: Vec<(&'static str, (u32, u32))>,
    /// The resources of a service an ARN pattern covers, worked out once per (service,
    /// pattern): principals share policies, and hundreds of principals holding one pattern
    /// would otherwise match it against every candidate once each.
    covered: Mutex<Covered>,
}

/// Resources covered by an ARN pattern, by service and pattern.
type Covered = HashMap<(&'static str, String), Arc<Vec<usize>>>;

/// What a principal reaches: resources named one by one, services whose every resource it
/// reaches through `*` or `NotResource`, and services it reaches only through grants on `*`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReachSet {
    pub named: BTreeSet<usize>,
    pub services: BTreeSet<&'static str>,
    pub anywhere: BTreeSet<&'static str>,
    /// Plus every resource whose policy is open to everyone (kept apart: it is the same for
    /// every principal).
    pub open: bool,
}

/// A set of resources prepared for [`Reach::reachable_in`]: its members by service, and those
/// open to everyone.
pub struct Among<'a> {
    set: &'a BTreeSet<usize>,
    open: Vec<usize>,
    by_service: HashMap<&'static str, Vec<usize>>,
}

/// The resources a principal reaches: those some statement names (or a resource policy
/// governs), and those reached only through grants on `*`.
pub type Reached = (Vec<(usize, &'static str)>, Vec<(usize, &'static str)>);

impl Reach {
    /// Takes into account the resources `keep` accepts among those that are not facets, not
    /// IAM principals, and belong to a service of the catalog.
    pub fn new(model: &Model, access: &Access, keep: impl Fn(&Resource) -> bool) -> Reach {
        let resources: Vec<(usize, &'static str)> = model
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.facet.is_none() && !r.kind.as_str().starts_with("iam.") && keep(r))
            .filter_map(|(i, r)| service_of(r.kind).map(|s| (i, s)))
            .collect();
        let mut by_service: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for &(ri, service) in &resources {
            by_service.entry(service).or_default().push(ri);
        }
        let arns: HashMap<usize, String> = resources
            .iter()
            .filter_map(|&(ri, _)| arn::arn_of(model, ri).map(|a| (ri, a)))
            .collect();
        let mut arn_index: HashMap<&'static str, Vec<(String, usize)>> = HashMap::new();
        for &(ri, service) in &resources {
            if let Some(tail) = arns.get(&ri).and_then(|a| a.splitn(6, ':').nth(5)) {
                arn_index
                    .entry(service)
                    .or_default()
                    .push((tail.to_string(), ri));
            }
        }
        for v in arn_index.values_mut() {
            v.sort();
        }
        let with_policies: Vec<usize> = resources
            .iter()
            .map(|&(ri, _)| ri)
            .filter(|ri| access.policies_of(*ri).next().is_some())
            .collect();
        let mut granted_to: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut open_to_all = Vec::new();
        for &ri in &with_policies {
            let mut open = false;
            for pol in access.policies_of(ri) {
                open |= pol.unknown.is_some();
                for st in &pol.statements {
                    if st.grant.effect != super::policy::Effect::Allow {
                        continue;
                    }
                    if st.not_principal {
                        open = true;
                        continue;
                    }
                    for g in &st.grantees {
                        match g {
                            super::access::Grantee::Principal { index } => {
                                granted_to.entry(*index).or_default().push(ri);
                            }
                            super::access::Grantee::Anyone
                            | super::access::Grantee::Unknown { .. } => open = true,
                            _ => {}
                        }
                    }
                }
            }
            if open {
                open_to_all.push(ri);
            }
        }
        // Read only for a principal's grants: without any, the action index (and the IAM
        // catalog under it) is not loaded.
        let mut services: Vec<(&'static str, (u32, u32))> = if access.grants.is_empty() {
            Vec::new()
        } else {
            let idx = index();
            by_service
                .keys()
                .filter_map(|s| idx.service(s).map(|r| (*s, r)))
                .collect()
        };
        services.sort();
        let service = resources.iter().copied().collect();
        Reach {
            resources,
            by_service,
            service,
            arns,
            arn_index,
            granted_to,
            open_to_all,
            services,
            covered: Mutex::default(),
        }
    }

    /// Every resource taken into account, with its service, in index order.
    pub fn resources(&self) -> &[(usize, &'static str)] {
        &self.resources
    }

    /// What `principal` reaches, as explicit resources and whole services.
    pub fn reach_of(&self, model: &Model, access: &Access, principal: usize) -> ReachSet {
        let mut set = self.identity_reach_of(model, access, principal);
        set.named.extend(self.open_to_all.iter().copied());
        set.named.extend(
            self.granted_to
                .get(&principal)
                .into_iter()
                .flatten()
                .copied(),
        );
        set
    }

    /// What `principal`'s own identity-based statements reach, leaving out what resource
    /// policies may grant it.
    pub fn identity_reach_of(&self, model: &Model, access: &Access, principal: usize) -> ReachSet {
        let mut set = ReachSet::default();
        for g in access.grants_of(principal) {
            if g.boundary {
                continue;
            }
            let touched = self
                .services
                .iter()
                .filter(|(_, r)| !g.actions.restrict(*r).is_empty())
                .map(|(s, _)| *s);
            let everywhere = g.not_resource || g.targets.iter().any(|t| matches!(t, Target::Any));
            let only_everywhere =
                !g.not_resource && g.targets.iter().all(|t| matches!(t, Target::Any));
            for s in touched {
                if only_everywhere {
                    set.anywhere.insert(s);
                    continue;
                }
                if everywhere {
                    set.services.insert(s);
                    continue;
                }
                for t in &g.targets {
                    match t {
                        Target::Resource { index, .. } => {
                            let owner = model.owner(*index);
                            for ri in [*index, owner] {
                                if self.service.get(&ri) == Some(&s) {
                                    set.named.insert(ri);
                                }
                            }
                        }
                        Target::Pattern { arn } => {
                            set.named.extend(self.covered_by(s, arn).iter().copied());
                        }
                        _ => {}
                    }
                }
            }
        }
        set
    }

    /// The resources of `service` an ARN pattern covers (see `covered`).
    fn covered_by(&self, service: &'static str, pattern: &str) -> Arc<Vec<usize>> {
        let key = (service, pattern.to_string());
        if let Some(found) = self.lock_covered().get(&key) {
            return Arc::clone(found);
        }
        let found: Arc<Vec<usize>> = Arc::new(
            self.pattern_candidates(service, pattern)
                .into_iter()
                .filter(|ri| {
                    self.arns
                        .get(ri)
                        .is_some_and(|a| arn::pattern_covers(pattern, a))
                })
                .collect(),
        );
        self.lock_covered().insert(key, Arc::clone(&found));
        found
    }

    fn lock_covered(&self) -> std::sync::MutexGuard<'_, Covered> {
        // A panic while the lock is held leaves a map of complete entries: still usable.
        self.covered.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The resources of `service` an ARN pattern may cover: those whose ARN's resource part
    /// starts with the pattern's literal prefix (before its first wildcard or variable), and
    /// those whose resource part is the prefix up to a `/` or `:` (the pattern names something
    /// below them). Every match of [`arn::pattern_covers`] is among them.
    fn pattern_candidates(&self, service: &str, pattern: &str) -> Vec<usize> {
        let Some(index) = self.arn_index.get(service) else {
            return Vec::new();
        };
        let Some(tail) = pattern.splitn(6, ':').nth(5) else {
            return self.by_service.get(service).cloned().unwrap_or_default();
        };
        let literal = &tail[..tail.find(['*', '?', '$']).unwrap_or(tail.len())];
        if literal.is_empty() {
            return index.iter().map(|(_, ri)| *ri).collect();
        }
        let start = index.partition_point(|(t, _)| t.as_str() < literal);
        let mut out: Vec<usize> = index[start..]
            .iter()
            .take_while(|(t, _)| t.starts_with(literal))
            .map(|(_, ri)| *ri)
            .collect();
        for (k, c) in literal.char_indices() {
            if c == '/' || c == ':' {
                let head = &literal[..k];
                let at = index.partition_point(|(t, _)| t.as_str() < head);
                out.extend(
                    index[at..]
                        .iter()
                        .take_while(|(t, _)| t == head)
                        .map(|(_, ri)| *ri),
                );
            }
        }
        out
    }

    /// What `principal` reaches, each list in resource order: the resources some statement
    /// names (or a resource policy governs), and those reached only through grants on `*`.
    pub fn candidates(&self, model: &Model, access: &Access, principal: usize) -> Reached {
        let set = self.reach_of(model, access, principal);
        let mut named: BTreeSet<usize> = set.named.clone();
        if set.open {
            named.extend(self.open_to_all.iter().copied());
        }
        for s in &set.services {
            named.extend(self.by_service.get(s).into_iter().flatten().copied());
        }
        let mut unnamed: BTreeSet<usize> = BTreeSet::new();
        for s in set.anywhere.difference(&set.services) {
            unnamed.extend(
                self.by_service
                    .get(s)
                    .into_iter()
                    .flatten()
                    .filter(|ri| !named.contains(ri))
                    .copied(),
            );
        }
        let with_service = |ri: usize| (ri, self.service[&ri]);
        (
            named.into_iter().map(with_service).collect(),
            unnamed.into_iter().map(with_service).collect(),
        )
    }

    /// Prepares a set of resources to intersect many principals' reach with.
    pub fn prepare<'a>(&self, set: &'a BTreeSet<usize>) -> Among<'a> {
        let mut by_service: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for &ri in set {
            if let Some(s) = self.service.get(&ri) {
                by_service.entry(s).or_default().push(ri);
            }
        }
        Among {
            set,
            open: self
                .open_to_all
                .iter()
                .copied()
                .filter(|ri| set.contains(ri))
                .collect(),
            by_service,
        }
    }

    /// The resources of `among` that `principal` reaches, sorted.
    pub fn reachable_in(
        &self,
        model: &Model,
        access: &Access,
        principal: usize,
        among: &Among,
    ) -> Vec<usize> {
        self.within(self.reach_of(model, access, principal), among)
    }

    /// The resources of `among` that `principal`'s identity-based statements reach, sorted.
    pub fn identity_reachable_in(
        &self,
        model: &Model,
        access: &Access,
        principal: usize,
        among: &Among,
    ) -> Vec<usize> {
        self.within(self.identity_reach_of(model, access, principal), among)
    }

    fn within(&self, set: ReachSet, among: &Among) -> Vec<usize> {
        let mut out: Vec<usize> = set
            .named
            .iter()
            .copied()
            .filter(|ri| among.set.contains(ri))
            .collect();
        if set.open {
            out.extend(&among.open);
        }
        for s in set.services.union(&set.anywhere) {
            out.extend(among.by_service.get(s).into_iter().flatten());
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every resource `principal` reaches, named or through `*`.
    pub fn reachable(&self, model: &Model, access: &Access, principal: usize) -> BTreeSet<usize> {
        let (named, anywhere) = self.candidates(model, access, principal);
        named
            .into_iter()
            .chain(anywhere)
            .map(|(ri, _)| ri)
            .collect()
    }
}
