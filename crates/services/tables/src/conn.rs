//! One WebSocket connection: authentication at the upgrade, the welcome, the per-connection flood
//! limit, parsing, routing to tables and the matchmaker, and the outbound queue. The loop is one
//! `tokio::select!` over the socket, the outbound queue and the kill signal, so more sources (balance
//! pushes, bet feeds) can be added as further branches.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use protocol::server::Welcome;
use protocol::{ClientMessage, ServerMessage, UserId};
use tokio::sync::{Notify, mpsc};

use super::{Out, Sink, matchmaker, route, table};
use crate::TablesState;
use api::error::{ApiError, ErrorCode};

/// Query parameters of the upgrade request.
#[derive(Debug, serde::Deserialize)]
pub struct WsQuery {
    /// The access token (browsers cannot set headers on a WebSocket request).
    access_token: Option<String>,
}

/// Sub-protocol the server speaks; clients may also offer `bearer.<access token>`.
const SUBPROTOCOL: &str = "playhouse.v1";

/// Tables one connection may touch (join, spectate) before it must leave some.
const TABLES_PER_CONNECTION_MAX: usize = 64;

/// `GET /v1/ws`: authenticates with the access token (query `access_token`, `Authorization: Bearer`,
/// or a `bearer.<token>` sub-protocol) and upgrades.
pub async fn ws(
    State(state): State<TablesState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Query(q): Query<WsQuery>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let token = q
        .access_token
        .or_else(|| bearer_header(&headers))
        .or_else(|| bearer_subprotocol(&headers))
        .ok_or_else(|| {
            ApiError::unauthorized(
                "An access token is required (`access_token` query parameter or `Authorization: Bearer`).",
            )
        })?;
    // Operator-session tokens are refused here too once revoked or expired.
    let authed = state.auth.authenticate(&token).await?;
    let user_id = authed.user_id;
    // An operator session can end while the connection is open: its token is re-checked.
    let session_token = authed.session.is_some().then(|| token.clone());
    let (_, expires_secs) = state.auth.keys.verify_access_expiry(&token)?;
    let user = match state.store.user_by_id(user_id).await {
        Ok(u) => u,
        Err(e) if e.is_not_found() => {
            return Err(ApiError::unauthorized("The account no longer exists."));
        }
        Err(e) => return Err(e.into()),
    };
    let upgrade = upgrade.map_err(|_| {
        ApiError::with_message(
            ErrorCode::InvalidField,
            "This endpoint needs a WebSocket upgrade request.",
        )
    })?;
    let hard_max = state.guandan.cfg.ws_frame_bytes_hard_max;
    let name: Arc<str> = Arc::from(user.display_name.as_str());
    Ok(upgrade
        .max_message_size(hard_max)
        .max_frame_size(hard_max)
        .protocols([SUBPROTOCOL])
        .on_upgrade(move |socket| {
            run(
                state,
                socket,
                user_id,
                name,
                addr.ip(),
                expires_secs.saturating_mul(1000),
                session_token,
            )
        }))
}

