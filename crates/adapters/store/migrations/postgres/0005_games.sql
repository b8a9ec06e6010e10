-- Instant games: seed pairs, revealed seeds, bets and rounds, responsible-gaming limits.

-- One row per player: the fair::SeedPair (active and committed next server seed, client seed, nonce
-- at the last rotation) as JSON. Holds unrevealed seeds: never sent to a client.
CREATE TABLE game_seed_pairs (
    user_id         BIGINT PRIMARY KEY,
    pair            TEXT    NOT NULL,
    updated_at_ms   BIGINT  NOT NULL
);

-- Server seeds after rotation, so every bet made with them can be verified.
CREATE TABLE game_revealed_seeds (
    server_seed_hash TEXT    PRIMARY KEY,
    user_id          BIGINT  NOT NULL,
    server_seed      TEXT    NOT NULL,
    client_seed      TEXT    NOT NULL,
    nonces_used      BIGINT  NOT NULL,
    revealed_at_ms   BIGINT  NOT NULL
);

-- Every bet; multi-step rounds are bets with status 0 (open) until settled (1).
CREATE TABLE game_bets (
    id               BIGINT PRIMARY KEY,
    user_id          BIGINT  NOT NULL,
    game             TEXT    NOT NULL,
    currency         TEXT    NOT NULL,
    amount           BIGINT  NOT NULL,
    payout           BIGINT  NOT NULL,
    multiplier       BIGINT  NOT NULL,
    status           BIGINT  NOT NULL,
    server_seed_hash TEXT    NOT NULL,
    client_seed      TEXT    NOT NULL,
    nonce            BIGINT  NOT NULL,
    idempotency_key  TEXT,
    request_hash     TEXT    NOT NULL,
    params           TEXT    NOT NULL,
    outcome          TEXT    NOT NULL,
    round_state      TEXT,
    response         TEXT    NOT NULL,
    created_at_ms    BIGINT  NOT NULL,
    updated_at_ms    BIGINT  NOT NULL,
    -- Each (server seed, client seed, nonce) is used exactly once.
    UNIQUE (server_seed_hash, client_seed, nonce)
);
CREATE UNIQUE INDEX game_bets_idempotency ON game_bets (user_id, idempotency_key);
CREATE INDEX game_bets_user ON game_bets (user_id, id);
CREATE INDEX game_bets_user_time ON game_bets (user_id, created_at_ms);
CREATE UNIQUE INDEX game_bets_open ON game_bets (user_id, game) WHERE status = 0;
CREATE INDEX game_bets_idle ON game_bets (updated_at_ms) WHERE status = 0;

-- Responsible-gaming limits as JSON (current values and scheduled raises).
CREATE TABLE game_player_limits (
    user_id         BIGINT PRIMARY KEY,
    limits          TEXT    NOT NULL,
    updated_at_ms   BIGINT  NOT NULL
);
