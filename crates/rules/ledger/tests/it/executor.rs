//! The executor's write sets, the prefetch path backends use, and the chart / hot-account helpers.

use ledger::chart::{self, AccountKind, TransferKind};
use ledger::conformance::{ALICE, HOUSE, ISSUANCE, T0, tr};
use ledger::exec::{self, AccountWrite, PendingWrite};
use ledger::hot::ShardedAccount;
use ledger::sim::{SimConfig, SimOp, Simulator};
use ledger::{
    Account, AccountFlags, BatchError, CreateTransferResult as R, LedgerRead, MemoryLedger,
    PendingRow, PendingStatus, Snapshot, TransferFlags as F,
};

fn funded() -> MemoryLedger {
    let mut l = MemoryLedger::new();
    let accounts = [
        Account::new(ISSUANCE, 1, 1, AccountFlags::NONE),
        Account::new(
            ALICE,
            1,
            2,
            AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS | AccountFlags::HISTORY,
        ),
        Account::new(HOUSE, 1, 3, AccountFlags::NONE),
    ];
    l.create_accounts(&accounts, T0).unwrap();
    l.create_transfers(&[tr(1, ISSUANCE, ALICE, 1000)], T0)
        .unwrap();
    l
}

#[test]
fn writes_hold_final_values_and_what_was_read() {
    let l = funded();
    let alice = l.account(ALICE).unwrap();
    let house = l.account(HOUSE).unwrap();
    let batch = [
        tr(2, ALICE, HOUSE, 100).flagged(F::PENDING),
        ledger::Transfer::post(3, 2, 60),
        tr(4, ALICE, HOUSE, 5),
    ];
    let out = exec::create_transfers(&l, &batch, T0).unwrap();
    assert_eq!(out.results, [R::Ok; 3]);
    let w = &out.writes;
    let start = l.commit_timestamp() + 1;
    assert_eq!(w.commit_timestamp, start + 2);
    let new_alice = Account {
        debits_posted: 65,
        ..alice
    };
    let new_house = Account {
        credits_posted: 65,
        ..house
    };
    assert_eq!(
        w.accounts,
        [
            AccountWrite {
                old: Some(alice),
                new: new_alice
            },
            AccountWrite {
                old: Some(house),
                new: new_house
            }
        ]
    );
    assert_eq!(
        w.pending,
        [PendingWrite {
            old: None,
            new: PendingRow {
                id: 2,
                status: PendingStatus::Posted,
                expires_at: None
            }
        }]
    );
    assert_eq!(
        w.transfers
            .iter()
            .map(|t| (t.id, t.timestamp))
            .collect::<Vec<_>>(),
        [(2, start), (3, start + 1), (4, start + 2)]
    );
    // Alice keeps history: one row per event, house does not.
    let rows: Vec<(u128, u64, u64)> = w
        .history
        .iter()
        .map(|h| (h.account_id, h.debits_pending, h.debits_posted))
        .collect();
    assert_eq!(rows, [(ALICE, 100, 0), (ALICE, 0, 60), (ALICE, 0, 65)]);
    assert!(w.failed.is_empty());
}

#[test]
fn a_failed_chain_writes_nothing_but_its_failed_id() {
    let l = funded();
    let batch = [
        tr(2, ALICE, HOUSE, 100).flagged(F::LINKED),
        tr(3, ALICE, HOUSE, 5_000),
    ];
    let out = exec::create_transfers(&l, &batch, T0).unwrap();
    assert_eq!(out.results, [R::LinkedEventFailed, R::ExceedsCredits]);
    assert!(
        out.writes.accounts.is_empty()
            && out.writes.transfers.is_empty()
            && out.writes.history.is_empty()
    );
    assert_eq!(
        out.writes
            .failed
            .iter()
            .map(|f| (f.id, f.result))
            .collect::<Vec<_>>(),
        [(3, R::ExceedsCredits)]
    );
}

