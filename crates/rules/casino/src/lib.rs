//! Instant-game math on the provably fair stream: outcome mapping, payouts, exact RTPs.
//!
//! One module per game. Pure: every outcome comes from a `fair::ByteStream` argument, every payout
//! is integer minor units under the one rounding rule of [`money`], every multi-step game is a
//! serialisable state machine whose events were all drawn at bet time.

pub mod blackjack;
pub mod blackjack_rtp;
pub mod cards;
pub mod cli;
pub mod dice;
mod error;
pub mod hilo;
pub mod keno;
pub mod limbo;
pub mod mines;
pub mod money;
pub mod play;
pub mod plinko;
pub mod ratio;
pub mod roulette;
pub mod round;
pub mod wheel;

pub use error::GameError;
pub use money::{MULTIPLIER_SCALE, Multiplier};
pub use play::{Settlement, play, play_with_mode};
pub use ratio::Ratio;
pub use round::Round;

use serde::{Deserialize, Serialize};

/// Risk level of a paytable (classic exists for keno only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Classic,
    Low,
    Medium,
    High,
}
