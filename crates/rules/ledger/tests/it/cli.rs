//! The pure halves of `playhouse ledger verify` and `playhouse bench ledger`.

use ledger::cli::{self, BenchArgs, BenchMeasurements, CliError};
use ledger::{CreateTransferResult as R, LedgerDump, MemoryLedger};
use serde_json::json;

#[test]
fn verify_prints_counts_when_ok_and_violations_otherwise() {
    let (ledger, _) = crate::support::run_sim(3, 40, ledger::sim::SimConfig::default());
    let dump = ledger.dump();
    let out = cli::verify_output(&dump);
    assert!(out.ok);
    assert_eq!(
        out.json,
        json!({"ok": true, "accounts": dump.accounts.len(), "transfers": dump.transfers.len()})
    );

    let mut broken = dump.clone();
    broken.accounts[0].credits_posted += 1;
    let out = cli::verify_output(&broken);
    assert!(!out.ok);
    assert_eq!(out.json["ok"], json!(false));
    assert_eq!(out.json["violations"][0]["kind"], json!("balance_mismatch"));
    assert_eq!(
        out.json.as_object().unwrap().len(),
        2,
        "only ok and violations"
    );

    let text = serde_json::to_string(&dump).unwrap();
    assert_eq!(
        cli::verify_dump_json(&text).unwrap(),
        cli::verify_output(&dump)
    );
    let empty =
        cli::verify_dump_json(&serde_json::to_string(&LedgerDump::default()).unwrap()).unwrap();
    assert_eq!(
        empty.json,
        json!({"ok": true, "accounts": 0, "transfers": 0})
    );
    assert!(matches!(
        cli::verify_dump_json("{"),
        Err(CliError::InvalidDump(_))
    ));
}

#[test]
fn bench_arguments_parse_or_name_the_bad_one() {
    let check = |args: [Option<&str>; 4], expected: Result<BenchArgs, &str>| {
        let got =
            cli::parse_bench_args(args[0], args[1], args[2], args[3]).map_err(|e| e.to_string());
        assert_eq!(got, expected.map_err(str::to_owned), "{args:?}");
    };
    let defaults = BenchArgs {
        accounts: 10_000,
        transfers: 200_000,
        concurrency: 64,
        hot_ppm: 100_000,
    };
    check([None; 4], Ok(defaults));
    check(
        [Some("50"), Some("1000"), Some("8"), Some("0.25")],
        Ok(BenchArgs {
            accounts: 50,
            transfers: 1000,
            concurrency: 8,
            hot_ppm: 250_000,
        }),
    );
    check(
        [None, None, None, Some("1")],
        Ok(BenchArgs {
            hot_ppm: 1_000_000,
            ..defaults
        }),
    );
    check(
        [None, None, None, Some(".5")],
        Ok(BenchArgs {
            hot_ppm: 500_000,
            ..defaults
        }),
    );
    check(
        [None, None, None, Some("0")],
        Ok(BenchArgs {
            hot_ppm: 0,
            ..defaults
        }),
    );
    check(
        [None, None, None, Some("0.000001")],
        Ok(BenchArgs {
            hot_ppm: 1,
            ..defaults
        }),
    );
    check(
        [Some("ten"), None, None, None],
        Err("invalid value \"ten\" for --accounts: expected a whole number"),
    );
    check(
        [Some("1"), None, None, None],
        Err("invalid value \"1\" for --accounts: too small"),
    );
    check(
        [None, Some("0"), None, None],
        Err("invalid value \"0\" for --transfers: too small"),
    );
    check(
        [None, None, Some("100000"), None],
        Err("invalid value \"100000\" for --concurrency: too large"),
    );
    check(
        [None, None, None, Some("1.5")],
        Err("invalid value \"1.5\" for --hot-fraction: must be between 0 and 1"),
    );
    check(
        [None, None, None, Some("-0.1")],
        Err("invalid value \"-0.1\" for --hot-fraction: expected a decimal fraction such as 0.1"),
    );
    check(
        [None, None, None, Some("0.1234567")],
        Err("invalid value \"0.1234567\" for --hot-fraction: at most 6 decimal places"),
    );
    check(
        [None, None, None, Some(".")],
        Err("invalid value \".\" for --hot-fraction: expected a decimal fraction such as 0.1"),
    );
}

#[test]
fn bench_workload_is_deterministic_and_hits_the_house_at_the_asked_rate() {
    let args = BenchArgs {
        accounts: 100,
        transfers: 20_000,
        concurrency: 4,
        hot_ppm: 100_000,
    };
    let a = cli::bench_workload(&args, 7);
    assert_eq!(a, cli::bench_workload(&args, 7));
    assert_ne!(a.transfers, cli::bench_workload(&args, 8).transfers);
    let house = a.accounts[1].id;
    let hot = a
        .transfers
        .iter()
        .filter(|t| t.debit_account_id == house || t.credit_account_id == house)
        .count();
    assert!((1_700..=2_300).contains(&hot), "about 10% hot: {hot}");
    assert!(
        a.transfers
            .iter()
            .all(|t| t.debit_account_id != t.credit_account_id)
    );

    let mut l = MemoryLedger::new();
    assert!(
        l.create_accounts(&a.accounts, 1)
            .unwrap()
            .iter()
            .all(|r| *r == ledger::CreateAccountResult::Ok)
    );
    assert!(
        l.create_transfers(&a.funding, 1)
            .unwrap()
            .iter()
            .all(|r| *r == R::Ok)
    );
    for chunk in a.transfers.chunks(1_000) {
        assert!(
            l.create_transfers(chunk, 1)
                .unwrap()
                .iter()
                .all(|r| matches!(r, R::Ok | R::ExceedsCredits))
        );
    }
    assert!(l.verify().ok);
}

#[test]
fn bench_report_has_throughput_percentiles_and_rejections() {
    let args = BenchArgs::default();
    let measured = BenchMeasurements {
        elapsed_ns: 2_000_000_000,
        latencies_ns: (1..=100).rev().map(|ms| ms * 1_000_000).collect(),
        results: [vec![R::Ok; 97], vec![R::ExceedsCredits; 2], vec![R::Exists]].concat(),
    };
    let report = cli::bench_report(&args, "memory", &measured);
    assert_eq!(report["transfers_per_sec"], json!(50.0));
    assert_eq!(report["p50_ms"], json!(50.0));
    assert_eq!(report["p99_ms"], json!(99.0));
    assert_eq!(report["rejected"], json!({"exceeds_credits": 2}));
    assert_eq!(report["hot_fraction"], json!(0.1));
    assert_eq!(report["backend"], json!("memory"));
    assert_eq!(cli::percentile(&[], 50), 0);
    assert_eq!(cli::percentile(&[5], 99), 5);
}
