//! The Playhouse server composes the services: it reads the configuration, builds each service's
//! state, merges their routers under one middleware stack and runs their jobs. It holds no service
//! logic and no game rule.
//! [`start`] runs a server on any address (tests use `127.0.0.1:0`); [`cli::main`] is the binary.

pub mod cli;
pub mod cluster;
pub mod config;
pub mod http;
pub mod pushes;
pub mod state;
pub mod telemetry;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::state::AppState;
use api::token::TokenKeys;

/// Settings key of the generated signing secret when none is configured.
const JWT_SECRET_SETTING: &str = "auth.jwt_secret";

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Store(#[from] store::StoreError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Configuration problem.
    #[error("{0}")]
    Config(String),
}

/// A running server.
pub struct Server {
    /// The bound address (useful with port 0).
    pub addr: SocketAddr,
    /// Application state (tests reach the store through it).
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    /// The lock that keeps a second node off this node's SQLite file (held while it serves).
    _file_lock: Option<std::fs::File>,
}

/// Takes the serve lock beside a SQLite database file: one node per file (a second one would
/// share neither its caches nor its nonces). Cluster nodes run on PostgreSQL.
fn lock_sqlite_file(database_url: &str) -> Result<Option<std::fs::File>, StartError> {
    let Some(db) = store::SqliteStore::file_of(database_url) else {
        return Ok(None);
    };
    let mut name = db.clone().into_os_string();
    name.push(".serve-lock");
    let path = std::path::PathBuf::from(name);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| StartError::Config(format!("cannot create {}: {e}", dir.display())))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StartError::Config(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(StartError::Config(format!(
            "another playhouse node is serving the SQLite database {}: SQLite serves one node; \
             run a cluster on PostgreSQL (--database-url postgres://… --nats-url … --redis-url …)",
            db.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(StartError::Config(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

impl Server {
    /// `http://addr`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }

    /// Waits until the server stops (on its own shutdown signal).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

/// Builds the application state: opens and migrates the database, loads or creates the secret.
pub async fn build_state(config: Config) -> Result<AppState, StartError> {
    let store = store::connect(&config.database_url).await?;
    build_state_with_store(config, store).await
}

/// Builds the application state over an already opened store (tests use private databases).
pub async fn build_state_with_store(
    config: Config,
    store: Arc<dyn store::Store>,
) -> Result<AppState, StartError> {
    build_state_with_clock(config, store, api::clock::Clock::system()).await
}

/// Builds the application state over an opened store, with every service reading time from
/// `clock` (tests pass an adjustable one and move it instead of sleeping).
pub async fn build_state_with_clock(
    config: Config,
    store: Arc<dyn store::Store>,
    clock: api::clock::Clock,
) -> Result<AppState, StartError> {
    let secret = match &config.auth.jwt_secret {
        Some(s) => s.clone(),
        None => {
            store
                .get_or_insert_setting(JWT_SECRET_SETTING, &api::token::random_hex(32))
                .await?
        }
    };
    if !config.auth.admin_emails.is_empty() {
        return Err(StartError::Config(config::ADMIN_EMAILS_GONE.into()));
    }
    // Every published RTP and paytable figure is computed before the server answers anything.
    tokio::task::spawn_blocking(games::catalogue::load)
        .await
        .map_err(|e| StartError::Config(format!("game catalogue: {e}")))?
        .map_err(|e| StartError::Config(format!("game catalogue: {e}")))?;
    let keys = TokenKeys::new(
        secret.as_bytes(),
        config.auth.access_ttl_secs,
        config.auth.refresh_ttl_secs,
    )
    .with_clock(clock.clone());
    let wallet = wallet::Wallet::start(
        store.ledger(),
        config.wallet.signup_chips,
        config.wallet.queue_depth,
    )
    .await?;
    let wallet = Arc::new(wallet);
    let (bet_feed, _) = tokio::sync::broadcast::channel(games::feed::FEED_BROADCAST_DEPTH);
    let (balance_changes, _) =
        tokio::sync::broadcast::channel(games::feed::BALANCE_BROADCAST_DEPTH);
    let cluster = Arc::new(cluster::Cluster::connect(&config).await?);
    // A cluster node's games announce on channels of their own, which the push bridge forwards to
    // this node's connections and to the other nodes; an embedded node's go to its connections.
    let (games_feed, games_balances) = if config.is_cluster() {
        (
            tokio::sync::broadcast::channel(games::feed::FEED_BROADCAST_DEPTH).0,
            tokio::sync::broadcast::channel(games::feed::BALANCE_BROADCAST_DEPTH).0,
        )
    } else {
        (bet_feed.clone(), balance_changes.clone())
    };
    let games = Arc::new(games::Games::start(
        Arc::new(config.games.clone()),
        wallet.pipeline.clone(),
        games_feed,
        games_balances,
        config
            .is_cluster()
            .then(|| games::PlayerLeases::new(cluster.kv.clone(), cluster.node_id.clone())),
    ));
    let ids = Arc::new(api::ids::IdGenerator::new(cluster.machine_id()));
    let operators =
        operator::OperatorHub::start(store.clone(), ids.clone(), config.operator.clone(), clock)
            .map_err(StartError::Config)?;
    let limits = Arc::new(if config.is_cluster() {
        api::ratelimit::RateLimits::shared(&config.rate_limit, cluster.kv.clone())
    } else {
        api::ratelimit::RateLimits::new(&config.rate_limit)
    });
    let auth = Arc::new(api::Auth::new(keys, limits.clone(), operators.clone()));
    // Sessions signed out before a restart stay signed out: their access tokens may still be live.
    let now_ms = auth.clock.now_ms();
    let ttl_ms = auth
        .keys
        .access_ttl_secs
        .saturating_add(5)
        .saturating_mul(1000);
    for family in store
        .families_revoked_since(now_ms.saturating_sub(ttl_ms))
        .await?
    {
        auth.revoke_family(&family, now_ms / 1000);
    }
    let accounts = accounts::AccountsState::new(accounts::AccountsDeps {
        store: store.clone(),
        ids: ids.clone(),
        auth: auth.clone(),
        signup: wallet.clone(),
        throttle: if config.is_cluster() {
            accounts::throttle::Throttle::shared(cluster.kv.clone())
        } else {
            accounts::throttle::Throttle::local()
        },
        refresh_cookie_secure: config.auth.refresh_cookie_secure,
    });
    let wallet_api = wallet::WalletState::new(wallet::http::WalletDeps {
        wallet: wallet.clone(),
        store: store.clone(),
        auth: auth.clone(),
    });
    let games_state = games::GamesState::new(games::GamesDeps {
        store: store.clone(),
        ids: ids.clone(),
        auth: auth.clone(),
        // Operator-linked players in seamless mode bet through their operator's wallet; everyone
        // else through the internal ledger.
        game_wallets: Arc::new(operator::OperatorRouter::new(
            operators.clone(),
            Arc::new(wallet::LedgerGameWallet::new(wallet.clone())),
        )),
        games,
    });
    let operator_state = operator::OperatorState::new(operator::http::OperatorDeps {
        store: store.clone(),
        ids: ids.clone(),
        auth: auth.clone(),
        operators: operators.clone(),
        wallet: wallet.clone(),
        bus: cluster.bus.clone(),
    });
    let tables = tables::TablesState::new(tables::TablesDeps {
        store: store.clone(),
        ids: ids.clone(),
        auth: auth.clone(),
        guandan: Arc::new({
            let svc = tables::Service::new(&config.guandan, store.clone());
            if config.is_cluster() {
                svc.with_ownership(tables::ownership::Ownership::new(
                    cluster.kv.clone(),
                    cluster.node_id.clone(),
                ))
                .with_router(tables::route::Router::new(
                    cluster.bus.clone(),
                    cluster.kv.clone(),
                    cluster.node_id.clone(),
                ))
            } else {
                svc
            }
        }),
        bet_feed: bet_feed.clone(),
        balance_changes: balance_changes.clone(),
    });
    let contests = contests::ContestsState::new(contests::ContestsDeps {
        store: store.clone(),
        auth: auth.clone(),
        kv: cluster.kv.clone(),
        bus: cluster.bus.clone(),
        wallet: wallet.clone(),
    });
    Ok(AppState::new(state::Services {
        contests,
        accounts,
        wallet_api,
        games: games_state,
        operator: operator_state,
        tables,
        bet_feed,
        balance_changes,
        wallet,
        limits,
        ids,
        operators,
        auth,
        store,
        cluster,
        metrics: telemetry::metrics_handle(),
        config: Arc::new(config),
    }))
}

/// Starts the server with `config`, returning once it listens. `shutdown_signal` (if any) also
/// triggers a graceful shutdown, as does [`Server::shutdown`].
pub async fn start(
    config: Config,
    shutdown_signal: Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>>,
) -> Result<Server, StartError> {
    let lock = lock_sqlite_file(&config.database_url)?;
    let state = build_state(config).await?;
    let mut server = serve_state(state, shutdown_signal).await?;
    server._file_lock = lock;
    Ok(server)
}

/// Starts serving an already built state.
pub async fn serve_state(
    state: AppState,
    shutdown_signal: Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>>,
) -> Result<Server, StartError> {
    let listen = state.config.listen.clone();
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: listen.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: listen,
        source,
    })?;
    let app = http::router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let housekeeping = spawn_housekeeping(state.clone());
    let identity = state.cluster.spawn_identity(state.ids.clone());
    let pushes = pushes::start(&state).await?;
    let relay = events::spawn(
        state.store.clone(),
        state.cluster.bus.clone(),
        state
            .cluster
            .leader("events-relay", events::RELAY_LEASE_PERIOD),
    );
    let compete = contests::engine::spawn(
        state.contests.clone(),
        state
            .cluster
            .leader("compete", contests::engine::LEASE_PERIOD),
    );
    let cluster = state.cluster.clone();
    tables::Service::start(&state.tables).await;
    let guandan_svc = state.tables.guandan.clone();
    let game_jobs = games::spawn_jobs(state.games.clone());
    let task = tokio::spawn(async move {
        let signal = async move {
            match shutdown_signal {
                Some(s) => tokio::select! { _ = s => {}, _ = rx => {} },
                None => {
                    let _ = rx.await;
                }
            }
            tracing::info!("shutting down gracefully");
            guandan_svc.shutdown().await;
        };
        // TCP_NODELAY: small WebSocket frames (an `ack`, then the table event) must not wait for the
        // peer's delayed ACK (~40 ms) under Nagle's algorithm.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        let res = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal)
        .await;
        housekeeping.abort();
        game_jobs.abort();
        identity.abort();
        relay.abort();
        compete.abort();
        for p in pushes {
            p.abort();
        }
        cluster.release().await;
        res
    });
    tracing::info!(%addr, database = state.store.backend_name(), "playhouse listening");
    Ok(Server {
        addr,
        state,
        shutdown: Some(tx),
        task,
        _file_lock: None,
    })
}

fn spawn_housekeeping(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            state.limits.retain_recent();
        }
    })
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn os_shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
