//! Multi-step games as state machines: scripted rounds on published seeds, and properties
//! (no panic on any action sequence, termination, fixed events, serde round-trips, idle rule).

use casino::blackjack::{BlackjackAction, BlackjackRound, HandResult, Phase, hand_value};
use casino::hilo::{Guess, HiloAction, HiloRound, HiloState};
use casino::mines::{MinesAction, MinesParams, MinesRound, MinesState};
use casino::{GameError, Multiplier};
use fair::{ByteStream, IndexMode};
use proptest::prelude::*;
use serde_json::json;

use crate::{fixture, seed};

fn stream(index: u64) -> ByteStream {
    let (server, client, nonce) = seed(&fixture(), &json!(index));
    ByteStream::new(&server, &client, nonce)
}

fn mines_round(mines: u8, stake: u64) -> MinesRound {
    MinesRound::start(
        MinesParams { mines },
        &mut stream(0),
        IndexMode::Floor,
        stake,
    )
    .expect("valid")
}

#[test]
fn mines_reveal_cash_out_and_bust() {
    let round = mines_round(3, 1_000);
    assert_eq!(round.mines.len(), 3);
    let safe: Vec<u8> = (0..25).filter(|t| !round.mines.contains(t)).collect();
    assert_eq!(
        round.apply(MinesAction::CashOut),
        Err(GameError::ActionNotAllowed(
            "cash out needs at least one revealed tile"
        ))
    );
    let one = round
        .apply(MinesAction::Reveal { tile: safe[0] })
        .expect("safe tile");
    assert_eq!(one.multiplier(), Multiplier(112_500_000));
    assert_eq!(
        one.apply(MinesAction::Reveal { tile: safe[0] }),
        Err(GameError::BadTile(safe[0]))
    );
    assert_eq!(
        one.apply(MinesAction::Reveal { tile: 25 }),
        Err(GameError::BadTile(25))
    );
    let two = one
        .apply(MinesAction::Reveal { tile: safe[1] })
        .expect("safe tile");
    // 0.99 * C(25, 2) / C(22, 2) = 0.99 * 300 / 231
    assert_eq!(
        two.multiplier(),
        Multiplier::from_ratio(99 * 300, 100 * 231)
    );
    let cashed = two.apply(MinesAction::CashOut).expect("two safe picks");
    assert_eq!(cashed.state, MinesState::CashedOut);
    assert_eq!(
        cashed.payout_minor(),
        Some(Ok(1_000 * 128_571_428 / 100_000_000))
    );
    assert_eq!(
        cashed.apply(MinesAction::CashOut),
        Err(GameError::RoundOver)
    );
    let busted = two
        .apply(MinesAction::Reveal {
            tile: round.mines[1],
        })
        .expect("a mine");
    assert_eq!(
        busted.state,
        MinesState::Busted {
            tile: round.mines[1]
        }
    );
    assert_eq!(busted.payout_minor(), Some(Ok(0)));
    assert_eq!(two.payout_minor(), None);
}

#[test]
fn mines_clearing_the_board_cashes_out_and_idle_rule_applies() {
    let mut round = mines_round(24, 100);
    let safe = (0..25)
        .find(|t| !round.mines.contains(t))
        .expect("one safe tile");
    assert_eq!(round.settle_idle().state, MinesState::Refunded);
    assert_eq!(round.settle_idle().payout_minor(), Some(Ok(100)));
    round = round
        .apply(MinesAction::Reveal { tile: safe })
        .expect("safe");
    assert_eq!(round.state, MinesState::CashedOut);
    assert_eq!(round.payout_minor(), Some(Ok(2_475)));
    let partial = mines_round(1, 100);
    let safe = (0..25).find(|t| !partial.mines.contains(t)).expect("safe");
    let idle = partial
        .apply(MinesAction::Reveal { tile: safe })
        .expect("safe")
        .settle_idle();
    assert_eq!(idle.state, MinesState::CashedOut);
}

