//! Operational endpoints: liveness, readiness, metrics, the landing page and the 404 fallback.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
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

/// Readiness body: every part and its state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// `ok` when every part is `ok`, else `unavailable` (and the status is 503).
    pub status: &'static str,
    /// `ok` when the database answers a ping, else `down`.
    pub database: &'static str,
    /// `ok` while the ledger's group-commit writer takes requests, else `down`.
    pub ledger_writer: &'static str,
    /// Ledger batches that panicked since start (each failed its own requests; the writer went on).
    pub ledger_writer_panics: u64,
    /// `ok` when the bus (NATS, or in process) answers, else `down`.
    pub bus: &'static str,
    /// `ok` when the shared state (Redis, or in memory) answers, else `down`.
    pub kv: &'static str,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// `local` or `nats`.
    pub bus_backend: &'static str,
    /// `memory` or `redis`.
    pub kv_backend: &'static str,
    /// The machine id this node leased (in every id it generates).
    pub machine_id: u16,
    /// This node's id (random per start): the holder name of its leases in the kv.
    pub node: String,
}

fn part(ok: bool) -> &'static str {
    if ok { "ok" } else { "down" }
}

/// Readiness: the database, the bus and the kv answer and the ledger writer runs.
#[utoipa::path(get, path = "/ready", tag = "ops", responses(
    (status = 200, body = Ready),
    (status = 503, description = "A part is down; the body names it", body = Ready)))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let database = match state.store.ping().await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            false
        }
    };
    let writer = state.wallet.pipeline.health();
    if !writer.running {
        tracing::warn!("readiness: the ledger writer has stopped");
    }
    let (bus, kv) = tokio::join!(state.cluster.bus.ping(), state.cluster.kv.ping());
    if let Err(e) = &bus {
        tracing::warn!(error = %e, "readiness: the bus does not answer");
    }
    if let Err(e) = &kv {
        tracing::warn!(error = %e, "readiness: the kv does not answer");
    }
    let (bus, kv) = (bus.is_ok(), kv.is_ok());
    let all = database && writer.running && bus && kv;
    let body = Ready {
        status: if all { "ok" } else { "unavailable" },
        database: part(database),
        ledger_writer: part(writer.running),
        ledger_writer_panics: writer.panics,
        bus: part(bus),
        kv: part(kv),
        backend: state.store.backend_name(),
        bus_backend: state.cluster.bus.backend_name(),
        kv_backend: state.cluster.kv.backend_name(),
        machine_id: state.ids.machine_id(),
        node: state.cluster.node_id.clone(),
    };
    let status = if all {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    // The body names the parts even on 503: the error renderer leaves it as it is.
    let mut res = (status, Json(body)).into_response();
    res.extensions_mut().insert(super::middleware::Verbatim);
    res
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
