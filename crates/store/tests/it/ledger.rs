//! The ledger crate's conformance suite and randomized differential test against the SQLite
//! ledger (in memory and on a WAL file) always, and the PostgreSQL ledger (a private schema per
//! test) when `TEST_DATABASE_URL` is set.

use std::future::Future;

use ::ledger::LedgerStore;
use store::ledger::{LedgerDb, PgLedger, SqliteLedger};

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

async fn sqlite_memory() -> SqliteLedger {
    store::SqliteStore::connect("sqlite::memory:")
        .await
        .expect("sqlite")
        .ledger()
}

mod sqlite_memory {
    use super::*;
    ledger::ledger_conformance!(block_on, sqlite_memory());
}

mod sqlite_file {
    use super::*;

    async fn sqlite_file() -> LedgerDb {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "playhouse-ledger-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let url = format!("sqlite://{}/ledger.db", dir.display());
        let store = store::SqliteStore::connect(&url)
            .await
            .expect("sqlite file");
        store::Store::ledger(&store)
    }

    #[test]
    fn conformance_and_differential() {
        block_on(ledger::conformance::run_all(sqlite_file));
    }

    /// Two writers (two pools, as two processes would have) on one database file never lose
    /// or duplicate money: `BEGIN IMMEDIATE` serialises their batches, and each notices the
    /// other's commits before using its own copies of the accounts.
    #[test]
    fn concurrent_writers_stay_balanced() {
        block_on(async {
            let dir =
                std::env::temp_dir().join(format!("playhouse-ledger-two-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let url = format!("sqlite://{}/ledger.db", dir.display());
            let first = store::SqliteStore::connect(&url).await.expect("first");
            let second = store::SqliteStore::connect(&url).await.expect("second");
            two_writers(first.ledger(), second.ledger()).await;
            let _ = std::fs::remove_dir_all(&dir);
        });
    }
}

mod postgres {
    use super::*;

    /// `None` (and a note on stderr) when `TEST_DATABASE_URL` is not set.
    async fn postgres() -> Option<PgLedger> {
        let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
            eprintln!("postgres ledger variant skipped: TEST_DATABASE_URL is not set");
            return None;
        };
        Some(
            store::testing::fresh_postgres(&url)
                .await
                .expect("postgres schema")
                .ledger(),
        )
    }

    #[test]
    fn conformance_and_differential() {
        block_on(async {
            if postgres().await.is_none() {
                return;
            }
            ledger::conformance::run_all(|| async {
                postgres().await.expect("postgres checked above")
            })
            .await;
        });
    }

    /// Two writers (two pools, as two server processes would have) on one schema never lose or
    /// duplicate money: the meta-row and account locks serialise their batches.
    #[test]
    fn concurrent_writers_stay_balanced() {
        block_on(async {
            let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
                eprintln!("postgres ledger variant skipped: TEST_DATABASE_URL is not set");
                return;
            };
            let first = store::testing::fresh_postgres(&url).await.expect("schema");
            let (schema,): (String,) = sqlx::query_as("SELECT current_schema()")
                .fetch_one(first.pool())
                .await
                .expect("schema name");
            let opts = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&url)
                .expect("url")
                .options([("search_path", schema.as_str())]);
            let second = store::PgStore::connect_with(opts)
                .await
                .expect("second pool");
            two_writers(first.ledger(), second.ledger()).await;
        });
    }
}

/// Runs the same hot-account workload through two ledgers on one database concurrently.
async fn two_writers<L: LedgerStore>(a: L, b: L)
where
    L::Error: std::fmt::Debug,
{
    use ledger::chart::{AccountKind, TransferKind};
    let house: u128 = 1_000;
    let mut accounts = vec![AccountKind::House.account(house, 1)];
    accounts.extend((1..=20u128).map(|id| AccountKind::Issuance.account(id, 1)));
    a.create_accounts(&accounts, 1).await.expect("accounts");
    // Alternating batches on the same accounts: each writer keeps copies of the accounts it
    // wrote, and must notice that the other has written since.
    for (round, l) in [&a, &b, &a, &b, &b, &a].into_iter().enumerate() {
        let id = 900_000 + u128::try_from(round).expect("small");
        let results = l
            .create_transfers(&[TransferKind::Bet.transfer(id, 1, house, 7, 1)], 2)
            .await
            .expect("alternating transfer");
        assert!(results.iter().all(|r| r.is_success()), "{results:?}");
    }
    let run = |l: L, base: u128| async move {
        for round in 0..20u128 {
            let batch: Vec<_> = (0..20u128)
                .map(|i| {
                    let id = base + round * 100 + i;
                    TransferKind::Bet.transfer(id, 1 + i, house, 5, 1)
                })
                .collect();
            let results = l.create_transfers(&batch, 2).await.expect("transfers");
            assert!(results.iter().all(|r| r.is_success()), "{results:?}");
        }
        l
    };
    let (a, _b) = tokio::join!(run(a, 1_000_000), run(b, 2_000_000));
    let dump = a.dump().await.expect("dump");
    assert_eq!(dump.transfers.len(), 2 * 20 * 20 + 6);
    let report = ledger::verify(&dump);
    assert!(report.ok, "{:?}", report.violations);
    let house_row = dump.accounts.iter().find(|x| x.id == house).expect("house");
    assert_eq!(house_row.credits_posted, 2 * 20 * 20 * 5 + 6 * 7);
    let issuer = dump.accounts.iter().find(|x| x.id == 1).expect("issuer 1");
    assert_eq!(issuer.debits_posted, 2 * 20 * 5 + 6 * 7);
}
