//! Guandan online: the WebSocket endpoint, one task per table, private rooms, quick match, timers and
//! auto-play, reconnect, spectators, the batched match log, replays and fair-play signals.
//!
//! Routing: a connection task reads frames, parses them with `protocol::parse_client` and forwards
//! table messages to the table's bounded mailbox. The table task owns all table state (no lock on the
//! hot path), applies actions through the `guandan` engine, projects each event once per recipient
//! class with `protocol::event_message`, and pushes the serialized frames into each connection's bounded
//! outbound queue (`try_send`: a slow consumer is disconnected, the table never waits for a socket).

pub mod admission;
pub mod config;
mod conn;
pub mod http;
mod matchmaker;
pub mod ownership;
pub mod persist;
pub mod ratings;
pub mod route;
mod table;

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use api::Auth;
use api::ids::IdGenerator;
use axum::Router;
use axum::extract::ws::Utf8Bytes;
use axum::routing::get;
use games::feed::{BalanceChange, FeedBatch};
use protocol::{ServerEnvelope, ServerMessage};
use tokio::sync::{Notify, mpsc, oneshot};

pub use config::GuandanConfig;

api::service_state!(
    /// What the table service's handlers, connections and table tasks share.
    TablesState over TablesDeps
);

/// The parts of [`TablesState`].
pub struct TablesDeps {
    /// The database.
    pub store: Arc<dyn store::Store>,
    /// Id generator for this node.
    pub ids: Arc<IdGenerator>,
    /// Token checks (HTTP and the WebSocket upgrade and `auth_refresh`).
    pub auth: Arc<Auth>,
    /// Guandan tables, rooms, quick match and connections.
    pub guandan: Arc<Service>,
    /// The games' live bet feed, forwarded to every connection as `bet_feed` (the `games` port).
    pub bet_feed: tokio::sync::broadcast::Sender<FeedBatch>,
    /// The games' balance changes, forwarded to their user's connection as `balance_changed`.
    pub balance_changes: tokio::sync::broadcast::Sender<BalanceChange>,
}

/// The routes of the service: `GET /v1/ws`, replays, history, the fair-play admin list, ratings,
/// leaderboards and result cards.
pub fn routes() -> Router<TablesState> {
    Router::new()
        .route("/v1/ws", get(conn::ws))
        .route("/v1/guandan/matches", get(http::history))
        .route("/v1/guandan/matches/{id}", get(http::replay))
        .route("/v1/admin/guandan/flagged", get(http::flagged))
        .route("/v1/guandan/leaderboard", get(ratings::leaderboard))
        .route("/v1/guandan/ratings/me", get(ratings::my_rating))
        .route("/v1/guandan/ratings/{user_id}", get(ratings::user_rating))
        .route(
            "/v1/guandan/matches/{id}/card.png",
            get(ratings::result_card),
        )
}

/// The table service's routes over its state.
pub fn router(state: TablesState) -> Router {
    routes().with_state(state)
}

/// The table service's OpenAPI paths.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    http::replay,
    http::history,
    http::flagged,
    ratings::leaderboard,
    ratings::my_rating,
    ratings::user_rating,
    ratings::result_card
))]
pub struct TablesApi;

/// The rating quick match uses for `user_id`: the display rating of [`ratings`] (a new
/// player's default when none is stored, or when the store cannot answer: matchmaking never waits on
/// an error).
pub async fn player_rating(state: &TablesState, user_id: i64) -> i32 {
    let display = match state.store.ratings().rating(user_id).await {
        Ok(Some(r)) => r.display,
        Ok(None) => rating::Rating::default().display(),
        Err(e) => {
            tracing::warn!(user_id, error = %e, "rating lookup failed; using the default");
            rating::Rating::default().display()
        }
    };
    i32::try_from(display).unwrap_or(i32::MAX)
}

