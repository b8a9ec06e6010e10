//! Exact analysis against brute force: the full cycle of small random games enumerated stop by stop
//! (and mystery draw by draw) must give exactly the same `(win, awards)` distribution; the free-spin
//! series must match an independent iteration over the number of spins left.

use std::collections::BTreeMap;

use proptest::prelude::*;
use slots::{Game, analyze, distribution_of, evaluate, window_from_stops};

use crate::games_gen::small;

fn brute_force(game: &Game, set: usize) -> (BTreeMap<(u64, u32), u128>, u128) {
    let lens: Vec<usize> = game.reel_sets[set].strips.iter().map(Vec::len).collect();
    let mut out = BTreeMap::new();
    let mut total = 0u128;
    let mut stops = vec![0usize; game.reels];
    loop {
        let window = window_from_stops(game, set, &stops);
        match &game.mystery {
            Some(m) if slots::eval::mystery_count(game, &window) >= m.min_count => {
                for &(to, w) in &m.weights {
                    let mut win = window.clone();
                    slots::eval::substitute(game, &mut win, to);
                    let e = evaluate(game, &win);
                    *out.entry((e.total, e.free_spins)).or_insert(0) += u128::from(w);
                }
                total += u128::from(m.weight_total);
            }
            _ => {
                let e = evaluate(game, &window);
                let w = game.mystery.as_ref().map_or(1, |m| m.weight_total);
                *out.entry((e.total, e.free_spins)).or_insert(0) += u128::from(w);
                total += u128::from(w);
            }
        }
        // Odometer over the stops.
        let mut r = 0;
        loop {
            if r == game.reels {
                return (out, total);
            }
            stops[r] += 1;
            if stops[r] < lens[r] {
                break;
            }
            stops[r] = 0;
            r += 1;
        }
    }
}

