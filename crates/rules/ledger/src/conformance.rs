//! The conformance suite every [`LedgerStore`] must pass, and the randomized differential test
//! against [`MemoryLedger`].
//!
//! Backends call [`run_all`] with a factory of fresh, empty stores (or call the cases one by one)
//! from their own test binaries, under whatever async runtime they use. A failing case panics with
//! the case name and the first mismatch.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test suite (compiled with the `testing` feature only): a failed step fails the test"
)]

use std::future::Future;

use crate::memory::MemoryLedger;
use crate::result::{CreateAccountResult as A, CreateTransferResult as R};
use crate::sim::{SimConfig, SimOp, Simulator};
use crate::store::LedgerStore;
use crate::types::{
    AMOUNT_MAX, Account, AccountFilter, AccountFlags, AccountId, Amount, BALANCE_MAX, NS_PER_S,
    PendingStatus, Timestamp, Transfer, TransferFlags as F,
};
use crate::verify::verify;

/// The time the suite starts at (any value works; a fixed one keeps failures reproducible).
pub const T0: Timestamp = 1_000 * NS_PER_S;

/// Fixture accounts (ledger 1 unless noted).
pub const ISSUANCE: AccountId = 1;
pub const ALICE: AccountId = 2;
pub const BOB: AccountId = 3;
pub const HOUSE: AccountId = 4;
/// `credits_must_not_exceed_debits`.
pub const CAPPED: AccountId = 5;
/// A wallet on ledger 2.
pub const EURO_WALLET: AccountId = 6;
/// Issuance on ledger 2.
pub const EURO_ISSUANCE: AccountId = 7;

const WALLET: AccountFlags =
    AccountFlags(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS.0 | AccountFlags::HISTORY.0);

/// Every case, by name, for reporting.
pub const CASES: &[&str] = &[
    "accounts_create_and_exists",
    "accounts_validation",
    "accounts_linked_chain",
    "transfer_single_phase",
    "transfer_validation",
    "transfer_limits",
    "transfer_idempotency",
    "linked_chains",
    "two_phase",
    "two_phase_expiry",
    "balancing",
    "closing",
    "history_and_pages",
    "timestamps",
    "differential",
];

/// Runs every case, each against a fresh store from `make`.
pub async fn run_all<S, Fut>(mut make: impl FnMut() -> Fut)
where
    S: LedgerStore,
    Fut: Future<Output = S>,
{
    accounts_create_and_exists(&make().await).await;
    accounts_validation(&make().await).await;
    accounts_linked_chain(&make().await).await;
    transfer_single_phase(&make().await).await;
    transfer_validation(&make().await).await;
    transfer_limits(&make().await).await;
    transfer_idempotency(&make().await).await;
    linked_chains(&make().await).await;
    two_phase(&make().await).await;
    two_phase_expiry(&make().await).await;
    balancing(&make().await).await;
    closing(&make().await).await;
    history_and_pages(&make().await).await;
    timestamps(&make().await).await;
    for seed in 0..4 {
        differential(&make().await, seed, 120).await;
    }
}

fn acct(id: AccountId, ledger: u32, flags: AccountFlags) -> Account {
    Account::new(id, ledger, 2, flags)
}

fn fixture_accounts() -> Vec<Account> {
    vec![
        acct(ISSUANCE, 1, AccountFlags::NONE),
        acct(ALICE, 1, WALLET),
        acct(BOB, 1, WALLET),
        acct(HOUSE, 1, AccountFlags::NONE),
        acct(CAPPED, 1, AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS),
        acct(EURO_WALLET, 2, AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS),
        acct(EURO_ISSUANCE, 2, AccountFlags::NONE),
    ]
}

/// A single-phase transfer on ledger 1 with code 1.
#[must_use]
pub fn tr(id: u128, debit: AccountId, credit: AccountId, amount: Amount) -> Transfer {
    Transfer::new(id, debit, credit, amount, 1, 1)
}

async fn create_accounts<S: LedgerStore>(s: &S, batch: &[Account], now: Timestamp) -> Vec<A> {
    s.create_accounts(batch, now)
        .await
        .expect("store failed on create_accounts")
}

async fn create_transfers<S: LedgerStore>(s: &S, batch: &[Transfer], now: Timestamp) -> Vec<R> {
    s.create_transfers(batch, now)
        .await
        .expect("store failed on create_transfers")
}

async fn check_accounts<S: LedgerStore>(s: &S, what: &str, batch: &[Account], expected: &[A]) {
    let got = create_accounts(s, batch, T0).await;
    assert_eq!(got, expected, "{what}: create_accounts results");
}

async fn check<S: LedgerStore>(
    s: &S,
    what: &str,
    now: Timestamp,
    batch: &[Transfer],
    expected: &[R],
) {
    let got = create_transfers(s, batch, now).await;
    assert_eq!(got, expected, "{what}: create_transfers results");
}

/// `[debits_pending, debits_posted, credits_pending, credits_posted]` of an account.
async fn balances<S: LedgerStore>(s: &S, id: AccountId) -> [Amount; 4] {
    let found = s
        .lookup_accounts(&[id])
        .await
        .expect("store failed on lookup_accounts");
    let a = found
        .first()
        .unwrap_or_else(|| panic!("account {id} missing"));
    [
        a.debits_pending,
        a.debits_posted,
        a.credits_pending,
        a.credits_posted,
    ]
}

async fn check_balances<S: LedgerStore>(s: &S, what: &str, expected: &[(AccountId, [Amount; 4])]) {
    for (id, want) in expected {
        assert_eq!(
            balances(s, *id).await,
            *want,
            "{what}: balances of account {id}"
        );
    }
}

async fn assert_verified<S: LedgerStore>(s: &S, what: &str) {
    let dump = s.dump().await.expect("store failed on dump");
    let report = verify(&dump);
    assert!(report.ok, "{what}: verify found {:?}", report.violations);
}

