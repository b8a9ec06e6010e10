//! Operator API routes: admin creation and key rotation of operators, and the HMAC-signed
//! endpoints operators call (sessions; deposits, withdrawals and balances in internal mode).

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::routing::{get, post};
use ledger::chart::{self, AccountKind, TransferKind};
use ledger::{BALANCE_MAX, CreateTransferResult, Transfer, TransferFlags};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::operator::{NewOperator, OperatorRecord, OperatorSession};

use std::sync::Arc;

use api::error::{ApiError, ErrorCode};
use api::extract::{AuthUser, JsonBody, parse_json};
use api::ids::IdGenerator;
use api::{Auth, token as auth};
use wallet::Wallet;

use crate::{Mode, OperatorHub, sign};

api::service_state!(
    /// What the operator API's handlers share.
    OperatorState over OperatorDeps
);

/// The parts of [`OperatorState`].
pub struct OperatorDeps {
    /// The database.
    pub store: Arc<dyn store::Store>,
    /// Id generator for this node.
    pub ids: Arc<IdGenerator>,
    /// Token issuing and checks.
    pub auth: Arc<Auth>,
    /// Operators' wallets, caches and the outbox worker.
    pub operators: Arc<OperatorHub>,
    /// The internal ledger wallet (internal-mode deposits, withdrawals and balances).
    pub wallet: Arc<Wallet>,
    /// The node's bus (operators' events go to the durable stream).
    pub bus: Arc<dyn bus::Bus>,
}

/// The operator API's OpenAPI paths.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create_operator,
    rotate_secret,
    create_session,
    revoke_session,
    deposit,
    withdraw,
    balance
))]
pub struct OperatorApi;

/// Longest operator id.
const OPERATOR_ID_CHARS_MAX: usize = 64;
/// Longest player id, transaction id or game id an operator may send.
const EXTERNAL_ID_CHARS_MAX: usize = 128;
/// Longest URL accepted (wallet URL, return URL).
const URL_CHARS_MAX: usize = 2_048;
/// Shortest operator secret.
const SECRET_CHARS_MIN: usize = 32;
/// Longest overlap of a rotated-out secret.
const OVERLAP_SECS_MAX: u64 = 30 * 24 * 3600;

/// The operator API's routes (signed endpoints are not behind the per-IP limiter: operators call
/// from a few servers, and the signature is their authentication).
pub fn routes() -> Router<OperatorState> {
    Router::new()
        .route("/v1/admin/operators", post(create_operator))
        .route(
            "/v1/admin/operators/{id}/rotate-secret",
            post(rotate_secret),
        )
        .route("/v1/operator/sessions", post(create_session))
        .route("/v1/operator/sessions/revoke", post(revoke_session))
        .route("/v1/operator/players/{player_id}/deposit", post(deposit))
        .route("/v1/operator/players/{player_id}/withdraw", post(withdraw))
        .route("/v1/operator/players/{player_id}/balance", get(balance))
}

/// A request whose signature checked out: the operator and the raw body.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The calling operator.
    pub operator: OperatorRecord,
    /// The raw body (what was signed).
    pub body: Bytes,
}

fn coded(code: ErrorCode, message: impl Into<String>) -> ApiError {
    ApiError::with_message(code, message)
}

