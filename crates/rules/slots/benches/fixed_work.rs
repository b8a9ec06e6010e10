//! Fixed-work throughput run (no statistics, one JSON line per case), for measuring under load: run the
//! built binary under the shell's `time` to get CPU seconds next to the wall-clock figures it prints.
//! `cargo bench -p slots --bench fixed_work [CASE-SUBSTRING]` (or the binary from `--no-run`); with an
//! argument only the cases whose name contains it run, so `time` measures that case alone.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark: a failed step stops it with its message"
)]

use std::time::Instant;

use slots::{SimStats, analyze, parse_game, simulate_shard};

const DOLPHINS: &str = include_str!("../tests/fixtures/dolphins_pearl_95_133189.yaml");
const SIZZLING: &str = include_str!("../tests/fixtures/sizzling_hot_95_655629.yaml");
const ROUNDS: u64 = 20_000_000;

#[allow(
    clippy::disallowed_methods,
    reason = "a benchmark measures wall-clock time"
)]
fn now() -> Instant {
    Instant::now()
}

fn simulate(name: &str, yaml: &str, shards: u32) {
    let case = format!("simulate/{name}/{shards}_threads");
    if !selected(&case) {
        return;
    }
    let game = parse_game(yaml).expect("fixture parses");
    let start = now();
    let mut total = SimStats::default();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..shards)
            .map(|shard| {
                let game = &game;
                s.spawn(move || simulate_shard(game, ROUNDS, 1, shard))
            })
            .collect();
        for h in handles {
            total.merge(&h.join().expect("shard thread"));
        }
    });
    let secs = start.elapsed().as_secs_f64();
    let mut json = total.to_json(secs);
    json["case"] = case.into();
    println!("{json}");
}

/// Whether the case is selected by the first command-line argument (a substring; cargo's own `--bench`
/// flag is ignored).
fn selected(case: &str) -> bool {
    match std::env::args().nth(1) {
        Some(filter) if !filter.starts_with('-') => case.contains(&filter),
        _ => true,
    }
}

fn main() {
    if selected("exact/dolphins_pearl_full_report") {
        exact();
    }
    simulate("sizzling_hot_5_lines", SIZZLING, 1);
    simulate("dolphins_pearl_10_lines", DOLPHINS, 1);
    simulate("dolphins_pearl_10_lines", DOLPHINS, 2);
}

fn exact() {
    let game = parse_game(DOLPHINS).expect("fixture parses");
    const REPORTS: u32 = 20;
    let start = now();
    for _ in 0..REPORTS {
        analyze(&game).expect("analysis");
    }
    let ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(REPORTS);
    println!(
        "{}",
        serde_json::json!({"case": "exact/dolphins_pearl_full_report", "reports": REPORTS, "ms_per_report": ms})
    );
    simulate("sizzling_hot_5_lines", SIZZLING, 1);
    simulate("dolphins_pearl_10_lines", DOLPHINS, 1);
    simulate("dolphins_pearl_10_lines", DOLPHINS, 2);
}
