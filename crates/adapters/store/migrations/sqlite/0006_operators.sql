-- Operators (casinos and aggregators), their players and sessions, replay protection for signed
-- requests, and the seamless-wallet call log (`operator_tx`) with its durable outbox.
CREATE TABLE operators (
    id                      TEXT PRIMARY KEY,
    name                    TEXT    NOT NULL,
    mode                    TEXT    NOT NULL,
    wallet_url              TEXT,
    currencies              TEXT    NOT NULL,
    secret                  TEXT    NOT NULL,
    previous_secret         TEXT,
    previous_valid_until_ms INTEGER,
    settlement_index        INTEGER NOT NULL UNIQUE,
    created_at_ms           INTEGER NOT NULL,
    updated_at_ms           INTEGER NOT NULL
);

CREATE TABLE operator_signatures (
    operator_id   TEXT    NOT NULL,
    signature     TEXT    NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (operator_id, signature)
);
CREATE INDEX operator_signatures_expiry ON operator_signatures(expires_at_ms);

CREATE TABLE operator_players (
    operator_id   TEXT    NOT NULL REFERENCES operators(id),
    player_id     TEXT    NOT NULL,
    user_id       INTEGER NOT NULL UNIQUE REFERENCES users(id),
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (operator_id, player_id)
);

CREATE TABLE operator_sessions (
    token_hash    TEXT PRIMARY KEY,
    operator_id   TEXT    NOT NULL,
    user_id       INTEGER NOT NULL,
    currency      TEXT    NOT NULL,
    game          TEXT    NOT NULL,
    language      TEXT    NOT NULL,
    return_url    TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
);
CREATE INDEX operator_sessions_user ON operator_sessions(user_id);

CREATE TABLE operator_tx (
    tx_id         INTEGER PRIMARY KEY,
    operator_id   TEXT    NOT NULL,
    user_id       INTEGER NOT NULL,
    player_id     TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    currency      TEXT    NOT NULL,
    amount        INTEGER NOT NULL,
    round_id      INTEGER NOT NULL,
    game          TEXT    NOT NULL,
    ref_tx_id     INTEGER,
    round_closed  INTEGER NOT NULL DEFAULT 0,
    status        TEXT    NOT NULL,
    balance_after INTEGER,
    error_code    TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX operator_tx_operator ON operator_tx(operator_id, tx_id);
CREATE UNIQUE INDEX operator_tx_one_rollback ON operator_tx(ref_tx_id) WHERE kind = 'rollback';
CREATE INDEX operator_tx_pending ON operator_tx(created_at_ms) WHERE status = 'pending';

CREATE TABLE operator_outbox (
    tx_id              INTEGER PRIMARY KEY REFERENCES operator_tx(tx_id),
    operator_id        TEXT    NOT NULL,
    endpoint           TEXT    NOT NULL,
    payload            TEXT    NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    last_error         TEXT,
    created_at_ms      INTEGER NOT NULL,
    delivered_at_ms    INTEGER
);
CREATE INDEX operator_outbox_due ON operator_outbox(next_attempt_at_ms) WHERE delivered_at_ms IS NULL;
