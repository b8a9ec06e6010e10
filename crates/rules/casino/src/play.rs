//! The single entry point the server uses for instant games: params in, settlement out.

use fair::{ByteStream, IndexMode};
use serde_json::Value;

use crate::{GameError, Multiplier, dice, keno, limbo, plinko, roulette, wheel};

/// The settled result of one instant bet.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// The outcome, shaped exactly as `playhouse fair outcome` prints it.
    pub outcome: Value,
    /// Return multiplier on the whole stake (stake included), fixed-point.
    pub multiplier: Multiplier,
    pub stake_minor: u64,
    /// `floor(stake * multiplier)` (roulette: the exact sum of its winning bets).
    pub payout_minor: u64,
}

/// Plays one instant game with the default `floor(f * n)` mapping.
///
/// `game` is one of dice, limbo, roulette, wheel, keno, plinko; `stream` must be at cursor 0 of the
/// bet's `(server seed, client seed, nonce)`. Multi-step games start through their own modules.
pub fn play(
    game: &str,
    params: &Value,
    stream: &mut ByteStream,
    stake_minor: u64,
) -> Result<Settlement, GameError> {
    play_with_mode(game, params, stream, stake_minor, IndexMode::Floor)
}

/// [`play`] with an explicit integer mapping (the unbiased mode for regulated markets).
pub fn play_with_mode(
    game: &str,
    params: &Value,
    stream: &mut ByteStream,
    stake_minor: u64,
    mode: IndexMode,
) -> Result<Settlement, GameError> {
    if stake_minor == 0 {
        return Err(GameError::ZeroStake);
    }
    let settle = |outcome: Value, multiplier: Multiplier| -> Result<Settlement, GameError> {
        let payout_minor = multiplier.payout(stake_minor)?;
        Ok(Settlement {
            outcome,
            multiplier,
            stake_minor,
            payout_minor,
        })
    };
    match game {
        "dice" => {
            let p = dice::DiceParams::from_json(params)?;
            let roll = dice::roll(stream, mode);
            let m = if p.wins(roll) {
                p.multiplier()
            } else {
                Multiplier::ZERO
            };
            settle(dice::outcome_json(roll), m)
        }
        "limbo" => {
            let p = limbo::LimboParams::from_json(params)?;
            let result = limbo::result(stream);
            let m = if result >= p.target {
                p.multiplier()
            } else {
                Multiplier::ZERO
            };
            settle(limbo::outcome_json(result), m)
        }
        "wheel" => {
            let p = wheel::WheelParams::from_json(params)?;
            let segment = p.spin(stream, mode);
            settle(p.outcome_json(segment), p.multiplier(segment))
        }
        "keno" => {
            let p = keno::KenoParams::from_json(params)?;
            let drawn = keno::draw(stream, mode);
            settle(keno::outcome_json(&drawn), p.multiplier(&drawn))
        }
        "plinko" => {
            let p = plinko::PlinkoParams::from_json(params)?;
            let drop = p.drop_ball(stream);
            settle(p.outcome_json(&drop), p.multiplier(drop.bucket))
        }
        "roulette" => {
            let p = roulette::RouletteParams::from_json(params)?;
            let sum = p.total()?;
            if sum != stake_minor {
                return Err(GameError::StakeMismatch {
                    stake: stake_minor,
                    sum,
                });
            }
            let pocket = roulette::pocket(stream, mode);
            let payout_minor = p.payout(pocket)?;
            let multiplier = p.multiplier(pocket)?;
            Ok(Settlement {
                outcome: roulette::outcome_json(pocket),
                multiplier,
                stake_minor,
                payout_minor,
            })
        }
        "mines" | "hilo" | "blackjack" => Err(GameError::params(format!(
            "{game} is a multi-step game: start a round instead"
        ))),
        other => Err(GameError::UnknownGame(other.to_owned())),
    }
}
