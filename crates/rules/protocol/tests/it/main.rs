//! The protocol crate's one integration-test binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed step fails the test with its message"
)]

mod fixtures;
mod leak;
mod parse;
mod snapshots;
mod typescript;
mod wire;