fn header(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl FromRequest<OperatorState> for Signed {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &OperatorState) -> Result<Self, Self::Rejection> {
        let (Some(operator_id), Some(ts), Some(nonce), Some(signature)) = (
            header(req.headers(), sign::OPERATOR_ID_HEADER),
            header(req.headers(), sign::TIMESTAMP_HEADER),
            header(req.headers(), sign::NONCE_HEADER),
            header(req.headers(), sign::SIGNATURE_HEADER),
        ) else {
            return Err(coded(
                ErrorCode::SignatureMissing,
                "The X-Operator-Id, X-Timestamp, X-Nonce and X-Signature headers are required.",
            ));
        };
        let cfg = &state.operators.config;
        let ts: i64 = ts.parse().map_err(|_| {
            coded(
                ErrorCode::TimestampOutOfWindow,
                "X-Timestamp must be the unix time in seconds.",
            )
        })?;
        let now = state.auth.clock.now_secs();
        let window = i64::try_from(cfg.signature_window_secs).unwrap_or(300);
        let skew = i64::try_from(cfg.clock_skew_secs).unwrap_or(30);
        if now.saturating_sub(ts) > window {
            return Err(coded(
                ErrorCode::TimestampOutOfWindow,
                format!("The request is older than {window} seconds."),
            ));
        }
        if ts.saturating_sub(now) > skew {
            return Err(coded(
                ErrorCode::TimestampOutOfWindow,
                "The request timestamp is in the future.",
            ));
        }
        if !sign::nonce_is_valid(&nonce) {
            return Err(coded(
                ErrorCode::SignatureInvalid,
                "X-Nonce must be 16 to 64 characters of A-Z, a-z, 0-9, _ and -, new for every request.",
            ));
        }
        // The target as the client sent it (a router that nests would strip its prefix from
        // `uri()`; `OriginalUri` keeps it).
        let method = req.method().as_str().to_owned();
        let target = req
            .extensions()
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| req.uri().clone(), |o| o.0.clone());
        let path_and_query = target
            .path_and_query()
            .map_or_else(|| target.path().to_owned(), |p| p.as_str().to_owned());
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::new(ErrorCode::PayloadTooLarge))?;
        let operator = match state.store.operators().operator_by_id(&operator_id).await {
            Ok(op) => op,
            Err(e) if e.is_not_found() => {
                return Err(coded(
                    ErrorCode::UnknownOperator,
                    "X-Operator-Id names no operator.",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let signed = sign::Signed {
            timestamp: ts,
            nonce: &nonce,
            method: &method,
            path_and_query: &path_and_query,
            body: &body,
        };
        let now_ms = state.auth.clock.now_ms();
        let current = signed.verify(&operator.secret, &signature);
        let previous = !current
            && operator.previous_valid_until_ms.is_some_and(|t| now_ms < t)
            && operator
                .previous_secret
                .as_deref()
                .is_some_and(|s| signed.verify(s, &signature));
        if !current && !previous {
            return Err(coded(
                ErrorCode::SignatureInvalid,
                "X-Signature must be the lowercase hex HMAC-SHA256 of \"{timestamp}.{nonce}.{METHOD}.{path with query}.{body}\" under the operator's secret.",
            ));
        }
        // Remembered until the timestamp leaves the window: after that the timestamp check
        // refuses it anyway.
        let expires = ts
            .saturating_add(window)
            .saturating_add(1)
            .saturating_mul(1000);
        if !state
            .store
            .operators()
            .record_nonce(&operator.id, &nonce, expires)
            .await?
        {
            return Err(coded(
                ErrorCode::SignatureReplayed,
                "This nonce was already used; send every request with a new X-Nonce.",
            ));
        }
        Ok(Self { operator, body })
    }
}

/// `POST /v1/admin/operators`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOperatorRequest {
    /// Operator id: 1 to 64 of `a-z 0-9 _ -`.
    pub id: String,
    /// Display name (defaults to the id).
    pub name: Option<String>,
    /// `internal` or `seamless`.
    pub mode: Mode,
    /// Base URL of the operator's wallet (required in seamless mode).
    pub wallet_url: Option<String>,
    /// Currency symbols the operator may use.
    pub currencies: Vec<String>,
    /// The HMAC secret (at least 32 characters); generated when absent.
    pub secret: Option<String>,
}

/// An operator as the admin API shows it (the secret only on creation and rotation).
#[derive(Debug, Serialize)]
pub struct OperatorView {
    id: String,
    name: String,
    mode: String,
    wallet_url: Option<String>,
    currencies: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_secret_valid_until: Option<i64>,
    created_at: i64,
}

fn view(op: &OperatorRecord, with_secret: bool) -> OperatorView {
    OperatorView {
        id: op.id.clone(),
        name: op.name.clone(),
        mode: op.mode.clone(),
        wallet_url: op.wallet_url.clone(),
        currencies: op.currencies.clone(),
        secret: with_secret.then(|| op.secret.clone()),
        previous_secret_valid_until: op.previous_valid_until_ms.map(|t| t / 1000),
        created_at: op.created_at_ms / 1000,
    }
}

async fn require_admin(state: &OperatorState, user: AuthUser) -> Result<(), ApiError> {
    state
        .auth
        .require_admin(
            state.store.as_ref(),
            user,
            "Only administrators may manage operators.",
        )
        .await
        .map(drop)
}

fn valid_url(raw: &str, field: &str) -> Result<String, ApiError> {
    let raw = raw.trim();
    let ok = raw.len() <= URL_CHARS_MAX
        && reqwest::Url::parse(raw)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::field(
            field,
            format!("Field `{field}` must be an http:// or https:// URL."),
        ))
    }
}

