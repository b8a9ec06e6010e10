//! Operational endpoints: liveness, readiness, metrics, the landing page and the 404 fallback.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use crate::state::AppState;
use api::error::{ApiError, ErrorCode};

/// Liveness body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` while the process serves requests.
    pub status: &'static str,
    /// Server version.
    pub version: &'static str,
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/health", tag = "ops", responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Readiness body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// `ready` when the database answers.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/ready", tag = "ops", responses(
    (status = 200, body = Ready),
    (status = 503, body = api::ErrorEnvelope)))]
pub async fn ready(State(state): State<AppState>) -> Result<Json<Ready>, ApiError> {
    state.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::with_message(ErrorCode::Unavailable, "The database is not reachable.")
    })?;
    Ok(Json(Ready {
        status: "ready",
        database: state.store.backend_name(),
    }))
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, body = String)))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// A minimal landing page until the web client is served here.
pub async fn index() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Playhouse</title></head>\
         <body><h1>Playhouse</h1><p>The server is running, but this binary was built without the web client \
         (Node.js/npm was not found, or <code>PLAYHOUSE_SKIP_WEB_BUILD</code> was set).</p>\
         <p>To play in the browser, install Node.js 20 or later and rebuild: <code>cargo run --release -- serve</code> \
         builds the client automatically, or run <code>npm ci &amp;&amp; npm run build</code> in <code>web/</code> first.</p>\
         <p>API: <a href=\"/openapi.json\">/openapi.json</a>, health: <a href=\"/health\">/health</a>.</p>\
         <p>服务器正在运行，但此版本未包含网页客户端。请安装 Node.js 后重新构建。</p></body></html>",
    )
}

/// Unknown routes.
pub async fn not_found() -> ApiError {
    ApiError::with_message(ErrorCode::NotFound, "There is no such route.")
}
