//! `playhouse compete …`: thin wiring from arguments and files to the pure `compete` crate.

use std::path::{Path, PathBuf};

use super::ToolOutput;

/// `compete` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum CompeteCommand {
    /// The economy simulator: a definition over historical events or a synthetic population;
    /// prints the forecast (participants, events, prize_total, payback_ratio…) as JSON.
    Simulate {
        /// The contest definition (YAML).
        definition: PathBuf,
        /// Historical events, one JSON object per line (stream events or facts).
        #[arg(long, conflicts_with = "players")]
        events: Option<PathBuf>,
        /// Synthetic players.
        #[arg(long, default_value_t = 1_000)]
        players: u32,
        /// Seed of the synthetic population; the same seed gives the same forecast.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Validates a definition (errors name the key).
    Check {
        /// The contest or mission definition (YAML).
        definition: PathBuf,
    },
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Most synthetic players accepted.
const PLAYERS_MAX: u32 = 10_000_000;

/// Runs a subcommand.
pub fn run(action: &CompeteCommand) -> Result<ToolOutput, String> {
    let v = match action {
        CompeteCommand::Check { definition } => compete::cli::check(&read(definition)?)?,
        CompeteCommand::Simulate {
            definition,
            events,
            players,
            seed,
        } => {
            if *players == 0 || *players > PLAYERS_MAX {
                return Err(format!("--players must be between 1 and {PLAYERS_MAX}"));
            }
            let events = match events {
                Some(p) => Some(compete::cli::read_events(&read(p)?)?),
                None => None,
            };
            compete::cli::simulate(&read(definition)?, events, *players, *seed)?
        }
    };
    Ok(ToolOutput::json(&v))
}
