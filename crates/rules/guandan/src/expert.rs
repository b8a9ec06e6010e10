//! The `expert` bot: hand decomposition into the fewest plays, card counting from public information,
//! partner cooperation, bomb timing and sensible tribute/return choices.
//!
//! Every candidate move is scored by what it leaves behind: `shape(rest)` is the number of plays the rest
//! of the hand needs (best split into sequences, full houses, pairs, triples and singles found by a small
//! search), with bombs and control cards (jokers, level cards, wilds) credited. The move with the best
//! resulting shape wins, adjusted for the situation (partner on top, an opponent about to go out, ...).

use crate::bots::{Bot, lowest_card_action};
use crate::card::{CARD_KINDS, Card, Hand, RANK_COUNT, Rank, Seat};
use crate::combo::{Kind, Move, Play, card_value, order_value, seq_rank};
use crate::game::{Action, View};
use rand_core::RngCore;

/// An opponent holding this many cards or fewer is close to going out.
const DANGER_CARDS: u8 = 6;
/// How much a following play may worsen the hand's score and still be made (taking the lead is worth it).
const FOLLOW_SLACK: i32 = 12;
/// With two or more bombs, bomb an opponent holding this many cards or fewer.
const BOMB_SPARE_CARDS: u8 = 15;

/// The expert bot (stateless; all state comes from the view).
#[derive(Clone, Copy, Debug, Default)]
pub struct ExpertBot;

/// A hand summarised for the shape search.
#[derive(Clone, Copy, Debug)]
struct Shape {
    nat: [u8; RANK_COUNT],
    wilds: u8,
    sb: u8,
    hr: u8,
    level: Rank,
}

impl Shape {
    fn of(hand: &Hand, level: Rank) -> Shape {
        let mut s = Shape {
            nat: [0; RANK_COUNT],
            wilds: 0,
            sb: 0,
            hr: 0,
            level,
        };
        for c in Card::all() {
            let n = hand.count(c);
            if n == 0 {
                continue;
            }
            if c == Card::SMALL_JOKER {
                s.sb = n;
            } else if c == Card::BIG_JOKER {
                s.hr = n;
            } else if c.is_wild(level) {
                s.wilds = n;
            } else if let Some(r) = c.rank() {
                s.nat[r.index()] += n;
            }
        }
        s
    }
    fn without(&self, p: &Play) -> Shape {
        let mut s = *self;
        for &c in p.cards() {
            // Saturating: a decision request from outside may list cards we do not hold.
            if c == Card::SMALL_JOKER {
                s.sb = s.sb.saturating_sub(1);
            } else if c == Card::BIG_JOKER {
                s.hr = s.hr.saturating_sub(1);
            } else if c.is_wild(self.level) {
                s.wilds = s.wilds.saturating_sub(1);
            } else if let Some(r) = c.rank() {
                s.nat[r.index()] = s.nat[r.index()].saturating_sub(1);
            }
        }
        s
    }
    fn is_empty(&self) -> bool {
        self.nat.iter().all(|&n| n == 0) && self.wilds == 0 && self.sb == 0 && self.hr == 0
    }
}

/// Score of a hand shape: lower is better. Ten points per play still needed, minus credit for bombs
/// and control cards, plus a small penalty for low singles (hard to get rid of).
fn shape_score(s: &Shape) -> i32 {
    let mut nat = s.nat;
    let groups = best_split(&mut nat, 0, 3, s.level);
    let mut score = groups;
    // Jokers: a pair of the same joker is one play; singles are strong controls.
    let joker_plays = i32::from(s.sb.min(1)) + i32::from(s.hr.min(1));
    score += joker_plays * 10;
    if s.sb == 2 && s.hr == 2 {
        score -= 35; // four jokers: a play that always wins
    }
    score -= i32::from(s.hr) * 6 + i32::from(s.sb) * 4;
    // Wilds: flexible; count as a half play each with a strong credit.
    score += i32::from(s.wilds) * 2;
    score -= i32::from(s.wilds) * 5;
    score
}

/// Cost of the rank counts without sequences: plays needed (full houses pair a triple with a pair),
/// bombs credited, low singles penalised.
fn groups_cost(nat: &[u8; RANK_COUNT], level: Rank) -> i32 {
    let (mut singles, mut pairs, mut trips, mut bombs) = (0i32, 0i32, 0i32, 0i32);
    let mut low_single_pen = 0i32;
    let mut control = 0i32;
    for (r, &n) in nat.iter().enumerate() {
        let v = i32::from(card_value(Card::new(rank(r), crate::card::Suit::S), level));
        match n {
            0 => {}
            1 => {
                singles += 1;
                low_single_pen += (12 - v).max(0) / 3;
            }
            2 => pairs += 1,
            3 => trips += 1,
            n => bombs += i32::from(n),
        }
        if n > 0 && v >= 12 {
            control += 1;
        }
    }
    let fh = trips.min(pairs);
    let plays = singles + pairs + trips - fh;
    plays * 10 + low_single_pen - bombs * 4 - control * 3
}

