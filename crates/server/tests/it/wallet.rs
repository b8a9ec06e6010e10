//! The wallet over HTTP on every configured database: signup chips, balances, history pages,
//! admin adjustments (idempotent, admin-only, refusing overdrafts) and concurrent group commit.

use crate::support::*;
use ledger::LedgerStore;
use serde_json::{Value, json};

const ADMIN: &str = "admin@example.com";

fn wallet_config() -> server::config::Config {
    let mut c = config();
    c.wallet.signup_chips = 100_000;
    c.rate_limit.per_account_per_sec = 10_000;
    c.rate_limit.per_account_burst = 10_000;
    c.rate_limit.per_ip_per_sec = 10_000;
    c.rate_limit.per_ip_burst = 10_000;
    c
}

async fn get(c: &reqwest::Client, url: String, token: &str) -> reqwest::Response {
    c.get(url).bearer_auth(token).send().await.expect("get")
}

async fn adjust(c: &reqwest::Client, u: &str, token: &str, body: Value) -> reqwest::Response {
    c.post(format!("{u}/v1/admin/wallet/adjust"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("adjust")
}

async fn json_of(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), 200, "status");
    res.json().await.expect("json")
}

fn chips(wallet: &Value) -> (i64, String) {
    let b = wallet["balances"]
        .as_array()
        .and_then(|b| b.iter().find(|x| x["currency"] == "PLAY"))
        .expect("chips balance");
    (
        b["balance"].as_i64().expect("balance"),
        b["display_balance"].as_str().expect("display").to_owned(),
    )
}

