//! A contest's standings: every player's score under the contest's scoring, ranked by score and
//! the declared tie-breaks.
//!
//! **Order.** Players are ordered by score (higher first), then by each declared tie-break in
//! turn, then by user id (lower first) so that every listing is deterministic. Two players are
//! *tied* when their score and every declared tie-break are equal; tied players share a rank
//! (competition ranking: 1, 2, 2, 4) and split the prizes of the ranks they cover. Declaring
//! `user_id` makes every rank distinct.
//!
//! **Order of arrival never matters.** A player's score, rounds, best multiplier and the time
//! they reached their score are functions of the *set* of their counted facts: sums and counts
//! commute, `best_n` keeps the best values (an earlier fact wins among equal values), and
//! `first_reached_at` is the time of the latest fact that counts in the score (for
//! `max_multiplier`, the earliest fact with the best multiplier). Duplicates are the caller's to
//! drop (by event id) before [`Board::apply`]. The one exception is the anti-abuse rate and
//! round caps, which count facts as they arrive.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::def::{Definition, Join, Mode, Of, Scoring, TieBreak};
use crate::prize::Standing;
use crate::{Fact, Millis, UserId, What};

/// Scores are kept within ±(2^53 − 1), the range a Redis sorted set stores exactly.
pub const SCORE_LIMIT: i64 = (1 << 53) - 1;

/// Why a fact did not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// The stake was under the contest's minimum bet.
    MinBet,
    /// The round settled faster than the contest's minimum round duration.
    MinRoundMs,
    /// More of the player's events in one second than the contest allows.
    Rate,
    /// The player already has the most rounds the contest counts.
    RoundCap,
    /// The formula could not be evaluated (division by zero, overflow).
    FormulaError,
    /// The score would leave the storable range.
    ScoreRange,
}

impl Exclusion {
    /// Its name in the admin API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MinBet => "min_bet",
            Self::MinRoundMs => "min_round_ms",
            Self::Rate => "rate",
            Self::RoundCap => "round_cap",
            Self::FormulaError => "formula_error",
            Self::ScoreRange => "score_range",
        }
    }
}

/// What one fact did to the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not this contest's business (another game, currency, kind, outside the window, a player
    /// who did not join).
    Ignored,
    /// Excluded by the contest's rules; counted per reason.
    Excluded(Exclusion),
    /// Counted: the player's score before and after.
    Counted {
        /// Score before.
        before: i64,
        /// Score after.
        after: i64,
    },
}

/// A player's standing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The score.
    pub score: i64,
    /// Counted rounds (or matches).
    pub rounds: u32,
    /// Highest single multiplier, in units of 1e-8.
    pub max_multiplier: i64,
    /// When the current score was reached.
    pub reached_at: Millis,
    /// The stakes of the counted rounds.
    pub staked: i64,
    /// The best values (`best_n`), as (value, time).
    best: Vec<(i64, Millis)>,
    /// The second of the latest events and how many fell in it (the rate limit).
    second: (i64, u32),
}

/// A row of the standings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// Competition rank (tied players share it).
    pub rank: u32,
    /// The player.
    pub user_id: UserId,
    /// The score.
    pub score: i64,
}

/// A player's place in a sorted set that orders equal scores by descending member bytes (the
/// kv port's, Redis's): the score, a member encoding the tie-breaks and the user id so that a
/// better player has the greater member, and the member a tie group's best place would have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The score.
    pub score: i64,
    /// `<tie-break parts>.<user>`, hex.
    pub member: String,
    /// The best member of the player's tie group (`<parts>/`, just above every member of the
    /// group) when ties are possible, else `member`: one plus the members before it is the
    /// player's competition rank.
    pub group: String,
}

/// Smaller is better → a greater, fixed-width hex string.
fn enc(v: i64) -> String {
    format!("{:016x}", !(v.cast_unsigned() ^ (1 << 63)))
}

/// The member of `user` in a contest with no tie-break besides `user_id` (its member never
/// changes with the score).
#[must_use]
pub fn plain_member(user: UserId) -> String {
    format!(".{}", enc(user))
}

/// The user id and the tie-break part of a member written by [`Board::place`].
#[must_use]
pub fn decode_member(member: &str) -> Option<(UserId, &str)> {
    let (parts, user) = member.split_once('.')?;
    let raw = u64::from_str_radix(user, 16).ok()?;
    Some(((!raw ^ (1 << 63)).cast_signed(), parts))
}

