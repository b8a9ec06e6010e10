//! `verify` finds every kind of corruption a backend bug or a torn write could leave.

use ledger::conformance::{ALICE, HOUSE, ISSUANCE, T0, tr};
use ledger::{
    Account, AccountFlags, LedgerDump, MemoryLedger, PendingStatus, Transfer, TransferFlags as F,
    verify,
};

fn healthy() -> LedgerDump {
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
    let batch = [
        tr(1, ISSUANCE, ALICE, 1000),
        tr(2, ALICE, HOUSE, 100).flagged(F::PENDING),
        Transfer::post(3, 2, 60),
        tr(4, ALICE, HOUSE, 50).flagged(F::PENDING),
    ];
    l.create_transfers(&batch, T0).unwrap();
    l.dump()
}

fn kinds(dump: &LedgerDump) -> Vec<String> {
    let report = verify(dump);
    assert_eq!(report.ok, report.violations.is_empty());
    report
        .violations
        .iter()
        .map(|v| {
            serde_json::to_value(v).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn a_healthy_ledger_verifies() {
    let report = verify(&healthy());
    assert!(report.ok, "{:?}", report.violations);
    assert_eq!((report.accounts, report.transfers), (3, 4));
}

#[test]
fn each_corruption_is_reported() {
    type Corrupt = fn(&mut LedgerDump);
    let cases: Vec<(&str, Corrupt, &[&str])> = vec![
        (
            "lost credit",
            |d| d.accounts[1].credits_posted -= 1,
            &["history_mismatch", "balance_mismatch", "ledger_unbalanced"],
        ),
        (
            "invented money on both sides",
            |d| {
                d.accounts[0].debits_posted += 5;
                d.accounts[2].credits_posted += 5;
            },
            &["balance_mismatch", "balance_mismatch"],
        ),
        (
            "lost transfer",
            |d| {
                d.transfers.remove(0);
            },
            &["balance_mismatch", "balance_mismatch"],
        ),
        (
            "second resolution",
            |d| {
                let mut again = d.transfers[2];
                again.id = 99;
                again.amount = 0;
                again.timestamp = d.commit_timestamp + 1;
                d.transfers.push(again);
            },
            &["pending_resolved_twice"],
        ),
        (
            "pending status lost",
            |d| d.pending.retain(|p| p.id != 4),
            &["pending_status_mismatch"],
        ),
        (
            "pending status wrong",
            |d| d.pending[1].status = PendingStatus::Voided,
            &["pending_status_mismatch"],
        ),
        (
            "expired without timeout",
            |d| d.pending[1].status = PendingStatus::Expired,
            &["pending_status_mismatch"],
        ),
        (
            "beyond limit",
            |d| {
                d.accounts[1].debits_posted += 2000;
                d.accounts[2].credits_posted += 2000;
            },
            &[
                "history_mismatch",
                "balance_mismatch",
                "account_beyond_limit",
                "balance_mismatch",
            ],
        ),
        (
            "unknown account",
            |d| d.transfers[0].debit_account_id = 77,
            &["unknown_account", "balance_mismatch", "balance_mismatch"],
        ),
        (
            "dangling post",
            |d| d.transfers[2].pending_id = 1,
            &[
                "dangling_resolution",
                "pending_status_mismatch",
                "balance_mismatch",
                "balance_mismatch",
            ],
        ),
        (
            "timestamps out of order",
            |d| d.transfers.swap(0, 1),
            &["timestamp_order"],
        ),
        (
            "ledger mismatch",
            |d| d.transfers[0].ledger = 2,
            &["ledger_mismatch", "ledger_mismatch"],
        ),
    ];
    let mut mismatches = Vec::new();
    for (what, corrupt, expected) in cases {
        let mut dump = healthy();
        corrupt(&mut dump);
        let got = kinds(&dump);
        if got != expected {
            mismatches.push(format!("{what}: got {got:?}, expected {expected:?}"));
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
