//! Splitting interleaved hash blocks of one key: which input line belongs to which block.
//!
//! Go computes action IDs on its worker goroutines and a key names the package only, so the
//! plain and PGO builds of `fmt` both print `HASH[build fmt]` and their lines can interleave.
//! Nothing in a line says whose it is, but each block's final line is the SHA-256 of exactly
//! its inputs' bytes (`cmd/go/internal/cache/hash.go`: `Write` prints `%q` of what it hashes,
//! `Sum` prints the sum), so a split whose every block matches its sum is proven. The search
//! is a port of `fixtures/gen/truths-scale.py`'s: a block takes each slot (`file a.go`,
//! `import fmt`, `compile`, ...) at most once, and a line goes first to the block whose
//! sibling printed that slot next. It is bounded, by steps and by work (each step copies and
//! hashes up to the whole group, so a budget of steps alone let a garbled group of long lines
//! run for minutes: fuzz finding `hashlog`, `fuzz/regressions/hashlog/`), per group and per
//! log; without a proven split the lines go to the most recently opened block, as a guess the
//! caller counts.

use sha2::{Digest, Sha256};

/// One hash line of an overlapping group, in log order.
#[derive(Debug, Clone)]
pub(super) enum Event {
    Open,
    Input(String),
    Sum(String),
}

/// A finished block: its sum (when seen) and its inputs.
pub(super) type Block = (Option<String>, Vec<String>);

/// Search steps before giving up on a proof.
const MAX_STEPS: usize = 200_000;
/// Groups longer than this are not searched (a cut or garbled log, not two real blocks).
const MAX_EVENTS: usize = 1_024;
/// Work (bytes copied or hashed, roughly) one group's search may do.
pub(super) const MAX_WORK_PER_GROUP: u64 = 64 << 20;
/// Steps a group of N events may take: `STEPS_PER_GROUP + STEPS_PER_EVENT * N` (at most
/// `MAX_STEPS`).
const STEPS_PER_GROUP: usize = 1_024;
const STEPS_PER_EVENT: usize = 64;

/// Splits a group of overlapping blocks. Returns the blocks in the order they finished (open
/// ones last) and whether the split is proven by every block's sum. `budget` is the work the
/// log has left for searches (see `MAX_WORK_PER_GROUP`); what this search does is taken
/// from it, and when it is spent the split is a guess.
pub(super) fn split(events: Vec<Event>, budget: &mut u64) -> (Vec<Block>, bool) {
    if events.len() <= MAX_EVENTS && *budget > 0 {
        let bytes: usize = events
            .iter()
            .map(|e| match e {
                Event::Input(line) => line.len(),
                Event::Open | Event::Sum(_) => 0,
            })
            .sum();
        let mut steps = 0;
        let mut work = 0;
        let mut search = Search {
            events: &events,
            steps: &mut steps,
            work: &mut work,
            // A real group is proven in about one step per event; a few rounds of
            // backtracking are allowed on top, not 200,000 steps for any group of 30 lines.
            max_steps: MAX_STEPS.min(STEPS_PER_GROUP + STEPS_PER_EVENT * events.len()),
            max_work: (*budget).min(MAX_WORK_PER_GROUP),
            // What one step may copy (the open and finished blocks, an allocation a line) and
            // hash.
            step_cost: 1 + (bytes + 16 * events.len()) as u64,
        };
        let found = search.run(0, Vec::new(), Vec::new());
        *budget = budget.saturating_sub(work);
        if let Some(done) = found {
            return (done, true);
        }
    }
    (last_opened(events), false)
}

/// The guess: every line goes to the most recently opened block still open.
fn last_opened(events: Vec<Event>) -> Vec<Block> {
    let mut open: Vec<Vec<String>> = Vec::new();
    let mut done = Vec::new();
    for e in events {
        match e {
            Event::Open => open.push(Vec::new()),
            Event::Input(line) => match open.last_mut() {
                Some(b) => b.push(line),
                None => open.push(vec![line]),
            },
            Event::Sum(hex) => done.push((Some(hex), open.pop().unwrap_or_default())),
        }
    }
    done.extend(open.into_iter().map(|b| (None, b)));
    done
}

/// What a hash input is about, without its value: a block hashes each slot once.
fn slot(line: &str) -> &str {
    let mut words = line.splitn(3, ' ');
    let first = words.next().unwrap_or("");
    match (first, words.next()) {
        ("file" | "import" | "packagefile", Some(second)) => {
            &line[..first.len() + 1 + second.len()]
        }
        _ => first,
    }
}

