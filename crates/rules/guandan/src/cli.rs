//! Pure functions behind `playhouse guandan moves|decide|selfplay|replay`: they take the text the shell
//! read and return the JSON to print, or a one-line error naming the bad argument or the first illegal action.

use crate::bots::{self, Bot};
use crate::card::{Card, Hand, Rank, SEATS, Seat, parse_rank};
use crate::combo::{Move, parse_move};
use crate::game::{Action, Match, Phase, Seed, View, replay as replay_log};
use crate::movegen;
use crate::rules::Rules;
use crate::sim;
use serde_json::{Value, json};
use std::fmt;

/// A command-line error; `Display` is one line naming the bad argument or the first illegal action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CliError(pub String);

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CliError {}

fn err(msg: impl Into<String>) -> CliError {
    CliError(msg.into())
}

/// The rules of a named profile, or an error naming `--rules`.
pub fn rules_by_name(name: &str) -> Result<Rules, CliError> {
    Rules::profile(name).ok_or_else(|| {
        err(format!(
            "--rules: unknown profile {name:?} (expected official-2022 or competition)"
        ))
    })
}

fn parse_json(input: &str) -> Result<Value, CliError> {
    serde_json::from_str(input).map_err(|e| err(format!("stdin: invalid JSON: {e}")))
}

fn parse_cards(v: &Value, field: &str) -> Result<Vec<Card>, CliError> {
    let arr = v
        .as_array()
        .ok_or_else(|| err(format!("{field}: expected a list of card codes")))?;
    arr.iter()
        .map(|c| {
            c.as_str()
                .and_then(Card::parse)
                .ok_or_else(|| err(format!("{field}: bad card code {c}")))
        })
        .collect()
}

fn parse_hand(v: &Value, field: &str) -> Result<Hand, CliError> {
    let cards = parse_cards(v, field)?;
    Hand::from_cards(&cards).ok_or_else(|| err(format!("{field}: more than two copies of a card")))
}

fn parse_level(v: &Value, field: &str) -> Result<Rank, CliError> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(err(format!(
                "{field}: expected a rank such as \"5\" or \"T\""
            )));
        }
    };
    parse_rank(&s).ok_or_else(|| err(format!("{field}: bad rank {s:?}")))
}

/// `moves`: reads `{"level", "hand", "top"}` and returns `{"moves": [...]}`: every legal play, each distinct
/// (type, key, multiset of cards) once, plus PASS (first) when `top` is not null.
pub fn moves(input_json: &str, rules_profile: &str) -> Result<Value, CliError> {
    let rules = rules_by_name(rules_profile)?;
    let v = parse_json(input_json)?;
    let level = parse_level(v.get("level").unwrap_or(&Value::Null), "level")?;
    let hand = parse_hand(v.get("hand").unwrap_or(&Value::Null), "hand")?;
    let top = match v.get("top") {
        None | Some(Value::Null) => None,
        Some(t) => match parse_move(t).map_err(|e| err(format!("top: {e}")))? {
            Move::Pass => None,
            Move::Play(p) => {
                if !p.is_valid(level, &rules) {
                    return Err(err(format!(
                        "top: the cards do not form {} with key {} at level {level}",
                        p.kind.name(),
                        p.key
                    )));
                }
                Some(p)
            }
        },
    };
    // PASS first, as in the competition's action lists (index 0 is always PASS when following).
    let mut list = Vec::with_capacity(256);
    if top.is_some() {
        list.push(Move::Pass);
    }
    list.extend(
        movegen::plays(&hand, level, top.as_ref(), &rules)
            .into_iter()
            .map(Move::Play),
    );
    Ok(json!({ "moves": list }))
}

/// Parses a bot name list: one name for every seat, two (team 0, team 1) or four.
pub fn parse_bots(bots: &str) -> Result<[Box<dyn Bot>; 4], CliError> {
    let names: Vec<&str> = bots.split(',').map(str::trim).collect();
    let pick = |i: usize| -> &str {
        match names.len() {
            1 => names[0],
            2 => names[i % 2],
            _ => names.get(i).copied().unwrap_or(""),
        }
    };
    if !matches!(names.len(), 1 | 2 | 4) {
        return Err(err(format!(
            "--bots: expected 1, 2 or 4 names, got {}",
            names.len()
        )));
    }
    let mk = |i: usize| {
        bots::by_name(pick(i)).ok_or_else(|| {
            err(format!(
                "--bots: unknown bot {:?} (expected random, greedy or expert)",
                pick(i)
            ))
        })
    };
    Ok([mk(0)?, mk(1)?, mk(2)?, mk(3)?])
}

