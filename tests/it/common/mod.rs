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
