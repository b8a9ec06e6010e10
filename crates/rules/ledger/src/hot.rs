//! Hot accounts: a sharded system account (the house) whose shards share the load of one logical
//! account, and the sweep that evens them out.
//!
//! The primary answer to a hot house account is single-writer batching (see `docs/ledger.md`):
//! the executor touches an account's row once per batch, however many of the batch's transfers
//! name it. Sharding is the second tool, for when several writers must commit concurrently
//! (several server nodes on one PostgreSQL): each shard is an ordinary account without balance
//! flags, so shards may drift apart or go negative; only their sum is the house's position.

use crate::chart::{AccountKind, TransferKind, system_account_id};
use crate::types::{Account, AccountId, Amount, Transfer, TransferId};

/// Largest shard count (shard indexes are `u32`, but more than this only spreads thin).
pub const SHARDS_MAX: u32 = 1_024;

/// One logical account spread over `shards` accounts with ids `system_account_id(kind, ledger, i)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardedAccount {
    pub kind: AccountKind,
    pub ledger: u32,
    pub shards: u32,
}

impl ShardedAccount {
    /// A sharded account; `shards` is clamped to `1..=SHARDS_MAX`.
    #[must_use]
    pub fn new(kind: AccountKind, ledger: u32, shards: u32) -> Self {
        Self {
            kind,
            ledger,
            shards: shards.clamp(1, SHARDS_MAX),
        }
    }

    /// Every shard id, in index order.
    #[must_use]
    pub fn ids(&self) -> Vec<AccountId> {
        (0..self.shards)
            .map(|i| system_account_id(self.kind, self.ledger, i))
            .collect()
    }

    /// Creation requests for every shard.
    #[must_use]
    pub fn accounts(&self) -> Vec<Account> {
        self.ids()
            .into_iter()
            .map(|id| self.kind.account(id, self.ledger))
            .collect()
    }

    /// The shard that serves `key` (say, the player's wallet id): a fixed hash, so one player's
    /// transfers always meet the same shard and different players spread evenly.
    #[must_use]
    pub fn shard_for(&self, key: u128) -> AccountId {
        let mixed = splitmix64((key as u64) ^ ((key >> 64) as u64));
        let index = (u128::from(mixed) * u128::from(self.shards)) >> 64;
        system_account_id(self.kind, self.ledger, u32::try_from(index).unwrap_or(0))
    }

    /// The logical account's net credit balance (`credits_posted - debits_posted` summed over
    /// shards found in `accounts`).
    #[must_use]
    pub fn net_credit_posted(&self, accounts: &[Account]) -> i128 {
        let ids = self.ids();
        accounts
            .iter()
            .filter(|a| ids.contains(&a.id))
            .map(Account::net_credit_posted)
            .sum()
    }

    /// Sweep transfers that bring every shard's net balance to within one unit of the mean,
    /// numbered from `first_id`. Deterministic: shards are paired richest-to-poorest by index.
    #[must_use]
    pub fn sweep(&self, accounts: &[Account], first_id: TransferId) -> Vec<Transfer> {
        let ids = self.ids();
        let nets: Vec<(AccountId, i128)> = ids
            .iter()
            .map(|id| {
                (
                    *id,
                    accounts
                        .iter()
                        .find(|a| a.id == *id)
                        .map_or(0, Account::net_credit_posted),
                )
            })
            .collect();
        // Targets: the mean, with the remainder spread one unit each over the first shards.
        let total: i128 = nets.iter().map(|(_, n)| n).sum();
        let count = i128::from(self.shards);
        let (mean, remainder) = (total.div_euclid(count), total.rem_euclid(count));
        let mut gaps: Vec<(AccountId, i128)> = nets
            .iter()
            .zip(0..)
            .map(|((id, net), i)| (*id, net - mean - i128::from(i < remainder)))
            .collect();
        // Shards above target pay shards below it, both taken in index order: at most
        // `shards - 1` transfers.
        let mut out = Vec::new();
        let mut next_id = first_id;
        let (mut payer, mut payee) = (0, 0);
        loop {
            while payer < gaps.len() && gaps[payer].1 <= 0 {
                payer += 1;
            }
            while payee < gaps.len() && gaps[payee].1 >= 0 {
                payee += 1;
            }
            if payer == gaps.len() || payee == gaps.len() {
                break;
            }
            let amount = gaps[payer].1.min(-gaps[payee].1);
            let amount_u = Amount::try_from(amount).unwrap_or(Amount::MAX);
            // The rich shard is debited, the poor one credited; the house's total is unchanged.
            out.push(TransferKind::Sweep.transfer(
                next_id,
                gaps[payer].0,
                gaps[payee].0,
                amount_u,
                self.ledger,
            ));
            next_id += 1;
            gaps[payer].1 -= amount;
            gaps[payee].1 += amount;
        }
        out
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}
