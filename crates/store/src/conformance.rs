//! The shared conformance suite: every backend must pass every case here.
//!
//! Each case takes a freshly migrated, empty store. `store_conformance!` turns the list into one test
//! per case for a backend; the store crate runs it against SQLite always and PostgreSQL when
//! `TEST_DATABASE_URL` is set.

use crate::{NewRefreshToken, NewUser, Store, StoreErrorKind};

fn user(id: i64, email: Option<&str>) -> NewUser {
    NewUser {
        id,
        email: email.map(str::to_owned),
        password_hash: email.map(|_| "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        display_name: format!("player-{id}"),
        is_guest: email.is_none(),
        now_ms: 1_700_000_000_000 + id,
    }
}

fn token(hash: &str, family: &str, user_id: i64) -> NewRefreshToken {
    NewRefreshToken {
        token_hash: hash.to_owned(),
        family_id: family.to_owned(),
        user_id,
        issued_at_ms: 1_700_000_000_000,
        expires_at_ms: 1_700_000_000_000 + 86_400_000,
    }
}

/// A created user reads back identically by id and by email.
pub async fn user_round_trip(s: &dyn Store) {
    let created = s
        .create_user(&user(1, Some("a@example.com")))
        .await
        .expect("create");
    assert_eq!(created.id, 1);
    assert!(!created.is_guest);
    assert!(!created.is_admin);
    assert_eq!(created.created_at_ms, 1_700_000_000_001);
    assert_eq!(s.user_by_id(1).await.expect("by id"), created);
    assert_eq!(
        s.user_by_email("a@example.com").await.expect("by email"),
        created
    );
}

/// Guests have no email and no password, and many guests may exist.
pub async fn guests_have_no_credentials(s: &dyn Store) {
    let g1 = s.create_user(&user(10, None)).await.expect("guest 1");
    let g2 = s.create_user(&user(11, None)).await.expect("guest 2");
    assert!(g1.is_guest && g2.is_guest);
    assert_eq!(g1.email, None);
    assert_eq!(g1.password_hash, None);
}

/// A second account with the same email, or the same id, is a conflict and changes nothing.
pub async fn duplicates_conflict(s: &dyn Store) {
    s.create_user(&user(1, Some("dup@example.com")))
        .await
        .expect("first");
    let err = s
        .create_user(&user(2, Some("dup@example.com")))
        .await
        .expect_err("same email");
    assert_eq!(err.kind, StoreErrorKind::Conflict);
    let err = s
        .create_user(&user(1, Some("other@example.com")))
        .await
        .expect_err("same id");
    assert_eq!(err.kind, StoreErrorKind::Conflict);
    assert!(
        s.user_by_id(2)
            .await
            .expect_err("not created")
            .is_not_found()
    );
    assert!(
        s.user_by_email("other@example.com")
            .await
            .expect_err("not created")
            .is_not_found()
    );
}

/// Missing rows are `NotFound`, never another kind.
pub async fn missing_rows_are_not_found(s: &dyn Store) {
    assert_eq!(
        s.user_by_id(42).await.expect_err("absent").kind,
        StoreErrorKind::NotFound
    );
    assert_eq!(
        s.user_by_email("x@y.z").await.expect_err("absent").kind,
        StoreErrorKind::NotFound
    );
    assert_eq!(
        s.set_display_name(42, "n", 1)
            .await
            .expect_err("absent")
            .kind,
        StoreErrorKind::NotFound
    );
    assert_eq!(
        s.refresh_token_by_hash("nope")
            .await
            .expect_err("absent")
            .kind,
        StoreErrorKind::NotFound
    );
}

/// Renaming changes the name and the update time only.
pub async fn rename_user(s: &dyn Store) {
    let before = s
        .create_user(&user(5, Some("r@example.com")))
        .await
        .expect("create");
    let after = s
        .set_display_name(5, "新名字", 1_800_000_000_000)
        .await
        .expect("rename");
    assert_eq!(after.display_name, "新名字");
    assert_eq!(after.updated_at_ms, 1_800_000_000_000);
    assert_eq!(after.created_at_ms, before.created_at_ms);
    assert_eq!(s.user_by_id(5).await.expect("read"), after);
}

/// A refresh token can be used exactly once; revoking a family marks all its tokens.
pub async fn refresh_token_lifecycle(s: &dyn Store) {
    s.create_user(&user(7, None)).await.expect("user");
    s.insert_refresh_token(&token("h1", "fam", 7))
        .await
        .expect("t1");
    s.insert_refresh_token(&token("h2", "fam", 7))
        .await
        .expect("t2");
    s.insert_refresh_token(&token("h3", "other", 7))
        .await
        .expect("t3");
    let err = s
        .insert_refresh_token(&token("h1", "fam", 7))
        .await
        .expect_err("dup hash");
    assert_eq!(err.kind, StoreErrorKind::Conflict);

    let t1 = s.refresh_token_by_hash("h1").await.expect("read");
    assert_eq!((t1.used_at_ms, t1.revoked_at_ms), (None, None));
    assert!(s.mark_refresh_token_used("h1", 100).await.expect("use"));
    assert!(
        !s.mark_refresh_token_used("h1", 101)
            .await
            .expect("reuse loses")
    );
    assert_eq!(
        s.refresh_token_by_hash("h1")
            .await
            .expect("read")
            .used_at_ms,
        Some(100)
    );

    assert_eq!(s.revoke_token_family("fam", 200).await.expect("revoke"), 2);
    assert_eq!(s.revoke_token_family("fam", 300).await.expect("again"), 0);
    assert_eq!(
        s.refresh_token_by_hash("h2")
            .await
            .expect("read")
            .revoked_at_ms,
        Some(200)
    );
    assert!(
        !s.mark_refresh_token_used("h2", 400)
            .await
            .expect("revoked cannot be used")
    );
    assert_eq!(
        s.refresh_token_by_hash("h3")
            .await
            .expect("read")
            .revoked_at_ms,
        None
    );
}

/// Settings: the first writer wins and later callers read its value.
pub async fn settings_first_writer_wins(s: &dyn Store) {
    assert_eq!(
        s.get_or_insert_setting("k", "first").await.expect("insert"),
        "first"
    );
    assert_eq!(
        s.get_or_insert_setting("k", "second").await.expect("read"),
        "first"
    );
}

/// Migrations are idempotent and the database answers.
pub async fn migrate_twice_and_ping(s: &dyn Store) {
    s.migrate().await.expect("second migrate");
    s.ping().await.expect("ping");
}

/// Guandan: a match row, its action log in order, finish with signals, history and reports.
pub async fn guandan_match_log(s: &dyn Store) {
    use crate::guandan::{GuandanActionRecord, GuandanReport, GuandanSignals, NewGuandanMatch};
    let m = NewGuandanMatch {
        id: 77,
        table_id: "t-1".into(),
        room_code: Some("ABCDEF".into()),
        kind: "private".into(),
        rules: "official-2022".into(),
        options_json: "{}".into(),
        seed: "00".repeat(32),
        seats_json: "[]".into(),
        players: vec![(0, 5), (2, 6)],
        started_at_ms: 1_000,
    };
    s.create_guandan_match(&m).await.expect("create");
    assert_eq!(
        s.create_guandan_match(&m).await.expect_err("dup").kind,
        StoreErrorKind::Conflict
    );
    let acts: Vec<GuandanActionRecord> = (0..450)
        .map(|i| GuandanActionRecord {
            match_id: 77,
            idx: i,
            action_json: format!("{{\"i\":{i}}}"),
            at_ms: 2_000 + i,
        })
        .collect();
    s.append_guandan_actions(&acts[..3]).await.expect("append");
    s.append_guandan_actions(&acts[3..])
        .await
        .expect("append batch");
    assert_eq!(s.guandan_actions(77).await.expect("read"), acts);
    assert_eq!(s.running_guandan_matches().await.expect("running").len(), 1);
    let sig = GuandanSignals {
        match_id: 77,
        seat: 0,
        user_id: 5,
        ip: Some("127.0.0.1".into()),
        actions: 10,
        auto_actions: 2,
        timeouts: 1,
        decision_ms_total: 900,
        created_at_ms: 3_000,
    };
    s.finish_guandan_match(
        77,
        "finished",
        Some("{}"),
        3_000,
        std::slice::from_ref(&sig),
    )
    .await
    .expect("finish");
    let rec = s.guandan_match(77).await.expect("row");
    assert_eq!(rec.status, "finished");
    assert_eq!(rec.ended_at_ms, Some(3_000));
    assert!(
        s.running_guandan_matches()
            .await
            .expect("running")
            .is_empty()
    );
    assert_eq!(
        s.guandan_matches_of(6, None, 10).await.expect("hist").len(),
        1
    );
    assert!(
        s.guandan_matches_of(6, Some(77), 10)
            .await
            .expect("hist")
            .is_empty()
    );
    assert!(
        s.guandan_matches_of(9, None, 10)
            .await
            .expect("hist")
            .is_empty()
    );
    assert_eq!(
        s.guandan_signals_since(0, 10).await.expect("signals"),
        vec![sig]
    );
    let r = GuandanReport {
        id: 1,
        reporter_id: 5,
        reported_id: 6,
        reason: "collusion".into(),
        table_id: None,
        created_at_ms: 4_000,
    };
    s.insert_guandan_report(&r).await.expect("report");
    assert_eq!(
        s.guandan_reports_since(0, 10).await.expect("reports"),
        vec![r]
    );
    assert!(
        s.guandan_match(78)
            .await
            .expect_err("missing")
            .is_not_found()
    );
}

/// Generates one `#[tokio::test]` per conformance case. `$make` is an async expression yielding
/// `Option<Arc<dyn Store>>` (None = backend not configured; the test says it is skipped).
#[macro_export]
macro_rules! store_conformance {
    ($backend:literal, $make:expr) => {
        $crate::store_conformance!(@cases $backend, $make,
            user_round_trip, guests_have_no_credentials, duplicates_conflict,
            missing_rows_are_not_found, rename_user, refresh_token_lifecycle,
            settings_first_writer_wins, migrate_twice_and_ping,
            guandan_match_log);
    };
    (@cases $backend:literal, $make:expr, $($case:ident),+) => {
        $(
            #[tokio::test]
            async fn $case() {
                let Some(store) = $make.await else {
                    eprintln!("skipped {} conformance case {}: backend not configured", $backend, stringify!($case));
                    return;
                };
                $crate::conformance::$case(store.as_ref()).await;
            }
        )+
    };
}
