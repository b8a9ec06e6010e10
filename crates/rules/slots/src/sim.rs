//! Monte-Carlo simulator: plays rounds with a seeded ChaCha stream at a line bet of one unit, with
//! precomputed strips and no allocation per spin. Statistics are integer sums, so shards merge exactly
//! and a run is a pure function of `(game, spins, seed, shard)`.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde_json::json;

use crate::eval::Rules;
use crate::game::{FREE_SPINS_ROUND_MAX, Game, Layout, REELS_MAX, ROWS_MAX, table_at};

/// Integer statistics of simulated rounds; money in line bets (a line bet of one unit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimStats {
    pub spins: u64,
    /// Total bet per round, in line bets.
    pub cost: u64,
    pub win: u128,
    pub win_squared: u128,
    pub base_win: u128,
    pub free_spins_win: u128,
    pub hits: u64,
    pub triggers: u64,
    pub free_spins_played: u64,
    pub capped_rounds: u64,
    /// Largest round win, in line bets.
    pub max_win: u64,
}

impl SimStats {
    /// Add another shard's statistics (same game).
    pub fn merge(&mut self, other: &SimStats) {
        assert!(
            self.spins == 0 || other.spins == 0 || self.cost == other.cost,
            "shards of one game"
        );
        if self.spins == 0 {
            self.cost = other.cost;
        }
        self.spins += other.spins;
        self.win += other.win;
        self.win_squared += other.win_squared;
        self.base_win += other.base_win;
        self.free_spins_win += other.free_spins_win;
        self.hits += other.hits;
        self.triggers += other.triggers;
        self.free_spins_played += other.free_spins_played;
        self.capped_rounds += other.capped_rounds;
        self.max_win = self.max_win.max(other.max_win);
    }

    /// Mean return per round (fraction of the total bet).
    pub fn rtp(&self) -> f64 {
        if self.spins == 0 {
            0.0
        } else {
            self.win as f64 / (self.spins as f64 * self.cost as f64)
        }
    }

    /// Sample standard deviation of a round's return, in total bets.
    pub fn volatility(&self) -> f64 {
        if self.spins < 2 {
            return 0.0;
        }
        let n = self.spins as f64;
        let c = self.cost as f64;
        let mean = self.win as f64 / n;
        let var = (self.win_squared as f64 / n - mean * mean) * n / (n - 1.0);
        var.max(0.0).sqrt() / c
    }

    /// 95% confidence interval of the RTP (normal approximation).
    pub fn ci95(&self) -> [f64; 2] {
        let half = if self.spins == 0 {
            0.0
        } else {
            1.959_963_984_540_054 * self.volatility() / (self.spins as f64).sqrt()
        };
        let r = self.rtp();
        [r - half, r + half]
    }

    /// The report printed by `playhouse slots simulate`.
    pub fn to_json(&self, elapsed_secs: f64) -> serde_json::Value {
        let n = self.spins.max(1) as f64;
        let bet = self.spins.max(1) as f64 * self.cost.max(1) as f64;
        json!({
            "spins": self.spins,
            "rtp": self.rtp(),
            "ci95": self.ci95(),
            "base_rtp": self.base_win as f64 / bet,
            "free_spins_rtp": self.free_spins_win as f64 / bet,
            "hit_frequency": self.hits as f64 / n,
            "free_spins_trigger_rate": self.triggers as f64 / n,
            "free_spins_played": self.free_spins_played,
            "capped_rounds": self.capped_rounds,
            "volatility": self.volatility(),
            "max_win": self.max_win as f64 / self.cost.max(1) as f64,
            "spins_per_sec": if elapsed_secs > 0.0 { self.spins as f64 / elapsed_secs } else { 0.0 },
            "elapsed_secs": elapsed_secs,
        })
    }
}

/// Per reel stop: whether the window column holds a wild, and counts of up to three counted scatters
/// (bytes 0-2) and of the mystery symbol (byte 3), so a spin sums four bytes at once.
#[derive(Debug, Clone, Copy, Default)]
struct StopInfo {
    wild: bool,
    counts: u32,
}

/// Counted scatters the packed fast path handles; games with more use the general path.
const PACKED_SCATTERS_MAX: usize = 3;

/// Size of the simulator's window buffer: `REELS_MAX × STRIDE` = 48 cells, rounded up to a power of two so
/// masked indices need no bounds checks.
const WINDOW_BUF: usize = 64;

/// The cell at window index `i` (masked into the buffer; indices are built below 48).
#[inline]
fn cell(window: &[u8; WINDOW_BUF], i: u8) -> u8 {
    window[(i & 63) as usize]
}

/// Stride of a reel's column in the simulator's window buffer: every column is copied as a fixed
/// 8-byte block (one load and store) and only its first `rows` cells are read.
const STRIDE: usize = ROWS_MAX;

