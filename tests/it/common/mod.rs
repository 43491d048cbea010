//! Helpers shared by the integration tests.
#![allow(dead_code)]

use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use vouch::model::Resource;
use vouch::{Scan, ScanOptions};

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// The directory of each rule's assumption cases, `fixtures/assumptions/<rule>/`, sorted; the
/// files beside them (`unreachable.tsv`) are data about the cases, not rules.
pub fn assumption_rule_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixture("assumptions"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

pub fn scan(rel: &str) -> Scan {
    vouch::scan(&fixture(rel), &ScanOptions::default())
}

pub fn resource<'a>(scan: &'a Scan, address: &str) -> &'a Resource {
    scan.model
        .resources
        .iter()
        .find(|r| r.address == address)
        .unwrap_or_else(|| {
            let all: Vec<_> = scan.model.resources.iter().map(|r| &r.address).collect();
            panic!("no resource {address}; have {all:?}")
        })
}

/// An attribute of a resource as JSON (the inventory's encoding of values).
pub fn attr(scan: &Scan, address: &str, name: &str) -> Json {
    let r = resource(scan, address);
    serde_json::to_value(
        r.attributes
            .get(name)
            .unwrap_or_else(|| panic!("{address} has no {name}")),
    )
    .unwrap()
}

/// Line of a resource's first line.
pub fn line(scan: &Scan, address: &str) -> u32 {
    scan.loaded
        .sources
        .region(resource(scan, address).span)
        .line
}

/// Line of an attribute of a resource.
pub fn attr_line(scan: &Scan, address: &str, path: &str) -> u32 {
    let r = resource(scan, address);
    let span = r
        .attribute_spans
        .get(path)
        .unwrap_or_else(|| panic!("{address} has no span for {path}"));
    scan.loaded.sources.region(*span).line
}

/// The vouch binary built for this test run.
pub fn vouch_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_vouch"))
}

/// Index of a resource in the model, by address.
pub fn idx(scan: &Scan, address: &str) -> usize {
    scan.model
        .resources
        .iter()
        .position(|r| r.address == address)
        .unwrap_or_else(|| panic!("no resource {address}"))
}

/// The status of one assumption for the tree at `dir`, with each evidence line as
/// `outcome detail`, sorted.
pub fn decide(
    dir: &std::path::Path,
    rule: &str,
    opts: &vouch::ScanOptions,
) -> (String, Vec<String>) {
    let scan = vouch::scan(dir, opts);
    let options = vouch::AssessOptions {
        only: vec![rule.to_string()],
        ..Default::default()
    };
    let (report, _) = vouch::assess(&scan, dir, &options);
    let json = serde_json::to_value(&report.assumptions[0]).unwrap();
    let mut lines: Vec<String> = json["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["outcome"].as_str().unwrap(),
                e["detail"].as_str().unwrap_or("")
            )
        })
        .collect();
    lines.sort();
    (json["status"].as_str().unwrap().to_string(), lines)
}

/// `vouch scan --format json ROOT`: the whole JSON (systems and all), after checking the scan
/// ended with a report (exit 0 or 1).
pub fn scan_json_of(root: &Path) -> Json {
    let out = std::process::Command::new(vouch_bin())
        .args(["scan", "--format", "json"])
        .arg(root)
        .output()
        .unwrap();
    assert!(out.status.code().unwrap_or(9) <= 1, "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The report of the first (for a tree of one system, the only) system of `scan_json_of`.
pub fn first_report(root: &Path) -> Json {
    scan_json_of(root)["systems"][0]["report"].clone()
}

/// The assumption `id` of a report (one system's `report` of `vouch scan --format json`).
pub fn assumption<'a>(report: &'a Json, id: &str) -> &'a Json {
    report["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no assumption {id}"))
}
