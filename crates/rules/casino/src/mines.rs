//! Mines: a 5×5 board with 1–24 mines, played as a pure state machine of reveals and a cash out.
//!
//! At bet time the tiles are removed one at a time from the ordered list 0..=24 at index
//! `floor(f_k * remaining)`; the first `m` removals are the mines (0-based tiles, draw order). The
//! multiplier after `k` safe picks is `0.99 * C(25, k) / C(25 - m, k)`, rounded down to the scale;
//! since surviving `k` picks has probability `C(25 - m, k) / C(25, k)`, cashing out after any
//! number of picks returns 99% (less the rounding of the multiplier), whatever the strategy.

use fair::{ByteStream, IndexMode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::from_json;
use crate::ratio::binomial;
use crate::{GameError, Multiplier, Ratio};

/// Tiles on the board.
pub const TILES: u8 = 25;

pub const MINES_MIN: u8 = 1;
pub const MINES_MAX: u8 = 24;

/// Validated mines parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinesParams {
    pub mines: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParams {
    mines: u8,
}

impl MinesParams {
    /// `{"mines": 1..=24}`.
    pub fn from_json(params: &Value) -> Result<MinesParams, GameError> {
        let raw: RawParams = from_json(params)?;
        if !(MINES_MIN..=MINES_MAX).contains(&raw.mines) {
            return Err(GameError::params("mines must be between 1 and 24"));
        }
        Ok(MinesParams { mines: raw.mines })
    }
}

/// The mine tiles (0-based, draw order) of the next `mines` removals.
pub fn draw_mines(stream: &mut ByteStream, mode: IndexMode, mines: u8) -> Vec<u8> {
    let mut tiles: Vec<u8> = (0..TILES).collect();
    (0..mines.min(MINES_MAX))
        .map(|_| {
            let index = stream.index(tiles.len() as u32, mode) as usize;
            tiles.remove(index)
        })
        .collect()
}

/// `{"mines": [18, 15, 5]}`.
pub fn outcome_json(mines: &[u8]) -> Value {
    json!({ "mines": mines })
}

/// `0.99 * C(25, k) / C(25 - m, k)` rounded down; zero when `k` safe picks are impossible.
pub fn multiplier(mines: u8, safe_picks: u8) -> Multiplier {
    let safe = u64::from(TILES - mines.min(TILES));
    let k = u64::from(safe_picks);
    if k > safe {
        return Multiplier::ZERO;
    }
    Multiplier::from_ratio(99 * binomial(25, k), 100 * binomial(safe, k))
}

/// Exact RTP of cashing out after `safe_picks` picks: `P(survive) * multiplier`.
pub fn rtp(mines: u8, safe_picks: u8) -> Ratio {
    let safe = u64::from(TILES - mines.min(TILES));
    let k = u64::from(safe_picks);
    if k > safe {
        return Ratio::ZERO;
    }
    let survive = Ratio::new(binomial(safe, k), binomial(25, k));
    survive.times(crate::dice::multiplier_ratio(multiplier(mines, safe_picks)))
}

/// The lowest and the highest exact RTP over every choice a player makes (the mine count, then
/// how many safe picks to cash out after). The catalogue publishes them.
pub fn rtp_bounds() -> (Ratio, Ratio) {
    let all =
        (MINES_MIN..=MINES_MAX).flat_map(|mines| (1..=TILES - mines).map(move |k| rtp(mines, k)));
    bounds(all)
}

/// The smallest and largest of `ratios` (`(ZERO, ZERO)` when there are none).
pub(crate) fn bounds(ratios: impl Iterator<Item = Ratio>) -> (Ratio, Ratio) {
    ratios
        .fold(None, |acc: Option<(Ratio, Ratio)>, r| match acc {
            None => Some((r, r)),
            Some((lo, hi)) => Some((lo.min(r), hi.max(r))),
        })
        .unwrap_or((Ratio::ZERO, Ratio::ZERO))
}

/// Where a mines round stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum MinesState {
    Open,
    /// A mine was revealed: the stake is lost.
    Busted {
        tile: u8,
    },
    /// Cashed out (by the player, by revealing every safe tile, or by idle settlement).
    CashedOut,
    /// Settled idle before any pick: the stake is returned.
    Refunded,
}

