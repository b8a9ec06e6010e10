//! Tournaments, leaderboards and missions (migration `0012_compete`): definitions and their
//! versions, entries, the facts each contest counted or excluded (the audit trail every score is
//! replayed from, and the dedupe by fact id), standings, snapshots, rewards and mission progress.

use async_trait::async_trait;

use crate::StoreResult;

/// A contest or mission.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContestRow {
    /// Its id.
    pub id: String,
    /// The definition's version (1, 2, …; a running contest's never changes).
    pub version: i64,
    /// `tournament`, `leaderboard` or `mission`.
    pub kind: String,
    /// The definition (YAML).
    pub source: String,
    /// `scheduled`, `cancelled` or `final` (running and ended follow from the window).
    pub status: String,
    /// Window start (ms), if any.
    pub starts_at_ms: Option<i64>,
    /// Window end (ms), if any.
    pub ends_at_ms: Option<i64>,
    /// The index of its prize-pool ledger account.
    pub pool_index: i64,
    /// The draw seed (secret until the end).
    pub seed: String,
    /// SHA-256 of the seed, published from the start.
    pub commitment: String,
    /// The final standings and prizes (JSON), immutable once set.
    pub result: Option<String>,
    /// When it was created.
    pub created_at_ms: i64,
    /// When it was finalised.
    pub finalised_at_ms: Option<i64>,
}

/// A fact a contest counted or excluded.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FactRow {
    /// Its place in the contest's log (replays follow it).
    pub seq: i64,
    /// The contest (or mission).
    pub contest_id: String,
    /// The fact's id (unique per contest).
    pub fact_id: String,
    /// Whose.
    pub user_id: i64,
    /// When it happened.
    pub at_ms: i64,
    /// `counted` or `excluded:<reason>`.
    pub outcome: String,
    /// The fact (JSON).
    pub body: String,
}

/// A fact to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFact {
    /// The contest (or mission).
    pub contest_id: String,
    /// The fact's id.
    pub fact_id: String,
    /// Whose.
    pub user_id: i64,
    /// When it happened.
    pub at_ms: i64,
    /// `counted` or `excluded:<reason>`.
    pub outcome: String,
    /// The fact (JSON).
    pub body: String,
}

/// A prize or reward.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RewardRow {
    /// Its id: the idempotency key of its payment (`prize:<contest>:<user>`,
    /// `mission:<id>:<period>:<stage>`).
    pub id: String,
    /// Whose.
    pub user_id: i64,
    /// The contest or mission it comes from.
    pub source: String,
    /// `prize` or `reward`.
    pub kind: String,
    /// What it grants (JSON, `compete::Grant`).
    pub grant_json: String,
    /// Chips, minor units (0 for points and free spins).
    pub amount: i64,
    /// The chips' currency.
    pub currency: String,
    /// `offered` (to claim), `paying`, `paid`, `expired`.
    pub status: String,
    /// When it was created.
    pub created_at_ms: i64,
    /// When an offered reward expires.
    pub expires_at_ms: Option<i64>,
    /// When it was paid or expired.
    pub settled_at_ms: Option<i64>,
}

/// The compete service's storage.
#[async_trait]
pub trait CompeteStore: Send + Sync {
    /// Stores version 1 of a new contest; `Conflict` when the id exists.
    async fn insert_contest(&self, c: &ContestRow) -> StoreResult<()>;
    /// Replaces a scheduled contest's definition with version `version + 1`; `false` when it is
    /// not scheduled any more or its version moved (a running contest never changes).
    async fn update_contest(
        &self,
        id: &str,
        version: i64,
        kind: &str,
        source: &str,
        starts_at_ms: Option<i64>,
        ends_at_ms: Option<i64>,
    ) -> StoreResult<bool>;
    /// Every contest, oldest first.
    async fn contests(&self) -> StoreResult<Vec<ContestRow>>;
    /// One contest; `NotFound` when absent.
    async fn contest(&self, id: &str) -> StoreResult<ContestRow>;
    /// Marks a `scheduled` contest `cancelled`; `false` when it was not scheduled.
    async fn cancel_contest(&self, id: &str, now_ms: i64) -> StoreResult<bool>;
    /// Sets the final result once; `false` when it was already final or cancelled.
    async fn finalise_contest(&self, id: &str, result: &str, now_ms: i64) -> StoreResult<bool>;
    /// The next free prize-pool index.
    async fn next_pool_index(&self) -> StoreResult<i64>;

