//! Group commit: the one writer task per process that owns the ledger's write path.
//!
//! Requests wait in a bounded queue. The writer takes the first, drains whatever else is already
//! queued (up to [`BATCH_EVENTS_MAX`] events), executes all of it as one batch in one database
//! transaction (`create_transfers_grouped`, which keeps every request's own semantics), and
//! answers each request only once the batch is durable: on PostgreSQL when the commit returns; on
//! SQLite the commit skips the `fsync` and a second task (`syncer`) flushes the write-ahead log
//! once for every batch committed meanwhile, then answers them, while the writer already executes
//! the next batch. While one batch commits the next one accumulates, so the batch size follows the load: a lone request
//! commits at once, a thousand concurrent ones share a handful of commits, and a hot account
//! (the house) costs one row write per batch instead of one row lock per transfer.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ledger::{
    Account, BATCH_EVENTS_MAX, CreateAccountResult, CreateTransferResult, LedgerStore, Transfer,
};
use store::ledger::{GroupCommit, LedgerDb};
use store::{BetRecord, StoreError, StoreErrorKind};

use futures::FutureExt;
use tokio::sync::{mpsc, oneshot};

use api::clock;

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

/// Builds an instant bet's row from its transfers' committed outcome. Called inside the batch's
/// transaction, only when every transfer of the request succeeded, and again if the batch is
/// retried, so it must be a pure function of its argument.
pub type BetRowFn = Box<dyn Fn(&Committed) -> BetRecord + Send + Sync>;

enum Job {
    Transfers {
        events: Vec<Transfer>,
        /// The bet row these transfers pay for, stored in the same transaction.
        row: Option<BetRowFn>,
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
    panics: Arc<AtomicU64>,
}

/// How the writer is doing, for readiness and metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriterHealth {
    /// The writer takes requests (false once its thread is gone).
    pub running: bool,
    /// Batches that panicked since start (each failed its own requests; the writer went on).
    pub panics: u64,
}

impl Pipeline {
    /// Starts the writer task over `ledger` (needs a tokio runtime). The task ends when every
    /// handle is dropped.
    ///
    /// The writer and the syncer run on a runtime of their own, on their own thread: a batch
    /// makes several round trips to the database, and on the server's shared runtime each of
    /// them would wait its turn behind HTTP and WebSocket tasks (measured: batches took several
    /// times longer than their database work).
    pub fn start(ledger: LedgerDb, queue_depth: usize) -> Self {
        let syncing = ledger.clone();
        Self::start_with_sync(
            ledger,
            queue_depth,
            Arc::new(move || syncing.sync_blocking()),
        )
    }

    /// [`Pipeline::start`] with the flush that makes committed batches durable given: the
    /// ledger's own ([`LedgerDb::sync_blocking`]) in production; one that blocks until released,
    /// or fails, in the tests that check no answer goes out before its batch is durable.
    pub fn start_with_sync(ledger: LedgerDb, queue_depth: usize, sync: SyncFn) -> Self {
        let (tx, rx) = mpsc::channel(queue_depth.clamp(1, QUEUE_DEPTH_MAX));
        let (synced_tx, synced_rx) = std::sync::mpsc::channel();
        let syncing = sync.clone();
        let synced_tx = match std::thread::Builder::new()
            .name("ledger-sync".into())
            .spawn(move || syncer(syncing.as_ref(), &synced_rx))
        {
            Ok(_) => Some(synced_tx),
            Err(e) => {
                tracing::warn!(error = %e, "no thread for the ledger syncer; the writer syncs");
                None
            }
        };
        // When the writer ends it drops its sender: the syncer answers what is left, then ends.
        let panics = Arc::new(AtomicU64::new(0));
        let run = supervise(ledger, rx, (synced_tx, sync), panics.clone());
        let own = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        match own {
            Ok(rt) => {
                let spawned = std::thread::Builder::new()
                    .name("ledger-writer".into())
                    .spawn(move || rt.block_on(run));
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "cannot start the ledger writer thread");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "no runtime of its own for the ledger writer");
                tokio::spawn(run);
            }
        }
        Self { tx, panics }
    }

    /// Whether the writer runs, and how many of its batches panicked.
    pub fn health(&self) -> WriterHealth {
        WriterHealth {
            running: !self.tx.is_closed(),
            panics: self.panics.load(Ordering::Relaxed),
        }
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
        self.submit(events, None).await
    }

    /// An instant bet in one commit: `events` (the bet's linked chain) and, if every one of them
    /// succeeds, the row `row` builds from their committed outcome, in the same transaction. The
    /// row and the money stand or fall together: a row that breaks a constraint (a reused nonce
    /// or idempotency key) fails the request with nothing committed. Returns the transfers'
    /// outcome; the row was stored exactly when all of them succeeded.
    pub async fn create_transfers_with_bet(
        &self,
        events: Vec<Transfer>,
        row: BetRowFn,
    ) -> Result<Committed, PipelineError> {
        self.submit(events, Some(row)).await
    }

    async fn submit(
        &self,
        events: Vec<Transfer>,
        row: Option<BetRowFn>,
    ) -> Result<Committed, PipelineError> {
        check_size(events.len())?;
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Transfers { events, row, reply })
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

