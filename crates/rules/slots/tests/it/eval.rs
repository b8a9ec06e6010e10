//! Window evaluation: readable scenarios, and a property test against a reference written directly
//! from the rules' wording (independent of the engine's packed line automaton).

use proptest::prelude::*;
use slots::{Game, evaluate, parse_game};

use crate::games_gen::small;

const GAME: &str = r"
name: eval
reels: 5
rows: 3
symbols:
  - {name: W, wild: true, wild_multiplier: 2}
  - {name: A}
  - {name: K}
  - {name: S, scatter: true}
lines:
  - [0, 0, 0, 0, 0]
pays:
  W: [0, 10, 100, 1000, 5000]
  A: [0, 0, 20, 100, 400]
  K: [0, 2, 10, 50, 200]
scatter_pays:
  S: [0, 0, 2, 10, 50]
reel_sets:
  base: [[A], [A], [A], [A], [A]]
";

/// Evaluate the top row given as text (other rows are `K`-free filler) and compare the line pay and
/// scatter pay, in line bets.
fn check(top: &str, line_pay: u64, scatter_pay: u64) {
    let game = parse_game(GAME).expect("valid");
    let mut window = Vec::new();
    for name in top.split_whitespace() {
        let s = game.symbol_index(name).expect("known symbol") as u8;
        window.extend([s, 1, 1]);
    }
    // Fill rows 1-2 with `A` (index 1): they are not on the line and hold no scatter.
    let wins = evaluate(&game, &window);
    let lines: u64 = wins.lines.iter().map(|l| l.pay).sum();
    let scatters: u64 = wins.scatters.iter().map(|s| s.pay).sum();
    assert_eq!((lines, scatters), (line_pay, scatter_pay), "{top}");
}

#[test]
fn line_scenarios() {
    check("A A A K K", 20, 0);
    check("A A A A A", 400, 0);
    check("K K A A A", 2, 0);
    check("W A A K K", 40, 0); // wild in the run doubles
    check("A W A W A", 800, 0); // doubled once, not per wild
    check("W W A K K", 40, 0); // 2 wilds pay 10, 3 A doubled pay 40
    check("W W W K A", 100, 0); // 3 wilds pay 100, 4 K doubled pay 100: a tie
    check("W W W W W", 5000, 0); // all wild pays as the wild
    check("W W S A A", 10, 0); // the scatter locks the line to a symbol with no pays
    check("S A A A A", 0, 0);
    check("S S S K K", 0, 2);
    check("K S S S S", 0, 10);
    check("A K A A A", 0, 0);
}

/// The rules' wording, literally: first non-wild symbol, run of that symbol or wilds, pay doubled once
/// by the wild multiplier; leading wilds also pay as the wild; the line pays the greater.
fn reference_line_pay(game: &Game, cells: &[usize]) -> u64 {
    let wild = |c: usize| game.symbols[c].wild;
    let n = cells.len();
    let first = cells.iter().position(|&c| !wild(c));
    let leading = first.unwrap_or(n);
    let wild_pay = if leading > 0 {
        game.pays[cells[0]][leading - 1]
    } else {
        0
    };
    let sym_pay = match first {
        None => 0,
        Some(i) => {
            let s = cells[i];
            if game.symbols[s].scatter {
                0
            } else {
                let run = cells.iter().take_while(|&&c| c == s || wild(c)).count();
                let mult = cells[..run]
                    .iter()
                    .filter(|&&c| wild(c))
                    .map(|&c| game.symbols[c].wild_multiplier)
                    .max()
                    .unwrap_or(1);
                game.pays[s][run - 1] * mult
            }
        }
    };
    wild_pay.max(sym_pay)
}

/// Ways rule, literally: for each paying symbol, count matching cells per reel (a wild counts its
/// multiplier) from reel 1 while non-zero; pay × product.
fn reference_ways_pay(game: &Game, window: &[u8]) -> u64 {
    let rows = game.rows;
    let mut total = 0;
    for s in 0..game.symbols.len() {
        if game.symbols[s].wild || game.symbols[s].scatter {
            continue;
        }
        let mut ways = 1;
        let mut run = 0;
        for r in 0..game.reels {
            let k: u64 = window[r * rows..(r + 1) * rows]
                .iter()
                .map(|&c| {
                    let c = c as usize;
                    if c == s {
                        1
                    } else if game.symbols[c].wild {
                        game.symbols[c].wild_multiplier
                    } else {
                        0
                    }
                })
                .sum();
            if k == 0 {
                break;
            }
            ways *= k;
            run += 1;
        }
        if run > 0 {
            total += game.pays[s][run - 1] * ways;
        }
    }
    total
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn lines_match_the_reference(small in small(false, false, false), cells in prop::collection::vec(0u8..6, 16)) {
        let game = small.game();
        let window: Vec<u8> = cells[..game.reels * game.rows].to_vec();
        let wins = evaluate(&game, &window);
        let slots::Layout::Lines(lines) = &game.layout else { unreachable!("line game") };
        let expected: u64 = lines
            .iter()
            .map(|line| {
                let cells: Vec<usize> = line.iter().enumerate().map(|(r, &row)| window[r * game.rows + row] as usize).collect();
                reference_line_pay(&game, &cells)
            })
            .sum();
        let got: u64 = wins.lines.iter().map(|l| l.pay).sum();
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn ways_match_the_reference(small in small(true, false, false), cells in prop::collection::vec(0u8..6, 16)) {
        let game = small.game();
        let window: Vec<u8> = cells[..game.reels * game.rows].to_vec();
        let wins = evaluate(&game, &window);
        let got: u64 = wins.ways.iter().map(|w| w.pay).sum();
        prop_assert_eq!(got, reference_ways_pay(&game, &window));
    }
}
