//! Cluster mode: nodes on one PostgreSQL, NATS and Redis (the services CI starts), each with its own
//! machine id; the embedded node refuses a second node on its SQLite file.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};

use serde_json::Value;

use crate::support::*;
use server::Server;

pub(crate) struct Services {
    pub(crate) database: String,
    pub(crate) nats: String,
    pub(crate) redis: String,
}

pub(crate) fn services() -> Option<Services> {
    match (
        std::env::var("TEST_DATABASE_URL"),
        std::env::var("TEST_NATS_URL"),
        std::env::var("TEST_REDIS_URL"),
    ) {
        (Ok(database), Ok(nats), Ok(redis)) => Some(Services {
            database,
            nats,
            redis,
        }),
        _ => {
            store::testing::skip(
                "cluster test skipped: TEST_DATABASE_URL, TEST_NATS_URL and TEST_REDIS_URL are \
                 not all set",
            );
            None
        }
    }
}

/// A cluster name no other run uses (each run's nodes lease machine ids among themselves).
pub(crate) fn fresh_cluster() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("test{:016x}", h.finish())
}

async fn ready(base: &str) -> Value {
    let res = client()
        .get(format!("{base}/ready"))
        .send()
        .await
        .expect("ready");
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_lease_distinct_machine_ids_and_their_ids_never_collide() {
    let Some(svc) = services() else { return };
    let (config, store) = cluster_setup(&svc, |_| {}).await;
    config.validate().expect("a valid cluster configuration");
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(start_with(config.clone(), store.clone()).await);
    }
    let mut machine_ids = HashSet::new();
    for n in &nodes {
        let r = ready(&n.url()).await;
        assert_eq!(
            (&r["status"], &r["bus"], &r["kv"]),
            (&"ok".into(), &"ok".into(), &"ok".into()),
            "{r}"
        );
        assert_eq!(
            (&r["bus_backend"], &r["kv_backend"], &r["backend"]),
            (&"nats".into(), &"redis".into(), &"postgres".into()),
            "{r}"
        );
        machine_ids.insert(r["machine_id"].as_u64().expect("machine id"));
    }
    assert_eq!(
        machine_ids,
        HashSet::from([1, 2, 3]),
        "each node leased its own"
    );

    // Ids drawn on all three nodes at once never collide.
    let mut draws = Vec::new();
    for n in &nodes {
        let ids = n.state.ids.clone();
        draws.push(tokio::task::spawn_blocking(move || {
            (0..20_000).map(|_| ids.next_id()).collect::<Vec<i64>>()
        }));
    }
    let mut all = HashSet::new();
    for d in draws {
        for id in d.await.expect("draw") {
            assert!(all.insert(id), "id {id} issued twice");
        }
    }
    assert_eq!(all.len(), 60_000);

    // A node that stops hands its machine id back; the next node to start takes it.
    let stopped = nodes.remove(0);
    let freed = stopped.state.ids.machine_id();
    stopped.shutdown().await.expect("shutdown");
    let next = start_with(config.clone(), store.clone()).await;
    assert_eq!(next.state.ids.machine_id(), freed);
    next.shutdown().await.expect("shutdown");
    for n in nodes {
        n.shutdown().await.expect("shutdown");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_hold_across_nodes() {
    if services().is_none() {
        return;
    }
    let nodes = cluster_nodes(2, |c| {
        c.rate_limit.per_ip_per_sec = 1;
        c.rate_limit.per_ip_burst = 3;
    })
    .await;
    let (a, b) = (&nodes[0], &nodes[1]);
    // One client alternating between the nodes meets one bucket of 3, not one per node.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let node = if i % 2 == 0 { a } else { b };
        let res = client()
            .post(format!("{}/v1/auth/guest", node.url()))
            .send()
            .await
            .expect("guest");
        statuses.push(res.status().as_u16());
        if res.status() == 429 {
            let retry: u64 = res.headers()["retry-after"]
                .to_str()
                .expect("header")
                .parse()
                .expect("seconds");
            assert!((1..=2).contains(&retry), "retry-after {retry}");
            expect_error(res, 429, "rate_limited", None).await;
        }
    }
    assert_eq!(&statuses[..3], &[200, 200, 200], "{statuses:?}");
    // Per node, each would have let all three of its requests through.
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    for n in nodes {
        n.shutdown().await.expect("shutdown");
    }
}

/// The login throttle counts across nodes: wrong passwords alternating over three nodes are
/// throttled after the same five free failures as on one node (per node, each would allow five).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_throttled_across_nodes() {
    if services().is_none() {
        return;
    }
    let nodes = cluster_nodes(3, |c| {
        c.rate_limit.trust_forwarded_for = true;
        c.rate_limit.per_ip_per_sec = 100_000;
        c.rate_limit.per_ip_burst = 100_000;
    })
    .await;
    let c = client();
    let body = serde_json::json!({"email": "ada@example.com", "password": "Analytical-1843", "display_name": "Ada"});
    let res = c
        .post(format!("{}/v1/auth/register", nodes[0].url()))
        .json(&body)
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), 200);
    let mut statuses = Vec::new();
    for i in 0..9 {
        let res = c
            .post(format!("{}/v1/auth/login", nodes[i % 3].url()))
            .header("x-forwarded-for", "10.7.0.1")
            .json(&serde_json::json!({"email": "ada@example.com", "password": "wrong-password"}))
            .send()
            .await
            .expect("login");
        statuses.push(res.status().as_u16());
    }
    // Five free failures, the sixth counted (it locks the pair for 1 s), then refused.
    assert_eq!(&statuses[..6], &[401; 6], "{statuses:?}");
    assert_eq!(statuses[6], 429, "{statuses:?}");
    // The owner, from a clean address, signs in on any node.
    let res = c
        .post(format!("{}/v1/auth/login", nodes[2].url()))
        .header("x-forwarded-for", "10.7.0.9")
        .json(&serde_json::json!({"email": "ada@example.com", "password": "Analytical-1843"}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
    for n in nodes {
        n.shutdown().await.expect("shutdown");
    }
}

#[tokio::test]
async fn a_second_node_on_one_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = config();
    config.database_url = format!("sqlite://{}/p.db", dir.path().display());
    let first = server::start(config.clone(), None).await.expect("first");
    let Err(e) = server::start(config.clone(), None).await else {
        panic!("a second node started on the same SQLite file");
    };
    let msg = e.to_string();
    assert!(
        msg.contains("another playhouse node is serving the SQLite database"),
        "{msg}"
    );
    assert!(msg.contains("PostgreSQL"), "says what to do instead: {msg}");
    first.shutdown().await.expect("shutdown");
    let again = server::start(config, None)
        .await
        .expect("free after the stop");
    again.shutdown().await.expect("shutdown");
}