fn valid_secret(secret: Option<&str>) -> Result<String, ApiError> {
    match secret {
        Some(s) if s.chars().count() >= SECRET_CHARS_MIN && s.len() <= 256 => Ok(s.to_owned()),
        Some(_) => Err(ApiError::field(
            "secret",
            format!("Field `secret` must have {SECRET_CHARS_MIN} to 256 characters."),
        )),
        None => Ok(auth::random_hex(32)),
    }
}

/// Creates an operator (admins only). The answer carries the secret.
#[utoipa::path(post, path = "/v1/admin/operators", tag = "operator", security(("bearer" = [])),
    request_body = CreateOperatorRequest, responses(
    (status = 200, description = "The operator, with its secret"), (status = 400, body = api::ErrorEnvelope),
    (status = 403, body = api::ErrorEnvelope), (status = 409, body = api::ErrorEnvelope)))]
pub async fn create_operator(
    State(state): State<OperatorState>,
    user: AuthUser,
    body: JsonBody,
) -> Result<Json<OperatorView>, ApiError> {
    require_admin(&state, user).await?;
    let req: CreateOperatorRequest = body.parse()?;
    let id = req.id.trim().to_owned();
    if id.is_empty()
        || id.len() > OPERATOR_ID_CHARS_MAX
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        return Err(ApiError::field(
            "id",
            "Field `id` must be 1 to 64 of lowercase letters, digits, `_` and `-`.",
        ));
    }
    let wallet_url = match (req.mode, req.wallet_url.as_deref()) {
        (_, Some(u)) => {
            let url = valid_url(u, "wallet_url")?;
            if !crate::wallet_url_allowed(&state.operators.config, &url) {
                return Err(ApiError::field(
                    "wallet_url",
                    "Field `wallet_url` must be an https:// URL (plain http:// is accepted only \
                     when the server sets operator.allow_insecure_wallet_http).",
                ));
            }
            Some(url)
        }
        (Mode::Seamless, None) => {
            return Err(ApiError::field(
                "wallet_url",
                "Field `wallet_url` is required in seamless mode.",
            ));
        }
        (Mode::Internal, None) => None,
    };
    let mut currencies: Vec<String> = Vec::new();
    for (i, c) in req.currencies.iter().enumerate() {
        let c = c.trim();
        if ledger::currency::by_symbol(c).is_none() {
            return Err(ApiError::field(
                format!("currencies[{i}]"),
                "Each currency must be a known currency symbol such as EUR.",
            ));
        }
        if !currencies.iter().any(|x| x == c) {
            currencies.push(c.to_owned());
        }
    }
    if currencies.is_empty() {
        return Err(ApiError::field(
            "currencies",
            "Field `currencies` must name at least one currency.",
        ));
    }
    let name = req
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&id)
        .chars()
        .take(100)
        .collect();
    let secret = valid_secret(req.secret.as_deref())?;
    let op = state
        .store
        .operators()
        .create_operator(&NewOperator {
            id,
            name,
            mode: req.mode.as_str().to_owned(),
            wallet_url,
            currencies,
            secret,
            now_ms: state.auth.clock.now_ms(),
        })
        .await
        .map_err(|e| {
            if e.is_conflict() {
                coded(ErrorCode::Conflict, "An operator with this id exists.")
            } else {
                e.into()
            }
        })?;
    tracing::info!(target: "audit", admin_id = user.user_id, operator_id = %op.id, "operator created");
    Ok(Json(view(&op, true)))
}

