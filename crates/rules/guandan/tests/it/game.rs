//! Match scenarios: trick flow, 接风, hand ends, promotion, the A rules, tribute, return, 抗贡, views, replay.

use crate::{hand, play, rank};
use guandan::game::{Event, Match, Phase, RuleError, Seed, Setup, replay};
use guandan::{Action, Card, Rules, Seat, Team};

fn seat(i: u8) -> Seat {
    Seat::new(i).expect("seat")
}

fn team(i: u8) -> Team {
    Team::new(i).expect("team")
}

/// A match from four hand strings, team levels, declarer, previous finish order and leader.
fn setup(
    hands: [&str; 4],
    levels: [&str; 2],
    declarer: Option<u8>,
    prev: Option<[u8; 4]>,
    leader: u8,
    rules: Rules,
) -> Match {
    let s = Setup {
        hands: hands.map(hand),
        levels: levels.map(rank),
        declarer: declarer.map(team),
        prev_order: prev.map(|o| o.map(seat)),
        leader: seat(leader),
        hand_no: 1,
    };
    Match::from_setup(Seed::from_u64(7), rules, s)
        .expect("valid setup")
        .0
}

/// Parses `"0 play Single 3 S3"`, `"1 pass"`, `"3 tribute HR"`, `"0 return S3"`.
fn action(s: &str) -> Action {
    let (who, rest) = s.split_once(' ').expect("seat and verb");
    let st = seat(who.parse().expect("seat number"));
    let (verb, arg) = rest.split_once(' ').unwrap_or((rest, ""));
    match verb {
        "play" => Action::Play {
            seat: st,
            play: play(arg),
        },
        "pass" => Action::Pass { seat: st },
        "tribute" => Action::Tribute {
            seat: st,
            card: Card::parse(arg).expect("card"),
        },
        "return" => Action::Return {
            seat: st,
            card: Card::parse(arg).expect("card"),
        },
        _ => panic!("bad verb {verb}"),
    }
}

/// Applies every action, which must all be legal; returns all events.
fn run(m: &mut Match, actions: &[&str]) -> Vec<Event> {
    let mut all = Vec::new();
    for a in actions {
        let ev = m
            .apply_mut(action(a))
            .unwrap_or_else(|e| panic!("{a}: {e}"));
        all.extend(ev);
    }
    all
}

fn err(m: &Match, a: &str) -> RuleError {
    let before = m.clone();
    let mut copy = m.clone();
    let e = copy.apply_mut(action(a)).expect_err(a);
    assert_eq!(copy, before, "a refused action changes nothing");
    e
}

fn hand_over(ev: &[Event]) -> guandan::game::HandResult {
    ev.iter()
        .find_map(|e| {
            if let Event::HandOver(r) = e {
                Some(r.clone())
            } else {
                None
            }
        })
        .expect("hand over")
}

#[test]
fn trick_flow() {
    let mut m = setup(
        ["S3 S4 S5", "S6 S7", "S8 S9", "ST SJ"],
        ["2", "2"],
        None,
        None,
        0,
        Rules::default(),
    );
    assert_eq!(
        err(&m, "1 play Single 6 S6"),
        RuleError::NotYourTurn { seat: seat(1) }
    );
    assert_eq!(err(&m, "0 pass"), RuleError::PassWhileLeading);
    assert_eq!(
        err(&m, "0 play Single 6 S6"),
        RuleError::CardsNotHeld { seat: seat(0) }
    );
    assert!(matches!(
        err(&m, "0 play Pair 3 S3 S4"),
        RuleError::InvalidReading { .. }
    ));
    let ev = run(
        &mut m,
        &[
            "0 play Single 3 S3",
            "1 pass",
            "2 play Single 8 S8",
            "3 pass",
            "0 pass",
        ],
    );
    assert!(!ev.iter().any(|e| matches!(e, Event::TrickWon { .. })));
    assert_eq!(err(&m, "1 play Single 7 S7"), RuleError::DoesNotBeat);
    // A player who passed may play again in the same trick.
    let ev = run(&mut m, &["1 pass"]);
    assert!(ev.contains(&Event::TrickWon {
        winner: seat(2),
        leader: seat(2),
        jiefeng: false
    }));
    assert_eq!(m.turn(), Some(seat(2)));
    assert!(m.top().is_none());
}

