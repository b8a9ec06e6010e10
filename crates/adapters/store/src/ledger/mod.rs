//! SQLite and PostgreSQL homes for the double-entry ledger: both run the pure executor of
//! `ledger::exec` over a prefetched [`ledger::Snapshot`] and apply its [`::ledger::Writes`] in one
//! database transaction, so the semantics live in exactly one place.
//!
//! One batch = one transaction: lock the `ledger_meta` row (the commit timestamp; on PostgreSQL
//! `FOR UPDATE`, which also serialises several server processes: only a batch holding that lock
//! writes the ledger's tables), prefetch the transfers and accounts the batch names, execute in
//! memory, then write every changed row and commit. SQLite opens the transaction with
//! `BEGIN IMMEDIATE`, so the read and the write happen under one write lock. On a database file
//! the writer runs each batch on its own thread through a connection of its own ([`direct`]);
//! an in-memory database's batch goes through sqlx, reads the batch's transfers, pending
//! statuses, failure marks and the commit timestamp in one statement, and sends the writes as
//! one multi-statement request. PostgreSQL reads everything in one request
//! ([`literal`]) and writes one statement per table with its rows bound as arrays (`UNNEST`).
//! On both, the writer keeps copies of the accounts it has read or written ([`AccountCache`]),
//! valid while the locked commit timestamp is still the one its own last batch wrote, and reads
//! only the accounts it has no copy of.

mod codec;
mod direct;
mod literal;

use ledger::exec::{self, Snapshot};
use ledger::{
    Account, AccountBalance, AccountFilter, AccountId, BATCH_EVENTS_MAX, BatchError,
    CreateAccountResult, CreateTransferResult, LedgerDump, LedgerStore, Page, Timestamp, Transfer,
    TransferId,
};

use crate::{PgStore, SqliteStore, StoreError, StoreErrorKind, StoreResult};

/// Rows per multi-row statement: keeps every statement under SQLite's 32,766 bound parameters
/// (13 columns × 2,000 rows) and PostgreSQL's 65,535.
const ROWS_PER_STATEMENT_MAX: usize = 2_000;
/// Ids per `IN (…)` list, for the same reason.
const IDS_PER_QUERY_MAX: usize = 4_000;

/// The columns of a `ledger_accounts` row: an account without its balances.
const ACCOUNT_COLUMNS: &str =
    "id, user_data_128, user_data_64, user_data_32, ledger, code, flags, ts";
/// Accounts with their balances, in [`codec::AccountRow`]'s columns: each account's newest
/// `ledger_balances` row (zeros before its first change). Append `WHERE a.id …`/`ORDER BY a.id`.
const ACCOUNT_SELECT: &str = "SELECT a.id, coalesce(b.debits_pending, 0) AS debits_pending, \
     coalesce(b.debits_posted, 0) AS debits_posted, coalesce(b.credits_pending, 0) AS credits_pending, \
     coalesce(b.credits_posted, 0) AS credits_posted, a.user_data_128, a.user_data_64, a.user_data_32, \
     a.ledger, a.code, a.flags, a.ts FROM ledger_accounts a LEFT JOIN ledger_balances b \
     ON b.account_id = a.id AND b.ts = (SELECT max(n.ts) FROM ledger_balances n WHERE n.account_id = a.id)";
const TRANSFER_COLUMNS: &str = "id, debit_account_id, credit_account_id, amount, pending_id, \
     user_data_128, user_data_64, user_data_32, timeout, ledger, code, flags, ts";
/// [`TRANSFER_COLUMNS`] of the table aliased `t`.
const TRANSFER_COLUMNS_T: &str = "t.id, t.debit_account_id, t.credit_account_id, t.amount, \
     t.pending_id, t.user_data_128, t.user_data_64, t.user_data_32, t.timeout, t.ledger, t.code, \
     t.flags, t.ts";
/// The columns of a `ledger_balances` row (an account's balances after the change at `ts`).
/// What a `ledger_pending` insert does with an id it already has (SQLite): the new status wins.
const PENDING_UPSERT: &str =
    " ON CONFLICT (id) DO UPDATE SET status = excluded.status, expires_at = excluded.expires_at";
const BALANCE_COLUMNS: &str =
    "account_id, ts, debits_pending, debits_posted, credits_pending, credits_posted";
/// [`BALANCE_COLUMNS`] of the table aliased `b`.
const BALANCE_COLUMNS_B: &str =
    "b.account_id, b.ts, b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted";

impl From<BatchError> for StoreError {
    fn from(err: BatchError) -> Self {
        // Callers bound their batches (the server never submits more than the limit), so a
        // refused batch is a bug on the caller's side, reported with the executor's reason.
        Self::new(
            StoreErrorKind::Internal,
            format!("ledger batch refused: {err}"),
        )
    }
}

/// The group-commit writer's state, behind one lock: its own connection (see the backends'
/// `writer` field) and its copies of account rows.
#[derive(Debug)]
struct Writer<C> {
    /// The writer's sqlx connection (PostgreSQL).
    conn: Option<C>,
    /// The writer's synchronous connection to a SQLite file ([`direct`]), instead of `conn`.
    direct: Option<direct::Direct>,
    accounts: AccountCache,
}

impl<C> Default for Writer<C> {
    fn default() -> Self {
        Self {
            conn: None,
            direct: None,
            accounts: AccountCache::default(),
        }
    }
}

impl<C> Writer<C> {
    /// After a failed batch: the copies are dropped, since the batch may or may not have
    /// committed, and so is the sqlx connection (the next batch takes a fresh one; dropping it
    /// rolls back whatever it left open). The direct connection rolled its transaction back
    /// already and is kept, unless that rollback failed too.
    fn failed(&mut self) {
        self.conn = None;
        if !self.direct.as_ref().is_some_and(direct::Direct::is_clean) {
            self.direct = None;
        }
        self.accounts.clear();
    }
}

/// The writer's copies of the accounts its batches read or wrote, exact as of the commit
/// timestamp of the last batch it committed. Every ledger write (from any process) goes
/// through a batch that holds the commit-timestamp lock and advances that timestamp, so when
/// the locked timestamp still equals [`Self::as_of`], no one else has written since and every
/// copy is the stored row; otherwise they are all dropped. A batch then reads only the
/// accounts it has no copy of: under a steady load, none (the house account and the players
/// at the tables are read once, not once per batch).
#[derive(Debug, Default)]
struct AccountCache {
    as_of: Option<Timestamp>,
    accounts: std::collections::HashMap<AccountId, Account>,
}

impl AccountCache {
    /// Copies kept at most; past this the cache starts again empty (~30 MiB).
    const CAPACITY: usize = 1 << 18;

    fn clear(&mut self) {
        self.as_of = None;
        self.accounts.clear();
    }

    /// With the batch's locked commit timestamp: keeps the copies only if the last commit was
    /// this writer's own.
    fn validate(&mut self, commit_timestamp: Timestamp) {
        if self.as_of != Some(commit_timestamp) {
            self.clear();
        }
    }

    /// The ids among `ids` without a copy, in their order.
    fn missing(&self, ids: &[AccountId]) -> Vec<AccountId> {
        ids.iter()
            .copied()
            .filter(|id| !self.accounts.contains_key(id))
            .collect()
    }

    /// Puts the copies of `ids` into `snap` and returns the ids without one, in their order
    /// (call [`Self::validate`] first).
    fn fill(&self, ids: &[AccountId], snap: &mut Snapshot) -> Vec<AccountId> {
        let mut missing = Vec::new();
        for id in ids {
            match self.accounts.get(id) {
                Some(a) => {
                    snap.accounts.insert(*id, *a);
                }
                None => missing.push(*id),
            }
        }
        missing
    }

