//! Guandan across a cluster: a client connected to any node plays at a table running on any other
//! (its owner, see [`crate::ownership`]). An embedded node routes nothing.
//!
//! - **Client → table.** A connection whose table is not on its own node sends each of its frames
//!   as a request to the table's subject `gd.t.<table id>`. Only the owner subscribes to it (from
//!   the moment its table task starts, and again on the node that resumes it), so the request needs
//!   no lookup; the answer says whether the table took the frame (`ok`) or is not there (`gone`).
//!   The connection waits for that answer before it reads its next frame, so the table sees a
//!   client's frames in the order it sent them.
//! - **Table → client.** On the owner, each remote connection is a *proxy* [`Sink`]: frames the
//!   table queues to it are published, already redacted for that recipient, to the connection's
//!   node on `gd.c.<node id>`, which hands them to the socket. One publisher per proxy keeps them
//!   in order. A full proxy queue is a slow consumer, like a local one.
//! - **Notes** (`gd.note`, to every node): a heartbeat per node every [`HELLO_EVERY`]; a connection
//!   that ended (its proxies end, and so do those of a node silent for [`NODE_SILENCE`]); a user's
//!   new connection (the older one elsewhere closes, as on one node); a table resumed on a new
//!   owner (the nodes of its seated players attach them again, and they get a snapshot); and the
//!   cluster matchmaker's queue (see [`crate::matchmaker`]).
//! - **Shared registries** in the kv: the tables where a user holds a seat (`gd-seats:<user>`, so a
//!   reconnect to any node finds them) and private-room codes (`room:<code>`, a lease held by the
//!   room's table id).

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use bus::Bytes;
use protocol::ClientEnvelope;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::matchmaker;
use crate::{Out, Service, Sink, TablesState, table};

/// How often each node says it is alive.
pub const HELLO_EVERY: Duration = Duration::from_secs(1);
/// A node not heard for this long is taken for dead: its connections' proxies end.
pub const NODE_SILENCE: Duration = Duration::from_secs(5);
/// How long a connection waits for a remote table to take a frame.
pub const ROUTE_TIMEOUT: Duration = Duration::from_secs(3);
/// A private-room code's lease; renewed every [`ROOM_RENEW_EVERY`] while its table runs.
const ROOM_LEASE_TTL: Duration = Duration::from_secs(3_600);
const ROOM_RENEW_EVERY: Duration = Duration::from_secs(600);
/// Seats listed for a user at connect.
const SEATS_LISTED_MAX: usize = 64;

const NOTES: &str = "gd.note";
const REPLY_OK: &[u8] = b"ok";
const REPLY_GONE: &[u8] = b"gone";

const FRAME_TEXT: u8 = 0;
const FRAME_CLOSE: u8 = 1;
const FRAME_KILL: u8 = 2;

fn table_subject(table_id: &str) -> String {
    format!("gd.t.{table_id}")
}

fn conn_subject(node: &str) -> String {
    format!("gd.c.{node}")
}

fn seats_key(user: i64) -> String {
    format!("gd-seats:{user}")
}

fn room_lease(code: &str) -> String {
    format!("room:{code}")
}

/// A connection as another node sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remote {
    /// The node holding the socket.
    pub node: String,
    /// The connection's number on that node.
    pub conn: u64,
    /// Its account.
    pub user: i64,
    /// Display name.
    pub name: String,
    /// Peer address.
    pub ip: Option<IpAddr>,
}

/// A frame routed to a table.
#[derive(Serialize, Deserialize)]
struct Routed {
    from: Remote,
    #[serde(flatten)]
    op: Op,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Op {
    /// A client frame (the envelope as the client sent it, parsed again by the owner).
    Client { frame: String },
    /// The seated user's connection is (again) here.
    Attach,
}

/// What is said to every node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub(crate) enum Note {
    /// A node is alive.
    Hello { node: String },
    /// A connection ended.
    Gone { node: String, conn: u64 },
    /// A user connected: their connections on other nodes close.
    Connected { node: String, conn: u64, user: i64 },
    /// A table runs again on a new owner: its seated users' connections attach again.
    Resumed { table: String, users: Vec<i64> },
    /// The cluster matchmaker's queue.
    Queue(matchmaker::Peer),
}

/// Why a routed frame did not reach its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteError {
    /// No node runs the table.
    NoTable,
    /// The bus did not answer in time.
    Unreachable,
}

