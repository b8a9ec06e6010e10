//! Staged missions over game facts: "play 50 dice rounds", then "hit a 10× win", then "win 3
//! Guandan matches", each stage with its own reward.
//!
//! A [`Mission`] is declared in YAML and checked with [`Mission::validate`]:
//!
//! ```yaml
//! repeat: daily            # once (default) | daily | weekly
//! time_limit_ms: 7200000   # optional: 2 h from the first fact that counts
//! stages:
//!   - id: roll
//!     condition: {type: rounds, games: [dice], min_bet: 10}
//!     target: 50
//!     reward: [{chips: {currency: PLAY, amount: 500}}, {free_spins: {game: fruit-machine, spins: 10, bet: 100, currency: PLAY}}]
//!   - id: big-win
//!     condition: {type: win_multiplier, at_least: 10}   # or "2.5"
//!     target: 1
//!   - id: guandan
//!     condition: {type: matches, won: true}
//!     target: 3
//!     reward: [{points: {amount: 100}}]
//! ```
//!
//! Each player's [`Progress`] is a small serialisable record the caller stores; [`Mission::apply`] feeds it one [`Fact`] at a time and returns the stages completed, and
//! [`Mission::view`] shows it to the player.
//!
//! Semantics:
//!
//! - **Stages are ordered.** A fact counts only toward the current stage (the first not done). When
//!   a stage completes, the next one becomes current with a count of zero: **the excess does not
//!   carry over** (a 1 500-chip bet completing a 1 000-chip "wager" stage contributes nothing to the
//!   next stage), so one fact completes at most one stage.
//! - **Repeat.** A [`Repeat::Once`] mission has a single period, `0`. A [`Repeat::Daily`] /
//!   [`Repeat::Weekly`] mission's period is [`day_start`] / [`week_start`] (Monday 00:00 UTC) of the
//!   fact's time. A fact from a newer period than the stored one first resets the progress to that
//!   period (all stages to do again); a fact from an older period is ignored, so facts delivered
//!   out of order across a period boundary never count toward the wrong period.
//! - **Time limit.** With `time_limit_ms`, the clock starts at `started_at`, the time of the first
//!   fact that counted in the period; a fact counts only if `at_ms < started_at + time_limit_ms`.
//!   Stages not done by then stay failed until the next period — for a `Once` mission, for good
//!   ([`Mission::expired`]).
//! - Facts are not de-duplicated here: the caller applies each fact (by [`Fact::id`]) once.
//! - Each [`StageDone`] carries its period, so the caller can pay its reward idempotently under
//!   [`StageDone::reward_id`] = `mission:{mission_id}:{period}:{stage}`.
//!
//! Pure and total: no clock, no I/O, no panic on any progress record or fact.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::schedule::{day_start, week_start};
use crate::{Fact, Grant, MULTIPLIER_UNITS, Millis, What};

/// A staged mission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mission {
    /// The stages, done in this order (at least one).
    pub stages: Vec<Stage>,
    /// Whether and how often progress resets (default: once, never resets).
    #[serde(default)]
    pub repeat: Repeat,
    /// Time allowed from the first fact that counted in a period, in ms (`None`: no limit).
    #[serde(default)]
    pub time_limit_ms: Option<i64>,
}

/// One stage of a [`Mission`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// The stage's id, unique within the mission.
    pub id: String,
    /// What counts toward it.
    pub condition: Condition,
    /// How much is needed to complete it (> 0).
    pub target: i64,
    /// What completing it pays (may be empty). Each grant is written as a one-key map
    /// (`{chips: {currency: PLAY, amount: 500}}`) or, in YAML, a tag (`!chips {…}`); see
    /// [`deserialize_grants`].
    #[serde(default, deserialize_with = "deserialize_grants")]
    pub reward: Vec<Grant>,
}

/// What counts toward a stage; [`Condition::counts`] says how much one fact adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Count settled instant-game rounds (of `games`, all when empty) with bet ≥ `min_bet`.
    Rounds {
        /// Game ids that count (all games when empty).
        #[serde(default)]
        games: Vec<String>,
        /// Smallest stake that counts, in minor units.
        #[serde(default)]
        min_bet: i64,
    },
    /// Count rounds (of `games`, all when empty) whose multiplier is ≥ `at_least`, with bet ≥
    /// `min_bet`.
    WinMultiplier {
        /// Game ids that count (all games when empty).
        #[serde(default)]
        games: Vec<String>,
        /// The smallest multiplier that counts (see [`Multiplier`] for how it is written).
        at_least: Multiplier,
        /// Smallest stake that counts, in minor units.
        #[serde(default)]
        min_bet: i64,
    },
    /// Sum of stakes (minor units) of rounds of `games` (all when empty) in `currency` (any when
    /// `None`; amounts of different currencies are then simply added).
    Wagered {
        /// Game ids that count (all games when empty).
        #[serde(default)]
        games: Vec<String>,
        /// The currency that counts (any when `None`).
        #[serde(default)]
        currency: Option<String>,
    },
    /// Count finished Guandan matches (only wins when `won`, only ranked matches when `ranked`).
    Matches {
        /// Only matches this player's team won.
        #[serde(default)]
        won: bool,
        /// Only ranked matches.
        #[serde(default)]
        ranked: bool,
    },
    /// Finish contest `contest` (any contest when `None`) at rank ≤ `top`. Counts 1 per placement.
    Placement {
        /// The contest's id (any contest when `None`).
        #[serde(default)]
        contest: Option<String>,
        /// The worst rank that counts (1 is first).
        top: u32,
    },
    /// Sum of the values of operator events named `name` (a negative value counts 0: progress
    /// never goes back).
    External {
        /// The event's name.
        name: String,
    },
}

/// Whether a mission's progress resets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    /// Never resets (a single period, `0`).
    #[default]
    Once,
    /// Resets at 00:00 UTC every day.
    Daily,
    /// Resets at 00:00 UTC every Monday (ISO week).
    Weekly,
}

impl Repeat {
    /// The start of the period containing `at`: `0` for `Once`, [`day_start`] for `Daily`,
    /// [`week_start`] for `Weekly`.
    #[must_use]
    pub fn period_of(self, at: Millis) -> Millis {
        match self {
            Repeat::Once => 0,
            Repeat::Daily => day_start(at),
            Repeat::Weekly => week_start(at),
        }
    }
}

/// A multiplier threshold in units of 1e-8 ([`MULTIPLIER_UNITS`] is 1×), compared exactly with a
/// round's `multiplier_units`.
///
/// Written in YAML as an integer (`10` is 10×), a decimal string (`"2.5"`, up to 8 decimals, read
/// exactly) or a plain decimal number (`2.5`): YAML hands such a number over as a float, which is
/// converted through its shortest round-trip decimal text — the text that was written — and then
/// read exactly like the string, so `0.1` is exactly 10 000 000 units. No float is ever compared.
/// Serialised as the decimal string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Multiplier(
    /// The threshold in units of 1e-8.
    pub i64,
);

