//! Evaluation rules of one window (stops → grid → wins), written once and shared by play and the exact
//! analysis (and by the simulator for ways and pay tables; its line fast path is a second
//! implementation held equal to this one by property tests), so they cannot disagree about a pay.
//!
//! A payline is evaluated as a small automaton that reads one cell per reel from left to right; its state
//! packs into a `u32` so the exact analysis can merge equal states of millions of windows.

use crate::game::{Game, Layout, REELS_MAX, table_at};

/// Packed line state: `locked` symbol (bits 0-5), `lead` wild symbol (6-11), number of leading wilds
/// (12-15), largest wild multiplier seen in the run (16-25, 0 = no wild).
pub(crate) type LineState = u32;
/// The line's run is over and its pay has been taken.
pub(crate) const LINE_DONE: LineState = u32::MAX;
const NONE: u32 = 63;
/// No cell read yet.
pub(crate) const LINE_INIT: LineState = NONE | (NONE << 6);

/// Per-symbol lookups for the line and ways automata.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub wild: Vec<bool>,
    pub wild_mult: Vec<u64>,
    /// `pay[symbol][n - 1]` in line bets.
    pub pay: Vec<[u64; REELS_MAX]>,
    /// Symbols that can make a ways win (non-wild, non-scatter, some positive pay).
    pub ways_symbols: Vec<u8>,
}

impl Rules {
    #[allow(
        clippy::expect_used,
        reason = "validated games have fewer symbols and window cells than a u8 holds"
    )]
    pub fn new(game: &Game) -> Self {
        let wild = game.symbols.iter().map(|s| s.wild).collect();
        let wild_mult = game.symbols.iter().map(|s| s.wild_multiplier).collect();
        let pay = game
            .pays
            .iter()
            .map(|p| {
                let mut a = [0u64; REELS_MAX];
                a[..p.len()].copy_from_slice(p);
                a
            })
            .collect();
        let ways_symbols = (0..game.symbols.len())
            .filter(|&s| {
                !game.symbols[s].wild
                    && !game.symbols[s].scatter
                    && game.pays[s].iter().any(|&p| p > 0)
            })
            .map(|s| u8::try_from(s).expect("symbol count is validated below 62"))
            .collect();
        Self {
            wild,
            wild_mult,
            pay,
            ways_symbols,
        }
    }

    /// Advance a line by the cell `c` on reel `r` (0-based). When the run ends here, returns the finished
    /// line's `(pay, symbol)` and the state becomes [`LINE_DONE`].
    #[inline]
    pub fn step(&self, st: LineState, c: u8, r: usize) -> (LineState, Option<(u64, u8)>) {
        if st == LINE_DONE {
            return (st, None);
        }
        let locked = st & 63;
        let lead = (st >> 6) & 63;
        let numw = (st >> 12) & 15;
        let mult = (st >> 16) & 1023;
        let ci = c as usize;
        let is_wild = self.wild[ci];
        if locked == NONE {
            // Every cell so far was wild (or this is reel 1).
            if is_wild {
                let lead = if lead == NONE { u32::from(c) } else { lead };
                let m = mult.max(self.wild_mult[ci] as u32);
                return (pack(NONE, lead, numw + 1, m), None);
            }
            return (pack(u32::from(c), lead, numw, mult), None);
        }
        if u32::from(c) == locked || is_wild {
            let m = if is_wild {
                mult.max(self.wild_mult[ci] as u32)
            } else {
                mult
            };
            return (pack(locked, lead, numw, m), None);
        }
        (LINE_DONE, Some(self.finish(st, r)))
    }

    /// Pay of a live line whose run is `run` cells long: the greater of the symbol's pay (times the wild
    /// multiplier when a wild took part) and the leading wilds' own pay; ties go to the wild.
    #[inline]
    pub fn finish(&self, st: LineState, run: usize) -> (u64, u8) {
        if st == LINE_DONE || run == 0 {
            return (0, 0);
        }
        let locked = st & 63;
        let lead = (st >> 6) & 63;
        let numw = ((st >> 12) & 15) as usize;
        let mult = u64::from((st >> 16) & 1023).max(1);
        let sympay = if locked == NONE {
            0
        } else {
            self.pay[locked as usize][run - 1] * mult
        };
        let wildpay = if lead == NONE || numw == 0 {
            0
        } else {
            self.pay[lead as usize][numw - 1]
        };
        if sympay > wildpay {
            (sympay, locked as u8)
        } else {
            (wildpay, if lead == NONE { 0 } else { lead as u8 })
        }
    }

    /// Wild multiplier a line state carries (1 when no wild took part).
    pub fn line_multiplier(st: LineState) -> u64 {
        if st == LINE_DONE {
            1
        } else {
            u64::from((st >> 16) & 1023).max(1)
        }
    }

    /// Weight of one column for symbol `s` in a ways game: matching cells count 1, wilds their multiplier.
    #[inline]
    pub fn ways_weight(&self, column: &[u8], s: u8) -> u64 {
        column
            .iter()
            .map(|&c| {
                if c == s {
                    1
                } else if self.wild[c as usize] {
                    self.wild_mult[c as usize]
                } else {
                    0
                }
            })
            .sum()
    }
}

