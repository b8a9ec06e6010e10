//! Messages the server sends and their envelope. Table events carry the table id and a per-table sequence
//! number in the envelope; every recipient of a table gets exactly one message per sequence number (a
//! redacted one when the event is private to another seat), so a gap always means a lost message.

use crate::client::{EmoteId, MatchMode, PhraseId, RoomOptions};
use crate::limits::{
    ERROR_MESSAGE_BYTES_MAX, LEGAL_PLAYS_MAX, PROTOCOL_VERSION, REQUEST_ID_BYTES_MAX,
    WS_MESSAGE_BYTES_MAX,
};
use crate::wire::{CardCode, RequestId, RoomCode, TableId, UserId, WireMove, WirePlay, WireSeat};
use guandan::{Action, Card, Phase, View};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A server frame: `{"v": 1, "id"?: "r1", "table_id"?: "t1", "seq"?: 17, "type": "...", "payload": {...}}`.
/// `id` echoes the request it answers; `table_id` and `seq` are present on table events
/// ([`ServerMessage::is_table_event`]).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct ServerEnvelope {
    /// Protocol version.
    pub v: u16,
    /// The request this answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub id: Option<RequestId>,
    /// Table of a table event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub table_id: Option<TableId>,
    /// Per-table sequence number of a table event: 1, 2, 3, … with no gaps for any recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub seq: Option<u64>,
    /// The message: `type` and `payload`.
    #[serde(flatten)]
    #[ts(flatten)]
    pub msg: ServerMessage,
}

impl ServerEnvelope {
    /// A reply to request `id` (or an unsolicited message when `None`).
    pub fn reply(id: Option<RequestId>, msg: ServerMessage) -> ServerEnvelope {
        ServerEnvelope {
            v: PROTOCOL_VERSION,
            id,
            table_id: None,
            seq: None,
            msg,
        }
    }
    /// Table event number `seq` of `table_id`.
    pub fn table_event(table_id: TableId, seq: u64, msg: ServerMessage) -> ServerEnvelope {
        ServerEnvelope {
            v: PROTOCOL_VERSION,
            id: None,
            table_id: Some(table_id),
            seq: Some(seq),
            msg,
        }
    }
}

