//! `playhouse bench …`: whole-system benchmarks that print JSON.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ledger::cli::{BenchArgs, BenchMeasurements};
use ledger::{BATCH_EVENTS_MAX, CreateTransferResult, LedgerStore, Transfer};
use serde_json::json;
use store::ledger::LedgerDb;

use super::{Cli, ToolOutput};
use api::clock;
use wallet::pipeline::{self, Pipeline};

/// `bench` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Transfers through the real group-commit pipeline and database: `--concurrency` clients,
    /// each with one request of `--batch-size` transfers in flight, `--hot-fraction` of the
    /// transfers against the house account.
    Ledger(LedgerBenchArgs),
    /// Event → visible rank and rank-query latencies of one contest of `--players` players under
    /// `--rate` events per second, through the real engine, database, bus and kv
    /// (`contests::bench`).
    Compete(CompeteBenchArgs),
}

/// `bench compete` flags.
#[derive(Debug, clap::Args)]
pub struct CompeteBenchArgs {
    /// Players in the contest.
    #[arg(long, default_value_t = 1_000_000)]
    pub players: u64,
    /// Events per second.
    #[arg(long, default_value_t = 2_500)]
    pub rate: u64,
    /// Measured seconds.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Database [default: a temporary SQLite file]; with --nats-url and --redis-url a
    /// postgres:// one (use a database you can throw away).
    #[arg(long)]
    pub database_url: Option<String>,
    /// NATS (cluster mode).
    #[arg(long)]
    pub nats_url: Option<String>,
    /// Redis (cluster mode).
    #[arg(long)]
    pub redis_url: Option<String>,
}

/// `bench ledger` flags (parsed by `ledger::cli::parse_bench_args`).
#[derive(Debug, clap::Args)]
pub struct LedgerBenchArgs {
    /// `sqlite://…` (used as is: give a fresh file) or `postgres://…` (the bench creates a private
    /// schema and drops it afterwards) [default: a temporary SQLite file, removed afterwards].
    #[arg(long)]
    pub database_url: Option<String>,
    /// Player accounts [default: 10000].
    #[arg(long)]
    pub accounts: Option<String>,
    /// Measured transfers [default: 200000].
    #[arg(long)]
    pub transfers: Option<String>,
    /// Concurrent clients, each with one request in flight [default: 64].
    #[arg(long)]
    pub concurrency: Option<String>,
    /// Fraction of transfers that touch the house account [default: 0.1].
    #[arg(long)]
    pub hot_fraction: Option<String>,
    /// Transfers per request (independent events, each with its own result), as a client that
    /// sends batches does (TigerBeetle's clients send up to 8,190) [default: 1].
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=8190))]
    pub batch_size: u16,
    /// Workload seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Runs a subcommand.
pub fn run(_cli: &Cli, action: &BenchCommand) -> Result<(), String> {
    match action {
        BenchCommand::Ledger(a) => {
            let args = ledger::cli::parse_bench_args(
                a.accounts.as_deref(),
                a.transfers.as_deref(),
                a.concurrency.as_deref(),
                a.hot_fraction.as_deref(),
            )
            .map_err(|e| e.to_string())?;
            let out = super::runtime()?.block_on(bench_ledger(
                a.database_url.as_deref(),
                &args,
                usize::from(a.batch_size),
                a.seed,
            ))?;
            super::print_tool(out)
        }
        BenchCommand::Compete(a) => {
            let dir = std::env::temp_dir().join(format!(
                "playhouse-bench-compete-{}-{}",
                std::process::id(),
                clock::now_ms()
            ));
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let config = crate::config::Config {
                database_url: a
                    .database_url
                    .clone()
                    .unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").display())),
                nats_url: a.nats_url.clone(),
                redis_url: a.redis_url.clone(),
                ..crate::config::Config::default()
            };
            config.validate().map_err(|e| e.to_string())?;
            let args = contests::bench::Args {
                players: a.players.max(1),
                rate: a.rate.max(1),
                seconds: a.seconds.max(1),
                seed: a.seed,
            };
            let out = super::runtime()?.block_on(async {
                let state = crate::build_state(config)
                    .await
                    .map_err(|e| e.to_string())?;
                contests::bench::run(state.contests.clone(), args).await
            });
            let _ = std::fs::remove_dir_all(&dir);
            super::print_tool(super::ToolOutput::json(&out?))
        }
    }
}

/// Where the bench runs, and what to clean up afterwards.
enum Target {
    TempSqlite(std::path::PathBuf),
    Given,
    PgSchema(store::ledger::PgScratch),
}