#[test]
fn batches_over_the_limit_are_refused_whole() {
    let l = funded();
    let batch = vec![tr(2, ALICE, HOUSE, 1); ledger::BATCH_EVENTS_MAX + 1];
    let err = exec::create_transfers(&l, &batch, T0).unwrap_err();
    assert_eq!(
        err,
        BatchError::TooManyEvents {
            events: ledger::BATCH_EVENTS_MAX + 1,
            limit: ledger::BATCH_EVENTS_MAX
        }
    );
    assert_eq!(
        exec::expire_pending(&l, T0, ledger::BATCH_EVENTS_MAX + 1)
            .unwrap_err()
            .to_string(),
        "batch holds 8191 events, more than the limit of 8190"
    );
    let err =
        exec::create_transfers(&l, &[tr(2, ALICE, HOUSE, 1)], ledger::TIMESTAMP_MAX).unwrap_err();
    assert_eq!(err, BatchError::TimestampsExhausted);
}

/// What a database backend does: prefetch the ids a batch names into a `Snapshot`, run the
/// executor over it, and get exactly the outcome the full state gives.
fn snapshot_for(l: &MemoryLedger, batch: &[ledger::Transfer]) -> Snapshot {
    let transfer_ids = exec::prefetch_transfer_ids(batch);
    let transfers = l.lookup_transfers(&transfer_ids);
    let account_ids = exec::prefetch_account_ids(batch, &transfers);
    Snapshot {
        accounts: l
            .lookup_accounts(&account_ids)
            .into_iter()
            .map(|a| (a.id, a))
            .collect(),
        pending: transfer_ids
            .iter()
            .filter_map(|id| l.pending_status(*id).map(|s| (*id, s)))
            .collect(),
        failed: transfer_ids
            .iter()
            .copied()
            .filter(|id| l.transfer_failed(*id))
            .collect(),
        transfers: transfers.into_iter().map(|t| (t.id, t)).collect(),
        commit_timestamp: l.commit_timestamp(),
        expired_candidates: Vec::new(),
    }
}

#[test]
fn prefetched_snapshots_give_the_same_outcome_as_the_full_state() {
    for seed in 0..6 {
        let mut sim = Simulator::new(seed, SimConfig::default());
        let mut l = MemoryLedger::new();
        for _ in 0..150 {
            let step = sim.step();
            match step.op {
                SimOp::Accounts(batch) => {
                    l.create_accounts(&batch, step.now).unwrap();
                }
                SimOp::Transfers(batch) => {
                    let full = exec::create_transfers(&l, &batch, step.now).unwrap();
                    let snap = exec::create_transfers(&snapshot_for(&l, &batch), &batch, step.now)
                        .unwrap();
                    assert_eq!(snap, full, "seed {seed}: snapshot outcome of {batch:?}");
                    l.apply(&full.writes);
                }
                SimOp::Expire { limit } => {
                    let candidates = l.pending_expired(step.now, limit);
                    let full = exec::expire_pending(&l, step.now, limit).unwrap();
                    let mut snap = Snapshot {
                        commit_timestamp: l.commit_timestamp(),
                        expired_candidates: candidates.clone(),
                        ..Snapshot::default()
                    };
                    for t in l.lookup_transfers(&candidates) {
                        for a in l.lookup_accounts(&[t.debit_account_id, t.credit_account_id]) {
                            snap.accounts.insert(a.id, a);
                        }
                        snap.transfers.insert(t.id, t);
                        snap.pending.insert(t.id, PendingStatus::Pending);
                    }
                    assert_eq!(
                        exec::expire_pending(&snap, step.now, limit).unwrap(),
                        full,
                        "seed {seed}: expiry"
                    );
                    l.apply(&full.writes);
                }
            }
        }
        assert!(l.verify().ok);
    }
}

