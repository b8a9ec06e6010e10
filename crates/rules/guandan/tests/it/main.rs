//! The guandan integration tests: one binary, one module per area, with shared text helpers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed step fails the test with its message"
)]

mod cli;
mod combos;
mod game;
mod movegen;
mod oracle;
mod props;

use guandan::combo::parse_move;
use guandan::{Card, Hand, Move, Play, Rank};

/// Cards from space-separated codes: `"S3 H3 SB"`.
pub fn cards(s: &str) -> Vec<Card> {
    s.split_whitespace()
        .map(|c| Card::parse(c).unwrap_or_else(|| panic!("bad card {c}")))
        .collect()
}

/// A hand from space-separated codes.
pub fn hand(s: &str) -> Hand {
    Hand::from_cards(&cards(s)).expect("at most two copies")
}

/// A rank from its wire character.
pub fn rank(s: &str) -> Rank {
    guandan::card::parse_rank(s).expect("rank")
}

/// A play from `"Kind key c1 c2 ..."`.
pub fn play(s: &str) -> Play {
    let mut it = s.split_whitespace();
    let kind = it.next().expect("kind");
    let key = it.next().expect("key");
    let cs: Vec<&str> = it.collect();
    let v = serde_json::json!([kind, key, cs]);
    match parse_move(&v).expect("well-formed move") {
        Move::Play(p) => p,
        Move::Pass => panic!("not a play"),
    }
}

/// The canonical text of a play: `"Kind key c1 c2 ..."` with cards sorted.
pub fn text(p: &Play) -> String {
    let mut s = format!("{} {}", p.kind.name(), p.key);
    for c in p.cards() {
        s.push(' ');
        s.push_str(&c.to_string());
    }
    s
}
