//! Fixed-point multipliers and the one payout rounding rule of every game.
//!
//! A multiplier is an integer count of `1e-8` (`MULTIPLIER_SCALE = 10^8` units = 1.0x). Every
//! payout is `floor(stake_minor * multiplier_units / 10^8)`, computed in `u128`, so the house never
//! pays a fraction of a minor unit and the player loses less than one minor unit to rounding per bet.

use serde::{Deserialize, Serialize};

use crate::GameError;

/// Units of a multiplier per 1.0x.
pub const MULTIPLIER_SCALE: u64 = 100_000_000;

/// A payout multiplier (stake included) in units of `1e-8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Multiplier(pub u64);

impl Multiplier {
    pub const ZERO: Multiplier = Multiplier(0);
    pub const ONE: Multiplier = Multiplier(MULTIPLIER_SCALE);

    /// A multiplier given in hundredths (1.25x = 125), the precision of every published table.
    pub const fn from_hundredths(hundredths: u64) -> Multiplier {
        Multiplier(hundredths * (MULTIPLIER_SCALE / 100))
    }

    /// `floor(num / den * 10^8)`: an exact rational rounded down to the scale.
    pub fn from_ratio(num: u128, den: u128) -> Multiplier {
        assert!(den > 0, "a multiplier ratio has a positive denominator");
        let units = num * u128::from(MULTIPLIER_SCALE) / den;
        Multiplier(u64::try_from(units).unwrap_or(u64::MAX))
    }

    /// The multiplier as a float, for statistics only (never for money or the wire: the wire
    /// format is [`Multiplier::to_decimal`]).
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / MULTIPLIER_SCALE as f64
    }

    /// The one wire format of a multiplier: its exact decimal, at most 8 fractional digits, no
    /// trailing zeros, no exponent (`"0"`, `"2"`, `"1.96039603"`, `"1000000"`, `"0.00000001"`).
    pub fn to_decimal(self) -> String {
        let whole = self.0 / MULTIPLIER_SCALE;
        let frac = self.0 % MULTIPLIER_SCALE;
        if frac == 0 {
            return whole.to_string();
        }
        let digits = format!("{frac:08}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }

    /// Reads [`Multiplier::to_decimal`]'s format back (digits, optionally `.` and 1 to 8 digits);
    /// anything else, or a value past `u64` units, is `None`.
    pub fn parse_decimal(text: &str) -> Option<Multiplier> {
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 8
            || (text.contains('.') && frac.is_empty())
        {
            return None;
        }
        let whole: u64 = whole.parse().ok()?;
        let frac: u64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<8}").parse().ok()?
        };
        whole
            .checked_mul(MULTIPLIER_SCALE)?
            .checked_add(frac)
            .map(Multiplier)
    }

    /// The payout of `stake_minor` at this multiplier: `floor(stake * units / 10^8)`.
    pub fn payout(self, stake_minor: u64) -> Result<u64, GameError> {
        let wide = u128::from(stake_minor) * u128::from(self.0) / u128::from(MULTIPLIER_SCALE);
        u64::try_from(wide).map_err(|_| GameError::PayoutOverflow)
    }

    /// `self * other`, rounded down to the scale (for games whose steps multiply).
    pub fn times(self, other: Multiplier) -> Multiplier {
        Multiplier::from_ratio(
            u128::from(self.0) * u128::from(other.0),
            u128::from(MULTIPLIER_SCALE) * u128::from(MULTIPLIER_SCALE),
        )
    }
}
