//! Parsing and validation: a valid base definition, and one edit per rule whose error must name the
//! key and the reason.

use slots::parse_game;

const VALID: &str = r"
name: Example
reels: 3
rows: 3
symbols:
  - {name: dolphin, wild: true, wild_multiplier: 2}
  - {name: seven}
  - {name: pearl, scatter: true}
lines:
  - [1, 1, 1]
  - [0, 1, 2]
pays:
  seven: [0, 10, 100]
  dolphin: [0, 10, 250]
scatter_pays:
  pearl: [0, 2, 5]
free_spins:
  trigger: {symbol: pearl, awards: [0, 0, 15]}
  multiplier: 3
  retrigger: true
  reels: bonus
reel_sets:
  base: [[seven, pearl, dolphin], [seven, seven, pearl], [dolphin, seven, pearl]]
  bonus: [[seven, pearl, seven, seven, seven], [seven, seven, seven, pearl, seven], [seven, dolphin, seven, seven, seven]]
";

/// Replace `from` by `to` in the valid definition and expect an error starting with `expected`.
fn check(from: &str, to: &str, expected: &str) {
    assert!(
        VALID.contains(from),
        "edit target `{from}` not in the base definition"
    );
    let yaml = VALID.replacen(from, to, 1);
    let err = parse_game(&yaml).expect_err(expected).to_string();
    assert!(
        err.starts_with(expected),
        "expected `{expected}…`, got `{err}`"
    );
}

#[test]
fn valid_definition_parses() {
    let game = parse_game(VALID).expect("valid");
    assert_eq!(game.name, "Example");
    assert_eq!(game.cost, 2);
    assert_eq!(game.reel_sets.len(), 2);
    assert_eq!(game.reel_sets[0].name, "base");
    let fs = game.free_spins.as_ref().expect("free spins");
    assert_eq!((fs.multiplier, fs.retrigger, fs.reel_set), (3, true, 1));
}

#[test]
fn invalid_definitions_name_key_and_reason() {
    check("reels: 3", "reels: 0", "reels: must be between 1 and 6");
    check("rows: 3", "rows: 9", "rows: must be between 1 and 8");
    check(
        "  - [0, 1, 2]",
        "  - [0, 1, 3]",
        "lines[1][2]: row 3 is outside the window",
    );
    check(
        "  - [0, 1, 2]",
        "  - [0, 1]",
        "lines[1]: has 2 rows, expected one per reel (3)",
    );
    check(
        "seven: [0, 10, 100]",
        "seven: [0, 10]",
        "pays.seven: has 2 entries, expected one per reel (3)",
    );
    check(
        "seven: [0, 10, 100]",
        "sevens: [0, 10, 100]",
        "pays.sevens: unknown symbol `sevens`",
    );
    check(
        "pearl: [0, 2, 5]",
        "seven: [0, 2, 5]",
        "scatter_pays.seven: symbol `seven` is not marked",
    );
    check(
        "  seven: [0, 10, 100]\n",
        "  seven: [0, 10, 100]\n  pearl: [0, 0, 1]\n",
        "pays.pearl: scatters pay through",
    );
    check(
        "[seven, pearl, dolphin]",
        "[seven, pearl, dolphn]",
        "reel_sets.base[0][2]: unknown symbol `dolphn`",
    );
    check(
        "[seven, pearl, dolphin]",
        "[]",
        "reel_sets.base[0]: must hold between 1 and 1000 symbols",
    );
    check(
        "reels: bonus",
        "reels: bonsu",
        "free_spins.reels: unknown reel set `bonsu`",
    );
    check(
        "symbol: pearl",
        "symbol: seven",
        "free_spins.trigger.symbol: the trigger symbol must be a scatter",
    );
    check(
        "symbol: pearl",
        "symbol: shell",
        "free_spins.trigger.symbol: unknown symbol `shell`",
    );
    check(
        "awards: [0, 0, 15]",
        "awards: [0, 0, 0]",
        "free_spins.trigger.awards: no count awards any spins",
    );
    check(
        "multiplier: 3",
        "multiplier: 0",
        "free_spins.multiplier: must be between 1 and 1000",
    );
    check(
        "{name: seven}",
        "{name: dolphin}",
        "symbols[1].name: duplicate symbol `dolphin`",
    );
    check(
        "{name: seven}",
        "{name: seven, wild_multiplier: 2}",
        "symbols[1].wild_multiplier: only wild symbols",
    );
    check(
        "{name: seven}",
        "{name: seven, colour: red}",
        "yaml: symbols[1]: unknown field `colour`",
    );
    check("name: Example", "name: ''", "name: must not be empty");
    check(
        "  - [1, 1, 1]\n  - [0, 1, 2]\n",
        "",
        "lines: missing: give paylines or set `ways: true`",
    );
    check("  base:", "  bass:", "reel_sets.base: missing");
    check(
        "  reels: bonus\n",
        "  reels: base\n",
        "reel_sets.bonus: is never used",
    );
    check(
        "name: Example",
        "name: Example\nways: true",
        "ways: a game has either `lines` or `ways: true`",
    );
    check(
        "name: Example",
        "name: Example\nmax_win: 0",
        "max_win: must be between 1 and",
    );
}

