//! The one behaviour both adapters must have, run against each (`tests/it`). Names are prefixed
//! with `run` so that runs sharing a store do not meet.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test suite: a failed step is a failed test"
)]

use std::time::Duration;

use crate::{Admit, Kv, KvError, Limit};

/// Runs every case against `kv`.
pub async fn run(kv: &dyn Kv, run: &str) {
    kv.ping().await.expect("ping");
    leases(kv, run).await;
    leases_expire(kv, run).await;
    counters(kv, run).await;
    buckets(kv, run).await;
    sorted_sets(kv, run).await;
    windows_and_holds(kv, run).await;
    bad_arguments(kv, run).await;
}

async fn windows_and_holds(kv: &dyn Kv, run: &str) {
    let key = format!("{run}:login:pair");
    let window = Duration::from_millis(400);
    let (v, left) = kv.window_add(&key, 1, window).await.unwrap();
    assert_eq!(v, 1);
    assert!(
        left <= window && left > Duration::from_millis(200),
        "{left:?}"
    );
    let (v, left2) = kv
        .window_add(&key, 2, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(v, 3, "counts within the window");
    assert!(
        left2 <= left,
        "a later add does not move the window: {left2:?}"
    );
    assert_eq!(kv.window_add(&key, -1, window).await.unwrap().0, 2);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(
        kv.window_add(&key, 0, window).await.unwrap().0,
        0,
        "a new window starts at 0"
    );
    assert_eq!(kv.window_add(&key, 5, window).await.unwrap().0, 5);
    kv.forget(&key).await.unwrap();
    assert_eq!(
        kv.window_add(&key, 0, window).await.unwrap().0,
        0,
        "forgotten"
    );

    let mark = format!("{run}:login:lock");
    assert_eq!(
        kv.hold(&mark, Duration::ZERO).await.unwrap(),
        Duration::ZERO
    );
    let held = kv.hold(&mark, Duration::from_millis(400)).await.unwrap();
    assert!(held > Duration::from_millis(300), "{held:?}");
    let still = kv.hold(&mark, Duration::from_millis(50)).await.unwrap();
    assert!(
        still > Duration::from_millis(200),
        "never shortened: {still:?}"
    );
    let read = kv.hold(&mark, Duration::ZERO).await.unwrap();
    assert!(read > Duration::ZERO && read <= still, "{read:?}");
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(
        kv.hold(&mark, Duration::ZERO).await.unwrap(),
        Duration::ZERO,
        "expired"
    );
    kv.hold(&mark, Duration::from_secs(30)).await.unwrap();
    kv.forget(&mark).await.unwrap();
    assert_eq!(
        kv.hold(&mark, Duration::ZERO).await.unwrap(),
        Duration::ZERO,
        "forgotten"
    );
    assert!(kv.window_add(&key, 1, Duration::ZERO).await.is_err());
}

async fn leases(kv: &dyn Kv, run: &str) {
    let name = format!("{run}:table:1");
    let ttl = Duration::from_secs(30);
    assert_eq!(kv.holder(&name).await.unwrap(), None);
    let a = kv
        .acquire(&name, "node-a", ttl)
        .await
        .unwrap()
        .expect("free");
    assert_eq!(
        (a.holder.as_str(), a.name.as_str()),
        ("node-a", name.as_str())
    );
    assert!(a.token >= 1);
    assert_eq!(
        kv.acquire(&name, "node-b", ttl).await.unwrap(),
        None,
        "held by a"
    );
    let again = kv
        .acquire(&name, "node-a", ttl)
        .await
        .unwrap()
        .expect("own");
    assert_eq!(again.token, a.token, "re-acquiring keeps the token");
    assert!(kv.renew(&a, ttl).await.unwrap());
    assert_eq!(kv.holder(&name).await.unwrap(), Some(a.clone()));

    let mut forged = a.clone();
    forged.token += 1;
    assert!(
        !kv.renew(&forged, ttl).await.unwrap(),
        "another token renews nothing"
    );
    assert!(
        !kv.release(&forged).await.unwrap(),
        "another token releases nothing"
    );
    forged = a.clone();
    forged.holder = "node-b".into();
    assert!(
        !kv.release(&forged).await.unwrap(),
        "another holder releases nothing"
    );

    assert!(kv.release(&a).await.unwrap());
    assert_eq!(kv.holder(&name).await.unwrap(), None);
    assert!(!kv.release(&a).await.unwrap(), "released once");
    let b = kv
        .acquire(&name, "node-b", ttl)
        .await
        .unwrap()
        .expect("free again");
    assert!(b.token > a.token, "a new holding gets a greater token");
    assert!(!kv.renew(&a, ttl).await.unwrap(), "the old holding is lost");
    // Even the old holder taking it back gets a new, greater token.
    assert!(kv.release(&b).await.unwrap());
    let a2 = kv
        .acquire(&name, "node-a", ttl)
        .await
        .unwrap()
        .expect("free");
    assert!(a2.token > b.token);

    // One winner among concurrent takers.
    let contested = format!("{run}:matchmaker");
    let takes = futures::future::join_all((0..16).map(|i| {
        let contested = contested.clone();
        async move { kv.acquire(&contested, &format!("n{i}"), ttl).await }
    }))
    .await;
    let winners: Vec<_> = takes.into_iter().filter_map(|r| r.unwrap()).collect();
    assert_eq!(winners.len(), 1, "{winners:?}");
}

async fn leases_expire(kv: &dyn Kv, run: &str) {
    let name = format!("{run}:table:2");
    let a = kv
        .acquire(&name, "node-a", Duration::from_millis(150))
        .await
        .unwrap()
        .expect("free");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(kv.holder(&name).await.unwrap(), None, "expired");
    assert!(
        !kv.renew(&a, Duration::from_secs(30)).await.unwrap(),
        "too late to renew"
    );
    let b = kv
        .acquire(&name, "node-b", Duration::from_secs(30))
        .await
        .unwrap()
        .expect("taken over");
    assert!(b.token > a.token, "the fencing token grows across expiry");
    assert!(!kv.release(&a).await.unwrap());
    assert_eq!(kv.holder(&name).await.unwrap(), Some(b));
}

async fn counters(kv: &dyn Kv, run: &str) {
    let key = format!("{run}:machine-ids");
    assert_eq!(kv.counter(&key).await.unwrap(), 0);
    assert_eq!(kv.incr(&key, 1).await.unwrap(), 1);
    assert_eq!(kv.incr(&key, 5).await.unwrap(), 6);
    assert_eq!(kv.incr(&key, -7).await.unwrap(), -1);
    assert_eq!(kv.counter(&key).await.unwrap(), -1);
    let key = format!("{run}:concurrent");
    let all = futures::future::join_all((0..50).map(|_| kv.incr(&key, 1))).await;
    let mut seen: Vec<i64> = all.into_iter().map(Result::unwrap).collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        (1..=50).collect::<Vec<_>>(),
        "every increment is seen once"
    );
}

