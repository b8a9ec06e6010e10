//! Per-IP and per-account token-bucket rate limits, answered with `429` + `Retry-After`: on one
//! node in memory (governor); in a cluster in the shared kv (Redis), one round trip per check, so a
//! client spreading its requests over the nodes meets one limit. Should the kv fail, a check falls
//! back to the node's own bucket (limits then hold per node) rather than refusing or waving through.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Rate limits (token buckets).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Sustained requests per second per client IP.
    pub per_ip_per_sec: u32,
    /// Burst size per client IP.
    pub per_ip_burst: u32,
    /// Sustained authenticated requests per second per account.
    pub per_account_per_sec: u32,
    /// Burst size per account.
    pub per_account_burst: u32,
    /// Take the client IP from the first `X-Forwarded-For` entry (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            per_ip_per_sec: 100,
            per_ip_burst: 200,
            per_account_per_sec: 50,
            per_account_burst: 100,
            trust_forwarded_for: false,
        }
    }
}

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// Both limiters.
pub struct RateLimits {
    per_ip: Keyed<IpAddr>,
    per_account: Keyed<i64>,
    clock: DefaultClock,
    /// The cluster's shared buckets, when there is a cluster.
    shared: Option<Arc<dyn kv::Kv>>,
    ip_limit: kv::Limit,
    account_limit: kv::Limit,
    /// Whether the client address is the first `X-Forwarded-For` entry.
    pub trust_forwarded_for: bool,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("ip_limit", &self.ip_limit)
            .field("account_limit", &self.account_limit)
            .field("shared", &self.shared.as_ref().map(|k| k.backend_name()))
            .finish_non_exhaustive()
    }
}

fn limit(per_sec: u32, burst: u32) -> kv::Limit {
    kv::Limit {
        per_sec: per_sec.max(1),
        burst: burst.max(per_sec).max(1),
    }
}

fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

fn quota(per_sec: u32, burst: u32) -> Quota {
    let rate = NonZeroU32::new(per_sec).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst.max(per_sec)).unwrap_or(rate);
    Quota::per_second(rate).allow_burst(burst)
}

impl RateLimits {
    /// One node's limiters, from config.
    pub fn new(c: &RateLimitConfig) -> Self {
        Self {
            per_ip: RateLimiter::keyed(quota(c.per_ip_per_sec, c.per_ip_burst)),
            per_account: RateLimiter::keyed(quota(c.per_account_per_sec, c.per_account_burst)),
            clock: DefaultClock::default(),
            shared: None,
            ip_limit: limit(c.per_ip_per_sec, c.per_ip_burst),
            account_limit: limit(c.per_account_per_sec, c.per_account_burst),
            trust_forwarded_for: c.trust_forwarded_for,
        }
    }

    /// A cluster node's limiters: the buckets live in `kv`, shared by every node.
    pub fn shared(c: &RateLimitConfig, kv: Arc<dyn kv::Kv>) -> Self {
        Self {
            shared: Some(kv),
            ..Self::new(c)
        }
    }

    /// Takes one request from the cluster's bucket `key`; `None` when the kv failed (the caller
    /// falls back to the node's bucket).
    async fn take_shared(&self, key: &str, limit: kv::Limit) -> Option<Result<(), ApiError>> {
        let kv = self.shared.as_ref()?;
        match kv.take(key, limit, 1).await {
            Ok(kv::Admit::Allowed) => Some(Ok(())),
            Ok(kv::Admit::Retry(wait)) => Some(Err(ApiError::rate_limited(retry_after_secs(wait)))),
            Err(e) => {
                metrics::counter!("rate_limit_kv_failures_total").increment(1);
                tracing::warn!(error = %e, "shared rate limit unavailable; using this node's");
                None
            }
        }
    }

    /// Takes one request from the IP's bucket.
    pub async fn check_ip(&self, ip: IpAddr) -> Result<(), ApiError> {
        if let Some(r) = self
            .take_shared(&format!("ratelimit:ip:{ip}"), self.ip_limit)
            .await
        {
            return r;
        }
        self.per_ip.check_key(&ip).map_err(|nu| self.limited(&nu))
    }

    /// Takes one request from the account's bucket.
    pub async fn check_account(&self, user_id: i64) -> Result<(), ApiError> {
        if let Some(r) = self
            .take_shared(&format!("ratelimit:account:{user_id}"), self.account_limit)
            .await
        {
            return r;
        }
        self.per_account
            .check_key(&user_id)
            .map_err(|nu| self.limited(&nu))
    }

    fn limited(&self, nu: &governor::NotUntil<<DefaultClock as Clock>::Instant>) -> ApiError {
        ApiError::rate_limited(retry_after_secs(nu.wait_time_from(self.clock.now())))
    }

    /// Drops idle keys so memory stays bounded under many distinct clients.
    pub fn retain_recent(&self) {
        self.per_ip.retain_recent();
        self.per_account.retain_recent();
        self.per_ip.shrink_to_fit();
        self.per_account.shrink_to_fit();
    }
}
