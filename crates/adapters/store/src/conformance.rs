//! The shared conformance suite: every backend must pass every case here.
//!
//! Each case takes a freshly migrated, empty store. `store_conformance!` turns the list into one test
//! per case for a backend; the store crate runs it against SQLite always and PostgreSQL when
//! `TEST_DATABASE_URL` is set.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test suite (compiled with the `testing` feature only): a failed step fails the test"
)]

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

/// The admin flag is granted and revoked by email; an unknown email is `NotFound`.
pub async fn admin_flag_by_email(s: &dyn Store) {
    s.create_user(&user(1, Some("a@example.com")))
        .await
        .expect("create");
    let granted = s
        .set_admin("a@example.com", true, 1_700_000_000_500)
        .await
        .expect("grant");
    assert!(granted.is_admin);
    assert_eq!(granted.updated_at_ms, 1_700_000_000_500);
    assert!(s.user_by_id(1).await.expect("by id").is_admin);
    let revoked = s
        .set_admin("a@example.com", false, 1_700_000_000_600)
        .await
        .expect("revoke");
    assert!(!revoked.is_admin);
    let missing = s
        .set_admin("nobody@example.com", true, 1)
        .await
        .expect_err("unknown");
    assert!(missing.is_not_found());
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

    assert!(s.families_revoked_since(0).await.expect("none").is_empty());
    assert_eq!(s.revoke_token_family("fam", 200).await.expect("revoke"), 2);
    assert_eq!(s.revoke_token_family("fam", 300).await.expect("again"), 0);
    assert_eq!(s.families_revoked_since(200).await.expect("since"), ["fam"]);
    assert!(
        s.families_revoked_since(201)
            .await
            .expect("later")
            .is_empty()
    );
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

fn bet(
    id: i64,
    user_id: i64,
    game: &str,
    nonce: i64,
    key: Option<&str>,
    status: i64,
) -> crate::BetRecord {
    crate::BetRecord {
        id,
        user_id,
        game: game.to_owned(),
        currency: "PLAY".to_owned(),
        amount: 100,
        payout: if status == crate::games::BET_SETTLED {
            40
        } else {
            0
        },
        multiplier: 40_000_000,
        status,
        server_seed_hash: "h1".to_owned(),
        client_seed: "c1".to_owned(),
        nonce,
        idempotency_key: key.map(str::to_owned),
        request_hash: "r".to_owned(),
        params: "{}".to_owned(),
        outcome: "{}".to_owned(),
        round_state: None,
        response: "{}".to_owned(),
        created_at_ms: 1_700_000_000_000 + id,
        updated_at_ms: 1_700_000_000_000 + id,
        server_seed: None,
    }
}

/// A (seed, client seed, nonce) and an idempotency key are each used once; one round per game is
/// open; a failed batch inserts nothing; pages, open rounds and losses read back.
pub async fn games_bets_are_unique_per_nonce_and_key(s: &dyn Store) {
    let (b1, b2) = (
        bet(1, 7, "dice", 0, Some("k1"), 1),
        bet(2, 7, "dice", 1, None, 1),
    );
    s.insert_bets(&[b1.clone(), b2.clone()])
        .await
        .expect("insert");
    let same_nonce = bet(3, 7, "dice", 1, None, 1);
    let err = s
        .insert_bets(&[bet(4, 7, "dice", 5, None, 1), same_nonce])
        .await
        .expect_err("nonce reused");
    assert_eq!(err.kind, StoreErrorKind::Conflict);
    assert!(
        s.bet_by_id(7, 4)
            .await
            .expect_err("batch rolled back")
            .is_not_found()
    );
    let err = s
        .insert_bets(&[bet(5, 7, "limbo", 9, Some("k1"), 1)])
        .await
        .expect_err("key reused");
    assert_eq!(err.kind, StoreErrorKind::Conflict);
    assert_eq!(
        s.bet_by_idempotency_key(7, "k1").await.expect("key"),
        Some(b1.clone())
    );
    assert_eq!(
        s.bet_by_idempotency_key(8, "k1")
            .await
            .expect("other player"),
        None
    );
    assert!(
        s.bet_by_id(8, 1)
            .await
            .expect_err("not theirs")
            .is_not_found()
    );

    s.insert_bets(&[bet(10, 7, "mines", 2, None, 0)])
        .await
        .expect("open round");
    let err = s
        .insert_bets(&[bet(11, 7, "mines", 3, None, 0)])
        .await
        .expect_err("second open round");
    assert_eq!(err.kind, StoreErrorKind::Conflict);
    s.insert_bets(&[bet(12, 7, "hilo", 4, None, 0)])
        .await
        .expect("another game");
    let open = s.open_rounds(7).await.expect("open");
    assert_eq!(open.iter().map(|b| b.id).collect::<Vec<_>>(), vec![10, 12]);
    assert_eq!(
        s.idle_rounds(1_700_000_000_011, 10)
            .await
            .expect("idle")
            .len(),
        1
    );
    let mut settled = open[0].clone();
    settled.status = crate::games::BET_SETTLED;
    settled.payout = 250;
    s.update_round(&settled).await.expect("settle");
    let err = s.update_round(&settled).await.expect_err("settled twice");
    assert_eq!(err.kind, StoreErrorKind::Conflict);

    let page = s.bets_page(7, None, None, 2).await.expect("page");
    assert_eq!(page.iter().map(|b| b.id).collect::<Vec<_>>(), vec![12, 10]);
    let rest = s.bets_page(7, None, Some(10), 10).await.expect("rest");
    assert_eq!(rest.iter().map(|b| b.id).collect::<Vec<_>>(), vec![2, 1]);
    let dice = s.bets_page(7, Some("dice"), None, 10).await.expect("dice");
    assert_eq!(dice.len(), 2);
    // 60 + 60 lost on dice, 150 won on mines, the open hilo round's 100 staked.
    assert_eq!(s.net_loss_since(7, "PLAY", 0, 0).await.expect("loss"), 70);
    // From id 11 on: only the open round (id 12); from its creation time on: the same.
    assert_eq!(s.net_loss_since(7, "PLAY", 0, 11).await.expect("loss"), 100);
    assert_eq!(
        s.net_loss_since(7, "PLAY", 1_700_000_000_011, 0)
            .await
            .expect("loss"),
        100
    );
    assert_eq!(s.max_nonce("h1").await.expect("max"), Some(4));
    assert_eq!(s.max_nonce("h2").await.expect("none"), None);
}

/// Seed pairs: first writer wins; a rotation replaces the pair only if it is unchanged and
/// reveals the seed to every bet that used it.
pub async fn games_rotation_is_compare_and_set(s: &dyn Store) {
    assert_eq!(s.seed_pair(7).await.expect("none"), None);
    assert!(s.insert_seed_pair(7, "p1", 1).await.expect("first"));
    assert!(!s.insert_seed_pair(7, "p2", 2).await.expect("second"));
    assert_eq!(s.seed_pair(7).await.expect("pair").as_deref(), Some("p1"));
    s.insert_bets(&[bet(1, 7, "dice", 0, None, 1)])
        .await
        .expect("bet");
    let revealed = crate::RevealedSeedRecord {
        server_seed_hash: "h1".to_owned(),
        user_id: 7,
        server_seed: "s1".to_owned(),
        client_seed: "c1".to_owned(),
        nonces_used: 1,
        revealed_at_ms: 3,
    };
    let err = s
        .rotate_seed_pair(7, "stale", "p3", &revealed)
        .await
        .expect_err("stale");
    assert_eq!(err.kind, StoreErrorKind::Conflict);
    assert_eq!(s.bet_by_id(7, 1).await.expect("bet").server_seed, None);
    s.rotate_seed_pair(7, "p1", "p3", &revealed)
        .await
        .expect("rotate");
    assert_eq!(s.seed_pair(7).await.expect("pair").as_deref(), Some("p3"));
    assert_eq!(
        s.bet_by_id(7, 1).await.expect("bet").server_seed.as_deref(),
        Some("s1")
    );
    // A bet on the revealed seed (a node that drew on a stale cached pair) is refused.
    let err = s
        .insert_bets(&[bet(2, 7, "dice", 1, None, 1)])
        .await
        .expect_err("a bet on a revealed seed");
    assert_eq!(err.kind, StoreErrorKind::Conflict);
    assert_eq!(s.max_nonce("h1").await.expect("max"), Some(0));
    assert_eq!(s.player_limits(7).await.expect("limits"), None);
    s.put_player_limits(7, "{\"a\":1}", 4).await.expect("put");
    s.put_player_limits(7, "{\"a\":2}", 5)
        .await
        .expect("replace");
    assert_eq!(
        s.player_limits(7).await.expect("limits").as_deref(),
        Some("{\"a\":2}")
    );
}

fn operator_tx(
    tx_id: i64,
    kind: &str,
    status: &str,
    ref_tx_id: Option<i64>,
) -> crate::operator::OperatorTx {
    crate::operator::OperatorTx {
        tx_id,
        operator_id: "op".into(),
        user_id: 1,
        player_id: "p".into(),
        kind: kind.into(),
        currency: "EUR".into(),
        amount: 150,
        round_id: 7,
        game: "dice".into(),
        ref_tx_id,
        round_closed: kind == "win",
        status: status.into(),
        balance_after: None,
        error_code: None,
        created_at_ms: 1_000,
        updated_at_ms: 1_000,
    }
}

async fn operator_with_player(s: &dyn Store) {
    let ops = s.operators();
    ops.create_operator(&crate::operator::NewOperator {
        id: "op".into(),
        name: "Op".into(),
        mode: "seamless".into(),
        wallet_url: Some("http://127.0.0.1:9".into()),
        currencies: vec!["EUR".into(), "USD".into()],
        secret: "s1".into(),
        now_ms: 1_000,
    })
    .await
    .expect("operator");
    ops.link_player("op", "p", &user(1, None))
        .await
        .expect("link");
}

/// Operators: settlement indexes are unique, ids conflict, rotation keeps the previous secret;
/// signatures are refused the second time; player links are made once.
pub async fn operators_signatures_and_links(s: &dyn Store) {
    operator_with_player(s).await;
    let ops = s.operators();
    let op = ops.operator_by_id("op").await.expect("read");
    assert_eq!(op.currencies, ["EUR", "USD"]);
    assert_eq!(op.settlement_index, 1);
    let mut second = crate::operator::NewOperator {
        id: "op2".into(),
        name: "Op2".into(),
        mode: "internal".into(),
        wallet_url: None,
        currencies: vec!["EUR".into()],
        secret: "x".into(),
        now_ms: 2_000,
    };
    assert_eq!(
        ops.create_operator(&second)
            .await
            .expect("second")
            .settlement_index,
        2
    );
    second.id = "op".into();
    assert_eq!(
        ops.create_operator(&second).await.expect_err("dup").kind,
        StoreErrorKind::Conflict
    );
    let rotated = ops
        .rotate_operator_secret("op", "s2", 9_000, 3_000)
        .await
        .expect("rotate");
    assert_eq!(
        (
            rotated.secret.as_str(),
            rotated.previous_secret.as_deref(),
            rotated.previous_valid_until_ms
        ),
        ("s2", Some("s1"), Some(9_000))
    );
    assert!(
        ops.rotate_operator_secret("nobody", "s", 1, 1)
            .await
            .expect_err("none")
            .is_not_found()
    );

    assert!(
        ops.record_nonce("op", "abcdefgh12345678", 5_000)
            .await
            .expect("first")
    );
    assert!(
        !ops.record_nonce("op", "abcdefgh12345678", 5_000)
            .await
            .expect("replay")
    );
    assert!(
        ops.record_nonce("op2", "abcdefgh12345678", 5_000)
            .await
            .expect("other operator")
    );
    assert_eq!(ops.purge_nonces(6_000).await.expect("purge"), 2);

    // The same player links to the same account; the user id of a second attempt is unused.
    let (again, created) = ops
        .link_player("op", "p", &user(2, None))
        .await
        .expect("again");
    assert_eq!((again.user_id, created), (1, false));
    assert!(s.user_by_id(2).await.expect_err("unused").is_not_found());
    assert_eq!(ops.player_by_user(1).await.expect("by user").player_id, "p");
    assert!(
        ops.player_by_user(3)
            .await
            .expect_err("none")
            .is_not_found()
    );
    let (other, created) = ops
        .link_player("op2", "p", &user(3, None))
        .await
        .expect("op2");
    assert_eq!((other.user_id, created), (3, true));
}

/// Sessions: stored and read by token hash; a revocation keeps its first time; unknown hashes are
/// not found.
pub async fn operator_sessions_revoke(s: &dyn Store) {
    operator_with_player(s).await;
    let ops = s.operators();
    let session = crate::operator::OperatorSession {
        token_hash: "h1".into(),
        operator_id: "op".into(),
        user_id: 1,
        currency: "EUR".into(),
        game: "dice".into(),
        language: "en".into(),
        return_url: "https://casino.example/".into(),
        created_at_ms: 1_000,
        expires_at_ms: 901_000,
        revoked_at_ms: None,
    };
    ops.create_session(&session).await.expect("create");
    assert_eq!(
        ops.session_by_token_hash("h1").await.expect("read"),
        session
    );
    assert!(
        ops.create_session(&session)
            .await
            .expect_err("dup")
            .is_conflict()
    );
    let revoked = ops.revoke_session("h1", 5_000).await.expect("revoke");
    assert_eq!(revoked.revoked_at_ms, Some(5_000));
    assert_eq!(
        ops.revoke_session("h1", 7_000)
            .await
            .expect("again")
            .revoked_at_ms,
        Some(5_000)
    );
    assert_eq!(
        ops.session_by_token_hash("h1")
            .await
            .expect("read")
            .revoked_at_ms,
        Some(5_000)
    );
    for missing in [
        ops.revoke_session("nope", 1).await,
        ops.session_by_token_hash("nope").await,
    ] {
        assert!(missing.expect_err("missing").is_not_found());
    }
}

/// The call log and outbox: a win is written with its outbox row; a failed bet gets exactly one
/// rollback; a claim succeeds once; delivery marks both rows.
pub async fn operator_call_log_and_outbox(s: &dyn Store) {
    operator_with_player(s).await;
    let ops = s.operators();
    ops.insert_operator_tx(&operator_tx(10, "bet", "pending", None))
        .await
        .expect("bet");
    assert!(
        ops.insert_operator_tx(&operator_tx(10, "bet", "pending", None))
            .await
            .expect_err("dup")
            .is_conflict()
    );
    ops.update_operator_tx(10, "ok", Some(850), None, 2_000)
        .await
        .expect("update");
    assert_eq!(
        ops.operator_tx(10).await.expect("read").balance_after,
        Some(850)
    );
    assert!(
        ops.enqueue_operator_tx(&operator_tx(11, "win", "queued", Some(10)), "{}", 1_500)
            .await
            .expect("win")
    );
    assert!(
        !ops.enqueue_operator_tx(&operator_tx(11, "win", "queued", Some(10)), "{}", 1_500)
            .await
            .expect("repeat")
    );

    ops.insert_operator_tx(&operator_tx(20, "bet", "pending", None))
        .await
        .expect("bet 2");
    assert_eq!(
        ops.stale_pending_bets(5_000, 10)
            .await
            .expect("stale")
            .len(),
        1
    );
    assert!(
        ops.fail_bet_and_enqueue_rollback(
            20,
            "timeout",
            &operator_tx(21, "rollback", "queued", Some(20)),
            "{}",
            1_000
        )
        .await
        .expect("rb")
    );
    // A second rollback of the same bet is not written.
    assert!(
        !ops.fail_bet_and_enqueue_rollback(
            20,
            "timeout",
            &operator_tx(22, "rollback", "queued", Some(20)),
            "{}",
            1_000
        )
        .await
        .expect("rb2")
    );
    assert!(
        !ops.enqueue_operator_tx(
            &operator_tx(23, "rollback", "queued", Some(20)),
            "{}",
            1_000
        )
        .await
        .expect("rb3")
    );
    assert_eq!(
        ops.rollback_of(20).await.expect("of").map(|t| t.tx_id),
        Some(21)
    );
    assert_eq!(ops.operator_tx(20).await.expect("bet").status, "unknown");
    assert!(
        ops.stale_pending_bets(5_000, 10)
            .await
            .expect("stale")
            .is_empty()
    );

    let due = ops.due_outbox(1_200, 10).await.expect("due");
    assert_eq!(due.iter().map(|r| r.tx_id).collect::<Vec<_>>(), [21]);
    assert_eq!(due[0].endpoint, "rollback");
    assert!(ops.claim_outbox(21, 1_000, 9_000).await.expect("claim"));
    assert!(
        !ops.claim_outbox(21, 1_000, 9_000)
            .await
            .expect("claimed twice")
    );
    ops.outbox_failed(21, 1, 3_000, "timeout")
        .await
        .expect("failed");
    let row = ops.outbox_entry(21).await.expect("entry");
    assert_eq!(
        (
            row.attempts,
            row.next_attempt_at_ms,
            row.last_error.as_deref()
        ),
        (1, 3_000, Some("timeout"))
    );
    assert_eq!(ops.outbox_pending(Some("op")).await.expect("pending"), 2);
    assert_eq!(ops.outbox_pending(Some("other")).await.expect("pending"), 0);
    ops.outbox_delivered(21, Some(1_000), 4_000)
        .await
        .expect("delivered");
    ops.outbox_delivered(11, None, 4_000)
        .await
        .expect("delivered");
    assert_eq!(ops.outbox_pending(None).await.expect("pending"), 0);
    assert_eq!(ops.operator_tx(21).await.expect("rb").status, "ok");
    let log = ops.operator_txs("op", 0, 100).await.expect("log");
    assert_eq!(
        log.iter().map(|t| t.tx_id).collect::<Vec<_>>(),
        [10, 11, 20, 21]
    );
    assert_eq!(
        ops.operator_txs("op", 11, 1).await.expect("page")[0].tx_id,
        20
    );
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

/// The event outbox: a settled bet (instant) or a finished round adds exactly one event in the
/// transaction of its row, an open round none, a refused batch none; removed rows are gone; a
/// relay's position only moves forward.
pub async fn events_come_with_their_facts(s: &dyn Store) {
    let ev = s.events();
    assert!(ev.outbox_head(10).await.expect("head").is_empty());
    s.insert_bets(&[bet(1, 7, "dice", 0, None, 1)])
        .await
        .expect("settled");
    let mut open = bet(2, 7, "mines", 1, None, 0);
    open.round_state = Some("{}".to_owned());
    s.insert_bets(&[open.clone()]).await.expect("open");
    // A batch with a repeated nonce fails whole: neither row, nor its event, is stored.
    s.insert_bets(&[bet(3, 7, "dice", 2, None, 1), bet(4, 7, "dice", 0, None, 1)])
        .await
        .expect_err("duplicate nonce");
    let head = ev.outbox_head(10).await.expect("head");
    assert_eq!(head.len(), 1, "{head:?}");
    assert_eq!(
        (head[0].event_id.as_str(), head[0].kind.as_str()),
        ("bet:1", "bet_settled")
    );
    let body: serde_json::Value = serde_json::from_str(&head[0].payload).expect("json");
    assert_eq!(
        (
            &body["bet_id"],
            &body["user_id"],
            &body["amount"],
            &body["payout"]
        ),
        (&"1".into(), &"7".into(), &100.into(), &40.into()),
        "{body}"
    );
    open.status = crate::games::BET_SETTLED;
    open.payout = 250;
    s.update_round(&open).await.expect("settle the round");
    let head = ev.outbox_head(10).await.expect("head");
    assert_eq!(head.len(), 2, "{head:?}");
    assert_eq!(
        (head[1].event_id.as_str(), head[1].kind.as_str()),
        ("bet:2", "round_finished")
    );
    assert!(head[0].seq < head[1].seq);
    ev.outbox_remove(&[head[0].seq]).await.expect("remove");
    let rest = ev.outbox_head(10).await.expect("head");
    assert_eq!(rest, vec![head[1].clone()]);

    assert_eq!(ev.event_cursor("transfers").await.expect("cursor"), None);
    ev.set_event_cursor("transfers", 5).await.expect("set");
    ev.set_event_cursor("transfers", 3).await.expect("back");
    assert_eq!(ev.event_cursor("transfers").await.expect("cursor"), Some(5));
    assert!(
        ev.player_transfers_after(0, 10)
            .await
            .expect("transfers")
            .is_empty()
    );
}

/// Contests: versions frozen once not scheduled, entries once, facts deduplicated by id and
/// replayed in log order, rewards moved by compare-and-set, progress upserted.
pub async fn compete_contests_facts_and_rewards(s: &dyn Store) {
    use crate::compete::{ContestRow, NewFact, RewardRow};
    let c = s.compete();
    assert_eq!(c.next_pool_index().await.unwrap(), 1);
    let row = ContestRow {
        id: "dice-sprint".into(),
        version: 1,
        kind: "tournament".into(),
        source: "id: dice-sprint".into(),
        status: "scheduled".into(),
        starts_at_ms: Some(1_000),
        ends_at_ms: Some(2_000),
        pool_index: 1,
        seed: "seed".into(),
        commitment: "hash".into(),
        result: None,
        created_at_ms: 500,
        finalised_at_ms: None,
    };
    c.insert_contest(&row).await.unwrap();
    let dup = c.insert_contest(&row).await.unwrap_err();
    assert_eq!(dup.kind, StoreErrorKind::Conflict);
    assert_eq!(c.next_pool_index().await.unwrap(), 2);
    assert!(
        c.update_contest(
            "dice-sprint",
            1,
            "tournament",
            "v2",
            Some(1_000),
            Some(3_000)
        )
        .await
        .unwrap()
    );
    assert!(
        !c.update_contest("dice-sprint", 1, "tournament", "v3", None, None)
            .await
            .unwrap()
    );
    let got = c.contest("dice-sprint").await.unwrap();
    assert_eq!(
        (got.version, got.source.as_str(), got.ends_at_ms),
        (2, "v2", Some(3_000))
    );
    assert_eq!(
        c.contest("nope").await.unwrap_err().kind,
        StoreErrorKind::NotFound
    );

    assert!(c.insert_entry("dice-sprint", 7, 100, 1_100).await.unwrap());
    assert!(!c.insert_entry("dice-sprint", 7, 100, 1_200).await.unwrap());
    assert_eq!(c.entries("dice-sprint").await.unwrap(), vec![(7, 100)]);
    assert_eq!(c.joined(7).await.unwrap(), vec!["dice-sprint".to_owned()]);

    let fact = |id: &str, outcome: &str| NewFact {
        contest_id: "dice-sprint".into(),
        fact_id: id.into(),
        user_id: 7,
        at_ms: 1_500,
        outcome: outcome.into(),
        body: format!("{{\"id\":\"{id}\"}}"),
    };
    let new = c
        .record_facts(&[
            fact("bet:1", "counted"),
            fact("bet:2", "excluded:min_bet"),
            fact("bet:1", "counted"),
        ])
        .await
        .unwrap();
    assert_eq!(new, vec![true, true, false]);
    assert_eq!(
        c.record_facts(&[fact("bet:2", "counted")]).await.unwrap(),
        vec![false]
    );
    let log = c.facts("dice-sprint", 0, 10).await.unwrap();
    assert_eq!(
        log.iter().map(|f| f.fact_id.as_str()).collect::<Vec<_>>(),
        vec!["bet:1", "bet:2"]
    );
    assert!(log[0].seq < log[1].seq);
    assert_eq!(
        c.facts("dice-sprint", log[0].seq, 10).await.unwrap().len(),
        1
    );
    assert_eq!(c.user_facts("dice-sprint", 7, 10).await.unwrap().len(), 2);
    assert_eq!(
        c.excluded_counts("dice-sprint").await.unwrap(),
        vec![("excluded:min_bet".to_owned(), 1)]
    );

    c.upsert_standings(&[("dice-sprint".into(), 7, 200, 1, "m1".into())])
        .await
        .unwrap();
    c.upsert_standings(&[
        ("dice-sprint".into(), 7, 300, 2, "m2".into()),
        ("dice-sprint".into(), 8, 300, 1, "m3".into()),
    ])
    .await
    .unwrap();
    assert_eq!(
        c.standing("dice-sprint", 7).await.unwrap(),
        Some((300, "m2".to_owned()))
    );
    assert_eq!(c.standing("dice-sprint", 9).await.unwrap(), None);
    let page = c.standings("dice-sprint", 0, 10).await.unwrap();
    assert_eq!(
        page,
        vec![(8, 300, 1, "m3".to_owned()), (7, 300, 2, "m2".to_owned())]
    );
    assert_eq!(c.standings("dice-sprint", 1, 10).await.unwrap().len(), 1);
    s.create_user(&user(7, None)).await.unwrap();
    assert_eq!(
        c.display_names(&[7, 99]).await.unwrap(),
        vec![(7, "player-7".to_owned())]
    );
    c.insert_snapshot("dice-sprint", 1_600, "[]").await.unwrap();
    c.insert_snapshot("dice-sprint", 1_700, "[1]")
        .await
        .unwrap();
    assert_eq!(
        c.snapshots("dice-sprint", 1).await.unwrap(),
        vec![(1_700, "[1]".to_owned())]
    );

    assert!(
        c.finalise_contest("dice-sprint", "{}", 3_100)
            .await
            .unwrap()
    );
    assert!(
        !c.finalise_contest("dice-sprint", "{\"again\":1}", 3_200)
            .await
            .unwrap()
    );
    assert!(!c.cancel_contest("dice-sprint", 3_300).await.unwrap());
    assert_eq!(
        c.contest("dice-sprint").await.unwrap().result.as_deref(),
        Some("{}")
    );

    let reward = RewardRow {
        id: "prize:dice-sprint:7".into(),
        user_id: 7,
        source: "dice-sprint".into(),
        kind: "prize".into(),
        grant_json: "{}".into(),
        amount: 300,
        currency: "PLAY".into(),
        status: "offered".into(),
        created_at_ms: 3_100,
        expires_at_ms: Some(3_700),
        settled_at_ms: None,
    };
    assert!(c.insert_reward(&reward).await.unwrap());
    assert!(!c.insert_reward(&reward).await.unwrap());
    assert_eq!(
        c.rewards_in("offered", Some(3_800), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        c.rewards_in("offered", Some(3_600), 10)
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(c.rewards_in("offered", None, 10).await.unwrap().len(), 1);
    assert!(
        c.set_reward_status("prize:dice-sprint:7", "offered", "paying", 3_200)
            .await
            .unwrap()
    );
    assert!(
        !c.set_reward_status("prize:dice-sprint:7", "offered", "expired", 3_200)
            .await
            .unwrap()
    );
    assert_eq!(
        c.reward("prize:dice-sprint:7").await.unwrap().status,
        "paying"
    );
    assert_eq!(c.rewards(7, 10).await.unwrap().len(), 1);

    assert_eq!(c.progress("daily", 7).await.unwrap(), None);
    c.set_progress(&[("daily".into(), 7, "{\"stage\":0}".into())])
        .await
        .unwrap();
    c.set_progress(&[("daily".into(), 7, "{\"stage\":1}".into())])
        .await
        .unwrap();
    assert_eq!(
        c.progress("daily", 7).await.unwrap().as_deref(),
        Some("{\"stage\":1}")
    );
}

/// Generates one `#[tokio::test]` per conformance case. `$make` is an async expression yielding
/// `Option<Arc<dyn Store>>` (None = backend not configured; the test says it is skipped).
#[macro_export]
macro_rules! store_conformance {
    ($backend:literal, $make:expr) => {
        $crate::store_conformance!(@cases $backend, $make,
            user_round_trip, admin_flag_by_email, guests_have_no_credentials, duplicates_conflict,
            missing_rows_are_not_found, rename_user, refresh_token_lifecycle,
            settings_first_writer_wins, migrate_twice_and_ping,
            games_bets_are_unique_per_nonce_and_key, games_rotation_is_compare_and_set,
            operators_signatures_and_links, operator_call_log_and_outbox,
            operator_sessions_revoke, guandan_match_log, events_come_with_their_facts,
            compete_contests_facts_and_rewards);
    };
    (@cases $backend:literal, $make:expr, $($case:ident),+) => {
        $(
            #[tokio::test]
            async fn $case() {
                let Some(store) = $make.await else {
                    $crate::testing::skip(&format!("skipped {} conformance case {}: backend not configured", $backend, stringify!($case)));
                    return;
                };
                $crate::conformance::$case(store.as_ref()).await;
            }
        )+
    };
}
