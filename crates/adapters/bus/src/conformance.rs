//! The one behaviour both adapters must have, run against each (`tests/it`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test suite: a failed step is a failed test"
)]

use std::time::Duration;

use bytes::Bytes;

use crate::{Bus, BusError, Consumer, ConsumerSpec, Delivery, Event};

/// Longest wait for something that must arrive.
const ARRIVES: Duration = Duration::from_secs(10);

/// Runs every case against `bus`.
pub async fn run(bus: &dyn Bus) {
    bus.ping().await.expect("ping");
    fan_out(bus).await;
    request_reply(bus).await;
    appends_dedupe(bus).await;
    consumers_deliver_at_least_once(bus).await;
    dead_letters(bus).await;
    bad_arguments(bus).await;
}

fn event(id: &str, kind: &str) -> Event {
    Event {
        id: id.to_owned(),
        kind: kind.to_owned(),
        payload: Bytes::from(format!("payload of {id}")),
    }
}

async fn next(c: &mut Box<dyn Consumer>) -> Delivery {
    tokio::time::timeout(ARRIVES, c.next())
        .await
        .expect("a delivery in time")
        .expect("a delivery")
}

async fn nothing_within(c: &mut Box<dyn Consumer>, wait: Duration) {
    if let Ok(d) = tokio::time::timeout(wait, c.next()).await {
        panic!("unexpected delivery {d:?}");
    }
}

async fn fan_out(bus: &dyn Bus) {
    let mut one = bus.subscribe("push.balance.*").await.unwrap();
    let mut all = bus.subscribe("push.>").await.unwrap();
    let mut other = bus.subscribe("push.feed").await.unwrap();
    bus.publish("push.balance.7", Bytes::from_static(b"42"))
        .await
        .unwrap();
    for sub in [&mut one, &mut all] {
        let m = tokio::time::timeout(ARRIVES, sub.next())
            .await
            .expect("in time")
            .expect("a message");
        assert_eq!(m.subject, "push.balance.7");
        assert_eq!(&m.payload[..], b"42");
        assert_eq!(m.reply, None);
    }
    bus.publish("push.feed", Bytes::from_static(b"f"))
        .await
        .unwrap();
    let m = tokio::time::timeout(ARRIVES, other.next())
        .await
        .expect("in time")
        .expect("a message");
    assert_eq!(m.subject, "push.feed", "push.balance.7 did not reach it");
    let m = tokio::time::timeout(ARRIVES, all.next())
        .await
        .expect("in time")
        .expect("a message");
    assert_eq!(m.subject, "push.feed");
    // Nothing else arrived for the narrow subscription.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), one.next())
            .await
            .is_err()
    );
}

