//! Play: stops from the fair stream's floats, money in minor units, free spins continuing the cursor,
//! the max-win cap, and client-causable errors.

use slots::{SpinError, parse_game, spin};

const GAME: &str = r"
name: play
reels: 3
rows: 1
symbols:
  - {name: w, wild: true, wild_multiplier: 2}
  - {name: a}
  - {name: b}
  - {name: s, scatter: true}
lines: [[0, 0, 0]]
cost: 5
pays: {a: [0, 0, 10], b: [0, 0, 4], w: [0, 0, 50]}
scatter_pays: {s: [0, 1, 3]}
free_spins:
  trigger: {symbol: s, awards: [0, 0, 2]}
  multiplier: 3
  retrigger: true
  reels: bonus
reel_sets:
  base: [[a, b, s, w], [a, b, s, w], [a, b, s, w]]
  bonus: [[a, b], [a, w], [a, b, s]]
";

#[test]
fn stops_are_floor_of_float_times_length() {
    let game = parse_game(GAME).expect("valid");
    // floor(0.0 × 4) = 0 (a), floor(0.26 × 4) = 1 (b), floor(0.99 × 4) = 3 (w).
    let r = spin(&game, 7, [0.0, 0.26, 0.99]).expect("round");
    assert_eq!(r.base.stops, vec![0, 1, 3]);
    assert_eq!(r.base.grid, vec![vec!["a"], vec!["b"], vec!["w"]]);
    assert_eq!((r.total_win, r.floats_used, r.total_bet), (0, 3, 35));
}

#[test]
fn wins_are_integer_minor_units() {
    let game = parse_game(GAME).expect("valid");
    // a w a: 10 line bets doubled by the wild = 20 × 7 minor units.
    let r = spin(&game, 7, [0.0, 0.8, 0.1]).expect("round");
    assert_eq!(r.base.line_wins.len(), 1);
    assert_eq!(
        (r.base.line_wins[0].win, r.base.line_wins[0].multiplier),
        (140, 2)
    );
    assert_eq!(r.total_win, 140);
    // s s b: two scatters pay 1 total bet (35); no free spins.
    let r = spin(&game, 7, [0.5, 0.5, 0.3]).expect("round");
    assert_eq!((r.total_win, r.base.free_spins_awarded), (35, 0));
}

#[test]
fn free_spins_continue_the_stream() {
    let game = parse_game(GAME).expect("valid");
    // s s s: 3 total bets and 2 free spins on the bonus reels at ×3.
    // Free spin 1: a a a = 10 × 3 = 30 line bets; free spin 2: b w s = b run of 2 pays 0.
    let floats = [0.5, 0.5, 0.5, 0.0, 0.0, 0.0, 0.9, 0.9, 0.9];
    let r = spin(&game, 1, floats).expect("round");
    assert_eq!(r.base.free_spins_awarded, 2);
    assert_eq!(r.free_spins.len(), 2);
    assert_eq!(r.free_spins[0].win, 30);
    assert_eq!(r.free_spins[1].win, 0);
    assert_eq!(r.total_win, 15 + 30);
    assert_eq!(r.floats_used, 9);
    // The stream must cover every free spin.
    assert_eq!(
        spin(&game, 1, floats[..7].iter().copied()),
        Err(SpinError::StreamExhausted { used: 7 })
    );
}

#[test]
fn cap_limits_the_round() {
    let capped = GAME.replacen("cost: 5", "cost: 5\nmax_win: 4", 1);
    let game = parse_game(&capped).expect("valid");
    // Base 15 (3 total bets), free spin 1 pays 30: 45 > cap 4 × 5 = 20, so the round pays 20 and the
    // second free spin is forfeited.
    let r = spin(&game, 1, [0.5, 0.5, 0.5, 0.0, 0.0, 0.0]).expect("round");
    assert_eq!(
        (
            r.total_win,
            r.uncapped_win,
            r.capped,
            r.free_spins_forfeited
        ),
        (20, 45, true, 1)
    );
    assert_eq!(r.floats_used, 6);
}

#[test]
fn client_errors_are_variants() {
    let game = parse_game(GAME).expect("valid");
    assert_eq!(spin(&game, 0, [0.1; 3]), Err(SpinError::ZeroBet));
    assert_eq!(
        spin(&game, 1, [0.1, 1.0, 0.1]),
        Err(SpinError::BadFloat {
            index: 1,
            value: 1.0
        })
    );
    assert!(matches!(
        spin(&game, 1, [0.1, f64::NAN, 0.1]),
        Err(SpinError::BadFloat { index: 1, .. })
    ));
    assert_eq!(
        spin(&game, 1, [0.1]),
        Err(SpinError::StreamExhausted { used: 1 })
    );
    assert!(matches!(
        spin(&game, u64::MAX, [0.1; 3]),
        Err(SpinError::BetTooLarge { .. })
    ));
}

#[test]
fn u32_words_map_into_unit_interval() {
    assert_eq!(slots::float_from_u32(0), 0.0);
    assert!(slots::float_from_u32(u32::MAX) < 1.0);
    assert_eq!(slots::float_from_u32(1 << 31), 0.5);
}

mod rules {
    use proptest::prelude::*;
    use slots::spin;

    use crate::games_gen::small;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any game and any stream: no panic; when a round completes, its money adds up and it replays.
        #[test]
        fn rounds_add_up_and_replay(
            small in small(false, false, true),
            floats in prop::collection::vec(prop_oneof![9 => 0.0f64..1.0, 1 => any::<f64>()], 0..200),
            line_bet in 1u64..1000,
        ) {
            let game = small.game();
            let result = spin(&game, line_bet, floats.iter().copied());
            if let Ok(r) = &result {
                let sum: u64 = r.base.win + r.free_spins.iter().map(|s| s.win).sum::<u64>();
                prop_assert_eq!(r.uncapped_win, sum);
                prop_assert_eq!(r.total_win, sum);
                prop_assert!(r.floats_used <= floats.len());
                prop_assert_eq!(r.total_bet, line_bet * game.cost);
                let parts: u64 = r.base.line_wins.iter().map(|w| w.win).sum::<u64>()
                    + r.base.scatter_wins.iter().map(|w| w.win).sum::<u64>();
                prop_assert_eq!(parts, r.base.win);
                prop_assert_eq!(r.base.win % line_bet, 0);
                // Replaying exactly the floats used gives the same round.
                let again = spin(&game, line_bet, floats[..r.floats_used].iter().copied());
                prop_assert_eq!(again.as_ref(), Ok(r));
            }
        }
    }
}
