//! The provably fair byte stream: HMAC-SHA256 rounds keyed by the server seed, read through a cursor.
//!
//! Round `r` is `HMAC_SHA256(key = server seed ASCII, message = "{client}:{nonce}:{r}")`, 32 bytes;
//! the cursor indexes bytes across rounds. This is byte-compatible with the scheme third-party
//! verifiers implement, so the key is the seed's ASCII text, never its hex-decoded bytes.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Bytes produced by one HMAC round.
pub const ROUND_BYTES: usize = 32;

/// Bytes consumed by one float (and by one `u32` draw).
pub const FLOAT_BYTES: usize = 4;

/// `2^32` as an `f64`: the divisor that turns four big-endian bytes into a float in `[0, 1)`.
pub const TWO_POW_32: f64 = 4_294_967_296.0;

/// How a float becomes an integer in `0..n`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexMode {
    /// `floor(f * n)`: the industry mapping every third-party verifier implements (slightly biased
    /// when `n` does not divide `2^32`).
    #[default]
    Floor,
    /// Rejection sampling on four-byte draws: exactly uniform, for regulated markets. Not
    /// verifiable with third-party tools, and consumes a variable number of bytes.
    Unbiased,
}

/// The HMAC state keyed by one server seed, computed once and cloned per stream.
///
/// Keying HMAC hashes the padded key into the inner and outer SHA-256 states; doing that once per
/// seed pair instead of once per round is what makes millions of dice outcomes per second possible.
#[derive(Clone)]
pub struct SeedKey {
    mac: HmacSha256,
}

impl SeedKey {
    /// Keys HMAC-SHA256 with the server seed's ASCII text (its hex characters, not decoded).
    pub fn new(server_seed: &str) -> SeedKey {
        SeedKey {
            mac: keyed(server_seed.as_bytes()),
        }
    }

    /// The byte stream of one bet: `(client_seed, nonce)` under this key, cursor at 0.
    pub fn stream(&self, client_seed: &str, nonce: u64) -> ByteStream {
        let mut prefix = self.mac.clone();
        prefix.update(client_seed.as_bytes());
        prefix.update(b":");
        prefix.update(decimal(nonce, &mut [0u8; 20]));
        prefix.update(b":");
        ByteStream {
            prefix,
            round: 0,
            block: [0; ROUND_BYTES],
            offset: ROUND_BYTES,
        }
    }
}

impl std::fmt::Debug for SeedKey {
    // The keyed state is derived from the secret server seed: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SeedKey(..)")
    }
}

/// A cursor over the HMAC rounds of one `(server seed, client seed, nonce)` triple.
///
/// Rounds are computed lazily, one at a time, from a state that has already absorbed the key and
/// the `"{client}:{nonce}:"` prefix, so each round costs one clone plus the round digits.
#[derive(Clone)]
pub struct ByteStream {
    prefix: HmacSha256,
    /// Index of the round held in `block` plus one once `block` is filled (the next round to compute).
    round: u64,
    block: [u8; ROUND_BYTES],
    /// Next unread byte of `block`; `ROUND_BYTES` means the block is exhausted.
    offset: usize,
}

impl ByteStream {
    /// The stream of one bet, cursor at 0. Keys HMAC afresh: use [`SeedKey::stream`] in hot loops.
    pub fn new(server_seed: &str, client_seed: &str, nonce: u64) -> ByteStream {
        SeedKey::new(server_seed).stream(client_seed, nonce)
    }

    /// The 32 bytes of round `round`, independent of the cursor.
    pub fn round_bytes(&self, round: u64) -> [u8; ROUND_BYTES] {
        let mut mac = self.prefix.clone();
        mac.update(decimal(round, &mut [0u8; 20]));
        mac.finalize().into_bytes().into()
    }

    /// Index of the next byte the cursor will read, counted from the start of round 0.
    pub fn cursor(&self) -> u64 {
        if self.offset == ROUND_BYTES {
            self.round * ROUND_BYTES as u64
        } else {
            (self.round - 1) * ROUND_BYTES as u64 + self.offset as u64
        }
    }

    /// Fills `buf` with the next bytes of the stream, advancing the cursor.
    pub fn fill(&mut self, buf: &mut [u8]) {
        let mut written = 0;
        while written < buf.len() {
            if self.offset == ROUND_BYTES {
                self.block = self.round_bytes(self.round);
                self.round += 1;
                self.offset = 0;
            }
            let take = (ROUND_BYTES - self.offset).min(buf.len() - written);
            buf[written..written + take]
                .copy_from_slice(&self.block[self.offset..self.offset + take]);
            self.offset += take;
            written += take;
        }
    }

    /// The next four bytes read big-endian: the integer behind the next float.
    pub fn next_u32(&mut self) -> u32 {
        let mut bytes = [0u8; FLOAT_BYTES];
        self.fill(&mut bytes);
        u32::from_be_bytes(bytes)
    }

