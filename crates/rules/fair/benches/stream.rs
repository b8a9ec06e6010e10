//! Throughput of the byte stream: dice outcomes per second from one seed pair, and raw bytes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark: a failed step stops it with its message"
)]

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};

const SERVER: &str = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159";

fn dice_outcomes(c: &mut Criterion) {
    let key = fair::SeedKey::new(SERVER);
    let mut group = c.benchmark_group("fair");
    group.throughput(Throughput::Elements(1));
    let mut nonce = 0u64;
    group.bench_function("dice_outcome", |b| {
        b.iter(|| {
            nonce = nonce.wrapping_add(1);
            let mut stream = key.stream(black_box("bb62964774"), nonce);
            stream.next_index(10_001)
        })
    });
    group.throughput(Throughput::Bytes(1 << 16));
    let mut stream = key.stream("bb62964774", 1);
    let mut buf = vec![0u8; 1 << 16];
    group.bench_function("stream_64KiB", |b| {
        b.iter(|| stream.fill(black_box(&mut buf)))
    });
    group.finish();
}

criterion_group!(benches, dice_outcomes);
criterion_main!(benches);
