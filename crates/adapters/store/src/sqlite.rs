//! The embedded SQLite backend: the default, a file under `./data/` (or in-memory for tests).

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::{StoreError, StoreErrorKind, StoreResult};

/// Settings of every connection to a database file (the pool's, and the ledger writer's own in
/// `ledger::direct`), as `PRAGMA` name and value.
pub(crate) const FILE_PRAGMAS: [(&str, &str); 4] = [
    // An 8 MiB page cache per connection (an upper bound, not an allocation). Reads of pages
    // already in the file come from the memory map below, so the cache mostly holds pages a
    // transaction changes. Bigger is slower: when a B-tree split swaps two new pages, SQLite
    // parks one under the pending-byte page number (1 GiB / page size), and every commit after
    // that walks the whole cache to drop pages beyond the end of the file; with 64 MiB that walk
    // took ~9 % of the server's CPU under the instant-games load (`docs/benchmarks.md`, session
    // 7). The ledger writer, which splits pages in nearly every batch, sets a smaller one
    // (`ledger::direct::WRITER_CACHE_KIB`).
    ("cache_size", "-8192"),
    // No checkpoint inside a commit: the committing writer would stall for the whole copy (tens
    // of milliseconds on a busy disk) with every table waiting on it. `checkpoint::spawn` runs
    // them beside the writers instead.
    ("wal_autocheckpoint", "0"),
    // Statement journals (multi-row statements inside a transaction) and other temporary files
    // in memory rather than in files written on every batch.
    ("temp_store", "memory"),
    // Read the database file through a shared memory map. SQLite drops a connection's whole
    // page cache whenever another connection has written, so with a pool of readers beside the
    // group-commit writers every read began by re-reading the B-tree's upper pages with `pread`;
    // mapped pages are shared with the OS cache and cost no copy and no system call.
    ("mmap_size", "1073741824"),
];

/// SQLite-backed store.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

impl SqliteStore {
    /// Bind parameters of run-time built statements.
    pub(crate) const PARAMS: crate::common::Params = crate::common::Params::Anonymous;

    /// The file a `sqlite:` URL names (`None` for an in-memory database or a URL that is not one).
    pub fn file_of(url: &str) -> Option<std::path::PathBuf> {
        if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
            return None;
        }
        SqliteConnectOptions::from_str(url)
            .ok()
            .map(|o| o.get_filename().to_path_buf())
    }

    /// Opens (creating if needed) the database a `sqlite:` URL names and applies migrations.
    ///
    /// `sqlite::memory:` gives a private in-memory database (one connection, so every query sees it).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::new(StoreErrorKind::Internal, format!("bad sqlite url: {e}")))?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // The ledger writer's multi-row statements come in one shape per batch size; a large
            // cache keeps each shape prepared once (sqlx's default is 100).
            .statement_cache_capacity(4_096);
        if !memory {
            let path = opts.get_filename().to_path_buf();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::new(
                        StoreErrorKind::Unavailable,
                        format!("cannot create database directory {}: {e}", dir.display()),
                    )
                })?;
            }
            // WAL with NORMAL sync is durable against process crashes; FULL adds power-loss durability.
            opts = opts
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                // Small pages: a ledger batch dirties a few random index leaves per transfer, and
                // WAL commits write (and fsync) whole pages, so 1 KiB pages write a quarter of
                // the bytes of the default 4 KiB. Only takes effect when the file is created.
                .page_size(1024);
            for (name, value) in FILE_PRAGMAS {
                opts = opts.pragma(name, value);
            }
        }
        let pool = SqlitePoolOptions::new()
            .after_connect(|conn, _| Box::pin(async move { busy::install(conn).await }))
            .max_connections(if memory { 1 } else { 8 })
            .min_connections(if memory { 1 } else { 0 })
            // An in-memory database lives as long as its connection: never let the pool drop it.
            .idle_timeout(if memory {
                None
            } else {
                Some(Duration::from_secs(600))
            })
            .max_lifetime(if memory {
                None
            } else {
                Some(Duration::from_secs(3600))
            })
            .connect_with(opts.clone())
            .await?;
        let store = Self { pool };
        crate::Store::migrate(&store).await?;
        if !memory {
            checkpoint::spawn(store.pool.clone(), opts);
        }
        Ok(store)
    }

    /// The underlying pool, for adapters in other crates that own their own tables.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// WAL checkpoints off the commit path. Every connection has `wal_autocheckpoint = 0`; one task
