//! Plain row types shared by every backend.

/// A user row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Time-ordered 64-bit id.
    pub id: i64,
    /// Normalised (trimmed, lowercased) email; `None` for guests.
    pub email: Option<String>,
    /// Argon2id PHC string; `None` for guests.
    pub password_hash: Option<String>,
    /// Name shown to other players.
    pub display_name: String,
    /// True for accounts created by `POST /v1/auth/guest`.
    pub is_guest: bool,
    /// True for administrators (admin endpoints).
    pub is_admin: bool,
    /// Creation time, unix milliseconds.
    pub created_at_ms: i64,
    /// Last change, unix milliseconds.
    pub updated_at_ms: i64,
}

/// A user to insert.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Time-ordered 64-bit id, chosen by the caller.
    pub id: i64,
    /// Normalised email, or `None` for a guest.
    pub email: Option<String>,
    /// Argon2id PHC string, or `None` for a guest.
    pub password_hash: Option<String>,
    /// Display name.
    pub display_name: String,
    /// Guest flag.
    pub is_guest: bool,
    /// Creation time, unix milliseconds.
    pub now_ms: i64,
}

/// A refresh token to store (only its SHA-256 hash is kept).
#[derive(Debug, Clone)]
pub struct NewRefreshToken {
    /// Lowercase hex SHA-256 of the token.
    pub token_hash: String,
    /// The family every rotation of one login shares.
    pub family_id: String,
    /// Owner.
    pub user_id: i64,
    /// Issue time, unix milliseconds.
    pub issued_at_ms: i64,
    /// Expiry, unix milliseconds.
    pub expires_at_ms: i64,
}

/// A stored refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    /// Lowercase hex SHA-256 of the token.
    pub token_hash: String,
    /// Family id.
    pub family_id: String,
    /// Owner.
    pub user_id: i64,
    /// Issue time, unix milliseconds.
    pub issued_at_ms: i64,
    /// Expiry, unix milliseconds.
    pub expires_at_ms: i64,
    /// When it was rotated (used), if it was.
    pub used_at_ms: Option<i64>,
    /// When it was revoked, if it was.
    pub revoked_at_ms: Option<i64>,
}
