//! HTTP routes of Guandan online: a match's replay data, a player's match history and the fair-play
//! list for administrators.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::{Path, State};
use guandan::{Action, Event, Match, Seed};
use protocol::client::RoomOptions;
use protocol::{CardCode, WirePlay};
use serde::Deserialize;
use serde_json::{Value, json};

use super::table::SeatRecord;
use crate::TablesState;
use api::error::{ApiError, ErrorCode};
use api::extract::{AuthUser, ValidQuery};

/// Most matches per history page.
const HISTORY_PAGE_MAX: u32 = 100;
/// Fair-play look-back window.
const FLAG_WINDOW_MS: i64 = 30 * 24 * 3600 * 1000;
/// Most signal and report rows read for the fair-play list.
const FLAG_ROWS_MAX: i64 = 20_000;
/// Auto-play share (percent of a player's actions) that flags an account, over at least
/// [`FLAG_MIN_ACTIONS`] actions.
const FLAG_AUTO_SHARE_PCT: i64 = 50;
/// Actions needed before the auto-play share counts.
const FLAG_MIN_ACTIONS: i64 = 20;
/// Timeouts in the window that flag an account.
const FLAG_TIMEOUTS: i64 = 5;
/// Matches two accounts from one address sat at together that flag both.
const FLAG_SAME_IP_MATCHES: i64 = 3;

fn not_found() -> ApiError {
    ApiError::with_message(ErrorCode::NotFound, "There is no such match.")
}

fn wire_action(a: &Action, reveal: bool) -> Value {
    match *a {
        Action::Play { seat, play } => {
            json!({"type": "play", "seat": u8::from(seat), "play": WirePlay(play)})
        }
        Action::Pass { seat } => json!({"type": "pass", "seat": u8::from(seat)}),
        Action::Tribute { seat, card } => json!({"type": "tribute", "seat": u8::from(seat),
            "card": reveal.then_some(CardCode(card))}),
        Action::Return { seat, card } => json!({"type": "return", "seat": u8::from(seat),
            "card": reveal.then_some(CardCode(card))}),
    }
}

/// `GET /v1/guandan/matches/{id}`: seed, rules, seats, the action log and every hand's deal. While the
/// match runs only public information is given: no seed, no deals, tribute and return cards hidden.
#[utoipa::path(get, path = "/v1/guandan/matches/{id}", tag = "guandan",
    params(("id" = String, Path, description = "Match id")),
    responses((status = 200, description = "Replay data: seed, rules, seats, actions, per-hand deals"),
        (status = 404, body = api::ErrorEnvelope)))]