#[test]
fn jiefeng_goes_to_the_partner() {
    let mut m = setup(
        ["S3", "S4 S5", "S6 S7", "S8 S9"],
        ["2", "2"],
        None,
        None,
        0,
        Rules::default(),
    );
    let ev = run(
        &mut m,
        &["0 play Single 3 S3", "1 pass", "2 pass", "3 pass"],
    );
    assert!(ev.contains(&Event::PlayerOut {
        seat: seat(0),
        place: 1
    }));
    assert!(ev.contains(&Event::TrickWon {
        winner: seat(0),
        leader: seat(2),
        jiefeng: true
    }));
    // §2.14.10: a player who has gone out cannot act.
    assert_eq!(err(&m, "0 pass"), RuleError::NotYourTurn { seat: seat(0) });
    // Out players are skipped: 2 → 3 → 1.
    run(
        &mut m,
        &["2 play Single 6 S6", "3 play Single 9 S9", "1 pass"],
    );
    let ev = run(&mut m, &["2 pass"]);
    assert!(ev.contains(&Event::TrickWon {
        winner: seat(3),
        leader: seat(3),
        jiefeng: false
    }));
}

#[test]
fn no_jiefeng_when_the_last_play_is_beaten() {
    let mut m = setup(
        ["S3", "S4 S5", "S6 S7", "S8 S9"],
        ["2", "2"],
        None,
        None,
        0,
        Rules::default(),
    );
    let ev = run(
        &mut m,
        &[
            "0 play Single 3 S3",
            "1 play Single 5 S5",
            "2 pass",
            "3 pass",
        ],
    );
    assert!(ev.contains(&Event::TrickWon {
        winner: seat(1),
        leader: seat(1),
        jiefeng: false
    }));
}

#[test]
fn jiefeng_to_next_player_under_the_house_rule() {
    let rules = Rules {
        jiefeng: guandan::rules::JiefengRecipient::NextPlayer,
        ..Rules::default()
    };
    let mut m = setup(
        ["S3", "S4 S5", "S6 S7", "S8 S9"],
        ["2", "2"],
        None,
        None,
        0,
        rules,
    );
    let ev = run(
        &mut m,
        &["0 play Single 3 S3", "1 pass", "2 pass", "3 pass"],
    );
    assert!(ev.contains(&Event::TrickWon {
        winner: seat(0),
        leader: seat(1),
        jiefeng: true
    }));
}

#[test]
fn one_two_finish_ends_the_hand_at_once() {
    // §2.14.9
    let mut m = setup(
        ["S3", "S4 S5", "S6", "S8 S9"],
        ["2", "2"],
        None,
        None,
        0,
        Rules::default(),
    );
    let ev = run(
        &mut m,
        &["0 play Single 3 S3", "1 pass", "2 play Single 6 S6"],
    );
    let r = hand_over(&ev);
    assert_eq!(r.order[..2], [seat(0), seat(2)]);
    assert_eq!((r.promoted, r.steps), (team(0), 3));
    assert_eq!(m.levels, [rank("5"), rank("2")]);
    assert_eq!(m.level, rank("5"));
    assert_eq!(m.declarer, Some(team(0)));
    assert_eq!(m.hand_no, 2);
    // The next hand was dealt: 27 cards each, then tribute (or 抗贡).
    assert!(
        ev.iter()
            .filter(|e| matches!(e, Event::Deal { .. }))
            .count()
            == 4
    );
    assert!(matches!(m.phase(), Phase::Tribute | Phase::Play));
}

/// Plays a hand where seats go out in `order` (each seat holds one card, led in turn), returns the result.
fn finish_in_order(
    levels: [&str; 2],
    declarer: Option<u8>,
    order: [u8; 3],
    rules: Rules,
    pre: impl Fn(&mut Match),
) -> (Match, Vec<Event>) {
    let cards = ["S3", "S4", "S5", "S6"];
    let mut hands = ["SK SK", "SK SK", "SK SK", "SK SK"].map(String::from);
    // Seats in `order` hold a single low card; the last seat holds two kings (never finishing first).
    for (i, &s) in order.iter().enumerate() {
        hands[usize::from(s)] = cards[i].to_string();
    }
    let last = (0..4u8).find(|s| !order.contains(s)).expect("a last seat");
    hands[usize::from(last)] = "HK DK".to_string();
    let hs: [&str; 4] = [&hands[0], &hands[1], &hands[2], &hands[3]];
    let mut m = setup(hs, levels, declarer, None, order[0], rules);
    pre(&mut m);
    let mut ev = Vec::new();
    // The next finisher beats the top play with its single card; everyone else passes.
    for _ in 0..40 {
        if m.results.len() == 1 || m.phase() == Phase::MatchOver {
            break;
        }
        let t = m.turn().expect("play phase");
        let h = m.hand(t).cards();
        let next_out = order.get(m.finish_order().len()).copied().map(seat);
        let single = |c: Card| {
            play(&format!(
                "Single {} {c}",
                c.rank().expect("natural").to_char()
            ))
        };
        let a = if m.top().is_none() || Some(t) == next_out {
            Action::Play {
                seat: t,
                play: single(h[0]),
            }
        } else {
            Action::Pass { seat: t }
        };
        ev.extend(m.apply_mut(a).expect("legal"));
    }
    (m, ev)
}

