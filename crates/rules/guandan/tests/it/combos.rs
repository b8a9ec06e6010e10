//! Combination readings and comparisons: one row per rule of the rules note (§2.2–2.6) and its §2.14 cases.

use crate::{cards, play, rank};
use guandan::{Rules, readings};

/// Checks the readings of `cards` at `level` ("Kind key" list, in the engine's fixed order).
fn check_readings(level: &str, cs: &str, rules: &Rules, expected: &[&str]) {
    let got: Vec<String> = readings(&cards(cs), rank(level), rules)
        .into_iter()
        .map(|(k, key)| format!("{} {key}", k.name()))
        .collect();
    assert_eq!(got, expected, "readings of [{cs}] at level {level}");
}

#[test]
fn readings_of_every_type() {
    let r = Rules::default();
    let cases: &[(&str, &str, &[&str])] = &[
        ("2", "S3", &["Single 3"]),
        ("2", "SB", &["Single B"]),
        ("2", "HR", &["Single R"]),
        // §2.14.12: a wild alone is a level card.
        ("5", "H5", &["Single 5"]),
        ("2", "S3 D3", &["Pair 3"]),
        ("2", "SB SB", &["Pair B"]),
        ("2", "HR HR", &["Pair R"]),
        // §2.14.11: SB+HR is never a pair.
        ("2", "SB HR", &[]),
        // Two wilds are a pair of level cards; a wild pairs with any natural.
        ("7", "H7 H7", &["Pair 7"]),
        ("7", "H7 S9", &["Pair 9"]),
        ("7", "H7 SB", &[]),
        ("2", "S3 D3 C3", &["Trips 3"]),
        ("2", "SB SB HR", &[]),
        ("2", "S3 D3 C3 S4 D4", &["ThreeWithTwo 3"]),
        // Compared on the triple only; two readings when wilds allow either part to be the triple.
        ("5", "S3 D3 H5 S4 D4", &["ThreeWithTwo 3", "ThreeWithTwo 4"]),
        // §2.14.5: joker-pair full houses.
        ("2", "S9 D9 C9 SB SB", &["ThreeWithTwo 9"]),
        ("2", "S9 D9 C9 SB HR", &[]),
        // Five of a kind is a bomb, never a full house.
        ("2", "S9 D9 C9 H9 S9", &["Bomb 9"]),
        ("2", "S3 D4 C5 H6 S7", &["Straight 3"]),
        // A low and A high, no wrap-around.
        ("2", "SA D2 C3 H4 S5", &["Straight A"]),
        ("2", "ST DJ CQ HK SA", &["Straight T"]),
        ("2", "SJ DQ CK HA S2", &[]),
        // Level card at its natural position in sequences (level Q: TJQKA is the top straight).
        ("Q", "ST DJ SQ HK SA", &["Straight T"]),
        // Natural one-suit run: only a straight flush.
        ("2", "S3 S4 S5 S6 S7", &["StraightFlush 3"]),
        // §2.14.13: a wild stands for a card of another suit in a straight flush.
        (
            "2",
            "S3 S4 S5 S6 H2",
            &["StraightFlush 2", "StraightFlush 3"],
        ),
        ("2", "S3 S3 S4 S4 S5 S5", &["ThreePair 3"]),
        // §2.14.4: AA2233 and AAA222.
        ("5", "SA DA S2 D2 S3 D3", &["ThreePair A"]),
        ("5", "SA DA CA S2 D2 C2", &["TwoTrips A"]),
        ("5", "SQ DQ SK DK SA DA", &["ThreePair Q"]),
        ("5", "SK DK HK SA DA CA", &["TwoTrips K"]),
        ("5", "SK DK SA DA S2 D2", &[]),
        // 7788 + two wilds: a tube (66 or 99 completed) or a plate? Only tubes; plates need two triples.
        (
            "5",
            "S7 D7 S8 D8 H5 H5",
            &["ThreePair 6", "ThreePair 7", "TwoTrips 7"],
        ),
        ("2", "S3 D3 S4 D4", &[]),
        ("2", "S3 D3 C3 H3", &["Bomb 3"]),
        // A wild played as itself inside a level-rank bomb.
        ("5", "S5 D5 C5 H5", &["Bomb 5"]),
        // 2 sits at its natural place even when it is the level rank; KK AA 22 stays illegal.
        ("2", "S2 D3 C4 H5 S6", &["Straight 2"]),
        ("2", "SK DK SA DA S2 D2", &[]),
        ("2", "SB SB HR HR", &["FourKings JOKER"]),
        // §2.14.7: bombs up to 10 cards (eight naturals + two wilds).
        ("4", "S3 S3 H3 H3 C3 C3 D3 D3 H4 H4", &["Bomb 3"]),
        ("2", "S3 S3 H3 H3 C3 C3 D3 D3 H4 H4 S5", &[]),
    ];
    for (level, cs, expected) in cases {
        check_readings(level, cs, &r, expected);
    }
}

