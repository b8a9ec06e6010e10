//! Hidden cards never leave the server: over random full matches played by the engine's bots, no message
//! or snapshot sent to a seat or a spectator names a card that recipient has not legitimately seen.

use crate::fixtures::{cards_in, table};
use guandan::{Action, Card, Event, Match, Phase, Rules, Seed, bots};
use proptest::prelude::*;
use protocol::project::Recipient;
use protocol::{GameState, LegalMoves, ServerMessage, event_message};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::collections::BTreeSet;

/// Cards an event shows to everyone, computed independently of the projection under test.
fn public_cards(e: &Event) -> Vec<Card> {
    match e {
        Event::Played { play, .. } => play.cards().to_vec(),
        Event::AntiTribute { cards, .. } => cards.clone(),
        Event::TributeResult { transfers } | Event::ReturnResult { transfers } => {
            transfers.iter().map(|t| t.card).collect()
        }
        _ => Vec::new(),
    }
}

fn json_cards(v: &impl serde::Serialize) -> Vec<Card> {
    let mut out = Vec::new();
    cards_in(&serde_json::to_value(v).expect("serialise"), &mut out);
    out
}

/// What one run covered, so a test can insist that tribute and return were exercised.
#[derive(Default, Debug)]
struct Coverage {
    actions: usize,
    hands: usize,
    tributes: usize,
    returns: usize,
    redacted: usize,
}

/// Plays one match with bots, checking every message and snapshot for every recipient.
fn play_and_check(seed: u64, bot_names: [&str; 4], hands_max: u32) -> Coverage {
    let mut rules = Rules::official_2022();
    rules.hands_per_match_max = hands_max;
    let (mut m, first_events) = Match::new(Seed::from_u64(seed), rules);
    let bots: Vec<Box<dyn guandan::Bot>> = bot_names
        .iter()
        .map(|n| bots::by_name(n).expect("known bot"))
        .collect();
    let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x5eed);
    let recipients = Recipient::all();
    // known[i]: card kinds recipient i may know this hand (its own cards so far, and public cards).
    let mut known: Vec<BTreeSet<Card>> = vec![BTreeSet::new(); recipients.len()];
    let mut cov = Coverage::default();
    let mut hand_no = None;
    let mut events = first_events;
    let mut before = m.clone();
    loop {
        for e in &events {
            if let Event::Deal { hand_no: h, .. } = e
                && hand_no != Some(*h)
            {
                hand_no = Some(*h);
                cov.hands += 1;
                known.iter_mut().for_each(BTreeSet::clear);
            }
            for (i, r) in recipients.iter().enumerate() {
                if let Some(s) = r.seat() {
                    known[i].extend(before.hand(s).cards());
                    if let Event::Deal { seat, cards, .. } = e
                        && *seat == s
                    {
                        known[i].extend(cards.iter().copied());
                    }
                }
                known[i].extend(public_cards(e));
            }
            check_event(e, &recipients, &known, &mut cov);
        }
        for (i, r) in recipients.iter().enumerate() {
            if let Some(s) = r.seat() {
                known[i].extend(m.hand(s).cards());
            }
            check_snapshot(&m, *r, &known[i]);
        }
        if m.phase() == Phase::MatchOver {
            break;
        }
        let seat = m.awaiting()[0];
        let legal = m.compact_actions(seat);
        let own: BTreeSet<Card> = m.hand(seat).cards().into_iter().collect();
        for lm in [
            LegalMoves::from_actions(table(), seat, m.phase(), &legal),
            LegalMoves::of(table(), &m, seat),
            LegalMoves::compact_of(table(), &m, seat),
        ] {
            assert!(
                json_cards(&lm).iter().all(|c| own.contains(c)),
                "legal moves use own cards"
            );
            assert!(!lm.plays.is_empty() || lm.can_pass || !lm.cards.is_empty());
        }
        let i = bots[seat.index()].decide(&m.view(Some(seat)), &legal, &mut rng);
        let action: Action = legal[i.min(legal.len() - 1)];
        match action {
            Action::Tribute { .. } => cov.tributes += 1,
            Action::Return { .. } => cov.returns += 1,
            _ => {}
        }
        before = m.clone();
        events = m.apply_mut(action).expect("bots choose legal actions");
        cov.actions += 1;
    }
    cov
}

fn check_event(e: &Event, recipients: &[Recipient], known: &[BTreeSet<Card>], cov: &mut Coverage) {
    let public: BTreeSet<Card> = public_cards(e).into_iter().collect();
    let spectator_msg = event_message(e, Recipient::Spectator);
    assert!(
        json_cards(&spectator_msg)
            .iter()
            .all(|c| public.contains(c)),
        "a spectator sees only the public cards of {e:?}"
    );
    for (i, r) in recipients.iter().enumerate() {
        let msg = event_message(e, *r);
        for c in json_cards(&msg) {
            assert!(known[i].contains(&c), "{r:?} must not see {c} in {msg:?}");
        }
        if !e.visible_to(r.seat()) {
            // Whoever may not see a private event gets exactly the spectator's redacted copy.
            assert_eq!(msg, spectator_msg, "{r:?} gets the redacted form of {e:?}");
            assert!(json_cards(&msg).is_empty());
            cov.redacted += 1;
        }
        let text = serde_json::to_string(&msg).expect("serialise");
        let back: ServerMessage = serde_json::from_str(&text).expect("parse back");
        assert_eq!(back, msg, "projected messages round-trip");
    }
}

fn check_snapshot(m: &Match, r: Recipient, known: &BTreeSet<Card>) {
    let state = GameState::of(m, r);
    for c in json_cards(&state) {
        assert!(known.contains(&c), "{r:?} must not see {c} in its snapshot");
    }
    if r == Recipient::Spectator {
        assert!(state.hand.is_none(), "spectators hold no hand");
    }
}

#[test]
fn fixed_matches_cover_tribute_and_return_without_leaks() {
    let mut total = Coverage::default();
    for seed in 1..=3 {
        let c = play_and_check(seed, ["greedy", "random", "greedy", "random"], 4);
        total.actions += c.actions;
        total.hands += c.hands;
        total.tributes += c.tributes;
        total.returns += c.returns;
        total.redacted += c.redacted;
    }
    assert!(total.hands >= 6, "several hands were played: {total:?}");
    assert!(
        total.tributes > 0 && total.returns > 0,
        "tribute and return happened: {total:?}"
    );
    assert!(
        total.redacted > 0,
        "private events were redacted: {total:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4))]

    #[test]
    fn random_matches_never_leak_hidden_cards(
        seed in any::<u64>(),
        names in prop::array::uniform4(prop::sample::select(vec!["random", "greedy"])),
    ) {
        let c = play_and_check(seed, names, 3);
        prop_assert!(c.actions > 0);
    }
}
