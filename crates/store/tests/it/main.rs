//! Store integration tests: the conformance suite against every backend.

mod postgres;
mod sqlite;
