-- A bet on a server seed that a rotation has revealed is refused by the database itself, whichever
-- node writes it: the backstop for a node that drew a bet on a cached seed pair and then lost its
-- hold on the player (paused past its lease) while another node rotated the pair.
CREATE FUNCTION game_bets_refuse_revealed_seed() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM game_revealed_seeds WHERE server_seed_hash = NEW.server_seed_hash) THEN
        RAISE EXCEPTION 'server seed % is already revealed', NEW.server_seed_hash
            USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER game_bets_unrevealed_seed BEFORE INSERT ON game_bets
    FOR EACH ROW EXECUTE FUNCTION game_bets_refuse_revealed_seed();