/// `POST /v1/admin/operators/{id}/rotate-secret`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// How long the old secret stays valid (default `operator.key_overlap_secs`).
    pub overlap_secs: Option<u64>,
    /// The new secret (generated when absent).
    pub secret: Option<String>,
}

/// Replaces an operator's secret; the old one stays valid for the overlap (admins only).
#[utoipa::path(post, path = "/v1/admin/operators/{id}/rotate-secret", tag = "operator",
    security(("bearer" = [])), params(("id" = String, Path, description = "Operator id")),
    request_body = RotateRequest, responses(
    (status = 200, description = "The operator, with its new secret and `previous_secret_valid_until`"),
    (status = 403, body = api::ErrorEnvelope), (status = 404, body = api::ErrorEnvelope)))]
pub async fn rotate_secret(
    State(state): State<OperatorState>,
    user: AuthUser,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<OperatorView>, ApiError> {
    require_admin(&state, user).await?;
    let req: RotateRequest = body.parse()?;
    let overlap = req
        .overlap_secs
        .unwrap_or(state.operators.config.key_overlap_secs);
    if overlap > OVERLAP_SECS_MAX {
        return Err(ApiError::field(
            "overlap_secs",
            format!("Field `overlap_secs` must be at most {OVERLAP_SECS_MAX}."),
        ));
    }
    let secret = valid_secret(req.secret.as_deref())?;
    let now = state.auth.clock.now_ms();
    let until = now.saturating_add(i64::try_from(overlap).unwrap_or(0).saturating_mul(1000));
    let op = state
        .store
        .operators()
        .rotate_operator_secret(&id, &secret, until, now)
        .await
        .map_err(|e| {
            if e.is_not_found() {
                coded(ErrorCode::NotFound, "There is no operator with this id.")
            } else {
                e.into()
            }
        })?;
    state.operators.invalidate(&op.id);
    state.auth.announce(api::auth::PeerNote::OperatorChanged {
        operator_id: op.id.clone(),
    });
    tracing::info!(target: "audit", admin_id = user.user_id, operator_id = %op.id, overlap, "operator secret rotated");
    Ok(Json(view(&op, true)))
}

/// `POST /v1/operator/sessions`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SessionRequest {
    /// The operator's player id.
    pub player_id: String,
    /// Currency symbol.
    pub currency: String,
    /// Game id.
    pub game: String,
    /// Language tag, e.g. `en` or `zh-CN`.
    pub language: String,
    /// Where the game sends the player back.
    pub return_url: String,
}

fn external_id(raw: &str, field: &str) -> Result<String, ApiError> {
    let v = raw.trim();
    if v.is_empty()
        || v.chars().count() > EXTERNAL_ID_CHARS_MAX
        || v.chars().any(|c| c.is_control() || c == '/')
    {
        return Err(ApiError::field(
            field,
            format!(
                "Field `{field}` must have 1 to {EXTERNAL_ID_CHARS_MAX} printable characters (no `/`)."
            ),
        ));
    }
    Ok(v.to_owned())
}

fn allowed_currency(op: &OperatorRecord, currency: &str) -> Result<u32, ApiError> {
    let c = currency.trim();
    let known = ledger::currency::by_symbol(c).ok_or_else(|| {
        ApiError::field(
            "currency",
            "Field `currency` must be a known currency symbol such as EUR.",
        )
    })?;
    if !op.currencies.iter().any(|x| x == c) {
        return Err(ApiError {
            field: Some("currency".into()),
            ..coded(
                ErrorCode::CurrencyNotAllowed,
                format!("The currency {c} is not enabled for this operator."),
            )
        });
    }
    Ok(known.ledger)
}