    /// After a commit: the accounts the batch read (`snap`) and their new values (`writes`)
    /// are the stored rows as of its commit timestamp.
    fn committed(&mut self, snap: &Snapshot, writes: &::ledger::Writes) {
        if self.accounts.len() + snap.accounts.len() + writes.accounts.len() > Self::CAPACITY {
            self.accounts.clear();
        }
        self.accounts
            .extend(snap.accounts.iter().map(|(id, a)| (*id, *a)));
        self.accounts
            .extend(writes.accounts.iter().map(|w| (w.new.id, w.new)));
        self.as_of = Some(writes.commit_timestamp);
    }
}

/// The `ledger_accounts` rows a batch writes: accounts to insert, and accounts whose flags
/// changed (closed or reopened). Balances are not in these rows: each change of them is a
/// `ledger_balances` row ([`::ledger::Writes::balances`]), and an account's balances are its
/// newest one.
fn account_rows(w: &::ledger::Writes) -> (Vec<&Account>, Vec<&Account>) {
    let inserts = w
        .accounts
        .iter()
        .filter(|a| a.old.is_none())
        .map(|a| &a.new);
    let flagged = w
        .accounts
        .iter()
        .filter(|a| a.old.is_some_and(|old| old.flags != a.new.flags))
        .map(|a| &a.new);
    (inserts.collect(), flagged.collect())
}

