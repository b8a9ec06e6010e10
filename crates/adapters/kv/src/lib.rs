//! The `kv` port: the cluster's shared fast state. Leases with fencing tokens (who owns a table,
//! who leads the matchmaker, which machine id a node holds), atomic counters, rate-limit buckets
//! and sorted sets (leaderboards). Services see only the [`Kv`] trait; the adapters are
//! [`MemoryKv`] (one process, the embedded default) and [`RedisKv`] (a cluster), and both pass the
//! one conformance suite (`conformance`, behind the `testing` feature).
//!
//! Time: leases and buckets run on the store's own clock (Redis's `TIME` and key expiry, or the
//! runtime's monotonic clock in memory), never on a node's wall clock, so nodes with skewed clocks
//! agree on who holds what.

mod memory;
mod redis_kv;

#[cfg(any(test, feature = "testing"))]
pub mod conformance;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

pub use memory::MemoryKv;
pub use redis_kv::RedisKv;

/// Why a kv call failed. A failed call changed nothing that a caller can observe, except a lease
/// or counter call whose answer was lost: its effect is unknown (renew or read again).
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// The store could not be reached or did not answer in time.
    #[error("kv unavailable: {0}")]
    Unavailable(String),
    /// The store answered something this adapter cannot read (a key of another type, a bad reply).
    #[error("kv protocol: {0}")]
    Protocol(String),
    /// A caller's argument is out of range (empty name, zero rate, a score beyond ±(2^53 − 1)).
    #[error("kv invalid argument: {0}")]
    Invalid(String),
}

/// A held lease. `token` is its fencing token: every new holding of a name gets a token greater than
/// any earlier holding's, so a writer that lost its lease (paused, partitioned) is refused by whoever
/// checks the token it presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The lease's name (`table:<id>`, `matchmaker`, `machine-id:<n>`).
    pub name: String,
    /// Who holds it (a node id).
    pub holder: String,
    /// The fencing token of this holding (≥ 1).
    pub token: u64,
}

/// A token bucket's shape: `per_sec` tokens flow in each second, at most `burst` wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Tokens added per second (≥ 1).
    pub per_sec: u32,
    /// Tokens the bucket holds when full (≥ 1): the most a quiet caller may take at once.
    pub burst: u32,
}

/// What a bucket said to a take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Taken.
    Allowed,
    /// Refused: the tokens are there after this wait.
    Retry(Duration),
}

/// Largest sorted-set score magnitude: the largest integer a double (Redis's score) holds exactly
/// together with its neighbours, 2^53 − 1.
pub const SCORE_MAX: i64 = (1 << 53) - 1;

