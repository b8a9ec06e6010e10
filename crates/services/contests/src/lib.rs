//! Tournaments, leaderboards, missions and rewards: the service over the pure `compete` crate.
//!
//! - **Definitions** are created and changed through the admin API (YAML), versioned; a contest's
//!   rules are frozen once it starts.
//! - **The engine** ([`engine`]) runs on one node of a cluster (the `compete` job lease): it
//!   consumes the durable event stream, scores every fact against the live contests and missions,
//!   records each counted or excluded fact (the audit trail, deduplicated by fact id, from which
//!   a new leader replays the standings), publishes each player's place to the kv's sorted set
//!   of the contest, finalises ended contests (the immutable result, prizes through the ledger)
//!   and pays rewards.
//! - **Reads** ([`http`]) are answered by every node from the kv (ranks) and the database.

pub mod bench;
pub mod engine;
pub mod http;

use std::sync::Arc;

use api::Auth;

pub use http::{ContestsApi, routes};

api::service_state!(
    /// What the contests' handlers and engine share.
    ContestsState over ContestsDeps
);

/// The parts of [`ContestsState`].
pub struct ContestsDeps {
    /// The database.
    pub store: Arc<dyn store::Store>,
    /// Token and admin checks, and the node's clock.
    pub auth: Arc<Auth>,
    /// The node's kv (standings).
    pub kv: Arc<dyn kv::Kv>,
    /// The node's bus (events, notes to the engine).
    pub bus: Arc<dyn bus::Bus>,
    /// Prizes, entry fees and rewards.
    pub wallet: Arc<wallet::Wallet>,
}

/// The contests' routes over their state.
pub fn router(state: ContestsState) -> axum::Router {
    routes().with_state(state)
}

/// The kv sorted set of a contest's standings.
#[must_use]
pub fn standings_set(contest: &str) -> String {
    format!("compete:{contest}")
}

/// The kv sorted set of the ranks players last saw (for `delta`).
#[must_use]
pub fn seen_set(contest: &str) -> String {
    format!("compete-seen:{contest}")
}

/// Subject of the notes the HTTP side sends the engine (joins, finalise requests).
pub const NOTE_SUBJECT: &str = "compete.note";
