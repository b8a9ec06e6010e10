//! Quick match: one task holding the casual and ranked queues. Every tick it matches the longest
//! waiting player with others whose rating lies within a window that widens with waiting time; casual
//! tables are completed with bots once the oldest player has waited `quick_match_bot_fill_ms`; ranked
//! tables are humans only.
//!
//! In a cluster there is one logical matchmaker: every node keeps the whole queue (each node says
//! its own players' joins and leaves to all, see [`crate::route`]), and only the node holding the
//! `guandan-matchmaker` lease matches. A match is said to every node (each drops those players)
//! and its table opens on the node of the player who waited longest, so tables spread with the
//! players. When the leader dies, the next one already holds the queue.

use std::sync::Arc;
use std::time::Duration;

use protocol::{MatchMode, RequestId, ServerMessage};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::Sink;
use crate::TablesState;
use crate::route::{Note, Remote, Router};
use api::error::ErrorCode;

/// Matchmaker commands.
#[derive(Debug)]
pub enum Cmd {
    /// Enter the queue (again: replaces the earlier entry).
    Join {
        /// Connection.
        sink: Sink,
        /// Request id.
        id: Option<RequestId>,
        /// Queue.
        mode: MatchMode,
        /// Rating used for matching.
        rating: i32,
    },
    /// Leave the queue.
    Cancel {
        /// Connection.
        sink: Sink,
        /// Request id.
        id: Option<RequestId>,
    },
    /// A connection closed.
    Gone {
        /// Account.
        user_id: i64,
        /// Connection.
        conn_id: u64,
    },
    /// Another node's queue change.
    Peer(Peer),
    /// A node went silent: its players leave the queue.
    NodeGone(String),
}

/// A queue change said to every node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "mm", rename_all = "snake_case")]
pub enum Peer {
    /// A player joined on their node.
    Join {
        /// The player's connection.
        who: Remote,
        /// Queue.
        mode: MatchMode,
        /// Rating used for matching.
        rating: i32,
    },
    /// A player left (cancelled, or their connection closed).
    Leave {
        /// Their node.
        node: String,
        /// Their connection.
        conn: u64,
        /// Their account.
        user: i64,
    },
    /// The leader matched these players; node `host` opens their table.
    Matched {
        /// The leader.
        from: String,
        /// Where the table opens.
        host: String,
        /// Queue.
        mode: MatchMode,
        /// The players, in seat order.
        players: Vec<Remote>,
    },
}

#[derive(Debug)]
enum Who {
    Local(Sink),
    Remote(Remote),
}

#[derive(Debug)]
struct Waiting {
    who: Who,
    mode: MatchMode,
    rating: i32,
    since: Instant,
}

impl Waiting {
    fn user(&self) -> i64 {
        match &self.who {
            Who::Local(s) => s.user_id,
            Who::Remote(r) => r.user,
        }
    }
}

/// Players waiting in one queue, at most.
const QUEUE_MAX: usize = 100_000;

pub(super) fn spawn(state: TablesState, mut rx: mpsc::Receiver<Cmd>) {
    tokio::spawn(async move {
        let cfg = state.guandan.cfg.clone();
        let router = state.guandan.router.clone();
        let me = router.as_ref().map(|r| r.node_id().to_owned());
        let mut leader = match &router {
            Some(r) => r.matchmaker_leader(),
            None => api::leader::Leader::alone(),
        };
        let mut leading = router.is_none();
        let mut queue: Vec<Waiting> = Vec::new();
        let mut tick = tokio::time::interval(Duration::from_millis(cfg.quick_match_tick_ms.max(5)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut lead_tick = tokio::time::interval(crate::route::HELLO_EVERY);
        lead_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    None => break,
                    Some(Cmd::Join { sink, id, mode, rating }) => {
                        queue.retain(|w| w.user() != sink.user_id);
                        if queue.len() >= QUEUE_MAX || state.guandan.is_shutting_down() {
                            sink.error(id, ErrorCode::Unavailable.as_str(), "Quick match is not available right now.");
                            continue;
                        }
                        sink.reply(id, ServerMessage::Ack {});
                        if let Some(r) = &router {
                            r.say(&Note::Queue(Peer::Join { who: r.remote_of(&sink), mode, rating })).await;
                        }
                        queue.push(Waiting { who: Who::Local(sink), mode, rating, since: Instant::now() });
                        if leading {
                            matched(&state, router.as_ref(), try_match(&state, &mut queue)).await;
                        }
                    }
                    Some(Cmd::Cancel { sink, id }) => {
                        queue.retain(|w| w.user() != sink.user_id);
                        sink.reply(id, ServerMessage::Ack {});
                        if let Some(r) = &router {
                            r.say(&Note::Queue(Peer::Leave { node: r.node_id().to_owned(), conn: sink.conn_id, user: sink.user_id })).await;
                        }
                    }
                    Some(Cmd::Gone { user_id, conn_id }) => {
                        let before = queue.len();
                        queue.retain(|w| !matches!(&w.who, Who::Local(s) if s.user_id == user_id && s.conn_id == conn_id));
                        if let Some(r) = router.as_ref().filter(|_| queue.len() != before) {
                            r.say(&Note::Queue(Peer::Leave { node: r.node_id().to_owned(), conn: conn_id, user: user_id })).await;
                        }
                    }
                    Some(Cmd::Peer(peer)) => on_peer(&state, router.as_ref(), me.as_deref(), &mut queue, peer),
                    Some(Cmd::NodeGone(node)) => {
                        queue.retain(|w| !matches!(&w.who, Who::Remote(r) if r.node == node));
                    }
                },
                _ = tick.tick() => {
                    queue.retain(|w| !matches!(&w.who, Who::Local(s) if s.is_closed()));
                    if leading {
                        matched(&state, router.as_ref(), try_match(&state, &mut queue)).await;
                    }
                }
                _ = lead_tick.tick(), if router.is_some() => {
                    leading = !state.guandan.is_shutting_down() && leader.lead().await;
                }
            }
        }
    });
}