/// Maps an operator's player to an internal account (created on first use).
async fn link(
    state: &OperatorState,
    op: &OperatorRecord,
    player_id: &str,
) -> Result<store::operator::OperatorPlayer, ApiError> {
    let display: String = format!("{}:{}", op.id, player_id)
        .chars()
        .take(32)
        .collect();
    let (link, created) = state
        .store
        .operators()
        .link_player(
            &op.id,
            player_id,
            &store::NewUser {
                id: state.ids.next_id(),
                email: None,
                password_hash: None,
                display_name: display,
                is_guest: false,
                now_ms: state.auth.clock.now_ms(),
            },
        )
        .await?;
    if created {
        tracing::info!(operator_id = %op.id, user_id = link.user_id, "operator player linked");
    }
    Ok(link)
}

/// Opens a game session for an operator's player: a session-scoped access token and the launch URL.
#[utoipa::path(post, path = "/v1/operator/sessions", tag = "operator", request_body = SessionRequest,
    description = "HMAC-signed: X-Operator-Id, X-Timestamp, X-Nonce, X-Signature (docs/operator-integration.md).",
    responses((status = 200, description = "`{session_token, launch_url, player_id, internal_player_id, expires_at}`"),
    (status = 400, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope)))]
pub async fn create_session(
    State(state): State<OperatorState>,
    signed: Signed,
) -> Result<Json<Value>, ApiError> {
    let req: SessionRequest = parse_json(&signed.body)?;
    let op = signed.operator;
    let player_id = external_id(&req.player_id, "player_id")?;
    let ledger_code = allowed_currency(&op, &req.currency)?;
    let game = req.game.trim();
    if game.is_empty()
        || game.len() > 64
        || !game
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        return Err(ApiError::field(
            "game",
            "Field `game` must be a game id such as dice.",
        ));
    }
    let language = req.language.trim();
    if language.is_empty()
        || language.len() > 16
        || !language
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(ApiError::field(
            "language",
            "Field `language` must be a language tag such as en or zh-CN.",
        ));
    }
    let return_url = valid_url(&req.return_url, "return_url")?;
    let player = link(&state, &op, &player_id).await?;
    if Mode::parse(&op.mode) == Some(Mode::Internal) {
        state
            .wallet
            .open_wallet(player.user_id, ledger_code)
            .await?;
    }
    let now = state.auth.clock.now_secs();
    let token = state
        .auth
        .keys
        .issue_operator_session(player.user_id, &op.id, now)?;
    let expires = now + state.auth.keys.access_ttl_secs;
    state
        .store
        .operators()
        .create_session(&OperatorSession {
            token_hash: auth::token_hash(&token),
            operator_id: op.id.clone(),
            user_id: player.user_id,
            currency: req.currency.trim().to_owned(),
            game: game.to_owned(),
            language: language.to_owned(),
            return_url,
            created_at_ms: now * 1000,
            expires_at_ms: expires * 1000,
            revoked_at_ms: None,
        })
        .await?;
    let base = state.operators.config.public_base_url.trim_end_matches('/');
    Ok(Json(json!({
        "session_token": token,
        "launch_url": format!("{base}/play/{game}?token={token}&lang={language}"),
        "player_id": player.player_id,
        "internal_player_id": player.user_id.to_string(),
        "expires_at": expires,
    })))
}

/// `POST /v1/operator/sessions/revoke`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RevokeRequest {
    /// The `session_token` of `POST /v1/operator/sessions`.
    pub session_token: String,
}

/// Longest session token accepted by the revocation (ours are a few hundred bytes).
const SESSION_TOKEN_BYTES_MAX: usize = 4_096;

/// Ends a session: its token is refused from now on (on other server nodes within 5 s). Wins and
/// rollbacks of its rounds are still delivered. Revoking twice answers the first revocation.
#[utoipa::path(post, path = "/v1/operator/sessions/revoke", tag = "operator", request_body = RevokeRequest,
    description = "HMAC-signed (docs/operator-integration.md).",
    responses((status = 200, description = "`{player_id, internal_player_id, currency, game, expires_at, revoked_at}`"),
    (status = 400, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope),
    (status = 404, body = api::ErrorEnvelope)))]
