//! Guandan ranked seasons: monthly boundaries and the soft reset of ratings.
//!
//! Ratings are the `rating` crate's fixed point (thousandths of a rating point: `mu = 25_000` is
//! 25.0). At a season's start every player's rating is pulled back toward a new player's:
//!
//! ```text
//! mu'    = MU_DEFAULT + (mu − MU_DEFAULT) × keep_percent / 100      (truncated toward MU_DEFAULT)
//! sigma' = max(min(sigma + sigma_boost, SIGMA_DEFAULT), SIGMA_FLOOR)
//! ```
//!
//! with `MU_DEFAULT = 25.0`, `SIGMA_DEFAULT = 8.333`, `SIGMA_FLOOR = 1.0`, and by default
//! `keep_percent = 50` ([`DEFAULT_KEEP_PERCENT`]: half of the distance from 25.0 is kept) and
//! `sigma_boost = 2.0` ([`DEFAULT_SIGMA_BOOST`]: the rating becomes less certain, so early matches
//! of the season move it more, but never more uncertain than a new player's). Example: `mu = 35.0,
//! sigma = 3.0` becomes `mu = 30.0, sigma = 5.0`; `mu = 15.0, sigma = 7.5` becomes `mu = 20.0,
//! sigma = 8.333`.
//!
//! Seasons run by calendar month in UTC ([`monthly_season`]): season `2026-12` is
//! `[2026-12-01T00:00:00Z, 2027-01-01T00:00:00Z)`.

use rating::{MU_DEFAULT, Rating, SIGMA_DEFAULT, SIGMA_FLOOR};

use crate::Millis;
use crate::schedule::{DAY_MS, civil_from_days, format_year, month_start, next_month_start};

/// Default share of the distance from [`MU_DEFAULT`] that a rating keeps across a season reset (50 %).
pub const DEFAULT_KEEP_PERCENT: u32 = 50;

/// Default sigma added at a season reset, in thousandths (2_000 = 2.0 rating points).
pub const DEFAULT_SIGMA_BOOST: i64 = 2_000;

/// The soft reset at a season's start (see the module documentation for the formula):
/// `mu' = MU_DEFAULT + (mu − MU_DEFAULT) × keep_percent / 100`, truncated toward `MU_DEFAULT`, and
/// `sigma' = min(sigma + sigma_boost, SIGMA_DEFAULT)`, never below `SIGMA_FLOOR`.
///
/// Total: the input is first clamped as the rating crate does (`|mu| ≤ MU_ABS_MAX`, `sigma` within
/// `1..=SIGMA_MAX`), a `keep_percent` above 100 counts as 100 and a negative `sigma_boost` as 0.
/// Applying it twice resets twice (it is not idempotent).
#[must_use]
pub fn soft_reset(r: Rating, keep_percent: u32, sigma_boost: i64) -> Rating {
    let r = r.clamped();
    let keep = i64::from(keep_percent.min(100));
    // |mu − MU_DEFAULT| ≤ MU_ABS_MAX + MU_DEFAULT, so the product stays far below i64::MAX; `/` on
    // i64 truncates toward zero, i.e. toward MU_DEFAULT.
    let mu = MU_DEFAULT + (r.mu - MU_DEFAULT) * keep / 100;
    let sigma = r
        .sigma
        .saturating_add(sigma_boost.max(0))
        .clamp(SIGMA_FLOOR, SIGMA_DEFAULT);
    Rating { mu, sigma }
}

