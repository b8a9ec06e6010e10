//! Blackjack on the provably fair stream, as a pure state machine of player actions.
//!
//! Rules (also in docs/fairness.md): every card is an independent `floor(f * 52)` draw (infinite
//! deck), 52 of them drawn at bet time from cursor 0 and dealt in order: player, dealer up-card,
//! player, dealer hole card, then hits in the order play asks for them. Dealer stands on all 17s
//! and peeks for blackjack under an ace or a ten-value up-card. Blackjack pays 3:2 (2.5x
//! returned); a push returns the stake. Insurance (half the stake, pays 2:1) is offered under an ace
//! before any other decision. Double on any first two cards (one more card, stake doubled),
//! including after a split; split once on two cards of the same rank; split aces receive one card
//! each; 21 on a split hand is not blackjack. If the 52 cards ever run out (astronomically
//! unlikely) every unfinished hand, and the dealer, stands. Idle rounds are settled by standing.

use fair::{ByteStream, IndexMode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::cards::{self, CARDS_PER_ROUND, Card};
use crate::{GameError, Multiplier};

/// A player action on an open round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum BlackjackAction {
    Hit,
    Stand,
    Double,
    Split,
    /// Answer to the insurance offer (only while it is pending).
    Insurance {
        take: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The dealer shows an ace: the player must take or decline insurance first.
    InsuranceOffered,
    PlayerTurn,
    Finished,
}

/// How one hand ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandResult {
    Blackjack,
    Win,
    Push,
    Lose,
}

impl HandResult {
    /// Return on the hand's stake, stake included.
    pub fn multiplier(self) -> Multiplier {
        match self {
            HandResult::Blackjack => Multiplier::from_hundredths(250),
            HandResult::Win => Multiplier::from_hundredths(200),
            HandResult::Push => Multiplier::ONE,
            HandResult::Lose => Multiplier::ZERO,
        }
    }
}

/// One player hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hand {
    pub cards: Vec<Card>,
    pub stake_minor: u64,
    pub from_split: bool,
    pub doubled: bool,
    /// No more cards will be dealt to this hand.
    pub done: bool,
    pub result: Option<HandResult>,
}

/// One blackjack round, persisted between actions. Undealt cards are secret while it is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlackjackRound {
    pub cards: Vec<Card>,
    /// Index in `cards` of the next card to deal.
    pub next_card: usize,
    pub dealer: Vec<Card>,
    pub hands: Vec<Hand>,
    /// Index of the hand being played.
    pub active: usize,
    /// Stake of the insurance side bet, if taken.
    pub insurance_minor: Option<u64>,
    pub phase: Phase,
}

/// `(total, soft)`: aces count 11 unless that busts; `soft` when one still does.
pub fn hand_value(cards: &[Card]) -> (u8, bool) {
    let mut total: u32 = cards.iter().map(|c| u32::from(c.blackjack_value())).sum();
    let mut soft_aces = cards.iter().filter(|c| c.rank() == 12).count();
    while total > 21 && soft_aces > 0 {
        total -= 10;
        soft_aces -= 1;
    }
    (total.min(255) as u8, soft_aces > 0)
}

fn is_blackjack(cards: &[Card]) -> bool {
    cards.len() == 2 && hand_value(cards).0 == 21
}

fn is_ten_or_ace(card: Card) -> bool {
    card.blackjack_value() >= 10
}

impl BlackjackRound {
    /// Deals a round: draws all 52 cards now and deals the first four.
    pub fn start(
        stream: &mut ByteStream,
        mode: IndexMode,
        stake_minor: u64,
    ) -> Result<BlackjackRound, GameError> {
        if stake_minor == 0 {
            return Err(GameError::ZeroStake);
        }
        let cards = cards::draw_many(stream, mode, CARDS_PER_ROUND);
        let hand = Hand {
            cards: vec![cards[0], cards[2]],
            stake_minor,
            from_split: false,
            doubled: false,
            done: false,
            result: None,
        };
        let mut round = BlackjackRound {
            dealer: vec![cards[1], cards[3]],
            cards,
            next_card: 4,
            hands: vec![hand],
            active: 0,
            insurance_minor: None,
            phase: Phase::PlayerTurn,
        };
        if round.dealer[0].rank() == 12 {
            round.phase = Phase::InsuranceOffered;
        } else {
            round.after_insurance();
        }
        Ok(round)
    }

