-- Balances as rows. Every change of an account's balances (a transfer, or a pending transfer's
-- expiry) adds a row with the balances after it, keyed by account and timestamp, instead of
-- updating the account row: an account's balances are its newest row (zero before its first
-- change), a `history` account's rows are its history, and the rows at the timestamps of the
-- account's transfers index those transfers. Each side of a transfer is then one B-tree insert,
-- at the end of its account's rows, where there were an account update, an index entry on
-- ledger_transfers and, for `history` accounts, a history row (docs/ledger.md, "Storage").
CREATE TABLE ledger_balances (
    account_id      BLOB    NOT NULL,
    ts              INTEGER NOT NULL,
    -- NULL only in rows this migration adds for transfers older than it, of accounts without
    -- `history` (their balances after each transfer were not kept); never an account's newest.
    debits_pending  INTEGER,
    debits_posted   INTEGER,
    credits_pending INTEGER,
    credits_posted  INTEGER,
    PRIMARY KEY (account_id, ts)
) WITHOUT ROWID;

-- `history` accounts: their history holds every change already.
INSERT INTO ledger_balances (account_id, ts, debits_pending, debits_posted, credits_pending, credits_posted)
SELECT account_id, ts, debits_pending, debits_posted, credits_pending, credits_posted FROM ledger_history;

-- The other accounts: a row per transfer, without balances ...
INSERT INTO ledger_balances (account_id, ts)
SELECT debit_account_id, ts FROM ledger_transfers WHERE true
ON CONFLICT (account_id, ts) DO NOTHING;
INSERT INTO ledger_balances (account_id, ts)
SELECT credit_account_id, ts FROM ledger_transfers WHERE true
ON CONFLICT (account_id, ts) DO NOTHING;

-- ... and their balances now, as of the last commit timestamp (no row is newer).
INSERT INTO ledger_balances (account_id, ts, debits_pending, debits_posted, credits_pending, credits_posted)
SELECT a.id, m.commit_timestamp, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted
FROM ledger_accounts a, ledger_meta m
WHERE (a.flags & 8) = 0
  AND (a.debits_pending <> 0 OR a.debits_posted <> 0 OR a.credits_pending <> 0 OR a.credits_posted <> 0
       OR EXISTS (SELECT 1 FROM ledger_balances b WHERE b.account_id = a.id))
ON CONFLICT (account_id, ts) DO UPDATE SET
    debits_pending = excluded.debits_pending, debits_posted = excluded.debits_posted,
    credits_pending = excluded.credits_pending, credits_posted = excluded.credits_posted;

DROP TABLE ledger_history;
DROP INDEX ledger_transfers_debit;
DROP INDEX ledger_transfers_credit;
ALTER TABLE ledger_accounts DROP COLUMN debits_pending;
ALTER TABLE ledger_accounts DROP COLUMN debits_posted;
ALTER TABLE ledger_accounts DROP COLUMN credits_pending;
ALTER TABLE ledger_accounts DROP COLUMN credits_posted;
