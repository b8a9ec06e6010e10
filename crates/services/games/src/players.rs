//! Which node may act for a player, and when its cached state of the player is still true.
//!
//! Embedded, one node serves everyone: a player's state (seed pair and next nonce, limits, today's
//! losses, session) is cached and guarded by a per-player mutex. In a cluster any node may serve any
//! request, so every action on a player's games state also holds the player's lease in the kv
//! (`games-player:<id>`) for its duration: one action of a player at a time across the cluster.
//! The lease's fencing token tells whether the node's cache is still true: tokens of one name count
//! up by one per holding, so a token one past the one this node last held (or the same holding)
//! means no other node acted for the player in between; any other token drops the cache, which is
//! then reloaded from the database. A node paused past its lease that wakes up with a stale pair
//! is refused by the database, which rejects every bet on a revealed server seed.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use api::error::{ApiError, ErrorCode};
use tokio::sync::OwnedMutexGuard;

use crate::Player;

/// How long a player's lease lasts (an action takes milliseconds; the lease only bounds how long a
/// dead node's hold blocks the player).
const PLAYER_LEASE_TTL: Duration = Duration::from_secs(10);
/// How long an action waits for the player's lease held by another node before answering
/// `unavailable`.
const PLAYER_LEASE_WAIT: Duration = Duration::from_secs(5);

/// The cluster's per-player leases (absent on an embedded node).
pub struct PlayerLeases {
    kv: Arc<dyn kv::Kv>,
    node_id: String,
    /// Makes each holding's holder name unique, so a release still in flight never releases a
    /// later holding of the same node.
    seq: AtomicU64,
}

impl PlayerLeases {
    /// Leases on `kv`, held in the name of node `node_id`.
    pub fn new(kv: Arc<dyn kv::Kv>, node_id: impl Into<String>) -> Self {
        Self {
            kv,
            node_id: node_id.into(),
            seq: AtomicU64::new(0),
        }
    }

    /// The right to run cluster-wide job `name`, passes every `period`.
    pub(crate) fn leader(&self, name: &str, period: Duration) -> api::leader::Leader {
        api::leader::Leader::new(self.kv.clone(), name, &self.node_id, period)
    }

    /// The kv the leases live in (the session start of a player is kept there too).
    pub(crate) fn kv(&self) -> &dyn kv::Kv {
        self.kv.as_ref()
    }

    async fn hold(&self, user_id: i64) -> Result<kv::Lease, ApiError> {
        let name = format!("games-player:{user_id}");
        let holder = format!(
            "{}:{}",
            self.node_id,
            self.seq.fetch_add(1, Ordering::Relaxed)
        );
        let deadline = tokio::time::Instant::now() + PLAYER_LEASE_WAIT;
        let mut pause = Duration::from_millis(1);
        loop {
            match self.kv.acquire(&name, &holder, PLAYER_LEASE_TTL).await {
                Ok(Some(lease)) => return Ok(lease),
                Ok(None) if tokio::time::Instant::now() + pause < deadline => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Ok(None) => {
                    return Err(ApiError::with_message(
                        ErrorCode::Unavailable,
                        "Another request of yours is still being handled; try again.",
                    ));
                }
                Err(e) => {
                    tracing::warn!(error = %e, user_id, "player lease unavailable");
                    return Err(ApiError::new(ErrorCode::Unavailable));
                }
            }
        }
    }
}

/// A locked player: this node's cached state, true for the whole cluster while it is held.
pub(crate) struct Locked {
    guard: OwnedMutexGuard<Player>,
    lease: Option<(Arc<dyn kv::Kv>, kv::Lease)>,
}

impl Deref for Locked {
    type Target = Player;
    fn deref(&self) -> &Player {
        &self.guard
    }
}

impl DerefMut for Locked {
    fn deref_mut(&mut self) -> &mut Player {
        &mut self.guard
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        if let Some((kv, lease)) = self.lease.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            // The holder name is unique to this holding, so a release landing after this node's
            // next holding of the player cannot end that one; until it lands, other nodes wait.
            rt.spawn(async move {
                if let Err(e) = kv.release(&lease).await {
                    tracing::debug!(error = %e, lease = lease.name, "player lease not released");
                }
            });
        }
    }
}

/// The node's cache of players, each behind its own mutex.
#[derive(Default)]
pub(crate) struct Players {
    map: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<Player>>>>,
}

impl Players {
    /// Locks `user_id` on this node and, in a cluster, across the cluster; drops the cached state
    /// when another node acted for the player since this node last did.
    pub(crate) async fn lock(
        &self,
        leases: Option<&PlayerLeases>,
        user_id: i64,
        now_ms: i64,
    ) -> Result<Locked, ApiError> {
        let entry = self
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(user_id)
            .or_default()
            .clone();
        let mut guard = entry.lock_owned().await;
        guard.last_used_ms = now_ms;
        let Some(leases) = leases else {
            return Ok(Locked { guard, lease: None });
        };
        let lease = leases.hold(user_id).await?;
        if lease.token != guard.fence && lease.token != guard.fence + 1 {
            *guard = Player {
                last_used_ms: now_ms,
                ..Player::default()
            };
        }
        guard.fence = lease.token;
        Ok(Locked {
            guard,
            lease: Some((leases.kv.clone(), lease)),
        })
    }

    /// Drops cached players idle since `evict_before_ms` (their state reloads from the database).
    pub(crate) fn evict_idle(&self, evict_before_ms: i64) {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, p| {
                Arc::strong_count(p) > 1
                    || p.try_lock()
                        .map_or(true, |p| p.last_used_ms >= evict_before_ms)
            });
    }
}
