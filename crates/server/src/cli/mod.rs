//! The `playhouse` command line: `serve`, `migrate`, `config print`, and the tools of each crate.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod admin;
mod bench;
mod compete;
mod fair;
mod guandan;
mod ledger;
mod operator;
mod slots;

use crate::config::{Config, LogFormat};

/// Playhouse: Guandan online, provably fair games and an operator API in one binary.
#[derive(Debug, Parser)]
#[command(name = "playhouse", version, about)]
pub struct Cli {
    /// Configuration file (TOML). Defaults to ./playhouse.toml when present.
    #[arg(long, global = true, env = "PLAYHOUSE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log format.
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the platform server.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DbArgs),
    /// Administrator rights: `grant EMAIL` / `revoke EMAIL` (works while the server runs).
    Admin {
        /// What to do.
        #[command(subcommand)]
        action: admin::AdminCommand,
    },
    /// Configuration tools.
    Config {
        /// What to do.
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Guandan engine tools: legal moves, bot decisions, self-play, replays.
    Guandan {
        /// What to do.
        #[command(subcommand)]
        action: guandan::GuandanCommand,
    },
    /// Provably fair tools: outcomes, crash points, raw byte streams, exact RTPs.
    Fair {
        /// What to do.
        #[command(subcommand)]
        action: fair::FairCommand,
    },
    /// Slot engine tools: exact RTP, simulation, definition checks.
    Slots {
        /// What to do.
        #[command(subcommand)]
        action: slots::SlotsCommand,
    },
    /// Tournaments, leaderboards and missions: definition checks and the economy simulator.
    Compete {
        /// What to do.
        #[command(subcommand)]
        action: compete::CompeteCommand,
    },
    /// Ledger tools.
    Ledger {
        /// What to do.
        #[command(subcommand)]
        action: ledger::LedgerCommand,
    },
    /// A reference operator wallet (seamless mode) with fault injection and `GET /report`.
    MockOperator(operator::MockOperatorArgs),
    /// Remote game server (operator API) tools.
    Rgs {
        /// What to do.
        #[command(subcommand)]
        action: operator::RgsCommand,
    },
    /// Benchmarks that print JSON.
    Bench {
        /// What to measure.
        #[command(subcommand)]
        action: bench::BenchCommand,
    },
    /// Load against a running server (Guandan tables over WebSocket, instant-game bets over HTTP);
    /// prints JSON.
    Loadtest {
        /// What to load.
        #[command(subcommand)]
        action: loadtest::LoadtestCommand,
    },
}

/// What a tool subcommand produced: text for stdout and whether it counts as success.
pub struct ToolOutput {
    /// Printed to stdout as is (a trailing newline is added when missing).
    pub stdout: String,
    /// Exit code 0 when true, 1 when false.
    pub ok: bool,
}

impl ToolOutput {
    /// A successful JSON result.
    pub fn json(v: &serde_json::Value) -> Self {
        Self {
            stdout: v.to_string(),
            ok: true,
        }
    }
}

/// Reads all of stdin as UTF-8.
pub fn read_stdin() -> Result<String, String> {
    use std::io::Read;
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    Ok(s)
}

/// `serve` flags.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    pub listen: Option<String>,
    /// Database URL [default: sqlite://./data/playhouse.db]; postgres://… selects PostgreSQL.
    #[arg(long)]
    pub database_url: Option<String>,
    /// NATS (JetStream) of a cluster, nats://host:4222 [env: PLAYHOUSE_NATS_URL]. With
    /// --redis-url and a postgres:// database this node joins a cluster.
    #[arg(long)]
    pub nats_url: Option<String>,
    /// Redis of a cluster, redis://host:6379 [env: PLAYHOUSE_REDIS_URL].
    #[arg(long)]
    pub redis_url: Option<String>,
}

impl ServeArgs {
    /// The configuration these flags select.
    fn config(&self, cli: &Cli) -> Result<Config, String> {
        let mut config = load_unchecked(cli, self.listen.as_ref(), self.database_url.as_ref())?;
        if let Some(u) = &self.nats_url {
            config.nats_url = Some(u.clone());
        }
        if let Some(u) = &self.redis_url {
            config.redis_url = Some(u.clone());
        }
        config.validate().map_err(|e| e.to_string())?;
        Ok(config)
    }
}

/// Flags of commands that only need the database.
#[derive(Debug, clap::Args)]
pub struct DbArgs {
    /// Database URL [default: from config].
    #[arg(long)]
    pub database_url: Option<String>,
}

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print the effective configuration (secrets redacted).
    Print(ServeArgs),
}

pub(crate) fn load_config(
    cli: &Cli,
    listen: Option<&String>,
    db: Option<&String>,
) -> Result<Config, String> {
    let config = load_unchecked(cli, listen, db)?;
    config.validate().map_err(|e| e.to_string())?;
    Ok(config)
}

/// The configuration with the flags applied, not yet validated as a whole.
fn load_unchecked(
    cli: &Cli,
    listen: Option<&String>,
    db: Option<&String>,
) -> Result<Config, String> {
    let mut config = Config::load_unvalidated(cli.config.as_deref(), std::env::vars())
        .map_err(|e| e.to_string())?;
    if let Some(l) = listen {
        config.listen.clone_from(l);
    }
    if let Some(d) = db {
        config.database_url.clone_from(d);
    }
    if let Some(f) = cli.log_format {
        config.log_format = f;
    }
    Ok(config)
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("playhouse: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn print_tool(out: ToolOutput) -> Result<(), String> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let nl = if out.stdout.ends_with('\n') { "" } else { "\n" };
    let _ = write!(stdout, "{}{nl}", out.stdout);
    let _ = stdout.flush();
    if out.ok {
        Ok(())
    } else {
        Err("check failed".into())
    }
}

fn run(cli: &Cli) -> Result<(), String> {
    match &cli.command {
        Command::Guandan { action } => print_tool(guandan::run(action)?),
        Command::Fair { action } => fair::run(action),
        Command::Slots { action } => print_tool(slots::run(action)?),
        Command::Compete { action } => print_tool(compete::run(action)?),
        Command::Ledger { action } => ledger::run(cli, action),
        Command::Bench { action } => bench::run(cli, action),
        Command::Admin { action } => admin::run(cli, action),
        Command::MockOperator(args) => operator::run_mock(args),
        Command::Rgs { action } => operator::run_rgs(cli, action),
        Command::Loadtest { action } => {
            println!("{}", runtime()?.block_on(loadtest::run(action))?);
            Ok(())
        }
        Command::Serve(args) => {
            let config = args.config(cli)?;
            let _logs = crate::telemetry::init_logging(config.log_format, &config.log_level);
            runtime()?.block_on(async {
                let server = crate::start(config, Some(Box::pin(crate::os_shutdown_signal())))
                    .await
                    .map_err(|e| e.to_string())?;
                server.wait().await.map_err(|e| e.to_string())
            })
        }
        Command::Migrate(args) => {
            let config = load_config(cli, None, args.database_url.as_ref())?;
            let _logs = crate::telemetry::init_logging(config.log_format, &config.log_level);
            runtime()?.block_on(async {
                let store = store::connect(&config.database_url)
                    .await
                    .map_err(|e| e.to_string())?;
                store.migrate().await.map_err(|e| e.to_string())?;
                println!(
                    "{}",
                    serde_json::json!({"ok": true, "database": store.backend_name()})
                );
                Ok(())
            })
        }
        Command::Config {
            action: ConfigAction::Print(args),
        } => {
            let config = args.config(cli)?;
            print!("{}", config.to_redacted_toml());
            Ok(())
        }
    }
}
