-- Finished Guandan matches, player ratings (Weng-Lin, integers in thousandths of a point) and their history.
CREATE TABLE guandan_results (
    match_id        BIGINT PRIMARY KEY,
    kind            TEXT    NOT NULL,
    rules           TEXT    NOT NULL,
    winning_team    BIGINT  NOT NULL,
    result_json     TEXT    NOT NULL,
    hands_played    BIGINT  NOT NULL,
    started_at_ms   BIGINT  NOT NULL,
    ended_at_ms     BIGINT  NOT NULL,
    rated           BOOLEAN NOT NULL,
    recorded_at_ms  BIGINT  NOT NULL
);

CREATE TABLE guandan_ratings (
    user_id         BIGINT PRIMARY KEY,
    mu              BIGINT  NOT NULL,
    sigma           BIGINT  NOT NULL,
    display         BIGINT  NOT NULL,
    matches         BIGINT  NOT NULL,
    wins            BIGINT  NOT NULL,
    updated_at_ms   BIGINT  NOT NULL
);
CREATE INDEX guandan_ratings_board ON guandan_ratings(display DESC, user_id);

CREATE TABLE guandan_rating_history (
    match_id        BIGINT  NOT NULL,
    ended_at_ms     BIGINT  NOT NULL,
    user_id         BIGINT  NOT NULL,
    seat            BIGINT  NOT NULL,
    won             BOOLEAN NOT NULL,
    mu_before       BIGINT  NOT NULL,
    sigma_before    BIGINT  NOT NULL,
    display_before  BIGINT  NOT NULL,
    mu_after        BIGINT  NOT NULL,
    sigma_after     BIGINT  NOT NULL,
    display_after   BIGINT  NOT NULL,
    PRIMARY KEY (match_id, user_id)
);
CREATE INDEX guandan_rating_history_user ON guandan_rating_history(user_id, ended_at_ms DESC);
CREATE INDEX guandan_rating_history_time ON guandan_rating_history(ended_at_ms);
