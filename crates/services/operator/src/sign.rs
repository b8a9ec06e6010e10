//! Request signatures of the operator API, both ways: `X-Signature` = lowercase hex
//! `HMAC_SHA256(secret, "{timestamp}.{raw body}")`, `X-Timestamp` = unix seconds.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Header naming the operator.
pub const OPERATOR_ID_HEADER: &str = "x-operator-id";
/// Header with the unix-seconds timestamp that is part of the signed text.
pub const TIMESTAMP_HEADER: &str = "x-timestamp";
/// Header with the lowercase hex signature.
pub const SIGNATURE_HEADER: &str = "x-signature";

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length.
    #[allow(clippy::expect_used, reason = "HMAC-SHA256 accepts keys of any length")]
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature of `body` sent at `timestamp`, as lowercase hex.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
}

/// Whether `signature_hex` signs `body` at `timestamp` under `secret`, compared in constant time.
/// Anything but 64 lowercase hex digits is false.
pub fn verify(secret: &str, timestamp: i64, body: &[u8], signature_hex: &str) -> bool {
    if signature_hex.len() != 64
        || !signature_hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return false;
    }
    let Ok(raw) = hex::decode(signature_hex) else {
        return false;
    };
    mac(secret, timestamp, body).verify_slice(&raw).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of `docs/operator-integration.md` (computed independently with Python's
    /// `hmac` module).
    #[test]
    fn documented_example() {
        let body = br#"{"player_id":"p-1001","currency":"EUR","game":"dice","language":"en","return_url":"https://casino.example/lobby"}"#;
        let secret = "example-secret-0123456789abcdef0123456789";
        let sig = sign(secret, 1_763_726_400, body);
        assert_eq!(
            sig,
            "32ed747ece7ffe5574f3b566f9e32b9075deaf3dfc3edb36f307da32a6cdecd7"
        );
        let doc = include_str!("../../../../docs/operator-integration.md");
        assert!(doc.contains(&sig), "the documentation shows the signature");
        assert!(doc.contains(std::str::from_utf8(body).expect("utf8")));
        assert!(verify(secret, 1_763_726_400, body, &sig));
        assert!(!verify(secret, 1_763_726_401, body, &sig));
        assert!(!verify("other", 1_763_726_400, body, &sig));
        assert!(!verify(secret, 1_763_726_400, body, &sig.to_uppercase()));
        assert!(!verify(secret, 1_763_726_400, body, "zz"));
    }
}
