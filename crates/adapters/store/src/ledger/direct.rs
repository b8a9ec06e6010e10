//! The SQLite ledger writer's own connection, driven synchronously on the writer's thread.
//!
//! sqlx runs each SQLite connection on a thread of its own: every request is handed to that
//! thread and its result handed back, two thread wake-ups per round trip. A ledger batch is a
//! few hundred microseconds of database work, so on a small machine those hand-offs, not the
//! work, bounded the group commit (`docs/benchmarks.md`, session 9: the process used ~115 % of
//! its 200 % of CPU while batches waited on wake-ups). This connection is opened through
//! rusqlite on the same SQLite library (one copy in the process, so one set of file locks
//! with the pool's connections) and every batch runs on the calling thread from `BEGIN
//! IMMEDIATE` to `COMMIT`: the commit timestamp, the point reads of what the batch names, the
//! executor, one prepared insert per row, all without leaving the thread. The pipeline's writer
//! has a thread of its own for this (`wallet::pipeline`); see [`blocking`] for others.
//!
//! Only database files get one; an in-memory database lives in its pool's one connection and
//! keeps the sqlx path of `sqlite_backend`.

use std::path::{Path, PathBuf};

use ledger::exec::{self, Snapshot};
use ledger::{
    Account, AccountId, CreateAccountResult, PendingRow, Timestamp, Transfer, TransferFlags,
    TransferId, Writes,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::{
    ACCOUNT_COLUMNS, ACCOUNT_SELECT, AccountCache, BALANCE_COLUMNS, GroupCommit, PENDING_UPSERT,
    TRANSFER_COLUMNS, account_rows, codec,
};
use crate::games::BetRecord;
use crate::{StoreError, StoreErrorKind, StoreResult};

/// Prepared statements kept per connection: every statement here has one shape.
const STATEMENT_CACHE: usize = 64;

/// The writer's page cache, in KiB (`PRAGMA cache_size` takes negative values as KiB): 1 MiB
/// instead of the 8 MiB of the pool's connections (`sqlite::FILE_PRAGMAS`). When a B-tree split
/// swaps two new pages, SQLite parks one of them under the pending-byte page number, and the
/// commit after it drops every page beyond the end of the file by walking the whole cache's hash
/// table, so that walk grows with the cache. The writer splits leaves all the time (balance rows
/// go in at each account's end, in the middle of the tree): with 8 MiB the walk was its largest
/// single cost (7 % of the process's samples in `bench ledger`), with 1 MiB it is gone from the
/// profile and the bench ran 0–13 % faster (`docs/benchmarks.md`, session 11). Clean pages it no
/// longer keeps come back from the memory map or the log's file cache.
const WRITER_CACHE_KIB: i64 = 1024;

/// The writer's connection to one database file.
#[derive(Debug)]
pub(crate) struct Direct {
    conn: Connection,
}

/// Runs `f`, a call that blocks on the database, from async code: on a multi-threaded tokio
/// runtime through `block_in_place` (the worker's other tasks move to another thread while it
/// waits), elsewhere (the pipeline writer's own single-threaded runtime, a current-thread
/// test runtime) directly.
pub(crate) fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

impl Direct {
    /// Opens the database file at `path` (already migrated by the pool). In WAL mode commits
    /// skip the `fsync` (`synchronous=NORMAL`) and the returned log file must be synced before
    /// a batch counts as durable (`SqliteLedger::sync`); otherwise every commit syncs itself.
    pub(crate) fn open(path: &Path) -> StoreResult<(Self, Option<PathBuf>)> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_handler(Some(crate::sqlite::busy::wait))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.pragma_update(None, "foreign_keys", true)?;
        for (name, value) in crate::sqlite::FILE_PRAGMAS {
            // `pragma_update` reads back the rows some of these return (`mmap_size`).
            conn.query_row(&format!("PRAGMA {name} = {value}"), [], |_| Ok(()))
                .optional()?;
        }
        conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
        // A batch keeps every page it dirties until its commit, however many: a large batch
        // (thousands of transfers) would otherwise outgrow the small cache above and write pages
        // to the log mid-transaction, some of them twice. The cache shrinks back afterwards.
        conn.pragma_update(None, "cache_spill", false)?;
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            conn.pragma_update(None, "synchronous", "FULL")?;
            return Ok((Self { conn }, None));
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let file: String = conn.query_row(
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
            [],
            |r| r.get(0),
        )?;
        Ok((Self { conn }, Some(PathBuf::from(format!("{file}-wal")))))
    }

    /// The value of `PRAGMA {name}` on this connection.
    #[cfg(test)]
    pub(crate) fn pragma(&self, name: &str) -> i64 {
        self.conn
            .pragma_query_value(None, name, |r| r.get(0))
            .expect("pragma")
    }

    /// Whether the connection is still usable after a failed call: a failure rolls its
    /// transaction back, unless the rollback itself failed.
    pub(crate) fn is_clean(&self) -> bool {
        self.conn.is_autocommit()
    }

    /// One group-commit batch (see `SqliteLedger::commit_batch_deferred`): `flat` is
    /// `requests` concatenated. Nothing is committed unless everything, bet rows included, is.
    pub(crate) fn commit_batch(
        &mut self,
        cache: &mut AccountCache,
        requests: &[&[Transfer]],
        flat: &[Transfer],
        now: Timestamp,
        bets: impl FnOnce(&GroupCommit) -> Vec<BetRecord>,
    ) -> StoreResult<GroupCommit> {
        let (tx, mut snap) = begin(&mut self.conn, cache)?;
        load_transfers(&tx, &exec::prefetch_transfer_ids(flat), &mut snap)?;
        let prefetched: Vec<Transfer> = snap.transfers.values().copied().collect();
        load_accounts(
            &tx,
            cache,
            &exec::prefetch_account_ids(flat, &prefetched),
            &mut snap,
        )?;
        let outcome = exec::create_transfers_grouped(&snap, requests, now)?;
        let committed = GroupCommit {
            results: outcome.results,
            accounts: outcome.writes.accounts.iter().map(|w| w.new).collect(),
        };
        finish(tx, cache, &snap, &outcome.writes, &bets(&committed))?;
        Ok(committed)
    }

    /// Creates accounts in one transaction.
    pub(crate) fn create_accounts(
        &mut self,
        cache: &mut AccountCache,
        batch: &[Account],
        now: Timestamp,
    ) -> StoreResult<Vec<CreateAccountResult>> {
        let (tx, mut snap) = begin(&mut self.conn, cache)?;
        let mut ids: Vec<AccountId> = batch.iter().map(|a| a.id).collect();
        ids.sort_unstable();
        ids.dedup();
        load_accounts(&tx, cache, &ids, &mut snap)?;
        let outcome = exec::create_accounts(&snap, batch, now)?;
        finish(tx, cache, &snap, &outcome.writes, &[])?;
        Ok(outcome.results)
    }

    /// Expires up to `limit` pending transfers whose timeout passed by `now`, oldest first.
    pub(crate) fn expire(
        &mut self,
        cache: &mut AccountCache,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<TransferId>> {
        let (tx, mut snap) = begin(&mut self.conn, cache)?;
        let candidates = {
            let mut stmt = tx.prepare_cached(
                "SELECT p.id FROM ledger_pending p JOIN ledger_transfers t ON t.id = p.id \
                 WHERE p.status = 0 AND p.expires_at IS NOT NULL AND p.expires_at <= ?1 \
                 ORDER BY p.expires_at, t.ts LIMIT ?2",
            )?;
            let rows = stmt.query_map(
                params![
                    codec::ts_to_db(now),
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                |r| r.get::<_, Vec<u8>>(0),
            )?;
            let mut ids = Vec::new();
            for id in rows {
                ids.push(codec::id(&id?)?);
            }
            ids
        };
        let mut sorted = candidates.clone();
        sorted.sort_unstable();
        load_transfers(&tx, &sorted, &mut snap)?;
        let prefetched: Vec<Transfer> = snap.transfers.values().copied().collect();
        load_accounts(
            &tx,
            cache,
            &exec::prefetch_account_ids(&[], &prefetched),
            &mut snap,
        )?;
        snap.expired_candidates = candidates;
        let outcome = exec::expire_pending(&snap, now, limit)?;
        finish(tx, cache, &snap, &outcome.writes, &[])?;
        Ok(outcome.expired)
    }
}

/// Opens a batch's transaction (`BEGIN IMMEDIATE`: the write lock before any read) and starts
/// its snapshot at the stored commit timestamp, keeping the writer's copies only if that is the
/// timestamp of its own last batch. Dropping the transaction rolls it back.
fn begin<'c>(
    conn: &'c mut Connection,
    cache: &mut AccountCache,
) -> StoreResult<(rusqlite::Transaction<'c>, Snapshot)> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let snap = Snapshot {
        commit_timestamp: commit_timestamp(&tx)?,
        ..Snapshot::default()
    };
    cache.validate(snap.commit_timestamp);
    Ok((tx, snap))
}

