//! The currency table: ledger codes, their symbols and their minor-unit decimals.
//!
//! A ledger code is what `Account::ledger` / `Transfer::ledger` hold; transfers never cross
//! ledgers (an exchange is two transfers through an exchange account on each side). Amounts are
//! always integer minor units; `decimals` only says how to display them.

use serde::{Deserialize, Serialize};

/// One row of the currency table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Currency {
    /// Ledger code (never zero, never reused).
    pub ledger: u32,
    /// Display symbol.
    pub symbol: &'static str,
    /// Minor units per major unit = 10^decimals.
    pub decimals: u8,
    /// Whether the currency is play money (no deposits or withdrawals, free grants allowed).
    pub play_money: bool,
}

/// Play money (`PLAY`, 2 decimals): the chips every new account is granted and instant games use.
pub const PLAY: u32 = 1;
/// US dollars held on behalf of operators' players (internal-wallet mode).
pub const USD: u32 = 2;
/// Euros, likewise.
pub const EUR: u32 = 3;
/// Tether USD, for crypto deposits.
pub const USDT: u32 = 4;
/// The platform's reward token (mirrors the on-chain token, 6 decimals internally so that
/// balances fit [`crate::types::BALANCE_MAX`]).
pub const REWARD: u32 = 5;

/// Every currency the platform knows, sorted by ledger code.
pub const CURRENCIES: &[Currency] = &[
    Currency {
        ledger: PLAY,
        symbol: "PLAY",
        decimals: 2,
        play_money: true,
    },
    Currency {
        ledger: USD,
        symbol: "USD",
        decimals: 2,
        play_money: false,
    },
    Currency {
        ledger: EUR,
        symbol: "EUR",
        decimals: 2,
        play_money: false,
    },
    Currency {
        ledger: USDT,
        symbol: "USDT",
        decimals: 6,
        play_money: false,
    },
    Currency {
        ledger: REWARD,
        symbol: "REWARD",
        decimals: 6,
        play_money: true,
    },
];

/// The currency of a ledger code.
#[must_use]
pub fn currency(ledger: u32) -> Option<&'static Currency> {
    CURRENCIES.iter().find(|c| c.ledger == ledger)
}

/// The currency with this symbol (case-sensitive).
#[must_use]
pub fn by_symbol(symbol: &str) -> Option<&'static Currency> {
    CURRENCIES.iter().find(|c| c.symbol == symbol)
}

impl Currency {
    /// Formats minor units as a decimal string, e.g. `12345` PLAY → `"123.45"`.
    #[must_use]
    pub fn format(&self, minor: i128) -> String {
        let sign = if minor < 0 { "-" } else { "" };
        let magnitude = minor.unsigned_abs();
        if self.decimals == 0 {
            return format!("{sign}{magnitude}");
        }
        let scale = 10u128.pow(u32::from(self.decimals));
        let width = usize::from(self.decimals);
        format!("{sign}{}.{:0width$}", magnitude / scale, magnitude % scale)
    }
}