fn check(game: &Game) {
    for set in 0..game.reel_sets.len() {
        let dp = distribution_of(game, set).expect("small games are analysable");
        let (cells, total) = brute_force(game, set);
        assert_eq!(dp.total, total);
        assert_eq!(dp.cells, cells);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn line_games_match_brute_force(small in small(false, false, true)) {
        check(&small.game());
    }

    #[test]
    fn ways_games_match_brute_force(small in small(true, false, false)) {
        check(&small.game());
    }

    #[test]
    fn mystery_games_match_brute_force(small in small(false, true, false)) {
        check(&small.game());
    }

    #[test]
    fn mystery_ways_games_match_brute_force(small in small(true, true, false)) {
        check(&small.game());
    }

    #[test]
    fn symbol_contributions_add_up(small in small(false, false, true)) {
        let game = small.game();
        let report = analyze(&game).expect("analysable");
        let sum: f64 = report.symbols.as_ref().expect("no mystery").iter().map(|s| s.base + s.free_spins).sum();
        prop_assert!((sum - report.rtp).abs() <= 1e-12 * report.rtp.max(1.0), "{sum} vs {}", report.rtp);
    }

    #[test]
    fn free_spins_match_spins_left_iteration(small in small(false, false, true)) {
        let game = small.game();
        let report = analyze(&game).expect("analysable");
        let expected = free_spin_value_by_iteration(&game);
        prop_assert!((report.free_spins_rtp - expected).abs() <= 1e-9 * expected.max(1.0), "{} vs {expected}", report.free_spins_rtp);
    }
}

/// Free-spin RTP computed without the geometric series: iterate the distribution of "spins left" one
/// spin at a time (mass at k spins left moves to k − 1 + awards), accumulating the expected win, until
/// the remaining mass is negligible.
fn free_spin_value_by_iteration(game: &Game) -> f64 {
    let fs = game.free_spins.as_ref().expect("bonus game");
    let base = distribution_of(game, 0).expect("analysable");
    let bonus = distribution_of(game, fs.reel_set).expect("analysable");
    let p = |d: &slots::Distribution| -> Vec<(f64, u32, f64)> {
        d.cells
            .iter()
            .map(|(&(w, a), &c)| (w as f64, a, c as f64 / d.total as f64))
            .collect()
    };
    let bonus = p(&bonus);
    let mut left: BTreeMap<u32, f64> = BTreeMap::new();
    for (_, a, pr) in p(&base) {
        if a > 0 {
            *left.entry(a).or_insert(0.0) += pr;
        }
    }
    let mut value = 0.0;
    for _ in 0..10_000 {
        let mass: f64 = left.values().sum();
        if mass < 1e-15 {
            break;
        }
        let mut next = BTreeMap::new();
        for (&k, &m) in &left {
            for &(w, a, pr) in &bonus {
                value += m * pr * w * fs.multiplier as f64;
                let k2 = k - 1 + if fs.retrigger { a } else { 0 };
                if k2 > 0 {
                    *next.entry(k2).or_insert(0.0) += m * pr;
                }
            }
        }
        left = next;
    }
    value / game.cost as f64
}

#[test]
fn endless_free_spins_are_refused() {
    // One row, strips of [s, a]: three scatters (1 in 8) award ten spins, 1.25 per spin on average.
    let yaml = r"
name: endless
reels: 3
rows: 1
symbols: [{name: a}, {name: s, scatter: true}]
lines: [[0, 0, 0]]
pays: {a: [0, 0, 5]}
free_spins: {trigger: {symbol: s, awards: [0, 0, 10]}, retrigger: true}
reel_sets:
  base: [[s, a], [s, a], [s, a]]
";
    let err = slots::parse_game(yaml)
        .expect_err("the feature never ends")
        .to_string();
    assert!(
        err.starts_with("free_spins.retrigger: a free spin on `base` awards 1.250000 spins"),
        "{err}"
    );
    // Four spins per trigger: 0.5 spins per spin, so the feature ends. A free spin wins 5 line bets
    // 1 time in 8 (0.625) and is worth 0.625 / (1 − 0.5) = 1.25; a paid spin triggers 0.5 spins on
    // average, so free spins return 0.5 × 1.25 = 0.625, as much as the base game.
    let ends = yaml.replacen("awards: [0, 0, 10]", "awards: [0, 0, 4]", 1);
    let game = slots::parse_game(&ends).expect("valid definition");
    let r = analyze(&game).expect("analysable");
    assert!((r.base_rtp - 0.625).abs() < 1e-15, "{}", r.base_rtp);
    assert!(
        (r.free_spins_rtp - 0.625).abs() < 1e-12,
        "{}",
        r.free_spins_rtp
    );
}

#[test]
fn capped_game_without_free_spins_is_exact() {
    // One line, one reel set of a single repeated symbol: every spin wins 100 line bets, cap 40.
    let yaml = r"
name: capped
reels: 3
rows: 1
symbols: [{name: a}, {name: b}]
lines: [[0, 0, 0]]
pays: {a: [0, 0, 100]}
max_win: 40
reel_sets:
  base: [[a, b], [a], [a]]
";
    let game = slots::parse_game(yaml).expect("valid definition");
    let report = analyze(&game).expect("analysable");
    assert!(report.cap_exact);
    assert_eq!(report.base_rtp_fraction, "20/1");
    assert!((report.rtp - 20.0).abs() < 1e-12);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Every kind of small game analyses (the per-symbol and distribution methods agree, asserted
    /// inside), and the figures are sane.
    #[test]
    fn analysis_figures_are_sane(
        (small, mystery) in (any::<bool>(), any::<bool>())
            .prop_flat_map(|(ways, mystery)| small(ways, mystery, !mystery).prop_map(move |s| (s, mystery)))
    ) {
        let game = small.game();
        let r = analyze(&game).expect("small games are analysable");
        prop_assert!(r.rtp >= 0.0 && r.volatility >= 0.0);
        prop_assert!((0.0..=1.0).contains(&r.hit_frequency));
        prop_assert!((0.0..=1.0).contains(&r.free_spins_trigger_rate));
        prop_assert_eq!(r.symbols.is_some(), !mystery);
    }
}