/// Every server message. JSON: `"type": "<snake_case name>", "payload": {...}`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
pub enum ServerMessage {
    /// First message after the connection is accepted.
    Welcome(Welcome),
    /// A request succeeded and has no other answer.
    Ack {},
    /// A request failed; the envelope's `id` names it when it could be read.
    Error(ErrorPayload),
    /// Answer to `ping`.
    Pong {
        /// Server time, milliseconds since the Unix epoch.
        server_time_ms: u64,
    },
    /// A private room was created (answer to `room_create`).
    RoomCreated {
        /// Table.
        table_id: TableId,
        /// Code to share.
        code: RoomCode,
    },
    /// Quick match found a table; a `table_snapshot` follows.
    MatchFound {
        /// Table.
        table_id: TableId,
        /// Queue mode.
        mode: MatchMode,
        /// The player's seat.
        seat: WireSeat,
    },
    /// The full state as this recipient may see it (on join, reconnect, or a resync too far back).
    TableSnapshot(Box<TableSnapshot>),
    /// A seat was taken or left (table event).
    SeatChanged {
        /// Seat.
        seat: WireSeat,
        /// New occupant (`null`: empty).
        player: Option<PlayerInfo>,
    },
    /// A seated player connected or disconnected (table event).
    Presence {
        /// Seat.
        seat: WireSeat,
        /// Connected now.
        connected: bool,
    },
    /// A seated player is ready (table event).
    PlayerReady {
        /// Seat.
        seat: WireSeat,
    },
    /// A hand was dealt to `seat` (table event). `cards` only in the seat's own copy; `null` elsewhere.
    Deal {
        /// Hand index (0-based).
        hand_no: u32,
        /// Level rank of the hand (`2`..`9`, `T`, `J`, `Q`, `K`, `A`).
        level: String,
        /// Receiving seat.
        seat: WireSeat,
        /// Cards dealt.
        count: u8,
        /// The cards, for the receiving seat only.
        cards: Option<Vec<CardCode>>,
    },
    /// 抗贡: the paying side shows its jokers and pays no tribute (table event).
    AntiTribute {
        /// Seats showing jokers, one entry per joker.
        seats: Vec<WireSeat>,
        /// The jokers.
        cards: Vec<CardCode>,
    },
    /// Tribute is owed by these seats (table event).
    TributeStart {
        /// Paying seats.
        payers: Vec<WireSeat>,
    },
    /// A seat paid tribute (table event). `card` only in the payer's own copy until `tribute_result`.
    TributePaid {
        /// Payer.
        seat: WireSeat,
        /// The card, for the payer only.
        card: Option<CardCode>,
    },
    /// Every tribute is paid: who gave what to whom (table event, public).
    TributeResult {
        /// Transfers.
        transfers: Vec<TransferInfo>,
    },
    /// A seat returned a card (table event). `card` only in the giver's copy until `return_result`.
    Returned {
        /// Giver.
        seat: WireSeat,
        /// The card, for the giver only.
        card: Option<CardCode>,
    },
    /// Every return is made (table event, public).
    ReturnResult {
        /// Transfers.
        transfers: Vec<TransferInfo>,
    },
    /// The first trick of the hand is led by this seat (table event).
    FirstLead {
        /// Leader.
        seat: WireSeat,
    },
    /// A play (table event).
    Played {
        /// Seat.
        seat: WireSeat,
        /// `[type, key, [cards]]`.
        play: WirePlay,
    },
    /// A pass (table event).
    Passed {
        /// Seat.
        seat: WireSeat,
    },
    /// A trick ended (table event).
    TrickWon {
        /// Owner of the top play.
        winner: WireSeat,
        /// Next leader (the partner on 接风).
        leader: WireSeat,
        /// The lead passed on by 接风.
        jiefeng: bool,
    },
    /// A player went out (table event).
    PlayerOut {
        /// Seat.
        seat: WireSeat,
        /// 1 = 头游, 2 = 二游, 3 = 三游.
        place: u8,
    },
    /// A hand ended (table event).
    HandResult(HandResultInfo),
    /// The match ended (table event).
    MatchResult {
        /// Winning team (`null`: draw by limit).
        winner: Option<u8>,
    },
    /// What the seat to act may do now (private to that seat; no sequence number).
    LegalMoves(LegalMoves),
    /// A suggested action (answer to `hint`).
    Hint {
        /// Table.
        table_id: TableId,
        /// The suggestion.
        action: SuggestedAction,
    },
    /// A seat's action timer started (table event).
    TimerStarted {
        /// Seat that must act.
        seat: WireSeat,
        /// Deadline, milliseconds since the Unix epoch (server clock).
        deadline_ms: u64,
        /// Length of the timer in milliseconds (clients count down with their own clock).
        duration_ms: u32,
    },
    /// A seat entered or left auto-play (table event).
    AutoPlay {
        /// Seat.
        seat: WireSeat,
        /// Auto-play on.
        on: bool,
    },
    /// An emote from a seat (table event).
    Emote {
        /// Seat.
        seat: WireSeat,
        /// Emote.
        emote: EmoteId,
    },
    /// A quick phrase from a seat (table event).
    QuickPhrase {
        /// Seat.
        seat: WireSeat,
        /// Phrase.
        phrase: PhraseId,
    },
    /// The table closed (table event; the last one).
    TableClosed {
        /// Why.
        reason: CloseReason,
    },
    /// The host changed the room's options (table event). Every ready flag and `play_again` is cleared.
    RoomUpdated {
        /// The new options.
        options: RoomOptions,
    },
    /// The host removed a player or bot from a seat (table event); `seat_changed` to empty follows.
    PlayerKicked {
        /// Seat.
        seat: WireSeat,
        /// Who was removed.
        player: PlayerInfo,
    },
    /// The connection's access token expires soon (private, no sequence number): obtain a new one and
    /// send it with `auth_refresh`, or the connection is closed with `token_expired` after a short grace.
    AuthExpiring {
        /// When the current token expires, milliseconds since the Unix epoch.
        expires_at_ms: u64,
        /// How long after `expires_at_ms` the server still waits before closing, in milliseconds.
        grace_ms: u32,
    },
    /// The recipient's balance in one currency changed (a bet, a win, a refund).
    BalanceChanged {
        /// Currency code, e.g. `PLAY`.
        currency: String,
        /// Available balance in minor units.
        balance: u64,
    },
    /// The node is at capacity: the connection waits in its waiting room (private, no sequence
    /// number). Sent on connect instead of `welcome`, then again whenever the position changes;
    /// `welcome` follows once the connection is admitted, in the order of arrival. While it waits,
    /// only `ping` is answered (other messages get `unavailable`).
    QueueTicket {
        /// The ticket's number (in the order of arrival on this node).
        ticket: u64,
        /// Connections ahead of this one plus one (1: next to be admitted).
        position: u32,
        /// Expected wait in milliseconds, from the node's recent admissions (absent until measured).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        estimated_wait_ms: Option<u64>,
    },
    /// A batch of the live instant-games feed: sampled settled bets, player names masked.
    BetFeed {
        /// Items, oldest first (at most 20 per batch).
        items: Vec<BetFeedItem>,
    },
}

