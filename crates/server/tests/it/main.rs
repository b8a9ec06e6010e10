//! Server integration tests: each starts the real server on `127.0.0.1:0` and talks HTTP to it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed step fails the test with its message"
)]

mod accounts;
mod cli;
mod cluster;
mod config;
mod contests;
mod crash;
mod errors;
mod games;
mod guandan;
mod operator;
mod ops;
mod ratings;
mod slot_vectors;
mod support;
mod tidy;
mod tools;
mod wallet;
mod web;