/// The sort key: smaller is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key {
    parts: [i64; 5],
    user: UserId,
}

/// A sorted sequence of keys in chunks: O(√n)-ish inserts, removals and positions, which keeps a
/// million players' ranks a few microseconds away.
#[derive(Debug, Clone, Default)]
struct Order {
    chunks: Vec<Vec<Key>>,
    len: usize,
}

const CHUNK: usize = 512;

impl Order {
    /// The chunk that holds (or would hold) `k`.
    fn chunk_of(&self, k: &Key) -> usize {
        let i = self
            .chunks
            .partition_point(|c| c.last().is_some_and(|last| last < k));
        i.min(self.chunks.len().saturating_sub(1))
    }

    fn insert(&mut self, k: Key) {
        if self.chunks.is_empty() {
            self.chunks.push(vec![k]);
            self.len = 1;
            return;
        }
        let ci = self.chunk_of(&k);
        let chunk = &mut self.chunks[ci];
        let at = chunk.partition_point(|x| x < &k);
        chunk.insert(at, k);
        self.len += 1;
        if chunk.len() > 2 * CHUNK {
            let tail = chunk.split_off(CHUNK);
            self.chunks.insert(ci + 1, tail);
        }
    }

    fn remove(&mut self, k: &Key) -> bool {
        if self.chunks.is_empty() {
            return false;
        }
        let ci = self.chunk_of(k);
        let chunk = &mut self.chunks[ci];
        match chunk.binary_search(k) {
            Ok(at) => {
                chunk.remove(at);
                self.len -= 1;
                if chunk.is_empty() {
                    self.chunks.remove(ci);
                } else if chunk.len() < CHUNK / 4 && ci + 1 < self.chunks.len() {
                    let next = self.chunks.remove(ci + 1);
                    self.chunks[ci].extend(next);
                    if self.chunks[ci].len() > 2 * CHUNK {
                        let tail = self.chunks[ci].split_off(CHUNK);
                        self.chunks.insert(ci + 1, tail);
                    }
                }
                true
            }
            Err(_) => false,
        }
    }

    /// How many keys are smaller than `k`.
    fn count_below(&self, k: &Key) -> usize {
        let mut n = 0;
        for c in &self.chunks {
            if c.last().is_some_and(|last| last < k) {
                n += c.len();
            } else {
                n += c.partition_point(|x| x < k);
                break;
            }
        }
        n
    }

    fn iter(&self) -> impl Iterator<Item = &Key> {
        self.chunks.iter().flatten()
    }
}

/// One contest's live standings.
#[derive(Debug, Clone)]
pub struct Board {
    scoring: Scoring,
    tie_break: Vec<TieBreak>,
    ties: bool,
    games: Vec<String>,
    excluded_games: Vec<String>,
    currency: Option<String>,
    window: Option<(Millis, Millis)>,
    opt_in: bool,
    min_round_ms: i64,
    max_per_sec: u32,
    max_rounds: u32,
    entries: HashMap<UserId, Entry>,
    order: Order,
    excluded: BTreeMap<Exclusion, u64>,
    counted: u64,
    staked: i64,
}

impl Board {
    /// An empty board for a contest (`None` for a mission, which has no scoring).
    #[must_use]
    pub fn new(def: &Definition) -> Option<Board> {
        let scoring = def.scoring.clone()?;
        Some(Board {
            scoring,
            tie_break: def
                .tie_break
                .iter()
                .copied()
                .filter(|t| *t != TieBreak::UserId)
                .take(4)
                .collect(),
            ties: def.ties_possible(),
            games: def.games.clone(),
            excluded_games: def.anti_abuse.excluded_games.clone(),
            currency: def.currency.clone(),
            window: def.window,
            opt_in: def.join == Join::OptIn,
            min_round_ms: def.anti_abuse.min_round_ms,
            max_per_sec: def.anti_abuse.max_events_per_sec,
            max_rounds: def.anti_abuse.max_rounds_per_player,
            entries: HashMap::new(),
            order: Order::default(),
            excluded: BTreeMap::new(),
            counted: 0,
            staked: 0,
        })
    }

    /// Sets the window (a recurring contest's occurrence).
    pub fn set_window(&mut self, window: Option<(Millis, Millis)>) {
        self.window = window;
    }

    fn key(&self, user: UserId, e: &Entry) -> Key {
        key_of(&self.tie_break, user, e)
    }

