//! How the wall-time delta is shared among causes, in whole microseconds so the parts add
//! up exactly.
//!
//! Actions are paired across the builds (same mode, same package). Each pair's duration
//! delta goes to one group: a new miss to HEAD's cause of it (kind and origin, as `report`
//! groups them), a fixed miss to BASE's cause, an unchanged outcome to `duration`, and
//! actions on one side only to `added` / `removed`. Actions overlap, so a group's summed
//! action-time delta is more than the wall time it cost: it is divided by the measured
//! parallelism of the build it was spent in (summed action time over wall time; HEAD's for
//! time added, BASE's for time saved). When the scaled groups add up to more than the wall
//! delta (same sign, larger), all of them are scaled down together so they add up to exactly
//! the delta; rounding is toward zero, so they never exceed it. What is left is
//! `unexplained_ms` (scheduling, the Go command's own work, I/O outside actions, noise).

use std::collections::BTreeMap;

use super::side::ms;
use crate::model::compare::{Attribution, AttributionKind, Change};

/// One group's raw material, filled by the pairing in `super`.
#[derive(Debug, Default)]
pub(super) struct Group {
    pub misses: usize,
    pub action_us: i64,
    pub detail: String,
}

/// Groups keyed by (change, kind, origin): a stable order for equal times.
pub(super) type Groups = BTreeMap<(Change, AttributionKind, Option<String>), Group>;

/// Wall time and summed action time of one build.
#[derive(Debug, Clone, Copy)]
pub(super) struct Busy {
    pub wall_us: Option<i64>,
    pub busy_us: i64,
}

impl Busy {
    pub fn parallelism(self) -> Option<f64> {
        let wall = self.wall_us.filter(|w| *w > 0)?;
        Some((self.busy_us as f64 / wall as f64 * 100.0).round() / 100.0)
    }

    /// Action time in this build converted to wall time.
    fn to_wall(self, action_us: i64) -> i64 {
        match self.wall_us {
            Some(wall) if self.busy_us > wall && wall > 0 => {
                (i128::from(action_us) * i128::from(wall) / i128::from(self.busy_us)) as i64
            }
            // No more than one action at a time on average: time counts as it is.
            _ => action_us,
        }
    }
}

/// The result: rows largest first, the remainder, the explained share.
pub(super) struct Shares {
    pub rows: Vec<Attribution>,
    pub unexplained_us: i64,
    pub explained_share: f64,
}

pub(super) fn share(groups: Groups, base: Busy, head: Busy, delta_us: Option<i64>) -> Shares {
    let Some(delta) = delta_us else {
        // No wall time on a side: nothing to share; the rows still say what changed.
        let rows = groups
            .into_iter()
            .map(|(k, g)| row(k, g, 0))
            .collect::<Vec<_>>();
        return Shares {
            rows: sorted(rows),
            unexplained_us: 0,
            explained_share: 0.0,
        };
    };
    let mut scaled: Vec<i64> = groups
        .values()
        .map(|g| {
            if g.action_us >= 0 {
                head.to_wall(g.action_us)
            } else {
                base.to_wall(g.action_us)
            }
        })
        .collect();
    let total: i128 = scaled.iter().map(|&v| i128::from(v)).sum();
    let overshoot =
        (delta >= 0 && total > i128::from(delta)) || (delta < 0 && total < i128::from(delta));
    if overshoot && total != 0 {
        for v in &mut scaled {
            // Integer division truncates toward zero: the sum stays within the delta.
            *v = (i128::from(*v) * i128::from(delta) / total) as i64;
        }
    }
    let explained: i64 = scaled.iter().fold(0i64, |a, &v| a.saturating_add(v));
    let explained_share = if delta == 0 {
        if explained == 0 { 1.0 } else { 0.0 }
    } else {
        ((explained as f64 / delta as f64).clamp(0.0, 1.0) * 10_000.0).round() / 10_000.0
    };
    let rows = groups
        .into_iter()
        .zip(scaled)
        .map(|((k, g), v)| row(k, g, v))
        .collect();
    Shares {
        rows: sorted(rows),
        unexplained_us: delta.saturating_sub(explained),
        explained_share,
    }
}

fn row(
    (change, kind, origin): (Change, AttributionKind, Option<String>),
    g: Group,
    us: i64,
) -> Attribution {
    Attribution {
        change,
        kind,
        origin,
        misses: g.misses,
        time_ms: ms(us),
        action_ms: ms(g.action_us),
        detail: g.detail,
    }
}

/// Largest share (either sign) first; ties in the groups' own order.
fn sorted(mut rows: Vec<Attribution>) -> Vec<Attribution> {
    rows.sort_by(|a, b| {
        b.time_ms
            .abs()
            .total_cmp(&a.time_ms.abs())
            .then(b.action_ms.abs().total_cmp(&a.action_ms.abs()))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(values: &[i64]) -> Groups {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                (
                    (
                        Change::NewMiss,
                        AttributionKind::Duration,
                        Some(format!("k{i}")),
                    ),
                    Group {
                        misses: 1,
                        action_us: v,
                        detail: String::new(),
                    },
                )
            })
            .collect()
    }

    fn total(s: &Shares) -> i64 {
        s.rows
            .iter()
            .map(|r| (r.time_ms * 1000.0).round() as i64)
            .sum::<i64>()
            + s.unexplained_us
    }

    #[test]
    fn parallel_time_is_scaled_and_capped_at_the_delta() {
        // 4 s of actions in 1 s of wall: parallelism 4.
        let head = Busy {
            wall_us: Some(1_000_000),
            busy_us: 4_000_000,
        };
        let base = Busy {
            wall_us: Some(900_000),
            busy_us: 3_000_000,
        };
        let s = share(groups(&[200_000, 120_000]), base, head, Some(100_000));
        assert_eq!(total(&s), 100_000);
        assert_eq!(s.rows[0].time_ms, 50.0);
        assert_eq!(s.rows[1].time_ms, 30.0);
        assert_eq!(s.unexplained_us, 20_000);
        assert_eq!(s.explained_share, 0.8);
        // More attributed than measured: scaled down, never past the delta.
        let s = share(groups(&[2_000_000, 1_000_001]), base, head, Some(100_000));
        assert_eq!(total(&s), 100_000);
        assert!(
            s.unexplained_us >= 0 && s.unexplained_us < 3,
            "{}",
            s.unexplained_us
        );
        assert!(s.explained_share > 0.99);
    }

    #[test]
    fn a_faster_head_gets_negative_shares_and_opposite_signs_explain_nothing() {
        let b = Busy {
            wall_us: Some(2_000_000),
            busy_us: 2_000_000,
        };
        let s = share(groups(&[-3_000_000]), b, b, Some(-1_500_000));
        assert_eq!(total(&s), -1_500_000);
        assert_eq!(s.rows[0].time_ms, -1500.0);
        assert_eq!(s.explained_share, 1.0);
        let s = share(groups(&[-300_000]), b, b, Some(500_000));
        assert_eq!(total(&s), 500_000);
        assert_eq!(s.explained_share, 0.0);
        let s = share(groups(&[]), b, b, Some(0));
        assert_eq!((s.unexplained_us, s.explained_share), (0, 1.0));
    }
}
