//! The Redis adapter (a cluster's shared fast state). Every read-modify-write is one Lua script, so
//! each call is one round trip and atomic; expiry and bucket time are Redis's own (`PEXPIRE`,
//! `TIME`), never a node's clock.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisError, Script};

use crate::{
    Admit, Kv, KvError, Lease, Limit, SCORE_MAX, check_limit, check_name, check_score, check_ttl,
};

/// How long one call may wait for Redis before it fails as `Unavailable`.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Takes a free lease (a new fencing token from the name's counter) or renews the holder's own.
/// KEYS: lease, fence. ARGV: holder, ttl ms. Returns the token, or -1 when held by another.
const ACQUIRE: &str = r"
local h = redis.call('HMGET', KEYS[1], 'holder', 'token')
if h[1] then
  if h[1] == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(h[2])
  end
  return -1
end
local t = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'token', t)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return t
";

/// KEYS: lease. ARGV: holder, token, ttl ms. Returns 1 when renewed.
const RENEW: &str = r"
local h = redis.call('HMGET', KEYS[1], 'holder', 'token')
if h[1] == ARGV[1] and h[2] == ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
";

/// KEYS: lease. ARGV: holder, token. Returns 1 when released.
const RELEASE: &str = r"
local h = redis.call('HMGET', KEYS[1], 'holder', 'token')
if h[1] == ARGV[1] and h[2] == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
";

/// GCRA on Redis's clock (the same arithmetic as `crate::gcra`). KEYS: bucket. ARGV: per_sec,
/// burst, cost. Returns 0 when taken, else the wait in microseconds.
const TAKE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = math.floor(1000000 / tonumber(ARGV[1]))
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval * tonumber(ARGV[3])
local over = new_tat - now - interval * tonumber(ARGV[2])
if over > 0 then return over end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1)
return 0
";

/// KEYS: set. ARGV: member, by, bound. Returns the new score as a string, or an error beyond ±bound.
/// KEYS[1] counter; ARGV[1] by, ARGV[2] window ms → {value, ms left}.
const WINDOW_ADD: &str = r"
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
local t = redis.call('PTTL', KEYS[1])
if t < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  t = tonumber(ARGV[2])
end
return {v, t}
";

/// KEYS[1] mark; ARGV[1] at least ms (0: read) → ms held.
const HOLD: &str = r"
local t = redis.call('PTTL', KEYS[1])
local want = tonumber(ARGV[1])
if want > 0 and t < want then
  redis.call('SET', KEYS[1], '1', 'PX', want)
  t = want
end
if t < 0 then t = 0 end
return t
";

const ZINCR: &str = r"
local s = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0') + tonumber(ARGV[2])
if s > tonumber(ARGV[3]) or s < -tonumber(ARGV[3]) then
  return redis.error_reply('ERANGE score out of range')
end
redis.call('ZADD', KEYS[1], string.format('%.0f', s), ARGV[1])
return string.format('%.0f', s)
";

/// Members before a place: the probe is added, ranked by Redis itself (byte order of members),
/// and removed again unless it was a member already, all in one script.
const ZBEFORE: &str = r"
local had = redis.call('ZSCORE', KEYS[1], ARGV[2])
if had and tonumber(had) == tonumber(ARGV[1]) then
  return redis.call('ZREVRANK', KEYS[1], ARGV[2])
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local r = redis.call('ZREVRANK', KEYS[1], ARGV[2])
if had then
  redis.call('ZADD', KEYS[1], had, ARGV[2])
else
  redis.call('ZREM', KEYS[1], ARGV[2])
end
if had and tonumber(had) > tonumber(ARGV[1]) then
  r = r + 1
end
return r
";

/// Replaces a member by another in one step.
const ZREPLACE: &str = r"
if ARGV[1] ~= '' and ARGV[1] ~= ARGV[2] then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
return 1
";

/// The Redis kv.
#[derive(Clone)]
pub struct RedisKv {
    conn: ConnectionManager,
    namespace: String,
    acquire: Script,
    renew: Script,
    release: Script,
    take: Script,
    zincr: Script,
    zbefore: Script,
    zreplace: Script,
    window_add: Script,
    hold: Script,
}

impl std::fmt::Debug for RedisKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisKv")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

fn unavailable_or_protocol(e: &RedisError) -> KvError {
    if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_connection_refusal() {
        KvError::Unavailable(e.to_string())
    } else if e.code() == Some("ERANGE") {
        KvError::Invalid("a score lies within ±(2^53 - 1)".into())
    } else {
        KvError::Protocol(e.to_string())
    }
}

fn err(e: RedisError) -> KvError {
    unavailable_or_protocol(&e)
}

