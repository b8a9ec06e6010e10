//! Pure functions behind `playhouse fair outcome` and `playhouse fair rtp`: argument values in,
//! the JSON to print out. Errors name the bad argument in one line.

use fair::{ByteStream, IndexMode};
use serde_json::{Value, json};

use crate::cards::{self, CARDS_PER_ROUND};
use crate::{GameError, Ratio, dice, hilo, keno, limbo, mines, plinko, roulette, wheel};

pub use fair::cli::CliError;

/// Most cards or floats `fair outcome` prints at once.
pub const OUTCOME_COUNT_MAX: u64 = 1024;

/// `playhouse fair outcome --game G --server-seed S --client-seed C --nonce N [--params JSON]`.
///
/// Games: dice, limbo, roulette, wheel, keno, mines, plinko, cards, floats, hilo, blackjack (the
/// last two print the 52 cards of the round). Params only shape the outcome where the mapping needs
/// them, with defaults: wheel `{"segments": 10, "risk": "low"}`, mines `{"mines": 3}`, plinko
/// `{"rows": 16, "risk": "low"}`, cards `{"count": 52}`, floats `{"count": 8}`; dice, limbo,
/// roulette and keno outcomes do not depend on params, which are then ignored.
pub fn outcome(
    game: &str,
    server_seed: &str,
    client_seed: &str,
    nonce: u64,
    params: Option<&str>,
) -> Result<Value, CliError> {
    fair::cli::check_seeds(server_seed, client_seed)?;
    let params = parse_params(params)?;
    let mut stream = ByteStream::new(server_seed, client_seed, nonce);
    let mode = IndexMode::Floor;
    let value = match game {
        "dice" => dice::outcome_json(dice::roll(&mut stream, mode)),
        "limbo" => limbo::outcome_json(limbo::result(&mut stream)),
        "roulette" => roulette::outcome_json(roulette::pocket(&mut stream, mode)),
        "keno" => keno::outcome_json(&keno::draw(&mut stream, mode)),
        "wheel" => {
            let p = wheel::WheelParams::from_json(&or_default(
                params,
                json!({"segments": 10, "risk": "low"}),
            ))
            .map_err(bad_params)?;
            p.outcome_json(p.spin(&mut stream, mode))
        }
        "mines" => {
            let p = mines::MinesParams::from_json(&or_default(params, json!({"mines": 3})))
                .map_err(bad_params)?;
            mines::outcome_json(&mines::draw_mines(&mut stream, mode, p.mines))
        }
        "plinko" => {
            let p = plinko::PlinkoParams::from_json(&or_default(
                params,
                json!({"rows": 16, "risk": "low"}),
            ))
            .map_err(bad_params)?;
            p.outcome_json(&p.drop_ball(&mut stream))
        }
        "cards" | "hilo" | "blackjack" => {
            let default = CARDS_PER_ROUND as u64;
            let count = if game == "cards" {
                count_param(params, default)?
            } else {
                default
            };
            let drawn = cards::draw_many(&mut stream, mode, count as usize);
            json!({ "cards": drawn.iter().map(|c| c.code()).collect::<Vec<_>>() })
        }
        "floats" => {
            let count = count_param(params, 8)?;
            json!({ "floats": (0..count).map(|_| stream.next_float()).collect::<Vec<_>>() })
        }
        other => return Err(unknown_game(other)),
    };
    Ok(value)
}