#[test]
fn instant_round_is_one_atomic_chain() {
    let mut l = funded();
    let round = chart::instant_round((10, 11), ALICE, HOUSE, 1, 2_000, 3_000, 77);
    assert_eq!(
        l.create_transfers(&round, T0).unwrap(),
        [R::ExceedsCredits, R::LinkedEventFailed]
    );
    let round = chart::instant_round((12, 13), ALICE, HOUSE, 1, 200, 500, 78);
    assert_eq!(l.create_transfers(&round, T0).unwrap(), [R::Ok, R::Ok]);
    assert_eq!(l.account(ALICE).unwrap().net_credit_posted(), 1_300);
    assert_eq!(
        chart::instant_round((14, 15), ALICE, HOUSE, 1, 200, 0, 79).len(),
        1,
        "a loss books only the bet"
    );
}

#[test]
fn table_settlement_pays_winners_and_rake_or_nothing() {
    let mut l = funded();
    let escrow = chart::system_account_id(AccountKind::GameEscrow, 1, 1);
    let rake = chart::system_account_id(AccountKind::Rake, 1, 0);
    let bob = 50;
    l.create_accounts(
        &[
            AccountKind::GameEscrow.account(escrow, 1),
            AccountKind::Rake.account(rake, 1),
            AccountKind::PlayerWallet.account(bob, 1),
        ],
        T0,
    )
    .unwrap();
    l.create_transfers(
        &[TransferKind::Stake.transfer(20, ALICE, escrow, 400, 1)],
        T0,
    )
    .unwrap();
    let too_much = chart::table_settlement(
        30,
        escrow,
        &[(ALICE, 390), (bob, 20)],
        Some((rake, 10)),
        1,
        5,
    );
    assert_eq!(
        l.create_transfers(&too_much, T0).unwrap(),
        [
            R::LinkedEventFailed,
            R::ExceedsCredits,
            R::LinkedEventFailed
        ]
    );
    let settle = chart::table_settlement(
        40,
        escrow,
        &[(ALICE, 190), (bob, 200)],
        Some((rake, 10)),
        1,
        5,
    );
    assert_eq!(l.create_transfers(&settle, T0).unwrap(), [R::Ok; 3]);
    assert_eq!(l.account(escrow).unwrap().net_credit_posted(), 0);
    assert!(l.verify().ok);
}

#[test]
fn chart_codes_round_trip_and_flags_match_the_docs() {
    for kind in AccountKind::ALL {
        assert_eq!(AccountKind::from_code(kind.code()), Some(kind));
    }
    for kind in TransferKind::ALL {
        assert_eq!(TransferKind::from_code(kind.code()), Some(kind));
    }
    assert_eq!(
        AccountKind::PlayerWallet.flags(),
        AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS | AccountFlags::HISTORY
    );
    assert_eq!(AccountKind::House.flags(), AccountFlags::NONE);
    assert_eq!(AccountKind::from_code(0), None);
}

#[test]
fn sharded_house_spreads_players_and_sweeps_evenly() {
    let house = ShardedAccount::new(AccountKind::House, 1, 8);
    let mut counts = std::collections::BTreeMap::new();
    for player in 1..=8_000u128 {
        *counts.entry(house.shard_for(player)).or_insert(0u32) += 1;
    }
    assert_eq!(counts.len(), 8, "every shard used");
    assert!(
        counts.values().all(|&c| (800..=1_200).contains(&c)),
        "even spread: {counts:?}"
    );
    assert_eq!(house.shard_for(42), house.shard_for(42), "stable");

    let mut l = MemoryLedger::new();
    l.create_accounts(&house.accounts(), T0).unwrap();
    l.create_accounts(&[Account::new(ISSUANCE, 1, 1, AccountFlags::NONE)], T0)
        .unwrap();
    let ids = house.ids();
    let funding: Vec<_> = ids
        .iter()
        .zip(1..)
        .map(|(id, n)| tr(n, ISSUANCE, *id, u64::try_from(n).unwrap() * 1_000))
        .collect();
    l.create_transfers(&funding, T0).unwrap();
    let before = house.net_credit_posted(&l.lookup_accounts(&ids));
    let sweep = house.sweep(&l.lookup_accounts(&ids), 100);
    assert!(!sweep.is_empty());
    assert!(
        l.create_transfers(&sweep, T0)
            .unwrap()
            .iter()
            .all(|r| *r == R::Ok)
    );
    let after = l.lookup_accounts(&ids);
    assert_eq!(
        house.net_credit_posted(&after),
        before,
        "a sweep moves nothing out of the house"
    );
    let nets: Vec<i128> = after.iter().map(Account::net_credit_posted).collect();
    let (min, max) = (nets.iter().min().unwrap(), nets.iter().max().unwrap());
    assert!(max - min <= 1, "shards even: {nets:?}");
    assert!(
        house.sweep(&after, 200).is_empty(),
        "a second sweep has nothing to do"
    );
}

