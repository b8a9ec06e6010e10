-- The daily-loss query reads a player's bets from the first id of the day on, through
-- game_bets_user (user_id, id): bet ids are time-ordered, so this index is redundant, and every
-- bet paid for it with one more random index leaf written per commit.
DROP INDEX game_bets_user_time;