    /// An opt-in player joins (at score 0). Joining twice changes nothing.
    pub fn join(&mut self, user: UserId) {
        if self.entries.contains_key(&user) {
            return;
        }
        let e = Entry::default();
        self.order.insert(self.key(user, &e));
        self.entries.insert(user, e);
    }

    /// Whether `user` takes part (joined, or has a counted fact).
    #[must_use]
    pub fn has(&self, user: UserId) -> bool {
        self.entries.contains_key(&user)
    }

    fn counts_game(&self, game: &str) -> bool {
        (self.games.is_empty() || self.games.iter().any(|g| g == game))
            && !self.excluded_games.iter().any(|g| g == game)
    }

    /// Scores one fact.
    pub fn apply(&mut self, fact: &Fact) -> Outcome {
        if let Some((start, end)) = self.window
            && (fact.at_ms < start || fact.at_ms >= end)
        {
            return Outcome::Ignored;
        }
        if self.opt_in && !self.entries.contains_key(&fact.user_id) {
            return Outcome::Ignored;
        }
        let (value, multiplier, bet) = match self.value(fact) {
            Ok(Some(v)) => v,
            Ok(None) => return Outcome::Ignored,
            Err(x) => return self.exclude(x),
        };
        let user = fact.user_id;
        let (mode, best_n) = (self.scoring.mode, self.scoring.best_n);
        let (max_per_sec, max_rounds) = (self.max_per_sec, self.max_rounds);
        let tie_break = &self.tie_break;
        let had = self.entries.contains_key(&user);
        let e = self.entries.entry(user).or_default();
        let second = fact.at_ms.div_euclid(1000);
        let refused = if max_per_sec > 0 && e.second.0 == second && e.second.1 >= max_per_sec {
            Some(Exclusion::Rate)
        } else if max_rounds > 0 && e.rounds >= max_rounds {
            Some(Exclusion::RoundCap)
        } else {
            None
        };
        // The new score, checked before anything changes.
        let n = best_n.map_or(0, |n| n as usize);
        let item = (value, fact.at_ms);
        // Better: higher value, then earlier.
        let better = |a: &(i64, Millis), b: &(i64, Millis)| a.0 > b.0 || (a.0 == b.0 && a.1 < b.1);
        let mut slot: Option<Option<usize>> = None; // Some(None): push; Some(Some(i)): replace i
        let new_score = match (mode, best_n) {
            (Mode::MaxMultiplier, _) => Some(if value > e.score || e.rounds == 0 {
                value
            } else {
                e.score
            }),
            (_, Some(_)) => {
                if e.best.len() < n {
                    slot = Some(None);
                    in_range(i128::from(e.score) + i128::from(value))
                } else if let Some(worst) = worst_index(&e.best)
                    && better(&item, &e.best[worst])
                {
                    slot = Some(Some(worst));
                    in_range(i128::from(e.score) - i128::from(e.best[worst].0) + i128::from(value))
                } else {
                    Some(e.score)
                }
            }
            (_, None) => in_range(i128::from(e.score) + i128::from(value)),
        };
        let refused = refused.or(if new_score.is_none() {
            Some(Exclusion::ScoreRange)
        } else {
            None
        });
        if let Some(why) = refused {
            if !had {
                self.entries.remove(&user);
            }
            return self.exclude(why);
        }
        let new_score = new_score.unwrap_or(e.score);
        let old_key = had.then(|| key_of(tie_break, user, e));
        let before = e.score;
        if e.second.0 == second {
            e.second.1 += 1;
        } else {
            e.second = (second, 1);
        }
        let first_round = e.rounds == 0;
        e.rounds = e.rounds.saturating_add(1);
        e.staked = e.staked.saturating_add(bet);
        e.max_multiplier = e.max_multiplier.max(multiplier);
        match (mode, best_n) {
            (Mode::MaxMultiplier, _) => {
                if value > e.score || first_round {
                    e.reached_at = fact.at_ms;
                } else if value == e.score {
                    e.reached_at = e.reached_at.min(fact.at_ms);
                }
            }
            (_, Some(_)) => match slot {
                Some(None) => e.best.push(item),
                Some(Some(i)) => e.best[i] = item,
                None => {}
            },
            (_, None) => {
                if value != 0 {
                    e.reached_at = e.reached_at.max(fact.at_ms);
                }
            }
        }
        if best_n.is_some() && mode != Mode::MaxMultiplier && slot.is_some() {
            e.reached_at = e.best.iter().map(|(_, t)| *t).max().unwrap_or(fact.at_ms);
        }
        e.score = new_score;
        let new_key = key_of(tie_break, user, e);
        if let Some(k) = old_key {
            self.order.remove(&k);
        }
        self.order.insert(new_key);
        self.counted += 1;
        self.staked = self.staked.saturating_add(bet);
        Outcome::Counted {
            before,
            after: new_score,
        }
    }

