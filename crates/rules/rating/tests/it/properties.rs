//! Properties every update keeps, over arbitrary ratings and results.

use proptest::prelude::*;
use rating::{Rating, SIGMA_FLOOR, Winner, update};

fn any_rating() -> impl Strategy<Value = Rating> {
    (-10_000i64..60_000, 1i64..12_000).prop_map(|(mu, sigma)| Rating { mu, sigma })
}

fn any_teams() -> impl Strategy<Value = [[Rating; 2]; 2]> {
    [[any_rating(), any_rating()], [any_rating(), any_rating()]]
}

fn any_winner() -> impl Strategy<Value = Winner> {
    prop_oneof![Just(Winner::Team0), Just(Winner::Team1)]
}

fn swap_teams(t: [[Rating; 2]; 2]) -> [[Rating; 2]; 2] {
    [t[1], t[0]]
}

fn other(w: Winner) -> Winner {
    match w {
        Winner::Team0 => Winner::Team1,
        Winner::Team1 => Winner::Team0,
    }
}

proptest! {
    #[test]
    fn winners_never_lose_and_losers_never_gain(teams in any_teams(), w in any_winner()) {
        let after = update(teams, w);
        let win = w.index();
        for k in 0..2 {
            prop_assert!(after[win][k].mu >= teams[win][k].mu);
            prop_assert!(after[win][k].display() >= teams[win][k].display());
            prop_assert!(after[1 - win][k].mu <= teams[1 - win][k].mu);
        }
    }

    #[test]
    fn sigma_never_grows_and_shrinks_above_the_floor(teams in any_teams(), w in any_winner()) {
        let after = update(teams, w);
        for t in 0..2 {
            for k in 0..2 {
                let (before, now) = (teams[t][k].sigma, after[t][k].sigma);
                prop_assert!(now <= before);
                prop_assert!(now >= SIGMA_FLOOR.min(before));
            }
        }
    }

    #[test]
    fn update_is_deterministic(teams in any_teams(), w in any_winner()) {
        prop_assert_eq!(update(teams, w), update(teams, w));
    }

    #[test]
    fn swapping_teams_swaps_results(teams in any_teams(), w in any_winner()) {
        let a = update(teams, w);
        let b = update(swap_teams(teams), other(w));
        prop_assert_eq!(a, swap_teams(b));
    }

    #[test]
    fn swapping_partners_swaps_results(teams in any_teams(), w in any_winner()) {
        let a = update(teams, w);
        let b = update([[teams[0][1], teams[0][0]], teams[1]], w);
        prop_assert_eq!(a[0][0], b[0][1]);
        prop_assert_eq!(a[0][1], b[0][0]);
        prop_assert_eq!(a[1], b[1]);
    }

    #[test]
    fn no_input_panics(
        mus in proptest::array::uniform4(any::<i64>()),
        sigmas in proptest::array::uniform4(any::<i64>()),
        w in any_winner(),
    ) {
        let r = |i: usize| Rating { mu: mus[i], sigma: sigmas[i] };
        let after = update([[r(0), r(1)], [r(2), r(3)]], w);
        for t in after {
            for p in t {
                prop_assert!(p.sigma >= 1);
                let _ = p.display();
            }
        }
    }
}

#[test]
fn an_upset_moves_more_than_an_expected_win() {
    let strong = Rating {
        mu: 32_000,
        sigma: 3_000,
    };
    let weak = Rating {
        mu: 20_000,
        sigma: 3_000,
    };
    let teams = [[strong, strong], [weak, weak]];
    let expected = update(teams, Winner::Team0);
    let upset = update(teams, Winner::Team1);
    let gain_expected = expected[0][0].mu - strong.mu;
    let gain_upset = upset[1][0].mu - weak.mu;
    assert!(gain_expected > 0);
    assert!(
        gain_upset > 4 * gain_expected,
        "{gain_expected} vs {gain_upset}"
    );
}

#[test]
fn a_long_winning_streak_climbs_the_tiers() {
    let mut me = [Rating::default(); 2];
    let mut seen = vec![me[0].tier()];
    for _ in 0..60 {
        let after = update([me, [Rating::default(); 2]], Winner::Team0);
        me = after[0];
        if seen.last() != Some(&me[0].tier()) {
            seen.push(me[0].tier());
        }
    }
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
}
