//! Splitting a contest's prize pool: a ladder of per-rank prizes, or a split in proportion to score.
//!
//! Money is integer minor units (`i64`); every intermediate product is computed in `i128`, every
//! division rounds down, and whatever rounding (or an unfilled rank) leaves over is the
//! [`Split::remainder`], which goes to the house: it stays in the contest's pool account. So for
//! every split, `sum(prizes) + remainder == pool` and nothing is ever paid beyond the pool.
//!
//! # Ranks
//!
//! Standings use 1-based competition ranking: tied players share a rank and the next rank skips
//! the places they cover ("1, 2, 2, 4"). [`competition_ranks`] assigns such ranks to a list already
//! sorted best-first. Rank 0 is not a rank: rows carrying it are ignored.
//!
//! # The tie rule
//!
//! Under a ladder, the `k` players tied at rank `r` cover ranks `r..=r+k−1`. Each of them gets
//! `floor(S / k)`, where `S` is the sum of the prizes of those `k` ranks. What the division leaves
//! over (`S − k × floor(S / k)`, less than `k` minor units), and the prizes of ranks nobody holds
//! (fewer players than prize ranks), are the remainder, which goes to the house.
//!
//! Example: ranks 1, 2 and 3 pay 300 000, 200 000 and 100 000; two players tied at rank 2 cover
//! ranks 2 and 3 and get `(200 000 + 100 000) / 2 = 150 000` each; three players tied at rank 1
//! cover ranks 1 to 3 and get `600 000 / 3 = 200 000` each.
//!
//! # Defensive handling of malformed input
//!
//! Callers pass standings sorted by rank with consistent competition ranks and a ladder accepted
//! by [`check_ladder`]. When they do not, the split still never pays more than the pool and tied
//! players still get equal amounts:
//! - standings not sorted by rank are sorted (a copy) by `(rank, user_id)`;
//! - a user listed more than once keeps only his best-ranked row;
//! - a rank is never paid twice: when inconsistent ranks make two tie groups claim the same rank
//!   (as "1, 1, 2" does), the later group covers only the ranks not already covered;
//! - a tie group's total is capped at what is left of the pool (only a ladder paying more than its
//!   pool reaches the cap; the better ranks are then paid first);
//! - a pool ≤ 0 pays nothing, negative amounts pay nothing.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::UserId;

/// Basis points in a whole (100 %).
pub const BASIS_POINTS_WHOLE: u32 = 10_000;

/// One row of final standings. `rank` is 1-based competition ranking: tied players share a rank
/// and the next rank skips ("1, 2, 2, 4").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// The player.
    pub user_id: UserId,
    /// The player's final rank (1 is first; 0 is not a rank and is ignored).
    pub rank: u32,
    /// The player's final score (used by [`proportional`]).
    pub score: i64,
}

/// What one rank of a ladder pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Share {
    /// A fixed amount in minor units.
    Amount(i64),
    /// Basis points of the pool (percent 30 → 3000), rounded down to the minor unit.
    BasisPoints(u32),
}

/// Ranks `from..=to` each get `share`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The first rank of the step (≥ 1).
    pub from: u32,
    /// The last rank of the step (≥ `from`).
    pub to: u32,
    /// What each rank of the step pays.
    pub share: Share,
}

/// One player's prize.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prize {
    /// The player.
    pub user_id: UserId,
    /// The player's rank in the standings.
    pub rank: u32,
    /// The prize in minor units (always > 0 in a [`Split`]).
    pub amount: i64,
}

/// `prizes` (only amounts > 0, in standings order) plus `remainder` always equals the pool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// The pool that was split, in minor units.
    pub pool: i64,
    /// The prizes, only amounts > 0, in standings order.
    pub prizes: Vec<Prize>,
    /// The sum of the prizes (never more than the pool).
    pub paid: i64,
    /// `pool − paid`: rounding leftovers and unfilled ranks, which go to the house.
    pub remainder: i64,
}

