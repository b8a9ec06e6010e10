// Generated from crates/rules/protocol by ts-rs; do not edit.
// Regenerate with: UPDATE_TS=1 cargo test -p protocol

/**
 * A card as its wire code: suit `S H C D` then rank `2..9 T J Q K A`; jokers `SB` (small), `HR` (big).
 */
export type CardCode = string;

/**
 * A play as the AI-competition tuple `[type, key, [cards]]`, e.g. `["Pair", "5", ["H5", "S5"]]`: the
 * cards and the declared reading (type and key), since wild cards make some selections ambiguous.
 * Deserialising checks the shape only; whether the reading fits the cards is the engine's decision.
 */
export type WirePlay = [string, string, Array<string>];

/**
 * A play-phase move as the AI-competition tuple: a [`WirePlay`] or `["PASS", "PASS", "PASS"]`.
 */
export type WireMove = ["PASS", "PASS", "PASS"] | [string, string, Array<string>];

/**
 * A seat number 0..3; partners sit opposite (0 & 2 are team 0, 1 & 3 team 1); play passes to seat + 1.
 */
export type WireSeat = number;

/**
 * A client-chosen request id, echoed in the reply: 1 to `REQUEST_ID_BYTES_MAX` printable ASCII bytes.
 */
export type RequestId = string;

/**
 * A table id chosen by the server: 1 to `TABLE_ID_BYTES_MAX` bytes of `[A-Za-z0-9_-]`.
 */
export type TableId = string;

/**
 * A private-room code: `ROOM_CODE_CHARS` characters from `ROOM_CODE_ALPHABET`.
 */
export type RoomCode = string;

/**
 * A user id as decimal digits (a string, so JavaScript keeps all 64 bits).
 */
export type UserId = string;

/**
 * A client frame: `{"v": 1, "id": "r1", "type": "play", "payload": {...}}`. `id` is optional; when given,
 * the reply (`ack`, `error`, or the answer such as `room_created`) echoes it.
 */
export type ClientEnvelope = { 
/**
 * Protocol version, [`PROTOCOL_VERSION`].
 */
v: number, 
/**
 * Client-chosen request id.
 */
id?: RequestId, } & ({ "type": "ping", "payload": Record<symbol, never> } | { "type": "quick_match_join", "payload": { 
/**
 * Casual (bots may fill seats) or ranked (humans only, rating changes).
 */
mode: MatchMode, } } | { "type": "quick_match_cancel", "payload": Record<symbol, never> } | { "type": "room_create", "payload": { 
/**
 * Rules and host options.
 */
options: RoomOptions, } } | { "type": "room_join", "payload": { 
/**
 * Room code.
 */
code: RoomCode, } } | { "type": "take_seat", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Seat 0..3.
 */
seat: WireSeat, } } | { "type": "ready", "payload": { 
/**
 * Table.
 */
table_id: TableId, } } | { "type": "play", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * `[type, key, [cards]]`.
 */
play: WirePlay, } } | { "type": "pass", "payload": { 
/**
 * Table.
 */
table_id: TableId, } } | { "type": "tribute", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Card paid.
 */
card: CardCode, } } | { "type": "return", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Card returned.
 */
card: CardCode, } } | { "type": "hint", "payload": { 
/**
 * Table.
 */
table_id: TableId, } } | { "type": "emote", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Emote from the fixed list.
 */
emote: EmoteId, } } | { "type": "quick_phrase", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Phrase from the fixed list.
 */
phrase: PhraseId, } } | { "type": "spectate", "payload": { 
/**
 * Table.
 */
table_id: TableId, } } | { "type": "leave", "payload": { 
/**
 * Table.
 */
table_id: TableId, } } | { "type": "resync", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Sequence number of the last table event received (0 when none).
 */
last_seq: number, } } | { "type": "play_again", "payload": { 
/**
 * Table.
 */
table_id: TableId, } } | { "type": "room_update", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * The new options, complete (missing fields take their defaults, as in `room_create`).
 */
options: RoomOptions, } } | { "type": "room_kick", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Seat to clear (not the host's own).
 */
seat: WireSeat, } } | { "type": "auth_refresh", "payload": { 
/**
 * The new access token.
 */
access_token: string, } } | { "type": "report_player", "payload": { 
/**
 * Reported user.
 */
user_id: UserId, 
/**
 * Reason from the fixed list.
 */
reason: ReportReason, 
/**
 * Table where it happened, if any.
 */
table_id?: TableId, } });