pub async fn revoke_session(
    State(state): State<OperatorState>,
    signed: Signed,
) -> Result<Json<Value>, ApiError> {
    let req: RevokeRequest = parse_json(&signed.body)?;
    let op = signed.operator;
    let token = req.session_token.trim();
    if token.is_empty() || token.len() > SESSION_TOKEN_BYTES_MAX {
        return Err(ApiError::field(
            "session_token",
            "Field `session_token` must be a session token of this operator.",
        ));
    }
    let hash = auth::token_hash(token);
    let not_found = || coded(ErrorCode::NotFound, "There is no such session.");
    let ops = state.store.operators();
    // Another operator's session is "not found": its existence is not theirs to learn.
    match ops.session_by_token_hash(&hash).await {
        Ok(s) if s.operator_id == op.id => {}
        Ok(_) => return Err(not_found()),
        Err(e) if e.is_not_found() => return Err(not_found()),
        Err(e) => return Err(e.into()),
    }
    let session = ops.revoke_session(&hash, state.auth.clock.now_ms()).await?;
    state.operators.forget_session(&hash);
    state.auth.announce(api::auth::PeerNote::SessionRevoked {
        token_hash: hash.clone(),
    });
    let player = ops.player_by_user(session.user_id).await?;
    tracing::info!(
        target: "audit",
        operator_id = %op.id,
        user_id = session.user_id,
        "operator session revoked"
    );
    Ok(Json(json!({
        "player_id": player.player_id,
        "internal_player_id": session.user_id.to_string(),
        "currency": session.currency,
        "game": session.game,
        "expires_at": session.expires_at_ms / 1000,
        "revoked_at": session.revoked_at_ms.map(|t| t / 1000),
    })))
}

/// `POST /v1/operator/players/{player_id}/deposit|withdraw`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MoneyRequest {
    /// Minor units, at least 1.
    pub amount: u64,
    /// Currency symbol.
    pub currency: String,
    /// The operator's transaction id: the idempotency key.
    pub tx_id: String,
}

fn require_internal(op: &OperatorRecord) -> Result<(), ApiError> {
    if Mode::parse(&op.mode) == Some(Mode::Internal) {
        Ok(())
    } else {
        Err(coded(
            ErrorCode::OperatorModeMismatch,
            "This operator runs in seamless mode: its players' money stays in its own wallet.",
        ))
    }
}

/// The ledger transfer id of an operator's transaction: the same `(operator, tx_id)` always names
/// the same transfer, so a retry answers the original and a reuse for another call is refused.
pub fn operator_transfer_id(operator_id: &str, tx_id: &str, part: u8) -> u128 {
    let digest = Sha256::digest(format!(
        "playhouse-operator-tx\0{operator_id}\0{tx_id}\0{part}"
    ));
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    (u128::from_be_bytes(first) & !chart::SYSTEM_ID_BIT).max(1)
}

async fn settlement_account(
    state: &OperatorState,
    op: &OperatorRecord,
    ledger_code: u32,
) -> Result<u128, ApiError> {
    let index = u32::try_from(op.settlement_index)
        .map_err(|_| ApiError::internal("settlement index out of range"))?;
    let id = chart::system_account_id(AccountKind::OperatorSettlement, ledger_code, index);
    if !state.operators.account_opened(id) {
        let results = state
            .wallet
            .pipeline
            .create_accounts(vec![
                AccountKind::OperatorSettlement.account(id, ledger_code),
            ])
            .await?;
        match results.first() {
            Some(ledger::CreateAccountResult::Ok | ledger::CreateAccountResult::Exists) => {
                state.operators.mark_account_opened(id);
            }
            other => return Err(ApiError::internal(format!("settlement account: {other:?}"))),
        }
    }
    Ok(id)
}

async fn wallet_balance(
    state: &OperatorState,
    user_id: i64,
    ledger_code: u32,
) -> Result<(i64, i64), ApiError> {
    let accounts = state.wallet.accounts(user_id).await?;
    let b = ledger::wallet::wallet_balances(&accounts)
        .into_iter()
        .find(|b| b.ledger == ledger_code);
    let clamp = |v: i128| i64::try_from(v).unwrap_or(0);
    Ok(b.map_or((0, 0), |b| (clamp(b.balance), clamp(b.available))))
}

