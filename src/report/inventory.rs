//! `vouch inventory`: what vouch sees in a tree, as text for people or JSON for tools.
//!
//! The JSON is a contract: keys are stable, arrays are sorted, paths are relative to the scanned
//! root with `/` separators, and the same tree gives the same bytes.

use crate::model::Kind;
use crate::model::Language;
use crate::source::{Region, Span};
use crate::Scan;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Version of the inventory JSON layout.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Json<'a> {
    format_version: u32,
    summary: Summary,
    units: Vec<JsonUnit<'a>>,
    resources: Rows<'a, JsonResource<'a>>,
    edges: Rows<'a, JsonEdge<'a>>,
    unresolved: Vec<JsonUnresolved>,
    data_sources: Vec<JsonData<'a>>,
    external_modules: Vec<JsonModule<'a>>,
    var_files: &'a [crate::terraform::VarFile],
    files: Vec<JsonFile<'a>>,
    diagnostics: &'a [crate::diagnostics::Diagnostic],
    skipped: Vec<JsonSkipped<'a>>,
}

/// Makes the rows of a lazily written array.
type Rows<'a, T> = Lazy<Box<dyn Fn() -> Box<dyn Iterator<Item = T> + 'a> + 'a>>;

/// A JSON array whose elements are made one at a time while it is written, so the largest
/// arrays (resources, edges) never exist in memory as a whole.
struct Lazy<F>(F);

impl<'a, T: Serialize + 'a, F: Fn() -> Box<dyn Iterator<Item = T> + 'a>> Serialize for Lazy<F> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

#[derive(Serialize)]
pub struct Summary {
    pub files: usize,
    pub units: usize,
    pub resources: usize,
    pub edges: usize,
    pub unresolved: usize,
    pub errors: usize,
    pub warnings: usize,
    pub kinds: BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
struct JsonUnit<'a> {
    id: &'a str,
    language: Language,
}

#[derive(Serialize)]
struct JsonResource<'a> {
    unit: &'a str,
    address: &'a str,
    #[serde(rename = "type")]
    source_type: &'a str,
    kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    facet: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<&'a str>,
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<&'a crate::model::Condition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    generated_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributes: Option<&'a crate::model::Map>,
}

#[derive(Serialize)]
struct Endpoint<'a> {
    unit: &'a str,
    address: &'a str,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    from: Endpoint<'a>,
    to: Endpoint<'a>,
    label: &'a str,
    attribute: &'a str,
    target_attribute: &'a str,
    file: String,
    line: u32,
}

#[derive(Serialize)]
struct JsonUnresolved {
    unit: String,
    resource: String,
    attribute: String,
    reason: crate::model::Reason,
    reason_text: &'static str,
    detail: String,
    file: String,
    line: u32,
}

#[derive(Serialize)]
struct JsonData<'a> {
    unit: &'a str,
    address: &'a str,
    #[serde(rename = "type")]
    source_type: &'a str,
    file: String,
    line: u32,
}

#[derive(Serialize)]
struct JsonModule<'a> {
    unit: &'a str,
    address: &'a str,
    source: &'a str,
    file: String,
    line: u32,
    inputs: &'a crate::model::Map,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    kind: crate::load::FileKind,
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    path: &'a str,
    reason: &'a str,
}

pub fn summary(scan: &Scan) -> Summary {
    summary_with(scan, scan.model.unresolved().len())
}

fn summary_with(scan: &Scan, unresolved: usize) -> Summary {
    let mut kinds = BTreeMap::new();
    for r in &scan.model.resources {
        if r.facet.is_none() {
            *kinds.entry(r.kind.as_str()).or_insert(0) += 1;
        }
    }
    let errors = scan
        .diagnostics
        .iter()
        .filter(|d| d.severity == crate::diagnostics::Severity::Error)
        .count();
    Summary {
        files: scan.loaded.files.len(),
        units: scan.model.units.len(),
        resources: scan.model.resources.len(),
        edges: scan.model.edges.len(),
        unresolved,
        errors,
        warnings: scan.diagnostics.len() - errors,
        kinds,
    }
}

fn loc(scan: &Scan, span: Span) -> Region {
    scan.loaded.sources.region(span)
}

