//! Contest and mission definitions: the YAML format, parsed and validated into a [`Definition`].
//!
//! Every error names the key it is about (`scoring.formula: unknown variable …`,
//! `prizes.ladder[2].ranks: …`), so an operator can fix a definition from the message alone.
//! A definition is immutable once loaded: a running contest keeps the version it started with.
//! The format is documented in `docs/compete.md`.

use serde::{Deserialize, Serialize};

use crate::formula::{Fixed, Formula};
use crate::mission::Mission;
use crate::prize::{Share, Step};
use crate::schedule::{Cron, parse_duration, parse_time};
use crate::{MULTIPLIER_UNITS, Millis};

/// A definition that cannot be used, with the key it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct DefError {
    /// The key, as a path (`scoring.best_n`, `prizes.ladder[1].percent`); `.` for the document.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

fn err(key: impl Into<String>, message: impl Into<String>) -> DefError {
    DefError {
        key: key.into(),
        message: message.into(),
    }
}

/// What a definition declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A time-boxed contest with prizes.
    Tournament,
    /// A standing (or windowed) ranking.
    Leaderboard,
    /// Staged goals with rewards per stage.
    Mission,
}

impl Kind {
    /// Its name in the API (`tournament`, `leaderboard`, `mission`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tournament => "tournament",
            Self::Leaderboard => "leaderboard",
            Self::Mission => "mission",
        }
    }
}

/// Who takes part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Join {
    /// Everyone who plays the contest's games.
    #[default]
    Open,
    /// Only players who joined (and paid the entry fee, if any).
    OptIn,
}

/// How a player's rounds become a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The sum of every counted round's value (`of`, or the formula when one is given).
    Sum,
    /// The sum of the best `best_n` values.
    BestN,
    /// The highest single multiplier, in hundredths (12.34× scores 1234).
    MaxMultiplier,
    /// How many rounds (`of: rounds`), winning rounds (`wins`), Guandan matches (`matches`) or
    /// matches won (`match_wins`).
    Count,
    /// The sum of Guandan display-rating changes in ranked matches.
    Rating,
    /// The sum of the formula's value per round, each rounded down (optionally best `best_n`).
    Formula,
}

/// What a round is worth in `sum` and `best_n`, or what `count` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Of {
    /// The stake (a wager race).
    Bet,
    /// The payout.
    Win,
    /// Payout minus stake.
    Profit,
    /// Rounds (count).
    Rounds,
    /// Rounds that paid more than they staked (count).
    Wins,
    /// Finished Guandan matches (count).
    Matches,
    /// Guandan matches won (count).
    MatchWins,
}

/// The formula's variables, in the order [`Scoring::values`] binds them.
pub const FORMULA_VARIABLES: [&str; 5] = ["win", "bet", "multiplier", "profit", "duration_ms"];

/// Tie-breaks, applied in the declared order after the score (higher score first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieBreak {
    /// The higher single-round multiplier first.
    HighestSingleMultiplier,
    /// Fewer counted rounds first.
    RoundsPlayedAsc,
    /// More counted rounds first.
    RoundsPlayedDesc,
    /// Who reached their score first (the time of the latest round that counts in it) first.
    FirstReachedAt,
    /// The lower user id first (makes every rank distinct).
    UserId,
}

/// The contest's scoring, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct Scoring {
    /// The mode.
    pub mode: Mode,
    /// What a round is worth or what is counted (defaults per mode).
    pub of: Of,
    /// The compiled formula (`formula` mode, or any summing mode that declares one).
    pub formula: Option<Formula>,
    /// Only the best N round values count.
    pub best_n: Option<u32>,
    /// Rounds staking less are excluded (minor units).
    pub min_bet: i64,
}

impl Scoring {
    /// The formula's inputs for one round.
    #[must_use]
    pub fn values(win: i64, bet: i64, multiplier_units: i64, duration_ms: i64) -> [Fixed; 5] {
        [
            Fixed::from_int(win),
            Fixed::from_int(bet),
            Fixed::from_ratio(multiplier_units, MULTIPLIER_UNITS).unwrap_or(Fixed::ZERO),
            Fixed::from_int(win.saturating_sub(bet)),
            Fixed::from_int(duration_ms),
        ]
    }
}

/// Where a prize pool's money comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Pool {
    /// A fixed amount funded by the promotions budget (minor units).
    pub fixed: i64,
    /// A share of the stakes of the contest's counted rounds, in basis points.
    pub stake_share_bp: u32,
    /// The pool never exceeds this (minor units).
    pub ceiling: Option<i64>,
}

