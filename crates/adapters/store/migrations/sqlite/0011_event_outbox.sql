-- The durable event stream's outbox: the same tables and triggers as on PostgreSQL (see its
-- 0011_event_outbox.sql for the design).
CREATE TABLE event_outbox (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id  TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    payload   TEXT    NOT NULL
);

CREATE TABLE event_cursors (
    name      TEXT    PRIMARY KEY,
    position  INTEGER NOT NULL
);

CREATE TRIGGER game_bets_events_insert AFTER INSERT ON game_bets WHEN NEW.status = 1
BEGIN
    INSERT INTO event_outbox (event_id, kind, payload) VALUES (
        'bet:' || NEW.id,
        CASE WHEN NEW.round_state IS NULL THEN 'bet_settled' ELSE 'round_finished' END,
        json_object(
            'bet_id', CAST(NEW.id AS TEXT), 'user_id', CAST(NEW.user_id AS TEXT),
            'game', NEW.game, 'currency', NEW.currency, 'amount', NEW.amount,
            'payout', NEW.payout, 'multiplier_units', NEW.multiplier,
            'created_at_ms', NEW.created_at_ms, 'settled_at_ms', NEW.updated_at_ms));
END;

CREATE TRIGGER game_bets_events_update AFTER UPDATE OF status ON game_bets
    WHEN NEW.status = 1 AND OLD.status <> 1
BEGIN
    INSERT INTO event_outbox (event_id, kind, payload) VALUES (
        'bet:' || NEW.id,
        CASE WHEN NEW.round_state IS NULL THEN 'bet_settled' ELSE 'round_finished' END,
        json_object(
            'bet_id', CAST(NEW.id AS TEXT), 'user_id', CAST(NEW.user_id AS TEXT),
            'game', NEW.game, 'currency', NEW.currency, 'amount', NEW.amount,
            'payout', NEW.payout, 'multiplier_units', NEW.multiplier,
            'created_at_ms', NEW.created_at_ms, 'settled_at_ms', NEW.updated_at_ms));
END;

CREATE TRIGGER guandan_results_events AFTER INSERT ON guandan_results
BEGIN
    INSERT INTO event_outbox (event_id, kind, payload) VALUES (
        'match:' || NEW.match_id,
        'match_finished',
        json_object(
            'match_id', CAST(NEW.match_id AS TEXT), 'kind', NEW.kind, 'rules', NEW.rules,
            'winning_team', NEW.winning_team, 'hands_played', NEW.hands_played,
            'ranked', json(CASE WHEN NEW.rated THEN 'true' ELSE 'false' END),
            'started_at_ms', NEW.started_at_ms, 'ended_at_ms', NEW.ended_at_ms,
            'result', json(NEW.result_json),
            'seats', (SELECT json_group_array(json_object(
                        'seat', s.seat, 'team', s.seat % 2, 'user_id', CAST(s.user_id AS TEXT)))
                      FROM (SELECT seat, user_id FROM guandan_match_players
                            WHERE match_id = NEW.match_id ORDER BY seat) s)));
END;

CREATE TRIGGER guandan_rating_history_events AFTER INSERT ON guandan_rating_history
BEGIN
    INSERT INTO event_outbox (event_id, kind, payload) VALUES (
        'rating:' || NEW.match_id || ':' || NEW.user_id,
        'rating_changed',
        json_object(
            'match_id', CAST(NEW.match_id AS TEXT), 'user_id', CAST(NEW.user_id AS TEXT),
            'seat', NEW.seat, 'won', json(CASE WHEN NEW.won THEN 'true' ELSE 'false' END),
            'display_before', NEW.display_before, 'display_after', NEW.display_after,
            'mu_before', NEW.mu_before, 'mu_after', NEW.mu_after,
            'sigma_before', NEW.sigma_before, 'sigma_after', NEW.sigma_after,
            'ended_at_ms', NEW.ended_at_ms));
END;