/// Something queued to one connection.
#[derive(Debug, Clone)]
pub enum Out {
    /// A serialized server frame (cheap to clone: shared bytes).
    Text(Utf8Bytes),
    /// Close the connection with this code and reason.
    Close(u16, &'static str),
}

/// A connection as tables and the matchmaker see it: where to push frames, and how to end it.
#[derive(Clone, Debug)]
pub struct Sink {
    /// Connection number (unique in this process).
    pub conn_id: u64,
    /// Authenticated account.
    pub user_id: i64,
    /// Display name.
    pub name: Arc<str>,
    /// Peer address.
    pub ip: Option<IpAddr>,
    tx: mpsc::Sender<Out>,
    kill: Arc<Notify>,
}

impl Sink {
    /// Queues a frame without waiting. A full queue means a consumer too slow to keep up: the
    /// connection is told to close and `false` is returned; so is a closed connection.
    pub fn push(&self, text: Utf8Bytes) -> bool {
        match self.tx.try_send(Out::Text(text)) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                metrics::counter!("guandan_slow_consumer_disconnects_total").increment(1);
                self.kill.notify_one();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Serializes and queues a reply or private message.
    pub fn send(&self, env: &ServerEnvelope) -> bool {
        match serde_json::to_string(env) {
            Ok(s) => self.push(Utf8Bytes::from(s)),
            Err(e) => {
                tracing::error!(error = %e, "cannot serialize server message");
                false
            }
        }
    }

    /// Sends `msg` as the reply to request `id`.
    pub fn reply(&self, id: Option<protocol::RequestId>, msg: ServerMessage) -> bool {
        self.send(&ServerEnvelope::reply(id, msg))
    }

    /// A sink whose connection is already gone (a seat that starts disconnected).
    pub(crate) fn closed(user_id: i64, name: &str, ip: Option<IpAddr>) -> Sink {
        let (tx, _) = mpsc::channel(1);
        Sink {
            conn_id: 0,
            user_id,
            name: Arc::from(name),
            ip,
            tx,
            kill: Arc::new(Notify::new()),
        }
    }

    /// Sends an `error` reply.
    pub fn error(&self, id: Option<protocol::RequestId>, code: &str, message: &str) -> bool {
        self.reply(
            id,
            ServerMessage::Error(protocol::ErrorPayload::new(code, message)),
        )
    }

    /// Whether the connection is gone.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Asks the connection to close.
    pub fn kill(&self) {
        self.kill.notify_one();
    }
}

/// A running table's mailbox.
#[derive(Clone, Debug)]
pub struct TableHandle {
    tx: mpsc::Sender<table::Cmd>,
}

/// The table service: registries of tables, rooms, connections and seats. The locks guard only these
/// maps (joins, reconnects, table creation); actions never take them.
pub struct Service {
    cfg: GuandanConfig,
    tables: RwLock<HashMap<String, TableHandle>>,
    rooms: RwLock<HashMap<String, String>>,
    conns: Mutex<HashMap<i64, Sink>>,
    seats: Mutex<HashMap<i64, BTreeSet<String>>>,
    log: mpsc::Sender<persist::LogOp>,
    matchmaker: mpsc::Sender<matchmaker::Cmd>,
    matchmaker_rx: Mutex<Option<mpsc::Receiver<matchmaker::Cmd>>>,
    next_conn: AtomicU64,
    shutting_down: AtomicBool,
    /// A cluster node's table leases (`None` when embedded).
    ownership: Option<Arc<ownership::Ownership>>,
    /// A cluster node's routing of frames to and from other nodes (`None` when embedded).
    router: Option<Arc<route::Router>>,
    sweeps: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The waiting room.
    admission: Arc<admission::Admission>,
    route_tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("guandan::Service").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Service {
    /// The service over `store`; nothing runs until [`Service::start`].
    pub fn new(cfg: &GuandanConfig, store: Arc<dyn store::Store>) -> Service {
        let log = persist::start(store, cfg.log_queue_depth, cfg.log_batch_max);
        let (mm_tx, mm_rx) = mpsc::channel(1024);
        Service {
            cfg: cfg.clone(),
            tables: RwLock::new(HashMap::new()),
            rooms: RwLock::new(HashMap::new()),
            conns: Mutex::new(HashMap::new()),
            seats: Mutex::new(HashMap::new()),
            log,
            matchmaker: mm_tx,
            matchmaker_rx: Mutex::new(Some(mm_rx)),
            next_conn: AtomicU64::new(1),
            shutting_down: AtomicBool::new(false),
            ownership: None,
            router: None,
            sweeps: Mutex::new(None),
            admission: Arc::new(admission::Admission::new(
                cfg.ws_connections_max,
                cfg.waiting_room_max,
            )),
            route_tasks: Mutex::new(Vec::new()),
        }
    }

    /// A cluster node's service: each table runs on the node holding its lease (see [`ownership`]).
    #[must_use]
    pub fn with_ownership(mut self, own: ownership::Ownership) -> Service {
        self.ownership = Some(Arc::new(own));
        self
    }

    /// A cluster node's service: its connections play at tables on any node (see [`route`]).
    #[must_use]
    pub fn with_router(mut self, router: route::Router) -> Service {
        self.router = Some(Arc::new(router));
        self
    }

    /// Starts the matchmaker and resumes running matches from their logs: every one on an embedded
    /// node; in a cluster, those no other node holds (at once, then at every sweep).
    pub async fn start(state: &TablesState) {
        let svc = &state.guandan;
        if let Some(router) = &svc.router {
            let tasks = route::start(state, router.clone()).await;
            lock(&svc.route_tasks).extend(tasks);
        }
        if let Some(rx) = lock(&svc.matchmaker_rx).take() {
            matchmaker::spawn(state.clone(), rx);
        }
        if let Some(own) = &svc.ownership {
            ownership::sweep(state, own, state.auth.clock.now_ms()).await;
            *lock(&svc.sweeps) = Some(ownership::spawn(state.clone(), own.clone()));
            return;
        }
        match state.store.running_guandan_matches().await {
            Ok(matches) => {
                for rec in matches {
                    let id = rec.id;
                    if let Err(e) = table::resume(state, rec).await {
                        tracing::error!(match_id = id, error = %e, "cannot resume guandan table");
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot list running guandan matches"),
        }
    }

    /// Graceful shutdown: every table stops (running matches stay `running` in the log and resume on
    /// the next start), every connection closes, and the log queue is flushed.
    pub async fn shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        let tables: Vec<TableHandle> = self
            .tables
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        for t in tables {
            let (done, wait) = oneshot::channel();
            if t.tx.send(table::Cmd::Shutdown(done)).await.is_ok() {
                let _ = tokio::time::timeout(Duration::from_secs(5), wait).await;
            }
        }
        let conns: Vec<Sink> = lock(&self.conns).values().cloned().collect();
        for c in conns {
            let _ = c.tx.try_send(Out::Close(1001, "server shutting down"));
            c.kill();
        }
        let (done, wait) = oneshot::channel();
        if self.log.send(persist::LogOp::Flush(done)).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(10), wait).await;
        }
        if let Some(sweeps) = lock(&self.sweeps).take() {
            sweeps.abort();
        }
        for t in lock(&self.route_tasks).drain(..) {
            t.abort();
        }
        if let Some(own) = &self.ownership {
            // The log is flushed: the other nodes may resume these tables from it.
            own.release_all().await;
        }
    }

    /// Stops one table (its lease was lost): its match stays `running` in the log.
    async fn shutdown_table(&self, id: &str) {
        if let Some(t) = self.table(id) {
            let (done, wait) = oneshot::channel();
            if t.tx.send(table::Cmd::Shutdown(done)).await.is_ok() {
                let _ = tokio::time::timeout(Duration::from_secs(5), wait).await;
            }
        }
    }

    /// The ids of the tables running on this node.
    fn table_ids(&self) -> Vec<String> {
        self.tables
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .keys()
            .cloned()
            .collect()
    }

    fn table(&self, id: &str) -> Option<TableHandle> {
        self.tables
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    fn table_count(&self) -> usize {
        self.tables
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    fn insert_table(&self, id: String, h: TableHandle) {
        if let Some(own) = &self.ownership
            && !own.held_tables().contains(&id)
        {
            own.claim(&id);
        }
        self.tables
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id, h);
        metrics::gauge!("guandan_tables").increment(1.0);
        self.admission
            .set_tables_full(self.table_count() >= self.cfg.tables_max);
    }

    fn remove_table(&self, id: &str, code: Option<&str>) {
        if self
            .tables
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(id)
            .is_some()
        {
            metrics::gauge!("guandan_tables").decrement(1.0);
            self.admission
                .set_tables_full(self.table_count() >= self.cfg.tables_max);
        }
        if let Some(code) = code {
            self.rooms
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(code);
            if let Some(r) = &self.router {
                r.release_room(code);
            }
        }
    }

    fn room(&self, code: &str) -> Option<String> {
        self.rooms
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(code)
            .cloned()
    }

    /// Reserves `code` for `table_id`; false when taken.
    fn reserve_room(&self, code: &str, table_id: &str) -> bool {
        let mut rooms = self
            .rooms
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if rooms.contains_key(code) {
            return false;
        }
        rooms.insert(code.to_owned(), table_id.to_owned());
        true
    }

    /// Tables where `user` holds a seat.
    fn seats_of(&self, user: i64) -> Vec<String> {
        lock(&self.seats)
            .get(&user)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn add_seat(&self, user: i64, table_id: &str) {
        let new = lock(&self.seats)
            .entry(user)
            .or_default()
            .insert(table_id.to_owned());
        if let Some(r) = self.router.as_ref().filter(|_| new) {
            r.seat_changed(user, table_id, true);
        }
    }

    fn remove_seat(&self, user: i64, table_id: &str) {
        let mut seats = lock(&self.seats);
        if let Some(s) = seats.get_mut(&user) {
            let had = s.remove(table_id);
            if s.is_empty() {
                seats.remove(&user);
            }
            if let Some(r) = self.router.as_ref().filter(|_| had) {
                r.seat_changed(user, table_id, false);
            }
        }
    }

    /// Registers a connection as `user`'s current one; the previous one (if any) is closed.
    fn register_conn(&self, sink: &Sink) {
        let old = lock(&self.conns).insert(sink.user_id, sink.clone());
        if let Some(old) = old {
            let _ = old
                .tx
                .try_send(Out::Close(4000, "replaced by a new connection"));
            old.kill();
        }
    }

    /// `user`'s connection `conn_id`, if it is on this node.
    fn conn_of(&self, user: i64, conn_id: u64) -> Option<Sink> {
        lock(&self.conns)
            .get(&user)
            .filter(|s| s.conn_id == conn_id)
            .cloned()
    }

    /// `user`'s connection on this node, if any.
    fn local_conn(&self, user: i64) -> Option<Sink> {
        lock(&self.conns).get(&user).cloned()
    }

    /// `user` connected on another node: their connection here closes.
    fn replace_conn(&self, user: i64) {
        let old = lock(&self.conns).remove(&user);
        if let Some(old) = old {
            let _ = old
                .tx
                .try_send(Out::Close(4000, "replaced by a new connection"));
            old.kill();
        }
    }

    fn unregister_conn(&self, user: i64, conn_id: u64) {
        let mut conns = lock(&self.conns);
        if conns.get(&user).is_some_and(|s| s.conn_id == conn_id) {
            conns.remove(&user);
        }
    }

    fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }
}
