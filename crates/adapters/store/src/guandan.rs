//! Guandan online storage: match rows (seed, rules, options, seats, result), the append-only action log
//! every running table writes as it plays, fair-play signals and player reports. One SQL text serves
//! both backends.

use async_trait::async_trait;

use crate::StoreResult;

/// A match to insert when its first hand is dealt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGuandanMatch {
    /// Match id (time-ordered, chosen by the caller).
    pub id: i64,
    /// Table the match is played at.
    pub table_id: String,
    /// Private-room code, if the table is a private room.
    pub room_code: Option<String>,
    /// `casual`, `ranked` or `private`.
    pub kind: String,
    /// Rule profile name.
    pub rules: String,
    /// Room options as JSON.
    pub options_json: String,
    /// Shuffle seed, 64 hex characters.
    pub seed: String,
    /// The four seats as JSON.
    pub seats_json: String,
    /// Human players: (seat, user id).
    pub players: Vec<(i64, i64)>,
    /// Start, unix milliseconds.
    pub started_at_ms: i64,
}

/// A stored match.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GuandanMatchRecord {
    /// Match id.
    pub id: i64,
    /// Table id.
    pub table_id: String,
    /// Private-room code.
    pub room_code: Option<String>,
    /// `casual`, `ranked` or `private`.
    pub kind: String,
    /// Rule profile name.
    pub rules: String,
    /// Room options as JSON.
    pub options_json: String,
    /// Shuffle seed.
    pub seed: String,
    /// Seats as JSON.
    pub seats_json: String,
    /// `running`, `finished` or `abandoned`.
    pub status: String,
    /// Result as JSON once finished.
    pub result_json: Option<String>,
    /// Start, unix milliseconds.
    pub started_at_ms: i64,
    /// End, unix milliseconds.
    pub ended_at_ms: Option<i64>,
}

/// One logged action.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GuandanActionRecord {
    /// Match id.
    pub match_id: i64,
    /// Index in the match's log, 0-based and gapless.
    pub idx: i64,
    /// The `guandan::Action` as JSON.
    pub action_json: String,
    /// When it was applied, unix milliseconds.
    pub at_ms: i64,
}

/// Fair-play signals of one human seat in one match.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GuandanSignals {
    /// Match id.
    pub match_id: i64,
    /// Seat 0..3.
    pub seat: i64,
    /// Account.
    pub user_id: i64,
    /// Address the player connected from.
    pub ip: Option<String>,
    /// Actions the seat made (by the player or auto-play).
    pub actions: i64,
    /// Actions auto-play made for the seat.
    pub auto_actions: i64,
    /// Action timers that ran out.
    pub timeouts: i64,
    /// Sum of the player's own decision times, milliseconds.
    pub decision_ms_total: i64,
    /// When recorded, unix milliseconds.
    pub created_at_ms: i64,
}

/// One match-log write, for [`GuandanStore::write_guandan_log`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuandanLogWrite {
    /// [`GuandanStore::create_guandan_match`].
    Create(NewGuandanMatch),
    /// [`GuandanStore::append_guandan_actions`].
    Append(Vec<GuandanActionRecord>),
    /// [`GuandanStore::finish_guandan_match`].
    Finish {
        /// Match.
        match_id: i64,
        /// `finished` or `abandoned`.
        status: String,
        /// Result JSON.
        result_json: Option<String>,
        /// End time, unix milliseconds.
        ended_at_ms: i64,
        /// Signals of the human seats.
        signals: Vec<GuandanSignals>,
    },
}

/// A player report.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GuandanReport {
    /// Report id.
    pub id: i64,
    /// Reporting account.
    pub reporter_id: i64,
    /// Reported account.
    pub reported_id: i64,
    /// Reason code.
    pub reason: String,
    /// Table, if given.
    pub table_id: Option<String>,
    /// When, unix milliseconds.
    pub created_at_ms: i64,
}