/**
 * Every client message. The JSON is `"type": "<snake_case name>", "payload": {...}`; the payload is
 * always an object (`{}` when there is nothing to say).
 */
export type ClientMessage = { "type": "ping", "payload": Record<symbol, never> } | { "type": "quick_match_join", "payload": { 
/**
 * Casual (bots may fill seats) or ranked (humans only, rating changes).
 */
mode: MatchMode, } } | { "type": "quick_match_cancel", "payload": Record<symbol, never> } | { "type": "room_create", "payload": { 
/**
 * Rules and host options.
 */
options: RoomOptions, } } | { "type": "room_join", "payload": { 
/**
 * Room code.
 */
code: RoomCode, } } | { "type": "take_seat", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Seat 0..3.
 */
seat: WireSeat, } } | { "type": "ready", "payload": { 
/**
 * Table.
 */
table_id: TableId, } } | { "type": "play", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * `[type, key, [cards]]`.
 */
play: WirePlay, } } | { "type": "pass", "payload": { 
/**
 * Table.
 */
table_id: TableId, } } | { "type": "tribute", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Card paid.
 */
card: CardCode, } } | { "type": "return", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Card returned.
 */
card: CardCode, } } | { "type": "hint", "payload": { 
/**
 * Table.
 */
table_id: TableId, } } | { "type": "emote", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Emote from the fixed list.
 */
emote: EmoteId, } } | { "type": "quick_phrase", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Phrase from the fixed list.
 */
phrase: PhraseId, } } | { "type": "spectate", "payload": { 
/**
 * Table.
 */
table_id: TableId, } } | { "type": "leave", "payload": { 
/**
 * Table.
 */
table_id: TableId, } } | { "type": "resync", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Sequence number of the last table event received (0 when none).
 */
last_seq: number, } } | { "type": "play_again", "payload": { 
/**
 * Table.
 */
table_id: TableId, } } | { "type": "room_update", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * The new options, complete (missing fields take their defaults, as in `room_create`).
 */
options: RoomOptions, } } | { "type": "room_kick", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Seat to clear (not the host's own).
 */
seat: WireSeat, } } | { "type": "auth_refresh", "payload": { 
/**
 * The new access token.
 */
access_token: string, } } | { "type": "report_player", "payload": { 
/**
 * Reported user.
 */
user_id: UserId, 
/**
 * Reason from the fixed list.
 */
reason: ReportReason, 
/**
 * Table where it happened, if any.
 */
table_id?: TableId, } };

/**
 * Quick-match modes.
 */
export type MatchMode = "casual" | "ranked";

/**
 * Rule profiles a room may use (the engine's built-in profiles).
 */
export type RulesProfile = "official-2022" | "competition";

/**
 * Per-action timers, in milliseconds, each within `TIMER_MS_MIN..=TIMER_MS_MAX`.
 */
export type Timers = { 
/**
 * Time to play or pass.
 */
play_ms: number, 
/**
 * Time to pay tribute.
 */
tribute_ms: number, 
/**
 * Time to return a card.
 */
return_ms: number, };

/**
 * Host options of a private room. Missing fields take their defaults.
 */
export type RoomOptions = { 
/**
 * Rule profile.
 */
rules: RulesProfile, 
/**
 * Bots may take empty seats.
 */
allow_bots: boolean, 
/**
 * Spectators may watch.
 */
allow_spectators: boolean, 
/**
 * Action timers.
 */
timers: Timers, 
/**
 * Bots act without a human-like delay.
 */
fast_bots: boolean, };

