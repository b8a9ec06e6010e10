//! Every game's outcome against published verifier vectors, through the `fair outcome` function.

use casino::blackjack::BlackjackRound;
use casino::hilo::HiloRound;
use fair::{ByteStream, IndexMode};
use serde_json::Value;

use crate::{fixture, seed};

fn params_text(case: &Value) -> Option<String> {
    let params = &case["params"];
    (!params.is_null()).then(|| params.to_string())
}

#[test]
fn every_game_matches_the_published_vectors() {
    let fixture = fixture();
    let cases = fixture["outcomes"].as_array().expect("outcome vectors");
    let mut games = std::collections::BTreeSet::new();
    for case in cases {
        let game = case["game"].as_str().expect("game");
        games.insert(game);
        let (server, client, nonce) = seed(&fixture, &case["seed"]);
        let got = casino::cli::outcome(game, &server, &client, nonce, params_text(case).as_deref())
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        if let Some(expected) = case["expected"].as_object() {
            for (key, value) in expected {
                if value.is_number() {
                    // Tables print 0 or 1.5; we print every multiplier as a float (0.0, 1.5).
                    assert_eq!(
                        got[key].as_f64(),
                        value.as_f64(),
                        "{game} key {key} of {case}"
                    );
                } else {
                    assert_eq!(&got[key], value, "{game} key {key} of {case}");
                }
            }
        } else {
            // Mines vectors list the mines sorted; we print them in draw order.
            let expected = &case["expected_sorted"]["mines"];
            let mut mines: Vec<u64> = got["mines"]
                .as_array()
                .expect("mines")
                .iter()
                .map(|m| m.as_u64().expect("tile"))
                .collect();
            mines.sort_unstable();
            assert_eq!(&serde_json::json!(mines), expected, "{case}");
        }
    }
    let expected: std::collections::BTreeSet<&str> = [
        "cards", "dice", "keno", "limbo", "mines", "plinko", "roulette", "wheel",
    ]
    .into();
    assert_eq!(games, expected);
}

#[test]
fn hilo_and_blackjack_deal_the_published_card_sequences() {
    let fixture = fixture();
    for case in fixture["outcomes"]
        .as_array()
        .expect("vectors")
        .iter()
        .filter(|c| c["game"] == "cards")
    {
        let (server, client, nonce) = seed(&fixture, &case["seed"]);
        let expected: Vec<&str> = case["expected"]["cards"]
            .as_array()
            .expect("cards")
            .iter()
            .map(|c| c.as_str().expect("code"))
            .collect();
        let hilo = HiloRound::start(
            &mut ByteStream::new(&server, &client, nonce),
            IndexMode::Floor,
            100,
        )
        .expect("stake");
        let codes: Vec<String> = hilo.cards.iter().map(|c| c.code()).collect();
        assert_eq!(&codes[..expected.len()], expected.as_slice());
        let bj = BlackjackRound::start(
            &mut ByteStream::new(&server, &client, nonce),
            IndexMode::Floor,
            100,
        )
        .expect("stake");
        // Deal order: player, dealer up-card, player, dealer hole card.
        assert_eq!(bj.hands[0].cards[0].code(), expected[0]);
        assert_eq!(bj.dealer[0].code(), expected[1]);
        assert_eq!(bj.hands[0].cards[1].code(), expected[2]);
        assert_eq!(bj.dealer[1].code(), expected[3]);
    }
}

#[test]
fn issue_examples_hold_for_the_first_vector_seed() {
    // The issue's contract examples: dice 77.18, limbo 1.28, roulette 28, keno [31, 36, …],
    // wheel segment 7, cards ["DQ", "SK", …], plinko path "RRLR…" on the first published seed.
    let fixture = fixture();
    let (server, client, nonce) = seed(&fixture, &serde_json::json!(0));
    let out = |game: &str, params: Option<&str>| {
        casino::cli::outcome(game, &server, &client, nonce, params).expect("valid")
    };
    assert_eq!(out("dice", None).to_string(), r#"{"roll":77.18}"#);
    assert_eq!(out("limbo", None).to_string(), r#"{"multiplier":1.28}"#);
    assert_eq!(out("roulette", None).to_string(), r#"{"pocket":28}"#);
    assert_eq!(
        out("keno", None)["drawn"].as_array().expect("drawn")[..2],
        [31, 36]
    );
    assert_eq!(
        out("wheel", Some(r#"{"segments": 10, "risk": "low"}"#))["segment"],
        7
    );
    assert_eq!(
        out("cards", Some(r#"{"count": 10}"#))["cards"]
            .as_array()
            .expect("cards")[..2],
        ["DQ", "SK"]
    );
    assert!(
        out("plinko", Some(r#"{"rows": 16, "risk": "low"}"#))["path"]
            .as_str()
            .expect("path")
            .starts_with("RRLR")
    );
    assert_eq!(
        out("floats", Some(r#"{"count": 8}"#))["floats"]
            .as_array()
            .expect("floats")
            .len(),
        8
    );
}
