//! The protocol crate's one integration-test binary.

mod fixtures;
mod leak;
mod parse;
mod snapshots;
mod typescript;
mod wire;
