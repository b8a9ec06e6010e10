//! The configuration's layering (defaults → file → `PLAYHOUSE_*` → flags), validation and redaction.

use server::config::{Config, LogFormat};

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn defaults_are_the_embedded_platform() {
    let c = Config::load(None, env(&[])).expect("defaults");
    assert_eq!(c.listen, "127.0.0.1:8080");
    assert_eq!(c.database_url, "sqlite://./data/playhouse.db");
}

#[test]
fn file_then_env_layering() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("p.toml");
    std::fs::write(
        &path,
        "listen = \"0.0.0.0:9000\"\n[auth]\naccess_ttl_secs = 60\n[node]\nmachine_id = 3\n",
    )
    .expect("write");
    let c = Config::load(
        Some(&path),
        env(&[
            ("PLAYHOUSE_LISTEN", "127.0.0.1:7000"),
            ("PLAYHOUSE_AUTH__REFRESH_TTL_SECS", "120"),
            ("PLAYHOUSE_LOG_FORMAT", "json"),
            ("UNRELATED", "x"),
        ]),
    )
    .expect("load");
    assert_eq!(c.listen, "127.0.0.1:7000");
    assert_eq!(c.auth.access_ttl_secs, 60);
    assert_eq!(c.auth.refresh_ttl_secs, 120);
    assert_eq!(c.node.machine_id, 3);
    assert_eq!(c.log_format, LogFormat::Json);
}

#[test]
fn numeric_looking_secret_stays_a_string() {
    let c = Config::load(
        None,
        env(&[(
            "PLAYHOUSE_AUTH__JWT_SECRET",
            "12345678901234567890123456789012",
        )]),
    )
    .expect("load");
    assert_eq!(
        c.auth.jwt_secret.as_deref(),
        Some("12345678901234567890123456789012")
    );
}

#[test]
fn web_tooling_variables_are_not_config_keys() {
    let c = Config::load(
        None,
        env(&[
            ("PLAYHOUSE_BIN", "../target/debug/playhouse"),
            ("PLAYHOUSE_SKIP_WEB_BUILD", "1"),
            ("PLAYHOUSE_URL", "http://127.0.0.1:8080"),
        ]),
    )
    .expect("tooling variables are ignored");
    assert_eq!(c.listen, Config::default().listen);
}

#[test]
fn bad_values_are_named() {
    let e = Config::load(None, env(&[("PLAYHOUSE_LISTEN", "nowhere")])).expect_err("bad");
    assert!(e.to_string().contains("listen"), "{e}");
    let e = Config::load(None, env(&[("PLAYHOUSE_NOPE", "1")])).expect_err("unknown key");
    assert!(e.to_string().contains("nope"), "{e}");
    let e = Config::load(None, env(&[("PLAYHOUSE_DATABASE_URL", "mysql://x")])).expect_err("db");
    assert!(e.to_string().contains("database_url"), "{e}");
}

#[test]
fn redaction_hides_secrets() {
    let mut c = Config::default();
    c.auth.jwt_secret = Some("s".repeat(40));
    c.database_url = "postgres://user:pw@db:5432/x".into();
    c.nats_url = Some("nats://app:natspw@nats:4222".into());
    c.redis_url = Some("redis://:redispw@cache:6379".into());
    let t = c.to_redacted_toml();
    assert!(!t.contains("natspw") && !t.contains("redispw"), "{t}");
    assert!(t.contains("nats://app:<redacted>@nats:4222"), "{t}");
    assert!(!t.contains(&"s".repeat(40)));
    assert!(!t.contains("pw@"));
    assert!(t.contains("postgres://user:<redacted>@db:5432/x"));
}

#[test]
fn a_cluster_node_needs_nats_redis_and_postgres() {
    let c = Config::load(
        None,
        env(&[
            ("PLAYHOUSE_NATS_URL", "nats://127.0.0.1:4222"),
            ("PLAYHOUSE_REDIS_URL", "redis://127.0.0.1:6379"),
            (
                "PLAYHOUSE_DATABASE_URL",
                "postgres://postgres@127.0.0.1/test",
            ),
        ]),
    )
    .expect("a cluster node");
    assert!(c.is_cluster());
    assert_eq!(c.nats_url.as_deref(), Some("nats://127.0.0.1:4222"));
    assert_eq!(c.node.cluster, "playhouse");
    assert!(!Config::default().is_cluster(), "embedded by default");

    let refused = |vars: &[(&str, &str)], says: &str| {
        let e = Config::load(None, env(vars)).expect_err("refused");
        assert!(e.to_string().contains(says), "{e}");
    };
    refused(
        &[
            ("PLAYHOUSE_NATS_URL", "nats://127.0.0.1:4222"),
            ("PLAYHOUSE_REDIS_URL", "redis://127.0.0.1:6379"),
        ],
        "needs a postgres:// database",
    );
    refused(
        &[("PLAYHOUSE_NATS_URL", "nats://127.0.0.1:4222")],
        "needs both --nats-url and --redis-url",
    );
    refused(
        &[
            ("PLAYHOUSE_NATS_URL", "http://x"),
            ("PLAYHOUSE_REDIS_URL", "redis://127.0.0.1:6379"),
            (
                "PLAYHOUSE_DATABASE_URL",
                "postgres://postgres@127.0.0.1/test",
            ),
        ],
        "nats_url",
    );
    refused(&[("PLAYHOUSE_NODE__CLUSTER", "a.b")], "node.cluster");
}
