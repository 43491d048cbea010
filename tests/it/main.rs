//! The integration tests, built as one binary: one link instead of one per file.

mod access_languages;
mod answers;
mod assumptions;
mod claims;
mod claims_corpus;
mod cli;
mod cli_scan;
mod cloudformation;
mod common;
mod compute;
mod diagram;
mod escalation;
mod exports;
mod iam_access;
mod iam_catalog;
mod iam_queries;
mod iam_resource_policies;
mod iam_trust;
mod images;
mod integrations;
mod kms;
#[cfg(feature = "aws")]
mod live;
mod network;
mod openapi;
mod plan;
mod pre_merge;
mod projects;
mod properties;
mod sarif;
mod snapshots;
mod story;
mod systems;
mod terraform_eval;
mod vocabulary;
mod waivers;
