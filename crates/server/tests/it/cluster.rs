//! Cluster mode: nodes on one PostgreSQL, NATS and Redis (the services CI starts), each with its own
//! machine id; the embedded node refuses a second node on its SQLite file.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};

use serde_json::Value;

use crate::support::*;

struct Services {
    database: String,
    nats: String,
    redis: String,
}

fn services() -> Option<Services> {
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
fn fresh_cluster() -> String {
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
    let Some(svc) = services() else { return };
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
    config.rate_limit.per_ip_per_sec = 1;
    config.rate_limit.per_ip_burst = 3;
    let a = start_with(config.clone(), store.clone()).await;
    let b = start_with(config, store).await;
    // One client alternating between the nodes meets one bucket of 3, not one per node.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let node = if i % 2 == 0 { &a } else { &b };
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
    a.shutdown().await.expect("shutdown");
    b.shutdown().await.expect("shutdown");
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
