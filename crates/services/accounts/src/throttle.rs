//! Failed-login throttling. Three counters, each over a window of [`WINDOW_MS`]:
//! - an account from one address: [`PAIR_FAILURES_FREE`] failures are free, then every further
//!   failure locks that pair for 1 s, 2 s, 4 s … up to [`PAIR_LOCK_MS_MAX`];
//! - one address over all accounts (password spraying): past [`ADDRESS_FAILURES_MAX`] the address
//!   is refused for the rest of the window;
//! - one account over all addresses (distributed guessing): past [`ACCOUNT_FAILURES_MAX`] the
//!   account is refused for [`ACCOUNT_LOCK_MS`] to every address that has already failed on it, so
//!   an attacker cannot lock its owner out: a clean address still signs in.
//!
//! An attempt counts as a failure from the moment it is admitted (so parallel guesses cannot all
//! pass the check before any failure is recorded) and is forgiven when it succeeds. Time is passed
//! in; memory is bounded by [`ENTRIES_MAX`].
//!
//! [`Throttle`] is what the service uses: these counters in the node's memory when embedded, and in
//! the cluster's kv (Redis) otherwise, so a guesser spreading attempts over the nodes meets one
//! budget. The kv version keeps the same counters, windows and locks as windowed counters and
//! marks; two attempts of one pair in flight at the same instant on two nodes may both be admitted
//! (each is still counted). Should the kv fail, the node's own counters answer meanwhile.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Length of the counting window.
pub const WINDOW_MS: i64 = 15 * 60 * 1_000;
/// Failures of one account from one address before the backoff starts.
pub const PAIR_FAILURES_FREE: u32 = 5;
/// Longest lock of one account from one address.
pub const PAIR_LOCK_MS_MAX: i64 = 15 * 60 * 1_000;
/// Failures from one address (all accounts) in a window before it is refused.
pub const ADDRESS_FAILURES_MAX: u32 = 50;
/// Failures on one account (all addresses) in a window before failing addresses are refused.
pub const ACCOUNT_FAILURES_MAX: u32 = 100;
/// How long an account-wide lock holds.
pub const ACCOUNT_LOCK_MS: i64 = 60 * 1_000;
/// Most counters kept; expired ones are dropped first, then the oldest.
pub const ENTRIES_MAX: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Pair(String, IpAddr),
    Address(IpAddr),
    Account(String),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    window_start_ms: i64,
    locked_until_ms: i64,
}

impl Entry {
    fn fresh(now_ms: i64) -> Entry {
        Entry {
            failures: 0,
            window_start_ms: now_ms,
            locked_until_ms: 0,
        }
    }

    fn expired(&self, now_ms: i64) -> bool {
        now_ms - self.window_start_ms >= WINDOW_MS && now_ms >= self.locked_until_ms
    }
}

/// An admitted attempt: report its outcome with [`LoginThrottle::succeeded`] (a failure needs no
/// call: it was counted on admission).
#[derive(Debug)]
pub struct Attempt {
    email: String,
    ip: IpAddr,
}

/// The counters of one process.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    entries: Mutex<HashMap<Key, Entry>>,
}

