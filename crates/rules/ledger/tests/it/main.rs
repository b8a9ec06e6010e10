//! The ledger crate's one integration-test binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed step fails the test with its message"
)]

mod cli;
mod conformance;
mod executor;
mod properties;
mod support;
mod verify;