async fn request_reply(bus: &dyn Bus) {
    let mut responder = bus.subscribe("table.t1.frame").await.unwrap();
    let answer = async {
        let m = tokio::time::timeout(ARRIVES, responder.next())
            .await
            .expect("in time")
            .expect("a request");
        let mut body = m.payload.to_vec();
        body.reverse();
        bus.reply(&m, Bytes::from(body)).await.unwrap();
        m
    };
    let (reply, request) = tokio::join!(
        bus.request(
            "table.t1.frame",
            Bytes::from_static(b"abc"),
            Duration::from_secs(5)
        ),
        answer
    );
    assert_eq!(&reply.unwrap()[..], b"cba");
    assert!(request.reply.is_some());
    // A reply to a message that asked for none is refused.
    assert!(matches!(
        bus.reply(
            &crate::Message {
                reply: None,
                ..request
            },
            Bytes::new()
        )
        .await,
        Err(BusError::Invalid(_))
    ));

    match bus
        .request("table.nobody.frame", Bytes::new(), Duration::from_secs(2))
        .await
    {
        Err(BusError::NoResponders(s)) => assert_eq!(s, "table.nobody.frame"),
        other => panic!("expected no responders, got {other:?}"),
    }
    let _silent = bus.subscribe("table.silent.frame").await.unwrap();
    match bus
        .request(
            "table.silent.frame",
            Bytes::new(),
            Duration::from_millis(300),
        )
        .await
    {
        Err(BusError::TimedOut(_)) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
}

async fn appends_dedupe(bus: &dyn Bus) {
    let first = bus.append(&event("dedupe-1", "bet_settled")).await.unwrap();
    assert!(!first.duplicate);
    let again = bus.append(&event("dedupe-1", "bet_settled")).await.unwrap();
    assert!(again.duplicate, "the same id twice is a duplicate");
    assert_eq!(again.seq, first.seq, "a duplicate names the first append");
    let second = bus.append(&event("dedupe-2", "bet_settled")).await.unwrap();
    assert!(!second.duplicate);
    assert!(second.seq > first.seq);
}

async fn consumers_deliver_at_least_once(bus: &dyn Bus) {
    let spec = ConsumerSpec {
        name: "tournaments".into(),
        filter: "events.>".into(),
        ack_wait: Duration::from_millis(800),
        max_deliver: 5,
    };
    let mut c = bus.consume(&spec).await.unwrap();
    // The two appends of the dedupe case come first: a new consumer reads from the start.
    for id in ["dedupe-1", "dedupe-2"] {
        let d = next(&mut c).await;
        assert_eq!(d.event.id, id);
        d.ack().await.unwrap();
    }
    // (Redelivery is not ordered before newer events: each step appends only what it reads.)
    bus.append(&event("a", "round_finished")).await.unwrap();
    bus.append(&event("b", "round_finished")).await.unwrap();

    let a = next(&mut c).await;
    assert_eq!(
        (a.event.clone(), a.delivered),
        (event("a", "round_finished"), 1)
    );
    a.ack().await.unwrap();
    // A nak: delivered again, counted.
    let b = next(&mut c).await;
    assert_eq!((b.event.id.as_str(), b.delivered), ("b", 1));
    b.nak().await.unwrap();
    let b = next(&mut c).await;
    assert_eq!((b.event.id.as_str(), b.delivered), ("b", 2));
    b.ack().await.unwrap();
    // No ack within ack_wait: delivered again.
    bus.append(&event("c", "match_finished")).await.unwrap();
    let cd = next(&mut c).await;
    assert_eq!((cd.event.id.as_str(), cd.delivered), ("c", 1));
    let seq = cd.seq;
    drop(cd);
    let cd = next(&mut c).await;
    assert_eq!((cd.event.id.as_str(), cd.delivered, cd.seq), ("c", 2, seq));
    cd.ack().await.unwrap();
    nothing_within(&mut c, Duration::from_millis(1_500)).await;

    // Durable: a reader opening the same consumer later goes on where it stopped.
    drop(c);
    bus.append(&event("d", "round_finished")).await.unwrap();
    let mut c = bus.consume(&spec).await.unwrap();
    let d = next(&mut c).await;
    assert_eq!(
        d.event.id, "d",
        "acknowledged events are not delivered again"
    );
    d.ack().await.unwrap();
    nothing_within(&mut c, Duration::from_millis(1_200)).await;

    // A filtered consumer sees its kind only, from the start.
    let mut only = bus
        .consume(&ConsumerSpec {
            name: "matches".into(),
            filter: "events.match_finished".into(),
            ..spec.clone()
        })
        .await
        .unwrap();
    let m = next(&mut only).await;
    assert_eq!(m.event, event("c", "match_finished"));
    m.ack().await.unwrap();
    nothing_within(&mut only, Duration::from_millis(500)).await;
}

async fn dead_letters(bus: &dyn Bus) {
    let spec = ConsumerSpec {
        name: "missions".into(),
        filter: "events.payout".into(),
        ack_wait: Duration::from_millis(600),
        max_deliver: 2,
    };
    let mut c = bus.consume(&spec).await.unwrap();
    let mut dead = bus
        .consume(&ConsumerSpec {
            name: "dead-reader".into(),
            filter: "dead.>".into(),
            ..spec.clone()
        })
        .await
        .unwrap();
    // Naked on its last delivery: a dead letter.
    bus.append(&event("x", "payout")).await.unwrap();
    let x = next(&mut c).await;
    x.nak().await.unwrap();
    let x = next(&mut c).await;
    assert_eq!((x.event.id.as_str(), x.delivered), ("x", 2));
    x.nak().await.unwrap();
    let letter = next(&mut dead).await;
    assert_eq!(
        letter.event,
        event("x", "payout"),
        "same id, kind and payload"
    );
    letter.ack().await.unwrap();

    // Never acknowledged (its reader keeps dying): after the last delivery times out, a dead
    // letter too, and no further delivery.
    bus.append(&event("y", "payout")).await.unwrap();
    let y = next(&mut c).await;
    assert_eq!((y.event.id.as_str(), y.delivered), ("y", 1));
    drop(y);
    let y = next(&mut c).await;
    assert_eq!((y.event.id.as_str(), y.delivered), ("y", 2));
    drop(y);
    nothing_within(&mut c, Duration::from_millis(1_500)).await;
    let letter = next(&mut dead).await;
    assert_eq!(letter.event.id, "y");
    letter.ack().await.unwrap();
}

async fn bad_arguments(bus: &dyn Bus) {
    let invalid =
        |r: Result<(), BusError>| assert!(matches!(r, Err(BusError::Invalid(_))), "{r:?}");
    invalid(bus.publish("a..b", Bytes::new()).await);
    invalid(bus.publish("a.*", Bytes::new()).await);
    invalid(bus.subscribe("a.>.b").await.map(drop));
    invalid(bus.append(&event("", "k")).await.map(drop));
    invalid(bus.append(&event("id", "a.b")).await.map(drop));
    invalid(bus.append(&event("has space", "k")).await.map(drop));
    let spec = ConsumerSpec {
        name: "c".into(),
        filter: "events.>".into(),
        ack_wait: Duration::from_secs(1),
        max_deliver: 1,
    };
    invalid(
        bus.consume(&ConsumerSpec {
            max_deliver: 0,
            ..spec.clone()
        })
        .await
        .map(drop),
    );
    invalid(
        bus.consume(&ConsumerSpec {
            filter: "push.>".into(),
            ..spec.clone()
        })
        .await
        .map(drop),
    );
    invalid(
        bus.consume(&ConsumerSpec {
            name: "a.b".into(),
            ..spec
        })
        .await
        .map(drop),
    );
}
