//! The seed-pair lifecycle as a pure state machine: commit, bet (nonce), rotate (reveal).
//!
//! The server reads its OS CSPRNG and passes the fresh seed bytes in; this module never draws
//! randomness itself. A pair publishes the SHA-256 of its active server seed and of the pre-committed
//! next one before any bet; rotation reveals the active seed, promotes the committed next one and
//! resets the nonce, and is refused while a multi-step round is still open on the pair.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bytes of entropy in a server seed (shown as 64 lowercase hex characters).
pub const SERVER_SEED_BYTES: usize = 32;

/// Longest client seed accepted, in characters.
pub const CLIENT_SEED_CHARS_MAX: usize = 64;

/// Why a seed operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeedError {
    #[error("server seed must be 64 lowercase hexadecimal characters")]
    BadServerSeed,
    #[error("client seed must be 1 to 64 printable ASCII characters without ':'")]
    BadClientSeed,
    #[error("seed pair cannot rotate while a multi-step round is open")]
    RoundOpen,
    #[error("fresh server seed must differ from the active and the committed seed")]
    SeedReused,
    #[error("nonce space of this seed pair is exhausted; rotate the pair")]
    NonceExhausted,
}

/// A server seed: 64 lowercase hex characters. Secret until its pair rotates.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServerSeed(String);

impl ServerSeed {
    /// The seed for 32 bytes the caller drew from the OS CSPRNG.
    pub fn from_bytes(bytes: [u8; SERVER_SEED_BYTES]) -> ServerSeed {
        ServerSeed(hex::encode(bytes))
    }

    /// Parses a seed given as text (for verification of revealed seeds).
    pub fn parse(text: &str) -> Result<ServerSeed, SeedError> {
        let ok = text.len() == 2 * SERVER_SEED_BYTES
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok {
            Ok(ServerSeed(text.to_owned()))
        } else {
            Err(SeedError::BadServerSeed)
        }
    }

    /// The seed's ASCII text: the HMAC key of the byte stream.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The published commitment: SHA-256 of the seed's ASCII text, lowercase hex.
    pub fn hash(&self) -> String {
        sha256_hex(self.0.as_bytes())
    }
}

impl std::fmt::Debug for ServerSeed {
    // An unrevealed server seed must never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSeed(..)")
    }
}

impl TryFrom<String> for ServerSeed {
    type Error = SeedError;
    fn try_from(text: String) -> Result<ServerSeed, SeedError> {
        ServerSeed::parse(&text)
    }
}

impl From<ServerSeed> for String {
    fn from(seed: ServerSeed) -> String {
        seed.0
    }
}

/// A client seed chosen by the player.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientSeed(String);

impl ClientSeed {
    /// 1 to 64 printable ASCII characters, no `':'` (the field separator of the HMAC message).
    pub fn parse(text: &str) -> Result<ClientSeed, SeedError> {
        let ok = !text.is_empty()
            && text.len() <= CLIENT_SEED_CHARS_MAX
            && text.bytes().all(|b| b.is_ascii_graphic() && b != b':');
        if ok {
            Ok(ClientSeed(text.to_owned()))
        } else {
            Err(SeedError::BadClientSeed)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientSeed {
    type Error = SeedError;
    fn try_from(text: String) -> Result<ClientSeed, SeedError> {
        ClientSeed::parse(&text)
    }
}

impl From<ClientSeed> for String {
    fn from(seed: ClientSeed) -> String {
        seed.0
    }
}

/// The persisted state of one player's seed pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedPair {
    active: ServerSeed,
    next: ServerSeed,
    client_seed: ClientSeed,
    /// The nonce the next bet will use.
    nonce: u64,
}

/// What the player may see of a pair before rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    pub server_seed_hash: String,
    pub next_server_seed_hash: String,
    pub client_seed: String,
    pub nonce: u64,
}

/// The inputs of one bet's byte stream. Holds the secret seed: for the server's use only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BetSeeds {
    pub server_seed: ServerSeed,
    pub client_seed: ClientSeed,
    pub nonce: u64,
}

/// A retired pair, revealed so the player can verify every bet made with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revealed {
    pub server_seed: String,
    pub server_seed_hash: String,
    pub client_seed: String,
    /// Bets used nonces `0..nonces_used`.
    pub nonces_used: u64,
}

/// The result of a rotation: the revealed old pair and the new active pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub revealed: Revealed,
    pub pair: SeedPair,
}

impl SeedPair {
    /// A new pair at nonce 0. `active` and `next` come from the caller's CSPRNG.
    pub fn new(
        active: ServerSeed,
        next: ServerSeed,
        client_seed: ClientSeed,
    ) -> Result<SeedPair, SeedError> {
        if active == next {
            return Err(SeedError::SeedReused);
        }
        Ok(SeedPair {
            active,
            next,
            client_seed,
            nonce: 0,
        })
    }

    /// The public view: hashes of both server seeds, the client seed and the next nonce.
    pub fn commitment(&self) -> Commitment {
        Commitment {
            server_seed_hash: self.active.hash(),
            next_server_seed_hash: self.next.hash(),
            client_seed: self.client_seed.as_str().to_owned(),
            nonce: self.nonce,
        }
    }

    /// The nonce the next bet will use.
    pub fn nonce(&self) -> u64 {
        self.nonce
    }

    /// Places a bet: returns its seeds and the pair with the nonce advanced by one.
    pub fn bet(&self) -> Result<(BetSeeds, SeedPair), SeedError> {
        let next_nonce = self.nonce.checked_add(1).ok_or(SeedError::NonceExhausted)?;
        let seeds = BetSeeds {
            server_seed: self.active.clone(),
            client_seed: self.client_seed.clone(),
            nonce: self.nonce,
        };
        let pair = SeedPair {
            nonce: next_nonce,
            ..self.clone()
        };
        Ok((seeds, pair))
    }

    /// Rotates: reveals the active seed, activates the committed next one with the player's
    /// (possibly unchanged) client seed at nonce 0, and commits `fresh` as the new next seed.
    ///
    /// Refused while a multi-step round is open, because revealing the seed would reveal that
    /// round's remaining cards or tiles.
    pub fn rotate(
        &self,
        client_seed: ClientSeed,
        fresh: ServerSeed,
        round_open: bool,
    ) -> Result<Rotation, SeedError> {
        if round_open {
            return Err(SeedError::RoundOpen);
        }
        if fresh == self.active || fresh == self.next {
            return Err(SeedError::SeedReused);
        }
        let revealed = Revealed {
            server_seed: self.active.as_str().to_owned(),
            server_seed_hash: self.active.hash(),
            client_seed: self.client_seed.as_str().to_owned(),
            nonces_used: self.nonce,
        };
        let pair = SeedPair {
            active: self.next.clone(),
            next: fresh,
            client_seed,
            nonce: 0,
        };
        debug_assert_eq!(
            pair.commitment().server_seed_hash,
            self.commitment().next_server_seed_hash
        );
        Ok(Rotation { revealed, pair })
    }
}

/// Whether a revealed server seed matches the hash that was published for it.
pub fn verify_commitment(server_seed: &str, published_hash: &str) -> bool {
    sha256_hex(server_seed.as_bytes()).eq_ignore_ascii_case(published_hash)
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