impl LoginThrottle {
    /// Admits an attempt on `email` from `ip` at `now_ms` (counting it as a failure until
    /// [`LoginThrottle::succeeded`]), or refuses it with the seconds to wait.
    pub fn admit(&self, email: &str, ip: IpAddr, now_ms: i64) -> Result<Attempt, u64> {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let pair = Key::Pair(email.to_owned(), ip);
        let address = Key::Address(ip);
        let account = Key::Account(email.to_owned());
        let current = |entries: &HashMap<Key, Entry>, k: &Key| {
            entries
                .get(k)
                .copied()
                .filter(|e| !e.expired(now_ms))
                .unwrap_or(Entry::fresh(now_ms))
        };
        let p = current(&entries, &pair);
        let a = current(&entries, &address);
        let c = current(&entries, &account);
        let mut until = p.locked_until_ms.max(a.locked_until_ms);
        // The account-wide lock holds only for addresses that already failed on this account.
        if p.failures > 0 {
            until = until.max(c.locked_until_ms);
        }
        if until > now_ms {
            let ms = u64::try_from(until - now_ms).unwrap_or(u64::MAX);
            return Err(ms.div_ceil(1_000));
        }
        if entries.len() + 3 > ENTRIES_MAX {
            prune(&mut entries, now_ms);
        }
        entries.insert(pair, fail(p, now_ms, pair_lock_ms));
        entries.insert(
            address,
            fail(a, now_ms, |n| {
                (n >= ADDRESS_FAILURES_MAX).then(|| a.window_start_ms + WINDOW_MS - now_ms)
            }),
        );
        entries.insert(
            account,
            fail(c, now_ms, |n| {
                (n >= ACCOUNT_FAILURES_MAX).then_some(ACCOUNT_LOCK_MS)
            }),
        );
        Ok(Attempt {
            email: email.to_owned(),
            ip,
        })
    }

    /// Forgives a successful attempt: its account and pair start over; the address keeps the
    /// count of its other failures.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.remove(&Key::Pair(attempt.email.clone(), attempt.ip));
        entries.remove(&Key::Account(attempt.email));
        if let Some(a) = entries.get_mut(&Key::Address(attempt.ip)) {
            a.failures = a.failures.saturating_sub(1);
        }
    }
}

/// The login throttle of a node: in memory when embedded, in the cluster's kv otherwise (see the
/// module's documentation).
pub struct Throttle {
    local: LoginThrottle,
    kv: Option<Arc<dyn kv::Kv>>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("shared", &self.kv.is_some())
            .finish_non_exhaustive()
    }
}

fn ms(v: i64) -> Duration {
    Duration::from_millis(u64::try_from(v).unwrap_or(0))
}

impl Throttle {
    /// Counters in this node's memory.
    pub fn local() -> Self {
        Self {
            local: LoginThrottle::default(),
            kv: None,
        }
    }

    /// Counters in the cluster's `kv`.
    pub fn shared(kv: Arc<dyn kv::Kv>) -> Self {
        Self {
            local: LoginThrottle::default(),
            kv: Some(kv),
        }
    }

    /// Admits an attempt (see [`LoginThrottle::admit`]), or refuses it with the seconds to wait.
    pub async fn admit(&self, email: &str, ip: IpAddr, now_ms: i64) -> Result<Attempt, u64> {
        let Some(kv) = &self.kv else {
            return self.local.admit(email, ip, now_ms);
        };
        match shared_admit(kv.as_ref(), email, ip).await {
            Ok(answer) => answer,
            Err(e) => {
                metrics::counter!("auth_throttle_kv_failures_total").increment(1);
                tracing::warn!(error = %e, "login throttle kv unavailable; counting on this node");
                self.local.admit(email, ip, now_ms)
            }
        }
    }

    /// Forgives a successful attempt (see [`LoginThrottle::succeeded`]).
    pub async fn succeeded(&self, attempt: Attempt) {
        let Some(kv) = &self.kv else {
            return self.local.succeeded(attempt);
        };
        let (pair, address, account) = shared_keys(&attempt.email, attempt.ip);
        let forgiven = async {
            kv.forget(&pair).await?;
            kv.forget(&account).await?;
            kv.window_add(&address, -1, ms(WINDOW_MS)).await.map(|_| ())
        };
        if let Err(e) = forgiven.await {
            tracing::warn!(error = %e, "login throttle kv unavailable; success not forgiven");
        }
        self.local.succeeded(attempt);
    }
}

fn shared_keys(email: &str, ip: IpAddr) -> (String, String, String) {
    (
        format!("login:pair:{ip}:{email}"),
        format!("login:address:{ip}"),
        format!("login:account:{email}"),
    )
}

