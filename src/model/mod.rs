//! One vocabulary of AWS resources for Terraform and CloudFormation.
//!
//! The loaders lower each language into [`Resource`]s: a stable address, the source type, the
//! normalized kind from `rules/resource-types.tsv`, evaluated attributes ([`Value`]s) and a span
//! for the resource and for each attribute. [`Model::link`] then turns every [`Ref`] inside the
//! attributes into an [`Edge`], and folds configuration resources (facets) into their parents.

pub mod base64;
pub mod defaults;
pub mod images;
pub mod inherits;
pub mod kinds;
pub mod literal;
pub mod map;
pub mod openapi;
pub mod props;
pub mod suppressions;
pub(crate) mod table;
pub mod tags;
pub mod tenancy;
pub mod value;

use crate::source::Span;
pub use kinds::{Kind, Label};
pub use map::VecMap;
pub use props::{Found, Item, Prop, PropOrigin};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
pub use value::{Part, Reason, Ref, Symbol, Unknown, Value};

/// An object value or a resource's attributes: keys in order.
pub type Map = VecMap<Value>;

/// The language a resource was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    Terraform,
    CloudFormation,
    /// Terraform plan JSON (`terraform show -json`).
    Plan,
}

impl Language {
    /// The language's name as reports show it.
    pub fn name(self) -> &'static str {
        match self {
            Language::Terraform => "Terraform",
            Language::CloudFormation => "CloudFormation",
            Language::Plan => "Terraform plan",
        }
    }
}

/// A deployment unit: a Terraform root or a CloudFormation template (with its nested stacks).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unit {
    /// The root directory or template path, relative to the scanned root (`.` for the root).
    pub id: String,
    pub language: Language,
}

/// A CloudFormation condition guarding a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    pub name: String,
    /// The condition's value when it could be evaluated.
    pub value: Option<bool>,
}

/// A resource, or one instance of a counted / `for_each` resource.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    /// The deployment unit.
    pub unit: String,
    /// Stable address within the unit: `module.api.aws_lambda_function.this["a"]`, or the
    /// CloudFormation logical id prefixed with its nested stack path (`Network/Vpc`).
    pub address: String,
    /// `aws_s3_bucket`, `AWS::S3::Bucket`.
    #[serde(rename = "type")]
    pub source_type: String,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facet: Option<&'static str>,
    pub language: Language,
    #[serde(skip)]
    pub span: Span,
    pub attributes: crate::model::Map,
    /// Span of each attribute and nested block, by path (`vpc_config[0].subnet_ids`).
    #[serde(skip)]
    pub attribute_spans: crate::model::VecMap<Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// For resources a SAM transform or similar expansion generated: the resource that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_by: Option<String>,
}

impl Resource {
    pub fn new(
        unit: impl Into<String>,
        address: impl Into<String>,
        source_type: impl Into<String>,
        language: Language,
        span: Span,
    ) -> Resource {
        let source_type = source_type.into();
        let info = kinds::type_info(&source_type);
        Resource {
            unit: unit.into(),
            address: address.into(),
            kind: info.kind,
            facet: info.facet,
            source_type,
            language,
            span,
            attributes: VecMap::new(),
            attribute_spans: VecMap::new(),
            condition: None,
            generated_by: None,
        }
    }

    /// The span of an attribute path, or of the nearest enclosing path, or of the resource.
    pub fn span_of(&self, path: &str) -> Span {
        let mut p = path;
        loop {
            if let Some(s) = self.attribute_spans.get(p) {
                return *s;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return self.span,
            }
        }
    }

    /// Whether the resource was read from Terraform plan JSON: where its evidence is, the plan
    /// file and the resource's address say it (a plan has no HCL lines of its own).
    pub fn from_plan(&self) -> bool {
        self.language == Language::Plan
    }

    pub fn attr(&self, name: &str) -> Option<&Value> {
        self.attributes.get(name)
    }
}

/// The label of the edge from a configuration resource to the resource it configures.
pub const FACET_OF: Label = Label::FacetOf;

/// A reference from one resource's attribute to another resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    /// Index of the referring resource in [`Model::resources`].
    pub from: usize,
    /// Index of the referenced resource.
    pub to: usize,
    /// What the reference means (`runs-as`, `encrypted-by`), from `rules/edges.tsv`.
    pub label: Label,
    /// The referring attribute path (short paths are held inline).
    pub attribute: map::Key,
    /// The attribute of the target that is referenced (`arn`).
    pub target_attribute: map::Key,
    #[serde(skip)]
    pub span: Span,
}