    fn exclude(&mut self, why: Exclusion) -> Outcome {
        *self.excluded.entry(why).or_default() += 1;
        Outcome::Excluded(why)
    }

    /// A fact's value under the scoring, its multiplier (1e-8) and stake; `None` when it is not
    /// this contest's.
    fn value(&self, fact: &Fact) -> Result<Option<(i64, i64, i64)>, Exclusion> {
        let s = &self.scoring;
        match &fact.what {
            What::Round {
                game,
                currency,
                bet,
                win,
                multiplier_units,
                duration_ms,
            } => {
                if matches!(s.mode, Mode::Rating)
                    || matches!(s.of, Of::Matches | Of::MatchWins)
                    || !self.counts_game(game)
                    || self.currency.as_ref().is_some_and(|c| c != currency)
                {
                    return Ok(None);
                }
                if *bet < s.min_bet {
                    return Err(Exclusion::MinBet);
                }
                if *duration_ms < self.min_round_ms {
                    return Err(Exclusion::MinRoundMs);
                }
                let value = match (&s.formula, s.mode) {
                    (Some(f), _) => {
                        let v = crate::def::Scoring::values(
                            *win,
                            *bet,
                            *multiplier_units,
                            *duration_ms,
                        );
                        f.eval(&v)
                            .and_then(crate::formula::Fixed::floor_i64)
                            .map_err(|_| Exclusion::FormulaError)?
                    }
                    (None, Mode::MaxMultiplier) => multiplier_units / 1_000_000,
                    (None, Mode::Count) => match s.of {
                        Of::Wins => i64::from(win > bet),
                        _ => 1,
                    },
                    (None, _) => match s.of {
                        Of::Bet => *bet,
                        Of::Profit => win - bet,
                        _ => *win,
                    },
                };
                if value.abs() > SCORE_LIMIT {
                    return Err(Exclusion::ScoreRange);
                }
                Ok(Some((value, *multiplier_units, *bet)))
            }
            What::Match { won, .. } => {
                let counts = matches!(s.mode, Mode::Count)
                    && matches!(s.of, Of::Matches | Of::MatchWins)
                    && self.counts_game("guandan");
                if !counts {
                    return Ok(None);
                }
                let v = match s.of {
                    Of::MatchWins => i64::from(*won),
                    _ => 1,
                };
                Ok(Some((v, 0, 0)))
            }
            What::Rating { delta, .. } => {
                if !matches!(s.mode, Mode::Rating) || !self.counts_game("guandan") {
                    return Ok(None);
                }
                Ok(Some(((*delta).clamp(-SCORE_LIMIT, SCORE_LIMIT), 0, 0)))
            }
            What::Placement { .. } | What::External { .. } => Ok(None),
        }
    }

    /// How many players take part.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nobody takes part yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A player's entry.
    #[must_use]
    pub fn entry(&self, user: UserId) -> Option<&Entry> {
        self.entries.get(&user)
    }

    /// A player's competition rank and score.
    #[must_use]
    pub fn rank_of(&self, user: UserId) -> Option<Row> {
        let e = self.entries.get(&user)?;
        let k = self.key(user, e);
        let first = if self.ties {
            Key {
                parts: k.parts,
                user: UserId::MIN,
            }
        } else {
            k
        };
        let rank = u32::try_from(self.order.count_below(&first) + 1).unwrap_or(u32::MAX);
        Some(Row {
            rank,
            user_id: user,
            score: e.score,
        })
    }

    /// A player's place for a sorted set (see [`Place`]).
    #[must_use]
    pub fn place(&self, user: UserId) -> Option<Place> {
        let e = self.entries.get(&user)?;
        let k = self.key(user, e);
        let parts: String = k.parts[1..=self.tie_break.len()]
            .iter()
            .map(|p| enc(*p))
            .collect();
        let member = format!("{parts}.{}", enc(user));
        let group = if self.ties {
            format!("{parts}/")
        } else {
            member.clone()
        };
        Some(Place {
            score: e.score,
            member,
            group,
        })
    }

    /// Whether tied players share ranks (no `user_id` tie-break).
    #[must_use]
    pub fn ties(&self) -> bool {
        self.ties
    }

