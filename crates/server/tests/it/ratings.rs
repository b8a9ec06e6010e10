//! Ratings, leaderboards and result cards on every configured database: finished matches go in through
//! `tables::ratings::on_match_finished` (as the table service calls it), the endpoints read them back.

use crate::support::*;
use serde_json::Value;
use tables::ratings::{FinishedMatch, MatchKind, SeatResult, on_match_finished};

const DAY_MS: i64 = 86_400_000;

fn ratings_config() -> server::config::Config {
    let mut c = config();
    c.rate_limit.per_account_per_sec = 10_000;
    c.rate_limit.per_account_burst = 10_000;
    c.rate_limit.per_ip_per_sec = 10_000;
    c.rate_limit.per_ip_burst = 10_000;
    c
}

struct Player {
    id: i64,
    name: String,
    token: String,
}

async fn guest(c: &reqwest::Client, u: &str) -> Player {
    let v: Value = c
        .post(format!("{u}/v1/auth/guest"))
        .send()
        .await
        .expect("guest")
        .json()
        .await
        .expect("json");
    Player {
        id: v["user"]["id"].as_str().expect("id").parse().expect("i64"),
        name: v["user"]["display_name"].as_str().expect("name").to_owned(),
        token: v["access_token"].as_str().expect("token").to_owned(),
    }
}

fn human(seat: u8, p: &Player) -> SeatResult {
    SeatResult {
        seat,
        user_id: Some(p.id),
        display_name: p.name.clone(),
        is_bot: false,
    }
}

fn bot(seat: u8) -> SeatResult {
    SeatResult {
        seat,
        user_id: None,
        display_name: format!("Bot {seat}"),
        is_bot: true,
    }
}

fn finished(
    match_id: i64,
    kind: MatchKind,
    seats: [SeatResult; 4],
    winning_team: u8,
    ended_at_ms: i64,
) -> FinishedMatch {
    FinishedMatch {
        match_id,
        kind,
        rules: "official-2022".into(),
        seats,
        winning_team,
        final_levels: if winning_team == 0 {
            ["A".into(), "7".into()]
        } else {
            ["5".into(), "A".into()]
        },
        last_hand_finish_order: vec![0, 2, 1, 3],
        hands_played: 12,
        started_at_ms: ended_at_ms - 1_800_000,
        ended_at_ms,
    }
}

async fn get_json(c: &reqwest::Client, url: String, token: Option<&str>) -> Value {
    let mut req = c.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("get");
    assert_eq!(res.status(), 200, "status");
    res.json().await.expect("json")
}

fn now_ms() -> i64 {
    api::clock::now_ms()
}

