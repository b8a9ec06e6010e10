//! Group commit: the one writer task per process that owns the ledger's write path.
//!
//! Requests wait in a bounded queue. The writer takes the first, drains whatever else is already
//! queued (up to [`BATCH_EVENTS_MAX`] events), executes all of it as one batch in one database
//! transaction (`create_transfers_grouped`, which keeps every request's own semantics), and
//! answers each request only after the commit returned, i.e. once the batch is durable. While one
//! batch commits the next one accumulates, so the batch size follows the load: a lone request
//! commits at once, a thousand concurrent ones share a handful of commits, and a hot account
//! (the house) costs one row write per batch instead of one row lock per transfer.

use std::time::Duration;

use ledger::{
    Account, BATCH_EVENTS_MAX, CreateAccountResult, CreateTransferResult, LedgerStore, Transfer,
};
use store::ledger::LedgerDb;
use store::{StoreError, StoreErrorKind};
use tokio::sync::{mpsc, oneshot};

use crate::clock;

/// Requests waiting for the writer; senders wait (backpressure) when it is full.
pub const QUEUE_DEPTH_MAX: usize = 16_384;
/// Attempts per batch when the database reports a conflict (another process won a lock race).
const CONFLICT_ATTEMPTS_MAX: u32 = 3;
/// Overdue pending transfers expired per housekeeping pass.
const EXPIRE_PER_PASS_MAX: usize = 1_024;
/// How often the writer looks for overdue pending transfers.
const EXPIRE_INTERVAL: Duration = Duration::from_secs(1);

/// Why a request got no per-event results.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The request is empty or holds more than [`BATCH_EVENTS_MAX`] events.
    #[error("a request holds 1 to {BATCH_EVENTS_MAX} events, not {0}")]
    BadSize(usize),
    /// The writer has stopped (the server is shutting down).
    #[error("the ledger writer has stopped")]
    Closed,
    /// The database failed; nothing of the batch was committed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

enum Job {
    Transfers {
        events: Vec<Transfer>,
        reply: oneshot::Sender<Result<Vec<CreateTransferResult>, PipelineError>>,
    },
    Accounts {
        events: Vec<Account>,
        reply: oneshot::Sender<Result<Vec<CreateAccountResult>, PipelineError>>,
    },
}

/// The handle requests go through; cheap to clone.
#[derive(Clone, Debug)]
pub struct Pipeline {
    tx: mpsc::Sender<Job>,
}

impl Pipeline {
    /// Starts the writer task over `ledger` (needs a tokio runtime). The task ends when every
    /// handle is dropped.
    pub fn start(ledger: LedgerDb, queue_depth: usize) -> Self {
        let (tx, rx) = mpsc::channel(queue_depth.clamp(1, QUEUE_DEPTH_MAX));
        tokio::spawn(writer(ledger, rx));
        Self { tx }
    }

    /// Creates transfers as one request (its linked chains stay within it); returns once the
    /// batch that carried it is committed.
    pub async fn create_transfers(
        &self,
        events: Vec<Transfer>,
    ) -> Result<Vec<CreateTransferResult>, PipelineError> {
        check_size(events.len())?;
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Transfers { events, reply })
            .await
            .map_err(|_| PipelineError::Closed)?;
        rx.await.map_err(|_| PipelineError::Closed)?
    }

    /// Creates accounts as one request, through the same writer.
    pub async fn create_accounts(
        &self,
        events: Vec<Account>,
    ) -> Result<Vec<CreateAccountResult>, PipelineError> {
        check_size(events.len())?;
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Accounts { events, reply })
            .await
            .map_err(|_| PipelineError::Closed)?;
        rx.await.map_err(|_| PipelineError::Closed)?
    }
}

fn check_size(events: usize) -> Result<(), PipelineError> {
    if events == 0 || events > BATCH_EVENTS_MAX {
        return Err(PipelineError::BadSize(events));
    }
    Ok(())
}

/// Ledger time: the wall clock in nanoseconds (the executor keeps timestamps strictly increasing
/// even if the clock steps back).
pub fn now_ns() -> u64 {
    u64::try_from(clock::now_ms()).unwrap_or(0) * 1_000_000
}

async fn writer(ledger: LedgerDb, mut rx: mpsc::Receiver<Job>) {
    let mut carry: Option<Job> = None;
    let mut expire_tick = tokio::time::interval(EXPIRE_INTERVAL);
    expire_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let first = match carry.take() {
            Some(job) => job,
            None => tokio::select! {
                job = rx.recv() => match job {
                    Some(job) => job,
                    None => break,
                },
                _ = expire_tick.tick() => {
                    if let Err(e) = ledger.expire_pending(now_ns(), EXPIRE_PER_PASS_MAX).await {
                        tracing::warn!(error = %e, "pending expiry failed");
                    }
                    continue;
                }
            },
        };
        match first {
            Job::Accounts { events, reply } => {
                let result = ledger
                    .create_accounts(&events, now_ns())
                    .await
                    .map_err(PipelineError::from);
                let _ = reply.send(result);
            }
            Job::Transfers { events, reply } => {
                let mut group = vec![(events, reply)];
                let mut total = group[0].0.len();
                while let Ok(job) = rx.try_recv() {
                    match job {
                        Job::Transfers { events, reply }
                            if total + events.len() <= BATCH_EVENTS_MAX =>
                        {
                            total += events.len();
                            group.push((events, reply));
                        }
                        other => {
                            carry = Some(other);
                            break;
                        }
                    }
                }
                commit_group(&ledger, group).await;
            }
        }
    }
}

