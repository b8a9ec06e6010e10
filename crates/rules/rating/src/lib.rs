//! Skill ratings for Guandan's two teams of two: Weng-Lin (OpenSkill's Bradley-Terry full pairing) in
//! fixed-point integer arithmetic, so replaying a rating history gives identical integers on every machine.
//!
//! A [`Rating`] is `mu` and `sigma` in thousandths of a rating point (`mu = 25_000` is 25.0). The stored
//! integers are the whole state: [`update`] reads integers and writes integers, and every intermediate is an
//! integer (`u128`) with a written-down rounding rule (round half up on magnitudes, the sign applied after),
//! including the logistic function (range-halved Taylor series of `exp`, then repeated squaring). No float
//! is used anywhere, so there is nothing a compiler or CPU could round differently.
//!
//! Pure: no I/O, no clock, no randomness; no input makes it panic (out-of-range ratings are clamped to
//! [`MU_ABS_MAX`] and `SIGMA_FLOOR..=`[`SIGMA_MAX`] first).

use serde::{Deserialize, Serialize};

/// Scale of the stored integers: thousandths of a rating point.
pub const SCALE: i64 = 1_000;
/// Starting skill estimate (25.0).
pub const MU_DEFAULT: i64 = 25_000;
/// Starting uncertainty (25/3 ≈ 8.333).
pub const SIGMA_DEFAULT: i64 = 8_333;
/// Performance spread of one match (`SIGMA_DEFAULT / 2`).
pub const BETA: i64 = 4_167;
/// Sigma never shrinks below this (1.0), so ratings keep moving after thousands of matches; a sigma
/// already below it is left as it is (sigma never grows).
pub const SIGMA_FLOOR: i64 = 1_000;
/// Largest accepted sigma (inputs above are clamped).
pub const SIGMA_MAX: i64 = 100_000;
/// Largest accepted `|mu|` (inputs beyond are clamped).
pub const MU_ABS_MAX: i64 = 1_000_000_000;
/// Display rating of a new player.
pub const DISPLAY_BASE: i64 = 1_000;
/// Display points per rating point of `mu - 3 sigma`.
pub const DISPLAY_PER_POINT: i64 = 50;

/// Fixed-point scale of probabilities and other dimensionless values inside [`update`] (1e15).
const P: u128 = 1_000_000_000_000_000;
/// Weng-Lin's `kappa`: the smallest factor a variance may be multiplied by in one update (1e-4).
const KAPPA: u128 = P / 10_000;
/// Micro-points per stored milli-point: internal mu/sigma are in millionths of a point.
const MICRO_PER_MILLI: u128 = 1_000;

/// One player's rating: the stored state.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Rating {
    /// Skill estimate, thousandths of a point.
    pub mu: i64,
    /// Uncertainty (standard deviation), thousandths of a point.
    pub sigma: i64,
}

impl Default for Rating {
    fn default() -> Self {
        Rating {
            mu: MU_DEFAULT,
            sigma: SIGMA_DEFAULT,
        }
    }
}

impl Rating {
    /// The rating as [`update`] uses it: `mu` within `±MU_ABS_MAX`, `sigma` within `1..=SIGMA_MAX`.
    pub fn clamped(self) -> Rating {
        Rating {
            mu: self.mu.clamp(-MU_ABS_MAX, MU_ABS_MAX),
            sigma: self.sigma.clamp(1, SIGMA_MAX),
        }
    }

    /// The conservative estimate `mu - 3 sigma`, thousandths of a point.
    pub fn conservative(self) -> i64 {
        let r = self.clamped();
        r.mu - 3 * r.sigma
    }

    /// The number players see: `DISPLAY_BASE + DISPLAY_PER_POINT × (mu − 3σ)`, rounded down, never
    /// below 0. A new player shows 1000.
    pub fn display(self) -> i64 {
        let c = self.conservative();
        (DISPLAY_BASE + (c * DISPLAY_PER_POINT).div_euclid(SCALE)).max(0)
    }

    /// The visible tier of [`Rating::display`].
    pub fn tier(self) -> Tier {
        tier(self.display())
    }
}

/// Which team won: team 0 is seats 0 and 2, team 1 seats 1 and 3.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum Winner {
    /// Team 0 won.
    Team0,
    /// Team 1 won.
    Team1,
}

