//! Crash rounds: a pre-generated SHA-256 hash chain played in reverse, salted into a crash point.
//!
//! The operator generates `h0 = seed`, `h(i+1) = SHA256(lowercase hex of h(i))` once, publishes the
//! last element's successor (or the salt's commitment) and plays `hN, hN-1, …, h0`: each played hash
//! is the SHA-256 preimage of the one played before it, so nobody can compute future rounds, but
//! everyone can check past ones. The salt (for example a future block hash) is published before the
//! chain starts, so the operator cannot have chosen a favourable chain.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::seeds::sha256_hex;
use crate::stream::TWO_POW_32;

/// Longest chain generated in one call (one `String` of 64 bytes per element).
pub const CHAIN_LEN_MAX: usize = 1_000_000;

/// The house factor of crash: 0.99 (1% edge).
pub const CRASH_HOUSE_FACTOR: f64 = 0.99;

/// Why a chain could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("chain length must be between 1 and {CHAIN_LEN_MAX}")]
    BadLength,
}

/// One round's crash point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrashPoint {
    /// `max(1, 2^32 / (u + 1) * 0.99)` in `f64`, where `u` is the first four HMAC bytes big-endian.
    pub raw: f64,
    /// The shown crash point in hundredths: `floor(raw * 100)`.
    pub hundredths: u64,
}

impl CrashPoint {
    /// The shown crash point, floored to two decimals.
    pub fn shown(&self) -> f64 {
        self.hundredths as f64 / 100.0
    }
}

/// The first four bytes of `HMAC_SHA256(key = game hash ASCII, message = salt ASCII)`, big-endian.
#[allow(
    clippy::expect_used,
    reason = "HMAC accepts keys of any length (long keys are hashed first)"
)]
pub fn crash_u32(game_hash: &str, salt: &str) -> u32 {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(game_hash.as_bytes())
        .expect("hmac accepts keys of any length");
    mac.update(salt.as_bytes());
    let digest = mac.finalize().into_bytes();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// The crash point of a round from the 32-bit draw: `max(1, 2^32 / (u + 1) * 0.99)`.
pub fn crash_from_u32(u: u32) -> CrashPoint {
    let raw = (TWO_POW_32 / (f64::from(u) + 1.0) * CRASH_HOUSE_FACTOR).max(1.0);
    // raw <= 2^32 * 0.99, so raw * 100 fits a u64 and the cast cannot saturate.
    let hundredths = (raw * 100.0).floor() as u64;
    CrashPoint { raw, hundredths }
}

/// The crash point of the round with this game hash under this salt.
pub fn crash_point(game_hash: &str, salt: &str) -> CrashPoint {
    crash_from_u32(crash_u32(game_hash, salt))
}

/// The next element of generation: SHA-256 of the previous element's lowercase hex text.
pub fn chain_next(hash_hex: &str) -> String {
    sha256_hex(hash_hex.as_bytes())
}

/// Generates `len` elements from `seed` and returns them in PLAY order (last generated first).
pub fn hash_chain(seed: &str, len: usize) -> Result<Vec<String>, ChainError> {
    if len == 0 || len > CHAIN_LEN_MAX {
        return Err(ChainError::BadLength);
    }
    let mut chain = Vec::with_capacity(len);
    let mut current = seed.to_owned();
    for _ in 0..len {
        current = chain_next(&current);
        chain.push(current.clone());
    }
    chain.reverse();
    Ok(chain)
}

/// Whether `game_hash` may be played right after `previous_game_hash`: its SHA-256 must be it.
pub fn follows(previous_game_hash: &str, game_hash: &str) -> bool {
    chain_next(game_hash).eq_ignore_ascii_case(previous_game_hash)
}

/// How many of the `2^32` draws give a shown crash point of at least `hundredths / 100`.
///
/// The shown point is non-increasing in `u`, so the count is one past the largest qualifying `u`,
/// found by binary search on the very function that plays the game (no closed form to drift from).
pub fn draws_at_least(hundredths: u64) -> u64 {
    if crash_from_u32(0).hundredths < hundredths {
        return 0;
    }
    let (mut lo, mut hi) = (0u64, u64::from(u32::MAX));
    // Invariant: draw `lo` qualifies; every draw above `hi` does not.
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if crash_from_u32(mid as u32).hundredths >= hundredths {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo + 1
}
