//! `LedgerStore`: the storage trait every ledger backend implements, and `MemoryStore`, the
//! reference backend the conformance suite is checked against.
//!
//! The trait is async (backends are sqlx-based) but names no runtime. Mutating calls take `now`
//! from the caller so that tests, the differential test and production share one code path.

use std::future::Future;
use std::sync::{Mutex, MutexGuard};

use crate::exec::BatchError;
use crate::memory::{LedgerDump, MemoryLedger};
use crate::result::{CreateAccountResult, CreateTransferResult};
use crate::types::{
    Account, AccountBalance, AccountFilter, AccountId, Page, Timestamp, Transfer, TransferId,
};

/// A durable home for one ledger. Every method is atomic: a batch is applied whole or not at all,
/// and returns only once its effects are durable.
pub trait LedgerStore: Send + Sync {
    /// Backend failure (I/O, connection, corruption). Refused batches convert from [`BatchError`].
    type Error: std::error::Error + From<BatchError> + Send + Sync + 'static;

    /// Executes `create_accounts` (see [`crate::exec::create_accounts`]) and commits it.
    fn create_accounts(
        &self,
        batch: &[Account],
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<CreateAccountResult>, Self::Error>> + Send;

    /// Executes `create_transfers` (see [`crate::exec::create_transfers`]) and commits it.
    fn create_transfers(
        &self,
        batch: &[Transfer],
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<CreateTransferResult>, Self::Error>> + Send;

    /// Expires up to `limit` overdue pending transfers (see [`crate::exec::expire_pending`]).
    fn expire_pending(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<TransferId>, Self::Error>> + Send;

    /// Accounts found among `ids`, in request order.
    fn lookup_accounts(
        &self,
        ids: &[AccountId],
    ) -> impl Future<Output = Result<Vec<Account>, Self::Error>> + Send;

    /// Transfers found among `ids`, in request order.
    fn lookup_transfers(
        &self,
        ids: &[TransferId],
    ) -> impl Future<Output = Result<Vec<Transfer>, Self::Error>> + Send;

    /// One page of an account's transfers, newest first.
    fn account_transfers(
        &self,
        filter: AccountFilter,
    ) -> impl Future<Output = Result<Page<Transfer>, Self::Error>> + Send;

    /// One page of a `history` account's balance snapshots, newest first.
    fn account_history(
        &self,
        filter: AccountFilter,
    ) -> impl Future<Output = Result<Page<AccountBalance>, Self::Error>> + Send;

    /// Every row in canonical order (for `ledger verify` and the differential test).
    fn dump(&self) -> impl Future<Output = Result<LedgerDump, Self::Error>> + Send;
}

/// [`MemoryLedger`] behind a mutex: the reference [`LedgerStore`].
#[derive(Debug, Default)]
pub struct MemoryStore {
    ledger: Mutex<MemoryLedger>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, MemoryLedger> {
        // A panic while holding the lock already failed the test that caused it; the state it
        // left is still a valid ledger because `apply` runs only after the executor returns.
        self.ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl LedgerStore for MemoryStore {
    type Error = BatchError;

    async fn create_accounts(
        &self,
        batch: &[Account],
        now: Timestamp,
    ) -> Result<Vec<CreateAccountResult>, BatchError> {
        self.lock().create_accounts(batch, now)
    }

    async fn create_transfers(
        &self,
        batch: &[Transfer],
        now: Timestamp,
    ) -> Result<Vec<CreateTransferResult>, BatchError> {
        self.lock().create_transfers(batch, now)
    }

    async fn expire_pending(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<TransferId>, BatchError> {
        self.lock().expire_pending(now, limit)
    }

    async fn lookup_accounts(&self, ids: &[AccountId]) -> Result<Vec<Account>, BatchError> {
        Ok(self.lock().lookup_accounts(ids))
    }

    async fn lookup_transfers(&self, ids: &[TransferId]) -> Result<Vec<Transfer>, BatchError> {
        Ok(self.lock().lookup_transfers(ids))
    }

    async fn account_transfers(&self, filter: AccountFilter) -> Result<Page<Transfer>, BatchError> {
        Ok(self.lock().account_transfers(&filter))
    }

    async fn account_history(
        &self,
        filter: AccountFilter,
    ) -> Result<Page<AccountBalance>, BatchError> {
        Ok(self.lock().account_history(&filter))
    }

    async fn dump(&self) -> Result<LedgerDump, BatchError> {
        Ok(self.lock().dump())
    }
}
