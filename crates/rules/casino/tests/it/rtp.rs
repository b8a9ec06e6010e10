//! Exact RTPs, each checked against an independent computation from the game's definition, and
//! against a long deterministic simulation of real settlements through `casino::play`.

use casino::ratio::binomial;
use casino::{Ratio, Risk, dice, hilo, keno, limbo, mines, plinko, roulette, wheel};
use serde_json::{Value, json};

use crate::{STAT_CLIENT_SEED, STAT_SERVER_SEED};

#[test]
fn wheel_rtp_is_exactly_99_percent_for_every_configuration() {
    for segments in [10, 20, 30, 40, 50] {
        for risk in [Risk::Low, Risk::Medium, Risk::High] {
            let p = wheel::WheelParams { segments, risk };
            assert_eq!(p.table().len(), segments as usize);
            let mean: f64 =
                p.table().iter().map(|&m| f64::from(m) / 100.0).sum::<f64>() / f64::from(segments);
            assert!((mean - 0.99).abs() < 1e-12);
            assert_eq!(p.rtp(), Ratio::new(99, 100), "{segments} {risk:?}");
            assert!(
                (p.rtp_u32().to_f64() - 0.99).abs() < 1e-7,
                "floor bias is below 1e-7"
            );
        }
    }
}

#[test]
fn plinko_rtp_is_the_binomial_mean_of_the_table() {
    for rows in 8..=16u32 {
        for risk in [Risk::Low, Risk::Medium, Risk::High] {
            let p = plinko::PlinkoParams { rows, risk };
            assert_eq!(p.table().len(), rows as usize + 1);
            let mean: f64 = (0..=rows)
                .map(|k| {
                    binomial(u64::from(rows), u64::from(k)) as f64 / 2f64.powi(rows as i32)
                        * f64::from(p.table()[k as usize])
                        / 100.0
                })
                .sum();
            let rtp = p.rtp().to_f64();
            assert!((rtp - mean).abs() < 1e-12, "{rows} {risk:?}");
            assert!((0.989..0.992).contains(&rtp), "{rows} {risk:?}: {rtp}");
            // Tables are symmetric: left and right edges pay alike.
            let t = p.table();
            assert!(t.iter().zip(t.iter().rev()).all(|(a, b)| a == b));
        }
    }
}

#[test]
fn keno_rtp_is_the_hypergeometric_mean_of_the_paytable() {
    for risk in [Risk::Classic, Risk::Low, Risk::Medium, Risk::High] {
        for picks in 1..=10usize {
            let table = keno::table(risk, picks);
            assert_eq!(table.len(), picks + 1);
            let k = picks as u64;
            let mean: f64 = (0..=k)
                .map(|h| {
                    (binomial(10, h) * binomial(30, k - h)) as f64 / binomial(40, k) as f64
                        * f64::from(table[h as usize])
                        / 100.0
                })
                .sum();
            let rtp = keno::rtp(risk, picks).to_f64();
            assert!((rtp - mean).abs() < 1e-12, "{risk:?} {picks}");
            assert!((0.986..0.991).contains(&rtp), "{risk:?} {picks}: {rtp}");
        }
    }
}

#[test]
fn dice_rtp_is_chance_times_rounded_multiplier() {
    for (target, direction) in [
        (50.5, "over"),
        (2.0, "over"),
        (99.99, "over"),
        (0.01, "under"),
        (98.0, "under"),
        (33.33, "under"),
    ] {
        let p = dice::DiceParams::from_json(&json!({"target": target, "direction": direction}))
            .expect("valid");
        let chance = p.win_chance() as f64;
        let multiplier = (9_900.0 * 1e8 / chance).floor() / 1e8;
        let expected = chance / 10_001.0 * multiplier;
        assert!(
            (p.rtp().to_f64() - expected).abs() < 1e-12,
            "{target} {direction}"
        );
        // Below 99% by the 10000/10001 factor; the floor mapping's bias (each roll gets
        // floor(2^32 / 10001) or one more of the 2^32 draws) moves it by under 10001 / 2^32.
        assert!(p.rtp().to_f64() <= 0.99 * 10_000.0 / 10_001.0 + 1e-12);
        assert!((p.rtp_u32().to_f64() - p.rtp().to_f64()).abs() < 10_001.0 / 2f64.powi(32));
    }
}

#[test]
fn limbo_rtp_is_close_to_99_percent_and_counts_exactly() {
    for target in [1.01, 1.5, 2.0, 10.0, 1_000.0, 1_000_000.0] {
        let p = limbo::LimboParams::from_json(&json!({"target": target})).expect("valid");
        let wins = limbo::draws_at_least(p.target);
        // The count is the exact preimage: the last winning draw wins, the next one loses.
        assert!(limbo::result_from_u32((wins - 1) as u32) >= p.target);
        assert!(limbo::result_from_u32(wins as u32) < p.target);
        let rtp = p.rtp().to_f64();
        // Resolution: one draw moves the RTP by target / 2^32, and f64 rounding at the boundary
        // may drop one of the 1e8 values of floor(f * 1e8), worth target / 1e8.
        assert!(
            (rtp - 0.99).abs() < 1e-9 + target / 1e8 + 2.0 * target / 2f64.powi(32),
            "{target}: {rtp}"
        );
    }
}

