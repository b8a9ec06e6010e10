-- Accounts, refresh tokens and server settings.
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    email           TEXT UNIQUE,
    password_hash   TEXT,
    display_name    TEXT    NOT NULL,
    is_guest        INTEGER NOT NULL DEFAULT 0,
    is_admin        INTEGER NOT NULL DEFAULT 0,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL
);

CREATE TABLE refresh_tokens (
    token_hash      TEXT PRIMARY KEY,
    family_id       TEXT    NOT NULL,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    issued_at_ms    INTEGER NOT NULL,
    expires_at_ms   INTEGER NOT NULL,
    used_at_ms      INTEGER,
    revoked_at_ms   INTEGER
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