/// Creates the fixture accounts and gives Alice and Bob 1000 each (transfer ids 9001, 9002).
async fn setup<S: LedgerStore>(s: &S) {
    let accounts = fixture_accounts();
    let results = create_accounts(s, &accounts, T0).await;
    assert!(
        results.iter().all(|r| *r == A::Ok),
        "setup accounts: {results:?}"
    );
    let funding = [
        tr(9001, ISSUANCE, ALICE, 1000),
        tr(9002, ISSUANCE, BOB, 1000),
    ];
    let results = create_transfers(s, &funding, T0).await;
    assert_eq!(results, [R::Ok, R::Ok], "setup funding");
}

/// Account creation, lookup and the idempotency of account ids.
pub async fn accounts_create_and_exists<S: LedgerStore>(s: &S) {
    let accounts = fixture_accounts();
    check_accounts(s, "create", &accounts, &[A::Ok; 7]).await;
    check_accounts(s, "retry", &accounts, &[A::Exists; 7]).await;
    let found = s.lookup_accounts(&[BOB, 999, ALICE]).await.expect("lookup");
    assert_eq!(
        found.iter().map(|a| a.id).collect::<Vec<_>>(),
        [BOB, ALICE],
        "lookup order"
    );
    assert!(
        found.iter().all(|a| a.timestamp >= T0),
        "timestamps assigned"
    );
    assert!(
        found[1].timestamp < found[0].timestamp,
        "timestamps follow batch order"
    );
    assert_eq!(found[0].flags, WALLET, "flags stored");

    let base = acct(ALICE, 1, WALLET);
    let cases: Vec<(Account, A)> = vec![
        (
            acct(ALICE, 1, AccountFlags::NONE),
            A::ExistsWithDifferentFlags,
        ),
        (
            Account {
                user_data_128: 1,
                ..base
            },
            A::ExistsWithDifferentUserData128,
        ),
        (
            Account {
                user_data_64: 1,
                ..base
            },
            A::ExistsWithDifferentUserData64,
        ),
        (
            Account {
                user_data_32: 1,
                ..base
            },
            A::ExistsWithDifferentUserData32,
        ),
        (acct(ALICE, 2, WALLET), A::ExistsWithDifferentLedger),
        (Account { code: 9, ..base }, A::ExistsWithDifferentCode),
        (base, A::Exists),
    ];
    for (account, expected) in cases {
        check_accounts(s, "exists variants", &[account], &[expected]).await;
    }
    assert_verified(s, "accounts").await;
}

/// Every account validation result, in precedence order.
pub async fn accounts_validation<S: LedgerStore>(s: &S) {
    let ok = acct(10, 1, AccountFlags::NONE);
    let cases: Vec<(Account, A)> = vec![
        (Account { timestamp: 5, ..ok }, A::TimestampMustBeZero),
        (
            Account {
                flags: AccountFlags(1 << 4),
                ..ok
            },
            A::ReservedFlag,
        ),
        (
            Account {
                flags: AccountFlags(1 << 9),
                id: 0,
                ..ok
            },
            A::ReservedFlag,
        ),
        (Account { id: 0, ..ok }, A::IdMustNotBeZero),
        (
            Account {
                id: u128::MAX,
                ..ok
            },
            A::IdMustNotBeIntMax,
        ),
        (
            Account {
                flags: AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS
                    | AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS,
                ..ok
            },
            A::FlagsAreMutuallyExclusive,
        ),
        (
            Account {
                debits_pending: 1,
                ..ok
            },
            A::DebitsPendingMustBeZero,
        ),
        (
            Account {
                debits_posted: 1,
                ..ok
            },
            A::DebitsPostedMustBeZero,
        ),
        (
            Account {
                credits_pending: 1,
                ..ok
            },
            A::CreditsPendingMustBeZero,
        ),
        (
            Account {
                credits_posted: 1,
                ..ok
            },
            A::CreditsPostedMustBeZero,
        ),
        (Account { ledger: 0, ..ok }, A::LedgerMustNotBeZero),
        (
            Account {
                code: 0,
                ledger: 0,
                ..ok
            },
            A::LedgerMustNotBeZero,
        ),
        (Account { code: 0, ..ok }, A::CodeMustNotBeZero),
    ];
    for (account, expected) in cases {
        check_accounts(s, "account validation", &[account], &[expected]).await;
    }
    assert!(
        s.lookup_accounts(&[10]).await.expect("lookup").is_empty(),
        "nothing created"
    );
    check_accounts(s, "valid", &[ok], &[A::Ok]).await;
}

/// Linked account chains are atomic, and a batch may not end inside a chain.
pub async fn accounts_linked_chain<S: LedgerStore>(s: &S) {
    let linked = |id| acct(id, 1, AccountFlags::LINKED);
    let batch = [
        linked(20),
        linked(21),
        acct(0, 1, AccountFlags::NONE),
        acct(23, 1, AccountFlags::NONE),
    ];
    let expected = [
        A::LinkedEventFailed,
        A::LinkedEventFailed,
        A::IdMustNotBeZero,
        A::Ok,
    ];
    check_accounts(s, "broken chain", &batch, &expected).await;
    let found = s.lookup_accounts(&[20, 21, 23]).await.expect("lookup");
    assert_eq!(
        found.iter().map(|a| a.id).collect::<Vec<_>>(),
        [23],
        "chain rolled back"
    );

    let batch = [
        linked(30),
        acct(31, 1, AccountFlags::NONE),
        linked(32),
        linked(33),
    ];
    let expected = [A::Ok, A::Ok, A::LinkedEventFailed, A::LinkedEventChainOpen];
    check_accounts(s, "open chain", &batch, &expected).await;
    let found = s.lookup_accounts(&[30, 31, 32, 33]).await.expect("lookup");
    assert_eq!(
        found.iter().map(|a| a.id).collect::<Vec<_>>(),
        [30, 31],
        "open chain discarded"
    );
    assert!(
        !found[0].flags.contains(AccountFlags::LINKED),
        "linked is not stored"
    );

    // A later event sees the earlier one; `exists` is a failure, so the chain is rolled back.
    let batch = [linked(40), acct(40, 1, AccountFlags::NONE)];
    check_accounts(
        s,
        "chain sees itself",
        &batch,
        &[A::LinkedEventFailed, A::Exists],
    )
    .await;
    assert!(
        s.lookup_accounts(&[40]).await.expect("lookup").is_empty(),
        "chain rolled back"
    );
    check_accounts(
        s,
        "single linked",
        &[linked(50)],
        &[A::LinkedEventChainOpen],
    )
    .await;
}

