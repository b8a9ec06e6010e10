//! The ledger crate's one integration-test binary.

mod cli;
mod conformance;
mod executor;
mod properties;
mod support;
mod verify;