/// `playhouse fair rtp --game G [--params JSON]`: the exact RTP of one configuration.
///
/// Prints `{"game", "params", "rtp", "rtp_exact", "house_edge", "model"}` where `rtp_exact` is the
/// reduced fraction and `model` says which distribution it is exact for: `uniform` (every outcome
/// of the mapping equally likely, the game's design) and, for single-draw games, also `rtp_u32`:
/// exact over the 2^32 four-byte draws of the default `floor(f * n)` mapping. Limbo and crash are
/// functions of the 32-bit draw, so their one model is `u32`; blackjack prints the return of the
/// EV-maximising strategy (`infinite_deck_optimal_strategy`) without a fraction.
pub fn rtp(game: &str, params: Option<&str>) -> Result<Value, CliError> {
    let params = parse_params(params)?;
    let with = |default: Value| or_default(params.clone(), default);
    let (params, uniform, u32_exact): (Value, Ratio, Option<Ratio>) = match game {
        "dice" => {
            let v = with(json!({"target": 50.5, "direction": "over"}));
            let p = dice::DiceParams::from_json(&v).map_err(bad_params)?;
            (v, p.rtp(), Some(p.rtp_u32()))
        }
        "limbo" => {
            let v = with(json!({"target": 2.0}));
            let p = limbo::LimboParams::from_json(&v).map_err(bad_params)?;
            // The result is a function of the 32-bit draw: the u32 model is the only model.
            (v, p.rtp(), None)
        }
        "crash" => {
            let v = with(json!({"target": 2.0}));
            let p = limbo::LimboParams::from_json(&v).map_err(bad_params)?;
            let wins = fair::crash::draws_at_least(p.target);
            let r =
                Ratio::new(u128::from(wins), 1 << 32).times(Ratio::new(u128::from(p.target), 100));
            (v, r, None)
        }
        "roulette" => {
            let v = with(json!({"bets": [{"type": "red", "amount": 1}]}));
            let p = roulette::RouletteParams::from_json(&v).map_err(bad_params)?;
            (
                v,
                p.rtp().map_err(bad_params)?,
                Some(p.rtp_u32().map_err(bad_params)?),
            )
        }
        "wheel" => {
            let v = with(json!({"segments": 10, "risk": "low"}));
            let p = wheel::WheelParams::from_json(&v).map_err(bad_params)?;
            (v, p.rtp(), Some(p.rtp_u32()))
        }
        "plinko" => {
            let v = with(json!({"rows": 16, "risk": "low"}));
            let p = plinko::PlinkoParams::from_json(&v).map_err(bad_params)?;
            // floor(f * 2) is exactly unbiased: the uniform model is the u32 model.
            (v, p.rtp(), Some(p.rtp()))
        }
        "keno" => {
            let v = with(json!({"picks": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "risk": "classic"}));
            let p = keno::KenoParams::from_json(&v).map_err(bad_params)?;
            (v, p.rtp(), None)
        }
        "mines" => {
            let v = with(json!({"mines": 3, "picks": 1}));
            let (m, k) = mines_rtp_params(&v)?;
            (v, mines::rtp(m, k), None)
        }
        "hilo" => {
            let v = with(json!({"rank": "7", "guess": "higher"}));
            let (rank, guess) = hilo_rtp_params(&v)?;
            let r = hilo::rtp(rank, guess).ok_or_else(|| {
                CliError("--params: that guess cannot win from that rank".to_owned())
            })?;
            (v, r, None)
        }
        "blackjack" => {
            if params
                .as_ref()
                .is_some_and(|p| p.as_object().is_none_or(|o| !o.is_empty()))
            {
                return Err(CliError("--params: blackjack takes no params".to_owned()));
            }
            // Strategy-dependent: the return of the EV-maximising strategy, an f64 sum over exact
            // infinite-deck probabilities (so no fraction is printed).
            let rtp = crate::blackjack_rtp::BlackjackStrategy::new().rtp();
            return Ok(json!({
                "game": game,
                "params": {},
                "rtp": rtp,
                "house_edge": 1.0 - rtp,
                "model": "infinite_deck_optimal_strategy",
            }));
        }
        other => return Err(unknown_game(other)),
    };
    let mut out = json!({
        "game": game,
        "params": params,
        "rtp": uniform.to_f64(),
        "rtp_exact": uniform.to_string(),
        "house_edge": 1.0 - uniform.to_f64(),
        "model": if matches!(game, "limbo" | "crash") { "u32" } else { "uniform" },
    });
    if let Some(exact) = u32_exact {
        out["rtp_u32"] = json!(exact.to_f64());
        out["rtp_u32_exact"] = json!(exact.to_string());
    }
    Ok(out)
}

fn parse_params(params: Option<&str>) -> Result<Option<Value>, CliError> {
    params
        .map(|text| {
            serde_json::from_str::<Value>(text)
                .map_err(|e| CliError(format!("--params is not valid JSON: {e}")))
        })
        .transpose()
}

fn or_default(params: Option<Value>, default: Value) -> Value {
    params.unwrap_or(default)
}

fn bad_params(error: GameError) -> CliError {
    CliError(format!("--params: {error}"))
}

fn unknown_game(game: &str) -> CliError {
    CliError(format!("--game: unknown game '{game}'"))
}

fn count_param(params: Option<Value>, default: u64) -> Result<u64, CliError> {
    let Some(params) = params else {
        return Ok(default);
    };
    let count = params
        .get("count")
        .and_then(Value::as_u64)
        .filter(|c| (1..=OUTCOME_COUNT_MAX).contains(c));
    let only_count = params.as_object().is_some_and(|o| o.len() == 1);
    match count {
        Some(count) if only_count => Ok(count),
        _ => Err(CliError(format!(
            "--params must be {{\"count\": 1..{OUTCOME_COUNT_MAX}}}"
        ))),
    }
}

fn mines_rtp_params(v: &Value) -> Result<(u8, u8), CliError> {
    let bad =
        || CliError("--params must be {\"mines\": 1..24, \"picks\": 1..(25 - mines)}".to_owned());
    let object = v
        .as_object()
        .filter(|o| o.keys().all(|k| k == "mines" || k == "picks"))
        .ok_or_else(bad)?;
    let mines = object
        .get("mines")
        .and_then(Value::as_u64)
        .filter(|m| (1..=24).contains(m))
        .ok_or_else(bad)?;
    let picks = object
        .get("picks")
        .map_or(Some(1), Value::as_u64)
        .filter(|k| (1..=25 - mines).contains(k))
        .ok_or_else(bad)?;
    Ok((mines as u8, picks as u8))
}

fn hilo_rtp_params(v: &Value) -> Result<(u8, hilo::Guess), CliError> {
    let bad = || {
        CliError("--params must be {\"rank\": \"2\"..\"A\", \"guess\": \"higher\" | \"lower\" | \"same\"}".to_owned())
    };
    let rank_text = v.get("rank").and_then(Value::as_str).ok_or_else(bad)?;
    let rank = [
        "2", "3", "4", "5", "6", "7", "8", "9", "T", "J", "Q", "K", "A",
    ]
    .iter()
    .position(|r| *r == rank_text)
    .ok_or_else(bad)? as u8;
    let guess: hilo::Guess = v
        .get("guess")
        .cloned()
        .and_then(|g| serde_json::from_value(g).ok())
        .ok_or_else(bad)?;
    if guess == hilo::Guess::Skip {
        return Err(bad());
    }
    Ok((rank, guess))
}
