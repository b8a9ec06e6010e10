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

use std::sync::Arc;
use std::time::Duration;

use store::{GuandanActionRecord, GuandanLogWrite, GuandanSignals, NewGuandanMatch};
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
    /// Answer once everything queued before has been written.
    Flush(oneshot::Sender<()>),
}

/// Attempts per write before it is logged and dropped.
const WRITE_ATTEMPTS: u32 = 3;

/// Starts the writer; returns its queue.
pub fn start(store: Arc<dyn store::Store>, depth: usize, batch_max: usize) -> mpsc::Sender<LogOp> {
    let (tx, mut rx) = mpsc::channel::<LogOp>(depth.max(1));
    let batch_max = batch_max.max(1);
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(batch_max);
        while rx.recv_many(&mut batch, batch_max).await > 0 {
            write_batch(store.as_ref(), std::mem::take(&mut batch)).await;
        }
    });
    tx
}

async fn write_batch(store: &dyn store::Store, ops: Vec<LogOp>) {
    let started = api::clock::instant();
    let mut writes: Vec<GuandanLogWrite> = Vec::new();
    // Answered after the whole batch is written, so every table waiting in this batch shares the commit.
    let mut flushes: Vec<oneshot::Sender<()>> = Vec::new();
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
    if !writes.is_empty() {
        // One transaction for the whole batch; if it fails (a record already written by an
        // ambiguous earlier attempt, or a database error), write them one by one with retries.
        if let Err(e) = store.write_guandan_log(&writes).await {
            tracing::warn!(error = %e, writes = writes.len(), "match log batch failed; writing one by one");
            for w in &writes {
                retry("match log write", || {
                    store.write_guandan_log(std::slice::from_ref(w))
                })
                .await;
            }
        }
    }
    for done in flushes {
        let _ = done.send(());
    }
    metrics::histogram!("guandan_log_batch_seconds").record(started.elapsed().as_secs_f64());
}

async fn retry<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = store::StoreResult<()>>,
{
    for attempt in 1..=WRITE_ATTEMPTS {
        match f().await {
            Ok(()) => return,
            Err(e) if e.is_conflict() => {
                // Already written (a retry after an ambiguous failure): nothing left to do.
                tracing::warn!(error = %e, what, "match log write conflicted");
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, what, attempt, "match log write failed");
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
            }
        }
    }
}
