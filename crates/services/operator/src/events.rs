//! `POST /v1/events`: an operator's own events (a deposit, a level reached…) for missions and
//! leaderboards, signed like the rest of the operator API. Each is appended to the durable event
//! stream as `events.external` under the id `ext:<operator>:<event_id>`, so a repeated event is
//! stored once (and counted once by the contests, which deduplicate by the same id).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use api::error::{ApiError, ErrorCode};

use crate::OperatorState;
use crate::http::Signed;

/// The route (merged beside the operator API's in [`crate::router`]).
pub fn routes() -> axum::Router<OperatorState> {
    axum::Router::new().route("/v1/events", axum::routing::post(post_events))
}

/// Its OpenAPI path.
#[derive(utoipa::OpenApi)]
#[openapi(paths(post_events))]
pub struct EventsApi;

/// Most events in one request.
pub const EVENTS_MAX: usize = 500;
/// Longest event id or name.
const TEXT_MAX: usize = 128;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExternalEvent {
    event_id: String,
    player_id: String,
    name: String,
    #[serde(default = "one")]
    value: i64,
    #[serde(default)]
    occurred_at_ms: Option<i64>,
}

fn one() -> i64 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Body {
    Batch { events: Vec<ExternalEvent> },
    One(ExternalEvent),
}

fn text(v: &str, field: &str) -> Result<String, ApiError> {
    let t = v.trim();
    if t.is_empty() || t.chars().count() > TEXT_MAX || t.chars().any(char::is_control) {
        return Err(ApiError::field(
            field,
            format!("Field `{field}` must have 1 to {TEXT_MAX} printable characters."),
        ));
    }
    Ok(t.to_owned())
}

/// `POST /v1/events` (signed): one event `{"event_id", "player_id", "name", "value"?,
/// "occurred_at_ms"?}` or `{"events": [...]}` (at most 500) → `202 {"accepted", "duplicates"}`.
/// Every event is checked before any is stored: a bad one refuses the request naming its field.
#[utoipa::path(post, path = "/v1/events", tag = "operator",
    request_body(content = String, description = "One event {\"event_id\", \"player_id\", \"name\", \"value\"?, \"occurred_at_ms\"?} or {\"events\": [...]} (at most 500), signed"),
    responses((status = 202, description = "`{\"accepted\", \"duplicates\"}`"),
    (status = 400, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope),
    (status = 503, body = api::ErrorEnvelope)))]
pub async fn post_events(
    State(state): State<OperatorState>,
    signed: Signed,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let op = signed.operator;
    let body: Body = api::extract::parse_json(&signed.body)?;
    let (events, batch) = match body {
        Body::Batch { events } => (events, true),
        Body::One(e) => (vec![e], false),
    };
    if events.is_empty() || events.len() > EVENTS_MAX {
        return Err(ApiError::field(
            "events",
            format!("1 to {EVENTS_MAX} events per request."),
        ));
    }
    let now = state.auth.clock.now_ms();
    let mut out = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let at = |f: &str| {
            if batch {
                format!("events[{i}].{f}")
            } else {
                f.to_owned()
            }
        };
        let event_id = text(&e.event_id, &at("event_id"))?;
        let name = text(&e.name, &at("name"))?;
        let player_id = text(&e.player_id, &at("player_id"))?;
        let player = match state
            .store
            .operators()
            .player_by_external(&op.id, &player_id)
            .await
        {
            Ok(p) => p,
            Err(err) if err.is_not_found() => {
                return Err(ApiError::field(at("player_id"), "There is no such player."));
            }
            Err(err) => return Err(err.into()),
        };
        let occurred = e.occurred_at_ms.unwrap_or(now);
        if occurred <= 0 || occurred > now.saturating_add(60_000) {
            return Err(ApiError::field(
                at("occurred_at_ms"),
                "A time in unix milliseconds, not in the future.",
            ));
        }
        out.push(bus::Event {
            id: format!("ext:{}:{event_id}", op.id),
            kind: "external".into(),
            payload: json!({
                "operator_id": op.id,
                "event_id": event_id,
                "user_id": player.user_id.to_string(),
                "name": name,
                "value": e.value,
                "occurred_at_ms": occurred,
            })
            .to_string()
            .into_bytes()
            .into(),
        });
    }
    let mut duplicates = 0;
    for e in &out {
        match state.bus.append(e).await {
            Ok(a) => duplicates += usize::from(a.duplicate),
            Err(err) => {
                tracing::warn!(error = %err, "external event not appended");
                return Err(ApiError::with_message(
                    ErrorCode::Unavailable,
                    "The event stream is unavailable; send the events again (they are deduplicated by event_id).",
                ));
            }
        }
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"accepted": out.len(), "duplicates": duplicates})),
    ))
}
