//! The HTTP surface: every service's router merged under one middleware stack, and the operational
//! endpoints.

mod middleware;
pub mod openapi;
mod ops;
mod web;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::state::AppState;

pub use middleware::RequestId;

/// Builds the whole application router: the services' routes behind the per-IP limit, the
/// operator API (authenticated by signatures) beside them, and the operational endpoints.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(accounts::router(state.accounts.clone()))
        .merge(wallet::router(state.wallet_api.clone()))
        .merge(tables::router(state.tables.clone()))
        .merge(games::router(state.games.clone()))
        .merge(contests::router(state.contests.clone()))
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
        .with_state(state.clone())
        .merge(api)
        .merge(operator::router(state.operator.clone()))
        .fallback(web::fallback)
        .layer(DefaultBodyLimit::max(c.body_limit_bytes))
        .layer(RequestBodyLimitLayer::new(c.body_limit_bytes))
        .layer(cors(&c.cors_origins))
        .layer(axum::middleware::from_fn(middleware::track_metrics))
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(middleware::SecurityHeaders::new(&c.frame_ancestors)),
            middleware::security_headers,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(c.request_timeout_secs),
        ))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(axum::middleware::from_fn(middleware::request_context))
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
