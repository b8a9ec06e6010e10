//! The player games API end to end on every configured database: a player bets on every game
//! (multi-step rounds played to the end, slots included), rotates the seed, and every bet is
//! recomputed from the revealed seed with the published algorithm; bad input on every endpoint;
//! concurrent bets on one balance; responsible-gaming limits; idle rounds; catalogue and feed.

use std::time::Duration;

use crate::support::*;
use fair::ByteStream;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CHIPS: i64 = 100_000;

fn games_config() -> server::config::Config {
    let mut c = config();
    c.wallet.signup_chips = CHIPS as u64;
    c.rate_limit.per_account_per_sec = 10_000;
    c.rate_limit.per_account_burst = 10_000;
    c.rate_limit.per_ip_per_sec = 10_000;
    c.rate_limit.per_ip_burst = 10_000;
    c
}

struct Player {
    c: reqwest::Client,
    url: String,
    token: String,
}

impl Player {
    async fn guest(url: &str) -> Player {
        let c = client();
        let res = c
            .post(format!("{url}/v1/auth/guest"))
            .json(&json!({}))
            .send()
            .await
            .expect("guest");
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.expect("json");
        Player {
            c,
            url: url.to_owned(),
            token: body["access_token"].as_str().expect("token").to_owned(),
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.c
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("get")
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> reqwest::Response {
        self.c
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("send")
    }

    async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.send(reqwest::Method::POST, path, body).await
    }

    async fn bet_with_key(
        &self,
        game: &str,
        amount: Value,
        params: Value,
        key: &str,
    ) -> reqwest::Response {
        self.c
            .post(format!("{}/v1/games/{game}/bets", self.url))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .json(&json!({"amount": amount, "currency": "PLAY", "params": params}))
            .send()
            .await
            .expect("bet")
    }

    async fn bet(&self, game: &str, amount: i64, params: Value) -> reqwest::Response {
        self.post(
            &format!("/v1/games/{game}/bets"),
            json!({"amount": amount, "currency": "PLAY", "params": params}),
        )
        .await
    }

    async fn balance(&self) -> i64 {
        let w = ok(self.get("/v1/wallet").await).await;
        w["balances"]
            .as_array()
            .and_then(|b| b.iter().find(|b| b["currency"] == "PLAY"))
            .and_then(|b| b["available"].as_i64())
            .expect("PLAY balance")
    }
}

async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 200, "{body}");
    body
}

/// Plays an open round to its end with simple moves; returns the last response.
async fn finish_round(p: &Player, game: &str, mut resp: Value) -> Value {
    for step in 0..60 {
        if resp["round"]["status"] == "settled" {
            return resp;
        }
        let id = resp["round"]["id"].as_str().expect("round id").to_owned();
        let path = format!("/v1/games/{game}/rounds/{id}/actions");
        let action = match (game, step) {
            ("mines", 0) => json!({"action": "reveal", "tile": 12}),
            ("hilo", 0) => json!({"action": "guess", "guess": "higher"}),
            ("mines" | "hilo", _) => json!({"action": "cash_out"}),
            _ => json!({"action": "stand"}),
        };
        let res = p.post(&path, action).await;
        if res.status() == 409 {
            // Blackjack offers insurance first when the dealer shows an ace; "higher" cannot win
            // from an ace in hilo.
            let other = match game {
                "blackjack" => json!({"action": "insurance", "take": false}),
                _ => json!({"action": "guess", "guess": "lower"}),
            };
            resp = ok(p.post(&path, other).await).await;
            continue;
        }
        resp = ok(res).await;
    }
    panic!("{game} round did not finish: {resp}");
}

fn recompute(game: &str, params: &Value, seed: &str, client: &str, nonce: u64) -> Value {
    match game {
        "crash" => {
            let u = ByteStream::new(seed, client, nonce).next_u32();
            json!({"crash_point": fair::crash::crash_from_u32(u).shown()})
        }
        "lantern_festival" | "copper_canyon" | "orchard_crates" => {
            let yaml = std::fs::read_to_string(format!(
                "{}/../rules/slots/games/{game}.yaml",
                env!("CARGO_MANIFEST_DIR")
            ))
            .expect("slot yaml");
            let def = slots::cli::parse(&yaml).expect("slot");
            let mut stream = ByteStream::new(seed, client, nonce);
            let floats = std::iter::from_fn(|| Some(stream.next_float()));
            let r = slots::spin::spin(&def, 10, floats).expect("spin");
            serde_json::to_value(&r).expect("json")
        }
        _ => {
            let p = match game {
                "mines" | "wheel" | "plinko" => Some(params.to_string()),
                _ => None,
            };
            casino::cli::outcome(game, seed, client, nonce, p.as_deref()).expect("outcome")
        }
    }
}

