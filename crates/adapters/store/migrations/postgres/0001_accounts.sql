-- Accounts, refresh tokens and server settings.
CREATE TABLE users (
    id              BIGINT PRIMARY KEY,
    email           TEXT UNIQUE,
    password_hash   TEXT,
    display_name    TEXT    NOT NULL,
    is_guest        BOOLEAN NOT NULL DEFAULT FALSE,
    is_admin        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at_ms   BIGINT  NOT NULL,
    updated_at_ms   BIGINT  NOT NULL
);

CREATE TABLE refresh_tokens (
    token_hash      TEXT PRIMARY KEY,
    family_id       TEXT    NOT NULL,
    user_id         BIGINT  NOT NULL REFERENCES users(id),
    issued_at_ms    BIGINT  NOT NULL,
    expires_at_ms   BIGINT  NOT NULL,
    used_at_ms      BIGINT,
    revoked_at_ms   BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