    /// Records an entry; `false` when the player had already joined.
    async fn insert_entry(
        &self,
        contest: &str,
        user: i64,
        fee: i64,
        now_ms: i64,
    ) -> StoreResult<bool>;
    /// A contest's entries: (user, fee).
    async fn entries(&self, contest: &str) -> StoreResult<Vec<(i64, i64)>>;
    /// The contests a player joined.
    async fn joined(&self, user: i64) -> StoreResult<Vec<String>>;

    /// Records facts in one transaction; for each, whether it was new (a fact id already recorded
    /// for its contest is a duplicate and stores nothing).
    async fn record_facts(&self, facts: &[NewFact]) -> StoreResult<Vec<bool>>;
    /// A contest's facts after `after_seq`, in log order.
    async fn facts(&self, contest: &str, after_seq: i64, limit: i64) -> StoreResult<Vec<FactRow>>;
    /// A player's facts in a contest, in log order (why their score is what it is).
    async fn user_facts(&self, contest: &str, user: i64, limit: i64) -> StoreResult<Vec<FactRow>>;
    /// Excluded facts per outcome.
    async fn excluded_counts(&self, contest: &str) -> StoreResult<Vec<(String, i64)>>;

    /// Upserts standings rows `(contest, user, score, rounds, member)` (`member`: the player's
    /// member in the kv's sorted set, which encodes the tie-breaks).
    async fn upsert_standings(&self, rows: &[(String, i64, i64, i64, String)]) -> StoreResult<()>;
    /// A player's standing: (score, member).
    async fn standing(&self, contest: &str, user: i64) -> StoreResult<Option<(i64, String)>>;
    /// A page of a contest's standings `(user, score, rounds, member)`, best score first.
    async fn standings(
        &self,
        contest: &str,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, i64, i64, String)>>;
    /// Display names of users (missing users are left out).
    async fn display_names(&self, ids: &[i64]) -> StoreResult<Vec<(i64, String)>>;
    /// Stores a snapshot of a contest's top (JSON).
    async fn insert_snapshot(&self, contest: &str, at_ms: i64, top: &str) -> StoreResult<()>;
    /// The latest snapshots, newest first.
    async fn snapshots(&self, contest: &str, limit: i64) -> StoreResult<Vec<(i64, String)>>;

    /// Stores a reward; `false` when its id exists (nothing changes).
    async fn insert_reward(&self, r: &RewardRow) -> StoreResult<bool>;
    /// A player's rewards, newest first.
    async fn rewards(&self, user: i64, limit: i64) -> StoreResult<Vec<RewardRow>>;
    /// One reward; `NotFound` when absent.
    async fn reward(&self, id: &str) -> StoreResult<RewardRow>;
    /// Moves a reward from `from` to `to`; `false` when it was not in `from`.
    async fn set_reward_status(
        &self,
        id: &str,
        from: &str,
        to: &str,
        now_ms: i64,
    ) -> StoreResult<bool>;
    /// Rewards in `status` (with `expires_at_ms` before `before_ms` when given), oldest first.
    async fn rewards_in(
        &self,
        status: &str,
        before_ms: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<RewardRow>>;

    /// A player's progress on a mission (JSON).
    async fn progress(&self, mission: &str, user: i64) -> StoreResult<Option<String>>;
    /// Stores progress rows `(mission, user, json)`.
    async fn set_progress(&self, rows: &[(String, i64, String)]) -> StoreResult<()>;
}

/// Rows per multi-row statement (facts, standings).
pub const ROWS_PER_STATEMENT: usize = 200;

const CONTEST_COLUMNS: &str = "id, version, kind, source, status, starts_at_ms, ends_at_ms, \
     pool_index, seed, commitment, result, created_at_ms, finalised_at_ms";

const REWARD_COLUMNS: &str = "id, user_id, source, kind, grant_json, amount, currency, status, \
     created_at_ms, expires_at_ms, settled_at_ms";

/// The contest columns, for the implementations.
#[doc(hidden)]
#[must_use]
pub fn contest_columns() -> &'static str {
    CONTEST_COLUMNS
}

/// The reward columns, for the implementations.
#[doc(hidden)]
#[must_use]
pub fn reward_columns() -> &'static str {
    REWARD_COLUMNS
}