/// Plain transfers move money and later events see earlier ones.
pub async fn transfer_single_phase<S: LedgerStore>(s: &S) {
    setup(s).await;
    let batch = [
        tr(1, ALICE, HOUSE, 600),
        tr(2, ALICE, HOUSE, 400),
        tr(3, ALICE, HOUSE, 1),
        tr(4, HOUSE, BOB, 50),
    ];
    check(
        s,
        "spend down",
        T0,
        &batch,
        &[R::Ok, R::Ok, R::ExceedsCredits, R::Ok],
    )
    .await;
    check_balances(
        s,
        "after spend",
        &[
            (ALICE, [0, 1000, 0, 1000]),
            (BOB, [0, 0, 0, 1050]),
            (HOUSE, [0, 50, 0, 1000]),
            (ISSUANCE, [0, 2000, 0, 0]),
        ],
    )
    .await;
    let stored = s.lookup_transfers(&[2, 3, 1]).await.expect("lookup");
    assert_eq!(
        stored.iter().map(|t| t.id).collect::<Vec<_>>(),
        [2, 1],
        "lookup transfers"
    );
    assert!(stored[1].timestamp < stored[0].timestamp, "batch order");
    assert_eq!(
        Transfer {
            timestamp: 0,
            ..stored[0]
        },
        batch[1],
        "stored as sent"
    );
    check(s, "zero amount", T0, &[tr(5, ALICE, HOUSE, 0)], &[R::Ok]).await;
    assert_verified(s, "single phase").await;
}

/// Every validation result of a transfer, in precedence order.
pub async fn transfer_validation<S: LedgerStore>(s: &S) {
    setup(s).await;
    let ok = tr(100, ALICE, BOB, 1);
    let cases: Vec<(Transfer, R)> = vec![
        (Transfer { timestamp: 1, ..ok }, R::TimestampMustBeZero),
        (
            Transfer {
                flags: F(1 << 8),
                ..ok
            },
            R::ReservedFlag,
        ),
        (Transfer { id: 0, ..ok }, R::IdMustNotBeZero),
        (
            Transfer {
                id: u128::MAX,
                ..ok
            },
            R::IdMustNotBeIntMax,
        ),
        (
            Transfer {
                id: 9001,
                amount: 5,
                ..ok
            },
            R::ExistsWithDifferentDebitAccountId,
        ),
        (
            Transfer {
                debit_account_id: 0,
                ..ok
            },
            R::DebitAccountIdMustNotBeZero,
        ),
        (
            Transfer {
                debit_account_id: u128::MAX,
                ..ok
            },
            R::DebitAccountIdMustNotBeIntMax,
        ),
        (
            Transfer {
                credit_account_id: 0,
                ..ok
            },
            R::CreditAccountIdMustNotBeZero,
        ),
        (
            Transfer {
                credit_account_id: u128::MAX,
                ..ok
            },
            R::CreditAccountIdMustNotBeIntMax,
        ),
        (
            Transfer {
                credit_account_id: ALICE,
                ..ok
            },
            R::AccountsMustBeDifferent,
        ),
        (
            Transfer {
                pending_id: 5,
                ..ok
            },
            R::PendingIdMustBeZero,
        ),
        (
            Transfer { timeout: 1, ..ok },
            R::TimeoutReservedForPendingTransfer,
        ),
        (
            ok.flagged(F::CLOSING_DEBIT),
            R::ClosingTransferMustBePending,
        ),
        (Transfer { ledger: 0, ..ok }, R::LedgerMustNotBeZero),
        (Transfer { code: 0, ..ok }, R::CodeMustNotBeZero),
        (
            Transfer {
                id: 130,
                debit_account_id: 77,
                ..ok
            },
            R::DebitAccountNotFound,
        ),
        (
            Transfer {
                id: 101,
                credit_account_id: 77,
                ..ok
            },
            R::CreditAccountNotFound,
        ),
        (
            Transfer {
                id: 102,
                credit_account_id: EURO_WALLET,
                ..ok
            },
            R::AccountsMustHaveTheSameLedger,
        ),
        (
            Transfer { ledger: 2, ..ok },
            R::TransferMustHaveTheSameLedgerAsAccounts,
        ),
        (Transfer::post(103, 0, 1), R::PendingIdMustNotBeZero),
        (
            Transfer::post(104, u128::MAX, 1),
            R::PendingIdMustNotBeIntMax,
        ),
        (Transfer::post(105, 105, 1), R::PendingIdMustBeDifferent),
        (
            Transfer::post(106, 9001, 1).with_timeout(3),
            R::TimeoutReservedForPendingTransfer,
        ),
        (Transfer::post(107, 555, 1), R::PendingTransferNotFound),
        (Transfer::post(108, 9001, 1), R::PendingTransferNotPending),
        (
            Transfer::post(109, 9001, 1).flagged(F::VOID_PENDING),
            R::FlagsAreMutuallyExclusive,
        ),
        (
            Transfer::void(110, 9001).flagged(F::PENDING),
            R::FlagsAreMutuallyExclusive,
        ),
        (
            Transfer::void(111, 9001).flagged(F::BALANCING_DEBIT),
            R::FlagsAreMutuallyExclusive,
        ),
        (ok, R::Ok),
    ];
    for (t, expected) in cases {
        check(s, &format!("validation of {t:?}"), T0, &[t], &[expected]).await;
    }
    // Transient failures are remembered: the same id never succeeds later.
    check(
        s,
        "failed id",
        T0,
        &[Transfer {
            debit_account_id: 77,
            id: 120,
            ..ok
        }],
        &[R::DebitAccountNotFound],
    )
    .await;
    check(
        s,
        "failed id retried",
        T0,
        &[Transfer { id: 120, ..ok }],
        &[R::IdAlreadyFailed],
    )
    .await;
    check(
        s,
        "failed not-found post",
        T0,
        &[Transfer::post(121, 555, 1)],
        &[R::PendingTransferNotFound],
    )
    .await;
    check(
        s,
        "not-found post retried",
        T0,
        &[Transfer::post(121, 555, 1)],
        &[R::IdAlreadyFailed],
    )
    .await;
    // Non-transient failures are not remembered: the corrected request goes through.
    check(
        s,
        "code zero",
        T0,
        &[Transfer {
            id: 122,
            code: 0,
            ..ok
        }],
        &[R::CodeMustNotBeZero],
    )
    .await;
    check(s, "code fixed", T0, &[Transfer { id: 122, ..ok }], &[R::Ok]).await;
    assert_verified(s, "validation").await;
}

