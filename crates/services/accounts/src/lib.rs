//! Accounts: guests, registration and login, access and refresh tokens (refresh families: reuse of
//! a spent token revokes the family), and `/v1/me`. Passwords are kept only as Argon2id PHC strings
//! and refresh tokens only as SHA-256 hashes.

pub mod cookie;
pub mod credentials;
pub mod http;
pub mod throttle;

pub use http::{AccountsApi, AccountsDeps, AccountsState};

/// The accounts' routes over their state.
pub fn router(state: AccountsState) -> axum::Router {
    http::routes().with_state(state)
}
