//! Evaluation of a Terraform module instance: variables, locals, resources with `count` and
//! `for_each`, nested and `dynamic` blocks, data sources and module calls.
//!
//! References to resources become [`Value::Ref`]s (edges), never guesses. Everything the tree
//! cannot settle becomes [`Value::Unknown`] with its reason and subject. Locals, outputs and
//! module instances are memoized; a reference cycle yields an unknown, never a hang.

use super::config::{join_relative, Located, ModuleConfig};
use super::functions;
use super::policy_document;
pub use super::values::{
    interpolate, key_string, push_text, template_value, type_name, unknown_of, MAX_COLLECTION,
};
use crate::diagnostics::Diagnostic;
use crate::model::{
    DataSource, ExternalModule, Language, Part, Reason, Ref, Resource, Symbol, Unknown, Value,
};
use crate::source::{FileId, Span};
use crate::syntax::hcl::{
    BinaryOp, Block, Body, Expr, ObjectKeyExpr, Operator, TemplatePart, UnaryOp,
};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Instances per counted resource or module beyond which vouch stops expanding.
pub const MAX_INSTANCES: usize = 10_000;
/// Nested evaluations (locals through locals, modules through modules) beyond which vouch stops.
pub const MAX_DEPTH: usize = 256;
/// Module nesting beyond which vouch stops (a module that calls itself).
pub const MAX_MODULE_DEPTH: usize = 32;
/// Module instances one deployment unit may hold in all: a module called with `count` that calls
/// modules with `count` multiplies within [`MAX_MODULE_DEPTH`]; past this total a call is unknown.
pub const MAX_MODULE_INSTANCES: usize = 10_000;
/// Text that one string may hold: longer strings (doubled through locals, repeated by a
/// template) become unknown instead of taking the memory they ask for.
pub const MAX_TEXT: usize = 1 << 20;
/// Parts (text, references, unknowns) one template may hold.
pub const MAX_TEMPLATE_PARTS: usize = 4096;
/// Text that evaluating one deployment unit may produce in all, across every string.
pub const MAX_TOTAL_TEXT: usize = 256 << 20;
/// Expression evaluations one root may spend; past it every value is `Unknown(limit)`, so no
/// input can make a scan run for long.
pub const MAX_STEPS: u64 = 5_000_000;

/// Everything the evaluation of one root produces.
#[derive(Debug, Default)]
pub struct Output {
    pub resources: Vec<Resource>,
    pub data_sources: Vec<DataSource>,
    pub external_modules: Vec<ExternalModule>,
    pub module_calls: Vec<crate::model::ModuleCallSite>,
    pub diagnostics: Vec<Diagnostic>,
}

/// What every instance of one root shares.
pub struct Project<'a> {
    pub configs: &'a HashMap<String, ModuleConfig<'a>>,
    /// The scan root on disk: `file()` never reads outside it.
    pub scan_root: PathBuf,
    pub unit: String,
    pub out: RefCell<Output>,
    pub path_of: &'a dyn Fn(FileId) -> String,
    depth: Cell<usize>,
    steps: Cell<u64>,
    /// Bytes of text evaluation may still produce ([`MAX_TOTAL_TEXT`] at the start).
    text_budget: Cell<usize>,
    /// Module instances created so far (at most [`MAX_MODULE_INSTANCES`]).
    module_instances: Cell<usize>,
    /// Whether the module-instance limit was reported (once per unit).
    module_limit_reported: Cell<bool>,
    /// `terraform init`'s index: module key (`vpc`, `vpc.subnets`) → directory.
    pub module_index: BTreeMap<String, String>,
    /// The loaded tree, for the OpenAPI definitions an API's `body` reads with `file()`.
    pub loaded: Option<&'a crate::load::Loaded>,
}

impl<'a> Project<'a> {
    pub fn new(
        configs: &'a HashMap<String, ModuleConfig<'a>>,
        scan_root: PathBuf,
        unit: String,
        path_of: &'a dyn Fn(FileId) -> String,
    ) -> Self {
        Project {
            configs,
            scan_root,
            unit,
            out: RefCell::new(Output::default()),
            path_of,
            depth: Cell::new(0),
            steps: Cell::new(0),
            text_budget: Cell::new(MAX_TOTAL_TEXT),
            module_instances: Cell::new(0),
            module_limit_reported: Cell::new(false),
            module_index: BTreeMap::new(),
            loaded: None,
        }
    }
}

enum Memo {
    InProgress,
    Done(Value),
}

/// How many instances a resource, data source or module call has.
#[derive(Clone)]
enum Shape {
    Single,
    Count(usize),
    /// Keys with their `each.value`.
    ForEach(crate::model::Map),
    Unknown(Unknown),
}

