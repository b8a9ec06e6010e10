//! Exact non-negative rationals for theoretical RTPs, so no RTP is ever a sum of rounded floats.

use std::fmt;

/// A reduced fraction `num / den` with `den > 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ratio {
    num: u128,
    den: u128,
}

/// Ordered by value (cross-multiplied: every denominator here is far below `2^64`).
impl Ord for Ratio {
    fn cmp(&self, other: &Ratio) -> std::cmp::Ordering {
        let left = self.num.checked_mul(other.den);
        let right = other.num.checked_mul(self.den);
        match (left, right) {
            (Some(l), Some(r)) => l.cmp(&r),
            // Out of range only for denominators past 2^64; compare the floats then.
            _ => self.to_f64().total_cmp(&other.to_f64()),
        }
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Ratio) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ratio {
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };

    /// `num / den`, reduced. `den` must be positive (every caller passes a count of outcomes).
    pub fn new(num: u128, den: u128) -> Ratio {
        assert!(den > 0, "a ratio has a positive denominator");
        let g = gcd(num, den);
        Ratio {
            num: num / g,
            den: den / g,
        }
    }

    pub fn num(self) -> u128 {
        self.num
    }

    pub fn den(self) -> u128 {
        self.den
    }

    /// Exact sum. Denominators are cross-cancelled first; overflow is a broken invariant
    /// (every distribution here has a denominator far below `2^64`).
    #[allow(
        clippy::expect_used,
        reason = "a broken invariant: every distribution here has a denominator far below 2^64"
    )]
    pub fn plus(self, other: Ratio) -> Ratio {
        let g = gcd(self.den, other.den);
        let den = (self.den / g)
            .checked_mul(other.den)
            .expect("rtp denominator fits u128");
        let left = self
            .num
            .checked_mul(other.den / g)
            .expect("rtp numerator fits u128");
        let right = other
            .num
            .checked_mul(self.den / g)
            .expect("rtp numerator fits u128");
        Ratio::new(
            left.checked_add(right).expect("rtp numerator fits u128"),
            den,
        )
    }

    /// Exact product, cross-cancelled before multiplying.
    #[allow(
        clippy::expect_used,
        reason = "a broken invariant: every distribution here has a denominator far below 2^64"
    )]
    pub fn times(self, other: Ratio) -> Ratio {
        let g1 = gcd(self.num, other.den).max(1);
        let g2 = gcd(other.num, self.den).max(1);
        let num = (self.num / g1)
            .checked_mul(other.num / g2)
            .expect("rtp numerator fits u128");
        let den = (self.den / g2)
            .checked_mul(other.den / g1)
            .expect("rtp denominator fits u128");
        Ratio::new(num, den)
    }

    /// Nearest `f64` (for display; the exact value is the fraction).
    pub fn to_f64(self) -> f64 {
        // Split to keep precision when both parts exceed 2^53.
        let whole = (self.num / self.den) as f64;
        let rest = (self.num % self.den) as f64 / self.den as f64;
        whole + rest
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// `C(n, k)` exactly (n is at most 52 here, so every value fits a `u128`).
pub fn binomial(n: u64, k: u64) -> u128 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut result: u128 = 1;
    for i in 0..k {
        // Multiplying before dividing keeps every intermediate an integer: C(n, i+1) * (i+1)!
        result = result * u128::from(n - i) / u128::from(i + 1);
    }
    result
}
