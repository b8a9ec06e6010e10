//! The embedded web client: `/` and client routes serve the app (or the build explanation), static
//! files keep their types, and API paths keep their JSON 404s.

use crate::support::{client, expect_error, start};

#[tokio::test]
async fn index_and_client_routes_serve_html() {
    let s = start().await;
    let c = client();
    for path in ["/", "/table/t-1", "/games/dice", "/fairness"] {
        let res = c
            .get(format!("{}{path}", s.url()))
            .header("accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .expect("get");
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let ct = res.headers()["content-type"]
            .to_str()
            .expect("ct")
            .to_owned();
        assert!(ct.starts_with("text/html"), "{path}: {ct}");
        let body = res.text().await.expect("body");
        assert!(body.contains("Playhouse"), "{path}: {body}");
        // Either the app shell or, in a build without npm, the page explaining how to build it.
        assert!(
            body.contains("id=\"root\"") || body.contains("npm ci"),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn api_and_unknown_paths_keep_json_404s() {
    let s = start().await;
    let c = client();
    for path in [
        "/v1/nope",
        "/v1/guandan/nothing",
        "/assets/missing.js",
        "/nope",
    ] {
        let res = c
            .get(format!("{}{path}", s.url()))
            .header("accept", "text/html")
            .send()
            .await
            .expect("get");
        if path == "/nope" {
            // A browser navigation to an extension-less path is a client route.
            assert_eq!(res.status().as_u16(), 200, "{path}");
            continue;
        }
        expect_error(res, 404, "not_found", None).await;
    }
    let res = c
        .post(format!("{}/table/x", s.url()))
        .header("accept", "text/html")
        .send()
        .await
        .expect("post");
    expect_error(res, 404, "not_found", None).await;
    let res = c
        .get(format!("{}/health", s.url()))
        .send()
        .await
        .expect("h");
    assert_eq!(res.status().as_u16(), 200);
}

#[tokio::test]
async fn embedded_assets_have_content_types() {
    let s = start().await;
    let c = client();
    let index = c
        .get(format!("{}/", s.url()))
        .send()
        .await
        .expect("index")
        .text()
        .await
        .expect("body");
    let Some(script) = index
        .split("src=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(str::to_owned)
    else {
        store::testing::skip("web client not built (no npm): asset check skipped");
        return;
    };
    let res = c
        .get(format!("{}{script}", s.url()))
        .send()
        .await
        .expect("script");
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/javascript")
    );
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .expect("cc")
            .contains("immutable")
    );
}

/// Browser hardening: every response forbids MIME sniffing and cross-origin referrers; the client's
/// pages carry a content security policy, and may be framed only by the configured operator origins.
#[tokio::test]
async fn pages_carry_the_hardening_headers() {
    let header = |res: &reqwest::Response, name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let s = start().await;
    let c = client();
    let page = c
        .get(format!("{}/games/dice", s.url()))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page");
    assert_eq!(
        header(&page, "x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(header(&page, "x-frame-options").as_deref(), Some("DENY"));
    let csp = header(&page, "content-security-policy").expect("csp");
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    let api = c
        .get(format!("{}/health", s.url()))
        .send()
        .await
        .expect("health");
    assert_eq!(
        header(&api, "x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(
        header(&api, "referrer-policy").as_deref(),
        Some("strict-origin-when-cross-origin")
    );

    let mut cfg = crate::support::config();
    cfg.http.frame_ancestors = vec!["https://casino.example".into()];
    let s = crate::support::start_with(cfg, crate::support::backends().await.remove(0).1).await;
    let page = c
        .get(format!("{}/", s.url()))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page");
    let csp = header(&page, "content-security-policy").expect("csp");
    assert!(
        csp.contains("frame-ancestors 'self' https://casino.example"),
        "{csp}"
    );
    assert_eq!(
        header(&page, "x-frame-options"),
        None,
        "an allow-list replaces DENY"
    );
}
