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
    /// Guandan tables, rooms, quick match and connections.
    pub guandan: Arc<crate::guandan::Service>,
    /// Prometheus exposition.
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
}