#[test]
fn ways_and_mystery_rules() {
    let ways = VALID.replacen("lines:\n  - [1, 1, 1]\n  - [0, 1, 2]\n", "ways: true\n", 1);
    let err = parse_game(&ways).expect_err("no cost").to_string();
    assert!(err.starts_with("cost: required for ways games"), "{err}");
    let err = parse_game(&ways.replacen("ways: true", "ways: true\ncost: 25", 1))
        .expect_err("wild pays")
        .to_string();
    assert!(
        err.starts_with("pays.dolphin: wild symbols have no pays of their own in ways games"),
        "{err}"
    );

    let mystery = VALID.replacen(
        "name: Example",
        "name: Example\nmystery: {symbol: seven, min_count: 2, becomes: {dolphin: 1}}",
        1,
    );
    let err = parse_game(&mystery)
        .expect_err("mystery with pays")
        .to_string();
    assert!(
        err.starts_with("pays.seven: a mystery symbol has no pays of its own"),
        "{err}"
    );
    let mystery = VALID.replacen(
        "name: Example",
        "name: Example\nmystery: {symbol: pearl, min_count: 2, becomes: {seven: 1}}",
        1,
    );
    let err = parse_game(&mystery)
        .expect_err("scatter mystery")
        .to_string();
    assert!(
        err.starts_with("mystery.symbol: a mystery symbol cannot be wild or scatter"),
        "{err}"
    );
}

#[test]
fn garbage_never_panics() {
    for text in [
        "",
        "[]",
        "name: x",
        ":\n-",
        "reels: -1",
        "\u{0}",
        "name: [",
        "reel_sets: {base: 5}",
    ] {
        assert!(parse_game(text).is_err(), "{text:?}");
    }
}

#[test]
fn spin_win_bound_is_enforced() {
    let yaml = VALID
        .replacen("wild_multiplier: 2", "wild_multiplier: 1000", 1)
        .replacen("multiplier: 3", "multiplier: 1000", 1)
        .replacen("dolphin: [0, 10, 250]", "dolphin: [0, 10, 1000000]", 1);
    let err = parse_game(&yaml).expect_err("too large").to_string();
    assert!(err.starts_with("pays: one spin could win"), "{err}");
}

mod no_panic {
    use proptest::prelude::*;
    use slots::parse_game;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Arbitrary text, and the valid definition with one byte changed, never panic.
        #[test]
        fn parse_never_panics(text in ".{0,200}", at in 0usize..2000, byte in any::<u8>()) {
            let _ = parse_game(&text);
            let mut bytes = super::VALID.as_bytes().to_vec();
            let i = at % bytes.len();
            bytes[i] = byte;
            if let Ok(text) = String::from_utf8(bytes)
                && let Ok(game) = parse_game(&text)
            {
                // Whatever parses must also analyse or refuse with a typed error.
                let _ = slots::analyze(&game);
            }
        }
    }
}