#[tokio::test]
async fn wallet_on_every_backend() {
    for (name, store) in backends().await {
        eprintln!("backend {name}");
        let s = start_with(wallet_config(), store).await;
        let (c, u) = (client(), s.url());

        // A guest receives the signup chips, visible in the balance and the history.
        let guest = json_of(
            c.post(format!("{u}/v1/auth/guest"))
                .send()
                .await
                .expect("guest"),
        )
        .await;
        let gt = guest["access_token"].as_str().expect("token").to_owned();
        let gid = guest["user"]["id"].as_str().expect("id").to_owned();
        let w = json_of(get(&c, format!("{u}/v1/wallet"), &gt).await).await;
        assert_eq!(chips(&w), (100_000, "1000.00".to_owned()), "{name}: {w}");
        let h = json_of(get(&c, format!("{u}/v1/wallet/transfers"), &gt).await).await;
        assert_eq!(h["items"].as_array().map(Vec::len), Some(1), "{h}");
        assert_eq!(h["items"][0]["kind"], "grant");
        assert_eq!(h["items"][0]["direction"], "credit");
        assert_eq!(h["items"][0]["amount"], 100_000);
        assert!(h.get("next_cursor").is_none(), "{h}");

        // The admin credits with an idempotency key.
        let reg = json_of(
            c.post(format!("{u}/v1/auth/register"))
                .json(
                    &json!({"email": ADMIN, "password": "Ledger-Admin-1", "display_name": "Admin"}),
                )
                .send()
                .await
                .expect("register"),
        )
        .await;
        let at = reg["access_token"].as_str().expect("token").to_owned();
        let credit = json!({"user_id": gid, "currency": "PLAY", "amount": 500, "direction": "credit",
            "reason": "support ticket 17", "transfer_id": "42"});
        // Registering an address grants nothing; the server's operator grants admin rights.
        expect_error(
            adjust(&c, &u, &at, credit.clone()).await,
            403,
            "forbidden",
            None,
        )
        .await;
        s.state
            .store
            .set_admin(ADMIN, true, api::clock::now_ms())
            .await
            .expect("grant");
        let first = json_of(adjust(&c, &u, &at, credit.clone()).await).await;
        assert_eq!(first["created"], true, "{first}");
        assert_eq!(first["transfer"]["kind"], "admin_credit");
        assert_eq!(first["balance"]["balance"], 100_500);
        // A retry answers the original transfer; the same key with other fields is refused.
        let again = json_of(adjust(&c, &u, &at, credit.clone()).await).await;
        assert_eq!(again["created"], false);
        assert_eq!(again["transfer"], first["transfer"]);
        assert_eq!(again["balance"]["balance"], 100_500);
        let mut other = credit.clone();
        other["amount"] = json!(501);
        expect_error(adjust(&c, &u, &at, other).await, 409, "conflict", None).await;

        // Overdrafts, non-admins, bad fields.
        let debit = json!({"user_id": gid, "currency": "PLAY", "amount": 200_000, "direction": "debit", "reason": "x"});
        expect_error(
            adjust(&c, &u, &at, debit).await,
            409,
            "insufficient_funds",
            None,
        )
        .await;
        expect_error(
            adjust(&c, &u, &gt, credit.clone()).await,
            403,
            "forbidden",
            None,
        )
        .await;
        // The permission is checked before the body: a non-admin learns nothing of its fields.
        expect_error(
            adjust(&c, &u, &gt, json!({"nothing": "expected"})).await,
            403,
            "forbidden",
            None,
        )
        .await;
        let res = c
            .post(format!("{u}/v1/admin/wallet/adjust"))
            .json(&credit)
            .send()
            .await
            .expect("anon");
        expect_error(res, 401, "unauthorized", None).await;
        for (field, value) in [
            ("currency", json!("DOGE")),
            ("amount", json!(0)),
            ("reason", json!("  ")),
            ("user_id", json!("abc")),
            ("transfer_id", json!("0")),
        ] {
            let mut bad = credit.clone();
            bad[field] = value;
            expect_error(
                adjust(&c, &u, &at, bad).await,
                400,
                "invalid_field",
                Some(field),
            )
            .await;
        }
        let mut nobody = credit.clone();
        nobody["user_id"] = json!("12345");
        expect_error(adjust(&c, &u, &at, nobody).await, 404, "not_found", None).await;

        // Concurrent adjustments share group commits and all land exactly once.
        let mut tasks = Vec::new();
        for i in 0..40u32 {
            let (c, u, at, gid) = (c.clone(), u.clone(), at.clone(), gid.clone());
            tasks.push(tokio::spawn(async move {
                let body = json!({"user_id": gid, "currency": "PLAY", "amount": 10, "direction": "credit",
                    "reason": "bulk", "transfer_id": (1000 + i).to_string()});
                adjust(&c, &u, &at, body).await.status().as_u16()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.expect("task"), 200);
        }
        let w = json_of(get(&c, format!("{u}/v1/wallet"), &gt).await).await;
        assert_eq!(chips(&w).0, 100_500 + 400, "{w}");

        // History pages: newest first, cursors chain to the end without gaps or repeats.
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let q = cursor
                .as_ref()
                .map_or(String::new(), |c| format!("&cursor={c}"));
            let page =
                json_of(get(&c, format!("{u}/v1/wallet/transfers?limit=7{q}"), &gt).await).await;
            let items = page["items"].as_array().expect("items").clone();
            assert!(items.len() <= 7);
            seen.extend(items.iter().map(|t| {
                t["timestamp"]
                    .as_str()
                    .expect("ts")
                    .parse::<u64>()
                    .expect("n")
            }));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 42, "grant + credit + 40 bulk");
        assert!(
            seen.windows(2).all(|w| w[0] > w[1]),
            "strictly newest first"
        );
        expect_error(
            get(&c, format!("{u}/v1/wallet/transfers?limit=0"), &gt).await,
            400,
            "invalid_field",
            Some("limit"),
        )
        .await;
        expect_error(
            get(&c, format!("{u}/v1/wallet/transfers?cursor=x"), &gt).await,
            400,
            "invalid_field",
            Some("cursor"),
        )
        .await;

        // The whole ledger still verifies.
        let dump = s.state.wallet.ledger.dump().await.expect("dump");
        let report = ledger::verify(&dump);
        assert!(report.ok, "{name}: {:?}", report.violations);
        s.shutdown().await.expect("shutdown");
    }
}