/// A cluster node's configuration (tuned by `tune`) and a fresh PostgreSQL schema, with NATS and
/// Redis under a fresh cluster name.
async fn cluster_setup(
    svc: &Services,
    tune: impl Fn(&mut server::config::Config),
) -> (server::config::Config, std::sync::Arc<dyn store::Store>) {
    let store: std::sync::Arc<dyn store::Store> = std::sync::Arc::new(
        store::testing::fresh_postgres(&svc.database)
            .await
            .expect("postgres"),
    );
    let mut config = config();
    config.database_url = svc.database.clone();
    config.nats_url = Some(svc.nats.clone());
    config.redis_url = Some(svc.redis.clone());
    config.node.cluster = fresh_cluster();
    tune(&mut config);
    (config, store)
}

/// `n` cluster nodes on one fresh PostgreSQL schema, sharing NATS and Redis.
pub(crate) async fn cluster_nodes(
    n: usize,
    tune: impl Fn(&mut server::config::Config),
) -> Vec<Server> {
    let svc = services().expect("services");
    let (config, store) = cluster_setup(&svc, tune).await;
    let mut nodes = Vec::new();
    for _ in 0..n {
        nodes.push(start_with(config.clone(), store.clone()).await);
    }
    nodes
}

/// A player of the cross-node games test: one token, any node.
struct Gambler {
    c: reqwest::Client,
    token: String,
}