/// The kv version of [`LoginThrottle::admit`]: each counter a windowed counter, each lock a mark.
async fn shared_admit(
    kv: &dyn kv::Kv,
    email: &str,
    ip: IpAddr,
) -> Result<Result<Attempt, u64>, kv::KvError> {
    let (pair, address, account) = shared_keys(email, ip);
    let window = ms(WINDOW_MS);
    let mut wait = kv.hold(&pair, Duration::ZERO).await?;
    wait = wait.max(kv.hold(&address, Duration::ZERO).await?);
    let (pair_failures, _) = kv.window_add(&pair, 0, window).await?;
    // The account-wide lock holds only for addresses that already failed on this account.
    if pair_failures > 0 {
        wait = wait.max(kv.hold(&account, Duration::ZERO).await?);
    }
    if !wait.is_zero() {
        let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        return Ok(Err(ms.div_ceil(1_000).max(1)));
    }
    let (n, _) = kv.window_add(&pair, 1, window).await?;
    if let Some(lock) = pair_lock_ms(u32::try_from(n).unwrap_or(u32::MAX)) {
        kv.hold(&pair, ms(lock)).await?;
    }
    let (n, left) = kv.window_add(&address, 1, window).await?;
    if n >= i64::from(ADDRESS_FAILURES_MAX) && !left.is_zero() {
        kv.hold(&address, left).await?;
    }
    let (n, _) = kv.window_add(&account, 1, window).await?;
    if n >= i64::from(ACCOUNT_FAILURES_MAX) {
        kv.hold(&account, ms(ACCOUNT_LOCK_MS)).await?;
    }
    Ok(Ok(Attempt {
        email: email.to_owned(),
        ip,
    }))
}

/// One more failure on `e`; `lock_ms(failures)` says how long that number of failures locks.
fn fail(mut e: Entry, now_ms: i64, lock_ms: impl Fn(u32) -> Option<i64>) -> Entry {
    e.failures = e.failures.saturating_add(1);
    if let Some(ms) = lock_ms(e.failures) {
        e.locked_until_ms = e.locked_until_ms.max(now_ms.saturating_add(ms.max(0)));
    }
    e
}

/// 1 s for the first failure past the free ones, doubling, capped.
fn pair_lock_ms(failures: u32) -> Option<i64> {
    let over = failures.checked_sub(PAIR_FAILURES_FREE)?;
    if over == 0 {
        return None;
    }
    let ms = 1_000i64.saturating_mul(1i64 << (over - 1).min(20));
    Some(ms.min(PAIR_LOCK_MS_MAX))
}