/// A value the tree cannot settle, where it appears.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UnresolvedValue {
    pub unit: String,
    pub resource: String,
    pub attribute: String,
    pub unknown: Unknown,
    #[serde(skip)]
    pub span: Span,
}

/// A Terraform module that is not in the scanned tree.
#[derive(Debug, Clone, Serialize)]
pub struct ExternalModule {
    pub unit: String,
    pub address: String,
    pub source: String,
    pub inputs: crate::model::Map,
    #[serde(skip)]
    pub span: Span,
}

/// A call of a module whose code vouch read: where its `module` block is, and whether that code
/// was fetched into the tree by the tool (a registry or git module, not the repository's own
/// code), so a finding inside it can be shown at the block that calls it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ModuleCallSite {
    pub unit: String,
    /// The call's address, with the instance keys of the calls around it (`module.a["x"].module.b`).
    pub address: String,
    pub fetched: bool,
    #[serde(skip)]
    pub span: Span,
}

/// A data source block: existing infrastructure read at plan time.
#[derive(Debug, Clone, Serialize)]
pub struct DataSource {
    pub unit: String,
    pub address: String,
    #[serde(rename = "type")]
    pub source_type: String,
    #[serde(skip)]
    pub span: Span,
    /// The arguments the code gives it (a filter, a name), evaluated: what it reads is
    /// unknown, what it asks for is not (`model/images.rs` reads an AMI lookup's filters).
    #[serde(skip)]
    pub arguments: crate::model::Map,
}

/// Everything vouch knows about the scanned tree's infrastructure.
#[derive(Debug, Default)]
pub struct Model {
    pub units: Vec<Unit>,
    pub resources: Vec<Resource>,
    pub edges: Vec<Edge>,
    pub data_sources: Vec<DataSource>,
    pub external_modules: Vec<ExternalModule>,
    /// The module calls whose code was read, sorted by unit and address.
    pub module_calls: Vec<ModuleCallSite>,
    /// For each facet resource, the index of its parent (when the link resolves).
    pub parents: BTreeMap<usize, usize>,
    /// The suppressions the code declares (`# vouch:ignore`, CloudFormation `Metadata`), sorted.
    pub suppressions: Vec<suppressions::Suppression>,
    /// (parent, facet) pairs sorted by parent: the facets of a resource by binary search.
    children: Vec<(u32, u32)>,
    /// Indices into `edges`, sorted by target: the edges into a resource by binary search.
    incoming: Vec<u32>,
    /// Resources read from a live account (`--aws`): their spans in the template written from
    /// the account, with the record each stands for. Locations inside them are records.
    records: Vec<(Span, crate::source::Record)>,
    /// Links no reference in the code makes, by address (so they survive sorting and
    /// subsetting): a function whose role the code leaves open, to the role the live account
    /// says it runs as. [`Model::link`] turns them into edges.
    links: Vec<Link>,
}

/// An edge declared by address rather than found in a reference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Link {
    pub from: (String, String),
    pub to: (String, String),
    pub label: Label,
    pub attribute: map::Key,
    pub target_attribute: map::Key,
    pub span: Span,
}

