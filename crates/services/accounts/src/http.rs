//! Accounts: guest sign-up, registration, login, token refresh and logout, and the profile.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use api::Auth;
use api::error::{ApiError, ErrorCode};
use api::extract::{AuthUser, ClientIp, ValidJson};
use api::ids::IdGenerator;
use api::token::{os_random, random_hex, token_hash};
use axum::routing::{get, post};

use crate::cookie::{self, CookieMode};
use crate::credentials as auth;
use crate::throttle::Throttle;

api::service_state!(
    /// What the accounts' handlers share.
    AccountsState over AccountsDeps
);

/// The parts of [`AccountsState`].
pub struct AccountsDeps {
    /// The database.
    pub store: Arc<dyn store::Store>,
    /// Id generator for this node.
    pub ids: Arc<IdGenerator>,
    /// Token issuing and checks.
    pub auth: Arc<Auth>,
    /// Opens a new account's wallet with its signup chips (the `wallet` port).
    pub signup: Arc<dyn wallet::SignupGrant>,
    /// Failed-login counters.
    pub throttle: Throttle,
    /// `Secure` on the refresh cookie (`auth.refresh_cookie_secure`).
    pub refresh_cookie_secure: bool,
}

/// Guest, registration, login, refresh, logout and `/v1/me`.
pub fn routes() -> axum::Router<AccountsState> {
    axum::Router::new()
        .route("/v1/auth/guest", post(guest))
        .route("/v1/auth/register", post(register))
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/refresh", post(refresh))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/me", get(me).patch(update_me))
}

/// The accounts' OpenAPI paths.
#[derive(utoipa::OpenApi)]
#[openapi(paths(guest, register, login, refresh, logout, me, update_me))]
pub struct AccountsApi;

/// The public view of an account.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// Time-ordered id, as a string (JavaScript numbers cannot hold 64 bits).
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Email, for registered accounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// True for guest accounts.
    pub is_guest: bool,
    /// Creation time, unix milliseconds.
    pub created_at_ms: i64,
}

impl From<store::UserRecord> for UserView {
    fn from(u: store::UserRecord) -> Self {
        Self {
            id: u.id.to_string(),
            display_name: u.display_name,
            email: u.email,
            is_guest: u.is_guest,
            created_at_ms: u.created_at_ms,
        }
    }
}

/// Tokens plus the user, returned by guest, register, login and refresh.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthResponse {
    /// Short-lived HS256 JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque single-use refresh token; absent when it was set as the `playhouse_refresh` cookie
    /// (requests with `X-Refresh-Cookie: 1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Access token lifetime in seconds.
    pub expires_in: i64,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// The account.
    pub user: UserView,
}

/// `POST /v1/auth/register`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Email; normalised (trimmed, lowercased) and unique.
    pub email: String,
    /// At least 8 characters mixing two character classes; at most 128 bytes.
    pub password: String,
    /// 2 to 32 characters.
    pub display_name: String,
}

/// `POST /v1/auth/login`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /v1/auth/refresh` and `/v1/auth/logout`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last auth response. Absent (`{}`): refresh takes the
    /// `playhouse_refresh` cookie, logout the bearer access token's session.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// `PATCH /v1/me`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    /// New display name, 2 to 32 characters.
    pub display_name: String,
}

/// Longest refresh token accepted (ours are 64 hex characters).
const REFRESH_TOKEN_BYTES_MAX: usize = 128;

async fn issue(
    state: &AccountsState,
    user: store::UserRecord,
    family: Option<String>,
) -> Result<AuthResponse, ApiError> {
    let now_ms = state.auth.clock.now_ms();
    let family = family.unwrap_or_else(|| random_hex(16));
    let access_token = state
        .auth
        .keys
        .issue_family_access(user.id, &family, now_ms / 1000)?;
    let refresh_token = random_hex(32);
    state
        .store
        .insert_refresh_token(&store::NewRefreshToken {
            token_hash: token_hash(&refresh_token),
            family_id: family,
            user_id: user.id,
            issued_at_ms: now_ms,
            expires_at_ms: now_ms
                .saturating_add(state.auth.keys.refresh_ttl_secs.saturating_mul(1000)),
        })
        .await?;
    Ok(AuthResponse {
        access_token,
        refresh_token: Some(refresh_token),
        expires_in: state.auth.keys.access_ttl_secs,
        token_type: "Bearer",
        user: user.into(),
    })
}