/**
 * Emotes (a fixed list; no free text).
 */
export type EmoteId = "thumbs_up" | "laugh" | "wow" | "cry" | "angry" | "think" | "clap" | "rose";

/**
 * Quick phrases (a fixed list; no free text, which partners could use to signal).
 */
export type PhraseId = "hello" | "good_luck" | "well_played" | "nice_bomb" | "hurry_up" | "sorry" | "thanks" | "good_game";

/**
 * Reasons for `report_player`.
 */
export type ReportReason = "collusion" | "sandbagging" | "abandoning" | "abusive" | "other";

/**
 * A server frame: `{"v": 1, "id"?: "r1", "table_id"?: "t1", "seq"?: 17, "type": "...", "payload": {...}}`.
 * `id` echoes the request it answers; `table_id` and `seq` are present on table events
 * ([`ServerMessage::is_table_event`]).
 */
export type ServerEnvelope = { 
/**
 * Protocol version.
 */
v: number, 
/**
 * The request this answers.
 */
id?: RequestId, 
/**
 * Table of a table event.
 */
table_id?: TableId, 
/**
 * Per-table sequence number of a table event: 1, 2, 3, … with no gaps for any recipient.
 */
seq?: number, } & ({ "type": "welcome", "payload": Welcome } | { "type": "ack", "payload": Record<symbol, never> } | { "type": "error", "payload": ErrorPayload } | { "type": "pong", "payload": { 
/**
 * Server time, milliseconds since the Unix epoch.
 */
server_time_ms: number, } } | { "type": "room_created", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Code to share.
 */
code: RoomCode, } } | { "type": "match_found", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Queue mode.
 */
mode: MatchMode, 
/**
 * The player's seat.
 */
seat: WireSeat, } } | { "type": "table_snapshot", "payload": TableSnapshot } | { "type": "seat_changed", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * New occupant (`null`: empty).
 */
player: PlayerInfo | null, } } | { "type": "presence", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * Connected now.
 */
connected: boolean, } } | { "type": "player_ready", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, } } | { "type": "deal", "payload": { 
/**
 * Hand index (0-based).
 */
hand_no: number, 
/**
 * Level rank of the hand (`2`..`9`, `T`, `J`, `Q`, `K`, `A`).
 */
level: string, 
/**
 * Receiving seat.
 */
seat: WireSeat, 
/**
 * Cards dealt.
 */
count: number, 
/**
 * The cards, for the receiving seat only.
 */
cards: Array<CardCode> | null, } } | { "type": "anti_tribute", "payload": { 
/**
 * Seats showing jokers, one entry per joker.
 */
seats: Array<WireSeat>, 
/**
 * The jokers.
 */
cards: Array<CardCode>, } } | { "type": "tribute_start", "payload": { 
/**
 * Paying seats.
 */
payers: Array<WireSeat>, } } | { "type": "tribute_paid", "payload": { 
/**
 * Payer.
 */
seat: WireSeat, 
/**
 * The card, for the payer only.
 */
card: CardCode | null, } } | { "type": "tribute_result", "payload": { 
/**
 * Transfers.
 */
transfers: Array<TransferInfo>, } } | { "type": "returned", "payload": { 
/**
 * Giver.
 */
seat: WireSeat, 
/**
 * The card, for the giver only.
 */
card: CardCode | null, } } | { "type": "return_result", "payload": { 
/**
 * Transfers.
 */
transfers: Array<TransferInfo>, } } | { "type": "first_lead", "payload": { 
/**
 * Leader.
 */
seat: WireSeat, } } | { "type": "played", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * `[type, key, [cards]]`.
 */
play: WirePlay, } } | { "type": "passed", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, } } | { "type": "trick_won", "payload": { 
/**
 * Owner of the top play.
 */
winner: WireSeat, 
/**
 * Next leader (the partner on 接风).
 */
leader: WireSeat, 
/**
 * The lead passed on by 接风.
 */
jiefeng: boolean, } } | { "type": "player_out", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * 1 = 头游, 2 = 二游, 3 = 三游.
 */
place: number, } } | { "type": "hand_result", "payload": HandResultInfo } | { "type": "match_result", "payload": { 
/**
 * Winning team (`null`: draw by limit).
 */
winner: number | null, } } | { "type": "legal_moves", "payload": LegalMoves } | { "type": "hint", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * The suggestion.
 */
action: SuggestedAction, } } | { "type": "timer_started", "payload": { 
/**
 * Seat that must act.
 */
seat: WireSeat, 
/**
 * Deadline, milliseconds since the Unix epoch (server clock).
 */
deadline_ms: number, 
/**
 * Length of the timer in milliseconds (clients count down with their own clock).
 */
duration_ms: number, } } | { "type": "auto_play", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * Auto-play on.
 */
on: boolean, } } | { "type": "emote", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * Emote.
 */
emote: EmoteId, } } | { "type": "quick_phrase", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * Phrase.
 */
phrase: PhraseId, } } | { "type": "table_closed", "payload": { 
/**
 * Why.
 */
reason: CloseReason, } } | { "type": "room_updated", "payload": { 
/**
 * The new options.
 */
options: RoomOptions, } } | { "type": "player_kicked", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * Who was removed.
 */
player: PlayerInfo, } } | { "type": "auth_expiring", "payload": { 
/**
 * When the current token expires, milliseconds since the Unix epoch.
 */
expires_at_ms: number, 
/**
 * How long after `expires_at_ms` the server still waits before closing, in milliseconds.
 */
grace_ms: number, } } | { "type": "balance_changed", "payload": { 
/**
 * Currency code, e.g. `PLAY`.
 */
currency: string, 
/**
 * Available balance in minor units.
 */
balance: number, } } | { "type": "queue_ticket", "payload": { 
/**
 * The ticket's number (in the order of arrival on this node).
 */
ticket: number, 
/**
 * Connections ahead of this one plus one (1: next to be admitted).
 */
position: number, 
/**
 * Expected wait in milliseconds, from the node's recent admissions (absent until measured).
 */
estimated_wait_ms?: number, } } | { "type": "bet_feed", "payload": { 
/**
 * Items, oldest first (at most 20 per batch).
 */
items: Array<BetFeedItem>, } });

