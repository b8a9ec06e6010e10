//! The wallet: the platform's use of the double-entry ledger — system accounts, player wallets,
//! signup chips, admin adjustments and the player's reads — over the group-commit [`pipeline`].
//!
//! Every write goes through the one writer of [`pipeline::Pipeline`]; reads go straight to the
//! database. Amounts are integer minor units; ids come from `ledger::chart`.
//!
//! Ports it declares for other services: [`game::GameWallet`] / [`game::WalletRouter`] (how a game
//! round moves money; [`ledger_game::LedgerGameWallet`] is the internal-ledger one) and
//! [`SignupGrant`] (the chips of a new account).

pub mod game;
pub mod http;
pub mod ledger_game;
pub mod pipeline;
pub mod promo;

use async_trait::async_trait;

use ledger::chart::{self, AccountKind, TransferKind};
use ledger::currency::{self, PLAY};
use ledger::{
    AccountFilter, AccountId, CreateAccountResult, CreateTransferResult, LedgerStore, Page,
    Transfer, TransferId,
};
use sha2::{Digest, Sha256};
use store::ledger::LedgerDb;

pub use game::{Credit, Debit, GameWallet, GameWalletError, Rollback, WalletRouter};
pub use http::WalletState;
pub use ledger_game::{InternalRouter, LedgerGameWallet};
pub use pipeline::{Pipeline, PipelineError};

/// Wallet settings.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WalletConfig {
    /// Play-money chips (minor units of `PLAY`, 2 decimals) every new account receives.
    pub signup_chips: u64,
    /// Ledger requests that may wait for the group-commit writer before senders wait too.
    pub queue_depth: usize,
}

impl Default for WalletConfig {
    fn default() -> Self {
        Self {
            signup_chips: 100_000,
            queue_depth: 16_384,
        }
    }
}

/// The port through which the accounts service opens a new account's wallet.
#[async_trait]
pub trait SignupGrant: Send + Sync {
    /// Opens the wallet and grants the signup chips, logging (not failing the signup) on error: the
    /// grant is idempotent, and `GET /v1/wallet` retries it for a user whose wallet is missing.
    async fn grant_signup_logged(&self, user_id: i64);
}

#[async_trait]
impl SignupGrant for Wallet {
    async fn grant_signup_logged(&self, user_id: i64) {
        if let Err(e) = self.grant_signup(user_id).await {
            tracing::warn!(user_id, error = %e, "signup chips not granted yet");
        }
    }
}

/// The wallet's routes over its state.
pub fn router(state: WalletState) -> axum::Router {
    http::routes().with_state(state)
}

/// The ledger of the play-money chips every new account receives.
pub const SIGNUP_LEDGER: u32 = PLAY;

/// The wallet service, shared by every handler.
#[derive(Clone, Debug)]
pub struct Wallet {
    /// Direct reads.
    pub ledger: LedgerDb,
    /// Every write.
    pub pipeline: Pipeline,
    signup_chips: u64,
}

/// Which way an admin adjustment moves money.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Adjustment account → wallet.
    Credit,
    /// Wallet → adjustment account.
    Debit,
}

/// An admin adjustment, validated.
#[derive(Clone, Debug)]
pub struct Adjustment {
    pub transfer_id: TransferId,
    pub user_id: i64,
    pub ledger: u32,
    pub amount: u64,
    pub direction: Direction,
    pub reason: String,
    pub admin_id: i64,
}

impl Wallet {
    /// Opens the system accounts of every currency (idempotent) and starts the writer.
    pub async fn start(
        ledger: LedgerDb,
        signup_chips: u64,
        queue_depth: usize,
    ) -> Result<Self, store::StoreError> {
        let mut accounts = Vec::new();
        for c in currency::CURRENCIES {
            for kind in [
                AccountKind::Issuance,
                AccountKind::House,
                AccountKind::Adjustment,
                AccountKind::Promotions,
            ] {
                accounts.push(kind.account(chart::system_account_id(kind, c.ledger, 0), c.ledger));
            }
        }
        let results = ledger
            .create_accounts(&accounts, pipeline::now_ns())
            .await?;
        if let Some(bad) = results.iter().find(|r| !account_ok(**r)) {
            return Err(store::StoreError::new(
                store::StoreErrorKind::Internal,
                format!("system account refused: {}", bad.name()),
            ));
        }
        let pipeline = Pipeline::start(ledger.clone(), queue_depth);
        Ok(Self {
            ledger,
            pipeline,
            signup_chips,
        })
    }

