//! Cards, ranks, suits, seats and hands: the small validated value types the rest of the engine builds on.
//!
//! A card is one byte: `rank * 4 + suit` for the 52 suited cards, 52 for the small joker, 53 for the big
//! joker. The two physical decks are not distinguished (two copies of a card are identical), so a hand is
//! a count vector over the 54 card kinds with counts 0..=2.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Number of distinct card kinds (52 suited cards and two jokers).
pub const CARD_KINDS: usize = 54;
/// Number of natural ranks (2..A).
pub const RANK_COUNT: usize = 13;
/// Copies of every card kind in the two-deck pack.
pub const COPIES_PER_KIND: u8 = 2;
/// Cards dealt to every seat.
pub const HAND_SIZE: usize = 27;
/// Seats at the table.
pub const SEATS: usize = 4;

const RANK_CHARS: [char; RANK_COUNT] = [
    '2', '3', '4', '5', '6', '7', '8', '9', 'T', 'J', 'Q', 'K', 'A',
];
const SUIT_CHARS: [char; 4] = ['S', 'H', 'C', 'D'];

/// A natural rank, 2 (index 0) to A (index 12). Also used for levels.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Rank(u8);

impl Rank {
    /// Rank 2, the starting level.
    pub const TWO: Rank = Rank(0);
    /// Rank 10.
    pub const TEN: Rank = Rank(8);
    /// Rank K.
    pub const KING: Rank = Rank(11);
    /// Rank A, the last level.
    pub const ACE: Rank = Rank(12);

    /// The rank with natural index `i` (0 = 2, 12 = A).
    pub fn new(i: u8) -> Option<Rank> {
        (usize::from(i) < RANK_COUNT).then_some(Rank(i))
    }
    /// Natural index, 0 = 2 .. 12 = A.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
    /// The wire character (`2`..`9`, `T`, `J`, `Q`, `K`, `A`).
    pub fn to_char(self) -> char {
        RANK_CHARS[self.index()]
    }
    /// Parses a wire character; `10` is not accepted, the wire format uses `T`.
    pub fn from_char(c: char) -> Option<Rank> {
        RANK_CHARS
            .iter()
            .position(|&x| x == c)
            .map(|i| Rank(i as u8))
    }
    /// All ranks in natural order.
    pub fn all() -> impl Iterator<Item = Rank> {
        (0..RANK_COUNT as u8).map(Rank)
    }
    /// The rank `steps` levels higher, capped at A.
    pub fn promoted(self, steps: u8) -> Rank {
        Rank(self.0.saturating_add(steps).min(Rank::ACE.0))
    }
}

impl fmt::Display for Rank {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_char())
    }
}

impl Serialize for Rank {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rank {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_rank(&s).ok_or_else(|| serde::de::Error::custom(format!("bad rank {s:?}")))
    }
}

/// Parses a rank as written in level fields: one wire character, or `10`.
pub fn parse_rank(s: &str) -> Option<Rank> {
    if s == "10" {
        return Some(Rank::TEN);
    }
    let mut it = s.chars();
    let c = it.next()?;
    if it.next().is_some() {
        return None;
    }
    Rank::from_char(c)
}

/// A suit. Suits only matter for straight flushes and for recognising the two wild cards.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum Suit {
    /// Spades.
    S,
    /// Hearts (the level rank's hearts are wild).
    H,
    /// Clubs.
    C,
    /// Diamonds.
    D,
}

impl Suit {
    /// All suits in wire order.
    pub const ALL: [Suit; 4] = [Suit::S, Suit::H, Suit::C, Suit::D];
    /// Index 0..4.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One card kind. See the module docs for the encoding.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Card(u8);

impl Card {
    /// The small joker (`SB`).
    pub const SMALL_JOKER: Card = Card(52);
    /// The big joker (`HR`).
    pub const BIG_JOKER: Card = Card(53);

    /// A suited card.
    pub fn new(rank: Rank, suit: Suit) -> Card {
        Card(rank.0 * 4 + suit as u8)
    }
    /// The card with index `i` (0..54).
    pub fn from_index(i: usize) -> Option<Card> {
        (i < CARD_KINDS).then_some(Card(i as u8))
    }
    /// Index 0..54.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
    /// True for both jokers.
    pub fn is_joker(self) -> bool {
        self.0 >= 52
    }
    /// The natural rank, `None` for jokers.
    pub fn rank(self) -> Option<Rank> {
        (!self.is_joker()).then_some(Rank(self.0 / 4))
    }
    /// The suit, `None` for jokers.
    pub fn suit(self) -> Option<Suit> {
        (!self.is_joker()).then(|| Suit::ALL[usize::from(self.0 % 4)])
    }
    /// True when this card is a wild (a heart of the level rank).
    pub fn is_wild(self, level: Rank) -> bool {
        self == Card::new(level, Suit::H)
    }
    /// Parses a wire code: suit + rank (`S3`, `HT`) or `SB` / `HR`.
    pub fn parse(s: &str) -> Option<Card> {
        match s {
            "SB" => return Some(Card::SMALL_JOKER),
            "HR" => return Some(Card::BIG_JOKER),
            _ => {}
        }
        let mut it = s.chars();
        let suit = match it.next()? {
            'S' => Suit::S,
            'H' => Suit::H,
            'C' => Suit::C,
            'D' => Suit::D,
            _ => return None,
        };
        let rank = Rank::from_char(it.next()?)?;
        if it.next().is_some() {
            return None;
        }
        Some(Card::new(rank, suit))
    }
    /// All 54 card kinds in index order.
    pub fn all() -> impl Iterator<Item = Card> {
        (0..CARD_KINDS as u8).map(Card)
    }
}

impl fmt::Display for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Card::SMALL_JOKER => f.write_str("SB"),
            Card::BIG_JOKER => f.write_str("HR"),
            c => write!(
                f,
                "{}{}",
                SUIT_CHARS[usize::from(c.0 % 4)],
                RANK_CHARS[usize::from(c.0 / 4)]
            ),
        }
    }
}

