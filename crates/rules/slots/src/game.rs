//! A slot game as validated data: the YAML definition is parsed once into [`Game`], and every
//! later stage (evaluation, exact mathematics, simulation, play) trusts its invariants.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

/// Most reels a game may have: the full cycle (product of strip lengths) must stay far inside `u128`
/// even after multiplying by squared wins.
pub const REELS_MAX: usize = 6;
/// Most visible rows per reel.
pub const ROWS_MAX: usize = 8;
/// Most symbols: symbol indices are packed into 6-bit fields of the evaluator's line state.
pub const SYMBOLS_MAX: usize = 62;
/// Most paylines.
pub const LINES_MAX: usize = 200;
/// Longest reel strip.
pub const STRIP_LEN_MAX: usize = 1000;
/// Largest pay-table entry (multiples of the line bet or of the total bet).
pub const PAY_MAX: u64 = 1_000_000;
/// Largest wild or free-spin multiplier.
pub const MULTIPLIER_MAX: u64 = 1000;
/// Most free spins one scatter award may give.
pub const FREE_SPINS_AWARD_MAX: u32 = 1000;
/// Most free spins one round may play; further awards are forfeited (see docs/slots.md).
pub const FREE_SPINS_ROUND_MAX: u32 = 10_000;
/// Largest total of mystery weights.
pub const MYSTERY_WEIGHT_TOTAL_MAX: u64 = 1_000_000;
/// Largest total bet in bet units (`cost`).
pub const COST_MAX: u64 = 10_000;
/// Largest possible win of one spin, in line bets, free-spin multiplier included: with a line bet of at
/// most 2^24 minor units every spin's win fits `u64` exactly, and so do the simulator's round sums.
pub const SPIN_WIN_UNITS_MAX: u128 = 1 << 36;

/// A definition error: the key (a path such as `reel_sets.base[2][7]`) and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct GameError {
    pub key: String,
    pub reason: String,
}

impl GameError {
    fn new(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            reason: reason.into(),
        }
    }
}

/// One symbol of the game.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    /// Substitutes for every symbol except scatters on lines and ways.
    pub wild: bool,
    /// Line or way multiplier when this wild takes part (1 = none).
    pub wild_multiplier: u64,
    /// Pays by count anywhere in the window; never part of a line or way win.
    pub scatter: bool,
}

/// How wins are formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// Paylines: for each line, the row (0 = top) on each reel.
    Lines(Vec<Vec<usize>>),
    /// All left-to-right adjacent ways.
    Ways,
}

/// Free spins triggered by a scatter count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeSpins {
    /// Index of the trigger symbol.
    pub symbol: usize,
    /// Spins awarded by count: `awards[n - 1]` for `n` trigger symbols (the last entry for larger counts).
    pub awards: Vec<u32>,
    /// Multiplier of every win during free spins.
    pub multiplier: u64,
    /// Whether awards during free spins add spins.
    pub retrigger: bool,
    /// Index into [`Game::reel_sets`] used during free spins.
    pub reel_set: usize,
}

/// A mystery symbol: when at least `min_count` land, all of them turn into one symbol drawn by weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mystery {
    pub symbol: usize,
    pub min_count: u32,
    /// `(symbol index, weight)`, in symbol order.
    pub weights: Vec<(usize, u64)>,
    pub weight_total: u64,
}

/// A named set of cyclic strips, one per reel, holding symbol indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReelSet {
    pub name: String,
    pub strips: Vec<Vec<u8>>,
}