/// The cookie mode a request asked for (`X-Refresh-Cookie: 1`), if it did.
fn cookie_mode(state: &AccountsState, headers: &HeaderMap) -> Option<CookieMode> {
    cookie::requested(headers).then_some(CookieMode {
        secure: state.refresh_cookie_secure,
    })
}

/// An auth answer: in cookie mode the refresh token moves from the body to the cookie.
fn answer(state: &AccountsState, mut auth: AuthResponse, mode: Option<CookieMode>) -> Response {
    let Some(mode) = mode else {
        return Json(auth).into_response();
    };
    let token = auth.refresh_token.take().unwrap_or_default();
    let mut res = Json(auth).into_response();
    let ttl = u64::try_from(state.auth.keys.refresh_ttl_secs).unwrap_or(0);
    res.headers_mut()
        .append(header::SET_COOKIE, cookie::set(&token, ttl, mode));
    res
}

/// Creates a guest account with a generated display name.
#[utoipa::path(post, path = "/v1/auth/guest", tag = "auth", responses(
    (status = 200, body = AuthResponse), (status = 429, body = api::ErrorEnvelope)))]
pub async fn guest(
    State(state): State<AccountsState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut r = [0u8; 12];
    os_random(&mut r)?;
    let words = [0, 4, 8].map(|i| u32::from_le_bytes([r[i], r[i + 1], r[i + 2], r[i + 3]]));
    let user = state
        .store
        .create_user(&store::NewUser {
            id: state.ids.next_id(),
            email: None,
            password_hash: None,
            display_name: auth::guest_name(words),
            is_guest: true,
            now_ms: state.auth.clock.now_ms(),
        })
        .await?;
    tracing::info!(user_id = user.id, "guest account created");
    state.signup.grant_signup_logged(user.id).await;
    let auth = issue(&state, user, None).await?;
    Ok(answer(&state, auth, cookie_mode(&state, &headers)))
}

/// Registers an account with email and password.
#[utoipa::path(post, path = "/v1/auth/register", tag = "auth", request_body = RegisterRequest, responses(
    (status = 200, body = AuthResponse),
    (status = 400, body = api::ErrorEnvelope),
    (status = 409, body = api::ErrorEnvelope)))]
pub async fn register(
    State(state): State<AccountsState>,
    headers: HeaderMap,
    ValidJson(req): ValidJson<RegisterRequest>,
) -> Result<Response, ApiError> {
    let email = auth::normalize_email(&req.email)?;
    auth::check_password(&req.password)?;
    let display_name = auth::normalize_display_name(&req.display_name)?;
    let password = req.password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(ApiError::internal)??;
    let created = state
        .store
        .create_user(&store::NewUser {
            id: state.ids.next_id(),
            email: Some(email),
            password_hash: Some(hash),
            display_name,
            is_guest: false,
            now_ms: state.auth.clock.now_ms(),
        })
        .await;
    let user = match created {
        Ok(u) => u,
        Err(e) if e.is_conflict() => {
            return Err(ApiError {
                field: Some("email".into()),
                ..ApiError::new(ErrorCode::EmailTaken)
            });
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(user_id = user.id, "account registered");
    state.signup.grant_signup_logged(user.id).await;
    let auth = issue(&state, user, None).await?;
    Ok(answer(&state, auth, cookie_mode(&state, &headers)))
}

/// Logs in with email and password.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = AuthResponse), (status = 401, body = api::ErrorEnvelope),
    (status = 429, description = "`too_many_attempts`, with `Retry-After`", body = api::ErrorEnvelope)))]