#[test]
fn wild_flush_as_plain_straight_depends_on_rules() {
    let cs = "S3 S4 S5 S6 H2";
    check_readings(
        "2",
        cs,
        &Rules::default(),
        &["StraightFlush 2", "StraightFlush 3"],
    );
    check_readings(
        "2",
        cs,
        &Rules::competition(),
        &[
            "Straight 2",
            "StraightFlush 2",
            "Straight 3",
            "StraightFlush 3",
        ],
    );
}

#[test]
fn joker_pair_full_house_can_be_disabled() {
    let rules = Rules {
        joker_pair_full_house: false,
        ..Rules::default()
    };
    check_readings("2", "S9 D9 C9 SB SB", &rules, &[]);
}

/// Checks `a beats b` at `level` under `rules`.
fn check_beats(level: &str, a: &str, b: &str, rules: &Rules, expected: bool) {
    let (pa, pb) = (play(a), play(b));
    assert!(pa.is_valid(rank(level), rules), "{a} is valid");
    assert!(pb.is_valid(rank(level), rules), "{b} is valid");
    assert_eq!(
        pa.beats(&pb, rank(level), rules),
        expected,
        "{a} beats {b} at level {level}"
    );
}

#[test]
fn comparisons() {
    let r = Rules::default();
    let cases: &[(&str, &str, &str, bool)] = &[
        ("2", "Single 4 S4", "Single 3 S3", true),
        ("2", "Single 3 H3", "Single 3 S3", false), // equal never beats
        ("2", "Single 2 S2", "Single A SA", true),  // level card above A
        ("T", "Single T ST", "Single A SA", true),
        ("T", "Single J SJ", "Single 9 S9", true), // the level rank leaves its slot
        ("2", "Single B SB", "Single 2 S2", true),
        ("2", "Single R HR", "Single B SB", true),
        ("7", "Single 7 H7", "Single A SA", true), // §2.14.12 wild alone = level card
        ("7", "Pair 7 H7 H7", "Pair A SA DA", true),
        ("7", "Pair B SB SB", "Pair 7 H7 H7", true),
        ("2", "Pair 4 S4 D4", "Single 3 S3", false), // other type
        (
            "2",
            "Straight 3 S3 D4 C5 H6 S7",
            "Straight A SA D2 C3 H4 S5",
            true,
        ),
        (
            "2",
            "Straight T ST DJ CQ HK SA",
            "Straight 9 S9 DT CJ HQ SK",
            true,
        ),
        // §2.14.3: sequences compare in natural order, never level order.
        (
            "5",
            "TwoTrips K SK DK CK SA DA CA",
            "TwoTrips 5 S5 D5 C5 S6 D6 C6",
            true,
        ),
        (
            "5",
            "TwoTrips 5 S5 D5 C5 S6 D6 C6",
            "TwoTrips K SK DK CK SA DA CA",
            false,
        ),
        (
            "Q",
            "ThreePair Q SQ DQ SK DK SA DA",
            "ThreePair J SJ DJ SQ HQ SK HK",
            true,
        ),
        // §2.14.14: level-rank bomb beats a same-size bomb of aces; level full house beats aces-up.
        ("5", "Bomb 5 S5 D5 C5 D5", "Bomb A SA DA CA HA", true),
        (
            "5",
            "ThreeWithTwo 5 S5 D5 C5 S3 D3",
            "ThreeWithTwo A SA DA CA S3 D3",
            true,
        ),
        // Full houses compare on the triple only.
        (
            "2",
            "ThreeWithTwo 4 S4 D4 C4 S3 D3",
            "ThreeWithTwo 3 S3 D3 C3 SA DA",
            true,
        ),
        // Bomb ladder.
        ("2", "Bomb 3 S3 D3 C3 H3", "Pair R HR HR", true),
        ("2", "Bomb 3 S3 D3 C3 H3 S3", "Bomb A SA DA CA HA", true),
        (
            "2",
            "StraightFlush 3 S3 S4 S5 S6 S7",
            "Bomb A SA DA CA HA SA",
            true,
        ),
        (
            "2",
            "Bomb 3 S3 D3 C3 H3 S3 D3",
            "StraightFlush T ST SJ SQ SK SA",
            true,
        ),
        (
            "2",
            "StraightFlush 4 S4 S5 S6 S7 S8",
            "StraightFlush 3 H3 H4 H5 H6 H7",
            true,
        ),
        // §2.14.2: equal straight flushes do not beat each other.
        (
            "2",
            "StraightFlush 3 H3 H4 H5 H6 H7",
            "StraightFlush 3 S3 S4 S5 S6 S7",
            false,
        ),
        // §2.14.1: four jokers beat 5+ bombs and straight flushes, even a 10-card bomb.
        (
            "2",
            "FourKings JOKER SB SB HR HR",
            "StraightFlush T ST SJ SQ SK SA",
            true,
        ),
        (
            "2",
            "FourKings JOKER SB SB HR HR",
            "Bomb 3 S3 D3 C3 H3 S3",
            true,
        ),
        (
            "4",
            "FourKings JOKER SB SB HR HR",
            "Bomb 3 S3 S3 H3 H3 C3 C3 D3 D3 H4 H4",
            true,
        ),
        (
            "4",
            "Bomb 3 S3 S3 H3 H3 C3 C3 D3 D3 H4 H4",
            "FourKings JOKER SB SB HR HR",
            false,
        ),
    ];
    for (level, a, b, expected) in cases {
        check_beats(level, a, b, &r, *expected);
    }
}

