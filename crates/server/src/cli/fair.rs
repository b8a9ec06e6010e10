//! `playhouse fair …`: thin wiring from arguments to the pure `fair` and `casino` crates.

use std::io::Write;

/// Largest chunk written to stdout at once by `fair stream`.
const STREAM_CHUNK_BYTES: usize = 64 * 1024;

/// The seed triple that identifies one bet's byte stream.
#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// The (revealed) server seed, used as ASCII text.
    #[arg(long)]
    server_seed: String,
    /// The client seed.
    #[arg(long)]
    client_seed: String,
    /// The bet's nonce.
    #[arg(long)]
    nonce: u64,
}

/// `fair` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum FairCommand {
    /// The outcome of one bet, recomputed from its seeds (what a player's verifier computes).
    Outcome {
        /// dice, limbo, roulette, wheel, keno, mines, plinko, cards, floats, hilo, blackjack.
        #[arg(long)]
        game: String,
        /// Server seed, client seed and nonce.
        #[command(flatten)]
        seeds: SeedArgs,
        /// Game parameters as JSON, e.g. '{"mines": 3}'.
        #[arg(long)]
        params: Option<String>,
    },
    /// A crash point from a game hash and the public salt.
    Crash {
        /// The round's game hash (64 hex characters).
        #[arg(long)]
        game_hash: String,
        /// The public salt.
        #[arg(long)]
        salt: String,
    },
    /// Writes the raw provably fair byte stream to stdout (for dieharder, ent, nistrng).
    Stream {
        /// Server seed, client seed and nonce.
        #[command(flatten)]
        seeds: SeedArgs,
        /// Number of bytes; 0 streams until the reader closes the pipe.
        #[arg(long)]
        bytes: u64,
    },
    /// The exact theoretical RTP of a game configuration.
    Rtp {
        /// Game name.
        #[arg(long)]
        game: String,
        /// Game parameters as JSON.
        #[arg(long)]
        params: Option<String>,
    },
}

fn print_json(v: &serde_json::Value) -> Result<(), String> {
    println!("{v}");
    Ok(())
}

/// Runs a subcommand (`stream` writes raw bytes, so each arm prints for itself).
pub fn run(action: &FairCommand) -> Result<(), String> {
    match action {
        FairCommand::Outcome {
            game,
            seeds,
            params,
        } => print_json(
            &casino::cli::outcome(
                game,
                &seeds.server_seed,
                &seeds.client_seed,
                seeds.nonce,
                params.as_deref(),
            )
            .map_err(|e| e.to_string())?,
        ),
        FairCommand::Crash { game_hash, salt } => {
            print_json(&fair::cli::crash(game_hash, salt).map_err(|e| e.to_string())?)
        }
        FairCommand::Rtp { game, params } => {
            print_json(&casino::cli::rtp(game, params.as_deref()).map_err(|e| e.to_string())?)
        }
        FairCommand::Stream { seeds, bytes } => {
            fair::cli::check_seeds(&seeds.server_seed, &seeds.client_seed)
                .map_err(|e| e.to_string())?;
            let mut stream =
                fair::ByteStream::new(&seeds.server_seed, &seeds.client_seed, seeds.nonce);
            let mut out = std::io::stdout().lock();
            let mut buf = vec![0u8; STREAM_CHUNK_BYTES];
            let mut left = *bytes;
            loop {
                let n = if *bytes == 0 {
                    buf.len()
                } else {
                    usize::try_from(left.min(buf.len() as u64)).unwrap_or(0)
                };
                if n == 0 {
                    break;
                }
                stream.fill(&mut buf[..n]);
                match out.write_all(&buf[..n]) {
                    Ok(()) => {}
                    // The reader (dieharder, head) closed the pipe: a normal end.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                    Err(e) => return Err(format!("cannot write stdout: {e}")),
                }
                left = left.saturating_sub(n as u64);
            }
            out.flush().or_else(|e| {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    Ok(())
                } else {
                    Err(e.to_string())
                }
            })
        }
    }
}
