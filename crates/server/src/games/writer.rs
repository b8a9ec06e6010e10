//! Group commit for bet rows: one writer task takes bet rows from a bounded queue, drains whatever
//! else is waiting, and inserts them all in one transaction, so a thousand concurrent bets cost a
//! handful of commits instead of a thousand fsyncs in a row. A request is answered after the commit.
//!
//! When a batch fails (one row broke a unique constraint), its rows are retried one by one so only
//! the offending row fails.

use std::sync::Arc;

use store::{BetRecord, StoreError, StoreErrorKind};
use tokio::sync::{mpsc, oneshot};

/// Rows per transaction at most.
const BATCH_ROWS_MAX: usize = 1_024;

type Reply = oneshot::Sender<Result<(), StoreError>>;

/// Handle to the writer; cheap to clone.
#[derive(Clone, Debug)]
pub struct BetWriter {
    tx: mpsc::Sender<(BetRecord, Reply)>,
}

impl BetWriter {
    /// Starts the writer task (needs a tokio runtime); it ends when every handle is dropped.
    pub fn start(store: Arc<dyn store::Store>, queue_depth: usize) -> Self {
        let (tx, rx) = mpsc::channel(queue_depth.clamp(1, 1 << 20));
        tokio::spawn(run(store, rx));
        Self { tx }
    }

    /// Inserts one bet; returns once the batch that carried it committed.
    pub async fn insert(&self, bet: BetRecord) -> Result<(), StoreError> {
        let (reply, rx) = oneshot::channel();
        let closed = || StoreError::new(StoreErrorKind::Unavailable, "bet writer stopped");
        self.tx.send((bet, reply)).await.map_err(|_| closed())?;
        rx.await.map_err(|_| closed())?
    }
}

async fn run(store: Arc<dyn store::Store>, mut rx: mpsc::Receiver<(BetRecord, Reply)>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH_ROWS_MAX {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        let rows: Vec<BetRecord> = batch.iter().map(|(b, _)| b.clone()).collect();
        match store.insert_bets(&rows).await {
            Ok(()) => {
                for (_, reply) in batch {
                    let _ = reply.send(Ok(()));
                }
            }
            Err(e) if batch.len() == 1 => {
                if let Some((_, reply)) = batch.pop() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, rows = batch.len(), "bet batch failed; retrying row by row");
                for (bet, reply) in batch {
                    let result = store.insert_bets(std::slice::from_ref(&bet)).await;
                    let _ = reply.send(result);
                }
            }
        }
    }
}