impl Multiplier {
    /// A whole multiplier (`from_whole(10)` is 10×), saturating at `i64::MAX` units.
    #[must_use]
    pub fn from_whole(times: i64) -> Multiplier {
        Multiplier(times.saturating_mul(MULTIPLIER_UNITS))
    }

    /// Reads a non-negative decimal such as `10`, `2.5` or `1.00000001` exactly.
    ///
    /// # Errors
    /// A message when the text is not digits with an optional `.` and 1 to 8 more digits, or the
    /// value does not fit.
    pub fn parse(text: &str) -> Result<Multiplier, String> {
        let bad = || format!("{text:?} is not a multiplier like 10 or 2.5 (at most 8 decimals)");
        let (whole, fraction) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
        if !digits(whole) {
            return Err(bad());
        }
        let mut units = whole
            .parse::<i64>()
            .ok()
            .and_then(|w| w.checked_mul(MULTIPLIER_UNITS))
            .ok_or_else(bad)?;
        if let Some(fraction) = fraction {
            if !digits(fraction) || fraction.len() > 8 {
                return Err(bad());
            }
            let scale = 10_i64.pow(8 - fraction.len() as u32);
            let f = fraction.parse::<i64>().map_err(|_| bad())? * scale;
            units = units.checked_add(f).ok_or_else(bad)?;
        }
        Ok(Multiplier(units))
    }
}

impl fmt::Display for Multiplier {
    /// The shortest exact decimal: `10`, `2.5`, `0.00000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let unit = MULTIPLIER_UNITS.unsigned_abs();
        let (whole, fraction) = (abs / unit, abs % unit);
        if fraction == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let fraction = format!("{fraction:08}");
            write!(f, "{sign}{whole}.{}", fraction.trim_end_matches('0'))
        }
    }
}

impl Serialize for Multiplier {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Multiplier {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Multiplier, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Multiplier;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a multiplier like 10, 2.5 or \"2.5\"")
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Multiplier, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|v| v.checked_mul(MULTIPLIER_UNITS))
                    .map(Multiplier)
                    .ok_or_else(|| E::custom(format!("multiplier {v} is too large")))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Multiplier, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::custom(format!("multiplier {v} is negative"))),
                }
            }

            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Multiplier, E> {
                // Only a carrier of the decimal the author wrote: Rust prints the shortest text
                // that reads back as the same float, which is that decimal.
                self.visit_str(&v.to_string())
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Multiplier, E> {
                Multiplier::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Reads a list of [`Grant`]s, each either a one-key map `{chips: {currency: PLAY, amount: 500}}`
/// (JSON's form, and the natural YAML one) or a YAML-tagged value `!chips {currency: PLAY, amount:
/// 500}` (what `serde_yaml` 0.9 writes and, for enums, otherwise requires). A map with more than one
/// key is rejected. Use it as `#[serde(deserialize_with = "deserialize_grants")]`.
///
/// # Errors
/// The deserializer's error for a malformed grant.
pub fn deserialize_grants<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Grant>, D::Error> {
    /// One grant in either form.
    struct AnyForm(Grant);

    impl<'de> Deserialize<'de> for AnyForm {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<AnyForm, D::Error> {
            deserializer.deserialize_any(GrantVisitor).map(AnyForm)
        }
    }

    /// Accepts a one-key map or an enum (a YAML tag).
    struct GrantVisitor;

    impl<'de> serde::de::Visitor<'de> for GrantVisitor {
        type Value = Grant;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a reward such as {chips: {currency: PLAY, amount: 500}}")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Grant, A::Error> {
            let grant = Grant::deserialize(serde::de::value::MapAccessDeserializer::new(&mut map))?;
            if map.next_key::<serde::de::IgnoredAny>()?.is_some() {
                return Err(serde::de::Error::custom(
                    "a reward has exactly one kind (chips, points or free_spins)",
                ));
            }
            Ok(grant)
        }

        fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Grant, A::Error> {
            Grant::deserialize(serde::de::value::EnumAccessDeserializer::new(data))
        }
    }

    let grants = Vec::<AnyForm>::deserialize(deserializer)?;
    Ok(grants.into_iter().map(|g| g.0).collect())
}

/// Whether `game` is among `games` (all games when `games` is empty).
fn game_matches(games: &[String], game: &str) -> bool {
    games.is_empty() || games.iter().any(|g| g == game)
}

impl Condition {
    /// How much `fact` adds toward this condition: 0 when it does not match, never negative.
    #[must_use]
    pub fn counts(&self, fact: &Fact) -> i64 {
        match (self, &fact.what) {
            (Condition::Rounds { games, min_bet }, What::Round { game, bet, .. }) => {
                i64::from(game_matches(games, game) && bet >= min_bet)
            }
            (
                Condition::WinMultiplier {
                    games,
                    at_least,
                    min_bet,
                },
                What::Round {
                    game,
                    bet,
                    multiplier_units,
                    ..
                },
            ) => i64::from(
                game_matches(games, game) && bet >= min_bet && *multiplier_units >= at_least.0,
            ),
            (
                Condition::Wagered { games, currency },
                What::Round {
                    game,
                    currency: fact_currency,
                    bet,
                    ..
                },
            ) => {
                let currency_ok = currency.as_ref().is_none_or(|c| c == fact_currency);
                if game_matches(games, game) && currency_ok {
                    (*bet).max(0)
                } else {
                    0
                }
            }
            (
                Condition::Matches { won, ranked },
                What::Match {
                    won: fact_won,
                    ranked: fact_ranked,
                    ..
                },
            ) => i64::from((!won || *fact_won) && (!ranked || *fact_ranked)),
            (
                Condition::Placement { contest, top },
                What::Placement {
                    contest: fact_contest,
                    rank,
                },
            ) => {
                let contest_ok = contest.as_ref().is_none_or(|c| c == fact_contest);
                i64::from(contest_ok && *rank >= 1 && rank <= top)
            }
            (Condition::External { name }, What::External { name: n, value }) if name == n => {
                (*value).max(0)
            }
            _ => 0,
        }
    }

    /// The first problem with the condition's own fields, as `(key, message)`.
    fn problem(&self) -> Option<(String, &'static str)> {
        let games_problem = |games: &[String]| {
            games
                .iter()
                .position(String::is_empty)
                .map(|j| (format!("games[{j}]"), "must not be empty"))
        };
        match self {
            Condition::Rounds { games, min_bet } => games_problem(games)
                .or_else(|| (*min_bet < 0).then(|| ("min_bet".to_owned(), "must be >= 0"))),
            Condition::WinMultiplier {
                games,
                at_least,
                min_bet,
            } => games_problem(games)
                .or_else(|| (at_least.0 <= 0).then(|| ("at_least".to_owned(), "must be > 0")))
                .or_else(|| (*min_bet < 0).then(|| ("min_bet".to_owned(), "must be >= 0"))),
            Condition::Wagered { games, currency } => games_problem(games).or_else(|| {
                currency
                    .as_ref()
                    .is_some_and(String::is_empty)
                    .then(|| ("currency".to_owned(), "must not be empty"))
            }),
            Condition::Matches { .. } => None,
            Condition::Placement { contest, top } => contest
                .as_ref()
                .is_some_and(String::is_empty)
                .then(|| ("contest".to_owned(), "must not be empty"))
                .or_else(|| (*top == 0).then(|| ("top".to_owned(), "must be >= 1"))),
            Condition::External { name } => name
                .is_empty()
                .then(|| ("name".to_owned(), "must not be empty")),
        }
    }
}

/// The first problem with a reward, as `(key, message)`, the key relative to the grant.
fn grant_problem(grant: &Grant) -> Option<(&'static str, &'static str)> {
    match grant {
        Grant::Chips { currency, amount } => (*amount <= 0)
            .then_some(("chips.amount", "must be > 0"))
            .or_else(|| {
                currency
                    .is_empty()
                    .then_some(("chips.currency", "must not be empty"))
            }),
        Grant::Points { amount } => (*amount <= 0).then_some(("points.amount", "must be > 0")),
        Grant::FreeSpins {
            game,
            spins,
            bet,
            currency,
        } => (*spins == 0)
            .then_some(("free_spins.spins", "must be > 0"))
            .or_else(|| (*bet <= 0).then_some(("free_spins.bet", "must be > 0")))
            .or_else(|| {
                game.is_empty()
                    .then_some(("free_spins.game", "must not be empty"))
            })
            .or_else(|| {
                currency
                    .is_empty()
                    .then_some(("free_spins.currency", "must not be empty"))
            }),
    }
}

/// One player's progress on one mission (stored by the caller).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Start of the current period ([`Repeat::period_of`]; always 0 for `Once`).
    pub period: Millis,
    /// When the first fact that counted in this period happened (the time limit runs from it).
    pub started_at: Option<Millis>,
    /// Index of the current stage; equals the number of stages when all are done.
    pub stage: usize,
    /// Progress on the current stage.
    pub count: i64,
}

