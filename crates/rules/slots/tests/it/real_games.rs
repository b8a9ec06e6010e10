//! Outside check: full-cycle RTPs of real games, as published in the data files of an open-source slot
//! server (slotopol/server), reproduced to the last printed digit (well within the 1e-6 asked for).
//! Sources are noted in each fixture's header and in `tests/fixtures/README.md`.

use slots::{analyze, parse_game};

use crate::fixture;

fn check(file: &str, published_percent: f64) {
    let game = parse_game(&fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let report = analyze(&game).unwrap_or_else(|e| panic!("{file}: {e}"));
    let published = published_percent / 100.0;
    // The issue asks for 1e-6; the source prints six decimals of a percentage, so agreement to its
    // rounding (half a unit of the last digit, 5e-9 as a fraction) is the stricter, honest check.
    assert!(
        (report.rtp - published).abs() <= 5e-9,
        "{file}: rtp {:.10} vs published {published:.8}",
        report.rtp
    );
}

#[test]
fn dolphins_pearl_reproduces_published_rtps() {
    check("dolphins_pearl_86_300723.yaml", 86.300723);
    check("dolphins_pearl_95_133189.yaml", 95.133189);
}

#[test]
fn sizzling_hot_reproduces_published_rtp() {
    check("sizzling_hot_95_655629.yaml", 95.655629);
}

#[test]
fn always_hot_reproduces_published_rtps() {
    check("always_hot_87_328582.yaml", 87.328582);
    check("always_hot_95_504233.yaml", 95.504233);
}

#[test]
fn african_simba_ways_game_reproduces_published_rtps() {
    check("african_simba_85_225703.yaml", 85.225703);
    check("african_simba_96_032104.yaml", 96.032104);
}
