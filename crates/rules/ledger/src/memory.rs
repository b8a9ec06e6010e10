//! `MemoryLedger`: the reference implementation — the executor plus a faithful `apply` of its
//! writes into ordered maps. Database backends must agree with it on every input.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::exec::{self, BatchError, ExpireOutcome, LedgerRead, Outcome, Writes};
use crate::result::{CreateAccountResult, CreateTransferResult};
use crate::types::{
    Account, AccountBalance, AccountFilter, AccountId, FailedTransfer, Page, PendingRow,
    PendingStatus, Timestamp, Transfer, TransferId,
};
use crate::verify::{self, VerifyReport};

/// Every row of a ledger, in canonical order (accounts and pending rows by id, transfers and
/// history by timestamp). Two backends hold the same ledger exactly when their dumps are equal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerDump {
    pub accounts: Vec<Account>,
    pub transfers: Vec<Transfer>,
    pub pending: Vec<PendingRow>,
    pub history: Vec<AccountBalance>,
    pub failed: Vec<FailedTransfer>,
    pub commit_timestamp: Timestamp,
}

/// The in-memory ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryLedger {
    accounts: BTreeMap<AccountId, Account>,
    transfers: BTreeMap<TransferId, Transfer>,
    /// `(account_id, timestamp) -> transfer id`, for newest-first pages.
    by_account: BTreeMap<(AccountId, Timestamp), TransferId>,
    pending: BTreeMap<TransferId, PendingRow>,
    /// `(expires_at, timestamp, id)` of still-pending transfers with a timeout.
    expiring: BTreeSet<(Timestamp, Timestamp, TransferId)>,
    history: BTreeMap<(AccountId, Timestamp), AccountBalance>,
    failed: BTreeMap<TransferId, FailedTransfer>,
    commit_timestamp: Timestamp,
}

impl MemoryLedger {
    /// An empty ledger.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Executes and applies a batch of account creations.
    ///
    /// # Errors
    /// [`BatchError`] when the batch is refused as a whole (nothing changes).
    pub fn create_accounts(
        &mut self,
        batch: &[Account],
        now: Timestamp,
    ) -> Result<Vec<CreateAccountResult>, BatchError> {
        let Outcome { results, writes } = exec::create_accounts(self, batch, now)?;
        self.apply(&writes);
        Ok(results)
    }

    /// Executes and applies a batch of transfers.
    ///
    /// # Errors
    /// [`BatchError`] when the batch is refused as a whole (nothing changes).
    pub fn create_transfers(
        &mut self,
        batch: &[Transfer],
        now: Timestamp,
    ) -> Result<Vec<CreateTransferResult>, BatchError> {
        let Outcome { results, writes } = exec::create_transfers(self, batch, now)?;
        self.apply(&writes);
        Ok(results)
    }

