//! Turns a bet's params and its provably fair stream into an outcome, a multiplier and a payout by
//! calling the pure crates (`casino`, `fair::crash`, `slots`). Nothing here reads the player, their
//! history or their balance: only the seeds, the nonce, the params and the stake.

use casino::{GameError, MULTIPLIER_SCALE, Round};
use fair::{ByteStream, IndexMode};
use serde_json::{Value, json};

use super::catalogue::{self, GameKind};

/// The mapping of every game served (the default `floor(f * n)`).
pub const MODE: IndexMode = IndexMode::Floor;

/// What a bet produced.
#[derive(Debug, Clone)]
pub struct Played {
    /// The outcome object (`playhouse fair outcome`'s shape; `null` while a round is open).
    pub outcome: Value,
    /// Multiplier in units of 1e-8 (0 while a round is open).
    pub multiplier: u64,
    /// Minor units paid (0 while a round is open).
    pub payout: u64,
    /// The round of a multi-step game.
    pub round: Option<Round>,
}

/// A client-causable refusal: the offending field and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayError {
    /// `params`, `params.target`, `amount`, `action`, …
    pub field: String,
    /// Full sentence.
    pub message: String,
}

impl PlayError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

fn from_game(e: GameError) -> PlayError {
    match e {
        GameError::StakeMismatch { stake, sum } => PlayError::new(
            "amount",
            format!("The amount ({stake}) must equal the sum of the roulette bets ({sum})."),
        ),
        GameError::ZeroStake => PlayError::new("amount", "The amount must be positive."),
        other => PlayError::new("params", format!("Invalid params: {other}.")),
    }
}

/// Plays a bet of `amount` minor units from cursor 0 of its stream.
pub fn play(
    game: &str,
    kind: GameKind,
    params: &Value,
    stream: &mut ByteStream,
    amount: u64,
) -> Result<Played, PlayError> {
    match kind {
        GameKind::Instant if game == "crash" => crash(params, stream, amount),
        GameKind::Instant => {
            let s = casino::play(game, params, stream, amount).map_err(from_game)?;
            Ok(Played {
                outcome: s.outcome,
                multiplier: s.multiplier.0,
                payout: s.payout_minor,
                round: None,
            })
        }
        GameKind::Round => {
            let params = if params.is_null() {
                json!({})
            } else {
                params.clone()
            };
            let round = Round::start(game, &params, stream, MODE, amount).map_err(from_game)?;
            Ok(Played {
                outcome: Value::Null,
                multiplier: 0,
                payout: 0,
                round: Some(round),
            })
        }
        GameKind::Slot => slot(game, params, stream, amount),
    }
}

fn crash(params: &Value, stream: &mut ByteStream, amount: u64) -> Result<Played, PlayError> {
    let target = params
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.get("cashout"))
        .and_then(Value::as_f64)
        .ok_or_else(|| PlayError::new("params", "Crash takes {\"cashout\": 1.01..1000000}."))?;
    let hundredths = (target * 100.0).round();
    if !(101.0..=100_000_000.0).contains(&hundredths)
        || ((target * 100.0) - hundredths).abs() > 1e-6
    {
        return Err(PlayError::new(
            "params.cashout",
            "The cash-out multiplier is 1.01 to 1000000 with at most two decimals.",
        ));
    }
    let hundredths = hundredths as u64;
    let point = fair::crash::crash_from_u32(stream.next_u32());
    let multiplier = if point.hundredths >= hundredths {
        hundredths * (MULTIPLIER_SCALE / 100)
    } else {
        0
    };
    let payout = casino::Multiplier(multiplier)
        .payout(amount)
        .map_err(from_game)?;
    Ok(Played {
        outcome: json!({ "crash_point": point.shown() }),
        multiplier,
        payout,
        round: None,
    })
}

fn slot(
    game: &str,
    params: &Value,
    stream: &mut ByteStream,
    amount: u64,
) -> Result<Played, PlayError> {
    let Some(def) = catalogue::slot(game) else {
        return Err(PlayError::new("game", "No such slot."));
    };
    let lines = catalogue::slot_lines(def);
    let ok_params = match params {
        Value::Null => true,
        Value::Object(o) => {
            o.keys().all(|k| k == "lines")
                && o.get("lines").is_none_or(|l| l.as_u64() == Some(lines))
        }
        _ => false,
    };
    if !ok_params {
        return Err(PlayError::new(
            "params.lines",
            format!("This slot plays all of its lines: lines must be {lines}."),
        ));
    }
    if !amount.is_multiple_of(def.cost) {
        return Err(PlayError::new(
            "amount",
            format!(
                "The amount must be a multiple of the slot's cost ({}).",
                def.cost
            ),
        ));
    }
    let line_bet = amount / def.cost;
    let floats = std::iter::from_fn(|| Some(stream.next_float()));
    let result = slots::spin::spin(def, line_bet, floats)
        .map_err(|e| PlayError::new("amount", format!("The bet cannot be played: {e}.")))?;
    let multiplier = casino::Multiplier::from_ratio(
        u128::from(result.total_win),
        u128::from(result.total_bet.max(1)),
    )
    .0;
    let outcome = serde_json::to_value(&result).unwrap_or(Value::Null);
    Ok(Played {
        outcome,
        multiplier,
        payout: result.total_win,
        round: None,
    })
}

/// The full outcome of a finished round (`playhouse fair outcome`'s shape: mines positions, or the
/// 52 cards of hilo and blackjack), computed again from the seeds.
pub fn round_outcome(
    game: &str,
    params: &Value,
    server_seed: &str,
    client_seed: &str,
    nonce: u64,
) -> Value {
    let params_text = match game {
        "mines" => Some(params.to_string()),
        _ => None,
    };
    casino::cli::outcome(
        game,
        server_seed,
        client_seed,
        nonce,
        params_text.as_deref(),
    )
    .unwrap_or(Value::Null)
}

/// The multiplier (1e-8 units) of a settled round: payout / staked, rounded down.
pub fn round_multiplier(payout: u64, staked: u64) -> u64 {
    if staked == 0 {
        return 0;
    }
    casino::Multiplier::from_ratio(u128::from(payout), u128::from(staked)).0
}
