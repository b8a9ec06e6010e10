//! Limbo: `floor((1e8 / (floor(f0 * 1e8) + 1) * 0.99) * 100) / 100`, computed in `f64` in exactly
//! this order (verifiers do), against a target multiplier the player picks.
//!
//! The bet wins when the result is at least the target and then pays the target. The exact RTP is
//! `target * P(result >= target)`, with the probability counted over all 2^32 draws by binary search
//! on the very function that plays the game.

use fair::ByteStream;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{from_json, hundredths};
use crate::{GameError, Multiplier, Ratio};

/// Smallest target, in hundredths (1.01x).
pub const TARGET_MIN: u64 = 101;

/// Largest target, in hundredths (1,000,000x).
pub const TARGET_MAX: u64 = 100_000_000;

/// Validated limbo parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimboParams {
    /// Target multiplier in hundredths.
    pub target: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParams {
    target: f64,
}

impl LimboParams {
    /// `{"target": 2.0}`: 1.01 to 1000000 with at most two decimals.
    pub fn from_json(params: &Value) -> Result<LimboParams, GameError> {
        let raw: RawParams = from_json(params)?;
        let target = hundredths(raw.target, "target")?;
        if !(TARGET_MIN..=TARGET_MAX).contains(&target) {
            return Err(GameError::params("target must be between 1.01 and 1000000"));
        }
        Ok(LimboParams { target })
    }

    pub fn multiplier(self) -> Multiplier {
        Multiplier::from_hundredths(self.target)
    }

    /// Exact RTP over the 2^32 draws.
    pub fn rtp(self) -> Ratio {
        let wins = draws_at_least(self.target);
        Ratio::new(u128::from(wins), 1 << 32).times(Ratio::new(u128::from(self.target), 100))
    }
}

/// The result in hundredths for the 32-bit draw `u` (the float is `u / 2^32`).
pub fn result_from_u32(u: u32) -> u64 {
    let f = fair::stream::float_from_u32(u);
    let x = 1e8 / ((f * 1e8).floor() + 1.0) * 0.99;
    // x <= 0.99e8, so x * 100 fits a u64 exactly enough for the floor.
    (x * 100.0).floor() as u64
}

/// The result in hundredths of the next draw.
pub fn result(stream: &mut ByteStream) -> u64 {
    result_from_u32(stream.next_u32())
}

/// `{"multiplier": 1.28}`.
pub fn outcome_json(result: u64) -> Value {
    json!({ "multiplier": result as f64 / 100.0 })
}

/// How many of the 2^32 draws give a result of at least `target` hundredths.
pub fn draws_at_least(target: u64) -> u64 {
    if result_from_u32(0) < target {
        return 0;
    }
    // The result is non-increasing in the draw. Invariant: `lo` qualifies, nothing above `hi` does.
    let (mut lo, mut hi) = (0u64, u64::from(u32::MAX));
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if result_from_u32(mid as u32) >= target {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo + 1
}
