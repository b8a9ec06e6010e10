//! The one table of stable error codes, and the JSON error body every HTTP and WebSocket error uses:
//! `{"error": {"code", "message", "request_id"}}` (plus `field` for validation errors). Internals are
//! logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Every error code a client can receive. The table in [`ErrorCode::TABLE`] drives HTTP statuses,
/// documentation (`docs/errors.md` is checked against it) and WebSocket errors alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid JSON (syntax error, wrong top-level type).
    InvalidJson,
    /// A field is missing or has an invalid value; the body names it in `field`.
    InvalidField,
    /// The request needs `Content-Type: application/json`.
    UnsupportedMediaType,
    /// The body exceeds `http.body_limit_bytes`.
    PayloadTooLarge,
    /// No such route or resource.
    NotFound,
    /// The route exists but not for this method.
    MethodNotAllowed,
    /// Missing, malformed or revoked credentials.
    Unauthorized,
    /// The access token has expired; refresh it.
    TokenExpired,
    /// Wrong email or password.
    InvalidCredentials,
    /// The password is too weak or too long.
    WeakPassword,
    /// The email is already registered.
    EmailTaken,
    /// The caller is authenticated but not allowed to do this.
    Forbidden,
    /// The request conflicts with the current state.
    Conflict,
    /// The wallet does not hold enough funds for the debit.
    InsufficientFunds,
    /// Too many requests; retry after `Retry-After` seconds.
    RateLimited,
    /// Too many failed logins for this account or address; retry after `Retry-After` seconds.
    TooManyAttempts,
    /// The request took too long.
    Timeout,
    /// A dependency (the database) is unavailable.
    Unavailable,
    /// A bug on our side; the request id identifies it in the logs.
    Internal,
    /// There is no game with that id.
    GameNotFound,
    /// The currency is not offered for bets.
    UnsupportedCurrency,
    /// The bet amount is below the game's minimum or above its maximum for the currency.
    AmountOutOfRange,
    /// The idempotency key was already used with a different request.
    IdempotencyConflict,
    /// A multi-step round is open (rotation refused, or one round per game at a time).
    RoundOpen,
    /// The round action is not allowed now (round over, tile taken, no split possible).
    IllegalAction,
    /// The bet is above the player's own per-bet limit.
    BetLimitExceeded,
    /// The bet could take the player past their own daily loss limit.
    LossLimitReached,
    /// The player's own session time limit is reached.
    SessionLimitReached,
    /// The player excluded themself from play until a date.
    SelfExcluded,
    /// Operator API: `X-Operator-Id`, `X-Timestamp`, `X-Nonce` or `X-Signature` is missing.
    SignatureMissing,
    /// Operator API: `X-Operator-Id` names no operator.
    UnknownOperator,
    /// Operator API: the signature does not match the request (or the nonce is malformed).
    SignatureInvalid,
    /// Operator API: the timestamp is malformed, too old or too far in the future.
    TimestampOutOfWindow,
    /// Operator API: the request's nonce was used before within the window.
    SignatureReplayed,
    /// Operator API: the call does not fit the operator's wallet mode.
    OperatorModeMismatch,
    /// Operator API: the currency is not enabled for the operator.
    CurrencyNotAllowed,
    /// The operator session of this token was revoked by its operator.
    SessionRevoked,
    /// The operator session of this token has ended.
    SessionExpired,
    /// An operator session bets only in its own currency.
    SessionCurrencyMismatch,
    /// Guandan WebSocket: The message is larger than the server accepts.
    FrameTooLarge,
    /// Guandan WebSocket: The message is not a valid protocol envelope.
    InvalidMessage,
    /// Guandan WebSocket: This protocol version is not supported.
    UnsupportedVersion,
    /// Guandan WebSocket: The message type is unknown.
    UnknownType,
    /// Guandan WebSocket: The message payload is invalid for its type.
    InvalidPayload,
    /// Guandan WebSocket: The match is over.
    MatchOver,
    /// Guandan WebSocket: That action is not allowed at this stage of the hand.
    WrongPhase,
    /// Guandan WebSocket: It is not your turn.
    NotYourTurn,
    /// Guandan WebSocket: You do not hold those cards.
    CardsNotHeld,
    /// Guandan WebSocket: Those cards do not form the declared combination.
    InvalidReading,
    /// Guandan WebSocket: That play does not beat the current play.
    DoesNotBeat,
    /// Guandan WebSocket: You lead this trick and may not pass.
    PassWhileLeading,
    /// Guandan WebSocket: You must pay your highest card as tribute.
    IllegalTribute,
    /// Guandan WebSocket: That card may not be returned.
    IllegalReturn,
    /// Guandan WebSocket: Only the room's host can do that.
    NotHost,
    /// Guandan WebSocket: The room cannot be changed while a match is running.
    MatchRunning,
    /// Guandan WebSocket: That seat is empty or cannot be cleared.
    InvalidSeat,
    /// Guandan WebSocket: The host removed you from this room; you may take a seat again later.
    KickedRecently,
    /// The contest is not open for that (not started, ended, cancelled, or not opt-in).
    ContestClosed,
    /// This private contest needs its invite code.
    InviteRequired,
    /// The reward can no longer be claimed.
    RewardExpired,
}

