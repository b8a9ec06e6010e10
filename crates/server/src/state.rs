//! The composed application: every service's state, built once at start and shared by the router,
//! the jobs and the tests. The server reaches into no service's internals; it holds their states.

use std::sync::Arc;

use api::Auth;
use api::ids::IdGenerator;
use api::ratelimit::RateLimits;

use crate::config::Config;

/// Cheap to clone: one `Arc`. Fields are reached through `Deref` (`state.config`).
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
    /// The node's bus, kv and identity (in process when embedded).
    pub cluster: Arc<crate::cluster::Cluster>,
    /// Token keys, the session check and the admin list (every service's edge).
    pub auth: Arc<Auth>,
    /// Id generator for this node.
    pub ids: Arc<IdGenerator>,
    /// Per-IP and per-account limiters.
    pub limits: Arc<RateLimits>,
    /// The ledger wallet (group-commit writer and reads).
    pub wallet: Arc<wallet::Wallet>,
    /// The operator API: operators' wallets, caches and the outbox worker.
    pub operators: Arc<operator::OperatorHub>,
    /// Prometheus exposition.
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// Live bet feed batches (sampled, masked), for WebSocket forwarding as `bet_feed`.
    pub bet_feed: tokio::sync::broadcast::Sender<games::feed::FeedBatch>,
    /// Balance changes `(user_id, currency, balance)`, for WebSocket forwarding as `balance_changed`.
    pub balance_changes: tokio::sync::broadcast::Sender<games::feed::BalanceChange>,
    /// The accounts service.
    pub accounts: accounts::AccountsState,
    /// The wallet's HTTP service.
    pub wallet_api: wallet::WalletState,
    /// The instant-games service.
    pub games: games::GamesState,
    /// The operator API service.
    pub operator: operator::OperatorState,
    /// Guandan online.
    pub tables: tables::TablesState,
    /// Tournaments, leaderboards, missions and rewards.
    pub contests: contests::ContestsState,
}