#[inline]
fn pack(locked: u32, lead: u32, numw: u32, mult: u32) -> LineState {
    debug_assert!(locked <= 63 && lead <= 63 && numw <= 15 && mult <= 1023);
    locked | (lead << 6) | (numw << 12) | (mult << 16)
}

/// One line win, in line bets (before any free-spin multiplier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineHit {
    pub line: usize,
    pub symbol: usize,
    pub count: usize,
    /// Wild multiplier applied (1 when none; wild-only pays carry none).
    pub multiplier: u64,
    pub pay: u64,
}

/// One ways win, in line bets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaysHit {
    pub symbol: usize,
    pub reels: usize,
    /// Number of ways, counting a wild with multiplier `m` as `m` ways.
    pub ways: u64,
    pub pay: u64,
}

/// One scatter result, pay in line bets (scatter pay × cost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScatterHit {
    pub symbol: usize,
    pub count: u32,
    pub pay: u64,
    pub free_spins: u32,
}

/// Every win of one window, in line bets, before any free-spin multiplier.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WindowWins {
    pub lines: Vec<LineHit>,
    pub ways: Vec<WaysHit>,
    pub scatters: Vec<ScatterHit>,
    /// Free spins awarded by the trigger symbol's count.
    pub free_spins: u32,
    /// Sum of all pays.
    pub total: u64,
}

/// The window of `rows` cells per reel from the given stops, column-major (`window[r * rows + row]`).
pub fn window_from_stops(game: &Game, set: usize, stops: &[usize]) -> Vec<u8> {
    let strips = &game.reel_sets[set].strips;
    assert_eq!(stops.len(), game.reels, "one stop per reel");
    let mut w = Vec::with_capacity(game.reels * game.rows);
    for (strip, &stop) in strips.iter().zip(stops) {
        assert!(stop < strip.len(), "stop inside the strip");
        for row in 0..game.rows {
            w.push(strip[(stop + row) % strip.len()]);
        }
    }
    w
}

/// Number of mystery symbols in the window, when the game has a mystery symbol.
pub fn mystery_count(game: &Game, window: &[u8]) -> u32 {
    match &game.mystery {
        Some(m) => window.iter().filter(|&&c| c as usize == m.symbol).count() as u32,
        None => 0,
    }
}

/// The symbol a mystery draw `u` in `[0, 1)` selects: `floor(u × weight_total)` into the cumulative
/// weights (in symbol order). `None` when the game has no mystery symbol.
pub fn mystery_pick(game: &Game, u: f64) -> Option<usize> {
    let m = game.mystery.as_ref()?;
    // `as` saturates, and the `min` keeps a float rounding up to 1.0 × total inside the table.
    let target = ((u * m.weight_total as f64) as u64).min(m.weight_total - 1);
    let mut acc = 0;
    m.weights
        .iter()
        .find(|&&(_, w)| {
            acc += w;
            target < acc
        })
        .map(|&(s, _)| s)
}

