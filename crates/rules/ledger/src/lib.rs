//! Double-entry ledger semantics (TigerBeetle's model) as pure functions, with an in-memory
//! reference implementation, an invariant checker and the conformance suite for backends.
//!
//! Entry points: [`exec::create_accounts`], [`exec::create_transfers`] and
//! [`exec::expire_pending`] (the batch executor every backend runs), [`MemoryLedger`] (reference
//! backend), [`verify::verify`] (audit), [`LedgerStore`] + [`conformance`] (backend contract).
//! The crate never does I/O, never reads a clock and never draws unseeded randomness.

pub mod chart;
pub mod cli;
#[cfg(any(test, feature = "testing"))]
pub mod conformance;
pub mod currency;
pub mod exec;
pub mod hot;
pub mod memory;
pub mod result;
pub mod sim;
pub mod store;
pub mod types;
pub mod verify;
pub mod wallet;

pub use exec::{BatchError, LedgerRead, Snapshot, Writes};
pub use memory::{LedgerDump, MemoryLedger};
pub use result::{CreateAccountResult, CreateTransferResult};
pub use store::{LedgerStore, MemoryStore};
pub use types::*;
pub use verify::{VerifyReport, Violation, verify};
