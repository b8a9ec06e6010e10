//! Guandan (掼蛋) rules engine, bots and simulator: a pure, deterministic crate (no I/O, no clock, no
//! ambient randomness) that the server drives through [`game::apply`], [`game::Match::view`] and the bots.

pub mod bots;
pub mod card;
pub mod cli;
pub mod combo;
pub mod expert;
pub mod game;
pub mod movegen;
pub mod rules;
pub mod sim;

pub use bots::Bot;
pub use card::{Card, Hand, Rank, Seat, Suit, Team};
pub use combo::{Key, Kind, Move, Play, readings};
pub use game::{Action, Event, Match, Phase, RuleError, Seed, View, apply};
pub use rules::Rules;
