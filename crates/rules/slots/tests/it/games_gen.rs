//! Small random games for property tests: few reels and short strips, so the full cycle can be
//! enumerated stop by stop and compared with the exact analysis.

use proptest::prelude::*;
use slots::{Game, parse_game};

/// Parameters of a small game; symbols are `a`, `b`, `c`, `d`, the wild `w` and the scatter `s`
/// (and the mystery `m` when `mystery` is set).
#[derive(Debug, Clone)]
pub struct Small {
    pub reels: usize,
    pub rows: usize,
    pub ways: bool,
    pub wild_multiplier: u64,
    pub lines: Vec<Vec<usize>>,
    pub pays: Vec<Vec<u64>>,
    pub wild_pays: Vec<u64>,
    pub scatter_pays: Vec<u64>,
    pub strips: Vec<Vec<usize>>,
    pub bonus: Option<Vec<Vec<usize>>>,
    pub awards: Vec<u32>,
    pub mystery: Option<(u32, Vec<u64>)>,
}

pub const NAMES: [&str; 7] = ["a", "b", "c", "d", "w", "s", "m"];

impl Small {
    pub fn yaml(&self) -> String {
        let mut y = format!(
            "name: small\nreels: {}\nrows: {}\nsymbols:\n",
            self.reels, self.rows
        );
        y += "  - {name: a}\n  - {name: b}\n  - {name: c}\n  - {name: d}\n";
        y += &format!(
            "  - {{name: w, wild: true, wild_multiplier: {}}}\n",
            self.wild_multiplier
        );
        y += "  - {name: s, scatter: true}\n  - {name: m}\n";
        if self.ways {
            y += "ways: true\ncost: 10\n";
        } else {
            y += "lines:\n";
            for l in &self.lines {
                y += &format!("  - {l:?}\n");
            }
        }
        y += "pays:\n";
        for (i, p) in self.pays.iter().enumerate() {
            y += &format!("  {}: {p:?}\n", NAMES[i]);
        }
        if !self.ways {
            y += &format!("  w: {:?}\n", self.wild_pays);
        }
        y += &format!("scatter_pays:\n  s: {:?}\n", self.scatter_pays);
        if self.bonus.is_some() {
            y += &format!(
                "free_spins:\n  trigger: {{symbol: s, awards: {:?}}}\n  multiplier: 2\n  retrigger: true\n  reels: bonus\n",
                self.awards
            );
        }
        if let Some((min, weights)) = &self.mystery {
            y += &format!("mystery:\n  symbol: m\n  min_count: {min}\n  becomes: {{");
            let parts: Vec<String> = weights
                .iter()
                .enumerate()
                .map(|(i, w)| format!("{}: {w}", NAMES[i]))
                .collect();
            y += &parts.join(", ");
            y += ", w: 1}\n";
        }
        y += "reel_sets:\n  base:\n";
        let strip = |s: &Vec<usize>| {
            format!(
                "    - [{}]\n",
                s.iter().map(|&i| NAMES[i]).collect::<Vec<_>>().join(", ")
            )
        };
        for s in &self.strips {
            y += &strip(s);
        }
        if let Some(b) = &self.bonus {
            y += "  bonus:\n";
            for s in b {
                y += &strip(s);
            }
        }
        y
    }

    pub fn game(&self) -> Game {
        let y = self.yaml();
        parse_game(&y).unwrap_or_else(|e| panic!("{e}\n{y}"))
    }
}

fn strip(
    len: std::ops::RangeInclusive<usize>,
    symbols: usize,
) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..symbols, len)
}

/// Random small games. `mystery` adds the mystery symbol; `bonus` adds retriggering free spins whose
/// bonus strips hold at most one scatter each (so the feature ends).
pub fn small(ways: bool, mystery: bool, bonus: bool) -> impl Strategy<Value = Small> {
    let symbols = if mystery { 7 } else { 6 };
    (3usize..=4, 2usize..=3).prop_flat_map(move |(reels, rows)| {
        (
            1u64..=3,
            prop::collection::vec(prop::collection::vec(0..rows, reels), 1..=4),
            prop::collection::vec(prop::collection::vec(0u64..=20, reels), 4),
            prop::collection::vec(0u64..=30, reels),
            prop::collection::vec(0u64..=5, 1..=4),
            prop::collection::vec(strip(2..=5, symbols), reels),
            prop::collection::vec(prop::collection::vec(0usize..5, 6..=8), reels),
            (1u32..=3, prop::collection::vec(1u64..=4, 4)),
        )
            .prop_map(
                move |(wm, lines, pays, wild_pays, scatter_pays, strips, bonus_strips, myst)| {
                    let bonus = bonus.then(|| {
                        // Exactly one scatter on the first two reels' bonus strips: at most 2 per window,
                        // and awards of 1 for 2 scatters keep the expected retrigger below one.
                        bonus_strips
                            .into_iter()
                            .enumerate()
                            .map(|(r, mut s)| {
                                if r < 2 {
                                    s[0] = 5;
                                }
                                s
                            })
                            .collect()
                    });
                    Small {
                        reels,
                        rows,
                        ways,
                        wild_multiplier: wm,
                        lines,
                        pays,
                        wild_pays,
                        scatter_pays,
                        strips,
                        bonus,
                        awards: vec![0, 1, 3],
                        mystery: mystery.then_some(myst),
                    }
                },
            )
    })
}