struct Proxy {
    sink: Sink,
    end: Arc<Notify>,
    tables: Arc<Mutex<HashSet<String>>>,
}

/// A cluster node's routing (see the module's documentation).
pub struct Router {
    bus: Arc<dyn bus::Bus>,
    kv: Arc<dyn kv::Kv>,
    node_id: String,
    proxies: Mutex<HashMap<(String, u64), Proxy>>,
    heard: Mutex<HashMap<String, Instant>>,
    rooms: Mutex<HashMap<String, kv::Lease>>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("node_id", &self.node_id)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Router {
    /// Routing over `bus`, with the shared registries in `kv`, for node `node_id`.
    pub fn new(bus: Arc<dyn bus::Bus>, kv: Arc<dyn kv::Kv>, node_id: impl Into<String>) -> Self {
        Self {
            bus,
            kv,
            node_id: node_id.into(),
            proxies: Mutex::new(HashMap::new()),
            heard: Mutex::new(HashMap::new()),
            rooms: Mutex::new(HashMap::new()),
        }
    }

    /// This node's id.
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// The cluster-wide matchmaker's leadership for this node.
    pub(crate) fn matchmaker_leader(&self) -> api::leader::Leader {
        api::leader::Leader::new(
            self.kv.clone(),
            "guandan-matchmaker",
            &self.node_id,
            HELLO_EVERY,
        )
    }

    /// A local connection as other nodes see it.
    pub(crate) fn remote_of(&self, sink: &Sink) -> Remote {
        Remote {
            node: self.node_id.clone(),
            conn: sink.conn_id,
            user: sink.user_id,
            name: sink.name.to_string(),
            ip: sink.ip,
        }
    }

    /// Says `note` to every node (at most once: a lost note is repaired by the heartbeats and
    /// timeouts it would have sped up).
    pub(crate) async fn say(&self, note: &Note) {
        let Ok(body) = serde_json::to_vec(note) else {
            return;
        };
        if let Err(e) = self.bus.publish(NOTES, Bytes::from(body)).await {
            metrics::counter!("guandan_route_failures_total").increment(1);
            tracing::debug!(error = %e, "note not published");
        }
    }

    /// Sends client frame `env` from local connection `from` to table `table_id` on its owner.
    pub(crate) async fn forward(
        &self,
        from: &Sink,
        table_id: &str,
        env: &ClientEnvelope,
    ) -> Result<(), RouteError> {
        let frame = serde_json::to_string(env).map_err(|_| RouteError::Unreachable)?;
        self.request(from, table_id, Op::Client { frame }).await
    }

    /// Tells table `table_id` that its seated user's connection `from` is here.
    pub(crate) async fn attach(&self, from: &Sink, table_id: &str) -> Result<(), RouteError> {
        self.request(from, table_id, Op::Attach).await
    }

    async fn request(&self, from: &Sink, table_id: &str, op: Op) -> Result<(), RouteError> {
        let routed = Routed {
            from: self.remote_of(from),
            op,
        };
        let body = serde_json::to_vec(&routed).map_err(|_| RouteError::Unreachable)?;
        metrics::counter!("guandan_routed_frames_total").increment(1);
        match self
            .bus
            .request(&table_subject(table_id), Bytes::from(body), ROUTE_TIMEOUT)
            .await
        {
            Ok(reply) if reply.as_ref() == REPLY_OK => Ok(()),
            Ok(_) | Err(bus::BusError::NoResponders(_)) => Err(RouteError::NoTable),
            Err(e) => {
                metrics::counter!("guandan_route_failures_total").increment(1);
                tracing::warn!(error = %e, table = table_id, "frame not routed");
                Err(RouteError::Unreachable)
            }
        }
    }

    /// The owner's side: subscribes to table `table_id`'s frames (before the table sends its
    /// first frame, so a client that heard of the table always reaches it).
    pub(crate) async fn subscribe_table(&self, table_id: &str) -> Option<bus::Subscription> {
        match self.bus.subscribe(&table_subject(table_id)).await {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::error!(error = %e, table = table_id, "cannot subscribe to a table's frames");
                None
            }
        }
    }