/// A stage completed by [`Mission::apply`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDone {
    /// The stage's index.
    pub stage: usize,
    /// The stage's id.
    pub id: String,
    /// Its reward (a copy of [`Stage::reward`]).
    pub reward: Vec<Grant>,
    /// The period it was completed in (0 for a `Once` mission).
    pub period: Millis,
}

impl StageDone {
    /// The idempotency key of this completion's reward: `mission:{mission_id}:{period}:{stage}`.
    #[must_use]
    pub fn reward_id(&self, mission_id: &str) -> String {
        format!("mission:{mission_id}:{}:{}", self.period, self.stage)
    }
}

impl Mission {
    /// Checks the definition; the error names the offending key, e.g. `stages: at least one stage
    /// is required`, `stages[1].target: must be > 0`, `stages[0].id: duplicate id "a"`,
    /// `time_limit_ms: must be > 0`, `stages[0].reward[1].free_spins.spins: must be > 0`,
    /// `stages[2].condition.top: must be >= 1`.
    ///
    /// # Errors
    /// The first problem found, as `key: message`.
    pub fn validate(&self) -> Result<(), String> {
        if self.stages.is_empty() {
            return Err("stages: at least one stage is required".to_owned());
        }
        if self.time_limit_ms.is_some_and(|l| l <= 0) {
            return Err("time_limit_ms: must be > 0".to_owned());
        }
        let mut ids = HashSet::new();
        for (i, stage) in self.stages.iter().enumerate() {
            if stage.id.is_empty() {
                return Err(format!("stages[{i}].id: must not be empty"));
            }
            if !ids.insert(stage.id.as_str()) {
                return Err(format!("stages[{i}].id: duplicate id {:?}", stage.id));
            }
            if let Some((key, message)) = stage.condition.problem() {
                return Err(format!("stages[{i}].condition.{key}: {message}"));
            }
            if stage.target <= 0 {
                return Err(format!("stages[{i}].target: must be > 0"));
            }
            for (j, grant) in stage.reward.iter().enumerate() {
                if let Some((key, message)) = grant_problem(grant) {
                    return Err(format!("stages[{i}].reward[{j}].{key}: {message}"));
                }
            }
        }
        Ok(())
    }

    /// Applies one fact at its own time `fact.at_ms` and returns the stages it completed, in
    /// order (at most one, since the excess does not carry over).
    ///
    /// First the period: a fact of an older period than `progress.period` is ignored; one of a
    /// newer period resets `progress` to that period. Then the fact counts toward the current stage
    /// only (by [`Condition::counts`]), and only within the time limit; the first fact that counts
    /// sets `started_at`. When the count reaches the target the stage is done, the next becomes
    /// current and the count restarts at 0. A progress record whose `stage` is beyond the last
    /// stage (e.g. after the mission lost stages) is treated as all done.
    pub fn apply(&self, progress: &mut Progress, fact: &Fact) -> Vec<StageDone> {
        let period = self.repeat.period_of(fact.at_ms);
        if period < progress.period {
            return Vec::new();
        }
        if period > progress.period {
            *progress = Progress {
                period,
                ..Progress::default()
            };
        }
        if progress.stage > self.stages.len() {
            progress.stage = self.stages.len();
            progress.count = 0;
        }
        let Some(stage) = self.stages.get(progress.stage) else {
            return Vec::new();
        };
        let amount = stage.condition.counts(fact);
        if amount <= 0 {
            return Vec::new();
        }
        let started_at = progress.started_at.unwrap_or(fact.at_ms);
        if let Some(limit) = self.time_limit_ms
            && fact.at_ms >= started_at.saturating_add(limit)
        {
            return Vec::new();
        }
        progress.started_at = Some(started_at);
        progress.count = progress.count.saturating_add(amount);
        if progress.count < stage.target {
            return Vec::new();
        }
        let done = StageDone {
            stage: progress.stage,
            id: stage.id.clone(),
            reward: stage.reward.clone(),
            period: progress.period,
        };
        progress.stage += 1;
        progress.count = 0;
        vec![done]
    }

