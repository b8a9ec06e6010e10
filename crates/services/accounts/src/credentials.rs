//! Credentials: input validation of accounts (email, password, display name) and Argon2id
//! password hashing. Tokens are `api::token`'s.

use api::error::{ApiError, ErrorCode};
use api::token::os_random;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

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
