//! Crash safety of the ledger: `kill -9` of a serving `playhouse` (admin adjustments over HTTP)
//! and of a `playhouse ledger load` (linked bet + win chains), both writing one SQLite file, in
//! the middle of sustained load. After the crash every acknowledged transfer exists, no chain is
//! half-booked, `playhouse ledger verify` passes, and after a restart a retried request with an
//! acknowledged id answers the original transfer.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ledger::{LedgerStore, TransferFlags};
use serde_json::{Value, json};

const SECRET: &str = "crash-secret-crash-secret-crash-secret-01";
const ADMIN: &str = "crash-admin@example.com";
/// The load runs at least this long before the kill…
const LOAD_MIN_MS: u64 = 1_000;
/// …and until both loads have this many acknowledgements…
const ACKS_BEFORE_KILL: usize = 50;
/// …or this deadline passes.
const LOAD_MAX_MS: u64 = 12_000;

fn playhouse(db_url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_playhouse"));
    c.env_remove("PLAYHOUSE_LISTEN")
        .env("PLAYHOUSE_DATABASE_URL", db_url)
        .env("PLAYHOUSE_AUTH__JWT_SECRET", SECRET)
        .env("PLAYHOUSE_RATE_LIMIT__PER_IP_PER_SEC", "1000000")
        .env("PLAYHOUSE_RATE_LIMIT__PER_IP_BURST", "1000000")
        .env("PLAYHOUSE_RATE_LIMIT__PER_ACCOUNT_PER_SEC", "1000000")
        .env("PLAYHOUSE_RATE_LIMIT__PER_ACCOUNT_BURST", "1000000")
        .env("PLAYHOUSE_LOG_LEVEL", "warn");
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Starts `playhouse serve` and waits until `/health` answers.
async fn serve(db_url: &str) -> (Child, String) {
    let port = free_port();
    let mut child = playhouse(db_url)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let url = format!("http://127.0.0.1:{port}");
    let c = reqwest::Client::new();
    for _ in 0..200 {
        if c.get(format!("{url}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return (child, url);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    kill9(&mut child);
    panic!("server did not come up");
}

fn kill9(child: &mut Child) {
    // `Child::kill` is SIGKILL on Unix: no shutdown hook, no flush, no graceful anything.
    child.kill().expect("kill -9");
    child.wait().expect("reap");
}

async fn post(
    c: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut r = c.post(url).json(body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_transfer() {
    let dir = tempfile::tempdir().expect("tmp");
    let db_url = format!("sqlite://{}/crash.db", dir.path().display());
    let (mut server, url) = serve(&db_url).await;
    let c = reqwest::Client::new();
    let admin: Value = post(
        &c,
        format!("{url}/v1/auth/register"),
        None,
        &json!({"email": ADMIN, "password": "Crash-Admin-1", "display_name": "Admin"}),
    )
    .await
    .json()
    .await
    .expect("admin");
    let token = admin["access_token"].as_str().expect("token").to_owned();
    let granted = playhouse(&db_url)
        .args(["admin", "grant", ADMIN])
        .output()
        .expect("admin grant");
    assert!(
        granted.status.success(),
        "{}",
        String::from_utf8_lossy(&granted.stderr)
    );
    let guest: Value = post(&c, format!("{url}/v1/auth/guest"), None, &json!({}))
        .await
        .json()
        .await
        .expect("guest");
    let user_id = guest["user"]["id"].as_str().expect("id").to_owned();

    // Chains from a second process on the same file.
    let mut loader = playhouse(&db_url)
        .args(["ledger", "load", "--concurrency", "8", "--players", "16"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn load");
    let chains: Arc<Mutex<Vec<Value>>> = Arc::default();
    let reader = {
        let chains = Arc::clone(&chains);
        let stdout = loader.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    chains.lock().expect("lock").push(v);
                }
            }
        })
    };

    // Adjustments over HTTP from 8 clients; remember every acknowledged one.
    let acked: Arc<Mutex<Vec<(Value, Value)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for client in 0..8u64 {
        let (c, url, token, user_id, acked, stop) = (
            c.clone(),
            url.clone(),
            token.clone(),
            user_id.clone(),
            Arc::clone(&acked),
            Arc::clone(&stop),
        );
        clients.push(tokio::spawn(async move {
            for n in 0u64.. {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let body = json!({"user_id": user_id, "currency": "PLAY", "amount": 1 + n % 50,
                    "direction": if n % 5 == 4 { "debit" } else { "credit" },
                    "reason": "crash test", "transfer_id": (1_000_000 * (client + 1) + n).to_string()});
                let Ok(res) = c.post(format!("{url}/v1/admin/wallet/adjust")).bearer_auth(&token).json(&body).send().await
                else { break };
                if res.status() == 200
                    && let Ok(v) = res.json::<Value>().await
                {
                    acked.lock().expect("lock").push((body, v));
                }
            }
        }));
    }
    // Kill once both loads are well under way (or at the deadline, on a starved machine).
    let started = api::clock::instant();
    tokio::time::sleep(Duration::from_millis(LOAD_MIN_MS)).await;
    while started.elapsed() < Duration::from_millis(LOAD_MAX_MS)
        && (acked.lock().expect("lock").len() < ACKS_BEFORE_KILL
            || chains.lock().expect("lock").len() < ACKS_BEFORE_KILL)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    kill9(&mut server);
    kill9(&mut loader);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for client in clients {
        client.await.expect("client");
    }
    reader.join().expect("reader");
    let acked = acked.lock().expect("lock").clone();
    let chains = chains.lock().expect("lock").clone();
    eprintln!(
        "acknowledged before the kill: {} adjustments, {} rounds",
        acked.len(),
        chains.len()
    );
    assert!(
        acked.len() >= 20,
        "too little HTTP load before the kill: {}",
        acked.len()
    );
    assert!(
        chains.len() >= 20,
        "too little chain load before the kill: {}",
        chains.len()
    );

    // `ledger verify` passes on the file as the crash left it.
    let out = playhouse(&db_url)
        .args(["ledger", "verify"])
        .output()
        .expect("verify");
    let report: Value = serde_json::from_slice(&out.stdout).expect("verify json");
    assert!(out.status.success(), "{report}");
    assert_eq!(report["ok"], true);

    // Every acknowledged transfer is there, and no chain is half-booked.
    let db = store::SqliteStore::connect(&db_url)
        .await
        .expect("reopen")
        .ledger();
    let dump = db.dump().await.expect("dump");
    let stored: std::collections::BTreeMap<u128, ledger::Transfer> =
        dump.transfers.iter().map(|t| (t.id, *t)).collect();
    for (body, answer) in &acked {
        let id: u128 = body["transfer_id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("u128");
        let t = stored
            .get(&id)
            .unwrap_or_else(|| panic!("acknowledged adjustment {id} lost"));
        assert_eq!(answer["transfer"]["timestamp"], t.timestamp.to_string());
    }
    for round in chains.iter().filter(|r| r["result"] == "ok") {
        for key in ["bet", "win"] {
            if let Some(id) = round[key].as_str() {
                let id: u128 = id.parse().expect("u128");
                assert!(
                    stored.contains_key(&id),
                    "acknowledged chain member {id} lost"
                );
            }
        }
    }
    let by_ts: std::collections::BTreeMap<u64, ledger::Transfer> =
        dump.transfers.iter().map(|t| (t.timestamp, *t)).collect();
    for t in dump
        .transfers
        .iter()
        .filter(|t| t.flags.contains(TransferFlags::LINKED))
    {
        let next = by_ts.get(&(t.timestamp + 1));
        assert!(
            next.is_some_and(|n| n.user_data_128 == t.user_data_128),
            "chain of {} half-booked",
            t.id
        );
    }

    // After a restart, a retried request answers the original transfer.
    let (mut server, url) = serve(&db_url).await;
    let (body, answer) = acked.last().expect("one acknowledged");
    let again: Value = post(
        &c,
        format!("{url}/v1/admin/wallet/adjust"),
        Some(&token),
        body,
    )
    .await
    .json()
    .await
    .expect("retry");
    assert_eq!(again["created"], false, "{again}");
    assert_eq!(again["transfer"], answer["transfer"]);
    kill9(&mut server);
}