/**
 * Every server message. JSON: `"type": "<snake_case name>", "payload": {...}`.
 */
export type ServerMessage = { "type": "welcome", "payload": Welcome } | { "type": "ack", "payload": Record<symbol, never> } | { "type": "error", "payload": ErrorPayload } | { "type": "pong", "payload": { 
/**
 * Server time, milliseconds since the Unix epoch.
 */
server_time_ms: number, } } | { "type": "room_created", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Code to share.
 */
code: RoomCode, } } | { "type": "match_found", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Queue mode.
 */
mode: MatchMode, 
/**
 * The player's seat.
 */
seat: WireSeat, } } | { "type": "table_snapshot", "payload": TableSnapshot } | { "type": "seat_changed", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * New occupant (`null`: empty).
 */
player: PlayerInfo | null, } } | { "type": "presence", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * Connected now.
 */
connected: boolean, } } | { "type": "player_ready", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, } } | { "type": "deal", "payload": { 
/**
 * Hand index (0-based).
 */
hand_no: number, 
/**
 * Level rank of the hand (`2`..`9`, `T`, `J`, `Q`, `K`, `A`).
 */
level: string, 
/**
 * Receiving seat.
 */
seat: WireSeat, 
/**
 * Cards dealt.
 */
count: number, 
/**
 * The cards, for the receiving seat only.
 */
cards: Array<CardCode> | null, } } | { "type": "anti_tribute", "payload": { 
/**
 * Seats showing jokers, one entry per joker.
 */
seats: Array<WireSeat>, 
/**
 * The jokers.
 */
cards: Array<CardCode>, } } | { "type": "tribute_start", "payload": { 
/**
 * Paying seats.
 */
payers: Array<WireSeat>, } } | { "type": "tribute_paid", "payload": { 
/**
 * Payer.
 */
seat: WireSeat, 
/**
 * The card, for the payer only.
 */
card: CardCode | null, } } | { "type": "tribute_result", "payload": { 
/**
 * Transfers.
 */
transfers: Array<TransferInfo>, } } | { "type": "returned", "payload": { 
/**
 * Giver.
 */
seat: WireSeat, 
/**
 * The card, for the giver only.
 */
card: CardCode | null, } } | { "type": "return_result", "payload": { 
/**
 * Transfers.
 */
transfers: Array<TransferInfo>, } } | { "type": "first_lead", "payload": { 
/**
 * Leader.
 */
seat: WireSeat, } } | { "type": "played", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * `[type, key, [cards]]`.
 */
play: WirePlay, } } | { "type": "passed", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, } } | { "type": "trick_won", "payload": { 
/**
 * Owner of the top play.
 */
winner: WireSeat, 
/**
 * Next leader (the partner on 接风).
 */
leader: WireSeat, 
/**
 * The lead passed on by 接风.
 */
jiefeng: boolean, } } | { "type": "player_out", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * 1 = 头游, 2 = 二游, 3 = 三游.
 */
place: number, } } | { "type": "hand_result", "payload": HandResultInfo } | { "type": "match_result", "payload": { 
/**
 * Winning team (`null`: draw by limit).
 */
winner: number | null, } } | { "type": "legal_moves", "payload": LegalMoves } | { "type": "hint", "payload": { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * The suggestion.
 */
action: SuggestedAction, } } | { "type": "timer_started", "payload": { 
/**
 * Seat that must act.
 */
seat: WireSeat, 
/**
 * Deadline, milliseconds since the Unix epoch (server clock).
 */
deadline_ms: number, 
/**
 * Length of the timer in milliseconds (clients count down with their own clock).
 */
duration_ms: number, } } | { "type": "auto_play", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * Auto-play on.
 */
on: boolean, } } | { "type": "emote", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * Emote.
 */
emote: EmoteId, } } | { "type": "quick_phrase", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * Phrase.
 */
phrase: PhraseId, } } | { "type": "table_closed", "payload": { 
/**
 * Why.
 */
reason: CloseReason, } } | { "type": "room_updated", "payload": { 
/**
 * The new options.
 */
options: RoomOptions, } } | { "type": "player_kicked", "payload": { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * Who was removed.
 */
player: PlayerInfo, } } | { "type": "auth_expiring", "payload": { 
/**
 * When the current token expires, milliseconds since the Unix epoch.
 */
expires_at_ms: number, 
/**
 * How long after `expires_at_ms` the server still waits before closing, in milliseconds.
 */
grace_ms: number, } } | { "type": "balance_changed", "payload": { 
/**
 * Currency code, e.g. `PLAY`.
 */
currency: string, 
/**
 * Available balance in minor units.
 */
balance: number, } } | { "type": "queue_ticket", "payload": { 
/**
 * The ticket's number (in the order of arrival on this node).
 */
ticket: number, 
/**
 * Connections ahead of this one plus one (1: next to be admitted).
 */
position: number, 
/**
 * Expected wait in milliseconds, from the node's recent admissions (absent until measured).
 */
estimated_wait_ms?: number, } } | { "type": "bet_feed", "payload": { 
/**
 * Items, oldest first (at most 20 per batch).
 */
items: Array<BetFeedItem>, } };