/// How a pool is split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
pub enum Scheme {
    /// Fixed amounts or percentages per rank range.
    Ladder {
        /// The steps.
        steps: Vec<Step>,
    },
    /// Shares of the pool in proportion to score among the top `places`.
    Proportional {
        /// How many ranks share (all when absent).
        places: Option<u32>,
    },
    /// Winners drawn from tickets (one per point of score) with a committed seed; place k wins
    /// what rank k of the ladder pays.
    TicketDraw {
        /// How many winners.
        winners: u32,
        /// What each place pays.
        steps: Vec<Step>,
    },
}

/// Prizes, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prizes {
    /// The pool.
    pub pool: Pool,
    /// The split.
    pub scheme: Scheme,
    /// Prizes must be claimed within this long after the end (ms); unclaimed ones return to the
    /// pool. Absent: paid at once.
    pub claim_ms: Option<i64>,
    /// The prizes' currency (the contest's).
    pub currency: String,
}

/// Anti-abuse rules; excluded events are counted per reason.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct AntiAbuse {
    /// Rounds settled faster than this after their bet are excluded.
    pub min_round_ms: i64,
    /// A player's events beyond this many in one second are excluded (0: no limit).
    pub max_events_per_sec: u32,
    /// Games never counted, even when in `games`.
    pub excluded_games: Vec<String>,
    /// A player's rounds beyond this many are excluded (0: no limit).
    pub max_rounds_per_player: u32,
}

/// Who may take part beyond the join rule.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Scope {
    /// Only players of these operators (empty: any, including the platform's own players).
    pub operators: Vec<String>,
    /// Private: joining needs this invite code.
    pub invite_code: Option<String>,
}

/// A recurring contest: every occurrence of the cron schedule opens a window of `duration_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurring {
    /// The schedule (UTC).
    pub cron: Cron,
    /// Each window's length.
    pub duration_ms: i64,
}

/// A loaded, validated definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// Its id (lowercase letters, digits and `-`).
    pub id: String,
    /// What it declares.
    pub kind: Kind,
    /// English name.
    pub name_en: String,
    /// Chinese name.
    pub name_zh: String,
    /// The contest's window `[start, end)`; `None` for a standing leaderboard or a mission
    /// without one.
    pub window: Option<(Millis, Millis)>,
    /// Recurrence, when the contest repeats.
    pub recurring: Option<Recurring>,
    /// Who takes part.
    pub join: Join,
    /// The entry fee of an opt-in contest (minor units of `currency`), held until the end.
    pub entry_fee: i64,
    /// Scope.
    pub scope: Scope,
    /// Counted games (empty: every game).
    pub games: Vec<String>,
    /// Counted currency (`None`: any; required when there are prizes or a fee).
    pub currency: Option<String>,
    /// Scoring (contests).
    pub scoring: Option<Scoring>,
    /// Tie-breaks after the score.
    pub tie_break: Vec<TieBreak>,
    /// Prizes.
    pub prizes: Option<Prizes>,
    /// Anti-abuse.
    pub anti_abuse: AntiAbuse,
    /// The mission's stages (kind `mission`).
    pub mission: Option<Mission>,
    /// The YAML it was loaded from.
    pub source: String,
}

impl Definition {
    /// Whether a game counts.
    #[must_use]
    pub fn counts_game(&self, game: &str) -> bool {
        (self.games.is_empty() || self.games.iter().any(|g| g == game))
            && !self.anti_abuse.excluded_games.iter().any(|g| g == game)
    }

    /// Whether ranks may tie (no declared tie-break makes every rank distinct).
    #[must_use]
    pub fn ties_possible(&self) -> bool {
        !self.tie_break.contains(&TieBreak::UserId)
    }
}

