//! One vocabulary of AWS resources for Terraform and CloudFormation.
//!
//! The loaders lower each language into [`Resource`]s: a stable address, the source type, the
//! normalized kind from `rules/resource-types.tsv`, evaluated attributes ([`Value`]s) and a span
//! for the resource and for each attribute. [`Model::link`] then turns every [`Ref`] inside the
//! attributes into an [`Edge`], and folds configuration resources (facets) into their parents.

pub mod defaults;
pub mod kinds;
pub mod map;
pub mod props;
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
    /// (parent, facet) pairs sorted by parent: the facets of a resource by binary search.
    children: Vec<(u32, u32)>,
    /// Indices into `edges`, sorted by target: the edges into a resource by binary search.
    incoming: Vec<u32>,
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

    /// Every unknown value inside resource attributes, with where it sits.
    pub fn unresolved(&self) -> Vec<UnresolvedValue> {
        let mut out: Vec<UnresolvedValue> = self
            .resources
            .par_iter()
            .flat_map_iter(|r| {
                let mut out = Vec::new();
                for (name, value) in &r.attributes {
                    value.visit_unknowns(name, &mut |path, u| {
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

/// An instance's address without its last instance key (`aws_x.y["a"]` → `aws_x.y`); `None`
/// for an address without one.
pub fn without_instance_key(address: &str) -> Option<&str> {
    let stripped = address.strip_suffix(']')?;
    let open = stripped.rfind('[')?;
    Some(&address[..open])
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