#[tokio::test]
async fn every_game_verifies_against_the_revealed_seed() {
    for (name, store) in backends().await {
        let server = start_with(games_config(), store).await;
        let p = Player::guest(&server.url()).await;
        let seeds = ok(p.get("/v1/fair/seeds").await).await;
        let committed = seeds["server_seed_hash"].as_str().expect("hash").to_owned();
        assert_eq!(seeds["nonce"], 0, "{name}");
        assert_ne!(seeds["next_server_seed_hash"], seeds["server_seed_hash"]);

        let instant: Vec<(&str, i64, Value)> = vec![
            ("dice", 100, json!({"target": 50.5, "direction": "over"})),
            ("limbo", 100, json!({"target": 2.0})),
            ("crash", 100, json!({"cashout": 1.5})),
            (
                "keno",
                100,
                json!({"picks": [1, 2, 3, 4, 5], "risk": "classic"}),
            ),
            ("plinko", 100, json!({"rows": 16, "risk": "low"})),
            ("wheel", 100, json!({"segments": 10, "risk": "low"})),
            (
                "roulette",
                100,
                json!({"bets": [{"type": "red", "amount": 100}]}),
            ),
            ("lantern_festival", 100, json!({"lines": 10})),
            ("copper_canyon", 250, json!({"lines": 25})),
            ("orchard_crates", 100, json!({})),
        ];
        let mut bets: Vec<(String, Value, Value)> = Vec::new();
        let mut staked = 0;
        let mut paid = 0;
        for (game, amount, params) in instant {
            let r = ok(p.bet(game, amount, params.clone()).await).await;
            assert_eq!(r["amount"], amount, "{name} {game}");
            assert!(r["outcome"].is_object(), "{name} {game}: {r}");
            assert_eq!(r["provably_fair"]["server_seed_hash"], committed.as_str());
            staked += amount;
            paid += r["payout"].as_i64().expect("payout");
            assert_eq!(
                r["balance"].as_i64(),
                Some(CHIPS - staked + paid),
                "{name} {game}"
            );
            bets.push((game.to_owned(), params, r));
        }
        for (game, params) in [
            ("mines", json!({"mines": 3})),
            ("hilo", json!({})),
            ("blackjack", json!({})),
        ] {
            let opened = ok(p.bet(game, 100, params.clone()).await).await;
            if opened["round"]["status"] == "open" {
                let active = ok(p.get(&format!("/v1/games/{game}/rounds/active")).await).await;
                assert_eq!(active["bet_id"], opened["bet_id"]);
                assert!(
                    opened["outcome"].is_null(),
                    "an open round hides its outcome"
                );
            }
            let done = finish_round(&p, game, opened).await;
            let res = p.get(&format!("/v1/games/{game}/rounds/active")).await;
            expect_error(res, 404, "not_found", None).await;
            staked += done["amount"].as_i64().expect("amount");
            paid += done["payout"].as_i64().expect("payout");
            bets.push((game.to_owned(), params, done));
        }
        assert_eq!(p.balance().await, CHIPS - staked + paid, "{name}");

        // Before the rotation the server seed is not shown.
        let first = bets[0].2["bet_id"].as_str().expect("id").to_owned();
        let before = ok(p.get(&format!("/v1/bets/{first}")).await).await;
        assert!(before["provably_fair"]["server_seed"].is_null());

        let rotated = ok(p.post("/v1/fair/rotate", json!({})).await).await;
        let seed = rotated["revealed"]["server_seed"]
            .as_str()
            .expect("seed")
            .to_owned();
        assert_eq!(
            hex::encode(Sha256::digest(seed.as_bytes())),
            committed,
            "{name}"
        );
        assert_eq!(rotated["revealed"]["nonce"], bets.len());
        assert_eq!(
            rotated["active"]["server_seed_hash"], seeds["next_server_seed_hash"],
            "the committed next seed becomes active"
        );
        assert_eq!(rotated["active"]["nonce"], 0);

        let mut nonces = Vec::new();
        for (game, params, resp) in &bets {
            let id = resp["bet_id"].as_str().expect("id");
            let h = ok(p.get(&format!("/v1/bets/{id}")).await).await;
            assert_eq!(h["status"], "settled");
            assert_eq!(h["provably_fair"]["server_seed"], seed.as_str());
            let client = h["provably_fair"]["client_seed"].as_str().expect("client");
            let nonce = h["provably_fair"]["nonce"].as_u64().expect("nonce");
            nonces.push(nonce);
            let want = recompute(game, params, &seed, client, nonce);
            assert_eq!(h["outcome"], want, "{name} {game} verifies");
            assert_eq!(
                resp["outcome"], want,
                "{name} {game}: the bet response showed it"
            );
            if game == "dice" {
                let s = casino::play(
                    "dice",
                    &json!({"target": 50.5, "direction": "over"}),
                    &mut ByteStream::new(&seed, client, nonce),
                    100,
                )
                .expect("dice");
                assert_eq!(h["payout"].as_u64(), Some(s.payout_minor));
                // The one wire format: the exact decimal string of the multiplier's units.
                assert_eq!(h["multiplier"], json!(s.multiplier.to_decimal()));
                assert_eq!(resp["multiplier"], h["multiplier"]);
            }
        }
        nonces.sort_unstable();
        assert_eq!(nonces, (0..bets.len() as u64).collect::<Vec<_>>(), "{name}");

        // History pages, newest first, filtered by game.
        let page = ok(p.get("/v1/bets?limit=5").await).await;
        assert_eq!(page["items"].as_array().map(Vec::len), Some(5));
        let cursor = page["next_cursor"].as_str().expect("cursor").to_owned();
        let rest = ok(p.get(&format!("/v1/bets?limit=100&cursor={cursor}")).await).await;
        assert_eq!(rest["items"].as_array().map(Vec::len), Some(bets.len() - 5));
        assert!(rest["next_cursor"].is_null());
        let dice = ok(p.get("/v1/bets?game=dice").await).await;
        assert_eq!(dice["items"].as_array().map(Vec::len), Some(1));

        // A new bet uses the new pair from nonce 0.
        let next = ok(p
            .bet("dice", 100, json!({"target": 50.5, "direction": "under"}))
            .await)
        .await;
        assert_eq!(next["provably_fair"]["nonce"], 0);
        assert_eq!(
            next["provably_fair"]["server_seed_hash"],
            rotated["active"]["server_seed_hash"]
        );
        server.shutdown().await.expect("shutdown");
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_codes() {
    for (name, store) in backends().await {
        let server = start_with(games_config(), store).await;
        let u = server.url();
        let p = Player::guest(&u).await;
        let dice = json!({"target": 50.5, "direction": "over"});

        let res = client()
            .get(format!("{u}/v1/games/nope"))
            .send()
            .await
            .expect("get");
        expect_error(res, 404, "game_not_found", None).await;
        expect_error(
            p.bet("nope", 100, json!({})).await,
            404,
            "game_not_found",
            None,
        )
        .await;
        for amount in [json!(0), json!(1.5), json!("100"), json!(-5), json!(null)] {
            let res = p
                .post(
                    "/v1/games/dice/bets",
                    json!({"amount": amount, "currency": "PLAY", "params": dice}),
                )
                .await;
            expect_error(res, 400, "invalid_field", Some("amount")).await;
        }
        expect_error(
            p.bet("dice", 1_000_000_001, dice.clone()).await,
            400,
            "amount_out_of_range",
            Some("amount"),
        )
        .await;
        for currency in ["XYZ", "REWARD", "play"] {
            let res = p
                .post(
                    "/v1/games/dice/bets",
                    json!({"amount": 100, "currency": currency, "params": dice}),
                )
                .await;
            expect_error(res, 400, "unsupported_currency", Some("currency")).await;
        }
        let res = p
            .bet("dice", 100, json!({"target": 1.0, "direction": "over"}))
            .await;
        expect_error(res, 400, "invalid_field", Some("params")).await;
        let res = p
            .bet(
                "roulette",
                300,
                json!({"bets": [{"type": "red", "amount": 100}]}),
            )
            .await;
        expect_error(res, 400, "invalid_field", Some("amount")).await;
        let res = p.bet("copper_canyon", 101, json!({})).await;
        expect_error(res, 400, "invalid_field", Some("amount")).await;
        let res = p
            .bet(
                "dice",
                CHIPS,
                json!({"target": 50.5, "direction": "sideways"}),
            )
            .await;
        expect_error(res, 400, "invalid_field", Some("params")).await;
        let res = client()
            .post(format!("{u}/v1/games/dice/bets"))
            .json(&json!({"amount": 100, "currency": "PLAY", "params": dice}))
            .send()
            .await
            .expect("post");
        expect_error(res, 401, "unauthorized", None).await;
        assert_eq!(
            p.balance().await,
            CHIPS,
            "{name}: refused bets move nothing"
        );

        // Idempotency: same key and body → the original response; other body → 409.
        let a = ok(p
            .bet_with_key("dice", json!(100), dice.clone(), "k-1")
            .await)
        .await;
        let b = ok(p
            .bet_with_key("dice", json!(100), dice.clone(), "k-1")
            .await)
        .await;
        assert_eq!(a, b, "{name}");
        let after_retry = p.balance().await;
        let res = p
            .bet_with_key("dice", json!(200), dice.clone(), "k-1")
            .await;
        expect_error(res, 409, "idempotency_conflict", None).await;
        assert_eq!(p.balance().await, after_retry);
        let res = p
            .bet_with_key("dice", json!(100), dice.clone(), "bad key with spaces")
            .await;
        expect_error(res, 400, "invalid_field", Some("Idempotency-Key")).await;

        // Seeds.
        let res = p
            .send(
                reqwest::Method::PUT,
                "/v1/fair/client-seed",
                json!({"client_seed": "a:b"}),
            )
            .await;
        expect_error(res, 400, "invalid_field", Some("client_seed")).await;
        let res = p
            .send(
                reqwest::Method::PUT,
                "/v1/fair/client-seed",
                json!({"client_seed": ""}),
            )
            .await;
        expect_error(res, 400, "invalid_field", Some("client_seed")).await;
        let changed = ok(p
            .send(
                reqwest::Method::PUT,
                "/v1/fair/client-seed",
                json!({"client_seed": "my-lucky-seed"}),
            )
            .await)
        .await;
        assert_eq!(changed["active"]["client_seed"], "my-lucky-seed");
        assert_eq!(changed["revealed"]["nonce"], 1);

        // Rounds: one per game, no rotation while open, actions checked.
        let opened = ok(p.bet("mines", 100, json!({"mines": 24})).await).await;
        let id = opened["round"]["id"].as_str().expect("id").to_owned();
        expect_error(
            p.bet("mines", 100, json!({"mines": 3})).await,
            409,
            "round_open",
            None,
        )
        .await;
        expect_error(
            p.post("/v1/fair/rotate", json!({})).await,
            409,
            "round_open",
            None,
        )
        .await;
        let res = p
            .send(
                reqwest::Method::PUT,
                "/v1/fair/client-seed",
                json!({"client_seed": "other"}),
            )
            .await;
        expect_error(res, 409, "round_open", None).await;
        let path = format!("/v1/games/mines/rounds/{id}/actions");
        expect_error(
            p.post(&path, json!({"action": "dance"})).await,
            400,
            "invalid_field",
            Some("action"),
        )
        .await;
        expect_error(
            p.post(&path, json!({"tile": 3})).await,
            400,
            "invalid_field",
            Some("action"),
        )
        .await;
        expect_error(
            p.post(&path, json!({"action": "reveal", "tile": 99})).await,
            409,
            "illegal_action",
            None,
        )
        .await;
        expect_error(
            p.post(
                "/v1/games/mines/rounds/12345/actions",
                json!({"action": "cash_out"}),
            )
            .await,
            404,
            "not_found",
            None,
        )
        .await;
        expect_error(
            p.post(
                &format!("/v1/games/hilo/rounds/{id}/actions"),
                json!({"action": "cash_out"}),
            )
            .await,
            404,
            "not_found",
            None,
        )
        .await;
        expect_error(
            p.post(
                &format!("/v1/games/nope/rounds/{id}/actions"),
                json!({"action": "cash_out"}),
            )
            .await,
            404,
            "game_not_found",
            None,
        )
        .await;
        // Cashing out needs a revealed tile; with 24 mines the first reveal ends the round.
        expect_error(
            p.post(&path, json!({"action": "cash_out"})).await,
            409,
            "illegal_action",
            None,
        )
        .await;
        let done = ok(p.post(&path, json!({"action": "reveal", "tile": 0})).await).await;
        assert_eq!(done["round"]["status"], "settled");
        assert!(
            done["outcome"]["mines"].is_array(),
            "the settled round shows its mines"
        );
        expect_error(
            p.post(&path, json!({"action": "reveal", "tile": 1})).await,
            409,
            "illegal_action",
            None,
        )
        .await;
        ok(p.post("/v1/fair/rotate", json!({})).await).await;

        // History and activity queries.
        expect_error(
            p.get("/v1/bets?cursor=abc").await,
            400,
            "invalid_field",
            Some("cursor"),
        )
        .await;
        expect_error(
            p.get("/v1/bets?limit=0").await,
            400,
            "invalid_field",
            Some("limit"),
        )
        .await;
        expect_error(
            p.get("/v1/bets?game=nope").await,
            404,
            "game_not_found",
            None,
        )
        .await;
        expect_error(p.get("/v1/bets/999").await, 404, "not_found", None).await;
        expect_error(p.get("/v1/bets/abc").await, 404, "not_found", None).await;
        expect_error(
            p.get("/v1/activity?game=nope").await,
            404,
            "game_not_found",
            None,
        )
        .await;
        expect_error(
            p.get("/v1/games/dice/rounds/active").await,
            404,
            "game_not_found",
            None,
        )
        .await;
        server.shutdown().await.expect("shutdown");
    }
}

#[tokio::test]
async fn concurrent_bets_never_overdraw() {
    for (name, store) in backends().await {
        let server = start_with(games_config(), store).await;
        let p = std::sync::Arc::new(Player::guest(&server.url()).await);
        // 1% win chance at 99x: nearly every bet loses its stake.
        let params = json!({"target": 1.0, "direction": "under"});
        let tasks: Vec<_> = (0..24)
            .map(|i| {
                let p = p.clone();
                let params = params.clone();
                tokio::spawn(async move {
                    p.bet_with_key("dice", json!(30_000), params, &format!("c-{i}"))
                        .await
                })
            })
            .collect();
        let (mut staked, mut paid, mut refused) = (0, 0, 0);
        for t in tasks {
            let res = t.await.expect("task");
            if res.status() == 200 {
                let body: Value = res.json().await.expect("json");
                assert!(body["balance"].as_i64().expect("balance") >= 0);
                staked += 30_000;
                paid += body["payout"].as_i64().expect("payout");
            } else {
                expect_error(res, 409, "insufficient_funds", None).await;
                refused += 1;
            }
        }
        let balance = p.balance().await;
        assert!(balance >= 0, "{name}");
        if paid == 0 {
            assert_eq!(
                refused, 21,
                "{name}: without a win exactly three 30,000 stakes fit in 100,000"
            );
        }
        assert_eq!(balance, CHIPS - staked + paid, "{name}");
        let history = ok(p.get("/v1/bets?limit=100").await).await;
        assert_eq!(
            history["items"].as_array().map(Vec::len),
            Some((24 - refused) as usize)
        );
        server.shutdown().await.expect("shutdown");
    }
}

#[tokio::test]
async fn limits_and_self_exclusion_are_enforced() {
    for (name, store) in backends().await {
        let server = start_with(games_config(), store).await;
        let p = Player::guest(&server.url()).await;
        let dice = json!({"target": 50.5, "direction": "over"});
        let put = |body: Value| p.send(reqwest::Method::PUT, "/v1/me/limits", body);

        let limits = ok(p.get("/v1/me/limits").await).await;
        assert_eq!(limits["max_bet"], json!({}));
        let before = ok(p
            .bet_with_key("dice", json!(600), dice.clone(), "before-limit")
            .await)
        .await;
        let set = ok(put(json!({"max_bet": {"PLAY": 500}})).await).await;
        assert_eq!(set["max_bet"]["PLAY"], 500, "{name}");
        expect_error(
            p.bet("dice", 600, dice.clone()).await,
            403,
            "bet_limit_exceeded",
            None,
        )
        .await;
        // A retry of a bet placed before the limit still gets its original response.
        let retried = ok(p
            .bet_with_key("dice", json!(600), dice.clone(), "before-limit")
            .await)
        .await;
        assert_eq!(retried, before, "{name}");
        ok(p.bet("dice", 500, dice.clone()).await).await;
        // Raising waits for the cooling-off period.
        let raised = ok(put(json!({"max_bet": {"PLAY": 5_000}})).await).await;
        assert_eq!(raised["max_bet"]["PLAY"], 500);
        assert_eq!(raised["pending"][0]["value"], 5_000);
        expect_error(
            p.bet("dice", 600, dice.clone()).await,
            403,
            "bet_limit_exceeded",
            None,
        )
        .await;

        // A daily loss limit counts the whole stake as a possible loss (fresh player: no loss yet).
        let q = Player::guest(&server.url()).await;
        let set = ok(q
            .send(
                reqwest::Method::PUT,
                "/v1/me/limits",
                json!({"daily_loss_limit": {"PLAY": 400}}),
            )
            .await)
        .await;
        assert_eq!(set["daily_loss_limit"]["PLAY"], 400);
        expect_error(
            q.bet("dice", 450, dice.clone()).await,
            403,
            "loss_limit_reached",
            None,
        )
        .await;
        ok(q.bet("dice", 400, dice.clone()).await).await;

        for bad in [
            json!({"max_bet": {"XYZ": 10}}),
            json!({"max_bet": {"PLAY": 0}}),
            json!({"session_minutes": 0}),
            json!({"self_excluded_until": "soon"}),
            json!({"self_excluded_until": "2001-01-01"}),
            json!({"unknown": 1}),
        ] {
            let res = put(bad.clone()).await;
            assert_eq!(res.status(), 400, "{bad}");
        }
        let set = ok(put(json!({"session_minutes": 30})).await).await;
        assert_eq!(set["session_minutes"], 30);

        let set = ok(put(json!({"self_excluded_until": "2099-01-01"})).await).await;
        assert_eq!(set["self_excluded_until"], "2099-01-01");
        expect_error(
            p.bet("dice", 100, dice.clone()).await,
            403,
            "self_excluded",
            None,
        )
        .await;
        let retried = ok(p
            .bet_with_key("dice", json!(600), dice.clone(), "before-limit")
            .await)
        .await;
        assert_eq!(retried, before, "{name}: a retry is not a new bet");
        let res = put(json!({"self_excluded_until": "2098-01-01"})).await;
        expect_error(res, 400, "invalid_field", Some("self_excluded_until")).await;
        let again = ok(p.get("/v1/me/limits").await).await;
        assert_eq!(again["self_excluded_until"], "2099-01-01", "{name}");
        server.shutdown().await.expect("shutdown");
    }
}

#[tokio::test]
async fn idle_rounds_are_settled_by_their_rule() {
    for (name, store) in backends().await {
        let mut config = games_config();
        config.games.round_idle_secs = 1;
        config.games.idle_sweep_secs = 1;
        let server = start_with(config, store).await;
        let p = Player::guest(&server.url()).await;
        let opened = ok(p.bet("mines", 1_000, json!({"mines": 5})).await).await;
        let id = opened["bet_id"].as_str().expect("id").to_owned();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let res = p.get("/v1/games/mines/rounds/active").await;
            if res.status() == 404 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name}: round never settled"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let bet = ok(p.get(&format!("/v1/bets/{id}")).await).await;
        assert_eq!(bet["status"], "settled");
        assert_eq!(
            bet["payout"], 1_000,
            "{name}: the idle rule cashes out (no pick: the stake)"
        );
        assert_eq!(p.balance().await, CHIPS);
        server.shutdown().await.expect("shutdown");
    }
}

#[tokio::test]
async fn catalogue_feed_and_balance_events() {
    let server = start_with(games_config(), backends().await.remove(0).1).await;
    let u = server.url();
    let all = ok(client()
        .get(format!("{u}/v1/games"))
        .send()
        .await
        .expect("get"))
    .await;
    let games = all["games"].as_array().expect("games");
    let ids: Vec<&str> = games.iter().filter_map(|g| g["id"].as_str()).collect();
    for id in [
        "dice",
        "limbo",
        "crash",
        "keno",
        "plinko",
        "wheel",
        "roulette",
        "mines",
        "hilo",
        "blackjack",
        "lantern_festival",
        "copper_canyon",
        "orchard_crates",
    ] {
        assert!(ids.contains(&id), "{id} listed");
    }
    for g in games {
        assert!(g["limits"]["PLAY"]["max_bet"].as_u64().is_some(), "{g}");
        assert!(
            g["rtp"].as_f64().is_some() || g["rtp_variants"].is_object(),
            "{}",
            g["id"]
        );
    }
    let slot = ok(client()
        .get(format!("{u}/v1/games/copper_canyon"))
        .send()
        .await
        .expect("get"))
    .await;
    assert_eq!(slot["kind"], "slot");
    assert!((slot["rtp"].as_f64().expect("rtp") - 0.9727380945).abs() < 1e-9);
    assert!(slot["paytable"]["eagle"].is_array());
    // The published definition is what the browser verifier recomputes rounds from.
    let def = ::games::catalogue::slot("copper_canyon").expect("shipped slot");
    assert_eq!(slot["definition"], ::games::catalogue::slot_definition(def));
    assert_eq!(slot["definition"]["layout"], "ways");
    assert_eq!(slot["definition"]["reel_sets"][1]["name"], "bonus");
    let keno = ok(client()
        .get(format!("{u}/v1/games/keno"))
        .send()
        .await
        .expect("get"))
    .await;
    assert!(keno["paytables"]["classic"]["10"].is_array());

    let mut feed = server.state.bet_feed.subscribe();
    let mut balances = server.state.balance_changes.subscribe();
    let p = Player::guest(&u).await;
    // A large bet is always in the feed.
    let r = ok(p
        .bet("dice", CHIPS, json!({"target": 50.5, "direction": "over"}))
        .await)
    .await;
    let id = r["bet_id"].as_str().expect("id").to_owned();
    let change = tokio::time::timeout(Duration::from_secs(30), balances.recv())
        .await
        .expect("balance change in time")
        .expect("balance change");
    assert_eq!(change.currency, "PLAY");
    assert_eq!(Some(change.balance as i64), r["balance"].as_i64());
    let batch = tokio::time::timeout(Duration::from_secs(30), feed.recv())
        .await
        .expect("feed batch in time")
        .expect("feed batch");
    let item = batch
        .items
        .iter()
        .find(|i| i.bet_id == id)
        .expect("the large bet");
    assert!(item.player.contains("***"), "masked: {}", item.player);
    let recent = ok(client()
        .get(format!("{u}/v1/activity?game=dice"))
        .send()
        .await
        .expect("get"))
    .await;
    assert_eq!(recent["items"][0]["bet_id"], id.as_str());
    // The bet, the feed item and the public activity carry the same exact multiplier text.
    assert!(r["multiplier"].is_string(), "{r}");
    assert_eq!(item.multiplier, r["multiplier"].as_str().expect("text"));
    assert_eq!(recent["items"][0]["multiplier"], r["multiplier"]);
    server.shutdown().await.expect("shutdown");
}

/// Every published RTP, hit rate and paytable figure equals the exact value the pure crates compute
/// (never a literal typed into the catalogue).
#[tokio::test]
async fn published_figures_are_the_pure_crates_exact_values() {
    use casino::Risk;
    let server = start_with(games_config(), backends().await.remove(0).1).await;
    let all = ok(client()
        .get(format!("{}/v1/games", server.url()))
        .send()
        .await
        .expect("get"))
    .await;
    let game = |id: &str| -> Value {
        all["games"]
            .as_array()
            .expect("games")
            .iter()
            .find(|g| g["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} listed"))
    };
    let rtp = |id: &str| game(id)["rtp"].as_f64().expect("rtp");
    let exact = |r: casino::Ratio| r.to_f64();

    let dice = casino::dice::DiceParams::from_json(&game("dice")["example_params"]).expect("dice");
    assert_eq!(rtp("dice"), exact(dice.rtp()));
    let limbo = casino::limbo::LimboParams::from_json(&json!({"target": 2.0})).expect("limbo");
    assert_eq!(rtp("limbo"), exact(limbo.rtp()));
    let crash = casino::Ratio::new(u128::from(fair::crash::draws_at_least(200)) * 2, 1 << 32);
    assert_eq!(rtp("crash"), exact(crash));
    let red = casino::roulette::RouletteParams::from_json(
        &json!({"bets": [{"type": "red", "amount": 1}]}),
    )
    .expect("roulette");
    assert_eq!(rtp("roulette"), exact(red.rtp().expect("rtp")));
    assert_eq!(rtp("roulette"), 36.0 / 37.0);

    // Round games publish the lowest RTP over every choice, and the highest beside it.
    let (lo, hi) = casino::mines::rtp_bounds();
    assert_eq!(rtp("mines"), exact(lo));
    assert_eq!(game("mines")["rtp_max"].as_f64(), Some(exact(hi)));
    assert_eq!(game("mines")["rtp_exact"], lo.to_string());
    let (lo, hi) = casino::hilo::rtp_bounds();
    assert_eq!(game("hilo")["rtp_exact"], "643499997/650000000");
    assert_eq!(rtp("hilo"), exact(lo));
    assert_eq!(game("hilo")["rtp_max"].as_f64(), Some(exact(hi)));
    assert_eq!(exact(hi), 0.99);
    let blackjack = casino::blackjack_rtp::BlackjackStrategy::new().rtp();
    assert_eq!(rtp("blackjack"), blackjack);

    for risk in [Risk::Classic, Risk::Low, Risk::Medium, Risk::High] {
        let name = serde_json::to_value(risk).expect("risk");
        let name = name.as_str().expect("name");
        for picks in 1..=casino::keno::PICKS_MAX {
            let k = picks.to_string();
            let keno = game("keno");
            assert_eq!(
                keno["rtp_variants"][name][&k].as_f64(),
                Some(exact(casino::keno::rtp(risk, picks))),
                "keno {name} {picks}"
            );
            let table: Vec<f64> = casino::keno::table(risk, picks)
                .iter()
                .map(|&m| f64::from(m) / 100.0)
                .collect();
            assert_eq!(
                keno["paytables"][name][&k],
                json!(table),
                "keno {name} {picks}"
            );
        }
    }
    for risk in [Risk::Low, Risk::Medium, Risk::High] {
        let name = serde_json::to_value(risk).expect("risk");
        let name = name.as_str().expect("name");
        for rows in casino::plinko::ROWS_MIN..=casino::plinko::ROWS_MAX {
            let p = casino::plinko::PlinkoParams { rows, risk };
            let plinko = game("plinko");
            let r = rows.to_string();
            assert_eq!(
                plinko["rtp_variants"][name][&r].as_f64(),
                Some(exact(p.rtp()))
            );
            let table: Vec<f64> = p.table().iter().map(|&m| f64::from(m) / 100.0).collect();
            assert_eq!(plinko["paytables"][name][&r], json!(table));
        }
        for segments in [10u32, 20, 30, 40, 50] {
            let p = casino::wheel::WheelParams { segments, risk };
            let wheel = game("wheel");
            let s = segments.to_string();
            assert_eq!(
                wheel["rtp_variants"][name][&s].as_f64(),
                Some(exact(p.rtp()))
            );
            let table: Vec<f64> = p.table().iter().map(|&m| f64::from(m) / 100.0).collect();
            assert_eq!(wheel["paytables"][name][&s], json!(table));
        }
    }
    for (id, _) in ::games::catalogue::SLOT_GAMES {
        let def = ::games::catalogue::slot(id).expect("shipped slot");
        let report =
            serde_json::to_value(slots::exact::analyze(def).expect("exact")).expect("json");
        let published = game(id);
        for key in ["rtp", "hit_frequency", "volatility"] {
            assert!(report[key].is_number(), "{id} {key}");
            assert_eq!(published[key], report[key], "{id} {key}");
        }
    }
}