// ---- the raw YAML shape ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    id: String,
    kind: Kind,
    name: RawNames,
    #[serde(default)]
    description: Option<RawNames>,
    #[serde(default)]
    window: Option<RawWindow>,
    #[serde(default)]
    schedule: Option<RawSchedule>,
    #[serde(default)]
    join: Join,
    #[serde(default)]
    entry_fee: Option<i64>,
    #[serde(default)]
    scope: Option<RawScope>,
    #[serde(default)]
    games: Vec<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    scoring: Option<RawScoring>,
    #[serde(default)]
    tie_break: Vec<TieBreak>,
    #[serde(default)]
    prizes: Option<RawPrizes>,
    #[serde(default)]
    anti_abuse: Option<RawAntiAbuse>,
    #[serde(default)]
    stages: Option<serde_yaml::Value>,
    #[serde(default)]
    repeat: Option<serde_yaml::Value>,
    #[serde(default)]
    time_limit: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNames {
    en: String,
    zh: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    start: String,
    end: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    cron: String,
    duration: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    #[serde(default)]
    operators: Vec<String>,
    #[serde(default)]
    invite_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoring {
    mode: Mode,
    #[serde(default)]
    of: Option<Of>,
    #[serde(default)]
    formula: Option<String>,
    #[serde(default)]
    best_n: Option<u32>,
    #[serde(default)]
    min_bet: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrizes {
    pool: RawPool,
    scheme: RawScheme,
    #[serde(default)]
    ladder: Vec<RawStep>,
    #[serde(default)]
    places: Option<u32>,
    #[serde(default)]
    winners: Option<u32>,
    #[serde(default)]
    claim_within: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RawScheme {
    Ladder,
    Proportional,
    TicketDraw,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPool {
    #[serde(default)]
    fixed: Option<i64>,
    #[serde(default)]
    stake_share_percent: Option<serde_yaml::Value>,
    #[serde(default)]
    ceiling: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    ranks: serde_yaml::Value,
    #[serde(default)]
    percent: Option<serde_yaml::Value>,
    #[serde(default)]
    amount: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAntiAbuse {
    #[serde(default)]
    min_round_ms: Option<i64>,
    #[serde(default)]
    max_events_per_sec: Option<u32>,
    #[serde(default)]
    excluded_games: Vec<String>,
    #[serde(default)]
    max_rounds_per_player: Option<u32>,
    #[serde(default)]
    min_bet: Option<i64>,
}

/// Longest definition accepted (bytes).
pub const MAX_SOURCE: usize = 64 * 1024;

/// Parses and validates a definition.
///
/// # Errors
/// [`DefError`] naming the first key that is missing, unknown, of the wrong type or invalid.
pub fn parse(source: &str) -> Result<Definition, DefError> {
    if source.len() > MAX_SOURCE {
        return Err(err(".", format!("longer than {MAX_SOURCE} bytes")));
    }
    let de = serde_yaml::Deserializer::from_str(source);
    let raw: Raw = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde_yaml prefixes its own path ("anti_abuse: unknown field …"): the key is named
        // already. Its " at line L column C" suffix stays: it helps.
        let inner = match inner.split_once(": ") {
            Some((prefix, rest)) if !prefix.contains(' ') => rest.to_owned(),
            _ => inner,
        };
        err(if path.is_empty() { ".".into() } else { path }, inner)
    })?;
    build(raw, source)
}

fn build(raw: Raw, source: &str) -> Result<Definition, DefError> {
    check_id("id", &raw.id)?;
    check_name("name.en", &raw.name.en)?;
    check_name("name.zh", &raw.name.zh)?;
    if let Some(d) = &raw.description {
        check_text("description.en", &d.en, 2000)?;
        check_text("description.zh", &d.zh, 2000)?;
    }
    let window = match &raw.window {
        None => None,
        Some(w) => {
            let start = parse_time(&w.start).map_err(|e| err("window.start", e.to_string()))?;
            let end = parse_time(&w.end).map_err(|e| err("window.end", e.to_string()))?;
            if end <= start {
                return Err(err("window.end", "must be after window.start"));
            }
            Some((start, end))
        }
    };
    let recurring = match &raw.schedule {
        None => None,
        Some(s) => {
            let cron = Cron::parse(&s.cron).map_err(|e| err("schedule.cron", e.to_string()))?;
            let duration_ms =
                parse_duration(&s.duration).map_err(|e| err("schedule.duration", e.to_string()))?;
            Some(Recurring { cron, duration_ms })
        }
    };
    if window.is_some() && recurring.is_some() {
        return Err(err(
            "schedule",
            "a contest has either a window or a schedule, not both",
        ));
    }
    if raw.kind == Kind::Tournament && window.is_none() && recurring.is_none() {
        return Err(err(
            "window",
            "a tournament needs a window (or a recurring schedule)",
        ));
    }
    for (i, g) in raw.games.iter().enumerate() {
        check_id(&format!("games[{i}]"), g)?;
    }
    if let Some(c) = &raw.currency {
        check_currency("currency", c)?;
    }
    let scope = match raw.scope {
        None => Scope::default(),
        Some(s) => {
            if let Some(code) = &s.invite_code
                && (code.len() < 4
                    || code.len() > 32
                    || !code.chars().all(|c| c.is_ascii_alphanumeric()))
            {
                return Err(err("scope.invite_code", "4 to 32 letters and digits"));
            }
            Scope {
                operators: s.operators,
                invite_code: s.invite_code,
            }
        }
    };
    let entry_fee = raw.entry_fee.unwrap_or(0);
    if entry_fee < 0 {
        return Err(err("entry_fee", "must not be negative"));
    }
    if entry_fee > 0 {
        if raw.join != Join::OptIn {
            return Err(err("entry_fee", "an entry fee needs `join: opt_in`"));
        }
        if raw.currency.is_none() {
            return Err(err("currency", "required with an entry fee"));
        }
    }
    let anti = raw.anti_abuse;
    let anti_min_bet = anti.as_ref().and_then(|a| a.min_bet);
    let anti_abuse = match anti {
        None => AntiAbuse::default(),
        Some(a) => {
            let min_round_ms = a.min_round_ms.unwrap_or(0);
            if min_round_ms < 0 {
                return Err(err("anti_abuse.min_round_ms", "must not be negative"));
            }
            for (i, g) in a.excluded_games.iter().enumerate() {
                check_id(&format!("anti_abuse.excluded_games[{i}]"), g)?;
            }
            AntiAbuse {
                min_round_ms,
                max_events_per_sec: a.max_events_per_sec.unwrap_or(0),
                excluded_games: a.excluded_games,
                max_rounds_per_player: a.max_rounds_per_player.unwrap_or(0),
            }
        }
    };
    let (scoring, mission) = match raw.kind {
        Kind::Mission => {
            if raw.scoring.is_some() {
                return Err(err("scoring", "a mission has stages, not scoring"));
            }
            if raw.prizes.is_some() {
                return Err(err(
                    "prizes",
                    "a mission pays its stages' rewards, not prizes",
                ));
            }
            let mut map = serde_yaml::Mapping::new();
            let stages = raw
                .stages
                .ok_or_else(|| err("stages", "a mission needs stages"))?;
            map.insert("stages".into(), stages);
            if let Some(r) = raw.repeat {
                map.insert("repeat".into(), r);
            }
            if let Some(t) = &raw.time_limit {
                let ms = parse_duration(t).map_err(|e| err("time_limit", e.to_string()))?;
                map.insert("time_limit_ms".into(), ms.into());
            }
            let mission: Mission =
                serde_path_to_error::deserialize(serde_yaml::Value::Mapping(map)).map_err(|e| {
                    let path = e.path().to_string();
                    err(path, e.into_inner().to_string())
                })?;
            mission.validate().map_err(|m| split_key(&m))?;
            (None, Some(mission))
        }
        Kind::Tournament | Kind::Leaderboard => {
            if raw.stages.is_some() {
                return Err(err("stages", "only a mission has stages"));
            }
            if raw.repeat.is_some() {
                return Err(err(
                    "repeat",
                    "only a mission repeats (contests use `schedule`)",
                ));
            }
            if raw.time_limit.is_some() {
                return Err(err("time_limit", "only a mission has a time limit"));
            }
            let s = raw
                .scoring
                .ok_or_else(|| err("scoring", "a contest needs scoring"))?;
            (Some(scoring(s, anti_min_bet)?), None)
        }
    };
    let mut seen = Vec::new();
    for (i, t) in raw.tie_break.iter().enumerate() {
        if seen.contains(t) {
            return Err(err(format!("tie_break[{i}]"), "listed twice"));
        }
        seen.push(*t);
    }
    if raw.kind == Kind::Mission && !raw.tie_break.is_empty() {
        return Err(err("tie_break", "a mission has no ranking"));
    }
    let prizes = match raw.prizes {
        None => None,
        Some(p) => {
            let currency = raw
                .currency
                .clone()
                .ok_or_else(|| err("currency", "required when there are prizes"))?;
            Some(prizes(p, currency)?)
        }
    };
    Ok(Definition {
        id: raw.id,
        kind: raw.kind,
        name_en: raw.name.en,
        name_zh: raw.name.zh,
        window,
        recurring,
        join: raw.join,
        entry_fee,
        scope,
        games: raw.games,
        currency: raw.currency,
        scoring,
        tie_break: raw.tie_break,
        prizes,
        anti_abuse,
        mission,
        source: source.to_owned(),
    })
}

/// `"stages[1].target: must be > 0"` → that key and message.
fn split_key(message: &str) -> DefError {
    match message.split_once(": ") {
        Some((k, m)) if !k.contains(' ') => err(k, m),
        _ => err("stages", message),
    }
}

fn scoring(s: RawScoring, anti_min_bet: Option<i64>) -> Result<Scoring, DefError> {
    let min_bet = s.min_bet.or(anti_min_bet).unwrap_or(0);
    if min_bet < 0 {
        return Err(err("scoring.min_bet", "must not be negative"));
    }
    if s.best_n == Some(0) {
        return Err(err("scoring.best_n", "must be at least 1"));
    }
    if let Some(n) = s.best_n
        && n > MAX_BEST_N
    {
        return Err(err("scoring.best_n", format!("at most {MAX_BEST_N}")));
    }
    let formula = match &s.formula {
        None => None,
        Some(src) => Some(
            Formula::compile(src, &FORMULA_VARIABLES)
                .map_err(|e| err("scoring.formula", e.to_string()))?,
        ),
    };
    let of = match (s.mode, s.of) {
        (Mode::Sum | Mode::BestN, None) => Of::Win,
        (Mode::Sum | Mode::BestN, Some(o @ (Of::Bet | Of::Win | Of::Profit))) => o,
        (Mode::Count, None) => Of::Rounds,
        (Mode::Count, Some(o @ (Of::Rounds | Of::Wins | Of::Matches | Of::MatchWins))) => o,
        (Mode::MaxMultiplier | Mode::Rating | Mode::Formula, None) => Of::Rounds,
        (mode, Some(_)) => {
            let allowed = match mode {
                Mode::Sum | Mode::BestN => "bet, win or profit",
                Mode::Count => "rounds, wins, matches or match_wins",
                _ => "nothing (omit it)",
            };
            return Err(err("scoring.of", format!("this mode takes {allowed}")));
        }
    };
    match s.mode {
        Mode::Formula if formula.is_none() => {
            return Err(err("scoring.formula", "the formula mode needs a formula"));
        }
        Mode::BestN if s.best_n.is_none() => {
            return Err(err("scoring.best_n", "the best_n mode needs best_n"));
        }
        Mode::MaxMultiplier | Mode::Count | Mode::Rating if formula.is_some() => {
            return Err(err(
                "scoring.formula",
                "only the sum, best_n and formula modes use a formula",
            ));
        }
        Mode::MaxMultiplier | Mode::Count | Mode::Rating if s.best_n.is_some() => {
            return Err(err(
                "scoring.best_n",
                "only the sum, best_n and formula modes keep the best rounds",
            ));
        }
        _ => {}
    }
    Ok(Scoring {
        mode: s.mode,
        of,
        formula,
        best_n: s.best_n,
        min_bet,
    })
}

/// The most rounds `best_n` may keep per player.
pub const MAX_BEST_N: u32 = 1_000;

/// The most ranks a ladder may pay.
pub const MAX_PRIZE_RANKS: u32 = 100_000;

fn prizes(p: RawPrizes, currency: String) -> Result<Prizes, DefError> {
    let fixed = p.pool.fixed.unwrap_or(0);
    if fixed < 0 {
        return Err(err("prizes.pool.fixed", "must not be negative"));
    }
    let stake_share_bp = match &p.pool.stake_share_percent {
        None => 0,
        Some(v) => percent_bp("prizes.pool.stake_share_percent", v)?,
    };
    if stake_share_bp > 10_000 {
        return Err(err("prizes.pool.stake_share_percent", "at most 100"));
    }
    if let Some(c) = p.pool.ceiling
        && c <= 0
    {
        return Err(err("prizes.pool.ceiling", "must be positive"));
    }
    if fixed == 0 && stake_share_bp == 0 {
        return Err(err("prizes.pool", "needs `fixed` or `stake_share_percent`"));
    }
    let pool = Pool {
        fixed,
        stake_share_bp,
        ceiling: p.pool.ceiling,
    };
    let steps = steps(&p.ladder, fixed)?;
    let scheme = match p.scheme {
        RawScheme::Ladder => {
            if steps.is_empty() {
                return Err(err("prizes.ladder", "the ladder scheme needs a ladder"));
            }
            Scheme::Ladder { steps }
        }
        RawScheme::Proportional => {
            if !steps.is_empty() {
                return Err(err(
                    "prizes.ladder",
                    "the proportional scheme takes no ladder",
                ));
            }
            if p.places == Some(0) {
                return Err(err("prizes.places", "must be at least 1"));
            }
            Scheme::Proportional { places: p.places }
        }
        RawScheme::TicketDraw => {
            let winners = p
                .winners
                .ok_or_else(|| err("prizes.winners", "the ticket_draw scheme needs winners"))?;
            if winners == 0 || winners > 10_000 {
                return Err(err("prizes.winners", "1 to 10000"));
            }
            if steps.is_empty() {
                return Err(err(
                    "prizes.ladder",
                    "the ticket_draw scheme pays places by a ladder",
                ));
            }
            Scheme::TicketDraw { winners, steps }
        }
    };
    if p.scheme != RawScheme::Proportional && p.places.is_some() {
        return Err(err(
            "prizes.places",
            "only the proportional scheme takes places",
        ));
    }
    if p.scheme != RawScheme::TicketDraw && p.winners.is_some() {
        return Err(err(
            "prizes.winners",
            "only the ticket_draw scheme takes winners",
        ));
    }
    let claim_ms = match &p.claim_within {
        None => None,
        Some(d) => Some(parse_duration(d).map_err(|e| err("prizes.claim_within", e.to_string()))?),
    };
    Ok(Prizes {
        pool,
        scheme,
        claim_ms,
        currency,
    })
}

fn steps(raw: &[RawStep], fixed_pool: i64) -> Result<Vec<Step>, DefError> {
    let mut out: Vec<Step> = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let key = format!("prizes.ladder[{i}]");
        let (from, to) = ranks(&format!("{key}.ranks"), &s.ranks)?;
        let share = match (&s.percent, s.amount) {
            (Some(p), None) => Share::BasisPoints(percent_bp(&format!("{key}.percent"), p)?),
            (None, Some(a)) if a > 0 => Share::Amount(a),
            (None, Some(_)) => return Err(err(format!("{key}.amount"), "must be positive")),
            _ => {
                return Err(err(
                    key,
                    "give either `percent` (of the pool, per rank) or `amount`",
                ));
            }
        };
        if let Share::BasisPoints(0) = share {
            return Err(err(format!("{key}.percent"), "must be positive"));
        }
        if let Some(prev) = out.last()
            && from <= prev.to
        {
            return Err(err(
                format!("{key}.ranks"),
                "ranges must ascend without overlapping",
            ));
        }
        out.push(Step { from, to, share });
    }
    if out.iter().any(|s| matches!(s.share, Share::BasisPoints(_))) {
        // Percentages: at most the whole pool, whatever it is.
        let bp: i128 = out
            .iter()
            .map(|s| match s.share {
                Share::BasisPoints(b) => i128::from(b) * i128::from(s.to - s.from + 1),
                Share::Amount(_) => 0,
            })
            .sum();
        if bp > 10_000 {
            return Err(err(
                "prizes.ladder",
                format!(
                    "pays {}.{:02} % of the pool in all (at most 100)",
                    bp / 100,
                    bp % 100
                ),
            ));
        }
    }
    if fixed_pool > 0 {
        crate::prize::check_ladder(fixed_pool, &out).map_err(|m| err("prizes.ladder", m))?;
    }
    Ok(out)
}

fn ranks(key: &str, v: &serde_yaml::Value) -> Result<(u32, u32), DefError> {
    let text = match v {
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::String(s) => s.clone(),
        _ => return Err(err(key, "a rank (\"1\") or a range (\"4-10\")")),
    };
    let parse = |t: &str| -> Result<u32, DefError> {
        t.trim()
            .parse::<u32>()
            .ok()
            .filter(|r| (1..=MAX_PRIZE_RANKS).contains(r))
            .ok_or_else(|| {
                err(
                    key,
                    format!("`{t}` is not a rank from 1 to {MAX_PRIZE_RANKS}"),
                )
            })
    };
    let (from, to) = match text.split_once('-') {
        Some((a, b)) => (parse(a)?, parse(b)?),
        None => {
            let r = parse(&text)?;
            (r, r)
        }
    };
    if to < from {
        return Err(err(key, "a range runs from the better rank to the worse"));
    }
    Ok((from, to))
}

/// A percentage with up to two decimals, in basis points.
fn percent_bp(key: &str, v: &serde_yaml::Value) -> Result<u32, DefError> {
    let text = match v {
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::String(s) => s.clone(),
        _ => return Err(err(key, "a percentage such as 30 or 2.5")),
    };
    let f = Fixed::parse(text.trim()).ok_or_else(|| err(key, "a percentage such as 30 or 2.5"))?;
    let bp = f.0 * 100;
    if bp % crate::formula::SCALE != 0 {
        return Err(err(key, "at most two decimals"));
    }
    let bp = bp / crate::formula::SCALE;
    if !(0..=10_000).contains(&bp) {
        return Err(err(key, "from 0 to 100"));
    }
    u32::try_from(bp).map_err(|_| err(key, "from 0 to 100"))
}

fn check_id(key: &str, id: &str) -> Result<(), DefError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && !id.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(err(
            key,
            format!("`{id}`: 1 to 64 lowercase letters, digits, `-` or `_`"),
        ))
    }
}