/// One settled bet of the live feed (`bet_feed`).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct BetFeedItem {
    /// Bet id (decimal string).
    pub bet_id: String,
    /// Game id, e.g. `dice`.
    pub game: String,
    /// Masked player name, e.g. `pla***456`.
    pub player: String,
    /// Currency code.
    pub currency: String,
    /// Stake in minor units.
    pub amount: u64,
    /// Return multiplier (stake included) as a decimal string, e.g. `"1.98"`.
    pub multiplier: String,
    /// Payout in minor units.
    pub payout: u64,
    /// Settlement time, milliseconds since the Unix epoch.
    pub at_ms: u64,
}

impl ServerMessage {
    /// True for messages that are table events (carry `table_id` and `seq`, replayed by `resync`).
    pub fn is_table_event(&self) -> bool {
        // Exhaustive on purpose: a new message type must be classified here.
        match self {
            ServerMessage::Welcome(_)
            | ServerMessage::Ack {}
            | ServerMessage::Error(_)
            | ServerMessage::Pong { .. }
            | ServerMessage::RoomCreated { .. }
            | ServerMessage::MatchFound { .. }
            | ServerMessage::TableSnapshot(_)
            | ServerMessage::LegalMoves(_)
            | ServerMessage::Hint { .. }
            | ServerMessage::BalanceChanged { .. }
            | ServerMessage::BetFeed { .. }
            | ServerMessage::AuthExpiring { .. }
            | ServerMessage::QueueTicket { .. } => false,
            ServerMessage::SeatChanged { .. }
            | ServerMessage::Presence { .. }
            | ServerMessage::PlayerReady { .. }
            | ServerMessage::Deal { .. }
            | ServerMessage::AntiTribute { .. }
            | ServerMessage::TributeStart { .. }
            | ServerMessage::TributePaid { .. }
            | ServerMessage::TributeResult { .. }
            | ServerMessage::Returned { .. }
            | ServerMessage::ReturnResult { .. }
            | ServerMessage::FirstLead { .. }
            | ServerMessage::Played { .. }
            | ServerMessage::Passed { .. }
            | ServerMessage::TrickWon { .. }
            | ServerMessage::PlayerOut { .. }
            | ServerMessage::HandResult(_)
            | ServerMessage::MatchResult { .. }
            | ServerMessage::TimerStarted { .. }
            | ServerMessage::AutoPlay { .. }
            | ServerMessage::Emote { .. }
            | ServerMessage::QuickPhrase { .. }
            | ServerMessage::TableClosed { .. }
            | ServerMessage::RoomUpdated { .. }
            | ServerMessage::PlayerKicked { .. } => true,
        }
    }
}

/// Payload of `welcome`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct Welcome {
    /// Protocol version the server speaks.
    pub protocol_version: u16,
    /// The authenticated user.
    pub user_id: UserId,
    /// Server time, milliseconds since the Unix epoch.
    pub server_time_ms: u64,
    /// Largest client frame in bytes.
    pub ws_message_bytes_max: u32,
    /// Longest request id in bytes.
    pub request_id_bytes_max: u32,
    /// Tables where the user holds a seat (reconnect: a `table_snapshot` of each follows).
    pub tables: Vec<TableId>,
}