fn bearer_header(headers: &HeaderMap) -> Option<String> {
    let v = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

fn bearer_subprotocol(headers: &HeaderMap) -> Option<String> {
    let v = headers
        .get(axum::http::header::SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?;
    v.split(',')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("bearer."))
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// Token bucket for client frames.
struct Flood {
    tokens: f64,
    per_sec: f64,
    burst: f64,
    last: std::time::Instant,
}

impl Flood {
    fn take(&mut self) -> bool {
        let now = api::clock::instant();
        let dt = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + dt * self.per_sec).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

struct Conn {
    state: TablesState,
    sink: Sink,
    touched: BTreeSet<String>,
    /// Mailboxes of tables this connection talked to: actions skip the shared table registry.
    handles: std::collections::HashMap<String, super::TableHandle>,
    bad_frames: u32,
    auth: AuthClock,
    /// The operator-session token the connection runs on, re-checked every
    /// `guandan.ws_session_check_ms` (None for ordinary tokens, which no session can end).
    session_token: Option<String>,
}

/// The validity of a connection: the expiry of the newest access token it presented, and the next
/// thing to do about it (push `auth_expiring`, then close after the grace).
#[derive(Debug, Clone, Copy)]
struct AuthClock {
    /// Expiry of the newest token, unix milliseconds.
    expires_at_ms: i64,
    /// `auth_expiring` was pushed for this expiry.
    notified: bool,
    /// When to act next, unix milliseconds on the node's clock.
    wake_at_ms: i64,
}

impl AuthClock {
    fn new(expires_at_ms: i64, cfg: &super::GuandanConfig) -> AuthClock {
        AuthClock {
            expires_at_ms,
            notified: false,
            wake_at_ms: expires_at_ms.saturating_sub(ms_i64(cfg.ws_auth_notice_ms)),
        }
    }
}

/// Resolves when an adjustable clock is moved (never for the system clock).
async fn clock_moved(moved: &mut Option<tokio::sync::watch::Receiver<i64>>) {
    if let Some(m) = moved
        && m.changed().await.is_ok()
    {
        return;
    }
    std::future::pending().await
}

fn ms_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

enum Flow {
    Continue,
    Close(u16, &'static str),
}

async fn run(
    state: TablesState,
    mut socket: WebSocket,
    user_id: i64,
    name: Arc<str>,
    ip: IpAddr,
    expires_at_ms: i64,
    session_token: Option<String>,
) {
    let svc = state.guandan.clone();
    let cfg = svc.cfg.clone();
    // The waiting room: the place is held until the connection ends.
    let Some(_pass) = admit(&state, &mut socket, user_id).await else {
        return;
    };
    let (tx, mut rx) = mpsc::channel::<Out>(cfg.ws_outbound_queue.max(8));
    let kill = Arc::new(Notify::new());
    let sink = Sink {
        conn_id: svc.next_conn_id(),
        user_id,
        name,
        ip: Some(ip),
        tx,
        kill: kill.clone(),
    };
    metrics::gauge!("guandan_connections").increment(1.0);
    svc.register_conn(&sink);
    let mut seated = svc.seats_of(user_id);
    if let Some(r) = &svc.router {
        // One connection per user across the cluster; seats held at tables on any node.
        r.say(&route::Note::Connected {
            node: r.node_id().to_owned(),
            conn: sink.conn_id,
            user: user_id,
        })
        .await;
        for t in r.seats(user_id).await {
            if !seated.contains(&t) {
                seated.push(t);
            }
        }
    }
    let welcome = protocol::ServerEnvelope::reply(
        None,
        ServerMessage::Welcome(Welcome::new(
            user_id_wire(user_id),
            u64::try_from(state.auth.clock.now_ms()).unwrap_or(0),
            seated
                .iter()
                .filter_map(|t| protocol::TableId::new(t.clone()).ok())
                .collect(),
        )),
    );
    let mut conn = Conn {
        state: state.clone(),
        sink: sink.clone(),
        touched: seated.iter().cloned().collect(),
        handles: std::collections::HashMap::new(),
        bad_frames: 0,
        auth: AuthClock::new(expires_at_ms, &cfg),
        session_token,
    };
    let welcome_ok = match serde_json::to_string(&welcome) {
        Ok(s) => socket.send(Message::Text(s.into())).await.is_ok(),
        Err(_) => false,
    };
    if welcome_ok {
        for t in &seated {
            if let Some(h) = svc.table(t) {
                let _ = h.tx.send(table::Cmd::Attach(sink.clone())).await;
            } else if let Some(r) = &svc.router
                && r.attach(&sink, t).await == Err(route::RouteError::NoTable)
            {
                // A table its node never closed (the node died; no other resumed it): forget it.
                // A table resumed later registers its seats again.
                r.seat_changed(user_id, t, false);
            }
        }
        let mut flood = Flood {
            tokens: f64::from(cfg.ws_messages_burst.max(1)),
            per_sec: f64::from(cfg.ws_messages_per_sec.max(1)),
            burst: f64::from(cfg.ws_messages_burst.max(1)),
            last: api::clock::instant(),
        };
        // Instant-games pushes: this user's balance changes and the public live bet feed.
        let mut balances = state.balance_changes.subscribe();
        let mut feed = state.bet_feed.subscribe();
        let (mut balances_open, mut feed_open) = (true, true);
        // One timer for the token clock, reset only when its deadline or the clock moves (not once
        // per frame).
        let clock = state.auth.clock.clone();
        let mut moved = clock.moved();
        let mut wake_at = conn.auth.wake_at_ms;
        let auth_sleep = tokio::time::sleep_until(clock.deadline(wake_at));
        tokio::pin!(auth_sleep);
        let check_every = std::time::Duration::from_millis(cfg.ws_session_check_ms.max(10));
        let mut session_tick =
            tokio::time::interval_at(tokio::time::Instant::now() + check_every, check_every);
        session_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if wake_at != conn.auth.wake_at_ms {
                wake_at = conn.auth.wake_at_ms;
                auth_sleep.as_mut().reset(clock.deadline(wake_at));
            }
            tokio::select! {
                biased;
                () = kill.notified() => {
                    // Drain what is already queued (a final error or close) before closing.
                    let mut close = (1008, "connection closed by the server");
                    while let Ok(out) = rx.try_recv() {
                        match out {
                            Out::Text(t) => { let _ = socket.send(Message::Text(t)).await; }
                            Out::Close(c, r) => { close = (c, r); break; }
                        }
                    }
                    close_socket(&mut socket, close.0, close.1).await;
                    break;
                }
                out = rx.recv() => match out {
                    Some(Out::Text(t)) => {
                        if socket.send(Message::Text(t)).await.is_err() { break; }
                    }
                    Some(Out::Close(code, reason)) => { close_socket(&mut socket, code, reason).await; break; }
                    None => break,
                },
                change = balances.recv(), if balances_open => match change {
                    Ok(c) if c.user_id == user_id => {
                        sink.send(&protocol::ServerEnvelope::reply(None, balance_message(&c)));
                    }
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => balances_open = false,
                },
                batch = feed.recv(), if feed_open => match batch {
                    Ok(b) => {
                        sink.send(&protocol::ServerEnvelope::reply(None, feed_message(&b)));
                    }
                    // A slow connection misses feed batches rather than holding anyone up.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        metrics::counter!("games_feed_ws_lagged_total").increment(n);
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => feed_open = false,
                },
                () = clock_moved(&mut moved) => {
                    auth_sleep.as_mut().reset(clock.deadline(wake_at));
                }
                () = &mut auth_sleep => {
                    if let Flow::Close(code, reason) = conn.on_auth_clock() {
                        while let Ok(Out::Text(t)) = rx.try_recv() {
                            let _ = socket.send(Message::Text(t)).await;
                        }
                        close_socket(&mut socket, code, reason).await;
                        break;
                    }
                }
                _ = session_tick.tick(), if conn.session_token.is_some() => {
                    if let Flow::Close(code, reason) = conn.check_session().await {
                        while let Ok(Out::Text(t)) = rx.try_recv() {
                            let _ = socket.send(Message::Text(t)).await;
                        }
                        close_socket(&mut socket, code, reason).await;
                        break;
                    }
                }
                msg = socket.recv() => {
                    let flow = match msg {
                        None | Some(Ok(Message::Close(_))) => break,
                        // A frame past `ws_frame_bytes_hard_max` is refused by the socket itself:
                        // say why (coded) before closing with 1009 (message too big).
                        Some(Err(e)) if is_too_large(&e) => {
                            conn.sink.error(None, protocol::errors::FRAME_TOO_LARGE, "The message is larger than the server accepts; the connection is closed.");
                            Flow::Close(1009, "message too big")
                        }
                        Some(Err(_)) => break,
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => Flow::Continue,
                        Some(Ok(Message::Text(text))) => {
                            if flood.take() {
                                conn.on_text(text.as_str()).await
                            } else {
                                conn.sink.error(None, ErrorCode::RateLimited.as_str(), "Too many messages; the connection is closed.");
                                Flow::Close(1008, "message flood")
                            }
                        }
                        Some(Ok(Message::Binary(_))) => {
                            if flood.take() {
                                conn.refused(None, protocol::errors::INVALID_MESSAGE, "Binary frames are not accepted; send JSON text frames.")
                            } else {
                                Flow::Close(1008, "message flood")
                            }
                        }
                    };
                    if let Flow::Close(code, reason) = flow {
                        // Flush the queued error first so the client sees why.
                        while let Ok(Out::Text(t)) = rx.try_recv() {
                            let _ = socket.send(Message::Text(t)).await;
                        }
                        close_socket(&mut socket, code, reason).await;
                        break;
                    }
                }
            }
        }
    }
    svc.unregister_conn(user_id, sink.conn_id);
    for t in &conn.touched {
        if let Some(h) = svc.table(t) {
            let _ =
                h.tx.send(table::Cmd::Detach {
                    user_id,
                    conn_id: sink.conn_id,
                })
                .await;
        }
    }
    if let Some(r) = &svc.router {
        // Its proxies on other nodes end, and detach it from their tables.
        r.say(&route::Note::Gone {
            node: r.node_id().to_owned(),
            conn: sink.conn_id,
        })
        .await;
    }
    let _ = svc
        .matchmaker
        .send(matchmaker::Cmd::Gone {
            user_id,
            conn_id: sink.conn_id,
        })
        .await;
    metrics::gauge!("guandan_connections").decrement(1.0);
}

/// Sends one server message straight to the socket; false once it is gone.
async fn send_now(
    socket: &mut WebSocket,
    id: Option<protocol::RequestId>,
    msg: ServerMessage,
) -> bool {
    match serde_json::to_string(&protocol::ServerEnvelope::reply(id, msg)) {
        Ok(s) => socket.send(Message::Text(s.into())).await.is_ok(),
        Err(_) => false,
    }
}

/// Admits the connection, at once or after its turn in the waiting room (see [`crate::admission`]);
/// `None` when it is refused or gives up while waiting.
async fn admit(
    state: &TablesState,
    socket: &mut WebSocket,
    user_id: i64,
) -> Option<crate::admission::Pass> {
    use crate::admission::Arrival;
    let svc = &state.guandan;
    if !svc.seats_of(user_id).is_empty() {
        // A seated player coming back never waits behind newcomers.
        return Some(svc.admission.force());
    }
    let mut ticket = match svc.admission.arrive() {
        Arrival::Admitted(pass) => return Some(pass),
        Arrival::Refused => {
            metrics::counter!("guandan_waiting_room_refused_total").increment(1);
            let full = protocol::ErrorPayload::new(
                ErrorCode::Unavailable.as_str(),
                "The server is full; try again in a few minutes.",
            );
            send_now(socket, None, ServerMessage::Error(full)).await;
            close_socket(socket, 1013, "server full").await;
            return None;
        }
        Arrival::Queued(t) => t,
    };
    let mut shown = 0;
    let mut refused = 0;
    loop {
        let (position, estimated_wait_ms) = ticket.position();
        if position != shown {
            shown = position;
            let msg = ServerMessage::QueueTicket {
                ticket: ticket.number,
                position,
                estimated_wait_ms,
            };
            if !send_now(socket, None, msg).await {
                return None;
            }
        }
        tokio::select! {
            pass = &mut ticket.admitted => return pass.ok(),
            changed = ticket.moved.changed() => {
                if changed.is_err() {
                    return None;
                }
            }
            msg = socket.recv() => match msg {
                None | Some(Err(_) | Ok(Message::Close(_))) => return None,
                Some(Ok(Message::Text(text))) => {
                    let parsed = protocol::parse_client(text.as_str());
                    let id = match &parsed {
                        Ok(env) => env.id.clone(),
                        Err(f) => f.id.clone(),
                    };
                    if matches!(parsed, Ok(ref env) if matches!(env.msg, ClientMessage::Ping {})) {
                        let now = u64::try_from(state.auth.clock.now_ms()).unwrap_or(0);
                        send_now(socket, id, ServerMessage::Pong { server_time_ms: now }).await;
                        continue;
                    }
                    refused += 1;
                    let waiting = protocol::ErrorPayload::new(
                        ErrorCode::Unavailable.as_str(),
                        "You are in the waiting room; only ping is answered until you are admitted.",
                    );
                    send_now(socket, id, ServerMessage::Error(waiting)).await;
                    if refused > svc.cfg.ws_bad_frames_max {
                        close_socket(socket, 1008, "too many messages while waiting").await;
                        return None;
                    }
                }
                Some(Ok(_)) => {}
            },
        }
    }
}

/// `balance_changed` for a balance broadcast by the games service.
fn balance_message(c: &games::feed::BalanceChange) -> ServerMessage {
    ServerMessage::BalanceChanged {
        currency: c.currency.clone(),
        balance: c.balance,
    }
}

/// `bet_feed` for a live-feed batch (multipliers as their exact decimal strings).
fn feed_message(b: &games::feed::FeedBatch) -> ServerMessage {
    ServerMessage::BetFeed {
        items: b
            .items
            .iter()
            .map(|i| protocol::server::BetFeedItem {
                bet_id: i.bet_id.clone(),
                game: i.game.clone(),
                player: i.player.clone(),
                currency: i.currency.clone(),
                amount: i.amount,
                multiplier: i.multiplier.clone(),
                payout: i.payout,
                at_ms: u64::try_from(i.at_ms).unwrap_or(0),
            })
            .collect(),
    }
}

/// Whether a receive error is the socket's size limit (a frame or message over the hard maximum).
fn is_too_large(e: &axum::Error) -> bool {
    use tokio_tungstenite::tungstenite::Error;
    std::error::Error::source(e)
        .and_then(|inner| inner.downcast_ref::<Error>())
        .is_some_and(|inner| matches!(inner, Error::Capacity(_)))
}

async fn close_socket(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

/// A user id as the protocol's decimal string.
pub(super) fn user_id_wire(user_id: i64) -> UserId {
    UserId::new(user_id.to_string()).unwrap_or_else(|_| {
        UserId::new("0").unwrap_or_else(|_| unreachable!("\"0\" is a valid user id"))
    })
}

impl Conn {
    /// A frame for a table not on this node: to its owner over the bus (a cluster), or `not_found`.
    async fn forward_remote(
        &mut self,
        table_id: &str,
        id: Option<protocol::RequestId>,
        msg: ClientMessage,
        joins: bool,
    ) -> Flow {
        let Some(router) = self.state.guandan.router.clone() else {
            self.sink
                .error(id, ErrorCode::NotFound.as_str(), "There is no such table.");
            return Flow::Continue;
        };
        let tracked = joins || matches!(msg, ClientMessage::TakeSeat { .. });
        if tracked
            && !self.touched.contains(table_id)
            && self.touched.len() >= TABLES_PER_CONNECTION_MAX
        {
            return self.refused(id, ErrorCode::Conflict.as_str(), "Leave a table first.");
        }
        let env = protocol::ClientEnvelope {
            v: protocol::PROTOCOL_VERSION,
            id: id.clone(),
            msg,
        };
        match router.forward(&self.sink, table_id, &env).await {
            Ok(()) => {
                if tracked {
                    self.touched.insert(table_id.to_owned());
                }
            }
            Err(route::RouteError::NoTable) => {
                self.sink
                    .error(id, ErrorCode::NotFound.as_str(), "There is no such table.");
            }
            Err(route::RouteError::Unreachable) => {
                self.sink.error(
                    id,
                    ErrorCode::Unavailable.as_str(),
                    "The table cannot be reached right now; try again.",
                );
            }
        }
        Flow::Continue
    }

    /// The access-token clock fired: push `auth_expiring`, or, once the grace after expiry has passed
    /// without an `auth_refresh`, end the connection with `token_expired`.
    fn on_auth_clock(&mut self) -> Flow {
        let cfg = &self.state.guandan.cfg;
        if !self.auth.notified {
            self.auth.notified = true;
            self.auth.wake_at_ms = self
                .auth
                .expires_at_ms
                .saturating_add(ms_i64(cfg.ws_auth_grace_ms));
            self.sink.reply(
                None,
                ServerMessage::AuthExpiring {
                    expires_at_ms: u64::try_from(self.auth.expires_at_ms).unwrap_or(0),
                    grace_ms: u32::try_from(cfg.ws_auth_grace_ms).unwrap_or(u32::MAX),
                },
            );
            return Flow::Continue;
        }
        metrics::counter!("guandan_ws_token_expired_total").increment(1);
        self.sink.error(
            None,
            ErrorCode::TokenExpired.as_str(),
            "The access token expired and was not refreshed; the connection is closed.",
        );
        Flow::Close(4001, "access token expired")
    }

    /// The operator session behind the connection's token: once it is revoked or has expired (read
    /// through the operator hub's session cache, so within its 5 s on other nodes), the client gets
    /// the error and the connection closes with `4001`. A database hiccup keeps the connection.
    async fn check_session(&mut self) -> Flow {
        let Some(token) = &self.session_token else {
            return Flow::Continue;
        };
        match self.state.auth.authenticate(token).await {
            Ok(_) => Flow::Continue,
            Err(e) if e.code.status() == axum::http::StatusCode::UNAUTHORIZED => {
                metrics::counter!("guandan_ws_session_ended_total").increment(1);
                self.sink.error(None, e.code.as_str(), &e.message);
                Flow::Close(4001, "operator session ended")
            }
            Err(e) => {
                tracing::warn!(
                    code = e.code.as_str(),
                    "operator session check failed; keeping the connection"
                );
                Flow::Continue
            }
        }
    }

    fn refused(&mut self, id: Option<protocol::RequestId>, code: &str, message: &str) -> Flow {
        self.sink.error(id, code, message);
        self.bad_frames += 1;
        if self.bad_frames > self.state.guandan.cfg.ws_bad_frames_max {
            Flow::Close(1008, "too many invalid messages")
        } else {
            Flow::Continue
        }
    }

    async fn on_text(&mut self, text: &str) -> Flow {
        let env = match protocol::parse_client(text) {
            Ok(env) => env,
            Err(f) => {
                let p = protocol::errors::parse_error_payload(&f.error);
                return self.refused(f.id, &p.code, &p.message);
            }
        };
        let id = env.id;
        let svc = self.state.guandan.clone();
        match env.msg {
            ClientMessage::Ping {} => {
                self.sink.reply(
                    id,
                    ServerMessage::Pong {
                        server_time_ms: u64::try_from(self.state.auth.clock.now_ms()).unwrap_or(0),
                    },
                );
            }
            ClientMessage::AuthRefresh { access_token } => {
                let authed = match self.state.auth.authenticate(&access_token).await {
                    Ok(a) => a,
                    Err(e) => return self.refused(id, e.code.as_str(), &e.message),
                };
                match self.state.auth.keys.verify_access_expiry(&access_token) {
                    Ok((user, exp_secs)) if user == self.sink.user_id && authed.user_id == user => {
                        self.session_token = authed.session.is_some().then(|| access_token.clone());
                        let exp_ms = exp_secs.saturating_mul(1000);
                        // An older token never shortens the connection's validity.
                        if exp_ms > self.auth.expires_at_ms {
                            self.auth = AuthClock::new(exp_ms, &svc.cfg);
                        }
                        self.sink.reply(id, ServerMessage::Ack {});
                    }
                    Ok(_) => {
                        return self.refused(
                            id,
                            ErrorCode::Unauthorized.as_str(),
                            "The access token belongs to another account.",
                        );
                    }
                    Err(e) => return self.refused(id, e.code.as_str(), &e.message),
                }
            }
            ClientMessage::QuickMatchJoin { mode } => {
                let rating = super::player_rating(&self.state, self.sink.user_id).await;
                let _ = svc
                    .matchmaker
                    .send(matchmaker::Cmd::Join {
                        sink: self.sink.clone(),
                        id,
                        mode,
                        rating,
                    })
                    .await;
            }
            ClientMessage::QuickMatchCancel {} => {
                let _ = svc
                    .matchmaker
                    .send(matchmaker::Cmd::Cancel {
                        sink: self.sink.clone(),
                        id,
                    })
                    .await;
            }
            ClientMessage::RoomCreate { options } => {
                if self.touched.len() >= TABLES_PER_CONNECTION_MAX {
                    return self.refused(id, ErrorCode::Conflict.as_str(), "Leave a table first.");
                }
                match table::create_room(&self.state, self.sink.clone(), id.clone(), options).await
                {
                    Ok(table_id) => {
                        self.touched.insert(table_id);
                    }
                    Err(e) => {
                        self.sink.error(id, e.code.as_str(), &e.message);
                    }
                }
            }
            ClientMessage::RoomJoin { code } => {
                let found = match (svc.room(code.as_str()), &svc.router) {
                    (Some(t), _) => Some(t),
                    (None, Some(r)) => r.room(code.as_str()).await,
                    (None, None) => None,
                };
                let Some(table_id) = found else {
                    self.sink.error(
                        id,
                        ErrorCode::NotFound.as_str(),
                        "There is no room with that code.",
                    );
                    return Flow::Continue;
                };
                let msg = ClientMessage::Spectate {
                    table_id: match protocol::TableId::new(table_id.clone()) {
                        Ok(t) => t,
                        Err(_) => return Flow::Continue,
                    },
                };
                return self.forward(&table_id, id, msg, true).await;
            }
            ClientMessage::ReportPlayer {
                user_id,
                reason,
                table_id,
            } => {
                let reported = user_id.as_str().parse::<i64>().unwrap_or(-1);
                let report = store::GuandanReport {
                    id: self.state.ids.next_id(),
                    reporter_id: self.sink.user_id,
                    reported_id: reported,
                    reason: serde_json::to_value(reason)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_else(|| "other".into()),
                    table_id: table_id.map(String::from),
                    created_at_ms: self.state.auth.clock.now_ms(),
                };
                if reported == self.sink.user_id || reported < 0 {
                    return self.refused(
                        id,
                        ErrorCode::InvalidField.as_str(),
                        "You cannot report that account.",
                    );
                }
                match self.state.store.insert_guandan_report(&report).await {
                    Ok(()) => {
                        self.sink.reply(id, ServerMessage::Ack {});
                    }
                    Err(e) => {
                        let e = ApiError::from(e);
                        self.sink.error(id, e.code.as_str(), &e.message);
                    }
                }
            }
            msg => {
                let Some(table_id) = msg.table_id().map(|t| t.as_str().to_owned()) else {
                    return Flow::Continue;
                };
                let joins = matches!(msg, ClientMessage::Spectate { .. });
                return self.forward(&table_id, id, msg, joins).await;
            }
        }
        Flow::Continue
    }

    async fn forward(
        &mut self,
        table_id: &str,
        id: Option<protocol::RequestId>,
        msg: ClientMessage,
        joins: bool,
    ) -> Flow {
        let cached = self.handles.get(table_id).cloned();
        let Some(h) = cached.or_else(|| self.state.guandan.table(table_id)) else {
            return self.forward_remote(table_id, id, msg, joins).await;
        };
        if !self.handles.contains_key(table_id) && self.handles.len() < TABLES_PER_CONNECTION_MAX {
            self.handles.insert(table_id.to_owned(), h.clone());
        }
        if joins && !self.touched.contains(table_id) {
            if self.touched.len() >= TABLES_PER_CONNECTION_MAX {
                return self.refused(id, ErrorCode::Conflict.as_str(), "Leave a table first.");
            }
            self.touched.insert(table_id.to_owned());
        }
        if matches!(msg, ClientMessage::TakeSeat { .. }) {
            self.touched.insert(table_id.to_owned());
        }
        if h.tx
            .send(table::Cmd::Client {
                sink: self.sink.clone(),
                id: id.clone(),
                msg,
            })
            .await
            .is_err()
        {
            self.handles.remove(table_id);
            self.sink
                .error(id, ErrorCode::NotFound.as_str(), "The table has closed.");
        }
        Flow::Continue
    }
}
