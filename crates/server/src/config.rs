//! Server configuration: defaults, then a TOML file, then `PLAYHOUSE_*` environment variables, then flags.
//!
//! Environment variables map onto keys: `PLAYHOUSE_LISTEN` sets `listen`, and a double underscore
//! descends into a table, so `PLAYHOUSE_AUTH__ACCESS_TTL_SECS=600` sets `auth.access_ttl_secs`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use api::AuthConfig;
pub use api::ratelimit::RateLimitConfig;
pub use games::{CurrencyLimits, GamesConfig};
pub use operator::OperatorConfig;
pub use tables::GuandanConfig;
pub use wallet::WalletConfig;

/// Why `auth.admin_emails` is refused.
pub const ADMIN_EMAILS_GONE: &str = "auth.admin_emails is no longer supported: anyone could \
    register a listed address first. Remove it and grant admin rights with `playhouse admin grant EMAIL`";

/// Everything the server reads at start.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// `sqlite://path` (embedded default) or `postgres://…`.
    pub database_url: String,
    /// NATS (with JetStream) of a cluster, `nats://host:4222`; unset: the in-process bus.
    pub nats_url: Option<String>,
    /// Redis of a cluster, `redis://host:6379`; unset: in-memory shared state.
    pub redis_url: Option<String>,
    /// `text` or `json` logs.
    pub log_format: LogFormat,
    /// A `tracing` filter directive, e.g. `info` or `server=debug,info`.
    pub log_level: String,
    /// Authentication settings.
    pub auth: AuthConfig,
    /// HTTP limits and CORS.
    pub http: HttpConfig,
    /// Request rate limits.
    pub rate_limit: RateLimitConfig,
    /// Identity of this node, and the cluster it belongs to.
    pub node: NodeConfig,
    /// Wallet and ledger settings.
    pub wallet: WalletConfig,
    /// Guandan tables, quick match and WebSocket limits.
    pub guandan: GuandanConfig,
    /// Instant games: limits per currency, idle rounds, responsible gaming, live feed.
    pub games: GamesConfig,
    /// Operator API settings.
    pub operator: OperatorConfig,
}

/// Log output format.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// HTTP settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Largest request body accepted.
    pub body_limit_bytes: usize,
    /// Allowed CORS origins; `["*"]` allows any origin (tokens travel in headers, not cookies).
    pub cors_origins: Vec<String>,
    /// Requests running longer than this are answered with `503 timeout`.
    pub request_timeout_secs: u64,
    /// Origins (e.g. `https://casino.example`) allowed to show the client in a frame — the
    /// operators that embed the games. Empty: no site may frame it.
    pub frame_ancestors: Vec<String>,
}

