//! HTTP handlers of the player games API (`docs/games-api.md`): catalogue, seeds, bets, rounds,
//! history, limits and recent activity. They validate input into coded errors and call the service.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use api::error::{ApiError, ErrorCode};
use api::extract::{AuthUser, ValidJson};
use axum::routing::{get, post, put};

use crate::{
    BetRequest, GamesState, HISTORY_PAGE_MAX, IDEMPOTENCY_KEY_BYTES_MAX, catalogue, limits,
};

/// The player games API's routes.
pub fn routes() -> axum::Router<GamesState> {
    axum::Router::new()
        .route("/v1/games", get(list))
        .route("/v1/games/{game}", get(one))
        .route("/v1/games/{game}/bets", post(bet))
        .route("/v1/games/{game}/rounds/active", get(active))
        .route("/v1/games/{game}/rounds/{id}/actions", post(action))
        .route("/v1/fair/seeds", get(seeds))
        .route("/v1/fair/client-seed", put(client_seed))
        .route("/v1/fair/rotate", post(rotate))
        .route("/v1/bets", get(history))
        .route("/v1/bets/{id}", get(bet_by_id))
        .route("/v1/me/limits", get(get_limits).put(put_limits))
        .route("/v1/activity", get(activity))
}

/// The player games API's OpenAPI paths.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list,
    one,
    bet,
    action,
    active,
    seeds,
    client_seed,
    rotate,
    history,
    bet_by_id,
    get_limits,
    put_limits,
    activity
))]
pub struct GamesApi;

async fn catalogue_ready() -> Result<std::sync::Arc<catalogue::Catalogue>, ApiError> {
    // The server loads the catalogue at start; this computes it only where no server start ran.
    let loaded = if catalogue::ready() {
        catalogue::load()
    } else {
        tokio::task::spawn_blocking(catalogue::load)
            .await
            .map_err(ApiError::internal)?
    };
    loaded.map_err(ApiError::internal)
}

/// `GET /v1/games`: every game with limits, RTP, params and paytables.
#[utoipa::path(get, path = "/v1/games", tag = "games",
    responses((status = 200, description = "`{games: [...]}`: every game with its kind, limits per currency, RTP (and RTP variants), parameters and paytables; slots from their YAML definitions")))]
pub async fn list(State(state): State<GamesState>) -> Result<Json<Value>, ApiError> {
    let cat = catalogue_ready().await?;
    let games: Vec<Value> = cat
        .games
        .iter()
        .map(|(id, body)| catalogue::entry(id, body, &state.games.config))
        .collect();
    Ok(Json(json!({ "games": games })))
}

/// `GET /v1/games/{game}`.
#[utoipa::path(get, path = "/v1/games/{game}", tag = "games",
    params(("game" = String, Path, description = "Game id, e.g. `dice`")),
    responses((status = 200, description = "One catalogue entry (same shape as an item of `GET /v1/games`)"),
        (status = 404, description = "`game_not_found`", body = api::ErrorEnvelope)))]
pub async fn one(
    State(state): State<GamesState>,
    Path(game): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let cat = catalogue_ready().await?;
    cat.games
        .iter()
        .find(|(id, _)| *id == game)
        .map(|(id, body)| Json(catalogue::entry(id, body, &state.games.config)))
        .ok_or_else(|| {
            ApiError::with_message(
                ErrorCode::GameNotFound,
                format!("There is no game `{game}`."),
            )
        })
}

/// Body of `POST /v1/games/{game}/bets`; `amount` is checked by hand so a string or a fraction
/// is an `invalid_field` naming it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BetBody {
    /// Stake in integer minor units (`100` = 1.00 PLAY).
    #[schema(value_type = u64)]
    amount: Value,
    /// Currency code, e.g. `PLAY`.
    currency: String,
    /// Game parameters, e.g. dice `{"target": 50.5, "direction": "over"}` (docs/games-api.md).
    #[serde(default)]
    #[schema(value_type = Object)]
    params: Value,
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v.to_str().ok().map(str::trim).unwrap_or_default();
    let ok = !key.is_empty()
        && key.len() <= IDEMPOTENCY_KEY_BYTES_MAX
        && key.bytes().all(|b| b.is_ascii_graphic());
    if !ok {
        return Err(ApiError::field(
            "Idempotency-Key",
            format!(
                "The Idempotency-Key header must be 1 to {IDEMPOTENCY_KEY_BYTES_MAX} printable ASCII characters."
            ),
        ));
    }
    Ok(Some(key.to_owned()))
}

