//! The data-flow view of one system, derived from the model: who reaches the system from the
//! internet, its public edges, the compute behind them (with the roles it runs as), the data
//! stores (with their keys), the identity providers and the third parties the documents name,
//! grouped by trust boundary (a VPC's subnets inside it), and the flows between them:
//! invocations, load balancers forwarding to their targets (`load_balancing`), IAM access by
//! level, what resource and key policies grant (`grants`), exposure to the internet, and the
//! reachability security groups grant one another (`reachability`).
//!
//! The view is a typed graph ([`Diagram`]); `report/mermaid.rs` and `report/html.rs` draw it.
//! Nothing here decides a verdict: the findings (waived ones apart) and open questions marked on
//! the nodes are read from the system's [`Report`] by resource address.
//!
//! Every step is one pass over the resources or the edges, with maps (never a scan of all
//! resources per resource). A grant on `*` is written on the compute node as a note rather than
//! drawn to every store: it would be as many arrows as stores, and say less.

use crate::assumptions::Status;
use crate::iam::access::{levels, service_of, Access, Target};
use crate::iam::catalog::AccessLevel;
use crate::iam::policy::Effect;
use crate::model::{Kind, Label, Model};
use crate::network::{self, Where};
use crate::reconcile::{Report, Verdict};

mod grants;
mod load_balancing;
mod reachability;
mod subnets;
pub mod third_parties;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A trust boundary: a column of the diagram.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Boundary {
    /// Anyone on the internet.
    Internet,
    /// Parties outside the account the system trusts: identity providers (in the code or named
    /// by the documents), and the third-party services the documents name.
    ThirdParty,
    /// Public edges: what the internet calls.
    Edge,
    /// One VPC, by the address of its block (`None`: compute in subnets whose VPC the tree
    /// does not name).
    Vpc { name: Option<String> },
    /// Subnets inside a VPC (drawn inside it): the blocks of the subnets a component is placed
    /// in (`aws_subnet.private`, its `count` instances together), and whether they route to an
    /// internet gateway (`None`: the routing could not be read).
    Subnets {
        vpc: Option<String>,
        blocks: Vec<String>,
        public: Option<bool>,
    },
    /// The AWS account: compute outside any VPC, data stores outside one, keys.
    Account,
}

impl Boundary {
    pub fn title(&self) -> String {
        match self {
            Boundary::Internet => "Internet".into(),
            Boundary::ThirdParty => "Third parties".into(),
            Boundary::Edge => "Edge".into(),
            Boundary::Vpc { name: Some(n) } => format!("VPC {n}"),
            Boundary::Vpc { name: None } => "VPC (not in the tree)".into(),
            Boundary::Subnets { blocks, public, .. } => format!(
                "{} {}",
                match public {
                    Some(true) => "Public subnets",
                    Some(false) => "Private subnets",
                    None => "Subnets (routing not read)",
                },
                blocks.join(", ")
            ),
            Boundary::Account => "AWS account".into(),
        }
    }

    /// The boundary drawn around this one: a VPC around its subnets.
    pub fn parent(&self) -> Option<Boundary> {
        match self {
            Boundary::Subnets { vpc, .. } => Some(Boundary::Vpc { name: vpc.clone() }),
            _ => None,
        }
    }

    /// A stable identifier for the boundary (letters, digits and `_`).
    pub fn id(&self) -> String {
        match self {
            Boundary::Internet => "b_internet".into(),
            Boundary::ThirdParty => "b_third_parties".into(),
            Boundary::Edge => "b_edge".into(),
            Boundary::Vpc { name } => stable_id("b_vpc", name.as_deref().unwrap_or(""), ""),
            Boundary::Subnets { vpc, blocks, .. } => {
                stable_id("b_subnets", &blocks.join(","), vpc.as_deref().unwrap_or(""))
            }
            Boundary::Account => "b_account".into(),
        }
    }
}