fn prune(entries: &mut HashMap<Key, Entry>, now_ms: i64) {
    entries.retain(|_, e| !e.expired(now_ms));
    while entries.len() + 3 > ENTRIES_MAX {
        let Some(oldest) = entries
            .iter()
            .min_by_key(|(_, e)| e.window_start_ms)
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        entries.remove(&oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn five_free_failures_then_a_doubling_lock() {
        let t = LoginThrottle::default();
        for _ in 0..PAIR_FAILURES_FREE {
            t.admit("a@x.io", A, 0).expect("free");
        }
        // The sixth attempt is admitted (it fails) and locks the pair for 1 s.
        t.admit("a@x.io", A, 0).expect("sixth");
        assert_eq!(t.admit("a@x.io", A, 0).expect_err("locked"), 1);
        assert_eq!(t.admit("a@x.io", A, 999).expect_err("locked"), 1);
        t.admit("a@x.io", A, 1_000).expect("after the lock");
        assert_eq!(t.admit("a@x.io", A, 1_000).expect_err("2 s"), 2);
        // Another address is not locked out by these failures.
        t.admit("a@x.io", B, 1_000).expect("clean address");
    }

    #[test]
    fn a_success_forgives_the_pair() {
        let t = LoginThrottle::default();
        for _ in 0..PAIR_FAILURES_FREE - 1 {
            t.admit("a@x.io", A, 0).expect("free");
        }
        let ok = t.admit("a@x.io", A, 0).expect("free");
        t.succeeded(ok);
        for _ in 0..PAIR_FAILURES_FREE + 1 {
            t.admit("a@x.io", A, 0).expect("counted afresh");
        }
        assert!(t.admit("a@x.io", A, 0).is_err());
    }

    #[test]
    fn spraying_from_one_address_is_refused_for_the_window() {
        let t = LoginThrottle::default();
        for i in 0..ADDRESS_FAILURES_MAX {
            t.admit(&format!("u{i}@x.io"), A, 0).expect("spray");
        }
        let wait = t.admit("new@x.io", A, 60_000).expect_err("refused");
        assert_eq!(
            wait,
            u64::try_from((WINDOW_MS - 60_000) / 1_000).expect("secs")
        );
        t.admit("new@x.io", B, 60_000).expect("other address");
        t.admit("new@x.io", A, WINDOW_MS).expect("next window");
    }

    #[test]
    fn distributed_guessing_locks_only_failing_addresses() {
        let t = LoginThrottle::default();
        for i in 0..ACCOUNT_FAILURES_MAX {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0b00_0000 + i));
            t.admit("a@x.io", ip, 0).expect("one guess each");
        }
        let guesser = IpAddr::V4(std::net::Ipv4Addr::from(0x0b00_0000));
        assert_eq!(t.admit("a@x.io", guesser, 0).expect_err("locked"), 60);
        // The owner, from an address with no failure on the account, still gets in.
        t.admit("a@x.io", A, 0).expect("owner");
        t.admit("a@x.io", guesser, ACCOUNT_LOCK_MS)
            .expect("lock over");
    }

    #[tokio::test]
    async fn the_shared_throttle_keeps_the_same_rules_in_the_kv() {
        let kv: Arc<dyn kv::Kv> = Arc::new(kv::MemoryKv::new());
        // Two nodes on one kv: failures on one count on the other.
        let (n1, n2) = (Throttle::shared(kv.clone()), Throttle::shared(kv));
        for i in 0..PAIR_FAILURES_FREE {
            let node = if i % 2 == 0 { &n1 } else { &n2 };
            node.admit("a@x.io", A, 0).await.expect("free");
        }
        n2.admit("a@x.io", A, 0).await.expect("sixth");
        assert_eq!(n1.admit("a@x.io", A, 0).await.expect_err("locked"), 1);
        // Another address is not locked out by these failures.
        n1.admit("a@x.io", B, 0).await.expect("clean address");
        // A success forgives the account and its pair on every node.
        let ok = n2.admit("b@x.io", A, 0).await.expect("other account");
        n2.succeeded(ok).await;
        for _ in 0..PAIR_FAILURES_FREE {
            n1.admit("b@x.io", A, 0).await.expect("counted afresh");
        }
    }

    #[tokio::test]
    async fn spraying_is_refused_for_the_rest_of_the_window_across_nodes() {
        let kv: Arc<dyn kv::Kv> = Arc::new(kv::MemoryKv::new());
        let (n1, n2) = (Throttle::shared(kv.clone()), Throttle::shared(kv));
        for i in 0..ADDRESS_FAILURES_MAX {
            let node = if i % 2 == 0 { &n1 } else { &n2 };
            node.admit(&format!("u{i}@x.io"), A, 0)
                .await
                .expect("spray");
        }
        let wait = n1.admit("new@x.io", A, 0).await.expect_err("refused");
        assert!(wait > 800 && wait <= 900, "{wait}");
        n2.admit("new@x.io", B, 0).await.expect("other address");
    }

    #[test]
    fn memory_stays_bounded() {
        let t = LoginThrottle::default();
        for i in 0..(ENTRIES_MAX as u32 / 3 + 10) {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(i));
            t.admit(&format!("{i}@x.io"), ip, i64::from(i))
                .expect("admit");
        }
        let n = t
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len();
        assert!(n <= ENTRIES_MAX, "{n}");
    }
}
