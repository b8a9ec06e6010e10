//! Shared application state handed to every handler.

use std::sync::Arc;

use crate::auth::TokenKeys;
use crate::config::Config;
use crate::ids::IdGenerator;
use crate::ratelimit::RateLimits;

/// Cheap to clone: one `Arc` (axum clones the state for every handler and middleware layer a
/// request passes, and one reference count is cheaper to bump and drop than one per service).
/// Fields are reached through `Deref` (`state.config`).
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    /// The state over `services`.
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct Services {
    /// The effective configuration.
    pub config: Arc<Config>,
    /// The database.
    pub store: Arc<dyn store::Store>,
    /// Token signing keys.
    pub keys: Arc<TokenKeys>,
    /// Id generator for this node.
    pub ids: Arc<IdGenerator>,
    /// Per-IP and per-account limiters.
    pub limits: Arc<RateLimits>,
    /// The ledger wallet (group-commit writer and reads).
    pub wallet: Arc<crate::wallet::Wallet>,
    /// The operator API: operators' wallets, caches and the outbox worker.
    pub operators: Arc<crate::operator::OperatorHub>,
    /// Guandan tables, rooms, quick match and connections.
    pub guandan: Arc<crate::guandan::Service>,
    /// Prometheus exposition.
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// Which wallet holds each player's money for game rounds (internal ledger by default).
    pub game_wallets: Arc<dyn crate::gamewallet::WalletRouter>,
    /// The instant-games service (player locks, bet writer, live feed).
    pub games: Arc<crate::games::Games>,
    /// Live bet feed batches (sampled, masked), for WebSocket forwarding as `bet_feed`.
    pub bet_feed: tokio::sync::broadcast::Sender<crate::games::feed::FeedBatch>,
    /// Balance changes `(user_id, currency, balance)`, for WebSocket forwarding as `balance_changed`.
    pub balance_changes: tokio::sync::broadcast::Sender<crate::games::feed::BalanceChange>,
}
