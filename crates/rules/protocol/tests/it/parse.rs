//! The client frame parser: each class of bad input gets its code, the request id is echoed when it
//! could be read, and no input makes it panic.

use proptest::prelude::*;
use protocol::client::CLIENT_MESSAGE_TYPES;
use protocol::limits::WS_MESSAGE_BYTES_MAX;
use protocol::{ClientEnvelope, ClientMessage, parse_client};

/// Parses `input` and compares the outcome with `expected`: `Ok(type)` or `Err((code, echoed id))`.
fn check(input: &str, expected: Result<&str, (&str, Option<&str>)>) {
    let got = parse_client(input);
    match (&got, expected) {
        (Ok(env), Ok(ty)) => assert_eq!(env.msg.type_name(), ty, "{input}"),
        (Err(f), Err((code, id))) => {
            assert_eq!(f.error.code(), code, "{input}: {}", f.error);
            assert_eq!(f.id.as_ref().map(|i| i.as_str()), id, "{input}");
        }
        _ => panic!("{input}: got {got:?}, expected {expected:?}"),
    }
}

#[test]
fn good_frames_parse() {
    check(r#"{"v":1,"type":"ping"}"#, Ok("ping"));
    check(r#"{"v":1,"id":"a","type":"ping","payload":{}}"#, Ok("ping"));
    check(r#"{"v":1,"type":"ping","payload":null}"#, Ok("ping"));
    check(
        r#"{"v":1,"id":"r-1","type":"play","payload":{"table_id":"t1","play":["Pair","5",["H5","S5"]]}}"#,
        Ok("play"),
    );
    check(
        r#"{"v":1,"type":"room_create","payload":{"options":{}}}"#,
        Ok("room_create"),
    );
    check(
        r#"{"v":1,"type":"room_create","payload":{"options":{"rules":"competition","timers":{"play_ms":3000,"tribute_ms":120000,"return_ms":30000}}}}"#,
        Ok("room_create"),
    );
    check(
        r#"{"v":1,"type":"resync","payload":{"table_id":"t1","last_seq":18446744073709551615}}"#,
        Ok("resync"),
    );
    check(
        r#"{"v":1,"type":"room_update","payload":{"table_id":"t1","options":{"allow_bots":false}}}"#,
        Ok("room_update"),
    );
    check(
        r#"{"v":1,"type":"room_kick","payload":{"table_id":"t1","seat":3}}"#,
        Ok("room_kick"),
    );
    check(
        r#"{"v":1,"type":"auth_refresh","payload":{"access_token":"a.b.c"}}"#,
        Ok("auth_refresh"),
    );
}

#[test]
fn bad_frames_get_their_codes() {
    let big = format!(
        r#"{{"v":1,"type":"ping","payload":{{"x":"{}"}}}}"#,
        "a".repeat(WS_MESSAGE_BYTES_MAX)
    );
    check(&big, Err(("frame_too_large", None)));
    check("", Err(("invalid_message", None)));
    check("not json", Err(("invalid_message", None)));
    check("[1,2]", Err(("invalid_message", None)));
    check(r#"{"type":"ping"}"#, Err(("invalid_message", None)));
    check(r#"{"v":"1","type":"ping"}"#, Err(("invalid_message", None)));
    check(r#"{"v":1}"#, Err(("invalid_message", None)));
    check(
        r#"{"v":1,"type":"ping","extra":1}"#,
        Err(("invalid_message", None)),
    );
    check(
        r#"{"v":1,"id":"","type":"ping"}"#,
        Err(("invalid_message", None)),
    );
    check(
        r#"{"v":1,"id":"a b","type":"ping"}"#,
        Err(("invalid_message", None)),
    );
    let long_id = format!(r#"{{"v":1,"id":"{}","type":"ping"}}"#, "x".repeat(65));
    check(&long_id, Err(("invalid_message", None)));
    check(
        r#"{"v":2,"id":"q","type":"ping"}"#,
        Err(("unsupported_version", Some("q"))),
    );
    check(
        r#"{"v":0,"type":"ping"}"#,
        Err(("unsupported_version", None)),
    );
    check(
        r#"{"v":1,"id":"q","type":"chat"}"#,
        Err(("unknown_type", Some("q"))),
    );
    check(r#"{"v":1,"type":"Ping"}"#, Err(("unknown_type", None)));
    check(
        r#"{"v":1,"id":"q","type":"play","payload":{}}"#,
        Err(("invalid_payload", Some("q"))),
    );
    check(
        r#"{"v":1,"type":"play","payload":[]}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"pass","payload":["t1"]}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"ping","payload":7}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"play","payload":{"table_id":"t1","play":["Pair","5",["H5","X5"]]}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"pass","payload":{"table_id":"t1","extra":true}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"ping","payload":{"x":1}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"take_seat","payload":{"table_id":"t1","seat":4}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"tribute","payload":{"table_id":"t 1","card":"HA"}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"quick_match_join","payload":{"mode":"tournament"}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"emote","payload":{"table_id":"t1","emote":"free text"}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"room_create","payload":{"options":{"timers":{"play_ms":100,"tribute_ms":15000,"return_ms":30000}}}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"room_create","payload":{"options":{"timers":{"play_ms":20000,"tribute_ms":15000,"return_ms":120001}}}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"room_create","payload":{"options":{"seats":8}}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"id":"u1","type":"room_update","payload":{"table_id":"t1","options":{"timers":{"play_ms":2999,"tribute_ms":15000,"return_ms":30000}}}}"#,
        Err(("invalid_payload", Some("u1"))),
    );
    check(
        r#"{"v":1,"type":"room_update","payload":{"options":{}}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"room_kick","payload":{"table_id":"t1","seat":4}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"auth_refresh","payload":{"access_token":""}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"auth_refresh","payload":{"access_token":"a b"}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        &format!(
            r#"{{"v":1,"type":"auth_refresh","payload":{{"access_token":"{}"}}}}"#,
            "a".repeat(protocol::limits::ACCESS_TOKEN_BYTES_MAX + 1)
        ),
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"room_join","payload":{"code":"abc"}}"#,
        Err(("invalid_payload", None)),
    );
    check(
        r#"{"v":1,"type":"report_player","payload":{"user_id":"12","reason":"cheating"}}"#,
        Err(("invalid_payload", None)),
    );
    let deep = format!(
        r#"{{"v":1,"type":"ping","payload":{}{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    check(&deep, Err(("invalid_message", None)));
}

#[test]
fn game_messages_become_engine_actions() {
    let env = parse_client(
        r#"{"v":1,"type":"play","payload":{"table_id":"t1","play":["Pair","5",["H5","S5"]]}}"#,
    )
    .expect("valid play");
    let seat = guandan::Seat::new(2).expect("seat 2");
    let action = env.msg.action(seat).expect("a play is an action");
    assert_eq!(action.seat(), seat);
    assert!(matches!(action, guandan::Action::Play { play, .. } if play.cards().len() == 2));
    assert_eq!(env.msg.table_id().map(|t| t.as_str()), Some("t1"));
    let ping = parse_client(r#"{"v":1,"type":"ping"}"#).expect("ping");
    assert_eq!(ping.msg, ClientMessage::Ping {});
    assert_eq!(ping.msg.action(seat), None);
    assert_eq!(ping.msg.table_id(), None);
}

#[test]
fn every_listed_type_is_known_to_the_parser() {
    // A listed type whose payload is wrong must fail as `invalid_payload`, never `unknown_type`.
    for ty in CLIENT_MESSAGE_TYPES {
        let frame = format!(r#"{{"v":1,"type":"{ty}","payload":{{"bogus":0}}}}"#);
        let err = parse_client(&frame).expect_err("bogus field is refused");
        assert_eq!(err.error.code(), "invalid_payload", "{ty}");
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-zA-Z0-9_ -]{0,8}".prop_map(serde_json::Value::from),
        prop::sample::select(vec!["H5", "SB", "HR", "Pair", "5", "t1", "PASS", "play"])
            .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "table_id",
                    "play",
                    "card",
                    "seat",
                    "mode",
                    "options",
                    "code",
                    "last_seq",
                    "emote",
                    "phrase",
                    "user_id",
                    "reason",
                    "timers",
                    "access_token",
                    "x",
                ]),
                inner,
                0..4
            )
            .prop_map(|m| {
                serde_json::Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,64}") {
        let _ = parse_client(&text);
    }

    #[test]
    fn arbitrary_payloads_never_panic_and_valid_ones_round_trip(
        ty in prop::sample::select(CLIENT_MESSAGE_TYPES.to_vec()),
        payload in json_value(),
    ) {
        let frame = serde_json::json!({"v": 1, "id": "p", "type": ty, "payload": payload}).to_string();
        if let Ok(env) = parse_client(&frame) {
            let again = serde_json::to_string(&env).expect("serialise");
            // Rust clients (the load tool) read envelopes with plain serde; both paths must agree.
            let plain: ClientEnvelope = serde_json::from_str(&again).expect("serde reads it");
            prop_assert_eq!(&plain, &env);
            prop_assert_eq!(parse_client(&again).expect("re-parse"), env);
        }
    }
}

#[test]
fn every_truncation_of_a_valid_frame_is_refused_cleanly() {
    let frame = r#"{"v":1,"id":"r9","type":"play","payload":{"table_id":"t1","play":["Straight","A",["SA","H2","C3","D4","S5"]]}}"#;
    assert!(parse_client(frame).is_ok());
    for end in 0..frame.len() {
        let err = parse_client(&frame[..end]).expect_err("a cut frame is not a message");
        assert_eq!(err.error.code(), "invalid_message", "cut at {end}");
    }
}
