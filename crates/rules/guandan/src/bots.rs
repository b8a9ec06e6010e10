//! Bots behind one trait: `random`, `greedy` and `expert`. A bot sees only a [`View`] and the legal list,
//! so it cannot cheat, and it is deterministic given its RNG.

use crate::card::{RANK_COUNT, Rank};
use crate::combo::{Move, Play, card_value, order_value};
use crate::game::{Action, View};
use rand_core::RngCore;

/// A player program. `decide` returns an index into `legal` (which is never empty when called).
pub trait Bot {
    /// Short name (`random`, `greedy`, `expert`).
    fn name(&self) -> &'static str;
    /// Chooses one of `legal` for the viewer of `view`.
    fn decide(&self, view: &View, legal: &[Action], rng: &mut dyn RngCore) -> usize;
}

/// A bot by name.
pub fn by_name(name: &str) -> Option<Box<dyn Bot>> {
    match name {
        "random" => Some(Box::new(RandomBot)),
        "greedy" => Some(Box::new(GreedyBot)),
        "expert" => Some(Box::new(crate::expert::ExpertBot)),
        _ => None,
    }
}

/// Picks uniformly among the legal actions.
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomBot;

impl Bot for RandomBot {
    fn name(&self) -> &'static str {
        "random"
    }
    fn decide(&self, _view: &View, legal: &[Action], rng: &mut dyn RngCore) -> usize {
        if legal.is_empty() {
            return 0;
        }
        (rng.next_u64() % legal.len() as u64) as usize
    }
}

/// Plays the smallest legal move that keeps the hand playable: no wilds or bombs when something plainer
/// works, never overtakes its partner, bombs only an opponent's play it cannot beat otherwise.
#[derive(Clone, Copy, Debug, Default)]
pub struct GreedyBot;

/// Index of the lowest-value card among tribute/return actions (any tribute card is forced anyway).
pub(crate) fn lowest_card_action(legal: &[Action], level: Rank) -> usize {
    let mut best = 0;
    let mut best_v = u8::MAX;
    for (i, a) in legal.iter().enumerate() {
        if let Action::Tribute { card, .. } | Action::Return { card, .. } = *a {
            let v = card_value(card, level);
            if v < best_v {
                best_v = v;
                best = i;
            }
        }
    }
    best
}

/// Cards of `hand` per rank (naturals only) used by the greedy "breaks a group" penalty.
fn rank_counts(view: &View) -> [u8; RANK_COUNT] {
    let mut n = [0u8; RANK_COUNT];
    if let Some(h) = &view.hand {
        for (i, &k) in h.counts().iter().enumerate().take(52) {
            let c = crate::card::Card::from_index(i).unwrap_or(crate::card::Card::SMALL_JOKER);
            if let Some(r) = c.rank().filter(|_| k > 0 && !c.is_wild(view.level)) {
                n[r.index()] += k;
            }
        }
    }
    n
}

/// Number of cards of ranks the play touches but does not use up (splitting a pair or triple).
fn broken(p: &Play, counts: &[u8; RANK_COUNT], level: Rank) -> u8 {
    let mut used = [0u8; RANK_COUNT];
    for c in p.cards() {
        if let Some(r) = c.rank()
            && !c.is_wild(level)
        {
            used[r.index()] += 1;
        }
    }
    (0..RANK_COUNT)
        .filter(|&r| used[r] > 0 && used[r] < counts[r])
        .map(|r| counts[r] - used[r])
        .sum()
}

/// Greedy preference, compared lexicographically: bomb?, wilds used, group cards broken, value, -size.
type GreedyCost = (bool, usize, u8, u8, usize);

impl Bot for GreedyBot {
    fn name(&self) -> &'static str {
        "greedy"
    }
    fn decide(&self, view: &View, legal: &[Action], _rng: &mut dyn RngCore) -> usize {
        if legal.is_empty() {
            return 0;
        }
        if !matches!(legal[0], Action::Play { .. } | Action::Pass { .. }) {
            return lowest_card_action(legal, view.level);
        }
        let pass = legal.iter().position(|a| matches!(a, Action::Pass { .. }));
        let me = view.seat;
        let partner_on_top = matches!((view.top, me), (Some((o, _)), Some(s)) if o == s.partner());
        if partner_on_top && let Some(i) = pass {
            return i;
        }
        let counts = rank_counts(view);
        let mut best: Option<(usize, GreedyCost)> = None;
        for (i, a) in legal.iter().enumerate() {
            let Some(Move::Play(p)) = a.as_move() else {
                continue;
            };
            let cost = (
                p.kind.is_bomb(),
                p.wilds(view.level),
                broken(&p, &counts, view.level),
                order_value(&p, view.level),
                usize::MAX - p.len(),
            );
            if best.is_none_or(|(_, c)| cost < c) {
                best = Some((i, cost));
            }
        }
        match (best, pass) {
            (Some((i, c)), Some(pi)) if c.0 => {
                // Bomb only an opponent whose play we cannot otherwise beat, when the hand is getting short.
                let danger = view.top.is_some_and(|(o, _)| view.counts[o.index()] <= 10);
                if danger { i } else { pi }
            }
            (Some((i, _)), _) => i,
            (None, Some(pi)) => pi,
            (None, None) => 0,
        }
    }
}