#[test]
fn every_roulette_bet_returns_36_of_37() {
    let bets = [
        json!({"type": "straight", "numbers": [0], "amount": 10}),
        json!({"type": "split", "numbers": [0, 2], "amount": 10}),
        json!({"type": "split", "numbers": [14, 17], "amount": 10}),
        json!({"type": "street", "numbers": [34, 35, 36], "amount": 10}),
        json!({"type": "street", "numbers": [0, 2, 3], "amount": 10}),
        json!({"type": "corner", "numbers": [0, 1, 2, 3], "amount": 10}),
        json!({"type": "corner", "numbers": [17, 18, 20, 21], "amount": 10}),
        json!({"type": "line", "numbers": [31, 32, 33, 34, 35, 36], "amount": 10}),
        json!({"type": "dozen", "dozen": 2, "amount": 10}),
        json!({"type": "column", "column": 3, "amount": 10}),
        json!({"type": "red", "amount": 10}),
        json!({"type": "black", "amount": 10}),
        json!({"type": "odd", "amount": 10}),
        json!({"type": "even", "amount": 10}),
        json!({"type": "low", "amount": 10}),
        json!({"type": "high", "amount": 10}),
    ];
    for bet in &bets {
        let p = roulette::RouletteParams::from_json(&json!({ "bets": [bet] })).expect("legal bet");
        assert_eq!(p.rtp().expect("stake"), Ratio::new(36, 37), "{bet}");
        assert!((p.rtp_u32().expect("stake").to_f64() - 36.0 / 37.0).abs() < 1e-8);
    }
    let all = roulette::RouletteParams::from_json(&json!({ "bets": bets })).expect("legal spread");
    assert_eq!(all.rtp().expect("stake"), Ratio::new(36, 37));
}

#[test]
fn mines_cash_out_rtp_is_99_percent_less_multiplier_rounding() {
    for m in 1..=24u8 {
        for k in 1..=(25 - m) {
            let rtp = mines::rtp(m, k).to_f64();
            assert!(
                rtp <= 0.99 + 1e-15 && rtp > 0.99 - 1e-6,
                "mines {m} picks {k}: {rtp}"
            );
        }
        assert_eq!(mines::rtp(m, 26 - m), Ratio::ZERO);
    }
    // Spot values of the multiplier formula 0.99 * C(25, k) / C(25 - m, k).
    assert_eq!(mines::multiplier(1, 1).0, 103_125_000);
    assert_eq!(mines::multiplier(3, 1).0, 112_500_000);
    assert_eq!(mines::multiplier(24, 1).0, 2_475_000_000);
}

#[test]
fn hilo_single_guess_rtp_is_99_percent_less_rounding() {
    for rank in 0..13u8 {
        for guess in [hilo::Guess::Higher, hilo::Guess::Lower, hilo::Guess::Same] {
            match hilo::rtp(rank, guess) {
                Some(r) => assert!(
                    r.to_f64() <= 0.99 + 1e-15 && r.to_f64() > 0.99 - 1e-7,
                    "{rank} {guess:?}"
                ),
                None => assert!(matches!(
                    (rank, guess),
                    (12, hilo::Guess::Higher) | (0, hilo::Guess::Lower)
                )),
            }
        }
    }
}

/// Mean return per unit staked over `bets` deterministic bets through `casino::play`.
fn simulated_rtp(game: &str, params: &Value, bets: u64) -> f64 {
    let key = fair::SeedKey::new(STAT_SERVER_SEED);
    let stake = 1_000_000u64;
    let mut returned = 0u128;
    for nonce in 0..bets {
        let s = casino::play(
            game,
            params,
            &mut key.stream(STAT_CLIENT_SEED, nonce),
            stake,
        )
        .expect("valid bet");
        returned += u128::from(s.payout_minor);
    }
    returned as f64 / (stake as f64 * bets as f64)
}

#[test]
fn simulated_returns_agree_with_exact_rtps() {
    // Tolerances are about five standard errors of the mean for each game's payout spread.
    let cases: [(&str, Value, f64, f64); 5] = [
        (
            "dice",
            json!({"target": 50.5, "direction": "over"}),
            dice::DiceParams::from_json(&json!({"target": 50.5, "direction": "over"}))
                .expect("valid")
                .rtp()
                .to_f64(),
            0.012,
        ),
        (
            "wheel",
            json!({"segments": 10, "risk": "medium"}),
            0.99,
            0.013,
        ),
        (
            "plinko",
            json!({"rows": 8, "risk": "low"}),
            plinko::PlinkoParams {
                rows: 8,
                risk: Risk::Low,
            }
            .rtp()
            .to_f64(),
            0.007,
        ),
        (
            "limbo",
            json!({"target": 2.0}),
            limbo::LimboParams { target: 200 }.rtp().to_f64(),
            0.012,
        ),
        (
            "keno",
            json!({"picks": [1, 2], "risk": "classic"}),
            keno::rtp(Risk::Classic, 2).to_f64(),
            0.02,
        ),
    ];
    for (game, params, exact, tolerance) in cases {
        let simulated = simulated_rtp(game, &params, 40_000);
        assert!(
            (simulated - exact).abs() < tolerance,
            "{game}: simulated {simulated}, exact {exact}"
        );
    }
}
