//! The in-memory adapter: one process's shared state (the embedded default). Expiry runs on the
//! runtime's monotonic clock (`tokio::time`), so tests may pause and advance it.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::{
    Admit, Kv, KvError, Lease, Limit, check_limit, check_name, check_score, check_ttl, gcra,
};

/// Buckets kept before the idle ones (full again) are dropped.
const BUCKETS_PRUNE_AT: usize = 100_000;

/// The in-memory kv.
#[derive(Debug)]
pub struct MemoryKv {
    base: Instant,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    leases: HashMap<String, Held>,
    fences: HashMap<String, u64>,
    counters: HashMap<String, i64>,
    buckets: HashMap<String, i64>,
    sets: HashMap<String, Set>,
    windows: HashMap<String, (i64, Instant)>,
    holds: HashMap<String, Instant>,
}

#[derive(Debug)]
struct Held {
    holder: String,
    token: u64,
    until: Instant,
}

#[derive(Debug, Default)]
struct Set {
    scores: HashMap<String, i64>,
    /// Ascending by (score, member): reversed, the order of `ztop`.
    order: Ranked,
}

/// A sorted sequence in chunks of a few hundred: inserts, removals and ranks cost a binary search
/// plus a short shift and a walk over the chunk lengths, so a set of a million members answers a
/// rank in microseconds (a `BTreeSet` would count its way there).
#[derive(Debug, Default)]
struct Ranked {
    chunks: Vec<Vec<(i64, String)>>,
    len: usize,
}

const CHUNK: usize = 512;

impl Ranked {
    fn chunk_of(&self, k: &(i64, String)) -> usize {
        let i = self
            .chunks
            .partition_point(|c| c.last().is_some_and(|last| last < k));
        i.min(self.chunks.len().saturating_sub(1))
    }

    fn insert(&mut self, k: (i64, String)) {
        if self.chunks.is_empty() {
            self.chunks.push(vec![k]);
            self.len = 1;
            return;
        }
        let ci = self.chunk_of(&k);
        let chunk = &mut self.chunks[ci];
        match chunk.binary_search(&k) {
            Ok(_) => return,
            Err(at) => chunk.insert(at, k),
        }
        self.len += 1;
        if chunk.len() > 2 * CHUNK {
            let tail = chunk.split_off(CHUNK);
            self.chunks.insert(ci + 1, tail);
        }
    }

    fn remove(&mut self, k: &(i64, String)) -> bool {
        if self.chunks.is_empty() {
            return false;
        }
        let ci = self.chunk_of(k);
        let Ok(at) = self.chunks[ci].binary_search(k) else {
            return false;
        };
        self.chunks[ci].remove(at);
        self.len -= 1;
        if self.chunks[ci].is_empty() {
            self.chunks.remove(ci);
        }
        true
    }

    /// Keys smaller than `k`.
    fn count_below(&self, k: &(i64, String)) -> usize {
        let mut n = 0;
        for c in &self.chunks {
            if c.last().is_some_and(|last| last < k) {
                n += c.len();
            } else {
                n += c.partition_point(|x| x < k);
                break;
            }
        }
        n
    }

    /// Keys greater than `k`.
    fn count_above(&self, k: &(i64, String)) -> usize {
        let below = self.count_below(k);
        let here = usize::from(self.contains(k));
        self.len - below - here
    }

    fn contains(&self, k: &(i64, String)) -> bool {
        !self.chunks.is_empty() && self.chunks[self.chunk_of(k)].binary_search(k).is_ok()
    }

    /// From the greatest key down, skipping `offset`.
    fn descending(&self, offset: usize) -> impl Iterator<Item = &(i64, String)> {
        let mut skip = offset;
        let mut first = self.chunks.len();
        while first > 0 && skip >= self.chunks[first - 1].len() {
            skip -= self.chunks[first - 1].len();
            first -= 1;
        }
        self.chunks[..first]
            .iter()
            .rev()
            .flat_map(|c| c.iter().rev())
            .skip(skip)
    }
}

impl Set {
    fn put(&mut self, member: &str, score: i64) {
        if let Some(old) = self.scores.insert(member.to_owned(), score) {
            self.order.remove(&(old, member.to_owned()));
        }
        self.order.insert((score, member.to_owned()));
    }
}

impl Default for MemoryKv {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryKv {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            base: Instant::now(),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now_us(&self) -> i64 {
        i64::try_from(Instant::now().duration_since(self.base).as_micros()).unwrap_or(i64::MAX)
    }
}

impl Inner {
    fn live(&mut self, name: &str, now: Instant) -> Option<&Held> {
        if self.leases.get(name).is_some_and(|h| h.until <= now) {
            self.leases.remove(name);
        }
        self.leases.get(name)
    }
}

#[async_trait]
impl Kv for MemoryKv {
    fn backend_name(&self) -> &'static str {
        "memory"
    }

