//! What every service's edge shares, and nothing of any one service: the one error-code table and
//! its JSON body ([`error`]), the JSON and bearer-token extractors ([`extract`]), token signing and
//! the token and admin checks ([`token`], [`auth`]), time-ordered ids ([`ids`]), the clock
//! ([`clock`], the only module of the services that reads time), rate limits ([`ratelimit`]) and the
//! OpenAPI helpers ([`openapi`]).

pub mod auth;
pub mod clock;
pub mod error;
pub mod extract;
pub mod ids;
pub mod openapi;
pub mod ratelimit;
pub mod token;

pub use auth::{Auth, AuthConfig, SessionCheck};
pub use error::{ApiError, ErrorBody, ErrorCode, ErrorEnvelope};
pub use extract::{AuthUser, JsonBody, SessionScope, ValidJson};
