//! The embedded SQLite backend: the default, a file under `./data/` (or in-memory for tests).

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::{StoreError, StoreErrorKind, StoreResult};

/// SQLite-backed store.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

impl SqliteStore {
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
                // A 64 MiB page cache per connection (an upper bound, not an allocation): the
                // ledger's batches touch index pages all over the file, and with the default
                // 2 MiB they spill mid-transaction and are read back from the OS.
                .pragma("cache_size", "-65536")
                // Small pages: a ledger batch dirties a few random index leaves per transfer, and
                // WAL commits write (and fsync) whole pages, so 1 KiB pages write a quarter of
                // the bytes of the default 4 KiB. Only takes effect when the file is created.
                .page_size(1024)
                // Fewer, larger checkpoints: hot pages (accounts, index interiors) are rewritten
                // in the WAL many times between two checkpoints but copied back once.
                .pragma("wal_autocheckpoint", "8192");
        }
        let pool = SqlitePoolOptions::new()
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
            .connect_with(opts)
            .await?;
        let store = Self { pool };
        crate::Store::migrate(&store).await?;
        Ok(store)
    }

    /// The underlying pool, for adapters in other crates that own their own tables.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

crate::operator::impl_operator_store!(SqliteStore);

crate::common::impl_account_traits!(SqliteStore);

crate::guandan::impl_guandan_store!(SqliteStore);
crate::games::impl_games_store!(SqliteStore);

crate::common::impl_store!(SqliteStore, "./migrations/sqlite", "sqlite", Sqlite);

crate::ratings::impl_rating_store!(SqliteStore, "BEGIN IMMEDIATE", "");