/// The amount one rank of a step pays: a fixed amount, or `floor(pool × bp / 10000)`.
///
/// Negative amounts and shares of a pool ≤ 0 pay 0.
fn share_amount(pool: i64, share: Share) -> i128 {
    match share {
        Share::Amount(amount) => i128::from(amount.max(0)),
        Share::BasisPoints(bp) => {
            i128::from(pool.max(0)) * i128::from(bp) / i128::from(BASIS_POINTS_WHOLE)
        }
    }
}

/// Clamps an `i128` amount into `0..=i64::MAX`.
fn clamp_amount(amount: i128) -> i64 {
    i64::try_from(amount.max(0)).unwrap_or(i64::MAX)
}

/// The amount rank `rank` pays under `steps` for `pool` (0 beyond the ladder). Basis points:
/// floor(pool × bp / 10000).
///
/// The first step containing `rank` decides (a valid ladder has only one). Rank 0, negative
/// amounts and basis points of a pool ≤ 0 pay 0; a result beyond `i64::MAX` is clamped to it.
pub fn rank_prize(pool: i64, steps: &[Step], rank: u32) -> i64 {
    if rank == 0 {
        return 0;
    }
    steps
        .iter()
        .find(|step| step.from <= rank && rank <= step.to)
        .map_or(0, |step| clamp_amount(share_amount(pool, step.share)))
}

/// The number of ranks a step covers (`from` is raised to 1; 0 when `from > to`).
fn step_ranks(step: &Step) -> u64 {
    let from = step.from.max(1);
    if from > step.to {
        0
    } else {
        u64::from(step.to - from) + 1
    }
}

/// Total the ladder pays when every rank is filled once; used to refuse a ladder paying more than
/// its pool.
///
/// Each step counts `(to − from + 1) × share` (computed as [`rank_prize`] computes one rank).
/// Overlapping steps, which [`check_ladder`] refuses, are each counted in full, so the result is
/// then an upper bound. Saturates at `i128::MAX` (unreachable with real ladders).
pub fn ladder_total(pool: i64, steps: &[Step]) -> i128 {
    steps.iter().fold(0i128, |total, step| {
        let per_rank = i128::from(clamp_amount(share_amount(pool, step.share)));
        total.saturating_add(per_rank.saturating_mul(i128::from(step_ranks(step))))
    })
}

/// Checks steps: from ≥ 1, from ≤ to, no overlap, amounts/bp > 0, total ≤ pool. Err(String)
/// describes the problem.
///
/// Also refused: a negative pool, and basis points adding up to more than 10000 (100 %) over the
/// whole ladder, which would overpay any large enough pool even when rounding hides it for this
/// one. An empty ladder is valid (it pays nothing).
pub fn check_ladder(pool: i64, steps: &[Step]) -> Result<(), String> {
    if pool < 0 {
        return Err(format!("the pool is negative ({pool})"));
    }
    let mut basis_points: u128 = 0;
    for (index, step) in steps.iter().enumerate() {
        let number = index + 1;
        if step.from < 1 {
            return Err(format!(
                "step {number}: ranks start at 1, not {}",
                step.from
            ));
        }
        if step.from > step.to {
            return Err(format!(
                "step {number}: first rank {} is after last rank {}",
                step.from, step.to
            ));
        }
        match step.share {
            Share::Amount(amount) if amount <= 0 => {
                return Err(format!(
                    "step {number}: amount must be positive, not {amount}"
                ));
            }
            Share::BasisPoints(0) => {
                return Err(format!(
                    "step {number}: basis points must be positive, not 0"
                ));
            }
            Share::BasisPoints(bp) => {
                basis_points = basis_points
                    .saturating_add(u128::from(bp).saturating_mul(u128::from(step_ranks(step))));
            }
            Share::Amount(_) => {}
        }
    }
    let mut order: Vec<usize> = (0..steps.len()).collect();
    order.sort_by_key(|&index| (steps[index].from, steps[index].to, index));
    for pair in order.windows(2) {
        if let [first, second] = *pair
            && steps[second].from <= steps[first].to
        {
            let (a, b) = (first.min(second), first.max(second));
            return Err(format!(
                "step {} (ranks {}..={}) overlaps step {} (ranks {}..={})",
                a + 1,
                steps[a].from,
                steps[a].to,
                b + 1,
                steps[b].from,
                steps[b].to
            ));
        }
    }
    if basis_points > u128::from(BASIS_POINTS_WHOLE) {
        return Err(format!(
            "the ladder's basis points add up to {basis_points}, more than {BASIS_POINTS_WHOLE} (100%)"
        ));
    }
    let total = ladder_total(pool, steps);
    if total > i128::from(pool) {
        return Err(format!(
            "the ladder pays {total} in total, more than the pool of {pool}"
        ));
    }
    Ok(())
}

