//! Operators (casinos and aggregators) and everything the operator API keeps: their players and
//! sessions, the signatures already seen (replay protection), and the seamless-wallet call log
//! (`operator_tx`) with its durable outbox of wins and rollbacks.
//!
//! The SQL is written once for both backends (`impl_operator_store!`).

use async_trait::async_trait;

use crate::{NewUser, StoreResult};

/// A stored operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorRecord {
    /// Operator id (`[a-z0-9_-]`, chosen at creation).
    pub id: String,
    /// Display name.
    pub name: String,
    /// `internal` or `seamless`.
    pub mode: String,
    /// Base URL of the operator's wallet (seamless mode).
    pub wallet_url: Option<String>,
    /// Currency symbols the operator may use.
    pub currencies: Vec<String>,
    /// The current HMAC secret.
    pub secret: String,
    /// The secret before the last rotation, valid until `previous_valid_until_ms`.
    pub previous_secret: Option<String>,
    /// Unix milliseconds until which `previous_secret` is still accepted.
    pub previous_valid_until_ms: Option<i64>,
    /// Index of the operator's settlement accounts in the ledger (unique, from 1).
    pub settlement_index: i64,
    /// Creation time, unix milliseconds.
    pub created_at_ms: i64,
    /// Last change, unix milliseconds.
    pub updated_at_ms: i64,
}

/// An operator to create.
#[derive(Debug, Clone)]
pub struct NewOperator {
    /// Operator id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `internal` or `seamless`.
    pub mode: String,
    /// Wallet base URL (seamless).
    pub wallet_url: Option<String>,
    /// Allowed currency symbols.
    pub currencies: Vec<String>,
    /// HMAC secret.
    pub secret: String,
    /// Creation time, unix milliseconds.
    pub now_ms: i64,
}

/// The link between an operator's player and our internal account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorPlayer {
    /// Operator id.
    pub operator_id: String,
    /// The operator's id of the player.
    pub player_id: String,
    /// Our internal user id.
    pub user_id: i64,
    /// When the link was made, unix milliseconds.
    pub created_at_ms: i64,
}

/// A game session an operator opened for a player.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSession {
    /// SHA-256 (hex) of the session token.
    pub token_hash: String,
    /// Operator id.
    pub operator_id: String,
    /// Internal user id.
    pub user_id: i64,
    /// Currency symbol of the session.
    pub currency: String,
    /// Game id.
    pub game: String,
    /// Language tag.
    pub language: String,
    /// Where the game returns the player.
    pub return_url: String,
    /// Creation time, unix milliseconds.
    pub created_at_ms: i64,
    /// Expiry of the token, unix milliseconds.
    pub expires_at_ms: i64,
    /// When it was revoked, if it was.
    pub revoked_at_ms: Option<i64>,
}

/// One seamless-wallet call (`bet`, `win` or `rollback`) and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorTx {
    /// Our unique transaction id (the idempotency key the operator sees).
    pub tx_id: i64,
    /// Operator id.
    pub operator_id: String,
    /// Internal user id.
    pub user_id: i64,
    /// The operator's player id.
    pub player_id: String,
    /// `bet`, `win` or `rollback`.
    pub kind: String,
    /// Currency symbol.
    pub currency: String,
    /// Minor units.
    pub amount: i64,
    /// The round.
    pub round_id: i64,
    /// Game id.
    pub game: String,
    /// Win: the bet it pays; rollback: the transaction it undoes.
    pub ref_tx_id: Option<i64>,
    /// Win: the round is over after it.
    pub round_closed: bool,
    /// Bets: `pending` (sent, no answer yet), `ok`, `refused` (the operator said no; nothing moved),
    /// `unknown` (timeout or 5xx; a rollback is queued). Wins and rollbacks: `queued`, then `ok`.
    pub status: String,
    /// The balance the operator reported after the call.
    pub balance_after: Option<i64>,
    /// The operator's error code for a refusal (or our reason for `unknown`).
    pub error_code: Option<String>,
    /// Creation time, unix milliseconds.
    pub created_at_ms: i64,
    /// Last change, unix milliseconds.
    pub updated_at_ms: i64,
}

