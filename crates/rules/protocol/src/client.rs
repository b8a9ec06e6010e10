//! Messages a client sends, their envelope, and the one parser the server runs on every text frame:
//! bounded, never panicking, and returning a typed error that names the WebSocket error code.

use crate::limits::{
    ACCESS_TOKEN_BYTES_MAX, PLAY_TIMER_MS_DEFAULT, PROTOCOL_VERSION, RETURN_TIMER_MS_DEFAULT,
    TIMER_MS_MAX, TIMER_MS_MIN, TRIBUTE_TIMER_MS_DEFAULT, WS_MESSAGE_BYTES_MAX,
};
use crate::wire::{CardCode, RequestId, RoomCode, TableId, UserId, WirePlay, WireSeat, clip};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A client frame: `{"v": 1, "id": "r1", "type": "play", "payload": {...}}`. `id` is optional; when given,
/// the reply (`ack`, `error`, or the answer such as `room_created`) echoes it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct ClientEnvelope {
    /// Protocol version, [`PROTOCOL_VERSION`].
    pub v: u16,
    /// Client-chosen request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub id: Option<RequestId>,
    /// The message: `type` and `payload`.
    #[serde(flatten)]
    #[ts(flatten)]
    pub msg: ClientMessage,
}

impl ClientEnvelope {
    /// An envelope of the current version.
    pub fn new(id: Option<RequestId>, msg: ClientMessage) -> ClientEnvelope {
        ClientEnvelope {
            v: PROTOCOL_VERSION,
            id,
            msg,
        }
    }
}

/// Every client message. The JSON is `"type": "<snake_case name>", "payload": {...}`; the payload is
/// always an object (`{}` when there is nothing to say).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum ClientMessage {
    /// Keep-alive; answered by `pong`.
    Ping {},
    /// Enter the quick-match queue.
    QuickMatchJoin {
        /// Casual (bots may fill seats) or ranked (humans only, rating changes).
        mode: MatchMode,
    },
    /// Leave the quick-match queue.
    QuickMatchCancel {},
    /// Create a private room; answered by `room_created`.
    RoomCreate {
        /// Rules and host options.
        options: RoomOptions,
    },
    /// Join a private room by its code; answered by a `table_snapshot` (as a spectator until seated).
    RoomJoin {
        /// Room code.
        code: RoomCode,
    },
    /// Sit down at a free seat of a private room.
    TakeSeat {
        /// Table.
        table_id: TableId,
        /// Seat 0..3.
        seat: WireSeat,
    },
    /// Ready to start (private rooms start when all four seats are ready or filled by bots).
    Ready {
        /// Table.
        table_id: TableId,
    },
    /// Play cards with their declared reading.
    Play {
        /// Table.
        table_id: TableId,
        /// `[type, key, [cards]]`.
        play: WirePlay,
    },
    /// Pass (only when following).
    Pass {
        /// Table.
        table_id: TableId,
    },
    /// Pay a tribute card.
    Tribute {
        /// Table.
        table_id: TableId,
        /// Card paid.
        card: CardCode,
    },
    /// Return a card to the tribute payer.
    Return {
        /// Table.
        table_id: TableId,
        /// Card returned.
        card: CardCode,
    },
    /// Ask for a suggested action; answered by `hint`.
    Hint {
        /// Table.
        table_id: TableId,
    },
    /// Show an emote to the table (rate limited).
    Emote {
        /// Table.
        table_id: TableId,
        /// Emote from the fixed list.
        emote: EmoteId,
    },
    /// Say a quick phrase to the table (rate limited; no free text).
    QuickPhrase {
        /// Table.
        table_id: TableId,
        /// Phrase from the fixed list.
        phrase: PhraseId,
    },
    /// Watch a table (public information only).
    Spectate {
        /// Table.
        table_id: TableId,
    },
    /// Leave a table (a seated player's seat goes to auto-play until the table closes).
    Leave {
        /// Table.
        table_id: TableId,
    },
    /// Ask for every table event after `last_seq`; answered by those events in order, or by a fresh
    /// `table_snapshot` when they are no longer buffered.
    Resync {
        /// Table.
        table_id: TableId,
        /// Sequence number of the last table event received (0 when none).
        last_seq: u64,
    },
    /// After `match_result`: start another match at the same table with the same players.
    PlayAgain {
        /// Table.
        table_id: TableId,
    },
    /// Host only, while no match runs (before the first deal, or after `match_result`): replace the
    /// room's options. Everyone gets `room_updated`; every ready flag and `play_again` is cleared.
    RoomUpdate {
        /// Table.
        table_id: TableId,
        /// The new options, complete (missing fields take their defaults, as in `room_create`).
        options: RoomOptions,
    },
    /// Host only, while no match runs: remove the player or bot in `seat`. Everyone gets
    /// `player_kicked` and `seat_changed`; a kicked player stays as a spectator and may take a seat
    /// again only after `guandan.room_kick_rejoin_ms`.
    RoomKick {
        /// Table.
        table_id: TableId,
        /// Seat to clear (not the host's own).
        seat: WireSeat,
    },
    /// A newly obtained access token for the same account (after `POST /v1/auth/refresh`): the
    /// connection stays valid until the new token expires. Answered by `ack`.
    AuthRefresh {
        /// The new access token.
        access_token: String,
    },
    /// Report a player for review.
    ReportPlayer {
        /// Reported user.
        user_id: UserId,
        /// Reason from the fixed list.
        reason: ReportReason,
        /// Table where it happened, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        table_id: Option<TableId>,
    },
}

