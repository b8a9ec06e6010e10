//! The only place the services read the clock; pure crates receive time as a value.

#![allow(
    clippy::disallowed_methods,
    reason = "this module is the services' single clock source"
)]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Unix time in whole seconds.
pub fn now_secs() -> i64 {
    now_ms() / 1000
}

/// A monotonic instant, for measuring durations.
pub fn instant() -> Instant {
    Instant::now()
}
