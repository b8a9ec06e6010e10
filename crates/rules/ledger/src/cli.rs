//! Pure halves of the `playhouse ledger verify` and `playhouse bench ledger` commands: argument
//! parsing, workload generation and the JSON they print. The binary reads the database and the
//! clock; everything it prints is decided here.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::{Value, json};

use crate::chart::{AccountKind, TransferKind, system_account_id};
use crate::currency::PLAY;
use crate::memory::LedgerDump;
use crate::result::CreateTransferResult;
use crate::types::{Account, Transfer};
use crate::verify::verify;

/// A command-line input the ledger commands refuse. `Display` is one line naming the argument.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    #[error("invalid value {value:?} for {name}: {reason}")]
    InvalidArgument {
        name: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("invalid ledger dump: {0}")]
    InvalidDump(String),
}

/// What `playhouse ledger verify` prints, and whether it exits with success.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifyOutput {
    pub json: Value,
    pub ok: bool,
}

/// `{"ok": true, "accounts": N, "transfers": M}` or `{"ok": false, "violations": [...]}` for the
/// whole ledger in `dump` (the caller exits non-zero when `ok` is false).
#[must_use]
pub fn verify_output(dump: &LedgerDump) -> VerifyOutput {
    let report = verify(dump);
    let json = if report.ok {
        json!({ "ok": true, "accounts": report.accounts, "transfers": report.transfers })
    } else {
        json!({ "ok": false, "violations": report.violations })
    };
    VerifyOutput {
        json,
        ok: report.ok,
    }
}

/// [`verify_output`] for a ledger dump given as JSON text (the `LedgerDump` serde form).
///
/// # Errors
/// [`CliError::InvalidDump`] when the text is not a ledger dump.
pub fn verify_dump_json(text: &str) -> Result<VerifyOutput, CliError> {
    let dump: LedgerDump =
        serde_json::from_str(text).map_err(|e| CliError::InvalidDump(e.to_string()))?;
    Ok(verify_output(&dump))
}

/// Parsed arguments of `playhouse bench ledger`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BenchArgs {
    pub accounts: u32,
    pub transfers: u64,
    pub concurrency: u32,
    /// `--hot-fraction` in parts per million (0.1 → 100 000).
    pub hot_ppm: u32,
}

/// Limits of the bench arguments.
pub const BENCH_ACCOUNTS_MAX: u32 = 10_000_000;
pub const BENCH_TRANSFERS_MAX: u64 = 1_000_000_000;
pub const BENCH_CONCURRENCY_MAX: u32 = 65_536;

impl Default for BenchArgs {
    fn default() -> Self {
        Self {
            accounts: 10_000,
            transfers: 200_000,
            concurrency: 64,
            hot_ppm: 100_000,
        }
    }
}

/// Parses the bench arguments; `None` takes the default (10000, 200000, 64, 0.1).
///
/// # Errors
/// [`CliError::InvalidArgument`] naming the first bad argument.
pub fn parse_bench_args(
    accounts: Option<&str>,
    transfers: Option<&str>,
    concurrency: Option<&str>,
    hot_fraction: Option<&str>,
) -> Result<BenchArgs, CliError> {
    let defaults = BenchArgs::default();
    let accounts = match accounts {
        Some(v) => parse_count("--accounts", v, 2, u64::from(BENCH_ACCOUNTS_MAX))?,
        None => u64::from(defaults.accounts),
    };
    let transfers = match transfers {
        Some(v) => parse_count("--transfers", v, 1, BENCH_TRANSFERS_MAX)?,
        None => defaults.transfers,
    };
    let concurrency = match concurrency {
        Some(v) => parse_count("--concurrency", v, 1, u64::from(BENCH_CONCURRENCY_MAX))?,
        None => u64::from(defaults.concurrency),
    };
    let hot_ppm = match hot_fraction {
        Some(v) => parse_fraction_ppm("--hot-fraction", v)?,
        None => defaults.hot_ppm,
    };
    Ok(BenchArgs {
        accounts: u32::try_from(accounts).unwrap_or(BENCH_ACCOUNTS_MAX),
        transfers,
        concurrency: u32::try_from(concurrency).unwrap_or(BENCH_CONCURRENCY_MAX),
        hot_ppm,
    })
}

fn parse_count(name: &'static str, value: &str, min: u64, max: u64) -> Result<u64, CliError> {
    let bad = |reason| CliError::InvalidArgument {
        name,
        value: value.to_owned(),
        reason,
    };
    let n: u64 = value
        .trim()
        .parse()
        .map_err(|_| bad("expected a whole number"))?;
    if n < min {
        return Err(bad("too small"));
    }
    if n > max {
        return Err(bad("too large"));
    }
    Ok(n)
}