/**
 * Payload of `welcome`.
 */
export type Welcome = { 
/**
 * Protocol version the server speaks.
 */
protocol_version: number, 
/**
 * The authenticated user.
 */
user_id: UserId, 
/**
 * Server time, milliseconds since the Unix epoch.
 */
server_time_ms: number, 
/**
 * Largest client frame in bytes.
 */
ws_message_bytes_max: number, 
/**
 * Longest request id in bytes.
 */
request_id_bytes_max: number, 
/**
 * Tables where the user holds a seat (reconnect: a `table_snapshot` of each follows).
 */
tables: Array<TableId>, };

/**
 * Payload of `error`.
 */
export type ErrorPayload = { 
/**
 * Stable code from the error table.
 */
code: string, 
/**
 * A sentence for the user.
 */
message: string, };

/**
 * One settled bet of the live feed (`bet_feed`).
 */
export type BetFeedItem = { 
/**
 * Bet id (decimal string).
 */
bet_id: string, 
/**
 * Game id, e.g. `dice`.
 */
game: string, 
/**
 * Masked player name, e.g. `pla***456`.
 */
player: string, 
/**
 * Currency code.
 */
currency: string, 
/**
 * Stake in minor units.
 */
amount: number, 
/**
 * Return multiplier (stake included) as a decimal string, e.g. `"1.98"`.
 */
multiplier: string, 
/**
 * Payout in minor units.
 */
payout: number, 
/**
 * Settlement time, milliseconds since the Unix epoch.
 */
at_ms: number, };

