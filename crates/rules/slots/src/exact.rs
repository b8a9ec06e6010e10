//! Exact mathematics of a game over the full cycle of stops (every stop combination equally likely).
//!
//! * The distribution of one spin's win is computed by dynamic programming over the reels: the state
//!   after reel `r` is (pay of finished lines, scatter counts, mystery count, state of each live line),
//!   and all stop prefixes reaching the same state are merged. This is a full-cycle enumeration with
//!   the redundancy folded away, so it is exact for any feature that depends on the window alone,
//!   mystery symbols included (one pass per drawn symbol). Counts are `u128` integers.
//! * Means per symbol come from per-line tuple enumeration with per-reel symbol counts, and scatter
//!   means from the windowed scatter-count convolution; they must equal the distribution's mean exactly
//!   (an assertion), which cross-checks the two methods on every run.
//! * Free spins with retriggers form a branching process: one free spin is worth
//!   `V = X + V_1 + … + V_A` (its own win `X` plus the spins `A` it awards), so
//!   `E[V] = E[X] / (1 − E[A])` and the second moment follows the same way (see docs/slots.md).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::Serialize;

use crate::eval::{LINE_DONE, LINE_INIT, Rules, scatter_outcome};
use crate::game::{Game, Layout};

/// Most merged states the dynamic programme may hold after one reel.
pub const DP_STATES_MAX: usize = 1_000_000;

/// Why the exact analysis cannot produce figures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExactError {
    #[error("reel_sets.{set}: the exact analysis needs more than {limit} states")]
    TooManyStates { set: String, limit: usize },
    #[error("reel_sets.{set}: full-cycle sums overflow 128-bit integers")]
    Overflow { set: String },
    #[error(
        "free_spins.retrigger: a free spin awards {expected:.6} spins on average, so the feature never ends"
    )]
    EndlessFreeSpins { expected: f64 },
}

/// Joint distribution of one spin's `(win in line bets, free spins awarded)` over the full cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distribution {
    /// `(win, awards) → number of outcomes`.
    pub cells: BTreeMap<(u64, u32), u128>,
    /// Number of outcomes (product of strip lengths, times the mystery weight total).
    pub total: u128,
}

/// Contribution of one symbol to the RTP.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SymbolContribution {
    pub symbol: String,
    pub base: f64,
    pub free_spins: f64,
}

/// Figures of the exact analysis. Fractions of the total bet unless stated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RtpReport {
    pub name: String,
    pub rtp: f64,
    pub base_rtp: f64,
    pub free_spins_rtp: f64,
    /// Base RTP as a reduced fraction `numerator/denominator` (exact).
    pub base_rtp_fraction: String,
    /// Base-game line (or ways) part and scatter part of `base_rtp`.
    pub base_line_rtp: Option<f64>,
    pub base_scatter_rtp: Option<f64>,
    /// Probability that a paid spin wins anything or triggers free spins.
    pub hit_frequency: f64,
    pub free_spins_trigger_rate: f64,
    /// Expected free spins played per trigger (retriggers included).
    pub free_spins_per_trigger: f64,
    /// Standard deviation of a round's win (free spins included), in total bets.
    pub volatility: f64,
    /// `1.645 × volatility`.
    pub volatility_index: f64,
    pub volatility_class: &'static str,
    /// Number of stop combinations of the base game (as a decimal string: it may exceed 2^64).
    pub cycle: String,
    /// Whether a max-win cap is part of the figures (exact when the game has no free spins).
    pub max_win_cap: Option<u64>,
    pub cap_exact: bool,
    /// Per-symbol contributions (absent for mystery games, whose wins are not separable by symbol).
    pub symbols: Option<Vec<SymbolContribution>>,
}

/// Volatility index of a per-round standard deviation: `VI = 1.645 × sd` (the 90% one-sided normal
/// quantile), the convention of PAR sheets.
pub fn volatility_index(sd: f64) -> f64 {
    1.645 * sd
}

/// Volatility class by volatility index: low below 5, medium below 10, high below 15, very high above.
pub fn volatility_class(sd: f64) -> &'static str {
    let vi = volatility_index(sd);
    if vi < 5.0 {
        "low"
    } else if vi < 10.0 {
        "medium"
    } else if vi < 15.0 {
        "high"
    } else {
        "very high"
    }
}

