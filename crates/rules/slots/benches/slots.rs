//! Criterion benchmarks of the two hot paths named by the issue: the exact analysis of a 13-symbol,
//! 10-line game with retriggering free spins (Dolphin's Pearl fixture), and simulation of 5×3 10-line
//! rounds. Run with `cargo bench -p slots`; figures go to docs/benchmarks.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark: a failed step stops it with its message"
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use slots::{Simulator, analyze, parse_game};

const DOLPHINS: &str = include_str!("../tests/fixtures/dolphins_pearl_95_133189.yaml");
const SIZZLING: &str = include_str!("../tests/fixtures/sizzling_hot_95_655629.yaml");

fn exact(c: &mut Criterion) {
    let game = parse_game(DOLPHINS).expect("fixture parses");
    let mut g = c.benchmark_group("exact");
    g.sample_size(20);
    g.bench_function("dolphins_pearl_full_report", |b| {
        b.iter(|| analyze(&game).expect("analysis"))
    });
    let sizzling = parse_game(SIZZLING).expect("fixture parses");
    g.bench_function("sizzling_hot_full_report", |b| {
        b.iter(|| analyze(&sizzling).expect("analysis"))
    });
    g.finish();
}

fn simulate(c: &mut Criterion) {
    let mut g = c.benchmark_group("simulate");
    const ROUNDS: u64 = 100_000;
    g.throughput(Throughput::Elements(ROUNDS));
    for (name, yaml) in [
        ("dolphins_pearl_10_lines", DOLPHINS),
        ("sizzling_hot_5_lines", SIZZLING),
    ] {
        let game = parse_game(yaml).expect("fixture parses");
        let sim = Simulator::new(&game);
        g.bench_function(name, |b| {
            let mut rng = slots::sim::shard_rng(1, 0);
            b.iter(|| {
                let mut stats = slots::SimStats {
                    cost: game.cost,
                    ..Default::default()
                };
                for _ in 0..ROUNDS {
                    sim.round(&mut rng, &mut stats);
                }
                stats
            })
        });
    }
    g.finish();
}

/// Two shards on two threads, as the server runs them: throughput counts both shards' rounds.
fn simulate_parallel(c: &mut Criterion) {
    let mut g = c.benchmark_group("simulate_2_threads");
    const ROUNDS: u64 = 200_000;
    g.throughput(Throughput::Elements(2 * ROUNDS));
    g.sample_size(20);
    let game = parse_game(DOLPHINS).expect("fixture parses");
    let mut seed = 0;
    g.bench_function("dolphins_pearl_10_lines", |b| {
        b.iter(|| {
            seed += 1;
            std::thread::scope(|s| {
                let shards: Vec<_> = (0..2)
                    .map(|shard| {
                        let game = &game;
                        s.spawn(move || slots::simulate_shard(game, ROUNDS, seed, shard))
                    })
                    .collect();
                let mut total = slots::SimStats::default();
                for h in shards {
                    total.merge(&h.join().expect("shard thread"));
                }
                total
            })
        })
    });
    g.finish();
}

criterion_group!(benches, exact, simulate, simulate_parallel);
criterion_main!(benches);
