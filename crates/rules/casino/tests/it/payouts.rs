//! The one payout rounding rule, instant-game settlements through `casino::play`, param errors.

use casino::{GameError, MULTIPLIER_SCALE, Multiplier, play};
use fair::ByteStream;
use serde_json::{Value, json};

use crate::{fixture, seed};

fn stream(index: u64) -> ByteStream {
    let (server, client, nonce) = seed(&fixture(), &json!(index));
    ByteStream::new(&server, &client, nonce)
}

#[test]
fn payout_is_stake_times_multiplier_rounded_down() {
    let check = |stake: u64, units: u64, expected: u64| {
        assert_eq!(
            Multiplier(units).payout(stake),
            Ok(expected),
            "{stake} x {units}"
        );
    };
    check(100, MULTIPLIER_SCALE, 100);
    check(100, 196_039_603, 196); // 1.96039603x
    check(1, 250_000_000, 2); // 2.5x of 1 minor unit pays 2
    check(3, 250_000_000, 7);
    check(0, 250_000_000, 0);
    check(u64::MAX, MULTIPLIER_SCALE, u64::MAX);
    assert_eq!(
        Multiplier(2 * MULTIPLIER_SCALE).payout(u64::MAX),
        Err(GameError::PayoutOverflow)
    );
    assert_eq!(Multiplier::from_hundredths(125).0, 125_000_000);
    assert_eq!(
        Multiplier::from_ratio(9_900, 4_950),
        Multiplier(200_000_000)
    );
    assert_eq!(Multiplier::from_ratio(1, 3), Multiplier(33_333_333));
}

#[test]
fn instant_games_settle_against_the_published_outcomes() {
    // Seed 0: roll 77.18, limbo 1.28, pocket 28 (black, even, high, third dozen… of column 1).
    let check = |game: &str, params: Value, stake: u64, payout: u64| {
        let s =
            play(game, &params, &mut stream(0), stake).unwrap_or_else(|e| panic!("{game}: {e}"));
        assert_eq!(s.payout_minor, payout, "{game} {params}");
        assert_eq!(s.stake_minor, stake);
        assert_eq!(
            s.payout_minor,
            if game == "roulette" {
                s.payout_minor
            } else {
                s.multiplier.payout(stake).expect("fits")
            }
        );
    };
    check(
        "dice",
        json!({"target": 77.17, "direction": "over"}),
        1_000,
        1_000 * 9_900 / 2_283,
    );
    check(
        "dice",
        json!({"target": 77.18, "direction": "over"}),
        1_000,
        0,
    );
    check(
        "dice",
        json!({"target": 77.19, "direction": "under"}),
        1_000,
        1_000 * 9_900 / 7_719,
    );
    check("limbo", json!({"target": 1.28}), 1_000, 1_280);
    check("limbo", json!({"target": 1.29}), 1_000, 0);
    check(
        "wheel",
        json!({"segments": 10, "risk": "low"}),
        1_000,
        1_200,
    );
    check("plinko", json!({"rows": 8, "risk": "low"}), 1_000, 1_000);
    check(
        "keno",
        json!({"picks": [31, 36, 12], "risk": "classic"}),
        1_000,
        10_400,
    );
    check("keno", json!({"picks": [1], "risk": "high"}), 1_000, 0);
    check(
        "roulette",
        json!({"bets": [{"type": "straight", "numbers": [28], "amount": 10}]}),
        10,
        360,
    );
    check(
        "roulette",
        json!({"bets": [
            {"type": "black", "amount": 10}, {"type": "red", "amount": 10},
            {"type": "corner", "numbers": [28, 29, 31, 32], "amount": 5},
            {"type": "dozen", "dozen": 3, "amount": 3}, {"type": "column", "column": 1, "amount": 2}
        ]}),
        30,
        20 + 45 + 9 + 6,
    );
}

#[test]
fn roulette_pays_colours_and_rejects_illegal_groups() {
    let parse = |bets: Value| casino::roulette::RouletteParams::from_json(&json!({ "bets": bets }));
    let spread = parse(json!([{"type": "red", "amount": 1}, {"type": "black", "amount": 1}]))
        .expect("legal");
    assert_eq!(spread.payout(0), Ok(0));
    assert_eq!(spread.payout(1), Ok(2));
    assert_eq!(spread.payout(2), Ok(2));
    for (bet, why) in [
        (
            json!({"type": "split", "numbers": [3, 4], "amount": 1}),
            "3 and 4 are not adjacent",
        ),
        (
            json!({"type": "split", "numbers": [5, 5], "amount": 1}),
            "duplicate",
        ),
        (
            json!({"type": "street", "numbers": [2, 3, 4], "amount": 1}),
            "not a row",
        ),
        (
            json!({"type": "corner", "numbers": [3, 4, 6, 7], "amount": 1}),
            "wraps a row",
        ),
        (
            json!({"type": "line", "numbers": [1, 2, 3, 4, 5], "amount": 1}),
            "five numbers",
        ),
        (
            json!({"type": "straight", "numbers": [37], "amount": 1}),
            "no pocket 37",
        ),
        (
            json!({"type": "dozen", "dozen": 4, "amount": 1}),
            "no fourth dozen",
        ),
        (json!({"type": "red", "amount": 0}), "zero amount"),
        (json!({"type": "green", "amount": 1}), "unknown type"),
        (
            json!({"type": "red", "amount": 1, "numbers": [1]}),
            "unknown field",
        ),
    ] {
        assert!(
            matches!(parse(json!([bet])), Err(GameError::BadParams(_))),
            "{why}"
        );
    }
    assert!(parse(json!([])).is_err());
    assert_eq!(casino::roulette::legal_groups(2).len(), 60);
    assert_eq!(casino::roulette::legal_groups(3).len(), 14);
    assert_eq!(casino::roulette::legal_groups(4).len(), 23);
    assert_eq!(casino::roulette::legal_groups(6).len(), 11);
}

