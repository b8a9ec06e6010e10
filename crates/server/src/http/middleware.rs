//! Cross-cutting request handling: request ids, error bodies, metrics, IP rate limits, panics.

use std::any::Any;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;
use api::error::{ApiError, ErrorCode};

/// Longest request id accepted from a client's `X-Request-Id`.
const REQUEST_ID_BYTES_MAX: usize = 64;

/// The request id, in request extensions for handlers and logs.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Assigns a request id (the client's `X-Request-Id` when sane, else a new one), runs the request in
/// a tracing span, echoes the id, and renders every error response as the JSON error body.
pub async fn request_context(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= REQUEST_ID_BYTES_MAX
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(|| api::token::random_hex(8), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    let started = api::clock::instant();
    let res = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    let mut res = render_error(res, &id);
    let status = res.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request done"
        )
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Marks an error response whose own body is the answer (readiness names its parts on 503):
/// [`render_error`] leaves it as it is.
#[derive(Debug, Clone, Copy)]
pub struct Verbatim;

/// Turns an error response into `{"error": {code, message, request_id}}`. Errors raised as
/// [`ApiError`] carry their code; bare error statuses from the framework (unknown route, wrong
/// method, oversize body) are mapped by status so that every error has the same shape.
fn render_error(res: Response, request_id: &str) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.extensions().get::<Verbatim>().is_some()
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let err = parts.extensions.remove::<ApiError>().unwrap_or_else(|| {
        let code = match status {
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
            StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
            StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => ErrorCode::Timeout,
            StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
            StatusCode::FORBIDDEN => ErrorCode::Forbidden,
            StatusCode::CONFLICT => ErrorCode::Conflict,
            StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Unavailable,
            s if s.is_client_error() => ErrorCode::InvalidJson,
            _ => ErrorCode::Internal,
        };
        ApiError::new(code)
    });
    drop(body);
    // The timeout layer answers 408; our table says `timeout` is 503.
    let status = if err.code == ErrorCode::Timeout {
        err.code.status()
    } else {
        status
    };
    let json = serde_json::to_vec(&err.body(request_id)).unwrap_or_default();
    parts.status = status;
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(json))
}

/// A handler panic becomes `500 internal` (and is logged); the server keeps serving.
pub fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::internal(format!("handler panicked: {detail}")).into_response()
}

/// Counts requests and their latency per route and status.
pub async fn track_metrics(req: Request, next: Next) -> Response {
    let started = api::clock::instant();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    res
}

/// Applies the per-IP limit to the API routes.
pub async fn ip_rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let ip = api::extract::client_ip(
        req.headers(),
        req.extensions(),
        state.config.rate_limit.trust_forwarded_for,
    );
    if let Some(ip) = ip
        && let Err(e) = state.limits.check_ip(ip).await
    {
        metrics::counter!("http_rate_limited_total", "scope" => "ip").increment(1);
        return e.into_response();
    }
    next.run(req).await
}

/// Browser hardening on every response: no MIME sniffing, no referrer beyond the origin, and — on
/// the client's pages — a content security policy (scripts, styles and connections from this origin
/// only) whose `frame-ancestors` lists the operators allowed to frame the games
/// (`http.frame_ancestors`; without any, no site may, and `X-Frame-Options: DENY` says so to old
/// browsers too).
pub async fn security_headers(
    State(policy): State<std::sync::Arc<SecurityHeaders>>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        h.insert(header::CONTENT_SECURITY_POLICY, policy.csp.clone());
        if policy.deny_frames {
            h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
    }
    res
}

/// The hardening headers, built once from the configuration.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    csp: HeaderValue,
    deny_frames: bool,
}

impl SecurityHeaders {
    /// From `http.frame_ancestors` (origins already validated by the configuration).
    pub fn new(frame_ancestors: &[String]) -> Self {
        let ancestors = if frame_ancestors.is_empty() {
            "'none'".to_owned()
        } else {
            format!("'self' {}", frame_ancestors.join(" "))
        };
        let csp = format!(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}"
        );
        Self {
            csp: HeaderValue::from_str(&csp)
                .unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'none'")),
            deny_frames: frame_ancestors.is_empty(),
        }
    }
}