fn rank(r: usize) -> Rank {
    Rank::new(r as u8).unwrap_or(Rank::TWO)
}

/// Sequences considered by the split: (start position, width, copies per rank).
const SEQS: [(usize, u8); 3] = [(5, 1), (3, 2), (2, 3)];

/// Best (lowest) cost over ways of taking up to `depth` sequences out of `nat`, in canonical order.
fn best_split(nat: &mut [u8; RANK_COUNT], from: usize, depth: u8, level: Rank) -> i32 {
    let mut best = groups_cost(nat, level);
    if depth == 0 {
        return best;
    }
    // Option index = kind * 14 + start.
    for opt in from..SEQS.len() * 14 {
        let (width, per) = SEQS[opt / 14];
        let start = opt % 14;
        if start + width > 14 {
            continue;
        }
        let ok = (start..start + width).all(|p| {
            let c = nat[seq_rank(p).index()];
            c >= per && c < 4 // never break a bomb for a sequence
        });
        if !ok {
            continue;
        }
        for p in start..start + width {
            nat[seq_rank(p).index()] -= per;
        }
        let v = 10 + best_split(nat, opt, depth - 1, level);
        for p in start..start + width {
            nat[seq_rank(p).index()] += per;
        }
        best = best.min(v);
    }
    best
}

/// Cards not in my hand and not yet played (they are in the other three hands).
fn unseen(view: &View) -> [u8; CARD_KINDS] {
    let mut u = [2u8; CARD_KINDS];
    for (i, &n) in view.played.counts().iter().enumerate() {
        u[i] = u[i].saturating_sub(n);
    }
    if let Some(h) = &view.hand {
        for (i, &n) in h.counts().iter().enumerate() {
            u[i] = u[i].saturating_sub(n);
        }
    }
    u
}

/// True when no unseen cards could beat `p` with the same kind (bombs ignored): a "boss" play.
fn is_boss(p: &Play, unseen: &[u8; CARD_KINDS], level: Rank) -> bool {
    let need = match p.kind {
        Kind::Single => 1,
        Kind::Pair => 2,
        Kind::Trips | Kind::ThreeWithTwo => 3,
        _ => return p.kind.is_bomb(),
    };
    let my = order_value(p, level);
    let wild = Card::new(level, crate::card::Suit::H);
    let wilds = unseen[wild.index()];
    for c in Card::all() {
        if c.is_wild(level) {
            continue;
        }
        let v = card_value(c, level);
        if v <= my {
            continue;
        }
        let same_rank: u8 = match c.rank() {
            Some(r) => crate::card::Suit::ALL
                .iter()
                .map(|&s| Card::new(r, s))
                .filter(|x| !x.is_wild(level))
                .map(|x| unseen[x.index()])
                .sum(),
            None => unseen[c.index()],
        };
        let with_wild = if c.is_joker() {
            same_rank
        } else {
            same_rank + wilds
        };
        if same_rank > 0 && with_wild >= need {
            return false;
        }
    }
    true
}