async fn buckets(kv: &dyn Kv, run: &str) {
    let key = format!("{run}:ip:203.0.113.7");
    let limit = Limit {
        per_sec: 1,
        burst: 3,
    };
    for i in 0..3 {
        assert_eq!(
            kv.take(&key, limit, 1).await.unwrap(),
            Admit::Allowed,
            "take {i}"
        );
    }
    match kv.take(&key, limit, 1).await.unwrap() {
        Admit::Retry(d) => assert!(
            d > Duration::ZERO && d <= Duration::from_secs(1),
            "wait {d:?}"
        ),
        Admit::Allowed => panic!("a fourth take within a second passed"),
    }
    // A refused take takes nothing: the wait does not grow.
    let (Admit::Retry(w1), Admit::Retry(w2)) = (
        kv.take(&key, limit, 1).await.unwrap(),
        kv.take(&key, limit, 1).await.unwrap(),
    ) else {
        panic!("refused takes passed");
    };
    assert!(w2 <= w1, "{w2:?} ≤ {w1:?}");

    // The bucket refills at its rate.
    let key = format!("{run}:account:7");
    let fast = Limit {
        per_sec: 20,
        burst: 2,
    };
    assert_eq!(kv.take(&key, fast, 2).await.unwrap(), Admit::Allowed);
    let Admit::Retry(wait) = kv.take(&key, fast, 1).await.unwrap() else {
        panic!("an empty bucket gave a token");
    };
    assert!(wait <= Duration::from_millis(50), "{wait:?}");
    tokio::time::sleep(wait + Duration::from_millis(30)).await;
    assert_eq!(kv.take(&key, fast, 1).await.unwrap(), Admit::Allowed);

    // Separate keys are separate buckets.
    let other = format!("{run}:ip:203.0.113.8");
    assert_eq!(kv.take(&other, limit, 3).await.unwrap(), Admit::Allowed);
}

