//! Wheel: `segment = floor(f0 * segments)` for 10/20/30/40/50 segments at low/medium/high risk.
//!
//! The multiplier tables are the ones of the published verifier (see docs/fairness.md), in
//! hundredths; every table averages exactly 0.99, so each configuration's RTP is exactly 99%.

use fair::{ByteStream, IndexMode, stream::draws_below};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::from_json;
use crate::{GameError, Multiplier, Ratio, Risk};

/// Validated wheel parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WheelParams {
    pub segments: u32,
    pub risk: Risk,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParams {
    segments: u32,
    risk: Risk,
}

impl WheelParams {
    /// `{"segments": 10 | 20 | 30 | 40 | 50, "risk": "low" | "medium" | "high"}`.
    pub fn from_json(params: &Value) -> Result<WheelParams, GameError> {
        let raw: RawParams = from_json(params)?;
        if ![10, 20, 30, 40, 50].contains(&raw.segments) {
            return Err(GameError::params("segments must be 10, 20, 30, 40 or 50"));
        }
        if raw.risk == Risk::Classic {
            return Err(GameError::params("risk must be low, medium or high"));
        }
        Ok(WheelParams {
            segments: raw.segments,
            risk: raw.risk,
        })
    }

    /// The multiplier table, one entry per segment, in hundredths.
    pub fn table(self) -> &'static [u16] {
        match (self.segments, self.risk) {
            (10, Risk::Low) => &WHEEL_10_LOW,
            (10, Risk::Medium) => &WHEEL_10_MEDIUM,
            (10, _) => &WHEEL_10_HIGH,
            (20, Risk::Low) => &WHEEL_20_LOW,
            (20, Risk::Medium) => &WHEEL_20_MEDIUM,
            (20, _) => &WHEEL_20_HIGH,
            (30, Risk::Low) => &WHEEL_30_LOW,
            (30, Risk::Medium) => &WHEEL_30_MEDIUM,
            (30, _) => &WHEEL_30_HIGH,
            (40, Risk::Low) => &WHEEL_40_LOW,
            (40, Risk::Medium) => &WHEEL_40_MEDIUM,
            (40, _) => &WHEEL_40_HIGH,
            (_, Risk::Low) => &WHEEL_50_LOW,
            (_, Risk::Medium) => &WHEEL_50_MEDIUM,
            (_, _) => &WHEEL_50_HIGH,
        }
    }

    pub fn multiplier(self, segment: u32) -> Multiplier {
        let table = self.table();
        Multiplier::from_hundredths(u64::from(table[segment as usize % table.len()]))
    }

    /// Exact RTP with equally likely segments: the table's mean.
    pub fn rtp(self) -> Ratio {
        let sum: u64 = self.table().iter().map(|&m| u64::from(m)).sum();
        Ratio::new(u128::from(sum), 100 * u128::from(self.segments))
    }

    /// Exact RTP over the 2^32 draws of the default `floor(f * segments)` mapping.
    pub fn rtp_u32(self) -> Ratio {
        let n = self.segments;
        let sum: u128 = (0..n)
            .map(|s| {
                u128::from(draws_below(s + 1, n) - draws_below(s, n))
                    * u128::from(self.table()[s as usize])
            })
            .sum();
        Ratio::new(sum, 100u128 << 32)
    }

    /// The segment of the next draw.
    pub fn spin(self, stream: &mut ByteStream, mode: IndexMode) -> u32 {
        stream.index(self.segments, mode)
    }

    /// `{"segment": 7, "multiplier": 1.2}`.
    pub fn outcome_json(self, segment: u32) -> Value {
        json!({ "segment": segment, "multiplier": self.multiplier(segment).as_f64() })
    }
}

const WHEEL_10_LOW: [u16; 10] = [150, 120, 120, 120, 0, 120, 120, 120, 120, 0];
const WHEEL_10_MEDIUM: [u16; 10] = [0, 190, 0, 150, 0, 200, 0, 150, 0, 300];
const WHEEL_10_HIGH: [u16; 10] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 990];
const WHEEL_20_LOW: [u16; 20] = [
    150, 120, 120, 120, 0, 120, 120, 120, 120, 0, 150, 120, 120, 120, 0, 120, 120, 120, 120, 0,
];
const WHEEL_20_MEDIUM: [u16; 20] = [
    150, 0, 200, 0, 200, 0, 200, 0, 150, 0, 300, 0, 180, 0, 200, 0, 200, 0, 200, 0,
];
const WHEEL_20_HIGH: [u16; 20] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1980,
];
const WHEEL_30_LOW: [u16; 30] = [
    150, 120, 120, 120, 0, 120, 120, 120, 120, 0, 150, 120, 120, 120, 0, 120, 120, 120, 120, 0,
    150, 120, 120, 120, 0, 120, 120, 120, 120, 0,
];
const WHEEL_30_MEDIUM: [u16; 30] = [
    150, 0, 150, 0, 200, 0, 150, 0, 200, 0, 200, 0, 150, 0, 300, 0, 150, 0, 200, 0, 200, 0, 170, 0,
    400, 0, 150, 0, 200, 0,
];
const WHEEL_30_HIGH: [u16; 30] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2970,
];
const WHEEL_40_LOW: [u16; 40] = [
    150, 120, 120, 120, 0, 120, 120, 120, 120, 0, 150, 120, 120, 120, 0, 120, 120, 120, 120, 0,
    150, 120, 120, 120, 0, 120, 120, 120, 120, 0, 150, 120, 120, 120, 0, 120, 120, 120, 120, 0,
];
const WHEEL_40_MEDIUM: [u16; 40] = [
    200, 0, 300, 0, 200, 0, 150, 0, 300, 0, 150, 0, 150, 0, 200, 0, 150, 0, 300, 0, 150, 0, 200, 0,
    200, 0, 160, 0, 200, 0, 150, 0, 300, 0, 150, 0, 200, 0, 150, 0,
];
const WHEEL_40_HIGH: [u16; 40] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 3960,
];
const WHEEL_50_LOW: [u16; 50] = [
    150, 120, 120, 120, 0, 120, 120, 120, 120, 0, 150, 120, 120, 120, 0, 120, 120, 120, 120, 0,
    150, 120, 120, 120, 0, 120, 120, 120, 120, 0, 150, 120, 120, 120, 0, 120, 120, 120, 120, 0,
    150, 120, 120, 120, 0, 120, 120, 120, 120, 0,
];
const WHEEL_50_MEDIUM: [u16; 50] = [
    200, 0, 150, 0, 200, 0, 150, 0, 300, 0, 150, 0, 150, 0, 200, 0, 150, 0, 300, 0, 150, 0, 200, 0,
    150, 0, 200, 0, 200, 0, 150, 0, 300, 0, 150, 0, 200, 0, 150, 0, 150, 0, 500, 0, 150, 0, 200, 0,
    150, 0,
];
const WHEEL_50_HIGH: [u16; 50] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4950,
];
