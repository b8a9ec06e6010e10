//! The batched match-log writer: tables hand it log operations through one bounded queue; it writes
//! them in order, consecutive action appends as one multi-row insert.
//!
//! Design: a table applies an action, enqueues its log record followed by a `Flush`, and broadcasts the
//! action's events only once the flush is answered, i.e. once the record is committed: nothing a player
//! was told happened can be missing from the log after a crash. The writer answers every `Flush` of a
//! drained batch after the batch's writes, so concurrent tables share one commit (group commit) and an
//! action waits about one commit, not one per table. The queue is bounded (`log_queue_depth`): if the
//! database falls behind, tables wait on the enqueue (back-pressure) rather than grow memory. A graceful
//! shutdown flushes the queue before the process ends.
//!
//! A `Flush` is answered `Ok` only once every write queued before it is committed. While the database
//! is unreachable (`unavailable`) the writer retries, with a growing pause, for as long as it takes:
//! tables wait and acknowledge nothing meanwhile. A write that fails otherwise (a bug, a corrupted
//! row) answers the batch's flushes with the error: the tables concerned acknowledge nothing more and
//! close, to resume from their log at the next start.

use std::sync::Arc;
use std::time::Duration;

use store::{
    GuandanActionRecord, GuandanLogWrite, GuandanSignals, NewGuandanMatch, StoreErrorKind,
    StoreResult,
};
use tokio::sync::{mpsc, oneshot};

/// One write.
#[derive(Debug)]
pub enum LogOp {
    /// A match started.
    Create(Box<NewGuandanMatch>),
    /// An action was applied.
    Append(GuandanActionRecord),
    /// A match ended (`finished`) or was given up (`abandoned`).
    Finish {
        /// Match.
        match_id: i64,
        /// `finished` or `abandoned`.
        status: &'static str,
        /// Result JSON.
        result_json: Option<String>,
        /// End time.
        ended_at_ms: i64,
        /// Signals of the human seats.
        signals: Vec<GuandanSignals>,
    },
    /// Answer once everything queued before has been written: `Ok` when it was all committed.
    Flush(oneshot::Sender<Result<(), LogFailed>>),
}

/// A write queued before a flush failed for good (not a passing outage): what was queued is not all
/// in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFailed(pub String);

/// Where the writer writes: the store in production; a gated or failing sink in tests.
#[async_trait::async_trait]
pub trait LogSink: Send + Sync + 'static {
    /// Writes `writes` in one transaction.
    async fn write(&self, writes: &[GuandanLogWrite]) -> StoreResult<()>;
}

#[async_trait::async_trait]
impl LogSink for Arc<dyn store::Store> {
    async fn write(&self, writes: &[GuandanLogWrite]) -> StoreResult<()> {
        self.write_guandan_log(writes).await
    }
}

/// First pause before retrying a write the database could not take; it doubles up to the cap.
const RETRY_PAUSE_FIRST: Duration = Duration::from_millis(100);
/// Longest pause between retries while the database is unavailable.
const RETRY_PAUSE_MAX: Duration = Duration::from_secs(5);

/// Starts the writer; returns its queue.
pub fn start(sink: impl LogSink, depth: usize, batch_max: usize) -> mpsc::Sender<LogOp> {
    let (tx, mut rx) = mpsc::channel::<LogOp>(depth.max(1));
    let batch_max = batch_max.max(1);
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(batch_max);
        while rx.recv_many(&mut batch, batch_max).await > 0 {
            write_batch(&sink, std::mem::take(&mut batch)).await;
        }
    });
    tx
}

async fn write_batch(sink: &impl LogSink, ops: Vec<LogOp>) {
    let started = api::clock::instant();
    let mut writes: Vec<GuandanLogWrite> = Vec::new();
    // Answered after the whole batch is written, so every table waiting in this batch shares the commit.
    let mut flushes: Vec<oneshot::Sender<Result<(), LogFailed>>> = Vec::new();
    for op in ops {
        match op {
            LogOp::Append(a) => match writes.last_mut() {
                Some(GuandanLogWrite::Append(run)) => run.push(a),
                _ => writes.push(GuandanLogWrite::Append(vec![a])),
            },
            LogOp::Create(m) => writes.push(GuandanLogWrite::Create(*m)),
            LogOp::Finish {
                match_id,
                status,
                result_json,
                ended_at_ms,
                signals,
            } => writes.push(GuandanLogWrite::Finish {
                match_id,
                status: status.to_owned(),
                result_json,
                ended_at_ms,
                signals,
            }),
            LogOp::Flush(done) => flushes.push(done),
        }
    }
    let mut outcome = Ok(());
    if !writes.is_empty() {
        // One transaction for the whole batch; if it fails (a record already written by an
        // ambiguous earlier attempt, or a database error), write them one by one with retries.
        if let Err(e) = sink.write(&writes).await {
            tracing::warn!(error = %e, writes = writes.len(), "match log batch failed; writing one by one");
            for w in &writes {
                if let Err(e) = retry(sink, w).await {
                    outcome = Err(LogFailed(e.to_string()));
                }
            }
        }
    }
    for done in flushes {
        let _ = done.send(outcome.clone());
    }
    metrics::histogram!("guandan_log_batch_seconds").record(started.elapsed().as_secs_f64());
}

