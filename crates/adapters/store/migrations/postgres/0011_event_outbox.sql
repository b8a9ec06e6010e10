-- The durable event stream's outbox (docs/cluster.md, "Events"). Each fact that tournaments,
-- missions and analytics read — a settled bet, a finished multi-step round, a finished Guandan
-- match, a rating change — adds its event here in the transaction that stores the fact, through
-- the triggers below, so no code path can store the fact without its event, and a rolled-back
-- fact leaves none. A relay appends the rows to the bus (deduplicated there by `event_id`) and
-- then deletes them. Player-visible ledger transfers need no row here: the ledger is append-only
-- in commit order, and the relay tails it from the position kept in `event_cursors`.
CREATE TABLE event_outbox (
    seq       BIGSERIAL PRIMARY KEY,
    event_id  TEXT   NOT NULL,
    kind      TEXT   NOT NULL,
    payload   TEXT   NOT NULL
);

CREATE TABLE event_cursors (
    name      TEXT   PRIMARY KEY,
    position  BIGINT NOT NULL
);

CREATE FUNCTION event_outbox_bet() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 1 AND (TG_OP = 'INSERT' OR OLD.status <> 1) THEN
        INSERT INTO event_outbox (event_id, kind, payload) VALUES (
            'bet:' || NEW.id,
            CASE WHEN NEW.round_state IS NULL THEN 'bet_settled' ELSE 'round_finished' END,
            json_build_object(
                'bet_id', NEW.id::text, 'user_id', NEW.user_id::text, 'game', NEW.game,
                'currency', NEW.currency, 'amount', NEW.amount, 'payout', NEW.payout,
                'multiplier_units', NEW.multiplier, 'created_at_ms', NEW.created_at_ms,
                'settled_at_ms', NEW.updated_at_ms)::text);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER game_bets_events AFTER INSERT OR UPDATE OF status ON game_bets
    FOR EACH ROW EXECUTE FUNCTION event_outbox_bet();

CREATE FUNCTION event_outbox_match() RETURNS trigger AS $$
BEGIN
    INSERT INTO event_outbox (event_id, kind, payload) VALUES (
        'match:' || NEW.match_id,
        'match_finished',
        json_build_object(
            'match_id', NEW.match_id::text, 'kind', NEW.kind, 'rules', NEW.rules,
            'winning_team', NEW.winning_team, 'hands_played', NEW.hands_played,
            'ranked', NEW.rated, 'started_at_ms', NEW.started_at_ms,
            'ended_at_ms', NEW.ended_at_ms, 'result', NEW.result_json::json,
            'seats', COALESCE((SELECT json_agg(json_build_object(
                        'seat', p.seat, 'team', p.seat % 2, 'user_id', p.user_id::text)
                        ORDER BY p.seat)
                      FROM guandan_match_players p WHERE p.match_id = NEW.match_id),
                     '[]'::json))::text);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER guandan_results_events AFTER INSERT ON guandan_results
    FOR EACH ROW EXECUTE FUNCTION event_outbox_match();

CREATE FUNCTION event_outbox_rating() RETURNS trigger AS $$
BEGIN
    INSERT INTO event_outbox (event_id, kind, payload) VALUES (
        'rating:' || NEW.match_id || ':' || NEW.user_id,
        'rating_changed',
        json_build_object(
            'match_id', NEW.match_id::text, 'user_id', NEW.user_id::text, 'seat', NEW.seat,
            'won', NEW.won, 'display_before', NEW.display_before,
            'display_after', NEW.display_after, 'mu_before', NEW.mu_before,
            'mu_after', NEW.mu_after, 'sigma_before', NEW.sigma_before,
            'sigma_after', NEW.sigma_after, 'ended_at_ms', NEW.ended_at_ms)::text);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER guandan_rating_history_events AFTER INSERT ON guandan_rating_history
    FOR EACH ROW EXECUTE FUNCTION event_outbox_rating();
