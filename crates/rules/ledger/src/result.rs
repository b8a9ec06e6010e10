//! Per-event result codes of `create_accounts` and `create_transfers`, named as in TigerBeetle.
//!
//! Variants are listed in order of precedence: when several apply, the executor returns the first.
//! The serde names (`snake_case`) are the stable wire and database names; never rename one.

use serde::{Deserialize, Serialize};

/// Result of creating one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreateAccountResult {
    Ok,
    LinkedEventFailed,
    LinkedEventChainOpen,
    TimestampMustBeZero,
    ReservedFlag,
    IdMustNotBeZero,
    IdMustNotBeIntMax,
    ExistsWithDifferentFlags,
    #[serde(rename = "exists_with_different_user_data_128")]
    ExistsWithDifferentUserData128,
    #[serde(rename = "exists_with_different_user_data_64")]
    ExistsWithDifferentUserData64,
    #[serde(rename = "exists_with_different_user_data_32")]
    ExistsWithDifferentUserData32,
    ExistsWithDifferentLedger,
    ExistsWithDifferentCode,
    Exists,
    FlagsAreMutuallyExclusive,
    DebitsPendingMustBeZero,
    DebitsPostedMustBeZero,
    CreditsPendingMustBeZero,
    CreditsPostedMustBeZero,
    LedgerMustNotBeZero,
    CodeMustNotBeZero,
}

/// Result of creating one transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreateTransferResult {
    Ok,
    LinkedEventFailed,
    LinkedEventChainOpen,
    TimestampMustBeZero,
    ReservedFlag,
    IdMustNotBeZero,
    IdMustNotBeIntMax,
    ExistsWithDifferentFlags,
    ExistsWithDifferentPendingId,
    ExistsWithDifferentTimeout,
    ExistsWithDifferentDebitAccountId,
    ExistsWithDifferentCreditAccountId,
    ExistsWithDifferentAmount,
    #[serde(rename = "exists_with_different_user_data_128")]
    ExistsWithDifferentUserData128,
    #[serde(rename = "exists_with_different_user_data_64")]
    ExistsWithDifferentUserData64,
    #[serde(rename = "exists_with_different_user_data_32")]
    ExistsWithDifferentUserData32,
    ExistsWithDifferentLedger,
    ExistsWithDifferentCode,
    Exists,
    IdAlreadyFailed,
    FlagsAreMutuallyExclusive,
    DebitAccountIdMustNotBeZero,
    DebitAccountIdMustNotBeIntMax,
    CreditAccountIdMustNotBeZero,
    CreditAccountIdMustNotBeIntMax,
    AccountsMustBeDifferent,
    PendingIdMustBeZero,
    PendingIdMustNotBeZero,
    PendingIdMustNotBeIntMax,
    PendingIdMustBeDifferent,
    TimeoutReservedForPendingTransfer,
    ClosingTransferMustBePending,
    LedgerMustNotBeZero,
    CodeMustNotBeZero,
    DebitAccountNotFound,
    CreditAccountNotFound,
    AccountsMustHaveTheSameLedger,
    TransferMustHaveTheSameLedgerAsAccounts,
    PendingTransferNotFound,
    PendingTransferNotPending,
    PendingTransferHasDifferentDebitAccountId,
    PendingTransferHasDifferentCreditAccountId,
    PendingTransferHasDifferentLedger,
    PendingTransferHasDifferentCode,
    ExceedsPendingTransferAmount,
    PendingTransferHasDifferentAmount,
    PendingTransferAlreadyPosted,
    PendingTransferAlreadyVoided,
    PendingTransferExpired,
    DebitAccountAlreadyClosed,
    CreditAccountAlreadyClosed,
    OverflowsDebitsPending,
    OverflowsCreditsPending,
    OverflowsDebitsPosted,
    OverflowsCreditsPosted,
    OverflowsDebits,
    OverflowsCredits,
    OverflowsTimeout,
    ExceedsCredits,
    ExceedsDebits,
}

impl CreateAccountResult {
    /// Every variant, in precedence order (for documentation tables and exhaustive tests).
    pub const ALL: [Self; 21] = [
        Self::Ok,
        Self::LinkedEventFailed,
        Self::LinkedEventChainOpen,
        Self::TimestampMustBeZero,
        Self::ReservedFlag,
        Self::IdMustNotBeZero,
        Self::IdMustNotBeIntMax,
        Self::ExistsWithDifferentFlags,
        Self::ExistsWithDifferentUserData128,
        Self::ExistsWithDifferentUserData64,
        Self::ExistsWithDifferentUserData32,
        Self::ExistsWithDifferentLedger,
        Self::ExistsWithDifferentCode,
        Self::Exists,
        Self::FlagsAreMutuallyExclusive,
        Self::DebitsPendingMustBeZero,
        Self::DebitsPostedMustBeZero,
        Self::CreditsPendingMustBeZero,
        Self::CreditsPostedMustBeZero,
        Self::LedgerMustNotBeZero,
        Self::CodeMustNotBeZero,
    ];

