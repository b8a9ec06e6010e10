//! The operator API's section of the configuration (`[operator]`).

use serde::{Deserialize, Serialize};

/// Operator API settings (`docs/operator-integration.md`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct OperatorConfig {
    /// Public base URL of the game client; `launch_url` is this + `/play/{game}?token=…&lang=…`.
    pub public_base_url: String,
    /// Signed requests older than this are refused (and their signatures remembered this long).
    pub signature_window_secs: u64,
    /// Signed requests dated further in the future than this are refused.
    pub clock_skew_secs: u64,
    /// How long a rotated-out secret stays valid when the rotation request names no overlap.
    pub key_overlap_secs: u64,
    /// Timeout of one call to an operator's wallet; a bet past it is rolled back.
    pub wallet_timeout_ms: u64,
    /// How often the outbox worker looks for due wins and rollbacks (it is also woken on enqueue).
    pub outbox_poll_ms: u64,
    /// First retry delay of an outbox delivery; doubles per failed attempt.
    pub outbox_backoff_base_ms: u64,
    /// Longest retry delay of an outbox delivery.
    pub outbox_backoff_max_ms: u64,
    /// A bet still `pending` this long after its call's timeout was abandoned (a crash): it is
    /// rolled back.
    pub pending_bet_grace_ms: u64,
    /// A PEM file of extra trusted root certificates for calls to operator wallets (a private
    /// CA), on top of the built-in web PKI roots.
    pub wallet_ca_file: Option<String>,
    /// Whether plain `http://` wallet URLs are accepted (and called). Off by default: the wallet
    /// calls move money and their answers are not signed, so they need TLS. Turn it on for a mock
    /// operator on the local machine or a TLS-terminating proxy next to the server.
    pub allow_insecure_wallet_http: bool,
}

impl Default for OperatorConfig {
    fn default() -> Self {
        Self {
            public_base_url: "http://127.0.0.1:8080".into(),
            signature_window_secs: 300,
            clock_skew_secs: 30,
            key_overlap_secs: 24 * 3600,
            wallet_timeout_ms: 5_000,
            outbox_poll_ms: 1_000,
            outbox_backoff_base_ms: 1_000,
            outbox_backoff_max_ms: 300_000,
            pending_bet_grace_ms: 30_000,
            wallet_ca_file: None,
            allow_insecure_wallet_http: false,
        }
    }
}
