//! Resources of one template that depend on each other in a circle, through `DependsOn` or
//! through the references in their properties (`Ref`, `Fn::GetAtt`, `Fn::Sub`). CloudFormation
//! refuses such a template ("circular dependency between resources"); vouch reports it and reads
//! the resources as written. The circles are the strongly connected components of the
//! dependency graph ([`crate::graph`]): linear in the template.
//!
//! Only dependencies that are certain count, so a template CloudFormation accepts is never
//! reported: a reference inside `Fn::If` (the branch may not be taken) does not, nor do the
//! properties of SAM resources, which the transform spreads over resources of their own (a
//! `GraphQLApi`'s resolvers, a function's `Events`), except a function's other properties, which
//! stay on the function or on the role it depends on. Seen on real templates: a GraphQL API
//! whose resolver names a data source that names the API is no circle once transformed.

use crate::syntax::yaml::{Node, NodeValue};
use std::collections::HashMap;

/// How one resource depends on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Through {
    DependsOn,
    Reference,
}

/// A circle among the resources: indices into the slice given to [`cycles`], sorted, and
/// whether any of its links is a reference (rather than only `DependsOn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Circle {
    pub members: Vec<usize>,
    pub through_references: bool,
}

/// The circles among `resources` (logical id and definition, in file order), in the order of
/// their first member.
pub fn cycles(resources: &[(&str, &Node)]) -> Vec<Circle> {
    let index: HashMap<&str, usize> = resources
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let links: Vec<Vec<(usize, Through)>> = resources
        .iter()
        .map(|(_, node)| {
            let mut out: Vec<(usize, Through)> = depends_on(node)
                .map(|name| (name, Through::DependsOn))
                .chain(
                    references(node)
                        .into_iter()
                        .map(|n| (n, Through::Reference)),
                )
                .filter_map(|(name, how)| index.get(name).map(|&i| (i, how)))
                .collect();
            out.sort_unstable();
            out.dedup();
            out
        })
        .collect();
    let deps: Vec<Vec<usize>> = links
        .iter()
        .map(|l| l.iter().map(|(i, _)| *i).collect())
        .collect();
    crate::graph::circles(&deps)
        .into_iter()
        .map(|members| {
            let through_references = members.iter().any(|&v| {
                links[v]
                    .iter()
                    .any(|&(w, how)| how == Through::Reference && members.binary_search(&w).is_ok())
            });
            Circle {
                members,
                through_references,
            }
        })
        .collect()
}

/// The logical ids a resource names in its `DependsOn` (a name or a list of names).
fn depends_on(resource: &Node) -> impl Iterator<Item = &str> {
    let d = resource.get("DependsOn");
    let names: Vec<&str> = match d.map(|d| &d.value) {
        Some(NodeValue::Seq(items)) => items.iter().filter_map(Node::as_str).collect(),
        _ => d.and_then(Node::as_str).into_iter().collect(),
    };
    names.into_iter()
}

/// The names a resource's properties refer to with `Ref`, `Fn::GetAtt` and `Fn::Sub`, outside
/// `Fn::If` (for SAM, only a function's properties other than `Events`). Parameters and pseudo parameters are among
/// them; the caller keeps only the resources. Walked with an explicit stack.
fn references(resource: &Node) -> Vec<&str> {
    let kind = resource.get("Type").and_then(Node::as_str).unwrap_or("");
    let mut out = Vec::new();
    let mut stack: Vec<&Node> = Vec::new();
    if let Some(props) = resource.get("Properties") {
        match kind {
            "AWS::Serverless::Function" => stack.extend(
                props
                    .entries()
                    .iter()
                    .filter(|(k, _)| k.as_str() != Some("Events"))
                    .map(|(_, v)| v),
            ),
            k if k.starts_with("AWS::Serverless::") => {}
            _ => stack.push(props),
        }
    }
    while let Some(node) = stack.pop() {
        let call = match node.tag.as_deref() {
            Some(tag) => Some((tag.strip_prefix("Fn::").unwrap_or(tag), node)),
            None => match node.entries() {
                [(k, v)] => k.as_str().and_then(|k| match k {
                    "Ref" => Some(("Ref", v)),
                    _ => k.strip_prefix("Fn::").map(|f| (f, v)),
                }),
                _ => None,
            },
        };
        match call {
            Some(("Ref", arg)) => out.extend(arg.as_str()),
            Some(("GetAtt", arg)) => match &arg.value {
                NodeValue::Seq(items) => out.extend(items.first().and_then(Node::as_str)),
                _ => out.extend(arg.as_str().and_then(|s| s.split('.').next())),
            },
            Some(("Sub", arg)) => match &arg.value {
                NodeValue::Seq(items) => {
                    let vars = items.get(1);
                    if let Some(text) = items.first().and_then(Node::as_str) {
                        out.extend(
                            sub_names(text).filter(|n| vars.and_then(|m| m.get(n)).is_none()),
                        );
                    }
                    stack.extend(vars);
                }
                _ => out.extend(arg.as_str().into_iter().flat_map(sub_names)),
            },
            Some(("If", _)) => {}
            _ => match &node.value {
                NodeValue::Seq(items) => stack.extend(items),
                NodeValue::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
                _ => {}
            },
        }
    }
    out
}

