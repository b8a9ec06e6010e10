//! The batch executor: the one place the ledger's semantics live.
//!
//! Every backend (the in-memory reference, SQLite, PostgreSQL) runs the same three functions —
//! [`create_accounts`], [`create_transfers`], [`expire_pending`] — over a read view of its state
//! ([`LedgerRead`]) and then applies the returned [`Writes`] in one database transaction. A
//! database backend prefetches the rows a batch touches ([`prefetch_transfer_ids`],
//! [`prefetch_account_ids`]) into a [`Snapshot`], so the executor itself never waits on I/O and a
//! hot account is read and written once per batch however many of its transfers the batch holds.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::result::{CreateAccountResult, CreateTransferResult};
use crate::types::{
    AMOUNT_MAX, Account, AccountBalance, AccountFlags, AccountId, BALANCE_MAX, BATCH_EVENTS_MAX,
    FailedTransfer, NS_PER_S, PendingRow, PendingStatus, TIMESTAMP_MAX, Timestamp, Transfer,
    TransferFlags, TransferId,
};

/// What the executor needs to know about the committed state. Answers must reflect every
/// committed batch; the executor layers the batch's own effects on top.
pub trait LedgerRead {
    /// The account with this id, if it exists.
    fn account(&self, id: AccountId) -> Option<Account>;
    /// The transfer with this id, if it exists.
    fn transfer(&self, id: TransferId) -> Option<Transfer>;
    /// The status of a pending transfer (`None` for ids that are not pending transfers).
    fn pending_status(&self, id: TransferId) -> Option<PendingStatus>;
    /// Whether this transfer id was recorded as a transient failure.
    fn transfer_failed(&self, id: TransferId) -> bool;
    /// The largest timestamp assigned so far (`0` on an empty ledger).
    fn commit_timestamp(&self) -> Timestamp;
    /// Up to `limit` pending transfers with `expires_at <= now` that are still pending, ordered by
    /// `(expires_at, timestamp)`. Only [`expire_pending`] asks this.
    fn pending_expired(&self, now: Timestamp, limit: usize) -> Vec<TransferId>;
}

/// A batch the executor refuses as a whole (no event is executed).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("batch holds {events} events, more than the limit of {limit}")]
    TooManyEvents { events: usize, limit: usize },
    #[error("ledger timestamps are exhausted")]
    TimestampsExhausted,
}

/// The rows one batch changes, exactly as a backend must write them (all in one transaction).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Writes {
    /// The largest timestamp assigned by this batch (unchanged if the batch was empty).
    pub commit_timestamp: Timestamp,
    /// Accounts created or changed, sorted by id, with their final values.
    pub accounts: Vec<AccountWrite>,
    /// New transfers, in timestamp order.
    pub transfers: Vec<Transfer>,
    /// Pending-transfer rows created or changed, sorted by id, with their final values.
    pub pending: Vec<PendingWrite>,
    /// Balance snapshots for `history` accounts, in timestamp order.
    pub history: Vec<AccountBalance>,
    /// Every account's balances after each change (a transfer, or a pending transfer's expiry),
    /// in timestamp order: `history` is the part of it for `history` accounts. A backend may
    /// keep these instead of updating account rows (the SQL backends do: an account's balances
    /// are its newest snapshot).
    #[serde(default)]
    pub balances: Vec<AccountBalance>,
    /// Transfer ids to remember as transient failures, in timestamp order.
    pub failed: Vec<FailedTransfer>,
}

/// One account row to insert (`old == None`) or update. `old` is the value the executor read: a
/// backend may use it as a compare-and-set guard, or write `new - old` as a delta.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountWrite {
    pub old: Option<Account>,
    pub new: Account,
}

/// One pending-transfer row to insert (`old == None`) or update.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingWrite {
    pub old: Option<PendingStatus>,
    pub new: PendingRow,
}

/// Results (one per event, in order) and the writes that realise them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome<R> {
    pub results: Vec<R>,
    pub writes: Writes,
}

/// Outcome of [`expire_pending`]: the ids expired (in order) and the writes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpireOutcome {
    pub expired: Vec<TransferId>,
    pub writes: Writes,
}

/// Creates accounts. Results are index-aligned with `batch`.
///
/// # Errors
/// [`BatchError`] when the batch is refused as a whole.
pub fn create_accounts<S: LedgerRead + ?Sized>(
    state: &S,
    batch: &[Account],
    now: Timestamp,
) -> Result<Outcome<CreateAccountResult>, BatchError> {
    execute_accounts(state, batch, &[batch.len()], now)
}

/// Executes several account requests as one batch (group commit); see
/// [`create_transfers_grouped`].
///
/// # Errors
/// [`BatchError`] when the requests hold more than [`BATCH_EVENTS_MAX`] events together.
pub fn create_accounts_grouped<S: LedgerRead + ?Sized>(
    state: &S,
    requests: &[&[Account]],
    now: Timestamp,
) -> Result<GroupOutcome<CreateAccountResult>, BatchError> {
    let (batch, ends) = flatten(requests);
    let outcome = execute_accounts(state, &batch, &ends, now)?;
    Ok(GroupOutcome::split(outcome, &ends))
}

