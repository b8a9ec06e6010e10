//! Request extractors that turn every client mistake into a coded [`ApiError`]: JSON bodies whose
//! errors name the offending field, and the authenticated user from a bearer token.

use axum::body::Bytes;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::auth::Auth;
use crate::error::{ApiError, ErrorCode};

/// A JSON body: `Content-Type: application/json` required, size-limited, with field-level errors.
#[derive(Debug, Clone)]
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ValidJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // The media type is refused before the body is read.
        if !is_json(&req) {
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType));
        }
        JsonBody::from_request(req, state)
            .await?
            .parse()
            .map(ValidJson)
    }
}

/// A JSON body read but not yet checked: for routes that must check a permission first, so that a
/// caller without it learns nothing of the expected body ([`JsonBody::parse`] gives the errors of
/// [`ValidJson`]).
#[derive(Debug, Clone)]
pub struct JsonBody {
    is_json: bool,
    bytes: Bytes,
}

impl JsonBody {
    /// The body as `T`: `unsupported_media_type` without a JSON content type, else the
    /// field-level errors of [`parse_json`].
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if !self.is_json {
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType));
        }
        parse_json(&self.bytes)
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = is_json(&req);
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::new(ErrorCode::PayloadTooLarge))?;
        Ok(JsonBody { is_json, bytes })
    }
}

/// A query string, with the errors of [`ValidJson`]: a missing or invalid parameter is
/// `invalid_field` naming it.
#[derive(Debug, Clone)]
pub struct ValidQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ValidQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or("")).map(ValidQuery)
    }
}

/// Parses a query string, naming the first offending parameter in the error.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize::<_, T>(de).map_err(|err| {
        let path = err.path().to_string();
        let msg = err.into_inner().to_string();
        let field = missing_field(&msg)
            .map(str::to_owned)
            .or_else(|| (path != "." && !path.is_empty()).then_some(path));
        match field {
            Some(f) if msg.starts_with("missing field") => {
                ApiError::field(f.clone(), format!("Query parameter `{f}` is required."))
            }
            Some(f) => ApiError::field(
                f.clone(),
                format!(
                    "Query parameter `{f}` is invalid: {}.",
                    strip_position(&msg)
                ),
            ),
            None => ApiError::with_message(
                ErrorCode::InvalidField,
                format!("The query string is invalid: {}.", strip_position(&msg)),
            ),
        }
    })
}

/// The client's address: the peer, or the first `X-Forwarded-For` entry when
/// `rate_limit.trust_forwarded_for` is set (only behind a trusted proxy). `None` without either.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S> FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    Arc<Auth>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let trust = Arc::<Auth>::from_ref(state).limits.trust_forwarded_for;
        Ok(ClientIp(client_ip(
            &parts.headers,
            &parts.extensions,
            trust,
        )))
    }
}

/// The client's address from a request's headers and extensions (see [`ClientIp`]).
pub fn client_ip(
    headers: &axum::http::HeaderMap,
    extensions: &axum::http::Extensions,
    trust_forwarded_for: bool,
) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// `Content-Type: application/json` or `application/…+json`.
fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
}

/// Parses JSON, naming the first offending field (as a dotted path) in the error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            use serde_json::error::Category;
            match inner.classify() {
                Category::Syntax | Category::Eof | Category::Io => Err(ApiError::with_message(
                    ErrorCode::InvalidJson,
                    format!("The request body is not valid JSON: {inner}."),
                )),
                Category::Data => {
                    let msg = inner.to_string();
                    // A missing field is reported at the parent path; pull its name from the message.
                    if let Some(f) = missing_field(&msg) {
                        let field = if path == "." {
                            f.to_owned()
                        } else {
                            format!("{path}.{f}")
                        };
                        return Err(ApiError::field(
                            field.clone(),
                            format!("Field `{field}` is required."),
                        ));
                    }
                    let field = path.clone();
                    if field == "." || field.is_empty() || field.starts_with('[') {
                        return Err(ApiError::with_message(
                            ErrorCode::InvalidJson,
                            format!(
                                "The request body has the wrong shape: {}.",
                                strip_position(&msg)
                            ),
                        ));
                    }
                    Err(ApiError::field(
                        field.clone(),
                        format!("Field `{field}` is invalid: {}.", strip_position(&msg)),
                    ))
                }
            }
        }
    }
}

fn missing_field(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("missing field `")?;
    rest.split('`').next()
}

fn strip_position(msg: &str) -> &str {
    msg.split(" at line ").next().unwrap_or(msg)
}

/// The authenticated account, from `Authorization: Bearer <access token>`.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    /// The user id from the token's `sub`.
    pub user_id: i64,
    /// Set when the token is an operator session's: what the session allows.
    pub session: Option<SessionScope>,
}

/// The limits of an operator session (`docs/operator-integration.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionScope {
    /// The only currency the session's bets may use.
    pub currency: &'static str,
}

/// Any service state that carries the shared [`Auth`] can authenticate its requests.
impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    Arc<Auth>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(|| {
            ApiError::unauthorized("An `Authorization: Bearer <access token>` header is required.")
        })?;
        let auth = Arc::<Auth>::from_ref(state);
        let user = auth.authenticate(token).await?;
        auth.limits.check_account(user.user_id).await?;
        Ok(user)
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    bearer_token(&parts.headers)
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code, reason = "fields exist to be deserialised")]
    struct Outer {
        name: String,
        inner: Inner,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code, reason = "fields exist to be deserialised")]
    struct Inner {
        n: u8,
    }

    fn field_of(body: &str) -> (ErrorCode, Option<String>) {
        let e = parse_json::<Outer>(body.as_bytes()).expect_err(body);
        (e.code, e.field)
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            field_of(r#"{"inner":{"n":1}}"#),
            (ErrorCode::InvalidField, Some("name".into()))
        );
        assert_eq!(
            field_of(r#"{"name":5,"inner":{"n":1}}"#),
            (ErrorCode::InvalidField, Some("name".into()))
        );
        assert_eq!(
            field_of(r#"{"name":"x","inner":{"n":300}}"#),
            (ErrorCode::InvalidField, Some("inner.n".into()))
        );
        assert_eq!(
            field_of(r#"{"name":"x","inner":{}}"#),
            (ErrorCode::InvalidField, Some("inner.n".into()))
        );
        assert_eq!(field_of("{"), (ErrorCode::InvalidJson, None));
        assert_eq!(field_of("[1]"), (ErrorCode::InvalidJson, None));
    }
}
