//! The kv conformance suite against both adapters: in memory, and Redis at `TEST_REDIS_URL`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::hash::{BuildHasher, Hasher};

use kv::{Kv, KvError, MemoryKv, RedisKv};

/// A namespace no other run uses.
fn fresh_namespace() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("playhouse-test-{:016x}", h.finish())
}

#[tokio::test]
async fn memory_passes_the_conformance_suite() {
    kv::conformance::run(&MemoryKv::new(), "run").await;
}

#[tokio::test]
async fn redis_passes_the_conformance_suite() {
    let Ok(url) = std::env::var("TEST_REDIS_URL") else {
        store::testing::skip("redis kv skipped: TEST_REDIS_URL is not set");
        return;
    };
    let ns = fresh_namespace();
    let kv = RedisKv::connect(&url, &ns).await.expect("redis");
    kv::conformance::run(&kv, "run").await;
    // Two clients of one Redis see each other's leases (two nodes), and namespaces keep apart.
    let other_node = RedisKv::connect(&url, &ns).await.expect("redis");
    let lease = kv
        .acquire("run:shared", "node-a", std::time::Duration::from_secs(30))
        .await
        .unwrap()
        .expect("free");
    assert_eq!(other_node.holder("run:shared").await.unwrap(), Some(lease));
    let elsewhere = RedisKv::connect(&url, &fresh_namespace())
        .await
        .expect("redis");
    assert_eq!(elsewhere.holder("run:shared").await.unwrap(), None);
}

#[tokio::test]
async fn an_unreachable_redis_is_a_clear_unavailable_error() {
    // Port 1 on loopback: nothing listens there.
    let err = RedisKv::connect("redis://127.0.0.1:1", "x")
        .await
        .expect_err("no redis");
    assert!(matches!(err, KvError::Unavailable(_)), "{err:?}");
    let err = RedisKv::connect("not a url", "x")
        .await
        .expect_err("bad url");
    assert!(matches!(err, KvError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn connect_picks_the_adapter() {
    assert_eq!(
        kv::connect(None, "x").await.unwrap().backend_name(),
        "memory"
    );
    if let Ok(url) = std::env::var("TEST_REDIS_URL") {
        assert_eq!(
            kv::connect(Some(&url), "x").await.unwrap().backend_name(),
            "redis"
        );
    }
}
