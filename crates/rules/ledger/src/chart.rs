//! The platform's chart of accounts: which account kinds exist, the flags each carries, the
//! transfer kinds, and the transfers each game / tournament / wallet step makes.
//!
//! `docs/ledger.md` describes the same chart in prose; this module is its executable form, used by
//! the server to open accounts and by tests to build realistic workloads.

use serde::{Deserialize, Serialize};

use crate::types::{Account, AccountFlags, AccountId, Amount, Transfer, TransferFlags, TransferId};

/// Account kinds (`Account::code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u16)]
pub enum AccountKind {
    /// Source of play money (signup grants, house and promotion funding). Its debit balance is
    /// the play money in circulation.
    Issuance = 1,
    /// A player's wallet in one currency. Can never go negative; keeps balance history.
    PlayerWallet = 2,
    /// The house bankroll: takes bets, pays wins. Unbounded both ways; sharded when hot.
    House = 3,
    /// Stakes held while a multi-player game (a Guandan table) is in progress.
    GameEscrow = 4,
    /// A tournament's prize pool: entry fees in, prizes out.
    PrizePool = 5,
    /// An operator's settlement account: the outside world's side of deposits and withdrawals.
    OperatorSettlement = 6,
    /// Budget for rewards, missions and bonuses.
    Promotions = 7,
    /// Platform fees (rake) collected from tables and tournaments.
    Rake = 8,
    /// Counterparty of admin credits and debits.
    Adjustment = 9,
}

/// Transfer kinds (`Transfer::code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u16)]
pub enum TransferKind {
    /// Issuance → wallet: play-money chips for a new guest or registered account.
    Grant = 1,
    /// Wallet → house: an instant-game stake.
    Bet = 2,
    /// House → wallet: an instant-game payout.
    Win = 3,
    /// House → wallet: a cancelled round's stake returned.
    Refund = 4,
    /// Wallet → escrow: a table stake when a multi-player game starts.
    Stake = 5,
    /// Escrow → wallet: a table payout when the game ends.
    Payout = 6,
    /// Wallet → prize pool: a tournament entry fee.
    TournamentEntry = 7,
    /// Prize pool → wallet: a tournament prize.
    Prize = 8,
    /// Escrow or prize pool → rake: the platform fee.
    RakeFee = 9,
    /// Settlement → wallet: a deposit.
    Deposit = 10,
    /// Wallet → settlement, two-phase: reserved when requested, posted when paid out, voided
    /// when the payout fails.
    Withdrawal = 11,
    /// Adjustment → wallet: an admin credit (reason in the audit log, id in `user_data_128`).
    AdminCredit = 12,
    /// Wallet → adjustment: an admin debit.
    AdminDebit = 13,
    /// Promotions → wallet: a mission or leaderboard reward.
    Reward = 14,
    /// House shard → house shard: rebalancing of sharded hot accounts.
    Sweep = 15,
    /// Issuance → house / promotions: funding of a system account.
    Funding = 16,
}

impl AccountKind {
    /// Every kind, in code order.
    pub const ALL: [Self; 9] = [
        Self::Issuance,
        Self::PlayerWallet,
        Self::House,
        Self::GameEscrow,
        Self::PrizePool,
        Self::OperatorSettlement,
        Self::Promotions,
        Self::Rake,
        Self::Adjustment,
    ];

    /// The `Account::code` value.
    #[must_use]
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// The kind of an account code.
    #[must_use]
    pub fn from_code(code: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The flags an account of this kind is opened with.
    #[must_use]
    pub const fn flags(self) -> AccountFlags {
        match self {
            Self::PlayerWallet => AccountFlags(
                AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS.0 | AccountFlags::HISTORY.0,
            ),
            Self::GameEscrow | Self::PrizePool | Self::Promotions => {
                AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS
            }
            Self::Issuance
            | Self::House
            | Self::OperatorSettlement
            | Self::Rake
            | Self::Adjustment => AccountFlags::NONE,
        }
    }

    /// A creation request for an account of this kind.
    #[must_use]
    pub const fn account(self, id: AccountId, ledger: u32) -> Account {
        Account::new(id, ledger, self.code(), self.flags())
    }
}

impl TransferKind {
    /// Every kind, in code order.
    pub const ALL: [Self; 16] = [
        Self::Grant,
        Self::Bet,
        Self::Win,
        Self::Refund,
        Self::Stake,
        Self::Payout,
        Self::TournamentEntry,
        Self::Prize,
        Self::RakeFee,
        Self::Deposit,
        Self::Withdrawal,
        Self::AdminCredit,
        Self::AdminDebit,
        Self::Reward,
        Self::Sweep,
        Self::Funding,
    ];

