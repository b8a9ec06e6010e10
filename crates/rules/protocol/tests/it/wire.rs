//! Wire value types: every card code round-trips, plays keep their declared reading, and malformed values
//! are refused with the error that names them.

use crate::fixtures::{card, play};
use protocol::{CardCode, RoomCode, TableId, UserId, WireError, WireMove, WirePlay, WireSeat};
use serde_json::json;

#[test]
fn every_card_code_round_trips() {
    let mut seen = std::collections::BTreeSet::new();
    for c in guandan::Card::all() {
        let code = CardCode(c);
        let text = serde_json::to_value(code).expect("serialise");
        let s = text.as_str().expect("a card is a string").to_owned();
        assert!(seen.insert(s.clone()), "codes are distinct: {s}");
        let back: CardCode = serde_json::from_value(text).expect("parse back");
        assert_eq!(back, code);
    }
    assert_eq!(seen.len(), 54);
    assert!(seen.contains("SB") && seen.contains("HR") && seen.contains("DT"));
}

fn check_play(input: serde_json::Value, expected: Result<serde_json::Value, &str>) {
    let got = serde_json::from_value::<WirePlay>(input.clone());
    match (got, expected) {
        (Ok(p), Ok(want)) => assert_eq!(serde_json::to_value(p).expect("serialise"), want),
        (Err(e), Err(want)) => assert!(
            e.to_string().contains(want),
            "{input}: error {e} should mention {want:?}"
        ),
        (got, want) => panic!("{input}: got {got:?}, expected {want:?}"),
    }
}

#[test]
fn plays_parse_to_the_canonical_tuple() {
    // Cards come back sorted in the engine's order; the declared reading is kept as sent.
    check_play(
        json!(["Pair", "5", ["S5", "H5"]]),
        Ok(json!(["Pair", "5", ["S5", "H5"]])),
    );
    check_play(
        json!(["Straight", "T", ["ST", "HJ", "CQ", "DK", "SA"]]),
        Ok(json!(["Straight", "T", ["ST", "HJ", "CQ", "DK", "SA"]])),
    );
    check_play(
        json!(["FourKings", "JOKER", ["SB", "SB", "HR", "HR"]]),
        Ok(json!(["FourKings", "JOKER", ["SB", "SB", "HR", "HR"]])),
    );
    check_play(
        json!(["Pair", "10", ["ST", "HT"]]),
        Ok(json!(["Pair", "T", ["ST", "HT"]])),
    );
    check_play(json!(["Quad", "5", ["S5"]]), Err("not a combination type"));
    check_play(json!(["Single", "Z", ["S5"]]), Err("not a combination key"));
    check_play(json!(["Single", "5", ["X5"]]), Err("not a card code"));
    check_play(json!(["Single", "5", ["S10"]]), Err("not a card code"));
    check_play(json!(["Single", "5", []]), Err("1 to 10 cards, not 0"));
    check_play(
        json!([
            "Bomb",
            "5",
            [
                "S5", "S5", "H5", "H5", "C5", "C5", "D5", "D5", "S6", "S6", "S7"
            ]
        ]),
        Err("1 to 10 cards, not 11"),
    );
    check_play(json!(["Single", "5"]), Err("invalid length 2"));
    check_play(json!(["PASS", "PASS", "PASS"]), Err("invalid type"));
    check_play(json!({"kind": "Single"}), Err("invalid type"));
}

#[test]
fn moves_include_pass() {
    let pass: WireMove = serde_json::from_value(json!(["PASS", "PASS", "PASS"])).expect("pass");
    assert_eq!(pass.0, guandan::Move::Pass);
    assert_eq!(
        serde_json::to_value(pass).expect("serialise"),
        json!(["PASS", "PASS", "PASS"])
    );
    let p = play("Single", "A", &["HA"]);
    let m = WireMove(guandan::Move::Play(p.0));
    assert_eq!(
        serde_json::to_value(m).expect("serialise"),
        json!(["Single", "A", ["HA"]])
    );
    assert!(serde_json::from_value::<WireMove>(json!(["PASS", "PASS"])).is_err());
}

#[test]
fn conversions_to_engine_types_keep_the_value() {
    let c = card("HR");
    assert_eq!(guandan::Card::from(c), guandan::Card::BIG_JOKER);
    let p = play("Trips", "Q", &["SQ", "HQ", "DQ"]);
    let g: guandan::Play = p.into();
    assert_eq!(g.kind, guandan::Kind::Trips);
    assert_eq!(WirePlay::from(g), p);
}

#[test]
fn seats_and_ids_are_validated() {
    assert_eq!(WireSeat::try_from(3).map(|s| u8::from(s.0)), Ok(3));
    assert_eq!(WireSeat::try_from(4), Err(WireError::BadSeat(4)));
    assert!(serde_json::from_value::<WireSeat>(json!(-1)).is_err());
    assert!(serde_json::from_value::<WireSeat>(json!(1.5)).is_err());
    assert!(TableId::new("t-1_A").is_ok());
    assert!(TableId::new("").is_err());
    assert!(TableId::new("a b").is_err());
    assert!(TableId::new("x".repeat(33)).is_err());
    assert!(RoomCode::new("K7P2QX").is_ok());
    assert!(RoomCode::new("K7P2Q0").is_err(), "0 is not in the alphabet");
    assert!(RoomCode::new("k7p2qx").is_err(), "codes are upper case");
    assert!(RoomCode::new("K7P2Q").is_err());
    assert!(UserId::new("18446744073709551615").is_ok());
    assert!(UserId::new("184467440737095516150").is_err());
    assert!(UserId::new("12a").is_err());
}
