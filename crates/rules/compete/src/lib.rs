//! Tournaments, leaderboards, missions, seasons and prizes: the pure rules.
//!
//! A contest is declared in YAML ([`def`]); its scoring formula compiles once ([`formula`]) and
//! scores each [`Fact`] in fixed point; a [`board::Board`] keeps every player's standing and ranks
//! them with the contest's declared tie-breaks; at the end [`prize`] splits the pool (ties split the
//! prizes of the ranks they cover, the rounding remainder goes to the house) or [`draw`] draws
//! ticket winners provably fairly from a committed seed. [`mission`] tracks staged missions,
//! [`schedule`] recurring windows, [`season`] the soft reset of ratings, and [`simulate`] forecasts
//! a definition's economy. No I/O, no clock (times are passed in), no global RNG.

pub mod award;
pub mod board;
pub mod cli;
pub mod def;
pub mod draw;
pub mod event;
pub mod formula;
pub mod mission;
pub mod prize;
pub mod schedule;
pub mod season;
pub mod simulate;

use serde::{Deserialize, Serialize};

/// A player's id (the platform's 64-bit user id).
pub type UserId = i64;

/// Milliseconds since the Unix epoch (UTC).
pub type Millis = i64;

/// Multipliers are integers in units of 1e-8 (as in `bet_settled.multiplier_units`).
pub const MULTIPLIER_UNITS: i64 = 100_000_000;

/// One fact a contest or a mission can score: a settled instant-game round, a finished Guandan
/// match, a rating change, a contest placement, or an operator's external event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// The event's stable id (duplicates are recognised by it).
    pub id: String,
    /// Whose fact it is.
    pub user_id: UserId,
    /// When it happened (a round's settlement, a match's end).
    pub at_ms: Millis,
    /// What happened.
    pub what: What,
}

/// What a [`Fact`] records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum What {
    /// An instant-game round (a bet, or a multi-step round) settled.
    Round {
        /// The game's id (`dice`, a slot's id…).
        game: String,
        /// Its currency.
        currency: String,
        /// The total staked, in minor units.
        bet: i64,
        /// The total paid back, in minor units (0 for a loss).
        win: i64,
        /// `win / bet` in units of 1e-8.
        multiplier_units: i64,
        /// From the bet to its settlement.
        duration_ms: i64,
    },
    /// A Guandan match finished with this player seated.
    Match {
        /// The match id.
        match_id: String,
        /// Whether it was ranked.
        ranked: bool,
        /// Whether this player's team won.
        won: bool,
    },
    /// A ranked match changed this player's display rating.
    Rating {
        /// The match id.
        match_id: String,
        /// Display rating after minus before.
        delta: i64,
    },
    /// This player finished a contest at `rank` (for missions such as "place in a top 10").
    Placement {
        /// The contest's id.
        contest: String,
        /// The final rank (1 is first).
        rank: u32,
    },
    /// An operator's event (`POST /v1/events`): a name and an integer value.
    External {
        /// The event's name.
        name: String,
        /// Its value.
        value: i64,
    },
}

impl Fact {
    /// The game of a round, if it is one.
    #[must_use]
    pub fn game(&self) -> Option<&str> {
        match &self.what {
            What::Round { game, .. } => Some(game),
            _ => None,
        }
    }
}

/// A reward: chips in a currency, points, or free spins on a named slot at a fixed line bet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Grant {
    /// Chips paid into the player's wallet (from the promotions account).
    Chips {
        /// The currency.
        currency: String,
        /// Minor units (> 0).
        amount: i64,
    },
    /// Points (a score of their own, no money).
    Points {
        /// How many (> 0).
        amount: i64,
    },
    /// Free spins on a named slot, each at a fixed bet paid by the promotions account.
    FreeSpins {
        /// The slot's game id.
        game: String,
        /// How many spins (> 0).
        spins: u32,
        /// The stake of each spin, in minor units (> 0).
        bet: i64,
        /// The currency of the stakes and wins.
        currency: String,
    },
}
