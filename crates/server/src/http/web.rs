//! Serves the web client embedded from `web/dist` at build time (see `build.rs`): static files, and
//! `index.html` for the client's own routes (single-page app). API paths keep their JSON 404s.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::ops;

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// Longest request path considered for a static file.
const ASSET_PATH_BYTES_MAX: usize = 512;

fn find(path: &str) -> Option<&'static (&'static str, &'static str, &'static [u8])> {
    WEB_FILES
        .binary_search_by(|(p, _, _)| (*p).cmp(path))
        .ok()
        .map(|i| &WEB_FILES[i])
}

fn file_response(file: &(&str, &'static str, &'static [u8]), method: &Method) -> Response {
    let (path, content_type, bytes) = *file;
    // Vite puts content-hashed names under assets/: cache them forever; never cache index.html.
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
    ];
    if *method == Method::HEAD {
        return (StatusCode::OK, headers).into_response();
    }
    (StatusCode::OK, headers, bytes).into_response()
}

/// The router's fallback: embedded files, the client's routes, or the JSON 404.
pub async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    let api = path.starts_with("/v1/") || path == "/v1";
    if api || (method != Method::GET && method != Method::HEAD) || path.len() > ASSET_PATH_BYTES_MAX
    {
        return ops::not_found().await.into_response();
    }
    let rel = path.trim_start_matches('/');
    if rel.is_empty() {
        return index(&method).await;
    }
    if let Some(file) = find(rel) {
        return file_response(file, &method);
    }
    // A client route (no file extension) asked for by a browser gets the app; anything else 404s.
    let last = rel.rsplit('/').next().unwrap_or("");
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html && !last.contains('.') {
        return index(&method).await;
    }
    ops::not_found().await.into_response()
}

/// `/`: the client, or a page explaining how to build it.
async fn index(method: &Method) -> Response {
    match find("index.html") {
        Some(file) => file_response(file, method),
        None => ops::index().await.into_response(),
    }
}
