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

        // Profile update.
        let token = login["access_token"].as_str().expect("t").to_owned();
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
