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

    #[test]
    fn failed_batch_commits_nothing() {
        block_on(async { super::failed_batch_commits_nothing(sqlite_file().await).await });
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
            store::testing::skip("postgres ledger variant skipped: TEST_DATABASE_URL is not set");
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

    #[test]
    fn failed_batch_commits_nothing() {
        block_on(async {
            if let Some(ledger) = postgres().await {
                super::failed_batch_commits_nothing(LedgerDb::Postgres(ledger)).await;
            }
        });
    }

    /// Two writers (two pools, as two server processes would have) on one schema never lose or
    /// duplicate money: the meta-row and account locks serialise their batches.
    #[test]
    fn concurrent_writers_stay_balanced() {
        block_on(async {
            let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
                store::testing::skip(
                    "postgres ledger variant skipped: TEST_DATABASE_URL is not set",
                );
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

/// A batch whose bet row breaks a constraint commits nothing, its transfers included (the
/// writer's transaction is open across several requests and must roll back), and the next batch
/// commits normally.
async fn failed_batch_commits_nothing(ledger: LedgerDb) {
    use ledger::chart::{AccountKind, TransferKind};
    use store::testing::bet_row;
    let (house, player) = (1_000u128, 1u128);
    let accounts = [
        AccountKind::House.account(house, 1),
        AccountKind::Issuance.account(player, 1),
    ];
    ledger
        .create_accounts(&accounts, 1)
        .await
        .expect("accounts");
    let bet = |id: u128| [TransferKind::Bet.transfer(id, player, house, 5, 1)];
    let first = bet(10);
    ledger
        .commit_batch_deferred(&[&first], 2, |_| vec![bet_row(1, 1)])
        .await
        .expect("first bet");
    ledger.sync().await.expect("sync");
    let (plain, with_row) = (bet(11), bet(12));
    let err = ledger
        .commit_batch_deferred(&[&plain, &with_row], 3, |_| vec![bet_row(2, 1)])
        .await
        .expect_err("the nonce is taken");
    assert_eq!(err.kind, store::StoreErrorKind::Conflict, "{err}");
    assert!(
        ledger
            .lookup_transfers(&[11, 12])
            .await
            .expect("lookup")
            .is_empty(),
        "nothing of the failed batch committed"
    );
    let again = bet(11);
    let results = ledger.create_transfers(&again, 4).await.expect("retry");
    assert!(results.iter().all(|r| r.is_success()), "{results:?}");
    let dump = ledger.dump().await.expect("dump");
    assert_eq!(dump.transfers.len(), 2);
    let house_row = dump.accounts.iter().find(|a| a.id == house).expect("house");
    assert_eq!(house_row.credits_posted, 10);
    assert!(ledger::verify(&dump).ok);
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

/// Migration 0008 (balances as rows of `ledger_balances`, instead of columns of the account rows
/// beside a history table and two indexes on the transfers): a ledger written before it reads
/// the same after it, and goes on exactly like the reference.
mod migration_0008 {
    use std::fmt::Write as _;
    use std::str::FromStr as _;

    use ::ledger::memory::MemoryLedger;
    use ::ledger::sim::{SimConfig, SimOp, Simulator};
    use ledger::conformance::{assert_same_ledger, differential_steps};

    use super::*;

    const SEED: u64 = 8;

    /// The migrations before 0008, read from `migrations/{backend}`.
    async fn before_0008(backend: &str) -> sqlx::migrate::Migrator {
        let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
        let mut migrator = sqlx::migrate::Migrator::new(std::path::Path::new(&dir))
            .await
            .expect("migrations");
        let older: Vec<_> = migrator
            .migrations
            .iter()
            .filter(|m| m.version < 8)
            .cloned()
            .collect();
        assert_eq!(older.len(), 7, "migrations 0001 to 0007");
        migrator.migrations = older.into();
        migrator
    }

    /// A simulated ledger's first steps, run on the reference alone.
    fn reference_ledger() -> (Simulator, MemoryLedger) {
        let mut sim = Simulator::new(SEED, SimConfig::default());
        let mut reference = MemoryLedger::new();
        for _ in 0..150 {
            let step = sim.step();
            match &step.op {
                SimOp::Accounts(batch) => {
                    reference
                        .create_accounts(batch, step.now)
                        .expect("accounts");
                }
                SimOp::Transfers(batch) => {
                    reference
                        .create_transfers(batch, step.now)
                        .expect("transfers");
                }
                SimOp::Expire { limit } => {
                    reference.expire_pending(step.now, *limit).expect("expiry");
                }
            }
        }
        let dump = reference.dump();
        assert!(
            dump.history.len() > 10 && !dump.pending.is_empty() && !dump.failed.is_empty(),
            "the history covers history rows, pending transfers and failures"
        );
        (sim, reference)
    }

    /// `reference`'s rows as the schema before 0008 stored them, as SQL; `blob` writes an id.
    fn old_rows(reference: &MemoryLedger, blob: fn(u128) -> String) -> String {
        fn values<T>(sql: &mut String, head: &str, rows: &[T], row: impl Fn(&T) -> String) {
            if rows.is_empty() {
                return;
            }
            let rows: Vec<String> = rows.iter().map(|r| format!("({})", row(r))).collect();
            let _ = writeln!(sql, "INSERT INTO {head} VALUES {};", rows.join(", "));
        }
        let int = |v: u64| i64::try_from(v).expect("ledger figures fit i64");
        let d = reference.dump();
        let mut sql = String::new();
        values(
            &mut sql,
            "ledger_accounts (id, debits_pending, debits_posted, credits_pending, credits_posted, \
             user_data_128, user_data_64, user_data_32, ledger, code, flags, ts)",
            &d.accounts,
            |a| {
                format!(
                    "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}",
                    blob(a.id),
                    int(a.debits_pending),
                    int(a.debits_posted),
                    int(a.credits_pending),
                    int(a.credits_posted),
                    blob(a.user_data_128),
                    a.user_data_64.cast_signed(),
                    a.user_data_32,
                    a.ledger,
                    a.code,
                    a.flags.0,
                    int(a.timestamp)
                )
            },
        );
        values(
            &mut sql,
            "ledger_transfers (id, debit_account_id, credit_account_id, amount, pending_id, \
             user_data_128, user_data_64, user_data_32, timeout, ledger, code, flags, ts)",
            &d.transfers,
            |t| {
                format!(
                    "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}",
                    blob(t.id),
                    blob(t.debit_account_id),
                    blob(t.credit_account_id),
                    int(t.amount),
                    blob(t.pending_id),
                    blob(t.user_data_128),
                    t.user_data_64.cast_signed(),
                    t.user_data_32,
                    t.timeout,
                    t.ledger,
                    t.code,
                    t.flags.0,
                    int(t.timestamp)
                )
            },
        );
        values(
            &mut sql,
            "ledger_pending (id, status, expires_at)",
            &d.pending,
            |p| {
                let status = match p.status {
                    ::ledger::PendingStatus::Pending => 0,
                    ::ledger::PendingStatus::Posted => 1,
                    ::ledger::PendingStatus::Voided => 2,
                    ::ledger::PendingStatus::Expired => 3,
                };
                let expires = p
                    .expires_at
                    .map_or("NULL".to_owned(), |e| int(e).to_string());
                format!("{}, {status}, {expires}", blob(p.id))
            },
        );
        values(
            &mut sql,
            "ledger_history (account_id, ts, debits_pending, debits_posted, credits_pending, \
             credits_posted)",
            &d.history,
            |h| {
                format!(
                    "{}, {}, {}, {}, {}, {}",
                    blob(h.account_id),
                    int(h.timestamp),
                    int(h.debits_pending),
                    int(h.debits_posted),
                    int(h.credits_pending),
                    int(h.credits_posted)
                )
            },
        );
        values(&mut sql, "ledger_failed (id, result, ts)", &d.failed, |f| {
            format!(
                "{}, '{}', {}",
                blob(f.id),
                f.result.name(),
                int(f.timestamp)
            )
        });
        let _ = writeln!(
            sql,
            "UPDATE ledger_meta SET commit_timestamp = {} WHERE id = 1;",
            int(d.commit_timestamp)
        );
        sql
    }

    /// After the migration: the same ledger as the reference, then the same steps.
    async fn goes_on<L: LedgerStore>(migrated: &L, mut sim: Simulator, mut reference: MemoryLedger)
    where
        L::Error: std::fmt::Debug,
    {
        assert_same_ledger(migrated, &reference, SEED).await;
        differential_steps(migrated, &mut sim, &mut reference, 150, SEED).await;
        assert_same_ledger(migrated, &reference, SEED).await;
    }

    #[test]
    fn sqlite() {
        block_on(async {
            let dir =
                std::env::temp_dir().join(format!("playhouse-ledger-0008-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("dir");
            let url = format!("sqlite://{}/ledger.db", dir.display());
            let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                .expect("url")
                .create_if_missing(true);
            let pool = sqlx::SqlitePool::connect_with(opts).await.expect("pool");
            before_0008("sqlite")
                .await
                .run(&pool)
                .await
                .expect("0001-0007");
            let (sim, reference) = reference_ledger();
            sqlx::raw_sql(&old_rows(&reference, |id| format!("X'{id:032x}'")))
                .execute(&pool)
                .await
                .expect("old rows");
            pool.close().await;
            let store = store::SqliteStore::connect(&url).await.expect("migrated");
            goes_on(&store.ledger(), sim, reference).await;
            store::Store::close(&store).await;
            let _ = std::fs::remove_dir_all(&dir);
        });
    }

    #[test]
    fn postgres() {
        block_on(async {
            let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
                store::testing::skip(
                    "postgres migration test skipped: TEST_DATABASE_URL is not set",
                );
                return;
            };
            // A test schema (named so that an interrupted run's is dropped later), emptied.
            let fresh = store::testing::fresh_postgres(&url).await.expect("schema");
            let (schema,): (String,) = sqlx::query_as("SELECT current_schema()")
                .fetch_one(fresh.pool())
                .await
                .expect("schema name");
            store::Store::close(&fresh).await;
            let opts = sqlx::postgres::PgConnectOptions::from_str(&url).expect("url");
            let admin = sqlx::PgPool::connect_with(opts.clone())
                .await
                .expect("pool");
            sqlx::raw_sql(&format!(
                "DROP SCHEMA {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .execute(&admin)
            .await
            .expect("empty schema");
            let opts = opts.options([("search_path", schema.as_str())]);
            let pool = sqlx::PgPool::connect_with(opts.clone())
                .await
                .expect("pool");
            before_0008("postgres")
                .await
                .run(&pool)
                .await
                .expect("0001-0007");
            let (sim, reference) = reference_ledger();
            sqlx::raw_sql(&old_rows(&reference, |id| format!("'\\x{id:032x}'::bytea")))
                .execute(&pool)
                .await
                .expect("old rows");
            pool.close().await;
            let store = store::PgStore::connect_with(opts).await.expect("migrated");
            goes_on(&store.ledger(), sim, reference).await;
            store::Store::close(&store).await;
            sqlx::raw_sql(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&admin)
                .await
                .expect("drop schema");
        });
    }
}
