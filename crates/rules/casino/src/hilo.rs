//! HiLo: guess whether the next card's rank is higher, lower or the same, or skip it; every
//! correct guess multiplies the win by `0.99 / P(guess)`; cash out after at least one.
//!
//! All 52 cards are drawn at bet time from cursor 0 (`floor(f * 52)` each, independent draws), so
//! no action can change a future card. Ranks are equally likely (4 of the 52 indices each), so
//! from rank `r` (0 = two … 12 = ace) `P(higher) = (12 - r) / 13`, `P(lower) = r / 13`,
//! `P(same) = 1 / 13`. Each step's multiplier `99 * 13 / (100 * count)` is applied to the running
//! multiplier and rounded down to the scale at every step, so each guess returns 99% (less that
//! rounding) of what was at stake, whatever the strategy.

use fair::{ByteStream, IndexMode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::cards::{self, CARDS_PER_ROUND, Card, RANKS};
use crate::{GameError, Multiplier, Ratio};

/// Largest running multiplier: reaching it cashes the round out (keeps payouts bounded).
pub const MULTIPLIER_MAX: Multiplier = Multiplier::from_hundredths(100_000_000);

/// A guess about the next card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Guess {
    Higher,
    Lower,
    Same,
    /// Move to the next card without betting on it.
    Skip,
}

/// A player action on an open round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum HiloAction {
    Guess { guess: Guess },
    CashOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum HiloState {
    Open,
    /// A wrong guess: the stake is lost.
    Lost,
    CashedOut,
    /// Settled idle (or the deck ran out) before any correct guess: the stake is returned.
    Refunded,
}

/// One HiLo round, persisted between actions. `cards[position + 1..]` is secret while open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiloRound {
    pub stake_minor: u64,
    pub cards: Vec<Card>,
    /// Index in `cards` of the card showing.
    pub position: usize,
    /// Running multiplier (1.0 before the first correct guess).
    pub multiplier: Multiplier,
    pub correct_guesses: u32,
    pub state: HiloState,
}

/// Number of ranks (out of 13) that make `guess` right from rank `rank`.
pub fn winning_ranks(rank: u8, guess: Guess) -> u8 {
    match guess {
        Guess::Higher => RANKS - 1 - rank,
        Guess::Lower => rank,
        Guess::Same => 1,
        Guess::Skip => RANKS,
    }
}

/// `0.99 / P(guess)` = `99 * 13 / (100 * count)`, rounded down.
pub fn step_multiplier(count: u8) -> Multiplier {
    Multiplier::from_ratio(99 * u128::from(RANKS), 100 * u128::from(count.max(1)))
}

/// Exact RTP of one `guess` from `rank` then cashing out; `None` if the guess cannot win.
pub fn rtp(rank: u8, guess: Guess) -> Option<Ratio> {
    let count = winning_ranks(rank, guess);
    if count == 0 || guess == Guess::Skip {
        return None;
    }
    let p = Ratio::new(u128::from(count), u128::from(RANKS));
    Some(p.times(crate::dice::multiplier_ratio(step_multiplier(count))))
}

/// The lowest and the highest exact RTP of one guess over every card and every guess that can
/// win (a single guess, then cashing out). The catalogue publishes them.
pub fn rtp_bounds() -> (Ratio, Ratio) {
    let all = (0..RANKS).flat_map(|rank| {
        [Guess::Higher, Guess::Lower, Guess::Same]
            .into_iter()
            .filter_map(move |g| rtp(rank, g))
    });
    crate::mines::bounds(all)
}

fn guess_wins(current: Card, next: Card, guess: Guess) -> bool {
    match guess {
        Guess::Higher => next.rank() > current.rank(),
        Guess::Lower => next.rank() < current.rank(),
        Guess::Same => next.rank() == current.rank(),
        Guess::Skip => true,
    }
}