/// Answers each batch once it is durable: takes every batch committed since the last flush,
/// syncs once (see [`LedgerDb::sync`]) and answers them all, while the writer goes on with the
/// next batch. A failed sync fails the requests it would have confirmed (their transfers may have
/// committed; a retry with the same ids returns their outcome). Runs on a thread of its own,
/// which the `fdatasync` blocks.
fn syncer(
    sync: &(dyn Fn() -> Result<(), StoreError> + Send + Sync),
    rx: &std::sync::mpsc::Receiver<Answers>,
) {
    while let Ok(first) = rx.recv() {
        let mut waiting = vec![first];
        while let Ok(more) = rx.try_recv() {
            waiting.push(more);
        }
        let started = clock::instant();
        let synced = sync();
        metrics::histogram!("ledger_sync_seconds").record(started.elapsed().as_secs_f64());
        metrics::histogram!("ledger_sync_batches").record(waiting.len() as f64);
        if let Err(e) = &synced {
            tracing::error!(error = %e, "ledger sync failed");
        }
        for answers in waiting {
            answers.send(synced.as_ref().map(|_| ()));
        }
    }
}

/// Runs the writer until every handle is dropped, restarting it after a panic: the requests it
/// held (the batch being written and the one carried over) are dropped, so each gets `Closed`
/// (coded `unavailable`); their transaction rolled back as it unwound, and the store's writer
/// connection and account copies are reset before the next batch. One bad batch never stops
/// the money.
async fn supervise(
    ledger: LedgerDb,
    mut rx: mpsc::Receiver<Job>,
    synced: (Option<std::sync::mpsc::Sender<Answers>>, SyncFn),
    panics: Arc<AtomicU64>,
) {
    loop {
        let run = std::panic::AssertUnwindSafe(writer(&ledger, &mut rx, synced.clone()));
        match run.catch_unwind().await {
            Ok(()) => return,
            Err(panic) => {
                panics.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("ledger_writer_panics_total").increment(1);
                let what = panic
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("unknown panic");
                tracing::error!(
                    panic = what,
                    "a ledger batch panicked; its requests failed and the writer restarts"
                );
                ledger.reset_writer().await;
            }
        }
    }
}