/// Implements a ledger backend for one sqlx database. `$begin` opens a batch's transaction and
/// `$lock` is appended to the reads that must hold their rows until commit. The invoking module
/// supplies how a group commit reads and writes: `prefetch` (the batch's `Snapshot`) and `apply`
/// (its `Writes`).
macro_rules! ledger_backend {
    ($(#[$meta:meta])* $name:ident, $db:ty, $pool:ty, $begin:literal, $lock:literal, $params:expr) => {
        $(#[$meta])*
        #[derive(Clone, Debug)]
        pub struct $name {
            pool: $pool,
            /// The writer's own connection, detached from the pool at the first write: one warm
            /// page cache and statement cache for every batch, instead of whichever pooled
            /// connection comes next. `None` until then, and always for single-connection pools
            /// (in-memory SQLite lives in its one connection). Beside it, behind the same lock,
            /// the account copies that spare a batch re-reading the accounts it names.
            writer: std::sync::Arc<tokio::sync::Mutex<Writer<<$db as sqlx::Database>::Connection>>>,
            /// The file to `fdatasync` before a batch counts as durable, when the writer's
            /// connection commits without syncing (SQLite WAL: see [`Self::sync`]).
            wal: std::sync::Arc<std::sync::Mutex<Option<std::path::PathBuf>>>,
        }

        impl $name {
            /// A ledger over `pool` (already migrated).
            pub fn new(pool: $pool) -> Self {
                Self { pool, writer: std::sync::Arc::default(), wal: std::sync::Arc::default() }
            }

            async fn writer(&self) -> StoreResult<tokio::sync::MutexGuard<'_, Writer<<$db as sqlx::Database>::Connection>>> {
                let mut guard = self.writer.lock().await;
                if guard.conn.is_none()
                    && guard.direct.is_none()
                    && self.pool.options().get_max_connections() > 1
                {
                    let mut conn = self.pool.acquire().await?.detach();
                    let (wal, direct) = Self::prepare_writer(&mut conn).await?;
                    *self.wal.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = wal;
                    match direct {
                        Some(direct) => guard.direct = Some(direct),
                        None => guard.conn = Some(conn),
                    }
                }
                Ok(guard)
            }

            /// Drops the writer's own connection and its account copies (after a batch panicked
            /// with them in an unknown state): the next batch opens a fresh connection and reads
            /// every account again. Closing the connection rolls back whatever it left open.
            pub async fn reset_writer(&self) {
                *self.writer.lock().await = Writer::default();
            }

            /// Whether a commit of [`Self::commit_batch_deferred`] needs [`Self::sync`] before it
            /// is durable.
            pub fn needs_sync(&self) -> bool {
                self.wal.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_some()
            }

            /// Makes every batch committed so far durable. The SQLite writer commits into the
            /// write-ahead log without waiting for the disk (`synchronous=NORMAL`); one
            /// `fdatasync` of the log then covers every commit written before it, so the next
            /// batch executes while the previous one reaches the disk, and several batches share
            /// one flush. A no-op where every commit is durable on its own (PostgreSQL, or a
            /// database without a log file).
            pub async fn sync(&self) -> StoreResult<()> {
                if !self.needs_sync() {
                    return Ok(());
                }
                let this = self.clone();
                tokio::task::spawn_blocking(move || this.sync_blocking())
                    .await
                    .map_err(|e| StoreError::new(StoreErrorKind::Internal, e.to_string()))?
            }

            /// [`Self::sync`] on the calling thread, which it blocks for the `fdatasync`.
            pub fn sync_blocking(&self) -> StoreResult<()> {
                let Some(path) = self.wal.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone() else {
                    return Ok(());
                };
                std::fs::File::open(&path).and_then(|f| f.sync_data()).map_err(|e| {
                    StoreError::new(StoreErrorKind::Unavailable, format!("cannot sync the write-ahead log: {e}"))
                })
            }

            /// Executes several independent requests as one batch in one transaction (the group
            /// commit of the server's single writer); results per request, in order. Returns
            /// only after the commit is durable.
            pub async fn create_transfers_grouped(
                &self,
                requests: &[&[Transfer]],
                now: Timestamp,
            ) -> StoreResult<Vec<Vec<CreateTransferResult>>> {
                Ok(self.create_transfers_committed(requests, now).await?.results)
            }

            /// [`Self::create_transfers_grouped`], also returning the committed values of the
            /// accounts the batch changed, so callers need not read back a balance they just moved.
            pub async fn create_transfers_committed(
                &self,
                requests: &[&[Transfer]],
                now: Timestamp,
            ) -> StoreResult<GroupCommit> {
                self.commit_batch(requests, now, |_| Vec::new()).await
            }

            /// [`Self::create_transfers_committed`], also inserting instant-game bet rows in the
            /// same transaction, so the server's writers share one commit (and one fsync) per
            /// batch. `bets` is called once the batch's results are known (before anything is
            /// written) and returns the rows to insert, so a row can carry the balance its own
            /// transfers produced. Any failure (a duplicate bet row included) commits nothing.
            pub async fn commit_batch<F>(
                &self,
                requests: &[&[Transfer]],
                now: Timestamp,
                bets: F,
            ) -> StoreResult<GroupCommit>
            where
                F: FnOnce(&GroupCommit) -> Vec<crate::games::BetRecord> + Send,
            {
                let committed = self.commit_batch_deferred(requests, now, bets).await?;
                self.sync().await?;
                Ok(committed)
            }

            /// [`Self::commit_batch`] without the final [`Self::sync`]: the batch is committed
            /// and visible, but durable only once a later `sync` returns (at once when
            /// [`Self::needs_sync`] is false). The group-commit writer answers its requests after
            /// that `sync`, and meanwhile executes the next batch.
            pub async fn commit_batch_deferred<F>(
                &self,
                requests: &[&[Transfer]],
                now: Timestamp,
                bets: F,
            ) -> StoreResult<GroupCommit>
            where
                F: FnOnce(&GroupCommit) -> Vec<crate::games::BetRecord> + Send,
            {
                let flat: Vec<Transfer> = requests.concat();
                if flat.len() > BATCH_EVENTS_MAX {
                    return Err(BatchError::TooManyEvents { events: flat.len(), limit: BATCH_EVENTS_MAX }.into());
                }
                let mut writer = self.writer().await?;
                let Writer { conn, direct, accounts: cache } = &mut *writer;
                if let Some(d) = direct.as_mut() {
                    let result = direct::blocking(|| d.commit_batch(cache, requests, &flat, now, bets));
                    if result.is_err() {
                        writer.failed();
                    }
                    return result;
                }
                let result: StoreResult<_> = async {
                    // On the writer's own connection, the prefetch's request opens the
                    // transaction and the writes' request commits it: two round trips instead
                    // of four. A failure drops that connection (`Writer::failed`), which rolls
                    // back whatever is open. A pool's connection goes through `Transaction`.
                    let own = conn.is_some();
                    let mut pooled = None;
                    let c = match conn.as_mut() {
                        Some(c) => c,
                        None => &mut **pooled.insert(self.pool.begin_with($begin).await?),
                    };
                    let snap = prefetch(c, &flat, cache, own).await?;
                    let outcome = exec::create_transfers_grouped(&snap, requests, now)?;
                    let committed = GroupCommit {
                        results: outcome.results,
                        accounts: outcome.writes.accounts.iter().map(|w| w.new).collect(),
                    };
                    let rows = bets(&committed);
                    apply(c, &outcome.writes, own && rows.is_empty()).await?;
                    if !rows.is_empty() {
                        crate::games::insert_bet_rows!(&mut *c, $params, rows);
                        if own {
                            sqlx::query("COMMIT").execute(&mut *c).await?;
                        }
                    }
                    if let Some(tx) = pooled {
                        tx.commit().await?;
                    }
                    cache.committed(&snap, &outcome.writes);
                    Ok(committed)
                }
                .await;
                if result.is_err() {
                    writer.failed();
                }
                result
            }

            async fn create_accounts_batch(
                &self,
                batch: &[Account],
                now: Timestamp,
            ) -> StoreResult<Vec<CreateAccountResult>> {
                if batch.len() > BATCH_EVENTS_MAX {
                    return Err(BatchError::TooManyEvents { events: batch.len(), limit: BATCH_EVENTS_MAX }.into());
                }
                let mut writer = self.writer().await?;
                let Writer { conn, direct, accounts: cache } = &mut *writer;
                let result: StoreResult<_> = if let Some(d) = direct.as_mut() {
                    direct::blocking(|| d.create_accounts(cache, batch, now))
                } else {
                    async {
                    let mut tx = begin(&self.pool, conn).await?;
                    let mut snap = Snapshot { commit_timestamp: lock_meta(&mut tx).await?, ..Snapshot::default() };
                    cache.validate(snap.commit_timestamp);
                    let mut ids: Vec<AccountId> = batch.iter().map(|a| a.id).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    load_accounts(&mut *tx, cache, &ids, &mut snap).await?;
                    let outcome = exec::create_accounts(&snap, batch, now)?;
                    apply(&mut *tx, &outcome.writes, false).await?;
                    tx.commit().await?;
                    cache.committed(&snap, &outcome.writes);
                    Ok(outcome.results)
                    }
                    .await
                };
                if result.is_err() {
                    writer.failed();
                }
                drop(writer);
                self.sync().await?;
                result
            }

            async fn expire_batch(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<TransferId>> {
                if limit > BATCH_EVENTS_MAX {
                    return Err(BatchError::TooManyEvents { events: limit, limit: BATCH_EVENTS_MAX }.into());
                }
                let mut writer = self.writer().await?;
                let Writer { conn, direct, accounts: cache } = &mut *writer;
                let result: StoreResult<_> = if let Some(d) = direct.as_mut() {
                    direct::blocking(|| d.expire(cache, now, limit))
                } else {
                    async {
                    let mut tx = begin(&self.pool, conn).await?;
                    let mut snap = Snapshot { commit_timestamp: lock_meta(&mut tx).await?, ..Snapshot::default() };
                    cache.validate(snap.commit_timestamp);
                    let rows: Vec<(Vec<u8>,)> = sqlx::query_as(
                        "SELECT p.id FROM ledger_pending p JOIN ledger_transfers t ON t.id = p.id \
                         WHERE p.status = 0 AND p.expires_at IS NOT NULL AND p.expires_at <= $1 \
                         ORDER BY p.expires_at, t.ts LIMIT $2",
                    )
                    .bind(codec::ts_to_db(now))
                    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                    .fetch_all(&mut *tx)
                    .await?;
                    let candidates = rows.iter().map(|(id,)| codec::id(id)).collect::<StoreResult<Vec<_>>>()?;
                    let mut sorted = candidates.clone();
                    sorted.sort_unstable();
                    load_transfers(&mut tx, &sorted, &mut snap).await?;
                    let prefetched: Vec<Transfer> = snap.transfers.values().copied().collect();
                    let account_ids = exec::prefetch_account_ids(&[], &prefetched);
                    load_accounts(&mut *tx, cache, &account_ids, &mut snap).await?;
                    snap.expired_candidates = candidates;
                    let outcome = exec::expire_pending(&snap, now, limit)?;
                    apply(&mut *tx, &outcome.writes, false).await?;
                    tx.commit().await?;
                    cache.committed(&snap, &outcome.writes);
                    Ok(outcome.expired)
                    }
                    .await
                };
                if result.is_err() {
                    writer.failed();
                }
                drop(writer);
                self.sync().await?;
                result
            }

            async fn accounts_by_id(&self, ids: &[AccountId]) -> StoreResult<Vec<Account>> {
                let mut found = std::collections::BTreeMap::new();
                for chunk in ids.chunks(IDS_PER_QUERY_MAX) {
                    let mut qb = ids_query(format!("{ACCOUNT_SELECT} WHERE a.id IN ("), chunk, ")");
                    for row in qb.build_query_as::<codec::AccountRow>().fetch_all(&self.pool).await? {
                        let a = row.decode()?;
                        found.insert(a.id, a);
                    }
                }
                Ok(ids.iter().filter_map(|id| found.get(id).copied()).collect())
            }

            async fn transfers_by_id(&self, ids: &[TransferId]) -> StoreResult<Vec<Transfer>> {
                let mut found = std::collections::BTreeMap::new();
                for chunk in ids.chunks(IDS_PER_QUERY_MAX) {
                    let mut qb = ids_query(format!(
                        "SELECT {TRANSFER_COLUMNS} FROM ledger_transfers WHERE id IN ("
                    ), chunk, ")");
                    for row in qb.build_query_as::<codec::TransferRow>().fetch_all(&self.pool).await? {
                        let t = row.decode()?;
                        found.insert(t.id, t);
                    }
                }
                Ok(ids.iter().filter_map(|id| found.get(id).copied()).collect())
            }

            async fn transfers_page(&self, filter: AccountFilter) -> StoreResult<Page<Transfer>> {
                let limit = filter.limit_clamped();
                // The account's balance rows at its transfers' timestamps (an expiry's row, or a
                // row the 0008 migration wrote at the commit timestamp, has no transfer of the
                // account there).
                let rows: Vec<codec::TransferRow> = sqlx::query_as(&format!(
                    "SELECT {TRANSFER_COLUMNS_T} FROM ledger_balances b JOIN ledger_transfers t \
                     ON t.ts = b.ts AND (t.debit_account_id = b.account_id OR t.credit_account_id = b.account_id) \
                     WHERE b.account_id = $1 AND b.ts < $2 ORDER BY b.ts DESC LIMIT $3"
                ))
                .bind(codec::id_to_db(filter.account_id))
                .bind(codec::before_to_db(filter.before))
                .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await?;
                let items = rows.into_iter().map(codec::TransferRow::decode).collect::<StoreResult<Vec<_>>>()?;
                Ok(::ledger::memory::page(items.into_iter(), limit, |t| t.timestamp))
            }

            async fn history_page(&self, filter: AccountFilter) -> StoreResult<Page<AccountBalance>> {
                let limit = filter.limit_clamped();
                let rows: Vec<codec::HistoryRow> = sqlx::query_as(&format!(
                    "SELECT {BALANCE_COLUMNS} FROM ledger_balances \
                     WHERE account_id = $1 AND ts < $2 AND EXISTS (SELECT 1 FROM ledger_accounts \
                     WHERE id = $1 AND (flags & {history}) <> 0) ORDER BY ts DESC LIMIT $3",
                    history = ledger::AccountFlags::HISTORY.0,
                ))
                .bind(codec::id_to_db(filter.account_id))
                .bind(codec::before_to_db(filter.before))
                .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await?;
                let items = rows.into_iter().map(codec::HistoryRow::decode).collect::<StoreResult<Vec<_>>>()?;
                Ok(::ledger::memory::page(items.into_iter(), limit, |b| b.timestamp))
            }

            async fn dump_all(&self) -> StoreResult<LedgerDump> {
                // One read transaction, so the dump is a consistent cut even under load.
                let mut tx = self.pool.begin().await?;
                let accounts: Vec<codec::AccountRow> = sqlx::query_as(&format!(
                    "{ACCOUNT_SELECT} ORDER BY a.id"
                ))
                .fetch_all(&mut *tx)
                .await?;
                let transfers: Vec<codec::TransferRow> = sqlx::query_as(&format!(
                    "SELECT {TRANSFER_COLUMNS} FROM ledger_transfers ORDER BY ts"
                ))
                .fetch_all(&mut *tx)
                .await?;
                let pending: Vec<codec::PendingDbRow> =
                    sqlx::query_as("SELECT id, status, expires_at FROM ledger_pending ORDER BY id")
                        .fetch_all(&mut *tx)
                        .await?;
                let history: Vec<codec::HistoryRow> = sqlx::query_as(&format!(
                    "SELECT {BALANCE_COLUMNS_B} FROM ledger_balances b JOIN ledger_accounts a \
                     ON a.id = b.account_id WHERE (a.flags & {history}) <> 0 ORDER BY b.ts, b.account_id",
                    history = ledger::AccountFlags::HISTORY.0,
                ))
                .fetch_all(&mut *tx)
                .await?;
                let failed: Vec<codec::FailedRow> =
                    sqlx::query_as("SELECT id, result, ts FROM ledger_failed ORDER BY ts")
                        .fetch_all(&mut *tx)
                        .await?;
                let (commit_timestamp,): (i64,) =
                    sqlx::query_as("SELECT commit_timestamp FROM ledger_meta WHERE id = 1")
                        .fetch_one(&mut *tx)
                        .await?;
                tx.commit().await?;
                Ok(LedgerDump {
                    accounts: accounts.into_iter().map(codec::AccountRow::decode).collect::<StoreResult<_>>()?,
                    transfers: transfers.into_iter().map(codec::TransferRow::decode).collect::<StoreResult<_>>()?,
                    pending: pending.into_iter().map(codec::PendingDbRow::decode).collect::<StoreResult<_>>()?,
                    history: history.into_iter().map(codec::HistoryRow::decode).collect::<StoreResult<_>>()?,
                    failed: failed.into_iter().map(codec::FailedRow::decode).collect::<StoreResult<_>>()?,
                    commit_timestamp: codec::u64_from_db(commit_timestamp)?,
                })
            }
        }

        impl LedgerStore for $name {
            type Error = StoreError;

            async fn create_accounts(&self, batch: &[Account], now: Timestamp) -> StoreResult<Vec<CreateAccountResult>> {
                self.create_accounts_batch(batch, now).await
            }

            async fn create_transfers(&self, batch: &[Transfer], now: Timestamp) -> StoreResult<Vec<CreateTransferResult>> {
                let mut results = self.create_transfers_grouped(&[batch], now).await?;
                Ok(results.pop().unwrap_or_default())
            }

            async fn expire_pending(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<TransferId>> {
                self.expire_batch(now, limit).await
            }

            async fn lookup_accounts(&self, ids: &[AccountId]) -> StoreResult<Vec<Account>> {
                self.accounts_by_id(ids).await
            }

            async fn lookup_transfers(&self, ids: &[TransferId]) -> StoreResult<Vec<Transfer>> {
                self.transfers_by_id(ids).await
            }

            async fn account_transfers(&self, filter: AccountFilter) -> StoreResult<Page<Transfer>> {
                self.transfers_page(filter).await
            }

            async fn account_history(&self, filter: AccountFilter) -> StoreResult<Page<AccountBalance>> {
                self.history_page(filter).await
            }

            async fn dump(&self) -> StoreResult<LedgerDump> {
                self.dump_all().await
            }
        }

        /// Opens a batch's transaction on the writer's connection (or the pool's).
        async fn begin<'c>(
            pool: &$pool,
            writer: &'c mut Option<<$db as sqlx::Database>::Connection>,
        ) -> StoreResult<sqlx::Transaction<'c, $db>> {
            Ok(match writer {
                Some(conn) => sqlx::Connection::begin_with(conn, $begin).await?,
                None => pool.begin_with($begin).await?,
            })
        }

        /// Reads (and on PostgreSQL locks) the commit timestamp row.
        async fn lock_meta(tx: &mut sqlx::Transaction<'_, $db>) -> StoreResult<Timestamp> {
            let (ts,): (i64,) = sqlx::query_as(concat!(
                "SELECT commit_timestamp FROM ledger_meta WHERE id = 1", $lock
            ))
            .fetch_one(&mut **tx)
            .await?;
            codec::u64_from_db(ts)
        }

        /// `{head}<ids bound as a list>{tail}`: every chunked `WHERE id IN (…)` read.
        fn ids_query<'a>(head: impl Into<String>, ids: &[u128], tail: &str) -> sqlx::QueryBuilder<'a, $db> {
            let mut qb = sqlx::QueryBuilder::<$db>::new(head);
            let mut list = qb.separated(", ");
            for id in ids {
                list.push_bind(codec::id_to_db(*id));
            }
            qb.push(tail);
            qb
        }

        /// Loads the transfers among `ids` (sorted), their pending statuses and failure marks.
        async fn load_transfers(
            tx: &mut sqlx::Transaction<'_, $db>,
            ids: &[TransferId],
            snap: &mut Snapshot,
        ) -> StoreResult<()> {
            for chunk in ids.chunks(IDS_PER_QUERY_MAX) {
                let mut qb = ids_query(format!(
                    "SELECT {TRANSFER_COLUMNS} FROM ledger_transfers WHERE id IN ("
                ), chunk, ")");
                for row in qb.build_query_as::<codec::TransferRow>().fetch_all(&mut **tx).await? {
                    let t = row.decode()?;
                    snap.transfers.insert(t.id, t);
                }
                let mut qb = ids_query("SELECT id, status, expires_at FROM ledger_pending WHERE id IN (", chunk, ")");
                for row in qb.build_query_as::<codec::PendingDbRow>().fetch_all(&mut **tx).await? {
                    let p = row.decode()?;
                    snap.pending.insert(p.id, p.status);
                }
                let mut qb = ids_query("SELECT id FROM ledger_failed WHERE id IN (", chunk, ")");
                for (id,) in qb.build_query_as::<(Vec<u8>,)>().fetch_all(&mut **tx).await? {
                    snap.failed.insert(codec::id(&id)?);
                }
            }
            Ok(())
        }

        /// Puts the accounts among `ids` (sorted) into `snap`: the writer's copies (validated
        /// against the batch's commit timestamp first), and the rest read from the database.
        /// They need no row lock: only a batch holding the commit-timestamp lock writes them.
        async fn load_accounts(
            tx: &mut <$db as sqlx::Database>::Connection,
            cache: &AccountCache,
            ids: &[AccountId],
            snap: &mut Snapshot,
        ) -> StoreResult<()> {
            let missing = cache.fill(ids, snap);
            for chunk in missing.chunks(IDS_PER_QUERY_MAX) {
                let mut qb = ids_query(format!("{ACCOUNT_SELECT} WHERE a.id IN ("), chunk, ") ORDER BY a.id");
                for row in qb.build_query_as::<codec::AccountRow>().fetch_all(&mut *tx).await? {
                    let a = row.decode()?;
                    snap.accounts.insert(a.id, a);
                }
            }
            Ok(())
        }
    };
}

mod sqlite_backend {
    use super::*;
    ledger_backend!(
        /// The ledger on SQLite (the embedded default). One writer at a time by construction:
        /// `BEGIN IMMEDIATE` takes the database's write lock before the prefetch.
        SqliteLedger,
        sqlx::Sqlite,
        sqlx::SqlitePool,
        "BEGIN IMMEDIATE",
        "",
        crate::SqliteStore::PARAMS
    );

    /// Reads the commit timestamp and what the batch `flat` names: its transfers with their
    /// pending statuses and failure marks in one statement (each round trip is a hand-off to
    /// the connection's thread and back), then the accounts of those and of its own events
    /// that the writer has no copy of. With `begin`, the first statement's request starts with
    /// `BEGIN IMMEDIATE` (one round trip fewer); otherwise the caller's `BEGIN IMMEDIATE`
    /// already holds the write lock.
    async fn prefetch(
        tx: &mut sqlx::SqliteConnection,
        flat: &[Transfer],
        cache: &mut AccountCache,
        begin: bool,
    ) -> StoreResult<Snapshot> {
        use sqlx::Row as _;
        let ids = exec::prefetch_transfer_ids(flat);
        let mut snap = Snapshot::default();
        let mut commit_timestamp = None;
        let mut rest = ids.as_slice();
        let mut first = true;
        while first || !rest.is_empty() {
            let (chunk, tail) = rest.split_at(rest.len().min(IDS_PER_QUERY_MAX));
            let mut sql = lookup_sql(chunk.len(), first);
            if first && begin {
                sql.insert_str(0, "BEGIN IMMEDIATE; ");
            }
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(codec::id_to_db(*id));
            }
            for row in query.fetch_all(&mut *tx).await? {
                match row.try_get::<i64, _>(0)? {
                    LOOKUP_TRANSFER => {
                        let t =
                            <codec::TransferRow as sqlx::FromRow<_>>::from_row(&row)?.decode()?;
                        snap.transfers.insert(t.id, t);
                    }
                    LOOKUP_PENDING => {
                        let p = codec::PendingDbRow {
                            id: row.try_get(1)?,
                            status: row.try_get(4)?,
                            expires_at: row.try_get(7)?,
                        }
                        .decode()?;
                        snap.pending.insert(p.id, p.status);
                    }
                    LOOKUP_FAILED => {
                        snap.failed
                            .insert(codec::id(&row.try_get::<Vec<u8>, _>(1)?)?);
                    }
                    LOOKUP_META => commit_timestamp = Some(codec::u64_from_db(row.try_get(13)?)?),
                    kind => {
                        return Err(StoreError::new(
                            StoreErrorKind::Internal,
                            format!("the ledger lookup returned a row of unknown kind {kind}"),
                        ));
                    }
                }
            }
            first = false;
            rest = tail;
        }
        snap.commit_timestamp = commit_timestamp.ok_or_else(|| {
            StoreError::new(StoreErrorKind::Internal, "the ledger_meta row is missing")
        })?;
        cache.validate(snap.commit_timestamp);
        let prefetched: Vec<Transfer> = snap.transfers.values().copied().collect();
        let account_ids = exec::prefetch_account_ids(flat, &prefetched);
        load_accounts(tx, cache, &account_ids, &mut snap).await?;
        Ok(snap)
    }

    const LOOKUP_TRANSFER: i64 = 0;
    const LOOKUP_PENDING: i64 = 1;
    const LOOKUP_FAILED: i64 = 2;
    const LOOKUP_META: i64 = 3;

    /// One statement that reads `n` transfer ids (bound once each as `?1`…`?n`, used in three
    /// lists) from the transfers, the pending statuses and the failure marks, and with `meta`
    /// the commit timestamp. Column 0 says what a row is; the others follow the transfer
    /// columns (a pending row's status is in column 4 and its expiry in 7, the timestamp in 13).
    fn lookup_sql(n: usize, meta: bool) -> String {
        let list = (1..=n)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut parts = Vec::with_capacity(4);
        if n > 0 {
            parts.push(format!(
                "SELECT {LOOKUP_TRANSFER} AS kind, {TRANSFER_COLUMNS} FROM ledger_transfers WHERE id IN ({list})"
            ));
            parts.push(format!(
                "SELECT {LOOKUP_PENDING}, id, NULL, NULL, status, NULL, NULL, expires_at, NULL, NULL, \
                 NULL, NULL, NULL, NULL FROM ledger_pending WHERE id IN ({list})"
            ));
            parts.push(format!(
                "SELECT {LOOKUP_FAILED}, id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
                 NULL, NULL, NULL FROM ledger_failed WHERE id IN ({list})"
            ));
        }
        if meta {
            parts.push(format!(
                "SELECT {LOOKUP_META}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
                 NULL, NULL, commit_timestamp FROM ledger_meta WHERE id = 1"
            ));
        }
        parts.join(" UNION ALL ")
    }

    /// Writes a batch's rows (the single writer per process guarantees that the `old`
    /// values are the stored ones) as one multi-statement request: one hand-off to the
    /// connection's thread instead of one per table. Each table's rows go in one statement
    /// whose row count is rounded up to a power of two with rows of NULLs that the statement
    /// skips (`SELECT * FROM (VALUES …) WHERE column1 IS NOT NULL`), so a request comes in few
    /// shapes and each is prepared once per connection instead of parsed for every batch.
    /// With `commit`, the same request ends with `COMMIT`.
    async fn apply(
        tx: &mut sqlx::SqliteConnection,
        w: &::ledger::Writes,
        commit: bool,
    ) -> StoreResult<()> {
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new("");
        let (inserts, flagged) = account_rows(w);
        for chunk in inserts.chunks(ROWS_PER_STATEMENT_MAX) {
            push_padded(
                &mut qb,
                &format!("ledger_accounts ({ACCOUNT_COLUMNS})"),
                8,
                chunk,
                |b, a| {
                    b.push_bind(codec::id_to_db(a.id))
                        .push_bind(codec::id_to_db(a.user_data_128))
                        .push_bind(codec::bits_to_db(a.user_data_64))
                        .push_bind(i64::from(a.user_data_32))
                        .push_bind(i64::from(a.ledger))
                        .push_bind(i64::from(a.code))
                        .push_bind(i64::from(a.flags.0))
                        .push_bind(codec::u64_to_db(a.timestamp));
                },
                "",
            );
        }
        // Closing and reopening change flags: rare, so one statement per account.
        for a in flagged {
            qb.push("UPDATE ledger_accounts SET flags = ")
                .push_bind(i64::from(a.flags.0))
                .push(" WHERE id = ")
                .push_bind(codec::id_to_db(a.id))
                .push("; ");
        }
        for chunk in w.balances.chunks(ROWS_PER_STATEMENT_MAX) {
            push_padded(
                &mut qb,
                &format!("ledger_balances ({BALANCE_COLUMNS})"),
                6,
                chunk,
                |b, h| {
                    b.push_bind(codec::id_to_db(h.account_id))
                        .push_bind(codec::u64_to_db(h.timestamp))
                        .push_bind(codec::u64_to_db(h.debits_pending))
                        .push_bind(codec::u64_to_db(h.debits_posted))
                        .push_bind(codec::u64_to_db(h.credits_pending))
                        .push_bind(codec::u64_to_db(h.credits_posted));
                },
                "",
            );
        }
        for chunk in w.transfers.chunks(ROWS_PER_STATEMENT_MAX) {
            push_padded(
                &mut qb,
                &format!("ledger_transfers ({TRANSFER_COLUMNS})"),
                13,
                chunk,
                |b, t| {
                    b.push_bind(codec::id_to_db(t.id))
                        .push_bind(codec::id_to_db(t.debit_account_id))
                        .push_bind(codec::id_to_db(t.credit_account_id))
                        .push_bind(codec::u64_to_db(t.amount))
                        .push_bind(codec::id_to_db(t.pending_id))
                        .push_bind(codec::id_to_db(t.user_data_128))
                        .push_bind(codec::bits_to_db(t.user_data_64))
                        .push_bind(i64::from(t.user_data_32))
                        .push_bind(i64::from(t.timeout))
                        .push_bind(i64::from(t.ledger))
                        .push_bind(i64::from(t.code))
                        .push_bind(i64::from(t.flags.0))
                        .push_bind(codec::u64_to_db(t.timestamp));
                },
                "",
            );
        }
        for chunk in w.pending.chunks(ROWS_PER_STATEMENT_MAX) {
            push_padded(
                &mut qb,
                "ledger_pending (id, status, expires_at)",
                3,
                chunk,
                |b, p| {
                    b.push_bind(codec::id_to_db(p.new.id))
                        .push_bind(codec::status_to_db(p.new.status))
                        .push_bind(p.new.expires_at.map(codec::u64_to_db));
                },
                PENDING_UPSERT,
            );
        }
        for chunk in w.failed.chunks(ROWS_PER_STATEMENT_MAX) {
            push_padded(
                &mut qb,
                "ledger_failed (id, result, ts)",
                3,
                chunk,
                |b, f| {
                    b.push_bind(codec::id_to_db(f.id))
                        .push_bind(f.result.name())
                        .push_bind(codec::u64_to_db(f.timestamp));
                },
                "",
            );
        }
        qb.push("UPDATE ledger_meta SET commit_timestamp = ")
            .push_bind(codec::u64_to_db(w.commit_timestamp))
            .push(" WHERE id = 1; ");
        if commit {
            qb.push("COMMIT");
        }
        qb.build().execute(&mut *tx).await?;
        Ok(())
    }

    /// Rows in a statement that writes `n` rows: `n` rounded up to a power of two, at most
    /// [`ROWS_PER_STATEMENT_MAX`] (which every chunk respects).
    fn padded_rows(n: usize) -> usize {
        n.next_power_of_two().min(ROWS_PER_STATEMENT_MAX).max(n)
    }

    /// Appends `INSERT INTO {target} SELECT * FROM (VALUES …) WHERE column1 IS NOT NULL{tail}; `
    /// with `rows` (each pushed by `push_row` as `columns` binds) and then rows of NULLs up to
    /// [`padded_rows`]. Every table's first column is a non-null key.
    fn push_padded<'a, T>(
        qb: &mut sqlx::QueryBuilder<'a, sqlx::Sqlite>,
        target: &str,
        columns: usize,
        rows: &[T],
        push_row: impl Fn(&mut sqlx::query_builder::Separated<'_, 'a, sqlx::Sqlite, &'static str>, &T),
        tail: &str,
    ) {
        let padding = padded_rows(rows.len()) - rows.len();
        qb.push(format!("INSERT INTO {target} SELECT * FROM ("));
        qb.push_values(
            rows.iter()
                .map(Some)
                .chain(std::iter::repeat_n(None, padding)),
            |mut b, row| match row {
                Some(row) => push_row(&mut b, row),
                None => {
                    for _ in 0..columns {
                        b.push_bind(None::<i64>);
                    }
                }
            },
        );
        qb.push(") WHERE column1 IS NOT NULL");
        qb.push(tail);
        qb.push("; ");
    }
    #[cfg(test)]
    mod tests {
        use ledger::LedgerStore as _;
        use ledger::chart::{AccountKind, TransferKind};

        use crate::testing::bet_row;

        /// A database file's ledger writes through its own synchronous connection, which
        /// survives a failed batch (its transaction rolled back) and goes on committing.
        #[tokio::test]
        async fn a_file_ledger_writes_through_its_own_connection() {
            let dir = std::env::temp_dir().join(format!("playhouse-direct-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let url = format!("sqlite://{}/ledger.db", dir.display());
            let store = crate::SqliteStore::connect(&url).await.expect("store");
            let ledger = store.ledger();
            let accounts = [
                AccountKind::House.account(1, 1),
                AccountKind::Issuance.account(2, 1),
            ];
            ledger
                .create_accounts(&accounts, 1)
                .await
                .expect("accounts");
            {
                let w = ledger.writer.lock().await;
                let direct = w
                    .direct
                    .as_ref()
                    .expect("a file gets the direct connection");
                assert!(w.conn.is_none(), "and no sqlx connection");
                assert_eq!(
                    direct.pragma("cache_size"),
                    -1024,
                    "the writer's small cache"
                );
                assert_eq!(
                    direct.pragma("cache_spill"),
                    0,
                    "which never spills a batch"
                );
                assert_eq!(direct.pragma("synchronous"), 1, "NORMAL: the syncer syncs");
            }
            assert!(ledger.needs_sync(), "WAL commits wait for the log's sync");
            let bet = [TransferKind::Bet.transfer(10, 2, 1, 5, 1)];
            let err = ledger
                .commit_batch_deferred(&[&bet], 2, |_| vec![bet_row(1, 1), bet_row(1, 1)])
                .await
                .expect_err("the second row repeats the first's id");
            assert!(err.is_conflict(), "{err}");
            {
                let w = ledger.writer.lock().await;
                assert!(
                    w.direct
                        .as_ref()
                        .is_some_and(super::direct::Direct::is_clean),
                    "kept"
                );
                assert!(w.accounts.as_of.is_none(), "the copies are dropped");
            }
            assert!(
                ledger
                    .lookup_transfers(&[10])
                    .await
                    .expect("lookup")
                    .is_empty()
            );
            let done = ledger
                .commit_batch(&[&bet], 3, |_| vec![bet_row(1, 1)])
                .await
                .expect("the same batch with one row");
            assert!(done.results[0][0].is_success(), "{:?}", done.results);
            assert_eq!(
                ledger.lookup_transfers(&[10]).await.expect("lookup").len(),
                1
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

mod postgres_backend {
    use super::*;
    ledger_backend!(
        /// The ledger on PostgreSQL. The commit-timestamp row, locked `FOR UPDATE` by every
        /// batch, keeps several server processes correct on one database.
        PgLedger,
        sqlx::Postgres,
        sqlx::PgPool,
        "BEGIN",
        " FOR UPDATE",
        crate::PgStore::PARAMS
    );

    /// Locks the commit timestamp and reads what the batch `flat` names in one request: its
    /// transfers (`transfer_ids`) with their pending statuses and failure marks, and the
    /// accounts its own events name that the writer has no copy of. The accounts of pending
    /// transfers it posts or voids, and the rest of its own if the locked timestamp shows the
    /// copies are stale, follow in a second request, only when there are any. Each statement reads what was
    /// committed when it starts (read committed), so every read sees the previous batch, whose
    /// commit the lock waited for. With `begin`, the request opens the transaction itself.
    async fn prefetch(
        tx: &mut sqlx::PgConnection,
        flat: &[Transfer],
        cache: &mut AccountCache,
        begin: bool,
    ) -> StoreResult<Snapshot> {
        let transfer_ids = exec::prefetch_transfer_ids(flat);
        use sqlx::{FromRow as _, Row as _};
        let named = exec::prefetch_account_ids(flat, &[]);
        // Optimistically, only the accounts without a copy: the lock's timestamp, read in the
        // same request, tells whether the copies are still exact (if not, the rest follow).
        let asked = cache.missing(&named);
        let mut sql = literal::prefetch(&transfer_ids, &asked);
        if begin {
            sql.insert_str(0, "BEGIN;\n");
        }
        let mut snap = Snapshot::default();
        let mut commit_timestamp = None;
        // The result sets arrive in statement order; each has its own shape.
        for row in sqlx::Executor::fetch_all(&mut *tx, sqlx::raw_sql(&sql)).await? {
            match (row.len(), row.columns().first().map(sqlx::Column::name)) {
                (1, Some("commit_timestamp")) => {
                    let (ts,) = <(i64,)>::from_row(&row)?;
                    commit_timestamp = Some(codec::u64_from_db(ts)?);
                }
                (13, _) => {
                    let t = codec::TransferRow::from_row(&row)?.decode()?;
                    snap.transfers.insert(t.id, t);
                }
                (3, _) => {
                    let p = codec::PendingDbRow::from_row(&row)?.decode()?;
                    snap.pending.insert(p.id, p.status);
                }
                (1, Some("id")) => {
                    let (id,) = <(Vec<u8>,)>::from_row(&row)?;
                    snap.failed.insert(codec::id(&id)?);
                }
                (12, _) => {
                    let a = codec::AccountRow::from_row(&row)?.decode()?;
                    snap.accounts.insert(a.id, a);
                }
                (columns, _) => {
                    return Err(StoreError::new(
                        StoreErrorKind::Internal,
                        format!(
                            "the ledger prefetch returned an unexpected row of {columns} columns"
                        ),
                    ));
                }
            }
        }
        snap.commit_timestamp = commit_timestamp.ok_or_else(|| {
            StoreError::new(StoreErrorKind::Internal, "the ledger_meta row is missing")
        })?;
        cache.validate(snap.commit_timestamp);
        let prefetched: Vec<Transfer> = snap.transfers.values().copied().collect();
        let not_asked: Vec<AccountId> = exec::prefetch_account_ids(flat, &prefetched)
            .into_iter()
            .filter(|id| asked.binary_search(id).is_err())
            .collect();
        load_accounts(tx, cache, &not_asked, &mut snap).await?;
        Ok(snap)
    }

    /// One column of `rows`, as an array to bind.
    fn column<T, U>(rows: &[T], value: impl Fn(&T) -> U) -> Vec<U> {
        rows.iter().map(value).collect()
    }

    /// Writes a batch's rows with one statement per table, each taking its rows as arrays
    /// (`UNNEST`): one statement text whatever the batch size, so the server plans it once per
    /// connection, and the values travel in binary, with nothing to parse. With `commit`, a
    /// `COMMIT` follows.
    async fn apply(
        tx: &mut sqlx::PgConnection,
        w: &::ledger::Writes,
        commit: bool,
    ) -> StoreResult<()> {
        let (inserts, flagged) = account_rows(w);
        if !inserts.is_empty() {
            let a = &inserts;
            sqlx::query(
                "INSERT INTO ledger_accounts (id, user_data_128, user_data_64, user_data_32, ledger, \
                 code, flags, ts) \
                 SELECT * FROM UNNEST($1::bytea[], $2::bytea[], $3::int8[], $4::int8[], $5::int8[], \
                 $6::int8[], $7::int8[], $8::int8[])",
            )
            .bind(column(a, |a| codec::id_to_db(a.id)))
            .bind(column(a, |a| codec::id_to_db(a.user_data_128)))
            .bind(column(a, |a| codec::bits_to_db(a.user_data_64)))
            .bind(column(a, |a| i64::from(a.user_data_32)))
            .bind(column(a, |a| i64::from(a.ledger)))
            .bind(column(a, |a| i64::from(a.code)))
            .bind(column(a, |a| i64::from(a.flags.0)))
            .bind(column(a, |a| codec::u64_to_db(a.timestamp)))
            .execute(&mut *tx)
            .await?;
        }
        if !flagged.is_empty() {
            let a = &flagged;
            sqlx::query(
                "UPDATE ledger_accounts AS a SET flags = u.flags \
                 FROM UNNEST($1::bytea[], $2::int8[]) AS u(id, flags) WHERE a.id = u.id",
            )
            .bind(column(a, |a| codec::id_to_db(a.id)))
            .bind(column(a, |a| i64::from(a.flags.0)))
            .execute(&mut *tx)
            .await?;
        }
        if !w.balances.is_empty() {
            let h = &w.balances;
            sqlx::query(
                "INSERT INTO ledger_balances (account_id, ts, debits_pending, debits_posted, \
                 credits_pending, credits_posted) \
                 SELECT * FROM UNNEST($1::bytea[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::int8[])",
            )
            .bind(column(h, |h| codec::id_to_db(h.account_id)))
            .bind(column(h, |h| codec::u64_to_db(h.timestamp)))
            .bind(column(h, |h| codec::u64_to_db(h.debits_pending)))
            .bind(column(h, |h| codec::u64_to_db(h.debits_posted)))
            .bind(column(h, |h| codec::u64_to_db(h.credits_pending)))
            .bind(column(h, |h| codec::u64_to_db(h.credits_posted)))
            .execute(&mut *tx)
            .await?;
        }
        if !w.transfers.is_empty() {
            let t = &w.transfers;
            sqlx::query(
                "INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, \
                 pending_id, user_data_128, user_data_64, user_data_32, timeout, ledger, code, flags, ts) \
                 SELECT * FROM UNNEST($1::bytea[], $2::bytea[], $3::bytea[], $4::int8[], $5::bytea[], \
                 $6::bytea[], $7::int8[], $8::int8[], $9::int8[], $10::int8[], $11::int8[], $12::int8[], $13::int8[])",
            )
            .bind(column(t, |t| codec::id_to_db(t.id)))
            .bind(column(t, |t| codec::id_to_db(t.debit_account_id)))
            .bind(column(t, |t| codec::id_to_db(t.credit_account_id)))
            .bind(column(t, |t| codec::u64_to_db(t.amount)))
            .bind(column(t, |t| codec::id_to_db(t.pending_id)))
            .bind(column(t, |t| codec::id_to_db(t.user_data_128)))
            .bind(column(t, |t| codec::bits_to_db(t.user_data_64)))
            .bind(column(t, |t| i64::from(t.user_data_32)))
            .bind(column(t, |t| i64::from(t.timeout)))
            .bind(column(t, |t| i64::from(t.ledger)))
            .bind(column(t, |t| i64::from(t.code)))
            .bind(column(t, |t| i64::from(t.flags.0)))
            .bind(column(t, |t| codec::u64_to_db(t.timestamp)))
            .execute(&mut *tx)
            .await?;
        }
        if !w.pending.is_empty() {
            let p = &w.pending;
            sqlx::query(
                "INSERT INTO ledger_pending (id, status, expires_at) \
                 SELECT * FROM UNNEST($1::bytea[], $2::int8[], $3::int8[]) \
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status, expires_at = excluded.expires_at",
            )
            .bind(column(p, |p| codec::id_to_db(p.new.id)))
            .bind(column(p, |p| codec::status_to_db(p.new.status)))
            .bind(column(p, |p| p.new.expires_at.map(codec::u64_to_db)))
            .execute(&mut *tx)
            .await?;
        }
        if !w.failed.is_empty() {
            let f = &w.failed;
            sqlx::query(
                "INSERT INTO ledger_failed (id, result, ts) \
                 SELECT * FROM UNNEST($1::bytea[], $2::text[], $3::int8[])",
            )
            .bind(column(f, |f| codec::id_to_db(f.id)))
            .bind(column(f, |f| f.result.name()))
            .bind(column(f, |f| codec::u64_to_db(f.timestamp)))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE ledger_meta SET commit_timestamp = $1 WHERE id = 1")
            .bind(codec::u64_to_db(w.commit_timestamp))
            .execute(&mut *tx)
            .await?;
        if commit {
            sqlx::query("COMMIT").execute(&mut *tx).await?;
        }
        Ok(())
    }
}

/// What a backend's `prepare_writer` returns: the log file [`SqliteLedger::sync`] flushes (if
/// commits defer their flush), and the synchronous connection that replaces the sqlx one.
type WriterSetup = (Option<std::path::PathBuf>, Option<direct::Direct>);

impl SqliteLedger {
    /// Sets up the writer for the database file `conn` is connected to: its own synchronous
    /// connection ([`direct`]), whose commits in WAL mode skip the `fsync`
    /// (`synchronous=NORMAL`), and the log file [`Self::sync`] then flushes before any request
    /// learns its batch committed. A database without a file keeps the sqlx connection.
    async fn prepare_writer(conn: &mut sqlx::SqliteConnection) -> StoreResult<WriterSetup> {
        let (file,): (String,) =
            sqlx::query_as("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .fetch_one(&mut *conn)
                .await?;
        if file.is_empty() {
            return Ok((None, None));
        }
        let (direct, wal) = direct::blocking(|| direct::Direct::open(std::path::Path::new(&file)))?;
        Ok((wal, Some(direct)))
    }
}

impl PgLedger {
    /// PostgreSQL commits are durable on their own (`synchronous_commit` as configured).
    async fn prepare_writer(_conn: &mut sqlx::PgConnection) -> StoreResult<WriterSetup> {
        Ok((None, None))
    }
}

pub use postgres_backend::PgLedger;

pub use sqlite_backend::SqliteLedger;

/// The ledger of whichever database the server runs on.
#[derive(Clone, Debug)]
pub enum LedgerDb {
    /// SQLite.
    Sqlite(SqliteLedger),
    /// PostgreSQL.
    Postgres(PgLedger),
}

macro_rules! dispatch {
    ($self:ident, $l:ident => $call:expr) => {
        match $self {
            LedgerDb::Sqlite($l) => $call,
            LedgerDb::Postgres($l) => $call,
        }
    };
}

/// What a committed batch returns: per-request results, and the committed values of the accounts
/// the batch changed (sorted by id).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupCommit {
    /// Results per request, in request order.
    pub results: Vec<Vec<CreateTransferResult>>,
    /// Every account the batch changed, with its value at commit, sorted by id.
    pub accounts: Vec<Account>,
}

impl LedgerDb {
    /// See [`SqliteLedger::create_transfers_grouped`].
    pub async fn create_transfers_grouped(
        &self,
        requests: &[&[Transfer]],
        now: Timestamp,
    ) -> StoreResult<Vec<Vec<CreateTransferResult>>> {
        dispatch!(self, l => l.create_transfers_grouped(requests, now).await)
    }

    /// See [`SqliteLedger::create_transfers_committed`].
    pub async fn create_transfers_committed(
        &self,
        requests: &[&[Transfer]],
        now: Timestamp,
    ) -> StoreResult<GroupCommit> {
        dispatch!(self, l => l.create_transfers_committed(requests, now).await)
    }

    /// See [`SqliteLedger::commit_batch_deferred`].
    pub async fn commit_batch_deferred<F>(
        &self,
        requests: &[&[Transfer]],
        now: Timestamp,
        bets: F,
    ) -> StoreResult<GroupCommit>
    where
        F: FnOnce(&GroupCommit) -> Vec<crate::games::BetRecord> + Send,
    {
        dispatch!(self, l => l.commit_batch_deferred(requests, now, bets).await)
    }

    /// See [`SqliteLedger::reset_writer`].
    pub async fn reset_writer(&self) {
        dispatch!(self, l => l.reset_writer().await)
    }

    /// See [`SqliteLedger::needs_sync`].
    pub fn needs_sync(&self) -> bool {
        dispatch!(self, l => l.needs_sync())
    }

    /// See [`SqliteLedger::sync`].
    pub async fn sync(&self) -> StoreResult<()> {
        dispatch!(self, l => l.sync().await)
    }

    /// See [`SqliteLedger::sync_blocking`].
    pub fn sync_blocking(&self) -> StoreResult<()> {
        dispatch!(self, l => l.sync_blocking())
    }
}

impl LedgerStore for LedgerDb {
    type Error = StoreError;

    async fn create_accounts(
        &self,
        batch: &[Account],
        now: Timestamp,
    ) -> StoreResult<Vec<CreateAccountResult>> {
        dispatch!(self, l => l.create_accounts(batch, now).await)
    }

    async fn create_transfers(
        &self,
        batch: &[Transfer],
        now: Timestamp,
    ) -> StoreResult<Vec<CreateTransferResult>> {
        dispatch!(self, l => l.create_transfers(batch, now).await)
    }

    async fn expire_pending(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<TransferId>> {
        dispatch!(self, l => l.expire_pending(now, limit).await)
    }

    async fn lookup_accounts(&self, ids: &[AccountId]) -> StoreResult<Vec<Account>> {
        dispatch!(self, l => l.lookup_accounts(ids).await)
    }

    async fn lookup_transfers(&self, ids: &[TransferId]) -> StoreResult<Vec<Transfer>> {
        dispatch!(self, l => l.lookup_transfers(ids).await)
    }

    async fn account_transfers(&self, filter: AccountFilter) -> StoreResult<Page<Transfer>> {
        dispatch!(self, l => l.account_transfers(filter).await)
    }

    async fn account_history(&self, filter: AccountFilter) -> StoreResult<Page<AccountBalance>> {
        dispatch!(self, l => l.account_history(filter).await)
    }

    async fn dump(&self) -> StoreResult<LedgerDump> {
        dispatch!(self, l => l.dump().await)
    }
}

impl SqliteStore {
    /// The ledger in this database (same pool, same file).
    pub fn ledger(&self) -> SqliteLedger {
        SqliteLedger::new(self.pool.clone())
    }
}

impl PgStore {
    /// The ledger in this database (same pool, same schema).
    pub fn ledger(&self) -> PgLedger {
        PgLedger::new(self.pool.clone())
    }
}

/// A private, migrated PostgreSQL schema for a benchmark run, so it never touches `public`.
#[derive(Debug)]
pub struct PgScratch {
    /// The store whose connections use the schema.
    pub store: PgStore,
    schema: String,
    url: String,
}

impl PgScratch {
    /// Creates the schema on the server at `url` and migrates it.
    pub async fn create(url: &str) -> StoreResult<Self> {
        let store = crate::scratch::fresh_postgres(url).await?;
        let (schema,): (String,) = sqlx::query_as("SELECT current_schema()")
            .fetch_one(store.pool())
            .await?;
        Ok(Self {
            store,
            schema,
            url: url.to_owned(),
        })
    }

    /// Closes the store and drops the schema with everything in it.
    pub async fn drop_schema(self) -> StoreResult<()> {
        use sqlx::Connection;
        crate::Store::close(&self.store).await;
        let mut conn = sqlx::PgConnection::connect(&self.url).await?;
        sqlx::query(&format!(
            "DROP SCHEMA \"{}\" CASCADE",
            self.schema.replace('"', "")
        ))
        .execute(&mut conn)
        .await?;
        conn.close().await?;
        Ok(())
    }
}
