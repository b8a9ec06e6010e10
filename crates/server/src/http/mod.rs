//! The HTTP surface: the router, its middleware stack and the handlers.

mod account;
mod middleware;
pub mod openapi;
mod ops;
mod web;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::{get, post, put};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::state::AppState;

pub use middleware::RequestId;

/// Builds the whole application router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/v1/auth/guest", post(account::guest))
        .route("/v1/auth/register", post(account::register))
        .route("/v1/auth/login", post(account::login))
        .route("/v1/auth/refresh", post(account::refresh))
        .route("/v1/auth/logout", post(account::logout))
        .route("/v1/me", get(account::me).patch(account::update_me))
        .route("/v1/wallet", get(crate::wallet::http::wallet))
        .route("/v1/wallet/transfers", get(crate::wallet::http::transfers))
        .route("/v1/admin/wallet/adjust", post(crate::wallet::http::adjust))
        .merge(crate::guandan::routes())
        .route("/v1/games", get(crate::games::http::list))
        .route("/v1/games/{game}", get(crate::games::http::one))
        .route("/v1/games/{game}/bets", post(crate::games::http::bet))
        .route(
            "/v1/games/{game}/rounds/active",
            get(crate::games::http::active),
        )
        .route(
            "/v1/games/{game}/rounds/{id}/actions",
            post(crate::games::http::action),
        )
        .route("/v1/fair/seeds", get(crate::games::http::seeds))
        .route("/v1/fair/client-seed", put(crate::games::http::client_seed))
        .route("/v1/fair/rotate", post(crate::games::http::rotate))
        .route("/v1/bets", get(crate::games::http::history))
        .route("/v1/bets/{id}", get(crate::games::http::bet_by_id))
        .route(
            "/v1/me/limits",
            get(crate::games::http::get_limits).put(crate::games::http::put_limits),
        )
        .route("/v1/activity", get(crate::games::http::activity))
        .route("/v1/guandan/leaderboard", get(crate::ratings::leaderboard))
        .route("/v1/guandan/ratings/me", get(crate::ratings::my_rating))
        .route(
            "/v1/guandan/ratings/{user_id}",
            get(crate::ratings::user_rating),
        )
        .route(
            "/v1/guandan/matches/{id}/card.png",
            get(crate::ratings::result_card),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::ip_rate_limit,
        ));

    let c = &state.config.http;
    Router::new()
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(openapi::serve))
        .merge(api)
        .merge(crate::operator::http::routes())
        .fallback(web::fallback)
        .layer(DefaultBodyLimit::max(c.body_limit_bytes))
        .layer(RequestBodyLimitLayer::new(c.body_limit_bytes))
        .layer(cors(&c.cors_origins))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::track_metrics,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(c.request_timeout_secs),
        ))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(axum::middleware::from_fn(middleware::request_context))
        .with_state(state)
}

fn cors(origins: &[String]) -> CorsLayer {
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
        .max_age(Duration::from_secs(3600))
}
