//! European roulette: `pocket = floor(f0 * 37)` (0..=36), and a schema of inside and outside bets.
//!
//! Params: `{"bets": [{"type": "straight", "numbers": [17], "amount": 100}, {"type": "red",
//! "amount": 50}, …]}`. Inside bets name their numbers, which must form a legal group on the
//! layout; dozens and columns name their index 1..=3; even-money bets name nothing. A bet covering
//! `n` numbers returns `36 / n` times its amount (always an integer: no rounding), so every bet has
//! an RTP of exactly 36/37.

use std::collections::BTreeSet;

use fair::{ByteStream, IndexMode, stream::draws_below};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::from_json;
use crate::{GameError, Multiplier, Ratio};

/// Pockets on a European wheel.
pub const POCKETS: u32 = 37;

/// Most bets in one spin.
pub const BETS_MAX: usize = 64;

/// The red numbers; the other non-zero numbers are black.
pub const RED: [u8; 18] = [
    1, 3, 5, 7, 9, 12, 14, 16, 18, 19, 21, 23, 25, 27, 30, 32, 34, 36,
];

/// One bet as the player sends it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawBet {
    /// One number, 0..=36.
    Straight {
        numbers: Vec<u8>,
        amount: u64,
    },
    /// Two adjacent numbers (including 0-1, 0-2, 0-3).
    Split {
        numbers: Vec<u8>,
        amount: u64,
    },
    /// A row of three (1-2-3 … 34-35-36) or a trio with zero (0-1-2, 0-2-3).
    Street {
        numbers: Vec<u8>,
        amount: u64,
    },
    /// Four numbers meeting at a corner, or the first four (0-1-2-3).
    Corner {
        numbers: Vec<u8>,
        amount: u64,
    },
    /// Two adjacent rows (six numbers).
    Line {
        numbers: Vec<u8>,
        amount: u64,
    },
    /// 1 = 1..12, 2 = 13..24, 3 = 25..36.
    Dozen {
        dozen: u8,
        amount: u64,
    },
    /// 1 = 1,4,…,34; 2 = 2,5,…,35; 3 = 3,6,…,36.
    Column {
        column: u8,
        amount: u64,
    },
    Red {
        amount: u64,
    },
    Black {
        amount: u64,
    },
    Odd {
        amount: u64,
    },
    Even {
        amount: u64,
    },
    /// 1..=18.
    Low {
        amount: u64,
    },
    /// 19..=36.
    High {
        amount: u64,
    },
}

/// A validated bet: the numbers it covers and its amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bet {
    pub covers: BTreeSet<u8>,
    pub amount: u64,
}

impl Bet {
    /// Return on a win, stake included: `36 / n`.
    pub fn multiplier(&self) -> u64 {
        36 / self.covers.len() as u64
    }
}

/// Validated roulette params: the bets of one spin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouletteParams {
    pub bets: Vec<Bet>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParams {
    bets: Vec<RawBet>,
}

impl RouletteParams {
    pub fn from_json(params: &Value) -> Result<RouletteParams, GameError> {
        let raw: RawParams = from_json(params)?;
        if raw.bets.is_empty() || raw.bets.len() > BETS_MAX {
            return Err(GameError::params(format!(
                "bets must hold 1 to {BETS_MAX} bets"
            )));
        }
        let bets = raw
            .bets
            .iter()
            .map(validate)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RouletteParams { bets })
    }

    /// The total stake: the sum of the bets' amounts.
    pub fn total(&self) -> Result<u64, GameError> {
        self.bets
            .iter()
            .try_fold(0u64, |sum, bet| sum.checked_add(bet.amount))
            .ok_or(GameError::PayoutOverflow)
    }

    /// Total return on `pocket`, exact.
    pub fn payout(&self, pocket: u8) -> Result<u64, GameError> {
        self.bets
            .iter()
            .filter(|bet| bet.covers.contains(&pocket))
            .try_fold(0u64, |sum, bet| {
                bet.amount
                    .checked_mul(bet.multiplier())
                    .and_then(|won| sum.checked_add(won))
            })
            .ok_or(GameError::PayoutOverflow)
    }

    /// Exact RTP of the whole spread with 37 equally likely pockets.
    pub fn rtp(&self) -> Result<Ratio, GameError> {
        self.rtp_with(|_| 1, u128::from(POCKETS))
    }

    /// Exact RTP over the 2^32 draws of the default `floor(f * 37)` mapping.
    pub fn rtp_u32(&self) -> Result<Ratio, GameError> {
        let draws = |pocket: u8| {
            let p = u32::from(pocket);
            draws_below(p + 1, POCKETS) - draws_below(p, POCKETS)
        };
        self.rtp_with(draws, 1 << 32)
    }

    /// `sum(weight(pocket) * payout(pocket)) / (total_weight * total_stake)` on one common
    /// denominator: at most 2^32 * 36 * 2^64 < 2^128, so nothing can overflow.
    fn rtp_with(&self, weight: impl Fn(u8) -> u64, total_weight: u128) -> Result<Ratio, GameError> {
        let total = self.total()?;
        if total == 0 {
            return Err(GameError::ZeroStake);
        }
        let mut returned: u128 = 0;
        for pocket in 0..POCKETS as u8 {
            returned += u128::from(weight(pocket)) * u128::from(self.payout(pocket)?);
        }
        Ok(Ratio::new(returned, total_weight * u128::from(total)))
    }

    /// The spread's return multiplier on `pocket`: payout / total stake, rounded down.
    pub fn multiplier(&self, pocket: u8) -> Result<Multiplier, GameError> {
        let total = self.total()?;
        if total == 0 {
            return Err(GameError::ZeroStake);
        }
        Ok(Multiplier::from_ratio(
            u128::from(self.payout(pocket)?),
            u128::from(total),
        ))
    }
}