    async fn ping(&self) -> Result<(), KvError> {
        Ok(())
    }

    async fn acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, KvError> {
        check_name("a lease name", name)?;
        check_name("a holder", holder)?;
        check_ttl(ttl)?;
        let now = Instant::now();
        let mut inner = self.lock();
        let token = match inner.live(name, now) {
            Some(h) if h.holder == holder => h.token,
            Some(_) => return Ok(None),
            None => {
                let fence = inner.fences.entry(name.to_owned()).or_insert(0);
                *fence += 1;
                *fence
            }
        };
        inner.leases.insert(
            name.to_owned(),
            Held {
                holder: holder.to_owned(),
                token,
                until: now + ttl,
            },
        );
        Ok(Some(Lease {
            name: name.to_owned(),
            holder: holder.to_owned(),
            token,
        }))
    }

    async fn renew(&self, lease: &Lease, ttl: Duration) -> Result<bool, KvError> {
        check_ttl(ttl)?;
        let now = Instant::now();
        let mut inner = self.lock();
        let held = inner
            .live(&lease.name, now)
            .is_some_and(|h| h.holder == lease.holder && h.token == lease.token);
        if held && let Some(h) = inner.leases.get_mut(&lease.name) {
            h.until = now + ttl;
        }
        Ok(held)
    }

    async fn release(&self, lease: &Lease) -> Result<bool, KvError> {
        let now = Instant::now();
        let mut inner = self.lock();
        let held = inner
            .live(&lease.name, now)
            .is_some_and(|h| h.holder == lease.holder && h.token == lease.token);
        if held {
            inner.leases.remove(&lease.name);
        }
        Ok(held)
    }

    async fn holder(&self, name: &str) -> Result<Option<Lease>, KvError> {
        let now = Instant::now();
        let mut inner = self.lock();
        Ok(inner.live(name, now).map(|h| Lease {
            name: name.to_owned(),
            holder: h.holder.clone(),
            token: h.token,
        }))
    }

    async fn incr(&self, key: &str, by: i64) -> Result<i64, KvError> {
        check_name("a counter", key)?;
        let mut inner = self.lock();
        let v = inner.counters.entry(key.to_owned()).or_insert(0);
        *v = v
            .checked_add(by)
            .ok_or_else(|| KvError::Invalid(format!("counter {key} would overflow")))?;
        Ok(*v)
    }

    async fn counter(&self, key: &str) -> Result<i64, KvError> {
        Ok(self.lock().counters.get(key).copied().unwrap_or(0))
    }

    async fn take(&self, key: &str, limit: Limit, cost: u32) -> Result<Admit, KvError> {
        check_name("a bucket", key)?;
        check_limit(limit, cost)?;
        let now = self.now_us();
        let mut inner = self.lock();
        if inner.buckets.len() >= BUCKETS_PRUNE_AT {
            inner.buckets.retain(|_, tat| *tat > now);
        }
        let tat = inner.buckets.get(key).copied();
        match gcra(now, tat, limit, cost) {
            Ok(new_tat) => {
                inner.buckets.insert(key.to_owned(), new_tat);
                Ok(Admit::Allowed)
            }
            Err(wait) => Ok(Admit::Retry(wait)),
        }
    }

    async fn zincr(&self, set: &str, member: &str, by: i64) -> Result<i64, KvError> {
        check_name("a set", set)?;
        check_name("a member", member)?;
        let mut inner = self.lock();
        let s = inner.sets.entry(set.to_owned()).or_default();
        let old = s.scores.get(member).copied().unwrap_or(0);
        let new = check_score(
            old.checked_add(by)
                .ok_or_else(|| KvError::Invalid("score overflow".into()))?,
        )?;
        s.put(member, new);
        Ok(new)
    }

    async fn zset(&self, set: &str, member: &str, score: i64) -> Result<(), KvError> {
        check_name("a set", set)?;
        check_name("a member", member)?;
        let score = check_score(score)?;
        self.lock()
            .sets
            .entry(set.to_owned())
            .or_default()
            .put(member, score);
        Ok(())
    }