impl RedisKv {
    /// Connects to Redis at `url` (`redis://host:port[/db]`), with every key under `namespace:`.
    /// Fails when Redis does not answer.
    pub async fn connect(url: &str, namespace: &str) -> Result<Self, KvError> {
        let client =
            redis::Client::open(url).map_err(|e| KvError::Invalid(format!("{url}: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(RESPONSE_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(2);
        let conn = tokio::time::timeout(
            RESPONSE_TIMEOUT * 2,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| KvError::Unavailable(format!("{url}: no answer")))?
        .map_err(err)?;
        let kv = Self {
            conn,
            namespace: namespace.to_owned(),
            acquire: Script::new(ACQUIRE),
            renew: Script::new(RENEW),
            release: Script::new(RELEASE),
            take: Script::new(TAKE),
            zincr: Script::new(ZINCR),
            zbefore: Script::new(ZBEFORE),
            zreplace: Script::new(ZREPLACE),
            window_add: Script::new(WINDOW_ADD),
            hold: Script::new(HOLD),
        };
        kv.ping().await?;
        Ok(kv)
    }

    fn key(&self, kind: &str, name: &str) -> String {
        format!("{}:{kind}:{name}", self.namespace)
    }

    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }
}

fn ms(ttl: Duration) -> Result<u64, KvError> {
    check_ttl(ttl)
}

#[async_trait]
impl Kv for RedisKv {
    fn backend_name(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> Result<(), KvError> {
        let pong: String = redis::cmd("PING")
            .query_async(&mut self.conn())
            .await
            .map_err(err)?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(KvError::Protocol(format!("PING answered {pong}")))
        }
    }

    async fn acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, KvError> {
        check_name("a lease name", name)?;
        check_name("a holder", holder)?;
        let ttl = ms(ttl)?;
        let token: i64 = self
            .acquire
            .key(self.key("lease", name))
            .key(self.key("fence", name))
            .arg(holder)
            .arg(ttl)
            .invoke_async(&mut self.conn())
            .await
            .map_err(err)?;
        Ok(u64::try_from(token).ok().map(|token| Lease {
            name: name.to_owned(),
            holder: holder.to_owned(),
            token,
        }))
    }

    async fn renew(&self, lease: &Lease, ttl: Duration) -> Result<bool, KvError> {
        let ttl = ms(ttl)?;
        let n: i64 = self
            .renew
            .key(self.key("lease", &lease.name))
            .arg(&lease.holder)
            .arg(lease.token)
            .arg(ttl)
            .invoke_async(&mut self.conn())
            .await
            .map_err(err)?;
        Ok(n == 1)
    }

    async fn release(&self, lease: &Lease) -> Result<bool, KvError> {
        let n: i64 = self
            .release
            .key(self.key("lease", &lease.name))
            .arg(&lease.holder)
            .arg(lease.token)
            .invoke_async(&mut self.conn())
            .await
            .map_err(err)?;
        Ok(n == 1)
    }

    async fn holder(&self, name: &str) -> Result<Option<Lease>, KvError> {
        let (holder, token): (Option<String>, Option<u64>) = redis::cmd("HMGET")
            .arg(self.key("lease", name))
            .arg("holder")
            .arg("token")
            .query_async(&mut self.conn())
            .await
            .map_err(err)?;
        Ok(match (holder, token) {
            (Some(holder), Some(token)) => Some(Lease {
                name: name.to_owned(),
                holder,
                token,
            }),
            _ => None,
        })
    }

    async fn incr(&self, key: &str, by: i64) -> Result<i64, KvError> {
        check_name("a counter", key)?;
        redis::cmd("INCRBY")
            .arg(self.key("n", key))
            .arg(by)
            .query_async(&mut self.conn())
            .await
            .map_err(err)
    }

    async fn counter(&self, key: &str) -> Result<i64, KvError> {
        let v: Option<i64> = redis::cmd("GET")
            .arg(self.key("n", key))
            .query_async(&mut self.conn())
            .await
            .map_err(err)?;
        Ok(v.unwrap_or(0))
    }

    async fn take(&self, key: &str, limit: Limit, cost: u32) -> Result<Admit, KvError> {
        check_name("a bucket", key)?;
        check_limit(limit, cost)?;
        let wait_us: i64 = self
            .take
            .key(self.key("bucket", key))
            .arg(limit.per_sec)
            .arg(limit.burst)
            .arg(cost)
            .invoke_async(&mut self.conn())
            .await
            .map_err(err)?;
        Ok(if wait_us > 0 {
            Admit::Retry(Duration::from_micros(u64::try_from(wait_us).unwrap_or(0)))
        } else {
            Admit::Allowed
        })
    }

    async fn zincr(&self, set: &str, member: &str, by: i64) -> Result<i64, KvError> {
        check_name("a set", set)?;
        check_name("a member", member)?;
        // Beyond twice the bound no sum can be in range; within it the script's doubles are exact
        // enough to compare with the bound.
        if by.unsigned_abs() > 2 * SCORE_MAX.unsigned_abs() {
            return Err(KvError::Invalid(format!(
                "an increment of {by} leaves every score out of range"
            )));
        }
        let s: String = self
            .zincr
            .key(self.key("z", set))
            .arg(member)
            .arg(by)
            .arg(SCORE_MAX)
            .invoke_async(&mut self.conn())
            .await
            .map_err(err)?;
        s.parse()
            .map_err(|_| KvError::Protocol(format!("score {s}")))
    }

    async fn zset(&self, set: &str, member: &str, score: i64) -> Result<(), KvError> {
        check_name("a set", set)?;
        check_name("a member", member)?;
        let score = check_score(score)?;
        let _: i64 = redis::cmd("ZADD")
            .arg(self.key("z", set))
            .arg(score)
            .arg(member)
            .query_async(&mut self.conn())
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn ztop(
        &self,
        set: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<(String, i64)>, KvError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, f64)> = redis::cmd("ZRANGE")
            .arg(self.key("z", set))
            .arg(offset)
            .arg(offset.saturating_add(limit - 1))
            .arg("REV")
            .arg("WITHSCORES")
            .query_async(&mut self.conn())
            .await
            .map_err(err)?;
        rows.into_iter()
            .map(|(m, s)| Ok((m, score_of(s)?)))
            .collect()
    }

    async fn zrank(&self, set: &str, member: &str) -> Result<Option<(u64, i64)>, KvError> {
        let (rank, score): (Option<u64>, Option<f64>) = redis::pipe()
            .atomic()
            .cmd("ZREVRANK")
            .arg(self.key("z", set))
            .arg(member)
            .cmd("ZSCORE")
            .arg(self.key("z", set))
            .arg(member)
            .query_async(&mut self.conn())
            .await
            .map_err(err)?;
        match (rank, score) {
            (Some(rank), Some(score)) => Ok(Some((rank, score_of(score)?))),
            _ => Ok(None),
        }
    }

    async fn zbefore(&self, set: &str, score: i64, member: &str) -> Result<u64, KvError> {
        check_name("a member", member)?;
        let score = check_score(score)?;
        let n: i64 = self
            .zbefore
            .key(self.key("z", set))
            .arg(score)
            .arg(member)
            .invoke_async(&mut self.conn())
            .await
            .map_err(err)?;
        Ok(u64::try_from(n).unwrap_or(0))
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
        let _: i64 = self
            .zreplace
            .key(self.key("z", set))
            .arg(old.unwrap_or(""))
            .arg(new)
            .arg(score)
            .invoke_async(&mut self.conn())
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn zremove(&self, set: &str, member: &str) -> Result<bool, KvError> {
        let n: i64 = redis::cmd("ZREM")
            .arg(self.key("z", set))
            .arg(member)
            .query_async(&mut self.conn())
            .await
            .map_err(err)?;
        Ok(n == 1)
    }

    async fn window_add(
        &self,
        key: &str,
        by: i64,
        window: Duration,
    ) -> Result<(i64, Duration), KvError> {
        check_name("a counter", key)?;
        let ms = check_ttl(window)?;
        let (v, left): (i64, i64) = self
            .window_add
            .key(self.key("w", key))
            .arg(by)
            .arg(ms)
            .invoke_async(&mut self.conn())
            .await
            .map_err(err)?;
        Ok((v, Duration::from_millis(u64::try_from(left).unwrap_or(0))))
    }

    async fn hold(&self, key: &str, at_least: Duration) -> Result<Duration, KvError> {
        check_name("a mark", key)?;
        let ms = if at_least.is_zero() {
            0
        } else {
            check_ttl(at_least)?
        };
        let left: i64 = self
            .hold
            .key(self.key("hold", key))
            .arg(ms)
            .invoke_async(&mut self.conn())
            .await
            .map_err(err)?;
        Ok(Duration::from_millis(u64::try_from(left).unwrap_or(0)))
    }

    async fn forget(&self, key: &str) -> Result<(), KvError> {
        let _: i64 = redis::cmd("DEL")
            .arg(self.key("w", key))
            .arg(self.key("hold", key))
            .query_async(&mut self.conn())
            .await
            .map_err(err)?;
        Ok(())
    }
}

/// A score as stored (a double holding an integer within ±(2^53 − 1)).
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    reason = "the bound 2^53 - 1 is exact as a double, and a value within it is an exact integer"
)]
fn score_of(s: f64) -> Result<i64, KvError> {
    if s.fract() != 0.0 || s.abs() > SCORE_MAX as f64 {
        return Err(KvError::Protocol(format!("score {s} is not an integer")));
    }
    Ok(s as i64)
}