fn execute_accounts<S: LedgerRead + ?Sized>(
    state: &S,
    batch: &[Account],
    ends: &[usize],
    now: Timestamp,
) -> Result<Outcome<CreateAccountResult>, BatchError> {
    let start = batch_start(state, batch.len(), now)?;
    let mut overlay = Overlay::new(state);
    let results = run_chains(
        &mut overlay,
        batch,
        ends,
        start,
        |a| a.flags.contains(AccountFlags::LINKED),
        |a| a.timestamp != 0,
        |o, a, ts| o.create_account(a, ts),
        ChainCodes {
            ok: CreateAccountResult::Ok,
            failed: CreateAccountResult::LinkedEventFailed,
            open: CreateAccountResult::LinkedEventChainOpen,
            timestamp: CreateAccountResult::TimestampMustBeZero,
        },
        |_, _, _, _| {},
    );
    Ok(Outcome {
        results,
        writes: overlay.finish(start, batch.len()),
    })
}

/// Creates transfers. Results are index-aligned with `batch`. Later events see the effects of
/// earlier ones; a linked chain takes effect whole or not at all.
///
/// # Errors
/// [`BatchError`] when the batch is refused as a whole.
pub fn create_transfers<S: LedgerRead + ?Sized>(
    state: &S,
    batch: &[Transfer],
    now: Timestamp,
) -> Result<Outcome<CreateTransferResult>, BatchError> {
    execute_transfers(state, batch, &[batch.len()], now)
}

/// Executes several independent requests as one batch — the group commit of a backend's single
/// writer. Each request keeps its own semantics exactly as if it had been submitted alone, right
/// after the requests before it: chains never span two requests (a request ending in a linked
/// event answers `linked_event_chain_open`), and results and writes (timestamps included) are
/// identical to executing the requests one by one at the same `now`.
///
/// # Errors
/// [`BatchError`] when the requests hold more than [`BATCH_EVENTS_MAX`] events together.
pub fn create_transfers_grouped<S: LedgerRead + ?Sized>(
    state: &S,
    requests: &[&[Transfer]],
    now: Timestamp,
) -> Result<GroupOutcome<CreateTransferResult>, BatchError> {
    let (batch, ends) = flatten(requests);
    let outcome = execute_transfers(state, &batch, &ends, now)?;
    Ok(GroupOutcome::split(outcome, &ends))
}

/// Results per request (in request order) and the writes of the whole group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupOutcome<R> {
    pub results: Vec<Vec<R>>,
    pub writes: Writes,
}

impl<R> GroupOutcome<R> {
    fn split(outcome: Outcome<R>, ends: &[usize]) -> Self {
        let mut results = Vec::with_capacity(ends.len());
        let mut rest = outcome.results.into_iter();
        let mut previous = 0;
        for &end in ends {
            results.push(rest.by_ref().take(end - previous).collect());
            previous = end;
        }
        Self {
            results,
            writes: outcome.writes,
        }
    }
}

fn flatten<E: Copy>(requests: &[&[E]]) -> (Vec<E>, Vec<usize>) {
    let mut batch = Vec::with_capacity(requests.iter().map(|r| r.len()).sum());
    let mut ends = Vec::with_capacity(requests.len());
    for request in requests {
        batch.extend_from_slice(request);
        ends.push(batch.len());
    }
    (batch, ends)
}

fn execute_transfers<S: LedgerRead + ?Sized>(
    state: &S,
    batch: &[Transfer],
    ends: &[usize],
    now: Timestamp,
) -> Result<Outcome<CreateTransferResult>, BatchError> {
    let start = batch_start(state, batch.len(), now)?;
    let mut overlay = Overlay::new(state);
    let results = run_chains(
        &mut overlay,
        batch,
        ends,
        start,
        |t| t.flags.contains(TransferFlags::LINKED),
        |t| t.timestamp != 0,
        |o, t, ts| o.create_transfer(t, ts),
        ChainCodes {
            ok: CreateTransferResult::Ok,
            failed: CreateTransferResult::LinkedEventFailed,
            open: CreateTransferResult::LinkedEventChainOpen,
            timestamp: CreateTransferResult::TimestampMustBeZero,
        },
        |o, t, result, ts| {
            if result.transient() {
                o.record_failed(FailedTransfer {
                    id: t.id,
                    result,
                    timestamp: ts,
                });
            }
        },
    );
    Ok(Outcome {
        results,
        writes: overlay.finish(start, batch.len()),
    })
}

/// Expires up to `limit` pending transfers whose timeout has passed at `now`, oldest expiry first,
/// releasing their reservations. Deterministic: the candidates come ordered from the state.
///
/// # Errors
/// [`BatchError`] when `limit` exceeds the batch limit or timestamps are exhausted.
pub fn expire_pending<S: LedgerRead + ?Sized>(
    state: &S,
    now: Timestamp,
    limit: usize,
) -> Result<ExpireOutcome, BatchError> {
    if limit > BATCH_EVENTS_MAX {
        return Err(BatchError::TooManyEvents {
            events: limit,
            limit: BATCH_EVENTS_MAX,
        });
    }
    let candidates = state.pending_expired(now, limit);
    assert!(
        candidates.len() <= limit,
        "state returned more expiry candidates than asked"
    );
    let start = batch_start(state, candidates.len(), now)?;
    let mut overlay = Overlay::new(state);
    let mut expired = Vec::with_capacity(candidates.len());
    for (offset, id) in (0u64..).zip(&candidates) {
        overlay.expire(*id, now, start + offset);
        expired.push(*id);
    }
    Ok(ExpireOutcome {
        expired,
        writes: overlay.finish(start, candidates.len()),
    })
}