#[test]
fn promotion_by_partner_place_and_cap_at_ace() {
    let (m, ev) = finish_in_order(["2", "2"], None, [0, 1, 2], Rules::default(), |_| {});
    assert_eq!((hand_over(&ev).steps, m.levels[0]), (2, rank("4")));
    let (m, ev) = finish_in_order(["2", "2"], None, [0, 1, 3], Rules::default(), |_| {});
    assert_eq!((hand_over(&ev).steps, m.levels[0]), (1, rank("3")));
    // K + 3 = A, never past it.
    let (m, _) = finish_in_order(["K", "2"], Some(1), [0, 2, 1], Rules::default(), |_| {});
    assert_eq!(m.levels[0], rank("A"));
    assert_ne!(m.phase(), Phase::MatchOver);
}

#[test]
fn passing_ace_needs_first_and_partner_not_last_at_own_ace() {
    let (m, ev) = finish_in_order(["A", "5"], Some(0), [0, 1, 2], Rules::default(), |_| {});
    assert_eq!(m.winner(), Some(team(0)));
    assert!(ev.contains(&Event::MatchOver {
        winner: Some(team(0))
    }));
    // 1-4 at own A: no win, a failure counts.
    let (m, _) = finish_in_order(["A", "5"], Some(0), [0, 1, 3], Rules::default(), |_| {});
    assert_eq!((m.winner(), m.ace_failures[0]), (None, 1));
    // A 1-2 at the opponents' level while at A does not win: the hand was not played at own A.
    let (m, _) = finish_in_order(["A", "5"], Some(1), [0, 2, 1], Rules::default(), |_| {});
    assert_eq!(m.winner(), None);
    assert_eq!(m.level, rank("A"));
    // The competition manual's wording: 1-2 only.
    let rules = Rules {
        pass_ace: guandan::rules::PassAce::FirstAndSecond,
        ..Rules::default()
    };
    let (m, _) = finish_in_order(["A", "5"], Some(0), [0, 1, 2], rules, |_| {});
    assert_eq!(m.winner(), None);
}

#[test]
fn three_failures_at_ace_demote_to_two() {
    let (m, ev) = finish_in_order(["A", "5"], Some(0), [1, 0, 2], Rules::default(), |m| {
        m.ace_failures = [2, 0]
    });
    let r = hand_over(&ev);
    assert_eq!(r.ace_reset, Some(team(0)));
    assert_eq!(m.levels[0], rank("2"));
    assert_eq!(m.ace_resets, 1);
    // Variants: drop to K, or to the opponents' level.
    use guandan::rules::AceDemotion;
    let rules = Rules {
        ace_failure_demote_to: AceDemotion::Level(rank("K")),
        ..Rules::default()
    };
    let (m, _) = finish_in_order(["A", "5"], Some(0), [1, 0, 2], rules, |m| {
        m.ace_failures = [2, 0]
    });
    assert_eq!(m.levels[0], rank("K"));
    let rules = Rules {
        ace_failure_demote_to: AceDemotion::OpponentLevel,
        ..Rules::default()
    };
    let (m, _) = finish_in_order(["A", "5"], Some(0), [1, 0, 2], rules, |m| {
        m.ace_failures = [2, 0]
    });
    // Team 1 won the hand 1-4 (seat 3 last: +1 → 6); team 0 drops to the opponents' new level.
    assert_eq!(m.levels, [rank("6"), rank("6")]);
    // Never: no demotion at all.
    let rules = Rules {
        ace_failures_max: None,
        ..Rules::default()
    };
    let (m, _) = finish_in_order(["A", "5"], Some(0), [1, 0, 2], rules, |m| {
        m.ace_failures = [9, 0]
    });
    assert_eq!(m.levels[0], rank("A"));
}