/// The writer's loop. On SQLite its batches run synchronously on its thread (see
/// `store::ledger`), which is why it has a runtime of its own.
async fn writer(
    ledger: &LedgerDb,
    rx: &mut mpsc::Receiver<Job>,
    (synced, sync): (Option<std::sync::mpsc::Sender<Answers>>, SyncFn),
) {
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
                let result = ledger.create_accounts(&events, now_ns()).await;
                // Durable before the answer, like a batch of transfers (accounts are rare: the
                // writer flushes on its own thread).
                let result = match result {
                    Ok(r) if ledger.needs_sync() => sync().map(|()| r),
                    other => other,
                };
                let _ = reply.send(result.map_err(PipelineError::from));
                continue;
            }
            Job::Transfers { events, row, reply } => batch.transfers.push((events, row, reply)),
            Job::Bet { row, reply } => batch.bets.push((*row, reply)),
        }
        let mut events = batch.transfers.first().map_or(0, |(e, _, _)| e.len());
        while let Ok(job) = rx.try_recv() {
            match job {
                Job::Transfers {
                    events: e,
                    row,
                    reply,
                } if events + e.len() <= BATCH_EVENTS_MAX => {
                    events += e.len();
                    batch.transfers.push((e, row, reply));
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
        let answers = commit_group(ledger, batch).await;
        if ledger.needs_sync() {
            let unsent = match &synced {
                Some(synced) => synced.send(answers).err().map(|e| e.0),
                None => Some(answers),
            };
            if let Some(answers) = unsent {
                // No syncer thread: the writer's own thread blocks for the flush.
                answers.send(sync().as_ref().map(|_| ()));
            }
        } else {
            answers.send(Ok(()));
        }
    }
}

/// A batch's answers, held until it is durable.
#[derive(Default)]
struct Answers {
    transfers: Vec<(Reply, Result<Committed, PipelineError>)>,
    bets: Vec<(BetReply, Result<(), PipelineError>)>,
}

impl Answers {
    /// Sends every answer; a failed sync turns the successes into that error.
    fn send(self, synced: Result<(), &StoreError>) {
        for (reply, answer) in self.transfers {
            let _ = reply.send(confirmed(answer, synced));
        }
        for (reply, answer) in self.bets {
            let _ = reply.send(confirmed(answer, synced));
        }
    }
}

/// `answer`, unless the sync that should confirm it failed.
fn confirmed<T>(
    answer: Result<T, PipelineError>,
    synced: Result<(), &StoreError>,
) -> Result<T, PipelineError> {
    match synced {
        Ok(()) => answer,
        Err(e) => answer.and(Err(PipelineError::Store(copy(e)))),
    }
}

type Reply = oneshot::Sender<Result<Committed, PipelineError>>;

/// The flush that makes every batch committed so far durable (see [`LedgerDb::sync_blocking`]);
/// it runs on the syncer's thread, which it may block.
pub type SyncFn = Arc<dyn Fn() -> Result<(), StoreError> + Send + Sync>;
type BetReply = oneshot::Sender<Result<(), PipelineError>>;

/// What one commit carries: transfer requests (some with the bet row they pay for) and bet rows.
#[derive(Default)]
struct Batch {
    transfers: Vec<(Vec<Transfer>, Option<BetRowFn>, Reply)>,
    bets: Vec<(BetRecord, BetReply)>,
}

/// `StoreError` is not `Clone`: one error answers several requests.
fn copy(e: &StoreError) -> StoreError {
    StoreError::new(e.kind, e.to_string())
}

/// The rows a batch inserts, given its outcome: the plain rows, then each bet request's row if
/// all of its transfers succeeded.
type RowsFn<'a> = dyn Fn(&GroupCommit) -> Vec<BetRecord> + Send + Sync + 'a;

/// One transaction with retries on lock conflicts (another process won a race).
async fn commit(
    ledger: &LedgerDb,
    requests: &[&[Transfer]],
    rows: &RowsFn<'_>,
) -> Result<GroupCommit, StoreError> {
    let mut attempt = 1;
    loop {
        match ledger
            .commit_batch_deferred(requests, now_ns(), |gc| rows(gc))
            .await
        {
            Err(e) if e.is_conflict() && attempt < CONFLICT_ATTEMPTS_MAX => {
                tracing::debug!(error = %e, attempt, "ledger batch conflicted; retrying");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The rows of `jobs` (aligned with `gc.results`) whose transfers all succeeded, after `plain`.
fn bet_rows(
    jobs: &[(Vec<Transfer>, Option<BetRowFn>, Reply)],
    plain: &[BetRecord],
    gc: &GroupCommit,
) -> Vec<BetRecord> {
    let mut rows = plain.to_vec();
    for ((events, row, _), results) in jobs.iter().zip(&gc.results) {
        if let Some(row) = row
            && results.iter().all(|r| r.is_success())
        {
            rows.push(row(&committed_for(events, results.clone(), &gc.accounts)));
        }
    }
    rows
}

async fn commit_group(ledger: &LedgerDb, batch: Batch) -> Answers {
    let Batch { transfers, bets } = batch;
    let requests: Vec<&[Transfer]> = transfers.iter().map(|(e, _, _)| e.as_slice()).collect();
    let plain: Vec<BetRecord> = bets.iter().map(|(row, _)| row.clone()).collect();
    let with_rows = transfers.iter().filter(|(_, row, _)| row.is_some()).count();
    metrics::histogram!("ledger_batch_requests").record(requests.len() as f64);
    metrics::histogram!("games_bet_batch_rows").record((plain.len() + with_rows) as f64);
    let started = clock::instant();
    let outcome = commit(ledger, &requests, &|gc| bet_rows(&transfers, &plain, gc)).await;
    metrics::histogram!("ledger_batch_seconds").record(started.elapsed().as_secs_f64());
    let mut answers = Answers::default();
    match outcome {
        Ok(gc) => {
            answer_transfers(&mut answers, transfers, &gc);
            answers
                .bets
                .extend(bets.into_iter().map(|(_, reply)| (reply, Ok(()))));
        }
        Err(e) if plain.is_empty() && with_rows == 0 => {
            if !requests.is_empty() {
                tracing::error!(error = %e, requests = requests.len(), "ledger batch failed");
            }
            for (_, _, reply) in transfers {
                answers
                    .transfers
                    .push((reply, Err(PipelineError::Store(copy(&e)))));
            }
        }
        Err(e) => {
            // A bet row may have broken a constraint: commit the plain transfer requests
            // together, then each bet (with its transfers) and each plain row on its own, so
            // one bad row fails only itself.
            tracing::debug!(error = %e, "combined batch failed; committing part by part");
            let (with, without): (Vec<_>, Vec<_>) =
                transfers.into_iter().partition(|(_, row, _)| row.is_some());
            if !without.is_empty() {
                let requests: Vec<&[Transfer]> =
                    without.iter().map(|(e, _, _)| e.as_slice()).collect();
                match commit(ledger, &requests, &|_| Vec::new()).await {
                    Ok(gc) => answer_transfers(&mut answers, without, &gc),
                    Err(e) => {
                        tracing::error!(error = %e, requests = requests.len(), "ledger batch failed");
                        for (_, _, reply) in without {
                            answers
                                .transfers
                                .push((reply, Err(PipelineError::Store(copy(&e)))));
                        }
                    }
                }
            }
            for job in with {
                let one = [job];
                let result = commit(ledger, &[one[0].0.as_slice()], &|gc| {
                    bet_rows(&one, &[], gc)
                })
                .await;
                let [(events, _, reply)] = one;
                answers.transfers.push((
                    reply,
                    match result {
                        Ok(mut gc) => Ok(committed_for(
                            &events,
                            gc.results.pop().unwrap_or_default(),
                            &gc.accounts,
                        )),
                        Err(e) => Err(PipelineError::Store(e)),
                    },
                ));
            }
            for (row, reply) in bets {
                let result = commit(ledger, &[], &|_| vec![row.clone()])
                    .await
                    .map(|_| ())
                    .map_err(PipelineError::Store);
                answers.bets.push((reply, result));
            }
        }
    }
    answers
}

/// A request's results and the committed values of the accounts its events name.
fn committed_for(
    events: &[Transfer],
    results: Vec<CreateTransferResult>,
    accounts: &[Account],
) -> Committed {
    let mut named: Vec<u128> = events
        .iter()
        .flat_map(|t| [t.debit_account_id, t.credit_account_id])
        .collect();
    named.sort_unstable();
    named.dedup();
    let accounts = named
        .iter()
        .filter_map(|id| {
            accounts
                .binary_search_by_key(id, |a| a.id)
                .ok()
                .map(|i| accounts[i])
        })
        .collect();
    Committed { results, accounts }
}

fn answer_transfers(
    answers: &mut Answers,
    transfers: Vec<(Vec<Transfer>, Option<BetRowFn>, Reply)>,
    commit: &GroupCommit,
) {
    debug_assert_eq!(
        commit.results.len(),
        transfers.len(),
        "one result list per request"
    );
    for ((events, _, reply), results) in transfers.into_iter().zip(&commit.results) {
        answers.transfers.push((
            reply,
            Ok(committed_for(&events, results.clone(), &commit.accounts)),
        ));
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
        let ledger = store::Store::ledger(&db);
        grouped_requests(&ledger).await;
        assert!(!ledger.needs_sync(), "in memory: nothing to flush");
    }

    /// The same on a database file, where the writer commits without an `fsync` and the syncer
    /// flushes the log before answering: the requests are all answered and all stored.
    #[tokio::test]
    async fn grouped_requests_on_a_database_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/ledger.db", dir.path().display());
        let db = store::SqliteStore::connect(&url).await.expect("sqlite");
        let ledger = store::Store::ledger(&db);
        let transfers = grouped_requests(&ledger).await;
        assert!(ledger.needs_sync(), "the file's writer defers its flush");
        let dump = ledger.dump().await.expect("dump");
        assert_eq!(dump.transfers.len(), transfers);
    }

    /// A flush the test controls: it counts its calls, blocks while the gate is shut, then runs
    /// the ledger's real flush, or fails while `fail` is set.
    struct TestSync {
        ledger: LedgerDb,
        calls: std::sync::atomic::AtomicUsize,
        shut: std::sync::Mutex<bool>,
        opened: std::sync::Condvar,
        fail: std::sync::atomic::AtomicBool,
    }

    impl TestSync {
        fn new(ledger: &LedgerDb) -> Arc<Self> {
            Arc::new(Self {
                ledger: ledger.clone(),
                calls: std::sync::atomic::AtomicUsize::new(0),
                shut: std::sync::Mutex::new(false),
                opened: std::sync::Condvar::new(),
                fail: std::sync::atomic::AtomicBool::new(false),
            })
        }

        fn set_shut(&self, shut: bool) {
            *self.shut.lock().expect("lock") = shut;
            self.opened.notify_all();
        }

        fn run(&self) -> Result<(), StoreError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let mut shut = self.shut.lock().expect("lock");
            while *shut {
                shut = self.opened.wait(shut).expect("wait");
            }
            drop(shut);
            if self.fail.load(Ordering::SeqCst) {
                return Err(StoreError::new(
                    StoreErrorKind::Unavailable,
                    "injected: the disk refused the flush",
                ));
            }
            self.ledger.sync_blocking()
        }

        fn as_fn(self: &Arc<Self>) -> SyncFn {
            let this = self.clone();
            Arc::new(move || this.run())
        }
    }

    /// A pipeline on a database file whose accounts and funding are in and durable, with `sync` as
    /// its flush; and the reference ledger in the same state.
    async fn funded(sync: &Arc<TestSync>) -> (Pipeline, MemoryLedger) {
        let pipe = Pipeline::start_with_sync(sync.ledger.clone(), 64, sync.as_fn());
        let (accounts, funding) = setup();
        let mut reference = MemoryLedger::new();
        reference.create_accounts(&accounts, 1).expect("reference");
        reference.create_transfers(&funding, 1).expect("reference");
        pipe.create_accounts(accounts).await.expect("accounts");
        pipe.create_transfers(funding).await.expect("funding");
        (pipe, reference)
    }

    /// A database file's store and ledger (keep the store alive as long as the ledger).
    async fn file_ledger(dir: &tempfile::TempDir) -> (store::SqliteStore, LedgerDb) {
        let url = format!("sqlite://{}/ledger.db", dir.path().display());
        let db = store::SqliteStore::connect(&url).await.expect("sqlite");
        let ledger = store::Store::ledger(&db);
        (db, ledger)
    }

    /// No answer leaves before the flush that makes its batch durable has returned: with the
    /// flush held, every request stays unanswered although its batch has committed; once the
    /// flush returns, each gets exactly its own result.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_answer_before_the_log_flush_returns() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (_db, ledger) = file_ledger(&dir).await;
        let sync = TestSync::new(&ledger);
        let (pipe, mut reference) = funded(&sync).await;
        assert!(ledger.needs_sync(), "the file's writer defers its flush");
        sync.set_shut(true);
        let before = sync.calls.load(Ordering::SeqCst);
        let mut tasks: Vec<_> = (0..PLAYERS)
            .map(|i| {
                let pipe = pipe.clone();
                tokio::spawn(async move { pipe.create_transfers(request(i)).await })
            })
            .collect();
        // Wait (at most a minute) until every request has committed.
        let committed = {
            let (accounts, funding) = setup();
            let mut all = MemoryLedger::new();
            all.create_accounts(&accounts, 1).expect("reference");
            all.create_transfers(&funding, 1).expect("reference");
            for i in 0..PLAYERS {
                all.create_transfers(&request(i), 2).expect("reference");
            }
            all.transfer_count()
        };
        let waited = tokio::time::timeout(Duration::from_secs(60), async {
            while sync.ledger.dump().await.expect("dump").transfers.len() < committed {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        assert!(waited.is_ok(), "the requests never committed");
        // Every batch is committed and none is flushed: no request may have its answer.
        tokio::time::sleep(Duration::from_millis(100)).await;
        for (i, t) in tasks.iter().enumerate() {
            assert!(
                !t.is_finished(),
                "request {i} was answered before its flush"
            );
        }
        assert!(
            sync.calls.load(Ordering::SeqCst) > before,
            "the committed batches wait for a flush"
        );
        sync.set_shut(false);
        for (i, t) in (0..PLAYERS).zip(tasks.drain(..)) {
            let got = t.await.expect("task").expect("commit");
            let want = reference
                .create_transfers(&request(i), 2)
                .expect("reference");
            assert_eq!(got, want, "request {i}");
        }
    }

    /// A flush that fails acknowledges nothing: every request of the batches it should have
    /// confirmed gets the coded `unavailable` error (a retry with the same ids returns the
    /// outcome, since the transfers may have committed), and the pipeline goes on once the disk
    /// flushes again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_flush_acknowledges_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (_db, ledger) = file_ledger(&dir).await;
        let sync = TestSync::new(&ledger);
        let (pipe, mut reference) = funded(&sync).await;
        assert!(ledger.needs_sync(), "the file's writer defers its flush");
        sync.fail.store(true, Ordering::SeqCst);
        let tasks: Vec<_> = (0..PLAYERS)
            .map(|i| {
                let pipe = pipe.clone();
                tokio::spawn(async move { pipe.create_transfers(request(i)).await })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            match t.await.expect("task") {
                Err(e) => assert_eq!(e.kind(), StoreErrorKind::Unavailable, "request {i}: {e}"),
                Ok(r) => panic!("request {i} was acknowledged by a failed flush: {r:?}"),
            }
        }
        // The disk recovers: the same requests, retried, get their original outcome (the
        // transfers committed before the failed flush; the ids make the retry idempotent).
        sync.fail.store(false, Ordering::SeqCst);
        for i in 0..PLAYERS {
            let got = pipe.create_transfers(request(i)).await.expect("retry");
            reference
                .create_transfers(&request(i), 2)
                .expect("reference");
            let again = reference
                .create_transfers(&request(i), 3)
                .expect("reference");
            assert_eq!(got, again, "request {i}: the retry's answer");
        }
    }

    /// Runs the workload through a pipeline over `ledger`; returns the number of transfers stored.
    async fn grouped_requests(ledger: &LedgerDb) -> usize {
        let pipe = Pipeline::start(ledger.clone(), 64);
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
        let dump = ledger.dump().await.expect("dump");
        let report = ledger::verify(&dump);
        assert!(report.ok, "{:?}", report.violations);
        assert_eq!(dump.transfers.len(), reference.transfer_count());
        assert!(matches!(
            pipe.create_transfers(Vec::new()).await,
            Err(PipelineError::BadSize(0))
        ));
        dump.transfers.len()
    }

    fn bet_row(id: i64, key: &str) -> BetRecord {
        BetRecord {
            id,
            user_id: 7,
            game: "dice".into(),
            currency: "PLAY".into(),
            amount: 5,
            payout: 7,
            multiplier: 140_000_000,
            status: store::games::BET_SETTLED,
            server_seed_hash: format!("hash-{id}"),
            client_seed: "client".into(),
            nonce: id,
            idempotency_key: Some(key.into()),
            request_hash: "request".into(),
            params: "{}".into(),
            outcome: "{}".into(),
            round_state: None,
            response: String::new(),
            created_at_ms: 1,
            updated_at_ms: 1,
            server_seed: None,
        }
    }

    /// A bet request stores its row in the commit that moves its money, built from the committed
    /// balance; a row that breaks a constraint fails its own money and nothing else, and a bet
    /// whose transfers fail stores no row.
    #[tokio::test]
    async fn a_bet_row_and_its_money_commit_together_or_not_at_all() {
        let db = store::SqliteStore::connect("sqlite::memory:")
            .await
            .expect("sqlite");
        let pipe = Pipeline::start(store::Store::ledger(&db), 64);
        let (accounts, funding) = setup();
        pipe.create_accounts(accounts).await.expect("accounts");
        pipe.create_transfers(funding).await.expect("funding");
        let games = |i: u128| {
            let pipe = pipe.clone();
            let key = if i == 2 {
                "taken".to_owned()
            } else {
                format!("key-{i}")
            };
            let id = i64::try_from(i).expect("small");
            tokio::spawn(async move {
                pipe.create_transfers_with_bet(
                    request(i),
                    Box::new(move |c: &Committed| {
                        let mut row = bet_row(id, &key);
                        let wallet = c.accounts.iter().find(|a| a.id == 100 + i);
                        row.response = format!(
                            "{}",
                            wallet.map_or(0, |a| a.credits_posted - a.debits_posted)
                        );
                        row
                    }),
                )
                .await
            })
        };
        // The key `taken` is already used by user 7: bet 2's row must fail, and its money with it.
        pipe.insert_bet(bet_row(99, "taken"))
            .await
            .expect("first row");
        let tasks: Vec<_> = (0..8).map(games).collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("task"));
        }
        let ledger = store::Store::ledger(&db);
        for (i, got) in (0u128..).zip(results) {
            let id = i64::try_from(i).expect("small");
            let wallet = ledger.lookup_accounts(&[100 + i]).await.expect("lookup")[0];
            let row = store::GamesStore::bet_by_id(&db, 7, id).await;
            match i {
                2 => {
                    assert!(got.is_err(), "bet 2's row conflicts: {got:?}");
                    assert_eq!(wallet.debits_posted, 0, "bet 2's money did not move");
                    assert!(row.is_err(), "bet 2 has no row");
                }
                _ => {
                    let got = got.expect("committed");
                    let success = got.results.iter().all(|r| r.is_success());
                    // Even requests are well-formed bets; odd ones fail (see `request`).
                    assert_eq!(success, i % 2 == 0, "bet {i}: {got:?}");
                    if success {
                        let row = row.expect("row stored");
                        assert_eq!(
                            row.response,
                            format!("{}", wallet.credits_posted - wallet.debits_posted),
                            "bet {i}'s row carries its committed balance"
                        );
                    } else {
                        assert!(row.is_err(), "a failed bet has no row");
                    }
                }
            }
        }
        let report = ledger::verify(&ledger.dump().await.expect("dump"));
        assert!(report.ok, "{:?}", report.violations);
    }

    /// A batch that panics (here: its bet row's builder) fails its own requests with a coded
    /// error and commits nothing; the writer restarts and the next requests commit, on a fresh
    /// connection, with a ledger that still verifies.
    #[tokio::test]
    async fn a_panicking_batch_fails_alone_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = format!("sqlite://{}/ledger.db", dir.path().display());
        for url in ["sqlite::memory:", file.as_str()] {
            let db = store::SqliteStore::connect(url).await.expect("sqlite");
            let ledger = store::Store::ledger(&db);
            let pipe = Pipeline::start(ledger.clone(), 64);
            let (accounts, funding) = setup();
            pipe.create_accounts(accounts).await.expect("accounts");
            pipe.create_transfers(funding).await.expect("funding");
            assert_eq!(
                pipe.health(),
                WriterHealth {
                    running: true,
                    panics: 0
                }
            );

            let doomed = pipe
                .create_transfers_with_bet(request(0), Box::new(|_: &Committed| panic!("injected")))
                .await;
            assert!(
                matches!(doomed, Err(PipelineError::Closed)),
                "{url}: {doomed:?}"
            );
            // The requests fail as the batch unwinds; the supervisor counts the panic just after.
            for _ in 0..5_000 {
                if pipe.health().panics == 1 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            assert_eq!(
                pipe.health(),
                WriterHealth {
                    running: true,
                    panics: 1
                },
                "{url}"
            );
            let wallet = ledger.lookup_accounts(&[100]).await.expect("lookup")[0];
            assert_eq!(
                wallet.debits_posted, 0,
                "{url}: the panicked batch committed nothing"
            );

            // The same transfers go through now, and so does everything after them.
            let again = pipe
                .create_transfers(request(0))
                .await
                .expect("after the panic");
            assert!(again.iter().all(|r| r.is_success()), "{url}: {again:?}");
            for i in 1..PLAYERS {
                pipe.create_transfers(request(i))
                    .await
                    .expect("later batches");
            }
            ledger.sync().await.expect("sync");
            let dump = ledger.dump().await.expect("dump");
            let report = ledger::verify(&dump);
            assert!(report.ok, "{url}: {:?}", report.violations);
        }
    }
}
