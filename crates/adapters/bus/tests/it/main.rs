//! The bus conformance suite against both adapters: in process, and NATS at `TEST_NATS_URL`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::hash::{BuildHasher, Hasher};

use bus::{Bus, BusError, LocalBus, NatsBus};

/// A namespace no other run uses.
fn fresh_namespace() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("test{:016x}", h.finish())
}

#[tokio::test]
async fn local_passes_the_conformance_suite() {
    bus::conformance::run(&LocalBus::new()).await;
}

#[tokio::test]
async fn nats_passes_the_conformance_suite() {
    let Ok(url) = std::env::var("TEST_NATS_URL") else {
        store::testing::skip("nats bus skipped: TEST_NATS_URL is not set");
        return;
    };
    let ns = fresh_namespace();
    let bus = NatsBus::connect(&url, &ns).await.expect("nats");
    bus::conformance::run(&bus).await;
    // Two connections (two nodes) share the namespace's subjects and stream.
    let other = NatsBus::connect(&url, &ns).await.expect("nats");
    let mut sub = other.subscribe("presence.>").await.expect("subscribe");
    bus.publish("presence.7", bus::Bytes::from_static(b"on"))
        .await
        .expect("publish");
    let m = tokio::time::timeout(std::time::Duration::from_secs(10), sub.next())
        .await
        .expect("in time")
        .expect("message");
    assert_eq!(m.subject, "presence.7");
    // The conformance suite appended `dedupe-1` of kind `bet_settled`.
    let settled = bus::Event {
        id: "dedupe-1".into(),
        kind: "bet_settled".into(),
        payload: bus::Bytes::new(),
    };
    let dup = other.append(&settled).await.expect("append");
    assert!(
        dup.duplicate,
        "another node's append of the same id is a duplicate"
    );
    // Another namespace is another world.
    let elsewhere = NatsBus::connect(&url, &fresh_namespace())
        .await
        .expect("nats");
    let fresh = elsewhere.append(&settled).await.expect("append");
    assert!(!fresh.duplicate);
    elsewhere.drop_namespace().await.expect("drop");
    bus.drop_namespace().await.expect("drop");
}

#[tokio::test]
async fn an_unreachable_nats_is_a_clear_unavailable_error() {
    let err = NatsBus::connect("nats://127.0.0.1:1", "x")
        .await
        .expect_err("no nats");
    assert!(matches!(err, BusError::Unavailable(_)), "{err:?}");
    let err = NatsBus::connect("nats://127.0.0.1:1", "bad.ns")
        .await
        .expect_err("bad namespace");
    assert!(matches!(err, BusError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn connect_picks_the_adapter() {
    assert_eq!(
        bus::connect(None, "x").await.unwrap().backend_name(),
        "local"
    );
}