impl Welcome {
    /// The welcome of this protocol version, announcing its limits.
    pub fn new(user_id: UserId, server_time_ms: u64, tables: Vec<TableId>) -> Welcome {
        Welcome {
            protocol_version: PROTOCOL_VERSION,
            user_id,
            server_time_ms,
            ws_message_bytes_max: WS_MESSAGE_BYTES_MAX as u32,
            request_id_bytes_max: REQUEST_ID_BYTES_MAX as u32,
            tables,
        }
    }
}

/// Payload of `error`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct ErrorPayload {
    /// Stable code from the error table.
    pub code: String,
    /// A sentence for the user.
    pub message: String,
}

impl ErrorPayload {
    /// An error with a code and a message (cut to `ERROR_MESSAGE_BYTES_MAX`).
    pub fn new(code: &str, message: &str) -> ErrorPayload {
        ErrorPayload {
            code: code.to_owned(),
            message: crate::errors::truncate(message, ERROR_MESSAGE_BYTES_MAX),
        }
    }
}

/// Why a table closed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// The match ended and nobody chose to play again.
    Finished,
    /// Every human left.
    Abandoned,
    /// The server is shutting down (the table resumes from its log on restart).
    Shutdown,
}

/// Who sits in a seat.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct PlayerInfo {
    /// User id (`null` for a bot).
    pub user_id: Option<UserId>,
    /// Display name.
    pub name: String,
    /// A bot holds the seat.
    pub bot: bool,
}

/// One seat in a snapshot.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct SeatInfo {
    /// Seat.
    pub seat: WireSeat,
    /// Occupant (`null`: empty).
    pub player: Option<PlayerInfo>,
    /// Connected now.
    pub connected: bool,
    /// Ready (before the match starts).
    pub ready: bool,
    /// In auto-play.
    pub auto_play: bool,
}

/// A running action timer.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct TimerInfo {
    /// Seat that must act.
    pub seat: WireSeat,
    /// Deadline, milliseconds since the Unix epoch.
    pub deadline_ms: u64,
    /// Length in milliseconds.
    pub duration_ms: u32,
}

/// Payload of `table_snapshot`: everything a recipient needs to draw the table, and nothing it may not see.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct TableSnapshot {
    /// Table.
    pub table_id: TableId,
    /// Sequence number of the last table event the snapshot includes; events continue at `seq + 1`.
    pub seq: u64,
    /// The recipient's seat (`null`: spectator).
    pub seat: Option<WireSeat>,
    /// Room options.
    pub options: RoomOptions,
    /// The private room's host, who may change the options and clear seats while no match runs
    /// (`null`: quick-match tables, and rooms resumed after a restart).
    pub host: Option<UserId>,
    /// The four seats.
    pub seats: Vec<SeatInfo>,
    /// The match, once started.
    pub game: Option<GameState>,
    /// The running timer, if any.
    pub timer: Option<TimerInfo>,
}

/// Phases of a hand.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PhaseName {
    /// Payers must pay tribute.
    Tribute,
    /// Receivers must return a card.
    Return,
    /// Trick play.
    Play,
    /// The match is over.
    MatchOver,
}

impl From<Phase> for PhaseName {
    fn from(p: Phase) -> Self {
        match p {
            Phase::Tribute => PhaseName::Tribute,
            Phase::Return => PhaseName::Return,
            Phase::Play => PhaseName::Play,
            Phase::MatchOver => PhaseName::MatchOver,
        }
    }
}

/// The top play of the trick and its owner.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct SeatPlay {
    /// Owner.
    pub seat: WireSeat,
    /// `[type, key, [cards]]`.
    pub play: WirePlay,
}

/// One move of the current trick.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct SeatMove {
    /// Seat.
    pub seat: WireSeat,
    /// A play tuple or `["PASS", "PASS", "PASS"]`.
    #[serde(rename = "move")]
    #[ts(rename = "move")]
    pub mv: WireMove,
}

/// A tribute owed this hand, as the recipient may see it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct TributeInfo {
    /// Payer.
    pub payer: WireSeat,
    /// Card paid (shown once every tribute is paid; always to the payer).
    pub card: Option<CardCode>,
    /// Receiver, once assigned.
    pub receiver: Option<WireSeat>,
    /// Card returned (shown once every return is made; always to the giver).
    pub returned: Option<CardCode>,
}

