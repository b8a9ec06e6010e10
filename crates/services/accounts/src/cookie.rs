//! The refresh token as a cookie, for browsers: `HttpOnly` (no script reads it), `Secure`,
//! `SameSite=Strict` and scoped to the one route that takes it (`/v1/auth/refresh`), so neither a
//! script injected into the page nor a request from another site can get at it.
//!
//! A client asks for it with the request header `X-Refresh-Cookie: 1` on guest, register, login and
//! refresh; the answer then sets the cookie and leaves `refresh_token` out of its body. API clients
//! that send no such header keep the token in the body, as before.

use axum::http::{HeaderMap, HeaderValue, header};

/// The request header that asks for the refresh token as a cookie.
pub const MODE_HEADER: &str = "x-refresh-cookie";
/// The cookie's name.
pub const NAME: &str = "playhouse_refresh";
/// The only path the browser sends the cookie to.
pub const PATH: &str = "/v1/auth/refresh";

/// How the refresh token travels for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieMode {
    /// `Secure` on the cookie (`auth.refresh_cookie_secure`).
    pub secure: bool,
}

/// Whether the request asked for the cookie (`X-Refresh-Cookie: 1`).
pub fn requested(headers: &HeaderMap) -> bool {
    headers
        .get(MODE_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "1")
}

/// The refresh token the request's cookie carries, if any.
pub fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == NAME)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` carrying `token` for `max_age_secs`.
pub fn set(token: &str, max_age_secs: u64, mode: CookieMode) -> HeaderValue {
    value(token, max_age_secs, mode)
}

/// `Set-Cookie` that deletes the cookie.
pub fn clear(mode: CookieMode) -> HeaderValue {
    value("", 0, mode)
}

fn value(token: &str, max_age_secs: u64, mode: CookieMode) -> HeaderValue {
    let secure = if mode.secure { "; Secure" } else { "" };
    let text = format!(
        "{NAME}={token}; Path={PATH}; Max-Age={max_age_secs}; HttpOnly{secure}; SameSite=Strict"
    );
    // The token is hex and the rest is ASCII: always a valid header value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; playhouse_refresh=abc ; b=2"),
        );
        assert_eq!(token(&h).as_deref(), Some("abc"));
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("x=1"));
        h.append(
            header::COOKIE,
            HeaderValue::from_static("playhouse_refresh=def"),
        );
        assert_eq!(token(&h).as_deref(), Some("def"));
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("playhouse_refresh="),
        );
        assert_eq!(token(&h), None);
        assert_eq!(token(&HeaderMap::new()), None);
    }

    #[test]
    fn the_cookie_is_locked_down() {
        let v = set("ab12", 60, CookieMode { secure: true });
        assert_eq!(
            v.to_str().expect("ascii"),
            "playhouse_refresh=ab12; Path=/v1/auth/refresh; Max-Age=60; HttpOnly; Secure; SameSite=Strict"
        );
        let v = clear(CookieMode { secure: false });
        assert_eq!(
            v.to_str().expect("ascii"),
            "playhouse_refresh=; Path=/v1/auth/refresh; Max-Age=0; HttpOnly; SameSite=Strict"
        );
    }
}
