//! Ratings, finished-match records and leaderboards for Guandan.
//!
//! The table service calls [`on_match_finished`] once for every finished match (casual, ranked or
//! private): the result row is always stored (it feeds the shareable result card), and ranked matches
//! also update the four players' ratings with the pure `rating` crate, in the same transaction, once per
//! `match_id`. Bots are never rated. Routes: `GET /v1/guandan/leaderboard`, `GET /v1/guandan/ratings/me`,
//! `GET /v1/guandan/ratings/{user_id}` and `GET /v1/guandan/matches/{id}/card.png`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rating::{Rating, Winner};
use serde::{Deserialize, Serialize};
use store::ratings::{
    LeaderboardRow, NewMatchResult, RatingChange, RatingHistoryRecord, RatingRecord, RatingUpdate,
};

use crate::TablesState;
use api::error::{ApiError, ErrorCode};
use api::extract::AuthUser;

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
/// match by the table service; idempotent per `match_id` (a repeat changes nothing).
///
/// A ranked match is rated when its winner is 0 or 1 and at least one seat holds a human; bot seats
/// count as a new player's rating in the update and are never stored, and a user seated twice is not
/// rated. Errors are storage errors (the caller may retry with the same value).
pub async fn on_match_finished(
    state: &TablesState,
    finished: &FinishedMatch,
) -> Result<(), api::error::ApiError> {
    let winner = Winner::from_index(finished.winning_team);
    let humans = rated_seats(finished);
    let rated = finished.kind == MatchKind::Ranked && winner.is_some() && !humans.is_empty();
    let result_json = serde_json::to_string(finished).map_err(ApiError::internal)?;
    let row = NewMatchResult {
        match_id: finished.match_id,
        kind: kind_name(finished.kind).to_owned(),
        rules: finished.rules.clone(),
        winning_team: i64::from(finished.winning_team),
        result_json,
        hands_played: i64::from(finished.hands_played),
        started_at_ms: finished.started_at_ms,
        ended_at_ms: finished.ended_at_ms,
        rated,
        recorded_at_ms: state.auth.clock.now_ms(),
    };
    let seats_of_users: Vec<(usize, i64)> = humans.clone();
    let apply = move |current: &[RatingRecord]| -> Vec<RatingChange> {
        match winner {
            Some(w) => rating_changes(&seats_of_users, current, w),
            None => Vec::new(),
        }
    };
    let update = RatingUpdate {
        user_ids: humans.iter().map(|&(_, u)| u).collect(),
        initial: {
            let r = Rating::default();
            (r.mu, r.sigma, r.display())
        },
        apply: &apply,
    };
    let recorded = state
        .store
        .ratings()
        .record_match(&row, rated.then_some(&update))
        .await?;
    tracing::info!(
        match_id = finished.match_id,
        rated,
        recorded,
        "guandan match result stored"
    );
    Ok(())
}

fn kind_name(kind: MatchKind) -> &'static str {
    match kind {
        MatchKind::Casual => "casual",
        MatchKind::Ranked => "ranked",
        MatchKind::Private => "private",
    }
}

/// `(seat index, user id)` of every human seat, or none when a user holds two seats.
fn rated_seats(f: &FinishedMatch) -> Vec<(usize, i64)> {
    let mut out: Vec<(usize, i64)> = Vec::new();
    for (i, s) in f.seats.iter().enumerate() {
        if let (false, Some(u)) = (s.is_bot, s.user_id) {
            if out.iter().any(|&(_, v)| v == u) {
                tracing::warn!(
                    match_id = f.match_id,
                    user_id = u,
                    "user seated twice; match not rated"
                );
                return Vec::new();
            }
            out.push((i, u));
        }
    }
    out
}

/// The rule [`on_match_finished`] hands to the store: `current[k]` is the rating of `seats[k].1`.
fn rating_changes(
    seats: &[(usize, i64)],
    current: &[RatingRecord],
    winner: Winner,
) -> Vec<RatingChange> {
    let mut table = [Rating::default(); 4];
    for (&(seat, _), r) in seats.iter().zip(current) {
        table[seat] = Rating {
            mu: r.mu,
            sigma: r.sigma,
        };
    }
    // Team 0 is seats 0 and 2, team 1 seats 1 and 3.
    let after = rating::update([[table[0], table[2]], [table[1], table[3]]], winner);
    seats
        .iter()
        .zip(current)
        .map(|(&(seat, user_id), r)| {
            let new = after[seat % 2][seat / 2];
            let before = table[seat];
            RatingChange {
                user_id,
                seat: seat as i64,
                won: seat % 2 == winner.index(),
                mu_before: r.mu,
                sigma_before: r.sigma,
                display_before: before.display(),
                mu_after: new.mu,
                sigma_after: new.sigma,
                display_after: new.display(),
            }
        })
        .collect()
}

