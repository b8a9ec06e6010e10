//! Access tokens: HS256 JWTs that every service's edge verifies, operator-session tokens (claim
//! `op`), and the OS randomness and hashing that credentials use.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::error::{ApiError, ErrorCode};

/// Clock skew tolerated on a token's times.
const LEEWAY_SECS: i64 = 5;

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// User id, as a decimal string.
    pub sub: String,
    /// Expiry, unix seconds.
    pub exp: i64,
    /// Issued at, unix seconds.
    pub iat: i64,
    /// Unique token id.
    pub jti: String,
    /// The operator whose session this token is (absent on ordinary player tokens). Such a token
    /// is valid only while its row in `operator_sessions` is neither revoked nor expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    /// The refresh-token family the token was issued with (sign-in, then each refresh): signing
    /// out or a detected reuse revokes the family, and its live access tokens with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<String>,
}

/// What a verified access token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The user id from `sub`.
    pub user_id: i64,
    /// The operator of an operator-session token (`op`); `None` for ordinary tokens.
    pub operator_id: Option<String>,
    /// The refresh-token family (`fam`) of a signed-in player's token.
    pub family: Option<String>,
    /// Expiry, unix seconds.
    pub expires_at: i64,
}

/// Signs and verifies access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Access token lifetime in seconds.
    pub access_ttl_secs: i64,
    /// Refresh token lifetime in seconds.
    pub refresh_ttl_secs: i64,
    /// The clock a token's expiry is judged by.
    pub clock: Clock,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("access_ttl_secs", &self.access_ttl_secs)
            .finish()
    }
}

impl TokenKeys {
    /// Keys from a secret, judging expiry by the system clock.
    pub fn new(secret: &[u8], access_ttl_secs: u64, refresh_ttl_secs: u64) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            access_ttl_secs: i64::try_from(access_ttl_secs).unwrap_or(i64::MAX / 2),
            refresh_ttl_secs: i64::try_from(refresh_ttl_secs).unwrap_or(i64::MAX / 2),
            clock: Clock::system(),
        }
    }

    /// The same keys judging expiry by `clock` (the node's).
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// A signed access token for `user_id`, issued at `now_secs`.
    pub fn issue_access(&self, user_id: i64, now_secs: i64) -> Result<String, ApiError> {
        self.issue(user_id, None, None, now_secs)
    }

    /// A signed access token for `user_id` signed in with the refresh-token family `family`:
    /// revoking the family (sign-out, reuse) revokes the token too.
    pub fn issue_family_access(
        &self,
        user_id: i64,
        family: &str,
        now_secs: i64,
    ) -> Result<String, ApiError> {
        self.issue(user_id, None, Some(family.to_owned()), now_secs)
    }

    /// The access token of an operator session of `user_id` opened by `operator_id` (claim `op`).
    pub fn issue_operator_session(
        &self,
        user_id: i64,
        operator_id: &str,
        now_secs: i64,
    ) -> Result<String, ApiError> {
        self.issue(user_id, Some(operator_id.to_owned()), None, now_secs)
    }

    fn issue(
        &self,
        user_id: i64,
        op: Option<String>,
        fam: Option<String>,
        now_secs: i64,
    ) -> Result<String, ApiError> {
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now_secs,
            exp: now_secs + self.access_ttl_secs,
            jti: random_hex(16),
            op,
            fam,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)
    }

    /// Verifies a token's signature and expiry and returns the user id and the expiry (unix seconds).
    pub fn verify_access_expiry(&self, token: &str) -> Result<(i64, i64), ApiError> {
        self.verify_access(token).map(|a| (a.user_id, a.expires_at))
    }

    /// Verifies a token's signature and expiry and returns what it says. An operator-session
    /// token still needs its session checked (`extract::authenticate` does that).
    pub fn verify_access(&self, token: &str) -> Result<Access, ApiError> {
        let mut v = Validation::new(Algorithm::HS256);
        // The expiry is judged below by the node's clock, not the library's reading of the system's.
        v.validate_exp = false;
        v.set_required_spec_claims(&["exp", "sub", "iat"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &v)
            .map_err(|_| ApiError::unauthorized("The access token is invalid."))?;
        let now = self.clock.now_secs();
        if data.claims.exp < now.saturating_sub(LEEWAY_SECS) {
            return Err(ApiError::new(ErrorCode::TokenExpired));
        }
        // However well signed, no token lives longer than the configured lifetime: one whose
        // expiry lies further ahead (a forged or misissued token) is refused.
        let lifetime = data.claims.exp.saturating_sub(data.claims.iat);
        let horizon = now
            .saturating_add(self.access_ttl_secs)
            .saturating_add(LEEWAY_SECS);
        if lifetime > self.access_ttl_secs || data.claims.exp > horizon {
            return Err(ApiError::unauthorized("The access token is invalid."));
        }
        let user_id = data
            .claims
            .sub
            .parse()
            .map_err(|_| ApiError::unauthorized("The access token is invalid."))?;
        Ok(Access {
            user_id,
            operator_id: data.claims.op,
            family: data.claims.fam,
            expires_at: data.claims.exp,
        })
    }
}