    /// A frame routed to local table `table_id`: the command for the table, or `None` for an
    /// unreadable one (answered `gone`).
    pub(crate) fn command(
        self: &Arc<Self>,
        svc: &Arc<Service>,
        table_id: &str,
        msg: &bus::Message,
    ) -> Option<table::Cmd> {
        let routed: Routed = match serde_json::from_slice(&msg.payload) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "unreadable routed frame");
                return None;
            }
        };
        let (sink, tables) = self.proxy(svc, &routed.from);
        lock(&tables).insert(table_id.to_owned());
        match routed.op {
            Op::Attach => Some(table::Cmd::Attach(sink)),
            Op::Client { frame } => match protocol::parse_client(&frame) {
                Ok(env) => Some(table::Cmd::Client {
                    sink,
                    id: env.id,
                    msg: env.msg,
                }),
                Err(_) => None,
            },
        }
    }

    /// Answers a routed frame: whether the table took it.
    pub(crate) async fn answer(&self, msg: &bus::Message, taken: bool) {
        let body = if taken { REPLY_OK } else { REPLY_GONE };
        if let Err(e) = self.bus.reply(msg, Bytes::from_static(body)).await {
            tracing::debug!(error = %e, "routed frame not answered");
        }
    }

    /// The proxy of remote connection `from` (created on first use).
    fn proxy(
        self: &Arc<Self>,
        svc: &Arc<Service>,
        from: &Remote,
    ) -> (Sink, Arc<Mutex<HashSet<String>>>) {
        let key = (from.node.clone(), from.conn);
        let mut proxies = lock(&self.proxies);
        if let Some(p) = proxies.get(&key)
            && !p.sink.is_closed()
        {
            return (p.sink.clone(), p.tables.clone());
        }
        lock(&self.heard)
            .entry(from.node.clone())
            .or_insert_with(Instant::now);
        let (tx, rx) = mpsc::channel::<Out>(svc.cfg.ws_outbound_queue.max(8));
        let kill = Arc::new(Notify::new());
        let sink = Sink {
            conn_id: svc.next_conn_id(),
            user_id: from.user,
            name: Arc::from(from.name.as_str()),
            ip: from.ip,
            tx,
            kill: kill.clone(),
        };
        let end = Arc::new(Notify::new());
        let tables = Arc::new(Mutex::new(HashSet::new()));
        proxies.insert(
            key.clone(),
            Proxy {
                sink: sink.clone(),
                end: end.clone(),
                tables: tables.clone(),
            },
        );
        metrics::gauge!("guandan_route_proxies").increment(1.0);
        tokio::spawn(run_proxy(
            self.clone(),
            svc.clone(),
            ProxyTask {
                key,
                remote_user: from.user,
                conn_id: sink.conn_id,
                rx,
                kill,
                end,
                tables: tables.clone(),
            },
        ));
        (sink, tables)
    }

    /// A sink for a seat in a table this node opens for `who`: the local connection, or a proxy.
    /// A local connection that is gone gives a closed sink (the seat starts disconnected).
    pub(crate) fn sink_for(self: &Arc<Self>, svc: &Arc<Service>, who: &Remote) -> Sink {
        if who.node == self.node_id {
            return svc
                .conn_of(who.user, who.conn)
                .unwrap_or_else(|| Sink::closed(who.user, &who.name, who.ip));
        }
        self.proxy(svc, who).0
    }

    fn end_proxy(&self, node: &str, conn: u64) {
        if let Some(p) = lock(&self.proxies).get(&(node.to_owned(), conn)) {
            p.end.notify_one();
        }
    }

    /// Ends the proxies of nodes not heard for [`NODE_SILENCE`]; returns those nodes.
    fn end_silent_nodes(&self) -> Vec<String> {
        let now = Instant::now();
        let silent: Vec<String> = {
            let mut heard = lock(&self.heard);
            let silent: Vec<String> = heard
                .iter()
                .filter(|(_, at)| now.duration_since(**at) > NODE_SILENCE)
                .map(|(n, _)| n.clone())
                .collect();
            for n in &silent {
                heard.remove(n);
            }
            silent
        };
        if !silent.is_empty() {
            for ((node, _), p) in lock(&self.proxies).iter() {
                if silent.contains(node) {
                    p.end.notify_one();
                }
            }
            tracing::warn!(nodes = ?silent, "nodes silent: their connections' proxies end");
        }
        silent
    }

    /// Records that `user` holds a seat at `table_id` (or no longer does), for reconnects on any node.
    pub(crate) fn seat_changed(&self, user: i64, table_id: &str, held: bool) {
        let (kv, key, table) = (self.kv.clone(), seats_key(user), table_id.to_owned());
        tokio::spawn(async move {
            let r = if held {
                kv.zset(&key, &table, 0).await
            } else {
                kv.zremove(&key, &table).await.map(|_| ())
            };
            if let Err(e) = r {
                tracing::warn!(error = %e, user, "seat registry not updated");
            }
        });
    }

    /// The tables where `user` holds a seat, on any node.
    pub(crate) async fn seats(&self, user: i64) -> Vec<String> {
        match self.kv.ztop(&seats_key(user), 0, SEATS_LISTED_MAX).await {
            Ok(v) => v.into_iter().map(|(t, _)| t).collect(),
            Err(e) => {
                tracing::warn!(error = %e, user, "seat registry unreadable");
                Vec::new()
            }
        }
    }

    /// Reserves room `code` for `table_id` across the cluster: `Ok(false)` when another table
    /// holds it.
    pub(crate) async fn reserve_room(
        &self,
        code: &str,
        table_id: &str,
    ) -> Result<bool, kv::KvError> {
        match self
            .kv
            .acquire(&room_lease(code), table_id, ROOM_LEASE_TTL)
            .await?
        {
            Some(l) => {
                lock(&self.rooms).insert(code.to_owned(), l);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The table of room `code`, on any node.
    pub(crate) async fn room(&self, code: &str) -> Option<String> {
        match self.kv.holder(&room_lease(code)).await {
            Ok(l) => l.map(|l| l.holder),
            Err(e) => {
                tracing::warn!(error = %e, "room registry unreadable");
                None
            }
        }
    }

    /// Gives room `code` back (its table closed).
    pub(crate) fn release_room(&self, code: &str) {
        if let Some(l) = lock(&self.rooms).remove(code) {
            let kv = self.kv.clone();
            tokio::spawn(async move {
                let _ = kv.release(&l).await;
            });
        }
    }

    async fn renew_rooms(&self) {
        let leases: Vec<kv::Lease> = lock(&self.rooms).values().cloned().collect();
        for l in leases {
            if let Err(e) = self.kv.renew(&l, ROOM_LEASE_TTL).await {
                tracing::warn!(error = %e, lease = l.name, "room lease not renewed");
            }
        }
    }
}

struct ProxyTask {
    key: (String, u64),
    remote_user: i64,
    conn_id: u64,
    rx: mpsc::Receiver<Out>,
    kill: Arc<Notify>,
    end: Arc<Notify>,
    tables: Arc<Mutex<HashSet<String>>>,
}

fn encode_frame(conn: u64, user: i64, kind: u8, body: &[u8]) -> Bytes {
    let mut b = Vec::with_capacity(17 + body.len());
    b.extend_from_slice(&conn.to_be_bytes());
    b.extend_from_slice(&user.to_be_bytes());
    b.push(kind);
    b.extend_from_slice(body);
    Bytes::from(b)
}

/// One proxy: publishes what its tables queue until the connection ends, then detaches it from them.
async fn run_proxy(router: Arc<Router>, svc: Arc<Service>, mut p: ProxyTask) {
    let subject = conn_subject(&p.key.0);
    let (conn, user) = (p.key.1, p.remote_user);
    loop {
        let (kind, body, last) = tokio::select! {
            biased;
            () = p.end.notified() => break,
            () = p.kill.notified() => (FRAME_KILL, Bytes::new(), true),
            out = p.rx.recv() => match out {
                Some(Out::Text(t)) => (FRAME_TEXT, Bytes::from(t), false),
                Some(Out::Close(code, reason)) => {
                    let mut b = code.to_be_bytes().to_vec();
                    b.extend_from_slice(reason.as_bytes());
                    (FRAME_CLOSE, Bytes::from(b), true)
                }
                None => break,
            },
        };
        if let Err(e) = router
            .bus
            .publish(&subject, encode_frame(conn, user, kind, &body))
            .await
        {
            metrics::counter!("guandan_route_failures_total").increment(1);
            tracing::debug!(error = %e, "frame to a remote connection not published");
        }
        if last {
            break;
        }
    }
    drop(p.rx);
    {
        let mut proxies = lock(&router.proxies);
        if proxies
            .get(&p.key)
            .is_some_and(|x| x.sink.conn_id == p.conn_id)
        {
            proxies.remove(&p.key);
        }
    }
    metrics::gauge!("guandan_route_proxies").decrement(1.0);
    let tables: Vec<String> = lock(&p.tables).drain().collect();
    for t in tables {
        if let Some(h) = svc.table(&t) {
            let _ =
                h.tx.send(table::Cmd::Detach {
                    user_id: user,
                    conn_id: p.conn_id,
                })
                .await;
        }
    }
}

/// Starts a cluster node's routing: subscribed before it returns.
pub(crate) async fn start(state: &TablesState, router: Arc<Router>) -> Vec<JoinHandle<()>> {
    let notes = match router.bus.subscribe(NOTES).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot subscribe to guandan notes");
            return Vec::new();
        }
    };
    let frames = match router.bus.subscribe(&conn_subject(&router.node_id)).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot subscribe to routed frames");
            return Vec::new();
        }
    };
    vec![
        tokio::spawn(on_notes(state.clone(), router.clone(), notes)),
        tokio::spawn(on_frames(state.clone(), router.clone(), frames)),
        tokio::spawn(heartbeat(state.clone(), router)),
    ]
}