/// with its own connection copies the WAL back into the database while the writers go on:
///
/// - every [`INTERVAL`], a `PASSIVE` checkpoint copies whatever frames it can without taking any
///   lock a writer waits for;
/// - once the WAL holds [`RESTART_FRAMES`] frames and nearly all are copied, a `RESTART`
///   checkpoint copies the rest and makes the next writer start the WAL from its beginning. It
///   blocks writers only for those last frames, and gives up after [`RESTART_WAIT`] if a reader
///   or a writer is in the way (tried again next time).
///
/// Passive checkpoints alone never let the WAL restart under a steady write load (a new frame
/// always arrives between the copy and the next commit), so the file would grow without bound.
/// Measured on 1,000 Guandan tables (`docs/benchmarks.md`): p99 39 ms and max 111 ms with this,
/// against p99 44 ms and max 217 ms with checkpoints inside commits.
mod checkpoint {
    use std::time::Duration;

    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions, SqlitePool};

    /// Pause between two passive checkpoints.
    const INTERVAL: Duration = Duration::from_millis(50);
    /// WAL frames (1 KiB pages) from which the WAL is restarted.
    const RESTART_FRAMES: i64 = 4_096;
    /// Frames that may still be uncopied when a restart is tried.
    const RESTART_SLACK: i64 = 256;
    /// How long a restart waits for readers and writers before giving up.
    const RESTART_WAIT: Duration = Duration::from_millis(20);

    /// Starts the checkpoint task for the database `opts` opens; it ends when `pool` is closed.
    pub(super) fn spawn(pool: SqlitePool, opts: SqliteConnectOptions) {
        let opts = opts.busy_timeout(RESTART_WAIT);
        tokio::spawn(async move {
            let mut conn = match opts.connect().await {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "sqlite checkpoint task has no connection");
                    return;
                }
            };
            while !pool.is_closed() {
                tokio::time::sleep(INTERVAL).await;
                let passive =
                    sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
                        .fetch_one(&mut conn)
                        .await;
                let (log, copied) = match passive {
                    Ok((_, log, copied)) => (log, copied),
                    Err(e) => {
                        tracing::debug!(error = %e, "passive checkpoint failed");
                        continue;
                    }
                };
                if log >= RESTART_FRAMES && copied >= log - RESTART_SLACK {
                    let restart =
                        sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(RESTART)")
                            .fetch_one(&mut conn)
                            .await;
                    tracing::trace!(?restart, log, copied, "wal restart");
                }
            }
        });
    }
}

/// A fine-grained busy handler. SQLite allows one writer at a time; every other connection that
/// wants to write waits in its busy handler. The stock handler (`busy_timeout`) sleeps 1, 2, 5,
/// 10, 15, 20, 25, … up to 100 ms between attempts, so a writer that meets a lock held for a
/// millisecond (the ledger's or the match log's group commit) routinely sleeps 10–50 ms: that, not
/// the work, dominated the tail latency of every write under load. This handler retries every
/// 50 µs for the first millisecond and every 250 µs after that, up to the same five seconds, so a
/// waiting writer gets the lock within a fraction of a millisecond of its release.
#[allow(
    unsafe_code,
    reason = "sqlite3_busy_handler is only reachable through the C API"
)]
pub(crate) mod busy {
    use std::ffi::{c_int, c_void};

    use sqlx::SqliteConnection;

    /// Attempts in the fast phase (50 µs apart: about 1 ms).
    const FAST_ATTEMPTS: c_int = 20;
    /// Attempts in all, giving up after about five seconds, like the timeout it replaces.
    const ATTEMPTS_MAX: c_int = FAST_ATTEMPTS + 20_000;

    /// The policy: after the `attempts`-th failed attempt, sleeps and returns true to try again,
    /// or returns false to give up (the statement then fails with `SQLITE_BUSY`). Also the
    /// ledger writer's own connection's handler (`ledger::direct`).
    pub(crate) fn wait(attempts: c_int) -> bool {
        if attempts >= ATTEMPTS_MAX {
            return false;
        }
        let micros = if attempts < FAST_ATTEMPTS { 50 } else { 250 };
        std::thread::sleep(std::time::Duration::from_micros(micros));
        true
    }

    extern "C" fn on_busy(_: *mut c_void, attempts: c_int) -> c_int {
        c_int::from(wait(attempts))
    }

    pub(super) async fn install(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        let mut handle = conn.lock_handle().await?;
        let db = handle.as_raw_handle().as_ptr();
        // SAFETY: `db` is this connection's open handle, locked for the duration of the call;
        // the callback is a plain function that touches no state.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_busy_handler(db, Some(on_busy), std::ptr::null_mut())
        };
        if rc == libsqlite3_sys::SQLITE_OK {
            Ok(())
        } else {
            Err(sqlx::Error::Protocol(format!(
                "sqlite3_busy_handler failed with code {rc}"
            )))
        }
    }
}

crate::operator::impl_operator_store!(SqliteStore);

crate::common::impl_account_traits!(SqliteStore);

crate::guandan::impl_guandan_store!(SqliteStore);
crate::games::impl_games_store!(SqliteStore);

crate::events::impl_event_store!(SqliteStore);
crate::compete::impl_compete_store!(SqliteStore);

crate::common::impl_store!(SqliteStore, "./migrations/sqlite", "sqlite", Sqlite);

crate::ratings::impl_rating_store!(SqliteStore, "BEGIN IMMEDIATE", "");