/// Transfer ids a backend must prefetch before executing `batch`: each transfer's own id (for the
/// idempotency check) and each `pending_id`. Sorted and deduplicated.
#[must_use]
pub fn prefetch_transfer_ids(batch: &[Transfer]) -> Vec<TransferId> {
    let mut ids = BTreeSet::new();
    for t in batch {
        ids.insert(t.id);
        if t.pending_id != 0 {
            ids.insert(t.pending_id);
        }
    }
    ids.into_iter().collect()
}

/// Account ids a backend must prefetch: both sides of every transfer in `batch` and of every
/// prefetched transfer (a post or void names its accounts through the pending transfer).
#[must_use]
pub fn prefetch_account_ids(batch: &[Transfer], prefetched: &[Transfer]) -> Vec<AccountId> {
    let mut ids = BTreeSet::new();
    for t in batch.iter().chain(prefetched) {
        for id in [t.debit_account_id, t.credit_account_id] {
            if id != 0 && id != u128::MAX {
                ids.insert(id);
            }
        }
    }
    ids.into_iter().collect()
}

/// An in-memory [`LedgerRead`] over rows a backend prefetched for one batch. Anything absent is
/// reported absent, so a backend must load every id from the `prefetch_*` functions. For
/// [`expire_pending`], load the candidates (pending, `expires_at <= now`, ordered by
/// `(expires_at, timestamp)`, at most `limit`) into `expired_candidates`, and their transfers,
/// statuses and accounts (`prefetch_account_ids(&[], &candidates)`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The accounts named by [`prefetch_account_ids`] that exist.
    pub accounts: BTreeMap<AccountId, Account>,
    /// The transfers named by [`prefetch_transfer_ids`] that exist.
    pub transfers: BTreeMap<TransferId, Transfer>,
    /// The pending-row status of each prefetched transfer that has one.
    pub pending: BTreeMap<TransferId, PendingStatus>,
    /// Which prefetched transfer ids are remembered transient failures.
    pub failed: BTreeSet<TransferId>,
    /// The ledger's last assigned timestamp.
    pub commit_timestamp: Timestamp,
    /// The expiry candidates, already ordered and filtered (only for [`expire_pending`]).
    pub expired_candidates: Vec<TransferId>,
}

impl LedgerRead for Snapshot {
    fn account(&self, id: AccountId) -> Option<Account> {
        self.accounts.get(&id).copied()
    }
    fn transfer(&self, id: TransferId) -> Option<Transfer> {
        self.transfers.get(&id).copied()
    }
    fn pending_status(&self, id: TransferId) -> Option<PendingStatus> {
        self.pending.get(&id).copied()
    }
    fn transfer_failed(&self, id: TransferId) -> bool {
        self.failed.contains(&id)
    }
    fn commit_timestamp(&self) -> Timestamp {
        self.commit_timestamp
    }
    fn pending_expired(&self, _now: Timestamp, limit: usize) -> Vec<TransferId> {
        self.expired_candidates
            .iter()
            .take(limit)
            .copied()
            .collect()
    }
}

/// The first timestamp of a batch: strictly after everything committed, and not before `now`
/// (so timestamps stay unique and increasing even if the caller's clock steps back).
fn batch_start<S: LedgerRead + ?Sized>(
    state: &S,
    events: usize,
    now: Timestamp,
) -> Result<Timestamp, BatchError> {
    if events > BATCH_EVENTS_MAX {
        return Err(BatchError::TooManyEvents {
            events,
            limit: BATCH_EVENTS_MAX,
        });
    }
    let start = now.max(state.commit_timestamp().saturating_add(1)).max(1);
    match start.checked_add(events as u64) {
        Some(end) if end <= TIMESTAMP_MAX => Ok(start),
        _ => Err(BatchError::TimestampsExhausted),
    }
}

struct ChainCodes<R> {
    ok: R,
    failed: R,
    open: R,
    timestamp: R,
}

