-- Tournaments, leaderboards and missions (docs/compete.md). A contest's definition is versioned
-- and frozen once it starts; every fact it counted or excluded is kept in `compete_facts` (the
-- audit trail its standings are replayed from, deduplicated by fact id); rewards are paid
-- through the ledger, each once by its id.
CREATE TABLE compete_contests (
    id              TEXT    PRIMARY KEY,
    version         BIGINT  NOT NULL,
    kind            TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    starts_at_ms    BIGINT,
    ends_at_ms      BIGINT,
    pool_index      BIGINT  NOT NULL UNIQUE,
    seed            TEXT    NOT NULL,
    commitment      TEXT    NOT NULL,
    result          TEXT,
    created_at_ms   BIGINT  NOT NULL,
    finalised_at_ms BIGINT
);

CREATE TABLE compete_entries (
    contest_id    TEXT   NOT NULL,
    user_id       BIGINT NOT NULL,
    fee           BIGINT NOT NULL,
    joined_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (contest_id, user_id)
);
CREATE INDEX compete_entries_user ON compete_entries (user_id);

CREATE TABLE compete_facts (
    seq         BIGSERIAL PRIMARY KEY,
    contest_id  TEXT   NOT NULL,
    fact_id     TEXT   NOT NULL,
    user_id     BIGINT NOT NULL,
    at_ms       BIGINT NOT NULL,
    outcome     TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    UNIQUE (contest_id, fact_id)
);
CREATE INDEX compete_facts_user ON compete_facts (contest_id, user_id, seq);
CREATE INDEX compete_facts_log ON compete_facts (contest_id, seq);

CREATE TABLE compete_standings (
    contest_id  TEXT   NOT NULL,
    user_id     BIGINT NOT NULL,
    score       BIGINT NOT NULL,
    rounds      BIGINT NOT NULL,
    member      TEXT   NOT NULL,
    PRIMARY KEY (contest_id, user_id)
);
CREATE INDEX compete_standings_order ON compete_standings (contest_id, score DESC, member DESC);

CREATE TABLE compete_snapshots (
    contest_id   TEXT   NOT NULL,
    taken_at_ms  BIGINT NOT NULL,
    top_json     TEXT   NOT NULL,
    PRIMARY KEY (contest_id, taken_at_ms)
);

CREATE TABLE compete_rewards (
    id             TEXT   PRIMARY KEY,
    user_id        BIGINT NOT NULL,
    source         TEXT   NOT NULL,
    kind           TEXT   NOT NULL,
    grant_json     TEXT   NOT NULL,
    amount         BIGINT NOT NULL,
    currency       TEXT   NOT NULL,
    status         TEXT   NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    expires_at_ms  BIGINT,
    settled_at_ms  BIGINT
);
CREATE INDEX compete_rewards_user ON compete_rewards (user_id, created_at_ms);
CREATE INDEX compete_rewards_status ON compete_rewards (status, created_at_ms);

CREATE TABLE compete_progress (
    mission_id  TEXT   NOT NULL,
    user_id     BIGINT NOT NULL,
    progress    TEXT   NOT NULL,
    PRIMARY KEY (mission_id, user_id)
);
