-- Guandan online: matches (seed, rules, seats, result), their action logs, fair-play signals, reports.
CREATE TABLE guandan_matches (
    id              BIGINT PRIMARY KEY,
    table_id        TEXT    NOT NULL,
    room_code       TEXT,
    kind            TEXT    NOT NULL,
    rules           TEXT    NOT NULL,
    options_json    TEXT    NOT NULL,
    seed            TEXT    NOT NULL,
    seats_json      TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    result_json     TEXT,
    started_at_ms   BIGINT NOT NULL,
    ended_at_ms     BIGINT
);
CREATE INDEX guandan_matches_status ON guandan_matches(status);

CREATE TABLE guandan_match_players (
    match_id        BIGINT NOT NULL REFERENCES guandan_matches(id),
    seat            BIGINT NOT NULL,
    user_id         BIGINT NOT NULL,
    PRIMARY KEY (match_id, seat)
);
CREATE INDEX guandan_match_players_user ON guandan_match_players(user_id, match_id);

CREATE TABLE guandan_actions (
    match_id        BIGINT NOT NULL REFERENCES guandan_matches(id),
    idx             BIGINT NOT NULL,
    action_json     TEXT    NOT NULL,
    at_ms           BIGINT NOT NULL,
    PRIMARY KEY (match_id, idx)
);

CREATE TABLE guandan_signals (
    match_id          BIGINT NOT NULL REFERENCES guandan_matches(id),
    seat              BIGINT NOT NULL,
    user_id           BIGINT NOT NULL,
    ip                TEXT,
    actions           BIGINT NOT NULL,
    auto_actions      BIGINT NOT NULL,
    timeouts          BIGINT NOT NULL,
    decision_ms_total BIGINT NOT NULL,
    created_at_ms     BIGINT NOT NULL,
    PRIMARY KEY (match_id, seat)
);
CREATE INDEX guandan_signals_recent ON guandan_signals(created_at_ms);

CREATE TABLE guandan_reports (
    id              BIGINT PRIMARY KEY,
    reporter_id     BIGINT NOT NULL,
    reported_id     BIGINT NOT NULL,
    reason          TEXT    NOT NULL,
    table_id        TEXT,
    created_at_ms   BIGINT NOT NULL
);
CREATE INDEX guandan_reports_recent ON guandan_reports(created_at_ms);
