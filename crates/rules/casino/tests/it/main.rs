//! Integration tests of the casino crate: published vectors, exact RTPs, chi-square, rounds.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed step fails the test with its message"
)]

mod chisq;
mod cli;
mod payouts;
mod rounds;
mod rtp;
mod vectors;

use serde_json::Value;

/// The published verifier vectors (source noted inside the file).
pub fn fixture() -> Value {
    let text = include_str!("../fixtures/stake_verifier_vectors.json");
    serde_json::from_str(text).expect("fixture is valid JSON")
}

/// `(server_seed, client_seed, nonce)` of fixture seed `index`.
pub fn seed(fixture: &Value, index: &Value) -> (String, String, u64) {
    let s = &fixture["seeds"][index.as_u64().expect("seed index") as usize];
    (
        s["server_seed"].as_str().expect("server_seed").to_owned(),
        s["client_seed"].as_str().expect("client_seed").to_owned(),
        s["nonce"].as_u64().expect("nonce"),
    )
}

/// A fixed seed pair for statistical tests (deterministic: same stream on every run).
pub const STAT_SERVER_SEED: &str =
    "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1";
pub const STAT_CLIENT_SEED: &str = "playhouse-chi-square";