/// A win or rollback waiting for (or past) delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRecord {
    /// The transaction id.
    pub tx_id: i64,
    /// Operator id.
    pub operator_id: String,
    /// `win` or `rollback`: the operator endpoint.
    pub endpoint: String,
    /// The JSON body to send.
    pub payload: String,
    /// Failed deliveries so far.
    pub attempts: i64,
    /// Not before this time, unix milliseconds.
    pub next_attempt_at_ms: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Creation time, unix milliseconds.
    pub created_at_ms: i64,
    /// When the operator acknowledged it.
    pub delivered_at_ms: Option<i64>,
}

/// Storage of the operator API.
#[async_trait]
pub trait OperatorStore: Send + Sync {
    /// Creates an operator with the next free settlement index; an existing id is a `Conflict`.
    async fn create_operator(&self, op: &NewOperator) -> StoreResult<OperatorRecord>;
    /// An operator by id; `NotFound` when absent.
    async fn operator_by_id(&self, id: &str) -> StoreResult<OperatorRecord>;
    /// Replaces the secret; the old one stays valid until `previous_valid_until_ms`.
    async fn rotate_operator_secret(
        &self,
        id: &str,
        secret: &str,
        previous_valid_until_ms: i64,
        now_ms: i64,
    ) -> StoreResult<OperatorRecord>;

    /// Records the nonce of a verified request; `false` when this operator used it before (a
    /// replay).
    async fn record_nonce(
        &self,
        operator_id: &str,
        nonce: &str,
        expires_at_ms: i64,
    ) -> StoreResult<bool>;
    /// Deletes nonces that expired before `now_ms`; returns how many.
    async fn purge_nonces(&self, now_ms: i64) -> StoreResult<u64>;

    /// Links `(operator, player_id)` to a new internal account `user` unless a link exists; returns
    /// the link and whether it was created now. Concurrent first uses agree on one account.
    async fn link_player(
        &self,
        operator_id: &str,
        player_id: &str,
        user: &NewUser,
    ) -> StoreResult<(OperatorPlayer, bool)>;
    /// The link of an operator's player; `NotFound` when absent.
    async fn player_by_external(
        &self,
        operator_id: &str,
        player_id: &str,
    ) -> StoreResult<OperatorPlayer>;
    /// The link of an internal account; `NotFound` when the account belongs to no operator.
    async fn player_by_user(&self, user_id: i64) -> StoreResult<OperatorPlayer>;

    /// Stores a session.
    async fn create_session(&self, session: &OperatorSession) -> StoreResult<()>;
    /// A session by token hash; `NotFound` when absent.
    async fn session_by_token_hash(&self, token_hash: &str) -> StoreResult<OperatorSession>;
    /// Marks a session revoked at `now_ms` (a session revoked before keeps its first time) and
    /// returns it; `NotFound` when absent.
    async fn revoke_session(&self, token_hash: &str, now_ms: i64) -> StoreResult<OperatorSession>;

