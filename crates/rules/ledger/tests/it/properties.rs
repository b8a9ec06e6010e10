//! Property tests: money is conserved, limits hold, retries change nothing, chains are atomic,
//! execution is deterministic, and no input panics.

use ledger::conformance::T0;
use ledger::sim::SimConfig;
use ledger::{
    Account, AccountFlags, CreateTransferResult as R, MemoryLedger, Transfer, TransferFlags,
};
use proptest::prelude::*;

use crate::support::run_sim;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    }
}

/// The chains of a batch as index ranges (a trailing open chain included).
fn chains(batch: &[Transfer]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, t) in batch.iter().enumerate() {
        let linked = t.flags.contains(TransferFlags::LINKED);
        if linked && start.is_none() {
            start = Some(i);
        }
        if let Some(s) = start
            && (!linked || i + 1 == batch.len())
        {
            out.push(s..i + 1);
            start = None;
        }
    }
    out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn money_is_conserved_and_limits_hold(seed in any::<u64>(), steps in 20usize..120) {
        let (ledger, _) = run_sim(seed, steps, SimConfig::default());
        let report = ledger.verify();
        prop_assert!(report.ok, "violations: {:?}", report.violations);
        for a in ledger.dump().accounts {
            prop_assert!(!a.beyond_limit(), "account {} beyond its limit", a.id);
        }
    }

    #[test]
    fn chains_succeed_or_fail_whole(seed in any::<u64>()) {
        let (_, batches) = run_sim(seed, 100, SimConfig::default());
        for (batch, results) in &batches {
            prop_assert_eq!(batch.len(), results.len());
            for chain in chains(batch) {
                let ok = results[chain.clone()].iter().filter(|r| **r == R::Ok).count();
                prop_assert!(ok == 0 || ok == chain.len(), "chain {:?} partly applied: {:?}", chain, &results[chain.clone()]);
            }
        }
    }

    #[test]
    fn resubmitting_a_batch_changes_nothing(seed in any::<u64>()) {
        let (mut ledger, batches) = run_sim(seed, 60, SimConfig::default());
        let before = ledger.dump();
        let now = before.commit_timestamp;
        for (batch, first) in &batches {
            let again = ledger.create_transfers(batch, now).unwrap();
            for (i, (was, is)) in first.iter().zip(&again).enumerate() {
                if *was == R::Ok {
                    // A committed chain's retry answers `exists` on its first event; `exists`
                    // breaks the retried chain, so the rest answer `linked_event_failed`.
                    prop_assert!(matches!(is, R::Exists | R::LinkedEventFailed), "event {i}: {was:?} then {is:?}");
                }
                prop_assert_ne!(*is, R::Ok, "event {} of {:?} applied twice", i, batch[i]);
            }
        }
        let after = ledger.dump();
        prop_assert_eq!(before.accounts, after.accounts);
        prop_assert_eq!(before.transfers, after.transfers);
        prop_assert_eq!(before.pending, after.pending);
    }

    #[test]
    fn execution_is_deterministic(seed in any::<u64>()) {
        let (a, batches_a) = run_sim(seed, 80, SimConfig::default());
        let (b, batches_b) = run_sim(seed, 80, SimConfig::default());
        prop_assert_eq!(a.dump(), b.dump());
        prop_assert_eq!(batches_a, batches_b);
    }

    #[test]
    fn arbitrary_transfers_never_panic_or_break_invariants(
        events in proptest::collection::vec(
            (0u128..12, 0u128..8, 0u128..8, any::<u64>(), 0u128..12, any::<u16>(), 0u32..3, 0u32..4, 0u16..3),
            1..40,
        ),
        now_step in 0u64..5_000_000_000,
    ) {
        let mut ledger = MemoryLedger::new();
        let accounts: Vec<Account> = (1..=6u128)
            .map(|id| {
                let flags = match id % 3 {
                    0 => AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS,
                    1 => AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS,
                    _ => AccountFlags::HISTORY,
                };
                Account::new(id, if id == 6 { 2 } else { 1 }, 1, flags)
            })
            .collect();
        ledger.create_accounts(&accounts, T0).unwrap();
        let batch: Vec<Transfer> = events
            .iter()
            .map(|&(id, debit, credit, amount, pending_id, flags, timeout, ledger_code, code)| Transfer {
                id,
                debit_account_id: debit,
                credit_account_id: credit,
                // Mostly small amounts, sometimes huge ones that hit the overflow checks.
                amount: if amount % 4 == 0 { amount } else { amount % 1_000 },
                pending_id,
                timeout,
                ledger: ledger_code,
                code,
                flags: TransferFlags(flags & 0x01ff),
                ..Transfer::default()
            })
            .collect();
        let results = ledger.create_transfers(&batch, T0 + now_step).unwrap();
        prop_assert_eq!(results.len(), batch.len());
        ledger.expire_pending(T0 + 2 * now_step + 10_000_000_000, 100).unwrap();
        let report = ledger.verify();
        prop_assert!(report.ok, "violations: {:?}", report.violations);
    }
}

proptest! {
    #![proptest_config(config())]

    /// Group commit: requests executed as one batch answer and write exactly what they would
    /// have answered and written one by one.
    #[test]
    fn grouped_requests_equal_sequential_requests(seed in any::<u64>(), cut_seed in any::<u64>()) {
        use ledger::sim::{SimOp, Simulator};
        let mut sim = Simulator::new(seed, SimConfig { batch_max: 40, ..SimConfig::default() });
        let (mut grouped, mut sequential) = (MemoryLedger::new(), MemoryLedger::new());
        let mut cut = cut_seed;
        for _ in 0..60 {
            let step = sim.step();
            match step.op {
                SimOp::Accounts(batch) => {
                    let (head, tail) = batch.split_at(batch.len() / 2);
                    let out = ledger::exec::create_accounts_grouped(&grouped, &[head, &[], tail], step.now).unwrap();
                    grouped.apply(&out.writes);
                    let mut expected = Vec::new();
                    for request in [head, &[], tail] {
                        expected.push(sequential.create_accounts(request, step.now).unwrap());
                    }
                    prop_assert_eq!(out.results, expected);
                }
                SimOp::Transfers(batch) => {
                    let mut requests: Vec<&[Transfer]> = Vec::new();
                    let mut rest = &batch[..];
                    while !rest.is_empty() {
                        cut = cut.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                        let len = usize::try_from(cut >> 60).unwrap().min(rest.len());
                        let (request, tail) = rest.split_at(len);
                        requests.push(request);
                        rest = tail;
                    }
                    let out = ledger::exec::create_transfers_grouped(&grouped, &requests, step.now).unwrap();
                    grouped.apply(&out.writes);
                    let expected: Vec<Vec<R>> = requests
                        .iter()
                        .map(|request| sequential.create_transfers(request, step.now).unwrap())
                        .collect();
                    prop_assert_eq!(out.results, expected);
                }
                SimOp::Expire { limit } => {
                    grouped.expire_pending(step.now, limit).unwrap();
                    sequential.expire_pending(step.now, limit).unwrap();
                }
            }
        }
        prop_assert_eq!(grouped.dump(), sequential.dump());
    }
}