#[test]
fn hilo_scripted_round_on_the_first_published_seed() {
    // Cards: DQ SK D6 HQ H2 …
    let round = HiloRound::start(&mut stream(0), IndexMode::Floor, 100).expect("valid");
    assert_eq!(round.current().code(), "DQ");
    assert!(
        round.apply(HiloAction::CashOut).is_err(),
        "no correct guess yet"
    );
    let higher = round
        .apply(HiloAction::Guess {
            guess: Guess::Higher,
        })
        .expect("legal");
    // From a queen two ranks (K, A) are higher: 0.99 * 13 / 2 = 6.435x.
    assert_eq!(higher.multiplier, Multiplier(643_500_000));
    let lower = higher
        .apply(HiloAction::Guess {
            guess: Guess::Lower,
        })
        .expect("legal");
    // From a king eleven ranks are lower: 6.435 * 0.99 * 13 / 11 = 6.435 * 1.17.
    assert_eq!(lower.multiplier, Multiplier(752_895_000));
    assert_eq!(
        lower
            .apply(HiloAction::CashOut)
            .expect("cash out")
            .payout_minor(),
        Some(Ok(752))
    );
    let wrong = lower
        .apply(HiloAction::Guess { guess: Guess::Same })
        .expect("legal guess");
    assert_eq!(wrong.state, HiloState::Lost);
    assert_eq!(wrong.payout_minor(), Some(Ok(0)));
    let skipped = lower
        .apply(HiloAction::Guess { guess: Guess::Skip })
        .expect("skip");
    assert_eq!(
        (skipped.multiplier, skipped.position),
        (lower.multiplier, 3)
    );
    assert_eq!(skipped.settle_idle().state, HiloState::CashedOut);
    assert_eq!(
        round.settle_idle().payout_minor(),
        Some(Ok(100)),
        "idle before any correct guess refunds"
    );
}

#[test]
fn hilo_refuses_impossible_guesses() {
    // Find a round showing an ace: higher cannot win.
    let key = fair::SeedKey::new("hilo-test-seed");
    let round = (0..500)
        .map(|n| HiloRound::start(&mut key.stream("c", n), IndexMode::Floor, 10).expect("valid"))
        .find(|r| r.current().rank() == 12)
        .expect("an ace shows within 500 rounds");
    assert!(matches!(
        round.apply(HiloAction::Guess {
            guess: Guess::Higher
        }),
        Err(GameError::ActionNotAllowed(_))
    ));
}

#[test]
fn blackjack_scripted_rounds_on_published_seeds() {
    // Seed 0: player DQ D6 (16), dealer SK up, HQ hole (20). Standing loses.
    let round = BlackjackRound::start(&mut stream(0), IndexMode::Floor, 100).expect("valid");
    assert_eq!(round.phase, Phase::PlayerTurn);
    assert_eq!(hand_value(&round.hands[0].cards), (16, false));
    let stood = round.apply(BlackjackAction::Stand).expect("stand");
    assert_eq!(stood.hands[0].result, Some(HandResult::Lose));
    assert_eq!(stood.dealer.len(), 2, "dealer stands on 20");
    assert_eq!(stood.payout_minor(), Some(Ok(0)));
    assert_eq!(round.settle_idle(), stood, "idle rule is stand");

    // Seed 1: player S4 CT (14), dealer C7 up, DJ hole (17); a hit draws C7: 21, dealer stands.
    let round = BlackjackRound::start(&mut stream(1), IndexMode::Floor, 100).expect("valid");
    let hit = round.apply(BlackjackAction::Hit).expect("hit");
    assert_eq!(hand_value(&hit.hands[0].cards).0, 21);
    assert_eq!(hit.phase, Phase::Finished);
    assert_eq!(hit.hands[0].result, Some(HandResult::Win));
    assert_eq!(hit.payout_minor(), Some(Ok(200)));

    // Seed 2: player H9 D2 (11), dealer SQ up, SK hole (20); doubling draws S4: 15 loses 200.
    let round = BlackjackRound::start(&mut stream(2), IndexMode::Floor, 100).expect("valid");
    let doubled = round
        .apply(BlackjackAction::Double)
        .expect("double on two cards");
    assert_eq!(doubled.staked_minor(), 200);
    assert_eq!(doubled.hands[0].result, Some(HandResult::Lose));
    assert!(
        round.apply(BlackjackAction::Split).is_err(),
        "9 and 2 do not split"
    );
    assert!(
        round
            .apply(BlackjackAction::Insurance { take: true })
            .is_err(),
        "no ace showing"
    );
}

