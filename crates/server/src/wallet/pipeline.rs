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
use store::ledger::{GroupCommit, LedgerDb};
use store::{BetRecord, StoreError, StoreErrorKind};
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

/// A request's results and the committed values of the accounts its events name that the batch
/// changed (an account whose transfers all failed is absent), sorted by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Committed {
    /// One result per event, in order.
    pub results: Vec<CreateTransferResult>,
    /// Accounts at commit, sorted by id.
    pub accounts: Vec<Account>,
}

enum Job {
    Transfers {
        events: Vec<Transfer>,
        reply: Reply,
    },
    Accounts {
        events: Vec<Account>,
        reply: oneshot::Sender<Result<Vec<CreateAccountResult>, PipelineError>>,
    },
    Bet {
        row: Box<BetRecord>,
        reply: BetReply,
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
        Ok(self.create_transfers_committed(events).await?.results)
    }

    /// [`Self::create_transfers`], also returning the committed balances of the accounts the
    /// request names, so a caller need not read back what it just moved.
    pub async fn create_transfers_committed(
        &self,
        events: Vec<Transfer>,
    ) -> Result<Committed, PipelineError> {
        check_size(events.len())?;
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Transfers { events, reply })
            .await
            .map_err(|_| PipelineError::Closed)?;
        rx.await.map_err(|_| PipelineError::Closed)?
    }

    /// Stores an instant-game bet row in the next batch's transaction (beside that batch's
    /// transfers, so the ledger and the bet log share one commit); returns once it is committed.
    /// A row that breaks a constraint (a reused nonce or idempotency key) fails alone.
    pub async fn insert_bet(&self, row: BetRecord) -> Result<(), PipelineError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Bet {
                row: Box::new(row),
                reply,
            })
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

/// Bet rows per batch at most (on top of the transfers).
const BATCH_BETS_MAX: usize = 1_024;

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
        let mut batch = Batch::default();
        match first {
            Job::Accounts { events, reply } => {
                let result = ledger
                    .create_accounts(&events, now_ns())
                    .await
                    .map_err(PipelineError::from);
                let _ = reply.send(result);
                continue;
            }
            Job::Transfers { events, reply } => batch.transfers.push((events, reply)),
            Job::Bet { row, reply } => batch.bets.push((*row, reply)),
        }
        let mut events = batch.transfers.first().map_or(0, |(e, _)| e.len());
        while let Ok(job) = rx.try_recv() {
            match job {
                Job::Transfers { events: e, reply } if events + e.len() <= BATCH_EVENTS_MAX => {
                    events += e.len();
                    batch.transfers.push((e, reply));
                }
                Job::Bet { row, reply } if batch.bets.len() < BATCH_BETS_MAX => {
                    batch.bets.push((*row, reply));
                }
                other => {
                    carry = Some(other);
                    break;
                }
            }
        }
        commit_group(&ledger, batch).await;
    }
}

type Reply = oneshot::Sender<Result<Committed, PipelineError>>;
type BetReply = oneshot::Sender<Result<(), PipelineError>>;

/// What one commit carries: transfer requests and bet rows.
#[derive(Default)]
struct Batch {
    transfers: Vec<(Vec<Transfer>, Reply)>,
    bets: Vec<(BetRecord, BetReply)>,
}

/// `StoreError` is not `Clone`: one error answers several requests.
fn copy(e: &StoreError) -> StoreError {
    StoreError::new(e.kind, e.to_string())
}

/// One transaction with retries on lock conflicts (another process won a race).
async fn commit(
    ledger: &LedgerDb,
    requests: &[&[Transfer]],
    bets: &[BetRecord],
) -> Result<GroupCommit, StoreError> {
    let mut attempt = 1;
    loop {
        match ledger.commit_batch(requests, bets, now_ns()).await {
            Err(e) if e.is_conflict() && attempt < CONFLICT_ATTEMPTS_MAX => {
                tracing::debug!(error = %e, attempt, "ledger batch conflicted; retrying");
                attempt += 1;
            }
            other => return other,
        }
    }
}

async fn commit_group(ledger: &LedgerDb, batch: Batch) {
    let Batch { transfers, bets } = batch;
    let requests: Vec<&[Transfer]> = transfers.iter().map(|(e, _)| e.as_slice()).collect();
    let rows: Vec<BetRecord> = bets.iter().map(|(row, _)| row.clone()).collect();
    metrics::histogram!("ledger_batch_requests").record(requests.len() as f64);
    metrics::histogram!("games_bet_batch_rows").record(rows.len() as f64);
    let started = clock::instant();
    let outcome = commit(ledger, &requests, &rows).await;
    metrics::histogram!("ledger_batch_seconds").record(started.elapsed().as_secs_f64());
    let (transfer_outcome, bet_outcome) = match outcome {
        Ok(commit) => (Ok(commit), Ok(())),
        Err(e) if rows.is_empty() || requests.is_empty() => (Err(copy(&e)), Err(e)),
        Err(e) => {
            // A bet row may have broken a constraint: commit the transfers on their own, so
            // one bad row never fails the money of the others.
            tracing::debug!(error = %e, "combined batch failed; committing transfers alone");
            (commit(ledger, &requests, &[]).await, Err(copy(&e)))
        }
    };
    match transfer_outcome {
        Ok(commit) => reply_transfers(transfers, commit),
        Err(e) => {
            if !requests.is_empty() {
                tracing::error!(error = %e, requests = requests.len(), "ledger batch failed");
            }
            for (_, reply) in transfers {
                let _ = reply.send(Err(PipelineError::Store(copy(&e))));
            }
        }
    }
    match bet_outcome {
        Ok(()) => {
            for (_, reply) in bets {
                let _ = reply.send(Ok(()));
            }
        }
        Err(e) if bets.len() == 1 => {
            if let Some((_, reply)) = bets.into_iter().next() {
                let _ = reply.send(Err(PipelineError::Store(e)));
            }
        }
        Err(e) => {
            // Row by row, so only the offending row fails.
            tracing::debug!(error = %e, rows = bets.len(), "bet batch failed; retrying row by row");
            for (row, reply) in bets {
                let result = commit(ledger, &[], std::slice::from_ref(&row))
                    .await
                    .map(|_| ())
                    .map_err(PipelineError::Store);
                let _ = reply.send(result);
            }
        }
    }
}

fn reply_transfers(transfers: Vec<(Vec<Transfer>, Reply)>, commit: GroupCommit) {
    debug_assert_eq!(
        commit.results.len(),
        transfers.len(),
        "one result list per request"
    );
    for ((events, reply), results) in transfers.into_iter().zip(commit.results) {
        let mut named: Vec<u128> = events
            .iter()
            .flat_map(|t| [t.debit_account_id, t.credit_account_id])
            .collect();
        named.sort_unstable();
        named.dedup();
        let accounts = named
            .iter()
            .filter_map(|id| {
                commit
                    .accounts
                    .binary_search_by_key(id, |a| a.id)
                    .ok()
                    .map(|i| commit.accounts[i])
            })
            .collect();
        let _ = reply.send(Ok(Committed { results, accounts }));
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
