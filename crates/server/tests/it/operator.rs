//! The operator API on every configured database: signatures (missing, bad, stale, future,
//! replayed, unknown operator, rotated keys with overlap), sessions, internal-mode deposits and
//! withdrawals (idempotent per `tx_id`), and seamless mode against the mock operator with injected
//! timeouts, errors and duplicates — after the outbox drains, reconciliation finds no difference.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use serde_json::{Value, json};
use server::gamewallet::{Credit, Debit, GameWallet, GameWalletError, Rollback, WalletRouter};
use server::operator::mock::{self, MockConfig};
use server::operator::{OperatorRouter, reconcile, sign};

use crate::support::*;

const ADMIN: &str = "ops-admin@example.com";
const SECRET_A: &str = "operator-a-secret-0123456789abcdef0123";
const SECRET_B: &str = "operator-b-secret-0123456789abcdef0123";
const SECRET_C: &str = "operator-c-secret-0123456789abcdef0123";

fn operator_config() -> server::config::Config {
    let mut c = config();
    c.auth.admin_emails = vec![ADMIN.into()];
    c.rate_limit.per_ip_per_sec = 10_000;
    c.rate_limit.per_ip_burst = 10_000;
    c.rate_limit.per_account_per_sec = 10_000;
    c.rate_limit.per_account_burst = 10_000;
    c.operator.public_base_url = "https://games.example".into();
    c
}

fn now_secs() -> i64 {
    server::clock::now_secs()
}

async fn admin_token(c: &reqwest::Client, u: &str) -> String {
    let res = c
        .post(format!("{u}/v1/auth/register"))
        .json(&json!({"email": ADMIN, "password": "Operator-Admin-1", "display_name": "Ops"}))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    v["access_token"].as_str().expect("token").to_owned()
}

