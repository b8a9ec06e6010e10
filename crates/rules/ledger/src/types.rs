//! The ledger's records — accounts, transfers, pending states, balance snapshots — and their limits.
//!
//! Field names, flag bits and meanings follow TigerBeetle's data model so that its documentation
//! doubles as ours. Two deliberate differences: amounts and balances are `u64` capped at
//! [`BALANCE_MAX`] (= `i64::MAX`) so every stored number fits a signed 64-bit SQL integer, and
//! there is no `imported` mode (its flag bit is reserved).

use serde::{Deserialize, Serialize};

/// Nanoseconds since the Unix epoch. Always passed in by the caller; the ledger never reads a clock.
pub type Timestamp = u64;
/// Client-chosen account identifier (`0` and `u128::MAX` are reserved).
pub type AccountId = u128;
/// Client-chosen transfer identifier, which is also the transfer's idempotency key.
pub type TransferId = u128;
/// Integer minor units of the ledger's currency (see [`crate::currency`]).
pub type Amount = u64;

/// Largest value any balance field (and any sum `pending + posted`) may reach: `i64::MAX`, so
/// that backends store balances in plain `BIGINT` / `INTEGER` columns and SQL sums stay exact.
pub const BALANCE_MAX: u64 = i64::MAX as u64;
/// Largest timestamp the ledger assigns (also the largest `expires_at`), for the same reason.
pub const TIMESTAMP_MAX: Timestamp = i64::MAX as u64;
/// Sentinel amount: on a post-pending transfer it means "post the full pending amount"; on a
/// balancing transfer it means "as much as the balance allows".
pub const AMOUNT_MAX: Amount = u64::MAX;
/// Events per `create_accounts` / `create_transfers` batch (TigerBeetle's figure for 1 MiB messages).
pub const BATCH_EVENTS_MAX: usize = 8_190;
/// Rows per page of account transfers or account history.
pub const PAGE_LIMIT_MAX: u32 = 1_000;
/// Nanoseconds per second, for turning `Transfer::timeout` (seconds) into an expiry timestamp.
pub const NS_PER_S: u64 = 1_000_000_000;

macro_rules! flags {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$fmeta:meta])* $flag:ident = $bit:expr, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u16);

        impl $name {
            $( $(#[$fmeta])* pub const $flag: Self = Self(1 << $bit); )*
            /// No flag set.
            pub const NONE: Self = Self(0);
            /// Every bit with a meaning; any other bit is reserved and rejected.
            pub const KNOWN: Self = Self(0 $( | (1 << $bit) )*);

            /// Whether every bit of `other` is set in `self`.
            #[must_use]
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// Whether any bit outside [`Self::KNOWN`] is set.
            #[must_use]
            pub const fn has_reserved(self) -> bool {
                self.0 & !Self::KNOWN.0 != 0
            }

            /// `self` with the bits of `other` set.
            #[must_use]
            pub const fn with(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }

            /// `self` with the bits of `other` cleared.
            #[must_use]
            pub const fn without(self, other: Self) -> Self {
                Self(self.0 & !other.0)
            }

            /// Names of the set flags, for readable debug output.
            #[must_use]
            pub fn names(self) -> Vec<&'static str> {
                let mut out = Vec::new();
                $( if self.contains(Self::$flag) { out.push(stringify!($flag)); } )*
                if self.has_reserved() { out.push("RESERVED"); }
                out
            }
        }

        impl std::ops::BitOr for $name {
            type Output = Self;
            fn bitor(self, rhs: Self) -> Self {
                self.with(rhs)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.names().join("|"))
            }
        }
    };
}

flags! {
    /// Account flags (TigerBeetle bit values).
    AccountFlags {
        /// Chains this account with the next event of the batch; the chain succeeds or fails whole.
        LINKED = 0,
        /// `debits_pending + debits_posted` may never exceed `credits_posted` (a wallet that
        /// cannot go negative).
        DEBITS_MUST_NOT_EXCEED_CREDITS = 1,
        /// `credits_pending + credits_posted` may never exceed `debits_posted`.
        CREDITS_MUST_NOT_EXCEED_DEBITS = 2,
        /// Keep a balance snapshot after every transfer that touches the account.
        HISTORY = 3,
        /// No transfer may touch the account except voiding a pending transfer. Set by a
        /// pending transfer with `CLOSING_DEBIT` / `CLOSING_CREDIT`, cleared if that is voided.
        CLOSED = 5,
    }
}

