//! Rating tests: properties of the update, fixed vectors, and agreement with a floating-point reference
//! of the published Weng-Lin formulas.

mod properties;
mod vectors;
