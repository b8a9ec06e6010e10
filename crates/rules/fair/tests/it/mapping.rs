//! Integer mappings: `floor(f * n)` equals the integer form, its exact bias, and the unbiased mode.

use fair::stream::{draws_below, float_from_u32, index_from_u32, unbiased_zone};
use fair::{ByteStream, IndexMode};
use proptest::prelude::*;

#[test]
fn floor_mapping_bias_is_at_most_one_draw_per_index() {
    // Each index of 0..n receives floor(2^32 / n) or ceil(2^32 / n) of the 2^32 draws.
    for n in [3u32, 37, 52, 10_001, 100_000] {
        let base = (1u64 << 32) / u64::from(n);
        for k in [0, 1, n / 2, n - 1] {
            let count = draws_below(k + 1, n) - draws_below(k, n);
            assert!(
                count == base || count == base + 1,
                "n={n} k={k} count={count}"
            );
        }
    }
}

#[test]
fn unbiased_mode_draws_within_range_and_is_deterministic() {
    let mut a = ByteStream::new("server", "client", 7);
    let mut b = ByteStream::new("server", "client", 7);
    for n in [1u32, 2, 3, 37, 52, 10_001, u32::MAX] {
        let x = a.index(n, IndexMode::Unbiased);
        assert!(x < n);
        assert_eq!(x, b.index(n, IndexMode::Unbiased));
    }
    assert_eq!(a.next_index_unbiased(0), None);
    assert_eq!(unbiased_zone(3), (1u64 << 32) - 1);
    assert_eq!(unbiased_zone(1 << 31), 1 << 32);
}

#[test]
fn unbiased_mode_rejects_draws_above_the_zone() {
    // n = 2^31 + 1: the zone is one multiple of n; draws at or above it are rejected, so the
    // stream advances past them. Count how many four-byte draws the first index consumed.
    let n = (1u32 << 31) + 1;
    let mut stream = ByteStream::new("server", "client", 1);
    let mut probe = stream.clone();
    let index = stream.index(n, IndexMode::Unbiased);
    let mut used = 0;
    loop {
        used += 1;
        let u = u64::from(probe.next_u32());
        if u < unbiased_zone(n) {
            assert_eq!(u64::from(index), u % u64::from(n));
            break;
        }
    }
    assert_eq!(stream.cursor(), 4 * used);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn chunked_fills_equal_one_fill(chunks in proptest::collection::vec(0usize..80, 1..8), nonce in any::<u64>()) {
        let total: usize = chunks.iter().sum();
        let mut whole = vec![0u8; total];
        ByteStream::new("s", "c", nonce).fill(&mut whole);
        let mut stream = ByteStream::new("s", "c", nonce);
        let mut pieces = Vec::new();
        for len in chunks {
            let mut buf = vec![0u8; len];
            stream.fill(&mut buf);
            pieces.extend(buf);
            prop_assert_eq!(stream.cursor(), pieces.len() as u64);
        }
        prop_assert_eq!(pieces, whole);
    }

    #[test]
    fn index_is_floor_of_float_times_n(u in any::<u32>(), n in 1u32..(1 << 21)) {
        let index = index_from_u32(u, n);
        prop_assert!(index < n);
        prop_assert_eq!(index, (float_from_u32(u) * f64::from(n)).floor() as u32);
    }
}
