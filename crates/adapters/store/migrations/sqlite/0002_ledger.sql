-- The double-entry ledger (crates/rules/ledger semantics, crates/adapters/store/src/ledger). Ids (u128) are
-- 16-byte big-endian blobs; amounts, balances and timestamps are signed 64-bit integers (the
-- ledger caps them at i64::MAX); user_data_64 is stored bit-cast to i64.
CREATE TABLE ledger_accounts (
    id              BLOB    PRIMARY KEY,
    debits_pending  INTEGER NOT NULL,
    debits_posted   INTEGER NOT NULL,
    credits_pending INTEGER NOT NULL,
    credits_posted  INTEGER NOT NULL,
    user_data_128   BLOB    NOT NULL,
    user_data_64    INTEGER NOT NULL,
    user_data_32    INTEGER NOT NULL,
    ledger          INTEGER NOT NULL,
    code            INTEGER NOT NULL,
    flags           INTEGER NOT NULL,
    ts              INTEGER NOT NULL
) WITHOUT ROWID;

-- Transfers are append-only in timestamp order, so the timestamp is the rowid.
CREATE TABLE ledger_transfers (
    ts                INTEGER PRIMARY KEY,
    id                BLOB    NOT NULL UNIQUE,
    debit_account_id  BLOB    NOT NULL,
    credit_account_id BLOB    NOT NULL,
    amount            INTEGER NOT NULL,
    pending_id        BLOB    NOT NULL,
    user_data_128     BLOB    NOT NULL,
    user_data_64      INTEGER NOT NULL,
    user_data_32      INTEGER NOT NULL,
    timeout           INTEGER NOT NULL,
    ledger            INTEGER NOT NULL,
    code              INTEGER NOT NULL,
    flags             INTEGER NOT NULL
);
CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit_account_id, ts);
CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit_account_id, ts);

-- status: 0 pending, 1 posted, 2 voided, 3 expired.
CREATE TABLE ledger_pending (
    id         BLOB    PRIMARY KEY,
    status     INTEGER NOT NULL,
    expires_at INTEGER
) WITHOUT ROWID;
CREATE INDEX ledger_pending_expiry ON ledger_pending (expires_at) WHERE status = 0;

CREATE TABLE ledger_history (
    account_id      BLOB    NOT NULL,
    ts              INTEGER NOT NULL,
    debits_pending  INTEGER NOT NULL,
    debits_posted   INTEGER NOT NULL,
    credits_pending INTEGER NOT NULL,
    credits_posted  INTEGER NOT NULL,
    PRIMARY KEY (account_id, ts)
) WITHOUT ROWID;

CREATE TABLE ledger_failed (
    id     BLOB    PRIMARY KEY,
    result TEXT    NOT NULL,
    ts     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE ledger_meta (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    commit_timestamp INTEGER NOT NULL
);
INSERT INTO ledger_meta (id, commit_timestamp) VALUES (1, 0);