/// TigerBeetle's linked-chain loop, shared by accounts and transfers. A chain is a run of linked
/// events ended by the first unlinked one; the first failure rolls back the chain's effects, gives
/// every other event of the chain `failed`, and the last event of a batch may not be linked.
/// `ends` splits the batch into requests (exclusive end indexes, ascending, the last one
/// `batch.len()`); the last event of each request is a "last event" for the chain rules.
#[expect(
    clippy::too_many_arguments,
    reason = "one generic loop for two event types"
)]
fn run_chains<S: LedgerRead + ?Sized, E, R: Copy + PartialEq>(
    overlay: &mut Overlay<'_, S>,
    batch: &[E],
    ends: &[usize],
    start: Timestamp,
    linked: impl Fn(&E) -> bool,
    has_timestamp: impl Fn(&E) -> bool,
    mut create: impl FnMut(&mut Overlay<'_, S>, &E, Timestamp) -> R,
    codes: ChainCodes<R>,
    mut after_failure: impl FnMut(&mut Overlay<'_, S>, &E, R, Timestamp),
) -> Vec<R> {
    assert_eq!(
        ends.last().copied().unwrap_or(0),
        batch.len(),
        "request ends cover the batch"
    );
    let mut results = Vec::with_capacity(batch.len());
    let mut chain: Option<(usize, Savepoint)> = None;
    let mut broken = false;
    let mut ends = ends.iter().copied().peekable();
    for (index, event) in batch.iter().enumerate() {
        while ends.next_if(|&end| end <= index).is_some() {}
        let request_end = ends.peek().copied().unwrap_or(batch.len());
        let ts = start + index as u64;
        let is_linked = linked(event);
        if is_linked && chain.is_none() {
            chain = Some((index, overlay.savepoint()));
        }
        let result = if is_linked && index + 1 == request_end {
            codes.open
        } else if broken {
            codes.failed
        } else if has_timestamp(event) {
            codes.timestamp
        } else {
            create(overlay, event, ts)
        };
        if result != codes.ok {
            if let Some((chain_start, savepoint)) = &chain
                && !broken
            {
                broken = true;
                overlay.rollback(savepoint);
                for earlier in &mut results[*chain_start..index] {
                    *earlier = codes.failed;
                }
            }
            after_failure(overlay, event, result, ts);
        }
        results.push(result);
        if chain.is_some() && (!is_linked || result == codes.open) {
            overlay.release();
            chain = None;
            broken = false;
        }
    }
    assert!(chain.is_none(), "a chain outlived its batch");
    results
}

#[derive(Clone, Copy)]
struct Savepoint {
    accounts: usize,
    pending: usize,
    transfers: usize,
    history: usize,
    balances: usize,
}

/// A touched account: (value read from the committed state, current value).
type AccountSlot = (Option<Account>, Account);
/// A touched pending row: (status read from the committed state, current row).
type PendingSlot = (Option<PendingStatus>, PendingRow);

/// The batch's effects layered over the committed state, with an undo log for chain rollback.
struct Overlay<'s, S: LedgerRead + ?Sized> {
    base: &'s S,
    accounts: BTreeMap<AccountId, AccountSlot>,
    /// `(id, slot before the change)`, newest last; replayed backwards on rollback.
    accounts_undo: Vec<(AccountId, Option<AccountSlot>)>,
    pending: BTreeMap<TransferId, PendingSlot>,
    pending_undo: Vec<(TransferId, Option<PendingSlot>)>,
    transfers: Vec<Transfer>,
    transfer_index: BTreeMap<TransferId, usize>,
    history: Vec<AccountBalance>,
    balances: Vec<AccountBalance>,
    failed: Vec<FailedTransfer>,
    failed_ids: BTreeSet<TransferId>,
    /// Whether a chain is open, so that changes must be undoable (outside chains a failed event
    /// has changed nothing, and no undo log is kept).
    tracking: bool,
}

impl<'s, S: LedgerRead + ?Sized> Overlay<'s, S> {
    fn new(base: &'s S) -> Self {
        Self {
            base,
            accounts: BTreeMap::new(),
            accounts_undo: Vec::new(),
            pending: BTreeMap::new(),
            pending_undo: Vec::new(),
            transfers: Vec::new(),
            transfer_index: BTreeMap::new(),
            history: Vec::new(),
            balances: Vec::new(),
            failed: Vec::new(),
            failed_ids: BTreeSet::new(),
            tracking: false,
        }
    }

    fn savepoint(&mut self) -> Savepoint {
        assert!(!self.tracking, "chains do not nest");
        self.tracking = true;
        Savepoint {
            accounts: self.accounts_undo.len(),
            pending: self.pending_undo.len(),
            transfers: self.transfers.len(),
            history: self.history.len(),
            balances: self.balances.len(),
        }
    }

    fn rollback(&mut self, sp: &Savepoint) {
        while self.accounts_undo.len() > sp.accounts {
            let Some((id, previous)) = self.accounts_undo.pop() else {
                break;
            };
            match previous {
                Some(value) => self.accounts.insert(id, value),
                None => self.accounts.remove(&id),
            };
        }
        while self.pending_undo.len() > sp.pending {
            let Some((id, previous)) = self.pending_undo.pop() else {
                break;
            };
            match previous {
                Some(value) => self.pending.insert(id, value),
                None => self.pending.remove(&id),
            };
        }
        for t in self.transfers.drain(sp.transfers..) {
            self.transfer_index.remove(&t.id);
        }
        self.history.truncate(sp.history);
        self.balances.truncate(sp.balances);
    }

    /// Ends the open chain (committed or rolled back): its undo log is no longer needed.
    fn release(&mut self) {
        self.tracking = false;
        self.accounts_undo.clear();
        self.pending_undo.clear();
    }

    fn account(&self, id: AccountId) -> Option<Account> {
        match self.accounts.get(&id) {
            Some((_, current)) => Some(*current),
            None => self.base.account(id),
        }
    }

    fn transfer(&self, id: TransferId) -> Option<Transfer> {
        match self.transfer_index.get(&id) {
            Some(&i) => Some(self.transfers[i]),
            None => self.base.transfer(id),
        }
    }

    fn pending_status(&self, id: TransferId) -> Option<PendingStatus> {
        match self.pending.get(&id) {
            Some((_, row)) => Some(row.status),
            None => self.base.pending_status(id),
        }
    }

    fn failed(&self, id: TransferId) -> bool {
        self.failed_ids.contains(&id) || self.base.transfer_failed(id)
    }

    fn put_account(&mut self, account: Account) {
        let previous = self.accounts.get(&account.id).copied();
        if self.tracking {
            self.accounts_undo.push((account.id, previous));
        }
        let old = match previous {
            Some((old, _)) => old,
            None => self.base.account(account.id),
        };
        self.accounts.insert(account.id, (old, account));
    }

    fn insert_account(&mut self, account: Account) {
        let previous = self.accounts.get(&account.id).copied();
        assert!(
            previous.is_none() && self.base.account(account.id).is_none(),
            "account exists"
        );
        if self.tracking {
            self.accounts_undo.push((account.id, previous));
        }
        self.accounts.insert(account.id, (None, account));
    }

    fn put_pending(&mut self, row: PendingRow) {
        let previous = self.pending.get(&row.id).copied();
        if self.tracking {
            self.pending_undo.push((row.id, previous));
        }
        let old = match previous {
            Some((old, _)) => old,
            None => self.base.pending_status(row.id),
        };
        self.pending.insert(row.id, (old, row));
    }

    fn insert_transfer(&mut self, t: Transfer) {
        assert!(
            self.transfer(t.id).is_none(),
            "transfer {} inserted twice",
            t.id
        );
        self.transfer_index.insert(t.id, self.transfers.len());
        self.transfers.push(t);
    }

    /// Records an account's balances after a change: in `balances` always, and in `history`
    /// too for a `history` account.
    fn record_balance(&mut self, account: &Account, ts: Timestamp) {
        let balance = account.balance(ts);
        if account.flags.contains(AccountFlags::HISTORY) {
            self.history.push(balance);
        }
        self.balances.push(balance);
    }

    fn record_failed(&mut self, failed: FailedTransfer) {
        if self.failed_ids.insert(failed.id) {
            self.failed.push(failed);
        }
    }

    fn finish(self, start: Timestamp, events: usize) -> Writes {
        let commit_timestamp = if events == 0 {
            self.base.commit_timestamp()
        } else {
            start + events as u64 - 1
        };
        let accounts = self
            .accounts
            .into_values()
            .filter(|(old, new)| old.as_ref() != Some(new))
            .map(|(old, new)| AccountWrite { old, new })
            .collect();
        let pending = self
            .pending
            .into_values()
            .filter(|(old, new)| *old != Some(new.status))
            .map(|(old, new)| PendingWrite { old, new })
            .collect();
        Writes {
            commit_timestamp,
            accounts,
            transfers: self.transfers,
            pending,
            history: self.history,
            balances: self.balances,
            failed: self.failed,
        }
    }

    fn create_account(&mut self, a: &Account, ts: Timestamp) -> CreateAccountResult {
        use CreateAccountResult as R;
        if a.flags.has_reserved() {
            return R::ReservedFlag;
        }
        if a.id == 0 {
            return R::IdMustNotBeZero;
        }
        if a.id == u128::MAX {
            return R::IdMustNotBeIntMax;
        }
        if let Some(e) = self.account(a.id) {
            return account_exists(a, &e);
        }
        if a.flags
            .contains(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS)
            && a.flags
                .contains(AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS)
        {
            return R::FlagsAreMutuallyExclusive;
        }
        if a.debits_pending != 0 {
            return R::DebitsPendingMustBeZero;
        }
        if a.debits_posted != 0 {
            return R::DebitsPostedMustBeZero;
        }
        if a.credits_pending != 0 {
            return R::CreditsPendingMustBeZero;
        }
        if a.credits_posted != 0 {
            return R::CreditsPostedMustBeZero;
        }
        if a.ledger == 0 {
            return R::LedgerMustNotBeZero;
        }
        if a.code == 0 {
            return R::CodeMustNotBeZero;
        }
        let mut created = *a;
        // `linked` describes the request, not the account; stored accounts never carry it.
        created.flags = created.flags.without(AccountFlags::LINKED);
        created.timestamp = ts;
        self.insert_account(created);
        R::Ok
    }

    fn create_transfer(&mut self, t: &Transfer, ts: Timestamp) -> CreateTransferResult {
        use CreateTransferResult as R;
        use TransferFlags as F;
        if t.flags.has_reserved() {
            return R::ReservedFlag;
        }
        if t.id == 0 {
            return R::IdMustNotBeZero;
        }
        if t.id == u128::MAX {
            return R::IdMustNotBeIntMax;
        }
        if let Some(e) = self.transfer(t.id) {
            return self.transfer_exists(t, &e);
        }
        if self.failed(t.id) {
            return R::IdAlreadyFailed;
        }
        if t.is_post_or_void() {
            return self.post_or_void(t, ts);
        }
        if t.debit_account_id == 0 {
            return R::DebitAccountIdMustNotBeZero;
        }
        if t.debit_account_id == u128::MAX {
            return R::DebitAccountIdMustNotBeIntMax;
        }
        if t.credit_account_id == 0 {
            return R::CreditAccountIdMustNotBeZero;
        }
        if t.credit_account_id == u128::MAX {
            return R::CreditAccountIdMustNotBeIntMax;
        }
        if t.credit_account_id == t.debit_account_id {
            return R::AccountsMustBeDifferent;
        }
        if t.pending_id != 0 {
            return R::PendingIdMustBeZero;
        }
        let pending = t.flags.contains(F::PENDING);
        if !pending {
            if t.timeout != 0 {
                return R::TimeoutReservedForPendingTransfer;
            }
            if t.flags.contains(F::CLOSING_DEBIT) || t.flags.contains(F::CLOSING_CREDIT) {
                return R::ClosingTransferMustBePending;
            }
        }
        if t.ledger == 0 {
            return R::LedgerMustNotBeZero;
        }
        if t.code == 0 {
            return R::CodeMustNotBeZero;
        }
        let Some(dr) = self.account(t.debit_account_id) else {
            return R::DebitAccountNotFound;
        };
        let Some(cr) = self.account(t.credit_account_id) else {
            return R::CreditAccountNotFound;
        };
        if dr.ledger != cr.ledger {
            return R::AccountsMustHaveTheSameLedger;
        }
        if t.ledger != dr.ledger {
            return R::TransferMustHaveTheSameLedgerAsAccounts;
        }
        if dr.flags.contains(AccountFlags::CLOSED) {
            return R::DebitAccountAlreadyClosed;
        }
        if cr.flags.contains(AccountFlags::CLOSED) {
            return R::CreditAccountAlreadyClosed;
        }

        let mut amount = t.amount;
        if t.flags.contains(F::BALANCING_DEBIT) {
            amount = amount.min(dr.available_to_debit());
        }
        if t.flags.contains(F::BALANCING_CREDIT) {
            let cr_balance = cr.credits_posted.saturating_add(cr.credits_pending);
            amount = amount.min(cr.debits_posted.saturating_sub(cr_balance));
        }

        if pending {
            if overflows(dr.debits_pending, amount) {
                return R::OverflowsDebitsPending;
            }
            if overflows(cr.credits_pending, amount) {
                return R::OverflowsCreditsPending;
            }
        }
        if overflows(dr.debits_posted, amount) {
            return R::OverflowsDebitsPosted;
        }
        if overflows(cr.credits_posted, amount) {
            return R::OverflowsCreditsPosted;
        }
        if overflows(dr.debits_pending.saturating_add(dr.debits_posted), amount) {
            return R::OverflowsDebits;
        }
        if overflows(cr.credits_pending.saturating_add(cr.credits_posted), amount) {
            return R::OverflowsCredits;
        }
        if overflows(ts, u64::from(t.timeout) * NS_PER_S) {
            return R::OverflowsTimeout;
        }
        if dr
            .flags
            .contains(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS)
            && dr.debits_pending + dr.debits_posted + amount > dr.credits_posted
        {
            return R::ExceedsCredits;
        }
        if cr
            .flags
            .contains(AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS)
            && cr.credits_pending + cr.credits_posted + amount > cr.debits_posted
        {
            return R::ExceedsDebits;
        }

        // From here on the transfer succeeds.
        let mut stored = *t;
        stored.amount = amount;
        stored.timestamp = ts;
        let (mut dr_new, mut cr_new) = (dr, cr);
        if pending {
            dr_new.debits_pending += amount;
            cr_new.credits_pending += amount;
            self.put_pending(PendingRow {
                id: t.id,
                status: PendingStatus::Pending,
                expires_at: stored.expires_at(),
            });
        } else {
            dr_new.debits_posted += amount;
            cr_new.credits_posted += amount;
        }
        if t.flags.contains(F::CLOSING_DEBIT) {
            dr_new.flags = dr_new.flags.with(AccountFlags::CLOSED);
        }
        if t.flags.contains(F::CLOSING_CREDIT) {
            cr_new.flags = cr_new.flags.with(AccountFlags::CLOSED);
        }
        self.insert_transfer(stored);
        self.apply_pair(dr_new, cr_new, ts);
        R::Ok
    }

    #[allow(
        clippy::expect_used,
        reason = "a stored pending transfer always has its accounts and status row (the executor wrote them together)"
    )]
    fn post_or_void(&mut self, t: &Transfer, ts: Timestamp) -> CreateTransferResult {
        use CreateTransferResult as R;
        use TransferFlags as F;
        let post = t.flags.contains(F::POST_PENDING);
        let void = t.flags.contains(F::VOID_PENDING);
        if (post && void)
            || t.flags.contains(F::PENDING)
            || t.flags.contains(F::BALANCING_DEBIT)
            || t.flags.contains(F::BALANCING_CREDIT)
            || t.flags.contains(F::CLOSING_DEBIT)
            || t.flags.contains(F::CLOSING_CREDIT)
        {
            return R::FlagsAreMutuallyExclusive;
        }
        if t.pending_id == 0 {
            return R::PendingIdMustNotBeZero;
        }
        if t.pending_id == u128::MAX {
            return R::PendingIdMustNotBeIntMax;
        }
        if t.pending_id == t.id {
            return R::PendingIdMustBeDifferent;
        }
        if t.timeout != 0 {
            return R::TimeoutReservedForPendingTransfer;
        }
        let Some(p) = self.transfer(t.pending_id) else {
            return R::PendingTransferNotFound;
        };
        if !p.flags.contains(F::PENDING) {
            return R::PendingTransferNotPending;
        }
        let dr = self
            .account(p.debit_account_id)
            .expect("pending transfer's debit account");
        let cr = self
            .account(p.credit_account_id)
            .expect("pending transfer's credit account");
        if t.debit_account_id != 0 && t.debit_account_id != p.debit_account_id {
            return R::PendingTransferHasDifferentDebitAccountId;
        }
        if t.credit_account_id != 0 && t.credit_account_id != p.credit_account_id {
            return R::PendingTransferHasDifferentCreditAccountId;
        }
        if t.ledger != 0 && t.ledger != p.ledger {
            return R::PendingTransferHasDifferentLedger;
        }
        if t.code != 0 && t.code != p.code {
            return R::PendingTransferHasDifferentCode;
        }
        let amount = match (void, t.amount) {
            (true, 0) | (false, AMOUNT_MAX) => p.amount,
            (_, requested) => requested,
        };
        if amount > p.amount {
            return R::ExceedsPendingTransferAmount;
        }
        if void && amount < p.amount {
            return R::PendingTransferHasDifferentAmount;
        }
        match self
            .pending_status(p.id)
            .expect("pending transfer has a status row")
        {
            PendingStatus::Pending => {}
            PendingStatus::Posted => return R::PendingTransferAlreadyPosted,
            PendingStatus::Voided => return R::PendingTransferAlreadyVoided,
            PendingStatus::Expired => return R::PendingTransferExpired,
        }
        let expires_at = p.expires_at();
        if expires_at.is_some_and(|at| at <= ts) {
            return R::PendingTransferExpired;
        }
        if dr.flags.contains(AccountFlags::CLOSED) && !void {
            return R::DebitAccountAlreadyClosed;
        }
        if cr.flags.contains(AccountFlags::CLOSED) && !void {
            return R::CreditAccountAlreadyClosed;
        }

        // From here on the transfer succeeds.
        let stored = Transfer {
            id: t.id,
            debit_account_id: p.debit_account_id,
            credit_account_id: p.credit_account_id,
            amount,
            pending_id: t.pending_id,
            user_data_128: if t.user_data_128 != 0 {
                t.user_data_128
            } else {
                p.user_data_128
            },
            user_data_64: if t.user_data_64 != 0 {
                t.user_data_64
            } else {
                p.user_data_64
            },
            user_data_32: if t.user_data_32 != 0 {
                t.user_data_32
            } else {
                p.user_data_32
            },
            timeout: 0,
            ledger: p.ledger,
            code: p.code,
            flags: t.flags,
            timestamp: ts,
        };
        self.insert_transfer(stored);
        self.put_pending(PendingRow {
            id: p.id,
            status: if post {
                PendingStatus::Posted
            } else {
                PendingStatus::Voided
            },
            expires_at,
        });
        let (mut dr_new, mut cr_new) = (dr, cr);
        dr_new.debits_pending -= p.amount;
        cr_new.credits_pending -= p.amount;
        if post {
            dr_new.debits_posted += amount;
            cr_new.credits_posted += amount;
        } else {
            reopen_if_closing(&p, &mut dr_new, &mut cr_new);
        }
        self.apply_pair(dr_new, cr_new, ts);
        R::Ok
    }

    #[allow(
        clippy::expect_used,
        reason = "expiry candidates are stored pending transfers with a timeout, whose accounts exist"
    )]
    fn expire(&mut self, id: TransferId, now: Timestamp, ts: Timestamp) {
        let p = self.transfer(id).expect("expiry candidate exists");
        assert_eq!(
            self.pending_status(id),
            Some(PendingStatus::Pending),
            "candidate {id} pending"
        );
        let expires_at = p.expires_at().expect("expiry candidate has a timeout");
        assert!(expires_at <= now, "candidate {id} not yet expired");
        self.put_pending(PendingRow {
            id,
            status: PendingStatus::Expired,
            expires_at: Some(expires_at),
        });
        let mut dr = self
            .account(p.debit_account_id)
            .expect("pending transfer's debit account");
        let mut cr = self
            .account(p.credit_account_id)
            .expect("pending transfer's credit account");
        dr.debits_pending -= p.amount;
        cr.credits_pending -= p.amount;
        reopen_if_closing(&p, &mut dr, &mut cr);
        self.apply_pair(dr, cr, ts);
    }

    fn apply_pair(&mut self, dr: Account, cr: Account, ts: Timestamp) {
        self.record_balance(&dr, ts);
        self.record_balance(&cr, ts);
        self.put_account(dr);
        self.put_account(cr);
    }

    #[allow(
        clippy::expect_used,
        reason = "a stored post or void always names a stored pending transfer"
    )]
    fn transfer_exists(&self, t: &Transfer, e: &Transfer) -> CreateTransferResult {
        use CreateTransferResult as R;
        if t.flags != e.flags {
            return R::ExistsWithDifferentFlags;
        }
        if t.pending_id != e.pending_id {
            return R::ExistsWithDifferentPendingId;
        }
        if t.timeout != e.timeout {
            return R::ExistsWithDifferentTimeout;
        }
        if t.is_post_or_void() {
            let p = self
                .transfer(t.pending_id)
                .expect("a stored post/void names a stored pending");
            return post_or_void_exists(t, e, &p);
        }
        if t.debit_account_id != e.debit_account_id {
            return R::ExistsWithDifferentDebitAccountId;
        }
        if t.credit_account_id != e.credit_account_id {
            return R::ExistsWithDifferentCreditAccountId;
        }
        // A balancing transfer's amount is an upper bound; any stored amount within it matches.
        let balancing = t.flags.contains(TransferFlags::BALANCING_DEBIT)
            || t.flags.contains(TransferFlags::BALANCING_CREDIT);
        if (balancing && t.amount < e.amount) || (!balancing && t.amount != e.amount) {
            return R::ExistsWithDifferentAmount;
        }
        user_data_ledger_code_exists(t, e)
    }
}