#[test]
fn competition_counts_only_first_and_last_finishes_at_ace() {
    let rules = Rules::competition();
    let (m, _) = finish_in_order(["A", "5"], Some(0), [1, 0, 2], rules, |m| {
        m.ace_failures = [3, 0]
    });
    assert_eq!((m.ace_failures[0], m.levels[0]), (3, rank("A")));
    let (m, ev) = finish_in_order(["A", "5"], Some(0), [0, 1, 3], rules, |m| {
        m.ace_failures = [3, 0]
    });
    assert_eq!(hand_over(&ev).ace_reset, Some(team(0)));
    assert_eq!(m.levels[0], rank("2"));
}

#[test]
fn single_tribute_and_return() {
    // 1-3 result: seat 3 (末游) pays seat 0 (头游).
    let mut m = setup(
        ["S3 S4 HA", "SA S5", "S6 S7", "HR S8 D8"],
        ["3", "2"],
        Some(0),
        Some([0, 1, 2, 3]),
        0,
        Rules::default(),
    );
    assert_eq!(m.phase(), Phase::Tribute);
    assert_eq!(m.awaiting(), vec![seat(3)]);
    assert_eq!(
        err(&m, "3 tribute S8"),
        RuleError::IllegalTribute {
            card: Card::parse("S8").expect("card")
        }
    );
    assert!(matches!(
        err(&m, "0 tribute S3"),
        RuleError::NotYourTurn { .. }
    ));
    let (_, ev) = Match::from_setup(
        Seed::from_u64(7),
        Rules::default(),
        Setup {
            hands: ["S3 S4 HA", "SA S5", "S6 S7", "HR S8 D8"].map(hand),
            levels: [rank("3"), rank("2")],
            declarer: Some(team(0)),
            prev_order: Some([0, 1, 2, 3].map(seat)),
            leader: seat(0),
            hand_no: 1,
        },
    )
    .expect("setup");
    assert!(ev.contains(&Event::TributeStart {
        payers: vec![seat(3)]
    }));
    let ev = run(&mut m, &["3 tribute HR"]);
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::TributeResult { transfers } if transfers[0].to == seat(0)))
    );
    assert_eq!(m.phase(), Phase::Return);
    assert_eq!(m.awaiting(), vec![seat(0)]);
    // Return ≤ 10 and not a level card (level 3: S3 is a level card).
    let cards: Vec<String> = m
        .return_cards(seat(0))
        .iter()
        .map(Card::to_string)
        .collect();
    assert_eq!(cards, ["S4"]);
    assert_eq!(
        err(&m, "0 return HR"),
        RuleError::IllegalReturn {
            card: Card::BIG_JOKER
        }
    );
    let ev = run(&mut m, &["0 return S4"]);
    // The payer leads.
    assert!(ev.contains(&Event::FirstLead { seat: seat(3) }));
    assert_eq!(m.turn(), Some(seat(3)));
    assert_eq!(m.hand(seat(3)).len(), 3);
}

#[test]
fn tribute_card_is_the_highest_excluding_wilds() {
    // Level 5: H5 is wild (exempt), S5 is a level card and outranks A.
    let m = setup(
        ["S3", "S4", "S6", "H5 S5 SA"],
        ["5", "2"],
        Some(0),
        Some([0, 1, 2, 3]),
        0,
        Rules::default(),
    );
    assert_eq!(
        m.tribute_cards(seat(3)),
        vec![Card::parse("S5").expect("card")]
    );
    let m = setup(
        ["S3", "S4", "S6", "H5 SA DA"],
        ["5", "2"],
        Some(0),
        Some([0, 1, 2, 3]),
        0,
        Rules::default(),
    );
    // Equal cards: the payer chooses the suit.
    let t: Vec<String> = m
        .tribute_cards(seat(3))
        .iter()
        .map(Card::to_string)
        .collect();
    assert_eq!(t, ["SA", "DA"]);
}