#[tokio::test]
async fn ratings_leaderboards_and_cards_on_every_backend() {
    for (name, store) in backends().await {
        eprintln!("backend {name}");
        let s = start_with(ratings_config(), store).await;
        let (c, u) = (client(), s.url());
        let mut p = Vec::new();
        for _ in 0..5 {
            p.push(guest(&c, &u).await);
        }
        let now = now_ms();

        // An old ranked match (outside this week and month), won by team 1 (seats 1 and 3).
        let seats = || {
            [
                human(0, &p[0]),
                human(1, &p[1]),
                human(2, &p[2]),
                human(3, &p[3]),
            ]
        };
        let old = finished(1_001, MatchKind::Ranked, seats(), 1, now - 40 * DAY_MS);
        on_match_finished(&s.state.tables, &old)
            .await
            .expect("old match");
        // A recent ranked match won by team 0, reported twice: the second report changes nothing.
        let recent = finished(1_002, MatchKind::Ranked, seats(), 0, now);
        on_match_finished(&s.state.tables, &recent)
            .await
            .expect("recent");
        on_match_finished(&s.state.tables, &recent)
            .await
            .expect("repeat");
        // Casual and private matches are stored (result cards) but never rated.
        let casual = finished(
            1_003,
            MatchKind::Casual,
            [human(0, &p[0]), bot(1), bot(2), bot(3)],
            0,
            now,
        );
        on_match_finished(&s.state.tables, &casual)
            .await
            .expect("casual");
        let private = finished(1_004, MatchKind::Private, seats(), 1, now);
        on_match_finished(&s.state.tables, &private)
            .await
            .expect("private");
        // A result without a winner is stored, not rated, and does not fail.
        let odd = finished(1_005, MatchKind::Ranked, seats(), 9, now);
        on_match_finished(&s.state.tables, &odd)
            .await
            .expect("no winner");

        // The player's own rating: two ranked matches, one win, with history newest first.
        let me = get_json(&c, format!("{u}/v1/guandan/ratings/me"), Some(&p[0].token)).await;
        assert_eq!(me["user_id"], p[0].id.to_string(), "{me}");
        assert_eq!(me["display_name"], p[0].name.as_str());
        assert_eq!(me["matches"], 2, "{me}");
        assert_eq!(me["wins"], 1, "{me}");
        let hist = me["history"].as_array().expect("history");
        assert_eq!(hist.len(), 2, "{me}");
        assert_eq!(hist[0]["match_id"], "1002");
        assert_eq!(hist[0]["won"], true);
        assert!(hist[0]["change"].as_i64().expect("change") > 0, "{me}");
        assert_eq!(hist[1]["match_id"], "1001");
        assert_eq!(hist[1]["won"], false);
        assert!(hist[1]["change"].as_i64().expect("change") < 0, "{me}");
        assert_eq!(hist[0]["rating_after"], me["rating"]);
        assert_eq!(hist[0]["rating_before"], hist[1]["rating_after"]);
        assert_eq!(hist[1]["rating_before"], 1000);
        assert!(me["sigma"].as_i64().expect("sigma") < rating::SIGMA_DEFAULT);
        let tier = &me["tier"];
        assert!(tier["id"].is_string() && tier["name"].is_string() && tier["name_zh"].is_string());

        // Ratings equal the pure crate's replay of the same history.
        let d = rating::Rating::default();
        let after_old = rating::update([[d, d], [d, d]], rating::Winner::Team1);
        let after_recent = rating::update(after_old, rating::Winner::Team0);
        assert_eq!(me["mu"], after_recent[0][0].mu, "{me}");
        assert_eq!(me["sigma"], after_recent[0][0].sigma, "{me}");
        assert_eq!(me["rating"], after_recent[0][0].display(), "{me}");

        // Another player's rating by id is public; a player without ranked matches shows the start.
        let other = get_json(&c, format!("{u}/v1/guandan/ratings/{}", p[1].id), None).await;
        assert_eq!(other["matches"], 2);
        assert_eq!(other["wins"], 1);
        let fresh = get_json(&c, format!("{u}/v1/guandan/ratings/{}", p[4].id), None).await;
        assert_eq!(fresh["rating"], 1000);
        assert_eq!(fresh["matches"], 0);
        assert_eq!(fresh["tier"]["id"], "bronze");
        assert_eq!(fresh["tier"]["name_zh"], "青铜");
        assert_eq!(fresh["history"].as_array().map(Vec::len), Some(0));
        for bad in ["123", "abc", "99999999999999999999999"] {
            let res = c
                .get(format!("{u}/v1/guandan/ratings/{bad}"))
                .send()
                .await
                .expect("get");
            expect_error(res, 404, "not_found", None).await;
        }
        let res = c
            .get(format!("{u}/v1/guandan/ratings/me"))
            .send()
            .await
            .expect("get");
        expect_error(res, 401, "unauthorized", None).await;

        // All-time board: the four rated players by rating, paged.
        let all = get_json(&c, format!("{u}/v1/guandan/leaderboard"), None).await;
        assert_eq!(all["period"], "all");
        assert_eq!(all["order_by"], "rating");
        let entries = all["entries"].as_array().expect("entries");
        assert_eq!(entries.len(), 4, "{all}");
        let ratings: Vec<i64> = entries
            .iter()
            .map(|e| e["rating"].as_i64().expect("r"))
            .collect();
        assert!(ratings.windows(2).all(|w| w[0] >= w[1]), "{all}");
        let ranks: Vec<i64> = entries
            .iter()
            .map(|e| e["rank"].as_i64().expect("rank"))
            .collect();
        assert_eq!(ranks, [1, 2, 3, 4]);
        assert!(all.get("next_cursor").is_none(), "{all}");
        assert!(entries.iter().all(|e| e["matches"] == 2 && e["wins"] == 1));
        assert!(entries.iter().all(|e| e.get("rating_gained").is_none()));
        let page1 = get_json(&c, format!("{u}/v1/guandan/leaderboard?limit=3"), None).await;
        assert_eq!(page1["entries"].as_array().map(Vec::len), Some(3));
        let cursor = page1["next_cursor"].as_str().expect("cursor").to_owned();
        let page2 = get_json(
            &c,
            format!("{u}/v1/guandan/leaderboard?limit=3&cursor={cursor}"),
            None,
        )
        .await;
        let rest = page2["entries"].as_array().expect("entries");
        assert_eq!(rest.len(), 1, "{page2}");
        assert_eq!(rest[0]["rank"], 4);
        assert_eq!(rest[0]["user_id"], entries[3]["user_id"]);
        assert!(page2.get("next_cursor").is_none());

        // This week and this month: only the recent match counts, sorted by rating gained.
        for period in ["week", "month"] {
            let b = get_json(
                &c,
                format!("{u}/v1/guandan/leaderboard?period={period}"),
                None,
            )
            .await;
            assert_eq!(b["period"], period);
            assert_eq!(b["order_by"], "rating_gained");
            assert!(b["since_ms"].as_i64().expect("since") <= now);
            let e = b["entries"].as_array().expect("entries");
            assert_eq!(e.len(), 4, "{b}");
            assert!(e.iter().all(|x| x["matches"] == 1), "{b}");
            let gained: Vec<i64> = e
                .iter()
                .map(|x| x["rating_gained"].as_i64().expect("gained"))
                .collect();
            assert!(gained.windows(2).all(|w| w[0] >= w[1]), "{b}");
            let winners = [p[0].id.to_string(), p[2].id.to_string()];
            for x in &e[..2] {
                assert!(
                    winners.contains(&x["user_id"].as_str().expect("id").to_owned()),
                    "{b}"
                );
                assert_eq!(x["wins"], 1);
                assert!(x["rating_gained"].as_i64().expect("gained") > 0);
            }
        }
        for (q, field) in [
            ("period=year", "period"),
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("limit=x", "limit"),
            ("cursor=-1", "cursor"),
            ("cursor=abc", "cursor"),
        ] {
            let res = c
                .get(format!("{u}/v1/guandan/leaderboard?{q}"))
                .send()
                .await
                .expect("get");
            expect_error(res, 400, "invalid_field", Some(field)).await;
        }

        // Result cards: a PNG of the promised size, the same bytes every time, for every kind.
        let mut first = None;
        for id in [1_001, 1_002, 1_003, 1_004, 1_005] {
            let res = c
                .get(format!("{u}/v1/guandan/matches/{id}/card.png"))
                .send()
                .await
                .expect("card");
            assert_eq!(res.status(), 200);
            assert_eq!(
                res.headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some("image/png")
            );
            let bytes = res.bytes().await.expect("bytes");
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
            assert_eq!(&bytes[12..16], b"IHDR");
            let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
            let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
            assert_eq!((width, height), (resultcard::WIDTH, resultcard::HEIGHT));
            if id == 1_002 {
                first = Some(bytes);
            }
        }
        let again = c
            .get(format!("{u}/v1/guandan/matches/1002/card.png"))
            .send()
            .await
            .expect("card")
            .bytes()
            .await
            .expect("bytes");
        assert_eq!(Some(again), first);
        for bad in ["999", "abc", "-1"] {
            let res = c
                .get(format!("{u}/v1/guandan/matches/{bad}/card.png"))
                .send()
                .await
                .expect("card");
            expect_error(res, 404, "not_found", None).await;
        }

        s.shutdown().await.expect("shutdown");
    }
}

