//! Storage of the instant games: players' seed pairs, revealed seeds, bets (and multi-step rounds,
//! which are bets still open) and responsible-gaming limits. The SQL is written once for both backends.

use async_trait::async_trait;

use crate::StoreResult;

/// Status of a bet that is a multi-step round still in play.
pub const BET_OPEN: i64 = 0;
/// Status of a settled bet.
pub const BET_SETTLED: i64 = 1;

/// Rows a single `insert_bets` statement carries at most (19 parameters each).
pub const BET_INSERT_ROWS_MAX: usize = 256;

/// One bet or round as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BetRecord {
    /// Bet (and round) id.
    pub id: i64,
    /// Player.
    pub user_id: i64,
    /// Game id (`dice`, `copper_canyon`, …).
    pub game: String,
    /// Currency code.
    pub currency: String,
    /// Minor units staked so far.
    pub amount: i64,
    /// Minor units paid out (0 while open).
    pub payout: i64,
    /// Multiplier in units of 1e-8 (0 while open).
    pub multiplier: i64,
    /// [`BET_OPEN`] or [`BET_SETTLED`].
    pub status: i64,
    /// SHA-256 of the server seed the outcome came from.
    pub server_seed_hash: String,
    /// Client seed of the bet.
    pub client_seed: String,
    /// Nonce of the bet.
    pub nonce: i64,
    /// The client's `Idempotency-Key`, if it sent one.
    pub idempotency_key: Option<String>,
    /// SHA-256 of the request (game, amount, currency, params), to tell a retry from a reuse.
    pub request_hash: String,
    /// Params as sent (JSON text).
    pub params: String,
    /// Outcome object (JSON text).
    pub outcome: String,
    /// `casino::Round` of a multi-step game (JSON text).
    pub round_state: Option<String>,
    /// The response of the bet request (JSON text), replayed for a retried idempotency key.
    pub response: String,
    /// Created, unix ms.
    pub created_at_ms: i64,
    /// Last change, unix ms.
    pub updated_at_ms: i64,
    /// The server seed once revealed (filled on reads, ignored on writes).
    pub server_seed: Option<String>,
}

/// A server seed revealed by a rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealedSeedRecord {
    /// SHA-256 commitment (the key bets refer to).
    pub server_seed_hash: String,
    /// Owner.
    pub user_id: i64,
    /// The seed itself.
    pub server_seed: String,
    /// Client seed it was used with.
    pub client_seed: String,
    /// Bets used nonces `0..nonces_used`.
    pub nonces_used: i64,
    /// When, unix ms.
    pub revealed_at_ms: i64,
}

