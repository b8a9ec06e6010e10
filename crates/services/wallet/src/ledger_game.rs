//! The internal-mode game wallet: a round's money moves on our own ledger, between the player's
//! wallet account and the game house account of the currency, through the group-commit pipeline.
//!
//! Transfer ids are derived from the call's `tx_id` (and the transfer kind), so a retried call is
//! answered `exists` by the ledger and money moves exactly once.

use std::sync::Arc;

use async_trait::async_trait;
use ledger::chart::{self, AccountKind, TransferKind};
use ledger::{Account, CreateTransferResult, LedgerStore, Transfer, TransferFlags};

use crate::game::{Credit, Debit, GameWallet, GameWalletError, Rollback, WalletRouter};
use crate::pipeline::{Committed, PipelineError};
use crate::{Wallet, wallet_id};
use store::BetRecord;

/// Purpose bit of game transfer ids (keeps them apart from grants and client-chosen ids).
const GAME_ID_PURPOSE: u16 = 0x4000;

/// [`GameWallet`] on the internal ledger.
#[derive(Clone, Debug)]
pub struct LedgerGameWallet {
    wallet: Arc<Wallet>,
}

/// [`WalletRouter`] that always answers the ledger wallet.
#[derive(Clone, Debug)]
pub struct InternalRouter {
    wallet: Arc<LedgerGameWallet>,
}

impl InternalRouter {
    /// A router over the internal ledger.
    pub fn new(wallet: Arc<Wallet>) -> Self {
        Self {
            wallet: Arc::new(LedgerGameWallet::new(wallet)),
        }
    }
}

#[async_trait]
impl WalletRouter for InternalRouter {
    async fn wallet_for(&self, _user_id: i64) -> Result<Arc<dyn GameWallet>, GameWalletError> {
        Ok(self.wallet.clone())
    }
}

/// The ledger transfer id of a game wallet call: the call's `tx_id` in the high 64 bits, then the
/// purpose and kind, then the ledger. `tx_id`s are time-ordered (`api::ids`), so successive
/// calls' transfer ids ascend and the ledger's unique index on transfer ids grows at its end (one
/// leaf page per commit, shared by the batch) instead of taking a random leaf per transfer, as a
/// hashed id would. Never a system id (the top bit is clear) and never 0.
pub fn game_transfer_id(kind: TransferKind, tx_id: i64, ledger: u32) -> u128 {
    let id = u128::from(tx_id.cast_unsigned()) << 64
        | u128::from(GAME_ID_PURPOSE | kind.code()) << 32
        | u128::from(ledger);
    id & !chart::SYSTEM_ID_BIT
}

fn ledger_of(currency: &str) -> Result<u32, GameWalletError> {
    ledger::currency::by_symbol(currency)
        .map(|c| c.ledger)
        .ok_or_else(|| GameWalletError::UnsupportedCurrency(currency.to_owned()))
}

fn house(ledger: u32) -> u128 {
    chart::system_account_id(AccountKind::House, ledger, 0)
}

fn round_key(round_id: i64) -> u128 {
    u128::from(round_id.cast_unsigned())
}

impl LedgerGameWallet {
    /// A wallet over the ledger service.
    pub fn new(wallet: Arc<Wallet>) -> Self {
        Self { wallet }
    }

    /// Submits one request; on success, the committed accounts it named.
    async fn submit(&self, transfers: Vec<Transfer>) -> Result<Vec<Account>, GameWalletError> {
        let committed = self
            .wallet
            .pipeline
            .create_transfers_committed(transfers)
            .await
            .map_err(|e| match e.kind() {
                store::StoreErrorKind::Unavailable => GameWalletError::Unavailable(e.to_string()),
                _ => GameWalletError::Internal(e.to_string()),
            })?;
        Self::accounts_of(committed)
    }