/// A validated game. Invariants: every index is in range, every strip is non-empty, every pay table has
/// one entry per reel, scatters and mysteries have no line pays, and the free-spin feature ends with
/// probability one (checked by the exact analysis, which needs the strips' statistics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Game {
    pub name: String,
    pub description: String,
    pub reels: usize,
    pub rows: usize,
    pub symbols: Vec<Symbol>,
    pub layout: Layout,
    /// Total bet in line bets: the number of lines, or `cost` for ways games.
    pub cost: u64,
    /// Line (or way) pays in line bets: `pays[symbol][n - 1]` for a run of `n`; zeros when absent.
    pub pays: Vec<Vec<u64>>,
    /// Scatter pays in total bets: `scatter_pays[symbol][n - 1]` for `n` anywhere (last entry for more);
    /// empty for non-scatters.
    pub scatter_pays: Vec<Vec<u64>>,
    pub free_spins: Option<FreeSpins>,
    pub mystery: Option<Mystery>,
    /// Cap on a round's total win, in total bets.
    pub max_win: Option<u64>,
    /// `reel_sets[0]` is the base game's set.
    pub reel_sets: Vec<ReelSet>,
}

impl Game {
    /// Index of the symbol called `name`.
    pub fn symbol_index(&self, name: &str) -> Option<usize> {
        self.symbols.iter().position(|s| s.name == name)
    }

    /// Number of paylines (0 for ways games).
    pub fn line_count(&self) -> usize {
        match &self.layout {
            Layout::Lines(lines) => lines.len(),
            Layout::Ways => 0,
        }
    }

    /// Free spins awarded for `count` trigger symbols.
    pub fn awards_for(&self, count: u32) -> u32 {
        match &self.free_spins {
            Some(fs) => table_at(&fs.awards, count),
            None => 0,
        }
    }

    /// Scatter pay (in total bets) of `symbol` for `count` anywhere.
    pub fn scatter_pay(&self, symbol: usize, count: u32) -> u64 {
        table_at(&self.scatter_pays[symbol], count)
    }

    /// Indices of the symbols with a scatter pay table or that trigger free spins, in order.
    pub fn counted_scatters(&self) -> Vec<usize> {
        let trigger = self.free_spins.as_ref().map(|f| f.symbol);
        (0..self.symbols.len())
            .filter(|&s| !self.scatter_pays[s].is_empty() || trigger == Some(s))
            .collect()
    }
}