/// The instances of one module call.
enum ModuleCall<'a> {
    InProgress,
    Local(Shape, Vec<(InstanceKey, Rc<Instance<'a>>)>),
    External(String),
    Missing(String),
    /// Not expanded: the unit's module instances would pass [`MAX_MODULE_INSTANCES`].
    Limit(String),
}

#[derive(Clone)]
enum InstanceKey {
    None,
    Index(usize),
    Key(String),
}

impl InstanceKey {
    fn suffix(&self) -> String {
        match self {
            InstanceKey::None => String::new(),
            InstanceKey::Index(i) => format!("[{i}]"),
            InstanceKey::Key(k) => format!("[{}]", quote(k)),
        }
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Bindings local to one evaluation: `count.index`, `each`, for-expression and iterator names.
#[derive(Clone, Default)]
pub struct Scope {
    count_index: Option<usize>,
    each: Option<(Value, Value)>,
    names: Vec<(String, Value)>,
}

impl Scope {
    fn with_name(&self, name: &str, value: Value) -> Scope {
        let mut s = self.clone();
        s.names.push((name.to_string(), value));
        s
    }

    fn lookup(&self, name: &str) -> Option<&Value> {
        self.names
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// One instance of a module (the root module is an instance too).
pub struct Instance<'a> {
    project: &'a Project<'a>,
    config: &'a ModuleConfig<'a>,
    /// `""` for the root, `module.api.` for a child, `module.api["a"].module.x.` deeper.
    prefix: String,
    /// Variable values: the root's decided up front (tfvars, `-var`, defaults); a child's
    /// defaults up front and its arguments as they are first read (`args`).
    vars: RefCell<HashMap<String, Memo>>,
    /// A module call's arguments, evaluated in the calling instance when the child first reads
    /// them: module A's input may read module B's output while B's reads A's, as Terraform
    /// allows (its graph is per value, not per module), without a false cycle.
    args: HashMap<String, (&'a Expr, Scope)>,
    /// The calling instance (none for the root), for `args`.
    parent: Option<std::rc::Weak<Instance<'a>>>,
    /// This instance, for the children it calls.
    me: std::rc::Weak<Instance<'a>>,
    /// Directory of this module relative to the root module's directory (`path.module`).
    path_module: String,
    /// Key of this instance in `terraform init`'s module index (`vpc.subnets`); empty for the root.
    module_key: String,
    module_depth: usize,
    locals: RefCell<HashMap<String, Memo>>,
    outputs: RefCell<HashMap<String, Memo>>,
    shapes: RefCell<HashMap<(bool, String, String), Shape>>,
    /// The resources and data sources whose `count` or `for_each` is being evaluated now: a
    /// reference to one of them from inside is the cycle Terraform refuses.
    shaping: RefCell<Vec<(bool, String, String)>>,
    calls: RefCell<HashMap<String, Rc<ModuleCall<'a>>>>,
    /// The `providers` argument of the module call that made this instance, if it has one.
    providers_passed: Option<&'a Expr>,
    /// `aws_default_tags` by provider configuration name, worked out once per instance (every
    /// AWS resource asks).
    default_tags: RefCell<HashMap<String, Option<(Value, Span)>>>,
}

impl<'a> Instance<'a> {
    /// The root module instance of a unit, with its variable values already decided.
    pub fn root(
        project: &'a Project<'a>,
        config: &'a ModuleConfig<'a>,
        vars: HashMap<String, Value>,
    ) -> Rc<Self> {
        Rc::new_cyclic(|me| Instance {
            project,
            config,
            prefix: String::new(),
            vars: RefCell::new(
                typed_vars(config, vars)
                    .into_iter()
                    .map(|(k, v)| (k, Memo::Done(v)))
                    .collect(),
            ),
            args: HashMap::new(),
            parent: None,
            me: me.clone(),
            path_module: ".".into(),
            module_key: String::new(),
            module_depth: 0,
            locals: Default::default(),
            outputs: Default::default(),
            shapes: Default::default(),
            shaping: Default::default(),
            calls: Default::default(),
            providers_passed: None,
            default_tags: Default::default(),
        })
    }

    fn span(&self, file: FileId, range: (u32, u32)) -> Span {
        Span {
            file,
            start: range.0,
            end: range.1,
        }
    }

    fn warn(&self, file: FileId, code: &'static str, message: String) {
        let path = (self.project.path_of)(file);
        self.project
            .out
            .borrow_mut()
            .diagnostics
            .push(Diagnostic::warning(&path, code, message));
    }

    /// Evaluates a constant expression (a variable default, a tfvars value): no references.
    pub fn eval_constant(expr: &Expr) -> Value {
        let configs = HashMap::new();
        let path_of = |_: FileId| String::new();
        let project = Project::new(&configs, PathBuf::new(), String::new(), &path_of);
        let config = ModuleConfig::default();
        let inst = Instance::root(&project, &config, HashMap::new());
        inst.eval(expr, &Scope::default())
    }

    /// Materializes every resource, data source and module call of this instance, recursively.
    pub fn instantiate(&self) {
        for block in &self.config.resources {
            self.materialize(*block);
        }
        for block in &self.config.data {
            let b = block.item;
            let (ty, name) = (&b.labels[0], &b.labels[1]);
            let mut spans = crate::model::VecMap::new();
            let arguments =
                self.eval_body(&b.body, &Scope::default(), "", block.file, &mut spans, true);
            self.project.out.borrow_mut().data_sources.push(DataSource {
                unit: self.project.unit.clone(),
                address: format!("{}data.{ty}.{name}", self.prefix),
                source_type: ty.clone(),
                span: self.span(block.file, b.span),
                arguments,
            });
        }
        // In declaration order, so that which calls a limit cuts is the same on every run.
        for block in &self.config.modules {
            let Some(name) = block.item.labels.first() else {
                continue;
            };
            let call = self.module_call(name);
            if let ModuleCall::Local(_, instances) = &*call {
                for (_, child) in instances {
                    child.instantiate();
                }
            }
        }
        // Outputs are evaluated so that cycles and unknowns in them surface too.
        for name in self.config.outputs.keys() {
            let _ = self.output(name);
        }
    }

    // ---- instances and shapes ----------------------------------------------------------

    fn shape(&self, data: bool, ty: &str, name: &str, block: &Block) -> Shape {
        let key = (data, ty.to_string(), name.to_string());
        if let Some(s) = self.shapes.borrow().get(&key) {
            return s.clone();
        }
        // While a resource's `count` or `for_each` is being evaluated, a reference to the
        // resource itself (`count = length(aws_iam_role.x) == 0 ? 1 : 0` inside
        // `aws_iam_role.x`) is a cycle: Terraform refuses it, vouch makes the shape unknown
        // instead of recursing until the stack overflows.
        let cycle = Shape::Unknown(Unknown {
            reason: Reason::Cycle,
            detail: format!(
                "the count or for_each of {}{}{ty}.{name} refers to itself",
                self.prefix,
                if data { "data." } else { "" }
            ),
        });
        if !self.enter() {
            return Shape::Unknown(Unknown {
                reason: Reason::Limit,
                detail: format!(
                    "{}{ty}.{name}: count or for_each nested too deeply",
                    self.prefix
                ),
            });
        }
        self.shapes.borrow_mut().insert(key.clone(), cycle);
        self.shaping.borrow_mut().push(key.clone());
        let shape = self.compute_shape(&block.body);
        self.shaping.borrow_mut().pop();
        self.shapes.borrow_mut().insert(key, shape.clone());
        self.leave();
        shape
    }

    fn compute_shape(&self, body: &Body) -> Shape {
        let scope = Scope::default();
        if let Some(count) = body.attribute("count") {
            return match self.eval(&count.expr, &scope) {
                Value::Number(n) if n >= 0.0 && (n as usize) <= MAX_INSTANCES => {
                    Shape::Count(n as usize)
                }
                Value::Number(_) => Shape::Unknown(Unknown {
                    reason: Reason::Limit,
                    detail: format!("count over {MAX_INSTANCES}"),
                }),
                Value::Bool(b) => Shape::Count(b as usize),
                v => Shape::Unknown(unknown_of(&v, "count")),
            };
        }
        if let Some(fe) = body.attribute("for_each") {
            return match self.eval(&fe.expr, &scope) {
                Value::Map(m) if m.len() <= MAX_INSTANCES => Shape::ForEach(m),
                Value::List(l) if l.len() <= MAX_INSTANCES => {
                    let mut m = crate::model::VecMap::new();
                    for v in l {
                        match key_string(&v) {
                            Some(k) => {
                                m.insert(k, v);
                            }
                            None => return Shape::Unknown(unknown_of(&v, "for_each key")),
                        }
                    }
                    Shape::ForEach(m)
                }
                Value::Map(_) | Value::List(_) => Shape::Unknown(Unknown {
                    reason: Reason::Limit,
                    detail: format!("for_each over {MAX_INSTANCES} elements"),
                }),
                v => Shape::Unknown(unknown_of(&v, "for_each")),
            };
        }
        Shape::Single
    }

    fn keys_of(shape: &Shape) -> Vec<(InstanceKey, Scope)> {
        match shape {
            Shape::Single | Shape::Unknown(_) => vec![(InstanceKey::None, Scope::default())],
            Shape::Count(n) => (0..*n)
                .map(|i| {
                    (
                        InstanceKey::Index(i),
                        Scope {
                            count_index: Some(i),
                            ..Scope::default()
                        },
                    )
                })
                .collect(),
            Shape::ForEach(m) => m
                .iter()
                .map(|(k, v)| {
                    (
                        InstanceKey::Key(k.to_string()),
                        Scope {
                            each: Some((Value::String(k.to_string().into()), v.clone())),
                            ..Scope::default()
                        },
                    )
                })
                .collect(),
        }
    }

    fn materialize(&self, block: Located<'a, Block>) {
        let b = block.item;
        let (ty, name) = (&b.labels[0], &b.labels[1]);
        let shape = self.shape(false, ty, name, b);
        let base = format!("{}{ty}.{name}", self.prefix);
        self.inline_template_unread(b, block.file);
        for (key, scope) in Self::keys_of(&shape) {
            let mut r = Resource::new(
                self.project.unit.clone(),
                format!("{base}{}", key.suffix()),
                ty.clone(),
                Language::Terraform,
                self.span(block.file, b.span),
            );
            let mut spans = crate::model::VecMap::new();
            let attrs = self.eval_body(&b.body, &scope, "", block.file, &mut spans, true);
            spans.shrink_to_fit();
            r.attributes = attrs;
            r.attribute_spans = spans;
            if let Shape::Unknown(u) = &shape {
                let meta = if b.body.attribute("count").is_some() {
                    "count"
                } else {
                    "for_each"
                };
                r.attributes.insert(meta, Value::Unknown(u.clone()));
                if let Some(a) = b.body.attribute(meta) {
                    r.attribute_spans
                        .insert(meta, self.span(block.file, a.span));
                }
            }
            self.apply_default_tags(&mut r, b);
            super::values::decode_json_documents(&mut r);
            let generated = self.openapi_body(&mut r, b, block.file, &scope);
            let mut out = self.project.out.borrow_mut();
            out.resources.push(r);
            out.resources.extend(generated);
        }
    }

    /// An `aws_cloudformation_stack` whose template is written inline (`template_body` not read
    /// from a file of the tree, which is scanned as a template of its own) deploys resources
    /// vouch does not read: said as a warning at the attribute, so its silence is not taken
    /// for a clean result.
    fn inline_template_unread(&self, b: &Block, file: FileId) {
        if b.labels.first().map(String::as_str) != Some("aws_cloudformation_stack") {
            return;
        }
        let Some(body) = b.body.attribute("template_body") else {
            return;
        };
        if matches!(&body.expr, Expr::Call(c) if matches!(c.name.as_str(), "file" | "templatefile"))
        {
            return;
        }
        let address = format!("{}{}.{}", self.prefix, b.labels[0], b.labels[1]);
        let path = (self.project.path_of)(file);
        let mut d = Diagnostic::warning(
            &path,
            "template-not-read",
            format!("{address}: the template written inline in template_body is not read; the resources it deploys are not checked"),
        )
        .hint("keep the template in a file of the tree and read it with file(): vouch scans it as a CloudFormation template");
        if let Some(loaded) = self.project.loaded {
            let (line, column) = loaded.file(file).line_col(body.span.0);
            d = d.at(line as usize, column as usize, body.span.0 as usize);
        }
        self.project.out.borrow_mut().diagnostics.push(d);
    }

    /// Gives an AWS resource its effective tags, `tags_all` (as a plan does): the default tags
    /// of the provider configuration it is created with, overridden key by key by its own
    /// `tags`. AWS Backup selects stores by these tags, and a tag set only in the provider's
    /// `default_tags` is on every resource all the same. Unknown default tags (a provider
    /// passed in a way vouch does not follow) make `tags_all` unknown, never absent.
    fn apply_default_tags(&self, r: &mut Resource, b: &Block) {
        if !r.source_type.starts_with("aws_") {
            return;
        }
        let provider = match b.body.attribute("provider") {
            Some(a) => match provider_name(&a.expr) {
                Some(name) => name,
                None => return,
            },
            None => "aws".to_string(),
        };
        let Some((defaults, at)) = self.aws_default_tags(&provider) else {
            return;
        };
        let effective = match (defaults, r.attributes.get("tags")) {
            (Value::Map(mut all), Some(Value::Map(own))) => {
                for (k, v) in own.iter() {
                    all.insert(k.clone(), v.clone());
                }
                Value::Map(all)
            }
            (Value::Map(all), None | Some(Value::Null)) => Value::Map(all),
            (Value::Unknown(u), _) => Value::Unknown(u),
            (_, Some(Value::Unknown(u))) => Value::Unknown(u.clone()),
            (other, _) => Value::unknown(
                Reason::InvalidExpression,
                format!("default tags that are not a map: {other}"),
            ),
        };
        let span = match r.attribute_spans.get("tags") {
            Some(s) => *s,
            None => at,
        };
        r.attributes.insert("tags_all", effective);
        r.attribute_spans.insert("tags_all", span);
    }

    /// The default tags of the AWS provider configuration `name` (`aws`, `aws.west`) as this
    /// instance sees it, with where they are written: a `provider` block of its own module,
    /// else the configuration its caller passes (`providers = { aws = aws.west }`) or, without
    /// that argument, the caller's own of the same name. `None`: no default tags.
    fn aws_default_tags(&self, name: &str) -> Option<(Value, Span)> {
        if let Some(known) = self.default_tags.borrow().get(name) {
            return known.clone();
        }
        let found = self.find_aws_default_tags(name);
        self.default_tags
            .borrow_mut()
            .insert(name.to_string(), found.clone());
        found
    }

    fn find_aws_default_tags(&self, name: &str) -> Option<(Value, Span)> {
        let alias = name.strip_prefix("aws.").unwrap_or("");
        let own = self.config.providers.iter().find(|p| {
            p.item.labels.first().map(String::as_str) == Some("aws")
                && p.item
                    .body
                    .attribute("alias")
                    .map(|a| Instance::eval_constant(&a.expr))
                    .as_ref()
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    == alias
        });
        if let Some(p) = own {
            let defaults = p
                .item
                .body
                .blocks
                .iter()
                .find(|b| b.ident == "default_tags")?;
            let tags = defaults.body.attribute("tags")?;
            return Some((
                self.eval(&tags.expr, &Scope::default()),
                self.span(p.file, tags.span),
            ));
        }
        let parent = self.parent.as_ref()?.upgrade()?;
        let Some(passed) = self.providers_passed else {
            return parent.aws_default_tags(name);
        };
        // Terraform takes `providers` only as a map written out; anything else is refused.
        let Expr::Object(pairs) = passed else {
            return None;
        };
        let given = pairs.iter().find_map(|(k, v)| {
            let key = match k {
                ObjectKeyExpr::Ident(i) => Some(i.clone()),
                ObjectKeyExpr::Expr(e) => provider_name(e),
            };
            (key.as_deref() == Some(name)).then(|| provider_name(v))
        });
        // With `providers`, only what it lists is passed (no implicit inheritance).
        parent.aws_default_tags(&given??)
    }

    /// The methods or routes an API Gateway API's OpenAPI `body` defines
    /// (`crate::model::openapi`): read from the file that `file()` / `templatefile()` names when
    /// it is a definition in the tree (evidence at its lines), else from the evaluated value
    /// (evidence at `body`). A known body that is not a readable definition becomes unknown
    /// with that reason, so no check takes the API for one without methods.
    fn openapi_body(
        &self,
        r: &mut Resource,
        b: &Block,
        file: FileId,
        scope: &Scope,
    ) -> Vec<Resource> {
        use crate::model::openapi::{self, Definition, Flavor};
        let flavor = match r.source_type.as_str() {
            "aws_api_gateway_rest_api" => Flavor::Rest,
            "aws_apigatewayv2_api" => Flavor::Http,
            _ => return Vec::new(),
        };
        let Some(attr) = b.body.attribute("body") else {
            return Vec::new();
        };
        let at = self.span(file, attr.span);
        if let (Expr::Call(call), Some(loaded)) = (&attr.expr, self.project.loaded) {
            if matches!(call.name.as_str(), "file" | "templatefile") {
                if let Some(Value::String(rel)) = call.args.first().map(|a| self.eval(a, scope)) {
                    let disk = self
                        .project
                        .scan_root
                        .join(&self.project.unit)
                        .join(rel.as_str());
                    let found = match (disk.canonicalize(), self.project.scan_root.canonicalize()) {
                        (Ok(p), Ok(root)) => p
                            .strip_prefix(&root)
                            .ok()
                            .map(|p| crate::load::relative(Path::new(""), p))
                            .and_then(|rel| loaded.openapi(&rel)),
                        _ => None,
                    };
                    if let Some((id, doc)) = found {
                        let def = Definition {
                            doc,
                            file: id,
                            fixed: None,
                        };
                        return openapi::lower(r, flavor, &def);
                    }
                }
            }
        }
        let Some(value) = r.attributes.get("body") else {
            return Vec::new();
        };
        if matches!(value, Value::Unknown(_)) {
            return Vec::new();
        }
        match openapi::tree_of(value).filter(openapi::is_definition) {
            Some(doc) => {
                let def = Definition {
                    doc: &doc,
                    file,
                    fixed: Some(at),
                };
                openapi::lower(r, flavor, &def)
            }
            None => {
                r.attributes.insert(
                    "body",
                    Value::unknown(
                        Reason::InvalidExpression,
                        "the body is not an OpenAPI definition vouch can read",
                    ),
                );
                Vec::new()
            }
        }
    }

    /// Evaluates a body into attributes (nested blocks become lists of objects), recording spans.
    fn eval_body(
        &self,
        body: &Body,
        scope: &Scope,
        prefix: &str,
        file: FileId,
        spans: &mut crate::model::VecMap<Span>,
        top: bool,
    ) -> crate::model::Map {
        let mut out = crate::model::VecMap::new();
        for attr in &body.attributes {
            if top
                && matches!(
                    attr.name.as_str(),
                    "count" | "for_each" | "depends_on" | "provider"
                )
            {
                continue;
            }
            let path = join_path(prefix, &attr.name);
            spans.insert(path, self.span(file, attr.span));
            out.insert(attr.name.clone(), self.eval(&attr.expr, scope));
        }
        let mut lists: crate::model::VecMap<Vec<Value>> = crate::model::VecMap::new();
        for block in &body.blocks {
            let ident = block.ident.as_str();
            if top && matches!(ident, "lifecycle" | "provisioner" | "connection") {
                continue;
            }
            if ident == "dynamic" {
                let Some(name) = block.labels.first() else {
                    continue;
                };
                let list = lists.entry(name.clone()).or_default();
                let iterator = match block.body.attribute("iterator").map(|a| &a.expr) {
                    Some(Expr::Variable(v)) => v.clone(),
                    _ => name.clone(),
                };
                let Some(content) = block.body.blocks("content").next() else {
                    continue;
                };
                let items = match block.body.attribute("for_each") {
                    Some(fe) => self.eval(&fe.expr, scope),
                    None => Value::List(vec![]),
                };
                let pairs: Vec<(Value, Value)> = match items {
                    Value::List(l) => l
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| (Value::Number(i as f64), v))
                        .collect(),
                    Value::Map(m) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
                    Value::Null => vec![],
                    other => {
                        let path = join_path(prefix, name);
                        spans.insert(path, self.span(file, block.span));
                        list.push(Value::Unknown(unknown_of(
                            &other,
                            &format!("dynamic \"{name}\" for_each"),
                        )));
                        continue;
                    }
                };
                for (k, v) in pairs {
                    let mut it = crate::model::VecMap::new();
                    it.insert("key".to_string(), k);
                    it.insert("value".to_string(), v);
                    let inner = scope.with_name(&iterator, Value::Map(it));
                    let path = format!("{}[{}]", join_path(prefix, name), list.len());
                    spans.insert(path.clone(), self.span(file, content.span));
                    let value = self.eval_body(&content.body, &inner, &path, file, spans, false);
                    list.push(Value::Map(value));
                }
                continue;
            }
            let list = lists.entry(ident.to_string()).or_default();
            let path = format!("{}[{}]", join_path(prefix, ident), list.len());
            spans.insert(path.clone(), self.span(file, block.span));
            let mut value = self.eval_body(&block.body, scope, &path, file, spans, false);
            if !block.labels.is_empty() {
                value.insert(
                    "__labels",
                    Value::List(
                        block
                            .labels
                            .iter()
                            .cloned()
                            .map(|s| Value::String(s.into()))
                            .collect(),
                    ),
                );
            }
            list.push(Value::Map(value));
        }
        for (k, mut v) in lists {
            v.shrink_to_fit();
            out.insert(k, Value::List(v));
        }
        // Maps are built by pushing: give back the slack (there are hundreds of thousands).
        out.shrink_to_fit();
        out
    }

    // ---- named values ------------------------------------------------------------------

    fn enter(&self) -> bool {
        let d = self.project.depth.get();
        if d >= MAX_DEPTH {
            return false;
        }
        self.project.depth.set(d + 1);
        true
    }

    fn leave(&self) {
        self.project
            .depth
            .set(self.project.depth.get().saturating_sub(1));
    }

    fn local(&self, name: &str) -> Value {
        match self.locals.borrow().get(name) {
            Some(Memo::Done(v)) => return v.clone(),
            Some(Memo::InProgress) => {
                return Value::unknown(Reason::Cycle, format!("{}local.{name}", self.prefix))
            }
            None => {}
        }
        let Some(attr) = self.config.locals.get(name) else {
            return Value::unknown(
                Reason::InvalidExpression,
                format!("undeclared local.{name}"),
            );
        };
        if !self.enter() {
            return Value::unknown(Reason::Limit, format!("local.{name} nested too deeply"));
        }
        self.locals
            .borrow_mut()
            .insert(name.to_string(), Memo::InProgress);
        let v = cap(
            self.eval(&attr.item.expr, &Scope::default()),
            &format!("local.{name}"),
        );
        if let Value::Unknown(u) = &v {
            if u.reason == Reason::Cycle {
                self.warn(
                    attr.file,
                    "reference-cycle",
                    format!("local.{name} is part of a reference cycle"),
                );
            }
        }
        self.locals
            .borrow_mut()
            .insert(name.to_string(), Memo::Done(v.clone()));
        self.leave();
        v
    }

    fn var(&self, name: &str) -> Value {
        match self.vars.borrow().get(name) {
            Some(Memo::Done(v)) => return v.clone(),
            Some(Memo::InProgress) => {
                return Value::unknown(Reason::Cycle, format!("{}var.{name}", self.prefix))
            }
            None => {}
        }
        if let Some((expr, scope)) = self.args.get(name) {
            let Some(parent) = self.parent.as_ref().and_then(std::rc::Weak::upgrade) else {
                return Value::unknown(Reason::Computed, format!("{}var.{name}", self.prefix));
            };
            if !self.enter() {
                return Value::unknown(Reason::Limit, format!("var.{name} nested too deeply"));
            }
            self.vars
                .borrow_mut()
                .insert(name.to_string(), Memo::InProgress);
            let v = parent.eval(expr, scope);
            let block = self.config.variables.get(name);
            // `nullable = false`: a null argument (`create = each.value.create` with the
            // attribute left out of an `optional(...)` object) takes the variable's default,
            // as Terraform does.
            let v = match (&v, block) {
                (Value::Null, Some(b)) if not_nullable(&b.item.body) => {
                    match b.item.body.attribute("default") {
                        Some(d) => self.child_default(&d.expr),
                        None => v,
                    }
                }
                _ => v,
            };
            // As the variable's type constraint makes it (`optional(...)` defaults).
            let v = match block.and_then(|b| b.item.body.attribute("type")) {
                Some(ty) => super::types::apply(&ty.expr, v),
                None => v,
            };
            self.vars
                .borrow_mut()
                .insert(name.to_string(), Memo::Done(v.clone()));
            self.leave();
            return v;
        }
        match () {
            _ if self.config.variables.contains_key(name) || self.config.dir.is_empty() => {
                Value::unknown(
                    Reason::VariableWithoutDefault,
                    format!("{}var.{name}", self.prefix),
                )
            }
            _ => Value::unknown(Reason::InvalidExpression, format!("undeclared var.{name}")),
        }
    }

    fn output(&self, name: &str) -> Value {
        match self.outputs.borrow().get(name) {
            Some(Memo::Done(v)) => return v.clone(),
            Some(Memo::InProgress) => {
                return Value::unknown(Reason::Cycle, format!("{}output.{name}", self.prefix))
            }
            None => {}
        }
        let Some(block) = self.config.outputs.get(name) else {
            return Value::unknown(
                Reason::InvalidExpression,
                format!(
                    "{}{name}: no such output",
                    self.prefix.trim_end_matches('.')
                ),
            );
        };
        if !self.enter() {
            return Value::unknown(Reason::Limit, format!("output {name} nested too deeply"));
        }
        self.outputs
            .borrow_mut()
            .insert(name.to_string(), Memo::InProgress);
        let v = match block.item.body.attribute("value") {
            Some(a) => cap(self.eval(&a.expr, &Scope::default()), name),
            None => Value::Null,
        };
        self.outputs
            .borrow_mut()
            .insert(name.to_string(), Memo::Done(v.clone()));
        self.leave();
        v
    }

    fn module_call(&self, name: &str) -> Rc<ModuleCall<'a>> {
        if let Some(c) = self.calls.borrow().get(name) {
            return c.clone();
        }
        let Some(&idx) = self.config.module_index.get(name) else {
            return Rc::new(ModuleCall::Missing(format!("undeclared module.{name}")));
        };
        self.calls
            .borrow_mut()
            .insert(name.to_string(), Rc::new(ModuleCall::InProgress));
        let located = self.config.modules[idx];
        let call = Rc::new(self.make_call(name, located));
        self.calls
            .borrow_mut()
            .insert(name.to_string(), call.clone());
        call
    }

    fn make_call(&self, name: &str, located: Located<'a, Block>) -> ModuleCall<'a> {
        let block = located.item;
        let source = match block.body.attribute("source").map(|a| &a.expr) {
            Some(Expr::String(s)) => s.clone(),
            _ => String::new(),
        };
        let address = format!("{}module.{name}", self.prefix);
        let shape = self.compute_shape(&block.body);
        let index_key = if self.module_key.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.module_key)
        };
        let child_dir = self
            .config
            .local_module_dir(block)
            .or_else(|| self.project.module_index.get(&index_key).cloned());
        let config = child_dir.as_ref().and_then(|d| self.project.configs.get(d));
        let Some(config) = config else {
            let mut inputs = crate::model::VecMap::new();
            for attr in &block.body.attributes {
                if !matches!(
                    attr.name.as_str(),
                    "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
                ) {
                    inputs.insert(attr.name.clone(), self.eval(&attr.expr, &Scope::default()));
                }
            }
            self.project
                .out
                .borrow_mut()
                .external_modules
                .push(ExternalModule {
                    unit: self.project.unit.clone(),
                    address: address.clone(),
                    source: source.clone(),
                    inputs,
                    span: self.span(located.file, block.span),
                });
            return ModuleCall::External(format!("{address} (source {source})"));
        };
        self.project
            .out
            .borrow_mut()
            .module_calls
            .push(crate::model::ModuleCallSite {
                unit: self.project.unit.clone(),
                address: address.clone(),
                // Not a local path: `terraform init` fetched it (through the module index).
                fetched: self.config.local_module_dir(block).is_none(),
                span: self.span(located.file, block.span),
            });
        if self.module_depth + 1 > MAX_MODULE_DEPTH {
            self.warn(
                located.file,
                "module-depth",
                format!("{address}: modules nested deeper than {MAX_MODULE_DEPTH} levels (a module that calls itself?)"),
            );
            return ModuleCall::Missing(format!("{address} nested too deeply"));
        }
        let path_module = join_relative(
            &self.path_module,
            &relative_dir(&self.config.dir, &config.dir),
        );
        let keys = Self::keys_of(&shape);
        let total = self.project.module_instances.get() + keys.len();
        if total > MAX_MODULE_INSTANCES {
            if !self.project.module_limit_reported.replace(true) {
                self.warn(
                    located.file,
                    "module-limit",
                    format!(
                        "{address}: more than {MAX_MODULE_INSTANCES} module instances in this unit \
                         (modules called with count or for_each inside others); \
                         this call and the ones after it are not expanded"
                    ),
                );
            }
            return ModuleCall::Limit(format!(
                "{address}: more than {MAX_MODULE_INSTANCES} module instances in the unit"
            ));
        }
        self.project.module_instances.set(total);
        let mut instances = Vec::new();
        for (key, scope) in keys {
            let mut args = HashMap::new();
            for attr in &block.body.attributes {
                if matches!(
                    attr.name.as_str(),
                    "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
                ) {
                    continue;
                }
                args.insert(attr.name.clone(), (&attr.expr, scope.clone()));
            }
            let mut vars = HashMap::new();
            for (vname, vblock) in &config.variables {
                if !args.contains_key(vname) {
                    if let Some(d) = vblock.item.body.attribute("default") {
                        vars.insert(vname.clone(), self.child_default(&d.expr));
                    }
                }
            }
            let child = Rc::new_cyclic(|me| Instance {
                project: self.project,
                config,
                prefix: format!("{address}{}.", key.suffix()),
                vars: RefCell::new(
                    typed_vars(config, vars)
                        .into_iter()
                        .map(|(k, v)| (k, Memo::Done(v)))
                        .collect(),
                ),
                args,
                parent: Some(self.me.clone()),
                me: me.clone(),
                path_module: path_module.clone(),
                module_key: index_key.clone(),
                module_depth: self.module_depth + 1,
                locals: Default::default(),
                outputs: Default::default(),
                shapes: Default::default(),
                shaping: Default::default(),
                calls: Default::default(),
                providers_passed: block.body.attribute("providers").map(|a| &a.expr),
                default_tags: Default::default(),
            });
            instances.push((key, child));
        }
        ModuleCall::Local(shape, instances)
    }

    fn child_default(&self, expr: &Expr) -> Value {
        Instance::eval_constant(expr)
    }

    fn module_object(&self, name: &str) -> Value {
        let call = self.module_call(name);
        match &*call {
            ModuleCall::InProgress => {
                Value::unknown(Reason::Cycle, format!("{}module.{name}", self.prefix))
            }
            ModuleCall::External(detail) => Value::unknown(Reason::ExternalModule, detail.clone()),
            ModuleCall::Missing(detail) => {
                Value::unknown(Reason::InvalidExpression, detail.clone())
            }
            ModuleCall::Limit(detail) => Value::unknown(Reason::Limit, detail.clone()),
            ModuleCall::Local(shape, instances) => {
                let outputs = |inst: &Instance<'a>| -> Value {
                    Value::Map(
                        inst.config
                            .outputs
                            .keys()
                            .map(|k| (k.clone(), inst.output(k)))
                            .collect(),
                    )
                };
                match shape {
                    Shape::Single => outputs(&instances[0].1),
                    Shape::Unknown(u) => Value::Unknown(u.clone()),
                    Shape::Count(_) => {
                        Value::List(instances.iter().map(|(_, i)| outputs(i)).collect())
                    }
                    Shape::ForEach(_) => Value::Map(
                        instances
                            .iter()
                            .map(|(k, i)| {
                                let key = match k {
                                    InstanceKey::Key(k) => k.clone(),
                                    _ => String::new(),
                                };
                                (key, outputs(i))
                            })
                            .collect(),
                    ),
                }
            }
        }
    }

    /// A resource as a value: a ref to it, or a list / map of refs to its instances.
    fn resource_object(&self, ty: &str, name: &str) -> Value {
        let Some(&idx) = self
            .config
            .resource_index
            .get(&(ty.to_string(), name.to_string()))
        else {
            return Value::unknown(
                Reason::InvalidExpression,
                format!("reference to undeclared resource {ty}.{name}"),
            );
        };
        let block = self.config.resources[idx].item;
        let base = format!("{}{ty}.{name}", self.prefix);
        let r = |addr: String| {
            Value::Ref(Box::new(Ref {
                resource: addr,
                attribute: String::new(),
            }))
        };
        let shaping = self
            .shaping
            .borrow()
            .iter()
            .any(|(data, t, n)| !data && t == ty && n == name);
        match self.shape(false, ty, name, block) {
            // Read from inside its own `count` or `for_each`: the cycle itself, not the resource.
            Shape::Unknown(u) if shaping => Value::Unknown(u),
            Shape::Single | Shape::Unknown(_) => r(base),
            Shape::Count(n) => Value::List((0..n).map(|i| r(format!("{base}[{i}]"))).collect()),
            Shape::ForEach(m) => Value::Map(
                m.keys()
                    .map(|k| (k.clone(), r(format!("{base}[{}]", quote(k)))))
                    .collect(),
            ),
        }
    }

    fn data_object(&self, ty: &str, name: &str) -> Value {
        let Some(&idx) = self
            .config
            .data_index
            .get(&(ty.to_string(), name.to_string()))
        else {
            return Value::unknown(
                Reason::InvalidExpression,
                format!("reference to undeclared data source data.{ty}.{name}"),
            );
        };
        let located = self.config.data[idx];
        let address = format!("{}data.{ty}.{name}", self.prefix);
        let shape = self.shape(true, ty, name, located.item);
        let one = |scope: &Scope| -> Value { self.data_value(ty, &address, located, scope) };
        match shape {
            Shape::Single | Shape::Unknown(_) => one(&Scope::default()),
            Shape::Count(_) | Shape::ForEach(_) => {
                let items = Self::keys_of(&shape);
                if matches!(shape, Shape::Count(_)) {
                    Value::List(items.iter().map(|(_, s)| one(s)).collect())
                } else {
                    Value::Map(
                        items
                            .iter()
                            .map(|(k, s)| {
                                let key = match k {
                                    InstanceKey::Key(k) => k.clone(),
                                    _ => String::new(),
                                };
                                (key, one(s))
                            })
                            .collect(),
                    )
                }
            }
        }
    }

    /// An argument a single data source sets in the configuration
    /// (`data.aws_rds_engine_version.pg.engine` where the block says `engine =
    /// "aurora-postgresql"`): a data source reads with the arguments it is given and its result
    /// keeps them, so the reference is that expression. What the read computes stays unknown
    /// (`None` here). The data sources vouch models itself (the caller's account, the region,
    /// policy documents) answer from `data_value`.
    fn data_argument(&self, ty: &str, name: &str, attribute: Option<&str>) -> Option<Value> {
        if matches!(
            ty,
            "aws_caller_identity" | "aws_region" | "aws_partition" | "aws_iam_policy_document"
        ) {
            return None;
        }
        let argument = attribute?;
        let &idx = self
            .config
            .data_index
            .get(&(ty.to_string(), name.to_string()))?;
        let block = self.config.data[idx].item;
        let expr = &block.body.attribute(argument)?.expr;
        if !matches!(self.shape(true, ty, name, block), Shape::Single) {
            return None;
        }
        if !self.enter() {
            return Some(Value::unknown(
                Reason::Limit,
                format!("{}data.{ty}.{name}.{argument}", self.prefix),
            ));
        }
        let value = self.eval(expr, &Scope::default());
        self.leave();
        Some(value)
    }

    fn data_value(
        &self,
        ty: &str,
        address: &str,
        located: Located<'a, Block>,
        scope: &Scope,
    ) -> Value {
        let map = |pairs: &[(&str, Value)]| {
            Value::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            )
        };
        match ty {
            "aws_caller_identity" => map(&[
                ("account_id", Value::Symbol(Symbol::AccountId)),
                ("id", Value::Symbol(Symbol::AccountId)),
                (
                    "arn",
                    Value::unknown(Reason::DataSource, format!("{address}.arn")),
                ),
                (
                    "user_id",
                    Value::unknown(Reason::DataSource, format!("{address}.user_id")),
                ),
            ]),
            "aws_region" => map(&[
                ("name", Value::Symbol(Symbol::Region)),
                ("id", Value::Symbol(Symbol::Region)),
                ("region", Value::Symbol(Symbol::Region)),
            ]),
            "aws_partition" => map(&[
                ("partition", Value::Symbol(Symbol::Partition)),
                ("id", Value::Symbol(Symbol::Partition)),
                ("dns_suffix", Value::Symbol(Symbol::UrlSuffix)),
            ]),
            "aws_iam_policy_document" => {
                if !self.enter() {
                    return Value::unknown(Reason::Limit, address.to_string());
                }
                let mut spans = crate::model::VecMap::new();
                let attrs = self.eval_body(
                    &located.item.body,
                    scope,
                    "",
                    located.file,
                    &mut spans,
                    true,
                );
                self.leave();
                let policy = policy_document::render(&attrs);
                let json = policy_document::to_json_value(&policy);
                map(&[
                    ("json", json.clone()),
                    ("minified_json", json),
                    (
                        "id",
                        Value::unknown(Reason::Computed, format!("{address}.id")),
                    ),
                ])
            }
            _ => Value::unknown(Reason::DataSource, address.to_string()),
        }
    }

    // ---- expressions -------------------------------------------------------------------

    pub fn eval(&self, expr: &Expr, scope: &Scope) -> Value {
        let steps = self.project.steps.get() + 1;
        self.project.steps.set(steps);
        if steps > MAX_STEPS {
            return Value::unknown(
                Reason::Limit,
                format!("evaluation budget of {MAX_STEPS} steps spent"),
            );
        }
        match expr {
            Expr::Null => Value::Null,
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Number(n) => Value::Number(*n),
            Expr::String(s) => Value::String(s.clone().into()),
            Expr::Template(parts) => {
                let mut out = Vec::new();
                self.render_template(parts, scope, &mut out);
                template_value(out)
            }
            Expr::Array(items) => Value::List(items.iter().map(|e| self.eval(e, scope)).collect()),
            Expr::Object(items) => {
                let mut m = crate::model::VecMap::new();
                for (k, v) in items {
                    let key = match k {
                        ObjectKeyExpr::Ident(i) => i.clone(),
                        ObjectKeyExpr::Expr(e) => match self.eval(e, scope) {
                            v @ (Value::String(_) | Value::Number(_) | Value::Bool(_)) => {
                                key_string(&v).unwrap_or_default()
                            }
                            other => {
                                return Value::Unknown(unknown_of(&other, "object key"));
                            }
                        },
                    };
                    m.insert(key, self.eval(v, scope));
                }
                Value::Map(m)
            }
            Expr::Variable(name) => self.variable(name, scope),
            Expr::Traversal(base, ops) => self.traversal(base, ops, scope),
            Expr::Call(call) => {
                let args: Vec<Value> = if call.name == "try" || call.name == "can" {
                    Vec::new()
                } else {
                    let mut args: Vec<Value> =
                        call.args.iter().map(|a| self.eval(a, scope)).collect();
                    if call.expand_final {
                        if let Some(Value::List(last)) = args.pop() {
                            args.extend(last);
                        }
                    }
                    args
                };
                let given = if call.name == "try" || call.name == "can" {
                    call.args.len()
                } else {
                    args.len()
                };
                if let Some(wrong) = functions::wrong_arity(&call.name, given) {
                    return wrong;
                }
                match call.name.as_str() {
                    "try" => {
                        for a in &call.args {
                            let v = self.eval(a, scope);
                            if !matches!(&v, Value::Unknown(u) if u.reason == Reason::InvalidExpression)
                            {
                                return v;
                            }
                        }
                        Value::unknown(Reason::InvalidExpression, "try: no argument evaluated")
                    }
                    "can" => {
                        let v = call
                            .args
                            .first()
                            .map(|a| self.eval(a, scope))
                            .unwrap_or(Value::Null);
                        match v {
                            Value::Unknown(u) if u.reason == Reason::InvalidExpression => {
                                Value::Bool(false)
                            }
                            Value::Unknown(u) => Value::Unknown(u),
                            _ => Value::Bool(true),
                        }
                    }
                    "file" | "templatefile" | "fileexists" => {
                        self.bounded_text(self.file_function(&call.name, &args), &call.name)
                    }
                    _ => self.bounded_text(functions::call(&call.name, args), &call.name),
                }
            }
            Expr::Conditional(c) => {
                let (cond, a, b) = &**c;
                match self.eval(cond, scope) {
                    Value::Bool(true) => self.eval(a, scope),
                    Value::Bool(false) => self.eval(b, scope),
                    other => {
                        let (x, y) = (self.eval(a, scope), self.eval(b, scope));
                        if x == y {
                            x
                        } else {
                            Value::Unknown(unknown_of(&other, "condition"))
                        }
                    }
                }
            }
            Expr::Unary(op, e) => {
                let v = self.eval(e, scope);
                match (op, &v) {
                    (UnaryOp::Neg, Value::Number(n)) => Value::Number(-n),
                    (UnaryOp::Not, _) if v.as_bool().is_some() => {
                        Value::Bool(!v.as_bool().unwrap_or(false))
                    }
                    _ => Value::Unknown(unknown_of(&v, "operand")),
                }
            }
            Expr::Binary(op, pair) => self.binary(*op, &pair.0, &pair.1, scope),
            Expr::For(f) => self.for_expr(f, scope),
        }
    }

    fn variable(&self, name: &str, scope: &Scope) -> Value {
        if let Some(v) = scope.lookup(name) {
            return v.clone();
        }
        // A bare root name (`var`, `local`, `aws_s3_bucket`) with no attribute is not a value.
        Value::unknown(Reason::InvalidExpression, format!("bare reference {name}"))
    }

    fn traversal(&self, base: &Expr, ops: &[Operator], scope: &Scope) -> Value {
        if let Expr::Variable(root) = base {
            if ops.len() >= 2 && scope.lookup(root).is_none() {
                if let Some(v) = self.navigate_named(root, ops, scope) {
                    return v;
                }
            }
        }
        let (value, rest) = match base {
            Expr::Variable(root) if scope.lookup(root).is_none() => {
                match self.root_reference(root, ops, scope) {
                    Some(found) => found,
                    None => {
                        return Value::unknown(
                            Reason::InvalidExpression,
                            format!("unknown reference {root}"),
                        )
                    }
                }
            }
            _ => (self.eval(base, scope), ops),
        };
        self.apply_ops(value, rest, scope)
    }

    /// `local.x.y[k]` and `var.x.y`: walks into the stored value by reference and copies only
    /// the part reached. Copying a large local map at every reference was a large share of the
    /// evaluation of big trees.
    fn navigate_named(&self, root: &str, ops: &[Operator], scope: &Scope) -> Option<Value> {
        let Operator::GetAttr(name) = &ops[0] else {
            return None;
        };
        let rest = &ops[1..];
        let mut keys: Vec<Option<Value>> = Vec::new();
        for op in rest {
            match op {
                Operator::GetAttr(_) => keys.push(None),
                Operator::Index(e) => keys.push(Some(self.eval(e, scope))),
                _ => break,
            }
        }
        if keys.is_empty() {
            return None;
        }
        let walk = |v: &Value| -> (Value, usize) {
            let mut cur = v;
            let mut used = 0;
            for (op, key) in rest.iter().zip(&keys) {
                let next = match (op, key, cur) {
                    (Operator::GetAttr(a), _, Value::Map(m)) => m.get(a.as_str()),
                    (Operator::Index(_), Some(k), Value::List(l)) => k
                        .as_f64()
                        .filter(|f| *f >= 0.0)
                        .and_then(|f| l.get(f as usize)),
                    (Operator::Index(_), Some(k), Value::Map(m)) => {
                        key_string(k).and_then(|s| m.get(s.as_str()))
                    }
                    _ => None,
                };
                match next {
                    Some(x) => {
                        cur = x;
                        used += 1;
                    }
                    None => break,
                }
            }
            (cur.clone(), used)
        };
        let (value, used) = match root {
            "local" => {
                if !matches!(self.locals.borrow().get(name.as_str()), Some(Memo::Done(_))) {
                    let _ = self.local(name);
                }
                let memo = self.locals.borrow();
                match memo.get(name.as_str()) {
                    Some(Memo::Done(v)) => walk(v),
                    _ => return None,
                }
            }
            "var" => {
                let _ = self.var(name);
                let memo = self.vars.borrow();
                match memo.get(name.as_str()) {
                    Some(Memo::Done(v)) => walk(v),
                    _ => return None,
                }
            }
            _ => return None,
        };
        Some(self.apply_ops(value, &rest[used..], scope))
    }

    /// Resolves the named-value part of a traversal (`var.x`, `aws_s3_bucket.b`, `module.m`,
    /// `data.t.n`), returning the value and the operators still to apply.
    fn root_reference<'o>(
        &self,
        root: &str,
        ops: &'o [Operator],
        scope: &Scope,
    ) -> Option<(Value, &'o [Operator])> {
        let attr = |i: usize| match ops.get(i) {
            Some(Operator::GetAttr(a)) => Some(a.as_str()),
            _ => None,
        };
        Some(match root {
            "var" => (self.var(attr(0)?), &ops[1..]),
            "local" => (self.local(attr(0)?), &ops[1..]),
            "count" => match (attr(0)?, scope.count_index) {
                ("index", Some(i)) => (Value::Number(i as f64), &ops[1..]),
                _ => (
                    Value::unknown(
                        Reason::InvalidExpression,
                        "count.index outside a counted block",
                    ),
                    &ops[1..],
                ),
            },
            "each" => match (attr(0)?, &scope.each) {
                ("key", Some((k, _))) => (k.clone(), &ops[1..]),
                ("value", Some((_, v))) => (v.clone(), &ops[1..]),
                _ => (
                    Value::unknown(Reason::InvalidExpression, "each outside a for_each block"),
                    &ops[1..],
                ),
            },
            "path" => match attr(0)? {
                "module" => (Value::String(self.path_module.clone().into()), &ops[1..]),
                "root" | "cwd" => (Value::String(".".into()), &ops[1..]),
                other => (
                    Value::unknown(Reason::InvalidExpression, format!("path.{other}")),
                    &ops[1..],
                ),
            },
            "terraform" => (Value::String("default".into()), &ops[1..]),
            "self" => (Value::unknown(Reason::Computed, "self"), ops),
            "module" => (self.module_object(attr(0)?), &ops[1..]),
            "data" => {
                let (ty, name) = (attr(0)?, attr(1)?);
                match self.data_argument(ty, name, attr(2)) {
                    Some(v) => (v, &ops[3..]),
                    None => (self.data_object(ty, name), &ops[2..]),
                }
            }
            ty => (self.resource_object(ty, attr(0)?), &ops[1..]),
        })
    }

    fn apply_ops(&self, mut value: Value, ops: &[Operator], scope: &Scope) -> Value {
        for (i, op) in ops.iter().enumerate() {
            value = match op {
                Operator::GetAttr(name) => get_attr(value, name),
                Operator::Index(e) => {
                    let key = self.eval(e, scope);
                    index(value, &key)
                }
                Operator::AttrSplat | Operator::FullSplat => {
                    let rest = &ops[i + 1..];
                    let items = match value {
                        Value::List(l) => l,
                        Value::Null => vec![],
                        Value::Unknown(u) => return Value::Unknown(u),
                        other => vec![other],
                    };
                    return Value::List(
                        items
                            .into_iter()
                            .map(|item| self.apply_ops(item, rest, scope))
                            .collect(),
                    );
                }
            };
        }
        value
    }

    fn binary(&self, op: BinaryOp, a: &Expr, b: &Expr, scope: &Scope) -> Value {
        let x = self.eval(a, scope);
        // Short-circuit where one known side decides.
        if op == BinaryOp::And && x.as_bool() == Some(false) {
            return Value::Bool(false);
        }
        if op == BinaryOp::Or && x.as_bool() == Some(true) {
            return Value::Bool(true);
        }
        let y = self.eval(b, scope);
        functions::binary(op, x, y)
    }

    fn for_expr(&self, f: &crate::syntax::hcl::ForExpr, scope: &Scope) -> Value {
        let pairs: Vec<(Value, Value)> = match self.eval(&f.collection, scope) {
            Value::List(l) => l
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect(),
            Value::Map(m) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
            Value::Null => return Value::unknown(Reason::InvalidExpression, "for over null"),
            other => return Value::Unknown(unknown_of(&other, "for collection")),
        };
        let mut list = Vec::new();
        let mut map: crate::model::Map = crate::model::VecMap::new();
        let mut size = 0usize;
        for (k, v) in pairs {
            let mut inner = scope.clone();
            if let Some(kv) = &f.key_var {
                inner.names.push((kv.clone(), k));
            }
            inner.names.push((f.value_var.clone(), v));
            if let Some(c) = &f.cond {
                match self.eval(c, &inner).as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => {
                        return Value::unknown(
                            Reason::InvalidExpression,
                            "for condition is not known",
                        )
                    }
                }
            }
            let value = self.eval(&f.value_expr, &inner);
            if matches!(&value, Value::Unknown(u) if u.reason == Reason::Limit) {
                return value;
            }
            size += value_size(&value);
            if size > MAX_COLLECTION {
                return Value::unknown(
                    Reason::Limit,
                    format!("for expression over {MAX_COLLECTION} elements"),
                );
            }
            match &f.key_expr {
                None => list.push(value),
                Some(ke) => {
                    let key = self.eval(ke, &inner);
                    let Some(key) = key_string(&key) else {
                        return Value::Unknown(unknown_of(&key, "for key"));
                    };
                    if f.grouping {
                        if let Value::List(l) =
                            map.entry(key).or_insert_with(|| Value::List(vec![]))
                        {
                            l.push(value)
                        }
                    } else {
                        map.insert(key, value);
                    }
                }
            }
        }
        if f.key_expr.is_some() {
            Value::Map(map)
        } else {
            Value::List(list)
        }
    }

    /// Charges `n` bytes of new text to the unit's budget; false when it is spent.
    fn charge_text(&self, n: usize) -> bool {
        let left = self.project.text_budget.get();
        if n > left {
            self.project.text_budget.set(0);
            return false;
        }
        self.project.text_budget.set(left - n);
        true
    }

    /// A string or template longer than [`MAX_TEXT`], or past the unit's text budget, becomes
    /// an unknown that says so.
    fn bounded_text(&self, v: Value, what: &str) -> Value {
        let n = text_len(&v);
        if n == 0 {
            return v;
        }
        if n > MAX_TEXT || !self.charge_text(n) {
            return Value::unknown(
                Reason::Limit,
                format!("{what}: text longer than vouch evaluates ({n} bytes)"),
            );
        }
        v
    }

    fn render_template(&self, parts: &[TemplatePart], scope: &Scope, out: &mut Vec<Part>) {
        for part in parts {
            // A template that keeps growing (a value repeated in it, a loop) stops at the limit,
            // whether it grows in text or in parts (unknowns and references doubled through
            // locals double the parts).
            if out.len() > MAX_TEMPLATE_PARTS
                || out
                    .last()
                    .is_some_and(|p| matches!(p, Part::Text(t) if t.len() > MAX_TEXT))
            {
                out.clear();
                out.push(Part::Unknown(Unknown {
                    reason: Reason::Limit,
                    detail: format!("a template longer than {MAX_TEXT} bytes"),
                }));
                return;
            }
            match part {
                TemplatePart::Literal(s) => {
                    if self.charge_text(s.len()) {
                        push_text(out, s)
                    } else {
                        out.push(Part::Unknown(Unknown {
                            reason: Reason::Limit,
                            detail: "the text evaluation may produce is spent".into(),
                        }));
                        return;
                    }
                }
                TemplatePart::Interpolation(e) => {
                    let v = self.eval(e, scope);
                    let n = text_len(&v);
                    let parts = match &v {
                        Value::Template(p) => p.len(),
                        _ => 1,
                    };
                    if n > MAX_TEXT
                        || out.len() + parts > MAX_TEMPLATE_PARTS
                        || !self.charge_text(n)
                    {
                        out.push(Part::Unknown(Unknown {
                            reason: Reason::Limit,
                            detail: format!("an interpolated text of {n} bytes"),
                        }));
                        return;
                    }
                    interpolate(out, v);
                }
                TemplatePart::If {
                    cond,
                    then,
                    otherwise,
                } => match self.eval(cond, scope).as_bool() {
                    Some(true) => self.render_template(then, scope, out),
                    Some(false) => self.render_template(otherwise, scope, out),
                    None => out.push(Part::Unknown(Unknown {
                        reason: Reason::InvalidExpression,
                        detail: "template condition is not known".into(),
                    })),
                },
                TemplatePart::For {
                    key_var,
                    value_var,
                    collection,
                    body,
                } => {
                    let pairs: Vec<(Value, Value)> = match self.eval(collection, scope) {
                        Value::List(l) => l
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| (Value::Number(i as f64), v))
                            .collect(),
                        Value::Map(m) => {
                            m.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
                        }
                        other => {
                            out.push(Part::Unknown(unknown_of(&other, "template for")));
                            continue;
                        }
                    };
                    for (k, v) in pairs {
                        let mut inner = scope.clone();
                        if let Some(kv) = key_var {
                            inner.names.push((kv.clone(), k));
                        }
                        inner.names.push((value_var.clone(), v));
                        self.render_template(body, &inner, out);
                    }
                }
            }
        }
    }

    /// `file`, `fileexists` and `templatefile`: read relative to the root module's directory,
    /// never outside the scanned tree.
    fn file_function(&self, name: &str, args: &[Value]) -> Value {
        let Some(Value::String(rel)) = args.first() else {
            return Value::Unknown(unknown_of(args.first().unwrap_or(&Value::Null), name));
        };
        let root_dir = self.project.scan_root.join(&self.project.unit);
        let path = if Path::new(rel).is_absolute() {
            PathBuf::from(rel)
        } else {
            root_dir.join(rel)
        };
        let inside = match (path.canonicalize(), self.project.scan_root.canonicalize()) {
            (Ok(p), Ok(root)) => p.starts_with(root),
            _ => false,
        };
        if name == "fileexists" {
            return Value::Bool(inside && path.is_file());
        }
        if !inside {
            return Value::unknown(
                Reason::OutsideTree,
                format!("{name}(\"{rel}\"): not in the scanned tree"),
            );
        }
        // Only regular files: a FIFO or a device would block the scan or never end.
        let text = match std::fs::metadata(&path) {
            Ok(m) if m.is_file() && m.len() <= 1024 * 1024 => std::fs::read_to_string(&path).ok(),
            _ => None,
        };
        let Some(text) = text else {
            return Value::unknown(
                Reason::InvalidExpression,
                format!("{name}(\"{rel}\"): cannot read"),
            );
        };
        if name == "file" {
            return Value::String(text.into());
        }
        let vars = match args.get(1) {
            Some(Value::Map(m)) => m.clone(),
            None => crate::model::VecMap::new(),
            Some(other) => return Value::Unknown(unknown_of(other, "templatefile vars")),
        };
        match crate::syntax::hcl::parse_template(&text) {
            Ok(parts) => {
                let mut scope = Scope::default();
                for (k, v) in vars {
                    scope.names.push((k.into(), v));
                }
                let mut out = Vec::new();
                self.render_template(&parts, &scope, &mut out);
                template_value(out)
            }
            Err(e) => Value::unknown(
                Reason::InvalidExpression,
                format!("templatefile(\"{rel}\"): {} at line {}", e.message, e.line),
            ),
        }
    }
}