    /// The committed accounts of a request whose transfers all succeeded, or why they failed.
    fn accounts_of(committed: Committed) -> Result<Vec<Account>, GameWalletError> {
        let results = &committed.results;
        let first = results
            .first()
            .copied()
            .unwrap_or(CreateTransferResult::LinkedEventFailed);
        if first.is_success() {
            return Ok(committed.accounts);
        }
        let cause = results
            .iter()
            .copied()
            .find(|r| *r != CreateTransferResult::LinkedEventFailed)
            .unwrap_or(first);
        match cause {
            CreateTransferResult::ExceedsCredits
            | CreateTransferResult::IdAlreadyFailed
            | CreateTransferResult::DebitAccountNotFound => Err(GameWalletError::InsufficientFunds),
            other => Err(GameWalletError::Internal(format!(
                "ledger refused a game transfer: {}",
                other.name()
            ))),
        }
    }

    /// The bet's linked chain: the stake, then the payout if there is one.
    fn settle_chain(debit: &Debit, credit: &Credit, ledger: u32) -> Vec<Transfer> {
        let bet = Self::bet_transfer(debit, ledger);
        if credit.amount == 0 {
            vec![bet]
        } else {
            vec![
                bet.flagged(TransferFlags::LINKED),
                Self::win_transfer(credit, ledger),
            ]
        }
    }

    /// [`GameWallet::bet_and_settle`] with the bet's row in the same commit as its money: `row`
    /// builds the row from the player's spendable balance after the bet, and the row is stored
    /// exactly when the money moved. The outer error is the pipeline's (nothing committed, the
    /// row included: a reused nonce or idempotency key lands here); the inner one the wallet's
    /// refusal (insufficient funds, …), with nothing stored.
    pub async fn bet_and_settle_recorded(
        &self,
        debit: &Debit,
        credit: &Credit,
        row: impl Fn(Option<u64>) -> BetRecord + Send + Sync + 'static,
    ) -> Result<Result<Option<u64>, GameWalletError>, PipelineError> {
        let ledger = match ledger_of(&debit.currency) {
            Ok(ledger) => ledger,
            Err(e) => return Ok(Err(e)),
        };
        if debit.amount == 0 {
            return Ok(Err(GameWalletError::Internal("zero debit".into())));
        }
        let wallet = wallet_id(debit.user_id, ledger);
        let committed = self
            .wallet
            .pipeline
            .create_transfers_with_bet(
                Self::settle_chain(debit, credit, ledger),
                Box::new(move |c: &Committed| {
                    row(c.accounts.iter().find(|a| a.id == wallet).map(spendable))
                }),
            )
            .await?;
        let accounts = match Self::accounts_of(committed) {
            Ok(accounts) => accounts,
            Err(e) => return Ok(Err(e)),
        };
        Ok(self
            .available_after(&accounts, debit.user_id, ledger)
            .await
            .map(Some))
    }

    async fn available(&self, user_id: i64, ledger: u32) -> Result<u64, GameWalletError> {
        let accounts = self
            .wallet
            .ledger
            .lookup_accounts(&[wallet_id(user_id, ledger)])
            .await
            .map_err(|e| GameWalletError::Unavailable(e.to_string()))?;
        Ok(accounts.first().map_or(0, spendable))
    }

    /// The player's spendable balance after a committed request: from the accounts the commit
    /// returned (no read), or read back when the request did not change the wallet.
    async fn available_after(
        &self,
        committed: &[Account],
        user_id: i64,
        ledger: u32,
    ) -> Result<u64, GameWalletError> {
        let id = wallet_id(user_id, ledger);
        match committed.iter().find(|a| a.id == id) {
            Some(a) => Ok(spendable(a)),
            None => self.available(user_id, ledger).await,
        }
    }

    fn bet_transfer(debit: &Debit, ledger: u32) -> Transfer {
        let mut t = TransferKind::Bet.transfer(
            game_transfer_id(TransferKind::Bet, debit.tx_id, ledger),
            wallet_id(debit.user_id, ledger),
            house(ledger),
            debit.amount,
            ledger,
        );
        t.user_data_128 = round_key(debit.round_id);
        t
    }

