//! Plinko: 8–16 rows, each row `floor(f_k * 2)` (0 = left, 1 = right); the bucket is the number
//! of rights, and the low / medium / high tables of the published verifier give the multiplier.
//!
//! `floor(f * 2)` is exactly unbiased (2 divides 2^32), so the bucket is binomial(rows, 1/2) and the
//! RTP `sum C(rows, k) / 2^rows * m_k` is exact for the real mapping too.

use fair::ByteStream;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::from_json;
use crate::ratio::binomial;
use crate::{GameError, Multiplier, Ratio, Risk};

pub const ROWS_MIN: u32 = 8;
pub const ROWS_MAX: u32 = 16;

/// Validated plinko parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlinkoParams {
    pub rows: u32,
    pub risk: Risk,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParams {
    rows: u32,
    risk: Risk,
}

/// One drop: the path and the bucket it lands in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drop {
    /// `true` = right, in row order.
    pub rights: Vec<bool>,
    pub bucket: u32,
}

impl PlinkoParams {
    /// `{"rows": 8..=16, "risk": "low" | "medium" | "high"}`.
    pub fn from_json(params: &Value) -> Result<PlinkoParams, GameError> {
        let raw: RawParams = from_json(params)?;
        if !(ROWS_MIN..=ROWS_MAX).contains(&raw.rows) {
            return Err(GameError::params("rows must be between 8 and 16"));
        }
        if raw.risk == Risk::Classic {
            return Err(GameError::params("risk must be low, medium or high"));
        }
        Ok(PlinkoParams {
            rows: raw.rows,
            risk: raw.risk,
        })
    }

    /// Multipliers per bucket (rows + 1 of them), in hundredths.
    pub fn table(self) -> &'static [u32] {
        let tables: [[&'static [u32]; 3]; 9] = [
            [&PLINKO_8_LOW, &PLINKO_8_MEDIUM, &PLINKO_8_HIGH],
            [&PLINKO_9_LOW, &PLINKO_9_MEDIUM, &PLINKO_9_HIGH],
            [&PLINKO_10_LOW, &PLINKO_10_MEDIUM, &PLINKO_10_HIGH],
            [&PLINKO_11_LOW, &PLINKO_11_MEDIUM, &PLINKO_11_HIGH],
            [&PLINKO_12_LOW, &PLINKO_12_MEDIUM, &PLINKO_12_HIGH],
            [&PLINKO_13_LOW, &PLINKO_13_MEDIUM, &PLINKO_13_HIGH],
            [&PLINKO_14_LOW, &PLINKO_14_MEDIUM, &PLINKO_14_HIGH],
            [&PLINKO_15_LOW, &PLINKO_15_MEDIUM, &PLINKO_15_HIGH],
            [&PLINKO_16_LOW, &PLINKO_16_MEDIUM, &PLINKO_16_HIGH],
        ];
        let risk = match self.risk {
            Risk::Low | Risk::Classic => 0,
            Risk::Medium => 1,
            Risk::High => 2,
        };
        let row = self.rows.clamp(ROWS_MIN, ROWS_MAX) - ROWS_MIN;
        tables[row as usize][risk]
    }

    pub fn multiplier(self, bucket: u32) -> Multiplier {
        let table = self.table();
        Multiplier::from_hundredths(u64::from(table[bucket as usize % table.len()]))
    }

    /// Exact RTP: `sum C(rows, k) / 2^rows * m_k`.
    pub fn rtp(self) -> Ratio {
        let sum: u128 = self
            .table()
            .iter()
            .enumerate()
            .map(|(k, &m)| binomial(u64::from(self.rows), k as u64) * u128::from(m))
            .sum();
        Ratio::new(sum, 100u128 << self.rows)
    }

    /// Drops the ball: one float per row.
    pub fn drop_ball(self, stream: &mut ByteStream) -> Drop {
        let rights: Vec<bool> = (0..self.rows).map(|_| stream.next_index(2) == 1).collect();
        let bucket = rights.iter().filter(|&&right| right).count() as u32;
        Drop { rights, bucket }
    }

    /// `{"path": "RRLR…", "bucket": 3, "multiplier": 1.1}`.
    pub fn outcome_json(self, drop: &Drop) -> Value {
        let path: String = drop
            .rights
            .iter()
            .map(|&right| if right { 'R' } else { 'L' })
            .collect();
        json!({ "path": path, "bucket": drop.bucket, "multiplier": self.multiplier(drop.bucket).as_f64() })
    }
}

