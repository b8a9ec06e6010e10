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

use store::{GuandanActionRecord, GuandanSignals, NewGuandanMatch};
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
    let mut appends: Vec<GuandanActionRecord> = Vec::new();
    // Answered after the whole batch is written, so every table waiting in this batch shares the commit.
    let mut flushes: Vec<oneshot::Sender<()>> = Vec::new();
    for op in ops {
        if matches!(op, LogOp::Create(_) | LogOp::Finish { .. }) && !appends.is_empty() {
            flush_appends(store, &mut appends).await;
        }
        match op {
            LogOp::Append(a) => appends.push(a),
            LogOp::Create(m) => {
                retry("create match", || store.create_guandan_match(&m)).await;
            }
            LogOp::Finish {
                match_id,
                status,
                result_json,
                ended_at_ms,
                signals,
            } => {
                retry("finish match", || {
                    store.finish_guandan_match(
                        match_id,
                        status,
                        result_json.as_deref(),
                        ended_at_ms,
                        &signals,
                    )
                })
                .await;
            }
            LogOp::Flush(done) => flushes.push(done),
        }
    }
    if !appends.is_empty() {
        flush_appends(store, &mut appends).await;
    }
    for done in flushes {
        let _ = done.send(());
    }
}

async fn flush_appends(store: &dyn store::Store, appends: &mut Vec<GuandanActionRecord>) {
    let rows = std::mem::take(appends);
    retry("append actions", || store.append_guandan_actions(&rows)).await;
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