#[test]
fn return_limit_excludes_level_cards_of_every_suit() {
    // §2.14.8 at level T: ≤ 9 only.
    let m = setup(
        ["S9 ST DT SJ", "S4", "S6", "SA"],
        ["T", "2"],
        Some(0),
        Some([0, 1, 2, 3]),
        0,
        Rules::default(),
    );
    let mut m = m;
    run(&mut m, &["3 tribute SA"]);
    let cards: Vec<String> = m
        .return_cards(seat(0))
        .iter()
        .map(Card::to_string)
        .collect();
    assert_eq!(cards, ["S9"]);
    // Nothing ≤ 10: the smallest card.
    let mut m = setup(
        ["SJ SQ SB", "S4", "S6", "SA"],
        ["T", "2"],
        Some(0),
        Some([0, 1, 2, 3]),
        0,
        Rules::default(),
    );
    run(&mut m, &["3 tribute SA"]);
    let cards: Vec<String> = m
        .return_cards(seat(0))
        .iter()
        .map(Card::to_string)
        .collect();
    assert_eq!(cards, ["SJ"]);
    // [OFF17]: to an opponent, any card.
    let rules = Rules {
        return_limit: guandan::rules::ReturnLimit::TenOrLowerToPartner,
        ..Rules::default()
    };
    let mut m = setup(
        ["SJ S3", "S4", "S6", "SA"],
        ["T", "2"],
        Some(0),
        Some([0, 2, 1, 3]),
        0,
        rules,
    );
    assert_eq!(m.awaiting(), vec![seat(1), seat(3)]);
    run(&mut m, &["1 tribute S4", "3 tribute SA"]);
    assert_eq!(m.return_cards(seat(0)).len(), 3);
}

#[test]
fn double_tribute_higher_card_to_first() {
    let mut m = setup(
        ["S3 S4", "SK S5", "S6 S7", "SA S8"],
        ["3", "2"],
        Some(0),
        Some([0, 2, 1, 3]),
        0,
        Rules::default(),
    );
    let ev = run(&mut m, &["1 tribute SK", "3 tribute SA"]);
    let Some(Event::TributeResult { transfers }) =
        ev.iter().find(|e| matches!(e, Event::TributeResult { .. }))
    else {
        panic!("no tribute result")
    };
    let to: Vec<(u8, u8)> = transfers
        .iter()
        .map(|t| (u8::from(t.from), u8::from(t.to)))
        .collect();
    assert_eq!(to, [(1, 2), (3, 0)]);
    let ev = run(&mut m, &["0 return S4", "2 return S6"]);
    // The payer whose card went to 头游 leads.
    assert!(ev.contains(&Event::FirstLead { seat: seat(3) }));
}

#[test]
fn double_tribute_equal_cards_first_takes_from_next_player() {
    // First = seat 2; its next player is seat 3.
    let mut m = setup(
        ["S6 S7", "DA S5", "S3 S4", "SA S8"],
        ["3", "2"],
        Some(0),
        Some([2, 0, 3, 1]),
        0,
        Rules::default(),
    );
    let ev = run(&mut m, &["1 tribute DA", "3 tribute SA"]);
    let Some(Event::TributeResult { transfers }) =
        ev.iter().find(|e| matches!(e, Event::TributeResult { .. }))
    else {
        panic!("no tribute result")
    };
    let to: Vec<(u8, u8)> = transfers
        .iter()
        .map(|t| (u8::from(t.from), u8::from(t.to)))
        .collect();
    assert_eq!(to, [(3, 2), (1, 0)]);
    let ev = run(&mut m, &["2 return S4", "0 return S6"]);
    assert!(ev.contains(&Event::FirstLead { seat: seat(3) }));
}

#[test]
fn competition_double_tribute_pairs_by_seat() {
    let mut m = setup(
        ["S3 S4", "SA S5", "S6 S7", "SK S8"],
        ["3", "2"],
        Some(0),
        Some([0, 2, 1, 3]),
        0,
        Rules::competition(),
    );
    let ev = run(&mut m, &["1 tribute SA", "3 tribute SK"]);
    let Some(Event::TributeResult { transfers }) =
        ev.iter().find(|e| matches!(e, Event::TributeResult { .. }))
    else {
        panic!("no tribute result")
    };
    let to: Vec<(u8, u8)> = transfers
        .iter()
        .map(|t| (u8::from(t.from), u8::from(t.to)))
        .collect();
    // Seat p pays seat p-1 whatever the cards.
    assert_eq!(to, [(1, 0), (3, 2)]);
    let ev = run(&mut m, &["0 return S4", "2 return S6"]);
    // The payer of the larger card leads.
    assert!(ev.contains(&Event::FirstLead { seat: seat(1) }));
}