/// Balance flags and overflow limits.
pub async fn transfer_limits<S: LedgerStore>(s: &S) {
    setup(s).await;
    check(
        s,
        "exceeds credits",
        T0,
        &[tr(1, ALICE, HOUSE, 1001)],
        &[R::ExceedsCredits],
    )
    .await;
    check(
        s,
        "exceeds debits",
        T0,
        &[tr(2, HOUSE, CAPPED, 1)],
        &[R::ExceedsDebits],
    )
    .await;
    check(s, "capped debit", T0, &[tr(3, CAPPED, HOUSE, 10)], &[R::Ok]).await;
    check(
        s,
        "capped credit",
        T0,
        &[tr(4, HOUSE, CAPPED, 10), tr(5, HOUSE, CAPPED, 1)],
        &[R::Ok, R::ExceedsDebits],
    )
    .await;
    let fresh: Vec<Account> = (60..=64)
        .map(|id| acct(id, 1, AccountFlags::NONE))
        .collect();
    check_accounts(s, "overflow accounts", &fresh, &[A::Ok; 5]).await;
    let max = BALANCE_MAX;
    let cases: Vec<(Transfer, R)> = vec![
        (tr(20, 60, 61, max).flagged(F::PENDING), R::Ok),
        (
            tr(21, 60, 62, 1).flagged(F::PENDING),
            R::OverflowsDebitsPending,
        ),
        (
            tr(22, 62, 61, 1).flagged(F::PENDING),
            R::OverflowsCreditsPending,
        ),
        (tr(23, 60, 62, 1), R::OverflowsDebits),
        (tr(24, 62, 61, 1), R::OverflowsCredits),
        (tr(25, 62, 63, max), R::Ok),
        (tr(26, 62, 64, 1), R::OverflowsDebitsPosted),
        (tr(27, 64, 63, 1), R::OverflowsCreditsPosted),
        (tr(28, 64, 63, AMOUNT_MAX), R::OverflowsDebitsPosted),
    ];
    for (t, expected) in cases {
        check(s, &format!("overflow {t:?}"), T0, &[t], &[expected]).await;
    }
    let timeout = tr(11, BOB, HOUSE, 1)
        .flagged(F::PENDING)
        .with_timeout(u32::MAX);
    check(s, "timeout fits", T0, &[timeout], &[R::Ok]).await;
    let late = BALANCE_MAX - NS_PER_S;
    let timeout = tr(12, BOB, HOUSE, 1).flagged(F::PENDING).with_timeout(2);
    check(
        s,
        "overflow timeout",
        late,
        &[timeout],
        &[R::OverflowsTimeout],
    )
    .await;
    assert_verified(s, "limits").await;
}

/// `exists` and every `exists_with_different_*`, for single-phase and post/void transfers.
pub async fn transfer_idempotency<S: LedgerStore>(s: &S) {
    setup(s).await;
    let mut original = tr(1, ALICE, HOUSE, 10);
    original.user_data_128 = 7;
    let pending = tr(2, ALICE, HOUSE, 100)
        .flagged(F::PENDING)
        .with_timeout(60);
    let post = Transfer::post(3, 2, 40);
    check(
        s,
        "originals",
        T0,
        &[original, pending, post],
        &[R::Ok, R::Ok, R::Ok],
    )
    .await;
    let before = s.dump().await.expect("dump");
    let cases: Vec<(Transfer, R)> = vec![
        (original, R::Exists),
        (original.flagged(F::PENDING), R::ExistsWithDifferentFlags),
        (
            Transfer {
                pending_id: 1,
                ..original
            },
            R::ExistsWithDifferentPendingId,
        ),
        (
            Transfer {
                timeout: 1,
                ..original
            },
            R::ExistsWithDifferentTimeout,
        ),
        (
            Transfer {
                debit_account_id: BOB,
                ..original
            },
            R::ExistsWithDifferentDebitAccountId,
        ),
        (
            Transfer {
                credit_account_id: BOB,
                ..original
            },
            R::ExistsWithDifferentCreditAccountId,
        ),
        (
            Transfer {
                amount: 11,
                ..original
            },
            R::ExistsWithDifferentAmount,
        ),
        (
            Transfer {
                user_data_128: 8,
                ..original
            },
            R::ExistsWithDifferentUserData128,
        ),
        (
            Transfer {
                user_data_64: 8,
                ..original
            },
            R::ExistsWithDifferentUserData64,
        ),
        (
            Transfer {
                user_data_32: 8,
                ..original
            },
            R::ExistsWithDifferentUserData32,
        ),
        (
            Transfer {
                ledger: 2,
                ..original
            },
            R::ExistsWithDifferentLedger,
        ),
        (
            Transfer {
                code: 2,
                ..original
            },
            R::ExistsWithDifferentCode,
        ),
        (pending, R::Exists),
        (post, R::Exists),
        (
            Transfer {
                debit_account_id: ALICE,
                credit_account_id: HOUSE,
                ledger: 1,
                code: 1,
                ..post
            },
            R::Exists,
        ),
        (
            Transfer {
                debit_account_id: BOB,
                ..post
            },
            R::ExistsWithDifferentDebitAccountId,
        ),
        (Transfer::post(3, 2, 41), R::ExistsWithDifferentAmount),
        (
            Transfer::post(3, 2, AMOUNT_MAX),
            R::ExistsWithDifferentAmount,
        ),
        (
            Transfer {
                user_data_128: 7,
                ..post
            },
            R::ExistsWithDifferentUserData128,
        ),
        (Transfer { code: 5, ..post }, R::ExistsWithDifferentCode),
        (Transfer::void(3, 2), R::ExistsWithDifferentFlags),
    ];
    for (t, expected) in cases {
        check(s, &format!("retry of {t:?}"), T0, &[t], &[expected]).await;
    }
    let after = s.dump().await.expect("dump");
    assert_eq!(before.accounts, after.accounts, "retries change no balance");
    assert_eq!(
        before.transfers, after.transfers,
        "retries create no transfer"
    );
}

