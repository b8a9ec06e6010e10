//! The event relay: moves the database's events to the bus's durable stream `events.<kind>`, on one
//! node of a cluster at a time ([`api::leader::Leader`]).
//!
//! Two sources, both written in the transaction of their facts:
//! - the outbox (`bet_settled`, `round_finished`, `match_finished`, `rating_changed`), filled by
//!   triggers; a row is deleted only after the bus acknowledged its append;
//! - the ledger (`transfer`): every transfer with a player's wallet on a side, tailed in the
//!   ledger's commit order from a position stored after the bus acknowledged the appends.
//!
//! A relay that dies between the append and the delete (or the position's update) appends the
//! same events again; the bus stores each event id once (JetStream `Nats-Msg-Id`), so each event
//! is in the stream exactly once.

use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use tokio::task::JoinHandle;

use std::sync::Arc;

/// Outbox rows read per pass.
pub const RELAY_BATCH: i64 = 1_024;
/// Ledger transfers read per pass (an instant bet books two).
pub const RELAY_TRANSFERS_BATCH: i64 = 4_096;
/// Appends in flight at once.
const APPENDS_IN_FLIGHT: usize = 32;
/// The pause between passes unless a source had more than one pass takes: each pass is two small
/// write transactions on the database (the outbox's delete, the tail's position), so under load the
/// relay batches up rather than competing with the ledger's writer for every few events.
pub const RELAY_IDLE: Duration = Duration::from_millis(200);
/// The period of the relay's job lease: it moves to another node within three of them after its
/// node stops renewing it.
pub const RELAY_LEASE_PERIOD: Duration = Duration::from_secs(1);
/// The ledger tail's name in `event_cursors`.
const TRANSFERS_CURSOR: &str = "ledger_transfers";

/// Why a pass stopped early (the next pass retries).
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The database failed.
    #[error("store: {0}")]
    Store(#[from] store::StoreError),
    /// The bus failed.
    #[error("bus: {0}")]
    Bus(#[from] bus::BusError),
}

/// What one pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Events appended (the duplicates of an earlier, interrupted pass included).
    pub appended: usize,
    /// A source filled its batch: there is probably more.
    pub more: bool,
}

/// One pass: up to [`RELAY_BATCH`] outbox rows and [`RELAY_TRANSFERS_BATCH`] transfers.
pub async fn relay_once(db: &dyn store::Store, bus: &dyn bus::Bus) -> Result<Pass, RelayError> {
    let events = db.events();
    let outbox = events.outbox_head(RELAY_BATCH).await?;
    let appended = append_all(
        bus,
        outbox
            .iter()
            .map(|o| bus::Event {
                id: o.event_id.clone(),
                kind: o.kind.clone(),
                payload: o.payload.clone().into_bytes().into(),
            })
            .collect(),
    )
    .await?;
    let seqs: Vec<i64> = outbox.iter().map(|o| o.seq).collect();
    events.outbox_remove(&seqs).await?;

    let after = events.event_cursor(TRANSFERS_CURSOR).await?.unwrap_or(0);
    let transfers = events
        .player_transfers_after(after, RELAY_TRANSFERS_BATCH)
        .await?;
    let moved = append_all(bus, transfers.iter().map(transfer_event).collect()).await?;
    if let Some(last) = transfers.last() {
        events.set_event_cursor(TRANSFERS_CURSOR, last.ts).await?;
    }
    Ok(Pass {
        appended: appended + moved,
        more: outbox.len() >= usize::try_from(RELAY_BATCH).unwrap_or(usize::MAX)
            || transfers.len() >= usize::try_from(RELAY_TRANSFERS_BATCH).unwrap_or(usize::MAX),
    })
}

async fn append_all(bus: &dyn bus::Bus, events: Vec<bus::Event>) -> Result<usize, RelayError> {
    let results: Vec<Result<bus::Appended, bus::BusError>> = futures::stream::iter(events)
        .map(|e| async move { bus.append(&e).await })
        .buffer_unordered(APPENDS_IN_FLIGHT)
        .collect()
        .await;
    let mut n = 0;
    for r in results {
        r?;
        n += 1;
    }
    Ok(n)
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A player-visible transfer as its `transfer` event.
fn transfer_event(t: &store::events::TransferEvent) -> bus::Event {
    let kind = u16::try_from(t.code)
        .ok()
        .and_then(ledger::chart::TransferKind::from_code)
        .and_then(|k| serde_json::to_value(k).ok())
        .unwrap_or_else(|| json!(t.code));
    let currency = u32::try_from(t.ledger)
        .ok()
        .and_then(ledger::currency::currency)
        .map_or_else(|| t.ledger.to_string(), |c| c.symbol.to_owned());
    let phase = match t.flags {
        f if f & (1 << 1) != 0 => "pending",
        f if f & (1 << 2) != 0 => "post_pending",
        f if f & (1 << 3) != 0 => "void_pending",
        _ => "single",
    };
    let id = hex_of(&t.id);
    let payload = json!({
        "transfer_id": id,
        "ledger_ts": t.ts,
        "kind": kind,
        "phase": phase,
        "currency": currency,
        "amount": t.amount,
        "debit_account": hex_of(&t.debit_account_id),
        "credit_account": hex_of(&t.credit_account_id),
        "debit_user": t.debit_user.map(|u| u.to_string()),
        "credit_user": t.credit_user.map(|u| u.to_string()),
    });
    bus::Event {
        id: format!("transfer:{id}"),
        kind: "transfer".into(),
        payload: payload.to_string().into_bytes().into(),
    }
}

/// Runs the relay: passes back to back while a source has more than a batch, every [`RELAY_IDLE`]
/// otherwise, while
/// this node holds `leader` (a cluster's `events-relay` job, or [`api::leader::Leader::alone`]).
pub fn spawn(
    db: Arc<dyn store::Store>,
    bus: Arc<dyn bus::Bus>,
    mut leader: api::leader::Leader,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let busy = if leader.lead().await {
                match relay_once(db.as_ref(), bus.as_ref()).await {
                    Ok(pass) => {
                        metrics::counter!("events_relayed_total").increment(pass.appended as u64);
                        pass.more
                    }
                    Err(e) => {
                        metrics::counter!("events_relay_failures_total").increment(1);
                        tracing::warn!(error = %e, "event relay pass failed");
                        false
                    }
                }
            } else {
                false
            };
            if !busy {
                tokio::time::sleep(RELAY_IDLE).await;
            }
        }
    })
}
