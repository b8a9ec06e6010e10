//! Cards from the byte stream: `floor(f * 52)` into the deck ordered rank-major 2..A, suits D H S C.
//!
//! Index 0 = D2, 1 = H2, 2 = S2, 3 = C2, 4 = D3, …, 51 = CA. Every draw is independent (an
//! "infinite deck"), as in the verifiers HiLo and Blackjack are checked with.

use fair::{ByteStream, IndexMode};
use serde::{Deserialize, Serialize};

/// Cards in the deck the index maps into.
pub const DECK_CARDS: u32 = 52;

/// Ranks per suit.
pub const RANKS: u8 = 13;

/// Cards drawn at bet time by HiLo and Blackjack (and the most `fair outcome` prints).
pub const CARDS_PER_ROUND: usize = 52;

const SUITS: [char; 4] = ['D', 'H', 'S', 'C'];
const RANK_CHARS: [char; 13] = [
    '2', '3', '4', '5', '6', '7', '8', '9', 'T', 'J', 'Q', 'K', 'A',
];

/// One card, by its index in the rank-major deck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Card(u8);

impl Card {
    /// The card at `index` (0..52); `None` past the deck.
    pub fn new(index: u8) -> Option<Card> {
        (u32::from(index) < DECK_CARDS).then_some(Card(index))
    }

    pub fn index(self) -> u8 {
        self.0
    }

    /// Rank 0 = two … 12 = ace.
    pub fn rank(self) -> u8 {
        self.0 / 4
    }

    /// Two-letter code: suit letter then rank (`"DQ"`, `"SK"`, `"HT"`).
    pub fn code(self) -> String {
        let suit = SUITS[usize::from(self.0 % 4)];
        let rank = RANK_CHARS[usize::from(self.rank())];
        format!("{suit}{rank}")
    }

    /// Blackjack value: 2..10 for pips and faces, 11 for an ace (softened by the hand).
    pub fn blackjack_value(self) -> u8 {
        match self.rank() {
            12 => 11,
            r @ 0..=8 => r + 2,
            _ => 10,
        }
    }
}

/// The next card from the stream.
pub fn draw(stream: &mut ByteStream, mode: IndexMode) -> Card {
    let index = stream.index(DECK_CARDS, mode);
    Card(index as u8)
}

/// `count` cards in draw order.
pub fn draw_many(stream: &mut ByteStream, mode: IndexMode, count: usize) -> Vec<Card> {
    (0..count).map(|_| draw(stream, mode)).collect()
}
