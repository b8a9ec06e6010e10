//! Shared application state handed to every handler.

use std::sync::Arc;

use crate::auth::TokenKeys;
use crate::config::Config;
use crate::ids::IdGenerator;
use crate::ratelimit::RateLimits;

/// Cheap to clone: everything behind `Arc`s.
#[derive(Clone)]
pub struct AppState {
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