/// Quick-match modes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    /// Unrated; bots fill empty seats after a wait.
    Casual,
    /// Rated; humans only.
    Ranked,
}

/// Rule profiles a room may use (the engine's built-in profiles).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub enum RulesProfile {
    /// 2022 national rules with the online defaults.
    #[serde(rename = "official-2022")]
    Official2022,
    /// The AI-competition engine's rules.
    #[serde(rename = "competition")]
    Competition,
}

impl RulesProfile {
    /// The engine's rules for this profile.
    pub fn rules(self) -> guandan::Rules {
        match self {
            RulesProfile::Official2022 => guandan::Rules::official_2022(),
            RulesProfile::Competition => guandan::Rules::competition(),
        }
    }
}

/// Per-action timers, in milliseconds, each within `TIMER_MS_MIN..=TIMER_MS_MAX`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Timers {
    /// Time to play or pass.
    pub play_ms: u32,
    /// Time to pay tribute.
    pub tribute_ms: u32,
    /// Time to return a card.
    pub return_ms: u32,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            play_ms: PLAY_TIMER_MS_DEFAULT,
            tribute_ms: TRIBUTE_TIMER_MS_DEFAULT,
            return_ms: RETURN_TIMER_MS_DEFAULT,
        }
    }
}

/// Host options of a private room. Missing fields take their defaults.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct RoomOptions {
    /// Rule profile.
    pub rules: RulesProfile,
    /// Bots may take empty seats.
    pub allow_bots: bool,
    /// Spectators may watch.
    pub allow_spectators: bool,
    /// Action timers.
    pub timers: Timers,
    /// Bots act without a human-like delay.
    pub fast_bots: bool,
}

impl Default for RoomOptions {
    fn default() -> Self {
        RoomOptions {
            rules: RulesProfile::Official2022,
            allow_bots: true,
            allow_spectators: true,
            timers: Timers::default(),
            fast_bots: false,
        }
    }
}

/// Emotes (a fixed list; no free text).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EmoteId {
    /// 👍
    ThumbsUp,
    /// 😂
    Laugh,
    /// 😮
    Wow,
    /// 😢
    Cry,
    /// 😠
    Angry,
    /// 🤔
    Think,
    /// 👏
    Clap,
    /// 🌹
    Rose,
}

/// Quick phrases (a fixed list; no free text, which partners could use to signal).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PhraseId {
    /// "Hello!"
    Hello,
    /// "Good luck!"
    GoodLuck,
    /// "Well played!"
    WellPlayed,
    /// "Nice bomb!"
    NiceBomb,
    /// "Hurry up, please."
    HurryUp,
    /// "Sorry!"
    Sorry,
    /// "Thanks!"
    Thanks,
    /// "Good game."
    GoodGame,
}

/// Reasons for `report_player`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    /// Suspected collusion or card signalling.
    Collusion,
    /// Deliberately losing or stalling.
    Sandbagging,
    /// Leaving or idling on purpose.
    Abandoning,
    /// Offensive name or behaviour.
    Abusive,
    /// Anything else.
    Other,
}