/// Implements [`CompeteStore`] for a store type with a `pool` field.
macro_rules! impl_compete_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::compete::CompeteStore for $store {
            async fn insert_contest(
                &self,
                c: &$crate::compete::ContestRow,
            ) -> $crate::StoreResult<()> {
                let done = sqlx::query(
                    "INSERT INTO compete_contests (id, version, kind, source, status, starts_at_ms, \
                     ends_at_ms, pool_index, seed, commitment, result, created_at_ms, finalised_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(&c.id)
                .bind(c.version)
                .bind(&c.kind)
                .bind(&c.source)
                .bind(&c.status)
                .bind(c.starts_at_ms)
                .bind(c.ends_at_ms)
                .bind(c.pool_index)
                .bind(&c.seed)
                .bind(&c.commitment)
                .bind(&c.result)
                .bind(c.created_at_ms)
                .bind(c.finalised_at_ms)
                .execute(&self.pool)
                .await?;
                if done.rows_affected() == 0 {
                    return Err($crate::StoreError::new(
                        $crate::StoreErrorKind::Conflict,
                        format!("contest {} exists", c.id),
                    ));
                }
                Ok(())
            }

            async fn update_contest(
                &self,
                id: &str,
                version: i64,
                kind: &str,
                source: &str,
                starts_at_ms: Option<i64>,
                ends_at_ms: Option<i64>,
            ) -> $crate::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE compete_contests SET version = version + 1, kind = $3, source = $4, \
                     starts_at_ms = $5, ends_at_ms = $6 \
                     WHERE id = $1 AND version = $2 AND status = 'scheduled'",
                )
                .bind(id)
                .bind(version)
                .bind(kind)
                .bind(source)
                .bind(starts_at_ms)
                .bind(ends_at_ms)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn contests(&self) -> $crate::StoreResult<Vec<$crate::compete::ContestRow>> {
                let sql = format!(
                    "SELECT {} FROM compete_contests ORDER BY created_at_ms, id",
                    $crate::compete::contest_columns()
                );
                Ok(sqlx::query_as(&sql).fetch_all(&self.pool).await?)
            }

            async fn contest(&self, id: &str) -> $crate::StoreResult<$crate::compete::ContestRow> {
                let sql = format!(
                    "SELECT {} FROM compete_contests WHERE id = $1",
                    $crate::compete::contest_columns()
                );
                sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| {
                        $crate::StoreError::new(
                            $crate::StoreErrorKind::NotFound,
                            format!("contest {id}"),
                        )
                    })
            }

            async fn cancel_contest(&self, id: &str, now_ms: i64) -> $crate::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE compete_contests SET status = 'cancelled', finalised_at_ms = $2 \
                     WHERE id = $1 AND status = 'scheduled'",
                )
                .bind(id)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn finalise_contest(
                &self,
                id: &str,
                result: &str,
                now_ms: i64,
            ) -> $crate::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE compete_contests SET status = 'final', result = $2, finalised_at_ms = $3 \
                     WHERE id = $1 AND status = 'scheduled' AND result IS NULL",
                )
                .bind(id)
                .bind(result)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn next_pool_index(&self) -> $crate::StoreResult<i64> {
                let (n,): (Option<i64>,) =
                    sqlx::query_as("SELECT MAX(pool_index) FROM compete_contests")
                        .fetch_one(&self.pool)
                        .await?;
                Ok(n.unwrap_or(0) + 1)
            }

            async fn insert_entry(
                &self,
                contest: &str,
                user: i64,
                fee: i64,
                now_ms: i64,
            ) -> $crate::StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO compete_entries (contest_id, user_id, fee, joined_at_ms) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (contest_id, user_id) DO NOTHING",
                )
                .bind(contest)
                .bind(user)
                .bind(fee)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn entries(&self, contest: &str) -> $crate::StoreResult<Vec<(i64, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT user_id, fee FROM compete_entries WHERE contest_id = $1 ORDER BY user_id",
                )
                .bind(contest)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn joined(&self, user: i64) -> $crate::StoreResult<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT contest_id FROM compete_entries WHERE user_id = $1 ORDER BY contest_id",
                )
                .bind(user)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(c,)| c).collect())
            }

            async fn record_facts(
                &self,
                facts: &[$crate::compete::NewFact],
            ) -> $crate::StoreResult<Vec<bool>> {
                let mut out = Vec::with_capacity(facts.len());
                let mut seen = std::collections::HashSet::new();
                let mut tx = self.pool.begin().await?;
                for chunk in facts.chunks($crate::compete::ROWS_PER_STATEMENT) {
                    let values: Vec<String> = (0..chunk.len())
                        .map(|r| {
                            let b = r * 6;
                            format!("(${}, ${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6)
                        })
                        .collect();
                    let sql = format!(
                        "INSERT INTO compete_facts (contest_id, fact_id, user_id, at_ms, outcome, body) \
                         VALUES {} ON CONFLICT (contest_id, fact_id) DO NOTHING \
                         RETURNING contest_id, fact_id",
                        values.join(", ")
                    );
                    let mut q = sqlx::query_as::<_, (String, String)>(&sql);
                    for f in chunk {
                        q = q
                            .bind(&f.contest_id)
                            .bind(&f.fact_id)
                            .bind(f.user_id)
                            .bind(f.at_ms)
                            .bind(&f.outcome)
                            .bind(&f.body);
                    }
                    let inserted: std::collections::HashSet<(String, String)> =
                        q.fetch_all(&mut *tx).await?.into_iter().collect();
                    for f in chunk {
                        let key = (f.contest_id.clone(), f.fact_id.clone());
                        // A fact twice in one batch is new once.
                        out.push(inserted.contains(&key) && seen.insert(key));
                    }
                }
                tx.commit().await?;
                Ok(out)
            }

            async fn facts(
                &self,
                contest: &str,
                after_seq: i64,
                limit: i64,
            ) -> $crate::StoreResult<Vec<$crate::compete::FactRow>> {
                Ok(sqlx::query_as(
                    "SELECT seq, contest_id, fact_id, user_id, at_ms, outcome, body FROM compete_facts \
                     WHERE contest_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                )
                .bind(contest)
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn user_facts(
                &self,
                contest: &str,
                user: i64,
                limit: i64,
            ) -> $crate::StoreResult<Vec<$crate::compete::FactRow>> {
                Ok(sqlx::query_as(
                    "SELECT seq, contest_id, fact_id, user_id, at_ms, outcome, body FROM compete_facts \
                     WHERE contest_id = $1 AND user_id = $2 ORDER BY seq LIMIT $3",
                )
                .bind(contest)
                .bind(user)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn excluded_counts(
                &self,
                contest: &str,
            ) -> $crate::StoreResult<Vec<(String, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT outcome, COUNT(*) FROM compete_facts \
                     WHERE contest_id = $1 AND outcome <> 'counted' GROUP BY outcome ORDER BY outcome",
                )
                .bind(contest)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn upsert_standings(
                &self,
                rows: &[(String, i64, i64, i64, String)],
            ) -> $crate::StoreResult<()> {
                if rows.is_empty() {
                    return Ok(());
                }
                // One row per player in a statement (PostgreSQL refuses to update a row twice):
                // the last one wins.
                let mut seen = std::collections::HashSet::new();
                let mut unique: Vec<&(String, i64, i64, i64, String)> = rows
                    .iter()
                    .rev()
                    .filter(|r| seen.insert((r.0.as_str(), r.1)))
                    .collect();
                unique.reverse();
                let mut tx = self.pool.begin().await?;
                for chunk in unique.chunks($crate::compete::ROWS_PER_STATEMENT) {
                    let values: Vec<String> = (0..chunk.len())
                        .map(|r| {
                            let b = r * 5;
                            format!("(${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5)
                        })
                        .collect();
                    let sql = format!(
                        "INSERT INTO compete_standings (contest_id, user_id, score, rounds, member) \
                         VALUES {} ON CONFLICT (contest_id, user_id) \
                         DO UPDATE SET score = excluded.score, rounds = excluded.rounds, \
                         member = excluded.member",
                        values.join(", ")
                    );
                    let mut q = sqlx::query(&sql);
                    for (contest, user, score, rounds, member) in chunk {
                        q = q.bind(contest).bind(user).bind(score).bind(rounds).bind(member);
                    }
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn standing(
                &self,
                contest: &str,
                user: i64,
            ) -> $crate::StoreResult<Option<(i64, String)>> {
                Ok(sqlx::query_as(
                    "SELECT score, member FROM compete_standings WHERE contest_id = $1 AND user_id = $2",
                )
                .bind(contest)
                .bind(user)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn standings(
                &self,
                contest: &str,
                offset: i64,
                limit: i64,
            ) -> $crate::StoreResult<Vec<(i64, i64, i64, String)>> {
                Ok(sqlx::query_as(
                    "SELECT user_id, score, rounds, member FROM compete_standings WHERE contest_id = $1 \
                     ORDER BY score DESC, member DESC LIMIT $2 OFFSET $3",
                )
                .bind(contest)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn display_names(&self, ids: &[i64]) -> $crate::StoreResult<Vec<(i64, String)>> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "SELECT id, display_name FROM users WHERE id IN ({})",
                        marks.join(", ")
                    );
                    let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    out.extend(q.fetch_all(&self.pool).await?);
                }
                Ok(out)
            }

            async fn insert_snapshot(
                &self,
                contest: &str,
                at_ms: i64,
                top: &str,
            ) -> $crate::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO compete_snapshots (contest_id, taken_at_ms, top_json) VALUES ($1, $2, $3) \
                     ON CONFLICT (contest_id, taken_at_ms) DO NOTHING",
                )
                .bind(contest)
                .bind(at_ms)
                .bind(top)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn snapshots(
                &self,
                contest: &str,
                limit: i64,
            ) -> $crate::StoreResult<Vec<(i64, String)>> {
                Ok(sqlx::query_as(
                    "SELECT taken_at_ms, top_json FROM compete_snapshots WHERE contest_id = $1 \
                     ORDER BY taken_at_ms DESC LIMIT $2",
                )
                .bind(contest)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn insert_reward(
                &self,
                r: &$crate::compete::RewardRow,
            ) -> $crate::StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO compete_rewards (id, user_id, source, kind, grant_json, amount, currency, \
                     status, created_at_ms, expires_at_ms, settled_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&r.id)
                .bind(r.user_id)
                .bind(&r.source)
                .bind(&r.kind)
                .bind(&r.grant_json)
                .bind(r.amount)
                .bind(&r.currency)
                .bind(&r.status)
                .bind(r.created_at_ms)
                .bind(r.expires_at_ms)
                .bind(r.settled_at_ms)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn rewards(
                &self,
                user: i64,
                limit: i64,
            ) -> $crate::StoreResult<Vec<$crate::compete::RewardRow>> {
                let sql = format!(
                    "SELECT {} FROM compete_rewards WHERE user_id = $1 \
                     ORDER BY created_at_ms DESC, id LIMIT $2",
                    $crate::compete::reward_columns()
                );
                Ok(sqlx::query_as(&sql)
                    .bind(user)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn reward(&self, id: &str) -> $crate::StoreResult<$crate::compete::RewardRow> {
                let sql = format!(
                    "SELECT {} FROM compete_rewards WHERE id = $1",
                    $crate::compete::reward_columns()
                );
                sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| {
                        $crate::StoreError::new(
                            $crate::StoreErrorKind::NotFound,
                            format!("reward {id}"),
                        )
                    })
            }

            async fn set_reward_status(
                &self,
                id: &str,
                from: &str,
                to: &str,
                now_ms: i64,
            ) -> $crate::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE compete_rewards SET status = $3, settled_at_ms = $4 \
                     WHERE id = $1 AND status = $2",
                )
                .bind(id)
                .bind(from)
                .bind(to)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn rewards_in(
                &self,
                status: &str,
                before_ms: Option<i64>,
                limit: i64,
            ) -> $crate::StoreResult<Vec<$crate::compete::RewardRow>> {
                let sql = format!(
                    "SELECT {} FROM compete_rewards WHERE status = $1 \
                     AND ($2 IS NULL OR expires_at_ms < $2) ORDER BY created_at_ms, id LIMIT $3",
                    $crate::compete::reward_columns()
                );
                Ok(sqlx::query_as(&sql)
                    .bind(status)
                    .bind(before_ms)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn progress(
                &self,
                mission: &str,
                user: i64,
            ) -> $crate::StoreResult<Option<String>> {
                let row: Option<(String,)> = sqlx::query_as(
                    "SELECT progress FROM compete_progress WHERE mission_id = $1 AND user_id = $2",
                )
                .bind(mission)
                .bind(user)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(p,)| p))
            }

            async fn set_progress(
                &self,
                rows: &[(String, i64, String)],
            ) -> $crate::StoreResult<()> {
                if rows.is_empty() {
                    return Ok(());
                }
                let mut tx = self.pool.begin().await?;
                for (mission, user, progress) in rows {
                    sqlx::query(
                        "INSERT INTO compete_progress (mission_id, user_id, progress) VALUES ($1, $2, $3) \
                         ON CONFLICT (mission_id, user_id) DO UPDATE SET progress = excluded.progress",
                    )
                    .bind(mission)
                    .bind(user)
                    .bind(progress)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_compete_store;