/// Writes `w` alone: retried for as long as the database is unavailable; a conflict means an
/// earlier, ambiguous attempt wrote it; any other error is returned.
async fn retry(sink: &impl LogSink, w: &GuandanLogWrite) -> StoreResult<()> {
    let mut pause = RETRY_PAUSE_FIRST;
    loop {
        match sink.write(std::slice::from_ref(w)).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_conflict() => {
                tracing::warn!(error = %e, "match log write conflicted (already written)");
                return Ok(());
            }
            Err(e) if e.kind == StoreErrorKind::Unavailable => {
                tracing::error!(error = %e, retry_in_ms = pause.as_millis(), "match log write failed; the database is unavailable");
                metrics::counter!("guandan_log_retries_total").increment(1);
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(RETRY_PAUSE_MAX);
            }
            Err(e) => {
                tracing::error!(error = %e, "match log write failed for good");
                return Err(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use store::StoreError;
    use tokio::sync::{Notify, Semaphore};

    use super::*;

    /// A sink that records what it committed, can hold each write until released, and can fail
    /// the next writes with given errors.
    struct TestSink {
        committed: Mutex<Vec<GuandanLogWrite>>,
        /// Errors for the next writes, in order.
        failures: Mutex<Vec<StoreErrorKind>>,
        gated: bool,
        entered: Notify,
        /// Closed while writes are held; opened for good by `open_gate`.
        gate: Semaphore,
    }

    impl TestSink {
        fn new(gated: bool) -> Self {
            Self {
                committed: Mutex::new(Vec::new()),
                failures: Mutex::new(Vec::new()),
                gated,
                entered: Notify::new(),
                gate: Semaphore::new(0),
            }
        }

        fn open_gate(&self) {
            self.gate.add_permits(Semaphore::MAX_PERMITS / 2);
        }

        /// Records committed so far.
        fn records(&self) -> usize {
            self.committed
                .lock()
                .expect("lock")
                .iter()
                .map(|w| match w {
                    GuandanLogWrite::Append(run) => run.len(),
                    _ => 1,
                })
                .sum()
        }
    }

    #[async_trait::async_trait]
    impl LogSink for Arc<TestSink> {
        async fn write(&self, writes: &[GuandanLogWrite]) -> StoreResult<()> {
            if self.gated {
                self.entered.notify_one();
                drop(self.gate.acquire().await.expect("gate"));
            }
            let failure = {
                let mut f = self.failures.lock().expect("lock");
                (!f.is_empty()).then(|| f.remove(0))
            };
            if let Some(kind) = failure {
                return Err(StoreError::new(kind, "injected"));
            }
            self.committed
                .lock()
                .expect("lock")
                .extend_from_slice(writes);
            Ok(())
        }
    }

    fn append(idx: i64) -> LogOp {
        LogOp::Append(GuandanActionRecord {
            match_id: 1,
            idx,
            action_json: "{}".into(),
            at_ms: idx,
        })
    }

    async fn flush(log: &mpsc::Sender<LogOp>) -> oneshot::Receiver<Result<(), LogFailed>> {
        let (done, answer) = oneshot::channel();
        log.send(LogOp::Flush(done)).await.expect("writer running");
        answer
    }

    /// No flush is answered while the write before it is still in flight: the answer comes only
    /// after the commit.
    #[tokio::test]
    async fn no_flush_is_answered_before_its_writes_commit() {
        let sink = Arc::new(TestSink::new(true));
        let log = start(sink.clone(), 16, 16);
        log.send(append(0)).await.expect("send");
        log.send(append(1)).await.expect("send");
        let mut answer = flush(&log).await;
        sink.entered.notified().await;
        // The writer holds the batch inside the sink: give it every chance to answer early.
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert!(
            matches!(answer.try_recv(), Err(oneshot::error::TryRecvError::Empty)),
            "a flush was answered before its writes committed"
        );
        assert_eq!(sink.records(), 0);
        sink.open_gate();
        assert_eq!(answer.await.expect("answered"), Ok(()));
        assert_eq!(sink.records(), 2, "both appends are in before the answer");
    }

    /// A write that fails for good answers the flush with the error, never `Ok`.
    #[tokio::test]
    async fn a_failed_write_is_never_acknowledged() {
        let sink = Arc::new(TestSink::new(false));
        // The batch fails, then the one-by-one write fails for good.
        *sink.failures.lock().expect("lock") =
            vec![StoreErrorKind::Internal, StoreErrorKind::Internal];
        let log = start(sink.clone(), 16, 16);
        log.send(append(0)).await.expect("send");
        let answer = flush(&log).await;
        assert!(answer.await.expect("answered").is_err());
        assert!(sink.committed.lock().expect("lock").is_empty());
        // The writer goes on: the next write commits and its flush says so.
        log.send(append(1)).await.expect("send");
        assert_eq!(flush(&log).await.await.expect("answered"), Ok(()));
    }

    /// While the database is unavailable the writer retries (with its pauses, here on tokio's
    /// paused clock) and the flush waits; it is answered `Ok` once the write commits.
    #[tokio::test(start_paused = true)]
    async fn an_outage_delays_the_acknowledgement_and_loses_nothing() {
        let sink = Arc::new(TestSink::new(false));
        *sink.failures.lock().expect("lock") = vec![StoreErrorKind::Unavailable; 8];
        let log = start(sink.clone(), 16, 16);
        log.send(append(0)).await.expect("send");
        let answer = flush(&log).await;
        assert_eq!(answer.await.expect("answered"), Ok(()));
        assert_eq!(
            sink.committed.lock().expect("lock").as_slice(),
            &[GuandanLogWrite::Append(vec![GuandanActionRecord {
                match_id: 1,
                idx: 0,
                action_json: "{}".into(),
                at_ms: 0,
            }])]
        );
        assert!(
            sink.failures.lock().expect("lock").is_empty(),
            "every failure was retried"
        );
    }
}
