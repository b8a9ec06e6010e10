//! The operator API on every configured database: signatures (missing, bad, stale, future,
//! replayed, unknown operator, rotated keys with overlap), sessions, internal-mode deposits and
//! withdrawals (idempotent per `tx_id`), and seamless mode against the mock operator with injected
//! timeouts, errors and duplicates — after the outbox drains, reconciliation finds no difference.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ::operator::mock::{self, MockConfig, MockTls};
use ::operator::{OperatorRouter, reconcile, sign};
use ::wallet::{Credit, Debit, GameWallet, GameWalletError, Rollback, WalletRouter};
use async_trait::async_trait;
use futures::StreamExt;
use serde_json::{Value, json};

use crate::support::*;

const ADMIN: &str = "ops-admin@example.com";
const SECRET_A: &str = "operator-a-secret-0123456789abcdef0123";
const SECRET_B: &str = "operator-b-secret-0123456789abcdef0123";
const SECRET_C: &str = "operator-c-secret-0123456789abcdef0123";

fn operator_config() -> server::config::Config {
    let mut c = config();
    c.rate_limit.per_ip_per_sec = 10_000;
    c.rate_limit.per_ip_burst = 10_000;
    c.rate_limit.per_account_per_sec = 10_000;
    c.rate_limit.per_account_burst = 10_000;
    c.operator.public_base_url = "https://games.example".into();
    // The plain-http mock operator; `seamless_wallet_over_https` runs without this.
    c.operator.allow_insecure_wallet_http = true;
    c
}

fn now_secs() -> i64 {
    api::clock::now_secs()
}

/// Registers the admin account and grants it admin rights as `playhouse admin grant` does.
async fn admin_token(c: &reqwest::Client, u: &str, s: &server::Server) -> String {
    let res = c
        .post(format!("{u}/v1/auth/register"))
        .json(&json!({"email": ADMIN, "password": "Operator-Admin-1", "display_name": "Ops"}))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    s.state
        .store
        .set_admin(ADMIN, true, now_secs() * 1000)
        .await
        .expect("grant");
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

/// The request target a signature covers: the URL's path and, when there is one, its query.
fn target(url: &str) -> String {
    let parsed = reqwest::Url::parse(url).expect("url");
    match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_owned(),
    }
}

/// A signed request with explicit timestamp, nonce and secret, signed for `signed_for` (a method
/// and URL) but sent as `method` to `url`: a signature moved to another route or player.
#[allow(
    clippy::too_many_arguments,
    reason = "every part of the signed text, for the probes"
)]
async fn signed_as(
    c: &reqwest::Client,
    (method, url): (reqwest::Method, String),
    signed_for: (reqwest::Method, &str),
    operator: &str,
    secret: &str,
    ts: i64,
    nonce: &str,
    body: &str,
) -> reqwest::Response {
    let path_and_query = target(signed_for.1);
    let sig = sign::Signed {
        timestamp: ts,
        nonce,
        method: signed_for.0.as_str(),
        path_and_query: &path_and_query,
        body: body.as_bytes(),
    }
    .sign(secret);
    c.request(method, url)
        .header("content-type", "application/json")
        .header("X-Operator-Id", operator)
        .header("X-Timestamp", ts.to_string())
        .header("X-Nonce", nonce)
        .header("X-Signature", sig)
        .body(body.to_owned())
        .send()
        .await
        .expect("signed request")
}

/// A signed request with explicit timestamp, nonce and secret.
async fn signed_with(
    c: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    (operator, secret): (&str, &str),
    ts: i64,
    nonce: &str,
    body: &str,
) -> reqwest::Response {
    let signed_for = (method.clone(), url.clone());
    signed_as(
        c,
        (method, url),
        (signed_for.0, &signed_for.1),
        operator,
        secret,
        ts,
        nonce,
        body,
    )
    .await
}

