//! Combination types, keys, plays and moves, the readings of a card selection, and which play beats which.
//!
//! A play is `(kind, key, cards)`. The key is the rank of the compared part: the triple of a full house, the
//! lowest card of a sequence (`A` for A2345, `T` for TJQKA), the rank of a bomb, `B`/`R` for jokers and
//! `JOKER` for four jokers. A selection of cards may have several readings; each is its own play.

use crate::card::{Card, RANK_COUNT, Rank, Suit};
use crate::rules::Rules;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest number of cards in one play (a 10-card bomb: eight naturals and two wilds).
pub const PLAY_CARDS_MAX: usize = 10;

/// The ten combination types, with the AI-competition names.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum Kind {
    /// One card.
    Single,
    /// Two cards of one rank (SB+HR is not a pair).
    Pair,
    /// Three cards of one rank.
    Trips,
    /// A triple and a pair (full house), compared on the triple.
    ThreeWithTwo,
    /// Exactly five consecutive ranks.
    Straight,
    /// Three consecutive pairs (tube).
    ThreePair,
    /// Two consecutive triples (plate).
    TwoTrips,
    /// Four to ten cards of one rank.
    Bomb,
    /// A one-suit straight; ranks between 5- and 6-card bombs.
    StraightFlush,
    /// SB SB HR HR.
    FourKings,
}

impl Kind {
    /// All kinds in wire order.
    pub const ALL: [Kind; 10] = [
        Kind::Single,
        Kind::Pair,
        Kind::Trips,
        Kind::ThreeWithTwo,
        Kind::Straight,
        Kind::ThreePair,
        Kind::TwoTrips,
        Kind::Bomb,
        Kind::StraightFlush,
        Kind::FourKings,
    ];
    /// Wire name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Single => "Single",
            Kind::Pair => "Pair",
            Kind::Trips => "Trips",
            Kind::ThreeWithTwo => "ThreeWithTwo",
            Kind::Straight => "Straight",
            Kind::ThreePair => "ThreePair",
            Kind::TwoTrips => "TwoTrips",
            Kind::Bomb => "Bomb",
            Kind::StraightFlush => "StraightFlush",
            Kind::FourKings => "FourKings",
        }
    }
    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }
    /// True for the sequence types, whose key is the lowest card and which compare in natural order.
    pub fn is_sequence(self) -> bool {
        matches!(
            self,
            Kind::Straight | Kind::ThreePair | Kind::TwoTrips | Kind::StraightFlush
        )
    }
    /// True for bombs of any sort.
    pub fn is_bomb(self) -> bool {
        matches!(self, Kind::Bomb | Kind::StraightFlush | Kind::FourKings)
    }
}

/// A key: a natural rank (0..13), `B` (13), `R` (14) or `JOKER` (15).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Key(u8);

impl Key {
    /// Key of a small-joker single or pair.
    pub const SMALL_JOKER: Key = Key(13);
    /// Key of a big-joker single or pair.
    pub const BIG_JOKER: Key = Key(14);
    /// Key of four jokers.
    pub const JOKERS: Key = Key(15);
    /// The key of a natural rank.
    pub fn rank(r: Rank) -> Key {
        Key(r.index() as u8)
    }
    /// The natural rank, if any.
    pub fn as_rank(self) -> Option<Rank> {
        Rank::new(self.0)
    }
    /// Raw value 0..16.
    pub fn raw(self) -> u8 {
        self.0
    }
    /// Wire text.
    pub fn parse(s: &str) -> Option<Key> {
        match s {
            "B" => Some(Key::SMALL_JOKER),
            "R" => Some(Key::BIG_JOKER),
            "JOKER" => Some(Key::JOKERS),
            _ => crate::card::parse_rank(s).map(Key::rank),
        }
    }
    /// The sequence position of a sequence key: A (as the low end) = 0, 2 = 1, .., T = 9, .., K = 12.
    pub fn seq_start(self) -> usize {
        if self.0 == 12 {
            0
        } else {
            usize::from(self.0) + 1
        }
    }
    /// The key of a sequence starting at position `pos`.
    pub fn from_seq_start(pos: usize) -> Key {
        Key(seq_rank(pos).index() as u8)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Key::SMALL_JOKER => f.write_str("B"),
            Key::BIG_JOKER => f.write_str("R"),
            Key::JOKERS => f.write_str("JOKER"),
            k => write!(f, "{}", Rank::new(k.0).map_or('?', Rank::to_char)),
        }
    }
}

