-- Operator requests are signed over "{timestamp}.{nonce}.{METHOD}.{path with query}.{raw body}" and
-- replays are refused by nonce (unique per operator within the timestamp window), no longer by
-- signature: two identical requests in one second are distinct by their nonces.
DROP TABLE operator_signatures;

CREATE TABLE operator_nonces (
    operator_id   TEXT    NOT NULL,
    nonce         TEXT    NOT NULL,
    expires_at_ms BIGINT  NOT NULL,
    PRIMARY KEY (operator_id, nonce)
);
CREATE INDEX operator_nonces_expiry ON operator_nonces(expires_at_ms);
