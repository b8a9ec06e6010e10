//! How a game round moves money: through the player's own ledger wallet (internal mode) or through an
//! operator's wallet over HTTP (seamless mode). Game code talks only to these traits, so a bet is
//! written once and settles the same way whoever holds the money.
//!
//! Every call carries a unique transaction id (`tx_id`, a Sonyflake id from `api::ids`): the same id
//! with the same payload must give the same answer, so callers may retry a call with its original id, and
//! never retry a failed or timed-out debit under a new id (it is rolled back instead).

use std::sync::Arc;

use async_trait::async_trait;

/// A stake taken from the player when a round opens (or for the whole of a single-step round).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Debit {
    /// Unique id of this money movement.
    pub tx_id: i64,
    /// Internal account id of the player.
    pub user_id: i64,
    /// Currency code, e.g. `PLAY`.
    pub currency: String,
    /// Minor units, > 0.
    pub amount: u64,
    /// The round (bet) this stake belongs to.
    pub round_id: i64,
    /// Game id, e.g. `dice`.
    pub game: String,
}

/// A payout (possibly 0) that settles a round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credit {
    /// Unique id of this money movement.
    pub tx_id: i64,
    /// Internal account id of the player.
    pub user_id: i64,
    /// Currency code.
    pub currency: String,
    /// Minor units, >= 0.
    pub amount: u64,
    /// The round this payout settles.
    pub round_id: i64,
    /// Game id.
    pub game: String,
    /// The debit this payout refers to.
    pub bet_tx_id: i64,
    /// True when the round is over after this credit.
    pub round_closed: bool,
}

/// Undo of a debit whose outcome is unknown or that must not stand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rollback {
    /// Unique id of this money movement.
    pub tx_id: i64,
    /// Internal account id of the player.
    pub user_id: i64,
    /// Currency code.
    pub currency: String,
    /// The round.
    pub round_id: i64,
    /// Game id.
    pub game: String,
    /// The debit being undone.
    pub rolled_back_tx_id: i64,
    /// Its amount (minor units).
    pub amount: u64,
}

/// Why a wallet call did not go through.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GameWalletError {
    /// The balance does not cover the debit; nothing moved.
    #[error("insufficient funds")]
    InsufficientFunds,
    /// The currency is not open for this player or wallet.
    #[error("unsupported currency {0}")]
    UnsupportedCurrency(String),
    /// The wallet refused the call for a reason it named (e.g. the operator's own limit); nothing moved.
    #[error("wallet refused: {code}: {message}")]
    Refused {
        /// Stable code from the wallet.
        code: String,
        /// Human-readable reason.
        message: String,
    },
    /// The wallet could not be reached or answered 5xx / timed out: the outcome of a debit is unknown and
    /// the caller must roll it back (never retry it under a new id).
    #[error("wallet unavailable: {0}")]
    Unavailable(String),
    /// A bug or a broken invariant; logged, never sent to a client.
    #[error("wallet internal error: {0}")]
    Internal(String),
}

/// One wallet: where a player's money for a game lives.
#[async_trait]
pub trait GameWallet: Send + Sync {
    /// Current balance in minor units.
    async fn balance(&self, user_id: i64, currency: &str) -> Result<u64, GameWalletError>;

    /// Takes a stake; returns the balance after it. Exactly once per `tx_id`.
    async fn bet(&self, debit: &Debit) -> Result<u64, GameWalletError>;

    /// Pays a round out. Must eventually succeed once the round's debit stood: a seamless wallet accepts
    /// it into a durable outbox and delivers it with retries. Returns the balance after it when known.
    async fn win(&self, credit: &Credit) -> Result<Option<u64>, GameWalletError>;

    /// Undoes a debit (durable and retried like `win`). Idempotent per `tx_id`.
    async fn rollback(&self, rollback: &Rollback) -> Result<(), GameWalletError>;

    /// A single-step round: stake and payout. The internal wallet does both in one atomic ledger batch;
    /// the default is `bet`, then `win` (and `rollback` of the debit when `bet` is `Unavailable`).
    /// Returns the balance after the round when known.
    async fn bet_and_settle(
        &self,
        debit: &Debit,
        credit: &Credit,
    ) -> Result<Option<u64>, GameWalletError> {
        self.bet(debit).await?;
        self.win(credit).await
    }

    /// The internal ledger wallet, which can store an instant bet's row in the commit that moves
    /// its money ([`crate::ledger_game::LedgerGameWallet::bet_and_settle_recorded`]); `None` for
    /// wallets elsewhere (an operator's), whose bets are recorded after the money moved.
    fn as_ledger(&self) -> Option<&crate::ledger_game::LedgerGameWallet> {
        None
    }
}

/// Picks the wallet of a player: operator-linked accounts in seamless mode use their operator's wallet,
/// everyone else the internal ledger.
#[async_trait]
pub trait WalletRouter: Send + Sync {
    /// The wallet that holds `user_id`'s money.
    async fn wallet_for(&self, user_id: i64) -> Result<Arc<dyn GameWallet>, GameWalletError>;
}