    /// The first `n` rows, best first.
    #[must_use]
    pub fn top(&self, n: usize) -> Vec<Row> {
        self.rows().take(n).collect()
    }

    /// Every row, best first, with competition ranks.
    pub fn rows(&self) -> impl Iterator<Item = Row> + '_ {
        let mut prev: Option<[i64; 5]> = None;
        let mut rank = 0u32;
        self.order.iter().enumerate().map(move |(i, k)| {
            let tied = self.ties && prev == Some(k.parts);
            if !tied {
                rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
            prev = Some(k.parts);
            Row {
                rank,
                user_id: k.user,
                score: -k.parts[0],
            }
        })
    }

    /// The final standings, for the prize split.
    #[must_use]
    pub fn standings(&self) -> Vec<Standing> {
        self.rows()
            .map(|r| Standing {
                user_id: r.user_id,
                rank: r.rank,
                score: r.score,
            })
            .collect()
    }

    /// Excluded facts per reason.
    #[must_use]
    pub fn excluded(&self) -> &BTreeMap<Exclusion, u64> {
        &self.excluded
    }

    /// Facts counted.
    #[must_use]
    pub fn counted(&self) -> u64 {
        self.counted
    }

    /// Stakes of the counted rounds (funds a pool's stake share).
    #[must_use]
    pub fn staked(&self) -> i64 {
        self.staked
    }
}

/// The sort key of a player's entry under `tie_break` (smaller is better).
fn key_of(tie_break: &[TieBreak], user: UserId, e: &Entry) -> Key {
    let mut parts = [0i64; 5];
    parts[0] = -e.score;
    for (i, t) in tie_break.iter().enumerate() {
        parts[i + 1] = match t {
            TieBreak::HighestSingleMultiplier => -e.max_multiplier,
            TieBreak::RoundsPlayedAsc => i64::from(e.rounds),
            TieBreak::RoundsPlayedDesc => -i64::from(e.rounds),
            TieBreak::FirstReachedAt => e.reached_at,
            TieBreak::UserId => 0,
        };
    }
    Key { parts, user }
}

fn worst_index(best: &[(i64, Millis)]) -> Option<usize> {
    // Worst: lowest value, then latest.
    best.iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        .map(|(i, _)| i)
}

