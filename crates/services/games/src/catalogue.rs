//! The game catalogue: which games exist, how each one is played (kind, params, actions), its RTP
//! and paytables (computed by the pure crates, never typed in twice) and the bet limits per currency.
//! Slots come from the YAML definitions shipped in `crates/rules/slots/games/` (compiled into the binary).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use casino::Risk;
use serde_json::{Value, json};

use crate::config::GamesConfig;

/// How a game is played.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GameKind {
    /// Settled at once (dice, limbo, crash, keno, plinko, wheel, roulette).
    Instant,
    /// A multi-step round (mines, hilo, blackjack).
    Round,
    /// A slot machine from a YAML definition.
    Slot,
}

impl GameKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Instant => "instant",
            Self::Round => "round",
            Self::Slot => "slot",
        }
    }
}

/// The instant games, in catalogue order.
pub const INSTANT_GAMES: [&str; 7] = [
    "dice", "limbo", "crash", "keno", "plinko", "wheel", "roulette",
];
/// The multi-step games.
pub const ROUND_GAMES: [&str; 3] = ["mines", "hilo", "blackjack"];
/// The shipped slot definitions: (game id, YAML).
pub const SLOT_GAMES: [(&str, &str); 3] = [
    (
        "lantern_festival",
        include_str!("../../../rules/slots/games/lantern_festival.yaml"),
    ),
    (
        "copper_canyon",
        include_str!("../../../rules/slots/games/copper_canyon.yaml"),
    ),
    (
        "orchard_crates",
        include_str!("../../../rules/slots/games/orchard_crates.yaml"),
    ),
];

/// The kind of a game id, `None` when there is no such game.
pub fn kind_of(game: &str) -> Option<GameKind> {
    if INSTANT_GAMES.contains(&game) {
        Some(GameKind::Instant)
    } else if ROUND_GAMES.contains(&game) {
        Some(GameKind::Round)
    } else if SLOT_GAMES.iter().any(|(id, _)| *id == game) {
        Some(GameKind::Slot)
    } else {
        None
    }
}

/// The parsed slot definitions, parsed once.
pub fn slot(game: &str) -> Option<&'static slots::game::Game> {
    static PARSED: OnceLock<BTreeMap<&'static str, slots::game::Game>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            SLOT_GAMES
                .iter()
                .filter_map(|(id, yaml)| match slots::cli::parse(yaml) {
                    Ok(g) => Some((*id, g)),
                    Err(e) => {
                        tracing::error!(game = id, error = %e, "shipped slot definition is invalid");
                        None
                    }
                })
                .collect()
        })
        .get(game)
}

/// The whole catalogue (without limits, which come from the configuration).
pub struct Catalogue {
    /// One JSON entry per game, in catalogue order.
    pub games: Vec<(String, Value)>,
}

static CATALOGUE: OnceLock<Result<Arc<Catalogue>, String>> = OnceLock::new();

/// The catalogue, computed once (slot and blackjack RTPs take a moment: the server computes it at
/// start, off the async threads, and refuses to start when any published figure cannot be
/// computed).
pub fn load() -> Result<Arc<Catalogue>, String> {
    CATALOGUE.get_or_init(|| build().map(Arc::new)).clone()
}

/// True once [`load`] has run.
pub fn ready() -> bool {
    CATALOGUE.get().is_some()
}

fn ratio(r: casino::Ratio) -> f64 {
    r.to_f64()
}

fn risk_name(r: Risk) -> &'static str {
    match r {
        Risk::Classic => "classic",
        Risk::Low => "low",
        Risk::Medium => "medium",
        Risk::High => "high",
    }
}

fn hundredths_list<T: Copy + Into<u64>>(table: &[T]) -> Vec<f64> {
    table.iter().map(|&m| m.into() as f64 / 100.0).collect()
}

