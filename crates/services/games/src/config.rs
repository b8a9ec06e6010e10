//! The instant-games section of the configuration (`[games]`): idle rounds, responsible-gaming
//! timings, the live feed's queue and the bet limits of each currency.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Instant-game settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct GamesConfig {
    /// A multi-step round untouched this long is settled by its published rule.
    pub round_idle_secs: u64,
    /// How often the idle-round job looks for such rounds.
    pub idle_sweep_secs: u64,
    /// Raising (loosening) a responsible-gaming limit takes effect after this long.
    pub limit_raise_cooloff_secs: u64,
    /// A gap without bets this long ends a play session (for the session time limit).
    pub session_gap_secs: u64,
    /// Settled bets waiting for the live-feed task; when full, feed items are dropped and counted.
    pub feed_queue_depth: usize,
    /// Bet limits and feed size classes per currency; a currency absent here cannot be bet.
    pub currencies: BTreeMap<String, CurrencyLimits>,
}

/// Limits of one currency, in its minor units.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CurrencyLimits {
    /// Smallest stake.
    pub min_bet: u64,
    /// Largest stake.
    pub max_bet: u64,
    /// Largest payout of one bet; wins above it are capped (published in the catalogue).
    pub max_payout: u64,
    /// Bets from this stake up are "medium" in the live feed (50% shown); below, "small" (10%).
    pub feed_medium_min: u64,
    /// Bets from this stake up are "large" in the live feed (always shown).
    pub feed_large_min: u64,
}

impl Default for GamesConfig {
    fn default() -> Self {
        let limits =
            |min_bet, max_bet, max_payout, feed_medium_min, feed_large_min| CurrencyLimits {
                min_bet,
                max_bet,
                max_payout,
                feed_medium_min,
                feed_large_min,
            };
        let mut currencies = BTreeMap::new();
        currencies.insert(
            "PLAY".to_owned(),
            limits(1, 1_000_000, 100_000_000, 10_000, 100_000),
        );
        currencies.insert(
            "USD".to_owned(),
            limits(1, 100_000, 10_000_000, 1_000, 10_000),
        );
        currencies.insert(
            "EUR".to_owned(),
            limits(1, 100_000, 10_000_000, 1_000, 10_000),
        );
        currencies.insert(
            "USDT".to_owned(),
            limits(
                10_000,
                1_000_000_000,
                100_000_000_000,
                10_000_000,
                100_000_000,
            ),
        );
        Self {
            round_idle_secs: 3_600,
            idle_sweep_secs: 30,
            limit_raise_cooloff_secs: 24 * 3_600,
            session_gap_secs: 15 * 60,
            feed_queue_depth: 4_096,
            currencies,
        }
    }
}