async fn create_operator(c: &reqwest::Client, u: &str, token: &str, body: Value) -> Value {
    let res = c
        .post(format!("{u}/v1/admin/operators"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("create operator");
    assert_eq!(res.status(), 200, "create operator");
    res.json().await.expect("json")
}

/// A signed request with explicit timestamp and secret.
async fn signed_at(
    c: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    operator: &str,
    secret: &str,
    ts: i64,
    body: &str,
) -> reqwest::Response {
    c.request(method, url)
        .header("content-type", "application/json")
        .header("X-Operator-Id", operator)
        .header("X-Timestamp", ts.to_string())
        .header("X-Signature", sign::sign(secret, ts, body.as_bytes()))
        .body(body.to_owned())
        .send()
        .await
        .expect("signed request")
}

/// Distinct bodies per call keep signatures unique within a second; `nonce` is ignored by the API.
static NONCE: AtomicU64 = AtomicU64::new(0);

fn with_nonce(mut body: Value) -> String {
    body["nonce"] = json!(NONCE.fetch_add(1, Ordering::Relaxed));
    body.to_string()
}

async fn post_signed(
    c: &reqwest::Client,
    url: String,
    operator: &str,
    secret: &str,
    body: Value,
) -> reqwest::Response {
    signed_at(
        c,
        reqwest::Method::POST,
        url,
        operator,
        secret,
        now_secs(),
        &with_nonce(body),
    )
    .await
}

async fn ok_json(res: reqwest::Response) -> Value {
    let status = res.status();
    let v: Value = res.json().await.expect("json");
    assert_eq!(status, 200, "{v}");
    v
}

fn session_body(player: &str, currency: &str) -> Value {
    json!({"player_id": player, "currency": currency, "game": "dice", "language": "en",
        "return_url": "https://casino.example/lobby"})
}

#[tokio::test]
async fn signatures_sessions_and_key_rotation() {
    for (name, store) in backends().await {
        eprintln!("backend {name}");
        let s = start_with(operator_config(), store).await;
        let (c, u) = (client(), s.url());
        let admin = admin_token(&c, &u).await;
        let op = create_operator(
            &c,
            &u,
            &admin,
            json!({"id": "casino-a", "mode": "internal", "currencies": ["EUR", "PLAY"], "secret": SECRET_A}),
        )
        .await;
        assert_eq!(op["secret"], SECRET_A);
        assert_eq!(op["currencies"], json!(["EUR", "PLAY"]));
        // A generated secret is returned once, at creation.
        let generated = create_operator(
            &c,
            &u,
            &admin,
            json!({"id": "casino-gen", "mode": "internal", "currencies": ["EUR"]}),
        )
        .await;
        assert_eq!(generated["secret"].as_str().map(str::len), Some(64));
        // Duplicate ids, bad modes and seamless without a URL are refused.
        let res = c
            .post(format!("{u}/v1/admin/operators"))
            .bearer_auth(&admin)
            .json(&json!({"id": "casino-a", "mode": "internal", "currencies": ["EUR"]}))
            .send()
            .await
            .expect("dup");
        expect_error(res, 409, "conflict", None).await;
        let res = c
            .post(format!("{u}/v1/admin/operators"))
            .bearer_auth(&admin)
            .json(&json!({"id": "x", "mode": "seamless", "currencies": ["EUR"]}))
            .send()
            .await
            .expect("no url");
        expect_error(res, 400, "invalid_field", Some("wallet_url")).await;
        // Only admins manage operators.
        let guest: Value = ok_json(
            c.post(format!("{u}/v1/auth/guest"))
                .send()
                .await
                .expect("guest"),
        )
        .await;
        let gt = guest["access_token"].as_str().expect("token");
        let res = c
            .post(format!("{u}/v1/admin/operators"))
            .bearer_auth(gt)
            .json(&json!({"id": "y", "mode": "internal", "currencies": ["EUR"]}))
            .send()
            .await
            .expect("forbidden");
        expect_error(res, 403, "forbidden", None).await;

        let sessions = format!("{u}/v1/operator/sessions");
        let body = with_nonce(session_body("p-1", "EUR"));
        // Missing headers.
        let res = c
            .post(&sessions)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("unsigned");
        expect_error(res, 401, "signature_missing", None).await;
        // Unknown operator.
        let res = signed_at(
            &c,
            reqwest::Method::POST,
            sessions.clone(),
            "nobody",
            SECRET_A,
            now_secs(),
            &body,
        )
        .await;
        expect_error(res, 401, "unknown_operator", None).await;
        // Wrong secret, tampered body, uppercase hex.
        let res = signed_at(
            &c,
            reqwest::Method::POST,
            sessions.clone(),
            "casino-a",
            SECRET_B,
            now_secs(),
            &body,
        )
        .await;
        expect_error(res, 401, "signature_invalid", None).await;
        let ts = now_secs();
        let res = c
            .post(&sessions)
            .header("content-type", "application/json")
            .header("X-Operator-Id", "casino-a")
            .header("X-Timestamp", ts.to_string())
            .header("X-Signature", sign::sign(SECRET_A, ts, body.as_bytes()))
            .body(body.replace("p-1", "p-2"))
            .send()
            .await
            .expect("tampered");
        expect_error(res, 401, "signature_invalid", None).await;
        // Stale, future and malformed timestamps.
        for ts in [now_secs() - 301, now_secs() + 120] {
            let res = signed_at(
                &c,
                reqwest::Method::POST,
                sessions.clone(),
                "casino-a",
                SECRET_A,
                ts,
                &body,
            )
            .await;
            expect_error(res, 401, "timestamp_out_of_window", None).await;
        }
        let res = c
            .post(&sessions)
            .header("X-Operator-Id", "casino-a")
            .header("X-Timestamp", "yesterday")
            .header("X-Signature", "00")
            .body(body.clone())
            .send()
            .await
            .expect("malformed");
        expect_error(res, 401, "timestamp_out_of_window", None).await;

        // A good session, then its exact replay.
        let ts = now_secs();
        let res = signed_at(
            &c,
            reqwest::Method::POST,
            sessions.clone(),
            "casino-a",
            SECRET_A,
            ts,
            &body,
        )
        .await;
        let session = ok_json(res).await;
        let token = session["session_token"].as_str().expect("token").to_owned();
        assert_eq!(session["player_id"], "p-1");
        assert_eq!(
            session["launch_url"],
            format!("https://games.example/play/dice?token={token}&lang=en")
        );
        let internal = session["internal_player_id"]
            .as_str()
            .expect("id")
            .to_owned();
        let me = ok_json(
            c.get(format!("{u}/v1/me"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("me"),
        )
        .await;
        assert_eq!(me["id"], internal.as_str(), "{me}");
        let res = signed_at(
            &c,
            reqwest::Method::POST,
            sessions.clone(),
            "casino-a",
            SECRET_A,
            ts,
            &body,
        )
        .await;
        expect_error(res, 401, "signature_replayed", None).await;
        // The same player maps to the same account; another player to another.
        let again = ok_json(
            post_signed(
                &c,
                sessions.clone(),
                "casino-a",
                SECRET_A,
                session_body("p-1", "PLAY"),
            )
            .await,
        )
        .await;
        assert_eq!(again["internal_player_id"], internal.as_str());
        let other = ok_json(
            post_signed(
                &c,
                sessions.clone(),
                "casino-a",
                SECRET_A,
                session_body("p-2", "EUR"),
            )
            .await,
        )
        .await;
        assert_ne!(other["internal_player_id"], internal.as_str());
        // Currencies: not enabled, unknown; other bad fields.
        let res = post_signed(
            &c,
            sessions.clone(),
            "casino-a",
            SECRET_A,
            session_body("p-1", "USD"),
        )
        .await;
        expect_error(res, 400, "currency_not_allowed", Some("currency")).await;
        let res = post_signed(
            &c,
            sessions.clone(),
            "casino-a",
            SECRET_A,
            session_body("p-1", "XYZ"),
        )
        .await;
        expect_error(res, 400, "invalid_field", Some("currency")).await;
        let mut bad = session_body("p-1", "EUR");
        bad["return_url"] = json!("javascript:alert(1)");
        let res = post_signed(&c, sessions.clone(), "casino-a", SECRET_A, bad).await;
        expect_error(res, 400, "invalid_field", Some("return_url")).await;
        let res = post_signed(
            &c,
            sessions.clone(),
            "casino-a",
            SECRET_A,
            json!({"currency": "EUR"}),
        )
        .await;
        expect_error(res, 400, "invalid_field", Some("player_id")).await;

        // Rotation with overlap: old and new secrets both work until the overlap ends.
        let rotated = ok_json(
            c.post(format!("{u}/v1/admin/operators/casino-a/rotate-secret"))
                .bearer_auth(&admin)
                .json(&json!({"secret": SECRET_B, "overlap_secs": 3600}))
                .send()
                .await
                .expect("rotate"),
        )
        .await;
        assert_eq!(rotated["secret"], SECRET_B);
        assert!(
            rotated["previous_secret_valid_until"]
                .as_i64()
                .expect("until")
                > now_secs() + 3000
        );
        for secret in [SECRET_A, SECRET_B] {
            ok_json(
                post_signed(
                    &c,
                    sessions.clone(),
                    "casino-a",
                    secret,
                    session_body("p-1", "EUR"),
                )
                .await,
            )
            .await;
        }
        // A rotation without overlap retires the previous secret at once; the one before is gone.
        ok_json(
            c.post(format!("{u}/v1/admin/operators/casino-a/rotate-secret"))
                .bearer_auth(&admin)
                .json(&json!({"secret": SECRET_C, "overlap_secs": 0}))
                .send()
                .await
                .expect("rotate"),
        )
        .await;
        for secret in [SECRET_A, SECRET_B] {
            let res = post_signed(
                &c,
                sessions.clone(),
                "casino-a",
                secret,
                session_body("p-1", "EUR"),
            )
            .await;
            expect_error(res, 401, "signature_invalid", None).await;
        }
        ok_json(
            post_signed(
                &c,
                sessions.clone(),
                "casino-a",
                SECRET_C,
                session_body("p-1", "EUR"),
            )
            .await,
        )
        .await;
        let doc = ok_json(
            c.get(format!("{u}/openapi.json"))
                .send()
                .await
                .expect("openapi"),
        )
        .await;
        for path in [
            "/v1/admin/operators",
            "/v1/admin/operators/{id}/rotate-secret",
            "/v1/operator/sessions",
            "/v1/operator/players/{player_id}/deposit",
            "/v1/operator/players/{player_id}/withdraw",
            "/v1/operator/players/{player_id}/balance",
        ] {
            assert!(doc["paths"][path].is_object(), "openapi lacks {path}");
        }
        let res = c
            .post(format!("{u}/v1/admin/operators/nobody/rotate-secret"))
            .bearer_auth(&admin)
            .json(&json!({}))
            .send()
            .await
            .expect("rotate unknown");
        expect_error(res, 404, "not_found", None).await;
        s.shutdown().await.expect("shutdown");
    }
}

#[tokio::test]
async fn internal_mode_deposits_and_withdrawals_are_idempotent() {
    for (name, store) in backends().await {
        eprintln!("backend {name}");
        let s = start_with(operator_config(), store).await;
        let (c, u) = (client(), s.url());
        let admin = admin_token(&c, &u).await;
        create_operator(
            &c,
            &u,
            &admin,
            json!({"id": "casino-i", "mode": "internal", "currencies": ["EUR"], "secret": SECRET_A}),
        )
        .await;
        create_operator(
            &c,
            &u,
            &admin,
            json!({"id": "casino-s", "mode": "seamless", "wallet_url": "http://127.0.0.1:9/", "currencies": ["EUR"], "secret": SECRET_B}),
        )
        .await;
        let base = format!("{u}/v1/operator/players/alice");
        let money =
            |amount: u64, tx: &str| json!({"amount": amount, "currency": "EUR", "tx_id": tx});

        let d = ok_json(
            post_signed(
                &c,
                format!("{base}/deposit"),
                "casino-i",
                SECRET_A,
                money(5_000, "d-1"),
            )
            .await,
        )
        .await;
        assert_eq!(
            (d["created"].clone(), d["balance"].clone()),
            (json!(true), json!(5_000)),
            "{d}"
        );
        let again = ok_json(
            post_signed(
                &c,
                format!("{base}/deposit"),
                "casino-i",
                SECRET_A,
                money(5_000, "d-1"),
            )
            .await,
        )
        .await;
        assert_eq!(
            (again["created"].clone(), again["balance"].clone()),
            (json!(false), json!(5_000))
        );
        assert_eq!(again["transfer_id"], d["transfer_id"]);
        let res = post_signed(
            &c,
            format!("{base}/deposit"),
            "casino-i",
            SECRET_A,
            money(6_000, "d-1"),
        )
        .await;
        expect_error(res, 409, "conflict", None).await;

        let w = ok_json(
            post_signed(
                &c,
                format!("{base}/withdraw"),
                "casino-i",
                SECRET_A,
                money(2_000, "w-1"),
            )
            .await,
        )
        .await;
        assert_eq!(
            (w["created"].clone(), w["balance"].clone()),
            (json!(true), json!(3_000)),
            "{w}"
        );
        let again = ok_json(
            post_signed(
                &c,
                format!("{base}/withdraw"),
                "casino-i",
                SECRET_A,
                money(2_000, "w-1"),
            )
            .await,
        )
        .await;
        assert_eq!(
            (again["created"].clone(), again["balance"].clone()),
            (json!(false), json!(3_000))
        );
        // A deposit's tx_id cannot be reused for a withdrawal.
        let res = post_signed(
            &c,
            format!("{base}/withdraw"),
            "casino-i",
            SECRET_A,
            money(5_000, "d-1"),
        )
        .await;
        expect_error(res, 409, "conflict", None).await;
        let res = post_signed(
            &c,
            format!("{base}/withdraw"),
            "casino-i",
            SECRET_A,
            money(10_000, "w-2"),
        )
        .await;
        expect_error(res, 409, "insufficient_funds", None).await;
        let res = post_signed(
            &c,
            format!("{base}/withdraw"),
            "casino-i",
            SECRET_A,
            money(10_000, "w-2"),
        )
        .await;
        expect_error(res, 409, "conflict", None).await;
        let res = post_signed(
            &c,
            format!("{base}/deposit"),
            "casino-i",
            SECRET_A,
            money(0, "d-0"),
        )
        .await;
        expect_error(res, 400, "invalid_field", Some("amount")).await;
        let res = post_signed(
            &c,
            format!("{u}/v1/operator/players/bob/withdraw"),
            "casino-i",
            SECRET_A,
            money(1, "w-3"),
        )
        .await;
        expect_error(res, 404, "not_found", None).await;

        let ts = now_secs();
        let bal = ok_json(
            signed_at(
                &c,
                reqwest::Method::GET,
                format!("{base}/balance"),
                "casino-i",
                SECRET_A,
                ts,
                "",
            )
            .await,
        )
        .await;
        assert_eq!(
            bal["balances"],
            json!([{"currency": "EUR", "balance": 3_000, "available": 3_000}]),
            "{bal}"
        );
        let res = signed_at(
            &c,
            reqwest::Method::GET,
            format!("{base}/balance?currency=USD"),
            "casino-i",
            SECRET_A,
            ts + 1,
            "",
        )
        .await;
        expect_error(res, 400, "currency_not_allowed", None).await;

        // Seamless operators keep the money themselves.
        let res = post_signed(
            &c,
            format!("{base}/deposit"),
            "casino-s",
            SECRET_B,
            money(1, "d-9"),
        )
        .await;
        expect_error(res, 409, "operator_mode_mismatch", None).await;

        // The ledger still balances.
        let dump = ledger::LedgerStore::dump(&s.state.store.ledger())
            .await
            .expect("dump");
        let report = ledger::verify::verify(&dump);
        assert!(report.violations.is_empty(), "{:?}", report.violations);
        s.shutdown().await.expect("shutdown");
    }
}

/// The internal wallet stand-in: recognisable, and refusing money (no game uses it here).
struct InternalStub;

#[async_trait]
impl GameWallet for InternalStub {
    async fn balance(&self, _: i64, _: &str) -> Result<u64, GameWalletError> {
        Ok(42)
    }
    async fn bet(&self, _: &Debit) -> Result<u64, GameWalletError> {
        Err(GameWalletError::Internal("stub".into()))
    }
    async fn win(&self, _: &Credit) -> Result<Option<u64>, GameWalletError> {
        Err(GameWalletError::Internal("stub".into()))
    }
    async fn rollback(&self, _: &Rollback) -> Result<(), GameWalletError> {
        Err(GameWalletError::Internal("stub".into()))
    }
}

const ROUNDS: u64 = 2_000;
const PLAYERS: u64 = 16;
const MOCK_SECRET: &str = "mock-operator-secret-0123456789abcdef";

#[derive(Default)]
struct Tally {
    settled: AtomicU64,
    rolled_back: AtomicU64,
    refused: AtomicU64,
}

#[tokio::test]
async fn seamless_mode_survives_faults_and_reconciles() {
    for (name, store) in backends().await {
        eprintln!("backend {name}");
        let mock = mock::start(
            "127.0.0.1:0",
            MockConfig {
                secret: MOCK_SECRET.into(),
                timeout_rate: 0.10,
                error_rate: 0.05,
                duplicate_rate: 0.05,
                seed: 7,
                initial_balance: 1_000_000,
                timeout_ms: 600,
                ..MockConfig::default()
            },
        )
        .await
        .expect("mock");
        let mut config = operator_config();
        config.operator.wallet_timeout_ms = 250;
        config.operator.outbox_poll_ms = 50;
        config.operator.outbox_backoff_base_ms = 20;
        config.operator.outbox_backoff_max_ms = 400;
        config.operator.pending_bet_grace_ms = 2_000;
        let s = start_with(config, store).await;
        let (c, u) = (client(), s.url());
        let admin = admin_token(&c, &u).await;
        create_operator(
            &c,
            &u,
            &admin,
            json!({"id": "casino-seamless", "mode": "seamless", "wallet_url": mock.url(), "currencies": ["EUR"], "secret": MOCK_SECRET}),
        )
        .await;
        let mut users = Vec::new();
        for p in 0..PLAYERS {
            let v = ok_json(
                post_signed(
                    &c,
                    format!("{u}/v1/operator/sessions"),
                    "casino-seamless",
                    MOCK_SECRET,
                    session_body(&format!("player-{p}"), "EUR"),
                )
                .await,
            )
            .await;
            let id: i64 = v["internal_player_id"]
                .as_str()
                .expect("id")
                .parse()
                .expect("int");
            users.push((id, format!("player-{p}")));
        }
        let state = s.state.clone();
        let router = OperatorRouter::new(state.operators.clone(), Arc::new(InternalStub));
        // Everyone who is not a seamless operator's player goes to the internal wallet.
        let guest: Value = ok_json(
            c.post(format!("{u}/v1/auth/guest"))
                .send()
                .await
                .expect("guest"),
        )
        .await;
        let gid: i64 = guest["user"]["id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("int");
        let internal = router.wallet_for(gid).await.expect("route");
        assert_eq!(internal.balance(gid, "EUR").await, Ok(42));

        let tally = Tally::default();
        let (router, tally_ref, users_ref) = (&router, &tally, &users);
        futures::stream::iter(0..ROUNDS)
            .for_each_concurrent(32, |i| {
                let state = state.clone();
                async move {
                    let (user_id, _) = users_ref[usize::try_from(i % PLAYERS).expect("index")];
                    let wallet = router.wallet_for(user_id).await.expect("route");
                    let round_id = state.ids.next_id();
                    let amount = 100 + (i % 7) * 10;
                    let debit = Debit {
                        tx_id: state.ids.next_id(),
                        user_id,
                        currency: "EUR".into(),
                        amount,
                        round_id,
                        game: "dice".into(),
                    };
                    let credit = Credit {
                        tx_id: state.ids.next_id(),
                        user_id,
                        currency: "EUR".into(),
                        amount: if i % 3 == 0 { amount * 2 } else { 0 },
                        round_id,
                        game: "dice".into(),
                        bet_tx_id: debit.tx_id,
                        round_closed: true,
                    };
                    let rollback = Rollback {
                        tx_id: state.ids.next_id(),
                        user_id,
                        currency: "EUR".into(),
                        round_id,
                        game: "dice".into(),
                        rolled_back_tx_id: debit.tx_id,
                        amount,
                    };
                    let placed = if i % 5 == 0 {
                        wallet.bet_and_settle(&debit, &credit).await.map(|_| true)
                    } else {
                        match wallet.bet(&debit).await {
                            Ok(_) => wallet.win(&credit).await.map(|_| true),
                            Err(e) => Err(e),
                        }
                    };
                    match placed {
                        Ok(_) => tally_ref.settled.fetch_add(1, Ordering::Relaxed),
                        Err(GameWalletError::Unavailable(_)) => {
                            wallet.rollback(&rollback).await.expect("rollback accepted");
                            tally_ref.rolled_back.fetch_add(1, Ordering::Relaxed)
                        }
                        Err(GameWalletError::InsufficientFunds) => {
                            tally_ref.refused.fetch_add(1, Ordering::Relaxed)
                        }
                        Err(e) => panic!("round {i}: {e}"),
                    };
                }
            })
            .await;
        eprintln!(
            "{name}: settled {} rolled back {} refused {}",
            tally.settled.load(Ordering::Relaxed),
            tally.rolled_back.load(Ordering::Relaxed),
            tally.refused.load(Ordering::Relaxed)
        );

        // Wait for the outbox to drain and the mock's delayed calls to finish.
        let ops = state.store.operators();
        let deadline = server::clock::instant() + Duration::from_secs(60);
        loop {
            let pending = ops
                .outbox_pending(Some("casino-seamless"))
                .await
                .expect("pending");
            if pending == 0 && mock.in_flight() == 0 {
                break;
            }
            assert!(
                server::clock::instant() < deadline,
                "outbox still holds {pending} rows"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let report = mock.report();
        let result = reconcile::reconcile(state.store.as_ref(), "casino-seamless", &report)
            .await
            .expect("reconcile");
        assert_eq!(result["ok"], true, "{}", result["summary"]);
        assert_eq!(result["differences"], json!([]));

        // The faults happened, and the mock's idempotency held under duplicates.
        let counters = &report["counters"];
        eprintln!("{name}: mock counters {counters}");
        for k in ["timeouts", "errors", "duplicates"] {
            assert!(counters[k].as_u64().expect(k) > 0, "{k}: {counters}");
        }
        assert_eq!(counters["duplicate_mismatches"], 0);
        assert!(tally.rolled_back.load(Ordering::Relaxed) > 0);
        assert!(tally.settled.load(Ordering::Relaxed) > 0);

        // Money: every player's balance at the operator is what our log says it must be.
        let log = reconcile::load_log(state.store.as_ref(), "casino-seamless")
            .await
            .expect("log");
        let rolled: std::collections::BTreeSet<i64> = log
            .iter()
            .filter(|t| t.kind == "rollback")
            .filter_map(|t| t.ref_tx_id)
            .collect();
        let mut expected: BTreeMap<String, i64> =
            users.iter().map(|(_, p)| (p.clone(), 1_000_000)).collect();
        for t in &log {
            let e = expected.get_mut(&t.player_id).expect("player");
            match t.kind.as_str() {
                "bet" if t.status == "ok" && !rolled.contains(&t.tx_id) => *e -= t.amount,
                "win" => *e += t.amount,
                _ => {}
            }
            assert_ne!(t.status, "pending", "{t:?}");
        }
        for (player, want) in &expected {
            assert_eq!(
                report["balances"][player]["EUR"].as_i64(),
                Some(*want),
                "{player}"
            );
        }
        s.shutdown().await.expect("shutdown");
        mock.stop();
    }
}

#[tokio::test]
async fn mock_operator_and_reconcile_commands() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    let bin = env!("CARGO_BIN_EXE_playhouse");
    // The mock operator announces its address and serves an empty report.
    let mut child = KillOnDrop(
        Command::new(bin)
            .args([
                "mock-operator",
                "--listen",
                "127.0.0.1:0",
                "--secret",
                MOCK_SECRET,
            ])
            .args([
                "--timeout-rate",
                "0.1",
                "--error-rate",
                "0.05",
                "--duplicate-rate",
                "0.05",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn mock-operator"),
    );
    let mut line = String::new();
    std::io::BufReader::new(child.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let started: Value = serde_json::from_str(&line).expect("json line");
    let url = started["listening"].as_str().expect("url").to_owned();
    let report: Value = client()
        .get(format!("{url}/report"))
        .send()
        .await
        .expect("report")
        .json()
        .await
        .expect("json");
    assert_eq!(report["transactions"], json!({}), "{report}");
    assert_eq!(report["counters"]["requests"], 0);
    // Unsigned wallet calls are refused.
    let res = client()
        .post(format!("{url}/bet"))
        .body("{}")
        .send()
        .await
        .expect("unsigned");
    assert_eq!(res.status(), 401);
    let bad = Command::new(bin)
        .args([
            "mock-operator",
            "--listen",
            "127.0.0.1:0",
            "--secret",
            "s",
            "--error-rate",
            "2",
        ])
        .output()
        .expect("bad rate");
    assert!(!bad.status.success());

    // Reconcile one logged bet against a report file that agrees, then against the (empty) mock.
    let dir = tempfile::tempdir().expect("tmp");
    let db = format!("sqlite://{}/rgs.db", dir.path().display());
    let store = store::connect(&db).await.expect("db");
    let ops = store.operators();
    ops.create_operator(&store::operator::NewOperator {
        id: "casino-r".into(),
        name: "R".into(),
        mode: "seamless".into(),
        wallet_url: Some(url.clone()),
        currencies: vec!["EUR".into()],
        secret: MOCK_SECRET.into(),
        now_ms: 1,
    })
    .await
    .expect("operator");
    let (link, _) = ops
        .link_player(
            "casino-r",
            "p-1",
            &store::NewUser {
                id: 5,
                email: None,
                password_hash: None,
                display_name: "casino-r:p-1".into(),
                is_guest: false,
                now_ms: 1,
            },
        )
        .await
        .expect("link");
    ops.insert_operator_tx(&store::operator::OperatorTx {
        tx_id: 1001,
        operator_id: "casino-r".into(),
        user_id: link.user_id,
        player_id: "p-1".into(),
        kind: "bet".into(),
        currency: "EUR".into(),
        amount: 150,
        round_id: 1000,
        game: "dice".into(),
        ref_tx_id: None,
        round_closed: false,
        status: "ok".into(),
        balance_after: Some(850),
        error_code: None,
        created_at_ms: 1,
        updated_at_ms: 1,
    })
    .await
    .expect("tx");
    store.close().await;
    let file = dir.path().join("report.json");
    std::fs::write(
        &file,
        json!({"transactions": {"1001": {"kind": "bet", "player_id": "p-1", "currency": "EUR",
            "amount": 150, "status": "applied", "round_closed": false}}})
        .to_string(),
    )
    .expect("write");
    let reconcile = |report: &str| {
        Command::new(bin)
            .args([
                "rgs",
                "reconcile",
                "--database-url",
                &db,
                "--operator-id",
                "casino-r",
            ])
            .args(["--report", report])
            .output()
            .expect("reconcile")
    };
    let out = reconcile(file.to_str().expect("path"));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(out.status.success(), "{v}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["transactions"], json!({"ours": 1, "theirs": 1}));
    let out = reconcile(&format!("{url}/report"));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(!out.status.success(), "{v}");
    assert_eq!(
        v["differences"][0]["problem"], "bet_missing_at_operator",
        "{v}"
    );
    assert_eq!(v["differences"][0]["tx_id"], "1001");
}

/// Kills the child process when the test ends, whether it passed or not.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
