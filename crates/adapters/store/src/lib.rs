//! Storage traits and their SQLite and PostgreSQL backends.
//!
//! One trait per concern, one module per backend, one conformance suite ([`conformance`]) that every
//! backend must pass. Nothing above this crate sees `sqlx` types: every failure is a [`StoreError`].

mod common;
pub mod compete;
#[cfg(any(test, feature = "testing"))]
pub mod conformance;
mod error;
pub mod events;
pub mod games;
pub mod guandan;
pub mod ledger;
mod model;
pub mod operator;
mod postgres;
pub mod ratings;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

pub use error::{StoreError, StoreErrorKind};
pub use games::{BetRecord, GamesStore, RevealedSeedRecord};
pub use guandan::{
    GuandanActionRecord, GuandanLogWrite, GuandanMatchRecord, GuandanReport, GuandanSignals,
    GuandanStore, NewGuandanMatch,
};
pub use model::{NewRefreshToken, NewUser, RefreshTokenRecord, UserRecord};
pub use operator::OperatorStore;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Result alias for every store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Accounts: users and their credentials.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts a user. A duplicate id or (normalised) email is a `Conflict`.
    async fn create_user(&self, user: &NewUser) -> StoreResult<UserRecord>;
    /// Looks a user up by id; `NotFound` when absent.
    async fn user_by_id(&self, id: i64) -> StoreResult<UserRecord>;
    /// Looks a user up by normalised email; `NotFound` when absent.
    async fn user_by_email(&self, email: &str) -> StoreResult<UserRecord>;
    /// Changes the display name; `NotFound` when the user does not exist.
    async fn set_display_name(
        &self,
        id: i64,
        display_name: &str,
        now_ms: i64,
    ) -> StoreResult<UserRecord>;
    /// Grants (`true`) or revokes the admin flag of the account with this normalised email;
    /// `NotFound` when there is none. Only the server's operator does this (`playhouse admin`).
    async fn set_admin(&self, email: &str, is_admin: bool, now_ms: i64) -> StoreResult<UserRecord>;
}

/// Rotating refresh tokens, stored only as hashes, grouped into families.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Stores a new refresh token (its hash); a duplicate hash is a `Conflict`.
    async fn insert_refresh_token(&self, token: &NewRefreshToken) -> StoreResult<()>;
    /// Looks a token up by its hash; `NotFound` when absent.
    async fn refresh_token_by_hash(&self, token_hash: &str) -> StoreResult<RefreshTokenRecord>;
    /// Marks a token as used (rotated) if, and only if, it is still fresh (neither used nor revoked).
    /// Returns `false` when another request already used or revoked it, so exactly one rotation wins.
    async fn mark_refresh_token_used(&self, token_hash: &str, now_ms: i64) -> StoreResult<bool>;
    /// Revokes every token of a family; returns how many tokens changed.
    async fn revoke_token_family(&self, family_id: &str, now_ms: i64) -> StoreResult<u64>;
    /// The families with a token revoked at or after `since_ms` (a restarted server refuses their
    /// still-live access tokens).
    async fn families_revoked_since(&self, since_ms: i64) -> StoreResult<Vec<String>>;
}

/// Key/value settings the server keeps across restarts (for example a generated signing secret).
#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// Returns the value of `key`, inserting `value` first if the key is absent (first writer wins).
    async fn get_or_insert_setting(&self, key: &str, value: &str) -> StoreResult<String>;
}

/// Everything the server needs from its database, as one object.
#[async_trait]
pub trait Store: UserStore + TokenStore + SettingsStore + GamesStore + GuandanStore {
    /// Cheap round trip proving the database answers (`GET /ready`).
    async fn ping(&self) -> StoreResult<()>;
    /// Applies pending migrations; idempotent.
    async fn migrate(&self) -> StoreResult<()>;
    /// Closes every connection (graceful shutdown); later queries fail as `Unavailable`.
    async fn close(&self);
    /// Which backend this is, for logs and `config print`.
    fn backend_name(&self) -> &'static str;
    /// The double-entry ledger kept in the same database.
    fn ledger(&self) -> crate::ledger::LedgerDb;
    /// Operators, their players and sessions, and the seamless-wallet call log and outbox.
    fn operators(&self) -> &dyn OperatorStore;
    /// Finished Guandan matches, ratings and leaderboards.
    fn ratings(&self) -> &dyn crate::ratings::RatingStore;
    /// The event outbox and the ledger tail's position.
    fn events(&self) -> &dyn crate::events::EventStore;
    /// Tournaments, leaderboards, missions and rewards.
    fn compete(&self) -> &dyn crate::compete::CompeteStore;
}