const PLINKO_8_LOW: [u32; 9] = [560, 210, 110, 100, 50, 100, 110, 210, 560];
const PLINKO_8_MEDIUM: [u32; 9] = [1300, 300, 130, 70, 40, 70, 130, 300, 1300];
const PLINKO_8_HIGH: [u32; 9] = [2900, 400, 150, 30, 20, 30, 150, 400, 2900];
const PLINKO_9_LOW: [u32; 10] = [560, 200, 160, 100, 70, 70, 100, 160, 200, 560];
const PLINKO_9_MEDIUM: [u32; 10] = [1800, 400, 170, 90, 50, 50, 90, 170, 400, 1800];
const PLINKO_9_HIGH: [u32; 10] = [4300, 700, 200, 60, 20, 20, 60, 200, 700, 4300];
const PLINKO_10_LOW: [u32; 11] = [890, 300, 140, 110, 100, 50, 100, 110, 140, 300, 890];
const PLINKO_10_MEDIUM: [u32; 11] = [2200, 500, 200, 140, 60, 40, 60, 140, 200, 500, 2200];
const PLINKO_10_HIGH: [u32; 11] = [7600, 1000, 300, 90, 30, 20, 30, 90, 300, 1000, 7600];
const PLINKO_11_LOW: [u32; 12] = [840, 300, 190, 130, 100, 70, 70, 100, 130, 190, 300, 840];
const PLINKO_11_MEDIUM: [u32; 12] = [2400, 600, 300, 180, 70, 50, 50, 70, 180, 300, 600, 2400];
const PLINKO_11_HIGH: [u32; 12] = [12000, 1400, 520, 140, 40, 20, 20, 40, 140, 520, 1400, 12000];
const PLINKO_12_LOW: [u32; 13] = [
    1000, 300, 160, 140, 110, 100, 50, 100, 110, 140, 160, 300, 1000,
];
const PLINKO_12_MEDIUM: [u32; 13] = [
    3300, 1100, 400, 200, 110, 60, 30, 60, 110, 200, 400, 1100, 3300,
];
const PLINKO_12_HIGH: [u32; 13] = [
    17000, 2400, 810, 200, 70, 20, 20, 20, 70, 200, 810, 2400, 17000,
];
const PLINKO_13_LOW: [u32; 14] = [
    810, 400, 300, 190, 120, 90, 70, 70, 90, 120, 190, 300, 400, 810,
];
const PLINKO_13_MEDIUM: [u32; 14] = [
    4300, 1300, 600, 300, 130, 70, 40, 40, 70, 130, 300, 600, 1300, 4300,
];
const PLINKO_13_HIGH: [u32; 14] = [
    26000, 3700, 1100, 400, 100, 20, 20, 20, 20, 100, 400, 1100, 3700, 26000,
];
const PLINKO_14_LOW: [u32; 15] = [
    710, 400, 190, 140, 130, 110, 100, 50, 100, 110, 130, 140, 190, 400, 710,
];
const PLINKO_14_MEDIUM: [u32; 15] = [
    5800, 1500, 700, 400, 190, 100, 50, 20, 50, 100, 190, 400, 700, 1500, 5800,
];
const PLINKO_14_HIGH: [u32; 15] = [
    42000, 5600, 1800, 500, 190, 30, 20, 20, 20, 30, 190, 500, 1800, 5600, 42000,
];
const PLINKO_15_LOW: [u32; 16] = [
    1500, 800, 300, 200, 150, 110, 100, 70, 70, 100, 110, 150, 200, 300, 800, 1500,
];
const PLINKO_15_MEDIUM: [u32; 16] = [
    8800, 1800, 1100, 500, 300, 130, 50, 30, 30, 50, 130, 300, 500, 1100, 1800, 8800,
];
const PLINKO_15_HIGH: [u32; 16] = [
    62000, 8300, 2700, 800, 300, 50, 20, 20, 20, 20, 50, 300, 800, 2700, 8300, 62000,
];
const PLINKO_16_LOW: [u32; 17] = [
    1600, 900, 200, 140, 140, 120, 110, 100, 50, 100, 110, 120, 140, 140, 200, 900, 1600,
];
const PLINKO_16_MEDIUM: [u32; 17] = [
    11000, 4100, 1000, 500, 300, 150, 100, 50, 30, 50, 100, 150, 300, 500, 1000, 4100, 11000,
];
const PLINKO_16_HIGH: [u32; 17] = [
    100000, 13000, 2600, 900, 400, 200, 20, 20, 20, 20, 20, 200, 400, 900, 2600, 13000, 100000,
];
