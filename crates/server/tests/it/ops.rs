//! Liveness, readiness, metrics, OpenAPI, request ids, CORS and graceful shutdown.

use crate::support::*;

#[tokio::test]
async fn health_ready_metrics_openapi() {
    let s = start().await;
    let c = client();
    let res = c
        .get(format!("{}/health", s.url()))
        .send()
        .await
        .expect("health");
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("x-request-id").is_some());
    let res = c
        .get(format!("{}/ready", s.url()))
        .send()
        .await
        .expect("ready");
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["status"], "ok", "{body}");
    assert_eq!(body["database"], "ok", "{body}");
    assert_eq!(body["ledger_writer"], "ok", "{body}");
    assert_eq!(body["backend"], "sqlite", "{body}");
    assert_eq!(body["bus"], "ok", "{body}");
    assert_eq!(body["kv"], "ok", "{body}");
    assert_eq!(body["bus_backend"], "local", "embedded: {body}");
    assert_eq!(body["kv_backend"], "memory", "embedded: {body}");
    assert_eq!(body["machine_id"], 1, "{body}");

    let metrics = c
        .get(format!("{}/metrics", s.url()))
        .send()
        .await
        .expect("m")
        .text()
        .await
        .expect("t");
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/health\""), "{metrics}");

    let doc: serde_json::Value = c
        .get(format!("{}/openapi.json", s.url()))
        .send()
        .await
        .expect("o")
        .json()
        .await
        .expect("j");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in [
        "/health",
        "/ready",
        "/v1/auth/guest",
        "/v1/auth/register",
        "/v1/auth/login",
        "/v1/auth/refresh",
        "/v1/auth/logout",
        "/v1/me",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    // Every route of the player games API (games::http), with its methods, each described.
    for (path, methods) in [
        ("/v1/games", &["get"][..]),
        ("/v1/games/{game}", &["get"]),
        ("/v1/games/{game}/bets", &["post"]),
        ("/v1/games/{game}/rounds/active", &["get"]),
        ("/v1/games/{game}/rounds/{id}/actions", &["post"]),
        ("/v1/fair/seeds", &["get"]),
        ("/v1/fair/client-seed", &["put"]),
        ("/v1/fair/rotate", &["post"]),
        ("/v1/bets", &["get"]),
        ("/v1/bets/{id}", &["get"]),
        ("/v1/me/limits", &["get", "put"]),
        ("/v1/activity", &["get"]),
    ] {
        for m in methods {
            let op = &doc["paths"][path][m];
            assert!(op.is_object(), "openapi lacks {m} {path}");
            let ok = &op["responses"]["200"]["description"];
            assert!(
                ok.as_str().is_some_and(|d| !d.is_empty()),
                "{m} {path}: no 200 description: {op}"
            );
        }
    }
    let bet = &doc["paths"]["/v1/games/{game}/bets"]["post"];
    assert!(bet["requestBody"].is_object(), "bet request body: {bet}");
    assert!(
        bet["parameters"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["name"] == "Idempotency-Key")),
        "{bet}"
    );
    assert!(
        doc["components"]["schemas"]["BetBody"]["properties"]["amount"].is_object(),
        "BetBody schema"
    );
    assert!(doc["paths"]["/v1/me/limits"]["put"]["requestBody"].is_object());
    assert!(doc["paths"]["/v1/fair/client-seed"]["put"]["requestBody"].is_object());
    s.shutdown().await.expect("graceful shutdown");
}

#[tokio::test]
async fn ready_reports_unreachable_database() {
    let s = start().await;
    let c = client();
    assert_eq!(
        c.get(format!("{}/ready", s.url()))
            .send()
            .await
            .expect("r")
            .status(),
        200
    );
    // A closed pool fails every query, as a lost database would; liveness stays green.
    s.state.store.close().await;
    let res = c.get(format!("{}/ready", s.url())).send().await.expect("r");
    // 503, and the body names the part that is down.
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["status"], "unavailable", "{body}");
    assert_eq!(body["database"], "down", "{body}");
    assert_eq!(body["ledger_writer"], "ok", "{body}");
    assert_eq!(
        c.get(format!("{}/health", s.url()))
            .send()
            .await
            .expect("h")
            .status(),
        200
    );
}

#[tokio::test]
async fn request_id_is_echoed_when_sane() {
    let s = start().await;
    let c = client();
    let res = c
        .get(format!("{}/nope", s.url()))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .expect("r");
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let err = expect_error(res, 404, "not_found", None).await;
    assert_eq!(err["request_id"], "abc-123");
    let res = c
        .get(format!("{}/health", s.url()))
        .header("x-request-id", "bad id!")
        .send()
        .await
        .expect("r");
    assert_ne!(res.headers()["x-request-id"], "bad id!");
}

#[tokio::test]
async fn cors_preflight_is_answered() {
    let s = start().await;
    let res = client()
        .request(reqwest::Method::OPTIONS, format!("{}/v1/me", s.url()))
        .header("origin", "http://example.com")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .expect("preflight");
    assert!(res.status().is_success());
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let mut config = config();
    config.rate_limit.per_ip_per_sec = 1;
    config.rate_limit.per_ip_burst = 3;
    let s = server::start(config, None).await.expect("start");
    let c = client();
    let mut statuses = vec![];
    for _ in 0..5 {
        let res = c
            .post(format!("{}/v1/auth/guest", s.url()))
            .send()
            .await
            .expect("r");
        statuses.push(res.status().as_u16());
        if res.status() == 429 {
            let retry: u64 = res.headers()["retry-after"]
                .to_str()
                .expect("s")
                .parse()
                .expect("n");
            assert!((1..=2).contains(&retry), "retry-after {retry}");
            expect_error(res, 429, "rate_limited", None).await;
        }
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    // Health checks are not rate limited.
    assert_eq!(
        c.get(format!("{}/health", s.url()))
            .send()
            .await
            .expect("h")
            .status(),
        200
    );
}

#[tokio::test]
async fn per_account_rate_limit() {
    let mut config = config();
    config.rate_limit.per_account_per_sec = 1;
    config.rate_limit.per_account_burst = 2;
    let s = server::start(config, None).await.expect("start");
    let c = client();
    let auth: serde_json::Value = c
        .post(format!("{}/v1/auth/guest", s.url()))
        .send()
        .await
        .expect("g")
        .json()
        .await
        .expect("j");
    let token = auth["access_token"].as_str().expect("token").to_owned();
    let mut codes = vec![];
    for _ in 0..4 {
        let res = c
            .get(format!("{}/v1/me", s.url()))
            .bearer_auth(&token)
            .send()
            .await
            .expect("me");
        codes.push(res.status().as_u16());
    }
    assert_eq!(&codes[..2], &[200, 200]);
    assert!(codes[2..].contains(&429), "{codes:?}");
}