fn reopen_if_closing(p: &Transfer, dr: &mut Account, cr: &mut Account) {
    if p.flags.contains(TransferFlags::CLOSING_DEBIT) {
        dr.flags = dr.flags.without(AccountFlags::CLOSED);
    }
    if p.flags.contains(TransferFlags::CLOSING_CREDIT) {
        cr.flags = cr.flags.without(AccountFlags::CLOSED);
    }
}

fn overflows(a: u64, b: u64) -> bool {
    a.checked_add(b).is_none_or(|sum| sum > BALANCE_MAX)
}

fn account_exists(a: &Account, e: &Account) -> CreateAccountResult {
    use CreateAccountResult as R;
    // Stored accounts never carry `linked`, and `closed` may have been set since creation.
    let request = a.flags.without(AccountFlags::LINKED | AccountFlags::CLOSED);
    let stored = e.flags.without(AccountFlags::LINKED | AccountFlags::CLOSED);
    if request != stored {
        return R::ExistsWithDifferentFlags;
    }
    if a.user_data_128 != e.user_data_128 {
        return R::ExistsWithDifferentUserData128;
    }
    if a.user_data_64 != e.user_data_64 {
        return R::ExistsWithDifferentUserData64;
    }
    if a.user_data_32 != e.user_data_32 {
        return R::ExistsWithDifferentUserData32;
    }
    if a.ledger != e.ledger {
        return R::ExistsWithDifferentLedger;
    }
    if a.code != e.code {
        return R::ExistsWithDifferentCode;
    }
    R::Exists
}