impl Serialize for Card {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Card {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Card::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("bad card {s:?}")))
    }
}

/// A seat 0..4. Partners sit opposite (seat and seat+2); play passes to seat+1.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Seat(u8);

impl Seat {
    /// Seat 0.
    pub const ZERO: Seat = Seat(0);
    /// The seat with number `i % 4`.
    pub fn wrapping(i: u8) -> Seat {
        Seat(i % 4)
    }
    /// The seat with number `i` (0..4).
    pub fn new(i: u8) -> Option<Seat> {
        (usize::from(i) < SEATS).then_some(Seat(i))
    }
    /// Index 0..4.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
    /// The next player in play order.
    pub fn next(self) -> Seat {
        Seat((self.0 + 1) % 4)
    }
    /// The partner (opposite seat).
    pub fn partner(self) -> Seat {
        Seat((self.0 + 2) % 4)
    }
    /// The team: 0 for seats 0 and 2, 1 for seats 1 and 3.
    pub fn team(self) -> Team {
        Team(self.0 % 2)
    }
    /// All seats in order.
    pub fn all() -> impl Iterator<Item = Seat> {
        (0..SEATS as u8).map(Seat)
    }
}

impl TryFrom<u8> for Seat {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, String> {
        Seat::new(v).ok_or_else(|| format!("seat {v} out of range 0..4"))
    }
}

impl From<Seat> for u8 {
    fn from(s: Seat) -> u8 {
        s.0
    }
}

impl fmt::Display for Seat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A team: 0 = seats 0 and 2, 1 = seats 1 and 3.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Team(u8);

impl Team {
    /// The team with number `i` (0 or 1).
    pub fn new(i: u8) -> Option<Team> {
        (i < 2).then_some(Team(i))
    }
    /// Index 0 or 1.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
    /// The other team.
    pub fn other(self) -> Team {
        Team(1 - self.0)
    }
}

impl TryFrom<u8> for Team {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, String> {
        Team::new(v).ok_or_else(|| format!("team {v} out of range 0..2"))
    }
}

impl From<Team> for u8 {
    fn from(t: Team) -> u8 {
        t.0
    }
}

/// A multiset of cards as a count per card kind (each count 0..=2 in a legal game).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Hand {
    counts: [u8; CARD_KINDS],
    len: u8,
}

impl Default for Hand {
    fn default() -> Self {
        Hand {
            counts: [0; CARD_KINDS],
            len: 0,
        }
    }
}

impl Hand {
    /// The empty hand.
    pub fn new() -> Hand {
        Hand::default()
    }
    /// Builds a hand from cards; `None` when a card kind would exceed two copies.
    pub fn from_cards(cards: &[Card]) -> Option<Hand> {
        let mut h = Hand::new();
        for &c in cards {
            if h.counts[c.index()] >= COPIES_PER_KIND {
                return None;
            }
            h.add(c);
        }
        Some(h)
    }
    /// Copies of `card` held.
    pub fn count(&self, card: Card) -> u8 {
        self.counts[card.index()]
    }
    /// The raw count vector.
    pub fn counts(&self) -> &[u8; CARD_KINDS] {
        &self.counts
    }
    /// Number of cards.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }
    /// True when no cards are held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Adds one card. Callers keep counts within the pack (asserted).
    pub fn add(&mut self, c: Card) {
        assert!(
            self.counts[c.index()] < COPIES_PER_KIND,
            "more than two copies of {c}"
        );
        self.counts[c.index()] += 1;
        self.len += 1;
    }
    /// Removes one card; false (and no change) when it is not held.
    pub fn remove(&mut self, c: Card) -> bool {
        if self.counts[c.index()] == 0 {
            return false;
        }
        self.counts[c.index()] -= 1;
        self.len -= 1;
        true
    }
    /// True when every card of `cards` (as a multiset) is held.
    pub fn contains_all(&self, cards: &[Card]) -> bool {
        let mut need = [0u8; CARD_KINDS];
        for &c in cards {
            need[c.index()] += 1;
            if need[c.index()] > self.counts[c.index()] {
                return false;
            }
        }
        true
    }
    /// The cards in index order (rank, then suit; jokers last).
    pub fn cards(&self) -> Vec<Card> {
        let mut v = Vec::with_capacity(self.len());
        for c in Card::all() {
            for _ in 0..self.counts[c.index()] {
                v.push(c);
            }
        }
        v
    }
}

impl Serialize for Hand {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.cards().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Hand {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let cards = Vec::<Card>::deserialize(d)?;
        Hand::from_cards(&cards)
            .ok_or_else(|| serde::de::Error::custom("more than two copies of a card"))
    }
}

/// The full 108-card pack in index order.
pub fn full_pack() -> Vec<Card> {
    let mut v = Vec::with_capacity(CARD_KINDS * 2);
    for c in Card::all() {
        v.push(c);
        v.push(c);
    }
    v
}
