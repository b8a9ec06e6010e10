//! One paid round in play: stops come from a stream of floats in `[0, 1)` (the provably fair stream,
//! `stop = floor(f × strip length)` per reel), so every round can be recomputed by the player.
//!
//! Stream order: the base spin's reels left to right, then one float for the mystery draw if enough
//! mystery symbols landed, then the same for each free spin in play order. Money is integer minor units:
//! every pay is an integer multiple of the line bet, so no rounding ever happens; the max-win cap is an
//! integer too (`max_win × total bet`).

use serde::Serialize;

use crate::eval::{
    Rules, evaluate_with, mystery_count, mystery_pick, substitute, window_from_stops,
};
use crate::game::{FREE_SPINS_ROUND_MAX, Game};

/// Line bets must be below this many minor units (2^24): see [`crate::game::SPIN_WIN_UNITS_MAX`].
pub const LINE_BET_LIMIT: u64 = 1 << 24;

/// A client-causable failure of a round.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpinError {
    #[error("line_bet: must be positive")]
    ZeroBet,
    #[error("line_bet: {line_bet} minor units per line overflows the win arithmetic")]
    BetTooLarge { line_bet: u64 },
    #[error("stream: float {index} is {value}, expected a value in [0, 1)")]
    BadFloat { index: usize, value: f64 },
    #[error("stream: ran out after {used} floats")]
    StreamExhausted { used: usize },
}

/// One line win in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineWin {
    /// 0-based index into the game's `lines`.
    pub line: usize,
    pub symbol: String,
    pub count: usize,
    /// Wild multiplier times the free-spin multiplier.
    pub multiplier: u64,
    pub win: u64,
}

/// One ways win in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaysWin {
    pub symbol: String,
    pub reels: usize,
    pub ways: u64,
    pub multiplier: u64,
    pub win: u64,
}

/// One scatter result in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScatterWin {
    pub symbol: String,
    pub count: u32,
    pub multiplier: u64,
    pub win: u64,
    pub free_spins: u32,
}

/// One spin (base or free) of a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpinRecord {
    pub reel_set: String,
    pub stops: Vec<usize>,
    /// `grid[reel][row]`, symbol names after any mystery transformation.
    pub grid: Vec<Vec<String>>,
    /// The symbol the mystery symbols became, if they transformed.
    pub mystery: Option<String>,
    pub line_wins: Vec<LineWin>,
    pub ways_wins: Vec<WaysWin>,
    pub scatter_wins: Vec<ScatterWin>,
    /// Free-spin multiplier of this spin (1 in the base game).
    pub multiplier: u64,
    pub free_spins_awarded: u32,
    /// Sum of this spin's wins, uncapped.
    pub win: u64,
}

/// A whole round: the base spin and every free spin it led to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundResult {
    pub line_bet: u64,
    pub total_bet: u64,
    pub base: SpinRecord,
    pub free_spins: Vec<SpinRecord>,
    /// Paid win: `min(uncapped, cap)`.
    pub total_win: u64,
    pub uncapped_win: u64,
    /// Whether the max-win cap ended the round.
    pub capped: bool,
    /// Free spins forfeited because the round reached the cap or [`FREE_SPINS_ROUND_MAX`].
    pub free_spins_forfeited: u32,
    /// Floats consumed from the stream (the cursor advance).
    pub floats_used: usize,
}