/// Parses a decimal fraction in `[0, 1]` exactly (no floats) into parts per million.
fn parse_fraction_ppm(name: &'static str, value: &str) -> Result<u32, CliError> {
    let bad = |reason| CliError::InvalidArgument {
        name,
        value: value.to_owned(),
        reason,
    };
    let text = value.trim();
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits_ok(whole) || !digits_ok(frac) {
        return Err(bad("expected a decimal fraction such as 0.1"));
    }
    if frac.len() > 6 {
        return Err(bad("at most 6 decimal places"));
    }
    let whole: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad("out of range"))?
    };
    let frac_ppm: u32 = format!("{frac:0<6}")
        .parse()
        .map_err(|_| bad("out of range"))?;
    match whole
        .checked_mul(1_000_000)
        .and_then(|w| w.checked_add(frac_ppm))
    {
        Some(ppm) if ppm <= 1_000_000 => Ok(ppm),
        _ => Err(bad("must be between 0 and 1")),
    }
}

/// The accounts and transfers of one bench run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchWorkload {
    /// Issuance, house, then player wallets `1..=accounts`.
    pub accounts: Vec<Account>,
    /// Issuance → every player, `BENCH_FUNDING` each.
    pub funding: Vec<Transfer>,
    /// The measured transfers: bets and wins against the house (`hot_ppm` of them), the rest
    /// between two players. Some are refused for insufficient funds, as in real traffic.
    pub transfers: Vec<Transfer>,
}

/// Chips each bench player starts with.
pub const BENCH_FUNDING: u64 = 10_000;

/// The deterministic workload for `args` and `seed`, on the PLAY ledger.
#[must_use]
pub fn bench_workload(args: &BenchArgs, seed: u64) -> BenchWorkload {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let issuance = system_account_id(AccountKind::Issuance, PLAY, 0);
    let house = system_account_id(AccountKind::House, PLAY, 0);
    let players = u128::from(args.accounts.max(2));
    let mut accounts = vec![
        AccountKind::Issuance.account(issuance, PLAY),
        AccountKind::House.account(house, PLAY),
    ];
    accounts.extend((1..=players).map(|id| AccountKind::PlayerWallet.account(id, PLAY)));
    let funding = (1..=players)
        .map(|id| TransferKind::Grant.transfer(id, issuance, id, BENCH_FUNDING, PLAY))
        .collect();
    let first_id = players + 1;
    let transfers = (0..u128::from(args.transfers))
        .map(|i| {
            let id = first_id + i;
            let player = rng.random_range(1..=players);
            let amount = rng.random_range(1..=200);
            if rng.random_range(0..1_000_000) < args.hot_ppm {
                if rng.random_bool(0.5) {
                    TransferKind::Bet.transfer(id, player, house, amount, PLAY)
                } else {
                    TransferKind::Win.transfer(id, house, player, amount, PLAY)
                }
            } else {
                let mut other = rng.random_range(1..=players - 1);
                if other >= player {
                    other += 1;
                }
                TransferKind::Payout.transfer(id, player, other, amount, PLAY)
            }
        })
        .collect();
    BenchWorkload {
        accounts,
        funding,
        transfers,
    }
}

/// What the bench binary measured.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BenchMeasurements {
    /// Wall time of the measured phase, nanoseconds.
    pub elapsed_ns: u64,
    /// Per-request latency, nanoseconds (any order).
    pub latencies_ns: Vec<u64>,
    /// The result of every measured transfer.
    pub results: Vec<CreateTransferResult>,
}

/// The bench JSON: `transfers_per_sec`, `p50_ms`, `p99_ms`, `rejected` (counts by result name)
/// and the arguments. Floats here are report figures, never money.
#[must_use]
pub fn bench_report(args: &BenchArgs, backend: &str, measured: &BenchMeasurements) -> Value {
    let mut rejected: BTreeMap<String, u64> = BTreeMap::new();
    for result in &measured.results {
        if !result.is_success() {
            *rejected.entry(result.name()).or_default() += 1;
        }
    }
    let transfers = measured.results.len() as u64;
    #[expect(clippy::cast_precision_loss, reason = "report figures, not money")]
    let per_sec = if measured.elapsed_ns == 0 {
        0.0
    } else {
        transfers as f64 * 1e9 / measured.elapsed_ns as f64
    };
    let mut sorted = measured.latencies_ns.clone();
    sorted.sort_unstable();
    json!({
        "backend": backend,
        "accounts": args.accounts,
        "transfers": transfers,
        "concurrency": args.concurrency,
        "hot_fraction": f64::from(args.hot_ppm) / 1e6,
        "elapsed_ms": ms(measured.elapsed_ns),
        "transfers_per_sec": per_sec.round(),
        "p50_ms": ms(percentile(&sorted, 50)),
        "p99_ms": ms(percentile(&sorted, 99)),
        "rejected": rejected,
    })
}

/// Nearest-rank percentile of sorted samples (`0` when there are none).
#[must_use]
pub fn percentile(sorted: &[u64], pct: u32) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (sorted.len() * pct.min(100) as usize).div_ceil(100).max(1);
    sorted[rank - 1]
}

#[expect(clippy::cast_precision_loss, reason = "report figures, not money")]
fn ms(ns: u64) -> f64 {
    (ns as f64 / 1e3).round() / 1e3
}