impl Model {
    /// Sorts everything into a stable order and derives edges and facet parents from the refs
    /// inside attribute values. Resolution uses a map from (unit, address), never a scan.
    pub fn link(&mut self) {
        self.units.sort();
        self.units.dedup();
        // Unit and address are unique (dedup below keeps the first): an unstable sort needs no buffer.
        self.resources.sort_unstable_by(|a, b| {
            (a.unit.as_str(), a.address.as_str()).cmp(&(b.unit.as_str(), b.address.as_str()))
        });
        self.resources
            .dedup_by(|a, b| a.unit == b.unit && a.address == b.address);
        self.data_sources
            .sort_by(|a, b| (&a.unit, &a.address).cmp(&(&b.unit, &b.address)));
        self.external_modules
            .sort_by(|a, b| (&a.unit, &a.address).cmp(&(&b.unit, &b.address)));
        self.module_calls.sort();
        self.module_calls
            .dedup_by(|a, b| a.unit == b.unit && a.address == b.address);

        let index: HashMap<(&str, &str), usize> = self
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.unit.as_str(), r.address.as_str()), i))
            .collect();
        // Each resource's refs are independent: find them in parallel, straight into one list.
        let mut edges: Vec<Edge> = self
            .resources
            .par_iter()
            .enumerate()
            .flat_map_iter(|(from, r)| {
                let mut edges = Vec::new();
                let link_attr = kinds::type_info(&r.source_type).link;
                for (name, value) in &r.attributes {
                    value.visit_refs(name, &mut |path, target| {
                        let Some(to) = resolve(&index, &r.unit, &target.resource) else {
                            return;
                        };
                        if to == from {
                            return;
                        }
                        let top = path.split(['.', '[']).next().unwrap_or("");
                        let is_link = link_attr == Some(top);
                        edges.push(Edge {
                            from,
                            to,
                            label: if is_link {
                                FACET_OF
                            } else {
                                kinds::edge_label(&r.source_type, path)
                            },
                            attribute: path.into(),
                            target_attribute: target.attribute.as_str().into(),
                            span: r.span_of(path),
                        });
                    });
                }
                edges
            })
            .collect();
        for l in &self.links {
            let from = index.get(&(l.from.0.as_str(), l.from.1.as_str()));
            let to = index.get(&(l.to.0.as_str(), l.to.1.as_str()));
            if let (Some(&from), Some(&to)) = (from, to) {
                edges.push(Edge {
                    from,
                    to,
                    label: l.label,
                    attribute: l.attribute.clone(),
                    target_attribute: l.target_attribute.clone(),
                    span: l.span,
                });
            }
        }
        // With the edges made, a reference to an attribute its target sets literally becomes
        // that literal (`literal.rs`): computed first from the unchanged model, then applied.
        let resolver = literal::Resolver {
            resources: &self.resources,
            index: &index,
        };
        let literals: Vec<(usize, Vec<(map::Key, Value)>)> = self
            .resources
            .par_iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let changed: Vec<(map::Key, Value)> = r
                    .attributes
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), resolver.resolve(&r.unit, v)?)))
                    .collect();
                (!changed.is_empty()).then_some((i, changed))
            })
            .collect();
        drop(index);
        for (i, changed) in literals {
            for (k, v) in changed {
                self.resources[i].attributes.insert(k, v);
            }
        }
        // A configuration resource belongs to the first resource its link attribute names.
        let mut parents = BTreeMap::new();
        for e in &edges {
            if e.label == FACET_OF {
                parents.entry(e.from).or_insert(e.to);
            }
        }
        edges.par_sort_unstable();
        edges.dedup();
        let mut incoming: Vec<u32> = (0..edges.len() as u32).collect();
        incoming.sort_by_key(|&i| (edges[i as usize].to, i));
        self.edges = edges;
        self.incoming = incoming;
        let mut children: Vec<(u32, u32)> = parents
            .iter()
            .map(|(&f, &p)| (p as u32, f as u32))
            .collect();
        children.sort_unstable();
        self.children = children;
        self.parents = parents;
    }

    /// Adds links that no reference in the code makes (a function to the role the live account
    /// says it runs as) and links the model again.
    pub fn add_links(&mut self, links: Vec<Link>) {
        if links.is_empty() {
            return;
        }
        self.links.extend(links);
        self.links.sort();
        self.links.dedup();
        self.link();
    }

    /// Marks the spans of resources read from a live account with their records.
    pub fn add_records(&mut self, records: Vec<(Span, crate::source::Record)>) {
        self.records.extend(records);
        self.records.sort();
    }

    /// The record of the account resource whose span holds `span`, if any.
    pub fn record_at(&self, span: Span) -> Option<&crate::source::Record> {
        self.records
            .iter()
            .find(|(s, _)| s.file == span.file && s.start <= span.start && span.end <= s.end)
            .map(|(_, r)| r)
    }

    /// The edges into one resource, in edge order, found by binary search.
    /// (A model whose edges were changed after [`Model::link`] is scanned in full.)
    pub fn edges_to(&self, to: usize) -> Box<dyn Iterator<Item = &Edge> + '_> {
        if self.incoming.len() != self.edges.len() {
            return Box::new(self.edges.iter().filter(move |e| e.to == to));
        }
        let start = self
            .incoming
            .partition_point(|&i| self.edges[i as usize].to < to);
        Box::new(
            self.incoming[start..]
                .iter()
                .map(|&i| &self.edges[i as usize])
                .take_while(move |e| e.to == to),
        )
    }

    /// The edges from one resource: a run of the sorted edges, found by binary search. (A
    /// model whose edges were changed after [`Model::link`] is scanned in full.)
    pub fn edges_from(&self, from: usize) -> Box<dyn Iterator<Item = &Edge> + '_> {
        if self.incoming.len() != self.edges.len() {
            return Box::new(self.edges.iter().filter(move |e| e.from == from));
        }
        let start = self.edges.partition_point(|e| e.from < from);
        Box::new(
            self.edges[start..]
                .iter()
                .take_while(move |e| e.from == from),
        )
    }

    pub fn find(&self, unit: &str, address: &str) -> Option<&Resource> {
        self.index_of(unit, address).map(|i| &self.resources[i])
    }

    /// Index of a resource by unit and address (the resources are sorted by both after
    /// [`Model::link`]). A ref to a counted resource without its key finds the first instance.
    pub fn index_of(&self, unit: &str, address: &str) -> Option<usize> {
        let exact = |a: &str| {
            self.resources
                .binary_search_by(|r| (r.unit.as_str(), r.address.as_str()).cmp(&(unit, a)))
                .ok()
        };
        exact(address).or_else(|| exact(&format!("{address}[0]")))
    }

    /// The resource a facet belongs to, or the resource itself.
    pub fn owner(&self, index: usize) -> usize {
        self.parents.get(&index).copied().unwrap_or(index)
    }

    /// Instances of one block among `members`: resources made from the same code (same file,
    /// same place, same type) more than once — a counted or `for_each` block, a module called
    /// or repeated per tenant, a nested stack instantiated per tenant. Each member with siblings
    /// gets the name of its block (`module.tenant.aws_dynamodb_table.data`, or `Table (one per
    /// stack or module)`); members made once get none.
    pub fn instance_names(&self, members: &[usize]) -> HashMap<usize, String> {
        let mut blocks: HashMap<(&str, u32, u32, &str), Vec<usize>> = HashMap::new();
        for &i in members {
            let r = &self.resources[i];
            blocks
                .entry((
                    r.unit.as_str(),
                    r.span.file.0,
                    r.span.start,
                    r.source_type.as_str(),
                ))
                .or_default()
                .push(i);
        }
        let mut out = HashMap::new();
        for group in blocks.values().filter(|g| g.len() > 1) {
            let first = &self.resources[group[0]].address;
            let name = instance_group(first).unwrap_or_else(|| {
                let tail = first.rsplit('/').next().unwrap_or(first);
                let segments: Vec<&str> = tail.rsplitn(3, '.').collect();
                let block = match segments.as_slice() {
                    [name, ty, _] | [name, ty] => format!("{ty}.{name}"),
                    _ => tail.to_string(),
                };
                format!("{block} (one per stack or module)")
            });
            for &i in group {
                out.insert(i, name.clone());
            }
        }
        out
    }

    /// The deployment units an AWS account question can be about: every unit but those whose
    /// resources are all of another provider (an `azurerm` or `google` root gets no CloudTrail
    /// question). A unit with no resource at all stays: nothing says it is not AWS.
    pub fn aws_units(&self) -> Vec<String> {
        let mut seen: HashMap<&str, bool> = HashMap::new();
        for r in &self.resources {
            let aws = r.source_type.starts_with("aws_") || r.source_type.starts_with("AWS::");
            *seen.entry(r.unit.as_str()).or_insert(false) |= aws;
        }
        self.units
            .iter()
            .filter(|u| seen.get(u.id.as_str()).copied().unwrap_or(true))
            .map(|u| u.id.clone())
            .collect()
    }

    /// The model of some deployment units alone, linked: what one system reasons over. References
    /// never cross units, so the subset has exactly the edges and facets the whole model has
    /// among these units. Each unit's resources are one run of the sorted resources (found by
    /// binary search), so the cost is the size of the subset, not of the model.
    pub fn subset(&self, units: &[String]) -> Model {
        let mut sub = Model::default();
        // Units are sorted by id after `link`; resources, data sources and external modules are sorted by unit after `link`.
        fn run<'a, T>(items: &'a [T], unit: &'a str, of: fn(&T) -> &str) -> &'a [T] {
            let start = items.partition_point(|x| of(x) < unit);
            let len = items[start..].iter().take_while(|x| of(x) == unit).count();
            &items[start..start + len]
        }
        for unit in units {
            if let Ok(i) = self.units.binary_search_by(|u| u.id.as_str().cmp(unit)) {
                sub.units.push(self.units[i].clone());
            }
            sub.resources
                .extend_from_slice(run(&self.resources, unit, |r| r.unit.as_str()));
            sub.data_sources
                .extend_from_slice(run(&self.data_sources, unit, |d| d.unit.as_str()));
            sub.external_modules
                .extend_from_slice(run(&self.external_modules, unit, |m| m.unit.as_str()));
        }
        // Links out of these units bring their targets (roles read from the account) and what
        // those reference (the managed policies they attach), not the rest of the account.
        let wanted: std::collections::HashSet<&str> = units.iter().map(String::as_str).collect();
        let mut targets: Vec<usize> = Vec::new();
        for l in &self.links {
            if wanted.contains(l.from.0.as_str()) && !wanted.contains(l.to.0.as_str()) {
                sub.links.push(l.clone());
                if let Some(i) = self.index_of(&l.to.0, &l.to.1) {
                    targets.push(i);
                    targets.extend(
                        self.edges_from(i)
                            .filter(|e| self.resources[e.to].unit == l.to.0)
                            .map(|e| e.to),
                    );
                }
            }
        }
        targets.sort_unstable();
        targets.dedup();
        sub.resources
            .extend(targets.into_iter().map(|i| self.resources[i].clone()));
        sub.records = self.records.clone();
        sub.suppressions = self
            .suppressions
            .iter()
            .filter(|s| wanted.contains(s.unit.as_str()))
            .cloned()
            .collect();
        sub.link();
        sub
    }

    /// Every unknown value inside resource attributes, with where it sits.
    pub fn unresolved(&self) -> Vec<UnresolvedValue> {
        let mut out: Vec<UnresolvedValue> = self
            .resources
            .par_iter()
            .flat_map_iter(|r| {
                let mut out = Vec::new();
                for (name, value) in &r.attributes {
                    value.visit_unknowns(name, &mut |path, u| {
                        // `tags_all` repeats `tags` (merged over the provider's default tags):
                        // an unknown it took from `tags` is reported there, once.
                        if name.as_str() == "tags_all" && from_own_tags(r, path) {
                            return;
                        }
                        out.push(UnresolvedValue {
                            unit: r.unit.clone(),
                            resource: r.address.clone(),
                            attribute: path.to_string(),
                            unknown: u.clone(),
                            span: r.span_of(path),
                        })
                    });
                }
                out
            })
            .collect();
        out.par_sort_unstable();
        out.dedup();
        out
    }
}

