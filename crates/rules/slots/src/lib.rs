//! Slot engine: data-driven games (YAML → validated [`Game`]), window evaluation shared by play and
//! simulation, exact full-cycle mathematics (RTP, hit frequency, volatility, free spins with
//! retriggers) and a seeded Monte-Carlo simulator. Pure: no I/O, no clock, no ambient randomness.
//!
//! ```
//! let game = slots::parse_game(r"
//! name: tiny
//! reels: 3
//! rows: 1
//! symbols: [{name: seven}, {name: bar}]
//! lines: [[0, 0, 0]]
//! pays: {seven: [0, 0, 4]}
//! reel_sets:
//!   base: [[seven, bar], [seven, bar], [seven, bar]]
//! ").expect("valid definition");
//! // Three sevens come up once in 8 spins and pay 4 line bets: RTP 1/2.
//! assert_eq!(slots::analyze(&game).expect("analysable").base_rtp_fraction, "1/2");
//! // In play, each reel's stop is floor(f × strip length) for the next float of the fair stream.
//! let round = slots::spin(&game, 25, [0.1, 0.2, 0.3]).expect("round");
//! assert_eq!((round.total_bet, round.total_win), (25, 100));
//! ```

pub mod cli;
pub mod eval;
pub mod exact;
pub mod game;
pub mod sim;
pub mod spin;

pub use eval::{WindowWins, evaluate, window_from_stops};
pub use exact::{Distribution, ExactError, RtpReport, analyze, distribution_of};
pub use game::{FreeSpins, Game, GameError, Layout, Mystery, ReelSet, Symbol, parse_game};
pub use sim::{SimStats, Simulator, simulate_shard};
pub use spin::{RoundResult, SpinError, SpinRecord, float_from_u32, spin};
