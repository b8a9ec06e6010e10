//! Property tests: the generator equals the validator, cards are conserved, no card is played twice, no
//! action panics, games terminate, replays are deterministic, legal moves are accepted and others refused.

use crate::text;
use guandan::bots::{Bot, GreedyBot, RandomBot};
use guandan::combo::{CardSet, Key, Kind};
use guandan::game::{Match, Phase, Seed, replay};
use guandan::movegen::{canonical, plays};
use guandan::sim;
use guandan::{Action, Card, Hand, Play, Rank, Rules, Seat, readings};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::collections::BTreeSet;

/// A fixed RNG seed (reproducible runs, no regression files written) and a modest case count.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x0067_7561_6E64_616E),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn small_hand() -> impl Strategy<Value = (Hand, Rank)> {
    // Naturals from a band of five consecutive ranks (wrapping past A) so that combinations are frequent,
    // up to two wilds and up to four jokers.
    (
        0u8..13,
        0usize..13,
        proptest::collection::vec((0usize..5, 0usize..4), 4..11),
        0u8..3,
        0u8..5,
    )
        .prop_map(|(lvl, base, picks, wilds, jokers)| {
            let level = Rank::new(lvl).expect("rank");
            let mut h = Hand::new();
            for (dr, s) in picks {
                let r = Rank::new(((base + dr) % 13) as u8).expect("rank");
                let c = Card::new(r, guandan::Suit::ALL[s]);
                if h.count(c) < 2 && !c.is_wild(level) {
                    h.add(c);
                }
            }
            for _ in 0..wilds {
                let w = Card::new(level, guandan::Suit::H);
                if h.count(w) < 2 {
                    h.add(w);
                }
            }
            for j in 0..jokers {
                h.add(if j % 2 == 0 {
                    Card::SMALL_JOKER
                } else {
                    Card::BIG_JOKER
                });
            }
            (h, level)
        })
}

/// Every sub-multiset of `cards` (as a sorted card list).
fn submultisets(h: &Hand) -> Vec<Vec<Card>> {
    let kinds: Vec<(Card, u8)> = Card::all()
        .filter(|&c| h.count(c) > 0)
        .map(|c| (c, h.count(c)))
        .collect();
    let mut out = vec![Vec::new()];
    for (c, n) in kinds {
        let mut next = Vec::new();
        for s in &out {
            for k in 0..=n {
                let mut t = s.clone();
                t.extend(std::iter::repeat_n(c, usize::from(k)));
                next.push(t);
            }
        }
        out = next;
    }
    out
}

proptest! {
    #![proptest_config(config(96))]

    /// The full move list is exactly the set of (reading, sub-multiset) pairs the validator accepts.
    #[test]
    fn generator_equals_validator((h, level) in small_hand(), competition in any::<bool>()) {
        let rules = if competition { Rules::competition() } else { Rules::default() };
        let generated: Vec<String> = plays(&h, level, None, &rules).iter().map(text).collect();
        let gen_set: BTreeSet<String> = generated.iter().cloned().collect();
        prop_assert_eq!(gen_set.len(), generated.len(), "no duplicates");
        let mut valid = BTreeSet::new();
        for sub in submultisets(&h) {
            if sub.is_empty() || sub.len() > 10 {
                continue;
            }
            let set = CardSet::from_cards(&sub).expect("≤ 10");
            for (kind, key) in readings(&sub, level, &rules) {
                valid.insert(text(&Play::new(kind, key, set)));
            }
        }
        prop_assert_eq!(&gen_set, &valid);
        let can: BTreeSet<(Kind, Key, u8)> = canonical(&h, level, &rules).into_iter().collect();
        let from_full: BTreeSet<(Kind, Key, u8)> =
            plays(&h, level, None, &rules).iter().map(|p| (p.kind, p.key, p.len() as u8)).collect();
        prop_assert_eq!(can, from_full);
    }
}

/// Walks a match with bots, checking invariants at every step; returns the match and its action log.
fn walk(seed: u64, rules: Rules, bots: [&dyn Bot; 4], steps_max: usize) -> (Match, Vec<Action>) {
    let (mut m, _) = Match::new(Seed::from_u64(seed), rules);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut log = Vec::new();
    for _ in 0..steps_max {
        if m.phase() == Phase::MatchOver {
            break;
        }
        let seat = m.awaiting()[0];
        let legal = m.compact_actions(seat);
        let view = m.view(Some(seat));
        // Conservation and no card played twice, as visible from the public view.
        let in_hands: usize = view.counts.iter().map(|&c| usize::from(c)).sum();
        let played = view.played.len();
        assert!(view.played.counts().iter().all(|&n| n <= 2));
        if m.phase() == Phase::Play {
            assert_eq!(in_hands + played, 108);
        }
        let i = bots[seat.index()].decide(&view, &legal, &mut rng);
        m.apply_mut(legal[i]).expect("bot actions are legal");
        log.push(legal[i]);
    }
    (m, log)
}

