//! The economy simulator: a definition run over historical facts or a synthetic population,
//! forecasting participation, prize cost and payback (prize pool over the contest's stakes; the
//! brief's target is 8–15 %).
//!
//! The synthetic population is seeded (the same seed gives the same forecast): each player's
//! activity is heavy-tailed (most play a little, a few play a lot), stakes come from a ladder of
//! common bet sizes, and each round aims at a multiplier `m` and pays `m × bet` with probability
//! `0.99 / m` (a 1 % house edge, like dice). Guandan contests get matches won half the time and
//! rating changes of ±5 to 25 points.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::award::award;
use crate::board::Board;
use crate::def::{Definition, Mode, Of};
use crate::{Fact, Millis, What};

/// A forecast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// The definition's id.
    pub contest: String,
    /// Players with a counted fact (or who joined).
    pub participants: usize,
    /// Facts read.
    pub events: u64,
    /// Facts counted.
    pub counted: u64,
    /// Facts excluded, per reason.
    pub excluded: std::collections::BTreeMap<String, u64>,
    /// Stakes of the counted rounds (minor units).
    pub stakes: i64,
    /// The prize pool.
    pub prize_pool: i64,
    /// What the prizes pay in all.
    pub prize_total: i64,
    /// Players paid.
    pub winners: usize,
    /// Prize pool over stakes (0 when nothing was staked).
    pub payback_ratio: f64,
    /// The score distribution of the participants.
    pub score: Distribution,
}

/// Quantiles of the scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Distribution {
    /// Lowest.
    pub min: i64,
    /// Median.
    pub p50: i64,
    /// 90th percentile.
    pub p90: i64,
    /// 99th percentile.
    pub p99: i64,
    /// Highest.
    pub max: i64,
}

/// Runs `facts` through the definition and forecasts the result (a ticket draw uses the
/// definition's id as the seed: the forecast's winners are illustrative, its cost is exact).
#[must_use]
pub fn run(def: &Definition, facts: impl IntoIterator<Item = Fact>) -> Option<Forecast> {
    let mut board = Board::new(def)?;
    let mut events = 0u64;
    for f in facts {
        events += 1;
        board.apply(&f);
    }
    let result = award(def, &board, Some(&def.id));
    let mut scores: Vec<i64> = board.rows().map(|r| r.score).collect();
    scores.sort_unstable();
    let q = |p: usize| -> i64 {
        if scores.is_empty() {
            0
        } else {
            scores[((scores.len() - 1) * p) / 100]
        }
    };
    let stakes = board.staked();
    Some(Forecast {
        contest: def.id.clone(),
        participants: board.len(),
        events,
        counted: board.counted(),
        excluded: board
            .excluded()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), *v))
            .collect(),
        stakes,
        prize_pool: result.pool,
        prize_total: result.split.paid,
        winners: result.split.prizes.len(),
        #[allow(clippy::cast_precision_loss)]
        payback_ratio: if stakes > 0 {
            (result.pool as f64 / stakes as f64 * 10_000.0).round() / 10_000.0
        } else {
            0.0
        },
        score: Distribution {
            min: q(0),
            p50: q(50),
            p90: q(90),
            p99: q(99),
            max: scores.last().copied().unwrap_or(0),
        },
    })
}

const BETS: [i64; 7] = [10, 20, 50, 100, 200, 500, 1000];
/// Aimed multipliers, in hundredths.
const TARGETS: [i64; 8] = [110, 150, 200, 300, 500, 1000, 5000, 10_000];

/// A synthetic population of `players` for the definition, seeded by `seed`.
#[must_use]
pub fn synthetic(def: &Definition, players: u32, seed: u64) -> Vec<Fact> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (start, end): (Millis, Millis) = def
        .window
        .unwrap_or((1_767_225_600_000, 1_767_225_600_000 + 86_400_000));
    let span = (end - start).max(1);
    let games: Vec<String> = if def.games.is_empty() {
        vec!["dice".to_owned()]
    } else {
        def.games.clone()
    };
    let currency = def.currency.clone().unwrap_or_else(|| "PLAY".to_owned());
    let guandan = def.scoring.as_ref().is_some_and(|s| {
        matches!(s.mode, Mode::Rating) || matches!(s.of, Of::Matches | Of::MatchWins)
    });
    let mut facts = Vec::new();
    let mut id = 0u64;
    for p in 0..players {
        let user = 1_000 + i64::from(p);
        // Heavy-tailed activity: u³ × 400 rounds, plus one.
        let u: f64 = rng.random();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let rounds = 1 + (u * u * u * 400.0) as u32;
        let bet = BETS[rng.random_range(0..BETS.len())];
        for _ in 0..rounds {
            id += 1;
            let at = start + rng.random_range(0..span);
            let what = if guandan {
                if matches!(def.scoring.as_ref().map(|s| s.mode), Some(Mode::Rating)) {
                    let d = rng.random_range(5..=25);
                    What::Rating {
                        match_id: id.to_string(),
                        delta: if rng.random_bool(0.5) { d } else { -d },
                    }
                } else {
                    What::Match {
                        match_id: id.to_string(),
                        ranked: true,
                        won: rng.random_bool(0.5),
                    }
                }
            } else {
                let target = TARGETS[rng.random_range(0..TARGETS.len())];
                // P(win) = 0.99 / m = 99 / target (target in hundredths).
                let won = rng.random_range(0..target) < 99;
                let win = if won { bet * target / 100 } else { 0 };
                What::Round {
                    game: games[rng.random_range(0..games.len())].clone(),
                    currency: currency.clone(),
                    bet,
                    win,
                    multiplier_units: win * crate::MULTIPLIER_UNITS / bet,
                    duration_ms: rng.random_range(100..2_000),
                }
            };
            facts.push(Fact {
                id: format!("sim:{id}"),
                user_id: user,
                at_ms: at,
                what,
            });
        }
    }
    facts.sort_by_key(|f| f.at_ms);
    facts
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_forecast() {
        let def = crate::def::parse(crate::def::tests::DICE_SPRINT).unwrap();
        let a = run(&def, synthetic(&def, 300, 7)).unwrap();
        let b = run(&def, synthetic(&def, 300, 7)).unwrap();
        assert_eq!(a, b);
        assert!(
            a.participants > 100 && a.participants <= 300,
            "{}",
            a.participants
        );
        assert!(a.excluded.get("min_bet").copied().unwrap_or(0) > 0);
        assert!(a.events >= 300);
        assert!(a.stakes > 0);
        assert_eq!(a.prize_pool, 1_000_000);
        // 30 + 20 + 10 + 7 × 5 = 95 % of the pool, each rank filled by a distinct player.
        assert_eq!(a.prize_total, 950_000);
        assert_eq!(a.winners, 10);
        let c = run(&def, synthetic(&def, 300, 8)).unwrap();
        assert_ne!(a.stakes, c.stakes);
    }
}