/// A player action on an open round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum MinesAction {
    Reveal { tile: u8 },
    CashOut,
}

/// One mines round, persisted between actions. `mines` is secret while the round is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinesRound {
    pub stake_minor: u64,
    pub mines: Vec<u8>,
    /// Safe tiles revealed so far, in order.
    pub revealed: Vec<u8>,
    pub state: MinesState,
}

impl MinesRound {
    /// Starts a round: every mine is drawn now, from cursor 0 of the bet's stream.
    pub fn start(
        params: MinesParams,
        stream: &mut ByteStream,
        mode: IndexMode,
        stake_minor: u64,
    ) -> Result<MinesRound, GameError> {
        if stake_minor == 0 {
            return Err(GameError::ZeroStake);
        }
        let mines = draw_mines(stream, mode, params.mines);
        Ok(MinesRound {
            stake_minor,
            mines,
            revealed: Vec::new(),
            state: MinesState::Open,
        })
    }

    pub fn is_open(&self) -> bool {
        self.state == MinesState::Open
    }

    fn mine_count(&self) -> u8 {
        self.mines.len() as u8
    }

    /// The multiplier a cash out would pay now.
    pub fn multiplier(&self) -> Multiplier {
        match self.state {
            MinesState::Busted { .. } => Multiplier::ZERO,
            MinesState::Refunded => Multiplier::ONE,
            MinesState::Open | MinesState::CashedOut => {
                multiplier(self.mine_count(), self.revealed.len() as u8)
            }
        }
    }

    /// Applies one action; the round is unchanged on error.
    pub fn apply(&self, action: MinesAction) -> Result<MinesRound, GameError> {
        if !self.is_open() {
            return Err(GameError::RoundOver);
        }
        let mut next = self.clone();
        match action {
            MinesAction::Reveal { tile } => {
                if tile >= TILES || self.revealed.contains(&tile) {
                    return Err(GameError::BadTile(tile));
                }
                if self.mines.contains(&tile) {
                    next.state = MinesState::Busted { tile };
                } else {
                    next.revealed.push(tile);
                    if next.revealed.len() + self.mines.len() == usize::from(TILES) {
                        next.state = MinesState::CashedOut;
                    }
                }
            }
            MinesAction::CashOut => {
                if self.revealed.is_empty() {
                    return Err(GameError::ActionNotAllowed(
                        "cash out needs at least one revealed tile",
                    ));
                }
                next.state = MinesState::CashedOut;
            }
        }
        debug_assert!(
            next.revealed.iter().all(|t| !next.mines.contains(t)),
            "no mine is ever a revealed safe tile"
        );
        Ok(next)
    }

    /// The published idle rule: cash out, or refund the stake if no tile was revealed.
    pub fn settle_idle(&self) -> MinesRound {
        let mut next = self.clone();
        if self.is_open() {
            next.state = if self.revealed.is_empty() {
                MinesState::Refunded
            } else {
                MinesState::CashedOut
            };
        }
        next
    }

    /// The payout once the round is over; `None` while it is open.
    pub fn payout_minor(&self) -> Option<Result<u64, GameError>> {
        (!self.is_open()).then(|| self.multiplier().payout(self.stake_minor))
    }

    /// What the player may see: the mine tiles only once the round is over.
    pub fn view(&self) -> Value {
        let mut view = json!({
            "stake_minor": self.stake_minor,
            "mine_count": self.mines.len(),
            "revealed": self.revealed,
            "state": self.state,
            "multiplier": self.multiplier().to_decimal(),
        });
        if self.is_open() {
            // The payout preview: what one more safe pick would make the multiplier.
            let next = multiplier(self.mine_count(), self.revealed.len() as u8 + 1);
            view["next_multiplier"] = json!((next > Multiplier::ZERO).then(|| next.to_decimal()));
        } else {
            view["mines"] = json!(self.mines);
        }
        view
    }
}