pub async fn replay(
    State(state): State<TablesState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let rec = match state.store.guandan_match(id).await {
        Ok(r) => r,
        Err(e) if e.is_not_found() => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    let rows = state.store.guandan_actions(id).await?;
    let ended = rec.status != "running";
    let options: Value = serde_json::from_str(&rec.options_json).unwrap_or(Value::Null);
    let seats: Value = serde_json::from_str(&rec.seats_json).unwrap_or(Value::Null);
    let result: Value = rec
        .result_json
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or(Value::Null);
    let mut actions = Vec::with_capacity(rows.len());
    let mut parsed = Vec::with_capacity(rows.len());
    for r in &rows {
        let a: Action = serde_json::from_str(&r.action_json).map_err(|e| {
            ApiError::internal(format!("stored action {} of match {id}: {e}", r.idx))
        })?;
        actions.push(json!({"idx": r.idx, "at_ms": r.at_ms, "action": wire_action(&a, ended)}));
        parsed.push(a);
    }
    let mut body = json!({
        "match_id": rec.id.to_string(),
        "table_id": rec.table_id,
        "kind": rec.kind,
        "rules": rec.rules,
        "options": options,
        "status": rec.status,
        "seats": seats,
        "started_at_ms": rec.started_at_ms,
        "ended_at_ms": rec.ended_at_ms,
        "result": result,
        "actions": actions,
        "seed": Value::Null,
        "hands": Value::Null,
    });
    if ended {
        body["seed"] = json!(rec.seed);
        body["hands"] = deals(&rec.seed, &rec.options_json, &parsed);
    }
    Ok(Json(body))
}

/// Every hand's four deals, by replaying the log.
fn deals(seed_hex: &str, options_json: &str, actions: &[Action]) -> Value {
    let Ok(seed) = serde_json::from_value::<Seed>(Value::String(seed_hex.to_owned())) else {
        return Value::Null;
    };
    let options: RoomOptions = serde_json::from_str(options_json).unwrap_or_default();
    let (mut m, first) = Match::new(seed, options.rules.rules());
    let mut hands: BTreeMap<u32, Value> = BTreeMap::new();
    let mut collect = |events: &[Event]| {
        for e in events {
            if let Event::Deal {
                hand_no,
                level,
                seat,
                cards,
            } = e
            {
                let h = hands
                    .entry(*hand_no)
                    .or_insert_with(|| json!({"hand_no": hand_no, "level": level.to_string(), "cards": [null, null, null, null]}));
                h["cards"][usize::from(u8::from(*seat))] =
                    json!(cards.iter().copied().map(CardCode).collect::<Vec<_>>());
            }
        }
    };
    collect(&first);
    for a in actions {
        match m.apply_mut(*a) {
            Ok(ev) => collect(&ev),
            Err(_) => break,
        }
    }
    Value::Array(hands.into_values().collect())
}

/// Query of `GET /v1/guandan/matches`.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    /// `me` or a user id.
    player: String,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1..=100 (default 20).
    limit: Option<u32>,
}

/// `GET /v1/guandan/matches?player=me`: matches the player sat in, newest first, cursor-paged.
#[utoipa::path(get, path = "/v1/guandan/matches", tag = "guandan", security(("bearer" = [])),
    params(("player" = String, Query, description = "`me` or a user id"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
        ("limit" = Option<u32>, Query, description = "1..=100, default 20")),
    responses((status = 200, description = "Matches, newest first, and `next_cursor`"),
        (status = 400, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
pub async fn history(
    State(state): State<TablesState>,
    user: AuthUser,
    ValidQuery(q): ValidQuery<HistoryQuery>,
) -> Result<Json<Value>, ApiError> {
    let player = if q.player == "me" {
        user.user_id
    } else {
        q.player
            .parse()
            .map_err(|_| ApiError::field("player", "Field `player` must be `me` or a user id."))?
    };
    let limit = q.limit.unwrap_or(20);
    if !(1..=HISTORY_PAGE_MAX).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "Field `limit` must be between 1 and 100.",
        ));
    }
    let before = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            ApiError::field("cursor", "Field `cursor` is not a cursor from this API.")
        })?),
    };
    let rows = state
        .store
        .guandan_matches_of(player, before, i64::from(limit))
        .await?;
    let next = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    let items: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            let seats: Vec<SeatRecord> = serde_json::from_str(&r.seats_json).unwrap_or_default();
            let seat = seats
                .iter()
                .find(|s| s.user_id == Some(player))
                .map(|s| s.seat);
            let result: Value = r
                .result_json
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok())
                .unwrap_or(Value::Null);
            json!({
                "match_id": r.id.to_string(),
                "table_id": r.table_id,
                "kind": r.kind,
                "rules": r.rules,
                "status": r.status,
                "seat": seat,
                "seats": seats,
                "started_at_ms": r.started_at_ms,
                "ended_at_ms": r.ended_at_ms,
                "result": result,
            })
        })
        .collect();
    Ok(Json(json!({"items": items, "next_cursor": next})))
}

async fn require_admin(state: &TablesState, user: AuthUser) -> Result<(), ApiError> {
    state
        .auth
        .require_admin(
            state.store.as_ref(),
            user,
            "Only administrators may see fair-play flags.",
        )
        .await
        .map(drop)
}

#[derive(Default)]
struct Acc {
    matches: i64,
    actions: i64,
    auto_actions: i64,
    timeouts: i64,
    decision_ms: i64,
    own_actions: i64,
    reports: Vec<Value>,
    partners: BTreeMap<i64, (String, i64)>,
}