/**
 * Why a table closed.
 */
export type CloseReason = "finished" | "abandoned" | "shutdown";

/**
 * Who sits in a seat.
 */
export type PlayerInfo = { 
/**
 * User id (`null` for a bot).
 */
user_id: UserId | null, 
/**
 * Display name.
 */
name: string, 
/**
 * A bot holds the seat.
 */
bot: boolean, };

/**
 * One seat in a snapshot.
 */
export type SeatInfo = { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * Occupant (`null`: empty).
 */
player: PlayerInfo | null, 
/**
 * Connected now.
 */
connected: boolean, 
/**
 * Ready (before the match starts).
 */
ready: boolean, 
/**
 * In auto-play.
 */
auto_play: boolean, };

/**
 * A running action timer.
 */
export type TimerInfo = { 
/**
 * Seat that must act.
 */
seat: WireSeat, 
/**
 * Deadline, milliseconds since the Unix epoch.
 */
deadline_ms: number, 
/**
 * Length in milliseconds.
 */
duration_ms: number, };

/**
 * Payload of `table_snapshot`: everything a recipient needs to draw the table, and nothing it may not see.
 */
export type TableSnapshot = { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * Sequence number of the last table event the snapshot includes; events continue at `seq + 1`.
 */
seq: number, 
/**
 * The recipient's seat (`null`: spectator).
 */
seat: WireSeat | null, 
/**
 * Room options.
 */
options: RoomOptions, 
/**
 * The private room's host, who may change the options and clear seats while no match runs
 * (`null`: quick-match tables, and rooms resumed after a restart).
 */
host: UserId | null, 
/**
 * The four seats.
 */
seats: Array<SeatInfo>, 
/**
 * The match, once started.
 */
game: GameState | null, 
/**
 * The running timer, if any.
 */
timer: TimerInfo | null, };

/**
 * Phases of a hand.
 */
export type PhaseName = "tribute" | "return" | "play" | "match_over";

/**
 * The top play of the trick and its owner.
 */
export type SeatPlay = { 
/**
 * Owner.
 */
seat: WireSeat, 
/**
 * `[type, key, [cards]]`.
 */
play: WirePlay, };

/**
 * One move of the current trick.
 */
export type SeatMove = { 
/**
 * Seat.
 */
seat: WireSeat, 
/**
 * A play tuple or `["PASS", "PASS", "PASS"]`.
 */
move: WireMove, };

/**
 * A tribute owed this hand, as the recipient may see it.
 */
export type TributeInfo = { 
/**
 * Payer.
 */
payer: WireSeat, 
/**
 * Card paid (shown once every tribute is paid; always to the payer).
 */
card: CardCode | null, 
/**
 * Receiver, once assigned.
 */
receiver: WireSeat | null, 
/**
 * Card returned (shown once every return is made; always to the giver).
 */
returned: CardCode | null, };