#[tokio::test]
async fn bots_are_never_rated_and_a_user_seated_twice_is_not_rated() {
    let s = start_with(ratings_config(), backends().await.remove(0).1).await;
    let (c, u) = (client(), s.url());
    let a = guest(&c, &u).await;
    let b = guest(&c, &u).await;
    let now = now_ms();
    // Ranked with bots in two seats: the humans are rated, the bots appear nowhere.
    let m = finished(
        2_001,
        MatchKind::Ranked,
        [human(0, &a), bot(1), human(2, &b), bot(3)],
        0,
        now,
    );
    on_match_finished(&s.state.tables, &m)
        .await
        .expect("record");
    let all = get_json(&c, format!("{u}/v1/guandan/leaderboard"), None).await;
    let ids: Vec<&str> = all["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["user_id"].as_str().expect("id"))
        .collect();
    let (sa, sb) = (a.id.to_string(), b.id.to_string());
    assert_eq!(ids.len(), 2, "{all}");
    assert!(ids.contains(&sa.as_str()) && ids.contains(&sb.as_str()));
    // One account in two seats: stored, not rated.
    let twice = finished(
        2_002,
        MatchKind::Ranked,
        [human(0, &a), human(1, &a), human(2, &b), bot(3)],
        1,
        now,
    );
    on_match_finished(&s.state.tables, &twice)
        .await
        .expect("record");
    let me = get_json(&c, format!("{u}/v1/guandan/ratings/me"), Some(&a.token)).await;
    assert_eq!(me["matches"], 1, "{me}");
    let res = c
        .get(format!("{u}/v1/guandan/matches/2002/card.png"))
        .send()
        .await
        .expect("card");
    assert_eq!(res.status(), 200);
    s.shutdown().await.expect("shutdown");
}