/// Whether the `tags_all` path `path` is a value the resource's own `tags` gave it.
fn from_own_tags(r: &Resource, path: &str) -> bool {
    match (r.attr("tags"), path.strip_prefix("tags_all.")) {
        (Some(Value::Map(own)), Some(key)) => {
            own.get(key.split('.').next().unwrap_or(key)).is_some()
        }
        (Some(Value::Unknown(_)), None) => true,
        _ => false,
    }
}

/// An instance's address without its last instance key (`aws_x.y["a"]` → `aws_x.y`); `None`
/// for an address without one.
pub fn without_instance_key(address: &str) -> Option<&str> {
    let stripped = address.strip_suffix(']')?;
    let open = stripped.rfind('[')?;
    Some(&address[..open])
}

/// The block an instance was made from, with every instance key removed, of the resource and
/// of the modules around it (`module.tenant["acme"].aws_dynamodb_table.data` →
/// `module.tenant.aws_dynamodb_table.data`): instances of one block per tenant, whether the
/// block or its module is repeated. `None` for an address without an instance key.
pub fn instance_group(address: &str) -> Option<String> {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut removed = false;
    let mut prev = '\0';
    for c in address.chars() {
        match c {
            '"' if depth > 0 && prev != '\\' => quoted = !quoted,
            '[' if !quoted => {
                depth += 1;
                removed = true;
            }
            ']' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
        prev = c;
    }
    removed.then_some(out)
}

/// Resolves a ref's target address: exactly, else without its instance key (a reference to
/// `aws_x.y` while the resource is counted), else the first instance.
fn resolve(index: &HashMap<(&str, &str), usize>, unit: &str, address: &str) -> Option<usize> {
    if let Some(i) = index.get(&(unit, address)) {
        return Some(*i);
    }
    if let Some(stripped) = without_instance_key(address) {
        if let Some(i) = index.get(&(unit, stripped)) {
            return Some(*i);
        }
    }
    let first = format!("{address}[0]");
    index.get(&(unit, first.as_str())).copied()
}

#[cfg(test)]
mod tests {
    use super::instance_group;

    #[test]
    fn instance_groups_drop_every_instance_key() {
        assert_eq!(
            instance_group(r#"module.tenant["acme"].aws_dynamodb_table.data"#).as_deref(),
            Some("module.tenant.aws_dynamodb_table.data")
        );
        assert_eq!(
            instance_group(r#"module.a[0].aws_s3_bucket.b["x]y"]"#).as_deref(),
            Some("module.a.aws_s3_bucket.b")
        );
        assert_eq!(instance_group("aws_s3_bucket.b"), None);
    }
}
