//! Finished Guandan matches, player ratings, rating history and leaderboards (migration `0004_ratings`).
//!
//! The store never computes a rating: [`RatingStore::record_match`] reads the current ratings inside its
//! transaction and hands them to the caller's rule ([`RatingUpdate::apply`]), then writes exactly what the
//! rule returned. The result row, the rating rows and the history rows commit together or not at all, and
//! a match id is recorded once (a repeat changes nothing).

use async_trait::async_trait;

use crate::StoreResult;

/// A finished match to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMatchResult {
    /// Match id (unique).
    pub match_id: i64,
    /// `casual`, `ranked` or `private`.
    pub kind: String,
    /// Rule profile name.
    pub rules: String,
    /// Winning team, 0 or 1.
    pub winning_team: i64,
    /// The whole result as the server reported it (JSON), for cards and replays of the result.
    pub result_json: String,
    /// Hands played.
    pub hands_played: i64,
    /// Start, Unix milliseconds.
    pub started_at_ms: i64,
    /// End, Unix milliseconds (also the time of the rating changes).
    pub ended_at_ms: i64,
    /// Whether ratings changed with this match.
    pub rated: bool,
    /// When the row was written, Unix milliseconds.
    pub recorded_at_ms: i64,
}

/// A stored match result.
pub type MatchResultRecord = NewMatchResult;

/// A player's current rating (integers as the `rating` crate defines them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RatingRecord {
    /// Account.
    pub user_id: i64,
    /// Skill estimate, thousandths of a point.
    pub mu: i64,
    /// Uncertainty, thousandths of a point.
    pub sigma: i64,
    /// Display rating derived from `mu` and `sigma` (stored so leaderboards can sort by it).
    pub display: i64,
    /// Rated matches played.
    pub matches: i64,
    /// Rated matches won.
    pub wins: i64,
    /// Last change, Unix milliseconds.
    pub updated_at_ms: i64,
}

/// One player's rating change in one match, as the rule decided it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RatingChange {
    /// Account.
    pub user_id: i64,
    /// Seat 0..3.
    pub seat: i64,
    /// The player's team won.
    pub won: bool,
    /// `mu` before.
    pub mu_before: i64,
    /// `sigma` before.
    pub sigma_before: i64,
    /// Display rating before.
    pub display_before: i64,
    /// `mu` after.
    pub mu_after: i64,
    /// `sigma` after.
    pub sigma_after: i64,
    /// Display rating after.
    pub display_after: i64,
}

/// A rating history row: a change and its match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RatingHistoryRecord {
    /// Match.
    pub match_id: i64,
    /// End of the match, Unix milliseconds.
    pub ended_at_ms: i64,
    /// The change.
    pub change: RatingChange,
}

/// The rating part of [`RatingStore::record_match`].
pub struct RatingUpdate<'a> {
    /// Distinct accounts whose ratings the match changes.
    pub user_ids: Vec<i64>,
    /// The rating a player without a row starts from: `(mu, sigma, display)`.
    pub initial: (i64, i64, i64),
    /// The rule: given the current ratings of `user_ids` (in that order), the changes to write. Called
    /// once, inside the transaction.
    pub apply: &'a (dyn Fn(&[RatingRecord]) -> Vec<RatingChange> + Send + Sync),
}

/// One leaderboard line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderboardRow {
    /// Account.
    pub user_id: i64,
    /// Display name (empty when the account is gone).
    pub display_name: String,
    /// Current `mu`.
    pub mu: i64,
    /// Current `sigma`.
    pub sigma: i64,
    /// Current display rating.
    pub display: i64,
    /// Rated matches (all time, or in the period).
    pub matches: i64,
    /// Rated wins (all time, or in the period).
    pub wins: i64,
    /// Display rating gained in the period's matches (0 on the all-time board).
    pub gained: i64,
}

