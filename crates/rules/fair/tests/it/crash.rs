//! Crash points against published vectors, the hash chain, and the exact instant-crash rate.

use fair::crash::{self, crash_from_u32, crash_point, draws_at_least, follows, hash_chain};

use crate::fixture;

#[test]
fn crash_points_match_published_vectors() {
    let fixture = fixture();
    let cases = fixture["crash"].as_array().expect("crash vectors");
    assert_eq!(cases.len(), 3);
    for case in cases {
        let hash = case["game_hash"].as_str().expect("hash");
        let salt = case["salt"].as_str().expect("salt");
        assert_eq!(
            u64::from(crash::crash_u32(hash, salt)),
            case["u32"].as_u64().expect("u32")
        );
        let point = crash_point(hash, salt);
        assert_eq!(point.raw, case["raw"].as_f64().expect("raw"), "{case}");
        assert_eq!(point.hundredths, (point.raw * 100.0).floor() as u64);
    }
}

#[test]
fn cli_crash_prints_floored_point_and_raw() {
    let out = fair::cli::crash(
        "b4e7b335045da0a2666145980d03ed440a2e150e5369c72c7e6e24aeeb95f791",
        "0000000000000000001b34dc6a1e86083f95500b096231436e9b25cbdd0075c4",
    )
    .expect("valid arguments");
    assert_eq!(
        out.to_string(),
        r#"{"crash_point":2.56,"raw":2.5682504010713783}"#
    );
}

#[test]
fn cli_crash_names_the_bad_argument() {
    let check = |hash: &str, salt: &str, word: &str| {
        let err = fair::cli::crash(hash, salt).expect_err("bad argument");
        assert!(err.to_string().contains(word), "{err}");
        assert!(!err.to_string().contains('\n'));
    };
    check("xyz", "salt", "--game-hash");
    check(&"g".repeat(64), "salt", "--game-hash");
    check(&"a".repeat(64), "", "--salt");
}

#[test]
fn chain_is_played_in_reverse_and_each_link_verifies() {
    let chain = hash_chain("playhouse test chain seed", 50).expect("length within limits");
    assert_eq!(chain.len(), 50);
    for pair in chain.windows(2) {
        assert!(
            follows(&pair[0], &pair[1]),
            "the later game hashes to the earlier one"
        );
        assert!(!follows(&pair[1], &pair[0]));
    }
    // The first game played is the last generated: 50 hashes from the seed.
    let mut h = "playhouse test chain seed".to_owned();
    for _ in 0..50 {
        h = crash::chain_next(&h);
    }
    assert_eq!(chain[0], h);
    assert_eq!(hash_chain("s", 0), Err(crash::ChainError::BadLength));
}

#[test]
fn crash_point_edges() {
    assert_eq!(crash_from_u32(u32::MAX).raw, 1.0);
    assert_eq!(crash_from_u32(u32::MAX).hundredths, 100);
    assert_eq!(crash_from_u32(0).raw, 4_294_967_296.0 * 0.99);
    // About 1% of rounds crash instantly at 1.00 (the house edge): exactly the draws with
    // 2^32 / (u + 1) * 0.99 < 1.01.
    let instant = (1u64 << 32) - draws_at_least(101);
    let share = instant as f64 / 2f64.powi(32);
    assert!((share - (1.0 - 0.99 / 1.01)).abs() < 1e-6, "{share}");
}

#[test]
fn draws_at_least_is_the_exact_preimage_count() {
    for target in [101u64, 150, 200, 1_000, 100_000] {
        let count = draws_at_least(target);
        assert!(count > 0);
        assert!(crash_from_u32((count - 1) as u32).hundredths >= target);
        assert!(crash_from_u32(count as u32).hundredths < target);
    }
}