/// Sums over the full cycle of one spin's win `w` and awards `a`, as exact integers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Sums {
    n: u128,
    w: u128,
    w2: u128,
    a: u128,
    a2: u128,
    wa: u128,
    hits: u128,
    triggers: u128,
}

impl Sums {
    fn of(dist: &Distribution, cap: Option<u64>, set: &str) -> Result<Self, ExactError> {
        let of = || ExactError::Overflow {
            set: set.to_owned(),
        };
        let mut s = Sums {
            n: dist.total,
            ..Sums::default()
        };
        for (&(w, a), &c) in &dist.cells {
            let w = u128::from(cap.map_or(w, |cap| w.min(cap)));
            let a = u128::from(a);
            let add = |acc: &mut u128, x: u128| -> Result<(), ExactError> {
                *acc = acc
                    .checked_add(x.checked_mul(c).ok_or_else(of)?)
                    .ok_or_else(of)?;
                Ok(())
            };
            add(&mut s.w, w)?;
            add(&mut s.w2, w.checked_mul(w).ok_or_else(of)?)?;
            add(&mut s.a, a)?;
            add(&mut s.a2, a * a)?;
            add(&mut s.wa, w.checked_mul(a).ok_or_else(of)?)?;
            if w > 0 || a > 0 {
                s.hits += c;
            }
            if a > 0 {
                s.triggers += c;
            }
        }
        Ok(s)
    }

    fn mean(&self, x: u128) -> f64 {
        ratio(x, self.n)
    }
}