/// The games' storage.
#[async_trait]
pub trait GamesStore: Send + Sync {
    /// The player's seed pair (JSON of `fair::SeedPair`), if one was created.
    async fn seed_pair(&self, user_id: i64) -> StoreResult<Option<String>>;
    /// Stores a first seed pair; `false` when the player already has one (first writer wins).
    async fn insert_seed_pair(&self, user_id: i64, pair: &str, now_ms: i64) -> StoreResult<bool>;
    /// Rotation in one transaction: records the revealed seed and replaces the pair, only if the
    /// stored pair still equals `old_pair` (else `Conflict`).
    async fn rotate_seed_pair(
        &self,
        user_id: i64,
        old_pair: &str,
        new_pair: &str,
        revealed: &RevealedSeedRecord,
    ) -> StoreResult<()>;
    /// The highest nonce used with this server seed, if any.
    async fn max_nonce(&self, server_seed_hash: &str) -> StoreResult<Option<i64>>;
    /// Inserts bets in one transaction (at most [`BET_INSERT_ROWS_MAX`]); a duplicate
    /// (seed, client seed, nonce), idempotency key or second open round fails all of them as `Conflict`.
    async fn insert_bets(&self, bets: &[BetRecord]) -> StoreResult<()>;
    /// Updates an open round (amount, payout, multiplier, status, outcome, state, response,
    /// updated time); `Conflict` when it is no longer open.
    async fn update_round(&self, bet: &BetRecord) -> StoreResult<()>;
    /// A player's bet; `NotFound` when it is not theirs.
    async fn bet_by_id(&self, user_id: i64, id: i64) -> StoreResult<BetRecord>;
    /// The bet a player made with this idempotency key.
    async fn bet_by_idempotency_key(
        &self,
        user_id: i64,
        key: &str,
    ) -> StoreResult<Option<BetRecord>>;
    /// A page of a player's bets, newest first, with ids below `before_id`.
    async fn bets_page(
        &self,
        user_id: i64,
        game: Option<&str>,
        before_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<BetRecord>>;
    /// The player's open rounds.
    async fn open_rounds(&self, user_id: i64) -> StoreResult<Vec<BetRecord>>;
    /// Open rounds of anyone not touched since `updated_before_ms`, oldest first.
    async fn idle_rounds(&self, updated_before_ms: i64, limit: i64) -> StoreResult<Vec<BetRecord>>;
    /// Sum of `amount - payout` of a player's bets in `currency` created since `since_ms`, among
    /// those with an id of at least `min_id` (ids are time-ordered: the caller passes the first id
    /// that could have been issued at `since_ms`, so only that day's bets are read, through the
    /// `(user_id, id)` index; 0 reads them all).
    async fn net_loss_since(
        &self,
        user_id: i64,
        currency: &str,
        since_ms: i64,
        min_id: i64,
    ) -> StoreResult<i64>;
    /// The player's limits (JSON), if set.
    async fn player_limits(&self, user_id: i64) -> StoreResult<Option<String>>;
    /// Replaces the player's limits (JSON).
    async fn put_player_limits(&self, user_id: i64, limits: &str, now_ms: i64) -> StoreResult<()>;
}

/// Row shape of `game_bets` joined with the revealed seed.
#[derive(sqlx::FromRow)]
pub(crate) struct BetRow {
    pub id: i64,
    pub user_id: i64,
    pub game: String,
    pub currency: String,
    pub amount: i64,
    pub payout: i64,
    pub multiplier: i64,
    pub status: i64,
    pub server_seed_hash: String,
    pub client_seed: String,
    pub nonce: i64,
    pub idempotency_key: Option<String>,
    pub request_hash: String,
    pub params: String,
    pub outcome: String,
    pub round_state: Option<String>,
    pub response: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub server_seed: Option<String>,
}

impl From<BetRow> for BetRecord {
    fn from(r: BetRow) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id,
            game: r.game,
            currency: r.currency,
            amount: r.amount,
            payout: r.payout,
            multiplier: r.multiplier,
            status: r.status,
            server_seed_hash: r.server_seed_hash,
            client_seed: r.client_seed,
            nonce: r.nonce,
            idempotency_key: r.idempotency_key,
            request_hash: r.request_hash,
            params: r.params,
            outcome: r.outcome,
            round_state: r.round_state,
            response: r.response,
            created_at_ms: r.created_at_ms,
            updated_at_ms: r.updated_at_ms,
            server_seed: r.server_seed,
        }
    }
}

pub(crate) const BET_SELECT: &str = "SELECT b.id, b.user_id, b.game, b.currency, b.amount, b.payout, \
     b.multiplier, b.status, b.server_seed_hash, b.client_seed, b.nonce, b.idempotency_key, \
     b.request_hash, b.params, b.outcome, b.round_state, b.response, b.created_at_ms, \
     b.updated_at_ms, r.server_seed FROM game_bets b \
     LEFT JOIN game_revealed_seeds r ON r.server_seed_hash = b.server_seed_hash";

const BET_INSERT_COLUMNS: &str = "INSERT INTO game_bets (id, user_id, game, currency, amount, payout, \
     multiplier, status, server_seed_hash, client_seed, nonce, idempotency_key, request_hash, params, \
     outcome, round_state, response, created_at_ms, updated_at_ms) VALUES ";

/// `INSERT … VALUES (…19 placeholders…), (…)` for `rows` rows.
pub(crate) fn bet_insert_sql(style: crate::common::Params, rows: usize) -> String {
    let mut sql = String::from(BET_INSERT_COLUMNS);
    sql.push_str(&crate::common::placeholders(style, rows, 19));
    sql
}