/// Linked chains: atomic, ordered, and a batch may not end inside one.
pub async fn linked_chains<S: LedgerStore>(s: &S) {
    setup(s).await;
    let l = |t: Transfer| t.flagged(F::LINKED);
    // Bet 600 and 600 again in one chain: the second fails, the first is rolled back.
    let batch = [
        l(tr(1, ALICE, HOUSE, 600)),
        l(tr(2, HOUSE, BOB, 5)),
        tr(3, ALICE, HOUSE, 600),
        tr(4, ALICE, HOUSE, 700),
    ];
    let expected = [
        R::LinkedEventFailed,
        R::LinkedEventFailed,
        R::ExceedsCredits,
        R::Ok,
    ];
    check(s, "broken chain", T0, &batch, &expected).await;
    check_balances(
        s,
        "after broken chain",
        &[(ALICE, [0, 700, 0, 1000]), (BOB, [0, 0, 0, 1000])],
    )
    .await;
    assert!(
        s.lookup_transfers(&[1, 2])
            .await
            .expect("lookup")
            .is_empty(),
        "rolled back"
    );
    // A pending created and posted inside one chain.
    let batch = [
        l(tr(5, BOB, HOUSE, 100).flagged(F::PENDING)),
        Transfer::post(6, 5, AMOUNT_MAX),
    ];
    check(
        s,
        "pending and post in a chain",
        T0,
        &batch,
        &[R::Ok, R::Ok],
    )
    .await;
    check_balances(s, "chain posted", &[(BOB, [0, 100, 0, 1000])]).await;
    // Events after a broken chain run normally; the chain after them too.
    let batch = [
        l(tr(7, BOB, HOUSE, 10)),
        l(tr(8, BOB, HOUSE, 9_999)),
        tr(9, BOB, HOUSE, 10),
        tr(10, BOB, HOUSE, 1),
        l(tr(11, BOB, HOUSE, 2)),
        tr(12, BOB, HOUSE, 3),
    ];
    let expected = [
        R::LinkedEventFailed,
        R::ExceedsCredits,
        R::LinkedEventFailed,
        R::Ok,
        R::Ok,
        R::Ok,
    ];
    check(s, "chain then singles", T0, &batch, &expected).await;
    check_balances(s, "after singles", &[(BOB, [0, 106, 0, 1000])]).await;
    // Open chain at the end of the batch.
    let batch = [
        tr(13, BOB, HOUSE, 1),
        l(tr(14, BOB, HOUSE, 1)),
        l(tr(15, BOB, HOUSE, 1)),
    ];
    check(
        s,
        "open chain",
        T0,
        &batch,
        &[R::Ok, R::LinkedEventFailed, R::LinkedEventChainOpen],
    )
    .await;
    // Retrying a committed chain: `exists` breaks the retried chain, nothing changes.
    let batch = [
        l(tr(5, BOB, HOUSE, 100).flagged(F::PENDING)),
        Transfer::post(6, 5, AMOUNT_MAX),
    ];
    check(
        s,
        "retried chain",
        T0,
        &batch,
        &[R::Exists, R::LinkedEventFailed],
    )
    .await;
    check_balances(s, "end", &[(BOB, [0, 107, 0, 1000])]).await;
    // The failing event's transient failure survives the rollback.
    check(
        s,
        "failed id in chain",
        T0,
        &[tr(8, BOB, HOUSE, 1)],
        &[R::IdAlreadyFailed],
    )
    .await;
    assert_verified(s, "chains").await;
}