/// `GET /v1/admin/guandan/flagged`: accounts whose last 30 days show a high auto-play share, many
/// timeouts, reports, or frequent tables with another account from the same address; with the evidence.
#[utoipa::path(get, path = "/v1/admin/guandan/flagged", tag = "guandan", security(("bearer" = [])),
    responses((status = 200, description = "Flagged accounts with their evidence"),
        (status = 403, body = api::ErrorEnvelope)))]
pub async fn flagged(
    State(state): State<TablesState>,
    user: AuthUser,
) -> Result<Json<Value>, ApiError> {
    require_admin(&state, user).await?;
    let since = state.auth.clock.now_ms() - FLAG_WINDOW_MS;
    let signals = state
        .store
        .guandan_signals_since(since, FLAG_ROWS_MAX)
        .await?;
    let reports = state
        .store
        .guandan_reports_since(since, FLAG_ROWS_MAX)
        .await?;
    let mut acc: BTreeMap<i64, Acc> = BTreeMap::new();
    let mut by_match: BTreeMap<i64, Vec<(i64, Option<String>)>> = BTreeMap::new();
    for s in &signals {
        let a = acc.entry(s.user_id).or_default();
        a.matches += 1;
        a.actions += s.actions;
        a.auto_actions += s.auto_actions;
        a.timeouts += s.timeouts;
        a.decision_ms += s.decision_ms_total;
        a.own_actions += s.actions - s.auto_actions;
        by_match
            .entry(s.match_id)
            .or_default()
            .push((s.user_id, s.ip.clone()));
    }
    for players in by_match.values() {
        for (i, (u, ip)) in players.iter().enumerate() {
            for (v, ip2) in &players[i + 1..] {
                if let (Some(a), Some(b)) = (ip, ip2)
                    && a == b
                    && u != v
                {
                    for (x, y) in [(*u, *v), (*v, *u)] {
                        let e = acc
                            .entry(x)
                            .or_default()
                            .partners
                            .entry(y)
                            .or_insert_with(|| (a.clone(), 0));
                        e.1 += 1;
                    }
                }
            }
        }
    }
    for r in &reports {
        acc.entry(r.reported_id).or_default().reports.push(json!({
            "reporter_id": r.reporter_id.to_string(),
            "reason": r.reason,
            "table_id": r.table_id,
            "created_at_ms": r.created_at_ms,
        }));
    }
    let mut out = Vec::new();
    for (user_id, a) in acc {
        let mut reasons = BTreeSet::new();
        let auto_pct = if a.actions > 0 {
            a.auto_actions * 100 / a.actions
        } else {
            0
        };
        if a.actions >= FLAG_MIN_ACTIONS && auto_pct >= FLAG_AUTO_SHARE_PCT {
            reasons.insert("high_auto_play_share");
        }
        if a.timeouts >= FLAG_TIMEOUTS {
            reasons.insert("timeouts");
        }
        if !a.reports.is_empty() {
            reasons.insert("reported");
        }
        let partners: Vec<Value> = a
            .partners
            .iter()
            .filter(|(_, (_, n))| *n >= FLAG_SAME_IP_MATCHES)
            .map(|(p, (ip, n))| json!({"user_id": p.to_string(), "ip": ip, "matches": n}))
            .collect();
        if !partners.is_empty() {
            reasons.insert("same_address_partner");
        }
        if reasons.is_empty() {
            continue;
        }
        out.push(json!({
            "user_id": user_id.to_string(),
            "reasons": reasons,
            "evidence": {
                "matches": a.matches,
                "actions": a.actions,
                "auto_actions": a.auto_actions,
                "auto_play_pct": auto_pct,
                "timeouts": a.timeouts,
                "avg_decision_ms": if a.own_actions > 0 { a.decision_ms / a.own_actions } else { 0 },
                "reports": a.reports,
                "same_address_partners": partners,
            },
        }));
    }
    Ok(Json(json!({"accounts": out, "window_ms": FLAG_WINDOW_MS})))
}