#[test]
fn anti_tribute_on_both_big_jokers() {
    // §2.14.15: checked on the new hands. Single tribute, payer holds both big jokers.
    let m = setup(
        ["S3", "S4", "S6", "HR HR S5"],
        ["3", "2"],
        Some(0),
        Some([0, 1, 2, 3]),
        0,
        Rules::default(),
    );
    assert_eq!(m.phase(), Phase::Play);
    assert_eq!(m.turn(), Some(seat(0)));
    // Double tribute: one big joker each.
    let m = setup(
        ["S3", "HR S4", "S6", "HR S5"],
        ["3", "2"],
        Some(0),
        Some([0, 2, 1, 3]),
        0,
        Rules::default(),
    );
    assert_eq!(m.phase(), Phase::Play);
    assert_eq!(m.view(None).anti_tribute, vec![seat(1), seat(3)]);
    // Small jokers do not count officially; they do under the casual rule.
    let m = setup(
        ["S3", "S4", "S6", "SB SB S5"],
        ["3", "2"],
        Some(0),
        Some([0, 1, 2, 3]),
        0,
        Rules::default(),
    );
    assert_eq!(m.phase(), Phase::Tribute);
    let rules = Rules {
        anti_tribute: guandan::rules::AntiTribute::AnyTwoJokers,
        ..Rules::default()
    };
    let m = setup(
        ["S3", "S4", "S6", "SB SB S5"],
        ["3", "2"],
        Some(0),
        Some([0, 1, 2, 3]),
        0,
        rules,
    );
    assert_eq!(m.phase(), Phase::Play);
}

#[test]
fn views_never_show_other_hands() {
    let (m, ev) = Match::new(Seed::from_u64(3), Rules::default());
    for s in Seat::all() {
        let v = m.view(Some(s));
        assert_eq!(v.hand.as_ref(), Some(m.hand(s)));
        let json = serde_json::to_string(&v).expect("json");
        // The only card lists in a fresh view are the viewer's own hand.
        let shown: usize = v.hand.as_ref().map_or(0, |h| h.len());
        assert_eq!(shown, 27);
        assert!(!json.contains("\"hands\""));
        assert_eq!(v.counts, [27; 4]);
    }
    assert!(m.view(None).hand.is_none());
    // Deal events are private to their seat.
    for e in &ev {
        if let Event::Deal { seat: s, .. } = e {
            assert!(e.visible_to(Some(*s)));
            assert!(!e.visible_to(Some(s.next())));
            assert!(!e.visible_to(None));
        }
    }
}

#[test]
fn tribute_card_is_hidden_until_all_paid() {
    let mut m = setup(
        ["S3 S4", "SK S5", "S6 S7", "SA S8"],
        ["3", "2"],
        Some(0),
        Some([0, 2, 1, 3]),
        0,
        Rules::default(),
    );
    run(&mut m, &["1 tribute SK"]);
    assert_eq!(m.view(Some(seat(0))).tributes[0].card, None);
    assert_eq!(m.view(None).tributes[0].card, None);
    assert_eq!(m.view(Some(seat(1))).tributes[0].card, Card::parse("SK"));
    run(&mut m, &["3 tribute SA"]);
    assert_eq!(m.view(None).tributes[0].card, Card::parse("SK"));
}

#[test]
fn replay_is_deterministic_and_detects_tampering() {
    let rules = Rules::default();
    let rec = guandan::cli::record_game(42, &rules, "greedy").expect("record");
    let actions: Vec<Action> = serde_json::from_value(rec["actions"].clone()).expect("actions");
    let seed: Seed = serde_json::from_value(rec["seed"].clone()).expect("seed");
    let a = replay(seed, rules, &actions).expect("replays");
    let b = replay(seed, rules, &actions).expect("replays");
    assert_eq!(a.state_hash(), b.state_hash());
    assert_eq!(a.state_hash(), rec["state_hash"].as_str().expect("hash"));
    assert_eq!(a.phase(), Phase::MatchOver);
    // Drop one action in the middle: the replay fails at or after that index.
    let mut t = actions.clone();
    t.remove(10);
    let (i, _) = replay(seed, rules, &t).expect_err("tampered");
    assert!(i >= 10);
    // Different seed, different deal.
    let other = Match::new(Seed::from_u64(43), rules).0;
    assert_ne!(
        other.state_hash(),
        Match::new(Seed::from_u64(42), rules).0.state_hash()
    );
}