/// Finished matches, ratings and leaderboards.
#[async_trait]
pub trait RatingStore: Send + Sync {
    /// Records `result` and, when `rating` is given, applies its changes, all in one transaction.
    /// Returns `false` (and writes nothing) when the match id was already recorded.
    async fn record_match(
        &self,
        result: &NewMatchResult,
        rating: Option<&RatingUpdate<'_>>,
    ) -> StoreResult<bool>;
    /// A recorded match; `NotFound` when absent.
    async fn match_result(&self, match_id: i64) -> StoreResult<MatchResultRecord>;
    /// A player's rating, `None` before their first rated match.
    async fn rating(&self, user_id: i64) -> StoreResult<Option<RatingRecord>>;
    /// A player's latest rating changes, newest first.
    async fn rating_history(
        &self,
        user_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<RatingHistoryRecord>>;
    /// All-time leaderboard: by display rating (highest first), then user id.
    async fn leaderboard_all(&self, limit: i64, offset: i64) -> StoreResult<Vec<LeaderboardRow>>;
    /// Leaderboard of a period: players with a rated match ending at or after `since_ms`, by display
    /// rating gained in those matches (highest first), then user id.
    async fn leaderboard_since(
        &self,
        since_ms: i64,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<LeaderboardRow>>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct ResultRow {
    pub match_id: i64,
    pub kind: String,
    pub rules: String,
    pub winning_team: i64,
    pub result_json: String,
    pub hands_played: i64,
    pub started_at_ms: i64,
    pub ended_at_ms: i64,
    pub rated: bool,
    pub recorded_at_ms: i64,
}

impl From<ResultRow> for MatchResultRecord {
    fn from(r: ResultRow) -> Self {
        Self {
            match_id: r.match_id,
            kind: r.kind,
            rules: r.rules,
            winning_team: r.winning_team,
            result_json: r.result_json,
            hands_played: r.hands_played,
            started_at_ms: r.started_at_ms,
            ended_at_ms: r.ended_at_ms,
            rated: r.rated,
            recorded_at_ms: r.recorded_at_ms,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RatingRow {
    pub user_id: i64,
    pub mu: i64,
    pub sigma: i64,
    pub display: i64,
    pub matches: i64,
    pub wins: i64,
    pub updated_at_ms: i64,
}

impl From<RatingRow> for RatingRecord {
    fn from(r: RatingRow) -> Self {
        Self {
            user_id: r.user_id,
            mu: r.mu,
            sigma: r.sigma,
            display: r.display,
            matches: r.matches,
            wins: r.wins,
            updated_at_ms: r.updated_at_ms,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct HistoryRow {
    pub match_id: i64,
    pub ended_at_ms: i64,
    pub user_id: i64,
    pub seat: i64,
    pub won: bool,
    pub mu_before: i64,
    pub sigma_before: i64,
    pub display_before: i64,
    pub mu_after: i64,
    pub sigma_after: i64,
    pub display_after: i64,
}

impl From<HistoryRow> for RatingHistoryRecord {
    fn from(r: HistoryRow) -> Self {
        Self {
            match_id: r.match_id,
            ended_at_ms: r.ended_at_ms,
            change: RatingChange {
                user_id: r.user_id,
                seat: r.seat,
                won: r.won,
                mu_before: r.mu_before,
                sigma_before: r.sigma_before,
                display_before: r.display_before,
                mu_after: r.mu_after,
                sigma_after: r.sigma_after,
                display_after: r.display_after,
            },
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LeaderRow {
    pub user_id: i64,
    pub display_name: String,
    pub mu: i64,
    pub sigma: i64,
    pub display: i64,
    pub matches: i64,
    pub wins: i64,
    pub gained: i64,
}

impl From<LeaderRow> for LeaderboardRow {
    fn from(r: LeaderRow) -> Self {
        Self {
            user_id: r.user_id,
            display_name: r.display_name,
            mu: r.mu,
            sigma: r.sigma,
            display: r.display,
            matches: r.matches,
            wins: r.wins,
            gained: r.gained,
        }
    }
}

pub(crate) const RESULT_COLUMNS: &str = "match_id, kind, rules, winning_team, result_json, \
     hands_played, started_at_ms, ended_at_ms, rated, recorded_at_ms";
pub(crate) const RATING_COLUMNS: &str = "user_id, mu, sigma, display, matches, wins, updated_at_ms";
pub(crate) const HISTORY_COLUMNS: &str = "match_id, ended_at_ms, user_id, seat, won, mu_before, \
     sigma_before, display_before, mu_after, sigma_after, display_after";

/// Implements [`RatingStore`] for a backend. `$begin` opens the write transaction (SQLite: `BEGIN
/// IMMEDIATE`, so reads happen under the write lock); `$lock` is appended to the rating read
/// (PostgreSQL: `FOR UPDATE`, after the rows are ensured to exist).
macro_rules! impl_rating_store {
    ($store:ty, $begin:literal, $lock:literal) => {
        #[async_trait::async_trait]
        impl $crate::ratings::RatingStore for $store {
            async fn record_match(
                &self,
                r: &$crate::ratings::NewMatchResult,
                rating: Option<&$crate::ratings::RatingUpdate<'_>>,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let inserted = sqlx::query(&format!(
                    "INSERT INTO guandan_results ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     ON CONFLICT (match_id) DO NOTHING",
                    $crate::ratings::RESULT_COLUMNS
                ))
                .bind(r.match_id)
                .bind(&r.kind)
                .bind(&r.rules)
                .bind(r.winning_team)
                .bind(&r.result_json)
                .bind(r.hands_played)
                .bind(r.started_at_ms)
                .bind(r.ended_at_ms)
                .bind(r.rated)
                .bind(r.recorded_at_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                if let Some(u) = rating.filter(|u| !u.user_ids.is_empty()) {
                    let mut ids = u.user_ids.clone();
                    ids.sort_unstable();
                    ids.dedup();
                    for &id in &ids {
                        sqlx::query(
                            "INSERT INTO guandan_ratings (user_id, mu, sigma, display, matches, wins, \
                             updated_at_ms) VALUES ($1, $2, $3, $4, 0, 0, $5) \
                             ON CONFLICT (user_id) DO NOTHING",
                        )
                        .bind(id)
                        .bind(u.initial.0)
                        .bind(u.initial.1)
                        .bind(u.initial.2)
                        .bind(r.ended_at_ms)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let placeholders: Vec<String> =
                        (1..=ids.len()).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "SELECT {} FROM guandan_ratings WHERE user_id IN ({}) ORDER BY user_id{}",
                        $crate::ratings::RATING_COLUMNS,
                        placeholders.join(", "),
                        $lock
                    );
                    let mut q = sqlx::query_as::<_, $crate::ratings::RatingRow>(&sql);
                    for &id in &ids {
                        q = q.bind(id);
                    }
                    let rows: Vec<$crate::ratings::RatingRecord> =
                        q.fetch_all(&mut *tx).await?.into_iter().map(Into::into).collect();
                    let current: Vec<$crate::ratings::RatingRecord> = u
                        .user_ids
                        .iter()
                        .filter_map(|id| rows.iter().find(|row| row.user_id == *id).copied())
                        .collect();
                    if current.len() != u.user_ids.len() {
                        return Err($crate::StoreError::new(
                            $crate::StoreErrorKind::Internal,
                            "rating rows missing after insert",
                        ));
                    }
                    for c in (u.apply)(&current) {
                        sqlx::query(
                            "UPDATE guandan_ratings SET mu = $1, sigma = $2, display = $3, \
                             matches = matches + 1, wins = wins + $4, updated_at_ms = $5 \
                             WHERE user_id = $6",
                        )
                        .bind(c.mu_after)
                        .bind(c.sigma_after)
                        .bind(c.display_after)
                        .bind(i64::from(c.won))
                        .bind(r.ended_at_ms)
                        .bind(c.user_id)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query(&format!(
                            "INSERT INTO guandan_rating_history ({}) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                            $crate::ratings::HISTORY_COLUMNS
                        ))
                        .bind(r.match_id)
                        .bind(r.ended_at_ms)
                        .bind(c.user_id)
                        .bind(c.seat)
                        .bind(c.won)
                        .bind(c.mu_before)
                        .bind(c.sigma_before)
                        .bind(c.display_before)
                        .bind(c.mu_after)
                        .bind(c.sigma_after)
                        .bind(c.display_after)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn match_result(
                &self,
                match_id: i64,
            ) -> $crate::StoreResult<$crate::ratings::MatchResultRecord> {
                let sql = format!(
                    "SELECT {} FROM guandan_results WHERE match_id = $1",
                    $crate::ratings::RESULT_COLUMNS
                );
                let row: Option<$crate::ratings::ResultRow> =
                    sqlx::query_as(&sql).bind(match_id).fetch_optional(&self.pool).await?;
                row.map(Into::into)
                    .ok_or_else(|| $crate::StoreError::not_found("match result"))
            }

            async fn rating(
                &self,
                user_id: i64,
            ) -> $crate::StoreResult<Option<$crate::ratings::RatingRecord>> {
                let sql = format!(
                    "SELECT {} FROM guandan_ratings WHERE user_id = $1",
                    $crate::ratings::RATING_COLUMNS
                );
                let row: Option<$crate::ratings::RatingRow> =
                    sqlx::query_as(&sql).bind(user_id).fetch_optional(&self.pool).await?;
                Ok(row.map(Into::into))
            }

            async fn rating_history(
                &self,
                user_id: i64,
                limit: i64,
            ) -> $crate::StoreResult<Vec<$crate::ratings::RatingHistoryRecord>> {
                let sql = format!(
                    "SELECT {} FROM guandan_rating_history WHERE user_id = $1 \
                     ORDER BY ended_at_ms DESC, match_id DESC LIMIT $2",
                    $crate::ratings::HISTORY_COLUMNS
                );
                let rows: Vec<$crate::ratings::HistoryRow> = sqlx::query_as(&sql)
                    .bind(user_id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn leaderboard_all(
                &self,
                limit: i64,
                offset: i64,
            ) -> $crate::StoreResult<Vec<$crate::ratings::LeaderboardRow>> {
                let rows: Vec<$crate::ratings::LeaderRow> = sqlx::query_as(
                    "SELECT r.user_id, COALESCE(u.display_name, '') AS display_name, r.mu, r.sigma, \
                     r.display, r.matches, r.wins, CAST(0 AS BIGINT) AS gained \
                     FROM guandan_ratings r LEFT JOIN users u ON u.id = r.user_id \
                     WHERE r.matches > 0 \
                     ORDER BY r.display DESC, r.user_id ASC LIMIT $1 OFFSET $2",
                )
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn leaderboard_since(
                &self,
                since_ms: i64,
                limit: i64,
                offset: i64,
            ) -> $crate::StoreResult<Vec<$crate::ratings::LeaderboardRow>> {
                let rows: Vec<$crate::ratings::LeaderRow> = sqlx::query_as(
                    "SELECT h.user_id, COALESCE(MAX(u.display_name), '') AS display_name, \
                     MAX(r.mu) AS mu, MAX(r.sigma) AS sigma, MAX(r.display) AS display, \
                     CAST(COUNT(*) AS BIGINT) AS matches, \
                     CAST(SUM(CASE WHEN h.won THEN 1 ELSE 0 END) AS BIGINT) AS wins, \
                     CAST(SUM(h.display_after - h.display_before) AS BIGINT) AS gained \
                     FROM guandan_rating_history h \
                     JOIN guandan_ratings r ON r.user_id = h.user_id \
                     LEFT JOIN users u ON u.id = h.user_id \
                     WHERE h.ended_at_ms >= $1 \
                     GROUP BY h.user_id \
                     ORDER BY gained DESC, h.user_id ASC LIMIT $2 OFFSET $3",
                )
                .bind(since_ms)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }
        }
    };
}

pub(crate) use impl_rating_store;