/// The rows that take part in a split: rank 0 dropped, sorted by `(rank, user_id)` unless already
/// sorted by rank, and each user's first (best) row only.
fn normalized(standings: &[Standing]) -> Vec<Standing> {
    let mut rows: Vec<Standing> = standings.iter().copied().filter(|s| s.rank >= 1).collect();
    if !rows.windows(2).all(|w| w[0].rank <= w[1].rank) {
        rows.sort_by_key(|s| (s.rank, s.user_id));
    }
    let mut seen = BTreeSet::new();
    rows.retain(|s| seen.insert(s.user_id));
    rows
}

/// Builds a split from per-row amounts, keeping only amounts > 0.
fn split_of(pool: i64, rows: &[Standing], amounts: &[i64]) -> Split {
    let prizes: Vec<Prize> = rows
        .iter()
        .zip(amounts)
        .filter(|(_, amount)| **amount > 0)
        .map(|(row, amount)| Prize {
            user_id: row.user_id,
            rank: row.rank,
            amount: *amount,
        })
        .collect();
    let paid: i128 = prizes.iter().map(|p| i128::from(p.amount)).sum();
    let paid = clamp_amount(paid);
    Split {
        pool,
        prizes,
        paid,
        // paid ≤ max(pool, 0) by construction, so this cannot overflow; saturate regardless.
        remainder: pool.saturating_sub(paid),
    }
}

/// Ladder split. TIE RULE (see the module doc): players tied at rank r, k of them, cover ranks
/// r..=r+k−1; each gets floor(sum of those ranks' prizes / k); what floor leaves over — and the
/// prizes of ranks nobody holds — is the remainder, which goes to the house (stays in the pool
/// account).
///
/// Never pays more than `pool`, even for a ladder [`check_ladder`] refuses (see the module doc).
pub fn ladder(pool: i64, steps: &[Step], standings: &[Standing]) -> Split {
    let rows = normalized(standings);
    let mut amounts = vec![0i64; rows.len()];
    if pool <= 0 {
        return split_of(pool, &rows, &amounts);
    }
    let last_paid_rank = steps.iter().map(|s| u64::from(s.to)).max().unwrap_or(0);
    let mut left = i128::from(pool);
    // The lowest rank no earlier group has covered.
    let mut next_free: u64 = 1;
    let mut start = 0;
    while start < rows.len() {
        let rank = rows[start].rank;
        let end = rows[start..]
            .iter()
            .position(|s| s.rank != rank)
            .map_or(rows.len(), |offset| start + offset);
        let k = end - start;
        let group_last = u64::from(rank).saturating_add((k as u64).saturating_sub(1));
        let first = u64::from(rank).max(next_free);
        let mut sum: i128 = 0;
        let mut covered = first;
        while covered <= group_last && covered <= last_paid_rank {
            if let Ok(covered_rank) = u32::try_from(covered) {
                sum = sum.saturating_add(i128::from(rank_prize(pool, steps, covered_rank)));
            }
            covered += 1;
        }
        next_free = next_free.max(group_last.saturating_add(1));
        let sum = sum.min(left);
        let each = sum / k as i128;
        left -= each * k as i128;
        for amount in &mut amounts[start..end] {
            *amount = clamp_amount(each);
        }
        start = end;
    }
    split_of(pool, &rows, &amounts)
}