    pub fn is_open(&self) -> bool {
        self.phase != Phase::Finished
    }

    /// Everything the player has staked so far (main hands, doubles, splits, insurance); the
    /// server debits the growth of this after each action.
    pub fn staked_minor(&self) -> u64 {
        let hands: u64 = self.hands.iter().map(|h| h.stake_minor).sum();
        hands + self.insurance_minor.unwrap_or(0)
    }

    /// Applies one action; the round is unchanged on error.
    pub fn apply(&self, action: BlackjackAction) -> Result<BlackjackRound, GameError> {
        let mut next = self.clone();
        match (self.phase, action) {
            (Phase::Finished, _) => return Err(GameError::RoundOver),
            (Phase::InsuranceOffered, BlackjackAction::Insurance { take }) => {
                if take {
                    next.insurance_minor = Some(self.hands[0].stake_minor / 2);
                }
                next.after_insurance();
            }
            (Phase::InsuranceOffered, _) => {
                return Err(GameError::ActionNotAllowed(
                    "take or decline insurance first",
                ));
            }
            (Phase::PlayerTurn, BlackjackAction::Insurance { .. }) => {
                return Err(GameError::ActionNotAllowed(
                    "insurance is only offered under an ace, first",
                ));
            }
            (Phase::PlayerTurn, BlackjackAction::Stand) => next.finish_hand(),
            (Phase::PlayerTurn, BlackjackAction::Hit) => {
                let card = next.deal();
                let hand = &mut next.hands[next.active];
                match card {
                    Some(card) => hand.cards.push(card),
                    None => hand.done = true,
                }
                if hand_value(&hand.cards).0 >= 21 || hand.done {
                    next.finish_hand();
                }
            }
            (Phase::PlayerTurn, BlackjackAction::Double) => {
                let hand = &self.hands[self.active];
                if hand.cards.len() != 2 || (hand.from_split && hand.cards[0].rank() == 12) {
                    return Err(GameError::ActionNotAllowed(
                        "double only on the first two cards of a hand",
                    ));
                }
                let card = next.deal();
                let hand = &mut next.hands[next.active];
                hand.stake_minor = hand
                    .stake_minor
                    .checked_mul(2)
                    .ok_or(GameError::PayoutOverflow)?;
                hand.doubled = true;
                hand.cards.extend(card);
                next.finish_hand();
            }
            (Phase::PlayerTurn, BlackjackAction::Split) => {
                let hand = &self.hands[self.active];
                let splittable = self.hands.len() == 1
                    && hand.cards.len() == 2
                    && hand.cards[0].rank() == hand.cards[1].rank();
                if !splittable {
                    return Err(GameError::ActionNotAllowed(
                        "split only a first pair of equal rank, once",
                    ));
                }
                let aces = hand.cards[0].rank() == 12;
                let stake = hand.stake_minor;
                let mut hands = Vec::with_capacity(2);
                for &first in &hand.cards {
                    let mut cards = vec![first];
                    cards.extend(next.deal());
                    hands.push(Hand {
                        cards,
                        stake_minor: stake,
                        from_split: true,
                        doubled: false,
                        done: aces,
                        result: None,
                    });
                }
                next.hands = hands;
                next.active = 0;
                if aces {
                    next.active = next.hands.len();
                    next.dealer_plays();
                } else if hand_value(&next.hands[0].cards).0 == 21 {
                    next.finish_hand();
                }
            }
        }
        debug_assert!(
            next.next_card <= next.cards.len(),
            "never deals past the cards drawn at bet time"
        );
        Ok(next)
    }

    /// The published idle rule: decline insurance, then stand on every remaining hand.
    pub fn settle_idle(&self) -> BlackjackRound {
        let mut round = self.clone();
        if round.phase == Phase::InsuranceOffered {
            round.after_insurance();
        }
        // Each stand finishes one hand; there are at most two.
        for _ in 0..2 {
            if round.phase == Phase::PlayerTurn {
                round.finish_hand();
            }
        }
        debug_assert!(
            !round.is_open(),
            "standing on every hand finishes the round"
        );
        round
    }