    /// The progress as shown to the player at `now`: for each stage `(progress, target, done)`.
    /// Done stages show `(target, target, true)`, later stages `(0, target, false)`, the current
    /// stage its count (within `0..=target`). When `now` is in a newer period than the stored one,
    /// everything shows as fresh zeros (the reset happens at the period boundary, even before a
    /// new fact arrives). A stage failed by the time limit still shows its count; see
    /// [`Mission::expired`].
    #[must_use]
    pub fn view(&self, progress: &Progress, now: Millis) -> Vec<(i64, i64, bool)> {
        let fresh = self.repeat.period_of(now) > progress.period;
        self.stages
            .iter()
            .enumerate()
            .map(|(i, stage)| {
                if fresh || i > progress.stage {
                    (0, stage.target, false)
                } else if i < progress.stage {
                    (stage.target.max(0), stage.target, true)
                } else {
                    (
                        progress.count.clamp(0, stage.target.max(0)),
                        stage.target,
                        false,
                    )
                }
            })
            .collect()
    }

    /// When the time limit of the stored period runs out (`started_at + time_limit_ms`), if there
    /// is a limit and the clock has started.
    #[must_use]
    pub fn deadline(&self, progress: &Progress) -> Option<Millis> {
        let limit = self.time_limit_ms?;
        Some(progress.started_at?.saturating_add(limit))
    }

