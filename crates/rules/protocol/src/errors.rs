//! WebSocket error codes that are specific to the protocol and the game. They join the server's one
//! error-code table (`crates/services/api/src/error.rs`); general codes such as `unauthorized` or `rate_limited`
//! come from that table unchanged.

use crate::server::ErrorPayload;
use guandan::RuleError;

/// The frame exceeds `WS_MESSAGE_BYTES_MAX`.
pub const FRAME_TOO_LARGE: &str = "frame_too_large";
/// The frame is not JSON or not an envelope `{v, id?, type, payload?}` (also: binary frames).
pub const INVALID_MESSAGE: &str = "invalid_message";
/// The envelope's `v` is not the protocol version the server speaks.
pub const UNSUPPORTED_VERSION: &str = "unsupported_version";
/// The envelope's `type` names no client message.
pub const UNKNOWN_TYPE: &str = "unknown_type";
/// The payload does not fit the message type (missing field, bad card code, timer out of range).
pub const INVALID_PAYLOAD: &str = "invalid_payload";
/// The match is over.
pub const MATCH_OVER: &str = "match_over";
/// The action does not fit the current phase (e.g. a play during tribute).
pub const WRONG_PHASE: &str = "wrong_phase";
/// It is not this seat's turn, or this seat owes nothing now.
pub const NOT_YOUR_TURN: &str = "not_your_turn";
/// The cards are not all in the player's hand.
pub const CARDS_NOT_HELD: &str = "cards_not_held";
/// The declared type and key are not a reading of the cards.
pub const INVALID_READING: &str = "invalid_reading";
/// The play does not beat the current top play.
pub const DOES_NOT_BEAT: &str = "does_not_beat";
/// The leader may not pass.
pub const PASS_WHILE_LEADING: &str = "pass_while_leading";
/// The card is not one the seat may pay as tribute.
pub const ILLEGAL_TRIBUTE: &str = "illegal_tribute";
/// The card is not one the seat may return.
pub const ILLEGAL_RETURN: &str = "illegal_return";
/// Only the room's host may change its options or remove a seat.
pub const NOT_HOST: &str = "not_host";
/// Room options and seats cannot change while a match is running.
pub const MATCH_RUNNING: &str = "match_running";
/// The seat cannot be cleared: it is empty, or it is the host's own.
pub const INVALID_SEAT: &str = "invalid_seat";
/// The host removed this player from the room a moment ago; taking a seat again must wait.
pub const KICKED_RECENTLY: &str = "kicked_recently";

/// Every code defined here with its one-line meaning, for the server's table and the docs.
pub const WS_ERROR_CODES: &[(&str, &str)] = &[
    (
        FRAME_TOO_LARGE,
        "The message is larger than the server accepts.",
    ),
    (
        INVALID_MESSAGE,
        "The message is not a valid protocol envelope.",
    ),
    (
        UNSUPPORTED_VERSION,
        "This protocol version is not supported.",
    ),
    (UNKNOWN_TYPE, "The message type is unknown."),
    (
        INVALID_PAYLOAD,
        "The message payload is invalid for its type.",
    ),
    (MATCH_OVER, "The match is over."),
    (
        WRONG_PHASE,
        "That action is not allowed at this stage of the hand.",
    ),
    (NOT_YOUR_TURN, "It is not your turn."),
    (CARDS_NOT_HELD, "You do not hold those cards."),
    (
        INVALID_READING,
        "Those cards do not form the declared combination.",
    ),
    (DOES_NOT_BEAT, "That play does not beat the current play."),
    (PASS_WHILE_LEADING, "You lead this trick and may not pass."),
    (
        ILLEGAL_TRIBUTE,
        "You must pay your highest card as tribute.",
    ),
    (ILLEGAL_RETURN, "That card may not be returned."),
    (NOT_HOST, "Only the room's host can do that."),
    (
        MATCH_RUNNING,
        "The room cannot be changed while a match is running.",
    ),
    (INVALID_SEAT, "That seat is empty or cannot be cleared."),
    (
        KICKED_RECENTLY,
        "The host removed you from this room; you may take a seat again later.",
    ),
];

/// The code for an engine refusal.
pub fn rule_error_code(e: &RuleError) -> &'static str {
    match e {
        RuleError::MatchOver => MATCH_OVER,
        RuleError::WrongPhase { .. } => WRONG_PHASE,
        RuleError::NotYourTurn { .. } => NOT_YOUR_TURN,
        RuleError::CardsNotHeld { .. } => CARDS_NOT_HELD,
        RuleError::InvalidReading { .. } => INVALID_READING,
        RuleError::DoesNotBeat => DOES_NOT_BEAT,
        RuleError::PassWhileLeading => PASS_WHILE_LEADING,
        RuleError::IllegalTribute { .. } => ILLEGAL_TRIBUTE,
        RuleError::IllegalReturn { .. } => ILLEGAL_RETURN,
    }
}

/// The `error` payload for an engine refusal: the code and its user-facing sentence. Only the acting
/// client receives it, so naming its own card is no leak.
pub fn rule_error_payload(e: &RuleError) -> ErrorPayload {
    let code = rule_error_code(e);
    let message = WS_ERROR_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("The action was refused.", |(_, m)| m);
    ErrorPayload::new(code, message)
}

/// The `error` payload for a refused frame.
pub fn parse_error_payload(e: &crate::client::ParseError) -> ErrorPayload {
    ErrorPayload::new(e.code(), &e.to_string())
}

/// `s` cut to at most `max` bytes at a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}
