//! Store integration tests: the conformance suite against every backend.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed step fails the test with its message"
)]

mod ledger;
mod postgres;
mod sqlite;
