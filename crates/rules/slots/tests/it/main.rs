//! Integration tests of the slot engine: one binary, one module per area.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed step fails the test with its message"
)]

mod cli;
mod eval;
mod exact;
mod games_gen;
mod parse;
mod real_games;
mod shipped;
mod sim;
mod spin;

use std::path::PathBuf;

/// Text of a file under `tests/fixtures/` (tests may read files; the crate itself never does).
pub fn fixture(name: &str) -> String {
    read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
}

/// Text of a shipped game under `games/`.
pub fn shipped_game(name: &str) -> String {
    read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("games")
            .join(name),
    )
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
