//! One serialisable type for every multi-step round, so the server persists, resumes and settles
//! mines, hilo and blackjack through a single interface (actions arrive as JSON).

use fair::{ByteStream, IndexMode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::GameError;
use crate::blackjack::{BlackjackAction, BlackjackRound};
use crate::error::from_json;
use crate::hilo::{HiloAction, HiloRound};
use crate::mines::{MinesAction, MinesParams, MinesRound};

/// An open or finished multi-step round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "game", rename_all = "snake_case")]
pub enum Round {
    Mines(MinesRound),
    Hilo(HiloRound),
    Blackjack(BlackjackRound),
}

impl Round {
    /// Starts a round of `game` ("mines" with `{"mines": m}`, "hilo" and "blackjack" with `{}` or
    /// null params) from cursor 0 of the bet's stream.
    pub fn start(
        game: &str,
        params: &Value,
        stream: &mut ByteStream,
        mode: IndexMode,
        stake_minor: u64,
    ) -> Result<Round, GameError> {
        let no_params = params.is_null() || params.as_object().is_some_and(|o| o.is_empty());
        match game {
            "mines" => Ok(Round::Mines(MinesRound::start(
                MinesParams::from_json(params)?,
                stream,
                mode,
                stake_minor,
            )?)),
            "hilo" | "blackjack" if !no_params => {
                Err(GameError::params(format!("{game} takes no params")))
            }
            "hilo" => Ok(Round::Hilo(HiloRound::start(stream, mode, stake_minor)?)),
            "blackjack" => Ok(Round::Blackjack(BlackjackRound::start(
                stream,
                mode,
                stake_minor,
            )?)),
            other => Err(GameError::UnknownGame(other.to_owned())),
        }
    }

    /// Applies a JSON action (`{"action": "reveal", "tile": 3}`, `{"action": "guess", "guess":
    /// "higher"}`, `{"action": "hit"}`, …); the round is unchanged on error.
    pub fn apply(&self, action: &Value) -> Result<Round, GameError> {
        match self {
            Round::Mines(r) => Ok(Round::Mines(r.apply(from_json::<MinesAction>(action)?)?)),
            Round::Hilo(r) => Ok(Round::Hilo(r.apply(from_json::<HiloAction>(action)?)?)),
            Round::Blackjack(r) => Ok(Round::Blackjack(
                r.apply(from_json::<BlackjackAction>(action)?)?,
            )),
        }
    }

    /// The published idle rule: mines and hilo cash out (refund before any step), blackjack stands.
    pub fn settle_idle(&self) -> Round {
        match self {
            Round::Mines(r) => Round::Mines(r.settle_idle()),
            Round::Hilo(r) => Round::Hilo(r.settle_idle()),
            Round::Blackjack(r) => Round::Blackjack(r.settle_idle()),
        }
    }

    pub fn is_open(&self) -> bool {
        match self {
            Round::Mines(r) => r.is_open(),
            Round::Hilo(r) => r.is_open(),
            Round::Blackjack(r) => r.is_open(),
        }
    }

    /// Everything staked so far (grows with blackjack doubles, splits and insurance).
    pub fn staked_minor(&self) -> u64 {
        match self {
            Round::Mines(r) => r.stake_minor,
            Round::Hilo(r) => r.stake_minor,
            Round::Blackjack(r) => r.staked_minor(),
        }
    }

    /// The total returned once the round is over; `None` while it is open.
    pub fn payout_minor(&self) -> Option<Result<u64, GameError>> {
        match self {
            Round::Mines(r) => r.payout_minor(),
            Round::Hilo(r) => r.payout_minor(),
            Round::Blackjack(r) => r.payout_minor(),
        }
    }

    /// What the player may see (secrets hidden while open).
    pub fn view(&self) -> Value {
        match self {
            Round::Mines(r) => r.view(),
            Round::Hilo(r) => r.view(),
            Round::Blackjack(r) => r.view(),
        }
    }
}