impl Gambler {
    async fn call(&self, base: &str, path: &str, body: Value) -> (u16, Value) {
        let res = self
            .c
            .post(format!("{base}{path}"))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.expect("json"))
    }

    async fn dice(&self, base: &str) -> Value {
        let (status, body) = self
            .call(
                base,
                "/v1/games/dice/bets",
                serde_json::json!({"amount": 10, "currency": "PLAY",
                    "params": {"target": 50.5, "direction": "over"}}),
            )
            .await;
        assert_eq!(status, 200, "bet on {base}: {body}");
        body
    }

    async fn rotate(&self, base: &str) -> Value {
        let (status, body) = self
            .call(base, "/v1/fair/rotate", serde_json::json!({}))
            .await;
        assert_eq!(status, 200, "rotate on {base}: {body}");
        body
    }
}

/// 20 players, each sending every request to the next node, rotating their seed pair on yet
/// another node every few bets and sometimes betting on two nodes at once: no request fails, every
/// bet was drawn on the seed that was active when it was sent (never a revealed one), the nonces of
/// each seed run 0, 1, 2… without a gap or a repeat, and every bet verifies against its revealed
/// seed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instant_games_are_right_whichever_node_serves_each_request() {
    if services().is_none() {
        return;
    }
    let nodes = cluster_nodes(3, |c| {
        c.rate_limit.per_account_per_sec = 10_000;
        c.rate_limit.per_account_burst = 10_000;
        c.rate_limit.per_ip_per_sec = 10_000;
        c.rate_limit.per_ip_burst = 10_000;
    })
    .await;
    let urls: Vec<String> = nodes.iter().map(Server::url).collect();
    let mut players = Vec::new();
    for p in 0..20 {
        let urls = urls.clone();
        players.push(tokio::spawn(async move {
            let g = Gambler {
                c: client(),
                token: guest_token(&urls[p % 3]).await,
            };
            // The seed the player knows is active, and every rotation's answer.
            let (_, seeds) = {
                let res =
                    g.c.get(format!("{}/v1/fair/seeds", urls[(p + 1) % 3]))
                        .bearer_auth(&g.token)
                        .send()
                        .await
                        .expect("seeds");
                (res.status(), res.json::<Value>().await.expect("json"))
            };
            let mut active = seeds["server_seed_hash"].clone();
            let mut bets = Vec::new();
            let mut rotations = Vec::new();
            for step in 0..16usize {
                let node = &urls[(p + step) % 3];
                if step % 5 == 4 {
                    let r = g.rotate(&urls[(p + step + 1) % 3]).await;
                    assert_eq!(r["revealed"]["server_seed_hash"], active);
                    active = r["active"]["server_seed_hash"].clone();
                    rotations.push(r);
                } else if step % 5 == 2 {
                    // Two bets at once on two nodes: both succeed, one after the other.
                    let (x, y) = tokio::join!(g.dice(node), g.dice(&urls[(p + step + 1) % 3]));
                    for b in [x, y] {
                        assert_eq!(b["provably_fair"]["server_seed_hash"], active, "{b}");
                        bets.push(b);
                    }
                } else {
                    let b = g.dice(node).await;
                    assert_eq!(
                        b["provably_fair"]["server_seed_hash"], active,
                        "bet on the seed active when it was sent: {b}"
                    );
                    bets.push(b);
                }
            }
            rotations.push(g.rotate(&urls[p % 3]).await);
            (g, bets, rotations)
        }));
    }
    let mut total = 0;
    for p in players {
        let (g, bets, rotations) = p.await.expect("player");
        for r in &rotations {
            let hash = &r["revealed"]["server_seed_hash"];
            let seed = r["revealed"]["server_seed"].as_str().expect("seed");
            let client_seed = r["revealed"]["client_seed"].as_str().expect("client seed");
            let mut nonces: Vec<u64> = bets
                .iter()
                .filter(|b| &b["provably_fair"]["server_seed_hash"] == hash)
                .map(|b| b["provably_fair"]["nonce"].as_u64().expect("nonce"))
                .collect();
            nonces.sort_unstable();
            let used = r["revealed"]["nonce"].as_u64().expect("nonces used");
            assert_eq!(
                nonces,
                (0..used).collect::<Vec<_>>(),
                "each nonce of a seed once, none after its reveal"
            );
            for b in bets
                .iter()
                .filter(|b| &b["provably_fair"]["server_seed_hash"] == hash)
            {
                let nonce = b["provably_fair"]["nonce"].as_u64().expect("nonce");
                let want = casino::play(
                    "dice",
                    &serde_json::json!({"target": 50.5, "direction": "over"}),
                    &mut fair::ByteStream::new(seed, client_seed, nonce),
                    10,
                )
                .expect("dice");
                assert_eq!(b["payout"].as_u64(), Some(want.payout_minor), "{b}");
                total += 1;
            }
        }
        // The history of any node shows every bet with its revealed seed.
        let res =
            g.c.get(format!("{}/v1/bets?limit=100", urls[2]))
                .bearer_auth(&g.token)
                .send()
                .await
                .expect("history");
        let page: Value = res.json().await.expect("json");
        let items = page["items"].as_array().expect("items");
        assert_eq!(items.len(), bets.len(), "{page}");
        assert!(
            items
                .iter()
                .all(|b| b["provably_fair"]["server_seed"].is_string())
        );
    }
    assert_eq!(total, 20 * 16, "every bet was checked");
    for n in nodes {
        n.shutdown().await.expect("shutdown");
    }
}

