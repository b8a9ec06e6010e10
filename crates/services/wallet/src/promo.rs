//! Promotions' money: tournament entry fees held by a pending transfer until the contest ends,
//! prize pools funded and paid out, and rewards paid from the promotions budget.
//!
//! Each contest has its own prize-pool account (`prize_pool`, index = the contest's pool index).
//! Every transfer's id is derived from a key — the contest and player of an entry fee, the reward
//! id of a prize or reward — so a retry answers `exists` and nothing is paid twice. Play money is
//! issued for what promotions pay: a pool's fixed part and each reward are funded from the
//! currency's issuance account (`funding`, which players never see).

use ledger::chart::{self, AccountKind, TransferKind};
use ledger::{AccountId, CreateTransferResult, LedgerStore, Transfer, TransferFlags, TransferId};
use sha2::{Digest, Sha256};

use crate::{PipelineError, Wallet, account_ok, wallet_id};

/// What a derived transfer id is for.
#[derive(Clone, Copy, Debug)]
enum Purpose {
    EntryHold = 1,
    EntrySettle = 2,
    PoolFunding = 3,
    Prize = 4,
    RewardFunding = 5,
    Reward = 6,
}

/// The transfer id of `purpose` for `key` in `ledger`: the first 16 bytes of
/// SHA-256(`"promo:{purpose}:{ledger}:{key}"`), never a system id, never 0.
fn transfer_id(purpose: Purpose, key: &str, ledger: u32) -> TransferId {
    let digest = Sha256::digest(format!("promo:{}:{ledger}:{key}", purpose as u8).as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    (u128::from_be_bytes(first) & !chart::SYSTEM_ID_BIT).max(1)
}

/// The prize-pool account of pool `index` in `ledger`.
#[must_use]
pub fn pool_id(index: u32, ledger: u32) -> AccountId {
    chart::system_account_id(AccountKind::PrizePool, ledger, index)
}

fn issuance(ledger: u32) -> AccountId {
    chart::system_account_id(AccountKind::Issuance, ledger, 0)
}

fn promotions(ledger: u32) -> AccountId {
    chart::system_account_id(AccountKind::Promotions, ledger, 0)
}

impl Wallet {
    async fn one(&self, transfers: Vec<Transfer>) -> Result<CreateTransferResult, PipelineError> {
        let results = self.pipeline.create_transfers(transfers).await?;
        // A chain answers per transfer; the first failure (or the first result) speaks for it.
        Ok(results
            .iter()
            .copied()
            .find(|r| !r.is_success())
            .or_else(|| results.first().copied())
            .unwrap_or(CreateTransferResult::LinkedEventFailed))
    }

    /// Opens a contest's prize-pool account (idempotent).
    pub async fn open_pool(&self, index: u32, ledger: u32) -> Result<AccountId, PipelineError> {
        let id = pool_id(index, ledger);
        let results = self
            .pipeline
            .create_accounts(vec![AccountKind::PrizePool.account(id, ledger)])
            .await?;
        match results.first() {
            Some(r) if account_ok(*r) => Ok(id),
            other => Err(PipelineError::Store(store::StoreError::new(
                store::StoreErrorKind::Internal,
                format!("prize pool account refused: {other:?}"),
            ))),
        }
    }

    /// Holds a player's entry fee: a pending `tournament_entry` from their wallet to the pool.
    /// `exceeds_credits` when they cannot pay it.
    pub async fn hold_entry_fee(
        &self,
        contest: &str,
        pool_index: u32,
        user_id: i64,
        ledger: u32,
        amount: u64,
    ) -> Result<CreateTransferResult, PipelineError> {
        let wallet = self.open_wallet(user_id, ledger).await?;
        let pool = self.open_pool(pool_index, ledger).await?;
        let key = format!("{contest}:{user_id}");
        let t = TransferKind::TournamentEntry
            .transfer(
                transfer_id(Purpose::EntryHold, &key, ledger),
                wallet,
                pool,
                amount,
                ledger,
            )
            .flagged(TransferFlags::PENDING);
        self.one(vec![t]).await
    }

    /// Posts (the contest ran) or voids (it was cancelled) a held entry fee.
    pub async fn settle_entry_fee(
        &self,
        contest: &str,
        user_id: i64,
        ledger: u32,
        post: bool,
    ) -> Result<CreateTransferResult, PipelineError> {
        let key = format!("{contest}:{user_id}");
        let pending = transfer_id(Purpose::EntryHold, &key, ledger);
        let id = transfer_id(Purpose::EntrySettle, &key, ledger);
        let mut t = if post {
            Transfer::post(id, pending, ledger::AMOUNT_MAX)
        } else {
            Transfer::void(id, pending)
        };
        t.ledger = ledger;
        t.code = TransferKind::TournamentEntry.code();
        self.one(vec![t]).await
    }

    /// Funds a contest's pool with `amount` issued play money (once per contest).
    pub async fn fund_pool(
        &self,
        contest: &str,
        pool_index: u32,
        ledger: u32,
        amount: u64,
    ) -> Result<CreateTransferResult, PipelineError> {
        let pool = self.open_pool(pool_index, ledger).await?;
        let t = TransferKind::Funding.transfer(
            transfer_id(Purpose::PoolFunding, contest, ledger),
            issuance(ledger),
            pool,
            amount,
            ledger,
        );
        self.one(vec![t]).await
    }

    /// Pays a prize from a contest's pool (once per reward id).
    pub async fn pay_prize(
        &self,
        reward_id: &str,
        pool_index: u32,
        user_id: i64,
        ledger: u32,
        amount: u64,
    ) -> Result<CreateTransferResult, PipelineError> {
        let wallet = self.open_wallet(user_id, ledger).await?;
        let t = TransferKind::Prize.transfer(
            transfer_id(Purpose::Prize, reward_id, ledger),
            pool_id(pool_index, ledger),
            wallet,
            amount,
            ledger,
        );
        self.one(vec![t]).await
    }

    /// Pays a reward from the promotions budget (once per reward id): the budget is funded with
    /// the amount and pays it on, as one linked chain.
    pub async fn pay_reward(
        &self,
        reward_id: &str,
        user_id: i64,
        ledger: u32,
        amount: u64,
    ) -> Result<CreateTransferResult, PipelineError> {
        let wallet = self.open_wallet(user_id, ledger).await?;
        let fund = TransferKind::Funding
            .transfer(
                transfer_id(Purpose::RewardFunding, reward_id, ledger),
                issuance(ledger),
                promotions(ledger),
                amount,
                ledger,
            )
            .flagged(TransferFlags::LINKED);
        let pay = TransferKind::Reward.transfer(
            transfer_id(Purpose::Reward, reward_id, ledger),
            promotions(ledger),
            wallet,
            amount,
            ledger,
        );
        self.one(vec![fund, pay]).await
    }

    /// A pool's balance (credits minus debits, posted).
    pub async fn pool_balance(&self, index: u32, ledger: u32) -> Result<i128, store::StoreError> {
        let accounts = self
            .ledger
            .lookup_accounts(&[pool_id(index, ledger)])
            .await?;
        Ok(accounts.first().map_or(0, |a| {
            i128::from(a.credits_posted) - i128::from(a.debits_posted)
        }))
    }

    /// The wallet account of a user (for checks).
    #[must_use]
    pub fn wallet_of(user_id: i64, ledger: u32) -> AccountId {
        wallet_id(user_id, ledger)
    }
}
