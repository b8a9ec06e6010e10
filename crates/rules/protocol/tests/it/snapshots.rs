//! One JSON snapshot per message type, client and server, each inside its envelope; every example also
//! round-trips through JSON, and the examples cover every type the TypeScript declares.

use crate::fixtures::{card, cards, play, rid, seat, table};
use protocol::client::{
    CLIENT_MESSAGE_TYPES, EmoteId, PhraseId, ReportReason, RulesProfile, Timers,
};
use protocol::server::{
    CloseReason, GameState, HandResultInfo, PlayerInfo, SeatInfo, SuggestedAction, TimerInfo,
    TransferInfo, Welcome,
};
use protocol::{
    ClientEnvelope, ClientMessage, ErrorPayload, LegalMoves, MatchMode, RoomCode, RoomOptions,
    ServerEnvelope, ServerMessage, TableSnapshot, UserId,
};
use std::collections::BTreeSet;
use ts_rs::{Config, TS};

fn client_examples() -> Vec<ClientMessage> {
    let t = table;
    vec![
        ClientMessage::Ping {},
        ClientMessage::QuickMatchJoin {
            mode: MatchMode::Ranked,
        },
        ClientMessage::QuickMatchCancel {},
        ClientMessage::RoomCreate {
            options: RoomOptions {
                rules: RulesProfile::Competition,
                allow_bots: true,
                allow_spectators: false,
                timers: Timers {
                    play_ms: 15_000,
                    tribute_ms: 15_000,
                    return_ms: 30_000,
                },
                fast_bots: true,
            },
        },
        ClientMessage::RoomJoin {
            code: RoomCode::new("K7P2QX").expect("valid code"),
        },
        ClientMessage::TakeSeat {
            table_id: t(),
            seat: seat(2),
        },
        ClientMessage::Ready { table_id: t() },
        ClientMessage::Play {
            table_id: t(),
            play: play("ThreeWithTwo", "9", &["S9", "H9", "D9", "C4", "D4"]),
        },
        ClientMessage::Pass { table_id: t() },
        ClientMessage::Tribute {
            table_id: t(),
            card: card("SA"),
        },
        ClientMessage::Return {
            table_id: t(),
            card: card("C3"),
        },
        ClientMessage::Hint { table_id: t() },
        ClientMessage::Emote {
            table_id: t(),
            emote: EmoteId::ThumbsUp,
        },
        ClientMessage::QuickPhrase {
            table_id: t(),
            phrase: PhraseId::NiceBomb,
        },
        ClientMessage::Spectate { table_id: t() },
        ClientMessage::Leave { table_id: t() },
        ClientMessage::Resync {
            table_id: t(),
            last_seq: 41,
        },
        ClientMessage::PlayAgain { table_id: t() },
        ClientMessage::ReportPlayer {
            user_id: UserId::new("7205759403792793600").expect("valid user id"),
            reason: ReportReason::Collusion,
            table_id: Some(t()),
        },
        ClientMessage::RoomUpdate {
            table_id: t(),
            options: RoomOptions {
                rules: RulesProfile::Official2022,
                allow_bots: false,
                allow_spectators: true,
                timers: Timers {
                    play_ms: 30_000,
                    tribute_ms: 20_000,
                    return_ms: 30_000,
                },
                fast_bots: false,
            },
        },
        ClientMessage::RoomKick {
            table_id: t(),
            seat: seat(3),
        },
        ClientMessage::AuthRefresh {
            access_token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl".into(),
        },
    ]
}

fn name_of(msg: &impl serde::Serialize) -> String {
    let v = serde_json::to_value(msg).expect("serialise");
    v["type"]
        .as_str()
        .expect("every message has a type")
        .to_owned()
}

fn sample_game() -> (GameState, guandan::Match) {
    let mut rules = guandan::Rules::official_2022();
    rules.first_leader = guandan::rules::FirstLeader::Seat(0);
    let (mut m, _) = guandan::Match::new(guandan::Seed::from_u64(7), rules);
    // Two real moves so the trick, top and last moves are not empty.
    for _ in 0..2 {
        let s = m.awaiting()[0];
        let a = *m.compact_actions(s).last().expect("a legal action");
        m.apply_mut(a).expect("legal");
    }
    (GameState::from(&m.view(Some(guandan::Seat::ZERO))), m)
}