/// `x / n` as a float, correctly rounded for the magnitudes involved (both below 2^128).
fn ratio(x: u128, n: u128) -> f64 {
    let g = gcd(x, n);
    let (x, n) = if g > 1 { (x / g, n / g) } else { (x, n) };
    // Split to keep 53-bit precision when the integers exceed 2^53.
    let q = x / n;
    let r = x % n;
    q as f64 + (r as f64) / (n as f64)
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Run the full analysis of a game.
pub fn analyze(game: &Game) -> Result<RtpReport, ExactError> {
    let rules = Rules::new(game);
    let cost = game.cost as f64;
    let base_dist = distribution(game, &rules, 0)?;
    let base_name = &game.reel_sets[0].name;
    // The cap is applied exactly when the round is one spin; with free spins the figures are uncapped.
    let cap_units = game
        .max_win
        .filter(|_| game.free_spins.is_none())
        .map(|m| m.saturating_mul(game.cost));
    let base = Sums::of(&base_dist, cap_units, base_name)?;
    let ew = base.mean(base.w);
    let ew2 = base.mean(base.w2);

    let (mut rtp_units, mut second, mut fs_units, mut per_trigger) = (ew, ew2, 0.0, 0.0);
    let mut fs_factor = 0.0; // E[A0] · m / (1 − a): scales a bonus spin's raw win into base-spin value
    let mut bonus_contrib = None;
    if let Some(fs) = &game.free_spins {
        let set_name = &game.reel_sets[fs.reel_set].name;
        let bonus_dist = distribution(game, &rules, fs.reel_set)?;
        let b = Sums::of(&bonus_dist, None, set_name)?;
        let m = fs.multiplier as f64;
        let (ea, ea2, exa) = if fs.retrigger {
            (b.mean(b.a), b.mean(b.a2), b.mean(b.wa) * m)
        } else {
            (0.0, 0.0, 0.0)
        };
        if ea >= 1.0 {
            return Err(ExactError::EndlessFreeSpins { expected: ea });
        }
        let ex = b.mean(b.w) * m;
        let ex2 = b.mean(b.w2) * m * m;
        let ev = ex / (1.0 - ea);
        let ev2 = (ex2 + 2.0 * exa * ev + (ea2 - ea) * ev * ev) / (1.0 - ea);
        let ea0 = base.mean(base.a);
        let ea0_2 = base.mean(base.a2);
        let ewa0 = base.mean(base.wa);
        fs_units = ea0 * ev;
        rtp_units = ew + fs_units;
        second = ew2 + 2.0 * ewa0 * ev + ea0 * ev2 + (ea0_2 - ea0) * ev * ev;
        fs_factor = ea0 * m / (1.0 - ea);
        if base.triggers > 0 {
            per_trigger = ratio(base.a, base.triggers) / (1.0 - ea);
        }
        if game.mystery.is_none() {
            bonus_contrib = Some(symbol_means(game, &rules, fs.reel_set, set_name)?);
        }
    }
    let variance = (second - rtp_units * rtp_units).max(0.0);
    let volatility = variance.sqrt() / cost;

    let (symbols, base_line_rtp, base_scatter_rtp) = if game.mystery.is_none() {
        let means = symbol_means(game, &rules, 0, base_name)?;
        // Cross-check the two exact methods (uncapped): the distribution's mean must equal the sum of
        // the per-line and per-scatter means, as integers over the same full cycle.
        if cap_units.is_none() {
            assert_eq!(
                means.total_units(),
                Some(base.w),
                "per-symbol means disagree with the distribution"
            );
        }
        let n = means.cycle;
        let symbols = game
            .symbols
            .iter()
            .enumerate()
            .map(|(s, sym)| {
                let base_part = ratio(means.units[s], n) / cost;
                let fs_part = bonus_contrib.as_ref().map_or(0.0, |b: &SymbolMeans| {
                    ratio(b.units[s], b.cycle) * fs_factor / cost
                });
                SymbolContribution {
                    symbol: sym.name.clone(),
                    base: base_part,
                    free_spins: fs_part,
                }
            })
            .collect();
        (
            Some(symbols),
            Some(ratio(means.line_units, n) / cost),
            Some(ratio(means.scatter_units, n) / cost),
        )
    } else {
        (None, None, None)
    };

    let base_fraction = {
        let den =
            base.n
                .checked_mul(u128::from(game.cost))
                .ok_or_else(|| ExactError::Overflow {
                    set: base_name.clone(),
                })?;
        let g = gcd(base.w, den).max(1);
        format!("{}/{}", base.w / g, den / g)
    };
    let volatility_class = volatility_class(volatility);
    Ok(RtpReport {
        name: game.name.clone(),
        rtp: rtp_units / cost,
        base_rtp: ew / cost,
        free_spins_rtp: fs_units / cost,
        base_rtp_fraction: base_fraction,
        base_line_rtp,
        base_scatter_rtp,
        hit_frequency: base.mean(base.hits),
        free_spins_trigger_rate: base.mean(base.triggers),
        free_spins_per_trigger: per_trigger,
        volatility,
        volatility_index: volatility_index(volatility),
        volatility_class,
        cycle: game.reel_sets[0]
            .strips
            .iter()
            .map(|s| s.len() as u128)
            .product::<u128>()
            .to_string(),
        max_win_cap: game.max_win,
        cap_exact: game.max_win.is_some() && game.free_spins.is_none(),
        symbols,
    })
}

/// Per-symbol sums of one spin's win over the full cycle, from per-line tuple enumeration and the
/// scatter-count convolution (no mystery symbols).
#[derive(Debug, Clone)]
struct SymbolMeans {
    cycle: u128,
    /// Per symbol, total pay in line bets over the cycle (all lines, or all ways, plus scatter pays).
    units: Vec<u128>,
    line_units: u128,
    scatter_units: u128,
}

impl SymbolMeans {
    fn total_units(&self) -> Option<u128> {
        self.line_units.checked_add(self.scatter_units)
    }
}

fn symbol_means(
    game: &Game,
    rules: &Rules,
    set: usize,
    set_name: &str,
) -> Result<SymbolMeans, ExactError> {
    let of = || ExactError::Overflow {
        set: set_name.to_owned(),
    };
    let strips = &game.reel_sets[set].strips;
    let lens: Vec<u128> = strips.iter().map(|s| s.len() as u128).collect();
    let cycle: u128 = lens.iter().product();
    let nsym = game.symbols.len();
    // Per reel, how many stops show each symbol in a given row (the same for every row of a cyclic strip).
    let counts: Vec<Vec<u128>> = strips
        .iter()
        .map(|strip| {
            let mut c = vec![0u128; nsym];
            for &s in strip {
                c[s as usize] += 1;
            }
            c
        })
        .collect();
    // Product of the lengths of reels after `r`: the stops a finished line leaves free.
    let tail = |r: usize| -> u128 { lens[r + 1..].iter().product() };
    let mut units = vec![0u128; nsym];
    let mut line_units: u128 = 0;
    match &game.layout {
        Layout::Lines(lines) => {
            // Every line reads one cell per reel, each uniform over its strip and independent across
            // reels, so every line has the same distribution: enumerate one, multiply by the line count.
            let mut states: BTreeMap<u32, u128> = BTreeMap::from([(LINE_INIT, 1)]);
            let mut per_line = vec![0u128; nsym];
            for (r, reel_counts) in counts.iter().enumerate() {
                let mut next: BTreeMap<u32, u128> = BTreeMap::new();
                for (&st, &c) in &states {
                    for (sym, &k) in reel_counts.iter().enumerate() {
                        if k == 0 {
                            continue;
                        }
                        let (ns, done) = rules.step(st, sym as u8, r);
                        let weight = c.checked_mul(k).ok_or_else(of)?;
                        if let Some((pay, s)) = done {
                            let add = weight
                                .checked_mul(u128::from(pay))
                                .and_then(|x| x.checked_mul(tail(r)))
                                .ok_or_else(of)?;
                            per_line[s as usize] =
                                per_line[s as usize].checked_add(add).ok_or_else(of)?;
                        } else {
                            *next.entry(ns).or_insert(0) += weight;
                        }
                    }
                }
                states = next;
            }
            for (&st, &c) in &states {
                let (pay, s) = rules.finish(st, game.reels);
                let add = c.checked_mul(u128::from(pay)).ok_or_else(of)?;
                per_line[s as usize] = per_line[s as usize].checked_add(add).ok_or_else(of)?;
            }
            debug_assert!(states.keys().all(|&s| s != LINE_DONE));
            for s in 0..nsym {
                units[s] = per_line[s]
                    .checked_mul(lines.len() as u128)
                    .ok_or_else(of)?;
                line_units = line_units.checked_add(units[s]).ok_or_else(of)?;
            }
        }
        Layout::Ways => {
            // Reels are independent, so E[∏ k_r · 1{k_n = 0}] factorises: a run of exactly `n` reels
            // contributes pay[n-1] · ∏_{r<n} K_r · Z_n · ∏_{r>n} L_r, with K_r the sum of the ways weight
            // over reel r's stops and Z_n the number of stops of reel n without the symbol.
            let rows = game.rows;
            for &s in &rules.ways_symbols {
                let mut total: u128 = 0;
                let mut prefix: u128 = 1; // ∏_{r<n} K_r
                for (r, strip) in strips.iter().enumerate() {
                    let len = strip.len();
                    let mut k_sum: u128 = 0;
                    let mut zero: u128 = 0;
                    for stop in 0..len {
                        let col: Vec<u8> = (0..rows).map(|row| strip[(stop + row) % len]).collect();
                        let k = rules.ways_weight(&col, s);
                        k_sum += u128::from(k);
                        if k == 0 {
                            zero += 1;
                        }
                    }
                    if r > 0 {
                        // Run of exactly r reels: reel r lacks the symbol.
                        let pay = u128::from(rules.pay[s as usize][r - 1]);
                        let add = pay
                            .checked_mul(prefix)
                            .and_then(|x| x.checked_mul(zero))
                            .and_then(|x| x.checked_mul(tail(r)))
                            .ok_or_else(of)?;
                        total = total.checked_add(add).ok_or_else(of)?;
                    }
                    prefix = prefix.checked_mul(k_sum).ok_or_else(of)?;
                }
                let pay = u128::from(rules.pay[s as usize][game.reels - 1]);
                total = total
                    .checked_add(pay.checked_mul(prefix).ok_or_else(of)?)
                    .ok_or_else(of)?;
                units[s as usize] = total;
                line_units = line_units.checked_add(total).ok_or_else(of)?;
            }
        }
    }
    // Scatter pays: convolve the per-reel distributions of the symbol's count in the window.
    let mut scatter_units: u128 = 0;
    for s in game.counted_scatters() {
        let mut dist: BTreeMap<u32, u128> = BTreeMap::from([(0, 1)]);
        for strip in strips {
            let len = strip.len();
            let mut per_reel: BTreeMap<u32, u128> = BTreeMap::new();
            for stop in 0..len {
                let n = (0..game.rows)
                    .filter(|&row| strip[(stop + row) % len] as usize == s)
                    .count() as u32;
                *per_reel.entry(n).or_insert(0) += 1;
            }
            let mut next = BTreeMap::new();
            for (&a, &ca) in &dist {
                for (&b, &cb) in &per_reel {
                    *next.entry(a + b).or_insert(0) += ca * cb;
                }
            }
            dist = next;
        }
        let mut total: u128 = 0;
        for (&n, &c) in &dist {
            let pay = u128::from(game.scatter_pay(s, n)) * u128::from(game.cost);
            total = total
                .checked_add(c.checked_mul(pay).ok_or_else(of)?)
                .ok_or_else(of)?;
        }
        units[s] = total;
        scatter_units = scatter_units.checked_add(total).ok_or_else(of)?;
    }
    Ok(SymbolMeans {
        cycle,
        units,
        line_units,
        scatter_units,
    })
}

/// FxHash: a fast, deterministic hasher for the DP's integer keys (iteration order never reaches an
/// output: every result is an integer sum, independent of order).
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type StateMap = HashMap<Box<[u32]>, u128, BuildHasherDefault<Fx>>;

/// One distinct column of a reel with its multiplicity.
struct Column {
    cells: Vec<u8>,
    count: u128,
    /// Mystery symbols in the column before substitution.
    mystery: u32,
    /// Counts of each counted scatter (after substitution).
    scatters: Vec<u32>,
}

fn columns(game: &Game, set: usize, to: Option<usize>, scatters: &[usize]) -> Vec<Vec<Column>> {
    let rows = game.rows;
    let mystery = game.mystery.as_ref().map(|m| m.symbol);
    game.reel_sets[set]
        .strips
        .iter()
        .map(|strip| {
            let len = strip.len();
            let mut distinct: BTreeMap<Vec<u8>, u128> = BTreeMap::new();
            for stop in 0..len {
                let col: Vec<u8> = (0..rows).map(|row| strip[(stop + row) % len]).collect();
                *distinct.entry(col).or_insert(0) += 1;
            }
            distinct
                .into_iter()
                .map(|(mut cells, count)| {
                    let m = cells
                        .iter()
                        .filter(|&&c| Some(c as usize) == mystery)
                        .count() as u32;
                    if let (Some(ms), Some(to)) = (mystery, to) {
                        for c in &mut cells {
                            if *c as usize == ms {
                                *c = to as u8;
                            }
                        }
                    }
                    let sc = scatters
                        .iter()
                        .map(|&s| cells.iter().filter(|&&c| c as usize == s).count() as u32)
                        .collect();
                    Column {
                        cells,
                        count,
                        mystery: m,
                        scatters: sc,
                    }
                })
                .collect()
        })
        .collect()
}

/// Exact joint distribution of one spin's `(win, awards)` on reel set `set`, mystery symbols included.
pub fn distribution_of(game: &Game, set: usize) -> Result<Distribution, ExactError> {
    distribution(game, &Rules::new(game), set)
}

fn distribution(game: &Game, rules: &Rules, set: usize) -> Result<Distribution, ExactError> {
    let cycle: u128 = game.reel_sets[set]
        .strips
        .iter()
        .map(|s| s.len() as u128)
        .product();
    let Some(m) = &game.mystery else {
        let cells = pass(game, rules, set, None, |_| true)?;
        return Ok(Distribution {
            cells,
            total: cycle,
        });
    };
    // Condition on the drawn symbol: outcomes with at least `min_count` mysteries are weighted by the
    // draw's weight; the others (no transformation) by the whole weight total.
    let of = || ExactError::Overflow {
        set: game.reel_sets[set].name.clone(),
    };
    let mut cells: BTreeMap<(u64, u32), u128> = BTreeMap::new();
    let mut add = |part: BTreeMap<(u64, u32), u128>, weight: u64| -> Result<(), ExactError> {
        for (k, c) in part {
            let v = c.checked_mul(u128::from(weight)).ok_or_else(of)?;
            let e = cells.entry(k).or_insert(0);
            *e = e.checked_add(v).ok_or_else(of)?;
        }
        Ok(())
    };
    let none = pass(game, rules, set, None, |n| n < m.min_count)?;
    add(none, m.weight_total)?;
    for &(to, w) in &m.weights {
        let part = pass(game, rules, set, Some(to), |n| n >= m.min_count)?;
        add(part, w)?;
    }
    let total = cycle
        .checked_mul(u128::from(m.weight_total))
        .ok_or_else(of)?;
    Ok(Distribution { cells, total })
}

/// One dynamic-programming pass over the reels. Key layout: `[acc_lo, acc_hi, mystery, scatter counts…,
/// line states… | ways products (lo, hi)…]`.
fn pass(
    game: &Game,
    rules: &Rules,
    set: usize,
    to: Option<usize>,
    keep: impl Fn(u32) -> bool,
) -> Result<BTreeMap<(u64, u32), u128>, ExactError> {
    let set_name = &game.reel_sets[set].name;
    let of = || ExactError::Overflow {
        set: set_name.clone(),
    };
    let scatters = game.counted_scatters();
    let cols = columns(game, set, to, &scatters);
    let nsc = scatters.len();
    let head = 3 + nsc;
    let (lines, nstate) = match &game.layout {
        Layout::Lines(lines) => (Some(lines), lines.len()),
        Layout::Ways => (None, 2 * rules.ways_symbols.len()),
    };
    let mut init = vec![0u32; head + nstate];
    for i in 0..nstate {
        init[head + i] = match lines {
            Some(_) => LINE_INIT,
            None => u32::from(i % 2 == 0), // ways product 1 (lo word), 0 (hi word)
        };
    }
    let mut states: StateMap = StateMap::default();
    states.insert(init.into_boxed_slice(), 1);
    let mut out: BTreeMap<(u64, u32), u128> = BTreeMap::new();
    let mut key = vec![0u32; head + nstate];
    let last = game.reels - 1;
    for (r, reel_cols) in cols.iter().enumerate() {
        let mut next = StateMap::default();
        for (st, &cnt) in &states {
            for col in reel_cols {
                let weight = cnt.checked_mul(col.count).ok_or_else(of)?;
                key.copy_from_slice(st);
                let mut acc = u64::from(key[0]) | (u64::from(key[1]) << 32);
                key[2] += col.mystery;
                for i in 0..nsc {
                    key[3 + i] += col.scatters[i];
                }
                match lines {
                    Some(lines) => {
                        for (li, line) in lines.iter().enumerate() {
                            let s = key[head + li];
                            if s == LINE_DONE {
                                continue;
                            }
                            let (ns, done) = rules.step(s, col.cells[line[r]], r);
                            let ns = match done {
                                Some((pay, _)) => {
                                    acc = acc.checked_add(pay).ok_or_else(of)?;
                                    LINE_DONE
                                }
                                None if r == last => {
                                    let (pay, _) = rules.finish(ns, game.reels);
                                    acc = acc.checked_add(pay).ok_or_else(of)?;
                                    LINE_DONE
                                }
                                None => ns,
                            };
                            key[head + li] = ns;
                        }
                    }
                    None => {
                        for (i, &s) in rules.ways_symbols.iter().enumerate() {
                            let j = head + 2 * i;
                            let p = u64::from(key[j]) | (u64::from(key[j + 1]) << 32);
                            if p == 0 {
                                continue;
                            }
                            let k = rules.ways_weight(&col.cells, s);
                            let np = if k == 0 {
                                if r > 0 {
                                    let pay = rules.pay[s as usize][r - 1]
                                        .checked_mul(p)
                                        .ok_or_else(of)?;
                                    acc = acc.checked_add(pay).ok_or_else(of)?;
                                }
                                0
                            } else {
                                let np = p.checked_mul(k).ok_or_else(of)?;
                                if r == last {
                                    let pay = rules.pay[s as usize][last]
                                        .checked_mul(np)
                                        .ok_or_else(of)?;
                                    acc = acc.checked_add(pay).ok_or_else(of)?;
                                    0
                                } else {
                                    np
                                }
                            };
                            key[j] = np as u32;
                            key[j + 1] = (np >> 32) as u32;
                        }
                    }
                }
                if r == last {
                    if !keep(key[2]) {
                        continue;
                    }
                    let (pay, awards) = scatter_outcome(game, &scatters, &key[3..head]);
                    let win = acc.checked_add(pay).ok_or_else(of)?;
                    let e = out.entry((win, awards)).or_insert(0);
                    *e = e.checked_add(weight).ok_or_else(of)?;
                } else {
                    key[0] = acc as u32;
                    key[1] = (acc >> 32) as u32;
                    if let Some(e) = next.get_mut(&key[..]) {
                        *e = e.checked_add(weight).ok_or_else(of)?;
                    } else {
                        next.insert(key.clone().into_boxed_slice(), weight);
                    }
                }
            }
        }
        if r != last {
            if next.len() > DP_STATES_MAX {
                return Err(ExactError::TooManyStates {
                    set: set_name.clone(),
                    limit: DP_STATES_MAX,
                });
            }
            states = next;
        }
    }
    Ok(out)
}
