//! Tournaments end to end over HTTP: definitions through the admin API, real dice bets through the
//! event stream into the standings, opt-in entry fees held and posted, prizes paid (or claimed)
//! through the ledger within seconds of the end, and the ledger still verifying.

use std::time::Duration;

use ledger::LedgerStore;
use serde_json::{Value, json};

use crate::support;

const ADMIN: &str = "contest-admin@example.com";

fn rfc3339(ms: i64) -> String {
    compete::schedule::format_time(ms)
}

async fn json_of(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert!(status.is_success(), "{status}: {body}");
    body
}

struct Player {
    token: String,
    id: String,
}

async fn guest(c: &reqwest::Client, u: &str) -> Player {
    let g = json_of(
        c.post(format!("{u}/v1/auth/guest"))
            .json(&json!({}))
            .send()
            .await
            .expect("guest"),
    )
    .await;
    Player {
        token: g["access_token"].as_str().expect("token").to_owned(),
        id: g["user"]["id"].as_str().expect("id").to_owned(),
    }
}

async fn dice(c: &reqwest::Client, u: &str, p: &Player, amount: i64) -> Value {
    json_of(
        c.post(format!("{u}/v1/games/dice/bets"))
            .bearer_auth(&p.token)
            .json(&json!({"amount": amount, "currency": "PLAY", "params": {"target": 50.5, "direction": "under"}}))
            .send()
            .await
            .expect("bet"),
    )
    .await
}

async fn get(c: &reqwest::Client, url: String, token: &str) -> Value {
    json_of(c.get(url).bearer_auth(token).send().await.expect("get")).await
}

async fn available(c: &reqwest::Client, u: &str, p: &Player) -> i64 {
    let w = get(c, format!("{u}/v1/wallet"), &p.token).await;
    w["balances"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["currency"] == "PLAY"))
        .and_then(|b| b["available"].as_i64())
        .expect("PLAY balance")
}

