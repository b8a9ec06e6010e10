//! The only place the services read the clock; pure crates receive time as a value.
//!
//! A node's services read time from its [`Clock`] (every service state reaches it as
//! `auth.clock`): token and session lifetimes, signature windows, login throttles, the operator
//! caches and leases, and the WebSocket token deadlines. A test builds its node over an adjustable
//! clock and moves it forward instead of sleeping against real deadlines. The free functions below
//! are the system clock itself, for what no test needs to move (durations in metrics, ids, the
//! command-line tools).

#![allow(
    clippy::disallowed_methods,
    reason = "this module is the services' single clock source"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
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

/// A node's clock: the system clock, or (in tests) the system clock plus an offset that only moves
/// forward. Cloning shares the clock.
#[derive(Clone, Default)]
pub struct Clock {
    ahead: Option<Arc<Ahead>>,
}

/// The offset of an adjustable clock, and a signal to whoever waits on a deadline of it.
struct Ahead {
    ms: AtomicI64,
    moved: tokio::sync::watch::Sender<i64>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock")
            .field("ahead_ms", &self.ahead_ms())
            .finish()
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads the system clock until a test moves it forward ([`Clock::advance`]).
    #[cfg(any(test, feature = "testing"))]
    pub fn adjustable() -> Self {
        Self {
            ahead: Some(Arc::new(Ahead {
                ms: AtomicI64::new(0),
                moved: tokio::sync::watch::Sender::new(0),
            })),
        }
    }

    /// Moves an adjustable clock forward by `by`: every reading after this is that much later, and
    /// whoever waits on a deadline of this clock ([`Clock::moved`]) looks again. Does nothing to the
    /// system clock.
    #[cfg(any(test, feature = "testing"))]
    pub fn advance(&self, by: Duration) {
        if let Some(a) = &self.ahead {
            let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
            let total = a.ms.fetch_add(by, Ordering::SeqCst).saturating_add(by);
            a.moved.send_replace(total);
        }
    }

    fn ahead_ms(&self) -> i64 {
        self.ahead
            .as_ref()
            .map_or(0, |a| a.ms.load(Ordering::SeqCst))
    }

    /// Unix time in milliseconds.
    pub fn now_ms(&self) -> i64 {
        now_ms().saturating_add(self.ahead_ms())
    }

    /// Unix time in whole seconds.
    pub fn now_secs(&self) -> i64 {
        self.now_ms() / 1000
    }

    /// A monotonic instant on this clock (later than the system's by the offset).
    pub fn instant(&self) -> Instant {
        instant() + Duration::from_millis(u64::try_from(self.ahead_ms()).unwrap_or(0))
    }

    /// The runtime instant at which this clock reads unix time `at_ms` (now when it has passed).
    /// A deadline computed here must be computed again when the clock moves ([`Clock::moved`]).
    pub fn deadline(&self, at_ms: i64) -> tokio::time::Instant {
        let ahead = u64::try_from(at_ms.saturating_sub(self.now_ms())).unwrap_or(0);
        tokio::time::Instant::now() + Duration::from_millis(ahead)
    }

    /// A receiver that changes whenever the clock is moved forward; `None` for the system clock,
    /// which only moves with real time.
    pub fn moved(&self) -> Option<tokio::sync::watch::Receiver<i64>> {
        self.ahead.as_ref().map(|a| a.moved.subscribe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_adjustable_clock_moves_forward_and_tells_its_waiters() {
        let system = Clock::system();
        assert!(system.moved().is_none());
        system.advance(Duration::from_secs(60));
        assert!(
            (system.now_ms() - now_ms()).abs() < 1_000,
            "the system clock does not move"
        );

        let clock = Clock::adjustable();
        let shared = clock.clone();
        let mut moved = clock.moved().expect("adjustable");
        let at = clock.now_ms() + 3_600_000;
        assert!(clock.deadline(at) > tokio::time::Instant::now() + Duration::from_secs(3_000));
        shared.advance(Duration::from_secs(3_600));
        moved.changed().await.expect("told");
        assert_eq!(*moved.borrow(), 3_600_000);
        assert!(clock.now_ms() >= at, "the shared clock moved");
        assert!(clock.deadline(at) <= tokio::time::Instant::now());
        assert!(clock.instant() >= instant() + Duration::from_secs(3_599));
        assert_eq!(clock.now_secs(), clock.now_ms() / 1000);
    }
}
