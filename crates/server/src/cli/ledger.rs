//! `playhouse ledger …`: ledger verification against a database.

use super::{Cli, DbArgs, ToolOutput};

/// `ledger` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum LedgerCommand {
    /// Check every ledger invariant over the whole database; prints `{"ok": true, "accounts": N,
    /// "transfers": M}` or `{"ok": false, "violations": [...]}` and exits non-zero on violations.
    Verify(DbArgs),
    /// Sustained load for fault tests: instant-game rounds (a linked `bet` + `win` chain each)
    /// through the group-commit pipeline; prints one JSON line per round once its commit is
    /// durable: `{"bet": "<id>", "win": "<id>" | null, "result": "ok" | <first failure>}`.
    Load(LoadArgs),
}

/// `ledger load` flags.
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// Database URL [default: from config].
    #[arg(long)]
    pub database_url: Option<String>,
    /// Rounds to book (the process may be killed long before).
    #[arg(long, default_value_t = 100_000)]
    pub rounds: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    pub concurrency: u32,
    /// Funded player wallets the rounds spread over.
    #[arg(long, default_value_t = 64)]
    pub players: u32,
}

/// Runs a subcommand.
pub fn run(cli: &Cli, action: &LedgerCommand) -> Result<(), String> {
    match action {
        LedgerCommand::Verify(args) => {
            let config = super::load_config(cli, None, args.database_url.as_ref())?;
            let out = super::runtime()?.block_on(verify(&config.database_url))?;
            super::print_tool(out)
        }
        LedgerCommand::Load(args) => {
            let config = super::load_config(cli, None, args.database_url.as_ref())?;
            super::runtime()?.block_on(load(&config.database_url, args))
        }
    }
}

/// Key space of the load's players, far from real user ids (which are below 2^63).
const LOAD_PLAYER_BASE: u128 = 1 << 100;
/// Chips each load player is granted (idempotent across runs).
const LOAD_FUNDING: u64 = 1_000_000_000;

/// `playhouse ledger load`: see [`LedgerCommand::Load`].
pub async fn load(database_url: &str, args: &LoadArgs) -> Result<(), String> {
    use std::io::Write;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use ledger::chart::{self, AccountKind, TransferKind};
    use ledger::currency::PLAY;

    use wallet::pipeline::{self, Pipeline};

    let store = store::connect(database_url)
        .await
        .map_err(|e| e.to_string())?;
    let db = store.ledger();
    let issuance = chart::system_account_id(AccountKind::Issuance, PLAY, 0);
    let house = chart::system_account_id(AccountKind::House, PLAY, 0);
    let players: Vec<u128> = (0..u128::from(args.players.max(1)))
        .map(|i| chart::wallet_account_id(LOAD_PLAYER_BASE + i, PLAY))
        .collect();
    let mut accounts = vec![
        AccountKind::Issuance.account(issuance, PLAY),
        AccountKind::House.account(house, PLAY),
    ];
    accounts.extend(
        players
            .iter()
            .map(|id| AccountKind::PlayerWallet.account(*id, PLAY)),
    );
    let funding: Vec<_> = players
        .iter()
        .zip(0u128..)
        .map(|(id, i)| {
            let grant_id = chart::grant_transfer_id(LOAD_PLAYER_BASE + i, PLAY);
            TransferKind::Grant.transfer(grant_id, issuance, *id, LOAD_FUNDING, PLAY)
        })
        .collect();
    let pipe = Pipeline::start(db, pipeline::QUEUE_DEPTH_MAX);
    pipe.create_accounts(accounts)
        .await
        .map_err(|e| e.to_string())?;
    pipe.create_transfers(funding)
        .await
        .map_err(|e| e.to_string())?;

    // Fresh ids per run: a random 64-bit prefix and a counter.
    let mut prefix = [0u8; 8];
    api::token::os_random(&mut prefix).map_err(|e| e.message)?;
    let base = u128::from(u64::from_be_bytes(prefix) | 1) << 64;
    let next = Arc::new(AtomicU64::new(0));
    let players = Arc::new(players);
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let (pipe, next, players, rounds) = (
            pipe.clone(),
            Arc::clone(&next),
            Arc::clone(&players),
            args.rounds,
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= rounds {
                    return Ok::<(), String>(());
                }
                let wallet = players[usize::try_from(n).unwrap_or(0) % players.len()];
                let stake = 1 + n % 100;
                let payout = if n % 3 == 0 { 0 } else { stake * (n % 4) };
                let ids = (base + u128::from(n) * 2, base + u128::from(n) * 2 + 1);
                let round =
                    chart::instant_round(ids, wallet, house, PLAY, stake, payout, u128::from(n));
                let results = pipe
                    .create_transfers(round.clone())
                    .await
                    .map_err(|e| e.to_string())?;
                let result = results
                    .iter()
                    .find(|r| !r.is_success())
                    .map_or("ok".to_owned(), |r| r.name());
                let line = serde_json::json!({
                    "bet": round[0].id.to_string(),
                    "win": round.get(1).map(|t| t.id.to_string()),
                    "result": result,
                });
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            }
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

/// Reads the whole ledger in one transaction and checks it (`ledger::cli::verify_output`).
pub async fn verify(database_url: &str) -> Result<ToolOutput, String> {
    use ledger::LedgerStore;
    let store = store::connect(database_url)
        .await
        .map_err(|e| e.to_string())?;
    let dump = store.ledger().dump().await.map_err(|e| e.to_string())?;
    store.close().await;
    let out = ledger::cli::verify_output(&dump);
    Ok(ToolOutput {
        stdout: out.json.to_string(),
        ok: out.ok,
    })
}
