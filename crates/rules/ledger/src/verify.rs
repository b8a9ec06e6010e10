//! `verify`: recomputes the ledger from its transfers and lists every broken invariant.
//!
//! This is the offline audit behind `playhouse ledger verify` and the crash test: it trusts
//! nothing the executor maintained incrementally and rebuilds balances, pending states and ledger
//! totals from the immutable transfer log.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::memory::LedgerDump;
use crate::types::{AccountBalance, AccountId, PendingStatus, TransferFlags, TransferId};

/// One broken invariant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Violation {
    /// Per ledger, the sum of debits over all accounts must equal the sum of credits.
    LedgerUnbalanced {
        ledger: u32,
        debits_posted: u128,
        credits_posted: u128,
        debits_pending: u128,
        credits_pending: u128,
    },
    /// An account with a balance flag is beyond its limit.
    AccountBeyondLimit { account_id: AccountId },
    /// A stored balance differs from the sum of the account's transfers.
    BalanceMismatch {
        account_id: AccountId,
        field: String,
        stored: u128,
        computed: u128,
    },
    /// A transfer names an account that does not exist.
    UnknownAccount {
        transfer_id: TransferId,
        account_id: AccountId,
    },
    /// A transfer and one of its accounts disagree on the ledger.
    LedgerMismatch { transfer_id: TransferId },
    /// A pending transfer was resolved (posted or voided) more than once.
    PendingResolvedTwice {
        pending_id: TransferId,
        resolved_by: Vec<TransferId>,
    },
    /// A post or void names something that is not a stored pending transfer.
    DanglingResolution {
        transfer_id: TransferId,
        pending_id: TransferId,
    },
    /// A post moved more than the pending transfer reserved.
    PostExceedsPending { transfer_id: TransferId },
    /// The stored status of a pending transfer contradicts the transfer log.
    PendingStatusMismatch {
        pending_id: TransferId,
        stored: Option<PendingStatus>,
        computed: PendingStatus,
    },
    /// Two rows share a timestamp, or a transfer is older than an account it touches.
    TimestampOrder { transfer_id: TransferId },
    /// A `history` account's newest balance snapshot differs from its balances.
    HistoryMismatch { account_id: AccountId },
}

/// The audit result, serialised as the CLI prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub accounts: usize,
    pub transfers: usize,
    pub violations: Vec<Violation>,
}

#[derive(Default, Clone, Copy)]
struct Sums {
    debits_pending: u128,
    debits_posted: u128,
    credits_pending: u128,
    credits_posted: u128,
}