    /// The wallet account of `user_id` in `ledger`, opened if needed.
    pub async fn open_wallet(&self, user_id: i64, ledger: u32) -> Result<AccountId, PipelineError> {
        let id = wallet_id(user_id, ledger);
        let mut account = AccountKind::PlayerWallet.account(id, ledger);
        account.user_data_64 = user_id.cast_unsigned();
        let results = self.pipeline.create_accounts(vec![account]).await?;
        match results.first() {
            Some(r) if account_ok(*r) => Ok(id),
            other => Err(PipelineError::Store(store::StoreError::new(
                store::StoreErrorKind::Internal,
                format!("wallet account refused: {other:?}"),
            ))),
        }
    }

    /// Opens the user's chips wallet and grants the signup chips, once per user whatever the
    /// retries (the grant's id is derived from the user id).
    pub async fn grant_signup(&self, user_id: i64) -> Result<(), PipelineError> {
        let wallet = self.open_wallet(user_id, SIGNUP_LEDGER).await?;
        if self.signup_chips == 0 {
            return Ok(());
        }
        let grant = TransferKind::Grant.transfer(
            chart::grant_transfer_id(user_key(user_id), SIGNUP_LEDGER),
            chart::system_account_id(AccountKind::Issuance, SIGNUP_LEDGER, 0),
            wallet,
            self.signup_chips,
            SIGNUP_LEDGER,
        );
        let results = self.pipeline.create_transfers(vec![grant]).await?;
        match results.first() {
            Some(r) if r.is_success() => Ok(()),
            other => Err(PipelineError::Store(store::StoreError::new(
                store::StoreErrorKind::Internal,
                format!("signup grant refused: {other:?}"),
            ))),
        }
    }

    /// The user's wallet accounts that exist, in every currency.
    pub async fn accounts(&self, user_id: i64) -> Result<Vec<ledger::Account>, store::StoreError> {
        let ids: Vec<AccountId> = currency::CURRENCIES
            .iter()
            .map(|c| wallet_id(user_id, c.ledger))
            .collect();
        self.ledger.lookup_accounts(&ids).await
    }

    /// One page of the user's transfers in `ledger`, newest first.
    pub async fn transfers(
        &self,
        user_id: i64,
        ledger: u32,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Page<Transfer>, store::StoreError> {
        self.ledger
            .account_transfers(AccountFilter {
                account_id: wallet_id(user_id, ledger),
                before,
                limit,
            })
            .await
    }

    /// Books an admin credit or debit. The reason is bound to the transfer (`user_data_128` is
    /// the first 16 bytes of its SHA-256, `user_data_64` the admin's id), so a retry with the same
    /// id and reason answers `exists` and one with another reason is refused.
    pub async fn adjust(
        &self,
        a: &Adjustment,
    ) -> Result<(CreateTransferResult, Option<Transfer>), PipelineError> {
        let wallet = self.open_wallet(a.user_id, a.ledger).await?;
        let adjustment = chart::system_account_id(AccountKind::Adjustment, a.ledger, 0);
        let mut t = match a.direction {
            Direction::Credit => TransferKind::AdminCredit.transfer(
                a.transfer_id,
                adjustment,
                wallet,
                a.amount,
                a.ledger,
            ),
            Direction::Debit => TransferKind::AdminDebit.transfer(
                a.transfer_id,
                wallet,
                adjustment,
                a.amount,
                a.ledger,
            ),
        };
        t.user_data_128 = reason_digest(&a.reason);
        t.user_data_64 = a.admin_id.cast_unsigned();
        let result = self
            .pipeline
            .create_transfers(vec![t])
            .await?
            .first()
            .copied()
            .unwrap_or(CreateTransferResult::LinkedEventFailed);
        let stored = if result.is_success() {
            self.ledger
                .lookup_transfers(&[a.transfer_id])
                .await?
                .first()
                .copied()
        } else {
            None
        };
        Ok((result, stored))
    }
}

fn account_ok(r: CreateAccountResult) -> bool {
    matches!(r, CreateAccountResult::Ok | CreateAccountResult::Exists)
}

/// User ids are positive `i64`s; as ledger keys they are their bit pattern.
fn user_key(user_id: i64) -> u128 {
    u128::from(user_id.cast_unsigned())
}

/// The wallet account id of a user in a currency.
pub fn wallet_id(user_id: i64, ledger: u32) -> AccountId {
    chart::wallet_account_id(user_key(user_id), ledger)
}

/// The first 16 bytes of SHA-256 of an adjustment's reason.
pub fn reason_digest(reason: &str) -> u128 {
    let digest = Sha256::digest(reason.as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
}