proptest! {
    #![proptest_config(config(6))]

    /// Matches terminate, and replaying the log gives the same state hash.
    #[test]
    fn matches_terminate_and_replay(seed in any::<u64>(), competition in any::<bool>()) {
        let rules = if competition { Rules::competition() } else { Rules::default() };
        let (g, r) = (GreedyBot, RandomBot);
        let (m, log) = walk(seed, rules, [&g, &r, &g, &r], 200_000);
        prop_assert_eq!(m.phase(), Phase::MatchOver);
        let again = replay(Seed::from_u64(seed), rules, &log).expect("replays");
        prop_assert_eq!(again.state_hash(), m.state_hash());
    }

    /// At reachable states: every full-list move is accepted; random selections are accepted exactly when
    /// they are in the full list; arbitrary actions never panic.
    #[test]
    fn legal_accepted_illegal_rejected(seed in any::<u64>(), steps in 0usize..120, probes in proptest::collection::vec((any::<u64>(), 0usize..14, 0u8..16, 0u8..4), 40)) {
        let g = GreedyBot;
        let rules = Rules::competition();
        let (m, _) = walk(seed, rules, [&g, &g, &g, &g], steps);
        if m.phase() == Phase::MatchOver {
            return Ok(());
        }
        let seat = m.awaiting()[0];
        let full = m.legal_actions(seat);
        // Every seat that may act now (two payers or receivers in a double tribute).
        let full_set: BTreeSet<String> = m
            .awaiting()
            .into_iter()
            .flat_map(|s| m.legal_actions(s))
            .map(|a| serde_json::to_string(&a).expect("json"))
            .collect();
        // The compact list has exactly one representative per (kind, key, size) of the full list.
        let shape = |a: &Action| match a {
            Action::Play { play, .. } => format!("{:?} {} {}", play.kind, play.key, play.len()),
            other => serde_json::to_string(other).expect("json"),
        };
        let compact = m.compact_actions(seat);
        let compact_shapes: BTreeSet<String> = compact.iter().map(shape).collect();
        prop_assert_eq!(compact_shapes.len(), compact.len());
        if m.phase() == Phase::Play {
            prop_assert_eq!(&compact_shapes, &full.iter().map(shape).collect::<BTreeSet<String>>());
        }
        for a in &compact {
            prop_assert!(full_set.contains(&serde_json::to_string(a).expect("json")), "{:?} in full list", a);
        }
        for a in full.iter().step_by(full.len() / 150 + 1) {
            let mut c = m.clone();
            prop_assert!(c.apply_mut(*a).is_ok(), "{:?} accepted", a);
        }
        let hand = m.hand(seat).cards();
        for (bits, kind_i, key_raw, who) in probes {
            // Half the probes select from the acting seat's hand, half take arbitrary cards of the pack.
            let sub: Vec<Card> = if bits & 1 == 0 {
                hand.iter().enumerate().filter(|(i, _)| bits >> (i % 63 + 1) & 1 == 1).map(|(_, &c)| c).take(10).collect()
            } else {
                (0..(bits >> 1) % 11).filter_map(|i| Card::from_index(((bits >> (8 + i * 5)) % 54) as usize)).collect()
            };
            let kind = Kind::ALL[kind_i % 10];
            let key = Key::parse(&match key_raw { 13 => "B".to_string(), 14 => "R".to_string(), 15 => "JOKER".to_string(), k => Rank::new(k).expect("rank").to_string() }).expect("key");
            let Some(set) = CardSet::from_cards(&sub) else { continue };
            let st = Seat::new(who).expect("seat");
            let card = sub.first().copied().unwrap_or(Card::BIG_JOKER);
            // Any action type in any phase: the wrong ones must be refused, never panic.
            let action = match (bits >> 60) % 4 {
                0 | 1 => Action::Play { seat: st, play: Play::new(kind, key, set) },
                2 if m.phase() == Phase::Play => Action::Pass { seat: st },
                2 => Action::Tribute { seat: st, card },
                _ => Action::Return { seat: st, card },
            };
            let mut c = m.clone();
            let ok = c.apply_mut(action).is_ok();
            let listed = full_set.contains(&serde_json::to_string(&action).expect("json"));
            prop_assert_eq!(ok, listed, "{:?}", action);
        }
    }
}

#[test]
fn selfplay_is_deterministic_across_runs() {
    let g = GreedyBot;
    let bots: [&dyn Bot; 4] = [&g, &g, &g, &g];
    let a = sim::play_match(
        sim::game_seed(1, 2),
        Rules::default(),
        &bots,
        &mut sim::bot_rng(1, 2),
        true,
    );
    let b = sim::play_match(
        sim::game_seed(1, 2),
        Rules::default(),
        &bots,
        &mut sim::bot_rng(1, 2),
        true,
    );
    assert_eq!(a, b);
}