fn money_result(result: CreateTransferResult) -> Result<bool, ApiError> {
    match result {
        CreateTransferResult::Ok => Ok(true),
        CreateTransferResult::Exists => Ok(false),
        CreateTransferResult::ExceedsCredits => Err(coded(
            ErrorCode::InsufficientFunds,
            "The player's balance does not cover this withdrawal.",
        )),
        CreateTransferResult::IdAlreadyFailed => Err(coded(
            ErrorCode::Conflict,
            "This tx_id failed before (insufficient funds); use a new tx_id.",
        )),
        other if other.name().starts_with("exists_with_different") => Err(coded(
            ErrorCode::Conflict,
            "This tx_id was used before for a different request.",
        )),
        other => Err(ApiError::internal(format!(
            "operator transfer refused: {}",
            other.name()
        ))),
    }
}

async fn move_money(
    state: OperatorState,
    signed: Signed,
    player_id: String,
    deposit: bool,
) -> Result<Json<Value>, ApiError> {
    let op = signed.operator;
    require_internal(&op)?;
    let req: MoneyRequest = parse_json(&signed.body)?;
    let player_id = external_id(&player_id, "player_id")?;
    let tx_id = external_id(&req.tx_id, "tx_id")?;
    if req.amount == 0 || req.amount > BALANCE_MAX {
        return Err(ApiError::field(
            "amount",
            "Field `amount` must be a positive number of minor units.",
        ));
    }
    let ledger_code = allowed_currency(&op, &req.currency)?;
    let player = if deposit {
        link(&state, &op, &player_id).await?
    } else {
        match state
            .store
            .operators()
            .player_by_external(&op.id, &player_id)
            .await
        {
            Ok(p) => p,
            Err(e) if e.is_not_found() => {
                return Err(coded(ErrorCode::NotFound, "There is no such player."));
            }
            Err(e) => return Err(e.into()),
        }
    };
    let wallet = state
        .wallet
        .open_wallet(player.user_id, ledger_code)
        .await?;
    let settlement = settlement_account(&state, &op, ledger_code).await?;
    let id = operator_transfer_id(&op.id, &tx_id, 0);
    let index = u32::try_from(op.settlement_index).unwrap_or(0);
    let transfers = if deposit {
        let mut t = TransferKind::Deposit.transfer(id, settlement, wallet, req.amount, ledger_code);
        t.user_data_64 = player.user_id.cast_unsigned();
        t.user_data_32 = index;
        vec![t]
    } else {
        // Reserved and paid out at once: the operator already holds the money on its side.
        let mut pending = TransferKind::Withdrawal
            .transfer(id, wallet, settlement, req.amount, ledger_code)
            .flagged(TransferFlags::PENDING.with(TransferFlags::LINKED));
        pending.user_data_64 = player.user_id.cast_unsigned();
        pending.user_data_32 = index;
        let post = Transfer::post(
            operator_transfer_id(&op.id, &tx_id, 1),
            id,
            ledger::AMOUNT_MAX,
        );
        vec![pending, post]
    };
    let results = state.wallet.pipeline.create_transfers(transfers).await?;
    let first = results
        .first()
        .copied()
        .unwrap_or(CreateTransferResult::LinkedEventFailed);
    let created = money_result(first)?;
    if !created {
        // A retry: the stored transfer must be this request's (same amount and direction).
        let stored = state.wallet.ledger.lookup_transfers(&[id]).await?;
        let same = stored.first().is_some_and(|t| {
            t.amount == req.amount
                && if deposit {
                    t.credit_account_id == wallet
                } else {
                    t.debit_account_id == wallet
                }
        });
        if !same {
            return Err(coded(
                ErrorCode::Conflict,
                "This tx_id was used before for a different request.",
            ));
        }
    }
    let (balance, available) = wallet_balance(&state, player.user_id, ledger_code).await?;
    tracing::info!(
        target: "audit",
        operator_id = %op.id,
        user_id = player.user_id,
        tx_id = %tx_id,
        amount = req.amount,
        deposit,
        created,
        "operator money movement"
    );
    Ok(Json(json!({
        "tx_id": tx_id,
        "transfer_id": id.to_string(),
        "player_id": player.player_id,
        "currency": req.currency.trim(),
        "amount": req.amount,
        "created": created,
        "balance": balance,
        "available": available,
    })))
}