/// `table[count - 1]`, the last entry for larger counts, 0 for a zero count or an empty table.
pub(crate) fn table_at<T: Copy + Default>(table: &[T], count: u32) -> T {
    if count == 0 || table.is_empty() {
        return T::default();
    }
    let i = (count as usize - 1).min(table.len() - 1);
    table[i]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGame {
    name: String,
    #[serde(default)]
    description: String,
    reels: usize,
    rows: usize,
    symbols: Vec<RawSymbol>,
    #[serde(default)]
    lines: Option<Vec<Vec<usize>>>,
    #[serde(default)]
    ways: bool,
    #[serde(default)]
    cost: Option<u64>,
    #[serde(default)]
    pays: BTreeMap<String, Vec<u64>>,
    #[serde(default)]
    scatter_pays: BTreeMap<String, Vec<u64>>,
    #[serde(default)]
    free_spins: Option<RawFreeSpins>,
    #[serde(default)]
    mystery: Option<RawMystery>,
    #[serde(default)]
    max_win: Option<u64>,
    reel_sets: BTreeMap<String, Vec<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSymbol {
    name: String,
    #[serde(default)]
    wild: bool,
    #[serde(default)]
    wild_multiplier: Option<u64>,
    #[serde(default)]
    scatter: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFreeSpins {
    trigger: RawTrigger,
    #[serde(default)]
    multiplier: Option<u64>,
    #[serde(default)]
    retrigger: bool,
    #[serde(default)]
    reels: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrigger {
    symbol: String,
    awards: Vec<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMystery {
    symbol: String,
    min_count: u32,
    becomes: BTreeMap<String, u64>,
}

/// Parse and validate a YAML game definition.
pub fn parse_game(yaml: &str) -> Result<Game, GameError> {
    let raw: RawGame =
        serde_yaml::from_str(yaml).map_err(|e| GameError::new("yaml", e.to_string()))?;
    validate(raw)
}

fn validate(raw: RawGame) -> Result<Game, GameError> {
    check_shape(&raw)?;
    let (reels, rows) = (raw.reels, raw.rows);
    let symbols = validate_symbols(raw.symbols)?;
    let layout = validate_layout(raw.lines, raw.ways, reels, rows)?;
    let cost = validate_cost(&layout, raw.cost)?;
    let pays = validate_pays(&raw.pays, &symbols, &layout, reels)?;
    let scatter_pays = validate_scatter_pays(&raw.scatter_pays, &symbols, reels, rows)?;
    let reel_sets = validate_reel_sets(&raw.reel_sets, &symbols, reels)?;
    let free_spins = raw
        .free_spins
        .map(|f| validate_free_spins(f, &symbols, &reel_sets, reels, rows))
        .transpose()?;
    let mystery = raw
        .mystery
        .map(|m| validate_mystery(m, &symbols, &pays, reels, rows))
        .transpose()?;
    let game = Game {
        name: raw.name,
        description: raw.description,
        reels,
        rows,
        symbols,
        layout,
        cost,
        pays,
        scatter_pays,
        free_spins,
        mystery,
        max_win: raw.max_win,
        reel_sets,
    };
    check_whole(&game)?;
    Ok(game)
}

/// The name, and the window's size.
fn check_shape(raw: &RawGame) -> Result<(), GameError> {
    if raw.name.trim().is_empty() {
        return Err(GameError::new("name", "must not be empty"));
    }
    if raw.reels == 0 || raw.reels > REELS_MAX {
        return Err(GameError::new(
            "reels",
            format!("must be between 1 and {REELS_MAX}"),
        ));
    }
    if raw.rows == 0 || raw.rows > ROWS_MAX {
        return Err(GameError::new(
            "rows",
            format!("must be between 1 and {ROWS_MAX}"),
        ));
    }
    Ok(())
}

/// The symbols: named, unique, never both wild and scatter, wild multipliers in range.
fn validate_symbols(raw_symbols: Vec<RawSymbol>) -> Result<Vec<Symbol>, GameError> {
    if raw_symbols.is_empty() || raw_symbols.len() > SYMBOLS_MAX {
        return Err(GameError::new(
            "symbols",
            format!("must list between 1 and {SYMBOLS_MAX} symbols"),
        ));
    }
    let mut symbols = Vec::with_capacity(raw_symbols.len());
    let mut seen = BTreeSet::new();
    for (i, s) in raw_symbols.into_iter().enumerate() {
        let key = format!("symbols[{i}]");
        if s.name.trim().is_empty() {
            return Err(GameError::new(format!("{key}.name"), "must not be empty"));
        }
        if !seen.insert(s.name.clone()) {
            return Err(GameError::new(
                format!("{key}.name"),
                format!("duplicate symbol `{}`", s.name),
            ));
        }
        if s.wild && s.scatter {
            return Err(GameError::new(
                key,
                "a symbol cannot be both wild and scatter",
            ));
        }
        if s.wild_multiplier.is_some() && !s.wild {
            return Err(GameError::new(
                format!("{key}.wild_multiplier"),
                "only wild symbols have a multiplier",
            ));
        }
        let wild_multiplier = s.wild_multiplier.unwrap_or(1);
        if wild_multiplier == 0 || wild_multiplier > MULTIPLIER_MAX {
            return Err(GameError::new(
                format!("{key}.wild_multiplier"),
                format!("must be between 1 and {MULTIPLIER_MAX}"),
            ));
        }
        symbols.push(Symbol {
            name: s.name,
            wild: s.wild,
            wild_multiplier,
            scatter: s.scatter,
        });
    }
    Ok(symbols)
}

/// The index of the symbol `name`, or an error at `key`.
fn index_of(symbols: &[Symbol], key: &str, name: &str) -> Result<usize, GameError> {
    symbols
        .iter()
        .position(|s| s.name == name)
        .ok_or_else(|| GameError::new(key, format!("unknown symbol `{name}`")))
}

/// Paylines (one row per reel, inside the window) or ways, never both.
fn validate_layout(
    lines: Option<Vec<Vec<usize>>>,
    ways: bool,
    reels: usize,
    rows: usize,
) -> Result<Layout, GameError> {
    Ok(match (lines, ways) {
        (Some(_), true) => {
            return Err(GameError::new(
                "ways",
                "a game has either `lines` or `ways: true`, not both",
            ));
        }
        (None, false) => {
            return Err(GameError::new(
                "lines",
                "missing: give paylines or set `ways: true`",
            ));
        }
        (None, true) => Layout::Ways,
        (Some(lines), false) => {
            if lines.is_empty() || lines.len() > LINES_MAX {
                return Err(GameError::new(
                    "lines",
                    format!("must list between 1 and {LINES_MAX} lines"),
                ));
            }
            for (i, line) in lines.iter().enumerate() {
                if line.len() != reels {
                    return Err(GameError::new(
                        format!("lines[{i}]"),
                        format!("has {} rows, expected one per reel ({reels})", line.len()),
                    ));
                }
                if let Some((r, &row)) = line.iter().enumerate().find(|&(_, &row)| row >= rows) {
                    return Err(GameError::new(
                        format!("lines[{i}][{r}]"),
                        format!("row {row} is outside the window (rows 0..{})", rows - 1),
                    ));
                }
            }
            Layout::Lines(lines)
        }
    })
}

/// The total bet in line bets: given, or the number of lines.
fn validate_cost(layout: &Layout, cost: Option<u64>) -> Result<u64, GameError> {
    Ok(match (layout, cost) {
        (Layout::Ways, None) => {
            return Err(GameError::new(
                "cost",
                "required for ways games (total bet in line bets)",
            ));
        }
        (_, Some(c)) if c == 0 || c > COST_MAX => {
            return Err(GameError::new(
                "cost",
                format!("must be between 1 and {COST_MAX}"),
            ));
        }
        (_, Some(c)) => c,
        (Layout::Lines(lines), None) => lines.len() as u64,
    })
}

/// Line or way pays: one entry per reel, for symbols that may pay on lines.
fn validate_pays(
    raw_pays: &BTreeMap<String, Vec<u64>>,
    symbols: &[Symbol],
    layout: &Layout,
    reels: usize,
) -> Result<Vec<Vec<u64>>, GameError> {
    let mut pays = vec![Vec::new(); symbols.len()];
    for (name, table) in raw_pays {
        let key = format!("pays.{name}");
        let s = index_of(symbols, &key, name)?;
        if symbols[s].scatter {
            return Err(GameError::new(
                key,
                "scatters pay through `scatter_pays`, not line pays",
            ));
        }
        if symbols[s].wild && *layout == Layout::Ways {
            return Err(GameError::new(
                key,
                "wild symbols have no pays of their own in ways games",
            ));
        }
        if table.len() != reels {
            return Err(GameError::new(
                key,
                format!(
                    "has {} entries, expected one per reel ({reels})",
                    table.len()
                ),
            ));
        }
        check_pays(&key, table)?;
        pays[s] = table.clone();
    }
    for p in &mut pays {
        if p.is_empty() {
            *p = vec![0; reels];
        }
    }
    Ok(pays)
}

/// Scatter pays, for scatter symbols only, by count anywhere in the window.
fn validate_scatter_pays(
    raw_pays: &BTreeMap<String, Vec<u64>>,
    symbols: &[Symbol],
    reels: usize,
    rows: usize,
) -> Result<Vec<Vec<u64>>, GameError> {
    let mut scatter_pays = vec![Vec::new(); symbols.len()];
    for (name, table) in raw_pays {
        let key = format!("scatter_pays.{name}");
        let s = index_of(symbols, &key, name)?;
        if !symbols[s].scatter {
            return Err(GameError::new(
                key,
                format!("symbol `{name}` is not marked `scatter: true`"),
            ));
        }
        if table.is_empty() || table.len() > reels * rows {
            return Err(GameError::new(
                key,
                format!("must have between 1 and {} entries", reels * rows),
            ));
        }
        check_pays(&key, table)?;
        scatter_pays[s] = table.clone();
    }

    Ok(scatter_pays)
}

/// The reel sets: `base` first, then the others in name order; one strip per reel of known symbols.
fn validate_reel_sets(
    raw_sets: &BTreeMap<String, Vec<Vec<String>>>,
    symbols: &[Symbol],
    reels: usize,
) -> Result<Vec<ReelSet>, GameError> {
    if raw_sets.is_empty() {
        return Err(GameError::new(
            "reel_sets",
            "must define at least the `base` set",
        ));
    }
    if !raw_sets.contains_key("base") {
        return Err(GameError::new(
            "reel_sets.base",
            "missing: the base game's reel set is required",
        ));
    }
    let mut reel_sets = Vec::new();
    // Base first, then the others in name order, so indices are stable.
    let mut names: Vec<&String> = raw_sets.keys().collect();
    names.sort_by_key(|n| (n.as_str() != "base", n.as_str()));
    for name in names {
        let strips_raw = &raw_sets[name];
        let key = format!("reel_sets.{name}");
        if strips_raw.len() != reels {
            return Err(GameError::new(
                key,
                format!(
                    "has {} strips, expected one per reel ({reels})",
                    strips_raw.len()
                ),
            ));
        }
        let mut strips = Vec::with_capacity(reels);
        for (r, strip) in strips_raw.iter().enumerate() {
            if strip.is_empty() || strip.len() > STRIP_LEN_MAX {
                return Err(GameError::new(
                    format!("{key}[{r}]"),
                    format!("must hold between 1 and {STRIP_LEN_MAX} symbols"),
                ));
            }
            let mut out = Vec::with_capacity(strip.len());
            for (p, sym) in strip.iter().enumerate() {
                let s = index_of(symbols, &format!("{key}[{r}][{p}]"), sym)?;
                out.push(u8::try_from(s).map_err(|_| GameError::new(&key, "too many symbols"))?);
            }
            strips.push(out);
        }
        reel_sets.push(ReelSet {
            name: name.clone(),
            strips,
        });
    }

    Ok(reel_sets)
}

/// The free-spin feature: a scatter trigger, awards in range, a multiplier, a known reel set.
fn validate_free_spins(
    f: RawFreeSpins,
    symbols: &[Symbol],
    reel_sets: &[ReelSet],
    reels: usize,
    rows: usize,
) -> Result<FreeSpins, GameError> {
    let symbol = index_of(symbols, "free_spins.trigger.symbol", &f.trigger.symbol)?;
    if !symbols[symbol].scatter {
        return Err(GameError::new(
            "free_spins.trigger.symbol",
            "the trigger symbol must be a scatter",
        ));
    }
    if f.trigger.awards.is_empty() || f.trigger.awards.len() > reels * rows {
        return Err(GameError::new(
            "free_spins.trigger.awards",
            format!("must have between 1 and {} entries", reels * rows),
        ));
    }
    if f.trigger.awards.iter().any(|&a| a > FREE_SPINS_AWARD_MAX) {
        return Err(GameError::new(
            "free_spins.trigger.awards",
            format!("an award exceeds {FREE_SPINS_AWARD_MAX} spins"),
        ));
    }
    if f.trigger.awards.iter().all(|&a| a == 0) {
        return Err(GameError::new(
            "free_spins.trigger.awards",
            "no count awards any spins",
        ));
    }
    let multiplier = f.multiplier.unwrap_or(1);
    if multiplier == 0 || multiplier > MULTIPLIER_MAX {
        return Err(GameError::new(
            "free_spins.multiplier",
            format!("must be between 1 and {MULTIPLIER_MAX}"),
        ));
    }
    let set_name = f.reels.unwrap_or_else(|| "base".to_owned());
    let reel_set = reel_sets
        .iter()
        .position(|s| s.name == set_name)
        .ok_or_else(|| {
            GameError::new("free_spins.reels", format!("unknown reel set `{set_name}`"))
        })?;
    Ok(FreeSpins {
        symbol,
        awards: f.trigger.awards,
        multiplier,
        retrigger: f.retrigger,
        reel_set,
    })
}

/// The mystery symbol: neither wild nor scatter, no pays of its own, what it becomes and how often.
fn validate_mystery(
    m: RawMystery,
    symbols: &[Symbol],
    pays: &[Vec<u64>],
    reels: usize,
    rows: usize,
) -> Result<Mystery, GameError> {
    let symbol = index_of(symbols, "mystery.symbol", &m.symbol)?;
    if symbols[symbol].wild || symbols[symbol].scatter {
        return Err(GameError::new(
            "mystery.symbol",
            "a mystery symbol cannot be wild or scatter",
        ));
    }
    if pays[symbol].iter().any(|&p| p > 0) {
        return Err(GameError::new(
            format!("pays.{}", m.symbol),
            "a mystery symbol has no pays of its own",
        ));
    }
    if m.min_count == 0 || m.min_count as usize > reels * rows {
        return Err(GameError::new(
            "mystery.min_count",
            format!("must be between 1 and {}", reels * rows),
        ));
    }
    if m.becomes.is_empty() {
        return Err(GameError::new(
            "mystery.becomes",
            "must list at least one symbol",
        ));
    }
    let mut weights = Vec::new();
    let mut weight_total: u64 = 0;
    for (name, &w) in &m.becomes {
        let key = format!("mystery.becomes.{name}");
        let s = index_of(symbols, &key, name)?;
        if s == symbol {
            return Err(GameError::new(
                key,
                "the mystery symbol cannot become itself",
            ));
        }
        if w == 0 {
            return Err(GameError::new(key, "weight must be positive"));
        }
        weight_total = weight_total.saturating_add(w);
        weights.push((s, w));
    }
    if weight_total > MYSTERY_WEIGHT_TOTAL_MAX {
        return Err(GameError::new(
            "mystery.becomes",
            format!("weights total more than {MYSTERY_WEIGHT_TOTAL_MAX}"),
        ));
    }
    weights.sort_unstable();
    Ok(Mystery {
        symbol,
        min_count: m.min_count,
        weights,
        weight_total,
    })
}

/// The checks over the whole game: the win cap in range, every reel set used, retriggers that end,
/// and one spin's largest win within what the evaluator supports.
fn check_whole(game: &Game) -> Result<(), GameError> {
    let (reels, rows, reel_sets) = (game.reels, game.rows, &game.reel_sets);
    let (free_spins, mystery) = (&game.free_spins, &game.mystery);
    if let Some(m) = game.max_win
        && (m == 0 || m > PAY_MAX)
    {
        return Err(GameError::new(
            "max_win",
            format!("must be between 1 and {PAY_MAX} total bets"),
        ));
    }

    // Every reel set must be reachable, or it is probably a typo.
    for (i, set) in reel_sets.iter().enumerate() {
        let used = i == 0 || free_spins.as_ref().is_some_and(|f| f.reel_set == i);
        if !used {
            return Err(GameError::new(
                format!("reel_sets.{}", set.name),
                "is never used",
            ));
        }
    }

    // Retriggering free spins must end: a free spin must award fewer than one spin on average.
    if let Some(fs) = free_spins.as_ref().filter(|f| f.retrigger) {
        let set = &reel_sets[fs.reel_set];
        // A mystery symbol that can become the trigger counts as one (an upper bound of the awards).
        let also = mystery
            .as_ref()
            .filter(|m| m.weights.iter().any(|&(s, _)| s == fs.symbol))
            .map(|m| m.symbol);
        let (awards, cycle) = expected_awards(set, rows, fs, also);
        if awards >= cycle {
            return Err(GameError::new(
                "free_spins.retrigger",
                format!(
                    "a free spin on `{}` awards {:.6} spins on average (at least one), so the feature never ends",
                    set.name,
                    awards as f64 / cycle as f64
                ),
            ));
        }
    }

    let bound = spin_win_bound(
        &game.symbols,
        &game.layout,
        rows,
        reels,
        game.cost,
        &game.pays,
        &game.scatter_pays,
        free_spins.as_ref(),
    );
    if bound > SPIN_WIN_UNITS_MAX {
        return Err(GameError::new(
            "pays",
            format!(
                "one spin could win {bound} line bets, more than the supported {SPIN_WIN_UNITS_MAX}"
            ),
        ));
    }

    Ok(())
}

/// An upper bound of one spin's win in line bets (every line or way at the largest pay and multiplier,
/// every scatter at its largest pay), times the free-spin multiplier.
#[allow(
    clippy::too_many_arguments,
    reason = "a private helper over the validated parts of a game"
)]
fn spin_win_bound(
    symbols: &[Symbol],
    layout: &Layout,
    rows: usize,
    reels: usize,
    cost: u64,
    pays: &[Vec<u64>],
    scatter_pays: &[Vec<u64>],
    free_spins: Option<&FreeSpins>,
) -> u128 {
    let max_pay = u128::from(pays.iter().flatten().copied().max().unwrap_or(0));
    let max_wm = u128::from(
        symbols
            .iter()
            .filter(|s| s.wild)
            .map(|s| s.wild_multiplier)
            .max()
            .unwrap_or(1),
    );
    let wins = match layout {
        Layout::Lines(lines) => lines.len() as u128 * max_pay * max_wm,
        Layout::Ways => {
            let per_reel = rows as u128 * max_wm;
            let ways = (0..reels).fold(1u128, |acc, _| acc.saturating_mul(per_reel));
            (symbols.len() as u128)
                .saturating_mul(max_pay)
                .saturating_mul(ways)
        }
    };
    let scatter: u128 = scatter_pays
        .iter()
        .map(|t| u128::from(t.iter().copied().max().unwrap_or(0)) * u128::from(cost))
        .sum();
    let m = u128::from(free_spins.map_or(1, |f| f.multiplier));
    wins.saturating_add(scatter).saturating_mul(m)
}

/// Total free spins awarded over the full cycle of `set`, and the cycle length: the trigger count's
/// distribution is the convolution of each reel's windowed count (`also` counts as the trigger too).
fn expected_awards(
    set: &ReelSet,
    rows: usize,
    fs: &FreeSpins,
    also: Option<usize>,
) -> (u128, u128) {
    let mut dist: Vec<u128> = vec![1];
    for strip in &set.strips {
        let len = strip.len();
        let mut per_reel = vec![0u128; rows + 1];
        for stop in 0..len {
            let n = (0..rows)
                .filter(|&row| {
                    let c = strip[(stop + row) % len] as usize;
                    c == fs.symbol || Some(c) == also
                })
                .count();
            per_reel[n] += 1;
        }
        let mut next = vec![0u128; dist.len() + rows];
        for (a, &ca) in dist.iter().enumerate() {
            for (b, &cb) in per_reel.iter().enumerate() {
                next[a + b] += ca * cb;
            }
        }
        dist = next;
    }
    let cycle = dist.iter().sum();
    let awards = dist
        .iter()
        .enumerate()
        .map(|(n, &c)| c * u128::from(table_at(&fs.awards, n as u32)))
        .sum();
    (awards, cycle)
}

fn check_pays(key: &str, table: &[u64]) -> Result<(), GameError> {
    if let Some((i, p)) = table.iter().enumerate().find(|&(_, &p)| p > PAY_MAX) {
        return Err(GameError::new(
            format!("{key}[{i}]"),
            format!("{p} exceeds the largest pay {PAY_MAX}"),
        ));
    }
    Ok(())
}
