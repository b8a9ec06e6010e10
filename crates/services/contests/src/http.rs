//! Contest, mission and reward routes: the players' lists, standings, joins, missions and rewards
//! inbox, and the admin API (create, change, cancel, finalise, export). Every node answers them:
//! ranks come from the kv's sorted sets, everything else from the database.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use compete::board::decode_member;
use compete::def::{Definition, Join, Kind, Scheme};
use ledger::CreateTransferResult;
use serde::Deserialize;
use serde_json::{Value, json};
use store::StoreErrorKind;
use store::compete::ContestRow;

use api::error::{ApiError, ErrorCode};
use api::extract::{AuthUser, ValidQuery};

use crate::engine::{Note, note, pay};
use crate::{ContestsState, seen_set, standings_set};

/// The contests' routes.
pub fn routes() -> axum::Router<ContestsState> {
    axum::Router::new()
        .route("/v1/contests", get(list))
        .route("/v1/contests/{id}", get(detail))
        .route("/v1/contests/{id}/join", post(join))
        .route("/v1/contests/{id}/standings", get(standings))
        .route("/v1/missions", get(missions))
        .route("/v1/rewards", get(rewards))
        .route("/v1/rewards/{id}/claim", post(claim))
        .route("/v1/admin/contests", post(create))
        .route("/v1/admin/contests/{id}", get(admin_detail).put(change))
        .route("/v1/admin/contests/{id}/cancel", post(cancel))
        .route("/v1/admin/contests/{id}/finalise", post(finalise))
        .route("/v1/admin/contests/{id}/export", get(export))
}

/// The contests' OpenAPI document (paths are described in `docs/compete.md`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list,
    detail,
    join,
    standings,
    missions,
    rewards,
    claim,
    create,
    change,
    admin_detail,
    cancel,
    finalise,
    export
))]
pub struct ContestsApi;

/// Most rows a standings request may ask for.
pub const TOP_MAX: usize = 1_000;

fn status_of(row: &ContestRow, now: i64) -> &'static str {
    match row.status.as_str() {
        "cancelled" => "cancelled",
        "final" => "ended",
        _ => match (row.starts_at_ms, row.ends_at_ms) {
            (Some(s), _) if now < s => "upcoming",
            (_, Some(e)) if now >= e => "ended",
            _ => "active",
        },
    }
}

fn name_of(def: &Definition) -> Value {
    json!({"en": def.name_en, "zh": def.name_zh})
}

fn parse_row(row: &ContestRow) -> Result<Definition, ApiError> {
    compete::def::parse(&row.source).map_err(ApiError::internal)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    status: Option<String>,
}

