-- The double-entry ledger (crates/rules/ledger semantics, crates/adapters/store/src/ledger). Ids (u128) are
-- 16-byte big-endian blobs; amounts, balances and timestamps are signed 64-bit integers (the
-- ledger caps them at i64::MAX); user_data_64 is stored bit-cast to i64.
CREATE TABLE ledger_accounts (
    id              BYTEA   PRIMARY KEY,
    debits_pending  BIGINT NOT NULL,
    debits_posted   BIGINT NOT NULL,
    credits_pending BIGINT NOT NULL,
    credits_posted  BIGINT NOT NULL,
    user_data_128   BYTEA   NOT NULL,
    user_data_64    BIGINT NOT NULL,
    user_data_32    BIGINT NOT NULL,
    ledger          BIGINT NOT NULL,
    code            BIGINT NOT NULL,
    flags           BIGINT NOT NULL,
    ts              BIGINT NOT NULL
);

-- Transfers are append-only in timestamp order; the timestamp is the primary key.
CREATE TABLE ledger_transfers (
    ts                BIGINT PRIMARY KEY,
    id                BYTEA   NOT NULL UNIQUE,
    debit_account_id  BYTEA   NOT NULL,
    credit_account_id BYTEA   NOT NULL,
    amount            BIGINT NOT NULL,
    pending_id        BYTEA   NOT NULL,
    user_data_128     BYTEA   NOT NULL,
    user_data_64      BIGINT NOT NULL,
    user_data_32      BIGINT NOT NULL,
    timeout           BIGINT NOT NULL,
    ledger            BIGINT NOT NULL,
    code              BIGINT NOT NULL,
    flags             BIGINT NOT NULL
);
CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit_account_id, ts);
CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit_account_id, ts);

-- status: 0 pending, 1 posted, 2 voided, 3 expired.
CREATE TABLE ledger_pending (
    id         BYTEA   PRIMARY KEY,
    status     BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX ledger_pending_expiry ON ledger_pending (expires_at) WHERE status = 0;

CREATE TABLE ledger_history (
    account_id      BYTEA   NOT NULL,
    ts              BIGINT NOT NULL,
    debits_pending  BIGINT NOT NULL,
    debits_posted   BIGINT NOT NULL,
    credits_pending BIGINT NOT NULL,
    credits_posted  BIGINT NOT NULL,
    PRIMARY KEY (account_id, ts)
);

CREATE TABLE ledger_failed (
    id     BYTEA   PRIMARY KEY,
    result TEXT    NOT NULL,
    ts     BIGINT NOT NULL
);

CREATE TABLE ledger_meta (
    id               BIGINT PRIMARY KEY CHECK (id = 1),
    commit_timestamp BIGINT NOT NULL
);
INSERT INTO ledger_meta (id, commit_timestamp) VALUES (1, 0);
