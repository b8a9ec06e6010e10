//! Chi-square tests of each game's outcome distribution against its exact distribution.
//!
//! Fixed seeds make every test deterministic; the threshold is the 0.1% critical value, so a
//! correct mapping passes and an off-by-one or a skewed mapping fails by a wide margin.

use casino::cards::DECK_CARDS;
use casino::ratio::binomial;
use casino::{Risk, dice, keno, limbo, mines, plinko, roulette, wheel};
use fair::{IndexMode, SeedKey};

use crate::{STAT_CLIENT_SEED, STAT_SERVER_SEED};

/// Chi-square statistic of `observed` counts against `probabilities` (summing to 1).
fn chi_square(observed: &[u64], probabilities: &[f64]) -> f64 {
    assert_eq!(observed.len(), probabilities.len());
    let total: u64 = observed.iter().sum();
    let sum_p: f64 = probabilities.iter().sum();
    assert!((sum_p - 1.0).abs() < 1e-9, "probabilities sum to {sum_p}");
    observed
        .iter()
        .zip(probabilities)
        .map(|(&o, &p)| {
            let e = p * total as f64;
            assert!(e >= 5.0, "every bin expects at least 5 (got {e})");
            (o as f64 - e).powi(2) / e
        })
        .sum()
}

/// Upper 0.1% point of chi-square with `df` degrees of freedom (Wilson–Hilferty).
fn critical_001(df: usize) -> f64 {
    let k = df as f64;
    let z = 3.090_232; // upper 0.1% point of the standard normal
    k * (1.0 - 2.0 / (9.0 * k) + z * (2.0 / (9.0 * k)).sqrt()).powi(3)
}

fn check(name: &str, observed: &[u64], probabilities: &[f64]) {
    let stat = chi_square(observed, probabilities);
    let critical = critical_001(observed.len() - 1);
    assert!(
        stat < critical,
        "{name}: chi-square {stat:.1} >= {critical:.1} (df {})",
        observed.len() - 1
    );
}

/// Runs `games` outcomes with nonces 0.. on the fixed seed pair and bins them.
fn sample(
    games: u64,
    bins: usize,
    mut bin: impl FnMut(&mut fair::ByteStream) -> usize,
) -> Vec<u64> {
    let key = SeedKey::new(STAT_SERVER_SEED);
    let mut counts = vec![0u64; bins];
    for nonce in 0..games {
        counts[bin(&mut key.stream(STAT_CLIENT_SEED, nonce))] += 1;
    }
    counts
}

#[test]
fn dice_rolls_are_uniform_over_10001_values() {
    // 100 bins of 100 rolls; the last bin also holds 100.00.
    let observed = sample(200_000, 100, |s| {
        (dice::roll(s, IndexMode::Floor) / 100).min(99) as usize
    });
    let mut p = vec![100.0 / 10_001.0; 100];
    p[99] = 101.0 / 10_001.0;
    check("dice", &observed, &p);
}

#[test]
fn roulette_pockets_are_uniform() {
    let observed = sample(100_000, 37, |s| {
        usize::from(roulette::pocket(s, IndexMode::Floor))
    });
    check("roulette", &observed, &[1.0 / 37.0; 37]);
}

#[test]
fn wheel_segments_are_uniform() {
    let params = wheel::WheelParams {
        segments: 50,
        risk: Risk::Medium,
    };
    let observed = sample(100_000, 50, |s| params.spin(s, IndexMode::Floor) as usize);
    check("wheel", &observed, &[1.0 / 50.0; 50]);
}

#[test]
fn cards_are_uniform_over_the_deck() {
    let observed = sample(100_000, 52, |s| {
        usize::from(casino::cards::draw(s, IndexMode::Floor).index())
    });
    check("cards", &observed, &[1.0 / f64::from(DECK_CARDS); 52]);
}

#[test]
fn unbiased_mode_is_uniform_too() {
    let observed = sample(100_000, 37, |s| {
        usize::from(roulette::pocket(s, IndexMode::Unbiased))
    });
    check("roulette unbiased", &observed, &[1.0 / 37.0; 37]);
}

#[test]
fn limbo_results_follow_the_exact_distribution() {
    let edges = [101u64, 150, 200, 300, 500, 1_000, 10_000];
    let bin = |result: u64| edges.iter().filter(|&&e| result >= e).count();
    let observed = sample(100_000, edges.len() + 1, |s| bin(limbo::result(s)));
    // P(bin i) = P(result >= edge i-1) - P(result >= edge i), counted exactly over 2^32 draws.
    let at_least = |h: Option<&u64>| {
        h.map_or(1u64 << 32, |&h| limbo::draws_at_least(h)) as f64 / 2f64.powi(32)
    };
    let p: Vec<f64> = (0..=edges.len())
        .map(|i| {
            let lower = if i == 0 {
                1.0
            } else {
                at_least(edges.get(i - 1))
            };
            let upper = if i == edges.len() {
                0.0
            } else {
                at_least(edges.get(i))
            };
            lower - upper
        })
        .collect();
    check("limbo", &observed, &p);
}