/// What a node is in the flow of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Internet,
    IdentityProvider,
    /// A third-party service the documents name (payments, messaging, webhooks).
    ThirdParty,
    PublicEdge,
    Compute,
    DataStore,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Internet => "internet",
            Role::IdentityProvider => "identity provider",
            Role::ThirdParty => "third party",
            Role::PublicEdge => "public edge",
            Role::Compute => "compute",
            Role::DataStore => "data store",
        }
    }
}

/// One component, or one block of several instances (`count`, `for_each`, a module per tenant).
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// Stable: derived from the unit and the address (or block) and nothing else.
    pub id: String,
    pub role: Role,
    /// The normalized kind (`lambda.function`); empty for the internet.
    pub kind: String,
    /// The address, or the block's name for instances.
    pub name: String,
    pub unit: String,
    /// How many resources the node stands for.
    pub count: usize,
    pub boundary: Boundary,
    /// What else the diagram says about it: its role, its key, its placement, grants on `*`.
    pub details: Vec<String>,
    /// Assumptions the code proves fail for it (`invalid`, `contradicted`).
    pub findings: BTreeSet<String>,
    /// Open questions about it.
    pub questions: BTreeSet<String>,
    /// Assumptions the code proves fail for it whose failure a suppression or an accepted risk
    /// takes out of the gate: shown apart from the findings that still count.
    pub waived: BTreeSet<String>,
    /// For a party the documents name: each sentence that names it (`path:line: sentence`).
    pub sources: Vec<String>,
}

impl Node {
    pub fn failing(&self) -> bool {
        !self.findings.is_empty()
    }
    /// Every failure on it is waived.
    pub fn waived_only(&self) -> bool {
        self.findings.is_empty() && !self.waived.is_empty()
    }
    pub fn open(&self) -> bool {
        self.findings.is_empty() && self.waived.is_empty() && !self.questions.is_empty()
    }
}

/// What a flow is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    /// A request or an event: an API integration, a function URL, a trigger, an origin.
    Invokes,
    /// What the compute's role may do to the target, by access level.
    Access,
    /// The internet reaches it over the network.
    Network,
}

/// A flow between two nodes, with what it carries (`invokes`, `read, write`, `public`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Flow {
    pub from: usize,
    pub to: usize,
    pub kind: FlowKind,
    pub label: String,
}

/// The data-flow view of one system.
#[derive(Debug, Clone, Serialize)]
pub struct Diagram {
    /// Sorted by boundary, role and name.
    pub nodes: Vec<Node>,
    /// Sorted by (from, to, kind).
    pub flows: Vec<Flow>,
    /// Set when nodes were merged by kind to keep the diagram readable: what was done.
    pub collapsed: Option<String>,
}

impl Diagram {
    /// The boundaries that hold a node, in drawing order.
    pub fn boundaries(&self) -> Vec<Boundary> {
        let set: BTreeSet<&Boundary> = self.nodes.iter().map(|n| &n.boundary).collect();
        set.into_iter().cloned().collect()
    }

    /// The outer boundaries in drawing order, each with the boundaries drawn inside it (a VPC
    /// with its subnets), and the nodes of each by index: what a renderer nests.
    pub fn nesting(&self) -> Vec<Nest> {
        let mut outer: BTreeMap<Boundary, Nest> = BTreeMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            let top = n.boundary.parent().unwrap_or_else(|| n.boundary.clone());
            let nest = outer.entry(top.clone()).or_insert_with(|| Nest {
                boundary: top.clone(),
                nodes: vec![],
                inner: vec![],
            });
            if n.boundary == top {
                nest.nodes.push(i);
            } else {
                match nest.inner.binary_search_by(|(b, _)| b.cmp(&n.boundary)) {
                    Ok(at) => nest.inner[at].1.push(i),
                    Err(at) => nest.inner.insert(at, (n.boundary.clone(), vec![i])),
                }
            }
        }
        outer.into_values().collect()
    }
}