    /// The next float: four bytes big-endian divided by `2^32`, in `[0, 1)`.
    pub fn next_float(&mut self) -> f64 {
        float_from_u32(self.next_u32())
    }

    /// `floor(f * n)` for the next float `f`: the default (slightly biased) integer mapping to `0..n`.
    ///
    /// Computed on integers as `(u * n) >> 32`, which equals the verifiers' `Math.floor(f * n)`
    /// exactly for every `n` up to `2^21` (the product is exact in an `f64` there).
    pub fn next_index(&mut self, n: u32) -> u32 {
        index_from_u32(self.next_u32(), n)
    }

    /// An integer in `0..n` under the chosen mapping; `n` must be at least 1 (games' sizes are).
    pub fn index(&mut self, n: u32, mode: IndexMode) -> u32 {
        assert!(n >= 1, "an index range is never empty");
        match mode {
            IndexMode::Floor => self.next_index(n),
            IndexMode::Unbiased => self.next_index_unbiased(n).unwrap_or(0),
        }
    }

    /// An unbiased integer in `0..n` by rejection sampling (the optional regulated-market mode).
    ///
    /// Draws four bytes at a time and rejects draws at or above the largest multiple of `n` below
    /// `2^32`; returns `None` for `n == 0`. The expected number of draws is below 2 for every `n`.
    pub fn next_index_unbiased(&mut self, n: u32) -> Option<u32> {
        if n == 0 {
            return None;
        }
        let zone = unbiased_zone(n);
        loop {
            let u = u64::from(self.next_u32());
            if u < zone {
                return u32::try_from(u % u64::from(n)).ok();
            }
        }
    }
}

impl std::fmt::Debug for ByteStream {
    // The prefix state is derived from the secret server seed: show only the cursor.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteStream")
            .field("cursor", &self.cursor())
            .finish()
    }
}

/// Four big-endian bytes as a float in `[0, 1)`: `u / 2^32` (exact in an `f64`).
pub fn float_from_u32(u: u32) -> f64 {
    f64::from(u) / TWO_POW_32
}

/// `floor(u / 2^32 * n)` computed exactly on integers.
pub fn index_from_u32(u: u32, n: u32) -> u32 {
    let index = (u64::from(u) * u64::from(n)) >> 32;
    // `u < 2^32` so `u * n / 2^32 < n`, which fits a `u32`.
    debug_assert!(index < u64::from(n.max(1)));
    index as u32
}

/// How many of the `2^32` possible draws map to an index below `k` under `floor(f * n)`.
///
/// `#{u : floor(u * n / 2^32) < k} = ceil(k * 2^32 / n)`: the exact distribution of the default
/// mapping, which the RTP computations use.
pub fn draws_below(k: u32, n: u32) -> u64 {
    if n == 0 {
        return 0;
    }
    let k = u128::from(k.min(n));
    let total = k << 32;
    let n = u128::from(n);
    total.div_ceil(n) as u64
}

/// The accepted zone of rejection sampling: the largest multiple of `n` not above `2^32`.
pub fn unbiased_zone(n: u32) -> u64 {
    let full = 1u64 << 32;
    full - full % u64::from(n.max(1))
}

#[allow(
    clippy::expect_used,
    reason = "HMAC accepts keys of any length (long keys are hashed first): this cannot fail"
)]
fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of every length (long keys are hashed first): this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(key).expect("hmac accepts keys of any length")
}

/// Writes `value` in decimal into `buf` and returns the digits, without allocating.
fn decimal(mut value: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    &buf[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_matches_display() {
        for value in [0u64, 7, 10, 99, 12_345, u64::MAX] {
            assert_eq!(decimal(value, &mut [0; 20]), value.to_string().as_bytes());
        }
    }

    #[test]
    fn integer_index_matches_float_floor_for_small_n() {
        for u in [0u32, 1, 12_345_678, 2_147_483_648, u32::MAX] {
            for n in [1u32, 2, 25, 37, 52, 10_001, 1 << 21] {
                let by_float = (float_from_u32(u) * f64::from(n)).floor() as u32;
                assert_eq!(index_from_u32(u, n), by_float, "u={u} n={n}");
            }
        }
    }

    #[test]
    fn draws_below_counts_the_preimage() {
        // n = 3: indices 0,1,2 get 1431655766, 1431655765, 1431655765 draws.
        assert_eq!(draws_below(1, 3), 1_431_655_766);
        assert_eq!(draws_below(2, 3), 2_863_311_531);
        assert_eq!(draws_below(3, 3), 1 << 32);
        let last_of_zero = (draws_below(1, 3) - 1) as u32;
        assert_eq!(index_from_u32(last_of_zero, 3), 0);
        assert_eq!(index_from_u32(last_of_zero + 1, 3), 1);
    }
}