/// What node A's games and accounts announce reaches node B: the live bet feed (and `GET
/// /v1/activity`), the player's balance change, and a sign-out, after which B refuses the signed-out
/// access token at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_and_sign_outs_reach_every_node() {
    if services().is_none() {
        return;
    }
    let nodes = cluster_nodes(2, |c| {
        if let Some(play) = c.games.currencies.get_mut("PLAY") {
            // Every bet is shown in the feed (no sampling).
            play.feed_large_min = 1;
        }
    })
    .await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut feed = b.state.bet_feed.subscribe();
    let mut balances = b.state.balance_changes.subscribe();
    let c = client();
    let g = Gambler {
        c: c.clone(),
        token: guest_token(&a.url()).await,
    };
    let bet = g.dice(&a.url()).await;
    let bet_id = bet["bet_id"].as_str().expect("id").to_owned();
    let within = std::time::Duration::from_secs(5);
    let change = tokio::time::timeout(within, balances.recv())
        .await
        .expect("a balance change reaches node B")
        .expect("change");
    assert_eq!(Some(change.balance), bet["balance"].as_u64());
    let batch = tokio::time::timeout(within, feed.recv())
        .await
        .expect("the feed reaches node B")
        .expect("batch");
    assert!(batch.items.iter().any(|i| i.bet_id == bet_id), "{batch:?}");
    let activity: Value = c
        .get(format!("{}/v1/activity?game=dice", b.url()))
        .send()
        .await
        .expect("activity")
        .json()
        .await
        .expect("json");
    assert!(
        activity["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["bet_id"] == bet_id.as_str()),
        "{activity}"
    );

    // Signed out on A: B refuses the access token too (it is still within its lifetime).
    let me_on_b = || {
        c.get(format!("{}/v1/me", b.url()))
            .bearer_auth(&g.token)
            .send()
    };
    assert_eq!(me_on_b().await.expect("me").status(), 200);
    let res = c
        .post(format!("{}/v1/auth/logout", a.url()))
        .bearer_auth(&g.token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), 204);
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let status = me_on_b().await.expect("me").status();
        if status == 401 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "node B still accepts a token signed out on node A"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    for n in nodes {
        n.shutdown().await.expect("shutdown");
    }
}

/// A `playhouse serve` cluster node as its own process (so the test can `kill -9` it).
pub(crate) struct NodeProcess {
    child: std::process::Child,
    pub(crate) url: String,
}

impl NodeProcess {
    pub(crate) async fn start(database: &str, svc: &Services, cluster: &str) -> NodeProcess {
        Self::start_with(database, svc, cluster, &[]).await
    }