/// Leaderboard entries per page when the client names no `limit`.
const LEADERBOARD_LIMIT_DEFAULT: i64 = 50;
/// Largest leaderboard page.
const LEADERBOARD_LIMIT_MAX: i64 = 100;
/// Deepest leaderboard position a cursor may reach.
const LEADERBOARD_OFFSET_MAX: i64 = 100_000;
/// Rating changes shown with a player's rating.
const HISTORY_LIMIT: i64 = 20;

/// A visible tier.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TierView {
    /// Stable id: `bronze`, `silver`, `gold`, `platinum`, `diamond`, `master`.
    pub id: &'static str,
    /// English name.
    pub name: &'static str,
    /// Chinese name (青铜, 白银, 黄金, 铂金, 钻石, 大师).
    pub name_zh: &'static str,
    /// Lowest display rating of the tier.
    pub min_rating: i64,
}

impl From<rating::Tier> for TierView {
    fn from(t: rating::Tier) -> Self {
        TierView {
            id: t.id(),
            name: t.name_en(),
            name_zh: t.name_zh(),
            min_rating: t.min_display().max(0),
        }
    }
}

/// One leaderboard line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeaderboardEntry {
    /// 1-based position.
    pub rank: i64,
    /// Account id (decimal string).
    pub user_id: String,
    /// Display name.
    pub display_name: String,
    /// Current display rating.
    pub rating: i64,
    /// Tier of `rating`.
    pub tier: TierView,
    /// Rated matches (all time, or in the period).
    pub matches: i64,
    /// Rated wins (all time, or in the period).
    pub wins: i64,
    /// Display rating gained in the period (`week` and `month` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating_gained: Option<i64>,
}

/// `GET /v1/guandan/leaderboard`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Leaderboard {
    /// `all`, `week` or `month`.
    pub period: String,
    /// What the board is sorted by: `rating` (all time) or `rating_gained` (week, month).
    pub order_by: &'static str,
    /// Start of the period (Unix ms, UTC: Monday 00:00 for `week`, the 1st 00:00 for `month`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since_ms: Option<i64>,
    /// The entries, best first.
    pub entries: Vec<LeaderboardEntry>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query of `GET /v1/guandan/leaderboard`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LeaderboardQuery {
    /// `all` (default), `week` or `month`.
    pub period: Option<String>,
    /// Entries per page, 1 to 100 (default 50).
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One rating change.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RatingChangeView {
    /// Match id (decimal string).
    pub match_id: String,
    /// End of the match, Unix ms.
    pub ended_at_ms: i64,
    /// The player's team won.
    pub won: bool,
    /// Display rating before.
    pub rating_before: i64,
    /// Display rating after.
    pub rating_after: i64,
    /// `rating_after - rating_before`.
    pub change: i64,
}

/// `GET /v1/guandan/ratings/me` and `/v1/guandan/ratings/{user_id}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlayerRating {
    /// Account id (decimal string).
    pub user_id: String,
    /// Display name.
    pub display_name: String,
    /// Display rating (`1000 + 50 × (mu − 3σ)`, never below 0; 1000 for a new player).
    pub rating: i64,
    /// Tier of `rating`.
    pub tier: TierView,
    /// Skill estimate in thousandths of a point (Weng-Lin `mu`).
    pub mu: i64,
    /// Uncertainty in thousandths of a point (Weng-Lin `sigma`).
    pub sigma: i64,
    /// Rated matches.
    pub matches: i64,
    /// Rated wins.
    pub wins: i64,
    /// Latest rating changes, newest first (at most 20).
    pub history: Vec<RatingChangeView>,
}

fn bad_query(e: QueryRejection) -> ApiError {
    ApiError::with_message(
        ErrorCode::InvalidField,
        format!("The query string is invalid: {e}."),
    )
}

/// Ranked leaderboards. `all`: every rated player by display rating. `week` / `month`: players with a
/// ranked match since Monday 00:00 UTC / the 1st of the month 00:00 UTC, by display rating gained in
/// those matches; `matches` and `wins` count that period only.
#[utoipa::path(get, path = "/v1/guandan/leaderboard", tag = "guandan", params(LeaderboardQuery),
    responses((status = 200, body = Leaderboard), (status = 400, body = api::ErrorEnvelope)))]