fn post_or_void_exists(t: &Transfer, e: &Transfer, p: &Transfer) -> CreateTransferResult {
    use CreateTransferResult as R;
    if t.debit_account_id != 0 && t.debit_account_id != e.debit_account_id {
        return R::ExistsWithDifferentDebitAccountId;
    }
    if t.credit_account_id != 0 && t.credit_account_id != e.credit_account_id {
        return R::ExistsWithDifferentCreditAccountId;
    }
    let void = t.flags.contains(TransferFlags::VOID_PENDING);
    let full = (void && t.amount == 0) || (!void && t.amount == AMOUNT_MAX);
    if (full && e.amount != p.amount) || (!full && t.amount != e.amount) {
        return R::ExistsWithDifferentAmount;
    }
    // Zero user data on a post/void means "inherit the pending transfer's".
    let inherit = |requested: u128, pending: u128| if requested != 0 { requested } else { pending };
    if inherit(t.user_data_128, p.user_data_128) != e.user_data_128 {
        return R::ExistsWithDifferentUserData128;
    }
    if inherit(t.user_data_64.into(), p.user_data_64.into()) != u128::from(e.user_data_64) {
        return R::ExistsWithDifferentUserData64;
    }
    if inherit(t.user_data_32.into(), p.user_data_32.into()) != u128::from(e.user_data_32) {
        return R::ExistsWithDifferentUserData32;
    }
    if t.ledger != 0 && t.ledger != e.ledger {
        return R::ExistsWithDifferentLedger;
    }
    if t.code != 0 && t.code != e.code {
        return R::ExistsWithDifferentCode;
    }
    R::Exists
}

fn user_data_ledger_code_exists(t: &Transfer, e: &Transfer) -> CreateTransferResult {
    use CreateTransferResult as R;
    if t.user_data_128 != e.user_data_128 {
        return R::ExistsWithDifferentUserData128;
    }
    if t.user_data_64 != e.user_data_64 {
        return R::ExistsWithDifferentUserData64;
    }
    if t.user_data_32 != e.user_data_32 {
        return R::ExistsWithDifferentUserData32;
    }
    if t.ledger != e.ledger {
        return R::ExistsWithDifferentLedger;
    }
    if t.code != e.code {
        return R::ExistsWithDifferentCode;
    }
    R::Exists
}
