-- A bet on a server seed that a rotation has revealed is refused by the database itself (the same
-- rule as on PostgreSQL, where it guards a cluster's nodes against a stale cached seed pair).
CREATE TRIGGER game_bets_unrevealed_seed BEFORE INSERT ON game_bets
    WHEN EXISTS (SELECT 1 FROM game_revealed_seeds WHERE server_seed_hash = NEW.server_seed_hash)
BEGIN
    SELECT RAISE(ABORT, 'server seed is already revealed');
END;
