//! Move generation: specific lists, no duplicates, consistency with validation, the canonical list.

use crate::{hand, play, rank, text};
use guandan::movegen::{canonical, compact_moves, legal_moves, plays};
use guandan::{Move, Rules};
use std::collections::BTreeSet;

fn texts(h: &str, level: &str, top: Option<&str>, rules: &Rules) -> Vec<String> {
    let t = top.map(play);
    plays(&hand(h), rank(level), t.as_ref(), rules)
        .iter()
        .map(text)
        .collect()
}

/// Checks that the generated list (as a set) equals `expected`.
fn check_list(h: &str, level: &str, top: Option<&str>, expected: &[&str]) {
    let got: BTreeSet<String> = texts(h, level, top, &Rules::default())
        .into_iter()
        .collect();
    let want: BTreeSet<String> = expected.iter().map(|s| text(&play(s))).collect();
    assert_eq!(got, want, "moves of [{h}] at {level} over {top:?}");
}

#[test]
fn small_lists() {
    check_list(
        "S3 H3",
        "2",
        None,
        &["Single 3 S3", "Single 3 H3", "Pair 3 S3 H3"],
    );
    // §2.14.6: identical cards give one move, not one per copy or order.
    check_list("S3 S3", "2", None, &["Single 3 S3", "Pair 3 S3 S3"]);
    // §2.14.11: no SB+HR pair.
    check_list("SB HR", "2", None, &["Single B SB", "Single R HR"]);
    // §2.14.12: a lone wild is only a level single; with a natural it pairs with it.
    check_list(
        "H5 S9",
        "5",
        None,
        &["Single 5 H5", "Single 9 S9", "Pair 9 H5 S9"],
    );
    check_list("S4 D4 C4 HA", "2", Some("Single K SK"), &["Single A HA"]);
    // Following: same type with a higher key, or a bomb.
    check_list(
        "S4 D4 C4 H4 S5 D5",
        "2",
        Some("Pair 4 H4 C4"),
        &["Pair 5 S5 D5", "Bomb 4 S4 D4 C4 H4"],
    );
}

#[test]
fn a_low_sequences_are_generated_with_a_king_pair_present() {
    // §2.14.4
    let l = texts(
        "SA DA CA S2 D2 C2 S3 D3 SK DK",
        "5",
        None,
        &Rules::default(),
    );
    for want in [
        "ThreePair A SA DA S2 D2 S3 D3",
        "TwoTrips A SA DA CA S2 D2 C2",
    ] {
        assert!(l.contains(&text(&play(want))), "{want} missing");
    }
    assert!(!l.iter().any(|t| t.starts_with("ThreePair K")), "no KKAA22");
}

#[test]
fn joker_pair_full_house_is_generated() {
    // §2.14.5
    let l = texts("S9 D9 C9 SB SB", "2", None, &Rules::default());
    assert!(
        l.contains(&text(&play("ThreeWithTwo 9 S9 C9 D9 SB SB"))),
        "{l:?}"
    );
}

#[test]
fn ten_card_bombs_are_generated() {
    // §2.14.7
    let l = texts(
        "S3 S3 H3 H3 C3 C3 D3 D3 H4 H4",
        "4",
        None,
        &Rules::default(),
    );
    assert!(l.contains(&text(&play("Bomb 3 S3 S3 H3 H3 C3 C3 D3 D3 H4 H4"))));
}

#[test]
fn wild_completes_a_flush_of_another_suit() {
    // §2.14.13
    let l = texts("S3 S4 S6 S7 H9", "9", None, &Rules::default());
    assert!(
        l.contains(&text(&play("StraightFlush 3 S3 S4 S6 S7 H9"))),
        "{l:?}"
    );
    assert!(
        !l.iter().any(|t| t.starts_with("Straight 3")),
        "official: no plain-straight reading"
    );
    let c = texts("S3 S4 S6 S7 H9", "9", None, &Rules::competition());
    assert!(
        c.contains(&text(&play("Straight 3 S3 S4 S6 S7 H9"))),
        "competition offers both"
    );
}

#[test]
fn no_duplicates_and_every_move_validates() {
    let rules = Rules::default();
    let h =
        hand("H2 H2 S3 S3 D3 C4 D4 S5 S6 S7 S8 S9 ST SJ SQ SK SA DA CA C9 D9 H9 C7 SB SB HR HR");
    let list = plays(&h, rank("2"), None, &rules);
    let set: BTreeSet<String> = list.iter().map(text).collect();
    assert_eq!(set.len(), list.len(), "no duplicate (kind, key, multiset)");
    for p in &list {
        assert!(p.is_valid(rank("2"), &rules), "{} validates", text(p));
        assert!(h.contains_all(p.cards()));
    }
    // The canonical list is exactly the set of (kind, key, size) of the full list.
    let can: BTreeSet<_> = canonical(&h, rank("2"), &rules).into_iter().collect();
    let from_full: BTreeSet<_> = list
        .iter()
        .map(|p| (p.kind, p.key, p.len() as u8))
        .collect();
    assert_eq!(can, from_full);
    // The compact list has one representative per canonical entry, each in the full list.
    let compact = compact_moves(&h, rank("2"), None, &rules);
    assert_eq!(compact.len(), can.len());
    for m in compact {
        let Move::Play(p) = m else {
            panic!("no pass when leading")
        };
        assert!(set.contains(&text(&p)), "{} is in the full list", text(&p));
    }
}

#[test]
fn pass_is_offered_only_when_following() {
    let h = hand("S3 S4");
    let lead = legal_moves(&h, rank("2"), None, &Rules::default());
    assert!(!lead.contains(&Move::Pass));
    let follow = legal_moves(&h, rank("2"), Some(&play("Single A SA")), &Rules::default());
    assert_eq!(follow, vec![Move::Pass]);
}