/// The first round (by nonce) on a test seed that satisfies `pred`.
fn find_round(pred: impl Fn(&BlackjackRound) -> bool) -> BlackjackRound {
    let key = fair::SeedKey::new("blackjack-test-seed");
    (0..5_000)
        .map(|n| {
            BlackjackRound::start(&mut key.stream("c", n), IndexMode::Floor, 100).expect("valid")
        })
        .find(|r| pred(r))
        .expect("such a deal occurs within 5000 rounds")
}

#[test]
fn blackjack_split_insurance_and_naturals() {
    let pair = find_round(|r| {
        r.phase == Phase::PlayerTurn
            && r.hands[0].cards[0].rank() == r.hands[0].cards[1].rank()
            && r.hands[0].cards[0].rank() < 8
    });
    let split = pair.apply(BlackjackAction::Split).expect("pair splits");
    assert_eq!(split.hands.len(), 2);
    assert_eq!(split.staked_minor(), 200);
    assert!(
        split.apply(BlackjackAction::Split).is_err() || split.phase == Phase::Finished,
        "split once"
    );
    let done = split.settle_idle();
    assert_eq!(done.phase, Phase::Finished);
    assert!(done.hands.iter().all(|h| h.result.is_some()));

    let ace_up = find_round(|r| r.phase == Phase::InsuranceOffered);
    assert!(
        ace_up.apply(BlackjackAction::Hit).is_err(),
        "insurance first"
    );
    let insured = ace_up
        .apply(BlackjackAction::Insurance { take: true })
        .expect("take");
    assert_eq!(insured.insurance_minor, Some(50));
    assert_eq!(insured.staked_minor(), 150);

    let dealer_bj = find_round(|r| {
        r.phase == Phase::InsuranceOffered
            && hand_value(&r.dealer).0 == 21
            && hand_value(&r.hands[0].cards).0 != 21
    });
    let insured = dealer_bj
        .apply(BlackjackAction::Insurance { take: true })
        .expect("take");
    assert_eq!(
        insured.phase,
        Phase::Finished,
        "dealer blackjack ends the round at the peek"
    );
    assert_eq!(
        insured.payout_minor(),
        Some(Ok(150)),
        "insurance pays 2:1: the round breaks even"
    );

    let natural = find_round(|r| {
        hand_value(&r.hands[0].cards).0 == 21
            && hand_value(&r.dealer).0 != 21
            && r.phase == Phase::Finished
    });
    assert_eq!(natural.hands[0].result, Some(HandResult::Blackjack));
    assert_eq!(natural.payout_minor(), Some(Ok(250)));
}