/// Writes a batch's rows and its bet rows, commits, and keeps the accounts it read and wrote as
/// the writer's copies.
fn finish(
    tx: rusqlite::Transaction<'_>,
    cache: &mut AccountCache,
    snap: &Snapshot,
    writes: &Writes,
    bets: &[BetRecord],
) -> StoreResult<()> {
    apply(&tx, writes)?;
    insert_bets(&tx, bets)?;
    tx.commit()?;
    cache.committed(snap, writes);
    Ok(())
}

fn commit_timestamp(conn: &Connection) -> StoreResult<Timestamp> {
    let ts: i64 = conn
        .prepare_cached("SELECT commit_timestamp FROM ledger_meta WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?
        .ok_or_else(|| {
            StoreError::new(StoreErrorKind::Internal, "the ledger_meta row is missing")
        })?;
    codec::u64_from_db(ts)
}

/// Loads the transfers among `ids` (sorted, so the lookups walk each index in order), their
/// pending statuses and failure marks, by point lookups on prepared statements: a pending
/// status only for a transfer with the `pending` flag (only those have one), and a failure mark
/// only for an id without a transfer (the executor looks at failure marks only for those, and
/// a failed id never gets a transfer). A new id thus costs two lookups, not three.
fn load_transfers(conn: &Connection, ids: &[TransferId], snap: &mut Snapshot) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut transfers = conn.prepare_cached(&SQL.transfer)?;
    let mut pending =
        conn.prepare_cached("SELECT status, expires_at FROM ledger_pending WHERE id = ?1")?;
    let mut failed = conn.prepare_cached("SELECT 1 FROM ledger_failed WHERE id = ?1")?;
    for &id in ids {
        let key = id.to_be_bytes();
        let Some(row) = transfers.query_row([&key[..]], transfer_row).optional()? else {
            if failed
                .query_row([&key[..]], |_| Ok(()))
                .optional()?
                .is_some()
            {
                snap.failed.insert(id);
            }
            continue;
        };
        let t = row.decode()?;
        snap.transfers.insert(t.id, t);
        if !t.flags.contains(TransferFlags::PENDING) {
            continue;
        }
        let status = pending
            .query_row([&key[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((status, expires_at)) = status {
            let p: PendingRow = codec::PendingDbRow {
                id: key.to_vec(),
                status,
                expires_at,
            }
            .decode()?;
            snap.pending.insert(p.id, p.status);
        }
    }
    Ok(())
}

/// Puts the accounts among `ids` into `snap`: the writer's copies (validated against the
/// batch's commit timestamp first), and the rest read one by one.
fn load_accounts(
    conn: &Connection,
    cache: &AccountCache,
    ids: &[AccountId],
    snap: &mut Snapshot,
) -> StoreResult<()> {
    let missing = cache.fill(ids, snap);
    if missing.is_empty() {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached(&SQL.account)?;
    for id in missing {
        if let Some(row) = stmt
            .query_row([&id.to_be_bytes()[..]], account_row)
            .optional()?
        {
            let a = row.decode()?;
            snap.accounts.insert(a.id, a);
        }
    }
    Ok(())
}

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<codec::AccountRow> {
    Ok(codec::AccountRow {
        id: r.get(0)?,
        debits_pending: r.get(1)?,
        debits_posted: r.get(2)?,
        credits_pending: r.get(3)?,
        credits_posted: r.get(4)?,
        user_data_128: r.get(5)?,
        user_data_64: r.get(6)?,
        user_data_32: r.get(7)?,
        ledger: r.get(8)?,
        code: r.get(9)?,
        flags: r.get(10)?,
        ts: r.get(11)?,
    })
}

fn transfer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<codec::TransferRow> {
    Ok(codec::TransferRow {
        id: r.get(0)?,
        debit_account_id: r.get(1)?,
        credit_account_id: r.get(2)?,
        amount: r.get(3)?,
        pending_id: r.get(4)?,
        user_data_128: r.get(5)?,
        user_data_64: r.get(6)?,
        user_data_32: r.get(7)?,
        timeout: r.get(8)?,
        ledger: r.get(9)?,
        code: r.get(10)?,
        flags: r.get(11)?,
        ts: r.get(12)?,
    })
}

/// The statements whose text is built from the shared column lists, built once.
struct Statements {
    transfer: String,
    account: String,
    insert_account: String,
    insert_balance: String,
    insert_transfer: String,
    upsert_pending: String,
    insert_failed: String,
    insert_bet: String,
}

static SQL: std::sync::LazyLock<Statements> = std::sync::LazyLock::new(|| Statements {
    transfer: format!("SELECT {TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = ?1"),
    account: format!("{ACCOUNT_SELECT} WHERE a.id = ?1"),
    insert_account: insert_sql(&format!("ledger_accounts ({ACCOUNT_COLUMNS})"), 8),
    insert_balance: insert_sql(&format!("ledger_balances ({BALANCE_COLUMNS})"), 6),
    insert_transfer: insert_sql(&format!("ledger_transfers ({TRANSFER_COLUMNS})"), 13),
    upsert_pending: insert_sql("ledger_pending (id, status, expires_at)", 3) + PENDING_UPSERT,
    insert_failed: insert_sql("ledger_failed (id, result, ts)", 3),
    insert_bet: crate::games::bet_insert_sql(crate::common::Params::Anonymous, 1),
});

/// `INSERT INTO {target} VALUES (?1, …, ?{columns})`.
fn insert_sql(target: &str, columns: usize) -> String {
    let list = (1..=columns)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("INSERT INTO {target} VALUES ({list})")
}

/// Writes a batch's rows, one execution of a prepared statement per row (the single writer per
/// process guarantees that the `old` values are the stored ones).
fn apply(conn: &Connection, w: &Writes) -> StoreResult<()> {
    let (inserts, flagged) = account_rows(w);
    if !inserts.is_empty() {
        let mut stmt = conn.prepare_cached(&SQL.insert_account)?;
        for a in inserts {
            stmt.execute(params![
                &a.id.to_be_bytes()[..],
                &a.user_data_128.to_be_bytes()[..],
                codec::bits_to_db(a.user_data_64),
                i64::from(a.user_data_32),
                i64::from(a.ledger),
                i64::from(a.code),
                i64::from(a.flags.0),
                codec::u64_to_db(a.timestamp),
            ])?;
        }
    }
    if !flagged.is_empty() {
        let mut stmt =
            conn.prepare_cached("UPDATE ledger_accounts SET flags = ?1 WHERE id = ?2")?;
        for a in flagged {
            stmt.execute(params![i64::from(a.flags.0), &a.id.to_be_bytes()[..]])?;
        }
    }
    if !w.balances.is_empty() {
        let mut stmt = conn.prepare_cached(&SQL.insert_balance)?;
        for b in &w.balances {
            stmt.execute(params![
                &b.account_id.to_be_bytes()[..],
                codec::u64_to_db(b.timestamp),
                codec::u64_to_db(b.debits_pending),
                codec::u64_to_db(b.debits_posted),
                codec::u64_to_db(b.credits_pending),
                codec::u64_to_db(b.credits_posted),
            ])?;
        }
    }
    if !w.transfers.is_empty() {
        let mut stmt = conn.prepare_cached(&SQL.insert_transfer)?;
        for t in &w.transfers {
            stmt.execute(params![
                &t.id.to_be_bytes()[..],
                &t.debit_account_id.to_be_bytes()[..],
                &t.credit_account_id.to_be_bytes()[..],
                codec::u64_to_db(t.amount),
                &t.pending_id.to_be_bytes()[..],
                &t.user_data_128.to_be_bytes()[..],
                codec::bits_to_db(t.user_data_64),
                i64::from(t.user_data_32),
                i64::from(t.timeout),
                i64::from(t.ledger),
                i64::from(t.code),
                i64::from(t.flags.0),
                codec::u64_to_db(t.timestamp),
            ])?;
        }
    }
    if !w.pending.is_empty() {
        let mut stmt = conn.prepare_cached(&SQL.upsert_pending)?;
        for p in &w.pending {
            stmt.execute(params![
                &p.new.id.to_be_bytes()[..],
                codec::status_to_db(p.new.status),
                p.new.expires_at.map(codec::u64_to_db),
            ])?;
        }
    }
    if !w.failed.is_empty() {
        let mut stmt = conn.prepare_cached(&SQL.insert_failed)?;
        for f in &w.failed {
            stmt.execute(params![
                &f.id.to_be_bytes()[..],
                f.result.name(),
                codec::u64_to_db(f.timestamp),
            ])?;
        }
    }
    conn.prepare_cached("UPDATE ledger_meta SET commit_timestamp = ?1 WHERE id = 1")?
        .execute([codec::u64_to_db(w.commit_timestamp)])?;
    Ok(())
}

/// Inserts instant-game bet rows (the statement of `games::insert_bet_rows`, one row at a time).
fn insert_bets(conn: &Connection, rows: &[BetRecord]) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached(&SQL.insert_bet)?;
    for b in rows {
        stmt.execute(params![
            b.id,
            b.user_id,
            b.game,
            b.currency,
            b.amount,
            b.payout,
            b.multiplier,
            b.status,
            b.server_seed_hash,
            b.client_seed,
            b.nonce,
            b.idempotency_key,
            b.request_hash,
            b.params,
            b.outcome,
            b.round_state,
            b.response,
            b.created_at_ms,
            b.updated_at_ms,
        ])?;
    }
    Ok(())
}
