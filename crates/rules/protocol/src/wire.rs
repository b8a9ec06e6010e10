//! Wire value types owned by the protocol: cards as codes (`H5`, `SB`, `HR`), plays as the AI-competition
//! tuples `[type, key, [cards]]`, seats as numbers 0..3, and validated identifiers. They convert from and to
//! `guandan` types, so the JSON stays stable whatever the engine's internals become.

use crate::limits::{
    REQUEST_ID_BYTES_MAX, ROOM_CODE_ALPHABET, ROOM_CODE_CHARS, TABLE_ID_BYTES_MAX,
    USER_ID_BYTES_MAX,
};
use guandan::combo::CardSet;
use guandan::{Card, Key, Kind, Move, Play, Seat};
use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// Why a wire value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Not a card code (`S H C D` + `A 2..9 T J Q K`, or `SB` / `HR`).
    #[error("{0:?} is not a card code")]
    BadCard(String),
    /// Not a combination type name.
    #[error("{0:?} is not a combination type")]
    BadKind(String),
    /// Not a combination key.
    #[error("{0:?} is not a combination key")]
    BadKey(String),
    /// A play lists no cards or more than ten.
    #[error("a play has 1 to 10 cards, not {0}")]
    BadPlaySize(usize),
    /// A seat outside 0..3.
    #[error("seat {0} is not in 0..3")]
    BadSeat(u64),
    /// An identifier of the wrong length or alphabet.
    #[error("{what} must be {rule}")]
    BadId {
        /// Which identifier.
        what: &'static str,
        /// The rule it breaks, as a phrase.
        rule: &'static str,
    },
}

/// A card as its wire code: suit `S H C D` then rank `2..9 T J Q K A`; jokers `SB` (small), `HR` (big).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, TS)]
#[ts(type = "string")]
pub struct CardCode(pub Card);

impl From<Card> for CardCode {
    fn from(c: Card) -> Self {
        CardCode(c)
    }
}

impl From<CardCode> for Card {
    fn from(c: CardCode) -> Self {
        c.0
    }
}

impl std::str::FromStr for CardCode {
    type Err = WireError;
    fn from_str(s: &str) -> Result<Self, WireError> {
        Card::parse(s)
            .map(CardCode)
            .ok_or_else(|| WireError::BadCard(clip(s)))
    }
}

impl fmt::Display for CardCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // guandan's Display is the competition code; the snapshot tests pin it, so a change there shows.
        write!(f, "{}", self.0)
    }
}

impl Serialize for CardCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CardCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A play as the AI-competition tuple `[type, key, [cards]]`, e.g. `["Pair", "5", ["H5", "S5"]]`: the
/// cards and the declared reading (type and key), since wild cards make some selections ambiguous.
/// Deserialising checks the shape only; whether the reading fits the cards is the engine's decision.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, TS)]
#[ts(type = "[string, string, Array<string>]")]
pub struct WirePlay(pub Play);

impl From<Play> for WirePlay {
    fn from(p: Play) -> Self {
        WirePlay(p)
    }
}

impl From<WirePlay> for Play {
    fn from(p: WirePlay) -> Self {
        p.0
    }
}

impl WirePlay {
    /// Builds a play from its wire parts.
    pub fn from_parts(kind: &str, key: &str, cards: &[CardCode]) -> Result<WirePlay, WireError> {
        let kind = Kind::parse(kind).ok_or_else(|| WireError::BadKind(clip(kind)))?;
        let key = Key::parse(key).ok_or_else(|| WireError::BadKey(clip(key)))?;
        if cards.is_empty() {
            return Err(WireError::BadPlaySize(0));
        }
        let cards: Vec<Card> = cards.iter().map(|c| c.0).collect();
        let set = CardSet::from_cards(&cards).ok_or(WireError::BadPlaySize(cards.len()))?;
        Ok(WirePlay(Play::new(kind, key, set)))
    }
}

impl Serialize for WirePlay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let cards: Vec<CardCode> = self.0.cards().iter().copied().map(CardCode).collect();
        (self.0.kind.name(), self.0.key.to_string(), cards).serialize(s)
    }
}

impl<'de> Deserialize<'de> for WirePlay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A fixed-size tuple refuses longer lists before reading them; card lists are bounded by the frame.
        let (kind, key, cards) = <(String, String, Vec<CardCode>)>::deserialize(d)?;
        WirePlay::from_parts(&kind, &key, &cards).map_err(serde::de::Error::custom)
    }
}