flags! {
    /// Transfer flags (TigerBeetle bit values).
    TransferFlags {
        /// Chains this transfer with the next event of the batch; the chain succeeds or fails whole.
        LINKED = 0,
        /// Two-phase, first phase: reserve the amount in the `*_pending` balances.
        PENDING = 1,
        /// Second phase: move (all or part of) the pending amount to the `*_posted` balances.
        POST_PENDING = 2,
        /// Second phase: release the pending amount.
        VOID_PENDING = 3,
        /// Debit at most what the debit account's credits allow (amount is an upper bound).
        BALANCING_DEBIT = 4,
        /// Credit at most what the credit account's debits allow (amount is an upper bound).
        BALANCING_CREDIT = 5,
        /// Close the debit account (only on a pending transfer; voiding it reopens the account).
        CLOSING_DEBIT = 6,
        /// Close the credit account (only on a pending transfer; voiding it reopens the account).
        CLOSING_CREDIT = 7,
    }
}

/// An account: four monotone-or-reserved balance fields and immutable identity fields.
///
/// The net balance of a wallet is `credits_posted - debits_posted`; the funds a player may still
/// spend are `credits_posted - debits_posted - debits_pending`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub debits_pending: Amount,
    pub debits_posted: Amount,
    pub credits_pending: Amount,
    pub credits_posted: Amount,
    /// Opaque link to an external entity (for player wallets: the user id).
    pub user_data_128: u128,
    pub user_data_64: u64,
    pub user_data_32: u32,
    /// Currency code, see [`crate::currency::CURRENCIES`]. Transfers never cross ledgers.
    pub ledger: u32,
    /// Account kind, see [`crate::chart::AccountKind`].
    pub code: u16,
    pub flags: AccountFlags,
    /// Set by the ledger at creation (must be zero in a request).
    pub timestamp: Timestamp,
}

/// A transfer between two accounts of the same ledger. Immutable once created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Transfer {
    pub id: TransferId,
    pub debit_account_id: AccountId,
    pub credit_account_id: AccountId,
    /// Minor units. On a stored transfer this is the amount actually moved (balancing transfers
    /// and full posts record the resolved figure, never [`AMOUNT_MAX`]).
    pub amount: Amount,
    /// For post/void transfers: the pending transfer they resolve.
    pub pending_id: TransferId,
    pub user_data_128: u128,
    pub user_data_64: u64,
    pub user_data_32: u32,
    /// Seconds after creation at which a pending transfer expires (`0` = never).
    pub timeout: u32,
    pub ledger: u32,
    /// Transfer kind, see [`crate::chart::TransferKind`].
    pub code: u16,
    pub flags: TransferFlags,
    /// Set by the ledger at creation (must be zero in a request).
    pub timestamp: Timestamp,
}

/// The state of a transfer created with [`TransferFlags::PENDING`]. Moves from `Pending` to
/// exactly one of the other three, once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingStatus {
    Pending,
    Posted,
    Voided,
    Expired,
}

/// The stored state row of one pending transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PendingRow {
    pub id: TransferId,
    pub status: PendingStatus,
    /// `timestamp + timeout` of the pending transfer, when it has a timeout.
    pub expires_at: Option<Timestamp>,
}

/// An account's balances right after one event, kept for accounts with [`AccountFlags::HISTORY`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccountBalance {
    pub account_id: AccountId,
    /// Timestamp of the transfer (or expiry) that produced these balances.
    pub timestamp: Timestamp,
    pub debits_pending: Amount,
    pub debits_posted: Amount,
    pub credits_pending: Amount,
    pub credits_posted: Amount,
}

/// A transfer id whose creation failed for a reason that could change with time (say, not enough
/// funds). Remembered so that a retry answers `id_already_failed` instead of succeeding later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FailedTransfer {
    pub id: TransferId,
    pub result: crate::result::CreateTransferResult,
    pub timestamp: Timestamp,
}

/// Query for one account's transfers or balance history, newest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountFilter {
    pub account_id: AccountId,
    /// Only rows strictly older than this timestamp (the previous page's `next_cursor`).
    pub before: Option<Timestamp>,
    /// Rows per page, clamped to `1..=PAGE_LIMIT_MAX`.
    pub limit: u32,
}

impl AccountFilter {
    /// The newest `limit` rows of `account_id`.
    #[must_use]
    pub const fn newest(account_id: AccountId, limit: u32) -> Self {
        Self {
            account_id,
            before: None,
            limit,
        }
    }

    /// The effective page size.
    #[must_use]
    pub fn limit_clamped(&self) -> usize {
        self.limit.clamp(1, PAGE_LIMIT_MAX) as usize
    }
}