fn relative_dir(from: &str, to: &str) -> String {
    let f: Vec<&str> = if from == "." {
        vec![]
    } else {
        from.split('/').collect()
    };
    let t: Vec<&str> = if to == "." {
        vec![]
    } else {
        to.split('/').collect()
    };
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; f.len() - common];
    parts.extend(&t[common..]);
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

fn join_path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// The provider configuration an expression names: `aws` or `aws.west`.
fn provider_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Variable(v) => Some(v.clone()),
        Expr::Traversal(base, ops) => match (base.as_ref(), ops.as_slice()) {
            (Expr::Variable(v), [Operator::GetAttr(a)]) => Some(format!("{v}.{a}")),
            _ => None,
        },
        _ => None,
    }
}

fn get_attr(value: Value, name: &str) -> Value {
    match value {
        Value::Map(mut m) => m.remove(name).unwrap_or_else(|| {
            Value::unknown(Reason::InvalidExpression, format!("no attribute {name:?}"))
        }),
        Value::Ref(r) => Value::Ref(Box::new(Ref {
            attribute: join_path(&r.attribute, name),
            resource: r.resource,
        })),
        Value::Unknown(u) => Value::Unknown(u),
        other => Value::unknown(
            Reason::InvalidExpression,
            format!("cannot read .{name} of {}", type_name(&other)),
        ),
    }
}