/// `playhouse bench ledger`: sets up accounts and funding (not measured), then pushes the
/// workload through a [`Pipeline`] from `args.concurrency` tasks and reports
/// `ledger::cli::bench_report` plus the number of commits and a full `verify` of the result.
pub async fn bench_ledger(
    database_url: Option<&str>,
    args: &BenchArgs,
    batch_size: usize,
    seed: u64,
) -> Result<ToolOutput, String> {
    let err = |e: store::StoreError| e.to_string();
    let (db, backend, target): (LedgerDb, &str, Target) = match database_url {
        None => {
            let dir = std::env::temp_dir().join(format!(
                "playhouse-bench-{}-{}",
                std::process::id(),
                clock::now_ms()
            ));
            let url = format!("sqlite://{}/ledger.db", dir.display());
            let s = store::SqliteStore::connect(&url).await.map_err(err)?;
            (store::Store::ledger(&s), "sqlite", Target::TempSqlite(dir))
        }
        Some(url) if url.starts_with("postgres") => {
            let scratch = store::ledger::PgScratch::create(url).await.map_err(err)?;
            (
                store::Store::ledger(&scratch.store),
                "postgres",
                Target::PgSchema(scratch),
            )
        }
        Some(url) => {
            let s = store::connect(url).await.map_err(err)?;
            (s.ledger(), s.backend_name(), Target::Given)
        }
    };
    let work = ledger::cli::bench_workload(args, seed);
    for chunk in work.accounts.chunks(BATCH_EVENTS_MAX) {
        db.create_accounts(chunk, pipeline::now_ns())
            .await
            .map_err(err)?;
    }
    for chunk in work.funding.chunks(BATCH_EVENTS_MAX) {
        db.create_transfers(chunk, pipeline::now_ns())
            .await
            .map_err(err)?;
    }

    let pipe = Pipeline::start(db.clone(), pipeline::QUEUE_DEPTH_MAX);
    let transfers: Arc<Vec<Transfer>> = Arc::new(work.transfers);
    let next = Arc::new(AtomicUsize::new(0));
    let started = clock::instant();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (pipe, transfers, next) = (pipe.clone(), Arc::clone(&transfers), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut out: Vec<(usize, u64, CreateTransferResult)> = Vec::new();
            loop {
                let first = next.fetch_add(batch_size, Ordering::Relaxed);
                let Some(events) = transfers.get(first..(first + batch_size).min(transfers.len()))
                else {
                    break;
                };
                if events.is_empty() {
                    break;
                }
                let sent = clock::instant();
                let results = pipe
                    .create_transfers(events.to_vec())
                    .await
                    .map_err(|e| e.to_string())?;
                let latency = u64::try_from(sent.elapsed().as_nanos()).unwrap_or(u64::MAX);
                for k in 0..events.len() {
                    out.push((
                        first + k,
                        latency,
                        results
                            .get(k)
                            .copied()
                            .unwrap_or(CreateTransferResult::LinkedEventFailed),
                    ));
                }
            }
            Ok::<_, String>(out)
        }));
    }
    let mut samples = Vec::with_capacity(transfers.len());
    for task in tasks {
        samples.extend(task.await.map_err(|e| e.to_string())??);
    }
    let elapsed_ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
    drop(pipe);
    samples.sort_unstable_by_key(|(i, _, _)| *i);
    let measured = BenchMeasurements {
        elapsed_ns,
        latencies_ns: samples.iter().map(|(_, l, _)| *l).collect(),
        results: samples.iter().map(|(_, _, r)| *r).collect(),
    };
    let mut report = ledger::cli::bench_report(args, backend, &measured);
    let verified = db.dump().await.map_err(err)?;
    let check = ledger::cli::verify_output(&verified);
    if let Some(obj) = report.as_object_mut() {
        obj.insert("verify".into(), check.json);
        obj.insert("batch_size".into(), json!(batch_size));
        obj.insert(
            "durability".into(),
            json!(match backend {
                "sqlite" => "sqlite wal; each answer after an fdatasync of the log",
                _ => "postgres default (fsync on commit)",
            }),
        );
    }
    match target {
        Target::TempSqlite(dir) => {
            let _ = std::fs::remove_dir_all(dir);
        }
        Target::PgSchema(scratch) => scratch.drop_schema().await.map_err(err)?,
        Target::Given => {}
    }
    Ok(ToolOutput {
        stdout: report.to_string(),
        ok: check.ok,
    })
}
