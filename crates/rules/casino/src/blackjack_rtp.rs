//! The exact RTP of our blackjack rules under the EV-maximising (total-dependent) strategy.
//!
//! Blackjack's return depends on how the player plays, so "its RTP" is the return of the best
//! strategy. With independent `floor(f * 52)` cards (an infinite deck) every rank has probability
//! exactly 1/13, so the dealer's final-total distribution and the player's hit / stand / double /
//! split values follow from finite recursions: `f64` sums over exact probabilities, no sampling.
//! Insurance is never taken (it returns `3 * 4/13 < 1`). The strategy the recursion finds is also
//! exposed ([`BlackjackStrategy::action`]) so tests can play it through the state machine and check
//! that the simulated return agrees with the computed one.

use crate::blackjack::{BlackjackAction, BlackjackRound, Phase, hand_value};
use crate::cards::{Card, RANKS};

/// Probability of each rank (2..A) on every draw.
const P_RANK: f64 = 1.0 / RANKS as f64;

/// Dealer outcomes: index 0..=4 = final 17..=21, 5 = bust.
type DealerDist = [f64; 6];

/// Values of every decision under our rules, per dealer up-card rank.
#[derive(Debug, Clone)]
pub struct BlackjackStrategy {
    /// Dealer distribution given the up-card rank, conditioned on no dealer blackjack.
    dealer: Vec<DealerDist>,
    /// Memoised value of the best play (hit or stand, no double) per (up rank, total, soft).
    play: Vec<[[Option<f64>; 2]; 32]>,
}

/// The player's options on a hand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Values {
    pub stand: f64,
    pub hit: f64,
    pub double: Option<f64>,
    pub split: Option<f64>,
}

impl Values {
    fn best(self) -> (BlackjackAction, f64) {
        let mut best = (BlackjackAction::Stand, self.stand);
        if self.hit > best.1 {
            best = (BlackjackAction::Hit, self.hit);
        }
        if let Some(d) = self.double.filter(|&d| d > best.1) {
            best = (BlackjackAction::Double, d);
        }
        if let Some(s) = self.split.filter(|&s| s > best.1) {
            best = (BlackjackAction::Split, s);
        }
        best
    }
}

fn value(rank: usize) -> u8 {
    match rank {
        12 => 11,
        r @ 0..=8 => r as u8 + 2,
        _ => 10,
    }
}

/// Adds a card to `(total, soft)` where `soft` means an ace still counts 11.
fn add(total: u8, soft: bool, rank: usize) -> (u8, bool) {
    let mut t = total + value(rank);
    let mut soft_aces = u8::from(soft) + u8::from(rank == 12);
    while t > 21 && soft_aces > 0 {
        t -= 10;
        soft_aces -= 1;
    }
    (t, soft_aces > 0)
}

fn dealer_from(total: u8, soft: bool) -> DealerDist {
    let mut dist = [0.0; 6];
    if total > 21 {
        dist[5] = 1.0;
    } else if total >= 17 {
        dist[usize::from(total - 17)] = 1.0;
    } else {
        for rank in 0..usize::from(RANKS) {
            let (t, s) = add(total, soft, rank);
            let sub = dealer_from(t, s);
            for (d, x) in dist.iter_mut().zip(sub) {
                *d += P_RANK * x;
            }
        }
    }
    dist
}

impl BlackjackStrategy {
    /// Runs the recursions for every up-card (a few thousand states: microseconds).
    pub fn new() -> BlackjackStrategy {
        let dealer = (0..usize::from(RANKS))
            .map(|up| {
                let (t0, s0) = add(0, false, up);
                // The hole card, conditioned on no blackjack under an ace or a ten-value card.
                let allowed: Vec<usize> = (0..usize::from(RANKS))
                    .filter(|&hole| value(up) + value(hole) != 21)
                    .collect();
                let p_hole = 1.0 / allowed.len() as f64;
                let mut dist = [0.0; 6];
                for hole in allowed {
                    let (t, s) = add(t0, s0, hole);
                    for (d, x) in dist.iter_mut().zip(dealer_from(t, s)) {
                        *d += p_hole * x;
                    }
                }
                dist
            })
            .collect();
        BlackjackStrategy {
            dealer,
            play: vec![[[None; 2]; 32]; usize::from(RANKS)],
        }
    }