    /// The stable `snake_case` name.
    #[must_use]
    pub fn name(self) -> String {
        snake_name(&self)
    }
}

impl CreateTransferResult {
    /// Every variant, in precedence order (for documentation tables and exhaustive tests).
    pub const ALL: [Self; 60] = [
        Self::Ok,
        Self::LinkedEventFailed,
        Self::LinkedEventChainOpen,
        Self::TimestampMustBeZero,
        Self::ReservedFlag,
        Self::IdMustNotBeZero,
        Self::IdMustNotBeIntMax,
        Self::ExistsWithDifferentFlags,
        Self::ExistsWithDifferentPendingId,
        Self::ExistsWithDifferentTimeout,
        Self::ExistsWithDifferentDebitAccountId,
        Self::ExistsWithDifferentCreditAccountId,
        Self::ExistsWithDifferentAmount,
        Self::ExistsWithDifferentUserData128,
        Self::ExistsWithDifferentUserData64,
        Self::ExistsWithDifferentUserData32,
        Self::ExistsWithDifferentLedger,
        Self::ExistsWithDifferentCode,
        Self::Exists,
        Self::IdAlreadyFailed,
        Self::FlagsAreMutuallyExclusive,
        Self::DebitAccountIdMustNotBeZero,
        Self::DebitAccountIdMustNotBeIntMax,
        Self::CreditAccountIdMustNotBeZero,
        Self::CreditAccountIdMustNotBeIntMax,
        Self::AccountsMustBeDifferent,
        Self::PendingIdMustBeZero,
        Self::PendingIdMustNotBeZero,
        Self::PendingIdMustNotBeIntMax,
        Self::PendingIdMustBeDifferent,
        Self::TimeoutReservedForPendingTransfer,
        Self::ClosingTransferMustBePending,
        Self::LedgerMustNotBeZero,
        Self::CodeMustNotBeZero,
        Self::DebitAccountNotFound,
        Self::CreditAccountNotFound,
        Self::AccountsMustHaveTheSameLedger,
        Self::TransferMustHaveTheSameLedgerAsAccounts,
        Self::PendingTransferNotFound,
        Self::PendingTransferNotPending,
        Self::PendingTransferHasDifferentDebitAccountId,
        Self::PendingTransferHasDifferentCreditAccountId,
        Self::PendingTransferHasDifferentLedger,
        Self::PendingTransferHasDifferentCode,
        Self::ExceedsPendingTransferAmount,
        Self::PendingTransferHasDifferentAmount,
        Self::PendingTransferAlreadyPosted,
        Self::PendingTransferAlreadyVoided,
        Self::PendingTransferExpired,
        Self::DebitAccountAlreadyClosed,
        Self::CreditAccountAlreadyClosed,
        Self::OverflowsDebitsPending,
        Self::OverflowsCreditsPending,
        Self::OverflowsDebitsPosted,
        Self::OverflowsCreditsPosted,
        Self::OverflowsDebits,
        Self::OverflowsCredits,
        Self::OverflowsTimeout,
        Self::ExceedsCredits,
        Self::ExceedsDebits,
    ];

    /// Whether the result depends on state that can change, so that retrying the same transfer
    /// could succeed later. Such ids are remembered and a retry answers `id_already_failed`
    /// (TigerBeetle's rule), which keeps "same id, same answer" true across retries.
    #[must_use]
    pub const fn transient(self) -> bool {
        matches!(
            self,
            Self::DebitAccountNotFound
                | Self::CreditAccountNotFound
                | Self::PendingTransferNotFound
                | Self::ExceedsCredits
                | Self::ExceedsDebits
                | Self::DebitAccountAlreadyClosed
                | Self::CreditAccountAlreadyClosed
        )
    }

    /// Whether the transfer now exists as requested (`ok`, or `exists` on a retry).
    #[must_use]
    pub const fn is_success(self) -> bool {
        matches!(self, Self::Ok | Self::Exists)
    }

    /// The stable `snake_case` name.
    #[must_use]
    pub fn name(self) -> String {
        snake_name(&self)
    }
}

fn snake_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        // Unit variants always serialise to strings; anything else is a programming error.
        other => unreachable!("result code serialised to {other:?}"),
    }
}