/// The winning pocket, 0..=36.
pub fn pocket(stream: &mut ByteStream, mode: IndexMode) -> u8 {
    stream.index(POCKETS, mode) as u8
}

/// `{"pocket": 28}`.
pub fn outcome_json(pocket: u8) -> Value {
    json!({ "pocket": pocket })
}

fn validate(raw: &RawBet) -> Result<Bet, GameError> {
    let (covers, amount): (BTreeSet<u8>, u64) = match raw {
        RawBet::Straight { numbers, amount } => (inside(numbers, 1, "straight")?, *amount),
        RawBet::Split { numbers, amount } => (inside(numbers, 2, "split")?, *amount),
        RawBet::Street { numbers, amount } => (inside(numbers, 3, "street")?, *amount),
        RawBet::Corner { numbers, amount } => (inside(numbers, 4, "corner")?, *amount),
        RawBet::Line { numbers, amount } => (inside(numbers, 6, "line")?, *amount),
        RawBet::Dozen { dozen, amount } => {
            if !(1..=3).contains(dozen) {
                return Err(GameError::params("dozen must be 1, 2 or 3"));
            }
            let start = (dozen - 1) * 12 + 1;
            ((start..start + 12).collect(), *amount)
        }
        RawBet::Column { column, amount } => {
            if !(1..=3).contains(column) {
                return Err(GameError::params("column must be 1, 2 or 3"));
            }
            (
                (1..=36).filter(|n| (n - 1) % 3 == column - 1).collect(),
                *amount,
            )
        }
        RawBet::Red { amount } => (RED.into_iter().collect(), *amount),
        RawBet::Black { amount } => ((1..=36).filter(|n| !RED.contains(n)).collect(), *amount),
        RawBet::Odd { amount } => ((1..=36).filter(|n| n % 2 == 1).collect(), *amount),
        RawBet::Even { amount } => ((1..=36).filter(|n| n % 2 == 0).collect(), *amount),
        RawBet::Low { amount } => ((1..=18).collect(), *amount),
        RawBet::High { amount } => ((19..=36).collect(), *amount),
    };
    if amount == 0 {
        return Err(GameError::params(
            "every bet amount must be at least 1 minor unit",
        ));
    }
    assert!(
        36 % covers.len() == 0,
        "every legal bet covers a divisor of 36 numbers"
    );
    Ok(Bet { covers, amount })
}

/// Checks that `numbers` is one of the legal groups of `size` numbers on the layout.
fn inside(numbers: &[u8], size: usize, name: &str) -> Result<BTreeSet<u8>, GameError> {
    let set: BTreeSet<u8> = numbers.iter().copied().collect();
    if set.len() == size && numbers.len() == size && legal_groups(size).contains(&set) {
        Ok(set)
    } else {
        Err(GameError::params(format!(
            "numbers {numbers:?} are not a legal {name} bet"
        )))
    }
}

/// Every legal inside group of `size` numbers (layout: rows 1-2-3, 4-5-6, …, 34-35-36; 0 on top).
pub fn legal_groups(size: usize) -> Vec<BTreeSet<u8>> {
    let mut groups: Vec<BTreeSet<u8>> = Vec::new();
    let mut add = |numbers: &[u8]| groups.push(numbers.iter().copied().collect());
    match size {
        1 => (0..=36).for_each(|n| add(&[n])),
        2 => {
            for n in 1..=36u8 {
                if n % 3 != 0 {
                    add(&[n, n + 1]);
                }
                if n <= 33 {
                    add(&[n, n + 3]);
                }
            }
            (1..=3).for_each(|n| add(&[0, n]));
        }
        3 => {
            (0..12u8).for_each(|row| add(&[3 * row + 1, 3 * row + 2, 3 * row + 3]));
            add(&[0, 1, 2]);
            add(&[0, 2, 3]);
        }
        4 => {
            for n in 1..=32u8 {
                if n % 3 != 0 {
                    add(&[n, n + 1, n + 3, n + 4]);
                }
            }
            add(&[0, 1, 2, 3]);
        }
        6 => (0..11u8).for_each(|row| {
            add(&[
                3 * row + 1,
                3 * row + 2,
                3 * row + 3,
                3 * row + 4,
                3 * row + 5,
                3 * row + 6,
            ])
        }),
        _ => {}
    }
    groups
}
