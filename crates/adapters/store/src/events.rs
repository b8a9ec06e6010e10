//! The durable event stream's side in the database (migration `0011_event_outbox`): the outbox
//! that triggers fill in the transaction of each fact, the position of the ledger tail, and the
//! player-visible transfers after a position. The relay that appends them to the bus lives in the
//! server; it deletes outbox rows only after the bus has them, so a relay that dies in between
//! appends them again (the bus drops the duplicates by event id).

use async_trait::async_trait;

use crate::StoreResult;

/// Outbox rows removed per statement at most.
pub const OUTBOX_REMOVE_MAX: usize = 500;

/// An event waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxEvent {
    /// Its place in the outbox.
    pub seq: i64,
    /// Stable id (`bet:<id>`, `match:<id>`, `rating:<match>:<user>`).
    pub event_id: String,
    /// `bet_settled`, `round_finished`, `match_finished` or `rating_changed`.
    pub kind: String,
    /// JSON body.
    pub payload: String,
}

/// A ledger transfer that moved a player's money, with the players on its sides.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TransferEvent {
    /// Ledger timestamp: the transfer's place in the ledger's commit order.
    pub ts: i64,
    /// Transfer id (16 bytes, big-endian).
    pub id: Vec<u8>,
    /// Debited account id.
    pub debit_account_id: Vec<u8>,
    /// Credited account id.
    pub credit_account_id: Vec<u8>,
    /// Amount, minor units.
    pub amount: i64,
    /// Currency (ledger) code.
    pub ledger: i64,
    /// Transfer kind code.
    pub code: i64,
    /// Transfer flags (pending, post, void).
    pub flags: i64,
    /// The player whose wallet was debited, if it was a wallet.
    pub debit_user: Option<i64>,
    /// The player whose wallet was credited, if it was a wallet.
    pub credit_user: Option<i64>,
}

/// The events' storage.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// The oldest `limit` outbox rows.
    async fn outbox_head(&self, limit: i64) -> StoreResult<Vec<OutboxEvent>>;
    /// Removes outbox rows (at most [`OUTBOX_REMOVE_MAX`]) once the bus has them.
    async fn outbox_remove(&self, seqs: &[i64]) -> StoreResult<()>;
    /// Up to `limit` transfers after ledger timestamp `after_ts` with a player wallet on a side, in
    /// ledger order, skipping kinds no player sees (`rake_fee`, `sweep`, `funding`).
    async fn player_transfers_after(
        &self,
        after_ts: i64,
        limit: i64,
    ) -> StoreResult<Vec<TransferEvent>>;
    /// A relay's position (`None` before its first).
    async fn event_cursor(&self, name: &str) -> StoreResult<Option<i64>>;
    /// Moves a relay's position forward to `position` (never back).
    async fn set_event_cursor(&self, name: &str, position: i64) -> StoreResult<()>;
}

/// Implements [`EventStore`] for a store type with a `pool` field.
macro_rules! impl_event_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::events::EventStore for $store {
            async fn outbox_head(
                &self,
                limit: i64,
            ) -> $crate::StoreResult<Vec<$crate::events::OutboxEvent>> {
                Ok(sqlx::query_as(
                    "SELECT seq, event_id, kind, payload FROM event_outbox ORDER BY seq LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn outbox_remove(&self, seqs: &[i64]) -> $crate::StoreResult<()> {
                for chunk in seqs.chunks($crate::events::OUTBOX_REMOVE_MAX) {
                    let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "DELETE FROM event_outbox WHERE seq IN ({})",
                        marks.join(", ")
                    );
                    let mut q = sqlx::query(&sql);
                    for s in chunk {
                        q = q.bind(*s);
                    }
                    q.execute(&self.pool).await?;
                }
                Ok(())
            }

            async fn player_transfers_after(
                &self,
                after_ts: i64,
                limit: i64,
            ) -> $crate::StoreResult<Vec<$crate::events::TransferEvent>> {
                Ok(sqlx::query_as(
                    "SELECT t.ts, t.id, t.debit_account_id, t.credit_account_id, t.amount, \
                            t.ledger, t.code, t.flags, \
                            da.user_data_64 AS debit_user, ca.user_data_64 AS credit_user \
                     FROM ledger_transfers t \
                     LEFT JOIN ledger_accounts da ON da.id = t.debit_account_id AND da.code = 2 \
                     LEFT JOIN ledger_accounts ca ON ca.id = t.credit_account_id AND ca.code = 2 \
                     WHERE t.ts > $1 AND t.code NOT IN (9, 15, 16) \
                       AND (da.id IS NOT NULL OR ca.id IS NOT NULL) \
                     ORDER BY t.ts LIMIT $2",
                )
                .bind(after_ts)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn event_cursor(&self, name: &str) -> $crate::StoreResult<Option<i64>> {
                let row: Option<(i64,)> =
                    sqlx::query_as("SELECT position FROM event_cursors WHERE name = $1")
                        .bind(name)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|r| r.0))
            }

            async fn set_event_cursor(&self, name: &str, position: i64) -> $crate::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO event_cursors (name, position) VALUES ($1, $2) \
                     ON CONFLICT (name) DO UPDATE SET position = excluded.position \
                     WHERE event_cursors.position < excluded.position",
                )
                .bind(name)
                .bind(position)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_event_store;