pub async fn leaderboard(
    State(state): State<TablesState>,
    query: Result<Query<LeaderboardQuery>, QueryRejection>,
) -> Result<Json<Leaderboard>, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    let period = q.period.as_deref().unwrap_or("all");
    let limit = match q.limit.as_deref() {
        None | Some("") => LEADERBOARD_LIMIT_DEFAULT,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=LEADERBOARD_LIMIT_MAX).contains(l))
            .ok_or_else(|| {
                ApiError::field(
                    "limit",
                    format!(
                        "Field `limit` must be a whole number from 1 to {LEADERBOARD_LIMIT_MAX}."
                    ),
                )
            })?,
    };
    let offset = match q.cursor.as_deref() {
        None | Some("") => 0,
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|o| (0..=LEADERBOARD_OFFSET_MAX).contains(o))
            .ok_or_else(|| {
                ApiError::field(
                    "cursor",
                    "Field `cursor` must be a `next_cursor` from an earlier page.",
                )
            })?,
    };
    let now = state.auth.clock.now_ms();
    let since = match period {
        "all" => None,
        "week" => Some(week_start_ms(now)),
        "month" => Some(month_start_ms(now)),
        _ => {
            return Err(ApiError::field(
                "period",
                "Field `period` must be `all`, `week` or `month`.",
            ));
        }
    };
    // One row more than asked tells whether a next page exists.
    let rows = match since {
        None => {
            state
                .store
                .ratings()
                .leaderboard_all(limit + 1, offset)
                .await?
        }
        Some(s) => {
            state
                .store
                .ratings()
                .leaderboard_since(s, limit + 1, offset)
                .await?
        }
    };
    let more = rows.len() as i64 > limit;
    let entries = rows
        .into_iter()
        .take(limit as usize)
        .enumerate()
        .map(|(i, r)| entry(offset + i as i64 + 1, r, since.is_some()))
        .collect();
    Ok(Json(Leaderboard {
        period: period.to_owned(),
        order_by: if since.is_some() {
            "rating_gained"
        } else {
            "rating"
        },
        since_ms: since,
        entries,
        next_cursor: more.then(|| (offset + limit).to_string()),
    }))
}

fn entry(rank: i64, r: LeaderboardRow, period: bool) -> LeaderboardEntry {
    LeaderboardEntry {
        rank,
        user_id: r.user_id.to_string(),
        display_name: r.display_name,
        rating: r.display,
        tier: rating::tier(r.display).into(),
        matches: r.matches,
        wins: r.wins,
        rating_gained: period.then_some(r.gained),
    }
}

/// The signed-in player's rating, tier, record and recent rating changes.
#[utoipa::path(get, path = "/v1/guandan/ratings/me", tag = "guandan", security(("bearer" = [])),
    responses((status = 200, body = PlayerRating), (status = 401, body = api::ErrorEnvelope)))]
pub async fn my_rating(
    State(state): State<TablesState>,
    user: AuthUser,
) -> Result<Json<PlayerRating>, ApiError> {
    player_rating(&state, user.user_id).await.map(Json)
}

/// A player's rating, tier, record and recent rating changes (public).
#[utoipa::path(get, path = "/v1/guandan/ratings/{user_id}", tag = "guandan",
    params(("user_id" = String, Path, description = "Account id (decimal string)")),
    responses((status = 200, body = PlayerRating), (status = 404, body = api::ErrorEnvelope)))]
pub async fn user_rating(
    State(state): State<TablesState>,
    Path(user_id): Path<String>,
) -> Result<Json<PlayerRating>, ApiError> {
    let id = user_id
        .parse::<i64>()
        .map_err(|_| ApiError::with_message(ErrorCode::NotFound, "There is no such player."))?;
    player_rating(&state, id).await.map(Json)
}

