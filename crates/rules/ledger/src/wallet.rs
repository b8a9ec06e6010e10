//! The player-facing view of wallet accounts: what `GET /v1/wallet` shows per currency.

use serde::{Deserialize, Serialize};

use crate::currency::currency;
use crate::types::{Account, AccountId};

/// One currency of a player's wallet. Figures are signed minor units; `display_*` are the same
/// figures formatted with the currency's decimals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletBalance {
    pub account_id: AccountId,
    pub ledger: u32,
    pub symbol: String,
    pub decimals: u8,
    /// `credits_posted - debits_posted`.
    pub balance: i128,
    /// Reserved by pending transfers (bets in flight, withdrawals being paid).
    pub reserved: i128,
    /// What can be spent now: `balance - reserved`.
    pub available: i128,
    pub display_balance: String,
    pub display_available: String,
}

/// The wallet view of `accounts` (a player's wallet accounts), sorted by ledger code; accounts of
/// unknown currencies are left out.
#[must_use]
pub fn wallet_balances(accounts: &[Account]) -> Vec<WalletBalance> {
    let mut out: Vec<WalletBalance> = accounts
        .iter()
        .filter_map(|a| {
            let c = currency(a.ledger)?;
            let balance = a.net_credit_posted();
            let reserved = i128::from(a.debits_pending);
            let available = balance - reserved;
            Some(WalletBalance {
                account_id: a.id,
                ledger: a.ledger,
                symbol: c.symbol.to_owned(),
                decimals: c.decimals,
                balance,
                reserved,
                available,
                display_balance: c.format(balance),
                display_available: c.format(available),
            })
        })
        .collect();
    out.sort_by_key(|w| (w.ledger, w.account_id));
    out
}