    /// Total returned once the round is over (hands and insurance); `None` while it is open.
    pub fn payout_minor(&self) -> Option<Result<u64, GameError>> {
        if self.is_open() {
            return None;
        }
        let total = self.hands.iter().try_fold(0u64, |sum, hand| {
            let won = hand
                .result
                .unwrap_or(HandResult::Lose)
                .multiplier()
                .payout(hand.stake_minor)?;
            sum.checked_add(won).ok_or(GameError::PayoutOverflow)
        });
        let insurance = match self.insurance_minor {
            Some(stake) if is_blackjack(&self.dealer) => {
                stake.checked_mul(3).ok_or(GameError::PayoutOverflow)
            }
            _ => Ok(0),
        };
        Some(total.and_then(|t| t.checked_add(insurance?).ok_or(GameError::PayoutOverflow)))
    }

    /// What the player may see: the dealer's hole card only once the round is over.
    pub fn view(&self) -> Value {
        let dealer = if self.is_open() {
            &self.dealer[..1]
        } else {
            &self.dealer[..]
        };
        let codes = |cards: &[Card]| cards.iter().map(|c| c.code()).collect::<Vec<_>>();
        json!({
            "dealer": codes(dealer),
            "hands": self.hands.iter().map(|h| json!({
                "cards": codes(&h.cards),
                "total": hand_value(&h.cards).0,
                "stake_minor": h.stake_minor,
                "doubled": h.doubled,
                "result": h.result,
            })).collect::<Vec<_>>(),
            "active": self.active,
            "insurance_minor": self.insurance_minor,
            "staked_minor": self.staked_minor(),
            "phase": self.phase,
        })
    }

    fn deal(&mut self) -> Option<Card> {
        let card = self.cards.get(self.next_card).copied();
        if card.is_some() {
            self.next_card += 1;
        }
        card
    }

    /// After the insurance decision (or when none was offered): peek, then natural checks.
    fn after_insurance(&mut self) {
        self.phase = Phase::PlayerTurn;
        let dealer_bj = is_ten_or_ace(self.dealer[0]) && is_blackjack(&self.dealer);
        let player_bj = is_blackjack(&self.hands[0].cards);
        if dealer_bj || player_bj {
            self.hands[0].done = true;
            self.active = self.hands.len();
            self.settle();
        }
    }

    fn finish_hand(&mut self) {
        if let Some(hand) = self.hands.get_mut(self.active) {
            hand.done = true;
        }
        self.active += 1;
        // A split hand dealt 21 on its second card needs no decision.
        while self.active < self.hands.len() && hand_value(&self.hands[self.active].cards).0 == 21 {
            self.hands[self.active].done = true;
            self.active += 1;
        }
        if self.active >= self.hands.len() {
            self.dealer_plays();
        }
    }

    fn dealer_plays(&mut self) {
        let any_live = self.hands.iter().any(|h| hand_value(&h.cards).0 <= 21);
        if any_live {
            while hand_value(&self.dealer).0 < 17 {
                match self.deal() {
                    Some(card) => self.dealer.push(card),
                    None => break,
                }
            }
        }
        self.settle();
    }

    fn settle(&mut self) {
        let dealer_bj = is_blackjack(&self.dealer);
        let dealer = hand_value(&self.dealer).0;
        let single = self.hands.len() == 1;
        for hand in &mut self.hands {
            let player = hand_value(&hand.cards).0;
            let natural = single && !hand.from_split && is_blackjack(&hand.cards);
            hand.result = Some(if natural && dealer_bj {
                HandResult::Push
            } else if natural {
                HandResult::Blackjack
            } else if dealer_bj || player > 21 {
                HandResult::Lose
            } else if dealer > 21 || player > dealer {
                HandResult::Win
            } else if player == dealer {
                HandResult::Push
            } else {
                HandResult::Lose
            });
            hand.done = true;
        }
        self.phase = Phase::Finished;
    }
}