    /// The `Transfer::code` value.
    #[must_use]
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// The kind of a transfer code.
    #[must_use]
    pub fn from_code(code: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// A single-phase transfer of this kind.
    #[must_use]
    pub const fn transfer(
        self,
        id: TransferId,
        debit: AccountId,
        credit: AccountId,
        amount: Amount,
        ledger: u32,
    ) -> Transfer {
        Transfer::new(id, debit, credit, amount, ledger, self.code())
    }
}

/// Top bit of every system account id; player wallets never set it.
pub const SYSTEM_ID_BIT: u128 = 1 << 127;

/// The id of a system account: `SYSTEM_ID_BIT | kind << 64 | ledger << 32 | index`, where
/// `index` numbers shards (house) or instances (one escrow per table, one pool per tournament).
#[must_use]
pub const fn system_account_id(kind: AccountKind, ledger: u32, index: u32) -> AccountId {
    SYSTEM_ID_BIT | (kind as u128) << 64 | (ledger as u128) << 32 | index as u128
}

/// An instant-game round settled at once: the stake and (if any) the payout as one linked chain,
/// so a round is never half-booked. `round_id` goes into `user_data_128` for the audit trail.
#[must_use]
pub fn instant_round(
    ids: (TransferId, TransferId),
    wallet: AccountId,
    house: AccountId,
    ledger: u32,
    stake: Amount,
    payout: Amount,
    round_id: u128,
) -> Vec<Transfer> {
    let mut bet = TransferKind::Bet.transfer(ids.0, wallet, house, stake, ledger);
    bet.user_data_128 = round_id;
    if payout == 0 {
        return vec![bet];
    }
    let mut win = TransferKind::Win.transfer(ids.1, house, wallet, payout, ledger);
    win.user_data_128 = round_id;
    vec![bet.flagged(TransferFlags::LINKED), win]
}

/// A table's settlement: escrow → each winner, escrow → rake, as one linked chain.
#[must_use]
pub fn table_settlement(
    first_id: TransferId,
    escrow: AccountId,
    payouts: &[(AccountId, Amount)],
    rake: Option<(AccountId, Amount)>,
    ledger: u32,
    table_id: u128,
) -> Vec<Transfer> {
    let mut out: Vec<Transfer> = payouts
        .iter()
        .map(|&(wallet, amount)| (TransferKind::Payout, wallet, amount))
        .chain(rake.map(|(account, amount)| (TransferKind::RakeFee, account, amount)))
        .zip(first_id..)
        .map(|((kind, credit, amount), id)| {
            let mut t = kind.transfer(id, escrow, credit, amount, ledger);
            t.user_data_128 = table_id;
            t.flagged(TransferFlags::LINKED)
        })
        .collect();
    if let Some(last) = out.last_mut() {
        last.flags = last.flags.without(TransferFlags::LINKED);
    }
    out
}

/// A deterministic id for `(purpose, key, ledger)` — for transfers that must happen once per key
/// (the signup grant of user `key`) and for player wallets (`wallet_account_id`). The top bit is
/// always clear, so derived ids never collide with system account ids; collisions with other
/// derived or client-chosen 128-bit ids are as unlikely as for random UUIDs.
#[must_use]
pub fn derived_id(purpose: u16, key: u128, ledger: u32) -> u128 {
    let lo = key as u64;
    let hi = (key >> 64) as u64;
    let salt = (u64::from(purpose) << 32) | u64::from(ledger);
    let a = mix64(lo ^ mix64(salt ^ 0x5EED_1ED6_E400_0001));
    let b = mix64(hi ^ a ^ mix64(salt.rotate_left(17) ^ 0x6C65_6467_6572_2121));
    let c = mix64(a ^ b.rotate_left(29));
    let id = (u128::from(b) << 64 | u128::from(c)) & !SYSTEM_ID_BIT;
    // 0 is reserved; the chance of hitting it is 2^-127, but the rule must hold for every input.
    id.max(1)
}

/// The wallet account id of user `user_id` in currency `ledger`.
#[must_use]
pub fn wallet_account_id(user_id: u128, ledger: u32) -> AccountId {
    derived_id(AccountKind::PlayerWallet.code(), user_id, ledger)
}

/// The id of the one signup grant of user `user_id` in currency `ledger`: a retried signup
/// answers `exists` instead of granting twice.
#[must_use]
pub fn grant_transfer_id(user_id: u128, ledger: u32) -> TransferId {
    derived_id(TransferKind::Grant.code() | 0x8000, user_id, ledger)
}

fn mix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}
