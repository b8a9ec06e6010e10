//! Pure functions behind `playhouse slots rtp|check|simulate`: they take the already-read YAML text and
//! argument values and return the JSON to print, so the binary stays a thin shell.

use serde_json::json;

use crate::exact::analyze;
use crate::game::{Game, Layout, parse_game};

pub use crate::sim::{SimStats, simulate_shard};

/// A command failure; its Display is one line naming the key or argument and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError(pub String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CliError {}

/// Parse and validate a game definition.
pub fn parse(yaml: &str) -> Result<Game, CliError> {
    parse_game(yaml).map_err(|e| CliError(e.to_string()))
}

/// `playhouse slots rtp GAME.yaml`: the exact analysis as JSON.
pub fn rtp(yaml: &str) -> Result<serde_json::Value, CliError> {
    let game = parse(yaml)?;
    let report = analyze(&game).map_err(|e| CliError(e.to_string()))?;
    serde_json::to_value(&report).map_err(|e| CliError(format!("report: {e}")))
}

/// `playhouse slots check GAME.yaml`: validate and summarise a definition.
pub fn check(yaml: &str) -> Result<serde_json::Value, CliError> {
    let game = parse(yaml)?;
    let (layout, lines) = match &game.layout {
        Layout::Lines(l) => ("lines", l.len()),
        Layout::Ways => ("ways", 0),
    };
    Ok(json!({
        "ok": true,
        "name": game.name,
        "reels": game.reels,
        "rows": game.rows,
        "symbols": game.symbols.len(),
        "layout": layout,
        "lines": lines,
        "cost": game.cost,
        "reel_sets": game.reel_sets.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
        "free_spins": game.free_spins.is_some(),
        "mystery": game.mystery.is_some(),
        "max_win": game.max_win,
    }))
}