/// Pending transfers: reserve, post in full or in part, void, resolve at most once.
pub async fn two_phase<S: LedgerStore>(s: &S) {
    setup(s).await;
    let p = |id, amount| tr(id, ALICE, HOUSE, amount).flagged(F::PENDING);
    check(
        s,
        "reserve",
        T0,
        &[p(1, 300), p(2, 300), p(3, 200), p(4, 200)],
        &[R::Ok; 4],
    )
    .await;
    check(s, "over-reserve", T0, &[p(30, 1)], &[R::ExceedsCredits]).await;
    check_balances(
        s,
        "reserved",
        &[(ALICE, [1000, 0, 0, 1000]), (HOUSE, [0, 0, 1000, 0])],
    )
    .await;
    check(
        s,
        "reservation limits spending",
        T0,
        &[tr(5, ALICE, HOUSE, 1)],
        &[R::ExceedsCredits],
    )
    .await;
    let batch = [
        Transfer::post(10, 1, AMOUNT_MAX),
        Transfer::post(11, 2, 120),
        Transfer::void(12, 3),
        Transfer::post(13, 4, 201),
        Transfer {
            amount: 199,
            ..Transfer::void(14, 4)
        },
        Transfer {
            debit_account_id: BOB,
            ..Transfer::void(15, 4)
        },
        Transfer {
            code: 9,
            ..Transfer::void(16, 4)
        },
        Transfer {
            ledger: 2,
            ..Transfer::void(17, 4)
        },
        Transfer {
            credit_account_id: BOB,
            ..Transfer::void(18, 4)
        },
        Transfer::post(19, 1, 1),
        Transfer::void(20, 2),
        Transfer::post(21, 3, AMOUNT_MAX),
        Transfer::post(22, 4, 0),
    ];
    let expected = [
        R::Ok,
        R::Ok,
        R::Ok,
        R::ExceedsPendingTransferAmount,
        R::PendingTransferHasDifferentAmount,
        R::PendingTransferHasDifferentDebitAccountId,
        R::PendingTransferHasDifferentCode,
        R::PendingTransferHasDifferentLedger,
        R::PendingTransferHasDifferentCreditAccountId,
        R::PendingTransferAlreadyPosted,
        R::PendingTransferAlreadyPosted,
        R::PendingTransferAlreadyVoided,
        R::Ok,
    ];
    check(s, "resolve", T0, &batch, &expected).await;
    check_balances(
        s,
        "resolved",
        &[(ALICE, [0, 420, 0, 1000]), (HOUSE, [0, 0, 0, 420])],
    )
    .await;
    let posted = s.lookup_transfers(&[10, 11, 22]).await.expect("lookup");
    let amounts: Vec<Amount> = posted.iter().map(|t| t.amount).collect();
    assert_eq!(
        amounts,
        [300, 120, 0],
        "stored post amounts are resolved figures"
    );
    assert_eq!(
        (posted[0].debit_account_id, posted[0].code),
        (ALICE, 1),
        "post inherits fields"
    );
    check(
        s,
        "already voided",
        T0,
        &[Transfer::void(23, 3)],
        &[R::PendingTransferAlreadyVoided],
    )
    .await;
    let dump = s.dump().await.expect("dump");
    let status: Vec<_> = dump.pending.iter().map(|p| (p.id, p.status)).collect();
    let expected_status = [
        (1, PendingStatus::Posted),
        (2, PendingStatus::Posted),
        (3, PendingStatus::Voided),
        (4, PendingStatus::Posted),
    ];
    assert_eq!(status, expected_status, "pending statuses");
    assert_verified(s, "two phase").await;
}

/// Timeouts: expiry is deterministic, releases the reservation, and beats a late post.
pub async fn two_phase_expiry<S: LedgerStore>(s: &S) {
    setup(s).await;
    let p = |id, amount, timeout| {
        tr(id, ALICE, HOUSE, amount)
            .flagged(F::PENDING)
            .with_timeout(timeout)
    };
    check(
        s,
        "reserve",
        T0,
        &[p(1, 100, 10), p(2, 100, 5), p(3, 100, 5), p(4, 100, 0)],
        &[R::Ok; 4],
    )
    .await;
    let expired = s
        .expire_pending(T0 + 4 * NS_PER_S, 10)
        .await
        .expect("expire");
    assert!(expired.is_empty(), "nothing due yet: {expired:?}");
    check(
        s,
        "post before expiry",
        T0 + 4 * NS_PER_S,
        &[Transfer::post(10, 3, 50)],
        &[R::Ok],
    )
    .await;
    // Past the 5 s timeout of #2 but before anyone expired it: the post is refused anyway.
    check(
        s,
        "post after timeout",
        T0 + 6 * NS_PER_S,
        &[Transfer::post(11, 2, 50)],
        &[R::PendingTransferExpired],
    )
    .await;
    let expired = s
        .expire_pending(T0 + 20 * NS_PER_S, 1)
        .await
        .expect("expire");
    assert_eq!(expired, [2], "oldest expiry first, limit respected");
    let expired = s
        .expire_pending(T0 + 20 * NS_PER_S, 10)
        .await
        .expect("expire");
    assert_eq!(
        expired,
        [1],
        "then the next; posted and timeout-less ones never expire"
    );
    check_balances(
        s,
        "expired",
        &[(ALICE, [100, 50, 0, 1000]), (HOUSE, [0, 0, 100, 50])],
    )
    .await;
    check(
        s,
        "void after expiry",
        T0 + 21 * NS_PER_S,
        &[Transfer::void(12, 1)],
        &[R::PendingTransferExpired],
    )
    .await;
    let dump = s.dump().await.expect("dump");
    let status: Vec<_> = dump.pending.iter().map(|p| (p.id, p.status)).collect();
    let expected_status = [
        (1, PendingStatus::Expired),
        (2, PendingStatus::Expired),
        (3, PendingStatus::Posted),
        (4, PendingStatus::Pending),
    ];
    assert_eq!(status, expected_status, "pending statuses");
    assert!(
        s.expire_pending(T0 + 99 * NS_PER_S, 10)
            .await
            .expect("expire")
            .is_empty(),
        "idempotent"
    );
    assert_verified(s, "expiry").await;
}