/// `decide`: reads one AI-competition `act` message and returns `{"actIndex": i}`.
pub fn decide(input_json: &str, bot: &str) -> Result<Value, CliError> {
    let b = bots::by_name(bot).ok_or_else(|| {
        err(format!(
            "--bot: unknown bot {bot:?} (expected random, greedy or expert)"
        ))
    })?;
    let v = parse_json(input_json)?;
    if let Some(t) = v.get("type").filter(|t| t.as_str() != Some("act")) {
        return Err(err(format!("type: expected \"act\", got {t}")));
    }
    let stage = v.get("stage").and_then(Value::as_str).unwrap_or("play");
    if !matches!(stage, "play" | "tribute" | "back") {
        return Err(err(format!(
            "stage: expected play, tribute or back, got {stage:?}"
        )));
    }
    let hand = parse_hand(v.get("handCards").unwrap_or(&Value::Null), "handCards")?;
    let level = parse_level(v.get("curRank").unwrap_or(&Value::Null), "curRank")?;
    let list = v
        .get("actionList")
        .and_then(Value::as_array)
        .ok_or_else(|| err("actionList: expected a list of actions"))?;
    if list.is_empty() {
        return Err(err("actionList: empty"));
    }
    let mut counts = [27u8; SEATS];
    let mut last_moves: [Option<Move>; SEATS] = [None; SEATS];
    if let Some(info) = v.get("publicInfo").and_then(Value::as_array) {
        for (i, p) in info.iter().enumerate().take(SEATS) {
            if let Some(r) = p.get("rest").and_then(Value::as_u64) {
                counts[i] = r.min(27) as u8;
            }
            if let Some(pa) = p.get("playArea").filter(|x| !x.is_null()) {
                last_moves[i] = parse_move(pa).ok();
            }
        }
    }
    let seat = match v.get("myPos").and_then(Value::as_u64) {
        Some(p) => {
            Seat::new(p as u8).ok_or_else(|| err(format!("myPos: seat {p} out of range")))?
        }
        None => {
            let mine: Vec<usize> = (0..SEATS)
                .filter(|&i| usize::from(counts[i]) == hand.len())
                .collect();
            Seat::wrapping(mine.first().copied().unwrap_or(0) as u8)
        }
    };
    counts[seat.index()] = hand.len() as u8;
    let mut legal = Vec::with_capacity(list.len());
    for (i, a) in list.iter().enumerate() {
        let ty = a.get(0).and_then(Value::as_str).unwrap_or("");
        let action = match ty {
            "tribute" | "back" => {
                let cards = parse_cards(
                    a.get(2).unwrap_or(&Value::Null),
                    &format!("actionList[{i}]"),
                )?;
                let card = *cards
                    .first()
                    .ok_or_else(|| err(format!("actionList[{i}]: no card")))?;
                if ty == "tribute" {
                    Action::Tribute { seat, card }
                } else {
                    Action::Return { seat, card }
                }
            }
            _ => {
                let m = parse_move(a).map_err(|e| err(format!("actionList[{i}]: {e}")))?;
                Action::from_move(seat, m)
            }
        };
        legal.push(action);
    }
    let greater_pos = v.get("greaterPos").and_then(Value::as_i64).unwrap_or(-1);
    let greater = v
        .get("greaterAction")
        .filter(|x| !x.is_null())
        .and_then(|x| parse_move(x).ok());
    let top = match (Seat::new(greater_pos.clamp(0, 255) as u8), greater) {
        (Some(owner), Some(Move::Play(p))) if greater_pos >= 0 && owner != seat => Some((owner, p)),
        _ => None,
    };
    let self_rank = v
        .get("selfRank")
        .and_then(|x| parse_level(x, "selfRank").ok())
        .unwrap_or(level);
    let oppo_rank = v
        .get("oppoRank")
        .and_then(|x| parse_level(x, "oppoRank").ok())
        .unwrap_or(level);
    let mut levels = [self_rank, oppo_rank];
    if seat.team().index() == 1 {
        levels.swap(0, 1);
    }
    let phase = match stage {
        "tribute" => Phase::Tribute,
        "back" => Phase::Return,
        _ => Phase::Play,
    };
    let view = View {
        seat: Some(seat),
        hand: Some(hand),
        rules: Rules::competition(),
        hand_no: 0,
        level,
        levels,
        declarer: None,
        phase,
        awaiting: vec![seat],
        counts,
        top,
        trick: Vec::new(),
        last_moves,
        played: Hand::new(),
        finish: Vec::new(),
        tributes: Vec::new(),
        anti_tribute: Vec::new(),
        winner: None,
    };
    // The decision is deterministic: a fixed-seed RNG (only the random bot uses it).
    let mut rng = sim::bot_rng(0, 0);
    let i = b.decide(&view, &legal, &mut rng).min(legal.len() - 1);
    Ok(json!({ "actIndex": i }))
}

