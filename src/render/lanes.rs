//! Worker lanes for timelines: Go runs up to `-p` actions at once but does not say which
//! worker ran which, so lanes are reconstructed from start/end times. Greedy interval
//! partitioning (earliest start first, into the lane that became free first) uses the fewest
//! lanes possible, which equals the peak parallelism.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Assigns each `(start, end)` span a lane; spans in one lane never overlap. Spans whose
/// times are not finite get lane 0 and do not occupy it. Returns one lane per span and
/// the number of lanes.
pub fn assign(spans: &[(f64, f64)]) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..spans.len())
        .filter(|&i| spans[i].0.is_finite() && spans[i].1.is_finite())
        .collect();
    order.sort_by(|&a, &b| spans[a].0.total_cmp(&spans[b].0).then(a.cmp(&b)));
    let mut lanes = vec![0; spans.len()];
    // (lane end, lane), smallest end first; ends are compared as ordered bits.
    let mut free: BinaryHeap<Reverse<(OrderedF64, usize)>> = BinaryHeap::new();
    let mut count = 0;
    for i in order {
        let (start, end) = spans[i];
        let lane = match free.peek() {
            Some(&Reverse((OrderedF64(lane_end), lane))) if lane_end <= start => {
                free.pop();
                lane
            }
            _ => {
                count += 1;
                count - 1
            }
        };
        lanes[i] = lane;
        free.push(Reverse((OrderedF64(end.max(start)), lane)));
    }
    (lanes, count.max(usize::from(!spans.is_empty())))
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct OrderedF64(f64);
impl Eq for OrderedF64 {}
impl PartialOrd for OrderedF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrderedF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::assign;

    #[test]
    fn lanes_equal_peak_parallelism_and_never_overlap() {
        let spans = [(0.0, 4.0), (1.0, 2.0), (2.0, 5.0), (3.0, 3.5), (4.0, 6.0)];
        let (lanes, count) = assign(&spans);
        assert_eq!(count, 3);
        for i in 0..spans.len() {
            for j in i + 1..spans.len() {
                if lanes[i] == lanes[j] {
                    let (a, b) = (spans[i], spans[j]);
                    assert!(a.1 <= b.0 || b.1 <= a.0, "{a:?} and {b:?} overlap");
                }
            }
        }
    }

    #[test]
    fn odd_times_do_not_panic() {
        let (lanes, count) = assign(&[(f64::NAN, 1.0), (5.0, 1.0), (f64::INFINITY, 2.0)]);
        assert_eq!(lanes.len(), 3);
        assert_eq!(count, 1);
        assert_eq!(assign(&[]).1, 0);
    }
}