fn parse_amount(v: &Value) -> Result<u64, ApiError> {
    v.as_u64().filter(|a| *a > 0).ok_or_else(|| {
        ApiError::field(
            "amount",
            "Field `amount` must be a positive integer count of minor units (e.g. 100 = 1.00 PLAY).",
        )
    })
}

/// `POST /v1/games/{game}/bets`.
#[utoipa::path(post, path = "/v1/games/{game}/bets", tag = "games", security(("bearer" = [])),
    params(("game" = String, Path, description = "Game id"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 64 printable ASCII characters; same key and body replay the original response, same key and another body is 409 `idempotency_conflict`")),
    request_body = BetBody,
    responses((status = 200, description = "`{bet_id, outcome, multiplier, payout, balance, provably_fair: {server_seed_hash, client_seed, nonce}}` (multi-step games: the open round)"),
        (status = 400, description = "`invalid_field`, `unsupported_currency`, `amount_out_of_range`", body = api::ErrorEnvelope),
        (status = 401, body = api::ErrorEnvelope),
        (status = 403, description = "Responsible-gaming limits: `bet_limit_exceeded`, `loss_limit_reached`, `session_limit_reached`, `self_excluded`", body = api::ErrorEnvelope),
        (status = 404, description = "`game_not_found`", body = api::ErrorEnvelope),
        (status = 409, description = "`insufficient_funds`, `idempotency_conflict`, `round_open`", body = api::ErrorEnvelope)))]
pub async fn bet(
    State(state): State<GamesState>,
    user: AuthUser,
    Path(game): Path<String>,
    headers: HeaderMap,
    ValidJson(body): ValidJson<BetBody>,
) -> Result<Json<Value>, ApiError> {
    let key = idempotency_key(&headers)?;
    let amount = parse_amount(&body.amount)?;
    if let Some(session) = user.session
        && body.currency != session.currency
    {
        return Err(ApiError {
            field: Some("currency".into()),
            ..ApiError::with_message(
                ErrorCode::SessionCurrencyMismatch,
                format!(
                    "This game session plays in {}; bets in other currencies are refused.",
                    session.currency
                ),
            )
        });
    }
    let req = BetRequest {
        game,
        amount,
        currency: body.currency,
        params: body.params,
        idempotency_key: key,
    };
    super::place_bet(&state, user.user_id, req).await.map(Json)
}

fn round_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::with_message(ErrorCode::NotFound, "There is no such round."))
}

/// `POST /v1/games/{game}/rounds/{id}/actions`.
#[utoipa::path(post, path = "/v1/games/{game}/rounds/{id}/actions", tag = "games", security(("bearer" = [])),
    params(("game" = String, Path, description = "Game id (`mines`, `hilo`, `blackjack`)"),
        ("id" = String, Path, description = "Round id (the `bet_id` of the opening bet)")),
    request_body(content = Object, description = "`{action, ...}`: mines `{\"action\": \"reveal\", \"tile\": 0..24}` or `cash_out`; hilo `{\"action\": \"guess\", \"guess\": \"higher\"|\"lower\"|\"same\"|\"skip\"}` or `cash_out`; blackjack `hit`, `stand`, `double`, `split`, `{\"action\": \"insurance\", \"take\": bool}`"),
    responses((status = 200, description = "The round after the action; when it settles, its payout and balance"),
        (status = 400, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope),
        (status = 404, description = "`game_not_found` or no such round", body = api::ErrorEnvelope),
        (status = 409, description = "`illegal_action`", body = api::ErrorEnvelope)))]
pub async fn action(
    State(state): State<GamesState>,
    user: AuthUser,
    Path((game, id)): Path<(String, String)>,
    ValidJson(body): ValidJson<Value>,
) -> Result<Json<Value>, ApiError> {
    if !body.is_object() || body.get("action").and_then(Value::as_str).is_none() {
        if catalogue::kind_of(&game).is_none() {
            return Err(ApiError::with_message(
                ErrorCode::GameNotFound,
                format!("There is no game `{game}`."),
            ));
        }
        return Err(ApiError::field("action", "Field `action` is required."));
    }
    let id = round_id(&id)?;
    super::round_action(&state, user.user_id, &game, id, Some(&body))
        .await
        .map(Json)
}