#[test]
fn currency_table_formats_minor_units() {
    let check = |ledger: u32, minor: i128, expected: &str| {
        assert_eq!(
            ledger::currency::currency(ledger).unwrap().format(minor),
            expected
        );
    };
    check(ledger::currency::PLAY, 12_345, "123.45");
    check(ledger::currency::USD, -5, "-0.05");
    check(ledger::currency::USDT, 1_000_000, "1.000000");
    assert_eq!(
        ledger::currency::by_symbol("EUR").unwrap().ledger,
        ledger::currency::EUR
    );
    assert!(ledger::currency::currency(0).is_none());
}

#[test]
fn result_names_are_snake_case_and_distinct() {
    let names: std::collections::BTreeSet<String> = R::ALL.iter().map(|r| r.name()).collect();
    assert_eq!(names.len(), R::ALL.len());
    assert_eq!(
        R::PendingTransferAlreadyPosted.name(),
        "pending_transfer_already_posted"
    );
    assert_eq!(
        R::ExistsWithDifferentUserData128.name(),
        "exists_with_different_user_data_128"
    );
    assert_eq!(
        ledger::CreateAccountResult::LinkedEventChainOpen.name(),
        "linked_event_chain_open"
    );
    let transient: Vec<String> = R::ALL
        .iter()
        .filter(|r| r.transient())
        .map(|r| r.name())
        .collect();
    assert_eq!(transient.len(), 7);
}

#[test]
fn derived_ids_are_stable_distinct_and_never_system_ids() {
    use ledger::chart::{SYSTEM_ID_BIT, derived_id, grant_transfer_id, wallet_account_id};
    let mut seen = std::collections::BTreeSet::new();
    for user in [0u128, 1, 2, u128::MAX, 1 << 64, (1 << 64) + 1, 0xDEAD_BEEF] {
        for ledger in [1, 2, 5] {
            for id in [
                wallet_account_id(user, ledger),
                grant_transfer_id(user, ledger),
                derived_id(99, user, ledger),
            ] {
                assert!(id != 0 && id & SYSTEM_ID_BIT == 0, "{id:#x}");
                assert!(seen.insert(id), "collision for user {user} ledger {ledger}");
            }
        }
    }
    assert_eq!(wallet_account_id(42, 1), wallet_account_id(42, 1));
}

#[test]
fn wallet_view_shows_balance_reserved_and_available_per_currency() {
    let mut l = funded();
    l.create_transfers(
        &[
            tr(2, ALICE, HOUSE, 250).flagged(F::PENDING),
            tr(3, ALICE, HOUSE, 100),
        ],
        T0,
    )
    .unwrap();
    let mut accounts = l.lookup_accounts(&[ALICE]);
    accounts.push(Account::new(99, 77, 2, AccountFlags::NONE));
    let view = ledger::wallet::wallet_balances(&accounts);
    assert_eq!(view.len(), 1, "unknown currencies are left out");
    let w = &view[0];
    assert_eq!(
        (w.symbol.as_str(), w.balance, w.reserved, w.available),
        ("PLAY", 900, 250, 650)
    );
    assert_eq!(
        (w.display_balance.as_str(), w.display_available.as_str()),
        ("9.00", "6.50")
    );
}
