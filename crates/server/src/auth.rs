//! Accounts and credentials: input validation, Argon2id password hashing, HS256 access tokens and
//! rotating refresh tokens (stored hashed, in families; reuse of a spent token revokes the family).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ErrorCode};

/// Longest accepted email (RFC 5321 path limit).
pub const EMAIL_BYTES_MAX: usize = 254;
/// Shortest accepted password, in characters.
pub const PASSWORD_CHARS_MIN: usize = 8;
/// Longest accepted password, in bytes (bounds Argon2 work per request).
pub const PASSWORD_BYTES_MAX: usize = 128;
/// Display name length bounds, in characters.
pub const DISPLAY_NAME_CHARS_MIN: usize = 2;
/// Display name length bounds, in characters.
pub const DISPLAY_NAME_CHARS_MAX: usize = 32;

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
}

/// What a verified access token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The user id from `sub`.
    pub user_id: i64,
    /// The operator of an operator-session token (`op`); `None` for ordinary tokens.
    pub operator_id: Option<String>,
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
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("access_ttl_secs", &self.access_ttl_secs)
            .finish()
    }
}

impl TokenKeys {
    /// Keys from a secret.
    pub fn new(secret: &[u8], access_ttl_secs: u64, refresh_ttl_secs: u64) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            access_ttl_secs: i64::try_from(access_ttl_secs).unwrap_or(i64::MAX / 2),
            refresh_ttl_secs: i64::try_from(refresh_ttl_secs).unwrap_or(i64::MAX / 2),
        }
    }

    /// A signed access token for `user_id`, issued at `now_secs`.
    pub fn issue_access(&self, user_id: i64, now_secs: i64) -> Result<String, ApiError> {
        self.issue(user_id, None, now_secs)
    }

    /// The access token of an operator session of `user_id` opened by `operator_id` (claim `op`).
    pub fn issue_operator_session(
        &self,
        user_id: i64,
        operator_id: &str,
        now_secs: i64,
    ) -> Result<String, ApiError> {
        self.issue(user_id, Some(operator_id.to_owned()), now_secs)
    }

    fn issue(&self, user_id: i64, op: Option<String>, now_secs: i64) -> Result<String, ApiError> {
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now_secs,
            exp: now_secs + self.access_ttl_secs,
            jti: random_hex(16),
            op,
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
        v.leeway = 5;
        v.set_required_spec_claims(&["exp", "sub", "iat"]);
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &v).map_err(|e| {
                match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                        ApiError::new(ErrorCode::TokenExpired)
                    }
                    _ => ApiError::unauthorized("The access token is invalid."),
                }
            })?;
        let user_id = data
            .claims
            .sub
            .parse()
            .map_err(|_| ApiError::unauthorized("The access token is invalid."))?;
        Ok(Access {
            user_id,
            operator_id: data.claims.op,
            expires_at: data.claims.exp,
        })
    }
}

/// Hashes a password with Argon2id (default parameters: m=19 MiB, t=2, p=1) and a random salt.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    os_random(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Checks a password against a stored PHC hash.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
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