/// The natural rank at sequence position `pos` (0 = A low, 1 = 2, .., 12 = K, 13 = A high).
pub fn seq_rank(pos: usize) -> Rank {
    let i = if pos == 0 || pos == 13 { 12 } else { pos - 1 };
    Rank::new(i as u8).unwrap_or(Rank::ACE)
}

/// A sorted multiset of at most [`PLAY_CARDS_MAX`] cards, stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct CardSet {
    cards: [Card; PLAY_CARDS_MAX],
    len: u8,
}

impl Default for CardSet {
    fn default() -> Self {
        CardSet {
            cards: [Card::SMALL_JOKER; PLAY_CARDS_MAX],
            len: 0,
        }
    }
}

impl CardSet {
    /// Builds a sorted set; `None` when more than [`PLAY_CARDS_MAX`] cards are given.
    pub fn from_cards(cards: &[Card]) -> Option<CardSet> {
        if cards.len() > PLAY_CARDS_MAX {
            return None;
        }
        let mut s = CardSet::default();
        for &c in cards {
            s.push(c);
        }
        s.sort();
        Some(s)
    }
    pub(crate) fn push(&mut self, c: Card) {
        // The index check is the "at most ten cards" assertion (generation never exceeds it).
        self.cards[usize::from(self.len)] = c;
        self.len += 1;
    }
    pub(crate) fn extend(&mut self, cards: &[Card]) {
        let n = usize::from(self.len);
        // The slice bounds check is the "at most ten cards" assertion.
        self.cards[n..n + cards.len()].copy_from_slice(cards);
        self.len += cards.len() as u8;
    }
    pub(crate) fn sort(&mut self) {
        // Insertion sort by shifting: at most ten cards, usually sorted or nearly so.
        let n = usize::from(self.len);
        let a = &mut self.cards[..n];
        for i in 1..a.len() {
            let x = a[i];
            if a[i - 1] <= x {
                continue;
            }
            let mut j = i;
            while j > 0 && a[j - 1] > x {
                a[j] = a[j - 1];
                j -= 1;
            }
            a[j] = x;
        }
    }
    /// The cards, sorted.
    pub fn as_slice(&self) -> &[Card] {
        &self.cards[..usize::from(self.len)]
    }
    /// Number of cards.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A combination with its declared reading.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Play {
    /// Combination type.
    pub kind: Kind,
    /// Compared rank (see the module docs).
    pub key: Key,
    cards: CardSet,
}

impl Play {
    /// A play as declared. It is not checked here; see [`readings`] and [`Play::is_valid`].
    pub fn new(kind: Kind, key: Key, cards: CardSet) -> Play {
        Play { kind, key, cards }
    }
    /// The cards, sorted.
    pub fn cards(&self) -> &[Card] {
        self.cards.as_slice()
    }
    /// Number of cards.
    pub fn len(&self) -> usize {
        self.cards.len()
    }
    /// Never true for a valid play.
    pub fn is_empty(&self) -> bool {
        self.cards.is_empty()
    }
    /// True when the declared reading is one of the readings of the cards.
    pub fn is_valid(&self, level: Rank, rules: &Rules) -> bool {
        readings(self.cards(), level, rules).contains(&(self.kind, self.key))
    }
    /// Number of wild cards used.
    pub fn wilds(&self, level: Rank) -> usize {
        self.cards().iter().filter(|c| c.is_wild(level)).count()
    }
    /// True when `self` beats `top` (strictly; equal plays never beat).
    pub fn beats(&self, top: &Play, level: Rank, rules: &Rules) -> bool {
        shape_beats((self.kind, self.key, self.len() as u8), top, level, rules)
    }
}

/// True when a play of this (kind, key, size) beats `top`: what [`Play::beats`] decides, without cards.
pub fn shape_beats(shape: (Kind, Key, u8), top: &Play, level: Rank, rules: &Rules) -> bool {
    let (kind, key, size) = shape;
    let value = |kind: Kind, key: Key| {
        if kind.is_sequence() {
            key.seq_start() as u8
        } else {
            level_value(key, level)
        }
    };
    match (tier(kind, usize::from(size), rules), bomb_tier(top, rules)) {
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (Some(a), Some(b)) => a > b || (a == b && value(kind, key) > order_value(top, level)),
        (None, None) => {
            kind == top.kind
                && usize::from(size) == top.len()
                && value(kind, key) > order_value(top, level)
        }
    }
}