/// Checks every invariant of `dump`; `ok` is true exactly when no violation was found.
#[must_use]
pub fn verify(dump: &LedgerDump) -> VerifyReport {
    let mut violations = Vec::new();
    let accounts: BTreeMap<_, _> = dump.accounts.iter().map(|a| (a.id, a)).collect();
    let transfers: BTreeMap<_, _> = dump.transfers.iter().map(|t| (t.id, t)).collect();
    let stored_status: BTreeMap<_, _> = dump.pending.iter().map(|p| (p.id, p.status)).collect();

    // Resolutions of each pending transfer, in log order.
    let mut resolutions: BTreeMap<TransferId, Vec<TransferId>> = BTreeMap::new();
    let mut status: BTreeMap<TransferId, PendingStatus> = BTreeMap::new();
    for t in &dump.transfers {
        if t.flags.contains(TransferFlags::PENDING) {
            status.insert(t.id, PendingStatus::Pending);
        }
    }
    for t in &dump.transfers {
        if !t.is_post_or_void() {
            continue;
        }
        let pending = transfers
            .get(&t.pending_id)
            .filter(|p| p.flags.contains(TransferFlags::PENDING));
        let Some(p) = pending else {
            violations.push(Violation::DanglingResolution {
                transfer_id: t.id,
                pending_id: t.pending_id,
            });
            continue;
        };
        if t.amount > p.amount {
            violations.push(Violation::PostExceedsPending { transfer_id: t.id });
        }
        resolutions.entry(p.id).or_default().push(t.id);
        let resolved = if t.flags.contains(TransferFlags::POST_PENDING) {
            PendingStatus::Posted
        } else {
            PendingStatus::Voided
        };
        status.insert(p.id, resolved);
    }
    for (pending_id, resolved_by) in &resolutions {
        if resolved_by.len() > 1 {
            violations.push(Violation::PendingResolvedTwice {
                pending_id: *pending_id,
                resolved_by: resolved_by.clone(),
            });
        }
    }
    // Expiry leaves no transfer behind; it is known only from the stored status.
    for (id, computed) in &mut status {
        let stored = stored_status.get(id).copied();
        if *computed == PendingStatus::Pending && stored == Some(PendingStatus::Expired) {
            let has_timeout = transfers.get(id).is_some_and(|p| p.timeout > 0);
            if has_timeout {
                *computed = PendingStatus::Expired;
            }
        }
        if stored != Some(*computed) {
            violations.push(Violation::PendingStatusMismatch {
                pending_id: *id,
                stored,
                computed: *computed,
            });
        }
    }
    for (id, stored) in &stored_status {
        if !status.contains_key(id) {
            violations.push(Violation::PendingStatusMismatch {
                pending_id: *id,
                stored: Some(*stored),
                computed: PendingStatus::Pending,
            });
        }
    }

    // Balances rebuilt from the log.
    let mut sums: BTreeMap<AccountId, Sums> = BTreeMap::new();
    let mut last_timestamp = 0;
    for t in &dump.transfers {
        if t.timestamp <= last_timestamp {
            violations.push(Violation::TimestampOrder { transfer_id: t.id });
        }
        last_timestamp = last_timestamp.max(t.timestamp);
        let mut known = true;
        for id in [t.debit_account_id, t.credit_account_id] {
            match accounts.get(&id) {
                None => {
                    violations.push(Violation::UnknownAccount {
                        transfer_id: t.id,
                        account_id: id,
                    });
                    known = false;
                }
                Some(a) if a.ledger != t.ledger => {
                    violations.push(Violation::LedgerMismatch { transfer_id: t.id });
                }
                Some(a) if a.timestamp >= t.timestamp => {
                    violations.push(Violation::TimestampOrder { transfer_id: t.id });
                }
                Some(_) => {}
            }
        }
        if !known {
            continue;
        }
        let amount = u128::from(t.amount);
        let (pending, posted) = if t.flags.contains(TransferFlags::PENDING) {
            let still = status.get(&t.id) == Some(&PendingStatus::Pending);
            (if still { amount } else { 0 }, 0)
        } else if t.flags.contains(TransferFlags::VOID_PENDING) {
            (0, 0)
        } else {
            (0, amount)
        };
        let dr = sums.entry(t.debit_account_id).or_default();
        dr.debits_pending += pending;
        dr.debits_posted += posted;
        let cr = sums.entry(t.credit_account_id).or_default();
        cr.credits_pending += pending;
        cr.credits_posted += posted;
    }

    let mut newest_history: BTreeMap<AccountId, &AccountBalance> = BTreeMap::new();
    for row in &dump.history {
        let newest = newest_history.entry(row.account_id).or_insert(row);
        if row.timestamp > newest.timestamp {
            *newest = row;
        }
    }
    for a in &dump.accounts {
        if let Some(row) = newest_history.get(&a.id)
            && **row != a.balance(row.timestamp)
        {
            violations.push(Violation::HistoryMismatch { account_id: a.id });
        }
    }

    let mut totals: BTreeMap<u32, Sums> = BTreeMap::new();
    for a in &dump.accounts {
        let computed = sums.get(&a.id).copied().unwrap_or_default();
        let fields = [
            ("debits_pending", a.debits_pending, computed.debits_pending),
            ("debits_posted", a.debits_posted, computed.debits_posted),
            (
                "credits_pending",
                a.credits_pending,
                computed.credits_pending,
            ),
            ("credits_posted", a.credits_posted, computed.credits_posted),
        ];
        for (field, stored, computed) in fields {
            if u128::from(stored) != computed {
                violations.push(Violation::BalanceMismatch {
                    account_id: a.id,
                    field: field.to_owned(),
                    stored: stored.into(),
                    computed,
                });
            }
        }
        if a.beyond_limit() {
            violations.push(Violation::AccountBeyondLimit { account_id: a.id });
        }
        let total = totals.entry(a.ledger).or_default();
        total.debits_pending += u128::from(a.debits_pending);
        total.debits_posted += u128::from(a.debits_posted);
        total.credits_pending += u128::from(a.credits_pending);
        total.credits_posted += u128::from(a.credits_posted);
    }
    for (ledger, t) in totals {
        if t.debits_posted != t.credits_posted || t.debits_pending != t.credits_pending {
            violations.push(Violation::LedgerUnbalanced {
                ledger,
                debits_posted: t.debits_posted,
                credits_posted: t.credits_posted,
                debits_pending: t.debits_pending,
                credits_pending: t.credits_pending,
            });
        }
    }

    VerifyReport {
        ok: violations.is_empty(),
        accounts: dump.accounts.len(),
        transfers: dump.transfers.len(),
        violations,
    }
}