/**
 * A card handed over in tribute or return.
 */
export type TransferInfo = { 
/**
 * Giver.
 */
from: WireSeat, 
/**
 * Receiver.
 */
to: WireSeat, 
/**
 * Card.
 */
card: CardCode, };

/**
 * The match as one seat (or a spectator) sees it: built only from `guandan::View`, which never holds
 * another seat's cards.
 */
export type GameState = { 
/**
 * Rule profile name (`official-2022`, `competition`, `custom`).
 */
rules_profile: string, 
/**
 * Hand index (0-based).
 */
hand_no: number, 
/**
 * Level rank of this hand.
 */
level: string, 
/**
 * Team levels (team 0 = seats 0 and 2).
 */
levels: [string, string], 
/**
 * Team whose level is played (`null` in the first hand).
 */
declarer: number | null, 
/**
 * Phase.
 */
phase: PhaseName, 
/**
 * Seats that may act now.
 */
awaiting: Array<WireSeat>, 
/**
 * Cards left per seat.
 */
counts: [number, number, number, number], 
/**
 * The recipient's own cards, sorted (`null` for spectators).
 */
hand: Array<CardCode> | null, 
/**
 * Top play of the current trick.
 */
top: SeatPlay | null, 
/**
 * Moves of the current trick in order.
 */
trick: Array<SeatMove>, 
/**
 * Each seat's latest move this hand (`null`: none yet).
 */
last_moves: [WireMove | null, WireMove | null, WireMove | null, WireMove | null], 
/**
 * Every card played this hand, sorted.
 */
played: Array<CardCode>, 
/**
 * Seats out this hand, in order.
 */
finish: Array<WireSeat>, 
/**
 * Tributes of this hand.
 */
tributes: Array<TributeInfo>, 
/**
 * Seats that showed jokers for 抗贡.
 */
anti_tribute: Array<WireSeat>, 
/**
 * Winning team once the match is over.
 */
winner: number | null, };

/**
 * Payload of `hand_result`.
 */
export type HandResultInfo = { 
/**
 * Hand index.
 */
hand_no: number, 
/**
 * Level the hand was played at.
 */
level: string, 
/**
 * Finish order, all four seats.
 */
order: Array<WireSeat>, 
/**
 * Team promoted.
 */
promoted: number, 
/**
 * Levels gained (before the cap at A).
 */
steps: number, 
/**
 * Team levels after the hand.
 */
levels: [string, string], 
/**
 * Team sent back from A after too many failures, if any.
 */
ace_reset: number | null, };

/**
 * Which plays a `legal_moves` lists.
 */
export type PlayList = "full" | "compact";

/**
 * Payload of `legal_moves`: everything the seat may do now, so a thin client needs no rules.
 */
export type LegalMoves = { 
/**
 * Table.
 */
table_id: TableId, 
/**
 * The seat to act.
 */
seat: WireSeat, 
/**
 * Phase (`play`, `tribute` or `return`).
 */
phase: PhaseName, 
/**
 * Which play list this is.
 */
list: PlayList, 
/**
 * Passing is allowed (play phase, following).
 */
can_pass: boolean, 
/**
 * Every legal play (play phase), in the engine's order.
 */
plays: Array<WirePlay>, 
/**
 * Cards allowed for tribute or return (tribute/return phase).
 */
cards: Array<CardCode>, 
/**
 * `plays` was cut at `LEGAL_PLAYS_MAX`.
 */
truncated: boolean, };

/**
 * A suggested action (the `hint` answer).
 */
export type SuggestedAction = { "kind": "play", 
/**
 * `[type, key, [cards]]`.
 */
play: WirePlay, } | { "kind": "pass" } | { "kind": "tribute", 
/**
 * Card.
 */
card: CardCode, } | { "kind": "return", 
/**
 * Card.
 */
card: CardCode, };