#[test]
fn play_refuses_bad_bets() {
    let check = |game: &str, params: Value, stake: u64, expected: fn(&GameError) -> bool| {
        let err = play(game, &params, &mut stream(1), stake).expect_err("refused");
        assert!(expected(&err), "{game} {params}: {err}");
    };
    let bad = |e: &GameError| matches!(e, GameError::BadParams(_));
    check("dice", json!({"target": 1.0, "direction": "over"}), 10, bad);
    check(
        "dice",
        json!({"target": 99.0, "direction": "under"}),
        10,
        bad,
    );
    check(
        "dice",
        json!({"target": 50.123, "direction": "under"}),
        10,
        bad,
    );
    check("dice", json!({"target": 50}), 10, bad);
    check("limbo", json!({"target": 1.0}), 10, bad);
    check("limbo", json!({"target": 1_000_000.01}), 10, bad);
    check("wheel", json!({"segments": 12, "risk": "low"}), 10, bad);
    check("wheel", json!({"segments": 10, "risk": "classic"}), 10, bad);
    check("plinko", json!({"rows": 17, "risk": "low"}), 10, bad);
    check("keno", json!({"picks": [], "risk": "low"}), 10, bad);
    check("keno", json!({"picks": [1, 1], "risk": "low"}), 10, bad);
    check("keno", json!({"picks": [41], "risk": "low"}), 10, bad);
    check(
        "keno",
        json!({"picks": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], "risk": "low"}),
        10,
        bad,
    );
    check("mines", json!({"mines": 3}), 10, bad);
    check("dice", json!({"target": 50, "direction": "over"}), 0, |e| {
        *e == GameError::ZeroStake
    });
    check("poker", json!({}), 10, |e| {
        matches!(e, GameError::UnknownGame(_))
    });
    check(
        "roulette",
        json!({"bets": [{"type": "red", "amount": 5}]}),
        10,
        |e| *e == GameError::StakeMismatch { stake: 10, sum: 5 },
    );
    // Seed 1 rolls limbo 5.05: a win at 1.01x of the largest stake does not fit 64 bits.
    check("limbo", json!({"target": 1.01}), u64::MAX, |e| {
        *e == GameError::PayoutOverflow
    });
}

#[test]
fn settlement_consumes_only_the_bytes_of_the_outcome() {
    // Dice reads one float; keno reads ten; plinko reads one per row.
    let check = |game: &str, params: Value, bytes: u64| {
        let mut s = stream(2);
        play(game, &params, &mut s, 10).expect("valid");
        assert_eq!(s.cursor(), bytes, "{game}");
    };
    check("dice", json!({"target": 50, "direction": "over"}), 4);
    check("keno", json!({"picks": [1], "risk": "low"}), 40);
    check("plinko", json!({"rows": 12, "risk": "medium"}), 48);
}

/// The wire format of multipliers is exact at the extremes: nothing, the largest published
/// multiplier (1,000,000×), the 1e-8 step, and the largest value the type holds; every decimal reads
/// back to the same units, and malformed text is refused.
#[test]
fn multipliers_travel_as_exact_decimals() {
    let cases = [
        (Multiplier::ZERO, "0"),
        (Multiplier(1), "0.00000001"),
        (Multiplier::ONE, "1"),
        (Multiplier(196_039_603), "1.96039603"),
        (Multiplier(150_000_000), "1.5"),
        (Multiplier::from_hundredths(100_000_000), "1000000"),
        (Multiplier(100_000_000_000_001), "1000000.00000001"),
        (Multiplier(u64::MAX), "184467440737.09551615"),
    ];
    for (m, text) in cases {
        assert_eq!(m.to_decimal(), text);
        assert_eq!(Multiplier::parse_decimal(text), Some(m), "{text}");
    }
    assert_eq!(casino::hilo::MULTIPLIER_MAX.to_decimal(), "1000000");
    assert_eq!(
        Multiplier::parse_decimal("2.50"),
        Some(Multiplier(250_000_000))
    );
    for bad in [
        "",
        ".5",
        "1.",
        "-1",
        "+1",
        "1e6",
        "1.000000001",
        " 1",
        "1,5",
        "0x10",
        "184467440737.09551616",
    ] {
        assert_eq!(Multiplier::parse_decimal(bad), None, "{bad:?}");
    }
}
