//! Starting servers for tests: in-memory SQLite always, PostgreSQL (a private schema) when
//! `TEST_DATABASE_URL` is set.

use std::sync::Arc;

use server::Server;
use server::config::Config;

/// A fixed secret so tests can forge tokens (expired ones, wrong signatures).
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// A test configuration on an ephemeral port.
pub fn config() -> Config {
    let mut c = Config {
        listen: "127.0.0.1:0".into(),
        database_url: "sqlite::memory:".into(),
        ..Config::default()
    };
    c.auth.jwt_secret = Some(SECRET.into());
    c
}

/// The backends to run a test against.
pub async fn backends() -> Vec<(&'static str, Arc<dyn store::Store>)> {
    let mut v: Vec<(&'static str, Arc<dyn store::Store>)> = vec![(
        "sqlite",
        Arc::new(
            store::SqliteStore::connect("sqlite::memory:")
                .await
                .expect("sqlite"),
        ),
    )];
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) => v.push((
            "postgres",
            Arc::new(
                store::testing::fresh_postgres(&url)
                    .await
                    .expect("postgres"),
            ),
        )),
        Err(_) => store::testing::skip("postgres variant skipped: TEST_DATABASE_URL is not set"),
    }
    v
}

/// Starts a server over `store` with `config`.
pub async fn start_with(config: Config, store: Arc<dyn store::Store>) -> Server {
    let state = server::build_state_with_store(config, store)
        .await
        .expect("state");
    server::serve_state(state, None).await.expect("start")
}

/// Starts a server over `store` with `config` whose services read time from `clock` (an adjustable
/// clock the test moves instead of sleeping).
pub async fn start_with_clock(
    config: Config,
    store: Arc<dyn store::Store>,
    clock: api::clock::Clock,
) -> Server {
    let state = server::build_state_with_clock(config, store, clock)
        .await
        .expect("state");
    server::serve_state(state, None).await.expect("start")
}

/// Moves `clock` forward until it reads unix time `at_ms` (not at all when it already does).
pub fn advance_to(clock: &api::clock::Clock, at_ms: i64) {
    let ahead = at_ms.saturating_sub(clock.now_ms());
    if let Ok(ahead) = u64::try_from(ahead) {
        clock.advance(std::time::Duration::from_millis(ahead));
    }
}

/// Starts a default test server on in-memory SQLite.
pub async fn start() -> Server {
    server::start(config(), None).await.expect("start")
}

/// An HTTP client.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

/// A new guest's access token, from the server at `base`.
pub async fn guest_token(base: &str) -> String {
    let res: serde_json::Value = client()
        .post(format!("{base}/v1/auth/guest"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("guest")
        .json()
        .await
        .expect("guest json");
    res["access_token"].as_str().expect("token").to_owned()
}

/// Asserts an error response: status, code, and (optionally) field; returns the error object.
pub async fn expect_error(
    res: reqwest::Response,
    status: u16,
    code: &str,
    field: Option<&str>,
) -> serde_json::Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(ct.starts_with("application/json"), "content type {ct}");
    let body: serde_json::Value = res.json().await.expect("json body");
    let err = &body["error"];
    assert_eq!(err["code"], code, "{body}");
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        err["request_id"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    if let Some(f) = field {
        assert_eq!(err["field"], f, "{body}");
    }
    err.clone()
}