fn index(value: Value, key: &Value) -> Value {
    match (value, key) {
        (Value::Unknown(u), _) => Value::Unknown(u),
        (_, Value::Unknown(u)) => Value::Unknown(u.clone()),
        (Value::List(mut l), k) => match k.as_f64() {
            Some(n) if n >= 0.0 && (n as usize) < l.len() => l.swap_remove(n as usize),
            _ => Value::unknown(Reason::InvalidExpression, format!("index {k} out of range")),
        },
        (Value::Map(mut m), k) => match key_string(k) {
            Some(s) => m.remove(&s).unwrap_or_else(|| {
                Value::unknown(Reason::InvalidExpression, format!("no key {s:?}"))
            }),
            None => Value::unknown(Reason::InvalidExpression, "bad map key"),
        },
        (Value::Ref(r), k) => {
            let key = match k {
                Value::String(s) => quote(s),
                other => key_string(other).unwrap_or_default(),
            };
            if r.attribute.is_empty() {
                Value::Ref(Box::new(Ref {
                    resource: format!("{}[{key}]", r.resource),
                    attribute: String::new(),
                }))
            } else {
                Value::Ref(Box::new(Ref {
                    resource: r.resource,
                    attribute: format!("{}[{key}]", r.attribute),
                }))
            }
        }
        (other, _) => Value::unknown(
            Reason::InvalidExpression,
            format!("cannot index {}", type_name(&other)),
        ),
    }
}

