//! The PostgreSQL backend: the scale-out target (`--database-url postgres://…`).

use std::str::FromStr;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::{StoreError, StoreErrorKind, StoreResult};

/// Prepared statements kept per connection (sqlx's default is 100).
const STATEMENT_CACHE_CAPACITY: usize = 4_096;

/// PostgreSQL-backed store.
#[derive(Clone, Debug)]
pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
    /// Bind parameters of run-time built statements.
    pub(crate) const PARAMS: crate::common::Params = crate::common::Params::Numbered;

    /// Connects to the database a `postgres://` URL names and applies migrations.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let opts = PgConnectOptions::from_str(url).map_err(|e| {
            StoreError::new(StoreErrorKind::Internal, format!("bad postgres url: {e}"))
        })?;
        Self::connect_with(opts).await
    }

    /// Connects with explicit options (tests use a private `search_path` schema).
    pub async fn connect_with(opts: PgConnectOptions) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            // The ledger writer's multi-row statements come in one shape per batch size; a
            // large cache keeps each shape prepared once instead of re-parsing it per batch.
            .connect_with(opts.statement_cache_capacity(STATEMENT_CACHE_CAPACITY))
            .await?;
        let store = Self { pool };
        crate::Store::migrate(&store).await?;
        Ok(store)
    }

    /// The underlying pool, for adapters in other crates that own their own tables.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

crate::operator::impl_operator_store!(PgStore);

crate::common::impl_account_traits!(PgStore);

crate::guandan::impl_guandan_store!(PgStore);
crate::games::impl_games_store!(PgStore);

crate::events::impl_event_store!(PgStore);
crate::compete::impl_compete_store!(PgStore);

crate::common::impl_store!(PgStore, "./migrations/postgres", "postgres", Postgres);

crate::ratings::impl_rating_store!(PgStore, "BEGIN", " FOR UPDATE");