type Reply = oneshot::Sender<Result<Vec<CreateTransferResult>, PipelineError>>;

async fn commit_group(ledger: &LedgerDb, group: Vec<(Vec<Transfer>, Reply)>) {
    let requests: Vec<&[Transfer]> = group.iter().map(|(events, _)| events.as_slice()).collect();
    let mut attempt = 1;
    let outcome = loop {
        match ledger.create_transfers_grouped(&requests, now_ns()).await {
            Err(e) if e.is_conflict() && attempt < CONFLICT_ATTEMPTS_MAX => {
                tracing::debug!(error = %e, attempt, "ledger batch conflicted; retrying");
                attempt += 1;
            }
            other => break other,
        }
    };
    match outcome {
        Ok(results) => {
            debug_assert_eq!(results.len(), group.len(), "one result list per request");
            for ((_, reply), result) in group.into_iter().zip(results) {
                let _ = reply.send(Ok(result));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, requests = group.len(), "ledger batch failed");
            for (_, reply) in group {
                let copy = StoreError::new(e.kind, e.to_string());
                let _ = reply.send(Err(PipelineError::Store(copy)));
            }
        }
    }
}

impl PipelineError {
    /// The store error kind, for mapping to HTTP.
    pub fn kind(&self) -> StoreErrorKind {
        match self {
            Self::BadSize(_) => StoreErrorKind::Internal,
            Self::Closed => StoreErrorKind::Unavailable,
            Self::Store(e) => e.kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use ledger::chart::{AccountKind, TransferKind};
    use ledger::{MemoryLedger, TransferFlags};

    use super::*;

    const LEDGER: u32 = 1;
    const ISSUANCE: u128 = 1;
    const HOUSE: u128 = 2;
    const PLAYERS: u128 = 24;

    /// Request `i` of the workload: a linked bet + win (even `i`), a bet larger than the wallet
    /// (a failing chain, `i % 4 == 1`) or a request whose last event is linked (`i % 4 == 3`).
    fn request(i: u128) -> Vec<Transfer> {
        let wallet = 100 + i;
        let id = 1_000 + i * 10;
        let bet = |amount| TransferKind::Bet.transfer(id, wallet, HOUSE, amount, LEDGER);
        let win = TransferKind::Win.transfer(id + 1, HOUSE, wallet, 7, LEDGER);
        match i % 4 {
            1 => vec![bet(10_000).flagged(TransferFlags::LINKED), win],
            3 => vec![bet(5), win.flagged(TransferFlags::LINKED)],
            _ => vec![bet(5).flagged(TransferFlags::LINKED), win],
        }
    }

    fn setup() -> (Vec<ledger::Account>, Vec<Transfer>) {
        let mut accounts = vec![
            AccountKind::Issuance.account(ISSUANCE, LEDGER),
            AccountKind::House.account(HOUSE, LEDGER),
        ];
        accounts.extend((0..PLAYERS).map(|i| AccountKind::PlayerWallet.account(100 + i, LEDGER)));
        let funding = (0..PLAYERS)
            .map(|i| TransferKind::Grant.transfer(500 + i, ISSUANCE, 100 + i, 100, LEDGER))
            .collect();
        (accounts, funding)
    }

    /// Concurrent requests grouped into shared commits get exactly the results each would get
    /// alone (they touch disjoint wallets, so order does not matter), and the ledger verifies.
    #[tokio::test]
    async fn grouped_requests_keep_their_own_results() {
        let db = store::SqliteStore::connect("sqlite::memory:")
            .await
            .expect("sqlite");
        let pipe = Pipeline::start(store::Store::ledger(&db), 64);
        let (accounts, funding) = setup();
        let mut reference = MemoryLedger::new();
        reference.create_accounts(&accounts, 1).expect("reference");
        reference.create_transfers(&funding, 1).expect("reference");
        pipe.create_accounts(accounts).await.expect("accounts");
        pipe.create_transfers(funding).await.expect("funding");

        let tasks: Vec<_> = (0..PLAYERS)
            .map(|i| {
                let pipe = pipe.clone();
                tokio::spawn(async move { pipe.create_transfers(request(i)).await })
            })
            .collect();
        for (i, task) in (0..PLAYERS).zip(tasks) {
            let got = task.await.expect("task").expect("commit");
            let want = reference
                .create_transfers(&request(i), 2)
                .expect("reference");
            assert_eq!(got, want, "request {i}");
        }
        let dump = store::Store::ledger(&db).dump().await.expect("dump");
        let report = ledger::verify(&dump);
        assert!(report.ok, "{:?}", report.violations);
        assert_eq!(dump.transfers.len(), reference.transfer_count());
        assert!(matches!(
            pipe.create_transfers(Vec::new()).await,
            Err(PipelineError::BadSize(0))
        ));
    }
}
