//! Ratings, finished-match records and leaderboards for Guandan (interface; implemented by the ratings work).
//!
//! The table service calls [`on_match_finished`] once for every finished match (casual, ranked or
//! private); ranked matches update ratings.

use crate::state::AppState;

/// Which queue or room a match came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Quick match, casual.
    Casual,
    /// Quick match, ranked (humans only; ratings change).
    Ranked,
    /// Private room.
    Private,
}

/// One seat of a finished match.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SeatResult {
    /// Seat 0..3; team = seat % 2.
    pub seat: u8,
    /// Internal account id; `None` for a bot.
    pub user_id: Option<i64>,
    /// Name shown at the table.
    pub display_name: String,
    /// True when a bot held the seat.
    pub is_bot: bool,
}

/// A finished match, as the table service reports it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FinishedMatch {
    /// Match id (also the replay id of `GET /v1/guandan/matches/{id}`).
    pub match_id: i64,
    /// Queue or room.
    pub kind: MatchKind,
    /// Rule profile name, e.g. `official-2022`.
    pub rules: String,
    /// The four seats.
    pub seats: [SeatResult; 4],
    /// Winning team (0: seats 0 and 2; 1: seats 1 and 3).
    pub winning_team: u8,
    /// Final level of each team, `2`..`A` (the winner's is the level it passed).
    pub final_levels: [String; 2],
    /// Seats in the order they went out in the last hand.
    pub last_hand_finish_order: Vec<u8>,
    /// Hands played.
    pub hands_played: u32,
    /// Start, milliseconds since the Unix epoch.
    pub started_at_ms: i64,
    /// End, milliseconds since the Unix epoch.
    pub ended_at_ms: i64,
}

/// Records a finished match (result row, and for ranked matches the rating updates). Called once per
/// match by the table service; must be idempotent per `match_id`.
pub async fn on_match_finished(
    _state: &AppState,
    _finished: &FinishedMatch,
) -> Result<(), crate::error::ApiError> {
    Ok(())
}