    /// Starts a node with extra `PLAYHOUSE_*` settings.
    pub(crate) async fn start_with(
        database: &str,
        svc: &Services,
        cluster: &str,
        env: &[(&str, &str)],
    ) -> NodeProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_playhouse"))
            .env_remove("PLAYHOUSE_LISTEN")
            .env("PLAYHOUSE_DATABASE_URL", database)
            .env("PLAYHOUSE_NATS_URL", &svc.nats)
            .env("PLAYHOUSE_REDIS_URL", &svc.redis)
            .env("PLAYHOUSE_NODE__CLUSTER", cluster)
            .env("PLAYHOUSE_AUTH__JWT_SECRET", SECRET)
            .env("PLAYHOUSE_RATE_LIMIT__PER_IP_PER_SEC", "1000000")
            .env("PLAYHOUSE_RATE_LIMIT__PER_IP_BURST", "1000000")
            .env("PLAYHOUSE_RATE_LIMIT__PER_ACCOUNT_PER_SEC", "1000000")
            .env("PLAYHOUSE_RATE_LIMIT__PER_ACCOUNT_BURST", "1000000")
            .env("PLAYHOUSE_LOG_LEVEL", "warn")
            .envs(env.iter().copied())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn serve");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..400 {
            if client()
                .get(format!("{url}/ready"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return NodeProcess { child, url };
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("node did not come up");
    }

    pub(crate) async fn node_id(&self) -> String {
        ready(&self.url).await["node"]
            .as_str()
            .expect("node")
            .to_owned()
    }

    pub(crate) fn kill9(&mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reap");
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh schema on the test PostgreSQL, as a URL another process can open.
pub(crate) async fn fresh_schema_url(base: &str) -> String {
    use sqlx::Connection;
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    let schema = format!("ph_test_{}_cluster_{:x}", unix_secs(), h.finish());
    let mut conn = sqlx::PgConnection::connect(base).await.expect("postgres");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .expect("schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

#[allow(
    clippy::disallowed_methods,
    reason = "names a scratch schema by its age"
)]
fn unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Bets on two node processes while the one relaying events is killed with `kill -9`: every
/// acknowledged bet's `bet_settled` event is in the stream exactly once (the survivor takes the
/// relay over and re-appends what the dead one may have appended without deleting, which the
/// stream drops as duplicates), and the stream holds no event of a bet that is not stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_settled_bet_is_in_the_event_stream_once_across_a_node_kill() {
    let Some(svc) = services() else { return };
    let database = fresh_schema_url(&svc.database).await;
    let cluster = fresh_cluster();
    let mut nodes = [
        NodeProcess::start(&database, &svc, &cluster).await,
        NodeProcess::start(&database, &svc, &cluster).await,
    ];
    let kv = kv::connect(Some(&svc.redis), &cluster).await.expect("kv");
    let relay = loop {
        if let Some(l) = kv.holder("job:events-relay").await.expect("holder") {
            break l.holder;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let victim = if nodes[0].node_id().await == relay {
        0
    } else {
        1
    };
    assert_eq!(nodes[victim].node_id().await, relay);
    let urls: Vec<String> = nodes.iter().map(|n| n.url.clone()).collect();

    // Six players bet on both nodes; the relay's node dies in the middle.
    let acked = std::sync::Arc::new(std::sync::Mutex::new(HashSet::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for p in 0..6usize {
        let (urls, acked, stop) = (urls.clone(), acked.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            let c = client();
            let token = guest_token(&urls[1 - victim]).await;
            let mut i = p;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let res = c
                    .post(format!("{}/v1/games/dice/bets", urls[i % 2]))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"amount": 1, "currency": "PLAY",
                        "params": {"target": 50.5, "direction": "over"}}))
                    .send()
                    .await;
                // A bet sent to the dead node is not acknowledged: it may or may not be stored.
                if let Ok(res) = res
                    && res.status() == 200
                {
                    let body: Value = res.json().await.expect("json");
                    let id = body["bet_id"].as_str().expect("id").to_owned();
                    acked.lock().expect("acked").insert(id);
                }
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    nodes[victim].kill9();
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for l in load {
        l.await.expect("player");
    }
    let acked = acked.lock().expect("acked").clone();
    assert!(acked.len() > 50, "too little load: {}", acked.len());

    // The stream, read by a consumer of our own: every stored settled bet once.
    let bus = bus::connect(Some(&svc.nats), &cluster).await.expect("bus");
    let mut consumer = bus
        .consume(&bus::ConsumerSpec {
            name: "test-bets".into(),
            filter: "events.bet_settled".into(),
            ack_wait: std::time::Duration::from_secs(30),
            max_deliver: 3,
        })
        .await
        .expect("consumer");
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let wait = if acked.iter().all(|id| seen.contains_key(id)) {
            // Everything acknowledged is there: a little longer, for any duplicate to show.
            std::time::Duration::from_secs(2)
        } else {
            deadline.saturating_duration_since(tokio::time::Instant::now())
        };
        let Ok(d) = tokio::time::timeout(wait, consumer.next()).await else {
            break;
        };
        let d = d.expect("delivery");
        let body: Value = serde_json::from_slice(&d.event.payload).expect("json");
        assert_eq!(
            d.event.id,
            format!("bet:{}", body["bet_id"].as_str().expect("id"))
        );
        *seen
            .entry(body["bet_id"].as_str().expect("id").to_owned())
            .or_default() += 1;
        d.ack().await.expect("ack");
    }
    let missing: Vec<&String> = acked.iter().filter(|id| !seen.contains_key(*id)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged bets missing from the stream: {missing:?}"
    );
    let twice: Vec<(&String, &u32)> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "events in the stream more than once: {twice:?}"
    );
    let stored: i64 = db_count(&database, "SELECT COUNT(*) FROM game_bets WHERE status = 1").await;
    assert_eq!(
        usize::try_from(stored).expect("count"),
        seen.len(),
        "one event per stored settled bet, none for a bet not stored"
    );
}

async fn db_count(database: &str, sql: &str) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(database)
        .await
        .expect("postgres");
    sqlx::query_scalar(sql)
        .fetch_one(&mut conn)
        .await
        .expect("count")
}

/// An embedded node relays its events too (to its in-process stream): each settled bet once, and
/// every player-visible ledger transfer — the signup grant, each stake and each payout — naming
/// the player on its side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedded_node_streams_bets_and_player_transfers() {
    let s = start().await;
    let g = Gambler {
        c: client(),
        token: guest_token(&s.url()).await,
    };
    let mut bets = HashSet::new();
    let mut wins = 0;
    for _ in 0..3 {
        let b = g.dice(&s.url()).await;
        bets.insert(b["bet_id"].as_str().expect("id").to_owned());
        // A lost bet books its stake only; a payout is a transfer of its own.
        wins += usize::from(b["payout"].as_u64() > Some(0));
    }
    let bus = s.state.cluster.bus.clone();
    let read = |filter: &'static str| {
        let bus = bus.clone();
        async move {
            let mut consumer = bus
                .consume(&bus::ConsumerSpec {
                    name: format!("test-{}", filter.replace('.', "-")),
                    filter: filter.into(),
                    ack_wait: std::time::Duration::from_secs(30),
                    max_deliver: 3,
                })
                .await
                .expect("consumer");
            let mut events = Vec::new();
            while let Ok(d) =
                tokio::time::timeout(std::time::Duration::from_secs(2), consumer.next()).await
            {
                let d = d.expect("delivery");
                events.push((
                    d.event.id.clone(),
                    serde_json::from_slice::<Value>(&d.event.payload).expect("json"),
                ));
                d.ack().await.expect("ack");
            }
            events
        }
    };
    let settled = read("events.bet_settled").await;
    let ids: HashSet<String> = settled
        .iter()
        .map(|(_, b)| b["bet_id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!((settled.len(), ids), (3, bets));
    let transfers = read("events.transfer").await;
    let kinds: Vec<&str> = transfers
        .iter()
        .map(|(_, t)| t["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "grant").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "bet").count(),
        3,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "win").count(),
        wins,
        "{kinds:?}"
    );
    let me = &transfers[0].1["credit_user"];
    assert!(
        me.is_string(),
        "the grant names its player: {}",
        transfers[0].1
    );
    for (id, t) in &transfers {
        assert_eq!(
            id,
            &format!("transfer:{}", t["transfer_id"].as_str().expect("id"))
        );
        assert!(&t["debit_user"] == me || &t["credit_user"] == me, "{t}");
    }
    s.shutdown().await.expect("shutdown");
}