/// A signed request with explicit timestamp and secret (and a fresh nonce).
async fn signed_at(
    c: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    operator: &str,
    secret: &str,
    ts: i64,
    body: &str,
) -> reqwest::Response {
    let nonce = sign::new_nonce();
    signed_with(c, method, url, (operator, secret), ts, &nonce, body).await
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
        &body.to_string(),
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
        let admin = admin_token(&c, &u, &s).await;
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
        for body in [json!({}), json!({"id": 5})] {
            let res = c
                .post(format!("{u}/v1/admin/operators"))
                .bearer_auth(gt)
                .json(&body)
                .send()
                .await
                .expect("forbidden");
            expect_error(res, 403, "forbidden", None).await;
        }
        let res = c
            .post(format!("{u}/v1/admin/operators/casino-a/rotate-secret"))
            .bearer_auth(gt)
            .body("not json")
            .send()
            .await
            .expect("forbidden");
        expect_error(res, 403, "forbidden", None).await;

        let sessions = format!("{u}/v1/operator/sessions");
        let body = session_body("p-1", "EUR").to_string();
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
        let nonce = sign::new_nonce();
        let sig = sign::Signed {
            timestamp: ts,
            nonce: &nonce,
            method: "POST",
            path_and_query: "/v1/operator/sessions",
            body: body.as_bytes(),
        }
        .sign(SECRET_A);
        let res = c
            .post(&sessions)
            .header("content-type", "application/json")
            .header("X-Operator-Id", "casino-a")
            .header("X-Timestamp", ts.to_string())
            .header("X-Nonce", &nonce)
            .header("X-Signature", sig)
            .body(body.replace("p-1", "p-2"))
            .send()
            .await
            .expect("tampered");
        expect_error(res, 401, "signature_invalid", None).await;
        // A missing nonce, and nonces of the wrong shape (signed correctly all the same).
        let res = c
            .post(&sessions)
            .header("content-type", "application/json")
            .header("X-Operator-Id", "casino-a")
            .header("X-Timestamp", ts.to_string())
            .header("X-Signature", "00")
            .body(body.clone())
            .send()
            .await
            .expect("no nonce");
        expect_error(res, 401, "signature_missing", None).await;
        for nonce in ["fifteen-chars-x", "has.a.dot.in.it.x", &"n".repeat(65)] {
            let res = signed_with(
                &c,
                reqwest::Method::POST,
                sessions.clone(),
                ("casino-a", SECRET_A),
                now_secs(),
                nonce,
                &body,
            )
            .await;
            expect_error(res, 401, "signature_invalid", None).await;
        }
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
            .header("X-Nonce", sign::new_nonce())
            .header("X-Signature", "00")
            .body(body.clone())
            .send()
            .await
            .expect("malformed");
        expect_error(res, 401, "timestamp_out_of_window", None).await;

        // A good session, then its exact replay.
        let ts = now_secs();
        let nonce = sign::new_nonce();
        let res = signed_with(
            &c,
            reqwest::Method::POST,
            sessions.clone(),
            ("casino-a", SECRET_A),
            ts,
            &nonce,
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
        let res = signed_with(
            &c,
            reqwest::Method::POST,
            sessions.clone(),
            ("casino-a", SECRET_A),
            ts,
            &nonce,
            &body,
        )
        .await;
        expect_error(res, 401, "signature_replayed", None).await;
        // The same nonce a second later (signed anew) is still a replay.
        let res = signed_with(
            &c,
            reqwest::Method::POST,
            sessions.clone(),
            ("casino-a", SECRET_A),
            ts + 1,
            &nonce,
            &body,
        )
        .await;
        expect_error(res, 401, "signature_replayed", None).await;
        // The same request with a new nonce is a new request.
        ok_json(
            signed_with(
                &c,
                reqwest::Method::POST,
                sessions.clone(),
                ("casino-a", SECRET_A),
                ts,
                &sign::new_nonce(),
                &body,
            )
            .await,
        )
        .await;
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
        let admin = admin_token(&c, &u, &s).await;
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

        // A deposit signed for alice, sent with the same headers to another player's route, and
        // the same signed body sent to the withdraw route: both refused, nothing moves.
        let body = money(500, "d-moved").to_string();
        let ts = now_secs();
        let nonce = sign::new_nonce();
        let deposit = format!("{base}/deposit");
        for to in [
            format!("{u}/v1/operator/players/attacker-7/deposit"),
            format!("{base}/withdraw"),
            format!("{base}/deposit?player=attacker-7"),
        ] {
            let res = signed_as(
                &c,
                (reqwest::Method::POST, to),
                (reqwest::Method::POST, &deposit),
                "casino-i",
                SECRET_A,
                ts,
                &nonce,
                &body,
            )
            .await;
            expect_error(res, 401, "signature_invalid", None).await;
        }
        // Two balance polls in the same second (empty bodies) differ by their nonces: both answer.
        let ts = now_secs();
        let mut polls = Vec::new();
        for _ in 0..2 {
            polls.push(
                ok_json(
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
                .await,
            );
        }
        let bal = polls.pop().expect("a poll");
        assert_eq!(polls[0], bal);
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

/// The mock operator with the issue's faults (10 % timeouts, 5 % errors, 5 % duplicate
/// deliveries) and a server config whose wallet calls time out before the mock answers a
/// timed-out call and whose outbox retries quickly.
async fn faulty_operator(seed: u64) -> (mock::MockOperator, server::config::Config) {
    let mock = mock::start(
        "127.0.0.1:0",
        MockConfig {
            secret: MOCK_SECRET.into(),
            timeout_rate: 0.10,
            error_rate: 0.05,
            duplicate_rate: 0.05,
            seed,
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
    (mock, config)
}

#[tokio::test]
async fn seamless_mode_survives_faults_and_reconciles() {
    for (name, store) in backends().await {
        eprintln!("backend {name}");
        let (mock, config) = faulty_operator(7).await;
        let s = start_with(config, store).await;
        let (c, u) = (client(), s.url());
        let admin = admin_token(&c, &u, &s).await;
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
        let deadline = api::clock::instant() + Duration::from_secs(60);
        loop {
            let pending = ops
                .outbox_pending(Some("casino-seamless"))
                .await
                .expect("pending");
            if pending == 0 && mock.in_flight() == 0 {
                break;
            }
            assert!(
                api::clock::instant() < deadline,
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

/// A private CA and a certificate for `127.0.0.1` signed by it, as PEM: (CA, leaf, leaf key).
fn private_ca() -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().expect("ca key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Playhouse test CA");
    let ca = ca_params.self_signed(&ca_key).expect("ca");
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "mock operator");
    let leaf = params.signed_by(&key, &ca, &ca_key).expect("leaf");
    (ca.pem(), leaf.pem(), key.serialize_pem())
}

/// A dice bet through the player API.
async fn dice_bet(
    c: &reqwest::Client,
    u: &str,
    token: &str,
    key: &str,
    currency: &str,
    amount: u64,
) -> reqwest::Response {
    c.post(format!("{u}/v1/games/dice/bets"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({"amount": amount, "currency": currency,
            "params": {"target": 50.5, "direction": "over"}}))
        .send()
        .await
        .expect("bet")
}

/// Opens a session and returns its token.
async fn session_token(
    c: &reqwest::Client,
    u: &str,
    operator: &str,
    secret: &str,
    body: Value,
) -> String {
    let v = ok_json(
        post_signed(
            c,
            format!("{u}/v1/operator/sessions"),
            operator,
            secret,
            body,
        )
        .await,
    )
    .await;
    v["session_token"].as_str().expect("token").to_owned()
}

/// Waits until the operator's outbox is empty and the mock has no call in progress.
async fn drain(state: &server::state::AppState, operator: &str, mock: &mock::MockOperator) {
    let ops = state.store.operators();
    let deadline = api::clock::instant() + Duration::from_secs(60);
    loop {
        let pending = ops.outbox_pending(Some(operator)).await.expect("pending");
        if pending == 0 && mock.in_flight() == 0 {
            return;
        }
        assert!(
            api::clock::instant() < deadline,
            "outbox still holds {pending} rows"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn seamless_wallet_over_https() {
    let (ca_pem, cert_pem, key_pem) = private_ca();
    let dir = tempfile::tempdir().expect("tmp");
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).expect("write ca");
    let mock = mock::start(
        "127.0.0.1:0",
        MockConfig {
            secret: MOCK_SECRET.into(),
            initial_balance: 100_000,
            tls: Some(MockTls {
                cert_chain_pem: cert_pem,
                key_pem,
            }),
            ..MockConfig::default()
        },
    )
    .await
    .expect("mock");
    let wallet_url = mock.url();
    assert!(wallet_url.starts_with("https://127.0.0.1:"), "{wallet_url}");
    let operator = |id: &str| {
        json!({"id": id, "mode": "seamless", "wallet_url": wallet_url, "currencies": ["EUR"],
            "secret": MOCK_SECRET})
    };

    // Without the private CA the wallet's certificate is not trusted: the bet fails as
    // unavailable, and nothing reaches the operator.
    {
        let mut config = operator_config();
        config.operator.allow_insecure_wallet_http = false;
        let s = start_with(
            config,
            Arc::new(
                store::SqliteStore::connect("sqlite::memory:")
                    .await
                    .expect("sqlite"),
            ),
        )
        .await;
        let (c, u) = (client(), s.url());
        let admin = admin_token(&c, &u, &s).await;
        create_operator(&c, &u, &admin, operator("casino-untrusted")).await;
        let token = session_token(
            &c,
            &u,
            "casino-untrusted",
            MOCK_SECRET,
            session_body("untrusted-1", "EUR"),
        )
        .await;
        let res = dice_bet(&c, &u, &token, "u-1", "EUR", 100).await;
        expect_error(res, 503, "unavailable", None).await;
        assert_eq!(mock.report()["counters"]["requests"], 0);
        s.shutdown().await.expect("shutdown");
    }

    for (name, store) in backends().await {
        eprintln!("backend {name}");
        let mut config = operator_config();
        config.operator.allow_insecure_wallet_http = false;
        config.operator.wallet_ca_file = Some(ca_file.display().to_string());
        let s = start_with(config, store).await;
        let (c, u) = (client(), s.url());
        let admin = admin_token(&c, &u, &s).await;
        // Plain http wallet URLs are refused unless the server allows them.
        let mut plain = operator("casino-plain");
        plain["wallet_url"] = json!(wallet_url.replace("https://", "http://"));
        let res = c
            .post(format!("{u}/v1/admin/operators"))
            .bearer_auth(&admin)
            .json(&plain)
            .send()
            .await
            .expect("plain");
        expect_error(res, 400, "invalid_field", Some("wallet_url")).await;
        let id = format!("casino-tls-{name}");
        create_operator(&c, &u, &admin, operator(&id)).await;
        let player = format!("tls-{name}");
        let token = session_token(&c, &u, &id, MOCK_SECRET, session_body(&player, "EUR")).await;
        let mut expected = 100_000_i64;
        for i in 0..20 {
            let v = ok_json(dice_bet(&c, &u, &token, &format!("tls-{i}"), "EUR", 100).await).await;
            expected += v["payout"].as_i64().expect("payout") - 100;
            assert_eq!(v["balance"].as_i64(), Some(expected), "{v}");
        }
        drain(&s.state, &id, &mock).await;
        let mut report = mock.report();
        assert_eq!(report["balances"][&player]["EUR"].as_i64(), Some(expected));
        // The mock is shared by the backends: compare this backend's player only.
        let txs = report["transactions"].as_object_mut().expect("txs");
        txs.retain(|_, t| t["player_id"] == player.as_str());
        let result = reconcile::reconcile(s.state.store.as_ref(), &id, &report)
            .await
            .expect("reconcile");
        assert_eq!(result["ok"], true, "{result}");
        assert_eq!(result["transactions"]["ours"], 40, "{result}");
        s.shutdown().await.expect("shutdown");
    }
    mock.stop();
}

#[tokio::test]
async fn mock_operator_serves_https() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    let bin = env!("CARGO_BIN_EXE_playhouse");
    let (ca_pem, cert_pem, key_pem) = private_ca();
    let dir = tempfile::tempdir().expect("tmp");
    let path = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.display().to_string()
    };
    let (ca, cert, key) = (
        path("ca.pem", &ca_pem),
        path("cert.pem", &cert_pem),
        path("key.pem", &key_pem),
    );
    // A key without its certificate is a usage error.
    let out = Command::new(bin)
        .args([
            "mock-operator",
            "--listen",
            "127.0.0.1:0",
            "--secret",
            MOCK_SECRET,
        ])
        .args(["--tls-key", &key])
        .output()
        .expect("no cert");
    assert!(!out.status.success());
    let mut child = KillOnDrop(
        Command::new(bin)
            .args([
                "mock-operator",
                "--listen",
                "127.0.0.1:0",
                "--secret",
                MOCK_SECRET,
            ])
            .args(["--tls-cert", &cert, "--tls-key", &key])
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
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    // Trusted through the CA only.
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("ca"))
        .build()
        .expect("client");
    let report: Value = trusting
        .get(format!("{url}/report"))
        .send()
        .await
        .expect("report")
        .json()
        .await
        .expect("json");
    assert_eq!(report["counters"]["requests"], 0, "{report}");
    assert!(client().get(format!("{url}/report")).send().await.is_err());

    // `rgs reconcile` fetches an https report with `operator.wallet_ca_file`.
    let db = format!("sqlite://{}/rgs.db", dir.path().display());
    store::connect(&db).await.expect("db").close().await;
    let reconcile = |ca: Option<&str>| {
        let mut cmd = Command::new(bin);
        cmd.args(["rgs", "reconcile", "--database-url", &db]).args([
            "--operator-id",
            "casino-r",
            "--report",
            &format!("{url}/report"),
        ]);
        if let Some(ca) = ca {
            cmd.env("PLAYHOUSE_OPERATOR__WALLET_CA_FILE", ca);
        }
        cmd.output().expect("reconcile")
    };
    let out = reconcile(Some(&ca));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["ok"], true, "{v}");
    let out = reconcile(None);
    assert!(!out.status.success());
    let out = reconcile(Some(&key));
    assert!(!out.status.success(), "a key is no CA bundle");
}

/// The HTTP status and error code of a refused WebSocket upgrade (`None` when it was accepted).
async fn ws_refusal(u: &str, token: &str) -> Option<(u16, String)> {
    let url = format!(
        "{}/v1/ws?access_token={token}",
        u.replace("http://", "ws://")
    );
    match tokio_tungstenite::connect_async(url).await {
        Ok(_) => None,
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            let body: Value =
                serde_json::from_slice(res.body().as_deref().unwrap_or(b"{}")).expect("json error");
            Some((
                res.status().as_u16(),
                body["error"]["code"].as_str().unwrap_or("").to_owned(),
            ))
        }
        Err(e) => panic!("ws: {e}"),
    }
}

/// Reads an open WebSocket until the server closes it; returns the last error code it sent and
/// the close code.
async fn ws_close_reason(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> (String, u16) {
    use tokio_tungstenite::tungstenite::Message;
    let mut code = String::new();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("the server closes the connection in time");
        match frame {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(t.as_str()).expect("json frame");
                if v["type"] == "error" {
                    code = v["payload"]["code"].as_str().unwrap_or("").to_owned();
                }
            }
            Some(Ok(Message::Close(Some(f)))) => return (code, u16::from(f.code)),
            Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return (code, 0),
            Some(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn operator_sessions_are_scoped_and_revocable() {
    for (name, store) in backends().await {
        eprintln!("backend {name}");
        let mut config = operator_config();
        // Open WebSockets re-check their operator session quickly in this test.
        config.guandan.ws_session_check_ms = 100;
        let s = start_with(config, store.clone()).await;
        let (c, u) = (client(), s.url());
        let admin = admin_token(&c, &u, &s).await;
        for (id, secret) in [("casino-a", SECRET_A), ("casino-b", SECRET_B)] {
            create_operator(
                &c,
                &u,
                &admin,
                json!({"id": id, "mode": "internal", "currencies": ["EUR", "USD"], "secret": secret}),
            )
            .await;
        }
        for currency in ["EUR", "USD"] {
            ok_json(
                post_signed(
                    &c,
                    format!("{u}/v1/operator/players/p-1/deposit"),
                    "casino-a",
                    SECRET_A,
                    json!({"amount": 100_000, "currency": currency, "tx_id": format!("dep-{currency}")}),
                )
                .await,
            )
            .await;
        }
        let token = session_token(&c, &u, "casino-a", SECRET_A, session_body("p-1", "EUR")).await;
        let second = session_token(&c, &u, "casino-a", SECRET_A, session_body("p-1", "USD")).await;

        // A session bets in its own currency only.
        let v = ok_json(dice_bet(&c, &u, &token, "s-1", "EUR", 100).await).await;
        assert_eq!(v["currency"], "EUR");
        let res = dice_bet(&c, &u, &token, "s-2", "USD", 100).await;
        expect_error(res, 400, "session_currency_mismatch", Some("currency")).await;
        ok_json(dice_bet(&c, &u, &second, "s-3", "USD", 100).await).await;
        let res = dice_bet(&c, &u, &second, "s-4", "EUR", 100).await;
        expect_error(res, 400, "session_currency_mismatch", Some("currency")).await;
        // Ordinary player tokens are not scoped.
        let guest: Value = ok_json(
            c.post(format!("{u}/v1/auth/guest"))
                .send()
                .await
                .expect("guest"),
        )
        .await;
        let gt = guest["access_token"].as_str().expect("token").to_owned();
        ok_json(dice_bet(&c, &u, &gt, "g-1", "PLAY", 100).await).await;
        assert_eq!(ws_refusal(&u, &gt).await, None);
        assert_eq!(ws_refusal(&u, &token).await, None);

        // Revocation: signed; only the session's operator; bad input is coded.
        let revoke = format!("{u}/v1/operator/sessions/revoke");
        let res = post_signed(
            &c,
            revoke.clone(),
            "casino-b",
            SECRET_B,
            json!({"session_token": token}),
        )
        .await;
        expect_error(res, 404, "not_found", None).await;
        let res = post_signed(
            &c,
            revoke.clone(),
            "casino-a",
            SECRET_A,
            json!({"session_token": gt}),
        )
        .await;
        expect_error(res, 404, "not_found", None).await;
        let res = post_signed(
            &c,
            revoke.clone(),
            "casino-a",
            SECRET_A,
            json!({"session_token": ""}),
        )
        .await;
        expect_error(res, 400, "invalid_field", Some("session_token")).await;
        let res = post_signed(&c, revoke.clone(), "casino-a", SECRET_A, json!({})).await;
        expect_error(res, 400, "invalid_field", Some("session_token")).await;
        let res = c
            .post(&revoke)
            .header("content-type", "application/json")
            .body(json!({"session_token": token}).to_string())
            .send()
            .await
            .expect("unsigned");
        expect_error(res, 401, "signature_missing", None).await;
        // Still valid after the refused attempts.
        ok_json(
            c.get(format!("{u}/v1/me"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("me"),
        )
        .await;

        // A WebSocket opened on the session before it is revoked.
        let (mut open_ws, _) = tokio_tungstenite::connect_async(format!(
            "{}/v1/ws?access_token={token}",
            u.replace("http://", "ws://")
        ))
        .await
        .expect("ws on a live session");
        let revoked = ok_json(
            post_signed(
                &c,
                revoke.clone(),
                "casino-a",
                SECRET_A,
                json!({"session_token": token}),
            )
            .await,
        )
        .await;
        // The open connection learns why and is closed.
        assert_eq!(
            ws_close_reason(&mut open_ws).await,
            ("session_revoked".to_owned(), 4001)
        );
        assert_eq!(revoked["player_id"], "p-1");
        assert_eq!(revoked["currency"], "EUR");
        let at = revoked["revoked_at"].as_i64().expect("revoked_at");
        assert!((now_secs() - at).abs() <= 2, "{revoked}");
        let again = ok_json(
            post_signed(
                &c,
                revoke.clone(),
                "casino-a",
                SECRET_A,
                json!({"session_token": token}),
            )
            .await,
        )
        .await;
        assert_eq!(again["revoked_at"], at, "the first revocation stands");
        // Refused at once on this node: bets, round actions, reads and the WebSocket.
        let res = dice_bet(&c, &u, &token, "s-5", "EUR", 100).await;
        expect_error(res, 401, "session_revoked", None).await;
        let res = dice_bet(&c, &u, &token, "s-1", "EUR", 100).await;
        expect_error(res, 401, "session_revoked", None).await;
        let res = c
            .get(format!("{u}/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("me");
        expect_error(res, 401, "session_revoked", None).await;
        assert_eq!(
            ws_refusal(&u, &token).await,
            Some((401, "session_revoked".into()))
        );
        // The player's other session and ordinary tokens are untouched.
        ok_json(dice_bet(&c, &u, &second, "s-6", "USD", 100).await).await;
        ok_json(dice_bet(&c, &u, &gt, "g-2", "PLAY", 100).await).await;
        // A well-signed operator-session token without its session row is refused.
        let internal: i64 = revoked["internal_player_id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("int");
        let forged = s
            .state
            .auth
            .keys
            .issue_operator_session(internal, "casino-a", now_secs())
            .expect("forge");
        let res = c
            .get(format!("{u}/v1/me"))
            .bearer_auth(&forged)
            .send()
            .await
            .expect("me");
        expect_error(res, 401, "unauthorized", None).await;

        // Another node sees the revocation within the session cache's lifetime (5 s): it
        // serves from its cache meanwhile, then reads the row again. Its clock is moved, not
        // waited for.
        let other_clock = api::clock::Clock::adjustable();
        let other = start_with_clock(operator_config(), store.clone(), other_clock.clone()).await;
        let ou = other.url();
        let third = session_token(&c, &u, "casino-a", SECRET_A, session_body("p-1", "EUR")).await;
        ok_json(
            c.get(format!("{ou}/v1/me"))
                .bearer_auth(&third)
                .send()
                .await
                .expect("me"),
        )
        .await;
        ok_json(
            post_signed(
                &c,
                revoke.clone(),
                "casino-a",
                SECRET_A,
                json!({"session_token": third}),
            )
            .await,
        )
        .await;
        let res = c
            .get(format!("{u}/v1/me"))
            .bearer_auth(&third)
            .send()
            .await
            .expect("me");
        expect_error(res, 401, "session_revoked", None).await;
        let cache = Duration::from_millis(u64::try_from(::operator::SESSION_CACHE_MS).expect("ms"));
        other_clock.advance(cache - Duration::from_millis(1_000));
        ok_json(
            c.get(format!("{ou}/v1/me"))
                .bearer_auth(&third)
                .send()
                .await
                .expect("cached"),
        )
        .await;
        other_clock.advance(Duration::from_millis(1_000));
        let res = c
            .get(format!("{ou}/v1/me"))
            .bearer_auth(&third)
            .send()
            .await
            .expect("me");
        expect_error(res, 401, "session_revoked", None).await;
        other.shutdown().await.expect("shutdown");
        s.shutdown().await.expect("shutdown");

        // An expired session is refused even inside the token's 5 s leeway.
        let mut short = operator_config();
        short.auth.access_ttl_secs = 2;
        let clock = api::clock::Clock::adjustable();
        let s = start_with_clock(short, store, clock.clone()).await;
        let u = s.url();
        let token = session_token(&c, &u, "casino-a", SECRET_A, session_body("p-1", "EUR")).await;
        ok_json(dice_bet(&c, &u, &token, "e-1", "EUR", 100).await).await;
        clock.advance(Duration::from_millis(2_100));
        let res = dice_bet(&c, &u, &token, "e-2", "EUR", 100).await;
        expect_error(res, 401, "session_expired", None).await;
        s.shutdown().await.expect("shutdown");
    }
}

/// Bets through the HTTP API in the fault test.
const HTTP_BETS: u64 = 1_250;
/// Players of the fault test (bets of one player are serialised by the server).
const HTTP_PLAYERS: u64 = 24;

/// What one bet request of the fault test got.
enum BetResult {
    /// 200: the bet's round id, stake and payout as the response claims them.
    Placed {
        player: String,
        bet_id: String,
        amount: i64,
        payout: i64,
    },
    /// 503 `unavailable`: the operator's answer to the debit was unknown; the bet was rolled back.
    Failed,
}

#[tokio::test]
async fn seamless_http_bets_survive_faults_and_reconcile() {
    for (name, store) in backends().await {
        eprintln!("backend {name}");
        let started = api::clock::instant();
        let (mock, config) = faulty_operator(11).await;
        let s = start_with(config, store).await;
        let (c, u) = (client(), s.url());
        let admin = admin_token(&c, &u, &s).await;
        let op = "casino-http";
        create_operator(
            &c,
            &u,
            &admin,
            json!({"id": op, "mode": "seamless", "wallet_url": mock.url(), "currencies": ["EUR"], "secret": MOCK_SECRET}),
        )
        .await;
        let mut players = Vec::new();
        for p in 0..HTTP_PLAYERS {
            let player = format!("hp-{p}");
            let token = session_token(&c, &u, op, MOCK_SECRET, session_body(&player, "EUR")).await;
            players.push((player, token));
        }

        let (c_ref, u_ref, players_ref) = (&c, &u, &players);
        let results: Vec<BetResult> = futures::stream::iter(0..HTTP_BETS)
            .map(|i| async move {
                let (player, token) =
                    &players_ref[usize::try_from(i % HTTP_PLAYERS).expect("index")];
                let amount = 100 + (i % 7) * 10;
                let key = format!("http-bet-{i}");
                let res = dice_bet(c_ref, u_ref, token, &key, "EUR", amount).await;
                let status = res.status().as_u16();
                let v: Value = res.json().await.expect("json");
                match status {
                    200 => {
                        // A retry with the same key answers the original bet.
                        if i % 50 == 0 {
                            let again: Value =
                                ok_json(dice_bet(c_ref, u_ref, token, &key, "EUR", amount).await)
                                    .await;
                            assert_eq!(again["bet_id"], v["bet_id"], "{again}");
                            assert_eq!(again["payout"], v["payout"], "{again}");
                        }
                        BetResult::Placed {
                            player: player.clone(),
                            bet_id: v["bet_id"].as_str().expect("bet_id").to_owned(),
                            amount: v["amount"].as_i64().expect("amount"),
                            payout: v["payout"].as_i64().expect("payout"),
                        }
                    }
                    503 => {
                        assert_eq!(v["error"]["code"], "unavailable", "{v}");
                        BetResult::Failed
                    }
                    _ => panic!("bet {i}: {status} {v}"),
                }
            })
            .buffer_unordered(24)
            .collect()
            .await;
        let placed = results
            .iter()
            .filter(|r| matches!(r, BetResult::Placed { .. }))
            .count();
        let failed = results.len() - placed;
        eprintln!("{name}: {placed} bets placed, {failed} failed");
        assert!(failed > 0, "the faults reached the bets");
        assert!(placed >= 1_000, "{placed} of {HTTP_BETS} bets placed");

        drain(&s.state, op, &mock).await;
        let report = mock.report();
        let result = reconcile::reconcile(s.state.store.as_ref(), op, &report)
            .await
            .expect("reconcile");
        assert_eq!(result["ok"], true, "{}", result["summary"]);
        assert_eq!(result["differences"], json!([]));
        let counters = &report["counters"];
        eprintln!("{name}: mock counters {counters}");
        for k in ["timeouts", "errors", "duplicates"] {
            assert!(counters[k].as_u64().expect(k) > 0, "{k}: {counters}");
        }
        assert_eq!(counters["duplicate_mismatches"], 0);

        // Every placed bet stands at the operator, and every payout a response claimed arrived
        // there as a closing win of that round; failed bets left nothing standing.
        let mut bets: BTreeMap<String, i64> = BTreeMap::new();
        let mut wins: BTreeMap<String, i64> = BTreeMap::new();
        for t in report["transactions"].as_object().expect("txs").values() {
            let round = t["round_id"].as_str().expect("round").to_owned();
            match (t["kind"].as_str(), t["status"].as_str()) {
                (Some("bet"), Some("applied")) => {
                    assert!(
                        bets.insert(round, t["amount"].as_i64().expect("amount"))
                            .is_none()
                    );
                }
                (Some("win"), Some("applied")) => {
                    assert_eq!(t["round_closed"], true, "{t}");
                    assert!(
                        wins.insert(round, t["amount"].as_i64().expect("amount"))
                            .is_none()
                    );
                }
                _ => {}
            }
        }
        assert_eq!(bets.len(), placed, "bets standing at the operator");
        assert_eq!(wins.len(), placed, "wins received by the operator");
        let mut balances: BTreeMap<&str, i64> = players
            .iter()
            .map(|(p, _)| (p.as_str(), 1_000_000))
            .collect();
        for r in &results {
            if let BetResult::Placed {
                player,
                bet_id,
                amount,
                payout,
            } = r
            {
                assert_eq!(bets.get(bet_id), Some(amount), "bet {bet_id}");
                assert_eq!(wins.get(bet_id), Some(payout), "payout of {bet_id}");
                *balances.get_mut(player.as_str()).expect("player") += payout - amount;
            }
        }
        for (player, want) in &balances {
            assert_eq!(
                report["balances"][player]["EUR"].as_i64(),
                Some(*want),
                "{player}"
            );
        }
        s.shutdown().await.expect("shutdown");
        mock.stop();
        eprintln!("{name}: {:?}", started.elapsed());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_events_advance_missions_once_and_pay_their_rewards() {
    for (name, store) in backends().await {
        let s = start_with(operator_config(), store).await;
        let (c, u) = (client(), s.url());
        let admin = admin_token(&c, &u, &s).await;
        create_operator(
            &c,
            &u,
            &admin,
            json!({"id": "casino-m", "mode": "internal", "currencies": ["EUR"], "secret": SECRET_A}),
        )
        .await;
        // A deposit links the player `alice` to an account.
        ok_json(
            post_signed(
                &c,
                format!("{u}/v1/operator/players/alice/deposit"),
                "casino-m",
                SECRET_A,
                json!({"amount": 100, "currency": "EUR", "tx_id": "d-1"}),
            )
            .await,
        )
        .await;
        let mission = "id: first-deposits\nkind: mission\nname: {en: First deposits, zh: 首次存款}\n\
             stages:\n  - id: deposit-1000\n    condition: {type: external, name: deposit}\n\
             \x20   target: 1000\n    reward: [{chips: {currency: PLAY, amount: 500}}]\n\
             \x20 - id: level-up\n    condition: {type: external, name: level}\n    target: 1\n\
             \x20   reward: [{points: {amount: 10}}]\n";
        let res = c
            .post(format!("{u}/v1/admin/contests"))
            .bearer_auth(&admin)
            .header("content-type", "application/yaml")
            .body(mission)
            .send()
            .await
            .expect("create");
        assert_eq!(res.status(), 201, "{name}");

        // Bad events change nothing and name the field.
        let res = post_signed(
            &c,
            format!("{u}/v1/events"),
            "casino-m",
            SECRET_A,
            json!({"events": [{"event_id": "e-0", "player_id": "alice", "name": "deposit", "value": 1},
                              {"event_id": "e-x", "player_id": "nobody", "name": "deposit"}]}),
        )
        .await;
        crate::support::expect_error(res, 400, "invalid_field", Some("events[1].player_id")).await;
        let unsigned = c
            .post(format!("{u}/v1/events"))
            .json(&json!({"event_id": "e-1", "player_id": "alice", "name": "deposit"}))
            .send()
            .await
            .expect("post");
        crate::support::expect_error(unsigned, 401, "signature_missing", None).await;

        // 600 + 600 (the second sent twice): the first stage completes once.
        let one = |id: &str, value: i64| json!({"event_id": id, "player_id": "alice", "name": "deposit", "value": value});
        let r = post_signed(
            &c,
            format!("{u}/v1/events"),
            "casino-m",
            SECRET_A,
            one("e-1", 600),
        )
        .await;
        assert_eq!(r.status(), 202, "{name}");
        let r: Value = r.json().await.expect("json");
        assert_eq!(
            (r["accepted"].clone(), r["duplicates"].clone()),
            (json!(1), json!(0))
        );
        let batch = json!({"events": [one("e-2", 600), one("e-2", 600)]});
        let r = post_signed(&c, format!("{u}/v1/events"), "casino-m", SECRET_A, batch).await;
        assert_eq!(r.status(), 202);
        let r: Value = r.json().await.expect("json");
        assert_eq!(r["duplicates"], 1, "{r}");
        let again = post_signed(
            &c,
            format!("{u}/v1/events"),
            "casino-m",
            SECRET_A,
            one("e-1", 600),
        )
        .await;
        let again: Value = again.json().await.expect("json");
        assert_eq!(again["duplicates"], 1);

        let alice = s
            .state
            .store
            .operators()
            .player_by_external("casino-m", "alice")
            .await
            .expect("alice")
            .user_id;
        let mut reward = None;
        for _ in 0..200 {
            let rows = s
                .state
                .store
                .compete()
                .rewards(alice, 10)
                .await
                .expect("rewards");
            if rows.iter().any(|r| r.status == "paid") {
                reward = Some(rows);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let rows = reward.unwrap_or_else(|| panic!("{name}: the stage's reward is not paid"));
        assert_eq!(
            rows.len(),
            1,
            "{name}: one stage done, one reward: {rows:?}"
        );
        assert_eq!(rows[0].id, "mission:first-deposits:0:0");
        assert_eq!(rows[0].amount, 500);
        let progress = s
            .state
            .store
            .compete()
            .progress("first-deposits", alice)
            .await
            .expect("progress")
            .expect("stored");
        let p: Value = serde_json::from_str(&progress).expect("json");
        assert_eq!(p["stage"], 1, "{progress}");
        // The reward is a `reward` transfer into alice's PLAY wallet.
        let transfers = s
            .state
            .wallet
            .transfers(alice, ledger::currency::PLAY, None, 10)
            .await
            .expect("transfers");
        let kinds: Vec<u16> = transfers.items.iter().map(|t| t.code).collect();
        assert!(
            kinds.contains(&ledger::chart::TransferKind::Reward.code()),
            "{name}: {kinds:?}"
        );
        let dump = ledger::LedgerStore::dump(&s.state.wallet.ledger)
            .await
            .expect("dump");
        assert!(ledger::verify(&dump).ok);
        s.shutdown().await.expect("shutdown");
    }
}
