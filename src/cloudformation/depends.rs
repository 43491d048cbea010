//! Resources of one template that depend on each other in a circle through `DependsOn`.
//! CloudFormation refuses such a template
//! ("circular dependency between resources"); vouch reports it and reads the resources as
//! written. The circles are the strongly connected components of the dependency graph
//! (Kosaraju's two passes, without recursion): linear in the template.

use crate::syntax::yaml::{Node, NodeValue};
use std::collections::HashMap;

/// The circles among `resources` (logical id and definition, in file order): each a sorted list
/// of indices into `resources`, in the order of their first member.
pub fn cycles(resources: &[(&str, &Node)]) -> Vec<Vec<usize>> {
    let index: HashMap<&str, usize> = resources
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let deps: Vec<Vec<usize>> = resources
        .iter()
        .map(|(_, node)| {
            let mut out: Vec<usize> = depends_on(node)
                .filter_map(|name| index.get(name).copied())
                .collect();
            out.sort_unstable();
            out.dedup();
            out
        })
        .collect();
    components(&deps)
        .into_iter()
        .filter(|c| c.len() > 1 || deps[c[0]].contains(&c[0]))
        .collect()
}

/// The logical ids a resource names in its `DependsOn` (a name or a list of names).
///
/// References (`Ref`, `Fn::GetAtt`, `Fn::Sub`) make dependencies too, and CloudFormation
/// refuses circles through them as well; they are left out here because a resource policy
/// that names a role whose policy names the resource is common in written templates and
/// fixtures alike, and deserves its own decision.
fn depends_on(resource: &Node) -> impl Iterator<Item = &str> {
    let d = resource.get("DependsOn");
    let names: Vec<&str> = match d.map(|d| &d.value) {
        Some(NodeValue::Seq(items)) => items.iter().filter_map(Node::as_str).collect(),
        _ => d.and_then(Node::as_str).into_iter().collect(),
    };
    names.into_iter()
}

/// Strongly connected components of a graph given as sorted successor lists: each sorted, in
/// the order of their smallest member.
fn components(deps: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = deps.len();
    // First pass: the nodes in the order their depth-first visits finish.
    let mut finished = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    for start in 0..n {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![(start, 0usize)];
        while let Some(&(v, next)) = stack.last() {
            if let Some(&w) = deps[v].get(next) {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                if !seen[w] {
                    seen[w] = true;
                    stack.push((w, 0));
                }
            } else {
                finished.push(v);
                stack.pop();
            }
        }
    }
    // Second pass, on the reversed edges, in reverse finishing order: one component a visit.
    let mut reverse = vec![Vec::new(); n];
    for (v, ws) in deps.iter().enumerate() {
        for &w in ws {
            reverse[w].push(v);
        }
    }
    let mut assigned = vec![false; n];
    let mut out = Vec::new();
    for &start in finished.iter().rev() {
        if assigned[start] {
            continue;
        }
        assigned[start] = true;
        let mut members = Vec::new();
        let mut stack = vec![start];
        while let Some(v) = stack.pop() {
            members.push(v);
            for &w in &reverse[v] {
                if !assigned[w] {
                    assigned[w] = true;
                    stack.push(w);
                }
            }
        }
        members.sort_unstable();
        out.push(members);
    }
    out.sort_unstable_by_key(|c| c[0]);
    out
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
            .map(|c| c.into_iter().map(|i| resources[i].0.clone()).collect())
            .collect()
    }

    #[test]
    fn circles_of_depends_on() {
        let text = "Resources:
  A: {Type: T, DependsOn: B}
  B: {Type: T, DependsOn: [X, C]}
  C: {Type: T, DependsOn: [A]}
  D: {Type: T, DependsOn: [D]}
  E: {Type: T, DependsOn: F, Properties: {Z: !Ref F}}
  F: {Type: T, Properties: {Z: !Ref E}}
";
        assert_eq!(circles(text), [vec!["A", "B", "C"], vec!["D"]]);
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
