//! Keno: 10 numbers drawn from 1..=40 without replacement (from the ordered list 1..=40, remove
//! index `floor(f_k * remaining)`), 1–10 picks, classic / low / medium / high paytables.
//!
//! The paytables are in hundredths, indexed by picks then hits. With a uniform draw the number of
//! hits is hypergeometric: `P(h) = C(10, h) C(30, picks - h) / C(40, picks)`; the exact RTP of each
//! configuration is listed in docs/fairness.md and asserted in tests.

use std::collections::BTreeSet;

use fair::{ByteStream, IndexMode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::from_json;
use crate::ratio::binomial;
use crate::{GameError, Multiplier, Ratio, Risk};

/// Numbers on the board.
pub const BOARD: u8 = 40;

/// Numbers drawn per game.
pub const DRAWN: usize = 10;

pub const PICKS_MAX: usize = 10;

/// Validated keno parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KenoParams {
    pub picks: BTreeSet<u8>,
    pub risk: Risk,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParams {
    picks: Vec<u8>,
    risk: Risk,
}

impl KenoParams {
    /// `{"picks": [1..=40, distinct, 1 to 10 of them], "risk": "classic" | "low" | "medium" | "high"}`.
    pub fn from_json(params: &Value) -> Result<KenoParams, GameError> {
        let raw: RawParams = from_json(params)?;
        let picks: BTreeSet<u8> = raw.picks.iter().copied().collect();
        let valid = picks.len() == raw.picks.len()
            && (1..=PICKS_MAX).contains(&picks.len())
            && picks.iter().all(|n| (1..=BOARD).contains(n));
        if !valid {
            return Err(GameError::params(
                "picks must be 1 to 10 distinct numbers from 1 to 40",
            ));
        }
        Ok(KenoParams {
            picks,
            risk: raw.risk,
        })
    }

    /// The paytable row for this many picks: multiplier in hundredths by hits.
    pub fn table(&self) -> &'static [u32] {
        table(self.risk, self.picks.len())
    }

    pub fn hits(&self, drawn: &[u8]) -> usize {
        drawn.iter().filter(|n| self.picks.contains(n)).count()
    }

    pub fn multiplier(&self, drawn: &[u8]) -> Multiplier {
        let hits = self.hits(drawn);
        Multiplier::from_hundredths(u64::from(self.table().get(hits).copied().unwrap_or(0)))
    }

    /// Exact RTP with a uniform draw (hypergeometric hits).
    pub fn rtp(&self) -> Ratio {
        rtp(self.risk, self.picks.len())
    }
}

/// The paytable row of `risk` for `picks` (1..=10) picks.
pub fn table(risk: Risk, picks: usize) -> &'static [u32] {
    let tables = match risk {
        Risk::Classic => &KENO_CLASSIC,
        Risk::Low => &KENO_LOW,
        Risk::Medium => &KENO_MEDIUM,
        Risk::High => &KENO_HIGH,
    };
    tables[picks.clamp(1, PICKS_MAX) - 1]
}

/// Exact RTP of `risk` with `picks` picks under a uniform draw.
pub fn rtp(risk: Risk, picks: usize) -> Ratio {
    let k = picks as u64;
    let den = binomial(u64::from(BOARD), k) * 100;
    let num: u128 = table(risk, picks)
        .iter()
        .enumerate()
        .map(|(h, &m)| {
            let h = h as u64;
            binomial(DRAWN as u64, h)
                * binomial(u64::from(BOARD) - DRAWN as u64, k - h)
                * u128::from(m)
        })
        .sum();
    Ratio::new(num, den)
}

/// The 10 drawn numbers (1..=40) in draw order.
pub fn draw(stream: &mut ByteStream, mode: IndexMode) -> Vec<u8> {
    let mut board: Vec<u8> = (1..=BOARD).collect();
    let mut drawn = Vec::with_capacity(DRAWN);
    for _ in 0..DRAWN {
        let index = stream.index(board.len() as u32, mode) as usize;
        drawn.push(board.remove(index));
    }
    drawn
}

/// `{"drawn": [31, 36, …]}`.
pub fn outcome_json(drawn: &[u8]) -> Value {
    json!({ "drawn": drawn })
}

const KENO_CLASSIC: [&[u32]; 10] = [
    &[0, 396],
    &[0, 190, 450],
    &[0, 100, 310, 1040],
    &[0, 80, 180, 500, 2250],
    &[0, 25, 140, 410, 1650, 3600],
    &[0, 0, 100, 368, 700, 1650, 4000],
    &[0, 0, 47, 300, 450, 1400, 3100, 6000],
    &[0, 0, 0, 220, 400, 1300, 2200, 5500, 7000],
    &[0, 0, 0, 155, 300, 800, 1500, 4400, 6000, 8500],
    &[0, 0, 0, 140, 225, 450, 800, 1700, 5000, 8000, 10000],
];
const KENO_LOW: [&[u32]; 10] = [
    &[70, 185],
    &[0, 200, 380],
    &[0, 110, 138, 2600],
    &[0, 0, 220, 790, 9000],
    &[0, 0, 150, 420, 1300, 30000],
    &[0, 0, 110, 200, 620, 10000, 70000],
    &[0, 0, 110, 160, 350, 1500, 22500, 70000],
    &[0, 0, 110, 150, 200, 550, 3900, 10000, 80000],
    &[0, 0, 110, 130, 170, 250, 750, 5000, 25000, 100000],
    &[0, 0, 110, 120, 130, 180, 350, 1300, 5000, 25000, 100000],
];
const KENO_MEDIUM: [&[u32]; 10] = [
    &[40, 275],
    &[0, 180, 510],
    &[0, 0, 280, 5000],
    &[0, 0, 170, 1000, 10000],
    &[0, 0, 140, 400, 1400, 39000],
    &[0, 0, 0, 300, 900, 18000, 71000],
    &[0, 0, 0, 200, 700, 3000, 40000, 80000],
    &[0, 0, 0, 200, 400, 1100, 6700, 40000, 90000],
    &[0, 0, 0, 200, 250, 500, 1500, 10000, 50000, 100000],
    &[0, 0, 0, 160, 200, 400, 700, 2600, 10000, 50000, 100000],
];
const KENO_HIGH: [&[u32]; 10] = [
    &[0, 396],
    &[0, 0, 1710],
    &[0, 0, 0, 8150],
    &[0, 0, 0, 1000, 25900],
    &[0, 0, 0, 450, 4800, 45000],
    &[0, 0, 0, 0, 1100, 35000, 71000],
    &[0, 0, 0, 0, 700, 9000, 40000, 80000],
    &[0, 0, 0, 0, 500, 2000, 27000, 60000, 90000],
    &[0, 0, 0, 0, 400, 1100, 5600, 50000, 80000, 100000],
    &[0, 0, 0, 0, 350, 800, 1300, 6300, 50000, 80000, 100000],
];