/// A card handed over in tribute or return.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct TransferInfo {
    /// Giver.
    pub from: WireSeat,
    /// Receiver.
    pub to: WireSeat,
    /// Card.
    pub card: CardCode,
}

/// The match as one seat (or a spectator) sees it: built only from `guandan::View`, which never holds
/// another seat's cards.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct GameState {
    /// Rule profile name (`official-2022`, `competition`, `custom`).
    pub rules_profile: String,
    /// Hand index (0-based).
    pub hand_no: u32,
    /// Level rank of this hand.
    pub level: String,
    /// Team levels (team 0 = seats 0 and 2).
    pub levels: [String; 2],
    /// Team whose level is played (`null` in the first hand).
    pub declarer: Option<u8>,
    /// Phase.
    pub phase: PhaseName,
    /// Seats that may act now.
    pub awaiting: Vec<WireSeat>,
    /// Cards left per seat.
    pub counts: [u8; 4],
    /// The recipient's own cards, sorted (`null` for spectators).
    pub hand: Option<Vec<CardCode>>,
    /// Top play of the current trick.
    pub top: Option<SeatPlay>,
    /// Moves of the current trick in order.
    pub trick: Vec<SeatMove>,
    /// Each seat's latest move this hand (`null`: none yet).
    pub last_moves: [Option<WireMove>; 4],
    /// Every card played this hand, sorted.
    pub played: Vec<CardCode>,
    /// Seats out this hand, in order.
    pub finish: Vec<WireSeat>,
    /// Tributes of this hand.
    pub tributes: Vec<TributeInfo>,
    /// Seats that showed jokers for 抗贡.
    pub anti_tribute: Vec<WireSeat>,
    /// Winning team once the match is over.
    pub winner: Option<u8>,
}

fn codes(cards: Vec<Card>) -> Vec<CardCode> {
    cards.into_iter().map(CardCode).collect()
}

impl GameState {
    /// The state `to` may see: the engine's view for that seat, or the public view for a spectator.
    pub fn of(m: &guandan::Match, to: crate::project::Recipient) -> GameState {
        GameState::from(&m.view(to.seat()))
    }
}

impl From<&View> for GameState {
    fn from(v: &View) -> Self {
        let profile = serde_json::to_value(v.rules.profile)
            .ok()
            .and_then(|p| p.as_str().map(str::to_owned))
            .unwrap_or_else(|| "custom".to_owned());
        GameState {
            rules_profile: profile,
            hand_no: v.hand_no,
            level: v.level.to_string(),
            levels: v.levels.map(|r| r.to_string()),
            declarer: v.declarer.map(u8::from),
            phase: v.phase.into(),
            awaiting: v.awaiting.iter().copied().map(WireSeat).collect(),
            counts: v.counts,
            hand: v.hand.as_ref().map(|h| codes(h.cards())),
            top: v.top.map(|(seat, play)| SeatPlay {
                seat: WireSeat(seat),
                play: WirePlay(play),
            }),
            trick: v
                .trick
                .iter()
                .map(|&(seat, m)| SeatMove {
                    seat: WireSeat(seat),
                    mv: WireMove(m),
                })
                .collect(),
            last_moves: v.last_moves.map(|m| m.map(WireMove)),
            played: codes(v.played.cards()),
            finish: v.finish.iter().copied().map(WireSeat).collect(),
            tributes: v
                .tributes
                .iter()
                .map(|t| TributeInfo {
                    payer: WireSeat(t.payer),
                    card: t.card.map(CardCode),
                    receiver: t.receiver.map(WireSeat),
                    returned: t.returned.map(CardCode),
                })
                .collect(),
            anti_tribute: v.anti_tribute.iter().copied().map(WireSeat).collect(),
            winner: v.winner.map(u8::from),
        }
    }
}

/// Payload of `hand_result`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct HandResultInfo {
    /// Hand index.
    pub hand_no: u32,
    /// Level the hand was played at.
    pub level: String,
    /// Finish order, all four seats.
    pub order: Vec<WireSeat>,
    /// Team promoted.
    pub promoted: u8,
    /// Levels gained (before the cap at A).
    pub steps: u8,
    /// Team levels after the hand.
    pub levels: [String; 2],
    /// Team sent back from A after too many failures, if any.
    pub ace_reset: Option<u8>,
}

