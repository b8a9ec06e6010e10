//! Request extractors that turn every client mistake into a coded [`ApiError`]: JSON bodies whose
//! errors name the offending field, and the authenticated user from a bearer token.

use axum::body::Bytes;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
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
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::new(ErrorCode::PayloadTooLarge))?;
        parse_json(&bytes).map(ValidJson)
    }
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
        auth.limits.check_account(user.user_id)?;
        Ok(user)
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
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