fn player(name: &str, user: Option<&str>) -> PlayerInfo {
    PlayerInfo {
        user_id: user.map(|u| UserId::new(u).expect("valid user id")),
        name: name.to_owned(),
        bot: user.is_none(),
    }
}

fn server_examples() -> Vec<ServerEnvelope> {
    let t = table;
    let ev = |seq, msg| ServerEnvelope::table_event(t(), seq, msg);
    let reply = |id: &str, msg| ServerEnvelope::reply(rid(id), msg);
    let (game, m) = sample_game();
    let to_act = m.awaiting()[0];
    // A short legal list: the pass (when allowed) and the first five plays of the full list.
    let legal = m.legal_actions(to_act);
    let short: Vec<guandan::Action> = legal
        .iter()
        .filter(|a| matches!(a, guandan::Action::Pass { .. }))
        .chain(
            legal
                .iter()
                .filter(|a| matches!(a, guandan::Action::Play { .. }))
                .take(5),
        )
        .copied()
        .collect();
    let transfers = vec![
        TransferInfo {
            from: seat(3),
            to: seat(0),
            card: card("HR"),
        },
        TransferInfo {
            from: seat(1),
            to: seat(2),
            card: card("SA"),
        },
    ];
    vec![
        ServerEnvelope::reply(
            None,
            ServerMessage::Welcome(Welcome::new(
                UserId::new("7205759403792793600").expect("valid"),
                1_763_719_200_000,
                vec![t()],
            )),
        ),
        reply("r1", ServerMessage::Ack {}),
        reply(
            "r2",
            ServerMessage::Error(ErrorPayload::new("not_your_turn", "It is not your turn.")),
        ),
        reply(
            "r3",
            ServerMessage::Pong {
                server_time_ms: 1_763_719_200_500,
            },
        ),
        reply(
            "r4",
            ServerMessage::RoomCreated {
                table_id: t(),
                code: RoomCode::new("K7P2QX").expect("valid"),
            },
        ),
        ServerEnvelope::reply(
            None,
            ServerMessage::MatchFound {
                table_id: t(),
                mode: MatchMode::Casual,
                seat: seat(1),
            },
        ),
        ServerEnvelope::reply(
            None,
            ServerMessage::TableSnapshot(Box::new(TableSnapshot {
                table_id: t(),
                seq: 12,
                seat: Some(seat(0)),
                options: RoomOptions::default(),
                host: Some(UserId::new("42").expect("valid")),
                seats: (0..4)
                    .map(|i| SeatInfo {
                        seat: seat(i),
                        player: Some(if i == 0 {
                            player("ada", Some("42"))
                        } else {
                            player(&format!("bot {i}"), None)
                        }),
                        connected: true,
                        ready: true,
                        auto_play: i == 3,
                    })
                    .collect(),
                game: Some(game),
                timer: Some(TimerInfo {
                    seat: to_act.into(),
                    deadline_ms: 1_763_719_220_000,
                    duration_ms: 20_000,
                }),
            })),
        ),
        ev(
            1,
            ServerMessage::SeatChanged {
                seat: seat(1),
                player: Some(player("bob", Some("43"))),
            },
        ),
        ev(
            2,
            ServerMessage::Presence {
                seat: seat(1),
                connected: false,
            },
        ),
        ev(3, ServerMessage::PlayerReady { seat: seat(1) }),
        ev(
            4,
            ServerMessage::Deal {
                hand_no: 0,
                level: "2".into(),
                seat: seat(0),
                count: 27,
                cards: Some(cards(&[
                    "S2", "H2", "C3", "D3", "S4", "H5", "C5", "D6", "S7", "H7", "C8", "D8", "S9",
                    "HT", "CT", "DJ", "SJ", "HQ", "CQ", "DK", "SK", "HA", "CA", "DA", "SB", "HR",
                    "HR",
                ])),
            },
        ),
        ev(
            5,
            ServerMessage::AntiTribute {
                seats: vec![seat(1), seat(3)],
                cards: cards(&["HR", "HR"]),
            },
        ),
        ev(
            6,
            ServerMessage::TributeStart {
                payers: vec![seat(1), seat(3)],
            },
        ),
        ev(
            7,
            ServerMessage::TributePaid {
                seat: seat(3),
                card: None,
            },
        ),
        ev(
            8,
            ServerMessage::TributeResult {
                transfers: transfers.clone(),
            },
        ),
        ev(
            9,
            ServerMessage::Returned {
                seat: seat(0),
                card: Some(card("D4")),
            },
        ),
        ev(
            10,
            ServerMessage::ReturnResult {
                transfers: vec![TransferInfo {
                    from: seat(0),
                    to: seat(3),
                    card: card("D4"),
                }],
            },
        ),
        ev(11, ServerMessage::FirstLead { seat: seat(3) }),
        ev(
            12,
            ServerMessage::Played {
                seat: seat(3),
                play: play("Straight", "A", &["SA", "H2", "C3", "D4", "S5"]),
            },
        ),
        ev(13, ServerMessage::Passed { seat: seat(0) }),
        ev(
            14,
            ServerMessage::TrickWon {
                winner: seat(3),
                leader: seat(1),
                jiefeng: true,
            },
        ),
        ev(
            15,
            ServerMessage::PlayerOut {
                seat: seat(3),
                place: 1,
            },
        ),
        ev(
            16,
            ServerMessage::HandResult(HandResultInfo {
                hand_no: 0,
                level: "2".into(),
                order: vec![seat(3), seat(1), seat(0), seat(2)],
                promoted: 1,
                steps: 3,
                levels: ["2".into(), "5".into()],
                ace_reset: None,
            }),
        ),
        ev(17, ServerMessage::MatchResult { winner: Some(1) }),
        ServerEnvelope::reply(
            None,
            ServerMessage::LegalMoves(LegalMoves::from_actions(t(), to_act, m.phase(), &short)),
        ),
        reply(
            "r5",
            ServerMessage::Hint {
                table_id: t(),
                action: SuggestedAction::Play {
                    play: play("Pair", "5", &["S5", "H5"]),
                },
            },
        ),
        ev(
            18,
            ServerMessage::TimerStarted {
                seat: seat(2),
                deadline_ms: 1_763_719_240_000,
                duration_ms: 20_000,
            },
        ),
        ev(
            19,
            ServerMessage::AutoPlay {
                seat: seat(2),
                on: true,
            },
        ),
        ev(
            20,
            ServerMessage::Emote {
                seat: seat(1),
                emote: EmoteId::Clap,
            },
        ),
        ev(
            21,
            ServerMessage::QuickPhrase {
                seat: seat(1),
                phrase: PhraseId::WellPlayed,
            },
        ),
        ev(
            22,
            ServerMessage::TableClosed {
                reason: CloseReason::Finished,
            },
        ),
        ev(
            23,
            ServerMessage::RoomUpdated {
                options: RoomOptions {
                    allow_bots: false,
                    ..RoomOptions::default()
                },
            },
        ),
        ev(
            24,
            ServerMessage::PlayerKicked {
                seat: seat(2),
                player: player("bob", Some("43")),
            },
        ),
        ServerEnvelope::reply(
            None,
            ServerMessage::AuthExpiring {
                expires_at_ms: 1_763_719_260_000,
                grace_ms: 15_000,
            },
        ),
        ServerEnvelope::reply(
            None,
            ServerMessage::QueueTicket {
                ticket: 41,
                position: 3,
                estimated_wait_ms: Some(12_000),
            },
        ),
        ServerEnvelope::reply(
            None,
            ServerMessage::BalanceChanged {
                currency: "PLAY".into(),
                balance: 99_900,
            },
        ),
        ServerEnvelope::reply(
            None,
            ServerMessage::BetFeed {
                items: vec![protocol::server::BetFeedItem {
                    bet_id: "7370129472176128".into(),
                    game: "dice".into(),
                    player: "pla***456".into(),
                    currency: "PLAY".into(),
                    amount: 100_000,
                    multiplier: "1.98".into(),
                    payout: 198_000,
                    at_ms: 1_763_719_200_500,
                }],
            },
        ),
    ]
}