impl Bot for ExpertBot {
    fn name(&self) -> &'static str {
        "expert"
    }

    fn decide(&self, view: &View, legal: &[Action], _rng: &mut dyn RngCore) -> usize {
        if legal.is_empty() {
            return 0;
        }
        let Some(hand) = &view.hand else { return 0 };
        let level = view.level;
        match legal[0] {
            Action::Tribute { .. } => return 0,
            Action::Return { .. } => return self.choose_return(hand, level, legal),
            _ => {}
        }
        let me = view.seat.unwrap_or(Seat::ZERO);
        let partner = me.partner();
        let shape = Shape::of(hand, level);
        let base = shape_score(&shape);
        let unseen = unseen(view);
        let pass = legal.iter().position(|a| matches!(a, Action::Pass { .. }));
        let plays: Vec<(usize, Play)> = legal
            .iter()
            .enumerate()
            .filter_map(|(i, a)| match a.as_move() {
                Some(Move::Play(p)) => Some((i, p)),
                _ => None,
            })
            .collect();
        // Going out now always wins the decision.
        if let Some(&(i, _)) = plays.iter().find(|(_, p)| p.len() == hand.len()) {
            return i;
        }
        let count = |s: Seat| view.counts[s.index()];
        let opp_next = me.next();
        let opp_prev = partner.next();
        let opp_min = count(opp_next).min(count(opp_prev));
        let opp_min = if opp_min == 0 {
            count(opp_next).max(count(opp_prev))
        } else {
            opp_min
        };
        let partner_active = count(partner) > 0;

        match view.top {
            None => {
                // Leading.
                let mut best: Option<(usize, i32)> = None;
                for &(i, p) in &plays {
                    let rest = shape.without(&p);
                    let mut cost = shape_score(&rest) - base;
                    if p.kind.is_bomb() {
                        cost += 40;
                    }
                    cost += i32::from(order_value(&p, level));
                    cost += p.wilds(level) as i32 * 8;
                    // Opponent about to go out: avoid the play sizes they can match.
                    if opp_min as usize <= p.len() && opp_min <= 2 && !is_boss(&p, &unseen, level) {
                        cost += 25;
                    }
                    // Feed a partner about to go out with small cards of their size.
                    if partner_active
                        && count(partner) <= 2
                        && p.len() == usize::from(count(partner))
                    {
                        cost -= 12;
                    }
                    // Two plays left: lead the boss one first.
                    if !rest.is_empty() && shape_score(&rest) <= 10 && is_boss(&p, &unseen, level) {
                        cost -= 20;
                    }
                    // Keep boss cards for regaining the lead while the hand is long.
                    if hand.len() > 8 && is_boss(&p, &unseen, level) && p.kind == Kind::Single {
                        cost += 6;
                    }
                    if best.is_none_or(|(_, c)| cost < c) {
                        best = Some((i, cost));
                    }
                }
                best.map_or(0, |(i, _)| i)
            }
            Some((owner, top)) => {
                let pass_i = pass.unwrap_or(0);
                if owner == partner {
                    // Never overtake a partner who holds the trick (going out was handled above).
                    return pass_i;
                }
                let owner_count = count(owner);
                let danger = owner_count <= DANGER_CARDS || opp_min <= DANGER_CARDS / 2;
                let mut best: Option<(usize, i32)> = None;
                let mut best_bomb: Option<(usize, (u8, u8))> = None;
                for &(i, p) in &plays {
                    if p.kind.is_bomb() {
                        let rank = (
                            crate::combo::bomb_tier(&p, &view.rules).unwrap_or(0),
                            order_value(&p, level),
                        );
                        if best_bomb.is_none_or(|(_, r)| rank < r) {
                            best_bomb = Some((i, rank));
                        }
                        continue;
                    }
                    let rest = shape.without(&p);
                    let mut cost = shape_score(&rest) - base;
                    cost += i32::from(order_value(&p, level)) / 2;
                    // Spending jokers or level cards on a low play is wasteful early on.
                    let high = p.cards().iter().any(|&c| card_value(c, level) >= 13);
                    if high && !danger && i32::from(order_value(&top, level)) < 9 && hand.len() > 10
                    {
                        cost += 12;
                    }
                    cost += p.wilds(level) as i32 * 10;
                    if best.is_none_or(|(_, c)| cost < c) {
                        best = Some((i, cost));
                    }
                }
                if let Some((i, c)) = best
                    && (c <= FOLLOW_SLACK || (danger && c <= 25))
                {
                    return i;
                }
                // Bomb timing: against an opponent close to going out, or when the bomb leaves a short hand
                // we can run out with, or when we hold bombs to spare.
                if let Some((i, _)) = best_bomb {
                    let (_, p) = plays
                        .iter()
                        .copied()
                        .find(|&(j, _)| j == i)
                        .unwrap_or((i, top));
                    let rest = shape.without(&p);
                    let plays_left = shape_score(&rest) / 10;
                    let bombs_held = bomb_count(&shape);
                    if danger
                        || plays_left <= 2
                        || (bombs_held >= 2 && owner_count <= BOMB_SPARE_CARDS)
                    {
                        return i;
                    }
                }
                pass_i
            }
        }
    }
}

/// Number of natural bombs (4+ of a rank) in a shape, plus four jokers.
fn bomb_count(s: &Shape) -> usize {
    s.nat.iter().filter(|&&n| n >= 4).count() + usize::from(s.sb == 2 && s.hr == 2)
}

impl ExpertBot {
    fn choose_return(&self, hand: &Hand, level: Rank, legal: &[Action]) -> usize {
        let shape = Shape::of(hand, level);
        let mut best: Option<(usize, i32)> = None;
        for (i, a) in legal.iter().enumerate() {
            let Action::Return { card, .. } = *a else {
                continue;
            };
            let Some(set) = crate::combo::CardSet::from_cards(&[card]) else {
                continue;
            };
            let p = Play::new(Kind::Single, crate::combo::Key::SMALL_JOKER, set);
            let cost = shape_score(&shape.without(&p)) * 4 + i32::from(card_value(card, level));
            if best.is_none_or(|(_, c)| cost < c) {
                best = Some((i, cost));
            }
        }
        best.map_or_else(|| lowest_card_action(legal, level), |(i, _)| i)
    }
}