/// `GET /v1/contests?status=active|upcoming|ended|mine`.
#[utoipa::path(get, path = "/v1/contests", tag = "compete", security(("bearer" = [])),
    params(("status" = Option<String>, Query, description = "active, upcoming, ended or mine")),
    responses((status = 200, description = "`{\"contests\": [{\"id\", \"kind\", \"name\", \"starts_at_ms\", \"ends_at_ms\", \"status\", …}]}`"),
    (status = 400, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
async fn list(
    State(s): State<ContestsState>,
    user: AuthUser,
    ValidQuery(q): ValidQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let wanted = q.status.as_deref();
    if let Some(w) = wanted
        && !["active", "upcoming", "ended", "mine"].contains(&w)
    {
        return Err(ApiError::field(
            "status",
            "one of active, upcoming, ended, mine",
        ));
    }
    let now = s.auth.clock.now_ms();
    let c = s.store.compete();
    let joined = c.joined(user.user_id).await?;
    let mut out = Vec::new();
    for row in c.contests().await? {
        if row.kind == "mission" || row.status == "cancelled" {
            continue;
        }
        let status = status_of(&row, now);
        let keep = match wanted {
            None => true,
            Some("mine") => {
                joined.contains(&row.id) || c.standing(&row.id, user.user_id).await?.is_some()
            }
            Some(w) => w == status,
        };
        if !keep {
            continue;
        }
        let Ok(def) = compete::def::parse(&row.source) else {
            continue;
        };
        out.push(json!({
            "id": row.id,
            "kind": row.kind,
            "name": name_of(&def),
            "starts_at_ms": row.starts_at_ms,
            "ends_at_ms": row.ends_at_ms,
            "status": status,
            "join": if def.join == Join::OptIn { "opt_in" } else { "open" },
            "joined": joined.contains(&row.id),
            "entry_fee": def.entry_fee,
            "currency": def.currency,
        }));
    }
    Ok(Json(json!({"contests": out})))
}

fn prize_table(def: &Definition) -> Value {
    let Some(p) = &def.prizes else {
        return Value::Null;
    };
    let steps = |steps: &[compete::prize::Step]| -> Vec<Value> {
        steps
            .iter()
            .map(|st| {
                let share = match st.share {
                    compete::prize::Share::Amount(a) => json!({"amount": a}),
                    compete::prize::Share::BasisPoints(bp) => json!({"basis_points": bp}),
                };
                json!({"from": st.from, "to": st.to, "share": share})
            })
            .collect()
    };
    let (scheme, ladder, extra) = match &p.scheme {
        Scheme::Ladder { steps: s } => ("ladder", steps(s), Value::Null),
        Scheme::Proportional { places } => ("proportional", Vec::new(), json!({"places": places})),
        Scheme::TicketDraw { winners, steps: s } => {
            ("ticket_draw", steps(s), json!({"winners": winners}))
        }
    };
    json!({
        "scheme": scheme,
        "ladder": ladder,
        "options": extra,
        "pool": {"fixed": p.pool.fixed, "stake_share_basis_points": p.pool.stake_share_bp, "ceiling": p.pool.ceiling},
        "currency": p.currency,
        "claim_within_ms": p.claim_ms,
    })
}

/// `GET /v1/contests/{id}`: the contest, its prize table, the draw's commitment (and seed once
/// final), and its result once final.
#[utoipa::path(get, path = "/v1/contests/{id}", tag = "compete", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contest")),
    responses((status = 200, description = "The contest, its prize table, the draw commitment; once final its seed and result."),
    (status = 404, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
async fn detail(
    State(s): State<ContestsState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let c = s.store.compete();
    let row = c.contest(&id).await?;
    let def = parse_row(&row)?;
    let now = s.auth.clock.now_ms();
    let joined = c.joined(user.user_id).await?.contains(&id);
    let result: Value = row
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or(Value::Null);
    Ok(Json(json!({
        "id": row.id,
        "kind": row.kind,
        "version": row.version,
        "name": name_of(&def),
        "starts_at_ms": row.starts_at_ms,
        "ends_at_ms": row.ends_at_ms,
        "status": status_of(&row, now),
        "final": row.status == "final",
        "join": if def.join == Join::OptIn { "opt_in" } else { "open" },
        "private": def.scope.invite_code.is_some(),
        "joined": joined,
        "entry_fee": def.entry_fee,
        "currency": def.currency,
        "games": def.games,
        "scoring": def.scoring.as_ref().map(|sc| json!({
            "mode": format!("{:?}", sc.mode).to_lowercase(),
            "formula": sc.formula.as_ref().map(|f| f.source().to_owned()),
            "best_n": sc.best_n,
            "min_bet": sc.min_bet,
        })),
        "tie_break": def.tie_break,
        "prizes": prize_table(&def),
        "commitment": row.commitment,
        "seed": (row.status == "final").then_some(&row.seed),
        "result": result,
    })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinBody {
    #[serde(default)]
    invite_code: Option<String>,
}

/// `POST /v1/contests/{id}/join` (`{"invite_code"}` for a private contest). An entry fee is held
/// by a pending ledger transfer until the contest ends.
#[utoipa::path(post, path = "/v1/contests/{id}/join", tag = "compete", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contest")),
    request_body(content = String, description = "Optional: {\"invite_code\"} for a private contest"),
    responses((status = 200, description = "Joined (an entry fee is held until the end)."),
    (status = 403, body = api::ErrorEnvelope), (status = 404, body = api::ErrorEnvelope),
    (status = 409, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
async fn join(
    State(s): State<ContestsState>,
    user: AuthUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let b: JoinBody = if body.is_empty() {
        JoinBody::default()
    } else {
        api::extract::parse_json(&body)?
    };
    let c = s.store.compete();
    let row = c.contest(&id).await?;
    let def = parse_row(&row)?;
    let now = s.auth.clock.now_ms();
    let st = status_of(&row, now);
    if def.kind == Kind::Mission || def.join != Join::OptIn {
        return Err(ApiError::with_message(
            ErrorCode::ContestClosed,
            "Everyone who plays takes part in this contest: there is nothing to join.",
        ));
    }
    if st != "active" && st != "upcoming" {
        return Err(ApiError::with_message(
            ErrorCode::ContestClosed,
            "The contest has ended.",
        ));
    }
    if let Some(code) = &def.scope.invite_code
        && b.invite_code.as_deref() != Some(code.as_str())
    {
        return Err(ApiError::new(ErrorCode::InviteRequired));
    }
    if def.entry_fee > 0 {
        let currency = def.currency.as_deref().unwrap_or_default();
        let ledger_code = ledger::currency::by_symbol(currency)
            .ok_or_else(|| ApiError::internal(format!("unknown currency {currency}")))?
            .ledger;
        let index = u32::try_from(row.pool_index).map_err(ApiError::internal)?;
        let r = s
            .wallet
            .hold_entry_fee(
                &id,
                index,
                user.user_id,
                ledger_code,
                def.entry_fee.unsigned_abs(),
            )
            .await
            .map_err(ApiError::internal)?;
        match r {
            CreateTransferResult::Ok | CreateTransferResult::Exists => {}
            CreateTransferResult::ExceedsCredits => {
                return Err(ApiError::new(ErrorCode::InsufficientFunds));
            }
            other => return Err(ApiError::internal(other.name())),
        }
    }
    let new = c
        .insert_entry(&id, user.user_id, def.entry_fee, now)
        .await?;
    if new {
        note(
            &s.bus,
            &Note::Joined {
                contest: id.clone(),
                user: user.user_id,
            },
        )
        .await;
    }
    Ok(Json(
        json!({"id": id, "joined": true, "entry_fee": def.entry_fee}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StandingsQuery {
    #[serde(default)]
    top: Option<usize>,
    #[serde(default)]
    me: Option<u8>,
}

/// `GET /v1/contests/{id}/standings?top=N&me=1`.
#[utoipa::path(get, path = "/v1/contests/{id}/standings", tag = "compete", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contest"),
        ("top" = Option<usize>, Query, description = "Rows from the top (default 100, at most 1000)"),
        ("me" = Option<u8>, Query, description = "1: the caller's rank, score and delta too")),
    responses((status = 200, description = "`{\"top\": [{\"rank\", \"user_id\", \"display_name\", \"score\"}], \"me\": {\"rank\", \"score\", \"delta\"} | null, \"final\"}`"),
    (status = 400, body = api::ErrorEnvelope), (status = 404, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
async fn standings(
    State(s): State<ContestsState>,
    user: AuthUser,
    Path(id): Path<String>,
    ValidQuery(q): ValidQuery<StandingsQuery>,
) -> Result<Json<Value>, ApiError> {
    let top = q.top.unwrap_or(100);
    if top > TOP_MAX {
        return Err(ApiError::field("top", format!("at most {TOP_MAX}")));
    }
    if q.me.is_some_and(|m| m > 1) {
        return Err(ApiError::field("me", "0 or 1"));
    }
    let c = s.store.compete();
    let row = c.contest(&id).await?;
    let def = parse_row(&row)?;
    if def.kind == Kind::Mission {
        return Err(ApiError::with_message(
            ErrorCode::NotFound,
            "A mission has no standings.",
        ));
    }
    let ties = def.ties_possible();
    let set = standings_set(&id);
    let kv_err = |e: kv::KvError| {
        tracing::warn!(error = %e, "kv unavailable for standings");
        ApiError::new(ErrorCode::Unavailable)
    };
    let rows = s.kv.ztop(&set, 0, top).await.map_err(kv_err)?;
    let users: Vec<i64> = rows
        .iter()
        .filter_map(|(m, _)| decode_member(m).map(|(u, _)| u))
        .collect();
    let names: HashMap<i64, String> = c.display_names(&users).await?.into_iter().collect();
    let mut out = Vec::with_capacity(rows.len());
    let mut prev: Option<(i64, String)> = None;
    let mut rank = 0u64;
    for (i, (member, score)) in rows.iter().enumerate() {
        let Some((uid, parts)) = decode_member(member) else {
            continue;
        };
        let tied = ties
            && prev
                .as_ref()
                .is_some_and(|(ps, pp)| ps == score && pp == parts);
        if !tied {
            rank = i as u64 + 1;
        }
        prev = Some((*score, parts.to_owned()));
        out.push(json!({
            "rank": rank,
            "user_id": uid.to_string(),
            "display_name": names.get(&uid).cloned().unwrap_or_default(),
            "score": score,
        }));
    }
    let me = if q.me == Some(1) {
        match c.standing(&id, user.user_id).await? {
            None => Value::Null,
            Some((score, member)) => {
                let group = match decode_member(&member) {
                    Some((_, parts)) if ties => format!("{parts}/"),
                    _ => member.clone(),
                };
                let before = s.kv.zbefore(&set, score, &group).await.map_err(kv_err)?;
                let rank = before + 1;
                let seen = seen_set(&id);
                let uid = user.user_id.to_string();
                let previous = s.kv.zrank(&seen, &uid).await.map_err(kv_err)?;
                let rank_i = i64::try_from(rank).unwrap_or(i64::MAX);
                s.kv.zset(&seen, &uid, rank_i).await.map_err(kv_err)?;
                // Positive: places gained since this player last looked.
                let delta = previous.map_or(0, |(_, prev_rank)| prev_rank - rank_i);
                json!({"rank": rank, "score": score, "delta": delta})
            }
        }
    } else {
        Value::Null
    };
    Ok(Json(json!({
        "top": out,
        "me": me,
        "final": row.status == "final",
    })))
}

/// `GET /v1/missions`: the active missions with the caller's progress.
#[utoipa::path(get, path = "/v1/missions", tag = "compete", security(("bearer" = [])),
    responses((status = 200, description = "The active missions with the caller's progress per stage."), (status = 401, body = api::ErrorEnvelope)))]
async fn missions(State(s): State<ContestsState>, user: AuthUser) -> Result<Json<Value>, ApiError> {
    let c = s.store.compete();
    let now = s.auth.clock.now_ms();
    let mut out = Vec::new();
    for row in c.contests().await? {
        if row.kind != "mission" || row.status == "cancelled" || status_of(&row, now) != "active" {
            continue;
        }
        let Ok(def) = compete::def::parse(&row.source) else {
            continue;
        };
        let Some(m) = &def.mission else { continue };
        let progress: compete::mission::Progress = c
            .progress(&row.id, user.user_id)
            .await?
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default();
        let view = m.view(&progress, now);
        let stages: Vec<Value> = m
            .stages
            .iter()
            .zip(view)
            .map(|(st, (progress, target, done))| {
                json!({"id": st.id, "progress": progress, "target": target, "done": done, "reward": st.reward})
            })
            .collect();
        out.push(json!({
            "id": row.id,
            "name": name_of(&def),
            "repeat": m.repeat,
            "ends_at_ms": m.deadline(&progress),
            "stages": stages,
        }));
    }
    Ok(Json(json!({"missions": out})))
}

fn reward_view(r: &store::compete::RewardRow) -> Value {
    let grant: Value = serde_json::from_str(&r.grant_json).unwrap_or(Value::Null);
    json!({
        "id": r.id,
        "kind": r.kind,
        "source": r.source,
        "grant": grant,
        "amount": r.amount,
        "currency": r.currency,
        "status": r.status,
        "created_at_ms": r.created_at_ms,
        "expires_at_ms": r.expires_at_ms,
        "settled_at_ms": r.settled_at_ms,
    })
}

/// `GET /v1/rewards`: the inbox, newest first.
#[utoipa::path(get, path = "/v1/rewards", tag = "compete", security(("bearer" = [])),
    responses((status = 200, description = "The rewards inbox, newest first."), (status = 401, body = api::ErrorEnvelope)))]
async fn rewards(State(s): State<ContestsState>, user: AuthUser) -> Result<Json<Value>, ApiError> {
    let rows = s.store.compete().rewards(user.user_id, 200).await?;
    Ok(Json(
        json!({"rewards": rows.iter().map(reward_view).collect::<Vec<_>>()}),
    ))
}

/// `POST /v1/rewards/{id}/claim`: pays an offered prize through the ledger.
#[utoipa::path(post, path = "/v1/rewards/{id}/claim", tag = "compete", security(("bearer" = [])),
    params(("id" = String, Path, description = "The reward")),
    responses((status = 200, description = "The reward, paid."), (status = 404, body = api::ErrorEnvelope),
    (status = 409, body = api::ErrorEnvelope), (status = 410, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
async fn claim(
    State(s): State<ContestsState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let c = s.store.compete();
    let r = c.reward(&id).await?;
    if r.user_id != user.user_id {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    let now = s.auth.clock.now_ms();
    match r.status.as_str() {
        "paid" | "paying" => return Ok(Json(reward_view(&r))),
        "expired" => return Err(ApiError::new(ErrorCode::RewardExpired)),
        _ => {}
    }
    if r.expires_at_ms.is_some_and(|e| now >= e) {
        c.set_reward_status(&id, "offered", "expired", now).await?;
        return Err(ApiError::new(ErrorCode::RewardExpired));
    }
    if r.amount <= 0 {
        return Err(ApiError::with_message(
            ErrorCode::Conflict,
            "Free spins are played from the slot screen, not claimed here.",
        ));
    }
    if !c.set_reward_status(&id, "offered", "paying", now).await? {
        let again = c.reward(&id).await?;
        return Ok(Json(reward_view(&again)));
    }
    // Paid here; if this fails the engine's payer retries it under the same id.
    if let Err(e) = pay(&s, &r).await {
        tracing::warn!(reward = %id, error = %e, "claimed reward not paid yet; the engine retries");
    } else {
        c.set_reward_status(&id, "paying", "paid", now).await?;
    }
    Ok(Json(reward_view(&c.reward(&id).await?)))
}

// ---- admin ----

async fn require_admin(s: &ContestsState, user: AuthUser) -> Result<i64, ApiError> {
    s.auth
        .require_admin(
            s.store.as_ref(),
            user,
            "Only administrators may manage contests.",
        )
        .await
        .map(|u| u.id)
}

/// The definition in a request: YAML (`application/yaml`, `text/yaml`) or
/// `{"definition": "<yaml>"}` as JSON.
fn definition_of(headers: &HeaderMap, body: &[u8]) -> Result<Definition, ApiError> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let yaml = if ctype.starts_with("application/json") {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            definition: String,
        }
        let b: Body = api::extract::parse_json(body)?;
        b.definition
    } else if ctype.starts_with("application/yaml")
        || ctype.starts_with("application/x-yaml")
        || ctype.starts_with("text/yaml")
    {
        String::from_utf8(body.to_vec()).map_err(|_| ApiError::field("definition", "not UTF-8"))?
    } else {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType));
    };
    compete::def::parse(&yaml).map_err(|e| ApiError::field(e.key, e.message))
}

fn window_of(def: &Definition, now: i64) -> (Option<i64>, Option<i64>) {
    match (&def.window, &def.recurring) {
        (Some((a, b)), _) => (Some(*a), Some(*b)),
        (None, Some(r)) => match compete::schedule::occurrence_at(&r.cron, r.duration_ms, now) {
            Some((a, b)) => (Some(a), Some(b)),
            None => match r.cron.next_after(now) {
                Some(a) => (Some(a), Some(a.saturating_add(r.duration_ms))),
                None => (None, None),
            },
        },
        (None, None) => (None, None),
    }
}

/// `POST /v1/admin/contests`: creates a contest or mission → `201 {"id", "version",
/// "commitment"}`; a bad definition is `400` naming its key.
#[utoipa::path(post, path = "/v1/admin/contests", tag = "compete", security(("bearer" = [])),
    request_body(content = String, description = "The definition: YAML (application/yaml) or {\"definition\": \"<yaml>\"} (application/json)"),
    responses((status = 201, description = "`{\"id\", \"version\", \"commitment\"}`"),
    (status = 400, body = api::ErrorEnvelope), (status = 403, body = api::ErrorEnvelope),
    (status = 409, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
async fn create(
    State(s): State<ContestsState>,
    user: AuthUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_admin(&s, user).await?;
    let def = definition_of(&headers, &body)?;
    let now = s.auth.clock.now_ms();
    let c = s.store.compete();
    let (starts, ends) = window_of(&def, now);
    let seed = api::token::random_hex(32);
    let commitment = compete::draw::commitment(&seed);
    let mut attempt = 0;
    loop {
        let row = ContestRow {
            id: def.id.clone(),
            version: 1,
            kind: def.kind.as_str().into(),
            source: def.source.clone(),
            status: "scheduled".into(),
            starts_at_ms: starts,
            ends_at_ms: ends,
            pool_index: c.next_pool_index().await?,
            seed: seed.clone(),
            commitment: commitment.clone(),
            result: None,
            created_at_ms: now,
            finalised_at_ms: None,
        };
        match c.insert_contest(&row).await {
            Ok(()) => break,
            Err(e) if e.kind == StoreErrorKind::Conflict => {
                if c.contest(&def.id).await.is_ok() {
                    return Err(ApiError::with_message(
                        ErrorCode::Conflict,
                        format!("A contest `{}` exists: change it with PUT.", def.id),
                    ));
                }
                attempt += 1;
                if attempt > 5 {
                    return Err(ApiError::new(ErrorCode::Conflict));
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    note(&s.bus, &Note::Changed).await;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": def.id, "version": 1, "commitment": commitment})),
    ))
}

/// `PUT /v1/admin/contests/{id}`: a new version of a contest that has not started.
#[utoipa::path(put, path = "/v1/admin/contests/{id}", tag = "compete", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contest")),
    request_body(content = String, description = "The new definition (YAML or JSON as for creation)"),
    responses((status = 200, description = "`{\"id\", \"version\"}`"), (status = 400, body = api::ErrorEnvelope),
    (status = 403, body = api::ErrorEnvelope), (status = 409, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
async fn change(
    State(s): State<ContestsState>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    require_admin(&s, user).await?;
    let def = definition_of(&headers, &body)?;
    if def.id != id {
        return Err(ApiError::field("id", "must match the contest in the path"));
    }
    let c = s.store.compete();
    let row = c.contest(&id).await?;
    let now = s.auth.clock.now_ms();
    if status_of(&row, now) != "upcoming" {
        return Err(ApiError::with_message(
            ErrorCode::ContestClosed,
            "A contest's rules never change once it has started.",
        ));
    }
    if row.kind != def.kind.as_str() {
        return Err(ApiError::field("kind", "a contest keeps its kind"));
    }
    let (starts, ends) = window_of(&def, now);
    if !c
        .update_contest(
            &id,
            row.version,
            def.kind.as_str(),
            &def.source,
            starts,
            ends,
        )
        .await?
    {
        return Err(ApiError::with_message(
            ErrorCode::Conflict,
            "The contest changed meanwhile; read it again.",
        ));
    }
    note(&s.bus, &Note::Changed).await;
    Ok(Json(json!({"id": id, "version": row.version + 1})))
}

/// `GET /v1/admin/contests/{id}`: the definition, its version, status and excluded events.
#[utoipa::path(get, path = "/v1/admin/contests/{id}", tag = "compete", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contest")),
    responses((status = 200, description = "Definition, version, status and excluded events per reason."),
    (status = 403, body = api::ErrorEnvelope), (status = 404, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
async fn admin_detail(
    State(s): State<ContestsState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    require_admin(&s, user).await?;
    let c = s.store.compete();
    let row = c.contest(&id).await?;
    let excluded: serde_json::Map<String, Value> = c
        .excluded_counts(&id)
        .await?
        .into_iter()
        .map(|(k, v)| (k.trim_start_matches("excluded:").to_owned(), json!(v)))
        .collect();
    Ok(Json(json!({
        "id": row.id,
        "kind": row.kind,
        "version": row.version,
        "status": status_of(&row, s.auth.clock.now_ms()),
        "definition": row.source,
        "starts_at_ms": row.starts_at_ms,
        "ends_at_ms": row.ends_at_ms,
        "commitment": row.commitment,
        "excluded": excluded,
        "final": row.status == "final",
    })))
}

/// `POST /v1/admin/contests/{id}/cancel`: cancels a contest that is not final; entry fees are
/// returned (their pending transfers voided).
#[utoipa::path(post, path = "/v1/admin/contests/{id}/cancel", tag = "compete", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contest")),
    responses((status = 200, description = "Cancelled; entry fees returned."), (status = 403, body = api::ErrorEnvelope),
    (status = 404, body = api::ErrorEnvelope), (status = 409, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
async fn cancel(
    State(s): State<ContestsState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    require_admin(&s, user).await?;
    let c = s.store.compete();
    let row = c.contest(&id).await?;
    let now = s.auth.clock.now_ms();
    if !c.cancel_contest(&id, now).await? {
        return Err(ApiError::with_message(
            ErrorCode::ContestClosed,
            "The contest is already final or cancelled.",
        ));
    }
    let def = parse_row(&row)?;
    if let Some(l) = def
        .currency
        .as_deref()
        .and_then(ledger::currency::by_symbol)
    {
        for (u, fee) in c.entries(&id).await? {
            if fee > 0 {
                s.wallet
                    .settle_entry_fee(&id, u, l.ledger, false)
                    .await
                    .map_err(ApiError::internal)?;
            }
        }
    }
    note(&s.bus, &Note::Changed).await;
    Ok(Json(json!({"id": id, "status": "cancelled"})))
}

/// `POST /v1/admin/contests/{id}/finalise`: finalises an ended contest now instead of after the
/// grace period → `202`.
#[utoipa::path(post, path = "/v1/admin/contests/{id}/finalise", tag = "compete", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contest")),
    responses((status = 202, description = "Finalisation requested."), (status = 200, description = "Already final."),
    (status = 403, body = api::ErrorEnvelope), (status = 409, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
async fn finalise(
    State(s): State<ContestsState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_admin(&s, user).await?;
    let row = s.store.compete().contest(&id).await?;
    if row.status == "final" {
        return Ok((StatusCode::OK, Json(json!({"id": id, "final": true}))));
    }
    if status_of(&row, s.auth.clock.now_ms()) != "ended" {
        return Err(ApiError::with_message(
            ErrorCode::ContestClosed,
            "Only an ended contest can be finalised.",
        ));
    }
    note(
        &s.bus,
        &Note::Finalise {
            contest: id.clone(),
        },
    )
    .await;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"id": id, "final": false})),
    ))
}

/// `GET /v1/admin/contests/{id}/export`: the immutable result and the full standings.
#[utoipa::path(get, path = "/v1/admin/contests/{id}/export", tag = "compete", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contest")),
    responses((status = 200, description = "The immutable result and the full standings."),
    (status = 403, body = api::ErrorEnvelope), (status = 404, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
async fn export(
    State(s): State<ContestsState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    require_admin(&s, user).await?;
    let c = s.store.compete();
    let row = c.contest(&id).await?;
    let mut standings = Vec::new();
    let mut offset = 0;
    loop {
        let page = c.standings(&id, offset, 10_000).await?;
        if page.is_empty() {
            break;
        }
        offset += page.len() as i64;
        for (u, score, rounds, _) in page {
            standings.push(json!({"user_id": u.to_string(), "score": score, "rounds": rounds}));
        }
    }
    let result: Value = row
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or(Value::Null);
    Ok(Json(json!({
        "id": row.id,
        "version": row.version,
        "definition": row.source,
        "final": row.status == "final",
        "result": result,
        "standings": standings,
    })))
}