/// Why a client frame was refused. Each variant maps to one WebSocket error code ([`ParseError::code`]).
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ParseError {
    /// The frame exceeds [`WS_MESSAGE_BYTES_MAX`].
    #[error("the message is {bytes} bytes; the limit is {limit} bytes")]
    FrameTooLarge {
        /// Frame size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// Not JSON, or not an envelope `{v, id?, type, payload?}`.
    #[error("the message is not a valid envelope: {detail}")]
    InvalidEnvelope {
        /// What is wrong.
        detail: String,
    },
    /// `v` is not [`PROTOCOL_VERSION`].
    #[error("protocol version {v} is not supported; use version {supported}")]
    UnsupportedVersion {
        /// Version sent.
        v: u64,
        /// Version this server speaks.
        supported: u16,
    },
    /// `type` names no client message.
    #[error("{type_:?} is not a client message type")]
    UnknownType {
        /// The type sent (clipped).
        type_: String,
    },
    /// The payload does not fit the message type.
    #[error("invalid {type_} payload: {detail}")]
    InvalidPayload {
        /// Message type.
        type_: String,
        /// What is wrong.
        detail: String,
    },
}

impl ParseError {
    /// The stable WebSocket error code (see `docs/protocol.md`).
    pub fn code(&self) -> &'static str {
        match self {
            ParseError::FrameTooLarge { .. } => crate::errors::FRAME_TOO_LARGE,
            ParseError::InvalidEnvelope { .. } => crate::errors::INVALID_MESSAGE,
            ParseError::UnsupportedVersion { .. } => crate::errors::UNSUPPORTED_VERSION,
            ParseError::UnknownType { .. } => crate::errors::UNKNOWN_TYPE,
            ParseError::InvalidPayload { .. } => crate::errors::INVALID_PAYLOAD,
        }
    }
}

/// A refused frame: the error and, when the envelope got that far, the request id to echo.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("{error}")]
pub struct ParseFailure {
    /// Request id, if it could be read.
    pub id: Option<RequestId>,
    /// What went wrong.
    pub error: ParseError,
}

/// The envelope as first read: loose enough to tell the failure classes apart.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvelope {
    v: u64,
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "type")]
    type_: String,
    #[serde(default)]
    payload: Option<serde_json::Value>,
}

/// Every client message type name, in declaration order.
pub const CLIENT_MESSAGE_TYPES: &[&str] = &[
    "ping",
    "quick_match_join",
    "quick_match_cancel",
    "room_create",
    "room_join",
    "take_seat",
    "ready",
    "play",
    "pass",
    "tribute",
    "return",
    "hint",
    "emote",
    "quick_phrase",
    "spectate",
    "leave",
    "resync",
    "play_again",
    "room_update",
    "room_kick",
    "auth_refresh",
    "report_player",
];

/// Parses one client text frame. Never panics; checks, in order: size, JSON envelope, version, request
/// id, message type, payload, and option ranges.
pub fn parse_client(text: &str) -> Result<ClientEnvelope, ParseFailure> {
    let fail = |id: Option<RequestId>, error| ParseFailure { id, error };
    if text.len() > WS_MESSAGE_BYTES_MAX {
        return Err(fail(
            None,
            ParseError::FrameTooLarge {
                bytes: text.len(),
                limit: WS_MESSAGE_BYTES_MAX,
            },
        ));
    }
    let raw: RawEnvelope = serde_json::from_str(text).map_err(|e| {
        fail(
            None,
            ParseError::InvalidEnvelope {
                detail: e.to_string(),
            },
        )
    })?;
    let id = match raw.id {
        None => None,
        Some(s) => Some(RequestId::new(s).map_err(|e| {
            fail(
                None,
                ParseError::InvalidEnvelope {
                    detail: e.to_string(),
                },
            )
        })?),
    };
    if raw.v != u64::from(PROTOCOL_VERSION) {
        return Err(fail(
            id,
            ParseError::UnsupportedVersion {
                v: raw.v,
                supported: PROTOCOL_VERSION,
            },
        ));
    }
    if !CLIENT_MESSAGE_TYPES.contains(&raw.type_.as_str()) {
        return Err(fail(
            id,
            ParseError::UnknownType {
                type_: clip(&raw.type_),
            },
        ));
    }
    let bad_payload = |detail: String| ParseError::InvalidPayload {
        type_: raw.type_.clone(),
        detail,
    };
    let payload = match raw.payload {
        None | Some(serde_json::Value::Null) => serde_json::Value::Object(Default::default()),
        // serde would also read a struct from an array; the protocol promises objects only.
        Some(p @ serde_json::Value::Object(_)) => p,
        Some(_) => {
            return Err(fail(
                id,
                bad_payload("the payload must be an object".into()),
            ));
        }
    };
    let mut obj = serde_json::Map::new();
    obj.insert("type".into(), serde_json::Value::String(raw.type_.clone()));
    obj.insert("payload".into(), payload);
    let msg: ClientMessage = serde_json::from_value(serde_json::Value::Object(obj))
        .map_err(|e| fail(id.clone(), bad_payload(e.to_string())))?;
    if let Err(detail) = msg.validate() {
        return Err(fail(id, bad_payload(detail)));
    }
    Ok(ClientEnvelope {
        v: PROTOCOL_VERSION,
        id,
        msg,
    })
}

