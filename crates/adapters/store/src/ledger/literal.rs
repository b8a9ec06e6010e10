//! A PostgreSQL batch's reads as literal SQL: five statements in one request.
//!
//! Every statement sent with bound parameters is one round trip to the server, and on a busy
//! machine each one waits for the database process to be scheduled; a batch's reads were five of
//! them. The simple query protocol takes several statements in one request but no parameters,
//! so these statements carry their values inline. Only ids pass through this module, written
//! as `bytea` hex literals from `u128`s; no text from a client ever does.

use std::fmt::Write as _;

use ledger::AccountId;

use super::{ACCOUNT_SELECT, TRANSFER_COLUMNS};

/// `E'\\x…'`: an id as a `bytea` hex literal (an escape string, so it reads the same whatever
/// `standard_conforming_strings` says).
fn push_id(sql: &mut String, id: u128) {
    let _ = write!(sql, "E'\\\\x{id:032x}'");
}

/// `(id, id, …)`, or a list that matches nothing when `ids` is empty.
fn push_ids(sql: &mut String, ids: &[u128]) {
    if ids.is_empty() {
        sql.push_str("(NULL)");
        return;
    }
    sql.push('(');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        push_id(sql, *id);
    }
    sql.push(')');
}

/// The statements that lock the commit timestamp and read what a batch names: the commit
/// timestamp (statement 0), the transfers among `transfer_ids` (1), their pending statuses (2)
/// and failure marks (3), and the accounts among `account_ids` with their balances, in id order (4).
pub(super) fn prefetch(transfer_ids: &[u128], account_ids: &[AccountId]) -> String {
    let mut sql = String::with_capacity(256 + 40 * (3 * transfer_ids.len() + account_ids.len()));
    sql.push_str("SELECT commit_timestamp FROM ledger_meta WHERE id = 1 FOR UPDATE;\n");
    let _ = write!(
        sql,
        "SELECT {TRANSFER_COLUMNS} FROM ledger_transfers WHERE id IN "
    );
    push_ids(&mut sql, transfer_ids);
    sql.push_str(";\nSELECT id, status, expires_at FROM ledger_pending WHERE id IN ");
    push_ids(&mut sql, transfer_ids);
    sql.push_str(";\nSELECT id FROM ledger_failed WHERE id IN ");
    push_ids(&mut sql, transfer_ids);
    let _ = write!(sql, ";\n{ACCOUNT_SELECT} WHERE a.id IN ");
    push_ids(&mut sql, account_ids);
    sql.push_str(" ORDER BY a.id");
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_hex_bytea_literals_and_empty_lists_match_nothing() {
        let mut sql = String::new();
        push_ids(&mut sql, &[1, u128::MAX]);
        assert_eq!(
            sql,
            "(E'\\\\x00000000000000000000000000000001', E'\\\\xffffffffffffffffffffffffffffffff')"
        );
        let mut empty = String::new();
        push_ids(&mut empty, &[]);
        assert_eq!(empty, "(NULL)");
        let q = prefetch(&[], &[]);
        assert_eq!(q.matches(';').count(), 4, "five statements: {q}");
    }
}