/// Inserts `bets` on `$conn` (a transaction) in multi-row statements of at most
/// [`BET_INSERT_ROWS_MAX`] rows; `?` on failure. A macro because the same statements run in the
/// games store's own transactions and inside a ledger batch's (see `LedgerDb::commit_batch_deferred`;
/// the writer's own connection to a SQLite file inserts the same rows with the same statement,
/// one row at a time: `ledger::direct`).
macro_rules! insert_bet_rows {
    ($conn:expr, $style:expr, $bets:expr) => {
        for chunk in $bets.chunks($crate::games::BET_INSERT_ROWS_MAX) {
            let sql = $crate::games::bet_insert_sql($style, chunk.len());
            let mut q = sqlx::query(&sql);
            for b in chunk {
                q = q
                    .bind(b.id)
                    .bind(b.user_id)
                    .bind(&b.game)
                    .bind(&b.currency)
                    .bind(b.amount)
                    .bind(b.payout)
                    .bind(b.multiplier)
                    .bind(b.status)
                    .bind(&b.server_seed_hash)
                    .bind(&b.client_seed)
                    .bind(b.nonce)
                    .bind(&b.idempotency_key)
                    .bind(&b.request_hash)
                    .bind(&b.params)
                    .bind(&b.outcome)
                    .bind(&b.round_state)
                    .bind(&b.response)
                    .bind(b.created_at_ms)
                    .bind(b.updated_at_ms);
            }
            q.execute($conn).await?;
        }
    };
}

pub(crate) use insert_bet_rows;

