//! 64-bit time-ordered ids (Sonyflake layout) for users, games, bets and transfers.
//!
//! Layout, most significant first: 1 zero bit, 39 bits of 10 ms ticks since 2025-01-01T00:00:00Z
//! (174 years), 8 bits of sequence within a tick, 16 bits of machine id (from config). Ids from one
//! generator are strictly increasing; ids from different machines never collide.

use std::sync::Mutex;

/// 2025-01-01T00:00:00Z in unix milliseconds.
pub const EPOCH_MS: i64 = 1_735_689_600_000;
const TICK_MS: i64 = 10;
const SEQUENCE_BITS: u32 = 8;
const MACHINE_BITS: u32 = 16;
const SEQUENCE_MAX: u16 = (1 << SEQUENCE_BITS) - 1;
const TICKS_MAX: i64 = (1 << 39) - 1;

/// Generator state: pure arithmetic over a time passed in.
#[derive(Debug, Clone)]
pub struct IdState {
    machine_id: u16,
    last_tick: i64,
    sequence: u16,
}

impl IdState {
    /// A generator for one machine.
    pub fn new(machine_id: u16) -> Self {
        Self {
            machine_id,
            last_tick: -1,
            sequence: 0,
        }
    }

    /// The next id at `now_ms`. When 256 ids were already issued in the current tick, or the clock
    /// went backwards, the generator borrows the next tick so ids stay unique and increasing.
    pub fn next(&mut self, now_ms: i64) -> i64 {
        let tick = tick_at(now_ms);
        if tick > self.last_tick {
            self.last_tick = tick;
            self.sequence = 0;
        } else if self.sequence < SEQUENCE_MAX {
            self.sequence += 1;
        } else {
            self.last_tick += 1;
            self.sequence = 0;
        }
        (self.last_tick << (SEQUENCE_BITS + MACHINE_BITS))
            | (i64::from(self.sequence) << MACHINE_BITS)
            | i64::from(self.machine_id)
    }
}

/// Thread-safe generator reading the server clock.
#[derive(Debug)]
pub struct IdGenerator(Mutex<IdState>);

impl IdGenerator {
    /// A generator for `machine_id`.
    pub fn new(machine_id: u16) -> Self {
        Self(Mutex::new(IdState::new(machine_id)))
    }

    /// Switches to `machine_id` (a node that had to lease another one). Ids stay increasing: the
    /// next one starts a new tick.
    pub fn set_machine_id(&self, machine_id: u16) {
        let mut state = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.machine_id = machine_id;
        state.last_tick += 1;
        state.sequence = 0;
    }

    /// The machine id in the ids issued now.
    pub fn machine_id(&self) -> u16 {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .machine_id
    }

    /// The next id.
    pub fn next_id(&self) -> i64 {
        let now = crate::clock::now_ms();
        let mut state = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.next(now)
    }
}

/// The unix time in milliseconds an id was issued at (to tick precision).
pub fn issued_at_ms(id: i64) -> i64 {
    (id >> (SEQUENCE_BITS + MACHINE_BITS)) * TICK_MS + EPOCH_MS
}

/// The smallest id any generator can issue at `ms` or later (machine 0, sequence 0 of its tick).
pub fn first_id_at(ms: i64) -> i64 {
    tick_at(ms) << (SEQUENCE_BITS + MACHINE_BITS)
}

/// The tick `ms` falls in.
fn tick_at(ms: i64) -> i64 {
    ((ms - EPOCH_MS) / TICK_MS).clamp(0, TICKS_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_increasing_unique_and_carry_time_and_machine() {
        let mut g = IdState::new(7);
        let t = EPOCH_MS + 123_456_789;
        let mut prev = 0;
        // 1,000 ids in one millisecond overflow the 256-per-tick sequence and borrow later ticks.
        for _ in 0..1000 {
            let id = g.next(t);
            assert!(id > prev, "{id} <= {prev}");
            assert_eq!(id & 0xffff, 7);
            prev = id;
        }
        let first = IdState::new(7).next(t);
        assert_eq!(issued_at_ms(first), t - t % 10);
        assert!(first_id_at(t) <= first && first_id_at(t + 10) > first);
        assert_eq!(first_id_at(0), 0);
        // A clock that goes backwards never produces a smaller id.
        let before = g.next(t);
        assert!(g.next(t - 60_000) > before);
    }

    #[test]
    fn different_machines_never_collide() {
        let mut a = IdState::new(1);
        let mut b = IdState::new(2);
        let t = EPOCH_MS + 5_000;
        let xs: std::collections::BTreeSet<i64> =
            (0..300).flat_map(|_| [a.next(t), b.next(t)]).collect();
        assert_eq!(xs.len(), 600);
    }
}