/// `GET /v1/games/{game}/rounds/active`.
#[utoipa::path(get, path = "/v1/games/{game}/rounds/active", tag = "games", security(("bearer" = [])),
    params(("game" = String, Path, description = "Game id")),
    responses((status = 200, description = "The player's open round of this game"),
        (status = 401, body = api::ErrorEnvelope), (status = 404, description = "`not_found` (no open round) or `game_not_found`", body = api::ErrorEnvelope)))]
pub async fn active(
    State(state): State<GamesState>,
    user: AuthUser,
    Path(game): Path<String>,
) -> Result<Json<Value>, ApiError> {
    super::active_round(&state, user.user_id, &game)
        .await
        .map(Json)
}

/// `GET /v1/fair/seeds`.
#[utoipa::path(get, path = "/v1/fair/seeds", tag = "fair", security(("bearer" = [])),
    responses((status = 200, description = "`{server_seed_hash, next_server_seed_hash, client_seed, nonce}`"),
        (status = 401, body = api::ErrorEnvelope)))]
pub async fn seeds(
    State(state): State<GamesState>,
    user: AuthUser,
) -> Result<Json<Value>, ApiError> {
    super::seeds(&state, user.user_id).await.map(Json)
}

/// `PUT /v1/fair/client-seed`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientSeedBody {
    /// 1 to 64 printable ASCII characters without `:`.
    client_seed: String,
}

/// `PUT /v1/fair/client-seed`: a new client seed starts a new pair (the old seed is revealed).
#[utoipa::path(put, path = "/v1/fair/client-seed", tag = "fair", security(("bearer" = [])),
    request_body = ClientSeedBody,
    responses((status = 200, description = "Like `POST /v1/fair/rotate`: `{revealed, active}` with the new client seed"),
        (status = 400, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope),
        (status = 409, description = "`round_open`", body = api::ErrorEnvelope)))]
pub async fn client_seed(
    State(state): State<GamesState>,
    user: AuthUser,
    ValidJson(body): ValidJson<ClientSeedBody>,
) -> Result<Json<Value>, ApiError> {
    if fair::ClientSeed::parse(&body.client_seed).is_err() {
        return Err(ApiError::field(
            "client_seed",
            "The client seed must be 1 to 64 printable ASCII characters without `:`.",
        ));
    }
    super::rotate(&state, user.user_id, Some(&body.client_seed))
        .await
        .map(Json)
}

/// `POST /v1/fair/rotate`.
#[utoipa::path(post, path = "/v1/fair/rotate", tag = "fair", security(("bearer" = [])),
    responses((status = 200, description = "`{revealed: {server_seed, server_seed_hash, client_seed, nonce}, active: {server_seed_hash, next_server_seed_hash, client_seed, nonce}}`"),
        (status = 401, body = api::ErrorEnvelope), (status = 409, description = "`round_open`: a multi-step round is open", body = api::ErrorEnvelope)))]
pub async fn rotate(
    State(state): State<GamesState>,
    user: AuthUser,
) -> Result<Json<Value>, ApiError> {
    super::rotate(&state, user.user_id, None).await.map(Json)
}

/// Query of `GET /v1/bets`.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    cursor: Option<String>,
    game: Option<String>,
    limit: Option<String>,
}

/// `GET /v1/bets?cursor=&game=&limit=`: newest first.
#[utoipa::path(get, path = "/v1/bets", tag = "games", security(("bearer" = [])),
    params(("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
        ("game" = Option<String>, Query, description = "Only this game"),
        ("limit" = Option<u32>, Query, description = "1..=100, default 20")),
    responses((status = 200, description = "`{items, next_cursor}`, newest first; an item's server seed appears once revealed"),
        (status = 400, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope),
        (status = 404, description = "`game_not_found`", body = api::ErrorEnvelope)))]