/// Replace every mystery cell by `to` (nothing happens in a game without a mystery symbol).
pub fn substitute(game: &Game, window: &mut [u8], to: usize) {
    let (Some(m), Ok(to)) = (&game.mystery, u8::try_from(to)) else {
        return;
    };
    for c in window.iter_mut() {
        if *c as usize == m.symbol {
            *c = to;
        }
    }
}

/// Evaluate a window (already mystery-resolved) into its wins.
pub(crate) fn evaluate_with(game: &Game, rules: &Rules, window: &[u8]) -> WindowWins {
    let rows = game.rows;
    let mut out = WindowWins::default();
    match &game.layout {
        Layout::Lines(lines) => {
            for (li, line) in lines.iter().enumerate() {
                let mut st = LINE_INIT;
                let mut hit = None;
                let mut run = game.reels;
                for (r, &row) in line.iter().enumerate() {
                    let (next, done) = rules.step(st, window[r * rows + row], r);
                    if let Some(h) = done {
                        hit = Some(h);
                        run = r;
                        break;
                    }
                    st = next;
                }
                let (pay, symbol) = hit.unwrap_or_else(|| rules.finish(st, run));
                if pay > 0 {
                    let multiplier = if rules.wild[symbol as usize] {
                        1
                    } else {
                        Rules::line_multiplier(st)
                    };
                    out.lines.push(LineHit {
                        line: li,
                        symbol: symbol as usize,
                        count: run,
                        multiplier,
                        pay,
                    });
                    out.total += pay;
                }
            }
        }
        Layout::Ways => {
            for &s in &rules.ways_symbols {
                let mut ways: u64 = 1;
                let mut run = 0;
                for r in 0..game.reels {
                    let k = rules.ways_weight(&window[r * rows..(r + 1) * rows], s);
                    if k == 0 {
                        break;
                    }
                    ways *= k;
                    run = r + 1;
                }
                if run > 0 {
                    let pay = rules.pay[s as usize][run - 1] * ways;
                    if pay > 0 {
                        out.ways.push(WaysHit {
                            symbol: s as usize,
                            reels: run,
                            ways,
                            pay,
                        });
                        out.total += pay;
                    }
                }
            }
        }
    }
    let trigger = game.free_spins.as_ref().map(|f| f.symbol);
    for s in game.counted_scatters() {
        let count = window.iter().filter(|&&c| c as usize == s).count() as u32;
        let pay = game.scatter_pay(s, count) * game.cost;
        let free_spins = if trigger == Some(s) {
            game.awards_for(count)
        } else {
            0
        };
        if pay > 0 || free_spins > 0 {
            out.scatters.push(ScatterHit {
                symbol: s,
                count,
                pay,
                free_spins,
            });
            out.total += pay;
            out.free_spins += free_spins;
        }
    }
    out
}

/// Evaluate a window (already mystery-resolved) into its wins, in line bets. The window must come from
/// this game (`window_from_stops`): `reels × rows` valid symbol indices, column-major (asserted).
pub fn evaluate(game: &Game, window: &[u8]) -> WindowWins {
    assert_eq!(
        window.len(),
        game.reels * game.rows,
        "window of this game's size"
    );
    assert!(
        window.iter().all(|&c| (c as usize) < game.symbols.len()),
        "window of this game's symbols"
    );
    evaluate_with(game, &Rules::new(game), window)
}

/// Scatter pays (in line bets) and awards for a vector of counts of [`Game::counted_scatters`].
pub(crate) fn scatter_outcome(game: &Game, scatters: &[usize], counts: &[u32]) -> (u64, u32) {
    let trigger = game.free_spins.as_ref().map(|f| f.symbol);
    let mut pay = 0;
    let mut awards = 0;
    for (&s, &n) in scatters.iter().zip(counts) {
        pay += table_at(&game.scatter_pays[s], n) * game.cost;
        if trigger == Some(s) {
            awards += game.awards_for(n);
        }
    }
    (pay, awards)
}