/// Node identity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    /// Machine id embedded in generated ids. A cluster node leases a free one through Redis,
    /// trying this one first, so nodes never share one.
    pub machine_id: u16,
    /// The cluster's name: every NATS subject and stream and every Redis key is under it, so
    /// clusters can share a NATS and a Redis (one token: letters, digits, `_`, `-`).
    pub cluster: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://./data/playhouse.db".into(),
            nats_url: None,
            redis_url: None,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            auth: AuthConfig::default(),
            http: HttpConfig::default(),
            rate_limit: RateLimitConfig::default(),
            node: NodeConfig::default(),
            wallet: WalletConfig::default(),
            guandan: GuandanConfig::default(),
            games: GamesConfig::default(),
            operator: OperatorConfig::default(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: 64 * 1024,
            cors_origins: vec!["*".into()],
            request_timeout_secs: 30,
            frame_ancestors: Vec::new(),
        }
    }
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            machine_id: 1,
            cluster: "playhouse".into(),
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// File path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The merged configuration does not fit the schema.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads the layered configuration. `file` is read if given (it must exist); otherwise
    /// `./playhouse.toml` is read when present. `env` is the process environment (passed in for tests).
    pub fn load_unvalidated(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut root = toml::Table::try_from(Config::default())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let default_file = Path::new("playhouse.toml");
        let path = file.or(default_file.exists().then_some(default_file));
        if let Some(path) = path {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.display().to_string(),
                source,
            })?;
            let table: toml::Table = text
                .parse()
                .map_err(|e| ConfigError::Invalid(format!("{}: {e}", path.display())))?;
            merge(&mut root, table);
        }
        let overrides: BTreeMap<String, String> = env
            .into_iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("PLAYHOUSE_")
                    .map(|k| (k.to_ascii_lowercase(), v))
            })
            .filter(|(k, _)| k != "config")
            .filter(|(k, _)| !TOOL_ENV_KEYS.contains(&k.as_str()))
            .collect();
        for (key, value) in overrides {
            set_path(&mut root, &key, &value)?;
        }
        let config: Config = toml::Value::Table(root)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(e.to_string()))?;
        Ok(config)
    }

    /// [`Config::load_unvalidated`], then [`Config::validate`].
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let config = Self::load_unvalidated(file, env)?;
        config.validate()?;
        Ok(config)
    }

    /// Whether this node is part of a cluster (NATS and Redis configured).
    pub fn is_cluster(&self) -> bool {
        self.nats_url.is_some() && self.redis_url.is_some()
    }

    /// Why the cluster settings do not fit together, if they do not.
    fn cluster_mismatch(&self) -> Option<&'static str> {
        let sqlite = self.database_url.starts_with("sqlite:");
        match (self.nats_url.is_some(), self.redis_url.is_some()) {
            (false, false) => None,
            (true, false) | (false, true) => Some(
                "a cluster node needs both --nats-url and --redis-url (PLAYHOUSE_NATS_URL, \
                 PLAYHOUSE_REDIS_URL); set neither for one embedded node",
            ),
            (true, true) if sqlite => Some(
                "a cluster node needs a postgres:// database: SQLite serves one embedded node \
                 (leave out --nats-url and --redis-url, or pass --database-url postgres://…)",
            ),
            (true, true) => None,
        }
    }

    /// Checks values that the types cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return bad("listen: expected an address like 127.0.0.1:8080");
        }
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return bad("database_url: expected sqlite://… or postgres://…");
        }
        if let Some(m) = self.cluster_mismatch() {
            return bad(m);
        }
        if self
            .nats_url
            .as_ref()
            .is_some_and(|u| !u.starts_with("nats://"))
        {
            return bad("nats_url: expected nats://host:port");
        }
        if self
            .redis_url
            .as_ref()
            .is_some_and(|u| !(u.starts_with("redis://") || u.starts_with("rediss://")))
        {
            return bad("redis_url: expected redis://host:port");
        }
        if self.node.cluster.is_empty()
            || self.node.cluster.len() > 64
            || !self
                .node
                .cluster
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return bad("node.cluster: 1 to 64 letters, digits, `_` or `-`");
        }
        if self.auth.jwt_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return bad("auth.jwt_secret: must be at least 32 characters");
        }
        if !self.auth.admin_emails.is_empty() {
            return bad(ADMIN_EMAILS_GONE);
        }
        if self.http.frame_ancestors.iter().any(|o| {
            !(o.starts_with("https://") || o.starts_with("http://"))
                || o.contains([' ', ';', ',', '\''])
        }) {
            return bad(
                "http.frame_ancestors: each entry is an origin like https://casino.example",
            );
        }
        if self.auth.access_ttl_secs == 0 || self.auth.refresh_ttl_secs == 0 {
            return bad("auth: token lifetimes must be positive");
        }
        if self.rate_limit.per_ip_per_sec == 0 || self.rate_limit.per_account_per_sec == 0 {
            return bad("rate_limit: rates must be positive");
        }
        if self.wallet.signup_chips > ledger::BALANCE_MAX {
            return bad("wallet.signup_chips: must fit a ledger balance");
        }
        if self.operator.wallet_timeout_ms == 0 || self.operator.signature_window_secs == 0 {
            return bad("operator: wallet_timeout_ms and signature_window_secs must be positive");
        }
        if !(self.operator.public_base_url.starts_with("http://")
            || self.operator.public_base_url.starts_with("https://"))
        {
            return bad("operator.public_base_url: expected http://… or https://…");
        }
        if self.http.body_limit_bytes < 1024 {
            return bad("http.body_limit_bytes: must be at least 1024");
        }
        Ok(())
    }

    /// The configuration as TOML with secrets redacted (`playhouse config print`).
    pub fn to_redacted_toml(&self) -> String {
        let mut c = self.clone();
        if c.auth.jwt_secret.is_some() {
            c.auth.jwt_secret = Some("<redacted>".into());
        }
        c.database_url = redact_url(&c.database_url);
        c.nats_url = c.nats_url.as_deref().map(redact_url);
        c.redis_url = c.redis_url.as_deref().map(redact_url);
        toml::to_string_pretty(&c).unwrap_or_else(|e| format!("# cannot render config: {e}\n"))
    }
}

/// `url` with the password of its `user:password@` part replaced.
fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((creds, host)) = rest.split_once('@')
        && let Some((user, _password)) = creds.split_once(':')
    {
        return format!("{scheme}://{user}:<redacted>@{host}");
    }
    url.to_owned()
}

fn merge(into: &mut toml::Table, from: toml::Table) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(toml::Value::Table(a)), toml::Value::Table(b)) => merge(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

fn set_path(root: &mut toml::Table, key: &str, raw: &str) -> Result<(), ConfigError> {
    let mut parts: Vec<&str> = key.split("__").collect();
    let Some(last) = parts.pop() else {
        return Ok(());
    };
    let mut table = root;
    for p in parts {
        let entry = table
            .entry(p.to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = entry.as_table_mut().ok_or_else(|| {
            ConfigError::Invalid(format!(
                "PLAYHOUSE_{}: {p} is not a table",
                key.to_uppercase()
            ))
        })?;
    }
    // Keys whose default is a string (or unset, like secrets) take the raw text; other keys parse
    // it as a TOML literal (numbers, booleans, arrays), so `PLAYHOUSE_NODE__MACHINE_ID=3` is a number.
    let value = match table.get(last) {
        Some(toml::Value::String(_)) | None => toml::Value::String(raw.to_owned()),
        Some(_) => format!("v = {raw}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(raw.to_owned())),
    };
    table.insert(last.to_owned(), value);
    Ok(())
}

/// `PLAYHOUSE_*` variables that belong to the web client's tooling, not to the server's
/// configuration (lowercased, prefix removed): the e2e tests' binary path, the build script's switch
/// and the Vite dev server's backend URL. A shell that exports them must still start the server.
const TOOL_ENV_KEYS: &[&str] = &["bin", "skip_web_build", "url"];
