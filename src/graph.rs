//! Circles in a dependency graph: the strongly connected components of a graph given as
//! successor lists, found with Kosaraju's two passes and explicit stacks (no recursion an input
//! could drive past the stack), linear in nodes plus edges. Shared by the Terraform and
//! CloudFormation readers, which both refuse configurations whose parts depend on each other in
//! a circle.

/// The circles of `deps` (successor lists, indices into the same slice): every strongly
/// connected component with more than one member, and every node that is its own successor.
/// Each circle is sorted; circles come in the order of their smallest member.
pub fn circles(deps: &[Vec<usize>]) -> Vec<Vec<usize>> {
    components(deps)
        .into_iter()
        .filter(|c| c.len() > 1 || deps[c[0]].contains(&c[0]))
        .collect()
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

    #[test]
    fn circles_and_self_loops_but_not_chains() {
        // 0 → 1 → 2 → 0 is a circle; 3 → 3 a self-loop; 4 → 5 a chain.
        let deps = vec![vec![1], vec![2], vec![0, 3], vec![3], vec![5], vec![]];
        assert_eq!(circles(&deps), [vec![0, 1, 2], vec![3]]);
    }

    #[test]
    fn successor_lists_need_not_be_sorted_or_unique() {
        let deps = vec![vec![1, 1], vec![0], vec![2, 0]];
        assert_eq!(circles(&deps), [vec![0, 1], vec![2]]);
    }
}