#[test]
fn state_round_trips_through_serde() {
    let rec = guandan::cli::record_game(5, &Rules::competition(), "random").expect("record");
    let actions: Vec<Action> = serde_json::from_value(rec["actions"].clone()).expect("actions");
    let seed: Seed = serde_json::from_value(rec["seed"].clone()).expect("seed");
    let (mut m, _) = Match::new(seed, Rules::competition());
    for a in actions.iter().take(50) {
        m.apply_mut(*a).expect("legal");
    }
    let json = serde_json::to_string(&m).expect("ser");
    let back: Match = serde_json::from_str(&json).expect("de");
    assert_eq!(back, m);
    assert_eq!(back.state_hash(), m.state_hash());
    let rules_json = serde_json::to_string(&Rules::competition()).expect("ser");
    assert_eq!(
        serde_json::from_str::<Rules>(&rules_json).expect("de"),
        Rules::competition()
    );
}

#[test]
fn tribute_is_checked_on_the_new_hands_in_real_matches() {
    // §2.14.15: over simulated matches, every tribute card is a top card of the payer's freshly dealt hand,
    // and 抗贡 happens exactly when the payers were dealt both big jokers.
    let g = guandan::bots::GreedyBot;
    let mut rng = guandan::sim::bot_rng(3, 0);
    let mut tributes = 0;
    for game in 0..4 {
        let (mut m, mut ev) = Match::new(guandan::sim::game_seed(3, game), Rules::default());
        while m.phase() != Phase::MatchOver {
            let dealt: Vec<Vec<Card>> = ev
                .iter()
                .filter_map(|e| {
                    if let Event::Deal { cards, .. } = e {
                        Some(cards.clone())
                    } else {
                        None
                    }
                })
                .collect();
            if dealt.len() == 4 && m.phase() == Phase::Tribute {
                for s in m.awaiting() {
                    let level = m.level;
                    let best = dealt[s.index()]
                        .iter()
                        .filter(|c| !c.is_wild(level))
                        .map(|&c| guandan::combo::card_value(c, level))
                        .max();
                    for c in m.tribute_cards(s) {
                        assert_eq!(Some(guandan::combo::card_value(c, level)), best);
                        tributes += 1;
                    }
                }
            }
            let seat = m.awaiting()[0];
            let a = guandan::sim::bot_action(&m, seat, &g, &mut rng).expect("an action");
            ev = m.apply_mut(a).expect("legal");
        }
    }
    assert!(tributes > 0, "some tribute happened");
}

#[test]
fn wire_shapes_of_actions_events_and_views() {
    // The JSON the server forwards: pinned here so a change of shape is a visible test failure.
    use serde_json::json;
    let mut m = setup(
        ["S3 S4", "SK S5", "S6 S7", "SA S8"],
        ["3", "2"],
        Some(0),
        Some([0, 2, 1, 3]),
        0,
        Rules::default(),
    );
    let ev = run(
        &mut m,
        &["1 tribute SK", "3 tribute SA", "0 return S4", "2 return S6"],
    );
    assert_eq!(
        serde_json::to_value(&ev).expect("json"),
        json!([
            {"event": "tribute_paid", "seat": 1, "card": "SK"},
            {"event": "tribute_paid", "seat": 3, "card": "SA"},
            {"event": "tribute_result", "transfers": [{"from": 1, "to": 2, "card": "SK"}, {"from": 3, "to": 0, "card": "SA"}]},
            {"event": "returned", "seat": 0, "card": "S4"},
            {"event": "returned", "seat": 2, "card": "S6"},
            {"event": "return_result", "transfers": [{"from": 2, "to": 1, "card": "S6"}, {"from": 0, "to": 3, "card": "S4"}]},
            {"event": "first_lead", "seat": 3}
        ])
    );
    let a = action("3 play Single 8 S8");
    assert_eq!(
        serde_json::to_value(a).expect("json"),
        json!({"type": "play", "seat": 3, "play": ["Single", "8", ["S8"]]})
    );
    let ev = run(&mut m, &["3 play Single 8 S8"]);
    assert_eq!(
        serde_json::to_value(&ev).expect("json"),
        json!([{"event": "played", "seat": 3, "play": ["Single", "8", ["S8"]]}])
    );
    let mut view = serde_json::to_value(m.view(Some(seat(0)))).expect("json");
    view.as_object_mut().expect("object").remove("rules");
    assert_eq!(
        view,
        json!({
            "seat": 0, "hand": ["S3", "SA"], "hand_no": 1, "level": "3", "levels": ["3", "2"], "declarer": 0,
            "phase": "play", "awaiting": [0], "counts": [2, 2, 2, 1],
            "top": [3, ["Single", "8", ["S8"]]], "trick": [[3, ["Single", "8", ["S8"]]]],
            "last_moves": [null, null, null, ["Single", "8", ["S8"]]], "played": ["S8"], "finish": [],
            "tributes": [
                {"payer": 1, "card": "SK", "receiver": 2, "returned": "S6"},
                {"payer": 3, "card": "SA", "receiver": 0, "returned": "S4"}
            ],
            "anti_tribute": [], "winner": null
        })
    );
    let pass = json!({"type": "pass", "seat": 0});
    assert_eq!(
        serde_json::from_value::<Action>(pass).expect("action"),
        Action::Pass { seat: seat(0) }
    );
}