/// The inventory as JSON (with evaluated attribute values when `values` is set).
pub fn to_json(scan: &Scan, values: bool) -> String {
    let mut out = Vec::new();
    let _ = write_json(scan, values, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Streams the inventory JSON to a writer, so a large tree never needs the whole text in memory.
pub fn write_json(scan: &Scan, values: bool, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let m = &scan.model;
    let unresolved_values = m.unresolved();
    let resources = move || -> Box<dyn Iterator<Item = JsonResource<'_>> + '_> {
        Box::new(m.resources.iter().enumerate().map(move |(i, r)| {
            let l = loc(scan, r.span);
            JsonResource {
                unit: &r.unit,
                address: &r.address,
                source_type: &r.source_type,
                kind: r.kind,
                facet: r.facet,
                parent: m.parents.get(&i).map(|p| m.resources[*p].address.as_str()),
                file: l.file,
                line: l.line,
                column: l.column,
                end_line: l.end_line,
                end_column: l.end_column,
                condition: r.condition.as_ref(),
                generated_by: r.generated_by.as_deref(),
                attributes: values.then_some(&r.attributes),
            }
        }))
    };
    let edges = move || -> Box<dyn Iterator<Item = JsonEdge<'_>> + '_> {
        Box::new(m.edges.iter().map(move |e| {
            let (a, b) = (&m.resources[e.from], &m.resources[e.to]);
            let l = loc(scan, e.span);
            JsonEdge {
                from: Endpoint {
                    unit: &a.unit,
                    address: &a.address,
                },
                to: Endpoint {
                    unit: &b.unit,
                    address: &b.address,
                },
                label: e.label.as_str(),
                attribute: &e.attribute,
                target_attribute: &e.target_attribute,
                file: l.file,
                line: l.line,
            }
        }))
    };
    let unresolved_count = unresolved_values.len();
    let unresolved = unresolved_values
        .into_iter()
        .map(|u| {
            let l = loc(scan, u.span);
            JsonUnresolved {
                unit: u.unit,
                resource: u.resource,
                attribute: u.attribute,
                reason: u.unknown.reason,
                reason_text: u.unknown.reason.describe(),
                detail: u.unknown.detail,
                file: l.file,
                line: l.line,
            }
        })
        .collect();
    let data_sources = m
        .data_sources
        .iter()
        .map(|d| {
            let l = loc(scan, d.span);
            JsonData {
                unit: &d.unit,
                address: &d.address,
                source_type: &d.source_type,
                file: l.file,
                line: l.line,
            }
        })
        .collect();
    let external_modules = m
        .external_modules
        .iter()
        .map(|x| {
            let l = loc(scan, x.span);
            JsonModule {
                unit: &x.unit,
                address: &x.address,
                source: &x.source,
                file: l.file,
                line: l.line,
                inputs: &x.inputs,
            }
        })
        .collect();
    let mut files: Vec<JsonFile> = scan
        .loaded
        .files
        .iter()
        .map(|f| JsonFile {
            path: &scan.loaded.file(f.id).path,
            kind: f.kind,
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(b.path));
    let json = Json {
        format_version: FORMAT_VERSION,
        summary: summary_with(scan, unresolved_count),
        units: m
            .units
            .iter()
            .map(|u| JsonUnit {
                id: &u.id,
                language: u.language,
            })
            .collect(),
        resources: Lazy(Box::new(resources)),
        edges: Lazy(Box::new(edges)),
        unresolved,
        data_sources,
        external_modules,
        var_files: &scan.var_files,
        files,
        diagnostics: &scan.diagnostics,
        skipped: scan
            .loaded
            .skipped
            .iter()
            .map(|(p, r)| JsonSkipped { path: p, reason: r })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *w, &json).map_err(std::io::Error::from)?;
    w.write_all(b"\n")
}

/// The inventory for people: grouped by unit, aligned.
pub fn to_text(scan: &Scan) -> String {
    let m = &scan.model;
    let mut out = String::new();
    let s = summary(scan);
    let _ = writeln!(
        out,
        "{} files, {} deployment units, {} resources, {} references, {} unresolved values",
        s.files, s.units, s.resources, s.edges, s.unresolved
    );
    for unit in &m.units {
        let _ = writeln!(out, "\n{} ({})", unit.id, language_name(unit.language));
        let rows: Vec<(String, String, String)> = m
            .resources
            .iter()
            .filter(|r| r.unit == unit.id)
            .map(|r| {
                let l = loc(scan, r.span);
                let kind = match r.facet {
                    Some(f) => format!("{} ({f})", r.kind),
                    None if r.kind == Kind::Other => format!("other ({})", r.source_type),
                    None => r.kind.to_string(),
                };
                (r.address.clone(), kind, format!("{}:{}", l.file, l.line))
            })
            .collect();
        let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
        for (a, k, l) in rows {
            let _ = writeln!(out, "  {a:w0$}  {k:w1$}  {l}");
        }
    }
    if !m.edges.is_empty() {
        let _ = writeln!(out, "\nReferences");
        for e in &m.edges {
            let (a, b) = (&m.resources[e.from], &m.resources[e.to]);
            let _ = writeln!(out, "  {} --{}--> {}", a.address, e.label, b.address);
        }
    }
    let unresolved = m.unresolved();
    if !unresolved.is_empty() {
        let _ = writeln!(out, "\nUnresolved values");
        for u in unresolved {
            let l = loc(scan, u.span);
            let _ = writeln!(
                out,
                "  {}.{}: {} ({}) at {}:{}",
                u.resource,
                u.attribute,
                u.unknown.detail,
                u.unknown.reason.describe(),
                l.file,
                l.line
            );
        }
    }
    if !m.external_modules.is_empty() {
        let _ = writeln!(out, "\nModules outside the scanned tree");
        for x in &m.external_modules {
            let _ = writeln!(out, "  {} (source {})", x.address, x.source);
        }
    }
    let unapplied: Vec<_> = scan
        .var_files
        .iter()
        .filter(|v| v.applied_to.is_none())
        .collect();
    if !unapplied.is_empty() {
        let _ = writeln!(
            out,
            "\nVariable files found and not applied (name them with --var-file)"
        );
        for v in unapplied {
            let _ = writeln!(out, "  {}", v.path);
        }
    }
    if !scan.diagnostics.is_empty() {
        let _ = writeln!(out, "\nCould not read");
        for d in &scan.diagnostics {
            let _ = writeln!(out, "  {}:{}:{}: {}", d.path, d.line, d.column, d.message);
        }
    }
    out
}

pub fn language_name(l: Language) -> &'static str {
    l.name()
}