impl ErrorCode {
    /// The table: every code, its HTTP status and its one-line meaning.
    pub const TABLE: &'static [(ErrorCode, u16, &'static str)] = &[
        (
            Self::InvalidJson,
            400,
            "The request body is not valid JSON.",
        ),
        (
            Self::InvalidField,
            400,
            "A field is missing or invalid; `field` names it.",
        ),
        (
            Self::UnsupportedMediaType,
            415,
            "The request body must be sent as application/json.",
        ),
        (Self::PayloadTooLarge, 413, "The request body is too large."),
        (Self::NotFound, 404, "There is no such resource."),
        (
            Self::MethodNotAllowed,
            405,
            "This resource does not support that method.",
        ),
        (
            Self::Unauthorized,
            401,
            "Authentication is missing or invalid.",
        ),
        (
            Self::TokenExpired,
            401,
            "The access token has expired; refresh it.",
        ),
        (
            Self::InvalidCredentials,
            401,
            "The email or password is wrong.",
        ),
        (Self::WeakPassword, 400, "The password is too weak."),
        (
            Self::EmailTaken,
            409,
            "An account with this email already exists.",
        ),
        (Self::Forbidden, 403, "You are not allowed to do this."),
        (
            Self::Conflict,
            409,
            "The request conflicts with the current state.",
        ),
        (
            Self::InsufficientFunds,
            409,
            "The wallet does not hold enough funds for this.",
        ),
        (
            Self::RateLimited,
            429,
            "Too many requests; retry after the given number of seconds.",
        ),
        (
            Self::TooManyAttempts,
            429,
            "Too many failed sign-in attempts; retry after the given number of seconds.",
        ),
        (Self::Timeout, 503, "The request took too long."),
        (
            Self::Unavailable,
            503,
            "The service is temporarily unavailable.",
        ),
        (Self::Internal, 500, "Something went wrong on our side."),
        (Self::GameNotFound, 404, "There is no game with that id."),
        (
            Self::UnsupportedCurrency,
            400,
            "The currency is not offered for bets.",
        ),
        (
            Self::AmountOutOfRange,
            400,
            "The amount is outside the game's limits for the currency.",
        ),
        (
            Self::IdempotencyConflict,
            409,
            "The idempotency key was already used with a different request.",
        ),
        (
            Self::RoundOpen,
            409,
            "A multi-step round is still open; finish it first.",
        ),
        (
            Self::IllegalAction,
            409,
            "That action is not allowed in the round now.",
        ),
        (
            Self::BetLimitExceeded,
            403,
            "The bet is above your own per-bet limit.",
        ),
        (
            Self::LossLimitReached,
            403,
            "The bet could take you past your own daily loss limit.",
        ),
        (
            Self::SessionLimitReached,
            403,
            "Your own session time limit is reached; take a break.",
        ),
        (
            Self::SelfExcluded,
            403,
            "You have excluded yourself from play until the date you chose.",
        ),
        (
            Self::SignatureMissing,
            401,
            "The X-Operator-Id, X-Timestamp, X-Nonce or X-Signature header is missing.",
        ),
        (Self::UnknownOperator, 401, "No operator has this id."),
        (
            Self::SignatureInvalid,
            401,
            "The signature does not match the request.",
        ),
        (
            Self::TimestampOutOfWindow,
            401,
            "The request timestamp is malformed, too old or in the future.",
        ),
        (
            Self::SignatureReplayed,
            401,
            "This nonce was already used; every request needs a new X-Nonce.",
        ),
        (
            Self::OperatorModeMismatch,
            409,
            "The operator's wallet mode does not allow this call.",
        ),
        (
            Self::CurrencyNotAllowed,
            400,
            "The currency is not enabled for this operator.",
        ),
        (
            Self::SessionRevoked,
            401,
            "The operator revoked this game session.",
        ),
        (Self::SessionExpired, 401, "This game session has ended."),
        (
            Self::SessionCurrencyMismatch,
            400,
            "This game session plays in another currency.",
        ),
        (
            Self::FrameTooLarge,
            413,
            "The message is larger than the server accepts.",
        ),
        (
            Self::InvalidMessage,
            400,
            "The message is not a valid protocol envelope.",
        ),
        (
            Self::UnsupportedVersion,
            400,
            "This protocol version is not supported.",
        ),
        (Self::UnknownType, 400, "The message type is unknown."),
        (
            Self::InvalidPayload,
            400,
            "The message payload is invalid for its type.",
        ),
        (Self::MatchOver, 409, "The match is over."),
        (
            Self::WrongPhase,
            409,
            "That action is not allowed at this stage of the hand.",
        ),
        (Self::NotYourTurn, 409, "It is not your turn."),
        (Self::CardsNotHeld, 409, "You do not hold those cards."),
        (
            Self::InvalidReading,
            409,
            "Those cards do not form the declared combination.",
        ),
        (
            Self::DoesNotBeat,
            409,
            "That play does not beat the current play.",
        ),
        (
            Self::PassWhileLeading,
            409,
            "You lead this trick and may not pass.",
        ),
        (
            Self::IllegalTribute,
            409,
            "You must pay your highest card as tribute.",
        ),
        (Self::IllegalReturn, 409, "That card may not be returned."),
        (Self::NotHost, 403, "Only the room's host can do that."),
        (
            Self::MatchRunning,
            409,
            "The room cannot be changed while a match is running.",
        ),
        (
            Self::InvalidSeat,
            409,
            "That seat is empty or cannot be cleared.",
        ),
        (
            Self::KickedRecently,
            403,
            "The host removed you from this room; you may take a seat again later.",
        ),
        (
            Self::ContestClosed,
            409,
            "The contest is not open for that now.",
        ),
        (
            Self::InviteRequired,
            403,
            "This private contest needs its invite code.",
        ),
        (
            Self::RewardExpired,
            410,
            "The reward can no longer be claimed.",
        ),
    ];

    /// The stable string clients match on.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::InvalidField => "invalid_field",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Unauthorized => "unauthorized",
            Self::TokenExpired => "token_expired",
            Self::InvalidCredentials => "invalid_credentials",
            Self::WeakPassword => "weak_password",
            Self::EmailTaken => "email_taken",
            Self::Forbidden => "forbidden",
            Self::Conflict => "conflict",
            Self::InsufficientFunds => "insufficient_funds",
            Self::RateLimited => "rate_limited",
            Self::TooManyAttempts => "too_many_attempts",
            Self::Timeout => "timeout",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
            Self::GameNotFound => "game_not_found",
            Self::UnsupportedCurrency => "unsupported_currency",
            Self::AmountOutOfRange => "amount_out_of_range",
            Self::IdempotencyConflict => "idempotency_conflict",
            Self::RoundOpen => "round_open",
            Self::IllegalAction => "illegal_action",
            Self::BetLimitExceeded => "bet_limit_exceeded",
            Self::LossLimitReached => "loss_limit_reached",
            Self::SessionLimitReached => "session_limit_reached",
            Self::SelfExcluded => "self_excluded",
            Self::SignatureMissing => "signature_missing",
            Self::UnknownOperator => "unknown_operator",
            Self::SignatureInvalid => "signature_invalid",
            Self::TimestampOutOfWindow => "timestamp_out_of_window",
            Self::SignatureReplayed => "signature_replayed",
            Self::OperatorModeMismatch => "operator_mode_mismatch",
            Self::CurrencyNotAllowed => "currency_not_allowed",
            Self::SessionRevoked => "session_revoked",
            Self::SessionExpired => "session_expired",
            Self::SessionCurrencyMismatch => "session_currency_mismatch",
            Self::FrameTooLarge => "frame_too_large",
            Self::InvalidMessage => "invalid_message",
            Self::UnsupportedVersion => "unsupported_version",
            Self::UnknownType => "unknown_type",
            Self::InvalidPayload => "invalid_payload",
            Self::MatchOver => "match_over",
            Self::WrongPhase => "wrong_phase",
            Self::NotYourTurn => "not_your_turn",
            Self::CardsNotHeld => "cards_not_held",
            Self::InvalidReading => "invalid_reading",
            Self::DoesNotBeat => "does_not_beat",
            Self::PassWhileLeading => "pass_while_leading",
            Self::IllegalTribute => "illegal_tribute",
            Self::IllegalReturn => "illegal_return",
            Self::NotHost => "not_host",
            Self::MatchRunning => "match_running",
            Self::InvalidSeat => "invalid_seat",
            Self::KickedRecently => "kicked_recently",
            Self::ContestClosed => "contest_closed",
            Self::InviteRequired => "invite_required",
            Self::RewardExpired => "reward_expired",
        }
    }

    /// The HTTP status from the table.
    pub fn status(self) -> StatusCode {
        let code = Self::TABLE
            .iter()
            .find(|(c, _, _)| *c == self)
            .map_or(500, |(_, s, _)| *s);
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The one-line meaning from the table.
    pub fn meaning(self) -> &'static str {
        Self::TABLE
            .iter()
            .find(|(c, _, _)| *c == self)
            .map_or("", |(_, _, m)| m)
    }
}