pub fn value_size(v: &Value) -> usize {
    match v {
        Value::List(l) => 1 + l.iter().map(value_size).sum::<usize>(),
        Value::Map(m) => 1 + m.values().map(value_size).sum::<usize>(),
        Value::Encoded(v) | Value::Base64(v) => value_size(v),
        _ => 1,
    }
}

/// Bytes of text in a string or template value (0 for anything else).
fn text_len(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Template(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.len(),
                _ => 0,
            })
            .sum(),
        _ => 0,
    }
}

/// Replaces a value larger than the collection limit with an unknown.
fn cap(v: Value, what: &str) -> Value {
    if value_size(&v) > MAX_COLLECTION * 4 {
        Value::unknown(
            Reason::Limit,
            format!("{what} is larger than vouch evaluates"),
        )
    } else {
        v
    }
}

impl std::fmt::Debug for Instance<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Instance({})", self.prefix)
    }
}

/// Variable values as their declared type constraints make them (`optional(...)` defaults of
/// object attributes, `super::types`).
/// True for a variable declared `nullable = false`: null is not a value it can take, so a
/// caller's null means its default.
fn not_nullable(body: &Body) -> bool {
    body.attribute("nullable")
        .is_some_and(|a| matches!(Instance::eval_constant(&a.expr), Value::Bool(false)))
}

fn typed_vars(config: &ModuleConfig, mut vars: HashMap<String, Value>) -> HashMap<String, Value> {
    for (name, block) in &config.variables {
        let Some(ty) = block.item.body.attribute("type") else {
            continue;
        };
        if let Some(v) = vars.remove(name) {
            vars.insert(name.clone(), super::types::apply(&ty.expr, v));
        }
    }
    vars
}
