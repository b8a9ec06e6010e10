//! Integration tests of the fair crate: published vectors, seed lifecycle, mappings, properties.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed step fails the test with its message"
)]

mod crash;
mod mapping;
mod seeds;
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
