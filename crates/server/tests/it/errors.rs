//! Every class of bad input gets a coded JSON error and never a 500.

use crate::support::*;

#[tokio::test]
async fn unknown_route_and_wrong_method() {
    let s = start().await;
    let c = client();
    expect_error(
        c.get(format!("{}/v1/nope", s.url()))
            .send()
            .await
            .expect("r"),
        404,
        "not_found",
        None,
    )
    .await;
    expect_error(
        c.delete(format!("{}/v1/me", s.url()))
            .send()
            .await
            .expect("r"),
        405,
        "method_not_allowed",
        None,
    )
    .await;
    expect_error(
        c.get(format!("{}/v1/auth/login", s.url()))
            .send()
            .await
            .expect("r"),
        405,
        "method_not_allowed",
        None,
    )
    .await;
}

#[tokio::test]
async fn malformed_json_wrong_type_and_shape() {
    let s = start().await;
    let c = client();
    let url = format!("{}/v1/auth/register", s.url());
    let post = |body: &'static str| {
        c.post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    expect_error(
        post("{not json").await.expect("r"),
        400,
        "invalid_json",
        None,
    )
    .await;
    expect_error(post("").await.expect("r"), 400, "invalid_json", None).await;
    expect_error(post("[1,2]").await.expect("r"), 400, "invalid_json", None).await;
    expect_error(
        post(r#"{"email":"a@b.co","password":"Passw0rd!"}"#)
            .await
            .expect("r"),
        400,
        "invalid_field",
        Some("display_name"),
    )
    .await;
    expect_error(
        post(r#"{"email":5,"password":"Passw0rd!","display_name":"Al"}"#)
            .await
            .expect("r"),
        400,
        "invalid_field",
        Some("email"),
    )
    .await;
    expect_error(
        post(r#"{"email":"a@b.co","password":"Passw0rd!","display_name":"Al","admin":true}"#)
            .await
            .expect("r"),
        400,
        "invalid_field",
        Some("admin"),
    )
    .await;
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let s = start().await;
    let res = client()
        .post(format!("{}/v1/auth/login", s.url()))
        .header("content-type", "text/plain")
        .body(r#"{"email":"a@b.co","password":"x"}"#)
        .send()
        .await
        .expect("r");
    expect_error(res, 415, "unsupported_media_type", None).await;
    let res = client()
        .post(format!("{}/v1/auth/login", s.url()))
        .body("{}")
        .send()
        .await
        .expect("r");
    expect_error(res, 415, "unsupported_media_type", None).await;
}

#[tokio::test]
async fn oversize_body_is_413() {
    let mut config = config();
    config.http.body_limit_bytes = 2048;
    let s = server::start(config, None).await.expect("start");
    let big = format!(
        r#"{{"email":"a@b.co","password":"{}","display_name":"Al"}}"#,
        "x".repeat(10_000)
    );
    let res = client()
        .post(format!("{}/v1/auth/register", s.url()))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("r");
    expect_error(res, 413, "payload_too_large", None).await;
}

#[tokio::test]
async fn bad_tokens_are_401() {
    let s = start().await;
    let c = client();
    let me = format!("{}/v1/me", s.url());
    expect_error(
        c.get(&me).send().await.expect("r"),
        401,
        "unauthorized",
        None,
    )
    .await;
    expect_error(
        c.get(&me)
            .header("authorization", "Basic abc")
            .send()
            .await
            .expect("r"),
        401,
        "unauthorized",
        None,
    )
    .await;
    expect_error(
        c.get(&me).bearer_auth("not.a.jwt").send().await.expect("r"),
        401,
        "unauthorized",
        None,
    )
    .await;

    let now = api::clock::now_secs();
    let forge = |secret: &str, exp: i64, sub: &str| {
        let claims = api::token::Claims {
            sub: sub.into(),
            exp,
            iat: exp - 60,
            jti: "j".into(),
            op: None,
            fam: None,
        };
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .expect("encode")
    };
    let expired = forge(SECRET, now - 3600, "1");
    expect_error(
        c.get(&me).bearer_auth(expired).send().await.expect("r"),
        401,
        "token_expired",
        None,
    )
    .await;
    let wrong_key = forge(
        "another-secret-another-secret-another-secret",
        now + 600,
        "1",
    );
    expect_error(
        c.get(&me).bearer_auth(wrong_key).send().await.expect("r"),
        401,
        "unauthorized",
        None,
    )
    .await;
    // A valid signature with an expiry ten years ahead: no token outlives the configured lifetime.
    let decade = forge(SECRET, now + 10 * 365 * 86_400, "1");
    expect_error(
        c.get(&me).bearer_auth(decade).send().await.expect("r"),
        401,
        "unauthorized",
        None,
    )
    .await;
    // A valid signature for an account that does not exist.
    let ghost = forge(SECRET, now + 600, "12345");
    expect_error(
        c.get(&me).bearer_auth(ghost).send().await.expect("r"),
        401,
        "unauthorized",
        None,
    )
    .await;
    let not_a_number = forge(SECRET, now + 600, "abc");
    expect_error(
        c.get(&me)
            .bearer_auth(not_a_number)
            .send()
            .await
            .expect("r"),
        401,
        "unauthorized",
        None,
    )
    .await;
}

#[tokio::test]
async fn no_input_causes_a_500() {
    // A small fuzz over bodies and headers for every JSON endpoint: always a coded 4xx or a 2xx.
    let s = start().await;
    let c = client();
    let bodies = [
        "",
        "null",
        "0",
        "\"x\"",
        "{}",
        "[]",
        "{\"email\":null}",
        "{\"email\":\"\\u0000\"}",
        "{\"refresh_token\":\"\"}",
        "{\"refresh_token\":123}",
        "{\"display_name\":\"\"}",
        "{\"email\":\"a@b.co\",\"password\":\"\",\"display_name\":\"\"}",
        "\u{feff}{}",
        "{\"a\":[[[[[[[[[[]]]]]]]]]]}",
    ];
    for path in [
        "/v1/auth/register",
        "/v1/auth/login",
        "/v1/auth/refresh",
        "/v1/auth/logout",
        "/v1/auth/guest",
    ] {
        for body in bodies {
            let res = c
                .post(format!("{}{path}", s.url()))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("r");
            let status = res.status().as_u16();
            assert!(status < 500, "{path} {body:?} -> {status}");
            if status >= 400 {
                let v: serde_json::Value = res.json().await.expect("json error");
                assert!(v["error"]["code"].is_string(), "{path} {body:?}: {v}");
            }
        }
    }
}
