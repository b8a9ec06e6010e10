//! A contest's result: its pool and how the pool is split among its final standings.

use serde::{Deserialize, Serialize};

use crate::board::Board;
use crate::def::{Definition, Scheme};
use crate::draw::{self, Entry, Winner};
use crate::prize::{self, Prize, Split};

/// What a finished contest pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Award {
    /// The pool (fixed plus the stake share, capped).
    pub pool: i64,
    /// The split (prizes plus the remainder equal the pool).
    pub split: Split,
    /// The draw's winners (ticket draws only).
    pub winners: Vec<Winner>,
}

/// The pool of a contest whose counted rounds staked `staked`.
#[must_use]
pub fn pool(def: &Definition, staked: i64) -> i64 {
    def.prizes.as_ref().map_or(0, |p| {
        prize::funded_pool(p.pool.fixed, staked, p.pool.stake_share_bp, p.pool.ceiling)
    })
}

/// The tickets of a ticket draw: one per point of score (players at or below zero have none).
#[must_use]
pub fn tickets(board: &Board) -> Vec<Entry> {
    board
        .rows()
        .filter(|r| r.score > 0)
        .map(|r| Entry {
            user_id: r.user_id,
            tickets: u64::try_from(r.score).unwrap_or(0),
        })
        .collect()
}

/// Splits the pool over the board's final standings. `seed` is the contest's revealed draw seed
/// (ticket draws only; without it nobody is drawn).
#[must_use]
pub fn award(def: &Definition, board: &Board, seed: Option<&str>) -> Award {
    let pool = pool(def, board.staked());
    let Some(p) = &def.prizes else {
        return Award {
            pool: 0,
            split: Split {
                pool: 0,
                prizes: Vec::new(),
                paid: 0,
                remainder: 0,
            },
            winners: Vec::new(),
        };
    };
    match &p.scheme {
        Scheme::Ladder { steps } => Award {
            pool,
            split: prize::ladder(pool, steps, &board.standings()),
            winners: Vec::new(),
        },
        Scheme::Proportional { places } => Award {
            pool,
            split: prize::proportional(pool, &board.standings(), *places),
            winners: Vec::new(),
        },
        Scheme::TicketDraw { winners, steps } => {
            let drawn = seed.map_or_else(Vec::new, |s| {
                draw::draw(s, &def.id, &tickets(board), *winners)
            });
            let prizes: Vec<Prize> = drawn
                .iter()
                .map(|w| Prize {
                    user_id: w.user_id,
                    rank: w.place,
                    amount: prize::rank_prize(pool, steps, w.place),
                })
                .filter(|p| p.amount > 0)
                .collect();
            let paid: i64 = prizes.iter().map(|p| p.amount).sum();
            Award {
                pool,
                split: Split {
                    pool,
                    prizes,
                    paid,
                    remainder: pool - paid,
                },
                winners: drawn,
            }
        }
    }
}
