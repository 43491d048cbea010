//! IAM: the facts about AWS that reasoning about who can do what rests on, and the reasoning.
//!
//! - [`catalog`]: every AWS action with its service, access level, resource types and condition
//!   keys (AWS's Service Authorization Reference), and IAM's wildcard matching of action names.
//! - [`managed`]: the AWS managed policies with their documents, looked up by ARN or name.
//! - [`policy`]: policy documents read from evaluated values into statements, nothing dropped.
//! - [`principals`]: which roles, users and groups hold which policies, and which compute runs
//!   as which role.
//! - [`arn`]: ARNs of resources in the tree and the matching of policy ARN patterns.
//! - [`access`]: effective access, following AWS's evaluation logic over the catalog.
//! - [`trust`]: who can assume each role, from where, under which conditions.
//! - [`reach`]: which resources each principal's statements can reach at all.
//! - [`queries`]: administrator-equivalent principals, shared roles, tenant binding of tables.

pub mod access;
pub mod arn;
pub mod catalog;
pub mod escalation;
pub mod managed;
pub mod policy;
pub mod principals;
pub mod queries;
pub mod reach;
pub mod trust;
