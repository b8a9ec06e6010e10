//! `playhouse guandan …`: thin wiring from arguments and stdin to the pure `guandan` crate.

use super::{ToolOutput, read_stdin};

/// `guandan` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum GuandanCommand {
    /// Every legal play for `{"level", "hand", "top"}` on stdin, as AI-competition moves.
    Moves {
        /// Rules profile: official-2022 or competition.
        #[arg(long, default_value = "official-2022")]
        rules: String,
    },
    /// A bot's choice for one AI-competition `act` message on stdin: `{"actIndex": i}`.
    Decide {
        /// Bot: random, greedy or expert.
        #[arg(long, default_value = "expert")]
        bot: String,
    },
    /// Plays complete matches between bots and prints statistics.
    Selfplay {
        /// Number of matches.
        #[arg(long)]
        games: u32,
        /// Seed of the whole run.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Four bots, seats 0..3, comma-separated.
        #[arg(long, default_value = "expert,greedy,expert,greedy")]
        bots: String,
        /// Rules profile.
        #[arg(long, default_value = "official-2022")]
        rules: String,
    },
    /// Re-plays a recorded match (JSON: seed, rules, actions) and prints the final state hash.
    Replay {
        /// The recorded match; `-` reads stdin.
        file: std::path::PathBuf,
    },
}

/// Runs a subcommand.
pub fn run(action: &GuandanCommand) -> Result<ToolOutput, String> {
    let out = match action {
        GuandanCommand::Moves { rules } => guandan::cli::moves(&read_stdin()?, rules),
        GuandanCommand::Decide { bot } => guandan::cli::decide(&read_stdin()?, bot),
        GuandanCommand::Selfplay {
            games,
            seed,
            bots,
            rules,
        } => {
            let started = api::clock::instant();
            let stats =
                guandan::cli::selfplay(*games, *seed, bots, rules).map_err(|e| e.to_string())?;
            Ok(stats.to_json(started.elapsed().as_secs_f64()))
        }
        GuandanCommand::Replay { file } => {
            let text = if file.as_os_str() == "-" {
                read_stdin()?
            } else {
                std::fs::read_to_string(file)
                    .map_err(|e| format!("FILE: cannot read {}: {e}", file.display()))?
            };
            guandan::cli::replay(&text)
        }
    };
    out.map(|v| ToolOutput::json(&v)).map_err(|e| e.to_string())
}