/// Every published figure comes from the pure crates; a figure that cannot be computed is an error
/// naming the game, never a placeholder.
fn build() -> Result<Catalogue, String> {
    let failed = |game: &str, e: &dyn std::fmt::Display| format!("{game}: {e}");
    let mut games = Vec::new();
    let dice = casino::dice::DiceParams::from_json(&json!({"target": 50.5, "direction": "over"}))
        .map(|p| ratio(p.rtp()))
        .map_err(|e| failed("dice", &e))?;
    games.push((
        "dice".to_owned(),
        json!({
            "name": "Dice",
            "rtp": dice,
            "params": {
                "target": "number 0.00..100.00, two decimals",
                "direction": ["over", "under"],
            },
            "rules": "roll = floor(f * 10001) / 100; win chance 0.01%..98%; multiplier = 99 / chance%; a roll equal to the target loses",
            "example_params": {"target": 50.5, "direction": "over"},
        }),
    ));
    let limbo = casino::limbo::LimboParams::from_json(&json!({"target": 2.0}))
        .map(|p| ratio(p.rtp()))
        .map_err(|e| failed("limbo", &e))?;
    games.push((
        "limbo".to_owned(),
        json!({
            "name": "Limbo",
            "rtp": limbo,
            "params": {"target": "multiplier 1.01..1000000, two decimals"},
            "rules": "wins the target when the result is at least the target",
            "example_params": {"target": 2.0},
        }),
    ));
    // A 2.00x cash-out wins on `draws_at_least(200)` of the 2^32 draws.
    let crash_rtp = ratio(casino::Ratio::new(
        u128::from(fair::crash::draws_at_least(200)) * 2,
        1 << 32,
    ));
    games.push((
        "crash".to_owned(),
        json!({
            "name": "Crash",
            "rtp": crash_rtp,
            "params": {"cashout": "auto cash-out multiplier 1.01..1000000, two decimals"},
            "rules": "crash point = max(1, 2^32 / (u + 1) * 0.99) floored to two decimals, u = the bet's first four bytes; wins the cash-out multiplier when the crash point is at least it",
            "example_params": {"cashout": 2.0},
        }),
    ));
    let mut keno_rtp = BTreeMap::new();
    let mut keno_tables = BTreeMap::new();
    for risk in [Risk::Classic, Risk::Low, Risk::Medium, Risk::High] {
        let mut rtps = BTreeMap::new();
        let mut tables = BTreeMap::new();
        for picks in 1..=casino::keno::PICKS_MAX {
            rtps.insert(picks.to_string(), ratio(casino::keno::rtp(risk, picks)));
            tables.insert(
                picks.to_string(),
                hundredths_list(casino::keno::table(risk, picks)),
            );
        }
        keno_rtp.insert(risk_name(risk), rtps);
        keno_tables.insert(risk_name(risk), tables);
    }
    games.push((
        "keno".to_owned(),
        json!({
            "name": "Keno",
            "rtp_variants": keno_rtp,
            "params": {"picks": "1 to 10 distinct numbers 1..40", "risk": ["classic", "low", "medium", "high"]},
            "paytables": keno_tables,
            "rules": "10 numbers of 40 are drawn; the paytable (by risk and number of picks) pays by hits",
            "example_params": {"picks": [1, 2, 3, 4, 5], "risk": "classic"},
        }),
    ));
    let mut plinko_rtp = BTreeMap::new();
    let mut plinko_tables = BTreeMap::new();
    for risk in [Risk::Low, Risk::Medium, Risk::High] {
        let mut rtps = BTreeMap::new();
        let mut tables = BTreeMap::new();
        for rows in casino::plinko::ROWS_MIN..=casino::plinko::ROWS_MAX {
            let p = casino::plinko::PlinkoParams { rows, risk };
            rtps.insert(rows.to_string(), ratio(p.rtp()));
            tables.insert(rows.to_string(), hundredths_list(p.table()));
        }
        plinko_rtp.insert(risk_name(risk), rtps);
        plinko_tables.insert(risk_name(risk), tables);
    }
    games.push((
        "plinko".to_owned(),
        json!({
            "name": "Plinko",
            "rtp_variants": plinko_rtp,
            "params": {"rows": "8..16", "risk": ["low", "medium", "high"]},
            "paytables": plinko_tables,
            "rules": "the ball goes right on each row when floor(f * 2) = 1; the bucket is the number of rights",
            "example_params": {"rows": 16, "risk": "low"},
        }),
    ));
    let mut wheel_rtp = BTreeMap::new();
    let mut wheel_tables = BTreeMap::new();
    for risk in [Risk::Low, Risk::Medium, Risk::High] {
        let mut rtps = BTreeMap::new();
        let mut tables = BTreeMap::new();
        for segments in [10u32, 20, 30, 40, 50] {
            let p = casino::wheel::WheelParams { segments, risk };
            rtps.insert(segments.to_string(), ratio(p.rtp()));
            tables.insert(segments.to_string(), hundredths_list(p.table()));
        }
        wheel_rtp.insert(risk_name(risk), rtps);
        wheel_tables.insert(risk_name(risk), tables);
    }
    games.push((
        "wheel".to_owned(),
        json!({
            "name": "Wheel",
            "rtp_variants": wheel_rtp,
            "params": {"segments": [10, 20, 30, 40, 50], "risk": ["low", "medium", "high"]},
            "paytables": wheel_tables,
            "rules": "segment = floor(f * segments)",
            "example_params": {"segments": 10, "risk": "low"},
        }),
    ));
    let roulette = casino::roulette::RouletteParams::from_json(
        &json!({"bets": [{"type": "red", "amount": 1}]}),
    )
    .and_then(|p| p.rtp())
    .map(ratio)
    .map_err(|e| failed("roulette", &e))?;
    games.push((
        "roulette".to_owned(),
        json!({
            "name": "Roulette (single zero)",
            "rtp": roulette,
            "params": {"bets": "1 to 64 bets {type, amount, ...}; the bet's amount is their sum"},
            "paytable": {"straight": 36, "split": 18, "street": 12, "corner": 9, "six_line": 6, "dozen": 3, "column": 3, "red": 2, "black": 2, "odd": 2, "even": 2, "low": 2, "high": 2},
            "rules": "pocket = floor(f * 37)",
            "example_params": {"bets": [{"type": "red", "amount": 100}]},
        }),
    ));
    let (mines_min, mines_max) = casino::mines::rtp_bounds();
    games.push((
        "mines".to_owned(),
        json!({
            "name": "Mines",
            "rtp": ratio(mines_min),
            "rtp_max": ratio(mines_max),
            "rtp_exact": mines_min.to_string(),
            "rtp_model": "lowest_over_choices",
            "params": {"mines": "1..24"},
            "actions": [{"action": "reveal", "tile": "0..24"}, {"action": "cash_out"}],
            "idle_rule": "cash out (a round without a safe pick returns the stake)",
            "rules": "multiplier after k safe picks = 0.99 * C(25, k) / C(25 - mines, k)",
            "example_params": {"mines": 3},
        }),
    ));
    let (hilo_min, hilo_max) = casino::hilo::rtp_bounds();
    games.push((
        "hilo".to_owned(),
        json!({
            "name": "Hilo",
            "rtp": ratio(hilo_min),
            "rtp_max": ratio(hilo_max),
            "rtp_exact": hilo_min.to_string(),
            "rtp_model": "lowest_over_choices",
            "params": {},
            "actions": [{"action": "guess", "guess": ["higher", "lower", "same", "skip"]}, {"action": "cash_out"}],
            "idle_rule": "cash out (a round without a guess returns the stake)",
            "rules": "52 cards drawn with replacement at bet time; each winning guess multiplies by 0.99 * 13 / winning ranks",
            "example_params": {},
        }),
    ));
    let blackjack_rtp = casino::blackjack_rtp::BlackjackStrategy::new().rtp();
    games.push((
        "blackjack".to_owned(),
        json!({
            "name": "Blackjack",
            "rtp": blackjack_rtp,
            "rtp_model": "infinite_deck_optimal_strategy",
            "params": {},
            "actions": [{"action": "hit"}, {"action": "stand"}, {"action": "double"}, {"action": "split"}, {"action": "insurance", "take": "bool"}],
            "idle_rule": "stand (insurance declined)",
            "rules": "cards drawn with replacement at bet time; blackjack pays 3:2, dealer stands on all 17s; doubles and splits stake the same amount again",
            "example_params": {},
        }),
    ));
    for (id, _) in SLOT_GAMES {
        let game = slot(id).ok_or_else(|| failed(id, &"the shipped definition is invalid"))?;
        let report = slots::exact::analyze(game)
            .map_err(|e| failed(id, &e))
            .and_then(|r| serde_json::to_value(&r).map_err(|e| failed(id, &e)))?;
        let figure = |key: &str| {
            report
                .get(key)
                .filter(|v| v.is_number())
                .cloned()
                .ok_or_else(|| failed(id, &format!("the exact analysis has no `{key}`")))
        };
        let paytable: BTreeMap<&str, &Vec<u64>> = game
            .symbols
            .iter()
            .zip(&game.pays)
            .filter(|(_, p)| p.iter().any(|&x| x > 0))
            .map(|(s, p)| (s.name.as_str(), p))
            .collect();
        let scatter: BTreeMap<&str, &Vec<u64>> = game
            .symbols
            .iter()
            .zip(&game.scatter_pays)
            .filter(|(_, p)| !p.is_empty())
            .map(|(s, p)| (s.name.as_str(), p))
            .collect();
        games.push((
            id.to_owned(),
            json!({
                "name": game.name,
                "description": game.description,
                "rtp": figure("rtp")?,
                "hit_frequency": figure("hit_frequency")?,
                "volatility": figure("volatility")?,
                "reels": game.reels,
                "rows": game.rows,
                "lines": game.line_count(),
                "cost": game.cost,
                "max_win": game.max_win,
                "params": {"lines": format!("optional; must be {} (every line is played)", slot_lines(game))},
                "paytable": paytable,
                "scatter_pays": scatter,
                "rules": "amount = total bet, a multiple of cost; line bet = amount / cost; stops = floor(f * strip length) per reel from the bet's stream",
                "example_params": {"lines": slot_lines(game)},
                "definition": slot_definition(game),
            }),
        ));
    }
    Ok(Catalogue { games })
}

