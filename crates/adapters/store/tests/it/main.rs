//! Store integration tests: the conformance suite against every backend.

mod ledger;
mod postgres;
mod sqlite;
