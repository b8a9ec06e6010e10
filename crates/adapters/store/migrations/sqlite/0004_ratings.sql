-- Finished Guandan matches, player ratings (Weng-Lin, integers in thousandths of a point) and their history.
CREATE TABLE guandan_results (
    match_id        INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL,
    rules           TEXT    NOT NULL,
    winning_team    INTEGER NOT NULL,
    result_json     TEXT    NOT NULL,
    hands_played    INTEGER NOT NULL,
    started_at_ms   INTEGER NOT NULL,
    ended_at_ms     INTEGER NOT NULL,
    rated           INTEGER NOT NULL,
    recorded_at_ms  INTEGER NOT NULL
);

CREATE TABLE guandan_ratings (
    user_id         INTEGER PRIMARY KEY,
    mu              INTEGER NOT NULL,
    sigma           INTEGER NOT NULL,
    display         INTEGER NOT NULL,
    matches         INTEGER NOT NULL,
    wins            INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL
);
CREATE INDEX guandan_ratings_board ON guandan_ratings(display DESC, user_id);

CREATE TABLE guandan_rating_history (
    match_id        INTEGER NOT NULL,
    ended_at_ms     INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    seat            INTEGER NOT NULL,
    won             INTEGER NOT NULL,
    mu_before       INTEGER NOT NULL,
    sigma_before    INTEGER NOT NULL,
    display_before  INTEGER NOT NULL,
    mu_after        INTEGER NOT NULL,
    sigma_after     INTEGER NOT NULL,
    display_after   INTEGER NOT NULL,
    PRIMARY KEY (match_id, user_id)
);
CREATE INDEX guandan_rating_history_user ON guandan_rating_history(user_id, ended_at_ms DESC);
CREATE INDEX guandan_rating_history_time ON guandan_rating_history(ended_at_ms);