/// The monthly season containing `at`: its id `"YYYY-MM"` (e.g. `"2026-12"`) and its bounds
/// `[start, end)` in ms — 00:00 UTC on the 1st of the month and on the 1st of the next month.
#[must_use]
pub fn monthly_season(at: Millis) -> (String, Millis, Millis) {
    let start = month_start(at);
    let (year, month, _) = civil_from_days(at.div_euclid(DAY_MS));
    (
        format!("{}-{month:02}", format_year(year)),
        start,
        next_month_start(at),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::schedule::parse_time;
    use proptest::prelude::*;
    use rating::MU_ABS_MAX;

    fn t(text: &str) -> Millis {
        parse_time(text).unwrap()
    }

    fn r(mu: i64, sigma: i64) -> Rating {
        Rating { mu, sigma }
    }

    #[test]
    fn reset_halves_the_distance_at_default_settings() {
        let reset = |x| soft_reset(x, DEFAULT_KEEP_PERCENT, DEFAULT_SIGMA_BOOST);
        assert_eq!(reset(r(35_000, 3_000)), r(30_000, 5_000));
        assert_eq!(reset(r(15_000, 7_500)), r(20_000, SIGMA_DEFAULT));
        assert_eq!(reset(Rating::default()), Rating::default());
        // Truncation toward MU_DEFAULT on both sides.
        assert_eq!(reset(r(25_003, 5_000)).mu, 25_001);
        assert_eq!(reset(r(24_997, 5_000)).mu, 24_999);
    }

    #[test]
    fn reset_keep_and_boost_bounds() {
        assert_eq!(soft_reset(r(40_000, 2_000), 100, 0), r(40_000, 2_000));
        assert_eq!(soft_reset(r(40_000, 2_000), 250, 0), r(40_000, 2_000));
        assert_eq!(soft_reset(r(40_000, 2_000), 0, 0), r(MU_DEFAULT, 2_000));
        assert_eq!(soft_reset(r(40_000, 2_000), 10, 0).mu, 26_500);
        // Sigma is capped at the default and never below the floor.
        assert_eq!(soft_reset(r(40_000, 8_000), 50, 2_000).sigma, SIGMA_DEFAULT);
        assert_eq!(soft_reset(r(40_000, 500), 50, 0).sigma, SIGMA_FLOOR);
        assert_eq!(soft_reset(r(40_000, 3_000), 50, -5_000).sigma, 3_000);
        assert_eq!(
            soft_reset(r(40_000, 3_000), 50, i64::MAX).sigma,
            SIGMA_DEFAULT
        );
        // Out-of-range inputs are clamped first.
        let extreme = soft_reset(r(i64::MAX, i64::MAX), 50, i64::MAX);
        assert_eq!(
            extreme,
            r(MU_DEFAULT + (MU_ABS_MAX - MU_DEFAULT) / 2, SIGMA_DEFAULT)
        );
        let _ = soft_reset(r(i64::MIN, i64::MIN), u32::MAX, i64::MIN);
    }

    #[test]
    fn reset_is_not_idempotent_but_converges() {
        let mut x = r(45_000, 1_000);
        x = soft_reset(x, 50, 2_000);
        assert_eq!(x, r(35_000, 3_000));
        x = soft_reset(x, 50, 2_000);
        assert_eq!(x, r(30_000, 5_000));
    }

    #[test]
    fn monthly_boundaries() {
        let (id, start, end) = monthly_season(t("2026-12-07T18:00:00Z"));
        assert_eq!(id, "2026-12");
        assert_eq!(start, t("2026-12-01T00:00:00Z"));
        assert_eq!(end, t("2027-01-01T00:00:00Z"));
        let (id, start, end) = monthly_season(end);
        assert_eq!(id, "2027-01");
        assert_eq!(
            (start, end),
            (t("2027-01-01T00:00:00Z"), t("2027-02-01T00:00:00Z"))
        );
        let (id, _, _) = monthly_season(t("2026-12-31T23:59:59.999Z"));
        assert_eq!(id, "2026-12");
        let (id, start, end) = monthly_season(t("2028-02-29T12:00:00Z"));
        assert_eq!(id, "2028-02");
        assert_eq!(end - start, 29 * DAY_MS);
        assert_eq!(monthly_season(-1).0, "1969-12");
        for at in [i64::MIN, i64::MAX] {
            let (id, start, end) = monthly_season(at);
            assert!(!id.is_empty() && start <= at && end >= at);
        }
    }

    proptest! {
        #[test]
        fn reset_pulls_toward_default(
            mu in -100_000_i64..200_000,
            sigma in 1_i64..20_000,
            keep in 0_u32..=100,
            boost in 0_i64..10_000,
        ) {
            let out = soft_reset(r(mu, sigma), keep, boost);
            prop_assert!((out.mu - MU_DEFAULT).abs() <= (mu - MU_DEFAULT).abs());
            prop_assert!((out.mu - MU_DEFAULT).signum() * (mu - MU_DEFAULT).signum() >= 0);
            prop_assert!(out.sigma >= SIGMA_FLOOR && out.sigma <= SIGMA_DEFAULT);
            prop_assert!(out.sigma >= sigma.min(SIGMA_DEFAULT));
        }

        #[test]
        fn seasons_tile_time(at in -10_000_000_000_000_i64..10_000_000_000_000) {
            let (id, start, end) = monthly_season(at);
            prop_assert!(start <= at && at < end);
            prop_assert_eq!(monthly_season(end).1, end);
            prop_assert_eq!(monthly_season(start).0, id.clone());
            prop_assert_ne!(monthly_season(end).0, id);
        }
    }
}