fn in_range(v: i128) -> Option<i64> {
    if v.abs() > i128::from(SCORE_LIMIT) {
        None
    } else {
        i64::try_from(v).ok()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::def::parse;
    use proptest::prelude::*;

    const START: Millis = 1_796_666_400_000;

    pub(crate) fn round(id: u64, user: UserId, at: Millis, bet: i64, win: i64) -> Fact {
        Fact {
            id: format!("bet:{id}"),
            user_id: user,
            at_ms: at,
            what: What::Round {
                game: "dice".into(),
                currency: "PLAY".into(),
                bet,
                win,
                multiplier_units: if bet == 0 { 0 } else { win * 100_000_000 / bet },
                duration_ms: 5,
            },
        }
    }

    fn dice_sprint() -> Definition {
        parse(crate::def::tests::DICE_SPRINT).unwrap()
    }

    #[test]
    fn the_brief_formula_scores_and_keeps_the_best_twenty_rounds() {
        let mut b = Board::new(&dice_sprint()).unwrap();
        // 2× win on 100: min(2, 50) * 100 = 200.
        assert_eq!(
            b.apply(&round(1, 7, START, 100, 200)),
            Outcome::Counted {
                before: 0,
                after: 200
            }
        );
        // 100× is capped at 50 × 100 = 5000.
        assert_eq!(
            b.apply(&round(2, 7, START + 1, 100, 10_000)),
            Outcome::Counted {
                before: 200,
                after: 5200
            }
        );
        // Under min_bet.
        assert_eq!(
            b.apply(&round(3, 7, START + 2, 49, 1000)),
            Outcome::Excluded(Exclusion::MinBet)
        );
        // Another game, another currency, outside the window.
        let mut other = round(4, 7, START + 3, 100, 200);
        if let What::Round { game, .. } = &mut other.what {
            *game = "plinko".into();
        }
        assert_eq!(b.apply(&other), Outcome::Ignored);
        assert_eq!(b.apply(&round(5, 7, START - 1, 100, 200)), Outcome::Ignored);
        assert_eq!(
            b.apply(&round(6, 7, START + 3_600_000, 100, 200)),
            Outcome::Ignored
        );
        // 25 more 1.5× rounds: only the best 20 count (5000, 200 and 18 × 150).
        for i in 0..25 {
            b.apply(&round(100 + i, 7, START + 1000 * (i as i64 + 10), 100, 150));
        }
        assert_eq!(b.entry(7).unwrap().score, 5000 + 200 + 18 * 150);
        assert_eq!(b.entry(7).unwrap().rounds, 27);
        assert_eq!(b.excluded().get(&Exclusion::MinBet), Some(&1));
    }

    #[test]
    fn tie_breaks_apply_in_the_declared_order() {
        let mut b = Board::new(&dice_sprint()).unwrap();
        // Users 1 and 2 both score 200; 2 has the higher single multiplier? Equal here (2×) —
        // then fewer rounds first: user 1 plays one more losing round.
        b.apply(&round(1, 1, START + 10, 100, 200));
        b.apply(&round(2, 1, START + 11, 100, 0));
        b.apply(&round(3, 2, START + 20, 100, 200));
        // User 3: 200 as well, fewer rounds than 1, same as 2, but reached later than 2.
        b.apply(&round(4, 3, START + 30, 100, 200));
        // User 4: 200 from a single 2× too but with a higher multiplier? Impossible at the same
        // score with the cap; use user 5 with a 100 score to see the order below.
        b.apply(&round(5, 5, START + 5, 100, 100));
        let top: Vec<_> = b.top(10).iter().map(|r| (r.rank, r.user_id)).collect();
        assert_eq!(top, vec![(1, 2), (2, 3), (3, 1), (4, 5)]);
        assert_eq!(b.rank_of(1).unwrap().rank, 3);
    }

    #[test]
    fn without_a_user_id_tie_break_equal_players_share_a_rank() {
        let yaml = crate::def::tests::DICE_SPRINT.replace(
            "tie_break: [highest_single_multiplier, rounds_played_asc, first_reached_at, user_id]",
            "tie_break: [rounds_played_asc]",
        );
        let mut b = Board::new(&parse(&yaml).unwrap()).unwrap();
        b.apply(&round(1, 10, START + 10, 100, 300));
        b.apply(&round(2, 11, START + 20, 100, 200));
        b.apply(&round(3, 12, START + 30, 100, 200));
        b.apply(&round(4, 13, START + 40, 100, 100));
        let rows: Vec<_> = b.top(10).iter().map(|r| (r.rank, r.user_id)).collect();
        assert_eq!(rows, vec![(1, 10), (2, 11), (2, 12), (4, 13)]);
        assert_eq!(b.rank_of(12).unwrap().rank, 2);
        assert_eq!(b.rank_of(13).unwrap().rank, 4);
    }

    #[test]
    fn opt_in_counts_only_joined_players() {
        let yaml = crate::def::tests::DICE_SPRINT.replace("join: open", "join: opt_in");
        let mut b = Board::new(&parse(&yaml).unwrap()).unwrap();
        assert_eq!(b.apply(&round(1, 1, START, 100, 200)), Outcome::Ignored);
        b.join(1);
        b.join(2);
        assert_eq!(b.len(), 2);
        assert_eq!(
            b.apply(&round(2, 1, START, 100, 200)),
            Outcome::Counted {
                before: 0,
                after: 200
            }
        );
        let rows: Vec<_> = b
            .top(10)
            .iter()
            .map(|r| (r.rank, r.user_id, r.score))
            .collect();
        assert_eq!(rows, vec![(1, 1, 200), (2, 2, 0)]);
    }

    #[test]
    fn the_rate_limit_and_round_cap_exclude_and_count() {
        let yaml = crate::def::tests::DICE_SPRINT.replace(
            "max_events_per_sec: 50}",
            "max_events_per_sec: 2, max_rounds_per_player: 3}",
        );
        let mut b = Board::new(&parse(&yaml).unwrap()).unwrap();
        assert!(matches!(
            b.apply(&round(1, 1, START, 100, 200)),
            Outcome::Counted { .. }
        ));
        assert!(matches!(
            b.apply(&round(2, 1, START + 1, 100, 200)),
            Outcome::Counted { .. }
        ));
        assert_eq!(
            b.apply(&round(3, 1, START + 2, 100, 200)),
            Outcome::Excluded(Exclusion::Rate)
        );
        assert!(matches!(
            b.apply(&round(4, 1, START + 1000, 100, 200)),
            Outcome::Counted { .. }
        ));
        assert_eq!(
            b.apply(&round(5, 1, START + 5000, 100, 200)),
            Outcome::Excluded(Exclusion::RoundCap)
        );
    }

    fn mode_yaml(scoring: &str) -> String {
        crate::def::tests::DICE_SPRINT.replace(
            "  mode: formula             # sum | best_n | max_multiplier | count | rating | formula\n  formula: \"min(win / bet, 50) * 100\"   # win and bet in minor units of one settled round\n  best_n: 20                # only the best 20 rounds count (omit: all rounds)\n  min_bet: 50\n",
            scoring,
        )
    }

    #[test]
    fn every_mode_scores() {
        let rounds = [(100, 0), (100, 250), (200, 1000), (50, 50)];
        let cases: &[(&str, i64)] = &[
            ("  mode: sum\n", 1300),
            ("  mode: sum\n  of: bet\n", 450),
            ("  mode: sum\n  of: profit\n", 850),
            ("  mode: best_n\n  best_n: 2\n", 1250),
            ("  mode: max_multiplier\n", 500),
            ("  mode: count\n", 4),
            ("  mode: count\n  of: wins\n", 2),
            ("  mode: formula\n  formula: \"win - bet\"\n", 850),
        ];
        for (scoring, want) in cases {
            let mut b = Board::new(&parse(&mode_yaml(scoring)).unwrap()).unwrap();
            for (i, (bet, win)) in rounds.iter().enumerate() {
                b.apply(&round(i as u64, 1, START + i as i64, *bet, *win));
            }
            assert_eq!(b.entry(1).unwrap().score, *want, "{scoring}");
        }
        let yaml = mode_yaml("  mode: rating\n").replace("games: [dice]", "games: [guandan]");
        let mut b = Board::new(&parse(&yaml).unwrap()).unwrap();
        for (i, d) in [12, -7, 20].iter().enumerate() {
            b.apply(&Fact {
                id: format!("rating:{i}:1"),
                user_id: 1,
                at_ms: START + i as i64,
                what: What::Rating {
                    match_id: i.to_string(),
                    delta: *d,
                },
            });
        }
        assert_eq!(b.entry(1).unwrap().score, 25);
        let yaml = mode_yaml("  mode: count\n  of: match_wins\n")
            .replace("games: [dice]", "games: [guandan]");
        let mut b = Board::new(&parse(&yaml).unwrap()).unwrap();
        for (i, won) in [true, false, true].iter().enumerate() {
            b.apply(&Fact {
                id: format!("match:{i}"),
                user_id: 1,
                at_ms: START + i as i64,
                what: What::Match {
                    match_id: i.to_string(),
                    ranked: true,
                    won: *won,
                },
            });
        }
        assert_eq!(b.entry(1).unwrap().score, 2);
    }

    #[test]
    fn a_division_by_zero_excludes_the_round() {
        let yaml = mode_yaml("  mode: formula\n  formula: \"win / bet\"\n");
        let mut b = Board::new(&parse(&yaml).unwrap()).unwrap();
        assert_eq!(
            b.apply(&round(1, 1, START, 0, 0)),
            Outcome::Excluded(Exclusion::FormulaError)
        );
    }

    fn board_state(b: &Board) -> Vec<(u32, UserId, i64, u32, i64, Millis)> {
        b.rows()
            .map(|r| {
                let e = b.entry(r.user_id).unwrap();
                (
                    r.rank,
                    r.user_id,
                    r.score,
                    e.rounds,
                    e.max_multiplier,
                    e.reached_at,
                )
            })
            .collect()
    }

    proptest! {
        /// The standings are a function of the set of facts: any arrival order gives the same
        /// board, in every mode.
        #[test]
        fn arrival_order_never_matters(
            facts in prop::collection::vec((1i64..6, 0i64..600_000, 50i64..500, 0i64..5_000), 1..60),
            seed in any::<u64>(),
            mode in 0usize..5,
        ) {
            let scoring = ["  mode: formula\n  formula: \"min(win / bet, 50) * 100\"\n  best_n: 3\n",
                "  mode: sum\n", "  mode: max_multiplier\n", "  mode: count\n  of: wins\n",
                "  mode: best_n\n  best_n: 2\n  of: profit\n"][mode];
            let yaml = mode_yaml(scoring).replace("max_events_per_sec: 50", "max_events_per_sec: 0");
            let def = parse(&yaml).unwrap();
            let facts: Vec<Fact> = facts.iter().enumerate()
                .map(|(i, (u, t, bet, win))| round(i as u64, *u, START + t, *bet, *win)).collect();
            let mut a = Board::new(&def).unwrap();
            for f in &facts { a.apply(f); }
            let mut shuffled = facts.clone();
            // A seeded Fisher–Yates.
            let mut s = seed | 1;
            for i in (1..shuffled.len()).rev() {
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                shuffled.swap(i, (s % (i as u64 + 1)) as usize);
            }
            let mut b = Board::new(&def).unwrap();
            for f in &shuffled { b.apply(f); }
            prop_assert_eq!(board_state(&a), board_state(&b));
        }

        /// Ranks agree with a brute-force sort, and tied players share a rank.
        #[test]
        fn ranks_match_a_reference_sort(scores in prop::collection::vec((0i64..2000, 0i64..20), 1..300)) {
            let yaml = mode_yaml("  mode: sum\n  of: bet\n")
                .replace("tie_break: [highest_single_multiplier, rounds_played_asc, first_reached_at, user_id]", "tie_break: []")
                .replace("max_events_per_sec: 50", "max_events_per_sec: 0")
                .replace("min_bet: 50\n", "");
            let def = parse(&yaml).unwrap();
            let mut b = Board::new(&def).unwrap();
            for (u, (bet, _)) in scores.iter().enumerate() {
                b.apply(&round(u as u64, u as i64, START, *bet, 0));
            }
            let mut want: Vec<(i64, i64)> = scores.iter().enumerate().map(|(u, (bet, _))| (*bet, u as i64)).collect();
            want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let rows = b.top(usize::MAX);
            prop_assert_eq!(rows.len(), want.len());
            for (i, r) in rows.iter().enumerate() {
                prop_assert_eq!((r.score, r.user_id), want[i]);
                let better = want.iter().filter(|w| w.0 > r.score).count() as u32;
                prop_assert_eq!(r.rank, better + 1);
                prop_assert_eq!(b.rank_of(r.user_id).unwrap().rank, r.rank);
            }
        }
    }

    #[test]
    fn places_sort_like_the_board() {
        for ties in [false, true] {
            let yaml = if ties {
                crate::def::tests::DICE_SPRINT.replace(
                    "tie_break: [highest_single_multiplier, rounds_played_asc, first_reached_at, user_id]",
                    "tie_break: [rounds_played_asc]",
                )
            } else {
                crate::def::tests::DICE_SPRINT.to_owned()
            };
            let mut b = Board::new(&parse(&yaml).unwrap()).unwrap();
            let mut s = 7u64;
            for i in 0..400u64 {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                let user = (s % 60) as i64 - 20;
                let win = [0, 100, 200, 500][(s >> 8) as usize % 4];
                b.apply(&round(i, user, START + (s % 100_000) as i64, 100, win));
            }
            let mut places: Vec<Place> = b.rows().map(|r| b.place(r.user_id).unwrap()).collect();
            let board_order: Vec<i64> = b.rows().map(|r| r.user_id).collect();
            places.sort_by(|x, y| y.score.cmp(&x.score).then(y.member.cmp(&x.member)));
            let set_order: Vec<i64> = places
                .iter()
                .map(|p| decode_member(&p.member).unwrap().0)
                .collect();
            assert_eq!(set_order, board_order);
            // A competition rank is one plus the members before the group's best place.
            for r in b.rows() {
                let p = b.place(r.user_id).unwrap();
                let before = places
                    .iter()
                    .filter(|q| q.score > p.score || (q.score == p.score && q.member > p.group))
                    .count() as u32;
                assert_eq!(before + 1, r.rank, "ties {ties}");
            }
        }
    }

    #[test]
    fn the_order_stays_sorted_through_many_updates() {
        let mut o = Order::default();
        let mut keys = Vec::new();
        let mut s = 88172645463325252u64;
        for i in 0..20_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let k = Key {
                parts: [(s % 1000) as i64, 0, 0, 0, 0],
                user: i,
            };
            o.insert(k);
            keys.push(k);
            if i % 3 == 0 {
                let victim = keys.swap_remove((s % keys.len() as u64) as usize);
                assert!(o.remove(&victim));
            }
        }
        keys.sort();
        let got: Vec<Key> = o.iter().copied().collect();
        assert_eq!(got, keys);
        assert_eq!(o.len, keys.len());
        for (i, k) in keys.iter().enumerate().step_by(97) {
            assert_eq!(o.count_below(k), i);
        }
    }
}