    async fn ztop(
        &self,
        set: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<(String, i64)>, KvError> {
        let inner = self.lock();
        Ok(inner
            .sets
            .get(set)
            .map(|s| {
                s.order
                    .descending(offset)
                    .take(limit)
                    .map(|(score, m)| (m.clone(), *score))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn zrank(&self, set: &str, member: &str) -> Result<Option<(u64, i64)>, KvError> {
        let inner = self.lock();
        let Some(s) = inner.sets.get(set) else {
            return Ok(None);
        };
        let Some(score) = s.scores.get(member).copied() else {
            return Ok(None);
        };
        let above = s.order.count_above(&(score, member.to_owned()));
        Ok(Some((u64::try_from(above).unwrap_or(u64::MAX), score)))
    }

    async fn zbefore(&self, set: &str, score: i64, member: &str) -> Result<u64, KvError> {
        let inner = self.lock();
        let Some(s) = inner.sets.get(set) else {
            return Ok(0);
        };
        let before = s.order.count_above(&(score, member.to_owned()));
        Ok(u64::try_from(before).unwrap_or(u64::MAX))
    }

    async fn zreplace(
        &self,
        set: &str,
        old: Option<&str>,
        new: &str,
        score: i64,
    ) -> Result<(), KvError> {
        check_name("a set", set)?;
        check_name("a member", new)?;
        let score = check_score(score)?;
        let mut inner = self.lock();
        let s = inner.sets.entry(set.to_owned()).or_default();
        if let Some(old) = old
            && old != new
            && let Some(was) = s.scores.remove(old)
        {
            s.order.remove(&(was, old.to_owned()));
        }
        s.put(new, score);
        Ok(())
    }

    async fn zremove(&self, set: &str, member: &str) -> Result<bool, KvError> {
        let mut inner = self.lock();
        let Some(s) = inner.sets.get_mut(set) else {
            return Ok(false);
        };
        match s.scores.remove(member) {
            Some(score) => {
                s.order.remove(&(score, member.to_owned()));
                if s.scores.is_empty() {
                    inner.sets.remove(set);
                }
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn window_add(
        &self,
        key: &str,
        by: i64,
        window: Duration,
    ) -> Result<(i64, Duration), KvError> {
        check_name("a counter", key)?;
        check_ttl(window)?;
        let now = Instant::now();
        let mut inner = self.lock();
        let e = inner
            .windows
            .entry(key.to_owned())
            .and_modify(|e| {
                if e.1 <= now {
                    *e = (0, now + window);
                }
            })
            .or_insert((0, now + window));
        e.0 = e.0.saturating_add(by);
        Ok((e.0, e.1.duration_since(now)))
    }

    async fn hold(&self, key: &str, at_least: Duration) -> Result<Duration, KvError> {
        check_name("a mark", key)?;
        if !at_least.is_zero() {
            check_ttl(at_least)?;
        }
        let now = Instant::now();
        let mut inner = self.lock();
        let until = inner.holds.get(key).copied().filter(|u| *u > now);
        let until = match until {
            Some(u) if u >= now + at_least => Some(u),
            _ if !at_least.is_zero() => Some(now + at_least),
            other => other,
        };
        match until {
            Some(u) => {
                inner.holds.insert(key.to_owned(), u);
                Ok(u.duration_since(now))
            }
            None => {
                inner.holds.remove(key);
                Ok(Duration::ZERO)
            }
        }
    }

    async fn forget(&self, key: &str) -> Result<(), KvError> {
        let mut inner = self.lock();
        inner.windows.remove(key);
        inner.holds.remove(key);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::Ranked;
    use std::collections::BTreeSet;

    #[test]
    fn ranked_agrees_with_a_btreeset() {
        let mut r = Ranked::default();
        let mut b = BTreeSet::new();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..30_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let k = ((x % 500) as i64 - 250, format!("m{}", (x >> 12) % 3_000));
            if x.is_multiple_of(3) {
                assert_eq!(r.remove(&k), b.remove(&k));
            } else {
                r.insert(k.clone());
                b.insert(k);
            }
            assert_eq!(r.len, b.len());
        }
        let all: Vec<_> = r.descending(0).cloned().collect();
        let want: Vec<_> = b.iter().rev().cloned().collect();
        assert_eq!(all, want);
        for off in [0, 1, 511, 512, 513, 2_000, want.len(), want.len() + 5] {
            let got: Vec<_> = r.descending(off).take(7).cloned().collect();
            let exp: Vec<_> = want.iter().skip(off).take(7).cloned().collect();
            assert_eq!(got, exp, "offset {off}");
        }
        for k in want.iter().step_by(37) {
            assert_eq!(r.count_above(k), b.range(k..).count() - 1);
            let probe = (k.0, format!("{}~", k.1));
            assert_eq!(r.count_above(&probe), b.range(probe.clone()..).count());
        }
    }
}