#[test]
fn big_bombs_beat_four_jokers_under_the_house_rule() {
    let rules = Rules {
        four_jokers_highest: false,
        ..Rules::default()
    };
    check_beats(
        "2",
        "Bomb 3 S3 S3 H3 H3 C3 C3 D3 D3",
        "FourKings JOKER SB SB HR HR",
        &rules,
        true,
    );
    check_beats(
        "2",
        "FourKings JOKER SB SB HR HR",
        "Bomb 3 S3 S3 H3 H3 C3 C3 D3",
        &rules,
        true,
    );
}

#[test]
fn declared_reading_must_match_the_cards() {
    let r = Rules::default();
    let lvl = rank("5");
    // The 7788+wilds selection is valid only under the readings it has.
    assert!(play("ThreePair 6 S7 D7 S8 D8 H5 H5").is_valid(lvl, &r));
    assert!(play("TwoTrips 7 S7 D7 S8 D8 H5 H5").is_valid(lvl, &r));
    assert!(!play("ThreePair 8 S7 D7 S8 D8 H5 H5").is_valid(lvl, &r));
    assert!(!play("Pair 4 S3 D3").is_valid(lvl, &r));
    assert!(!play("Straight 3 S3 D4 C5 H6 S8").is_valid(lvl, &r));
}