/// One outer boundary, the nodes directly in it and the boundaries inside it with theirs.
#[derive(Debug, Clone)]
pub struct Nest {
    pub boundary: Boundary,
    pub nodes: Vec<usize>,
    pub inner: Vec<(Boundary, Vec<usize>)>,
}

/// FNV-1a: a stable hash (the standard library's is not stable across releases).
fn fnv(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `prefix_readable_hash`: readable, safe in Mermaid, SVG and HTML ids, and unique (the hash
/// covers the full text the readable part shortens, and `qualifier` when one is needed to tell
/// two parts of one thing apart).
pub fn stable_id(prefix: &str, text: &str, qualifier: &str) -> String {
    let readable: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    // The end of a long address says most; cut at a word so the id stays readable.
    let n = readable.chars().count();
    let short: String = if n <= 40 {
        readable
    } else {
        let tail: String = readable.chars().skip(n - 40).collect();
        match tail.split_once('_') {
            Some((_, rest)) if !rest.is_empty() => rest.to_string(),
            _ => tail,
        }
    };
    let hashed = if qualifier.is_empty() {
        text.to_string()
    } else {
        format!("{text}@{qualifier}")
    };
    format!("{prefix}_{short}_{:08x}", fnv(&hashed) as u32)
}

fn is_identity_provider(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::CognitoUserPool
            | Kind::IamOidcProvider
            | Kind::IamSamlProvider
            | Kind::CognitoIdentityProvider
    )
}

/// The address without instance keys: `aws_s3_bucket.b["x"]` → `aws_s3_bucket.b`.
fn block_of(address: &str) -> String {
    crate::model::kinds::path_without_indices(address)
}

/// Builds the view of one system from its model (the system's subset) and its report.
pub fn build(model: &Model, report: &Report) -> Diagram {
    let access = Access::compute(model);
    let placements = network::placement(model);
    let edges = network::public_edges(model);
    let exposures = network::public_datastores(model);

    // Each resource the view shows, with its role.
    let mut role_of: BTreeMap<usize, Role> = BTreeMap::new();
    for e in &edges {
        role_of.insert(e.resource, Role::PublicEdge);
    }
    for &(c, _) in &access.compute {
        role_of.entry(model.owner(c)).or_insert(Role::Compute);
    }
    for p in &placements {
        role_of
            .entry(model.owner(p.compute))
            .or_insert(Role::Compute);
    }
    for (i, r) in model.resources.iter().enumerate() {
        if r.facet.is_some() {
            continue;
        }
        if crate::kms::is_data_store(r.kind) {
            role_of.entry(i).or_insert(Role::DataStore);
        } else if is_identity_provider(r.kind) {
            role_of.entry(i).or_insert(Role::IdentityProvider);
        }
    }

    // Placement and roles, by resource.
    let subnets = subnets::Subnets::index(model);
    let mut boundary_of: HashMap<usize, Boundary> = HashMap::new();
    let mut details: HashMap<usize, BTreeSet<String>> = HashMap::new();
    for p in &placements {
        let c = model.owner(p.compute);
        let (b, d) = match &p.where_ {
            Where::NoVpc => (Boundary::Account, None),
            Where::Vpc {
                vpc,
                subnets: named,
                public,
                ..
            } if !named.is_empty() => (
                Boundary::Subnets {
                    vpc: vpc.map(|v| block_of(&model.resources[v].address)),
                    blocks: subnets::blocks_of(model, named),
                    public: *public,
                },
                None,
            ),
            Where::Vpc { vpc, public, .. } => (
                Boundary::Vpc {
                    name: vpc.map(|v| block_of(&model.resources[v].address)),
                },
                Some(match public {
                    Some(true) => "in a public subnet".to_string(),
                    Some(false) => "in private subnets".to_string(),
                    None => "subnet routing not read".to_string(),
                }),
            ),
            Where::Unknown { .. } => (Boundary::Account, Some("placement not read".to_string())),
        };
        boundary_of.insert(c, b);
        if let Some(d) = d {
            details.entry(c).or_default().insert(d);
        }
    }
    // Data stores and internal load balancers sit in the subnets they (or their subnet
    // groups) name; internet-facing edges stay at the edge.
    let internal: BTreeSet<usize> = edges
        .iter()
        .filter(|e| e.internet_facing == Some(false))
        .map(|e| e.resource)
        .collect();
    for (&i, &role) in &role_of {
        let placed = match role {
            Role::DataStore => true,
            Role::PublicEdge => internal.contains(&i),
            _ => false,
        };
        if placed {
            if let Some(b) = subnets.boundary(i) {
                boundary_of.insert(i, b);
            }
        }
    }
    for &(c, role) in &access.compute {
        details
            .entry(model.owner(c))
            .or_default()
            .insert(format!("role {}", block_of(&model.resources[role].address)));
    }
    for e in &model.edges {
        if e.label == Label::EncryptedBy {
            let store = model.owner(e.from);
            if role_of.get(&store) == Some(&Role::DataStore) {
                details
                    .entry(store)
                    .or_default()
                    .insert(format!("key {}", block_of(&model.resources[e.to].address)));
            }
        }
    }

    // An ECS service runs as the task role of the task definition it runs: the service's
    // tasks are where the role acts.
    let mut inherited: Vec<(usize, String)> = Vec::new();
    for e in &model.edges {
        if e.label == Label::Runs {
            let (service, task) = (model.owner(e.from), model.owner(e.to));
            if role_of.get(&service) == Some(&Role::Compute) {
                for d in details.get(&task).into_iter().flatten() {
                    if let Some(role) = d.strip_prefix("role ") {
                        inherited.push((service, format!("role {role} (its task definition's)")));
                    }
                }
            }
        }
    }
    for (service, d) in inherited {
        details.entry(service).or_default().insert(d);
    }

    // Compute whose role the tree does not settle says so: unknown is never drawn as "no role".
    for (&i, &role) in &role_of {
        let d = details.entry(i).or_default();
        if role == Role::Compute && !d.iter().any(|x| x.starts_with("role ")) {
            d.insert("role not in the tree".to_string());
        }
    }

    // The instances of one block (`count`, `for_each`, a module called with either) in one
    // boundary are one node; instances placed apart stay apart.
    let mut groups: BTreeMap<(Boundary, Role, String, String), Vec<usize>> = BTreeMap::new();
    for (&i, &role) in &role_of {
        let r = &model.resources[i];
        let boundary = match role {
            Role::Internet => Boundary::Internet,
            Role::IdentityProvider | Role::ThirdParty => Boundary::ThirdParty,
            Role::PublicEdge => boundary_of.get(&i).cloned().unwrap_or(Boundary::Edge),
            Role::Compute | Role::DataStore => {
                boundary_of.get(&i).cloned().unwrap_or(Boundary::Account)
            }
        };
        groups
            .entry((boundary, role, block_of(&r.address), r.unit.clone()))
            .or_default()
            .push(i);
    }
    // A block split over boundaries: each part's id says which boundary it is in.
    let mut parts: HashMap<(&str, &str), usize> = HashMap::new();
    for (_, _, name, unit) in groups.keys() {
        *parts.entry((unit.as_str(), name.as_str())).or_insert(0) += 1;
    }

    // Nodes: the internet first, then one per group, in the groups' order.
    let mut nodes = vec![Node {
        id: "n_internet".into(),
        role: Role::Internet,
        kind: String::new(),
        name: "Internet".into(),
        unit: String::new(),
        count: 1,
        boundary: Boundary::Internet,
        details: vec![],
        findings: BTreeSet::new(),
        questions: BTreeSet::new(),
        waived: BTreeSet::new(),
        sources: vec![],
    }];
    let mut node_index: HashMap<usize, usize> = HashMap::new();
    for ((boundary, role, name, unit), group) in &groups {
        let mut d: BTreeSet<String> = BTreeSet::new();
        for i in group {
            d.extend(details.get(i).into_iter().flatten().cloned());
            node_index.insert(*i, nodes.len());
        }
        let id = if parts[&(unit.as_str(), name.as_str())] > 1 {
            stable_id("n", &format!("{unit}/{name}"), &boundary.id())
        } else {
            stable_id("n", &format!("{unit}/{name}"), "")
        };
        nodes.push(Node {
            id,
            role: *role,
            kind: model.resources[group[0]].kind.as_str().to_string(),
            name: name.clone(),
            unit: unit.clone(),
            count: group.len(),
            boundary: boundary.clone(),
            details: d.into_iter().collect(),
            findings: BTreeSet::new(),
            questions: BTreeSet::new(),
            waived: BTreeSet::new(),
            sources: vec![],
        });
    }
    let node_of = |i: usize| -> Option<usize> { node_index.get(&model.owner(i)).copied() };

    let mut flows: BTreeMap<(usize, usize, FlowKind), BTreeSet<String>> = BTreeMap::new();
    let mut add = |from: Option<usize>, to: Option<usize>, kind: FlowKind, label: &str| {
        if let (Some(a), Some(b)) = (from, to) {
            if a != b {
                flows
                    .entry((a, b, kind))
                    .or_default()
                    .insert(label.to_string());
            }
        }
    };

    // The internet: public edges and exposed stores.
    for e in &edges {
        let label = match e.internet_facing {
            Some(false) => continue,
            Some(true) => "public",
            None => "may be public",
        };
        add(Some(0), node_of(e.resource), FlowKind::Network, label);
    }
    for x in &exposures {
        let label = match x.public {
            Some(false) => continue,
            Some(true) => "public",
            None => "may be public",
        };
        add(Some(0), node_of(x.store), FlowKind::Network, label);
    }

    // Invocations, from the references between resources.
    let mut api_of: HashMap<usize, usize> = HashMap::new();
    let mut calls: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut sources: HashMap<usize, Vec<usize>> = HashMap::new();
    for e in &model.edges {
        let (a, b) = (model.owner(e.from), model.owner(e.to));
        match e.label {
            Label::InApi => {
                api_of.insert(a, b);
            }
            Label::Invokes | Label::PermitsInvoke => calls.entry(a).or_default().push(b),
            Label::Source => sources.entry(a).or_default().push(b),
            _ => {}
        }
    }
    let api = |i: usize| api_of.get(&i).copied().unwrap_or(i);
    for e in &model.edges {
        let (a, b) = (model.owner(e.from), model.owner(e.to));
        match e.label {
            // A route, method or integration names what it calls; the API is the node.
            Label::Integrates => add(node_of(api(a)), node_of(b), FlowKind::Invokes, "invokes"),
            Label::UrlOf => add(node_of(a), node_of(b), FlowKind::Invokes, "invokes"),
            Label::Origin => add(node_of(a), node_of(b), FlowKind::Invokes, "origin"),
            Label::Trigger => add(node_of(a), node_of(b), FlowKind::Invokes, "triggers"),
            Label::Runs => add(node_of(a), node_of(b), FlowKind::Invokes, "runs"),
            Label::IdentitySource => add(
                node_of(b),
                node_of(api(a)),
                FlowKind::Invokes,
                "authenticates",
            ),
            _ => {}
        }
    }
    // An event source mapping or a Lambda permission: its source invokes its function.
    let mut wiring: Vec<(&usize, &Vec<usize>)> = calls.iter().collect();
    wiring.sort();
    for (via, targets) in wiring {
        for s in sources.get(via).into_iter().flatten() {
            for t in targets {
                add(node_of(*s), node_of(*t), FlowKind::Invokes, "invokes");
            }
        }
    }

    // Load balancers to the compute behind them.
    for (lb, target) in load_balancing::forwards(model) {
        add(node_of(lb), node_of(target), FlowKind::Invokes, "forwards");
    }
    // Reachability the security groups declare between components.
    for ((from, to), what) in reachability::peer_flows(model, node_of) {
        for w in what {
            add(Some(from), Some(to), FlowKind::Network, &w);
        }
    }

    // IAM access of each compute's role to the stores and compute it names.
    let mut star: BTreeSet<usize> = BTreeSet::new();
    let mut pairs: BTreeSet<(usize, usize, usize)> = BTreeSet::new();
    for &(c, role) in &access.compute {
        for g in access.grants_of(role) {
            if g.boundary || g.effect != Effect::Allow {
                continue;
            }
            for t in &g.targets {
                match t {
                    Target::Any if !g.not_resource => {
                        star.insert(model.owner(c));
                    }
                    Target::Resource { index, .. } => {
                        let target = model.owner(*index);
                        if matches!(role_of.get(&target), Some(Role::DataStore | Role::Compute)) {
                            pairs.insert((model.owner(c), role, target));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    for (c, role, target) in pairs {
        let service = service_of(model.resources[target].kind);
        let allowed = access.effective(model, role, target, service);
        let mut words: BTreeSet<&str> = BTreeSet::new();
        for l in levels(&allowed.actions) {
            words.insert(match l {
                AccessLevel::List | AccessLevel::Read => "read",
                AccessLevel::Write | AccessLevel::Tagging => "write",
                AccessLevel::PermissionsManagement => "manage",
            });
        }
        if words.is_empty() {
            continue;
        }
        if allowed.conditional {
            words.insert("conditional");
        }
        for w in words {
            add(node_of(c), node_of(target), FlowKind::Access, w);
        }
    }
    for c in star {
        if let Some(n) = node_of(c) {
            let note = "grants on * (every resource of some service)".to_string();
            if !nodes[n].details.contains(&note) {
                nodes[n].details.push(note);
            }
        }
    }

    // What resource policies grant: from the compute running as a role of the tree, from
    // another account (a node of its own), from the internet when anyone may. A key policy's
    // grant reaches the data of the stores the key encrypts.
    let mut runs_as: HashMap<usize, Vec<usize>> = HashMap::new();
    for &(c, role) in &access.compute {
        runs_as.entry(role).or_default().push(model.owner(c));
    }
    let mut encrypts: HashMap<usize, Vec<usize>> = HashMap::new();
    for e in &model.edges {
        if e.label == Label::EncryptedBy {
            encrypts
                .entry(model.owner(e.to))
                .or_default()
                .push(model.owner(e.from));
        }
    }
    let mut outside: BTreeMap<String, usize> = BTreeMap::new();
    for g in grants::resource_grants(model, &access) {
        // The words of the flow: what the resource policy allows; for a key policy, that it
        // decrypts the stores' data (a key grant that cannot decrypt reaches no data).
        let (targets, words): (Vec<usize>, Vec<&str>) = match node_of(g.resource) {
            Some(n) => (
                vec![n],
                g.words.iter().copied().chain(["resource policy"]).collect(),
            ),
            None if model.resources[g.resource].kind == Kind::KmsKey && g.decrypts => (
                encrypts
                    .get(&g.resource)
                    .into_iter()
                    .flatten()
                    .filter_map(|&s| node_of(s))
                    .collect(),
                g.words
                    .iter()
                    .copied()
                    .filter(|w| *w == "conditional")
                    .chain(["decrypt", "key policy"])
                    .collect(),
            ),
            None => continue,
        };
        if targets.is_empty() {
            continue;
        }
        let sources: Vec<usize> = match &g.who {
            grants::Who::Principal(p) => runs_as
                .get(p)
                .into_iter()
                .flatten()
                .filter_map(|&c| node_of(c))
                .collect(),
            grants::Who::Anyone => vec![0],
            grants::Who::Outside { name, what } => {
                let n = *outside.entry(name.clone()).or_insert_with(|| {
                    nodes.push(Node {
                        id: stable_id("n_principal", name, ""),
                        role: Role::ThirdParty,
                        kind: (*what).to_string(),
                        name: name.clone(),
                        unit: String::new(),
                        count: 1,
                        boundary: Boundary::ThirdParty,
                        details: vec![],
                        findings: BTreeSet::new(),
                        questions: BTreeSet::new(),
                        waived: BTreeSet::new(),
                        sources: vec![],
                    });
                    nodes.len() - 1
                });
                vec![n]
            }
        };
        for &from in &sources {
            for &to in &targets {
                for w in &words {
                    add(Some(from), Some(to), FlowKind::Access, w);
                }
            }
        }
    }

    let at: HashMap<(&str, &str), usize> = node_index
        .iter()
        .map(|(&i, &n)| {
            let r = &model.resources[i];
            ((r.unit.as_str(), r.address.as_str()), n)
        })
        .collect();
    mark(&mut nodes, &at, report);
    let flows = flows
        .into_iter()
        .map(|((from, to, kind), labels)| Flow {
            from,
            to,
            kind,
            label: join_labels(labels),
        })
        .collect();
    Diagram {
        nodes,
        flows,
        collapsed: None,
    }
}

/// The words of a flow in reading order: what it is first, conditions last.
fn join_labels(labels: BTreeSet<String>) -> String {
    const ORDER: [&str; 7] = [
        "read",
        "write",
        "manage",
        "conditional",
        "resource policy",
        "decrypt",
        "key policy",
    ];
    let mut words: Vec<String> = labels.into_iter().collect();
    words.sort_by_key(|w| (ORDER.iter().position(|o| o == w).unwrap_or(0), w.clone()));
    words.join(", ")
}

/// Marks the report's findings and open questions on the nodes of the resources they concern,
/// by (unit, address).
fn mark(nodes: &mut [Node], at: &HashMap<(&str, &str), usize>, report: &Report) {
    let find = |unit: &str, resource: &str| at.get(&(unit, resource)).copied();
    for a in &report.assumptions {
        if !matches!(a.status, Status::Invalid | Status::Contradicted) {
            continue;
        }
        let accepted = a.accepted.as_ref().is_some_and(|w| w.active());
        for e in a.evidence.iter().filter(|e| e.outcome == Verdict::Fail) {
            if let Some(n) = find(&e.unit, &e.resource) {
                if accepted || e.waiver.as_ref().is_some_and(|w| w.active()) {
                    nodes[n].waived.insert(a.id.clone());
                } else {
                    nodes[n].findings.insert(a.id.clone());
                }
            }
        }
    }
    for q in &report.questions {
        for r in &q.resources {
            if let Some(n) = find(&r.unit, &r.resource) {
                nodes[n].questions.insert(q.id.clone());
            }
        }
    }
}

/// The view with at most `max` nodes: above it, the nodes of one kind in one boundary become one
/// node (their counts, findings and questions summed), and `collapsed` says so.
pub fn collapse(d: &Diagram, max: usize) -> Diagram {
    if d.nodes.len() <= max {
        return d.clone();
    }
    let mut merged: Vec<Node> = Vec::new();
    let mut at: BTreeMap<(Boundary, Role, String), usize> = BTreeMap::new();
    let mut map = Vec::with_capacity(d.nodes.len());
    for n in &d.nodes {
        let key = (n.boundary.clone(), n.role, n.kind.clone());
        let m = *at.entry(key).or_insert_with(|| {
            merged.push(Node {
                id: stable_id("k", &format!("{}/{}", n.boundary.id(), n.kind), ""),
                role: n.role,
                kind: n.kind.clone(),
                name: if n.role == Role::Internet {
                    n.name.clone()
                } else {
                    n.kind.clone()
                },
                unit: String::new(),
                count: 0,
                boundary: n.boundary.clone(),
                details: vec![],
                findings: BTreeSet::new(),
                questions: BTreeSet::new(),
                waived: BTreeSet::new(),
                sources: vec![],
            });
            merged.len() - 1
        });
        merged[m].count += n.count;
        merged[m].findings.extend(n.findings.iter().cloned());
        merged[m].questions.extend(n.questions.iter().cloned());
        merged[m].waived.extend(n.waived.iter().cloned());
        map.push(m);
    }
    for n in &mut merged {
        if n.role != Role::Internet {
            n.name = format!("{} × {}", n.count, n.kind);
        }
    }
    let mut flows: BTreeMap<(usize, usize, FlowKind), BTreeSet<String>> = BTreeMap::new();
    for f in &d.flows {
        let (a, b) = (map[f.from], map[f.to]);
        if a != b {
            flows
                .entry((a, b, f.kind))
                .or_default()
                .extend(f.label.split(", ").map(str::to_string));
        }
    }
    Diagram {
        collapsed: Some(format!(
            "{} components shown as {} groups, one per kind and boundary (more than {max} to draw one by one)",
            d.nodes.len(),
            merged.len()
        )),
        nodes: merged,
        flows: flows
            .into_iter()
            .map(|((from, to, kind), labels)| Flow {
                from,
                to,
                kind,
                label: join_labels(labels),
            })
            .collect(),
    }
}

/// The third parties the documents name, drawn in the third-party boundary with the sentences
/// that name them as evidence (`details`): nodes only, since a document names a party without
/// saying, in words the code can check, which component it talks to.
pub fn add_third_parties(d: &mut Diagram, named: &[third_parties::Named]) {
    for p in named {
        let details = p
            .evidence
            .iter()
            .map(|m| format!("named at {}", m.at()))
            .collect();
        d.nodes.push(Node {
            id: stable_id("n_doc", p.name, ""),
            role: if p.identity {
                Role::IdentityProvider
            } else {
                Role::ThirdParty
            },
            kind: if p.identity {
                Role::IdentityProvider.name().to_string()
            } else {
                Role::ThirdParty.name().to_string()
            },
            name: p.name.to_string(),
            unit: String::new(),
            count: 1,
            boundary: Boundary::ThirdParty,
            details,
            findings: BTreeSet::new(),
            questions: BTreeSet::new(),
            waived: BTreeSet::new(),
            sources: p.evidence.iter().map(ToString::to_string).collect(),
        });
    }
}

/// The architecture documents of one system, read again for the names they write (the scan
/// read them for claims and reported any it could not read; one it cannot read now adds
/// nothing). Shown as the report shows them.
fn documents_of(s: &crate::systems::SystemReport) -> Vec<crate::claims::Document> {
    use std::io::Read;
    let mut out = Vec::new();
    for found in &s.system.documents {
        let shown = s
            .report
            .documents
            .iter()
            .find(|shown| found.path.ends_with(shown.as_str()))
            .cloned()
            .unwrap_or_else(|| found.path.display().to_string());
        let mut bytes = Vec::new();
        let read = std::fs::File::open(&found.path).and_then(|f| {
            f.take(crate::claims::MAX_DOCUMENT_BYTES as u64)
                .read_to_end(&mut bytes)
        });
        if read.is_ok() {
            let text = String::from_utf8_lossy(&bytes);
            out.push(crate::claims::read_document(&shown, &text, found.readme));
        }
    }
    out
}

/// The view of every system, in the order given. One system is the whole model; several each
/// get the model of their own units, as they were assessed. Each gets the third parties its
/// documents name.
pub fn for_systems(model: &Model, systems: &[crate::systems::SystemReport]) -> Vec<Diagram> {
    use rayon::prelude::*;
    let view = |s: &crate::systems::SystemReport, d: Diagram| {
        let mut d = d;
        add_third_parties(&mut d, &third_parties::named(&documents_of(s)));
        d
    };
    if let [one] = systems {
        return vec![view(one, build(model, &one.report))];
    }
    systems
        .par_iter()
        .map(|s| view(s, build(&model.subset(&s.system.units), &s.report)))
        .collect()
}
