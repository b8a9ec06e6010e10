//! Per-IP and per-account token-bucket rate limits (governor), answered with `429` + `Retry-After`.

use std::net::IpAddr;
use std::num::NonZeroU32;

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
    /// Whether the client address is the first `X-Forwarded-For` entry.
    pub trust_forwarded_for: bool,
}

fn quota(per_sec: u32, burst: u32) -> Quota {
    let rate = NonZeroU32::new(per_sec).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst.max(per_sec)).unwrap_or(rate);
    Quota::per_second(rate).allow_burst(burst)
}

impl RateLimits {
    /// Limiters from config.
    pub fn new(c: &RateLimitConfig) -> Self {
        Self {
            per_ip: RateLimiter::keyed(quota(c.per_ip_per_sec, c.per_ip_burst)),
            per_account: RateLimiter::keyed(quota(c.per_account_per_sec, c.per_account_burst)),
            clock: DefaultClock::default(),
            trust_forwarded_for: c.trust_forwarded_for,
        }
    }

    /// Takes one request from the IP's bucket.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.per_ip.check_key(&ip).map_err(|nu| self.limited(&nu))
    }

    /// Takes one request from the account's bucket.
    pub fn check_account(&self, user_id: i64) -> Result<(), ApiError> {
        self.per_account
            .check_key(&user_id)
            .map_err(|nu| self.limited(&nu))
    }

    fn limited(&self, nu: &governor::NotUntil<<DefaultClock as Clock>::Instant>) -> ApiError {
        let wait = nu.wait_time_from(self.clock.now());
        ApiError::rate_limited(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
    }

    /// Drops idle keys so memory stays bounded under many distinct clients.
    pub fn retain_recent(&self) {
        self.per_ip.retain_recent();
        self.per_account.retain_recent();
        self.per_ip.shrink_to_fit();
        self.per_account.shrink_to_fit();
    }
}