/// `n` random bytes from the OS CSPRNG, as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    // The OS CSPRNG failing is unrecoverable for a server that issues credentials.
    #[allow(
        clippy::expect_used,
        reason = "no safe fallback exists for missing OS randomness"
    )]
    getrandom::fill(&mut buf).expect("the OS random number generator is unavailable");
    hex::encode(buf)
}

/// Fills `buf` from the OS CSPRNG.
pub fn os_random(buf: &mut [u8]) -> Result<(), ApiError> {
    getrandom::fill(buf).map_err(ApiError::internal)
}

/// The stored form of a refresh token: lowercase hex SHA-256.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_tokens_verify_and_expire() {
        let keys = TokenKeys::new(&[7u8; 32], 60, 600);
        let now = crate::clock::now_secs();
        let t = keys.issue_access(42, now).expect("issue");
        assert_eq!(
            keys.verify_access(&t).expect("valid"),
            Access {
                user_id: 42,
                operator_id: None,
                family: None,
                expires_at: now + 60,
            }
        );
        // Ordinary tokens carry no `op` claim at all; operator-session tokens name the operator.
        let payload = |t: &str| -> serde_json::Value {
            let v = Validation::new(Algorithm::HS256);
            jsonwebtoken::decode::<serde_json::Value>(t, &keys.decoding, &v)
                .expect("decode")
                .claims
        };
        assert!(payload(&t).get("op").is_none(), "{}", payload(&t));
        let s = keys
            .issue_operator_session(42, "casino-a", now)
            .expect("issue");
        assert_eq!(payload(&s)["op"], "casino-a");
        assert_eq!(
            keys.verify_access(&s)
                .expect("valid")
                .operator_id
                .as_deref(),
            Some("casino-a")
        );
        let old = keys.issue_access(42, now - 3600).expect("issue");
        assert_eq!(
            keys.verify_access(&old).expect_err("expired").code,
            ErrorCode::TokenExpired
        );
        // Correctly signed, but living longer than the configured lifetime: refused.
        let forge = |iat: i64, exp: i64| {
            let claims = Claims {
                sub: "42".into(),
                exp,
                iat,
                jti: "j".into(),
                op: None,
                fam: None,
            };
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding)
                .expect("encode")
        };
        let decade = 10 * 365 * 86_400;
        for (iat, exp) in [
            (now, now + decade),
            (now + decade - 60, now + decade),
            (now, now + 61),
        ] {
            assert_eq!(
                keys.verify_access(&forge(iat, exp))
                    .expect_err("too long")
                    .code,
                ErrorCode::Unauthorized,
                "iat {iat} exp {exp}"
            );
        }
        keys.verify_access(&forge(now, now + 60))
            .expect("exactly the lifetime");
        // Expiry follows the keys' clock: a moved clock expires the token past the leeway.
        let clock = Clock::adjustable();
        let moved = keys.clone().with_clock(clock.clone());
        moved.verify_access(&t).expect("valid before");
        clock.advance(std::time::Duration::from_secs(60 + 4));
        moved.verify_access(&t).expect("valid within the leeway");
        clock.advance(std::time::Duration::from_secs(2));
        assert_eq!(
            moved.verify_access(&t).expect_err("expired").code,
            ErrorCode::TokenExpired
        );
        let other = TokenKeys::new(&[8u8; 32], 60, 600);
        assert_eq!(
            other.verify_access(&t).expect_err("bad sig").code,
            ErrorCode::Unauthorized
        );
        assert_eq!(
            keys.verify_access("garbage").expect_err("junk").code,
            ErrorCode::Unauthorized
        );
    }
}