/// Proportional split: the players ranked within `places` (all when None; a tie group straddling
/// the cut is included whole) with score > 0 share the pool in proportion to score:
/// floor(pool × score / total_score). Remainder to the house. Equal scores get equal amounts by
/// construction.
///
/// `total_score` is the sum of the scores of the sharing players. With competition ranks, a tie
/// group straddling the cut has a rank within `places`, so "rank ≤ places" includes it whole.
/// A pool ≤ 0 pays nothing.
pub fn proportional(pool: i64, standings: &[Standing], places: Option<u32>) -> Split {
    let rows = normalized(standings);
    let sharing = |s: &Standing| s.score > 0 && places.is_none_or(|p| s.rank <= p);
    let total: i128 = rows
        .iter()
        .filter(|s| sharing(s))
        .map(|s| i128::from(s.score))
        .sum();
    let amounts: Vec<i64> = rows
        .iter()
        .map(|s| {
            if pool <= 0 || total <= 0 || !sharing(s) {
                0
            } else {
                // pool < 2^63 and score < 2^63: the product fits an i128.
                clamp_amount(i128::from(pool) * i128::from(s.score) / total)
            }
        })
        .collect();
    split_of(pool, &rows, &amounts)
}

/// A pool funded from the contest's stakes: fixed + floor(stakes × share_bp / 10000), capped at
/// `ceiling` when given; never negative.
///
/// Computed in `i128`; the result is clamped into `0..=i64::MAX`.
pub fn funded_pool(fixed: i64, stakes: i64, share_bp: u32, ceiling: Option<i64>) -> i64 {
    let share =
        (i128::from(stakes) * i128::from(share_bp)).div_euclid(i128::from(BASIS_POINTS_WHOLE));
    let mut pool = i128::from(fixed) + share;
    if let Some(ceiling) = ceiling {
        pool = pool.min(i128::from(ceiling));
    }
    clamp_amount(pool)
}

