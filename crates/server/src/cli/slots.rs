//! `playhouse slots …`: thin wiring from arguments and definition files to the pure `slots` crate.

use std::path::{Path, PathBuf};

use super::ToolOutput;

/// Most simulation threads accepted.
const THREADS_MAX: u32 = 256;

/// `slots` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SlotsCommand {
    /// Exact RTP, hit frequency and volatility of a game definition.
    Rtp {
        /// The game definition (YAML).
        game: PathBuf,
    },
    /// Monte-Carlo simulation with a seeded RNG.
    Simulate {
        /// The game definition (YAML).
        game: PathBuf,
        /// Number of paid spins.
        #[arg(long)]
        spins: u64,
        /// Seed; the same (spins, seed, threads) always gives the same result.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Worker threads, each simulating one shard (1 = single core).
        #[arg(long, default_value_t = 1)]
        threads: u32,
    },
    /// Validates a game definition.
    Check {
        /// The game definition (YAML).
        game: PathBuf,
    },
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("GAME: cannot read {}: {e}", path.display()))
}

/// Runs a subcommand.
pub fn run(action: &SlotsCommand) -> Result<ToolOutput, String> {
    let v = match action {
        SlotsCommand::Rtp { game } => slots::cli::rtp(&read(game)?).map_err(|e| e.to_string())?,
        SlotsCommand::Check { game } => {
            slots::cli::check(&read(game)?).map_err(|e| e.to_string())?
        }
        SlotsCommand::Simulate {
            game,
            spins,
            seed,
            threads,
        } => {
            if *threads == 0 || *threads > THREADS_MAX {
                return Err(format!("--threads must be between 1 and {THREADS_MAX}"));
            }
            let def = slots::cli::parse(&read(game)?).map_err(|e| e.to_string())?;
            let started = api::clock::instant();
            let per = spins / u64::from(*threads);
            let extra = spins % u64::from(*threads);
            let shards: Vec<slots::sim::SimStats> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..*threads)
                    .map(|shard| {
                        let n = per + u64::from(u64::from(shard) < extra);
                        let def = &def;
                        s.spawn(move || slots::sim::simulate_shard(def, n, *seed, shard))
                    })
                    .collect();
                handles.into_iter().filter_map(|h| h.join().ok()).collect()
            });
            if shards.len() != *threads as usize {
                return Err("a simulation thread failed".into());
            }
            let mut total = slots::sim::SimStats::default();
            for s in &shards {
                total.merge(s);
            }
            let mut v = total.to_json(started.elapsed().as_secs_f64());
            v["threads"] = serde_json::json!(threads);
            v
        }
    };
    Ok(ToolOutput::json(&v))
}