pub async fn login(
    State(state): State<AccountsState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ValidJson(req): ValidJson<LoginRequest>,
) -> Result<Response, ApiError> {
    if req.password.len() > auth::PASSWORD_BYTES_MAX {
        return Err(ApiError::new(ErrorCode::InvalidCredentials));
    }
    let email = auth::normalize_email(&req.email)?;
    // Counted as a failure from here until it succeeds; refused while the account or address is
    // locked (the password is not even checked then, so a lock is no oracle).
    let ip = ip.unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let attempt = state
        .throttle
        .admit(&email, ip, state.auth.clock.now_ms())
        .await
        .map_err(|wait| {
            metrics::counter!("auth_login_throttled_total").increment(1);
            ApiError::too_many_attempts(wait)
        })?;
    let user = match state.store.user_by_email(&email).await {
        Ok(u) => Some(u),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e.into()),
    };
    let phc = user.as_ref().and_then(|u| u.password_hash.clone());
    let password = req.password;
    let ok = tokio::task::spawn_blocking(move || match phc {
        Some(phc) => auth::verify_password(&password, &phc),
        // Verify against a real hash even for unknown emails so timing does not reveal which exist.
        None => {
            let _ = auth::verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .map_err(ApiError::internal)?;
    match user {
        Some(user) if ok => {
            state.throttle.succeeded(attempt).await;
            let auth = issue(&state, user, None).await?;
            Ok(answer(&state, auth, cookie_mode(&state, &headers)))
        }
        _ => Err(ApiError::new(ErrorCode::InvalidCredentials)),
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| auth::hash_password("dummy password for timing").unwrap_or_default())
}

/// Exchanges a refresh token for a new pair. A token can be used once; presenting a used or revoked
/// token again is treated as theft and revokes every token of its family. The token comes from the
/// body or, when the body has none, from the `playhouse_refresh` cookie (and the new one goes back
/// the same way).
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, body = AuthResponse), (status = 401, body = api::ErrorEnvelope)))]
pub async fn refresh(
    State(state): State<AccountsState>,
    headers: HeaderMap,
    ValidJson(req): ValidJson<RefreshRequest>,
) -> Response {
    let from_cookie = req.refresh_token.is_none();
    let mode = if from_cookie {
        Some(CookieMode {
            secure: state.refresh_cookie_secure,
        })
    } else {
        cookie_mode(&state, &headers)
    };
    let token = req.refresh_token.or_else(|| cookie::token(&headers));
    match refresh_pair(&state, token.as_deref()).await {
        Ok(auth) => answer(&state, auth, mode),
        Err(e) => {
            let mut res = e.into_response();
            if let Some(mode) = mode.filter(|_| from_cookie) {
                // A dead cookie is of no further use: the browser drops it.
                res.headers_mut()
                    .append(header::SET_COOKIE, cookie::clear(mode));
            }
            res
        }
    }
}

async fn refresh_pair(
    state: &AccountsState,
    token: Option<&str>,
) -> Result<AuthResponse, ApiError> {
    let invalid = || ApiError::unauthorized("The refresh token is invalid, expired or revoked.");
    let token = token.unwrap_or_default();
    if token.is_empty() || token.len() > REFRESH_TOKEN_BYTES_MAX {
        return Err(invalid());
    }
    let hash = token_hash(token);
    let record = match state.store.refresh_token_by_hash(&hash).await {
        Ok(r) => r,
        Err(e) if e.is_not_found() => return Err(invalid()),
        Err(e) => return Err(e.into()),
    };
    let now_ms = state.auth.clock.now_ms();
    if record.used_at_ms.is_some() || record.revoked_at_ms.is_some() {
        let n = state
            .store
            .revoke_token_family(&record.family_id, now_ms)
            .await?;
        state.auth.revoke_family(&record.family_id, now_ms / 1000);
        tracing::warn!(
            user_id = record.user_id,
            revoked = n,
            "refresh token reuse; family revoked"
        );
        return Err(invalid());
    }
    if record.expires_at_ms <= now_ms {
        return Err(invalid());
    }
    if !state.store.mark_refresh_token_used(&hash, now_ms).await? {
        // A concurrent request used it first: that is reuse too.
        state
            .store
            .revoke_token_family(&record.family_id, now_ms)
            .await?;
        state.auth.revoke_family(&record.family_id, now_ms / 1000);
        return Err(invalid());
    }
    let user = state.store.user_by_id(record.user_id).await?;
    issue(state, user, Some(record.family_id)).await
}

