//! The live bet feed: every settled bet is offered to a bounded queue (a full queue drops the item
//! and counts it, never blocking a bet); one task samples them (small bets 10%, medium 50%, large
//! bets and wins of 10× or more always), batches every 500 ms up to 20 items, broadcasts the batch
//! and keeps the last 200 per game for `GET /v1/activity`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

use crate::config::GamesConfig;

/// Items per broadcast batch at most.
pub const FEED_BATCH_ITEMS_MAX: usize = 20;
/// How often a batch is sent.
pub const FEED_BATCH_INTERVAL: Duration = Duration::from_millis(500);
/// Items kept per game for `GET /v1/activity`.
pub const FEED_RECENT_PER_GAME_MAX: usize = 200;
/// Broadcast batches a slow subscriber may lag behind before it misses some.
pub const FEED_BROADCAST_DEPTH: usize = 64;
/// Balance changes a slow subscriber may lag behind.
pub const BALANCE_BROADCAST_DEPTH: usize = 4_096;

/// One settled bet as the public sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeedItem {
    /// Bet id (decimal string).
    pub bet_id: String,
    /// Game id.
    pub game: String,
    /// The player's masked display name (`pla***456`).
    pub player: String,
    /// Currency code.
    pub currency: String,
    /// Stake, minor units.
    pub amount: u64,
    /// Return multiplier (stake included), as its exact decimal (`"1.96039603"`).
    pub multiplier: String,
    /// Payout, minor units.
    pub payout: u64,
    /// Settled at, unix ms.
    pub at_ms: i64,
}

/// A batch of feed items, as broadcast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedBatch {
    /// Items, oldest first.
    pub items: Vec<FeedItem>,
}

/// A player's balance after a change, as broadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceChange {
    /// Player.
    pub user_id: i64,
    /// Currency code.
    pub currency: String,
    /// Available balance, minor units.
    pub balance: u64,
}

/// A settled bet offered to the feed (with the multiplier in units of 1e-8 for sampling).
#[derive(Debug, Clone)]
pub struct Settled {
    /// The public item.
    pub item: FeedItem,
    /// Multiplier units (1e-8).
    pub multiplier_units: u64,
}

/// The feed's handle: the queue, the recent items, the broadcast senders.
#[derive(Debug, Clone)]
pub struct Feed {
    queue: mpsc::Sender<Settled>,
    recent: Arc<Mutex<BTreeMap<String, VecDeque<FeedItem>>>>,
    /// Batches for WebSocket forwarding.
    pub batches: broadcast::Sender<FeedBatch>,
}

impl Feed {
    /// Starts the feed task (needs a tokio runtime).
    pub fn start(config: Arc<GamesConfig>, batches: broadcast::Sender<FeedBatch>) -> Self {
        let (queue, rx) = mpsc::channel(config.feed_queue_depth.clamp(1, 1 << 20));
        let recent = Arc::new(Mutex::new(BTreeMap::new()));
        tokio::spawn(run(config, rx, recent.clone(), batches.clone()));
        Self {
            queue,
            recent,
            batches,
        }
    }

    /// Offers a settled bet; never waits. A full queue drops it and counts the drop.
    pub fn offer(&self, settled: Settled) {
        if self.queue.try_send(settled).is_err() {
            metrics::counter!("games_feed_dropped_total").increment(1);
        }
    }

    /// Keeps another node's batch among the recent items (a cluster's nodes share their feeds).
    pub fn remember(&self, batch: &FeedBatch) {
        let mut recent = self
            .recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for item in &batch.items {
            keep(&mut recent, item.clone());
        }
    }

    /// The last items of one game (or of every game), newest first.
    pub fn recent(&self, game: Option<&str>) -> Vec<FeedItem> {
        let recent = self
            .recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut items: Vec<FeedItem> = match game {
            Some(g) => recent
                .get(g)
                .map(|q| q.iter().cloned().collect())
                .unwrap_or_default(),
            None => recent.values().flat_map(|q| q.iter().cloned()).collect(),
        };
        items.sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then(b.bet_id.cmp(&a.bet_id)));
        items.truncate(FEED_RECENT_PER_GAME_MAX);
        items
    }
}

/// `pla***456`: the first three and last three characters around `***` (shorter names keep
/// their first character only).
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() >= 8 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 3..].iter().collect();
        format!("{head}***{tail}")
    } else {
        let head: String = chars.iter().take(1).collect();
        format!("{head}***")
    }
}

/// Percent of bets of this size shown: small 10, medium 50, large (or a win of 10× or more) 100.
pub fn sample_percent(
    config: &GamesConfig,
    currency: &str,
    amount: u64,
    multiplier_units: u64,
) -> u64 {
    if multiplier_units >= 10 * casino::MULTIPLIER_SCALE {
        return 100;
    }
    let Some(limits) = config.currencies.get(currency) else {
        return 10;
    };
    if amount >= limits.feed_large_min {
        100
    } else if amount >= limits.feed_medium_min {
        50
    } else {
        10
    }
}

/// A fixed hash of the bet id decides the sample (no RNG, and the same bet always gets the same
/// answer).
fn sampled(bet_id: &str, percent: u64) -> bool {
    if percent >= 100 {
        return true;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bet_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h % 100 < percent
}

/// Adds `item` to its game's recent items, dropping the oldest beyond the cap.
fn keep(recent: &mut BTreeMap<String, VecDeque<FeedItem>>, item: FeedItem) {
    let q = recent.entry(item.game.clone()).or_default();
    q.push_back(item);
    while q.len() > FEED_RECENT_PER_GAME_MAX {
        q.pop_front();
    }
}

async fn run(
    config: Arc<GamesConfig>,
    mut rx: mpsc::Receiver<Settled>,
    recent: Arc<Mutex<BTreeMap<String, VecDeque<FeedItem>>>>,
    batches: broadcast::Sender<FeedBatch>,
) {
    let mut tick = tokio::time::interval(FEED_BATCH_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pending: Vec<FeedItem> = Vec::new();
    loop {
        tokio::select! {
            settled = rx.recv() => {
                let Some(s) = settled else { break };
                let pct = sample_percent(&config, &s.item.currency, s.item.amount, s.multiplier_units);
                if !sampled(&s.item.bet_id, pct) {
                    continue;
                }
                keep(
                    &mut recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
                    s.item.clone(),
                );
                if pending.len() < FEED_BATCH_ITEMS_MAX {
                    pending.push(s.item);
                } else {
                    metrics::counter!("games_feed_batch_overflow_total").increment(1);
                }
            }
            _ = tick.tick() => {
                if !pending.is_empty() {
                    // No subscriber is not an error: the batch is simply not seen live.
                    let _ = batches.send(FeedBatch { items: std::mem::take(&mut pending) });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked() {
        assert_eq!(mask_name("player123456"), "pla***456");
        assert_eq!(mask_name("bob"), "b***");
        assert_eq!(mask_name(""), "***");
    }

    #[test]
    fn sampling_follows_size_classes() {
        let c = GamesConfig::default();
        assert_eq!(sample_percent(&c, "PLAY", 1, 0), 10);
        assert_eq!(sample_percent(&c, "PLAY", 10_000, 0), 50);
        assert_eq!(sample_percent(&c, "PLAY", 100_000, 0), 100);
        assert_eq!(
            sample_percent(&c, "PLAY", 1, 10 * casino::MULTIPLIER_SCALE),
            100
        );
        let shown = (0..10_000).filter(|i| sampled(&i.to_string(), 10)).count();
        assert!((700..1_300).contains(&shown), "{shown}");
    }
}