/// Polls `f` until it returns `Some`, for up to 15 s.
async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..300 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wager_race_and_an_opt_in_contest_pay_their_prizes_through_the_ledger() {
    for (name, store) in support::backends().await {
        let clock = api::clock::Clock::adjustable();
        let mut config = support::config();
        config.rate_limit.per_ip_per_sec = 10_000;
        config.auth.access_ttl_secs = 7_200;
        let s = support::start_with_clock(config, store, clock.clone()).await;
        let u = s.url();
        let c = support::client();
        let t0 = clock.now_ms();
        let (start, end) = (t0 - 60_000, t0 + 600_000);

        // The admin.
        let reg = json_of(
            c.post(format!("{u}/v1/auth/register"))
                .json(&json!({"email": ADMIN, "password": "Contest-Admin-1", "display_name": "Admin"}))
                .send()
                .await
                .expect("register"),
        )
        .await;
        let admin = reg["access_token"].as_str().expect("token").to_owned();
        s.state
            .store
            .set_admin(ADMIN, true, api::clock::now_ms())
            .await
            .expect("grant");

        let race = format!(
            "id: wager-race\nkind: tournament\nname: {{en: Wager race, zh: 投注竞赛}}\n\
             window: {{start: \"{}\", end: \"{}\"}}\ngames: [dice]\ncurrency: PLAY\n\
             scoring: {{mode: sum, of: bet, min_bet: 50}}\n\
             tie_break: [first_reached_at, user_id]\n\
             prizes:\n  pool: {{fixed: 1000000}}\n  scheme: ladder\n  ladder:\n\
             \x20   - {{ranks: \"1\", percent: 30}}\n    - {{ranks: \"2\", percent: 20}}\n\
             \x20   - {{ranks: \"3\", percent: 10}}\n",
            rfc3339(start),
            rfc3339(end)
        );
        // A player cannot create contests; a bad definition names its key.
        let p1 = guest(&c, &u).await;
        let res = c
            .post(format!("{u}/v1/admin/contests"))
            .bearer_auth(&p1.token)
            .header("content-type", "application/yaml")
            .body(race.clone())
            .send()
            .await
            .expect("post");
        support::expect_error(res, 403, "forbidden", None).await;
        let res = c
            .post(format!("{u}/v1/admin/contests"))
            .bearer_auth(&admin)
            .header("content-type", "application/yaml")
            .body(race.replace("mode: sum", "mode: average"))
            .send()
            .await
            .expect("post");
        support::expect_error(res, 400, "invalid_field", Some("scoring.mode")).await;
        let created = c
            .post(format!("{u}/v1/admin/contests"))
            .bearer_auth(&admin)
            .header("content-type", "application/yaml")
            .body(race.clone())
            .send()
            .await
            .expect("post");
        assert_eq!(created.status().as_u16(), 201, "{name}");
        let created: Value = created.json().await.expect("json");
        assert_eq!(created["id"], "wager-race");
        let commitment = created["commitment"]
            .as_str()
            .expect("commitment")
            .to_owned();
        assert_eq!(commitment.len(), 64);
        // Creating it again is a conflict.
        let again = c
            .post(format!("{u}/v1/admin/contests"))
            .bearer_auth(&admin)
            .header("content-type", "application/yaml")
            .body(race.clone())
            .send()
            .await
            .expect("post");
        support::expect_error(again, 409, "conflict", None).await;

        // An opt-in contest with an entry fee and prizes to claim, as JSON.
        let opt_in = format!(
            "id: high-rollers\nkind: tournament\nname: {{en: High rollers, zh: 豪客赛}}\n\
             window: {{start: \"{}\", end: \"{}\"}}\njoin: opt_in\nentry_fee: 100\ngames: [dice]\n\
             currency: PLAY\nscoring: {{mode: count}}\n\
             prizes:\n  pool: {{fixed: 9000}}\n  scheme: proportional\n  claim_within: 10m\n",
            rfc3339(start),
            rfc3339(end)
        );
        let created = c
            .post(format!("{u}/v1/admin/contests"))
            .bearer_auth(&admin)
            .json(&json!({"definition": opt_in}))
            .send()
            .await
            .expect("post");
        assert_eq!(created.status().as_u16(), 201, "{name}");

        let list = get(&c, format!("{u}/v1/contests?status=active"), &p1.token).await;
        let mut ids: Vec<&str> = list["contests"]
            .as_array()
            .expect("contests")
            .iter()
            .filter_map(|x| x["id"].as_str())
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, ["high-rollers", "wager-race"], "{name}: {list}");
        let wr = list["contests"]
            .as_array()
            .and_then(|l| l.iter().find(|x| x["id"] == "wager-race"))
            .expect("wager-race");
        assert_eq!(wr["kind"], "tournament");
        assert_eq!(wr["name"]["zh"], "投注竞赛");
        assert_eq!(wr["starts_at_ms"], start);
        assert_eq!(wr["ends_at_ms"], end);
        assert_eq!(wr["status"], "active");
        let upcoming = get(&c, format!("{u}/v1/contests?status=upcoming"), &p1.token).await;
        assert_eq!(upcoming["contests"].as_array().map(Vec::len), Some(0));

        // Three players; p1 and p2 join the opt-in contest (p2 twice: one fee).
        let p2 = guest(&c, &u).await;
        let p3 = guest(&c, &u).await;
        let before = available(&c, &u, &p1).await;
        for p in [&p1, &p2, &p2] {
            json_of(
                c.post(format!("{u}/v1/contests/high-rollers/join"))
                    .bearer_auth(&p.token)
                    .send()
                    .await
                    .expect("join"),
            )
            .await;
        }
        assert_eq!(
            available(&c, &u, &p1).await,
            before - 100,
            "the fee is held"
        );
        let res = c
            .post(format!("{u}/v1/contests/wager-race/join"))
            .bearer_auth(&p3.token)
            .send()
            .await
            .expect("join");
        support::expect_error(res, 409, "contest_closed", None).await;

        // Bets: p1 wagers 300, p2 200, p3 100 (and 10, under the minimum bet).
        for (p, bets) in [
            (&p1, vec![100, 100, 100]),
            (&p2, vec![100, 100]),
            (&p3, vec![100, 10]),
        ] {
            for amount in bets {
                dice(&c, &u, p, amount).await;
            }
        }
        let standings = eventually("the standings", || {
            let (c, u, t) = (c.clone(), u.clone(), p2.token.clone());
            async move {
                let v = get(
                    &c,
                    format!("{u}/v1/contests/wager-race/standings?top=10&me=1"),
                    &t,
                )
                .await;
                (v["top"].as_array().map(Vec::len) == Some(3) && v["top"][2]["score"] == 100)
                    .then_some(v)
            }
        })
        .await;
        let top: Vec<(i64, String, i64)> = standings["top"]
            .as_array()
            .expect("top")
            .iter()
            .map(|r| {
                (
                    r["rank"].as_i64().expect("rank"),
                    r["user_id"].as_str().expect("user").to_owned(),
                    r["score"].as_i64().expect("score"),
                )
            })
            .collect();
        assert_eq!(
            top,
            vec![
                (1, p1.id.clone(), 300),
                (2, p2.id.clone(), 200),
                (3, p3.id.clone(), 100)
            ],
            "{name}: {standings}"
        );
        assert_eq!(standings["me"]["rank"], 2);
        assert_eq!(standings["me"]["score"], 200);
        assert_eq!(standings["me"]["delta"], 0, "first look");
        assert_eq!(standings["final"], false);
        assert!(
            standings["top"][0]["display_name"]
                .as_str()
                .is_some_and(|n| !n.is_empty())
        );
        // The excluded bet is counted for the admin.
        let detail = get(&c, format!("{u}/v1/admin/contests/wager-race"), &admin).await;
        assert_eq!(detail["excluded"]["min_bet"], 1, "{name}: {detail}");
        // The opt-in contest counts only its entrants' rounds.
        let hr = eventually("the opt-in standings", || {
            let (c, u, t) = (c.clone(), u.clone(), p1.token.clone());
            async move {
                let v = get(
                    &c,
                    format!("{u}/v1/contests/high-rollers/standings?top=10"),
                    &t,
                )
                .await;
                (v["top"][0]["score"] == 3).then_some(v)
            }
        })
        .await;
        assert_eq!(hr["top"].as_array().map(Vec::len), Some(2), "{name}: {hr}");
        assert_eq!(hr["top"][1]["score"], 2);

        // A running contest's rules never change.
        let res = c
            .put(format!("{u}/v1/admin/contests/wager-race"))
            .bearer_auth(&admin)
            .header("content-type", "application/yaml")
            .body(race.clone())
            .send()
            .await
            .expect("put");
        support::expect_error(res, 409, "contest_closed", None).await;

        // The end: within seconds the prizes are booked.
        support::advance_to(&clock, end + 3_000);
        let fin = eventually("the result", || {
            let (c, u, t) = (c.clone(), u.clone(), p1.token.clone());
            async move {
                let v = get(&c, format!("{u}/v1/contests/wager-race"), &t).await;
                (v["final"] == true).then_some(v)
            }
        })
        .await;
        assert_eq!(
            fin["seed"].as_str().map(compete::draw::commitment),
            Some(commitment)
        );
        let prizes = fin["result"]["prizes"].as_array().expect("prizes");
        assert_eq!(prizes.len(), 3, "{name}: {fin}");
        assert_eq!(prizes[0]["amount"], 300_000);
        assert_eq!(prizes[1]["amount"], 200_000);
        assert_eq!(prizes[2]["amount"], 100_000);
        assert_eq!(fin["result"]["remainder"], 400_000);
        let paid = eventually("the prize transfer", || {
            let (c, u, t) = (c.clone(), u.clone(), p1.token.clone());
            async move {
                let h = get(&c, format!("{u}/v1/wallet/transfers"), &t).await;
                h["items"]
                    .as_array()
                    .and_then(|i| i.iter().find(|x| x["kind"] == "prize").cloned())
            }
        })
        .await;
        assert_eq!(paid["amount"], 300_000, "{name}: {paid}");
        let inbox = get(&c, format!("{u}/v1/rewards"), &p1.token).await;
        let prize = inbox["rewards"]
            .as_array()
            .and_then(|r| r.iter().find(|x| x["source"] == "wager-race").cloned())
            .expect("prize in the inbox");
        assert_eq!(prize["status"], "paid", "{name}: {inbox}");
        let standings = get(
            &c,
            format!("{u}/v1/contests/wager-race/standings?top=3"),
            &p1.token,
        )
        .await;
        assert_eq!(standings["final"], true);

        // The opt-in contest: 9,000 + 200 in fees shared 3:2, offered for 10 minutes.
        let hr = eventually("the opt-in result", || {
            let (c, u, t) = (c.clone(), u.clone(), p1.token.clone());
            async move {
                let v = get(&c, format!("{u}/v1/contests/high-rollers"), &t).await;
                (v["final"] == true).then_some(v)
            }
        })
        .await;
        assert_eq!(hr["result"]["pool"], 9_200, "{name}: {hr}");
        assert_eq!(hr["result"]["prizes"][0]["amount"], 5_520);
        assert_eq!(hr["result"]["prizes"][1]["amount"], 3_680);
        let mine = format!("prize:high-rollers:{}", p1.id);
        let before_claim = available(&c, &u, &p1).await;
        let claimed = json_of(
            c.post(format!("{u}/v1/rewards/{mine}/claim"))
                .bearer_auth(&p1.token)
                .send()
                .await
                .expect("claim"),
        )
        .await;
        assert_eq!(claimed["status"], "paid", "{name}: {claimed}");
        assert_eq!(available(&c, &u, &p1).await, before_claim + 5_520);
        // Claiming again changes nothing; p2's prize expires unclaimed.
        let again = json_of(
            c.post(format!("{u}/v1/rewards/{mine}/claim"))
                .bearer_auth(&p1.token)
                .send()
                .await
                .expect("claim"),
        )
        .await;
        assert_eq!(again["status"], "paid");
        assert_eq!(available(&c, &u, &p1).await, before_claim + 5_520);
        support::advance_to(&clock, end + 11 * 60_000);
        let theirs = format!("prize:high-rollers:{}", p2.id);
        let res = c
            .post(format!("{u}/v1/rewards/{theirs}/claim"))
            .bearer_auth(&p2.token)
            .send()
            .await
            .expect("claim");
        support::expect_error(res, 410, "reward_expired", None).await;
        // Someone else's reward is not found.
        let res = c
            .post(format!("{u}/v1/rewards/{mine}/claim"))
            .bearer_auth(&p2.token)
            .send()
            .await
            .expect("claim");
        support::expect_error(res, 404, "not_found", None).await;

        let export = get(
            &c,
            format!("{u}/v1/admin/contests/wager-race/export"),
            &admin,
        )
        .await;
        assert_eq!(export["standings"].as_array().map(Vec::len), Some(3));
        assert_eq!(export["final"], true);

        let dump = s.state.wallet.ledger.dump().await.expect("dump");
        let report = ledger::verify(&dump);
        assert!(report.ok, "{name}: {:?}", report.violations);
        s.shutdown().await.expect("shutdown");
    }
}

