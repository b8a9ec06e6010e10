//! What every service's edge shares, and nothing of any one service: the one error-code table and
//! its JSON body ([`error`]), the JSON and bearer-token extractors ([`extract`]), token signing and
//! the token and admin checks ([`token`], [`auth`]), time-ordered ids ([`ids`]), the clock
//! ([`clock`], the only module of the services that reads time), rate limits ([`ratelimit`]) and the
//! OpenAPI helpers ([`openapi`]).

pub mod auth;
pub mod clock;
pub mod error;
pub mod extract;
pub mod identity;
pub mod ids;
pub mod leader;
pub mod openapi;
pub mod ratelimit;
pub mod token;

pub use auth::{Auth, AuthConfig, SessionCheck};
pub use error::{ApiError, ErrorBody, ErrorCode, ErrorEnvelope};
pub use extract::{AuthUser, JsonBody, SessionScope, ValidJson};

/// Declares a service's state: a cheap-to-clone handle (one `Arc`, since axum clones the state for
/// every handler and layer a request passes) over `$deps`, read through `Deref`, that hands the
/// shared [`Auth`] (its `auth` field) to the extractors.
#[macro_export]
macro_rules! service_state {
    ($(#[$meta:meta])* $state:ident over $deps:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $state(::std::sync::Arc<$deps>);

        impl $state {
            /// The state over its parts.
            pub fn new(deps: $deps) -> Self {
                Self(::std::sync::Arc::new(deps))
            }
        }

        impl ::std::ops::Deref for $state {
            type Target = $deps;

            fn deref(&self) -> &$deps {
                &self.0
            }
        }

        impl ::axum::extract::FromRef<$state> for ::std::sync::Arc<$crate::Auth> {
            fn from_ref(s: &$state) -> Self {
                s.auth.clone()
            }
        }
    };
}