    /// Expires up to `limit` overdue pending transfers; returns their ids.
    ///
    /// # Errors
    /// [`BatchError`] when `limit` is above the batch limit.
    pub fn expire_pending(
        &mut self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<TransferId>, BatchError> {
        let ExpireOutcome { expired, writes } = exec::expire_pending(self, now, limit)?;
        self.apply(&writes);
        Ok(expired)
    }

    /// Applies an executor's writes. Asserts that they were computed against this exact state —
    /// the same compare-and-set a database backend performs on `old` values.
    pub fn apply(&mut self, writes: &Writes) {
        assert!(
            writes.commit_timestamp >= self.commit_timestamp,
            "timestamps regress"
        );
        for w in &writes.accounts {
            assert_eq!(
                self.accounts.get(&w.new.id),
                w.old.as_ref(),
                "stale account write"
            );
            self.accounts.insert(w.new.id, w.new);
        }
        for t in &writes.transfers {
            assert!(
                t.timestamp > self.commit_timestamp,
                "transfer timestamp not fresh"
            );
            let previous = self.transfers.insert(t.id, *t);
            assert!(previous.is_none(), "transfer {} written twice", t.id);
            self.by_account
                .insert((t.debit_account_id, t.timestamp), t.id);
            self.by_account
                .insert((t.credit_account_id, t.timestamp), t.id);
        }
        for w in &writes.pending {
            let current = self.pending.get(&w.new.id).map(|row| row.status);
            assert_eq!(current, w.old, "stale pending write");
            let created = self.transfers[&w.new.id].timestamp;
            if let Some(at) = w.new.expires_at {
                if w.new.status == PendingStatus::Pending {
                    self.expiring.insert((at, created, w.new.id));
                } else {
                    self.expiring.remove(&(at, created, w.new.id));
                }
            }
            self.pending.insert(w.new.id, w.new);
        }
        for h in &writes.history {
            self.history.insert((h.account_id, h.timestamp), *h);
        }
        for f in &writes.failed {
            self.failed.insert(f.id, *f);
        }
        self.commit_timestamp = writes.commit_timestamp;
    }

    /// Accounts found among `ids`, in request order.
    #[must_use]
    pub fn lookup_accounts(&self, ids: &[AccountId]) -> Vec<Account> {
        ids.iter()
            .filter_map(|id| self.accounts.get(id).copied())
            .collect()
    }

    /// Transfers found among `ids`, in request order.
    #[must_use]
    pub fn lookup_transfers(&self, ids: &[TransferId]) -> Vec<Transfer> {
        ids.iter()
            .filter_map(|id| self.transfers.get(id).copied())
            .collect()
    }

    /// One page of an account's transfers, newest first.
    #[must_use]
    pub fn account_transfers(&self, filter: &AccountFilter) -> Page<Transfer> {
        let range = (filter.account_id, 0)..(filter.account_id, filter.before.unwrap_or(u64::MAX));
        let rows = self
            .by_account
            .range(range)
            .rev()
            .map(|(_, id)| self.transfers[id]);
        page(rows, filter.limit_clamped(), |t| t.timestamp)
    }

    /// One page of a `history` account's balance snapshots, newest first.
    #[must_use]
    pub fn account_history(&self, filter: &AccountFilter) -> Page<AccountBalance> {
        let range = (filter.account_id, 0)..(filter.account_id, filter.before.unwrap_or(u64::MAX));
        let rows = self.history.range(range).rev().map(|(_, row)| *row);
        page(rows, filter.limit_clamped(), |b| b.timestamp)
    }

    /// Every row, in canonical order.
    #[must_use]
    pub fn dump(&self) -> LedgerDump {
        let mut transfers: Vec<Transfer> = self.transfers.values().copied().collect();
        transfers.sort_by_key(|t| t.timestamp);
        let mut history: Vec<AccountBalance> = self.history.values().copied().collect();
        history.sort_by_key(|h| (h.timestamp, h.account_id));
        let mut failed: Vec<FailedTransfer> = self.failed.values().copied().collect();
        failed.sort_by_key(|f| f.timestamp);
        LedgerDump {
            accounts: self.accounts.values().copied().collect(),
            transfers,
            pending: self.pending.values().copied().collect(),
            history,
            failed,
            commit_timestamp: self.commit_timestamp,
        }
    }

    /// Checks every invariant over the whole ledger.
    #[must_use]
    pub fn verify(&self) -> VerifyReport {
        verify::verify(&self.dump())
    }

    /// Number of accounts.
    #[must_use]
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// Number of transfers.
    #[must_use]
    pub fn transfer_count(&self) -> usize {
        self.transfers.len()
    }
}

/// Takes up to `limit` rows (already newest first) and reports whether older ones remain.
pub fn page<T>(
    mut rows: impl Iterator<Item = T>,
    limit: usize,
    timestamp: impl Fn(&T) -> Timestamp,
) -> Page<T> {
    let items: Vec<T> = rows.by_ref().take(limit).collect();
    let more = rows.next().is_some();
    let next_cursor = if more {
        items.last().map(timestamp)
    } else {
        None
    };
    Page { items, next_cursor }
}

impl LedgerRead for MemoryLedger {
    fn account(&self, id: AccountId) -> Option<Account> {
        self.accounts.get(&id).copied()
    }
    fn transfer(&self, id: TransferId) -> Option<Transfer> {
        self.transfers.get(&id).copied()
    }
    fn pending_status(&self, id: TransferId) -> Option<PendingStatus> {
        self.pending.get(&id).map(|row| row.status)
    }
    fn transfer_failed(&self, id: TransferId) -> bool {
        self.failed.contains_key(&id)
    }
    fn commit_timestamp(&self) -> Timestamp {
        self.commit_timestamp
    }
    fn pending_expired(&self, now: Timestamp, limit: usize) -> Vec<TransferId> {
        self.expiring
            .iter()
            .take_while(|(at, _, _)| *at <= now)
            .take(limit)
            .map(|(_, _, id)| *id)
            .collect()
    }
}