/// Another node's queue change (this node's own, echoed back, change nothing).
fn on_peer(
    state: &TablesState,
    router: Option<&Arc<Router>>,
    me: Option<&str>,
    queue: &mut Vec<Waiting>,
    peer: Peer,
) {
    match peer {
        Peer::Join { who, mode, rating } => {
            if Some(who.node.as_str()) == me {
                return;
            }
            queue.retain(|w| w.user() != who.user);
            if queue.len() < QUEUE_MAX {
                queue.push(Waiting {
                    who: Who::Remote(who),
                    mode,
                    rating,
                    since: Instant::now(),
                });
            }
        }
        Peer::Leave { node, conn, user } => {
            if Some(node.as_str()) == me {
                return;
            }
            queue.retain(|w| !matches!(&w.who, Who::Remote(r) if r.user == user && r.node == node && r.conn == conn));
        }
        Peer::Matched {
            from,
            host,
            mode,
            players,
        } => {
            if Some(from.as_str()) == me {
                return;
            }
            queue.retain(|w| !players.iter().any(|p| p.user == w.user()));
            if let Some(r) = router
                && Some(host.as_str()) == me
            {
                let sinks = players
                    .iter()
                    .map(|p| r.sink_for(&state.guandan, p))
                    .collect();
                super::table::create_quick(state, mode, sinks);
            }
        }
    }
}

/// Opens the tables of new matches: here when embedded; in a cluster, on the longest-waiting
/// player's node, after telling every node.
async fn matched(
    state: &TablesState,
    router: Option<&Arc<Router>>,
    groups: Vec<(MatchMode, Vec<Waiting>)>,
) {
    for (mode, players) in groups {
        let Some(r) = router else {
            let sinks = players
                .into_iter()
                .filter_map(|w| match w.who {
                    Who::Local(s) => Some(s),
                    Who::Remote(_) => None,
                })
                .collect();
            super::table::create_quick(state, mode, sinks);
            continue;
        };
        let remotes: Vec<Remote> = players
            .iter()
            .map(|w| match &w.who {
                Who::Local(s) => r.remote_of(s),
                Who::Remote(x) => x.clone(),
            })
            .collect();
        let host = remotes
            .first()
            .map_or_else(|| r.node_id().to_owned(), |p| p.node.clone());
        if host == r.node_id() {
            let sinks = players
                .into_iter()
                .zip(&remotes)
                .map(|(w, p)| match w.who {
                    Who::Local(s) => s,
                    Who::Remote(_) => r.sink_for(&state.guandan, p),
                })
                .collect();
            super::table::create_quick(state, mode, sinks);
        }
        metrics::counter!("guandan_cluster_matches_total").increment(1);
        r.say(&Note::Queue(Peer::Matched {
            from: r.node_id().to_owned(),
            host,
            mode,
            players: remotes,
        }))
        .await;
    }
}

/// The rating difference `w` accepts after waiting since `since`.
fn window(cfg: &super::GuandanConfig, since: Instant, now: Instant) -> i32 {
    let secs = i32::try_from(now.duration_since(since).as_secs()).unwrap_or(i32::MAX);
    cfg.rating_window_base
        .saturating_add(cfg.rating_window_per_sec.saturating_mul(secs))
        .min(cfg.rating_window_max)
}

/// Takes the groups that can play now out of `queue` (each in seat order, the longest-waiting
/// player first).
fn try_match(state: &TablesState, queue: &mut Vec<Waiting>) -> Vec<(MatchMode, Vec<Waiting>)> {
    let cfg = &state.guandan.cfg;
    let now = Instant::now();
    let mut groups = Vec::new();
    queue.sort_by_key(|w| w.since);
    let mut i = 0;
    while i < queue.len() {
        let anchor = &queue[i];
        let win = window(cfg, anchor.since, now);
        let mut picked: Vec<usize> = vec![i];
        let mut others: Vec<(i32, usize)> = queue
            .iter()
            .enumerate()
            .filter(|(j, w)| {
                *j != i && w.mode == anchor.mode && (w.rating - anchor.rating).abs() <= win
            })
            .map(|(j, w)| ((w.rating - anchor.rating).abs(), j))
            .collect();
        others.sort();
        picked.extend(others.iter().take(3).map(|(_, j)| *j));
        let bot_fill = anchor.mode == MatchMode::Casual
            && now.duration_since(anchor.since)
                >= Duration::from_millis(cfg.quick_match_bot_fill_ms);
        if picked.len() == 4 || bot_fill {
            let mode = anchor.mode;
            picked.sort_unstable();
            let mut players = Vec::with_capacity(picked.len());
            for j in picked.into_iter().rev() {
                players.push(queue.remove(j));
            }
            players.reverse();
            groups.push((mode, players));
            // Indices shifted; start over from the oldest remaining player.
            i = 0;
        } else {
            i += 1;
        }
    }
    groups
}