/// A game prepared for fast play: strips extended by `STRIDE - 1` cells so a column is a fixed block,
/// per-stop summaries, and pay tables indexed by count.
#[derive(Debug, Clone)]
pub struct Simulator<'g> {
    game: &'g Game,
    rules: Rules,
    sets: Vec<Vec<Vec<u8>>>,
    info: Vec<Vec<Vec<StopInfo>>>,
    lens: Vec<Vec<u32>>,
    /// Per line, the window index of its cell on each reel.
    lines: Vec<[u8; REELS_MAX]>,
    /// Symbol lookups as fixed tables indexed by `symbol & 63`, so the inner loops carry no bounds checks.
    wild: [bool; 64],
    wild_mult: [u64; 64],
    pay: Box<[[u64; 8]; 64]>,
    scatters: Vec<usize>,
    packed: bool,
    /// Per counted scatter, by count: pay in line bets and free spins awarded.
    scatter_pay: Vec<Vec<u64>>,
    scatter_awards: Vec<Vec<u32>>,
    cap: Option<u64>,
}

impl<'g> Simulator<'g> {
    #[allow(
        clippy::expect_used,
        reason = "validated games have fewer symbols and window cells than a u8 holds"
    )]
    pub fn new(game: &'g Game) -> Self {
        let rows = game.rows;
        let scatters = game.counted_scatters();
        let packed = scatters.len() <= PACKED_SCATTERS_MAX;
        let mystery = game.mystery.as_ref().map(|m| m.symbol);
        let sets = game
            .reel_sets
            .iter()
            .map(|set| {
                set.strips
                    .iter()
                    .map(|s| {
                        let mut e = s.clone();
                        e.extend((0..STRIDE - 1).map(|i| s[i % s.len()]));
                        e
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>();
        let info = sets
            .iter()
            .zip(&game.reel_sets)
            .map(|(ext, set)| {
                ext.iter()
                    .zip(&set.strips)
                    .map(|(e, strip)| {
                        (0..strip.len())
                            .map(|stop| {
                                let col = &e[stop..stop + rows];
                                let mut counts = 0u32;
                                if packed {
                                    for (i, &s) in scatters.iter().enumerate() {
                                        counts += (col.iter().filter(|&&c| c as usize == s).count()
                                            as u32)
                                            << (8 * i);
                                    }
                                }
                                counts +=
                                    (col.iter().filter(|&&c| Some(c as usize) == mystery).count()
                                        as u32)
                                        << 24;
                                StopInfo {
                                    wild: col.iter().any(|&c| game.symbols[c as usize].wild),
                                    counts,
                                }
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let lens = game
            .reel_sets
            .iter()
            .map(|set| set.strips.iter().map(|s| s.len() as u32).collect())
            .collect();
        let lines = match &game.layout {
            Layout::Lines(lines) => lines
                .iter()
                .map(|l| {
                    let mut a = [0u8; REELS_MAX];
                    for (r, &row) in l.iter().enumerate() {
                        a[r] = u8::try_from(r * STRIDE + row).expect("window index below 48");
                    }
                    a
                })
                .collect(),
            Layout::Ways => Vec::new(),
        };
        let cells = game.reels * rows;
        let trigger = game.free_spins.as_ref().map(|f| f.symbol);
        let scatter_pay = scatters
            .iter()
            .map(|&s| {
                (0..=cells as u32)
                    .map(|n| table_at(&game.scatter_pays[s], n) * game.cost)
                    .collect()
            })
            .collect();
        let scatter_awards = scatters
            .iter()
            .map(|&s| {
                (0..=cells as u32)
                    .map(|n| {
                        if trigger == Some(s) {
                            game.awards_for(n)
                        } else {
                            0
                        }
                    })
                    .collect()
            })
            .collect();
        let rules = Rules::new(game);
        let mut wild = [false; 64];
        let mut wild_mult = [1u64; 64];
        let mut pay = Box::new([[0u64; 8]; 64]);
        for (i, sym) in game.symbols.iter().enumerate() {
            wild[i] = sym.wild;
            wild_mult[i] = sym.wild_multiplier;
            pay[i][..REELS_MAX].copy_from_slice(&rules.pay[i]);
        }
        Self {
            game,
            rules,
            wild,
            wild_mult,
            pay,
            sets,
            info,
            lens,
            lines,
            scatters,
            packed,
            scatter_pay,
            scatter_awards,
            cap: game.max_win.map(|m| m.saturating_mul(game.cost)),
        }
    }

    /// One spin on reel set `set`: `(win in line bets before multipliers, free spins awarded)`.
    #[inline]
    pub fn spin_units(&self, set: usize, rng: &mut impl RngCore) -> (u64, u32) {
        let mut stops = [0u32; REELS_MAX];
        let lens = &self.lens[set];
        // One 64-bit draw serves two reels.
        for (pair, lens) in stops.chunks_mut(2).zip(lens.chunks(2)) {
            let x = rng.next_u64();
            pair[0] = bounded_from(x as u32, lens[0], rng);
            if let Some(&len) = lens.get(1) {
                pair[1] = bounded_from((x >> 32) as u32, len, rng);
            }
        }
        let mystery_weight = match &self.game.mystery {
            Some(m) => {
                let count: u32 = (0..self.game.reels)
                    .map(|r| self.info[set][r][stops[r] as usize].counts >> 24)
                    .sum();
                if count >= m.min_count {
                    bounded(rng, m.weight_total as u32)
                } else {
                    0
                }
            }
            None => 0,
        };
        self.units_at(set, &stops[..self.game.reels], u64::from(mystery_weight))
    }

    /// The fast path's result for given stops (one per reel, each inside its strip: a precondition, as
    /// this is the simulator's inner loop); `mystery_weight` in `0..weight_total` selects the mystery
    /// symbol by cumulative weight when enough mystery symbols land (ignored otherwise).
    #[inline]
    pub fn units_at(&self, set: usize, stops: &[u32], mystery_weight: u64) -> (u64, u32) {
        let game = self.game;
        let rows = game.rows;
        let mut buf = [0u8; WINDOW_BUF];
        let mut wild = false;
        let mut counts = 0u32;
        let info = &self.info[set];
        for (r, (ext, &stop)) in self.sets[set].iter().zip(stops).enumerate() {
            let stop = stop as usize;
            buf[r * STRIDE..(r + 1) * STRIDE].copy_from_slice(&ext[stop..stop + STRIDE]);
            let i = info[r][stop];
            wild |= i.wild;
            counts += i.counts;
        }
        let window = &mut buf;
        if let Some(m) = &game.mystery
            && counts >> 24 >= m.min_count
        {
            let mut acc = 0;
            let mut to = m.weights[0].0;
            for &(s, w) in &m.weights {
                acc += w;
                if mystery_weight < acc {
                    to = s;
                    break;
                }
            }
            for column in window[..game.reels * STRIDE].chunks_mut(STRIDE) {
                for c in &mut column[..rows] {
                    if *c as usize == m.symbol {
                        *c = to as u8;
                    }
                }
            }
            // The substitution changes wilds and scatters: take the general path.
            return self.window_units(window, true, None);
        }
        let counts = if self.packed {
            Some(counts & 0x00ff_ffff)
        } else {
            None
        };
        self.window_units(window, wild, counts)
    }

    /// Wins of a window whose reel `r` occupies `window[r * STRIDE..r * STRIDE + rows]`. `wild = false`
    /// promises no wild in the window (plain runs suffice); `counts` are the packed scatter counts, or
    /// `None` to count them in the window.
    #[inline]
    fn window_units(
        &self,
        window: &[u8; WINDOW_BUF],
        wild: bool,
        counts: Option<u32>,
    ) -> (u64, u32) {
        let game = self.game;
        let rules = &self.rules;
        let reels = game.reels;
        let mut win: u64 = 0;
        if self.lines.is_empty() {
            let rows = game.rows;
            for &s in &rules.ways_symbols {
                let mut ways: u64 = 1;
                let mut run = 0;
                for r in 0..reels {
                    let k = rules.ways_weight(&window[r * STRIDE..r * STRIDE + rows], s);
                    if k == 0 {
                        break;
                    }
                    ways *= k;
                    run = r + 1;
                }
                if run > 0 {
                    win += rules.pay[s as usize][run - 1] * ways;
                }
            }
        } else if !wild {
            // No wild: a line's run is the cells equal to its first one.
            for line in &self.lines {
                let s = cell(window, line[0]);
                let mut run = 1;
                while run < reels && cell(window, line[run & 7]) == s {
                    run += 1;
                }
                win += self.pay[(s & 63) as usize][(run - 1) & 7];
            }
        } else {
            for line in &self.lines {
                win += self.line_pay_direct(window, line);
            }
        }
        let mut awards = 0;
        match counts {
            Some(0) => {}
            Some(packed) => {
                for i in 0..self.scatters.len() {
                    let n = ((packed >> (8 * i)) & 255) as usize;
                    win += self.scatter_pay[i][n];
                    awards += self.scatter_awards[i][n];
                }
            }
            None => {
                let rows = game.rows;
                for (i, &s) in self.scatters.iter().enumerate() {
                    let n: usize = window[..reels * STRIDE]
                        .chunks(STRIDE)
                        .map(|col| col[..rows].iter().filter(|&&c| c as usize == s).count())
                        .sum();
                    win += self.scatter_pay[i][n];
                    awards += self.scatter_awards[i][n];
                }
            }
        }
        (win, awards)
    }

    /// A line's pay read straight from the rules (leading wilds, first non-wild symbol, run, largest
    /// wild multiplier in the run); the packed automaton of `eval` computes the same, and a property test
    /// holds them equal.
    #[inline]
    fn line_pay_direct(&self, window: &[u8; WINDOW_BUF], line: &[u8; REELS_MAX]) -> u64 {
        let reels = self.game.reels;
        let mut lead = 0;
        let mut mult = 0u64;
        while lead < reels {
            let c = (cell(window, line[lead & 7]) & 63) as usize;
            if !self.wild[c] {
                break;
            }
            mult = mult.max(self.wild_mult[c]);
            lead += 1;
        }
        let wild_pay = if lead > 0 {
            self.pay[(cell(window, line[0]) & 63) as usize][(lead - 1) & 7]
        } else {
            0
        };
        if lead == reels {
            return wild_pay;
        }
        let s = cell(window, line[lead & 7]);
        let mut run = lead + 1;
        while run < reels {
            let c = cell(window, line[run & 7]);
            if c != s {
                let c = (c & 63) as usize;
                if !self.wild[c] {
                    break;
                }
                mult = mult.max(self.wild_mult[c]);
            }
            run += 1;
        }
        let sym_pay = self.pay[(s & 63) as usize][(run - 1) & 7] * mult.max(1);
        sym_pay.max(wild_pay)
    }

    /// Play one round; adds it to `stats`.
    #[inline]
    pub fn round(&self, rng: &mut impl RngCore, stats: &mut SimStats) {
        let (base, mut remaining) = self.spin_units(0, rng);
        let mut total = base;
        let mut fs_win = 0u64;
        let mut capped = false;
        if remaining > 0 {
            stats.triggers += 1;
        }
        if base > 0 || remaining > 0 {
            stats.hits += 1;
        }
        if let Some(fs) = &self.game.free_spins {
            let mut played = 0u32;
            while remaining > 0 {
                if self.cap.is_some_and(|c| total >= c) {
                    capped = true;
                    break;
                }
                if played >= FREE_SPINS_ROUND_MAX {
                    break;
                }
                remaining -= 1;
                played += 1;
                let (w, a) = self.spin_units(fs.reel_set, rng);
                let w = w * fs.multiplier;
                fs_win += w;
                total += w;
                if fs.retrigger {
                    remaining += a;
                }
            }
            stats.free_spins_played += u64::from(played);
        }
        if let Some(c) = self.cap
            && total > c
        {
            // Attribute the cut to free spins first: they are what pushed the round over.
            let cut = total - c;
            let from_fs = cut.min(fs_win);
            fs_win -= from_fs;
            total = c;
            capped = true;
            stats.base_win += u128::from(base - (cut - from_fs));
        } else {
            stats.base_win += u128::from(base);
        }
        if capped {
            stats.capped_rounds += 1;
        }
        stats.free_spins_win += u128::from(fs_win);
        stats.spins += 1;
        stats.win += u128::from(total);
        stats.win_squared += u128::from(total) * u128::from(total);
        stats.max_win = stats.max_win.max(total);
    }
}

/// Unbiased integer in `0..n` (Lemire's multiply-and-reject).
#[inline]
fn bounded(rng: &mut impl RngCore, n: u32) -> u32 {
    bounded_from(rng.next_u32(), n, rng)
}

/// [`bounded`] starting from an already drawn word `x`; rejections draw fresh words.
#[inline]
fn bounded_from(x: u32, n: u32, rng: &mut impl RngCore) -> u32 {
    debug_assert!(n > 0);
    let mut m = u64::from(x) * u64::from(n);
    if (m as u32) < n {
        let t = n.wrapping_neg() % n;
        while (m as u32) < t {
            m = u64::from(rng.next_u32()) * u64::from(n);
        }
    }
    (m >> 32) as u32
}

/// The RNG of shard `shard` of a run seeded with `seed`: independent ChaCha8 streams of one key.
pub fn shard_rng(seed: u64, shard: u32) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(u64::from(shard));
    rng
}

/// Simulate `spins` rounds of shard `shard`; deterministic per `(game, spins, seed, shard)`.
pub fn simulate_shard(game: &Game, spins: u64, seed: u64, shard: u32) -> SimStats {
    let sim = Simulator::new(game);
    let mut rng = shard_rng(seed, shard);
    let mut stats = SimStats {
        cost: game.cost,
        ..SimStats::default()
    };
    for _ in 0..spins {
        sim.round(&mut rng, &mut stats);
    }
    stats
}