async fn player_rating(state: &TablesState, user_id: i64) -> Result<PlayerRating, ApiError> {
    let user = match state.store.user_by_id(user_id).await {
        Ok(u) => u,
        Err(e) if e.is_not_found() => {
            return Err(ApiError::with_message(
                ErrorCode::NotFound,
                "There is no such player.",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let ratings = state.store.ratings();
    let current = ratings.rating(user_id).await?;
    let history = ratings.rating_history(user_id, HISTORY_LIMIT).await?;
    let (r, matches, wins) = match current {
        Some(c) => (
            Rating {
                mu: c.mu,
                sigma: c.sigma,
            },
            c.matches,
            c.wins,
        ),
        None => (Rating::default(), 0, 0),
    };
    Ok(PlayerRating {
        user_id: user_id.to_string(),
        display_name: user.display_name,
        rating: r.display(),
        tier: r.tier().into(),
        mu: r.mu,
        sigma: r.sigma,
        matches,
        wins,
        history: history.iter().map(change_view).collect(),
    })
}

fn change_view(h: &RatingHistoryRecord) -> RatingChangeView {
    RatingChangeView {
        match_id: h.match_id.to_string(),
        ended_at_ms: h.ended_at_ms,
        won: h.change.won,
        rating_before: h.change.display_before,
        rating_after: h.change.display_after,
        change: h.change.display_after - h.change.display_before,
    }
}

/// A shareable PNG image of a finished match: teams and players, final levels, the winner, the finish
/// order of the last hand and the date.
#[utoipa::path(get, path = "/v1/guandan/matches/{id}/card.png", tag = "guandan",
    params(("id" = String, Path, description = "Match id (decimal string)")),
    responses((status = 200, content_type = "image/png", body = Vec<u8>),
        (status = 404, body = api::ErrorEnvelope)))]
pub async fn result_card(
    State(state): State<TablesState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let unknown =
        || ApiError::with_message(ErrorCode::NotFound, "There is no such finished match.");
    let match_id = id.parse::<i64>().map_err(|_| unknown())?;
    let row = match state.store.ratings().match_result(match_id).await {
        Ok(r) => r,
        Err(e) if e.is_not_found() => return Err(unknown()),
        Err(e) => return Err(e.into()),
    };
    let finished: FinishedMatch =
        serde_json::from_str(&row.result_json).map_err(ApiError::internal)?;
    let card = card_of(&finished);
    let png = tokio::task::spawn_blocking(move || resultcard::render(&card))
        .await
        .map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400, immutable"),
        ],
        png,
    )
        .into_response())
}

/// The result card of a finished match.
pub fn card_of(f: &FinishedMatch) -> resultcard::Card {
    resultcard::Card {
        match_id: f.match_id,
        rules: f.rules.clone(),
        kind: kind_name(f.kind).to_owned(),
        seats: f.seats.clone().map(|s| resultcard::Player {
            name: s.display_name,
            bot: s.is_bot,
        }),
        winning_team: f.winning_team,
        final_levels: f.final_levels.clone(),
        finish_order: f.last_hand_finish_order.clone(),
        hands_played: f.hands_played,
        ended_at_ms: f.ended_at_ms,
    }
}

const DAY_MS: i64 = 86_400_000;

/// Monday 00:00 UTC of the week holding `now_ms` (1970-01-01 was a Thursday).
pub fn week_start_ms(now_ms: i64) -> i64 {
    let day = now_ms.div_euclid(DAY_MS);
    (day - (day + 3).rem_euclid(7)) * DAY_MS
}

/// The 1st of the month 00:00 UTC of `now_ms`.
pub fn month_start_ms(now_ms: i64) -> i64 {
    let day = now_ms.div_euclid(DAY_MS);
    let (_, _, d) = civil_from_days(day);
    (day - (d - 1)) * DAY_MS
}

/// `(year, month, day)` of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_starts() {
        // 2026-11-21 (a Saturday) 11:38 UTC.
        let now = 1_795_261_080_000;
        assert_eq!(week_start_ms(now), 1_794_787_200_000); // Monday 2026-11-16
        assert_eq!(month_start_ms(now), 1_793_491_200_000); // 2026-11-01
        assert_eq!(week_start_ms(0), -3 * DAY_MS); // Monday 1969-12-29
        assert_eq!(month_start_ms(0), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }

    #[test]
    fn changes_follow_the_seats() {
        let cur = |user_id| RatingRecord {
            user_id,
            mu: rating::MU_DEFAULT,
            sigma: rating::SIGMA_DEFAULT,
            display: 1_000,
            matches: 0,
            wins: 0,
            updated_at_ms: 0,
        };
        let seats = [(0, 10), (1, 11), (2, 12), (3, 13)];
        let ch = rating_changes(&seats, &[cur(10), cur(11), cur(12), cur(13)], Winner::Team1);
        assert_eq!(ch.len(), 4);
        for c in &ch {
            assert_eq!(c.won, c.seat % 2 == 1);
            assert_eq!(c.mu_after > c.mu_before, c.won);
            assert!(c.sigma_after < c.sigma_before);
        }
    }
}
