//! Rating tests: properties of the update, fixed vectors, and agreement with a floating-point reference
//! of the published Weng-Lin formulas.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed step fails the test with its message"
)]

mod properties;
mod vectors;
