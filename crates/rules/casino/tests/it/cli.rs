//! The `fair outcome` and `fair rtp` functions: shapes, defaults and one-line errors.

use casino::cli::{outcome, rtp};

const SERVER: &str = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159";

#[test]
fn outcome_shapes_follow_the_contract() {
    let check = |game: &str, params: Option<&str>, keys: &[&str]| {
        let out = outcome(game, SERVER, "bb62964774", 1, params)
            .unwrap_or_else(|e| panic!("{game}: {e}"));
        let object = out.as_object().expect("one JSON object");
        let got: Vec<&str> = object.keys().map(String::as_str).collect();
        let mut want = keys.to_vec();
        want.sort_unstable();
        assert_eq!(got, want, "{game}");
    };
    check("dice", None, &["roll"]);
    check("limbo", None, &["multiplier"]);
    check("roulette", None, &["pocket"]);
    check(
        "wheel",
        Some(r#"{"segments": 30, "risk": "high"}"#),
        &["segment", "multiplier"],
    );
    check("keno", None, &["drawn"]);
    check("mines", Some(r#"{"mines": 3}"#), &["mines"]);
    check(
        "plinko",
        Some(r#"{"rows": 16, "risk": "low"}"#),
        &["path", "bucket", "multiplier"],
    );
    check("cards", Some(r#"{"count": 10}"#), &["cards"]);
    check("floats", Some(r#"{"count": 8}"#), &["floats"]);
    check("hilo", None, &["cards"]);
    check("blackjack", None, &["cards"]);
}

#[test]
fn outcome_defaults_and_counts() {
    let out = |game: &str, params: Option<&str>| {
        outcome(game, SERVER, "bb62964774", 1, params).expect("valid")
    };
    assert_eq!(
        out("mines", None)["mines"].as_array().expect("mines").len(),
        3
    );
    assert_eq!(
        out("cards", None)["cards"].as_array().expect("cards").len(),
        52
    );
    assert_eq!(
        out("floats", None)["floats"]
            .as_array()
            .expect("floats")
            .len(),
        8
    );
    assert_eq!(
        out("plinko", None)["path"].as_str().expect("path").len(),
        16
    );
    assert_eq!(
        out("wheel", None),
        out("wheel", Some(r#"{"segments": 10, "risk": "low"}"#))
    );
    // Floats are the raw four-byte values / 2^32, full precision.
    assert_eq!(
        out("floats", Some(r#"{"count": 1}"#))["floats"][0],
        3_314_602_353.0 / 4_294_967_296.0
    );
}

#[test]
fn outcome_errors_name_the_argument_in_one_line() {
    let check = |game: &str, server: &str, client: &str, params: Option<&str>, word: &str| {
        let err = outcome(game, server, client, 0, params)
            .expect_err("bad argument")
            .to_string();
        assert!(err.contains(word), "{err}");
        assert!(!err.contains('\n'), "{err}");
    };
    check("poker", SERVER, "c", None, "--game");
    check("dice", "", "c", None, "--server-seed");
    check("dice", SERVER, "", None, "--client-seed");
    check("wheel", SERVER, "c", Some("{not json"), "--params");
    check(
        "wheel",
        SERVER,
        "c",
        Some(r#"{"segments": 11, "risk": "low"}"#),
        "--params",
    );
    check("mines", SERVER, "c", Some(r#"{"mines": 25}"#), "--params");
    check("cards", SERVER, "c", Some(r#"{"count": 0}"#), "--params");
    check(
        "floats",
        SERVER,
        "c",
        Some(r#"{"count": 100000}"#),
        "--params",
    );
}

#[test]
fn rtp_prints_exact_fractions() {
    let out = rtp("wheel", Some(r#"{"segments": 20, "risk": "medium"}"#)).expect("valid");
    assert_eq!(out["rtp_exact"], "99/100");
    assert_eq!(out["rtp"], 0.99);
    assert_eq!(out["model"], "uniform");
    let roulette = rtp("roulette", None).expect("default params");
    assert_eq!(roulette["rtp_exact"], "36/37");
    let dice = rtp("dice", Some(r#"{"target": 50.5, "direction": "over"}"#)).expect("valid");
    // 4950 winning rolls of 10001 at exactly 2x.
    assert_eq!(dice["rtp_exact"], "9900/10001");
    let u32_model = dice["rtp_u32"].as_f64().expect("u32 model");
    assert!((u32_model - 9_900.0 / 10_001.0).abs() < 1e-6 && u32_model != 9_900.0 / 10_001.0);
    for game in [
        "dice", "limbo", "crash", "roulette", "wheel", "plinko", "keno", "mines", "hilo",
    ] {
        let out = rtp(game, None).unwrap_or_else(|e| panic!("{game}: {e}"));
        let r = out["rtp"].as_f64().expect("rtp");
        assert!((0.97..=0.991).contains(&r), "{game}: {r}");
        let h = out["house_edge"].as_f64().expect("edge");
        assert!((r + h - 1.0).abs() < 1e-12);
    }
    let blackjack = rtp("blackjack", None).expect("no params needed");
    assert_eq!(blackjack["model"], "infinite_deck_optimal_strategy");
    assert!(rtp("blackjack", Some(r#"{"decks": 6}"#)).is_err());
    assert_eq!(rtp("limbo", None).expect("default")["model"], "u32");
    assert!(
        rtp("mines", Some(r#"{"mines": 24, "picks": 2}"#))
            .expect_err("impossible")
            .to_string()
            .contains("--params")
    );
    assert!(rtp("hilo", Some(r#"{"rank": "A", "guess": "higher"}"#)).is_err());
    assert!(
        rtp("nope", None)
            .expect_err("unknown")
            .to_string()
            .contains("--game")
    );
}

mod no_panic {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    const GAMES: [&str; 13] = [
        "dice",
        "limbo",
        "crash",
        "roulette",
        "wheel",
        "keno",
        "mines",
        "plinko",
        "cards",
        "floats",
        "hilo",
        "blackjack",
        "x",
    ];

    /// JSON params built from the fields the games read, with arbitrary values.
    fn params() -> impl Strategy<Value = Value> {
        let number = prop_oneof![
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|x| if x.is_finite() { json!(x) } else { json!(0) }),
            (0u64..60).prop_map(|n| json!(n)),
        ];
        let leaf = prop_oneof![
            number.clone(),
            Just(json!("over")),
            Just(json!("low")),
            Just(json!("red")),
            Just(json!("straight")),
            proptest::collection::vec(number.clone(), 0..12).prop_map(Value::from),
        ];
        let keys = proptest::sample::select(vec![
            "target",
            "direction",
            "segments",
            "risk",
            "rows",
            "picks",
            "mines",
            "count",
            "bets",
            "type",
            "numbers",
            "amount",
            "rank",
            "guess",
            "dozen",
        ]);
        let bet = proptest::collection::btree_map(keys.clone(), leaf.clone(), 0..4)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()));
        let field = prop_oneof![
            leaf,
            proptest::collection::vec(bet, 0..4).prop_map(Value::from)
        ];
        proptest::collection::btree_map(keys, field, 0..4)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn no_input_makes_the_cli_or_play_panic(game in proptest::sample::select(GAMES.to_vec()), params in params(), stake in any::<u64>(), nonce in any::<u64>(), raw in ".{0,40}") {
            let text = params.to_string();
            let _ = casino::cli::outcome(game, "s", "c", nonce, Some(&text));
            let _ = casino::cli::outcome(game, "s", "c", nonce, Some(&raw));
            let _ = casino::cli::rtp(game, Some(&text));
            let mut stream = fair::ByteStream::new("s", "c", nonce);
            if let Ok(s) = casino::play(game, &params, &mut stream, stake) {
                if game == "roulette" {
                    prop_assert!(u128::from(s.payout_minor) <= 36 * u128::from(stake));
                } else {
                    prop_assert_eq!(Ok(s.payout_minor), s.multiplier.payout(stake));
                }
            }
        }
    }
}
