//! Throughput of the pure batch executor (transfers/s) with 10% of transfers touching the house.
//!
//! `execute`: the executor alone over committed state; `execute_and_apply`: plus applying the
//! writes to a `MemoryLedger`; `prefetch_and_execute`: the database-backend path, building a
//! `Snapshot` of the rows a batch names and executing over it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark: a failed step stops it with its message"
)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ledger::cli::{BenchArgs, bench_workload};
use ledger::exec;
use ledger::{LedgerRead, MemoryLedger, Snapshot, Transfer};

const BATCH: usize = 1_000;

fn setup() -> (MemoryLedger, Vec<Transfer>) {
    let args = BenchArgs {
        accounts: 10_000,
        transfers: 20 * BATCH as u64,
        concurrency: 1,
        hot_ppm: 100_000,
    };
    let w = bench_workload(&args, 1);
    let mut l = MemoryLedger::new();
    l.create_accounts(&w.accounts[..2], 1).unwrap();
    for chunk in w.accounts[2..].chunks(ledger::BATCH_EVENTS_MAX) {
        l.create_accounts(chunk, 1).unwrap();
    }
    for chunk in w.funding.chunks(ledger::BATCH_EVENTS_MAX) {
        l.create_transfers(chunk, 1).unwrap();
    }
    (l, w.transfers)
}

fn snapshot(l: &MemoryLedger, batch: &[Transfer]) -> Snapshot {
    let ids = exec::prefetch_transfer_ids(batch);
    let transfers = l.lookup_transfers(&ids);
    let account_ids = exec::prefetch_account_ids(batch, &transfers);
    Snapshot {
        accounts: l
            .lookup_accounts(&account_ids)
            .into_iter()
            .map(|a| (a.id, a))
            .collect(),
        pending: ids
            .iter()
            .filter_map(|id| l.pending_status(*id).map(|s| (*id, s)))
            .collect(),
        failed: ids
            .iter()
            .copied()
            .filter(|id| l.transfer_failed(*id))
            .collect(),
        transfers: transfers.into_iter().map(|t| (t.id, t)).collect(),
        commit_timestamp: l.commit_timestamp(),
        expired_candidates: Vec::new(),
    }
}

fn bench(c: &mut Criterion) {
    let (ledger, transfers) = setup();
    let batches: Vec<&[Transfer]> = transfers.chunks(BATCH).collect();
    let mut group = c.benchmark_group("ledger_executor_hot10");
    group.throughput(Throughput::Elements(BATCH as u64));
    let mut i = 0;
    group.bench_function("execute", |b| {
        b.iter(|| {
            i = (i + 1) % batches.len();
            exec::create_transfers(&ledger, batches[i], 2).unwrap()
        });
    });
    group.bench_function("prefetch_and_execute", |b| {
        b.iter(|| {
            i = (i + 1) % batches.len();
            let snap = snapshot(&ledger, batches[i]);
            exec::create_transfers(&snap, batches[i], 2).unwrap()
        });
    });
    group.bench_function("execute_and_apply", |b| {
        b.iter_batched(
            || {
                i = (i + 1) % batches.len();
                (ledger.clone(), batches[i])
            },
            |(mut l, batch)| {
                let out = exec::create_transfers(&l, batch, 2).unwrap();
                l.apply(&out.writes);
                l
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
