//! Quick match: one task holding the casual and ranked queues. Every tick it matches the longest
//! waiting player with others whose rating lies within a window that widens with waiting time; casual
//! tables are completed with bots once the oldest player has waited `quick_match_bot_fill_ms`; ranked
//! tables are humans only.

use std::time::Duration;

use protocol::{MatchMode, RequestId, ServerMessage};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::Sink;
use crate::TablesState;
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
}

#[derive(Debug)]
struct Waiting {
    sink: Sink,
    mode: MatchMode,
    rating: i32,
    since: Instant,
}

/// Players waiting in one queue, at most.
const QUEUE_MAX: usize = 100_000;

pub(super) fn spawn(state: TablesState, mut rx: mpsc::Receiver<Cmd>) {
    tokio::spawn(async move {
        let cfg = state.guandan.cfg.clone();
        let mut queue: Vec<Waiting> = Vec::new();
        let mut tick = tokio::time::interval(Duration::from_millis(cfg.quick_match_tick_ms.max(5)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    None => break,
                    Some(Cmd::Join { sink, id, mode, rating }) => {
                        queue.retain(|w| w.sink.user_id != sink.user_id);
                        if queue.len() >= QUEUE_MAX || state.guandan.is_shutting_down() {
                            sink.error(id, ErrorCode::Unavailable.as_str(), "Quick match is not available right now.");
                            continue;
                        }
                        sink.reply(id, ServerMessage::Ack {});
                        queue.push(Waiting { sink, mode, rating, since: Instant::now() });
                        try_match(&state, &mut queue);
                    }
                    Some(Cmd::Cancel { sink, id }) => {
                        queue.retain(|w| w.sink.user_id != sink.user_id);
                        sink.reply(id, ServerMessage::Ack {});
                    }
                    Some(Cmd::Gone { user_id, conn_id }) => {
                        queue.retain(|w| !(w.sink.user_id == user_id && w.sink.conn_id == conn_id));
                    }
                },
                _ = tick.tick() => {
                    queue.retain(|w| !w.sink.is_closed());
                    try_match(&state, &mut queue);
                }
            }
        }
    });
}

/// The rating difference `w` accepts after waiting since `since`.
fn window(cfg: &super::GuandanConfig, since: Instant, now: Instant) -> i32 {
    let secs = i32::try_from(now.duration_since(since).as_secs()).unwrap_or(i32::MAX);
    cfg.rating_window_base
        .saturating_add(cfg.rating_window_per_sec.saturating_mul(secs))
        .min(cfg.rating_window_max)
}

fn try_match(state: &TablesState, queue: &mut Vec<Waiting>) {
    let cfg = &state.guandan.cfg;
    let now = Instant::now();
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
                players.push(queue.remove(j).sink);
            }
            players.reverse();
            super::table::create_quick(state, mode, players);
            // Indices shifted; start over from the oldest remaining player.
            i = 0;
        } else {
            i += 1;
        }
    }
}
