//! The one error type that crosses the store boundary; `sqlx::Error` and `rusqlite::Error` never
//! leave this crate.

use std::fmt;

/// What kind of failure happened, which is all callers branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The row does not exist.
    NotFound,
    /// A uniqueness or concurrency conflict (duplicate id, email, hash).
    Conflict,
    /// The database cannot be reached or timed out; retrying later may succeed.
    Unavailable,
    /// Anything else: a bug or a corrupted row.
    Internal,
}

/// A storage failure with its kind and the underlying cause (for logs only, never for clients).
#[derive(Debug, thiserror::Error)]
pub struct StoreError {
    /// The classification callers act on.
    pub kind: StoreErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl StoreError {
    /// A new error without an underlying cause.
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// The row was not found.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StoreErrorKind::NotFound, what)
    }

    /// True when the kind is `NotFound`.
    pub fn is_not_found(&self) -> bool {
        self.kind == StoreErrorKind::NotFound
    }

    /// True when the kind is `Conflict`.
    pub fn is_conflict(&self) -> bool {
        self.kind == StoreErrorKind::Conflict
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        let kind = match &err {
            sqlx::Error::RowNotFound => StoreErrorKind::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreErrorKind::Conflict,
            // SQLite's SQLITE_CONSTRAINT_TRIGGER: a trigger refused the row (a bet on a revealed seed).
            sqlx::Error::Database(db) if db.code().as_deref() == Some("1811") => {
                StoreErrorKind::Conflict
            }
            sqlx::Error::Database(db)
                if db.code().as_deref() == Some("40001")
                    || db.code().as_deref() == Some("40P01") =>
            {
                StoreErrorKind::Conflict
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => StoreErrorKind::Unavailable,
            _ => StoreErrorKind::Internal,
        };
        Self {
            kind,
            message: err.to_string(),
            source: Some(Box::new(err)),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ffi;
        let kind = match &err {
            rusqlite::Error::QueryReturnedNoRows => StoreErrorKind::NotFound,
            rusqlite::Error::SqliteFailure(e, _) => match e.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE
                | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                | ffi::SQLITE_CONSTRAINT_TRIGGER => StoreErrorKind::Conflict,
                _ => match e.code {
                    rusqlite::ErrorCode::DatabaseBusy
                    | rusqlite::ErrorCode::DatabaseLocked
                    | rusqlite::ErrorCode::CannotOpen
                    | rusqlite::ErrorCode::DiskFull
                    | rusqlite::ErrorCode::SystemIoFailure => StoreErrorKind::Unavailable,
                    _ => StoreErrorKind::Internal,
                },
            },
            _ => StoreErrorKind::Internal,
        };
        Self {
            kind,
            message: err.to_string(),
            source: Some(Box::new(err)),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        Self {
            kind: StoreErrorKind::Internal,
            message: format!("migration failed: {err}"),
            source: Some(Box::new(err)),
        }
    }
}
