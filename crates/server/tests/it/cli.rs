//! The `playhouse` binary's own contracts: `config print`, `migrate`, flag errors, and `serve`.

use std::process::Command;

fn playhouse() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_playhouse"));
    c.env_remove("PLAYHOUSE_LISTEN")
        .env_remove("PLAYHOUSE_DATABASE_URL");
    c
}

#[test]
fn config_print_layers_flags_over_env() {
    let out = playhouse()
        .args(["config", "print", "--listen", "127.0.0.1:9999"])
        .env("PLAYHOUSE_NODE__MACHINE_ID", "7")
        .env("PLAYHOUSE_AUTH__JWT_SECRET", "x".repeat(40))
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf8");
    let v: toml::Table = text.parse().expect("toml");
    assert_eq!(v["listen"].as_str(), Some("127.0.0.1:9999"));
    assert_eq!(
        v["database_url"].as_str(),
        Some("sqlite://./data/playhouse.db")
    );
    assert_eq!(v["node"]["machine_id"].as_integer(), Some(7));
    assert_eq!(v["auth"]["jwt_secret"].as_str(), Some("<redacted>"));
}

#[test]
fn bad_config_and_flags_fail_with_a_message() {
    let out = playhouse()
        .args(["config", "print", "--listen", "nowhere"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("listen"));
    let out = playhouse()
        .args(["serve", "--no-such-flag"])
        .output()
        .expect("run");
    assert!(!out.status.success());
}

#[test]
fn migrate_creates_the_sqlite_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}/sub/p.db", dir.path().display());
    let out = playhouse()
        .args(["migrate", "--database-url", &url])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v, serde_json::json!({"ok": true, "database": "sqlite"}));
    assert!(dir.path().join("sub/p.db").exists());
}

#[test]
fn serve_answers_health_on_embedded_defaults_then_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tmp");
    // Pick a free port, release it, and hand it to the child.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("a")
        .port();
    let mut child = playhouse()
        .current_dir(dir.path())
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--log-format",
            "json",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait for readiness (or the child's early exit), not a fixed start budget: a debug binary on
    // a busy two-core machine may take long to open its database; the bound only stops a hang.
    let mut ok = false;
    for _ in 0..3_000 {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            if buf.starts_with("HTTP/1.1 200") {
                ok = true;
                break;
            }
        }
    }
    // The embedded default database file appears under ./data/.
    let db_exists = dir.path().join("data/playhouse.db").exists();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().expect("wait");
    let status = out.status;
    // Structured logs: every stderr line is one JSON object with a level and a message.
    let logs = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["message"] == "playhouse listening"),
        "{logs}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "request done" && l["status"] == 200),
        "{logs}"
    );
    assert!(lines.iter().all(|l| l["level"].is_string()), "{logs}");
    assert!(ok, "no /health 200");
    assert!(db_exists, "no ./data/playhouse.db");
    assert!(status.success(), "graceful exit: {status:?}");
}

/// One name per parameter: the CLI takes the API's dice params (`direction`), and the RTP it prints
/// for them is the exact one (`99 / c%` rounded down to 1e-8, times c / 10001).
#[test]
fn fair_rtp_takes_the_api_params() {
    let out = playhouse()
        .args([
            "fair",
            "rtp",
            "--game",
            "dice",
            "--params",
            r#"{"target":50.5,"direction":"over"}"#,
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // c = 49.50%: multiplier floor(99 / 0.495, 1e-8) = 2; 4950 winning rolls of 10001.
    assert_eq!(v["rtp_exact"], "9900/10001", "{v}");
    assert_eq!(v["rtp"].as_f64(), Some(9900.0 / 10001.0), "{v}");
    let out = playhouse()
        .args([
            "fair",
            "rtp",
            "--game",
            "dice",
            "--params",
            r#"{"target":50.5,"condition":"over"}"#,
        ])
        .output()
        .expect("run");
    assert!(
        !out.status.success(),
        "the old name is refused, not ignored"
    );
}

/// `playhouse admin grant|revoke EMAIL` writes the flag while a server runs on the same database,
/// and that server honours it on the next request; registering an address never made an admin,
/// and a configuration that still lists admin emails is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_rights_come_from_the_admin_command() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}/p.db", dir.path().display());
    let mut cfg = crate::support::config();
    cfg.database_url = url.clone();
    let s = server::start(cfg, None).await.expect("start");
    let c = crate::support::client();
    let reg: serde_json::Value = c
        .post(format!("{}/v1/auth/register", s.url()))
        .json(&serde_json::json!({"email": "boss@example.com", "password": "Boss-Password-1", "display_name": "Boss"}))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json");
    let token = reg["access_token"].as_str().expect("token").to_owned();
    let flagged = || {
        c.get(format!("{}/v1/admin/guandan/flagged", s.url()))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(flagged().await.expect("flagged").status(), 403);
    let admin = |args: &'static [&'static str]| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            playhouse()
                .arg("admin")
                .args(args)
                .args(["--database-url", &url])
                .output()
                .expect("run")
        })
    };
    let out = admin(&["grant", "BOSS@Example.com"]).await.expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["is_admin"], true, "{v}");
    assert_eq!(v["email"], "boss@example.com");
    assert_eq!(flagged().await.expect("flagged").status(), 200);
    let out = admin(&["revoke", "boss@example.com"]).await.expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(flagged().await.expect("flagged").status(), 403);
    let out = admin(&["grant", "nobody@example.com"]).await.expect("join");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account"));
    s.shutdown().await.expect("shutdown");

    let out = playhouse()
        .args(["config", "print"])
        .env("PLAYHOUSE_AUTH__ADMIN_EMAILS", r#"["boss@example.com"]"#)
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("playhouse admin grant"));
}