/// Play one round at `line_bet` minor units per line (total bet = `line_bet × cost`), drawing floats from
/// `floats`.
pub fn spin<I: IntoIterator<Item = f64>>(
    game: &Game,
    line_bet: u64,
    floats: I,
) -> Result<RoundResult, SpinError> {
    if line_bet == 0 {
        return Err(SpinError::ZeroBet);
    }
    // A spin wins at most SPIN_WIN_UNITS_MAX (2^36) line bets, so with line bets below 2^24 minor units
    // every spin's win fits u64 exactly; round totals add with saturation as a last guard.
    if line_bet >= LINE_BET_LIMIT {
        return Err(SpinError::BetTooLarge { line_bet });
    }
    let total_bet = line_bet * game.cost;
    let cap = game.max_win.map(|m| m.saturating_mul(total_bet));
    let rules = Rules::new(game);
    let mut stream = Stream {
        it: floats.into_iter(),
        used: 0,
    };

    let base = spin_one(game, &rules, &mut stream, 0, 1, line_bet)?;
    let mut uncapped = base.win;
    let mut remaining = base.free_spins_awarded;
    let mut free_spins = Vec::new();
    let mut forfeited = 0;
    let reached = |w: u64| cap.is_some_and(|c| w >= c);
    if let Some(fs) = &game.free_spins {
        while remaining > 0 {
            if reached(uncapped) || free_spins.len() as u32 >= FREE_SPINS_ROUND_MAX {
                forfeited = remaining;
                break;
            }
            remaining -= 1;
            let rec = spin_one(
                game,
                &rules,
                &mut stream,
                fs.reel_set,
                fs.multiplier,
                line_bet,
            )?;
            uncapped = uncapped.saturating_add(rec.win);
            if fs.retrigger {
                remaining = remaining.saturating_add(rec.free_spins_awarded);
            }
            free_spins.push(rec);
        }
    }
    let total_win = cap.map_or(uncapped, |c| uncapped.min(c));
    Ok(RoundResult {
        line_bet,
        total_bet,
        base,
        free_spins,
        total_win,
        uncapped_win: uncapped,
        capped: total_win < uncapped || (cap.is_some() && forfeited > 0),
        free_spins_forfeited: forfeited,
        floats_used: stream.used,
    })
}

struct Stream<I> {
    it: I,
    used: usize,
}

impl<I: Iterator<Item = f64>> Stream<I> {
    fn next(&mut self) -> Result<f64, SpinError> {
        let v = self
            .it
            .next()
            .ok_or(SpinError::StreamExhausted { used: self.used })?;
        if !(0.0..1.0).contains(&v) {
            return Err(SpinError::BadFloat {
                index: self.used,
                value: v,
            });
        }
        self.used += 1;
        Ok(v)
    }
}

#[allow(
    clippy::expect_used,
    reason = "the mystery weights sum to the validated total, so a pick always lands"
)]
fn spin_one<I: Iterator<Item = f64>>(
    game: &Game,
    rules: &Rules,
    stream: &mut Stream<I>,
    set: usize,
    multiplier: u64,
    line_bet: u64,
) -> Result<SpinRecord, SpinError> {
    let strips = &game.reel_sets[set].strips;
    let mut stops = Vec::with_capacity(game.reels);
    for strip in strips {
        let f = stream.next()?;
        stops.push(((f * strip.len() as f64) as usize).min(strip.len() - 1));
    }
    let mut window = window_from_stops(game, set, &stops);
    let mut mystery = None;
    if let Some(m) = &game.mystery
        && mystery_count(game, &window) >= m.min_count
    {
        let to = mystery_pick(game, stream.next()?).expect("weights sum to the validated total");
        substitute(game, &mut window, to);
        mystery = Some(game.symbols[to].name.clone());
    }
    let wins = evaluate_with(game, rules, &window);
    let name = |s: usize| game.symbols[s].name.clone();
    let m = multiplier * line_bet;
    let line_wins = wins
        .lines
        .iter()
        .map(|h| LineWin {
            line: h.line,
            symbol: name(h.symbol),
            count: h.count,
            multiplier: h.multiplier * multiplier,
            win: h.pay * m,
        })
        .collect();
    let ways_wins = wins
        .ways
        .iter()
        .map(|h| WaysWin {
            symbol: name(h.symbol),
            reels: h.reels,
            ways: h.ways,
            multiplier,
            win: h.pay * m,
        })
        .collect();
    let scatter_wins = wins
        .scatters
        .iter()
        .map(|h| ScatterWin {
            symbol: name(h.symbol),
            count: h.count,
            multiplier,
            win: h.pay * m,
            free_spins: h.free_spins,
        })
        .collect();
    let grid = (0..game.reels)
        .map(|r| {
            (0..game.rows)
                .map(|row| name(window[r * game.rows + row] as usize))
                .collect()
        })
        .collect();
    Ok(SpinRecord {
        reel_set: game.reel_sets[set].name.clone(),
        stops,
        grid,
        mystery,
        line_wins,
        ways_wins,
        scatter_wins,
        multiplier,
        free_spins_awarded: wins.free_spins,
        win: wins.total * m,
    })
}

/// Convert a `u32` of a fair byte stream to a float in `[0, 1)` (`u / 2^32`), for callers holding words.
pub fn float_from_u32(u: u32) -> f64 {
    f64::from(u) / 4_294_967_296.0
}