/// Everything a verifier needs to recompute a slot round from the bet's floats (`slots::spin`): the
/// symbols with their line and scatter pays, paylines or ways, every reel set (free-spin reels too),
/// free-spin and mystery rules and the cap. Published as the catalogue entry's `definition`
/// (docs/games-api.md), so the browser verifier never needs the YAML.
pub fn slot_definition(game: &slots::game::Game) -> Value {
    let name = |s: usize| game.symbols[s].name.as_str();
    let symbols: Vec<Value> = game
        .symbols
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "name": s.name,
                "wild": s.wild,
                "wild_multiplier": s.wild_multiplier,
                "scatter": s.scatter,
                "pays": game.pays[i],
                "scatter_pays": game.scatter_pays[i],
            })
        })
        .collect();
    let (layout, paylines) = match &game.layout {
        slots::Layout::Lines(lines) => ("lines", lines.clone()),
        slots::Layout::Ways => ("ways", Vec::new()),
    };
    let reel_sets: Vec<Value> = game
        .reel_sets
        .iter()
        .map(|set| {
            let strips: Vec<Vec<&str>> = set
                .strips
                .iter()
                .map(|strip| strip.iter().map(|&c| name(usize::from(c))).collect())
                .collect();
            json!({"name": set.name, "strips": strips})
        })
        .collect();
    let free_spins = game.free_spins.as_ref().map(|f| {
        json!({
            "trigger": name(f.symbol),
            "awards": f.awards,
            "multiplier": f.multiplier,
            "retrigger": f.retrigger,
            "reel_set": game.reel_sets[f.reel_set].name,
            "round_max": slots::game::FREE_SPINS_ROUND_MAX,
        })
    });
    let mystery = game.mystery.as_ref().map(|m| {
        let becomes: Vec<Value> = m
            .weights
            .iter()
            .map(|&(s, w)| json!({"symbol": name(s), "weight": w}))
            .collect();
        json!({
            "symbol": name(m.symbol),
            "min_count": m.min_count,
            "becomes": becomes,
            "weight_total": m.weight_total,
        })
    });
    json!({
        "reels": game.reels,
        "rows": game.rows,
        "symbols": symbols,
        "layout": layout,
        "paylines": paylines,
        "cost": game.cost,
        "reel_sets": reel_sets,
        "free_spins": free_spins,
        "mystery": mystery,
        "max_win": game.max_win,
        "line_bet_limit": slots::spin::LINE_BET_LIMIT,
        "stream": "one float per reel, left to right (stop = min(floor(f * strip length), length - 1), the window is `rows` symbols from the stop, wrapping); then one float for the mystery draw when at least min_count mystery symbols show (floor(f * weight_total) into the cumulative weights in symbol order); then the same for each free spin in play order",
    })
}

/// The `lines` param a slot accepts: its line count, or its cost for ways games.
pub fn slot_lines(game: &slots::game::Game) -> u64 {
    match game.line_count() {
        0 => game.cost,
        n => n as u64,
    }
}

/// One catalogue entry with its id, kind and limits.
pub fn entry(id: &str, body: &Value, config: &GamesConfig) -> Value {
    let mut v = body.clone();
    if let Some(o) = v.as_object_mut() {
        o.insert("id".into(), json!(id));
        o.insert(
            "kind".into(),
            json!(kind_of(id).map_or("instant", GameKind::as_str)),
        );
        let limits: BTreeMap<&String, Value> = config
            .currencies
            .iter()
            .map(|(c, l)| {
                (
                    c,
                    json!({"min_bet": l.min_bet, "max_bet": l.max_bet, "max_payout": l.max_payout}),
                )
            })
            .collect();
        o.insert("limits".into(), json!(limits));
    }
    v
}