impl HiloRound {
    /// Starts a round: all 52 cards are drawn now; card 0 is the first card shown.
    pub fn start(
        stream: &mut ByteStream,
        mode: IndexMode,
        stake_minor: u64,
    ) -> Result<HiloRound, GameError> {
        if stake_minor == 0 {
            return Err(GameError::ZeroStake);
        }
        Ok(HiloRound {
            stake_minor,
            cards: cards::draw_many(stream, mode, CARDS_PER_ROUND),
            position: 0,
            multiplier: Multiplier::ONE,
            correct_guesses: 0,
            state: HiloState::Open,
        })
    }

    pub fn is_open(&self) -> bool {
        self.state == HiloState::Open
    }

    /// The card showing.
    pub fn current(&self) -> Card {
        self.cards[self.position.min(self.cards.len() - 1)]
    }

    /// Applies one action; the round is unchanged on error.
    pub fn apply(&self, action: HiloAction) -> Result<HiloRound, GameError> {
        if !self.is_open() {
            return Err(GameError::RoundOver);
        }
        let mut next = self.clone();
        match action {
            HiloAction::CashOut => {
                if self.correct_guesses == 0 {
                    return Err(GameError::ActionNotAllowed(
                        "cash out needs at least one correct guess",
                    ));
                }
                next.state = HiloState::CashedOut;
            }
            HiloAction::Guess { guess } => {
                let count = winning_ranks(self.current().rank(), guess);
                if count == 0 {
                    return Err(GameError::ActionNotAllowed(
                        "that guess cannot win from this card",
                    ));
                }
                let Some(&drawn) = self.cards.get(self.position + 1) else {
                    return Err(GameError::ActionNotAllowed("no card left to guess"));
                };
                next.position += 1;
                if guess != Guess::Skip {
                    if guess_wins(self.current(), drawn, guess) {
                        next.correct_guesses += 1;
                        next.multiplier = self.multiplier.times(step_multiplier(count));
                        if next.multiplier >= MULTIPLIER_MAX {
                            next.multiplier = MULTIPLIER_MAX;
                            next.state = HiloState::CashedOut;
                        }
                    } else {
                        next.state = HiloState::Lost;
                    }
                }
                if next.is_open() && next.position + 1 == next.cards.len() {
                    // The deck is exhausted: nothing left to guess, settle as idle.
                    next = next.settle_idle();
                }
            }
        }
        Ok(next)
    }

    /// The published idle rule: cash out, or refund if no guess was right yet.
    pub fn settle_idle(&self) -> HiloRound {
        let mut next = self.clone();
        if self.is_open() {
            next.state = if self.correct_guesses == 0 {
                HiloState::Refunded
            } else {
                HiloState::CashedOut
            };
        }
        next
    }

    /// The payout once the round is over; `None` while it is open.
    pub fn payout_minor(&self) -> Option<Result<u64, GameError>> {
        let multiplier = match self.state {
            HiloState::Open => return None,
            HiloState::Lost => Multiplier::ZERO,
            HiloState::Refunded => Multiplier::ONE,
            HiloState::CashedOut => self.multiplier,
        };
        Some(multiplier.payout(self.stake_minor))
    }

    /// What the player may see: the cards dealt so far (all 52 once the round is over).
    pub fn view(&self) -> Value {
        let shown = if self.is_open() {
            &self.cards[..=self.position]
        } else {
            &self.cards[..]
        };
        let mut view = json!({
            "stake_minor": self.stake_minor,
            "cards": shown.iter().map(|c| c.code()).collect::<Vec<_>>(),
            "position": self.position,
            "multiplier": self.multiplier.to_decimal(),
            "correct_guesses": self.correct_guesses,
            "state": self.state,
        });
        if self.is_open() {
            // The payout preview: the multiplier each guess would reach if right (null: cannot win).
            let rank = self.current().rank();
            let next = |guess| {
                let count = winning_ranks(rank, guess);
                (count > 0).then(|| {
                    self.multiplier
                        .times(step_multiplier(count))
                        .min(MULTIPLIER_MAX)
                        .to_decimal()
                })
            };
            view["next_multipliers"] = json!({
                "higher": next(Guess::Higher),
                "lower": next(Guess::Lower),
                "same": next(Guess::Same),
            });
        }
        view
    }
}