fn check_name(key: &str, name: &str) -> Result<(), DefError> {
    if name.trim().is_empty() {
        return Err(err(key, "must not be empty"));
    }
    check_text(key, name, 80)
}

fn check_text(key: &str, text: &str, max_chars: usize) -> Result<(), DefError> {
    if text.chars().count() > max_chars {
        return Err(err(key, format!("at most {max_chars} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(err(key, "must not contain control characters"));
    }
    Ok(())
}

fn check_currency(key: &str, c: &str) -> Result<(), DefError> {
    if (2..=10).contains(&c.len())
        && c.chars()
            .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(err(
            key,
            format!("`{c}`: 2 to 10 uppercase letters or digits"),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
    use super::*;

    /// The issue's contract definition, verbatim.
    pub(crate) const DICE_SPRINT: &str = r#"id: dice-sprint
kind: tournament            # tournament | leaderboard | mission
name: {en: Dice sprint, zh: 骰子冲刺}
window: {start: "2026-12-07T18:00:00Z", end: "2026-12-07T19:00:00Z"}
join: open                  # open | opt_in
games: [dice]
currency: PLAY
scoring:
  mode: formula             # sum | best_n | max_multiplier | count | rating | formula
  formula: "min(win / bet, 50) * 100"   # win and bet in minor units of one settled round
  best_n: 20                # only the best 20 rounds count (omit: all rounds)
  min_bet: 50
tie_break: [highest_single_multiplier, rounds_played_asc, first_reached_at, user_id]
prizes:
  pool: {fixed: 1000000}
  scheme: ladder
  ladder:                   # percent of the pool paid to EACH rank of the range
    - {ranks: "1", percent: 30}
    - {ranks: "2", percent: 20}
    - {ranks: "3", percent: 10}
    - {ranks: "4-10", percent: 5}
anti_abuse: {min_round_ms: 0, max_events_per_sec: 50}
"#;

    #[test]
    fn the_contract_definition_loads_as_written() {
        let d = parse(DICE_SPRINT).unwrap();
        assert_eq!(d.id, "dice-sprint");
        assert_eq!(d.kind, Kind::Tournament);
        assert_eq!(d.name_zh, "骰子冲刺");
        assert_eq!(d.window, Some((1_796_666_400_000, 1_796_670_000_000)));
        let s = d.scoring.as_ref().unwrap();
        assert_eq!(s.mode, Mode::Formula);
        assert_eq!(s.best_n, Some(20));
        assert_eq!(s.min_bet, 50);
        assert_eq!(d.tie_break.len(), 4);
        let p = d.prizes.as_ref().unwrap();
        assert_eq!(p.pool.fixed, 1_000_000);
        match &p.scheme {
            Scheme::Ladder { steps } => {
                assert_eq!(steps.len(), 4);
                assert_eq!(steps[3].from, 4);
                assert_eq!(steps[3].to, 10);
                assert_eq!(steps[3].share, Share::BasisPoints(500));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(d.anti_abuse.max_events_per_sec, 50);
        assert!(!d.ties_possible());
    }

    fn bad(yaml: &str) -> DefError {
        parse(yaml).expect_err("should be refused")
    }

    fn with(replace: &str, by: &str) -> String {
        assert!(DICE_SPRINT.contains(replace), "{replace}");
        DICE_SPRINT.replacen(replace, by, 1)
    }

    #[test]
    fn bad_definitions_name_their_key() {
        let cases: &[(&str, &str, &str)] = &[
            ("mode: formula ", "mode: average ", "scoring.mode"),
            (
                "\"min(win / bet, 50) * 100\"",
                "\"min(wins / bet, 50) * 100\"",
                "scoring.formula",
            ),
            ("best_n: 20", "best_n: 0", "scoring.best_n"),
            ("min_bet: 50", "min_bet: -1", "scoring.min_bet"),
            (
                "{ranks: \"4-10\", percent: 5}",
                "{ranks: \"4-10\", percent: 10}",
                "prizes.ladder",
            ),
            (
                "{ranks: \"3\", percent: 10}",
                "{ranks: \"2\", percent: 10}",
                "prizes.ladder[2].ranks",
            ),
            (
                "{ranks: \"1\", percent: 30}",
                "{ranks: \"1\", percent: 30.125}",
                "prizes.ladder[0].percent",
            ),
            (
                "{ranks: \"1\", percent: 30}",
                "{ranks: \"1\"}",
                "prizes.ladder[0]",
            ),
            (
                "end: \"2026-12-07T19:00:00Z\"",
                "end: \"2026-12-07T17:00:00Z\"",
                "window.end",
            ),
            (
                "start: \"2026-12-07T18:00:00Z\"",
                "start: \"yesterday\"",
                "window.start",
            ),
            ("id: dice-sprint", "id: Dice Sprint", "id"),
            ("currency: PLAY", "currency: play", "currency"),
            (
                "tie_break: [highest_single_multiplier,",
                "tie_break: [user_id,",
                "tie_break[3]",
            ),
            (
                "tie_break: [highest_single_multiplier,",
                "tie_break: [luck,",
                "tie_break[0]",
            ),
            ("join: open ", "join: maybe ", "join"),
            (
                "anti_abuse: {min_round_ms: 0,",
                "anti_abuse: {min_round_ms: -5,",
                "anti_abuse.min_round_ms",
            ),
            (
                "anti_abuse: {min_round_ms: 0,",
                "anti_abuse: {min_round: 0,",
                "anti_abuse.min_round",
            ),
            ("pool: {fixed: 1000000}", "pool: {}", "prizes.pool"),
            ("scheme: ladder", "scheme: lottery", "prizes.scheme"),
            ("kind: tournament ", "kind: cup ", "kind"),
        ];
        for (from, to, key) in cases {
            let e = bad(&with(from, to));
            assert_eq!(&e.key, key, "{from} → {to}: {e}");
            assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn missing_keys_and_unknown_keys_are_named() {
        let e = bad(&with("scoring:\n", "scorin:\n"));
        assert!(e.to_string().contains("scorin"), "{e}");
        let e = bad("kind: tournament\nname: {en: a, zh: b}\n");
        assert!(e.message.contains("id"), "{e}");
        let e = bad(&with(
            "window: {start: \"2026-12-07T18:00:00Z\", end: \"2026-12-07T19:00:00Z\"}\n",
            "",
        ));
        assert_eq!(e.key, "window");
        let e = bad(&with(
            "  pool: {fixed: 1000000}\n",
            "  pool: {fixed: 1000000}\n  claim_within: soon\n",
        ));
        assert_eq!(e.key, "prizes.claim_within");
    }

    #[test]
    fn a_mission_loads_with_stages_and_rewards() {
        let yaml = r#"id: daily-spinner
kind: mission
name: {en: Daily spinner, zh: 每日转轮}
repeat: daily
time_limit: 12h
stages:
  - id: spin
    condition: {type: rounds, games: [dice], min_bet: 10}
    target: 50
    reward: [{chips: {currency: PLAY, amount: 500}}]
  - id: big-win
    condition: {type: win_multiplier, at_least: 10}
    target: 1
    reward: [{free_spins: {game: fruit-machine, spins: 10, bet: 100, currency: PLAY}}]
"#;
        let d = parse(yaml).unwrap();
        assert_eq!(d.kind, Kind::Mission);
        let m = d.mission.unwrap();
        assert_eq!(m.stages.len(), 2);
        assert_eq!(m.time_limit_ms, Some(12 * 3_600_000));
        let e = bad(&yaml.replace("target: 50", "target: 0"));
        assert_eq!(e.key, "stages[0].target", "{e}");
        let e = bad(&yaml.replace("type: rounds", "type: spins"));
        assert!(e.key.starts_with("stages[0].condition"), "{e}");
    }

    #[test]
    fn other_schemes_and_recurring_contests_load() {
        let yaml = r#"id: weekly-race
kind: tournament
name: {en: Weekly race, zh: 每周竞赛}
schedule: {cron: "0 0 * * 1", duration: 7d}
join: opt_in
entry_fee: 100
currency: PLAY
scoring: {mode: sum, of: bet}
prizes:
  pool: {fixed: 10000, stake_share_percent: 1.5, ceiling: 500000}
  scheme: proportional
  places: 10
  claim_within: 10m
"#;
        let d = parse(yaml).unwrap();
        assert_eq!(d.recurring.as_ref().unwrap().duration_ms, 7 * 86_400_000);
        let p = d.prizes.unwrap();
        assert_eq!(p.pool.stake_share_bp, 150);
        assert_eq!(p.claim_ms, Some(600_000));
        assert_eq!(p.scheme, Scheme::Proportional { places: Some(10) });
        let draw = yaml.replace(
            "scheme: proportional\n  places: 10",
            "scheme: ticket_draw\n  winners: 3\n  ladder: [{ranks: 1-3, amount: 1000}]",
        );
        let d = parse(&draw).unwrap();
        assert!(matches!(
            d.prizes.unwrap().scheme,
            Scheme::TicketDraw { winners: 3, .. }
        ));
        let e = bad(&yaml.replace("join: opt_in", "join: open"));
        assert_eq!(e.key, "entry_fee");
    }
}