/// Ranks standings: given a total order already sorted best-first with a flag telling whether each
/// row is tied with the previous one, assigns competition ranks ("1, 2, 2, 4"). The first
/// element's flag is ignored.
///
/// Ranks beyond `u32::MAX` saturate (unreachable with real standings).
pub fn competition_ranks(tied_with_previous: &[bool]) -> Vec<u32> {
    let mut ranks: Vec<u32> = Vec::with_capacity(tied_with_previous.len());
    for (index, tied) in tied_with_previous.iter().enumerate() {
        let rank = match ranks.last() {
            Some(previous) if *tied => *previous,
            _ => u32::try_from(index + 1).unwrap_or(u32::MAX),
        };
        ranks.push(rank);
    }
    ranks
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const POOL: i64 = 1_000_000;

    /// The example ladder: rank 1 30 %, rank 2 20 %, rank 3 10 %, ranks 4–10 5 % each.
    fn example_ladder() -> Vec<Step> {
        vec![
            Step {
                from: 1,
                to: 1,
                share: Share::BasisPoints(3000),
            },
            Step {
                from: 2,
                to: 2,
                share: Share::BasisPoints(2000),
            },
            Step {
                from: 3,
                to: 3,
                share: Share::BasisPoints(1000),
            },
            Step {
                from: 4,
                to: 10,
                share: Share::BasisPoints(500),
            },
        ]
    }

    /// Standings from scores sorted best-first (equal scores tie), user ids 1, 2, 3…
    fn standings_of(scores: &[i64]) -> Vec<Standing> {
        let mut sorted = scores.to_vec();
        sorted.sort_by(|a, b| b.cmp(a));
        let tied: Vec<bool> = sorted
            .iter()
            .enumerate()
            .map(|(i, s)| i > 0 && sorted[i - 1] == *s)
            .collect();
        competition_ranks(&tied)
            .into_iter()
            .zip(sorted)
            .enumerate()
            .map(|(i, (rank, score))| Standing {
                user_id: i as i64 + 1,
                rank,
                score,
            })
            .collect()
    }

    fn amount_of(split: &Split, user_id: UserId) -> i64 {
        split
            .prizes
            .iter()
            .find(|p| p.user_id == user_id)
            .map_or(0, |p| p.amount)
    }

    fn assert_balanced(split: &Split) {
        let sum: i128 = split.prizes.iter().map(|p| i128::from(p.amount)).sum();
        assert_eq!(sum, i128::from(split.paid));
        assert_eq!(
            i128::from(split.paid) + i128::from(split.remainder),
            i128::from(split.pool)
        );
        assert!(split.paid <= split.pool.max(0));
        assert!(split.prizes.iter().all(|p| p.amount > 0));
    }

    #[test]
    fn example_ladder_is_valid_and_totals_950_000() {
        assert_eq!(check_ladder(POOL, &example_ladder()), Ok(()));
        assert_eq!(ladder_total(POOL, &example_ladder()), 950_000);
        assert_eq!(rank_prize(POOL, &example_ladder(), 1), 300_000);
        assert_eq!(rank_prize(POOL, &example_ladder(), 10), 50_000);
        assert_eq!(rank_prize(POOL, &example_ladder(), 11), 0);
        assert_eq!(rank_prize(POOL, &example_ladder(), 0), 0);
    }

    #[test]
    fn example_ladder_without_ties() {
        let scores: Vec<i64> = (1..=12).rev().collect();
        let split = ladder(POOL, &example_ladder(), &standings_of(&scores));
        let amounts: Vec<i64> = split.prizes.iter().map(|p| p.amount).collect();
        assert_eq!(
            amounts,
            [
                300_000, 200_000, 100_000, 50_000, 50_000, 50_000, 50_000, 50_000, 50_000, 50_000
            ]
        );
        let ranks: Vec<u32> = split.prizes.iter().map(|p| p.rank).collect();
        assert_eq!(ranks, (1..=10).collect::<Vec<u32>>());
        // 30 % + 20 % + 10 % + 7 × 5 % = 95 %: the other 5 % stays with the house.
        assert_eq!(split.paid, 950_000);
        assert_eq!(split.remainder, 50_000);
        assert_balanced(&split);
    }

    #[test]
    fn two_tied_at_rank_two_share_ranks_two_and_three() {
        let scores = [100, 90, 90, 80, 70];
        let standings = standings_of(&scores);
        assert_eq!(
            standings.iter().map(|s| s.rank).collect::<Vec<_>>(),
            [1, 2, 2, 4, 5]
        );
        let split = ladder(POOL, &example_ladder(), &standings);
        assert_eq!(amount_of(&split, 1), 300_000);
        assert_eq!(amount_of(&split, 2), 150_000);
        assert_eq!(amount_of(&split, 3), 150_000);
        assert_eq!(amount_of(&split, 4), 50_000);
        assert_eq!(amount_of(&split, 5), 50_000);
        // Ranks 6 to 10 (5 × 50 000) are unfilled, plus the unallocated 5 %.
        assert_eq!(split.remainder, 50_000 + 5 * 50_000);
        assert_balanced(&split);
    }

    #[test]
    fn three_tied_at_rank_one_share_the_top_three() {
        let steps = [
            Step {
                from: 1,
                to: 1,
                share: Share::Amount(300_001),
            },
            Step {
                from: 2,
                to: 2,
                share: Share::Amount(200_000),
            },
            Step {
                from: 3,
                to: 3,
                share: Share::Amount(100_000),
            },
        ];
        let split = ladder(POOL, &steps, &standings_of(&[5, 5, 5, 1]));
        // 600 001 / 3 = 200 000 each, 1 left over; rank 4 pays nothing.
        assert_eq!(split.prizes.len(), 3);
        assert!(
            split
                .prizes
                .iter()
                .all(|p| p.amount == 200_000 && p.rank == 1)
        );
        assert_eq!(split.paid, 600_000);
        assert_eq!(split.remainder, POOL - 600_000);
        assert_balanced(&split);

        let split = ladder(POOL, &example_ladder(), &standings_of(&[5, 5, 5]));
        assert!(split.prizes.iter().all(|p| p.amount == 200_000));
        assert_eq!(split.remainder, 400_000);
    }

    #[test]
    fn fewer_players_than_prize_ranks_leave_the_rest_to_the_house() {
        let split = ladder(POOL, &example_ladder(), &standings_of(&[10, 5]));
        assert_eq!(amount_of(&split, 1), 300_000);
        assert_eq!(amount_of(&split, 2), 200_000);
        assert_eq!(split.paid, 500_000);
        assert_eq!(split.remainder, 500_000);
        let split = ladder(POOL, &example_ladder(), &[]);
        assert!(split.prizes.is_empty());
        assert_eq!(split.remainder, POOL);
    }

    #[test]
    fn unsorted_duplicated_and_zero_ranked_rows_are_handled() {
        let standings = [
            Standing {
                user_id: 7,
                rank: 2,
                score: 5,
            },
            Standing {
                user_id: 9,
                rank: 0,
                score: 99,
            },
            Standing {
                user_id: 3,
                rank: 1,
                score: 9,
            },
            Standing {
                user_id: 3,
                rank: 3,
                score: 1,
            },
        ];
        let split = ladder(POOL, &example_ladder(), &standings);
        assert_eq!(
            split.prizes,
            [
                Prize {
                    user_id: 3,
                    rank: 1,
                    amount: 300_000
                },
                Prize {
                    user_id: 7,
                    rank: 2,
                    amount: 200_000
                }
            ]
        );
        assert_balanced(&split);
    }

    #[test]
    fn inconsistent_ranks_never_pay_a_rank_twice() {
        // "1, 1, 2": the pair at rank 1 covers ranks 1 and 2, so the player at 2 gets nothing.
        let standings = [(1, 1), (2, 1), (3, 2)].map(|(user_id, rank)| Standing {
            user_id,
            rank,
            score: 1,
        });
        let split = ladder(POOL, &example_ladder(), &standings);
        assert_eq!(amount_of(&split, 1), 250_000);
        assert_eq!(amount_of(&split, 2), 250_000);
        assert_eq!(amount_of(&split, 3), 0);
        assert_balanced(&split);
    }

    #[test]
    fn overpaying_ladder_is_capped_at_the_pool() {
        let steps = [Step {
            from: 1,
            to: 3,
            share: Share::Amount(400),
        }];
        assert!(check_ladder(1000, &steps).is_err());
        let split = ladder(1000, &steps, &standings_of(&[3, 2, 1]));
        assert_eq!(
            split.prizes.iter().map(|p| p.amount).collect::<Vec<_>>(),
            [400, 400, 200]
        );
        assert_eq!(split.remainder, 0);
    }

    #[test]
    fn non_positive_pool_pays_nothing() {
        for pool in [0, -5, i64::MIN] {
            let split = ladder(pool, &example_ladder(), &standings_of(&[3, 2, 1]));
            assert!(split.prizes.is_empty());
            assert_eq!(split.remainder, pool);
            let split = proportional(pool, &standings_of(&[3, 2, 1]), None);
            assert!(split.prizes.is_empty());
            assert_eq!(split.remainder, pool);
        }
    }

    #[test]
    fn check_ladder_refuses_bad_ladders() {
        let step = |from, to, share| Step { from, to, share };
        let overlap = [step(1, 3, Share::Amount(10)), step(3, 5, Share::Amount(5))];
        let err = check_ladder(POOL, &overlap).unwrap_err();
        assert!(err.contains("overlap"), "{err}");
        // Overlap found whatever the order of the steps.
        let overlap = [
            step(6, 9, Share::Amount(1)),
            step(4, 6, Share::Amount(5)),
            step(1, 3, Share::Amount(10)),
        ];
        let err = check_ladder(POOL, &overlap).unwrap_err();
        assert!(err.contains("step 1") && err.contains("step 2"), "{err}");

        let over = [
            step(1, 1, Share::Amount(600_000)),
            step(2, 2, Share::Amount(400_001)),
        ];
        let err = check_ladder(POOL, &over).unwrap_err();
        assert!(err.contains("1000001"), "{err}");
        assert_eq!(check_ladder(1_000_001, &over), Ok(()));

        let over_bp = [step(1, 2, Share::BasisPoints(5001))];
        assert!(check_ladder(POOL, &over_bp).is_err());
        // Rounding hides the overpayment for a tiny pool; the basis points still refuse it.
        assert!(
            check_ladder(1, &over_bp)
                .unwrap_err()
                .contains("basis points")
        );

        assert!(check_ladder(POOL, &[step(0, 1, Share::Amount(1))]).is_err());
        assert!(check_ladder(POOL, &[step(3, 2, Share::Amount(1))]).is_err());
        assert!(check_ladder(POOL, &[step(1, 1, Share::Amount(0))]).is_err());
        assert!(check_ladder(POOL, &[step(1, 1, Share::Amount(-1))]).is_err());
        assert!(check_ladder(POOL, &[step(1, 1, Share::BasisPoints(0))]).is_err());
        assert!(check_ladder(-1, &[]).is_err());
        assert_eq!(check_ladder(0, &[]), Ok(()));
        // A huge ladder does not overflow.
        let huge = [step(1, u32::MAX, Share::Amount(i64::MAX))];
        assert!(check_ladder(i64::MAX, &huge).is_err());
        assert!(ladder_total(i64::MAX, &huge) > i128::from(i64::MAX));
    }

    #[test]
    fn proportional_split() {
        let standings = standings_of(&[50, 30, 20, 0, -4]);
        let split = proportional(1000, &standings, None);
        assert_eq!(
            split.prizes.iter().map(|p| p.amount).collect::<Vec<_>>(),
            [500, 300, 200]
        );
        assert_eq!(split.remainder, 0);

        let split = proportional(1000, &standings_of(&[1, 1, 1]), None);
        assert!(split.prizes.iter().all(|p| p.amount == 333));
        assert_eq!(split.remainder, 1);

        // Places 2 with a tie straddling the cut: ranks 1, 2, 2, 4 → three players share.
        let split = proportional(1000, &standings_of(&[40, 30, 30, 20]), Some(2));
        assert_eq!(
            split.prizes.iter().map(|p| p.amount).collect::<Vec<_>>(),
            [400, 300, 300]
        );
        let split = proportional(1000, &standings_of(&[40, 30]), Some(0));
        assert!(split.prizes.is_empty());
        assert_eq!(split.remainder, 1000);
        // Huge scores and pool do not overflow.
        let split = proportional(i64::MAX, &standings_of(&[i64::MAX, i64::MAX, 1]), None);
        assert_balanced(&split);
    }

    #[test]
    fn funded_pool_examples() {
        assert_eq!(funded_pool(1000, 50_000, 1000, None), 6000);
        assert_eq!(funded_pool(1000, 50_000, 1000, Some(4000)), 4000);
        assert_eq!(funded_pool(0, 9_999, 1, None), 0);
        assert_eq!(funded_pool(-500, 1000, 1000, None), 0);
        assert_eq!(funded_pool(10, 100, 0, Some(-3)), 0);
        assert_eq!(funded_pool(i64::MAX, i64::MAX, u32::MAX, None), i64::MAX);
        assert_eq!(funded_pool(i64::MIN, i64::MIN, u32::MAX, None), 0);
    }

    #[test]
    fn competition_ranks_skip_after_ties() {
        assert_eq!(
            competition_ranks(&[true, true, false, true, false, false]),
            [1, 1, 3, 3, 5, 6]
        );
        assert_eq!(
            competition_ranks(&[false, false, true, false]),
            [1, 2, 2, 4]
        );
        assert!(competition_ranks(&[]).is_empty());
    }

    fn share_strategy() -> impl Strategy<Value = Share> {
        prop_oneof![
            (-10i64..2_000_000).prop_map(Share::Amount),
            (0u32..12_000).prop_map(Share::BasisPoints),
            Just(Share::Amount(i64::MAX)),
        ]
    }

    /// Arbitrary (possibly invalid: overlapping, overpaying) ladders.
    fn ladder_strategy() -> impl Strategy<Value = Vec<Step>> {
        proptest::collection::vec(
            (0u32..15, 0u32..6, share_strategy()).prop_map(|(from, len, share)| Step {
                from,
                to: from.saturating_add(len),
                share,
            }),
            0..6,
        )
    }

    /// A valid non-increasing ladder (one step per rank) and a pool covering it.
    fn valid_ladder_strategy() -> impl Strategy<Value = (i64, Vec<Step>)> {
        (
            proptest::collection::vec(1i64..100_000, 0..12),
            0i64..1_000_000,
        )
            .prop_map(|(mut amounts, extra)| {
                amounts.sort_by(|a, b| b.cmp(a));
                let total: i64 = amounts.iter().sum();
                let steps = amounts
                    .iter()
                    .enumerate()
                    .map(|(i, amount)| Step {
                        from: i as u32 + 1,
                        to: i as u32 + 1,
                        share: Share::Amount(*amount),
                    })
                    .collect();
                (total + extra, steps)
            })
    }

    fn scores_strategy() -> impl Strategy<Value = Vec<i64>> {
        proptest::collection::vec(prop_oneof![-5i64..20, Just(i64::MAX)], 0..25)
    }

    proptest! {
        #[test]
        fn ladder_always_balances_and_ties_get_equal_amounts(
            pool in prop_oneof![-10i64..3_000_000, Just(i64::MAX)],
            steps in ladder_strategy(),
            scores in scores_strategy(),
        ) {
            let standings = standings_of(&scores);
            let split = ladder(pool, &steps, &standings);
            assert_balanced(&split);
            for a in &standings {
                for b in &standings {
                    if a.rank == b.rank {
                        prop_assert_eq!(amount_of(&split, a.user_id), amount_of(&split, b.user_id));
                    }
                }
            }
        }

        #[test]
        fn valid_non_increasing_ladder_never_pays_a_better_rank_less(
            (pool, steps) in valid_ladder_strategy(),
            scores in scores_strategy(),
        ) {
            prop_assert_eq!(check_ladder(pool, &steps), Ok(()));
            let standings = standings_of(&scores);
            let split = ladder(pool, &steps, &standings);
            assert_balanced(&split);
            // Without ties, every rank holder gets exactly its rank's prize.
            for a in &standings {
                for b in &standings {
                    if a.rank < b.rank {
                        prop_assert!(amount_of(&split, a.user_id) >= amount_of(&split, b.user_id));
                    }
                }
            }
            if standings.windows(2).all(|w| w[0].rank != w[1].rank) {
                for s in &standings {
                    prop_assert_eq!(amount_of(&split, s.user_id), rank_prize(pool, &steps, s.rank));
                }
            }
        }

        #[test]
        fn tie_group_gets_the_floor_of_its_ranks_average(
            (pool, steps) in valid_ladder_strategy(),
            scores in scores_strategy(),
        ) {
            let standings = standings_of(&scores);
            let split = ladder(pool, &steps, &standings);
            for s in &standings {
                let k = standings.iter().filter(|o| o.rank == s.rank).count() as u32;
                let sum: i64 = (s.rank..s.rank + k).map(|r| rank_prize(pool, &steps, r)).sum();
                prop_assert_eq!(amount_of(&split, s.user_id), sum / i64::from(k));
            }
        }

        #[test]
        fn proportional_balances_and_is_monotone_in_score(
            pool in prop_oneof![-10i64..3_000_000, Just(i64::MAX)],
            scores in scores_strategy(),
            places in proptest::option::of(0u32..30),
        ) {
            let standings = standings_of(&scores);
            let split = proportional(pool, &standings, places);
            assert_balanced(&split);
            for a in &standings {
                for b in &standings {
                    let (x, y) = (amount_of(&split, a.user_id), amount_of(&split, b.user_id));
                    if a.score == b.score {
                        prop_assert_eq!(x, y);
                    }
                    if a.score > b.score {
                        prop_assert!(x >= y);
                    }
                }
            }
        }

        #[test]
        fn funded_pool_is_never_negative_nor_above_its_ceiling(
            fixed in any::<i64>(),
            stakes in any::<i64>(),
            share_bp in any::<u32>(),
            ceiling in proptest::option::of(any::<i64>()),
        ) {
            let pool = funded_pool(fixed, stakes, share_bp, ceiling);
            prop_assert!(pool >= 0);
            if let Some(ceiling) = ceiling {
                prop_assert!(pool <= ceiling.max(0));
            }
        }

        #[test]
        fn rank_prize_and_check_ladder_never_panic(
            pool in any::<i64>(),
            steps in ladder_strategy(),
            rank in any::<u32>(),
        ) {
            prop_assert!(rank_prize(pool, &steps, rank) >= 0);
            let _ = check_ladder(pool, &steps);
            if check_ladder(pool, &steps).is_ok() {
                prop_assert!(ladder_total(pool, &steps) <= i128::from(pool));
            }
        }
    }
}