/// Normalises and validates an email: trimmed, lowercased, one `@`, a dotted domain, no spaces.
pub fn normalize_email(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim().to_lowercase();
    let invalid = || ApiError::field("email", "The email address is not valid.");
    if email.is_empty() || email.len() > EMAIL_BYTES_MAX {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && email.chars().all(|c| !c.is_whitespace() && !c.is_control());
    if ok { Ok(email) } else { Err(invalid()) }
}

/// Rejects passwords that are short, oversize, single-character-class or among the commonest.
pub fn check_password(password: &str) -> Result<(), ApiError> {
    if password.len() > PASSWORD_BYTES_MAX {
        return Err(ApiError {
            field: Some("password".into()),
            ..ApiError::with_message(
                ErrorCode::WeakPassword,
                format!("The password must be at most {PASSWORD_BYTES_MAX} bytes long."),
            )
        });
    }
    let chars = password.chars().count();
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    const COMMON: &[&str] = &[
        "password",
        "password1",
        "12345678",
        "123456789",
        "qwertyui",
        "iloveyou",
        "11111111",
    ];
    let weak = chars < PASSWORD_CHARS_MIN
        || classes < 2
        || COMMON.contains(&password.to_lowercase().as_str());
    if weak {
        return Err(ApiError {
            field: Some("password".into()),
            ..ApiError::with_message(
                ErrorCode::WeakPassword,
                format!(
                    "The password must have at least {PASSWORD_CHARS_MIN} characters, mix at least two of \
                     lowercase, uppercase, digits and symbols, and not be a common password."
                ),
            )
        });
    }
    Ok(())
}

/// Trims and validates a display name.
pub fn normalize_display_name(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim().to_owned();
    let n = name.chars().count();
    if !(DISPLAY_NAME_CHARS_MIN..=DISPLAY_NAME_CHARS_MAX).contains(&n)
        || name.chars().any(char::is_control)
    {
        return Err(ApiError::field(
            "display_name",
            format!(
                "The display name must be {DISPLAY_NAME_CHARS_MIN} to {DISPLAY_NAME_CHARS_MAX} characters \
                 without control characters."
            ),
        ));
    }
    Ok(name)
}

/// A friendly generated name for a guest, e.g. `Lucky Panda 4821`.
pub fn guest_name(random: [u32; 3]) -> String {
    const ADJ: &[&str] = &[
        "Lucky", "Swift", "Bold", "Calm", "Clever", "Brave", "Jolly", "Quiet", "Sunny", "Witty",
        "Mighty", "Gentle",
    ];
    const NOUN: &[&str] = &[
        "Panda", "Tiger", "Crane", "Dragon", "Phoenix", "Otter", "Falcon", "Koi", "Lynx", "Heron",
        "Fox", "Turtle",
    ];
    let a = ADJ[random[0] as usize % ADJ.len()];
    let b = NOUN[random[1] as usize % NOUN.len()];
    format!("{a} {b} {:04}", random[2] % 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_normalise_or_are_rejected() {
        assert_eq!(
            normalize_email("  Alice@Example.COM ").expect("ok"),
            "alice@example.com"
        );
        for bad in [
            "", "no-at", "a@b", "a@@b.c", "@b.c", "a@.b.c", "a@b.c.", "a b@c.d", "a@b..c",
        ] {
            assert_eq!(
                normalize_email(bad).expect_err(bad).field.as_deref(),
                Some("email")
            );
        }
        assert!(normalize_email(&format!("{}@x.io", "a".repeat(300))).is_err());
    }

    #[test]
    fn weak_passwords_are_rejected() {
        for bad in [
            "short1A",
            "alllowercase",
            "12345678",
            "Password1".get(..0).unwrap_or(""),
        ] {
            assert_eq!(
                check_password(bad).expect_err(bad).code,
                ErrorCode::WeakPassword
            );
        }
        assert!(check_password(&"aA1".repeat(50)).is_err(), "oversize");
        check_password("correct horse 9").expect("ok");
        check_password("Tr0ub4dour").expect("ok");
    }

    #[test]
    fn password_hash_round_trip() {
        let h = hash_password("Tr0ub4dour").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Tr0ub4dour", &h));
        assert!(!verify_password("tr0ub4dour", &h));
        assert!(!verify_password("x", "not a phc string"));
    }

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

    #[test]
    fn display_names() {
        assert_eq!(
            normalize_display_name("  掼蛋高手 ").expect("ok"),
            "掼蛋高手"
        );
        assert!(normalize_display_name("x").is_err());
        assert!(normalize_display_name(&"x".repeat(33)).is_err());
        assert!(normalize_display_name("a\u{0}b").is_err());
    }
}