    /// Inserts a call record; an existing `tx_id` is a `Conflict`.
    async fn insert_operator_tx(&self, tx: &OperatorTx) -> StoreResult<()>;
    /// A call record; `NotFound` when absent.
    async fn operator_tx(&self, tx_id: i64) -> StoreResult<OperatorTx>;
    /// Sets a call's status, balance and error code.
    async fn update_operator_tx(
        &self,
        tx_id: i64,
        status: &str,
        balance_after: Option<i64>,
        error_code: Option<&str>,
        now_ms: i64,
    ) -> StoreResult<()>;
    /// Inserts a call record (status `queued`) and its outbox row in one transaction. Returns
    /// `false` (and writes nothing) when the `tx_id` exists, or when `tx` is a rollback of a
    /// transaction that already has one.
    async fn enqueue_operator_tx(
        &self,
        tx: &OperatorTx,
        payload: &str,
        next_attempt_at_ms: i64,
    ) -> StoreResult<bool>;
    /// In one transaction: marks bet `bet_tx_id` as `unknown` with `reason`, and enqueues
    /// `rollback` (unless the bet already has a rollback). Returns whether the rollback was new.
    async fn fail_bet_and_enqueue_rollback(
        &self,
        bet_tx_id: i64,
        reason: &str,
        rollback: &OperatorTx,
        payload: &str,
        next_attempt_at_ms: i64,
    ) -> StoreResult<bool>;
    /// The rollback recorded for `ref_tx_id`, if any.
    async fn rollback_of(&self, ref_tx_id: i64) -> StoreResult<Option<OperatorTx>>;
    /// Bets still `pending` that were created before `before_ms` (a crash or lost task between
    /// sending and recording), oldest first.
    async fn stale_pending_bets(&self, before_ms: i64, limit: u32) -> StoreResult<Vec<OperatorTx>>;
    /// One page of an operator's call log, by `tx_id` after `after_tx_id`.
    async fn operator_txs(
        &self,
        operator_id: &str,
        after_tx_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<OperatorTx>>;

    /// Undelivered outbox rows due at `now_ms`, soonest first.
    async fn due_outbox(&self, now_ms: i64, limit: u32) -> StoreResult<Vec<OutboxRecord>>;
    /// The outbox row of a transaction; `NotFound` when absent.
    async fn outbox_entry(&self, tx_id: i64) -> StoreResult<OutboxRecord>;
    /// Moves an undelivered row's next attempt from `expected_next_ms` to `lease_until_ms`;
    /// `false` when another worker moved it first (so exactly one worker delivers an attempt).
    async fn claim_outbox(
        &self,
        tx_id: i64,
        expected_next_ms: i64,
        lease_until_ms: i64,
    ) -> StoreResult<bool>;
    /// Marks a row delivered and its call `ok` with the operator's balance, in one transaction.
    async fn outbox_delivered(
        &self,
        tx_id: i64,
        balance_after: Option<i64>,
        now_ms: i64,
    ) -> StoreResult<()>;
    /// Records a failed attempt and when to try again.
    async fn outbox_failed(
        &self,
        tx_id: i64,
        attempts: i64,
        next_attempt_at_ms: i64,
        error: &str,
    ) -> StoreResult<()>;
    /// Undelivered rows (of one operator, or all).
    async fn outbox_pending(&self, operator_id: Option<&str>) -> StoreResult<u64>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct OperatorRow {
    pub id: String,
    pub name: String,
    pub mode: String,
    pub wallet_url: Option<String>,
    pub currencies: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_valid_until_ms: Option<i64>,
    pub settlement_index: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl From<OperatorRow> for OperatorRecord {
    fn from(r: OperatorRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            mode: r.mode,
            wallet_url: r.wallet_url,
            currencies: r
                .currencies
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            secret: r.secret,
            previous_secret: r.previous_secret,
            previous_valid_until_ms: r.previous_valid_until_ms,
            settlement_index: r.settlement_index,
            created_at_ms: r.created_at_ms,
            updated_at_ms: r.updated_at_ms,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PlayerRow {
    pub operator_id: String,
    pub player_id: String,
    pub user_id: i64,
    pub created_at_ms: i64,
}

impl From<PlayerRow> for OperatorPlayer {
    fn from(r: PlayerRow) -> Self {
        Self {
            operator_id: r.operator_id,
            player_id: r.player_id,
            user_id: r.user_id,
            created_at_ms: r.created_at_ms,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    pub token_hash: String,
    pub operator_id: String,
    pub user_id: i64,
    pub currency: String,
    pub game: String,
    pub language: String,
    pub return_url: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
}

impl From<SessionRow> for OperatorSession {
    fn from(r: SessionRow) -> Self {
        Self {
            token_hash: r.token_hash,
            operator_id: r.operator_id,
            user_id: r.user_id,
            currency: r.currency,
            game: r.game,
            language: r.language,
            return_url: r.return_url,
            created_at_ms: r.created_at_ms,
            expires_at_ms: r.expires_at_ms,
            revoked_at_ms: r.revoked_at_ms,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TxRow {
    pub tx_id: i64,
    pub operator_id: String,
    pub user_id: i64,
    pub player_id: String,
    pub kind: String,
    pub currency: String,
    pub amount: i64,
    pub round_id: i64,
    pub game: String,
    pub ref_tx_id: Option<i64>,
    pub round_closed: bool,
    pub status: String,
    pub balance_after: Option<i64>,
    pub error_code: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl From<TxRow> for OperatorTx {
    fn from(r: TxRow) -> Self {
        Self {
            tx_id: r.tx_id,
            operator_id: r.operator_id,
            user_id: r.user_id,
            player_id: r.player_id,
            kind: r.kind,
            currency: r.currency,
            amount: r.amount,
            round_id: r.round_id,
            game: r.game,
            ref_tx_id: r.ref_tx_id,
            round_closed: r.round_closed,
            status: r.status,
            balance_after: r.balance_after,
            error_code: r.error_code,
            created_at_ms: r.created_at_ms,
            updated_at_ms: r.updated_at_ms,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OutboxRow {
    pub tx_id: i64,
    pub operator_id: String,
    pub endpoint: String,
    pub payload: String,
    pub attempts: i64,
    pub next_attempt_at_ms: i64,
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    pub delivered_at_ms: Option<i64>,
}

impl From<OutboxRow> for OutboxRecord {
    fn from(r: OutboxRow) -> Self {
        Self {
            tx_id: r.tx_id,
            operator_id: r.operator_id,
            endpoint: r.endpoint,
            payload: r.payload,
            attempts: r.attempts,
            next_attempt_at_ms: r.next_attempt_at_ms,
            last_error: r.last_error,
            created_at_ms: r.created_at_ms,
            delivered_at_ms: r.delivered_at_ms,
        }
    }
}

pub(crate) const OPERATOR_COLUMNS: &str = "id, name, mode, wallet_url, currencies, secret, \
     previous_secret, previous_valid_until_ms, settlement_index, created_at_ms, updated_at_ms";
pub(crate) const PLAYER_COLUMNS: &str = "operator_id, player_id, user_id, created_at_ms";
pub(crate) const SESSION_COLUMNS: &str = "token_hash, operator_id, user_id, currency, game, \
     language, return_url, created_at_ms, expires_at_ms, revoked_at_ms";
pub(crate) const TX_COLUMNS: &str = "tx_id, operator_id, user_id, player_id, kind, currency, \
     amount, round_id, game, ref_tx_id, round_closed, status, balance_after, error_code, \
     created_at_ms, updated_at_ms";
pub(crate) const OUTBOX_COLUMNS: &str = "tx_id, operator_id, endpoint, payload, attempts, \
     next_attempt_at_ms, last_error, created_at_ms, delivered_at_ms";
pub(crate) const INSERT_TX: &str = "INSERT INTO operator_tx (tx_id, operator_id, user_id, \
     player_id, kind, currency, amount, round_id, game, ref_tx_id, round_closed, status, \
     balance_after, error_code, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, \
     $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT DO NOTHING";

/// Implements [`OperatorStore`] for a store type with a `pool` field.
macro_rules! impl_operator_store {
    ($store:ty) => {
        impl $store {
            async fn insert_tx_on<'e, E>(
                exec: E,
                t: &$crate::operator::OperatorTx,
            ) -> $crate::StoreResult<bool>
            where
                E: sqlx::Executor<'e, Database = <Self as $crate::operator::Backend>::Db>,
            {
                let done = sqlx::query($crate::operator::INSERT_TX)
                    .bind(t.tx_id)
                    .bind(&t.operator_id)
                    .bind(t.user_id)
                    .bind(&t.player_id)
                    .bind(&t.kind)
                    .bind(&t.currency)
                    .bind(t.amount)
                    .bind(t.round_id)
                    .bind(&t.game)
                    .bind(t.ref_tx_id)
                    .bind(t.round_closed)
                    .bind(&t.status)
                    .bind(t.balance_after)
                    .bind(&t.error_code)
                    .bind(t.created_at_ms)
                    .bind(t.updated_at_ms)
                    .execute(exec)
                    .await?;
                Ok(done.rows_affected() == 1)
            }
        }

        #[async_trait::async_trait]
        impl $crate::operator::OperatorStore for $store {
            async fn create_operator(
                &self,
                op: &$crate::operator::NewOperator,
            ) -> $crate::StoreResult<$crate::operator::OperatorRecord> {
                let sql = format!(
                    "INSERT INTO operators (id, name, mode, wallet_url, currencies, secret, \
                     settlement_index, created_at_ms, updated_at_ms) \
                     SELECT $1, $2, $3, $4, $5, $6, COALESCE(MAX(settlement_index), 0) + 1, $7, $7 \
                     FROM operators RETURNING {}",
                    $crate::operator::OPERATOR_COLUMNS
                );
                // Two creations may pick the same index; the unique index refuses one, which retries.
                let mut last = None;
                for _ in 0..5 {
                    let res: Result<$crate::operator::OperatorRow, sqlx::Error> =
                        sqlx::query_as(&sql)
                            .bind(&op.id)
                            .bind(&op.name)
                            .bind(&op.mode)
                            .bind(&op.wallet_url)
                            .bind(op.currencies.join(","))
                            .bind(&op.secret)
                            .bind(op.now_ms)
                            .fetch_one(&self.pool)
                            .await;
                    match res {
                        Ok(row) => return Ok(row.into()),
                        Err(e) => {
                            let e = $crate::StoreError::from(e);
                            if !e.is_conflict() {
                                return Err(e);
                            }
                            if self.operator_by_id(&op.id).await.is_ok() {
                                return Err(e);
                            }
                            last = Some(e);
                        }
                    }
                }
                Err(last.unwrap_or_else(|| {
                    $crate::StoreError::new($crate::StoreErrorKind::Conflict, "operator")
                }))
            }

            async fn operator_by_id(
                &self,
                id: &str,
            ) -> $crate::StoreResult<$crate::operator::OperatorRecord> {
                let sql = format!(
                    "SELECT {} FROM operators WHERE id = $1",
                    $crate::operator::OPERATOR_COLUMNS
                );
                let row: Option<$crate::operator::OperatorRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.map(Into::into)
                    .ok_or_else(|| $crate::StoreError::not_found("operator"))
            }

            async fn rotate_operator_secret(
                &self,
                id: &str,
                secret: &str,
                previous_valid_until_ms: i64,
                now_ms: i64,
            ) -> $crate::StoreResult<$crate::operator::OperatorRecord> {
                let sql = format!(
                    "UPDATE operators SET previous_secret = secret, previous_valid_until_ms = $1, \
                     secret = $2, updated_at_ms = $3 WHERE id = $4 RETURNING {}",
                    $crate::operator::OPERATOR_COLUMNS
                );
                let row: Option<$crate::operator::OperatorRow> = sqlx::query_as(&sql)
                    .bind(previous_valid_until_ms)
                    .bind(secret)
                    .bind(now_ms)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(Into::into)
                    .ok_or_else(|| $crate::StoreError::not_found("operator"))
            }

            async fn record_nonce(
                &self,
                operator_id: &str,
                nonce: &str,
                expires_at_ms: i64,
            ) -> $crate::StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO operator_nonces (operator_id, nonce, expires_at_ms) \
                     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(operator_id)
                .bind(nonce)
                .bind(expires_at_ms)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn purge_nonces(&self, now_ms: i64) -> $crate::StoreResult<u64> {
                let done = sqlx::query("DELETE FROM operator_nonces WHERE expires_at_ms < $1")
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn link_player(
                &self,
                operator_id: &str,
                player_id: &str,
                user: &$crate::NewUser,
            ) -> $crate::StoreResult<($crate::operator::OperatorPlayer, bool)> {
                if let Ok(p) = self.player_by_external(operator_id, player_id).await {
                    return Ok((p, false));
                }
                let mut tx = self.pool.begin().await?;
                let inserted = async {
                    sqlx::query(
                        "INSERT INTO users (id, email, password_hash, display_name, is_guest, \
                         is_admin, created_at_ms, updated_at_ms) \
                         VALUES ($1, NULL, NULL, $2, $3, FALSE, $4, $4)",
                    )
                    .bind(user.id)
                    .bind(&user.display_name)
                    .bind(user.is_guest)
                    .bind(user.now_ms)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO operator_players (operator_id, player_id, user_id, \
                         created_at_ms) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(operator_id)
                    .bind(player_id)
                    .bind(user.id)
                    .bind(user.now_ms)
                    .execute(&mut *tx)
                    .await?;
                    Ok::<_, sqlx::Error>(())
                }
                .await;
                match inserted {
                    Ok(()) => {
                        tx.commit().await?;
                        Ok((
                            $crate::operator::OperatorPlayer {
                                operator_id: operator_id.to_owned(),
                                player_id: player_id.to_owned(),
                                user_id: user.id,
                                created_at_ms: user.now_ms,
                            },
                            true,
                        ))
                    }
                    Err(e) => {
                        let _ = tx.rollback().await;
                        let e = $crate::StoreError::from(e);
                        if e.is_conflict() {
                            // A concurrent first use won; its link is the one.
                            let p = self.player_by_external(operator_id, player_id).await?;
                            Ok((p, false))
                        } else {
                            Err(e)
                        }
                    }
                }
            }

            async fn player_by_external(
                &self,
                operator_id: &str,
                player_id: &str,
            ) -> $crate::StoreResult<$crate::operator::OperatorPlayer> {
                let sql = format!(
                    "SELECT {} FROM operator_players WHERE operator_id = $1 AND player_id = $2",
                    $crate::operator::PLAYER_COLUMNS
                );
                let row: Option<$crate::operator::PlayerRow> = sqlx::query_as(&sql)
                    .bind(operator_id)
                    .bind(player_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(Into::into)
                    .ok_or_else(|| $crate::StoreError::not_found("operator player"))
            }

            async fn player_by_user(
                &self,
                user_id: i64,
            ) -> $crate::StoreResult<$crate::operator::OperatorPlayer> {
                let sql = format!(
                    "SELECT {} FROM operator_players WHERE user_id = $1",
                    $crate::operator::PLAYER_COLUMNS
                );
                let row: Option<$crate::operator::PlayerRow> =
                    sqlx::query_as(&sql).bind(user_id).fetch_optional(&self.pool).await?;
                row.map(Into::into)
                    .ok_or_else(|| $crate::StoreError::not_found("operator player"))
            }

            async fn create_session(
                &self,
                s: &$crate::operator::OperatorSession,
            ) -> $crate::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO operator_sessions (token_hash, operator_id, user_id, currency, \
                     game, language, return_url, created_at_ms, expires_at_ms, revoked_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&s.token_hash)
                .bind(&s.operator_id)
                .bind(s.user_id)
                .bind(&s.currency)
                .bind(&s.game)
                .bind(&s.language)
                .bind(&s.return_url)
                .bind(s.created_at_ms)
                .bind(s.expires_at_ms)
                .bind(s.revoked_at_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session_by_token_hash(
                &self,
                token_hash: &str,
            ) -> $crate::StoreResult<$crate::operator::OperatorSession> {
                let sql = format!(
                    "SELECT {} FROM operator_sessions WHERE token_hash = $1",
                    $crate::operator::SESSION_COLUMNS
                );
                let row: Option<$crate::operator::SessionRow> =
                    sqlx::query_as(&sql).bind(token_hash).fetch_optional(&self.pool).await?;
                row.map(Into::into)
                    .ok_or_else(|| $crate::StoreError::not_found("operator session"))
            }

            async fn revoke_session(
                &self,
                token_hash: &str,
                now_ms: i64,
            ) -> $crate::StoreResult<$crate::operator::OperatorSession> {
                sqlx::query(
                    "UPDATE operator_sessions SET revoked_at_ms = $2 \
                     WHERE token_hash = $1 AND revoked_at_ms IS NULL",
                )
                .bind(token_hash)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
                $crate::operator::OperatorStore::session_by_token_hash(self, token_hash).await
            }

            async fn insert_operator_tx(
                &self,
                t: &$crate::operator::OperatorTx,
            ) -> $crate::StoreResult<()> {
                if Self::insert_tx_on(&self.pool, t).await? {
                    Ok(())
                } else {
                    Err($crate::StoreError::new(
                        $crate::StoreErrorKind::Conflict,
                        "operator transaction exists",
                    ))
                }
            }

            async fn operator_tx(
                &self,
                tx_id: i64,
            ) -> $crate::StoreResult<$crate::operator::OperatorTx> {
                let sql = format!(
                    "SELECT {} FROM operator_tx WHERE tx_id = $1",
                    $crate::operator::TX_COLUMNS
                );
                let row: Option<$crate::operator::TxRow> =
                    sqlx::query_as(&sql).bind(tx_id).fetch_optional(&self.pool).await?;
                row.map(Into::into)
                    .ok_or_else(|| $crate::StoreError::not_found("operator transaction"))
            }

            async fn update_operator_tx(
                &self,
                tx_id: i64,
                status: &str,
                balance_after: Option<i64>,
                error_code: Option<&str>,
                now_ms: i64,
            ) -> $crate::StoreResult<()> {
                sqlx::query(
                    "UPDATE operator_tx SET status = $1, balance_after = $2, error_code = $3, \
                     updated_at_ms = $4 WHERE tx_id = $5",
                )
                .bind(status)
                .bind(balance_after)
                .bind(error_code)
                .bind(now_ms)
                .bind(tx_id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn enqueue_operator_tx(
                &self,
                t: &$crate::operator::OperatorTx,
                payload: &str,
                next_attempt_at_ms: i64,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                if !Self::insert_tx_on(&mut *tx, t).await? {
                    tx.rollback().await?;
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO operator_outbox (tx_id, operator_id, endpoint, payload, attempts, \
                     next_attempt_at_ms, created_at_ms) VALUES ($1, $2, $3, $4, 0, $5, $6)",
                )
                .bind(t.tx_id)
                .bind(&t.operator_id)
                .bind(&t.kind)
                .bind(payload)
                .bind(next_attempt_at_ms)
                .bind(t.created_at_ms)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn fail_bet_and_enqueue_rollback(
                &self,
                bet_tx_id: i64,
                reason: &str,
                rollback: &$crate::operator::OperatorTx,
                payload: &str,
                next_attempt_at_ms: i64,
            ) -> $crate::StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "UPDATE operator_tx SET status = 'unknown', error_code = $1, updated_at_ms = $2 \
                     WHERE tx_id = $3 AND status IN ('pending', 'unknown')",
                )
                .bind(reason)
                .bind(rollback.created_at_ms)
                .bind(bet_tx_id)
                .execute(&mut *tx)
                .await?;
                let created = Self::insert_tx_on(&mut *tx, rollback).await?;
                if created {
                    sqlx::query(
                        "INSERT INTO operator_outbox (tx_id, operator_id, endpoint, payload, \
                         attempts, next_attempt_at_ms, created_at_ms) \
                         VALUES ($1, $2, $3, $4, 0, $5, $6)",
                    )
                    .bind(rollback.tx_id)
                    .bind(&rollback.operator_id)
                    .bind(&rollback.kind)
                    .bind(payload)
                    .bind(next_attempt_at_ms)
                    .bind(rollback.created_at_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(created)
            }

            async fn rollback_of(
                &self,
                ref_tx_id: i64,
            ) -> $crate::StoreResult<Option<$crate::operator::OperatorTx>> {
                let sql = format!(
                    "SELECT {} FROM operator_tx WHERE ref_tx_id = $1 AND kind = 'rollback'",
                    $crate::operator::TX_COLUMNS
                );
                let row: Option<$crate::operator::TxRow> =
                    sqlx::query_as(&sql).bind(ref_tx_id).fetch_optional(&self.pool).await?;
                Ok(row.map(Into::into))
            }

            async fn stale_pending_bets(
                &self,
                before_ms: i64,
                limit: u32,
            ) -> $crate::StoreResult<Vec<$crate::operator::OperatorTx>> {
                let sql = format!(
                    "SELECT {} FROM operator_tx WHERE status = 'pending' AND created_at_ms < $1 \
                     ORDER BY created_at_ms LIMIT $2",
                    $crate::operator::TX_COLUMNS
                );
                let rows: Vec<$crate::operator::TxRow> = sqlx::query_as(&sql)
                    .bind(before_ms)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn operator_txs(
                &self,
                operator_id: &str,
                after_tx_id: i64,
                limit: u32,
            ) -> $crate::StoreResult<Vec<$crate::operator::OperatorTx>> {
                let sql = format!(
                    "SELECT {} FROM operator_tx WHERE operator_id = $1 AND tx_id > $2 \
                     ORDER BY tx_id LIMIT $3",
                    $crate::operator::TX_COLUMNS
                );
                let rows: Vec<$crate::operator::TxRow> = sqlx::query_as(&sql)
                    .bind(operator_id)
                    .bind(after_tx_id)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn due_outbox(
                &self,
                now_ms: i64,
                limit: u32,
            ) -> $crate::StoreResult<Vec<$crate::operator::OutboxRecord>> {
                let sql = format!(
                    "SELECT {} FROM operator_outbox WHERE delivered_at_ms IS NULL \
                     AND next_attempt_at_ms <= $1 ORDER BY next_attempt_at_ms LIMIT $2",
                    $crate::operator::OUTBOX_COLUMNS
                );
                let rows: Vec<$crate::operator::OutboxRow> = sqlx::query_as(&sql)
                    .bind(now_ms)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn outbox_entry(
                &self,
                tx_id: i64,
            ) -> $crate::StoreResult<$crate::operator::OutboxRecord> {
                let sql = format!(
                    "SELECT {} FROM operator_outbox WHERE tx_id = $1",
                    $crate::operator::OUTBOX_COLUMNS
                );
                let row: Option<$crate::operator::OutboxRow> =
                    sqlx::query_as(&sql).bind(tx_id).fetch_optional(&self.pool).await?;
                row.map(Into::into)
                    .ok_or_else(|| $crate::StoreError::not_found("outbox entry"))
            }

            async fn claim_outbox(
                &self,
                tx_id: i64,
                expected_next_ms: i64,
                lease_until_ms: i64,
            ) -> $crate::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE operator_outbox SET next_attempt_at_ms = $1 WHERE tx_id = $2 \
                     AND next_attempt_at_ms = $3 AND delivered_at_ms IS NULL",
                )
                .bind(lease_until_ms)
                .bind(tx_id)
                .bind(expected_next_ms)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn outbox_delivered(
                &self,
                tx_id: i64,
                balance_after: Option<i64>,
                now_ms: i64,
            ) -> $crate::StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "UPDATE operator_outbox SET delivered_at_ms = $1, last_error = NULL \
                     WHERE tx_id = $2 AND delivered_at_ms IS NULL",
                )
                .bind(now_ms)
                .bind(tx_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE operator_tx SET status = 'ok', balance_after = $1, updated_at_ms = $2 \
                     WHERE tx_id = $3",
                )
                .bind(balance_after)
                .bind(now_ms)
                .bind(tx_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn outbox_failed(
                &self,
                tx_id: i64,
                attempts: i64,
                next_attempt_at_ms: i64,
                error: &str,
            ) -> $crate::StoreResult<()> {
                sqlx::query(
                    "UPDATE operator_outbox SET attempts = $1, next_attempt_at_ms = $2, \
                     last_error = $3 WHERE tx_id = $4 AND delivered_at_ms IS NULL",
                )
                .bind(attempts)
                .bind(next_attempt_at_ms)
                .bind(error)
                .bind(tx_id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn outbox_pending(&self, operator_id: Option<&str>) -> $crate::StoreResult<u64> {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM operator_outbox WHERE delivered_at_ms IS NULL \
                     AND ($1 IS NULL OR operator_id = $1)",
                )
                .bind(operator_id)
                .fetch_one(&self.pool)
                .await?;
                Ok(u64::try_from(n).unwrap_or(0))
            }
        }
    };
}

/// The sqlx database type of a backend, so the shared macro can name executors.
pub(crate) trait Backend {
    type Db: sqlx::Database;
}

impl Backend for crate::SqliteStore {
    type Db = sqlx::Sqlite;
}

impl Backend for crate::PgStore {
    type Db = sqlx::Postgres;
}

pub(crate) use impl_operator_store;
