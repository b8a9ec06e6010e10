//! Row shapes of the ledger tables and their conversions: u128 ids as 16-byte big-endian bytes
//! (byte order = numeric order, so `ORDER BY id` is the ledger's canonical order), balances and
//! timestamps as `i64` (the ledger caps them at `i64::MAX`), `user_data_64` bit-cast.

use ledger::{
    Account, AccountBalance, AccountFlags, CreateTransferResult, FailedTransfer, PendingRow,
    PendingStatus, Timestamp, Transfer, TransferFlags,
};

use crate::{StoreError, StoreErrorKind, StoreResult};

fn corrupt(what: &str) -> StoreError {
    StoreError::new(
        StoreErrorKind::Internal,
        format!("corrupt ledger row: {what}"),
    )
}

pub(super) fn id_to_db(id: u128) -> Vec<u8> {
    id.to_be_bytes().to_vec()
}

pub(super) fn id(bytes: &[u8]) -> StoreResult<u128> {
    let array: [u8; 16] = bytes
        .try_into()
        .map_err(|_| corrupt("id is not 16 bytes"))?;
    Ok(u128::from_be_bytes(array))
}

/// Balances, amounts and timestamps: the ledger keeps them at or below `i64::MAX`.
pub(super) fn u64_to_db(v: u64) -> i64 {
    assert!(i64::try_from(v).is_ok(), "ledger figure {v} above i64::MAX");
    v.cast_signed()
}

pub(super) fn u64_from_db(v: i64) -> StoreResult<u64> {
    u64::try_from(v).map_err(|_| corrupt("negative figure"))
}

/// `user_data_64` uses the whole `u64` range: stored bit-for-bit.
pub(super) fn bits_to_db(v: u64) -> i64 {
    v.cast_signed()
}

pub(super) fn ts_to_db(v: Timestamp) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The exclusive upper bound of a page query.
pub(super) fn before_to_db(before: Option<Timestamp>) -> i64 {
    before.map_or(i64::MAX, ts_to_db)
}

fn narrow<T: TryFrom<i64>>(v: i64, what: &str) -> StoreResult<T> {
    T::try_from(v).map_err(|_| corrupt(what))
}

pub(super) fn status_to_db(s: PendingStatus) -> i64 {
    match s {
        PendingStatus::Pending => 0,
        PendingStatus::Posted => 1,
        PendingStatus::Voided => 2,
        PendingStatus::Expired => 3,
    }
}

fn status_from_db(v: i64) -> StoreResult<PendingStatus> {
    Ok(match v {
        0 => PendingStatus::Pending,
        1 => PendingStatus::Posted,
        2 => PendingStatus::Voided,
        3 => PendingStatus::Expired,
        _ => return Err(corrupt("pending status")),
    })
}

#[derive(sqlx::FromRow)]
pub(super) struct AccountRow {
    pub(super) id: Vec<u8>,
    pub(super) debits_pending: i64,
    pub(super) debits_posted: i64,
    pub(super) credits_pending: i64,
    pub(super) credits_posted: i64,
    pub(super) user_data_128: Vec<u8>,
    pub(super) user_data_64: i64,
    pub(super) user_data_32: i64,
    pub(super) ledger: i64,
    pub(super) code: i64,
    pub(super) flags: i64,
    pub(super) ts: i64,
}

