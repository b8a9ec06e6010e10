//! Request signatures of the operator API, both ways (calls to us and our calls to operator
//! wallets). `X-Signature` = lowercase hex
//! `HMAC_SHA256(secret, "{timestamp}.{nonce}.{METHOD}.{path with query}.{raw body}")`, with
//! `X-Timestamp` the unix time in seconds and `X-Nonce` 16 to 64 characters of `[A-Za-z0-9_-]`,
//! unique per request. Signing the method and the path binds a signature to one route and one
//! player; the nonce makes two otherwise identical requests (two balance polls in one second)
//! distinct, and is what the replay check remembers.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Header naming the operator.
pub const OPERATOR_ID_HEADER: &str = "x-operator-id";
/// Header with the unix-seconds timestamp that is part of the signed text.
pub const TIMESTAMP_HEADER: &str = "x-timestamp";
/// Header with the request's nonce (part of the signed text; replays are refused by it).
pub const NONCE_HEADER: &str = "x-nonce";
/// Header with the lowercase hex signature.
pub const SIGNATURE_HEADER: &str = "x-signature";

/// Shortest nonce accepted.
pub const NONCE_CHARS_MIN: usize = 16;
/// Longest nonce accepted.
pub const NONCE_CHARS_MAX: usize = 64;

/// What a signature covers: everything of a request but its headers.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// Unix seconds, as sent in `X-Timestamp`.
    pub timestamp: i64,
    /// As sent in `X-Nonce`.
    pub nonce: &'a str,
    /// The HTTP method in capitals (`POST`, `GET`).
    pub method: &'a str,
    /// The request target as sent: the path and, when there is one, `?` and the query.
    pub path_and_query: &'a str,
    /// The exact bytes of the body (empty for a GET).
    pub body: &'a [u8],
}

impl Signed<'_> {
    fn mac(&self, secret: &str) -> HmacSha256 {
        #[allow(clippy::expect_used, reason = "HMAC-SHA256 accepts keys of any length")]
        let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(self.timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(self.nonce.as_bytes());
        mac.update(b".");
        mac.update(self.method.as_bytes());
        mac.update(b".");
        mac.update(self.path_and_query.as_bytes());
        mac.update(b".");
        mac.update(self.body);
        mac
    }

    /// The signature under `secret`, as lowercase hex.
    pub fn sign(&self, secret: &str) -> String {
        hex::encode(self.mac(secret).finalize().into_bytes())
    }

    /// Whether `signature_hex` signs this request under `secret`, compared in constant time.
    /// Anything but 64 lowercase hex digits is false.
    pub fn verify(&self, secret: &str, signature_hex: &str) -> bool {
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
        self.mac(secret).verify_slice(&raw).is_ok()
    }
}

/// Whether `nonce` has the contract's shape: 16 to 64 characters of `[A-Za-z0-9_-]`.
pub fn nonce_is_valid(nonce: &str) -> bool {
    (NONCE_CHARS_MIN..=NONCE_CHARS_MAX).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A fresh nonce: 32 lowercase hex digits from the OS generator (128 bits).
pub fn new_nonce() -> String {
    api::token::random_hex(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "example-secret-0123456789abcdef0123456789";
    const BODY: &[u8] = br#"{"player_id":"p-1001","currency":"EUR","game":"dice","language":"en","return_url":"https://casino.example/lobby"}"#;

    fn example() -> Signed<'static> {
        Signed {
            timestamp: 1_763_726_400,
            nonce: "n-4f1c2a9b7d3e8f60",
            method: "POST",
            path_and_query: "/v1/operator/sessions",
            body: BODY,
        }
    }

    /// The worked example of `docs/operator-integration.md` (computed independently with Python's
    /// `hmac` module).
    #[test]
    fn documented_example() {
        let sig = example().sign(SECRET);
        assert_eq!(
            sig,
            "613f59dcbcd0ace622128dd2d35780bce8cc023e4d5cc40645827b0f6b33cd06"
        );
        let doc = include_str!("../../../../docs/operator-integration.md");
        assert!(doc.contains(&sig), "the documentation shows the signature");
        assert!(doc.contains(std::str::from_utf8(BODY).expect("utf8")));
        assert!(example().verify(SECRET, &sig));
        assert!(!example().verify("other", &sig));
        assert!(!example().verify(SECRET, &sig.to_uppercase()));
        assert!(!example().verify(SECRET, "zz"));
    }

    /// Every part of the request is covered: changing any one of them breaks the signature.
    #[test]
    fn every_part_is_signed() {
        let sig = example().sign(SECRET);
        let changed = [
            Signed {
                timestamp: 1_763_726_401,
                ..example()
            },
            Signed {
                nonce: "n-4f1c2a9b7d3e8f61",
                ..example()
            },
            Signed {
                method: "PUT",
                ..example()
            },
            Signed {
                path_and_query: "/v1/operator/sessions?x=1",
                ..example()
            },
            Signed {
                body: b"{}",
                ..example()
            },
        ];
        for c in changed {
            assert!(!c.verify(SECRET, &sig), "{c:?}");
        }
        // The separators keep the parts apart: moving a dot between two parts is another text.
        let a = Signed {
            nonce: "aaaaaaaaaaaaaaaa.b",
            path_and_query: "/p",
            ..example()
        };
        let b = Signed {
            nonce: "aaaaaaaaaaaaaaaa",
            path_and_query: "b./p",
            ..example()
        };
        assert_ne!(a.sign(SECRET), b.sign(SECRET));
    }

    #[test]
    fn nonce_shape() {
        assert!(nonce_is_valid("abcdefghABCDEFGH"));
        assert!(nonce_is_valid(&"a-_9".repeat(16)));
        assert!(!nonce_is_valid("abcdefghABCDEFG"), "15 characters");
        assert!(!nonce_is_valid(&"a".repeat(65)), "65 characters");
        assert!(!nonce_is_valid("abcdefgh.ABCDEFGH"), "a dot");
        assert!(!nonce_is_valid("abcdefgh ABCDEFGH"), "a space");
        assert!(!nonce_is_valid("abcdefghÄBCDEFGH"), "not ASCII");
        let n = new_nonce();
        assert!(nonce_is_valid(&n), "{n}");
        assert_ne!(n, new_nonce());
    }
}