#[test]
fn setups_are_validated() {
    use guandan::game::SetupError;
    let s = |hands: [&str; 4]| Setup {
        hands: hands.map(hand),
        levels: [rank("2"), rank("2")],
        declarer: None,
        prev_order: None,
        leader: seat(0),
        hand_no: 0,
    };
    let e = Match::from_setup(
        Seed::from_u64(1),
        Rules::default(),
        s(["S3 S3", "S3", "S4", "S5"]),
    )
    .expect_err("three S3");
    assert_eq!(
        e,
        SetupError::TooManyCopies(Card::parse("S3").expect("card"))
    );
    let e = Match::from_setup(
        Seed::from_u64(1),
        Rules::default(),
        s(["S3", "", "S4", "S5"]),
    )
    .expect_err("empty");
    assert_eq!(e, SetupError::EmptyHand(seat(1)));
}

#[test]
fn rules_fill_missing_fields_and_refuse_unknown_ones() {
    let r: Rules = serde_json::from_str(r#"{"jiefeng": "next-player"}"#).expect("partial rules");
    assert_eq!(
        r,
        Rules {
            jiefeng: guandan::rules::JiefengRecipient::NextPlayer,
            ..Rules::default()
        }
    );
    assert!(serde_json::from_str::<Rules>(r#"{"jiefang": "partner"}"#).is_err());
    assert_eq!(Rules::profile("competition"), Some(Rules::competition()));
    assert_eq!(Rules::profile("official-2022"), Some(Rules::default()));
    assert_eq!(Rules::profile("house"), None);
}

#[test]
fn deal_gives_27_cards_each_from_one_pack() {
    let (m, _) = Match::new(Seed::from_u64(99), Rules::default());
    let mut all = guandan::Hand::new();
    for s in Seat::all() {
        assert_eq!(m.hand(s).len(), 27);
        for c in m.hand(s).cards() {
            all.add(c);
        }
    }
    assert_eq!(all.cards(), guandan::card::full_pack());
    // The first leader comes from the seeded RNG, or a fixed seat when configured.
    let fixed = Rules {
        first_leader: guandan::rules::FirstLeader::Seat(2),
        ..Rules::default()
    };
    assert_eq!(
        Match::new(Seed::from_u64(99), fixed).0.turn(),
        Some(seat(2))
    );
    let a = Match::new(Seed::from_u64(99), Rules::default()).0;
    assert_eq!(a.turn(), m.turn());
}

#[test]
fn one_four_result_partner_pays_and_returns_under_the_limit() {
    // 1-4: seat 2 (头游's own partner) is last and still pays seat 0.
    let rules = Rules {
        return_limit: guandan::rules::ReturnLimit::TenOrLowerToPartner,
        ..Rules::default()
    };
    let mut m = setup(
        ["SK S3 S4", "S5", "SA S8", "S6"],
        ["3", "2"],
        Some(0),
        Some([0, 1, 3, 2]),
        0,
        rules,
    );
    assert_eq!(m.awaiting(), vec![seat(2)]);
    run(&mut m, &["2 tribute SA"]);
    // Returning to one's own partner: ≤ 10 and not a level card, even under [OFF17].
    let cards: Vec<String> = m
        .return_cards(seat(0))
        .iter()
        .map(Card::to_string)
        .collect();
    assert_eq!(cards, ["S4"]);
    let ev = run(&mut m, &["0 return S4"]);
    assert!(ev.contains(&Event::FirstLead { seat: seat(2) }));
}