/// Balancing transfers move at most what the balance allows; their retry matches any bound above.
pub async fn balancing<S: LedgerStore>(s: &S) {
    setup(s).await;
    check(s, "spend", T0, &[tr(1, ALICE, HOUSE, 300)], &[R::Ok]).await;
    let sweep = tr(2, ALICE, HOUSE, AMOUNT_MAX).flagged(F::BALANCING_DEBIT);
    check(s, "sweep the rest", T0, &[sweep], &[R::Ok]).await;
    let stored = s.lookup_transfers(&[2]).await.expect("lookup");
    assert_eq!(stored[0].amount, 700, "resolved amount stored");
    check(s, "retry same bound", T0, &[sweep], &[R::Exists]).await;
    check(
        s,
        "retry lower bound",
        T0,
        &[Transfer {
            amount: 699,
            ..sweep
        }],
        &[R::ExistsWithDifferentAmount],
    )
    .await;
    let capped = tr(3, BOB, HOUSE, 50).flagged(F::BALANCING_DEBIT);
    check(s, "bounded by amount", T0, &[capped], &[R::Ok]).await;
    let empty = tr(4, ALICE, HOUSE, 10).flagged(F::BALANCING_DEBIT);
    check(s, "nothing left moves zero", T0, &[empty], &[R::Ok]).await;
    check(s, "fill capped", T0, &[tr(5, CAPPED, HOUSE, 80)], &[R::Ok]).await;
    let refill = tr(6, HOUSE, CAPPED, AMOUNT_MAX).flagged(F::BALANCING_CREDIT);
    check(s, "balancing credit", T0, &[refill], &[R::Ok]).await;
    check_balances(
        s,
        "balanced",
        &[
            (ALICE, [0, 1000, 0, 1000]),
            (CAPPED, [0, 80, 0, 80]),
            (BOB, [0, 50, 0, 1000]),
        ],
    )
    .await;
    assert_verified(s, "balancing").await;
}

/// Closing an account with a pending closing transfer; voiding it reopens the account.
pub async fn closing<S: LedgerStore>(s: &S) {
    setup(s).await;
    let close = tr(1, ALICE, HOUSE, 0).flagged(F::PENDING | F::CLOSING_DEBIT);
    check(s, "close", T0, &[close], &[R::Ok]).await;
    let found = s.lookup_accounts(&[ALICE]).await.expect("lookup");
    assert!(found[0].flags.contains(AccountFlags::CLOSED), "closed");
    check(
        s,
        "debit closed",
        T0,
        &[tr(2, ALICE, BOB, 1)],
        &[R::DebitAccountAlreadyClosed],
    )
    .await;
    check(
        s,
        "credit closed",
        T0,
        &[tr(3, BOB, ALICE, 1)],
        &[R::CreditAccountAlreadyClosed],
    )
    .await;
    check(
        s,
        "post refused",
        T0,
        &[Transfer::post(4, 1, 0)],
        &[R::DebitAccountAlreadyClosed],
    )
    .await;
    check(s, "void reopens", T0, &[Transfer::void(5, 1)], &[R::Ok]).await;
    check(s, "open again", T0, &[tr(6, ALICE, BOB, 1)], &[R::Ok]).await;
    check(
        s,
        "retry closed failure",
        T0,
        &[tr(2, ALICE, BOB, 1)],
        &[R::IdAlreadyFailed],
    )
    .await;
    let close = tr(7, HOUSE, BOB, 5)
        .flagged(F::PENDING | F::CLOSING_CREDIT)
        .with_timeout(1);
    check(s, "close with timeout", T0, &[close], &[R::Ok]).await;
    let expired = s
        .expire_pending(T0 + 5 * NS_PER_S, 10)
        .await
        .expect("expire");
    assert_eq!(expired, [7], "expired");
    let found = s.lookup_accounts(&[BOB]).await.expect("lookup");
    assert!(
        !found[0].flags.contains(AccountFlags::CLOSED),
        "expiry reopens"
    );
    check_accounts(
        s,
        "closed flag ignored by exists",
        &[acct(ALICE, 1, WALLET)],
        &[A::Exists],
    )
    .await;
    assert_verified(s, "closing").await;
}

/// Account transfers and balance history, newest first, cursor-paginated.
pub async fn history_and_pages<S: LedgerStore>(s: &S) {
    setup(s).await;
    let batch: Vec<Transfer> = (1..=5).map(|i| tr(i, ALICE, HOUSE, 10)).collect();
    check(s, "bets", T0, &batch, &[R::Ok; 5]).await;
    check(s, "other", T0, &[tr(6, BOB, HOUSE, 1)], &[R::Ok]).await;
    let first = s
        .account_transfers(AccountFilter::newest(ALICE, 4))
        .await
        .expect("page");
    let ids: Vec<u128> = first.items.iter().map(|t| t.id).collect();
    assert_eq!(ids, [5, 4, 3, 2], "first page newest first");
    let cursor = first.next_cursor.expect("more pages");
    assert_eq!(
        cursor, first.items[3].timestamp,
        "cursor is the last row's timestamp"
    );
    let filter = AccountFilter {
        before: Some(cursor),
        ..AccountFilter::newest(ALICE, 4)
    };
    let second = s.account_transfers(filter).await.expect("page");
    let ids: Vec<u128> = second.items.iter().map(|t| t.id).collect();
    assert_eq!(ids, [1, 9001], "second page includes the funding");
    assert_eq!(second.next_cursor, None, "last page");
    let exact = s
        .account_transfers(AccountFilter::newest(ALICE, 6))
        .await
        .expect("page");
    assert_eq!(
        (exact.items.len(), exact.next_cursor),
        (6, None),
        "exact fit has no cursor"
    );
    let house = s
        .account_transfers(AccountFilter::newest(HOUSE, 0))
        .await
        .expect("page");
    assert_eq!(house.items.len(), 1, "limit clamps up to 1");

    let history = s
        .account_history(AccountFilter::newest(ALICE, 10))
        .await
        .expect("history");
    let posted: Vec<Amount> = history.items.iter().map(|b| b.debits_posted).collect();
    assert_eq!(posted, [50, 40, 30, 20, 10, 0], "history newest first");
    assert_eq!(history.items[5].credits_posted, 1000, "funding row");
    let page = s
        .account_history(AccountFilter::newest(ALICE, 2))
        .await
        .expect("history");
    assert_eq!(
        page.next_cursor,
        Some(page.items[1].timestamp),
        "history cursor"
    );
    let none = s
        .account_history(AccountFilter::newest(HOUSE, 10))
        .await
        .expect("history");
    assert!(none.items.is_empty(), "no history without the flag");
}