fn sprint(id: &str, start: i64, end: i64) -> String {
    format!(
        "id: {id}\nkind: tournament\nname: {{en: Dice sprint, zh: 骰子冲刺}}\n\
         window: {{start: \"{}\", end: \"{}\"}}\ngames: [dice]\ncurrency: PLAY\n\
         scoring: {{mode: formula, formula: \"min(win / bet, 50) * 100\", best_n: 3, min_bet: 50}}\n\
         tie_break: [highest_single_multiplier, rounds_played_asc, first_reached_at]\n",
        rfc3339(start),
        rfc3339(end)
    )
}

fn bet_fact(n: u64, user: i64, at: i64, bet: i64, win: i64) -> compete::Fact {
    compete::Fact {
        id: format!("bet:{n}"),
        user_id: user,
        at_ms: at,
        what: compete::What::Round {
            game: "dice".into(),
            currency: "PLAY".into(),
            bet,
            win,
            multiplier_units: win * 100_000_000 / bet,
            duration_ms: 3,
        },
    }
}

async fn add_contest(state: &server::state::AppState, id: &str, yaml: &str, index: i64) {
    let def = compete::def::parse(yaml).expect("definition");
    state
        .store
        .compete()
        .insert_contest(&store::compete::ContestRow {
            id: id.into(),
            version: 1,
            kind: "tournament".into(),
            source: yaml.into(),
            status: "scheduled".into(),
            starts_at_ms: def.window.map(|w| w.0),
            ends_at_ms: def.window.map(|w| w.1),
            pool_index: index,
            seed: "seed".into(),
            commitment: compete::draw::commitment("seed"),
            result: None,
            created_at_ms: 0,
            finalised_at_ms: None,
        })
        .await
        .expect("contest");
}