pub async fn history(
    State(state): State<GamesState>,
    user: AuthUser,
    query: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(|e| {
        ApiError::with_message(
            ErrorCode::InvalidField,
            format!("The query string is invalid: {e}."),
        )
    })?;
    let before =
        match q.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(c.parse::<i64>().map_err(|_| {
                ApiError::field("cursor", "The cursor must be a `next_cursor` value.")
            })?),
        };
    let limit = match q.limit.as_deref() {
        None => 20,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=HISTORY_PAGE_MAX).contains(l))
            .ok_or_else(|| {
                ApiError::field("limit", format!("The limit is 1 to {HISTORY_PAGE_MAX}."))
            })?,
    };
    if let Some(g) = q.game.as_deref()
        && catalogue::kind_of(g).is_none()
    {
        return Err(ApiError::with_message(
            ErrorCode::GameNotFound,
            format!("There is no game `{g}`."),
        ));
    }
    let rows = state
        .store
        .bets_page(user.user_id, q.game.as_deref(), before, limit + 1)
        .await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    let items: Vec<Value> = rows
        .iter()
        .take(usize::try_from(limit).unwrap_or(0))
        .map(super::history_item)
        .collect();
    let next_cursor = if more {
        items
            .last()
            .and_then(|i| i["bet_id"].as_str().map(str::to_owned))
    } else {
        None
    };
    Ok(Json(json!({ "items": items, "next_cursor": next_cursor })))
}

/// `GET /v1/bets/{id}`.
#[utoipa::path(get, path = "/v1/bets/{id}", tag = "games", security(("bearer" = [])),
    params(("id" = String, Path, description = "Bet id")),
    responses((status = 200, description = "One history item (the server seed once revealed)"),
        (status = 401, body = api::ErrorEnvelope), (status = 404, body = api::ErrorEnvelope)))]
pub async fn bet_by_id(
    State(state): State<GamesState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let not_found = || ApiError::with_message(ErrorCode::NotFound, "There is no such bet.");
    let id = id.parse::<i64>().map_err(|_| not_found())?;
    match state.store.bet_by_id(user.user_id, id).await {
        Ok(b) => Ok(Json(super::history_item(&b))),
        Err(e) if e.is_not_found() => Err(not_found()),
        Err(e) => Err(e.into()),
    }
}

/// `GET /v1/me/limits`.
#[utoipa::path(get, path = "/v1/me/limits", tag = "games", security(("bearer" = [])),
    responses((status = 200, description = "The player's responsible-gaming limits, scheduled changes and today's loss"),
        (status = 401, body = api::ErrorEnvelope)))]
pub async fn get_limits(
    State(state): State<GamesState>,
    user: AuthUser,
) -> Result<Json<Value>, ApiError> {
    super::get_limits(&state, user.user_id).await.map(Json)
}

/// `PUT /v1/me/limits`.
#[utoipa::path(put, path = "/v1/me/limits", tag = "games", security(("bearer" = [])),
    request_body = limits::LimitsUpdate,
    responses((status = 200, description = "The limits after the update (raising a limit takes effect after the cool-off)"),
        (status = 400, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
pub async fn put_limits(
    State(state): State<GamesState>,
    user: AuthUser,
    ValidJson(body): ValidJson<limits::LimitsUpdate>,
) -> Result<Json<Value>, ApiError> {
    super::put_limits(&state, user.user_id, &body)
        .await
        .map(Json)
}

/// Query of `GET /v1/activity`.
#[derive(Debug, Deserialize)]
pub struct ActivityQuery {
    game: Option<String>,
}

/// `GET /v1/activity?game=`: the last sampled bets (public, names masked).
#[utoipa::path(get, path = "/v1/activity", tag = "games",
    params(("game" = Option<String>, Query, description = "Only this game")),
    responses((status = 200, description = "`{items}`: the last sampled settled bets (up to 200 per game), player names masked"),
        (status = 400, body = api::ErrorEnvelope), (status = 404, description = "`game_not_found`", body = api::ErrorEnvelope)))]
pub async fn activity(
    State(state): State<GamesState>,
    query: Result<Query<ActivityQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(|e| {
        ApiError::with_message(
            ErrorCode::InvalidField,
            format!("The query string is invalid: {e}."),
        )
    })?;
    if let Some(g) = q.game.as_deref()
        && catalogue::kind_of(g).is_none()
    {
        return Err(ApiError::with_message(
            ErrorCode::GameNotFound,
            format!("There is no game `{g}`."),
        ));
    }
    Ok(Json(
        json!({ "items": state.games.feed.recent(q.game.as_deref()) }),
    ))
}