/// Rank in level order of a non-sequence key: naturals 0..13 with the level card lifted to 13, SB 14, HR 15.
pub fn level_value(key: Key, level: Rank) -> u8 {
    match key {
        Key::SMALL_JOKER => 14,
        Key::BIG_JOKER => 15,
        Key::JOKERS => 16,
        k if k.0 == level.index() as u8 => 13,
        k => k.0,
    }
}

/// Level-order value of a single card (wilds count as level cards).
pub fn card_value(c: Card, level: Rank) -> u8 {
    match c.rank() {
        Some(r) => level_value(Key::rank(r), level),
        None if c == Card::SMALL_JOKER => 14,
        None => 15,
    }
}

/// The value used to compare plays of the same type (and bombs of the same tier).
pub fn order_value(p: &Play, level: Rank) -> u8 {
    if p.kind.is_sequence() {
        p.key.seq_start() as u8
    } else {
        level_value(p.key, level)
    }
}

/// Place on the bomb ladder (doubled so the house-rule position of four jokers fits between 7 and 8 cards),
/// `None` for non-bombs: 4 < 5 < straight flush < 6 < 7 < 8 < 9 < 10 < four jokers.
pub fn bomb_tier(p: &Play, rules: &Rules) -> Option<u8> {
    tier(p.kind, p.len(), rules)
}

fn tier(kind: Kind, len: usize, rules: &Rules) -> Option<u8> {
    match kind {
        Kind::Bomb if len <= 5 => Some(if len == 4 { 0 } else { 2 }),
        Kind::Bomb => Some((len as u8 - 3) * 2),
        Kind::StraightFlush => Some(4),
        Kind::FourKings => Some(if rules.four_jokers_highest { 16 } else { 9 }),
        _ => None,
    }
}

/// A move in the play phase: a play or a pass.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Move {
    /// Pass (never legal when leading).
    Pass,
    /// A combination.
    Play(Play),
}

impl Serialize for Play {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.kind.name(), self.key.to_string(), self.cards()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Play {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Move::deserialize(d)? {
            Move::Play(p) => Ok(p),
            Move::Pass => Err(serde::de::Error::custom("expected a play, got PASS")),
        }
    }
}

impl Serialize for Move {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Move::Pass => ("PASS", "PASS", "PASS").serialize(s),
            Move::Play(p) => p.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Move {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        parse_move(&v).map_err(D::Error::custom)
    }
}

/// Parses a wire move `[type, key, [cards]]` or `["PASS","PASS","PASS"]` (the shape only, not legality).
pub fn parse_move(v: &serde_json::Value) -> Result<Move, String> {
    let arr = v
        .as_array()
        .filter(|a| a.len() == 3)
        .ok_or("a move is [type, key, cards]")?;
    let ty = arr[0].as_str().ok_or("move type must be a string")?;
    if ty == "PASS" {
        return Ok(Move::Pass);
    }
    let kind = Kind::parse(ty).ok_or_else(|| format!("unknown move type {ty:?}"))?;
    let key_s = arr[1].as_str().ok_or("move key must be a string")?;
    let key = Key::parse(key_s).ok_or_else(|| format!("unknown move key {key_s:?}"))?;
    let cards_v = arr[2].as_array().ok_or("move cards must be a list")?;
    let mut cards = Vec::with_capacity(cards_v.len());
    for c in cards_v {
        let s = c.as_str().ok_or("a card must be a string")?;
        cards.push(Card::parse(s).ok_or_else(|| format!("bad card {s:?}"))?);
    }
    let set = CardSet::from_cards(&cards).ok_or("a play has at most ten cards")?;
    Ok(Move::Play(Play::new(kind, key, set)))
}