/// The names a `Fn::Sub` string refers to: `${Name}` and `${Name.Attribute}`, not the escaped
/// `${!Literal}`.
fn sub_names(text: &str) -> impl Iterator<Item = &str> {
    text.split("${").skip(1).filter_map(|rest| {
        let inner = &rest[..rest.find('}')?];
        (!inner.starts_with('!')).then(|| inner.split('.').next().unwrap_or(inner).trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::yaml::parse;

    fn circles(text: &str) -> Vec<Vec<String>> {
        let doc = parse(text).unwrap();
        let resources: Vec<(String, &Node)> = doc
            .get("Resources")
            .unwrap()
            .entries()
            .iter()
            .map(|(k, v)| (k.as_str().unwrap().to_string(), v))
            .collect();
        let borrowed: Vec<(&str, &Node)> =
            resources.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        cycles(&borrowed)
            .into_iter()
            .map(|c| {
                c.members
                    .into_iter()
                    .map(|i| resources[i].0.clone())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn circles_of_depends_on() {
        let text = "Resources:
  A: {Type: T, DependsOn: B}
  B: {Type: T, DependsOn: [X, C]}
  C: {Type: T, DependsOn: [A]}
  D: {Type: T, DependsOn: [D]}
";
        assert_eq!(circles(text), [vec!["A", "B", "C"], vec!["D"]]);
    }

    #[test]
    fn circles_through_references() {
        let text = "Resources:
  Fn: {Type: AWS::Lambda::Function, Properties: {Role: !GetAtt Role.Arn}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyDocument:
            Statement: [{Resource: {'Fn::Sub': '${Fn.Arn}:*'}}]
  Q: {Type: T, Properties: {A: {'Fn::GetAtt': [R, Arn]}}}
  R: {Type: T, DependsOn: Q}
  S: {Type: T, Properties: {A: {Ref: S}}}
  Handler:
    Type: AWS::Serverless::Function
    Properties: {Policies: [{S3ReadPolicy: {BucketName: !Ref Uploads}}]}
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        LambdaConfigurations: [{Function: !GetAtt Handler.Arn}]
";
        assert_eq!(
            circles(text),
            [
                vec!["Fn", "Role"],
                vec!["Q", "R"],
                vec!["S"],
                vec!["Handler", "Uploads"]
            ]
        );
    }

    #[test]
    fn uncertain_links_make_no_circle() {
        // A reference in a branch of Fn::If, a Sub variable defined by the Sub itself, an escaped
        // `${!…}`, a SAM function's Events and a SAM GraphQL API's resolvers (the transform
        // makes separate resources of them) and a parameter are not dependencies.
        let text = "Parameters: {P: {Type: String}}
Resources:
  A: {Type: T, Properties: {X: !If [C, !Ref B, none]}}
  B: {Type: T, Properties: {X: !Ref A}}
  C: {Type: T, Properties: {X: !Sub ['${D}-${!C}', {D: x}], Y: !Ref P}}
  D: {Type: T, Properties: {X: !Ref C}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events: {Get: {Type: Api, Properties: {RestApiId: !Ref Api}}}
  Api:
    Type: AWS::Serverless::Api
    Properties: {DefinitionBody: {uri: !Sub '${Fn.Arn}/invocations'}}
  Graph:
    Type: AWS::Serverless::GraphQLApi
    Properties: {Resolvers: {Mutation: {Go: {Runtime: {Name: APPSYNC_JS}, DataSource: !GetAtt Source.Name}}}}
  Source: {Type: AWS::AppSync::DataSource, Properties: {ApiId: !GetAtt Graph.ApiId}}
";
        assert!(circles(text).is_empty(), "{:?}", circles(text));
    }

    #[test]
    fn whether_a_circle_runs_through_references() {
        let doc = parse(
            "Resources:
  A: {Type: T, DependsOn: B}
  B: {Type: T, DependsOn: A}
  C: {Type: T, DependsOn: D}
  D: {Type: T, Properties: {X: !Ref C}}
",
        )
        .unwrap();
        let resources: Vec<(&str, &Node)> = doc
            .get("Resources")
            .unwrap()
            .entries()
            .iter()
            .map(|(k, v)| (k.as_str().unwrap(), v))
            .collect();
        let found: Vec<bool> = cycles(&resources)
            .iter()
            .map(|c| c.through_references)
            .collect();
        assert_eq!(found, [false, true]);
    }

    #[test]
    fn a_long_chain_is_no_circle_and_needs_no_recursion() {
        let mut text = String::from("Resources:\n");
        for i in 0..100_000 {
            text.push_str(&format!("  R{i}: {{Type: T, DependsOn: R{}}}\n", i + 1));
        }
        assert!(circles(&text).is_empty());
        text.push_str("  R100000: {Type: T, DependsOn: R0}\n");
        assert_eq!(circles(&text)[0].len(), 100_001);
    }
}
