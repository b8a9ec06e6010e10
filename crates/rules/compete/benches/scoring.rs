//! Scoring throughput and rank queries of the pure crate, one JSON line per case.
//! `cargo bench -p compete --bench scoring [CASE-SUBSTRING]`.
//!
//! - `score/formula/<players>`: facts per second through `Board::apply` for the brief's formula
//!   contest (`min(win / bet, 50) * 100`, best 20 rounds, min bet 50), on one core.
//! - `rank/<players>`: `rank_of` and `top(100)` latencies on a board of that many players.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark: a failed step stops it with its message"
)]

use std::time::Instant;

use compete::board::Board;
use compete::{Fact, What};

const DEF: &str = r#"id: dice-sprint
kind: tournament
name: {en: Dice sprint, zh: 骰子冲刺}
window: {start: "2026-12-07T18:00:00Z", end: "2026-12-07T19:00:00Z"}
games: [dice]
currency: PLAY
scoring: {mode: formula, formula: "min(win / bet, 50) * 100", best_n: 20, min_bet: 50}
tie_break: [highest_single_multiplier, rounds_played_asc, first_reached_at, user_id]
anti_abuse: {min_round_ms: 0, max_events_per_sec: 50}
"#;

#[allow(
    clippy::disallowed_methods,
    reason = "a benchmark measures wall-clock time"
)]
fn now() -> Instant {
    Instant::now()
}

fn selected(case: &str) -> bool {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .all(|a| case.contains(&a))
}

/// A xorshift stream: the benchmark's own seeded numbers.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn facts(players: u64, n: usize, seed: u64) -> Vec<Fact> {
    let mut r = Rng(seed | 1);
    let start = 1_796_666_400_000i64;
    (0..n)
        .map(|i| {
            let bet = [50i64, 100, 200, 500][(r.next() % 4) as usize];
            let m = [0i64, 0, 150, 200, 500, 1000, 10_000][(r.next() % 7) as usize];
            let win = bet * m / 100;
            Fact {
                id: format!("bet:{i}"),
                user_id: (r.next() % players) as i64,
                at_ms: start + (i as i64 * 3_600_000 / n as i64),
                what: What::Round {
                    game: "dice".into(),
                    currency: "PLAY".into(),
                    bet,
                    win,
                    multiplier_units: win * 100_000_000 / bet,
                    duration_ms: 10,
                },
            }
        })
        .collect()
}

fn main() {
    let def = compete::def::parse(DEF).unwrap();
    for players in [10_000u64, 1_000_000] {
        let case = format!("score/formula/{players}");
        if selected(&case) {
            let n = 3_000_000;
            let fs = facts(players, n, players);
            let mut board = Board::new(&def).unwrap();
            let start = now();
            for f in &fs {
                std::hint::black_box(board.apply(f));
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{{\"case\":\"{case}\",\"events\":{n},\"players\":{},\"seconds\":{secs:.3},\"events_per_sec\":{:.0}}}",
                board.len(),
                n as f64 / secs
            );
        }
        let case = format!("rank/{players}");
        if selected(&case) {
            let fs = facts(players, (players * 3) as usize, 7);
            let mut board = Board::new(&def).unwrap();
            for f in &fs {
                board.apply(f);
            }
            let mut r = Rng(99);
            let mut rank_ns = Vec::new();
            let mut top_ns = Vec::new();
            for _ in 0..2_000 {
                let u = (r.next() % players) as i64;
                let t = now();
                std::hint::black_box(board.rank_of(u));
                rank_ns.push(t.elapsed().as_nanos() as u64);
                let t = now();
                std::hint::black_box(board.top(100));
                top_ns.push(t.elapsed().as_nanos() as u64);
            }
            rank_ns.sort_unstable();
            top_ns.sort_unstable();
            let q = |v: &[u64], p: usize| v[(v.len() - 1) * p / 100];
            println!(
                "{{\"case\":\"{case}\",\"players\":{},\"rank_of_p50_ns\":{},\"rank_of_p99_ns\":{},\"top100_p50_ns\":{},\"top100_p99_ns\":{}}}",
                board.len(),
                q(&rank_ns, 50),
                q(&rank_ns, 99),
                q(&top_ns, 50),
                q(&top_ns, 99)
            );
        }
    }
}