/// The `"type": "…"` names in a TypeScript union declaration.
fn declared_types<T: TS>() -> BTreeSet<String> {
    let decl = T::decl(&Config::new());
    decl.split("\"type\": \"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn client_message_snapshots() {
    let mut names = BTreeSet::new();
    for (i, msg) in client_examples().into_iter().enumerate() {
        let name = name_of(&msg);
        let env = ClientEnvelope::new(rid(&format!("c{i}")), msg);
        insta::assert_json_snapshot!(format!("client_{name}"), env);
        let text = serde_json::to_string(&env).expect("serialise");
        assert_eq!(protocol::parse_client(&text), Ok(env), "{name} round-trips");
        assert!(names.insert(name));
    }
    let listed: BTreeSet<String> = CLIENT_MESSAGE_TYPES.iter().map(|s| s.to_string()).collect();
    assert_eq!(names, listed, "one example per listed client type");
    assert_eq!(
        names,
        declared_types::<ClientMessage>(),
        "one example per declared type"
    );
}

#[test]
fn server_message_snapshots() {
    let mut names = BTreeSet::new();
    for env in server_examples() {
        let name = name_of(&env);
        assert_eq!(
            env.seq.is_some(),
            env.msg.is_table_event(),
            "{name}: table events, and only they, carry a sequence number"
        );
        insta::assert_json_snapshot!(format!("server_{name}"), env);
        let text = serde_json::to_string(&env).expect("serialise");
        let back: ServerEnvelope = serde_json::from_str(&text).expect("parse back");
        assert_eq!(back, env, "{name} round-trips");
        assert!(names.insert(name));
    }
    assert_eq!(
        names,
        declared_types::<ServerMessage>(),
        "one example per declared type"
    );
}

#[test]
fn error_payloads_cover_every_rule_error() {
    use guandan::RuleError;
    let errors = [
        RuleError::MatchOver,
        RuleError::WrongPhase {
            action: "play".into(),
            phase: guandan::Phase::Tribute,
        },
        RuleError::NotYourTurn {
            seat: guandan::Seat::ZERO,
        },
        RuleError::CardsNotHeld {
            seat: guandan::Seat::ZERO,
        },
        RuleError::InvalidReading {
            kind: "Pair".into(),
            key: "5".into(),
        },
        RuleError::DoesNotBeat,
        RuleError::PassWhileLeading,
        RuleError::IllegalTribute {
            card: guandan::Card::BIG_JOKER,
        },
        RuleError::IllegalReturn {
            card: guandan::Card::BIG_JOKER,
        },
    ];
    let payloads: Vec<ErrorPayload> = errors
        .iter()
        .map(protocol::errors::rule_error_payload)
        .collect();
    insta::assert_json_snapshot!("rule_error_payloads", payloads);
    let codes: BTreeSet<&str> = errors
        .iter()
        .map(protocol::errors::rule_error_code)
        .collect();
    assert_eq!(
        codes.len(),
        errors.len(),
        "every rule error has its own code"
    );
    for p in &payloads {
        assert!(
            protocol::errors::WS_ERROR_CODES
                .iter()
                .any(|(c, _)| *c == p.code),
            "{} is in the code table",
            p.code
        );
    }
}

#[test]
fn projected_deal_snapshots() {
    // The opening events of a real match as seat 1 and as a spectator receive them: seat 1 sees only
    // its own cards; the spectator sees none.
    let mut rules = guandan::Rules::official_2022();
    rules.first_leader = guandan::rules::FirstLeader::Seat(0);
    let (_, events) = guandan::Match::new(guandan::Seed::from_u64(7), rules);
    let frames = |to| -> Vec<ServerEnvelope> {
        protocol::event_messages(&events, to)
            .into_iter()
            .zip(1..)
            .map(|(msg, seq)| ServerEnvelope::table_event(table(), seq, msg))
            .collect()
    };
    let seat1 = guandan::Seat::new(1).expect("seat 1");
    insta::assert_json_snapshot!(
        "projected_opening_seat1",
        frames(protocol::Recipient::Seat(seat1))
    );
    insta::assert_json_snapshot!(
        "projected_opening_spectator",
        frames(protocol::Recipient::Spectator)
    );
}