/// One page of rows, newest first. `next_cursor` is present exactly when older rows exist; pass
/// it as [`AccountFilter::before`] to read them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Timestamp>,
}

impl Account {
    /// A creation request: identity fields set, balances and timestamp zero.
    #[must_use]
    pub const fn new(id: AccountId, ledger: u32, code: u16, flags: AccountFlags) -> Self {
        Self {
            id,
            debits_pending: 0,
            debits_posted: 0,
            credits_pending: 0,
            credits_posted: 0,
            user_data_128: 0,
            user_data_64: 0,
            user_data_32: 0,
            ledger,
            code,
            flags,
            timestamp: 0,
        }
    }

    /// Posted credit balance (credits minus debits), as a signed figure.
    #[must_use]
    pub fn net_credit_posted(&self) -> i128 {
        i128::from(self.credits_posted) - i128::from(self.debits_posted)
    }

    /// What a `DEBITS_MUST_NOT_EXCEED_CREDITS` account may still debit.
    #[must_use]
    pub fn available_to_debit(&self) -> Amount {
        self.credits_posted
            .saturating_sub(self.debits_posted.saturating_add(self.debits_pending))
    }

    /// The balance fields as a history row.
    #[must_use]
    pub const fn balance(&self, timestamp: Timestamp) -> AccountBalance {
        AccountBalance {
            account_id: self.id,
            timestamp,
            debits_pending: self.debits_pending,
            debits_posted: self.debits_posted,
            credits_pending: self.credits_pending,
            credits_posted: self.credits_posted,
        }
    }

    /// Whether the account's balance flags are violated by its current balances.
    #[must_use]
    pub fn beyond_limit(&self) -> bool {
        let debits = u128::from(self.debits_pending) + u128::from(self.debits_posted);
        let credits = u128::from(self.credits_pending) + u128::from(self.credits_posted);
        (self
            .flags
            .contains(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS)
            && debits > u128::from(self.credits_posted))
            || (self
                .flags
                .contains(AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS)
                && credits > u128::from(self.debits_posted))
    }
}

impl Transfer {
    /// A single-phase transfer request.
    #[must_use]
    pub const fn new(
        id: TransferId,
        debit_account_id: AccountId,
        credit_account_id: AccountId,
        amount: Amount,
        ledger: u32,
        code: u16,
    ) -> Self {
        Self {
            id,
            debit_account_id,
            credit_account_id,
            amount,
            pending_id: 0,
            user_data_128: 0,
            user_data_64: 0,
            user_data_32: 0,
            timeout: 0,
            ledger,
            code,
            flags: TransferFlags::NONE,
            timestamp: 0,
        }
    }

    /// A request that posts `amount` ([`AMOUNT_MAX`] = all) of pending transfer `pending_id`.
    #[must_use]
    pub const fn post(id: TransferId, pending_id: TransferId, amount: Amount) -> Self {
        let mut t = Self::new(id, 0, 0, amount, 0, 0);
        t.pending_id = pending_id;
        t.flags = TransferFlags::POST_PENDING;
        t
    }

    /// A request that voids pending transfer `pending_id`.
    #[must_use]
    pub const fn void(id: TransferId, pending_id: TransferId) -> Self {
        let mut t = Self::new(id, 0, 0, 0, 0, 0);
        t.pending_id = pending_id;
        t.flags = TransferFlags::VOID_PENDING;
        t
    }

    /// `self` with extra flags.
    #[must_use]
    pub const fn flagged(mut self, flags: TransferFlags) -> Self {
        self.flags = self.flags.with(flags);
        self
    }

    /// `self` with a timeout in seconds.
    #[must_use]
    pub const fn with_timeout(mut self, timeout_s: u32) -> Self {
        self.timeout = timeout_s;
        self
    }

    /// When a pending transfer with a timeout expires (`None` without one). Saturates; creation
    /// rejects timeouts that would pass [`TIMESTAMP_MAX`].
    #[must_use]
    pub fn expires_at(&self) -> Option<Timestamp> {
        (self.flags.contains(TransferFlags::PENDING) && self.timeout > 0).then(|| {
            self.timestamp
                .saturating_add(u64::from(self.timeout) * NS_PER_S)
        })
    }

    /// Whether this is the second phase of a two-phase transfer.
    #[must_use]
    pub const fn is_post_or_void(&self) -> bool {
        self.flags.contains(TransferFlags::POST_PENDING)
            || self.flags.contains(TransferFlags::VOID_PENDING)
    }
}
