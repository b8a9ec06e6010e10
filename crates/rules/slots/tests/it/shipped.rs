//! The original games shipped in `games/`: they parse, their exact figures are consistent, and the
//! simulator agrees with them (the exact RTPs are listed in docs/slots.md).

use slots::{analyze, parse_game};

use crate::shipped_game;

const GAMES: [&str; 3] = [
    "lantern_festival.yaml",
    "copper_canyon.yaml",
    "orchard_crates.yaml",
];

#[test]
fn shipped_games_are_valid_and_fair_enough() {
    for file in GAMES {
        let game = parse_game(&shipped_game(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let r = analyze(&game).unwrap_or_else(|e| panic!("{file}: {e}"));
        // A house edge between 1% and 8%: a shipped game must neither lose money nor be unplayable.
        assert!((0.92..0.99).contains(&r.rtp), "{file}: rtp {}", r.rtp);
        assert!(
            (r.base_rtp + r.free_spins_rtp - r.rtp).abs() < 1e-12,
            "{file}"
        );
        assert!(r.hit_frequency > 0.1 && r.volatility > 0.0, "{file}");
    }
}

#[test]
fn shipped_games_simulate_to_their_exact_rtp() {
    for file in GAMES {
        let yaml = shipped_game(file);
        crate::sim::agrees(&yaml, 600_000);
    }
}

#[test]
fn mystery_game_is_exact_with_its_cap() {
    let game = parse_game(&shipped_game("orchard_crates.yaml")).expect("valid");
    let r = analyze(&game).expect("analysable");
    assert!(r.cap_exact && r.max_win_cap == Some(1000));
    assert!(
        r.symbols.is_none(),
        "mystery wins are not separable by symbol"
    );
}
