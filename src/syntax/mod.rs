//! Parsers: each turns text into a compact tree that keeps byte spans, then the syntax tree of
//! the underlying crate is dropped at once (keeping hcl-edit trees for a large tree costs
//! gigabytes; the compact forms cost a fraction).

pub mod hcl;
pub mod hcl_json;
pub mod yaml;
