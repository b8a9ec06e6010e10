//! The functions behind `playhouse slots rtp|check|simulate`.

use slots::cli::{check, parse, rtp, simulate_shard};

use crate::fixture;

#[test]
fn rtp_reports_required_keys() {
    let v = rtp(&fixture("sizzling_hot_95_655629.yaml")).expect("report");
    for key in [
        "rtp",
        "base_rtp",
        "free_spins_rtp",
        "hit_frequency",
        "volatility",
        "free_spins_trigger_rate",
        "symbols",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    // The base game is exact: the fraction reproduces the float.
    let frac = v["base_rtp_fraction"].as_str().expect("string");
    let (n, d) = frac.split_once('/').expect("n/d");
    let f = n.parse::<f64>().expect("int") / d.parse::<f64>().expect("int");
    assert_eq!(f, v["base_rtp"].as_f64().expect("number"));
}

#[test]
fn check_validates() {
    let v = check(&fixture("dolphins_pearl_86_300723.yaml")).expect("valid");
    assert_eq!(v["ok"], true);
    assert_eq!(v["lines"], 10);
    assert_eq!(v["reel_sets"], serde_json::json!(["base", "bonus"]));
    let err =
        check("name: x\nreels: 9\nrows: 3\nsymbols: []\nreel_sets: {}\n").expect_err("invalid");
    assert_eq!(err.to_string(), "reels: must be between 1 and 6");
    assert!(!err.to_string().contains('\n'));
}

#[test]
fn errors_are_one_line() {
    for text in [
        "",
        "name: [",
        "name: x\nreels: 2\nrows: 1\nsymbols: [{name: a}]\nlines: [[0, 5]]\nreel_sets: {base: [[a], [a]]}",
    ] {
        let e = rtp(text).expect_err("invalid");
        assert!(!e.0.is_empty() && !e.0.contains('\n'), "{:?}", e.0);
    }
}

#[test]
fn simulate_json_has_contract_keys_and_is_deterministic() {
    let game = parse(&fixture("always_hot_95_504233.yaml")).expect("valid");
    let a = simulate_shard(&game, 5_000, 9, 0).to_json(2.0);
    let b = simulate_shard(&game, 5_000, 9, 0).to_json(2.0);
    assert_eq!(a, b);
    for key in [
        "spins",
        "rtp",
        "ci95",
        "hit_frequency",
        "max_win",
        "spins_per_sec",
    ] {
        assert!(a.get(key).is_some(), "missing {key}");
    }
    assert_eq!(a["spins"], 5_000);
    assert_eq!(a["spins_per_sec"], 2_500.0);
    let ci = a["ci95"].as_array().expect("pair");
    assert!(ci[0].as_f64() <= a["rtp"].as_f64() && a["rtp"].as_f64() <= ci[1].as_f64());
}