/// Every reading `(kind, key)` of a selection of cards at `level`, in a fixed order, without duplicates.
pub fn readings(cards: &[Card], level: Rank, rules: &Rules) -> Vec<(Kind, Key)> {
    let mut out = Vec::new();
    let n = cards.len();
    if n == 0 || n > PLAY_CARDS_MAX {
        return out;
    }
    let mut nat = [0u8; RANK_COUNT];
    let (mut w, mut sb, mut hr) = (0u8, 0u8, 0u8);
    let mut suit_union = 0u8;
    for &c in cards {
        if c == Card::SMALL_JOKER {
            sb += 1;
        } else if c == Card::BIG_JOKER {
            hr += 1;
        } else if c.is_wild(level) {
            w += 1;
        } else if let (Some(r), Some(s)) = (c.rank(), c.suit()) {
            nat[r.index()] += 1;
            suit_union |= 1 << s.index();
        }
    }
    let jokers = sb + hr;
    let naturals = n as u8 - w - jokers;
    let distinct: Vec<usize> = (0..RANK_COUNT).filter(|&r| nat[r] > 0).collect();
    let single_rank = (distinct.len() == 1).then(|| distinct[0]);
    let rk = |r: usize| Key(r as u8);
    match n {
        1 => {
            if w == 1 {
                out.push((Kind::Single, Key::rank(level)));
            } else if sb == 1 {
                out.push((Kind::Single, Key::SMALL_JOKER));
            } else if hr == 1 {
                out.push((Kind::Single, Key::BIG_JOKER));
            } else if let Some(r) = single_rank {
                out.push((Kind::Single, rk(r)));
            }
        }
        2 => {
            if sb == 2 {
                out.push((Kind::Pair, Key::SMALL_JOKER));
            } else if hr == 2 {
                out.push((Kind::Pair, Key::BIG_JOKER));
            } else if jokers == 0 {
                if w == 2 {
                    out.push((Kind::Pair, Key::rank(level)));
                } else if let Some(r) = single_rank {
                    out.push((Kind::Pair, rk(r)));
                }
            }
        }
        3 => {
            if let (0, Some(r)) = (jokers, single_rank) {
                out.push((Kind::Trips, rk(r)));
            }
        }
        _ => {}
    }
    if n >= 4 {
        if let (0, Some(r)) = (jokers, single_rank) {
            out.push((Kind::Bomb, rk(r)));
        }
        if n == 4 && sb == 2 && hr == 2 {
            out.push((Kind::FourKings, Key::JOKERS));
        }
    }
    if n == 5 {
        // Full houses: a triple of t and a pair of p != t (a natural rank or a joker pair).
        if jokers == 0 {
            for t in 0..RANK_COUNT {
                if nat[t] == 0 || nat[t] > 3 {
                    continue;
                }
                for p in 0..RANK_COUNT {
                    if p == t || nat[p] > 2 {
                        continue;
                    }
                    // A pair made only of wilds reads as a pair of level cards.
                    if nat[p] == 0 && p != level.index() {
                        continue;
                    }
                    if nat[t] + nat[p] != naturals {
                        continue;
                    }
                    if (3 - nat[t]) + (2 - nat[p]) == w {
                        out.push((Kind::ThreeWithTwo, rk(t)));
                        break;
                    }
                }
            }
        } else if rules.joker_pair_full_house
            && jokers == 2
            && (sb == 2 || hr == 2)
            && let Some(t) = single_rank
            && nat[t] + w == 3
        {
            out.push((Kind::ThreeWithTwo, rk(t)));
        }
        // Straights and straight flushes.
        if jokers == 0 {
            for start in 0..=9 {
                if window_fits(&nat, start, 5, 1, naturals) {
                    let one_suit = suit_union.count_ones() == 1;
                    let key = Key::from_seq_start(start);
                    // A wild is physically a heart: a run whose cards are all hearts stays a flush.
                    let hearts_only = suit_union == 1 << Suit::H.index();
                    if !one_suit || (w > 0 && rules.wild_flush_as_straight && !hearts_only) {
                        out.push((Kind::Straight, key));
                    }
                    if one_suit {
                        out.push((Kind::StraightFlush, key));
                    }
                }
            }
        }
    }
    if n == 6 && jokers == 0 {
        for start in 0..=11 {
            if window_fits(&nat, start, 3, 2, naturals) {
                out.push((Kind::ThreePair, Key::from_seq_start(start)));
            }
        }
        for start in 0..=12 {
            if window_fits(&nat, start, 2, 3, naturals) {
                out.push((Kind::TwoTrips, Key::from_seq_start(start)));
            }
        }
    }
    out
}

/// True when all naturals lie in the window of `width` positions from `start`, at most `per` per rank.
/// Wilds fill the rest, so the count check is implied by the card total.
fn window_fits(nat: &[u8; RANK_COUNT], start: usize, width: usize, per: u8, naturals: u8) -> bool {
    let mut inside = 0u8;
    for pos in start..start + width {
        let c = nat[seq_rank(pos).index()];
        if c > per {
            return false;
        }
        inside += c;
    }
    inside == naturals
}