async fn heartbeat(state: TablesState, router: Arc<Router>) {
    let mut tick = tokio::time::interval(HELLO_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut rooms_renewed = Instant::now();
    loop {
        tick.tick().await;
        router
            .say(&Note::Hello {
                node: router.node_id.clone(),
            })
            .await;
        for node in router.end_silent_nodes() {
            let _ = state
                .guandan
                .matchmaker
                .send(matchmaker::Cmd::NodeGone(node))
                .await;
        }
        if rooms_renewed.elapsed() >= ROOM_RENEW_EVERY {
            rooms_renewed = Instant::now();
            router.renew_rooms().await;
        }
    }
}

/// Frames for this node's connections, from tables on other nodes.
async fn on_frames(state: TablesState, router: Arc<Router>, mut frames: bus::Subscription) {
    let svc = state.guandan.clone();
    while let Some(msg) = frames.next().await {
        let b = &msg.payload;
        if b.len() < 17 {
            continue;
        }
        let conn = u64::from_be_bytes(b[0..8].try_into().unwrap_or([0; 8]));
        let user = i64::from_be_bytes(b[8..16].try_into().unwrap_or([0; 8]));
        let body = b.slice(17..);
        let Some(sink) = svc.conn_of(user, conn) else {
            // The connection ended: its proxies end too.
            router
                .say(&Note::Gone {
                    node: router.node_id.clone(),
                    conn,
                })
                .await;
            continue;
        };
        match b[16] {
            FRAME_TEXT => {
                if let Ok(t) = Utf8Bytes::try_from(body) {
                    sink.push(t);
                }
            }
            FRAME_CLOSE => {
                let code = body
                    .get(0..2)
                    .map_or(1008, |c| u16::from_be_bytes([c[0], c[1]]));
                let _ = sink
                    .tx
                    .try_send(Out::Close(code, "closed by the table's node"));
                sink.kill();
            }
            _ => sink.kill(),
        }
    }
}

async fn on_notes(state: TablesState, router: Arc<Router>, mut notes: bus::Subscription) {
    let svc = state.guandan.clone();
    let me = router.node_id.clone();
    while let Some(msg) = notes.next().await {
        let note: Note = match serde_json::from_slice(&msg.payload) {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "unreadable guandan note");
                continue;
            }
        };
        match note {
            Note::Hello { node } => {
                if node != me {
                    lock(&router.heard).insert(node, Instant::now());
                }
            }
            Note::Gone { node, conn } => router.end_proxy(&node, conn),
            Note::Connected { node, conn, user } => {
                if node != me {
                    svc.replace_conn(user);
                }
                let _ = conn;
            }
            Note::Resumed { table, users } => {
                for user in users {
                    let Some(sink) = svc.local_conn(user) else {
                        continue;
                    };
                    if let Some(h) = svc.table(&table) {
                        let _ = h.tx.send(table::Cmd::Attach(sink)).await;
                    } else {
                        let (router, table) = (router.clone(), table.clone());
                        tokio::spawn(async move {
                            let _ = router.attach(&sink, &table).await;
                        });
                    }
                }
            }
            Note::Queue(peer) => {
                let _ = svc.matchmaker.send(matchmaker::Cmd::Peer(peer)).await;
            }
        }
    }
}