/// Standings as every node reads them: the kv's sorted set, in order.
async fn places(state: &server::state::AppState, id: &str) -> Vec<(i64, i64)> {
    state
        .cluster
        .kv
        .ztop(&contests::standings_set(id), 0, 1_000)
        .await
        .expect("ztop")
        .into_iter()
        .map(|(m, score)| (compete::board::decode_member(&m).expect("member").0, score))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_and_out_of_order_events_change_nothing() {
    for (name, store) in support::backends().await {
        // The state without its jobs: this test drives the engine itself.
        let state = server::build_state_with_store(support::config(), store)
            .await
            .expect("state");
        let now = state.auth.clock.now_ms();
        let (start, end) = (now - 3_600_000, now + 3_600_000);
        add_contest(&state, "in-order", &sprint("in-order", start, end), 1).await;
        add_contest(&state, "shuffled", &sprint("shuffled", start, end), 2).await;
        let mut engine = contests::engine::Engine::new(state.contests.clone());
        engine.step().await.expect("load");
        assert!(engine.is_live("in-order") && engine.is_live("shuffled"));

        // 300 rounds of 12 players, some under the minimum bet.
        let mut facts = Vec::new();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for n in 0..300u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let user = 1_000 + (x % 12) as i64;
            let bet = [40, 50, 100, 200][(x >> 8) as usize % 4];
            let win = bet * [0, 0, 150, 200, 1000, 9000][(x >> 16) as usize % 6] / 100;
            facts.push(bet_fact(
                n,
                user,
                start + 1_000 + (x >> 24) as i64 % 1_000_000,
                bet,
                win,
            ));
        }
        // Both contests see every fact once, in order.
        for f in &facts {
            engine.score(std::slice::from_ref(f)).await.expect("score");
        }
        let first = places(&state, "in-order").await;
        assert_eq!(first.len(), 12, "{name}: {first:?}");
        // Now everything again, reversed, in batches, twice: every fact is a duplicate.
        let mut reversed = facts.clone();
        reversed.reverse();
        for chunk in reversed.chunks(37) {
            engine.score(chunk).await.expect("score again");
            engine.score(chunk).await.expect("score a third time");
        }
        let a = places(&state, "in-order").await;
        assert_eq!(a, first, "{name}: duplicates changed nothing");
        assert_eq!(places(&state, "shuffled").await, first, "{name}");

        // A fresh engine (a new leader) rebuilds the same standings from the recorded facts,
        // and a second contest fed the facts in another order agrees with the first.
        add_contest(&state, "late", &sprint("late", start, end), 3).await;
        let mut fresh = contests::engine::Engine::new(state.contests.clone());
        fresh.step().await.expect("reload");
        let mut shuffled = facts.clone();
        let mut y = 99u64;
        for i in (1..shuffled.len()).rev() {
            y ^= y << 13;
            y ^= y >> 7;
            y ^= y << 17;
            shuffled.swap(i, (y % (i as u64 + 1)) as usize);
        }
        for chunk in shuffled.chunks(50) {
            fresh.score(chunk).await.expect("score");
        }
        assert_eq!(
            places(&state, "late").await,
            a,
            "{name}: another order, the same standings"
        );
        assert_eq!(
            places(&state, "in-order").await,
            a,
            "{name}: rebuilt from the log"
        );
        // Every counted or excluded fact was recorded once per contest.
        let c = state.store.compete();
        let recorded = c.facts("in-order", 0, 10_000).await.expect("facts");
        let under = facts
            .iter()
            .filter(|f| matches!(f.what, compete::What::Round { bet, .. } if bet < 50))
            .count();
        assert_eq!(recorded.len(), facts.len(), "{name}");
        assert_eq!(
            c.excluded_counts("in-order").await.expect("excluded"),
            vec![("excluded:min_bet".to_owned(), under as i64)]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_node_answers_the_same_standings_and_a_new_leader_takes_over() {
    if crate::cluster::services().is_none() {
        return;
    }
    let mut nodes = crate::cluster::cluster_nodes(3, |c| {
        c.rate_limit.per_ip_per_sec = 10_000;
        c.rate_limit.per_ip_burst = 10_000;
    })
    .await;
    let urls: Vec<String> = nodes.iter().map(server::Server::url).collect();
    let c = support::client();
    let reg = json_of(
        c.post(format!("{}/v1/auth/register", urls[0]))
            .json(&json!({"email": ADMIN, "password": "Contest-Admin-1", "display_name": "Admin"}))
            .send()
            .await
            .expect("register"),
    )
    .await;
    let admin = reg["access_token"].as_str().expect("token").to_owned();
    nodes[0]
        .state
        .store
        .set_admin(ADMIN, true, api::clock::now_ms())
        .await
        .expect("grant");
    let now = api::clock::now_ms();
    let race = format!(
        "id: cluster-race\nkind: tournament\nname: {{en: Cluster race, zh: 集群竞赛}}\n\
         window: {{start: \"{}\", end: \"{}\"}}\ngames: [dice]\ncurrency: PLAY\n\
         scoring: {{mode: sum, of: bet}}\ntie_break: [user_id]\n",
        rfc3339(now - 60_000),
        rfc3339(now + 600_000)
    );
    let res = c
        .post(format!("{}/v1/admin/contests", urls[1]))
        .bearer_auth(&admin)
        .header("content-type", "application/yaml")
        .body(race)
        .send()
        .await
        .expect("create");
    assert_eq!(res.status().as_u16(), 201);
    // Three players, each betting on another node.
    let mut players = Vec::new();
    for u in &urls {
        players.push(guest(&c, u).await);
    }
    for (i, p) in players.iter().enumerate() {
        for _ in 0..=i {
            dice(&c, &urls[(i + 1) % 3], p, 100).await;
        }
    }
    let expect = |scores: &[(usize, i64)]| -> Vec<(String, i64)> {
        scores
            .iter()
            .map(|(i, s)| (players[*i].id.clone(), *s))
            .collect()
    };
    let top_of = |v: &Value| -> Vec<(String, i64)> {
        v["top"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| {
                        (
                            r["user_id"].as_str().unwrap_or("").to_owned(),
                            r["score"].as_i64().unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let want = expect(&[(2, 300), (1, 200), (0, 100)]);
    for u in &urls {
        let (c, u, t, want) = (c.clone(), u.clone(), players[0].token.clone(), want.clone());
        eventually("the standings on every node", || {
            let (c, u, t, want) = (c.clone(), u.clone(), t.clone(), want.clone());
            async move {
                let v = get(
                    &c,
                    format!("{u}/v1/contests/cluster-race/standings?top=10&me=1"),
                    &t,
                )
                .await;
                (top_of(&v) == want && v["me"]["rank"] == 3).then_some(())
            }
        })
        .await;
    }
    // The engine's node stops; another takes the lease, rebuilds the board from the recorded
    // facts and goes on.
    let holder = nodes[0]
        .state
        .cluster
        .kv
        .holder("job:compete")
        .await
        .expect("kv")
        .expect("a leader");
    let leader = nodes
        .iter()
        .position(|n| n.state.cluster.node_id == holder.holder)
        .expect("the leader is one of the nodes");
    let gone = nodes.remove(leader);
    gone.shutdown().await.expect("shutdown");
    let left: Vec<String> = nodes.iter().map(server::Server::url).collect();
    dice(&c, &left[0], &players[0], 500).await;
    let want = expect(&[(0, 600), (2, 300), (1, 200)]);
    for u in &left {
        let (c, u, t, want) = (c.clone(), u.clone(), players[1].token.clone(), want.clone());
        eventually("the standings after the takeover", || {
            let (c, u, t, want) = (c.clone(), u.clone(), t.clone(), want.clone());
            async move {
                let v = get(
                    &c,
                    format!("{u}/v1/contests/cluster-race/standings?top=10"),
                    &t,
                )
                .await;
                (top_of(&v) == want).then_some(())
            }
        })
        .await;
    }
    for n in nodes {
        n.shutdown().await.expect("shutdown");
    }
}
