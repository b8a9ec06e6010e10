//! Throughput of instant-game settlement through `casino::play` (stream + mapping + payout).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark: a failed step stops it with its message"
)]

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use serde_json::json;

const SERVER: &str = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159";

fn games(c: &mut Criterion) {
    let key = fair::SeedKey::new(SERVER);
    let mut group = c.benchmark_group("casino");
    group.throughput(Throughput::Elements(1));
    let cases = [
        ("dice", json!({"target": 50.5, "direction": "over"})),
        ("limbo", json!({"target": 2.0})),
        (
            "keno",
            json!({"picks": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "risk": "classic"}),
        ),
        ("plinko", json!({"rows": 16, "risk": "high"})),
    ];
    for (game, params) in cases {
        let mut nonce = 0u64;
        group.bench_function(format!("play_{game}"), |b| {
            b.iter(|| {
                nonce = nonce.wrapping_add(1);
                let mut stream = key.stream("bb62964774", nonce);
                casino::play(game, black_box(&params), &mut stream, 100).map(|s| s.payout_minor)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, games);
criterion_main!(benches);