impl From<&guandan::game::HandResult> for HandResultInfo {
    fn from(r: &guandan::game::HandResult) -> Self {
        HandResultInfo {
            hand_no: r.hand_no,
            level: r.level.to_string(),
            order: r.order.iter().copied().map(WireSeat).collect(),
            promoted: u8::from(r.promoted),
            steps: r.steps,
            levels: r.levels.map(|l| l.to_string()),
            ace_reset: r.ace_reset.map(u8::from),
        }
    }
}

/// Which plays a `legal_moves` lists.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PlayList {
    /// Every legal play: every distinct (type, key, multiset of cards).
    Full,
    /// One representative play per (type, key, number of cards); other card choices of the same shape
    /// are legal too, and the engine judges them when sent.
    Compact,
}

/// Payload of `legal_moves`: everything the seat may do now, so a thin client needs no rules.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
pub struct LegalMoves {
    /// Table.
    pub table_id: TableId,
    /// The seat to act.
    pub seat: WireSeat,
    /// Phase (`play`, `tribute` or `return`).
    pub phase: PhaseName,
    /// Which play list this is.
    pub list: PlayList,
    /// Passing is allowed (play phase, following).
    pub can_pass: bool,
    /// Every legal play (play phase), in the engine's order.
    pub plays: Vec<WirePlay>,
    /// Cards allowed for tribute or return (tribute/return phase).
    pub cards: Vec<CardCode>,
    /// `plays` was cut at `LEGAL_PLAYS_MAX`.
    pub truncated: bool,
}

impl LegalMoves {
    /// Everything `seat` may do now in `m`: the full list (up to a few thousand plays, ~100 KB of JSON,
    /// when leading with a full hand).
    pub fn of(table_id: TableId, m: &guandan::Match, seat: guandan::Seat) -> LegalMoves {
        LegalMoves::from_actions(table_id, seat, m.phase(), &m.legal_actions(seat))
    }

    /// The compact list for `seat`: one representative play per (type, key, size), what the bots use.
    pub fn compact_of(table_id: TableId, m: &guandan::Match, seat: guandan::Seat) -> LegalMoves {
        let mut lm = LegalMoves::from_actions(table_id, seat, m.phase(), &m.compact_actions(seat));
        lm.list = PlayList::Compact;
        lm
    }

    /// Builds a full list from the engine's legal actions for `seat` (`Match::legal_actions`); actions of
    /// other seats are ignored.
    pub fn from_actions(
        table_id: TableId,
        seat: guandan::Seat,
        phase: Phase,
        actions: &[Action],
    ) -> LegalMoves {
        let mut out = LegalMoves {
            table_id,
            seat: WireSeat(seat),
            phase: phase.into(),
            list: PlayList::Full,
            can_pass: false,
            plays: Vec::new(),
            cards: Vec::new(),
            truncated: false,
        };
        for a in actions.iter().filter(|a| a.seat() == seat) {
            match *a {
                Action::Pass { .. } => out.can_pass = true,
                Action::Play { play, .. } => {
                    if out.plays.len() < LEGAL_PLAYS_MAX {
                        out.plays.push(WirePlay(play));
                    } else {
                        out.truncated = true;
                    }
                }
                Action::Tribute { card, .. } | Action::Return { card, .. } => {
                    if !out.cards.contains(&CardCode(card)) {
                        out.cards.push(CardCode(card));
                    }
                }
            }
        }
        out
    }
}

/// A suggested action (the `hint` answer).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SuggestedAction {
    /// Play these cards with this reading.
    Play {
        /// `[type, key, [cards]]`.
        play: WirePlay,
    },
    /// Pass.
    Pass,
    /// Pay this card.
    Tribute {
        /// Card.
        card: CardCode,
    },
    /// Return this card.
    Return {
        /// Card.
        card: CardCode,
    },
}

impl From<Action> for SuggestedAction {
    fn from(a: Action) -> Self {
        match a {
            Action::Play { play, .. } => SuggestedAction::Play {
                play: WirePlay(play),
            },
            Action::Pass { .. } => SuggestedAction::Pass,
            Action::Tribute { card, .. } => SuggestedAction::Tribute {
                card: CardCode(card),
            },
            Action::Return { card, .. } => SuggestedAction::Return {
                card: CardCode(card),
            },
        }
    }
}
