//! The provably fair core: the HMAC-SHA256 byte stream, seed-pair lifecycle and crash hash chain.
//!
//! Pure: no I/O, no clock, no randomness of its own. Server seeds are arguments (the server draws
//! them from the OS CSPRNG), so every function here is deterministic and verifiable by players.

pub mod cli;
pub mod crash;
pub mod seeds;
pub mod stream;

pub use crash::{CrashPoint, crash_point};
pub use seeds::{ClientSeed, Commitment, Revealed, SeedError, SeedPair, ServerSeed};
pub use stream::{ByteStream, IndexMode, SeedKey};
