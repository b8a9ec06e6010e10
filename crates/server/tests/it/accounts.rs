//! Guest, registration, login, refresh rotation with family revocation, logout and the profile,
//! against every configured database.

use crate::support::*;
use serde_json::{Value, json};

async fn post(c: &reqwest::Client, url: String, body: Value) -> reqwest::Response {
    c.post(url).json(&body).send().await.expect("request")
}

#[tokio::test]
async fn account_lifecycle_on_every_backend() {
    for (name, store) in backends().await {
        eprintln!("backend {name}");
        let s = start_with(config(), store).await;
        let c = client();
        let u = s.url();

        // Guest.
        let g: Value = post(&c, format!("{u}/v1/auth/guest"), json!({}))
            .await
            .json()
            .await
            .expect("j");
        assert!(g["access_token"].is_string() && g["refresh_token"].is_string());
        assert_eq!(g["expires_in"], 900);
        assert_eq!(g["user"]["is_guest"], true);
        assert!(
            g["user"]["display_name"]
                .as_str()
                .is_some_and(|n| n.len() >= 2)
        );
        let me: Value = c
            .get(format!("{u}/v1/me"))
            .bearer_auth(g["access_token"].as_str().expect("t"))
            .send()
            .await
            .expect("me")
            .json()
            .await
            .expect("j");
        assert_eq!(me["id"], g["user"]["id"]);

        // Register, normalising the email; duplicate emails conflict whatever their case.
        let body = json!({"email": " Ada@Example.com ", "password": "Analytical-1843", "display_name": "Ada"});
        let res = post(&c, format!("{u}/v1/auth/register"), body.clone()).await;
        assert_eq!(res.status(), 200, "{name}");
        let reg: Value = res.json().await.expect("j");
        assert_eq!(reg["user"]["email"], "ada@example.com");
        assert_eq!(reg["user"]["is_guest"], false);
        let dup = json!({"email": "ADA@example.com", "password": "Analytical-1843", "display_name": "Ada2"});
        expect_error(
            post(&c, format!("{u}/v1/auth/register"), dup).await,
            409,
            "email_taken",
            Some("email"),
        )
        .await;

        // Weak and invalid input.
        let weak = json!({"email": "b@example.com", "password": "short", "display_name": "Bob"});
        expect_error(
            post(&c, format!("{u}/v1/auth/register"), weak).await,
            400,
            "weak_password",
            Some("password"),
        )
        .await;
        let long =
            json!({"email": "b@example.com", "password": "aA1".repeat(60), "display_name": "Bob"});
        expect_error(
            post(&c, format!("{u}/v1/auth/register"), long).await,
            400,
            "weak_password",
            Some("password"),
        )
        .await;
        let bad_email =
            json!({"email": "not-an-email", "password": "Analytical-1843", "display_name": "Bob"});
        expect_error(
            post(&c, format!("{u}/v1/auth/register"), bad_email).await,
            400,
            "invalid_field",
            Some("email"),
        )
        .await;
        let bad_name =
            json!({"email": "b@example.com", "password": "Analytical-1843", "display_name": "B"});
        expect_error(
            post(&c, format!("{u}/v1/auth/register"), bad_name).await,
            400,
            "invalid_field",
            Some("display_name"),
        )
        .await;

        // Login.
        let ok = json!({"email": "ada@EXAMPLE.com", "password": "Analytical-1843"});
        let login: Value = post(&c, format!("{u}/v1/auth/login"), ok)
            .await
            .json()
            .await
            .expect("j");
        assert_eq!(login["user"]["id"], reg["user"]["id"]);
        let wrong = json!({"email": "ada@example.com", "password": "Analytical-1844"});
        expect_error(
            post(&c, format!("{u}/v1/auth/login"), wrong).await,
            401,
            "invalid_credentials",
            None,
        )
        .await;
        let nobody = json!({"email": "nobody@example.com", "password": "Analytical-1843"});
        expect_error(
            post(&c, format!("{u}/v1/auth/login"), nobody).await,
            401,
            "invalid_credentials",
            None,
        )
        .await;

        // Refresh rotates; reusing a spent token revokes the whole family.
        let r1 = login["refresh_token"].as_str().expect("r1").to_owned();
        let rot: Value = post(
            &c,
            format!("{u}/v1/auth/refresh"),
            json!({"refresh_token": r1}),
        )
        .await
        .json()
        .await
        .expect("j");
        let r2 = rot["refresh_token"].as_str().expect("r2").to_owned();
        assert_ne!(r1, r2);
        assert!(rot["access_token"].is_string());
        expect_error(
            post(
                &c,
                format!("{u}/v1/auth/refresh"),
                json!({"refresh_token": r1}),
            )
            .await,
            401,
            "unauthorized",
            None,
        )
        .await;
        // r2 was never used, but its family is revoked now.
        expect_error(
            post(
                &c,
                format!("{u}/v1/auth/refresh"),
                json!({"refresh_token": r2}),
            )
            .await,
            401,
            "unauthorized",
            None,
        )
        .await;
        expect_error(
            post(
                &c,
                format!("{u}/v1/auth/refresh"),
                json!({"refresh_token": "deadbeef"}),
            )
            .await,
            401,
            "unauthorized",
            None,
        )
        .await;

        // Logout revokes the session; the other session (registration) still works.
        let r3 = reg["refresh_token"].as_str().expect("r3").to_owned();
        let res = post(
            &c,
            format!("{u}/v1/auth/logout"),
            json!({"refresh_token": r3}),
        )
        .await;
        assert_eq!(res.status(), 204);
        expect_error(
            post(
                &c,
                format!("{u}/v1/auth/refresh"),
                json!({"refresh_token": r3}),
            )
            .await,
            401,
            "unauthorized",
            None,
        )
        .await;
        let g_refresh = g["refresh_token"].as_str().expect("g").to_owned();
        assert_eq!(
            post(
                &c,
                format!("{u}/v1/auth/refresh"),
                json!({"refresh_token": g_refresh})
            )
            .await
            .status(),
            200
        );

        // The revoked family's live access token is refused too.
        let revoked = login["access_token"].as_str().expect("t").to_owned();
        expect_error(
            c.get(format!("{u}/v1/me"))
                .bearer_auth(&revoked)
                .send()
                .await
                .expect("me"),
            401,
            "unauthorized",
            None,
        )
        .await;

        // Profile update, in a new session.
        let relogin: Value = post(
            &c,
            format!("{u}/v1/auth/login"),
            json!({"email": "ada@example.com", "password": "Analytical-1843"}),
        )
        .await
        .json()
        .await
        .expect("j");
        let token = relogin["access_token"].as_str().expect("t").to_owned();
        let res = c
            .patch(format!("{u}/v1/me"))
            .bearer_auth(&token)
            .json(&json!({"display_name": " 掼蛋王 "}))
            .send()
            .await
            .expect("patch");
        assert_eq!(res.status(), 200);
        let me: Value = c
            .get(format!("{u}/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("me")
            .json()
            .await
            .expect("j");
        assert_eq!(me["display_name"], "掼蛋王");
        let res = c
            .patch(format!("{u}/v1/me"))
            .bearer_auth(&token)
            .json(&json!({"display_name": ""}))
            .send()
            .await
            .expect("patch");
        expect_error(res, 400, "invalid_field", Some("display_name")).await;
        let res = c
            .patch(format!("{u}/v1/me"))
            .json(&json!({"display_name": "Zed"}))
            .send()
            .await
            .expect("patch");
        expect_error(res, 401, "unauthorized", None).await;

        s.shutdown().await.expect("shutdown");
    }
}

#[tokio::test]
async fn concurrent_refresh_has_one_winner() {
    let s = start().await;
    let c = client();
    let g: Value = post(&c, format!("{}/v1/auth/guest", s.url()), json!({}))
        .await
        .json()
        .await
        .expect("j");
    let r = g["refresh_token"].as_str().expect("r").to_owned();
    let futs = (0..8).map(|_| {
        post(
            &c,
            format!("{}/v1/auth/refresh", s.url()),
            json!({"refresh_token": r}),
        )
    });
    let statuses: Vec<u16> = futures::future::join_all(futs)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert!(
        statuses.iter().filter(|s| **s == 200).count() <= 1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 401),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn ids_are_time_ordered() {
    let s = start().await;
    let c = client();
    let mut prev = 0i64;
    for _ in 0..5 {
        let g: Value = post(&c, format!("{}/v1/auth/guest", s.url()), json!({}))
            .await
            .json()
            .await
            .expect("j");
        let id: i64 = g["user"]["id"].as_str().expect("id").parse().expect("i64");
        assert!(id > prev);
        let age = api::clock::now_ms() - api::ids::issued_at_ms(id);
        assert!((0..60_000).contains(&age), "id time {age}");
        prev = id;
    }
}

/// Failed logins are throttled per account and address: a run of wrong passwords, sequential or in
/// parallel, gets a handful of `401`s and then `429 too_many_attempts` with `Retry-After`; the right
/// password from the locked address is refused too (no oracle), while the owner signs in from a
/// clean address.
#[tokio::test]
async fn failed_logins_are_throttled_per_account_and_address() {
    let mut cfg = config();
    cfg.rate_limit.trust_forwarded_for = true;
    cfg.rate_limit.per_ip_per_sec = 100_000;
    cfg.rate_limit.per_ip_burst = 100_000;
    let s = start_with(cfg, backends().await.remove(0).1).await;
    let c = client();
    let u = s.url();
    for email in ["ada@example.com", "bob@example.com"] {
        let body = json!({"email": email, "password": "Analytical-1843", "display_name": "Player"});
        assert_eq!(
            post(&c, format!("{u}/v1/auth/register"), body)
                .await
                .status(),
            200
        );
    }
    let login = |email: &str, password: &str, ip: &str| {
        c.post(format!("{u}/v1/auth/login"))
            .header("x-forwarded-for", ip)
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    // 60 wrong passwords in a row. The lock doubles from 1 s after the fifth failure, so however
    // slow the machine, a minute of attempts admits at most 5 + 6 of them.
    let (mut refused, mut throttled) = (0, 0);
    for _ in 0..60 {
        let res = login("ada@example.com", "wrong-password-1", "10.1.0.1")
            .await
            .expect("login");
        match res.status().as_u16() {
            401 => refused += 1,
            429 => {
                throttled += 1;
                let wait: u64 = res.headers()["retry-after"]
                    .to_str()
                    .expect("ascii")
                    .parse()
                    .expect("seconds");
                assert!(wait >= 1);
                let body: Value = res.json().await.expect("json");
                assert_eq!(body["error"]["code"], "too_many_attempts");
            }
            other => panic!("status {other}"),
        }
    }
    assert!(
        (5..=11).contains(&refused),
        "{refused} wrong passwords checked"
    );
    assert_eq!(refused + throttled, 60);
    // The right password from the locked address is refused as well.
    let res = login("ada@example.com", "Analytical-1843", "10.1.0.1")
        .await
        .expect("login");
    assert_eq!(res.status(), 429);
    // The owner, from an address that never failed, signs in.
    let res = login("ada@example.com", "Analytical-1843", "10.1.0.9")
        .await
        .expect("login");
    assert_eq!(res.status(), 200);

    // 180 wrong passwords at once on another account: they cannot all pass the check before the
    // first failure is counted.
    let attempts: Vec<_> = (0..180)
        .map(|_| login("bob@example.com", "wrong-password-2", "10.1.0.2"))
        .collect();
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("login").status().as_u16())
        .collect();
    let refused = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert!(refused <= 11, "{refused} wrong passwords checked");
    assert_eq!(refused + throttled, 180, "{statuses:?}");
}

/// Signing out ends the session's access tokens at once (not at their expiry), also on a server
/// restarted over the same database; so does a detected refresh-token reuse.
#[tokio::test]
async fn signing_out_ends_the_sessions_access_tokens() {
    for (name, store) in backends().await {
        let s = start_with(config(), store.clone()).await;
        let c = client();
        let u = s.url();
        let me = |u: String, token: String| {
            let c = c.clone();
            async move {
                c.get(format!("{u}/v1/me"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("me")
                    .status()
                    .as_u16()
            }
        };
        let reg: Value = post(
            &c,
            format!("{u}/v1/auth/register"),
            json!({"email": "out@example.com", "password": "Analytical-1843", "display_name": "Out"}),
        )
        .await
        .json()
        .await
        .expect("j");
        let access = reg["access_token"].as_str().expect("a").to_owned();
        let refresh = reg["refresh_token"].as_str().expect("r").to_owned();
        assert_eq!(me(u.clone(), access.clone()).await, 200, "{name}");
        let res = post(
            &c,
            format!("{u}/v1/auth/logout"),
            json!({"refresh_token": refresh}),
        )
        .await;
        assert_eq!(res.status(), 204, "{name}");
        assert_eq!(me(u.clone(), access.clone()).await, 401, "{name}");

        // Reuse of a spent refresh token revokes the family and its live access tokens.
        let login: Value = post(
            &c,
            format!("{u}/v1/auth/login"),
            json!({"email": "out@example.com", "password": "Analytical-1843"}),
        )
        .await
        .json()
        .await
        .expect("j");
        let r1 = login["refresh_token"].as_str().expect("r1").to_owned();
        let rotated: Value = post(
            &c,
            format!("{u}/v1/auth/refresh"),
            json!({"refresh_token": r1}),
        )
        .await
        .json()
        .await
        .expect("j");
        let a2 = rotated["access_token"].as_str().expect("a2").to_owned();
        assert_eq!(me(u.clone(), a2.clone()).await, 200, "{name}");
        let reuse = post(
            &c,
            format!("{u}/v1/auth/refresh"),
            json!({"refresh_token": r1}),
        )
        .await;
        assert_eq!(reuse.status(), 401, "{name}");
        assert_eq!(me(u.clone(), a2.clone()).await, 401, "{name}");

        // A restarted server over the same database still refuses both.
        s.shutdown().await.expect("shutdown");
        let s = start_with(config(), store).await;
        assert_eq!(me(s.url(), access).await, 401, "{name}: after a restart");
        assert_eq!(me(s.url(), a2).await, 401, "{name}: after a restart");
    }
}

/// The `Set-Cookie` of `res` for the refresh cookie, and the token it carries.
fn refresh_cookie(res: &reqwest::Response) -> (String, String) {
    let line = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("playhouse_refresh="))
        .expect("a refresh cookie")
        .to_owned();
    let token = line["playhouse_refresh=".len()..]
        .split(';')
        .next()
        .expect("value")
        .to_owned();
    (line, token)
}

/// Browsers get the refresh token only as an `HttpOnly`, `Secure`, `SameSite=Strict` cookie scoped
/// to the refresh route (never in a body a script could read); the cookie alone refreshes, a spent
/// cookie is refused and deleted (and its family revoked, as for any reuse), and signing out with the
/// access token ends the session and deletes the cookie.
#[tokio::test]
async fn browsers_keep_the_refresh_token_in_an_http_only_cookie() {
    let (_, store) = backends().await.remove(0);
    let s = start_with(config(), store).await;
    let c = client();
    let u = s.url();
    let cookie_post = |path: &str, body: Value, cookie: Option<&str>| {
        let mut req = c
            .post(format!("{u}{path}"))
            .header("X-Refresh-Cookie", "1")
            .json(&body);
        if let Some(token) = cookie {
            req = req.header("Cookie", format!("other=1; playhouse_refresh={token}"));
        }
        req.send()
    };

    for (path, body) in [
        ("/v1/auth/guest", json!({})),
        (
            "/v1/auth/register",
            json!({"email": "jar@example.com", "password": "Analytical-1843", "display_name": "Jar"}),
        ),
        (
            "/v1/auth/login",
            json!({"email": "jar@example.com", "password": "Analytical-1843"}),
        ),
    ] {
        let res = cookie_post(path, body, None).await.expect("sign in");
        assert_eq!(res.status(), 200, "{path}");
        let (line, token) = refresh_cookie(&res);
        assert_eq!(token.len(), 64, "{line}");
        for part in [
            "Path=/v1/auth/refresh",
            "HttpOnly",
            "Secure",
            "SameSite=Strict",
            "Max-Age=2592000",
        ] {
            assert!(line.contains(part), "{path}: {line} lacks {part}");
        }
        let v: Value = res.json().await.expect("json");
        assert!(
            v.get("refresh_token").is_none(),
            "{path}: token in the body: {v}"
        );
        assert!(v["access_token"].is_string());
    }

    // Signed in (the last answer's cookie): the cookie alone refreshes, and rotates.
    let res = cookie_post(
        "/v1/auth/login",
        json!({"email": "jar@example.com", "password": "Analytical-1843"}),
        None,
    )
    .await
    .expect("login");
    let (_, first) = refresh_cookie(&res);
    let res = c
        .post(format!("{u}/v1/auth/refresh"))
        .header("Cookie", format!("playhouse_refresh={first}"))
        .json(&json!({}))
        .send()
        .await
        .expect("refresh");
    assert_eq!(res.status(), 200);
    let (_, second) = refresh_cookie(&res);
    assert_ne!(first, second);
    let v: Value = res.json().await.expect("json");
    assert!(v.get("refresh_token").is_none(), "{v}");
    let access = v["access_token"].as_str().expect("access").to_owned();

    // Signing out with the access token alone ends the session and deletes the cookie.
    let res = c
        .post(format!("{u}/v1/auth/logout"))
        .bearer_auth(&access)
        .json(&json!({}))
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), 204);
    let (line, token) = refresh_cookie(&res);
    assert!(token.is_empty() && line.contains("Max-Age=0"), "{line}");
    let me = c
        .get(format!("{u}/v1/me"))
        .bearer_auth(&access)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 401);
    // The signed-out session's cookie no longer refreshes, and the answer deletes it.
    let res = c
        .post(format!("{u}/v1/auth/refresh"))
        .header("Cookie", format!("playhouse_refresh={second}"))
        .json(&json!({}))
        .send()
        .await
        .expect("refresh");
    assert_eq!(res.status(), 401);
    let (line, _) = refresh_cookie(&res);
    assert!(line.contains("Max-Age=0"), "{line}");
    // No token and no cookie; logout without a token or a session.
    let res = c
        .post(format!("{u}/v1/auth/refresh"))
        .json(&json!({}))
        .send()
        .await
        .expect("refresh");
    assert_eq!(res.status(), 401);
    let res = c
        .post(format!("{u}/v1/auth/logout"))
        .json(&json!({}))
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), 401);
    s.shutdown().await.expect("shutdown");
}
