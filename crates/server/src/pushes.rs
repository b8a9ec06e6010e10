//! Pushes across a cluster: what one node's services announce to their own connections (the live
//! bet feed, balance changes) and to their own caches (sign-outs, revoked operator sessions,
//! changed operators) also reaches every other node, over the bus's fan-out subjects `push.feed`,
//! `push.balance` and `push.note`.
//!
//! Each node delivers its own pushes locally first and publishes them with its node id; it applies
//! what other nodes publish and ignores its own. Fan-out is at most once: a node that misses a push
//! (the bus down for a moment) misses a live update, never a fact — balances, history and the
//! feed's recent items are read again by the client. An embedded node runs no bridge.

use bus::Bytes;
use games::feed::{BalanceChange, FeedBatch};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::StartError;
use crate::state::AppState;

/// Subjects of the pushes (under the cluster's namespace).
const FEED: &str = "push.feed";
const BALANCE: &str = "push.balance";
const NOTE: &str = "push.note";

/// One push as published: who sent it, and what.
#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    origin: String,
    body: T,
}

fn encode<T: Serialize>(origin: &str, body: T) -> Option<Bytes> {
    serde_json::to_vec(&Envelope {
        origin: origin.to_owned(),
        body,
    })
    .ok()
    .map(Bytes::from)
}

/// Starts the bridge of a cluster node (nothing on an embedded node): subscribed before it returns,
/// so nothing published after the node starts serving is missed.
pub async fn start(state: &AppState) -> Result<Vec<JoinHandle<()>>, StartError> {
    if !state.config.is_cluster() {
        return Ok(Vec::new());
    }
    let bus = state.cluster.bus.clone();
    let inbound = bus
        .subscribe("push.>")
        .await
        .map_err(|e| StartError::Config(format!("NATS: {e}")))?;
    let games = &state.games.games;
    let out = tokio::spawn(outbound(
        state.clone(),
        games.feed.batches.subscribe(),
        games.balances.subscribe(),
        state.auth.notes(),
    ));
    let inb = tokio::spawn(apply_inbound(state.clone(), inbound));
    Ok(vec![out, inb])
}

/// Local pushes: to this node's connections, and to the bus for the others.
async fn outbound(
    state: AppState,
    mut feed: broadcast::Receiver<FeedBatch>,
    mut balances: broadcast::Receiver<BalanceChange>,
    mut notes: broadcast::Receiver<api::auth::PeerNote>,
) {
    let me = state.cluster.node_id.clone();
    loop {
        let (subject, payload) = tokio::select! {
            batch = feed.recv() => match batch {
                Ok(batch) => {
                    let _ = state.bet_feed.send(batch.clone());
                    (FEED, encode(&me, batch))
                }
                Err(e) => { lagged(e); continue; }
            },
            change = balances.recv() => match change {
                Ok(change) => {
                    let _ = state.balance_changes.send(change.clone());
                    (BALANCE, encode(&me, change))
                }
                Err(e) => { lagged(e); continue; }
            },
            note = notes.recv() => match note {
                Ok(note) => (NOTE, encode(&me, note)),
                Err(e) => { lagged(e); continue; }
            },
        };
        let Some(payload) = payload else { continue };
        if let Err(e) = state.cluster.bus.publish(subject, payload).await {
            metrics::counter!("push_publish_failures_total").increment(1);
            tracing::debug!(error = %e, subject, "push not published");
        }
    }
}

fn lagged(e: broadcast::error::RecvError) {
    if let broadcast::error::RecvError::Lagged(n) = e {
        metrics::counter!("push_lagged_total").increment(n);
    }
}

/// Other nodes' pushes: to this node's connections and caches.
async fn apply_inbound(state: AppState, mut inbound: bus::Subscription) {
    let me = state.cluster.node_id.as_str();
    while let Some(msg) = inbound.next().await {
        let applied = match msg.subject.as_str() {
            FEED => serde_json::from_slice::<Envelope<FeedBatch>>(&msg.payload).map(|e| {
                if e.origin != me {
                    state.games.games.feed.remember(&e.body);
                    let _ = state.bet_feed.send(e.body);
                }
            }),
            BALANCE => serde_json::from_slice::<Envelope<BalanceChange>>(&msg.payload).map(|e| {
                if e.origin != me {
                    let _ = state.balance_changes.send(e.body);
                }
            }),
            NOTE => {
                serde_json::from_slice::<Envelope<api::auth::PeerNote>>(&msg.payload).map(|e| {
                    if e.origin != me {
                        apply_note(&state, e.body);
                    }
                })
            }
            _ => Ok(()),
        };
        if let Err(e) = applied {
            tracing::warn!(error = %e, subject = msg.subject, "unreadable push");
        }
    }
}

fn apply_note(state: &AppState, note: api::auth::PeerNote) {
    use api::auth::PeerNote;
    match note {
        PeerNote::FamilyRevoked { family, until_secs } => {
            state.auth.refuse_family_until(&family, until_secs);
        }
        PeerNote::SessionRevoked { token_hash } => state.operators.forget_session(&token_hash),
        PeerNote::OperatorChanged { operator_id } => state.operators.invalidate(&operator_id),
    }
}