/// The cluster's shared fast state.
#[async_trait]
pub trait Kv: Send + Sync + 'static {
    /// `memory` or `redis`.
    fn backend_name(&self) -> &'static str;

    /// Whether the store answers (for `/ready`).
    async fn ping(&self) -> Result<(), KvError>;

    /// Takes lease `name` for `holder` for `ttl` when it is free, or renews it when `holder` already
    /// holds it (keeping its token). `None` while someone else holds it.
    async fn acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, KvError>;

    /// Extends `lease` by `ttl` from now; `false` when it was lost (expired, perhaps taken by
    /// another holder), after which its holder must stop acting on it.
    async fn renew(&self, lease: &Lease, ttl: Duration) -> Result<bool, KvError>;

    /// Gives `lease` up (a graceful hand-over); `false` when it was no longer held.
    async fn release(&self, lease: &Lease) -> Result<bool, KvError>;

    /// Who holds `name` now, if anyone.
    async fn holder(&self, name: &str) -> Result<Option<Lease>, KvError>;

    /// Adds `by` to counter `key` (created at 0) and returns the new value.
    async fn incr(&self, key: &str, by: i64) -> Result<i64, KvError>;

    /// The value of counter `key` (0 when absent).
    async fn counter(&self, key: &str) -> Result<i64, KvError>;

    /// Takes `cost` tokens from bucket `key` of shape `limit` in one round trip (GCRA). A refused take
    /// takes nothing.
    async fn take(&self, key: &str, limit: Limit, cost: u32) -> Result<Admit, KvError>;

    /// Adds `by` to `member`'s score in sorted set `set` (created at 0) and returns the new score.
    async fn zincr(&self, set: &str, member: &str, by: i64) -> Result<i64, KvError>;

    /// Sets `member`'s score in `set`.
    async fn zset(&self, set: &str, member: &str, score: i64) -> Result<(), KvError>;

    /// `limit` members of `set` from rank `offset`, highest score first; equal scores in reverse
    /// order of member bytes (Redis's `ZRANGE … REV`).
    async fn ztop(
        &self,
        set: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<(String, i64)>, KvError>;

    /// `member`'s rank in `set` (0 = highest) and score, in the order of [`Kv::ztop`].
    async fn zrank(&self, set: &str, member: &str) -> Result<Option<(u64, i64)>, KvError>;

    /// Removes `member` from `set`; `false` when it was not there.
    async fn zremove(&self, set: &str, member: &str) -> Result<bool, KvError>;

    /// How many members of `set` come before the place `(score, member)` in the order of
    /// [`Kv::ztop`], whether or not `member` is in the set (a competition rank is this plus one
    /// for the best place a tie group could hold).
    async fn zbefore(&self, set: &str, score: i64, member: &str) -> Result<u64, KvError>;

    /// Removes `old` (when given and present) and sets `new` to `score`, atomically: a member
    /// whose name encodes its tie-breaks moves in one step.
    async fn zreplace(
        &self,
        set: &str,
        old: Option<&str>,
        new: &str,
        score: i64,
    ) -> Result<(), KvError>;

    /// Adds `by` to windowed counter `key` in one round trip and returns its value and the time
    /// left in its window. A counter that does not exist starts at 0 with a window of `window`
    /// (1 ms to 24 h) from now, and disappears when the window ends.
    async fn window_add(
        &self,
        key: &str,
        by: i64,
        window: Duration,
    ) -> Result<(i64, Duration), KvError>;

    /// Holds mark `key` for at least `at_least` from now (never shortening an existing hold; zero
    /// only reads) and returns how long it is held from now (zero: not held).
    async fn hold(&self, key: &str, at_least: Duration) -> Result<Duration, KvError>;

    /// Removes windowed counter and mark `key`.
    async fn forget(&self, key: &str) -> Result<(), KvError>;
}

/// The kv of a node: Redis at `url` when one is given (a cluster), otherwise in memory. Every key
/// is put under `namespace` so that clusters (and test runs) can share one Redis.
pub async fn connect(url: Option<&str>, namespace: &str) -> Result<Arc<dyn Kv>, KvError> {
    match url {
        Some(url) => Ok(Arc::new(RedisKv::connect(url, namespace).await?)),
        None => Ok(Arc::new(MemoryKv::new())),
    }
}

fn check_name(what: &str, name: &str) -> Result<(), KvError> {
    if name.is_empty() || name.len() > 512 {
        return Err(KvError::Invalid(format!(
            "{what} must be 1 to 512 bytes, got {}",
            name.len()
        )));
    }
    Ok(())
}

fn check_ttl(ttl: Duration) -> Result<u64, KvError> {
    let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 || ms > 86_400_000 {
        return Err(KvError::Invalid(format!(
            "a lease lasts 1 ms to 24 h, got {ms} ms"
        )));
    }
    Ok(ms)
}

fn check_limit(limit: Limit, cost: u32) -> Result<(), KvError> {
    if limit.per_sec == 0 || limit.burst == 0 {
        return Err(KvError::Invalid(
            "a bucket needs per_sec ≥ 1 and burst ≥ 1".into(),
        ));
    }
    if cost == 0 || cost > limit.burst {
        return Err(KvError::Invalid(format!(
            "a take costs 1 to burst ({}) tokens, got {cost}",
            limit.burst
        )));
    }
    Ok(())
}

fn check_score(score: i64) -> Result<i64, KvError> {
    if !(-SCORE_MAX..=SCORE_MAX).contains(&score) {
        return Err(KvError::Invalid(format!(
            "a score lies within ±(2^53 - 1), got {score}"
        )));
    }
    Ok(score)
}

/// GCRA in microseconds: the bucket's theoretical arrival time after a take of `cost` at `now`
/// from `tat`, or the wait when it is refused. Both adapters compute with this (Redis in Lua, the
/// same arithmetic).
fn gcra(now_us: i64, tat_us: Option<i64>, limit: Limit, cost: u32) -> Result<i64, Duration> {
    let interval = 1_000_000 / i64::from(limit.per_sec).max(1);
    let tat = tat_us.unwrap_or(now_us).max(now_us);
    let new_tat = tat + interval * i64::from(cost);
    let over = new_tat - now_us - interval * i64::from(limit.burst);
    if over > 0 {
        Err(Duration::from_micros(u64::try_from(over).unwrap_or(0)))
    } else {
        Ok(new_tat)
    }
}
