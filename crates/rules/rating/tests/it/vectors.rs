//! Fixed vectors (regression: these integers are the stored state and must never change), and a
//! floating-point reference of the Weng-Lin Bradley-Terry full-pairing update (Weng & Lin 2011,
//! Algorithm 1, as implemented by OpenSkill) that the integer version must follow within rounding.

use rating::{BETA, Rating, SIGMA_FLOOR, Winner, update, win_probability_ppm};

fn r(mu: i64, sigma: i64) -> Rating {
    Rating { mu, sigma }
}

/// The reference update in `f64` (points, not thousandths); kappa = 1e-4, gamma = sqrt(team var) / c.
fn reference(teams: [[(f64, f64); 2]; 2], winner: usize) -> [[(f64, f64); 2]; 2] {
    let beta = BETA as f64 / 1000.0;
    let s2: Vec<f64> = teams
        .iter()
        .map(|t| t[0].1.powi(2) + t[1].1.powi(2))
        .collect();
    let mu: Vec<f64> = teams.iter().map(|t| t[0].0 + t[1].0).collect();
    let c = (s2[0] + s2[1] + 2.0 * beta * beta).sqrt();
    let e = [(mu[0] / c).exp(), (mu[1] / c).exp()];
    let p = [e[0] / (e[0] + e[1]), e[1] / (e[0] + e[1])];
    let mut out = teams;
    for t in 0..2 {
        let s = if t == winner { 1.0 } else { 0.0 };
        let omega = s2[t] / c * (s - p[t]);
        let gamma = s2[t].sqrt() / c;
        let delta = gamma * s2[t] / (c * c) * p[0] * p[1];
        for k in 0..2 {
            let (m, sg) = teams[t][k];
            let share = sg * sg / s2[t];
            let new_mu = m + share * omega;
            let new_var = sg * sg * (1.0 - share * delta).max(1e-4);
            out[t][k] = (new_mu, new_var.sqrt());
        }
    }
    out
}

fn check(teams: [[Rating; 2]; 2], winner: Winner, expected: [[(i64, i64); 2]; 2]) {
    let got = update(teams, winner);
    let float = reference(
        teams.map(|t| t.map(|p| (p.mu as f64 / 1000.0, p.sigma as f64 / 1000.0))),
        winner.index(),
    );
    for t in 0..2 {
        for k in 0..2 {
            let (m, s) = float[t][k];
            let want_mu = (m * 1000.0).round() as i64;
            let want_sigma = ((s * 1000.0).round() as i64).max(SIGMA_FLOOR.min(teams[t][k].sigma));
            assert!(
                (got[t][k].mu - want_mu).abs() <= 2,
                "mu {t}{k}: {} vs {want_mu}",
                got[t][k].mu
            );
            assert!(
                (got[t][k].sigma - want_sigma).abs() <= 2,
                "sigma {t}{k}: {} vs {want_sigma}",
                got[t][k].sigma
            );
        }
    }
    let got_pairs = got.map(|t| t.map(|p| (p.mu, p.sigma)));
    assert_eq!(got_pairs, expected, "fixed vector changed");
}

#[test]
fn new_players() {
    let d = Rating::default();
    check(
        [[d, d], [d, d]],
        Winner::Team0,
        [
            [(26_964, 8_177), (26_964, 8_177)],
            [(23_036, 8_177), (23_036, 8_177)],
        ],
    );
}

#[test]
fn mixed_teams() {
    check(
        [
            [r(30_000, 4_000), r(22_000, 7_000)],
            [r(26_000, 2_500), r(25_000, 8_333)],
        ],
        Winner::Team1,
        [
            [(29_373, 3_972), (20_080, 6_850)],
            [(26_245, 2_493), (27_720, 8_058)],
        ],
    );
}

#[test]
fn favourite_wins() {
    check(
        [
            [r(35_000, 2_000), r(34_000, 2_000)],
            [r(18_000, 3_000), r(20_000, 3_000)],
        ],
        Winner::Team0,
        [
            [(35_009, 2_000), (34_009, 2_000)],
            [(17_979, 2_998), (19_979, 2_998)],
        ],
    );
}

#[test]
fn probabilities_are_symmetric_and_sensible() {
    let d = Rating::default();
    assert_eq!(win_probability_ppm([[d, d], [d, d]]), 500_000);
    let strong = [r(35_000, 2_000); 2];
    let weak = [r(18_000, 3_000); 2];
    let p = win_probability_ppm([strong, weak]);
    assert!(p > 900_000, "{p}");
    assert_eq!(p + win_probability_ppm([weak, strong]), 1_000_000);
}