impl AccountRow {
    pub(super) fn decode(self) -> StoreResult<Account> {
        Ok(Account {
            id: id(&self.id)?,
            debits_pending: u64_from_db(self.debits_pending)?,
            debits_posted: u64_from_db(self.debits_posted)?,
            credits_pending: u64_from_db(self.credits_pending)?,
            credits_posted: u64_from_db(self.credits_posted)?,
            user_data_128: id(&self.user_data_128)?,
            user_data_64: self.user_data_64.cast_unsigned(),
            user_data_32: narrow(self.user_data_32, "user_data_32")?,
            ledger: narrow(self.ledger, "ledger")?,
            code: narrow(self.code, "code")?,
            flags: AccountFlags(narrow(self.flags, "flags")?),
            timestamp: u64_from_db(self.ts)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct TransferRow {
    pub(super) id: Vec<u8>,
    pub(super) debit_account_id: Vec<u8>,
    pub(super) credit_account_id: Vec<u8>,
    pub(super) amount: i64,
    pub(super) pending_id: Vec<u8>,
    pub(super) user_data_128: Vec<u8>,
    pub(super) user_data_64: i64,
    pub(super) user_data_32: i64,
    pub(super) timeout: i64,
    pub(super) ledger: i64,
    pub(super) code: i64,
    pub(super) flags: i64,
    pub(super) ts: i64,
}

impl TransferRow {
    pub(super) fn decode(self) -> StoreResult<Transfer> {
        Ok(Transfer {
            id: id(&self.id)?,
            debit_account_id: id(&self.debit_account_id)?,
            credit_account_id: id(&self.credit_account_id)?,
            amount: u64_from_db(self.amount)?,
            pending_id: id(&self.pending_id)?,
            user_data_128: id(&self.user_data_128)?,
            user_data_64: self.user_data_64.cast_unsigned(),
            user_data_32: narrow(self.user_data_32, "user_data_32")?,
            timeout: narrow(self.timeout, "timeout")?,
            ledger: narrow(self.ledger, "ledger")?,
            code: narrow(self.code, "code")?,
            flags: TransferFlags(narrow(self.flags, "flags")?),
            timestamp: u64_from_db(self.ts)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct PendingDbRow {
    pub(super) id: Vec<u8>,
    pub(super) status: i64,
    pub(super) expires_at: Option<i64>,
}

impl PendingDbRow {
    pub(super) fn decode(self) -> StoreResult<PendingRow> {
        Ok(PendingRow {
            id: id(&self.id)?,
            status: status_from_db(self.status)?,
            expires_at: self.expires_at.map(u64_from_db).transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct HistoryRow {
    account_id: Vec<u8>,
    pub(super) ts: i64,
    pub(super) debits_pending: i64,
    pub(super) debits_posted: i64,
    pub(super) credits_pending: i64,
    pub(super) credits_posted: i64,
}

impl HistoryRow {
    pub(super) fn decode(self) -> StoreResult<AccountBalance> {
        Ok(AccountBalance {
            account_id: id(&self.account_id)?,
            timestamp: u64_from_db(self.ts)?,
            debits_pending: u64_from_db(self.debits_pending)?,
            debits_posted: u64_from_db(self.debits_posted)?,
            credits_pending: u64_from_db(self.credits_pending)?,
            credits_posted: u64_from_db(self.credits_posted)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct FailedRow {
    pub(super) id: Vec<u8>,
    result: String,
    pub(super) ts: i64,
}

impl FailedRow {
    pub(super) fn decode(self) -> StoreResult<FailedTransfer> {
        let result = CreateTransferResult::ALL
            .into_iter()
            .find(|r| r.name() == self.result)
            .ok_or_else(|| corrupt("failed transfer result"))?;
        Ok(FailedTransfer {
            id: id(&self.id)?,
            result,
            timestamp: u64_from_db(self.ts)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_sort_like_numbers() {
        for v in [0u128, 1, 255, 256, u128::from(u64::MAX) + 1, u128::MAX] {
            assert_eq!(id(&id_to_db(v)).expect("16 bytes"), v);
        }
        assert!(id_to_db(255) < id_to_db(256));
        assert!(id(&[1, 2, 3]).is_err());
    }

    #[test]
    fn user_data_64_keeps_every_bit() {
        for v in [0u64, 1, i64::MAX as u64, u64::MAX] {
            assert_eq!(bits_to_db(v).cast_unsigned(), v);
        }
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            PendingStatus::Pending,
            PendingStatus::Posted,
            PendingStatus::Voided,
            PendingStatus::Expired,
        ] {
            assert_eq!(status_from_db(status_to_db(s)).expect("status"), s);
        }
        assert!(status_from_db(9).is_err());
    }
}