/// Opens the store a database URL names: `sqlite:…` or `postgres://…` / `postgresql://…`.
///
/// For SQLite files the parent directory is created, so the embedded default works on a fresh machine.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else {
        Err(StoreError::new(
            StoreErrorKind::Internal,
            format!("unsupported database url scheme (expected sqlite: or postgres://): {url}"),
        ))
    }
}

/// Private PostgreSQL schemas: one per test, or per `playhouse bench` run, so concurrent runs never
/// see each other's rows and never touch `public`.
pub mod scratch {
    use std::str::FromStr;
    use std::sync::atomic::{AtomicU64, Ordering};

    use sqlx::Connection;
    use sqlx::postgres::{PgConnectOptions, PgConnection};

    use crate::{PgStore, StoreResult};

    /// Creates a new empty schema on the PostgreSQL server at `url` and returns a store whose
    /// connections use it (`search_path`), so concurrent runs never see each other's rows.
    ///
    /// Schemas are named `ph_test_<unix seconds>_<pid>_<n>_<nanos>`; schemas of earlier runs older than
    /// [`SCHEMA_TTL_SECS`] are dropped here, so a shared database does not grow forever.
    pub async fn fresh_postgres(url: &str) -> StoreResult<PgStore> {
        static N: AtomicU64 = AtomicU64::new(0);
        let now_nanos = unix_nanos();
        let now_secs = u64::try_from(now_nanos / 1_000_000_000).unwrap_or(0);
        let schema = format!(
            "ph_test_{now_secs}_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            now_nanos % 1_000_000_000
        );
        let opts = PgConnectOptions::from_str(url)?;
        let mut conn = PgConnection::connect_with(&opts).await?;
        let old: Vec<(String,)> =
            sqlx::query_as("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ph\\_test\\_%'")
                .fetch_all(&mut conn)
                .await?;
        for (name,) in old {
            let born = name.split('_').nth(2).and_then(|s| s.parse::<u64>().ok());
            let safe = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if safe && born.is_some_and(|b| b + SCHEMA_TTL_SECS < now_secs) {
                // Another run may drop it at the same moment; either way it is gone.
                let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                    .execute(&mut conn)
                    .await;
            }
        }
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        PgStore::connect_with(opts.options([("search_path", schema.as_str())])).await
    }

    /// Scratch schemas older than this are dropped by later runs.
    pub const SCHEMA_TTL_SECS: u64 = 6 * 3600;

    #[allow(
        clippy::disallowed_methods,
        reason = "the wall clock only names and expires scratch schemas"
    )]
    fn unix_nanos() -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    }
}

/// Helpers for tests in this and other crates (the `testing` feature, enabled by dev-dependencies
/// only): isolated databases, the skip rule of service-backed tests, placeholder rows.
#[cfg(any(test, feature = "testing"))]
pub mod testing {
    use std::sync::atomic::{AtomicU64, Ordering};

    pub use crate::scratch::fresh_postgres;

    /// A service-backed test that cannot run says so, or fails under CI (`CI` set to anything
    /// but `false`), where every service is started and a silent skip would hide a lost test.
    pub fn skip(what: &str) {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
        assert!(
            !ci,
            "{what} (CI is set: a service-backed test may not skip)"
        );
        // Written straight to stderr, past the test harness's capture (which swallows
        // `eprintln!` of passing tests), with the count so far in this test binary.
        static SKIPPED: AtomicU64 = AtomicU64::new(0);
        let n = SKIPPED.fetch_add(1, Ordering::Relaxed) + 1;
        let line =
            format!("playhouse tests: SKIPPED service-backed test #{n} of this binary: {what}\n");
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    }

    /// An instant-game bet row with placeholder text, for tests of the writes that carry them.
    pub fn bet_row(id: i64, nonce: i64) -> crate::BetRecord {
        crate::BetRecord {
            id,
            user_id: 7,
            game: "dice".to_owned(),
            currency: "PLAY".to_owned(),
            amount: 5,
            payout: 0,
            multiplier: 0,
            status: 1,
            server_seed_hash: "h".to_owned(),
            client_seed: "c".to_owned(),
            nonce,
            idempotency_key: None,
            request_hash: "r".to_owned(),
            params: "{}".to_owned(),
            outcome: "{}".to_owned(),
            round_state: None,
            response: "{}".to_owned(),
            created_at_ms: 1,
            updated_at_ms: 1,
            server_seed: None,
        }
    }
}