/// A play-phase move as the AI-competition tuple: a [`WirePlay`] or `["PASS", "PASS", "PASS"]`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, TS)]
#[ts(type = "[\"PASS\", \"PASS\", \"PASS\"] | [string, string, Array<string>]")]
pub struct WireMove(pub Move);

impl From<Move> for WireMove {
    fn from(m: Move) -> Self {
        WireMove(m)
    }
}

impl From<WireMove> for Move {
    fn from(m: WireMove) -> Self {
        m.0
    }
}

impl Serialize for WireMove {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Move::Pass => ("PASS", "PASS", "PASS").serialize(s),
            Move::Play(p) => WirePlay(p).serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for WireMove {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        if v == serde_json::json!(["PASS", "PASS", "PASS"]) {
            return Ok(WireMove(Move::Pass));
        }
        let p: WirePlay = serde_json::from_value(v).map_err(serde::de::Error::custom)?;
        Ok(WireMove(Move::Play(p.0)))
    }
}

/// A seat number 0..3; partners sit opposite (0 & 2 are team 0, 1 & 3 team 1); play passes to seat + 1.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, TS)]
#[ts(type = "number")]
pub struct WireSeat(pub Seat);

impl From<Seat> for WireSeat {
    fn from(s: Seat) -> Self {
        WireSeat(s)
    }
}

impl From<WireSeat> for Seat {
    fn from(s: WireSeat) -> Self {
        s.0
    }
}

impl TryFrom<u64> for WireSeat {
    type Error = WireError;
    fn try_from(v: u64) -> Result<Self, WireError> {
        u8::try_from(v)
            .ok()
            .and_then(Seat::new)
            .map(WireSeat)
            .ok_or(WireError::BadSeat(v))
    }
}

impl Serialize for WireSeat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(u8::from(self.0))
    }
}

impl<'de> Deserialize<'de> for WireSeat {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u64::deserialize(d)?;
        WireSeat::try_from(v).map_err(serde::de::Error::custom)
    }
}

/// Defines a validated string identifier: deserialising validates, TypeScript sees `string`.
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $rule:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, TS)]
        #[ts(type = "string")]
        pub struct $name(String);

        impl $name {
            /// Validates `s`.
            pub fn new(s: impl Into<String>) -> Result<$name, WireError> {
                let s = s.into();
                let check: fn(&str) -> bool = $check;
                if check(&s) {
                    Ok($name(s))
                } else {
                    Err(WireError::BadId { what: $what, rule: $rule })
                }
            }
            /// The identifier text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = WireError;
            fn try_from(s: String) -> Result<Self, WireError> {
                $name::new(s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::new(s.into_owned()).map_err(serde::de::Error::custom)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A client-chosen request id, echoed in the reply: 1 to `REQUEST_ID_BYTES_MAX` printable ASCII bytes.
    RequestId,
    "id",
    "1 to 64 printable ASCII characters",
    |s| !s.is_empty() && s.len() <= REQUEST_ID_BYTES_MAX && s.bytes().all(|b| b.is_ascii_graphic())
);

string_id!(
    /// A table id chosen by the server: 1 to `TABLE_ID_BYTES_MAX` bytes of `[A-Za-z0-9_-]`.
    TableId,
    "table_id",
    "1 to 32 characters of A-Z, a-z, 0-9, _ and -",
    |s| !s.is_empty()
        && s.len() <= TABLE_ID_BYTES_MAX
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
);

string_id!(
    /// A private-room code: `ROOM_CODE_CHARS` characters from `ROOM_CODE_ALPHABET`.
    RoomCode,
    "code",
    "6 characters of 23456789ABCDEFGHJKMNPQRSTUVWXYZ",
    |s| s.len() == ROOM_CODE_CHARS && s.bytes().all(|b| ROOM_CODE_ALPHABET.as_bytes().contains(&b))
);

string_id!(
    /// A user id as decimal digits (a string, so JavaScript keeps all 64 bits).
    UserId,
    "user_id",
    "1 to 20 decimal digits",
    |s| !s.is_empty() && s.len() <= USER_ID_BYTES_MAX && s.bytes().all(|b| b.is_ascii_digit())
);

/// The start of an untrusted string for an error message (at most 16 characters).
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(16).collect()
}
