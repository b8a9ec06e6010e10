//! Dice: `roll = floor(f0 * 10001) / 100` in 0.00..=100.00; roll over or under a target.
//!
//! The win chance is `100 - target` (over) or `target` (under) percent, between 0.01% and 98%, and
//! the multiplier is `99 / chance%`, rounded down to the multiplier scale. A roll equal to the
//! target loses. With 10001 equally likely rolls the exact RTP is `chance * multiplier / 10001`,
//! a hair under 99% (`0.99 * 10000 / 10001` before rounding the multiplier).

use fair::{ByteStream, IndexMode, stream::draws_below};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{from_json, hundredths};
use crate::{GameError, Multiplier, Ratio};

/// Distinct rolls: 0.00 to 100.00 in steps of 0.01.
pub const DICE_OUTCOMES: u32 = 10_001;

/// Smallest win chance in hundredths of a percent (0.01%).
pub const WIN_CHANCE_MIN: u32 = 1;

/// Largest win chance in hundredths of a percent (98%).
pub const WIN_CHANCE_MAX: u32 = 9_800;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Over,
    Under,
}

/// Validated dice bet parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiceParams {
    /// Target in hundredths (50.50 = 5050).
    pub target: u32,
    pub direction: Direction,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParams {
    target: f64,
    direction: Direction,
}

impl DiceParams {
    /// `{"target": 50.5, "direction": "over" | "under"}`.
    pub fn from_json(params: &Value) -> Result<DiceParams, GameError> {
        let raw: RawParams = from_json(params)?;
        let target = hundredths(raw.target, "target")?;
        let target = u32::try_from(target).unwrap_or(u32::MAX);
        let chance = match raw.direction {
            Direction::Over => 10_000u32.saturating_sub(target),
            Direction::Under => target,
        };
        if target > 10_000 || !(WIN_CHANCE_MIN..=WIN_CHANCE_MAX).contains(&chance) {
            return Err(GameError::params(
                "target must give a win chance between 0.01% and 98%",
            ));
        }
        Ok(DiceParams {
            target,
            direction: raw.direction,
        })
    }

    /// Win chance in hundredths of a percent; also the number of winning rolls out of 10001.
    pub fn win_chance(self) -> u32 {
        match self.direction {
            Direction::Over => 10_000 - self.target,
            Direction::Under => self.target,
        }
    }

    /// `99 / chance%` = `9900 / chance_hundredths`, rounded down to the scale.
    pub fn multiplier(self) -> Multiplier {
        Multiplier::from_ratio(9_900, u128::from(self.win_chance()))
    }

    pub fn wins(self, roll: u32) -> bool {
        match self.direction {
            Direction::Over => roll > self.target,
            Direction::Under => roll < self.target,
        }
    }

    /// Exact RTP with 10001 equally likely rolls.
    pub fn rtp(self) -> Ratio {
        let p = Ratio::new(u128::from(self.win_chance()), u128::from(DICE_OUTCOMES));
        p.times(multiplier_ratio(self.multiplier()))
    }

    /// Exact RTP over the 2^32 four-byte draws of the default `floor(f * 10001)` mapping.
    pub fn rtp_u32(self) -> Ratio {
        let (lo, hi) = match self.direction {
            Direction::Over => (self.target + 1, DICE_OUTCOMES),
            Direction::Under => (0, self.target),
        };
        let wins = draws_below(hi, DICE_OUTCOMES) - draws_below(lo, DICE_OUTCOMES);
        Ratio::new(u128::from(wins), 1 << 32).times(multiplier_ratio(self.multiplier()))
    }
}

/// The roll in hundredths (0..=10000).
pub fn roll(stream: &mut ByteStream, mode: IndexMode) -> u32 {
    stream.index(DICE_OUTCOMES, mode)
}

/// `{"roll": 77.18}`.
pub fn outcome_json(roll: u32) -> Value {
    json!({ "roll": f64::from(roll) / 100.0 })
}

pub(crate) fn multiplier_ratio(m: Multiplier) -> Ratio {
    Ratio::new(u128::from(m.0), u128::from(crate::MULTIPLIER_SCALE))
}