/// Timestamps are unique and increasing even when the caller's clock steps back.
pub async fn timestamps<S: LedgerStore>(s: &S) {
    setup(s).await;
    check(
        s,
        "late clock",
        T0 + 50 * NS_PER_S,
        &[tr(1, ALICE, HOUSE, 1)],
        &[R::Ok],
    )
    .await;
    check(
        s,
        "clock stepped back",
        T0,
        &[tr(2, ALICE, HOUSE, 1), tr(3, ALICE, HOUSE, 1)],
        &[R::Ok, R::Ok],
    )
    .await;
    let found = s.lookup_transfers(&[1, 2, 3]).await.expect("lookup");
    assert!(found[0].timestamp >= T0 + 50 * NS_PER_S, "not before now");
    assert!(
        found[0].timestamp < found[1].timestamp && found[1].timestamp < found[2].timestamp,
        "increasing"
    );
    let dump = s.dump().await.expect("dump");
    assert_eq!(
        dump.commit_timestamp, found[2].timestamp,
        "commit timestamp"
    );
    check(s, "empty batch", T0, &[], &[]).await;
    assert_eq!(
        s.dump().await.expect("dump").commit_timestamp,
        found[2].timestamp,
        "empty batch"
    );
}

/// The differential test: the steps of `Simulator(seed)` give the same results on `store` as on
/// [`MemoryLedger`], and the same rows and pages at the end.
pub async fn differential<S: LedgerStore>(store: &S, seed: u64, steps: usize) {
    let mut sim = Simulator::new(seed, SimConfig::default());
    let mut reference = MemoryLedger::new();
    differential_steps(store, &mut sim, &mut reference, steps, seed).await;
    assert_same_ledger(store, &reference, seed).await;
}

/// Runs the next `steps` steps of `sim` on `store` and on `reference`, asserting the same
/// results (`seed` names the run in failures).
pub async fn differential_steps<S: LedgerStore>(
    store: &S,
    sim: &mut Simulator,
    reference: &mut MemoryLedger,
    steps: usize,
    seed: u64,
) {
    for step_index in 0..steps {
        let step = sim.step();
        match &step.op {
            SimOp::Accounts(batch) => {
                let want = reference
                    .create_accounts(batch, step.now)
                    .expect("reference");
                let got = store.create_accounts(batch, step.now).await.expect("store");
                assert_eq!(got, want, "seed {seed} step {step_index}: account results");
            }
            SimOp::Transfers(batch) => {
                let want = reference
                    .create_transfers(batch, step.now)
                    .expect("reference");
                let got = store
                    .create_transfers(batch, step.now)
                    .await
                    .expect("store");
                assert_eq!(
                    got, want,
                    "seed {seed} step {step_index}: transfer results of {batch:?}"
                );
            }
            SimOp::Expire { limit } => {
                let want = reference
                    .expire_pending(step.now, *limit)
                    .expect("reference");
                let got = store.expire_pending(step.now, *limit).await.expect("store");
                assert_eq!(got, want, "seed {seed} step {step_index}: expired ids");
            }
        }
    }
}

/// `store` holds what `reference` holds: the same dump (which passes [`verify`]), and for every
/// account the same pages of transfers and of history, followed by their cursors.
pub async fn assert_same_ledger<S: LedgerStore>(store: &S, reference: &MemoryLedger, seed: u64) {
    let got = store.dump().await.expect("store dump");
    let want = reference.dump();
    assert_eq!(got.accounts, want.accounts, "seed {seed}: accounts");
    assert_eq!(got.transfers, want.transfers, "seed {seed}: transfers");
    assert_eq!(got.pending, want.pending, "seed {seed}: pending");
    assert_eq!(got.history, want.history, "seed {seed}: history");
    assert_eq!(got, want, "seed {seed}: dump");
    let report = verify(&got);
    assert!(
        report.ok,
        "seed {seed}: verify found {:?}",
        report.violations
    );
    for account in &want.accounts {
        let mut filter = AccountFilter::newest(account.id, 3);
        loop {
            let got = store.account_transfers(filter).await.expect("store page");
            let want = reference.account_transfers(&filter);
            assert_eq!(
                got, want,
                "seed {seed}: transfers of {} {filter:?}",
                account.id
            );
            match want.next_cursor {
                Some(cursor) => filter.before = Some(cursor),
                None => break,
            }
        }
        let mut filter = AccountFilter::newest(account.id, 4);
        loop {
            let got = store.account_history(filter).await.expect("store page");
            let want = reference.account_history(&filter);
            assert_eq!(
                got, want,
                "seed {seed}: history of {} {filter:?}",
                account.id
            );
            match want.next_cursor {
                Some(cursor) => filter.before = Some(cursor),
                None => break,
            }
        }
    }
}

/// Generates one `#[test]` per conformance case for a backend.
///
/// `$block_on` runs a future to completion on the backend's runtime (for sqlx: a function that
/// builds a tokio runtime and blocks on it); `$make` is an expression evaluating to a future of a
/// fresh, empty store. Example: `ledger::ledger_conformance!(block_on, SqliteLedger::in_memory());`
#[macro_export]
macro_rules! ledger_conformance {
    ($block_on:path, $make:expr) => {
        $crate::ledger_conformance!(@cases $block_on, $make;
            accounts_create_and_exists, accounts_validation, accounts_linked_chain,
            transfer_single_phase, transfer_validation, transfer_limits, transfer_idempotency,
            linked_chains, two_phase, two_phase_expiry, balancing, closing, history_and_pages,
            timestamps);

        #[test]
        fn differential() {
            $block_on(async {
                for seed in 0..4 {
                    let store = $make.await;
                    $crate::conformance::differential(&store, seed, 120).await;
                }
            });
        }
    };
    (@cases $block_on:path, $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $block_on(async {
                    let store = $make.await;
                    $crate::conformance::$case(&store).await;
                });
            }
        )*
    };
}
