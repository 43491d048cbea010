//! IAM: the facts about AWS that reasoning about who can do what rests on, and the reasoning.
//!
//! - [`catalog`]: every AWS action with its service, access level, resource types and condition
//!   keys (AWS's Service Authorization Reference), and IAM's wildcard matching of action names.
//! - [`managed`]: the AWS managed policies with their documents, looked up by ARN or name.

pub mod catalog;
pub mod managed;