    fn stand(&self, up: usize, total: u8) -> f64 {
        if total > 21 {
            return -1.0;
        }
        let d = &self.dealer[up];
        let mut ev = d[5];
        for (i, &p) in d[..5].iter().enumerate() {
            let dealer_total = 17 + i as u8;
            if total > dealer_total {
                ev += p;
            } else if total < dealer_total {
                ev -= p;
            }
        }
        ev
    }

    /// Value of the best hit-or-stand play from `(total, soft)`.
    fn play(&mut self, up: usize, total: u8, soft: bool) -> f64 {
        if total > 21 {
            return -1.0;
        }
        if let Some(v) = self.play[up][usize::from(total)][usize::from(soft)] {
            return v;
        }
        let v = self.stand(up, total).max(self.hit(up, total, soft));
        self.play[up][usize::from(total)][usize::from(soft)] = Some(v);
        v
    }

    fn hit(&mut self, up: usize, total: u8, soft: bool) -> f64 {
        (0..usize::from(RANKS))
            .map(|rank| {
                let (t, s) = add(total, soft, rank);
                P_RANK * self.play(up, t, s)
            })
            .sum()
    }

    fn double(&self, up: usize, total: u8, soft: bool) -> f64 {
        (0..usize::from(RANKS))
            .map(|rank| 2.0 * P_RANK * self.stand(up, add(total, soft, rank).0))
            .sum()
    }

    /// Value of splitting a pair of `rank` (two hands, each played on; split aces get one card).
    fn split(&mut self, up: usize, rank: usize) -> f64 {
        let (t0, s0) = add(0, false, rank);
        let one_hand: f64 = (0..usize::from(RANKS))
            .map(|second| {
                let (t, s) = add(t0, s0, second);
                let v = if rank == 12 {
                    self.stand(up, t)
                } else {
                    self.stand(up, t)
                        .max(self.hit(up, t, s))
                        .max(self.double(up, t, s))
                };
                P_RANK * v
            })
            .sum();
        2.0 * one_hand
    }

    /// Every option's value (per unit of the original stake) for a hand against `up`.
    pub fn values(
        &mut self,
        cards: &[Card],
        up: Card,
        can_double: bool,
        can_split: bool,
    ) -> Values {
        let up = usize::from(up.rank());
        let (total, soft) = hand_value(cards);
        Values {
            stand: self.stand(up, total),
            hit: self.hit(up, total, soft),
            double: can_double.then(|| self.double(up, total, soft)),
            split: can_split.then(|| self.split(up, usize::from(cards[0].rank()))),
        }
    }

    /// The EV-maximising action for the active hand of `round` (declines insurance).
    pub fn action(&mut self, round: &BlackjackRound) -> BlackjackAction {
        if round.phase == Phase::InsuranceOffered {
            return BlackjackAction::Insurance { take: false };
        }
        let Some(hand) = round.hands.get(round.active) else {
            return BlackjackAction::Stand;
        };
        let two = hand.cards.len() == 2;
        let can_split =
            two && round.hands.len() == 1 && hand.cards[0].rank() == hand.cards[1].rank();
        let can_double = two && !(hand.from_split && hand.cards[0].rank() == 12);
        self.values(&hand.cards, round.dealer[0], can_double, can_split)
            .best()
            .0
    }

    /// Expected return per unit of the original stake under the best strategy (1 + EV).
    pub fn rtp(&mut self) -> f64 {
        let mut ev = 0.0;
        for up in 0..usize::from(RANKS) {
            let p_dealer_bj = match value(up) {
                11 => 4.0 / 13.0,
                10 => 1.0 / 13.0,
                _ => 0.0,
            };
            for c1 in 0..usize::from(RANKS) {
                for c2 in 0..usize::from(RANKS) {
                    let p = P_RANK * P_RANK * P_RANK;
                    let natural = value(c1) + value(c2) == 21;
                    let if_dealer_bj = if natural { 0.0 } else { -1.0 };
                    let otherwise = if natural {
                        1.5
                    } else {
                        let (t, s) = add(add(0, false, c1).0, add(0, false, c1).1, c2);
                        let split = (c1 == c2).then(|| self.split(up, c1));
                        Values {
                            stand: self.stand(up, t),
                            hit: self.hit(up, t, s),
                            double: Some(self.double(up, t, s)),
                            split,
                        }
                        .best()
                        .1
                    };
                    ev += p * (p_dealer_bj * if_dealer_bj + (1.0 - p_dealer_bj) * otherwise);
                }
            }
        }
        1.0 + ev
    }
}

impl Default for BlackjackStrategy {
    fn default() -> BlackjackStrategy {
        BlackjackStrategy::new()
    }
}