impl ClientMessage {
    /// The wire `type` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            ClientMessage::Ping {} => "ping",
            ClientMessage::QuickMatchJoin { .. } => "quick_match_join",
            ClientMessage::QuickMatchCancel {} => "quick_match_cancel",
            ClientMessage::RoomCreate { .. } => "room_create",
            ClientMessage::RoomJoin { .. } => "room_join",
            ClientMessage::TakeSeat { .. } => "take_seat",
            ClientMessage::Ready { .. } => "ready",
            ClientMessage::Play { .. } => "play",
            ClientMessage::Pass { .. } => "pass",
            ClientMessage::Tribute { .. } => "tribute",
            ClientMessage::Return { .. } => "return",
            ClientMessage::Hint { .. } => "hint",
            ClientMessage::Emote { .. } => "emote",
            ClientMessage::QuickPhrase { .. } => "quick_phrase",
            ClientMessage::Spectate { .. } => "spectate",
            ClientMessage::Leave { .. } => "leave",
            ClientMessage::Resync { .. } => "resync",
            ClientMessage::PlayAgain { .. } => "play_again",
            ClientMessage::RoomUpdate { .. } => "room_update",
            ClientMessage::RoomKick { .. } => "room_kick",
            ClientMessage::AuthRefresh { .. } => "auth_refresh",
            ClientMessage::ReportPlayer { .. } => "report_player",
        }
    }

    /// The table this message is about, if any.
    pub fn table_id(&self) -> Option<&TableId> {
        match self {
            ClientMessage::TakeSeat { table_id, .. }
            | ClientMessage::Ready { table_id }
            | ClientMessage::Play { table_id, .. }
            | ClientMessage::Pass { table_id }
            | ClientMessage::Tribute { table_id, .. }
            | ClientMessage::Return { table_id, .. }
            | ClientMessage::Hint { table_id }
            | ClientMessage::Emote { table_id, .. }
            | ClientMessage::QuickPhrase { table_id, .. }
            | ClientMessage::Spectate { table_id }
            | ClientMessage::Leave { table_id }
            | ClientMessage::Resync { table_id, .. }
            | ClientMessage::PlayAgain { table_id }
            | ClientMessage::RoomUpdate { table_id, .. }
            | ClientMessage::RoomKick { table_id, .. } => Some(table_id),
            ClientMessage::ReportPlayer { table_id, .. } => table_id.as_ref(),
            ClientMessage::Ping {}
            | ClientMessage::QuickMatchJoin { .. }
            | ClientMessage::QuickMatchCancel {}
            | ClientMessage::RoomCreate { .. }
            | ClientMessage::RoomJoin { .. }
            | ClientMessage::AuthRefresh { .. } => None,
        }
    }

    /// The engine action this message asks for, for `seat` (`None` for non-game messages).
    pub fn action(&self, seat: guandan::Seat) -> Option<guandan::Action> {
        match *self {
            ClientMessage::Play { play, .. } => Some(guandan::Action::Play { seat, play: play.0 }),
            ClientMessage::Pass { .. } => Some(guandan::Action::Pass { seat }),
            ClientMessage::Tribute { card, .. } => {
                Some(guandan::Action::Tribute { seat, card: card.0 })
            }
            ClientMessage::Return { card, .. } => {
                Some(guandan::Action::Return { seat, card: card.0 })
            }
            _ => None,
        }
    }

    /// Range checks serde cannot express.
    fn validate(&self) -> Result<(), String> {
        match self {
            ClientMessage::RoomCreate { options } | ClientMessage::RoomUpdate { options, .. } => {
                let t = options.timers;
                for (name, ms) in [
                    ("play_ms", t.play_ms),
                    ("tribute_ms", t.tribute_ms),
                    ("return_ms", t.return_ms),
                ] {
                    if !(TIMER_MS_MIN..=TIMER_MS_MAX).contains(&ms) {
                        return Err(format!(
                            "timers.{name} must be between {TIMER_MS_MIN} and {TIMER_MS_MAX} ms"
                        ));
                    }
                }
            }
            ClientMessage::AuthRefresh { access_token } => {
                let ok = !access_token.is_empty()
                    && access_token.len() <= ACCESS_TOKEN_BYTES_MAX
                    && access_token.bytes().all(|b| b.is_ascii_graphic());
                if !ok {
                    return Err(format!(
                        "access_token must be 1 to {ACCESS_TOKEN_BYTES_MAX} printable ASCII characters"
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }
}