fn blackjack_action(i: u8) -> BlackjackAction {
    match i % 6 {
        0 => BlackjackAction::Hit,
        1 => BlackjackAction::Stand,
        2 => BlackjackAction::Double,
        3 => BlackjackAction::Split,
        4 => BlackjackAction::Insurance { take: true },
        _ => BlackjackAction::Insurance { take: false },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn mines_any_action_sequence_terminates_within_bounds(nonce in any::<u64>(), mines in 1u8..=24, actions in proptest::collection::vec((0u8..30, any::<bool>()), 0..30), stake in 1u64..1_000_000) {
        let mut round = MinesRound::start(MinesParams { mines }, &mut ByteStream::new("s", "c", nonce), IndexMode::Floor, stake).expect("valid");
        let start = round.clone();
        for (tile, cash) in actions {
            let action = if cash { MinesAction::CashOut } else { MinesAction::Reveal { tile } };
            if let Ok(next) = round.apply(action) { round = next; }
            prop_assert_eq!(&round.mines, &start.mines, "mines never move");
            let json = serde_json::to_string(&round).expect("serialisable");
            prop_assert_eq!(&serde_json::from_str::<MinesRound>(&json).expect("round-trips"), &round);
        }
        let done = round.settle_idle();
        prop_assert!(!done.is_open());
        let payout = done.payout_minor().expect("finished").expect("fits");
        prop_assert!(u128::from(payout) <= u128::from(stake) * 5_200_300, "within the largest multiplier");
    }

    #[test]
    fn hilo_any_action_sequence_terminates(nonce in any::<u64>(), actions in proptest::collection::vec(0u8..5, 0..80)) {
        let mut round = HiloRound::start(&mut ByteStream::new("s", "c", nonce), IndexMode::Floor, 100).expect("valid");
        let cards = round.cards.clone();
        for a in actions {
            let action = match a {
                0 => HiloAction::Guess { guess: Guess::Higher },
                1 => HiloAction::Guess { guess: Guess::Lower },
                2 => HiloAction::Guess { guess: Guess::Same },
                3 => HiloAction::Guess { guess: Guess::Skip },
                _ => HiloAction::CashOut,
            };
            if let Ok(next) = round.apply(action) { round = next; }
            prop_assert_eq!(&round.cards, &cards, "cards never change");
            prop_assert!(round.multiplier <= casino::hilo::MULTIPLIER_MAX);
        }
        let done = round.settle_idle();
        prop_assert!(!done.is_open());
        prop_assert!(done.payout_minor().expect("finished").is_ok());
    }

    #[test]
    fn blackjack_any_action_sequence_terminates(nonce in any::<u64>(), actions in proptest::collection::vec(any::<u8>(), 0..40), stake in 1u64..1_000_000) {
        let mut round = BlackjackRound::start(&mut ByteStream::new("s", "c", nonce), IndexMode::Floor, stake).expect("valid");
        let cards = round.cards.clone();
        for a in actions {
            let before = round.staked_minor();
            if let Ok(next) = round.apply(blackjack_action(a)) { round = next; }
            prop_assert!(round.staked_minor() >= before, "stakes only grow");
            prop_assert_eq!(&round.cards, &cards, "cards never change");
        }
        let done = round.settle_idle();
        prop_assert_eq!(done.phase, Phase::Finished);
        let json = serde_json::to_string(&done).expect("serialisable");
        prop_assert_eq!(&serde_json::from_str::<BlackjackRound>(&json).expect("round-trips"), &done);
        let payout = done.payout_minor().expect("finished").expect("fits");
        let bound = u128::from(done.staked_minor()) * 3;
        prop_assert!(u128::from(payout) <= bound, "payout {} above {}", payout, bound);
        // Every dealt card came from the bet-time sequence, in order.
        let dealt = done.hands.iter().map(|h| h.cards.len()).sum::<usize>() + done.dealer.len();
        prop_assert!(dealt <= done.next_card);
    }
}

#[test]
fn blackjack_optimal_strategy_return_matches_simulation_through_the_state_machine() {
    let mut strategy = casino::blackjack_rtp::BlackjackStrategy::new();
    let rtp = strategy.rtp();
    // Infinite deck, S17, peek, 3:2, DAS, one split: the published house edge of such rules
    // under optimal play is about 0.5%.
    assert!((0.993..0.997).contains(&rtp), "{rtp}");
    let key = fair::SeedKey::new(crate::STAT_SERVER_SEED);
    let rounds = 60_000u64;
    let stake = 1_000u64;
    let mut net: i128 = 0;
    for nonce in 0..rounds {
        let mut round = BlackjackRound::start(
            &mut key.stream("blackjack-sim", nonce),
            IndexMode::Floor,
            stake,
        )
        .expect("valid");
        for _ in 0..64 {
            if !round.is_open() {
                break;
            }
            let action = strategy.action(&round);
            round = round
                .apply(action)
                .expect("the strategy only picks legal actions");
        }
        assert!(!round.is_open());
        let payout = round.payout_minor().expect("finished").expect("fits");
        net += i128::from(payout) - i128::from(round.staked_minor());
    }
    let simulated = 1.0 + net as f64 / (stake as f64 * rounds as f64);
    // About four standard errors (per-round standard deviation is about 1.15 stakes).
    assert!(
        (simulated - rtp).abs() < 0.019,
        "simulated {simulated}, computed {rtp}"
    );
}

#[test]
fn views_hide_secrets_while_rounds_are_open() {
    let mines = mines_round(3, 100);
    assert!(mines.view().get("mines").is_none());
    assert_eq!(mines.view()["mine_count"], 3);
    // The open views carry the payout preview of the next step.
    assert_eq!(
        mines.view()["next_multiplier"],
        json!(casino::mines::multiplier(3, mines.revealed.len() as u8 + 1).to_decimal())
    );
    assert!(mines.settle_idle().view().get("next_multiplier").is_none());
    assert_eq!(mines.settle_idle().view()["mines"], json!(mines.mines));

    let hilo = HiloRound::start(&mut stream(0), IndexMode::Floor, 100).expect("valid");
    assert_eq!(hilo.view()["cards"], json!(["DQ"]));
    // From a queen two ranks are higher and ten lower: the preview pays more for the rarer guess.
    let next = &hilo.view()["next_multipliers"];
    let read = |guess: &str| {
        casino::Multiplier::parse_decimal(next[guess].as_str().expect("a decimal string"))
            .expect(guess)
    };
    let (higher, lower, same) = (read("higher"), read("lower"), read("same"));
    assert!(
        same > higher && higher > lower && lower > casino::Multiplier::ONE,
        "{next}"
    );
    assert!(hilo.settle_idle().view().get("next_multipliers").is_none());
    assert_eq!(
        hilo.settle_idle().view()["cards"]
            .as_array()
            .expect("cards")
            .len(),
        52
    );

    let bj = BlackjackRound::start(&mut stream(0), IndexMode::Floor, 100).expect("valid");
    assert_eq!(bj.view()["dealer"], json!(["SK"]));
    assert_eq!(bj.view()["hands"][0]["cards"], json!(["DQ", "D6"]));
    assert_eq!(bj.settle_idle().view()["dealer"], json!(["SK", "HQ"]));
}

#[test]
fn the_round_enum_drives_every_multi_step_game_from_json() {
    use casino::Round;
    let start = |game: &str, params: serde_json::Value| {
        Round::start(game, &params, &mut stream(0), IndexMode::Floor, 100)
    };
    let mines = start("mines", json!({"mines": 3})).expect("valid");
    let safe = (0..25u8)
        .find(|t| ![19, 22, 7].contains(t))
        .expect("safe tile");
    let revealed = mines
        .apply(&json!({"action": "reveal", "tile": safe}))
        .expect("safe");
    let cashed = revealed
        .apply(&json!({"action": "cash_out"}))
        .expect("cash out");
    assert_eq!(cashed.payout_minor(), Some(Ok(112)));
    assert!(matches!(
        mines.apply(&json!({"action": "hit"})),
        Err(GameError::BadParams(_))
    ));

    let hilo = start("hilo", json!({})).expect("valid");
    let guessed = hilo
        .apply(&json!({"action": "guess", "guess": "higher"}))
        .expect("legal");
    assert!(guessed.is_open());
    assert_eq!(guessed.settle_idle().payout_minor(), Some(Ok(643)));

    let bj = start("blackjack", serde_json::Value::Null).expect("valid");
    let stood = bj.apply(&json!({"action": "stand"})).expect("stand");
    assert!(!stood.is_open());
    assert_eq!(stood.staked_minor(), 100);
    let json = serde_json::to_value(&stood).expect("serialisable");
    assert_eq!(json["game"], "blackjack");
    assert_eq!(
        serde_json::from_value::<Round>(json).expect("round-trips"),
        stood
    );

    assert!(start("hilo", json!({"x": 1})).is_err());
    assert!(matches!(
        start("dice", json!({})),
        Err(GameError::UnknownGame(_))
    ));
}