/// Signs this device's session out: revokes the refresh-token family, named by the refresh token in
/// the body or, with `{}`, by the bearer access token, and deletes the refresh cookie.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", request_body = RefreshRequest, responses(
    (status = 204), (status = 401, body = api::ErrorEnvelope)))]
pub async fn logout(
    State(state): State<AccountsState>,
    headers: HeaderMap,
    ValidJson(req): ValidJson<RefreshRequest>,
) -> Result<Response, ApiError> {
    let invalid = || ApiError::unauthorized("The refresh token is invalid, expired or revoked.");
    let family = match req.refresh_token {
        Some(token) => match state.store.refresh_token_by_hash(&token_hash(&token)).await {
            Ok(r) => r.family_id,
            Err(e) if e.is_not_found() => return Err(invalid()),
            Err(e) => return Err(e.into()),
        },
        None => {
            let token = api::extract::bearer_token(&headers).ok_or_else(|| {
                ApiError::unauthorized("Sign out with the session's refresh token or access token.")
            })?;
            // Checked as any access token is (signature, expiry, not signed out already).
            state.auth.authenticate(token).await?;
            state
                .auth
                .keys
                .verify_access(token)?
                .family
                .ok_or_else(|| {
                    ApiError::unauthorized("This access token belongs to no sign-in session.")
                })?
        }
    };
    let now_ms = state.auth.clock.now_ms();
    state.store.revoke_token_family(&family, now_ms).await?;
    // The access tokens of the session stop working now, not at their expiry.
    state.auth.revoke_family(&family, now_ms / 1000);
    let mut res = axum::http::StatusCode::NO_CONTENT.into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie::clear(CookieMode {
            secure: state.refresh_cookie_secure,
        }),
    );
    Ok(res)
}

/// The signed-in account.
#[utoipa::path(get, path = "/v1/me", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = UserView), (status = 401, body = api::ErrorEnvelope)))]
pub async fn me(
    State(state): State<AccountsState>,
    user: AuthUser,
) -> Result<Json<UserView>, ApiError> {
    match state.store.user_by_id(user.user_id).await {
        Ok(u) => Ok(Json(u.into())),
        Err(e) if e.is_not_found() => Err(ApiError::unauthorized("The account no longer exists.")),
        Err(e) => Err(e.into()),
    }
}

/// Changes the display name.
#[utoipa::path(patch, path = "/v1/me", tag = "auth", security(("bearer" = [])), request_body = UpdateMeRequest,
    responses((status = 200, body = UserView), (status = 400, body = api::ErrorEnvelope),
    (status = 401, body = api::ErrorEnvelope)))]
pub async fn update_me(
    State(state): State<AccountsState>,
    user: AuthUser,
    ValidJson(req): ValidJson<UpdateMeRequest>,
) -> Result<Json<UserView>, ApiError> {
    let name = auth::normalize_display_name(&req.display_name)?;
    match state
        .store
        .set_display_name(user.user_id, &name, state.auth.clock.now_ms())
        .await
    {
        Ok(u) => Ok(Json(u.into())),
        Err(e) if e.is_not_found() => Err(ApiError::unauthorized("The account no longer exists.")),
        Err(e) => Err(e.into()),
    }
}