/// An error on its way to a client.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The stable code.
    pub code: ErrorCode,
    /// A full sentence for people.
    pub message: String,
    /// The offending field for `invalid_field` (dotted path, e.g. `params.target`).
    pub field: Option<String>,
    /// Seconds to wait, for `rate_limited`.
    pub retry_after_secs: Option<u64>,
}

/// The rendered body, without the request id (added by the error middleware).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable error code from the error table.
    pub code: String,
    /// Human-readable sentence.
    pub message: String,
    /// Offending field, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The request id, for support.
    pub request_id: String,
}

/// Envelope `{"error": …}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

impl ApiError {
    /// An error with the code's default message.
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            message: code.meaning().to_owned(),
            field: None,
            retry_after_secs: None,
        }
    }

    /// An error with a specific message.
    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::new(code)
        }
    }

    /// `invalid_field` naming `field`.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::with_message(ErrorCode::InvalidField, message)
        }
    }

    /// `unauthorized` with a reason.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::with_message(ErrorCode::Unauthorized, message)
    }

    /// `too_many_attempts` (failed logins) with the wait.
    pub fn too_many_attempts(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..Self::new(ErrorCode::TooManyAttempts)
        }
    }

    /// `rate_limited` with the wait.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..Self::new(ErrorCode::RateLimited)
        }
    }

    /// `internal`, logging the cause (which never reaches the client).
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(ErrorCode::Internal)
    }

    /// Renders the body with a request id.
    pub fn body(&self, request_id: &str) -> ErrorEnvelope {
        ErrorEnvelope {
            error: ErrorBody {
                code: self.code.as_str().to_owned(),
                message: self.message.clone(),
                field: self.field.clone(),
                request_id: request_id.to_owned(),
            },
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(err: store::StoreError) -> Self {
        match err.kind {
            store::StoreErrorKind::NotFound => Self::new(ErrorCode::NotFound),
            store::StoreErrorKind::Conflict => Self::new(ErrorCode::Conflict),
            store::StoreErrorKind::Unavailable => {
                tracing::warn!(error = %err, "database unavailable");
                Self::new(ErrorCode::Unavailable)
            }
            store::StoreErrorKind::Internal => Self::internal(err),
        }
    }
}

impl IntoResponse for ApiError {
    /// The body is rendered by the error middleware, which knows the request id; the error travels
    /// to it in the response extensions.
    fn into_response(self) -> Response {
        let mut res = self.code.status().into_response();
        if let Some(secs) = self.retry_after_secs
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res.extensions_mut().insert(self);
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_codes_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for (code, status, meaning) in ErrorCode::TABLE {
            assert!(seen.insert(code.as_str()), "duplicate {}", code.as_str());
            assert_eq!(code.status().as_u16(), *status);
            assert!(meaning.ends_with('.'), "user-facing meanings are sentences");
            // serde name == as_str, so WebSocket errors carry the same string.
            assert_eq!(serde_json::to_value(code).expect("ser"), code.as_str());
        }
        assert_eq!(seen.len(), 42 + protocol::errors::WS_ERROR_CODES.len());
        for (code, meaning) in protocol::errors::WS_ERROR_CODES {
            assert!(
                ErrorCode::TABLE
                    .iter()
                    .any(|(c, _, m)| c.as_str() == *code && m == meaning),
                "{code} missing from the table"
            );
        }
    }
}

#[cfg(test)]
mod doc_tests {
    use super::ErrorCode;

    #[test]
    fn docs_list_exactly_the_table() {
        let doc = include_str!("../../../../docs/errors.md");
        let documented: Vec<(String, u16)> = doc
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                Some((code.to_owned(), cells.get(2)?.parse().ok()?))
            })
            .collect();
        let table: Vec<(String, u16)> = ErrorCode::TABLE
            .iter()
            .map(|(c, s, _)| (c.as_str().to_owned(), *s))
            .collect();
        assert_eq!(documented, table);
    }
}