impl Winner {
    /// `0` → `Team0`, `1` → `Team1`, anything else `None`.
    pub fn from_index(i: u8) -> Option<Winner> {
        match i {
            0 => Some(Winner::Team0),
            1 => Some(Winner::Team1),
            _ => None,
        }
    }

    /// The winning team's index.
    pub fn index(self) -> usize {
        match self {
            Winner::Team0 => 0,
            Winner::Team1 => 1,
        }
    }
}

/// Visible tiers, lowest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Display rating below 1100.
    Bronze,
    /// 1100 to 1299.
    Silver,
    /// 1300 to 1499.
    Gold,
    /// 1500 to 1699.
    Platinum,
    /// 1700 to 1899.
    Diamond,
    /// 1900 and above.
    Master,
}

impl Tier {
    /// Every tier, lowest first.
    pub const ALL: [Tier; 6] = [
        Tier::Bronze,
        Tier::Silver,
        Tier::Gold,
        Tier::Platinum,
        Tier::Diamond,
        Tier::Master,
    ];

    /// Lowest display rating of the tier.
    pub fn min_display(self) -> i64 {
        match self {
            Tier::Bronze => i64::MIN,
            Tier::Silver => 1_100,
            Tier::Gold => 1_300,
            Tier::Platinum => 1_500,
            Tier::Diamond => 1_700,
            Tier::Master => 1_900,
        }
    }

    /// Stable identifier (`bronze` …), as serialised.
    pub fn id(self) -> &'static str {
        match self {
            Tier::Bronze => "bronze",
            Tier::Silver => "silver",
            Tier::Gold => "gold",
            Tier::Platinum => "platinum",
            Tier::Diamond => "diamond",
            Tier::Master => "master",
        }
    }

    /// English name.
    pub fn name_en(self) -> &'static str {
        match self {
            Tier::Bronze => "Bronze",
            Tier::Silver => "Silver",
            Tier::Gold => "Gold",
            Tier::Platinum => "Platinum",
            Tier::Diamond => "Diamond",
            Tier::Master => "Master",
        }
    }

    /// Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Tier::Bronze => "青铜",
            Tier::Silver => "白银",
            Tier::Gold => "黄金",
            Tier::Platinum => "铂金",
            Tier::Diamond => "钻石",
            Tier::Master => "大师",
        }
    }
}

/// The tier of a display rating.
pub fn tier(display: i64) -> Tier {
    Tier::ALL
        .into_iter()
        .rev()
        .find(|t| display >= t.min_display())
        .unwrap_or(Tier::Bronze)
}

/// `a × b / d` rounded half up, on magnitudes. `d` is never 0 where it is called.
fn mul_div(a: u128, b: u128, d: u128) -> u128 {
    (a * b + d / 2) / d
}

/// `e^(−x)` for `x ≥ 0`, both in units of `1/P`: `x` is divided by 1024, the Taylor series of the small
/// argument is summed to eight terms, and the result squared ten times.
fn exp_neg(x: u128) -> u128 {
    const HALVINGS: u32 = 10;
    if x >= 40 * P {
        return 0;
    }
    let u = x >> HALVINGS;
    let mut sum = P;
    let mut term = P;
    let mut positive = true;
    for n in 1..=8u128 {
        term = mul_div(term, u, n * P);
        positive = !positive;
        if positive {
            sum += term;
        } else {
            sum -= term;
        }
    }
    for _ in 0..HALVINGS {
        sum = mul_div(sum, sum, P);
    }
    sum
}

/// Win probabilities of team 0 and team 1 (units of `1/P`, summing to `P`): the Bradley-Terry model
/// `p0 = 1 / (1 + e^((mu1 − mu0) / c))`, computed for the favourite and mirrored, so swapping the teams
/// swaps the probabilities exactly.
fn win_probabilities(mu: [i128; 2], c: u128) -> [u128; 2] {
    let gap = mu[0].abs_diff(mu[1]);
    let e = exp_neg(mul_div(gap, P, c).min(40 * P));
    let favourite = mul_div(P, P, P + e);
    let underdog = P - favourite;
    if mu[0] >= mu[1] {
        [favourite, underdog]
    } else {
        [underdog, favourite]
    }
}

/// Rounds micro-points to milli-points, half away from zero (on the magnitude).
fn micro_to_milli(v: u128) -> i64 {
    i64::try_from((v + MICRO_PER_MILLI / 2) / MICRO_PER_MILLI).unwrap_or(i64::MAX)
}