/// Whether a block's inputs hash to `hex` (a 64-hex `Sum` line), without formatting the sum.
fn sums_to(block: &[String], hex: &str) -> bool {
    let mut h = Sha256::new();
    for line in block {
        h.update(line.as_bytes());
    }
    let sum = h.finalize();
    hex.len() == 2 * sum.len()
        && sum.iter().enumerate().all(|(i, &b)| {
            hex.get(2 * i..2 * i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                == Some(b)
        })
}

#[cfg(test)]
fn sum_of(block: &[String]) -> String {
    let mut h = Sha256::new();
    for line in block {
        h.update(line.as_bytes());
    }
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

struct Search<'a> {
    events: &'a [Event],
    steps: &'a mut usize,
    work: &'a mut u64,
    max_steps: usize,
    max_work: u64,
    step_cost: u64,
}

impl Search<'_> {
    fn run(&mut self, i: usize, open: Vec<Vec<String>>, done: Vec<Block>) -> Option<Vec<Block>> {
        *self.steps += 1;
        // A step copies and hashes up to the whole group and compares slots pairwise.
        *self.work += self.step_cost + (open.len() * open.len()) as u64;
        if *self.steps > self.max_steps || *self.work > self.max_work {
            return None;
        }
        let Some(e) = self.events.get(i) else {
            let mut done = done;
            done.extend(open.into_iter().map(|b| (None, b)));
            return Some(done);
        };
        match e {
            Event::Open => {
                let mut open = open;
                open.push(Vec::new());
                self.run(i + 1, open, done)
            }
            Event::Sum(hex) => {
                // Blocks with the same lines are interchangeable: trying one of them is
                // trying all (twenty empty blocks and the empty input's sum were 20! orders).
                let mut tried: Vec<&Vec<String>> = Vec::new();
                for n in 0..open.len() {
                    if tried.contains(&&open[n]) {
                        continue;
                    }
                    tried.push(&open[n]);
                    if sums_to(&open[n], hex) {
                        let mut rest = open.clone();
                        let block = rest.remove(n);
                        let mut done = done.clone();
                        done.push((Some(hex.clone()), block));
                        if let Some(r) = self.run(i + 1, rest, done) {
                            return Some(r);
                        }
                    }
                }
                None
            }
            Event::Input(line) => {
                if open.is_empty() {
                    // A line before any header: the log started mid-block.
                    return self.run(i + 1, vec![vec![line.clone()]], done);
                }
                let s = slot(line);
                let mut order: Vec<(bool, usize)> = open
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| !b.iter().any(|l| slot(l) == s))
                    .map(|(n, b)| {
                        let expected = open
                            .iter()
                            .any(|o| o.len() > b.len() && slot(&o[b.len()]) == s);
                        (!expected, n)
                    })
                    .collect();
                order.sort();
                let mut tried: Vec<&Vec<String>> = Vec::new();
                for (_, n) in order {
                    if tried.contains(&&open[n]) {
                        continue;
                    }
                    tried.push(&open[n]);
                    let mut next = open.clone();
                    next[n].push(line.clone());
                    if let Some(r) = self.run(i + 1, next, done.clone()) {
                        return Some(r);
                    }
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unlimited() -> u64 {
        u64::MAX
    }

    fn block(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn proves_the_split_of_two_interleaved_blocks() {
        let plain = block(&["go1.27.3", "compile\n", "file a.go X\n", "import os P\n"]);
        let pgo = block(&[
            "go1.27.3",
            "compile\n",
            "pgofile Q\n",
            "file a.go X\n",
            "import os R\n",
        ]);
        let (ps, gs) = (sum_of(&plain), sum_of(&pgo));
        // The plain block opens, prints two lines, the PGO block runs whole, plain goes on.
        let mut events = vec![Event::Open];
        events.extend(plain[..2].iter().cloned().map(Event::Input));
        events.push(Event::Open);
        events.extend(pgo.iter().cloned().map(Event::Input));
        events.push(Event::Sum(gs.clone()));
        events.extend(plain[2..].iter().cloned().map(Event::Input));
        events.push(Event::Sum(ps.clone()));
        let (blocks, proven) = split(events, &mut unlimited());
        assert!(proven);
        assert_eq!(blocks, vec![(Some(gs), pgo), (Some(ps), plain)]);
    }

    /// Regression (fuzz/hashlog, a timeout): many empty blocks, sums of the empty input and a
    /// last sum no block has. Every order of closing the empty blocks was tried, 200,000
    /// steps each copying the group.
    #[test]
    fn identical_blocks_are_tried_once_and_a_search_stays_in_its_budget() {
        let empty = sum_of(&[]);
        let mut events = vec![Event::Open; 25];
        events.extend((0..6).map(|_| Event::Sum(empty.clone())));
        events.push(Event::Sum("11".repeat(32)));
        let mut budget = MAX_WORK_PER_GROUP;
        let (blocks, proven) = split(events, &mut budget);
        assert!(!proven);
        assert_eq!(blocks.len(), 25);
        // One path down (each sum tried on one empty block), not 25!/18! of them.
        let used = MAX_WORK_PER_GROUP - budget;
        assert!(used < 100_000, "{used}");

        // A budget spent is a guess, not a search.
        let plain = block(&["go1.27.3", "compile\n"]);
        let events = vec![
            Event::Open,
            Event::Input(plain[0].clone()),
            Event::Input(plain[1].clone()),
            Event::Sum(sum_of(&plain)),
        ];
        assert!(split(events.clone(), &mut unlimited()).1);
        let mut none = 0;
        assert!(!split(events, &mut none).1);
    }

    #[test]
    fn guesses_without_a_proof() {
        let events = vec![
            Event::Open,
            Event::Input("a\n".into()),
            Event::Open,
            Event::Input("b\n".into()),
            Event::Sum("00".repeat(32)),
        ];
        let (blocks, proven) = split(events, &mut unlimited());
        assert!(!proven);
        assert_eq!(blocks.len(), 2);
    }
}
