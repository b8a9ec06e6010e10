//! The one token check of HTTP and WebSocket, and the one admin check. Every service's state carries
//! an `Arc<Auth>`; an operator-session token is checked through the [`SessionCheck`] port that the
//! operator service implements.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};
use crate::extract::{AuthUser, SessionScope};
use crate::ratelimit::RateLimits;
use crate::token::{Access, TokenKeys, token_hash};

/// Token settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// HS256 secret for access tokens. When absent a random secret is generated once and kept in
    /// the database, so tokens survive restarts without any configuration.
    pub jwt_secret: Option<String>,
    /// Access token lifetime.
    pub access_ttl_secs: u64,
    /// Refresh token lifetime.
    pub refresh_ttl_secs: u64,
    /// Registered accounts with these emails are administrators (wallet adjustments).
    pub admin_emails: Vec<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
            admin_emails: Vec::new(),
        }
    }
}

/// The port through which an operator-session token (claim `op`) is checked against its session
/// (declared here, implemented by the operator service).
#[async_trait]
pub trait SessionCheck: Send + Sync {
    /// What the session behind `token` allows, or why it does not pass (unknown, revoked, expired).
    /// `token_hash` is [`token_hash`] of the token; `access` is what its verified claims say.
    async fn check_session(
        &self,
        token_hash: &str,
        access: &Access,
    ) -> Result<SessionScope, ApiError>;
}

/// Token keys, the per-account limiter, the session check and the admin list.
pub struct Auth {
    /// Token signing keys.
    pub keys: TokenKeys,
    /// Per-IP and per-account limiters.
    pub limits: Arc<RateLimits>,
    sessions: Arc<dyn SessionCheck>,
    admin_emails: Vec<String>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// The edge's authentication over `keys`, with operator sessions checked by `sessions`.
    pub fn new(
        keys: TokenKeys,
        limits: Arc<RateLimits>,
        sessions: Arc<dyn SessionCheck>,
        admin_emails: Vec<String>,
    ) -> Self {
        Self {
            keys,
            limits,
            sessions,
            admin_emails,
        }
    }

    /// Checks an access token (HTTP bearer or WebSocket). An ordinary token is checked by its
    /// signature and expiry alone; an operator session's token (claim `op`) also needs its session
    /// to be neither revoked nor expired ([`SessionCheck`]).
    pub async fn authenticate(&self, token: &str) -> Result<AuthUser, ApiError> {
        let access = self.keys.verify_access(token)?;
        if access.operator_id.is_none() {
            return Ok(AuthUser {
                user_id: access.user_id,
                session: None,
            });
        }
        let scope = self
            .sessions
            .check_session(&token_hash(token), &access)
            .await?;
        Ok(AuthUser {
            user_id: access.user_id,
            session: Some(scope),
        })
    }

    /// The signed-in user's record when they are an admin (the `is_admin` flag, or an email listed
    /// in `auth.admin_emails`); otherwise `forbidden` with `denied` as the message.
    pub async fn require_admin(
        &self,
        store: &dyn store::Store,
        user: AuthUser,
        denied: &str,
    ) -> Result<store::UserRecord, ApiError> {
        let record = match store.user_by_id(user.user_id).await {
            Ok(r) => r,
            Err(e) if e.is_not_found() => {
                return Err(ApiError::unauthorized("The account no longer exists."));
            }
            Err(e) => return Err(e.into()),
        };
        let listed = record.email.as_deref().is_some_and(|email| {
            self.admin_emails
                .iter()
                .any(|a| a.trim().eq_ignore_ascii_case(email))
        });
        if record.is_admin || listed {
            Ok(record)
        } else {
            Err(ApiError::with_message(ErrorCode::Forbidden, denied))
        }
    }
}
