//! The one token check of HTTP and WebSocket, and the one admin check. Every service's state carries
//! an `Arc<Auth>`; an operator-session token is checked through the [`SessionCheck`] port that the
//! operator service implements.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
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
    /// No longer supported: admin rights are never granted by registering an address (anyone
    /// could register it first). A non-empty list stops the start with a message pointing to
    /// `playhouse admin grant EMAIL`.
    pub admin_emails: Vec<String>,
    /// `Secure` on the browser's refresh cookie (`playhouse_refresh`). Browsers accept a secure
    /// cookie over plain HTTP from `localhost` only: set `false` solely for a plain-HTTP server on
    /// a private network (anywhere else, serve HTTPS).
    pub refresh_cookie_secure: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
            admin_emails: Vec::new(),
            refresh_cookie_secure: true,
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

/// Revoked refresh-token families kept at most (each for one access-token lifetime).
pub const REVOKED_FAMILIES_MAX: usize = 1_000_000;

/// What a node tells the other nodes of its cluster so their caches stay true: sign-outs and
/// revocations it applied. (An embedded node has no one to tell; the notes go nowhere.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum PeerNote {
    /// A refresh family was signed out or revoked: refuse its access tokens until `until_secs`.
    FamilyRevoked {
        /// The family.
        family: String,
        /// The unix second after which none of its access tokens can be live.
        until_secs: i64,
    },
    /// An operator session was revoked: forget its cached row (by the SHA-256 of its token).
    SessionRevoked {
        /// [`token_hash`] of the session's token.
        token_hash: String,
    },
    /// An operator's record changed (secret, wallet URL, status): forget its cached record.
    OperatorChanged {
        /// The operator's id.
        operator_id: String,
    },
}

/// Notes a slow bridge may lag behind before it misses some.
const PEER_NOTES_DEPTH: usize = 1_024;

/// Token keys, the per-account limiter, the session check and the revoked families.
pub struct Auth {
    /// Token signing keys.
    pub keys: TokenKeys,
    /// The node's clock (the one the keys judge expiry by), for every service that reads time.
    pub clock: Clock,
    /// Per-IP and per-account limiters.
    pub limits: Arc<RateLimits>,
    sessions: Arc<dyn SessionCheck>,
    /// Families signed out or revoked for reuse, with the unix second after which none of their
    /// access tokens can still be live.
    revoked: Mutex<HashMap<String, i64>>,
    /// What this node announces to its peers (the cluster's bridge forwards it over the bus).
    notes: tokio::sync::broadcast::Sender<PeerNote>,
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
    pub fn new(keys: TokenKeys, limits: Arc<RateLimits>, sessions: Arc<dyn SessionCheck>) -> Self {
        Self {
            clock: keys.clock.clone(),
            keys,
            limits,
            sessions,
            revoked: Mutex::new(HashMap::new()),
            notes: tokio::sync::broadcast::channel(PEER_NOTES_DEPTH).0,
        }
    }

    /// Tells the other nodes of the cluster (if any) what this node just applied.
    pub fn announce(&self, note: PeerNote) {
        // No receiver (an embedded node) is not an error.
        let _ = self.notes.send(note);
    }

    /// What this node announces, from now on (for the cluster's bridge).
    pub fn notes(&self) -> tokio::sync::broadcast::Receiver<PeerNote> {
        self.notes.subscribe()
    }

    /// Refuses every live access token of `family` from now on (they expire within one access
    /// lifetime, after which the entry is dropped).
    pub fn revoke_family(&self, family: &str, now_secs: i64) {
        let until = now_secs.saturating_add(self.keys.access_ttl_secs + 5);
        self.refuse_family_until(family, until);
        self.announce(PeerNote::FamilyRevoked {
            family: family.to_owned(),
            until_secs: until,
        });
    }

    /// Refuses `family`'s access tokens until `until` (a revocation, here or on another node).
    pub fn refuse_family_until(&self, family: &str, until: i64) {
        let mut revoked = self
            .revoked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if revoked.len() >= REVOKED_FAMILIES_MAX {
            let now_secs = self.clock.now_secs();
            revoked.retain(|_, u| *u > now_secs);
        }
        if revoked.len() < REVOKED_FAMILIES_MAX {
            revoked.insert(family.to_owned(), until);
        }
    }

    fn is_revoked(&self, family: &str, now_secs: i64) -> bool {
        self.revoked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(family)
            .is_some_and(|until| *until > now_secs)
    }

    /// Checks an access token (HTTP bearer or WebSocket). An ordinary token is checked by its
    /// signature and expiry alone; an operator session's token (claim `op`) also needs its session
    /// to be neither revoked nor expired ([`SessionCheck`]).
    pub async fn authenticate(&self, token: &str) -> Result<AuthUser, ApiError> {
        let access = self.keys.verify_access(token)?;
        if let Some(family) = &access.family
            && self.is_revoked(family, self.clock.now_secs())
        {
            return Err(ApiError::unauthorized("The session was signed out."));
        }
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

    /// The signed-in user's record when they are an admin (the `is_admin` flag, set only by
    /// `playhouse admin grant`); otherwise `forbidden` with `denied` as the message.
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
        if record.is_admin {
            Ok(record)
        } else {
            Err(ApiError::with_message(ErrorCode::Forbidden, denied))
        }
    }
}