/// Implements [`GamesStore`] for a store type with a `pool` field.
macro_rules! impl_games_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::games::GamesStore for $store {
            async fn seed_pair(&self, user_id: i64) -> $crate::StoreResult<Option<String>> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT pair FROM game_seed_pairs WHERE user_id = $1")
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|r| r.0))
            }

            async fn insert_seed_pair(
                &self,
                user_id: i64,
                pair: &str,
                now_ms: i64,
            ) -> $crate::StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO game_seed_pairs (user_id, pair, updated_at_ms) VALUES ($1, $2, $3) \
                     ON CONFLICT (user_id) DO NOTHING",
                )
                .bind(user_id)
                .bind(pair)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn rotate_seed_pair(
                &self,
                user_id: i64,
                old_pair: &str,
                new_pair: &str,
                r: &$crate::games::RevealedSeedRecord,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE game_seed_pairs SET pair = $1, updated_at_ms = $2 \
                     WHERE user_id = $3 AND pair = $4",
                )
                .bind(new_pair)
                .bind(r.revealed_at_ms)
                .bind(user_id)
                .bind(old_pair)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err($crate::StoreError::new(
                        $crate::StoreErrorKind::Conflict,
                        "seed pair changed concurrently",
                    ));
                }
                sqlx::query(
                    "INSERT INTO game_revealed_seeds (server_seed_hash, user_id, server_seed, \
                     client_seed, nonces_used, revealed_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&r.server_seed_hash)
                .bind(r.user_id)
                .bind(&r.server_seed)
                .bind(&r.client_seed)
                .bind(r.nonces_used)
                .bind(r.revealed_at_ms)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn max_nonce(&self, server_seed_hash: &str) -> $crate::StoreResult<Option<i64>> {
                let row: (Option<i64>,) = sqlx::query_as(
                    "SELECT MAX(nonce) FROM game_bets WHERE server_seed_hash = $1",
                )
                .bind(server_seed_hash)
                .fetch_one(&self.pool)
                .await?;
                Ok(row.0)
            }

            async fn insert_bets(
                &self,
                bets: &[$crate::games::BetRecord],
            ) -> $crate::StoreResult<()> {
                if bets.is_empty() {
                    return Ok(());
                }
                let mut tx = self.pool.begin().await?;
                $crate::games::insert_bet_rows!(&mut *tx, <$store>::PARAMS, bets);
                tx.commit().await?;
                Ok(())
            }

            async fn update_round(&self, b: &$crate::games::BetRecord) -> $crate::StoreResult<()> {
                let done = sqlx::query(
                    "UPDATE game_bets SET amount = $1, payout = $2, multiplier = $3, status = $4, \
                     outcome = $5, round_state = $6, response = $7, updated_at_ms = $8 \
                     WHERE id = $9 AND user_id = $10 AND status = 0",
                )
                .bind(b.amount)
                .bind(b.payout)
                .bind(b.multiplier)
                .bind(b.status)
                .bind(&b.outcome)
                .bind(&b.round_state)
                .bind(&b.response)
                .bind(b.updated_at_ms)
                .bind(b.id)
                .bind(b.user_id)
                .execute(&self.pool)
                .await?;
                if done.rows_affected() != 1 {
                    return Err($crate::StoreError::new(
                        $crate::StoreErrorKind::Conflict,
                        "round is no longer open",
                    ));
                }
                Ok(())
            }

            async fn bet_by_id(
                &self,
                user_id: i64,
                id: i64,
            ) -> $crate::StoreResult<$crate::games::BetRecord> {
                let sql = format!("{} WHERE b.id = $1 AND b.user_id = $2", $crate::games::BET_SELECT);
                let row: Option<$crate::games::BetRow> = sqlx::query_as(&sql)
                    .bind(id)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(Into::into).ok_or_else(|| $crate::StoreError::not_found("bet"))
            }

            async fn bet_by_idempotency_key(
                &self,
                user_id: i64,
                key: &str,
            ) -> $crate::StoreResult<Option<$crate::games::BetRecord>> {
                let sql = format!(
                    "{} WHERE b.user_id = $1 AND b.idempotency_key = $2",
                    $crate::games::BET_SELECT
                );
                let row: Option<$crate::games::BetRow> = sqlx::query_as(&sql)
                    .bind(user_id)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn bets_page(
                &self,
                user_id: i64,
                game: Option<&str>,
                before_id: Option<i64>,
                limit: i64,
            ) -> $crate::StoreResult<Vec<$crate::games::BetRecord>> {
                let sql = format!(
                    "{} WHERE b.user_id = $1 AND ($2 IS NULL OR b.game = $2) AND b.id < $3 \
                     ORDER BY b.id DESC LIMIT $4",
                    $crate::games::BET_SELECT
                );
                let rows: Vec<$crate::games::BetRow> = sqlx::query_as(&sql)
                    .bind(user_id)
                    .bind(game)
                    .bind(before_id.unwrap_or(i64::MAX))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn open_rounds(
                &self,
                user_id: i64,
            ) -> $crate::StoreResult<Vec<$crate::games::BetRecord>> {
                let sql = format!(
                    "{} WHERE b.user_id = $1 AND b.status = 0 ORDER BY b.id",
                    $crate::games::BET_SELECT
                );
                let rows: Vec<$crate::games::BetRow> =
                    sqlx::query_as(&sql).bind(user_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn idle_rounds(
                &self,
                updated_before_ms: i64,
                limit: i64,
            ) -> $crate::StoreResult<Vec<$crate::games::BetRecord>> {
                let sql = format!(
                    "{} WHERE b.status = 0 AND b.updated_at_ms < $1 ORDER BY b.updated_at_ms LIMIT $2",
                    $crate::games::BET_SELECT
                );
                let rows: Vec<$crate::games::BetRow> = sqlx::query_as(&sql)
                    .bind(updated_before_ms)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn net_loss_since(
                &self,
                user_id: i64,
                currency: &str,
                since_ms: i64,
                min_id: i64,
            ) -> $crate::StoreResult<i64> {
                let row: (i64,) = sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(amount - payout), 0) AS BIGINT) FROM game_bets \
                     WHERE user_id = $1 AND id >= $4 AND currency = $2 AND created_at_ms >= $3",
                )
                .bind(user_id)
                .bind(currency)
                .bind(since_ms)
                .bind(min_id)
                .fetch_one(&self.pool)
                .await?;
                Ok(row.0)
            }

            async fn player_limits(&self, user_id: i64) -> $crate::StoreResult<Option<String>> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT limits FROM game_player_limits WHERE user_id = $1")
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|r| r.0))
            }

            async fn put_player_limits(
                &self,
                user_id: i64,
                limits: &str,
                now_ms: i64,
            ) -> $crate::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO game_player_limits (user_id, limits, updated_at_ms) VALUES ($1, $2, $3) \
                     ON CONFLICT (user_id) DO UPDATE SET limits = $2, updated_at_ms = $3",
                )
                .bind(user_id)
                .bind(limits)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_games_store;