/// Guandan match logs, replays, signals and reports.
#[async_trait]
pub trait GuandanStore: Send + Sync {
    /// Inserts a running match and its players; a duplicate id is a `Conflict`.
    async fn create_guandan_match(&self, m: &NewGuandanMatch) -> StoreResult<()>;
    /// Appends actions (any matches, in order) in one statement per chunk; a duplicate
    /// `(match_id, idx)` is a `Conflict`.
    async fn append_guandan_actions(&self, actions: &[GuandanActionRecord]) -> StoreResult<()>;
    /// Ends a match (`finished` or `abandoned`) with its result and the seats' signals.
    async fn finish_guandan_match(
        &self,
        match_id: i64,
        status: &str,
        result_json: Option<&str>,
        ended_at_ms: i64,
        signals: &[GuandanSignals],
    ) -> StoreResult<()>;
    /// Applies `writes` in order in one transaction: the match-log writer's whole batch (every
    /// table's records since the last commit) costs one commit. Any failure commits none of them.
    async fn write_guandan_log(&self, writes: &[GuandanLogWrite]) -> StoreResult<()>;
    /// One match; `NotFound` when absent.
    async fn guandan_match(&self, match_id: i64) -> StoreResult<GuandanMatchRecord>;
    /// A match's action log in order.
    async fn guandan_actions(&self, match_id: i64) -> StoreResult<Vec<GuandanActionRecord>>;
    /// Every match still `running` (resumed at start).
    async fn running_guandan_matches(&self) -> StoreResult<Vec<GuandanMatchRecord>>;
    /// Matches a user played in, newest first, with ids below `before_id` when given.
    async fn guandan_matches_of(
        &self,
        user_id: i64,
        before_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<GuandanMatchRecord>>;
    /// Stores a report.
    async fn insert_guandan_report(&self, r: &GuandanReport) -> StoreResult<()>;
    /// Signals recorded at or after `since_ms`, newest first, at most `limit`.
    async fn guandan_signals_since(
        &self,
        since_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<GuandanSignals>>;
    /// Reports made at or after `since_ms`, newest first, at most `limit`.
    async fn guandan_reports_since(
        &self,
        since_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<GuandanReport>>;
}

pub(crate) const MATCH_COLUMNS: &str = "id, table_id, room_code, kind, rules, options_json, seed, \
     seats_json, status, result_json, started_at_ms, ended_at_ms";

/// Rows per multi-row insert of actions.
pub(crate) const ACTIONS_PER_STATEMENT: usize = 200;

/// The statements of `create_guandan_match` on `$tx` (an open transaction).
macro_rules! create_match_in {
    ($tx:expr, $m:expr) => {{
        let m: &$crate::guandan::NewGuandanMatch = $m;
        sqlx::query(
            "INSERT INTO guandan_matches (id, table_id, room_code, kind, rules, options_json, \
             seed, seats_json, status, started_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running', $9)",
        )
        .bind(m.id)
        .bind(&m.table_id)
        .bind(&m.room_code)
        .bind(&m.kind)
        .bind(&m.rules)
        .bind(&m.options_json)
        .bind(&m.seed)
        .bind(&m.seats_json)
        .bind(m.started_at_ms)
        .execute(&mut *$tx)
        .await?;
        for (seat, user) in &m.players {
            sqlx::query(
                "INSERT INTO guandan_match_players (match_id, seat, user_id) VALUES ($1, $2, $3)",
            )
            .bind(m.id)
            .bind(*seat)
            .bind(*user)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

/// The statements of `append_guandan_actions` on `$tx`, with `$params` placeholders.
macro_rules! append_actions_in {
    ($tx:expr, $params:expr, $actions:expr) => {{
        let actions: &[$crate::guandan::GuandanActionRecord] = $actions;
        for chunk in actions.chunks($crate::guandan::ACTIONS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO guandan_actions (match_id, idx, action_json, at_ms) VALUES {}",
                $crate::common::placeholders($params, chunk.len(), 4)
            );
            let mut q = sqlx::query(&sql);
            for a in chunk {
                q = q
                    .bind(a.match_id)
                    .bind(a.idx)
                    .bind(&a.action_json)
                    .bind(a.at_ms);
            }
            q.execute(&mut *$tx).await?;
        }
    }};
}

/// The statements of `finish_guandan_match` on `$tx`.
macro_rules! finish_match_in {
    ($tx:expr, $match_id:expr, $status:expr, $result_json:expr, $ended_at_ms:expr, $signals:expr) => {{
        let signals: &[$crate::guandan::GuandanSignals] = $signals;
        let done = sqlx::query(
            "UPDATE guandan_matches SET status = $1, result_json = $2, ended_at_ms = $3 \
             WHERE id = $4",
        )
        .bind($status)
        .bind($result_json)
        .bind($ended_at_ms)
        .bind($match_id)
        .execute(&mut *$tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err($crate::StoreError::not_found("guandan match"));
        }
        for s in signals {
            sqlx::query(
                "INSERT INTO guandan_signals (match_id, seat, user_id, ip, actions, \
                 auto_actions, timeouts, decision_ms_total, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (match_id, seat) DO NOTHING",
            )
            .bind($match_id)
            .bind(s.seat)
            .bind(s.user_id)
            .bind(&s.ip)
            .bind(s.actions)
            .bind(s.auto_actions)
            .bind(s.timeouts)
            .bind(s.decision_ms_total)
            .bind(s.created_at_ms)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

/// Implements [`GuandanStore`] for a store type with a `pool` field.
macro_rules! impl_guandan_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::guandan::GuandanStore for $store {
            async fn create_guandan_match(
                &self,
                m: &$crate::guandan::NewGuandanMatch,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                $crate::guandan::create_match_in!(tx, m);
                tx.commit().await?;
                Ok(())
            }

            async fn append_guandan_actions(
                &self,
                actions: &[$crate::guandan::GuandanActionRecord],
            ) -> $crate::StoreResult<()> {
                if actions.is_empty() {
                    return Ok(());
                }
                let mut tx = self.pool.begin().await?;
                $crate::guandan::append_actions_in!(tx, <$store>::PARAMS, actions);
                tx.commit().await?;
                Ok(())
            }

            async fn finish_guandan_match(
                &self,
                match_id: i64,
                status: &str,
                result_json: Option<&str>,
                ended_at_ms: i64,
                signals: &[$crate::guandan::GuandanSignals],
            ) -> $crate::StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                $crate::guandan::finish_match_in!(
                    tx,
                    match_id,
                    status,
                    result_json,
                    ended_at_ms,
                    signals
                );
                tx.commit().await?;
                Ok(())
            }

            async fn write_guandan_log(
                &self,
                writes: &[$crate::guandan::GuandanLogWrite],
            ) -> $crate::StoreResult<()> {
                use $crate::guandan::GuandanLogWrite;
                if writes.is_empty() {
                    return Ok(());
                }
                let mut tx = self.pool.begin().await?;
                for w in writes {
                    match w {
                        GuandanLogWrite::Create(m) => $crate::guandan::create_match_in!(tx, m),
                        GuandanLogWrite::Append(actions) => {
                            $crate::guandan::append_actions_in!(tx, <$store>::PARAMS, actions);
                        }
                        GuandanLogWrite::Finish {
                            match_id,
                            status,
                            result_json,
                            ended_at_ms,
                            signals,
                        } => {
                            $crate::guandan::finish_match_in!(
                                tx,
                                *match_id,
                                status.as_str(),
                                result_json.as_deref(),
                                *ended_at_ms,
                                signals
                            );
                        }
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn guandan_match(
                &self,
                match_id: i64,
            ) -> $crate::StoreResult<$crate::guandan::GuandanMatchRecord> {
                let sql = format!(
                    "SELECT {} FROM guandan_matches WHERE id = $1",
                    $crate::guandan::MATCH_COLUMNS
                );
                let row: Option<$crate::guandan::GuandanMatchRecord> = sqlx::query_as(&sql)
                    .bind(match_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.ok_or_else(|| $crate::StoreError::not_found("guandan match"))
            }

            async fn guandan_actions(
                &self,
                match_id: i64,
            ) -> $crate::StoreResult<Vec<$crate::guandan::GuandanActionRecord>> {
                Ok(sqlx::query_as(
                    "SELECT match_id, idx, action_json, at_ms FROM guandan_actions \
                     WHERE match_id = $1 ORDER BY idx",
                )
                .bind(match_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn running_guandan_matches(
                &self,
            ) -> $crate::StoreResult<Vec<$crate::guandan::GuandanMatchRecord>> {
                let sql = format!(
                    "SELECT {} FROM guandan_matches WHERE status = 'running' ORDER BY id",
                    $crate::guandan::MATCH_COLUMNS
                );
                Ok(sqlx::query_as(&sql).fetch_all(&self.pool).await?)
            }

            async fn guandan_matches_of(
                &self,
                user_id: i64,
                before_id: Option<i64>,
                limit: i64,
            ) -> $crate::StoreResult<Vec<$crate::guandan::GuandanMatchRecord>> {
                let cols = $crate::guandan::MATCH_COLUMNS
                    .split(", ")
                    .map(|c| format!("m.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "SELECT {cols} FROM guandan_matches m JOIN guandan_match_players p \
                     ON p.match_id = m.id WHERE p.user_id = $1 AND m.id < $2 \
                     ORDER BY m.id DESC LIMIT $3"
                );
                Ok(sqlx::query_as(&sql)
                    .bind(user_id)
                    .bind(before_id.unwrap_or(i64::MAX))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn insert_guandan_report(
                &self,
                r: &$crate::guandan::GuandanReport,
            ) -> $crate::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO guandan_reports (id, reporter_id, reported_id, reason, table_id, \
                     created_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(r.id)
                .bind(r.reporter_id)
                .bind(r.reported_id)
                .bind(&r.reason)
                .bind(&r.table_id)
                .bind(r.created_at_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn guandan_signals_since(
                &self,
                since_ms: i64,
                limit: i64,
            ) -> $crate::StoreResult<Vec<$crate::guandan::GuandanSignals>> {
                Ok(sqlx::query_as(
                    "SELECT match_id, seat, user_id, ip, actions, auto_actions, timeouts, \
                     decision_ms_total, created_at_ms FROM guandan_signals \
                     WHERE created_at_ms >= $1 ORDER BY created_at_ms DESC LIMIT $2",
                )
                .bind(since_ms)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn guandan_reports_since(
                &self,
                since_ms: i64,
                limit: i64,
            ) -> $crate::StoreResult<Vec<$crate::guandan::GuandanReport>> {
                Ok(sqlx::query_as(
                    "SELECT id, reporter_id, reported_id, reason, table_id, created_at_ms \
                     FROM guandan_reports WHERE created_at_ms >= $1 \
                     ORDER BY created_at_ms DESC LIMIT $2",
                )
                .bind(since_ms)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}

pub(crate) use {append_actions_in, create_match_in, finish_match_in, impl_guandan_store};