/// Totals of a self-play run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SelfplayStats {
    /// Matches played.
    pub games: u32,
    /// Hands played over all matches.
    pub hands: u64,
    /// Matches won by [team of seats 0 and 2, team of seats 1 and 3].
    pub team_wins: [u32; 2],
    /// Matches ended as a draw by a limit.
    pub draws: u32,
    /// Bot decisions taken.
    pub decisions: u64,
    /// Bot names per seat.
    pub bots: Vec<String>,
    /// Rules profile name.
    pub rules: String,
    /// The simulation seed.
    pub seed: u64,
}

impl SelfplayStats {
    /// The JSON printed by `selfplay`; rates use the elapsed time measured by the caller.
    pub fn to_json(&self, elapsed_secs: f64) -> Value {
        let secs = if elapsed_secs > 0.0 {
            elapsed_secs
        } else {
            f64::MIN_POSITIVE
        };
        let decided = self.team_wins[0] + self.team_wins[1];
        json!({
            "games": self.games,
            "hands": self.hands,
            "team_wins": self.team_wins,
            "draws": self.draws,
            "team0_win_rate": if decided > 0 { f64::from(self.team_wins[0]) / f64::from(self.games) } else { 0.0 },
            "avg_hands_per_game": if self.games > 0 { self.hands as f64 / f64::from(self.games) } else { 0.0 },
            "decisions": self.decisions,
            "decisions_per_sec": self.decisions as f64 / secs,
            "hands_per_sec": self.hands as f64 / secs,
            "elapsed_secs": elapsed_secs,
            "bots": self.bots,
            "rules": self.rules,
            "seed": self.seed,
        })
    }
}

/// `selfplay`: plays `games` complete matches; game `i` uses deal seed `sim::game_seed(seed, i)`.
pub fn selfplay(
    games: u32,
    seed: u64,
    bots: &str,
    rules_profile: &str,
) -> Result<SelfplayStats, CliError> {
    let rules = rules_by_name(rules_profile)?;
    let b = parse_bots(bots)?;
    let refs: [&dyn Bot; 4] = [&*b[0], &*b[1], &*b[2], &*b[3]];
    let mut stats = SelfplayStats {
        games,
        bots: refs.iter().map(|b| b.name().to_string()).collect(),
        rules: rules_profile.to_string(),
        seed,
        ..SelfplayStats::default()
    };
    for g in 0..games {
        let mut rng = sim::bot_rng(seed, g);
        let out = sim::play_match(sim::game_seed(seed, g), rules, &refs, &mut rng, false);
        stats.hands += u64::from(out.hands);
        stats.decisions += out.decisions;
        match out.winner {
            Some(t) => stats.team_wins[t.index()] += 1,
            None => stats.draws += 1,
        }
    }
    Ok(stats)
}

/// Plays one match with `bots` and returns a replay file: `{seed, rules, actions, state_hash}`.
pub fn record_game(seed: u64, rules: &Rules, bots: &str) -> Result<Value, CliError> {
    let b = parse_bots(bots)?;
    let refs: [&dyn Bot; 4] = [&*b[0], &*b[1], &*b[2], &*b[3]];
    let mut rng = sim::bot_rng(seed, 0);
    let s = sim::game_seed(seed, 0);
    let out = sim::play_match(s, *rules, &refs, &mut rng, true);
    Ok(json!({ "seed": s, "rules": rules, "actions": out.actions, "state_hash": out.state_hash }))
}

/// `replay`: re-plays `{seed, rules, actions}` (rules as an object or a profile name) and returns
/// `{"state_hash": ...}`; a tampered log is rejected with the index of the first illegal action.
pub fn replay(input_json: &str) -> Result<Value, CliError> {
    let v = parse_json(input_json)?;
    let seed: Seed = serde_json::from_value(v.get("seed").cloned().unwrap_or(Value::Null))
        .map_err(|e| err(format!("seed: {e}")))?;
    let rules = match v.get("rules") {
        None | Some(Value::Null) => Rules::default(),
        Some(Value::String(name)) => rules_by_name(name).map_err(|e| err(format!("rules: {e}")))?,
        Some(r) => serde_json::from_value(r.clone()).map_err(|e| err(format!("rules: {e}")))?,
    };
    let list = v
        .get("actions")
        .and_then(Value::as_array)
        .ok_or_else(|| err("actions: expected a list"))?;
    let mut actions = Vec::with_capacity(list.len());
    for (i, a) in list.iter().enumerate() {
        let act: Action = serde_json::from_value(a.clone())
            .map_err(|e| err(format!("action {i} is illegal: malformed ({e})")))?;
        actions.push(act);
    }
    let m: Match = replay_log(seed, rules, &actions)
        .map_err(|(i, e)| err(format!("action {i} is illegal: {e}")))?;
    Ok(json!({
        "state_hash": m.state_hash(),
        "actions": actions.len(),
        "hands": m.results.len(),
        "phase": m.phase(),
        "winner": m.winner(),
    }))
}
