//! Where `vouch inventory --format json` spends time and memory. Replays `vouch::scan` phase by
//! phase (load = walk + read + parse; Terraform evaluation; link; JSON rendering; drop) and
//! prints each phase's wall time, the resident set size after it and the peak within it
//! (Linux /proc; the peak is reset between phases through /proc/self/clear_refs).
//!
//!   bench/profile/run [DIR]    (DIR defaults to bench/out/tf-10000)

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;
use vouch::{load, model::Model, report, syntax::hcl, terraform};

fn status_mb(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .map(|kb| kb * 1024 / 1_000_000)
        .unwrap_or(0)
}

fn phase(name: &str, t: Instant) {
    println!(
        "{name:<34} {:>7.3} s   RSS after {:>5} MB   peak in phase {:>5} MB",
        t.elapsed().as_secs_f64(),
        status_mb("VmRSS:"),
        status_mb("VmHWM:")
    );
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Bytes of the nodes of a BTreeMap of `len` entries of `entry` bytes: a node holds up to 11
/// entries and is allocated whole, so small maps pay for 11.
fn btree_nodes(len: usize, entry: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let bytes = len.div_ceil(11) * (11 * entry + 24 + 16);
    MAPS.fetch_add(1, Relaxed);
    MAP_BYTES.fetch_add(bytes, Relaxed);
    bytes
}

static MAPS: AtomicUsize = AtomicUsize::new(0);
static MAP_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Rough heap bytes of a value: payload plus a malloc header per allocation, BTreeMap nodes
/// counted per entry (key + value + about 16 bytes of node overhead).
fn heap_value(v: &vouch::model::Value) -> usize {
    use vouch::model::{Part, Value};
    const A: usize = 16; // malloc overhead per allocation
    let s = |x: &String| if x.capacity() > 0 { x.capacity() + A } else { 0 };
    let sz = std::mem::size_of::<Value>();
    match v {
        Value::String(x) => s(x),
        Value::List(xs) => xs.capacity() * sz + A + xs.iter().map(heap_value).sum::<usize>(),
        Value::Map(m) => {
            btree_nodes(m.len(), 24 + sz) + m.iter().map(|(k, v)| s(k) + heap_value(v)).sum::<usize>()
        }
        Value::Ref(r) => s(&r.resource) + s(&r.attribute),
        Value::Template(ps) => {
            ps.capacity() * std::mem::size_of::<Part>()
                + A
                + ps.iter()
                    .map(|p| match p {
                        Part::Text(t) => s(t),
                        Part::Ref(r) => s(&r.resource) + s(&r.attribute),
                        Part::Unknown(u) => s(&u.detail),
                        _ => 0,
                    })
                    .sum::<usize>()
        }
        Value::Encoded(b) => sz + A + heap_value(b),
        Value::Unknown(u) => s(&u.detail),
        _ => 0,
    }
}

fn model_bytes(model: &Model) {
    let s = |x: &String| if x.capacity() > 0 { x.capacity() + 16 } else { 0 };
    let (mut names, mut attrs, mut spans, mut n_attrs, mut n_spans) = (0, 0, 0, 0, 0);
    for r in &model.resources {
        names += std::mem::size_of_val(r) + s(&r.unit) + s(&r.address) + s(&r.source_type);
        attrs += btree_nodes(r.attributes.len(), 24 + std::mem::size_of::<vouch::model::Value>());
        for (k, v) in &r.attributes {
            attrs += s(k) + heap_value(v);
            n_attrs += 1;
        }
        spans += btree_nodes(r.attribute_spans.len(), 24 + 12);
        for k in r.attribute_spans.keys() {
            spans += s(k);
            n_spans += 1;
        }
    }
    let edges: usize = model
        .edges
        .iter()
        .map(|e| std::mem::size_of_val(e) + s(&e.label) + s(&e.attribute) + s(&e.target_attribute))
        .sum();
    println!(
        "  size_of: Value {} B, Resource {} B, Edge {} B",
        std::mem::size_of::<vouch::model::Value>(),
        std::mem::size_of::<vouch::model::Resource>(),
        std::mem::size_of::<vouch::model::Edge>()
    );
    println!(
        "  model estimate: resource structs + unit/address/type strings {} MB; attributes {} MB \
         ({n_attrs} top-level); attribute_spans {} MB ({n_spans} paths); edges {} MB",
        names / 1_000_000,
        attrs / 1_000_000,
        spans / 1_000_000,
        edges / 1_000_000
    );
    println!(
        "  of which BTreeMap nodes (attributes, nested maps, attribute_spans): {} maps, {} MB",
        MAPS.load(Relaxed),
        MAP_BYTES.load(Relaxed) / 1_000_000
    );
}

/// Heap bytes and allocations of the lowered HCL trees kept for the whole scan.
#[derive(Default)]
struct Heap {
    bytes: usize,
    allocs: usize,
    strings: usize,
}

impl Heap {
    fn alloc(&mut self, n: usize) {
        if n > 0 {
            self.bytes += n + 16;
            self.allocs += 1;
        }
    }
    fn string(&mut self, s: &str) {
        self.alloc(s.len());
        self.strings += 1;
    }
    fn body(&mut self, b: &hcl::Body) {
        self.alloc(b.attributes.capacity() * std::mem::size_of::<hcl::Attribute>());
        self.alloc(b.blocks.capacity() * std::mem::size_of::<hcl::Block>());
        for a in &b.attributes {
            self.string(&a.name);
            self.expr(&a.expr);
        }
        for bl in &b.blocks {
            self.string(&bl.ident);
            self.alloc(bl.labels.capacity() * 24);
            bl.labels.iter().for_each(|l| self.string(l));
            self.body(&bl.body);
        }
    }
    fn parts(&mut self, ps: &[hcl::TemplatePart]) {
        self.alloc(ps.len() * std::mem::size_of::<hcl::TemplatePart>());
        for p in ps {
            match p {
                hcl::TemplatePart::Literal(s) => self.string(s),
                hcl::TemplatePart::Interpolation(e) => self.expr(e),
                hcl::TemplatePart::If { cond, then, otherwise } => {
                    self.expr(cond);
                    self.parts(then);
                    self.parts(otherwise);
                }
                hcl::TemplatePart::For { collection, body, .. } => {
                    self.expr(collection);
                    self.parts(body);
                }
            }
        }
    }
    fn expr(&mut self, e: &hcl::Expr) {
        use hcl::Expr::*;
        let sz = std::mem::size_of::<hcl::Expr>();
        match e {
            String(s) | Variable(s) => self.string(s),
            Template(ps) => self.parts(ps),
            Array(xs) => {
                self.alloc(xs.capacity() * sz);
                xs.iter().for_each(|x| self.expr(x));
            }
            Object(kv) => {
                self.alloc(kv.capacity() * std::mem::size_of::<(hcl::ObjectKeyExpr, hcl::Expr)>());
                for (k, v) in kv {
                    match k {
                        hcl::ObjectKeyExpr::Ident(s) => self.string(s),
                        hcl::ObjectKeyExpr::Expr(x) => self.expr(x),
                    }
                    self.expr(v);
                }
            }
            Traversal(b, ops) => {
                self.alloc(sz);
                self.expr(b);
                self.alloc(ops.capacity() * std::mem::size_of::<hcl::Operator>());
                for op in ops {
                    match op {
                        hcl::Operator::GetAttr(s) => self.string(s),
                        hcl::Operator::Index(x) => self.expr(x),
                        _ => {}
                    }
                }
            }
            Call(c) => {
                self.alloc(std::mem::size_of::<hcl::Call>());
                self.string(&c.name);
                self.alloc(c.args.capacity() * sz);
                c.args.iter().for_each(|x| self.expr(x));
            }
            Conditional(b) => {
                self.alloc(3 * sz);
                self.expr(&b.0);
                self.expr(&b.1);
                self.expr(&b.2);
            }
            Unary(_, b) => {
                self.alloc(sz);
                self.expr(b);
            }
            Binary(_, b) => {
                self.alloc(2 * sz);
                self.expr(&b.0);
                self.expr(&b.1);
            }
            For(f) => {
                self.alloc(std::mem::size_of::<hcl::ForExpr>());
                self.expr(&f.collection);
                self.expr(&f.value_expr);
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                if let Some(c) = &f.cond {
                    self.expr(c);
                }
            }
            _ => {}
        }
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: vouch-bench-profile DIR");
    let path = std::path::Path::new(&path);
    // As the CLI does.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(32 * 1024 * 1024)
        .build_global();
    let opts = vouch::ScanOptions::default();
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let all = Instant::now();

    let t = Instant::now();
    let loaded = load::load(path, &opts.load);
    phase("load (walk, read, parse in parallel)", t);
    let text: usize = loaded.files.iter().map(|f| loaded.file(f.id).text.len()).sum();
    println!("  {} files, {} MB of text", loaded.files.len(), text / 1_000_000);
    let mut heap = Heap::default();
    for f in &loaded.files {
        if let load::Parsed::Hcl(body) = &f.parsed {
            heap.body(body);
        }
    }
    println!(
        "  lowered HCL trees: about {} MB in {} allocations ({} separate Strings); size_of Expr {} B",
        heap.bytes / 1_000_000,
        heap.allocs,
        heap.strings,
        std::mem::size_of::<hcl::Expr>()
    );

    let t = Instant::now();
    let mut model = Model::default();
    let mut diagnostics = loaded.diagnostics.clone();
    let var_files = terraform::lower(&loaded, &opts.vars, &mut model, &mut diagnostics);
    phase("terraform::lower (roots in parallel)", t);
    println!("  {} units, {} resources", model.units.len(), model.resources.len());

    let t = Instant::now();
    vouch::cloudformation::lower(&loaded, &opts.params, &mut model, &mut diagnostics);
    model.link();
    diagnostics.sort();
    diagnostics.dedup();
    phase("Model::link (sort, edges)", t);
    println!("  {} edges", model.edges.len());
    model_bytes(&model);

    let t = Instant::now();
    let n = model.unresolved().len();
    phase("Model::unresolved (once)", t);
    println!("  {n} unresolved values");

    let scan = vouch::Scan {
        loaded,
        model,
        diagnostics,
        var_files,
        timings: Default::default(),
    };
    let t = Instant::now();
    let summary = report::inventory::summary(&scan);
    phase("inventory::summary", t);
    let _ = summary;

    let t = Instant::now();
    let json = report::inventory::to_json(&scan, false);
    phase("inventory::to_json", t);
    println!("  {} MB of JSON", json.len() / 1_000_000);
    println!("{:<34} {:>7.3} s", "total before drop", all.elapsed().as_secs_f64());

    let t = Instant::now();
    drop(json);
    let vouch::Scan { loaded, model, .. } = scan;
    drop(model);
    phase("drop model + JSON", t);
    let t = Instant::now();
    drop(loaded);
    phase("drop loaded (sources, syntax trees)", t);
}