    fn win_transfer(credit: &Credit, ledger: u32) -> Transfer {
        let mut t = TransferKind::Win.transfer(
            game_transfer_id(TransferKind::Win, credit.tx_id, ledger),
            house(ledger),
            wallet_id(credit.user_id, ledger),
            credit.amount,
            ledger,
        );
        t.user_data_128 = round_key(credit.round_id);
        t
    }
}

#[async_trait]
impl GameWallet for LedgerGameWallet {
    async fn balance(&self, user_id: i64, currency: &str) -> Result<u64, GameWalletError> {
        self.available(user_id, ledger_of(currency)?).await
    }

    async fn bet(&self, debit: &Debit) -> Result<u64, GameWalletError> {
        let ledger = ledger_of(&debit.currency)?;
        if debit.amount == 0 {
            return Err(GameWalletError::Internal("zero debit".into()));
        }
        let committed = self.submit(vec![Self::bet_transfer(debit, ledger)]).await?;
        self.available_after(&committed, debit.user_id, ledger)
            .await
    }

    async fn win(&self, credit: &Credit) -> Result<Option<u64>, GameWalletError> {
        let ledger = ledger_of(&credit.currency)?;
        let committed = if credit.amount > 0 {
            self.submit(vec![Self::win_transfer(credit, ledger)])
                .await?
        } else {
            Vec::new()
        };
        Ok(Some(
            self.available_after(&committed, credit.user_id, ledger)
                .await?,
        ))
    }

    async fn rollback(&self, rollback: &Rollback) -> Result<(), GameWalletError> {
        let ledger = ledger_of(&rollback.currency)?;
        if rollback.amount == 0 {
            return Ok(());
        }
        let mut t = TransferKind::Refund.transfer(
            game_transfer_id(TransferKind::Refund, rollback.tx_id, ledger),
            house(ledger),
            wallet_id(rollback.user_id, ledger),
            rollback.amount,
            ledger,
        );
        t.user_data_128 = round_key(rollback.round_id);
        self.submit(vec![t]).await.map(|_| ())
    }

    async fn bet_and_settle(
        &self,
        debit: &Debit,
        credit: &Credit,
    ) -> Result<Option<u64>, GameWalletError> {
        let ledger = ledger_of(&debit.currency)?;
        if debit.amount == 0 {
            return Err(GameWalletError::Internal("zero debit".into()));
        }
        let committed = self
            .submit(Self::settle_chain(debit, credit, ledger))
            .await?;
        Ok(Some(
            self.available_after(&committed, debit.user_id, ledger)
                .await?,
        ))
    }

    fn as_ledger(&self) -> Option<&LedgerGameWallet> {
        Some(self)
    }
}

/// Spendable: posted credits less posted and pending debits.
fn spendable(a: &Account) -> u64 {
    a.credits_posted
        .saturating_sub(a.debits_posted)
        .saturating_sub(a.debits_pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn game_transfer_ids_ascend_with_tx_id_and_are_distinct() {
        let kinds = [TransferKind::Bet, TransferKind::Win, TransferKind::Refund];
        let mut seen = std::collections::HashSet::new();
        for tx in [1_i64, 2, 1 << 40, i64::MAX] {
            for kind in kinds {
                for ledger in [1_u32, 2, u32::MAX] {
                    let id = game_transfer_id(kind, tx, ledger);
                    assert!(id != 0 && id & chart::SYSTEM_ID_BIT == 0);
                    assert!(seen.insert(id), "{kind:?} {tx} {ledger}");
                }
            }
        }
        for kind in kinds {
            assert!(
                game_transfer_id(kind, 1_000, 1) < game_transfer_id(TransferKind::Bet, 1_001, 1)
            );
        }
    }
}