async fn sorted_sets(kv: &dyn Kv, run: &str) {
    let set = format!("{run}:leaderboard");
    assert!(kv.ztop(&set, 0, 10).await.unwrap().is_empty());
    assert_eq!(kv.zrank(&set, "a").await.unwrap(), None);
    for (m, s) in [("a", 10), ("b", 20), ("c", 20), ("d", -5)] {
        kv.zset(&set, m, s).await.unwrap();
    }
    let top = kv.ztop(&set, 0, 10).await.unwrap();
    let expect = |v: &[(&str, i64)]| -> Vec<(String, i64)> {
        v.iter().map(|(m, s)| ((*m).to_owned(), *s)).collect()
    };
    assert_eq!(top, expect(&[("c", 20), ("b", 20), ("a", 10), ("d", -5)]));
    assert_eq!(
        kv.ztop(&set, 1, 2).await.unwrap(),
        expect(&[("b", 20), ("a", 10)])
    );
    assert!(kv.ztop(&set, 4, 2).await.unwrap().is_empty());
    assert!(kv.ztop(&set, 0, 0).await.unwrap().is_empty());
    assert_eq!(kv.zrank(&set, "c").await.unwrap(), Some((0, 20)));
    assert_eq!(kv.zrank(&set, "b").await.unwrap(), Some((1, 20)));
    assert_eq!(kv.zrank(&set, "d").await.unwrap(), Some((3, -5)));
    assert_eq!(kv.zincr(&set, "a", 15).await.unwrap(), 25);
    assert_eq!(kv.zincr(&set, "e", 7).await.unwrap(), 7, "created at 0");
    assert_eq!(kv.zrank(&set, "a").await.unwrap(), Some((0, 25)));
    kv.zset(&set, "a", 1).await.unwrap();
    assert_eq!(
        kv.zrank(&set, "a").await.unwrap(),
        Some((3, 1)),
        "a set score replaces"
    );
    // zbefore: the members before a place, member or not (c 20, b 20, a 1, e 7, d -5 here).
    assert_eq!(kv.zbefore(&set, 20, "c").await.unwrap(), 0);
    assert_eq!(kv.zbefore(&set, 20, "b").await.unwrap(), 1);
    assert_eq!(
        kv.zbefore(&set, 20, "bz").await.unwrap(),
        1,
        "between c and b"
    );
    assert_eq!(
        kv.zbefore(&set, 20, "d").await.unwrap(),
        0,
        "d would lead the 20s"
    );
    assert_eq!(kv.zbefore(&set, 20, "a").await.unwrap(), 2);
    assert_eq!(kv.zbefore(&set, 8, "zz").await.unwrap(), 2);
    assert_eq!(kv.zbefore(&set, -100, "x").await.unwrap(), 5);
    assert_eq!(
        kv.zbefore(&set, 30, "a").await.unwrap(),
        0,
        "a member probed at another score"
    );
    assert_eq!(
        kv.zrank(&set, "a").await.unwrap(),
        Some((3, 1)),
        "the probe left a as it was"
    );
    assert_eq!(
        kv.zbefore(&set, 0, "a").await.unwrap(),
        4,
        "a, at 1, is before the place (0, a)"
    );
    assert_eq!(kv.zbefore(&format!("{run}:none"), 1, "a").await.unwrap(), 0);
    // zreplace: a member renamed in one step.
    kv.zreplace(&set, Some("e"), "e2", 30).await.unwrap();
    assert_eq!(kv.zrank(&set, "e").await.unwrap(), None);
    assert_eq!(kv.zrank(&set, "e2").await.unwrap(), Some((0, 30)));
    kv.zreplace(&set, None, "e2", 6).await.unwrap();
    kv.zreplace(&set, Some("missing"), "f", 6).await.unwrap();
    assert_eq!(
        kv.zrank(&set, "f").await.unwrap(),
        Some((2, 6)),
        "f before e2 at 6"
    );
    assert!(kv.zremove(&set, "e2").await.unwrap());
    assert!(kv.zremove(&set, "f").await.unwrap());
    assert!(kv.zremove(&set, "a").await.unwrap());
    assert!(!kv.zremove(&set, "a").await.unwrap());
    assert_eq!(kv.zrank(&set, "a").await.unwrap(), None);

    // Integer scores are exact up to 2^53 - 1 and refused beyond.
    let big = format!("{run}:big");
    kv.zset(&big, "max", crate::SCORE_MAX).await.unwrap();
    kv.zset(&big, "below", crate::SCORE_MAX - 1).await.unwrap();
    assert_eq!(
        kv.ztop(&big, 0, 2).await.unwrap(),
        expect(&[("max", crate::SCORE_MAX), ("below", crate::SCORE_MAX - 1)])
    );
    let over = kv.zincr(&big, "max", 1).await;
    assert!(matches!(over, Err(KvError::Invalid(_))), "{over:?}");
    assert_eq!(
        kv.zrank(&big, "max").await.unwrap(),
        Some((0, crate::SCORE_MAX)),
        "unchanged"
    );
    assert!(matches!(
        kv.zset(&big, "x", crate::SCORE_MAX + 1).await,
        Err(KvError::Invalid(_))
    ));

    // Concurrent increments all count.
    let hot = format!("{run}:hot");
    futures::future::join_all((0..40).map(|_| kv.zincr(&hot, "p", 3))).await;
    assert_eq!(kv.zrank(&hot, "p").await.unwrap(), Some((0, 120)));
}

async fn bad_arguments(kv: &dyn Kv, run: &str) {
    let invalid = |r: Result<(), KvError>| assert!(matches!(r, Err(KvError::Invalid(_))), "{r:?}");
    invalid(kv.acquire("", "a", Duration::from_secs(1)).await.map(drop));
    invalid(
        kv.acquire(&format!("{run}:x"), "", Duration::from_secs(1))
            .await
            .map(drop),
    );
    invalid(
        kv.acquire(&format!("{run}:x"), "a", Duration::ZERO)
            .await
            .map(drop),
    );
    let key = format!("{run}:b");
    // A zero rate or burst, and a cost of nothing or of more than the burst.
    for (per_sec, burst, cost) in [(0, 1, 1), (1, 0, 1), (1, 2, 3), (1, 2, 0)] {
        invalid(
            kv.take(&key, Limit { per_sec, burst }, cost)
                .await
                .map(drop),
        );
    }
    assert_eq!(
        kv.holder(&format!("{run}:x")).await.unwrap(),
        None,
        "nothing was taken"
    );
}