#[test]
fn crash_points_follow_the_exact_distribution() {
    let chain = fair::crash::hash_chain("playhouse chi-square chain", 50_000).expect("length");
    let edges = [101u64, 150, 200, 300, 500, 1_000];
    let mut observed = vec![0u64; edges.len() + 1];
    for hash in &chain {
        let point = fair::crash_point(hash, "playhouse-salt").hundredths;
        observed[edges.iter().filter(|&&e| point >= e).count()] += 1;
    }
    let at_least = |e: u64| fair::crash::draws_at_least(e) as f64 / 2f64.powi(32);
    let p: Vec<f64> = (0..=edges.len())
        .map(|i| {
            let lower = if i == 0 { 1.0 } else { at_least(edges[i - 1]) };
            let upper = if i == edges.len() {
                0.0
            } else {
                at_least(edges[i])
            };
            lower - upper
        })
        .collect();
    check("crash", &observed, &p);
}

#[test]
fn plinko_buckets_are_binomial() {
    let params = plinko::PlinkoParams {
        rows: 16,
        risk: Risk::High,
    };
    // Buckets 0-2 and 14-16 are merged so every bin expects at least 5.
    let merge = |bucket: u32| (bucket.clamp(2, 14) - 2) as usize;
    let observed = sample(100_000, 13, |s| merge(params.drop_ball(s).bucket));
    let mut p = vec![0.0; 13];
    for k in 0..=16u32 {
        p[merge(k)] += binomial(16, u64::from(k)) as f64 / 65_536.0;
    }
    check("plinko", &observed, &p);
}

#[test]
fn keno_hits_are_hypergeometric() {
    let picks: Vec<u8> = vec![3, 7, 11, 19, 22, 28, 31, 35, 38, 40];
    // Hits 0..=5 and 6+ (higher counts expect fewer than 5 in 50k games).
    let observed = sample(50_000, 7, |s| {
        let drawn = keno::draw(s, IndexMode::Floor);
        drawn.iter().filter(|n| picks.contains(n)).count().min(6)
    });
    let c40 = binomial(40, 10) as f64;
    let mut p: Vec<f64> = (0..=10u64)
        .map(|h| (binomial(10, h) * binomial(30, 10 - h)) as f64 / c40)
        .collect();
    let tail: f64 = p[6..].iter().sum();
    p.truncate(6);
    p.push(tail);
    check("keno", &observed, &p);
}

#[test]
fn keno_draws_each_number_equally_often() {
    let mut observed = vec![0u64; 40];
    let key = SeedKey::new(STAT_SERVER_SEED);
    for nonce in 0..20_000 {
        // Only the first drawn number: one independent uniform observation per game.
        let drawn = keno::draw(&mut key.stream(STAT_CLIENT_SEED, nonce), IndexMode::Floor);
        observed[usize::from(drawn[0] - 1)] += 1;
        assert_eq!(
            drawn
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            10,
            "no number drawn twice"
        );
    }
    check("keno first number", &observed, &[1.0 / 40.0; 40]);
}

#[test]
fn mines_are_placed_uniformly() {
    // Mines among the first row (tiles 0..5) with 5 mines is hypergeometric(25, 5, 5).
    let observed = sample(50_000, 4, |s| {
        let mines = mines::draw_mines(s, IndexMode::Floor, 5);
        mines.iter().filter(|&&t| t < 5).count().min(3)
    });
    let c = binomial(25, 5) as f64;
    let mut p: Vec<f64> = (0..=5u64)
        .map(|h| (binomial(5, h) * binomial(20, 5 - h)) as f64 / c)
        .collect();
    let tail: f64 = p[3..].iter().sum();
    p.truncate(3);
    p.push(tail);
    check("mines row", &observed, &p);
    let first = sample(50_000, 25, |s| {
        usize::from(mines::draw_mines(s, IndexMode::Floor, 1)[0])
    });
    check("mines first tile", &first, &[1.0 / 25.0; 25]);
}

#[test]
fn a_skewed_mapping_fails_the_test() {
    // Guard against a test that cannot fail: mapping with floor(f * 36) never yields pocket 36.
    let observed = sample(20_000, 37, |s| s.next_index(36) as usize);
    let stat = chi_square(&observed, &[1.0 / 37.0; 37]);
    assert!(stat > critical_001(36), "skewed sample passed with {stat}");
}
