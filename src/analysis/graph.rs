//! The action DAG on petgraph: dependency order and the critical path by duration.

use foldhash::HashMap;

use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::Action;

/// Edges point from an action to each action it depends on.
pub struct Dag {
    pub graph: DiGraph<usize, ()>,
    /// Action indexes, dependencies before dependents.
    pub order: Vec<usize>,
    /// Whether the graph had a cycle (never in Go's output; then `order` is input order).
    pub cyclic: bool,
    /// Dependency edges that named an unknown action ID.
    pub dangling: usize,
}

impl Dag {
    pub fn new(actions: &[Action]) -> Self {
        let mut graph = DiGraph::with_capacity(actions.len(), actions.len() * 4);
        let nodes: Vec<NodeIndex> = (0..actions.len()).map(|i| graph.add_node(i)).collect();
        let by_id: HashMap<u64, usize> =
            actions.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
        let mut dangling = 0;
        for (i, a) in actions.iter().enumerate() {
            for dep in &a.deps {
                match by_id.get(dep) {
                    Some(&j) => {
                        graph.add_edge(nodes[i], nodes[j], ());
                    }
                    None => dangling += 1,
                }
            }
        }
        let (order, cyclic) = match toposort(&graph, None) {
            // toposort puts a node before the nodes it points to: dependents first. Reverse.
            Ok(sorted) => (sorted.into_iter().rev().map(|n| graph[n]).collect(), false),
            Err(_) => ((0..actions.len()).collect(), true),
        };
        Dag {
            graph,
            order,
            cyclic,
            dangling,
        }
    }

    /// Indexes of the actions `i` depends on.
    pub fn deps(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.graph
            .neighbors(NodeIndex::new(i))
            .map(|n| self.graph[n])
    }

    /// The chain of dependent actions whose durations add up the most, first action first.
    /// This is the floor of the build's wall time however many cores it gets.
    pub fn critical_path(&self, actions: &[Action]) -> Vec<usize> {
        let n = actions.len();
        let mut best = vec![0i64; n];
        let mut next: Vec<Option<usize>> = vec![None; n];
        for &i in &self.order {
            let (dep, dep_len) = self
                .deps(i)
                .map(|d| (Some(d), best[d]))
                .max_by_key(|&(d, len)| (len, std::cmp::Reverse(d)))
                .unwrap_or((None, 0));
            best[i] = actions[i]
                .duration_ns
                .unwrap_or(0)
                .max(0)
                .saturating_add(dep_len);
            next[i] = dep;
        }
        let Some(mut at) = (0..n).max_by_key(|&i| (best[i], std::cmp::Reverse(i))) else {
            return Vec::new();
        };
        if best[at] == 0 {
            return Vec::new();
        }
        let mut path = vec![at];
        // A path visits an action at most once: a dependency cycle (a crafted action graph,
        // found by the fuzzer) must not make this walk forever.
        while let Some(d) = next[at]
            && path.len() < n
        {
            path.push(d);
            at = d;
        }
        path.reverse();
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CacheOutcome, Evidence};

    fn action(id: u64, deps: &[u64], ms: i64) -> Action {
        Action {
            id,
            mode: "build".into(),
            package: format!("p{id}"),
            module: String::new(),
            deps: deps.to_vec(),
            cache: CacheOutcome::Miss,
            evidence: Evidence::ActionGraph,
            start_ns: Some(0),
            duration_ns: Some(ms * 1_000_000),
            cpu_ns: None,
            failed: false,
            key: None,
        }
    }

    #[test]
    fn critical_path_follows_the_longest_chain() {
        // 1 -> {2, 3}; 2 -> 4; 3 is long on its own.
        let actions = vec![
            action(1, &[2, 3], 5),
            action(2, &[4], 10),
            action(3, &[], 30),
            action(4, &[], 10),
            action(5, &[9], 1),
        ];
        let g = Dag::new(&actions);
        assert_eq!(g.dangling, 1);
        let path: Vec<u64> = g
            .critical_path(&actions)
            .iter()
            .map(|&i| actions[i].id)
            .collect();
        assert_eq!(path, vec![3, 1]);
    }

    /// Regression (fuzz/action_graph, an OOM): an action graph whose deps form a cycle made
    /// the critical-path walk loop forever, growing the path until memory ran out.
    #[test]
    fn critical_path_of_a_dependency_cycle_ends() {
        let actions = vec![action(1, &[2], 5), action(2, &[1], 10), action(3, &[3], 7)];
        let g = Dag::new(&actions);
        let path = g.critical_path(&actions);
        assert!(path.len() <= actions.len(), "{path:?}");
    }
}