    /// Whether, at `now`, the mission is failed for the current period: its time limit ran out
    /// with stages left. `false` once a newer period has begun (progress starts afresh).
    #[must_use]
    pub fn expired(&self, progress: &Progress, now: Millis) -> bool {
        if self.repeat.period_of(now) > progress.period || progress.stage >= self.stages.len() {
            return false;
        }
        self.deadline(progress).is_some_and(|d| now >= d)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::schedule::{DAY_MS, HOUR_MS, MINUTE_MS, parse_time};
    use proptest::prelude::*;

    fn t(text: &str) -> Millis {
        parse_time(text).unwrap()
    }

    fn fact(at_ms: Millis, what: What) -> Fact {
        Fact {
            id: format!("f{at_ms}"),
            user_id: 7,
            at_ms,
            what,
        }
    }

    fn round(at_ms: Millis, game: &str, bet: i64, multiplier_units: i64) -> Fact {
        fact(
            at_ms,
            What::Round {
                game: game.into(),
                currency: "PLAY".into(),
                bet,
                win: bet * multiplier_units / MULTIPLIER_UNITS,
                multiplier_units,
                duration_ms: 10,
            },
        )
    }

    fn guandan(at_ms: Millis, won: bool, ranked: bool) -> Fact {
        fact(
            at_ms,
            What::Match {
                match_id: format!("m{at_ms}"),
                ranked,
                won,
            },
        )
    }

    fn stage(id: &str, condition: Condition, target: i64) -> Stage {
        Stage {
            id: id.into(),
            condition,
            target,
            reward: vec![Grant::Points { amount: 10 }],
        }
    }

    fn rounds(target: i64) -> Stage {
        stage(
            "rounds",
            Condition::Rounds {
                games: vec![],
                min_bet: 0,
            },
            target,
        )
    }

    fn three_stage() -> Mission {
        Mission {
            stages: vec![
                stage(
                    "dice",
                    Condition::Rounds {
                        games: vec!["dice".into()],
                        min_bet: 10,
                    },
                    50,
                ),
                stage(
                    "big-win",
                    Condition::WinMultiplier {
                        games: vec![],
                        at_least: Multiplier::from_whole(10),
                        min_bet: 0,
                    },
                    1,
                ),
                stage(
                    "guandan",
                    Condition::Matches {
                        won: true,
                        ranked: false,
                    },
                    3,
                ),
            ],
            repeat: Repeat::Once,
            time_limit_ms: None,
        }
    }

    #[test]
    fn three_stage_walk_through() {
        let m = three_stage();
        m.validate().unwrap();
        let mut p = Progress::default();
        let at = t("2026-12-07T18:00:00Z");
        assert_eq!(
            m.view(&p, at),
            vec![(0, 50, false), (0, 1, false), (0, 3, false)]
        );
        // 49 qualifying dice rounds, plus rounds that do not qualify.
        for i in 0..49 {
            assert!(m.apply(&mut p, &round(at + i, "dice", 10, 0)).is_empty());
        }
        assert!(m.apply(&mut p, &round(at + 100, "dice", 9, 0)).is_empty());
        assert!(
            m.apply(&mut p, &round(at + 101, "slots", 100, 0))
                .is_empty()
        );
        // A Guandan win and a 20x round do not count yet: stages are ordered.
        assert!(m.apply(&mut p, &guandan(at + 102, true, true)).is_empty());
        assert!(
            m.apply(&mut p, &round(at + 103, "crash", 10, 20 * MULTIPLIER_UNITS))
                .is_empty()
        );
        assert_eq!(p.count, 49);
        assert_eq!(
            m.view(&p, at + 104),
            vec![(49, 50, false), (0, 1, false), (0, 3, false)]
        );
        // The 50th completes stage 0.
        let done = m.apply(&mut p, &round(at + 105, "dice", 500, 0));
        assert_eq!(
            done,
            vec![StageDone {
                stage: 0,
                id: "dice".into(),
                reward: vec![Grant::Points { amount: 10 }],
                period: 0
            }]
        );
        assert_eq!(done[0].reward_id("daily-dice"), "mission:daily-dice:0:0");
        assert_eq!((p.stage, p.count), (1, 0));
        // 9.99999999x is not 10x; exactly 10x is.
        assert!(
            m.apply(
                &mut p,
                &round(at + 106, "dice", 10, 10 * MULTIPLIER_UNITS - 1)
            )
            .is_empty()
        );
        let done = m.apply(&mut p, &round(at + 107, "dice", 10, 10 * MULTIPLIER_UNITS));
        assert_eq!(done.len(), 1);
        assert_eq!((done[0].stage, done[0].id.as_str()), (1, "big-win"));
        // Guandan: a loss does not count, three wins (ranked or not) do.
        assert!(m.apply(&mut p, &guandan(at + 108, false, true)).is_empty());
        assert!(m.apply(&mut p, &guandan(at + 109, true, false)).is_empty());
        assert!(m.apply(&mut p, &guandan(at + 110, true, true)).is_empty());
        assert_eq!(
            m.view(&p, at + 111),
            vec![(50, 50, true), (1, 1, true), (2, 3, false)]
        );
        let done = m.apply(&mut p, &guandan(at + 112, true, false));
        assert_eq!(done[0].stage, 2);
        assert_eq!(p.stage, 3);
        assert_eq!(
            m.view(&p, at + 113),
            vec![(50, 50, true), (1, 1, true), (3, 3, true)]
        );
        // Done for good: nothing more counts, even much later (Once).
        assert!(
            m.apply(&mut p, &guandan(at + 365 * DAY_MS, true, true))
                .is_empty()
        );
        assert_eq!(p.stage, 3);
        assert_eq!(m.view(&p, at + 365 * DAY_MS)[2], (3, 3, true));
    }

    #[test]
    fn excess_does_not_carry_over() {
        let wagered = |id: &str| {
            stage(
                id,
                Condition::Wagered {
                    games: vec![],
                    currency: Some("PLAY".into()),
                },
                1_000,
            )
        };
        let m = Mission {
            stages: vec![wagered("a"), wagered("b")],
            repeat: Repeat::Once,
            time_limit_ms: None,
        };
        let mut p = Progress::default();
        assert!(m.apply(&mut p, &round(1, "dice", 600, 0)).is_empty());
        let done = m.apply(&mut p, &round(2, "dice", 1_500, 0));
        assert_eq!(done.len(), 1, "one fact completes at most one stage");
        assert_eq!((p.stage, p.count), (1, 0));
        assert_eq!(m.view(&p, 3), vec![(1_000, 1_000, true), (0, 1_000, false)]);
        // Even a fact that alone exceeds two targets completes only the current stage.
        let mut p = Progress::default();
        let done = m.apply(&mut p, &round(2, "dice", 5_000, 0));
        assert_eq!(done.len(), 1);
        assert_eq!((p.stage, p.count), (1, 0));
    }

    #[test]
    fn daily_reset_at_midnight_utc() {
        let m = Mission {
            stages: vec![rounds(3), rounds(1)]
                .into_iter()
                .enumerate()
                .map(|(i, mut s)| {
                    s.id = format!("s{i}");
                    s
                })
                .collect(),
            repeat: Repeat::Daily,
            time_limit_ms: None,
        };
        m.validate().unwrap();
        let mut p = Progress::default();
        let before = t("2026-12-07T23:59:59.999Z");
        let midnight = t("2026-12-08T00:00:00Z");
        m.apply(&mut p, &round(before - 1, "dice", 1, 0));
        m.apply(&mut p, &round(before, "dice", 1, 0));
        assert_eq!(
            (p.period, p.stage, p.count),
            (t("2026-12-07T00:00:00Z"), 0, 2)
        );
        assert_eq!(m.view(&p, before), vec![(2, 3, false), (0, 1, false)]);
        // At midnight the view is fresh even before any new fact.
        assert_eq!(m.view(&p, midnight), vec![(0, 3, false), (0, 1, false)]);
        m.apply(&mut p, &round(midnight, "dice", 1, 0));
        assert_eq!((p.period, p.stage, p.count), (midnight, 0, 1));
        assert_eq!(p.started_at, Some(midnight));
        // Completing in one period and again in the next gives distinct reward ids.
        let mut p = Progress::default();
        let mut ids = Vec::new();
        for day in 0..2 {
            for i in 0..4 {
                for d in m.apply(&mut p, &round(midnight + day * DAY_MS + i, "dice", 1, 0)) {
                    ids.push(d.reward_id("m"));
                }
            }
        }
        let p1 = midnight;
        let p2 = midnight + DAY_MS;
        assert_eq!(
            ids,
            vec![
                format!("mission:m:{p1}:0"),
                format!("mission:m:{p1}:1"),
                format!("mission:m:{p2}:0"),
                format!("mission:m:{p2}:1"),
            ]
        );
    }

    #[test]
    fn weekly_reset_on_monday() {
        let m = Mission {
            stages: vec![rounds(10)],
            repeat: Repeat::Weekly,
            time_limit_ms: None,
        };
        let mut p = Progress::default();
        let saturday = t("2026-12-12T10:00:00Z");
        let sunday_late = t("2026-12-13T23:59:59Z");
        let monday = t("2026-12-14T00:00:00Z");
        m.apply(&mut p, &round(saturday, "dice", 1, 0));
        m.apply(&mut p, &round(sunday_late, "dice", 1, 0));
        assert_eq!((p.period, p.count), (t("2026-12-07T00:00:00Z"), 2));
        assert_eq!(m.view(&p, sunday_late)[0], (2, 10, false));
        assert_eq!(m.view(&p, monday)[0], (0, 10, false));
        m.apply(&mut p, &round(monday, "dice", 1, 0));
        assert_eq!((p.period, p.count), (monday, 1));
    }

    #[test]
    fn older_period_fact_is_ignored() {
        let m = Mission {
            stages: vec![rounds(10)],
            repeat: Repeat::Daily,
            time_limit_ms: None,
        };
        let mut p = Progress::default();
        let today = t("2026-12-08T00:00:10Z");
        m.apply(&mut p, &round(today, "dice", 1, 0));
        // Delivered late, from yesterday: ignored, nothing reset.
        assert!(
            m.apply(&mut p, &round(t("2026-12-07T23:59:59Z"), "dice", 1, 0))
                .is_empty()
        );
        assert_eq!((p.period, p.count), (t("2026-12-08T00:00:00Z"), 1));
        // Out of order within the same period still counts.
        m.apply(&mut p, &round(t("2026-12-08T00:00:05Z"), "dice", 1, 0));
        assert_eq!(p.count, 2);
        assert_eq!(p.started_at, Some(today));
    }

    #[test]
    fn time_limit() {
        let mut m = Mission {
            stages: vec![rounds(3)],
            repeat: Repeat::Daily,
            time_limit_ms: Some(HOUR_MS),
        };
        m.validate().unwrap();
        let day = t("2026-12-07T00:00:00Z");
        let start = day + 10 * HOUR_MS;
        let mut p = Progress::default();
        // A fact that does not count does not start the clock.
        m.apply(&mut p, &guandan(day + HOUR_MS, true, true));
        assert_eq!(p.started_at, None);
        m.apply(&mut p, &round(start, "dice", 1, 0));
        assert_eq!(p.started_at, Some(start));
        assert_eq!(m.deadline(&p), Some(start + HOUR_MS));
        m.apply(&mut p, &round(start + HOUR_MS - 1, "dice", 1, 0));
        assert_eq!(p.count, 2);
        assert!(!m.expired(&p, start + HOUR_MS - 1));
        // At the deadline and after, nothing counts; the stage stays failed for the day.
        assert!(
            m.apply(&mut p, &round(start + HOUR_MS, "dice", 1, 0))
                .is_empty()
        );
        assert!(
            m.apply(&mut p, &round(start + 2 * HOUR_MS, "dice", 1, 0))
                .is_empty()
        );
        assert_eq!(p.count, 2);
        assert!(m.expired(&p, start + HOUR_MS));
        assert_eq!(m.view(&p, start + 2 * HOUR_MS)[0], (2, 3, false));
        // The next day starts afresh.
        let tomorrow = day + DAY_MS;
        assert!(!m.expired(&p, tomorrow));
        m.apply(&mut p, &round(tomorrow + 5, "dice", 1, 0));
        assert_eq!(
            (p.period, p.started_at, p.count),
            (tomorrow, Some(tomorrow + 5), 1)
        );
        // Once: failed for good.
        m.repeat = Repeat::Once;
        let mut p = Progress::default();
        m.apply(&mut p, &round(start, "dice", 1, 0));
        assert!(
            m.apply(&mut p, &round(start + 30 * DAY_MS, "dice", 1, 0))
                .is_empty()
        );
        assert!(m.expired(&p, start + 30 * DAY_MS));
        assert_eq!(p.count, 1);
        // Completing within the limit: not expired afterwards.
        let mut p = Progress::default();
        for i in 0..3 {
            m.apply(&mut p, &round(start + i * MINUTE_MS, "dice", 1, 0));
        }
        assert_eq!(p.stage, 1);
        assert!(!m.expired(&p, start + 2 * HOUR_MS));
    }

    #[test]
    fn conditions_count() {
        let at = 1_000;
        let placement = |contest: &str, rank| {
            fact(
                at,
                What::Placement {
                    contest: contest.into(),
                    rank,
                },
            )
        };
        let external = |name: &str, value| {
            fact(
                at,
                What::External {
                    name: name.into(),
                    value,
                },
            )
        };
        let rating = fact(
            at,
            What::Rating {
                match_id: "m".into(),
                delta: 12,
            },
        );
        let top10 = Condition::Placement {
            contest: Some("weekly-cup".into()),
            top: 10,
        };
        assert_eq!(top10.counts(&placement("weekly-cup", 10)), 1);
        assert_eq!(top10.counts(&placement("weekly-cup", 11)), 0);
        assert_eq!(top10.counts(&placement("weekly-cup", 0)), 0);
        assert_eq!(top10.counts(&placement("other", 1)), 0);
        let any = Condition::Placement {
            contest: None,
            top: 3,
        };
        assert_eq!(any.counts(&placement("other", 3)), 1);
        let ext = Condition::External {
            name: "deposit".into(),
        };
        assert_eq!(ext.counts(&external("deposit", 250)), 250);
        assert_eq!(ext.counts(&external("deposit", -5)), 0);
        assert_eq!(ext.counts(&external("login", 1)), 0);
        assert_eq!(ext.counts(&rating), 0);
        let wagered = Condition::Wagered {
            games: vec!["dice".into(), "crash".into()],
            currency: Some("USD".into()),
        };
        let mut usd = round(at, "crash", 250, 0);
        if let What::Round { currency, .. } = &mut usd.what {
            *currency = "USD".into();
        }
        assert_eq!(wagered.counts(&usd), 250);
        assert_eq!(wagered.counts(&round(at, "crash", 250, 0)), 0);
        let any_currency = Condition::Wagered {
            games: vec![],
            currency: None,
        };
        assert_eq!(any_currency.counts(&round(at, "slot-x", 40, 0)), 40);
        assert_eq!(any_currency.counts(&round(at, "slot-x", -40, 0)), 0);
        assert_eq!(any_currency.counts(&guandan(at, true, true)), 0);
        let ranked = Condition::Matches {
            won: false,
            ranked: true,
        };
        assert_eq!(ranked.counts(&guandan(at, false, true)), 1);
        assert_eq!(ranked.counts(&guandan(at, true, false)), 0);
        let win = Condition::WinMultiplier {
            games: vec!["dice".into()],
            at_least: Multiplier::parse("2.5").unwrap(),
            min_bet: 100,
        };
        assert_eq!(win.counts(&round(at, "dice", 100, 250_000_000)), 1);
        assert_eq!(win.counts(&round(at, "dice", 99, 250_000_000)), 0);
        assert_eq!(win.counts(&round(at, "dice", 100, 249_999_999)), 0);
        assert_eq!(win.counts(&round(at, "crash", 100, 300_000_000)), 0);
    }

    #[test]
    fn multipliers() {
        assert_eq!(Multiplier::parse("10"), Ok(Multiplier(1_000_000_000)));
        assert_eq!(Multiplier::parse("2.5"), Ok(Multiplier(250_000_000)));
        assert_eq!(Multiplier::parse("0.00000001"), Ok(Multiplier(1)));
        assert_eq!(Multiplier::parse("1.10"), Ok(Multiplier(110_000_000)));
        for bad in [
            "",
            ".5",
            "5.",
            "-1",
            "+1",
            "1e3",
            "1.123456789",
            "abc",
            "99999999999999",
        ] {
            assert!(Multiplier::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Multiplier(250_000_000).to_string(), "2.5");
        assert_eq!(Multiplier(1_000_000_000).to_string(), "10");
        assert_eq!(Multiplier(1).to_string(), "0.00000001");
        assert_eq!(Multiplier(-150_000_000).to_string(), "-1.5");
        let read = |yaml: &str| serde_yaml::from_str::<Multiplier>(yaml);
        assert_eq!(read("10").unwrap(), Multiplier::from_whole(10));
        assert_eq!(read("2.5").unwrap(), Multiplier(250_000_000));
        assert_eq!(read("0.1").unwrap(), Multiplier(10_000_000));
        assert_eq!(read("1.1").unwrap(), Multiplier(110_000_000));
        assert_eq!(read("'2.5'").unwrap(), Multiplier(250_000_000));
        assert!(read("-2").is_err());
        assert!(read("0.000000001").is_err());
        assert!(read(".nan").is_err());
        assert!(read("1e30").is_err());
        assert_eq!(
            serde_yaml::to_string(&Multiplier(250_000_000))
                .unwrap()
                .trim(),
            "'2.5'"
        );
    }

    #[test]
    fn validate_names_the_key() {
        let ok = three_stage();
        assert_eq!(ok.validate(), Ok(()));
        let check = |f: &dyn Fn(&mut Mission), expected: &str| {
            let mut m = three_stage();
            f(&mut m);
            assert_eq!(m.validate(), Err(expected.to_owned()));
        };
        check(
            &|m| m.stages.clear(),
            "stages: at least one stage is required",
        );
        check(&|m| m.time_limit_ms = Some(0), "time_limit_ms: must be > 0");
        check(&|m| m.stages[1].target = 0, "stages[1].target: must be > 0");
        check(
            &|m| m.stages[2].target = -3,
            "stages[2].target: must be > 0",
        );
        check(
            &|m| m.stages[2].id = "dice".into(),
            "stages[2].id: duplicate id \"dice\"",
        );
        check(
            &|m| m.stages[0].id.clear(),
            "stages[0].id: must not be empty",
        );
        check(
            &|m| {
                m.stages[0].reward = vec![Grant::Points { amount: 5 }, Grant::Points { amount: 0 }]
            },
            "stages[0].reward[1].points.amount: must be > 0",
        );
        check(
            &|m| {
                m.stages[1].reward = vec![Grant::Chips {
                    currency: "PLAY".into(),
                    amount: -1,
                }]
            },
            "stages[1].reward[0].chips.amount: must be > 0",
        );
        check(
            &|m| {
                m.stages[2].reward = vec![Grant::FreeSpins {
                    game: "fruit-machine".into(),
                    spins: 0,
                    bet: 100,
                    currency: "PLAY".into(),
                }]
            },
            "stages[2].reward[0].free_spins.spins: must be > 0",
        );
        check(
            &|m| {
                m.stages[2].reward = vec![Grant::FreeSpins {
                    game: "fruit-machine".into(),
                    spins: 10,
                    bet: 0,
                    currency: "PLAY".into(),
                }]
            },
            "stages[2].reward[0].free_spins.bet: must be > 0",
        );
        check(
            &|m| {
                m.stages[0].condition = Condition::Rounds {
                    games: vec![],
                    min_bet: -1,
                }
            },
            "stages[0].condition.min_bet: must be >= 0",
        );
        check(
            &|m| {
                m.stages[1].condition = Condition::WinMultiplier {
                    games: vec!["dice".into(), String::new()],
                    at_least: Multiplier(1),
                    min_bet: 0,
                }
            },
            "stages[1].condition.games[1]: must not be empty",
        );
        check(
            &|m| {
                m.stages[1].condition = Condition::WinMultiplier {
                    games: vec![],
                    at_least: Multiplier(0),
                    min_bet: 0,
                }
            },
            "stages[1].condition.at_least: must be > 0",
        );
        check(
            &|m| {
                m.stages[2].condition = Condition::Placement {
                    contest: None,
                    top: 0,
                }
            },
            "stages[2].condition.top: must be >= 1",
        );
        check(
            &|m| {
                m.stages[2].condition = Condition::External {
                    name: String::new(),
                }
            },
            "stages[2].condition.name: must not be empty",
        );
    }

    const EXAMPLE: &str = r#"
repeat: daily
time_limit_ms: 7200000
stages:
  - id: roll
    condition: {type: rounds, games: [dice], min_bet: 10}
    target: 50
    reward: [{chips: {currency: PLAY, amount: 500}}, {free_spins: {game: fruit-machine, spins: 10, bet: 100, currency: PLAY}}]
  - id: big-win
    condition: {type: win_multiplier, at_least: 10}
    target: 1
    reward:
      - points: {amount: 100}
  - id: climb
    condition: {type: win_multiplier, games: [crash], at_least: "2.5", min_bet: 100}
    target: 2
  - id: stake
    condition: {type: wagered, currency: PLAY}
    target: 100000
  - id: guandan
    condition: {type: matches, won: true}
    target: 3
  - id: cup
    condition: {type: placement, contest: weekly-cup, top: 10}
    target: 1
  - id: deposit
    condition: {type: external, name: deposit}
    target: 1000
"#;

    #[test]
    fn yaml_example() {
        let m: Mission = serde_yaml::from_str(EXAMPLE).unwrap();
        m.validate().unwrap();
        assert_eq!(m.repeat, Repeat::Daily);
        assert_eq!(m.time_limit_ms, Some(2 * HOUR_MS));
        assert_eq!(m.stages.len(), 7);
        assert_eq!(
            m.stages[0].reward,
            vec![
                Grant::Chips {
                    currency: "PLAY".into(),
                    amount: 500
                },
                Grant::FreeSpins {
                    game: "fruit-machine".into(),
                    spins: 10,
                    bet: 100,
                    currency: "PLAY".into()
                }
            ]
        );
        assert_eq!(
            m.stages[0].condition,
            Condition::Rounds {
                games: vec!["dice".into()],
                min_bet: 10
            }
        );
        assert_eq!(
            m.stages[1].condition,
            Condition::WinMultiplier {
                games: vec![],
                at_least: Multiplier::from_whole(10),
                min_bet: 0
            }
        );
        assert_eq!(
            m.stages[2].condition,
            Condition::WinMultiplier {
                games: vec!["crash".into()],
                at_least: Multiplier(250_000_000),
                min_bet: 100
            }
        );
        assert_eq!(
            m.stages[4].condition,
            Condition::Matches {
                won: true,
                ranked: false
            }
        );
        assert!(m.stages[3].reward.is_empty());
        // Read through a `serde_yaml::Value` too (as a loader that assembles documents does).
        let value: serde_yaml::Value = serde_yaml::from_str(EXAMPLE).unwrap();
        assert_eq!(serde_yaml::from_value::<Mission>(value).unwrap(), m);
        // Serialises and reads back.
        let back: Mission = serde_yaml::from_str(&serde_yaml::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        // Defaults: repeat once, no limit, no reward.
        let minimal: Mission =
            serde_yaml::from_str("stages: [{id: a, condition: {type: matches}, target: 1}]")
                .unwrap();
        assert_eq!(
            (minimal.repeat, minimal.time_limit_ms),
            (Repeat::Once, None)
        );
        minimal.validate().unwrap();
        // The YAML-tag form of a reward is read too.
        let tagged: Mission = serde_yaml::from_str(
            "stages: [{id: a, condition: {type: matches}, target: 1, reward: [!points {amount: 5}]}]",
        )
        .unwrap();
        assert_eq!(tagged.stages[0].reward, vec![Grant::Points { amount: 5 }]);
    }

    #[test]
    fn module_doc_example_parses() {
        let source = include_str!("mission.rs");
        let yaml: String = source
            .lines()
            .skip_while(|l| *l != "//! ```yaml")
            .skip(1)
            .take_while(|l| *l != "//! ```")
            .map(|l| format!("{}\n", l.strip_prefix("//! ").unwrap_or_default()))
            .collect();
        let m: Mission = serde_yaml::from_str(&yaml).unwrap();
        m.validate().unwrap();
        assert_eq!(m.stages.len(), 3);
        assert_eq!(m.stages[0].reward.len(), 2);
    }

    #[test]
    fn yaml_rejects_unknown_fields_and_types() {
        for bad in [
            "stages: [{id: a, condition: {type: matches}, target: 1}]\nextra: 1",
            "stages: [{id: a, condition: {type: matches}, target: 1, bonus: 2}]",
            "stages: [{id: a, condition: {type: matches, wins: true}, target: 1}]",
            "stages: [{id: a, condition: {type: jackpot}, target: 1}]",
            "stages: [{id: a, condition: {type: placement}, target: 1}]",
            "stages: [{id: a, condition: {type: matches}, target: 1, reward: [{chips: {amount: 5}}]}]",
            "stages: [{id: a, condition: {type: matches}, target: 1, reward: [{points: {amount: 5, x: 1}}]}]",
            "stages: [{id: a, condition: {type: matches}, target: 1}]\nrepeat: hourly",
            "stages: [{id: a, condition: {type: matches}, target: 1, reward: [{points: {amount: 5}, chips: {currency: X, amount: 1}}]}]",
            "stages: [{id: a, condition: {type: matches}, target: 1, reward: [{jackpot: {amount: 5}}]}]",
            "stages: [{id: a, condition: {type: matches}, target: 1, reward: [points]}]",
        ] {
            assert!(serde_yaml::from_str::<Mission>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn corrupt_progress_is_handled() {
        let m = three_stage();
        let mut p = Progress {
            period: 0,
            started_at: None,
            stage: 99,
            count: -5,
        };
        assert!(m.apply(&mut p, &round(1, "dice", 10, 0)).is_empty());
        assert_eq!((p.stage, p.count), (3, 0));
        let p = Progress {
            period: 0,
            started_at: None,
            stage: 0,
            count: 80,
        };
        assert_eq!(m.view(&p, 0)[0], (50, 50, false));
        let mut p = p;
        assert_eq!(m.apply(&mut p, &round(1, "dice", 10, 0)).len(), 1);
    }

    fn condition_strategy() -> impl Strategy<Value = Condition> {
        prop_oneof![
            (0_i64..3).prop_map(|min_bet| Condition::Rounds {
                games: vec![],
                min_bet
            }),
            (0_i64..5).prop_map(|x| Condition::WinMultiplier {
                games: vec!["dice".into()],
                at_least: Multiplier::from_whole(x),
                min_bet: 0
            }),
            Just(Condition::Wagered {
                games: vec![],
                currency: None
            }),
            (any::<bool>(), any::<bool>())
                .prop_map(|(won, ranked)| Condition::Matches { won, ranked }),
            (1_u32..4).prop_map(|top| Condition::Placement { contest: None, top }),
            Just(Condition::External { name: "e".into() }),
        ]
    }

    fn mission_strategy() -> impl Strategy<Value = Mission> {
        (
            proptest::collection::vec((condition_strategy(), -1_i64..6), 1..5),
            prop_oneof![
                Just(Repeat::Once),
                Just(Repeat::Daily),
                Just(Repeat::Weekly)
            ],
            proptest::option::of(-5_i64..3 * DAY_MS),
        )
            .prop_map(|(stages, repeat, time_limit_ms)| Mission {
                stages: stages
                    .into_iter()
                    .enumerate()
                    .map(|(i, (condition, target))| Stage {
                        id: format!("s{i}"),
                        condition,
                        target,
                        reward: vec![],
                    })
                    .collect(),
                repeat,
                time_limit_ms,
            })
    }

    fn what_strategy() -> impl Strategy<Value = What> {
        prop_oneof![
            (
                prop_oneof![Just("dice"), Just("slot")],
                -5_i64..200,
                0_i64..6 * MULTIPLIER_UNITS
            )
                .prop_map(|(game, bet, multiplier_units)| What::Round {
                    game: game.into(),
                    currency: "PLAY".into(),
                    bet,
                    win: 0,
                    multiplier_units,
                    duration_ms: 0
                }),
            (any::<bool>(), any::<bool>()).prop_map(|(ranked, won)| What::Match {
                match_id: "m".into(),
                ranked,
                won
            }),
            (0_u32..6).prop_map(|rank| What::Placement {
                contest: "c".into(),
                rank
            }),
            (any::<i64>()).prop_map(|value| What::External {
                name: "e".into(),
                value
            }),
            (any::<i64>()).prop_map(|delta| What::Rating {
                match_id: "m".into(),
                delta
            }),
        ]
    }

    fn facts_strategy() -> impl Strategy<Value = Vec<Fact>> {
        // Times over three weeks around 2026-12-07, not sorted (out-of-order deliveries).
        proptest::collection::vec((0_i64..21 * DAY_MS, what_strategy()), 0..60).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (dt, what))| Fact {
                    id: i.to_string(),
                    user_id: 1,
                    at_ms: 1_796_601_600_000 + dt,
                    what,
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn progress_invariants(m in mission_strategy(), facts in facts_strategy(), sorted in any::<bool>()) {
            let mut facts = facts;
            if sorted {
                facts.sort_by_key(|f| f.at_ms);
            }
            let valid = m.validate().is_ok();
            let mut p = Progress::default();
            for f in &facts {
                let before = p.clone();
                let done = m.apply(&mut p, f);
                prop_assert!(p.stage <= m.stages.len());
                prop_assert!(done.len() <= 1);
                prop_assert!(p.period >= before.period);
                for d in &done {
                    prop_assert_eq!(d.stage + 1, p.stage);
                    prop_assert_eq!(d.period, p.period);
                    prop_assert_eq!(&d.id, &m.stages[d.stage].id);
                }
                if valid && let Some(s) = m.stages.get(p.stage) {
                    prop_assert!(p.count >= 0 && p.count < s.target);
                }
                let view = m.view(&p, f.at_ms);
                prop_assert_eq!(view.len(), m.stages.len());
                for (i, (count, target, is_done)) in view.into_iter().enumerate() {
                    prop_assert_eq!(target, m.stages[i].target);
                    if i != p.stage || p.period < m.repeat.period_of(f.at_ms) {
                        prop_assert!(count <= target.max(0));
                        prop_assert_eq!(is_done, i < p.stage && p.period >= m.repeat.period_of(f.at_ms));
                    }
                    prop_assert!(count >= 0 && count <= target.max(0));
                }
            }
        }

        #[test]
        fn apply_never_panics(
            m in mission_strategy(),
            period in any::<i64>(),
            started_at in proptest::option::of(any::<i64>()),
            stage in any::<usize>(),
            count in any::<i64>(),
            at_ms in any::<i64>(),
            what in what_strategy(),
            time_limit_ms in proptest::option::of(any::<i64>()),
        ) {
            let m = Mission { time_limit_ms, ..m };
            let mut p = Progress { period, started_at, stage, count };
            let f = Fact { id: "x".into(), user_id: 1, at_ms, what };
            let _ = m.apply(&mut p, &f);
            let _ = m.view(&p, at_ms);
            let _ = m.expired(&p, at_ms);
            let _ = m.deadline(&p);
            let _ = m.validate();
        }
    }
}