/// The ratings after one match of two teams of two. `teams[t][k]` is the k-th player of team `t`.
///
/// Weng-Lin with the Bradley-Terry full-pairing model, `beta = BETA`, `kappa = 1e-4` and
/// `gamma = sqrt(team variance) / c`: the winners' `mu` rises and the losers' falls, in proportion to each
/// player's share of the team variance; every `sigma` shrinks (never below [`SIGMA_FLOOR`], never grows).
pub fn update(teams: [[Rating; 2]; 2], winner: Winner) -> [[Rating; 2]; 2] {
    let teams = teams.map(|t| t.map(Rating::clamped));
    let micro = |v: i64| u128::from(v.unsigned_abs()) * MICRO_PER_MILLI;
    let sig2 = teams.map(|t| t.map(|r| micro(r.sigma) * micro(r.sigma)));
    let team_s2 = sig2.map(|t| t[0] + t[1]);
    let team_mu = teams.map(|t| (i128::from(t[0].mu) + i128::from(t[1].mu)) * 1_000);
    let beta2 = micro(BETA) * micro(BETA);
    let c2 = team_s2[0] + team_s2[1] + 2 * beta2;
    let c = c2.isqrt();
    let p = win_probabilities(team_mu, c);
    let mut out = teams;
    for t in 0..2 {
        let won = t == winner.index();
        let s2 = team_s2[t];
        // Omega: the team's mean shift, micro-points (magnitude; sign from the result).
        let surprise = if won { P - p[t] } else { p[t] };
        let omega = mul_div(s2, surprise, c * P);
        // Delta: the team's variance shrink factor, units of 1/P.
        let mut delta = mul_div(s2, P, c2);
        delta = mul_div(delta, p[0], P);
        delta = mul_div(delta, p[1], P);
        delta = mul_div(delta, s2.isqrt(), c);
        for k in 0..2 {
            let r = teams[t][k];
            let s = sig2[t][k];
            let shift = micro_to_milli(mul_div(s, omega, s2));
            let mu = if won {
                r.mu.saturating_add(shift)
            } else {
                r.mu.saturating_sub(shift)
            };
            let factor = P.saturating_sub(mul_div(s, delta, s2)).max(KAPPA);
            let sigma = micro_to_milli(mul_div(s, factor, P).isqrt());
            out[t][k] = Rating {
                mu: mu.clamp(-MU_ABS_MAX, MU_ABS_MAX),
                sigma: sigma.max(SIGMA_FLOOR).min(r.sigma),
            };
        }
    }
    out
}

/// Team 0's chance to win, in millionths (for display and tests).
pub fn win_probability_ppm(teams: [[Rating; 2]; 2]) -> u32 {
    let teams = teams.map(|t| t.map(Rating::clamped));
    let micro = |v: i64| u128::from(v.unsigned_abs()) * MICRO_PER_MILLI;
    let team_s2 = teams.map(|t| micro(t[0].sigma).pow(2) + micro(t[1].sigma).pow(2));
    let team_mu = teams.map(|t| (i128::from(t[0].mu) + i128::from(t[1].mu)) * 1_000);
    let c = (team_s2[0] + team_s2[1] + 2 * micro(BETA).pow(2)).isqrt();
    let p = win_probabilities(team_mu, c);
    u32::try_from(mul_div(p[0], 1_000_000, P)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_known_values() {
        // e^-1 = 0.36787944117144233, e^-0.5 = 0.6065306597126334, e^-5 = 0.006737946999085467
        for (x, want) in [
            (P, 367_879_441_171_442u128),
            (P / 2, 606_530_659_712_633),
            (5 * P, 6_737_946_999_085),
            (0, P),
        ] {
            let got = exp_neg(x);
            assert!(got.abs_diff(want) < 1_000, "exp(-{x}) = {got}, want {want}");
        }
        assert_eq!(exp_neg(40 * P), 0);
    }

    #[test]
    fn tiers_have_boundaries() {
        assert_eq!(tier(0), Tier::Bronze);
        assert_eq!(tier(1_099), Tier::Bronze);
        assert_eq!(tier(1_100), Tier::Silver);
        assert_eq!(tier(1_899), Tier::Diamond);
        assert_eq!(tier(1_900), Tier::Master);
        assert_eq!(tier(i64::MAX), Tier::Master);
        assert_eq!(Rating::default().display(), 1_000);
        assert_eq!(Rating::default().tier(), Tier::Bronze);
    }
}