use ledger::LedgerStore as _;

/// Credits an operator's player (internal mode), idempotent per `tx_id`.
#[utoipa::path(post, path = "/v1/operator/players/{player_id}/deposit", tag = "operator",
    description = "HMAC-signed (docs/operator-integration.md).", request_body = MoneyRequest,
    params(("player_id" = String, Path, description = "The operator's player id")), responses(
    (status = 200, description = "`{tx_id, transfer_id, player_id, currency, amount, created, balance, available}`"),
    (status = 400, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope), (status = 409, body = api::ErrorEnvelope)))]
pub async fn deposit(
    State(state): State<OperatorState>,
    Path(player_id): Path<String>,
    signed: Signed,
) -> Result<Json<Value>, ApiError> {
    move_money(state, signed, player_id, true).await
}

/// Debits an operator's player (internal mode), idempotent per `tx_id`.
#[utoipa::path(post, path = "/v1/operator/players/{player_id}/withdraw", tag = "operator",
    description = "HMAC-signed (docs/operator-integration.md).", request_body = MoneyRequest,
    params(("player_id" = String, Path, description = "The operator's player id")), responses(
    (status = 200, description = "`{tx_id, transfer_id, player_id, currency, amount, created, balance, available}`"),
    (status = 400, body = api::ErrorEnvelope), (status = 401, body = api::ErrorEnvelope), (status = 404, body = api::ErrorEnvelope),
    (status = 409, body = api::ErrorEnvelope)))]
pub async fn withdraw(
    State(state): State<OperatorState>,
    Path(player_id): Path<String>,
    signed: Signed,
) -> Result<Json<Value>, ApiError> {
    move_money(state, signed, player_id, false).await
}

/// Query of `GET /v1/operator/players/{player_id}/balance`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BalanceQuery {
    /// Only this currency (default: every currency of the operator).
    pub currency: Option<String>,
}

/// An operator's player's balances (internal mode).
#[utoipa::path(get, path = "/v1/operator/players/{player_id}/balance", tag = "operator",
    description = "HMAC-signed over an empty body (docs/operator-integration.md).",
    params(("player_id" = String, Path, description = "The operator's player id"), BalanceQuery),
    responses((status = 200, description = "`{player_id, internal_player_id, balances: [{currency, balance, available}]}`"),
    (status = 401, body = api::ErrorEnvelope), (status = 404, body = api::ErrorEnvelope)))]
pub async fn balance(
    State(state): State<OperatorState>,
    Path(player_id): Path<String>,
    Query(q): Query<BalanceQuery>,
    signed: Signed,
) -> Result<Json<Value>, ApiError> {
    let op = signed.operator;
    require_internal(&op)?;
    let player_id = external_id(&player_id, "player_id")?;
    let player = match state
        .store
        .operators()
        .player_by_external(&op.id, &player_id)
        .await
    {
        Ok(p) => p,
        Err(e) if e.is_not_found() => {
            return Err(coded(ErrorCode::NotFound, "There is no such player."));
        }
        Err(e) => return Err(e.into()),
    };
    let wanted: Vec<String> = match q.currency.as_deref() {
        Some(c) => {
            allowed_currency(&op, c)?;
            vec![c.trim().to_owned()]
        }
        None => op.currencies.clone(),
    };
    let accounts = state.wallet.accounts(player.user_id).await?;
    let all = ledger::wallet::wallet_balances(&accounts);
    let clamp = |v: i128| i64::try_from(v).unwrap_or(0);
    let balances: Vec<Value> = wanted
        .iter()
        .map(|c| {
            let b = all.iter().find(|b| &b.symbol == c);
            json!({
                "currency": c,
                "balance": b.map_or(0, |b| clamp(b.balance)),
                "available": b.map_or(0, |b| clamp(b.available)),
            })
        })
        .collect();
    Ok(Json(json!({
        "player_id": player.player_id,
        "internal_player_id": player.user_id.to_string(),
        "balances": balances,
    })))
}
